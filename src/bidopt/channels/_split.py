"""Splitting a budget across channels: :func:`split_budget` and :func:`compare_splits`.

Both are thin: the input checks, then :func:`bidopt.channels._solve.solve` on the
problem (:mod:`bidopt.channels._problem`), the reverse question for ``objective="roi"``
and ``min_roi`` (:mod:`bidopt.channels._target`), and the checks on the returned split
(:mod:`bidopt.channels._checks`) that set its status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from bidopt._validation import (
    short_repr,
)
from bidopt.channels._curves import ResponseCurve
from bidopt.channels._fit import ResponseFit
from bidopt.channels._problem import as_mapping, check_curves
from bidopt.channels._request import check_request
from bidopt.channels._result import BudgetSplit
from bidopt.channels._split_core import solve_request
from bidopt.channels._split_draws import split_fit
from bidopt.exceptions import InvalidInputError

__all__ = ["SplitMethod", "SplitObjective", "compare_splits", "split_budget"]

SplitMethod = Literal["kkt", "slsqp", "trust-constr"]
SplitObjective = Literal["revenue", "profit", "roi"]


def split_budget(
    curves: Mapping[str, ResponseCurve] | ResponseFit,
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
    extrapolation: float | None = 1.5,
    risk: float | None = None,
    safe: bool = True,
) -> BudgetSplit:
    """Split a budget across channels to maximise the response under group rules.

    Parameters
    ----------
    curves : mapping of str to ResponseCurve, or ResponseFit
        Channel name -> its response curve (steady spend per period -> revenue); or a
        fit of :func:`fit_response`, whose curve draws the split is made over: it
        maximises the expected response (the mean over the draws; each channel's
        expected curve is concave when its draws are, so the water-filling stays
        exact), and reports the response of the split under each draw
        (``response_draws``).
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
        meets every constraint the result is never worse than it.  With a fit, the
        extrapolation guard (or ``risk``) can hold the split below it in expected
        response; the message then says by how much and why.
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
        Per-method options (an unknown one raises); ``kkt`` takes, for S-shaped curves,
        ``n_starts`` (>= 0, default 4) and ``rng`` (default 0) of its SLSQP starts (its
        root finders stop at 1e-10 of the budget and the sums are then made exact).

    extrapolation : float or None, default 1.5
        With a fit: no channel is given more than this multiple of its largest spend
        per period in the fitted history, nor less than its smallest over this multiple
        (outside that range its curve is the priors' guess more than the data's);
        channels held at the upper end are listed in ``guarded`` and the summary.  The
        guard always gives way to the user's constraints (and the message says so): a
        channel whose ``bounds`` lie outside its guarded range is held at the end of
        them nearest to the data; when a group's share rule (then the budget) does not
        fit within the guard, that group's (then every channel's) upper or lower ends
        are moved together by one factor; when the rules still cannot hold within it,
        the guard is lifted.  The certificate checks the user's ``bounds``.  None: no
        guard (spends above the largest seen are named in the message).  Ignored for
        plain curves.
    risk : float or None, default None
        With a fit: maximise the mean response (profit with ``objective="profit"``) of
        the worst ``risk`` fraction of the draws (their CVaR, e.g. 0.2) in place of the
        mean over all draws; with ``current``, of the draws' gain over it.  Not with
        ``min_roi`` (kept on the mean over the draws; refused).
    safe : bool, default True
        With a fit: move from today's split (``current``, else the fit's mean spend per
        period; scaled to the budget) only as far as the draws support.  Each channel
        stays within a trust region ``today * exp(+-r)``, ``r`` wider where the draws
        pin its marginal ROI at today's spend down (lift tests do); the split takes
        the step on the path from today's split to the best split within that region
        that maximises the 20% quantile of its gain over today across the draws,
        among steps that gain in at least 90% of them, and stays at today's split when
        no step does.  The message says how far it moved and why; ``safe_step``,
        ``gain_probability`` and ``gain_interval`` report it.  When today's split
        breaks the constraints (a new group rule), the path starts from today's split
        moved just enough to meet them.  Not applied (and said) with
        ``objective="roi"``, nor with a ``min_roi`` that today's split (or the trust
        region) cannot keep: the split is then the best over the draws keeping it.
        False: the best split over the draws (within the guard).  Ignored for plain
        curves.

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
    if isinstance(curves, ResponseFit):
        return split_fit(
            curves,
            total_budget,
            extrapolation=extrapolation,
            risk=risk,
            safe=safe,
            groups=groups,
            group_shares=group_shares,
            bounds=bounds,
            current=current,
            objective=objective,
            min_roi=min_roi,
            min_revenue=min_revenue,
            method=method,
            options=options,
        )
    req = check_request(
        curves,
        total_budget,
        groups,
        group_shares,
        bounds,
        current,
        objective,
        min_roi,
        min_revenue,
        method,
        options,
    )
    return solve_request(req)


def compare_splits(
    curves: Mapping[str, ResponseCurve],
    total_budget: float,
    *,
    groups: Mapping[str, Any],
    scenarios: Mapping[str, Mapping[str, Any]],
    current: Mapping[str, float] | Any = None,
    bounds: Any = None,
    method: SplitMethod = "kkt",
    options: Mapping[str, Any] | None = None,
) -> dict[str, BudgetSplit]:
    """The same budget split under several group rules, next to today's and the optimum.

    Parameters
    ----------
    curves, total_budget, groups, bounds, method, options
        As in :func:`split_budget`; ``curves`` a mapping of channel -> ResponseCurve
        (for a fit, ``fit.curves``; a fit itself is refused: with its draws and the safe
        default, the split without a rule is not the optimum).
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
    check_curves(curves)  # a fit's draws would make "optimal" the safe split, no optimum
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
            options=options,
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
            options=options,
        )
    out["optimal"] = split_budget(
        curves, total_budget, current=current, bounds=bounds, method=method, options=options
    )
    return out
