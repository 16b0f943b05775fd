"""Channel budget splitting: adstock, response curves, fitting, and group-rule splits."""

from bidopt.channels._adstock import geometric_adstock, weibull_adstock
from bidopt.channels._budget_for_target import ChannelBudgetForTarget, budget_for_target
from bidopt.channels._curves import CURVE_PARAMS, CurveKind, ResponseCurve
from bidopt.channels._fit import ResponseFit, fit_response
from bidopt.channels._problem import SplitConstraints
from bidopt.channels._result import BudgetSplit
from bidopt.channels._split import compare_splits, split_budget
from bidopt.channels._uncertainty import ChannelIntervals, CurveDraws
from bidopt.channels._window import WindowSplit, split_window

__all__ = [
    "CURVE_PARAMS",
    "BudgetSplit",
    "ChannelBudgetForTarget",
    "ChannelIntervals",
    "CurveDraws",
    "CurveKind",
    "ResponseCurve",
    "ResponseFit",
    "SplitConstraints",
    "WindowSplit",
    "budget_for_target",
    "compare_splits",
    "fit_response",
    "geometric_adstock",
    "split_budget",
    "split_window",
    "weibull_adstock",
]
