"""Building blocks of the one-page HTML reports: page, tables, embedded figures, words.

Pages are self-contained: styles inline, figures embedded as base64 PNG ``data:`` URIs,
no script, no font, no stylesheet fetched from anywhere.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bidopt._lang import Lang, check_lang
from bidopt.exceptions import InvalidInputError

__all__ = ["Lang", "check_lang", "figure_img", "page", "table", "text", "write_html"]


_CSS = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei","Microsoft YaHei","PingFang SC",
"Helvetica Neue",Arial,sans-serif;max-width:1040px;margin:24px auto;padding:0 16px;
color:#222;line-height:1.45}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.4em;
border-bottom:1px solid #ddd;padding-bottom:.2em}
.sub{color:#666;margin-top:0}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
.warn{background:#fff7e0;border-left:4px solid #e0a000;padding:6px 12px;margin:.6em 0}
.warn li{margin:.2em 0}.ok{color:#176b2c}.bad{color:#a31515}
img{max-width:100%;height:auto;display:block;margin:.6em 0}
.note{color:#555;font-size:.9em}
"""

#: The words of both pages, by language.
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "plan_title": "Bid plan",
        "split_title": "Channel budget split",
        "made": "Made by bidopt from",
        "today": "today",
        "optimal": "optimal",
        "no_rule": "no rule",
        "plan": "plan",
        "change": "change",
        "spend": "spend (yuan/day)",
        "clicks": "clicks/day",
        "orders": "orders/day",
        "cpc": "CPC (yuan)",
        "cpa": "CPA (yuan)",
        "today_vs_plan": "Today vs the plan",
        "frontier": "What each budget buys (the spend/orders frontier)",
        "biggest": "The biggest bid changes",
        "warnings": "Warnings: what the data cannot tell",
        "no_warnings": "No warnings.",
        "data": "The data read",
        "campaign": "campaign",
        "ad_group": "ad group",
        "keyword": "keyword",
        "match_type": "match type",
        "current_bid": "current bid",
        "new_bid": "new bid",
        "action": "action",
        "reason": "reason",
        "actions": "Actions",
        "keywords": "keywords",
        "channel": "channel",
        "observed": "observed spend range",
        "rule_cost": "What the rule costs",
        "curves": "Response curves (shaded: the spend range seen in the history)",
        "splits": "Spend by channel",
        "revenue": "revenue",
        "roi": "ROI",
        "outside": "outside the history",
        "inside": "within the history",
        "in_range": "splits vs the range",
        "fit": "Fit of the response curves",
    },
    "zh": {
        "plan_title": "出价方案",
        "split_title": "渠道预算分配",
        "made": "由 bidopt 生成，数据来自",
        "today": "当前",
        "optimal": "最优",
        "no_rule": "无规则",
        "plan": "方案",
        "change": "变化",
        "spend": "花费（元/天）",
        "clicks": "点击/天",
        "orders": "成交笔数/天",
        "cpc": "平均点击花费（元）",
        "cpa": "每单花费（元）",
        "today_vs_plan": "当前与方案对比",
        "frontier": "不同预算能买到什么（花费—成交曲线）",
        "biggest": "变化最大的出价",
        "warnings": "提醒：数据说明不了的地方",
        "no_warnings": "没有提醒。",
        "data": "读取的数据",
        "campaign": "推广计划",
        "ad_group": "推广单元",
        "keyword": "关键词",
        "match_type": "匹配方式",
        "current_bid": "当前出价",
        "new_bid": "新出价",
        "action": "操作",
        "reason": "原因",
        "actions": "操作汇总",
        "keywords": "关键词数",
        "channel": "渠道",
        "observed": "历史花费范围",
        "rule_cost": "规则的代价",
        "curves": "响应曲线（阴影：历史上出现过的花费范围）",
        "splits": "各渠道花费",
        "revenue": "成交金额",
        "roi": "投产比",
        "outside": "超出历史范围",
        "inside": "在历史范围内",
        "in_range": "各方案是否在范围内",
        "fit": "响应曲线的拟合",
    },
}


def text(value: Any) -> str:
    """HTML-escaped text."""
    return html.escape(str(value))


def number(value: float, digits: int = 2) -> str:
    """A number with thousands separators, or an en dash when it is not finite."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:,.{digits}f}"


def table(
    header: Sequence[str], rows: Sequence[Sequence[Any]], *, numeric: Sequence[bool] = ()
) -> str:
    """An HTML table; cells are escaped, numeric columns right-aligned."""
    flags = list(numeric) + [False] * (len(header) - len(numeric))
    head = "".join(f"<th>{text(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{text(c)}</td>' if flag else f"<td>{text(c)}</td>"
            for c, flag in zip(row, flags, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def figure_img(fig: Any, alt: str, *, dpi: int = 96) -> str:
    """A matplotlib figure as an ``<img>`` with the PNG embedded (base64)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{text(alt)}" src="data:image/png;base64,{data}">'


def warnings_block(warnings: Sequence[str], lang: Lang) -> str:
    """The warnings as a highlighted list (or a line saying there are none)."""
    words = WORDS[lang]
    if not warnings:
        return f'<p class="ok">{text(words["no_warnings"])}</p>'
    items = "".join(f"<li>{text(w)}</li>" for w in warnings)
    return f'<div class="warn"><ul>{items}</ul></div>'


def page(title: str, subtitle: str, sections: Sequence[tuple[str, str]], lang: Lang) -> str:
    """A complete, self-contained HTML page: a title, a subtitle and (heading, body HTML)
    sections (bodies are trusted HTML built by this module's helpers)."""
    parts = [f"<h2>{text(h)}</h2>\n{body}" for h, body in sections]
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{text(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f'<h1>{text(title)}</h1>\n<p class="sub">{text(subtitle)}</p>\n'
        + "\n".join(parts)
        + "\n</body>\n</html>\n"
    )


def write_html(report: str, path: str | Path) -> Path:
    """Write a report's HTML text to ``path`` (UTF-8) and return the path."""
    if not isinstance(report, str) or not report.lstrip().lower().startswith("<!doctype html"):
        raise InvalidInputError(
            "`report` must be the HTML text of a report (from render_plan_report or "
            f"render_split_report). Got {type(report).__name__} instead."
        )
    out = Path(path)
    out.write_text(report, encoding="utf-8")
    return out
