"""A channel the history does not identify: a few heavy-tailed curve draws dominate the
mean over the draws.  The split and window results say so, give the medians and warn."""

from __future__ import annotations

import numpy as np
import pytest

from bidopt.channels import fit_response, split_budget, split_window
from bidopt.channels._tails import tail_mask
from bidopt.exceptions import IdentifiabilityWarning


@pytest.fixture(scope="module")
def fit():  # type: ignore[no-untyped-def]
    # b spends the same every period: its curve is the priors' guess (relative se ~5)
    rng = np.random.default_rng(0)
    a = rng.uniform(500, 1500, 60)
    b = np.full(60, 700.0)
    kpi = 3000 + 5 * a**0.8 + rng.normal(0, 30, 60)
    with pytest.warns(IdentifiabilityWarning):
        return fit_response({"a": a, "b": b}, kpi, rng=1)


def test_tail_mask_flags_a_mean_outside_the_central_interval() -> None:
    rng = np.random.default_rng(3)
    light = rng.lognormal(0.0, 0.3, 200)
    heavy = rng.lognormal(0.0, 5.0, 200)
    assert tail_mask(np.column_stack([light, heavy])).tolist() == [False, True]


def test_split_names_the_channel_whose_tail_dominates_the_mean(fit) -> None:  # type: ignore[no-untyped-def]
    # the walkthrough: 'b 700 yuan response 41,900 ROI 59.86', total 43,506 outside the
    # printed 80% range 1,578 - 15,662 (median 1,676), without a word
    with pytest.warns(IdentifiabilityWarning, match=r"dominate the expected response of b \("):
        split = split_budget(fit, 2200.0, current={"a": 1500.0, "b": 700.0})
    assert split.tail_channels == ("b",)
    assert split.response_draws is not None and split.channel_response_median is not None
    lo, hi = np.quantile(split.response_draws, [0.1, 0.9])
    assert not lo <= split.response <= hi  # the case the result must flag
    j = split.channels.index("b")
    assert split.channel_response_median[j] < 0.01 * split.channel_response[j]
    assert "lift test" in split.message
    text = split.summary()
    assert f"median {np.median(split.response_draws):,.0f})" in text
    assert "mean dominated by a few draws; median" in text
    assert "lies outside that range: a few draws of b dominate it" in text
    assert "; means over the draws, median gain +0.00" in text  # it stays at today's
    frame = split.to_frame()
    assert frame["response_median"].tolist() == pytest.approx(
        split.channel_response_median.tolist()
    )


def test_identified_channels_are_not_flagged(fit) -> None:  # type: ignore[no-untyped-def]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", IdentifiabilityWarning)
        split = split_budget(fit, 1500.0, bounds={"b": (0.0, 0.0)})
    assert split.tail_channels == ()
    assert "dominated" not in split.summary()


def test_window_names_the_channel_whose_tail_dominates_the_mean(fit) -> None:  # type: ignore[no-untyped-def]
    with pytest.warns(IdentifiabilityWarning, match="dominate the expected response of b"):
        split = split_window(fit, 4 * 2200.0, phases={"weeks": 4}, before={"a": 1000.0, "b": 700.0})
    assert split.tail_channels == ("b",)
    assert "a few draws of b dominate" in split.summary()
