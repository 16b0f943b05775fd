"""The compiled kernels (numba) against the numpy reference path and the exact hull.

Both paths decide every vertex with an exact orientation test (floating point beyond its
error bound, exact arithmetic for the closer calls), so both equal the exact rational
reference, even for a vertex an ulp above its neighbours' chord.  Hulls are compared with
both; plans on both paths must hold every constraint and agree within the certified gap.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from bidopt.bidding import _kernels, optimize_bids
from bidopt.bidding._hull import Hull, build_hull
from bidopt.landscape import BidLandscape
from tests.bidding.test_hull_select import (
    FAMILIES,
    hull_levels,
    make_rows,
    near_tie_rows,
    reference_hull,
)

pytestmark = pytest.mark.skipif(not _kernels.AVAILABLE, reason="numba is not installed")


def _both(
    monkeypatch: pytest.MonkeyPatch,
    cost: np.ndarray,
    value: np.ndarray,
    allowed: np.ndarray | None = None,
) -> tuple[Hull, Hull]:
    """(kernel hull, numpy hull) of the same rows."""
    monkeypatch.setattr(_kernels, "ENABLED", True)
    fast = build_hull(cost, value, allowed)
    monkeypatch.setattr(_kernels, "ENABLED", False)
    slow = build_hull(cost, value, allowed)
    monkeypatch.setattr(_kernels, "ENABLED", True)
    return fast, slow


def _same_hull(fast: Hull, slow: Hull) -> None:
    np.testing.assert_array_equal(fast.n_steps, slow.n_steps)
    np.testing.assert_array_equal(fast.level, slow.level)
    np.testing.assert_array_equal(fast.bucket, slow.bucket)
    # the same step costs per bucket, summed in another order
    np.testing.assert_allclose(fast.bucket_cost, slow.bucket_cost, rtol=1e-12, atol=1e-300)
    assert fast.span == slow.span  # the first and last non-empty bucket


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("masked", [False, True])
def test_kernel_hull_equals_numpy_and_exact(
    monkeypatch: pytest.MonkeyPatch, family: str, masked: bool
) -> None:
    rng = np.random.default_rng(100 + FAMILIES.index(family) + 10 * masked)
    for levels in (1, 2, 3, 7, 20):
        cost, value = make_rows(family, 100, levels, rng)
        allowed = rng.random(cost.shape) < 0.7 if masked else None
        fast, slow = _both(monkeypatch, cost, value, allowed)
        assert hull_levels(fast) == reference_hull(cost, value, allowed)
        _same_hull(fast, slow)


def test_kernel_hull_on_adversarial_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Collinear points, zero and duplicate costs, falling values, and magnitudes beyond
    the exact arithmetic's range (1e200, 1e-300: those rows are scaled by a power of two
    first, on both paths, and are then decided exactly)."""
    cost = np.array(
        [
            [1.0, 2.0, 3.0, 4.0],
            [0.0, 0.0, 1.0, 2.0],
            [0.0, 0.0, 0.0, 0.0],
            [1.0, 1.0, 1.0, 2.0],
            [1.0, 2.0, 3.0, 4.0],
            [1.0, 2.0, 2.0, 5.0],
            [1e200, 2e200, 3e200, 4e200],
            [1e-300, 2e-300, 3e-300, 5e-300],
        ]
    )
    value = np.array(
        [
            [1.0, 2.0, 3.0, 4.0],
            [1.0, 2.0, 2.5, 2.75],
            [0.0, 3.0, 1.0, 3.0],
            [1.0, 3.0, 2.0, 4.0],
            [2.0, 1.0, -1.0, 3.0],
            [0.1, 0.5, 0.5, 4.0],
            [1e200, 2e200, 3e200, 3.5e200],
            [1.0, 2.0, 3.0, 3.5],
        ]
    )
    for allowed in (None, np.array([[True, False, True, True]] * cost.shape[0])):
        fast, slow = _both(monkeypatch, cost, value, allowed)
        _same_hull(fast, slow)
        # out of range rows included: scaled by a power of two, they are decided exactly
        assert hull_levels(fast) == reference_hull(cost, value, allowed)


def test_kernel_hull_keeps_a_vertex_an_ulp_above_the_chord(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Levels 7, 14, 15 of a ties-and-plateaus row: level 14 is above the chord from 7
    to 15 by less than rounding (0.0625 = 0.0125 * 5 rounded).  The exact test keeps
    it on both paths, as the rational reference does."""
    cost = np.array(
        [[0.0, 0.5, 0.5, 0.5, 1, 1, 1.5, 1.5, 2, 2, 2, 2.5, 2.5, 3, 3, 3.5, 3.5, 4, 4, 4.5]]
    )
    value = np.zeros((1, 20))
    value[0, 3:14] = [0.0125, 0.0125, 0.025, 0.037500000000000006, 0.05, *[0.0625] * 6]
    value[0, 14:] = [0.08750000000000001, *[0.1] * 5]
    fast, slow = _both(monkeypatch, cost, value)
    assert hull_levels(fast) == reference_hull(cost, value, None) == [[7, 14, 15]]
    _same_hull(fast, slow)


@pytest.mark.parametrize(
    "value",
    [
        [0.0, 0.0, 0.7740318055183292, 3 * 0.7740318055183292],
        [0.0, 0.0, 0.7740318055183292, 2.3220954165549874],
    ],
)
def test_both_paths_keep_a_vertex_whose_ratio_ties_when_rounded(
    monkeypatch: pytest.MonkeyPatch, value: list[float]
) -> None:
    """Levels 2 and 3 at costs 1 and 3: ``3 * v2 - v3`` is 2**-53 > 0 exactly, so level 2
    is a vertex, though ``v3 / 3`` rounds to ``v2`` (the numpy path's first vertex, the
    largest rounded ratio, was level 3 alone)."""
    cost = np.array([[0.0, 0.0, 1.0, 3.0]])
    row = np.array([value])
    assert 3 * Fraction(value[2]) > Fraction(value[3])
    assert value[3] / 3 == value[2]
    fast, slow = _both(monkeypatch, cost, row)
    assert hull_levels(fast) == hull_levels(slow) == reference_hull(cost, row, None) == [[2, 3]]
    _same_hull(fast, slow)


def test_numpy_path_decides_near_ties_exactly_in_every_branch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rows a few ulps from collinear (masked or not): the numpy path's rounded-slope
    shortcuts leave every close call to the exact test, so both paths agree."""
    rng = np.random.default_rng(7)
    cost, value = near_tie_rows(rng)
    for allowed in (None, rng.random(cost.shape) < 0.8):
        fast, slow = _both(monkeypatch, cost, value, allowed)
        assert hull_levels(slow) == reference_hull(cost, value, allowed)
        _same_hull(fast, slow)


def _landscape(family: str, rng: np.random.Generator, n: int = 300) -> BidLandscape:
    cost, value = make_rows(family, n, 12, rng)
    bids = np.cumsum(np.ones(cost.shape), axis=1)
    clicks = np.maximum.accumulate(np.maximum(value, 0.0), axis=1) + 1e-3 * bids
    return BidLandscape(bids=bids, clicks=clicks, cost=cost, conversions=clicks * 0.1)


@pytest.mark.parametrize("family", FAMILIES)
def test_plans_agree_on_both_paths(monkeypatch: pytest.MonkeyPatch, family: str) -> None:
    rng = np.random.default_rng(7 + FAMILIES.index(family))
    land = _landscape(family, rng)
    total = float(land.cost[:, -1].sum())
    for share, kwargs in ((0.3, {}), (0.9, {"objective": "clicks"}), (0.5, {"max_cpc": 0.9})):
        plans = []
        for enabled in (True, False):
            monkeypatch.setattr(_kernels, "ENABLED", enabled)
            plans.append(optimize_bids(land, share * total, **kwargs))  # type: ignore[arg-type]
        fast, slow = plans
        assert fast.success and slow.success
        assert fast.certificate.holds and slow.certificate.holds
        # identical hulls (these rows have no near-collinear points): identical plans
        np.testing.assert_array_equal(fast.levels, slow.levels)
        assert fast.bound == pytest.approx(slow.bound, rel=1e-12)


def test_hull_methods_agree_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    cost, value = make_rows("ties_flat", 400, 9, rng)
    allowed = rng.random(cost.shape) < 0.8
    hull = build_hull(cost, value, allowed)
    assert hull.odd_rows.size  # the odd-row tables are exercised
    rows = np.flatnonzero(hull.n_steps > 0)
    index = (rng.random(rows.size) * hull.n_steps[rows]).astype(np.int64)
    taken = (rng.random(hull.shape[0]) * (hull.n_steps + 1)).astype(np.int64)
    edge = int(np.median(hull.bucket[hull.bucket > 0]))
    out = []
    for enabled in (True, False):
        monkeypatch.setattr(_kernels, "ENABLED", enabled)
        out.append(
            (
                hull.vertex_level(rows, index),
                *hull.step(rows, index),
                hull.next_cost(rows, index),
                hull.level_after(taken),
                hull.totals_after(taken),
                *hull.edge_steps(edge),
            )
        )
    for fast, slow in zip(*out, strict=True):
        np.testing.assert_array_equal(fast, slow)


@pytest.mark.parametrize("family", FAMILIES)
def test_edge_steps_agree_on_both_paths_at_every_edge(
    monkeypatch: pytest.MonkeyPatch, family: str
) -> None:
    """The kernel walks each row's vertices only (stopping below the edge); the numpy
    path counts the whole bucket table: the same steps at every bucket in use."""
    rng = np.random.default_rng(8 + FAMILIES.index(family))
    cost, value = make_rows(family, 300, 9, rng)
    hull = build_hull(cost, value, rng.random(cost.shape) < 0.85)
    for edge in np.unique(hull.bucket[hull.bucket > 0])[::3]:
        out = []
        for enabled in (True, False):
            monkeypatch.setattr(_kernels, "ENABLED", enabled)
            out.append(hull.edge_steps(int(edge)))
        monkeypatch.setattr(_kernels, "ENABLED", True)
        for fast, slow in zip(*out, strict=True):
            np.testing.assert_array_equal(fast, slow)


def test_plan_metrics_gathered_as_at_levels(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan's per-keyword metrics gathered in one compiled pass equal
    ``BidLandscape.at_levels`` (every metric, not bidding as 0); levels it cannot take
    go to ``at_levels``, which names the bad level."""
    from bidopt.bidding._problem import make_problem
    from bidopt.exceptions import InvalidInputError

    rng = np.random.default_rng(5)
    cost, value = make_rows("s_shaped", 400, 7, rng)
    land = BidLandscape(
        bids=np.cumsum(rng.uniform(0.1, 1.0, cost.shape), axis=1),
        clicks=value,
        cost=cost,
        conversions=0.1 * value,
        revenue=4.0 * value,
        impressions=np.round(20 * value),
    )
    none = dict.fromkeys(("max_cpc", "target_cpa", "target_roas", "min_bid", "max_bid"))
    problem = make_problem(land, 10.0, objective="clicks", groups=None, group_budgets=None, **none)
    levels = rng.integers(-1, 7, 400)
    want = land.at_levels(levels)
    for enabled in (True, False):
        monkeypatch.setattr(_kernels, "ENABLED", enabled)
        got = problem.metrics(levels)
        assert list(got) == list(want)
        for name in want:
            np.testing.assert_array_equal(got[name], want[name])
    monkeypatch.setattr(_kernels, "ENABLED", True)
    levels[3] = 7
    with pytest.raises(InvalidInputError, match="levels"):
        problem.metrics(levels)
