"""No narrative makes the server stall (ASVS 15.2.2, 1.3.12): the language check takes
linear work on any narrative (and ingest runs it outside the write transaction:
tests/pipeline/test_language_check.py).

The language check's work is counted, not timed (tests/domain/regex_work.py): a loaded
machine cannot make these tests flaky, and a quadratic pattern cannot pass them.
"""

from __future__ import annotations

import json
import re

import pytest

from backend.domain import language
from backend.schemas.concern import TEXT_LIMIT
from tests.domain.regex_work import Stepper, lead_ins, unsafe

TERMS = json.loads(language.TERMS_FILE.read_text(encoding="utf-8"))["terms"]
PATTERNS = [p for term in TERMS for p in term["patterns"]]
# The pattern a review found quadratic: "street" and 20,000 spaces took 1.4 s a narrative.
QUADRATIC = r"\bstreet\s*-?\s*wise\b"


def _findings_work(text: str) -> int:
    """Steps a backtracking engine takes for what ``language.findings`` runs: every term's
    patterns over the whole text (a term passed over for want of its words does less; the
    words are looked for by plain substring search, linear on any text)."""
    steps = 0
    for term in TERMS:
        # Linear patterns take a few steps a character; stop one far past that early.
        stepper = Stepper("|".join(term["patterns"]), budget=200 * (len(text) + 1))
        found = list(stepper.finditer(text))
        # The stepper is a faithful model: it finds what re finds.
        regex = re.compile("|".join(term["patterns"]), re.IGNORECASE | re.ASCII)
        assert found == [m.span() for m in regex.finditer(text)], term["id"]
        steps += stepper.steps
    return steps


def _fill(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _adversarial(size: int) -> dict[str, str]:
    """Narratives built to make each pattern's quantifiers run long: every lead-in followed
    by one long run of what its quantifier takes, by many short runs, or repeated bare."""
    leads = sorted({lead for pattern in PATTERNS + [QUADRATIC] for lead in lead_ins(pattern)})
    texts = {
        "street and spaces": "street" + " " * (size - 6),
        "street, dash and spaces": "street -" + " " * (size - 8),
        "many lead-ins, short runs": _fill("".join(a + b * 3 + "!" for a, b in leads), size),
        "many lead-ins, bare": _fill(" ".join(a for a, _ in leads) + " ", size),
        "flagged phrases": _fill("a willful, streetwise girl, putting herself at risk. ", size),
    }
    for text, run in leads[:: max(1, len(leads) // 6)]:
        texts[f"{text!r} and one run"] = text + _fill(run, size - len(text))
    return texts


def test_1_3_12_every_language_pattern_is_linear_by_construction() -> None:
    assert {p: unsafe(p) for p in PATTERNS} == {p: [] for p in PATTERNS}
    # The rule sees what made the old pattern quadratic, and the classic nested forms.
    assert unsafe(QUADRATIC)
    assert all(unsafe(p) for p in (r"(?:a+)+b", r"\s+x", r"a\s.\s*b", r"(?:\w|\d)*x"))


@pytest.mark.slow  # over 2 s: runs a quadratic pattern on purpose
def test_1_3_12_work_counts_see_a_quadratic_pattern() -> None:
    # The measuring stick works: the old pattern's steps quadruple when the text doubles.
    def work(size: int) -> int:
        stepper = Stepper(QUADRATIC)
        list(stepper.finditer("street" + " " * size))
        return stepper.steps

    assert work(2_000) / work(1_000) > 3.5


@pytest.mark.slow  # about 15 s: long adversarial texts, counted step by step
def test_15_2_2_adversarial_narratives_take_linear_work() -> None:
    half, full = _adversarial(TEXT_LIMIT // 2), _adversarial(TEXT_LIMIT)
    ratios = {name: _findings_work(full[name]) / _findings_work(half[name]) for name in full}
    # Linear work doubles (2.0); quadratic quadruples. A little over 2 is fixed overhead.
    assert {n: r for n, r in ratios.items() if r > 2.2} == {}


def test_1_3_12_the_rewritten_pattern_flags_what_the_old_one_did() -> None:
    old = re.compile(QUADRATIC, re.IGNORECASE | re.ASCII)
    for text in ("streetwise", "Street-wise", "street - wise", "street  wise", "street -wise"):
        assert [(s, e) for s, e, _ in language.findings(text)] == [old.search(text).span()]  # type: ignore[union-attr]
    assert language.findings("street wisely") == []
