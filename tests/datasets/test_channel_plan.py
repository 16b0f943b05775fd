from __future__ import annotations

import numpy as np
import pytest

from bidopt.channels import ResponseCurve
from bidopt.datasets import double11_channels, make_channel_plan
from bidopt.exceptions import InvalidInputError


def test_make_channel_plan_is_seeded_and_consistent() -> None:
    plan = make_channel_plan(30, n_groups=3, rng=7)
    again = make_channel_plan(30, n_groups=3, rng=np.random.default_rng(7))
    assert plan == again
    assert plan != make_channel_plan(30, n_groups=3, rng=8)
    assert plan.budget == pytest.approx(sum(plan.current.values()), rel=1e-12)
    members = [c for group in plan.groups.values() for c in group]
    assert members == list(plan.current)  # every channel in one group, in order
    assert [len(g) for g in plan.groups.values()] == [10, 10, 10]
    assert {plan.kinds[c] for c in plan.current} == {"exponential", "log", "logistic"}
    assert all(2 <= r <= 10 for r in plan.roi.values())
    assert all(0.2 <= e <= 0.8 for e in plan.elasticity.values())
    # each curve passes through today's spend at today's ROI, of the channel's kind
    for name, curve in plan.curves(ResponseCurve.from_roi).items():
        assert curve.kind == plan.kinds[name]
        x = plan.current[name]
        assert float(curve(x)) == pytest.approx(plan.roi[name] * x, rel=1e-9)


def test_channel_plan_without_kinds_stays_exponential() -> None:
    curves = double11_channels().curves(ResponseCurve.from_roi)
    assert {c.kind for c in curves.values()} == {"exponential"}


def test_make_channel_plan_errors() -> None:
    with pytest.raises(InvalidInputError, match="n_channels"):
        make_channel_plan(0)
    with pytest.raises(InvalidInputError, match="n_groups"):
        make_channel_plan(3, n_groups=4)
