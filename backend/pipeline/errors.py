"""Why an envelope was refused: the sender's fault, with a stable code for the phone.

A service's refusal (``backend.core.errors``) becomes a rejection here and nowhere else:
the phone sees the pipeline step's code and the service's words.
"""

from __future__ import annotations

from backend.core.errors import DomainError


class Rejected(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def rejected_from(error: DomainError, code: str) -> Rejected:
    """The rejection a pipeline step gives, under its own ``code``, for a service's refusal."""
    return Rejected(code, error.detail)
