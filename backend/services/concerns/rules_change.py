"""New routing rules over the API: one partnership admin proposes, a second approves that
exact text (by its SHA-256), and only then is it loaded.

The rules decide who receives every concern: one admin alone could route a child's
concerns to an inbox they sit in, or away from the MASH. The approver sees what changes
(rules added, removed or changed, and a line diff) against the rules live when it was
asked; if other rules went live meanwhile the approval is refused as stale, since the
approver would be approving a change against a version that is no longer there.
(`frontline rules load` on the server, which holds the key ring, stays as it is.)
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import Conflict, Invalid
from backend.models import Approval, Partnership, RuleSetRecord
from backend.routing.ruleset import RulesError, RuleSet
from backend.services.concerns.rules import db_check, db_latest, db_load, db_partnership
from backend.services.identity import approvals
from backend.services.records.audit import Actor

DIFF_LINES = 400  # enough for any real change; a whole new file is summarised by rule ids


def _checked(session: Session, partnership: Partnership, text: str) -> RuleSet:
    try:
        return db_check(session, partnership, text)
    except RulesError as exc:
        raise Invalid(
            "rules.invalid",
            f"The rules file has {len(exc.problems)} problem(s); nothing was changed.",
            errors={"source": exc.problems},
        ) from None


def propose(
    session: Session, *, actor: Actor, text: str
) -> tuple[RuleSetRecord | None, Approval | None]:
    """Check new rules for the admin's partnership; the same as the live ones changes
    nothing (the live record is returned), else ask a second partnership admin."""
    partnership = db_partnership(session, actor.agency_id)
    _checked(session, partnership, text)
    digest = hashlib.sha256(text.encode()).hexdigest()
    latest = db_latest(session, partnership.id)
    if latest is not None and latest.sha256 == digest:
        session.commit()
        return latest, None
    approval = approvals.db_request(
        session,
        actor,
        "rules_load",
        digest,
        actor.agency_id,
        detail={
            "source": text,
            "base_sha256": latest.sha256 if latest else None,
            "base_number": latest.number if latest else None,
        },
    )
    session.commit()
    return None, approval


def db_apply(session: Session, *, approval: Approval, approver: Actor) -> RuleSetRecord:
    """Load the approved text, if it is still the change the approver was shown."""
    detail = approvals.detail_of(approval)
    text = detail["source"]
    if hashlib.sha256(text.encode()).hexdigest() != approval.target:
        raise Conflict("approval.stale", "The proposed rules do not match their hash.")
    partnership = db_partnership(session, approval.agency_id)
    latest = db_latest(session, partnership.id)
    if (latest.sha256 if latest else None) != detail.get("base_sha256"):
        session.rollback()
        raise Conflict(
            "approval.stale",
            "Other rules went live since this was asked for: ask again against them.",
        )
    try:
        record, _ = db_load(session, partnership, text, actor=approver)
    except RulesError as exc:  # agencies or inboxes changed since: nothing is loaded
        session.rollback()
        raise Invalid(
            "rules.invalid", "The rules no longer check.", errors={"source": exc.problems}
        ) from None
    record.loaded_by_id = approval.requested_by_id
    approval.used_at = approval.decided_at
    approvals.db_audit_step(session, "used", approver, approval)
    return record


@dataclass(frozen=True, slots=True)
class RulesChange:
    """What proposed rules change against the version live when they were asked: rule ids
    added, removed and changed, and a line diff (RulesChangeSchema)."""

    sha256: str  # of the exact text proposed
    replaces: int | None  # the live version's number; None if none was live
    label: str | None  # the proposed file's own version; None if it no longer checks
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    diff: tuple[str, ...]  # unified, at most DIFF_LINES lines


def db_summary(session: Session, approval: Approval) -> RulesChange:
    """What the proposed rules change, in words a second admin can check."""
    detail = approvals.detail_of(approval)
    new_text: str = detail.get("source", "")
    partnership = db_partnership(session, approval.agency_id)
    base = None
    if detail.get("base_number") is not None:
        base = session.scalar(
            select(RuleSetRecord).where(
                RuleSetRecord.partnership_id == partnership.id,
                RuleSetRecord.number == detail["base_number"],
            )
        )
    old_text = base.source if base is not None else ""
    label: str | None = None
    added: list[str] = []
    removed: list[str] = []
    changed: list[str] = []
    try:
        new = db_check(session, partnership, new_text)
        old = db_check(session, partnership, old_text) if old_text else None
    except RulesError:
        new, old = None, None
    if new is not None:
        label = new.version
        before = {r.id: r for r in old.rules} if old is not None else {}
        after = {r.id: r for r in new.rules}
        added = sorted(set(after) - set(before))
        removed = sorted(set(before) - set(after))
        changed = sorted(i for i in set(after) & set(before) if after[i] != before[i])
    diff = difflib.unified_diff(
        old_text.splitlines(), new_text.splitlines(), "live", "proposed", lineterm="", n=1
    )
    return RulesChange(
        sha256=approval.target,
        replaces=detail.get("base_number"),
        label=label,
        added=tuple(added),
        removed=tuple(removed),
        changed=tuple(changed),
        diff=tuple(diff)[:DIFF_LINES],
    )
