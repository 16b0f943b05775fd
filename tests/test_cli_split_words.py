"""The split's rule-cost sentence when the split under the rule earns more than the one
without it (two safe splits can): said as a gain, never as 'costs -79,613 yuan'."""

from __future__ import annotations

import csv
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from bidopt.__main__ import main
from bidopt._cli_workflow import _rule_cost_lines
from tests.conftest import shared_file


def _split(response: float, draws: list[float]) -> SimpleNamespace:
    return SimpleNamespace(response=response, response_draws=np.asarray(draws))


def test_rule_cost_and_rule_gain_lines() -> None:
    free = _split(1000.0, [900.0, 1000.0, 1100.0, 1000.0, 1000.0])
    costly = _rule_cost_lines(_split(900.0, [850.0, 900.0, 950.0, 900.0, 900.0]), free, True)
    assert costly[0].startswith("The rule costs 100 yuan of revenue per period (80% interval")
    gaining = _rule_cost_lines(_split(1100.0, [1000.0, 1100.0, 1200.0, 1100, 1100]), free, True)
    assert gaining == [
        "The split under the rule earns 100 yuan more revenue per period (80% interval "
        "100 to 100 over the curve draws) than the same safe split without the rule."
    ]


def test_meridian_split_never_prints_a_negative_cost(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On Meridian's national data (core = Channel0+1 at 60%) the safe split under the
    rule earned more than the safe split without it: 'The rule costs -79,613 yuan' and
    the page's 'gives up -79,613' / '少 -79,613 元'."""
    with shared_file("channels/meridian_national_all_channels.csv").open(
        encoding="utf-8-sig"
    ) as handle:
        rows = list(csv.DictReader(handle))
    spend = [f"Channel{i}_spend" for i in range(5)]
    path = tmp_path / "meridian.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["date", *spend, "revenue"])
        for r in rows:
            revenue = float(r["conversions"]) * float(r["revenue_per_conversion"])
            writer.writerow([r["time"], *(r[c] for c in spend), revenue])
    rule = ["--rule", "core=Channel0_spend,Channel1_spend:0.6", "-q"]
    for lang in ("en", "zh"):
        args = ["split", str(path), "--budget", "1500000", "--out", str(tmp_path), *rule]
        assert main([*args, "--lang", lang]) == 0
        text = capsys.readouterr().out
        assert "The rule costs" in text or "The split under the rule earns" in text
        assert "costs -" not in text and "earns -" not in text
        page = (tmp_path / "split_report.html").read_text(encoding="utf-8")
        assert "gives up -" not in page and "少 -" not in page and "earns -" not in page
        assert "多 -" not in page


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (["a=直通车:0.5", "a=钻展:0.3"], "Each `--rule` must name its own group. Got 'a' twice"),
        (["a=直通车:0.5", "b=直通车,钻展:0.3"], "Got '直通车' in 'a' and 'b' instead."),
        (["a=直通车,直通车:0.5"], "Got '直通车' twice in 'a' instead."),
    ],
)
def test_rules_must_not_share_a_group_or_a_channel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rules: list[str], message: str
) -> None:
    """Two rules of one group: the second replaced the first without a word (the split
    met 'a 30%' only) while the caption said 'a 50%, a 30%'; a channel in two rules was
    refused by the library as '`groups` must put each channel ...', after the fit."""
    path = tmp_path / "history.csv"
    path.write_text("week,直通车,钻展,成交金额\n2024-01-01,1,2,3\n", encoding="utf-8")
    args = ["split", str(path), "--budget", "1000", "-q"]
    assert main([*args, *(a for r in rules for a in ("--rule", r))]) == 1
    assert message in capsys.readouterr().err


def test_library_warnings_are_printed_as_the_commands_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A channel whose spend never varied: fit_response's IdentifiabilityWarning came out
    as a raw Python warning on stderr ('.../_cli_workflow.py:589: IdentifiabilityWarning:
    ...'); it is a 'warning:' line of the output, and on the page."""
    import importlib.util
    import warnings

    examples = Path(__file__).resolve().parents[1] / "examples" / "zhitongche_export.py"
    spec = importlib.util.spec_from_file_location("zhitongche_export", examples)
    assert spec is not None and spec.loader is not None
    z = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(z)
    header, history = z.channel_history_rows()
    path = tmp_path / "history.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([[*header, "站外"], *([*row, 0] for row in history)])
    args = ["split", str(path), "--budget", "500000", "--rule", "core=直通车,钻展:0.5", "-q"]
    with warnings.catch_warnings(record=True) as escaped:
        warnings.simplefilter("always")
        assert main([*args, "--out", str(tmp_path / "s"), "--lang", "en"]) == 0
    assert not [w for w in escaped if "站外" in str(w.message)]
    out, err = capsys.readouterr()
    assert err == ""
    assert "warning: Channel 站外 spends the same in every fitted period" in out
    page = (tmp_path / "s" / "split_report.html").read_text(encoding="utf-8")
    assert "spends the same in every fitted period" in page


def test_a_marginal_return_near_zero_is_written_without_an_exponent() -> None:
    # a channel whose spend never varied: 'what one more yuan on 淘宝客 earns: 7.74e-05 to
    # 12.9 yuan of revenue' (printed, and on the Chinese page)
    from bidopt._cli_workflow import _three_digits

    assert _three_digits(7.74e-05) == "0.0000774"
    assert [_three_digits(v) for v in (2.0, 0.941, 3.05, 12.9)] == ["2.00", "0.941", "3.05", "12.9"]
    assert _three_digits(0.0) == "0" and _three_digits(-1e-9) == "0.000000"
    assert _three_digits(1234.5) == "1,234" and "e" not in _three_digits(1.5e-6)
