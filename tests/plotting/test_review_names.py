"""The response-curve figure's default name for the split: "optimal" only for an optimum.
A safe default's partial step was labelled "optimal" beside a scenario that earns more, and
a split drawn beside others={"optimal": ...} got a second "optimal" mark."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="the figures need the optional matplotlib")

from bidopt.channels import ResponseCurve, fit_response, split_budget
from bidopt.plotting import plot_response_curves


def _labels(fig: object) -> list[str]:
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes)]  # type: ignore[attr-defined]
    return [t.get_text() for leg in legends if leg is not None for t in leg.get_texts()]


@pytest.fixture(scope="module")
def splits() -> tuple[dict[str, ResponseCurve], object, object]:
    curves = {
        "zhitongche": ResponseCurve.from_roi(3e5, 3.0),
        "douyin": ResponseCurve.from_roi(2e5, 2.0),
    }
    best = split_budget(curves, 5e5, current={"zhitongche": 3e5, "douyin": 2e5})
    rule = split_budget(curves, 5e5, bounds={"douyin": (2.5e5, None)})
    return curves, best, rule


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_optimum_is_named_optimal_and_a_safe_step_is_not(splits, lang) -> None:  # type: ignore[no-untyped-def]
    curves, best, rule = splits
    optimal, safe = ("optimal", "safe split") if lang == "en" else ("最优", "稳妥分配")
    assert optimal in _labels(plot_response_curves(curves, best, others={"r": rule}, lang=lang))
    partial = dataclasses.replace(best, safe_step=0.4)
    labels = _labels(plot_response_curves(curves, partial, others={"r": rule}, lang=lang))
    assert safe in labels and optimal not in labels
    # the full step is the best split within the trust region, not an optimum
    whole = dataclasses.replace(best, safe_step=1.0)
    labels = _labels(plot_response_curves(curves, whole, others={"r": rule}, lang=lang))
    assert safe in labels and optimal not in labels
    assert optimal in _labels(plot_response_curves(curves, best, others={"r": rule}, lang=lang))


def test_a_full_safe_step_is_not_named_optimal() -> None:
    # the safe default's usual result moves all the way within its trust region
    # (safe_step 1) and earns less than the best split over the draws; it was marked
    # "optimal" beside that split
    rng = np.random.default_rng(0)
    x = rng.uniform(200, 1500, (80, 2))
    kpi = 1000 + 9 * x[:, 0] ** 0.7 + 2 * x[:, 1] ** 0.7 + rng.normal(0, 20, 80)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_response({"a": x[:, 0], "b": x[:, 1]}, kpi, rng=0)
    today = {"a": 300.0, "b": 1500.0}
    safe = split_budget(fit, 1800.0, current=today)
    best = split_budget(fit, 1800.0, current=today, safe=False)
    assert safe.safe_step == 1.0 and safe.response < best.response
    labels = _labels(plot_response_curves(fit, safe, others={"best over the draws": best}))
    assert "safe split" in labels and "optimal" not in labels


def test_no_second_mark_of_the_same_name(splits) -> None:  # type: ignore[no-untyped-def]
    curves, best, rule = splits
    labels = _labels(plot_response_curves(curves, rule, others={"optimal": best}))
    assert labels.count("optimal") == 1 and "split" in labels
    assert "split" in _labels(plot_response_curves(curves, best))  # no others: "split"
