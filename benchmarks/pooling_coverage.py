"""Coverage of pool_rates' 90% intervals by simulation, per design.

True rates are drawn from a Beta (per unit, or per group then per unit), counts are
binomial; a design's coverage is the share of true rates inside their intervals over
all units and seeds (units other than the dominant one are reported apart).  Point
error: RMSE of the posterior means relative to the mean true rate.

    python benchmarks/pooling_coverage.py --label after [--first 1000 --seeds 200]

merges its rows under ``--label`` into ``results/pooling_coverage.json`` and renders
``results/pooling_coverage.md`` from every label there (run the before side with
``PYTHONPATH=<worktree of the old commit>/src``).  Seeds 0-99 were used to choose the
method's settings (0-39 for the leave-one-out strength fit of session 20 and the
many-small-groups designs ``many_*``, ``logit*``; 3000-3199 for session 21's J-shaped
intervals, which start at 0); 1000-1199 are the held-out ones reported.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import labelled_run, machine, markdown_table, write_results
from bidopt.grouping import pool_rates

DESIGNS = {
    "balanced": "40 units, rates Beta(2, 60), 100-300 trials each",
    "dominant10": "40 units, Beta(2, 60), 0-300 trials; one unit 6,000",
    "dominant100": "as dominant10, the one unit 60,000 trials",
    "dominant1000": "as dominant10, the one unit 600,000 trials",
    "tiny": "2,000 units, Beta(2, 20), Poisson(2) trials",
    "few": "6 units, Beta(4, 40), 20-200 trials",
    "near0": "60 units, Beta(1.2, 800), 0-3,000 trials",
    "near1": "60 units, Beta(80, 1.3), 0-100 trials",
    "hier_bal": "10 groups (Beta(2, 60)) x 15 units (strength 100), 0-300 trials",
    "hier_dom": "as hier_bal, one unit 200,000 trials",
    "many_j": "30 groups (Beta(0.9, 29.1): J-shaped) x 8 units (strength 30), 50 trials",
    "many_s30": "30 groups (Beta(2, 60)) x 8 units (strength 30), 50 trials",
    "many_s100": "as many_s30, strength 100",
    "many_s300": "as many_s30, strength 300",
    "logit200": "30 groups (logit-normal, mean logit 0.03, sd 0.7) x 8 units (strength 200), "
    "log-normal trials (median 60, sd of log 1)",
    "logit300": "as logit200, strength 300",
}


def simulate(name: str, rng: np.random.Generator) -> tuple[Any, Any, Any, list[Any]]:
    """Successes, trials, true rates and levels of one simulated account."""
    levels: list[Any] = []
    if name.startswith(("many", "logit")):
        return _many_small_groups(name, rng)
    if name == "balanced":
        p, n = rng.beta(2, 60, 40), rng.integers(100, 300, 40).astype(float)
    elif name.startswith("dominant"):
        p, n = rng.beta(2, 60, 40), rng.integers(0, 300, 40).astype(float)
        n[0] = 600.0 * int(name[8:])
    elif name == "tiny":
        p, n = rng.beta(2, 20, 2000), rng.poisson(2, 2000).astype(float)
    elif name == "few":
        p, n = rng.beta(4, 40, 6), rng.integers(20, 200, 6).astype(float)
    elif name == "near0":
        p, n = rng.beta(1.2, 800, 60), rng.integers(0, 3000, 60).astype(float)
    elif name == "near1":
        p, n = rng.beta(80, 1.3, 60), rng.integers(0, 100, 60).astype(float)
    else:
        group_rate = rng.beta(2, 60, 10)
        group = np.repeat(np.arange(10), 15)
        p = rng.beta(group_rate[group] * 100, (1 - group_rate[group]) * 100)
        n = rng.integers(0, 300, p.size).astype(float)
        if name == "hier_dom":
            n[0] = 200_000.0
        levels = [group]
    x = rng.binomial(n.astype(int), p).astype(float)
    return x, n, p, levels


def _many_small_groups(name: str, rng: np.random.Generator) -> tuple[Any, Any, Any, list[Any]]:
    """Many small groups (30 x 8 units), the case where the units' strength is barely
    identified and the group's rate is fitted to the same few units' trials."""
    group = np.repeat(np.arange(30), 8)
    if name == "many_j":
        strength, group_rate = 30.0, rng.beta(0.9, 29.1, 30)
        n = np.full(group.size, 50.0)
    elif name.startswith("many_s"):
        strength, group_rate = float(name[6:]), rng.beta(2, 60, 30)
        n = np.full(group.size, 50.0)
    else:
        strength = float(name[5:])
        group_rate = 1.0 / (1.0 + np.exp(-rng.normal(np.log(0.03 / 0.97), 0.7, 30)))
        n = np.floor(rng.lognormal(np.log(60.0), 1.0, group.size))
    m = group_rate[group]
    p = rng.beta(m * strength, (1 - m) * strength)
    x = rng.binomial(n.astype(int), p).astype(float)
    return x, n, p, [group]


def run(first: int, seeds: int) -> list[dict[str, Any]]:
    rows = []
    for name, what in DESIGNS.items():
        cover, others, width, error = [], [], [], []
        t0 = time.process_time()
        for seed in range(first, first + seeds):
            x, n, p, levels = simulate(name, np.random.default_rng(seed))
            pooled = pool_rates(x, n, levels)
            inside = (pooled.lower <= p) & (p <= pooled.upper)
            cover.append(inside.mean())
            others.append(inside[1:].mean() if "dom" in name else inside.mean())
            width.append(np.mean(pooled.upper - pooled.lower) / np.mean(p))
            error.append(np.mean((pooled.mean - p) ** 2) / np.mean(p) ** 2)
        rows.append(
            {
                "design": name,
                "what": what,
                "coverage": float(np.mean(cover)),
                "coverage_others": float(np.mean(others)),
                "relative_width": float(np.mean(width)),
                "relative_rmse": float(np.sqrt(np.mean(error))),
                "cpu_s": time.process_time() - t0,
            }
        )
        print(rows[-1])
    return rows


def main() -> None:
    args, payload = labelled_run("pooling_coverage", 1000, "seeds", 200)
    payload["runs"][args.label] = {
        "seeds": [args.first, args.first + args.seeds - 1],
        "note": args.note,
        "machine": machine(),
        "rows": run(args.first, args.seeds),
    }
    lines = [
        "# pool_rates: coverage of 90% intervals (simulation)",
        "",
        "`python benchmarks/pooling_coverage.py --label <label>`; target 0.88-0.92 per design.",
        "Coverage: share of true rates inside their intervals over all units and seeds",
        "(`others`: units other than the dominant one).  Width: mean interval width over the",
        "mean true rate.  RMSE of the point estimates over the mean true rate.",
        "",
        markdown_table([{"design": k, "what": v} for k, v in DESIGNS.items()], ["design", "what"]),
    ]
    for label, entry in payload["runs"].items():
        lines += [
            "",
            f"## {label}: seeds {entry['seeds'][0]}-{entry['seeds'][1]} {entry['note']}",
            "",
            markdown_table(
                entry["rows"],
                ["design", "coverage", "coverage_others", "relative_width", "relative_rmse"],
            ),
        ]
    write_results("pooling_coverage", payload, "\n".join(lines))


if __name__ == "__main__":
    main()
