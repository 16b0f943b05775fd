"""``optimize_bids(client=...)`` on a Parquet dataset bigger than a worker's memory.

* data: ``--n`` keywords x ``--levels`` levels (default 10,000,000 x 20) in ``--parts``
  partitions, written to ``--dir`` one partition at a time (never whole in memory):
  each partition half second-price (concave) rows, half S-shaped rows, from
  ``bidding_speed``'s generators; bids, clicks, cost, conversions (float64);
* the problem: conversions under a budget of 30% of the top-level spend and a target
  CPA of 0.85 x the CPA of the budget-only plan at 1M (so the target binds);
* reference: the first ``--ref-parts`` partitions (1,000,000 keywords) solved in this
  process in memory, then the same 1M on the cluster: bids must be identical;
* cluster: a ``LocalCluster`` of 2 worker processes (1 thread each) with
  ``--memory-limit`` per worker, well below the data's size, and
  ``bidopt._dask.WORKER_CONFIG`` (glibc's default trimming, no profiler); the 10M plan is written
  back as a partitioned dataset; each worker's peak RSS (``VmHWM``), the rounds
  and the bytes the driver received per round (arrays' sizes, from ``last_stats``);
* time per 10^6 keywords: cluster wall time / (n / 10^6) vs the in-process wall time
  at 1M (both on the same loaded machine, the in-process run before the cluster starts),
  and the same in CPU seconds (driver + workers); the load average is recorded.

The dataset is deleted at the end unless ``--keep``.  Writes
``results/cluster.json`` and ``.md``.

Usage::

    python benchmarks/cluster.py [--n 10000000] [--levels 20] [--parts 50] [--no-cluster-1m]
        [--dir /work/tmp_cluster] [--memory-limit 3GB] [--keep]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, markdown_table, peak_rss_gb, targets_line, write_results
from bidding_speed import _FAMILY
from bidopt._validation import frozen
from bidopt.bidding import optimize_bids
from bidopt.bidding._distributed import last_stats
from bidopt.landscape import BidLandscape, write_landscape_partitions, write_plan_parquet

#: the rounds of the multiplier search (hull builds, histograms, the edge, sums)
SEARCH = ("prepare", "fine", "edge_start", "refine", "narrow", "edge_items", "totals", "sums")


def make_partition(seed: int, n: int, levels: int) -> BidLandscape:
    """Half concave, half S-shaped rows, shuffled (seeded)."""
    rng = np.random.default_rng(seed)
    a = _FAMILY["concave"](rng, n // 2, levels)
    b = _FAMILY["s_shaped"](rng, n - n // 2, levels)
    order = rng.permutation(n)
    names = ("bids", "clicks", "cost", "conversions")
    arrays = {k: frozen(np.vstack([x, y])[order]) for k, x, y in zip(names, a, b, strict=True)}
    return BidLandscape(**arrays)


def _worker_peak_gb() -> float:
    """This process's peak RSS (``VmHWM``: its own address space's high-water mark;
    ``ru_maxrss`` would carry the driver's size at the fork that started the worker)."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024**2
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _worker_cpu_s() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def _round_table(stats: Any, n_parts: int) -> list[dict[str, Any]]:
    rows = []
    for kind, (count, nbytes, seconds) in sorted(stats.by_kind.items(), key=lambda x: -x[1][1]):
        rows.append(
            {
                "round": kind,
                "calls": int(count),
                "bytes": int(nbytes),
                "bytes_per_call_per_partition": nbytes / max(count, 1) / n_parts,
                "seconds": seconds,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--levels", type=int, default=20)
    parser.add_argument("--parts", type=int, default=50)
    parser.add_argument("--ref-parts", type=int, default=5)
    parser.add_argument("--dir", default="/work/tmp_cluster")
    parser.add_argument("--memory-limit", default="3GB")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--no-cluster-1m", action="store_true", help="skip the 1M plan on the cluster"
    )
    args = parser.parse_args()
    load_start = os.getloadavg()
    import dask
    from distributed import Client, LocalCluster

    from bidopt._dask import WORKER_CONFIG

    root = Path(args.dir)
    if root.exists():
        shutil.rmtree(root)
    part = args.n // args.parts
    data_gb = args.n * args.levels * 4 * 8 / 1e9
    start = time.perf_counter()
    top = []

    def partitions() -> Any:
        for i in range(args.parts):
            land = make_partition(10_000 + i, part, args.levels)
            top.append(float(land.cost[:, -1].sum()))
            yield land

    ds = write_landscape_partitions(partitions(), root / "landscape", name="campaign")
    write_s = time.perf_counter() - start
    disk_gb = sum(f.stat().st_size for f in (root / "landscape").rglob("*.parquet")) / 1e9
    print(f"wrote {ds.n_keywords:,} x {args.levels} ({disk_gb:.2f} GB on disk) in {write_s:.0f} s")

    try:
        # --- in-process reference at 1M -------------------------------------------
        ref_ds = ds.head(args.ref_parts)
        land = ref_ds.read()
        ref_budget = 0.3 * sum(top[: args.ref_parts])
        free = optimize_bids(land, ref_budget)
        cpa = 0.85 * free.spend / free.conversions
        t0, c0 = time.perf_counter(), time.process_time()
        ref = optimize_bids(land, ref_budget, target_cpa=cpa)
        ref_s, ref_cpu = time.perf_counter() - t0, time.process_time() - c0
        ref_n = land.n_keywords
        del land
        print(f"in-process {ref_n:,}: {ref_s:.1f} s wall, {ref_cpu:.1f} s CPU, nit {ref.nit}")

        def start() -> tuple[Any, Any]:
            dask.config.set(WORKER_CONFIG)
            cluster = LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                memory_limit=args.memory_limit,
                dashboard_address=None,
            )
            return cluster, Client(cluster)

        # --- the same 1M on the cluster: the same plan ------------------------------
        same_1m: bool | None = None
        rel_1m: float | None = None
        small_s: float | None = None
        if not args.no_cluster_1m:
            cluster, client = start()
            try:
                t0 = time.perf_counter()
                small = optimize_bids(ref_ds, ref_budget, target_cpa=cpa, client=client)
                small_s = time.perf_counter() - t0
            finally:
                client.close()
                cluster.close()
            same_1m = bool(np.array_equal(small.bids, ref.bids))
            rel_1m = abs(small.fun - ref.fun) / abs(ref.fun)
            print(f"cluster 1M: {small_s:.1f} s, same bids {same_1m}, fun rel {rel_1m:.1e}")
            del small
        # --- 10M from Parquet, on fresh workers (their peak memory is this run's) -----
        cluster, client = start()
        try:
            budget = 0.3 * sum(top)
            cpu0 = sum(client.run(_worker_cpu_s).values())
            t0, c0 = time.perf_counter(), time.process_time()
            plan = optimize_bids(ds, budget, target_cpa=cpa, client=client)
            big_s = time.perf_counter() - t0
            big_cpu = time.process_time() - c0 + sum(client.run(_worker_cpu_s).values()) - cpu0
            stats = last_stats()
            assert stats is not None
            peaks = client.run(_worker_peak_gb)
        finally:
            client.close()
            cluster.close()
        written = write_plan_parquet(plan, root / "plan", like=ds)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    per_m_cluster = big_s / (args.n / 1e6)
    per_m_ref = ref_s / (ref_n / 1e6)
    cpu_per_m_cluster = big_cpu / (args.n / 1e6)
    cpu_per_m_ref = ref_cpu / (ref_n / 1e6)
    load_end = os.getloadavg()
    search = [k for k in stats.by_kind if k in SEARCH]
    search_calls = sum(stats.by_kind[k][0] for k in search)
    search_bytes = sum(stats.by_kind[k][1] for k in search)
    result = {
        "n_keywords": args.n,
        "levels": args.levels,
        "partitions": args.parts,
        "data_gb_in_memory": data_gb,
        "data_gb_on_disk": disk_gb,
        "memory_limit_per_worker": args.memory_limit,
        "worker_peak_rss_gb": {k: float(v) for k, v in peaks.items()},
        "driver_peak_rss_gb": peak_rss_gb(),
        "target_cpa": cpa,
        "budget": budget,
        "success": bool(plan.success),
        "certificate_holds": bool(plan.certificate.holds),
        "spend": plan.spend,
        "conversions": plan.conversions,
        "cpa": plan.spend / plan.conversions,
        "gap_bound": plan.gap_bound,
        "nit": plan.nit,
        "cluster_seconds": big_s,
        "cluster_seconds_per_million": per_m_cluster,
        "in_process_seconds_1m": ref_s,
        "in_process_cpu_seconds_1m": ref_cpu,
        "in_process_seconds_per_million": per_m_ref,
        "ratio_per_million": per_m_cluster / per_m_ref,
        "cluster_cpu_seconds": big_cpu,
        "cluster_cpu_seconds_per_million": cpu_per_m_cluster,
        "in_process_cpu_seconds_per_million": cpu_per_m_ref,
        "cpu_ratio_per_million": cpu_per_m_cluster / cpu_per_m_ref,
        "load_average_start": list(load_start),
        "load_average_end": list(load_end),
        "same_plan_at_1m": same_1m,
        "objective_rel_diff_at_1m": rel_1m,
        "cluster_seconds_1m": small_s,
        "rounds": stats.rounds,
        "bytes_received": stats.bytes_in,
        "search_rounds": search_calls,
        "search_bytes_per_round": search_bytes / max(search_calls, 1),
        "search_bytes_per_round_per_partition": search_bytes / max(search_calls, 1) / args.parts,
        "plan_files": len(written),
        "write_seconds": write_s,
        "by_round": _round_table(stats, args.parts),
        "machine": machine(),
    }
    targets = {
        "finishes": bool(plan.success and plan.certificate.holds),
        "memory_below_data": max(peaks.values()) < data_gb,
        "worker_peak_below_a_third_of_data": max(peaks.values()) < data_gb / 3,
        "same_plan_at_1m": None if same_1m is None else bool(same_1m and (rel_1m or 0.0) <= 1e-12),
        "time_per_million_within_2x": per_m_cluster <= 2 * per_m_ref,
    }
    result["targets"] = targets
    md = [
        "# optimize_bids(client=...) on a Parquet dataset",
        "",
        f"{args.n:,} keywords x {args.levels} levels in {args.parts} partitions "
        f"({data_gb:.1f} GB as float64 arrays, {disk_gb:.1f} GB of Parquet), conversions "
        f"under a budget and target CPA {cpa:.2f}, 2 worker processes with "
        f"memory_limit={args.memory_limit}.",
        "",
        markdown_table(
            [
                {
                    "what": "cluster, 10M",
                    "seconds": big_s,
                    "s per 1M": per_m_cluster,
                    "nit": plan.nit,
                    "success": plan.success,
                },
                {
                    "what": "in-process, 1M",
                    "seconds": ref_s,
                    "s per 1M": per_m_ref,
                    "nit": ref.nit,
                    "success": ref.success,
                },
            ],
            ["what", "seconds", "s per 1M", "nit", "success"],
        ),
        "",
        "Worker peak RSS (GiB, VmHWM): "
        + ", ".join(f"{v:.2f}" for v in peaks.values())
        + f"; driver {peak_rss_gb():.2f} GB.  Same plan as in-process at 1M: {same_1m}.",
        "",
        f"CPU seconds per 1M keywords (driver + workers): cluster {cpu_per_m_cluster:.1f}, "
        f"in-process {cpu_per_m_ref:.1f} ({cpu_per_m_cluster / cpu_per_m_ref:.2f}x).  "
        f"Load average (1/5/15 min) at start {load_start[0]:.1f}/{load_start[1]:.1f}/"
        f"{load_start[2]:.1f}, at end {load_end[0]:.1f}/{load_end[1]:.1f}/{load_end[2]:.1f} "
        "(2 cores, shared).",
        "",
        f"Rounds {stats.rounds}; multiplier-search rounds {search_calls}, "
        f"{search_bytes / max(search_calls, 1):,.0f} bytes per round "
        f"({search_bytes / max(search_calls, 1) / args.parts:,.0f} per partition).",
        "",
        markdown_table(result["by_round"], ["round", "calls", "bytes", "seconds"]),
        "",
        targets_line(targets),
    ]
    write_results("cluster", result, "\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
