"""Optional Dask support: the one place that imports ``distributed`` and ``pyarrow``.

The core library never needs them; the functions that take ``client=`` or read Parquet
call :func:`require_distributed` / :func:`require_pyarrow`, which raise
:class:`~bidopt.exceptions.MissingDependencyError` (an ImportError) naming the
``cluster`` extra (``pip install bidopt[cluster]``).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import sys
from collections.abc import Sequence
from typing import Any

from bidopt._optional import _require
from bidopt._validation import check_instance, short_repr
from bidopt.exceptions import InvalidInputError

__all__ = [
    "WORKER_CONFIG",
    "cluster_parts",
    "n_workers",
    "release_memory",
    "require_client",
    "require_distributed",
    "require_pyarrow",
    "worker_addresses",
]

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


def require_client(client: Any, what: str) -> Any:
    """``distributed``, once ``client`` is checked to be a ``distributed.Client`` with at
    least one worker: an ImportError naming the ``cluster`` extra without
    ``distributed``, an InvalidInputError naming ``client`` for anything else (a
    scheduler's address, say) or for a client whose scheduler has no worker (Dask would
    wait for one: 30 seconds for a scatter, for ever for a task).  A cluster still
    starting its workers: ``client.wait_for_workers(n)`` first."""
    distributed = require_distributed(what)
    check_instance(
        client,
        "client",
        distributed.Client,
        "a distributed.Client or None (connect to a scheduler with "
        "distributed.Client(address) first)",
    )
    worker_addresses(client, what)
    return distributed


def worker_addresses(client: Any, what: str) -> list[str]:
    """The addresses of the Dask ``client``'s workers, sorted, or an InvalidInputError
    naming ``client`` (and ``what`` needs it) when there is none.

    Read from ``Client.nthreads()``, which lists every worker: ``scheduler_info()``
    lists at most five by default in distributed 2025.4 to 2026.6, and the sixth and
    later workers of a larger cluster would get no partitions."""
    addresses = sorted(client.nthreads())
    if not addresses:
        raise InvalidInputError(
            f"`client` must have at least one worker for {what}. Got a client of the "
            f"scheduler {short_repr(client.scheduler.address)} with no worker instead: "
            "start workers, or wait for them with client.wait_for_workers(n) first."
        )
    return addresses


def cluster_parts(parts: Any, kind: type, expected: str) -> list[Any] | None:
    """``parts`` as a list when it is a non-empty sequence whose items are ``kind``
    objects or Dask futures (of them, presumably: a worker reads them); None when it is
    no such sequence (a str is none, nor is an empty one).  An item of another type
    raises an InvalidInputError: ``expected`` (the contract, naming the parameter) and
    the first such item."""
    if not isinstance(parts, Sequence) or isinstance(parts, (str, bytes)):
        return None
    future = require_distributed("client=").Future
    for i, part in enumerate(parts):
        if not isinstance(part, (kind, future)):
            raise InvalidInputError(
                f"{expected}. Got a {type(parts).__name__} whose item {i} is "
                f"{type(part).__name__} {short_repr(part)} instead."
            )
    return list(parts) or None


def require_pyarrow(what: str) -> Any:
    """``pyarrow.parquet``, or an ImportError naming the ``cluster`` extra."""
    return _require("pyarrow.parquet", what, "cluster", "pyarrow")


def n_workers(client: Any) -> int:
    """How many workers the Dask ``client``'s scheduler knows of (at least 1; see
    :func:`worker_addresses`)."""
    return max(len(client.nthreads()), 1)


def release_memory() -> None:
    """Hand freed memory back to the operating system: pyarrow's pool (mimalloc or
    jemalloc keep what a Parquet read freed, about half a partition's size) and glibc's
    heap (``malloc_trim``).  Called by a worker after it reads a partition, so the
    memory its reads freed does not count against its memory limit."""
    pa = sys.modules.get("pyarrow")
    if pa is not None:
        pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None (another C library or system)."""
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    with contextlib.suppress(OSError, AttributeError):
        return ctypes.CDLL(name).malloc_trim if name else None
    return None
