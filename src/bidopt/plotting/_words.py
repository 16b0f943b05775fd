"""The words of every figure in English and Chinese: titles, axis labels, legend entries.

Every plotting function takes ``lang`` ("en" or "zh"), checks it with :func:`check_lang`
and writes its text with :func:`words` and :func:`money`. Names the caller gives (keyword,
channel, strategy and split names) are drawn as given.
"""

from __future__ import annotations

from bidopt._lang import LANGS, Lang, check_lang
from bidopt.plotting._style import PlotStyle

__all__ = ["LANGS", "WORDS", "Lang", "check_lang", "currency", "money", "words"]

#: Every user-visible string of the figures, by language (``str.format`` templates).
WORDS: dict[str, dict[str, str]] = {
    "en": {
        # metrics
        "clicks": "clicks",
        "cost": "cost",
        "conversions": "orders",
        "revenue": "revenue",
        "profit": "profit",
        "unit": "unit",
        "order": "order",
        "click": "click",
        # marks shared by several figures
        "today": "today",
        "plan": "plan",
        "spend": "spend",
        "budget_mark": "budget {budget}",
        # plot_landscape
        "cpc_bid": "CPC bid",
        "per_day": "{unit} per day",
        "today_bids": "today's bids (squares)",
        "plan_bids": "the plan's bids (circles)",
        "landscapes": "Bid landscapes",
        "landscapes_with": "Bid landscapes with {marks}",
        "and": " and ",
        "seen": "solid and shaded: bids seen in the data; dashed: extrapolated",
        # plot_frontier
        "spend_per_day": "{spend} per day",
        "marginal": "marginal",
        "marginal_cost": "marginal cost per {per}",
        "frontier_title": "What each budget buys, and what the last {currency} buys",
        # plot_spend_change
        "keyword": "keyword",
        "channel": "channel",
        "keywords": "keywords",
        "channels": "channels",
        "change_title": (
            "Spend today and in the plan: the {shown} biggest changes (all {n} {what}: {total})"
        ),
        # plot_replay
        "replay_x": "budget (the log's price unit, log scale)",
        "replay_y": "clicks won",
        "replay_title": "Replay: clicks against budget",
        # plot_response_curves
        "current": "current",
        "optimal": "optimal",
        "safe_split": "safe split",
        "split": "split",
        "observed_range": "observed range",
        "band": "{level} band",
        "curve_x": "spend ({unit} per period)",
        "curve_y": "revenue ({unit})",
        "money_1": "{currency}",
        "money_1e3": "thousand {currency}",
        "money_1e6": "million {currency}",
        "money_1e9": "billion {currency}",
        "curves_title": "Response curves: where each split puts each channel",
        # plot_split
        "split_entry": "{name}: revenue {revenue}, ROI {roi}",
        "split_title": "Budget split by channel",
    },
    "zh": {
        "clicks": "点击量",
        "cost": "花费",
        "conversions": "成交笔数",
        "revenue": "成交金额",
        "profit": "利润",
        "unit": "单位",
        "order": "单",
        "click": "次点击",
        "today": "当前",
        "plan": "方案",
        "spend": "花费",
        "budget_mark": "预算 {budget}",
        "cpc_bid": "点击出价",
        "per_day": "{unit}/天",
        "today_bids": "当前出价（方块）",
        "plan_bids": "方案出价（圆点）",
        "landscapes": "关键词出价曲线",
        "landscapes_with": "关键词出价曲线：{marks}",
        "and": "、",
        "seen": "实线加阴影：数据中出现过的出价；虚线：外推",
        "spend_per_day": "每天{spend}",
        "marginal": "边际每{per}花费",
        "marginal_cost": "边际每{per}花费",
        "frontier_title": "不同预算能买到的{unit}，以及最后一{currency}的边际成本",
        "keyword": "关键词",
        "channel": "渠道",
        "keywords": "个关键词",
        "channels": "个渠道",
        "change_title": "当前与方案的花费：变化最大的 {shown} 项（全部 {n} {what}：{total}）",
        "replay_x": "预算（日志的价格单位，对数刻度）",
        "replay_y": "赢得的点击量",
        "replay_title": "回放：不同预算赢得的点击量",
        "current": "当前",
        "optimal": "最优",
        "safe_split": "稳妥分配",
        "split": "分配",
        "observed_range": "历史花费范围",
        "band": "{level} 区间",
        "curve_x": "每期花费（{unit}）",
        "curve_y": "成交金额（{unit}）",
        "money_1": "{currency}",
        "money_1e3": "千{currency}",
        "money_1e6": "百万{currency}",
        "money_1e9": "十亿{currency}",
        "curves_title": "响应曲线：各分配方案在每个渠道的位置",
        "split_entry": "{name}：成交金额 {revenue}，投产比 {roi}",
        "split_title": "各渠道预算分配",
    },
}


def words(lang: Lang) -> dict[str, str]:
    """The figures' words in ``lang``."""
    return WORDS[lang]


def currency(style: PlotStyle, lang: Lang) -> str:
    """The style's currency; the default ``"yuan"`` is written 元 in Chinese."""
    return "元" if lang == "zh" and style.currency == "yuan" else style.currency


def money(style: PlotStyle, what: str, lang: Lang) -> str:
    """``what`` followed by the currency in parentheses: ``"spend (yuan)"``,
    ``"花费（元）"``."""
    if lang == "zh":
        return f"{what}（{currency(style, lang)}）"
    return style.money(what)
