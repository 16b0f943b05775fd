"""Time and peak memory of ``make_search_account`` at scale (issue: foundation).

Runs each size in a fresh subprocess so that the peak resident memory (``ru_maxrss``)
belongs to that size alone, prints a table, and writes
``benchmarks/results/synthetic_account.json``.

Usage::

    python benchmarks/synthetic_account.py                # 10k, 100k, 1M keywords x 28 days
    python benchmarks/synthetic_account.py --sizes 1000000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS

_CHILD = r"""
import json, resource, sys, time
import numpy as np
from bidopt.datasets import make_search_account
n, days = int(sys.argv[1]), int(sys.argv[2])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
account = make_search_account(n, n_days=days, rng=2026)
seconds = time.perf_counter() - t0
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
totals = account.expected().totals()
lengths = np.fromiter((len(k) for k in account.keywords), dtype=np.int64)
print(json.dumps({
    "n_keywords": n, "n_days": days, "n_rows": len(account.log),
    "seconds": seconds, "peak_rss_gb": peak_kib / 1024**2,
    "import_rss_gb": base / 1024**2,
    "cpa": totals["cpa"], "cvr": totals["cvr"],
    "mean_keyword_length": float(lengths.mean()),
    "zero_click_share": float((account.log.clicks == 0).mean()),
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--days", type=int, default=28)
    args = parser.parse_args()
    records = []
    print(
        f"{'keywords':>10} {'rows':>11} {'seconds':>8} {'peak GB':>8} {'CPA':>6} "
        f"{'CVR':>6} {'len':>5} {'0-click':>7}"
    )
    for n in args.sizes:
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(n), str(args.days)],
            check=True,
            capture_output=True,
            text=True,
        )
        record = json.loads(out.stdout.strip().splitlines()[-1])
        records.append(record)
        print(
            f"{n:>10,} {record['n_rows']:>11,} {record['seconds']:>8.1f} "
            f"{record['peak_rss_gb']:>8.2f} {record['cpa']:>6.2f} {record['cvr']:>6.3f} "
            f"{record['mean_keyword_length']:>5.2f} {record['zero_click_share']:>7.2f}"
        )
    target = [r for r in records if r["n_keywords"] >= 1_000_000]
    for r in target:
        ok = r["seconds"] < 60 and r["peak_rss_gb"] < 8
        print(f"target (1M x 28 days < 60 s and < 8 GB): {'met' if ok else 'NOT met'}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "synthetic_account.json").write_text(json.dumps(records, indent=2) + "\n")


if __name__ == "__main__":
    main()
