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
    short_repr,
)
from bidopt.channels._checks import certify, kkt_report
from bidopt.channels._curves import ResponseCurve
from bidopt.channels._problem import (
    SplitProblem,
    as_mapping,
    is_feasible,
    without_groups,
)
from bidopt.channels._reference import scipy_split
from bidopt.channels._request import Request, check_request, with_budget
from bidopt.channels._result import BudgetSplit
from bidopt.channels._solve import Solved, solve
from bidopt.channels._target import largest_budget_for_roi, least_budget
from bidopt.exceptions import InvalidInputError, SolverError
from bidopt.typing import FloatArray

__all__ = ["SplitMethod", "SplitObjective", "compare_splits", "split_budget"]

SplitMethod = Literal["kkt", "slsqp", "trust-constr"]
SplitObjective = Literal["revenue", "profit", "roi"]


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
        Per-method options (an unknown one raises); ``kkt`` takes, for S-shaped curves,
        ``n_starts`` (>= 0, default 4) and ``rng`` (default 0) of its SLSQP starts (its
        root finders stop at 1e-10 of the budget and the sums are then made exact).

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
    req = check_request(
        curves,
        total_budget,
        groups,
        group_shares,
        bounds,
        current,
        objective,
        min_roi,
        min_revenue,
        method,
        options,
    )
    curve_set, offset, budget = req.curves, req.offset, req.budget
    solved, problem, full, cut, note = _solve_goal(req)
    x, shadow, nit, message = solved.x, solved.shadow, solved.nit, solved.message
    status = 0
    current_response = None
    if req.current is not None:
        current_response = float(curve_set.value(req.current).sum())
        theirs = current_response - offset * float(req.current.sum())
        if is_feasible(problem, req.current, full) and theirs > curve_set.objective(
            x, offset
        ) + 1e-9 * max(abs(theirs), 1.0):
            x = req.current.copy()
            message = (
                "The optimiser did not beat the current spend, which meets every "
                "constraint; returning the current spend."
            )
            status = 1
    unconstrained = None
    if req.want_free:
        y = solved.free_x
        if y is None:
            y = solve(curve_set, without_groups(problem), offset, full, req.method, req.opts, x).x
        unconstrained = float(curve_set.value(y).sum())
    if offset > 0 and x.sum() < budget * (1 - 1e-9):
        note += f" Spends {x.sum():,.2f} of {budget:,.2f} yuan: more would lose profit."
    if req.method == "kkt" and "budget" in shadow:
        marginal = curve_set.value_and_derivative(x)[1]
        _add_bound_prices(shadow, problem, x, marginal, offset)
    report = kkt_report(curve_set, problem, x, offset, full)
    if req.method == "kkt" and not report.holds and status == 0:
        # the water-filling missed (e.g. a group held above what is profitable, whose
        # level lies below the offset): SLSQP from its split, and random starts
        found = _slsqp_from(req, problem, full, x)
        if found is not None:
            y, n_more = found
            nit += n_more
            gain = curve_set.objective(y, offset) - curve_set.objective(x, offset)
            if gain > 0:
                x, shadow = y, {}
                message += f" The KKT check failed on it; SLSQP from it added {gain:.6g}."
                report = kkt_report(curve_set, problem, x, offset, full)
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
    response, marginal = curve_set.value_and_derivative(x)
    certificate = _certificate(req, problem, x, float(response.sum()), cut)
    success = certificate.holds
    if not success:
        status = 3
        message = (
            certificate.message()
            + " Check the constraints (or try another method=). Solver: "
            + message
        )
    return BudgetSplit(
        channels=req.channels,
        spend=x,
        channel_response=response,
        marginal_roi=marginal,
        total_budget=budget,
        objective=req.goal,
        group_names=problem.group_names,
        group_spend=np.asarray(
            np.bincount(problem.group_of, weights=x, minlength=len(problem.group_names)),
            dtype=np.float64,
        ),
        shadow_prices=shadow,
        current_spend=req.current,
        current_response=current_response,
        unconstrained_response=unconstrained,
        success=success,
        status=status,
        message=message + note,
        method=req.method,
        nit=nit,
        certificate=certificate,
    )


def _solve_goal(req: Request) -> tuple[Solved, SplitProblem, bool, bool, str]:
    """Solve the request's objective: for ``roi`` first the least budget reaching
    ``min_revenue``; with ``min_roi``, the split cut to the largest budget keeping it
    when the full one does not.  Returns the solve, the problem solved, whether it
    spends the budget exactly, whether ``min_roi`` cut it, and a note for the message."""
    problem, full, note = req.problem, req.full, ""
    if req.min_revenue is not None:  # objective="roi"
        spend_needed = least_budget(req.curves, problem, req.min_revenue)
        problem = with_budget(req, spend_needed)
        full = True
        note = f" Least spend reaching revenue {req.min_revenue:,.0f}: {spend_needed:,.2f} yuan."
    # the split without the group rules, for the rule's cost: kkt may find it on the way
    solved = solve(req.curves, problem, req.offset, full, req.method, req.opts, None, req.want_free)
    cut = False  # whether min_roi cut the spend below the budget
    if req.min_roi is not None:
        x = solved.x
        if float(req.curves.value(x).sum()) < req.min_roi * x.sum() * (1 - 1e-12):
            cut_to = largest_budget_for_roi(req.curves, problem, req.min_roi)
            problem = with_budget(req, cut_to)
            # (the split without the rules is then solved again, for the new budget)
            solved = solve(req.curves, problem, req.offset, True, req.method, req.opts)
            note += (
                f" Spends {cut_to:,.2f} of {req.budget:,.2f} yuan to keep ROI >= {req.min_roi:g}."
            )
            cut = True
    return solved, problem, full, cut, note


def _add_bound_prices(
    shadow: dict[str, float],
    problem: SplitProblem,
    x: FloatArray,
    marginal: FloatArray,
    offset: float,
) -> None:
    """Add the shadow price of each channel held at a bound (``bound:<channel>``): its
    marginal return less its group's level, where that is not 0."""
    at_bound = (x <= problem.lower + 1e-9) | (x >= problem.upper - 1e-9)
    for i in np.flatnonzero(at_bound).tolist():
        group = problem.group_names[problem.group_of[i]]
        level = shadow["budget"] + shadow.get(f"group:{group}", 0.0)
        price = float(marginal[i]) - offset - level
        if abs(price) > 1e-9:
            shadow[f"bound:{problem.channels[i]}"] = price


def _slsqp_from(
    req: Request, problem: SplitProblem, full: bool, x: FloatArray
) -> tuple[FloatArray, int] | None:
    """SLSQP from ``x`` and the request's random starts: its best split and its
    iterations, or None when it found no feasible split."""
    slsqp = {"n_starts": req.opts["n_starts"], "maxiter": 500, "rng": req.opts["rng"]}
    try:
        y, n_more, _ = scipy_split(
            req.curves, problem, req.offset, full, "slsqp", slsqp, [x], 1e-14
        )
    except SolverError:
        return None
    return y, n_more


def _certificate(
    req: Request, problem: SplitProblem, x: FloatArray, response: float, cut: bool
) -> Certificate:
    """Every constraint checked on ``x`` (:func:`certify`), with the revenue targets
    (``min_revenue``, ``min_roi``) the request set."""
    targets: list[ConstraintCheck] = []
    if req.min_revenue is not None:
        targets.append(lower("min_revenue", response, req.min_revenue, scale=response, unit="yuan"))
    if req.min_roi is not None:
        floor = req.min_roi * float(x.sum())
        targets.append(lower("min_roi", response, floor, scale=response, unit="yuan of revenue"))
    certificate = certify(problem, x, req.budget, req.goal == "revenue" and not cut)
    return Certificate.of([*certificate.checks, *targets])


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
