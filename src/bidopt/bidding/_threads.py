"""Row loops split across threads (the compiled kernels release the GIL).

A big landscape's rows are cut into :data:`N_CHUNKS` contiguous chunks whatever the
number of threads, so a result summed over chunks (in chunk order) is the same on a
machine with one core as on one with many; only who computes each chunk changes.  The
calling thread and ``threads() - 1`` workers of a process-wide pool (created on first
use, and again in a forked child) each take the next chunk left until none is.

The number of threads is the environment variable ``BIDOPT_THREADS`` when set (``1``
keeps every loop on the calling thread), else the CPUs this process may run on, at most
:data:`MAX_THREADS`, when called from the main thread, and 1 from any other thread (a Dask
worker's or a caller's own thread pool already keeps the cores busy).
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from bidopt.exceptions import InvalidInputError

__all__ = ["MAX_THREADS", "MIN_POINTS", "N_CHUNKS", "chunks", "run", "threads"]

T = TypeVar("T")

#: Chunks a big landscape's rows are cut into (fixed, so results do not depend on the
#: machine; more than threads, so that a thread that starts late takes fewer).
N_CHUNKS = 8
#: At most this many threads (the chunks are few: more would mostly wait).
MAX_THREADS = 4
#: Landscapes with fewer points (keywords x levels) than this stay one chunk: below it
#: handing work to another thread costs about what it saves.
MIN_POINTS = 1 << 16

_pool: ThreadPoolExecutor | None = None
_pool_key: tuple[int, int] = (0, 0)  # (process id, workers) the pool was made for
_pool_lock = threading.Lock()


def threads() -> int:
    """Threads a chunked loop may use: ``BIDOPT_THREADS``, else the usable CPUs on the
    main thread and 1 on others; in ``1 .. MAX_THREADS``."""
    raw = os.environ.get("BIDOPT_THREADS")
    if raw is None:
        if threading.current_thread() is not threading.main_thread():
            return 1
        try:
            cpus = len(os.sched_getaffinity(0))
        except AttributeError:  # pragma: no cover - not on Linux
            cpus = os.cpu_count() or 1
        return max(1, min(cpus, MAX_THREADS))
    try:
        wanted = int(raw)
    except ValueError:
        wanted = 0
    if wanted < 1:
        raise InvalidInputError(
            "The environment variable `BIDOPT_THREADS` must be a whole number >= 1 "
            f"(the threads bidopt's row loops may use). Got {raw!r} instead."
        )
    return min(wanted, MAX_THREADS)


def chunks(n_rows: int, n_levels: int) -> list[tuple[int, int]]:
    """Row ranges ``[(start, stop), ...]`` of a loop over ``n_rows`` x ``n_levels``
    points: one range below :data:`MIN_POINTS` points, else :data:`N_CHUNKS` of
    (nearly) equal size, in order."""
    if n_rows * max(n_levels, 1) < MIN_POINTS or n_rows < N_CHUNKS:
        return [(0, n_rows)]
    cuts = [n_rows * i // N_CHUNKS for i in range(N_CHUNKS + 1)]
    return list(itertools.pairwise(cuts))


def _executor(workers: int) -> ThreadPoolExecutor:
    """The pool of ``workers`` threads, made on first use, in a forked child, or when
    ``BIDOPT_THREADS`` changed.  A pool replaced is not shut down: a thread still
    handing it chunks keeps it alive, and its idle workers end once nothing refers to
    it (shutting it down failed such a thread's next submit)."""
    global _pool, _pool_key
    key = (os.getpid(), workers)
    with _pool_lock:
        if _pool is None or _pool_key != key:
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bidopt-rows")
            _pool_key = key
        return _pool


def _work(tasks: Sequence[Callable[[], T]], counter: Iterator[int], out: list[Any]) -> None:
    """Take the next task not yet taken (``next`` on a shared counter is atomic under
    the GIL) until none is left."""
    for i in counter:
        if i >= len(tasks):
            return
        out[i] = tasks[i]()


def run(tasks: Sequence[Callable[[], T]]) -> list[T]:
    """Every task's result, in the order of ``tasks``, computed by ``k = min(threads(),
    len(tasks))`` threads, the caller one of them: each takes the next task left, so a
    worker that wakes late takes fewer.  An exception in a task is raised here: the
    caller's own at once, a worker's once the caller has found no task left."""
    k = min(threads(), len(tasks))
    if k <= 1:
        return [task() for task in tasks]
    pool = _executor(k - 1)
    counter = itertools.count()
    out: list[Any] = [None] * len(tasks)
    futures = [pool.submit(_work, tasks, counter, out) for _ in range(k - 1)]
    _work(tasks, counter, out)
    for future in futures:
        future.result()
    return out
