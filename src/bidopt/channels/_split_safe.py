"""The safe default of a split over a fit's draws (``split_budget(fit, ..., safe=True)``):
move from today's split only as far as the draws support.

History alone pins down each channel's marginal ROI at today's spend far better than
the curvature away from it (that comes from the priors as much as from the data), so
the split that maximises the expected response can move spend the wrong way.  The safe
default therefore

* keeps each channel within a trust region around today's spend, ``today *
  exp(+-r)``, with ``r = TRUST_SCALE / w`` between ``TRUST_MIN`` and ``TRUST_MAX``,
  where ``w`` is the relative width of the channel's 80% marginal-ROI interval at
  today's spend (the region widens with evidence: lift tests narrow the interval);
* finds the split over the draws within that region, and then
* walks the straight path from today's split towards it, taking the step that
  maximises the ``GAIN_QUANTILE`` quantile of the gain over today across the draws,
  among the steps whose gain is positive in at least ``CONFIDENCE`` of the draws; with
  no such step it stays at today's split.

Every point of that path meets the same linear constraints (budget, bounds, group
shares) as its two ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from bidopt._quantiles import central_band, central_interval
from bidopt.channels._drawset import ExpectedCurveSet
from bidopt.channels._fit_result import ResponseFit
from bidopt.channels._problem import SplitProblem, is_feasible, restrict
from bidopt.channels._settle import repair
from bidopt.channels._uncertainty import CurveDraws
from bidopt.typing import FloatArray

__all__ = [
    "CONFIDENCE",
    "GAIN_QUANTILE",
    "GUARD",
    "RULES",
    "TRUST_MAX",
    "TRUST_MIN",
    "TRUST_SCALE",
    "SafeStep",
    "below_today",
    "choose_step",
    "gain_stats",
    "meet_rules",
    "objective_draws",
    "outside",
    "step_along",
    "today_start",
    "trust_radius",
]

#: Log-radius of a channel's trust region: this over the relative width of its 80%
#: marginal-ROI interval at today's spend ...
TRUST_SCALE = 0.3
#: ... but at least this (spend may move by up to ``exp(0.3) - 1``, 35%, up or down by
#: ``1 - exp(-0.3)``, 26%, even where the interval is wide) ...
TRUST_MIN = 0.3
#: ... and at most this.
TRUST_MAX = 2.0
#: The step maximises this quantile of the gain over today across the draws ...
GAIN_QUANTILE = 0.2
#: ... among the steps whose gain is positive in at least this share of the draws.
CONFIDENCE = 0.9
#: Steps tried on the path from today's split to the trust region's optimum.
_STEPS = np.linspace(0.0, 1.0, 41)


@dataclass(frozen=True, slots=True)
class SafeStep:
    """The step the safe default took: ``spend = today + step * (target - today)``."""

    step: float
    spend: FloatArray
    gain_probability: float
    gain_interval: tuple[float, float]


def trust_radius(draws: CurveDraws, today: FloatArray) -> FloatArray:
    """Each channel's log-radius around ``today`` (yuan per period, shape (n,)):
    ``TRUST_SCALE`` over the relative width of its 80% marginal-ROI interval over the
    draws, clipped to ``[TRUST_MIN, TRUST_MAX]`` (a channel whose interval is not
    finite, or which the draws hold fixed, gets ``TRUST_MIN``)."""
    slope = draws.value_and_derivative(np.maximum(today, 1e-12))[1]
    low, high = central_band(slope, 0.8)  # the 80% interval of every band over draws
    mid = np.median(slope, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        width = (high - low) / np.abs(mid)
    held = np.isin(np.array(draws.channels), np.array(draws.held, dtype=str))
    pinned = TRUST_SCALE / np.maximum(width, 1e-300)  # a zero width: pinned down exactly
    radius = np.where(np.isfinite(width) & ~held, pinned, TRUST_MIN)
    return np.asarray(np.clip(radius, TRUST_MIN, TRUST_MAX), dtype=np.float64)


def objective_draws(expected: ExpectedCurveSet, offset: float, x: FloatArray) -> FloatArray:
    """Each draw's objective at split ``x`` (shape (n,)): its response less ``offset``
    times the spend (shape (n_draws,))."""
    return expected.per_draw(x) - offset * float(x.sum())


def gain_stats(gain: FloatArray) -> tuple[float, tuple[float, float]]:
    """Share of draws with a positive gain, and the gain's 80% interval."""
    return float(np.mean(gain > 0)), central_interval(gain, 0.8)


def choose_step(
    expected: ExpectedCurveSet, today: FloatArray, target: FloatArray, offset: float
) -> SafeStep:
    """The step from ``today`` towards ``target`` (both feasible splits, shape (n,))
    that maximises the ``GAIN_QUANTILE`` quantile of each draw's gain in objective
    (response less ``offset`` times spend), among steps with a positive gain in at
    least ``CONFIDENCE`` of the draws; step 0 (today) when there is none."""
    return step_along(lambda x: objective_draws(expected, offset, x), today, target)


def step_along(
    objective: Callable[[FloatArray], FloatArray],
    today: FloatArray,
    target: FloatArray,
    base: FloatArray | None = None,
) -> SafeStep:
    """The step of :func:`choose_step` for any objective: ``objective(x)`` is each
    draw's objective at spend ``x`` (shape (n_draws,)); ``today`` and ``target`` are
    feasible spends of one shape (a split (n_channels,), or a window's
    (n_channels, n_phases)), and so is every point between them; ``base`` is
    ``objective(today)`` when the caller has it."""
    if base is None:
        base = objective(today)
    best_t, best_q, best_x = 0.0, 0.0, today
    best_gain = np.zeros(base.size)
    for t in _STEPS[1:].tolist():
        x = target if t == 1.0 else today + t * (target - today)
        gain = objective(x) - base
        q = float(np.quantile(gain, GAIN_QUANTILE))
        if np.mean(gain > 0) >= CONFIDENCE and q > best_q:
            best_t, best_q, best_x, best_gain = t, q, x, gain
    p, interval = gain_stats(best_gain)
    return SafeStep(step=best_t, spend=best_x, gain_probability=p, gain_interval=interval)


#: What today's split breaks when the safe default's start must move from it.
RULES = "the bounds and group rules"
GUARD = "the extrapolation guard"


def outside(
    user: SplitProblem, guarded: SplitProblem | None, x: FloatArray, full: bool
) -> tuple[list[str], list[str]]:
    """What split ``x`` (yuan, shape (n,)) breaks: ``RULES`` when it breaks the user's
    own budget, bounds or group rules, ``GUARD`` when a channel lies outside the
    extrapolation guard's range (``guarded``, None without a guard) but within its own
    bounds; and the names of those channels."""
    tol = 1e-9 * max(user.budget, 1.0)
    reasons = [] if is_feasible(user, x, full) else [RULES]
    names: list[str] = []
    if guarded is not None:
        own = (x >= user.lower - tol) & (x <= user.upper + tol)
        off = own & ((x < guarded.lower - tol) | (x > guarded.upper + tol))
        names = [c for j, c in enumerate(user.channels) if off[j]]
        if names:
            reasons.append(GUARD)
    return reasons, names


def below_today(
    user: SplitProblem,
    guarded: SplitProblem | None,
    today: FloatArray,
    gain: FloatArray,
    req: Any,
    level: float,
    spent: float,
) -> str:
    """A sentence saying so when the split's expected objective is below today's split's
    (``gain``: each draw's gain over ``today``, yuan per period, shape (n_draws,); by
    more than 1e-9 of ``level``, today's expected response), and why: today's split
    breaks the rules or lies outside the guard, the split spends less (``spent``, yuan)
    to keep ``min_roi``, or it maximises something else than the mean (the safe step's
    quantile, a CVaR)."""
    loss = -float(np.mean(gain))
    if loss <= 1e-9 * max(abs(level), 1e-300):
        return ""
    kpi = "profit" if req.offset > 0 else "revenue"
    reasons, names = outside(user, guarded, today, req.full)
    parts = ["breaks your budget, bounds or group rules"] if RULES in reasons else []
    if GUARD in reasons:
        parts.append(
            f"lies outside the extrapolation guard for {names} (extrapolation=None, or a "
            "larger multiple, lets the split keep it)"
        )
    cut = float(today.sum()) - spent
    if req.min_roi is not None and cut > 1e-9 * max(float(today.sum()), 1e-300):
        why = f"it spends {cut:,.2f} yuan less to keep ROI >= {req.min_roi:g}"
    elif parts:
        why = "today's split " + ", and ".join(parts)
    else:
        why = f"the split maximises a lower quantile or tail of the draws, not the mean {kpi}"
    amount = f"{loss:,.0f}" if loss >= 100 else f"{loss:,.2f}"
    return f" Its expected {kpi} is {amount} below today's split's: {why}."


def today_start(fit: ResponseFit, req: Any) -> tuple[FloatArray | None, FloatArray | None, str]:
    """Today's split and where the safe default starts from: ``current`` (else the
    fit's mean spend per period), scaled to the budget when the objective spends it
    all; the start is today's split, or when that breaks the constraints, today's split
    moved just enough to meet them (bounds clipped, group and budget sums settled).
    None and the reason when there is no such start, when the objective is ``roi``, or
    when the start returns less than ``min_roi`` per yuan."""
    if req.goal == "roi":
        return None, None, " Safe default: not applied with objective='roi'."
    if req.current is not None:
        x0, source = np.asarray(req.current, dtype=np.float64), "the current spend"
    else:
        assert fit.mean_spend is not None
        x0 = np.array([fit.mean_spend[c] for c in req.channels], dtype=np.float64)
        source = "the fitted history's mean spend per period"
    total = float(x0.sum())
    if total <= 0:
        return None, None, f" Safe default: not applied ({source} is 0)."
    if req.full or total > req.budget:
        x0 = x0 * (req.budget / total)
    scaled = (  # the comparisons with today's split are then at the budget
        f" Today's split ({source}, {total:,.0f} yuan) is compared scaled to the "
        f"budget ({req.budget:,.0f} yuan): the gains are at equal spend."
        if abs(total - float(x0.sum())) > 1e-9 * req.budget
        else ""
    )
    start = x0 if is_feasible(req.problem, x0, req.full) else _meet_rules(fit, req, x0)
    if req.min_roi is not None and float(req.curves.value(start).sum()) < req.min_roi * float(
        start.sum()
    ):  # it breaks min_roi, and so do the safe steps near it
        return (
            None,
            None,
            f" Safe default: not applied: today's split ({source}) returns less than "
            f"min_roi={req.min_roi:g} per yuan; the split is the best over the draws that "
            "keeps it.",
        )
    if is_feasible(req.problem, start, req.full):
        assert fit.max_spend is not None
        seen = np.array([fit.max_spend[c] for c in req.channels])
        above = [
            f"{c} ({start[j]:,.0f} > {seen[j]:,.0f} yuan)"
            for j, c in enumerate(req.channels)
            if start[j] > seen[j] * (1 + 1e-9) and start[j] > x0[j] * (1 + 1e-9)
        ]
        if above:
            scaled += (
                " Moving today's split to meet the rules takes it above the largest spend "
                f"seen for {', '.join(above)}: the curves are extrapolated there."
            )
        return x0, start, scaled
    return (
        None,
        None,
        (  # pragma: no cover - repair meets every feasible problem
            f" Safe default: not applied: today's split ({source}) could not be moved to meet "
            "the constraints."
        ),
    )


def _meet_rules(fit: ResponseFit, req: Any, x0: FloatArray) -> FloatArray:
    """Today's split ``x0`` moved just enough to meet the rules of ``req``
    (:func:`meet_rules` within the fit's largest spends seen)."""
    assert fit.max_spend is not None
    seen = np.array([fit.max_spend[c] for c in req.channels])
    return meet_rules(req.problem, seen, x0, req.full)


def meet_rules(problem: SplitProblem, seen: FloatArray, x0: FloatArray, full: bool) -> FloatArray:
    """Today's split ``x0`` (yuan, shape (n_channels,)) moved just enough to meet the
    bounds, group rules and budget of ``problem``: each group scaled by one factor (the
    channels stopped by their bounds left out; :func:`repair` ``proportional``), first
    within each channel's largest spend seen ``seen`` (or today's, if above), else
    within the bounds alone.  The result may still break ``problem`` when it cannot
    hold (check it with :func:`is_feasible`)."""
    top = np.maximum(np.minimum(problem.upper, np.maximum(seen, x0)), problem.lower)
    start = repair(x0.copy(), restrict(problem, problem.lower, top), full, proportional=True)
    if is_feasible(problem, start, full):
        return start
    return repair(x0.copy(), problem, full, proportional=True)
