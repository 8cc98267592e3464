"""RFC 9457 problem documents: the one error shape of the API, mapped in one place."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, json
from sqlalchemy.exc import DBAPIError, PendingRollbackError
from werkzeug.exceptions import HTTPException

import crypto
from backend.core.errors import (
    Conflict,
    DomainError,
    Gone,
    Invalid,
    Malformed,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    Unavailable,
)

log = logging.getLogger("frontline.errors")

PROBLEM_JSON = "application/problem+json"

__all__ = [
    "PROBLEM_JSON",
    "STATUS_CODES",
    "STATUS_OF",
    "Problem",
    "init_app",
    "problem_response",
    "status_of",
]

# The one table from a domain refusal to the status the API answers it with. The error's
# code and words pass through unchanged; only its kind decides the status.
STATUS_OF: dict[type[DomainError], int] = {
    Malformed: 400,
    NotAuthenticated: 401,
    NotPermitted: 403,
    NotFound: 404,
    Conflict: 409,
    Gone: 410,
    Invalid: 422,
    Unavailable: 503,
}


def status_of(error: DomainError) -> int:
    """The status for a refusal: its nearest kind in the table (a kind is a subclass)."""
    for kind in type(error).__mro__:
        if kind in STATUS_OF:
            return STATUS_OF[kind]
    raise TypeError(f"{type(error).__name__} is not in STATUS_OF")  # a test keeps it full


class Problem(Exception):
    """An answer the HTTP layer gives as problem+json: a status decided here, not below."""

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


# A stable machine code for every status the API can answer with.
STATUS_CODES = {
    400: "request.bad",
    401: "auth.required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "request.too_large",
    415: "request.unsupported_media_type",
    422: "validation.failed",
    429: "rate_limited",
    500: "server.error",
    503: "server.unavailable",
}


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build a problem+json response."""
    body: dict[str, Any] = {
        "type": f"urn:frontline:problem:{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _crypto_status(exc: crypto.CryptoError) -> int:
    if isinstance(exc, crypto.EnvelopeTooLarge):
        return 413
    if isinstance(exc, crypto.EnvelopeInvalid):
        return 422
    return 503  # a key or stored ciphertext problem is ours, not the caller's: fail closed


def init_app(app: Flask) -> None:
    @app.errorhandler(Problem)
    def _problem(exc: Problem) -> Response:
        return problem_response(
            exc.status, exc.code, exc.detail, errors=exc.errors, headers=exc.headers
        )

    @app.errorhandler(DomainError)
    def _refused(exc: DomainError) -> Response:
        return problem_response(status_of(exc), exc.code, exc.detail, errors=exc.errors)

    @app.errorhandler(crypto.CryptoError)
    def _crypto(exc: crypto.CryptoError) -> Response:
        status = _crypto_status(exc)
        if status >= 500:
            log.error("crypto failure", extra={"code": exc.code})
            return problem_response(status, "server.unavailable", "Try again later.")
        return problem_response(status, exc.code, str(exc))

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PendingRollbackError)  # a connection lost mid-transaction, seen later
    def _storage(exc: DBAPIError | PendingRollbackError) -> Response:
        # The database refused or failed mid-request: the transaction is rolled back (the
        # request's session is closed on teardown) and nothing half-written stays. The
        # caller may try again; the error's text (which may quote values) is never logged.
        cause = exc.orig if isinstance(exc, DBAPIError) else exc
        log.error("storage failure", extra={"code": type(cause).__name__})
        return problem_response(
            503, "server.unavailable", "Try again later.", headers={"Retry-After": "30"}
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        code = STATUS_CODES.get(status, "http.error")
        detail = {
            404: "There is nothing at this address.",
            405: "This address does not accept that method.",
            413: "The request body is over the size limit.",
        }.get(status, exc.description or HTTPStatus(status).description)
        headers = {}
        if status == 405 and exc.get_response().headers.get("Allow"):
            headers["Allow"] = exc.get_response().headers["Allow"]
        return problem_response(status, code, detail, headers=headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        # The traceback goes to the log (which carries no request data); the caller learns
        # nothing about internals.
        log.exception("unhandled error")
        return problem_response(500, "server.error", "Something went wrong on our side.")
