"""Auction logs for replay: one row per auction (impression opportunity)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from bidopt._optional import require_pandas
from bidopt._tables import read_table
from bidopt._validation import (
    as_float_array,
    as_owned,
    check_rows,
    frozen,
    rebuild_on_unpickle,
    short_repr,
)
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray, IntArray

__all__ = ["AuctionLog"]


def _fresh(array: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """An array this module built, marked read-only so a constructor keeps it uncopied."""
    return frozen(array) if array.flags.owndata else array


def _check_column(
    name: str, values: np.ndarray[Any, Any], ok: np.ndarray[Any, Any], contract: str
) -> None:
    if not ok.all():
        row = int(np.flatnonzero(~ok)[0])
        raise InvalidInputError(
            f"AuctionLog `{name}` must be {contract}. Got {values[row].item()!r} at row {row} "
            f"instead ({int((~ok).sum())} bad rows in all)."
        )


_WHOLE = ("click", "conversion", "hour")


def _column(name: str, value: Any) -> np.ndarray[Any, Any]:
    """One column as a 1-d owned, read-only array: int64 for 0/1 flags and hours
    (whole numbers only), float64 otherwise."""
    if np.iscomplexobj(value):
        raise InvalidInputError(
            f"AuctionLog `{name}` must be an array of real numbers. Got a complex array "
            f"{short_repr(value)} instead."
        )
    try:
        array = np.asarray(value, dtype=np.float64 if name not in _WHOLE else None)
    except (TypeError, ValueError):
        array = np.asarray(value, dtype=object)
    if array.ndim != 1:
        raise InvalidInputError(
            f"AuctionLog `{name}` must be a 1-dimensional array. Got shape {array.shape} instead."
        )
    if array.dtype.kind not in "biuf":
        raise InvalidInputError(
            f"AuctionLog `{name}` must be an array of numbers. Got "
            f"{short_repr(array[:5].tolist())} (dtype {array.dtype}) instead."
        )
    if name in _WHOLE and array.dtype != np.int64:
        if array.dtype.kind == "f":
            # the whole contract on the floats, before the cast could wrap a huge value
            top = 23 if name == "hour" else 1
            ok = np.isfinite(array) & (array == np.round(array)) & (array >= 0) & (array <= top)
            contract = "0 or 1" if name != "hour" else "an hour in 0..23"
            _check_column(name, array, ok, contract)
        return as_owned(array.astype(np.int64), value)
    return as_owned(array, value)


@dataclass(frozen=True, slots=True, eq=False)
class AuctionLog:
    """A log of auctions, replayable against any bid strategy.

    Columns may be given as arrays or sequences; the log owns them and stores them as
    read-only views of read-only arrays (every array the caller passes is copied once,
    a read-only one too), so editing the arrays it was built from does not change a
    validated log, and editing its columns or setting their ``flags.writeable = True``
    raises.  Readers, the generator and :meth:`take` hand over the arrays they build
    without a second copy.

    Attributes
    ----------
    click : array of int64, shape (n_auctions,)
        1 if the impression was clicked, else 0.
    market_price : array of float64, shape (n_auctions,)
        The price to beat (the second price paid on a win), in the log's own unit:
        for iPinYou, CNY fen per 1000 impressions.
    pctr : array of float64 or None
        Predicted click probability of each auction, in [0, 1]; None for raw logs
        that carry no prediction.
    conversion : array of int64 or None
        1 if the impression converted.
    value : array of float64 or None
        Value of the impression's conversion (yuan).
    hour : array of int64 or None
        Hour of day, 0-23.
    source : str
        Where the log came from.
    """

    click: IntArray
    market_price: FloatArray
    pctr: FloatArray | None = None
    conversion: IntArray | None = None
    value: FloatArray | None = None
    hour: IntArray | None = None
    source: str = field(default="<arrays>")

    def __post_init__(self) -> None:
        # caller arrays are copied (see ``as_owned``) and stored read-only, so that
        # editing the caller's arrays cannot reach a validated log
        if not isinstance(self.source, str):
            raise InvalidInputError(
                f"AuctionLog `source` must be a string (where the log came from). Got "
                f"{short_repr(self.source)} instead."
            )
        for name in ("click", "market_price"):
            if getattr(self, name) is None:
                raise InvalidInputError(
                    f"AuctionLog `{name}` must be a 1-dimensional array with one entry per "
                    "auction. Got None instead."
                )
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "source" and value is not None:
                object.__setattr__(self, f.name, _column(f.name, value))
        n = self.click.shape[0]
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray) and value.shape != (n,):
                raise InvalidInputError(
                    f"AuctionLog `{f.name}` must have shape ({n},) like `click`. "
                    f"Got {value.shape} instead."
                )
        _check_column("click", self.click, (self.click == 0) | (self.click == 1), "0 or 1")
        price = self.market_price
        _check_column("market_price", price, np.isfinite(price) & (price >= 0), "finite and >= 0")
        if self.pctr is not None:
            pctr = self.pctr
            _check_column("pctr", pctr, (pctr >= 0) & (pctr <= 1), "in [0, 1]")
        if self.conversion is not None:
            c = self.conversion
            _check_column("conversion", c, (c == 0) | (c == 1), "0 or 1")
        if self.value is not None:
            _check_column(
                "value", self.value, np.isfinite(self.value) & (self.value >= 0), "finite and >= 0"
            )
        if self.hour is not None:
            _check_column(
                "hour", self.hour, (self.hour >= 0) & (self.hour <= 23), "an hour in 0..23"
            )

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return rebuild_on_unpickle(self)

    def __len__(self) -> int:
        return int(self.click.shape[0])

    @property
    def n_auctions(self) -> int:
        """Number of auctions."""
        return len(self)

    @property
    def n_clicks(self) -> int:
        """Total clicks."""
        return int(self.click.sum())

    @property
    def total_market_price(self) -> float:
        """Sum of market prices: the cost of winning every auction."""
        return float(self.market_price.sum())

    def take(self, rows: np.ndarray[Any, Any]) -> AuctionLog:
        """A new log with the selected rows (index array or boolean mask), in order."""
        rows = check_rows(rows, len(self), what="auctions")
        values: dict[str, Any] = {
            f.name: (
                _fresh(getattr(self, f.name)[rows])
                if isinstance(getattr(self, f.name), np.ndarray)
                else getattr(self, f.name)
            )
            for f in fields(self)
        }
        return AuctionLog(**values)

    @classmethod
    def from_table(cls, table: Any) -> AuctionLog:
        """An auction log from a table: a CSV path, a mapping of columns, or a DataFrame.

        Parameters
        ----------
        table : path, mapping of str to array-like, or pandas.DataFrame
            Columns ``click`` (0/1) and ``market_price``; optional ``pctr``,
            ``conversion``, ``value`` and ``hour``.  Other columns are ignored.

        Returns
        -------
        AuctionLog

        Raises
        ------
        InvalidInputError
            If a required column is missing or a value breaks its column's contract.
        """
        raw = read_table(table, name="table")
        missing = [c for c in ("click", "market_price") if c not in raw.columns]
        if missing:
            raise InvalidInputError(
                "`table` must have columns click and market_price. Got columns "
                f"{sorted(raw.columns)} instead (missing {missing})."
            )
        whole = ("click", "conversion", "hour")
        arrays: dict[str, Any] = {}
        for name in ("click", "market_price", "pctr", "conversion", "value", "hour"):
            if name not in raw.columns:
                continue
            values = as_float_array(raw.columns[name], f"table[{name!r}]", allow_nan=True)
            if name in whole:
                _check_column(
                    name,
                    values,
                    np.isfinite(values) & (values == np.round(values)),
                    "a whole number",
                )
                arrays[name] = frozen(values.astype(np.int64))
            else:
                arrays[name] = values
        return cls(**arrays, source=raw.source)

    def to_frame(self) -> Any:
        """The log as a :class:`pandas.DataFrame` (needs pandas)."""
        pd = require_pandas("AuctionLog.to_frame()")
        data = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        }
        return pd.DataFrame(data)

    def summary(self) -> str:
        """Auctions, clicks and market prices in a few lines."""
        n = len(self)
        price = self.market_price
        lines = [
            f"AuctionLog from {self.source}: {n:,} auctions, {self.n_clicks:,} clicks "
            f"(CTR {self.n_clicks / n:.4%})"
            if n
            else f"AuctionLog from {self.source}: empty",
        ]
        if n:
            lines.append(
                f"  market price: mean {price.mean():.4g}, median {np.median(price):.4g}, "
                f"max {price.max():.4g} (total {self.total_market_price:,.6g})"
            )
        present = [
            f.name for f in fields(self) if f.name in ("pctr", "conversion", "value", "hour")
        ]
        given = [name for name in present if getattr(self, name) is not None]
        lines.append(f"  optional columns: {', '.join(given) if given else 'none'}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"AuctionLog(n_auctions={len(self)}, clicks={self.n_clicks}, "
            f"total_market_price={self.total_market_price:g}, source={self.source!r})"
        )
