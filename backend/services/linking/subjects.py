"""Which child a concern is about: resolution by blind indexes, merges and splits.

Strong keys (NHS number; full name and date of birth) link automatically, unless what they
find disagrees (``conflicts.py``): then the MASH is asked and nothing is merged. Weak keys
(phonetic family name with year of birth, known-as name with year of birth, home postcode)
only suggest: a possible match for a MASH member to confirm or reject. A merge points one
subject at another and is recorded with how it was made (``merges.py``); a split removes
the pointer (``merge_actions.py``). The rule in full: docs/domain/linking.md. Lookups
read the records' keys (``record_keys.py``) for this concern's own identifiers only: one
row per record holding a key, never the concerns behind it, never a scan.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from backend.core.db import chunks, db_lock
from backend.models import (
    Concern,
    Subject,
    SubjectKey,
    SubjectMerge,
    table_of,
    utcnow,
)
from backend.services.linking.conflicts import (
    STRONG,
    by_kind,
    db_held,
    differing,
    disagrees,
    uncorroborated,
)
from backend.services.linking.locks import subject_lock
from backend.services.linking.matches import db_answer
from backend.services.linking.merges import AUTOMATIC, db_record
from backend.services.records.audit import SYSTEM, Actor, db_audit

WEAK = ("phonetic_year", "known_as_year", "postcode")
# Together as sure of one child as a name with date of birth: a family name misspelt or
# changed, with the same given name, date of birth and home.
TOGETHER = ("given_dob", "postcode")
WEAK_AGREE = 2
KNOWN_STATUSES = (
    "early_help",
    "child_in_need",
    "child_protection_plan",
    "looked_after",
    "care_leaver",
)


_S, _K = table_of(Subject), table_of(SubjectKey)
# Built once (building a statement costs several times what SQLite takes to run it).
_MERGED_INTO = select(_S.c.merged_into_id).where(_S.c.id == bindparam("sid"))
# With each record's partnership, compared by the caller: with the partnership in SQL,
# SQLite without statistics (it keeps none unless told to analyze) walked every subject of
# the partnership through that column's index, 35 ms a lookup at 250,000 children.
_HEADS = select(_S.c.id, _S.c.merged_into_id, _S.c.partnership_id).where(
    _S.c.id.in_(bindparam("ids", expanding=True))
)
_MERGED_FROM = select(_S.c.id).where(_S.c.merged_into_id.in_(bindparam("ids", expanding=True)))


# Kinds of subject key, the one held by the most records first: a nickname with a birth
# year is shared by hundreds of children in a county, a surname's sound with a birth year by
# fewer, a home postcode by tens, a full name with a birth year or a given name with a date
# of birth by a handful. An agreement of ``n`` kinds is looked for from the records holding
# the others (``_agreeing``).
COMMONEST = ("known_as_year", "phonetic_year", "postcode", "name_year", "given_dob")


def _pair(keys: Any, n: int) -> Any:
    return and_(keys.c.kind == bindparam(f"k{n}"), keys.c.blind_index == bindparam(f"b{n}"))


@cache
def _sharing(pairs: int) -> Select[Any]:
    """Records holding any of ``pairs`` subject keys (bound as ``k0``, ``b0``, ...), with
    the kind each holds, on the keys' lookup index: one row per record and key, however
    many concerns of the record name it. The partnership is checked after (``_HEADS``):
    joined here, SQLite's planner walked every subject of it."""
    return select(_K.c.subject_id, _K.c.kind).where(
        or_(*(_pair(_K, n) for n in range(pairs))), _K.c.role == "subject"
    )


@cache
def _agreeing(pairs: int, drivers: tuple[int, ...]) -> Select[Any]:
    """Records holding at least ``n`` kinds of ``pairs`` subject keys, found from the
    holders of the ``drivers`` among them only, each joined to its own keys on the primary
    key. A record holding ``n`` kinds holds one that is not among the ``n - 1`` commonest,
    so those need not drive: a nickname held by a thousand children is never read whole."""
    d, o = _K.alias("d"), _K.alias("o")
    return (
        select(d.c.subject_id)
        .join(
            o,
            and_(
                o.c.subject_id == d.c.subject_id,
                o.c.role == "subject",
                or_(*(_pair(o, n) for n in range(pairs))),
            ),
        )
        .where(d.c.role == "subject", or_(*(_pair(d, n) for n in drivers)))
        .group_by(d.c.subject_id)
        .having(func.count(func.distinct(o.c.kind)) >= bindparam("n"))
    )


# The keys of some kinds that records hold, on the primary key (a few rows a record).
_HELD_OF_KINDS = select(_K.c.subject_id, _K.c.kind, _K.c.blind_index).where(
    _K.c.subject_id.in_(bindparam("ids", expanding=True)),
    _K.c.role == "subject",
    _K.c.kind.in_(bindparam("kinds", expanding=True)),
)


def _drivers(pairs: list[tuple[str, str]], at_least: int) -> tuple[int, ...]:
    """The pairs whose holders are read: all but those of the ``at_least - 1`` commonest
    kinds among them (a kind not ranked counts as rare)."""
    kinds = sorted(
        {k for k, _ in pairs},
        key=lambda k: COMMONEST.index(k) if k in COMMONEST else len(COMMONEST),
    )
    skipped = set(kinds[: at_least - 1])
    return tuple(n for n, (kind, _) in enumerate(pairs) if kind not in skipped)


def _hits(
    session: Session, pairs: list[tuple[str, str]], at_least: int
) -> list[tuple[uuid.UUID, str]]:
    """(record, kind) for each record holding at least ``at_least`` kinds of ``pairs``."""
    params: dict[str, Any] = {"n": at_least}
    for n, (kind, index) in enumerate(pairs):
        params[f"k{n}"], params[f"b{n}"] = kind, index
    if at_least <= 1:
        return [(sid, kind) for sid, kind in session.execute(_sharing(len(pairs)), params)]
    if len({k for k, _ in pairs}) < at_least:
        return []
    query = _agreeing(len(pairs), _drivers(pairs, at_least))
    ids = list(session.scalars(query, params))
    if not ids:
        return []
    wanted = set(pairs)
    kinds = sorted({k for k, _ in pairs})
    return [
        (sid, kind)
        for chunk in chunks(ids)
        for sid, kind, index in session.execute(_HELD_OF_KINDS, {"ids": chunk, "kinds": kinds})
        if (kind, index) in wanted
    ]


def canonical(session: Session, subject_id: uuid.UUID) -> uuid.UUID:
    """Follow merges to the subject that stands for the child now (cached per transaction;
    a merge clears the cache)."""
    cache: dict[uuid.UUID, uuid.UUID] = session.info.setdefault("canonical", {})
    start, seen = subject_id, set()
    while subject_id not in seen:
        if subject_id in cache:
            subject_id = cache[subject_id]
            break
        seen.add(subject_id)
        nxt = session.scalar(_MERGED_INTO, {"sid": subject_id})
        if nxt is None:
            break
        subject_id = nxt
    cache[start] = subject_id
    return subject_id


def canonical_many(
    session: Session, ids: Iterable[uuid.UUID], *, partnership_id: uuid.UUID | None = None
) -> dict[uuid.UUID, uuid.UUID]:
    """``canonical`` for many subjects with one query per 500 (merges are rare); with
    ``partnership_id``, only for those of that partnership."""
    pending = list(dict.fromkeys(ids))
    found: dict[uuid.UUID, uuid.UUID] = {}
    for chunk in chunks(pending):
        for sid, into, partnership in session.execute(_HEADS, {"ids": chunk}):
            if partnership_id is None or partnership == partnership_id:
                found[sid] = sid if into is None else canonical(session, sid)
    return found


def members(session: Session, subject_id: uuid.UUID) -> list[uuid.UUID]:
    """The subject and every subject merged into it, however deep (cached per transaction,
    like ``canonical``: linking asks twice for the same child)."""
    cache: dict[uuid.UUID, list[uuid.UUID]] = session.info.setdefault("members", {})
    if subject_id not in cache:
        found, frontier = [subject_id], [subject_id]
        while frontier:
            frontier = list(session.scalars(_MERGED_FROM, {"ids": frontier}))
            found.extend(frontier)
        cache[subject_id] = found
    return list(cache[subject_id])


def holders(
    session: Session,
    pairs: Iterable[tuple[str, str]],
    *,
    partnership_id: uuid.UUID,
    at_least: int = 1,
) -> dict[uuid.UUID, set[str]]:
    """Canonical subjects of the records holding at least ``at_least`` kinds of these
    subject keys (counted per record, in SQL). Asked before the concern's own keys are
    added to its record (``record_keys.db_add_keys``), so the concern never finds itself."""
    pairs = list(dict.fromkeys(pairs))
    if not pairs:
        return {}
    hits = _hits(session, pairs, at_least)
    # The partnership is checked with the merges, on the primary key: one read of the records.
    heads = canonical_many(session, (sid for sid, _ in hits), partnership_id=partnership_id)
    found: dict[uuid.UUID, set[str]] = {}
    for subject_id, kind in hits:
        if subject_id in heads:
            found.setdefault(heads[subject_id], set()).add(kind)
    return found


def db_merge(
    session: Session,
    keep: uuid.UUID,
    gone: uuid.UUID,
    *,
    actor: Actor | None,
    why: str,
    how: str,
    kinds: set[str],
    concern_id: uuid.UUID | None = None,
) -> SubjectMerge:
    """Point ``gone`` at ``keep``, record how (``merges.py``) and audit it as a combination
    of records. ``actor`` None: linking, automatically."""
    subject = session.get(Subject, gone)
    assert subject is not None  # noqa: S101
    subject.merged_into_id, subject.merged_at = keep, utcnow()
    session.info.pop("canonical", None)
    session.info.pop("members", None)
    # A possible match between the two sides is answered by the merge: off the MASH's queue.
    db_answer(session, members(session, keep))
    merge = db_record(
        session,
        partnership_id=subject.partnership_id,
        keep=keep,
        gone=gone,
        how=how,
        kinds=kinds,
        actor=actor,
        concern_id=concern_id,
    )
    db_audit(
        session,
        "subject.merged",
        actor=actor or SYSTEM,
        records=[("subject", keep), ("subject", gone), ("merge", merge.id)],
        detail={"why": why, "how": how, "kinds": sorted(kinds)},
    )
    return merge


def _created(session: Session, subject_id: uuid.UUID) -> Any:
    return session.get(Subject, subject_id).created_at  # type: ignore[union-attr]


Flags = dict[uuid.UUID, tuple[dict[uuid.UUID, set[str]], list[str]]]


def _found(
    session: Session, own: list[tuple[str, str]], partnership_id: uuid.UUID
) -> dict[uuid.UUID, set[str]]:
    """The records the concern's strong keys find, with the kinds that found each."""
    strong = [(k, b) for k, b in own if k in STRONG]
    found = holders(session, strong, partnership_id=partnership_id)
    together = [(k, b) for k, b in own if k in TOGETHER]
    if {k for k, _ in together} == set(TOGETHER):
        for subject_id, kinds in holders(
            session, together, partnership_id=partnership_id, at_least=2
        ).items():
            if set(TOGETHER) <= kinds:
                found.setdefault(subject_id, set()).update(TOGETHER)
    return found


HOLD_ROUNDS = 3


def _db_held_found(
    session: Session, own: list[tuple[str, str]], partnership_id: uuid.UUID
) -> dict[uuid.UUID, set[str]]:
    """``_found``, with each record found locked (``subject_lock``) until the commit.

    What was found before a wait may have changed during it: another link that found the
    same child by other keys merged it into another record. So once locked, look again;
    a record newly found is locked in turn. Only a merge made during the wait finds
    another (rare: under ``HOLD_ROUNDS`` rounds in practice); past them the records last
    found are used, each locked but the last ones."""
    found = _found(session, own, partnership_id)
    held: set[uuid.UUID] = set()
    for _ in range(HOLD_ROUNDS):
        new = set(found) - held
        if not db_lock(session, *(subject_lock(s) for s in new)):
            return found
        held |= new
        session.info.pop("canonical", None)
        session.info.pop("members", None)
        found = _found(session, own, partnership_id)
    return found


def db_strong(
    session: Session,
    concern: Concern,
    own: list[tuple[str, str]],
    mine: dict[str, set[str]],
    partnership_id: uuid.UUID,
) -> tuple[uuid.UUID | None, set[str], Flags]:
    """The record the concern's strong keys link it to (None: a new one), after merging
    into it any other record they found that nothing disagrees with; every record the keys
    found but may not join is flagged to the MASH (docs/domain/linking.md).

    Strong keys are the NHS number, the name with date of birth, and the given name with
    date of birth and home postcode together (``TOGETHER``). The rule: a record the concern
    disagrees with (``conflicts.py``) is never linked or merged. Of the rest, the concern
    is linked to the one its name with date of birth matched (what the recorder hears from
    or about the child in front of them), else the one matched by more strong kinds, else
    the oldest; each other one is merged into it automatically unless the two records are
    in conflict. ``mine``: the concern's own values of the compared kinds
    (``conflicts.COMPARED``), its given name with date of birth and home postcode, by kind.
    A record found by the name with date of birth alone, at another home, is asked about
    (``conflicts.uncorroborated``)."""
    found = _db_held_found(session, own, partnership_id)
    agreeing: dict[uuid.UUID, set[str]] = {}
    disagreeing: dict[uuid.UUID, list[str]] = {}
    for subject_id, kinds in found.items():
        ids = members(session, subject_id)
        held_by = by_kind(db_held(session, ids))
        differs = disagrees(mine, held_by)
        if not differs and kinds == {"name_dob"}:
            differs = uncorroborated(mine, held_by)
        if differs:
            disagreeing[subject_id] = differs
        else:
            agreeing[subject_id] = kinds
    ordered = list(agreeing)
    if len(ordered) > 1:  # merges are rare: only then is a record's age read
        ordered.sort(
            key=lambda s: ("name_dob" not in agreeing[s], -len(agreeing[s]), _created(session, s))
        )
    head = ordered[0] if ordered else None
    flags: Flags = {}
    if head is not None and len(ordered) > 1:
        held = db_held(session, members(session, head))
        for other in ordered[1:]:
            theirs = db_held(session, members(session, other))
            differs = differing(held, theirs)
            if differs:
                flags[other] = ({head: agreeing[head], other: agreeing[other]}, differs)
                continue
            db_merge(
                session,
                head,
                other,
                actor=None,
                why="strong keys that do not disagree",
                how=AUTOMATIC,
                kinds=agreeing[head] | agreeing[other],
                concern_id=concern.id,
            )
            held += theirs
    for other, differs in disagreeing.items():
        flags[other] = ({other: found[other]}, differs)
    return head, (agreeing[head] if head is not None else set()), flags
