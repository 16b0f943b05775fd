"""Auction logs for replay: one row per auction (impression opportunity)."""

from __future__ import annotations

import gzip
import io
import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from bidopt._optional import require_pandas
from bidopt._tables import read_table
from bidopt._validation import (
    as_float_array,
    as_owned,
    check_rows,
    check_scalar,
    frozen,
    rebuild_on_unpickle,
    short_repr,
)
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray, IntArray

__all__ = ["AuctionLog", "IpinyouInfo", "read_ipinyou", "read_ipinyou_info"]


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

    def __repr__(self) -> str:
        return (
            f"AuctionLog(n_auctions={len(self)}, clicks={self.n_clicks}, "
            f"total_market_price={self.total_market_price:g}, source={self.source!r})"
        )


@dataclass(frozen=True, slots=True, eq=False)
class IpinyouInfo:
    """Training (and test) statistics of an iPinYou campaign (``info.json``).

    Attributes
    ----------
    imp_train, clk_train : int
        Impressions and clicks in the training log.
    cost_train : float
        Total market price paid in training (CNY fen per 1000 impressions, summed).
    price_counter_train : array of int64, shape (n_prices,)
        Histogram of training market prices: entry ``p`` counts auctions with price ``p``.
    imp_test, clk_test, cost_test : int or float or None
        The same for the test log, when present.
    extra : dict
        Any other fields of the file, as read.
    """

    imp_train: int
    clk_train: int
    cost_train: float
    price_counter_train: IntArray
    imp_test: int | None = None
    clk_test: int | None = None
    cost_test: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        counter = np.asarray(self.price_counter_train)
        if counter.ndim != 1 or counter.dtype.kind not in "iu" or (counter < 0).any():
            raise InvalidInputError(
                "IpinyouInfo `price_counter_train` must be a 1-dimensional array of whole, "
                f"non-negative counts. Got {short_repr(self.price_counter_train)} instead."
            )
        counter = as_owned(counter.astype(np.int64, copy=False), self.price_counter_train)
        object.__setattr__(self, "price_counter_train", counter)
        imp = check_scalar(self.imp_train, "imp_train", lower=1, integer=True)
        clk = check_scalar(self.clk_train, "clk_train", lower=0, upper=imp, integer=True)
        cost = check_scalar(self.cost_train, "cost_train", lower=0)
        object.__setattr__(self, "imp_train", int(imp))
        object.__setattr__(self, "clk_train", int(clk))
        object.__setattr__(self, "cost_train", float(cost))
        # the test fields, when given, obey the training fields' contracts
        imp_test = clk_test = None
        if self.imp_test is not None:
            imp_test = int(check_scalar(self.imp_test, "imp_test", lower=0, integer=True))
            object.__setattr__(self, "imp_test", imp_test)
        if self.clk_test is not None:
            clk_test = int(
                check_scalar(self.clk_test, "clk_test", lower=0, upper=imp_test, integer=True)
            )
            object.__setattr__(self, "clk_test", clk_test)
        if self.cost_test is not None:
            object.__setattr__(
                self, "cost_test", float(check_scalar(self.cost_test, "cost_test", lower=0))
            )

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return rebuild_on_unpickle(self)

    @property
    def ctr_train(self) -> float:
        """Training click-through rate (clicks per impression)."""
        return self.clk_train / self.imp_train

    @property
    def ecpc_train(self) -> float:
        """Training effective cost per click (same unit as the prices)."""
        return self.cost_train / self.clk_train

    @property
    def cpm_train(self) -> float:
        """Training mean market price."""
        return self.cost_train / self.imp_train

    @classmethod
    def from_log(cls, log: AuctionLog) -> IpinyouInfo:
        """Training statistics of an auction log (to learn from one log, replay another).

        Market prices are rounded to whole units for the histogram.

        Examples
        --------
        >>> log = AuctionLog(click=np.array([0, 1, 0]), market_price=np.array([3.0, 5.0, 3.0]))
        >>> info = IpinyouInfo.from_log(log)
        >>> info.imp_train, info.clk_train, info.cost_train, info.price_counter_train.tolist()
        (3, 1, 11.0, [0, 0, 0, 2, 0, 1])
        """
        if len(log) == 0:
            raise InvalidInputError(
                "`log` must have at least one auction to give training statistics. Got an "
                "empty log instead."
            )
        prices = np.rint(log.market_price).astype(np.int64)
        return cls(
            imp_train=len(log),
            clk_train=int(log.click.sum()),
            cost_train=float(log.market_price.sum()),
            price_counter_train=frozen(np.bincount(prices).astype(np.int64)),
        )

    def market_price_pmf(self) -> FloatArray:
        """The training market-price distribution: ``pmf[p]`` = P(price == p)."""
        counts = self.price_counter_train.astype(np.float64)
        return np.asarray(counts / counts.sum(), dtype=np.float64)


def _open_text(path: Path) -> str:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8")


def _existing(path: str | os.PathLike[str], name: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise InvalidInputError(f"`{name}` must be an existing file. Got {str(p)!r} instead.")
    return p


def read_ipinyou(path: str | os.PathLike[str]) -> AuctionLog:
    """Read an iPinYou log into an :class:`AuctionLog`.

    Two formats are recognised from the first line:

    * the replay format of Cai et al. (WSDM 2017): ``click payprice pCTR``, space
      separated, no header (``pctr`` is filled);
    * the raw 27-column iPinYou format (``make-ipinyou-data``), tab separated with a
      header row ``click weekday hour bidid ... payprice ...`` (``pctr`` is None, since
      the raw log has no prediction; ``hour`` is filled).

    Parameters
    ----------
    path : path-like
        The log file (optionally ``.gz``).

    Returns
    -------
    AuctionLog
        ``market_price`` is ``payprice`` in CNY fen per 1000 impressions.

    Raises
    ------
    InvalidInputError
        If the file is missing, of neither format, or has a malformed line.
    """
    p = _existing(path, "path")
    text = _open_text(p)
    first = text.split("\n", 1)[0].strip()
    if not first:
        raise InvalidInputError(
            f"`path` must be a non-empty iPinYou log. Got the empty file {str(p)!r} instead."
        )
    if "payprice" in first.split("\t"):
        return _read_raw_ipinyou(text, p)
    parts = first.split()
    if len(parts) != 3:
        raise InvalidInputError(
            "`path` must be an iPinYou log in the 'click payprice pCTR' replay format (3 "
            "fields) or the raw format (a header with 'payprice'). Got the first line "
            f"{short_repr(first)} of {str(p)!r} instead."
        )
    try:
        data = np.loadtxt(io.StringIO(text), dtype=np.float64, ndmin=2)
    except ValueError as exc:
        raise InvalidInputError(
            f"`path` must hold numbers 'click payprice pCTR' on every line. Got {str(p)!r} "
            f"instead: {exc}"
        ) from None
    if data.shape[1] != 3:
        raise InvalidInputError(
            f"`path` must have 3 columns (click payprice pCTR). Got {data.shape[1]} in "
            f"{str(p)!r} instead."
        )
    return AuctionLog(
        click=data[:, 0],  # type: ignore[arg-type]  # (checked there: 0 or 1, not truncated)
        market_price=data[:, 1],
        pctr=data[:, 2],
        source=str(p),
    )


def _read_raw_ipinyou(text: str, path: Path) -> AuctionLog:
    lines = [line for line in text.split("\n") if line.strip()]
    header = lines[0].rstrip("\r").split("\t")
    index = {name: j for j, name in enumerate(header)}
    needed = ("click", "hour", "payprice")
    missing = [c for c in needed if c not in index]
    if missing:
        raise InvalidInputError(
            f"`path` must have the columns {list(needed)} in its header. Got {str(path)!r} "
            f"without {missing} instead."
        )
    rows = [line.rstrip("\r").split("\t") for line in lines[1:]]
    bad = [k for k, r in enumerate(rows) if len(r) != len(header)]
    if bad:
        raise InvalidInputError(
            f"`path` must have as many fields on every line as in its header "
            f"({len(header)}). Got {len(rows[bad[0]])} on line {bad[0] + 2} of "
            f"{str(path)!r} instead."
        )
    table = np.array(rows, dtype=object).reshape(len(rows), len(header))
    try:
        click = table[:, index["click"]].astype(np.int64)
        hour = table[:, index["hour"]].astype(np.int64)
        price = table[:, index["payprice"]].astype(np.float64)
    except ValueError as exc:
        raise InvalidInputError(
            f"`path` must hold numbers in click, hour and payprice. Got {str(path)!r} "
            f"instead: {exc}"
        ) from None
    return AuctionLog(click=click, market_price=price, hour=hour, source=str(path))


def _histogram(value: Any, path: Path) -> IntArray:
    """``price_counter_train`` as whole, non-negative counts (read-only int64)."""
    where = f"`price_counter_train` in {str(path)!r}"
    contract = f"{where} must be a histogram of whole, non-negative counts"
    try:
        counts = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{contract}. Got {short_repr(value)} instead.") from None
    if counts.ndim != 1 or counts.size == 0:
        raise InvalidInputError(
            f"{contract} (a non-empty list, entry p counting auctions at price p). Got "
            f"{short_repr(value)} instead."
        )
    bad = ~(np.isfinite(counts) & (counts >= 0) & (counts == np.round(counts)))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InvalidInputError(
            f"{contract}. Got {float(counts[k])!r} at price {k} instead "
            f"({int(bad.sum())} bad entries)."
        )
    if counts.sum() == 0 or counts.max() >= 2.0**53:
        raise InvalidInputError(
            f"{contract} with a positive total below 2**53. Got total {counts.sum():g} instead."
        )
    return frozen(counts.astype(np.int64))


def _count(data: dict[str, Any], name: str, path: Path, *, lower: int) -> int:
    value = data[name]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        return int(check_scalar(value, name, lower=lower, integer=True))
    except InvalidInputError:
        raise InvalidInputError(
            f"`{name}` in {str(path)!r} must be a whole number >= {lower}. Got "
            f"{short_repr(data[name])} instead."
        ) from None


def _amount(data: dict[str, Any], name: str, path: Path) -> float:
    try:
        return check_scalar(data[name], name, lower=0)
    except InvalidInputError:
        raise InvalidInputError(
            f"`{name}` in {str(path)!r} must be a finite number >= 0. Got "
            f"{short_repr(data[name])} instead."
        ) from None


def read_ipinyou_info(path: str | os.PathLike[str]) -> IpinyouInfo:
    """Read an iPinYou campaign's ``info.json`` (training statistics).

    Parameters
    ----------
    path : path-like
        JSON with ``imp_train``, ``clk_train``, ``cost_train`` and
        ``price_counter_train`` (and optionally the ``*_test`` fields).

    Raises
    ------
    InvalidInputError
        If a required field is missing or malformed.
    """
    p = _existing(path, "path")
    try:
        data = json.loads(_open_text(p))
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"`path` must be a JSON file. Got {str(p)!r} instead: {exc}"
        ) from None
    required = ("imp_train", "clk_train", "cost_train", "price_counter_train")
    if not isinstance(data, dict):
        raise InvalidInputError(
            f"{str(p)!r} must hold a JSON object with the fields {list(required)}. Got "
            f"{short_repr(data)} instead."
        )
    missing = [k for k in required if k not in data]
    if missing:
        raise InvalidInputError(
            f"`path` must hold the fields {list(required)}. Got {str(p)!r} without "
            f"{missing} instead."
        )
    counter = _histogram(data["price_counter_train"], p)
    known = {*required, "imp_test", "clk_test", "cost_test"}
    imp_train = _count(data, "imp_train", p, lower=1)
    clk_train = _count(data, "clk_train", p, lower=0)
    if clk_train > imp_train:
        raise InvalidInputError(
            f"`clk_train` in {str(p)!r} must be <= `imp_train` ({imp_train}). Got "
            f"{clk_train} instead."
        )
    imp_test = _count(data, "imp_test", p, lower=0) if "imp_test" in data else None
    clk_test = _count(data, "clk_test", p, lower=0) if "clk_test" in data else None
    if imp_test is not None and clk_test is not None and clk_test > imp_test:
        raise InvalidInputError(
            f"`clk_test` in {str(p)!r} must be <= `imp_test` ({imp_test}). Got {clk_test} instead."
        )
    return IpinyouInfo(
        imp_train=imp_train,
        clk_train=clk_train,
        cost_train=_amount(data, "cost_train", p),
        price_counter_train=counter,
        imp_test=imp_test,
        clk_test=clk_test,
        cost_test=_amount(data, "cost_test", p) if "cost_test" in data else None,
        extra={k: v for k, v in data.items() if k not in known},
    )
