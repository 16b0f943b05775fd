"""Splitting a budget across channels with diminishing returns and group rules."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
from scipy import optimize

from bidopt._certificate import (
    Certificate,
    ConstraintCheck,
    equal,
    lower,
    lower_each,
    upper,
    upper_each,
)
from bidopt._optional import require_pandas
from bidopt._validation import (
    check_choice,
    check_options,
    check_random_state,
    check_scalar,
    short_repr,
)
from bidopt.channels._constraints import SplitProblem, as_mapping, build_split_problem
from bidopt.channels._curves import ResponseCurve
from bidopt.channels._curveset import CurveSet
from bidopt.exceptions import InfeasibleError, InvalidInputError, SolverError
from bidopt.typing import FloatArray, IntArray

__all__ = ["BudgetSplit", "compare_splits", "split_budget"]

SplitMethod = Literal["kkt", "slsqp", "trust-constr"]
SplitObjective = Literal["revenue", "profit", "roi"]
_OPTIONS: dict[str, dict[str, Any]] = {
    "kkt": {"xtol": 1e-12, "n_starts": 4, "rng": 0},
    "slsqp": {"n_starts": 10, "maxiter": 500, "rng": None},
    "trust-constr": {"n_starts": 10, "maxiter": 1000, "rng": None},
}


@dataclass(frozen=True, slots=True, eq=False)
class BudgetSplit:
    """A budget split across channels.

    Attributes
    ----------
    channels : tuple of str
    spend : ndarray of float64, shape (n_channels,)
        Yuan per period for each channel.
    channel_response : ndarray of float64, shape (n_channels,)
        Expected response (revenue) of each channel at its spend.
    marginal_roi : ndarray of float64, shape (n_channels,)
        Response per extra yuan at each channel's spend.
    total_budget : float
    objective : str
    group_names : tuple of str
    group_spend : ndarray of float64
        Spend per group (ungrouped channels appear as ``<channel>``).
    shadow_prices : dict of str to float
        Objective per extra yuan of each binding constraint (``budget``,
        ``group:<name>`` for a group share, ``bound:<channel>`` for a channel bound).
    current_response : float or None
        Response of the ``current`` spend, if given.
    unconstrained_response : float or None
        Response of the best split without the group rules (same budget and bounds).
    success, status, message, method, nit
        Solver status in scipy's fields.  ``success``: the certificate holds.
        ``status`` 0: the KKT conditions were checked to hold on the split; 1: the
        ``current`` spend is returned (the optimiser did not beat it); 2: the split meets
        every constraint but the KKT conditions do not hold on it (the best split found,
        not a proven optimum; the message says which condition fails); 3: the
        certificate fails (``success`` False; the message says what and by how much).
    certificate : Certificate
        Every constraint (budget, channel bounds, group shares, revenue and ROI
        targets) checked on the returned spend itself, relative tolerance 1e-9; printed
        by :meth:`summary`.
    """

    channels: tuple[str, ...]
    spend: FloatArray
    channel_response: FloatArray
    marginal_roi: FloatArray
    total_budget: float
    objective: str
    group_names: tuple[str, ...]
    group_spend: FloatArray
    shadow_prices: dict[str, float]
    current_spend: FloatArray | None
    current_response: float | None
    unconstrained_response: float | None
    success: bool
    status: int
    message: str
    method: str
    nit: int
    certificate: Certificate | None = None

    @property
    def allocation(self) -> dict[str, float]:
        """Channel -> yuan."""
        return {c: float(x) for c, x in zip(self.channels, self.spend, strict=True)}

    @property
    def response(self) -> float:
        """Total expected response (revenue), per period."""
        return float(self.channel_response.sum())

    @property
    def total_spend(self) -> float:
        """Yuan spent in all."""
        return float(self.spend.sum())

    @property
    def roi(self) -> float:
        """Response per yuan spent."""
        return self.response / self.total_spend if self.total_spend > 0 else float("nan")

    @property
    def rule_cost(self) -> float | None:
        """Response given up to the group rules: unconstrained optimum minus this split."""
        if self.unconstrained_response is None:
            return None
        return self.unconstrained_response - self.response

    @property
    def uplift(self) -> float | None:
        """Response gained over the current spend."""
        return None if self.current_response is None else self.response - self.current_response

    def summary(self) -> str:
        """A readable account of the split."""
        lines = [
            f"BudgetSplit ({self.method}, objective={self.objective}): {self.message}",
            f"  budget {self.total_budget:,.0f} yuan, spent {self.total_spend:,.0f}, "
            f"response {self.response:,.0f}, ROI {self.roi:.3f}",
        ]
        width = max(len(c) for c in self.channels)
        for c, x, r, m in zip(
            self.channels, self.spend, self.channel_response, self.marginal_roi, strict=True
        ):
            lines.append(
                f"  {c:<{width}}  {x:>14,.0f} yuan  response {r:>14,.0f}  "
                f"ROI {r / x if x > 0 else float('nan'):6.2f}  marginal {m:6.3f}"
            )
        if self.current_response is not None:
            lines.append(f"  vs current: {self.uplift:+,.0f} ({self.current_response:,.0f} now)")
        if self.rule_cost is not None:
            lines.append(
                f"  the group rules cost {self.rule_cost:,.0f} against the "
                f"unconstrained optimum ({self.unconstrained_response:,.0f})"
            )
        if self.shadow_prices:
            lines.append(
                "  shadow prices: "
                + ", ".join(f"{k} {v:.4g}" for k, v in self.shadow_prices.items())
            )
        if self.certificate is not None:
            lines.extend("  " + line for line in self.certificate.summary().splitlines())
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per channel (needs pandas)."""
        pd = require_pandas("BudgetSplit.to_frame()")
        data: dict[str, Any] = {
            "channel": list(self.channels),
            "spend": self.spend,
            "response": self.channel_response,
            "marginal_roi": self.marginal_roi,
        }
        if self.current_spend is not None:
            data["current_spend"] = self.current_spend
        return pd.DataFrame(data)

    def __repr__(self) -> str:
        return (
            f"BudgetSplit(method={self.method!r}, response={self.response:.6g}, "
            f"spend={self.total_spend:.6g}, success={self.success})"
        )


# --------------------------------------------------------------------------------------


#: Root finders stop on a last Newton step, not evaluated, once every residual is
#: below this fraction of the budget (the step's own error is then of second order:
#: about 1e-8 of each spend).  On numpy evaluations the spends there are the last
#: evaluation's moved along their slopes (:meth:`CurveSet.linear_ok` and ``on_slopes``
#: in :func:`_kkt` decline the shortcut where a channel turns on or leaves a bound on
#: the way); on floats they are evaluated at the step, and :func:`_settle` spreads what
#: the step left along their slopes.
_NEAR = 1e-4
#: Up to this many channels (in the groups of the second stage), levels are found on
#: Python floats (:meth:`CurveSet.scalar_group`) rather than by numpy evaluations: one
#: float evaluation costs about as much as a numpy one near 100 channels (measured:
#: 639 vs 745 us per split at 50 channels, 762 vs 766 us at 100).
_SCALAR_CHANNELS = 80
#: ``np.add.reduce``: a sum without ``ndarray.sum``'s Python-level wrapper, which costs
#: as much as the sum itself on arrays of a few dozen channels.
_add = np.add.reduce


def _kkt(
    curves: CurveSet,
    problem: SplitProblem,
    offset: float,
    full: bool,
    xtol: float,
    start: FloatArray | None = None,
    free: dict[str, FloatArray] | None = None,
) -> tuple[FloatArray, dict[str, float], int]:
    """Water-filling: equal marginal return within each group, group multipliers by
    nested root finding.  ``offset`` is 1 for profit (marginal revenue minus 1).

    With a dict ``free``, the split without the share rules (the same budget and
    bounds) is solved too and left in ``free["x"]``: where the curves allow it (closed
    forms, revenue objective, some share rule that is not all exact), its level is
    found in the same evaluations as the budget's level, two rows at a time.

    First the budget's level ``mu``: with each group's spend clipped to its share
    limits, the spends add up to the budget.  Then every group whose spend was clipped
    gets its own level, at which its channels spend exactly the clipped amount (all
    such groups solved together).  Root finding is on ``t = log(level)``, where every
    closed-form curve's spend is smooth and nearly linear, by safeguarded Newton steps
    (:func:`_solve_levels`)."""
    lo, hi, group_of = problem.lower, problem.upper, problem.group_of
    g_lo, g_hi = problem.group_lower, problem.group_upper
    n_groups = len(problem.group_names)
    evaluations = 0
    budget = problem.budget
    tol = 1e-10 * max(budget, 1.0)  # root tolerance; sums are made exact below
    near = _NEAR * max(budget, 1.0)

    # the root finders work in the curve set's internal channel order (by kind)
    order = curves.order
    lo_k, hi_k, group_k = lo[order], hi[order], group_of[order]
    open_below = not lo.any()  # spends from the curves are >= 0 already
    log_offset = math.log(offset) if offset > 0 else 0.0
    last: dict[str, Any] = {}  # the latest evaluation

    def log_marginal(t: float | FloatArray) -> float | FloatArray:
        # the marginal revenue at level e^t is e^t + offset
        return np.logaddexp(t, log_offset) if offset > 0 else t

    def spend_slope(t: float | FloatArray) -> tuple[FloatArray, FloatArray]:
        """Spends at log level(s) ``t`` (one, or one per channel) within the bounds, and
        their derivatives in ``t``."""
        log_m = log_marginal(t)
        raw, slope = curves.spend_and_slope_log(log_m, kind_order=True)
        if offset > 0:
            slope = slope * np.exp(t - log_m)
        if open_below:
            x, slope = np.minimum(raw, hi_k), slope * (raw < hi_k)
        else:
            x = np.minimum(np.maximum(raw, lo_k), hi_k)
            slope = slope * ((raw > lo_k) & (raw < hi_k))
        last.update(t=t, x=x, slope=slope)
        return x, slope

    def group_sums(t: float | FloatArray) -> tuple[FloatArray, FloatArray]:
        x, slope = spend_slope(t)
        g = cast(FloatArray, np.bincount(group_k, weights=x, minlength=n_groups))
        gs = cast(FloatArray, np.bincount(group_k, weights=slope, minlength=n_groups))
        last.update(g=g, gs=gs)
        return g, gs

    def spend_at(t: float | FloatArray, stepped: bool) -> FloatArray:
        """The spends at ``t``: the last evaluation's, moved along its slopes when ``t``
        is the root finder's last Newton step from it (``stepped``, which the root
        finders take only where :func:`on_slopes` allows)."""
        if stepped:
            x = last["x"] + last["slope"] * (t - last["t"])
            return cast(FloatArray, np.minimum(np.maximum(x, lo_k), hi_k))
        if "t" in last and np.array_equal(last["t"], t):
            return cast(FloatArray, last["x"])
        return spend_slope(t)[0]

    def on_slopes(t: float | FloatArray) -> bool:
        """Whether the spends at ``t`` may be taken along the last evaluation's slopes:
        no channel turns on or leaves a bound on the way."""
        if not curves.linear_ok(log_marginal(last["t"]), log_marginal(t)):
            return False
        # a channel held at a bound (slope 0) could come off it; at zero spend, its
        # threshold tells, which linear_ok has checked
        held = last["slope"] == 0.0
        if open_below:
            held &= last["x"] > 0.0
        return not bool(held.any())

    share_limits = list(zip(g_lo.tolist(), g_hi.tolist(), strict=True))

    def clipped_total(g: list[float], gs: list[float]) -> tuple[float, float]:
        """The spend at group sums ``g`` (slopes ``gs``) with every group clipped to its
        share limits, and its derivative (the groups inside their limits); on Python
        floats (there are few groups)."""
        value = slope = 0.0
        for v, d, (a, b) in zip(g, gs, share_limits, strict=True):
            if v <= a:
                value += a
            elif v >= b:
                value += b
            else:
                value += v
                slope += d
        return value, slope

    def total(t: float) -> tuple[float, float]:
        if problem.n_shared == 0:
            # without share rules a group's limits are its channels' bounds (and the
            # budget), which the channels' clipping already holds: no group sums
            x, slope = spend_slope(t)
            return float(_add(x)), float(_add(slope))
        g, gs = group_sums(t)
        return clipped_total(g.tolist(), gs.tolist())

    floor = 1e-300
    low, high = math.log(floor), math.log(curves.top_marginal + 1.0) + 1
    stepped = False
    small = curves.closed_form and curves.n <= _SCALAR_CHANNELS
    if small:
        # a small problem: every evaluation on Python floats (cheaper than numpy's
        # fixed cost per call at this size)
        spend_all = curves.scalar_group(
            list(range(curves.n)), lo_k.tolist(), hi_k.tolist(), offset, group_k.tolist()
        )

        def total(t: float) -> tuple[float, float]:
            last.update(t=t)
            if problem.n_shared == 0:
                return spend_all.total(t)
            g, gs = spend_all.by_group(t)
            last.update(g=g, gs=gs)  # (lists here)
            return clipped_total(g, gs)

        def spend_at(t: float | FloatArray, stepped: bool) -> FloatArray:
            # (replaces the numpy version above for this small problem: the spends are
            # evaluated at ``t`` even after a last Newton step, and their slopes kept for
            # _settle, which spreads what that step left along them)
            x, slope = spend_all.spends(float(t))
            last.update(slope=np.array(slope))
            return np.array(x)

    if problem.exact_cover:
        t_mu = low  # every group's spend is fixed: the budget's own level is moot
    elif offset > 0 and total(-745.0)[0] <= budget:
        t_mu = -745.0  # the budget does not bind (level 0): spending more loses money
    else:
        # Newton on the bracket [low, high]; a level pinned at an end means every
        # channel sits at a bound there (the solver then returns that end)
        guess = _first_level(curves, budget, offset, start)
        joint = (
            free is not None
            and not small  # (small problems solve it on floats below)
            and curves.closed_form
            and offset == 0
            and full
            and problem.n_shared > 0
        )
        if joint:
            # row 0: the budget's level with the groups clipped to their shares; row 1:
            # the level of the split without share rules (the channels' spends alone)
            def both(t: FloatArray) -> tuple[FloatArray, FloatArray]:
                x, slope = spend_slope(t[:, None])
                g = cast(FloatArray, np.bincount(group_k, weights=x[0], minlength=n_groups))
                gs = cast(FloatArray, np.bincount(group_k, weights=slope[0], minlength=n_groups))
                last.update(g=g, gs=gs)
                value, slope_g = clipped_total(g.tolist(), gs.tolist())
                totals = np.array([value, float(_add(x[1]))])
                return totals, np.array([slope_g, float(_add(slope[1]))])

            t_both, count, stepped = _solve_levels(
                both,
                np.array([budget, budget]),
                low,
                high,
                tol,
                near,
                np.array([guess, guess]),
                lambda t: on_slopes(t[:, None]),
            )
            evaluations += count
            x_both = spend_at(t_both[:, None], stepped)
            weight_free = -last["slope"][1][curves.inverse]
            if stepped:
                last["g"] = np.bincount(group_k, weights=x_both[0], minlength=n_groups)
            last.update(t=float(t_both[0]), x=x_both[0], slope=last["slope"][0])
            stepped = False  # x at mu is known now
            assert free is not None
            free["x"] = _settle_free(x_both[1][curves.inverse], problem, weight_free)
            t_mu = float(t_both[0])
        else:
            t_mu, count, stepped = _solve_level(
                total, budget, low, high, tol, near, guess, accept=None if small else on_slopes
            )
            evaluations += count
    mu = 0.0 if t_mu == -745.0 else math.exp(t_mu)
    if small and free is not None and offset == 0 and full:
        # the split without share rules: one level for all channels, near the budget's
        moot = problem.exact_cover or t_mu <= low + 1.0  # (the budget's level is moot)
        if moot:
            t_free = _first_level(curves, budget, offset, start)
        else:  # a Newton step from mu on the channels' own (unclipped) spends
            t_free = t_mu
            if "g" in last and sum(last["gs"]) < 0:  # (from the last evaluation, near mu)
                t_free = last["t"] - (sum(last["g"]) - budget) / sum(last["gs"])
                t_free = min(max(t_free, low), high)
        t_free, count, _ = _solve_level(spend_all.total, budget, low, high, tol, near, t_free)
        evaluations += count
        x_free, slope_free = spend_all.spends(t_free)
        inv = curves.inverse
        free["x"] = _settle_free(np.array(x_free)[inv], problem, -np.array(slope_free)[inv])
    shadow: dict[str, float] = {"budget": mu}
    if problem.exact_cover:
        # every group is held at its share: no need to look at the spends at mu
        target, clipped = g_lo, np.arange(n_groups)
    elif problem.n_shared == 0:
        # no share rules: one level for every channel
        x, x_slope = spend_at(t_mu, stepped), last["slope"]
        target, clipped = g_hi, np.zeros(0, dtype=np.int64)  # (target unused: no rules)
    else:
        if not stepped and last.get("t") != t_mu:
            group_sums(t_mu)
        x, x_slope = spend_at(t_mu, stepped), last["slope"]
        spend_g = np.asarray(last["g"]) if not stepped else np.bincount(group_k, x, n_groups)
        slope_g = np.asarray(last["gs"])
        target = np.minimum(np.maximum(spend_g, g_lo), g_hi)
        clipped = np.flatnonzero(np.abs(target - spend_g) > 1e-12 * max(budget, 1.0))
    if clipped.size:
        # the clipped groups' own levels, all at once (one level per group; the other
        # groups' channels are evaluated at mu and ignored)
        t_group = np.full(n_groups, t_mu)
        # start each group at one Newton step from mu on its own spend (known from
        # above) where that spend falls; else from an even split within the group
        newton, falling = None, np.zeros(clipped.size, dtype=bool)
        if not problem.exact_cover and mu > floor:
            d = slope_g[clipped]
            falling = d < 0
            gap = spend_g[clipped] - target[clipped]
            newton = t_mu - gap / np.where(falling, d, -1.0)
        if newton is not None and falling.all():
            first = newton
        else:
            even = curves.derivative(target[group_of] / np.bincount(group_of)[group_of])
            mean_even = cast(FloatArray, np.bincount(group_of, weights=even, minlength=n_groups))
            mean_even = mean_even / np.maximum(np.bincount(group_of, minlength=n_groups), 1)
            first = np.log(np.maximum(mean_even[clipped] - offset, 1e-300))
            if newton is not None:
                first = np.where(falling, newton, 0.5 * (first + t_mu))

        is_clipped = np.zeros(n_groups, dtype=bool)
        is_clipped[clipped] = True
        if curves.closed_form and int(is_clipped[group_k].sum()) <= _SCALAR_CHANNELS:
            # few channels: each group's level by a scalar root finder on Python floats
            if problem.exact_cover:
                x, x_slope = np.zeros(curves.n), np.zeros(curves.n)
            else:
                x, x_slope = x.copy(), x_slope.copy()
            t_list = []
            for k, t0 in zip(clipped.tolist(), first.tolist(), strict=True):
                members = np.flatnonzero(group_k == k).tolist()
                spend = curves.scalar_group(
                    members, lo_k[members].tolist(), hi_k[members].tolist(), offset
                )
                tk, count, _ = _solve_level(spend.total, float(target[k]), low, high, tol, near, t0)
                evaluations += count
                x[members], x_slope[members] = spend.spends(tk)
                t_list.append(tk)
            t_k = np.array(t_list)
        else:

            def clipped_sums(t: FloatArray) -> tuple[FloatArray, FloatArray]:
                t_group[clipped] = t
                g, gs = group_sums(t_group[group_k])
                return g[clipped], gs[clipped]

            def accept(t: FloatArray) -> bool:
                t_group[clipped] = t
                return on_slopes(t_group[group_k])

            t_k, count, stepped = _solve_levels(
                clipped_sums, target[clipped], low, high, tol, near, first, accept
            )
            evaluations += count
            t_group[clipped] = t_k
            x = spend_at(t_group[group_k], stepped)
            x_slope = last["slope"]
        for k, tk in zip(clipped.tolist(), t_k.tolist(), strict=True):
            shadow[f"group:{problem.group_names[k]}"] = math.exp(tk) - mu
    if mu <= floor * 10 and len(shadow) > 1:
        # every group sits at its share: an extra yuan is split by the shares
        lam_g = np.array([shadow.get(f"group:{g}", 0.0) + mu for g in problem.group_names])
        share = (g_lo / budget) if budget > 0 else np.zeros(n_groups)
        price = float(np.sum(share * lam_g))
        shadow = {
            "budget": price,
            **{k: v + mu - price for k, v in shadow.items() if k != "budget"},
        }
    x = x[curves.inverse]
    if curves.any_s_shaped:
        _fill_segments(x, curves, problem, full or mu > 0, mu, shadow, target, clipped, offset)
    _settle(x, problem, target, full or mu > 0, -x_slope[curves.inverse])
    return x, shadow, evaluations


def _fill_segments(
    x: FloatArray,
    curves: CurveSet,
    problem: SplitProblem,
    spend_all: bool,
    mu: float,
    shadow: dict[str, float],
    target: FloatArray,
    clipped: IntArray,
    offset: float,
) -> None:
    """Place what the roots left over on the S-shaped channels' envelope lines.

    An S-shaped channel's envelope is a straight line on [0, t]: at the level of its
    slope its spend jumps from 0 to t, so a root (the budget's level, or a group's held
    at its share) can fall on the jump and leave part of the budget, or of the group's
    share, unplaced.  Each clipped group's gap goes to its channels on such lines, the
    budget's rest to those of the other groups, nearest their level first (the one
    whose jump the level straddles; at most one ends inside its line, the envelope
    problem's optimum).  ``x`` is changed in place (input order)."""
    names, group_of = problem.group_names, problem.group_of
    lo, hi = problem.lower, problem.upper
    budget = problem.budget
    on_line = curves.s_shaped & (x <= curves.tangent)
    if not on_line.any():
        return
    n_groups = len(names)
    sums = np.bincount(group_of, weights=x, minlength=n_groups)
    own = np.zeros(n_groups, dtype=bool)
    own[clipped] = True
    parts: list[tuple[IntArray, float, float]] = []
    placed = 0.0
    for k in clipped.tolist():
        gap = float(target[k] - sums[k])
        level = shadow.get("budget", mu) + shadow.get(f"group:{names[k]}", 0.0)
        parts.append((np.flatnonzero(on_line & (group_of == k)), gap, level))
        placed += gap
    spent = float(_add(x))
    rest = (budget if spend_all else spent) - spent - placed
    parts.append((np.flatnonzero(on_line & ~own[group_of]), rest, mu))
    for members, gap, level in parts:
        if abs(gap) <= 1e-9 * max(budget, 1.0) or members.size == 0:
            continue
        nearest = np.argsort(np.abs(curves.envelope_slope[members] - level - offset), kind="stable")
        for i in members[nearest].tolist():
            give = float(np.clip(gap, lo[i] - x[i], min(curves.tangent[i], hi[i]) - x[i]))
            x[i] += give
            gap -= give
            if gap == 0:
                break


def _first_level(curves: CurveSet, budget: float, offset: float, start: FloatArray | None) -> float:
    """A first log level for the root finders: the mean marginal return of an even
    split, or the spend-weighted mean of a given plan near the answer (``start``)."""
    if start is None:
        mean = curves.mean_derivative_at(budget / curves.n)
    else:
        mean = float(start @ curves.derivative(start)) / max(float(_add(start)), 1e-300)
    return math.log(max(mean - offset, 1e-300))


def _give(x: FloatArray, problem: SplitProblem, among: Any, gap: float) -> None:
    """Place ``gap`` yuan (added, or taken if negative) on the channels in the boolean
    mask ``among`` (every channel if None), those with the most room that way first,
    each within its bounds."""
    room = problem.upper - x if gap > 0 else x - problem.lower
    candidates = np.flatnonzero(among) if among is not None else np.arange(x.size)
    for i in candidates[np.argsort(-room[candidates], kind="stable")].tolist():
        step = min(abs(gap), float(room[i]))
        if step <= 0:
            break
        x[i] = min(max(x[i] + math.copysign(step, gap), problem.lower[i]), problem.upper[i])
        gap -= math.copysign(step, gap)
        if gap == 0:
            break


def _spread(
    x: FloatArray, problem: SplitProblem, part: IntArray, gap: list[float], weight: FloatArray
) -> list[float]:
    """Add ``gap[p]`` yuan to the channels of each part ``p`` (``part``: the part of each
    channel) in proportion to ``weight`` (each channel's spend per unit of level: a
    last Newton step), within the channels' bounds.  Returns what is left per part: the
    whole gap where no channel has weight, and what the bounds cut off.  (The few parts
    are handled on Python floats, the channels in numpy.)"""
    w_sum = np.bincount(part, weights=weight, minlength=len(gap)).tolist()
    step = [g / w if w > 0 else 0.0 for g, w in zip(gap, w_sum, strict=True)]
    left = [0.0 if w > 0 else g for g, w in zip(gap, w_sum, strict=True)]
    moved = x + weight * np.array(step)[part]
    y = np.minimum(np.maximum(moved, problem.lower), problem.upper)
    x[:] = y
    if np.not_equal(y, moved).any():
        cut = np.bincount(part, weights=moved - y, minlength=len(gap)).tolist()
        left = [a + b for a, b in zip(left, cut, strict=True)]
    return left


def _settle_free(x: FloatArray, problem: SplitProblem, weight: FloatArray) -> FloatArray:
    """:func:`_settle` for the split without share rules (one part: every channel);
    ``x`` is changed in place and returned."""
    one_part = np.zeros(x.size, dtype=np.int64)
    gap = _spread(x, problem, one_part, [problem.budget - float(_add(x))], weight)[0]
    if gap != 0:
        _give(x, problem, None, gap)
    return x


def _settle(
    x: FloatArray,
    problem: SplitProblem,
    target: FloatArray,
    full: bool,
    weight: FloatArray | None = None,
) -> None:
    """Make group and budget sums exact (to rounding): the root finders stop within a
    tolerance (or one Newton step short of it).  A group's leftover (the free groups'
    together for the budget's) is spread along ``weight`` (see :func:`_spread`), and
    what that cannot place goes to the channel with the most room in its group."""
    group_of, shared = problem.group_of, problem.shared
    n_groups = len(problem.group_names)
    sums = np.bincount(group_of, weights=x, minlength=n_groups).tolist()
    rules = shared.tolist()
    # parts: each group with a share rule, and (code n_groups) the free groups together
    gap = [t - v if rule else 0.0 for t, v, rule in zip(target.tolist(), sums, rules, strict=True)]
    if full and problem.n_shared < n_groups:
        ruled = sum(t for t, rule in zip(target.tolist(), rules, strict=True) if rule)
        rest = sum(v for v, rule in zip(sums, rules, strict=True) if not rule)
        gap.append(problem.budget - ruled - rest)
    else:
        gap.append(0.0)
    if weight is not None:
        part = np.where(shared[group_of], group_of, n_groups)
        gap = _spread(x, problem, part, gap, weight)
    if not any(gap):
        return
    for k, amount in enumerate(gap):
        if amount:
            among = ~shared[group_of] if k == n_groups else group_of == k
            _give(x, problem, among, amount)


def _newton_step(
    t: float, f: float, d: float, a: float, b: float
) -> tuple[float, float, float, bool] | None:
    """One safeguarded Newton step on a falling function with value ``f`` and slope
    ``d`` at ``t``: the bracket ``[a, b]`` narrowed by the sign of ``f``, then the
    Newton step if it stays inside, else bisection.  Returns the new ``(t, a, b)`` and
    whether the step was Newton's, or None when the bracket has collapsed."""
    if f > 0:
        a = t  # spend too high: the level must rise
    else:
        b = t
    if b - a <= 1e-15 * (1.0 + abs(t)):
        return None
    step = t - f / d if d < 0 else math.nan
    if a < step < b:
        return step, a, b, True
    return 0.5 * (a + b), a, b, False


def _solve_levels(
    spend_and_slope: Callable[[FloatArray], tuple[FloatArray, FloatArray]],
    goals: FloatArray,
    low: float,
    high: float,
    tol: float,
    near: float,
    guess: FloatArray | None = None,
    accept: Callable[[FloatArray], bool] | None = None,
) -> tuple[FloatArray, int, bool]:
    """Solve ``spend_k(t_k) = goals_k`` for every k at once, on ``t = log(level)``.

    ``spend_and_slope(t)`` returns the spends (falling in ``t``) and their derivatives,
    evaluated for all k in one vectorised call.  Newton steps are safeguarded by a
    bracket per k: a step that leaves it becomes bisection.  The bookkeeping is on
    Python floats (there are few levels: one per group), which costs less than numpy
    calls on arrays this small.

    Returns the solutions, the number of evaluations, and whether the solutions are
    one Newton step past the last evaluation (taken when every residual was within
    ``near`` and ``accept`` allows the step; the caller moves that evaluation's spends
    along their slopes) rather than the last evaluation itself (every residual within
    ``tol``).
    """
    m = goals.size
    goal = goals.tolist()
    a, b = [low] * m, [high] * m
    t = [0.5 * (low + high)] * m if guess is None else np.clip(guess, low, high).tolist()
    count = 0
    for _ in range(300):
        spend, slope = spend_and_slope(np.array(t))
        count += 1
        moving, final = False, True
        for k, (x, d) in enumerate(zip(spend.tolist(), slope.tolist(), strict=True)):
            f = x - goal[k]
            if abs(f) <= tol:
                continue
            step = _newton_step(t[k], f, d, a[k], b[k])
            if step is not None:
                t[k], a[k], b[k], newton = step
                moving = True
                final &= newton and abs(f) <= near
        if not moving:
            break
        if final and (accept is None or accept(np.array(t))):
            return np.array(t), count, True
    return np.array(t), count, False


def _solve_level(
    spend_and_slope: Callable[[float], tuple[float, float]],
    goal: float,
    low: float,
    high: float,
    tol: float,
    near: float,
    guess: float | None,
    accept: Callable[[float], bool] | None = None,
) -> tuple[float, int, bool]:
    """The scalar case of :func:`_solve_levels`, on plain floats."""
    a, b = low, high
    t = min(max(guess, low), high) if guess is not None else 0.5 * (low + high)
    count = 0
    for _ in range(300):
        spend, d = spend_and_slope(t)
        count += 1
        f = spend - goal
        if abs(f) <= tol:
            break
        step = _newton_step(t, f, d, a, b)
        if step is None:
            break
        t, a, b, newton = step
        if newton and abs(f) <= near and (accept is None or accept(t)):
            return t, count, True
    return t, count, False


def _scipy(
    curves: CurveSet,
    problem: SplitProblem,
    offset: float,
    full: bool,
    method: str,
    options: dict[str, Any],
    starts: list[FloatArray] | None = None,
    ftol: float | None = None,
) -> tuple[FloatArray, int, str]:
    """Multi-start scipy reference (SLSQP or trust-constr) on the true curves, from the
    ``starts`` given (yuan) and ``options["n_starts"]`` random ones; each answer's sums
    made exact (:func:`_repair`)."""
    gen = check_random_state(options["rng"])
    n, budget = curves.n, problem.budget
    lo, hi = problem.lower, problem.upper

    # optimise over shares of the budget (well scaled); objective per yuan of budget
    def fun(u: FloatArray) -> float:
        x = u * budget
        return -float(curves.value(x).sum() - offset * x.sum()) / budget

    def jac(u: FloatArray) -> FloatArray:
        return -(curves.derivative(u * budget) - offset)

    members = np.zeros((len(problem.group_names), n))
    members[problem.group_of, np.arange(n)] = 1.0
    shared = problem.shared
    constraints: list[Any] = []
    if full and not problem.exact_cover:  # exact shares of every group fix the total
        constraints.append(optimize.LinearConstraint(np.ones((1, n)), 1.0, 1.0))
    elif not full:
        constraints.append(optimize.LinearConstraint(np.ones((1, n)), 0.0, 1.0))
    # exact shares and ranges in separate constraints (SLSQP treats them apart)
    exact = problem.exact_share
    for rows in (exact, shared & ~exact):
        if rows.any():
            constraints.append(
                optimize.LinearConstraint(
                    members[rows],
                    problem.group_lower[rows] / budget,
                    problem.group_upper[rows] / budget,
                )
            )
    extra: dict[str, float] = {} if ftol is None or method != "slsqp" else {"ftol": ftol}
    best_x, best_f, nit, messages = None, np.inf, 0, []
    given = [np.clip(s, lo, hi) / budget for s in starts or []]
    for k in range(len(given) + int(options["n_starts"])):
        if k < len(given):
            start = given[k]
        else:
            start = lo + gen.dirichlet(np.ones(n)) * max(budget - lo.sum(), 0.0)
            start = np.clip(start, lo, hi) / budget
        res = optimize.minimize(
            fun,
            start,
            jac=jac,
            method="SLSQP" if method == "slsqp" else "trust-constr",
            bounds=optimize.Bounds(lo / budget, hi / budget),
            constraints=constraints,
            options=cast(Any, {"maxiter": int(options["maxiter"]), **extra}),
        )
        nit += int(getattr(res, "nit", 0) or 0)
        x = _repair(np.asarray(res.x, dtype=np.float64) * budget, problem, full)
        spent = float(x.sum())
        ok = abs(spent - budget) <= 1e-6 * budget if full else spent <= budget * (1 + 1e-6)
        ok &= bool(np.all(np.isfinite(x)))
        g = np.bincount(problem.group_of, weights=x, minlength=len(problem.group_names))
        ok &= bool(np.all(g[shared] >= problem.group_lower[shared] - 1e-6 * budget))
        ok &= bool(np.all(g[shared] <= problem.group_upper[shared] + 1e-6 * budget))
        messages.append(str(res.message))
        if ok and fun(x / budget) < best_f:
            best_x, best_f = x, fun(x / budget)
    if best_x is None:
        raise SolverError(
            f"{method} found no feasible split from {options['n_starts']} starts "
            f"(last message: {messages[-1]!r}); try method='kkt'."
        )
    return best_x, nit, f"best of {options['n_starts']} {method} starts"


#: Most nodes of the branch and bound over S-shaped channels (:func:`_fix_s_shaped`);
#: past it the split is the best found, and its message says so.
_MAX_NODES = 256


def _fix_s_shaped(
    curves: CurveSet,
    problem: SplitProblem,
    x: FloatArray,
    offset: float,
    full: bool,
    xtol: float,
    incumbent: FloatArray | None = None,
) -> tuple[FloatArray, str]:
    """The split of S-shaped curves: branch and bound over their concave envelopes.

    ``x`` solves the problem on the envelopes (the line from the origin to each S-curve's
    tangent point, then the curve): an upper bound on the true optimum.  A channel
    that ends inside its envelope's straight segment (where the envelope overstates the
    curve) is branched on: either *off* (held at its minimum) or *on* (held on the
    concave part of its curve, from its inflection point on, where the envelope is the
    curve).  On the straight segments of a solution of the envelope problem at most one
    channel per binding constraint ends strictly inside; each node re-solves the
    envelope problem (exact: it is concave) with its channels so held, which bounds
    every split below it; a node whose envelope solution has no channel inside a
    segment is solved exactly on the true curves.  Every node's solution is feasible,
    evaluated on the true curves, and the best kept.  A channel whose best spend lies
    in the convex part of its curve (below the inflection point) is left to
    :func:`_consolidate_convex` and the polish by SLSQP that follow (see
    :func:`_solve`).  Says which channels were
    treated so and the gap to the envelope bound.  ``incumbent``: a feasible split found
    otherwise (SLSQP's), the best to beat from the start (fewer nodes)."""
    if not curves.any_s_shaped:
        return x, ""
    s_shaped = curves.s_shaped
    lo, hi = problem.lower, problem.upper
    on_lower = np.minimum(np.maximum(lo, curves.inflection), hi)

    def true_value(y: FloatArray) -> float:
        return float(curves.value(y).sum() - offset * y.sum())

    def inside(cs: CurveSet, y: FloatArray) -> FloatArray:
        """How much the envelope overstates each undecided channel at ``y``."""
        gap = cs.envelope_value(y) - curves.value(y)
        return np.where(cs.s_shaped, gap, 0.0)

    root_bound = float(curves.envelope_value(x).sum() - offset * x.sum())
    best_x = x
    best_v = true_value(x) if _feasible(problem, x, full) else -np.inf
    if incumbent is not None and true_value(incumbent) > best_v:
        best_x, best_v = incumbent, true_value(incumbent)
    # a node: per channel -1 (undecided), 0 (off: at its minimum), 1 (on its concave part)
    state0 = np.where(s_shaped, -1, 2).astype(np.int8)
    stack: list[tuple[np.ndarray, FloatArray, CurveSet, float]] = []

    def branch(state: np.ndarray, y: FloatArray, cs: CurveSet, bound: float) -> None:
        gap = inside(cs, y)
        tol = 1e-12 * max(abs(bound), 1.0)
        if not (gap > tol).any():
            return  # exact on the true curves: nothing below to try
        i = int(gap.argmax())
        children = []
        for side in (0, 1):
            child = state.copy()
            child[i] = side
            children.append(child)
        # the side nearer the envelope's answer last (explored first)
        if y[i] < 0.5 * max(float(curves.tangent[i]), lo[i]):
            children.reverse()
        for child in children:
            stack.append((child, y, cs, bound))

    def solve_node(state: np.ndarray) -> tuple[FloatArray, CurveSet, float] | None:
        lower, upper = lo.copy(), hi.copy()
        off, on = state == 0, state == 1
        upper[off] = lo[off]
        lower[on] = on_lower[on]
        sub = _replace(problem, lower, upper)
        if _infeasible(sub, full):
            return None
        cs = curves.with_concave_part(on)
        try:
            y, _, _ = _kkt(cs, sub, offset, full, xtol)
        except (InfeasibleError, ValueError):
            return None
        if not np.all(np.isfinite(y)) or not _feasible(problem, y, full):
            return None
        return y, cs, float(cs.envelope_value(y).sum() - offset * y.sum())

    branch(state0, x, curves, root_bound)
    nodes, complete = 1, True
    while stack:
        state, _, _, parent_bound = stack.pop()
        if parent_bound <= best_v + 1e-12 * max(abs(best_v), 1.0):
            continue  # nothing below can beat the best split found
        if nodes >= _MAX_NODES:
            complete = False
            break
        nodes += 1
        found = solve_node(state)
        if found is None:
            continue
        y, cs, bound = found
        value = true_value(y)
        if value > best_v:
            best_x, best_v = y, value
        if bound > best_v + 1e-12 * max(abs(best_v), 1.0):
            branch(state, y, cs, bound)
    names = [problem.channels[i] for i in np.flatnonzero(s_shaped)]
    gap = max(root_bound - best_v, 0.0) / max(abs(root_bound), 1e-300)
    how = "searched completely" if complete else f"stopped at {_MAX_NODES} nodes"
    return best_x, (
        f" S-shaped channel(s) {names}: branch and bound over their concave envelopes "
        f"({nodes} node(s), {how}); the best split is within {gap:.3g} (relative) of "
        "the envelope bound."
    )


def _consolidate_convex(
    curves: CurveSet, problem: SplitProblem, x: FloatArray, offset: float, full: bool
) -> FloatArray | None:
    """The best split with each group's spend in the convex part of its S-curves (below
    their inflection points, where the branches of :func:`_fix_s_shaped` do not reach:
    a share or bound can force such spend) moved onto a single S-shaped channel of the
    group; on a convex stretch the best split is at such a vertex.  Every S-shaped
    channel of the group is tried; None when no channel sits in a convex part or no
    move helps."""
    lo, hi = problem.lower, problem.upper
    eps = 1e-12 * max(problem.budget, 1.0)
    convex = curves.s_shaped & (x > lo + eps) & (x < curves.inflection - eps)
    if not convex.any():
        return None
    best, best_v = None, _objective(curves, x, offset)
    for k in np.unique(problem.group_of[convex]).tolist():
        members = np.flatnonzero(convex & (problem.group_of == k))
        total = float((x[members] - lo[members]).sum())
        for j in np.flatnonzero(curves.s_shaped & (problem.group_of == k)).tolist():
            y = x.copy()
            y[members] = lo[members]
            y[j] += total
            if y[j] > hi[j] or not _feasible(problem, y, full):
                continue
            value = _objective(curves, y, offset)
            if value > best_v:
                best, best_v = y, value
    return best


def _infeasible(problem: SplitProblem, full: bool) -> bool:
    """Whether the channel bounds and group limits of ``problem`` cannot hold together."""
    tol = 1e-12 * max(problem.budget, 1.0)
    if np.any(problem.group_lower > problem.group_upper + tol):
        return True
    if problem.group_lower.sum() > problem.budget + tol:
        return True
    return bool(full and problem.group_upper.sum() < problem.budget - tol)


def _replace(problem: SplitProblem, lower: FloatArray, upper: FloatArray) -> SplitProblem:
    import dataclasses

    g_min = np.bincount(problem.group_of, weights=lower, minlength=len(problem.group_names))
    g_max = np.bincount(problem.group_of, weights=upper, minlength=len(problem.group_names))
    return dataclasses.replace(
        problem,
        lower=lower,
        upper=upper,
        group_lower=np.maximum(problem.group_lower, g_min),
        group_upper=np.minimum(problem.group_upper, g_max),
    )


def _solve(
    curves: CurveSet,
    problem: SplitProblem,
    offset: float,
    full: bool,
    method: str,
    opts: dict[str, Any],
    start: FloatArray | None = None,
    free: dict[str, FloatArray] | None = None,
) -> tuple[FloatArray, dict[str, float], int, str]:
    if method == "kkt":
        xtol = float(opts["xtol"])
        x, shadow, nit = _kkt(curves, problem, offset, full, xtol, start, free)
        message = "equal marginal ROI within groups (water-filling)."
        if not curves.any_s_shaped:
            return x, shadow, nit, message
        # SLSQP first (from the envelope's split and random starts): a good split to beat
        # prunes the branch and bound; then a polish of its best on the true curves (a
        # channel may end in the convex part of its curve, which the branches leave out)
        n_starts = int(opts["n_starts"])
        slsqp = {"n_starts": n_starts, "maxiter": 500, "rng": opts["rng"]}
        try:
            y, n_more, _ = _scipy(curves, problem, offset, full, "slsqp", slsqp, [x], 1e-14)
        except SolverError:
            y, n_more = None, 0
        nit += n_more
        z, note = _fix_s_shaped(curves, problem, x, offset, full, xtol, y)
        if y is None or z is not y:
            try:
                polish = {"n_starts": 0, "maxiter": 500, "rng": 0}
                w, n_more, _ = _scipy(curves, problem, offset, full, "slsqp", polish, [z], 1e-14)
                nit += n_more
                if _objective(curves, w, offset) > _objective(curves, z, offset):
                    z = w
            except SolverError:
                pass
        moved = _consolidate_convex(curves, problem, z, offset, full)
        if moved is not None:
            try:
                polish = {"n_starts": 0, "maxiter": 500, "rng": 0}
                w, n_more, _ = _scipy(
                    curves, problem, offset, full, "slsqp", polish, [moved], 1e-14
                )
                nit += n_more
                moved = (
                    w
                    if _objective(curves, w, offset) > _objective(curves, moved, offset)
                    else moved
                )
            except SolverError:
                pass
            if _objective(curves, moved, offset) > _objective(curves, z, offset):
                z = moved
                note += " Spend in the convex part of S-curves moved onto one channel per group."
        x = z
        note += f" SLSQP ({n_starts} random start(s), and polishes) gave its best to beat."
        # the shadow prices of the branch's own bounds are not the problem's: they are
        # read from the KKT check of the returned split
        return x, {}, nit, message + note
    x, nit, message = _scipy(curves, problem, offset, full, method, opts)
    return x, {}, nit, message + "."


def _objective(curves: CurveSet, x: FloatArray, offset: float) -> float:
    return float(curves.value(x).sum() - offset * x.sum())


def _repair(x: FloatArray, problem: SplitProblem, full: bool) -> FloatArray:
    """``x`` (within the channel bounds) with its group and budget sums made exact: a
    scipy answer meets them only to its own tolerance (about 1e-6 of the budget)."""
    x = np.minimum(np.maximum(x, problem.lower), problem.upper)
    g = np.bincount(problem.group_of, weights=x, minlength=len(problem.group_names))
    target = np.minimum(np.maximum(g, problem.group_lower), problem.group_upper)
    _settle(x, problem, target, full or float(x.sum()) > problem.budget)
    return x


@dataclass(frozen=True, slots=True)
class _KktReport:
    """The KKT conditions checked on a split: whether they hold, what fails, and the
    multipliers (``budget``, ``group:<name>``) when they hold."""

    holds: bool
    message: str
    shadow: dict[str, float]


def _kkt_report(
    curves: CurveSet,
    problem: SplitProblem,
    x: FloatArray,
    offset: float,
    full: bool,
    rtol: float = 1e-6,
) -> _KktReport:
    """Check the KKT conditions of a split on the split itself.

    With marginal return ``m_i = f_i'(x_i) - offset`` and a level ``L_g`` per group:
    ``m_i == L_g`` for a channel strictly inside its bounds, ``m_i <= L_g`` at its
    minimum, ``m_i >= L_g`` at its maximum.  The budget's level ``mu`` equals ``L_g`` for
    a group inside its share limits, is ``<= L_g`` for a group at its upper limit and
    ``>= L_g`` at its lower one (an exact share: anything); ``mu`` is free when the
    budget must be spent, ``>= 0`` when it may not be and is, and 0 when some is left.
    Tolerance: ``rtol`` times the largest finite marginal return (and 1e-8 of the
    budget for "at a bound").  Necessary conditions: with S-shaped curves a KKT point
    need not be the optimum.
    """
    names, channels = problem.group_names, problem.channels
    marginal = curves.derivative(x) - offset
    finite = marginal[np.isfinite(marginal)] + offset
    tol = rtol * max(float(np.abs(finite).max()) if finite.size else 0.0, 1e-300)
    eps = 1e-8 * max(problem.budget, 1.0)
    fixed = problem.upper - problem.lower <= eps
    # a channel whose next 1e-9 of the budget (up or down) changes the response by
    # less than 1e-9 of it has no marginal return the split could act on (a Hill curve
    # of shape < 1 near 0, whose optimum can lie below the budget's rounding)
    near_zero = (x <= problem.lower + eps) & ~fixed
    if near_zero.any():
        step = 1e-9 * max(problem.budget, 1.0)
        value = curves.value(x)
        moved = np.maximum(
            np.abs(curves.value(np.minimum(x + step, problem.upper)) - value),
            np.abs(value - curves.value(np.maximum(x - step, problem.lower))),
        )
        fixed |= near_zero & (moved <= 1e-9 * max(float(np.abs(value).sum()), 1e-300))
    at_lo = (x <= problem.lower + eps) & ~fixed
    at_hi = (x >= problem.upper - eps) & ~fixed
    n_groups = len(names)
    low = np.full(n_groups, -np.inf)
    high = np.full(n_groups, np.inf)
    # interior or at the minimum: the level is >= m; interior or at the maximum: <= m
    rises = ~fixed & ~at_hi
    falls = ~fixed & ~at_lo
    np.maximum.at(low, problem.group_of[rises], marginal[rises] - tol)
    np.minimum.at(high, problem.group_of[falls], marginal[falls] + tol)
    bad = np.flatnonzero(low > high)
    if bad.size:
        g = int(bad[0])
        members = np.flatnonzero((problem.group_of == g) & ~fixed)
        shown = ", ".join(
            f"{channels[i]!r} {marginal[i] + offset:.6g}"
            + (" (at its minimum)" if at_lo[i] else " (at its maximum)" if at_hi[i] else "")
            for i in members
        )
        where = "" if names[g].startswith("<") else f" in group {names[g]!r}"
        return _KktReport(
            False,
            f"the channels{where} do not share one marginal ROI level (marginal ROI: "
            f"{shown}; channels inside their bounds must be equal, those at their "
            "minimum <= and at their maximum >= the level)",
            {},
        )
    spend_g = np.bincount(problem.group_of, weights=x, minlength=n_groups)
    g_eps = 1e-8 * max(problem.budget, 1.0)
    mu_low, mu_high = -np.inf, np.inf
    for g in range(n_groups):
        upper_limit = problem.shared[g] and spend_g[g] >= problem.group_upper[g] - g_eps
        lower_limit = problem.shared[g] and spend_g[g] <= problem.group_lower[g] + g_eps
        if upper_limit and lower_limit:
            continue
        if not upper_limit:  # mu >= L_g (a lower limit: lambda <= 0) or equal
            mu_low = max(mu_low, low[g])
        if not lower_limit:
            mu_high = min(mu_high, high[g])
    spent = float(x.sum())
    if not full:
        if spent < problem.budget - g_eps:
            mu_low, mu_high = max(mu_low, -tol), min(mu_high, tol)
        else:
            mu_low = max(mu_low, -tol)
    if mu_low > mu_high:
        return _KktReport(
            False,
            f"no budget shadow price fits every group (the groups' marginal ROI levels "
            f"need one between {mu_low + offset:.6g} and {mu_high + offset:.6g})",
            {},
        )
    if math.isfinite(mu_low) and math.isfinite(mu_high):
        mu = 0.5 * (mu_low + mu_high)
    elif math.isfinite(mu_low) or math.isfinite(mu_high):
        mu = mu_low if math.isfinite(mu_low) else mu_high
    else:
        mu = 0.0
    if not full and spent < problem.budget - g_eps:
        mu = 0.0
    shadow = {"budget": max(mu, 0.0) if not full else mu}
    for g in range(n_groups):
        if problem.shared[g]:
            level = min(max(mu, low[g]), high[g])
            if abs(level - mu) > tol:
                shadow[f"group:{names[g]}"] = level - mu
    return _KktReport(True, "", shadow)


def check_curves(curves: Any) -> None:
    """``curves`` must be a non-empty mapping of channel name -> ResponseCurve."""
    if not isinstance(curves, Mapping) or not curves:
        raise InvalidInputError(
            "`curves` must be a non-empty mapping of channel -> ResponseCurve. "
            f"Got {short_repr(curves)} instead."
        )
    bad = [k for k, v in curves.items() if not isinstance(v, ResponseCurve)]
    if bad:
        raise InvalidInputError(
            f"`curves` values must be ResponseCurve. Got {short_repr(curves[bad[0]])} for "
            f"channel(s) {bad} instead."
        )


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
            raise InvalidInputError(f"`current` lacks channel(s) {missing}.")
        current_arr = np.array(
            [check_scalar(current[c], f"current[{c!r}]", lower=0) for c in channels]
        )
    problem = build_split_problem(channels, budget, groups, group_shares, bounds, current_arr)
    full = goal == "revenue"
    if full and problem.group_upper.sum() < budget * (1 - 1e-12):
        raise InfeasibleError(
            f"The channel and group maximums add to {problem.group_upper.sum():,.2f} yuan, "
            f"below the budget of {budget:,.2f} yuan: the bounds cannot hold the budget.",
            {"budget": budget - float(problem.group_upper.sum())},
        )
    curve_set = CurveSet([curves[c] for c in channels])
    offset = 1.0 if goal == "profit" else 0.0
    note = ""
    if goal == "roi":
        if min_revenue is None:
            raise InvalidInputError("objective='roi' needs `min_revenue`.")
        from bidopt.channels._target import least_budget

        target_revenue = check_scalar(min_revenue, "min_revenue", lower=0, lower_inclusive=False)
        spend_needed = least_budget(curve_set, problem, target_revenue, opts)
        problem = _with_budget(problem, spend_needed, groups, group_shares, bounds, current_arr)
        full = True
        note = f" Least spend reaching revenue {target_revenue:,.0f}: {spend_needed:,.2f} yuan."
    # the split without the group rules, for the rule's cost: kkt may find it on the way
    free_split: dict[str, FloatArray] | None = {} if groups and group_shares else None
    x, shadow, nit, message = _solve(curve_set, problem, offset, full, name, opts, None, free_split)
    cut = False  # whether min_roi cut the spend below the budget
    if min_roi is not None:
        floor = check_scalar(min_roi, "min_roi", lower=0, lower_inclusive=False)
        value = float(curve_set.value(x).sum())
        if value < floor * x.sum() * (1 - 1e-12):
            from bidopt.channels._target import largest_budget_for_roi

            cut_to = largest_budget_for_roi(curve_set, problem, floor, opts)
            problem = _with_budget(problem, cut_to, groups, group_shares, bounds, current_arr)
            x, shadow, nit, message = _solve(curve_set, problem, offset, True, name, opts)
            free_split = {} if free_split is not None else None  # (for the old budget)
            note += f" Spends {cut_to:,.2f} of {budget:,.2f} yuan to keep ROI >= {floor:g}."
            cut = True
    status, success = 0, True
    current_response = None
    if current_arr is not None:
        current_response = float(curve_set.value(current_arr).sum())
        feasible = _feasible(problem, current_arr, full)
        mine = float(curve_set.value(x).sum() - offset * x.sum())
        theirs = current_response - offset * float(current_arr.sum())
        if feasible and theirs > mine + 1e-9 * max(abs(theirs), 1.0):
            x = current_arr.copy()
            message = (
                "The optimiser did not beat the current spend, which meets every "
                "constraint; returning the current spend."
            )
            status = 1
    unconstrained = None
    if free_split is not None:
        if "x" in free_split:
            y = free_split["x"]
        else:
            free = _without_groups(problem)
            y, _, _, _ = _solve(curve_set, free, offset, full, name, opts, start=x)
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
    report = _kkt_report(curve_set, problem, x, offset, full)
    if name == "kkt" and not report.holds and status == 0:
        # the water-filling missed (e.g. a group held above what is profitable, whose
        # level lies below the offset): SLSQP from its split, and random starts
        try:
            slsqp = {"n_starts": opts["n_starts"], "maxiter": 500, "rng": opts["rng"]}
            y, n_more, _ = _scipy(curve_set, problem, offset, full, "slsqp", slsqp, [x], 1e-14)
            nit += n_more
            gain = _objective(curve_set, y, offset) - _objective(curve_set, x, offset)
            if gain > 0:
                x, shadow = y, {}
                message += f" The KKT check failed on it; SLSQP from it added {gain:.6g}."
                response, marginal = curve_set.value_and_derivative(x)
                spend_g = np.asarray(
                    np.bincount(problem.group_of, weights=x, minlength=spend_g.size),
                    dtype=np.float64,
                )
                report = _kkt_report(curve_set, problem, x, offset, full)
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
    certificate = _certificate(problem, x, budget, goal == "revenue" and not cut)
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


def _certificate(
    problem: SplitProblem, x: FloatArray, total_budget: float, exact: bool
) -> Certificate:
    """Every constraint of a split checked on its spend ``x``: the budget (spent exactly
    when ``exact``, else at most), each channel's bounds, and each group's share rule
    (a fraction of the budget the split spends, ``problem.budget``)."""
    size = float(np.abs(x).sum())
    spent = float(x.sum())
    checks = [
        (equal if exact else upper)("budget", spent, total_budget, scale=size, unit="yuan"),
        lower_each("channel minimums", x, problem.lower, unit="yuan", item="channel"),
        upper_each("channel maximums", x, problem.upper, unit="yuan", item="channel"),
    ]
    if problem.share_lower is not None and problem.share_upper is not None:
        spend_g = np.bincount(problem.group_of, weights=x, minlength=len(problem.group_names))
        base = problem.budget
        for k in np.flatnonzero(problem.shared).tolist():
            name = f"group_shares[{problem.group_names[k]!r}]"
            low, high = problem.share_lower[k] * base, problem.share_upper[k] * base
            value = float(spend_g[k])
            if problem.share_lower[k] == problem.share_upper[k]:
                checks.append(equal(name, value, low, scale=size, unit="yuan"))
            else:
                checks.append(lower(name + " min", value, low, scale=size, unit="yuan"))
                checks.append(upper(name + " max", value, high, scale=size, unit="yuan"))
    return Certificate.of(checks)


def _without_groups(problem: SplitProblem) -> SplitProblem:
    """The same budget and channel bounds, every channel in a group of its own."""
    import dataclasses

    n = len(problem.channels)
    return dataclasses.replace(
        problem,
        group_of=np.arange(n, dtype=np.int64),
        group_names=problem.channels,  # one group per channel, named after it
        group_lower=problem.lower.copy(),
        group_upper=problem.upper.copy(),
        shared=np.zeros(n, dtype=bool),
    )


def _feasible(problem: SplitProblem, x: FloatArray, full: bool) -> bool:
    tol = 1e-9 * max(problem.budget, 1.0)
    if full and abs(x.sum() - problem.budget) > max(tol, 1e-6 * problem.budget):
        return False
    if x.sum() > problem.budget + tol:
        return False
    if np.any(x < problem.lower - tol) or np.any(x > problem.upper + tol):
        return False
    g = np.bincount(problem.group_of, weights=x, minlength=len(problem.group_names))
    return bool(np.all(g >= problem.group_lower - tol) and np.all(g <= problem.group_upper + tol))


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
) -> dict[str, BudgetSplit]:
    """The same budget split under several group rules, next to today's and the optimum.

    Parameters
    ----------
    curves, total_budget, groups, bounds, method
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
        )
    out["optimal"] = split_budget(
        curves, total_budget, current=current, bounds=bounds, method=method
    )
    return out
