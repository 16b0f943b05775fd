"""What a split over a fit's curve draws says against today's split and without its rule,
in plain words: shared by ``python -m bidopt split`` and its HTML page."""

from __future__ import annotations

from typing import Literal

import numpy as np

from bidopt._quantiles import central_interval
from bidopt.channels import BudgetSplit

__all__ = ["gain_lines", "rule_cost"]


def gain_lines(split: BudgetSplit, rule: str, lang: Literal["en", "zh"] = "en") -> list[str]:
    """The split's revenue gain over today's split (yuan per period) with its 80% interval
    over the curve draws and the share of draws in which it gains; each channel's change
    from today's split, largest first; and the safe default's own words when it stopped
    short of the best split or stayed at today's (empty for a split without draws or
    without today's split)."""
    lines: list[str] = []
    if split.uplift is not None and split.gain_interval is not None:
        lo, hi = split.gain_interval
        p = split.gain_probability
        lines.append(
            f"“{rule}”的推荐分配比当前分配每期成交金额变化 {split.uplift:+,.0f} 元（曲线抽样 "
            f"80% 区间 {lo:+,.0f} 至 {hi:+,.0f} 元），在 {p:.0%} 的抽样中高于当前。"
            if lang == "zh"
            else f"Recommended split under {rule}: revenue {split.uplift:+,.0f} yuan per period "
            f"against today's split (80% interval {lo:+,.0f} to {hi:+,.0f} over the curve "
            f"draws); it gains in {p:.0%} of the draws."
        )
    if split.current_spend is not None and split.response_draws is not None:
        change = split.spend - split.current_spend
        order = np.argsort(-np.abs(change), kind="stable")
        moves = [f"{split.channels[j]} {change[j]:+,.0f}" for j in order if abs(change[j]) >= 0.5]
        if moves:
            lines.append(
                f"与当前分配相比（元/期）：{'，'.join(moves)}。"
                if lang == "zh"
                else f"Changes from today's split (yuan per period): {', '.join(moves)}."
            )
        else:
            lines.append(
                "推荐分配与当前分配相同。" if lang == "zh" else "The split is today's split."
            )
    if split.safe_step is not None and split.safe_step < 1 and "Safe default:" in split.message:
        if lang == "zh":
            lines.append(_safe_zh(split.safe_step))
        else:
            words = split.message[split.message.index("Safe default:") :]
            cut = words.find("; the gain over")  # the gain is said above, in yuan
            words = words if cut < 0 else words[:cut] + "."
            lines.append(words)
    return lines


def _safe_zh(step: float) -> str:
    """The safe default's words in Chinese: how far it moved from today's split (``step``,
    0 to 1) towards the best split over the draws, and why it stopped."""
    if step <= 0:
        return (
            "稳妥默认：停在当前分配（只做渠道上下限和分组规则要求的调整）。在这些约束下，"
            "曲线抽样不支持朝最优分配做任何进一步调整；对提醒中无法确定的渠道做增量（lift）"
            "测试才能回答。"
        )
    return (
        f"稳妥默认：从当前分配朝曲线抽样下的最优分配只调整了 {step:.0%}；更大的调整得不到"
        "曲线抽样的支持。"
    )


def rule_cost(ruled: BudgetSplit, free: BudgetSplit) -> tuple[float, tuple[float, float] | None]:
    """Revenue per period the rule gives up: the split without the rule minus the split
    under it (yuan), and the central 80% interval of that difference over the same curve
    draws (:func:`bidopt._quantiles.central_interval`; None when either split has no
    draws)."""
    cost = free.response - ruled.response
    if ruled.response_draws is None or free.response_draws is None:
        return cost, None
    return cost, central_interval(free.response_draws - ruled.response_draws, 0.8)
