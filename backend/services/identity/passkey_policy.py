"""An agency's passkey policy: whether it accepts synced passkeys (SECURITY.md, "Synced
passkeys"). Synced passkeys are allowed by default — a lost phone must not lose a shift's
work — but an agency whose staff share pooled devices, or whose policy demands it, can
require device-bound ones: then a passkey that reports itself as synced (multi-device or
backed up) is refused when it is registered, by enrolment, recovery or adding a backup.
Existing synced passkeys are counted for the admin, who revokes them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.core.errors import Invalid
from backend.models import Agency, Passkey, User
from backend.services.records.audit import Actor, db_audit


def db_check(session: Session, agency_id: uuid.UUID, verified: Any) -> None:
    """Refuse a new passkey the agency's policy does not allow."""
    agency = session.get(Agency, agency_id)
    synced = verified.credential_device_type == "multi_device" or verified.credential_backed_up
    if agency is not None and agency.device_bound_only and synced:
        raise Invalid(
            "passkey.device_bound_required",
            "Your agency accepts only passkeys kept on one device: use this device's own "
            "screen lock, not a passkey synced by a password manager or cloud account.",
        )


@dataclass(frozen=True, slots=True)
class PasskeyPolicy:
    """An agency's policy as its admin sees it, with the synced passkeys still live."""

    id: uuid.UUID  # the agency's
    name: str
    device_bound_only: bool
    live_synced_passkeys: int  # to revoke if the policy now forbids them


def view(session: Session, agency_id: uuid.UUID) -> PasskeyPolicy:
    agency = session.get(Agency, agency_id)
    assert agency is not None  # noqa: S101 - the admin's own agency
    synced = session.scalar(
        select(func.count())
        .select_from(Passkey)
        .join(User, User.id == Passkey.user_id)
        .where(
            User.agency_id == agency_id,
            Passkey.revoked_at.is_(None),
            (Passkey.multi_device.is_(True)) | (Passkey.backed_up.is_(True)),
        )
    )
    return PasskeyPolicy(
        id=agency.id,
        name=agency.name,
        device_bound_only=agency.device_bound_only,
        live_synced_passkeys=int(synced or 0),
    )


def set_policy(session: Session, *, actor: Actor, device_bound_only: bool) -> PasskeyPolicy:
    """An admin sets their own agency's policy; audited."""
    assert actor.agency_id is not None  # noqa: S101 - a signed-in admin
    agency = session.get(Agency, actor.agency_id)
    assert agency is not None  # noqa: S101
    if agency.device_bound_only != device_bound_only:
        agency.device_bound_only = device_bound_only
        db_audit(
            session,
            "identity.passkey_policy_changed",
            actor=actor,
            records=[("agency", agency.id)],
            detail={"device_bound_only": device_bound_only},
        )
    session.commit()
    return view(session, agency.id)
