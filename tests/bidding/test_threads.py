"""The hull's row loop split across threads (``bidopt.bidding._threads``).

A big landscape's rows are cut into a fixed number of chunks whatever the number of
threads, so hulls and plans must be the same, bit for bit, with 1, 2, 3 or 4 threads,
and equal the numpy path and the exact rational hull.  ``MIN_POINTS`` is lowered here so
that small landscapes are chunked too (the rational reference is slow on big ones).
"""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from bidopt.bidding import _kernels, _threads, optimize_bids
from bidopt.bidding._hull import Hull, build_hull
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import BidLandscape
from tests.bidding.test_hull_select import FAMILIES, hull_levels, make_rows, reference_hull

pytestmark = pytest.mark.skipif(not _kernels.AVAILABLE, reason="numba is not installed")


def _hulls(
    monkeypatch: pytest.MonkeyPatch,
    cost: np.ndarray,
    value: np.ndarray,
    allowed: np.ndarray | None = None,
    counts: tuple[int, ...] = (1, 2, 3, 4),
) -> list[Hull]:
    monkeypatch.setattr(_kernels, "ENABLED", True)
    out = []
    for k in counts:
        monkeypatch.setenv("BIDOPT_THREADS", str(k))
        out.append(build_hull(cost, value, allowed))
    return out


def _identical(a: Hull, b: Hull) -> None:
    for name in ("first", "n_steps", "bucket", "odd_rows", "odd_pos", "bucket_cost"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.span == b.span
    assert hull_levels(a) == hull_levels(b)


def _numpy_hull(monkeypatch: pytest.MonkeyPatch, *args: np.ndarray | None) -> Hull:
    monkeypatch.setattr(_kernels, "ENABLED", False)
    hull = build_hull(*args)  # type: ignore[arg-type]
    monkeypatch.setattr(_kernels, "ENABLED", True)
    return hull


def test_chunks_are_fixed_and_cover_the_rows() -> None:
    assert _threads.chunks(100, 20) == [(0, 100)]  # 2,000 points: one chunk
    n = _threads.MIN_POINTS // 20 + 1
    parts = _threads.chunks(n, 20)
    assert len(parts) == _threads.N_CHUNKS
    assert parts[0][0] == 0 and parts[-1][1] == n
    assert all(a[1] == b[0] for a, b in itertools.pairwise(parts))
    assert max(b - a for a, b in parts) - min(b - a for a, b in parts) <= 1
    assert _threads.chunks(3, 1 << 20) == [(0, 3)]  # fewer rows than chunks


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("masked", [False, True])
def test_chunked_hull_is_the_same_on_any_number_of_threads(
    monkeypatch: pytest.MonkeyPatch, family: str, masked: bool
) -> None:
    monkeypatch.setattr(_threads, "MIN_POINTS", 1)
    rng = np.random.default_rng(300 + FAMILIES.index(family) + 10 * masked)
    for n, levels in ((403, 20), (57, 3), (9, 7)):
        cost, value = make_rows(family, n, levels, rng)
        allowed = rng.random(cost.shape) < 0.7 if masked else None
        assert len(_threads.chunks(n, levels)) == _threads.N_CHUNKS
        hulls = _hulls(monkeypatch, cost, value, allowed)
        for other in hulls[1:]:
            _identical(hulls[0], other)
        assert hull_levels(hulls[0]) == reference_hull(cost, value, allowed)
        slow = _numpy_hull(monkeypatch, cost, value, allowed)
        assert hull_levels(slow) == hull_levels(hulls[0])
        np.testing.assert_array_equal(hulls[0].bucket, slow.bucket)
        np.testing.assert_allclose(hulls[0].bucket_cost, slow.bucket_cost, rtol=1e-12, atol=0)
        assert hulls[0].span == slow.span
        # odd rows' tables are addressed by the keyword itself, in every chunk
        odd = hulls[0].odd_rows
        np.testing.assert_array_equal(hulls[0].odd_pos[odd], odd)


def test_rows_redone_by_numpy_in_a_later_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows beyond the exact arithmetic's range (1e200, 1e-300) in the last chunk, an
    empty chunk (no step at all) first: the rows the numpy path redoes are found by their
    keyword, and the buckets' span covers every chunk."""
    monkeypatch.setattr(_threads, "MIN_POINTS", 1)
    rng = np.random.default_rng(5)
    cost, value = make_rows("ties_flat", 40, 4, rng)
    value[:10] = 0.0  # chunk 0: no step
    cost[-2:] = [[1e200, 2e200, 3e200, 4e200], [1e-300, 2e-300, 3e-300, 5e-300]]
    value[-2:] = [[1e200, 2e200, 3e200, 3.5e200], [1.0, 2.0, 3.0, 3.5]]
    hulls = _hulls(monkeypatch, cost, value)
    for other in hulls[1:]:
        _identical(hulls[0], other)
    slow = _numpy_hull(monkeypatch, cost, value, None)
    assert hull_levels(hulls[0]) == hull_levels(slow)
    np.testing.assert_allclose(hulls[0].bucket_cost, slow.bucket_cost, rtol=1e-12, atol=0)
    assert hulls[0].span == slow.span
    assert (hulls[0].n_steps[:10] == 0).all()


def test_no_step_anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_threads, "MIN_POINTS", 1)
    cost = np.tile(np.arange(1.0, 6.0), (12, 1))
    hulls = _hulls(monkeypatch, cost, np.zeros_like(cost))
    from bidopt.bidding._hull import N_BUCKETS

    for hull in hulls:
        assert hull.span == (N_BUCKETS, N_BUCKETS - 1)
        assert not hull.bucket_cost.any()
    # steps only in the last chunks: the span is theirs (an empty first chunk's
    # "no bucket" marker is not a bucket)
    value = np.zeros_like(cost)
    value[-3:] = np.sqrt(cost[-3:])
    hulls = _hulls(monkeypatch, cost, value)
    slow = _numpy_hull(monkeypatch, cost, value, None)
    for hull in hulls:
        assert hull.span == slow.span
        assert hull.span[1] < N_BUCKETS - 1


def _ties_landscape(n: int, rng: np.random.Generator) -> BidLandscape:
    cost, value = make_rows("ties_flat", n, 20, rng)
    bids = np.cumsum(np.ones(cost.shape), axis=1)
    clicks = np.maximum.accumulate(value, axis=1) + 1e-3 * bids
    return BidLandscape(bids=bids, clicks=clicks, cost=cost, conversions=clicks * 0.1)


def test_plans_are_identical_on_any_number_of_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above ``MIN_POINTS`` (4,000 x 20 points) without lowering it: the same plan, bit
    for bit, whatever the number of threads, for several objectives and constraints."""
    rng = np.random.default_rng(11)
    land = _ties_landscape(4_000, rng)
    assert len(_threads.chunks(4_000, 20)) == _threads.N_CHUNKS
    total = float(land.cost[:, -1].sum())
    cases = (
        (0.3, {}),
        (0.9, {"objective": "clicks"}),
        (0.5, {"max_cpc": 0.9}),
        (0.4, {"target_cpa": 30.0}),
    )
    for share, kwargs in cases:
        plans = []
        for k in (1, 2, 4):
            monkeypatch.setenv("BIDOPT_THREADS", str(k))
            plans.append(optimize_bids(land, share * total, **kwargs))  # type: ignore[arg-type]
        for plan in plans:
            assert plan.success and plan.certificate.holds
            np.testing.assert_array_equal(plan.levels, plans[0].levels)
            assert plan.bound == plans[0].bound
            assert plan.fun == plans[0].fun


def test_threads_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIDOPT_THREADS", "3")
    assert _threads.threads() == 3
    monkeypatch.setenv("BIDOPT_THREADS", "64")
    assert _threads.threads() == _threads.MAX_THREADS
    for bad in ("0", "-2", "two", ""):
        monkeypatch.setenv("BIDOPT_THREADS", bad)
        with pytest.raises(InvalidInputError, match="BIDOPT_THREADS") as info:
            _threads.threads()
        assert repr(bad) in str(info.value)
    monkeypatch.delenv("BIDOPT_THREADS")
    assert 1 <= _threads.threads() <= _threads.MAX_THREADS
    # off the main thread (a Dask worker, a caller's own pool): one thread
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(_threads.threads).result() == 1
    assert threading.current_thread() is threading.main_thread()


def test_run_keeps_order_and_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIDOPT_THREADS", "3")
    names: list[str] = []
    worker_ran = threading.Event()

    def task(i: int) -> int:
        names.append(threading.current_thread().name)
        if threading.current_thread() is threading.main_thread():
            worker_ran.wait(10.0)  # (a trivial task list could finish before any wakes)
        else:
            worker_ran.set()
        return i * i

    assert _threads.run([lambda i=i: task(i) for i in range(7)]) == [i * i for i in range(7)]
    assert any(name.startswith("bidopt-rows") for name in names)  # others did some

    def boom() -> int:
        raise ValueError("task 2 failed")

    with pytest.raises(ValueError, match="task 2 failed"):
        _threads.run([lambda: 0, lambda: 1, boom, lambda: 3])


def test_hull_off_the_main_thread_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """From another thread the loop runs on that thread alone, with the same chunks."""
    monkeypatch.setattr(_threads, "MIN_POINTS", 1)
    monkeypatch.setattr(_kernels, "ENABLED", True)
    monkeypatch.delenv("BIDOPT_THREADS", raising=False)
    rng = np.random.default_rng(9)
    cost, value = make_rows("s_shaped", 200, 12, rng)
    here = build_hull(cost, value)
    with ThreadPoolExecutor(1) as pool:
        there = pool.submit(build_hull, cost, value).result()
    _identical(here, there)
