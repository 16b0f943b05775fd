"""A seeded, realistic synthetic search-ads account with known ground truth.

The account is a Tmall/Taobao-style search (Zhitongche) account: keywords built like real
Taobao queries, grouped in themes, campaigns (one per category) and ad groups; heavy-tailed
volume; second-price auctions against a log-normal competitor price per keyword; CTR, CVR
and order value that vary by theme and keyword; weekly seasonality; and bids that the
merchant moves from day to day, so landscapes can be estimated from the log.

The truth (every keyword's volume, CTR, CVR, order value and price distribution) is kept,
so any estimator or optimiser can be scored against it at any scale.

Model, for keyword ``k`` at bid ``b`` (yuan) on an average day::

    z          = (log b - mu_k) / sigma_k            competitor price ~ LogNormal(mu_k, sigma_k)
    impressions = V_k * Phi(z)                       win when b beats the competitor price
    clicks      = impressions * ctr_k
    cost        = V_k * ctr_k * exp(mu_k + sigma_k**2 / 2) * Phi(z - sigma_k)   (second price)
    conversions = clicks * cvr_k
    revenue     = conversions * order_value_k

so the cost per click, E[price | price < b], is always below the bid, and clicks rise with
the bid and saturate at ``V_k * ctr_k``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

from bidopt._optional import require_pandas
from bidopt._validation import as_float_array, check_random_state, check_scalar, frozen
from bidopt.datasets._categorical import Categorical
from bidopt.datasets._keyword_log import MATCH_TYPES, KeywordLog, LoadReport
from bidopt.datasets._vocabulary import CATEGORIES, GENERAL_ATTRIBUTES, TRADITIONAL
from bidopt.exceptions import BidoptError, InvalidInputError
from bidopt.typing import FloatArray, IntArray, ObjectArray, RandomState

__all__ = ["AccountTruth", "ExpectedPerformance", "SearchAccount", "make_search_account"]

#: Calibration targets of the reference merchant (see the project brief).
TARGET_CPA = 28.0
TARGET_CVR = 0.10
#: Day-of-week traffic multipliers, Monday first (weekends busier on Taobao).
WEEKLY_PROFILE = np.array([0.96, 0.94, 0.95, 0.97, 1.01, 1.09, 1.08])
MIN_BID = 0.05  # Zhitongche's minimum bid, yuan
MAX_BID = 99.0  # Zhitongche's maximum bid, yuan
START_DATE = np.datetime64("2026-10-05", "D")  # a Monday
MAX_GROUP_SIZE = 200  # keywords per ad group (推广单元), as the platform allows
MAX_THEME_SIZE = 40  # keywords per true theme


@dataclass(frozen=True, slots=True, eq=False)
class ExpectedPerformance:
    """Expected outcome of bids on an average day (all arrays of the bids' shape).

    Attributes
    ----------
    impressions, clicks, conversions : ndarray of float64
        Expected counts.
    cost, revenue : ndarray of float64
        Expected spend and order value, yuan.
    """

    impressions: FloatArray
    clicks: FloatArray
    cost: FloatArray
    conversions: FloatArray
    revenue: FloatArray

    def totals(self) -> dict[str, float]:
        """Sums over keywords, with CTR, CVR, CPC, CPA and ROAS."""
        t = {
            "impressions": float(self.impressions.sum()),
            "clicks": float(self.clicks.sum()),
            "cost": float(self.cost.sum()),
            "conversions": float(self.conversions.sum()),
            "revenue": float(self.revenue.sum()),
        }
        nan = float("nan")
        t["ctr"] = t["clicks"] / t["impressions"] if t["impressions"] else nan
        t["cvr"] = t["conversions"] / t["clicks"] if t["clicks"] else nan
        t["cpc"] = t["cost"] / t["clicks"] if t["clicks"] else nan
        t["cpa"] = t["cost"] / t["conversions"] if t["conversions"] else nan
        t["roas"] = t["revenue"] / t["cost"] if t["cost"] else nan
        return t


@dataclass(frozen=True, slots=True, eq=False)
class AccountTruth:
    """The true per-keyword parameters of a synthetic account.

    Attributes
    ----------
    volume : ndarray of float64, shape (n_keywords,)
        Impressions per average day if every auction were won.
    ctr, cvr : ndarray of float64, shape (n_keywords,)
        Click-through rate (clicks per impression) and conversion rate (orders per click).
    order_value : ndarray of float64, shape (n_keywords,)
        Mean revenue per order, yuan.
    price_mu, price_sigma : ndarray of float64, shape (n_keywords,)
        Competitor price per click ~ LogNormal(price_mu, price_sigma), yuan.
    weekly_profile : ndarray of float64, shape (7,)
        Traffic multiplier by day of week, Monday first (mean 1).
    """

    volume: FloatArray
    ctr: FloatArray
    cvr: FloatArray
    order_value: FloatArray
    price_mu: FloatArray
    price_sigma: FloatArray
    weekly_profile: FloatArray

    @property
    def n_keywords(self) -> int:
        """Number of keywords."""
        return int(self.volume.size)

    def _as_bids(self, bids: npt.ArrayLike) -> FloatArray:
        b = as_float_array(bids, "bids", ndim=None, nonnegative=True)
        if b.ndim == 0 or b.shape[0] != self.n_keywords or b.ndim > 2:
            raise InvalidInputError(
                f"`bids` must have shape ({self.n_keywords},) or ({self.n_keywords}, "
                f"n_levels). Got shape {b.shape} instead."
            )
        return b

    def win_rate(self, bids: npt.ArrayLike) -> FloatArray:
        """Probability that each bid beats the competitor price (impression share)."""
        b = self._as_bids(bids)
        mu, sigma = _broadcast(self.price_mu, b), _broadcast(self.price_sigma, b)
        with np.errstate(divide="ignore"):
            z = (np.log(b) - mu) / sigma
        return np.asarray(special.ndtr(z), dtype=np.float64)

    def cost_per_click(self, bids: npt.ArrayLike) -> FloatArray:
        """Expected price paid per click, E[price | price < bid], yuan (0 where bid is 0)."""
        b = self._as_bids(bids)
        return _cpc(b, _broadcast(self.price_mu, b), _broadcast(self.price_sigma, b))

    def expected(
        self, bids: npt.ArrayLike, *, day_of_week: int | None = None
    ) -> ExpectedPerformance:
        """Expected impressions, clicks, cost, conversions and revenue at ``bids``.

        Parameters
        ----------
        bids : array-like, shape (n_keywords,) or (n_keywords, n_levels)
            Max CPC bids, yuan (0 = not bidding).
        day_of_week : int, optional
            0 (Monday) .. 6 for that weekday's traffic; default an average day.

        Returns
        -------
        ExpectedPerformance
            Arrays of the shape of ``bids``.
        """
        b = self._as_bids(bids)
        scale = 1.0
        if day_of_week is not None:
            day = int(check_scalar(day_of_week, "day_of_week", lower=0, upper=6, integer=True))
            scale = float(self.weekly_profile[day])
        share = self.win_rate(b)
        volume = _broadcast(self.volume, b) * scale
        ctr = _broadcast(self.ctr, b)
        clicks = volume * share * ctr
        cost = clicks * self.cost_per_click(b)
        conversions = clicks * _broadcast(self.cvr, b)
        revenue = conversions * _broadcast(self.order_value, b)
        return ExpectedPerformance(volume * share, clicks, cost, conversions, revenue)


def _broadcast(per_keyword: FloatArray, bids: FloatArray) -> FloatArray:
    return per_keyword if bids.ndim == 1 else per_keyword[:, None]


def _cpc(bids: FloatArray, mu: FloatArray, sigma: FloatArray) -> FloatArray:
    """E[price | price < bid] for a log-normal price, computed in log space."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (np.log(bids) - mu) / sigma
        log_ratio = special.log_ndtr(z - sigma) - special.log_ndtr(z)
        cpc = np.exp(mu + 0.5 * sigma**2 + log_ratio)
    cpc = np.where(bids > 0, cpc, 0.0)
    return np.asarray(np.minimum(np.nan_to_num(cpc, nan=0.0), bids), dtype=np.float64)


@dataclass(frozen=True, slots=True, eq=False)
class SearchAccount:
    """A synthetic search-ads account: what was observed and what is true.

    Attributes
    ----------
    log : KeywordLog
        ``n_keywords * n_days`` rows, day-major; ``log.keyword.codes`` is the keyword's
        index into the arrays below.
    keywords, campaigns, ad_groups, match_types : ndarray of object, shape (n_keywords,)
        Per-keyword text, campaign (推广计划, one per category), ad group (推广单元,
        at most 200 keywords) and match type.
    current_bids : ndarray of float64, shape (n_keywords,)
        The merchant's current max CPC bids, yuan; the log's daily bids vary around them.
    themes : ndarray of int64, shape (n_keywords,)
        True theme of each keyword (brand x product x model series).
    theme_names : ndarray of object, shape (n_themes,)
        A readable name per theme.
    truth : AccountTruth
        The true per-keyword parameters, with ``expected(bids)``.
    """

    log: KeywordLog
    keywords: ObjectArray
    campaigns: ObjectArray
    ad_groups: ObjectArray
    match_types: ObjectArray
    current_bids: FloatArray
    themes: IntArray
    theme_names: ObjectArray
    truth: AccountTruth

    @property
    def n_keywords(self) -> int:
        """Number of keywords."""
        return int(self.keywords.size)

    def expected(self, bids: npt.ArrayLike | None = None) -> ExpectedPerformance:
        """Expected performance of ``bids`` (default: the current bids) on an average day."""
        return self.truth.expected(self.current_bids if bids is None else bids)

    def simulate(
        self,
        bids: npt.ArrayLike,
        *,
        n_days: int = 1,
        first_day: int | None = None,
        rng: RandomState = None,
    ) -> KeywordLog:
        """Observe more days of the account with fixed ``bids`` (a backtest's next day).

        Parameters
        ----------
        bids : array-like of shape (n_keywords,)
            Max CPC per keyword, yuan (0 = not bidding).
        n_days : int, default 1
        first_day : int, optional
            Day number (0 = the log's first day); by default the day after the log.
        rng : int, Generator or None
            Same seed, same days (use it for common random numbers across strategies).

        Returns
        -------
        KeywordLog
            ``n_keywords * n_days`` rows with the account's campaigns and ad groups.
        """
        b = self.truth._as_bids(bids)
        if b.ndim != 1:
            raise InvalidInputError(
                f"`bids` must have shape ({self.n_keywords},). Got shape {b.shape} instead."
            )
        days = int(check_scalar(n_days, "n_days", lower=1, integer=True))
        start = (
            len(self.log) // self.n_keywords
            if first_day is None
            else int(check_scalar(first_day, "first_day", lower=0, integer=True))
        )
        sim = _simulate_log(
            self.truth, b, days, check_random_state(rng), fixed=True, first_day=start
        )
        first_rows = np.arange(self.n_keywords)  # day 0: one row per keyword, in order
        labels = {
            name: getattr(self.log, name).take(first_rows)
            for name in ("campaign", "ad_group", "match_type")
        }
        return _assemble_log(sim, self.keywords, labels, days, "SearchAccount.simulate")

    def to_frame(self) -> Any:
        """One row per keyword: its labels, current bid, theme and true parameters
        (needs pandas).  ``log.to_frame()`` gives the observed rows."""
        pd = require_pandas("SearchAccount.to_frame()")
        truth = self.truth
        return pd.DataFrame(
            {
                "keyword": self.keywords,
                "campaign": self.campaigns,
                "ad_group": self.ad_groups,
                "match_type": self.match_types,
                "current_bid": self.current_bids,
                "theme": self.themes,
                "theme_name": self.theme_names[self.themes],
                "volume": truth.volume,
                "ctr": truth.ctr,
                "cvr": truth.cvr,
                "order_value": truth.order_value,
                "price_mu": truth.price_mu,
                "price_sigma": truth.price_sigma,
            }
        )

    def summary(self) -> str:
        """The account's size and its true performance at the current bids."""
        t = self.expected().totals()
        return "\n".join(
            [
                f"SearchAccount: {self.n_keywords} keywords in {self.theme_names.size} themes, "
                f"{np.unique(self.campaigns).size} campaigns, "
                f"{np.unique(self.ad_groups).size} ad groups; log of {len(self.log)} rows",
                f"  at the current bids, per average day (true): cost {t['cost']:,.2f} yuan, "
                f"clicks {t['clicks']:,.1f}, conversions {t['conversions']:,.2f}, "
                f"revenue {t['revenue']:,.2f} yuan",
                f"  CTR {t['ctr']:.2%}, CVR {t['cvr']:.2%}, CPC {t['cpc']:.2f} yuan, "
                f"CPA {t['cpa']:.2f} yuan, ROAS {t['roas']:.2f}",
            ]
        )

    def __repr__(self) -> str:
        t = self.expected().totals()
        return (
            f"SearchAccount(n_keywords={self.n_keywords}, n_themes={self.theme_names.size}, "
            f"n_rows={len(self.log)}, daily cost {t['cost']:.0f} yuan, CPA {t['cpa']:.2f}, "
            f"CVR {t['cvr']:.1%})"
        )


# --------------------------------------------------------------------------------------
# generation
# --------------------------------------------------------------------------------------


def _zipf_weights(n: int, exponent: float) -> FloatArray:
    w = 1.0 / np.arange(1, n + 1) ** exponent
    return np.asarray(w / w.sum(), dtype=np.float64)


def _rank_within(groups: IntArray) -> IntArray:
    """0, 1, 2, ... within each group, in the order the rows appear."""
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
    first = np.repeat(starts, np.diff(np.r_[starts, groups.size]))
    rank = np.empty(groups.size, dtype=np.int64)
    rank[order] = np.arange(groups.size) - first
    return rank


_LETTERS = np.array(list("abcdefghjkmnprstwxyz"))


def _series_tokens(
    combo: IntArray, product_key: IntArray, rng: np.random.Generator
) -> npt.NDArray[np.str_]:
    """Model-series tokens (``a5``, ``kx12``) for themes that share a brand and product.

    The first theme of a brand x product combo has no series; every later one gets a
    token that is unique among all series of the same product (whatever the brand), so
    a keyword that drops the brand (``冰箱d98``) still names one theme.
    """
    has_series = _rank_within(combo) > 0
    rank = np.zeros(combo.size, dtype=np.int64)
    rank[has_series] = _rank_within(product_key[has_series])
    letters = _LETTERS.size
    first = _LETTERS[rank % letters]
    second = np.where(
        rng.random(combo.size) < 0.1, _LETTERS[rng.integers(0, letters, combo.size)], ""
    )
    number = 1 + (rank // letters * 37 + product_key * 7919) % 99
    tokens = np.char.add(np.char.add(first, second), number.astype(str))
    return np.where(has_series, tokens, "")


def _build_themes(n_themes: int, rng: np.random.Generator) -> dict[str, npt.NDArray[np.generic]]:
    n_cat = len(CATEGORIES)
    category = rng.choice(n_cat, size=n_themes, p=_zipf_weights(n_cat, 0.4))
    n_products = np.array([len(c.products) for c in CATEGORIES])
    n_brands = np.array([len(c.brands) for c in CATEGORIES])
    # Zipf popularity within a category, by drawing a uniform and inverting the CDF.
    product = np.minimum(
        (n_products[category] * rng.random(n_themes) ** 1.6).astype(np.int64),
        n_products[category] - 1,
    )
    # brand index -1 is a generic (unbranded) theme such as plain "冰箱双门".
    brand = np.minimum(
        (n_brands[category] * rng.random(n_themes) ** 1.4).astype(np.int64),
        n_brands[category] - 1,
    )
    brand = np.where(rng.random(n_themes) < 0.3, -1, brand)
    combo = (category * 100 + product) * 100 + (brand + 1)
    series = _series_tokens(combo, category * 100 + product, rng)
    return {"category": category, "product": product, "brand": brand, "series": series}


def _lookup(table: list[tuple[str, ...]], outer: IntArray, inner: IntArray) -> npt.NDArray[np.str_]:
    """table[outer[i]][inner[i]] for every i ('' where inner is -1), vectorised."""
    width = max(len(t) for t in table)
    flat = np.array([list(t) + [""] * (width - len(t)) + [""] for t in table])
    return flat[outer, np.where(inner < 0, width, inner)]


def _make_keywords(
    theme_of: IntArray, themes: dict[str, npt.NDArray[np.generic]], rng: np.random.Generator
) -> ObjectArray:
    """Keyword strings, unique."""
    n = theme_of.size
    category = np.asarray(themes["category"])[theme_of].astype(np.int64)
    product = _lookup(
        [c.products for c in CATEGORIES],
        category,
        np.asarray(themes["product"])[theme_of].astype(np.int64),
    )
    brand = _lookup(
        [c.brands for c in CATEGORIES],
        category,
        np.asarray(themes["brand"])[theme_of].astype(np.int64),
    )
    series = np.asarray(themes["series"])[theme_of].astype(str)
    # Shoppers often type a model number without the brand (``冰箱d98``).
    brand = np.where((series != "") & (rng.random(n) < 0.65), "", brand)
    attr_tables = [c.attributes + GENERAL_ATTRIBUTES for c in CATEGORIES]
    n_attr = np.array([len(t) for t in attr_tables])
    attr_index = np.where(
        rng.random(n) < np.where(series != "", 0.9, 0.7),
        -1,
        (rng.random(n) * n_attr[category]).astype(np.int64),
    )
    attr = _lookup(attr_tables, category, attr_index)
    form = rng.choice(3, size=n, p=[0.55, 0.2, 0.25])
    add = np.char.add

    extra = np.full(n, "", dtype=attr.dtype)

    def compose(rows: IntArray) -> npt.NDArray[np.str_]:
        b, p, s, a = brand[rows], product[rows], series[rows], attr[rows]
        forms = [
            add(add(add(b, p), s), a),  # 海尔冰箱x215双门
            add(add(add(b, s), a), p),  # 海尔x215双门冰箱
            add(add(add(a, b), p), s),  # 双门海尔冰箱x215
        ]
        return np.asarray(add(np.choose(form[rows], forms), extra[rows])).astype(object)

    text = compose(np.arange(n))
    # A repeated string first gets a fresh attribute and form; if it still collides,
    # a second attribute.  Theme sizes are capped, so this ends in a few rounds.
    for round_ in range(40):
        _, first_index = np.unique(text.astype(str), return_index=True)
        duplicate = np.ones(n, dtype=bool)
        duplicate[first_index] = False
        if not duplicate.any():
            break
        rows = np.flatnonzero(duplicate)
        fresh = _lookup(
            attr_tables,
            category[rows],
            (rng.random(rows.size) * n_attr[category[rows]]).astype(np.int64),
        )
        if round_ < 8:
            attr[rows] = fresh
            form[rows] = rng.choice(3, size=rows.size)
        else:
            extra[rows] = fresh
        text[rows] = compose(rows)
    else:  # pragma: no cover - defensive: a theme far larger than the attribute space
        raise BidoptError("could not make the synthetic keywords unique")
    return np.asarray(text, dtype=object)


def _vary_spelling(text: ObjectArray, rng: np.random.Generator) -> ObjectArray:
    """Make a few keywords traditional, full-width or upper-case, as shoppers type them."""
    text = text.copy()
    to_traditional = str.maketrans(TRADITIONAL)
    to_fullwidth = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}
    kind = rng.random(text.size)
    for rows, table in (
        (np.flatnonzero(kind < 0.03), to_traditional),
        (np.flatnonzero((kind >= 0.03) & (kind < 0.06)), to_fullwidth),
    ):
        text[rows] = [s.translate(table) for s in text[rows].tolist()]
    upper = np.flatnonzero((kind >= 0.06) & (kind < 0.08))
    text[upper] = [s.upper() for s in text[upper].tolist()]
    return text


def make_search_account(
    n_keywords: int, *, n_days: int = 28, rng: RandomState = None
) -> SearchAccount:
    """Generate a realistic synthetic Tmall/Taobao search-ads account with known truth.

    Parameters
    ----------
    n_keywords : int
        Number of keywords, >= 1 (100 to 1,000,000 in the project's benchmarks).
    n_days : int, default 28
        Days of history in the log, >= 1.
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
    themes = _build_themes(n_themes, gen)
    keywords = _make_keywords(theme_of, themes, gen)
    keywords = _vary_spelling(keywords, gen)

    category = np.asarray(themes["category"]).astype(np.int64)
    theme_category = category
    kw_category = category[theme_of]
    generic = np.asarray(themes["brand"])[theme_of] < 0
    with_series = np.asarray(themes["series"]).astype(str)[theme_of] != ""
    product_names = _lookup(
        [c.products for c in CATEGORIES],
        theme_category,
        np.asarray(themes["product"]).astype(np.int64),
    )
    brand_names = _lookup(
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
    chunk = _rank_within(group_key) // MAX_GROUP_SIZE
    group_product = _lookup([c.products for c in CATEGORIES], kw_category, product_of)
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

    sim = _simulate_log(truth, current_bids, days, gen)
    labels = {
        "campaign": Categorical(kw_category.astype(np.int32), campaign_names),
        "ad_group": Categorical(
            group_codes.astype(np.int32), np.unique(ad_group_text).astype(object)
        ),
        "match_type": Categorical(match.astype(np.int32), np.array(MATCH_TYPES, dtype=object)),
    }
    log = _assemble_log(sim, keywords, labels, days, "make_search_account")
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
    )


def _assemble_log(
    sim: dict[str, Any],
    keywords: ObjectArray,
    labels: dict[str, Categorical],
    days: int,
    source: str,
) -> KeywordLog:
    """A KeywordLog from simulated columns (day-major rows) and per-keyword labels
    (``campaign``, ``ad_group``, ``match_type``, one row per keyword)."""
    n = keywords.size
    # the simulated columns are fresh: read-only, the log keeps them without a copy
    fresh = {name: frozen(np.ascontiguousarray(value)) for name, value in sim.items()}
    return KeywordLog(
        date=fresh["date"],
        keyword=Categorical(frozen(np.tile(np.arange(n, dtype=np.int32), days)), keywords),
        impressions=fresh["impressions"],
        clicks=fresh["clicks"],
        **{
            name: Categorical(frozen(np.tile(col.codes, days)), col.categories)
            for name, col in labels.items()
        },
        bid=fresh["bid"],
        cost=fresh["cost"],
        conversions=fresh["conversions"],
        revenue=fresh["revenue"],
        report=LoadReport(source=source, n_read=n * days),
    )


def _simulate_log(
    truth: AccountTruth,
    current_bids: FloatArray,
    n_days: int,
    rng: np.random.Generator,
    *,
    fixed: bool = False,
    first_day: int = 0,
) -> dict[str, Any]:
    """Simulate ``n_days`` of auctions, one day (all keywords at once) per step.

    With ``fixed`` the bids stay ``current_bids`` every day; otherwise the merchant moves
    about a third of them each day around ``current_bids``.
    """
    n = truth.n_keywords
    rows = n * n_days
    out_date = np.repeat(START_DATE + first_day + np.arange(n_days), n)
    out_bid = np.empty(rows)
    out_cost = np.empty(rows)
    out_revenue = np.empty(rows)
    out_impressions = np.empty(rows, dtype=np.int64)
    out_clicks = np.empty(rows, dtype=np.int64)
    out_conversions = np.empty(rows, dtype=np.int64)
    day_shock = rng.gamma(200.0, 1.0 / 200.0, n_days)
    bid = current_bids.copy()
    for day in range(n_days):
        # The merchant moves about a third of the bids each day, around the current bid.
        if not fixed:
            move = rng.random(n) < (1.0 if day == 0 else 0.35)
            proposal = np.clip(
                np.round(current_bids * rng.lognormal(0.0, 0.3, n), 2), MIN_BID, MAX_BID
            )
            bid = np.where(move, proposal, bid)
        dow = int((START_DATE + first_day + day - np.datetime64("1970-01-05")).astype(np.int64) % 7)
        traffic = truth.volume * truth.weekly_profile[dow] * day_shock[day]
        mean_impressions = traffic * truth.win_rate(bid) * rng.gamma(4.0, 0.25, n)
        impressions = rng.poisson(mean_impressions)
        clicks = rng.binomial(impressions, truth.ctr)
        conversions = rng.binomial(clicks, truth.cvr)
        cpc = truth.cost_per_click(bid)
        safe = np.maximum(clicks, 1)
        noisy_cpc = np.minimum(cpc * rng.lognormal(0.0, 0.3 / np.sqrt(safe)), bid)
        cost = np.round(clicks * noisy_cpc, 2)
        value = truth.order_value * rng.lognormal(0.0, 0.35 / np.sqrt(np.maximum(conversions, 1)))
        revenue = np.round(conversions * value, 2)
        sl = slice(day * n, (day + 1) * n)
        out_bid[sl] = bid
        out_impressions[sl] = impressions
        out_clicks[sl] = clicks
        out_conversions[sl] = conversions
        out_cost[sl] = cost
        out_revenue[sl] = revenue
    return {
        "date": out_date,
        "bid": out_bid,
        "impressions": out_impressions,
        "clicks": out_clicks,
        "conversions": out_conversions,
        "cost": out_cost,
        "revenue": out_revenue,
    }
