"""A budget split over a campaign window (pre-heat, pre-sale, Double-11 day, tail):
spend per channel and phase, with adstock carry-over into, within and out of the
window, averaged over curve draws."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

import numpy as np
from scipy import optimize

from bidopt._validation import (
    check_bool,
    check_choice,
    check_options,
    check_random_state,
    check_scalar,
    short_repr,
)
from bidopt.channels._curveset import CurveSet
from bidopt.channels._fit_result import ResponseFit
from bidopt.channels._problem import as_mapping, build_split_problem
from bidopt.channels._request import check_current
from bidopt.channels._split_safe import step_along
from bidopt.channels._tails import tails, warn_tail
from bidopt.channels._uncertainty import CurveDraws
from bidopt.channels._window_feasible import check_window_rules
from bidopt.channels._window_model import WindowModel as _WindowModel
from bidopt.channels._window_result import WindowSplit, window_phases
from bidopt.channels._window_rules import (
    extrapolation_note,
    guard_caps,
    optimality_note,
    proven,
    violation,
    window_budgets,
    window_constraints,
    worst_violation,
)
from bidopt.channels._window_safe import (
    WindowStart,
    at_trust_edge,
    safe_fields,
    safe_note,
    safe_status,
    today_mix,
    trust_box,
    window_start,
)
from bidopt.exceptions import InfeasibleError, InvalidInputError
from bidopt.typing import FloatArray

__all__ = ["WindowSplit", "split_window"]


def split_window(
    curves: ResponseFit | CurveDraws,
    total_budget: float | None = None,
    *,
    phases: Mapping[str, int],
    phase_budgets: Mapping[str, float] | None = None,
    before: Mapping[str, float] | None = None,
    tail: bool = True,
    groups: Mapping[str, Any] | None = None,
    group_shares: Mapping[str, float] | None = None,
    shares_per: Literal["window", "phase"] = "window",
    bounds: Mapping[str, tuple[float | None, float | None]] | None = None,
    extrapolation: float | None = 1.5,
    options: Mapping[str, Any] | None = None,
    safe: bool = True,
    current: Mapping[str, float] | None = None,
) -> WindowSplit:
    """Split a campaign's budget over channels and the phases of its window.

    Spend is steady within a phase.  Each channel's adstock carries spend from before
    the window (``before``) into it, from phase to phase, and (``tail``) past its end
    for ``l_max - 1`` periods; the response of every period is the saturation curve of
    that period's adstock, as :func:`fit_response` models it.  The expected response
    over the draws is maximised by SLSQP (:func:`scipy.optimize.minimize`) with its
    exact gradient; the objective is concave (linear adstock, concave curves), so its
    optimum is the global one for concave curves (with S-shaped ones, see ``options``).

    Parameters
    ----------
    curves : ResponseFit or CurveDraws
        A fit (its draws, adstock and observed spends) or curve draws with adstock.
    total_budget : float, optional
        Yuan over the whole window (> 0); or give ``phase_budgets``.
    phases : mapping of str to int
        Phase name -> number of periods, in time order, e.g. ``{"pre-heat": 7,
        "pre-sale": 3, "double11": 1, "return": 3}`` (days).
    phase_budgets : mapping of str to float, optional
        Yuan per phase (every phase of ``phases``, no other; adding to > 0): each phase
        spends exactly its budget.  With ``total_budget`` too, they must add to it.
    before : mapping of str to float, optional
        Steady spend per period of every channel before the window, 0 for one that
        spent nothing (its carry-over into the window is counted; its cost is not).
        Default none: no spend before the window.
    tail : bool, default True
        Count the response of the ``l_max - 1`` periods after the window that its
        carry-over reaches (PyMC-Marketing's time-based optimiser counts them).
    groups, group_shares : optional
        As in :func:`split_budget` and checked as it checks them: exact shares (e.g.
        ``{"core": 0.6}``) or ranges (``{"core": (0.55, 0.65)}``).
    shares_per : {"window", "phase"}, default "window"
        The shares hold over the window's total, or within every phase.
    bounds : mapping of str to (min, max), or DataFrame, optional
        Spend per period of a channel (yuan; None for open), checked as
        :func:`split_budget` checks its bounds.
    extrapolation : float or None, default 1.5
        With a fit: no channel spends more per period than this multiple of its
        largest spend per period in the fitted history.  The guard gives way to the
        user's constraints, as in :func:`split_budget`: in a phase whose budget (without
        ``phase_budgets``, the window's) the guarded channels cannot spend, every
        channel's guard is raised by one factor until they can (never above ``bounds``);
        when the share rules still cannot hold within it, the guard is lifted.  The
        message names the channels above the guard and by how much.  None: no guard.
    options : mapping, optional
        ``maxiter`` (default 1000) and ``ftol`` (default 1e-12) of SLSQP; when some
        curve draws are S-shaped (Hill, shape > 1) the objective is not concave and
        SLSQP also starts from the optimum of the problem on the curves' concave
        envelopes (concave, so solved exactly: its value bounds every split from above)
        and from ``n_starts`` (default 8) random splits drawn with ``rng`` (default 0);
        from the best, cells (a channel in a phase) are switched off (held at their
        minimum) or on (at least the spend whose steady adstock reaches the curve's
        tangent point), alone and in pairs within a channel or phase, and SLSQP solves
        again, keeping any gain, until no switch gains.  The message gives the gap to
        the envelope bound: the split is proven optimal only when it closes it.
    safe : bool, default True
        With a fit: move from today's split only as far as the draws support, as
        :func:`split_budget` does.  Today's split in each phase is ``current`` (see
        below) in its channel mix, scaled to the phase's budget per period (without
        ``phase_budgets``, the window's budget spread evenly over its periods); where
        that breaks the bounds, share rules or extrapolation guard, each phase's split
        is moved just enough to meet them (each group scaled by one factor; the shares
        then hold within every phase, and so over the window).  Each channel in each
        phase stays within a trust region ``today * exp(+-r)``, ``r`` wider where the
        draws pin its marginal ROI at that spend down (lift tests do); the split takes
        the step on the path from today's split to the best window split within that
        region that maximises the 20% quantile of the gain in the window's response
        over today's split across the draws, among steps that gain in at least 90% of
        them, and stays at today's split when no step does.  The message and summary
        say how far it moved and why; ``safe_step``, ``gain_probability``,
        ``gain_interval`` and ``current_spend`` report it (``current_source`` says
        which spend today's split is).  False: the best split over the draws (within
        the guard).  Ignored for bare ``CurveDraws``, which have no today's split: the
        split is then the best over the draws.
    current : mapping of str to float, or pandas.Series, optional
        Today's spend per period of every channel (yuan, finite, >= 0; checked as
        :func:`split_budget` checks its ``current``): the channel mix of the safe
        default's today's split.  Default ``before`` when given (the spend before the
        window; the fit's mean spend when that is 0 for every channel), else the fit's
        mean spend per period over the fitted history.  Used by the safe default only.

    Returns
    -------
    WindowSplit
        With ``status`` as :class:`BudgetSplit`'s (see :class:`WindowSplit`).

    Raises
    ------
    InvalidInputError
        For malformed input (a ``current`` or ``before`` missing a channel, naming an
        unknown one, or negative or not finite, ...): the message names the parameter,
        its contract and the value received.
    InfeasibleError
        When the budgets, bounds and share rules cannot hold together, before any
        solve: the message names the rule, the phase and the amount (``conflicts``).
    """
    fit = curves if isinstance(curves, ResponseFit) else None
    draws = fit.draws if fit is not None else curves
    if not isinstance(draws, CurveDraws):
        raise InvalidInputError(
            "`curves` must be a ResponseFit with draws or CurveDraws. Got "
            f"{type(curves).__name__} instead."
        )
    names, lengths = window_phases(phases)
    opts = check_options(options, _OPTIONS, method="slsqp")
    maxiter = int(check_scalar(opts["maxiter"], "options['maxiter']", lower=1, integer=True))
    ftol = check_scalar(opts["ftol"], "options['ftol']", lower=0, lower_inclusive=False)
    n_starts = int(check_scalar(opts["n_starts"], "options['n_starts']", lower=0, integer=True))
    rng = check_random_state(opts["rng"])
    per = check_choice(shares_per, "shares_per", ("window", "phase"))
    with_tail = bool(check_bool(tail, "tail"))
    use_safe = bool(check_bool(safe, "safe"))
    channels = draws.channels
    today = check_current(current, channels)  # checked whenever given
    n, f = len(channels), len(names)
    total, budgets = window_budgets(total_budget, phase_budgets, names)
    # the groups, shares and bounds checked as split_budget checks them (one check);
    # bounds are per period, so they are checked apart from the window's share rules
    rules = build_split_problem(channels, total, groups, group_shares, None, None)
    limits = build_split_problem(channels, total, None, None, bounds, None)
    model = _WindowModel(draws, lengths, before, with_tail)
    lo = np.repeat(limits.lower[:, None], f, axis=1)
    hi = np.full((n, f), np.inf)
    for c, (_, b) in (as_mapping(bounds, "bounds") or {}).items():
        if b is not None and b == b:  # an open (None or NaN) maximum stays infinite
            hi[channels.index(str(c))] = float(b)
    seen = None if fit is None or fit.max_spend is None else fit.max_spend
    guard: FloatArray | None = None
    user_hi = hi
    if seen is not None and extrapolation is not None:
        m = check_scalar(extrapolation, "extrapolation", lower=1)
        guard = np.array([m * seen[c] for c in channels])
        hi = guard_caps(guard, lo, hi, lengths, total, budgets)
    cons = window_constraints(rules, lengths, total, budgets, per)
    need = lo * lengths  # the minimums' yuan per channel and phase
    short = need.sum() - total if budgets is None else float(np.max(need.sum(axis=0) - budgets))
    if short > 1e-9 * total:
        raise InfeasibleError(
            "`bounds` minimums (yuan per period) must fit the budget over the window"
            + ("" if budgets is None else " and in every phase")
            + f": they need {short:,.2f} yuan more than it holds. Got bounds="
            + f"{short_repr(bounds)} instead.",
            {"bounds": float(short)},
        )
    check_window_rules(
        rules,
        lengths,
        total,
        budgets,
        groups,
        group_shares,
        limits.lower,
        user_hi[:, 0],
        per,
        names,
    )
    scale = total / max(float(lengths.sum()) * n, 1.0)
    s_shaped = CurveSet(draws.curve_list()).any_s_shaped
    cells = (
        rng.dirichlet(np.full(n * f, 0.5), size=n_starts).reshape(-1, n, f) * total / lengths
        if s_shaped  # random starts: Dirichlet(0.5) shares of the budget per cell
        else np.empty((0, n, f))
    )

    envelope = model.envelope() if s_shaped else None
    max_tries = 1 + (envelope is not None) + n_starts + 4 * n * f  # SLSQP starts at most

    def solve(
        upper: FloatArray, lo: FloatArray = lo, first: FloatArray | None = None
    ) -> tuple[FloatArray, Any, int, int, float | None]:
        """The best split within ``lo``..``upper``, SLSQP's result, its iterations, the
        number of starts and (S-shaped curves) the concave-envelope bound, or None when
        that solve did not converge to a feasible split.  ``first``: the first start
        (default the uniform split, clipped to the bounds)."""
        x0 = np.clip(np.full((n, f), scale) if first is None else first, lo, upper)
        r0 = max(abs(model.value(x0)), 1e-12)
        scaled = [
            {
                "type": c["type"],
                "fun": (lambda u, g=c["fun"]: g(u * scale) / total),
                "jac": (lambda u, g=c["jac"]: g(u * scale) * scale / total),
            }
            for c in cons
        ]

        def run(
            on: _WindowModel,
            start: FloatArray,
            low: FloatArray | None = None,
            top: FloatArray | None = None,
        ) -> tuple[FloatArray, Any, float]:
            """SLSQP on ``on`` from ``start`` (within ``low``..``top``, default
            ``lo``..``upper``): the split, the result, the worst broken constraint."""
            low = lo if low is None else low
            top = upper if top is None else top
            res = optimize.minimize(  # type: ignore[call-overload]
                lambda u: -on.value(u.reshape(n, f) * scale) / r0,
                start.ravel() / scale,
                jac=lambda u: -on.gradient(u.reshape(n, f) * scale).ravel() * scale / r0,
                method="SLSQP",
                bounds=optimize.Bounds((low / scale).ravel(), (top / scale).ravel()),
                constraints=scaled,
                options={"maxiter": maxiter, "ftol": ftol},
            )
            y = np.clip(res.x.reshape(n, f) * scale, low, top)
            return y, res, max((violation(c, y.ravel()) for c in cons), default=0.0)

        starts = [x0]
        nit = 0
        bound = None
        if envelope is not None:
            # the concave-envelope problem is concave: SLSQP's answer is its optimum, a
            # bound on the true one, and a start near the best split
            y, res_e, broken = run(envelope, x0)
            nit += int(res_e.get("nit", 0))
            starts.append(y)
            if res_e.success and broken <= 1e-6 * total:
                bound = envelope.value(y)
        starts += [np.clip(w, lo, upper) for w in cells]
        best: tuple[float, float, FloatArray, Any] | None = None
        for start in starts:
            y, res, broken = run(model, start)
            nit += int(res.get("nit", 0))  # none when every bound is fixed
            # the feasible split with the most response, else the least broken one
            key = (0.0 if broken <= 1e-6 * total else broken, -model.value(y))
            if best is None or key < best[:2]:
                best = (*key, y, res)
        assert best is not None
        tried = len(starts)
        # S-shaped curves: a cell (channel and phase) is best either off or well on its
        # curve; from the best split, cells are switched (held at their minimum if they
        # spend, else at least at their channel's on_spend): each cell alone, then pairs
        # of a cell switched off and one switched on in the same channel or phase; the
        # split is solved again, then freed and polished; the first switch that gains
        # is kept, and the search repeats until none does (or max_tries SLSQP runs)
        room = (total if budgets is None else budgets) / lengths
        while envelope is not None and best[0] == 0.0 and tried < max_tries:
            for low, top in _switches(best[2], lo, upper, model.on_spend, room, 1e-9 * scale):
                y, res, broken = run(model, best[2], low, top)
                if broken <= 1e-6 * total:
                    y, res, broken = run(model, y)
                nit += int(res.get("nit", 0))  # none when every bound is fixed
                tried += 1
                if broken <= 1e-6 * total and model.value(y) > -best[1] * (1 + 1e-9):
                    best = (0.0, -model.value(y), y, res)
                    break
                if tried >= max_tries:
                    break
            else:
                break
        return best[2], best[3], nit, tried, bound

    start: WindowStart | str | None = None
    if use_safe and fit is not None:
        start = (
            " Safe default: not applied (the fit has no observed spends)."
            if fit.mean_spend is None or seen is None
            else window_start(
                *today_mix(channels, fit.mean_spend, as_mapping(before, "before"), today),
                seen,
                rules,
                lengths,
                total,
                budgets,
                lo,
                hi,
                user_hi,
                names,
            )
        )
    lifted = ""
    chosen = None
    base = None  # each draw's response at today's split, with the safe default
    if isinstance(start, WindowStart):
        # the safe default: the best split within the trust region around today's
        # split, then the supported step on the path towards it
        caps = user_hi if start.lifted else hi
        box = trust_box(draws, start.start, lo, caps)
        target, res, nit, n_tried, bound = solve(box[1], box[0], start.start)
        found = worst_violation(cons, target) <= 1e-6 * total
        if not found:  # pragma: no cover - the start is feasible within the box
            target = start.start
        base = model.per_draw(start.start)
        chosen = step_along(model.per_draw, start.start, target, base)
        x = chosen.spend
        local = optimality_note(
            s_shaped, n_tried, model.value(target), bound, " within the trust region"
        )
        safe_text = (
            safe_note(
                channels,
                chosen,
                start,
                box,
                lo,
                caps,
                model.per_draw(target) - base,
                float(np.max(np.abs(target - start.start)))
                <= 1e-9 * max(float(start.start.max()), 1.0),
            )
            + start.note
        )
        status = safe_status(
            chosen.step,
            start.moved,
            bool(at_trust_edge(box, lo, caps, x).any()),
            bool(res.success) and proven(s_shaped, model.value(target), bound),
        )
        if start.lifted and not start.moved:  # (moved: the start's note says it)
            lifted = (
                " The budgets and share rules cannot hold within the extrapolation guard: "
                "the guard is lifted (your bounds still hold)."
            )
    else:
        x, res, nit, n_tried, bound = solve(hi)
        if guard is not None and worst_violation(cons, x) > 1e-6 * total:
            # the guard gives way to the user's rules (as in split_budget): solve without it
            y, res_y, nit_y, _, bound_y = solve(user_hi)
            nit += nit_y
            if worst_violation(cons, y) < worst_violation(cons, x):
                x, res, bound = y, res_y, bound_y
                lifted = (
                    " The budgets and share rules cannot hold within the extrapolation "
                    "guard: the guard is lifted (your bounds still hold)."
                )
        local = optimality_note(s_shaped, n_tried, model.value(x), bound)
        safe_text = start if isinstance(start, str) else ""
        status = 0 if bool(res.success) and proven(s_shaped, model.value(x), bound) else 2
    # every constraint checked on the returned split itself: budgets, shares, bounds
    off_bounds = float(np.max(np.maximum(lo - x, x - user_hi), initial=0.0))
    worst = max(worst_violation(cons, x), off_bounds)
    ok = worst <= 1e-6 * total
    per_draw = model.per_draw(x)
    median, tailed, heavy, heavy_details = tails(channels, model.channel_draws(x))
    warn_tail(heavy, heavy_details, stacklevel=2)
    return WindowSplit(
        channels=channels,
        phases=names,
        lengths=lengths,
        spend=x,
        response=float(per_draw.mean()),
        tail_response=float(model.per_draw(x, tail_only=True).mean()),
        channel_response=model.channel_value(x),
        response_draws=per_draw,
        success=bool(ok),
        status=status if ok else 3,
        message=(
            f"SLSQP: {res.message}; constraints hold to {worst:.3g} yuan."
            if ok
            else f"SLSQP: {res.message}; a constraint fails by {worst:,.6g} yuan: check "
            "the budgets and bounds."
        )
        + safe_text
        + local
        + lifted
        + extrapolation_note(x, channels, seen, guard, extrapolation)
        + heavy,
        nit=nit,
        channel_response_median=median,
        tail_channels=tailed,
        **safe_fields(chosen, start, base),
    )


#: SLSQP's options and the random starts used when some curve draws are S-shaped.
_OPTIONS: dict[str, Any] = {"maxiter": 1000, "ftol": 1e-12, "n_starts": 8, "rng": 0}


def _switches(
    x: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    on_spend: FloatArray,
    room: FloatArray,
    tol: float,
) -> Iterator[tuple[FloatArray, FloatArray]]:
    """Bounds (lower, upper), each of shape (n_channels, n_phases), that switch cells of
    the split ``x``: a spending cell held at its minimum ``lo`` (off), a cell at its
    minimum held at least at its channel's ``on_spend`` (on; at most ``hi`` and the
    phase's ``room`` per period); each cell alone (smallest spend first), then every
    pair of one switched off and one switched on in the same channel or phase."""
    f = x.shape[1]
    on = x > lo + tol
    can_start = ~on & (on_spend[:, None] > lo)
    start_at = np.minimum(np.minimum(on_spend[:, None], hi), room[None, :])

    def switched(cells: list[tuple[int, int]]) -> tuple[FloatArray, FloatArray]:
        low, top = lo.copy(), hi.copy()
        for i, j in cells:
            if on[i, j]:
                top[i, j] = lo[i, j]
            else:
                low[i, j] = start_at[i, j]
        return low, top

    order = [divmod(c, f) for c in np.argsort(x, axis=None).tolist()]
    singles = [(i, j) for i, j in order if on[i, j] or can_start[i, j]]
    for cell in singles:
        yield switched([cell])
    for i, j in order:
        if not on[i, j]:
            continue
        for k, m in order:
            if can_start[k, m] and (k == i or m == j):
                yield switched([(i, j), (k, m)])
