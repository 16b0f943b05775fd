"""The iPinYou formats: auction logs (replay and raw) and a campaign's training summary."""

from __future__ import annotations

import gzip
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bidopt._optional import require_pandas
from bidopt._validation import (
    as_owned,
    check_scalar,
    frozen,
    rebuild_on_unpickle,
    short_repr,
)
from bidopt.datasets._auction_log import AuctionLog
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray, IntArray

__all__ = ["IpinyouInfo", "read_ipinyou", "read_ipinyou_info"]


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

    def summary(self) -> str:
        """The training statistics in a few lines."""
        lines = [
            f"IpinyouInfo: {self.imp_train:,} training impressions, {self.clk_train:,} clicks "
            f"(CTR {self.ctr_train:.4%}), cost {self.cost_train:,.6g}",
            f"  eCPC {self.ecpc_train:.6g}, CPM {self.cpm_train:.6g}; market prices "
            f"0..{self.price_counter_train.size - 1}",
        ]
        if self.imp_test is not None:
            lines.append(
                f"  test: {self.imp_test:,} impressions, {self.clk_test} clicks, "
                f"cost {self.cost_test}"
            )
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per market price of the training histogram: ``price``, ``count`` and
        ``share`` (needs pandas)."""
        pd = require_pandas("IpinyouInfo.to_frame()")
        counts = self.price_counter_train
        return pd.DataFrame(
            {
                "price": np.arange(counts.size),
                "count": counts,
                "share": counts / counts.sum(),
            }
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
    if not isinstance(path, str | os.PathLike):
        raise InvalidInputError(
            f"`{name}` must be a path (str or os.PathLike). Got {short_repr(path)} instead."
        )
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
