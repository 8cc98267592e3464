"""JSON nested deeper than the cap (ASVS 15.2.2) is refused with its own code, in a request
body on every endpoint or inside a sealed envelope: never a 500 and never a quarantine."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from sqlalchemy import select

import crypto
from backend.core.jsontext import MAX_DEPTH, TooDeep, strict_json
from backend.models import Receipt, ReceiptStatus
from crypto.encoding import b64url_encode
from tests.factories import H, person, sync


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


DEPTHS = [MAX_DEPTH + 1, 60_000]  # just over the cap; far past the parser's stack


def _mixed(depth: int, deepest_last: bool) -> str:
    """Objects and arrays in turn, ``depth`` deep, with siblings beside the deep branch
    that hold containers of their own (two levels at most, and none at the two innermost
    levels, where they would be the deepest)."""
    text = "1"
    for level in range(depth):
        if level < 2:
            siblings = ['"x"', "3"] if level % 2 else ['"a": null']
        else:
            siblings = ['"x"', "{}", "[[]]"] if level % 2 else ['"a": []', '"b": {"c": 2}']
        if level % 2:
            parts = [*siblings, text] if deepest_last else [text, *siblings]
            text = "[" + ", ".join(parts) + "]"
        else:
            parts = [*siblings, f'"z": {text}'] if deepest_last else [f'"0": {text}', *siblings]
            text = "{" + ", ".join(parts) + "}"
    return text


@pytest.mark.parametrize("deepest_last", [True, False])
def test_15_2_2_the_cap_is_exact_whichever_branch_is_deep(deepest_last: bool) -> None:
    assert strict_json(_mixed(MAX_DEPTH, deepest_last)) is not None
    with pytest.raises(TooDeep):
        strict_json(_mixed(MAX_DEPTH + 1, deepest_last))
    assert strict_json("7") == 7
    assert strict_json('"deep"') == "deep"


@pytest.mark.parametrize("depth", DEPTHS)
def test_15_2_2_deep_json_bodies_answer_400_on_every_endpoint(app, depth) -> None:  # type: ignore[no-untyped-def]
    signed_in, _, _ = person(app, roles=("recorder",))
    body = '{"credential": ' + _nested(depth) + "}"
    answered = {}
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}
        if not methods or not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<[^>]+>", str(uuid.uuid4()), rule.rule)
        for client in (app.test_client(), signed_in):
            for method in methods:
                r = client.open(
                    path, method=method, data=body, headers=H, content_type="application/json"
                )
                assert r.status_code < 500, (method, rule.rule)
                if r.status_code == 400:
                    answered[rule.rule] = r.get_json()["code"]
    public = {"/api/v1/auth/login/finish", "/api/v1/auth/enrol/begin", "/api/v1/auth/enrol/finish"}
    assert public | {"/api/v1/sync"} <= set(answered)
    assert set(answered.values()) == {"request.too_deep"}


def _seal_text(app: Any, text: str) -> str:
    return crypto.seal_to_ring(text.encode(), app.extensions["frontline"].keyring)


@pytest.mark.parametrize("depth", DEPTHS)
def test_15_2_2_a_deep_sealed_payload_is_refused_not_quarantined(app, sessions, depth) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = person(app, roles=("recorder",))
    client_id = str(uuid.uuid4())
    text = json.dumps({"schema": "frontline.concern/1", "client_id": client_id})
    text = text[:-1] + ', "narrative": ' + _nested(depth) + "}"
    (r,) = sync(client, {"client_id": client_id, "jwe": _seal_text(app, text)})
    assert (r["status"], r["error"]["code"]) == ("rejected", "concern.too_deep")
    with sessions() as s:
        receipt = s.scalar(select(Receipt))
    assert receipt.status is ReceiptStatus.REJECTED
    # Sent again, it is answered from its receipt: refused, never "kept and retried".
    (again,) = sync(client, {"client_id": client_id, "jwe": _seal_text(app, text)})
    assert again["error"]["code"] == "concern.too_deep"


def test_15_2_2_a_deep_envelope_header_is_malformed_not_a_500(app) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = person(app, roles=("recorder",))
    header = b64url_encode(("[" * 60_000 + "]" * 60_000).encode())
    jwe = f"{header}..{'A' * 16}.{'A' * 16}.{'A' * 22}"
    (r,) = sync(client, {"client_id": str(uuid.uuid4()), "jwe": jwe})
    assert (r["status"], r["error"]["code"]) == ("rejected", "envelope.malformed")
