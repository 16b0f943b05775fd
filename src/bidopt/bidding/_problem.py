"""Validation of ``optimize_bids`` arguments into one normalised problem (the ``_iv`` step)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._certificate import Certificate, ConstraintCheck, lower, lower_each, upper, upper_each
from bidopt._validation import check_choice, check_scalar, short_repr
from bidopt._wording import apart
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
        scale = float(np.abs(picked(self.target_scale, levels)).sum())
        return g - TARGET_RTOL * scale

    def metrics(self, levels: IntArray) -> dict[str, FloatArray]:
        """``landscape.at_levels(levels)``: each metric at the chosen levels, float64 of
        shape (n_keywords,), 0 where ``levels`` is -1.  With the compiled kernels the
        metrics are gathered in one pass over the keywords (same values); levels that
        are not int64 of shape (n_keywords,) in -1..n_levels-1 go to ``at_levels``,
        which says what is wrong with them."""
        land = self.landscape
        names = [name for name in _METRICS if getattr(land, name) is not None]
        if (
            _kernels.ENABLED
            and isinstance(levels, np.ndarray)
            and levels.dtype == np.int64
            and levels.shape == (land.n_keywords,)
        ):
            arrays = [getattr(land, name) for name in names]
            if all(a.dtype == np.float64 and a.flags.c_contiguous for a in arrays):
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
            clicks = metrics["clicks"]
            paid = (levels >= 0) & (cost > 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                cpc = np.where(clicks[paid] > 0, cost[paid] / clicks[paid], np.inf)
            checks.append(
                upper_each("max_cpc", cpc, self.max_cpc, unit="yuan/click", item="keyword")
            )
        if self.min_bid is not None or self.max_bid is not None:
            bids = metrics["bids"][levels >= 0]  # each non-zero bid
            if self.min_bid is not None:
                checks.append(lower_each("min_bid", bids, self.min_bid, unit="yuan", item="bid"))
            if self.max_bid is not None:
                checks.append(upper_each("max_bid", bids, self.max_bid, unit="yuan", item="bid"))
        if self.target_name == "target_cpa" and self.target_level is not None:
            conversions = float(metrics["conversions"].sum())
            cpa = spend / conversions if conversions > 0 else (np.inf if spend > 0 else 0.0)
            checks.append(upper("target_cpa", cpa, self.target_level, unit="yuan/order"))
        elif self.target_name == "target_roas" and self.target_level is not None:
            revenue = float(metrics["revenue"].sum())
            roas = revenue / spend if spend > 0 else np.inf
            if spend == 0:  # the empty plan: target_roas * 0 <= 0 holds
                roas = self.target_level
            checks.append(lower("target_roas", roas, self.target_level))
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
    if not isinstance(landscape, BidLandscape):
        raise InvalidInputError(
            f"`landscape` must be a BidLandscape. Got {type(landscape).__name__} instead."
        )
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
    allowed: BoolArray | None = None
    if low is not None or high is not None or cap is not None:
        allowed = np.ones(bids.shape, dtype=bool)
    if allowed is not None and low is not None:
        allowed &= bids >= low
    if allowed is not None and high is not None:
        allowed &= bids <= high
    if allowed is not None and cap is not None:
        clicks = landscape.clicks
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            # a level that costs money and buys no clicks has an infinite CPC
            cpc = np.where(
                clicks > 0,
                cost / np.where(clicks > 0, clicks, 1.0),
                np.where(cost > 0, np.inf, 0.0),
            )
        allowed &= cpc <= cap * (1 + 1e-12)

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
        target, target_name, target_level = cost - cpa * conversions, "target_cpa", cpa
        target_scale = cpa * conversions
        _check_reachable(landscape, allowed, total, target, target_name, cpa)
    elif roas is not None:
        revenue = landscape.revenue
        if revenue is None:
            raise InvalidInputError(
                "`target_roas` must come with `revenue` in the landscape. Got a "
                f"landscape with {list(landscape.metrics)} instead."
            )
        target, target_name, target_level = roas * cost - revenue, "target_roas", roas
        target_scale = roas * cost
        _check_reachable(landscape, allowed, total, target, target_name, roas)

    group_of = group_budget = labels = None
    if (groups is None) != (group_budgets is None):
        raise InvalidInputError(
            "`groups` and `group_budgets` must be given together. Got only "
            f"`{'groups' if groups is not None else 'group_budgets'}` instead."
        )
    if groups is not None and group_budgets is not None:
        group_array = np.asarray(groups, dtype=object)
        if group_array.shape != (landscape.n_keywords,):
            raise InvalidInputError(
                f"`groups` must have shape ({landscape.n_keywords},), one label per keyword. "
                f"Got shape {group_array.shape} instead."
            )
        if not isinstance(group_budgets, Mapping):
            raise InvalidInputError(
                "`group_budgets` must be a mapping of group label -> budget in yuan. "
                f"Got {short_repr(group_budgets)} instead."
            )
        labels, codes = _group_codes(groups, group_array)
        lookup = {label: i for i, label in enumerate(labels.tolist())}
        unknown = [k for k in group_budgets if k not in lookup]
        if unknown:
            raise InvalidInputError(
                "`group_budgets` must name groups that keywords belong to (labels are "
                "compared as given: 1 and '1' differ). Got group(s) "
                f"{unknown[:5]} instead; the groups are {short_repr(labels.tolist())}."
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


def _group_codes(groups: Any, as_objects: npt.NDArray[np.object_]) -> tuple[Any, IntArray]:
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
    usable = np.ones(landscape.cost.shape, dtype=bool) if allowed is None else allowed
    cost = landscape.cost
    if name == "target_cpa":
        metric = landscape.conversions
        assert metric is not None
        useful = usable & (metric > 0)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ratio = np.where(useful, cost / np.where(useful, metric, 1.0), np.inf)
        best = float(ratio.min()) if ratio.size else np.inf
        meets = useful & (target <= TARGET_RTOL * level * metric)
        if not np.isfinite(best) or best > level * (1 + 2 * TARGET_RTOL):
            raise InfeasibleError(
                f"target_cpa={level:g} is unreachable: the lowest plan CPA is "
                + (f"{best:.2f} yuan." if np.isfinite(best) else "undefined (no conversions).")
                + " Raise the target or relax the CPC cap and bid bounds.",
                {"target_cpa": (best - level) if np.isfinite(best) else np.inf},
            )
    else:
        metric = landscape.revenue
        assert metric is not None
        useful = usable & (metric > 0)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ratio = np.where(useful, metric / np.where(cost > 0, cost, 1.0), 0.0)
            ratio = np.where(useful & (cost == 0), np.inf, ratio)
        best = float(ratio.max()) if ratio.size else 0.0
        meets = useful & (target <= TARGET_RTOL * level * cost)
        if best < level * (1 - 2 * TARGET_RTOL):
            raise InfeasibleError(
                f"target_roas={level:g} is unreachable: the highest plan ROAS is {best:.3f}. "
                "Lower the target or relax the CPC cap and bid bounds.",
                {"target_roas": level - best},
            )
    if not (meets & (cost <= budget)).any():
        cheapest = float(np.where(meets, cost, np.inf).min()) if meets.size else np.inf
        need, have = apart(cheapest, budget)
        raise InfeasibleError(
            f"{name}={level:g} is reachable only by spending at least {need} yuan, "
            f"more than the budget of {have} yuan.",
            {"budget": cheapest - budget},
        )
