"""Logs with gaps: paused keywords, days the account served nothing, CPC at the bid."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from bidopt.datasets import read_keyword_log
from bidopt.exceptions import IdentifiabilityWarning
from bidopt.landscape import estimate_landscapes
from bidopt.landscape._estimate import traffic_weights

_COLUMNS = ("date", "keyword", "bid", "impressions", "clicks", "cost", "conversions", "revenue")


def _log(rows: list[tuple[object, ...]]):  # type: ignore[no-untyped-def]
    return read_keyword_log({c: [r[i] for r in rows] for i, c in enumerate(_COLUMNS)})


def _three_keywords(off: set[tuple[int, int]], *, standing: bool = False):  # type: ignore[no-untyped-def]
    """3 keywords x 7 days, 1000 impressions and 30 clicks on every served day; ``off``
    holds the (day, keyword) served nothing: paused (bid 0) or, with ``standing``, bid
    kept and nothing served."""
    rows = []
    for d in range(1, 8):
        for k in range(3):
            on = (d, k) not in off
            bid = 1.0 + 0.3 * k + 0.1 * (d % 3)
            rows.append(
                (
                    f"2024-11-0{d}",
                    f"kw{k}",
                    bid if on or standing else 0.0,
                    1000 if on else 0,
                    30 if on else 0,
                    20.0 + k if on else 0.0,
                    2 if on else 0,
                    100.0 if on else 0.0,
                )
            )
    return _log(rows)


@pytest.mark.parametrize(
    ("off", "standing"),
    [
        ({(4, 0), (4, 1), (4, 2)}, False),  # the account paused one day
        ({(4, 0), (4, 1), (4, 2)}, True),  # bids standing, nothing served (no balance)
        ({(7, 0), (7, 1), (7, 2)}, False),  # ... on the last day
        ({(4, 0), (4, 1)}, False),  # two of three keywords paused one day
    ],
)
def test_days_without_serving_leave_the_served_days_volume_alone(
    off: set[tuple[int, int]], standing: bool
) -> None:
    # a day the whole account served nothing set the traffic index to 0 (its log to
    # -28), which divided every keyword's drawn volume by ~250; pausing two keywords of
    # three one day lowered their index of the others and their volume by 12%
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IdentifiabilityWarning)
        base = estimate_landscapes(_three_keywords(set()))
        est = estimate_landscapes(_three_keywords(off, standing=standing))
    bids = np.array([1.1, 1.4, 1.7])
    clicks = est.draws.at_bids(bids)["clicks"].mean(axis=0)
    np.testing.assert_allclose(clicks, base.draws.at_bids(bids)["clicks"].mean(axis=0), rtol=0.02)
    point = est.model.landscape(bids[:, None]).clicks[:, 0]
    np.testing.assert_allclose(point, 30.0, rtol=0.05)


def test_traffic_index_counts_only_active_keywords() -> None:
    # day 1: B paused; A's index that day has no other active keyword (1), C's comes
    # from A alone; B's mean day is over its active days
    day = np.array([0, 0, 0, 1, 1, 1])
    keyword = np.array([0, 1, 2, 0, 1, 2])
    imps = np.array([100.0, 50.0, 10.0, 120.0, 0.0, 12.0])
    active = np.array([True, True, True, True, False, True])
    per_day = np.bincount(day, weights=imps)
    w = traffic_weights(per_day, day, keyword, imps, 3, active)
    # A's mean day 110, B's 50, C's 11
    np.testing.assert_allclose(w[[0, 2]], [60 / 61, 150 / 160])
    np.testing.assert_allclose(w[[3, 5]], [12 / 11, 120 / 110])
