from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bidopt.datasets import AuctionLog, IpinyouInfo, read_ipinyou, read_ipinyou_info
from bidopt.exceptions import InvalidInputError
from tests.conftest import shared_file


def test_ipinyou_2997_replay_log_figures() -> None:
    log = read_ipinyou(shared_file("bidlogs/ipinyou_2997_test_theta.txt"))
    assert len(log) == 156_063
    assert log.n_clicks == 530
    assert log.total_market_price == 8_617_148
    assert log.pctr is not None
    assert log.pctr.min() > 0 and log.pctr.max() < 1
    assert log.hour is None


def test_ipinyou_1458_raw_format() -> None:
    log = read_ipinyou(shared_file("bidlogs/ipinyou_1458_train_head100.tsv"))
    assert len(log) == 99
    assert log.n_clicks == 0
    assert log.pctr is None  # the raw log carries no prediction
    assert log.hour is not None and set(np.unique(log.hour)) == {0}
    # README: payprice min 4, median 51, max 261
    assert log.market_price.min() == 4
    assert np.median(log.market_price) == 51
    assert log.market_price.max() == 261


def test_ipinyou_2997_info() -> None:
    info = read_ipinyou_info(shared_file("bidlogs/ipinyou_2997_info.json"))
    assert info.imp_train == 312_437
    assert info.clk_train == 1_386
    assert info.cost_train == 19_689_072
    assert info.price_counter_train.shape == (301,)
    assert info.price_counter_train.sum() == info.imp_train
    assert info.ecpc_train == pytest.approx(14_205.7, abs=0.05)
    assert info.ctr_train == pytest.approx(0.00444, abs=5e-6)
    assert info.clk_test == 530 and info.imp_test == 156_063
    pmf = info.market_price_pmf()
    assert pmf.sum() == pytest.approx(1.0)
    assert "field" in info.extra


def test_small_handmade_replay_file(tmp_path: Path) -> None:
    path = tmp_path / "theta.txt"
    path.write_text("0 70 0.002\n1 6 0.01\n0 30 0.5\n")
    log = read_ipinyou(path)
    np.testing.assert_array_equal(log.click, [0, 1, 0])
    np.testing.assert_array_equal(log.market_price, [70, 6, 30])
    sub = log.take(np.array([1, 2]))
    assert sub.n_clicks == 1 and len(sub) == 2
    assert "AuctionLog(n_auctions=3" in repr(log)


def test_unrecognised_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("a b c d\n")
    with pytest.raises(
        InvalidInputError, match="iPinYou log in the 'click payprice pCTR' replay format"
    ):
        read_ipinyou(path)
    path.write_text("0 1 x\n")
    with pytest.raises(InvalidInputError, match="must hold numbers 'click payprice pCTR'"):
        read_ipinyou(path)
    with pytest.raises(InvalidInputError, match="must be an existing file"):
        read_ipinyou(tmp_path / "missing.txt")


def test_info_missing_fields(tmp_path: Path) -> None:
    path = tmp_path / "info.json"
    path.write_text('{"imp_train": 1}')
    with pytest.raises(InvalidInputError, match=r"must hold the fields .* without \['clk_train'"):
        read_ipinyou_info(path)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"click": np.array([0, 2])}, "`click` must be 0 or 1. Got 2 at row 1"),
        ({"market_price": np.array([1.0, -1.0])}, "`market_price` must be finite and >= 0"),
        ({"pctr": np.array([0.1, 1.5])}, "`pctr` must be in \\[0, 1\\]"),
        ({"hour": np.array([0, 24])}, "`hour` must be an hour in 0..23"),
        ({"pctr": np.array([0.1])}, "`pctr` must have shape \\(2,\\)"),
    ],
)
def test_auction_log_validation(kwargs: dict[str, np.ndarray], message: str) -> None:
    base = {"click": np.array([0, 1]), "market_price": np.array([10.0, 20.0])}
    base.update(kwargs)
    with pytest.raises(InvalidInputError, match=message):
        AuctionLog(**base)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"imp_train": 0, "clk_train": 0}, "`imp_train` must be an integer >= 1. Got 0 instead."),
        ({"imp_train": 5, "clk_train": 7}, "`clk_train` must be an integer >= 0 and <= 5. Got 7"),
        ({"imp_train": 5.5, "clk_train": 1}, "`imp_train` must be an integer >= 1. Got 5.5"),
    ],
)
def test_ipinyou_info_built_directly_checks_its_counts(
    kwargs: dict[str, float], message: str
) -> None:
    # an IpinyouInfo with imp_train=0 used to raise ZeroDivisionError in ctr_train
    with pytest.raises(InvalidInputError, match=message):
        IpinyouInfo(cost_train=0.0, price_counter_train=np.ones(3, dtype=np.int64), **kwargs)  # type: ignore[arg-type]
