"""Schemas of enrolment, sign-in, passkeys, the profile and admin invitations."""

from __future__ import annotations

from typing import Any

from marshmallow import INCLUDE, Schema, ValidationError, fields, post_dump, validate

from backend.models import RoleName
from backend.services.identity.approvals import OPERATOR_ACTIONS
from backend.services.identity.recovery import IdentityCheck

_TOKEN = fields.String(required=True, validate=validate.Length(min=16, max=200))
_CREDENTIAL = fields.Dict(
    required=True, metadata={"description": "the browser's PublicKeyCredential toJSON() output"}
)
_PASSKEY_NAME = fields.String(validate=validate.Length(min=1, max=64))


class EnrolBeginSchema(Schema):
    invite = _TOKEN


class EnrolFinishSchema(Schema):
    invite = _TOKEN
    credential = _CREDENTIAL
    name = _PASSKEY_NAME


class LoginFinishSchema(Schema):
    credential = _CREDENTIAL


class PasskeyFinishSchema(Schema):
    credential = _CREDENTIAL
    name = _PASSKEY_NAME


class PasskeyRenameSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))


class WebAuthnOptionsSchema(Schema):
    """WebAuthn options exactly as py_webauthn's options_to_json makes them (W3C WebAuthn
    PublicKeyCredentialCreationOptionsJSON or ...RequestOptionsJSON): the challenge and the
    members the ceremony needs, passed to the browser as they are."""

    class Meta:
        unknown = INCLUDE

    challenge = fields.String(required=True)
    timeout = fields.Integer()
    rpId = fields.String()  # noqa: N815 - the W3C member name
    rp = fields.Dict()
    user = fields.Dict()
    pubKeyCredParams = fields.List(fields.Dict())  # noqa: N815
    excludeCredentials = fields.List(fields.Dict())  # noqa: N815
    allowCredentials = fields.List(fields.Dict())  # noqa: N815
    authenticatorSelection = fields.Dict()  # noqa: N815
    attestation = fields.String()
    userVerification = fields.String()  # noqa: N815
    extensions = fields.Dict()
    hints = fields.List(fields.String())


class PasskeySchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    last_used_at = fields.DateTime(allow_none=True)
    multi_device = fields.Boolean(required=True, metadata={"description": "a synced passkey"})
    backed_up = fields.Boolean(required=True)
    revoked_at = fields.DateTime(allow_none=True)
    current = fields.Boolean(required=True, metadata={"description": "used for this session"})


class _Named(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)


class _Agency(_Named):
    kind = fields.String(required=True)


class _Inbox(_Named):
    agency = fields.String(required=True)


class _Session(Schema):
    expires_at = fields.DateTime(required=True)
    idle_timeout_seconds = fields.Integer(required=True)


class MeSchema(Schema):
    user = fields.Nested(_Named, required=True)
    agency = fields.Nested(_Agency, required=True)
    roles = fields.List(fields.String(), required=True)
    inboxes = fields.List(fields.Nested(_Inbox), required=True)
    passkeys = fields.List(fields.Nested(PasskeySchema), required=True)
    session = fields.Nested(_Session, required=True)
    front_door = fields.Boolean(
        required=True,
        metadata={
            "description": "works the partnership's front door (the rules' fallback inbox, "
            "the MASH), where possible matches and automatic merges are decided"
        },
    )
    profile_reader = fields.Boolean(
        required=True,
        metadata={
            "description": "works Missing Persons or the Police Control Room, who open a "
            "child's profile while the child is missing"
        },
    )


class NoticeSchema(Schema):
    id = fields.UUID(required=True)
    kind = fields.String(
        required=True,
        metadata={
            "description": "passkey_added, passkey_revoked, recovered, sign_count_regression, "
            "used_after_idle"
        },
    )
    text = fields.String(required=True)
    at = fields.DateTime(required=True)
    passkey = fields.String(allow_none=True, metadata={"description": "its name"})
    read = fields.Boolean(required=True)


class NoticesSchema(Schema):
    notices = fields.List(fields.Nested(NoticeSchema), required=True)


class SteppedUpSchema(Schema):
    verified_at = fields.DateTime(required=True)
    until = fields.DateTime(required=True, metadata={"description": "sensitive changes open"})


class OwnSessionSchema(Schema):
    id = fields.UUID(required=True)
    passkey = fields.Nested(_Named, required=True, metadata={"description": "signed in with"})
    created_at = fields.DateTime(required=True)
    last_seen_at = fields.DateTime(required=True, metadata={"description": "to 30 seconds"})
    expires_at = fields.DateTime(required=True, metadata={"description": "at the latest"})
    current = fields.Boolean(required=True, metadata={"description": "this session"})


class OwnSessionsSchema(Schema):
    sessions = fields.List(fields.Nested(OwnSessionSchema), required=True)


class SessionsEndedSchema(Schema):
    ended = fields.Integer(required=True)


def _distinct(values: list[Any]) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("Each value may appear once.")


class InviteCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    roles = fields.List(
        fields.String(validate=validate.OneOf([r.value for r in RoleName])),
        required=True,
        validate=[validate.Length(min=1), _distinct],
    )
    inboxes = fields.List(fields.UUID(), load_default=list, validate=_distinct)
    agency_id = fields.UUID(metadata={"description": "partnership admins only; default own"})


class AgencyPolicySchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    device_bound_only = fields.Boolean(required=True)
    live_synced_passkeys = fields.Integer(
        required=True, metadata={"description": "to revoke if the policy now forbids them"}
    )


class AgencyPolicySetSchema(Schema):
    device_bound_only = fields.Boolean(required=True)


class ApprovalRequestSchema(Schema):
    action = fields.String(
        required=True,
        validate=validate.OneOf(OPERATOR_ACTIONS),
    )
    ids = fields.List(
        fields.String(validate=validate.Length(max=36)),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": "the concerns to erase, or the child to export"},
    )


class InviteIssuedSchema(Schema):
    id = fields.UUID(required=True)
    token = fields.String(required=True, metadata={"description": "shown once, never again"})
    url = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class ApprovalGrantSchema(Schema):
    """What an approval grants, in words (never bare ids)."""

    person = fields.String(metadata={"description": "the person invited or recovered"})
    agency = fields.String()
    roles = fields.List(fields.String())
    inboxes = fields.List(fields.String(), metadata={"description": "inbox names"})
    identity_check = fields.String(
        allow_none=True, metadata={"description": "a recovery: how the asker confirmed who it is"}
    )


class RulesChangeSchema(Schema):
    """What proposed routing rules change against the version live when they were asked."""

    sha256 = fields.String(required=True, metadata={"description": "of the exact text"})
    label = fields.String()  # absent when the proposed rules no longer check
    replaces = fields.Integer(allow_none=True, metadata={"description": "live version number"})
    added = fields.List(fields.String(), required=True, metadata={"description": "rule ids"})
    removed = fields.List(fields.String(), required=True)
    changed = fields.List(fields.String(), required=True)
    diff = fields.List(fields.String(), required=True, metadata={"description": "unified diff"})

    @post_dump
    def _label_only_if_checked(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        # The service says None; the wire has always left the key out.
        if data.get("label") is None:
            data.pop("label", None)
        return data


class ApprovalSchema(Schema):
    id = fields.UUID(required=True)
    action = fields.String(
        required=True,
        metadata={
            "description": "access_grant, recovery, rules_load, kek_rotation, "
            "retention_erase, subject_export"
        },
    )
    target = fields.List(fields.String(), required=True)
    status = fields.String(
        required=True, metadata={"description": "pending, approved, rejected, expired, used"}
    )
    requested_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    yours = fields.Boolean(required=True, metadata={"description": "you asked for it"})
    asked_by = fields.String(allow_none=True, metadata={"description": "the asker's name"})
    decided_by = fields.String(allow_none=True)
    grant = fields.Nested(ApprovalGrantSchema, required=True)
    rules = fields.Nested(RulesChangeSchema, metadata={"description": "rules_load only"})
    ticket = fields.Nested(
        InviteIssuedSchema,
        metadata={"description": "an approved recovery: the link, shown to its approver once"},
    )

    @post_dump
    def _rules_only_for_rules(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        # A view of any other action has rules None: the member is left out, not null.
        if data.get("rules") is None:
            data.pop("rules", None)
        return data


class ApprovalListSchema(Schema):
    items = fields.List(fields.Nested(ApprovalSchema), required=True)


class RecoveryCreateSchema(Schema):
    identity_check = fields.String(
        required=True,
        validate=validate.OneOf([c.value for c in IdentityCheck]),
        metadata={"description": "how you confirmed who is asking"},
    )


class InviteSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    agency = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    inboxes = fields.List(fields.String(), required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(["awaiting_approval", "pending", "used", "withdrawn", "expired"]),
    )
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)


class InviteListSchema(Schema):
    items = fields.List(fields.Nested(InviteSchema), required=True)


class AdminUserSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    agency = fields.String(required=True)
    status = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    passkeys = fields.List(fields.Nested(PasskeySchema), required=True)


class AdminUserListSchema(Schema):
    items = fields.List(fields.Nested(AdminUserSchema), required=True)
