"""Optional Dask support: the one place that imports ``distributed`` and ``pyarrow``.

The core library never needs them; the functions that take ``client=`` or read Parquet
call :func:`require_distributed` / :func:`require_pyarrow`, which raise
:class:`~bidopt.exceptions.MissingDependencyError` (an ImportError) naming the
``cluster`` extra (``pip install bidopt[cluster]``).
"""

from __future__ import annotations

from typing import Any

from bidopt._optional import _require

__all__ = ["WORKER_CONFIG", "require_distributed", "require_pyarrow"]

#: Dask settings for workers that build hulls (``dask.config.set(WORKER_CONFIG)`` before
#: starting a cluster): Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``,
#: which hands every freed array back to the OS, so each hull build page-faults its
#: arrays anew (about twice the CPU time of a plain process, measured on shards of 50,000
#: keywords x 10 levels); the profiler's stack sampling is switched off too.
WORKER_CONFIG: dict[str, Any] = {
    "distributed.nanny.pre-spawn-environ": {},
    "distributed.worker.profile.enabled": False,
}


def require_distributed(what: str) -> Any:
    """``distributed``, or an ImportError naming the ``cluster`` extra."""
    return _require("distributed", what, "cluster", "distributed")


def require_pyarrow(what: str) -> Any:
    """``pyarrow.parquet``, or an ImportError naming the ``cluster`` extra."""
    return _require("pyarrow.parquet", what, "cluster", "pyarrow")
