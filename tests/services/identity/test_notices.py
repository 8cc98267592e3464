"""A person hears about changes to their own account (ASVS 6.3.5, 6.3.7, WA-9): each other
device of theirs gets a push (through a stand-in push service), and the app shows the
notice until it is dismissed. Nothing in a notice names anyone or anything else."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from backend.models import Passkey, utcnow
from backend.services.concerns.push import send_due
from backend.services.identity.notices import WORDS
from tests.authenticator import SoftAuthenticator
from tests.factories import H, person, sign_in
from tests.services.concerns import test_push
from tests.services.concerns.test_push import browser_subscription
from tests.services.identity.test_revocation import _add_backup

# The stand-in push service and an app allowed to push to it.
push_app, service = test_push.push_app, test_push.service


def _devices(app: Any, client: Any, svc: Any) -> None:
    sub, _, _ = browser_subscription(svc.url + f"/{uuid.uuid4().hex}")
    assert client.post("/api/v1/me/push", json=sub, headers=H).status_code == 204


def _send(app: Any) -> int:
    state = app.extensions["frontline"]
    return send_due(state.sessions, state.keyring, contact="mailto:ops@example.org")["sent"]


def _notices(client: Any) -> list[dict[str, Any]]:
    r = client.get("/api/v1/me/notices")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["notices"]  # type: ignore[no-any-return]


def test_6_3_7_a_passkey_added_or_revoked_reaches_the_other_devices(push_app, service) -> None:  # type: ignore[no-untyped-def]
    app = push_app
    phone, phone_device, me = person(app, name="PC Notice")
    _devices(app, phone, service)  # the phone gets pushes
    backup = SoftAuthenticator()
    desk = app.test_client()
    added = _add_backup(phone, backup, "Desk key")  # made on the phone: the phone knows
    assert _send(app) == 0  # the only device made the change
    assert sign_in(desk, backup).status_code == 200
    _devices(app, desk, service)
    # Revoked from the desk: the phone's subscription goes with its passkey, so the desk
    # (which made the change) hears nothing and the notice waits in the app.
    r = desk.post(f"/api/v1/me/passkeys/{me['passkeys'][0]['id']}/revoke", headers=H)
    assert r.status_code == 200
    (revoked, first) = _notices(desk)
    assert (revoked["kind"], first["kind"]) == ("passkey_revoked", "passkey_added")
    assert revoked["passkey"] == "First passkey"
    assert first["passkey"] == "Desk key"
    # What happened and what to do, never "revoke that passkey": it is revoked already.
    assert revoked["text"].startswith("You revoked this passkey from another of your devices.")
    assert "revoke that passkey" not in revoked["text"]
    assert WORDS["passkey_revoked"] == "A passkey of yours was revoked."  # the push: no names
    assert not revoked["read"]
    assert added["name"] == "Desk key"


def test_6_3_7_an_admin_revocation_is_pushed_to_the_persons_devices(push_app, service) -> None:  # type: ignore[no-untyped-def]
    app = push_app
    phone, _, me = person(app, name="PC Two Devices")
    backup = SoftAuthenticator()
    _add_backup(phone, backup, "Desk key")
    desk = app.test_client()
    assert sign_in(desk, backup).status_code == 200
    _devices(app, desk, service)
    admin, _, _ = person(app, roles=("agency_admin",), name="Police Admin")
    phone_key = me["passkeys"][0]["id"]
    assert admin.post(f"/api/v1/admin/passkeys/{phone_key}/revoke", headers=H).status_code == 200
    service.received.clear()
    assert _send(app) == 1
    (headers, body) = service.received[0]
    assert body  # encrypted for the device (RFC 8291): the stand-in cannot read it
    assert "PC Two Devices" not in json.dumps(headers)
    (notice, *_) = _notices(desk)
    assert notice["kind"] == "passkey_revoked"
    assert notice["passkey"] == "First passkey"
    assert notice["text"].startswith("An admin revoked this passkey")
    assert "If you did not ask for this, tell your agency's admin" in notice["text"]
    assert "revoke that passkey" not in notice["text"]


def test_6_3_5_wa_9_a_copied_passkey_and_a_long_gap_are_noticed(app, sessions) -> None:  # type: ignore[no-untyped-def]
    client, device, me = person(app, name="PC Counter")
    assert sign_in(app.test_client(), device).status_code == 200
    refused = sign_in(app.test_client(), device, sign_count=1)  # a copy, behind
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "auth.sign_count_regression"
    kinds = [n["kind"] for n in _notices(client)]
    assert kinds[0] == "sign_count_regression"
    with sessions() as s:
        s.execute(
            update(Passkey)
            .where(Passkey.id == uuid.UUID(me["passkeys"][0]["id"]))
            .values(last_used_at=utcnow() - timedelta(days=45))
        )
        s.commit()
    assert sign_in(app.test_client(), device).status_code == 200
    assert [n["kind"] for n in _notices(client)][0] == "used_after_idle"
    # Dismissed: still listed, as read; only the person's own are touched.
    other, _, _ = person(app, name="PC Other")
    assert other.post("/api/v1/me/notices/read", headers=H).status_code == 204
    assert not any(n["read"] for n in _notices(client))
    assert client.post("/api/v1/me/notices/read", headers=H).status_code == 204
    assert all(n["read"] for n in _notices(client))


def test_6_3_7_a_recovery_is_noticed(app) -> None:  # type: ignore[no-untyped-def]
    from tests.services.identity.test_recovery import _enrol, recover

    admin, _, _ = person(app, roles=("agency_admin",), name="Police Admin")
    second, _, _ = person(app, roles=("agency_admin",), name="Second Police Admin")
    _, _, lost = person(app, name="PC Recovered")
    key = lost["passkeys"][0]["id"]
    assert admin.post(f"/api/v1/admin/passkeys/{key}/revoke", headers=H).status_code == 200
    token = recover(admin, second, lost["user"]["id"])
    new_client = app.test_client()
    assert _enrol(new_client, token, SoftAuthenticator()).status_code == 200
    assert [n["kind"] for n in _notices(new_client)][:2] == ["recovered", "passkey_revoked"]
    # The admins hear the link was used, told what to do about it and nothing besides.
    (used, *_) = _notices(second)
    assert used["kind"] == "recovery_used"
    assert "revoke that passkey" not in used["text"]
