"""What the phone is told about each envelope (docs/contract.md, POST /api/v1/sync): its
result, and with it why it was refused or, for a concern about a child already known, whom
to contact. The API dumps these with SyncResultSchema as they are."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an envelope was rejected: a stable code the phone acts on, and words for a person."""

    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class Contact:
    inbox: str
    agency: str


@dataclass(frozen=True, slots=True)
class Known:
    """The child is already known: whom the recorder should contact, the partnership's front
    door first; never what is held, nor where else (``backend/pipeline/link.py``)."""

    contact: tuple[Contact, ...]


@dataclass
class Result:
    """One envelope's outcome, as the phone receives it (docs/contract.md, POST /api/v1/sync)."""

    client_id: str | None
    status: str
    concern_id: uuid.UUID | None = None
    addendum_id: uuid.UUID | None = None
    # A record other than a concern or addendum (a return interview): its kind and id,
    # given instead of concern_id (docs/contract.md, "Additions").
    kind: str | None = None
    record_id: uuid.UUID | None = None
    error: Refusal | None = None
    known: Known | None = None

    @classmethod
    def rejected(cls, client_id: str | None, code: str, detail: str) -> Result:
        return cls(client_id, "rejected", error=Refusal(code, detail))
