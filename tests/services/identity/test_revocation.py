"""Devices: a backup passkey, renaming, and revocation by the person or their admin."""

from __future__ import annotations

from sqlalchemy import select

from backend.models import AuditEvent
from tests.authenticator import SoftAuthenticator
from tests.factories import H, person, sign_in


def _actions(sessions) -> list[str]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def _add_backup(client, device: SoftAuthenticator, name: str) -> dict:  # type: ignore[no-untyped-def]
    begin = client.post("/api/v1/me/passkeys/begin", headers=H).get_json()
    excluded = {c["id"] for c in begin.get("excludeCredentials", [])}
    assert excluded  # the existing passkey cannot be registered twice
    r = client.post(
        "/api/v1/me/passkeys/finish",
        json={"credential": device.create(begin), "name": name},
        headers=H,
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()  # type: ignore[no-any-return]


def test_6_5_6_revoking_a_passkey_ends_its_sessions_at_once(app, sessions) -> None:  # type: ignore[no-untyped-def]
    phone_client, phone, me = person(app)
    backup = SoftAuthenticator()
    added = _add_backup(phone_client, backup, "Backup key")
    desk_client = app.test_client()
    assert sign_in(desk_client, backup).status_code == 200
    listed = desk_client.get("/api/v1/me").get_json()["passkeys"]
    assert {p["name"] for p in listed} == {"First passkey", "Backup key"}
    phone_id = me["passkeys"][0]["id"]
    r = desk_client.post(f"/api/v1/me/passkeys/{phone_id}/revoke", headers=H)
    assert r.status_code == 200
    assert r.get_json()["revoked_at"] is not None
    refused = phone_client.get("/api/v1/me")
    assert (refused.status_code, refused.get_json()["code"]) == (401, "device.revoked")
    assert desk_client.get("/api/v1/me").status_code == 200
    again = sign_in(app.test_client(), phone)
    assert (again.status_code, again.get_json()["code"]) == (401, "device.revoked")
    assert added["current"] is False
    assert "identity.passkey_revoked" in _actions(sessions)


def test_8_2_2_cannot_touch_someone_elses_passkey(app) -> None:  # type: ignore[no-untyped-def]
    a, _, _ = person(app, name="A")
    _, _, me_b = person(app, name="B")
    theirs = me_b["passkeys"][0]["id"]
    assert a.post(f"/api/v1/me/passkeys/{theirs}/revoke", headers=H).status_code == 404
    assert (
        a.patch(f"/api/v1/me/passkeys/{theirs}", json={"name": "x"}, headers=H).status_code == 404
    )


def test_6_5_6_rename_passkey(app) -> None:  # type: ignore[no-untyped-def]
    client, _, me = person(app)
    pid = me["passkeys"][0]["id"]
    r = client.patch(f"/api/v1/me/passkeys/{pid}", json={"name": "Pixel 8"}, headers=H)
    assert r.get_json()["name"] == "Pixel 8"


def test_7_4_5_admin_revokes_a_lost_phone_in_their_agency_only(app) -> None:  # type: ignore[no-untyped-def]
    constable, _, me = person(app, name="PC Lost Phone")
    admin, _, _ = person(app, roles=("agency_admin",), name="Police Admin")
    nurse_admin, _, _ = person(app, agency="Riverside Health", roles=("agency_admin",), name="NA")
    pid = me["passkeys"][0]["id"]
    assert nurse_admin.post(f"/api/v1/admin/passkeys/{pid}/revoke", headers=H).status_code == 404
    users = admin.get("/api/v1/admin/users").get_json()["items"]
    assert "PC Lost Phone" in {u["name"] for u in users}
    assert "NA" not in {u["name"] for u in users}
    assert admin.post(f"/api/v1/admin/passkeys/{pid}/revoke", headers=H).status_code == 200
    r = constable.get("/api/v1/me")
    assert (r.status_code, r.get_json()["code"]) == (401, "device.revoked")
