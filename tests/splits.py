"""A shared test input: the Double-11 channel plan split under the 60/40 rule."""

from __future__ import annotations

from typing import Any

from bidopt.channels import ResponseCurve, compare_splits
from bidopt.datasets import double11_channels


def double11_splits(rule: str = "rule") -> tuple[dict[str, ResponseCurve], dict[str, Any]]:
    """The Double-11 example's curves (from its ROIs) and ``compare_splits`` of its budget
    with the 60% core / 40% emerging rule as scenario ``rule``."""
    channels = double11_channels()
    curves = channels.curves(ResponseCurve.from_roi)
    splits = compare_splits(
        curves,
        channels.budget,
        groups=channels.groups,
        current=channels.current,
        scenarios={rule: {"core": 0.6, "emerging": 0.4}},
    )
    return curves, splits
