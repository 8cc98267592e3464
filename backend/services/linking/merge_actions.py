"""What the MASH does with merges of children's records: list the automatic merges it has
not confirmed, confirm one, or undo one with a split (which re-derives everything built on
the merge, ``rederive.py``). Every action is audited; the MASH only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.db import db_lock
from backend.core.errors import Conflict, NotFound
from backend.models import Subject, SubjectMerge, utcnow
from backend.services.linking.links import mash_member
from backend.services.linking.locks import link_lock
from backend.services.linking.merges import AUTOMATIC, MergeView, db_confirm, views
from backend.services.linking.rederive import Rederived, db_rederive
from backend.services.linking.subjects import canonical, members
from backend.services.records.audit import Actor, db_audit


@dataclass(frozen=True, slots=True)
class Split:
    """A merge undone: the record stands for its own child again, and what was re-derived
    (SplitSchema)."""

    subject_id: uuid.UUID
    was_merged_into: uuid.UUID
    concerns_moved: int
    alerts_withdrawn: int
    alerts_rebuilt: int


def merges(session: Session, *, actor: Actor) -> list[MergeView]:
    """The partnership's automatic merges in force that the MASH has not confirmed, oldest
    first: each blocks a subject access export of the child until confirmed or split."""
    partnership_id = mash_member(session, actor)
    found = list(
        session.scalars(
            select(SubjectMerge)
            .where(
                SubjectMerge.partnership_id == partnership_id,
                SubjectMerge.how == AUTOMATIC,
                SubjectMerge.confirmed_at.is_(None),
                SubjectMerge.split_at.is_(None),
            )
            .order_by(SubjectMerge.made_at)
            .limit(500)
        )
    )
    db_audit(session, "merge.listed", actor=actor, records=[("merge", m.id) for m in found])
    session.commit()
    return views(session, found)


def confirm_merge(session: Session, *, actor: Actor, merge_id: uuid.UUID) -> MergeView:
    """The MASH confirms that an automatic merge joined one child's records."""
    partnership_id = mash_member(session, actor)
    db_lock(session, link_lock(partnership_id))
    merge = session.get(SubjectMerge, merge_id)
    if merge is None or merge.partnership_id != partnership_id:
        raise NotFound("not_found", "There is no such merge.")
    if merge.split_at is not None:
        raise Conflict("merge.split", "This merge was undone by a split: nothing to confirm.")
    if merge.confirmed_at is not None:
        raise Conflict("merge.confirmed", "This merge is already confirmed.")
    db_confirm(session, merge, actor=actor)
    session.commit()
    (view,) = views(session, [merge])
    return view


def split(session: Session, *, actor: Actor, subject_id: uuid.UUID) -> Split:
    """Undo a merge: the subject stands for its own child again, and the concerns linked
    while merged, the alerts, the care status and so what the child is known for are
    re-derived for both sides (audited)."""
    partnership_id = mash_member(session, actor)
    db_lock(session, link_lock(partnership_id))
    subject = session.get(Subject, subject_id)
    if subject is None or subject.partnership_id != partnership_id:
        raise NotFound("not_found", "There is no such child.")
    if subject.merged_into_id is None or subject.merged_at is None:
        raise Conflict("subject.not_merged", "This record is not merged into another.")
    was, since = subject.merged_into_id, subject.merged_at
    keep = canonical(session, was)
    gone_side = members(session, subject.id)
    subject.merged_into_id, subject.merged_at = None, None
    now = utcnow()
    for merge in session.scalars(
        select(SubjectMerge).where(
            SubjectMerge.merged_id == subject.id, SubjectMerge.split_at.is_(None)
        )
    ):
        merge.split_at, merge.split_by_id = now, actor.user_id
    session.flush()
    session.info.pop("canonical", None)
    session.info.pop("members", None)
    done: Rederived = db_rederive(
        session, partnership_id, keep=keep, gone=subject.id, gone_side=gone_side, since=since
    )
    db_audit(
        session,
        "subject.split",
        actor=actor,
        records=[("subject", subject.id), ("subject", was)],
        detail={
            "concerns_moved": len(done.moved),
            "alerts_withdrawn": len(done.withdrawn),
            "alerts_rebuilt": len(done.rebuilt),
        },
    )
    session.commit()
    return Split(
        subject_id=subject.id,
        was_merged_into=was,
        concerns_moved=len(done.moved),
        alerts_withdrawn=len(done.withdrawn),
        alerts_rebuilt=len(done.rebuilt),
    )
