"""Every API error is problem+json with a stable code; a 500 reveals nothing."""

from __future__ import annotations

import pytest
from flask import Blueprint
from marshmallow import Schema, fields
from werkzeug.exceptions import Conflict, TooManyRequests

from backend import create_app
from backend.core import errors
from backend.http.access import PUBLIC
from backend.http.problems import PROBLEM_JSON, STATUS_OF, Problem, status_of
from backend.http.web import json_body

CSRF = {"X-Requested-With": "frontline"}


class _Thing(Schema):
    name = fields.String(required=True)


def _probe_blueprint() -> Blueprint:
    """Views that exercise the shared error paths the first endpoints do not reach yet."""
    bp = Blueprint("probe", __name__, url_prefix="/api/v1/probe")

    @bp.post("/echo")
    def echo():  # type: ignore[no-untyped-def]
        return json_body(_Thing())

    @bp.get("/conflict")
    def conflict():  # type: ignore[no-untyped-def]
        raise Conflict()

    @bp.get("/busy")
    def busy():  # type: ignore[no-untyped-def]
        raise TooManyRequests()

    @bp.get("/forbidden")
    def forbidden():  # type: ignore[no-untyped-def]
        raise Problem(403, "forbidden", "Not yours.")

    @bp.get("/boom")
    def boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internal detail /srv/frontline/db password=hunter2")

    @bp.get("/private")
    def private():  # type: ignore[no-untyped-def]
        return {"ok": True}

    return bp


@pytest.fixture
def probe(config, monkeypatch):  # type: ignore[no-untyped-def]
    app = create_app(config)
    app.register_blueprint(_probe_blueprint())
    public = set(PUBLIC) | {
        "probe.echo",
        "probe.conflict",
        "probe.busy",
        "probe.forbidden",
        "probe.boom",
    }
    monkeypatch.setattr("backend.http.access.PUBLIC", frozenset(public))
    yield app.test_client()
    app.extensions["frontline"].engine.dispose()


def _assert_problem(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:frontline:problem:{code}"
    assert body["title"]
    assert body["detail"]
    return body


def test_400_malformed_json(probe) -> None:  # type: ignore[no-untyped-def]
    r = probe.post(
        "/api/v1/probe/echo", data="{nope", content_type="application/json", headers=CSRF
    )
    _assert_problem(r, 400, "request.malformed_json")


def test_401_anonymous_before_validation(probe) -> None:  # type: ignore[no-untyped-def]
    _assert_problem(probe.get("/api/v1/probe/private"), 401, "auth.required")


def test_403(probe) -> None:  # type: ignore[no-untyped-def]
    _assert_problem(probe.get("/api/v1/probe/forbidden"), 403, "forbidden")


def test_403_state_change_without_csrf_header(probe) -> None:  # type: ignore[no-untyped-def]
    r = probe.post("/api/v1/probe/echo", json={"name": "x"})
    _assert_problem(r, 403, "csrf.header_missing")


def test_404_unknown_api_path(client) -> None:  # type: ignore[no-untyped-def]
    _assert_problem(client.get("/api/v1/nothing-here"), 404, "not_found")
    _assert_problem(client.get("/api/v2/keys"), 404, "not_found")


def test_405(client) -> None:  # type: ignore[no-untyped-def]
    r = client.delete("/api/v1/keys", headers=CSRF)
    _assert_problem(r, 405, "method_not_allowed")
    assert "GET" in r.headers["Allow"]


def test_409(probe) -> None:  # type: ignore[no-untyped-def]
    _assert_problem(probe.get("/api/v1/probe/conflict"), 409, "conflict")


def test_413_oversized_body(probe, app) -> None:  # type: ignore[no-untyped-def]
    too_big = b"x" * (app.extensions["frontline"].config.max_request_bytes + 1)
    r = probe.post(
        "/api/v1/probe/echo", data=too_big, content_type="application/json", headers=CSRF
    )
    _assert_problem(r, 413, "request.too_large")


def test_415_wrong_content_type(probe) -> None:  # type: ignore[no-untyped-def]
    r = probe.post("/api/v1/probe/echo", data="name=x", content_type="text/plain", headers=CSRF)
    _assert_problem(r, 415, "request.unsupported_media_type")


def test_422_validation_names_the_field(probe) -> None:  # type: ignore[no-untyped-def]
    r = probe.post("/api/v1/probe/echo", json={"name": 5, "extra": 1}, headers=CSRF)
    body = _assert_problem(r, 422, "validation.failed")
    assert set(body["errors"]) == {"name", "extra"}


def test_429(probe) -> None:  # type: ignore[no-untyped-def]
    _assert_problem(probe.get("/api/v1/probe/busy"), 429, "rate_limited")


def test_500_reveals_no_internals(probe, capfd) -> None:  # type: ignore[no-untyped-def]
    r = probe.get("/api/v1/probe/boom")
    body = _assert_problem(r, 500, "server.error")
    text = r.get_data(as_text=True)
    assert "hunter2" not in text
    assert "RuntimeError" not in text
    assert "/srv" not in text
    assert body["detail"] == "Something went wrong on our side."
    logged = capfd.readouterr().err
    assert "RuntimeError" in logged
    assert "hunter2" not in logged


def _kinds() -> list[type[errors.DomainError]]:
    found = [getattr(errors, name) for name in errors.__all__]
    return [k for k in found if issubclass(k, errors.DomainError) and k is not errors.DomainError]


def test_every_kind_of_refusal_has_one_status() -> None:
    kinds = _kinds()
    assert len(kinds) == 8
    assert set(kinds) == set(STATUS_OF)
    assert len({STATUS_OF[k] for k in kinds}) == len(kinds)  # no two kinds answer alike


def test_a_kind_of_a_kind_answers_as_its_parent() -> None:
    from backend.services.identity.approvals import ApprovalRequired

    refused = ApprovalRequired("no approval was named")
    assert (status_of(refused), refused.code) == (409, "approval.required")
    assert str(refused) == "no approval was named"


@pytest.mark.parametrize("kind", _kinds(), ids=lambda k: k.__name__)
def test_a_services_refusal_keeps_its_code_words_and_fields(config, kind) -> None:  # type: ignore[no-untyped-def]
    app = create_app(config)
    bp = Blueprint("refusal", __name__, url_prefix="/api/v1/refusal")

    @bp.get("/")
    def refuse():  # type: ignore[no-untyped-def]
        raise kind("thing.refused", "Not like that.", errors={"thing": ["not this"]})

    app.register_blueprint(bp)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("backend.http.access.PUBLIC", frozenset(PUBLIC) | {"refusal.refuse"})
        body = _assert_problem(
            app.test_client().get("/api/v1/refusal/"), STATUS_OF[kind], "thing.refused"
        )
    app.extensions["frontline"].engine.dispose()
    assert body["detail"] == "Not like that."
    assert body["errors"] == {"thing": ["not this"]}
