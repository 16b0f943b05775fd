"""A budget split over a fit's curve draws (:func:`bidopt.channels.split_budget` given a
:class:`ResponseFit`): expected response or CVaR, with the extrapolation guard."""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

import numpy as np

from bidopt._validation import check_scalar, short_repr
from bidopt.channels._checks import on_bounds
from bidopt.channels._drawset import ExpectedCurveSet
from bidopt.channels._fit_result import ResponseFit
from bidopt.channels._problem import SplitProblem, restrict
from bidopt.channels._request import check_request
from bidopt.channels._result import BudgetSplit, signed_pair
from bidopt.channels._split_core import at_spend, solve_request
from bidopt.channels._split_risk import cvar_split
from bidopt.channels._split_safe import (
    CONFIDENCE,
    GAIN_QUANTILE,
    RULES,
    SafeStep,
    below_today,
    choose_step,
    gain_stats,
    objective_draws,
    outside,
    today_start,
    trust_radius,
)
from bidopt.channels._tails import tails, warn_tail
from bidopt.exceptions import IdentifiabilityWarning, InfeasibleError, InvalidInputError
from bidopt.typing import FloatArray, IntArray

__all__ = ["split_fit"]

#: A group code per channel and a limit per group (yuan): the sums of the channels'
#: guarded ends are taken per group and held at least (floors) or at most (caps) at it.
Groups = tuple[IntArray, FloatArray]


def _clip_sum(
    scale: float,
    guard: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    groups: Groups | None = None,
    floors: bool = True,
) -> float:
    """The sum of ``scale * guard`` clipped to each channel's own bounds; with
    ``groups``, each group's part at least (``floors``) or at most its limit."""
    with np.errstate(over="ignore"):  # a huge factor: clipped to ``hi`` below
        v = np.clip(np.where(guard > 0, scale * guard, 0.0), lo, hi)
    if groups is None:
        return float(v.sum())
    group_of, limit = groups
    per = np.bincount(group_of, weights=v, minlength=limit.size)
    return float((np.maximum(per, limit) if floors else np.minimum(per, limit)).sum())


def _floor_factor(
    floor: FloatArray, lo: FloatArray, hi: FloatArray, limit: float, groups: Groups | None = None
) -> float:
    """The largest factor in [0, 1] by which the guard's floors (clipped to the user's
    bounds ``lo``..``hi``; with ``groups``, each group's at least its smallest spend)
    add to at most ``limit`` less 1e-6 of it (at least the user's own minimums)."""
    target = max(limit * (1 - 1e-6), _clip_sum(0.0, floor, lo, hi, groups))
    if _clip_sum(1.0, floor, lo, hi, groups) <= target:
        return 1.0
    a, b = 0.0, 1.0
    for _ in range(60):
        mid = 0.5 * (a + b)
        a, b = (mid, b) if _clip_sum(mid, floor, lo, hi, groups) <= target else (a, mid)
    return a


def _cap_factor(
    cap: FloatArray, lo: FloatArray, hi: FloatArray, limit: float, groups: Groups | None = None
) -> float:
    """The smallest factor >= 1 by which the guard's caps (clipped to the user's
    bounds; with ``groups``, each group's at most its largest spend) add to at least
    ``limit`` plus 1e-6 of it (at most the user's own maximums)."""
    spent = cap > 0  # a channel never seen spending keeps its cap of 0 at any factor
    top = float(np.max(hi[spent] / cap[spent], initial=1.0))
    target = min(limit * (1 + 1e-6), _clip_sum(top, cap, lo, hi, groups, False))
    if _clip_sum(1.0, cap, lo, hi, groups, False) >= target:
        return 1.0
    a, b = 0.0, float(np.log(max(top, 1.0)))
    for _ in range(60):
        mid = 0.5 * (a + b)
        fits = _clip_sum(float(np.exp(mid)), cap, lo, hi, groups, False) >= target
        a, b = (a, mid) if fits else (mid, b)
    return float(np.exp(b))


def _guarded_bounds(
    problem: SplitProblem, fit: ResponseFit, multiple: float
) -> tuple[dict[str, tuple[float, float]], dict[str, float], str]:
    """The user's channel bounds (``problem``, already checked) cut to each channel's
    observed range widened by ``multiple``: at most ``multiple`` times its largest spend
    seen, at least its smallest over ``multiple``.  Returns the bounds (yuan), the caps
    that bind (yuan, the channels the guard holds below the user's maximum) and a note.

    The guard always gives way to the user's constraints: a channel whose own bounds
    lie outside its guarded range is held at the end of them nearest to it (and the
    note says so); the floors of a group with a share rule are lowered together by one
    factor when they add to more than its largest share allows (its caps raised
    together when they add to less than its smallest share), then all floors (caps)
    when they, with each group's smallest (largest) share, add to more (less) than the
    budget."""
    assert fit.max_spend is not None
    assert fit.min_spend is not None
    channels, lo, hi = problem.channels, problem.lower, problem.upper
    floor = np.array([fit.min_spend[c] / multiple for c in channels])
    cap = np.array([multiple * fit.max_spend[c] for c in channels])
    notes: list[str] = []
    overridden = [
        f"{c} (max {hi[j]:,.2f} < floor {floor[j]:,.2f})"
        if hi[j] < floor[j]
        else f"{c} (min {lo[j]:,.2f} > cap {cap[j]:,.2f})"
        for j, c in enumerate(channels)
        if (hi[j] < floor[j] and hi[j] < problem.budget) or lo[j] > cap[j]
    ]
    if overridden:
        notes.append(
            "Your bounds lie outside the extrapolation guard's range for "
            f"{', '.join(overridden)} (yuan): they win, the channel is held at the end of "
            "them nearest to the data."
        )
    for k in np.flatnonzero(problem.shared).tolist():
        members = problem.group_of == k
        name = problem.group_names[k]
        down = _floor_factor(floor[members], lo[members], hi[members], problem.group_upper[k])
        up = _cap_factor(cap[members], lo[members], hi[members], problem.group_lower[k])
        if down < 1:
            floor[members] *= down
            notes.append(
                f"The smallest spends seen in group {name!r} add to more than its share rule "
                f"allows: its lower guard gives way to the rule (lowered to {down:.3g} times)."
            )
        if up > 1:
            cap[members] *= up
            notes.append(
                f"The largest spends seen in group {name!r} add to less than its share rule "
                f"needs: its upper guard gives way to the rule (raised to {up:.3g} times)."
            )
    up = _cap_factor(cap, lo, hi, problem.budget, (problem.group_of, problem.group_upper))
    if up > 1:
        cap *= up
        notes.append(
            f"The budget is above {multiple:g} times the largest spends seen together: "
            f"the guard is raised to {multiple * up:.3g} times them."
        )
    down = _floor_factor(floor, lo, hi, problem.budget, (problem.group_of, problem.group_lower))
    if down < 1:
        floor *= down
        notes.append(
            "The budget is below the smallest spends seen together (with the groups' "
            "minimum shares): the lower guard is lowered."
        )
    bottom, top = np.clip(floor, lo, hi), np.clip(cap, lo, hi)
    out = {c: (float(bottom[j]), float(top[j])) for j, c in enumerate(channels)}
    binding = {c: float(cap[j]) for j, c in enumerate(channels) if lo[j] <= cap[j] < hi[j]}
    return out, binding, "".join(" " + n for n in notes)


def split_fit(
    fit: ResponseFit,
    total_budget: float,
    *,
    extrapolation: float | None,
    risk: float | None,
    safe: bool = True,
    **kwargs: Any,
) -> BudgetSplit:
    """See :func:`bidopt.channels.split_budget` (``curves`` a fit)."""
    if fit.draws is None or fit.max_spend is None:
        raise InvalidInputError(
            "`curves` must be a ResponseFit with draws to split over them (fit with "
            "options={'n_draws': >= 2}). Got a fit without draws instead."
        )
    draws = fit.draws
    channels = draws.channels
    curve_list = draws.curve_list()
    n = len(channels)
    expected = ExpectedCurveSet(curve_list, n)
    method = kwargs.get("method", "kkt")
    note = ""
    if expected.nonconcave and method == "kkt":
        kwargs["method"] = "slsqp"
        # seeded as kkt's own starts are (rng 0 unless given): slsqp's default is unseeded
        kwargs["options"] = {"rng": 0, **dict(kwargs.get("options") or {})}
        note += " Some curve draws are S-shaped: SLSQP on the expected response."
    budget = check_scalar(total_budget, "total_budget", lower=0, lower_inclusive=False)
    if not isinstance(safe, bool | np.bool_):
        raise InvalidInputError(f"`safe` must be True or False. Got {short_repr(safe)} instead.")
    cap: dict[str, float] = {}
    multiple = None
    if extrapolation is not None:
        multiple = check_scalar(extrapolation, "extrapolation", lower=1)
    level = None
    if risk is not None:
        level = check_scalar(risk, "risk", lower=0, upper=1, lower_inclusive=False)
    if level is not None and level < 1 and kwargs.get("min_roi") is not None:
        raise InvalidInputError(
            "`risk` must be None (or 1) with `min_roi`: min_roi is kept on the mean "
            "response over the draws, which a CVaR split does not maximise, so it could "
            f"not hold it. Got risk={level:g} and min_roi={short_repr(kwargs['min_roi'])} "
            "instead: drop one of them."
        )
    # the user's own constraints, checked as for plain curves (and certified below)
    user = check_request(fit.curves, budget, curve_set=expected, **_request_args(kwargs))
    req, within = user, None
    if multiple is not None:
        bounds, cap, more = _guarded_bounds(user.problem, fit, multiple)
        try:
            req = check_request(
                fit.curves,
                budget,
                curve_set=expected,
                **_request_args(kwargs | {"bounds": bounds}),
            )
            note += more
            within = req.problem
        except InfeasibleError:  # pragma: no cover - the guard is moved to fit them
            cap = {}  # (the user's own constraints hold: checked above)
            note += (
                f" The extrapolation guard ({multiple:g} x the spends seen) is lifted: the "
                "bounds and group rules cannot hold together within it."
            )
    today, start, why_not = None, None, ""
    if safe:
        today, start, why_not = today_start(fit, req)
        if today is not None:
            req = replace(req, current=today)
    radius = None
    solve_on = req
    if start is not None:
        radius = trust_radius(draws, start)
        box = restrict(
            req.problem,
            np.maximum(req.problem.lower, start * np.exp(-radius)),
            np.minimum(req.problem.upper, start * np.exp(radius)),
        )
        solve_on = replace(req, problem=box)
    try:
        split, risk_name, more = _solve_risk(solve_on, expected, level)
    except InfeasibleError:  # min_roi out of reach within the trust region
        if start is None:
            raise
        start = radius = None
        why_not += (
            " Safe default: not applied: min_roi cannot hold within the trust region "
            "around today's split; the split is the best over the draws that keeps it."
        )
        split, risk_name, more = _solve_risk(req, expected, level)
    note += more
    safe_note = why_not
    step: float | None = None
    if today is not None and start is not None and radius is not None and split.success:
        chosen = choose_step(expected, start, split.spend, req.offset)
        step = chosen.step
        reasons = outside(user.problem, within, today, req.full)[0]
        split = _safe_result(req, expected, split, chosen, radius, solve_on.problem, start, reasons)
    x = split.spend
    value, slope = expected.value_and_derivative(x)
    guarded = tuple(
        c for j, c in enumerate(channels) if c in cap and x[j] >= cap[c] * (1 - 1e-7) and x[j] > 0
    )
    beyond = [
        c
        for j, c in enumerate(channels)
        if x[j] > fit.max_spend[c] * (1 + 1e-9) and c not in guarded
    ]
    if beyond:
        note += f" Spends above the largest spend seen (extrapolated curves): {', '.join(beyond)}."
    current_draws, current_value = None, None
    p_gain, interval = None, None
    by_channel = expected.channel_draws(x)
    response_draws = by_channel.sum(axis=1)
    median, tailed, tail, tail_details = tails(channels, by_channel)
    if split.current_spend is not None:
        current_draws = expected.per_draw(split.current_spend)
        current_value = float(expected.value(split.current_spend).sum())
        gain = objective_draws(expected, req.offset, x) - objective_draws(
            expected, req.offset, split.current_spend
        )
        p_gain, interval = gain_stats(gain)
        note += below_today(
            user.problem, within, split.current_spend, gain, req, current_value, float(x.sum())
        )
    if within is not None and split.certificate is not None:  # the user's own bounds
        certificate = on_bounds(split.certificate, x, user.problem.lower, user.problem.upper)
        if not certificate.holds and split.success:  # pragma: no cover - guard within them
            split = replace(split, success=False, status=3, message=certificate.message())
        split = replace(split, certificate=certificate)
    unconstrained = split.unconstrained_response
    if user.want_free:  # the rules' cost: against the same split without them
        free_args = kwargs | {"group_shares": None, "method": method}
        with warnings.catch_warnings():  # its tails are this split's to warn of
            warnings.simplefilter("ignore", IdentifiabilityWarning)
            free = split_fit(
                fit, budget, extrapolation=extrapolation, risk=risk, safe=safe, **free_args
            )
        unconstrained = free.response
    warn_tail(tail, tail_details, stacklevel=3)  # split_budget's caller
    return replace(
        split,
        channel_response=value,
        marginal_roi=slope,
        current_response=current_value,
        unconstrained_response=unconstrained,
        message=split.message + note + safe_note + tail,
        channel_response_median=median,
        tail_channels=tailed,
        response_draws=response_draws,
        current_response_draws=current_draws,
        guarded=guarded,
        risk=risk_name,
        gain_probability=p_gain,
        gain_interval=interval,
        safe_step=step,
    )


def _solve_risk(
    req: Any, expected: ExpectedCurveSet, level: float | None
) -> tuple[BudgetSplit, str, str]:
    """The split maximising the mean over the draws (``level`` None or 1) or their CVaR
    at ``level``, its ``risk`` name and a note for the message."""
    if level is None or level >= 1:
        return solve_request(req), "mean", ""
    base = None if req.current is None else objective_draws(expected, req.offset, req.current)
    split, gap = cvar_split(req, expected, level, base)
    kpi = "profit" if req.offset > 0 else "response"
    what = f"gain in {kpi} over the current spend" if base is not None else kpi
    return (
        split,
        f"cvar{level:g}",
        f" Maximises the mean {what} of the worst {level:.0%} of the draws (CVaR; "
        f"Frank-Wolfe over the draws' weights, within {gap:,.4g} of its bound).",
    )


def _safe_result(
    req: Any,
    expected: ExpectedCurveSet,
    split: BudgetSplit,
    chosen: SafeStep,
    radius: FloatArray,
    box: Any,
    start: FloatArray,
    reasons: list[str],
) -> BudgetSplit:
    """The split at the safe step, its status and the plain-words note; ``reasons``
    name what today's split breaks when the start had to move (see :func:`_outside`)."""
    assert req.current is not None
    channels = req.channels
    moved = bool(np.any(np.abs(start - req.current) > 1e-9 * req.budget))
    changed = (
        f"changed only as far as {' and '.join(reasons or [RULES])} "
        + ("require" if len(reasons) != 1 or reasons[0] == RULES else "requires")
        if moved
        else ""
    )
    origin = f"today's split, {changed}" if moved else "today's split"
    # the gain the message states is the result's own (gain_probability, gain_interval):
    # over today's split, also when the start had to move to meet the rules
    p_today, (lo, hi) = gain_stats(
        objective_draws(expected, req.offset, chosen.spend)
        - objective_draws(expected, req.offset, req.current)
    )
    p = f"{p_today:.0%}"
    # a channel that starts at 0 has the trust region {0}: the safe default never starts it
    idle = [c for j, c in enumerate(channels) if start[j] <= 0 and box.upper[j] <= 0]
    not_started = (
        f" Not started: {', '.join(idle)} (nothing spent at the start, and a trust region "
        "around 0 spend is 0: the safe default never starts a channel the history did not show "
        "spending now); to try one, give it a minimum in bounds= or split with "
        "safe=False, and measure it with a lift test."
        if idle
        else ""
    )
    at_edge = [
        c
        for j, c in enumerate(channels)
        if c not in idle
        and (
            (
                (box.lower[j] > req.problem.lower[j] * (1 + 1e-9) + 1e-12)
                and (split.spend[j] <= box.lower[j] * (1 + 1e-9))
            )
            or (
                (box.upper[j] < req.problem.upper[j] * (1 - 1e-9))
                and (split.spend[j] >= box.upper[j] * (1 - 1e-9))
            )
        )
    ]
    if chosen.step <= 0:
        gain = objective_draws(expected, req.offset, split.spend) - objective_draws(
            expected, req.offset, start
        )
        best = float(np.mean(gain > 0))
        return at_spend(
            req,
            split,
            start,
            4 if moved else 1,
            f"Safe default: stayed at {origin}. No move towards the best split over "
            f"the draws gains in at least {CONFIDENCE:.0%} of them with a positive "
            f"{GAIN_QUANTILE:.0%} quantile (the full move gains in {best:.0%} of the "
            "draws): under these bounds and rules the history does not support "
            "reallocating further; lift tests on the channels flagged not identified "
            "would." + not_started,
        )
    region = (
        "each channel within its starting spend x exp(+-r), r from "
        f"{float(radius.min()):.2f} to {float(radius.max()):.2f} (wider where the "
        "draws pin its marginal ROI down)"
    )
    if chosen.step >= 1:
        text = (
            f"Safe default: the best split over the draws within the trust region ({region}) "
            f"around {origin}"
        )
    else:
        start_at = f"today's split ({changed})" if moved else "today's split"
        text = (
            f"Safe default: moved {chosen.step:.0%} of the way from {start_at} "
            f"towards the best split over the draws within the trust region ({region}); "
            "further moves are not supported by the draws"
        )
    text += (
        f"; the gain over today's split is positive in {p} of the draws, 80% interval "
        "{} to {}.".format(*signed_pair(lo, hi))
    )
    if at_edge:
        text += f" Held at the trust region's edge: {', '.join(at_edge)}."
    text += not_started
    return at_spend(req, split, chosen.spend, 0 if chosen.step >= 1 else 4, text)


def _request_args(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {
        "groups": kwargs.get("groups"),
        "group_shares": kwargs.get("group_shares"),
        "bounds": kwargs.get("bounds"),
        "current": kwargs.get("current"),
        "objective": kwargs.get("objective", "revenue"),
        "min_roi": kwargs.get("min_roi"),
        "min_revenue": kwargs.get("min_revenue"),
        "method": kwargs.get("method", "kkt"),
        "options": kwargs.get("options"),
    }
