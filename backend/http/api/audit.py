"""GET /api/v1/audit/... (access review for auditors, JSON or CSV) and /dashboard."""

from __future__ import annotations

import uuid

from flask import Response, jsonify

from backend.http.api import bp
from backend.http.api.common import me, query_args, state
from backend.http.db_session import db_session
from backend.http.openapi import operation
from backend.schemas.audit import AccessesSchema, DashboardSchema, ReviewQuerySchema
from backend.services.identity import step_up
from backend.services.identity.step_up import STEP_UP
from backend.services.records import audit_review
from backend.services.records import dashboard as dashboard_service


def _exporting() -> bool:
    """A CSV export leaves the system: it needs a recent step-up (JSON on screen does not)."""
    csv = bool(query_args(ReviewQuerySchema())["format"] == "csv")
    if csv:
        step_up.require_recent(me().verified_at)
    return csv


def _answer(rows: list[audit_review.Access], name: str, csv: bool) -> Response:
    if csv:
        response = Response(audit_review.to_csv(rows), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    return jsonify(AccessesSchema().dump({"accesses": rows}))


@bp.get("/audit/subjects/<uuid:subject_id>")
@operation(
    summary="Who looked at this child's records, when and why (?format=csv to export)",
    tags=["audit"],
    query=ReviewQuerySchema,
    responses={
        200: ("The audited operations", AccessesSchema),
        404: ("No such child", None),
        **STEP_UP,
    },
)
def audit_subject(subject_id: uuid.UUID) -> Response:
    who = me()
    csv = _exporting()
    rows = audit_review.subject_accesses(
        db_session(), state().keyring, actor=who.actor, subject_id=subject_id
    )
    return _answer(rows, f"accesses-subject-{subject_id}", csv)


@bp.get("/audit/people/<uuid:person_id>")
@operation(
    summary="What this person looked at and did (?format=csv to export)",
    tags=["audit"],
    query=ReviewQuerySchema,
    responses={
        200: ("The audited operations", AccessesSchema),
        404: ("No such person", None),
        **STEP_UP,
    },
)
def audit_person(person_id: uuid.UUID) -> Response:
    who = me()
    csv = _exporting()
    rows = audit_review.person_accesses(
        db_session(), state().keyring, actor=who.actor, person_id=person_id
    )
    return _answer(rows, f"accesses-person-{person_id}", csv)


@bp.get("/dashboard")
@operation(
    summary="The partnership's aggregates for its leaders; small counts suppressed",
    tags=["audit"],
    responses={200: ("Aggregates only", DashboardSchema)},
)
def dashboard() -> Response:
    body = dashboard_service.dashboard(db_session(), actor=me().actor)
    return jsonify(DashboardSchema().dump(body))
