"""Run every benchmark of the project and write one markdown summary of the targets.

Usage::

    python benchmarks/run_all.py            # everything (about 20 minutes here)
    python benchmarks/run_all.py --quick    # smaller sizes, into results/quick/

Each benchmark is a script in this folder that writes ``results/<name>.json`` and
``.md``; this runner calls them in turn (a failing one is reported, not fatal) and
collects the "Targets:" line of each into ``results/summary.md``.  Quick runs write to
``results/quick/`` (not committed), so they never overwrite the full results.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

BENCHMARKS: list[tuple[str, list[str], list[str]]] = [
    # (name, arguments, arguments with --quick)
    ("synthetic_account", [], ["--sizes", "10000", "100000"]),
    ("bidding_speed", [], ["--sizes", "1000", "10000", "--big", "100000"]),
    ("bidding_outcome", [], []),
    ("channels_split", [], []),
    ("channels_fit", [], []),
    ("replay_ipinyou", [], []),
    ("replay_synthetic", [], ["--seeds", "2", "--auctions", "50000"]),
    ("tune_pacing", [], ["--seeds", "1", "--auctions", "50000"]),
    ("backtest_keywords", [], ["--keywords", "2000", "--days", "14"]),
    ("grouping", [], ["--sizes", "10000"]),
    ("experiments", [], ["--orders", "50", "--sims", "1000", "--seeds", "5"]),
    ("customers", [], ["--customers", "100000"]),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    lines = [
        "# Benchmark summary",
        "",
        "| benchmark | seconds | status | targets |",
        "|---|---|---|---|",
    ]
    results = RESULTS / "quick" if args.quick else RESULTS
    env = {**os.environ, "BIDOPT_BENCH_RESULTS": str(results)}
    for name, full, quick in BENCHMARKS:
        start = time.perf_counter()
        run = subprocess.run(
            [sys.executable, str(HERE / f"{name}.py"), *(quick if args.quick else full)],
            capture_output=True,
            text=True,
            env=env,
        )
        seconds = time.perf_counter() - start
        status = "ok" if run.returncode == 0 else f"failed ({run.returncode})"
        targets = next(
            (
                line.removeprefix("Targets: ")
                for line in run.stdout.splitlines()
                if line.startswith("Targets:") or line.startswith("target ")
            ),
            "",
        )
        if run.returncode != 0:
            targets = (run.stderr.strip().splitlines() or [""])[-1][:160]
        lines.append(f"| {name} | {seconds:.1f} | {status} | {targets} |")
        print(lines[-1], flush=True)
    results.mkdir(parents=True, exist_ok=True)
    (results / "summary.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
