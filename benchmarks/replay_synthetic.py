"""bidopt's pacing controllers on seeded synthetic auction logs, against the hindsight
ceiling of its own bid.

The iPinYou replay has one test log, so a controller that wins there may have won by
luck.  Here each case is a training day and a test day drawn by
:func:`bidopt.datasets.make_auction_log` (iPinYou-like: prices rise with pCTR, the pCTR
level swings over the day), the test day's prices scaled by 0.7, 1.0 or 1.4 against
training; on a second set of days the prices at a given pCTR also swing over the hours
(``price_swing=0.3``), which a price model pooled over the day misses.  bidopt learns
``lam`` from the training day, as statistics only (a price histogram and a CTR) or as a
log with pCTRs, then replays the test day open loop or paced by each controller.  Every
run is measured against the pCTR LP ceiling of the test day (all prices known, auctions
bought by pCTR per price until the budget is spent): the most clicks bidopt's bid ``pCTR
/ lam`` could get with the best constant ``lam`` in hindsight.

Writes ``results/replay_synthetic.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, markdown_table, paired_rows, pctr_ceiling_auctions, write_results
from bidopt.datasets import AuctionLog, IpinyouInfo, make_auction_log
from bidopt.pacing import BudgetPacer, open_loop_multiplier
from bidopt.replay import ReplayResult, paced_replay

FRACTIONS = (2, 4, 8, 16, 32, 64)
SCALES = (0.7, 1.0, 1.4)
#: amplitudes of the hour-of-day price swing of the days drawn (make_auction_log)
PRICE_SWINGS = (0.0, 0.3)
CONTROLLERS = ("none", "dual", "pid", "filter")
MAX_BID = 300.0


@dataclass(frozen=True)
class Case:
    """One test day and budget, with the training data bidopt learns from."""

    seed: int
    price_scale: float
    price_swing: float
    fraction: int
    learnt_from: str
    test: AuctionLog
    training: IpinyouInfo | AuctionLog
    budget: float
    lam0: float
    ceiling: int
    expected_ceiling: float

    def replay(self, controller: str, **params: Any) -> ReplayResult:
        """bidopt's bid paced by ``controller`` on this case (``params``: its options)."""
        return paced_replay(
            self.test,
            self.budget,
            self.lam0,
            controller=controller,  # type: ignore[arg-type]
            training=self.training,
            max_bid=MAX_BID,
            options=params or None,
        ).result


def synthetic_cases(
    seeds: range, auctions: int, price_swings: tuple[float, ...] = (0.0,)
) -> list[Case]:
    """A training day and, for each price scale, a test day per seed and price swing;
    every budget; bidopt learning from the training day's statistics and from the day
    itself."""
    cases = []
    for seed, swing in itertools.product(seeds, price_swings):
        train = make_auction_log(auctions, price_swing=swing, rng=np.random.SeedSequence([seed, 0]))
        trainings: dict[str, IpinyouInfo | AuctionLog] = {
            "statistics": IpinyouInfo.from_log(train),
            "log": train,
        }
        for scale in SCALES:
            test = make_auction_log(
                auctions,
                price_scale=scale,
                price_swing=swing,
                rng=np.random.SeedSequence([seed, 1]),
            )
            for f in FRACTIONS:
                budget = test.total_market_price / f
                bought = pctr_ceiling_auctions(test, budget)
                assert test.pctr is not None  # (make_auction_log draws them)
                best, expected = int(test.click[bought].sum()), float(test.pctr[bought].sum())
                for learnt_from, training in trainings.items():
                    lam0 = open_loop_multiplier(training, budget, len(test), max_bid=MAX_BID)
                    cases.append(
                        Case(
                            seed,
                            scale,
                            swing,
                            f,
                            learnt_from,
                            test,
                            training,
                            budget,
                            lam0,
                            best,
                            expected,
                        )
                    )
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--auctions", type=int, default=150_000)
    args = parser.parse_args()
    start = time.perf_counter()
    records: list[dict[str, object]] = []
    auto: dict[str, str] = {}  # what controller="auto" paces with, by kind of training data
    for case in synthetic_cases(range(args.seeds), args.auctions, PRICE_SWINGS):
        if case.learnt_from not in auto:
            pacer = BudgetPacer(case.budget, case.lam0, training=case.training, n_auctions=1)
            auto[case.learnt_from] = pacer.controller
        for controller in CONTROLLERS:
            result = case.replay(controller)
            records.append(
                {
                    "seed": case.seed,
                    "price_scale": case.price_scale,
                    "price_swing": case.price_swing,
                    "budget_fraction": 1 / case.fraction,
                    "learnt_from": case.learnt_from,
                    "controller": controller,
                    "clicks": result.clicks,
                    "ceiling": case.ceiling,
                    "expected_clicks": result.expected_clicks,
                    "expected_ceiling": case.expected_ceiling,
                    "spend_share": result.spend / case.budget,
                }
            )
    seconds = time.perf_counter() - start

    def summary(rows: list[dict[str, object]]) -> dict[str, object]:
        clicks = np.array([float(r["clicks"]) for r in rows])  # type: ignore[arg-type]
        best = np.array([float(r["ceiling"]) for r in rows])  # type: ignore[arg-type]
        spend = np.array([float(r["spend_share"]) for r in rows])  # type: ignore[arg-type]
        expected = np.array([float(r["expected_clicks"]) for r in rows]).sum()  # type: ignore[arg-type]
        expected_best = np.array([float(r["expected_ceiling"]) for r in rows]).sum()  # type: ignore[arg-type]
        return {
            "clicks / ceiling (sum)": f"{clicks.sum() / best.sum():.1%}",
            "expected clicks / ceiling": f"{expected / expected_best:.1%}",
            "cases >= 95% of ceiling": f"{np.mean(clicks >= 0.95 * best):.0%}",
            "worst case": f"{np.min(clicks / np.maximum(best, 1)):.0%}",
            "mean spend / budget": f"{spend.mean():.1%}",
        }

    table = []
    for swing, learnt_from in itertools.product(PRICE_SWINGS, ("statistics", "log")):
        for controller in CONTROLLERS:
            rows = [
                r
                for r in records
                if r["learnt_from"] == learnt_from
                and r["controller"] == controller
                and r["price_swing"] == swing
            ]
            table.append(
                {
                    "price swing": swing,
                    "learnt from": learnt_from,
                    "controller": controller,
                    **summary(rows),
                }
            )

    def from_statistics(label: str, key: str, values: list[object], show: list[str]) -> Any:
        """Rows of ``label`` (each value of ``records[key]``) by controller, learnt from
        statistics: the shares ``show`` of the ceiling."""
        out = []
        for value in values:
            row: dict[str, object] = {label: value}
            for controller in CONTROLLERS:
                rows = [
                    r
                    for r in records
                    if r[key] == value
                    and r["controller"] == controller
                    and r["learnt_from"] == "statistics"
                    and r["price_swing"] == 0.0
                ]
                shares = summary(rows)
                row[controller] = " / ".join(str(shares[name]) for name in show)
            out.append(row)
        return out

    both = ["clicks / ceiling (sum)", "expected clicks / ceiling"]
    by_scale = from_statistics("test prices x", "price_scale", list(SCALES), both)
    by_budget = from_statistics("budget", "budget_fraction", [1 / f for f in FRACTIONS], both)
    for row, f in zip(by_budget, FRACTIONS, strict=True):
        row["budget"] = f"1/{f}"
    n_cases = args.seeds * len(PRICE_SWINGS) * len(SCALES) * len(FRACTIONS)
    picks = [
        row
        for kind, chosen in auto.items()
        for row in paired_rows(
            kind,
            {
                controller: [
                    r["expected_clicks"]
                    for r in records
                    if r["learnt_from"] == kind and r["controller"] == controller
                ]
                for controller in CONTROLLERS
                if controller != "none"
            },
            [
                r["expected_ceiling"]
                for r in records
                if r["learnt_from"] == kind and r["controller"] == chosen
            ],
            chosen,
        )
    ]
    text = "\n".join(
        [
            "# Pacing on synthetic auction logs",
            "",
            f"{args.seeds} seeds x {len(PRICE_SWINGS)} price swings over the day "
            f"{PRICE_SWINGS} x {len(SCALES)} test price scales x {len(FRACTIONS)} budgets "
            f"= {n_cases} cases of {args.auctions:,} auctions; clicks against the pCTR LP "
            "ceiling of the test day (the best constant lam in hindsight).  The pCTRs are "
            "the true click probabilities, so the expected clicks (the pCTRs won, against "
            "those the ceiling buys) are free of the noise of the clicks drawn, which at "
            "small budgets (a few dozen clicks a day) is several points.",
            "",
            markdown_table(table, list(table[0])),
            "",
            "Learnt from statistics, days without the price swing, by the test day's price "
            "scale (clicks / expected clicks, against the ceiling):",
            "",
            markdown_table(by_scale, list(by_scale[0])),
            "",
            "Learnt from statistics, days without the price swing, by budget (clicks / "
            "expected clicks, against the ceiling):",
            "",
            markdown_table(by_budget, list(by_budget[0])),
            "",
            'What `controller="auto"` (the default) paces with, for each kind of training '
            "data, against the other controllers on the same cases (both price swings): "
            "the difference in the share of the ceiling's expected clicks (points, with its "
            "standard error over the cases) and how often each does better.",
            "",
            markdown_table(picks, list(picks[0])),
            "",
            f"{len(records)} replays in {seconds:.1f} s.",
        ]
    )
    print(text)
    # the records summed over seeds: clicks and ceiling per training kind, controller,
    # price scale and budget (the per-seed records would be a 250 KB file)
    names = ("clicks", "ceiling", "expected_clicks", "expected_ceiling")
    totals: dict[tuple[object, ...], dict[str, float]] = {}
    for r in records:
        key = (
            r["learnt_from"],
            r["controller"],
            r["price_swing"],
            r["price_scale"],
            r["budget_fraction"],
        )
        total = totals.setdefault(key, dict.fromkeys(names, 0.0))
        for name in names:
            total[name] += float(r[name])  # type: ignore[arg-type]
    sums = [
        {
            "learnt_from": key[0],
            "controller": key[1],
            "price_swing": key[2],
            "price_scale": key[3],
            "budget_fraction": key[4],
            "clicks": int(total["clicks"]),
            "ceiling": int(total["ceiling"]),
            "expected_clicks": round(total["expected_clicks"], 3),
            "expected_ceiling": round(total["expected_ceiling"], 3),
        }
        for key, total in totals.items()
    ]
    write_results(
        "replay_synthetic",
        {"machine": machine(), "seconds": seconds, "seeds": args.seeds, "sums": sums},
        text,
    )


if __name__ == "__main__":
    main()
