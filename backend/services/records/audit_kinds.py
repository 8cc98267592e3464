"""What kind of processing each audited action is, in the words of the Data Protection Act
2018, section 62: collection, alteration, consultation, disclosure, combination, erasure.

Every action the application writes must be listed here (a test holds the code to it), so
an auditor can ask for, say, every disclosure of a child's records.
"""

from __future__ import annotations

from enum import Enum


class Kind(str, Enum):
    """Operations that must be logged (DPA 2018 s.62(1))."""

    COLLECTION = "collection"
    ALTERATION = "alteration"
    CONSULTATION = "consultation"
    DISCLOSURE = "disclosure"
    COMBINATION = "combination"
    ERASURE = "erasure"


K = Kind
KIND_OF: dict[str, Kind] = {
    # records about children
    "concern.collected": K.COLLECTION,
    "concern.addendum_collected": K.COLLECTION,
    "concern.proof_verified": K.CONSULTATION,
    "concern.consulted": K.CONSULTATION,
    "concern.listed": K.CONSULTATION,
    "concern.disclosed": K.DISCLOSURE,
    "delivery.listed": K.CONSULTATION,
    "delivery.acknowledged": K.ALTERATION,
    "delivery.decided": K.ALTERATION,
    "delivery.escalated": K.DISCLOSURE,
    "delivery.reassigned": K.DISCLOSURE,
    "delivery.decision_changed": K.ALTERATION,
    "challenge.raised": K.COLLECTION,
    "challenge.climbed": K.DISCLOSURE,
    "challenge.resolved": K.ALTERATION,
    "challenge.listed": K.CONSULTATION,
    "subject.chronology_consulted": K.CONSULTATION,
    "subject.possible_match": K.COMBINATION,
    "subject.merged": K.COMBINATION,
    "subject.split": K.COMBINATION,
    "subject.match_rejected": K.COMBINATION,
    "subject.merge_confirmed": K.COMBINATION,
    "match.listed": K.CONSULTATION,
    "merge.listed": K.CONSULTATION,
    "missing.episode_opened": K.COMBINATION,
    "missing.episode_updated": K.COMBINATION,
    "missing.episode_closed": K.COMBINATION,
    "missing.episodes_listed": K.CONSULTATION,
    "missing.return_interview_recorded": K.ALTERATION,
    "return_interview.collected": K.COLLECTION,
    "suspicion.collected": K.COLLECTION,
    "suspicion.routed": K.DISCLOSURE,
    "suspicion.escalated": K.DISCLOSURE,
    "suspicion.matched": K.COMBINATION,
    "suspicion.listed": K.CONSULTATION,
    "suspicion.consulted": K.CONSULTATION,
    "suspicion.answered": K.ALTERATION,
    "alert.suspicion_counted": K.COMBINATION,
    "profile.collected": K.COLLECTION,
    "profile.consulted": K.CONSULTATION,
    "profile.listed": K.CONSULTATION,
    "profile.erased": K.ERASURE,
    "attachment.collected": K.COLLECTION,
    "attachment.consulted": K.CONSULTATION,
    "attachment.deleted_unnamed": K.ERASURE,
    "alert.raised": K.COMBINATION,
    "alert.updated": K.COMBINATION,
    "alert.merged": K.COMBINATION,
    "alert.withdrawn": K.COMBINATION,
    "alert.listed": K.CONSULTATION,
    "alert.network_viewed": K.CONSULTATION,
    "pipeline.retry_requested": K.ALTERATION,
    "rules.loaded": K.ALTERATION,
    "audit.reviewed": K.CONSULTATION,
    "dashboard.viewed": K.CONSULTATION,
    "record.erased": K.ERASURE,
    "subject.access_exported": K.DISCLOSURE,
    "retention.kept": K.ALTERATION,
    "retention.hold_placed": K.ALTERATION,
    "retention.hold_lifted": K.ALTERATION,
    # records about staff (their identities, sessions and passkeys)
    "identity.enrolled": K.COLLECTION,
    "identity.recovery_issued": K.COLLECTION,
    "identity.recovered": K.COLLECTION,
    "identity.invite_created": K.COLLECTION,
    "identity.invite_withdrawn": K.ALTERATION,
    "identity.invites_listed": K.CONSULTATION,
    "identity.users_listed": K.CONSULTATION,
    "identity.passkey_added": K.COLLECTION,
    "identity.passkey_revoked": K.ALTERATION,
    "identity.user_disabled": K.ALTERATION,
    "identity.user_enabled": K.ALTERATION,
    "identity.passkey_policy_changed": K.ALTERATION,
    "identity.sign_count_regression": K.ALTERATION,
    "identity.signed_in": K.COLLECTION,
    "identity.stepped_up": K.COLLECTION,
    "identity.signed_out": K.ALTERATION,
    # approvals of high-value actions (ids only)
    "approval.requested": K.COLLECTION,
    "approval.approved": K.ALTERATION,
    "approval.rejected": K.ALTERATION,
    "approval.used": K.ALTERATION,
    "identity.sessions_ended": K.ALTERATION,
}


def kind_of(action: str) -> str:
    """The section 62 kind of an action ("other" for one this version does not know)."""
    kind = KIND_OF.get(action)
    return kind.value if kind is not None else "other"
