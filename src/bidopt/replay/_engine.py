"""Replaying a bid strategy on a historical auction log (second-price, with a budget)."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from bidopt._optional import require_pandas
from bidopt._progress import logged
from bidopt._validation import as_float_array, check_choice, check_scalar
from bidopt.datasets import AuctionLog
from bidopt.exceptions import InvalidInputError

__all__ = ["ReplayResult", "replay", "won_auctions"]


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """What a bid strategy would have bought on an auction log.

    Attributes
    ----------
    clicks, impressions : int
        Clicks and impressions won before the budget ran out.
    conversions : float
        Conversions won (NaN if the log has none).
    spend : float
        Sum of the market prices paid, in the log's price unit (with
        ``stop="none"``, inf when they sum beyond the float range).
    budget : float
    n_auctions : int
        Auctions in the log.
    stopped_at : int or None
        Index of the first auction the budget could not pay for (bidding stopped
        there); None if the budget lasted the whole log.
    expected_clicks : float
        Sum of the pCTRs of the impressions won (NaN if the log has no pCTRs): the
        clicks to expect when the pCTRs are calibrated, free of the noise of the
        clicks drawn (about the square root of ``clicks`` at small budgets).
    """

    clicks: int
    impressions: int
    conversions: float
    spend: float
    budget: float
    n_auctions: int
    stopped_at: int | None
    expected_clicks: float = float("nan")

    @property
    def ecpc(self) -> float:
        """Spend per click (NaN without clicks)."""
        return self.spend / self.clicks if self.clicks else float("nan")

    @property
    def ctr(self) -> float:
        """Clicks per impression won (NaN without impressions)."""
        return self.clicks / self.impressions if self.impressions else float("nan")

    @property
    def cpm(self) -> float:
        """Spend per 1000 impressions (NaN without impressions)."""
        return 1000.0 * self.spend / self.impressions if self.impressions else float("nan")

    def summary(self) -> str:
        """A few lines: what was bought, for how much, and where the budget ran out."""
        stop = (
            "the budget lasted the whole log"
            if self.stopped_at is None
            else f"the budget ran out at auction {self.stopped_at}"
        )
        return (
            f"Replay of {self.n_auctions} auctions: {self.clicks} clicks "
            f"({self.expected_clicks:.2f} expected) from {self.impressions} impressions\n"
            f"  spend {self.spend:.2f} of {self.budget:.2f}; eCPC {self.ecpc:.4g}, "
            f"CPM {self.cpm:.4g}\n"
            f"  {stop}"
        )

    def to_frame(self) -> Any:
        """A one-row DataFrame (needs pandas)."""
        pd = require_pandas("ReplayResult.to_frame()")
        return pd.DataFrame(
            [
                {
                    "clicks": self.clicks,
                    "impressions": self.impressions,
                    "conversions": self.conversions,
                    "spend": self.spend,
                    "budget": self.budget,
                    "ecpc": self.ecpc,
                    "ctr": self.ctr,
                    "stopped_at": self.stopped_at,
                    "expected_clicks": self.expected_clicks,
                }
            ]
        )


@logged("replay")
def replay(
    log: AuctionLog,
    bids: npt.ArrayLike,
    budget: float,
    *,
    stop: Literal["budget", "none"] = "budget",
    client: Any = None,
) -> ReplayResult:
    """Replay bids on an auction log under the standard rule (Zhang et al., KDD 2014).

    An auction is won when the bid is strictly above its market price and then costs
    that price.  With ``stop="budget"`` bidding stops at the first won auction that
    would take the spend over the budget (nothing after it is bought).

    With ``stop="budget"`` the result never spends more than the budget, exactly: the
    spend is the running total of the prices paid, in auction order, which is also what
    the stop rule compares with the budget, so no auction (the last one included) is
    bought over budget.  With ``stop="none"`` the budget is not enforced and the spend
    may exceed it.

    Parameters
    ----------
    log : AuctionLog
    bids : array-like of shape (n_auctions,) or a scalar
        Bid per auction, in the log's price unit (>= 0, finite: an infinite bid,
        most often pCTR / 0, is refused; bid above the highest price to win all).
    budget : float
        Spend limit (>= 0, finite), in the same unit; with ``stop="none"``, which
        does not enforce it, it may also be ``inf``.
    stop : {"budget", "none"}, default "budget"
        ``"none"`` ignores the budget (for the unconstrained reference).
    client : distributed.Client, optional
        Replay on this Dask cluster, ``log`` an AuctionLog (split into blocks) or a
        sequence of Dask futures of AuctionLog blocks in auction order: each block is
        scanned on its worker, the same result as in one process (see
        ``docs/scaling.md``; needs ``bidopt[cluster]``).

    Returns
    -------
    ReplayResult

    Examples
    --------
    >>> import numpy as np
    >>> from bidopt.datasets import AuctionLog
    >>> log = AuctionLog(click=np.array([0, 1, 1]), market_price=np.array([5.0, 10.0, 3.0]))
    >>> replay(log, 10.0, 100.0).clicks  # ties lose: the 10 is not beaten
    1
    """
    limit = _check_budget(budget, stop)
    if client is not None:  # the same replay with the log in blocks on Dask workers
        from bidopt.replay._distributed import replay_on_cluster

        mode = check_choice(stop, "stop", ("budget", "none"))
        return replay_on_cluster(  # type: ignore[no-any-return]
            log,
            bids,
            limit,
            stop=mode,
            client=client,
            won=_won,
            check_bids=_checked_bids,
            result=ReplayResult,
        )
    win, end, spent = _won(log, bids, limit, stop)
    won = win[:end]
    clicks = int(log.click[:end][won].sum())
    conversions = (
        float(log.conversion[:end][won].sum()) if log.conversion is not None else float("nan")
    )
    if spent is None:  # stop="none": no running total to keep
        with np.errstate(over="ignore"):  # inf: the prices won sum beyond the float range
            spend = float(log.market_price[won].sum())
    else:  # the running total the stop compares with the budget (<= it)
        spend = float(spent[end - 1]) if end else 0.0
    return ReplayResult(
        clicks=clicks,
        impressions=int(won.sum()),
        conversions=conversions,
        spend=spend,
        budget=limit,
        n_auctions=len(log),
        stopped_at=end if end < len(log) else None,
        expected_clicks=(
            float(log.pctr[:end][won].sum()) if log.pctr is not None else float("nan")
        ),
    )


def won_auctions(
    log: AuctionLog,
    bids: npt.ArrayLike,
    budget: float,
    *,
    stop: Literal["budget", "none"] = "budget",
) -> npt.NDArray[np.bool_]:
    """Which auctions of ``log`` the bids win under the rule of :func:`replay`.

    Parameters
    ----------
    log, bids, budget, stop
        As for :func:`replay`.

    Returns
    -------
    ndarray of bool, shape (n_auctions,)
        True for the auctions bought: bid strictly above the market price, and (with
        ``stop="budget"``) before the first won auction that would take the spend over
        the budget.  ``log.click[won].sum()`` is :func:`replay`'s ``clicks``.

    Examples
    --------
    >>> import numpy as np
    >>> from bidopt.datasets import AuctionLog
    >>> log = AuctionLog(click=np.array([0, 1, 1]), market_price=np.array([5.0, 4.0, 3.0]))
    >>> won_auctions(log, 6.0, 9.0).tolist()  # the third would take the spend to 12
    [True, True, False]
    """
    win, end, _ = _won(log, bids, _check_budget(budget, stop), stop)
    win[end:] = False
    return win


def _check_budget(budget: object, stop: object) -> float:
    """``budget`` as a finite float >= 0, or ``inf`` with ``stop="none"`` (no limit to
    enforce: the unconstrained reference)."""
    unlimited = (
        stop == "none"
        and isinstance(budget, numbers.Real)
        and not isinstance(budget, bool)
        and float(budget) == math.inf
    )
    return math.inf if unlimited else check_scalar(budget, "budget", lower=0)


def _explain_infinite_bids(bids: object, log: AuctionLog) -> None:
    """Raise a message with the remedy if ``bids`` holds ``+inf`` (else return)."""
    try:
        values = np.asarray(bids, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return
    infinite = np.isposinf(values)
    if infinite.any():
        at = int(np.argmax(infinite))
        top = float(log.market_price.max()) if len(log) else 0.0
        raise InvalidInputError(
            "`bids` must be finite (an infinite bid is most often pCTR / 0; to win every "
            f"auction, bid above the highest price, e.g. {float(np.nextafter(top, np.inf))!r}). "
            f"Got inf at index {at} instead."
        ) from None


def _checked_bids(bids: object, n: int, log: AuctionLog | None) -> npt.NDArray[np.float64]:
    """``bids`` as a float array: a number (0-d) or one bid per auction (shape (n,)),
    each >= 0; an infinite bid explained against ``log`` when given."""
    if bids is None:  # (as an array of numbers, a NaN)
        raise InvalidInputError(
            f"`bids` must be a number or an array of shape ({n},), one per auction, >= 0. "
            "Got None instead."
        )
    try:
        b = as_float_array(bids, "bids", ndim=None, nonnegative=True)
    except InvalidInputError:
        if log is not None:
            _explain_infinite_bids(bids, log)
        raise
    if b.ndim != 0 and b.shape != (n,):
        raise InvalidInputError(
            f"`bids` must be a scalar or have shape ({n},), one per auction. Got shape "
            f"{b.shape} instead."
        )
    return b


def _won(
    log: AuctionLog, bids: npt.ArrayLike, limit: float, stop: str
) -> tuple[npt.NDArray[np.bool_], int, npt.NDArray[np.float64] | None]:
    """The auctions the bids beat (a fresh array), the index where bidding ends, and
    (``stop="budget"``) the running total of the prices of the auctions beaten."""
    if not isinstance(log, AuctionLog):
        raise InvalidInputError(f"`log` must be an AuctionLog. Got {type(log).__name__} instead.")
    n = len(log)
    b = _checked_bids(bids, n, log)
    if b.ndim == 0:
        b = np.full(n, float(b))
    mode = check_choice(stop, "stop", ("budget", "none"))
    win = b > log.market_price
    end = n
    spent = None
    if mode == "budget":
        # prices near the float maximum may sum to inf: above any (finite) budget, so
        # the stop below is still exact
        with np.errstate(over="ignore"):
            spent = np.cumsum(np.where(win, log.market_price, 0.0))
        if n and spent[-1] > limit:
            end = int(np.searchsorted(spent, limit, side="right"))
    return win, end, spent
