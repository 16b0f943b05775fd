"""What a keyword log can identify: per keyword, where its bid response comes from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from bidopt._identify_words import listed, unidentified_causes
from bidopt._optional import require_pandas
from bidopt._validation import rebuild_on_unpickle
from bidopt._wording import counted
from bidopt.exceptions import IdentifiabilityWarning
from bidopt.typing import BoolArray, FloatArray, IntArray, ObjectArray

__all__ = ["SOURCES", "Identifiability"]

#: Where a keyword's response to a bid change is learnt from, most to least direct.
SOURCES: tuple[str, ...] = ("keyword", "group", "prior")

#: Bid spread (standard deviation of the log bid over active days) below which a
#: keyword's own bids are treated as constant.
MIN_SPREAD = 0.05
#: A campaign's price dispersion counts as learnt when its posterior standard deviation
#: is at most this fraction of the prior's.
MAX_POSTERIOR_RATIO = 0.5
#: Share of the log's spend on keywords whose bid response is only the prior above which
#: estimate_landscapes warns.
WARN_SHARE = 0.05


@dataclass(frozen=True, slots=True, eq=False)
class Identifiability:
    """What the log can tell about each keyword's response to a bid change.

    The landscape model's bid response is the competitor-price dispersion
    ``price_sigma`` (fitted per campaign, from days when bids differ) and the price
    level ``price_mu`` (from the cost per click relative to the bid).  A keyword's
    ``source`` says where its bid response comes from:

    * ``"keyword"``: its own bids varied (``bid_spread >= 0.05``) and its campaign's
      dispersion is learnt from the log;
    * ``"group"``: its own bids did not vary, but its campaign's did: the response is
      pooled from the keywords around it;
    * ``"prior"``: nothing in its campaign varied enough; the dispersion is the prior's
      and a plan cannot know how far a bid change moves its clicks.

    Attributes
    ----------
    keywords : ndarray of object, shape (n_keywords,)
    campaign : ndarray of object or None, shape (n_keywords,)
    n_days : ndarray of int64, shape (n_keywords,)
        Days with a positive bid.
    impressions, clicks, cost : ndarray of float64, shape (n_keywords,)
        Totals over the log (cost in yuan).
    bid_spread : ndarray of float64, shape (n_keywords,)
        Standard deviation of the log bid over the keyword's active days (0 for a bid
        that never changed; 0.1 is about +-10%).
    bid_ratio : ndarray of float64, shape (n_keywords,)
        Highest over lowest active bid (1 for a constant bid).
    bid_low : ndarray of float64, shape (n_keywords,)
        Lowest active bid in the log, yuan (0 if never active); the highest is
        ``bid_low * bid_ratio``.
    current_bid : ndarray of float64, shape (n_keywords,)
        The bid on the log's last day with a row for the keyword, yuan (0 if paused).
    sigma_sd : ndarray of float64, shape (n_keywords,)
        Posterior standard deviation of the keyword's campaign dispersion.
    prior_sd : float
        Its standard deviation under the prior alone.
    source : ndarray of object (str), shape (n_keywords,)
        ``"keyword"``, ``"group"`` or ``"prior"`` (see above).
    n_log_days : int
        Distinct dates in the log.
    """

    keywords: ObjectArray
    campaign: ObjectArray | None
    n_days: IntArray
    impressions: FloatArray
    clicks: FloatArray
    cost: FloatArray
    bid_spread: FloatArray
    bid_ratio: FloatArray
    bid_low: FloatArray
    current_bid: FloatArray
    sigma_sd: FloatArray
    prior_sd: float
    source: ObjectArray
    n_log_days: int

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return rebuild_on_unpickle(self)

    @property
    def n_keywords(self) -> int:
        """Number of keywords (landscape rows)."""
        return int(self.keywords.size)

    @property
    def identified(self) -> BoolArray:
        """Mask of keywords whose bid response is learnt from the log (not the prior)."""
        return np.asarray(self.source != "prior")

    def counts(self) -> dict[str, int]:
        """Number of keywords per source."""
        return {s: int((self.source == s).sum()) for s in SOURCES}

    def spend_share(self) -> dict[str, float]:
        """Share of the log's spend per source (fractions summing to 1)."""
        total = float(self.cost.sum())
        if total <= 0:
            return {s: float((self.source == s).mean()) for s in SOURCES}
        return {s: float(self.cost[self.source == s].sum() / total) for s in SOURCES}

    def warning_message(self) -> str | None:
        """The :class:`~bidopt.exceptions.IdentifiabilityWarning` text, or None when the
        log supports a plan (few keywords, by spend, rely on the prior)."""
        warning = self._warning()
        return None if warning is None else str(warning)

    def _warning(self) -> IdentifiabilityWarning | None:
        """The warning :func:`~bidopt.landscape.estimate_landscapes` issues (kind
        ``"unidentified_response"``, with the details its message is built from), or
        None when the log supports a plan."""
        share = self.spend_share()["prior"]
        if share < WARN_SHARE:
            return None
        blind = self.source == "prior"
        # two causes, told apart per keyword: a bid that never moved (spread below
        # MIN_SPREAD), or bids that did move but whose campaign's price dispersion (and
        # the account's) stayed as vague as the prior: the days' swings hide the response
        constant = blind & (self.bid_spread < MIN_SPREAD)
        varied = blind & ~constant
        details: dict[str, Any] = {
            "n_prior": int(blind.sum()),
            "n_keywords": int(self.n_keywords),
            "spend_share": float(share),
            "n_days": int(self.n_log_days),
            "n_constant": int(constant.sum()),
            "min_spread": float(MIN_SPREAD),
            "n_varied": int(varied.sum()),
            "max_posterior_ratio": float(MAX_POSTERIOR_RATIO),
        }
        if varied.any():
            ratio = self.sigma_sd[varied] / self.prior_sd if self.prior_sd > 0 else np.ones(1)
            details.update(
                {
                    "varied_ratio": float(self.bid_ratio[varied].max()),
                    "varied_spread": (
                        float(self.bid_spread[varied].min()),
                        float(self.bid_spread[varied].max()),
                    ),
                    "varied_impressions": (
                        float(self.impressions[varied].min()),
                        float(self.impressions[varied].max()),
                    ),
                    "sd_ratio": float(np.min(ratio)),
                }
            )
        return IdentifiabilityWarning(_unidentified_text(details), "unidentified_response", details)

    def summary(self) -> str:
        """Counts and spend share per source, and the bid spread, in a few lines."""
        counts, share = self.counts(), self.spend_share()
        lines = [
            f"Identifiability: {counted(self.n_keywords, 'keyword')} over "
            f"{counted(self.n_log_days, 'day')}",
            "  bid response learnt from: "
            + ", ".join(f"{s} {counts[s]} ({share[s]:.0%} of spend)" for s in SOURCES),
            f"  median bid spread {np.median(self.bid_spread):.3g} (log sd); "
            f"{int((self.bid_spread < MIN_SPREAD).sum())} keywords with a constant bid",
            f"  price dispersion sd: prior {self.prior_sd:.3g}, campaigns' posterior "
            f"{np.min(self.sigma_sd):.3g}..{np.max(self.sigma_sd):.3g}",
        ]
        message = self.warning_message()
        if message is not None:
            lines.append("  warning: " + message)
        return "\n".join(lines)

    def __repr__(self) -> str:
        counts = self.counts()
        return (
            f"Identifiability(n_keywords={self.n_keywords}, n_log_days={self.n_log_days}, "
            + ", ".join(f"{s}={counts[s]}" for s in SOURCES)
            + ")"
        )

    def by_campaign(self) -> Any:
        """One row per campaign: keywords, keywords per source, spend, median bid
        spread and the posterior sd of its price dispersion (needs pandas)."""
        frame = self.to_frame()
        if "campaign" not in frame:
            frame["campaign"] = "(all)"
        grouped = frame.groupby("campaign", sort=True)
        out = grouped.agg(
            keywords=("keyword", "size"),
            cost=("cost", "sum"),
            bid_spread=("bid_spread", "median"),
            sigma_sd=("sigma_sd", "first"),
        )
        for source in SOURCES:
            out[source] = grouped["source"].apply(lambda s, src=source: int((s == src).sum()))
        return out.reset_index()

    def to_frame(self) -> Any:
        """One row per keyword with its diagnostics (needs pandas)."""
        pd = require_pandas("Identifiability.to_frame()")
        columns: dict[str, Any] = {"keyword": self.keywords}
        if self.campaign is not None:
            columns["campaign"] = self.campaign
        for name in (
            "source",
            "n_days",
            "impressions",
            "clicks",
            "cost",
            "bid_spread",
            "bid_ratio",
            "bid_low",
            "current_bid",
            "sigma_sd",
        ):
            columns[name] = getattr(self, name)
        return pd.DataFrame(columns)


def keyword_bids(
    bid: FloatArray, entity: IntArray, day: IntArray, n: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, IntArray]:
    """Per keyword: spread (sd of log bid), max/min ratio and lowest bid over active
    days, the bid on its last day, and the number of active days."""
    active = bid > 0
    log_bid = np.log(np.where(active, bid, 1.0))
    k_days = np.bincount(entity, weights=active.astype(np.float64), minlength=n)
    safe = np.maximum(k_days, 1.0)
    mean = np.bincount(entity, weights=log_bid * active, minlength=n) / safe
    deviation = (log_bid - mean[entity]) * active
    spread = np.sqrt(np.bincount(entity, weights=deviation**2, minlength=n) / safe)
    hi = np.full(n, -np.inf)
    lo = np.full(n, np.inf)
    np.maximum.at(hi, entity[active], log_bid[active])
    np.minimum.at(lo, entity[active], log_bid[active])
    ratio = np.where(k_days > 0, np.exp(np.where(k_days > 0, hi - lo, 0.0)), 1.0)
    spread = np.where(ratio > 1.0, spread, 0.0)  # a constant bid: exactly 0, no round-off
    # the last day's bid: rows by day, the last occurrence of each keyword
    order = np.argsort(day, kind="stable")[::-1]
    _, first_in_reversed = np.unique(entity[order], return_index=True)
    current = np.zeros(n)
    current[entity[order][first_in_reversed]] = bid[order][first_in_reversed]
    low = np.where(k_days > 0, np.exp(np.where(k_days > 0, lo, 0.0)), 0.0)
    return spread, ratio, low, current, k_days.astype(np.int64)


def _unidentified_text(details: Mapping[str, Any]) -> str:
    """The English message of an ``"unidentified_response"`` warning from its details
    (see :class:`~bidopt.exceptions.IdentifiabilityWarning`)."""
    n_prior = details["n_prior"]
    causes = listed(unidentified_causes(details))
    return (
        f"The log cannot identify how {n_prior} of {counted(details['n_keywords'], 'keyword')} "
        f"({details['spend_share']:.0%} of spend) respond{'s' * (n_prior == 1)} to a bid "
        f"change, so their bid response is the prior's: {causes}. Plans made with "
        "optimize_bids(estimate, ...) keep their bids within 20% beyond the bids the log "
        "shows (today's +-20% for a bid that never moved), except where a keyword is "
        "paused or the budget is below what those bids spend (then bids go lower), and "
        "report wide ranges. bidopt.landscape.design_bid_test gives the test's bids day by "
        "day; estimate again after it."
    )
