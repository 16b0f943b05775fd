"""Review of plot_spend_change: the legend covers no bar or change (at the lower right
it covered the bottom row whenever that row spent the most), and every change label
fits inside the axes (long ones ran past the right edge)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="the figures need the optional matplotlib")

from matplotlib.backends.backend_agg import FigureCanvasAgg

from bidopt.channels import ResponseCurve, split_budget
from bidopt.plotting import plot_spend_change

_CURVES = {
    "a": ResponseCurve.from_roi(1e5, 5.0),
    "b": ResponseCurve.from_roi(1e5, 3.0),
    "big": ResponseCurve.from_roi(5e5, 4.0),
}


@pytest.mark.parametrize(
    ("budget", "change"),
    [(7e5, np.array([-3e4, 2e4, 100.0])), (1e12, None)],
    ids=["bottom row spends most", "huge money"],
)
def test_the_legend_and_the_changes_stay_clear(budget: float, change: object) -> None:
    split = split_budget(_CURVES, budget)
    today = split.spend + change if isinstance(change, np.ndarray) else split.spend / 2
    fig = plot_spend_change(split, today)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    frame = ax.get_window_extent(renderer)
    legend = ax.get_legend().get_window_extent(renderer)
    assert not legend.overlaps(frame)
    for text in ax.texts:
        box = text.get_window_extent(renderer)
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1, text.get_text()
