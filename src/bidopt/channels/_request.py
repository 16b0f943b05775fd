"""The inputs of :func:`split_budget`, checked and normalised into a :class:`Request`
(the one validation step, :func:`check_request`), and its per-method options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from bidopt._validation import (
    check_choice,
    check_options,
    check_random_state,
    check_scalar,
    short_repr,
)
from bidopt.channels._curveset import CurveSet
from bidopt.channels._problem import (
    SplitProblem,
    as_mapping,
    build_split_problem,
    check_curves,
    check_fills,
)
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray

__all__ = ["OPTIONS", "Request", "check_current", "check_request", "with_budget"]

OPTIONS: dict[str, dict[str, Any]] = {
    "kkt": {"n_starts": 4, "rng": 0},
    "slsqp": {"n_starts": 10, "maxiter": 500, "rng": None},
    "trust-constr": {"n_starts": 10, "maxiter": 1000, "rng": None},
}


def _check_split_options(options: Mapping[str, Any] | None, method: str) -> dict[str, Any]:
    """The per-method options, merged over the defaults and each value checked."""
    opts = check_options(options, OPTIONS[method], method=method)
    if "n_starts" in opts:
        least = 0 if method == "kkt" else 1
        opts["n_starts"] = check_scalar(
            opts["n_starts"], "options['n_starts']", lower=least, integer=True
        )
    if "maxiter" in opts:
        opts["maxiter"] = check_scalar(opts["maxiter"], "options['maxiter']", lower=1, integer=True)
    rng = opts.get("rng")
    plain_seed = isinstance(rng, int) and not isinstance(rng, bool) and rng >= 0
    if "rng" in opts and not (rng is None or plain_seed):
        try:
            check_random_state(opts["rng"])
        except InvalidInputError:
            raise InvalidInputError(
                "`options['rng']` must be a non-negative int seed, a numpy.random.Generator, "
                f"a numpy.random.SeedSequence or None. Got {short_repr(opts['rng'])} instead."
            ) from None
    return opts


@dataclass(frozen=True, slots=True, eq=False)
class Request:
    """The inputs of :func:`split_budget`, checked and normalised (:func:`check_request`)."""

    channels: tuple[str, ...]
    budget: float
    method: str
    goal: str
    opts: dict[str, Any]
    groups: Any
    group_shares: Any
    bounds: Any
    current: FloatArray | None
    min_revenue: float | None
    min_roi: float | None
    curves: CurveSet
    problem: SplitProblem
    offset: float  # 1 for profit (revenue less spend), else 0
    full: bool  # the whole budget must be spent
    want_free: bool  # the split without the group rules is wanted (the rules' cost)


def check_request(
    curves: Any,
    total_budget: Any,
    groups: Any,
    group_shares: Any,
    bounds: Any,
    current: Any,
    objective: Any,
    min_roi: Any,
    min_revenue: Any,
    method: Any,
    options: Any,
    curve_set: CurveSet | None = None,
) -> Request:
    """Check and normalise the inputs of :func:`split_budget`; build its problem (on
    ``curve_set`` in place of the curves' own when given: a fit's draws)."""
    check_curves(curves)
    budget = check_scalar(total_budget, "total_budget", lower=0, lower_inclusive=False)
    name = check_choice(method, "method", ("kkt", "slsqp", "trust-constr"))
    goal = check_choice(objective, "objective", ("revenue", "profit", "roi"))
    opts = _check_split_options(options, name)
    if min_revenue is not None and goal != "roi":
        raise InvalidInputError(
            "`min_revenue` is the revenue floor of objective='roi' (the least spend "
            f"reaching it); with objective={goal!r} it would be ignored. Got "
            f"min_revenue={short_repr(min_revenue)} with objective={goal!r}: drop it or "
            "pass objective='roi'."
        )
    channels = tuple(map(str, curves))
    # tables (pandas Series and DataFrames) as plain mappings, once, at the boundary
    groups, group_shares = as_mapping(groups, "groups"), as_mapping(group_shares, "group_shares")
    bounds = as_mapping(bounds, "bounds")
    current_arr = check_current(current, channels)
    problem = build_split_problem(channels, budget, groups, group_shares, bounds, current_arr)
    full = goal == "revenue"
    if full:
        check_fills(problem)
    target_revenue = None
    if goal == "roi":
        if min_revenue is None:
            raise InvalidInputError(
                "`min_revenue` must be a number > 0 with objective='roi' (the least spend "
                "reaching it), which needs it. Got None instead."
            )
        target_revenue = check_scalar(min_revenue, "min_revenue", lower=0, lower_inclusive=False)
    floor = None
    if min_roi is not None:
        floor = check_scalar(min_roi, "min_roi", lower=0, lower_inclusive=False)
    return Request(
        channels=channels,
        budget=budget,
        method=name,
        goal=goal,
        opts=opts,
        groups=groups,
        group_shares=group_shares,
        bounds=bounds,
        current=current_arr,
        min_revenue=target_revenue,
        min_roi=floor,
        curves=curve_set or CurveSet([curves[c] for c in channels]),
        problem=problem,
        offset=1.0 if goal == "profit" else 0.0,
        full=full,
        want_free=bool(groups and group_shares),
    )


def check_current(current: Any, channels: tuple[str, ...]) -> FloatArray | None:
    """Today's spend per channel ``current`` (a mapping, or a pandas Series) as an array
    in the order of ``channels`` (yuan, shape (n,)), None when not given: every channel,
    no other, each finite and >= 0 (:func:`split_budget` and :func:`split_window`)."""
    current = as_mapping(current, "current")
    if current is None:
        return None
    missing = [c for c in channels if c not in current]
    if missing:
        raise InvalidInputError(
            f"`current` must give a spend for every channel of `curves`. Got none for "
            f"{missing} instead."
        )
    unknown = [c for c in current if str(c) not in channels]
    if unknown:  # its spend would silently leave today's split and its total
        raise InvalidInputError(
            f"`current` must name only channels of `curves` ({list(channels)}). Got "
            f"{unknown} as well instead: drop them, or add their curves."
        )
    return np.array([check_scalar(current[c], f"current[{c!r}]", lower=0) for c in channels])


def with_budget(req: Request, budget: float) -> SplitProblem:
    """The request's problem at another budget (group shares scale with it)."""
    return build_split_problem(
        req.channels, budget, req.groups, req.group_shares, req.bounds, req.current
    )
