"""Splitting a budget across channels: :func:`split_budget` and :func:`compare_splits`.

Both are thin: the input checks, then :func:`bidopt.channels._solve.solve` on the
problem (:mod:`bidopt.channels._problem`), the reverse question for ``objective="roi"``
and ``min_roi`` (:mod:`bidopt.channels._target`), and the checks on the returned split
(:mod:`bidopt.channels._checks`) that set its status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

from bidopt._certificate import Certificate, ConstraintCheck, lower
from bidopt._validation import (
    check_choice,
    check_options,
    check_random_state,
    check_scalar,
    short_repr,
)
from bidopt.channels._checks import certify, kkt_report
from bidopt.channels._curves import ResponseCurve
from bidopt.channels._curveset import CurveSet
from bidopt.channels._problem import (
    SplitProblem,
    as_mapping,
    build_split_problem,
    check_curves,
    is_feasible,
    without_groups,
)
from bidopt.channels._reference import scipy_split
from bidopt.channels._result import BudgetSplit
from bidopt.channels._solve import solve
from bidopt.channels._target import largest_budget_for_roi, least_budget
from bidopt.exceptions import InfeasibleError, InvalidInputError, SolverError
from bidopt.typing import FloatArray

__all__ = ["SplitMethod", "SplitObjective", "compare_splits", "split_budget"]

SplitMethod = Literal["kkt", "slsqp", "trust-constr"]
SplitObjective = Literal["revenue", "profit", "roi"]
_OPTIONS: dict[str, dict[str, Any]] = {
    "kkt": {"xtol": 1e-12, "n_starts": 4, "rng": 0},
    "slsqp": {"n_starts": 10, "maxiter": 500, "rng": None},
    "trust-constr": {"n_starts": 10, "maxiter": 1000, "rng": None},
}


def _check_split_options(options: Mapping[str, Any] | None, method: str) -> dict[str, Any]:
    """The per-method options, merged over the defaults and each value checked."""
    opts = check_options(options, _OPTIONS[method], method=method)
    if "xtol" in opts:
        opts["xtol"] = check_scalar(opts["xtol"], "options['xtol']", lower=0, lower_inclusive=False)
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


def split_budget(
    curves: Mapping[str, ResponseCurve],
    total_budget: float,
    *,
    groups: Mapping[str, Any] | None = None,
    group_shares: Mapping[str, Any] | Any = None,
    bounds: Any = None,
    current: Mapping[str, float] | Any = None,
    objective: SplitObjective = "revenue",
    min_roi: float | None = None,
    min_revenue: float | None = None,
    method: SplitMethod = "kkt",
    options: Mapping[str, Any] | None = None,
) -> BudgetSplit:
    """Split a budget across channels to maximise the response under group rules.

    Parameters
    ----------
    curves : mapping of str to ResponseCurve
        Channel name -> its response curve (steady spend per period -> revenue).
    total_budget : float
        Yuan per period (> 0).
    groups : mapping of str to list of str, optional
        Group name -> channels, e.g. ``{"core": ["zhitongche", "diamond", "taobaoke"],
        "emerging": ["douyin", "xiaohongshu"]}``.
    group_shares : mapping of str to float or (float, float), or pandas.Series, optional
        Share of the budget per group: exact (``{"core": 0.6, "emerging": 0.4}``) or a
        range (``{"core": (0.55, 0.65)}``).
    bounds : mapping of str to (min, max), DataFrame, or float, optional
        Per channel yuan bounds (None for open), a DataFrame indexed by channel with
        columns ``min`` and ``max`` (NaN for open), or a fraction ``r``: each channel
        within ``+-r`` of its ``current`` spend.
    current : mapping of str to float, or pandas.Series, optional
        Today's spend per channel: the split is compared with it, and if ``current``
        meets every constraint the result is never worse than it.
    objective : {"revenue", "profit", "roi"}, default "revenue"
        ``revenue`` spends the whole budget; ``profit`` (revenue minus spend) may spend
        less; ``roi`` spends the least that reaches ``min_revenue`` (which it needs).
    min_roi : float, optional
        Keep revenue / spend at least this: spend is cut (and said) if needed.
    min_revenue : float, optional
        The revenue floor of ``objective="roi"``.
    method : {"kkt", "slsqp", "trust-constr"}, default "kkt"
        ``kkt``: exact water-filling for concave curves.  With S-shaped Hill curves
        (shape > 1): a branch and bound over their concave envelopes (which channels
        sit on an envelope's straight segment is decided channel by channel: off, or on
        the concave part of its curve), seeded by SLSQP (from the envelope's split and
        ``n_starts`` random starts) and polished by SLSQP, so never below the best of
        those starts; the message gives the gap to the envelope bound.
        ``slsqp`` / ``trust-constr``: :func:`scipy.optimize.minimize` references with
        several random starts (options ``n_starts``, ``maxiter``, ``rng``).  Every
        method's answer has its KKT conditions checked (``status`` 0 when they hold)
        and its constraints certified (``certificate``, ``success``).
    options : mapping, optional
        Per-method options; ``kkt`` takes ``xtol`` (> 0), and for S-shaped curves
        ``n_starts`` (>= 0, default 4) and ``rng`` (default 0) of its SLSQP starts.

    Returns
    -------
    BudgetSplit
        ``success`` is True only when the certificate (budget, channel bounds, group
        shares, ``min_revenue``, ``min_roi``, checked on the returned spend to a
        relative 1e-9) holds; else ``status`` 3 and a message naming what fails and by
        how much.

    Raises
    ------
    InvalidInputError
        For malformed input (unknown channels, shares outside [0, 1], NaN bounds, a
        channel listed twice, non-numeric options, ...): the message names the
        parameter, its contract and the value received.
    InfeasibleError
        When the constraints cannot hold together; the message names them and the
        amounts.

    Examples
    --------
    >>> from bidopt.channels import ResponseCurve, split_budget
    >>> curves = {
    ...     "a": ResponseCurve(kind="exponential", params={"ceiling": 100.0, "scale": 50.0}),
    ...     "b": ResponseCurve(kind="hill", params={"ceiling": 90.0, "half": 30.0, "shape": 2.5}),
    ... }
    >>> split = split_budget(curves, 60.0, groups={"g": ["a"]}, group_shares={"g": (0.2, 0.7)})
    >>> split.success, split.status, split.certificate.holds
    (True, 0, True)
    >>> print(split.certificate.summary().splitlines()[0])
    Certificate: every constraint holds
    """
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
    bounds, current = as_mapping(bounds, "bounds"), as_mapping(current, "current")
    current_arr = None
    if current is not None:
        missing = [c for c in channels if c not in current]
        if missing:
            raise InvalidInputError(
                f"`current` must give a spend for every channel of `curves`. Got none for "
                f"{missing} instead."
            )
        current_arr = np.array(
            [check_scalar(current[c], f"current[{c!r}]", lower=0) for c in channels]
        )
    problem = build_split_problem(channels, budget, groups, group_shares, bounds, current_arr)
    full = goal == "revenue"
    if full and problem.group_upper.sum() < budget * (1 - 1e-12):
        raise InfeasibleError(
            "`total_budget` must fit within the channel and group maximums, which add to "
            f"{problem.group_upper.sum():,.2f} yuan (the bounds cannot hold more). Got "
            f"{budget:,.2f} yuan instead.",
            {"budget": budget - float(problem.group_upper.sum())},
        )
    curve_set = CurveSet([curves[c] for c in channels])
    offset = 1.0 if goal == "profit" else 0.0
    note = ""
    if goal == "roi":
        if min_revenue is None:
            raise InvalidInputError(
                "`min_revenue` must be a number > 0 with objective='roi' (the least spend "
                "reaching it), which needs it. Got None instead."
            )
        target_revenue = check_scalar(min_revenue, "min_revenue", lower=0, lower_inclusive=False)
        spend_needed = least_budget(curve_set, problem, target_revenue, opts)
        problem = _with_budget(problem, spend_needed, groups, group_shares, bounds, current_arr)
        full = True
        note = f" Least spend reaching revenue {target_revenue:,.0f}: {spend_needed:,.2f} yuan."
    # the split without the group rules, for the rule's cost: kkt may find it on the way
    want_free = bool(groups and group_shares)
    solved = solve(curve_set, problem, offset, full, name, opts, None, want_free)
    x, shadow, nit, message, free_x = (
        solved.x,
        solved.shadow,
        solved.nit,
        solved.message,
        solved.free_x,
    )
    cut = False  # whether min_roi cut the spend below the budget
    if min_roi is not None:
        floor = check_scalar(min_roi, "min_roi", lower=0, lower_inclusive=False)
        value = float(curve_set.value(x).sum())
        if value < floor * x.sum() * (1 - 1e-12):
            cut_to = largest_budget_for_roi(curve_set, problem, floor, opts)
            problem = _with_budget(problem, cut_to, groups, group_shares, bounds, current_arr)
            solved = solve(curve_set, problem, offset, True, name, opts)
            x, shadow, nit, message = solved.x, solved.shadow, solved.nit, solved.message
            free_x = None  # (it was for the old budget)
            note += f" Spends {cut_to:,.2f} of {budget:,.2f} yuan to keep ROI >= {floor:g}."
            cut = True
    status, success = 0, True
    current_response = None
    if current_arr is not None:
        current_response = float(curve_set.value(current_arr).sum())
        feasible = is_feasible(problem, current_arr, full)
        mine = curve_set.objective(x, offset)
        theirs = current_response - offset * float(current_arr.sum())
        if feasible and theirs > mine + 1e-9 * max(abs(theirs), 1.0):
            x = current_arr.copy()
            message = (
                "The optimiser did not beat the current spend, which meets every "
                "constraint; returning the current spend."
            )
            status = 1
    unconstrained = None
    if want_free:
        if free_x is not None:
            y = free_x
        else:
            y = solve(curve_set, without_groups(problem), offset, full, name, opts, start=x).x
        unconstrained = float(curve_set.value(y).sum())
    if offset > 0 and x.sum() < budget * (1 - 1e-9):
        note += f" Spends {x.sum():,.2f} of {budget:,.2f} yuan: more would lose profit."
    spend_g = np.asarray(
        np.bincount(problem.group_of, weights=x, minlength=len(problem.group_names)),
        dtype=np.float64,
    )
    response, marginal = curve_set.value_and_derivative(x)
    at_bound = (x <= problem.lower + 1e-9) | (x >= problem.upper - 1e-9)
    if name == "kkt" and "budget" in shadow and at_bound.any():
        for i in np.flatnonzero(at_bound).tolist():
            group = problem.group_names[problem.group_of[i]]
            level = shadow["budget"] + shadow.get(f"group:{group}", 0.0)
            price = float(marginal[i]) - offset - level
            if abs(price) > 1e-9:
                shadow[f"bound:{channels[i]}"] = price
    report = kkt_report(curve_set, problem, x, offset, full)
    if name == "kkt" and not report.holds and status == 0:
        # the water-filling missed (e.g. a group held above what is profitable, whose
        # level lies below the offset): SLSQP from its split, and random starts
        try:
            slsqp = {"n_starts": opts["n_starts"], "maxiter": 500, "rng": opts["rng"]}
            y, n_more, _ = scipy_split(curve_set, problem, offset, full, "slsqp", slsqp, [x], 1e-14)
            nit += n_more
            gain = curve_set.objective(y, offset) - curve_set.objective(x, offset)
            if gain > 0:
                x, shadow = y, {}
                message += f" The KKT check failed on it; SLSQP from it added {gain:.6g}."
                response, marginal = curve_set.value_and_derivative(x)
                spend_g = np.asarray(
                    np.bincount(problem.group_of, weights=x, minlength=spend_g.size),
                    dtype=np.float64,
                )
                report = kkt_report(curve_set, problem, x, offset, full)
        except SolverError:
            pass
    if report.holds:
        if not shadow:
            shadow = dict(report.shadow)
        message += " KKT conditions hold on the returned split (checked)."
    else:
        status = 2 if status == 0 else status
        message += (
            f" The KKT conditions do not hold on the returned split: {report.message}; "
            "it is the best split found, not a proven optimum."
        )
    targets: list[ConstraintCheck] = []
    total_response = float(response.sum())
    if goal == "roi":
        targets.append(
            lower("min_revenue", total_response, target_revenue, scale=total_response, unit="yuan")
        )
    if min_roi is not None:
        targets.append(
            lower(
                "min_roi",
                total_response,
                floor * float(x.sum()),
                scale=total_response,
                unit="yuan of revenue",
            )
        )
    certificate = certify(problem, x, budget, goal == "revenue" and not cut)
    certificate = Certificate.of([*certificate.checks, *targets])
    if not certificate.holds:
        success, status = False, 3
        message = (
            certificate.message()
            + " Check the constraints (or try another method=). Solver: "
            + message
        )
    return BudgetSplit(
        channels=channels,
        spend=x,
        channel_response=response,
        marginal_roi=marginal,
        total_budget=budget,
        objective=goal,
        group_names=problem.group_names,
        group_spend=spend_g,
        shadow_prices=shadow,
        current_spend=current_arr,
        current_response=current_response,
        unconstrained_response=unconstrained,
        success=success,
        status=status,
        message=message + note,
        method=name,
        nit=nit,
        certificate=certificate,
    )


def _with_budget(
    problem: SplitProblem,
    budget: float,
    groups: Any,
    group_shares: Any,
    bounds: Any,
    current: FloatArray | None,
) -> SplitProblem:
    return build_split_problem(problem.channels, budget, groups, group_shares, bounds, current)


def compare_splits(
    curves: Mapping[str, ResponseCurve],
    total_budget: float,
    *,
    groups: Mapping[str, Any],
    scenarios: Mapping[str, Mapping[str, Any]],
    current: Mapping[str, float] | Any = None,
    bounds: Any = None,
    method: SplitMethod = "kkt",
    options: Mapping[str, Any] | None = None,
) -> dict[str, BudgetSplit]:
    """The same budget split under several group rules, next to today's and the optimum.

    Parameters
    ----------
    curves, total_budget, groups, bounds, method, options
        As in :func:`split_budget`.
    scenarios : mapping of str to group shares
        Name -> ``group_shares``, e.g. ``{"60/40 rule": {"core": 0.6, "emerging": 0.4},
        "core 55-65%": {"core": (0.55, 0.65)}}``.
    current : mapping of str to float, optional
        Today's spend; it becomes the ``"current"`` entry (it must spend the budget).

    Returns
    -------
    dict of str to BudgetSplit
        ``"current"`` (if given), every scenario, and ``"optimal"`` (no group rule);
        each scenario's ``rule_cost`` is its revenue gap to the optimum.
    """
    out: dict[str, BudgetSplit] = {}
    if not isinstance(scenarios, Mapping) or not all(
        isinstance(v, Mapping) or hasattr(v, "to_dict") for v in scenarios.values()
    ):
        raise InvalidInputError(
            "`scenarios` must be a mapping of scenario name -> group shares (a mapping of "
            f"group -> share). Got {short_repr(scenarios)} instead."
        )
    current = as_mapping(current, "current")
    if current is not None:
        out["current"] = split_budget(
            curves,
            total_budget,
            current=current,
            method=method,
            options=options,
            bounds={c: (x, x) for c, x in current.items()},
        )
    for name, shares in scenarios.items():
        out[name] = split_budget(
            curves,
            total_budget,
            groups=groups,
            group_shares=shares,
            current=current,
            bounds=bounds,
            method=method,
            options=options,
        )
    out["optimal"] = split_budget(
        curves, total_budget, current=current, bounds=bounds, method=method, options=options
    )
    return out
