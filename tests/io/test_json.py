"""JSON save/load: fitted objects come back bit for bit and predict exactly what they did;
only bidopt classes load; what cannot be saved is named."""

from __future__ import annotations

import dataclasses
import json
import math
import struct
import sys
import warnings
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pytest

from bidopt import io
from bidopt.bidding import BidPlan, optimize_bids
from bidopt.channels import ResponseCurve, fit_response
from bidopt.datasets import make_search_account
from bidopt.exceptions import InvalidInputError
from bidopt.grouping import KeywordGroups, group_keywords
from bidopt.landscape import LandscapeEstimate, estimate_landscapes
from tests.conftest import shared_file
from tests.splits import double11_splits


def assert_identical(a: Any, b: Any, where: str = "obj") -> None:
    """Same types, same values; arrays with the same dtype, shape and bytes; floats
    with the same bits."""
    assert type(a) is type(b), f"{where}: {type(a)} != {type(b)}"
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        if a.dtype.hasobject:
            for i, (x, y) in enumerate(zip(a.ravel(), b.ravel(), strict=True)):
                assert_identical(x, y, f"{where}[{i}]")
        else:
            assert a.tobytes() == b.tobytes(), where
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            assert_identical(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, ResponseCurve):
        assert_identical(a.kind, b.kind, f"{where}.kind")
        assert_identical(dict(a.params), dict(b.params), f"{where}.params")
    elif isinstance(a, (dict, MappingProxyType)):
        assert list(a) == list(b), where
        for k in a:
            assert_identical(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_identical(x, y, f"{where}[{i}]")
    elif isinstance(a, float):
        assert struct.pack("<d", a) == struct.pack("<d", b), f"{where}: {a!r} != {b!r}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def roundtrip(obj: Any, tmp_path: Path) -> Any:
    path = tmp_path / "saved.json"
    io.save(obj, path)
    loaded = io.load(path, expected=type(obj))
    assert_identical(obj, loaded)
    assert_identical(loaded, io.from_json(io.to_json(obj, indent=1)))
    return loaded


@pytest.fixture(scope="module")
def estimate() -> LandscapeEstimate:
    account = make_search_account(150, n_days=14, rng=11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimate_landscapes(account.log)


def test_landscape_estimate_predicts_the_same(estimate: LandscapeEstimate, tmp_path: Path) -> None:
    loaded = roundtrip(estimate, tmp_path)
    bids = np.tile(np.linspace(0.1, 9.0, 13), (estimate.model.n_keywords, 1))
    before, after = estimate.model.landscape(bids), loaded.model.landscape(bids)
    assert_identical(before, after)
    assert np.all(np.isfinite(after.clicks)) and after.clicks.sum() > 0
    plan_before = optimize_bids(estimate.landscapes, 800.0, max_cpc=4.0)
    plan_after = optimize_bids(loaded.landscapes, 800.0, max_cpc=4.0)
    assert_identical(plan_before.bids, plan_after.bids)
    # the plan itself (with its certificate) round-trips too
    assert isinstance(roundtrip(plan_before, tmp_path), BidPlan)
    model = roundtrip(estimate.model, tmp_path)
    assert_identical(model.landscape(bids), before)


def test_response_fit_predicts_the_same(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    n = 80
    spend = {"直通车": rng.gamma(2.0, 50.0, n), "抖音": rng.gamma(2.0, 30.0, n)}
    kpi = 100 + 400 * np.tanh(0.01 * spend["直通车"]) + 200 * np.tanh(0.02 * spend["抖音"])
    fit = fit_response(spend, kpi + rng.normal(0, 2.0, n), rng=0, options={"n_starts": 2})
    loaded = roundtrip(fit, tmp_path)
    grid = np.linspace(0.0, 400.0, 50)
    for channel, curve in fit.curves.items():
        assert_identical(curve(grid), loaded.curves[channel](grid))
        assert_identical(curve.derivative(grid), loaded.curves[channel].derivative(grid))
    assert "直通车" in io.to_json(fit)  # written as UTF-8 text, not escaped


def test_response_fit_on_real_data(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    data = pd.read_csv(shared_file("channels/pymc_marketing_mmm_roas_data.csv"))
    fit = fit_response({"x1": data.x1, "x2": data.x2}, data.y, rng=0, options={"n_starts": 1})
    loaded = roundtrip(fit, tmp_path)
    grid = np.linspace(0.0, 2.0, 21)
    for channel in ("x1", "x2"):
        assert_identical(fit.curves[channel](grid), loaded.curves[channel](grid))


def test_keyword_groups_are_the_same(tmp_path: Path) -> None:
    words = ["dress", "floral dress", "summer dress", "earbuds", "wireless earbuds", "anc buds"]
    groups = group_keywords(
        [f"{w} {i % 3}" for i, w in enumerate(words * 5)], options={"features": "ngrams"}
    )
    loaded = roundtrip(groups, tmp_path)
    assert isinstance(loaded, KeywordGroups)
    assert [loaded.members(g) for g in range(loaded.n_groups)] == [
        groups.members(g) for g in range(groups.n_groups)
    ]
    assert loaded.summary() == groups.summary()


@pytest.mark.parametrize(
    "value",
    [
        np.array([0.1, -0.0, np.nan, np.inf, -np.inf, 5e-324, sys.float_info.max]),
        np.arange(12, dtype=">i4").reshape(3, 4),
        np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)),
        np.array([True, False]),
        np.array([1 + 2j, np.nan]),
        np.array(["2026-11-11", "NaT"], dtype="datetime64[D]"),
        np.array(["直通车", "a"]),
        np.zeros((0, 3)),
        np.array(["kw", None, 3, 2.5, math.nan], dtype=object),
        np.float32(1.5),
        np.int64(-7),
        {"a": (1, 2.5, None), 3: frozenset({1, 2}), (1, "x"): [np.float64(0.1)]},
        MappingProxyType({"k": {"nested": set()}}),
        [math.nan, -math.inf, 2**80, "", "\x00"],
    ],
    ids=lambda v: type(v).__name__,
)
def test_values_round_trip_bit_for_bit(value: Any) -> None:
    loaded = io.from_json(io.to_json(value))
    if isinstance(value, np.ndarray) and value.dtype.byteorder == ">":
        assert loaded.dtype == value.dtype.newbyteorder("<")
        np.testing.assert_array_equal(loaded, value)
    else:
        assert_identical(value, loaded)


def test_document_has_a_format_version(estimate: LandscapeEstimate) -> None:
    document = json.loads(io.to_json(estimate.model))
    assert document["format"] == "bidopt"
    assert document["format_version"] == io.FORMAT_VERSION == 1
    assert document["object"]["__type__"] == "bidopt.landscape.LandscapeModel"
    document["format_version"] = 99
    with pytest.raises(InvalidInputError, match="format version <= 1. Got version 99"):
        io.from_json(json.dumps(document))


def _document(obj: Any) -> str:
    return json.dumps({"format": "bidopt", "format_version": 1, "object": obj})


@pytest.mark.parametrize(
    ("node", "match"),
    [
        ({"__type__": "os.system", "fields": {}}, "must name only bidopt classes"),
        ({"__type__": "subprocess.Popen", "fields": {}}, "must name only bidopt classes"),
        ({"__type__": "bidopt.__main__.main", "fields": {}}, "must name only bidopt classes"),
        ({"__type__": "bidopt..x", "fields": {}}, "must name only bidopt classes"),
        ({"__type__": "bidopt.io.to_json", "fields": {}}, "must name bidopt result classes"),
        ({"__type__": "bidopt.landscape.Nope", "fields": {}}, "that exist in this version"),
        (
            {"__type__": "bidopt.channels.ResponseCurve", "fields": {"kind": "x"}},
            "kind",
        ),
        ({"__ndarray__": {"dtype": "|O", "shape": [1], "data": ""}}, "invalid array dtype"),
        ({"what": 1}, "unreadable value"),
    ],
)
def test_only_bidopt_classes_load(node: Any, match: str) -> None:
    with pytest.raises((InvalidInputError, ValueError), match=match):
        io.from_json(_document(node))


def test_what_cannot_be_saved_is_named(estimate: LandscapeEstimate, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"Got a function at obj\['f'\] instead"):
        io.to_json({"f": len})
    with pytest.raises(InvalidInputError, match=r"Got a pathlib.PosixPath at obj\[0\]"):
        io.to_json([tmp_path])
    with pytest.raises(InvalidInputError, match="not JSON"):
        io.from_json("{")
    with pytest.raises(InvalidInputError, match="with format 'bidopt'"):
        io.from_json('{"a": 1}')
    path = tmp_path / "model.json"
    io.save(estimate.model, path)
    with pytest.raises(InvalidInputError, match="holds a LandscapeModel"):
        io.load(path, expected=KeywordGroups)


def test_other_results_round_trip(tmp_path: Path) -> None:
    """Generic, not one function per type: logs, frontiers, splits, replays."""
    from bidopt.bidding import bid_frontier
    from bidopt.datasets import AuctionLog, double11_channels
    from bidopt.replay import paced_replay, replay

    account = make_search_account(40, n_days=7, rng=3)
    channels = double11_channels()
    _, splits = double11_splits()
    rng = np.random.default_rng(0)
    n = 300
    pctr = rng.beta(1, 100, n)
    log = AuctionLog(
        click=(rng.random(n) < pctr).astype(np.int64),
        market_price=rng.gamma(2.0, 40.0, n),
        pctr=pctr,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        landscapes = estimate_landscapes(account.log).landscapes
    for obj in (
        account,  # SearchAccount: the log and the true parameters
        bid_frontier(landscapes, [50.0, 100.0]),
        channels,
        splits,  # a dict of BudgetSplit
        log,
        replay(log, np.full(n, 80.0), log.total_market_price / 2),
        paced_replay(log, log.total_market_price / 4, 1e4),
    ):
        assert_identical(obj, io.from_json(io.to_json(obj)))
