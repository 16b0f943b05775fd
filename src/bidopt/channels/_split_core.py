"""One checked split request solved into a :class:`BudgetSplit`: the solve, the
comparison with the current spend, the KKT check and the certificate.  Shared by
:func:`bidopt.channels.split_budget` on curves and on a fit's draws."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from bidopt._certificate import Certificate, ConstraintCheck, lower
from bidopt.channels._checks import certify, kkt_report
from bidopt.channels._problem import SplitProblem, is_feasible, without_groups
from bidopt.channels._reference import scipy_split
from bidopt.channels._request import Request, with_budget
from bidopt.channels._result import BudgetSplit
from bidopt.channels._solve import Solved, solve
from bidopt.channels._target import largest_budget_for_roi, least_budget
from bidopt.exceptions import SolverError
from bidopt.typing import FloatArray

__all__ = ["at_spend", "solve_request"]


def solve_request(req: Request) -> BudgetSplit:
    """The split of a checked request (see :func:`bidopt.channels.split_budget`)."""
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


def at_spend(
    req: Request, split: BudgetSplit, x: FloatArray, status: int, message: str
) -> BudgetSplit:
    """``split`` moved to spend ``x`` (a point the caller chose, e.g. the safe default's
    step): its response, certificate (every constraint of ``req``) and status; with
    ``status`` 0 the KKT conditions of ``req`` are checked on ``x`` (4 when they do not
    hold: a point short of the optimum by choice)."""
    shadow: dict[str, float] = {}
    if status == 0:
        report = kkt_report(req.curves, req.problem, x, req.offset, req.full)
        if report.holds:
            shadow = dict(report.shadow)
            message += " KKT conditions hold on the returned split (checked)."
        else:
            status = 4
    response, marginal = req.curves.value_and_derivative(x)
    cut = req.min_roi is not None and float(x.sum()) < req.budget * (1 - 1e-9)
    certificate = _certificate(req, req.problem, x, float(response.sum()), cut)
    if not certificate.holds:
        status = 3
        message = certificate.message() + " " + message
    problem = req.problem
    return replace(
        split,
        spend=x,
        channel_response=response,
        marginal_roi=marginal,
        group_spend=np.asarray(
            np.bincount(problem.group_of, weights=x, minlength=len(problem.group_names)),
            dtype=np.float64,
        ),
        shadow_prices=shadow,
        current_spend=req.current,
        success=certificate.holds,
        status=status,
        message=message,
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
