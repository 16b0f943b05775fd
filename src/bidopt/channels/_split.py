"""Splitting a budget across channels with diminishing returns and group rules."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import optimize

from bidopt._optional import require_pandas
from bidopt._validation import check_choice, check_options, check_random_state, check_scalar
from bidopt.channels._constraints import SplitProblem, build_split_problem
from bidopt.channels._curves import ResponseCurve
from bidopt.channels._curveset import CurveSet
from bidopt.exceptions import InfeasibleError, InvalidInputError, SolverError
from bidopt.typing import FloatArray

__all__ = ["BudgetSplit", "compare_splits", "split_budget"]

SplitMethod = Literal["kkt", "slsqp", "trust-constr"]
SplitObjective = Literal["revenue", "profit", "roi"]
_OPTIONS: dict[str, dict[str, Any]] = {
    "kkt": {"xtol": 1e-12},
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
        Solver status in scipy's fields (status 0: optimal).
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


def _kkt(
    curves: CurveSet, problem: SplitProblem, offset: float, full: bool, xtol: float
) -> tuple[FloatArray, dict[str, float], int]:
    """Water-filling: equal marginal return within each group, group multipliers by
    nested root finding.  ``offset`` is 1 for profit (marginal revenue minus 1).

    Root finding is on ``t = log(level)``, where every closed-form curve's spend is
    smooth and nearly linear, by safeguarded Newton steps (:func:`_solve_levels`)."""
    lo, hi, group_of = problem.lower, problem.upper, problem.group_of
    n_groups = len(problem.group_names)
    evaluations = 0
    budget = problem.budget
    tol = 1e-10 * max(budget, 1.0)  # root tolerance; sums are made exact below

    def spend_slope(level: float | FloatArray) -> tuple[FloatArray, FloatArray]:
        raw, slope = curves.spend_and_slope(level + offset)
        x = np.minimum(np.maximum(raw, lo), hi)
        slope = np.where((raw > lo) & (raw < hi), slope, 0.0)
        return x, slope

    def channel_spend(level: float | FloatArray) -> FloatArray:
        return spend_slope(level)[0]

    def group_sums(level: float | FloatArray) -> tuple[FloatArray, FloatArray]:
        x, slope = spend_slope(level)
        return (
            np.bincount(group_of, weights=x, minlength=n_groups).astype(np.float64),
            np.bincount(group_of, weights=slope, minlength=n_groups).astype(np.float64),
        )

    def total(t: FloatArray) -> tuple[FloatArray, FloatArray]:
        g, gs = group_sums(math.exp(float(t[0])))
        clipped = np.clip(g, problem.group_lower, problem.group_upper)
        free = (g > problem.group_lower) & (g < problem.group_upper)
        return np.array([clipped.sum()]), np.array([float(gs[free].sum())])

    top = float(np.max(curves.max_marginal[np.isfinite(curves.max_marginal)], initial=1.0)) + 1.0
    floor = 1e-300
    low, high = math.log(floor), math.log(top) + 1
    if problem.exact_cover:
        mu = floor  # every group's spend is fixed: the budget's own level is moot
    elif offset > 0 and total(np.array([-745.0]))[0][0] <= budget:
        mu = 0.0  # the budget does not bind: spending more would lose money
    else:
        # Newton on the bracket [low, high]; a level pinned at an end means every
        # channel sits at a bound there (the solver then returns that end)
        even = curves.derivative(np.full(curves.n, budget / curves.n))
        guess = np.array([math.log(max(float(even.mean()) - offset, 1e-300))])
        t, count = _solve_levels(total, np.array([budget]), low, high, tol, guess)
        evaluations += count
        mu = math.exp(float(t[0]))
    level = np.full(curves.n, mu)
    shadow: dict[str, float] = {"budget": mu}
    spend_g = group_sums(mu)[0]
    target = np.clip(spend_g, problem.group_lower, problem.group_upper)
    clipped = np.flatnonzero(np.abs(target - spend_g) > 1e-12 * max(budget, 1.0))
    for k in clipped.tolist():
        # each binding group alone: a scalar Newton on its own channels
        members = np.flatnonzero(group_of == k)
        sub = curves.subset(members)
        m_lo, m_hi = lo[members], hi[members]

        def group_total(
            t: FloatArray, sub: CurveSet = sub, m_lo: FloatArray = m_lo, m_hi: FloatArray = m_hi
        ) -> tuple[FloatArray, FloatArray]:
            raw, slope = sub.spend_and_slope(math.exp(float(t[0])) + offset)
            x = np.minimum(np.maximum(raw, m_lo), m_hi)
            free = (raw > m_lo) & (raw < m_hi)
            return np.array([x.sum()]), np.array([float(slope[free].sum())])

        even = sub.derivative(np.full(sub.n, float(target[k]) / sub.n))
        start = math.log(max(float(even.mean()) - offset, 1e-300))
        if mu > floor:
            start = 0.5 * (start + math.log(mu))
        t_k, count = _solve_level(group_total, float(target[k]), low, high, tol, start)
        evaluations += count
        lam = math.exp(float(t_k[0]))
        level[members] = lam
        shadow[f"group:{problem.group_names[k]}"] = lam - mu
    if mu <= floor * 10 and len(shadow) > 1:
        # every group sits at its share: an extra yuan is split by the shares
        lam_g = np.array([shadow.get(f"group:{g}", 0.0) + mu for g in problem.group_names])
        share = (problem.group_lower / budget) if budget > 0 else np.zeros(n_groups)
        price = float(np.sum(share * lam_g))
        shadow = {
            "budget": price,
            **{k: v + mu - price for k, v in shadow.items() if k != "budget"},
        }
    x = channel_spend(level)
    # an S-shaped channel's envelope is flat on [0, t]: give it what the roots left over
    residual = (budget if full or mu > 0 else float(x.sum())) - float(x.sum())
    if abs(residual) > 1e-9 * max(budget, 1.0):
        flat = np.flatnonzero(curves.s_shaped & (x <= curves.tangent))
        for i in flat:
            give = float(np.clip(residual, lo[i] - x[i], min(curves.tangent[i], hi[i]) - x[i]))
            x[i] += give
            residual -= give
    _settle(x, problem, target, full or mu > 0)
    return x, shadow, evaluations


def _settle(x: FloatArray, problem: SplitProblem, target: FloatArray, full: bool) -> None:
    """Make group and budget sums exact (to rounding): the root finders stop within a
    tolerance; the leftover goes to the channel with the most room in its group."""
    lo, hi, group_of = problem.lower, problem.upper, problem.group_of
    n_groups = len(problem.group_names)
    sums = np.bincount(group_of, weights=x, minlength=n_groups)
    fix = problem.shared & (np.abs(sums - target) > 0)
    if full and not problem.shared.all():
        # the free groups absorb the budget's leftover
        free = ~problem.shared
        goal = problem.budget - float(target[problem.shared].sum())
        fix_free = float(sums[free].sum()) != goal
        if fix_free:
            room = np.where(free[group_of], np.minimum(x - lo, hi - x), -np.inf)
            i = int(np.argmax(room))
            if np.isfinite(room[i]):
                x[i] = min(max(x[i] + goal - float(sums[free].sum()), lo[i]), hi[i])
    for k in np.flatnonzero(fix):
        members = group_of == k
        room = np.where(members, np.minimum(x - lo, hi - x), -np.inf)
        i = int(np.argmax(room))
        x[i] = min(max(x[i] + float(target[k] - sums[k]), lo[i]), hi[i])


def _solve_levels(
    spend_and_slope: Any,
    goals: FloatArray,
    low: float,
    high: float,
    tol: float,
    guess: FloatArray | None = None,
) -> tuple[FloatArray, int]:
    """Solve ``spend_k(t_k) = goals_k`` for every k at once, on ``t = log(level)``.

    ``spend_and_slope(t)`` returns the spends (falling in ``t``) and their derivatives.
    Newton steps are safeguarded by a bracket: a step that leaves it becomes bisection.
    Returns the solutions and the number of evaluations.
    """
    m = goals.size
    if m == 1:  # one level: plain floats avoid numpy's per-call overhead
        return _solve_level(
            spend_and_slope,
            float(goals[0]),
            low,
            high,
            tol,
            None if guess is None else float(guess[0]),
        )
    a, b = np.full(m, low), np.full(m, high)
    t = np.clip(guess, low, high) if guess is not None else np.full(m, 0.5 * (low + high))
    count = 0
    for _ in range(300):
        spend, slope = spend_and_slope(t)
        count += 1
        f = spend - goals
        done = np.abs(f) <= tol
        if done.all():
            break
        a = np.where(f > 0, t, a)  # spend too high: the level must rise
        b = np.where(f < 0, t, b)
        if np.all(done | (b - a <= 1e-15 * (1.0 + np.abs(t)))):
            break
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            newton = t - f / slope
        ok = np.isfinite(newton) & (newton > a) & (newton < b) & (slope < 0)
        t = np.where(done, t, np.where(ok, newton, 0.5 * (a + b)))
    return t, count


def _solve_level(
    spend_and_slope: Any,
    goal: float,
    low: float,
    high: float,
    tol: float,
    guess: float | None,
) -> tuple[FloatArray, int]:
    """The scalar case of :func:`_solve_levels`."""
    a, b = low, high
    t = min(max(guess, low), high) if guess is not None else 0.5 * (low + high)
    count = 0
    for _ in range(300):
        spend, slope = spend_and_slope(np.array([t]))
        count += 1
        f = float(spend[0]) - goal
        if abs(f) <= tol:
            break
        if f > 0:
            a = t
        else:
            b = t
        if b - a <= 1e-15 * (1.0 + abs(t)):
            break
        d = float(slope[0])
        step = t - f / d if d < 0 else math.nan
        t = step if a < step < b else 0.5 * (a + b)
    return np.array([t]), count


def _scipy(
    curves: CurveSet,
    problem: SplitProblem,
    offset: float,
    full: bool,
    method: str,
    options: dict[str, Any],
) -> tuple[FloatArray, int, str]:
    """Multi-start scipy reference (SLSQP or trust-constr) on the true curves."""
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
    exact_cover = bool(shared.all()) and bool(np.allclose(problem.group_lower, problem.group_upper))
    if full and not exact_cover:  # exact shares of every group already fix the total
        constraints.append(optimize.LinearConstraint(np.ones((1, n)), 1.0, 1.0))
    elif not full:
        constraints.append(optimize.LinearConstraint(np.ones((1, n)), 0.0, 1.0))
    if shared.any():
        constraints.append(
            optimize.LinearConstraint(
                members[shared],
                problem.group_lower[shared] / budget,
                problem.group_upper[shared] / budget,
            )
        )
    best_x, best_f, nit, messages = None, np.inf, 0, []
    for _ in range(int(options["n_starts"])):
        start = lo + gen.dirichlet(np.ones(n)) * max(budget - lo.sum(), 0.0)
        start = np.clip(start, lo, hi) / budget
        res = optimize.minimize(
            fun,
            start,
            jac=jac,
            method="SLSQP" if method == "slsqp" else "trust-constr",
            bounds=optimize.Bounds(lo / budget, hi / budget),
            constraints=constraints,
            options={"maxiter": int(options["maxiter"])},
        )
        nit += int(getattr(res, "nit", 0) or 0)
        x = np.clip(np.asarray(res.x, dtype=np.float64) * budget, lo, hi)
        ok = abs(x.sum() - budget) <= 1e-6 * budget if full else x.sum() <= budget * (1 + 1e-6)
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


def _fix_s_shaped(
    curves: CurveSet, problem: SplitProblem, x: FloatArray, offset: float, full: bool, xtol: float
) -> tuple[FloatArray, str]:
    """A channel left on an S-curve's envelope line (where the envelope overstates the
    curve) gets its spend chosen by a bounded line search over [its minimum, its tangent
    point] on the true curve, every other channel re-optimised at each trial; the ends
    of the interval are tried too.  Says which channels were treated so."""
    on_line = np.flatnonzero(curves.s_shaped & (x > 1e-9) & (x < curves.tangent - 1e-9))
    if on_line.size == 0:
        return x, ""
    best_x = x
    feasible = not full or abs(x.sum() - problem.budget) <= 1e-6 * problem.budget
    best_v = float(curves.value(x).sum() - offset * x.sum()) if feasible else -np.inf
    for i in on_line.tolist():

        def solve_fixed(value: float, i: int = i) -> tuple[float, FloatArray | None]:
            lower, upper = problem.lower.copy(), problem.upper.copy()
            lower[i] = upper[i] = value
            try:
                y, _, _ = _kkt(curves, _replace(problem, lower, upper), offset, full, xtol)
            except (InfeasibleError, ValueError):
                return -np.inf, None
            if full and abs(y.sum() - problem.budget) > 1e-6 * problem.budget:
                return -np.inf, None
            return float(curves.value(y).sum() - offset * y.sum()), y

        low, high = problem.lower[i], min(curves.tangent[i], problem.upper[i])
        found = optimize.minimize_scalar(
            lambda v: -solve_fixed(v)[0],
            bounds=(low, high),
            method="bounded",
            options={"xatol": 1e-9 * high},
        )
        for value in (low, high, float(found.x)):
            v, y = solve_fixed(value)
            if y is not None and v > best_v:
                best_x, best_v = y, v
    names = [problem.channels[i] for i in on_line]
    return best_x, (
        f" S-shaped channel(s) {names}: solved on the concave envelope, then "
        "their spend set by a line search on the true curve."
    )


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
) -> tuple[FloatArray, dict[str, float], int, str]:
    if method == "kkt":
        x, shadow, nit = _kkt(curves, problem, offset, full, float(opts["xtol"]))
        x, note = _fix_s_shaped(curves, problem, x, offset, full, float(opts["xtol"]))
        return x, shadow, nit, "equal marginal ROI within groups (KKT water-filling)." + note
    x, nit, message = _scipy(curves, problem, offset, full, method, opts)
    return x, {}, nit, message + "."


def split_budget(
    curves: Mapping[str, ResponseCurve],
    total_budget: float,
    *,
    groups: Mapping[str, Any] | None = None,
    group_shares: Mapping[str, Any] | None = None,
    bounds: Any = None,
    current: Mapping[str, float] | None = None,
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
    group_shares : mapping of str to float or (float, float), optional
        Share of the budget per group: exact (``{"core": 0.6, "emerging": 0.4}``) or a
        range (``{"core": (0.55, 0.65)}``).
    bounds : mapping of str to (min, max), or float, optional
        Per channel yuan bounds (None for open), or a fraction ``r``: each channel within
        ``+-r`` of its ``current`` spend.
    current : mapping of str to float, optional
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
        ``kkt``: exact water-filling for concave curves (S-shaped Hill curves via their
        concave envelope, then rounded and said so).  ``slsqp`` / ``trust-constr``:
        :func:`scipy.optimize.minimize` references with several random starts
        (options ``n_starts``, ``maxiter``, ``rng``).
    options : mapping, optional
        Per-method options; ``kkt`` takes ``xtol``.

    Returns
    -------
    BudgetSplit

    Raises
    ------
    InvalidInputError
        For malformed input (unknown channels, shares outside [0, 1], ...).
    InfeasibleError
        When the constraints cannot hold together; the message names them and the
        amounts.
    """
    if not isinstance(curves, Mapping) or not curves:
        raise InvalidInputError("`curves` must be a non-empty mapping of channel -> ResponseCurve.")
    bad = [k for k, v in curves.items() if not isinstance(v, ResponseCurve)]
    if bad:
        raise InvalidInputError(f"`curves` values must be ResponseCurve; {bad} are not.")
    budget = check_scalar(total_budget, "total_budget", lower=0, lower_inclusive=False)
    name = check_choice(method, "method", ("kkt", "slsqp", "trust-constr"))
    goal = check_choice(objective, "objective", ("revenue", "profit", "roi"))
    opts = check_options(options, _OPTIONS[name], method=name)
    channels = tuple(str(c) for c in curves)
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
    x, shadow, nit, message = _solve(curve_set, problem, offset, full, name, opts)
    if min_roi is not None:
        floor = check_scalar(min_roi, "min_roi", lower=0, lower_inclusive=False)
        value = float(curve_set.value(x).sum())
        if value < floor * x.sum() * (1 - 1e-12):
            from bidopt.channels._target import largest_budget_for_roi

            cut = largest_budget_for_roi(curve_set, problem, floor, opts)
            problem = _with_budget(problem, cut, groups, group_shares, bounds, current_arr)
            x, shadow, nit, message = _solve(curve_set, problem, offset, True, name, opts)
            note += f" Spends {cut:,.2f} of {budget:,.2f} yuan to keep ROI >= {floor:g}."
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
    if groups and group_shares:
        free = _without_groups(problem)
        y, _, _, _ = _solve(curve_set, free, offset, full, name, opts)
        unconstrained = float(curve_set.value(y).sum())
    if offset > 0 and x.sum() < budget * (1 - 1e-9):
        note += f" Spends {x.sum():,.2f} of {budget:,.2f} yuan: more would lose profit."
    spend_g = np.asarray(
        np.bincount(problem.group_of, weights=x, minlength=len(problem.group_names)),
        dtype=np.float64,
    )
    marginal = curve_set.derivative(x)
    for i, c in enumerate(channels):
        at_bound = x[i] <= problem.lower[i] + 1e-9 or x[i] >= problem.upper[i] - 1e-9
        if at_bound and name == "kkt" and "budget" in shadow:
            k = problem.group_of[i]
            level = shadow["budget"] + shadow.get(f"group:{problem.group_names[k]}", 0.0)
            price = float(marginal[i]) - offset - level
            if abs(price) > 1e-9:
                shadow[f"bound:{c}"] = price
    return BudgetSplit(
        channels=channels,
        spend=x,
        channel_response=curve_set.value(x),
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
    )


def _without_groups(problem: SplitProblem) -> SplitProblem:
    """The same budget and channel bounds, every channel in a group of its own."""
    import dataclasses

    n = len(problem.channels)
    return dataclasses.replace(
        problem,
        group_of=np.arange(n, dtype=np.int64),
        group_names=tuple(f"<{c}>" for c in problem.channels),
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
    current: Mapping[str, float] | None = None,
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
