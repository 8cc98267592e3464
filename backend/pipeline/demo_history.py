"""The demo's history, sent as phones send records (``backend/domain/demo_history.py``).

Its two authors are invited and enrol a passkey made in memory (``crypto.demo_passkey``);
the care worker uploads the photo through the attachments service, and each record is
proven with its author's passkey, sealed to the server's current sealing key and ingested
(receive, open, prove, validate, store, route, link, episodes, audit), as
``POST /api/v1/sync`` does. Then the keys are dropped and the passkeys revoked, so nobody
can sign as these people again; their records still verify (``frontline verify concern``
reports the passkey revoked since).

Seeded once: once the authors exist, a run changes nothing. An earlier run that stopped
half-way is reported, not patched: its authors' passkeys are gone.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import crypto
from backend.domain import demo_history as history
from backend.domain.demo import Persona
from backend.domain.demo_photo import silhouette_png
from backend.models import (
    Agency,
    Attachment,
    Inbox,
    Invite,
    Receipt,
    ReceiptStatus,
    utcnow,
)
from backend.pipeline.ingest import Context, ingest
from backend.services.identity import identity, passkeys
from backend.services.identity.invites import db_create_invite
from backend.services.profiles import attachments
from backend.services.records.audit import Actor
from crypto.demo_passkey import DemoPasskey

SEEDED, ALREADY, INCOMPLETE = "seeded", "already", "incomplete"
AUTHORS = (history.CARE_WORKER, history.COORDINATOR)


@dataclass
class _Author:
    user_id: uuid.UUID
    agency_id: uuid.UUID
    passkey_id: uuid.UUID
    passkey: DemoPasskey

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, self.agency_id, self.passkey_id)


def _names() -> list[str]:
    return [history.fixed_id(r.name) for r in history.records(utcnow(), "0" * 64)]


def _db_state(session: Session) -> str | None:
    """Whether the history is there already (None: not begun)."""
    begun = session.scalar(
        select(func.count())
        .select_from(Invite)
        .where(Invite.persona.in_([a.key for a in AUTHORS]), Invite.used_at.is_not(None))
    )
    if not begun:
        return None
    accepted = session.scalar(
        select(func.count(func.distinct(Receipt.client_id))).where(
            Receipt.client_id.in_([uuid.UUID(n) for n in _names()]),
            Receipt.status == ReceiptStatus.ACCEPTED,
        )
    )
    photo = session.scalar(
        select(Attachment.id).where(Attachment.client_id == uuid.UUID(history.PHOTO_ID))
    )
    return ALREADY if accepted == len(_names()) and photo is not None else INCOMPLETE


def _enrol(ctx: Context, person: Persona, origin: str) -> _Author:
    """Invite the person as an operator would and enrol a passkey made in memory."""
    with ctx.sessions() as session:
        agency = session.scalar(select(Agency).where(Agency.name == person.agency))
        assert agency is not None  # noqa: S101 - the demo partnership is seeded first
        boxes = [
            session.scalar(select(Inbox).where(Inbox.agency_id == agency.id, Inbox.name == n))
            for n in person.inboxes
        ]
        issued = db_create_invite(
            session,
            ctx.ring,
            agency=agency,
            name=person.name,
            roles=list(person.roles),
            inboxes=[b for b in boxes if b is not None],
            persona=person.key,
        )
        session.commit()
        ceremony, options = identity.enrol_begin(session, ctx.ring, ctx.rp, token=issued.token)
        passkey = DemoPasskey(origin=origin)
        signed_in = identity.enrol_finish(
            session,
            ctx.ring,
            ctx.rp,
            ceremony_id=str(ceremony.id),
            token=issued.token,
            credential=passkey.register(options),
            name="Demo history (revoked)",
        )
        user = signed_in.user
        return _Author(user.id, user.agency_id, signed_in.passkey.id, passkey)


def _send(ctx: Context, author: _Author, document: dict[str, object]) -> uuid.UUID:
    """Prove, seal and ingest one record as its author's phone would; its record's id."""
    body = {k: v for k, v in document.items() if k != "proof"}
    challenge = crypto.proof_challenge(body)
    body["proof"] = {"type": "webauthn", "credential": author.passkey.sign(challenge)}
    jwe = crypto.seal_to_ring(json.dumps(body, ensure_ascii=False).encode(), ctx.ring)
    (result,) = ingest(
        ctx,
        [{"client_id": str(document["client_id"]), "jwe": jwe}],
        user_id=author.user_id,
        passkey_id=author.passkey_id,
    )
    if result.status not in ("accepted", "duplicate"):
        code = result.error.code if result.error else result.status
        raise RuntimeError(f"the demo history's record was refused: {code}")
    made = result.concern_id or result.record_id
    assert made is not None  # noqa: S101 - an accepted record has its id
    return made


def _upload_photo(ctx: Context, author: _Author) -> str:
    """Upload the photo through the attachments service; its SHA-256 for the profile."""
    image = silhouette_png()
    with ctx.sessions() as session:
        attachments.upload(
            session,
            ctx.ring,
            actor=author.actor,
            client_id=uuid.UUID(history.PHOTO_ID),
            jwe=crypto.seal_to_ring(image, ctx.ring, cty="image/png"),
        )
    return hashlib.sha256(image).hexdigest()


def _revoke(ctx: Context, authors: list[_Author]) -> None:
    """Drop every key and revoke every passkey: nobody signs as these people again."""
    for author in authors:
        author.passkey.discard()
        with ctx.sessions() as session:
            passkeys.revoke_own(session, actor=author.actor, passkey_id=author.passkey_id)


def seed_history(ctx: Context, *, origin: str, now: datetime | None = None) -> str:
    """Seed the demo's history unless it is there: ``seeded``, ``already`` or
    ``incomplete`` (an earlier run stopped half-way; start from a fresh database)."""
    with ctx.sessions() as session:
        state = _db_state(session)
    if state is not None:
        return state
    now = now or utcnow()
    authors: list[_Author] = []
    try:
        for person in AUTHORS:
            authors.append(_enrol(ctx, person, origin))
        care_worker, coordinator = authors
        photo_sha = _upload_photo(ctx, care_worker)
        made: dict[str, uuid.UUID] = {}
        for record in history.records(now, photo_sha):
            document = dict(record.document)
            if record.concern_of is not None:  # a return interview names its episode's concern
                document["concern_id"] = str(made[record.concern_of])
            by = care_worker if record.author is history.CARE_WORKER else coordinator
            made[record.name] = _send(ctx, by, document)
    finally:
        _revoke(ctx, authors)
    return SEEDED
