"""optimize_crowd_bids: joint keyword bids and crowd premiums against the per-cell optimum."""

from __future__ import annotations

import numpy as np
import pytest

from bidopt.bidding import CrowdBidPlan, _kernels, optimize_bids, optimize_crowd_bids
from bidopt.bidding._crowds_cells import CellCurves, SearchTables
from bidopt.bidding._crowds_search import base_grid, keyword_landscape
from bidopt.datasets import make_search_account
from bidopt.exceptions import InfeasibleError, InvalidInputError
from bidopt.landscape import BidLandscape

OTHERS = "其他访客"


@pytest.fixture(scope="module")
def account_cells():
    account = make_search_account(120, n_crowds=8, n_days=1, rng=11)
    crowds = account.crowds
    cols = crowds.landscape_columns(12)
    land = BidLandscape(
        **{k: cols[k] for k in ("bids", "impressions", "clicks", "cost", "conversions", "revenue")}
    )
    today = crowds.expected(crowds.cell_bids(account.current_bids))
    return account, cols, land, float(today.cost.sum())


def _solve(cols, land, budget, **kwargs):
    return optimize_crowd_bids(
        land, budget, keywords=cols["keyword"], crowds=cols["crowd"], base_crowd=OTHERS, **kwargs
    )


def test_joint_plan_between_keyword_only_and_per_cell_bound(account_cells):
    account, cols, land, budget = account_cells
    plan = _solve(cols, land, budget, max_cpc=22.0)
    assert isinstance(plan, CrowdBidPlan) and plan.success
    assert plan.spend <= budget * (1 + 1e-9)
    assert plan.keyword_only_fun <= plan.fun <= plan.bound
    assert plan.share_of_per_cell >= 0.97
    # the plan's cells are its keyword bid times (1 + premium), on the platform's grid
    expect = plan.base_bids[plan.cell_keyword] * (1 + plan.premiums[plan.cell_crowd])
    np.testing.assert_allclose(plan.cell_bids, expect)
    targeted = plan.premiums[plan.premiums > 0]
    assert np.all((targeted >= 0.05) & (targeted <= 3.0))
    np.testing.assert_allclose(targeted * 100, np.round(targeted * 100), atol=1e-9)
    assert plan.premiums[list(plan.crowds).index(OTHERS)] == 0
    assert np.all(plan.cell_cost <= 22.0 * plan.cell_clicks * (1 + 1e-9))
    # read on the truth at the plan's bids, the promised orders hold (interpolation is
    # a chord of a concave curve: it promises no more than the truth gives)
    true = account.crowds.expected(plan.cell_bids.reshape(account.crowds.volume.shape))
    assert true.conversions.sum() >= plan.conversions * (1 - 1e-3)
    frame = plan.to_frame()
    assert len(frame) == land.bids.shape[0] and "premium" in frame
    assert "per-cell optimum" in plan.summary()


def test_max_crowds_and_identical_crowds(account_cells):
    _, cols, land, budget = account_cells
    plan = _solve(cols, land, budget, max_crowds=2)
    assert plan.success and plan.n_targeted <= 2
    none = _solve(cols, land, budget, max_crowds=0)
    assert none.n_targeted == 0 and none.fun == pytest.approx(none.keyword_only_fun)
    # two copies of one keyword's shoppers: a premium cannot beat the keyword bid
    rows = np.flatnonzero(cols["crowd"] == OTHERS)
    sub = land.take(rows)
    both = BidLandscape(
        bids=np.vstack([sub.bids, sub.bids]),
        clicks=np.vstack([sub.clicks, sub.clicks]),
        cost=np.vstack([sub.cost, sub.cost]),
        conversions=np.vstack([sub.conversions, sub.conversions]),
    )
    kws = np.r_[rows, rows]
    twins = optimize_crowd_bids(both, budget, keywords=kws, crowds=np.repeat(["a", "b"], rows.size))
    assert twins.success
    assert twins.fun >= 0.995 * twins.per_cell.fun


def test_target_cpa_and_lifetime_value(account_cells):
    account, cols, land, budget = account_cells
    plan = _solve(cols, land, budget, target_cpa=25.0)
    assert plan.success and plan.cpa <= 25.0 * (1 + 1e-9)
    assert "target_cpa" in plan.certificate
    ltv = dict(zip(account.crowds.names, account.crowds.lifetime_value_per_order(), strict=True))
    value = _solve(cols, land, budget, objective="lifetime_value", value_per_order=ltv)
    assert value.success
    per_order = np.array([ltv[c] for c in value.crowds])[value.cell_crowd]
    np.testing.assert_allclose(value.fun, (value.cell_conversions * per_order).sum())
    basket = _solve(cols, land, budget, objective="revenue")
    # valuing orders by lifetime value buys more (modelled) lifetime value than
    # first-basket bidding; with the truth's multipliers, more true lifetime value too
    assert value.fun >= (basket.cell_conversions * per_order).sum() * (1 - 1e-9)
    crowds = account.crowds
    multiplier = dict(zip(crowds.names, 1 + crowds.repeat_orders, strict=True))
    scaled = _solve(cols, land, budget, objective="lifetime_value", value_multiplier=multiplier)
    assert scaled.success
    shape = crowds.volume.shape

    def true_ltv(plan):
        true = crowds.expected(plan.cell_bids.reshape(shape))
        return (true.conversions * crowds.lifetime_value).sum() / true.cost.sum()

    assert true_ltv(scaled) > true_ltv(basket)


def test_per_cell_reference_is_optimize_bids(account_cells):
    _, cols, land, budget = account_cells
    plan = _solve(cols, land, budget)
    ref = optimize_bids(land, budget)
    assert plan.per_cell.fun == pytest.approx(ref.fun)


def test_zero_budget_and_budget_monotone(account_cells):
    _, cols, land, budget = account_cells
    zero = _solve(cols, land, 0.0)
    assert zero.success and zero.spend == 0 and zero.fun == 0
    small, large = _solve(cols, land, budget / 4), _solve(cols, land, budget / 2)
    assert small.fun <= large.fun and small.spend <= budget / 4 * (1 + 1e-9)


def test_bad_inputs(account_cells):
    _, cols, land, budget = account_cells
    with pytest.raises(InvalidInputError, match="exactly one"):
        _solve(cols, land, budget, objective="lifetime_value")
    with pytest.raises(InvalidInputError, match="Unknown objective"):
        _solve(cols, land, budget, objective="likes")
    with pytest.raises(InvalidInputError, match="`base_crowd` must be one of"):
        optimize_crowd_bids(land, budget, keywords=cols["keyword"], crowds=cols["crowd"],
                            base_crowd="nobody")  # fmt: skip
    with pytest.raises(InvalidInputError, match="each \\(keyword, crowd\\) cell once"):
        optimize_crowd_bids(land, budget, keywords=np.zeros(land.bids.shape[0]),
                            crowds=cols["crowd"])  # fmt: skip
    with pytest.raises(InvalidInputError, match="`keywords` must have shape"):
        optimize_crowd_bids(land, budget, keywords=[1, 2], crowds=cols["crowd"])
    with pytest.raises(InvalidInputError, match="Unknown option"):
        _solve(cols, land, budget, options={"sweeps": 2})
    with pytest.raises(InvalidInputError, match="exactly one"):
        _solve(cols, land, budget, objective="lifetime_value", value_per_order={OTHERS: 1.0},
               value_multiplier={OTHERS: 1.0})  # fmt: skip
    with pytest.raises(InvalidInputError, match="`value_multiplier` must be None unless"):
        _solve(cols, land, budget, value_multiplier={OTHERS: 1.0})
    with pytest.raises(InvalidInputError, match="every crowd"):
        _solve(cols, land, budget, objective="lifetime_value", value_per_order={OTHERS: 1.0})


@pytest.mark.skipif(not _kernels.AVAILABLE, reason="numba is not installed")
def test_compiled_search_matches_numpy(account_cells, monkeypatch):
    """The compiled reads, scores and premium moves give the numpy path's numbers bit for
    bit (so plans are the same with or without numba)."""
    _, _, land, _ = account_cells
    curves = CellCurves.build(land, np.asarray(land.conversions), max_cpc=6.0, max_bid=30.0)
    n_kw = land.bids.shape[0] // 9
    cells = np.arange(n_kw * 9).reshape(n_kw, 9)
    cells[np.random.default_rng(0).random(cells.shape) < 0.1] = -1  # missing cells
    low, log_ratio = base_grid(curves, cells, 12, 1.05, None)
    order = np.argsort(log_ratio, kind="stable")
    tables = SearchTables.build(curves, cells[order], low[order], log_ratio[order], 12, 3.0, "cost")
    premiums = np.array([0.0, 0.3, 0.0, 1.2, 0.05, 3.0, 0.0, 0.0, 0.77])
    labels = np.arange(n_kw).astype(object)
    rows = np.r_[np.arange(300), -1]
    bids = np.random.default_rng(1).gamma(2.0, 2.0, (rows.size, 5))  # unsorted, some above

    def land_k():
        fields = {"conversions": "value", "impressions": "impressions"}
        return keyword_landscape(curves, cells, low, log_ratio, 12, premiums, fields, labels)

    # a CTR floor: its slack (clicks - min_ctr impressions) is the score's aux metric
    floor = CellCurves.build(
        land, np.asarray(land.conversions), max_cpc=6.0, max_bid=30.0, min_ctr=0.02
    )
    slack = SearchTables.build(
        floor, cells[order], low[order], log_ratio[order], 12, 3.0, "ctr_slack"
    )

    out = {}
    for enabled in (True, False):
        monkeypatch.setattr(_kernels, "ENABLED", enabled)
        score = tables.score(1.0, 0.2, 0.05)
        others = sum(tables.shifted(score[a], 0.3, a) for a in range(1, 9))
        out[enabled] = [
            score,
            *(tables.shifted(score[a], p, a) for a in range(9) for p in (0.0, 0.05, 0.37, 3.0)),
            tables.maxima(score[0], others, [0.0, 0.05, 0.13, 1.0, 3.0], 0),
            *curves.read(rows, bids, ("clicks", "cost", "value")).values(),
            *(getattr(land_k(), n) for n in ("bids", "clicks", "cost", "conversions")),
            land_k().impressions,
            slack.score(1.0, 0.4, 0.05),
        ]
    assert np.isinf(out[True][0]).any()  # the CPC cap and max_bid leave cells infeasible
    for fast, reference in zip(out[True], out[False], strict=True):
        np.testing.assert_array_equal(fast, reference)


def test_ctr_floor_holds_on_the_plan(account_cells):
    """The cheapest clicks lower CTR here; with ``min_ctr`` = today's CTR the joint plan and
    the per-cell optimum keep it, the certificate checks it, and the per-cell dual matches
    the exact LP and MILP references with the floor."""
    from bidopt.bidding._crowds import solve_with_ctr_floor

    account, cols, land, budget = account_cells
    today = account.crowds.expected(account.crowds.cell_bids(account.current_bids))
    ctr = float(today.clicks.sum() / today.impressions.sum())
    free = _solve(cols, land, 0.8 * budget, objective="clicks", max_cpc=22.0)
    assert free.success and free.ctr < ctr * 0.99  # the case: cheapest clicks, lower CTR
    plan = _solve(cols, land, 0.8 * budget, objective="clicks", max_cpc=22.0, min_ctr=ctr)
    assert plan.success and plan.certificate["min_ctr"].holds
    assert plan.ctr >= ctr * (1 - 1e-9) and plan.per_cell.ctr >= ctr * (1 - 1e-9)
    assert plan.spend <= 0.8 * budget * (1 + 1e-9)
    assert plan.fun <= free.fun and plan.fun <= plan.bound <= free.bound * (1 + 1e-9)
    assert plan.share_of_per_cell >= 0.97 and plan.fun >= plan.keyword_only_fun
    assert "min_ctr" in plan.message
    # the per-cell reference: dual with the floor's multiplier against HiGHS
    lp = solve_with_ctr_floor(land, 0.8 * budget, "clicks", ctr, max_cpc=22.0, method="lp")
    assert lp.success and lp.ctr >= ctr * (1 - 1e-9)
    assert plan.per_cell.bound >= lp.bound * (1 - 1e-7) and plan.per_cell.fun >= lp.fun
    sub, small = land.take(np.arange(12 * 9)), 0.8 * budget * 12 / 120  # milp: small
    dual = solve_with_ctr_floor(sub, small, "clicks", ctr, max_cpc=22.0)
    exact = solve_with_ctr_floor(sub, small, "clicks", ctr, max_cpc=22.0, method="milp",
                                 options={"mip_rel_gap": 1e-5})  # fmt: skip
    assert dual.success and exact.success and exact.ctr >= ctr * (1 - 1e-9)
    assert dual.bound >= exact.fun * (1 - 1e-7) and dual.fun >= exact.fun * (1 - 2e-3)
    # a floor above every cell's CTR, a landscape without impressions, two targets
    with pytest.raises(InfeasibleError, match="min_ctr=1 is unreachable"):
        _solve(cols, land, budget, min_ctr=1.0)
    bare = BidLandscape(bids=land.bids, clicks=land.clicks, cost=land.cost)
    with pytest.raises(InvalidInputError, match="`min_ctr` must come with `impressions`"):
        _solve(cols, bare, budget, objective="clicks", min_ctr=ctr)
    with pytest.raises(InvalidInputError, match="`min_ctr` must not be given together"):
        _solve(cols, land, budget, min_ctr=ctr, target_cpa=25.0)
    with pytest.raises(InvalidInputError, match="`min_ctr` must be"):
        _solve(cols, land, budget, min_ctr=1.5)


def test_ctr_floor_broken_on_the_plan_is_not_a_success(account_cells, monkeypatch):
    """The floor is checked on the returned plan itself: a solve that ignores it (here
    patched in) yields ``success=False`` with the check named in the message."""
    from bidopt.bidding import _crowds

    account, cols, land, budget = account_cells
    today = account.crowds.expected(account.crowds.cell_bids(account.current_bids))
    ctr = float(today.clicks.sum() / today.impressions.sum())

    def ignore_floor(land_, budget_, objective, min_ctr, **bounds):
        return optimize_bids(land_, budget_, objective=objective, **bounds)

    monkeypatch.setattr(_crowds, "solve_with_ctr_floor", ignore_floor)
    plan = _solve(cols, land, 0.8 * budget, objective="clicks", max_cpc=22.0, min_ctr=ctr)
    assert plan.ctr < ctr and not plan.certificate["min_ctr"].holds
    assert not plan.success and plan.status == 2 and "min_ctr" in plan.message


def _two_crowd_floor_case():
    """One keyword, a base crowd at CTR 1% and a crowd at CTR 10-13%: keyword bids alone
    never reach CTR 2%, the crowd at +300% does (keyword bid 0.75: 27.5 clicks, CTR 2.9%)."""
    bids = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    clicks = np.array([[10.0, 20.0, 30.0], [10.0, 15.0, 20.0]])
    land = BidLandscape(
        bids=bids,
        impressions=np.array([[1000.0, 2000.0, 3000.0], [100.0, 150.0, 200.0]]),
        clicks=clicks,
        cost=clicks * np.array([[0.8, 1.6, 2.4]]),
        conversions=clicks * 0.1,
    )
    return land, {"keywords": ["k", "k"], "crowds": ["base", "B"], "base_crowd": "base"}


def test_ctr_floor_keyword_bids_cannot_meet_is_met_by_a_premium():
    """The keyword-only plan is empty (its CTR is at most 1.8%); the premium search still
    runs, from the premiums the per-cell optimum implies or the box's top, and finds a plan
    meeting the floor.
    (Before: success, status 0, an empty plan.)"""
    land, labels = _two_crowd_floor_case()
    plan = optimize_crowd_bids(land, 100.0, objective="clicks", min_ctr=0.02, **labels)
    assert plan.keyword_only_fun == 0 and plan.per_cell.fun == pytest.approx(30.0)
    assert plan.success and plan.status == 0 and plan.certificate["min_ctr"].holds
    assert plan.premiums[1] >= 0.05 and plan.fun >= 27.5  # at least the plan in the docstring
    assert plan.ctr >= 0.02 and plan.spend <= 100.0 * (1 + 1e-9)
    assert "nan" not in plan.message


def test_empty_plan_while_per_cell_buys_is_not_a_plain_success():
    """With no premium allowed to the crowd (``max_crowds=0``) nothing meets the floor:
    the empty plan says so (status 1, not a success) instead of 'optimal'."""
    land, labels = _two_crowd_floor_case()
    plan = optimize_crowd_bids(
        land, 100.0, objective="clicks", min_ctr=0.02, max_crowds=0, **labels
    )
    assert plan.fun == 0 and plan.per_cell.fun > 0
    assert not plan.success and plan.status == 1
    assert plan.message.startswith("No plan found that meets the CTR floor (min_ctr=0.02)")
    assert "nan" not in plan.message


def test_ctr_floor_messages_in_plain_words():
    """Budget 0: no 'nan%' in the message; a floor only unusable cells reach raises
    naming the cap; a dual/LP/MILP plan left empty by the floor does not say the floor
    is 'met with room to spare'."""
    from bidopt.bidding._crowds import solve_with_ctr_floor

    land, labels = _two_crowd_floor_case()
    plan = optimize_crowd_bids(land, 0.0, objective="clicks", min_ctr=0.02, **labels)
    assert plan.success and plan.fun == 0 and "nan" not in plan.message
    assert "per-cell optimum (a bid per cell) buys nothing" in plan.message
    assert "No impressions" in plan.message
    # the 10% cells cost 0.8-2.4 per click: under max_cpc=0.5 none is usable
    with pytest.raises(InfeasibleError, match=r"min_ctr=0.02 is unreachable under max_cpc=0.5"):
        optimize_crowd_bids(land, 100.0, objective="clicks", min_ctr=0.02, max_cpc=0.5, **labels)
    with pytest.raises(InfeasibleError, match=r"unreachable under max_bid=0.5.*raise max_bid"):
        optimize_crowd_bids(land, 100.0, objective="clicks", min_ctr=0.02, max_bid=0.5, **labels)
    for method in ("dual", "lp", "milp"):
        empty = solve_with_ctr_floor(land, 100.0, "clicks", 0.2, method=method)
        assert empty.fun == 0 and "room to spare" not in empty.message
        assert "leave the plan empty" in empty.message
