"""The result of :func:`~bidopt.landscape.estimate_landscapes`: the landscapes and the
fitted per-keyword model behind them (moved from ``_estimate.py``, unchanged)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._optional import require_pandas
from bidopt._validation import (
    as_float_array,
    as_owned,
    frozen,
    rebuild_on_unpickle,
    short_repr,
)
from bidopt.exceptions import InvalidInputError
from bidopt.landscape._identify import Identifiability
from bidopt.landscape._landscape import BidLandscape
from bidopt.landscape._uncertainty import LandscapeDraws, expected_metrics
from bidopt.typing import FloatArray, IntArray

__all__ = ["LandscapeEstimate", "LandscapeModel"]


@dataclass(frozen=True, slots=True, eq=False)
class LandscapeModel:
    """Fitted per-keyword parameters behind :func:`estimate_landscapes`.

    Competitor price per click ~ LogNormal(``price_mu``, ``price_sigma``); at bid ``b``
    an average day brings ``volume * Phi((log b - mu) / sigma)`` impressions, each
    clicked with probability ``ctr``; clicks convert at ``cvr`` and orders are worth
    ``order_value`` yuan.

    Attributes
    ----------
    keywords : ndarray of object, shape (n_keywords,)
        Keyword text per row.
    campaign, ad_group : ndarray of object or None, shape (n_keywords,)
    volume, ctr, cvr, order_value, price_mu, price_sigma : ndarray of float64
        One per keyword.
    row_of : ndarray of int64, shape (n_log_rows,)
        The landscape row of each log row.
    """

    keywords: npt.NDArray[np.object_]
    campaign: npt.NDArray[np.object_] | None
    ad_group: npt.NDArray[np.object_] | None
    volume: FloatArray
    ctr: FloatArray
    cvr: FloatArray | None
    order_value: FloatArray | None
    price_mu: FloatArray
    price_sigma: FloatArray
    row_of: IntArray

    def __post_init__(self) -> None:
        # the fitted parameters are checked, owned and read-only, like a landscape's
        n = None
        for name in ("volume", "ctr", "cvr", "order_value", "price_mu", "price_sigma"):
            value = getattr(self, name)
            if value is None:
                continue
            array = as_float_array(value, name, ndim=1, nonnegative=name != "price_mu", owned=True)
            n = array.size if n is None else n
            if array.size != n:
                raise InvalidInputError(
                    f"LandscapeModel `{name}` must have {n} entries, one per keyword. "
                    f"Got {array.size} instead."
                )
            object.__setattr__(self, name, array)
        for name in ("keywords", "campaign", "ad_group"):
            value = getattr(self, name)
            if value is None:
                continue
            array = np.asarray(value, dtype=object)
            if array.shape != (n,):
                raise InvalidInputError(
                    f"LandscapeModel `{name}` must have shape ({n},), one per keyword. "
                    f"Got {array.shape} instead."
                )
            object.__setattr__(self, name, as_owned(array, value))
        row_of = np.asarray(self.row_of)
        if row_of.ndim != 1 or row_of.dtype.kind not in "iu":
            raise InvalidInputError(
                "LandscapeModel `row_of` must be a 1-dimensional integer array. Got "
                f"{short_repr(self.row_of)} instead."
            )
        object.__setattr__(self, "row_of", as_owned(row_of, self.row_of))

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return rebuild_on_unpickle(self)

    @property
    def n_keywords(self) -> int:
        """Number of keywords (landscape rows)."""
        return int(self.volume.size)

    def to_frame(self) -> Any:
        """One row per keyword with its fitted parameters (needs pandas)."""
        pd = require_pandas("LandscapeModel.to_frame()")
        columns: dict[str, Any] = {"keyword": self.keywords}
        for name in ("campaign", "ad_group"):
            if getattr(self, name) is not None:
                columns[name] = getattr(self, name)
        for name in ("volume", "ctr", "cvr", "order_value", "price_mu", "price_sigma"):
            if getattr(self, name) is not None:
                columns[name] = getattr(self, name)
        return pd.DataFrame(columns)

    def summary(self) -> str:
        """The fitted parameters in a few lines (medians over keywords)."""
        median_price = np.exp(self.price_mu)  # the log-normal's median competitor price
        lines = [
            f"LandscapeModel: {self.n_keywords} keywords from {self.row_of.size} log rows",
            f"  daily volume     {self.volume.sum():,.0f} impressions in all",
            f"  median price     {np.median(median_price):.4g} yuan "
            f"(keywords' medians {median_price.min():.4g}..{median_price.max():.4g})",
            f"  price_sigma      {', '.join(f'{v:g}' for v in np.unique(self.price_sigma))}",
            f"  ctr              median {np.median(self.ctr):.4%}",
        ]
        if self.cvr is not None:
            lines.append(f"  cvr              median {np.median(self.cvr):.4%}")
        if self.order_value is not None:
            lines.append(f"  order_value      median {np.median(self.order_value):.4g} yuan")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"LandscapeModel(n_keywords={self.n_keywords}, n_log_rows={self.row_of.size}, "
            f"conversions={'yes' if self.cvr is not None else 'no'}, "
            f"revenue={'yes' if self.order_value is not None else 'no'})"
        )

    def landscape(self, bids: npt.ArrayLike) -> BidLandscape:
        """The landscape at ``bids`` (shape (n_keywords, n_levels)) on an average day."""
        bids = as_float_array(bids, "bids", ndim=2, nonnegative=True, owned=True)
        if bids.shape[0] != self.volume.size:
            raise InvalidInputError(
                f"`bids` must have one row per keyword of the model ({self.volume.size}). "
                f"Got shape {bids.shape} instead."
            )
        metrics = expected_metrics(
            bids,
            self.volume,
            self.ctr,
            self.cvr,
            self.order_value,
            self.price_mu,
            self.price_sigma,
        )
        return BidLandscape(
            bids=bids, keywords=self.keywords, **{k: frozen(v) for k, v in metrics.items()}
        )


@dataclass(frozen=True, slots=True, eq=False)
class LandscapeEstimate:
    """What :func:`estimate_landscapes` returns: the landscapes and the model behind them.

    Attributes
    ----------
    landscapes : BidLandscape
        One row per keyword (campaign x ad group x keyword x match type), expected
        values for an average day at the bid grid.
    model : LandscapeModel
        The fitted per-keyword parameters, to evaluate other grids
        (``model.landscape(bids)``).
    identifiability : Identifiability or None
        What the log can identify per keyword (bid spread, days, clicks, and whether the
        bid response is learnt from the keyword, its group or only the prior), with
        today's bid per keyword (the log's last day).
    draws : LandscapeDraws or None
        Draws of the per-keyword parameters (``n_draws`` of them); a plan made with
        ``optimize_bids(estimate, ...)`` reports ranges over them.
    """

    landscapes: BidLandscape
    model: LandscapeModel
    identifiability: Identifiability | None = None
    draws: LandscapeDraws | None = None

    @property
    def n_keywords(self) -> int:
        """Number of keywords (landscape rows)."""
        return self.landscapes.n_keywords

    def to_frame(self) -> Any:
        """One row per keyword and bid level: the landscape (needs pandas).

        ``model.to_frame()`` gives the fitted parameters, one row per keyword.
        """
        return self.landscapes.to_frame()

    def summary(self) -> str:
        """The grid and the fitted parameters in a few lines."""
        head = (
            f"Estimated landscapes: {self.landscapes.n_keywords} keywords x "
            f"{self.landscapes.n_levels} bid levels "
            f"({self.landscapes.bids.min():.4g}..{self.landscapes.bids.max():.4g} yuan)"
        )
        parts = [head, self.model.summary()]
        if self.identifiability is not None:
            parts.append(self.identifiability.summary())
        if self.draws is not None:
            parts.append(self.draws.summary())
        return "\n".join(parts)

    def __repr__(self) -> str:
        return (
            f"LandscapeEstimate(landscapes={self.landscapes!r}, model={self.model!r}, "
            f"identifiability={self.identifiability!r}, draws={self.draws!r})"
        )
