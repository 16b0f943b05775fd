"""Bid landscapes: for each keyword, what a bid buys (clicks, cost, conversions, revenue).

Over 500 lines on purpose: one class, the checks every landscape passes, and its
constructors (``from_points``, ``from_market_prices``, ``from_expected``), which all end
in those checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from bidopt._optional import require_pandas
from bidopt._tables import read_table
from bidopt._validation import (
    as_float_array,
    as_owned,
    check_choice,
    check_rows,
    check_scalar,
    frozen,
    missing_mask,
    rebuild_on_unpickle,
    short_repr,
)
from bidopt.exceptions import InvalidInputError
from bidopt.landscape._prices import PriceHistogram
from bidopt.typing import FloatArray, IntArray, ObjectArray

__all__ = ["OBJECTIVES", "BidLandscape", "Objective"]

Objective = Literal["clicks", "conversions", "revenue", "profit"]
#: The objectives a landscape can be optimised for.
OBJECTIVES: tuple[str, ...] = ("clicks", "conversions", "revenue", "profit")

_METRICS = ("impressions", "clicks", "cost", "conversions", "revenue")


def _label(keywords: ObjectArray | None, row: int) -> str:
    return f"row {row}" + (f" (keyword {keywords[row]!r})" if keywords is not None else "")


def _fresh(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A new array built by this module, marked read-only so the constructor keeps it
    without a second copy (a view is copied first, see ``frozen``)."""
    return frozen(array) if array.flags.owndata else array


def _first_bad(mask: npt.NDArray[np.bool_]) -> tuple[int, int]:
    row, col = np.argwhere(mask)[0]
    return int(row), int(col)


@dataclass(frozen=True, slots=True, eq=False)
class BidLandscape:
    """What each candidate bid buys, per keyword: the shape of a bid-simulator export.

    Row ``k`` describes keyword ``k`` at ``n_levels`` candidate bids.  Not bidding
    (bid 0, nothing bought, nothing spent) is always available to the optimisers and
    need not be a level.  Rows with fewer candidate bids than ``n_levels`` repeat their
    last point (identical bid and values) as padding.

    Parameters
    ----------
    bids : array of float64, shape (n_keywords, n_levels)
        Candidate max CPC bids, yuan; non-decreasing along each row (equal only for
        padding, where the whole point repeats).
    clicks : array of float64, shape (n_keywords, n_levels)
        Expected clicks per period (e.g. a day) at each bid; non-decreasing in the bid.
    cost : array of float64, shape (n_keywords, n_levels)
        Expected spend per period, yuan; non-decreasing in the bid.
    conversions, revenue, impressions : array of float64, shape (n_keywords, n_levels), optional
        Expected orders, order value (yuan) and impressions per period.
    keywords : array of object, shape (n_keywords,), optional
        One identifier per row (the keyword text), carried into plans.

    Raises
    ------
    InvalidInputError
        If shapes disagree, a value is negative or not finite, bids decrease along a
        row, or clicks or cost fall as the bid rises; the message names the row, level
        and values.

    Notes
    -----
    A landscape owns its arrays and stores them as read-only views of read-only
    arrays: editing the arrays it was built from does not change it, and editing its
    own (or setting their ``flags.writeable = True``) raises.  Every array the caller
    passes is copied once (about 160 MB per metric at 1M keywords x 20 levels), even a
    read-only one, since its holder could make it writeable again; lists and arrays of
    another dtype are converted once and not copied again.  The library's own
    constructors (:meth:`take`, :meth:`from_points`, :meth:`from_market_prices`,
    :func:`~bidopt.landscape.estimate_landscapes`) hand over the arrays they build
    without a second copy.
    """

    bids: FloatArray
    clicks: FloatArray
    cost: FloatArray
    conversions: FloatArray | None = None
    revenue: FloatArray | None = None
    impressions: FloatArray | None = None
    keywords: ObjectArray | None = None

    def __post_init__(self) -> None:
        for name in ("bids", "clicks", "cost"):
            if getattr(self, name) is None:
                raise InvalidInputError(
                    f"`{name}` must be an array of shape (n_keywords, n_levels). Got None instead."
                )
        # every caller array is copied (see ``as_owned``) and stored read-only: editing
        # the caller's arrays afterwards cannot reach a validated landscape, and editing
        # the landscape's own arrays raises
        bids = as_float_array(self.bids, "bids", ndim=2, nonnegative=True, owned=True)
        if bids.shape[0] < 1 or bids.shape[1] < 1:
            raise InvalidInputError(
                f"`bids` must have at least one keyword and one level. Got shape {bids.shape} "
                "instead."
            )
        object.__setattr__(self, "bids", bids)
        keywords = self.keywords
        if keywords is not None:
            given = keywords
            keywords = np.asarray(keywords, dtype=object)
            if keywords.shape != (bids.shape[0],):
                raise InvalidInputError(
                    f"`keywords` must have shape ({bids.shape[0]},), one per row of `bids`. "
                    f"Got shape {keywords.shape} instead."
                )
            keywords = as_owned(keywords, given)
            object.__setattr__(self, "keywords", keywords)
        for name in ("clicks", "cost", *_METRICS[3:], "impressions"):
            value = getattr(self, name)
            if value is None:
                continue
            array = as_float_array(value, name, ndim=2, nonnegative=True, owned=True)
            if array.shape != bids.shape:
                raise InvalidInputError(
                    f"`{name}` must have the shape of `bids` {bids.shape}. "
                    f"Got {array.shape} instead."
                )
            object.__setattr__(self, name, array)
        # (comparisons of neighbouring levels, not np.diff: boolean temporaries only)
        falls = bids[:, 1:] < bids[:, :-1]
        if falls.any():
            row, col = _first_bad(falls)
            raise InvalidInputError(
                "`bids` must be non-decreasing along each row. Got bid "
                f"{bids[row, col + 1]:g} after {bids[row, col]:g} at level {col + 1} of "
                f"{_label(keywords, row)} instead."
            )
        del falls
        at_zero = bids == 0.0
        if at_zero.any():
            # bid 0 is "do not bid": a level there may repeat that point, never buy
            for name in _METRICS:
                array = getattr(self, name)
                if array is None:
                    continue
                buys = at_zero & (array != 0.0)
                if buys.any():
                    row, col = _first_bad(buys)
                    raise InvalidInputError(
                        f"`{name}` must be 0 where the bid is 0 (bid 0 means not bidding: "
                        f"nothing bought, nothing spent). Got {name} {array[row, col]:g} "
                        f"at bid 0 for {_label(keywords, row)}, level {col} instead. Drop "
                        "the level or give it its real bid."
                    )
        del at_zero
        for name in ("clicks", "cost"):
            array = getattr(self, name)
            drop = array[:, 1:] < array[:, :-1]
            if drop.any():
                row, col = _first_bad(drop)
                raise InvalidInputError(
                    f"`{name}` must not fall as the bid rises. Got {name} "
                    f"{array[row, col + 1]:g} at bid {bids[row, col + 1]:g} after "
                    f"{array[row, col]:g} at bid {bids[row, col]:g} for "
                    f"{_label(keywords, row)} instead."
                )
        padding = bids[:, 1:] == bids[:, :-1]
        if padding.any():
            for name in ("clicks", "cost", "conversions", "revenue", "impressions"):
                array = getattr(self, name)
                if array is None:
                    continue
                differs = padding & (array[:, 1:] != array[:, :-1])
                if differs.any():
                    row, col = _first_bad(differs)
                    raise InvalidInputError(
                        "`bids` must increase along each row (a repeated bid is padding and "
                        "must repeat the whole point). Got bid "
                        f"{bids[row, col]:g} twice for {_label(keywords, row)} with {name} "
                        f"{array[row, col]:g} and {array[row, col + 1]:g} instead."
                    )

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return rebuild_on_unpickle(self)

    # ---------------------------------------------------------------------------------

    @property
    def n_keywords(self) -> int:
        """Number of keywords (rows)."""
        return int(self.bids.shape[0])

    @property
    def n_levels(self) -> int:
        """Number of candidate bids per keyword (columns)."""
        return int(self.bids.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_keywords, n_levels)``."""
        return self.n_keywords, self.n_levels

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metrics this landscape has (``clicks`` and ``cost`` always)."""
        return tuple(m for m in _METRICS if getattr(self, m) is not None)

    def metric(self, name: str) -> FloatArray:
        """One metric array by name; raises a clear error if the landscape lacks it."""
        if not isinstance(name, str) or name not in _METRICS:
            raise InvalidInputError(
                f"`name` must be one of {_METRICS}. Got {short_repr(name)} instead."
            )
        value = getattr(self, name)
        if value is None:
            raise InvalidInputError(
                f"`name` must be a metric this landscape has ({list(self.metrics)}). Got "
                f"{name!r} instead: build the landscape with `{name}` to use it."
            )
        return np.asarray(value)

    def objective_values(self, objective: Objective) -> FloatArray:
        """The value of each (keyword, level) for ``objective``.

        ``clicks``, ``conversions`` and ``revenue`` are the metric itself; ``profit`` is
        revenue minus cost (yuan).
        """
        objective = check_choice(objective, "objective", OBJECTIVES)  # type: ignore[assignment]
        if objective == "profit":
            if self.revenue is None:
                raise InvalidInputError(
                    "`objective` 'profit' must have `revenue` in the landscape. Got a "
                    f"landscape with {list(self.metrics)} instead."
                )
            return np.asarray(self.revenue - self.cost, dtype=np.float64)
        if getattr(self, objective) is None:
            raise InvalidInputError(
                f"`objective` must be a metric the landscape has ({list(self.metrics)}). "
                f"Got {objective!r} instead."
            )
        return self.metric(objective)

    def take(self, rows: IntArray | npt.NDArray[np.bool_]) -> BidLandscape:
        """A landscape with the selected keywords (index array or mask), in that order."""
        rows = check_rows(rows, self.n_keywords, what="keywords")
        if not (rows.sum() if rows.dtype == np.bool_ else rows.size):
            raise InvalidInputError(
                "`rows` must select at least one keyword (a landscape is never empty). Got "
                "an empty selection instead."
            )
        values = {
            name: (None if getattr(self, name) is None else _fresh(getattr(self, name)[rows]))
            for name in (
                "bids",
                "clicks",
                "cost",
                "conversions",
                "revenue",
                "impressions",
                "keywords",
            )
        }
        return BidLandscape(**values)  # type: ignore[arg-type]

    def at_levels(self, levels: IntArray) -> dict[str, FloatArray]:
        """Metrics at one chosen level per keyword; level ``-1`` means not bidding (0)."""
        levels = self._check_levels(levels)
        flat = np.arange(self.n_keywords) * self.n_levels + np.maximum(levels, 0)
        off = levels < 0
        out: dict[str, FloatArray] = {}
        for name in ("bids", "impressions", "clicks", "cost", "conversions", "revenue"):
            value = getattr(self, name)
            if value is None:
                continue
            picked = np.take(value, flat).astype(np.float64, copy=False)
            picked[off] = 0.0
            out[name] = picked
        return out

    def _check_levels(self, levels: object) -> IntArray:
        array = np.asarray(levels)
        if array.shape != (self.n_keywords,):
            raise InvalidInputError(
                f"`levels` must have shape ({self.n_keywords},), one level per keyword. Got "
                f"shape {array.shape} instead."
            )
        if array.dtype.kind not in "iu" and (
            array.dtype.kind != "f" or not np.all(array == np.round(array))
        ):
            raise InvalidInputError(
                f"`levels` must be whole numbers (level indices, -1 for not bidding). Got "
                f"{short_repr(levels)} instead."
            )
        array = array.astype(np.int64)
        bad = (array < -1) | (array >= self.n_levels)
        if bad.any():
            row = int(np.argmax(bad))
            raise InvalidInputError(
                f"`levels` must hold one level in -1..{self.n_levels - 1} per keyword (-1: not "
                f"bidding). Got {int(array[row])} for {_label(self.keywords, row)} instead."
            )
        return array

    def to_frame(self) -> Any:
        """Long format DataFrame: one row per (keyword, level) (needs pandas)."""
        pd = require_pandas("BidLandscape.to_frame()")
        n, levels = self.shape
        keys = self.keywords if self.keywords is not None else np.arange(n)
        data: dict[str, Any] = {
            "keyword": np.repeat(keys, levels),
            "level": np.tile(np.arange(levels), n),
        }
        for name in ("bids", "impressions", "clicks", "cost", "conversions", "revenue"):
            value = getattr(self, name)
            if value is not None:
                data["bid" if name == "bids" else name] = value.ravel()
        return pd.DataFrame(data)

    def summary(self) -> str:
        """Shape, bid range and what the highest bids buy in all, in a few lines."""
        lines = [
            f"BidLandscape: {self.n_keywords} keywords x {self.n_levels} bid levels, bids "
            f"{self.bids.min():.4g}..{self.bids.max():.4g} yuan",
            "  at every keyword's highest bid, per period: "
            + ", ".join(f"{m} {getattr(self, m)[:, -1].sum():,.6g}" for m in self.metrics),
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"BidLandscape(n_keywords={self.n_keywords}, n_levels={self.n_levels}, "
            f"metrics={list(self.metrics)})"
        )

    # --- constructors -------------------------------------------------------------------

    @classmethod
    def from_points(cls, table: Any) -> BidLandscape:
        """Build from bid-simulator points, one row per (keyword, bid).

        Parameters
        ----------
        table : path, mapping of str to array-like, or pandas.DataFrame
            Columns ``keyword``, ``bid``, ``clicks``, ``cost`` and optionally
            ``conversions``, ``revenue``, ``impressions``.  Keywords may have different
            numbers of points; rows are sorted by bid within a keyword, and keywords keep
            the order of their first appearance.

        Returns
        -------
        BidLandscape
            ``n_levels`` is the largest number of points of any keyword; shorter rows
            repeat their last point.
        """
        raw = read_table(table, name="table")
        missing = [c for c in ("keyword", "bid", "clicks", "cost") if c not in raw.columns]
        if missing:
            raise InvalidInputError(
                f"`table` must have columns keyword, bid, clicks and cost. Got columns "
                f"{list(raw.columns)} instead (missing {missing})."
            )
        if raw.n_rows == 0:
            raise InvalidInputError(
                "`table` must have at least one row of bid-simulator points. Got no rows instead."
            )
        key_column = np.asarray(raw.columns["keyword"])
        if key_column.dtype == object or key_column.dtype.kind == "f":
            missing_key = missing_mask(key_column)
            if missing_key.any():
                row_at = int(np.argmax(missing_key))
                raise InvalidInputError(
                    "`table` column `keyword` must be given on every row. Got a missing "
                    f"keyword at row {row_at} instead ({int(missing_key.sum())} rows in all)."
                )
        keys = key_column.astype(str)
        uniques, first, codes = np.unique(keys, return_index=True, return_inverse=True)
        order_of_first = np.argsort(first, kind="stable")
        rank_of_code = np.empty_like(order_of_first)
        rank_of_code[order_of_first] = np.arange(order_of_first.size)
        row = rank_of_code[codes.ravel()]
        numbers: dict[str, FloatArray] = {}
        for name in ("bid", "clicks", "cost", "conversions", "revenue", "impressions"):
            if name in raw.columns:
                try:
                    numbers[name] = np.asarray(raw.columns[name], dtype=np.float64)
                except (TypeError, ValueError):
                    raise InvalidInputError(
                        f"`table` column `{name}` must be numeric. Got "
                        f"{short_repr(raw.columns[name][:5].tolist())}... instead."
                    ) from None
        order = np.lexsort((numbers["bid"], row))
        row = row[order]
        counts = np.bincount(row)
        starts = np.r_[0, np.cumsum(counts)[:-1]]
        width = int(counts.max())
        # padding: every empty cell takes the row's last point
        col = np.minimum(np.arange(width)[None, :], counts[:, None] - 1)
        source = starts[:, None] + col
        arrays = {name: frozen(values[order][source]) for name, values in numbers.items()}
        return cls(
            bids=arrays["bid"],
            clicks=arrays["clicks"],
            cost=arrays["cost"],
            conversions=arrays.get("conversions"),
            revenue=arrays.get("revenue"),
            impressions=arrays.get("impressions"),
            keywords=frozen(uniques[order_of_first].astype(object)),
        )

    @classmethod
    def from_market_prices(
        cls,
        price_counts: npt.ArrayLike,
        bids: npt.ArrayLike,
        *,
        volume: npt.ArrayLike = 1.0,
        ctr: npt.ArrayLike = 1.0,
        cvr: npt.ArrayLike | None = None,
        order_value: npt.ArrayLike | None = None,
        price_unit: float = 1.0,
        keywords: npt.ArrayLike | None = None,
    ) -> BidLandscape:
        """Build from a market-price distribution (second-price auctions).

        A bid ``b`` wins an auction whose market price ``p`` satisfies ``p < b`` (ties
        lose, as in the iPinYou replay rule) and then pays ``p``.

        Parameters
        ----------
        price_counts : array-like of shape (n_prices,)
            Histogram of market prices: entry ``p`` counts auctions with price ``p``
            (e.g. ``price_counter_train`` of iPinYou's ``info.json``, or
            ``numpy.bincount(prices)``).
        bids : array-like of shape (n_levels,) or (n_keywords, n_levels)
            Candidate bids, in price units (non-decreasing).
        volume : float or array-like of shape (n_keywords,), default 1.0
            Auctions per period of each row (segment or keyword).
        ctr : float or array-like of shape (n_keywords,), default 1.0
            Click probability of a won auction, in [0, 1], per row.
        cvr, order_value : float or array-like, optional
            Conversions per click and value per conversion, to fill ``conversions`` and
            ``revenue``.
        price_unit : float, default 1.0
            Divide prices by this to get cost per auction (1000 for CPM prices).
        keywords : array-like of shape (n_keywords,), optional
            Row identifiers.

        Returns
        -------
        BidLandscape
            ``impressions`` = volume x win rate, ``clicks`` = impressions x ctr,
            ``cost`` = volume x E[price; price < bid] / price_unit.
        """
        counts = as_float_array(price_counts, "price_counts", ndim=1, nonnegative=True)
        if counts.sum() <= 0:
            raise InvalidInputError(
                "`price_counts` must have a positive total count. Got "
                f"{short_repr(counts.tolist())} instead."
            )
        pmf = counts / counts.sum()
        grid = as_float_array(bids, "bids", ndim=None, nonnegative=True)
        if grid.ndim not in (1, 2) or grid.shape[-1] < 1:
            raise InvalidInputError(
                f"`bids` must be a 1- or 2-dimensional array with at least one level. Got "
                f"shape {grid.shape} instead."
            )
        unit = check_scalar(price_unit, "price_unit", lower=0, lower_inclusive=False)
        vol = as_float_array(volume, "volume", ndim=None, nonnegative=True)
        rate = as_float_array(ctr, "ctr", ndim=None, nonnegative=True)
        if (rate > 1).any():
            first = int(np.argmax(np.ravel(rate) > 1))
            raise InvalidInputError(
                f"`ctr` must be a click probability in [0, 1] (clicks cannot exceed won "
                f"auctions). Got {float(np.ravel(rate)[first])!r}"
                f"{f' at index {first}' if rate.ndim else ''} instead."
            )
        rows = {
            "bids": grid.shape[0] if grid.ndim == 2 else 1,
            "volume": vol.size if vol.ndim else 1,
            "ctr": rate.size if rate.ndim else 1,
        }
        cvr_arr = vpc = None
        if cvr is not None:
            cvr_arr = as_float_array(cvr, "cvr", ndim=None, nonnegative=True)
            rows["cvr"] = cvr_arr.size if cvr_arr.ndim else 1
            if order_value is not None:
                vpc = as_float_array(order_value, "order_value", ndim=None, nonnegative=True)
                rows["order_value"] = vpc.size if vpc.ndim else 1
        # the row count is set by a 2-d `bids`, else by the first per-row argument;
        # an argument that disagrees is the one named
        sized = [name for name, size in rows.items() if size != 1 or name == "bids"]
        if grid.ndim != 2:
            sized = [name for name in sized if name != "bids"]
        reference = sized[0] if sized else "bids"
        n = rows[reference]
        given = {"bids": grid, "volume": vol, "ctr": rate, "cvr": cvr_arr}
        for name, size in rows.items():
            array = given.get(name, vpc)
            if name != "bids" and array is not None and array.ndim > 1:
                raise InvalidInputError(
                    f"`{name}` must be a number or a 1-dimensional array (one entry per "
                    f"row). Got shape {array.shape} instead."
                )
            if size not in (1, n):
                what = "rows of `bids`" if reference == "bids" else f"entries of `{reference}`"
                shape = "" if array is None else f" (shape {array.shape})"
                raise InvalidInputError(
                    f"`{name}` must have 1 entry or {n} entries (one per row, as the {n} "
                    f"{what}). Got {size} entries{shape} instead."
                )
        grid2 = np.broadcast_to(grid if grid.ndim == 2 else grid[None, :], (n, grid.shape[-1]))
        # P(price < b) and E[price; price < b] for integer prices (ties lose)
        histogram = PriceHistogram(pmf)
        win = histogram.win_rate(grid2)
        spend = histogram.spend(grid2) / unit
        vol_col = np.broadcast_to(np.atleast_1d(vol), (n,))[:, None]
        ctr_col = np.broadcast_to(np.atleast_1d(rate), (n,))[:, None]
        impressions = vol_col * win
        clicks = impressions * ctr_col
        conversions = revenue = None
        if cvr_arr is not None:
            cvr_col = np.broadcast_to(np.atleast_1d(cvr_arr), (n,))
            conversions = frozen(clicks * cvr_col[:, None])
            if vpc is not None:
                revenue = frozen(conversions * np.broadcast_to(np.atleast_1d(vpc), (n,))[:, None])
        return cls(
            bids=frozen(np.array(grid2)),
            clicks=frozen(clicks),
            cost=frozen(vol_col * spend),
            conversions=conversions,
            revenue=revenue,
            impressions=frozen(impressions),
            keywords=None if keywords is None else np.asarray(keywords, dtype=object),
        )

    @classmethod
    def from_expected(
        cls, bids: npt.ArrayLike, expected: Any, keywords: npt.ArrayLike | None = None
    ) -> BidLandscape:
        """Build from a bid grid and an object with ``impressions``, ``clicks``, ``cost``,
        ``conversions`` and ``revenue`` arrays of the grid's shape, such as the
        :class:`~bidopt.datasets.ExpectedPerformance` of a synthetic account's truth.
        """
        if not (hasattr(expected, "clicks") and hasattr(expected, "cost")):
            raise InvalidInputError(
                "`expected` must have `clicks` and `cost` arrays (and optionally "
                "impressions, conversions, revenue) of the grid's shape. Got "
                f"{short_repr(expected)} instead."
            )
        return cls(
            bids=bids,  # type: ignore[arg-type]
            clicks=expected.clicks,
            cost=expected.cost,
            conversions=getattr(expected, "conversions", None),
            revenue=getattr(expected, "revenue", None),
            impressions=getattr(expected, "impressions", None),
            keywords=None if keywords is None else np.asarray(keywords, dtype=object),
        )
