"""Why a record is read: a code for the audit log, and any note sealed with the record.

DPA 2018 s.62 wants each consultation logged with who and when, and Frontline logs why.
The log is append-only and outlives every record, so it holds a code from this list and
never the reader's own words; those are sealed under the record's data key (``ReadNote``)
and destroyed with it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import Enum

from sqlalchemy.orm import Session

import crypto
from backend.core.errors import Malformed
from backend.models import ReadNote, insert_into, new_id, utcnow
from backend.services.records.sealed import seal

NOTE_MAX = 500


class ReadPurpose(str, Enum):
    """Why a record is opened, in the words of the work (docs/domain/routing.md, Working
    Together 2023): the front door's screening and decision, the meetings and
    assessments that follow, missing episodes, supervision and escalation, and the
    reviews, court work and information requests that come later."""

    ASSESS_NEW_CONCERN = "assess_new_concern"
    DECIDE = "decide"
    STRATEGY_DISCUSSION = "strategy_discussion"
    MULTI_AGENCY_MEETING = "multi_agency_meeting"
    ASSESSMENT = "assessment"
    MISSING_EPISODE = "missing_episode"
    ADD_ADDENDUM = "add_addendum"
    CHECK_OWN_RECORD = "check_own_record"
    SUPERVISION = "supervision"
    ESCALATION_REVIEW = "escalation_review"
    SAFEGUARDING_REVIEW = "safeguarding_review"
    COURT_OR_LEGAL = "court_or_legal"
    SUBJECT_ACCESS = "subject_access"
    OTHER = "other"


# What access reviews and the phone say for each code (pwa/vocab.js holds the same words).
WORDS: dict[str, str] = {
    "assess_new_concern": "Screening a new concern",
    "decide": "Deciding what to do with a referral",
    "strategy_discussion": "Strategy discussion",
    "multi_agency_meeting": "Multi-agency meeting or conference",
    "assessment": "Assessment of the child and family",
    "missing_episode": "Missing episode: search or return interview",
    "add_addendum": "Recording an addendum",
    "check_own_record": "Checking a record I made",
    "supervision": "Supervision",
    "escalation_review": "Reviewing an escalation",
    "safeguarding_review": "Safeguarding practice review or audit",
    "court_or_legal": "Court or legal proceedings",
    "subject_access": "Subject access or information request",
    "other": "Other (said why in a sealed note)",
}
# An entry written before purposes were codes holds free text, as does a retention
# decision's reason (kept with the decision itself): reviews never show it.
UNCODED = "uncoded"
UNCODED_WORDS = "given as free text before purposes were coded; not shown"


@dataclass(frozen=True)
class Purpose:
    """A read's purpose: the code the log keeps, and the reader's note if they gave one."""

    code: ReadPurpose
    note: str | None = None


def purpose_of(code: str | None, note: str | None) -> Purpose:
    """Check a purpose as asked for; each refusal has its own problem code."""
    if not code or not code.strip():
        raise Malformed("concern.purpose_required", "Say why you are opening this record.")
    try:
        known = ReadPurpose(code.strip())
    except ValueError:
        # Free text here would land in the unerasable log: only a code is taken.
        raise Malformed(
            "concern.purpose_unknown",
            "Give the purpose as one of the codes; put any words in purpose_note.",
        ) from None
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_MAX:
        raise Malformed(
            "concern.purpose_note_too_long", f"A note is at most {NOTE_MAX} characters."
        )
    if known is ReadPurpose.OTHER and note is None:
        raise Malformed("concern.purpose_note_required", "Say why in purpose_note.")
    return Purpose(known, note)


def words(logged: str | None) -> tuple[str | None, str | None]:
    """A logged purpose as an access review shows it: (code, words); free text is withheld."""
    if logged is None:
        return None, None
    if logged in WORDS:
        return logged, WORDS[logged]
    return UNCODED, UNCODED_WORDS


def db_seal_note(
    session: Session, key: crypto.DataKey, note: str, *, concern_id: uuid.UUID
) -> uuid.UUID:
    """Seal a reader's note under the record's data key; return its row's id (for the log)."""
    note_id = new_id()
    session.execute(
        insert_into(ReadNote),
        {
            "id": note_id,
            "concern_id": concern_id,
            "created_at": utcnow(),
            "crypto_note": seal(key, note, table="read_notes", row_id=note_id, field="note"),
        },
    )
    return note_id
