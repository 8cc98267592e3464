"""The leadership page's suspicions: counted by the agency of the owner inbox, each in one
cell (open, reopened, overdue, answered), every agency a row, counts 1 to 4 withheld."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from backend.models import Suspicion, utcnow
from tests.services.linking.test_links import partnership_lead
from tests.services.suspicions.helpers import POLICE, answer, constable, owner, record, suspicion

ZERO = {"open": 0, "reopened": 0, "overdue": 0, "answered": 0}


def _phone(n: int) -> dict[str, str]:
    return {"kind": "phone", "number": f"07700 9001{n:02d}"}


def _row(lead: Any, agency: str = POLICE) -> dict[str, Any]:
    r = lead.get("/api/v1/dashboard")
    assert r.status_code == 200, r.get_json()
    (row,) = [x for x in r.get_json()["suspicions"] if x["agency"] == agency]
    return row  # type: ignore[no-any-return]


def test_suspicions_counted_by_owner_agency_with_small_numbers_withheld(app, sessions) -> None:  # type: ignore[no-untyped-def]
    pc, cet, lead = constable(app), owner(app), partnership_lead(app)
    assert _row(lead) == {"agency": POLICE, **ZERO}
    ids = [record(app, pc, suspicion(associated=[_phone(n)]))["record_id"] for n in range(10)]
    for sid in ids[:5]:
        assert answer(cet, sid, answer="Seen to.", outcome="no_action").status_code == 200
    assert _row(lead) == {"agency": POLICE, **ZERO, "open": 5, "answered": 5}
    # Every agency has its row, owning suspicions or not.
    board = lead.get("/api/v1/dashboard").get_json()
    assert len(board["suspicions"]) >= 5
    assert _row(lead, "Riverside Health") == {"agency": "Riverside Health", **ZERO}

    # A later suspicion naming the five answered ones' phones reopens them.
    record(app, pc, suspicion(associated=[_phone(n) for n in range(5)]))
    assert _row(lead) == {"agency": POLICE, **ZERO, "open": 6, "reopened": 5}

    # Five deadlines pass: overdue; the one left open is withheld, not shown as 1.
    with sessions() as s:
        s.execute(
            update(Suspicion)
            .where(Suspicion.id.in_([uuid.UUID(i) for i in ids[5:]]))
            .values(due_at=utcnow() - timedelta(days=1))
        )
        s.commit()
    assert _row(lead) == {
        "agency": POLICE,
        "open": None,
        "reopened": 5,
        "overdue": 5,
        "answered": 0,
    }


def test_only_partnership_leads_see_the_page(app) -> None:  # type: ignore[no-untyped-def]
    record(app, constable(app), suspicion())
    assert owner(app).get("/api/v1/dashboard").status_code in (403, 404)
