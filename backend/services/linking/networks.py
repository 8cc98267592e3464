"""Network findings (docs/domain/indicators.md, "How strong a link is"): children linked
through a shared adult, car, phone, address or account, each identifier weighed by the
strength the rules file gives its kind; ``alerts.py`` raises or updates the alert.

Two children are linked when their concerns share one strong identifier, or enough
independent weaker signs: medium and weak identifiers, each once, and exploitation recorded
about both (``context_categories``, ``context_indicators``). A common name or street name
alone links nobody. Every query is bounded by this concern's own identifiers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, bindparam, literal_column, or_, select, union_all
from sqlalchemy.orm import Session

from backend.models import (
    Alert,
    AlertEvidence,
    Concern,
    ConcernCategory,
    ConcernIndicator,
    Subject,
    SubjectKey,
    SuspicionIdentifier,
    table_of,
)
from backend.services.concerns.rules import Active
from backend.services.linking.blind_keys import IdentifierRow, own_of
from backend.services.linking.findings import Finding, best_window
from backend.services.linking.record_keys import Held, db_naming
from backend.services.linking.subjects import canonical

Key = tuple[str, str]  # (identifier kind, blind index)


class Named(NamedTuple):
    """A concern naming an identifier: the evidence a network finding rests on."""

    concern_id: uuid.UUID
    at: datetime
    subject_id: uuid.UUID


_K, _S = table_of(SubjectKey), table_of(Subject)
_SI = table_of(SuspicionIdentifier)
_CC, _IND = table_of(ConcernCategory), table_of(ConcernIndicator)
_A, _AE = table_of(Alert), table_of(AlertEvidence)
# Which of some concerns record exploitation: by category, or by a sign of it.
_CONTEXT = select(_CC.c.concern_id).where(
    _CC.c.concern_id.in_(bindparam("ids", expanding=True)),
    _CC.c.category.in_(bindparam("categories", expanding=True)),
)
_CONTEXT_SIGNS = select(_IND.c.concern_id).where(
    _IND.c.concern_id.in_(bindparam("ids", expanding=True)),
    _IND.c.code.in_(bindparam("codes", expanding=True)),
)


@cache
def _holders(pairs: int) -> Select[Any]:
    """For each of ``pairs`` identifiers (bound as ``k0``, ``b0``, ...), an open network
    alert holding it between ``lo`` and ``hi``, with the identifier's number ``n``: one
    statement, one index probe each. The alert itself, not its id: the caller adds to it,
    and so finds it loaded."""
    each = [
        select(literal_column(str(n)).label("n"), _AE.c.alert_id)
        .join(_A, _A.c.id == _AE.c.alert_id)
        .where(
            _AE.c.identifier_kind == bindparam(f"k{n}"),
            _AE.c.key == bindparam(f"b{n}"),
            _AE.c.recorded_at.between(bindparam("lo"), bindparam("hi")),
            _A.c.partnership_id == bindparam("p"),
            _A.c.kind == "network",
            _A.c.status == "open",
        )
        .limit(1)  # any will do: rings that share a child are folded into the oldest
        .subquery()
        for n in range(pairs)
    ]
    found = union_all(*(select(e) for e in each)).subquery()
    return select(Alert, found.c.n).join(found, found.c.alert_id == Alert.id)


@cache
def _sharers(pairs: int) -> Select[Any]:
    """Records holding any of ``pairs`` associated identifiers (bound as ``k0``, ``b0``,
    ...) named by a concern between their first and last time that meets ``lo``..``hi``:
    one row per record and identifier, however many of its concerns name it."""
    return (
        select(
            _K.c.kind,
            _K.c.blind_index,
            _K.c.subject_id,
            _K.c.last_at,
            _K.c.last_concern_id,
            _S.c.merged_into_id,
        )
        .join(_S, _S.c.id == _K.c.subject_id)
        .where(
            _K.c.role == "associated",
            or_(
                *(
                    and_(_K.c.kind == bindparam(f"k{n}"), _K.c.blind_index == bindparam(f"b{n}"))
                    for n in range(pairs)
                )
            ),
            _K.c.first_at <= bindparam("hi"),
            _K.c.last_at >= bindparam("lo"),
        )
    )


def _named_near(
    session: Session,
    subject: uuid.UUID,
    held: Held,
    last: tuple[uuid.UUID, datetime],
    at: datetime,
    span: timedelta,
) -> list[tuple[uuid.UUID, datetime]]:
    """A record's concerns naming ``held`` that stand for it within ``span`` of ``at``: its
    latest when that is at or before ``at`` (the usual case: no probe); otherwise its
    latest before ``at`` and its earliest after, found by two bounded probes. Every span
    of the window's length holding ``at`` holds one of these if it holds any."""
    if last[1] <= at:
        return [last]
    before = db_naming(session, subject, held, at - span, at)
    after = db_naming(session, subject, held, at, at + span, latest=False)
    return list(dict.fromkeys(e for e in (before, after) if e is not None))


def in_context(session: Session, rule: dict[str, Any], ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """The concerns among ``ids`` that record exploitation (the rule's context)."""
    ids = list(ids)
    if not ids:
        return set()
    found = set(
        session.scalars(_CONTEXT, {"ids": ids, "categories": rule["context_categories"] or [""]})
    )
    rest = [c for c in ids if c not in found]
    if rest and rule["context_indicators"]:
        found |= set(
            session.scalars(_CONTEXT_SIGNS, {"ids": rest, "codes": rule["context_indicators"]})
        )
    return found


def recorded_in_context(rule: dict[str, Any], loaded: dict[str, Any]) -> bool:
    """``in_context`` for a concern as validated, before anything is added to it: whether
    it records one of the rule's categories or signs (any signs it records are present or
    possible)."""
    if set(loaded["categories"]) & set(rule["context_categories"]):
        return True
    signs = set(rule["context_indicators"])
    return any(i["code"] in signs for i in loaded.get("indicators") or [])


def enough(
    rule: dict[str, Any], keys: Iterable[Key], context: bool, suspected: bool = False
) -> bool:
    """Whether these shared identifiers (and exploitation recorded on both sides, and a
    suspicion naming one of them) link two children: ``strong`` strong ones, or ``weaker``
    independent weaker signs."""
    tiers = [rule["strengths"].get(kind, "weak") for kind, _ in set(keys)]
    strong = sum(t == "strong" for t in tiers)
    signs = len(tiers) - strong + int(context) + int(suspected)
    return strong >= rule["strong"] or signs >= rule["weaker"]


def _suspected(session: Session, keys: list[Key], lo: datetime, hi: datetime) -> set[Key]:
    """Which of these identifiers a suspicion names within ``lo``..``hi`` of event time: a
    professional's suspicion about the same adult is a sign of its own that two children
    named with him are linked (services/suspicions/matching.py)."""
    pairs = or_(*(and_(_SI.c.kind == k, _SI.c.blind_index == b) for k, b in keys))
    found = session.execute(
        select(_SI.c.kind, _SI.c.blind_index)
        .where(_SI.c.role == "associated", pairs, _SI.c.recorded_at.between(lo, hi))
        .distinct()
    )
    return {(k, b) for k, b in found}


def network_findings(
    session: Session,
    active: Active,
    concern: Concern,
    subject_id: uuid.UUID,
    identifiers: list[IdentifierRow],
    context: bool | None = None,
) -> list[Finding]:
    """Adults, vehicles, phones, addresses or accounts this concern shares with other children,
    strongly enough to link them.

    ``identifiers``: the concern's identifier rows, as the store step wrote them.
    ``context``: whether the concern records exploitation (``recorded_in_context``), when
    the caller has what it records in hand; otherwise its stored rows are read. Identifiers
    an open network alert already holds within the window of this concern add the concern
    to that alert when they are enough on their own: one index probe each. The rest have
    their sharers read, and each other child is linked only through enough of them."""
    rule = active.rules.patterns["network"]
    if not rule.get("enabled", True):
        return []
    kinds = set(rule["kinds"])
    own = own_of(identifiers, lambda r: r["role"] == "associated" and r["kind"] in kinds)
    if not own:
        return []
    span = timedelta(days=rule["days"])
    at = concern.recorded_at
    mine = bool(in_context(session, rule, [concern.id])) if context is None else context
    found: list[Finding] = []
    unheld: list[Key] = []
    holders: dict[uuid.UUID, tuple[Alert, list[Key]]] = {}
    params: dict[str, Any] = {"p": active.partnership_id, "lo": at - span, "hi": at + span}
    for n, (kind, index) in enumerate(own):
        params[f"k{n}"], params[f"b{n}"] = kind, index
    held = {n: holder for holder, n in session.execute(_holders(len(own)), params)}
    for n, (kind, index) in enumerate(own):
        holder = held.get(n)
        if holder is None:
            unheld.append((kind, index))
        else:
            holders.setdefault(holder.id, (holder, []))[1].append((kind, index))
    for holder, keys in holders.values():
        if not enough(rule, keys, mine):
            unheld += keys  # too weak to join on its own: weighed against its sharers
            continue
        for kind, index in keys:
            found.append(
                Finding(
                    "network",
                    f"{kind}:{index}",
                    {subject_id},
                    [(kind, index, concern.id, at)],
                    f"one {kind.replace('_', ' ')} already in an open network alert",
                    alert=holder,
                )
            )
    if unheld:
        found += _linked(session, rule, concern, subject_id, unheld, mine)
    return found


def _linked(
    session: Session,
    rule: dict[str, Any],
    concern: Concern,
    subject_id: uuid.UUID,
    keys: list[Key],
    mine: bool,
) -> list[Finding]:
    """Findings for the identifiers no open network holds: the other children sharing
    enough of them, one finding per identifier over those children's concerns."""
    at, span = concern.recorded_at, timedelta(days=rule["days"])
    params: dict[str, Any] = {"lo": at - span, "hi": at + span}
    for n, (kind, index) in enumerate(keys):
        params[f"k{n}"], params[f"b{n}"] = kind, index
    # This concern's child stands by this concern alone; each other record by its concerns
    # naming the identifier nearest this one (``_named_near``).
    by_key: dict[Key, list[Named]] = {k: [Named(concern.id, at, subject_id)] for k in keys}
    shared: dict[uuid.UUID, set[Key]] = {}
    concerns_of: dict[uuid.UUID, set[uuid.UUID]] = {}
    for kind, index, subject, last_at, last_id, merged in session.execute(
        _sharers(len(keys)), params
    ):
        # Merges are rare: only a merged subject's head is looked up.
        head = subject if merged is None else canonical(session, subject)
        if head == subject_id:
            continue
        near = _named_near(
            session, subject, ("associated", kind, index), (last_id, last_at), at, span
        )
        for cid, when in near:
            by_key.setdefault((kind, index), []).append(Named(cid, when, head))
            shared.setdefault(head, set()).add((kind, index))
            concerns_of.setdefault(head, set()).add(cid)
    others = {s for s in shared if s != subject_id}
    # Exploitation on the other side, and suspicions, are read only for children that
    # need them.
    weighed = [s for s in others if not enough(rule, shared[s], False)]
    context: set[uuid.UUID] = set()
    if mine and weighed:
        context = in_context(session, rule, (c for s in weighed for c in concerns_of[s]))
    wanted = sorted({k for s in weighed for k in shared[s]})
    suspected = _suspected(session, wanted, at - span, at + span) if wanted else set()
    linked = {
        s
        for s in others
        if enough(
            rule, shared[s], mine and bool(concerns_of[s] & context), bool(shared[s] & suspected)
        )
    }
    found = []
    for key, events in sorted(by_key.items()):
        ours = [e for e in events if e.subject_id == subject_id or e.subject_id in linked]
        window = best_window(ours, at, rule["days"])
        children = {e.subject_id for e in window if e.subject_id is not None}
        if len(children) >= rule["children"] and subject_id in children:
            kind, index = key
            found.append(
                Finding(
                    "network",
                    f"{kind}:{index}",
                    children,
                    [(kind, index, e.concern_id, e.at) for e in window],
                    f"one {kind.replace('_', ' ')} linked to {len(children)} children",
                )
            )
    return found


# -- peers -------------------------------------------------------------------------------

# Records holding full names with years of birth, named between their first and last time
# that meets ``lo``..``hi``: one row per record and name.
_PEER_RECORDS = select(_K.c.blind_index, _K.c.subject_id, _K.c.last_at, _K.c.last_concern_id).where(
    _K.c.role == "subject",
    _K.c.kind == "name_year",
    _K.c.blind_index.in_(bindparam("keys", expanding=True)),
    _K.c.first_at <= bindparam("hi"),
    _K.c.last_at >= bindparam("lo"),
)


def peer_findings(
    session: Session,
    active: Active,
    concern: Concern,
    subject_id: uuid.UUID,
    identifiers: list[IdentifierRow],
) -> list[Finding]:
    """Children named as peers are found in their own records (full name and year of birth,
    one child only: a name two children share finds no one). Children who know each other
    are no network; an adult of concern, car or phone named with them is: one finding over
    the group and what this concern names with it."""
    rule = active.rules.patterns["network"]
    if not rule.get("enabled", True):
        return []
    peers = [i for _, i in own_of(identifiers, lambda r: r["role"] == "peer")]
    kinds = set(rule["kinds"])
    adults = own_of(identifiers, lambda r: r["role"] == "associated" and r["kind"] in kinds)
    if not peers or not adults:
        return []
    at, span = concern.recorded_at, timedelta(days=rule["days"])
    by_key: dict[str, dict[uuid.UUID, tuple[uuid.UUID, Any]]] = {}
    for index, subject, last_at, last_id in session.execute(
        _PEER_RECORDS, {"keys": peers, "lo": at - span, "hi": at + span}
    ):
        head = canonical(session, subject)
        if head == subject_id:
            continue
        # The record's latest concern in the window: its latest unless that is later.
        named = (
            (last_id, last_at)
            if last_at <= at + span
            else db_naming(session, subject, ("subject", "name_year", index), at - span, at + span)
        )
        if named is None:
            continue
        cid, when = named
        latest = by_key.setdefault(index, {}).get(head)
        if latest is None or when > latest[1]:
            by_key[index][head] = (cid, when)
    group: dict[uuid.UUID, tuple[str, uuid.UUID, Any]] = {}
    for index, found in by_key.items():
        if len(found) == 1:  # one child only
            ((head, (cid, when)),) = found.items()
            group[head] = (index, cid, when)
    if len(group) + 1 < rule["children"]:
        return []
    evidence = [(kind, index, concern.id, at) for kind, index in adults]
    for index, cid, when in group.values():
        evidence += [("name_year", index, concern.id, at), ("name_year", index, cid, when)]
    return [
        Finding(
            "network",
            f"peers:{concern.id}",
            {subject_id, *group},
            evidence,
            f"an adult of concern named with {len(group) + 1} children who know each other",
        )
    ]
