"""``estimate_landscapes(..., client=...)`` gives the in-process estimate, array for array."""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import pytest

from bidopt.datasets import KeywordLog, make_search_account
from bidopt.landscape import estimate_landscapes


def _same(got: Any, ref: Any, where: str = "estimate") -> None:
    """Every field equal: arrays element for element (NaN equal to NaN, no tolerance),
    floats bit for bit, nested dataclasses field by field."""
    assert type(got) is type(ref), where
    if dataclasses.is_dataclass(ref):
        for f in dataclasses.fields(ref):
            _same(getattr(got, f.name), getattr(ref, f.name), f"{where}.{f.name}")
    elif isinstance(ref, np.ndarray):
        assert got.dtype == ref.dtype and got.shape == ref.shape, where
        if ref.dtype.kind == "f":
            # bit for bit (0.0 and -0.0 differ, NaN payloads too)
            assert np.array_equal(got.view(np.int64), ref.view(np.int64)), where
        else:
            np.testing.assert_array_equal(got, ref, err_msg=where)
    elif isinstance(ref, float):
        assert repr(got) == repr(ref), where
    else:
        assert got == ref, where


def _both(log: Any, client: Any, **kwargs: Any) -> tuple[Any, Any, list[str], list[str]]:
    with warnings.catch_warnings(record=True) as ref_warnings:
        warnings.simplefilter("always")
        ref = estimate_landscapes(log, **kwargs)
    with warnings.catch_warnings(record=True) as got_warnings:
        warnings.simplefilter("always")
        got = estimate_landscapes(log, client=client, **kwargs)
    return got, ref, [str(w.message) for w in got_warnings], [str(w.message) for w in ref_warnings]


@pytest.fixture(scope="module")
def account() -> Any:
    return make_search_account(400, n_days=14, rng=11)


def test_varying_bids_estimate_is_the_in_process_one(client: Any, account: Any) -> None:
    log = account.log
    assert log.campaign is not None and len(log.campaign.categories) > 2  # several blocks
    got, ref, got_w, ref_w = _both(log, client, n_draws=8, rng=3)
    _same(got, ref)
    assert got_w == ref_w
    assert ref.draws is not None and ref.draws.n_draws == 8


def test_constant_bids_estimate_is_the_in_process_one(client: Any, account: Any) -> None:
    # bids never move: the prior sets sigma and the estimate warns, in both paths alike
    log = account.simulate(account.current_bids, n_days=10, first_day=0, rng=12)
    got, ref, got_w, ref_w = _both(log, client, n_draws=4, rng=7, bids=[0.5, 1.0, 2.0, 4.0])
    _same(got, ref)
    assert got_w == ref_w and len(ref_w) == 1


def test_campaigns_mixing_constant_and_moving_bids(client: Any) -> None:
    # even keywords move their bid by day, odd ones keep it (one paused for two days):
    # campaigns with sharp and with vague sigma, paused keyword-days left out
    account = make_search_account(300, n_days=7, rng=4)
    bids = np.asarray(account.current_bids, dtype=np.float64)
    moving = np.arange(bids.size) % 2 == 0
    days = []
    for day, f in enumerate((1.0, 0.7, 1.3, 0.9, 1.2, 0.8, 1.1)):
        b = np.where(moving, bids * f, bids)
        b[1] = 0.0 if day in (2, 3) else b[1]
        days.append(account.simulate(b, n_days=1, first_day=day, rng=100 + day))
    log = KeywordLog.concat(days)
    got, ref, got_w, ref_w = _both(log, client, n_draws=3, rng=2, sigma_prior=(0.5, 0.3))
    _same(got, ref)
    assert got_w == ref_w
