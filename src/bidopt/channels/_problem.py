"""The problem of a split and its constraints.

The group rules and bounds as a user writes them (:class:`SplitConstraints`, pydantic at
the boundary), checked and turned into normalised arrays (:class:`SplitProblem`, by
:func:`build_split_problem`), and the operations on a problem the solvers share: a
problem with tighter channel bounds (:func:`restrict`), without its group rules
(:func:`without_groups`), and whether a spend meets it (:func:`is_feasible`).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from bidopt._validation import short_repr
from bidopt._wording import counted
from bidopt.channels._curves import ResponseCurve
from bidopt.exceptions import InfeasibleError, InvalidInputError
from bidopt.typing import FloatArray, IntArray

__all__ = [
    "SplitConstraints",
    "SplitProblem",
    "as_mapping",
    "build_split_problem",
    "check_curves",
    "check_fills",
    "is_feasible",
    "is_infeasible",
    "restrict",
    "without_groups",
]

Share = float | tuple[float, float]


class SplitConstraints(BaseModel):
    """Group rules and bounds of a budget split, as a user writes them (or loads JSON).

    Attributes
    ----------
    groups : dict of str to list of str
        Group name -> its channels (a channel belongs to at most one group).
    group_shares : dict of str to float or (float, float)
        Share of the total budget for a group: exact (``0.6``) or a range
        (``(0.55, 0.65)``), as fractions.
    bounds : dict of str to (float or None, float or None), or float, or None
        Per channel ``(min, max)`` in yuan (None for open), or one number ``r`` meaning
        each channel stays within ``+-r`` (a fraction) of its current spend.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    groups: dict[str, list[str]] = {}
    group_shares: dict[str, Share] = {}
    bounds: dict[str, tuple[float | None, float | None]] | float | None = None

    def __init__(self, **data: Any) -> None:
        _check_specs(data.get("groups"), data.get("bounds"), data.get("group_shares"))
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise InvalidInputError(
                "`SplitConstraints` must be given `groups` (group -> list of channels), "
                "`group_shares` (group -> share or (low, high)) and `bounds`. Got "
                f"{short_repr(data)} instead ({counted(exc.error_count(), 'error')}: "
                f"{exc.errors()[0]['msg']})."
            ) from None

    @field_validator("group_shares")
    @classmethod
    def _shares(cls, value: dict[str, Share]) -> dict[str, Share]:
        for name, share in value.items():
            lo, hi = (share, share) if isinstance(share, float | int) else share
            if not (0.0 <= lo <= hi <= 1.0) or not (math.isfinite(lo) and math.isfinite(hi)):
                raise ValueError(
                    f"`group_shares[{name!r}]` must be a fraction in [0, 1] or a range "
                    f"(low, high) with 0 <= low <= high <= 1. Got {share!r} instead."
                )
        return value

    @field_validator("bounds")
    @classmethod
    def _bounds(cls, value: Any) -> Any:
        if isinstance(value, float | int) and not (math.isfinite(value) and value >= 0):
            raise ValueError(
                f"`bounds` as a fraction must be a finite number >= 0. Got {value!r} instead."
            )
        if isinstance(value, dict):
            for name, (lo, hi) in value.items():
                if lo is not None and hi is not None and lo > hi:
                    raise ValueError(
                        f"`bounds[{name!r}]` must be (min, max) with min <= max. "
                        f"Got ({lo}, {hi}) instead."
                    )
                if any(v is not None and not (math.isfinite(v) and v >= 0) for v in (lo, hi)):
                    raise ValueError(
                        f"`bounds[{name!r}]` must be (min, max) with finite numbers >= 0 or "
                        f"None (open), yuan. Got ({lo}, {hi}) instead."
                    )
        return value


@dataclass(frozen=True, slots=True, eq=False)
class SplitProblem:
    """Normalised arrays of a split: bounds per channel and share limits per group."""

    channels: tuple[str, ...]
    budget: float
    lower: FloatArray
    upper: FloatArray
    group_of: IntArray  # group code per channel; ungrouped channels get their own code
    group_names: tuple[str, ...]
    group_lower: FloatArray  # yuan
    group_upper: FloatArray
    shared: np.ndarray  # bool per group: has a share rule
    #: The share rules as fractions of the budget per group (0 and 1 where none).
    share_lower: FloatArray | None = None
    share_upper: FloatArray | None = None
    #: Bool per group: a share rule fixes its spend (lower = upper, derived).
    exact_share: np.ndarray = field(init=False)
    #: Every group has an exact share: the groups' spends are all fixed (derived).
    exact_cover: bool = field(init=False)
    #: Number of groups with a share rule (derived).
    n_shared: int = field(init=False)

    def __post_init__(self) -> None:
        width = self.group_upper - self.group_lower
        exact_share = self.shared & (width <= 1e-12 * max(self.budget, 1.0))
        object.__setattr__(self, "exact_share", exact_share)
        object.__setattr__(self, "exact_cover", bool(exact_share.all()))
        object.__setattr__(self, "n_shared", sum(self.shared.tolist()))


def as_mapping(value: Any, name: str) -> Any:
    """A pandas Series (index -> value) or a DataFrame of channel bounds (index ->
    ``(min, max)`` from columns ``min`` and ``max``) as a plain dict; anything else as
    given.  Missing values (NaN) in bounds become None (open)."""
    if value is None or isinstance(value, Mapping) or not hasattr(value, "to_dict"):
        return value
    columns = getattr(value, "columns", None)
    if columns is None:  # a Series
        return {str(k): v for k, v in value.to_dict().items()}
    names = [str(c) for c in columns]
    if "min" not in names or "max" not in names:
        raise InvalidInputError(
            f"`{name}` as a DataFrame must have columns 'min' and 'max' (yuan, one row "
            f"per channel). Got columns {names} instead."
        )

    def cell(v: Any) -> float | None:
        return None if v is None or v != v else float(v)  # NaN -> open

    return {
        str(k): (cell(lo), cell(hi))
        for k, lo, hi in zip(value.index, value["min"], value["max"], strict=True)
    }


def _bound(value: Any) -> bool:
    """Whether ``value`` is a valid end of a channel bound: None or a finite number >= 0."""
    if value is None:
        return True
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return math.isfinite(float(value)) and float(value) >= 0


def _share(value: Any) -> bool:
    """Whether ``value`` is a share rule: a fraction, or a range (low, high), in [0, 1]."""
    if isinstance(value, tuple | list) and len(value) == 2:
        if not all(_bound(v) and v is not None for v in value):
            return False
        return 0.0 <= float(value[0]) <= float(value[1]) <= 1.0
    return _bound(value) and value is not None and float(value) <= 1.0


def _check_specs(groups: Any, bounds: Any, group_shares: Any = None) -> None:
    """The groups and bounds a user wrote, checked with messages that name the entry,
    the contract and the value (before pydantic parses them)."""
    if groups is not None:
        if not isinstance(groups, Mapping):
            raise InvalidInputError(
                "`groups` must be a mapping of group name -> list of channel names. "
                f"Got {short_repr(groups)} instead."
            )
        for g, members in groups.items():
            if isinstance(members, str | bytes) or not isinstance(members, Iterable):
                raise InvalidInputError(
                    f"`groups[{g!r}]` must be a list of channel names. "
                    f"Got {short_repr(members)} instead."
                )
            seen: set[Any] = set()
            for m in members:
                if m in seen:
                    raise InvalidInputError(
                        f"`groups[{g!r}]` must list each channel once. Got {m!r} twice "
                        f"in {short_repr(list(members))}."
                    )
                seen.add(m)
    if group_shares is not None:
        if not isinstance(group_shares, Mapping):
            raise InvalidInputError(
                "`group_shares` must be a mapping of group name -> share. "
                f"Got {short_repr(group_shares)} instead."
            )
        for g, share in group_shares.items():
            if not _share(share):
                shown = tuple(share) if isinstance(share, list) else share
                raise InvalidInputError(
                    f"`group_shares[{g!r}]` must be a fraction in [0, 1] or a range "
                    f"(low, high) with 0 <= low <= high <= 1. Got {short_repr(shown)} instead."
                )
    if bounds is None:
        return
    if isinstance(bounds, Mapping):
        for c, pair in bounds.items():
            ok = isinstance(pair, tuple | list) and len(pair) == 2 and all(map(_bound, pair))
            shown = tuple(pair) if isinstance(pair, list) else pair
            if not ok:
                raise InvalidInputError(
                    f"`bounds[{c!r}]` must be (min, max) with finite numbers >= 0 or None "
                    f"(open), yuan. Got {short_repr(shown)} instead."
                )
            if pair[0] is not None and pair[1] is not None and pair[0] > pair[1]:
                raise InvalidInputError(
                    f"`bounds[{c!r}]` must be (min, max) with min <= max. "
                    f"Got {short_repr(shown)} instead."
                )
    elif not _bound(bounds) or bounds is None:
        raise InvalidInputError(
            "`bounds` as a fraction must be a finite number >= 0. "
            f"Got {short_repr(bounds)} instead."
        )


def build_split_problem(
    channels: tuple[str, ...],
    budget: float,
    groups: Mapping[str, Any] | None,
    group_shares: Mapping[str, Any] | None,
    bounds: Any,
    current: FloatArray | None,
) -> SplitProblem:
    """Validate the constraint specs against the channels and check feasibility."""
    groups = as_mapping(groups, "groups")
    group_shares = as_mapping(group_shares, "group_shares")
    bounds = as_mapping(bounds, "bounds")
    _check_specs(groups, bounds, group_shares)
    try:
        spec = SplitConstraints(
            groups={k: list(v) for k, v in (groups or {}).items()},
            group_shares=dict(group_shares or {}),
            bounds=bounds if not isinstance(bounds, Mapping) else dict(bounds),
        )
    except ValidationError as exc:
        raise InvalidInputError(
            "`groups`, `group_shares` and `bounds` must be as SplitConstraints describes "
            f"them. Got an invalid combination instead: {exc}"
        ) from None
    known = set(channels)
    index = {c: i for i, c in enumerate(channels)}
    codes = [-1] * len(channels)  # group code per channel (a list: cheap to index)
    names: list[str] = []
    for g, members in spec.groups.items():
        unknown = [m for m in members if m not in known]
        if unknown:
            raise InvalidInputError(
                f"`groups[{g!r}]` must name channels of `curves` ({sorted(known)}). "
                f"Got {unknown} instead."
            )
        for m in members:
            if codes[index[m]] >= 0:
                raise InvalidInputError(
                    f"`groups` must put each channel in at most one group. Got {m!r} in "
                    f"two groups ({names[codes[index[m]]]!r} and {g!r}) instead."
                )
            codes[index[m]] = len(names)
        names.append(g)
    unknown_groups = [g for g in spec.group_shares if g not in spec.groups]
    if unknown_groups:
        raise InvalidInputError(
            f"`group_shares` must name groups of `groups` ({list(spec.groups)}). "
            f"Got {unknown_groups} instead."
        )
    n_named = len(names)
    for i, code in enumerate(codes):
        if code < 0:
            codes[i] = len(names)
            names.append(f"<{channels[i]}>")
    group_of = np.array(codes, dtype=np.int64)
    lower = np.zeros(len(channels))
    upper = np.full(len(channels), budget)
    if isinstance(spec.bounds, float | int):
        if current is None:
            raise InvalidInputError(
                "`bounds` as a fraction must come with the `current` spend it is relative "
                f"to. Got bounds={spec.bounds!r} and current=None instead."
            )
        lower = np.maximum(current * (1 - float(spec.bounds)), 0.0)
        upper = np.minimum(current * (1 + float(spec.bounds)), budget)
    elif isinstance(spec.bounds, dict):
        for c, (lo, hi) in spec.bounds.items():
            if c not in known:
                raise InvalidInputError(
                    f"`bounds` must name channels of `curves` ({sorted(known)}). Got {c!r} instead."
                )
            if lo is not None:
                lower[index[c]] = lo
            if hi is not None:
                upper[index[c]] = min(hi, budget)
    n_groups = len(names)
    share_lo = np.zeros(n_groups)
    share_hi = np.ones(n_groups)
    shared = np.zeros(n_groups, dtype=bool)
    for g, share in spec.group_shares.items():
        lo, hi = (share, share) if isinstance(share, float | int) else share
        k = names.index(g)
        share_lo[k], share_hi[k], shared[k] = lo, hi, True
    covered = n_named == n_groups and n_named > 0 and all(shared[:n_named].tolist())
    exact = covered and share_lo.tolist() == share_hi.tolist()
    if exact and not math.isclose(float(share_lo.sum()), 1.0, abs_tol=1e-9):
        raise InfeasibleError(
            "`group_shares` must sum to 1 when every channel is in a group with an exact "
            f"share. Got {dict(spec.group_shares)}, which sum to {share_lo.sum():.4g}, not 1, "
            "instead.",
            {"group_shares": float(share_lo.sum()) - 1.0},
        )
    if share_lo.sum() > 1.0 + 1e-9:
        raise InfeasibleError(
            "`group_shares` must leave the groups' smallest shares adding to at most 1 (each "
            f"is a share of the same budget). Got {dict(spec.group_shares)}, whose smallest "
            f"shares add to {share_lo.sum():.4g}, instead.",
            {"group_shares": float(share_lo.sum()) - 1.0},
        )
    g_min = np.bincount(group_of, weights=lower, minlength=n_groups)
    g_max = np.bincount(group_of, weights=upper, minlength=n_groups)
    group_lower = np.maximum(share_lo * budget, g_min)
    group_upper = np.minimum(share_hi * budget, g_max)
    # each group's channel bounds against its share limits
    checks = (
        (g_min - share_hi * budget, "minimums", "above", "maximum", share_hi, g_min),
        (share_lo * budget - g_max, "maximums", "below", "minimum", share_lo, g_max),
    )
    for excess, bound, side, limit, fraction, amount in checks:
        over = np.flatnonzero(excess > 1e-9)
        if over.size:
            k = int(over[0])
            if names[k].startswith("<"):  # a channel in no group: its own minimum
                raise InfeasibleError(
                    f"`bounds[{names[k][1:-1]!r}]` must have a minimum within `total_budget`, "
                    f"{budget:,.2f} yuan. Got a minimum of {amount[k]:,.2f} yuan instead.",
                    {f"bound:{names[k][1:-1]}": float(excess[k])},
                )
            raise InfeasibleError(
                f"Group {names[k]!r} must fit its {limit} share {fraction[k]:.4g} x "
                f"{budget:,.2f} = {fraction[k] * budget:,.2f} yuan: its channels' {bound} "
                f"must not be {side} it. Got {bound} that add to {amount[k]:,.2f} yuan "
                "instead.",
                {f"group:{names[k]}": float(excess[k])},
            )
    if group_lower.sum() > budget + 1e-9:
        raise InfeasibleError(
            "`total_budget` must cover the minimums (channel bounds and group shares), "
            f"which add to {group_lower.sum():,.2f} yuan. Got {budget:,.2f} yuan instead.",
            {"budget": float(group_lower.sum()) - budget},
        )
    return SplitProblem(
        channels=channels,
        budget=budget,
        lower=lower,
        upper=upper,
        group_of=group_of,
        group_names=tuple(names),
        group_lower=group_lower,
        group_upper=group_upper,
        shared=shared,
        share_lower=share_lo,
        share_upper=share_hi,
    )


def check_fills(problem: SplitProblem) -> None:
    """Raise :class:`InfeasibleError` when the channel and group maximums of ``problem``
    cannot hold its whole budget (a split that must spend it all; the message names
    ``total_budget``)."""
    room = float(problem.group_upper.sum())
    if room < problem.budget * (1 - 1e-12):
        raise InfeasibleError(
            "`total_budget` must fit within the channel and group maximums, which add to "
            f"{room:,.2f} yuan (the bounds cannot hold more). Got {problem.budget:,.2f} "
            "yuan instead.",
            {"budget": problem.budget - room},
        )


def is_infeasible(problem: SplitProblem, full: bool) -> bool:
    """Whether the channel bounds and group limits of ``problem`` cannot hold together."""
    tol = 1e-12 * max(problem.budget, 1.0)
    if np.any(problem.group_lower > problem.group_upper + tol):
        return True
    if problem.group_lower.sum() > problem.budget + tol:
        return True
    return bool(full and problem.group_upper.sum() < problem.budget - tol)


def restrict(problem: SplitProblem, lower: FloatArray, upper: FloatArray) -> SplitProblem:
    """The same problem with channel bounds ``lower`` and ``upper`` (yuan), its group
    limits tightened to what those bounds allow."""
    g_min = np.bincount(problem.group_of, weights=lower, minlength=len(problem.group_names))
    g_max = np.bincount(problem.group_of, weights=upper, minlength=len(problem.group_names))
    return replace(
        problem,
        lower=lower,
        upper=upper,
        group_lower=np.maximum(problem.group_lower, g_min),
        group_upper=np.minimum(problem.group_upper, g_max),
    )


def check_curves(curves: Any) -> None:
    """``curves`` must be a non-empty mapping of channel name -> ResponseCurve (not a
    fit: the functions that take one say so)."""
    if hasattr(curves, "draws") and isinstance(getattr(curves, "curves", None), Mapping):
        raise InvalidInputError(
            "`curves` must be a mapping of channel -> ResponseCurve here, not a fit of "
            "fit_response. Got a ResponseFit instead: pass fit.curves (its point curves), or "
            "call split_budget(fit, ...) once per rule for splits over its draws (with the "
            "safe default, a split without the rule is not the optimum)."
        )
    if not isinstance(curves, Mapping) or not curves:
        raise InvalidInputError(
            "`curves` must be a non-empty mapping of channel -> ResponseCurve. "
            f"Got {short_repr(curves)} instead."
        )
    bad = [k for k, v in curves.items() if not isinstance(v, ResponseCurve)]
    if bad:
        raise InvalidInputError(
            f"`curves` values must be ResponseCurve. Got {short_repr(curves[bad[0]])} for "
            f"{'channel' if len(bad) == 1 else 'channels'} {bad} instead."
        )


def without_groups(problem: SplitProblem) -> SplitProblem:
    """The same budget and channel bounds, every channel in a group of its own."""
    n = len(problem.channels)
    return replace(
        problem,
        group_of=np.arange(n, dtype=np.int64),
        group_names=problem.channels,  # one group per channel, named after it
        group_lower=problem.lower.copy(),
        group_upper=problem.upper.copy(),
        shared=np.zeros(n, dtype=bool),
    )


def is_feasible(problem: SplitProblem, x: FloatArray, full: bool) -> bool:
    """Whether spend ``x`` meets the budget (spent exactly when ``full``), the channel
    bounds and the group limits of ``problem``, to 1e-9 of the budget (1e-6 for the
    budget spent exactly)."""
    tol = 1e-9 * max(problem.budget, 1.0)
    if full and abs(x.sum() - problem.budget) > max(tol, 1e-6 * problem.budget):
        return False
    if x.sum() > problem.budget + tol:
        return False
    if np.any(x < problem.lower - tol) or np.any(x > problem.upper + tol):
        return False
    g = np.bincount(problem.group_of, weights=x, minlength=len(problem.group_names))
    return bool(np.all(g >= problem.group_lower - tol) and np.all(g <= problem.group_upper + tol))
