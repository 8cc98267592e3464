"""The OpenAPI 3.1 document, generated from the marshmallow schemas and the URL map.

Every /api/v1 view declares its operation with ``@operation``; the generator walks the
URL map, so an endpoint without a declaration fails the OpenAPI test instead of going
undocumented.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema

from backend.schemas.common import ProblemSchema

F = TypeVar("F", bound=Callable[..., Any])
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def operation(
    *,
    summary: str,
    tags: list[str],
    responses: dict[int, tuple[str, type[Schema] | None]],
    request: type[Schema] | None = None,
    query: type[Schema] | None = None,
    public: bool = False,
) -> Callable[[F], F]:
    """Attach an OpenAPI operation to a view: its summary, request schema and responses."""

    def wrap(view: F) -> F:
        view.openapi = {  # type: ignore[attr-defined]
            "summary": summary,
            "tags": tags,
            "responses": responses,
            "request": request,
            "query": query,
            "public": public,
        }
        return view

    return wrap


def _problem_ref(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": "Problem"}},
    }


def _param_schema(converter: str) -> dict[str, str]:
    if converter == "uuid":
        return {"type": "string", "format": "uuid"}
    return {"type": "string"}


def build_spec(app: Flask) -> dict[str, Any]:
    """Return the OpenAPI 3.1 document for every /api/v1 route of this app."""
    spec = APISpec(
        title="Frontline API",
        version="1",
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={
            "description": "Sealed safeguarding concerns, inboxes and alerts (docs/contract.md)."
        },
    )
    spec.components.schema("Problem", schema=ProblemSchema)
    spec.components.security_scheme(
        "session", {"type": "apiKey", "in": "cookie", "name": "frontline_session"}
    )
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/v1"):
            continue
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "openapi", None)
        if meta is None:
            continue
        path = _PARAM.sub(r"{\2}", rule.rule)
        params = [
            {"name": name, "in": "path", "required": True, "schema": _param_schema(conv)}
            for conv, name in _PARAM.findall(rule.rule)
        ]
        if meta.get("query") is not None:
            params.append({"in": "query", "schema": meta["query"]})
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op: dict[str, Any] = {
                "summary": meta["summary"],
                "tags": meta["tags"],
                "operationId": f"{rule.endpoint}.{method.lower()}",
                "responses": {},
            }
            if params:
                op["parameters"] = params
            if meta["request"] is not None:
                op["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": meta["request"]}},
                }
            for status, (description, schema) in meta["responses"].items():
                if status >= 400:
                    op["responses"][str(status)] = _problem_ref(description)
                elif schema is None:
                    op["responses"][str(status)] = {"description": description}
                else:
                    op["responses"][str(status)] = {
                        "description": description,
                        "content": {"application/json": {"schema": schema}},
                    }
            if not meta["public"]:
                op["security"] = [{"session": []}]
                op["responses"].setdefault("401", _problem_ref("Not signed in"))
            if method in ("POST", "PUT", "PATCH", "DELETE"):
                op["responses"].setdefault("403", _problem_ref("Missing CSRF header"))
            op["responses"].setdefault("default", _problem_ref("Any other error"))
            paths.setdefault(path, {})[method.lower()] = op
    for path, ops in paths.items():
        spec.path(path=path, operations=ops)
    return spec.to_dict()
