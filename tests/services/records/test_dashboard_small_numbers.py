"""The leadership page withholds counts from 1 to 4; this plays the person who then adds and
subtracts everything else the page shows to get them back.

The attacker here knows only the page: a key that is absent is 0, a key shown as null is at
least 1. They write every sum the page implies — each breakdown adds up to its total, each
week's cells add up across weeks, the agencies' concern counts add up to the total, a
concern in category ``missing`` is a missing episode — and assume the worst for us: that
every concern has exactly one category, so the category breakdowns add up too (true of the
data built here). Then they solve the whole system exactly (Gaussian elimination over the
rationals: any mix of additions and subtractions at once), and look at each sum alone for
a withheld group whose total is so small its cells are pinned (two nulls summing to 2 are
both 1).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from tests.services.linking.test_links import at, make, partnership_lead, send
from tests.services.linking.test_links import recorders as recorders  # noqa: F401 (a fixture)

Cell = tuple[Any, ...]
BELOW = 5


def _equations(board: dict[str, Any]) -> tuple[dict[Cell, int | None], list[dict[Cell, int]]]:
    """Every cell the page shows (None: withheld) and every sum it implies, as
    ``{cell: coefficient}`` rows equal to zero."""
    cells: dict[Cell, int | None] = {("total",): board["concerns"]["total"]}
    rows: list[dict[Cell, int]] = []

    def breakdown(total: Cell, parts: dict[Cell, int | None]) -> None:
        cells.update(parts)
        rows.append({total: 1, **{p: -1 for p in parts}})

    for name in ("by_level", "by_category"):
        breakdown(("total",), {(name, k): v for k, v in board["concerns"][name].items()})
    breakdown(("total",), {("agency", r["agency"]): r["concerns"] for r in board["language"]})
    across: dict[Cell, dict[Cell, int | None]] = {}
    week_totals = {}
    for w in board["weeks"]:
        week = ("week", w["week"])
        week_totals[week] = w["total"]
        cells[week] = w["total"]
        for name, margin in (
            ("by_level", "by_level"),
            ("by_category", "by_category"),
            ("by_agency", "agency"),
        ):
            parts = {("week", w["week"], name, k): v for k, v in w[name].items()}
            breakdown(week, parts)
            for (_, _, _, k), v in parts.items():
                key = (margin, k)
                across.setdefault(key, {})[("week", w["week"], name, k)] = v
    breakdown(("total",), week_totals)
    for margin, parts in across.items():
        rows.append({margin: 1, **{p: -1 for p in parts}})
    # Missing episodes are not concerns (two reports of one child missing are one episode):
    # no sum joins them to the concerns' counts.
    for key in (
        "episodes",
        "open",
        "returned",
        "return_interviews_due",
        "return_interviews_overdue",
    ):
        cells[("missing", key)] = board["missing"][key]
        rows.append({("missing", key): 1})
    return cells, rows


def _solved(cells: dict[Cell, int | None], rows: list[dict[Cell, int]]) -> dict[Cell, Fraction]:
    """Each withheld cell that the sums determine, with its value."""
    unknown = [c for c, v in cells.items() if v is None]
    system: list[tuple[dict[Cell, Fraction], Fraction]] = []
    for row in rows:
        known = sum(
            (Fraction(k * (cells[c] or 0)) for c, k in row.items() if cells[c] is not None),
            Fraction(0),
        )
        system.append(({c: Fraction(k) for c, k in row.items() if cells[c] is None}, -known))
    pivots: list[tuple[Cell, dict[Cell, Fraction], Fraction]] = []
    for row, rhs in system:
        row, rhs = dict(row), rhs
        for cell, prow, prhs in pivots:
            if row.get(cell):
                f = row[cell]
                for c, k in prow.items():
                    row[c] = row.get(c, Fraction(0)) - f * k
                rhs -= f * prhs
                row = {c: k for c, k in row.items() if k}
        if not row:
            continue
        cell = min(row, key=unknown.index)
        f = row[cell]
        row, rhs = {c: k / f for c, k in row.items()}, rhs / f
        for i, (other, orow, orhs) in enumerate(pivots):
            if orow.get(cell):
                g = orow[cell]
                merged = {
                    c: orow.get(c, Fraction(0)) - g * row.get(c, Fraction(0))
                    for c in set(orow) | set(row)
                }
                pivots[i] = (other, {c: k for c, k in merged.items() if k}, orhs - g * rhs)
        pivots.append((cell, row, rhs))
    return {cell: rhs for cell, row, rhs in pivots if list(row) == [cell]}


def _pinned(cells: dict[Cell, int | None], rows: list[dict[Cell, int]]) -> list[str]:
    """Sums with a shown total whose withheld cells (each at least 1) add up to so little
    that one of them could not be anything from 1 to 4."""
    found = []
    for row in rows:
        (total,) = [c for c, k in row.items() if k == 1]
        hidden = [c for c, k in row.items() if k == -1 and cells[c] is None]
        if cells[total] is None or not hidden:
            continue
        rest = cells[total] - sum(cells[c] or 0 for c, k in row.items() if k == -1)  # type: ignore[operator]
        if rest - len(hidden) + 1 < BELOW - 1:
            found.append(f"{hidden} add up to {rest}")
    return found


def _child(n: int) -> dict[str, object]:
    return {"given_name": f"Child{n}", "family_name": "Sums", "approx_age": 10 + n % 6}


def test_14_2_6_no_withheld_count_comes_back_by_subtraction(app, recorders) -> None:  # type: ignore[no-untyped-def]
    # Eight police concerns (neglect, early help) over two weeks; three from health
    # (self-harm, child in need) and two from the home (missing, significant harm), all in
    # the second week. Today's page shows the total, the police figures and the week's
    # total, and withholds the rest: every one of which is a subtraction away.
    for n in range(8):
        send(
            app,
            recorders,
            "police",
            make(
                subject=_child(n),
                recorded_at=at(1 if n < 4 else 8),
                categories=["neglect"],
                associated=[],
                level="early_help",
            ),
        )
    for n in range(8, 11):
        send(
            app,
            recorders,
            "health",
            make(
                subject=_child(n),
                recorded_at=at(1),
                categories=["self_harm"],
                associated=[],
                level="child_in_need",
            ),
        )
    for n in range(11, 13):
        concern = make(
            subject=_child(n),
            recorded_at=at(1),
            categories=["missing"],
            associated=[],
            level="significant_harm",
        )
        send(app, recorders, "care", concern)

    r = partnership_lead(app).get("/api/v1/dashboard")
    assert r.status_code == 200, r.get_json()
    board = r.get_json()
    cells, rows = _equations(board)
    withheld = [c for c, v in cells.items() if v is None]
    assert withheld, "the data has small numbers, so something must be withheld"
    # The attacker's sums hold on the page as shown (the page does not lie about its totals).
    assert board["concerns"]["total"] in (13, None)
    leaked = _solved(cells, rows)
    assert not leaked, f"worked out by subtraction: {leaked}"
    assert not _pinned(cells, rows)
