"""The end-to-end demo behind ``python -m bidopt demo``."""

from __future__ import annotations

from collections.abc import Sequence

from bidopt.bidding import BidPlan, optimize_bids
from bidopt.channels import compare_splits
from bidopt.datasets import double11_channels, make_search_account
from bidopt.exceptions import InfeasibleError
from bidopt.landscape import estimate_landscapes

MAX_CPC = 22.0
TARGET_CPA = 25.0


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.rjust(w) if j else cell.ljust(w)
            for j, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    )


def _channel_report(budget: float) -> list[str]:
    plan = double11_channels()
    curves = plan.curves()
    current = {c: x * budget / plan.budget for c, x in plan.current.items()}
    splits = compare_splits(
        curves,
        budget,
        groups=plan.groups,
        current=current,
        scenarios={
            "60/40 rule": {"core": 0.6, "emerging": 0.4},
            "core 55-65%": {"core": (0.55, 0.65)},
        },
    )
    rows = [["split", *plan.current, "revenue", "ROI"]]
    for name, split in splits.items():
        rows.append(
            [
                name,
                *(f"{split.allocation[c]:,.0f}" for c in plan.current),
                f"{split.response:,.0f}",
                f"{split.roi:.2f}",
            ]
        )
    rule = splits["60/40 rule"]
    return [
        f"Channel split of {budget:,.0f} yuan (curves from each channel's ROI at today's spend):",
        "",
        _table(rows),
        "",
        f"The 60/40 rule costs {rule.rule_cost:,.0f} yuan of revenue against the optimum; "
        f"a 55-65% core range costs {splits['core 55-65%'].rule_cost:,.0f}.",
    ]


def _metrics(totals: dict[str, float]) -> list[str]:
    return [
        f"{totals['cost']:,.0f}",
        f"{totals['clicks']:,.0f}",
        f"{totals['conversions']:,.1f}",
        f"{totals['cpa']:.2f}",
        f"{totals['cpc']:.2f}",
        f"{totals['ctr']:.2%}",
        f"{totals['roas']:.2f}",
    ]


def run_demo(
    *, n_keywords: int, n_days: int, seed: int, channel_budget: float = 2_000_000.0
) -> str:
    """Build a synthetic account, estimate landscapes, optimise bids; return the report."""
    account = make_search_account(n_keywords, n_days=n_days, rng=seed)
    landscape, _ = estimate_landscapes(account.log)
    now = account.expected().totals()
    budget = now["cost"]
    lines = [
        f"bidopt demo: synthetic Taobao search account, {account.n_keywords:,} keywords, "
        f"{account.theme_names.size:,} themes, {n_days} days of history (seed {seed})",
        "",
        account.log.summary(),
        "",
        f"Daily budget {budget:,.0f} yuan (today's spend), CPC cap {MAX_CPC:g} yuan, "
        f"target CPA {TARGET_CPA:g} yuan. Bids optimised on landscapes estimated from the "
        "log, evaluated on the account's true landscapes:",
        "",
    ]
    header = ["plan", "spend", "clicks", "orders", "CPA", "CPC", "CTR", "ROAS"]
    rows = [header, ["current bids", *_metrics(now)]]
    plan: BidPlan | None = None
    try:
        plan = optimize_bids(landscape, budget, max_cpc=MAX_CPC, target_cpa=TARGET_CPA)
    except InfeasibleError as exc:
        lines.append(f"target CPA not reachable: {exc}")
    if plan is not None:
        rows.append(["bidopt", *_metrics(account.truth.expected(plan.bids).totals())])
    lines.append(_table(rows))
    if plan is not None:
        raised = int((plan.bids > account.current_bids).sum())
        lowered = int(((plan.bids < account.current_bids) & (plan.bids > 0)).sum())
        paused = int((plan.bids == 0).sum())
        lines += [
            "",
            f"Bids raised on {raised:,} keywords, lowered on {lowered:,}, paused on {paused:,}.",
            f"Solver: {plan.message} gap <= {plan.relative_gap:.1e} of the optimum; "
            f"one more yuan of budget buys {plan.shadow_price:.4f} orders.",
        ]
    lines += ["", f"sample keywords: {', '.join(account.keywords[:8].tolist())}", ""]
    lines += _channel_report(channel_budget)
    return "\n".join(lines)
