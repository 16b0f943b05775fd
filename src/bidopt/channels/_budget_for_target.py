"""The budget a target needs: :func:`budget_for_target` and its result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bidopt._certificate import RTOL
from bidopt._validation import check_scalar
from bidopt._wording import apart
from bidopt.channels._curves import ResponseCurve
from bidopt.channels._curveset import CurveSet
from bidopt.channels._problem import build_split_problem, check_curves
from bidopt.channels._result import BudgetSplit
from bidopt.channels._split import split_budget
from bidopt.channels._target import largest_budget_for_roi, least_budget
from bidopt.exceptions import InvalidInputError

__all__ = ["ChannelBudgetForTarget", "budget_for_target"]

#: Relative tolerance of "the split reaches the target": the certificate's.
_RTOL = RTOL


@dataclass(frozen=True, slots=True, eq=False)
class ChannelBudgetForTarget:
    """The budget a channel target needs, and the split at that budget.

    Attributes
    ----------
    metric : {"revenue", "roas"}
        ``revenue``: the least budget whose best split reaches ``target`` revenue per
        period; ``roas``: the largest budget whose best split keeps revenue per yuan
        at least ``target``.
    target : float
        Revenue per period (yuan), or revenue per yuan spent.
    budget : float
        The budget found by bisection (to a relative 1e-10), yuan per period.
    max_budget : float
        The largest budget searched, yuan per period.
    split : BudgetSplit
        :func:`split_budget` at ``budget`` with the same group rules and bounds.
    success : bool
        The split's certificate holds and the split reaches the target (to a relative
        1e-9).
    status : int
        0: success; 3: the split at ``budget`` misses the target or breaks a
        constraint (the message says which).
    message : str
    """

    metric: Literal["revenue", "roas"]
    target: float
    budget: float
    max_budget: float
    split: BudgetSplit
    success: bool
    status: int
    message: str

    @property
    def response(self) -> float:
        """Revenue per period of the split at ``budget``."""
        return self.split.response

    def summary(self) -> str:
        """The budget found, the target it answers, and the split at that budget."""
        kind = "Least budget reaching" if self.metric == "revenue" else "Largest budget keeping"
        lines = [
            f"{kind} {self.metric}={self.target:,.6g}: {self.budget:,.2f} yuan "
            f"(searched up to {self.max_budget:,.2f}); {self.message}",
            "  " + self.split.summary().replace("\n", "\n  "),
        ]
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per channel: the split at ``budget`` (:meth:`BudgetSplit.to_frame`,
        needs pandas)."""
        return self.split.to_frame()

    def __repr__(self) -> str:
        return (
            f"ChannelBudgetForTarget({self.metric}={self.target:g}: budget "
            f"{self.budget:.2f} yuan, success={self.success})"
        )


def budget_for_target(
    curves: Mapping[str, ResponseCurve],
    *,
    revenue: float | None = None,
    roas: float | None = None,
    max_budget: float,
    groups: Mapping[str, Any] | None = None,
    group_shares: Mapping[str, Any] | None = None,
    bounds: Any = None,
) -> ChannelBudgetForTarget:
    """The least budget reaching a revenue target, or the largest keeping a target ROAS.

    Parameters
    ----------
    curves : mapping of str to ResponseCurve
        Channel name -> its response curve.
    revenue : float, optional
        Revenue per period to reach, yuan (> 0).
    roas : float, optional
        Revenue per yuan to keep (> 0).  Give exactly one of ``revenue`` and ``roas``.
    max_budget : float
        Search up to this budget, yuan per period (> 0).
    groups, group_shares, bounds
        As in :func:`split_budget` (group shares scale with the budget).

    Returns
    -------
    ChannelBudgetForTarget
        The budget (``budget``), the split at that budget (``split``), and whether that
        split reaches the target within every constraint (``success``).

    Raises
    ------
    InvalidInputError
        For malformed input.
    InfeasibleError
        When no budget up to ``max_budget`` reaches ``revenue``, or even the least
        spend the bounds allow returns less than ``roas``.
    """
    check_curves(curves)
    if (revenue is None) == (roas is None):
        raise InvalidInputError(
            "Give exactly one of `revenue` (a revenue to reach) and `roas` (a revenue per "
            f"yuan to keep). Got revenue={revenue!r}, roas={roas!r} instead."
        )
    top = check_scalar(max_budget, "max_budget", lower=0, lower_inclusive=False)
    channels = tuple(curves)
    problem = build_split_problem(channels, top, groups, group_shares, bounds, None)
    curve_set = CurveSet([curves[c] for c in channels])
    metric: Literal["revenue", "roas"]
    if revenue is not None:
        metric, goal = "revenue", check_scalar(revenue, "revenue", lower=0, lower_inclusive=False)
        budget = least_budget(curve_set, problem, goal, name="revenue")
    else:
        metric, goal = "roas", check_scalar(roas, "roas", lower=0, lower_inclusive=False)
        budget = largest_budget_for_roi(curve_set, problem, goal, name="roas")
    # the split as the bisection solved it: no random SLSQP starts for S-shaped curves
    split = split_budget(
        curves,
        budget,
        groups=groups,
        group_shares=group_shares,
        bounds=bounds,
        options={"n_starts": 0},
    )
    reached = split.response if metric == "revenue" else split.roi
    success = split.success and reached >= goal * (1 - _RTOL)
    if success:
        message = f"the split at this budget reaches {metric} {reached:,.6g}."
    elif not split.success:
        message = f"the split at this budget breaks a constraint: {split.message}"
    else:
        shown, wanted = apart(reached, goal)
        message = f"the split at this budget reaches {metric} {shown}, below the target {wanted}."
    return ChannelBudgetForTarget(
        metric=metric,
        target=goal,
        budget=budget,
        max_budget=top,
        split=split,
        success=success,
        status=0 if success else 3,
        message=message,
    )
