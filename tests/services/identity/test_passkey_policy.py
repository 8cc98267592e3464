"""An agency can require device-bound passkeys (SECURITY.md, "Synced passkeys"; ASVS 6.3.3,
WA-11): synced passkeys are allowed by default, and refused at registration — enrolment,
recovery, adding a backup — once the agency's admin requires device-bound ones."""

from __future__ import annotations

from sqlalchemy import select

from backend.models import AuditEvent
from tests.authenticator import SoftAuthenticator
from tests.factories import H, make_invite, person
from tests.services.identity.test_recovery import _enrol

P = "Riverside Police"


def _invite(app, name: str) -> str:  # type: ignore[no-untyped-def]
    state = app.extensions["frontline"]
    return make_invite(state.sessions, state.keyring, agency=P, roles=("recorder",), name=name)


def test_6_3_3_synced_passkeys_until_the_agency_requires_device_bound_ones(app, sessions) -> None:  # type: ignore[no-untyped-def]
    admin, _, _ = person(app, agency=P, roles=("agency_admin",), name="Police Admin")
    synced = _enrol(app.test_client(), _invite(app, "PC Synced"), SoftAuthenticator(synced=True))
    assert synced.status_code == 200, synced.get_json()
    assert synced.get_json()["passkeys"][0]["multi_device"] is True
    before = admin.get("/api/v1/admin/agency").get_json()
    assert (before["device_bound_only"], before["live_synced_passkeys"]) == (False, 1)

    r = admin.post(
        "/api/v1/admin/agency/passkey-policy", json={"device_bound_only": True}, headers=H
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["device_bound_only"] is True
    assert r.get_json()["live_synced_passkeys"] == 1  # the admin's list of what to revoke
    with sessions() as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert last.action == "identity.passkey_policy_changed"

    # Enrolment with a synced passkey is refused; the invitation stays usable.
    token = _invite(app, "PC New")
    refused = _enrol(app.test_client(), token, SoftAuthenticator(synced=True))
    assert refused.status_code == 422
    assert refused.get_json()["code"] == "passkey.device_bound_required"
    assert _enrol(app.test_client(), token, SoftAuthenticator()).status_code == 200
    # Adding a synced backup is refused too.
    client, _, _ = person(app, agency=P, name="PC Backup")
    begin = client.post("/api/v1/me/passkeys/begin", headers=H).get_json()
    added = client.post(
        "/api/v1/me/passkeys/finish",
        json={"credential": SoftAuthenticator(synced=True).create(begin)},
        headers=H,
    )
    assert added.get_json()["code"] == "passkey.device_bound_required"
    # Another agency's policy is its own.
    health_admin, _, _ = person(
        app, agency="Riverside Health", roles=("agency_admin",), name="Health Admin"
    )
    assert health_admin.get("/api/v1/admin/agency").get_json()["device_bound_only"] is False
    recorder, _, _ = person(app, agency=P, name="PC Not Admin")
    denied = recorder.post(
        "/api/v1/admin/agency/passkey-policy", json={"device_bound_only": False}, headers=H
    )
    assert denied.status_code == 403
