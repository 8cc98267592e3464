"""No single admin can give themselves, or an account they control, access to a child's
records (ASVS 2.3.5, 6.4.4): each attack played as an insider would, over HTTP with real
passkeys. Every invitation granting a role that reads records or administers waits for a
second admin; the decider must be independent of the asker; a recovery link goes only to
the second admin; routing rules over the API need a second partnership admin."""

from __future__ import annotations

import uuid

from backend.models import Concern
from tests.authenticator import SoftAuthenticator
from tests.factories import H, enrol, envelope, make_concern, person, sync
from tests.services.identity.test_invites import _inbox
from tests.services.identity.test_step_up import _age, _refused_for_step_up, _step_up

PARTNERSHIP = "Riverside Safeguarding Children Partnership"


def _invite(admin, **body):  # type: ignore[no-untyped-def]
    r = admin.post("/api/v1/admin/invites", json={"name": "X", **body}, headers=H)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _begin(app, token: str):  # type: ignore[no-untyped-def]
    return app.test_client().post("/api/v1/auth/enrol/begin", json={"invite": token}, headers=H)


def _waiting(admin, **match):  # type: ignore[no-untyped-def]
    items = admin.get("/api/v1/admin/approvals").get_json()["items"]
    return [
        a
        for a in items
        if a["status"] == "pending" and all(a.get(k) == v for k, v in match.items())
    ]


def _approve(admin, approval_id: str):  # type: ignore[no-untyped-def]
    return admin.post(f"/api/v1/admin/approvals/{approval_id}/approve", headers=H)


def test_2_3_5_an_agency_lead_invitation_without_inboxes_waits_for_a_second_admin(app) -> None:  # type: ignore[no-untyped-def]
    admin, _, _ = person(app, roles=("agency_admin",), name="Police Admin")
    second, _, _ = person(app, roles=("agency_admin",), name="Second Police Admin")
    for role in ("agency_lead", "agency_admin", "inbox_supervisor"):
        issued = _invite(admin, name=f"Lead {role}", roles=[role])
        # The attack: the admin enrols the link they were shown.
        r = _begin(app, issued["token"])
        assert (r.status_code, r.get_json()["code"]) == (409, "invite.awaiting_approval"), role
    (asked,) = [a for a in _waiting(second) if a["grant"]["person"] == "Lead agency_lead"]
    # The approver reads what is granted in words, never bare ids.
    assert asked["action"] == "access_grant"
    assert asked["grant"] == {
        "person": "Lead agency_lead",
        "agency": "Riverside Police",
        "roles": ["agency_lead"],
        "inboxes": [],
    }
    assert asked["asked_by"] == "Police Admin"
    assert _approve(second, asked["id"]).status_code == 200
    # A plain recorder needs no second admin.
    assert _begin(app, _invite(admin, roles=["recorder"])["token"]).status_code == 200


def test_2_3_5_an_account_the_asker_invited_cannot_approve_for_them(app, sessions) -> None:  # type: ignore[no-untyped-def]
    admin, _, _ = person(app, roles=("agency_admin",), name="Police Admin")
    honest, _, _ = person(app, roles=("agency_admin",), name="Honest Admin")
    # The admin invites a second agency admin: it waits for an approval too.
    sock = _invite(admin, name="Sock Puppet", roles=["agency_admin"])
    assert _begin(app, sock["token"]).status_code == 409
    # Even if an honest colleague approves it, the new account cannot decide for its inviter.
    (grant,) = [a for a in _waiting(honest) if a["grant"].get("person") == "Sock Puppet"]
    assert _approve(honest, grant["id"]).status_code == 200
    puppet_client = app.test_client()
    enrol(puppet_client, sock["token"], SoftAuthenticator())
    missing_persons = _inbox(sessions, "Riverside Police", "Missing Persons")
    member = _invite(admin, name="DC Me Too", roles=["inbox_member"], inboxes=[missing_persons])
    (asked,) = [a for a in _waiting(puppet_client) if a["grant"].get("person") == "DC Me Too"]
    assert asked["grant"]["inboxes"] == ["Missing Persons"]
    r = _approve(puppet_client, asked["id"])
    assert (r.status_code, r.get_json()["code"]) == (409, "approval.asker_invited_you")
    assert r.headers["Content-Type"].startswith("application/problem+json")
    # An admin whose roles the asker approved is not independent either.
    other = _invite(honest, name="Granted By Admin", roles=["agency_admin"])
    (g,) = [a for a in _waiting(admin) if a["grant"].get("person") == "Granted By Admin"]
    assert _approve(admin, g["id"]).status_code == 200
    granted_client = app.test_client()
    enrol(granted_client, other["token"], SoftAuthenticator())
    # ...and an account made after the request (to answer it) is refused.
    r = _approve(granted_client, asked["id"])
    assert (r.status_code, r.get_json()["code"]) == (409, "approval.approver_too_new")
    _invite(admin, name="DC Later", roles=["inbox_member"], inboxes=[missing_persons])
    (asked_later,) = [a for a in _waiting(granted_client) if a["grant"].get("person") == "DC Later"]
    r = _approve(granted_client, asked_later["id"])
    assert (r.status_code, r.get_json()["code"]) == (409, "approval.asker_granted_you")
    newcomer, _, _ = person(app, roles=("agency_admin",), name="Newcomer Admin")
    r = _approve(newcomer, asked_later["id"])
    assert (r.status_code, r.get_json()["code"]) == (409, "approval.approver_too_new")
    # The invitation still cannot be used; an independent admin's approval opens it.
    assert _begin(app, member["token"]).status_code == 409
    assert _approve(honest, asked["id"]).status_code == 200
    assert _begin(app, member["token"]).status_code == 200


def test_2_3_5_a_partnership_admins_sock_puppet_cannot_approve_a_kek_rotation(
    app, sessions
) -> None:  # type: ignore[no-untyped-def]
    recorder, device, _ = person(app, name="PC Rae")
    (record,) = sync(recorder, envelope(app, device, make_concern()))
    with sessions() as s:
        child = str(s.get(Concern, uuid.UUID(record["concern_id"])).subject_id)
    admin, _, _ = person(app, agency=PARTNERSHIP, roles=("agency_admin",), name="P Admin")
    honest, _, _ = person(app, agency=PARTNERSHIP, roles=("agency_admin",), name="P Honest")
    sock = _invite(admin, name="P Puppet", roles=["agency_admin"])
    assert _begin(app, sock["token"]).status_code == 409
    (grant,) = [a for a in _waiting(honest) if a["grant"].get("person") == "P Puppet"]
    assert _approve(honest, grant["id"]).status_code == 200
    puppet = app.test_client()
    enrol(puppet, sock["token"], SoftAuthenticator())
    for action, ids in (
        ("kek_rotation", []),
        ("retention_erase", [record["concern_id"]]),
        ("subject_export", [child]),
    ):
        asked = admin.post(
            "/api/v1/admin/approvals", json={"action": action, "ids": ids}, headers=H
        ).get_json()
        r = _approve(puppet, asked["id"])
        assert (r.status_code, r.get_json()["code"]) == (409, "approval.asker_invited_you"), action


def test_6_4_4_a_recovery_link_is_never_shown_to_the_admin_who_asked(app, sessions) -> None:  # type: ignore[no-untyped-def]
    admin, admin_device, admin_me = person(app, roles=("agency_admin",), name="Police Admin")
    second, _, _ = person(app, roles=("agency_admin",), name="Second Police Admin")
    colleague, _, victim = person(
        app, roles=("inbox_member",), inboxes=("Missing Persons",), name="DC Colleague"
    )
    key = victim["passkeys"][0]["id"]
    # Revoking someone else's passkey asks for a fresh proof first.
    _age(sessions, admin_me["user"]["id"])
    _refused_for_step_up(admin.post(f"/api/v1/admin/passkeys/{key}/revoke", headers=H))
    assert _step_up(admin, admin_device)[1].status_code == 200
    assert admin.post(f"/api/v1/admin/passkeys/{key}/revoke", headers=H).status_code == 200
    asked = admin.post(
        f"/api/v1/admin/users/{victim['user']['id']}/recovery",
        json={"identity_check": "photo_id_in_person"},
        headers=H,
    )
    assert asked.status_code == 202, asked.get_json()
    body = asked.get_json()
    assert "token" not in str(body)
    assert "enrol#invite" not in str(body)
    assert "ticket" not in body
    # The asker cannot approve their own request, nor see a link anywhere.
    r = _approve(admin, body["id"])
    assert (r.status_code, r.get_json()["code"]) == (409, "approval.same_person")
    assert "enrol#invite" not in admin.get("/api/v1/admin/approvals").get_data(as_text=True)
    # The second admin sees who and what, approves, and is shown the link this once.
    (waiting,) = _waiting(second, action="recovery")
    assert waiting["grant"] == {
        "person": "DC Colleague",
        "agency": "Riverside Police",
        "roles": ["inbox_member"],
        "inboxes": ["Missing Persons"],
        "identity_check": "photo_id_in_person",
    }
    approved = _approve(second, waiting["id"]).get_json()
    link = approved["ticket"]["url"]
    assert "enrol#invite=" in link
    assert "enrol#invite" not in second.get("/api/v1/admin/approvals").get_data(as_text=True)
    new_phone = app.test_client()
    me = enrol(new_phone, approved["ticket"]["token"], SoftAuthenticator())
    assert me["user"] == victim["user"]
    # The person and both admins hear of it.
    for who in (new_phone, admin, second):
        kinds = [n["kind"] for n in who.get("/api/v1/me/notices").get_json()["notices"]]
        assert {"recovered", "recovery_used"} & set(kinds), kinds
    assert colleague.get("/api/v1/me").status_code == 401


def test_2_3_5_routing_rules_over_the_api_need_a_second_partnership_admin(app, sessions) -> None:  # type: ignore[no-untyped-def]
    admin, _, _ = person(app, agency=PARTNERSHIP, roles=("agency_admin",), name="P Admin")
    second, _, _ = person(app, agency=PARTNERSHIP, roles=("agency_admin",), name="P Second")
    live = admin.get("/api/v1/admin/rules").get_json()
    narrow = (
        live["source"].split("# --- sexual or criminal")[0].replace("riverside-default-1", "narrow")
    )
    asked = admin.post("/api/v1/admin/rules", json={"source": narrow}, headers=H)
    # The attack: the admin's rules go live at once. Now they wait.
    assert asked.status_code == 202, asked.get_json()
    assert admin.get("/api/v1/admin/rules").get_json()["number"] == 1
    r = _approve(admin, asked.get_json()["id"])
    assert (r.status_code, r.get_json()["code"]) == (409, "approval.same_person")
    (waiting,) = _waiting(second, action="rules_load")
    change = waiting["rules"]
    assert change["replaces"] == 1
    assert change["label"] == "narrow"
    assert "exploitation-immediate" in change["removed"]
    assert any(line.startswith("-") for line in change["diff"])
    # A second proposal made meanwhile goes stale once the first is live.
    other = live["source"].replace("riverside-default-1", "other")
    stale = admin.post("/api/v1/admin/rules", json={"source": other}, headers=H).get_json()
    assert _approve(second, waiting["id"]).get_json()["status"] == "used"
    assert admin.get("/api/v1/admin/rules").get_json()["number"] == 2
    r = _approve(second, stale["id"])
    assert (r.status_code, r.get_json()["code"]) == (409, "approval.stale")
    assert admin.get("/api/v1/admin/rules").get_json()["number"] == 2


def test_2_3_5_an_account_the_asker_took_part_in_recovering_cannot_approve_for_them(
    app, sessions
) -> None:  # type: ignore[no-untyped-def]
    asker, asker_device, asker_me = person(app, roles=("agency_admin",), name="Police Admin")
    handler, _, _ = person(app, roles=("agency_admin",), name="Handing Admin")
    _, _, revived = person(app, roles=("agency_admin",), name="Revived Admin")
    honest, _, _ = person(app, roles=("agency_admin",), name="Honest Admin")
    # The attack: revoke a colleague admin's passkey, have their account recovered, and
    # keep the new passkey as a second pair of hands.
    _age(sessions, asker_me["user"]["id"])
    assert _step_up(asker, asker_device)[1].status_code == 200
    key = revived["passkeys"][0]["id"]
    assert asker.post(f"/api/v1/admin/passkeys/{key}/revoke", headers=H).status_code == 200
    asked = asker.post(
        f"/api/v1/admin/users/{revived['user']['id']}/recovery",
        json={"identity_check": "photo_id_in_person"},
        headers=H,
    )
    assert asked.status_code == 202, asked.get_json()
    ticket = _approve(handler, asked.get_json()["id"]).get_json()["ticket"]
    revived_client = app.test_client()
    enrol(revived_client, ticket["token"], SoftAuthenticator())
    missing_persons = _inbox(sessions, "Riverside Police", "Missing Persons")
    # Neither the admin who asked for the recovery nor the one who handed it over may then
    # have the recovered account approve what they ask.
    for who, name in ((asker, "DC Asked"), (handler, "DC Handed")):
        _invite(who, name=name, roles=["inbox_member"], inboxes=[missing_persons])
        (waiting,) = [a for a in _waiting(honest) if a["grant"].get("person") == name]
        r = _approve(revived_client, waiting["id"])
        assert (r.status_code, r.get_json()["code"]) == (409, "approval.asker_recovered_you")
        assert _approve(honest, waiting["id"]).status_code == 200
