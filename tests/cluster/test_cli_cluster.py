"""``python -m bidopt plan DIR --scheduler ADDRESS`` on a Parquet landscape dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bidopt.__main__ import main
from bidopt.bidding import optimize_bids
from bidopt.landscape import write_landscape_parquet
from tests.cluster._families import partition

pq = pytest.importorskip("pyarrow.parquet")


def test_plan_a_dataset_on_the_cluster(client: Any, tmp_path: Path, capsys: Any) -> None:
    land = partition(21, 3_000, 6)
    ds = write_landscape_parquet(land, tmp_path / "land", n_partitions=3)
    budget = round(0.25 * float(land.cost[:, -1].sum()), 2)
    address = client.scheduler.address
    args = ["plan", str(ds.path), "--budget", str(budget), "--out", str(tmp_path / "out")]
    assert main([*args, "--scheduler", address, "-q"]) == 0
    files = sorted((tmp_path / "out" / "plan").rglob("*.parquet"))
    assert len(files) == 3
    bids = np.concatenate([pq.read_table(f).column("bid").to_numpy() for f in files])
    ref = optimize_bids(land, budget, min_bid=0.05, max_bid=99.99)
    np.testing.assert_array_equal(bids, ref.bids)  # the files in keyword order
    assert "Plan written to" in capsys.readouterr().out
    # without --scheduler: the same plan in this process
    assert main([*args[:-1], str(tmp_path / "out2"), "-q"]) == 0
    files2 = sorted((tmp_path / "out2" / "plan").rglob("*.parquet"))
    again = np.concatenate([pq.read_table(f).column("bid").to_numpy() for f in files2])
    np.testing.assert_array_equal(again, bids)
