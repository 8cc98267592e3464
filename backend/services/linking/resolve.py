"""Linking one concern to its child (docs/domain/linking.md): by its strong keys
(``subjects.db_strong``); failing those, by the full name with year of birth at the home
postcode; failing that, a new record. Then weak keys that agree with other records, and
strong keys that found records it may not join, become possible matches for the MASH.
"""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session

from backend.core.db import db_lock
from backend.models import Concern, Subject, new_opaque_id, table_of, utcnow
from backend.services.linking.conflicts import (
    COMPARED,
    STRONG,
    by_kind,
    conflict_of,
    db_held,
    disagrees,
)
from backend.services.linking.locks import subject_lock
from backend.services.linking.matches import db_matches, db_suggest
from backend.services.linking.subjects import (
    TOGETHER,
    WEAK,
    WEAK_AGREE,
    canonical,
    db_strong,
    holders,
    members,
)

# A concern that gives no date of birth and no NHS number (an approximate age, a name and
# a home) is linked to the record holding its full name with year of birth at that home.
AT_HOME = ("name_year", "postcode")

_S, _C = table_of(Subject), table_of(Concern)
# Built once (building a statement costs several times what SQLite takes to run it).
_NEW_SUBJECT = insert(_S)
_LINK_CONCERN = (
    update(_C)
    .where(_C.c.id == bindparam("cid"))
    .values(subject_id=bindparam("sid"), subject_link=bindparam("how"))
)
_SET_CARE = update(_S).where(_S.c.id == bindparam("sid")).values(care_status=bindparam("status"))


def _db_at_home(
    session: Session,
    own: list[tuple[str, str]],
    mine: dict[str, set[str]],
    partnership_id: uuid.UUID,
) -> uuid.UUID | None:
    """The record a concern with no strong key is linked to by its full name with year of
    birth and home postcode (``AT_HOME``), if one holds both and nothing in it disagrees
    (``conflicts.disagrees``): of several, the one holding a name with date of birth, else
    the oldest. Never a merge: the others stay as they are, asked about by weak keys."""
    if any(k in (*STRONG, *TOGETHER) for k, _ in own if k != "postcode"):
        return None
    pairs = [(k, b) for k, b in own if k in AT_HOME]
    if {k for k, _ in pairs} != set(AT_HOME):
        return None
    found = [
        s
        for s, kinds in holders(session, pairs, partnership_id=partnership_id, at_least=2).items()
        if set(AT_HOME) <= kinds
    ]
    agreeing = []
    for subject_id in found:
        held = by_kind(db_held(session, members(session, subject_id)))
        if not disagrees(mine, held):
            agreeing.append((subject_id, "name_dob" not in held))
    if not agreeing:
        return None
    if len(agreeing) > 1:
        created = {s: session.get(Subject, s).created_at for s, _ in agreeing}  # type: ignore[union-attr]
        agreeing.sort(key=lambda a: (a[1], created[a[0]]))
    head = agreeing[0][0]
    # Held until the commit, as strong keys hold what they find; merged meanwhile, the
    # record now stands under the one it was merged into.
    db_lock(session, subject_lock(head))
    session.info.pop("canonical", None)
    return canonical(session, head)


def db_resolve(
    session: Session,
    concern: Concern,
    *,
    partnership_id: uuid.UUID,
    care_status: str | None,
    own: list[tuple[str, str]],
) -> tuple[uuid.UUID, str]:
    """Link the concern to its child; return the subject and which key linked it.

    ``own``: (kind, blind index) of the concern's own subject identifiers (``own_of``)."""
    mine: dict[str, set[str]] = {}
    for kind, index in own:
        if kind in (*COMPARED, "given_dob", "postcode"):
            mine.setdefault(kind, set()).add(index)
    head, matched, flags = db_strong(session, concern, own, mine, partnership_id)
    if head is None and not flags:
        head = _db_at_home(session, own, mine, partnership_id)
        matched = set(AT_HOME) if head is not None else set()
    if head is not None:
        subject_id, link = head, sorted(matched)[0]
    else:
        subject_id, link = new_opaque_id(), "new"
    concern.subject_id, concern.subject_link = subject_id, link
    care = care_status if care_status and care_status != "unknown" else None
    if link == "new":
        session.execute(
            _NEW_SUBJECT,
            {
                "id": subject_id,
                "partnership_id": partnership_id,
                "created_at": utcnow(),
                "care_status": care,
            },
        )
        # Known without asking: a record made this moment stands for itself, and nothing
        # is merged into it (a merge clears these caches; so does a savepoint rolled back).
        session.info.setdefault("canonical", {})[subject_id] = subject_id
        session.info.setdefault("members", {})[subject_id] = [subject_id]
    elif care:
        # Core, not the loaded object: a later flush of that object writes only what
        # changed on it (a merge), never an older care status over this one.
        session.execute(_SET_CARE, {"sid": subject_id, "status": care})
    session.execute(_LINK_CONCERN, {"cid": concern.id, "sid": subject_id, "how": link})
    weak = [(k, b) for k, b in own if k in WEAK]
    # Two weak keys must agree: one alone (a surname sound and a birth year, or a
    # postcode) matched 2.5 other children per concern in a generated population, a
    # queue no MASH could work.
    candidates = {
        c: kinds
        for c, kinds in holders(
            session, weak, partnership_id=partnership_id, at_least=WEAK_AGREE
        ).items()
        if c != subject_id and len(kinds) >= WEAK_AGREE
    }
    known = db_matches(session, subject_id, list(candidates))
    for candidate, kinds in candidates.items():
        db_suggest(session, partnership_id, subject_id, candidate, kinds, known=known)
    for other, (found, differs) in flags.items():
        # Strong keys that point at records which disagree: the MASH decides.
        sides = {subject_id: matched, **found}
        db_suggest(
            session,
            partnership_id,
            subject_id,
            other,
            set().union(*sides.values()),
            conflict=conflict_of(concern.id, sides, differs),
        )
    return subject_id, link
