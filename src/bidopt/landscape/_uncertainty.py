"""Draws of the per-keyword landscape parameters: the uncertainty an estimate carries.

:func:`~bidopt.landscape.estimate_landscapes` draws each keyword's parameters from an
approximate posterior (see :func:`draw_parameters`); a plan made on the estimate
evaluates its bids under every draw and reports ranges of what it promises.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

from bidopt._optional import require_pandas
from bidopt._validation import as_float_array, frozen, rebuild_on_unpickle
from bidopt.exceptions import InvalidInputError
from bidopt.landscape._landscape import BidLandscape
from bidopt.typing import FloatArray, ObjectArray

__all__ = ["LandscapeDraws", "expected_metrics"]

_PARAMETERS = ("volume", "ctr", "cvr", "order_value", "price_mu", "price_sigma")


def expected_metrics(
    bids: FloatArray,
    volume: FloatArray,
    ctr: FloatArray,
    cvr: FloatArray | None,
    order_value: FloatArray | None,
    mu: FloatArray,
    sigma: FloatArray,
    *,
    monotone: bool = True,
) -> dict[str, FloatArray]:
    """Expected impressions, clicks, cost, conversions and revenue at ``bids``.

    ``bids`` has shape (n_keywords, n_levels); the parameters shape (n_keywords,).  With
    ``monotone`` clicks, cost and impressions are made non-decreasing along each row (a
    guard against round-off, which the landscape checks).

    The cost is ``clicks * cost_per_click`` (:mod:`bidopt._lognormal`) in its closed form
    ``volume * ctr * exp(mu + sigma**2 / 2) * Phi(z - sigma)`` (one normal CDF instead of
    two log-CDFs and an exponential per point), capped at ``clicks * bid`` as there.
    """
    mu_, sigma_ = mu[:, None], sigma[:, None]
    with np.errstate(divide="ignore"):
        z = (np.log(bids) - mu_) / sigma_
    scale = volume[:, None] * ctr[:, None]
    impressions = volume[:, None] * special.ndtr(z)
    clicks = impressions * ctr[:, None]
    cost = np.minimum(
        scale * np.exp(mu_ + 0.5 * sigma_**2) * special.ndtr(z - sigma_), clicks * bids
    )
    out = {"impressions": impressions, "clicks": clicks, "cost": cost}
    if monotone:
        out = {k: np.maximum.accumulate(v, axis=1) for k, v in out.items()}
    if cvr is not None:
        out["conversions"] = out["clicks"] * cvr[:, None]
        if order_value is not None:
            out["revenue"] = out["conversions"] * order_value[:, None]
    return out


@dataclass(frozen=True, slots=True, eq=False)
class LandscapeDraws:
    """Draws of every keyword's landscape parameters (the estimate's uncertainty).

    Each draw is one plausible set of parameters given the log: price dispersion
    ``price_sigma`` from its campaign's posterior (the prior where bids never moved),
    and volume, CTR, CVR, order value and price level around their estimates with the
    spread the log supports (day-to-day variation and counts).  Draws are independent
    across keywords except for the shared ones: the campaign's ``price_sigma``, the
    account's traffic level and its conversion-rate level (the log's orders are one
    count, known to about ``1 / sqrt(orders)``).

    Attributes
    ----------
    volume, ctr, cvr, order_value, price_mu, price_sigma : ndarray of float64
        Shape (n_draws, n_keywords); ``cvr`` and ``order_value`` are None when the log
        has no conversions (revenue).
    keywords : ndarray of object, shape (n_keywords,)
    """

    volume: FloatArray
    ctr: FloatArray
    cvr: FloatArray | None
    order_value: FloatArray | None
    price_mu: FloatArray
    price_sigma: FloatArray
    keywords: ObjectArray

    def __post_init__(self) -> None:
        shape = np.shape(self.volume)
        for name in _PARAMETERS:
            value = getattr(self, name)
            if value is None:
                continue
            array = as_float_array(value, name, ndim=2, nonnegative=name != "price_mu", owned=True)
            if array.shape != shape:
                raise InvalidInputError(
                    f"LandscapeDraws `{name}` must have shape {shape} (n_draws, "
                    f"n_keywords). Got {array.shape} instead."
                )
            object.__setattr__(self, name, array)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return rebuild_on_unpickle(self)

    @property
    def n_draws(self) -> int:
        """Number of draws."""
        return int(self.volume.shape[0])

    @property
    def n_keywords(self) -> int:
        """Number of keywords."""
        return int(self.volume.shape[1])

    def _metrics(self, draw: int, bids: FloatArray, monotone: bool = True) -> dict[str, FloatArray]:
        pick = {n: getattr(self, n) for n in _PARAMETERS}
        return expected_metrics(
            bids,
            pick["volume"][draw],
            pick["ctr"][draw],
            None if pick["cvr"] is None else pick["cvr"][draw],
            None if pick["order_value"] is None else pick["order_value"][draw],
            pick["price_mu"][draw],
            pick["price_sigma"][draw],
            monotone=monotone,
        )

    def mean_landscape(self, bids: npt.ArrayLike) -> BidLandscape:
        """The landscape averaged over draws at ``bids`` (shape (n_keywords, n_levels)).

        What a bid buys in expectation over the estimate's uncertainty; a plan on it
        spends its budget in expectation.
        """
        grid = as_float_array(bids, "bids", ndim=2, nonnegative=True, owned=True)
        if grid.shape[0] != self.n_keywords:
            raise InvalidInputError(
                f"`bids` must have one row per keyword ({self.n_keywords}). Got shape "
                f"{grid.shape} instead."
            )
        total: dict[str, FloatArray] = {}
        for draw in range(self.n_draws):
            for name, value in self._metrics(draw, grid, monotone=False).items():
                if name in total:
                    total[name] += value
                else:
                    total[name] = value
        # each draw is non-decreasing up to round-off: guard the mean once
        for name in ("impressions", "clicks", "cost"):
            total[name] = np.maximum.accumulate(total[name], axis=1)
        mean = {name: frozen(value / self.n_draws) for name, value in total.items()}
        return BidLandscape(bids=grid, keywords=self.keywords, **mean)

    def at_bids(self, bids: npt.ArrayLike) -> dict[str, FloatArray]:
        """Each metric at one bid per keyword under every draw.

        Parameters
        ----------
        bids : array-like of shape (n_keywords,)
            Max CPC per keyword, yuan (0 = not bidding).

        Returns
        -------
        dict of str to ndarray of shape (n_draws, n_keywords)
            ``impressions``, ``clicks``, ``cost`` and, when estimated, ``conversions``
            and ``revenue``.
        """
        b = as_float_array(bids, "bids", ndim=1, nonnegative=True)
        if b.size != self.n_keywords:
            raise InvalidInputError(
                f"`bids` must have one entry per keyword ({self.n_keywords}). Got {b.size} instead."
            )
        rows = [self._metrics(d, b[:, None]) for d in range(self.n_draws)]
        return {name: np.stack([r[name][:, 0] for r in rows]) for name in rows[0]}

    def summary(self) -> str:
        """Spread of the draws in a few lines (medians over keywords)."""

        def spread(values: FloatArray, log: bool) -> str:
            v = np.log(np.maximum(values, 1e-300)) if log else values
            return f"{np.median(v.std(axis=0)):.3g}"

        lines = [
            f"LandscapeDraws: {self.n_draws} draws x {self.n_keywords} keywords",
            f"  median sd of log volume {spread(self.volume, True)}, of log CTR "
            f"{spread(self.ctr, True)}, of price mu {spread(self.price_mu, False)}, "
            f"of price sigma {spread(self.price_sigma, False)}",
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"LandscapeDraws(n_draws={self.n_draws}, n_keywords={self.n_keywords})"

    def to_frame(self) -> Any:
        """One row per draw and keyword with the drawn parameters (needs pandas)."""
        pd = require_pandas("LandscapeDraws.to_frame()")
        columns: dict[str, Any] = {
            "draw": np.repeat(np.arange(self.n_draws), self.n_keywords),
            "keyword": np.tile(self.keywords, self.n_draws),
        }
        for name in _PARAMETERS:
            if getattr(self, name) is not None:
                columns[name] = getattr(self, name).ravel()
        return pd.DataFrame(columns)
