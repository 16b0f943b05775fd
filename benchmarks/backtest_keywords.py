"""28-day keyword backtest on the synthetic account.

Each day: estimate landscapes from the last 28 days of the log, optimise tomorrow's bids
under the daily budget (today's spend) with the 22-yuan CPC cap and the 25-yuan target
CPA, observe the simulated day, and add it to the log.  Estimated landscapes are biased
where they are selected (the optimiser favours keywords whose conversion rate it
over-estimates), so the budget and the CPA target handed to the optimiser are corrected
by feedback from the days observed so far (observed spend and CPA against the goals).
Against: keeping the current bids, and one uniform bid chosen on the first day's
estimated landscapes to spend the budget.  Every strategy sees the same random days
(common random numbers).
Writes ``results/backtest_keywords.json`` and ``.md``.

Usage::

    python benchmarks/backtest_keywords.py [--keywords 5000] [--days 28] [--seed 2026]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy import optimize

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, markdown_table, outcome, targets_line, write_results
from bidopt.bidding import optimize_bids
from bidopt.datasets import KeywordLog, make_search_account
from bidopt.exceptions import InfeasibleError
from bidopt.landscape import BidLandscape, estimate_landscapes

MAX_CPC, TARGET_CPA, WINDOW = 22.0, 25.0, 28


def uniform_bid(landscape: BidLandscape, model: object, budget: float) -> float:
    """The single bid whose estimated spend is the budget."""

    def spend(bid: float) -> float:
        grid = np.full((landscape.n_keywords, 1), bid)
        return float(model.landscape(grid).cost.sum()) - budget  # type: ignore[attr-defined]

    return float(optimize.brentq(spend, 0.05, 99.0, xtol=1e-6))


def totals(log: KeywordLog) -> dict[str, float]:
    return outcome(log.totals())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keywords", type=int, default=5_000)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    start = time.perf_counter()
    account = make_search_account(args.keywords, rng=args.seed)
    budget = account.expected().totals()["cost"]
    history_days = len(account.log) // account.n_keywords
    estimate = estimate_landscapes(account.log)
    landscape, model = estimate.landscapes, estimate.model
    flat = np.full(account.n_keywords, uniform_bid(landscape, model, budget))
    window = account.log
    days: dict[str, list[KeywordLog]] = {"current bids": [], "uniform bid": [], "bidopt": []}
    daily: list[dict[str, object]] = []
    spend_gain, cpa_gain = 1.0, 1.0  # feedback corrections of the budget and CPA target
    for day in range(args.days):
        seed = args.seed * 1000 + day
        first = history_days + day
        try:
            plan = optimize_bids(
                landscape, budget * spend_gain, max_cpc=MAX_CPC, target_cpa=TARGET_CPA * cpa_gain
            )
            bids = plan.bids
        except InfeasibleError:  # pragma: no cover - reported, then keep yesterday's bids
            bids = (
                days["bidopt"][-1].bid[: account.n_keywords]
                if days["bidopt"]
                else (account.current_bids)
            )
        observed = {
            "current bids": account.simulate(account.current_bids, first_day=first, rng=seed),
            "uniform bid": account.simulate(flat, first_day=first, rng=seed),
            "bidopt": account.simulate(bids, first_day=first, rng=seed),
        }
        for name, log in observed.items():
            days[name].append(log)
            daily.append({"day": day + 1, "strategy": name, **totals(log)})
        # feedback from everything bidopt has observed so far (days are noisy)
        seen = totals(KeywordLog.concat(days["bidopt"]))
        spend_gain *= (budget * len(days["bidopt"]) / seen["spend"]) ** 0.5
        cpa_gain *= (TARGET_CPA / seen["cpa"]) ** 0.5
        spend_gain, cpa_gain = min(max(spend_gain, 0.5), 1.5), min(max(cpa_gain, 0.5), 1.5)
        # roll the window: the last WINDOW days of history plus what bidopt observed
        window = KeywordLog.concat([window, observed["bidopt"]])
        keep = window.date > window.date.max() - np.timedelta64(WINDOW, "D")
        window = window.take(np.flatnonzero(keep))
        estimate = estimate_landscapes(window)
        landscape, model = estimate.landscapes, estimate.model
    summary = []
    for name, logs in days.items():
        summary.append({"strategy": name, **totals(KeywordLog.concat(logs))})
    by_name = {r["strategy"]: r for r in summary}
    mine, now = by_name["bidopt"], by_name["current bids"]
    targets = {
        "more_conversions_than_current": float(mine["conversions"]) > float(now["conversions"]),
        "no_more_spend_than_current": float(mine["spend"]) <= float(now["spend"]),
        "cpa_at_or_below_25": float(mine["cpa"]) <= TARGET_CPA,
    }
    columns = ["strategy", "spend", "clicks", "conversions", "cpa", "cpc", "ctr"]
    text = "\n".join(
        [
            f"# Keyword backtest: {args.days} days, {account.n_keywords:,} keywords "
            f"(seed {args.seed})",
            "",
            f"Daily budget {budget:,.0f} yuan; CPC cap {MAX_CPC:g}, target CPA {TARGET_CPA:g}.",
            "",
            markdown_table(summary, columns),
            "",
            "## By day",
            "",
            markdown_table(daily, ["day", *columns]),
            "",
            targets_line(targets),
            f"({time.perf_counter() - start:.1f} s)",
        ]
    )
    print("\n".join(text.splitlines()[:12]))
    print(text.splitlines()[-2])
    write_results(
        "backtest_keywords",
        {"machine": machine(), "summary": summary, "daily": daily, "targets": targets},
        text,
    )


if __name__ == "__main__":
    main()
