"""The OpenAPI 3.1 document is valid and describes every /api/v1 route."""

from __future__ import annotations

import re

from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator


def test_document_is_valid_openapi_31(client) -> None:  # type: ignore[no-untyped-def]
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    validate(spec, cls=OpenAPIV31SpecValidator)
    assert "Problem" in spec["components"]["schemas"]


def test_every_api_route_is_described(app, client) -> None:  # type: ignore[no-untyped-def]
    spec = client.get("/api/v1/openapi.json").get_json()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        assert path in spec["paths"], rule.rule
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            assert method.lower() in spec["paths"][path], (rule.rule, method)


def test_keys_match_their_schema(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/api/v1/keys").get_json()
    (key,) = body["keys"]
    assert key["kty"] == "EC"
    assert key["crv"] == "P-256"
    assert key["use"] == "enc"
    assert key["alg"] == "ECDH-ES"
    assert key["kid"].startswith("seal-")
    assert "d" not in key
