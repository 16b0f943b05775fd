"""The water-filling solver: equal marginal return within each group.

:class:`WaterFilling` solves a split of concave curves (S-shaped ones on their concave
envelopes) exactly.  ``offset`` is 1 for profit (the marginal return less the yuan
spent), 0 for revenue.

First the budget's level ``mu``: with each group's spend clipped to its share limits,
the spends add up to the budget.  Then every group whose spend was clipped gets its own
level, at which its channels spend exactly the clipped amount (all such groups solved
together).  Root finding is on ``t = log(level)``, where every closed-form curve's
spend is smooth and nearly linear, by safeguarded Newton steps
(:mod:`bidopt.channels._roots`); the sums are then made exact by the settling step
(:mod:`bidopt.channels._settle`).

Asked for it (``want_free``), the solver also returns the split without the share rules
(the same budget and bounds): where the curves allow it (closed forms, revenue
objective, some share rule that is not all exact), its level is found in the same
evaluations as the budget's level, two rows at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

import numpy as np

from bidopt.channels._curveset import CurveSet, ScalarSpend
from bidopt.channels._problem import SplitProblem
from bidopt.channels._roots import solve_level, solve_levels
from bidopt.channels._settle import fill_segments, settle, settle_free
from bidopt.typing import FloatArray, IntArray

__all__ = ["NEAR", "SCALAR_CHANNELS", "Levels", "WaterFilling", "first_level"]

#: Root finders stop on a last Newton step, not evaluated, once every residual is
#: below this fraction of the budget (the step's own error is then of second order:
#: about 1e-8 of each spend).  On numpy evaluations the spends there are the last
#: evaluation's moved along their slopes (:meth:`CurveSet.linear_ok` and
#: :meth:`WaterFilling.on_slopes` decline the shortcut where a channel turns on or
#: leaves a bound on the way); on floats they are evaluated at the step, and
#: :func:`bidopt.channels._settle.settle` spreads what the step left along their slopes.
NEAR = 1e-4
#: Up to this many channels (in the groups of the second stage), levels are found on
#: Python floats (:meth:`CurveSet.scalar_group`) rather than by numpy evaluations: near
#: this size one float evaluation costs about as much as a numpy one (the timings are
#: in ``benchmarks/results/channels_split_notes.md``).
SCALAR_CHANNELS = 80
#: ``np.add.reduce``: a sum without ``ndarray.sum``'s Python-level wrapper, which costs
#: as much as the sum itself on arrays of a few dozen channels.
_add = np.add.reduce
#: The smallest level the root finders search; a level pinned there means every
#: channel sits at a bound.
_FLOOR = 1e-300
#: The log level of a budget that does not bind (profit: spending more loses money);
#: ``exp(-745.0)`` rounds to 0.
_UNBOUND = -745.0


@dataclass(frozen=True, slots=True)
class Levels:
    """The water-filling's answer.

    Attributes
    ----------
    x : ndarray of float64, shape (n_channels,)
        Spend per channel (input order), yuan, with exact group and budget sums.
    shadow : dict of str to float
        The budget's level (``budget``) and each clipped group's level above it
        (``group:<name>``): objective per extra yuan.
    evaluations : int
        Evaluations of the curves' spends by the root finders.
    free_x : ndarray of float64, shape (n_channels,), or None
        The split without the share rules, when asked for and found on the way.
    """

    x: FloatArray
    shadow: dict[str, float]
    evaluations: int
    free_x: FloatArray | None = None


class WaterFilling:
    """Water-filling of one split problem (see the module notes).

    The root finders work in the curve set's internal channel order (by kind,
    :attr:`CurveSet.order`).  The latest evaluation of the spends (its log level,
    spends, slopes and group sums) is kept: the budget's level and the groups' levels
    start from it, and a root finder's last Newton step moves its spends along their
    slopes instead of evaluating them again.

    Parameters
    ----------
    curves : CurveSet
    problem : SplitProblem
    offset : float
        1 for profit (marginal revenue less 1), 0 for revenue.
    """

    def __init__(self, curves: CurveSet, problem: SplitProblem, offset: float) -> None:
        self.curves, self.problem, self.offset = curves, problem, offset
        self.n_groups = len(problem.group_names)
        self.evaluations = 0
        budget = self.budget = problem.budget
        self.tol = 1e-10 * max(budget, 1.0)  # root tolerance; sums are made exact below
        self.near = NEAR * max(budget, 1.0)
        order = curves.order
        self.lo_k = problem.lower[order]
        self.hi_k = problem.upper[order]
        self.group_k = problem.group_of[order]
        self.open_below = not problem.lower.any()  # spends from the curves are >= 0 already
        self.log_offset = math.log(offset) if offset > 0 else 0.0
        self.share_limits = list(
            zip(problem.group_lower.tolist(), problem.group_upper.tolist(), strict=True)
        )
        self.low, self.high = math.log(_FLOOR), math.log(curves.top_marginal + 1.0) + 1
        #: A small problem: every evaluation of the budget's level on Python floats
        #: (cheaper than numpy's fixed cost per call at this size).
        self.small = curves.closed_form and curves.n <= SCALAR_CHANNELS
        self.spend_all: ScalarSpend | None = None
        if self.small:
            self.spend_all = curves.scalar_group(
                list(range(curves.n)),
                self.lo_k.tolist(),
                self.hi_k.tolist(),
                offset,
                self.group_k.tolist(),
            )
        # the latest evaluation: log level(s), spends, slopes, group sums and slopes
        # (lists on the small problem's float evaluations)
        self._t: Any = None
        self._x: Any = None
        self._slope: Any = None
        self._g: Any = None
        self._gs: Any = None
        # the group spends and slopes at the budget's level
        self._spend_g: Any = None
        self._slope_g: Any = None

    # --- evaluations --------------------------------------------------------------------

    def log_marginal(self, t: float | FloatArray) -> float | FloatArray:
        """The log of the marginal return at level ``e^t`` (``e^t + offset``)."""
        return np.logaddexp(t, self.log_offset) if self.offset > 0 else t

    def spend_slope(self, t: float | FloatArray) -> tuple[FloatArray, FloatArray]:
        """Spends at log level(s) ``t`` (one, or one per channel) within the bounds, and
        their derivatives in ``t``."""
        log_m = self.log_marginal(t)
        raw, slope = self.curves.spend_and_slope_log(log_m, kind_order=True)
        if self.offset > 0:
            slope = slope * np.exp(t - log_m)
        if self.open_below:
            x, slope = np.minimum(raw, self.hi_k), slope * (raw < self.hi_k)
        else:
            x = np.minimum(np.maximum(raw, self.lo_k), self.hi_k)
            slope = slope * ((raw > self.lo_k) & (raw < self.hi_k))
        self._t, self._x, self._slope = t, x, slope
        return x, slope

    def group_sums(self, t: float | FloatArray) -> tuple[FloatArray, FloatArray]:
        """Spend and slope per group at log level(s) ``t``."""
        x, slope = self.spend_slope(t)
        g = cast(FloatArray, np.bincount(self.group_k, weights=x, minlength=self.n_groups))
        gs = cast(FloatArray, np.bincount(self.group_k, weights=slope, minlength=self.n_groups))
        self._g, self._gs = g, gs
        return g, gs

    def spend_at(self, t: float | FloatArray, stepped: bool) -> FloatArray:
        """The spends at ``t``: the last evaluation's, moved along its slopes when ``t``
        is the root finder's last Newton step from it (``stepped``, which the root
        finders take only where :meth:`on_slopes` allows).  On a small problem they are
        evaluated at ``t`` even after a last Newton step, and their slopes kept for the
        settling step, which spreads what that step left along them."""
        if self.spend_all is not None:
            x_list, slope_list = self.spend_all.spends(float(cast(float, t)))
            self._slope = np.array(slope_list)
            return np.array(x_list)
        if stepped:
            x = self._x + self._slope * (t - self._t)
            return cast(FloatArray, np.minimum(np.maximum(x, self.lo_k), self.hi_k))
        if self._t is not None and np.array_equal(self._t, t):
            return cast(FloatArray, self._x)
        return self.spend_slope(t)[0]

    def on_slopes(self, t: float | FloatArray) -> bool:
        """Whether the spends at ``t`` may be taken along the last evaluation's slopes:
        no channel turns on or leaves a bound on the way."""
        if not self.curves.linear_ok(self.log_marginal(self._t), self.log_marginal(t)):
            return False
        # a channel held at a bound (slope 0) could come off it; at zero spend, its
        # threshold tells, which linear_ok has checked
        held = self._slope == 0.0
        if self.open_below:
            held &= self._x > 0.0
        return not bool(held.any())

    def clipped_total(self, g: list[float], gs: list[float]) -> tuple[float, float]:
        """The spend at group sums ``g`` (slopes ``gs``) with every group clipped to its
        share limits, and its derivative (the groups inside their limits); on Python
        floats (there are few groups)."""
        value = slope = 0.0
        for v, d, (a, b) in zip(g, gs, self.share_limits, strict=True):
            if v <= a:
                value += a
            elif v >= b:
                value += b
            else:
                value += v
                slope += d
        return value, slope

    def total(self, t: float) -> tuple[float, float]:
        """The spend at log level ``t`` with every group clipped to its share limits,
        and its derivative."""
        if self.spend_all is not None:
            self._t = t
            if self.problem.n_shared == 0:
                return self.spend_all.total(t)
            g_list, gs_list = self.spend_all.by_group(t)
            self._g, self._gs = g_list, gs_list  # (lists here)
            return self.clipped_total(g_list, gs_list)
        if self.problem.n_shared == 0:
            # without share rules a group's limits are its channels' bounds (and the
            # budget), which the channels' clipping already holds: no group sums
            x, slope = self.spend_slope(t)
            return float(_add(x)), float(_add(slope))
        g, gs = self.group_sums(t)
        return self.clipped_total(g.tolist(), gs.tolist())

    def _both(self, t: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Row 0: the total of :meth:`total` at ``t[0]``; row 1: the channels' spend
        without share rules at ``t[1]``; and their derivatives."""
        x, slope = self.spend_slope(t[:, None])
        g = cast(FloatArray, np.bincount(self.group_k, weights=x[0], minlength=self.n_groups))
        gs = cast(FloatArray, np.bincount(self.group_k, weights=slope[0], minlength=self.n_groups))
        self._g, self._gs = g, gs
        value, slope_g = self.clipped_total(g.tolist(), gs.tolist())
        totals = np.array([value, float(_add(x[1]))])
        return totals, np.array([slope_g, float(_add(slope[1]))])

    def _clipped_sums(
        self, t_group: FloatArray, clipped: IntArray, t: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Spend and slope of the ``clipped`` groups at their levels ``t`` (the other
        groups at their ``t_group``)."""
        t_group[clipped] = t
        g, gs = self.group_sums(t_group[self.group_k])
        return g[clipped], gs[clipped]

    def _clipped_on_slopes(self, t_group: FloatArray, clipped: IntArray, t: FloatArray) -> bool:
        t_group[clipped] = t
        return self.on_slopes(t_group[self.group_k])

    # --- the solve ----------------------------------------------------------------------

    def solve(self, full: bool, start: FloatArray | None = None, want_free: bool = False) -> Levels:
        """Solve the split: the budget spent exactly when ``full`` (else at most), from
        a plan near the answer (``start``) when given; with ``want_free`` the split
        without the share rules too."""
        curves, problem = self.curves, self.problem
        t_mu, stepped, free_x = self._budget_level(full, start, want_free)
        mu = 0.0 if t_mu == _UNBOUND else math.exp(t_mu)
        if self.small and want_free and self.offset == 0 and full:
            free_x = self._free_split_small(t_mu, start)
        shadow: dict[str, float] = {"budget": mu}
        x, x_slope, target, clipped = self._spends_at_budget_level(t_mu, stepped, mu)
        if clipped.size:
            x, x_slope, t_k = self._group_levels(t_mu, mu, x, x_slope, target, clipped)
            for k, tk in zip(clipped.tolist(), t_k.tolist(), strict=True):
                shadow[f"group:{problem.group_names[k]}"] = math.exp(tk) - mu
        if mu <= _FLOOR * 10 and len(shadow) > 1:
            # every group sits at its share: an extra yuan is split by the shares
            g_lo, budget = problem.group_lower, self.budget
            lam_g = np.array([shadow.get(f"group:{g}", 0.0) + mu for g in problem.group_names])
            share = (g_lo / budget) if budget > 0 else np.zeros(self.n_groups)
            price = float(np.sum(share * lam_g))
            shadow = {
                "budget": price,
                **{k: v + mu - price for k, v in shadow.items() if k != "budget"},
            }
        x = x[curves.inverse]
        if curves.any_s_shaped:
            fill_segments(
                x, curves, problem, full or mu > 0, mu, shadow, target, clipped, self.offset
            )
            if problem.n_shared and not problem.exact_cover:
                # the lines' jumps put spend into groups not clipped at mu: their
                # targets are their new sums (within their shares), not the sums at
                # mu, which would take the jumps back out again
                sums = np.bincount(problem.group_of, weights=x, minlength=self.n_groups)
                free = np.ones(self.n_groups, dtype=bool)
                free[clipped] = False
                target = np.where(
                    free,
                    np.minimum(np.maximum(sums, problem.group_lower), problem.group_upper),
                    target,
                )
        settle(x, problem, target, full or mu > 0, -x_slope[curves.inverse])
        return Levels(x, shadow, self.evaluations, free_x)

    def _budget_level(
        self, full: bool, start: FloatArray | None, want_free: bool
    ) -> tuple[float, bool, FloatArray | None]:
        """The budget's log level ``t_mu``, whether it is a last Newton step past the
        last evaluation, and (when found on the way) the split without share rules."""
        curves, problem = self.curves, self.problem
        if problem.exact_cover:
            return self.low, False, None  # every group's spend is fixed: the level is moot
        if self.offset > 0 and self.total(_UNBOUND)[0] <= self.budget:
            return _UNBOUND, False, None  # the budget does not bind (level 0)
        # Newton on the bracket [low, high]; a level pinned at an end means every
        # channel sits at a bound there (the solver then returns that end)
        guess = first_level(curves, self.budget, self.offset, start)
        joint = (
            want_free
            and not self.small  # (small problems solve it on floats, in solve)
            and curves.closed_form
            and self.offset == 0
            and full
            and problem.n_shared > 0
        )
        if joint:
            return self._joint_levels(guess)
        t_mu, count, stepped = solve_level(
            self.total,
            self.budget,
            self.low,
            self.high,
            self.tol,
            self.near,
            guess,
            accept=None if self.small else self.on_slopes,
        )
        self.evaluations += count
        return t_mu, stepped, None

    def _joint_levels(self, guess: float) -> tuple[float, bool, FloatArray]:
        """The budget's level (row 0: groups clipped to their shares) and the level of
        the split without share rules (row 1: the channels' spends alone), together."""
        curves, budget = self.curves, self.budget
        t_both, count, stepped = solve_levels(
            self._both,
            np.array([budget, budget]),
            self.low,
            self.high,
            self.tol,
            self.near,
            np.array([guess, guess]),
            lambda t: self.on_slopes(t[:, None]),
        )
        self.evaluations += count
        x_both = self.spend_at(t_both[:, None], stepped)
        weight_free = -self._slope[1][curves.inverse]
        if stepped:
            self._g = np.bincount(self.group_k, weights=x_both[0], minlength=self.n_groups)
        self._t, self._x, self._slope = float(t_both[0]), x_both[0], self._slope[0]
        free_x = settle_free(x_both[1][curves.inverse], self.problem, weight_free)
        return float(t_both[0]), False, free_x  # (the spends at mu are known now)

    def _free_split_small(self, t_mu: float, start: FloatArray | None) -> FloatArray:
        """The split without share rules of a small problem: one level for all
        channels, from a Newton step off the budget's level."""
        problem, budget, low, high = self.problem, self.budget, self.low, self.high
        assert self.spend_all is not None
        moot = problem.exact_cover or t_mu <= low + 1.0  # (the budget's level is moot)
        if moot:
            t_free = first_level(self.curves, budget, self.offset, start)
        else:  # a Newton step from mu on the channels' own (unclipped) spends
            t_free = t_mu
            if self._g is not None and sum(self._gs) < 0:  # (the last evaluation, near mu)
                t_free = self._t - (sum(self._g) - budget) / sum(self._gs)
                t_free = min(max(t_free, low), high)
        t_free, count, _ = solve_level(
            self.spend_all.total, budget, low, high, self.tol, self.near, t_free
        )
        self.evaluations += count
        x_free, slope_free = self.spend_all.spends(t_free)
        inv = self.curves.inverse
        return settle_free(np.array(x_free)[inv], problem, -np.array(slope_free)[inv])

    def _spends_at_budget_level(
        self, t_mu: float, stepped: bool, mu: float
    ) -> tuple[Any, Any, FloatArray, IntArray]:
        """The spends and slopes at the budget's level (None when every group's spend
        is fixed), each group's target spend (its spend clipped to its share limits)
        and the groups whose spend was clipped.  Keeps the group spends and slopes for
        :meth:`_group_levels`."""
        problem = self.problem
        g_lo, g_hi = problem.group_lower, problem.group_upper
        if problem.exact_cover:
            # every group is held at its share: no need to look at the spends at mu
            return None, None, g_lo, np.arange(self.n_groups)
        if problem.n_shared == 0:
            # no share rules: one level for every channel (target unused: no rules)
            x = self.spend_at(t_mu, stepped)
            return x, self._slope, g_hi, np.zeros(0, dtype=np.int64)
        if not stepped and self._t != t_mu:
            self.group_sums(t_mu)
        x = self.spend_at(t_mu, stepped)
        x_slope = self._slope
        if not stepped:
            spend_g = np.asarray(self._g)
        else:
            spend_g = np.bincount(self.group_k, x, self.n_groups)
        self._spend_g, self._slope_g = spend_g, np.asarray(self._gs)
        target = np.minimum(np.maximum(spend_g, g_lo), g_hi)
        clipped = np.flatnonzero(np.abs(target - spend_g) > 1e-12 * max(self.budget, 1.0))
        return x, x_slope, target, clipped

    def _group_levels(
        self,
        t_mu: float,
        mu: float,
        x: Any,
        x_slope: Any,
        target: FloatArray,
        clipped: IntArray,
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """The clipped groups' own levels, all at once (one level per group; the other
        groups' channels are evaluated at mu and ignored): the spends, slopes and the
        groups' log levels."""
        curves, problem, offset = self.curves, self.problem, self.offset
        group_of, group_k, n_groups = problem.group_of, self.group_k, self.n_groups
        t_group = np.full(n_groups, t_mu)
        # start each group at one Newton step from mu on its own spend (known from
        # above) where that spend falls; else from an even split within the group
        newton, falling = None, np.zeros(clipped.size, dtype=bool)
        if not problem.exact_cover and mu > _FLOOR:
            d = self._slope_g[clipped]
            falling = d < 0
            gap = self._spend_g[clipped] - target[clipped]
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
        if curves.closed_form and int(is_clipped[group_k].sum()) <= SCALAR_CHANNELS:
            # few channels: each group's level by a scalar root finder on Python floats
            if problem.exact_cover:
                x, x_slope = np.zeros(curves.n), np.zeros(curves.n)
            else:
                x, x_slope = x.copy(), x_slope.copy()
            t_list = []
            for k, t0 in zip(clipped.tolist(), first.tolist(), strict=True):
                members = np.flatnonzero(group_k == k).tolist()
                spend = curves.scalar_group(
                    members, self.lo_k[members].tolist(), self.hi_k[members].tolist(), offset
                )
                tk, count, _ = solve_level(
                    spend.total, float(target[k]), self.low, self.high, self.tol, self.near, t0
                )
                self.evaluations += count
                x[members], x_slope[members] = spend.spends(tk)
                t_list.append(tk)
            return x, x_slope, np.array(t_list)
        t_k, count, stepped = solve_levels(
            partial(self._clipped_sums, t_group, clipped),
            target[clipped],
            self.low,
            self.high,
            self.tol,
            self.near,
            first,
            partial(self._clipped_on_slopes, t_group, clipped),
        )
        self.evaluations += count
        t_group[clipped] = t_k
        x = self.spend_at(t_group[group_k], stepped)
        return x, self._slope, t_k


def first_level(curves: CurveSet, budget: float, offset: float, start: FloatArray | None) -> float:
    """A first log level for the root finders: the mean marginal return of an even
    split, or the spend-weighted mean of a given plan near the answer (``start``; its
    channels without spend weigh nothing, even where their marginal return is infinite:
    a Hill curve of shape < 1 at 0)."""
    if start is None:
        mean = curves.mean_derivative_at(budget / curves.n)
    else:
        on = start > 0
        slope = curves.derivative(start)[on]
        mean = float(start[on] @ slope) / max(float(_add(start)), 1e-300)
    return math.log(max(mean - offset, 1e-300))
