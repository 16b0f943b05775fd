"""linear_threshold: the knapsack LP's threshold over items of known value and cost."""

from __future__ import annotations

import numpy as np
import pytest

from bidopt.bidding import linear_threshold
from bidopt.exceptions import InvalidInputError


def test_linear_threshold_buys_by_value_per_cost() -> None:
    t = linear_threshold([0.0, 0.02, 0.01, 0.03, 0.5], [5.0, 10.0, 10.0, 10.0, 0.0], 15.0)
    assert t.order.tolist()[:4] == [4, 3, 1, 2]  # the free one first, value 0 last
    assert t.n_whole == 2 and t.multiplier == pytest.approx(0.002)
    assert t.n_reach == 3  # the fewest items whose cost reaches 15
    with pytest.raises(InvalidInputError, match="`cost` must have the shape"):
        linear_threshold([1.0], [1.0, 2.0], 1.0)


def test_linear_threshold_is_the_lp_optimum() -> None:
    rng = np.random.default_rng(7)
    value, cost = rng.uniform(0.0, 1.0, 300), rng.integers(1, 20, 300).astype(float)
    budget = 0.3 * cost.sum() + 0.25  # integer costs: no prefix costs exactly this
    t = linear_threshold(value, cost, budget)
    bought = t.order[: t.n_whole]
    assert cost[bought].sum() <= budget < cost[bought].sum() + cost[t.order[t.n_whole]]
    # every item left out is worth no more per cost than every item bought
    rest = np.setdiff1d(np.arange(300), bought)
    assert (value[rest] / cost[rest]).max() <= (value[bought] / cost[bought]).min()
    assert t.multiplier == value[t.order[t.n_whole]] / cost[t.order[t.n_whole]]
    assert t.n_reach == t.n_whole + 1  # no prefix hits the budget exactly
    assert "bought whole" in t.summary()
