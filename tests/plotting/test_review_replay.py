"""Review of plot_replay: budgets are written as numbers in the style ("16,384", not
"2^14") and the clicks axis has whole ticks (clicks won were ticked 0.25, 0.5, ...)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="the figures need the optional matplotlib")

from matplotlib.backends.backend_agg import FigureCanvasAgg

from bidopt.datasets import make_auction_log
from bidopt.plotting import plot_replay
from bidopt.replay import replay


def test_replay_axes_are_written_as_numbers_and_whole_clicks() -> None:
    log = make_auction_log(3000, rng=0)
    n = len(log.click)
    budgets = log.total_market_price * np.array([1 / 16, 1 / 8, 1 / 4, 1 / 2])
    fig = plot_replay({"const 80": [replay(log, np.full(n, 80.0), b) for b in budgets]})
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    x_labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert x_labels and all("^" not in t and "$" not in t for t in x_labels)
    assert "16,384" in ax.xaxis.get_major_formatter().format_ticks([8192.0, 16384.0])
    y_ticks = ax.get_yticks()
    assert np.array_equal(y_ticks, np.round(y_ticks))
