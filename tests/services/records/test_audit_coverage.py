"""Every /api/v1 route is either audited, with the kind of processing it is (DPA 2018 s.62),
or listed here with why it returns no personal data; every audited route, called for real,
leaves entries of its kind; every action the code writes has a kind."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from backend.models import AuditEvent
from backend.services.records.audit_kinds import KIND_OF, kind_of
from tests.factories import H, envelope, make_concern, person, sync
from tests.scenario import ZOE, approx_age
from tests.services.concerns.test_inbox import C, worker
from tests.services.linking.test_links import at, missing, partnership_lead, send
from tests.services.linking.test_links import recorders as recorders  # noqa: F401 (a fixture)
from tests.services.missing.test_episodes import _at, report
from tests.services.profiles.helpers import carer, make_profile, photo, png, police_inbox, upload
from tests.services.profiles.helpers import send as profile_send

ROOT = Path(__file__).resolve().parents[3]
SELF_SERVICE = (
    "api.admin_",
    "api.enrol",
    "api.login",
    "api.logout",
    "api.passkey",
    "api.own_session",
    "api.step_up",
)

# Endpoints that return or change no personal data, and why.
NOT_PERSONAL = {
    "api.keys": "public sealing keys",
    "api.openapi": "the API description",
    "api.push_key": "the public VAPID key",
    "api.enrol_begin": "WebAuthn options; enrol_finish is audited",
    "api.login_begin": "WebAuthn options; login_finish is audited",
    "api.step_up_begin": "WebAuthn options; step_up_finish is audited",
    "api.passkey_add_begin": "WebAuthn options; passkey_add_finish is audited",
    "api.me": "the signed-in person's own profile",
    "api.own_sessions_list": "the signed-in person's own sessions: times and passkey labels",
    "api.own_notices": "the signed-in person's own security notices: codes and times",
    "api.own_notices_read": "dismisses the person's own notices",
    "api.admin_approvals": "actions and record ids waiting for approval; no content",
    "api.admin_agency": "the agency's passkey policy and a count",
    "api.passkey_rename": "a label the person gives their own passkey",
    "api.push_subscribe": "a push endpoint for the person's own device",
    "api.push_unsubscribe": "the person's own device",
    "api.inboxes": "counts per inbox, no records",
    "api.admin_rules": "the partnership's routing rules",
    "api.admin_quarantine": "receipt metadata; sealed content is never returned",
}
# Audited endpoints and the kinds of entry each call must leave.
AUDITED = {
    "api.sync": {"collection", "disclosure"},
    "api.concerns_mine": {"consultation"},
    "api.concern": {"consultation"},
    "api.addenda": {"collection"},
    "api.inbox_deliveries": {"consultation"},
    "api.delivery_acknowledge": {"alteration"},
    "api.delivery_decision": {"alteration"},
    "api.delivery_reassign": {"disclosure"},
    "api.delivery_challenge": {"collection"},
    "api.challenge_list": {"consultation"},
    "api.challenge_resolve": {"alteration"},
    "api.chronology": {"consultation"},
    "api.alerts": {"consultation"},
    "api.alert_network": {"consultation"},
    "api.matches": {"consultation"},
    "api.match_confirm": {"combination"},
    "api.match_reject": {"combination"},
    "api.subject_split": {"combination"},
    "api.merges": {"consultation"},
    "api.merge_confirm": {"combination"},
    "api.audit_subject": {"consultation"},
    "api.audit_person": {"consultation"},
    "api.dashboard": {"consultation"},
    "api.episodes": {"consultation"},
    "api.suspicions": {"consultation"},
    "api.suspicion": {"consultation"},
    "api.suspicion_answer": {"alteration"},
    "api.subject_missing": {"consultation"},
    "api.profiles": {"consultation"},
    "api.profile": {"consultation"},
    "api.subject_profile": {"consultation"},
    "api.attachment_upload": {"collection"},
    "api.attachment": {"consultation"},
    "api.admin_users": {"consultation"},
    "api.admin_invites": {"consultation"},
    "api.admin_invite_create": {"collection"},
    "api.admin_invite_withdraw": {"alteration"},
    "api.admin_passkey_revoke": {"alteration"},
    "api.admin_user_disable": {"alteration"},
    "api.admin_user_enable": {"alteration"},
    "api.admin_recovery_issue": {"collection"},
    "api.admin_approval_request": {"collection"},
    "api.admin_agency_passkey_policy": {"alteration"},
    "api.admin_approval_approve": {"alteration"},
    "api.admin_approval_reject": {"alteration"},
    "api.admin_quarantine_retry": {"alteration"},
    "api.admin_rules_load": {"alteration"},
    "api.enrol_finish": {"collection"},
    "api.login_finish": {"collection"},
    "api.step_up_finish": {"collection"},
    "api.logout": {"alteration"},
    "api.passkey_add_finish": {"collection"},
    "api.passkey_revoke": {"alteration"},
    "api.own_session_end": {"alteration"},
    "api.own_sessions_end_others": {"alteration"},
}


def test_every_route_is_classified(app) -> None:  # type: ignore[no-untyped-def]
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")}
    assert not set(NOT_PERSONAL) & set(AUDITED)
    assert endpoints == set(NOT_PERSONAL) | set(AUDITED)


def test_every_action_written_has_a_kind() -> None:
    written = set()
    for path in (ROOT / "backend").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for call in re.finditer(r"db_audit\(\s*[\w.]+,\s*\"([a-z_]+\.[a-z_]+)\"", source):
            written.add(call.group(1))
    assert written, "no db_audit calls found: the pattern is wrong"
    assert written - set(KIND_OF) == set()


class Log:
    def __init__(self, sessions: Any) -> None:
        self.sessions = sessions
        self.seen = self._last()
        self.called: dict[str, set[str]] = {}

    def _last(self) -> int:
        with self.sessions() as s:
            return int(s.scalar(select(func.coalesce(func.max(AuditEvent.seq), 0))))

    def kinds_since(self) -> set[str]:
        with self.sessions() as s:
            actions = s.scalars(select(AuditEvent.action).where(AuditEvent.seq > self.seen))
            kinds = {kind_of(a) for a in actions}
        self.seen = self._last()
        return kinds

    def check(self, endpoint: str, response: Any) -> Any:
        """The call succeeded and left entries of its route's kinds; its JSON body."""
        assert response.status_code < 300, (endpoint, response.get_json())
        self.called[endpoint] = self.kinds_since()
        assert AUDITED[endpoint] <= self.called[endpoint], (endpoint, self.called[endpoint])
        return response.get_json()


def test_each_audited_route_leaves_entries_of_its_kind(app, sessions, recorders) -> None:  # type: ignore[no-untyped-def]
    log = Log(sessions)
    check, called = log.check, log.called

    client, device = recorders["police"]
    first = make_concern()
    r = client.post("/api/v1/sync", json={"envelopes": [envelope(app, device, first)]}, headers=H)
    concern_id = check("api.sync", r)["results"][0]["concern_id"]
    check("api.concerns_mine", client.get("/api/v1/concerns/mine"))
    mash = worker(app, C, "MASH")
    inbox = next(
        i for i in mash.get("/api/v1/inboxes").get_json()["inboxes"] if i["name"] == "MASH"
    )
    page = check("api.inbox_deliveries", mash.get(f"/api/v1/inboxes/{inbox['id']}/deliveries"))
    delivery = page["items"][0]["id"]
    body = check("api.concern", mash.get(f"/api/v1/concerns/{concern_id}?purpose=decide"))
    addendum = {
        "schema": "frontline.addendum/1",
        "concern_id": concern_id,
        "client_id": "0b9f3c9e-4b5d-4a8b-9f4e-3c2d1e0f9a8b",
        "recorded_at": first["recorded_at"],
        "text": "Seen again at 03:00.",
    }
    from tests.factories import seal_payload

    r = client.post(
        f"/api/v1/concerns/{concern_id}/addenda",
        json={"client_id": addendum["client_id"], "jwe": seal_payload(app, device, addendum)},
        headers=H,
    )
    check("api.addenda", r)
    check(
        "api.delivery_acknowledge",
        mash.post(f"/api/v1/deliveries/{delivery}/acknowledge", headers=H),
    )
    check(
        "api.delivery_decision",
        mash.post(
            f"/api/v1/deliveries/{delivery}/decision",
            json={
                "outcome": "strategy_discussion",
                "reasons": "Exploitation risk.",
                "feedback": "A strategy discussion is being held.",
            },
            headers=H,
        ),
    )
    raised = check(
        "api.delivery_challenge",
        client.post(
            f"/api/v1/deliveries/{delivery}/challenge",
            json={"reason": "The risk is higher than that."},
            headers=H,
        ),
    )
    check("api.challenge_list", client.get("/api/v1/challenges"))
    supervisor = worker(app, C, "MASH", "inbox_supervisor")
    check(
        "api.challenge_resolve",
        supervisor.post(
            f"/api/v1/challenges/{raised['challenge_id']}/resolve",
            json={"outcome": "upheld", "note": "A strategy discussion is the right step."},
            headers=H,
        ),
    )
    check(
        "api.chronology",
        mash.get(f"/api/v1/subjects/{body['subject_id']}/chronology?purpose=strategy_discussion"),
    )
    # Another child seen with the same car: a network alert.
    other = {
        "given_name": "Ava",
        "family_name": "Kerr",
        "nhs_number": "401 023 2137",
        "date_of_birth": "2010-01-05",
    }
    second = make_concern(subject={**first["subject"], **other})
    (result,) = sync(client, envelope(app, device, second))
    assert result["status"] == "accepted", result
    log.kinds_since()
    alerts = check("api.alerts", mash.get("/api/v1/alerts"))["alerts"]
    network = next(a for a in alerts if a["kind"] == "network")
    check("api.alert_network", mash.get(f"/api/v1/alerts/{network['id']}/network"))
    # A possible match, confirmed, split again; another rejected.
    send(app, recorders, "police", missing(ZOE, 20, associated=[]))
    typo = {
        "given_name": "Zoe",
        "family_name": "OBrian",
        "approx_age": approx_age(2011, at(10)),  # born in Zoë's year
        "known_as": ["Zee"],
        "legal_status": "unknown",
    }
    send(app, recorders, "care", missing(typo, 10, associated=[], setting="care_home"))
    log.kinds_since()
    (match,) = check("api.matches", mash.get("/api/v1/matches"))["matches"]
    check("api.match_confirm", mash.post(f"/api/v1/matches/{match['id']}/confirm", headers=H))
    merged = [  # whichever of the two records was merged into the other splits off
        sid
        for sid in (match["subject_id"], match["candidate_id"])
        if mash.post(f"/api/v1/subjects/{sid}/split", headers=H).status_code == 200
    ]
    assert len(merged) == 1
    called["api.subject_split"] = log.kinds_since()
    assert "combination" in called["api.subject_split"]
    # The same misspelt record again: a new possible match, this time rejected.
    send(app, recorders, "care", missing(typo, 5, associated=[], setting="care_home"))
    log.kinds_since()
    pending = mash.get("/api/v1/matches").get_json()["matches"]
    log.kinds_since()
    assert pending
    check("api.match_reject", mash.post(f"/api/v1/matches/{pending[0]['id']}/reject", headers=H))
    # Two partial records of one child joined automatically by a third, then confirmed.
    ben = {"given_name": "Ben", "family_name": "Hale", "date_of_birth": "2012-02-02"}
    nhs = {"given_name": "Ben", "approx_age": 13, "nhs_number": "401 023 2218"}
    for subject in (nhs, ben, {**ben, "nhs_number": "401 023 2218"}):
        send(app, recorders, "police", missing(subject, 3, associated=[]))
    log.kinds_since()
    (merge,) = check("api.merges", mash.get("/api/v1/merges"))["merges"]
    check("api.merge_confirm", mash.post(f"/api/v1/merges/{merge['id']}/confirm", headers=H))
    coordinator = worker(app, C, "Missing Coordinator")  # same agency as the MASH
    cid = next(i["id"] for i in coordinator.get("/api/v1/inboxes").get_json()["inboxes"])
    log.kinds_since()
    mash_items = mash.get(f"/api/v1/inboxes/{inbox['id']}/deliveries").get_json()["items"]
    log.kinds_since()
    check(
        "api.delivery_reassign",
        mash.post(
            f"/api/v1/deliveries/{mash_items[-1]['id']}/reassign",
            json={"inbox": cid},
            headers=H,
        ),
    )
    auditor, _, _ = person(
        app, agency="Riverside Safeguarding Children Partnership", roles=("auditor",), name="Aud"
    )
    log.kinds_since()
    check("api.audit_subject", auditor.get(f"/api/v1/audit/subjects/{body['subject_id']}"))
    me = mash.get("/api/v1/me").get_json()["user"]["id"]
    log.kinds_since()
    check("api.audit_person", auditor.get(f"/api/v1/audit/people/{me}"))
    lead = partnership_lead(app)
    log.kinds_since()
    check("api.dashboard", lead.get("/api/v1/dashboard"))
    check("api.episodes", lead.get("/api/v1/episodes?status=closed"))
    check("api.subject_missing", lead.get(f"/api/v1/subjects/{body['subject_id']}/missing"))
    admin, _, _ = person(app, agency=C, roles=("agency_admin",), name="Admin")
    # A suspicion: collected and sent (sync), listed, read for a purpose, answered.
    suspicion = {
        "schema": "frontline.suspicion/1",
        "client_id": "5d1e0f9a-8b0b-4f3c-9e4b-5d4a8b9f4e3c",
        "recorded_at": first["recorded_at"],
        "narrative": "A man waits outside the home most nights.",
        "basis": "observed",
        "level": "significant_harm",
        "associated": [{"kind": "vehicle", "registration": "YX19 KLM"}],
    }
    r = client.post(
        "/api/v1/sync", json={"envelopes": [envelope(app, device, suspicion)]}, headers=H
    )
    sid = r.get_json()["results"][0]["record_id"]
    assert {"collection", "disclosure"} <= log.kinds_since()
    cet = worker(app, "Riverside Police", "Child Exploitation Team")
    check("api.suspicions", cet.get("/api/v1/suspicions"))
    check("api.suspicion", cet.get(f"/api/v1/suspicions/{sid}?purpose=assess_new_concern"))
    check(
        "api.suspicion_answer",
        cet.post(
            f"/api/v1/suspicions/{sid}/answer",
            json={"answer": "Known to us.", "outcome": "investigating"},
            headers=H,
        ),
    )
    log.kinds_since()
    check("api.admin_users", admin.get("/api/v1/admin/users"))
    check("api.admin_invites", admin.get("/api/v1/admin/invites"))
    # Identity and admin writes leave their entries in their own suites (tests/security,
    # test_admin, test_rules_admin, test_quarantine assert the actions); this walk covers
    # every route over children's records.
    elsewhere = {e for e in AUDITED if e.startswith(SELF_SERVICE)} - {
        "api.admin_users",
        "api.admin_invites",
    }
    assert set(AUDITED) - elsewhere - PROFILE_ROUTES - set(called) == set()


PROFILE_ROUTES = {
    "api.attachment_upload",
    "api.profiles",
    "api.profile",
    "api.subject_profile",
    "api.attachment",
}


def test_each_profile_route_leaves_entries_of_its_kind(app, sessions) -> None:  # type: ignore[no-untyped-def]
    """A home keeps a profile with a photo; the police open it while the child is missing."""
    log = Log(sessions)
    check = log.check

    home = carer(app)
    image = png(seed=11)
    cid = str(uuid.uuid4())
    uploaded = check("api.attachment_upload", upload(home[0], app, image, cid))
    payload = make_profile(photos=[photo(cid, image)])
    assert profile_send(app, home, payload)["status"] == "accepted"
    check("api.profiles", home[0].get("/api/v1/profiles"))
    pid = payload["profile_id"]
    check("api.profile", home[0].get(f"/api/v1/profiles/{pid}?purpose=missing_episode"))
    room = police_inbox(app, "Police Control Room")
    concern = report(app, room, reported_at=_at(-timedelta(hours=2)))
    opened = room[0].get(f"/api/v1/concerns/{concern}?purpose=missing_episode").get_json()
    log.kinds_since()
    path = f"/api/v1/subjects/{opened['subject_id']}/profile?purpose=missing_episode"
    check("api.subject_profile", room[0].get(path))
    check("api.attachment", room[0].get(f"/api/v1/attachments/{uploaded['attachment_id']}"))
    assert set(log.called) == PROFILE_ROUTES
