"""What a bid wins and spends under a histogram of whole market prices (second-price
auctions, ties lose): the one place bidopt turns a price histogram into expected spend,
for :meth:`BidLandscape.from_market_prices` and the pacing spend model alike."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bidopt._validation import as_float_array
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray, IntArray

__all__ = ["PriceHistogram"]


class PriceHistogram:
    """Market prices in whole units (price ``p`` at column ``p``), one distribution per
    row (a segment of auctions), and what bids win and spend under them.

    A bid ``b`` wins an auction of price ``p`` when ``p < b`` (ties lose), so it wins the
    whole prices ``0 .. ceil(b) - 1`` and pays ``p``.  The tables are cumulative sums
    along each row with a 0 in front: entry ``k`` of :attr:`win` is ``P(price < k)``, of
    :attr:`first` ``E[price; price < k]`` and of :attr:`second` ``E[price**2; price <
    k]``, for ``k = 0 .. n_prices``.

    Parameters
    ----------
    pmf : array-like of shape (n_prices,) or (n_rows, n_prices)
        Probability of each whole price per row (each row sums to 1, or to less when
        the caller keeps some mass out of reach; rows of 0 are allowed).  Taken as
        given: no renormalisation, so the tables are exactly the cumulative sums of
        ``pmf`` and ``pmf * price``.
    second_moment : bool, default False
        Also build :attr:`second` (for the variance of the spend).

    Attributes
    ----------
    n_prices : int
        Columns of the histogram: bids above ``n_prices - 1`` win every price.
    win, first : ndarray of float64, shape (n_rows, n_prices + 1)
    second : ndarray of float64, shape (n_rows, n_prices + 1), or None

    Examples
    --------
    >>> import numpy as np
    >>> from bidopt.landscape import PriceHistogram
    >>> prices = PriceHistogram(np.array([0.5, 0.25, 0.25]))  # prices 0, 1, 2
    >>> prices.spend(np.array([0.5, 1.5, 9.0])).tolist()  # E[price; price < bid]
    [0.0, 0.25, 0.75]
    """

    __slots__ = ("first", "n_prices", "second", "win")

    def __init__(self, pmf: npt.ArrayLike, *, second_moment: bool = False) -> None:
        table = as_float_array(pmf, "pmf", ndim=None, nonnegative=True)
        if table.ndim == 1:
            table = table[None, :]
        if table.ndim != 2 or table.shape[1] == 0:
            raise InvalidInputError(
                "`pmf` must be a 1- or 2-dimensional array with at least one price. "
                f"Got shape {np.shape(pmf)} instead."
            )
        prices = np.arange(table.shape[1], dtype=np.float64)
        zero = np.zeros((table.shape[0], 1))
        self.n_prices = int(table.shape[1])
        self.win: FloatArray = np.hstack([zero, np.cumsum(table, axis=1)])
        self.first: FloatArray = np.hstack([zero, np.cumsum(table * prices, axis=1)])
        self.second: FloatArray | None = (
            np.hstack([zero, np.cumsum(table * prices**2, axis=1)]) if second_moment else None
        )

    def won_prices(self, bids: npt.ArrayLike) -> IntArray:
        """How many whole prices each bid beats, ``min(ceil(bid), n_prices)``: the column
        of the tables to read (same shape as ``bids``, >= 0 bids)."""
        step = np.minimum(np.ceil(np.asarray(bids, dtype=np.float64)), self.n_prices)
        return np.asarray(step.astype(np.int64), dtype=np.int64)

    def win_rate(self, bids: npt.ArrayLike, rows: IntArray | int = 0) -> FloatArray:
        """``P(price < bid)`` of each bid under the distribution of its row (``rows``
        broadcast against ``bids``; row 0 by default)."""
        return np.asarray(self.win[rows, self.won_prices(bids)], dtype=np.float64)

    def spend(self, bids: npt.ArrayLike, rows: IntArray | int = 0) -> FloatArray:
        """Expected spend of each bid in one auction, ``E[price; price < bid]``, in price
        units, under the distribution of its row (``rows`` broadcast against ``bids``)."""
        return np.asarray(self.first[rows, self.won_prices(bids)], dtype=np.float64)

    def spend_moments(
        self, bids: npt.ArrayLike, rows: IntArray | int = 0
    ) -> tuple[FloatArray, FloatArray]:
        """Expected spend of each bid in one auction and its variance (squared price
        units); needs ``second_moment=True``."""
        if self.second is None:
            raise InvalidInputError(
                "`second_moment` must be True for spend_moments() (the variance needs "
                "E[price**2; price < bid]). Got a PriceHistogram built without it instead."
            )
        k = self.won_prices(bids)
        first = self.first[rows, k]
        return first, self.second[rows, k] - first * first

    def spend_reached(self, spend: float, row: int = 0) -> int:
        """The fewest whole prices ``k`` whose expected spend ``E[price; price < k]``
        reaches ``spend`` (``n_prices + 1`` when no bid reaches it): a bid just above
        ``k - 1`` spends at least ``spend`` per auction."""
        return int(np.searchsorted(self.first[row], spend, side="left"))

    def __repr__(self) -> str:
        rows = self.first.shape[0]
        return f"PriceHistogram(n_rows={rows}, n_prices={self.n_prices})"
