"""Small numbers on aggregate pages: which counts to withhold so that none from 1 to 4 can
be read, or worked out from the others.

Primary suppression withholds every count from 1 to ``below - 1``: a count that small can
pick out a child. Secondary suppression then withholds more, because a page that shows a
total and all but one of its parts shows that part too (9 concerns, 7 early help: the
other 2 are child in need). A withheld count is protected when:

- no sum the page implies has it as its only unknown, and the withheld parts of a sum whose
  total is shown add up to enough that each could still be anything from 1 to 4 (two nulls
  adding to 2 are both 1, since a null stands for at least 1);
- no mix of additions and subtractions of everything shown determines it: the page's sums
  are solved together, exactly (reduced row echelon form over the rationals), and a
  withheld count that comes out alone is a leak.

Each round withholds, for each failure, the smallest shown count of a sum it fails in (the
least information lost), until none fails. Only counts are ever added, so it ends.
Interval arithmetic across several sums at once (linear programming) is not attempted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

# Where a count sits on the page, e.g. ("concerns", "by_level", "early_help").
Cell = tuple[Any, ...]


@dataclass(frozen=True)
class Breakdown:
    """``parts`` add up to ``total`` (``exact``), or at least cover it (``exact=False``: a
    concern with two categories counts under each)."""

    total: Cell
    parts: tuple[Cell, ...]
    exact: bool = True


def withhold(
    counts: Mapping[Cell, int], breakdowns: Sequence[Breakdown], *, below: int
) -> set[Cell]:
    """The counts to show as null: every small one, and enough others that none of those
    can be worked out from the rest of the page.

    WARNING: every sum the page implies must be given as a breakdown, including sums
    across the page's different breakdowns of the same total; one left out is a sum an
    attacker can still do. Cells absent from ``counts`` are 0, as an absent key is.
    """
    hidden = {cell for cell, n in counts.items() if 0 < n < below}
    # A breakdown of categories that happens to add up exactly is a sum an attacker may
    # guess (most concerns have one category): solve it with the exact ones.
    solvable = [
        b
        for b in breakdowns
        if b.exact or counts.get(b.total, 0) == sum(counts.get(p, 0) for p in b.parts)
    ]
    while True:
        wanted = {
            _smallest(counts, hidden, weak)
            for b in breakdowns
            if (weak := _weak(b, counts, hidden, below)) is not None
        }
        if not wanted:
            for cell in _determined(counts, hidden, solvable):
                near = [c for b in solvable if cell in (b.total, *b.parts) for c in _cells(b)]
                pick = _smallest(counts, hidden, near)
                wanted.add(pick if pick is not None else _smallest(counts, hidden, counts))
        wanted.discard(None)
        if not wanted:
            return hidden
        hidden |= wanted  # type: ignore[arg-type]


def _cells(b: Breakdown) -> tuple[Cell, ...]:
    return (b.total, *b.parts)


def _weak(
    b: Breakdown, counts: Mapping[Cell, int], hidden: set[Cell], below: int
) -> list[Cell] | None:
    """The cells to choose from if this sum gives a withheld part away; None if it does not."""
    parts = [p for p in b.parts if p in hidden]
    if b.total in hidden:
        # Total withheld and every part shown: the total is their sum.
        return list(b.parts) if b.exact and not parts and counts.get(b.total, 0) else None
    if not parts:
        return None
    # What the shown figures leave for the withheld parts (each at least 1).
    rest = counts.get(b.total, 0) - sum(counts.get(p, 0) for p in b.parts if p not in hidden)
    if len(parts) >= 2 and rest - len(parts) + 1 >= below - 1:
        return None
    return [*b.parts, b.total]


def _smallest(counts: Mapping[Cell, int], hidden: set[Cell], pool: Iterable[Cell]) -> Cell | None:
    shown = sorted(
        {c for c in pool if c not in hidden and counts.get(c, 0) > 0},
        key=lambda c: (counts[c], repr(c)),
    )
    return shown[0] if shown else None


def _determined(
    counts: Mapping[Cell, int], hidden: set[Cell], breakdowns: Sequence[Breakdown]
) -> list[Cell]:
    """Withheld cells whose value follows from the shown ones through the sums."""
    order = {cell: i for i, cell in enumerate(sorted(hidden, key=repr))}
    pivots: dict[Cell, dict[Cell, Fraction]] = {}  # pivot cell -> its row (unknowns only)
    for b in breakdowns:
        row: dict[Cell, Fraction] = {}
        for cell, sign in ((b.total, 1), *((p, -1) for p in b.parts)):
            if cell in hidden:
                row[cell] = row.get(cell, Fraction(0)) + sign
        for cell, prow in pivots.items():
            if row.get(cell):
                f = row[cell]
                for c, k in prow.items():
                    row[c] = row.get(c, Fraction(0)) - f * k
        row = {c: k for c, k in row.items() if k}
        if not row:
            continue
        pivot = min(row, key=order.__getitem__)
        row = {c: k / row[pivot] for c, k in row.items()}
        for cell, prow in pivots.items():
            if prow.get(pivot):
                g = prow[pivot]
                merged = {
                    c: prow.get(c, Fraction(0)) - g * row.get(c, Fraction(0))
                    for c in set(prow) | set(row)
                }
                pivots[cell] = {c: k for c, k in merged.items() if k}
        pivots[pivot] = row
    return [cell for cell, row in pivots.items() if list(row) == [cell]]
