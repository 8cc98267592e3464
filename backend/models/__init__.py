"""SQLAlchemy 2 typed models; every encrypted column is named ``crypto_*``."""

from backend.models.audit import AuditCheckpoint, AuditEvent, AuditHead, AuditRecord, ReadNote
from backend.models.base import (
    Base,
    UTCDateTime,
    insert_into,
    new_id,
    new_opaque_id,
    table_of,
    tables_on,
    utcnow,
)
from backend.models.challenges import Challenge, ChallengeOutcome, ChallengeStage
from backend.models.concerns import (
    Addendum,
    Concern,
    ConcernCategory,
    ConcernIdentifier,
    ConcernIndicator,
    Receipt,
    ReceiptStatus,
)
from backend.models.deliveries import (
    NO_DEADLINE,
    ConcernRoute,
    Delivery,
    DeliveryStatus,
    Notification,
    Outcome,
    PushSubscription,
    RuleSetRecord,
)
from backend.models.deployment import DeploymentObservation
from backend.models.identity import (
    Ceremony,
    CeremonyPurpose,
    Passkey,
    SecurityNotice,
    StaffSession,
)
from backend.models.keys import DataKeyRecord
from backend.models.known import SubjectInbox
from backend.models.links import (
    Alert,
    AlertEvidence,
    AlertSubject,
    PossibleMatch,
    Subject,
    SubjectMerge,
)
from backend.models.missing import MissingEpisode, ReturnInterview
from backend.models.partnership import Agency, AgencyKind, Inbox, Partnership
from backend.models.people import (
    Approval,
    Invite,
    InviteInbox,
    InviteRole,
    Membership,
    Role,
    RoleName,
    User,
    UserRole,
    UserStatus,
)
from backend.models.profiles import Attachment, Profile, ProfileKey, ProfilePhoto
from backend.models.record_keys import SubjectKey
from backend.models.retention import LegalHold, RetentionReview
from backend.models.suspicions import (
    AlertSuspicion,
    Suspicion,
    SuspicionIdentifier,
    SuspicionMatch,
    SuspicionRecipient,
)
from backend.models.windows import PatternDay

__all__ = [
    "AlertSuspicion",
    "Suspicion",
    "SuspicionIdentifier",
    "SuspicionMatch",
    "SuspicionRecipient",
    "Challenge",
    "ChallengeOutcome",
    "ChallengeStage",
    "Attachment",
    "Profile",
    "ProfileKey",
    "ProfilePhoto",
    "MissingEpisode",
    "ReturnInterview",
    "Alert",
    "AlertEvidence",
    "AlertSubject",
    "PatternDay",
    "PossibleMatch",
    "Subject",
    "SubjectInbox",
    "SubjectKey",
    "SubjectMerge",
    "NO_DEADLINE",
    "ConcernRoute",
    "Delivery",
    "DeliveryStatus",
    "Notification",
    "Outcome",
    "PushSubscription",
    "RuleSetRecord",
    "Addendum",
    "Agency",
    "Concern",
    "ConcernCategory",
    "ConcernIdentifier",
    "ConcernIndicator",
    "Receipt",
    "ReceiptStatus",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditHead",
    "AuditRecord",
    "ReadNote",
    "LegalHold",
    "RetentionReview",
    "Ceremony",
    "CeremonyPurpose",
    "Passkey",
    "SecurityNotice",
    "StaffSession",
    "AgencyKind",
    "Base",
    "DataKeyRecord",
    "DeploymentObservation",
    "Inbox",
    "Approval",
    "Invite",
    "InviteInbox",
    "InviteRole",
    "Membership",
    "Partnership",
    "Role",
    "RoleName",
    "UTCDateTime",
    "User",
    "UserRole",
    "UserStatus",
    "new_id",
    "new_opaque_id",
    "insert_into",
    "table_of",
    "tables_on",
    "utcnow",
]
