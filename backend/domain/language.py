r"""The language check's term list, read by the server for aggregate language metrics.

One data file (``pwa/language.json``) serves the phone's check and these counts, so the two
never disagree about what was flagged. Counts are per term, per concern, from the narrative
only: the child's own words are verbatim and never judged. ``re.ASCII`` makes ``\b`` mean
what it means in JavaScript, so both sides flag the same spans.

Most narratives flag nothing, and scanning one with every term's patterns costs far more
than the rest of its checks. So each pattern's fixed words (``risk`` and ``at`` in
``putting\s+herself\s+at\s+risk``) are read from the pattern once, and a term runs only on
a narrative that holds, case aside, the words one of its patterns cannot match without.
A term passed over has no match, so what is flagged is what every term's scan would flag.
"""

from __future__ import annotations

import importlib
import json
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

TERMS_FILE = Path(__file__).resolve().parents[2] / "pwa" / "language.json"
FLAGS = re.IGNORECASE | re.ASCII

# Each clause: words, lower case, of which every match holds at least one.
Clauses = tuple[tuple[str, ...], ...]

try:  # the standard library's own regex parser: what re compiles is what is read here
    _parser: Any = importlib.import_module("re._parser")
    _sre: Any = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover - without it every term runs on every narrative
    _parser = None


def _clauses(items: Any) -> list[tuple[str, ...]]:
    """What any match of a parsed sequence must hold: runs of plain ASCII characters, and
    for an alternation one word from each branch. Anything else (classes, optional parts,
    lookarounds) is passed over, which only makes the list shorter."""
    clauses: list[tuple[str, ...]] = []
    run: list[str] = []
    for op, av in items:
        if op is _sre.LITERAL and av < 128:
            run.append(chr(av).lower())
            continue
        if run:
            clauses.append(("".join(run),))
            run = []
        if op is _sre.SUBPATTERN:
            clauses += _clauses(av[-1])
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT) and av[0] >= 1:
            clauses += _clauses(av[2])
        elif op is _sre.BRANCH:
            each = [_clauses(branch) for branch in av[1]]
            if all(each):
                clauses.append(tuple(word for branch in each for word in _best(branch)))
    if run:
        clauses.append(("".join(run),))
    return clauses


def _best(clauses: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The clause least likely to be met by chance: its shortest word the longest."""
    return max(clauses, key=lambda words: min(map(len, words)))


def needs(pattern: str) -> Clauses:
    """The clauses every match of ``pattern`` meets, the most telling first; none when the
    pattern cannot be read (the term then runs on every narrative)."""
    if _parser is None:
        return ()
    try:
        clauses = _clauses(_parser.parse(pattern, FLAGS))
    except Exception:  # noqa: BLE001 - re.compile below reports a bad pattern
        return ()
    return tuple(sorted(dict.fromkeys(clauses), key=lambda words: -min(map(len, words))))


@cache
def _compiled(
    path: Path = TERMS_FILE,
) -> tuple[tuple[str, re.Pattern[str], tuple[Clauses, ...]], ...]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        (
            term["id"],
            re.compile("|".join(term["patterns"]), FLAGS),
            tuple(needs(p) for p in term["patterns"]),
        )
        for term in data["terms"]
    )


def _may_match(lowered: str, patterns: tuple[Clauses, ...]) -> bool:
    """Whether one of a term's patterns has every clause met (plain loops: this runs for
    every term of every narrative, and generators cost more than the searches)."""
    for clauses in patterns:
        for clause in clauses:
            for word in clause:
                if word in lowered:
                    break
            else:
                break
        else:
            return True
    return False


def findings(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, term id) of each flagged phrase, earliest and longest first."""
    # str.lower keeps every ASCII letter a case-insensitive ASCII match reads, so a word a
    # match holds is in ``lowered``; what else it changes can only let more terms run.
    lowered = text.lower()
    found = [
        (m.start(), m.end(), term)
        for term, regex, patterns in _compiled()
        if _may_match(lowered, patterns)
        for m in regex.finditer(text)
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
