"""Enrolment from an invite and sign-in with a passkey: the two WebAuthn ceremonies."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from webauthn.helpers import bytes_to_base64url

import crypto
from backend.core.errors import Conflict, DomainError, Gone, Malformed, NotAuthenticated, NotFound
from backend.models import (
    Ceremony,
    CeremonyPurpose,
    Invite,
    Membership,
    Passkey,
    StaffSession,
    User,
    UserRole,
    UserStatus,
    new_opaque_id,
    utcnow,
)
from backend.services.identity import approvals, notices, passkey_policy, recovery, sessions
from backend.services.identity.invites import db_invite_name, token_hash
from backend.services.identity.webauthn_rp import (
    RelyingParty,
    WebAuthnOptions,
    asserted_sign_count,
    authentication_options,
    credential_id_of,
    db_new_ceremony,
    registration_options,
    take_ceremony,
    user_handle_of,
    verify_assertion,
    verify_registration,
)
from backend.services.records.audit import Actor, db_audit
from backend.services.records.sealed import db_new_data_key, seal

Policy = dict[str, tuple[timedelta, timedelta]]


@dataclass(frozen=True)
class SignedIn:
    """A person who just proved a passkey, and the session token for their cookie."""

    user: User
    passkey: Passkey
    started: sessions.Started


def db_valid_invite(session: Session, token: str) -> Invite:
    """Return the invite for a token if it can still be used, or say why not."""
    invite = session.scalar(select(Invite).where(Invite.token_hash == token_hash(token)))
    if invite is None:
        raise NotFound("invite.unknown", "This invitation link is not valid.")
    if invite.used_at is not None:
        raise Gone("invite.used", "This invitation was used already.")
    if invite.withdrawn_at is not None:
        raise Gone("invite.withdrawn", "This invitation was withdrawn.")
    if invite.expires_at <= utcnow():
        raise Gone("invite.expired", "This invitation has expired; ask for a new one.")
    if approvals.db_invites_waiting(session, [invite]):
        raise Conflict(
            "invite.awaiting_approval",
            "A second admin must approve this invitation before it can be used.",
        )
    return invite


def enrol_begin(
    session: Session, ring: crypto.KeyRing, rp: RelyingParty, *, token: str
) -> tuple[Ceremony, WebAuthnOptions]:
    """Start making a passkey for the person an invite names."""
    invite = db_valid_invite(session, token)
    recovering = recovery.is_ticket(invite)
    if recovering:
        person = session.get(User, invite.user_id)
        assert person is not None  # noqa: S101 - a ticket names a person
        recovery.db_check_recoverable(session, person)
    ceremony = db_new_ceremony(
        session,
        CeremonyPurpose.ENROL,
        invite_id=invite.id,
        # A ticket's passkey is the same person's; an invitation's, a new person's.
        user_id=invite.user_id if recovering else new_opaque_id(),
    )
    options = registration_options(rp, ceremony, user_name=db_invite_name(session, ring, invite))
    session.commit()
    return ceremony, options


def enrol_finish(
    session: Session,
    ring: crypto.KeyRing,
    rp: RelyingParty,
    *,
    ceremony_id: str | None,
    token: str,
    credential: dict[str, Any],
    name: str | None,
    policy: Policy | None = None,
) -> SignedIn:
    """Register the passkey, create the person from the invite, consume it, sign them in."""
    ceremony = take_ceremony(session, ceremony_id, CeremonyPurpose.ENROL)
    invite = db_valid_invite(session, token)
    recovering = recovery.is_ticket(invite)
    if recovering and ceremony.user_id != invite.user_id:
        raise Malformed("enrol.invite_mismatch", "This passkey was begun for another invite.")
    # The person comes from server-side state (the ceremony), never from the request.
    if ceremony.invite_id != invite.id or ceremony.user_id is None:
        raise Malformed("enrol.invite_mismatch", "This passkey was begun for another invite.")
    verified = verify_registration(rp, ceremony, credential)
    passkey_policy.db_check(session, invite.agency_id, verified)
    cred_id = bytes_to_base64url(verified.credential_id)
    if session.scalar(select(Passkey.id).where(Passkey.credential_id == cred_id)) is not None:
        raise Conflict("passkey.exists", "This passkey is registered already.")
    consumed = session.execute(
        update(Invite)
        .where(
            Invite.id == invite.id,
            Invite.used_at.is_(None),
            Invite.withdrawn_at.is_(None),
            Invite.expires_at > utcnow(),
        )
        .values(used_at=utcnow())
    )
    if consumed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Gone("invite.used", "This invitation was used already.")
    if recovering:
        return _db_recover(session, ceremony.user_id, invite, verified, name, policy)
    user_id = ceremony.user_id
    key = db_new_data_key(session, ring)
    user = User(
        id=user_id,
        agency_id=invite.agency_id,
        data_key_id=uuid.UUID(key.id),
        crypto_display_name=seal(
            key,
            db_invite_name(session, ring, invite),
            table="users",
            row_id=user_id,
            field="display_name",
        ),
        status=UserStatus.ACTIVE,
    )
    user.roles = [UserRole(role=r.role) for r in invite.roles]
    user.memberships = [Membership(inbox_id=i.inbox_id) for i in invite.inboxes]
    session.add(user)
    session.flush()
    session.execute(update(Invite).where(Invite.id == invite.id).values(user_id=user_id))
    signed_in = _db_sign_in_new_passkey(
        session, user, invite, verified, name or "First passkey", policy, "identity.enrolled"
    )
    session.commit()
    return signed_in


def _db_sign_in_new_passkey(
    session: Session,
    user: User,
    invite: Invite,
    verified: Any,
    name: str,
    policy: Policy | None,
    action: str,
) -> SignedIn:
    """Register an invitation's or a ticket's passkey, sign its person in, audit it."""
    passkey = new_passkey(user.id, verified, name)
    session.add(passkey)
    session.flush()
    started = sessions.db_start(session, user=user, passkey=passkey, policy=policy)
    db_audit(
        session,
        action,
        actor=Actor(user_id=user.id, agency_id=user.agency_id, passkey_id=passkey.id),
        records=[("user", user.id), ("invite", invite.id), ("passkey", passkey.id)],
        detail={"multi_device": passkey.multi_device, "backed_up": passkey.backed_up},
    )
    return SignedIn(user=user, passkey=passkey, started=started)


def _db_recover(
    session: Session,
    user_id: uuid.UUID,
    invite: Invite,
    verified: Any,
    name: str | None,
    policy: Policy | None,
) -> SignedIn:
    """A ticket's enrolment: a new passkey for the existing person, if none is live."""
    user = session.get(User, user_id)
    assert user is not None  # noqa: S101 - a ticket names a person
    try:
        recovery.db_check_recoverable(session, user)
    except DomainError:
        session.rollback()  # the ticket stays unused for after the live passkey is revoked
        raise
    signed_in = _db_sign_in_new_passkey(
        session, user, invite, verified, name or "Recovered passkey", policy, "identity.recovered"
    )
    key = signed_in.passkey.id
    notices.db_notify(session, user_id, "recovered", passkey_id=key, made_on=key)
    recovery.db_tell_the_admins(session, user_id)
    session.commit()
    return signed_in


def new_passkey(user_id: uuid.UUID, verified: Any, name: str) -> Passkey:
    return Passkey(
        user_id=user_id,
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        aaguid=str(verified.aaguid),
        multi_device=verified.credential_device_type == "multi_device",
        backed_up=bool(verified.credential_backed_up),
        name=name[:64],
        last_used_at=utcnow(),  # registering it was its first use
    )


def login_begin(session: Session, rp: RelyingParty) -> tuple[Ceremony, WebAuthnOptions]:
    """Start a sign-in with any passkey of this site (no username)."""
    ceremony = db_new_ceremony(session, CeremonyPurpose.LOGIN)
    options = authentication_options(rp, ceremony)
    session.commit()
    return ceremony, options


def login_finish(
    session: Session,
    rp: RelyingParty,
    *,
    ceremony_id: str | None,
    credential: dict[str, Any],
    replaced_token: str | None,
    policy: Policy | None = None,
) -> SignedIn:
    """Verify a sign-in assertion and open a new session (any earlier one is ended)."""
    ceremony = take_ceremony(session, ceremony_id, CeremonyPurpose.LOGIN)
    passkey = session.scalar(
        select(Passkey).where(Passkey.credential_id == credential_id_of(credential))
    )
    if passkey is None:
        raise NotAuthenticated("auth.unknown_credential", "This passkey is not registered here.")
    verified = verify_assertion(
        rp, challenge=ceremony.challenge, credential=credential, public_key=passkey.public_key
    )
    handle = user_handle_of(credential)
    if handle is not None and handle != passkey.user_id.bytes:
        raise NotAuthenticated("webauthn.invalid", "The passkey belongs to someone else.")
    if passkey.revoked_at is not None:
        raise NotAuthenticated("device.revoked", "This passkey was revoked.")
    user = session.get(User, passkey.user_id)
    if user is None or user.status is not UserStatus.ACTIVE:
        raise NotAuthenticated("user.disabled", "This account is disabled.")
    actor = Actor(user_id=user.id, agency_id=user.agency_id, passkey_id=passkey.id)
    db_accept_assertion(session, passkey, credential, verified, actor)
    if replaced_token:
        old = session.scalar(
            select(StaffSession).where(
                StaffSession.token_hash == sessions.token_hash(replaced_token)
            )
        )
        if old is not None:
            sessions.db_end(session, old, "replaced")
    started = sessions.db_start(session, user=user, passkey=passkey, policy=policy)
    db_audit(session, "identity.signed_in", actor=actor, records=[("session", started.record.id)])
    session.commit()
    return SignedIn(user=user, passkey=passkey, started=started)


def db_accept_assertion(
    session: Session, passkey: Passkey, credential: dict[str, Any], verified: Any, actor: Actor
) -> None:
    """After a verified assertion: refuse a sign count that went backwards, else note the
    passkey's new count, backup state and use."""
    count = asserted_sign_count(credential)
    if (count > 0 or passkey.sign_count > 0) and count <= passkey.sign_count:
        # A counter that goes backwards means a second copy of the key exists: refuse, and
        # leave a trace an investigator will find.
        db_audit(
            session,
            "identity.sign_count_regression",
            actor=actor,
            records=[("passkey", passkey.id)],
            detail={"stored": passkey.sign_count, "presented": count},
        )
        notices.db_notify(session, passkey.user_id, "sign_count_regression", passkey_id=passkey.id)
        session.commit()
        raise NotAuthenticated("auth.sign_count_regression", "This passkey may have been copied.")
    now = utcnow()
    if passkey.last_used_at is not None and now - passkey.last_used_at > notices.IDLE:
        notices.db_notify(
            session, passkey.user_id, "used_after_idle", passkey_id=passkey.id, made_on=passkey.id
        )
    passkey.sign_count = verified.new_sign_count
    passkey.backed_up = bool(verified.credential_backed_up)
    passkey.last_used_at = now


def logout(session: Session, *, session_id: uuid.UUID, actor: Actor) -> None:
    """End this session."""
    record = session.get(StaffSession, session_id)
    if record is not None:
        sessions.db_end(session, record, "logout")
        db_audit(session, "identity.signed_out", actor=actor, records=[("session", record.id)])
    session.commit()
