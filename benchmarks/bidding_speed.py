"""Speed and quality of ``optimize_bids(method="dual")`` against the HiGHS references.

* speed: dual vs ``lp`` (scipy ``linprog``/HiGHS) on 1k, 10k and 100k keywords x 20
  levels, in the same run (a ratio); HiGHS is skipped where a size would take more than
  ``--lp-limit`` seconds (extrapolated from the previous size, and said so);
* dual alone at 1,000,000 x 20, with peak memory including the input arrays (measured
  in a fresh subprocess);
* quality: dual objective vs the ``milp`` optimum on small cases, and the certified gap
  against the ``lp`` bound on large ones.

Landscapes are second-price (log-normal competitor price) curves with heavy-tailed
keyword volumes, like the synthetic account's.  Writes ``results/bidding_speed.json``.

Usage::

    python benchmarks/bidding_speed.py [--sizes 1000 10000 100000] [--lp-limit 300]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy import special

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, markdown_table, peak_rss_gb, targets_line, write_results
from bidopt.bidding import optimize_bids
from bidopt.landscape import BidLandscape

LEVELS = 20


def make_landscape(n: int, levels: int = LEVELS, seed: int = 0) -> BidLandscape:
    """Second-price landscapes with heavy-tailed volume, built block by block."""
    rng = np.random.default_rng(seed)
    z = special.ndtri(np.linspace(0.02, 0.995, levels))
    arrays = {k: np.empty((n, levels)) for k in ("bids", "clicks", "cost", "conversions")}
    block = 65_536
    for start in range(0, n, block):
        m = min(block, n - start)
        sl = slice(start, start + m)
        volume = rng.lognormal(np.log(20.0), 1.7, m)
        ctr = rng.lognormal(np.log(0.025), 0.4, m)
        cvr = rng.lognormal(np.log(0.1), 0.5, m)
        mu = rng.normal(0.8, 0.6, m)
        sigma = rng.uniform(0.45, 0.9, m)
        bids = np.exp(mu[:, None] + sigma[:, None] * z[None, :])
        zz = (np.log(bids) - mu[:, None]) / sigma[:, None]
        clicks = (volume * ctr)[:, None] * special.ndtr(zz)
        cpc_scale = np.exp(mu + sigma**2 / 2)[:, None]
        arrays["bids"][sl] = bids
        arrays["clicks"][sl] = clicks
        arrays["cost"][sl] = (volume * ctr)[:, None] * cpc_scale * special.ndtr(zz - sigma[:, None])
        arrays["conversions"][sl] = clicks * cvr[:, None]
    return BidLandscape(**arrays)


def timed(
    land: BidLandscape, budget: float, repeat: int = 3, **kwargs: object
) -> tuple[float, Any]:
    """Best wall time of ``optimize_bids(land, budget, **kwargs)`` and its plan."""
    best, out = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = optimize_bids(land, budget, **kwargs)  # type: ignore[arg-type]
        best = min(best, time.perf_counter() - start)
    return best, out


_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[2])
from bidding_speed import make_landscape
from _common import peak_rss_gb
from bidopt.bidding import optimize_bids
n = int(sys.argv[1])
land = make_landscape(n)
inputs_gb = sum(a.nbytes for a in (land.bids, land.clicks, land.cost, land.conversions)) / 1e9
budget = 0.3 * float(land.cost[:, -1].sum())
times = []
for _ in range(3):
    start = time.perf_counter()
    plan = optimize_bids(land, budget)
    times.append(time.perf_counter() - start)
print(json.dumps({"n_keywords": n, "dual_seconds": min(times), "peak_rss_gb": peak_rss_gb(),
                  "input_gb": inputs_gb, "relative_gap": plan.relative_gap,
                  "spend_ok": plan.spend <= budget}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument(
        "--lp-limit",
        type=float,
        default=300.0,
        help="skip HiGHS where it would take longer than this (s)",
    )
    args = parser.parse_args()

    speed = []
    last_lp: tuple[int, float] | None = None
    for n in args.sizes:
        land = make_landscape(n, seed=n)
        budget = 0.3 * float(land.cost[:, -1].sum())
        t_dual, dual = timed(land, budget, repeat=10)
        row = {
            "n_keywords": n,
            "levels": LEVELS,
            "dual_seconds": t_dual,
            "dual_relative_gap": dual.relative_gap,
        }
        predicted = None if last_lp is None else last_lp[1] * (n / last_lp[0]) ** 1.5
        if predicted is not None and predicted > args.lp_limit:
            row["lp_seconds"] = float("nan")
            row["note"] = f"lp skipped: predicted {predicted:.0f} s > {args.lp_limit:.0f} s"
        else:
            t_lp, lp = timed(land, budget, repeat=1, method="lp")
            last_lp = (n, t_lp)
            row["lp_seconds"] = t_lp
            row["speedup"] = t_lp / t_dual
            row["gap_to_lp_bound"] = (lp.bound - dual.fun) / lp.bound
            row["bounds_agree"] = abs(lp.bound - dual.bound) <= 1e-6 * lp.bound
        speed.append(row)
        print(json.dumps(row))

    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(args.big), str(Path(__file__).resolve().parent)],
        check=True,
        capture_output=True,
        text=True,
    )
    big = json.loads(child.stdout.strip().splitlines()[-1])
    print(json.dumps(big))

    quality = []
    rng = np.random.default_rng(7)
    for case in range(20):
        land = make_landscape(int(rng.integers(20, 80)), levels=10, seed=1000 + case)
        budget = float(rng.uniform(0.05, 0.8)) * float(land.cost[:, -1].sum())
        dual = optimize_bids(land, budget)
        exact = optimize_bids(land, budget, method="milp")
        quality.append(
            {
                "case": case,
                "n_keywords": land.n_keywords,
                "dual": dual.fun,
                "milp": exact.fun,
                "gap_bound": dual.gap_bound,
                "within_gap_bound": exact.fun <= dual.fun + dual.gap_bound + 1e-9,
                "relative_shortfall": (exact.fun - dual.fun) / exact.fun if exact.fun else 0.0,
            }
        )

    targets = {
        "gap_to_lp_bound_at_10k_plus_le_1e-5": all(
            r["gap_to_lp_bound"] <= 1e-5
            for r in speed
            if r["n_keywords"] >= 10_000 and "gap_to_lp_bound" in r
        )
        and all(r["dual_relative_gap"] <= 1e-5 for r in speed if r["n_keywords"] >= 10_000),
        "speedup_at_10k_ge_5000": any(
            r.get("speedup", 0) >= 5000 for r in speed if r["n_keywords"] == 10_000
        ),
        "dual_1m_under_0.5s": big["dual_seconds"] < 0.5,
        "dual_1m_under_1.2gb": big["peak_rss_gb"] < 1.2,
        "milp_within_gap_bound": all(q["within_gap_bound"] for q in quality),
    }
    md = [
        "# Bid optimisation: speed and quality",
        "",
        markdown_table(
            speed,
            [
                "n_keywords",
                "levels",
                "dual_seconds",
                "lp_seconds",
                "speedup",
                "gap_to_lp_bound",
                "dual_relative_gap",
                "note",
            ],
        ),
        "",
        f"1,000,000 x {LEVELS}: dual {big['dual_seconds']:.3f} s, peak RSS "
        f"{big['peak_rss_gb']:.2f} GB (inputs {big['input_gb']:.2f} GB), relative gap "
        f"{big['relative_gap']:.2e}",
        "",
        f"Small cases vs milp: {sum(q['within_gap_bound'] for q in quality)}/{len(quality)} "
        f"within the reported gap bound; worst relative shortfall "
        f"{max(q['relative_shortfall'] for q in quality):.2e}",
        "",
        targets_line(targets),
    ]
    text = "\n".join(md)
    print(text)
    write_results(
        "bidding_speed",
        {
            "machine": machine(),
            "speed": speed,
            "million": big,
            "quality": quality,
            "targets": targets,
        },
        text,
    )
    print(f"(peak RSS of this process {peak_rss_gb():.2f} GB)")


if __name__ == "__main__":
    main()
