"""Review of the tick labels: distinct ticks never read the same (a tick at 0.125 read
0.12, and the ticks of a small money scale, 0.001 to 0.004, all read 0)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
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


def test_legend_numbers_follow_the_style_and_the_scale() -> None:
    from bidopt.bidding import bid_frontier
    from bidopt.channels import ResponseCurve, split_budget
    from bidopt.datasets import make_search_account
    from bidopt.landscape import estimate_landscapes
    from bidopt.plotting import plot_frontier, plot_spend_change, plot_split, set_style

    curves = {"a": ResponseCurve.from_roi(1e5, 5.0), "b": ResponseCurve.from_roi(1e5, 3.0)}
    split = split_budget(curves, 1e5)
    previous = set_style(decimal=",", thousands=".")
    try:
        # the ROI was written with "." whatever the decimal mark
        legend = plot_split({"x": split}).legends[0].get_texts()[0].get_text()
        assert legend.endswith(f"ROI {split.roi:.2f}".replace(".", ","))
    finally:
        set_style(previous)
    # small money: a budget of 0.4 yuan was labelled "budget 0", and spend changes of a
    # few tenths of a yuan "+0"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        landscape = estimate_landscapes(make_search_account(10, n_days=7, rng=3).log).landscapes
    fig = plot_frontier(bid_frontier(landscape, [0.2, 0.6]), budget=0.4)
    assert "budget 0.4" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    small = split_budget(curves, 1.0)
    fig = plot_spend_change(small, [0.7, 0.3])
    changes = sorted(t.get_text() for t in fig.axes[0].texts)
    expected = sorted(
        ("+" if d > 0 else "-") + f"{abs(d):.3g}" for d in small.spend - np.array([0.7, 0.3])
    )
    assert changes == expected
    assert fig.axes[0].get_title().endswith(": 0)")  # same total: no rounding noise


def test_the_ticks_of_an_axis_share_the_decimals_that_write_them_exactly() -> None:
    formatter = number_formatter(PlotStyle())
    # 100.5 was written 100 (no decimals from 100 on), 0.01725 as 0.0173
    assert formatter.format_ticks([100.0, 100.5, 101.0]) == ["100", "100.5", "101"]
    assert formatter.format_ticks([0.017, 0.01725, 0.0175]) == ["0.017", "0.01725", "0.0175"]
    assert formatter.format_ticks([0.0, 2e5, 4e5]) == ["0", "200,000", "400,000"]


def test_long_x_tick_labels_do_not_overlap() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from bidopt.landscape import BidLandscape
    from bidopt.plotting import plot_landscape

    bids = np.array([[1.0, 2.0, 4.0, 8.0]]) * 1e6  # "1,750,000,000"-long labels side by side
    clicks = np.array([[100.0, 100.5, 101.0, 101.5]])
    landscape = BidLandscape(bids=bids, clicks=clicks, cost=bids * clicks * 0.6)
    fig = plot_landscape(landscape)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    shown = [t for t in ax.get_xticklabels() if t.get_text()]
    boxes = sorted((t.get_window_extent(renderer) for t in shown), key=lambda b: b.x0)
    assert len(boxes) >= 2
    assert all(a.x1 < b.x0 for a, b in itertools.pairwise(boxes))
    y_labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert len(set(y_labels)) == len(y_labels)  # 100, 100.2, ... not all "100"


def test_a_font_that_is_not_installed_is_refused() -> None:
    from bidopt.exceptions import InvalidInputError
    from bidopt.plotting import get_style, set_style

    before = get_style()
    # it drew every Chinese glyph as an empty box, with one warning per glyph
    with pytest.raises(InvalidInputError, match="`font` must be an installed font family"):
        set_style(font="No Such Font 字体")
    assert get_style() == before  # unchanged
    previous = set_style(font="DejaVu Sans")  # installed with matplotlib
    set_style(previous)
