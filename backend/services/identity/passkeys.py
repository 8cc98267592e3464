"""A person's passkeys: add a backup, rename, revoke (by the person or their admin)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import Conflict, Malformed, NotFound
from backend.models import CeremonyPurpose, Passkey, User, utcnow
from backend.services.concerns.push import db_forget_device
from backend.services.identity import passkey_policy, sessions
from backend.services.identity.admin_scope import db_governs
from backend.services.identity.identity import new_passkey
from backend.services.identity.notices import db_notify
from backend.services.identity.webauthn_rp import (
    RelyingParty,
    WebAuthnOptions,
    db_new_ceremony,
    registration_options,
    take_ceremony,
    verify_registration,
)
from backend.services.records.audit import Actor, db_audit


def _active(session: Session, user_id: uuid.UUID) -> list[Passkey]:
    return list(
        session.scalars(
            select(Passkey)
            .where(Passkey.user_id == user_id, Passkey.revoked_at.is_(None))
            .order_by(Passkey.created_at)
        )
    )


def add_begin(
    session: Session, rp: RelyingParty, *, user_id: uuid.UUID, user_name: str
) -> tuple[uuid.UUID, WebAuthnOptions]:
    """Start registering one more passkey for the signed-in person."""
    ceremony = db_new_ceremony(session, CeremonyPurpose.ADD_PASSKEY, user_id=user_id)
    options = registration_options(
        rp,
        ceremony,
        user_name=user_name,
        exclude=[p.credential_id for p in _active(session, user_id)],
    )
    session.commit()
    return ceremony.id, options


def add_finish(
    session: Session,
    rp: RelyingParty,
    *,
    actor: Actor,
    ceremony_id: str | None,
    credential: dict[str, Any],
    name: str | None,
) -> Passkey:
    """Register the new passkey for the person who began the ceremony."""
    ceremony = take_ceremony(session, ceremony_id, CeremonyPurpose.ADD_PASSKEY)
    if ceremony.user_id != actor.user_id:
        raise Malformed("webauthn.challenge_invalid", "This passkey was begun by someone else.")
    verified = verify_registration(rp, ceremony, credential)
    assert actor.user_id is not None  # noqa: S101 - a signed-in actor
    assert actor.agency_id is not None  # noqa: S101
    passkey_policy.db_check(session, actor.agency_id, verified)
    count = len(_active(session, actor.user_id))
    passkey = new_passkey(actor.user_id, verified, name or f"Passkey {count + 1}")
    if session.scalar(select(Passkey.id).where(Passkey.credential_id == passkey.credential_id)):
        raise Conflict("passkey.exists", "This passkey is registered already.")
    session.add(passkey)
    session.flush()
    db_audit(session, "identity.passkey_added", actor=actor, records=[("passkey", passkey.id)])
    db_notify(
        session, actor.user_id, "passkey_added", passkey_id=passkey.id, made_on=actor.passkey_id
    )
    session.commit()
    return passkey


def rename(session: Session, *, actor: Actor, passkey_id: uuid.UUID, name: str) -> Passkey:
    passkey = session.get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != actor.user_id or passkey.revoked_at is not None:
        raise NotFound("not_found", "You have no such passkey.")
    passkey.name = name
    session.commit()
    return passkey


def _revoke(session: Session, passkey: Passkey, actor: Actor, *, by_admin: bool) -> Passkey:
    if passkey.revoked_at is None:
        passkey.revoked_at = utcnow()
        passkey.revoked_by_id = actor.user_id
        ended = sessions.db_end_for_passkey(session, passkey.id, "device.revoked")
        db_forget_device(session, passkey.id)
        db_audit(
            session,
            "identity.passkey_revoked",
            actor=actor,
            records=[("passkey", passkey.id), ("user", passkey.user_id)],
            detail={"by_admin": by_admin, "sessions_ended": ended},
        )
        db_notify(
            session,
            passkey.user_id,
            "passkey_revoked",
            passkey_id=passkey.id,
            made_on=None if by_admin else actor.passkey_id,
        )
    session.commit()
    return passkey


def revoke_own(session: Session, *, actor: Actor, passkey_id: uuid.UUID) -> Passkey:
    """Revoke one of the signed-in person's passkeys; its sessions end at once."""
    passkey = session.get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != actor.user_id:
        raise NotFound("not_found", "You have no such passkey.")
    return _revoke(session, passkey, actor, by_admin=False)


def admin_revoke(
    session: Session, *, actor: Actor, partnership_admin: bool, passkey_id: uuid.UUID
) -> Passkey:
    """Revoke a passkey of someone in the admin's agency (any agency of their partnership
    for a partnership admin)."""
    passkey = session.get(Passkey, passkey_id)
    owner = session.get(User, passkey.user_id) if passkey is not None else None
    if (
        passkey is None
        or owner is None
        or not db_governs(session, actor, partnership_admin, owner.agency_id)
    ):
        # Not found and not yours look the same: no oracle for other agencies' passkeys.
        raise NotFound("not_found", "There is no such passkey in your agency.")
    return _revoke(session, passkey, actor, by_admin=True)
