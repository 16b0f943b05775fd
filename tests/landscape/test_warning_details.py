"""estimate_landscapes warns with structured warnings: each an IdentifiabilityWarning with
a stable kind and the details its English message is built from, as plain Python values
(so they pickle and serialise), whatever log triggered it."""

from __future__ import annotations

import dataclasses
import json
import pickle
import warnings
from typing import Any

import numpy as np
import pytest

from bidopt.datasets import make_search_account, read_keyword_log
from bidopt.exceptions import BidoptWarning, IdentifiabilityWarning
from bidopt.landscape import estimate_landscapes

_COLUMNS = ["date", "keyword", "bid", "impressions", "clicks", "cost", "conversions", "revenue"]
_KINDS = {
    "unidentified_response",
    "cost_above_bid",
    "bid_floor",
    "spend_gap",
    "no_clicks",
    "no_orders",
}


def _rows(rows: list[list[object]]) -> Any:
    return read_keyword_log({c: [r[i] for r in rows] for i, c in enumerate(_COLUMNS)})


def _logs() -> dict[str, Any]:
    week = range(1, 8)
    gaps = [[f"2024-11-0{d}", "kw0", 1.0, 1000, 30, 45.0, 2, 100] for d in week]
    gaps += [[f"2024-11-0{d}", "kw1", 2.0, 1000, 30, 60.0, 2, 100] for d in week]
    log = make_search_account(40, n_days=14, rng=7).log
    return {
        "constant bids": make_search_account(20, n_days=7, rng=3).log,
        "cost above bid, at the floor": _rows(gaps),
        "no clicks": _rows([["2024-11-01", f"k{k}", 1.0, 100, 0, 0, 0, 0] for k in range(2)]),
        "no orders": _rows([["2024-11-01", f"k{k}", 1.0, 100, 5, 2, 0, 0] for k in range(2)]),
        "bids in fen": dataclasses.replace(log, bid=np.asarray(log.bid) * 100),
    }


def _plain(value: object) -> bool:
    if isinstance(value, tuple):
        return all(_plain(v) for v in value)
    return type(value) in (int, float, str)


@pytest.fixture(scope="module")
def said() -> dict[str, list[BidoptWarning]]:
    out: dict[str, list[BidoptWarning]] = {}
    for name, log in _logs().items():
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            estimate_landscapes(log)
        out[name] = [w.message for w in seen if isinstance(w.message, BidoptWarning)]
        assert len(out[name]) == len(seen), [str(w.message) for w in seen]
    return out


def test_every_kind_is_issued_as_a_structured_warning(
    said: dict[str, list[BidoptWarning]],
) -> None:
    kinds = set()
    for name, issued in said.items():
        assert issued, name
        for warning in issued:
            assert type(warning) is IdentifiabilityWarning, (name, warning)
            assert warning.kind in _KINDS, (name, warning.kind, str(warning))
            assert warning.details and all(_plain(v) for v in warning.details.values())
            json.dumps(warning.details)  # plain values
            back = pickle.loads(pickle.dumps(warning))
            assert (type(back), str(back), back.kind, back.details) == (
                IdentifiabilityWarning,
                str(warning),
                warning.kind,
                warning.details,
            )
            kinds.add(warning.kind)
    assert kinds == _KINDS


def test_the_identifiability_message_is_the_warnings_text(
    said: dict[str, list[BidoptWarning]],
) -> None:
    log = make_search_account(20, n_days=7, rng=3).log
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IdentifiabilityWarning)
        estimate = estimate_landscapes(log)
    (issued,) = [w for w in said["constant bids"] if w.kind == "unidentified_response"]
    assert estimate.identifiability.warning_message() == str(issued)
    assert f"warning: {issued}" in estimate.identifiability.summary()
