"""Tune the pacing controllers of :func:`bidopt.replay.paced_replay` on synthetic days
only, never on the iPinYou log.

Each configuration (a controller and its parameters) replays the same synthetic cases
as ``replay_synthetic.py`` but on other seeds (100 and up), so the figures that
script reports are held out.  The score is the expected clicks (the pCTRs won) over the
pCTR LP ceiling's, summed over the cases, averaged over learning from statistics and
from a training log.  The best configuration of each controller sets its defaults
(:data:`bidopt.pacing.OPTIONS`, the ``options=`` of ``BudgetPacer`` and
``paced_replay``); for each kind of training data (statistics, or a log), the controller
that, at its defaults, gets the most expected clicks is what ``controller="auto"``
picks, and is compared case by case with the others (the difference of the shares of
the ceiling, its standard error over the cases, and how often each does better).
``replay_ipinyou.py`` judges its targets on ``"auto"``.  This script only reports; the
choices are made in the code.

Writes ``results/tune_pacing.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, markdown_table, paired_rows, write_results
from replay_synthetic import synthetic_cases


def configurations() -> list[tuple[str, dict[str, Any]]]:
    """Controllers and the parameter values tried."""
    out: list[tuple[str, dict[str, Any]]] = [("none", {})]
    out += [("dual", {"step": step}) for step in (0.1, 0.2, 0.3, 0.5, 0.8)]
    for kp, ki, kd in itertools.product((0.1, 0.2, 0.4, 0.6), (0.0, 0.02, 0.05), (0.0, 0.1)):
        out.append(("pid", {"gains": (kp, ki, kd)}))
    out += [("filter", {"drift": drift}) for drift in (0.03, 0.1, 0.3)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=24)
    parser.add_argument("--auctions", type=int, default=150_000)
    args = parser.parse_args()
    start = time.perf_counter()
    cases = synthetic_cases(range(100, 100 + args.seeds), args.auctions)
    rows = []
    #: per configuration and kind of training data: each case's expected clicks
    per_case: dict[tuple[str, str], dict[str, list[float]]] = {}
    #: the ceiling's expected clicks per case, and its clicks and expected clicks summed
    ceilings: dict[str, list[float]] = {"statistics": [], "log": []}
    best = {k: {"clicks": 0.0, "expected": 0.0} for k in ("statistics", "log")}
    for case in cases:
        ceilings[case.learnt_from].append(case.expected_ceiling)
        best[case.learnt_from]["clicks"] += case.ceiling
        best[case.learnt_from]["expected"] += case.expected_ceiling
    for controller, params in configurations():
        got = {k: {"clicks": 0.0, "expected": 0.0} for k in ("statistics", "log")}
        label = ", ".join(f"{k}={v}" for k, v in params.items()) or "-"
        mine = per_case[controller, label] = {"statistics": [], "log": []}
        for case in cases:
            result = case.replay(controller, **params)
            mine[case.learnt_from].append(result.expected_clicks)
            got[case.learnt_from]["clicks"] += result.clicks
            got[case.learnt_from]["expected"] += result.expected_clicks
        share = {
            (k, kind): got[k][kind] / best[k][kind] for k in got for kind in ("clicks", "expected")
        }
        rows.append(
            {
                "controller": controller,
                "parameters": label,
                "from statistics": f"{share['statistics', 'expected']:.2%}",
                "from a log": f"{share['log', 'expected']:.2%}",
                "clicks: statistics / log": (
                    f"{share['statistics', 'clicks']:.2%} / {share['log', 'clicks']:.2%}"
                ),
                "score": (share["statistics", "expected"] + share["log", "expected"]) / 2,
            }
        )
        print(rows[-1], flush=True)
    seconds = time.perf_counter() - start
    picks = auto_choice(rows, per_case, ceilings)
    rows.sort(key=lambda r: -float(r["score"]))  # type: ignore[arg-type]
    for r in rows:
        r["score"] = f"{float(r['score']):.2%}"  # type: ignore[arg-type]
    n_cases = len(cases) // 2
    text = "\n".join(
        [
            "# Tuning the pacing controllers on synthetic days",
            "",
            f"Seeds 100-{99 + args.seeds} (held apart from replay_synthetic's 0-7), "
            f"{n_cases} test days x budgets of {args.auctions:,} auctions, each learnt from "
            "statistics and from a training log.  The score is the expected clicks (the "
            "pCTRs won: the synthetic pCTRs are the true click probabilities) over those of "
            "the pCTR LP ceiling, summed, averaged over the two ways of learning; the clicks "
            "drawn, shown beside it, add noise of several points at small budgets, enough "
            "to reorder configurations a tenth of a point apart.  Best first.",
            "",
            markdown_table(rows, list(rows[0])),
            "",
            'What `controller="auto"` picks for each kind of training data: the controller '
            "at its defaults (its best row above) with the most expected clicks, against "
            "each of the others case by case: the difference in the share of the "
            "ceiling's expected clicks (points, with its standard error over the cases) "
            "and how often each does better.",
            "",
            markdown_table(picks, list(picks[0])),
            "",
            f"{len(rows)} configurations in {seconds:.0f} s.",
        ]
    )
    print(text)
    write_results("tune_pacing", {"machine": machine(), "rows": rows, "picks": picks}, text)


def auto_choice(
    rows: list[dict[str, Any]],
    per_case: dict[tuple[str, str], dict[str, list[float]]],
    ceilings: dict[str, list[float]],
) -> list[dict[str, str]]:
    """For each kind of training data, the controllers at their defaults (each one's
    configuration with the best score), the one with the most expected clicks (what
    ``controller="auto"`` picks) against each of the others, case by case
    (:func:`_common.paired_rows`)."""
    defaults: dict[str, str] = {}
    for row in sorted(rows, key=lambda r: -float(r["score"])):
        if row["controller"] != "none":
            defaults.setdefault(row["controller"], row["parameters"])
    return [
        row
        for kind, ceiling in ceilings.items()
        for row in paired_rows(
            kind, {f"{c} ({p})": per_case[c, p][kind] for c, p in defaults.items()}, ceiling
        )
    ]


if __name__ == "__main__":
    main()
