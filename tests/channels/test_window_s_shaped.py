"""split_window on S-shaped curves against a multistart SLSQP reference (#21)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from bidopt.channels import CurveDraws, split_window
from bidopt.channels._window_model import WindowModel


def _window(seed: int) -> tuple[CurveDraws, dict[str, int], float]:
    """The review's random S-shaped windows (Hill draws, geometric adstock)."""
    rng = np.random.default_rng(1000 + seed)
    n = int(rng.integers(2, 4))
    alpha = float(rng.uniform(0, 0.7))
    draw_rng, nd = np.random.default_rng(seed), 8
    params = {
        "ceiling": draw_rng.uniform(500, 5000, n) * np.exp(draw_rng.normal(0, 0.1, (nd, n))),
        "half": draw_rng.uniform(100, 1000, n) * np.exp(draw_rng.normal(0, 0.1, (nd, n))),
        "shape": draw_rng.uniform(1.5, 4, n) * np.ones((nd, n)),
    }
    draws = CurveDraws(
        channels=tuple("abc"[:n]),
        kind="hill",
        params=params,
        adstock={"alpha": np.full((nd, n), alpha)},
    )
    phases = {"pre": int(rng.integers(1, 8)), "sale": int(rng.integers(1, 4)), "d11": 1}
    total = float(rng.uniform(0.2, 3) * params["half"].mean() * n * sum(phases.values()))
    return draws, phases, total


def _multistart(draws: CurveDraws, phases: dict[str, int], total: float, starts: int) -> float:
    """The best response of SLSQP from ``starts`` Dirichlet(0.5) random splits."""
    lengths = np.array(list(phases.values()))
    model = WindowModel(draws, lengths, None, True)
    n, f = len(draws.channels), lengths.size
    cost = np.tile(lengths.astype(float), n)
    rng, best = np.random.default_rng(5000), -np.inf
    for _ in range(starts):
        res = optimize.minimize(
            lambda u: -model.value(u.reshape(n, f)),
            rng.dirichlet(np.full(n * f, 0.5)) * total / cost,
            jac=lambda u: -model.gradient(u.reshape(n, f)).ravel(),
            method="SLSQP",
            bounds=[(0, None)] * (n * f),
            constraints=[{"type": "eq", "fun": lambda u: cost @ u - total}],
            options={"maxiter": 1000, "ftol": 1e-12},
        )
        x = np.maximum(res.x, 0)
        if abs(cost @ x - total) < 1e-6 * total:
            best = max(best, model.value(x.reshape(n, f)))
    return best


@pytest.mark.parametrize("seed", [28, 84])
def test_s_shaped_window_reaches_the_multistart_optimum(seed: int) -> None:
    # 2.2% and 4.2% below a 32-start SLSQP with the uniform split and 8 random starts:
    # a channel had to be switched off in one phase and on in another
    draws, phases, total = _window(seed)
    split = split_window(draws, total, phases=phases)
    reference = _multistart(draws, phases, total, 32)
    assert split.success
    assert split.response >= reference * (1 - 1e-3)
    assert "not proven the best split" in split.message or "proven optimal" in split.message
