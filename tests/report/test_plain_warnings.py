"""What the command line and the report pages say of the library's warnings names no
Python (session 24 walkthrough: `python -m bidopt plan` printed optimize_bids(estimate,
...), design_bid_test and, for a split, lift_tests=), and says which keywords leave the
trust region and why (the plan paused a keyword while a warning said their bids stay
near today's)."""

from __future__ import annotations

import csv
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bidopt.__main__ import main
from bidopt.channels import fit_response
from bidopt.datasets import make_search_account, read_keyword_log
from bidopt.exceptions import BidoptWarning, IdentifiabilityWarning
from bidopt.landscape import estimate_landscapes
from bidopt.report._words import warning_zh

PYTHON = re.compile(
    r"optimize_bids|design_bid_test|estimate_landscapes|lift_tests|safe=|bidopt\.|Python"
)
_COLUMNS = ["date", "keyword", "bid", "impressions", "clicks", "cost", "conversions", "revenue"]


def _recorded(call: Any) -> list[BidoptWarning]:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        call()
    return [w.message for w in seen if isinstance(w.message, BidoptWarning)]


def _write_log(path: Path, log: Any) -> Path:
    names = log.keyword.categories[log.keyword.codes]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(_COLUMNS)
        for i in range(len(log)):
            writer.writerow(
                [
                    *(str(log.date[i])[:10], names[i], log.bid[i], log.impressions[i]),
                    *(log.clicks[i], log.cost[i], log.conversions[i], log.revenue[i]),
                ]
            )
    return path


def test_each_warning_kind_that_names_python_is_said_in_plain_words() -> None:
    from bidopt.report import warning_en  # (new in session 24)

    rows = [[f"2024-11-0{d}", "kw1", 2.0, 1000, 30, 60.0, 2, 100] for d in range(1, 8)]
    log = read_keyword_log({c: [r[i] for r in rows] for i, c in enumerate(_COLUMNS)})
    said = _recorded(lambda: estimate_landscapes(log))
    spend = np.column_stack([np.full(30, 100.0), np.linspace(50.0, 150.0, 30)])
    kpi = 1000.0 + 3.0 * spend[:, 1]
    said += _recorded(lambda: fit_response({"flat": spend[:, 0], "tv": spend[:, 1]}, kpi, rng=0))
    said.append(
        IdentifiabilityWarning("safe=False ...", "unsafe_moves", {"n_keywords": 3, "band": 0.2})
    )
    kinds = {w.kind for w in said}
    assert {"unidentified_response", "bid_floor", "flat_spend", "unsafe_moves"} <= kinds
    for warning in said:
        plain, zh = warning_en(warning), warning_zh(warning)
        assert not PYTHON.search(plain), plain
        assert not PYTHON.search(zh), zh
        if warning.kind in ("unidentified_response", "bid_floor", "unsafe_moves"):
            assert "bid test" in plain and "出价测试" in zh
    assert "--no-trust-region" in warning_en(said[-1])
    # (the trust region is the default: --no-trust-region plans have none)
    (unidentified,) = [w for w in said if w.kind == "unidentified_response"]
    assert "By default (without --no-trust-region) the plan keeps" in warning_en(unidentified)
    assert "默认（不加 --no-trust-region 时）方案会" in warning_zh(unidentified)
    assert PYTHON.search(str(said[0]))  # (the library's own words keep the Python names)


@pytest.mark.filterwarnings("ignore::bidopt.exceptions.IdentifiabilityWarning")
def test_the_plan_command_prints_no_python_and_names_bids_left_outside_the_region(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    account = make_search_account(20, n_days=7, rng=3)
    path = _write_log(tmp_path / "report.csv", account.log)
    today = float(account.expected().totals()["cost"])
    budget = 0.15 * today  # far below today's spend: bids must go below the region
    for lang in ("en", "zh"):
        out = tmp_path / lang
        args = ["plan", str(path), "--budget", f"{budget:.2f}", "--out", str(out)]
        assert main([*args, "--lang", lang]) == 0
        printed = capsys.readouterr().out
        page = (out / "report.html").read_text(encoding="utf-8")
        assert not PYTHON.search(printed), printed
        assert not PYTHON.search(page.split("<body")[-1])
    assert "warning: The report cannot tell how 20 of 20 keywords" in printed
    (said,) = [line for line in printed.splitlines() if "leaves the trust region" in line]
    # every keyword whose new bid is below 20% under the lowest bid it had (or today's)
    log = read_keyword_log(path)
    names = log.keyword.categories[log.keyword.codes]
    low = {k: float(np.min(log.bid[names == k])) for k in set(names)}
    with (tmp_path / "en" / "bids.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    below = [
        r["keyword"]
        for r in rows
        if r["action"] != "pause"
        # (the sheet's cent of slack: the region's levels and the bids are rounded)
        and float(r["new_bid"]) < min(low[r["keyword"]], float(r["current_bid"])) / 1.2 - 0.01
    ]
    paused = [r["keyword"] for r in rows if r["action"] == "pause"]
    assert below  # (the budget forces bids below the region)
    assert f"bids {len(below)} keyword{'s' * (len(below) > 1)} below it (" in said
    assert f"the budget, {budget:,.2f} yuan a day, is below the " in said
    if paused:
        assert f"pauses {len(paused)} keyword" in said
    zh_page = (tmp_path / "zh" / "report.html").read_text(encoding="utf-8")
    assert f"把 {len(below)} 个关键词的出价降到区域以下" in zh_page
    assert f"预算每天 {budget:,.2f} 元，低于信任区域最低出价每天的花费" in zh_page


def test_a_paused_keyword_is_named_with_what_it_buys_today() -> None:
    from bidopt.report._words import trust_warning  # (new in session 24)

    said = trust_warning([("紫砂壶", 48.24, 0.55)], [], 800.0, 600.0)
    assert said is not None
    en, zh = said
    assert en.startswith("The plan leaves the trust region (bids within 20% beyond the bids")
    assert "pauses 1 keyword (紫砂壶: 48.24 yuan a day for 0.55 orders, as estimated at " in en
    assert "below it" not in en
    assert "暂停 1 个关键词（紫砂壶：每天花费 48.24 元，带来 0.55 笔成交" in zh
    assert trust_warning([], [], 800.0, 600.0) is None
    # lowered below the region while the budget does not force it: a target or cap
    en, zh = trust_warning([], ["a", "b"], 800.0, 600.0) or ("", "")
    assert "bids 2 keywords below it (a, b): a target or cap needs lower bids" in en
    assert "目标或上限需要比区域更低的出价" in zh


def test_strict_names_the_line_and_the_command_lines_remedy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    account = make_search_account(5, n_days=7, rng=3)
    path = _write_log(tmp_path / "report.csv", account.log)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, lines[3]]) + "\n", encoding="utf-8")  # a copy of line 4
    args = ["plan", str(path), "--budget", "100", "--out", str(tmp_path / "o"), "--strict"]
    assert main([*args, "-q"]) == 1
    err = capsys.readouterr().err
    assert f"line {len(lines) + 1} of " in err and "repeats line 4 exactly" in err, err
    assert "run without --strict to drop bad rows and list them in report.html" in err
    assert not PYTHON.search(err) and "errors=" not in err, err
    assert not re.search(r"\brows? \d", err), err  # (no 0-based row numbers)
