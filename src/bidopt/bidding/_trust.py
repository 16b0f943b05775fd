"""Plans on an estimate: expected landscapes, a trust region around today's bids, and a
no-loss guard, with ranges over the estimate's draws.

``optimize_bids(estimate, budget)`` lands here.  The plan is optimised on the landscape
averaged over the estimate's draws (so it spends its budget in expectation).  With
``safe=True`` (the default):

* each keyword's bid stays within a trust region around today's bid, ``today *
  exp(+-h)`` with ``h = log(1.2) + log(highest / lowest bid in the log)``: +-20% for a
  keyword whose bid never moved, as wide as the bids the log has seen plus 20% where
  it did (the region widens with evidence);
* the no-loss guard evaluates the plan and today's bids under every draw; unless the
  plan's objective beats today's (at the same spend) in at least 80% of draws, the trust
  region is halved, then halved again, and finally the plan is today's bids, lowered
  only where the budget requires.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from bidopt._validation import short_repr
from bidopt.bidding._plan import BidPlan
from bidopt.bidding._ranges import PlanRanges
from bidopt.exceptions import IdentifiabilityWarning, InvalidInputError
from bidopt.landscape import BidLandscape, LandscapeEstimate
from bidopt.typing import FloatArray

__all__ = ["TRUST_STEP", "plan_on_estimate", "today_bids"]

#: Half-width (log scale) of the trust region of a keyword whose bid never moved.
TRUST_STEP = float(np.log(1.2))
#: Widths tried by the no-loss guard, as fractions of the full trust region.
_SCALES = (1.0, 0.5, 0.25, 0.0)
#: The guard accepts a plan that beats today's bids in at least this share of draws.
_CONFIDENCE = 0.8
_LEVELS = 21
_MIN_BID, _MAX_BID = 0.05, 99.0


def today_bids(estimate: LandscapeEstimate, current_bids: Mapping[str, float] | None) -> FloatArray:
    """Today's bid per landscape row: the log's last day, or ``current_bids`` by keyword."""
    ident = estimate.identifiability
    if ident is None:
        raise InvalidInputError(
            "`landscape` must be an estimate from estimate_landscapes (with its "
            "identifiability) to plan around today's bids. Got an estimate without it "
            "instead."
        )
    today = np.array(ident.current_bid, dtype=np.float64)
    if current_bids is None:
        return today
    if not isinstance(current_bids, Mapping):
        raise InvalidInputError(
            "`current_bids` must be a mapping of keyword -> bid (yuan), keyed by keyword, "
            f"never by position. Got {short_repr(current_bids)} instead."
        )
    index: dict[Any, list[int]] = {}
    for row, keyword in enumerate(ident.keywords.tolist()):
        index.setdefault(keyword, []).append(row)
    for keyword, bid in current_bids.items():
        if keyword not in index:
            raise InvalidInputError(
                "`current_bids` must name keywords of the estimate. Got "
                f"{short_repr(keyword)}, which is not among its {ident.n_keywords} keywords, "
                "instead."
            )
        value = float(bid)
        if not np.isfinite(value) or value < 0:
            raise InvalidInputError(
                f"`current_bids` must map each keyword to a finite bid >= 0. Got {bid!r} "
                f"for {short_repr(keyword)} instead."
            )
        today[index[keyword]] = value
    return today


def _objective(metrics: dict[str, FloatArray], objective: str) -> FloatArray:
    if objective == "profit":
        return metrics["revenue"] - metrics["cost"]
    return metrics[objective]


def _grid(today: FloatArray, half: FloatArray, low: float, high: float) -> FloatArray:
    steps = np.linspace(low, high, _LEVELS)
    grid = today[:, None] * np.exp(half[:, None] * steps[None, :])
    grid = np.where(today[:, None] > 0, np.clip(np.round(grid, 2), _MIN_BID, _MAX_BID), 0.0)
    return np.asarray(np.maximum.accumulate(grid, axis=1), dtype=np.float64)


def plan_on_estimate(
    estimate: LandscapeEstimate,
    budget: float,
    solve: Callable[[BidLandscape, float], BidPlan],
    *,
    objective: str,
    current_bids: Mapping[str, float] | None,
    safe: bool,
) -> BidPlan:
    """The plan on an estimate (see the module docstring); ``solve`` optimises one
    landscape with the caller's constraints."""
    if not isinstance(safe, bool):
        raise InvalidInputError(f"`safe` must be True or False. Got {short_repr(safe)} instead.")
    today = today_bids(estimate, current_bids)
    ident = estimate.identifiability
    assert ident is not None  # checked by today_bids
    draws = estimate.draws

    def expected(bids: FloatArray) -> BidLandscape:
        if draws is None:
            return estimate.model.landscape(bids)
        return draws.mean_landscape(bids)

    def totals(bids: FloatArray) -> dict[str, FloatArray]:
        if draws is None:
            point = estimate.model.landscape(bids[:, None])
            return {m: point.metric(m)[:, 0][None, :] for m in point.metrics}
        return draws.at_bids(bids)

    today_metrics = totals(today)
    today_obj = _objective(today_metrics, objective).sum(axis=1)
    today_spend = float(today_metrics["cost"].sum(axis=1).mean())
    same_spend = min(1.0, budget / today_spend) if today_spend > 0 else 1.0

    def evaluate(plan: BidPlan) -> tuple[dict[str, FloatArray], FloatArray]:
        metrics = totals(plan.bids)
        return metrics, _objective(metrics, objective).sum(axis=1) - same_spend * today_obj

    if not safe:
        plan = solve(expected(np.asarray(estimate.landscapes.bids)), budget)
        metrics, gain = evaluate(plan)
        scale = float("nan")
        half = TRUST_STEP + np.log(ident.bid_ratio)
        moved = np.abs(np.log(np.maximum(plan.bids, 1e-9) / np.maximum(today, 1e-9))) > half
        blind = moved & (ident.source == "prior") & (plan.bids > 0)
        if blind.any():
            warnings.warn(
                f"The plan moves the bids of {int(blind.sum())} keywords whose response to "
                "a bid change the log cannot identify (their bids never varied) beyond "
                "+-20% of today's (safe=False): its promises for them rest on the prior. "
                "Remedy: plan with safe=True, or run a bid test first "
                "(bidopt.landscape.design_bid_test).",
                IdentifiabilityWarning,
                stacklevel=3,
            )
    else:
        half = TRUST_STEP + np.log(ident.bid_ratio)
        for scale in _SCALES:
            low, high = (-1.0, 1.0) if scale > 0 else (-1.0, 0.0)
            plan = solve(expected(_grid(today, half * (scale or 1.0), low, high)), budget)
            metrics, gain = evaluate(plan)
            if scale == 0.0 or (plan.success and (gain >= 0).mean() >= _CONFIDENCE):
                break
        if scale < 1.0:
            plan = replace(
                plan,
                message=plan.message
                + f" The no-loss guard narrowed the trust region around today's bids to "
                f"{scale:g} of its width: a wider plan did not beat today's bids in "
                f"{_CONFIDENCE:.0%} of the estimate's draws.",
            )
    names = tuple(m for m in ("cost", "clicks", "conversions", "revenue") if m in metrics)
    ranges = PlanRanges(
        metrics=tuple("spend" if m == "cost" else m for m in names),
        plan=np.stack([metrics[m].sum(axis=1) for m in names], axis=1),
        today=np.stack([today_metrics[m].sum(axis=1) for m in names], axis=1),
        gain=gain,
        trust_scale=scale,
    )
    return replace(plan, ranges=ranges)
