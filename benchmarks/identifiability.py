"""Plans that know what the log cannot tell (issue #23), scored on the synthetic truth.

Regimes: 60 / 500 / 5,000 keywords x 7 / 28 days x constant / low / normal bid
variation, several seeds each.  Per run: a synthetic account (its truth and today's
bids), a log of ``days`` days whose bids are today's (constant), move by a log-sd of 0.05
(low) or 0.3 (normal, the generator's own) on about a third of the keywords a day; the
budget is the true expected spend of today's bids.  Scored on the truth:

* the default plan (``optimize_bids(estimate, budget)``: trust region and no-loss guard)
  against today's bids: true orders and true spend / budget;
* whether the plan's 80% orders range covers its true expected orders;
* whether estimating raised the IdentifiabilityWarning;
* the oracle (the true landscape optimised at the plan's own true spend) and the share
  of its orders the plan keeps; the unguarded plan (``safe=False``) beside it;
* constant-bid logs: the bid-test backtest (``design_bid_test``, 14 days, then planning
  again on the longer log) against planning from the constant log alone.

Speed: ``estimate_landscapes`` + ``optimize_bids`` at 100,000 keywords x 28 days (normal
variation), this tree against a worktree of the starting commit (``--base``), CPU time,
best of 2, fresh subprocesses in the same run.

Writes ``results/identifiability.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, markdown_table, targets_line, write_results
from bidopt.bidding import optimize_bids
from bidopt.datasets import KeywordLog, SearchAccount, make_search_account
from bidopt.exceptions import IdentifiabilityWarning
from bidopt.landscape import BidLandscape, design_bid_test, estimate_landscapes

VARIATION = {"constant": 0.0, "low": 0.05, "normal": 0.3}


def make_log(account: SearchAccount, days: int, spread: float, seed: int) -> KeywordLog:
    """``days`` days of the account from day 0; bids move by a log-sd ``spread``."""
    today = account.current_bids
    if spread == 0:
        return account.simulate(today, n_days=days, first_day=0, rng=seed)
    gen = np.random.default_rng(seed)
    bid, logs = today.copy(), []
    for day in range(days):
        move = gen.random(today.size) < (1.0 if day == 0 else 0.35)
        proposal = np.clip(np.round(today * gen.lognormal(0.0, spread, today.size), 2), 0.05, 99)
        bid = np.where(move, proposal, bid)
        logs.append(account.simulate(bid, n_days=1, first_day=day, rng=gen))
    return KeywordLog.concat(logs)


def oracle_orders(account: SearchAccount, spend: float) -> float:
    """Orders of the true landscape optimised at ``spend`` (40 levels per keyword)."""
    truth = account.truth
    z = np.linspace(-2.5, 3.0, 40)
    grid = np.clip(np.exp(truth.price_mu[:, None] + truth.price_sigma[:, None] * z), 0.05, 99)
    exp = truth.expected(grid)
    land = BidLandscape(
        bids=grid,
        clicks=np.maximum.accumulate(exp.clicks, axis=1),
        cost=np.maximum.accumulate(exp.cost, axis=1),
        conversions=np.maximum.accumulate(exp.clicks, axis=1) * truth.cvr[:, None],
    )
    return float(optimize_bids(land, spend).conversions)


def in_account_order(account: SearchAccount, keywords: Any, bids: Any) -> Any:
    """Bids of the estimate's rows put in the account's keyword order (by keyword)."""
    position = {k: i for i, k in enumerate(account.keywords.tolist())}
    out = np.zeros(account.n_keywords)
    out[[position[k] for k in keywords.tolist()]] = bids
    return out


def estimate(log: KeywordLog) -> tuple[Any, bool]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = estimate_landscapes(log)
    return est, any(issubclass(w.category, IdentifiabilityWarning) for w in caught)


def run(n: int, days: int, variation: str, seed: int, backtest: bool) -> dict[str, Any]:
    account = make_search_account(n, n_days=1, rng=seed)
    truth, today = account.truth, account.current_bids
    now = truth.expected(today).totals()
    budget = now["cost"]
    log = make_log(account, days, VARIATION[variation], 1000 + seed)
    est, warned = estimate(log)
    # today's bids, keyed by keyword (the log's last day differs when bids moved)
    current = dict(zip(account.keywords.tolist(), today.tolist(), strict=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IdentifiabilityWarning)
        plan = optimize_bids(est, budget, current_bids=current)
        loose = optimize_bids(est, budget, current_bids=current, safe=False)
    kw = est.landscapes.keywords
    got = truth.expected(in_account_order(account, kw, plan.bids)).totals()
    got_loose = truth.expected(in_account_order(account, kw, loose.bids)).totals()
    assert plan.ranges is not None
    lo, hi = plan.ranges.interval("conversions")
    slo, shi = plan.ranges.interval("spend")
    row: dict[str, Any] = {
        "n_keywords": n,
        "days": days,
        "variation": variation,
        "seed": seed,
        "warned": warned,
        "today_orders": now["conversions"],
        "plan_orders": got["conversions"],
        "plan_claim": plan.conversions,
        "orders_lo": lo,
        "orders_hi": hi,
        "covered": bool(lo <= got["conversions"] <= hi),
        "spend_ratio": got["cost"] / budget,
        "spend_covered": bool(slo <= got["cost"] <= shi),
        "trust_scale": plan.ranges.trust_scale,
        "loose_orders": got_loose["conversions"],
        "loose_spend_ratio": got_loose["cost"] / budget,
        "oracle_share": got["conversions"] / oracle_orders(account, got["cost"]),
        "success": plan.success,
    }
    if backtest:
        test = design_bid_test(est, n_days=14)
        assert np.array_equal(test.keywords, account.keywords)  # one simulate: same order
        gen = np.random.default_rng(2000 + seed)
        test_logs = [
            account.simulate(test.bids(d), n_days=1, first_day=days + d, rng=gen)
            for d in range(test.n_days)
        ]
        during = np.mean([truth.expected(test.bids(d)).totals()["conversions"] for d in range(14)])
        est2, _ = estimate(KeywordLog.concat([log, *test_logs]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", IdentifiabilityWarning)
            plan2 = optimize_bids(est2, budget, current_bids=current)
        after = truth.expected(
            in_account_order(account, est2.landscapes.keywords, plan2.bids)
        ).totals()
        row.update(
            test_orders_per_day=during,
            after_test_orders=after["conversions"],
            after_test_spend_ratio=after["cost"] / budget,
            test_lift=after["conversions"] / got["conversions"] - 1.0,
        )
    return row


_CHILD = r"""
import sys, time, warnings
warnings.simplefilter("ignore")
from bidopt.bidding import optimize_bids
from bidopt.datasets import make_search_account
from bidopt.landscape import estimate_landscapes
account = make_search_account(int(sys.argv[1]), n_days=28, rng=3)
budget = account.expected().totals()["cost"]
best = float("inf")
for _ in range(2):
    t = time.process_time()
    est = estimate_landscapes(account.log)
    # today's tree plans on the estimate (draws, trust region); the start commit took
    # only the landscape
    plan = optimize_bids(est if getattr(est, "draws", None) is not None else est.landscapes, budget)
    best = min(best, time.process_time() - t)
print(best)
"""


def speed(n: int, base: str | None) -> dict[str, float]:
    here = str(Path(__file__).resolve().parents[1] / "src")
    out = {}
    for name, path in (("new", here), ("base", base)):
        if path is None:
            continue
        env = dict(os.environ, PYTHONPATH=path)
        res = subprocess.run(
            [sys.executable, "-c", _CHILD, str(n)], env=env, capture_output=True, text=True
        )
        if res.returncode != 0:
            raise RuntimeError(res.stderr)
        out[name] = float(res.stdout.strip().splitlines()[-1])
    return out


def _mean_se(values: list[float]) -> tuple[float, float]:
    """Mean and standard error (ddof=1) of ``values``; se is nan for one value."""
    se = float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else float("nan")
    return float(np.mean(values)), se


def lift_subset(
    rows: list[dict[str, Any]], first: int, n_subset: int, n_seeds: int
) -> list[dict[str, Any]]:
    """Bid-test lift per constant-bid cell over every seed and over the first ``n_subset``.

    Empty unless ``0 < n_subset < n_seeds``.  Only reported: the criteria use every seed.
    """
    if not 0 < n_subset < n_seeds:
        return []
    out = []
    cells = sorted({(r["n_keywords"], r["days"]) for r in rows if "test_lift" in r})
    for n, days in cells:
        rs = [r for r in rows if (r["n_keywords"], r["days"]) == (n, days) and "test_lift" in r]
        every = _mean_se([r["test_lift"] for r in rs])
        sub = _mean_se([r["test_lift"] for r in rs if r["seed"] < first + n_subset])
        out.append(
            {
                "keywords": n,
                "days": days,
                "runs": len(rs),
                "test lift": every[0],
                "test lift se": every[1],
                f"runs (first {n_subset})": sum(r["seed"] < first + n_subset for r in rs),
                f"test lift (first {n_subset})": sub[0],
                f"test lift se (first {n_subset})": sub[1],
            }
        )
    return out


def subset_lines(
    subset: list[dict[str, Any]], first: int, n_subset: int, n_seeds: int
) -> list[str]:
    """The markdown paragraph and table for :func:`lift_subset` (nothing when empty)."""
    if not subset:
        return []
    smallest = min(c["keywords"] for c in subset)
    ses = [c[f"test lift se (first {n_subset})"] for c in subset if c["keywords"] == smallest]
    return [
        f"Bid-test lift over seeds {first}-{first + n_seeds - 1} and over their first "
        f"{n_subset} (seeds {first}-{first + n_subset - 1}). This run over "
        f"{n_seeds} seeds in every cell was pre-registered (seeds, settings and criteria fixed "
        f"before any result; reported whatever it shows) because at {n_subset} seeds the "
        f"lift's standard error at {smallest} keywords was "
        f"{100 * min(ses):.1f}-{100 * max(ses):.1f} points (target: a lift >= 3%). "
        f"The first {n_subset} seeds' columns come from this same run (same library).",
        "",
        markdown_table(subset, list(subset[0])),
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="60,500,5000")
    parser.add_argument("--days", default="7,28")
    parser.add_argument("--seeds", type=int, default=10, help="runs per cell")
    parser.add_argument(
        "--first-seed",
        type=int,
        default=0,
        help="seeds first-seed.. (the reported run uses 0..; settings were chosen on 100..)",
    )
    parser.add_argument(
        "--cells", default=None, help="only these cells, e.g. 5000x7xnormal,500x28xlow"
    )
    parser.add_argument("--no-write", action="store_true", help="print, do not write results")
    parser.add_argument("--rows", default=None, help="also write every run's row (JSON) here")
    parser.add_argument("--speed-keywords", type=int, default=100_000)
    parser.add_argument("--base", default=None, help="src/ of a worktree of the start commit")
    parser.add_argument(
        "--subset-seeds",
        type=int,
        default=0,
        help="also report the bid-test lift over the first N seeds (a pre-registered longer "
        "run beside the shorter run it extends); the criteria use every seed",
    )
    args = parser.parse_args()
    timing = speed(args.speed_keywords, args.base) if args.speed_keywords else {}
    print(f"speed: {timing}", flush=True)
    rows = []
    t0 = time.time()
    wanted = None if args.cells is None else set(args.cells.split(","))
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    for n in (int(s) for s in args.sizes.split(",")):
        for days in (int(d) for d in args.days.split(",")):
            for variation in VARIATION:
                if wanted is not None and f"{n}x{days}x{variation}" not in wanted:
                    continue
                for seed in seeds:
                    rows.append(run(n, days, variation, seed, backtest=variation == "constant"))
                print(f"{n} kw x {days} d {variation}: {time.time() - t0:.0f} s", flush=True)
    cells = []
    for n in sorted({r["n_keywords"] for r in rows}):
        for days in sorted({r["days"] for r in rows}):
            for variation in VARIATION:
                rs = [
                    r
                    for r in rows
                    if (r["n_keywords"], r["days"], r["variation"]) == (n, days, variation)
                ]
                if not rs:
                    continue
                cell = {
                    "keywords": n,
                    "days": days,
                    "bids": variation,
                    "runs": len(rs),
                    "orders vs today": float(
                        np.mean([r["plan_orders"] / r["today_orders"] - 1 for r in rs])
                    ),
                    "runs >= today": sum(r["plan_orders"] >= r["today_orders"] for r in rs),
                    "spend/budget": float(np.mean([r["spend_ratio"] for r in rs])),
                    "max spend/budget": float(np.max([r["spend_ratio"] for r in rs])),
                    "covered": float(np.mean([r["covered"] for r in rs])),
                    "warned": sum(r["warned"] for r in rs),
                    "oracle share": float(np.mean([r["oracle_share"] for r in rs])),
                    "unsafe vs today": float(
                        np.mean([r["loose_orders"] / r["today_orders"] - 1 for r in rs])
                    ),
                    "unsafe spend/budget": float(np.mean([r["loose_spend_ratio"] for r in rs])),
                    "test lift": float(np.mean([r["test_lift"] for r in rs]))
                    if "test_lift" in rs[0]
                    else float("nan"),
                    "test lift se": float(
                        np.std([r["test_lift"] for r in rs], ddof=1) / np.sqrt(len(rs))
                    )
                    if "test_lift" in rs[0] and len(rs) > 1
                    else float("nan"),
                    "test days vs today": float(
                        np.mean([r["test_orders_per_day"] / r["today_orders"] - 1 for r in rs])
                    )
                    if "test_lift" in rs[0]
                    else float("nan"),
                }
                misses = [
                    name
                    for name, ok in (
                        ("orders", cell["orders vs today"] >= 0),
                        ("spend", cell["spend/budget"] <= 1.02),
                        ("coverage", cell["covered"] >= 0.75),
                        ("warning", variation != "constant" or cell["warned"] == len(rs)),
                    )
                    if not ok
                ]
                cell["pass"] = not misses
                cell["misses"] = ", ".join(misses) or "-"
                cells.append(cell)
    big = [c for c in cells if c["keywords"] == 5000 and c["days"] == 28 and c["bids"] == "normal"]
    lifts = [c["test lift"] for c in cells if c["bids"] == "constant"]
    targets = {
        "every_cell": all(c["pass"] for c in cells),
        "oracle_95": bool(big) and big[0]["oracle share"] >= 0.95,
        "bid_test_lift_3pct": bool(lifts) and min(lifts) >= 0.03,
        "speed_2x": "base" in timing and timing["new"] <= 2 * timing["base"],
    }
    columns = list(cells[0]) if cells else []
    subset = lift_subset(rows, args.first_seed, args.subset_seeds, len(seeds))
    md = [
        "# Identifiability, ranges and the safe default (issue #23)",
        "",
        "Mean over runs per cell; `orders vs today` and `spend/budget` on the truth; "
        "`covered`: share of runs whose 80% orders range holds the true expected orders; "
        "`warned`: runs whose estimate raised IdentifiabilityWarning; `oracle share`: the "
        "plan's true orders over the true optimum at the plan's true spend; `unsafe`: "
        "`safe=False`; `test lift`: true orders of the plan after a 14-day bid test over "
        "the plan from the constant-bid log alone (`test lift se`: its standard error over the "
        "cell's runs); `test days vs today`: true orders per "
        "day during the test against today's bids. A cell passes when its mean orders are "
        ">= today's, its mean true spend <= 1.02 x budget, coverage >= 75% and (constant "
        "bids) every run warned; `misses` names the criteria a cell fails. `runs >= today` "
        "and `max spend/budget` show the runs behind the means.",
        "",
        markdown_table(cells, columns),
        "",
        *subset_lines(subset, args.first_seed, args.subset_seeds, len(seeds)),
        f"Speed at {args.speed_keywords:,} keywords x 28 days (CPU s, best of 2, estimate + "
        f"plan): {timing}",
        "",
        targets_line(targets),
    ]
    if args.rows:
        Path(args.rows).write_text(json.dumps(rows, indent=1, default=float))
    if args.no_write:
        print("\n".join(md))
        return
    write_results(
        "identifiability",
        {
            "machine": machine(),
            "cells": cells,
            "runs": rows,
            "speed": timing,
            "targets": targets,
            "lift_subset": subset,
        },
        "\n".join(md),
    )
    print("\n".join(md))


if __name__ == "__main__":
    main()
