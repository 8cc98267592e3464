"""Validation and the language check per envelope, before and after their fast paths, against
a raw baseline measured in the same run.

For concerns of about 2 KB as sealed (a real WebAuthn proof, a narrative of several
sentences), prints milliseconds per envelope and the ratio to the raw baseline
(``json.loads`` of the same payload's text) for: validation by marshmallow alone
(``schema.load``, what ``validate`` did before its compiled plan), validation as the
pipeline runs it (``validate``), the language check as it was (every term over the whole
narrative, after one scan with all of them as one) and as it runs now
(``language.counts``), on narratives that flag nothing (most) and on narratives with a
flagged phrase in each. Each figure is the best of several rounds. Before and after are
checked to give the same answers on every payload first.

Run: .venv/bin/python bench/validation.py [--concerns 200] [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import crypto  # noqa: E402
from backend.domain import language  # noqa: E402
from backend.pipeline.ingest import CONCERN_SCHEMA  # noqa: E402
from backend.pipeline.validate import validate  # noqa: E402
from bench.workload import SENTENCES, concern_payload  # noqa: E402
from crypto.encoding import b64url_encode  # noqa: E402
from tests.authenticator import SoftAuthenticator  # noqa: E402

FLAGGED = [
    "Staff say she keeps going missing and is putting herself at risk.",
    "He has an older boyfriend who collects him from school.",
    "She is described as streetwise and as making lifestyle choices.",
]


@cache
def _before_terms() -> tuple[re.Pattern[str], tuple[tuple[str, re.Pattern[str]], ...]]:
    data = json.loads(language.TERMS_FILE.read_text(encoding="utf-8"))
    flags = re.IGNORECASE | re.ASCII
    every = "|".join(f"(?:{p})" for term in data["terms"] for p in term["patterns"])
    terms = tuple(
        (term["id"], re.compile("|".join(term["patterns"]), flags)) for term in data["terms"]
    )
    return re.compile(every, flags), terms


def counts_before(text: str) -> dict[str, int]:
    """The language check as it was: one scan with every pattern, then every term."""
    every, terms = _before_terms()
    if every.search(text) is None:
        return {}
    found = [(m.start(), m.end(), term) for term, regex in terms for m in regex.finditer(text)]
    found.sort(key=lambda f: (f[0], -f[1]))
    kept: list[tuple[int, int, str]] = []
    for f in found:
        if not kept or f[0] >= kept[-1][1]:
            kept.append(f)
    return dict(Counter(term for _, _, term in kept))


def concerns(n: int, flagged: bool) -> list[str]:
    """``n`` concerns of 1.8 to 2.2 KB as their sealed JSON text, each with a real proof."""
    rng = random.Random(11 if flagged else 7)
    device = SoftAuthenticator()
    device.create(
        {"rp": {"id": "localhost"}, "user": {"id": b64url_encode(b"u")}, "challenge": "AA"}
    )
    texts: list[str] = []
    while len(texts) < n:
        payload = concern_payload(rng)
        sentences = rng.choices(SENTENCES, k=rng.randint(4, 12))
        if flagged:
            sentences.insert(rng.randint(0, len(sentences)), rng.choice(FLAGGED))
        payload["narrative"] = " ".join(sentences)
        challenge = crypto.proof_challenge(payload)
        payload["proof"] = {
            "type": "webauthn",
            "credential": device.get({"challenge": b64url_encode(challenge)}),
        }
        text = json.dumps(payload)
        if 1800 <= len(text.encode()) <= 2200:
            texts.append(text)
    return texts


def per_envelope(run: Callable[[Any], Any], inputs: list[Any], rounds: int) -> float:
    """Best of ``rounds`` runs over every input, in milliseconds per input."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for item in inputs:
            run(item)
        best = min(best, time.perf_counter() - start)
    return best / len(inputs) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concerns", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    print(f"{'run':44} {'ms/envelope':>12} {'x raw':>8}")
    for flagged in (False, True):
        texts = concerns(args.concerns, flagged)
        payloads = [json.loads(t) for t in texts]
        narratives = [p["narrative"] for p in payloads]
        for payload, narrative in zip(payloads, narratives, strict=True):
            assert repr(validate(CONCERN_SCHEMA, payload)) == repr(CONCERN_SCHEMA.load(payload))
            assert language.counts(narrative) == counts_before(narrative)
        raw = per_envelope(json.loads, texts, args.rounds)
        kind = "flagged narratives" if flagged else "narratives flagging nothing"
        size = sum(map(len, texts)) / len(texts)
        print(f"-- {len(texts)} concerns of {size:.0f} bytes on average, {kind}")
        rows = [
            ("raw baseline: json.loads", raw),
            (
                "validation before: schema.load",
                per_envelope(CONCERN_SCHEMA.load, payloads, args.rounds),
            ),
            (
                "validation after: validate",
                per_envelope(lambda p: validate(CONCERN_SCHEMA, p), payloads, args.rounds),
            ),
            ("language before: every term", per_envelope(counts_before, narratives, args.rounds)),
            (
                "language after: language.counts",
                per_envelope(language.counts, narratives, args.rounds),
            ),
        ]
        for name, ms in rows:
            print(f"{name:44} {ms:12.4f} {ms / raw:8.1f}")
        before, after = rows[1][1] + rows[3][1], rows[2][1] + rows[4][1]
        print(f"{'validation + language, before / after':44} {before / after:12.2f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
