"""Identifiability diagnostics, parameter draws and the bid-test design (issue #23)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from bidopt.datasets import KeywordLog, make_search_account
from bidopt.exceptions import IdentifiabilityWarning, InvalidInputError
from bidopt.landscape import (
    Identifiability,
    LandscapeDraws,
    LandscapeModel,
    design_bid_test,
    estimate_landscapes,
    identifiability,
)
from bidopt.landscape._estimate import _ratio_table, _z_own, relative_shares, traffic_weights
from bidopt.landscape._uncertainty_fit import (
    cvr_level,
    posterior_sd,
    prior_sd,
    robust_temper,
    sigma_posterior,
    widen_posterior,
)


@pytest.fixture(scope="module")
def account():
    return make_search_account(300, n_days=28, rng=11)


@pytest.fixture(scope="module")
def constant_log(account):
    return account.simulate(account.current_bids, n_days=14, first_day=0, rng=12)


def test_constant_bids_warn_with_cause_and_remedy(constant_log):
    with pytest.warns(IdentifiabilityWarning, match="kept a constant bid") as record:
        estimate = estimate_landscapes(constant_log)
    message = str(record[0].message)
    assert "design_bid_test" in message and "bid test" in message  # the remedy
    assert "varied" not in message  # (the other cause: none of them)
    assert "300 of 300 keywords" in message
    ident = estimate.identifiability
    assert isinstance(ident, Identifiability)
    assert ident.counts() == {"keyword": 0, "group": 0, "prior": 300}
    assert np.all(ident.bid_spread == 0) and np.all(ident.bid_ratio == 1)
    assert ident.n_log_days == 14
    # the bid response is the prior's: every campaign's posterior is the prior
    np.testing.assert_allclose(ident.sigma_sd, ident.prior_sd, rtol=1e-9)


def test_varying_bids_do_not_warn_and_are_learnt_from_the_keyword(account):
    with warnings.catch_warnings():
        warnings.simplefilter("error", IdentifiabilityWarning)
        estimate = estimate_landscapes(account.log)
    ident = estimate.identifiability
    assert ident is not None
    share = ident.spend_share()
    # learnt from the log: its own campaign's days, or the account's where a campaign
    # of ~30 keywords alone leaves sigma vague
    assert share["prior"] == 0.0 and share["keyword"] > 0.25
    assert ident.warning_message() is None
    frame = ident.to_frame()
    assert set(frame["source"]) <= {"keyword", "group", "prior"}
    campaigns = ident.by_campaign()
    assert campaigns["keywords"].sum() == 300
    assert (campaigns[["keyword", "group", "prior"]].sum(axis=1) == campaigns["keywords"]).all()
    assert "keyword" in ident.summary()


def test_identifiability_of_a_log_is_the_estimate_s_without_warning(constant_log):
    with warnings.catch_warnings():
        warnings.simplefilter("error", IdentifiabilityWarning)
        ident = identifiability(constant_log)
    assert ident.counts()["prior"] == 300
    with pytest.raises(InvalidInputError, match="log_or_estimate"):
        identifiability([1, 2])  # type: ignore[arg-type]


def test_current_bid_is_the_last_day_s_bid_by_keyword(account):
    ident = identifiability(account.log)
    last_day = account.log.date == account.log.date.max()
    rows = account.log.keyword.codes[last_day]
    expected = dict(zip(account.keywords[rows].tolist(), account.log.bid[last_day], strict=True))
    got = dict(zip(ident.keywords.tolist(), ident.current_bid, strict=True))
    assert got == expected


def test_draws_carry_shapes_and_average_to_an_exact_reference(account):
    estimate = estimate_landscapes(account.log, n_draws=5, rng=3)
    draws = estimate.draws
    assert isinstance(draws, LandscapeDraws)
    assert draws.price_mu.shape == (5, 300) and draws.n_draws == 5
    grid = np.asarray(estimate.landscapes.bids)
    mean = draws.mean_landscape(grid)
    # reference: each draw's parameters as a LandscapeModel, landscapes averaged by hand
    total = 0.0
    for d in range(5):
        model = LandscapeModel(
            keywords=draws.keywords,
            campaign=None,
            ad_group=None,
            volume=draws.volume[d],
            ctr=draws.ctr[d],
            cvr=draws.cvr[d],
            order_value=draws.order_value[d],
            price_mu=draws.price_mu[d],
            price_sigma=draws.price_sigma[d],
            row_of=np.zeros(0, dtype=np.int64),
        )
        total = total + model.landscape(grid).conversions
    np.testing.assert_allclose(mean.conversions, total / 5, rtol=1e-12)
    at = draws.at_bids(grid[:, 3])
    np.testing.assert_allclose(at["cost"].mean(axis=0), mean.cost[:, 3], rtol=1e-12)
    # same seed, same draws; no draws on request
    again = estimate_landscapes(account.log, n_draws=5, rng=3).draws
    np.testing.assert_array_equal(again.volume, draws.volume)
    assert estimate_landscapes(account.log, n_draws=0).draws is None


def test_flat_deviance_gives_the_prior_and_a_sharp_one_does_not():
    grid = np.round(np.arange(0.25, 1.401, 0.05), 2)
    flat = sigma_posterior(
        np.zeros((grid.size, 1)), np.array([100.0]), np.array([10.0]), grid, (0.6, 0.4)
    )
    prior = np.exp(-0.5 * ((np.log(grid) - np.log(0.6)) / 0.4) ** 2) / grid
    np.testing.assert_allclose(flat[:, 0], prior / prior.sum(), rtol=1e-12)
    sharp = sigma_posterior(
        (1e4 * (grid - 0.8) ** 2)[:, None], np.array([100.0]), np.array([10.0]), grid, (0.6, 0.4)
    )
    assert grid[sharp[:, 0].argmax()] == 0.8
    sd = np.sqrt((sharp[:, 0] * (grid - 0.8) ** 2).sum())
    assert sd < 0.5 * prior_sd(grid, (0.6, 0.4))


def test_bad_prior_and_draws_are_rejected(constant_log):
    with pytest.raises(InvalidInputError, match="sigma_prior"):
        estimate_landscapes(constant_log, sigma_prior=(0.6, -1.0))
    with pytest.raises(InvalidInputError, match="n_draws"):
        estimate_landscapes(constant_log, n_draws=-1)


def test_bid_test_alternates_balanced_arms(constant_log):
    with pytest.warns(IdentifiabilityWarning):
        estimate = estimate_landscapes(constant_log, n_draws=0)
    test = design_bid_test(estimate, n_days=4, step=1.25, rng=0)
    today = estimate.identifiability.current_bid
    assert test.schedule.shape == (4, 300)
    assert test.n_tested == 300  # nothing identified: every keyword is tested
    arm0, arm1 = test.arm == 0, test.arm == 1
    assert arm0.sum() > 100 and arm1.sum() > 100
    up = np.clip(np.round(today * 1.25, 2), 0.05, 99)
    down = np.clip(np.round(today / 1.25, 2), 0.05, 99)
    for day in range(4):
        high, low = (arm0, arm1) if day % 2 == 0 else (arm1, arm0)
        np.testing.assert_array_equal(test.bids(day)[high], up[high])
        np.testing.assert_array_equal(test.bids(day)[low], down[low])
    # the arms carry the same spend at today's bids, up to one keyword's
    spend = estimate.model.landscape(today[:, None]).cost[:, 0]
    assert abs(spend[arm0].sum() - spend[arm1].sum()) <= spend.max() + 1e-9
    assert len(test.to_frame()) == 4 * 300
    with pytest.raises(InvalidInputError, match="step"):
        design_bid_test(estimate, step=1.0)


def test_bid_test_leaves_identified_keywords_alone(account):
    estimate = estimate_landscapes(account.log, n_draws=0)
    test = design_bid_test(estimate, n_days=2)
    learnt = estimate.identifiability.source == "keyword"
    assert not test.tested[learnt].any()
    np.testing.assert_array_equal(test.schedule[:, learnt], np.tile(test.today[learnt], (2, 1)))


def test_bid_test_leaves_out_keywords_the_bid_limits_stop_from_varying(constant_log):
    # review 2: a bid of 150 was clipped to 99 both up and down yet counted as tested,
    # silently; a negative bid was blamed on `bids ... at index (0, 0)`
    with pytest.warns(IdentifiabilityWarning):
        estimate = estimate_landscapes(constant_log, n_draws=0)
    words = [str(k) for k in estimate.identifiability.keywords[:2]]
    with pytest.warns(IdentifiabilityWarning) as record:
        test = design_bid_test(estimate, n_days=2, current_bids={words[0]: 150.0, words[1]: 80.0})
    message = " ".join(str(w.message) for w in record)
    assert "1 keyword(s) cannot vary" in message and words[0] in message and "150" in message
    assert "1 keyword(s) are tested with bids clipped" in message and words[1] in message
    assert not test.tested[0] and test.arm[0] == -1
    np.testing.assert_array_equal(test.schedule[:, 0], [150.0, 150.0])
    assert test.tested[1] and sorted(test.schedule[:, 1]) == [53.33, 99.0]
    assert test.n_tested == 299
    with pytest.raises(InvalidInputError, match=r"current_bids\['" + words[0] + r"'\].*-1"):
        design_bid_test(estimate, current_bids={words[0]: -1.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # bids inside the limits: no warning
        design_bid_test(estimate, n_days=2)


def test_robust_temper_is_one_when_keywords_agree_and_the_sandwich_ratio_otherwise():
    grid = np.round(np.arange(0.25, 1.401, 0.05), 2)
    step = 0.05
    mode = np.array([int(np.argmin(np.abs(grid - 0.7)))])
    codes = np.zeros(4, dtype=np.int64)
    # four keywords with the same quadratic deviance around 0.7: nothing to temper
    same = np.tile((40.0 * (grid - 0.7) ** 2)[:, None], (1, 4))
    np.testing.assert_allclose(robust_temper(same, codes, mode, 1, step), [1.0])
    # keywords centred at 0.5, 0.6, 0.8, 0.9 (mean 0.7): each has curvature a and score
    # a * (0.7 - c_k) at 0.7, so the factor is 4 a / sum (a (0.7 - c_k))^2
    a = 400.0
    centres = np.array([0.5, 0.6, 0.8, 0.9])
    differ = a * (grid[:, None] - centres[None, :]) ** 2
    expected = 4 * a / np.sum((a * (0.7 - centres)) ** 2)
    assert expected < 0.2  # (they disagree: the summed likelihood is tempered)
    np.testing.assert_allclose(robust_temper(differ, codes, mode, 1, step), [expected])


def test_price_level_reproduces_the_cost_per_click_at_the_log_s_own_bids():
    # one keyword, exact second-price costs at bids that moved: the fitted z makes the
    # model's ratio at those bids the observed one, so mu is recovered
    sigma, mu = 0.6, np.log(2.0)
    bids = np.array([1.5, 2.0, 3.0, 4.0, 2.5])
    clicks = np.array([3.0, 8.0, 20.0, 30.0, 12.0])
    grid_z = np.linspace(-8.0, 8.0, 3201)
    z = (np.log(bids) - mu) / sigma
    cost = clicks * bids * np.interp(z, grid_z, _ratio_table(sigma))
    typical = np.log((clicks * bids).sum() / clicks.sum())
    ratio = np.array([cost.sum() / (clicks * bids).sum()])
    rows = (
        np.zeros(5, np.int64),
        np.log(bids) - typical,
        clicks * bids,
        np.array([ratio.size * (clicks * bids).sum()]),
    )
    fitted = typical - sigma * _z_own(ratio, sigma, rows)[0]
    naive = typical - sigma * np.interp(ratio[0], _ratio_table(sigma)[::-1], grid_z[::-1])
    assert abs(fitted - mu) < 2e-3 < abs(naive - mu)
    # a bid that never moved inverts exactly, as before
    still = (np.zeros(5, np.int64), np.zeros(5), clicks * 2.0, np.array([(clicks * 2.0).sum()]))
    exact = np.interp(ratio[0], _ratio_table(sigma)[::-1], grid_z[::-1])
    assert _z_own(ratio, sigma, still)[0] == exact


def test_draws_widen_an_overconfident_dispersion_posterior_around_its_mode():
    grid = np.round(np.arange(0.25, 1.401, 0.05), 2)
    sharp = np.exp(-0.5 * ((grid - 0.6) / 0.02) ** 2)
    wide = np.exp(-0.5 * ((grid - 0.8) / 0.2) ** 2)
    posterior = np.stack([sharp / sharp.sum(), wide / wide.sum()], axis=1)
    out = widen_posterior(posterior, grid, 0.08)
    sd = posterior_sd(out, grid)
    assert 0.08 <= sd[0] < 0.1 and grid[out[:, 0].argmax()] == 0.6
    np.testing.assert_array_equal(out[:, 1], posterior[:, 1])  # wide enough already


def test_draws_share_the_account_s_conversion_level():
    # the log's orders pin the account's conversion rate to about 1 / sqrt(orders): the
    # draws' click-weighted rate carries that spread (independent per-keyword Beta
    # draws alone averaged it away, about half of it on a small account)
    account = make_search_account(60, n_days=1, rng=5)
    log = account.simulate(account.current_bids, n_days=7, first_day=0, rng=6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IdentifiabilityWarning)
        estimate = estimate_landscapes(log, n_draws=400, rng=0)
    clicks = estimate.draws.at_bids(estimate.identifiability.current_bid)["clicks"].mean(axis=0)
    level = np.log((estimate.draws.cvr * clicks).sum(axis=1))
    orders = float(log.conversions.sum())
    assert level.std() >= 0.9 / np.sqrt(orders + 1)
    normal = np.random.default_rng(0).standard_normal(200_000)
    factor = cvr_level(orders, normal)
    assert factor.shape == normal.shape
    np.testing.assert_allclose(factor.mean(), 1.0, atol=2e-3)
    np.testing.assert_allclose(np.log(factor).std(), 1 / np.sqrt(orders + 1), rtol=1e-2)


def test_a_keyword_s_traffic_index_leaves_out_its_own_impressions():
    # two keywords over three days: A doubles its impressions on day 1 (its own bid), B
    # follows the day's traffic; A's index is B's days, B's is A's, a lone keyword's 1
    day = np.array([0, 0, 1, 1, 2, 2])
    keyword = np.array([0, 1, 0, 1, 0, 1])
    imps = np.array([100.0, 10.0, 200.0, 12.0, 100.0, 8.0])
    per_day = np.bincount(day, weights=imps)
    w = traffic_weights(per_day, day, keyword, imps, 2)
    np.testing.assert_allclose(w[keyword == 0], [1.0, 1.2, 0.8])
    np.testing.assert_allclose(w[keyword == 1], [0.75, 1.5, 0.75])
    alone = traffic_weights(
        np.array([5.0, 9.0]), np.array([0, 1]), np.zeros(2, int), np.array([5.0, 9.0]), 1
    )
    np.testing.assert_array_equal(alone, [1.0, 1.0])


def test_the_traffic_index_takes_out_the_other_keywords_bid_changes():
    # A bids up on day 1 and wins twice its mean share: without `relative` B reads that
    # as traffic (index 1.5 on day 1); with A's relative share B's days are flat
    day = np.array([0, 0, 1, 1, 2, 2])
    keyword = np.array([0, 1, 0, 1, 0, 1])
    imps = np.array([75.0, 10.0, 150.0, 10.0, 75.0, 10.0])
    per_day = np.bincount(day, weights=imps)
    plain = traffic_weights(per_day, day, keyword, imps, 2)
    np.testing.assert_allclose(plain[keyword == 1], [0.75, 1.5, 0.75])
    relative = np.array([0.75, 1.0, 1.5, 1.0, 0.75, 1.0])
    w = traffic_weights(per_day, day, keyword, imps, 2, None, relative)
    np.testing.assert_allclose(w[keyword == 1], [1.0, 1.0, 1.0])


def test_relative_shares_are_exactly_one_for_bids_that_never_moved():
    entity = np.array([0, 0, 0, 1, 1, 1])
    log_bid = np.log(np.array([1.0, 1.0, 1.0, 1.0, 2.0, 1.0]))
    active = np.ones(6, dtype=bool)
    out = relative_shares(log_bid, np.array([0.3, 0.3]), 0.6, entity, active, 2)
    np.testing.assert_array_equal(out[:3], 1.0)
    assert out[4] > 1.0 > out[3] and np.isclose(out[3:].mean(), 1.0)


def test_a_bid_test_s_own_moves_do_not_flatten_the_fitted_response():
    # 28 constant days, then a two-arm bid test: each day half of the 60 keywords bid up
    # and half down, so the day's impressions of a keyword's arm-mates move with its own
    # bid; read as traffic they flattened the fitted response (sigma about 1.0 for a
    # true 0.59 in this account)
    account = make_search_account(60, n_days=1, rng=200)
    log = account.simulate(account.current_bids, n_days=28, first_day=0, rng=201)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IdentifiabilityWarning)
        test = design_bid_test(estimate_landscapes(log, n_draws=0), n_days=14, step=2.5)
        gen = np.random.default_rng(202)
        days = [
            account.simulate(test.bids(d), n_days=1, first_day=28 + d, rng=gen) for d in range(14)
        ]
        after = estimate_landscapes(KeywordLog.concat([log, *days]), n_draws=0)
    position = {k: i for i, k in enumerate(account.keywords.tolist())}
    rows = np.array([position[k] for k in after.model.keywords.tolist()])
    spend = account.truth.expected(account.current_bids).cost[rows]
    fitted = np.average(after.model.price_sigma, weights=spend)
    true = np.average(account.truth.price_sigma[rows], weights=spend)
    assert abs(fitted - true) < 0.1, (fitted, true)
