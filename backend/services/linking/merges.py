"""The record of each merge of two children's records: how it was made (automatically on
strong keys, or confirmed by the MASH), when, by whom, on which keys, and whether a split
ended it. The child's chronology and the subject access export show these in words; an
automatic merge not yet confirmed blocks the export (docs/domain/linking.md)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.models import Agency, SubjectMerge, User, utcnow
from backend.services.linking.conflicts import in_words
from backend.services.records.audit import Actor, db_audit

AUTOMATIC, CONFIRMED = "automatic", "confirmed"


@dataclass(frozen=True, slots=True)
class MergeView:
    """One merge as the child's record and the export show it (MergeSchema)."""

    id: uuid.UUID
    subject_id: uuid.UUID
    merged_id: uuid.UUID
    how: str
    kinds: tuple[str, ...]
    made_at: datetime
    confirmed_at: datetime | None
    split_at: datetime | None
    summary: str

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


def db_record(
    session: Session,
    *,
    partnership_id: uuid.UUID,
    keep: uuid.UUID,
    gone: uuid.UUID,
    how: str,
    kinds: set[str],
    actor: Actor | None,
    concern_id: uuid.UUID | None = None,
) -> SubjectMerge:
    """Write the merge's row: a confirmed one is confirmed by whoever made it."""
    now = utcnow()
    by = actor.user_id if actor is not None else None
    merge = SubjectMerge(
        partnership_id=partnership_id,
        subject_id=keep,
        merged_id=gone,
        how=how,
        kinds=json.dumps(sorted(kinds)),
        concern_id=concern_id,
        made_at=now,
        made_by_id=by,
        confirmed_at=now if how == CONFIRMED else None,
        confirmed_by_id=by if how == CONFIRMED else None,
    )
    session.add(merge)
    session.flush()
    return merge


def db_confirm(session: Session, merge: SubjectMerge, *, actor: Actor) -> None:
    merge.confirmed_at, merge.confirmed_by_id = utcnow(), actor.user_id
    db_audit(
        session,
        "subject.merge_confirmed",
        actor=actor,
        records=[("merge", merge.id), ("subject", merge.subject_id), ("subject", merge.merged_id)],
        detail={"how": merge.how, "kinds": json.loads(merge.kinds)},
    )


def db_merges_of(session: Session, ids: list[uuid.UUID]) -> list[SubjectMerge]:
    """Every merge that joined one of these records to another, split or not, oldest first."""
    return list(
        session.scalars(
            select(SubjectMerge)
            .where(or_(SubjectMerge.subject_id.in_(ids), SubjectMerge.merged_id.in_(ids)))
            .order_by(SubjectMerge.made_at)
        )
    )


def _day(at: datetime) -> str:
    return at.strftime("%d %B %Y").lstrip("0")


def views(session: Session, merges: list[SubjectMerge]) -> list[MergeView]:
    """The merges in words: how, on which keys, when, by which agency, confirmed or split."""
    people = {m.made_by_id for m in merges} | {m.confirmed_by_id for m in merges}
    agency_of: dict[uuid.UUID | None, str] = {
        uid: name
        for uid, name in session.execute(
            select(User.id, Agency.name)
            .join(Agency, Agency.id == User.agency_id)
            .where(User.id.in_([p for p in people if p is not None]))
        )
    }
    out = []
    for m in merges:
        kinds = tuple(json.loads(m.kinds))
        on = in_words(kinds)
        if m.how == AUTOMATIC:
            text = f"Records joined automatically on {on}, {_day(m.made_at)}"
            if m.confirmed_at is None:
                text += "; not yet confirmed by the MASH"
            else:
                who = agency_of.get(m.confirmed_by_id, "the partnership")
                text += f"; confirmed by the MASH ({who}), {_day(m.confirmed_at)}"
        else:
            who = agency_of.get(m.made_by_id, "the partnership")
            text = (
                f"Records joined as one child, confirmed by the MASH ({who}) on {on}, "
                f"{_day(m.made_at)}"
            )
        if m.split_at is not None:
            text += f"; split again, {_day(m.split_at)}"
        out.append(
            MergeView(
                id=m.id,
                subject_id=m.subject_id,
                merged_id=m.merged_id,
                how=m.how,
                kinds=kinds,
                made_at=m.made_at,
                confirmed_at=m.confirmed_at,
                split_at=m.split_at,
                summary=text + ".",
            )
        )
    return out


def unconfirmed(merges: list[SubjectMerge]) -> list[SubjectMerge]:
    """Automatic merges in force that the MASH has not confirmed."""
    return [m for m in merges if m.confirmed_at is None and m.split_at is None]
