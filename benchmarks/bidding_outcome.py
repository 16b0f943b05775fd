"""Outcome of bid optimisation on the synthetic account, evaluated on the true landscapes.

Bids are optimised on landscapes *estimated* from the 28-day log
(:func:`bidopt.landscape.estimate_landscapes`) and evaluated on the account's *true*
landscapes, against

(a) the merchant's current bids,
(b) the best single uniform bid,
(c) the oracle: bids optimised on the true landscapes,

all at the same true spend as the current bids.  Also: bids that buy the current click
volume at the least cost (objective ``clicks``), compared on CPC and CTR; and the
estimator's error against the truth.  Writes ``results/bidding_outcome.json``.

Usage::

    python benchmarks/bidding_outcome.py [--keywords 10000] [--seed 2026]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import optimize, special

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, markdown_table, outcome, targets_line, write_results
from bidopt.bidding import optimize_bids
from bidopt.datasets import SearchAccount, make_search_account
from bidopt.landscape import BidLandscape, estimate_landscapes, landscape_error

MAX_CPC = 22.0


def match(
    metric: Callable[[float], float], goal: float, low: float, high: float, *, reach: bool
) -> float:
    """Bisection on an increasing ``metric``: the least argument whose metric reaches
    ``goal`` (``reach=True``), or the largest whose metric stays at or under it."""
    while metric(high) < goal and high < 1e9:
        high *= 2
    for _ in range(60):
        mid = 0.5 * (low + high)
        if metric(mid) < goal:
            low = mid
        else:
            high = mid
        if high - low <= 1e-7 * high:
            break
    return high if reach else low


def true_landscape(account: SearchAccount, levels: int = 30) -> BidLandscape:
    truth = account.truth
    z = special.ndtri(np.linspace(0.005, 0.999, levels))
    grid = np.exp(truth.price_mu[:, None] + truth.price_sigma[:, None] * z[None, :])
    grid = np.clip(np.round(grid, 2), 0.05, 99.0)
    return BidLandscape.from_expected(grid, truth.expected(grid), account.keywords)


def row(name: str, account: SearchAccount, bids: np.ndarray) -> dict[str, float | str]:
    t = account.truth.expected(bids).totals()
    return {"strategy": name, **outcome(t), "impressions": t["impressions"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keywords", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    start = time.perf_counter()
    account = make_search_account(args.keywords, rng=args.seed)
    estimated = estimate_landscapes(account.log).landscapes
    truth_at_grid = BidLandscape.from_expected(
        estimated.bids, account.truth.expected(estimated.bids)
    )
    errors = landscape_error(estimated, truth_at_grid)
    oracle_land = true_landscape(account)
    current = row("current bids", account, account.current_bids)
    spend = float(current["spend"])

    def true_spend_of(budget: float) -> float:
        plan = optimize_bids(estimated, budget, max_cpc=MAX_CPC)
        return float(account.truth.expected(plan.bids).totals()["cost"])

    budget = match(true_spend_of, spend, 0.0, spend, reach=False)
    bidopt_bids = optimize_bids(estimated, budget, max_cpc=MAX_CPC).bids
    oracle_bids = optimize_bids(oracle_land, spend, max_cpc=MAX_CPC).bids
    n = account.n_keywords

    def uniform_spend(bid: float) -> float:
        return float(account.truth.expected(np.full(n, bid)).totals()["cost"])

    uniform = optimize.brentq(lambda b: uniform_spend(b) - spend, 0.01, 99.0, xtol=1e-9)
    rows = [
        current,
        row("best uniform bid", account, np.full(n, uniform)),
        row("bidopt (estimated landscapes)", account, bidopt_bids),
        row("oracle (true landscapes)", account, oracle_bids),
    ]
    share_of_oracle = float(rows[2]["conversions"]) / float(rows[3]["conversions"])

    clicks_goal = float(current["clicks"])

    def true_clicks_of(budget: float) -> float:
        plan = optimize_bids(estimated, budget, objective="clicks", max_cpc=MAX_CPC)
        return float(account.truth.expected(plan.bids).totals()["clicks"])

    click_budget = match(true_clicks_of, clicks_goal, 0.0, spend, reach=True)
    click_bids = optimize_bids(estimated, click_budget, objective="clicks", max_cpc=MAX_CPC).bids
    same_clicks = row("bidopt, current clicks at least cost", account, click_bids)
    cpc_cut = 1.0 - float(same_clicks["cpc"]) / float(current["cpc"])
    ctr_ratio = float(same_clicks["ctr"]) / float(current["ctr"])

    targets = {
        "conversions_ge_95pct_of_oracle": share_of_oracle >= 0.95,
        "cpc_at_least_22pct_lower_at_current_clicks": cpc_cut >= 0.22,
        "ctr_no_lower": ctr_ratio >= 1.0,
    }
    columns = ["strategy", "spend", "clicks", "conversions", "cpa", "cpc", "ctr"]
    text = "\n".join(
        [
            f"# Bid optimisation outcome: synthetic account, {n:,} keywords (seed {args.seed})",
            "",
            "Same true spend as the current bids (daily, yuan); CPC cap 22 yuan.",
            "",
            markdown_table(rows, columns),
            "",
            f"bidopt gets {share_of_oracle:.1%} of the oracle's conversions.",
            "",
            "At the current click volume:",
            "",
            markdown_table([current, same_clicks], columns),
            "",
            f"CPC {cpc_cut:.1%} lower than the current bids; CTR ratio {ctr_ratio:.3f}.",
            "",
            "Estimated vs true landscapes (volume-weighted absolute error at the estimated grid): "
            + ", ".join(f"{k} {v:.1%}" for k, v in errors.items()),
            "",
            targets_line(targets),
            f"({time.perf_counter() - start:.1f} s)",
        ]
    )
    print(text)
    write_results(
        "bidding_outcome",
        {
            "machine": machine(),
            "keywords": n,
            "seed": args.seed,
            "same_spend": rows,
            "share_of_oracle": share_of_oracle,
            "same_clicks": [current, same_clicks],
            "cpc_cut": cpc_cut,
            "ctr_ratio": ctr_ratio,
            "estimator_error": errors,
            "targets": targets,
        },
        text,
    )


if __name__ == "__main__":
    main()
