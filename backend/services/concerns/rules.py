"""Load, version and look up a partnership's routing rules."""

from __future__ import annotations

import hashlib
import threading
import uuid
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from backend.core.errors import NotFound, Unavailable
from backend.models import Agency, Inbox, Partnership, RuleSetRecord
from backend.routing.rules import parse
from backend.routing.ruleset import RulesError, RuleSet
from backend.services.records.audit import SYSTEM, Actor, db_audit


def default_rules_text() -> str:
    """Return the demo partnership's rules: the default matrix of docs/domain/routing.md."""
    return resources.files("backend.routing").joinpath("default_rules.toml").read_text("utf-8")


@dataclass(frozen=True)
class Active:
    """The live rule set of a partnership, with its names resolved to ids."""

    record_id: uuid.UUID
    partnership_id: uuid.UUID
    number: int
    rules: RuleSet
    agencies: dict[str, uuid.UUID]  # agency name -> id
    agency_names: dict[uuid.UUID, str]
    inboxes: dict[tuple[str, str], uuid.UUID]  # (agency, inbox) -> inbox id
    inbox_names: dict[uuid.UUID, tuple[str, str]]


# Parsed rule sets by record id: a record never changes, so an entry never goes stale.
_CACHE: dict[uuid.UUID, Active] = {}
_LOCK = threading.Lock()


def _names(session: Session, partnership_id: uuid.UUID) -> tuple[dict[str, Agency], list[Inbox]]:
    agencies = {
        a.name: a
        for a in session.scalars(select(Agency).where(Agency.partnership_id == partnership_id))
    }
    inboxes = list(
        session.scalars(select(Inbox).where(Inbox.agency_id.in_([a.id for a in agencies.values()])))
    )
    return agencies, inboxes


def db_check(session: Session, partnership: Partnership, text: str) -> RuleSet:
    """Parse ``text`` against the partnership's agencies and inboxes, or raise RulesError."""
    agencies, inboxes = _names(session, partnership.id)
    by_id = {a.id: a.name for a in agencies.values()}
    rules, _ = parse(
        text,
        agencies={name: a.kind.value for name, a in agencies.items()},
        inboxes={(by_id[i.agency_id], i.name) for i in inboxes},
    )
    if rules.partnership and rules.partnership != partnership.name:
        raise RulesError([f"partnership: this file is for {rules.partnership!r}"])
    return rules


def db_load(
    session: Session, partnership: Partnership, text: str, *, actor: Actor = SYSTEM
) -> tuple[RuleSetRecord, bool]:
    """Check and store a new version of the rules; return it and whether it is new.

    Loading the same text as the live version changes nothing. The caller commits.
    """
    rules = db_check(session, partnership, text)
    digest = hashlib.sha256(text.encode()).hexdigest()
    latest = db_latest(session, partnership.id)
    if latest is not None and latest.sha256 == digest:
        return latest, False
    number = (
        session.scalar(
            select(func.max(RuleSetRecord.number)).where(
                RuleSetRecord.partnership_id == partnership.id
            )
        )
        or 0
    ) + 1
    record = RuleSetRecord(
        partnership_id=partnership.id,
        number=number,
        label=rules.version[:100],
        source=text,
        sha256=digest,
        loaded_by_id=actor.user_id,
    )
    session.add(record)
    session.flush()
    db_audit(
        session,
        "rules.loaded",
        actor=actor,
        records=[("ruleset", record.id)],
        detail={"number": number, "label": record.label, "rules": len(rules.rules)},
    )
    return record, True


def db_latest(session: Session, partnership_id: uuid.UUID) -> RuleSetRecord | None:
    return session.scalar(
        select(RuleSetRecord)
        .where(RuleSetRecord.partnership_id == partnership_id)
        .order_by(RuleSetRecord.number.desc())
        .limit(1)
    )


_LATEST = (  # built once: every concern routed looks it up
    select(RuleSetRecord.id)
    .where(RuleSetRecord.partnership_id == bindparam("p"))
    .order_by(RuleSetRecord.number.desc())
    .limit(1)
)


def db_active(session: Session, partnership_id: uuid.UUID) -> Active:
    """Return the partnership's live rules; a partnership with none cannot route (503).

    Looked up once per transaction: rules loaded meanwhile apply from the next one.
    """
    held = session.info.get("rules", {}).get(partnership_id)
    if held is not None:
        return held  # type: ignore[no-any-return]
    active = _db_active(session, partnership_id)
    session.info.setdefault("rules", {})[partnership_id] = active
    return active


def _db_active(session: Session, partnership_id: uuid.UUID) -> Active:
    found = session.execute(_LATEST, {"p": partnership_id}).first()
    if found is None:
        raise Unavailable(
            "routing.no_rules", "No routing rules are loaded: run `frontline rules load`."
        )
    record_id = found[0]
    cached = _CACHE.get(record_id)
    if cached is not None:
        return cached
    record = session.get(RuleSetRecord, record_id)
    partnership = session.get(Partnership, partnership_id)
    assert record is not None  # noqa: S101 - just read
    assert partnership is not None  # noqa: S101
    agencies, inboxes = _names(session, partnership_id)
    agency_names = {a.id: name for name, a in agencies.items()}
    active = Active(
        record_id=record.id,
        partnership_id=partnership_id,
        number=record.number,
        rules=db_check(session, partnership, record.source),
        agencies={name: a.id for name, a in agencies.items()},
        agency_names=agency_names,
        inboxes={(agency_names[i.agency_id], i.name): i.id for i in inboxes},
        inbox_names={i.id: (agency_names[i.agency_id], i.name) for i in inboxes},
    )
    with _LOCK:
        _CACHE[record_id] = active
    return active


def db_partnership(session: Session, agency_id: uuid.UUID | None) -> Partnership:
    agency = session.get(Agency, agency_id) if agency_id else None
    partnership = session.get(Partnership, agency.partnership_id) if agency else None
    if partnership is None:
        raise NotFound("not_found", "You belong to no partnership.")
    return partnership


def current(session: Session, *, actor: Actor) -> RuleSetRecord:
    """The live rules of the admin's partnership."""
    record = db_latest(session, db_partnership(session, actor.agency_id).id)
    if record is None:
        raise NotFound("routing.no_rules", "No routing rules are loaded yet.")
    session.commit()
    return record
