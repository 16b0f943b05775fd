"""The two one-page reports: a bid plan (today vs plan, frontier, biggest changes,
warnings) and a channel split (the rule's cost, response curves with the observed range)."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from bidopt._split_words import gain_lines, rule_cost
from bidopt._validation import check_instance, check_scalar
from bidopt._wording import counted
from bidopt.bidding import Frontier, PlanRanges
from bidopt.channels import BudgetSplit, ResponseCurve, ResponseFit
from bidopt.datasets import KeywordLog, LoadIssue, LoadReport
from bidopt.exceptions import InvalidInputError
from bidopt.report._bidsheet import BidSheet
from bidopt.report._html import (
    WORDS,
    Lang,
    check_lang,
    figure_img,
    number,
    page,
    table,
    text,
    warnings_block,
)
from bidopt.report._words import ACTION_ZH, issue_zh, warning_en, warning_zh

__all__ = ["render_plan_report", "render_split_report"]

_ORDER = ("raise", "lower", "pause", "start", "keep")
_ACTIONS = {"en": {a: a for a in _ORDER}, "zh": {a: ACTION_ZH[a] for a in _ORDER}}


def _stamp(source: str, words: dict[str, str]) -> str:
    today = datetime.date.today().isoformat()
    return f"{words['made']} {source or '-'} · {today}"


def _load_section(load: LoadReport | None, lang: Lang) -> str:
    if load is None:
        return ""
    attribution = load.n_attribution
    if lang == "zh":
        lines = [
            f"读取 {load.n_read:,} 行，保留 {load.n_kept:,} 行，丢弃 {load.n_dropped:,} 行。",
            f"其中 {attribution:,} 行成交笔数多于点击量"
            "（淘宝归因窗口内的成交记在之前的点击上），已保留。"
            if attribution
            else "",
        ]
    else:
        lines = [
            f"Read {counted(load.n_read, 'row')}, kept {load.n_kept:,}, dropped "
            f"{load.n_dropped:,}.",
            f"{counted(attribution, 'row')} {'shows' if attribution == 1 else 'show'} more "
            "orders than clicks (orders counted against earlier clicks under Taobao's "
            f"attribution window); {'it is' if attribution == 1 else 'they are'} kept."
            if attribution
            else "",
        ]
    lines.append(load.split_note(lang))
    if load.title_rows:
        lines.append(
            f"表头在第 {load.header_line} 行：跳过了其上方的 {len(load.title_rows)} 行标题"
            f"（{'；'.join(load.title_rows[:3])}）。"
            if lang == "zh"
            else load.title_note()
        )
    body = "".join(f"<p>{text(line)}</p>" for line in lines if line)
    if load.lost_keys:
        # keywords with no row in the bid file: said by name, not left to the row count
        shown = 500
        more = len(load.lost_keys) - shown
        n_lost = len(load.lost_keys)
        intro = (
            f"{n_lost:,} 个关键词的所有行都被丢弃，出价表中没有它们（平台上的出价保持不变）："
            if lang == "zh"
            else f"{counted(n_lost, 'keyword')} has no row in the bid file (all its rows were "
            "dropped; its bid on the platform is left as it is):"
            if n_lost == 1
            else f"{n_lost:,} keywords have no row in the bid file (every row of theirs was "
            "dropped; their bids on the platform are left as they are):"
        )
        body += f"<p>{text(intro)}</p>"
        body += "<ul>" + "".join(f"<li>{text(k)}</li>" for k in load.lost_keys[:shown])
        body += (f"<li>… {more:,}</li>" if more > 0 else "") + "</ul>"
    totals, followers, repeats, others = _sorted_reasons(load)
    if export_total := totals.pop(_EXPORT, 0):
        body += (
            "<p>"
            + text(
                f"丢弃的行中有 {export_total:,} 行是报表的合计行（它所汇总各行之和），"
                "并非数据有误。"
                if lang == "zh"
                else "1 dropped row is the report's totals line (the sum of the rows it "
                "totals), not bad data."
                if export_total == 1
                else f"{export_total:,} dropped rows are the report's totals lines (each the "
                "sum of the rows it totals), not bad data."
            )
            + "</p>"
        )
    if repeats:
        n_repeats = f"{repeats:,}"
        body += (
            "<p>"
            + text(
                f"丢弃的行中有 {n_repeats} 行与之前的某一行完全相同（报表重复导出或重复粘贴），"
                "只保留一份，以免重复计算。"
                if lang == "zh"
                else f"{n_repeats} dropped {'row repeats' if repeats == 1 else 'rows repeat'} "
                "an earlier row exactly (a report exported or pasted twice): one copy is kept, "
                "so nothing is counted twice."
            )
            + "</p>"
        )
    if totals:
        n_split = sum(totals.values())
        n_total, by = f"{n_split:,}", "/".join(load.split_columns) or "?"
        # (a total row whose split cell is empty: named as such)
        named = [t or ("空白" if lang == "zh" else "blank") for t in totals]
        labels = "、".join(named) if lang == "zh" else ", ".join(named)
        body += (
            "<p>"
            + text(
                f"丢弃的行中有 {n_total} 行是按{by}拆分时每个关键词每天的合计行（{labels}，"
                "即其余各行之和），并非数据有误：去掉它们，只把其余各行相加，以免重复计算。"
                if lang == "zh"
                else f"1 dropped row is the {by} split's total row of its keyword-day "
                f"({labels}: the sum of the other rows), not bad data: it is dropped and the "
                "other rows summed, so nothing is counted twice."
                if n_split == 1
                else f"{n_total} dropped rows are the {by} split's total rows of their "
                f"keyword-days ({labels}: the sum of the other rows), not bad data: they are "
                "dropped and the other rows summed, so nothing is counted twice."
            )
            + "</p>"
        )
    headers = {column: header for header, column in load.column_map.items()}
    reasons = [issue_zh(i, headers) if lang == "zh" else i.text for i in others[:10]]
    if reasons:
        body += "<ul>" + "".join(f"<li>{text(r)}</li>" for r in reasons)
        if len(others) > len(reasons):  # (the count above must add up to what is shown)
            unlisted = f"{len(others) - len(reasons):,}"
            body += (
                "<li>"
                + text(
                    f"……另有 {unlisted} 行，见下方逐行列表"
                    if lang == "zh"
                    else f"... and {unlisted} more, in the list of each dropped row below"
                )
                + "</li>"
            )
        body += "</ul>"
    if followers:
        n_with = f"{followers:,}"
        body += (
            "<p>"
            + text(
                f"另有 {n_with} 行与被丢弃的行同属一个关键词-天，一并丢弃：只用当天其余拆分行"
                "相加会少算这一天。"
                if lang == "zh"
                else f"{n_with} more {'row was' if followers == 1 else 'rows were'} dropped "
                f"with them: {'it shares' if followers == 1 else 'each shares'} its keyword-day "
                "with a dropped row, and the day's other split rows alone would undercount it."
            )
            + "</p>"
        )
    return body + _every_dropped_row(load, headers, lang)


#: The most rows the page lists one by one under "every dropped row".
_LISTED = 2000


def _every_dropped_row(load: LoadReport, headers: Mapping[str, str], lang: Lang) -> str:
    """Every dropped row with its reason, in ``lang``, folded (``<details>``, no script)
    under the counts above: the rows the page counts (totals lines, copies, rows dropped
    with their keyword-day) are listed here too, so each dropped row can be found."""
    dropped = load.issues_of(action="dropped")
    if not dropped:
        return ""
    rows = [issue_zh(i, headers) if lang == "zh" else _issue_en(i) for i in dropped[:_LISTED]]
    n = f"{len(dropped):,}"
    summary = (
        f"逐行列出丢弃的 {n} 行及原因" if lang == "zh" else f"Each of the {n} dropped rows and why"
    )
    more = len(dropped) - len(rows)
    tail = (
        ""
        if more <= 0
        else "<p>"
        + text(
            f"……另有 {more:,} 行未列出"
            "（Python 中 read_keyword_log(...).report.to_frame() 逐行列出）"
            if lang == "zh"
            else f"... and {more:,} more (read_keyword_log(...).report.to_frame() lists them all)"
        )
        + "</p>"
    )
    return (
        f"<details><summary>{text(summary)}</summary><ul>"
        + "".join(f"<li>{text(r)}</li>" for r in rows)
        + "</ul>"
        + tail
        + "</details>"
    )


def _issue_en(issue: LoadIssue) -> str:
    """A dropped row's reason on the English page: the reader's sentence, except for the
    rows the page counts as no bad data (a totals line, a copy, a row dropped with its
    keyword-day), which read as what they are."""
    where = issue.where
    if issue.kind == "export_total":
        name = f" ({issue.keyword})" if issue.keyword else ""
        return (
            f"{where}: the report's totals line{name}, the sum of the rows it totals; not bad data"
        )
    if issue.kind == "split_total":
        label = issue.label or "blank"
        return f"{where}: its keyword-day's total row over the split ({label}); not bad data"
    other = f"row {issue.other_row}" if issue.other_line is None else f"line {issue.other_line}"
    if issue.kind == "repeat":
        return f"{where}: a copy of {other}; one copy is kept"
    if issue.kind == "with_its_day":
        return (
            f"{where}: dropped with {other} of its keyword-day (the day's other "
            "split rows alone would undercount it)"
        )
    return issue.text


_EXPORT = "\0export"  # (the export's own totals row, among the split's total labels)


def _sorted_reasons(load: LoadReport) -> tuple[dict[str, int], int, int, list[LoadIssue]]:
    """The dropped rows of ``load`` by the kind of their issue (``load.issues``, never
    their wording): a split report's total rows (全部 / 合计 beside the device rows)
    counted by label (the export's own totals row under the label ``_EXPORT``), the rows
    dropped only because another row of their keyword-day was, counted, the rows that
    repeat an earlier row exactly, counted, and the other rows' issues in order.  The
    page says the first three in a line each: listed among the others, the total rows
    and the copies would read as bad data, and the followers would hide the row that was
    bad."""
    totals: dict[str, int] = {}
    followers = repeats = 0
    others = []
    for issue in load.issues_of(action="dropped"):
        if issue.bad_data:
            others.append(issue)
        elif issue.kind == "export_total":
            totals[_EXPORT] = totals.get(_EXPORT, 0) + 1
        elif issue.kind == "split_total":
            label = issue.label or ""
            totals[label] = totals.get(label, 0) + 1
        elif issue.kind == "with_its_day":
            followers += 1
        elif issue.kind == "repeat":
            repeats += 1
        else:  # (no bad data of a kind this page has no line for: listed)
            others.append(issue)
    return totals, followers, repeats, others


def _ranges_block(ranges: PlanRanges, lang: Lang) -> str:
    """The plan's and today's 80% ranges per metric, and how often the plan wins."""
    words = WORDS[lang]
    names = {"spend": "spend", "clicks": "clicks", "conversions": "orders"}
    rows = []
    for metric, key in names.items():
        if metric not in ranges.metrics:
            continue
        lo, hi = ranges.interval(metric)
        tlo, thi = ranges.interval(metric, today=True)
        rows.append([words[key], f"{number(tlo)} – {number(thi)}", f"{number(lo)} – {number(hi)}"])
    level = f"{ranges.level:.0%}"
    head = (
        f"{level} 区间（估计的不确定性）"
        if lang == "zh"
        else f"{level} range (estimate's uncertainty)"
    )
    better = ranges.probability_better
    line = (
        f"在 {better:.0%} 的抽样中，方案优于受同样预算和目标约束的当前出价。"
        if lang == "zh"
        else f"The plan beats today's bids held to its budget and targets in {better:.0%} of the "
        "draws."
    )
    body = table([head, words["today"], words["plan"]], rows, numeric=[False, True, True])
    return body + f"<p>{text(line)}</p>"


def _frontier_figure(frontier: Frontier, sheet: BidSheet, lang: Lang) -> str:
    # a budget far beyond anything the frontier spends (it does not limit the plan) is
    # said under the figure, not drawn: its line would squeeze the curve against the axis
    reach = float(np.nanmax(frontier.spend, initial=0.0))
    off = reach > 0 and sheet.budget > 1.5 * reach
    try:
        from bidopt import plotting

        fig = plotting.plot_frontier(frontier, budget=None if off else sheet.budget, lang=lang)
    except ImportError as exc:
        return f'<p class="note">{text(exc)}</p>'
    note = ""
    if off:
        unit = {"conversions": ("成交", "orders"), "clicks": ("点击", "clicks")}.get(
            frontier.objective, ("回报", "return")
        )
        note = text(
            f"每日预算 {sheet.budget:,.2f} 元远高于图中任何预算下方案会花的钱（最多 {reach:,.2f} "
            f"元/天）：更多预算买不到更多{unit[0]}，图中没有画出预算线。"
            if lang == "zh"
            else f"The daily budget, {sheet.budget:,.2f} yuan, is far above what the plan "
            f"spends at any budget in the figure (at most {reach:,.2f} yuan a day): more "
            f"budget buys no more {unit[1]}, so the figure does not draw it."
        )
        note = f'<p class="note">{note}</p>'
    if frontier.objective == "conversions":
        totals = sheet.totals()
        ax = fig.axes[0]
        for name, marker in (("today", "D"), ("plan", "*")):
            label = WORDS[lang][name]
            ax.plot(
                [totals[name]["spend"]],
                [totals[name]["orders"]],
                marker=marker,
                markersize=12,
                linestyle="none",
                label=label,
            )
        # one legend for both axes, as plot_frontier draws it (the marginal-cost line is
        # on the right axis)
        handles = [h for a in fig.axes for h in a.get_legend_handles_labels()[0]]
        ax.legend(handles=handles, fontsize="small", loc="lower right")
    return figure_img(fig, WORDS[lang]["frontier"]) + note


def _today_note(log: KeywordLog, lang: Lang) -> str:
    """What the comparison's *today* column is, and the report's own figures per day
    (its totals over its days), to check the page against."""
    days = int(np.unique(log.date).size)
    last = str(np.max(log.date))[:10]
    t = log.totals()
    spend, clicks = t.get("cost", float("nan")) / days, t["clicks"] / days
    orders = t["conversions"] / days if "conversions" in t else None
    if lang == "zh":
        bought = f"花费 {spend:,.2f} 元、点击 {clicks:,.1f} 次" + (
            "" if orders is None else f"、成交 {orders:,.2f} 单"
        )
        return (
            f"“当前”一栏是报表最后一天（{last}）的出价在估计的出价曲线上平均一天的花费、点击和"
            f"成交，不是报表中某一天的实际数字。报表 {days:,} 天中平均每天实际{bought}。"
        )
    bought = f"{spend:,.2f} yuan, {clicks:,.1f} clicks" + (
        "" if orders is None else f" and {orders:,.2f} orders"
    )
    return (
        f"The 'today' column is what the report's last-day bids ({last}) buy on an average "
        "day on the estimated landscapes, not any one day's actual figures. Over its "
        f"{counted(days, 'day')} the report itself averaged {bought} a day."
    )


def render_plan_report(
    sheet: BidSheet,
    *,
    frontier: Frontier | None = None,
    ranges: PlanRanges | None = None,
    load_report: LoadReport | None = None,
    source: str = "",
    lang: Lang = "en",
    top: int = 15,
    log: KeywordLog | None = None,
) -> str:
    """A one-page, self-contained HTML report of a bid plan.

    Sections: today vs the plan (spend, clicks, orders, CPC, CPA per day), the
    spend/orders frontier with today and the plan marked, the ``top`` biggest bid changes
    (by the change in daily spend), the count of each action, the warnings in plain
    words, and what was read (rows kept and dropped, Taobao attribution rows).

    Parameters
    ----------
    sheet : BidSheet
        From :func:`make_bid_sheet`.
    frontier : Frontier, optional
        From :func:`bidopt.bidding.bid_frontier`; drawn when matplotlib is installed.
    ranges : PlanRanges, optional
        ``plan.ranges`` of a plan made on an estimate: the 80% ranges of the plan's and
        today's totals over the estimate's draws, shown under the comparison.
    load_report : LoadReport, optional
        ``log.report`` of the keyword report.
    source : str, optional
        The report's name, shown under the title.
    lang : {"en", "zh"}, default "en"
    top : int, default 15
    log : KeywordLog, optional
        The keyword report as read: the page then says what the *today* column is (the
        report's last-day bids on the estimated landscapes) beside the report's own
        spend, clicks and orders per day, so each figure can be checked against it.

    Returns
    -------
    str
        The HTML text (write it with :func:`write_html`).
    """
    check_instance(sheet, "sheet", BidSheet, "a BidSheet (from make_bid_sheet)")
    lang = check_lang(lang)
    n_top = int(check_scalar(top, "top", lower=1, integer=True))
    words = WORDS[lang]
    t = sheet.totals()
    rows = []
    for key, digits in (("spend", 2), ("clicks", 1), ("orders", 2), ("cpc", 2), ("cpa", 2)):
        a, b = t["today"][key], t["plan"][key]
        rows.append([words[key], number(a, digits), number(b, digits), number(b - a, digits)])
    compare = table(
        ["", words["today"], words["plan"], words["change"]],
        rows,
        numeric=[False, True, True, True],
    )
    if lang == "zh":
        budget_line = (
            f"每日预算 {sheet.budget:,.2f} 元；出价按 {sheet.step:g} 元取整后预计花费 "
            f"{sheet.spend:,.2f} 元（{'未超预算' if sheet.success else '超出预算或出价限制'}）。"
            + (f"{note}。" if (note := sheet.aim_note("zh")) else "")
            + f"出价限制 {sheet.min_bid:g}–{sheet.max_bid:g} 元。"
        )
    else:
        budget_line = (
            f"Daily budget {sheet.budget:,.2f} yuan; with bids rounded {sheet.rounded()} "
            f"the plan is expected to spend {sheet.spend:,.2f} yuan "
            f"({'within the budget' if sheet.success else sheet.message}). "
            + (f"{note[0].upper()}{note[1:]}. " if (note := sheet.aim_note("en")) else "")
            + f"Bid limits {sheet.min_bid:g}-{sheet.max_bid:g} yuan."
        )
    if log is not None and len(log):
        compare += f'<p class="note">{text(_today_note(log, lang))}</p>'
    compare += f'<p class="{"ok" if sheet.success else "bad"}">{text(budget_line)}</p>'
    if ranges is not None:
        compare += _ranges_block(ranges, lang)
    counts = [[_ACTIONS[lang][a], int((sheet.action == a).sum())] for a in _ACTIONS[lang]]
    action_table = table([words["action"], words["keywords"]], counts, numeric=[False, True])
    delta = np.abs(sheet.cost - sheet.current_cost) + np.abs(sheet.change) * 1e-6
    order = np.argsort(-delta, kind="stable")
    order = order[sheet.action[order] != "keep"][:n_top]
    # the rows as the bid file writes them (the same new bid, a paused keyword's 0.05
    # included, and the match type as the report wrote it), so page and file agree
    file_rows = sheet.rows(lang)
    big = [
        [*file_rows[i][:4], number(file_rows[i][4]), number(file_rows[i][5]), file_rows[i][8]]
        for i in order.tolist()
    ]
    changes = table(
        [words[k] for k in ("campaign", "ad_group", "keyword", "match_type", "current_bid")]
        + [words["new_bid"], words["reason"]],
        big,
        numeric=[False, False, False, False, True, True, False],
    )
    sections = [
        (words["today_vs_plan"], compare),
        *([(words["frontier"], _frontier_figure(frontier, sheet, lang))] if frontier else []),
        (words["biggest"], changes),
        (words["actions"], action_table),
        (words["warnings"], warnings_block(sheet.warnings_in(lang), lang)),
    ]
    if load_report is not None:
        sections.append((words["data"], _load_section(load_report, lang)))
    return page(words["plan_title"], _stamp(source, words), sections, lang)


def _shade_observed(fig: Any, curves: Mapping[str, ResponseCurve], observed: Any) -> bool:
    """Shade each channel's observed spend range on its response-curve panel; False when
    the panels cannot be matched to channels and their axis units (nothing is drawn)."""
    done = False
    for ax in fig.axes:
        channel = ax.get_title()
        if channel not in curves or channel not in observed or not ax.lines:
            continue
        x = np.asarray(ax.lines[0].get_xdata(), dtype=float)
        y = np.asarray(ax.lines[0].get_ydata(), dtype=float)
        for scale in (1.0, 1e3, 1e4, 1e6, 1e9):  # the units plot_response_curves uses (and 1e4: 万)
            if np.allclose(np.asarray(curves[channel](x * scale)) / scale, y, rtol=1e-6, atol=1e-9):
                lo, hi = observed[channel]
                ax.axvspan(lo / scale, hi / scale, color="0.85", zorder=0)
                done = True
                break
    return done


def render_split_report(
    splits: Mapping[str, BudgetSplit],
    curves: Mapping[str, ResponseCurve],
    *,
    rule: str,
    observed: Mapping[str, tuple[float, float]] | None = None,
    fit: ResponseFit | None = None,
    warnings: Sequence[str | Warning] = (),
    source: str = "",
    lang: Lang = "en",
) -> str:
    """A one-page, self-contained HTML report of a channel budget split under a rule.

    Sections: spend per channel today, under the rule and at the optimum (with each
    channel's observed spend range and whether the plan leaves it), what the rule costs
    in revenue, the split bars and the response curves (the observed range shaded), the
    curves' fit, and the warnings.

    Parameters
    ----------
    splits : mapping of str to BudgetSplit
        From :func:`bidopt.channels.compare_splits`: ``"current"`` (optional), the rule,
        ``"optimal"``; or splits of a fit over its draws (:func:`bidopt.channels.split_budget`
        of a :class:`~bidopt.channels.ResponseFit`): the rule's and, under ``"optimal"``,
        the same split without the rule (shown as *no rule*). With draws, today's column
        comes from the rule split's ``current_spend`` when ``"current"`` is absent, and
        the page gives the gain over today with its 80% interval and the share of draws
        it gains in, the safe default's words when it stopped short, and the rule's cost
        with its 80% interval over the same draws.
    curves : mapping of str to ResponseCurve
        The curves the splits were made with.
    rule : str
        The key of the rule's split in ``splits``.
    observed : mapping of str to (float, float), optional
        Each channel's lowest and highest spend per period in the history, yuan.
    fit : ResponseFit, optional
        The fit behind ``curves`` (its R² and NRMSE are shown).
    warnings : sequence of str or Warning
        Plain-word warnings to show; a library warning (a
        :class:`~bidopt.exceptions.BidoptWarning` of a known ``kind``) is said in Chinese
        on a ``"zh"`` page from its ``details``, any other as its text.
    source : str, optional
    lang : {"en", "zh"}, default "en"

    Returns
    -------
    str
        The HTML text.
    """
    lang = check_lang(lang)
    words = WORDS[lang]
    if rule not in splits or "optimal" not in splits:
        raise InvalidInputError(
            f"`splits` must hold the rule's split ({rule!r}) and 'optimal'. Got keys "
            f"{list(splits)} instead."
        )
    split = splits[rule]
    free = splits["optimal"]
    over_draws = split.response_draws is not None and free.response_draws is not None
    shown = dict(splits)
    if "current" not in shown and split.current_spend is not None:
        # today's split as the split over a fit's draws saw it: each channel's expected
        # revenue over the draws when the fit is given, else its total alone (the page
        # reads only the total) spread evenly
        if fit is not None and fit.draws is not None:
            per_draw = fit.draws.value_and_derivative(
                np.array([split.current_spend[split.channels.index(c)] for c in fit.draws.channels])
            )[0]
            mean = dict(zip(fit.draws.channels, per_draw.mean(axis=0).tolist(), strict=True))
            today = np.array([mean[c] for c in split.channels])
        else:
            response = float(split.current_response or 0.0)
            today = np.full(len(split.channels), response / len(split.channels))
        shown["current"] = dataclasses.replace(
            split, spend=split.current_spend, channel_response=today
        )
    channels = free.channels
    names = [n for n in ("current", rule, "optimal") if n in shown]
    label = {
        "current": words["today"],
        rule: rule,
        "optimal": words["no_rule"] if over_draws else words["optimal"],
    }
    rows = []
    notes = [warning_zh(w) if lang == "zh" else warning_en(w) for w in warnings]
    for j, c in enumerate(channels):
        row: list[Any] = [c, *(number(float(shown[n].spend[j]), 0) for n in names)]
        if observed is not None and c in observed:
            lo, hi = observed[c]
            outside = [n for n in names if not lo * 0.999 <= shown[n].spend[j] <= hi * 1.001]
            row += [f"{lo:,.0f}–{hi:,.0f}", words["outside"] if outside else words["inside"]]
        rows.append(row)
    totals: list[Any] = [words["revenue"], *(number(shown[n].response, 0) for n in names)]
    rois: list[Any] = [words["roi"], *(number(shown[n].roi, 2) for n in names)]
    extra = [words["observed"], words["in_range"]] if observed is not None else []
    header = [words["channel"], *(label[n] for n in names), *extra]
    pad = [""] * len(extra)
    body = table(
        header,
        [*rows, totals + pad, rois + pad],
        numeric=[False, *([True] * len(names)), *([False] * len(extra))],
    )
    body += "".join(f"<p>{text(line)}</p>" for line in gain_lines(split, rule, lang))
    cost, spread = rule_cost(split, free) if over_draws else (split.rule_cost, None)
    if cost is not None:
        # a gain (two safe splits: the one under the rule may earn more) is said as one,
        # not as "gives up -79,613 yuan"
        sign = 1.0 if cost >= 0 else -1.0
        share = sign * cost / free.response if free.response > 0 else 0.0
        interval = ""
        if spread is not None:
            lo, hi = sorted((sign * spread[0], sign * spread[1]))
            interval = (
                f"，曲线抽样 80% 区间 {lo:,.0f} 至 {hi:,.0f} 元"
                if lang == "zh"
                else f"; 80% interval {lo:,.0f} to {hi:,.0f} over the curve draws"
            )
        against = words["no_rule"] if over_draws else words["optimal"]
        other = "split without the rule" if over_draws else "optimum"
        if cost >= 0:
            line = (
                f"规则“{rule}”比{against}的分配少 {cost:,.0f} 元成交金额（{share:.1%}{interval}）。"
                if lang == "zh"
                else f"The rule '{rule}' gives up {cost:,.0f} yuan of revenue per period "
                f"against the {other} ({share:.1%}{interval})."
            )
        else:
            line = (
                f"规则“{rule}”的分配比{against}的分配多 {-cost:,.0f} 元成交金额（{share:.1%}"
                f"{interval}）。"
                if lang == "zh"
                else f"The split under the rule '{rule}' earns {-cost:,.0f} yuan more revenue "
                f"per period than the {other} ({share:.1%}{interval})."
            )
        body += f"<p><b>{text(line)}</b></p>"
    figures = bars = ""
    try:
        from bidopt import plotting

        # the bars under their own heading (they sat under the curves' "shaded: the
        # spend range seen" heading, which says nothing about them)
        bars = figure_img(
            plotting.plot_split({label[n]: shown[n] for n in names}, lang=lang), words["splits"]
        )
        # a fit's curves are drawn with the band of its draws, solid over the spends
        # seen and dashed outside them; bare curves as they are
        drawn = fit if fit is not None and fit.draws is not None else curves
        # the split without the rule is not the optimum over draws: named as the page does
        fig = plotting.plot_response_curves(
            drawn,
            free,
            others={rule: split},
            lang=lang,
            name=label["optimal"] if over_draws else None,
        )
        shaded = observed is not None and _shade_observed(fig, curves, observed)
        if observed is not None and not shaded:
            notes.append(
                "历史花费范围无法画在曲线上，请看上面的表。"
                if lang == "zh"
                else "The observed spend ranges could not be drawn on the curves; see the table."
            )
        figures += figure_img(fig, words["curves"])
    except ImportError as exc:
        figures = f'<p class="note">{text(exc)}</p>'
    sections = [
        (words["rule_cost"], body),
        *([(words["splits"], bars)] if bars else []),
        (words["curves"], figures),
    ]
    if fit is not None:
        # the optimiser's own message only when the fit failed, in plain words
        failed = (
            ""
            if fit.success
            else (
                f"响应曲线拟合未收敛，结果不可靠：{fit.message}"
                if lang == "zh"
                else f"The curve fit did not converge, so the curves are unreliable: {fit.message}"
            )
        )
        fit_line = f"<p>R² {fit.r2:.3f}, NRMSE {fit.nrmse:.3f}</p>"
        if failed:
            fit_line += f'<p class="bad">{text(failed)}</p>'
        sections.append((words["fit"], fit_line))
    sections.append((words["warnings"], warnings_block(notes, lang)))
    return page(words["split_title"], _stamp(source, words), sections, lang)
