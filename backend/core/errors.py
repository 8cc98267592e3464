"""The one domain error the API answers with; free of Flask so services can raise it."""

from __future__ import annotations

from typing import Any


class Problem(Exception):
    """An error the API answers as RFC 9457 problem+json; raise it anywhere below a view."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
