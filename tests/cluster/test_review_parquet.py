"""Review of the Parquet landscape datasets (session 21)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bidopt.exceptions import InvalidInputError
from bidopt.landscape import (
    read_landscape_parquet,
    write_landscape_parquet,
    write_landscape_partitions,
)
from tests.cluster._families import partition

pytest.importorskip("pyarrow.parquet")


def test_a_suffixed_directory_never_overwrites_another_partition(tmp_path: Path) -> None:
    """Labels "x-2", "x", "x": the second "x" was written to "campaign=x-2" (its
    position as suffix), over the first partition, and the dataset read back 14
    keywords (the third partition twice) where it listed 3 + 4 + 5."""
    parts = [partition(seed, size, 3) for seed, size in ((1, 4), (2, 6), (3, 8))]
    ds = write_landscape_partitions(parts, tmp_path / "land", labels=["x-2", "x", "x"])
    assert len(set(ds.files)) == 3
    back = ds.read()
    assert back.n_keywords == ds.n_keywords == 18
    np.testing.assert_array_equal(back.cost, np.concatenate([p.cost for p in parts]))


def test_a_bad_partition_is_named(tmp_path: Path) -> None:
    """A NaN cost in one partition file: the error gave the index inside the partition
    ('at index (1, 2)') without saying which of the dataset's files it is."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    ds = write_landscape_parquet(partition(1, 100, 3), tmp_path / "land", n_partitions=4)
    table = pq.read_table(ds.files[2])
    cost = table.column("cost").combine_chunks().flatten().to_numpy().copy()
    cost[5] = np.nan
    column = pa.FixedSizeListArray.from_arrays(pa.array(cost), 3)
    pq.write_table(table.set_column(table.column_names.index("cost"), "cost", column), ds.files[2])
    with pytest.raises(InvalidInputError, match=r"index \(1, 2\).*campaign=2"):
        ds.read()


def test_head_takes_a_count_of_partitions(tmp_path: Path) -> None:
    """head(-1) gave every partition but the last (a slice), head(0) an empty dataset."""
    ds = write_landscape_parquet(partition(1, 20, 3), tmp_path / "land", n_partitions=4)
    for bad in (-1, 0, 2.5):
        with pytest.raises(InvalidInputError, match="`n_partitions` must be an integer >= 1"):
            ds.head(bad)  # type: ignore[arg-type]
    assert ds.head(2).n_partitions == 2 and ds.head(9).n_partitions == 4


def test_a_manifest_that_is_not_one_is_named(tmp_path: Path) -> None:
    """Before: KeyError 'parts', JSONDecodeError or TypeError from the manifest's text."""
    for text in ('{"format": "other"}', "not json", "[]"):
        (tmp_path / "_bidopt.json").write_text(text, encoding="utf-8")
        with pytest.raises(InvalidInputError, match="bidopt-landscape manifest"):
            read_landscape_parquet(tmp_path)
