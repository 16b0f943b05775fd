"""Where a shard keeps the arrays its hull search does not read (see ``_shard``).

During the multiplier search a worker's partitions all hold their hulls at once (the
cost and the hull's value, float64, and the slope buckets); the objective's values and
the target's metric are read only once per hull build and by the steps between builds
(sums at the chosen levels, fills, repair).  A shard whose source can be read again (a
Parquet partition) writes them to a ``.npy`` file in the worker's temporary directory
and maps it back when a step needs them, one partition at a time, so a worker holds
them for one partition instead of all: the values are the same float64 numbers, read
from the file (from the operating system's page cache while it has room).
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
import weakref
from pathlib import Path

import numpy as np

from bidopt.typing import FloatArray

__all__ = ["SpillDir", "Stored"]


class Stored:
    """A float64 array held in memory, or in a ``.npy`` file (``file``) and mapped back,
    read-only, by :meth:`get` (the mapping closes when the view is dropped)."""

    __slots__ = ("array", "file", "shape")

    def __init__(self, array: FloatArray, file: Path | None = None) -> None:
        self.shape = array.shape
        self.file = file
        self.array: FloatArray | None = None
        if file is None:
            self.array = array
        else:
            np.save(file, np.ascontiguousarray(array, dtype=np.float64))

    def get(self) -> FloatArray:
        """The array (mapped from its file when stored there: nothing is copied)."""
        if self.array is not None:
            return self.array
        assert self.file is not None
        out: FloatArray = np.asarray(np.load(self.file, mmap_mode="r"))
        return out

    def load(self) -> FloatArray:
        """The array in memory (read from its file when stored there)."""
        if self.array is not None:
            return self.array
        assert self.file is not None
        out: FloatArray = np.load(self.file)
        return out


class SpillDir:
    """A temporary directory for one worker's shards, removed with this object; inside
    the Dask worker's own directory when there is one (Dask removes the directories of
    workers that died)."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="bidopt-shard-", dir=_worker_dir()))
        self._count = 0
        self._done = weakref.finalize(self, shutil.rmtree, str(self.path), True)

    def store(self, array: FloatArray) -> Stored:
        """``array`` written to a new file of this directory."""
        self._count += 1
        return Stored(array, self.path / f"{self._count}.npy")


def _worker_dir() -> str | None:
    """The local directory of the Dask worker running this code, else None."""
    distributed = sys.modules.get("distributed")  # a worker has imported it
    if distributed is None:
        return None
    with contextlib.suppress(ValueError, AttributeError):
        return str(distributed.get_worker().local_directory)
    return None
