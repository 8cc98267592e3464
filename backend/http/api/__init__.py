"""The /api/v1 blueprint: thin views that parse, call one service and serialise."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from backend.http.api import (  # noqa: E402,F401  (registers the views)
    admin,
    agency,
    audit,
    auth,
    challenges,
    concerns,
    inbox,
    keys,
    links,
    me,
    meta,
    missing,
    profiles,
    push,
    rules,
    suspicions,
    sync,
)
