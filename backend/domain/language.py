"""The language check's term list, read by the server for aggregate language metrics.

One data file (``pwa/language.json``) serves the phone's check and these counts, so the two
never disagree about what was flagged. Counts are per term, per concern, from the narrative
only: the child's own words are verbatim and never judged. ``re.ASCII`` makes ``\b`` mean
what it means in JavaScript, so both sides flag the same spans.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

TERMS_FILE = Path(__file__).resolve().parents[2] / "pwa" / "language.json"


@cache
def _compiled(path: Path = TERMS_FILE) -> tuple[tuple[str, re.Pattern[str]], ...]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        (term["id"], re.compile("|".join(term["patterns"]), re.IGNORECASE | re.ASCII))
        for term in data["terms"]
    )


@cache
def _any(path: Path = TERMS_FILE) -> re.Pattern[str]:
    """Every term's patterns as one: a narrative none of them flags (most are) is then
    passed over in one scan instead of one per term."""
    data = json.loads(path.read_text(encoding="utf-8"))
    every = [f"(?:{p})" for term in data["terms"] for p in term["patterns"]]
    return re.compile("|".join(every), re.IGNORECASE | re.ASCII)


def findings(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, term id) of each flagged phrase, earliest and longest first."""
    if _any().search(text) is None:
        return []
    found = [
        (m.start(), m.end(), term) for term, regex in _compiled() for m in regex.finditer(text)
    ]
    found.sort(key=lambda f: (f[0], -f[1]))
    kept: list[tuple[int, int, str]] = []
    for f in found:
        if not kept or f[0] >= kept[-1][1]:
            kept.append(f)
    return kept


def counts(text: str) -> dict[str, int]:
    """Return how often each term was flagged in ``text``."""
    return dict(Counter(term for _, _, term in findings(text)))
