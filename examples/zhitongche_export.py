"""Write a realistic (synthetic) Zhitongche keyword report and channel spend history.

The keyword report looks like a Taobao / Tmall report download: Chinese headers, several
campaigns, one keyword bid in two ad groups, impressions of 10,000 and more written with
万 (``1.2345万``), money with thousands separators (``1,234.50``), and a few keyword-days
with more orders than clicks (Taobao counts an order against the click that led to it
within its attribution window).  Numbers come from bidopt's seeded synthetic account, so
no merchant data is copied anywhere.

    python examples/zhitongche_export.py DIR      # writes DIR/zhitongche_report.xlsx,
                                                  # DIR/zhitongche_report.csv and
                                                  # DIR/channel_history.csv
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import numpy as np

from bidopt.channels import ResponseCurve
from bidopt.datasets import double11_channels, make_search_account

HEADER = [
    "日期",
    "推广计划名称",
    "推广单元名称",
    "关键词",
    "匹配方式",
    "出价(元)",
    "展现量",
    "点击量",
    "花费(元)",
    "成交笔数",
    "成交金额(元)",
]
MATCH = {"exact": "精确匹配", "phrase": "中心词匹配", "broad": "广泛匹配"}
CHANNELS = {
    "zhitongche": "直通车",
    "diamond": "钻展",
    "taobaoke": "淘宝客",
    "douyin": "抖音",
    "xiaohongshu": "小红书",
}


def _count(value: int) -> Any:
    # Taobao writes large counts with 万: 12345 -> "1.2345万" (exact)
    return f"{value / 10_000:g}万" if value >= 10_000 else value


def _money(value: float) -> str:
    return f"{value:,.2f}"


def keyword_report_rows(n_keywords: int = 300, n_days: int = 14, seed: int = 11) -> list[list[Any]]:
    """The report's data rows (cells as a Taobao export writes them)."""
    import pandas as pd

    account = make_search_account(n_keywords, n_days=n_days, rng=seed)
    frame = account.log.to_frame()
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    for column in ("campaign", "ad_group", "keyword", "match_type"):
        frame[column] = frame[column].astype(str)
    # one keyword bid in a second ad group of its campaign: same text, its own rows
    top = frame.groupby("keyword", observed=True)["clicks"].sum().idxmax()
    twin = frame[frame["keyword"] == top].copy()
    twin["ad_group"] = twin["ad_group"] + "-活动"
    twin["match_type"] = "exact"
    twin["impressions"] = (twin["impressions"] * 0.4).round().astype(int)
    twin["clicks"] = np.minimum((twin["clicks"] * 0.5).round().astype(int), twin["impressions"])
    twin["cost"] = (twin["cost"] * 0.5).round(2)
    twin.loc[twin["clicks"] == 0, "cost"] = 0.0
    twin["conversions"] = np.minimum(twin["conversions"] // 2, twin["clicks"])
    twin["revenue"] = (twin["revenue"] * 0.5).round(2)
    twin.loc[twin["conversions"] == 0, "revenue"] = 0.0
    frame = pd.concat([frame, twin], ignore_index=True)
    # attribution: a few keyword-days with more orders than clicks
    rng = np.random.default_rng(seed)
    candidates = np.flatnonzero(
        (frame["clicks"] > 0).to_numpy() & (frame["conversions"] > 0).to_numpy()
    )
    pick = rng.choice(candidates, size=min(4, candidates.size), replace=False)
    extra = frame.loc[pick, "clicks"] - frame.loc[pick, "conversions"] + 1
    value = frame.loc[pick, "revenue"] / frame.loc[pick, "conversions"]
    frame.loc[pick, "conversions"] += extra
    frame.loc[pick, "revenue"] = (frame.loc[pick, "conversions"] * value).round(2)
    return [
        [
            r.date,
            r.campaign,
            r.ad_group,
            r.keyword,
            MATCH[r.match_type],
            f"{r.bid:.2f}",
            _count(int(r.impressions)),
            _count(int(r.clicks)),
            _money(float(r.cost)),
            int(r.conversions),
            _money(float(r.revenue)),
        ]
        for r in frame.itertuples(index=False)
    ]


def channel_history_rows(n_weeks: int = 52, seed: int = 11) -> tuple[list[str], list[list[Any]]]:
    """A weekly spend history of the Double 11 channels with its revenue: header, rows."""
    plan = double11_channels()
    curves = plan.curves(ResponseCurve.from_roi)
    rng = np.random.default_rng(seed)
    names = list(plan.current)
    weekly = {c: x / 4.0 for c, x in plan.current.items()}
    rows = []
    for week in range(n_weeks):
        spend = {c: weekly[c] * float(rng.uniform(0.5, 1.6)) for c in names}
        revenue = sum(float(curves[c](4.0 * spend[c])) / 4.0 for c in names)
        revenue *= float(rng.normal(1.0, 0.03))
        day = np.datetime64("2025-01-06") + np.timedelta64(7 * week, "D")
        rows.append([str(day), *(round(spend[c], 2) for c in names), round(revenue, 2)])
    return ["日期", *(CHANNELS.get(c, c) for c in names), "成交金额"], rows


def write_examples(directory: str | Path) -> list[Path]:
    """Write the keyword report (``.xlsx`` and UTF-8 ``.csv``) and the channel history."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    rows = keyword_report_rows()
    written = []
    try:
        import openpyxl
    except ImportError:
        pass
    else:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "关键词报表"
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
        book.save(out / "zhitongche_report.xlsx")
        written.append(out / "zhitongche_report.xlsx")
    with (out / "zhitongche_report.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    written.append(out / "zhitongche_report.csv")
    header, history = channel_history_rows()
    with (out / "channel_history.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *history])
    written.append(out / "channel_history.csv")
    return written


if __name__ == "__main__":
    for path in write_examples(sys.argv[1] if len(sys.argv) > 1 else "."):
        print(path)
