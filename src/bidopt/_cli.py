"""The end-to-end demo behind ``python -m bidopt demo``."""

from __future__ import annotations

from collections.abc import Sequence

from bidopt.datasets import make_search_account


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.rjust(w) if j else cell.ljust(w)
            for j, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    )


def run_demo(*, n_keywords: int, n_days: int, seed: int) -> str:
    """Build a synthetic account and report on it; returns the report text."""
    account = make_search_account(n_keywords, n_days=n_days, rng=seed)
    log = account.log
    observed = log.totals()
    expected = account.expected().totals()
    rows = [("", "observed log", "current bids, 1 day")]
    for key, fmt in (
        ("cost", "{:,.0f}"),
        ("clicks", "{:,.0f}"),
        ("conversions", "{:,.0f}"),
        ("ctr", "{:.2%}"),
        ("cvr", "{:.2%}"),
        ("cpc", "{:.2f}"),
        ("cpa", "{:.2f}"),
        ("roas", "{:.2f}"),
    ):
        rows.append((key, fmt.format(observed[key]), fmt.format(expected[key])))
    sample = ", ".join(account.keywords[:8].tolist())
    return "\n".join(
        [
            f"bidopt demo: synthetic account, {account.n_keywords:,} keywords, "
            f"{account.theme_names.size:,} themes, {n_days} days (seed {seed})",
            "",
            log.summary(),
            "",
            _table(rows),
            "",
            f"sample keywords: {sample}",
        ]
    )
