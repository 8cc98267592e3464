"""Ingest runs the language check (backend/domain/language.py) before the write transaction
begins (ASVS 15.2.2): however long a narrative takes to check, no lock is held meanwhile."""

from __future__ import annotations

import json
import sys
from typing import Any

from sqlalchemy import event, select

from backend.domain import language
from backend.models import Concern
from tests.factories import envelope, make_concern, person, sync


def test_15_2_2_the_language_check_runs_before_the_write_transaction(app, sessions) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = person(app, roles=("recorder",))
    engine = app.extensions["frontline"].engine
    open_transactions = 0
    seen: list[int] = []

    def began(_conn: Any) -> None:
        nonlocal open_transactions
        open_transactions += 1

    def ended(_conn: Any) -> None:
        nonlocal open_transactions
        open_transactions -= 1

    def watch(frame: Any, what: str, _arg: Any) -> None:
        if what == "call" and frame.f_code is language.findings.__code__:
            seen.append(open_transactions)

    event.listen(engine, "begin", began)
    event.listen(engine, "commit", ended)
    event.listen(engine, "rollback", ended)
    p = make_concern(narrative="A willful, streetwise girl; he is a gang member.")
    sys.setprofile(watch)
    try:
        (r,) = sync(client, envelope(app, device, p))
    finally:
        sys.setprofile(None)
        for name, fn in (("begin", began), ("commit", ended), ("rollback", ended)):
            event.remove(engine, name, fn)
    assert r["status"] == "accepted"
    assert seen  # checked,
    assert set(seen) == {0}  # and never inside a transaction
    with sessions() as s:
        flags = s.scalar(select(Concern.language_flags))
    assert json.loads(flags) == {"involved_in": 1, "judgement": 2}
