"""Session 24's adversarial fuzz: counterexamples pinned, each against brute force.

``method="milp"`` with a group budget far below the account budget (a budget of 1e7
beside a group of 2 yuan): the costs were scaled by the budget into HiGHS's tolerance,
every plan looked feasible, the re-solves tightened the group row past every plan, and
the plan came back empty with ``success=True``, "Optimal (HiGHS)" and a bound of 0.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from bidopt.bidding import _kernels, _threads, optimize_bids
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import BidLandscape


def _brute_force(
    land: BidLandscape, budget: float, groups: list[str], cap: dict[str, float]
) -> float:
    """Best clicks over every plan (one level or none per keyword), checked exactly."""
    n, n_levels = land.bids.shape
    best = 0.0
    label = np.asarray(groups)
    for levels in itertools.product(range(-1, n_levels), repeat=n):
        on = np.asarray(levels) >= 0
        at = np.maximum(levels, 0)
        cost = np.where(on, land.cost[np.arange(n), at], 0.0)
        if cost.sum() > budget:
            continue
        if any(cost[label == g].sum() > limit for g, limit in cap.items()):
            continue
        best = max(best, float(np.where(on, land.clicks[np.arange(n), at], 0.0).sum()))
    return best


@pytest.mark.parametrize("budget", [8.0, 1e6, 1e7, 1e9, 1e12])
def test_milp_group_budget_far_below_the_budget(budget: float) -> None:
    land = BidLandscape(bids=[[1.0], [1.0]], clicks=[[3.0], [4.0]], cost=[[2.0], [5.0]])
    kw = {"groups": ["a", "a"], "group_budgets": {"a": 2.0}}
    best = _brute_force(land, budget, ["a", "a"], {"a": 2.0})
    assert best == 3.0
    plan = optimize_bids(land, budget, method="milp", objective="clicks", **kw)  # type: ignore[arg-type]
    assert plan.success
    assert plan.fun == best
    assert plan.bound >= best


def test_milp_tiny_group_budget_random() -> None:
    """Random small problems, a group budget 1e-3..1e2 beside a budget up to 1e9: the
    milp plan is the brute-force optimum and its bound is not below it."""
    rng = np.random.default_rng(24)
    for _ in range(60):
        n = int(rng.integers(2, 5))
        n_levels = int(rng.integers(1, 3))
        bids = np.cumsum(rng.uniform(0.2, 1.0, (n, n_levels)), axis=1)
        clicks = np.cumsum(rng.integers(1, 4, (n, n_levels)), axis=1).astype(float)
        scale = 10.0 ** rng.uniform(-3, 2)
        cost = np.cumsum(rng.uniform(0.1, 1.0, (n, n_levels)), axis=1) * scale
        land = BidLandscape(bids=bids, clicks=clicks, cost=cost)
        groups = [str(g) for g in rng.choice(["a", "b"], n)]
        if "a" not in groups:
            groups[0] = "a"
        cap = {"a": float(cost[:, 0].max() * rng.uniform(0.5, 2.5))}
        budget = float(10.0 ** rng.uniform(2, 9))
        best = _brute_force(land, budget, groups, cap)
        plan = optimize_bids(
            land, budget, method="milp", objective="clicks", groups=groups, group_budgets=cap
        )
        assert plan.success
        np.testing.assert_allclose(plan.fun, best, rtol=1e-12)
        assert plan.bound >= best * (1 - 1e-12)


@pytest.mark.parametrize("method", ["dual", "milp", "lp"])
def test_totals_beyond_float64_raise(method: str) -> None:
    """Two keywords of 1e308 clicks: the plan's total is inf.  The dual said success
    with fun inf; milp and lp raised OverflowError (2.0**1024 in the row scaling)."""
    land = BidLandscape(bids=[[1.0], [1.0]], clicks=[[1e308], [1e308]], cost=[[1.0], [1.0]])
    with pytest.raises(InvalidInputError, match=r"`landscape`.*float64.*Got objective inf"):
        optimize_bids(land, 2.0, objective="clicks", method=method)  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["dual", "milp", "lp"])
def test_cells_near_float64_max_that_fit(method: str) -> None:
    """Cells near 1e308 whose plan totals fit are solved (milp/lp raised OverflowError)."""
    land = BidLandscape(bids=[[1.0, 2.0]], clicks=[[1e308, 1.5e308]], cost=[[1.0, 3.0]])
    plan = optimize_bids(land, 2.0, objective="clicks", method=method)  # type: ignore[arg-type]
    assert plan.success and plan.fun == 1e308 and np.isfinite(plan.bound)
    land = BidLandscape(bids=[[1.0], [1.0]], clicks=[[1.0], [1.0]], cost=[[1e308], [1e308]])
    plan = optimize_bids(land, 1.7e308, objective="clicks", method=method)  # type: ignore[arg-type]
    assert plan.success and plan.fun == 1.0 and plan.spend == 1e308


def test_shadow_price_beyond_float64_raises() -> None:
    """A cell worth 1e300 clicks for 1e-10 yuan at the margin: the dual's shadow price
    was inf in a plan that said success."""
    land = BidLandscape(
        bids=[[1.0, 2.0], [1.0, 2.0]],
        clicks=[[1e300, 2e300], [1.0, 2.0]],
        cost=[[1e-10, 2e-10], [1.0, 5.0]],
    )
    with pytest.raises(InvalidInputError, match="shadow_price"):
        optimize_bids(land, 1.5e-10, objective="clicks")


def test_a_pool_in_use_survives_a_change_of_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Changing ``BIDOPT_THREADS`` shut the previous pool down while another thread could
    still be handing it chunks ('cannot schedule new futures after shutdown')."""
    pool = _threads._executor(1)
    _threads._executor(2)  # BIDOPT_THREADS changed elsewhere
    assert pool.submit(lambda: 7).result() == 7
    # the same through run(): three threads planning while the setting changes
    errors: list[str] = []
    stop = time.perf_counter() + 0.5

    def plan_rows() -> None:
        while time.perf_counter() < stop:
            try:
                assert _threads.run([lambda i=i: i for i in range(8)]) == list(range(8))
            except Exception as error:  # collected, asserted below
                errors.append(repr(error))

    monkeypatch.setenv("BIDOPT_THREADS", "2")
    workers = [threading.Thread(target=plan_rows) for _ in range(3)]
    for worker in workers:
        worker.start()
    flips = 0
    while time.perf_counter() < stop:
        os.environ["BIDOPT_THREADS"] = str(2 + flips % 3)
        flips += 1
    for worker in workers:
        worker.join()
    assert not errors, errors[:3]


def _rows_at_threshold(n: int, n_levels: int, rng: np.random.Generator) -> BidLandscape:
    """S-shaped rows, the first chunk's and a middle chunk's rows without any step."""
    bids = np.cumsum(rng.uniform(0.05, 1.0, (n, n_levels)), axis=1)
    scale = rng.uniform(0.5, 5.0, (n, 1))
    clicks = rng.uniform(1, 100, (n, 1)) * -np.expm1(-((bids / scale) ** 2))
    cost = np.maximum.accumulate(clicks * bids * rng.uniform(0.4, 1.0, (n, 1)), axis=1)
    cuts = [n * i // _threads.N_CHUNKS for i in range(_threads.N_CHUNKS + 1)]
    for start, stop in ((cuts[0], cuts[1]), (cuts[4], cuts[5])):  # the chunks above the threshold
        clicks[start:stop] = 0.0
        cost[start:stop] = 0.0
    return BidLandscape(bids=bids, clicks=clicks, cost=cost, conversions=0.05 * clicks)


@pytest.mark.skipif(not _kernels.AVAILABLE, reason="numba is not installed")
@pytest.mark.parametrize("n", [_threads.MIN_POINTS // 16 - 1, _threads.MIN_POINTS // 16 + 3])
def test_plans_at_the_chunking_threshold_on_any_threads(
    monkeypatch: pytest.MonkeyPatch, n: int
) -> None:
    """Just below and above ``MIN_POINTS`` (16 levels), rows without steps in whole
    chunks, masks from max_cpc / bid bounds and a target: the same plan, bit for bit, on
    1-4 threads and from three Python threads at once."""
    rng = np.random.default_rng(n)
    land = _rows_at_threshold(n, 16, rng)
    assert len(_threads.chunks(n, 16)) == (1 if n * 16 < _threads.MIN_POINTS else 8)
    total = float(land.cost[:, -1].sum())
    cpc = float(np.median(land.cost[land.clicks > 0] / land.clicks[land.clicks > 0]))
    cases: tuple[dict[str, object], ...] = (
        {"objective": "clicks"},
        {"max_cpc": cpc},
        {"min_bid": 1.0, "max_bid": 4.0},
        {"target_cpa": 0.9 * total / float(land.conversions[:, -1].sum())},
    )

    def key(kw: dict[str, object]) -> tuple[bytes, float, float, str]:
        plan = optimize_bids(land, 0.4 * total, **kw)  # type: ignore[arg-type]
        assert plan.success
        return plan.levels.tobytes(), plan.fun, plan.bound, plan.message

    for kw in cases:
        seen = set()
        for k in (1, 2, 3, 4):
            monkeypatch.setenv("BIDOPT_THREADS", str(k))
            seen.add(key(kw))
        with ThreadPoolExecutor(3) as pool:  # BIDOPT_THREADS=4 in every one of them
            seen.update(pool.map(key, [kw] * 3))
        assert len(seen) == 1
