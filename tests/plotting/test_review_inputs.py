"""Review of the figures' inputs: every public plotting function either draws or raises
a bidopt error naming the parameter (it raised AttributeError, KeyError or TypeError, or
drew a budget line at NaN or at a negative spend)."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

pytest.importorskip("matplotlib", reason="the figures need the optional matplotlib")

from bidopt.bidding import bid_frontier
from bidopt.channels import split_budget
from bidopt.datasets import make_search_account
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import estimate_landscapes
from bidopt.plotting import (
    plot_frontier,
    plot_landscape,
    plot_replay,
    plot_response_curves,
    plot_split,
)
from tests.splits import double11_splits


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        landscape = estimate_landscapes(make_search_account(10, n_days=7, rng=3).log).landscapes
    curves, splits = double11_splits()
    one = {"zhitongche": curves["zhitongche"]}
    return {
        "landscape": landscape,
        "frontier": bid_frontier(landscape, [50.0, 100.0]),
        "curves": curves,
        "splits": splits,
        "one": split_budget(one, 1e5),
    }


@pytest.mark.parametrize("budget", [float("nan"), -5.0, "100", float("inf")])
def test_frontier_budget_must_be_a_finite_spend(results: dict[str, Any], budget: Any) -> None:
    with pytest.raises(InvalidInputError, match="`budget` must be a finite number >= 0"):
        plot_frontier(results["frontier"], budget=budget)


def test_result_arguments_of_the_wrong_type_are_named(results: dict[str, Any]) -> None:
    splits, curves = results["splits"], results["curves"]
    cases: list[tuple[Any, str]] = [
        (lambda: plot_frontier(results["frontier"], plan=splits["optimal"]), "`plan` must be"),
        (lambda: plot_frontier([1.0, 2.0]), "`frontier` must be a Frontier"),
        (lambda: plot_landscape(results["frontier"]), "`landscape` must be a BidLandscape"),
        (lambda: plot_split({"a": 3}), r"`splits\['a'\]` must be a BudgetSplit"),
        (lambda: plot_split([splits["optimal"]]), "`splits` must be a mapping"),
        (lambda: plot_replay({"a": [3]}), r"`results\['a'\]` must be ReplayResults"),
        (lambda: plot_replay([1]), "`results` must be a mapping"),
        (
            lambda: plot_response_curves(dict.fromkeys(curves, 3), splits["optimal"]),
            r"`curves\['zhitongche'\]` must be a ResponseCurve",
        ),
        (lambda: plot_response_curves(curves, curves), "`split` must be a BudgetSplit"),
        (
            lambda: plot_response_curves(curves, splits["optimal"], others={"x": 1}),
            r"`others\['x'\]` must be a BudgetSplit",
        ),
        (
            lambda: plot_response_curves(curves, splits["optimal"], others={"x": results["one"]}),
            "`others` must be splits over the channels of `split`",
        ),
    ]
    for make, match in cases:
        with pytest.raises(InvalidInputError, match=match):
            make()
