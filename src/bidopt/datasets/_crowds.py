"""Crowds (人群) of the synthetic account: keyword x crowd truth, with lifetime value.

Each keyword's shoppers split into crowds (shares per keyword); a crowd changes the
keyword's CTR, CVR, order value and competitor price by multipliers (one per crowd,
varied per keyword), and its customers repurchase at their own rate, which sets the
lifetime value of an order.  Shopper ``a`` searching keyword ``k`` sees the keyword's
bid times ``1 + premium[a]``.  Column 0 is the shoppers in no targeted crowd (the
keyword bid alone).

Calibration (the reference merchant's plan): the high-value crowd brings about 35% of
the account's buyers at today's bids, repurchases 60% more than the other buyers, and its
customers' lifetime value averages 1,100 yuan (over 1,000); the multipliers are
normalised so that the account as a whole keeps the keyword truth's CTR, CVR and order
value at equal bids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._lognormal import cost_per_click, win_rate
from bidopt._optional import require_pandas
from bidopt._validation import as_float_array, check_random_state, check_scalar
from bidopt.datasets._crowd_report import CrowdReport
from bidopt.datasets._keyword_log import LoadReport
from bidopt.datasets._synthetic import START_DATE, AccountTruth, ExpectedPerformance
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray, ObjectArray, RandomState

__all__ = ["CROWD_PROFILES", "CrowdTruth", "make_crowds"]

#: The crowds of the synthetic account: name, share of a keyword's searches, and
#: multipliers of CTR, CVR, order value, repurchase and competitor price (before
#: normalisation).  The first crowd's share is calibrated (35% of buyers).
CROWD_PROFILES: tuple[tuple[str, float, float, float, float, float, float], ...] = (
    ("高价值人群", 0.0, 1.3, 1.8, 1.5, 1.6, 1.3),
    ("店铺老客", 0.05, 1.6, 2.2, 1.0, 1.3, 1.15),
    ("收藏加购人群", 0.06, 1.8, 2.6, 1.0, 1.0, 1.5),
    ("店铺访客", 0.08, 1.3, 1.5, 1.0, 1.0, 1.2),
    ("竞品店铺访客", 0.08, 1.1, 1.2, 1.05, 0.9, 1.35),
    ("高消费人群", 0.08, 1.0, 0.9, 1.6, 1.1, 1.25),
    ("低价敏感人群", 0.12, 1.1, 0.8, 0.65, 0.8, 0.8),
    ("新客", 0.12, 0.9, 0.7, 0.9, 0.9, 0.85),
)
OTHERS = "其他访客"
_HV_ORDER_SHARE = 0.35  # high-value crowd's share of buyers at today's bids
_HV_REPURCHASE = 1.6  # its repurchase relative to the other buyers
_HV_LTV = 1_100.0  # its customers' mean lifetime value, yuan (the plan: over 1,000)


@dataclass(frozen=True, slots=True, eq=False)
class CrowdTruth:
    """True keyword x crowd parameters of a synthetic account.

    Column 0 of every (n_keywords, n_crowds + 1) array is the shoppers in no crowd.

    Attributes
    ----------
    names : ndarray of object, shape (n_crowds + 1,)
        ``"其他访客"`` (others) then the crowd names.
    volume : ndarray of float64, shape (n_keywords, n_crowds + 1)
        Impressions per average day if every auction were won.
    ctr, cvr : ndarray of float64, shape (n_keywords, n_crowds + 1)
    order_value : ndarray of float64, shape (n_keywords, n_crowds + 1)
        Mean first-basket value per order, yuan.
    lifetime_value : ndarray of float64, shape (n_keywords, n_crowds + 1)
        Expected value of a new customer's first order and repeat orders over
        ``horizon`` years, yuan per first order (undiscounted): ``order_value * (1 +
        repeat_orders)``.
    repeat_orders : ndarray of float64, shape (n_crowds + 1,)
        Expected repeat orders per new customer over the horizon; ``1 + repeat_orders``
        is each crowd's lifetime value per yuan of first basket (the ``value_multiplier``
        of :func:`~bidopt.bidding.optimize_crowd_bids`).
    price_mu : ndarray of float64, shape (n_keywords, n_crowds + 1)
    price_sigma : ndarray of float64, shape (n_keywords,)
        Competitor price per click ~ LogNormal(price_mu, price_sigma), yuan.
    current_premiums : ndarray of float64, shape (n_crowds + 1,)
        Today's premiums (0 for others and untargeted crowds).
    horizon : float
        Years of the lifetime value.
    """

    names: ObjectArray
    volume: FloatArray
    ctr: FloatArray
    cvr: FloatArray
    order_value: FloatArray
    lifetime_value: FloatArray
    repeat_orders: FloatArray
    price_mu: FloatArray
    price_sigma: FloatArray
    current_premiums: FloatArray
    horizon: float

    @property
    def n_keywords(self) -> int:
        """Number of keywords."""
        return int(self.volume.shape[0])

    @property
    def n_crowds(self) -> int:
        """Number of crowds (without the others column)."""
        return int(self.volume.shape[1] - 1)

    def cell_bids(self, bids: npt.ArrayLike, premiums: npt.ArrayLike | None = None) -> FloatArray:
        """Bid of every cell, ``bids[k] * (1 + premiums[a])``, shape (n_keywords, n_crowds + 1).

        ``premiums`` has one entry per crowd (n_crowds,) or per column (n_crowds + 1,)
        with 0 first; default today's premiums.
        """
        b = as_float_array(bids, "bids", nonnegative=True)
        if b.shape != (self.n_keywords,):
            raise InvalidInputError(
                f"`bids` must have shape ({self.n_keywords},). Got shape {b.shape} instead."
            )
        m = self.current_premiums if premiums is None else self._premiums(premiums)
        return np.asarray(b[:, None] * (1.0 + m[None, :]), dtype=np.float64)

    def _premiums(self, premiums: npt.ArrayLike) -> FloatArray:
        m = as_float_array(premiums, "premiums", nonnegative=True)
        if m.shape == (self.n_crowds,):
            m = np.r_[0.0, m]
        if m.shape != (self.n_crowds + 1,) or m[0] != 0:
            raise InvalidInputError(
                f"`premiums` must have shape ({self.n_crowds},), or ({self.n_crowds + 1},) "
                f"with 0 first (others). Got {np.asarray(premiums)!r} instead."
            )
        return m

    def expected(self, cell_bids: npt.ArrayLike) -> ExpectedPerformance:
        """Expected impressions, clicks, cost, orders and first-basket revenue per cell.

        Parameters
        ----------
        cell_bids : array-like of shape (n_keywords, n_crowds + 1) or (n_keywords,
            n_crowds + 1, n_levels)
            Bid of each cell, yuan (:meth:`cell_bids` builds them from keyword bids and
            premiums).
        """
        b = as_float_array(cell_bids, "cell_bids", ndim=None, nonnegative=True)
        shape = self.volume.shape
        if b.shape[:2] != shape or b.ndim not in (2, 3):
            raise InvalidInputError(
                f"`cell_bids` must have shape {shape} or {(*shape, 'n_levels')}. Got shape "
                f"{b.shape} instead."
            )

        def cast(a: FloatArray) -> FloatArray:
            return a if b.ndim == 2 else a[..., None]

        sigma = self.price_sigma[:, None] if b.ndim == 2 else self.price_sigma[:, None, None]
        share = win_rate(b, cast(self.price_mu), sigma)
        impressions = cast(self.volume) * share
        clicks = impressions * cast(self.ctr)
        cost = clicks * cost_per_click(b, cast(self.price_mu), sigma)
        conversions = clicks * cast(self.cvr)
        return ExpectedPerformance(
            impressions, clicks, cost, conversions, conversions * cast(self.order_value)
        )

    def landscape_columns(self, n_levels: int = 24) -> dict[str, npt.NDArray[Any]]:
        """The true outcome of every cell on a grid of bids, one row per cell.

        The grid of cell ``(k, a)`` spans its competitor price distribution (quantiles
        0.6% to 99.9%, geometric, capped at 99 yuan).  Pass the 2-D arrays to
        :class:`~bidopt.landscape.BidLandscape` and ``keyword`` / ``crowd`` to
        :func:`~bidopt.bidding.optimize_crowd_bids`.

        Returns
        -------
        dict
            ``bids``, ``impressions``, ``clicks``, ``cost``, ``conversions``,
            ``revenue``: arrays of shape (n_keywords * (n_crowds + 1), n_levels), rows
            keyword-major; ``keyword`` (int64 keyword index) and ``crowd`` (name) of
            shape (n_rows,).
        """
        levels = int(check_scalar(n_levels, "n_levels", lower=2, integer=True))
        z = np.linspace(-2.5, 3.0, levels)
        bids = np.exp(self.price_mu[..., None] + self.price_sigma[:, None, None] * z)
        bids = np.minimum(bids, 99.0)
        bids = np.maximum.accumulate(np.maximum(bids, 0.01), axis=-1)
        exp = self.expected(bids)
        n, c = self.volume.shape
        out: dict[str, npt.NDArray[Any]] = {"bids": bids.reshape(n * c, levels)}
        for name in ("impressions", "clicks", "cost", "conversions", "revenue"):
            out[name] = getattr(exp, name).reshape(n * c, levels)
        out["keyword"] = np.repeat(np.arange(n, dtype=np.int64), c)
        out["crowd"] = np.tile(self.names, n)
        return out

    def lifetime_value_per_order(self, cell_bids: npt.ArrayLike | None = None) -> FloatArray:
        """Mean lifetime value per first order of each column, yuan.

        Parameters
        ----------
        cell_bids : array-like of shape (n_keywords, n_crowds + 1), optional
            Weight each keyword's lifetime value by the orders these bids buy; by default
            by the orders of every search (all auctions won).  A column the bids buy no
            orders in (every bid 0) is weighted by default: its mean is still defined.

        Returns
        -------
        ndarray of float64, shape (n_crowds + 1,)
        """
        weight = self.volume * self.ctr * self.cvr
        if cell_bids is not None:
            bought = self.expected(cell_bids).conversions
            weight = np.where(bought.sum(axis=0) > 0, bought, weight)
        total = weight.sum(axis=0)
        return np.asarray(
            (weight * self.lifetime_value).sum(axis=0) / np.where(total > 0, total, 1.0),
            dtype=np.float64,
        )

    def simulate_report(
        self,
        bids: npt.ArrayLike,
        premiums: npt.ArrayLike | None = None,
        *,
        n_days: int = 7,
        rng: RandomState = None,
        keywords: ObjectArray | None = None,
    ) -> CrowdReport:
        """Observe ``n_days`` of the keyword x crowd report at fixed bids and premiums.

        Parameters
        ----------
        bids : array-like of shape (n_keywords,)
            Keyword bids, yuan.
        premiums : array-like of shape (n_crowds,) or (n_crowds + 1,), optional
            Premium per crowd (default today's).
        n_days : int, default 7
        rng : int, Generator or None
        keywords : array of object, shape (n_keywords,), optional
            Keyword labels for the report (default the keyword index).

        Returns
        -------
        CrowdReport
            One row per keyword, crowd and day; cells with no impression that day are
            left out, as platform exports do.
        """
        days = int(check_scalar(n_days, "n_days", lower=1, integer=True))
        gen = check_random_state(rng)
        m = self.current_premiums if premiums is None else self._premiums(premiums)
        cell = self.cell_bids(bids, m)
        exp = self.expected(cell)
        n = cell.shape[0]
        kw = np.arange(n) if keywords is None else np.asarray(keywords, dtype=object)
        frames: list[dict[str, Any]] = []
        for day in range(days):
            impressions = gen.poisson(exp.impressions * gen.gamma(4.0, 0.25, cell.shape))
            clicks = gen.binomial(impressions, self.ctr)
            orders = gen.binomial(clicks, self.cvr)
            cpc = np.divide(exp.cost, exp.clicks, out=np.zeros_like(cell), where=exp.clicks > 0)
            cost = np.round(clicks * cpc * gen.lognormal(0.0, 0.1, cell.shape), 2)
            revenue = np.round(orders * self.order_value * gen.lognormal(0.0, 0.2, cell.shape), 2)
            seen = impressions > 0
            k_idx, a_idx = np.nonzero(seen)
            frames.append(
                {
                    "date": np.full(k_idx.size, START_DATE + day),
                    "keyword": kw[k_idx],
                    "crowd": self.names[a_idx],
                    "premium": m[a_idx],
                    "impressions": impressions[seen],
                    "clicks": clicks[seen],
                    "cost": cost[seen],
                    "conversions": orders[seen],
                    "revenue": revenue[seen],
                }
            )
        cols = {k: np.concatenate([f[k] for f in frames]) for k in frames[0]}
        return CrowdReport(
            date=cols["date"].astype("datetime64[D]"),
            keyword=cols["keyword"].astype(object),
            crowd=cols["crowd"].astype(object),
            premium=cols["premium"].astype(np.float64),
            impressions=cols["impressions"].astype(np.int64),
            clicks=cols["clicks"].astype(np.int64),
            cost=cols["cost"].astype(np.float64),
            conversions=cols["conversions"].astype(np.int64),
            revenue=cols["revenue"].astype(np.float64),
            report=LoadReport(source="CrowdTruth.simulate_report", n_read=int(cols["clicks"].size)),
        )

    def summary(self) -> str:
        """Per crowd: share of searches, CVR and order value multipliers, lifetime value."""
        share = self.volume.sum(axis=0) / self.volume.sum()
        ltv = self.lifetime_value_per_order()
        lines = [f"CrowdTruth: {self.n_keywords} keywords x {self.n_crowds} crowds (+ others)"]
        for j, name in enumerate(self.names):
            lines.append(
                f"  {name}: {share[j]:.1%} of searches, premium today "
                f"{self.current_premiums[j]:.0%}, repeat orders {self.repeat_orders[j]:.2f}, "
                f"lifetime value {ltv[j]:,.0f} yuan per first order"
            )
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per keyword x column with the true parameters (needs pandas)."""
        pd = require_pandas("CrowdTruth.to_frame()")
        n, c = self.volume.shape
        return pd.DataFrame(
            {
                "keyword": np.repeat(np.arange(n), c),
                "crowd": np.tile(self.names, n),
                "volume": self.volume.ravel(),
                "ctr": self.ctr.ravel(),
                "cvr": self.cvr.ravel(),
                "order_value": self.order_value.ravel(),
                "lifetime_value": self.lifetime_value.ravel(),
                "price_mu": self.price_mu.ravel(),
                "price_sigma": np.repeat(self.price_sigma, c),
                "current_premium": np.tile(self.current_premiums, n),
            }
        )


def make_crowds(
    truth: AccountTruth, current_bids: FloatArray, n_crowds: int, rng: np.random.Generator
) -> CrowdTruth:
    """Draw the crowd truth of an account (the first ``n_crowds`` of CROWD_PROFILES)."""
    n = truth.n_keywords
    profiles = CROWD_PROFILES[:n_crowds]
    c = n_crowds + 1
    table = np.array([p[1:] for p in profiles], dtype=np.float64).reshape(n_crowds, 6)
    share0, ctr_m, cvr_m, aov_m, rep_m, price_m = (np.r_[1.0, table[:, i]] for i in range(6))

    def noisy(base: FloatArray, sigma: float) -> FloatArray:
        out = base[None, :] * rng.lognormal(0.0, sigma, (n, c))
        out[:, 0] = base[0]
        return np.asarray(out, dtype=np.float64)

    share_noise = rng.lognormal(0.0, 0.3, (n, c))
    ctr = noisy(ctr_m, 0.2)
    cvr = noisy(cvr_m, 0.25)
    aov = noisy(aov_m, 0.1)
    price = noisy(price_m, 0.2)
    # today's premiums: about 60% of crowds targeted, at +10% to +60% in 5% steps
    targeted = rng.random(n_crowds) < 0.6
    steps = rng.integers(2, 13, n_crowds)
    premiums = np.asarray(
        np.round(np.r_[0.0, np.where(targeted, steps * 0.05, 0.0)], 2), dtype=np.float64
    )

    def build(hv_share: float) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        shares = share0.copy()
        shares[1] = hv_share
        s = shares[None, :] * share_noise
        s[:, 0] = 0.0
        total = s.sum(axis=1, keepdims=True)
        s *= np.minimum(1.0, 0.85 / total)
        s[:, 0] = 1.0 - s[:, 1:].sum(axis=1)
        # normalise: the account as a whole keeps the keyword truth's rates at equal bids
        ctr_n = ctr / (s * ctr).sum(axis=1, keepdims=True)
        cvr_n = cvr / (s * ctr_n * cvr).sum(axis=1, keepdims=True)
        w = s * ctr_n * cvr_n
        aov_n = aov / (w * aov).sum(axis=1, keepdims=True)
        return s, ctr_n, cvr_n, aov_n

    def cells(
        s: FloatArray, ctr_n: FloatArray, cvr_n: FloatArray, aov_n: FloatArray
    ) -> dict[str, FloatArray]:
        return {
            "volume": truth.volume[:, None] * s,
            "ctr": np.minimum(truth.ctr[:, None] * ctr_n, 0.5),
            "cvr": np.minimum(truth.cvr[:, None] * cvr_n, 0.8),
            "order_value": truth.order_value[:, None] * aov_n,
            # competitors' premiums: relative prices, the account's mean price kept
            "price_mu": truth.price_mu[:, None]
            + np.log(price)
            - (s * np.log(price)).sum(axis=1, keepdims=True),
        }

    def orders_today(p: dict[str, FloatArray]) -> FloatArray:
        b = current_bids[:, None] * (1.0 + premiums[None, :])
        wins = win_rate(b, p["price_mu"], truth.price_sigma[:, None])
        return np.asarray(p["volume"] * wins * p["ctr"] * p["cvr"], dtype=np.float64)

    lo, hi = 0.01, 0.6
    for _ in range(40):  # the high-value crowd's share: 35% of today's buyers
        mid = 0.5 * (lo + hi)
        o = orders_today(cells(*build(mid)))
        if o[:, 1].sum() / o.sum() < _HV_ORDER_SHARE:
            lo = mid
        else:
            hi = mid
    p = cells(*build(0.5 * (lo + hi)))
    o = orders_today(p)
    # repurchase: the high-value crowd 60% above the other buyers, its LTV 1,100 yuan
    hv_value = float((o[:, 1] * p["order_value"][:, 1]).sum() / o[:, 1].sum())
    hv_repeat = _HV_LTV / hv_value - 1.0
    rel = np.r_[1.0, rep_m[1:]]
    non_hv = np.r_[0, np.arange(2, c)]
    weights = o[:, non_hv].sum(axis=0)
    mean_rel = float((weights * rel[non_hv]).sum() / weights.sum())
    repeat = rel * (hv_repeat / _HV_REPURCHASE) / mean_rel
    repeat[1] = hv_repeat
    lifetime = p["order_value"] * (1.0 + repeat[None, :])
    return CrowdTruth(
        names=np.array((OTHERS, *(q[0] for q in profiles)), dtype=object),
        volume=p["volume"],
        ctr=p["ctr"],
        cvr=p["cvr"],
        order_value=p["order_value"],
        lifetime_value=lifetime,
        repeat_orders=repeat,
        price_mu=p["price_mu"],
        price_sigma=truth.price_sigma.copy(),
        current_premiums=premiums,
        horizon=3.0,
    )
