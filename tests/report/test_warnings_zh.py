"""A Chinese page gives the library's warnings in Chinese: each known kind (the estimate's
and the unsafe plan's IdentifiabilityWarning) is rendered from the warning's ``kind`` and
``details``, never from its English text, so rewording the English keeps the Chinese;
other warnings are shown as written; the library's own warnings stay English."""

from __future__ import annotations

import csv
import dataclasses
import pickle
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import bidopt.bidding._trust as trust_module
import bidopt.landscape._estimate as estimate_module
import bidopt.landscape._identify as identify_module
from bidopt.bidding import optimize_bids
from bidopt.datasets import make_search_account, read_keyword_log
from bidopt.exceptions import BidoptWarning, IdentifiabilityWarning
from bidopt.landscape import estimate_landscapes
from bidopt.report import make_bid_sheet, render_plan_report
from bidopt.report._words import warning_en, warning_zh

_SENTENCE = re.compile(r"[A-Za-z]{3,} [A-Za-z]{3,} [A-Za-z]{3,}")  # three English words
_COLUMNS = ["date", "keyword", "bid", "impressions", "clicks", "cost", "conversions", "revenue"]


def _recorded(call: Any) -> list[BidoptWarning]:
    """The bidopt warnings ``call()`` issues, as the objects themselves."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        call()
    said = [w.message for w in seen]
    assert all(isinstance(w, BidoptWarning) for w in said), said
    return [w for w in said if isinstance(w, BidoptWarning)]


def _of_kind(said: list[BidoptWarning], kind: str) -> BidoptWarning:
    found = [w for w in said if w.kind == kind]
    assert len(found) == 1, (kind, [(w.kind, str(w)) for w in said])
    return found[0]


def _estimated(rows: list[list[object]]) -> list[BidoptWarning]:
    log = read_keyword_log({c: [r[i] for r in rows] for i, c in enumerate(_COLUMNS)})
    return _recorded(lambda: estimate_landscapes(log))


def _assert_chinese(zh: str, english: str) -> None:
    assert zh != english
    assert not _SENTENCE.search(zh), zh  # no English sentence left


@pytest.fixture(scope="module")
def caught() -> tuple[Any, Any, Any, list[BidoptWarning]]:
    """The library's warnings on a 20-keyword week whose bids never varied, planned with
    safe=False (the estimate's warning and the unsafe plan's)."""
    account = make_search_account(20, n_days=7, rng=3)
    made: dict[str, Any] = {}

    def plan() -> None:
        made["estimate"] = estimate = estimate_landscapes(account.log)
        made["plan"] = optimize_bids(estimate, account.expected().totals()["cost"], safe=False)

    recorded = _recorded(plan)
    return account.log, made["estimate"], made["plan"], recorded


@pytest.fixture(scope="module")
def gaps() -> list[BidoptWarning]:
    """The estimate's log-gap warnings: kw0 pays more per click than its bid (43% of
    spend, below the share refused as a units error), kw1 pays its bid (minimum bid or
    reserve); then logs without clicks, and without orders, anywhere; and bids exported
    in fen with costs in yuan (the estimate spends 4.3 times the log)."""
    rows: list[list[object]] = [
        [f"2024-11-0{d}", "kw0", 1.0, 1000, 30, 45.0, 2, 100] for d in range(1, 8)
    ]
    rows += [[f"2024-11-0{d}", "kw1", 2.0, 1000, 30, 60.0, 2, 100] for d in range(1, 8)]
    said = _estimated(rows)
    days = (1, 2)
    said += _estimated(
        [[f"2024-11-0{d}", f"k{k}", 1.0 + k, 100, 0, 0, 0, 0] for d in days for k in (0, 1)]
    )
    said += _estimated(
        [[f"2024-11-0{d}", f"k{k}", 1.0 + k, 100, 5, 2, 0, 0] for d in days for k in (0, 1)]
    )
    log = make_search_account(40, n_days=14, rng=7).log
    fen = dataclasses.replace(log, bid=np.asarray(log.bid) * 100)
    said += _recorded(lambda: estimate_landscapes(fen))
    return said


def test_unidentified_response_in_chinese_with_its_numbers(caught: tuple) -> None:
    *_, said = caught
    warning = _of_kind(said, "unidentified_response")
    assert type(warning) is IdentifiabilityWarning
    d = warning.details
    # the details are what the English says
    english = str(warning)
    assert english.startswith(
        f"The log cannot identify how {d['n_prior']} of {d['n_keywords']} keywords "
        f"({d['spend_share']:.0%} of spend) respond to a bid change, so their bid response "
        f"is the prior's: the bids of 20 of them varied (up to {d['varied_ratio']:.2f}x "
    )
    assert d["n_prior"] == d["n_keywords"] == 20 and d["n_days"] == 7
    assert d["n_constant"] == 0 and d["n_varied"] == 20 and "constant" not in english
    zh = warning_zh(warning)
    _assert_chinese(zh, english)
    assert zh.startswith(
        "报表无法判断 20 个关键词中的 20 个（占花费的 100%）对出价变化的反应，因此它们的出价"
        "反应来自先验：20 个词的出价在 7 天里有变动（最高出价是最低出价的 "
    )
    assert "逐日的波动掩盖了出价带来的变化" in zh and "始终不变" not in zh
    assert "按天" in zh and "Python" not in zh and "optimize_bids(" not in zh
    # the other causes, from the same details
    for constant, words in (
        (20, "20 个词在 7 天里出价始终不变（出价离散度低于 0.05），"),
        (2, "（2）2 个词在 7 天里出价始终不变"),
    ):
        other = IdentifiabilityWarning(
            english, warning.kind, {**d, "n_constant": constant, "n_varied": 20 - constant}
        )
        assert words in warning_zh(other)


def test_unsafe_moves_in_chinese_with_its_numbers(caught: tuple) -> None:
    *_, said = caught
    warning = _of_kind(said, "unsafe_moves")
    d = warning.details
    n = d["n_keywords"]
    assert n > 0 and d["band"] == pytest.approx(0.2)
    assert str(warning).startswith(
        f"The plan moves the bids of {n} keyword{'s' * (n > 1)} whose response"
    )
    assert "beyond the trust region (20% beyond the bids the log shows, +-20% of " in str(warning)
    assert "never moved) (safe=False)" in str(warning) and "never varied" not in str(warning)
    zh = warning_zh(warning)
    _assert_chinese(zh, str(warning))
    assert zh.startswith(f"方案把 {n} 个关键词的出价调整到信任区域以外（报表中出现过的出价范围")
    assert "从未变动）" not in zh and "--no-trust-region" in warning_en(warning)
    assert "never varied" not in warning_en(warning)
    assert "--no-trust-region" in zh and "按天" in zh and "Python" not in zh


def test_cost_above_bid_in_chinese_with_its_numbers(gaps: list[BidoptWarning]) -> None:
    warning = _of_kind(gaps, "cost_above_bid")
    d = warning.details
    assert d["n_keyword_days"] == 7
    assert d["examples"] == tuple(("kw0", f"2024-11-0{day}") for day in range(1, 6))
    assert str(warning).startswith(
        "7 keyword-days paid more per click than the logged bid (kw0 on 2024-11-01, "
    )
    assert "kw0 on 2024-11-05 and 2 more)" in str(warning)
    zh = warning_zh(warning)
    assert zh.startswith(
        "7 个关键词-天的平均点击花费高于报表中的出价（kw0（2024-11-01）、kw0（2024-11-02）、"
    )
    assert "kw0（2024-11-05） 等 7 个）" in zh
    _assert_chinese(zh, str(warning))


def test_bid_floor_in_chinese_with_its_numbers(gaps: list[BidoptWarning]) -> None:
    warning = _of_kind(gaps, "bid_floor")
    d = warning.details
    assert d["n_keywords"] == 2 and d["examples"] == ("kw0", "kw1")
    english = str(warning)
    assert english.startswith(
        f"2 keywords ({d['spend_share']:.0%} of spend) paid {d['paid_share']:.0%} of their "
        "bid per click (kw0, kw1): "
    )
    assert f"winning {d['win_share']:.1%} of it" in english
    assert f"their cost {d['cost_gap']:.0%} below it" in english
    zh = warning_zh(warning)
    _assert_chinese(zh, english)
    assert zh.startswith(
        f"2 个关键词（占花费的 {d['spend_share']:.0%}）的平均点击花费是出价的 "
        f"{d['paid_share']:.0%}（kw0、kw1）"
    )
    assert f"赢得 {d['win_share']:.1%} 的流量" in zh
    assert f"花费比报表低 {d['cost_gap']:.0%}" in zh
    # a cost read above the log's is said as such
    higher = IdentifiabilityWarning(english, "bid_floor", {**d, "cost_gap": -0.12})
    assert "花费比报表高 12%" in warning_zh(higher)
    same = IdentifiabilityWarning(english, "bid_floor", {**d, "cost_gap": -0.004})
    assert "花费与报表相同" in warning_zh(same) and "-0%" not in warning_zh(same)


def test_spend_gap_in_chinese_with_its_numbers(gaps: list[BidoptWarning]) -> None:
    warning = _of_kind(gaps, "spend_gap")
    d = warning.details
    assert d["ratio"] == pytest.approx(d["modelled"] / d["logged"]) and d["ratio"] > 1.5
    assert d["factor"] == 1.5
    assert (
        f"it spends {d['modelled']:,.2f} where the log spent {d['logged']:,.2f} "
        f"({d['ratio']:.2g} times)" in str(warning)
    )
    zh = warning_zh(warning)
    _assert_chinese(zh, str(warning))
    assert (
        f"估计花费 {d['modelled']:,.2f} 元，而报表花费 {d['logged']:,.2f} 元"
        f"（{d['ratio']:.2g} 倍）" in zh
    )
    assert "不应超过 1.5 倍" in zh


@pytest.mark.parametrize(("kind", "words"), [("no_clicks", "点击"), ("no_orders", "成交")])
def test_no_counts_in_chinese_with_its_numbers(
    gaps: list[BidoptWarning], kind: str, words: str
) -> None:
    warning = _of_kind(gaps, kind)
    assert warning.details == {"impressions": 400.0, "n_days": 2}
    assert str(warning).startswith(
        f"The log has no {kind[3:]} on any keyword (400 impressions over 2 days): "
    )
    zh = warning_zh(warning)
    _assert_chinese(zh, str(warning))
    assert zh.startswith(f"报表中所有关键词都没有{words}（2 天共 400 次展现）")
    assert zh.endswith(f"补救：用有{words}的报表重新估计。")


def test_singular_and_large_counts() -> None:
    """One keyword over one day, and thousands of impressions: the numbers as the
    English has them, with separators."""
    said = _estimated([["2024-11-01", "solo", 1.0, 1000, 0, 0, 0, 0]])
    none = _of_kind(said, "no_clicks")
    assert warning_zh(none).startswith("报表中所有关键词都没有点击（1 天共 1,000 次展现）")
    one = _of_kind(said, "unidentified_response")
    assert str(one).startswith("The log cannot identify how 1 of 1 keyword (100% of spend) ")
    assert warning_zh(one).startswith("报表无法判断 1 个关键词中的 1 个（占花费的 100%）")
    assert "1 个词在 1 天里出价始终不变" in warning_zh(one)


def test_many_names_say_how_many_more() -> None:
    rows: list[list[object]] = [
        [f"2024-11-0{d}", f"kw{k}", 1.0, 1000, 30, 45.0, 2, 100]
        for d in range(1, 8)
        for k in range(3)
    ]
    rows += [
        [f"2024-11-0{d}", f"kz{k}", 2.0, 1000, 30, 60.0, 2, 100]
        for d in range(1, 8)
        for k in range(8)
    ]
    said = _estimated(rows)
    floor = _of_kind(said, "bid_floor")
    assert floor.details["n_keywords"] == 11 and len(floor.details["examples"]) == 5
    assert "(kw0, kw1, kw2, kz0, kz1 and 6 more)" in str(floor)
    assert "（kw0、kw1、kw2、kz0、kz1 等 11 个）" in warning_zh(floor)
    above = _of_kind(said, "cost_above_bid")
    assert above.details["n_keyword_days"] == 21 and len(above.details["examples"]) == 5
    assert " and 16 more)" in str(above) and " 等 21 个）" in warning_zh(above)


def test_rewording_the_english_keeps_the_chinese(caught: tuple, gaps: list[BidoptWarning]) -> None:
    """The Chinese comes from kind and details: the same details under other words give
    the same Chinese (the regexes over the English used to drop it silently)."""
    *_, said = caught
    for warning in [*said, *gaps]:
        zh = warning_zh(warning)
        assert zh != str(warning), warning.kind
        reworded = IdentifiabilityWarning(
            "Entirely new words, no numbers.", warning.kind, warning.details
        )
        assert warning_zh(reworded) == zh
        assert warning_zh(BidoptWarning("Other words.", warning.kind, warning.details)) == zh


def test_a_reworded_template_keeps_the_chinese(
    caught: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The library's message templates reworded (as a later release may): the warnings
    a real call issues say the new words, and the Chinese is unchanged."""
    *_, said = caught
    before = {w.kind: warning_zh(w) for w in said}
    monkeypatch.setattr(identify_module, "_unidentified_text", lambda d: "Reworded (1).")
    monkeypatch.setattr(trust_module, "_unsafe_text", lambda d: "Reworded (2).")
    monkeypatch.setattr(estimate_module, "_floor_text", lambda d: "Reworded (3).")
    account = make_search_account(20, n_days=7, rng=3)

    def plan() -> None:
        estimate = estimate_landscapes(account.log)
        optimize_bids(estimate, account.expected().totals()["cost"], safe=False)

    again = _recorded(plan)
    assert {str(w) for w in again} == {"Reworded (1).", "Reworded (2)."}
    assert {w.kind: warning_zh(w) for w in again} == before
    floor = _of_kind(
        _estimated([[f"2024-11-0{d}", "kw1", 2.0, 1000, 30, 60.0, 2, 100] for d in range(1, 8)]),
        "bid_floor",
    )
    assert str(floor) == "Reworded (3)." and warning_zh(floor).startswith("1 个关键词")


def test_foreign_warnings_stay_as_written() -> None:
    text = "Something new the report layer does not know (3 keywords)."
    assert warning_zh(text) == text
    assert warning_zh(UserWarning(text)) == text
    assert warning_zh(RuntimeWarning(text)) == text
    assert warning_zh(IdentifiabilityWarning(text)) == text  # kind "" (channel curves)
    assert warning_zh(BidoptWarning(text, "a_kind_not_known", {"n": 3})) == text
    # a known kind without its details is said in English, not half-translated
    assert warning_zh(IdentifiabilityWarning(text, "spend_gap", {"ratio": 4.3})) == text
    assert warning_zh(IdentifiabilityWarning(text, "bid_floor", {"n_keywords": "x"})) == text


def test_warnings_pickle_and_filter_by_category(caught: tuple) -> None:
    *_, said = caught
    for warning in said:
        back = pickle.loads(pickle.dumps(warning))
        assert type(back) is type(warning) is IdentifiabilityWarning
        assert (str(back), back.kind, back.details) == (
            str(warning),
            warning.kind,
            warning.details,
        )
        assert back.args == (str(warning),)
        assert warning_zh(back) == warning_zh(warning)
    plain = IdentifiabilityWarning("text only")
    assert (plain.kind, plain.details, str(plain)) == ("", {}, "text only")
    assert pickle.loads(pickle.dumps(plain)).kind == ""
    assert issubclass(IdentifiabilityWarning, BidoptWarning)
    assert issubclass(BidoptWarning, UserWarning)

    log = caught[0]
    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=IdentifiabilityWarning)
        with pytest.raises(IdentifiabilityWarning) as raised:
            estimate_landscapes(log)
    assert raised.value.kind == "unidentified_response"
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=BidoptWarning)
        estimate_landscapes(log)
    assert not seen
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", message="The log cannot identify")
        estimate_landscapes(log)
    assert not seen  # filters by message still match the English text


def test_chinese_plan_page_shows_library_warnings_in_chinese(caught: tuple) -> None:
    log, estimate, plan, said = caught
    sheet = make_bid_sheet(log, estimate, plan)
    unknown = "Something new the report layer does not know."
    foreign = UserWarning("A warning from another library.")
    sheet = dataclasses.replace(sheet, warnings=(*sheet.warnings, *said, unknown, foreign))
    zh = sheet.warnings_in("zh")
    assert len(zh) == len(sheet.warnings)
    assert zh[-2:] == (unknown, str(foreign))
    assert zh[-2 - len(said) : -2] == tuple(warning_zh(w) for w in said)
    en = sheet.warnings_in("en")
    assert all(isinstance(w, str) for w in en)
    # (the library's warnings as the pages say them: no Python names)
    assert en[-2 - len(said) :] == (*(warning_en(w) for w in said), unknown, str(foreign))
    page = render_plan_report(sheet, lang="zh")
    assert "报表无法判断" in page and "方案把" in page
    assert "The log cannot identify" not in page and "The plan moves the bids" not in page
    assert unknown in page and str(foreign) in page
    assert "<th>关键词数</th>" in page and "<th>n</th>" not in page  # the actions' count
    english = render_plan_report(sheet, lang="en")
    assert "The report cannot tell" in english and "The plan moves the bids" in english
    assert "报表无法判断" not in english
    # (the sheet's summary, for Python, keeps the library's own words)
    assert any(line.endswith(str(said[0])) for line in sheet.summary().splitlines())


def test_the_plan_command_passes_the_warnings_themselves(tmp_path: Path) -> None:
    """``python -m bidopt plan --lang zh`` on a report whose bids never vary: the page
    says the estimate's and the unsafe plan's warnings in Chinese (from the warnings,
    not their text), what it prints says them in English."""
    from bidopt._cli_workflow import run_plan

    account = make_search_account(20, n_days=7, rng=3)
    log = account.log
    path = tmp_path / "report.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(_COLUMNS)
        names = log.keyword.categories[log.keyword.codes]
        for i in range(len(log)):
            writer.writerow(
                [
                    str(log.date[i])[:10],
                    names[i],
                    log.bid[i],
                    log.impressions[i],
                    log.clicks[i],
                    log.cost[i],
                    log.conversions[i],
                    log.revenue[i],
                ]
            )
    budget = float(account.expected().totals()["cost"])
    pages = {}
    for lang in ("zh", "en"):
        printed = run_plan(path, budget=budget, out=tmp_path / lang, lang=lang, safe=False)
        assert "warning: The report cannot tell how" in printed
        assert "warning: The plan moves the bids of" in printed
        pages[lang] = (tmp_path / lang / "report.html").read_text(encoding="utf-8")
    assert "报表无法判断" in pages["zh"] and "方案把" in pages["zh"]
    assert "The log cannot identify" not in pages["zh"]
    assert "The plan moves the bids" not in pages["zh"]
    assert "The report cannot tell" in pages["en"] and "报表无法判断" not in pages["en"]


def test_every_documented_kind_is_rendered_in_chinese() -> None:
    """The kinds IdentifiabilityWarning's docstring lists are those the report renders."""
    from bidopt.report._words import _WARNINGS_ZH

    listed = re.findall(r'^\s*- ``"(\w+)"``', IdentifiabilityWarning.__doc__ or "", re.M)
    listed += re.findall(
        r'^\s*- ``"\w+"`` / ``"(\w+)"``', IdentifiabilityWarning.__doc__ or "", re.M
    )
    assert sorted(listed) == sorted(_WARNINGS_ZH), listed


# --- the channel warnings a split page shows ------------------------------------------


def _flat_history(n: int = 60) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Channel a varies; b spends 700 yuan every period (its curve is the priors')."""
    rng = np.random.default_rng(0)
    a = rng.uniform(500, 1500, n)
    kpi = 3000 + 5 * a**0.8 + rng.normal(0, 30, n)
    return {"a": a, "b": np.full(n, 700.0)}, kpi


def test_flat_spend_has_its_kind_and_details_and_reads_in_chinese() -> None:
    from bidopt.channels import fit_response

    spend, kpi = _flat_history()
    said = _recorded(lambda: fit_response(spend, kpi, rng=1))
    warning = _of_kind(said, "flat_spend")
    assert type(warning) is IdentifiabilityWarning
    assert warning.details == {"channels": ("b",), "spend": (700.0,)}
    english = str(warning)
    # one channel: 'its curve is', not 'their curves are'
    assert "cannot tell its effect from the baseline, so its curve is the priors' guess" in english
    assert "their" not in english and "them" not in english
    zh = warning_zh(warning)
    _assert_chinese(zh, english)
    assert zh.startswith("b在拟合的每一期花费都相同（每期：b 700.00 元）")
    assert "它的曲线只是先验的猜测" in zh and "增量（lift）测试" in zh
    two = IdentifiabilityWarning(
        english, "flat_spend", {"channels": ("b", "c"), "spend": (700.0, 0.0)}
    )
    assert warning_zh(two).startswith(
        "b、c在拟合的每一期花费都相同（每期：b 700.00 元，c 0.00 元）"
    )
    assert "它们的曲线" in warning_zh(two)


def test_draw_tails_have_their_kind_and_details_and_read_in_chinese() -> None:
    from bidopt.channels import fit_response, split_budget
    from tests.channels.test_heavy_tails import heavy_tailed

    spend, kpi = _flat_history()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_response(spend, kpi, rng=1)
    # b's curve sizes times a log-normal of log-sd 5 (draw 0 kept): a few draws dominate
    heavy = heavy_tailed(fit)
    said = _recorded(lambda: split_budget(heavy, 2200.0, safe=False))
    warning = _of_kind(said, "draw_tails")
    d = warning.details
    assert d["channels"] == ("b",) and d["level"] == 0.8
    assert len(d["mean"]) == len(d["median"]) == 1 and d["mean"][0] > d["median"][0] > 0
    english = str(warning)
    assert english.startswith("A few curve draws dominate the expected response of b (mean ")
    zh = warning_zh(warning)
    _assert_chinese(zh, english)
    assert zh.startswith("少数曲线抽样主导了b（均值 ")
    assert "80% 区间之外" in zh and "中位数才是典型结果" in zh


def test_split_page_in_chinese_says_the_channel_warnings_in_chinese(tmp_path: Path) -> None:
    """The split command's zh page gave fit_response's flat-spend warning in English;
    it is in Chinese, and the channel is not said twice (the command's own 'barely
    varied' line is left out for it)."""
    from bidopt.__main__ import main

    rng = np.random.default_rng(4)
    n = 40
    core, other = rng.uniform(40_000, 70_000, n), rng.uniform(10_000, 30_000, n)
    revenue = 90_000 + 6 * core**0.95 + 40 * np.sqrt(other) * 30 + rng.normal(0, 8_000, n)
    path = tmp_path / "history.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["周", "直通车", "抖音", "淘宝客", "成交金额"])
        for i in range(n):
            day = np.datetime64("2026-01-05") + np.timedelta64(7 * i, "D")
            writer.writerow(
                [str(day), f"{core[i]:.0f}", f"{other[i]:.0f}", "15000", f"{revenue[i]:.0f}"]
            )
    args = ["split", str(path), "--budget", "100000", "--rule", "core=直通车,淘宝客:0.7", "-q"]
    assert main([*args, "--out", str(tmp_path / "zh")]) == 0
    page = (tmp_path / "zh" / "split_report.html").read_text(encoding="utf-8")
    assert "淘宝客在拟合的每一期花费都相同（每期：淘宝客 15,000.00 元）" in page
    assert "spends the same in every fitted period" not in page
    assert "几乎没有变化" not in page  # (said once, by the library's warning)


def test_unidentified_keywords_some_constant_read_naturally() -> None:
    """'over 21 days 3 kept a constant bid and the others' bids varied too little' ran
    the two counts together; the counts are apart, and one other keyword is one."""
    d = {
        "n_prior": 18,
        "n_keywords": 18,
        "spend_share": 1.0,
        "n_days": 21,
        "n_constant": 3,
        "min_spread": 0.05,
    }
    english = identify_module._unidentified_text(d)
    assert english.startswith(
        "The log cannot identify how 18 of 18 keywords (100% of spend) respond to a bid "
        "change, so their bid response is the prior's: (1) the bids of 15 of them varied "
        "(bid spread >= 0.05) over 21 days, but the day-to-day swings of impressions and "
        "clicks hide how the bid moved them. Their changes so far did not tell it; "
    )
    assert "; (2) 3 of them kept a constant bid over 21 days (bid spread < 0.05) " in english
    one = identify_module._unidentified_text({**d, "n_constant": 17})
    assert "(1) the bid of 1 of them varied (bid spread >= 0.05) over 21 days" in one
    assert "Its changes so far did not tell it" in one
    zh = warning_zh(IdentifiabilityWarning(english, "unidentified_response", d))
    assert "（1）15 个词的出价在 21 天里有变动（出价离散度不低于 0.05）" in zh
    assert "；（2）3 个词在 21 天里出价始终不变（出价离散度低于 0.05）" in zh
