"""``optimize_bids(..., client=...)`` makes the in-process plan, on a 2-worker LocalCluster.

The acceptance case: 1,000,000 keywords in 50 partitions of 20,000, generated on the
workers from seeds (nothing shipped but the seed), half second-price (concave) rows and
half S-shaped rows, 4 bid levels (so the in-process reference and the cluster run fit the
test budget on a loaded 2-core machine), compared with ``optimize_bids`` on the same
keywords in this process: bids and levels identical, objective equal to 1e-12.
The target CPA case (about 50 hull builds per solve with the default 60 bisection
steps) runs on 200,000 keywords in 50 partitions of 4,000 with ``max_outer=8`` on both
sides, to stay within the suite's budget; ``benchmarks/cluster.py`` compares the
target CPA plan at 1,000,000 keywords with the default steps.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bidopt.bidding import optimize_bids
from bidopt.bidding._distributed import _sources, last_stats
from bidopt.exceptions import InfeasibleError, InvalidInputError
from bidopt.landscape import BidLandscape
from tests.cluster._families import concat, partition

N_PARTS, LEVELS = 50, 4


def _account(client: Any, part: int, seed: int) -> tuple[list[Any], Any]:
    """Partitions generated on the workers from seeds, and the same keywords here."""
    seeds = [seed + i for i in range(N_PARTS)]
    futures = [client.submit(partition, s, part, LEVELS, pure=False) for s in seeds]
    return futures, concat([partition(s, part, LEVELS) for s in seeds])


@pytest.fixture(scope="module")
def account(client: Any) -> tuple[list[Any], Any]:
    return _account(client, 20_000, 7_000)  # 1,000,000 keywords


@pytest.fixture(scope="module")
def small(client: Any) -> tuple[list[Any], Any]:
    return _account(client, 4_000, 9_000)  # 200,000 keywords


def _same(ref: Any, got: Any) -> None:
    assert got.success and ref.success
    np.testing.assert_array_equal(got.levels, ref.levels)
    np.testing.assert_array_equal(got.bids, ref.bids)
    np.testing.assert_allclose(got.fun, ref.fun, rtol=1e-12)
    assert got.spend <= ref.budget
    assert got.certificate.holds
    # the bound is summed shard by shard: equal up to round-off (a few ulps of the bound)
    np.testing.assert_allclose(got.bound, ref.bound, rtol=1e-12)
    assert abs(got.gap_bound - ref.gap_bound) <= 1e-12 * ref.bound


def test_budget_plan_is_the_in_process_plan(client: Any, account: Any) -> None:
    futures, land = account
    budget = 0.3 * float(land.cost[:, -1].sum())
    ref = optimize_bids(land, budget)
    got = optimize_bids(futures, budget, client=client)
    _same(ref, got)
    stats = last_stats()
    assert stats is not None
    # the multiplier search sends O(levels) per shard; most bytes are the plan itself
    assert stats.by_kind["prepare"][1] <= 50 * 256 * 8


def test_target_cpa_plan_is_the_in_process_plan(client: Any, small: Any) -> None:
    futures, land = small
    budget = 0.3 * float(land.cost[:, -1].sum())
    free = optimize_bids(land, budget)
    target = 0.85 * free.spend / free.conversions  # binds
    opts = {"max_outer": 8}
    ref = optimize_bids(land, budget, target_cpa=target, options=opts)
    got = optimize_bids(futures, budget, target_cpa=target, options=opts, client=client)
    _same(ref, got)
    assert got.nit == ref.nit
    assert got.spend / got.conversions <= target * (1 + 1e-9)


def test_same_errors_as_in_process(client: Any, small: Any) -> None:
    futures, _ = small
    small = futures[:2]
    with pytest.raises(InfeasibleError) as ours:
        optimize_bids(small, 1e6, target_cpa=1e-6, client=client)
    with pytest.raises(InfeasibleError) as theirs:
        optimize_bids(concat([f.result() for f in small]), 1e6, target_cpa=1e-6)
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="Unknown method"):
        optimize_bids(small, 1e3, method="milp", client=client)
    with pytest.raises(InvalidInputError, match="group_budgets"):
        optimize_bids(small, 1e3, groups=np.zeros(2), group_budgets={0: 1.0}, client=client)
    with pytest.raises(InvalidInputError, match="options"):
        optimize_bids(small, 1e3, options={"max_outer": -1}, client=client)
    with pytest.raises(InvalidInputError, match="landscape"):
        optimize_bids([], 1e3, client=client)


def _tiny(seed: int, n: int = 6, levels: int = 3) -> BidLandscape:
    rng = np.random.default_rng(seed)
    bids = np.sort(rng.uniform(0.1, 5, (n, levels)), axis=1)
    clicks = np.cumsum(rng.exponential(3, (n, levels)), axis=1)
    return BidLandscape(
        bids=bids, clicks=clicks, cost=clicks * 0.5 * bids, conversions=0.1 * clicks
    )


def test_repeated_calls_on_one_landscape_use_fresh_keys(client: Any) -> None:
    """A loop over budgets on one landscape: each call scatters its partitions under new
    keys, so the previous call releasing its futures cannot cancel this call's shards
    (hashed keys were shared and failed about 1 call in 30 with 'lost dependencies')."""
    land = _tiny(0)
    first = {f.key for f in _sources(land, client)}
    again = {f.key for f in _sources(land, client)}
    assert first.isdisjoint(again)
    top = float(land.cost[:, -1].sum())
    for f in (0.2, 0.3, 0.3, 0.3, 0.5):
        ref = optimize_bids(land, f * top)
        got = optimize_bids(land, f * top, client=client)
        np.testing.assert_array_equal(got.levels, ref.levels)


def _edge_landscape_rng(rng: np.random.Generator, n: int, levels: int, ties: bool) -> BidLandscape:
    """review3's fuzz family: random rows, integer clicks with ties or smooth clicks."""
    bids = np.sort(rng.uniform(0.1, 5, (n, levels)), axis=1)
    if ties:
        clicks = np.sort(rng.integers(0, 20, (n, levels)).astype(float), axis=1)
    else:
        clicks = np.cumsum(rng.exponential(3, (n, levels)), axis=1)
    cost = clicks * (np.sort(rng.uniform(0.05, 1, (n, levels)), axis=1) * bids)
    conv = clicks * rng.uniform(0, 0.2, (n, 1))
    revenue = conv * rng.uniform(20, 100, (n, 1))
    return BidLandscape(bids=bids, clicks=clicks, cost=cost, conversions=conv, revenue=revenue)


def _edge_landscape(seed: int, n: int, levels: int, ties: bool) -> BidLandscape:
    return _edge_landscape_rng(np.random.default_rng(seed), n, levels, ties)


def test_top_level_budget_plan_is_the_in_process_plan(client: Any) -> None:
    """review3 r3: at a budget equal to every keyword's top-level cost the shards' sums
    added rounded above the budget and the cluster dropped keyword 4 to level 0
    (7.808 against 7.840 in process, success=True with a 3.2% gap)."""
    rng = np.random.default_rng(0)
    for it in range(2):  # the reviewer's generator, advanced to its third landscape
        n, levels = int(rng.integers(1, 12)), int(rng.integers(2, 5))
        _edge_landscape_rng(rng, n, levels, it % 3 == 0)
    n, levels = int(rng.integers(1, 12)), int(rng.integers(2, 5))
    land = _edge_landscape_rng(rng, n, levels, False)
    budget = float(land.cost[:, -1].sum())
    ref = optimize_bids(land, budget)
    got = optimize_bids(land, budget, client=client)
    np.testing.assert_array_equal(got.levels, ref.levels)
    assert got.fun == ref.fun and got.success and got.gap_bound == 0.0


@settings(max_examples=15, derandomize=True, database=None, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(1, 12),
    levels=st.integers(2, 4),
    ties=st.booleans(),
    edge=st.sampled_from(["top", "level"]),
    ulps=st.integers(-2, 2),
)
def test_budget_edges_cluster_plan_is_the_in_process_plan(
    client: Any, seed: int, n: int, levels: int, ties: bool, edge: str, ulps: int
) -> None:
    """At budgets on a breakpoint (every keyword at its top level, or all at one
    level), and a few ulps either side, the cluster plan is the in-process plan."""
    land = _edge_landscape(seed, n, levels, ties)
    column = levels - 1 if edge == "top" else seed % levels
    budget = float(land.cost[:, column].sum())
    if budget <= 0:
        return
    for _ in range(abs(ulps)):
        budget = float(np.nextafter(budget, np.inf if ulps > 0 else 0.0))
    ref = optimize_bids(land, budget)
    got = optimize_bids(land, budget, client=client)
    assert got.success == ref.success
    assert got.spend <= budget
    np.testing.assert_array_equal(got.levels, ref.levels)
    np.testing.assert_allclose(got.fun, ref.fun, rtol=1e-12)
