from __future__ import annotations

import csv
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from bidopt.__main__ import main
from bidopt.exceptions import InvalidInputError


def test_demo_prints_a_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--keywords", "3000"]) == 0
    out = capsys.readouterr().out
    assert "synthetic Taobao search account, 3,000 keywords" in out
    current = re.search(r"current bids\s+([\d,]+)\s+([\d,]+)\s+([\d,.]+)\s+([\d.]+)", out)
    bidopt = re.search(r"bidopt\s+([\d,]+)\s+([\d,]+)\s+([\d,.]+)\s+([\d.]+)", out)
    assert current is not None and bidopt is not None
    spend_now, spend_new = (float(m.group(1).replace(",", "")) for m in (current, bidopt))
    orders_now, orders_new = (float(m.group(3).replace(",", "")) for m in (current, bidopt))
    assert float(current.group(4)) == pytest.approx(28.0, abs=0.05)
    # the plan is judged on the truth, so estimation error shows: spend near the budget,
    # clearly more orders, CPA near the 25-yuan target (seeded: the same on every run)
    assert spend_new <= spend_now * 1.05
    assert orders_new > 1.05 * orders_now
    assert float(bidopt.group(4)) <= 26.0
    # planned as the plan command plans a report: on the estimate, safe default, ranges
    # (named as a user runs it: there is no 'bidopt' command, only 'python -m bidopt')
    assert "Bids planned as 'python -m bidopt plan' plans your report: on the landscapes" in out
    assert "'bidopt plan'" not in out
    assert re.search(r"Orders per day, 80% range over the estimate's draws: plan [\d,.]+\.\.", out)
    # the channel split: the rule's cost is the optimum's revenue minus the rule's
    revenue = {
        m.group(1): float(m.group(2).replace(",", ""))
        for m in re.finditer(
            r"^(current|60/40 rule|core 55-65%|optimal)\s+(?:[\d,]+\s+){5}([\d,]+)", out, re.M
        )
    }
    assert revenue["optimal"] >= revenue["core 55-65%"] >= revenue["60/40 rule"]
    cost = re.search(r"The 60/40 rule costs ([\d,]+) yuan", out)
    assert cost is not None
    assert float(cost.group(1).replace(",", "")) == pytest.approx(
        revenue["optimal"] - revenue["60/40 rule"], abs=2.0
    )


def test_bad_argument_is_one_line_and_nonzero() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bidopt", "demo", "--keywords", "-5"],
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert "--keywords: must be a whole number >= 1" in run.stderr
    run = subprocess.run(
        [sys.executable, "-m", "bidopt", "demo", "--budget", "lots"],
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert "--budget: must be an amount of yuan > 0" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_demo_writes_plans_and_figures(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the figures need the optional matplotlib")
    out = tmp_path / "report"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "bidopt",
            "demo",
            "--keywords",
            "600",
            "--days",
            "14",
            "--out",
            str(out),
            "--lang",
            "zh",
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "grouping the keywords" in run.stderr  # progress goes to stderr
    assert "Keyword groups:" in run.stdout
    names = {
        "bid_plan.csv",
        "channel_split.csv",
        "channel_split.png",
        "frontier.png",
        "landscapes.png",
        "response_curves.png",
    }
    assert {p.name for p in out.iterdir()} == names
    for png in out.glob("*.png"):
        assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 10_000
    raw = (out / "bid_plan.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for Excel
    with (out / "bid_plan.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [
        "campaign",
        "ad_group",
        "keyword",
        "match_type",
        "group",
        "current_bid",
        "bid",
        "cost",
        "clicks",
        "orders",
    ]
    assert len(rows) == 601
    keys = {tuple(r[:4]) for r in rows[1:]}
    assert len(keys) == 600  # one row per (campaign, ad group, keyword, match type)
    for r in rows[1:]:
        assert float(r[6]) == 0 or 0.05 <= float(r[6]) <= 99.99
        assert all(len(v.split(".")[1]) <= 3 for v in r[5:])  # no 15-decimal costs
    assert sum(1 for r in rows[1:] if r[4]) == 600  # every keyword has its group
    split = list(csv.reader((out / "channel_split.csv").open(encoding="utf-8-sig")))
    assert split[0] == ["channel", "current", "60/40 rule", "core 55-65%", "optimal"]
    # yuan to the fen (they were written with 16 digits): the sum within the rounding
    assert sum(float(r[2]) for r in split[1:]) == pytest.approx(2_000_000, abs=0.05)
    assert all(len(v.split(".")[1]) == 2 for r in split[1:] for v in r[1:])


def test_demo_figures_speak_the_language_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("matplotlib", reason="the figures need the optional matplotlib")
    from bidopt import _cli, plotting

    langs: dict[str, str] = {}
    given: dict[str, object] = {}
    for name in ("plot_landscape", "plot_response_curves", "plot_split", "plot_frontier"):
        real = getattr(plotting, name)

        def spy(*args: object, _real: object = real, _name: str = name, **kw: object) -> object:
            langs[_name] = str(kw.get("lang"))
            given[_name] = args[0]
            return _real(*args, **kw)  # type: ignore[operator]

        monkeypatch.setattr(plotting, name, spy)
    _cli.run_demo(n_keywords=60, n_days=7, seed=1, out=tmp_path, lang="zh")
    assert langs == dict.fromkeys(langs, "zh") and len(langs) == 4
    # the splits and channels too (the zh figures said 'current', 'zhitongche', ...)
    splits = given["plot_split"]
    assert list(splits) == ["当前", "60/40 规则", "核心 55-65%", "最优"]  # type: ignore[call-overload]
    channels = ("直通车", "钻展", "淘宝客", "抖音", "小红书")
    assert splits["最优"].channels == channels  # type: ignore[index]
    assert tuple(given["plot_response_curves"]) == channels  # type: ignore[call-overload]
    # the CSV keeps the English names
    with (tmp_path / "channel_split.csv").open(encoding="utf-8-sig") as handle:
        table = list(csv.reader(handle))
    assert table[0][1] == "current" and table[1][0] == "zhitongche"
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--lang", "fr"])
    assert exit_.value.code == 2


def test_out_must_be_a_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    run = subprocess.run(
        [sys.executable, "-m", "bidopt", "demo", "--out", str(blocker)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert "is not a directory" in run.stderr


def test_demo_on_thin_data_says_what_it_misses(capsys: pytest.CaptureFixture[str]) -> None:
    # one day of 50 keywords: the library's warning is a report line (not a raw Python
    # warning on stderr), and the plan's miss on the truth is said in words
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning escaping the demo fails the test
        assert main(["demo", "--keywords", "50", "--days", "1", "-q"]) == 0
    out = capsys.readouterr().out
    assert "warning: The log cannot identify how 50 of 50 keywords" in out
    # planned with the safe default (as 'plan' does), the thin-data plan keeps its bids
    # near today's; a plan that misses on the truth says so in words
    from bidopt._cli import _judged_on_truth

    missed = _judged_on_truth({"cost": 130.0, "cpa": 30.0}, 100.0, warned=True)
    assert missed == [
        "On the true landscapes the plan spends 30% more than the budget and pays 30.00 "
        "yuan per order, above the target CPA: the landscapes estimated from the log are "
        "off there (see the warnings)."
    ]
    assert _judged_on_truth({"cost": 100.0, "cpa": 20.0}, 100.0, warned=False) == []


def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path: Path) -> None:
    # review 3: `bidopt plan|split ... | head` printed a BrokenPipeError traceback, exit 1
    script = (
        "import sys, bidopt.__main__ as m\n"
        "m.run_abtest = lambda *a, **k: 'line\\n' * 200_000\n"
        "sys.exit(m.main(['abtest', 'x.csv', '--arm', 'a', '--metric', 'y']))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(10)
    process.stdout.close()  # as `head` does
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0 and "Traceback" not in err, err


def test_abtest_reads_a_gbk_csv_and_names_a_missing_file(tmp_path: Path) -> None:
    """Excel on Chinese Windows saves CSV as GBK: abtest reads it as the plan and split
    readers do (it raised UnicodeDecodeError, a traceback); a wrong path is a bidopt
    error naming DATA (it was the OS's '[Errno 2]')."""
    from bidopt._cli import run_abtest

    rows = ["创意,点击"] + [f"{'A' if i % 2 else 'B'},{int(i % 7 == 0)}" for i in range(400)]
    utf8, gbk = tmp_path / "utf8.csv", tmp_path / "gbk.csv"
    utf8.write_text("\n".join(rows) + "\n", encoding="utf-8")
    gbk.write_bytes(("\n".join(rows) + "\n").encode("gbk"))
    expected = run_abtest(utf8, arm="创意", metric="点击", control="A")
    assert run_abtest(gbk, arm="创意", metric="点击", control="A") == expected.replace(
        "utf8.csv", "gbk.csv"
    )
    with pytest.raises(InvalidInputError, match="`DATA` must be an existing file"):
        run_abtest(tmp_path / "nothere.csv", arm="创意", metric="点击")
    # the library's parameters said as the flags that set them ('`control` must be ...')
    with pytest.raises(InvalidInputError, match=r"^--control must be one of the arms"):
        run_abtest(utf8, arm="创意", metric="点击", control="C")
    with pytest.raises(InvalidInputError, match=r"^--alpha must be a finite number > 0 and < 1"):
        run_abtest(utf8, arm="创意", metric="点击", alpha=5.0)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5000", 5000.0),
        ("5,000", 5000.0),
        ("5000元", 5000.0),
        ("¥5,000.50", 5000.5),
        ("0.5万", 5000.0),
        ("５０００", 5000.0),
    ],
)
def test_budget_is_read_as_a_report_writes_money(text: str, value: float) -> None:
    """--budget 5,000 or 5000元 (as the report itself writes money) is 5000 yuan; they
    were refused ('must be a number > 0. Got '5,000' instead.')."""
    from bidopt._cli import parse_yuan

    assert parse_yuan(text) == value


def test_a_budget_that_is_no_amount_is_a_usage_error_with_examples(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for text in ("5.000,00", "-5", "0", "abc"):
        with pytest.raises(SystemExit) as info:
            main(["split", "h.csv", "--budget", text, "--rule", "core=a:0.6"])
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert "argument --budget: must be an amount of yuan > 0 (such as 5000, 5,000" in err
        assert repr(text) in err


def test_every_yuan_option_of_plan_reads_money_as_the_budget_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--max-cpc 22元, --target-cpa ¥25, --min-bid 0.1元, --max-bid 1,000 were usage errors
    (exit 2: 'must be a number > 0') while --budget 5,000元 was read: the command line now
    gets as far as the missing report (exit 1)."""
    args = ["plan", str(tmp_path / "nope.csv"), "--budget", "5,000元", "--out", str(tmp_path)]
    args += ["--max-cpc", "22元", "--target-cpa", "¥25", "--min-bid", "0.1元"]
    assert main([*args, "--max-bid", "1,000", "-q"]) == 1
    assert "REPORT (the keyword report) must be an existing file" in capsys.readouterr().err
