"""Hypothesis properties of split_budget on S-shaped channel curves (issue 21).

Random problems of 2-5 channels mixing S-shaped Hill curves (shape > 1) with concave
ones (logistic, i.e. ``tanh``, and exponential), with and without group shares (exact or
a range) and channel bounds, against a reference: the best of SLSQP multistart and,
for 2-3 channels without share rules, a fine grid.  The split must reach the
reference (to 1e-6), and whenever it says ``success`` its certificate must hold, on
numbers recomputed here from the returned spend.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bidopt.channels import ResponseCurve, split_budget
from bidopt.exceptions import InfeasibleError

#: 200 examples: about 20-30 s here (500 took over 60 s: each example runs the split
#: and an SLSQP multistart reference; the branch and bound costs about 3 ms a node).
SOLVER = settings(derandomize=True, database=None, deadline=None, max_examples=200)


@st.composite
def s_shaped_problems(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(2, 5))
    curves: dict[str, ResponseCurve] = {}
    for i in range(n):
        kind = draw(st.sampled_from(["hill", "hill", "hill", "logistic", "exponential"]))
        ceiling = draw(st.floats(1.0, 10.0))
        if kind == "hill":
            params = {
                "ceiling": ceiling,
                "half": draw(st.floats(0.3, 3.0)),
                "shape": draw(st.floats(1.05, 4.5)),
            }
        elif kind == "logistic":
            params = {"ceiling": ceiling, "lam": draw(st.floats(0.2, 3.0))}
        else:
            params = {"ceiling": ceiling, "scale": draw(st.floats(0.3, 5.0))}
        curves[f"c{i}"] = ResponseCurve(kind=kind, params=params)
    budget = draw(st.floats(0.2, 12.0))
    problem: dict[str, Any] = {"curves": curves, "total_budget": budget}
    names = list(curves)
    if draw(st.booleans()):
        bounds: dict[str, tuple[float | None, float | None]] = {}
        for c in names:
            if draw(st.booleans()):
                lo = draw(st.floats(0.0, 0.9)) * budget / n
                hi = lo + draw(st.floats(0.05, 1.0)) * budget
                bounds[c] = (lo, hi if draw(st.booleans()) else None)
        problem["bounds"] = bounds
    if n >= 3 and draw(st.booleans()):
        share = draw(st.floats(0.1, 0.9))
        width = draw(st.sampled_from([0.0, 0.05, 0.2]))
        problem["groups"] = {"g": names[: n // 2 + 1]}
        rule: float | tuple[float, float] = share
        if width:
            rule = (max(share - width, 0.0), min(share + width, 1.0))
        problem["group_shares"] = {"g": rule}
    return problem


def _constraints_hold(problem: dict[str, Any], spend: np.ndarray, rtol: float = 1e-9) -> bool:
    """Every constraint of ``problem`` on ``spend``, recomputed from the problem as given."""
    budget = problem["total_budget"]
    names = list(problem["curves"])
    tol = rtol * max(budget, float(np.abs(spend).sum()))
    ok = abs(float(spend.sum()) - budget) <= tol and bool((spend >= -tol).all())
    for c, (lo, hi) in problem.get("bounds", {}).items():
        x = spend[names.index(c)]
        ok &= x >= lo - rtol * lo and (hi is None or x <= hi + rtol * hi)
    if "group_shares" in problem:
        rule = problem["group_shares"]["g"]
        lo, hi = rule if isinstance(rule, tuple) else (rule, rule)
        g = sum(spend[names.index(c)] for c in problem["groups"]["g"])
        ok &= lo * budget - tol <= g <= hi * budget + tol
    return bool(ok)


def _grid(problem: dict[str, Any], n: int = 301) -> float:
    """Best response over a grid of splits that meet the bounds (2-3 channels, no shares)."""
    curves = list(problem["curves"].values())
    budget = problem["total_budget"]
    names = list(problem["curves"])
    lo = np.zeros(len(names))
    hi = np.full(len(names), budget)
    for c, (a, b) in problem.get("bounds", {}).items():
        lo[names.index(c)] = a
        hi[names.index(c)] = budget if b is None else min(b, budget)
    if len(curves) == 2:
        x = np.linspace(lo[0], hi[0], 20 * n)
        parts = [x, budget - x]
    else:
        x, y = np.meshgrid(np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n))
        x, y = x.ravel(), y.ravel()
        parts = [x, y, budget - x - y]
    ok = np.ones(parts[0].size, dtype=bool)
    for i, p in enumerate(parts):
        ok &= (p >= lo[i] - 1e-12) & (p <= hi[i] + 1e-12)
    if not ok.any():
        return -np.inf
    total = sum(f(np.clip(p, 0.0, None)) for f, p in zip(curves, parts, strict=True))
    return float(np.max(np.where(ok, total, -np.inf)))


@SOLVER
@given(s_shaped_problems())
def test_s_shaped_split_reaches_the_reference_and_certifies(problem: dict[str, Any]) -> None:
    try:
        split = split_budget(**problem)
    except InfeasibleError:
        return  # constraints drawn that cannot hold together (checked elsewhere)
    assert split.success, split.message
    assert split.certificate is not None and split.certificate.holds
    assert _constraints_hold(problem, split.spend)
    ref = split_budget(**problem, method="slsqp", options={"n_starts": 6, "rng": 0})
    reference = ref.response
    if len(problem["curves"]) <= 3 and "group_shares" not in problem:
        reference = max(reference, _grid(problem))
    assert split.response >= reference * (1 - 1e-6) - 1e-9, (split.response, reference)
    if split.status == 0:
        assert "KKT conditions hold" in split.message
    else:
        assert "KKT conditions hold" not in split.message
