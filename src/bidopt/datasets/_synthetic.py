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

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from bidopt._lognormal import cost_per_click, win_rate
from bidopt._optional import require_pandas
from bidopt._validation import as_float_array, check_random_state, check_scalar, frozen
from bidopt.datasets._categorical import Categorical
from bidopt.datasets._keyword_log import KeywordLog, LoadReport
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray, IntArray, ObjectArray, RandomState

if TYPE_CHECKING:
    from bidopt.datasets._crowds import CrowdTruth

__all__ = [
    "AccountTruth",
    "ExpectedPerformance",
    "SearchAccount",
    "assemble_log",
    "simulate_log",
]

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

    def summary(self) -> str:
        """The totals and ratios on one line each."""
        t = self.totals()
        return "\n".join(
            [
                f"ExpectedPerformance over {self.clicks.size} bids (average day)",
                f"  impressions {t['impressions']:,.1f}, clicks {t['clicks']:,.1f}, "
                f"cost {t['cost']:,.2f} yuan, conversions {t['conversions']:,.2f}, "
                f"revenue {t['revenue']:,.2f} yuan",
                f"  CTR {t['ctr']:.2%}, CVR {t['cvr']:.2%}, CPC {t['cpc']:.2f} yuan, "
                f"CPA {t['cpa']:.2f} yuan, ROAS {t['roas']:.2f}",
            ]
        )

    def to_frame(self) -> Any:
        """One row per bid: ``keyword`` (row index), ``level`` for a grid of bids, and the
        five expected metrics (needs pandas)."""
        pd = require_pandas("ExpectedPerformance.to_frame()")
        shape = self.clicks.shape
        data: dict[str, Any] = {}
        if len(shape) == 2:
            data["keyword"] = np.repeat(np.arange(shape[0]), shape[1])
            data["level"] = np.tile(np.arange(shape[1]), shape[0])
        else:
            data["keyword"] = np.arange(self.clicks.size)
        for name in ("impressions", "clicks", "cost", "conversions", "revenue"):
            data[name] = getattr(self, name).ravel()
        return pd.DataFrame(data)


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

    def to_frame(self) -> Any:
        """One row per keyword with its true parameters (needs pandas)."""
        pd = require_pandas("AccountTruth.to_frame()")
        names = ("volume", "ctr", "cvr", "order_value", "price_mu", "price_sigma")
        return pd.DataFrame({name: getattr(self, name) for name in names})

    def summary(self) -> str:
        """Medians of the true parameters over keywords."""
        return (
            f"AccountTruth: {self.n_keywords} keywords; median volume "
            f"{np.median(self.volume):,.4g} impressions/day, CTR {np.median(self.ctr):.3%}, "
            f"CVR {np.median(self.cvr):.3%}, order value {np.median(self.order_value):.4g} "
            f"yuan, competitor price {np.exp(np.median(self.price_mu)):.4g} yuan (median)"
        )

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
        return win_rate(b, _broadcast(self.price_mu, b), _broadcast(self.price_sigma, b))

    def cost_per_click(self, bids: npt.ArrayLike) -> FloatArray:
        """Expected price paid per click, E[price | price < bid], yuan (0 where bid is 0)."""
        b = self._as_bids(bids)
        return cost_per_click(b, _broadcast(self.price_mu, b), _broadcast(self.price_sigma, b))

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
    crowds : CrowdTruth or None
        The keyword x crowd truth (shares, rates, prices, lifetime value and today's
        premiums) when the account was made with ``n_crowds``; None otherwise.
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
    crowds: CrowdTruth | None = None

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
        sim = simulate_log(
            self.truth, b, days, check_random_state(rng), fixed=True, first_day=start
        )
        first_rows = np.arange(self.n_keywords)  # day 0: one row per keyword, in order
        labels = {
            name: getattr(self.log, name).take(first_rows)
            for name in ("campaign", "ad_group", "match_type")
        }
        return assemble_log(sim, self.keywords, labels, days, "SearchAccount.simulate")

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


def assemble_log(
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


def simulate_log(
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
