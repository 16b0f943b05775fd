"""Hulls against an exact per-row reference, and the LP selection at budget edges."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, sparse

from bidopt.bidding import optimize_bids
from bidopt.bidding._hull import Hull, build_hull
from bidopt.bidding._select import select
from bidopt.landscape import BidLandscape

FAMILIES = ("concave", "s_shaped", "ties_flat", "zero_click", "uneven", "integers")


# ------------------------------------------------------------------------------------
# references


def reference_hull(cost: np.ndarray, value: np.ndarray, allowed: np.ndarray | None) -> list:
    """Vertex levels of each row's upper concave hull from the origin, in exact
    rational arithmetic: a monotone chain over the allowed points that are worth more
    than everything before them; a point on or below the chord is not a vertex."""
    out = []
    for r in range(cost.shape[0]):
        stack: list[tuple[Fraction, Fraction, int]] = [(Fraction(0), Fraction(0), -1)]
        for j in range(cost.shape[1]):
            if allowed is not None and not allowed[r, j]:
                continue
            c, v = Fraction(float(cost[r, j])), Fraction(float(value[r, j]))
            if v <= stack[-1][1]:
                continue  # dominated: costs no less, worth no more
            while len(stack) >= 2:
                (c1, v1, _), (c2, v2, _) = stack[-2], stack[-1]
                if (c2 - c1) * (v - v1) - (v2 - v1) * (c - c1) >= 0:
                    stack.pop()
                else:
                    break
            stack.append((c, v, j))
        out.append([j for _, _, j in stack[1:]])
    return out


def hull_levels(hull: Hull) -> list:
    n = hull.shape[0]
    out = []
    for r in range(n):
        k = int(hull.n_steps[r])
        row = list(range(k)) if hull.level is None else [int(x) for x in hull.level[r, :k]]
        out.append(row)
    return out


def lp_relaxation(cost: np.ndarray, value: np.ndarray, budget: float) -> float:
    """The MCKP's LP relaxation with HiGHS (at most one level per row, budget)."""
    n, levels = cost.shape
    m = n * levels
    rows = np.repeat(np.arange(n), levels)
    a = sparse.vstack(
        [
            sparse.csr_array((np.ones(m), (rows, np.arange(m))), shape=(n, m)),
            sparse.csr_array(cost.reshape(1, -1)),
        ]
    )
    res = optimize.linprog(
        -value.reshape(-1),
        A_ub=a,
        b_ub=np.r_[np.ones(n), budget],
        bounds=(0, None),
        method="highs",
        options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )
    assert res.status == 0
    return -float(res.fun)


# ------------------------------------------------------------------------------------
# small instances of each family (independent of the library's generators)


def make_rows(family: str, n: int, levels: int, rng: np.random.Generator) -> tuple:
    """(cost, value) of shape (n, levels): cost non-decreasing, value >= 0."""
    x = np.linspace(0.1, 1.0, levels)[None, :] * rng.uniform(0.5, 3.0, (n, 1))
    if family == "concave":
        value = rng.uniform(0.5, 5.0, (n, 1)) * np.sqrt(x)
        cost = x * value
    elif family == "s_shaped":
        k = rng.uniform(1.2, 3.0, (n, 1))
        value = rng.uniform(0.5, 5.0, (n, 1)) * -np.expm1(-((x / rng.uniform(0.3, 2, (n, 1))) ** k))
        cost = rng.uniform(0.5, 2.0, (n, 1)) * x ** rng.uniform(1.0, 1.2, (n, 1))
    elif family == "ties_flat":
        cost = np.sort(rng.integers(0, 6, (n, levels)), axis=1) * 0.5
        value = np.sort(rng.integers(0, 5, (n, levels)), axis=1) * 0.25
        value[rng.random(n) < 0.3] = value[0]  # equal slopes across keywords
        cost[rng.random(n) < 0.3] = cost[0]
    elif family == "zero_click":
        value = rng.uniform(0.5, 5.0, (n, 1)) * np.sqrt(x)
        cost = x * value
        dead = np.arange(levels)[None, :] < rng.integers(0, levels + 1, (n, 1))
        value, cost = np.where(dead, 0.0, value), np.where(dead, 0.0, cost)
    elif family == "uneven":
        k = rng.uniform(1.0, 3.0, (n, 1))
        value = rng.uniform(0.5, 5.0, (n, 1)) * -np.expm1(-(x**k))
        cost = x * rng.uniform(0.5, 2.0, (n, 1))
        col = np.minimum(np.arange(levels)[None, :], rng.integers(1, levels + 1, (n, 1)) - 1)
        value = np.take_along_axis(value, col, axis=1)
        cost = np.take_along_axis(cost, col, axis=1)
    else:  # small integers: collinear points, duplicate costs, zero costs with value
        cost = np.sort(rng.integers(0, 4, (n, levels)), axis=1).astype(float)
        value = rng.integers(0, 5, (n, levels)).astype(float)
        if rng.random() < 0.5:
            value = np.sort(value, axis=1)
    return np.ascontiguousarray(cost, dtype=float), np.ascontiguousarray(value, dtype=float)


# ------------------------------------------------------------------------------------
# hulls


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("masked", [False, True])
def test_hull_equals_reference(family: str, masked: bool) -> None:
    rng = np.random.default_rng(FAMILIES.index(family) + 10 * masked)
    for levels in (1, 2, 3, 7, 20):
        cost, value = make_rows(family, 300, levels, rng)
        allowed = rng.random(cost.shape) < 0.7 if masked else None
        hull = build_hull(cost, value, allowed)
        expected = reference_hull(cost, value, allowed)
        assert hull_levels(hull) == expected
        # cumulative cost and value are the vertices' own, the last one repeated
        for r, vertices in enumerate(expected):
            k = len(vertices)
            np.testing.assert_array_equal(hull.cum_c[r, :k], cost[r, vertices])
            np.testing.assert_array_equal(hull.cum_v[r, :k], value[r, vertices])
            if k:
                assert (hull.cum_c[r, k:] == cost[r, vertices[-1]]).all()


def test_hull_adversarial_rows() -> None:
    cost = np.array(
        [
            [1.0, 2.0, 3.0, 4.0],  # collinear with the origin: only the last is a vertex
            [0.0, 0.0, 1.0, 2.0],  # zero costs, the second worth more
            [0.0, 0.0, 0.0, 0.0],  # everything free
            [1.0, 1.0, 1.0, 2.0],  # duplicate costs
            [0.0, 0.0, 0.0, 0.0],  # all zero
            [1.0, 2.0, 3.0, 4.0],  # values fall (a target's shifted value)
            [1.0, 2.0, 2.0, 5.0],  # S-shaped: the first points under the chord
        ]
    )
    value = np.array(
        [
            [1.0, 2.0, 3.0, 4.0],
            [1.0, 2.0, 2.5, 2.75],
            [0.0, 3.0, 1.0, 3.0],
            [1.0, 3.0, 2.0, 4.0],
            [0.0, 0.0, 0.0, 0.0],
            [2.0, 1.0, -1.0, 3.0],
            [0.1, 0.5, 0.5, 4.0],
        ]
    )
    for allowed in (None, np.array([[True, False, True, True]] * 7)):
        hull = build_hull(cost, value, allowed)
        assert hull_levels(hull) == reference_hull(cost, value, allowed)
    assert hull_levels(build_hull(cost, value)) == [[3], [1, 2, 3], [1], [1, 3], [], [0, 3], [3]]


def near_tie_rows(rng: np.random.Generator, n: int = 400, levels: int = 6) -> tuple:
    """Rows a few ulps above or below collinear through the origin (as rounded), on
    integer costs: every shortcut on rounded slopes or ratios is a close call."""
    cost = np.cumsum(rng.integers(1, 4, (n, levels)).astype(float), axis=1)
    value = cost * rng.uniform(0.2, 2.0, (n, 1))
    ulps = rng.integers(-3, 4, (n, levels)).astype(float)
    return cost, value + ulps * np.spacing(value)


@pytest.mark.parametrize(
    "top", [3 * 0.7740318055183292, 2.3220954165549874], ids=["3v", "3v_rounded_down"]
)
def test_hull_exact_a_ulp_from_collinear(top: float) -> None:
    """On the active path (numba, or numpy with ``BIDOPT_NUMBA=0``): at costs 1 and 3,
    ``3 * v2 - v3 = 2**-53 > 0`` exactly, so level 2 is a vertex though ``v3 / 3``
    rounds to ``v2`` (numpy's first vertex, the largest rounded ratio, was level 3 alone);
    and rows a few ulps from collinear are as the exact reference has them."""
    v2 = 0.7740318055183292
    cost, value = np.array([[0.0, 0.0, 1.0, 3.0]]), np.array([[0.0, 0.0, v2, top]])
    assert 3 * Fraction(v2) - Fraction(top) == Fraction(1, 2**53) and top / 3 == v2
    assert hull_levels(build_hull(cost, value)) == [[2, 3]]
    rng = np.random.default_rng(7)
    cost, value = near_tie_rows(rng)
    for allowed in (None, rng.random(cost.shape) < 0.8):
        assert hull_levels(build_hull(cost, value, allowed)) == reference_hull(cost, value, allowed)


def test_hull_padding_after_a_convex_run() -> None:
    """The point of largest ratio repeated as padding (its first level is the vertex),
    several convex stretches, and a ratio that falls then rises again."""
    cost = np.array(
        [
            [1.0, 2.0, 2.0, 2.0],
            [0.0, 0.0, 1.0, 1.0],
            [1.0, 2.0, 3.0, 4.0],
            [1.0, 2.0, 3.0, 4.0],
            [2.0, 2.0, 3.0, 3.0],
        ]
    )
    value = np.array(
        [
            [0.1, 1.0, 1.0, 1.0],
            [0.0, 1.0, 1.0, 1.0],
            [1.0, 1.1, 1.2, 8.0],
            [0.5, 0.6, 3.0, 3.1],
            [1.0, 1.0, 2.0, 2.0],
        ]
    )
    for allowed in (None, np.array([[True, True, False, True]] * 5)):
        hull = build_hull(cost, value, allowed)
        assert hull_levels(hull) == reference_hull(cost, value, allowed)
    assert hull_levels(build_hull(cost, value)) == [[1], [1], [3], [2, 3], [2]]


def test_hull_negative_and_huge_values() -> None:
    rng = np.random.default_rng(5)
    cost = np.sort(rng.uniform(0, 1e6, (200, 9)), axis=1)
    value = rng.normal(0, 1e5, (200, 9))
    cost[:, :2] = 0.0
    hull = build_hull(cost, value)
    assert hull_levels(hull) == reference_hull(cost, value, None)


# ------------------------------------------------------------------------------------
# selection: budget, LP value, budgets at breakpoints


def _plan_totals(hull: Hull, cost: np.ndarray, value: np.ndarray, taken: np.ndarray) -> tuple:
    levels = hull.level_after(taken)
    rows = np.flatnonzero(levels >= 0)
    c = cost[rows, levels[rows]]
    v = value[rows, levels[rows]]
    return float(np.sum(c)), float(np.sum(v))


def _breakpoints(hull: Hull, rng: np.random.Generator) -> list[float]:
    """Budgets at the LP's breakpoints: the cost of every step at or above a slope
    (a hull vertex of the LP value curve), and of the whole hulls."""
    slopes = [s[dc > 0] for _, dc, _, s in hull.blocks() for _ in [0]]
    every = np.unique(np.concatenate(slopes)) if slopes else np.zeros(0)
    every = every[every > 0]
    out = [hull.totals_after(hull.n_steps)[0]]
    for s in rng.choice(every, size=min(3, every.size), replace=False) if every.size else []:
        taken = np.zeros(hull.shape[0], np.int64)
        for _, dc, _, sl in hull.blocks():
            taken += np.count_nonzero((sl >= s) & (dc > 0) | (sl == np.inf), axis=1)
        out.append(hull.totals_after(taken)[0])
    return out


def _check_budget(hull, cost, value, budget) -> float:
    sel = select(hull, budget)
    spend, got = _plan_totals(hull, cost, value, sel.taken)
    assert spend <= budget * (1 + 1e-12) + 1e-12, (spend, budget)
    assert got == pytest.approx(sel.value, rel=1e-12, abs=1e-12)
    assert sel.value <= sel.lp_value * (1 + 1e-12) + 1e-12
    return float(sel.value)


@settings(max_examples=500, derandomize=True, database=None, deadline=None)
@given(
    family=st.sampled_from(FAMILIES),
    n=st.integers(1, 6),
    levels=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
    share=st.floats(0.0, 1.2),
    masked=st.booleans(),
)
def test_select_properties(
    family: str, n: int, levels: int, seed: int, share: float, masked: bool
) -> None:
    rng = np.random.default_rng(seed)
    cost, value = make_rows(family, n, levels, rng)
    allowed = rng.random(cost.shape) < 0.8 if masked else None
    hull = build_hull(cost, value, allowed)
    total = float(cost[:, -1].sum())
    budget = share * total
    sel = select(hull, budget)
    _check_budget(hull, cost, value, budget)
    # the LP bound is the LP relaxation of the MCKP on the same allowed levels
    masked_value = value if allowed is None else np.where(allowed, value, 0.0)
    masked_cost = cost if allowed is None else np.where(allowed, cost, 0.0)
    lp = lp_relaxation(masked_cost, masked_value, budget)
    assert sel.lp_value == pytest.approx(lp, rel=1e-9, abs=1e-12)
    # monotone at and around breakpoints
    for point in [total, *_breakpoints(hull, rng)]:
        budgets = [point - 1e-9, np.nextafter(point, -np.inf), point, np.nextafter(point, np.inf)]
        budgets.append(point + 1e-9)
        got = [_check_budget(hull, cost, value, b) if b >= 0 else 0.0 for b in budgets]
        for before, after in itertools.pairwise(got):
            assert after >= before - 1e-9, (budgets, got)


def test_budget_at_every_top_level() -> None:
    """A budget equal to every keyword's top level buys at least as much as one 1e-9
    below it (issue 21: the histogram's rounded sums dropped a step; 1 of these 200
    failed before)."""
    rng = np.random.default_rng(0)
    bad = 0
    for case in range(200):
        n, levels = int(rng.integers(2, 30)), int(rng.integers(2, 8))
        cost, value = make_rows(FAMILIES[case % len(FAMILIES)], n, levels, rng)
        hull = build_hull(cost, value)
        full = float(cost[:, -1].sum())
        at, below = (
            _check_budget(hull, cost, value, full),
            _check_budget(hull, cost, value, full - 1e-9),
        )
        bad += at < below - 1e-12
    assert bad == 0


def test_optimize_bids_at_every_top_level() -> None:
    """The same through ``optimize_bids``, with a landscape's own top-level cost."""
    rng = np.random.default_rng(1)
    for case in range(100):
        n, levels = int(rng.integers(2, 30)), int(rng.integers(2, 8))
        cost, value = make_rows(FAMILIES[case % len(FAMILIES)], n, levels, rng)
        bids = np.cumsum(np.ones((n, levels)), axis=1)
        clicks = np.maximum.accumulate(np.maximum(value, 0.0), axis=1) + 1e-3 * bids
        land = BidLandscape(bids=bids, clicks=clicks, cost=cost, conversions=clicks * 0.1)
        full = float(land.cost[:, -1].sum())
        at = optimize_bids(land, full)
        below = optimize_bids(land, full - 1e-9)
        assert at.spend <= full
        assert at.fun >= below.fun - 1e-12
