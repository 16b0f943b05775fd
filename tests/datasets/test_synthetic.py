"""Calibration and realism of the synthetic account (issue: foundation, item 4)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from bidopt.datasets import KeywordLog, SearchAccount, make_search_account
from bidopt.datasets._vocabulary import CATEGORIES, TRADITIONAL
from bidopt.exceptions import InvalidInputError

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[a-z]", re.IGNORECASE)
MODEL_NUMBER = re.compile(r"[a-z]+[0-9]+", re.IGNORECASE)


# --- calibration on the reference merchant ----------------------------------------------


def test_current_bids_cost_28_yuan_per_order_at_10_percent_cvr(account: SearchAccount) -> None:
    totals = account.expected().totals()
    assert totals["cpa"] == pytest.approx(28.0, rel=2e-3)
    assert totals["cvr"] == pytest.approx(0.10, rel=2e-3)


def test_observed_log_agrees_with_the_calibration(account: SearchAccount) -> None:
    totals = account.log.totals()
    # the log's bids move around the current bids, so its CPA is near, not at, 28
    assert 26.0 < totals["cpa"] < 31.0
    assert 0.09 < totals["cvr"] < 0.11
    assert 2.0 < totals["roas"] < 8.0  # on-site Zhitongche ROI is about 1:4


def test_at_least_95_percent_of_keywords_pay_under_22_yuan(account: SearchAccount) -> None:
    cpc = account.truth.cost_per_click(account.current_bids)
    assert (cpc < 22.0).mean() >= 0.95


# --- keyword text ---------------------------------------------------------------------


def test_keywords_look_like_taobao_queries(account: SearchAccount) -> None:
    keywords = account.keywords.tolist()
    assert len(set(keywords)) == len(keywords)
    lengths = np.array([len(k) for k in keywords])
    assert 5.0 <= lengths.mean() <= 9.0
    mixed = np.mean([bool(CJK.search(k)) and bool(LATIN.search(k)) for k in keywords])
    assert mixed > 0.2  # Chinese product words with Latin brands or model numbers
    assert np.mean([bool(MODEL_NUMBER.search(k)) for k in keywords]) > 0.1
    traditional = set(TRADITIONAL.values())
    assert sum(any(c in traditional for c in k) for k in keywords) > 0.005 * len(keywords)
    fullwidth = sum(any(0xFF01 <= ord(c) <= 0xFF5E for c in k) for k in keywords)
    assert fullwidth > 0.005 * len(keywords)
    # Latin brands of the vocabulary appear inside Chinese keywords, e.g. "tasco望远镜"
    assert any(k.startswith("tasco") and CJK.search(k) for k in keywords)


def test_themes_share_words(account: SearchAccount) -> None:
    """Many themes share a product word; some brands sell in several categories."""
    products = [p for c in CATEGORIES for p in c.products]
    themes_with = {p: set() for p in products}
    for keyword, theme in zip(account.keywords.tolist(), account.themes.tolist(), strict=True):
        for p in products:
            if p in keyword:
                themes_with[p].add(theme)
    shared = [p for p, t in themes_with.items() if len(t) >= 3]
    assert len(shared) >= 0.8 * len(products)
    brands = [b for c in CATEGORIES for b in c.brands]
    assert len(brands) > len(set(brands))  # e.g. 小米, 李宁 in more than one category
    assert account.theme_names.size == np.unique(account.themes).size
    sizes = np.bincount(account.themes)
    assert sizes.max() <= 40 and 10 <= sizes.mean() <= 30


def test_account_structure(account: SearchAccount) -> None:
    log = account.log
    n = account.n_keywords
    assert isinstance(log, KeywordLog)
    assert len(log) == n * 28
    np.testing.assert_array_equal(log.keyword.codes[:n], np.arange(n))
    np.testing.assert_array_equal(log.column("keyword")[:n], account.keywords)
    assert set(np.unique(account.campaigns)) <= {c.name for c in CATEGORIES}
    _, group_sizes = np.unique(account.ad_groups, return_counts=True)
    assert group_sizes.max() <= 200
    assert set(np.unique(account.match_types)) == {"exact", "phrase", "broad"}
    assert account.current_bids.min() >= 0.05


# --- volume and auctions ----------------------------------------------------------------


def test_volume_is_heavy_tailed_like_real_accounts(account: SearchAccount) -> None:
    log = account.log
    assert np.median(log.clicks) == 0
    assert (log.clicks == 0).mean() > 0.5
    assert 3 <= np.median(log.impressions) <= 40  # AdWords file: median 12
    clicks = np.sort(log.per_keyword("clicks"))[::-1]
    n = clicks.size
    assert clicks[: n // 10].sum() > 0.5 * clicks.sum()
    assert clicks[: n // 100].sum() > 0.15 * clicks.sum()


def test_clicks_rise_with_the_bid_and_saturate(account: SearchAccount) -> None:
    grid = np.geomspace(0.05, 2_000.0, 40)
    bids = np.tile(grid, (account.n_keywords, 1))
    perf = account.truth.expected(bids)
    assert (np.diff(perf.clicks, axis=1) >= -1e-12).all()
    assert (np.diff(perf.cost, axis=1) >= -1e-9).all()
    ceiling = account.truth.volume * account.truth.ctr
    np.testing.assert_allclose(perf.clicks[:, -1], ceiling, rtol=1e-3)
    cpc = perf.cost / np.where(perf.clicks > 0, perf.clicks, 1)
    assert (cpc <= bids + 1e-12).all()
    busy = perf.clicks > 1e-9
    assert (cpc[busy] < bids[busy]).all()  # second price: strictly below the bid


def test_observed_price_per_click_is_below_the_bid(account: SearchAccount) -> None:
    log = account.log
    assert log.cost is not None and log.bid is not None
    assert (log.cost <= log.clicks * log.bid + 0.005 + 1e-9).all()
    assert ((log.cost > 0) <= (log.clicks > 0)).all()


def test_ctr_and_cvr_vary_by_theme_and_by_keyword(account: SearchAccount) -> None:
    themes = account.themes
    counts = np.bincount(themes)
    for rate in (account.truth.ctr, account.truth.cvr):
        logs = np.log(rate)
        theme_mean = np.bincount(themes, weights=logs) / counts
        assert theme_mean.std() > 0.15
        assert (logs - theme_mean[themes]).std() > 0.15


def test_weekly_seasonality(account: SearchAccount) -> None:
    log = account.log
    weekday = ((log.date - np.datetime64("1970-01-05")).astype(np.int64)) % 7
    per_day = np.bincount(weekday, weights=log.impressions) / np.bincount(weekday)
    assert per_day[5:].mean() > 1.05 * per_day[:5].mean()


def test_bids_vary_from_day_to_day_so_landscapes_can_be_estimated(
    account: SearchAccount,
) -> None:
    log = account.log
    assert log.bid is not None
    bids = log.bid.reshape(28, -1)
    assert (np.ptp(bids, axis=0) > 0).mean() > 0.9
    ratio = np.exp(np.log(bids).mean(axis=0)) / account.current_bids
    assert 0.8 < np.median(ratio) < 1.25
    impressions = log.impressions.reshape(28, -1).astype(float)
    x = np.log(bids) - np.log(bids).mean(axis=0)
    y = np.log(impressions + 0.5) - np.log(impressions + 0.5).mean(axis=0)
    assert (x * y).sum() / (x * x).sum() > 0.3  # higher bid, more impressions


# --- reproducibility and input checks ---------------------------------------------------


def test_same_seed_same_account_and_generator_accepted() -> None:
    a = make_search_account(300, n_days=5, rng=3)
    b = make_search_account(300, n_days=5, rng=np.random.default_rng(3))
    c = make_search_account(300, n_days=5, rng=4)
    for name in ("impressions", "clicks", "cost", "conversions", "revenue", "bid"):
        np.testing.assert_array_equal(getattr(a.log, name), getattr(b.log, name))
    np.testing.assert_array_equal(a.keywords, b.keywords)
    np.testing.assert_array_equal(a.current_bids, b.current_bids)
    assert not np.array_equal(a.log.clicks, c.log.clicks)


def test_tiny_accounts() -> None:
    one = make_search_account(1, n_days=1, rng=0)
    assert len(one.log) == 1 and one.n_keywords == 1
    assert one.expected().totals()["cpa"] == pytest.approx(28.0, rel=1e-2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_keywords": 0}, "`n_keywords` must be an integer >= 1. Got 0 instead."),
        ({"n_keywords": 10.5}, "`n_keywords` must be an integer >= 1. Got 10.5 instead."),
        ({"n_keywords": 10, "n_days": 0}, "`n_days` must be an integer >= 1. Got 0 instead."),
        ({"n_keywords": 10, "rng": "seed"}, "`rng` must be a non-negative int seed"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(message)):
        make_search_account(**kwargs)  # type: ignore[arg-type]


def test_expected_checks_the_bids(account: SearchAccount) -> None:
    with pytest.raises(InvalidInputError, match=r"`bids` must have shape \(20000,\)"):
        account.truth.expected(np.ones(3))
    with pytest.raises(InvalidInputError, match="`bids` must be >= 0"):
        account.truth.expected(-np.ones(account.n_keywords))
    zero = account.truth.expected(np.zeros(account.n_keywords))
    assert zero.clicks.sum() == 0 and zero.cost.sum() == 0


def test_simulate_more_days_and_concat() -> None:
    account = make_search_account(300, n_days=7, rng=11)
    day = account.simulate(account.current_bids, rng=1)
    assert len(day) == 300
    assert str(day.date[0]) == str(account.log.date.max() + np.timedelta64(1, "D"))
    again = account.simulate(account.current_bids, rng=1)
    np.testing.assert_array_equal(day.clicks, again.clicks)  # common random numbers
    np.testing.assert_array_equal(day.bid, account.current_bids)
    paused = account.simulate(np.zeros(300), rng=1)
    assert paused.impressions.sum() == 0 and paused.cost.sum() == 0
    both = KeywordLog.concat([account.log, day])
    assert len(both) == len(account.log) + 300
    np.testing.assert_array_equal(both.column("ad_group")[-300:], account.ad_groups)
    np.testing.assert_array_equal(both.column("campaign")[:300], account.campaigns)
    with pytest.raises(InvalidInputError, match="`bids` must have shape"):
        account.simulate(np.ones(3))
