"""Speed and quality of ``optimize_bids(method="dual")`` against the HiGHS references,
on several instance families (each its own row), not only the one the dual was tuned on.

* families (generators below, seeded, independent of ``bidopt.datasets``):
  ``concave`` second-price landscapes; ``s_shaped`` clicks a Weibull CDF of the bid
  (shape 1.2-3) with spend growing like bid**(1-1.2), so the first levels lie below the
  concave hull; ``ties_flat`` a few shared curve shapes times integer volumes (equal
  slopes across keywords), values and costs on coarse grids (repeated points) and
  plateaus where extra cost buys nothing; ``zero_click`` S-shaped rows whose first
  levels buy nothing; ``uneven`` S-shaped rows with 3-20 real levels, padded by
  repeating the last point (``BidLandscape``'s padding);
* speed: dual vs ``lp`` (scipy ``linprog``/HiGHS) at ``--sizes`` keywords x 20 levels in
  the same run (a ratio; dual best of 10, HiGHS once), objective conversions at 30% of
  the total top-level cost, plus clicks at 30% and conversions at 90%;
* dual alone at 1,000,000 x 20 per family, in a fresh subprocess each: best of 3, peak
  RSS including the input arrays;
* quality: dual objective vs the ``milp`` optimum on small cases of every family, and
  the certified gap (``plan.relative_gap``) and the gap to the ``lp`` bound.

Timings on a shared machine are noisy: ratios are taken in the same run and every time is
a best-of-N.  Writes ``results/bidding_speed.json`` and ``.md``.

Usage::

    python benchmarks/bidding_speed.py [--sizes 1000 10000] [--big 1000000] [--lp-limit 120]
        [--families concave s_shaped ...] [--parts speed big quality]

``--families`` and ``--parts`` run a subset: its targets cover only what ran, and it is
written to ``results/bidding_speed_partial.*`` (the full run's files are kept).
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
from bidopt._validation import frozen
from bidopt.bidding import optimize_bids
from bidopt.landscape import BidLandscape

LEVELS = 20
BLOCK = 65_536
FAMILIES = ("concave", "s_shaped", "ties_flat", "zero_click", "uneven")
#: (objective, share of the total top-level cost) measured on every family
CASES = (("conversions", 0.3), ("clicks", 0.3), ("conversions", 0.9))
PARTS = ("speed", "big", "quality")

Rows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _concave(rng: np.random.Generator, m: int, levels: int) -> Rows:
    """Second-price curves (log-normal competitor price), heavy-tailed volume."""
    z = special.ndtri(np.linspace(0.02, 0.995, levels))
    volume = rng.lognormal(np.log(20.0), 1.7, m)
    ctr = rng.lognormal(np.log(0.025), 0.4, m)
    cvr = rng.lognormal(np.log(0.1), 0.5, m)
    mu = rng.normal(0.8, 0.6, m)
    sigma = rng.uniform(0.45, 0.9, m)
    bids = np.exp(mu[:, None] + sigma[:, None] * z[None, :])
    zz = (np.log(bids) - mu[:, None]) / sigma[:, None]
    clicks = (volume * ctr)[:, None] * special.ndtr(zz)
    cpc_scale = np.exp(mu + sigma**2 / 2)[:, None]
    cost = (volume * ctr)[:, None] * cpc_scale * special.ndtr(zz - sigma[:, None])
    return bids, clicks, cost, clicks * cvr[:, None]


def _s_shaped(rng: np.random.Generator, m: int, levels: int) -> Rows:
    """Clicks a Weibull CDF of the bid (shape 1.2-3); spend grows like bid**p (p 1-1.2)
    whatever the clicks, so clicks are S-shaped in the spend too."""
    scale = rng.lognormal(np.log(1.5), 0.5, m)
    shape = rng.uniform(1.2, 3.0, m)
    top = scale * rng.uniform(1.5, 3.0, m)
    bids = top[:, None] * np.linspace(0.05, 1.0, levels)[None, :]
    share = -np.expm1(-((bids / scale[:, None]) ** shape[:, None]))
    volume = rng.lognormal(np.log(2.0), 1.5, m)
    clicks = volume[:, None] * share
    p = rng.uniform(1.0, 1.2, m)
    cost = volume[:, None] * scale[:, None] * 0.6 * (bids / scale[:, None]) ** p[:, None]
    cvr = rng.lognormal(np.log(0.08), 0.5, m)
    return bids, clicks, cost, clicks * cvr[:, None]


def _ties_flat(rng: np.random.Generator, m: int, levels: int) -> Rows:
    """Eight shared curve shapes times integer volumes (equal slopes across keywords),
    clicks on a 0.25 grid and cost on a 0.5 grid (repeated points), and a plateau of
    1-5 levels per row where the cost rises and the clicks do not."""
    bids, clicks, cost, _ = _s_shaped(np.random.default_rng(rng.integers(1 << 32)), 8, levels)
    kind = rng.integers(0, 8, m)
    mult = rng.integers(1, 6, m).astype(float)
    bids = bids[kind]
    clicks = np.round(clicks[kind] * mult[:, None] * 4) / 4
    cost = np.maximum.accumulate(np.round(cost[kind] * mult[:, None] * 2) / 2, axis=1)
    a = rng.integers(0, levels, m)
    b = np.minimum(a + rng.integers(1, 6, m), levels)
    col = np.arange(levels)[None, :]
    frozen = (col >= a[:, None]) & (col < b[:, None])
    base = np.where(a > 0, clicks[np.arange(m), np.maximum(a - 1, 0)], 0.0)
    clicks = np.maximum.accumulate(np.where(frozen, base[:, None], clicks), axis=1)
    cvr = np.where(rng.random(m) < 0.5, 0.1, 0.05)  # shared conversion rates
    return bids, clicks, cost, clicks * cvr[:, None]


def _zero_click(rng: np.random.Generator, m: int, levels: int) -> Rows:
    """S-shaped rows whose first 0-18 levels (bids under the reserve) buy nothing."""
    bids, clicks, cost, conv = _s_shaped(rng, m, levels)
    off = np.arange(levels)[None, :] < rng.integers(0, levels - 1, m)[:, None]
    return bids, np.where(off, 0.0, clicks), np.where(off, 0.0, cost), np.where(off, 0.0, conv)


def _uneven(rng: np.random.Generator, m: int, levels: int) -> Rows:
    """S-shaped rows with 3-20 real levels, padded by repeating the last point."""
    bids, clicks, cost, conv = _s_shaped(rng, m, levels)
    real = rng.integers(3, levels + 1, m)
    col = np.minimum(np.arange(levels)[None, :], real[:, None] - 1)
    rows = np.arange(m)[:, None]
    return bids[rows, col], clicks[rows, col], cost[rows, col], conv[rows, col]


_FAMILY = {
    "concave": _concave,
    "s_shaped": _s_shaped,
    "ties_flat": _ties_flat,
    "zero_click": _zero_click,
    "uneven": _uneven,
}


def make_family(family: str, n: int, levels: int = LEVELS, seed: int = 0) -> BidLandscape:
    """``n`` keywords of ``family``, built block by block.

    The arrays are built here and handed over like the library's own constructors do
    (``frozen``), so the landscape keeps them without a copy and peak memory counts one
    set of inputs; a caller's own arrays are copied once (0.64 GB at 1M x 20 x 4).
    """
    rng = np.random.default_rng(seed)
    arrays = {k: np.empty((n, levels)) for k in ("bids", "clicks", "cost", "conversions")}
    for start in range(0, n, BLOCK):
        m = min(BLOCK, n - start)
        for name, rows in zip(arrays, _FAMILY[family](rng, m, levels), strict=True):
            arrays[name][start : start + m] = rows
    return BidLandscape(**{name: frozen(array) for name, array in arrays.items()})


def make_landscape(n: int, levels: int = LEVELS, seed: int = 0) -> BidLandscape:
    """The concave family (the generator the dual was first tuned on)."""
    return make_family("concave", n, levels, seed)


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
sys.path.insert(0, sys.argv[3])
from bidding_speed import CASES, make_family
from _common import peak_rss_gb
from bidopt.bidding import optimize_bids
family, n = sys.argv[1], int(sys.argv[2])
land = make_family(family, n, seed=1)
inputs_gb = sum(a.nbytes for a in (land.bids, land.clicks, land.cost, land.conversions)) / 1e9
total = float(land.cost[:, -1].sum())
rows = []
for objective, share in CASES:
    budget = share * total
    times = []
    for _ in range(3):
        start = time.perf_counter()
        plan = optimize_bids(land, budget, objective=objective)
        times.append(time.perf_counter() - start)
    rows.append({"family": family, "n_keywords": n, "objective": objective, "budget_share": share,
                 "dual_seconds": min(times), "relative_gap": plan.relative_gap,
                 "spend_ok": bool(plan.spend <= budget), "success": bool(plan.success)})
print(json.dumps({"rows": rows, "peak_rss_gb": peak_rss_gb(), "input_gb": inputs_gb}))
"""


def _speed_row(
    family: str, n: int, objective: str, share: float, lp_limit: float, last_lp: dict[int, float]
) -> dict[str, Any]:
    land = make_family(family, n, seed=n)
    budget = share * float(land.cost[:, -1].sum())
    t_dual, dual = timed(land, budget, repeat=10, objective=objective)
    row: dict[str, Any] = {
        "family": family,
        "n_keywords": n,
        "objective": objective,
        "budget_share": share,
        "dual_seconds": t_dual,
        "dual_relative_gap": dual.relative_gap,
        "dual_success": bool(dual.success),
    }
    smaller = [k for k in last_lp if k < n]
    predicted = None
    if smaller:
        k = max(smaller)
        predicted = last_lp[k] * (n / k) ** 1.5
    if predicted is not None and predicted > lp_limit:
        row["lp_seconds"] = float("nan")
        row["note"] = f"lp skipped: predicted {predicted:.0f} s > {lp_limit:.0f} s"
        return row
    t_lp, lp = timed(land, budget, repeat=1, method="lp", objective=objective)
    last_lp[n] = max(last_lp.get(n, 0.0), t_lp)
    row["lp_seconds"] = t_lp
    row["speedup"] = t_lp / t_dual
    row["gap_to_lp_bound"] = (lp.bound - dual.fun) / lp.bound
    row["bounds_agree"] = bool(abs(lp.bound - dual.bound) <= 1e-6 * lp.bound)
    return row


def _kernels_note() -> str:
    """Which hull/selection code ran: numba's compiled kernels or the numpy path."""
    import importlib.util
    import os

    if importlib.util.find_spec("numba") is None:
        return "numpy path (numba not installed)"
    if os.environ.get("BIDOPT_NUMBA", "1") == "0":
        return "numpy path (BIDOPT_NUMBA=0)"
    import numba

    from bidopt.bidding import _threads

    n = _threads.threads()
    return (
        f"compiled kernels (numba {numba.__version__}); hulls of landscapes of "
        f">= {_threads.MIN_POINTS:,} points on {n} thread{'s' if n != 1 else ''} "
        "(BIDOPT_THREADS; HiGHS runs on one)"
    )


def _load() -> str:
    """The 1/5/15-minute load averages (a shared machine inflates every wall time)."""
    import os

    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--families", nargs="+", default=list(FAMILIES), choices=FAMILIES)
    parser.add_argument(
        "--parts",
        nargs="+",
        default=list(PARTS),
        choices=PARTS,
        help="speed: dual vs HiGHS at --sizes; big: dual alone at --big; quality: vs milp",
    )
    parser.add_argument(
        "--lp-limit",
        type=float,
        default=120.0,
        help="skip HiGHS where it would take longer than this (s)",
    )
    args = parser.parse_args()
    load_start = _load()

    speed = []
    for family in args.families if "speed" in args.parts else ():
        last_lp: dict[int, float] = {}
        for n in args.sizes:
            for objective, share in CASES:
                row = _speed_row(family, n, objective, share, args.lp_limit, last_lp)
                speed.append(row)
                print(json.dumps(row), flush=True)

    big = []
    for family in args.families if "big" in args.parts else ():
        child = subprocess.run(
            [
                sys.executable,
                "-c",
                _CHILD,
                family,
                str(args.big),
                str(Path(__file__).resolve().parent),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        out = json.loads(child.stdout.strip().splitlines()[-1])
        for row in out["rows"]:
            row["peak_rss_gb"] = out["peak_rss_gb"]
            row["input_gb"] = out["input_gb"]
            big.append(row)
            print(json.dumps(row), flush=True)

    quality = []
    rng = np.random.default_rng(7)
    for family in args.families if "quality" in args.parts else ():
        for case in range(12):
            land = make_family(family, int(rng.integers(20, 80)), levels=10, seed=1000 + case)
            objective = "clicks" if case % 3 == 1 else "conversions"
            budget = float(rng.uniform(0.05, 0.95)) * float(land.cost[:, -1].sum())
            dual = optimize_bids(land, budget, objective=objective)
            exact = optimize_bids(land, budget, objective=objective, method="milp")
            quality.append(
                {
                    "family": family,
                    "case": case,
                    "n_keywords": land.n_keywords,
                    "dual": dual.fun,
                    "milp": exact.fun,
                    "gap_bound": dual.gap_bound,
                    "within_gap_bound": exact.fun <= dual.fun + dual.gap_bound + 1e-9,
                    "relative_shortfall": (exact.fun - dual.fun) / exact.fun if exact.fun else 0.0,
                }
            )

    ten_k = [r for r in speed if r["n_keywords"] == 10_000]
    per_family: dict[str, dict[str, bool]] = {}
    for family in args.families:  # targets only for the parts that ran
        checks: dict[str, bool] = {}
        if speed:
            checks["speedup_at_10k_ge_5000"] = bool(ten_k) and all(
                r.get("speedup", 0.0) >= 5000 for r in ten_k if r["family"] == family
            )
            checks["gap_le_1e-5"] = all(
                r["dual_relative_gap"] <= 1e-5 and r.get("gap_to_lp_bound", 0.0) <= 1e-5
                for r in speed
                if r["family"] == family and r["n_keywords"] >= 10_000
            )
        if big:
            checks["dual_1m_under_0.5s"] = all(
                r["dual_seconds"] < 0.5 for r in big if r["family"] == family
            )
            checks["dual_1m_under_1.2gb"] = all(
                r["peak_rss_gb"] < 1.2 for r in big if r["family"] == family
            )
        per_family[family] = checks
    targets = {
        f"{family}:{name}": met
        for family, checks in per_family.items()
        for name, met in checks.items()
    }
    if quality:
        targets["milp_within_gap_bound"] = all(q["within_gap_bound"] for q in quality)
    quality_line = (
        f"Small cases vs milp: {sum(q['within_gap_bound'] for q in quality)}/{len(quality)} "
        f"within the reported gap bound; worst relative shortfall "
        f"{max(q['relative_shortfall'] for q in quality):.2e}"
        if quality
        else "Small cases vs milp: not run (--parts)."
    )
    md = [
        "# Bid optimisation: speed and quality on five instance families",
        "",
        "Dual vs HiGHS `linprog` in the same run (dual best of 10, HiGHS once); "
        "budget = share x total top-level cost.",
        "",
        f"Dual: {_kernels_note()}. Load average (1/5/15 min) at the start {load_start}, "
        f"at the end {_load()} on {machine()['cpus']} CPUs.",
        "",
        markdown_table(
            speed,
            [
                "family",
                "n_keywords",
                "objective",
                "budget_share",
                "dual_seconds",
                "lp_seconds",
                "speedup",
                "gap_to_lp_bound",
                "dual_relative_gap",
                "note",
            ],
        ),
        "",
        f"{args.big:,} x {LEVELS}, one fresh subprocess per family (best of 3; peak RSS "
        "includes the input arrays):",
        "",
        markdown_table(
            big,
            [
                "family",
                "objective",
                "budget_share",
                "dual_seconds",
                "peak_rss_gb",
                "input_gb",
                "relative_gap",
                "spend_ok",
            ],
        ),
        "",
        quality_line,
        "",
        targets_line(targets),
    ]
    text = "\n".join(md)
    print(text)
    full = (
        set(args.parts) == set(PARTS)
        and set(args.families) == set(FAMILIES)
        and args.sizes == [1_000, 10_000]
        and args.big == 1_000_000
    )
    write_results(
        "bidding_speed" if full else "bidding_speed_partial",  # a subset keeps the full run
        {
            "machine": {**machine(), "load_start": load_start, "load_end": _load()},
            "dual_code": _kernels_note(),
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
