"""Review of plot_landscape: bad selections and a plan of another landscape raise a
bidopt error naming the parameter; the solid "seen" stretch never leaves the curve."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="the figures need the optional matplotlib")

from bidopt.bidding import optimize_bids
from bidopt.datasets import make_search_account
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import estimate_landscapes
from bidopt.plotting import plot_landscape


def _landscape(n: int, rng: int) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimate_landscapes(make_search_account(n, n_days=7, rng=rng).log).landscapes


@pytest.fixture(scope="module")
def landscapes() -> Any:
    return _landscape(20, 3), _landscape(8, 4)


@pytest.mark.parametrize("max_keywords", [0, -1, True, 2.5])
def test_max_keywords_must_be_a_positive_integer(landscapes: Any, max_keywords: Any) -> None:
    # 0 drew an empty figure and -1 every keyword but one
    with pytest.raises(InvalidInputError, match="`max_keywords` must be an integer >= 1"):
        plot_landscape(landscapes[0], max_keywords=max_keywords)


@pytest.mark.parametrize("keywords", [[0.7], "0", [[0, 1]], [-1]])
def test_keywords_must_be_integer_rows(landscapes: Any, keywords: Any) -> None:
    # [0.7] was drawn as row 0; "0" raised a TypeError
    with pytest.raises(InvalidInputError, match="`keywords` must be row numbers in"):
        plot_landscape(landscapes[0], keywords=keywords)


def test_a_plan_of_another_landscape_is_refused(landscapes: Any) -> None:
    big, small = landscapes
    # a larger plan's bids were marked on the wrong keywords; a smaller one IndexError
    for landscape, other in ((small, big), (big, small)):
        plan = optimize_bids(other, 50.0)
        with pytest.raises(InvalidInputError, match="`plan` must have one bid per keyword"):
            plot_landscape(landscape, plan)


def test_seen_bids_beyond_the_curve_draw_no_solid_line(landscapes: Any) -> None:
    landscape = landscapes[0]
    top = landscape.bids[:, -1]
    observed = np.column_stack([top * 2, top * 3])  # all above the curve's grid
    fig = plot_landscape(landscape, keywords=[0], observed_bids=observed)
    ax = fig.axes[0]
    x_max = float(landscape.bids[0].max())
    for line in ax.lines:
        assert np.max(line.get_xdata()) <= x_max + 1e-12
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        str(landscape.keywords[0]) if landscape.keywords is not None else "#0"
    ]
    # partly overlapping: the solid part stops at the grid's end
    observed = np.column_stack([top * 0.5, top * 3])
    ax = plot_landscape(landscape, keywords=[0], observed_bids=observed).axes[0]
    solid = [line for line in ax.lines if line.get_linewidth() == 2.0]
    assert len(solid) == 1
    assert np.max(solid[0].get_xdata()) == pytest.approx(x_max, rel=1e-12)


def test_marks_below_the_lowest_bid_sit_on_the_line_to_zero(landscapes: Any) -> None:
    # a keyword paused today (bid 0) was marked at its clicks at the grid's lowest bid
    landscape = landscapes[0]
    assert landscape.bids[0, 0] > 0
    current = np.zeros(landscape.n_keywords)
    current[1] = landscape.bids[1, 0] / 2  # half the lowest bid: half its clicks
    fig = plot_landscape(landscape, current_bids=current, keywords=[0, 1])
    squares = [line for line in fig.axes[0].lines if line.get_marker() == "s"]
    assert [float(line.get_ydata()[0]) for line in squares] == pytest.approx(
        [0.0, landscape.clicks[1, 0] / 2], rel=1e-12
    )
