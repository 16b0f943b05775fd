"""The rules of a window split (:func:`bidopt.channels.split_window`): the budgets, the
share rules as linear constraints on the spend per channel and phase, and the
extrapolation guard's caps and notes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from bidopt._validation import check_scalar, short_repr
from bidopt._wording import amount
from bidopt.channels._problem import SplitProblem, as_mapping
from bidopt.channels._split_draws import _cap_factor
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray

__all__ = [
    "extrapolation_note",
    "guard_caps",
    "optimality_note",
    "proven",
    "violation",
    "window_budgets",
    "window_constraints",
    "worst_violation",
]


def guard_caps(
    guard: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    lengths: np.ndarray,
    total: float,
    budgets: FloatArray | None,
) -> FloatArray:
    """The spend caps per period (yuan, shape (n_channels, n_phases)): the user's
    maximums ``hi`` cut to the extrapolation ``guard`` (yuan per period, per channel),
    which gives way to the budgets: in a phase whose budget (without phase budgets, the
    window's) the guarded caps cannot spend, every channel's guard is raised by one
    factor until they can (as :func:`split_budget` raises it), never above ``hi``."""
    out = np.empty_like(hi)
    for p in range(lengths.size):
        need = (total / lengths.sum()) if budgets is None else float(budgets[p]) / lengths[p]
        top = np.minimum(hi[:, p], need + lo[:, p].sum())  # finite: one channel spends all
        up = _cap_factor(guard, lo[:, p], top, need)
        out[:, p] = np.minimum(hi[:, p], np.maximum(up * guard, lo[:, p]))
    return out


def worst_violation(cons: list[dict[str, Any]], x: FloatArray) -> float:
    """How far ``x`` (n_channels, n_phases) breaks the worst constraint (yuan)."""
    return max((violation(c, x.ravel()) for c in cons), default=0.0)


def extrapolation_note(
    x: FloatArray,
    channels: tuple[str, ...],
    seen: Mapping[str, float] | None,
    guard: FloatArray | None,
    multiple: float | None,
) -> str:
    """What the split says about spends beyond the fitted history: the channels held at
    the extrapolation guard (``guard``, yuan per period, ``multiple`` x the largest spend
    per period seen), those above it (the guard gave way to the budgets: by how much),
    and the other channels above their largest spend seen (extrapolated curves); ""
    without a fit's observed spends.

    ``x`` is the spend per period, shape (n_channels, n_phases), yuan."""
    if seen is None:
        return ""
    top = x.max(axis=1)
    largest = np.array([seen[c] for c in channels])
    note = ""
    held: list[str] = []  # at the guard, or above it (it gave way to the budgets)
    if guard is not None:
        above = [j for j in range(len(channels)) if top[j] > guard[j] * (1 + 1e-6)]
        at = [j for j in range(len(channels)) if guard[j] * (1 - 1e-7) <= top[j] > 0]
        held = [channels[j] for j in at]
        if set(at) - set(above):
            caps = ", ".join(f"{channels[j]} {amount(guard[j])}" for j in at if j not in above)
            note += (
                f" Held at the extrapolation guard ({multiple:g} x the largest spend per "
                f"period seen; yuan per period: {caps}) in at least one phase: their curves "
                "are extrapolated up to it; extrapolation=None or a larger multiple lifts "
                "the cap."
            )
        if above:
            over = ", ".join(
                f"{channels[j]} {amount(top[j])} ({amount(top[j] - guard[j])} above its "
                f"guard of {amount(guard[j])})"
                for j in above
            )
            note += (
                f" Above the extrapolation guard ({multiple:g} x the largest spend per "
                "period seen), which gives way to your budgets and rules (yuan per period, "
                f"their curves extrapolated further): {over}."
            )
    beyond = [
        c for j, c in enumerate(channels) if c not in held and top[j] > largest[j] * (1 + 1e-6)
    ]
    if beyond:
        note += f" Spends above the largest spend seen (extrapolated curves): {', '.join(beyond)}."
    return note


def window_budgets(
    total_budget: Any, phase_budgets: Any, names: tuple[str, ...]
) -> tuple[float, FloatArray | None]:
    """The window's total (yuan, > 0) and each phase's budget (None: only the total)."""
    if phase_budgets is None:
        if total_budget is None:
            raise InvalidInputError(
                "`total_budget` or `phase_budgets` must be given. Got neither instead."
            )
        return check_scalar(total_budget, "total_budget", lower=0, lower_inclusive=False), None
    phase_budgets = as_mapping(phase_budgets, "phase_budgets")
    if not isinstance(phase_budgets, Mapping):
        raise InvalidInputError(
            "`phase_budgets` must be a mapping of phase -> yuan. Got "
            f"{short_repr(phase_budgets)} instead."
        )
    missing = [p for p in names if p not in phase_budgets]
    unknown = [p for p in phase_budgets if p not in names]
    if missing or unknown:
        raise InvalidInputError(
            f"`phase_budgets` must give a budget for each phase of `phases` ({list(names)}) "
            "and no other. Got "
            + " and ".join(
                ([f"none for {missing}"] if missing else [])
                + ([f"unknown phases {unknown}"] if unknown else [])
            )
            + " instead."
        )
    budgets = np.array(
        [check_scalar(phase_budgets[p], f"phase_budgets[{p!r}]", lower=0) for p in names]
    )
    total = float(budgets.sum())
    if total <= 0:
        raise InvalidInputError(
            "`phase_budgets` must add to a number > 0 (yuan over the window). Got "
            f"{short_repr(dict(phase_budgets))} instead."
        )
    if total_budget is not None:
        given = check_scalar(total_budget, "total_budget", lower=0, lower_inclusive=False)
        if abs(given - total) > 1e-9 * max(given, total):
            raise InvalidInputError(
                "`total_budget` must equal the sum of `phase_budgets` when both are given "
                f"(or pass one of them). Got total_budget={given:,.2f} and phase budgets "
                f"adding to {total:,.2f} instead."
            )
    return total, budgets


def violation(con: Mapping[str, Any], x: FloatArray) -> float:
    """How far ``x`` breaks a constraint (yuan; 0 when it holds)."""
    value = np.asarray(con["fun"](x), dtype=np.float64)
    if con["type"] == "ineq":
        return float(np.max(np.maximum(-value, 0.0), initial=0.0))
    return float(np.max(np.abs(value), initial=0.0))


def _independent(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The equalities ``a @ x == b`` without the rows that are linear combinations of
    earlier ones (kept first: the budget rows).  Exact shares of groups that cover every
    channel add up to the budget (their sum to 1 is checked when the rules are read), so
    with the budget row they are dependent, which SLSQP cannot take ("Singular matrix C
    in LSQ subproblem"); the dropped rows hold whenever the kept ones do."""
    keep: list[int] = []
    for i in range(a.shape[0]):
        if np.linalg.matrix_rank(a[[*keep, i]]) > len(keep):
            keep.append(i)
    return a[keep], b[keep]


def _fixed_value(a: FloatArray, b: FloatArray, row: FloatArray) -> float | None:
    """``row @ x`` when the equalities ``a @ x == b`` fix it (``row`` a combination of
    their rows), else None."""
    c = np.linalg.lstsq(a.T, row, rcond=None)[0]
    if np.abs(a.T @ c - row).max() > 1e-9 * np.abs(row).max():
        return None
    return float(c @ b)


def window_constraints(
    rules: SplitProblem,
    lengths: np.ndarray,
    total: float,
    budgets: FloatArray | None,
    per: str,
) -> list[dict[str, Any]]:
    """Linear constraints on the flat spend (n_channels x n_phases, per period): the
    budget (or each phase's), and each group's share rule (``rules``: exact shares as
    equalities, ranges as two inequalities) over the window or within every phase."""
    n, f = len(rules.channels), lengths.size
    rows: list[FloatArray] = []
    rhs: list[float] = []
    if budgets is None:
        rows.append(np.tile(lengths.astype(float), n))
        rhs.append(total)
    else:
        for p in range(f):
            a = np.zeros((n, f))
            a[:, p] = lengths[p]
            rows.append(a.ravel())
            rhs.append(float(budgets[p]))
    if per == "phase" and budgets is None and rules.n_shared:
        raise InvalidInputError(
            "`shares_per='phase'` needs `phase_budgets` (each phase's total). Got only "
            "total_budget instead."
        )
    low: list[FloatArray] = []  # share rows >= their lower limit, <= their upper one
    low_rhs: list[float] = []
    high_rhs: list[float] = []
    assert rules.share_lower is not None
    assert rules.share_upper is not None
    for k in np.flatnonzero(rules.shared).tolist():
        mask = (rules.group_of == k).astype(float)[:, None]
        if per == "window":
            parts = [((mask * lengths).ravel(), total)]
        else:
            parts = []
            for p in range(f):
                a = np.zeros((n, f))
                a[:, p] = mask[:, 0] * lengths[p]
                parts.append((a.ravel(), float(budgets[p]) if budgets is not None else 0.0))
        share_lo, share_hi = float(rules.share_lower[k]), float(rules.share_upper[k])
        for row, base in parts:
            if share_lo == share_hi:
                rows.append(row)
                rhs.append(share_lo * base)
            else:
                low.append(row)
                low_rhs.append(share_lo * base)
                high_rhs.append(share_hi * base)
    a_mat, b_vec = _independent(np.array(rows), np.array(rhs))
    # a range whose row the equalities fix (the last group's range when the others have
    # exact shares) holds or fails whatever the split: kept only when it fails (the
    # split then reports it), else SLSQP meets a dependent active set
    fixed = [_fixed_value(a_mat, b_vec, row) for row in low]
    keep = [
        i
        for i, v in enumerate(fixed)
        if v is None or not low_rhs[i] - 1e-9 * total <= v <= high_rhs[i] + 1e-9 * total
    ]
    low = [low[i] for i in keep]
    low_rhs = [low_rhs[i] for i in keep]
    high_rhs = [high_rhs[i] for i in keep]
    cons: list[dict[str, Any]] = [
        {"type": "eq", "fun": lambda x: a_mat @ x - b_vec, "jac": lambda x: a_mat}
    ]
    if low:
        s_mat = np.vstack([np.array(low), -np.array(low)])
        s_vec = np.concatenate([low_rhs, -np.array(high_rhs)])
        cons.append({"type": "ineq", "fun": lambda x: s_mat @ x - s_vec, "jac": lambda x: s_mat})
    return cons


def proven(s_shaped: bool, value: float, bound: float | None) -> bool:
    """Whether a split of response ``value`` is proven optimal: concave curves always
    (SLSQP's optimum of a concave problem), S-shaped ones when it reaches the
    concave-envelope ``bound`` (gap 1e-6 relative)."""
    if not s_shaped:
        return True
    return bound is not None and max(bound - value, 0.0) / max(abs(bound), 1e-300) <= 1e-6


def optimality_note(
    s_shaped: bool, n_tried: int, value: float, bound: float | None, where: str = ""
) -> str:
    """What the message says of the split's optimality with S-shaped curve draws: its
    gap to the concave-envelope bound (proven optimal only when within 1e-6), or that
    no bound was found; ``where`` says where it was sought (the safe default: within
    the trust region, from today's split)."""
    if not s_shaped:
        return ""
    first = "today's split" if where else "the uniform split"
    head = (
        f" Some curve draws are S-shaped: the best of {n_tried} SLSQP runs{where} (from "
        f"{first}, the optimum on the curves' concave envelopes and "
        "options['n_starts'] random splits, then switching channel-phase cells off and on)"
    )
    if bound is None:
        return head + (
            ", a local optimum not proven the best split (the envelope problem did not "
            "converge, so no bound)."
        )
    gap = max(bound - value, 0.0) / max(abs(bound), 1e-300)
    if gap <= 1e-6:
        return head + f"; it reaches the concave-envelope bound (gap {gap:.2g}): proven optimal."
    return head + (
        f", a local optimum not proven the best split: no split can beat it by more than "
        f"{gap:.3g} (relative; the optimum on the concave envelopes bounds every split)."
    )
