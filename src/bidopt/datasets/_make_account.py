"""``make_search_account``: draw a synthetic account (the model is in ``_synthetic``)."""

from __future__ import annotations

import math

import numpy as np

from bidopt._validation import check_random_state, check_scalar
from bidopt.datasets._categorical import Categorical
from bidopt.datasets._crowds import CROWD_PROFILES, make_crowds
from bidopt.datasets._keyword_log import MATCH_TYPES
from bidopt.datasets._synthetic import (
    MAX_BID,
    MAX_GROUP_SIZE,
    MAX_THEME_SIZE,
    MIN_BID,
    TARGET_CPA,
    TARGET_CVR,
    WEEKLY_PROFILE,
    AccountTruth,
    SearchAccount,
    assemble_log,
    simulate_log,
)
from bidopt.datasets._synthetic_keywords import (
    build_themes,
    lookup,
    make_keywords,
    rank_within,
    vary_spelling,
)
from bidopt.datasets._vocabulary import CATEGORIES
from bidopt.typing import FloatArray, RandomState

__all__ = ["make_search_account"]


def make_search_account(
    n_keywords: int, *, n_days: int = 28, n_crowds: int = 0, rng: RandomState = None
) -> SearchAccount:
    """Generate a realistic synthetic Tmall/Taobao search-ads account with known truth.

    Parameters
    ----------
    n_keywords : int
        Number of keywords, >= 1.
    n_days : int, default 28
        Days of history in the log, >= 1.
    n_crowds : int, default 0
        Crowds (人群) to add, 0 to 8: ``crowds`` then holds the keyword x crowd truth
        (see :class:`CrowdTruth`).  They are drawn after everything else, so the rest of
        the account is the same with or without them.
    rng : int, numpy.random.Generator or None
        Seed or generator; the same seed gives the same account on every platform.

    Returns
    -------
    SearchAccount
        The observed ``log`` (``n_keywords * n_days`` rows), ``current_bids``, the true
        theme of each keyword, and ``truth`` (the per-keyword landscape).

    Notes
    -----
    Calibrated on the reference merchant: at the current bids the account's expected cost
    per order is 28 yuan and its click-to-order rate 10%; at least 95% of keywords pay
    under 22 yuan per click.  Volume is heavy-tailed (most keyword-days have no click).

    Examples
    --------
    >>> from bidopt.datasets import make_search_account
    >>> account = make_search_account(2_000, rng=7)
    >>> round(account.expected().totals()["cpa"], 1)
    28.0
    """
    n = int(check_scalar(n_keywords, "n_keywords", lower=1, integer=True))
    days = int(check_scalar(n_days, "n_days", lower=1, integer=True))
    crowds = int(
        check_scalar(n_crowds, "n_crowds", lower=0, upper=len(CROWD_PROFILES), integer=True)
    )
    gen = check_random_state(rng)

    # --- themes and keyword text ----------------------------------------------------
    # Theme sizes: 1 to MAX_THEME_SIZE keywords, about 20 on average.
    sizes = np.minimum(
        1 + gen.negative_binomial(4, 4 / (4 + 19), size=n // 10 + 10), MAX_THEME_SIZE
    )
    while sizes.sum() < n:  # pragma: no cover - the draw above nearly always suffices
        sizes = np.r_[sizes, sizes]
    n_themes = int(np.searchsorted(np.cumsum(sizes), n) + 1)
    theme_of = gen.permutation(np.repeat(np.arange(n_themes), sizes[:n_themes])[:n])
    themes = build_themes(n_themes, gen)
    keywords = make_keywords(theme_of, themes, gen)
    keywords = vary_spelling(keywords, gen)

    category = np.asarray(themes["category"]).astype(np.int64)
    theme_category = category
    kw_category = category[theme_of]
    generic = np.asarray(themes["brand"])[theme_of] < 0
    with_series = np.asarray(themes["series"]).astype(str)[theme_of] != ""
    product_names = lookup(
        [c.products for c in CATEGORIES],
        theme_category,
        np.asarray(themes["product"]).astype(np.int64),
    )
    brand_names = lookup(
        [c.brands for c in CATEGORIES], theme_category, np.asarray(themes["brand"]).astype(np.int64)
    )
    theme_names = np.char.add(
        np.char.add(np.where(brand_names == "", "通用", brand_names), product_names),
        np.char.add(
            np.where(np.asarray(themes["series"]) == "", "", " "),
            np.asarray(themes["series"]).astype(str),
        ),
    ).astype(object)

    match = gen.choice(3, size=n, p=[0.25, 0.05, 0.70])  # exact, phrase, broad

    # --- true parameters -----------------------------------------------------------
    def theme_effect(sigma: float) -> FloatArray:
        return np.asarray(gen.lognormal(0.0, sigma, n_themes)[theme_of], dtype=np.float64)

    volume = gen.lognormal(np.log(20.0), 1.7, n) * theme_effect(0.5)
    volume *= np.where(generic, 4.0, 1.0) * np.where(with_series, 0.6, 1.0)
    volume *= np.where(match == 2, 1.4, 1.0)
    ctr = 0.025 * theme_effect(0.3) * gen.lognormal(0.0, 0.35, n)
    ctr *= np.where(generic, 0.65, 1.1) * np.where(match == 2, 0.8, 1.0)
    ctr *= np.where(with_series, 1.3, 1.0)  # specific long-tail queries are clicked more
    ctr = np.clip(ctr, 0.002, 0.25)
    cvr = theme_effect(0.35) * gen.lognormal(0.0, 0.55, n)
    cvr *= np.where(generic, 0.6, 1.0) * np.where(with_series, 1.3, 1.0)
    order_value = (
        np.array([c.order_value for c in CATEGORIES])[kw_category]
        * theme_effect(0.4)
        * gen.lognormal(0.0, 0.15, n)
    )
    # Competitors bid roughly in proportion to what a click is worth, with much noise.
    value_per_click = cvr * order_value
    price_mu = 0.55 * np.log(value_per_click) + gen.normal(0.0, 0.55, n)
    price_mu += np.where(generic, 0.5, 0.0) + np.log(theme_effect(0.25))
    price_mu -= np.where(with_series, 0.4, 0.0)  # and less contested
    price_sigma = gen.uniform(0.45, 0.9, n)

    # --- the merchant's current bids: a default per ad group, a few keywords adjusted --
    campaign_names = np.array([c.name for c in CATEGORIES], dtype=object)
    product_of = np.asarray(themes["product"]).astype(np.int64)[theme_of]
    group_key = kw_category * 100 + product_of
    chunk = rank_within(group_key) // MAX_GROUP_SIZE
    group_product = lookup([c.products for c in CATEGORIES], kw_category, product_of)
    ad_group_text = np.char.add(
        np.char.add(group_product, "-"), np.char.zfill((chunk + 1).astype(str), 2)
    )
    ad_groups = ad_group_text.astype(object)
    group_codes = np.unique(ad_group_text, return_inverse=True)[1].ravel()
    group_median = np.exp(np.bincount(group_codes, weights=price_mu) / np.bincount(group_codes))
    # Merchants bid to hold a position on each keyword (抢位): the bid tracks the keyword's
    # market price, aiming at a share set per ad group, with keyword-level adjustments.
    # That pays the market on expensive head terms, the inefficiency bidding can remove.
    group_aim = gen.normal(0.9, 0.3, group_median.size)
    aim = group_aim[group_codes] + gen.normal(0.0, 0.35, n)
    raw_bids = np.exp(price_mu + price_sigma * aim)

    # --- calibrate: CVR 10% and CPA 28 yuan at the current bids ----------------------
    # Clicks do not depend on a common scale of prices and bids, while cost scales with
    # it; so scale the CVR first, then prices and bids together.
    weekly = np.asarray(WEEKLY_PROFILE / WEEKLY_PROFILE.mean(), dtype=np.float64)

    def truth_with(cvr_: FloatArray, mu_: FloatArray) -> AccountTruth:
        return AccountTruth(volume, ctr, cvr_, order_value, mu_, price_sigma, weekly)

    clicks_now = truth_with(cvr, price_mu).expected(raw_bids).clicks
    for _ in range(10):
        cvr *= TARGET_CVR * clicks_now.sum() / (clicks_now * cvr).sum()
        cvr = np.minimum(cvr, 0.6)
    shift = 0.0
    for _ in range(3):  # rounding the bids to cents breaks exact scaling slightly
        bids_now = np.clip(np.round(raw_bids * np.exp(shift), 2), MIN_BID, MAX_BID)
        totals = truth_with(cvr, price_mu + shift).expected(bids_now).totals()
        shift += math.log(TARGET_CPA / totals["cpa"])
    price_mu = price_mu + shift
    current_bids = np.clip(np.round(raw_bids * np.exp(shift), 2), MIN_BID, MAX_BID)
    truth = truth_with(cvr, price_mu)

    sim = simulate_log(truth, current_bids, days, gen)
    labels = {
        "campaign": Categorical(kw_category.astype(np.int32), campaign_names),
        "ad_group": Categorical(
            group_codes.astype(np.int32), np.unique(ad_group_text).astype(object)
        ),
        "match_type": Categorical(match.astype(np.int32), np.array(MATCH_TYPES, dtype=object)),
    }
    log = assemble_log(sim, keywords, labels, days, "make_search_account")
    crowd_truth = make_crowds(truth, current_bids, crowds, gen) if crowds else None
    return SearchAccount(
        log=log,
        keywords=keywords,
        campaigns=campaign_names[kw_category],
        ad_groups=ad_groups,
        match_types=np.array(MATCH_TYPES, dtype=object)[match],
        current_bids=current_bids,
        themes=theme_of.astype(np.int64),
        theme_names=theme_names,
        truth=truth,
        crowds=crowd_truth,
    )
