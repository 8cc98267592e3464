"""Two ways to hold the language check's patterns to linear time, neither with a clock.

``unsafe`` reads a pattern's structure (Python's own parse of it) and names anything a
backtracking engine (Python's ``re``, the phone's JavaScript) could take more than linear
time over. Its rule, which covers every pattern in ``pwa/language.json``:

1. an unbounded quantifier (``*``, ``+``, ``{n,}``) applies to one character class only,
   so no quantifier nests inside another;
2. the character just before an unbounded quantifier can never be one it matches, and
   the pattern cannot begin with one: each quantifier can then only begin at the start of
   a run of its characters, and never where an earlier quantifier's run could still go on
   (``\\s*-?\\s*`` breaks this: the second ``\\s*`` can start anywhere in the first's run).

Under that rule, a match attempt enters each run at most a bounded number of times (the
pattern's fixed-length parts decide where), so the work is linear in the text.

``Stepper`` is a backtracking matcher over the same parse, trying the same alternatives in
the same order as ``re`` (the tests check it finds the same spans), that counts its steps:
the work ``re`` does but does not expose. A linear pattern's steps double when the text
doubles; a quadratic one's quadruple. Counts, unlike seconds, do not change with the load
on the machine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from re import _constants as c  # type: ignore[attr-defined]
from re import _parser as sre  # type: ignore[attr-defined]
from typing import Any

# Every ASCII character, and non-ASCII ones either engine treats specially: JavaScript's
# \s takes Unicode spaces, and its case folding with the u flag maps the Kelvin and long-s
# signs to k and s. A class matching any of them counts as matching it.
ALPHABET = [chr(i) for i in range(128)]
ALPHABET += ["\u00a0", "\u2028", "\ufeff", "\u212a", "\u017f", "\u00e9"]
_JS_SPACES = {"\u00a0", "\u2028", "\ufeff"}
_CATEGORY = {
    c.CATEGORY_SPACE: lambda ch: ch in " \t\n\r\f\v" or ch in _JS_SPACES,
    c.CATEGORY_NOT_SPACE: lambda ch: not (ch in " \t\n\r\f\v" or ch in _JS_SPACES),
    c.CATEGORY_DIGIT: lambda ch: ch.isascii() and ch.isdigit(),
    c.CATEGORY_NOT_DIGIT: lambda ch: not (ch.isascii() and ch.isdigit()),
    c.CATEGORY_WORD: lambda ch: ch.isascii() and (ch.isalnum() or ch == "_"),
    c.CATEGORY_NOT_WORD: lambda ch: not (ch.isascii() and (ch.isalnum() or ch == "_")),
}
_FOLD = {"\u212a": "k", "\u017f": "s"}
SINGLE = (c.LITERAL, c.NOT_LITERAL, c.IN, c.ANY)


def _fold(ch: str) -> str:
    return _FOLD.get(ch, ch.lower() if ch.isascii() else ch)


def _matches_one(op: Any, av: Any, ch: str) -> bool:
    """Whether a single-character item matches ``ch``, case-insensitively (ASCII)."""
    if op is c.LITERAL:
        return _fold(chr(av)) == _fold(ch)
    if op is c.NOT_LITERAL:
        return _fold(chr(av)) != _fold(ch)
    if op is c.ANY:
        return ch != "\n"
    if op is c.IN:
        negate = bool(av) and av[0][0] is c.NEGATE
        hit = False
        for sub_op, sub_av in av[1:] if negate else av:
            if sub_op is c.LITERAL:
                hit = hit or _fold(chr(sub_av)) == _fold(ch)
            elif sub_op is c.RANGE:
                lo, hi = sub_av
                hit = hit or any(lo <= ord(x) <= hi for x in {ch, _fold(ch), _fold(ch).upper()})
            elif sub_op is c.CATEGORY:
                hit = hit or _CATEGORY[sub_av](ch)
            else:
                raise ValueError(f"class item {sub_op} not understood")
        return hit != negate
    raise ValueError(f"{op} is not a single character")


def _chars(op: Any, av: Any) -> frozenset[str]:
    return frozenset(ch for ch in ALPHABET if _matches_one(op, av, ch))


def unsafe(pattern: str) -> list[str]:
    """Name whatever in ``pattern`` could take a backtracking engine more than linear time."""
    problems: list[str] = []
    _walk(sre.parse(pattern, re.IGNORECASE | re.ASCII), frozenset(ALPHABET), problems)
    return problems


def _walk(items: Any, last: frozenset[str], problems: list[str]) -> frozenset[str]:
    """Walk a sequence; ``last`` is every character the one just before could be (at the
    start: anything, since a search tries every position). Return the same after it."""
    for op, av in items:
        if op in SINGLE:
            last = _chars(op, av)
        elif op is c.AT:
            pass  # zero-width
        elif op is c.SUBPATTERN:
            last = _walk(av[-1], last, problems)
        elif op is c.BRANCH:
            last = frozenset().union(*(_walk(branch, last, problems) for branch in av[1]))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, high, body = av
            if high is c.MAXREPEAT:
                if len(body) != 1 or body[0][0] not in SINGLE:
                    problems.append("an unbounded quantifier over more than one character class")
                    continue
                chars = _chars(*body[0])
                if chars & last:
                    problems.append(
                        "an unbounded quantifier can start inside a run it could itself match: "
                        + "".join(sorted(ch for ch in chars & last if ch.isprintable()))[:20]
                    )
                last = chars if low else last | chars
            else:
                if high > 20:
                    problems.append("a bounded quantifier over 20")
                ends, here = (last if low == 0 else frozenset()), last
                for count in range(1, high + 1):
                    here = _walk(body, here, problems)
                    if count >= low:
                        ends |= here
                last = ends
        else:
            problems.append(f"{op} is outside the subset the check understands")
    return last


class OverBudget(Exception):
    """The stepper stopped: far more work than a linear pattern does."""


class Stepper:
    """A backtracking matcher over ``re``'s parse of a pattern, counting its steps."""

    def __init__(self, pattern: str, *, budget: int | None = None) -> None:
        self.tree = sre.parse(pattern, re.IGNORECASE | re.ASCII)
        self.steps = 0
        self.budget = budget  # steps after which to stop: a quadratic run would take hours
        self.text = ""

    def finditer(self, text: str) -> Iterator[tuple[int, int]]:
        """Yield (start, end) of each match, as ``re.finditer`` would."""
        self.text, pos = text, 0
        while pos <= len(text):
            for start in range(pos, len(text) + 1):
                end = next(self._seq(list(self.tree), 0, start), None)
                if end is not None:
                    yield start, end
                    pos = end if end > start else end + 1
                    break
            else:
                return

    def _one(self, op: Any, av: Any, pos: int) -> bool:
        self.steps += 1
        if self.budget is not None and self.steps > self.budget:
            raise OverBudget(f"over {self.budget} steps")
        return pos < len(self.text) and _matches_one(op, av, self.text[pos])

    def _word(self, pos: int) -> bool:
        return 0 <= pos < len(self.text) and _CATEGORY[c.CATEGORY_WORD](self.text[pos])

    def _seq(self, items: list[Any], k: int, pos: int) -> Iterator[int]:
        self.steps += 1
        if k == len(items):
            yield pos
            return
        op, av = items[k]
        if op in SINGLE:
            if self._one(op, av, pos):
                yield from self._seq(items, k + 1, pos + 1)
        elif op is c.AT:
            boundary = self._word(pos - 1) != self._word(pos)
            if {c.AT_BOUNDARY: boundary, c.AT_NON_BOUNDARY: not boundary}[av]:
                yield from self._seq(items, k + 1, pos)
        elif op is c.SUBPATTERN:
            for end in self._seq(list(av[-1]), 0, pos):
                yield from self._seq(items, k + 1, end)
        elif op is c.BRANCH:
            for branch in av[1]:
                for end in self._seq(list(branch), 0, pos):
                    yield from self._seq(items, k + 1, end)
        elif op is c.MAX_REPEAT:
            yield from self._repeat(items, k, pos, *av)
        else:
            raise ValueError(f"{op} is outside the subset the stepper runs")

    def _repeat(
        self, items: list[Any], k: int, pos: int, low: int, high: Any, body: Any
    ) -> Iterator[int]:
        if len(body) == 1 and body[0][0] in SINGLE:
            # Greedy over one class, as re does it: take the whole run, then give back.
            limit = len(self.text) if high is c.MAXREPEAT else high
            run = 0
            while run < limit and self._one(*body[0], pos + run):
                run += 1
            for count in range(run, low - 1, -1):
                yield from self._seq(items, k + 1, pos + count)
            return
        yield from self._bounded(items, k, pos, low, high, list(body), 0)

    def _bounded(
        self, items: list[Any], k: int, pos: int, low: int, high: Any, body: list[Any], done: int
    ) -> Iterator[int]:
        if high is c.MAXREPEAT:
            raise ValueError("the stepper runs unbounded repeats over one class only")
        if done < high:
            for end in self._seq(body, 0, pos):
                if end != pos:
                    yield from self._bounded(items, k, end, low, high, body, done + 1)
        if done >= low:
            yield from self._seq(items, k + 1, pos)


def lead_ins(pattern: str) -> list[tuple[str, str]]:
    """For each unbounded quantifier, the text that leads a match up to it and a character
    it matches: what an attacker feeds to make it run long."""
    found: list[tuple[str, str]] = []

    def sample(items: Any, text: str) -> str:
        for op, av in items:
            if op in SINGLE:
                likely = "abcdefghijklmnopqrstuvwxyz -" + "".join(ALPHABET)
                text += next(ch for ch in likely if _matches_one(op, av, ch))
            elif op is c.SUBPATTERN:
                text = sample(av[-1], text)
            elif op is c.BRANCH:
                for branch in av[1][1:]:
                    sample(branch, text)  # each branch's quantifiers, not kept in the text
                text = sample(av[1][0], text)
            elif op is c.MAX_REPEAT:
                low, high, body = av
                if high is c.MAXREPEAT:
                    found.append((text, sample(body, "")))
                    text += sample(body, "") * max(low, 1)
                else:
                    sample(body, text)
                    for _ in range(low):
                        text = sample(body, text)
        return text

    sample(sre.parse(pattern, re.IGNORECASE | re.ASCII), "")
    return found
