"""People and records for the suspicion tests: a constable's suspicion about an adult and
a car, the Child Exploitation Team that owns it, and the people around them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from tests.factories import H, envelope, person, sync

POLICE = "Riverside Police"
CET = "Child Exploitation Team"
CANARY = f"CANARY-SUSPICION-{uuid.uuid4().hex[:8]}"
ADULT = {"kind": "adult_of_concern", "name": "Darren Hale", "nickname": "Dee", "approx_age": 40}
CAR = {"kind": "vehicle", "registration": "YX19 KLM", "description": "silver Audi"}


def suspicion(**overrides: Any) -> dict[str, Any]:
    """A valid suspicion about an adult and his car; override any top-level field."""
    record: dict[str, Any] = {
        "schema": "frontline.suspicion/1",
        "client_id": str(uuid.uuid4()),
        "recorded_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "narrative": f"A man in a silver Audi waits outside Oakview most nights. {CANARY}",
        "basis": "observed",
        "level": "significant_harm",
        "children": [],
        "associated": [ADULT, CAR],
    }
    record.update(overrides)
    return record


def constable(app: Any) -> Any:
    return person(app, name="PC Jo Reid")[:2]


def owner(app: Any) -> Any:
    """A member of the Child Exploitation Team, the default owner."""
    return person(app, agency=POLICE, roles=("inbox_member",), inboxes=(CET,), name="DC Sam Patel")[
        0
    ]


def record(app: Any, who: Any, payload: dict[str, Any]) -> dict[str, Any]:
    client, device = who
    (result,) = sync(client, envelope(app, device, payload))
    return result


def listed(client: Any) -> list[dict[str, Any]]:
    r = client.get("/api/v1/suspicions")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]  # type: ignore[no-any-return]


def answer(client: Any, sid: str, **body: Any) -> Any:
    return client.post(f"/api/v1/suspicions/{sid}/answer", json=body, headers=H)
