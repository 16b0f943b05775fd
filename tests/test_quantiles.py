"""Central intervals over draws (``bidopt._quantiles``) and the places that use them."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from bidopt._quantiles import central_band, central_interval
from bidopt._split_words import rule_cost


def test_central_interval_takes_the_weibull_ranks() -> None:
    # 20 draws 1..20, level 0.8: ranks (20 + 1) * 0.1 = 2.1 and 18.9 (numpy's default
    # quantiles take 2.9 and 18.1)
    draws = np.arange(20.0, 0.0, -1.0)
    assert central_interval(draws, 0.8) == pytest.approx((2.1, 18.9), abs=1e-12)
    # too few draws for the level: the extreme draws
    assert central_interval([3.0, 1.0, 2.0], 0.8) == (1.0, 3.0)


def test_central_band_is_the_interval_at_every_column() -> None:
    gen = np.random.default_rng(3)
    values = gen.normal(size=(20, 7))
    lo, hi = central_band(values, 0.8)
    assert lo.shape == hi.shape == (7,)
    for j in range(7):
        assert (lo[j], hi[j]) == pytest.approx(central_interval(values[:, j], 0.8), abs=1e-12)


@pytest.mark.parametrize(("n_draws", "level"), [(20, 0.8), (12, 0.8), (40, 0.5)])
def test_central_band_holds_a_further_draw_with_its_level(n_draws: int, level: float) -> None:
    # each column: n_draws draws and one more exchangeable value (the truth under a
    # calibrated posterior); numpy's default quantiles held it 72% of the time at 20 x 0.8
    sample = np.random.default_rng(11).lognormal(0.0, 0.2, (n_draws + 1, 4000))
    lo, hi = central_band(sample[:-1], level)
    held = (lo <= sample[-1]) & (sample[-1] <= hi)
    assert abs(held.mean() - level) < 0.02


def test_rule_cost_interval_holds_a_further_draw_80_percent_of_the_time() -> None:
    # the rule's cost over 20 curve draws: its 80% interval must hold one more draw of
    # the cost 80% of the time (it held it 72% with numpy's default quantiles)
    gen = np.random.default_rng(5)
    held = []
    for _ in range(4000):
        free = gen.normal(1000.0, 30.0, 21)
        ruled = free - gen.lognormal(3.0, 0.5, 21)
        _, spread = rule_cost(
            SimpleNamespace(response=float(ruled.mean()), response_draws=ruled[:-1]),  # type: ignore[arg-type]
            SimpleNamespace(response=float(free.mean()), response_draws=free[:-1]),  # type: ignore[arg-type]
        )
        assert spread is not None
        held.append(spread[0] <= free[-1] - ruled[-1] <= spread[1])
    assert abs(np.mean(held) - 0.8) < 0.02, np.mean(held)


def test_rule_cost_interval_takes_the_weibull_ranks() -> None:
    diff = np.arange(1.0, 21.0)
    ruled = SimpleNamespace(response=0.0, response_draws=np.zeros(20))
    free = SimpleNamespace(response=10.5, response_draws=diff)
    cost, spread = rule_cost(ruled, free)  # type: ignore[arg-type]
    assert cost == 10.5
    assert spread == pytest.approx((2.1, 18.9), abs=1e-12)
    no_draws = SimpleNamespace(response=0.0, response_draws=None)
    assert rule_cost(no_draws, free) == (10.5, None)  # type: ignore[arg-type]
