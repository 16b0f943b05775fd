"""Messages a merchant reads, pinned on cases that exercise them: the safe split's gain
interval is the result's own ``gain_interval`` (item 5 of the walkthrough), and the
campaign window split says when it extrapolates beyond the fitted history (item 6)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from bidopt.channels import split_budget, split_window
from tests.channels.test_safe_split import TODAY, _fit

_INTERVAL = re.compile(r"80% interval ([+-][\d,]+) to ([+-][\d,]+)")


def _agreeing_fit(scale: float) -> object:
    """Draws that agree channel a earns more: the safe split moves (revenue ceilings x
    ``scale``, spends as in the history)."""
    rng = np.random.default_rng(1)
    return _fit(rng.normal(9000, 500, 200) * scale, rng.normal(6000, 300, 200) * scale)


_RULE = {"groups": {"g": ["a"]}, "group_shares": {"g": (0.3, 0.5)}}


@pytest.mark.parametrize(
    ("rule", "scale"),
    [
        pytest.param(None, 1.0, id="from today"),
        pytest.param(None, 100.0, id="from today, large gains"),
        pytest.param(_RULE, 1.0, id="from a start the rule moved"),
        pytest.param(_RULE, 100.0, id="moved start, large gains"),
    ],
)
def test_split_message_states_the_results_gain_interval(rule: dict | None, scale: float) -> None:
    split = split_budget(_agreeing_fit(scale), 4000.0, current=TODAY, **(rule or {}))
    assert split.safe_step is not None and split.safe_step > 0
    assert split.gain_interval is not None
    lo, hi = split.gain_interval
    found = _INTERVAL.search(split.message)
    assert found is not None, split.message
    assert found.groups() == (f"{lo:+,.0f}", f"{hi:+,.0f}"), split.message
    assert "today" in split.message[: found.start()].rsplit(";", 1)[-1]


PHASES = {"pre-heat": 7, "double11": 1}


@pytest.fixture(scope="module")
def fit() -> object:
    """Largest spend per period seen: a 2,000, b 6,000 yuan."""
    rng = np.random.default_rng(0)
    return _fit(rng.normal(9000, 300, 50), rng.normal(6000, 300, 50))


def test_window_split_within_the_history_says_nothing_of_extrapolation(fit: object) -> None:
    split = split_window(fit, 8 * 2000.0, phases=PHASES)
    assert split.success
    assert "extrapolat" not in split.message


def test_window_split_names_the_channel_held_at_the_extrapolation_guard(fit: object) -> None:
    split = split_window(fit, 8 * 4000.0, phases=PHASES)
    assert split.success
    np.testing.assert_allclose(split.spend[0], 3000.0, rtol=1e-6)  # 1.5 x 2,000
    assert (
        "Held at the extrapolation guard (1.5 x the largest spend per period seen; yuan per "
        "period: a 3,000) in at least one phase: their curves are extrapolated up to it; "
        "extrapolation=None or a larger multiple lifts the cap." in split.message
    )
    assert "Spends above" not in split.message  # b stays within its 6,000


def test_window_split_names_channels_above_the_largest_spend_seen(fit: object) -> None:
    split = split_window(fit, 8 * 9000.0, phases=PHASES, extrapolation=None)
    assert split.success and split.spend[0, 0] > 2000.0 * 1.01
    assert split.message.endswith("Spends above the largest spend seen (extrapolated curves): a.")
    assert "guard" not in split.message


def test_window_split_the_guard_cannot_hold_the_budget_names_it(fit: object) -> None:
    # the guard's caps allow 96,000 yuan over the window, below the 160,000 budget: the
    # guard gives way to the budget (as in split_budget) and the message says by how much
    split = split_window(fit, 8 * 20000.0, phases=PHASES)
    assert split.success
    assert split.total_spend == pytest.approx(160000.0)
    assert "which gives way to your budgets and rules" in split.message
    assert "a 5,000 (2,000 above its guard of 3,000)" in split.message
