"""Who may call what: one deny-by-default table from endpoint to the roles allowed.

An /api/v1 endpoint is either public (``PUBLIC``) or listed in ``ACCESS``; a signed-in
caller without one of its roles gets 403, and an endpoint in neither is refused to
everyone. Ownership (whose record, which agency) is checked by the services.
"""

from __future__ import annotations

from backend.models import RoleName

SIGNED_IN = "signed_in"  # any person with a valid session

PUBLIC = frozenset(
    {
        "api.keys",
        "api.openapi",
        "api.enrol_begin",
        "api.enrol_finish",
        "api.login_begin",
        "api.login_finish",
    }
)

_ADMIN = frozenset({RoleName.AGENCY_ADMIN.value})
_RECORDER = frozenset({RoleName.RECORDER.value})
_AUDITOR = frozenset({RoleName.AUDITOR.value})
# Those who work deliveries: inbox members and supervisors, agency safeguarding leads and the
# partnership's leads (members of the Partnership Leads inbox).
_WORKERS = frozenset(
    {
        RoleName.INBOX_MEMBER.value,
        RoleName.INBOX_SUPERVISOR.value,
        RoleName.AGENCY_LEAD.value,
        RoleName.PARTNERSHIP_LEAD.value,
    }
)

ACCESS: dict[str, frozenset[str]] = {
    "api.logout": frozenset({SIGNED_IN}),
    "api.step_up_begin": frozenset({SIGNED_IN}),
    "api.step_up_finish": frozenset({SIGNED_IN}),
    "api.me": frozenset({SIGNED_IN}),
    "api.passkey_add_begin": frozenset({SIGNED_IN}),
    "api.passkey_add_finish": frozenset({SIGNED_IN}),
    "api.passkey_rename": frozenset({SIGNED_IN}),
    "api.passkey_revoke": frozenset({SIGNED_IN}),
    "api.own_sessions_list": frozenset({SIGNED_IN}),
    "api.own_notices": frozenset({SIGNED_IN}),
    "api.own_notices_read": frozenset({SIGNED_IN}),
    "api.own_session_end": frozenset({SIGNED_IN}),
    "api.own_sessions_end_others": frozenset({SIGNED_IN}),
    "api.admin_invite_create": _ADMIN,
    "api.admin_invites": _ADMIN,
    "api.admin_invite_withdraw": _ADMIN,
    "api.admin_users": _ADMIN,
    "api.admin_passkey_revoke": _ADMIN,
    "api.admin_user_disable": _ADMIN,
    "api.admin_user_enable": _ADMIN,
    "api.admin_recovery_issue": _ADMIN,
    "api.admin_approvals": _ADMIN,
    "api.admin_agency": _ADMIN,
    "api.admin_agency_passkey_policy": _ADMIN,
    "api.admin_approval_request": _ADMIN,
    "api.admin_approval_approve": _ADMIN,
    "api.admin_approval_reject": _ADMIN,
    "api.admin_quarantine": _ADMIN,
    "api.admin_quarantine_retry": _ADMIN,
    # Recorders send concerns and suspicions; those who work inboxes send what they record
    # there (a return interview). Each envelope's kind is checked for its sender
    # (``pipeline.kinds.Kind.by_recorders``).
    "api.sync": _RECORDER | _WORKERS,
    "api.concerns_mine": _RECORDER,
    # Whose concern it is (recorder or recipient) is checked by the service.
    "api.concern": frozenset({SIGNED_IN}),
    "api.addenda": frozenset({SIGNED_IN}),
    # Which inbox and which delivery are checked by the service (need to know).
    "api.inboxes": _WORKERS,
    "api.inbox_deliveries": _WORKERS,
    "api.delivery_acknowledge": _WORKERS,
    "api.delivery_decision": _WORKERS,
    "api.delivery_reassign": _WORKERS,
    # Whose decision and which challenge are checked by the service: the concern's recorder
    # or a recipient challenges; the stage's owner resolves.
    "api.delivery_challenge": _RECORDER | _WORKERS,
    "api.challenge_list": _RECORDER | _WORKERS,
    "api.challenge_resolve": _WORKERS,
    # Partnership admins only; the view checks the agency is the partnership's own.
    "api.admin_rules": _ADMIN,
    "api.admin_rules_load": _ADMIN,
    # Which alert, child or match is checked by the service (need to know; MASH for matches).
    "api.alerts": _WORKERS,
    "api.alert_network": _WORKERS,
    "api.chronology": _WORKERS,
    "api.matches": _WORKERS,
    "api.match_confirm": _WORKERS,
    "api.match_reject": _WORKERS,
    "api.subject_split": _WORKERS,
    # Which episodes is checked by the service (reader inboxes, the reporting home, leads).
    "api.episodes": _WORKERS,
    "api.subject_missing": _WORKERS,
    # Which profile or photo is checked by the service (the home; police during an episode).
    "api.profiles": frozenset({SIGNED_IN}),
    "api.profile": frozenset({SIGNED_IN}),
    "api.subject_profile": frozenset({SIGNED_IN}),
    "api.attachment_upload": _RECORDER,
    "api.attachment": frozenset({SIGNED_IN}),
    "api.merges": _WORKERS,
    "api.merge_confirm": _WORKERS,
    # Access review: auditors of the partnership (checked by the service).
    "api.audit_subject": _AUDITOR,
    "api.audit_person": _AUDITOR,
    "api.dashboard": frozenset({RoleName.PARTNERSHIP_LEAD.value}),
    # Whose suspicion (recorder, recipient, owner, partnership lead) is checked by the service.
    "api.suspicions": frozenset({SIGNED_IN}),
    "api.suspicion": frozenset({SIGNED_IN}),
    "api.suspicion_answer": _WORKERS,
    "api.push_key": frozenset({SIGNED_IN}),
    "api.push_subscribe": frozenset({SIGNED_IN}),
    "api.push_unsubscribe": frozenset({SIGNED_IN}),
}


def allowed(endpoint: str, roles: frozenset[str]) -> bool:
    """Return whether a signed-in person holding ``roles`` may call ``endpoint``."""
    needed = ACCESS.get(endpoint)
    if needed is None:
        return False
    return SIGNED_IN in needed or bool(needed & roles)
