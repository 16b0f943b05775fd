"""Top-two Thompson sampling over creatives, simulated or replayed on logs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._optional import require_pandas
from bidopt._validation import as_float_array, check_random_state, check_scalar, short_repr
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray, RandomState

__all__ = ["BanditResult", "TopTwoThompson", "replay_bandit", "simulate_bandit"]


class TopTwoThompson:
    """Top-two Thompson sampling (Russo 2016) on click or conversion rates, in batches.

    Each creative's rate has a Beta posterior.  For the next batch, creative ``a`` gets
    the share ``min_share + (1 - n_arms min_share) psi_a`` with
    ``psi_a = top_two P_a + (1 - top_two) sum_{I != a} P_I P_a / (1 - P_I)``, where
    ``P_a`` is the posterior probability that ``a`` is best (estimated from
    ``n_draws`` posterior draws): the leader is played with probability ``top_two``,
    otherwise a challenger drawn from the posterior conditioned on not being the
    leader.  ``top_two=1`` is plain Thompson sampling.  Batches make the allocation
    vectorised (one posterior draw per batch, not per impression) and match how ad
    servers update, hourly or so.

    Parameters
    ----------
    n_arms : int
        Creatives, >= 2.
    top_two : float, default 0.9
        Probability of playing the leader (Russo's beta).  Russo's 0.5 is optimal for
        finding the best creative fast but shows challengers half of the time; a
        merchant paying for every impression of the test wants fewer lost clicks, and
        0.9 keeps a steady challenger stream (1.0 is plain Thompson sampling).
    min_share : float, default 0.0
        Share of every batch each creative gets whatever the posterior (keeps learning
        and protects against a wrong early lead); ``n_arms * min_share <= 1``.
    prior : tuple of float, default (1.0, 1.0)
        Beta prior ``(a, b)`` of each rate.
    n_draws : int, default 2000
        Posterior draws per batch.
    rng : int, Generator or None

    Attributes
    ----------
    impressions_ : ndarray of float64, shape (n_arms,)
    clicks_ : ndarray of float64, shape (n_arms,)
        Observed totals so far.
    """

    def __init__(
        self,
        n_arms: int,
        *,
        top_two: float = 0.9,
        min_share: float = 0.0,
        prior: tuple[float, float] = (1.0, 1.0),
        n_draws: int = 2000,
        rng: RandomState = None,
    ) -> None:
        self.n_arms = int(check_scalar(n_arms, "n_arms", lower=2, integer=True))
        self.top_two = check_scalar(top_two, "top_two", lower=0, upper=1)
        self.min_share = check_scalar(min_share, "min_share", lower=0, upper=1 / self.n_arms)
        if not (isinstance(prior, tuple) and len(prior) == 2 and min(prior) > 0):
            raise InvalidInputError(
                f"`prior` must be a pair (a, b) of numbers > 0. Got {short_repr(prior)} instead."
            )
        self.prior = (float(prior[0]), float(prior[1]))
        self.n_draws = int(check_scalar(n_draws, "n_draws", lower=10, integer=True))
        self.rng = check_random_state(rng)
        self.impressions_ = np.zeros(self.n_arms)
        self.clicks_ = np.zeros(self.n_arms)

    def prob_best(self) -> FloatArray:
        """Posterior probability that each creative has the highest rate, shape (n_arms,)."""
        draws = self._draws()
        counts = np.bincount(np.argmax(draws, axis=1), minlength=self.n_arms)
        return np.asarray(counts / self.n_draws, dtype=np.float64)

    def _draws(self) -> FloatArray:
        a = self.prior[0] + self.clicks_
        b = self.prior[1] + self.impressions_ - self.clicks_
        return self.rng.beta(a, b, size=(self.n_draws, self.n_arms))

    def shares(self) -> FloatArray:
        """Share of the next batch for each creative, shape (n_arms,), summing to 1."""
        k = self.n_arms
        draws = self._draws()
        best = np.argmax(draws, axis=1)
        p = np.bincount(best, minlength=k) / self.n_draws
        psi = self.top_two * p
        if self.top_two < 1:
            masked = draws.copy()
            for leader in np.flatnonzero(p > 0):
                others = best != leader
                if others.any():  # posterior conditioned on `leader` not being best
                    challenger = np.bincount(best[others], minlength=k) / others.sum()
                else:  # every draw agrees: the runner-up in the draws
                    masked[:, leader] = -np.inf
                    challenger = np.bincount(np.argmax(masked, axis=1), minlength=k) / self.n_draws
                    masked[:, leader] = draws[:, leader]
                psi = psi + (1 - self.top_two) * p[leader] * challenger
        shares = self.min_share + (1 - k * self.min_share) * psi
        return np.asarray(shares / shares.sum(), dtype=np.float64)

    def update(self, impressions: npt.ArrayLike, clicks: npt.ArrayLike) -> TopTwoThompson:
        """Add a batch's impressions and clicks per creative; returns self."""
        imp = as_float_array(impressions, "impressions", nonnegative=True)
        clk = as_float_array(clicks, "clicks", nonnegative=True)
        if imp.shape != (self.n_arms,) or clk.shape != (self.n_arms,):
            raise InvalidInputError(
                f"`impressions` and `clicks` must have one entry per creative ({self.n_arms}). "
                f"Got shapes {imp.shape} and {clk.shape} instead."
            )
        if (clk > imp).any():
            i = int(np.argmax(clk > imp))
            raise InvalidInputError(
                f"`clicks` must be <= `impressions`. Got {clk[i]:g} > {imp[i]:g} for creative "
                f"{i} instead."
            )
        self.impressions_ = self.impressions_ + imp
        self.clicks_ = self.clicks_ + clk
        return self

    def __repr__(self) -> str:
        return (
            f"TopTwoThompson(n_arms={self.n_arms}, top_two={self.top_two:g}, "
            f"min_share={self.min_share:g}, impressions={self.impressions_.sum():.0f})"
        )


@dataclass(frozen=True, slots=True, eq=False)
class BanditResult:
    """A run of the allocator, simulated on known rates or replayed on a log.

    Attributes
    ----------
    impressions : ndarray of float64, shape (n_arms,)
        Impressions each creative received.
    clicks : ndarray of float64, shape (n_arms,)
    shares : ndarray of float64, shape (n_batches, n_arms)
        The allocation of each batch.
    batch_impressions : ndarray of float64, shape (n_batches,)
    regret : ndarray of float64, shape (n_batches,)
        Cumulative regret after each batch, clicks: in a simulation the expected clicks
        lost against always showing the best creative (``sum n_a (p_best - p_a)``); in a
        replay the same with the log's observed rates.
    rates : ndarray of float64, shape (n_arms,)
        The true (simulation) or logged (replay) rate of each creative.
    prob_best : ndarray of float64, shape (n_arms,)
        Posterior probability that each creative is best at the end.
    """

    impressions: FloatArray
    clicks: FloatArray
    shares: FloatArray
    batch_impressions: FloatArray
    regret: FloatArray
    rates: FloatArray
    prob_best: FloatArray

    @property
    def total_regret(self) -> float:
        """Cumulative regret at the end, clicks."""
        return float(self.regret[-1]) if self.regret.size else 0.0

    @property
    def best(self) -> int:
        """The creative the posterior favours at the end."""
        return int(np.argmax(self.prob_best))

    def summary(self) -> str:
        """Impressions, clicks and the final posterior per creative, and the regret."""
        lines = [
            f"Top-two Thompson sampling: {self.impressions.sum():,.0f} impressions in "
            f"{self.shares.shape[0]} batches, {self.clicks.sum():,.0f} clicks, regret "
            f"{self.total_regret:,.1f} clicks; best creative {self.best}",
            "  creative  rate      impressions  clicks   P(best)",
        ]
        for a in range(self.impressions.size):
            lines.append(
                f"  {a:>8}  {self.rates[a]:.4%}  {self.impressions[a]:>11,.0f}  "
                f"{self.clicks[a]:>7,.0f}  {self.prob_best[a]:.3f}"
            )
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per creative (needs pandas)."""
        pd = require_pandas("BanditResult.to_frame()")
        return pd.DataFrame(
            {
                "creative": np.arange(self.impressions.size),
                "rate": self.rates,
                "impressions": self.impressions,
                "clicks": self.clicks,
                "prob_best": self.prob_best,
            }
        )


def simulate_bandit(
    rates: npt.ArrayLike,
    n_impressions: int,
    *,
    batch_size: int = 10_000,
    top_two: float = 0.9,
    min_share: float = 0.0,
    n_draws: int = 2000,
    rng: RandomState = None,
) -> BanditResult:
    """Simulate top-two Thompson sampling on creatives of known click rates.

    Parameters
    ----------
    rates : array-like of shape (n_arms,)
        True click (or conversion) rate of each creative, fractions.
    n_impressions : int
        Impressions in all.
    batch_size : int, default 10_000
        Impressions between posterior updates.
    top_two, min_share, n_draws
        See :class:`TopTwoThompson`.
    rng : int, Generator or None

    Returns
    -------
    BanditResult
    """
    p = as_float_array(rates, "rates", nonnegative=True)
    if (p > 1).any():
        raise InvalidInputError(f"`rates` must be in [0, 1]. Got {short_repr(p.tolist())} instead.")
    total = int(check_scalar(n_impressions, "n_impressions", lower=1, integer=True))
    batch = int(check_scalar(batch_size, "batch_size", lower=1, integer=True))
    gen = check_random_state(rng)
    policy = TopTwoThompson(p.size, top_two=top_two, min_share=min_share, n_draws=n_draws, rng=gen)
    sizes = np.full(total // batch, batch, dtype=np.int64)
    if total % batch:
        sizes = np.append(sizes, total % batch)
    shares = np.empty((sizes.size, p.size))
    regret = np.empty(sizes.size)
    gap = p.max() - p
    lost = 0.0
    for i, n in enumerate(sizes.tolist()):
        shares[i] = policy.shares()
        shown = gen.multinomial(n, shares[i])
        clicked = gen.binomial(shown, p)
        policy.update(shown, clicked)
        lost += float(shown @ gap)
        regret[i] = lost
    return BanditResult(
        impressions=policy.impressions_,
        clicks=policy.clicks_,
        shares=shares,
        batch_impressions=sizes.astype(np.float64),
        regret=regret,
        rates=p,
        prob_best=policy.prob_best(),
    )


def replay_bandit(
    arms: npt.ArrayLike,
    clicks: npt.ArrayLike,
    *,
    propensity: npt.ArrayLike | None = None,
    batch_size: int = 10_000,
    top_two: float = 0.9,
    min_share: float = 0.0,
    n_draws: int = 2000,
    rng: RandomState = None,
) -> BanditResult:
    """Replay top-two Thompson sampling on a log of randomised impressions.

    The replay method of Li et al. (WSDM 2011): the log is read in order; each
    impression (creative ``a`` shown with probability ``propensity`` by the logging
    policy) is kept with probability ``share_a min(propensity) / propensity``, so the
    kept impressions follow the allocator's shares, and the allocator learns only from
    them.  The estimate is unbiased when the log's creatives were randomised; about
    ``n_log min(propensity)`` impressions are kept.

    Parameters
    ----------
    arms : array-like of int, shape (n_log,)
        Creative shown, 0 to n_arms - 1.
    clicks : array-like of shape (n_log,)
        1 if clicked (or converted), else 0.
    propensity : array-like of shape (n_log,), optional
        Probability the logging policy had of showing the logged creative; uniform
        (``1 / n_arms``) if None.
    batch_size : int, default 10_000
        Log rows between posterior updates.
    top_two, min_share, n_draws, rng
        See :class:`TopTwoThompson`.

    Returns
    -------
    BanditResult
        Counts of the kept impressions; ``rates`` are the log's observed rates and
        ``regret`` uses them.
    """
    a = np.asarray(arms)
    if a.ndim != 1 or a.size == 0 or a.dtype.kind not in "iu" or a.min() < 0:
        raise InvalidInputError(
            f"`arms` must be a non-empty 1-dimensional array of creative indices >= 0. Got "
            f"{short_repr(arms)} instead."
        )
    y = as_float_array(clicks, "clicks", nonnegative=True)
    if y.shape != a.shape or ((y != 0) & (y != 1)).any():
        raise InvalidInputError(
            f"`clicks` must be 0 or 1, one per log row ({a.size}). Got {short_repr(clicks)} "
            "instead."
        )
    k = int(a.max()) + 1
    if propensity is None:
        prop = np.full(a.size, 1.0 / k)
    else:
        prop = as_float_array(propensity, "propensity")
        if prop.shape != a.shape or not ((prop > 0) & (prop <= 1)).all():
            raise InvalidInputError(
                f"`propensity` must be in (0, 1], one per log row. Got {short_repr(propensity)} "
                "instead."
            )
    batch = int(check_scalar(batch_size, "batch_size", lower=1, integer=True))
    gen = check_random_state(rng)
    policy = TopTwoThompson(k, top_two=top_two, min_share=min_share, n_draws=n_draws, rng=gen)
    shown_all = np.bincount(a, minlength=k).astype(np.float64)
    rates = np.bincount(a, weights=y, minlength=k) / np.maximum(shown_all, 1)
    gap = rates.max() - rates
    scale = prop.min()
    starts = np.arange(0, a.size, batch)
    shares = np.empty((starts.size, k))
    kept_n = np.empty(starts.size)
    regret = np.empty(starts.size)
    lost = 0.0
    for i, s in enumerate(starts.tolist()):
        shares[i] = policy.shares()
        rows = slice(s, s + batch)
        keep = gen.random(a[rows].size) < shares[i][a[rows]] * scale / prop[rows]
        shown = np.bincount(a[rows][keep], minlength=k).astype(np.float64)
        clicked = np.bincount(a[rows][keep], weights=y[rows][keep], minlength=k)
        policy.update(shown, clicked)
        kept_n[i] = shown.sum()
        lost += float(shown @ gap)
        regret[i] = lost
    return BanditResult(
        impressions=policy.impressions_,
        clicks=policy.clicks_,
        shares=shares,
        batch_impressions=kept_n,
        regret=regret,
        rates=rates,
        prob_best=policy.prob_best(),
    )
