"""estimate_landscapes returns a LandscapeEstimate (was a bare tuple)."""

from __future__ import annotations

import numpy as np
import pytest

from bidopt.datasets import make_search_account
from bidopt.landscape import LandscapeEstimate, LandscapeModel, estimate_landscapes


@pytest.fixture(scope="module")
def estimate() -> LandscapeEstimate:
    return estimate_landscapes(make_search_account(30, n_days=7, rng=3).log, n_levels=5)


def test_the_result_holds_the_landscapes_and_the_model(estimate: LandscapeEstimate) -> None:
    assert isinstance(estimate, LandscapeEstimate)
    assert not isinstance(estimate, tuple)
    assert isinstance(estimate.model, LandscapeModel)
    assert estimate.landscapes.shape == (30, 5) and estimate.n_keywords == 30
    again = estimate.model.landscape(estimate.landscapes.bids)
    np.testing.assert_array_equal(again.cost, estimate.landscapes.cost)


def test_summary(estimate: LandscapeEstimate) -> None:
    lines = estimate.summary().splitlines()
    assert lines[0].startswith("Estimated landscapes: 30 keywords x 5 bid levels")
    assert lines[1] == "LandscapeModel: 30 keywords from 210 log rows"
    assert any(line.strip().startswith("cvr") for line in lines)


def test_frames(estimate: LandscapeEstimate) -> None:
    pd = pytest.importorskip("pandas")
    params = estimate.model.to_frame()
    assert list(params.columns) == [
        "keyword",
        "campaign",
        "ad_group",
        "volume",
        "ctr",
        "cvr",
        "order_value",
        "price_mu",
        "price_sigma",
    ]
    np.testing.assert_array_equal(params["price_sigma"], estimate.model.price_sigma)
    frame = estimate.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 30 * 5
