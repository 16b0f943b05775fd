"""Review of plot_response_curves: ``level`` is a probability (1.5 raised numpy's
ValueError, -1 drew an inverted "-100% band"), and the title of a one-channel figure fits
in it (it was cut at both ends)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="the figures need the optional matplotlib")

from matplotlib.backends.backend_agg import FigureCanvasAgg

from bidopt.channels import ResponseCurve, fit_response, split_budget
from bidopt.exceptions import InvalidInputError
from bidopt.plotting import plot_response_curves


@pytest.fixture(scope="module")
def fit_and_split() -> Any:
    rng = np.random.default_rng(5)
    spend = {c: rng.uniform(2e4, 8e4, 30) for c in ("a", "b")}
    kpi = 3.0 * spend["a"] ** 0.8 + 2.0 * spend["b"] ** 0.8 + rng.normal(0, 500, 30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_response(spend, kpi, adstock="none", rng=0, options={"n_starts": 1})
        return fit, split_budget(fit, 1e5)


@pytest.mark.parametrize("level", [1.5, 0.0, -1.0, 1.0, float("nan"), "x"])
def test_level_must_be_a_probability(fit_and_split: Any, level: Any) -> None:
    fit, split = fit_and_split
    with pytest.raises(InvalidInputError, match="`level` must be a finite number > 0 and < 1"):
        plot_response_curves(fit, split, level=level)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_title_of_one_channel_fits_in_the_figure(lang: str) -> None:
    curve = ResponseCurve.from_roi(1e5, 5.0)
    split = split_budget({"zhitongche": curve}, 1e5)
    fig = plot_response_curves({"zhitongche": curve}, split, lang=lang)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # the fonts and the layout set, as when saved
    box = fig._suptitle.get_window_extent(canvas.get_renderer())
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width


@pytest.mark.parametrize(
    ("budget", "unit"), [(50.0, "yuan"), (1e5, "thousand yuan"), (1e12, "billion yuan")]
)
def test_curve_panels_pick_a_money_unit_with_short_tick_labels(budget: float, unit: str) -> None:
    # at 1e12 the ticks read "200,000,000" thousand yuan and overlapped; at 50 yuan every
    # tick was a fraction of a thousand
    curves = {"a": ResponseCurve.from_roi(1e5, 5.0), "b": ResponseCurve.from_roi(1e5, 3.0)}
    split = split_budget(curves, budget)
    fig = plot_response_curves(curves, split)
    FigureCanvasAgg(fig).draw()
    for ax in fig.axes:
        assert ax.get_xlabel() == f"spend ({unit} per period)"
        assert ax.get_ylabel() == f"revenue ({unit})"
        scale = {"yuan": 1.0, "thousand yuan": 1e3, "billion yuan": 1e9}[unit]
        mark = ax.lines[-1]  # the split's spend, in the panel's unit
        channel = ax.get_title()
        assert float(mark.get_xdata()[0]) == pytest.approx(split.allocation[channel] / scale)
        labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        assert labels and max(len(t.replace(",", "")) for t in labels) <= 5
