"""Object-level access and agencies as tenants (8.2.2, 8.4.1): another person's or another
agency's record answers exactly as a record that does not exist, so no id can be probed."""

from __future__ import annotations

import uuid
from typing import Any

from tests.factories import H, envelope, make_concern, person, sync

P, C, HEALTH = "Riverside Police", "Riverside Children's Social Care", "Riverside Health"


def _answer(r: Any) -> tuple[int, str, str]:
    body = r.get_json()
    return r.status_code, body.get("code", ""), body.get("detail", "")


def _same_as_missing(client: Any, method: str, real: str, missing: str, **kw: Any) -> None:
    got = _answer(client.open(real, method=method, headers=H, **kw))
    nothing = _answer(client.open(missing, method=method, headers=H, **kw))
    assert got == nothing, (real, got, nothing)
    assert got[0] == 404, got


def test_8_2_2_8_4_1_other_peoples_and_agencies_records_look_like_nothing(app) -> None:  # type: ignore[no-untyped-def]
    recorder, device, _ = person(app, agency=P, roles=("recorder",), name="PC A")
    (r,) = sync(recorder, envelope(app, device, make_concern(categories=["neglect"])))
    cid = r["concern_id"]
    mash, _, _ = person(app, agency=C, roles=("inbox_member",), inboxes=("MASH",), name="MASH")
    (inbox,) = mash.get("/api/v1/inboxes").get_json()["inboxes"]
    (item,) = mash.get(f"/api/v1/inboxes/{inbox['id']}/deliveries").get_json()["items"]
    view = mash.get(f"/api/v1/concerns/{cid}?purpose=decide").get_json()
    subject = view["subject_id"]
    nobody = str(uuid.uuid4())

    colleague, _, _ = person(app, agency=P, roles=("recorder",), name="PC B")
    nurse, _, _ = person(
        app, agency=HEALTH, roles=("inbox_member",), inboxes=("Safeguarding Nurses",), name="N"
    )
    for outsider in (colleague, nurse):
        _same_as_missing(
            outsider,
            "GET",
            f"/api/v1/concerns/{cid}?purpose=decide",
            f"/api/v1/concerns/{nobody}?purpose=decide",
        )
        _same_as_missing(
            outsider,
            "POST",
            f"/api/v1/concerns/{cid}/addenda",
            f"/api/v1/concerns/{nobody}/addenda",
            json={"client_id": str(uuid.uuid4()), "jwe": "a.b.c.d.e"},
        )
    # Inbox work: another agency's inbox and delivery.
    _same_as_missing(
        nurse,
        "GET",
        f"/api/v1/inboxes/{inbox['id']}/deliveries",
        f"/api/v1/inboxes/{nobody}/deliveries",
    )
    bodies = {
        "acknowledge": {},
        "decision": {
            "outcome": "early_help",
            "reasons": "Family support offered.",
            "feedback": "The family is offered support.",
        },
        "reassign": {"inbox": inbox["id"]},
    }
    for action, body in bodies.items():
        _same_as_missing(
            nurse,
            "POST",
            f"/api/v1/deliveries/{item['id']}/{action}",
            f"/api/v1/deliveries/{nobody}/{action}",
            json=body,
        )
    # The child's chronology: only for those who received something about the child.
    _same_as_missing(
        nurse,
        "GET",
        f"/api/v1/subjects/{subject}/chronology?purpose=decide",
        f"/api/v1/subjects/{nobody}/chronology?purpose=decide",
    )
    # The recorder's own list holds only their own concerns.
    assert [
        i["concern_id"] for i in colleague.get("/api/v1/concerns/mine").get_json()["items"]
    ] == []
    assert [i["concern_id"] for i in recorder.get("/api/v1/concerns/mine").get_json()["items"]] == [
        cid
    ]
    # Ids are not counters: time-ordered UUIDs with 74 random bits (tests/core/test_ids.py).
    assert uuid.UUID(cid).version == 7
    assert uuid.UUID(item["id"]).version == 7
    # Those whose time would tell more than the row shows are random: the child's record
    # (since when any agency has known the child), a person and a passkey (when someone
    # enrolled or replaced a phone), all shown with a concern to other agencies.
    for opaque in (subject, view["recorder"]["id"], view["proof"]["passkey_id"]):
        assert uuid.UUID(opaque).version == 4
