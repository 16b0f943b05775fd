"""fit_response says which lift tests its curves cannot match (review 3).

Two tests of the same spend change that disagree (+d and -d, 50 yuan standard errors)
were fitted silently: the curve went flat between them, each test ~45 standard errors
off, with success=True and no word about it.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from bidopt.channels import fit_response
from tests.channels.test_uncertainty import _history

KW: dict[str, Any] = {
    "trend": True,
    "seasonality": 1,
    "burn_in": 3,
    "rng": 0,
    "options": {"n_starts": 2},
}


def _tests(lifts: list[float], spend_to: list[float]) -> dict[str, list[Any]]:
    return {
        "channel": ["b"] * len(lifts),
        "spend_from": [3000.0] * len(lifts),
        "spend_to": spend_to,
        "lift": lifts,
        "lift_se": [50.0] * len(lifts),
    }


def test_a_lift_test_the_curves_cannot_match_is_named() -> None:
    h = _history(seed=1, flat=True)
    d = float(h["truth"]["b"](6000.0) - h["truth"]["b"](3000.0))
    with pytest.warns(UserWarning, match="2 of 2 lift tests do not fit") as record:
        fit = fit_response(h["spend"], h["kpi"], lift_tests=_tests([d, -d], [6000.0] * 2), **KW)
    text = str(record[0].message)
    assert "test 1 ('b', spend 3,000.00 -> 6,000.00" in text
    assert "a response curve rises with spend" in text  # -d for a spend increase
    assert "standard errors off" in fit.message


def test_lift_tests_the_curves_match_raise_no_warning() -> None:
    h = _history(seed=1, flat=True)
    truth = h["truth"]["b"]
    lifts = [float(truth(x) - truth(3000.0)) for x in (6000.0, 1500.0)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        fit = fit_response(h["spend"], h["kpi"], lift_tests=_tests(lifts, [6000.0, 1500.0]), **KW)
    assert "do not fit" not in fit.message
