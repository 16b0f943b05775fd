"""Hulls of rows whose magnitudes leave float64's exact range (costs or values near
1e288, or 1e-300): each such row is scaled by a power of two before its hull is built
(exact), so its hull is the exact one, on both paths.  Before, at 1e288 the numpy path's
rounded cross products decided 5,965 of 15,881 rows wrongly (their slopes rose along the
hull), the threshold's spend overshot the budget and the cluster path raised SolverError
(session 24 fuzz)."""

from __future__ import annotations

import numpy as np
import pytest

from bidopt.bidding import _kernels, optimize_bids
from bidopt.bidding._hull import build_hull
from bidopt.landscape import BidLandscape
from tests.bidding.test_hull_select import FAMILIES, hull_levels, make_rows, reference_hull


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.parametrize("k", [-1000, -700, 700, 930])
def test_hull_of_rows_scaled_far_is_the_exact_hull(
    monkeypatch: pytest.MonkeyPatch, family: str, enabled: bool, k: int
) -> None:
    if enabled and not _kernels.AVAILABLE:
        pytest.skip("numba is not installed")
    monkeypatch.setattr(_kernels, "ENABLED", enabled)
    rng = np.random.default_rng(40 + FAMILIES.index(family))
    cost, value = make_rows(family, 60, 9, rng)
    # half the rows far (exactly 2**k times), half as they are
    far = np.arange(60) % 2 == 0
    c = np.where(far[:, None], np.ldexp(cost, k), cost)
    v = np.where(far[:, None], np.ldexp(value, k), value)
    near = build_hull(cost, value)
    hull = build_hull(c, v)
    assert hull_levels(hull) == hull_levels(near) == reference_hull(c, v, None)
    # the same slopes, so the same buckets; each bucket's cost is the near rows' plus
    # 2**k times the far rows'
    np.testing.assert_array_equal(hull.bucket, near.bucket)
    expected = build_hull(cost[~far], value[~far]).bucket_cost + np.ldexp(
        build_hull(cost[far], value[far]).bucket_cost, k
    )
    np.testing.assert_allclose(hull.bucket_cost, expected, rtol=1e-12, atol=1e-300)
    assert hull.span == (int(np.flatnonzero(expected)[0]), int(np.flatnonzero(expected)[-1]))


@pytest.mark.parametrize("enabled", [True, False])
def test_plans_at_2_to_the_900_are_the_plans(
    monkeypatch: pytest.MonkeyPatch, enabled: bool
) -> None:
    if enabled and not _kernels.AVAILABLE:
        pytest.skip("numba is not installed")
    monkeypatch.setattr(_kernels, "ENABLED", enabled)
    rng = np.random.default_rng(8)
    cost, value = make_rows("s_shaped", 300, 12, rng)
    bids = np.cumsum(np.ones(cost.shape), axis=1)
    clicks = np.maximum.accumulate(np.maximum(value, 0.0), axis=1) + 1e-3 * bids
    land = BidLandscape(bids=bids, clicks=clicks, cost=cost)
    big = BidLandscape(bids=bids, clicks=np.ldexp(clicks, 900), cost=np.ldexp(cost, 900))
    budget = 0.3 * float(cost[:, -1].sum())
    plan = optimize_bids(land, budget, objective="clicks")
    far = optimize_bids(big, float(np.ldexp(budget, 900)), objective="clicks")
    assert far.success and far.certificate.holds
    np.testing.assert_array_equal(far.levels, plan.levels)
    assert far.fun == np.ldexp(plan.fun, 900)
