"""Every figure renders to a non-empty PNG with labelled axes, from real result objects."""

from __future__ import annotations

import io
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="the figures need the optional matplotlib")

from bidopt.bidding import bid_frontier, optimize_bids
from bidopt.datasets import AuctionLog, make_search_account
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import estimate_landscapes
from bidopt.plotting import (
    plot_frontier,
    plot_landscape,
    plot_replay,
    plot_response_curves,
    plot_split,
)
from bidopt.replay import paced_replay, replay
from tests.splits import double11_splits


def check_figure(fig: Any) -> None:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=60)
    png = buffer.getvalue()
    assert png.startswith(b"\x89PNG")
    assert len(png) > 5_000  # a drawn figure, not an empty canvas
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert visible
    for ax in visible:
        assert ax.get_ylabel(), f"axes {ax.get_title()!r} has no y label"
        if ax.get_shared_x_axes().get_siblings(ax) == [ax]:
            assert ax.get_xlabel(), f"axes {ax.get_title()!r} has no x label"
        assert ax.has_data()


@pytest.fixture(scope="module")
def account_plan() -> Any:
    account = make_search_account(300, n_days=14, rng=3)
    landscape = estimate_landscapes(account.log).landscapes
    budget = account.expected().totals()["cost"]
    return landscape, optimize_bids(landscape, budget, max_cpc=22.0), budget


@pytest.fixture(scope="module")
def splits() -> Any:
    return double11_splits("60/40 rule")


def test_landscape_figure_marks_the_plan(account_plan: Any) -> None:
    landscape, plan, _ = account_plan
    fig = plot_landscape(landscape, plan, max_keywords=5)
    check_figure(fig)
    ax = fig.axes[0]
    assert len(ax.get_legend().get_texts()) == 5
    assert len(ax.lines) == 10  # five curves, five chosen bids
    check_figure(plot_landscape(landscape, metric="conversions", keywords=[0, 1]))
    with pytest.raises(InvalidInputError, match="`keywords` must be row numbers"):
        plot_landscape(landscape, keywords=[landscape.n_keywords])
    with pytest.raises(InvalidInputError, match="metric"):
        plot_landscape(landscape, metric="orders")


def test_frontier_figure_has_two_axes(account_plan: Any) -> None:
    landscape, _, budget = account_plan
    frontier = bid_frontier(landscape, np.linspace(0.2, 1.5, 6) * budget)
    fig = plot_frontier(frontier, budget=budget)
    check_figure(fig)
    assert len(fig.axes) == 2
    assert "marginal" in fig.axes[1].get_ylabel()


def test_split_figures(splits: Any) -> None:
    curves, result = splits
    fig = plot_split(result)
    check_figure(fig)
    assert len(fig.axes[0].patches) == len(result) * 5
    fig = plot_response_curves(curves, result["60/40 rule"], others={"optimal": result["optimal"]})
    check_figure(fig)
    assert sum(ax.get_visible() for ax in fig.axes) == 5
    with pytest.raises(InvalidInputError, match="must have a curve for every channel of the split"):
        plot_response_curves({}, result["optimal"])
    with pytest.raises(InvalidInputError, match="at least one"):
        plot_split({})


def test_replay_figure() -> None:
    rng = np.random.default_rng(0)
    n = 5_000
    pctr = rng.beta(1, 200, n)
    log = AuctionLog(
        click=(rng.random(n) < pctr).astype(np.int64),
        market_price=rng.gamma(2.0, 40.0, n),
        pctr=pctr,
    )
    budgets = [log.total_market_price / k for k in (2, 4, 8)]
    results = {
        "const 80": [replay(log, np.full(n, 80.0), b) for b in budgets],
        "paced": [paced_replay(log, b, 1e4, controller="pid") for b in budgets],
    }
    fig = plot_replay(results)
    check_figure(fig)
    assert len(fig.axes[0].lines) == 2
    with pytest.raises(InvalidInputError, match="at least one replay per strategy"):
        plot_replay({"empty": []})


def test_importing_bidopt_does_not_import_matplotlib() -> None:
    code = (
        "import sys, bidopt, bidopt.bidding, bidopt.channels, bidopt.grouping, "
        "bidopt.landscape, bidopt.replay, bidopt.plotting; "
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_split_legend_covers_no_bar(splits: Any) -> None:
    """The demo's split figure (current, 60/40, 55-65%, optimal over five channels) had its
    legend in the upper right over the optimal split's douyin bar, the tallest there."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    _, result = splits
    for lang in ("en", "zh"):
        fig = plot_split(result, lang=lang)  # type: ignore[arg-type]
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        legend = fig.legends[0].get_window_extent(renderer)
        bars = [p.get_window_extent(renderer) for p in fig.axes[0].patches]
        assert bars and not any(legend.overlaps(b) for b in bars)
        # and the legend is still inside the saved image
        assert legend.y0 >= 0 and legend.y1 <= fig.bbox.height
