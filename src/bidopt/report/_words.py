"""The bid file's words in English and Chinese: headers, match types, actions, the reason
for each bid change and the warnings about what the data cannot tell (the sheet's own,
and the library's warnings as a Chinese page shows them, :func:`warning_zh`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from bidopt._identify_words import BID_TEST, listed, unidentified_causes
from bidopt._wording import amount, counted
from bidopt.datasets import LoadIssue
from bidopt.exceptions import BidoptWarning

__all__ = [
    "ACTION_ZH",
    "FEW_CLICKS",
    "HEADERS",
    "MATCH_ZH",
    "aim_note",
    "bid_reasons",
    "cap_warning",
    "issue_zh",
    "sheet_warnings",
    "trust_warning",
    "warning_en",
    "warning_zh",
]

#: Keywords with fewer clicks than this in the history are flagged as resting on their
#: ad group's averages.
FEW_CLICKS = 5
#: Impressions a day on the report's earlier days above which none on its last day is
#: taken for a keyword paused that day (a chance day without any is then unlikely).
QUIET_BEFORE = 20

#: A plan buying more than this share fewer orders than today's bids is warned about.
FEWER_ORDERS = 0.1

#: The bid file's columns, by language.
HEADERS: dict[str, tuple[str, ...]] = {
    "en": (
        "campaign",
        "ad_group",
        "keyword",
        "match_type",
        "current_bid",
        "new_bid",
        "change",
        "action",
        "reason",
    ),
    "zh": (
        "推广计划",
        "推广单元",
        "关键词",
        "匹配方式",
        "当前出价",
        "新出价",
        "变化",
        "操作",
        "原因",
    ),
}
MATCH_ZH = {"exact": "精确匹配", "phrase": "短语匹配", "broad": "广泛匹配", "": ""}
ACTION_ZH = {"raise": "提价", "lower": "降价", "keep": "不变", "pause": "暂停"} | {
    "start": "开始出价"
}


#: Zhitongche's lowest bid, yuan: a keyword held there wins almost no auctions.
PLATFORM_MIN_BID = 0.05


def _lowest(min_bid: float, lang: str) -> str:
    """What the bid file does with a paused keyword (``min_bid``: its new-bid cell), in
    ``lang``: the platform's lowest bid, or a higher lowest bid that still buys clicks."""
    if min_bid <= PLATFORM_MIN_BID + 1e-9:
        if lang == "zh":
            return "文件中新出价为平台最低出价（出价 0 无法上传），请在后台暂停该词"
        return (
            "the file gives it the platform's lowest bid (a bid of 0 cannot be uploaded): "
            "pause it in the platform"
        )
    if lang == "zh":
        return (
            f"文件中新出价为所设的最低出价 {min_bid:.2f} 元（出价 0 无法上传），这个出价仍会花钱，"
            "请在后台暂停该词"
        )
    return (
        f"the file gives it the lowest bid allowed, {min_bid:.2f} yuan (a bid of 0 cannot be "
        "uploaded), which still spends: pause it in the platform"
    )


def _num(value: float) -> str:
    """``value`` to two decimals, never ``-0.00``."""
    return f"{round(value, 2) + 0.0:,.2f}"


def _amount(value: float, lang: str) -> str:
    """``value`` as :func:`_num` writes it, except a positive amount that rounds to 0.00,
    written "<0.01" ("不到 0.01"): "+0.38 yuan buys +0.00 orders" reads as buying nothing."""
    if 0 < value < 0.005:
        return "不到 0.01" if lang == "zh" else "<0.01"
    return _num(value)


def _reason_en(
    act: str, dc: float, dg: float, unit: str, capped: bool = False, min_bid: float = 0.05
) -> str:
    more, gain = _amount(dc, "en"), _amount(dg, "en")
    saved, lost = _amount(-dc, "en"), _amount(-dg, "en")
    lowest = _lowest(min_bid, "en")
    if act == "keep":
        return "keep: the current bid is already the plan's"
    if act == "pause" and capped:
        return (
            f"pause: the CPC cap (max_cpc) rules out every bid the plan may use (their cost "
            f"per click is above it); gives up {lost} {unit}/day and {saved} yuan/day; {lowest}"
        )
    if act == "pause" and -dc < 0.005:
        # nothing to save: "saves 0.00 yuan/day, money that buys more elsewhere" was false
        return (
            f"pause: at its current bid it spends under 0.01 yuan/day (for {lost} {unit}/day), "
            f"so the plan stops bidding on it; {lowest}"
        )
    if act == "pause":
        return (
            f"pause: saves {saved} yuan/day for {lost} fewer {unit}/day, money that buys more "
            f"elsewhere; {lowest}"
        )
    if act == "start":
        return f"start: {more} yuan/day for {gain} {unit}/day"
    if act == "raise":
        return f"raise: +{more} yuan/day buys +{gain} {unit}/day"
    return f"lower: saves {saved} yuan/day for {lost} fewer {unit}/day"


def _reason_zh(
    act: str, dc: float, dg: float, unit: str, capped: bool = False, min_bid: float = 0.05
) -> str:
    more, gain = _amount(dc, "zh"), _amount(dg, "zh")
    saved, lost = _amount(-dc, "zh"), _amount(-dg, "zh")
    lowest = _lowest(min_bid, "zh")
    if act == "keep":
        return "不变：当前出价已是最优"
    if act == "pause" and capped:
        return (
            f"暂停：方案可用的出价下平均点击花费都高于点击花费上限（max_cpc）；每天少 "
            f"{lost} {unit}，少花 {saved} 元；{lowest}"
        )
    if act == "pause" and -dc < 0.005:
        return (
            f"暂停：按当前出价每天花费不到 0.01 元、成交 {lost} {unit}，方案不再为它出价；{lowest}"
        )
    if act == "pause":
        return f"暂停：每天省 {saved} 元，少 {lost} {unit}，这笔钱用在别处更划算；{lowest}"
    if act == "start":
        return f"开始出价：每天 {more} 元，预计 {gain} {unit}"
    if act == "raise":
        return f"提价：每天多花 {more} 元，多 {gain} {unit}"
    return f"降价：每天省 {saved} 元，少 {lost} {unit}"


def bid_reasons(
    action: Any,
    d_cost: Any,
    gain: Any,
    history_clicks: Any,
    *,
    unit: str,
    lang: str,
    capped: Any = None,
    min_bid: float = PLATFORM_MIN_BID,
) -> list[str]:
    """One plain-word reason per row: the action, the change in daily spend and in orders
    (or clicks, ``unit``) it buys or gives up, and a note when the key has little data;
    ``capped`` (bool per row, optional) marks pauses the CPC cap forces; ``min_bid`` is
    the bid the file gives a paused keyword, yuan."""
    words = {"orders": "单", "clicks": "次点击"}[unit] if lang == "zh" else unit
    n = np.asarray(action).size
    by_cap = np.zeros(n, dtype=bool) if capped is None else np.asarray(capped, dtype=bool)
    out = []
    for act, dc, dg, clicks, cap in zip(
        np.asarray(action).tolist(),
        np.asarray(d_cost, dtype=float).tolist(),
        np.asarray(gain, dtype=float).tolist(),
        np.asarray(history_clicks, dtype=float).tolist(),
        by_cap.tolist(),
        strict=True,
    ):
        if lang == "zh":
            text = _reason_zh(str(act), dc, dg, words, cap, min_bid)
            if clicks < FEW_CLICKS and act != "keep":
                # (not "仅 0 次点击": none is said as none)
                text += (
                    f"（数据少：报表中仅 {clicks:g} 次点击）"
                    if clicks > 0
                    else "（数据少：报表中没有点击）"
                )
        else:
            text = _reason_en(str(act), dc, dg, words, cap, min_bid)
            if clicks < FEW_CLICKS and act != "keep":
                many = "clicks" if clicks != 1 else "click"
                shown = f"{clicks:g} {many}" if clicks > 0 else "no clicks"
                text += f" (little data: {shown} in the report)"
        out.append(text)
    return out


def aim_note(budget: float, aim: float, lang: str) -> str:
    """Why the plan was made for ``aim`` rather than the merchant's ``budget`` (yuan/day):
    below it so that its spend stays within the budget in at least half of the estimate's
    draws; ``""`` when ``aim`` is the budget.  (A plan never aims above the budget: the
    budget is a hard constraint; such an ``aim`` is only stated.)"""
    if abs(aim - budget) <= 1e-9 * max(budget, 1.0):
        return ""
    if aim < budget:
        if lang == "zh":
            return (
                f"方案按 {aim:,.2f} 元/天规划（低于预算），使估计的抽样中至少一半的花费不超过预算"
            )
        return (
            f"the plan aims at {aim:,.2f} yuan a day, below the budget, so that its spend "
            "stays within the budget in at least half of the estimate's draws"
        )
    if lang == "zh":
        return f"方案按 {aim:,.2f} 元/天规划"
    return f"the plan was made for {aim:,.2f} yuan a day"


def cap_warning(
    n_keys: int,
    max_cpc: float,
    today: tuple[float, float, float],
    more: float,
    unit: str,
) -> tuple[str, str]:
    """The warning about keywords the CPC cap pauses, in English and Chinese: how many
    (``n_keys``), what they buy today (``today``: clicks, orders or NaN, yuan per day)
    and how many more orders (or clicks, ``unit``) a day the plan buys without the cap
    (``more``)."""
    clicks, orders, cost = today
    bought = f"{clicks:,.1f} clicks" + (f" and {orders:,.2f} orders" if orders == orders else "")
    bought_zh = f"{clicks:,.1f} 次点击" + (f"、{orders:,.2f} 单" if orders == orders else "")
    unit_zh = {"orders": "单", "clicks": "次点击"}[unit]
    them, they = ("it", "it buys") if n_keys == 1 else ("them", "they buy")
    en = (
        f"The CPC cap (max_cpc {max_cpc:g} yuan) pauses {counted(n_keys, 'keyword')} that the "
        "plan without the cap keeps bidding: every bid the plan may use costs more per click "
        f"than the cap on {them}. Today {they} {bought} a day for {cost:,.2f} yuan; without "
        f"the cap the plan buys {more:,.2f} more {unit} a day. Raise the cap to keep {them}."
    )
    zh = (
        f"点击花费上限（max_cpc {max_cpc:g} 元）让 {n_keys} 个关键词暂停（不设上限的方案会继续"
        f"为它们出价）：方案可用的出价下它们的平均点击花费都高于上限。当前它们每天带来 "
        f"{bought_zh}，花费 {cost:,.2f} 元；不设上限时方案每天多 {more:,.2f} {unit_zh}。"
        "提高上限可保留这些词。"
    )
    return en, zh


def trust_warning(
    paused: Sequence[tuple[str, float, float]],
    lowered: Sequence[str],
    budget: float,
    floor_spend: float,
    unit: str = "orders",
    aim: float | None = None,
    scale: float = 1.0,
) -> tuple[str, str] | None:
    """The warning (English, Chinese) for a plan on an estimate that leaves its trust
    region (bids within 20% beyond those the report shows): ``paused``, the keywords it
    pauses, each with what it spends and buys a day at today's bid (yuan, ``unit``);
    ``lowered``, those it bids below the region; ``budget`` the daily budget and
    ``floor_spend`` what the region's lowest bids spend a day (yuan); ``aim`` the spend
    the plan aims at when below the budget (its spend rule over the estimate's draws);
    ``scale`` the share of its full width the no-loss guard left the region
    (``PlanRanges.trust_scale``).  None when the plan stays within the region."""
    if not paused and not lowered:
        return None
    en: list[str] = []
    zh: list[str] = []
    unit_zh = "笔成交" if unit == "orders" else "次点击"
    if paused:
        shown = paused[:3]
        more = len(paused) - len(shown)
        named = "; ".join(f"{k}: {c:,.2f} yuan a day for {b:,.2f} {unit}" for k, c, b in shown)
        named_zh = "；".join(
            f"{k}：每天花费 {c:,.2f} 元，带来 {b:,.2f} {unit_zh}" for k, c, b in shown
        )
        en.append(
            f"pauses {counted(len(paused), 'keyword')} ({named}"
            f"{f'; and {more:,} more' if more else ''}, as estimated at today's bid, where the "
            "report has data): pausing does not rest on the guessed response to a bid change; "
            "the plan finds that money buys more elsewhere, or a target or cap rules it out"
        )
        zh.append(
            f"暂停 {len(paused):,} 个关键词（{named_zh}{f' 等，另有 {more:,} 个' if more else ''}，"
            "均为按当前出价估计，报表在该出价下有数据）：暂停不依赖猜测的出价"
            "反应；方案认为这些钱花在其他词上能买到更多，或目标、上限排除了它们"
        )
    if lowered:
        shown_l = ", ".join(lowered[:5]) + (
            f" and {len(lowered) - 5:,} more" if len(lowered) > 5 else ""
        )
        shown_lz = "、".join(lowered[:5]) + (f" 等 {len(lowered):,} 个" if len(lowered) > 5 else "")
        aim = budget if aim is None else min(aim, budget)
        if aim < floor_spend <= budget:
            why = (
                f"the plan aims at {aim:,.2f} yuan a day (below the budget, so that its spend "
                "keeps within it in most of the estimate's draws), below the "
                f"{floor_spend:,.2f} yuan the region's lowest bids would spend, so it reaches "
                "further down"
            )
            why_zh = (
                f"方案按每天 {aim:,.2f} 元规划（低于预算，使多数抽样下花费不超预算），低于信任区域"
                f"最低出价每天的花费 {floor_spend:,.2f} 元，因此区域向下延伸"
            )
        elif floor_spend > budget * (1 + 1e-9):
            why = (
                f"the budget, {budget:,.2f} yuan a day, is below the {floor_spend:,.2f} yuan "
                "the region's lowest bids would spend, so it reaches further down"
            )
            why_zh = (
                f"预算每天 {budget:,.2f} 元，低于信任区域最低出价每天的花费 {floor_spend:,.2f} 元，"
                "因此区域向下延伸"
            )
        else:
            why = "a target or cap needs lower bids than the region holds"
            why_zh = "目标或上限需要比区域更低的出价"
        en.append(
            f"bids {counted(len(lowered), 'keyword')} below it ({shown_l}): {why}; what those "
            "bids buy is extrapolated, not observed"
        )
        zh.append(
            f"把 {len(lowered):,} 个关键词的出价降到区域以下（{shown_lz}）：{why_zh}；这些出价"
            "能买到什么是外推的，不是观察到的"
        )
    narrowed = narrowed_zh = ""
    if scale < 1.0:
        narrowed = (
            f"; here narrowed to {scale:g} of that width around today's bids, as the plan "
            "could not beat today's bids in enough of the estimate's draws with a wider one"
        )
        narrowed_zh = f"；此处收窄到该宽度的 {scale:g}（更宽的区域在多数抽样下不能胜过当前出价）"
    return (
        "The plan leaves the trust region (bids within 20% beyond the bids the report shows, "
        f"today's +-20% for a bid that never moved{narrowed}) on some keywords: it "
        + "; and it ".join(en)
        + ".",
        "方案在部分关键词上超出了信任区域（报表中出现过的出价范围上下 20%，出价从未变动的词为"
        f"当前出价的 ±20%{narrowed_zh}）：" + "；并".join(zh) + "。",
    )


def sheet_warnings(
    *,
    certified: tuple[bool, str],
    over_budget: tuple[float, float] | None,
    rounded_down: bool,
    step: float,
    min_bid: float,
    few_clicks: int,
    beyond_history: int,
    days: int,
    orders: tuple[float, float] = (float("nan"), float("nan")),
    formula_like: int = 0,
    below_history: int = 0,
    quiet_last_day: tuple[str, tuple[str, ...]] = ("", ()),
    averaged: tuple[tuple[str, ...], str] = ((), ""),
    paused_spend: tuple[int, float] = (0, 0.0),
    missing_keys: tuple[str, ...] = (),
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The bid sheet's warnings in English and in Chinese (same order); ``orders`` is
    (today's, the plan's) orders per day (NaN without an orders column); ``formula_like``
    the number of rows whose campaign, ad group or keyword starts with ``=``, ``+``,
    ``-`` or ``@``; ``beyond_history`` / ``below_history`` the number of new bids above
    1.5 times the highest / below two thirds of the lowest bid their keyword had in the
    report; ``quiet_last_day`` the report's last day and the keys (as the file names them)
    with a bid that have no row that day, or one without impressions after many a day
    before (paused there, perhaps); ``averaged`` the keys with a day summed at its rows'
    click-weighted bid (device bid premiums) and the report's split column(s);
    ``paused_spend`` the paused keywords and what they would spend a day at the bid the
    file gives them (``min_bid``), yuan; ``missing_keys`` the key columns (``campaign``,
    ``ad_group``, ``match_type``) the report does not have."""
    en: list[str] = []
    zh: list[str] = []
    if formula_like:
        en.append(
            f"{counted(formula_like, 'row')} {'has' if formula_like == 1 else 'have'} a "
            "campaign, ad group or keyword starting with =, +, - or @. bids.csv keeps them byte "
            "for byte, as the upload must match the keyword; "
            "Excel would read them as formulas if it opened bids.csv, so view and edit "
            "bids.xlsx (text cells) and upload bids.csv untouched."
        )
        zh.append(
            f"{formula_like} 行的推广计划、推广单元或关键词以 =、+、- 或 @ 开头。bids.csv 原样"
            "保留它们（上传时关键词须逐字一致）；用 Excel 打开 bids.csv 会把它们当作公式，"
            "请在 bids.xlsx（文本单元格）中查看和修改，并直接上传未经改动的 bids.csv。"
        )
    today, planned = orders
    if today > 0 and planned < (1 - FEWER_ORDERS) * today:
        drop = 1 - planned / today
        en.append(
            f"The plan buys {drop:.0%} fewer orders a day than today's bids ({planned:,.2f} "
            f"vs {today:,.2f}): what limits it (the budget, a target or a cap) costs them; "
            "check that this is what you want."
        )
        zh.append(
            f"方案每天的成交笔数比当前出价少 {drop:.0%}（{planned:,.2f} 对 {today:,.2f}）："
            "限制方案的预算、目标或上限让它少了这些成交，请确认这是您想要的。"
        )
    ok, message = certified
    if not ok:
        en.append(f"The optimiser did not certify its plan: {message}")
        zh.append(f"优化器未能确认方案满足所有约束：{message}")
    if over_budget is not None:
        spend, budget = over_budget
        en.append(
            f"Even with bids rounded down the plan spends {spend:,.2f} yuan a day, over the "
            f"{budget:,.2f} budget (the {min_bid:g}-yuan minimum bid raises some bids)."
        )
        zh.append(
            f"即使出价向下取整，方案每天仍花费 {spend:,.2f} 元，超过 {budget:,.2f} 元的预算"
            f"（{min_bid:g} 元的最低出价抬高了部分出价）。"
        )
    elif rounded_down:
        en.append(
            f"Rounding bids to the nearest {step:g} yuan would have spent more than the "
            "budget, so every bid was rounded down."
        )
        zh.append(f"出价四舍五入到 {step:g} 元会超出预算，因此所有出价都向下取整。")
    if few_clicks:
        en.append(
            f"1 changed bid is on a keyword with fewer than {FEW_CLICKS} clicks in the report: "
            "its landscape leans on its ad group's and campaign's averages, so watch it after "
            "the change."
            if few_clicks == 1
            else f"{few_clicks:,} changed bids are on keywords with fewer than {FEW_CLICKS} "
            "clicks in the report: their landscapes lean on their ad group's and campaign's "
            "averages, so watch them after the change."
        )
        zh.append(
            f"{few_clicks} 个调整的出价所属关键词在报表中点击少于 {FEW_CLICKS} 次："
            f"{'它' if few_clicks == 1 else '它们'}的出价曲线主要借用所在单元和计划的平均水平，"
            "调整后请留意。"
        )
    if beyond_history:
        en.append(
            "1 new bid is more than 1.5 times the highest bid its keyword had in the report: "
            "what that bid buys is extrapolated from lower bids, not observed."
            if beyond_history == 1
            else f"{beyond_history:,} new bids are more than 1.5 times the highest bid their "
            "keyword had in the report: what those bids buy is extrapolated from lower bids, "
            "not observed."
        )
        zh.append(
            f"{beyond_history} 个新出价超过该词报表中最高出价的 1.5 倍："
            f"{'这个' if beyond_history == 1 else '这些'}出价能带来多少"
            "流量是从较低出价外推的，并未实际观察到。"
        )
    if below_history:
        en.append(
            "1 new bid is below two thirds of the lowest bid its keyword had in the report: "
            "what that bid buys is extrapolated from higher bids, not observed, so the plan's "
            "figures lean on that guess."
            if below_history == 1
            else f"{below_history:,} new bids are below two thirds of the lowest bid their "
            "keyword had in the report: what those bids buy is extrapolated from higher bids, "
            "not observed, so the plan's figures lean on that guess."
        )
        zh.append(
            f"{below_history} 个新出价低于该词报表中最低出价的三分之二："
            f"{'这个' if below_history == 1 else '这些'}出价能带来多少"
            "流量是从较高出价外推的，并未实际观察到，方案的数字依赖这一推测。"
        )
    last_day, quiet = quiet_last_day
    if quiet:
        shown = "; ".join(quiet[:3]) + ("; ..." if len(quiet) > 3 else "")
        en.append(
            f"{counted(len(quiet), 'keyword')} with a bid "
            f"{'has' if len(quiet) == 1 else 'have'} no impressions on the report's last day, "
            f"{last_day} (no row that day, or a row without impressions after many a day "
            f"before): {shown}. If you paused them in the platform, the report cannot tell: "
            "today's figures count them at their last bid and the file gives them a new one; "
            "keep them paused (or delete their rows) before you upload."
        )
        zh.append(
            f"{len(quiet)} 个有出价的关键词在报表最后一天（{last_day}）没有展现（当天没有数据行，"
            f"或之前每天展现很多而当天为 0）：{shown}。若您已在后台暂停它们，报表看不出来："
            "“当前”一栏仍按它们最后的出价计算，文件也给了它们新出价；上传前请保持暂停"
            "（或删除这些行）。"
        )
    if missing_keys:
        names_en = {"campaign": "campaign", "ad_group": "ad group", "match_type": "match type"}
        en.append(
            f"The report has no {' / '.join(names_en[c] for c in missing_keys)} column: the "
            "bid file leaves those cells empty, and the platform needs them to find each "
            "keyword (one keyword may run in several ad groups). Export the report with "
            "推广计划, 推广单元 and 匹配方式, or fill the cells in before you upload."
        )
        zh.append(
            f"报表没有{'、'.join(_COLUMN_ZH[c] for c in missing_keys)}列：出价文件中这些格子为空，"
            "而后台要靠它们找到每个关键词（同一个词可能在多个推广单元中）。请导出带推广计划、"
            "推广单元和匹配方式的报表，或在上传前填好这些格子。"
        )
    n_paused, idle = paused_spend
    if n_paused and idle >= 0.005:
        en.append(
            f"{n_paused} paused {'keyword is' if n_paused == 1 else 'keywords are'} written at "
            f"the lowest bid, {min_bid:.2f} yuan (a "
            f"bid of 0 cannot be uploaded), where they would still spend about {idle:,.2f} "
            "yuan a day that the plan's figures do not count: pause them in the platform "
            "when you upload the file."
        )
        zh.append(
            f"{n_paused} 个暂停的关键词在文件中写为最低出价 {min_bid:.2f} 元（出价 0 无法上传），"
            f"按这个出价它们每天仍会花约 {idle:,.2f} 元，方案的数字没有算进去：上传文件时请在"
            "后台暂停它们。"
        )
    keys, by = averaged
    if keys:
        shown = "; ".join(keys[:3]) + ("; ..." if len(keys) > 3 else "")
        by = by or "device"
        en.append(
            f"{counted(len(keys), 'keyword')} had different bids by {by} on some days of the "
            "report "
            f"(device bid premiums), summed at their click-weighted bid: {shown}. Their "
            "current and new bids are such averages, not the bid of one device in the "
            "platform; the file writes one bid per keyword, so where one device carries a "
            "premium, set the bids so that their click-weighted average is the new bid."
        )
        zh.append(
            f"{len(keys)} 个关键词在报表的某些天按{by}的出价不同（设备溢价），这些天按点击加权的"
            f"平均出价合并：{shown}。它们的当前出价和新出价都是这种平均出价，不是后台某一设备"
            "的出价；文件每个关键词只写一个出价，某一设备有溢价时，请让各设备出价按点击加权的"
            "平均等于新出价。"
        )
    if days < 7:
        en.append(
            f"The report covers {counted(days, 'day')} only: day-of-week swings are not "
            "averaged out."
        )
        zh.append(f"报表只有 {days} 天：一周内各天的波动没有被平均掉。")
    return tuple(en), tuple(zh)


def _names_zh(names: Sequence[str], total: int) -> str:
    """The names a warning shows (its first few), and how many more there are."""
    shown = "、".join(names)
    return shown + (f" 等 {total:,} 个" if total > len(names) else "")


#: The bid test of :data:`bidopt._identify_words.BID_TEST`, in Chinese.
_BID_TEST_ZH = (
    "为期两周的出价测试：每个词的出价按天在当前出价的 1.5 倍和 1/1.5 之间交替，一半词调高时"
    "另一半调低（抵消账户逐日的波动）"
)

#: What a plan on the estimate does with the bids of keywords it cannot identify (the
#: trust region), in English for the command line and the pages, and in Chinese.
TRUST_EN = (
    "By default (without --no-trust-region) the plan keeps their bids within 20% beyond "
    "the bids the report shows (today's +-20% "
    "for a bid that never moved), except where it pauses a keyword or the budget is below "
    "what those bids spend (then bids go lower; a warning names them), and reports wide "
    "ranges."
)
_TRUST_ZH = (
    "默认（不加 --no-trust-region 时）方案会让这些词的出价保持在报表中出现过的出价范围上下 "
    "20% 以内（出价从未变动的词为当前"
    "出价的 ±20%），但可能暂停某个词，预算低于这些出价的花费时出价会更低（另有警告列出这些"
    "词），并给出较宽的区间。"
)


def _unidentified_zh(d: Mapping[str, Any]) -> str:
    n_prior, n_constant, n_days = d["n_prior"], d["n_constant"], d["n_days"]
    n_varied = d.get("n_varied", n_prior - n_constant)
    causes = []
    if n_varied:
        each = "该词" if n_varied == 1 else "每个词"
        if "varied_ratio" in d:
            lo, hi = d["varied_spread"]
            spread = f"{lo:.2g}" if f"{lo:.2g}" == f"{hi:.2g}" else f"{lo:.2g}–{hi:.2g}"
            shown_lo, shown_hi = d["varied_impressions"]
            imps = f"{shown_lo:,.0f}" + ("" if n_varied == 1 else f"–{shown_hi:,.0f}")
            what = (
                f"（最高出价是最低出价的 {d['varied_ratio']:.2f} 倍，出价离散度 {spread}，高于"
                f"判定为有变动所需的 {d['min_spread']:g}），{each}有 {imps} 次展现，但展现和点击"
                "逐日的波动掩盖了出价带来的变化：所在计划里竞争对手出价的离散程度（它决定出价"
                "变化带来多少点击）几乎和先验一样不确定（后验标准差至少是先验的 "
                f"{d['sd_ratio']:.2f}，不超过 {d['max_posterior_ratio']:g} 才算估计出）"
            )
        else:
            what = (
                f"（出价离散度不低于 {d['min_spread']:g}），但展现和点击逐日的波动掩盖了出价"
                "带来的变化"
            )
        causes.append(
            f"{n_varied:,} 个词的出价在 {n_days} 天里有变动{what}。已有的出价变动没能说明"
            "反应，能说明的是" + _BID_TEST_ZH
        )
    if n_constant:
        causes.append(
            f"{n_constant:,} 个词在 {n_days} 天里出价始终不变（出价离散度低于 "
            f"{d['min_spread']:g}），所在计划里也没有别的词能说明反应。能说明的是"
            + ("同样的测试" if n_varied else _BID_TEST_ZH)
        )
    return (
        f"报表无法判断 {d['n_keywords']:,} 个关键词中的 {n_prior:,} 个（占花费的 "
        f"{d['spend_share']:.0%}）对出价变化的反应，因此它们的出价反应来自先验："
        f"{listed(causes, zh=True)}。" + _TRUST_ZH + "测试之后用新的报表重新规划。"
    )


def _unidentified_en(d: Mapping[str, Any]) -> str:
    n_prior = d["n_prior"]
    causes = listed(unidentified_causes(d))
    return (
        f"The report cannot tell how {n_prior} of {counted(d['n_keywords'], 'keyword')} "
        f"({d['spend_share']:.0%} of spend) respond{'s' * (n_prior == 1)} to a bid change, "
        f"so their bid response is a prior guess: {causes}. {TRUST_EN} Plan again on the "
        "report of the test."
    )


def _unsafe_en(d: Mapping[str, Any]) -> str:
    return (
        f"The plan moves the bids of {counted(d['n_keywords'], 'keyword')} whose response "
        "to a bid change the report cannot tell beyond the trust region "
        f"({d['band']:.0%} beyond the bids the report shows, +-{d['band']:.0%} of today's for "
        "a bid that never moved) (--no-trust-region): its promises for them rest on a "
        "prior guess. Remedy: plan without --no-trust-region, or first run "
        f"{BID_TEST}."
    )


def _replaced(pairs: tuple[tuple[str, str], ...]) -> Callable[[Warning], str]:
    """A rendering that replaces each Python fragment of a warning's English text by
    its plain words (a fragment no longer in the text: left as it is)."""

    def render(warning: Warning) -> str:
        text = str(warning)
        for python, plain in pairs:
            text = text.replace(python, plain)
        return text

    return render


def _unsafe_zh(d: Mapping[str, Any]) -> str:
    return (
        f"方案把 {d['n_keywords']:,} 个关键词的出价调整到信任区域以外（报表中出现过的出价范围上下 "
        f"{d['band']:.0%}，出价从未变动的词为当前出价的 ±{d['band']:.0%}），"
        "而报表无法判断这些词对出价变化的反应（--no-trust-region）："
        "方案对它们的预期只来自先验。补救：使用默认的信任区域规划（去掉 --no-trust-region），"
        f"或先做{_BID_TEST_ZH}。"
    )


def _above_bid_zh(d: Mapping[str, Any]) -> str:
    n = d["n_keyword_days"]
    named = _names_zh([f"{keyword}（{day}）" for keyword, day in d["examples"]], n)
    return (
        f"{n:,} 个关键词-天的平均点击花费高于报表中的出价（{named}）：出价在当天内改过，报表"
        "无法得知当时生效的出价。估计把它们的平均点击花费当作出价（买到这些点击的最低出价）；"
        "当前出价仍取报表最后一天的。"
    )


def _floor_zh(d: Mapping[str, Any]) -> str:
    n, gap = d["n_keywords"], d["cost_gap"]
    if abs(gap) < 0.005:  # "0%" either way
        cost = "花费与报表相同"
    else:
        cost = f"花费比报表{'低' if gap > 0 else '高'} {abs(gap):.0%}"
    return (
        f"{n:,} 个关键词（占花费的 {d['spend_share']:.0%}）的平均点击花费是出价的 "
        f"{d['paid_share']:.0%}（{_names_zh(d['examples'], n)}）：处于平台最低出价或保留价，"
        "或处于竞价边缘，报表无法判断它们赢得了多少流量。估计按它们在当前出价下赢得 "
        f"{d['win_share']:.1%} 的流量来读：按报表中的出价，点击与报表一致，{cost}。"
        f"补救：做{_BID_TEST_ZH}，再用测试后的报表重新规划。"
    )


def _spend_gap_zh(d: Mapping[str, Any]) -> str:
    return (
        f"估计没有再现报表的花费：按报表中的出价，估计花费 {d['modelled']:,.2f} 元，而报表"
        f"花费 {d['logged']:,.2f} 元（{d['ratio']:.2g} 倍），超出应有的范围（两者相差不应超过 "
        f"{d['factor']:g} 倍）。它的花费以及方案的花费都不可信：请检查出价与花费的单位是否"
        "一致（元或分），出价列是否是关键词的出价，并参看其他警告。"
    )


def _no_counts_zh(what: str) -> Callable[[Mapping[str, Any]], str]:
    counts, rates, buys = {
        "clicks": ("点击", "点击率和转化率", "点击和成交"),
        "orders": ("成交", "转化率", "成交"),
    }[what]

    def render(d: Mapping[str, Any]) -> str:
        return (
            f"报表中所有关键词都没有{counts}（{d['n_days']} 天共 {d['impressions']:,.0f} 次"
            f"展现）：{rates}只是较弱的默认值，而不是本账户的，因此估计无法判断任何出价能"
            f"带来多少{buys}；方案的区间以及它胜过当前出价的比例只是在复述这个默认值。"
            f"补救：用有{counts}的报表重新估计。"
        )

    return render


def _flat_spend_zh(d: Mapping[str, Any]) -> str:
    channels, spend = tuple(d["channels"]), tuple(d["spend"])
    one = len(channels) == 1
    it = "它" if one else "它们"
    per = "，".join(f"{c} {float(x):,.2f} 元" for c, x in zip(channels, spend, strict=True))
    return (
        f"{'、'.join(channels)}在拟合的每一期花费都相同（每期：{per}）：历史数据无法把{it}"
        f"的效果与基线区分开，{it}的曲线只是先验的猜测。做增量（lift）测试，或让{it}在一些期"
        f"花不同的钱，才能确定{it}的效果。"
    )


def _draw_tails_zh(d: Mapping[str, Any]) -> str:
    channels = tuple(d["channels"])
    named = "、".join(
        f"{c}（均值 {amount(float(m))}，中位数 {amount(float(q))}）"
        for c, m, q in zip(channels, d["mean"], d["median"], strict=True)
    )
    one = len(channels) == 1
    return (
        f"少数曲线抽样主导了{named}的预期回报：{'它' if one else '每个渠道'}在各抽样上的均值"
        f"落在抽样的 {float(d['level']):.0%} 区间之外，因此报告的平均回报和投产比（以及合计）"
        "高估了多数抽样的预期，中位数才是典型结果。历史数据无法确定"
        f"{'、'.join(channels)}的效果，做增量（lift）测试才能确定。"
    )


#: The Chinese rendering of each kind of the library's warnings a report shows
#: (:class:`~bidopt.exceptions.BidoptWarning` ``kind``), from the warning's ``details``
#: (never from its English text, whose wording may change).
_WARNINGS_ZH: dict[str, Callable[[Mapping[str, Any]], str]] = {
    # bidopt.landscape.estimate_landscapes
    "unidentified_response": _unidentified_zh,
    "cost_above_bid": _above_bid_zh,
    "bid_floor": _floor_zh,
    "spend_gap": _spend_gap_zh,
    "no_clicks": _no_counts_zh("clicks"),
    "no_orders": _no_counts_zh("orders"),
    # bidopt.bidding.optimize_bids(estimate, ..., safe=False)
    "unsafe_moves": _unsafe_zh,
    # bidopt.channels.fit_response, and split_budget / split_window over a fit's draws
    "flat_spend": _flat_spend_zh,
    "draw_tails": _draw_tails_zh,
}


def warning_zh(warning: str | Warning) -> str:
    """A library warning as a Chinese report page shows it: a
    :class:`~bidopt.exceptions.BidoptWarning` of a known ``kind`` rendered in Chinese
    from its ``details``; any other warning (or plain text) as its English text,
    unchanged."""
    if isinstance(warning, BidoptWarning) and warning.kind in _WARNINGS_ZH:
        try:
            return _WARNINGS_ZH[warning.kind](warning.details)
        except (KeyError, TypeError, ValueError):  # details not as the kind has them
            pass
    return str(warning)


#: The English of each kind of the library's warnings whose own text names Python
#: (``optimize_bids(estimate, ...)``, ``design_bid_test``, ``safe=``, ``lift_tests=``),
#: as the command line and the report pages say it: the command-line option or plain
#: words instead.
_WARNINGS_EN: dict[str, Callable[[Warning], str]] = {
    "unidentified_response": lambda w: _unidentified_en(getattr(w, "details", {})),
    "unsafe_moves": lambda w: _unsafe_en(getattr(w, "details", {})),
    "bid_floor": _replaced(
        (
            (
                "vary their bids (see bidopt.landscape.design_bid_test) and estimate again.",
                f"run {BID_TEST}, and plan again on its report.",
            ),
        )
    ),
    "flat_spend": _replaced(
        (
            (
                " (lift_tests=) ",
                " (spend switched off or up in some regions or weeks, and the difference "
                "measured) ",
            ),
        )
    ),
}


def warning_en(warning: str | Warning) -> str:
    """A library warning as the command line and an English report page say it: a
    :class:`~bidopt.exceptions.BidoptWarning` whose text names Python (a function, a
    parameter) in plain words and command-line options, from its ``kind`` and
    ``details``; any other warning (or plain text) as its text, unchanged."""
    if isinstance(warning, BidoptWarning) and warning.kind in _WARNINGS_EN:
        try:
            return _WARNINGS_EN[warning.kind](warning)
        except (KeyError, TypeError, ValueError):  # details not as the kind has them
            pass
    return str(warning)


#: bidopt's columns as a Chinese export heads them (when the load report has no header
#: of the source's own for the column).
_COLUMN_ZH = {
    "date": "日期",
    "campaign": "推广计划",
    "ad_group": "推广单元",
    "keyword": "关键词",
    "match_type": "匹配方式",
    "bid": "出价",
    "impressions": "展现量",
    "clicks": "点击量",
    "cost": "花费",
    "conversions": "成交笔数",
    "revenue": "成交金额",
    "device": "设备",
    "hour": "小时",
    "source": "流量来源",
}

#: The reader's cross-column rules (``LoadIssue.rule``) in Chinese.
_RULE_ZH = {
    "clicks_le_impressions": "点击量多于展现量",
    "conversions_le_clicks": "成交笔数多于点击量（淘宝归因窗口内的成交记在之前的点击上）",
    "cost_needs_clicks": "有花费但点击量为 0",
    "bid_zero_means_paused": "出价为 0（未出价）却有展现、点击或花费",
}


#: What a cell of each column must hold, in Chinese (a ``"cell"`` issue's contract).
_CELL_ZH = {
    "campaign": "不能为空",
    "ad_group": "不能为空",
    "keyword": "不能为空",
    "match_type": "须为精确匹配、短语匹配或广泛匹配",
    "impressions": "须为不小于 0 的整数",
    "clicks": "须为不小于 0 的整数",
    "conversions": "须为不小于 0 的整数",
    "bid": "须为不小于 0 的数",
    "cost": "须为不小于 0 的数",
    "revenue": "须为不小于 0 的数",
}


def _where_zh(issue: LoadIssue) -> str:
    """The row as the Chinese page names it: for a file, its line (``LoadIssue.line``:
    the row number Excel shows, 第 N 行), never the 0-based index; for a table in memory,
    its 0-based row (数据行 k, as a DataFrame numbers it)."""
    return f"数据行 {issue.row}" if issue.line is None else f"第 {issue.line} 行"


def _other_zh(issue: LoadIssue) -> str:
    """The row ``issue`` repeats or goes with, named as :func:`_where_zh` names a row."""
    if issue.other_line is not None:
        return f"第 {issue.other_line} 行"
    return f"数据行 {issue.other_row} "  # (a space before the Chinese that follows)


def _written_zh(value: str) -> str:
    """A cell as the source writes it, quoted the Chinese way (an empty cell: 空白)."""
    return f"“{value}”" if value.strip() else "空白"


def _cell_zh(issue: LoadIssue, column: str) -> str:
    """A ``"cell"`` issue in Chinese, from its column and its cell as written."""
    value = issue.values[0][1] if issue.values else None
    if issue.column == "date" and issue.date:  # (a date read, but its time of day is not)
        return (
            f"{column}一栏没有时刻（读作 00:00），而该关键词当天的分时行里已有 00:00 的一行，"
            "它的各项数值也不等于这些分时行之和：既不是某个小时，也不是当天的合计行"
        )
    if issue.column == "date":
        what = f"{column}一栏不是某一天（月份、年份、周或认不出的文字都不行）"
        return what if value is None else f"{what}：表中写的是{_written_zh(value)}"
    if value is None:
        return f"{column}一栏的值不可用"
    if value.strip() and issue.column in ("campaign", "ad_group", "keyword"):
        # (the only fault of a text cell that is not empty: a totals label on a row that
        # is not the sum of the rows it would total)
        return (
            f"{column}一栏写着{_written_zh(value)}，像是合计行，但该行并非其他行之和"
            "（报表未包含它所汇总的行，或关键词恰好如此命名），未作合计行处理"
        )
    contract = _CELL_ZH.get(issue.column, "的值不可用")
    return f"{column}一栏{contract}，表中写的是{_written_zh(value)}"


def issue_zh(issue: LoadIssue, headers: Mapping[str, str] | None = None) -> str:
    """Why a row was dropped or flagged on load, in Chinese, from the record's kind,
    column, rule, label and other row (never from its English sentence); a cell's or a
    rule's cells are added as the source writes them (``values``), and a file's line
    (``line``).  ``headers`` maps bidopt's
    columns to the source's own headers (the inverse of ``LoadReport.column_map``)."""
    names = {**_COLUMN_ZH, **(headers or {})}
    column = names.get(issue.column, issue.column)
    kind = issue.kind
    if kind == "export_total":
        what = (
            f"报表自带的合计行（{issue.keyword}，它所汇总各行之和），并非数据有误，去掉以免重复计算"
            if issue.keyword
            else "报表自带的合计行（它所汇总各行之和），并非数据有误，去掉以免重复计算"
        )
    elif kind == "split_total":
        label = issue.label or "空白"
        what = f"按{column}拆分时该关键词当天的合计行（{label}），去掉以免重复计算"
    elif kind == "cell":
        what = _cell_zh(issue, column)
    elif kind == "rule":
        cells = "，".join(f"{names.get(c, c)} {_written_zh(v)}" for c, v in issue.values)
        what = _RULE_ZH.get(issue.rule or "", "违反了列之间的规则") + (
            f"（表中：{cells}）" if cells else ""
        )
    elif kind == "repeat":
        what = f"与{_other_zh(issue)}完全相同（报表重复导出或重复粘贴），只保留一份"
    elif kind == "with_its_day":
        what = (
            f"与被丢弃的{_other_zh(issue)}同属一个关键词-天，一并丢弃："
            "只用当天其余拆分行相加会少算这一天"
        )
    elif kind == "key_repeat":
        what = f"与{_other_zh(issue)}是同一个关键词-天，但数值不同（已保留并标出）"
    elif kind == "unsummed_bid":
        what = f"与{_other_zh(issue)}同属一个关键词-天，但出价不同（已保留并标出）"
    else:  # (a kind this page does not know yet: its English sentence)
        return issue.text
    return f"{_where_zh(issue)}：{what}"
