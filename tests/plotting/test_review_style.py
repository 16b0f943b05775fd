"""Review of the tick labels: distinct ticks never read the same (a tick at 0.125 read
0.12, and the ticks of a small money scale, 0.001 to 0.004, all read 0)."""

from __future__ import annotations

import pytest

pytest.importorskip("matplotlib", reason="the figures need the optional matplotlib")

from bidopt.plotting import PlotStyle
from bidopt.plotting._style import number_formatter


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.125, "0.125"),
        (0.0025, "0.0025"),
        (0.004, "0.004"),
        (-0.002, "-0.002"),
        (0.1 + 0.2, "0.3"),
        (12.5, "12.5"),
        (99.99, "99.99"),
        (100.4, "100"),
        (1234567.0, "1,234,567"),
        (0.0, "0"),
    ],
)
def test_tick_labels_keep_three_significant_digits(value: float, text: str) -> None:
    assert number_formatter(PlotStyle())(value, 0) == text


def test_small_ticks_are_distinct_with_the_style_marks() -> None:
    ticks = [0.001 * k for k in range(5)]
    formatter = number_formatter(PlotStyle(thousands=".", decimal=","))
    labels = [formatter(v, 0) for v in ticks]
    assert labels == ["0", "0,001", "0,002", "0,003", "0,004"]
