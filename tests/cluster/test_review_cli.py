"""Review of ``python -m bidopt plan DIR`` on a Parquet landscape dataset (session 21)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import bidopt._cli_cluster
from bidopt.__main__ import main
from bidopt.landscape import write_landscape_parquet
from tests.cluster._families import partition

pytest.importorskip("pyarrow.parquet")


def test_an_existing_plan_is_refused_before_the_solve(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run twice with the same --out: the second run solved the whole dataset (on a
    cluster, the long part) and only then failed to write OUT/plan."""
    ds = write_landscape_parquet(partition(5, 200, 4), tmp_path / "land", n_partitions=2)
    args = ["plan", ds.path, "--budget", "100", "--out", str(tmp_path / "out"), "-q"]
    assert main(args) == 0
    capsys.readouterr()

    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("solved before checking --out")

    monkeypatch.setattr(bidopt._cli_cluster, "optimize_bids", never)
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "`--out`'s plan directory" in err and "not empty" in err


def test_scheduler_with_a_report_file_is_refused(tmp_path: Path, capsys: Any) -> None:
    """--scheduler plans a Parquet directory on a cluster; with a keyword report file
    it was silently ignored and the plan made in this process."""
    report = tmp_path / "report.csv"
    report.write_text("keyword,date,impressions,clicks,cost\n", encoding="utf-8")
    args = ["plan", str(report), "--budget", "100", "--out", str(tmp_path / "out")]
    with pytest.raises(SystemExit):
        main([*args, "--scheduler", "tcp://127.0.0.1:8786"])
    assert "argument --scheduler" in capsys.readouterr().err
