"""The domain's refusals: one hierarchy, each error carrying a stable code and plain words.

Services raise these and know nothing of HTTP. The kind of refusal is the class; what was
refused is the ``code`` (``"invite.expired"``, ``"approval.same_person"``), stable because
phones, scripts and tests act on it; ``detail`` says it in words a person can act on.

Where each kind goes:
- the API answers with a status chosen in one table, ``backend.http.problems.STATUS_OF``;
- the ingest pipeline turns a refusal into a rejection in one place,
  ``backend.pipeline.errors.rejected_from``;
- the CLI prints the code and the words.

May import: nothing of ours.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Conflict",
    "DomainError",
    "Gone",
    "Invalid",
    "Malformed",
    "NotAuthenticated",
    "NotFound",
    "NotPermitted",
    "Unavailable",
]


class DomainError(Exception):
    """A refusal by the domain. ``errors`` names fields and what is wrong with each."""

    def __init__(self, code: str, detail: str, *, errors: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.errors = errors


class Malformed(DomainError):
    """The request itself is incomplete or not of the expected form."""


class NotAuthenticated(DomainError):
    """Who is asking is not established: no sign-in, or a passkey that does not prove it."""


class NotPermitted(DomainError):
    """The person is known, and this is not theirs to do."""


class NotFound(DomainError):
    """There is no such thing, or none the person may know of."""


class Conflict(DomainError):
    """The thing exists but its state refuses this now (decided, disabled, on hold)."""


class Gone(DomainError):
    """The thing was used up, withdrawn, expired or erased, and will not come back."""


class Invalid(DomainError):
    """Well-formed, but what it says cannot be accepted (an unknown agency, broken rules)."""


class Unavailable(DomainError):
    """Not ready to do this at all until an operator acts (no routing rules are loaded)."""
