"""Random S-shaped campaign windows (the review's generator) and a multistart SLSQP
reference, shared by tests/channels/test_window_s_shaped.py and
benchmarks/channels_window.py."""

from __future__ import annotations

import numpy as np
from scipy import optimize

from bidopt.channels import CurveDraws
from bidopt.channels._window_model import WindowModel


def window(seed: int) -> tuple[CurveDraws, dict[str, int], float]:
    """One random S-shaped window: draws, phases and budget (yuan)."""
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


def multistart(
    draws: CurveDraws, phases: dict[str, int], total: float, seed: int, starts: int = 32
) -> float:
    """The best response of SLSQP from ``starts`` Dirichlet(0.5) random splits."""
    lengths = np.array(list(phases.values()))
    model = WindowModel(draws, lengths, None, True)
    n, f = len(draws.channels), lengths.size
    cost = np.tile(lengths.astype(float), n)
    rng, best = np.random.default_rng(5000 + seed), -np.inf
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
