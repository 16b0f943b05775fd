"""``design_bid_test``: a bid test that makes the log identify what it cannot yet."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from bidopt._optional import require_pandas
from bidopt._validation import check_random_state, check_scalar, rebuild_on_unpickle, short_repr
from bidopt.exceptions import IdentifiabilityWarning, InvalidInputError
from bidopt.landscape._estimate import _names
from bidopt.landscape._estimate_result import LandscapeEstimate
from bidopt.typing import BoolArray, FloatArray, IntArray, ObjectArray, RandomState

__all__ = ["BidTest", "design_bid_test"]

#: The platform's bid limits, yuan: test bids are clipped to them.
_MIN_BID, _MAX_BID = 0.05, 99.0


def _test_levels(
    keywords: ObjectArray, today: FloatArray, factor: float, tested: BoolArray
) -> tuple[FloatArray, FloatArray]:
    """The up and down test bids of every keyword, shape (n_keywords,) each, yuan:
    ``today * factor`` and ``today / factor`` rounded to 0.01 yuan and clipped to the
    bid limits.

    Warns (:class:`~bidopt.exceptions.IdentifiabilityWarning`) naming the keywords meant
    for the test (``tested``) whose up and down bids come to one bid (the caller leaves
    them out: they cannot vary), and those whose bids the limits clip (tested with a
    narrower step than asked).
    """
    raw_up, raw_down = np.round(today * factor, 2), np.round(today / factor, 2)
    up = np.clip(raw_up, _MIN_BID, _MAX_BID)
    down = np.clip(raw_down, _MIN_BID, _MAX_BID)
    flat = np.flatnonzero(tested & (up <= down))
    narrow = np.flatnonzero(tested & (up > down) & ((up != raw_up) | (down != raw_down)))
    parts = []
    if flat.size:
        parts.append(
            f"{flat.size} keyword(s) cannot vary their bid and are left out of the test "
            f"({_names([str(k) for k in keywords[flat]])}; today's bids "
            f"{', '.join(f'{b:g}' for b in today[flat[:5]])}): check that today's bids are "
            "in yuan and within the limits"
        )
    if narrow.size:
        parts.append(
            f"{narrow.size} keyword(s) are tested with bids clipped to the limits, a narrower "
            f"step than asked ({_names([str(k) for k in keywords[narrow]])})"
        )
    if parts:
        warnings.warn(
            f"The test bids must lie within the platform's bid limits "
            f"[{_MIN_BID:g}, {_MAX_BID:g}] yuan, in steps of 0.01 yuan: " + "; ".join(parts) + ".",
            IdentifiabilityWarning,
            stacklevel=3,
        )
    return up, down


@dataclass(frozen=True, slots=True, eq=False)
class BidTest:
    """A bid test: which keywords move, by how much, on which days.

    Attributes
    ----------
    keywords : ndarray of object, shape (n_keywords,)
        Every keyword of the estimate (landscape rows), tested or not.
    today : ndarray of float64, shape (n_keywords,)
        Today's bid per keyword, yuan.
    tested : ndarray of bool, shape (n_keywords,)
        The keywords in the test.
    arm : ndarray of int64, shape (n_keywords,)
        0 or 1 for tested keywords (-1 otherwise): on even days arm 0 bids up and arm 1
        down, on odd days the reverse, so each day half of the tested spend moves each
        way and day effects cancel between arms and within each keyword.
    step : float
        The multiplicative step: up is ``today * step``, down ``today / step``.
    schedule : ndarray of float64, shape (n_days, n_keywords)
        The bid of every keyword on every day of the test, yuan (untested keywords keep
        today's).
    """

    keywords: ObjectArray
    today: FloatArray
    tested: BoolArray
    arm: IntArray
    step: float
    schedule: FloatArray

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return rebuild_on_unpickle(self)

    @property
    def n_days(self) -> int:
        """Days of the test."""
        return int(self.schedule.shape[0])

    @property
    def n_tested(self) -> int:
        """Keywords in the test."""
        return int(self.tested.sum())

    def bids(self, day: int) -> FloatArray:
        """Every keyword's bid on ``day`` (0-based) of the test, yuan."""
        d = int(check_scalar(day, "day", lower=0, upper=self.n_days - 1, integer=True))
        return np.array(self.schedule[d])

    def summary(self) -> str:
        """The test in a few lines."""
        return "\n".join(
            [
                f"BidTest: {self.n_tested} of {self.keywords.size} keywords for {self.n_days} "
                f"days, bids up x{self.step:g} and down /{self.step:g} around today's",
                f"  arm 0: {int((self.arm == 0).sum())} keywords up on even days, down on odd;"
                f" arm 1: {int((self.arm == 1).sum())} the reverse",
            ]
        )

    def __repr__(self) -> str:
        return f"BidTest(n_tested={self.n_tested}, n_days={self.n_days}, step={self.step:g})"

    def to_frame(self) -> Any:
        """One row per tested keyword and day: day, keyword, arm, today's bid and the
        test bid (needs pandas)."""
        pd = require_pandas("BidTest.to_frame()")
        rows = np.flatnonzero(self.tested)
        days = self.n_days
        return pd.DataFrame(
            {
                "day": np.repeat(np.arange(days), rows.size),
                "keyword": np.tile(self.keywords[rows], days),
                "arm": np.tile(self.arm[rows], days),
                "today_bid": np.tile(self.today[rows], days),
                "bid": self.schedule[:, rows].ravel(),
            }
        )


def design_bid_test(
    estimate: LandscapeEstimate,
    *,
    n_days: int = 14,
    step: float = 1.5,
    current_bids: Mapping[str, float] | None = None,
    include: str = "unidentified",
    rng: RandomState = 0,
) -> BidTest:
    """Design a bid test for the keywords whose bid response the log cannot identify.

    Tested keywords are split into two arms balanced by spend (largest first, each to
    the arm with less spend so far: the arms differ by at most one keyword's spend).
    On even days arm 0 bids ``today * step`` and arm 1 ``today / step``; on odd days
    the reverse.  Every keyword sees both
    bids on alternate days (its bid response is then learnt from its own log) and on
    each day half of the tested spend moves up and half down, so the account's spend
    stays near today's and day-to-day traffic cancels.

    Parameters
    ----------
    estimate : LandscapeEstimate
        From :func:`estimate_landscapes`; its ``identifiability`` picks the keywords.
    n_days : int, default 14
        Length of the test, >= 2 days.
    step : float, default 1.5
        Multiplicative bid step, > 1 (1.5: +50% / -33%).  After the test the plan's trust
        region reaches 20% beyond the bids tested, so the step bounds how far the next
        plan can move a tested bid.
    current_bids : mapping of keyword to float, optional
        Today's bids by keyword; by default the log's last day.
    include : {"unidentified", "all"}, default "unidentified"
        Test the keywords whose response comes from their group or the prior, or every
        keyword with a bid.
    rng : int, Generator or None, default 0
        Seed of the assignment to arms.

    Returns
    -------
    BidTest
        ``schedule`` holds every keyword's bid per day; ``bids(day)`` one day's.
    """
    if not isinstance(estimate, LandscapeEstimate) or estimate.identifiability is None:
        raise InvalidInputError(
            "`estimate` must be a LandscapeEstimate from estimate_landscapes. Got "
            f"{short_repr(estimate)} instead."
        )
    days = int(check_scalar(n_days, "n_days", lower=2, integer=True))
    factor = check_scalar(step, "step", lower=1, lower_inclusive=False, upper=4)
    if include not in ("unidentified", "all"):
        raise InvalidInputError(
            f"`include` must be 'unidentified' or 'all'. Got {short_repr(include)} instead."
        )
    gen = check_random_state(rng)
    ident = estimate.identifiability
    today = np.array(ident.current_bid, dtype=np.float64)
    if current_bids is not None:
        position = {k: i for i, k in enumerate(ident.keywords.tolist())}
        for keyword, bid in current_bids.items():
            if keyword not in position:
                raise InvalidInputError(
                    "`current_bids` must name keywords of the estimate. Got "
                    f"{short_repr(keyword)} instead."
                )
            today[ident.keywords == keyword] = check_scalar(
                bid, f"current_bids[{keyword!r}]", lower=0
            )
    tested = today > 0
    if include == "unidentified":
        tested &= ident.source != "keyword"
    up, down = _test_levels(ident.keywords, today, factor, tested)
    tested &= up > down
    rows = np.flatnonzero(tested)
    # balanced by spend: largest first, each to the arm with less spend so far (the arms
    # then differ by at most one keyword's spend); ties and the first keyword at random
    spend = np.asarray(estimate.model.landscape(today[:, None]).cost[:, 0])
    order = rows[np.lexsort((gen.random(rows.size), -spend[rows]))]
    arm = np.full(today.size, -1, dtype=np.int64)
    load = [0.0, 0.0]
    first = int(gen.random() < 0.5)
    for i, row in enumerate(order.tolist()):
        side = first if i == 0 else int(load[1] < load[0])
        arm[row] = side
        load[side] += float(spend[row])
    schedule = np.tile(today, (days, 1))
    for d in range(days):
        schedule[d] = np.where(arm == d % 2, up, schedule[d])
        schedule[d] = np.where(arm == 1 - d % 2, down, schedule[d])
    return BidTest(
        keywords=ident.keywords,
        today=today,
        tested=tested,
        arm=arm,
        step=float(factor),
        schedule=schedule,
    )
