"""Landscapes and plans as partitioned Parquet datasets; a plan from one on the cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bidopt.bidding import optimize_bids
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import (
    LandscapeDataset,
    read_landscape_parquet,
    write_landscape_parquet,
    write_landscape_partitions,
    write_plan_parquet,
)
from tests.cluster._families import partition

pq = pytest.importorskip("pyarrow.parquet")


def test_round_trip_by_campaign(tmp_path: Path) -> None:
    land = partition(3, 600, 6)
    campaign = np.array(["鞋", "包", "a/b"] * 200, dtype=object)
    ds = write_landscape_parquet(land, tmp_path / "land", partition_by=campaign)
    assert isinstance(ds, LandscapeDataset)
    assert ds.labels == ("鞋", "包", "a/b") and ds.sizes == (200, 200, 200)
    assert "campaign=a_b" in ds.files[2]  # labels made safe for a directory name
    again = read_landscape_parquet(tmp_path / "land")
    assert again == ds
    first = again.read(0)
    rows = np.flatnonzero(campaign == "鞋")
    np.testing.assert_array_equal(first.cost, land.cost[rows])
    np.testing.assert_array_equal(first.conversions, land.conversions[rows])
    whole = again.read()
    assert whole.n_keywords == 600 and whole.revenue is None
    assert "3 partitions" in again.summary()
    assert list(again.to_frame()["n_keywords"]) == [200, 200, 200]


def test_bad_inputs(tmp_path: Path) -> None:
    land = partition(3, 10, 3)
    with pytest.raises(InvalidInputError, match="partition_by"):
        write_landscape_parquet(land, tmp_path / "x", partition_by=[1, 2])
    with pytest.raises(InvalidInputError, match="n_partitions"):
        write_landscape_parquet(land, tmp_path / "y", n_partitions=0)
    with pytest.raises(InvalidInputError, match="manifest"):
        read_landscape_parquet(tmp_path)
    write_landscape_parquet(land, tmp_path / "z")
    with pytest.raises(InvalidInputError, match="empty directory"):
        write_landscape_parquet(land, tmp_path / "z")


def test_partitions_written_one_by_one(tmp_path: Path) -> None:
    made: list[int] = []

    def parts() -> Any:
        for seed in (1, 2, 3):
            made.append(seed)
            yield partition(seed, 50, 5)

    ds = write_landscape_partitions(parts(), tmp_path / "p", labels=["x", "y", "x"])
    assert made == [1, 2, 3] and ds.sizes == (50, 50, 50)
    assert ds.labels == ("x", "y", "x") and len(set(ds.files)) == 3  # a repeated label
    np.testing.assert_array_equal(ds.read(2).bids, partition(3, 50, 5).bids)
    assert ds.head(2).n_keywords == 100
    with pytest.raises(InvalidInputError, match="all have 5 levels"):
        write_landscape_partitions([partition(1, 5, 5), partition(2, 5, 4)], tmp_path / "q")
    with pytest.raises(InvalidInputError, match="BidLandscape"):
        write_landscape_partitions([np.ones((2, 2))], tmp_path / "r")  # type: ignore[list-item]
    with pytest.raises(InvalidInputError, match="at least one"):
        write_landscape_partitions([], tmp_path / "s")


def test_plan_from_parquet_on_the_cluster(client: Any, tmp_path: Path) -> None:
    land = partition(11, 30_000, 8)
    ds = write_landscape_parquet(land, tmp_path / "land", n_partitions=6)
    budget = 0.2 * float(land.cost[:, -1].sum())
    ref = optimize_bids(land, budget, objective="clicks", max_cpc=3.0)
    got = optimize_bids(ds, budget, objective="clicks", max_cpc=3.0, client=client)
    np.testing.assert_array_equal(got.bids, ref.bids)
    np.testing.assert_allclose(got.fun, ref.fun, rtol=1e-12)
    assert got.success and got.certificate.holds
    files = write_plan_parquet(got, tmp_path / "plan", like=ds)
    assert len(files) == 6
    back = np.concatenate([pq.read_table(f).column("bid").to_numpy() for f in files])
    np.testing.assert_array_equal(back, got.bids)
    with pytest.raises(InvalidInputError, match="one bid per keyword"):
        write_plan_parquet(
            ref,
            tmp_path / "plan2",
            like=write_landscape_parquet(partition(1, 10, 8), tmp_path / "tiny"),
        )


def test_target_plan_from_parquet_with_values_on_disk(client: Any, tmp_path: Path) -> None:
    """Parquet partitions keep their values and target metric in a worker file
    (clicks and conversions: two files), mapped back when a step reads them."""
    land = partition(12, 12_000, 6)
    ds = write_landscape_parquet(land, tmp_path / "land", n_partitions=4)
    budget = 0.3 * float(land.cost[:, -1].sum())
    free = optimize_bids(land, budget, objective="clicks")
    cpa = 0.9 * free.spend / free.conversions  # binds
    opts = {"max_outer": 6}
    kw: dict[str, Any] = {"objective": "clicks", "target_cpa": cpa, "options": opts}
    ref = optimize_bids(land, budget, **kw)
    got = optimize_bids(ds, budget, client=client, **kw)
    np.testing.assert_array_equal(got.bids, ref.bids)
    np.testing.assert_allclose(got.fun, ref.fun, rtol=1e-12)
    assert got.success and got.nit == ref.nit
    assert got.spend / got.conversions <= cpa * (1 + 1e-9)
