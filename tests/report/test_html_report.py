"""The one-page HTML reports open in a real browser (headless Chromium): their text is
there, every embedded figure decodes, and nothing is fetched from anywhere."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bidopt.bidding import bid_frontier, optimize_bids
from bidopt.channels import ResponseCurve, compare_splits, fit_response, split_budget
from bidopt.datasets import double11_channels, make_search_account, read_keyword_log
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import estimate_landscapes
from bidopt.report import make_bid_sheet, render_plan_report, render_split_report, write_html
from bidopt.report._html import WORDS
from tests.report.test_bidsheet import _log

pytest.importorskip("matplotlib", reason="the report's figures need the optional matplotlib")

_PROBE = (
    '<script>window.addEventListener("load",function(){var im=document.images,w=[];'
    "for(var i=0;i<im.length;i++){w.push(im[i].naturalWidth)}"
    'document.body.setAttribute("data-probe",JSON.stringify(w));});</script>'
)
_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("CI must have chromium (.ci/run installs the Debian package `chromium`)")
    pytest.skip("chromium is not installed (apt-get install chromium); CI always runs this test")


def _render(page: str, tmp_path: Path, name: str) -> tuple[str, list[int]]:
    """The DOM after load, and the natural width of each image, from headless Chromium."""
    probe = tmp_path / f"{name}.html"
    probe.write_text(page.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    run = subprocess.run(
        [
            _chromium(),
            *_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    found = re.search(r'data-probe="([^"]*)"', run.stdout)
    assert found is not None, "the page's load handler did not run"
    return run.stdout, json.loads(found.group(1).replace("&quot;", '"'))


def _self_contained(page: str) -> None:
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "url(http" not in page and "@import" not in page
    assert "<script" not in page  # (the probe is added to a copy only)


@pytest.fixture(scope="module")
def plan_pages() -> dict[str, str]:
    account = make_search_account(60, n_days=10, rng=4)
    log = account.log
    estimate = estimate_landscapes(log)
    budget = float(account.expected().totals()["cost"])
    plan = optimize_bids(estimate, budget, min_bid=0.05, max_bid=99.99)
    sheet = make_bid_sheet(log, estimate, plan)
    frontier = bid_frontier(estimate.landscapes, np.linspace(0.3, 1.8, 6) * budget)
    return {
        "zh": render_plan_report(
            sheet,
            frontier=frontier,
            ranges=plan.ranges,
            load_report=log.report,
            source="报表.xlsx",
            lang="zh",
        ),
        "en": render_plan_report(sheet, load_report=log.report, lang="en"),  # (no figure)
        # the table lists the changed keywords whose spend moves most
        "keyword": str(
            sheet.keyword[
                np.argmax(
                    np.where(sheet.action != "keep", np.abs(sheet.cost - sheet.current_cost), -1)
                )
            ]
        ),
    }


def test_plan_report_renders_in_chromium(plan_pages: dict[str, str], tmp_path: Path) -> None:
    page = plan_pages["zh"]
    _self_contained(page)
    dom, widths = _render(page, tmp_path, "plan")
    for words in (
        "出价方案",
        "当前与方案对比",
        "80% 区间",
        "变化最大的出价",
        plan_pages["keyword"],
    ):
        assert words in dom
    assert len(widths) == page.count("<img") >= 1
    assert all(w > 0 for w in widths), widths  # every embedded PNG decoded
    assert 'lang="zh-CN"' in page
    english = plan_pages["en"]
    assert "Today vs the plan" in english and 'lang="en"' in english
    # a screenshot of the page: Chromium paints it
    shot = tmp_path / "plan.png"
    subprocess.run(
        [
            _chromium(),
            *_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1000,1400",
            (tmp_path / "plan.html").as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 20_000


def _double11_splits() -> tuple[Any, dict[str, ResponseCurve], dict[str, Any]]:
    """The Double-11 plan, its curves from ROI and its splits under core 60%."""
    plan = double11_channels()
    curves = plan.curves(ResponseCurve.from_roi)
    groups = {k: list(v) for k, v in plan.groups.items()}
    splits = compare_splits(
        curves,
        plan.budget,
        groups=groups,
        scenarios={"core 60%": {"core": 0.6, "emerging": 0.4}},
        current=plan.current,
    )
    return plan, curves, splits


def test_split_report_renders_in_chromium(tmp_path: Path) -> None:
    plan, curves, splits = _double11_splits()
    observed = {c: (0.5 * x, 1.2 * x) for c, x in plan.current.items()}
    page = render_split_report(
        splits, curves, rule="core 60%", observed=observed, source="history.csv", lang="en"
    )
    _self_contained(page)
    dom, widths = _render(page, tmp_path, "split")
    assert "Channel budget split" in dom and "What the rule costs" in dom
    cost = splits["core 60%"].rule_cost
    assert cost is not None and f"{cost:,.0f}" in dom
    assert "outside the history" in dom  # some split leaves the observed range
    assert len(widths) == 2 and all(w > 0 for w in widths), widths
    out = write_html(page, tmp_path / "report.html")
    assert out.read_text(encoding="utf-8") == page
    with pytest.raises(InvalidInputError, match="must be the HTML text"):
        write_html("not html", tmp_path / "x.html")


def test_split_report_says_a_failed_fit_in_plain_words() -> None:
    # the optimiser's own message ("`ftol` termination condition is satisfied.") is not
    # for a merchant: shown only when the fit failed, and then said as a failure; and a
    # page without `observed` (optional) renders (it raised in the table's zip before)
    from types import SimpleNamespace

    _, curves, splits = _double11_splits()
    for success, lang in ((True, "en"), (False, "en"), (False, "zh")):
        fit = SimpleNamespace(
            draws=None, r2=0.9, nrmse=0.05, success=success, message="`ftol` condition"
        )
        page = render_split_report(splits, curves, rule="core 60%", fit=fit, lang=lang)  # type: ignore[arg-type]
        assert "R² 0.900, NRMSE 0.050" in page
        assert ("`ftol` condition" in page) is not success
        if not success:
            assert ("未收敛" if lang == "zh" else "did not converge") in page


def _figure_labels(fig: Any) -> list[str]:
    """A figure's titles, axis labels and legend entries, read from matplotlib."""
    out = [fig.get_suptitle()]
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        legend = ax.get_legend()
        if legend is not None:
            out += [t.get_text() for t in legend.get_texts()]
    for legend in fig.legends:  # plot_split's legend is the figure's
        out += [t.get_text() for t in legend.get_texts()]
    return [t for t in out if t]


def _keep_figures(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The figures the pages embed, by their alt text (not rendered to PNG)."""
    import bidopt.report._pages as pages

    seen: dict[str, Any] = {}

    def keep(fig: Any, alt: str) -> str:
        seen[alt] = fig
        return ""

    monkeypatch.setattr(pages, "figure_img", keep)
    return seen


def _english_words(labels: list[str], names: Any = ()) -> set[str]:
    """The Latin words of ``labels``, the names given to the page (rules, channels) aside."""
    given = set(re.findall(r"[A-Za-z]{2,}", " ".join(names)))
    return set(re.findall(r"[A-Za-z]{2,}", " ".join(labels))) - given


def test_frontier_figure_keeps_the_marginal_line_in_its_legend_and_speaks_chinese(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the plan page re-draws the legend to add today and the plan: the right axis's
    # marginal-cost line must stay in it, and the zh page's figure has no English word
    account = make_search_account(40, n_days=8, rng=4)
    estimate = estimate_landscapes(account.log)
    budget = float(account.expected().totals()["cost"])
    plan = optimize_bids(estimate, budget)
    sheet = make_bid_sheet(account.log, estimate, plan)
    frontier = bid_frontier(estimate.landscapes, np.linspace(0.3, 1.8, 6) * budget)
    seen = _keep_figures(monkeypatch)
    labels = {}
    for lang, marginal in (("en", "marginal"), ("zh", "边际每单花费")):
        render_plan_report(sheet, frontier=frontier, lang=lang)  # type: ignore[arg-type]
        fig = seen.pop(WORDS[lang]["frontier"])
        legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert marginal in legend and WORDS[lang]["plan"] in legend, legend
        labels[lang] = _figure_labels(fig)
    assert labels["zh"][:3] == [
        "不同预算能买到的成交笔数，以及最后一元的边际成本",
        "每天花费（元）",
        "成交笔数",
    ]
    assert any(label.startswith("预算 ") for label in labels["zh"]), labels["zh"]
    english = _english_words(labels["en"])
    assert english and not english & _english_words(labels["zh"]), labels["zh"]
    assert labels["en"][:3] == [
        "What each budget buys, and what the last yuan buys",
        "spend (yuan) per day",
        "orders",
    ]


def test_split_page_figures_speak_the_pages_language(monkeypatch: pytest.MonkeyPatch) -> None:
    # a fit with draws, as `python -m bidopt split` makes: the bars, and the curves with
    # the observed range, the band of the draws, today, the rule and "no rule"
    rng = np.random.default_rng(5)
    channels = ["search", "display"]
    spend = {c: rng.uniform(2e4, 8e4, 30) for c in channels}
    kpi = 3.0 * spend["search"] ** 0.8 + 2.0 * spend["display"] ** 0.8 + rng.normal(0, 500, 30)
    fit = fit_response(spend, kpi, adstock="none", rng=0, options={"n_starts": 1})
    current = {"search": 6e4, "display": 4e4}
    rule = "search 70%"
    groups = {"a": ["search"], "b": ["display"]}
    splits = {
        rule: split_budget(
            fit, 1e5, groups=groups, group_shares={"a": 0.7, "b": 0.3}, current=current
        ),
        "optimal": split_budget(fit, 1e5, current=current),
    }
    observed = {c: (float(v.min()), float(v.max())) for c, v in spend.items()}
    seen = _keep_figures(monkeypatch)
    labels: dict[str, list[str]] = {}
    for lang in ("en", "zh"):
        render_split_report(splits, fit.curves, rule=rule, observed=observed, fit=fit, lang=lang)
        labels[lang] = [
            label
            for alt in (WORDS[lang]["splits"], WORDS[lang]["curves"])
            for label in _figure_labels(seen.pop(alt))
        ]
    names = [*channels, rule]
    english = _english_words(labels["en"], names)
    assert {"observed", "range", "band", "current", "revenue", "ROI"} <= english
    assert not english & _english_words(labels["zh"], names), labels["zh"]
    assert {"历史花费范围", "80% 区间", "当前", "无规则"} <= set(labels["zh"]), labels["zh"]
    assert "no rule" in labels["en"] and "optimal" not in labels["en"]


def test_split_page_heads_every_column_and_gives_the_bars_their_own_section() -> None:
    """The split table's last column (within / outside the history) had an empty header,
    and the bars sat under the curves' heading ('shaded: the spend range seen'), which
    does not describe them."""
    plan, curves, splits = _double11_splits()
    observed = {c: (0.5 * x, 1.2 * x) for c, x in plan.current.items()}
    for lang in ("en", "zh"):
        page = render_split_report(splits, curves, rule="core 60%", observed=observed, lang=lang)  # type: ignore[arg-type]
        first = page.split("<tr>", 2)[1]  # the table's header row
        assert "<th></th>" not in first and WORDS[lang]["in_range"] in first
        headings = re.findall(r"<h2>(.*?)</h2>", page)
        splits_at = headings.index(WORDS[lang]["splits"])
        assert headings[splits_at + 1] == WORDS[lang]["curves"]
        # each figure under its own heading: the bars before the curves' heading
        bars = page.index(f'alt="{WORDS[lang]["splits"]}"')
        assert page.index(f"<h2>{WORDS[lang]['splits']}</h2>") < bars
        assert bars < page.index(f"<h2>{WORDS[lang]['curves']}</h2>")


def test_the_pages_biggest_changes_give_the_bid_files_new_bid_and_match_type() -> None:
    # the bid file writes a paused keyword's new bid as the platform's lowest (0.05, a 0
    # cannot be uploaded) and each match type as the report wrote it; the page showed the
    # plan's 0.00 and renamed 精准匹配 to 精确匹配, so page and file disagreed on one row
    data = _log()
    data["匹配方式"] = ["精准匹配", "中心词匹配", "广泛匹配"] * 2
    log = read_keyword_log(data)
    estimate = estimate_landscapes(log, bids=np.linspace(0.333, 4.777, 9))
    sheet = make_bid_sheet(log, estimate, optimize_bids(estimate.landscapes, 0.5))
    paused = np.flatnonzero(sheet.action == "pause")
    assert paused.size == 1 and sheet.new_bid[paused[0]] == 0
    for lang in ("zh", "en"):
        page = render_plan_report(sheet, lang=lang)  # type: ignore[arg-type]
        cells = [
            re.findall(r"<td[^>]*>(.*?)</td>", row)
            for row in re.findall(r"<tr>(.*?)</tr>", page.split(WORDS[lang]["biggest"])[1])
        ]
        shown = {tuple(c[:4]): c for c in cells if len(c) == 7}
        for row in sheet.rows(lang):  # type: ignore[arg-type]
            if row[7] in ("keep", "不变"):
                continue
            cell = shown[tuple(str(v) for v in row[:4])]  # the match type as written
            assert cell[5] == f"{row[5]:.2f}"
        assert shown[tuple(str(v) for v in sheet.rows(lang)[paused[0]][:4])][5] == "0.05"  # type: ignore[arg-type]
    assert "精准匹配" in render_plan_report(sheet, lang="zh")


def _by_device(devices: tuple[str, ...], total: str) -> dict[str, list[Any]]:
    """test_bidsheet's report split by 设备: each keyword-day as a row per device of
    ``devices`` in that order, the PC and 无线 rows halving its counts and cost, the
    ``total`` row holding the whole day."""
    data = _log()
    split: dict[str, list[Any]] = {k: [] for k in [*data, "设备"]}
    for i in range(6):
        for device in devices:
            for k, v in data.items():
                whole = v[i]
                if device != total and k in ("展现量", "点击量", "花费", "成交笔数"):
                    half = whole // 2  # type: ignore[operator]
                    whole = half if device == "PC" else whole - half  # type: ignore[operator]
                split[k].append(whole)
            split["设备"].append(device)
    return split


def _read_pages(source: dict[str, list[Any]]) -> tuple[Any, str, str]:
    """``source`` read with errors='drop', planned at 150 a day, and its report page in
    Chinese and in English: (log, zh, en)."""
    log = read_keyword_log(source, errors="drop")
    estimate = estimate_landscapes(log, bids=np.linspace(0.333, 4.777, 9))
    sheet = make_bid_sheet(log, estimate, optimize_bids(estimate.landscapes, 150.0))
    zh, en = (render_plan_report(sheet, load_report=log.report, lang=x) for x in ("zh", "en"))
    return log, zh, en


def test_a_device_reports_total_rows_are_one_plain_line_not_bad_rows() -> None:
    # a 合计 row beside each keyword-day's PC / 无线 rows is dropped (the rows are summed);
    # the Chinese page listed ten of them as bad rows, in English with the reader's
    # parameter names ("`device` labels the row as its keyword-day's total ..."). Rows
    # dropped only because their keyword-day lost a row are counted in a line: listed
    # (in row order, ten at most) they hid the bad row itself
    split = _by_device(("合计", "PC", "无线"), total="合计")
    split["点击量"][1] = -1  # a bad PC row: its keyword-day is dropped, each row listed
    log = read_keyword_log(split, errors="drop")
    assert log.report.n_dropped == 6 + 2  # six totals; the bad day's PC and 无线 rows
    estimate = estimate_landscapes(log, bids=np.linspace(0.333, 4.777, 9))
    sheet = make_bid_sheet(log, estimate, optimize_bids(estimate.landscapes, 150.0))
    zh = render_plan_report(sheet, load_report=log.report, lang="zh")
    assert "labels the row" not in zh
    assert "丢弃的行中有 6 行是按设备拆分时每个关键词每天的合计行（合计，即其余各行之和）" in zh
    en = render_plan_report(sheet, load_report=log.report, lang="en")
    assert "labels the row" not in en
    assert "6 dropped rows are the 设备 split&#x27;s total rows" in en
    for page, lang in ((zh, "zh"), (en, "en")):  # the bad row listed, the one it took along
        # said in a line: it hid the bad row (each row is listed under <details> below)
        read = page.split(WORDS[lang]["data"])[-1].split("<details>")[0]
        assert read.count("<li>") == 1
        assert (
            "`clicks` must be &gt;= 0; got -1"
            if lang == "en"
            else "点击量一栏须为不小于 0 的整数，表中写的是“-1”"
        ) in read
        assert "which was dropped" not in read
    assert "另有 1 行与被丢弃的行同属一个关键词-天，一并丢弃" in zh
    assert "1 more row was dropped with them: it shares its keyword-day" in en


def test_observed_spend_is_shaded_on_panels_in_billions() -> None:
    # plot_response_curves writes a panel whose spend reaches 1e10 in billions (02929ad);
    # the split report's shading tried yuan, thousands, 万 and millions only, so such
    # panels lost the observed range without a word
    pytest.importorskip("matplotlib")
    from bidopt.channels import ResponseCurve, split_budget
    from bidopt.plotting import plot_response_curves
    from bidopt.report._pages import _shade_observed

    today = {"a": 7e10, "b": 3e10}
    curves = {c: ResponseCurve.from_roi(today[c], 4.0, elasticity=0.5) for c in today}
    fig = plot_response_curves(curves, split_budget(curves, 1e11, current=today))
    assert _shade_observed(fig, curves, {"a": (5e10, 8e10), "b": (2e10, 4e10)})


@pytest.mark.filterwarnings("ignore::bidopt.exceptions.IdentifiabilityWarning")
def test_a_total_row_with_an_empty_split_cell_is_named_blank_on_the_page() -> None:
    # the keyword-days' totals written with the 设备 cell left empty are dropped as
    # totals (the reader counted them as a third device); the page counts them in its
    # totals line, naming the label blank, instead of listing them as bad rows
    log, zh, en = _read_pages(_by_device(("PC", "无线", ""), total=""))
    assert log.report.n_dropped == 6
    assert "丢弃的行中有 6 行是按设备拆分时每个关键词每天的合计行（空白，即其余各行之和）" in zh
    assert "labels the row" not in zh
    assert "total rows of their keyword-days (blank: the sum of the other rows)" in en


@pytest.mark.filterwarnings("ignore::bidopt.exceptions.IdentifiabilityWarning")
def test_the_page_says_how_many_bad_rows_it_does_not_list() -> None:
    # 'dropped 14' above ten listed rows and nothing after them: the page's own count of
    # what was dropped did not add up to what it showed
    data = _log()
    rows = {k: [*v] * 4 for k, v in data.items()}
    rows["日期"] = [f"2024-11-{d:02d}" for d in range(1, 9) for _ in range(3)]
    bad = [*range(3, 17)]
    for i in bad:
        rows["点击量"][i] = "abc"
    log, zh, en = _read_pages(rows)
    assert log.report.n_dropped == 14
    more_zh, more_en = (
        "……另有 4 行，见下方逐行列表",
        "... and 4 more, in the list of each dropped row below",
    )
    for lang, more, page in (("zh", more_zh, zh), ("en", more_en, en)):
        read, listed = page.split(WORDS[lang]["data"])[-1].split("<details>")
        fault = "表中写的是“abc”" if lang == "zh" else "is not a number"
        assert read.count("<li>") == 11 and read.count(fault) == 10
        assert f"<li>{more}</li>" in read
        assert listed.count(fault) == 14  # and each of them below


@pytest.mark.filterwarnings("ignore::bidopt.exceptions.IdentifiabilityWarning")
def test_rows_repeated_exactly_are_one_plain_line() -> None:
    # a report exported twice over a few rows: each copy was listed as a bad row, in
    # English on the Chinese page ("row 6: `keyword` repeats row 0 exactly (same
    # keyword-day and values); keep one copy"); nothing in them is bad data
    data = _log()
    rows = {k: [*v, *v[:3]] for k, v in data.items()}
    log, zh, en = _read_pages(rows)
    assert log.report.n_dropped == 3
    assert "丢弃的行中有 3 行与之前的某一行完全相同（报表重复导出或重复粘贴），只保留一份" in zh
    assert "repeats row" not in zh
    assert "3 dropped rows repeat an earlier row exactly" in en
    assert "repeats row" not in en


@pytest.mark.filterwarnings("ignore::bidopt.exceptions.IdentifiabilityWarning")
def test_the_exports_totals_row_is_one_plain_line() -> None:
    # the 合计 row at the foot of an export was listed on the Chinese page as a bad row,
    # in English ("row 6: `date` is the export's totals row (合计: ...); dropped")
    data = _log()
    rows = {k: [*v, "合计" if k == "日期" else None] for k, v in data.items()}
    log, zh, en = _read_pages(rows)
    assert log.report.n_dropped == 1
    assert "丢弃的行中有 1 行是报表的合计行（它所汇总各行之和），并非数据有误。" in zh
    assert "totals row" not in zh
    assert "1 dropped row is the report&#x27;s totals line (the sum of the rows it totals)" in en
    assert "<li>" not in en.split(WORDS["en"]["data"])[-1].split("<details>")[0]


@pytest.mark.filterwarnings("ignore::bidopt.exceptions.IdentifiabilityWarning")
def test_each_dropped_row_is_listed_with_its_reason_in_the_pages_language() -> None:
    # an export with a 合计 line, a month in the date column, a row with cost and no
    # clicks and an exact copy: the page counted the totals line and the copy and
    # listed ten bad rows, in English on the Chinese page ("row 6 (line 8 of ...):
    # `cost` must be 0 when `clicks` is 0 ..."); the rest were "not listed"
    data = _log()
    n = len(data["日期"])
    rows = {k: [*v, v[0], v[1], v[2], None] for k, v in data.items()}
    rows["日期"][n + 1] = "2026-11"  # a month, not a day
    rows["点击量"][n + 2], rows["花费"][n + 2] = 0, 1.5  # cost without clicks
    rows["日期"][n + 3] = "合计"  # the export's totals line
    log, zh, en = _read_pages(rows)
    dropped = log.report.dropped_rows.tolist()
    assert dropped == [n, n + 1, n + 2, n + 3]
    listed_zh = zh.split("<details>")[1]
    assert "逐行列出丢弃的 4 行及原因" in listed_zh
    for row in dropped:
        assert f"<li>数据行 {row}：" in listed_zh
    # (a table in memory: its 0-based rows, as a DataFrame numbers them; a file's are lines)
    assert f"数据行 {n}：与数据行 0 完全相同（报表重复导出或重复粘贴），只保留一份" in listed_zh
    assert f"数据行 {n + 1}：日期一栏不是某一天" in listed_zh and "2026-11" in listed_zh
    assert f"数据行 {n + 2}：有花费但点击量为 0" in listed_zh
    assert f"数据行 {n + 3}：报表自带的合计行" in listed_zh
    assert "row " not in zh.split(WORDS["zh"]["data"])[-1]  # no English location
    listed_en = en.split("<details>")[1]
    assert "Each of the 4 dropped rows and why" in listed_en
    assert f"<li>row {n}: a copy of row 0; one copy is kept</li>" in listed_en
    assert "`date` must be a day" in listed_en and "`cost` must be 0" in listed_en
    assert f"row {n + 3}: the report&#x27;s totals line" in listed_en
    # as the Chinese says it (它所汇总各行之和), not "the sum of other rows"
    assert "totals line, the sum of the rows it totals; not bad data" in listed_en
    assert "sum of other rows" not in listed_en


@pytest.mark.filterwarnings("ignore::bidopt.exceptions.IdentifiabilityWarning")
def test_the_page_says_what_today_is_beside_the_reports_own_figures() -> None:
    # the walkthrough: the page's 'today' spend (772.56 a day) was nowhere in the
    # analyst's report (781.97 a day over 21 days, the last day's own figures again
    # different), and the page did not say what it was; the report's own figures per
    # day are given beside it, over the rows kept (a copy and the 合计 line left out)
    data = _log()
    rows = {k: [*v, v[0], "合计" if k == "日期" else None] for k, v in data.items()}
    log = read_keyword_log(rows, errors="drop")
    assert log.report.n_dropped == 2
    estimate = estimate_landscapes(log, bids=np.linspace(0.333, 4.777, 9))
    sheet = make_bid_sheet(log, estimate, optimize_bids(estimate.landscapes, 150.0))
    zh = render_plan_report(sheet, log=log, lang="zh")
    en = render_plan_report(sheet, log=log, lang="en")
    # 213.50 yuan, 189 clicks, 15 orders over 2 days
    assert (
        "“当前”一栏是报表最后一天（2024-11-02）的出价在估计的出价曲线上平均一天的花费、点击和"
        "成交，不是报表中某一天的实际数字。报表 2 天中平均每天实际花费 106.75 元、点击 94.5 "
        "次、成交 7.50 单。"
    ) in zh
    assert (
        "The &#x27;today&#x27; column is what the report&#x27;s last-day bids (2024-11-02) "
        "buy on an average day on the estimated landscapes, not any one day&#x27;s actual "
        "figures. Over its 2 days the report itself averaged 106.75 yuan, 94.5 clicks and "
        "7.50 orders a day."
    ) in en
    assert "“当前”一栏" not in render_plan_report(sheet, lang="zh")  # (no log: not said)
