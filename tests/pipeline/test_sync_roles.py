"""Who may sync: recorders send concerns and suspicions; those who work inboxes send what
they record there (a return interview), each envelope's kind checked for its sender."""

from __future__ import annotations

from sqlalchemy import func, select

from backend.models import Concern, Receipt
from tests.factories import H, envelope, make_concern, person, sync


def test_sync_needs_the_recorder_role_and_a_list(app, sessions) -> None:  # type: ignore[no-untyped-def]
    auditor, _, _ = person(app, roles=("auditor",), name="Auditor Person")
    r = auditor.post("/api/v1/sync", json={"envelopes": []}, headers=H)
    assert (r.status_code, r.get_json()["code"]) == (403, "forbidden.role")
    # Those who work inboxes sync what they record there (a return interview), never a
    # concern: that envelope is refused on its own, and kept.
    member, device, _ = person(app, roles=("inbox_member",), name="Inbox Person")
    item = envelope(app, device, make_concern())
    (result,) = sync(member, item)
    assert (result["status"], result["error"]["code"]) == ("rejected", "sync.not_a_recorder")
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Concern)) == 0
        kept = s.scalar(select(Receipt.crypto_jwe))
    assert kept == item["jwe"]
    client, _, _ = person(app, name="Rec")
    r = client.post("/api/v1/sync", json={"envelopes": "x"}, headers=H)
    assert (r.status_code, r.get_json()["code"]) == (422, "validation.failed")
