"""Today's split of the window's safe default (``split_window(fit, ..., safe=True)``):
``current`` as given, else ``before`` (the merchant's spend per period before the
window), else the fit's mean spend per period; the message, the summary and
``current_source`` say which."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest

from bidopt.channels import split_window
from bidopt.channels._split_safe import trust_radius
from bidopt.exceptions import InvalidInputError
from tests.channels.test_safe_split import TODAY
from tests.channels.test_window_safe import _seeded

#: Every phase at 4,000 yuan per period (the fit's mean spend per period, TODAY, adds
#: to 4,000): today's split is then its mix at that level, within the guard.
PHASES = {"pre": 7, "sale": 3, "d11": 1}
BUDGETS = {"pre": 28000.0, "sale": 12000.0, "d11": 4000.0}
BEFORE = {"a": 2000.0, "b": 2000.0}
CURRENT = {"a": 500.0, "b": 3500.0}

MEAN = "the fitted history's mean spend"
FROM_BEFORE = "`before=` (your spend per period before the window)"
GIVEN = "`current` as given"


def _window(sd: float = 0.1, **kwargs: Any) -> Any:
    return split_window(_seeded(1, sd), phases=PHASES, phase_budgets=BUDGETS, **kwargs)


def _scaled(mix: dict[str, float]) -> np.ndarray:
    """``mix`` (a, b) scaled to each phase's budget per period, shape (2, n_phases)."""
    x = np.array([mix["a"], mix["b"]])
    per_period = np.array([BUDGETS[p] / PHASES[p] for p in PHASES])
    return np.asarray(x[:, None] / x.sum() * per_period[None, :])


@pytest.mark.parametrize(
    ("kwargs", "mix", "source"),
    [
        ({}, TODAY, MEAN),
        ({"before": BEFORE}, BEFORE, FROM_BEFORE),
        ({"current": CURRENT}, CURRENT, GIVEN),
        ({"current": CURRENT, "before": BEFORE}, CURRENT, GIVEN),
    ],
    ids=["default-mean", "before", "current", "current-over-before"],
)
def test_todays_split_is_the_documented_reference(
    kwargs: dict[str, Any], mix: dict[str, float], source: str
) -> None:
    split = _window(**kwargs)
    assert split.success
    assert split.current_spend is not None
    np.testing.assert_allclose(split.current_spend, _scaled(mix), rtol=1e-12)
    assert split.current_source == source
    level = f"{sum(mix.values()):,.0f}"
    assert f"Today's split: {source}, {level} yuan per period, in its channel mix" in (
        split.message
    )
    assert f"today's split (the safe default's start), from {source}:" in split.summary()
    # the gain is measured over that split, on the window's own model
    assert split.current_response_draws is not None
    assert split.gain_probability == pytest.approx(
        float(np.mean(split.response_draws - split.current_response_draws > 0))
    )


def test_before_sets_todays_split_not_the_fitted_mean() -> None:
    # before this change today's split was the fitted history's mean mix (1:3) even when
    # the merchant said they spend 1:1 now (before=)
    split = _window(before=BEFORE)
    assert split.current_spend is not None
    np.testing.assert_allclose(split.current_spend[0], split.current_spend[1])
    assert not np.allclose(split.current_spend, _scaled(TODAY))


def test_current_equal_to_the_mean_gives_the_default_split() -> None:
    default, given = _window(), _window(current=TODAY)
    assert given.current_spend is not None and default.current_spend is not None
    np.testing.assert_array_equal(given.current_spend, default.current_spend)
    np.testing.assert_array_equal(given.spend, default.spend)
    assert given.safe_step == default.safe_step


def test_trust_radius_is_the_draws_at_the_windows_today() -> None:
    split = _window(current=CURRENT, before=BEFORE)
    assert split.current_spend is not None and split.safe_step is not None
    assert split.safe_step > 0
    fit = _seeded(1, 0.1)
    assert fit.draws is not None
    radius = np.column_stack(
        [trust_radius(fit.draws, split.current_spend[:, p]) for p in range(len(PHASES))]
    )
    found = re.search(r"r from ([0-9.]+) to ([0-9.]+)", split.message)
    assert found is not None
    assert (found[1], found[2]) == (f"{radius.min():.2f}", f"{radius.max():.2f}")


def test_before_zero_everywhere_falls_back_to_the_mean() -> None:
    split = _window(before={"a": 0.0, "b": 0.0})
    assert split.current_spend is not None
    np.testing.assert_allclose(split.current_spend, _scaled(TODAY), rtol=1e-12)
    assert split.current_source == MEAN + " (`before=` is 0 for every channel)"


def test_current_zero_everywhere_is_said() -> None:
    split = _window(current={"a": 0.0, "b": 0.0})
    assert split.safe_step is None and split.current_spend is None
    assert "Safe default: not applied (`current` as given is 0)." in split.message


def test_safe_false_ignores_current() -> None:
    free = _window(safe=False)
    given = _window(safe=False, current=CURRENT)
    np.testing.assert_array_equal(free.spend, given.spend)
    assert given.current_spend is None and given.current_source is None


@pytest.mark.parametrize(
    ("current", "match"),
    [
        ({"a": 1000.0}, r"`current` must give a spend for every channel of `curves`\. Got "),
        (
            {"a": 1000.0, "b": 1000.0, "c": 5.0},
            r"`current` must name only channels of `curves` \(\['a', 'b'\]\)\. Got \['c'\]",
        ),
        ({"a": -1.0, "b": 1000.0}, r"`current\['a'\]` must be .*>= 0.*-1\.0"),
        ({"a": math.nan, "b": 1000.0}, r"`current\['a'\]` must be .*finite.*nan"),
        ({"a": 1000.0, "b": math.inf}, r"`current\['b'\]` must be .*finite.*inf"),
        ({"a": "x", "b": 1000.0}, r"`current\['a'\]`"),
    ],
    ids=["missing", "unknown", "negative", "nan", "inf", "text"],
)
@pytest.mark.parametrize("safe", [True, False])
def test_bad_current_is_refused_naming_it(current: Any, match: str, safe: bool) -> None:
    with pytest.raises(InvalidInputError, match=match):
        _window(current=current, safe=safe)
