"""The safe default of a window split (``split_window(fit, ..., safe=True)``): move
from today's split, phase by phase, only as far as the draws support.

The rule is split_budget's (:mod:`bidopt.channels._split_safe`, one implementation):

* today's split in each phase is ``current`` (else ``before``, else the fit's mean
  spend per period; :func:`today_mix`), in its channel mix, scaled to the phase's
  budget per period (without ``phase_budgets``, the window's budget spread evenly
  over its periods); when that breaks the bounds, the group rules
  (their shares within the phase, which also holds them over the window) or the
  extrapolation guard, each phase's split is moved just enough to meet them
  (:func:`~bidopt.channels._split_safe.meet_rules`: each group scaled by one factor);
* each cell (a channel in a phase) stays within a trust region ``today * exp(+-r)``
  around it, ``r`` from the width of the channel's 80% marginal-ROI interval at that
  spend (:func:`~bidopt.channels._split_safe.trust_radius`);
* the best window split over the draws within that region is found, and the step on
  the straight path from today's split towards it is taken that maximises the
  ``GAIN_QUANTILE`` quantile of the gain in the window's response over today's split,
  among the steps that gain in at least ``CONFIDENCE`` of the draws; with none, today's
  split (:func:`~bidopt.channels._split_safe.step_along`).

Every point of that path meets the window's linear constraints (budgets, shares,
bounds) as its two ends do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from bidopt.channels._problem import SplitProblem, is_feasible, restrict
from bidopt.channels._result import signed_pair
from bidopt.channels._split_safe import (
    CONFIDENCE,
    GAIN_QUANTILE,
    SafeStep,
    meet_rules,
    trust_radius,
)
from bidopt.channels._uncertainty import CurveDraws
from bidopt.typing import FloatArray

__all__ = [
    "WindowStart",
    "at_trust_edge",
    "phase_budgets_per_period",
    "safe_fields",
    "safe_note",
    "safe_status",
    "today_mix",
    "trust_box",
    "window_start",
]


@dataclass(frozen=True, slots=True)
class WindowStart:
    """Today's split over a window and where the safe default starts from.

    ``today``: today's spend per period (:func:`today_mix`) in its mix, scaled to each
    phase's budget per period; ``start``: today's split moved just enough to meet the rules
    (``today`` itself when it meets them); both yuan per period, shape (n_channels,
    n_phases).  ``note``: what the message says of them; ``lifted``: the start needed
    the extrapolation guard lifted; ``source``: which spend today's split is."""

    today: FloatArray
    start: FloatArray
    note: str
    lifted: bool
    source: str

    @property
    def moved(self) -> bool:
        """Whether the start is today's split moved to meet the rules (1e-9 relative)."""
        return _moved(self.today, self.start)


def _moved(today: FloatArray, start: FloatArray) -> bool:
    """Whether ``start`` differs from ``today`` (yuan per period) by more than 1e-9 of
    today's largest cell (or 1e-9 yuan)."""
    tol = 1e-9 * max(float(today.max()), 1.0)
    return bool(np.any(np.abs(start - today) > tol))


def phase_budgets_per_period(
    lengths: np.ndarray, total: float, budgets: FloatArray | None
) -> FloatArray:
    """Each phase's budget per period (yuan, shape (n_phases,)): its own budget over
    its periods, or without phase budgets the window's spread evenly."""
    if budgets is None:
        return np.full(lengths.size, total / float(lengths.sum()))
    return np.asarray(budgets / lengths, dtype=np.float64)


def _phase_problem(
    rules: SplitProblem, budget: float, lower: FloatArray, upper: FloatArray
) -> SplitProblem:
    """One phase's split as a problem of ``budget`` yuan per period: the share rules of
    ``rules`` (fractions) on that budget, channel bounds ``lower``..``upper``."""
    assert rules.share_lower is not None
    assert rules.share_upper is not None
    n = len(rules.channels)
    base = replace(
        rules,
        budget=budget,
        lower=np.zeros(n),
        upper=np.full(n, budget),
        group_lower=rules.share_lower * budget,
        group_upper=rules.share_upper * budget,
    )
    return restrict(base, lower, np.maximum(np.minimum(upper, budget), lower))


def _meet_phases(
    rules: SplitProblem,
    per_period: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    seen: FloatArray,
    today: FloatArray,
) -> FloatArray | None:
    """Today's split moved, phase by phase, just enough to meet each phase's budget
    per period, bounds ``lo``..``hi`` and share rules; None when some phase cannot."""
    out: FloatArray = np.array(today, dtype=np.float64)
    for p in range(per_period.size):
        problem = _phase_problem(rules, float(per_period[p]), lo[:, p], hi[:, p])
        x0 = today[:, p]
        if is_feasible(problem, x0, True):
            continue
        x = meet_rules(problem, seen, x0, True)
        if not is_feasible(problem, x, True):
            return None
        out[:, p] = x
    return out


#: Which spend today's split is (the message, the summary and ``current_source``).
CURRENT = "`current` as given"
BEFORE = "`before=` (your spend per period before the window)"
MEAN = "the fitted history's mean spend"


def today_mix(
    channels: tuple[str, ...],
    mean_spend: Mapping[str, float],
    before: Mapping[str, float] | None,
    current: FloatArray | None,
) -> tuple[FloatArray, str]:
    """Today's spend per period (yuan, shape (n_channels,)) and which it is: ``current``
    (checked), else ``before`` (checked; unless it is 0 for every channel), else the
    fit's mean spend per period."""
    if current is not None:
        return current, CURRENT
    mean = np.array([mean_spend[c] for c in channels], dtype=np.float64)
    if before is None:
        return mean, MEAN
    spent = np.array([float(before[c]) for c in channels], dtype=np.float64)
    if float(spent.sum()) > 0:
        return spent, BEFORE
    return mean, MEAN + " (`before=` is 0 for every channel)"


def window_start(
    mix: FloatArray,
    source: str,
    max_spend: Mapping[str, float],
    rules: SplitProblem,
    lengths: np.ndarray,
    total: float,
    budgets: FloatArray | None,
    lo: FloatArray,
    guarded: FloatArray,
    user_hi: FloatArray,
    names: tuple[str, ...],
) -> WindowStart | str:
    """Today's split over the window and the safe default's start (see
    :class:`WindowStart`), first within the extrapolation guard's caps ``guarded``,
    else within the user's maximums ``user_hi`` (yuan per period, shape (n_channels,
    n_phases)); or the sentence saying why the safe default is not applied.  ``names``
    are the phases' (for the message); ``mix`` is today's spend per period (yuan,
    shape (n_channels,)) and ``source`` which it is (:func:`today_mix`)."""
    channels = rules.channels
    seen = np.array([max_spend[c] for c in channels], dtype=np.float64)
    level = float(mix.sum())
    if level <= 0:
        return f" Safe default: not applied ({source} is 0)."
    per_period = phase_budgets_per_period(lengths, total, budgets)
    today = mix[:, None] * (per_period / level)[None, :]
    note = (
        f" Today's split: {source}, {level:,.0f} yuan per period, in its channel mix, "
        "scaled to each phase's budget per period ("
        + ", ".join(f"{v:,.0f}" for v in per_period.tolist())
        + " yuan): the gains are at equal spend."
    )
    start = _meet_phases(rules, per_period, lo, guarded, seen, today)
    lifted = False
    if start is None:
        start = _meet_phases(rules, per_period, lo, user_hi, seen, today)
        lifted = True
    if start is None:
        return (
            " Safe default: not applied: today's split cannot be moved to meet the bounds "
            "and share rules within every phase (they hold over the window only); the split "
            "is the best over the draws."
        )
    if _moved(today, start):
        broken = _broken(rules, per_period, lo, user_hi, None if lifted else guarded, today)
        note += (
            " It breaks "
            + "; ".join(f"{what} in {_listed(names, where)}" for what, where in broken)
            + ": the start is today's split moved just enough to meet them ("
            + (
                "each group scaled by one factor"
                if bool(np.any(rules.shared))
                else "the channels not stopped by a bound scaled by one factor"
            )
            + " within each phase"
            + (
                "; the extrapolation guard lifted, as the rules cannot hold within it)"
                if lifted
                else ")"
            )
            + "."
        )
    above = [
        f"{c} ({', '.join(n for n, x in zip(names, over, strict=True) if x)})"
        for j, c in enumerate(channels)
        if (over := (start[j] > seen[j] * (1 + 1e-9)) & (start[j] > 0)).any()
    ]
    if above:
        note += (
            " Today's split spends above the largest spend per period seen for "
            f"{', '.join(above)} (those phases' budgets per period are above the "
            "history's): the curves are extrapolated there."
        )
    return WindowStart(today=today, start=start, note=note, lifted=lifted, source=source)


def _broken(
    rules: SplitProblem,
    per_period: FloatArray,
    lo: FloatArray,
    user_hi: FloatArray,
    guarded: FloatArray | None,
    today: FloatArray,
) -> list[tuple[str, list[int]]]:
    """What today's split (yuan per period, shape (n_channels, n_phases)) breaks, and in
    which phases: the bounds ``lo``..``user_hi``, the share rules (within each phase),
    the extrapolation guard's caps ``guarded`` (None: lifted)."""
    tol = 1e-9 * max(float(per_period.max()), 1.0)
    bounds = np.any((today < lo - tol) | (today > user_hi + tol), axis=0)
    shares = np.zeros(per_period.size, dtype=bool)
    assert rules.share_lower is not None
    assert rules.share_upper is not None
    for p in range(per_period.size):
        g = np.bincount(rules.group_of, weights=today[:, p], minlength=len(rules.group_names))
        low, high = rules.share_lower * per_period[p], rules.share_upper * per_period[p]
        shares[p] = bool(np.any(rules.shared & ((g < low - tol) | (g > high + tol))))
    out = [
        ("your bounds", np.flatnonzero(bounds).tolist()),
        ("the share rules", np.flatnonzero(shares).tolist()),
    ]
    if guarded is not None:
        guard = np.any(today > guarded + tol, axis=0) & ~bounds
        # (the caps as raised by one factor where a phase's budget needs more: above
        # them, the start is moved to them, not to 1.5 x the largest spend seen)
        out.append(
            (
                "the extrapolation guard (raised by one factor in a phase whose budget needs more)",
                np.flatnonzero(guard).tolist(),
            )
        )
    return [(what, where) for what, where in out if where]


def _listed(names: tuple[str, ...], where: list[int]) -> str:
    """The phases ``where`` by name ('every phase' when all)."""
    if len(where) == len(names):
        return "every phase"
    return ", ".join(names[p] for p in where)


def trust_box(
    draws: CurveDraws, start: FloatArray, lo: FloatArray, hi: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Each cell's trust region around ``start`` (yuan per period, shape (n_channels,
    n_phases)), within ``lo``..``hi``: the lower and upper ends and the log-radius,
    each of that shape (:func:`trust_radius` at each phase's start)."""
    radius = np.column_stack([trust_radius(draws, start[:, p]) for p in range(start.shape[1])])
    low = np.minimum(np.maximum(lo, start * np.exp(-radius)), start)
    high = np.maximum(np.minimum(hi, start * np.exp(radius)), start)
    return low, high, radius


def at_trust_edge(
    box: tuple[FloatArray, FloatArray, FloatArray], lo: FloatArray, hi: FloatArray, x: FloatArray
) -> np.ndarray:
    """Which cells of ``x`` (yuan per period, shape (n_channels, n_phases)) sit at an end
    of the trust region ``box`` (:func:`trust_box`'s answer) where that end is tighter
    than the limits ``lo``..``hi`` the region was cut to (bool, same shape): the
    region, not a bound or the guard, holds them."""
    low, high, _ = box
    tol = 1e-9
    return np.asarray(
        ((low > lo * (1 + tol) + 1e-12) & (x <= low * (1 + tol)))
        | ((high < hi * (1 - tol)) & (x >= high * (1 - tol)))
    )


def safe_note(
    channels: tuple[str, ...],
    chosen: SafeStep,
    start: WindowStart,
    box: tuple[FloatArray, FloatArray, FloatArray],
    lo: FloatArray,
    hi: FloatArray,
    full_gain: FloatArray,
    still: bool = False,
) -> str:
    """The plain-words sentence of the safe step: how far it moved from today's split
    towards the best split within the trust region and why, the gain over
    today's split (``chosen``; moved to meet the rules when it breaks them), the channels
    held at the trust region's edge and those never started; ``full_gain`` is each
    draw's gain of the full move; ``box`` is :func:`trust_box`'s answer and ``lo``,
    ``hi`` the limits it was cut to (the bounds, and the guard's caps unless it was
    lifted; yuan per period, shape (n_channels, n_phases)).  ``still``: the best split
    within the region is the start itself (nothing can move)."""
    _, high, radius = box
    origin = "today's split (moved to meet the rules)" if start.moved else "today's split"
    idle = [
        c for j, c in enumerate(channels) if np.all(start.start[j] <= 0) and np.all(high[j] <= 0)
    ]
    not_started = (
        f" Not started: {', '.join(idle)} (nothing spent in today's split, and a trust "
        "region around 0 spend is 0: the safe default never starts a channel today's split "
        "does not spend on); to try one, give it a minimum in bounds= or split with "
        "safe=False, and measure it with a lift test."
        if idle
        else ""
    )
    if chosen.step <= 0 and still:
        # the best split within the region is the start itself: nothing could move
        return (
            f" Safe default: stayed at {origin}: the budgets, bounds and share rules, within "
            "the trust region around it, leave no other window split to move to (the draws "
            "were not what held it)." + not_started
        )
    if chosen.step <= 0:
        return (
            f" Safe default: stayed at {origin}. No move towards the best window split over "
            f"the draws gains in at least {CONFIDENCE:.0%} of them with a positive "
            f"{GAIN_QUANTILE:.0%} quantile (the full move gains in "
            f"{float(np.mean(full_gain > 0)):.0%} of the draws): the history does not support "
            "reallocating further under these budgets, bounds and rules; lift tests on the "
            "channels flagged not identified would." + not_started
        )
    edge = at_trust_edge(box, lo, hi, chosen.spend)
    at_edge = [c for j, c in enumerate(channels) if c not in idle and bool(edge[j].any())]
    r_lo, r_hi = f"{float(radius.min()):.2f}", f"{float(radius.max()):.2f}"
    region = "each channel in each phase within its starting spend x exp(+-r), " + (
        f"r = {r_lo} for every channel and phase"
        if r_lo == r_hi
        else f"r from {r_lo} to {r_hi}, wider where the draws pin its marginal ROI down"
    )
    if chosen.step >= 1:
        text = (
            " Safe default: the best window split over the draws within the trust region "
            f"({region}) around {origin}"
        )
    else:
        text = (
            f" Safe default: moved {chosen.step:.0%} of the way from {origin} towards the "
            f"best window split over the draws within the trust region ({region}); further "
            "moves are not supported by the draws"
        )
    lo_gain, hi_gain = chosen.gain_interval
    text += (
        f"; the gain in the window's response over {origin} is positive in "
        f"{chosen.gain_probability:.0%} of the draws, 80% interval "
        "{} to {}.".format(*signed_pair(lo_gain, hi_gain))
    )
    if at_edge:
        text += f" Held at the trust region's edge: {', '.join(at_edge)}."
    return text + not_started


def safe_status(step: float, moved: bool, at_edge: bool, solved: bool) -> int:
    """The status of a safe-default window split (as :class:`BudgetSplit`'s): 1 when it
    stayed at today's split, 4 when it stopped short of the best split (part of the
    way, at a start moved to meet the rules, or held at the trust region's edge), else
    0 when the best split within the region was found and proven (``solved``), 2 when
    not."""
    if step <= 0:
        return 4 if moved else 1
    if step < 1 or at_edge:
        return 4
    return 0 if solved else 2


def safe_fields(
    chosen: SafeStep | None, start: WindowStart | str | None, base: FloatArray | None
) -> dict[str, Any]:
    """The result's safe-default fields: the step, the gain over today's split (the
    start) across the draws (the step's own, :func:`step_along`), and today's split
    with its response ``base`` (each draw's, shape (n_draws,)); none without the safe
    default."""
    if chosen is None or base is None or not isinstance(start, WindowStart):
        return {}
    return {
        "safe_step": chosen.step,
        "gain_probability": chosen.gain_probability,
        "gain_interval": chosen.gain_interval,
        "current_spend": start.start,
        "current_response": float(base.mean()),
        "current_response_draws": base,
        "current_source": start.source,
        "current_moved": start.moved,
    }
