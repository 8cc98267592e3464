"""The PWA's JavaScript modules: their own unit tests (node --test), and the places where
the phone and the server must agree byte for byte — canonical JSON and the proof challenge,
sealing, and the language check's counts."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

import crypto
from backend.domain import language
from backend.pipeline.validate import validate
from backend.schemas.concern import Concern
from bench.writing import ASSERTION_SHAPE
from crypto.encoding import b64url_decode
from tests.crypto.helpers import VECTORS, vector_ring
from tests.factories import make_concern

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")


def _node(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    assert NODE is not None
    return subprocess.run(
        [NODE, *args], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=120
    )


def test_node_unit_tests_pass() -> None:
    run = _node("--test", "tests/js/")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout


TEXTS = [
    "She keeps putting herself at risk and is streetwise. Her older boyfriend, a gang member.",
    "Found at 02:10 in a grey car with an adult male; she said he gave her a new phone.",
    "Staff said she was prostituting herself; child prostitution; WILFUL; hard to reach.",
    "risk-taking behaviour, risky choices, exchanging sex, drugs in return for sex, sexting.",
    "He was recruited as a runner; a drug runner; money mules; plugging; gift girls; slave.",
]


def _crosscheck() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    documents = [
        make_concern(),
        make_concern(location={"lat": 51.7520, "lon": -1.2577, "description": "Café ﬁ 😀"}),
        {"é": 1, "\U0001f600": [1.5, 1e21, 0.000001, -0.0, 10], "a": "\u0007\u2028"},
    ]
    request = {
        "documents": documents,
        "plaintext": "Zoë 🙂",
        "jwk": VECTORS["recipient"]["jwk"],
        "kid": VECTORS["recipient"]["kid"],
        "texts": TEXTS,
        "client_id": str(uuid.uuid4()),
    }
    run = _node("tests/pwa/crosscheck.mjs", stdin=json.dumps(request))
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout), documents


def test_phone_and_server_agree_on_canonical_json_challenges_seals_and_language() -> None:
    out, documents = _crosscheck()
    for document, text, challenge in zip(
        documents, out["canonical"], out["challenges"], strict=True
    ):
        assert text.encode() == crypto.canonical_json(document)
        assert challenge == crypto.proof_challenge(document).hex()
    header = json.loads(b64url_decode(out["sealed"].split(".")[0]))
    assert header["alg"] == "ECDH-ES"
    assert header["kid"] == VECTORS["recipient"]["kid"]
    opened = crypto.open_envelope(out["sealed"], vector_ring())
    assert opened.plaintext.decode() == "Zoë 🙂"
    assert out["counts"] == [language.counts(t) for t in TEXTS]
    assert all(out["counts"][i] for i in (0, 2, 3, 4))
    assert out["counts"][1] == {}


def test_the_form_builds_a_concern_the_server_accepts() -> None:
    out, _ = _crosscheck()
    # The proof is checked by its own step; the schema only needs its shape.
    proof = {"type": "webauthn", "credential": ASSERTION_SHAPE}
    loaded = validate(Concern(), {**out["built"], "proof": proof})
    assert loaded["categories"] == ["missing"]
    assert loaded["subject"]["approx_age"] == 14
    assert [i["code"] for i in loaded["indicators"]] == ["adult_of_concern", "found_far_from_home"]


def test_the_phone_offers_exactly_the_purpose_codes_the_server_takes() -> None:
    from backend.services.concerns.purposes import ReadPurpose

    script = "import('./pwa/vocab.js').then((v) => console.log(JSON.stringify(v.PURPOSES)))"
    done = _node("--input-type=module", "-e", script)
    assert done.returncode == 0, done.stderr
    assert list(json.loads(done.stdout)) == [p.value for p in ReadPurpose]
