"""Rules of a window split that cannot hold together, refused up front
(:func:`check_window_rules`): :class:`~bidopt.exceptions.InfeasibleError` naming the
constraint and by how much, as :func:`split_budget` refuses them.

A window's bounds are yuan per period, the same in every period, so a phase of ``L``
periods is a split of its budget with bounds ``L`` times the per-period ones: its
checks are :func:`~bidopt.channels._problem.build_split_problem`'s and
:func:`~bidopt.channels._problem.check_fills`' (one implementation).  The same holds
for the whole window without phase budgets (spend spread evenly over the periods meets
what any split meets).  Phase budgets with shares over the window couple the phases:
the smallest total miss of the share rules over every split meeting the phase budgets
and bounds is a linear programme (:func:`scipy.optimize.linprog`, HiGHS).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import optimize

from bidopt._validation import short_repr
from bidopt._wording import counted
from bidopt.channels._problem import SplitProblem, build_split_problem, check_fills
from bidopt.exceptions import InfeasibleError
from bidopt.typing import FloatArray

__all__ = ["check_window_rules"]


def check_window_rules(
    rules: SplitProblem,
    lengths: np.ndarray,
    total: float,
    budgets: FloatArray | None,
    groups: Mapping[str, Any] | None,
    group_shares: Mapping[str, Any] | None,
    lower: FloatArray,
    upper: FloatArray,
    per: str,
    phases: tuple[str, ...],
) -> None:
    """Raise :class:`InfeasibleError` when the budgets (``total`` yuan, or each phase's
    ``budgets``), the bounds per period ``lower``..``upper`` (yuan, shape
    (n_channels,), ``inf`` for an open maximum) and the share rules (``rules``, over
    the window or, ``per == "phase"``, within every phase) cannot hold together; the
    message names the constraint, the phase and the amount."""
    channels = rules.channels
    n_periods = int(lengths.sum())
    per_phase = per == "phase"
    if budgets is not None:
        for p, name in enumerate(phases):
            where = (
                f"In phase {name!r} ({counted(int(lengths[p]), 'period')}, "
                f"phase_budgets[{name!r}] = {float(budgets[p]):,.2f} yuan; its bounds are "
                f"the per-period ones x {lengths[p]})"
            )
            _as_split(
                where,
                f"phase_budgets[{name!r}]",
                f"phase:{name}:",
                channels,
                float(budgets[p]),
                groups if per_phase else None,
                group_shares if per_phase else None,
                lower * lengths[p],
                upper * lengths[p],
            )
    if budgets is None or not per_phase:
        where = (
            f"Over the window ({counted(n_periods, 'period')}, {total:,.2f} yuan; its bounds "
            f"are the per-period ones x {n_periods})"
        )
        _as_split(
            where,
            "total_budget" if budgets is None else "phase_budgets",
            "",
            channels,
            total,
            groups,
            group_shares,
            lower * n_periods,
            upper * n_periods,
        )
    if budgets is not None and not per_phase and rules.n_shared:
        _coupled(rules, lengths, total, budgets, lower, upper, group_shares)


def _as_split(
    where: str,
    budget_name: str,
    prefix: str,
    channels: tuple[str, ...],
    budget: float,
    groups: Mapping[str, Any] | None,
    group_shares: Mapping[str, Any] | None,
    lower: FloatArray,
    upper: FloatArray,
) -> None:
    """split_budget's checks on a budget of ``budget`` yuan spent in full with channel
    bounds ``lower``..``upper`` (yuan); their InfeasibleError prefixed with ``where``,
    naming the budget ``budget_name`` (its conflicts' keys prefixed with ``prefix``)."""
    bounds = {
        c: (float(lo), None if not np.isfinite(hi) else float(hi))
        for c, lo, hi in zip(channels, lower.tolist(), upper.tolist(), strict=True)
    }
    try:
        check_fills(build_split_problem(channels, budget, groups, group_shares, bounds, None))
    except InfeasibleError as exc:
        text = str(exc).replace("`total_budget`", f"`{budget_name}`")
        raise InfeasibleError(
            f"{where}: {text}", {prefix + k: v for k, v in exc.conflicts.items()}
        ) from None


def _coupled(
    rules: SplitProblem,
    lengths: np.ndarray,
    total: float,
    budgets: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    group_shares: Mapping[str, Any] | None,
) -> None:
    """Shares over the window with phase budgets: the least total miss of the share
    rules (yuan) over the splits that meet every phase's budget and the bounds (each
    phase can, checked before); InfeasibleError naming each group that misses."""
    assert rules.share_lower is not None
    assert rules.share_upper is not None
    n, f = len(rules.channels), lengths.size
    shared = np.flatnonzero(rules.shared)
    k = shared.size
    # variables: yuan per channel and phase (n x f, flat), then a shortfall below and an
    # excess above each shared group's limits
    cost = np.concatenate([np.zeros(n * f), np.ones(2 * k)])
    a_eq = np.zeros((f, n * f + 2 * k))
    for p in range(f):
        a_eq[p, p : n * f : f] = 1.0
    a_ub = np.zeros((2 * k, n * f + 2 * k))
    b_ub = np.zeros(2 * k)
    for i, g in enumerate(shared.tolist()):
        member = np.repeat((rules.group_of == g).astype(float), f)
        a_ub[2 * i, : n * f] = -member  # spend + shortfall >= lower limit
        a_ub[2 * i, n * f + i] = -1.0
        b_ub[2 * i] = -float(rules.share_lower[g]) * total
        a_ub[2 * i + 1, : n * f] = member  # spend - excess <= upper limit
        a_ub[2 * i + 1, n * f + k + i] = -1.0
        b_ub[2 * i + 1] = float(rules.share_upper[g]) * total
    low = (lower[:, None] * lengths[None, :]).ravel()
    high = np.minimum(upper[:, None] * lengths[None, :], budgets[None, :]).ravel()
    res = optimize.linprog(
        cost,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=budgets,
        bounds=[*zip(low.tolist(), high.tolist(), strict=True), *[(0.0, None)] * (2 * k)],
        method="highs",
    )
    if res.status != 0 or res.x is None or res.fun is None or res.fun <= 1e-9 * total:
        return  # feasible (or HiGHS could not say: the solve and its check decide)
    short, over = res.x[n * f : n * f + k], res.x[n * f + k :]
    misses: list[str] = []
    conflicts: dict[str, float] = {}
    for i, g in enumerate(shared.tolist()):
        name = rules.group_names[g]
        for amount, side, fraction in (
            (float(short[i]), "minimum", float(rules.share_lower[g])),
            (float(over[i]), "maximum", float(rules.share_upper[g])),
        ):
            if amount > 1e-9 * total:
                misses.append(
                    f"group {name!r} misses its {side} share {fraction:.4g} x {total:,.2f} "
                    f"= {fraction * total:,.2f} yuan by {amount:,.2f} yuan"
                )
                conflicts[f"group:{name}"] = amount
    raise InfeasibleError(
        "`group_shares` over the window must be reachable within `phase_budgets` and the "
        "per-period `bounds` (each phase spends its budget, each channel within its "
        "bounds in every period): at the closest, "
        + "; ".join(misses)
        + (f" ({float(res.fun):,.2f} yuan in all)" if len(misses) > 1 else "")
        + ". Got group_shares="
        + f"{short_repr(dict(group_shares or {}))} with phase budgets "
        + ", ".join(f"{float(b):,.2f}" for b in budgets.tolist())
        + " instead: widen the share, move budget between phases or loosen the bounds.",
        conflicts,
    )
