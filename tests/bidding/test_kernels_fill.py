"""The compiled fill, rounding and orientation kernels against their references.

The greedy fill, the other rounding of the partial step and ``fill_levels`` follow the
numpy code operation by operation, so both paths must give identical plans (not merely
plans within the certified gap), ties included; the adaptive orientation test must give
the exact sign; the kernels' pairwise sum must round as numpy's ``sum``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from bidopt.bidding import _kernels
from bidopt.bidding._hull import build_hull
from bidopt.bidding._kernels_fill import next_steps, steps_around
from bidopt.bidding._problem import make_problem
from bidopt.bidding._select import _greedy_fill, _round_up_and_repair, _threshold_histogram
from bidopt.bidding._solvers import fill_levels
from bidopt.landscape import BidLandscape
from tests.bidding.test_hull_select import FAMILIES, make_rows

pytestmark = pytest.mark.skipif(not _kernels.AVAILABLE, reason="numba is not installed")


def _on_both(monkeypatch: pytest.MonkeyPatch, function: Any, *args: Any) -> list[Any]:
    """``function(*args)`` with the kernels, then on the numpy path."""
    out = []
    for enabled in (True, False):
        monkeypatch.setattr(_kernels, "ENABLED", enabled)
        out.append(function(*(a.copy() if isinstance(a, np.ndarray) else a for a in args)))
    monkeypatch.setattr(_kernels, "ENABLED", True)
    return out


@pytest.mark.parametrize("family", FAMILIES)
def test_greedy_fill_and_round_up_identical_on_both_paths(
    monkeypatch: pytest.MonkeyPatch, family: str
) -> None:
    """Many keywords with tiny next steps (pools beyond the first heads) and exact ties."""
    # the threshold's pass hands its steps over in the compiled path (also with
    # BIDOPT_NUMBA=0 in the environment: the kernels are installed)
    monkeypatch.setattr(_kernels, "ENABLED", True)
    rng = np.random.default_rng(11 + FAMILIES.index(family))
    cost, value = make_rows(family, 1500, 9, rng)
    hull = build_hull(cost, value)
    total = float(cost[:, -1].sum())
    for share in (0.05, 0.3, 0.7):
        budget = share * total
        taken, spend, value_, _, _, _, row = _threshold_histogram(hull, budget)
        box: list[Any] = []  # the steps around the threshold, from its spend's pass
        again = _threshold_histogram(hull, budget, box)
        np.testing.assert_array_equal(again[0], taken)
        assert again[1:] == (spend, value_, *again[3:6], row)
        assert box  # the last pass was on the returned steps
        want = steps_around(hull.tables, hull.n_steps, taken)
        took = taken > 0  # (the last steps are written for these keywords only)
        for i, (got, expect) in enumerate(zip(box[0], want, strict=True)):
            np.testing.assert_array_equal(
                got[took] if i in (2, 3) else got, expect[took] if i in (2, 3) else expect
            )
        for room in (budget - spend, 0.02 * budget):
            fast, slow = _on_both(monkeypatch, _greedy_fill, hull, taken, room)
            np.testing.assert_array_equal(fast[0], slow[0])
            assert fast[1] == slow[1] and fast[2] == slow[2]  # same leftover and value
        fast, slow = _on_both(
            monkeypatch, _round_up_and_repair, hull, taken, budget, spend, value_, row
        )
        # the last steps taken from the pass that finds the next ones: the same repair
        around = steps_around(hull.tables, hull.n_steps, taken)
        for got, want in zip(around[:2], next_steps(hull.tables, hull.n_steps, taken), strict=True):
            np.testing.assert_array_equal(got, want)
        last = around[2:]
        again = _round_up_and_repair(hull, taken, budget, spend, value_, row, last)
        assert (fast is None) == (slow is None) == (again is None)
        if fast is not None and slow is not None and again is not None:
            np.testing.assert_array_equal(fast[0], slow[0])
            np.testing.assert_array_equal(again[0], slow[0])
            assert fast[1:] == slow[1:] == again[1:]


@pytest.mark.parametrize("family", FAMILIES)
def test_fill_levels_identical_on_both_paths(monkeypatch: pytest.MonkeyPatch, family: str) -> None:
    rng = np.random.default_rng(21 + FAMILIES.index(family))
    cost, value = make_rows(family, 800, 8, rng)
    bids = np.cumsum(np.ones(cost.shape), axis=1)
    clicks = np.maximum.accumulate(np.maximum(value, 0.0), axis=1) + 1e-3 * bids
    land = BidLandscape(bids=bids, clicks=clicks, cost=cost, conversions=value)
    for share, cap in ((0.2, None), (0.6, None), (0.4, 1.5)):
        problem = make_problem(
            land,
            share * float(cost[:, -1].sum()),
            objective="conversions",
            max_cpc=cap,
            target_cpa=None,
            target_roas=None,
            min_bid=None,
            max_bid=None,
            groups=None,
            group_budgets=None,
        )
        start = np.where(rng.random(800) < 0.5, -1, rng.integers(-1, 3, 800))
        hull = build_hull(problem.cost, problem.value, problem.allowed)
        top = hull.level_after(hull.n_steps)  # each keyword's most valuable level
        start[::40] = top[::40]
        fast, slow = _on_both(monkeypatch, fill_levels, problem, start)
        np.testing.assert_array_equal(fast, slow)
        assert not (fast == start).all()  # the fill did something
        # the rows of keywords at their top are skipped: the same plan
        np.testing.assert_array_equal(fill_levels(problem, start, top=top), slow)


def test_orientation_is_exact_on_near_collinear_points() -> None:
    """Points on lines (rounded), on grids (exact ties) and an ulp off, at several
    scales: the adaptive test's sign equals the exact rational sign."""
    from bidopt.bidding import _kernels_exact

    _kernels._compile()
    rng = np.random.default_rng(5)
    n = 3000
    c1, v1 = rng.uniform(0, 10, n), rng.uniform(0, 10, n)
    d, t, s = rng.uniform(0.01, 5, n), rng.uniform(0.01, 5, n), rng.uniform(0.1, 3, n)
    grid = np.round(np.stack([c1, v1, c1 + d, v1 + s * d, c1 + d + t, v1 + s * (d + t)]) * 4) / 4
    line = np.stack([c1, v1, c1 + d, v1 + s * d, c1 + d + t, v1 + s * (d + t)])
    tenth = grid.copy()
    tenth[1::2] *= 0.1  # values times 0.1: inexact differences
    off = line.copy()
    off[5] += rng.integers(-2, 3, n) * np.spacing(off[5])
    scaled = line * 10.0 ** rng.uniform(-80, 80, n)
    signs = set()
    decided = {False: 0, True: 0}
    for points in (grid, line, tenth, off, scaled):
        for c1_, v1_, c2, v2, c, v in points.T:
            p = (c2 - c1_) * (v - v1_)
            q = (v2 - v1_) * (c - c1_)
            got = _kernels_exact.orient_adapt(c2, v2, c1_, v1_, c, v, p, q)
            f = [Fraction(float(x)) for x in (c2, v2, c1_, v1_, c, v)]
            exact = (f[0] - f[2]) * (f[5] - f[3]) - (f[1] - f[3]) * (f[4] - f[2])
            assert got == (exact > 0) - (exact < 0)
            signs.add(got)
            # the hull loop's shortcut for exact differences: the same sign, or 3
            quick = _kernels_exact.exact_products_sign(c2, v2, c1_, v1_, c, v)
            assert quick in (3, got)
            decided[quick != 3] += 1
    assert signs == {-1, 0, 1}
    assert decided[True] > 1000  # the grids' ties are decided by the shortcut


def test_pairwise_sum_rounds_as_numpy() -> None:
    from bidopt.bidding import _kernels_fill

    _kernels._compile()
    rng = np.random.default_rng(9)
    for n in [*range(0, 140), 255, 256, 257, 1000, 4099, 20_011]:
        x = rng.lognormal(0.0, 3.0, n) * rng.choice([-1.0, 1.0], n)
        assert _kernels_fill._pairwise_sum(x, 0, n) == float(x.sum())
        if n > 3:
            assert _kernels_fill._pairwise_sum(x, 3, n - 3) == float(x[3:].sum())


@pytest.mark.parametrize("seed", range(3))
def test_best_first_walk_does_not_depend_on_the_heads(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """The greedy fill's walk, cut into heads of the steepest items, adds the costs as
    one walk over every item in order does: the same items and, to the last bit, the
    same leftover, on both paths (costs that round when added, equal slopes)."""
    from bidopt.bidding import _kernels_fill
    from bidopt.bidding._select import _order, _take_best_first, _take_in_order

    rng = np.random.default_rng(seed)
    n = 3000
    slope = rng.integers(1, 400, n) / 7.0  # many equal slopes
    dc = rng.choice([0.1, 0.2, 0.3, 0.7], n) * rng.uniform(0.5, 1.5, n)
    for remaining in (1.3, 17.1, 0.35 * float(dc.sum())):
        whole = _take_in_order(_order(slope, dc), dc, remaining)
        cut = _take_best_first(slope, dc, remaining)
        np.testing.assert_array_equal(np.sort(cut[0]), np.sort(whole[0]))
        assert cut[1] == whole[1]
        _kernels._compile()  # the compiled walk, with its own first head
        picked = np.empty(n, dtype=np.int64)
        k, left = _kernels_fill._take_best_first(slope, -slope, dc, n, remaining, 8, picked)
        np.testing.assert_array_equal(picked[:k], cut[0])
        assert left == cut[1]
