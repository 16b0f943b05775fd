"""Helpers shared by the benchmark scripts: results files and markdown tables."""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
from pathlib import Path
from typing import Any

import numpy as np

from bidopt.bidding import linear_threshold

#: Where results are written: ``benchmarks/results`` (committed), or the folder in
#: ``BIDOPT_BENCH_RESULTS`` (``run_all.py --quick`` writes to ``results/quick``, which is
#: not committed, so that quick runs never overwrite the full ones).
RESULTS = Path(os.environ.get("BIDOPT_BENCH_RESULTS", Path(__file__).resolve().parent / "results"))


def peak_rss_gb() -> float:
    """Peak resident memory of this process so far, GB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    import os

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }


def outcome(totals: dict[str, float]) -> dict[str, float]:
    """The outcome columns every bidding benchmark reports, from a ``totals()`` mapping
    (``cost`` is reported as ``spend``)."""
    return {
        "spend": totals["cost"],
        "clicks": totals["clicks"],
        "conversions": totals["conversions"],
        "cpa": totals["cpa"],
        "cpc": totals["cpc"],
        "ctr": totals["ctr"],
    }


def targets_line(targets: dict[str, bool]) -> str:
    """The ``Targets: name=met, other=NOT met`` line that ``run_all.py`` collects."""
    return "Targets: " + ", ".join(f"{k}={'met' if v else 'NOT met'}" for k, v in targets.items())


def markdown_table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A GitHub-flavoured markdown table of ``rows`` (dicts) in ``columns`` order."""

    def cell(value: Any) -> str:
        if isinstance(value, float):
            if value != value:
                return "-"
            return f"{value:.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
        return str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def write_results(name: str, payload: Any, markdown: str) -> None:
    """Write ``results/<name>.json`` and ``results/<name>.md``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2, default=float) + "\n")
    (RESULTS / f"{name}.md").write_text(markdown + "\n")


def labelled_run(
    name: str, first: int, count_flag: str, count: int
) -> tuple[argparse.Namespace, dict[str, Any]]:
    """Arguments and saved runs of a benchmark that keeps one run per ``--label`` in
    ``results/<name>.json`` (``{"runs": {label: ...}}``): ``--label`` (required),
    ``--first`` (first seed, default ``first``), ``--<count_flag>`` (how many, default
    ``count``) and ``--note``.  Returns the parsed arguments and the saved payload (empty
    runs when the file is absent)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--label", required=True)
    parser.add_argument("--first", type=int, default=first)
    parser.add_argument(f"--{count_flag}", type=int, default=count)
    parser.add_argument("--note", default="")
    path = RESULTS / f"{name}.json"
    payload: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {"runs": {}}
    return parser.parse_args(), payload


def pctr_ceiling_auctions(log: Any, budget: float) -> Any:
    """The auctions the pCTR LP ceiling of an auction log buys (a
    ``bidopt.datasets.AuctionLog`` with pCTRs): every price known in hindsight, auctions
    bought by pCTR per price until the budget is spent (the bidding core's LP threshold,
    :func:`bidopt.bidding.linear_threshold`, whole items only).  Returns their indices."""
    threshold = linear_threshold(log.pctr, log.market_price, budget)
    return threshold.order[: threshold.n_whole]


def pctr_ceiling(log: Any, budget: float) -> tuple[int, float]:
    """The clicks and spend of the pCTR LP ceiling (:func:`pctr_ceiling_auctions`)."""
    bought = pctr_ceiling_auctions(log, budget)
    return int(log.click[bought].sum()), float(log.market_price[bought].sum())


def paired_rows(
    kind: str, expected: dict[str, Any], ceiling: Any, chosen: str | None = None
) -> list[dict[str, str]]:
    """Controllers compared case by case on the same cases: ``expected[name]`` holds each
    case's expected clicks, shape (n_cases,), and ``ceiling`` those of the hindsight
    ceiling.  ``chosen`` (by default the one with the most expected clicks) is set
    against each of the others: the difference of their shares of the ceiling's summed
    expected clicks (points, with its standard error over the cases) and how often each
    does better.  One row per other controller, labelled with ``kind``."""
    total = float(np.sum(ceiling))
    clicks = {name: np.asarray(values, dtype=float) for name, values in expected.items()}
    best = chosen or max(clicks, key=lambda name: float(clicks[name].sum()))
    rows = []
    for other in sorted(clicks, key=lambda name: -float(clicks[name].sum())):
        if other == best:
            continue
        diff = clicks[best] - clicks[other]
        error = np.sqrt(diff.size) * diff.std(ddof=1) / total
        rows.append(
            {
                "training data": kind,
                "auto": f"{best}: {clicks[best].sum() / total:.2%}",
                "against": f"{other}: {clicks[other].sum() / total:.2%}",
                "difference (points)": f"{100 * diff.sum() / total:+.3f} ± {100 * error:.3f}",
                "cases better / worse": (
                    f"{np.mean(diff > 0):.0%} / {np.mean(diff < 0):.0%} of {diff.size}"
                ),
            }
        )
    return rows
