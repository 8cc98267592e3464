"""SQLAlchemy 2 typed models; every encrypted column is named ``crypto_*``."""

from backend.models.audit import AuditCheckpoint, AuditEvent, AuditHead, AuditRecord
from backend.models.base import Base, UTCDateTime, new_id, table_of, utcnow
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
from backend.models.identity import (
    Ceremony,
    CeremonyPurpose,
    Passkey,
    SecurityNotice,
    StaffSession,
)
from backend.models.keys import DataKeyRecord
from backend.models.links import Alert, AlertSubject, PossibleMatch, Subject
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
from backend.models.retention import LegalHold, RetentionReview

__all__ = [
    "Alert",
    "AlertSubject",
    "PossibleMatch",
    "Subject",
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
    "table_of",
    "utcnow",
]
