"""Review of the campaign window split: bad input answered with bidopt errors that
name the parameter."""

from __future__ import annotations

import numpy as np
import pytest

from bidopt.channels import split_window
from bidopt.exceptions import InvalidInputError
from tests.channels.test_safe_split import _fit

PHASES = {"pre-heat": 3, "double11": 1}


@pytest.fixture(scope="module")
def fit() -> object:
    rng = np.random.default_rng(0)
    return _fit(5000.0 * np.exp(rng.normal(0, 0.2, 20)), 9000.0 * np.exp(rng.normal(0, 0.2, 20)))


@pytest.mark.parametrize(
    ("before", "match"),
    [
        (5.0, r"`before` must be a mapping of channel -> steady spend per period"),
        ({"zz": 1.0}, r"`before` must name channels of the curves \(\['a', 'b'\]\)"),
        # found by the Python walkthrough: a channel left out carried nothing into the
        # window, unsaid (split_budget's current= refuses the same)
        ({"a": 1.0}, r"`before` must give a spend for every channel .*Got none for \['b'\]"),
    ],
)
def test_before_must_be_a_mapping_of_channels(fit: object, before: object, match: str) -> None:
    # a number crashed with AttributeError ('float' object has no attribute 'items')
    with pytest.raises(InvalidInputError, match=match):
        split_window(fit, 16000.0, phases=PHASES, before=before)  # type: ignore[arg-type]


def test_phase_names_must_differ_as_text(fit: object) -> None:
    # {1: 3, "1": 2} gave two phases both named '1' (and phase_budgets could not tell them apart)
    with pytest.raises(InvalidInputError, match=r"`phases` must name each phase once"):
        split_window(fit, 16000.0, phases={1: 3, "1": 2})  # type: ignore[arg-type, dict-item]
