"""Validation of ``optimize_bids`` arguments into one normalised problem (the ``_iv`` step)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._certificate import (
    Certificate,
    ConstraintCheck,
    cpa_check,
    cpc_each,
    lower_each,
    roas_check,
    upper,
    upper_each,
)
from bidopt._validation import check_choice, check_instance, check_scalar, short_repr
from bidopt._wording import apart, counted
from bidopt.bidding import _kernels
from bidopt.exceptions import InfeasibleError, InvalidInputError
from bidopt.landscape import OBJECTIVES, BidLandscape
from bidopt.typing import BoolArray, FloatArray, IntArray

__all__ = ["TARGET_RTOL", "BidProblem", "make_problem", "picked"]

#: Relative tolerance the solvers allow on a target (half the certificate's, 1e-9).
TARGET_RTOL = 5e-10
#: The landscape's per-level metrics, in ``BidLandscape.at_levels``'s order.
_METRICS = ("bids", "impressions", "clicks", "cost", "conversions", "revenue")


def picked(matrix: FloatArray, levels: IntArray) -> FloatArray:
    """``matrix[k, levels[k]]`` per keyword, 0 where ``levels[k] == -1`` (not bidding).

    ``matrix`` is (n_keywords, n_levels); the result is float64 of shape (n_keywords,).
    A float64 C-contiguous matrix with int64 levels, one per row, is read by the compiled
    gather in one pass (same values); anything else, or a level out of range, by numpy.
    """
    if (
        _kernels.ENABLED
        and type(matrix) is np.ndarray
        and type(levels) is np.ndarray
        and matrix.dtype == np.float64
        and levels.dtype == np.int64
        and matrix.ndim == 2
        and levels.shape == matrix.shape[:1]
        and matrix.flags.c_contiguous
    ):
        gathered = _kernels.gather_levels([matrix], levels)
        if gathered is not None:
            row: FloatArray = gathered[0]
            return row
    flat = np.arange(levels.size, dtype=np.int64) * matrix.shape[1] + np.maximum(levels, 0)
    out = np.take(matrix, flat).astype(np.float64, copy=False)
    return np.where(levels < 0, 0.0, out)


@dataclass(frozen=True, slots=True, eq=False)
class BidProblem:
    """A validated bid-optimisation problem.

    ``value`` and ``cost`` are (n_keywords, n_levels); ``allowed`` masks the levels that
    the CPC cap and bid bounds permit (None: all); ``target`` holds per-point coefficients ``g`` of
    the plan-level constraint ``sum g <= 0`` (``cost - target_cpa * conversions`` or
    ``target_roas * cost - revenue``) or None.
    """

    landscape: BidLandscape
    objective: str
    budget: float
    value: FloatArray
    cost: FloatArray
    allowed: BoolArray | None
    target: FloatArray | None
    target_name: str | None
    target_level: float | None
    group_of: IntArray | None
    group_budget: FloatArray | None
    group_labels: npt.NDArray[np.object_] | None
    max_cpc: float | None = None
    min_bid: float | None = None
    max_bid: float | None = None
    target_scale: FloatArray | None = None

    def target_excess(self, levels: IntArray) -> float:
        """``sum g`` of the plan minus the tolerance the solvers allow (<= 0: met).

        The tolerance is ``TARGET_RTOL`` (half the certificate's 1e-9) times the plan's
        ``target_cpa * conversions`` or ``target_roas * cost``, so a plan whose CPA or
        ROAS equals the target counts as meeting it, as the certificate says.
        """
        if self.target is None or self.target_scale is None:
            return 0.0
        g = float(picked(self.target, levels).sum())
        # target_scale is a positive target times a metric >= 0: no sign to take off
        scale = float(picked(self.target_scale, levels).sum())
        return g - TARGET_RTOL * scale

    def metrics(self, levels: IntArray) -> dict[str, FloatArray]:
        """``landscape.at_levels(levels)``: each metric at the chosen levels, float64 of
        shape (n_keywords,), 0 where ``levels`` is -1.  With the compiled kernels the
        metrics are gathered in one pass over the keywords (same values); levels that
        are not int64 of shape (n_keywords,) in -1..n_levels-1 go to ``at_levels``,
        which says what is wrong with them."""
        land = self.landscape
        if (
            _kernels.ENABLED
            and isinstance(levels, np.ndarray)
            and levels.dtype == np.int64
            and levels.shape == land.bids.shape[:1]
        ):
            names, arrays = [], []
            for name in _METRICS:
                array = getattr(land, name)
                if array is not None:  # a landscape's arrays are float64 (checked when built)
                    if not (array.dtype == np.float64 and array.flags.c_contiguous):
                        return land.at_levels(levels)
                    names.append(name)
                    arrays.append(array)
            out = _kernels.gather_levels(arrays, levels)
            if out is not None:
                return dict(zip(names, out, strict=True))
        return land.at_levels(levels)

    def certificate(
        self, levels: IntArray, metrics: Mapping[str, FloatArray] | None = None
    ) -> Certificate:
        """Check every constraint of the problem on the plan ``levels`` itself.

        Budget, group budgets, the CPC cap (each bidding keyword's expected cost per
        click), the bid bounds (each non-zero bid) and the target CPA / ROAS of the plan's
        totals, each to a relative 1e-9 (see :mod:`bidopt._certificate`).  ``metrics``
        may pass ``landscape.at_levels(levels)`` when the caller has it already.
        """
        if metrics is None:
            metrics = self.metrics(levels)
        cost = metrics["cost"]
        spend = float(cost.sum())
        # the budget's scale is sum |cost| of the plan: a landscape's costs are >= 0
        # (checked when it is built, and its arrays are read-only), so that is the spend
        checks: list[ConstraintCheck] = [
            upper("budget", spend, self.budget, scale=abs(spend), unit="yuan")
        ]
        if self.group_of is not None and self.group_budget is not None:
            used = np.bincount(self.group_of, weights=cost, minlength=self.group_budget.size)
            checks.append(
                upper_each("group_budgets", used, self.group_budget, unit="yuan", item="group")
            )
        if self.max_cpc is not None:
            # each paid keyword's cost per click (money for no clicks fails)
            on = levels >= 0
            clicks = metrics["clicks"][on]
            checks.append(cpc_each("max_cpc", cost[on], clicks, self.max_cpc, item="keyword"))
        if self.min_bid is not None or self.max_bid is not None:
            bids = metrics["bids"][levels >= 0]  # each non-zero bid
            if self.min_bid is not None:
                checks.append(lower_each("min_bid", bids, self.min_bid, unit="yuan", item="bid"))
            if self.max_bid is not None:
                checks.append(upper_each("max_bid", bids, self.max_bid, unit="yuan", item="bid"))
        if self.target_name == "target_cpa" and self.target_level is not None:
            conversions = float(metrics["conversions"].sum())
            checks.append(cpa_check(spend, conversions, self.target_level))
        elif self.target_name == "target_roas" and self.target_level is not None:
            revenue = float(metrics["revenue"].sum())
            checks.append(roas_check(revenue, spend, self.target_level))
        return Certificate.of(checks)


def _optional_positive(value: object, name: str) -> float | None:
    if value is None:
        return None
    return check_scalar(value, name, lower=0, lower_inclusive=False)


def make_problem(
    landscape: BidLandscape,
    budget: object,
    *,
    objective: object,
    max_cpc: object,
    target_cpa: object,
    target_roas: object,
    min_bid: object,
    max_bid: object,
    groups: Any,
    group_budgets: Mapping[Any, float] | None,
) -> BidProblem:
    """Check every argument and build the :class:`BidProblem` (raises on bad input)."""
    check_instance(landscape, "landscape", BidLandscape, "a BidLandscape")
    total = check_scalar(budget, "budget", lower=0)
    name = check_choice(objective, "objective", OBJECTIVES)
    value = landscape.objective_values(name)  # type: ignore[arg-type]
    cost = landscape.cost
    bids = landscape.bids
    cap = _optional_positive(max_cpc, "max_cpc")
    low = None if min_bid is None else check_scalar(min_bid, "min_bid", lower=0)
    high = _optional_positive(max_bid, "max_bid")
    if low is not None and high is not None and low > high:
        raise InvalidInputError(
            f"`min_bid` must be <= `max_bid`. Got min_bid={low:g} and max_bid={high:g} instead."
        )
    masks: list[BoolArray] = []  # the levels each bound allows; ``allowed`` is all of them
    if low is not None:
        masks.append(bids >= low)
    if high is not None:
        masks.append(bids <= high)
    if cap is not None:
        # the level's average CPC cost / clicks within the cap; a level that costs money
        # and buys no clicks has an infinite CPC (``+ 0.0`` makes a -0.0 click count
        # +0.0, so that is +inf, never -inf), one that costs nothing a CPC of 0 (0 / 0
        # is NaN, which fails the comparison: allowed by the cost test)
        cpc = landscape.clicks + 0.0  # one temporary, divided in place
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            np.divide(cost, cpc, out=cpc)
        within = cpc <= cap * (1 + 1e-12)
        del cpc
        within |= cost == 0.0
        masks.append(within)
    allowed: BoolArray | None = None
    for mask in masks:
        if allowed is None:
            allowed = mask
        else:
            allowed &= mask

    cpa = _optional_positive(target_cpa, "target_cpa")
    roas = _optional_positive(target_roas, "target_roas")
    if cpa is not None and roas is not None:
        raise InvalidInputError(
            "`target_cpa` and `target_roas` must not both be given. Got "
            f"target_cpa={target_cpa!r} and target_roas={target_roas!r} instead."
        )
    target = target_scale = None
    target_name: str | None = None
    target_level: float | None = None
    if cpa is not None:
        conversions = landscape.conversions
        if conversions is None:
            raise InvalidInputError(
                "`target_cpa` must come with `conversions` in the landscape. Got a "
                f"landscape with {list(landscape.metrics)} instead."
            )
        target_scale = cpa * conversions
        target, target_name, target_level = cost - target_scale, "target_cpa", cpa
        _check_reachable(landscape, allowed, total, target, target_name, cpa)
    elif roas is not None:
        revenue = landscape.revenue
        if revenue is None:
            raise InvalidInputError(
                "`target_roas` must come with `revenue` in the landscape. Got a "
                f"landscape with {list(landscape.metrics)} instead."
            )
        target_scale = roas * cost
        target, target_name, target_level = target_scale - revenue, "target_roas", roas
        _check_reachable(landscape, allowed, total, target, target_name, roas)

    group_of = group_budget = labels = None
    if (groups is None) != (group_budgets is None):
        raise InvalidInputError(
            "`groups` and `group_budgets` must be given together. Got only "
            f"`{'groups' if groups is not None else 'group_budgets'}` instead."
        )
    if groups is not None and group_budgets is not None:
        # a numpy array of one dtype is kept (np.unique reads it); anything else is read
        # label by label, as objects (see _group_codes)
        group_array: npt.NDArray[Any] = (
            groups
            if isinstance(groups, np.ndarray) and groups.dtype != object
            else np.asarray(groups, dtype=object)
        )
        if group_array.shape != (landscape.n_keywords,):
            raise InvalidInputError(
                f"`groups` must have shape ({landscape.n_keywords},), one label per keyword. "
                f"Got shape {group_array.shape} instead."
            )
        check_instance(
            group_budgets, "group_budgets", Mapping, "a mapping of group label -> budget in yuan"
        )
        labels, codes = _group_codes(groups, group_array)
        lookup = {label: i for i, label in enumerate(labels.tolist())}
        unknown = [k for k in group_budgets if k not in lookup]
        if unknown:
            raise InvalidInputError(
                "`group_budgets` must name groups that keywords belong to (labels are "
                "compared as given: 1 and '1' differ). Got "
                f"{counted(len(unknown), 'unknown group')} {unknown[:5]} instead; the groups "
                f"are {short_repr(labels.tolist())}."
            )
        group_budget = np.full(labels.size, np.inf)
        for key, amount in group_budgets.items():
            group_budget[lookup[key]] = check_scalar(amount, f"group_budgets[{key!r}]", lower=0)
        group_of = codes.ravel().astype(np.int64)
        labels = labels.astype(object)
    return BidProblem(
        landscape=landscape,
        objective=name,
        budget=total,
        value=value,
        cost=cost,
        allowed=allowed,
        target=target,
        target_name=target_name,
        target_level=target_level,
        group_of=group_of,
        group_budget=group_budget,
        group_labels=labels,
        max_cpc=cap,
        min_bid=low,
        max_bid=high,
        target_scale=target_scale,
    )


def _group_codes(groups: Any, as_objects: npt.NDArray[Any]) -> tuple[Any, IntArray]:
    """Distinct labels (as given: 1 and '1' differ) and each keyword's label code."""
    # a numpy array of one dtype is compared as is; anything else label by label (a
    # list [1, "1"] would become two "1" strings in np.asarray)
    if isinstance(groups, np.ndarray) and groups.dtype != object:
        labels, codes = np.unique(groups, return_inverse=True)
        return labels, codes.ravel().astype(np.int64)
    try:
        index: dict[Any, int] = {}
        codes_list = [index.setdefault(label, len(index)) for label in as_objects.tolist()]
    except TypeError:
        raise InvalidInputError(
            f"`groups` labels must be hashable (str or int). Got {short_repr(groups)} instead."
        ) from None
    return np.array(list(index), dtype=object), np.asarray(codes_list, dtype=np.int64)


def _check_reachable(
    landscape: BidLandscape,
    allowed: BoolArray | None,
    budget: float,
    target: FloatArray,
    name: str,
    level: float,
) -> None:
    """Raise InfeasibleError unless some non-empty plan meets the target within budget.

    A plan's CPA (ROAS) is a weighted mean of its points', so the best single point is
    the best any plan can do; it must also fit the budget.  Points that cost nothing
    count (CPA 0, ROAS infinite), and a point exactly at the target meets it (relative
    ``TARGET_RTOL``, as the solvers and the certificate).
    """
    cost = landscape.cost
    if name == "target_cpa":
        metric = landscape.conversions
        assert metric is not None
        useful = metric > 0
        if allowed is not None:
            useful &= allowed
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ratio = cost / metric  # each point's CPA
        ratio[~useful] = np.inf  # (masked reductions and np.where cost more here)
        best = float(ratio.min())
        if not np.isfinite(best) or best > level * (1 + 2 * TARGET_RTOL):
            raise InfeasibleError(
                f"target_cpa={level:g} is unreachable: the lowest plan CPA is "
                + (f"{best:.2f} yuan." if np.isfinite(best) else "undefined (no conversions).")
                + " Raise the target or relax the CPC cap and bid bounds.",
                {"target_cpa": (best - level) if np.isfinite(best) else np.inf},
            )
        np.multiply(TARGET_RTOL * level, metric, out=ratio)
    else:
        metric = landscape.revenue
        assert metric is not None
        useful = metric > 0
        if allowed is not None:
            useful &= allowed
        # each point's ROAS; a point that costs nothing has an infinite one (``+ 0.0``:
        # a -0.0 cost is +0.0, so that is +inf, never -inf)
        ratio = cost + 0.0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            np.divide(metric, ratio, out=ratio)
        ratio[~useful] = 0.0
        best = float(ratio.max())
        if best < level * (1 - 2 * TARGET_RTOL):
            raise InfeasibleError(
                f"target_roas={level:g} is unreachable: the highest plan ROAS is {best:.3f}. "
                "Lower the target or relax the CPC cap and bid bounds.",
                {"target_roas": level - best},
            )
        np.multiply(TARGET_RTOL * level, cost, out=ratio)
    # the points that meet the target on their own (to the solvers' tolerance)
    meets = np.less_equal(target, ratio)
    meets &= useful
    del ratio, useful
    if not (meets & (cost <= budget)).any():
        cheapest = float(np.where(meets, cost, np.inf).min()) if meets.size else np.inf
        need, have = apart(cheapest, budget)
        raise InfeasibleError(
            f"{name}={level:g} is reachable only by spending at least {need} yuan, "
            f"more than the budget of {have} yuan.",
            {"budget": cheapest - budget},
        )
