"""A Chinese page gives the library's warnings in Chinese: the known kinds (the estimate's
and the unsafe plan's IdentifiabilityWarning) mapped in the report layer, unknown ones as
written; the library's own warnings stay English."""

from __future__ import annotations

import dataclasses
import re
import warnings

import numpy as np
import pytest

from bidopt.bidding import optimize_bids
from bidopt.datasets import make_search_account
from bidopt.exceptions import IdentifiabilityWarning
from bidopt.landscape import estimate_landscapes
from bidopt.report import make_bid_sheet, render_plan_report
from bidopt.report._words import warning_zh

_SENTENCE = re.compile(r"[A-Za-z]{3,} [A-Za-z]{3,} [A-Za-z]{3,}")  # three English words


@pytest.fixture(scope="module")
def caught() -> tuple[object, object, object, list[str]]:
    """The library's warnings on a 20-keyword week whose bids never varied, planned with
    safe=False (the estimate's warning and the unsafe plan's)."""
    account = make_search_account(20, n_days=7, rng=3)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        estimate = estimate_landscapes(account.log)
        plan = optimize_bids(estimate, account.expected().totals()["cost"], safe=False)
    texts = [str(w.message) for w in seen if issubclass(w.category, IdentifiabilityWarning)]
    return account.log, estimate, plan, texts


def test_known_library_warnings_are_given_in_chinese(caught: tuple) -> None:
    *_, texts = caught
    assert any(t.startswith("The log cannot identify") for t in texts)
    assert any(t.startswith("The plan moves the bids of") for t in texts)
    for text in texts:
        zh = warning_zh(text)
        assert zh != text
        assert not _SENTENCE.search(zh), zh  # no English sentence left
        numbers = re.findall(r"\d+%?", text.split("(bid spread")[0].split("(their bids")[0])
        assert all(n in zh for n in numbers), (numbers, zh)  # the same figures
    # the kept-a-constant-bid variant of the cause
    other = texts[0].replace(
        "their bids did not vary", "2 kept a constant bid and the others' bids varied too little"
    )
    if other != texts[0]:
        assert "其中 2 个词出价始终不变" in warning_zh(other)


def test_unknown_warnings_stay_as_written() -> None:
    text = "Something new the report layer does not know (3 keywords)."
    assert warning_zh(text) == text


def test_chinese_plan_page_shows_library_warnings_in_chinese(caught: tuple) -> None:
    log, estimate, plan, texts = caught
    sheet = make_bid_sheet(log, estimate, plan)
    unknown = "Something new the report layer does not know."
    sheet = dataclasses.replace(sheet, warnings=(*sheet.warnings, *texts, unknown))
    zh = sheet.warnings_in("zh")
    assert len(zh) == len(sheet.warnings)
    assert zh[-1] == unknown
    assert sheet.warnings_in("en")[-1 - len(texts) : -1] == tuple(texts)  # English kept
    page = render_plan_report(sheet, lang="zh")
    assert "报表无法判断" in page and "出价从未变动" in page
    assert "The log cannot identify" not in page
    assert unknown in page
    assert "<th>关键词数</th>" in page and "<th>n</th>" not in page  # the actions' count
    english = render_plan_report(sheet, lang="en")
    assert "The log cannot identify" in english
    assert np.isfinite(sheet.spend)


def _said(rows: list[list[object]]) -> list[str]:
    from bidopt.datasets import read_keyword_log

    cols = ["date", "keyword", "bid", "impressions", "clicks", "cost", "conversions", "revenue"]
    log = read_keyword_log({c: [r[i] for r in rows] for i, c in enumerate(cols)})
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        estimate_landscapes(log)
    return [str(w.message) for w in seen]


def test_the_estimates_log_gap_warnings_are_given_in_chinese() -> None:
    # kw0 pays more per click than its bid (43% of spend: below the share refused as a
    # units error), kw1 pays its bid (minimum bid / reserve);
    # then logs without clicks, and without orders, anywhere
    rows: list[list[object]] = [
        [f"2024-11-0{d}", "kw0", 1.0, 1000, 30, 45.0, 2, 100] for d in range(1, 8)
    ]
    rows += [[f"2024-11-0{d}", "kw1", 2.0, 1000, 30, 60.0, 2, 100] for d in range(1, 8)]
    texts = _said(rows)
    days = (1, 2)
    texts += _said(
        [[f"2024-11-0{d}", f"k{k}", 1.0 + k, 100, 0, 0, 0, 0] for d in days for k in (0, 1)]
    )
    texts += _said(
        [[f"2024-11-0{d}", f"k{k}", 1.0 + k, 100, 5, 2, 0, 0] for d in days for k in (0, 1)]
    )
    starts = ("keyword-day", "of their bid per click", "no clicks on any", "no orders on any")
    for start in starts:
        said = [t for t in texts if start in t]
        assert said, (start, texts)
        zh = warning_zh(said[0])
        assert zh != said[0] and "报表" in zh, zh


def test_the_spend_gap_warning_is_given_in_chinese() -> None:
    # bids exported in fen with costs in yuan: the estimate spends 4.3 times the log
    log = make_search_account(40, n_days=14, rng=7).log
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        estimate_landscapes(dataclasses.replace(log, bid=np.asarray(log.bid) * 100))
    said = [str(w.message) for w in seen if "reproduce the log's spend" in str(w.message)]
    assert said
    zh = warning_zh(said[0])
    assert "估计没有再现报表的花费" in zh and "倍" in zh, zh


def test_chinese_warnings_tell_a_command_line_user_what_to_do(caught: tuple) -> None:
    # the page is read by analysts who use the command line, not Python: the remedy is
    # said in words (vary the bids by day for two weeks; the default trust region, without
    # --no-trust-region), with the Python function only as an aside; the estimate's
    # warning used to say 'the plan made with optimize_bids(estimate, ...)'
    *_, texts = caught
    for text in texts:
        zh = warning_zh(text)
        assert zh != text and "optimize_bids(" not in zh
        assert "按天" in zh and "Python 中" in zh
    unsafe = [warning_zh(t) for t in texts if t.startswith("The plan moves the bids of")]
    assert unsafe and all("--no-trust-region" in z for z in unsafe)


def test_warnings_in_the_singular_are_translated_too() -> None:
    """The library's messages now say '1 keyword', '1 day' (bidopt._wording.counted):
    the Chinese page's patterns read both forms, not only the plural."""
    from bidopt.report._words import warning_zh

    one = (
        "The log cannot identify how 1 of 1 keyword (100% of spend) responds to a bid "
        "change: over 1 day their bids did not vary (bid spread < 0.05, or too few days) so"
    )
    assert warning_zh(one).startswith("报表无法判断 1 个关键词中的 1 个（占花费的 100%）")
    none = "The log has no clicks on any keyword (1,000 impressions over 1 day): no rates."
    assert warning_zh(none).startswith("报表中所有关键词都没有点击（1 天共 1,000 次展现）")
