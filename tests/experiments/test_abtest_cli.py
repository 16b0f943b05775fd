"""The abtest report of the command line (``python -m bidopt abtest``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bidopt._cli import run_abtest
from bidopt.exceptions import InvalidInputError, MissingColumnError


def _csv(tmp_path: Path, srm: bool = False) -> Path:
    rng = np.random.default_rng(0)
    n = 6000
    arm = rng.choice(["control", "new"], n, p=[0.4, 0.6] if srm else [0.5, 0.5])
    click = rng.random(n) < np.where(arm == "new", 0.16, 0.10)
    spend = np.where(click, rng.gamma(2.0, 30.0, n), 0.0)
    path = tmp_path / "test.csv"
    lines = ["arm,click,spend"] + [
        f"{a},{int(c)},{s:.2f}" for a, c, s in zip(arm, click, spend, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_report_gives_a_verdict_on_rates_and_means(tmp_path):
    path = _csv(tmp_path)
    text = run_abtest(path, arm="arm", metric="click", control="control")
    assert "Verdict: 'new' beats 'control'" in text
    assert "sample-ratio check passed" in text
    assert "P(beats control)" in text
    spend = run_abtest(path, arm="arm", metric="spend", control="control")
    assert "spend (mean)" in spend


def test_report_warns_on_a_sample_ratio_mismatch_and_names_bad_columns(tmp_path):
    path = _csv(tmp_path, srm=True)
    assert "Do not trust the lifts above" in run_abtest(path, arm="arm", metric="click")
    with pytest.raises(MissingColumnError, match="Column 'clicks' is not in test.csv"):
        run_abtest(path, arm="arm", metric="clicks")
    bad = tmp_path / "bad.csv"
    bad.write_text("arm,click\na,1\nb,yes\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="must hold numbers. Got 'yes' on line 3"):
        run_abtest(bad, arm="arm", metric="click")


def test_command_line_entry_point(tmp_path, capsys):
    from bidopt.__main__ import main

    path = _csv(tmp_path)
    assert (
        main(["abtest", str(path), "--arm", "arm", "--metric", "click", "--control", "control"])
        == 0
    )
    assert "Verdict: 'new' beats 'control'" in capsys.readouterr().out
    assert main(["abtest", str(path), "--arm", "arm", "--metric", "nope"]) == 2
    assert "Column 'nope' is not in test.csv" in capsys.readouterr().err


def test_report_says_which_arm_is_the_control_when_none_is_given(tmp_path):
    path = _csv(tmp_path)
    first = path.read_text(encoding="utf-8").splitlines()[1].split(",")[0]
    text = run_abtest(path, arm="arm", metric="click")
    assert f"(control '{first}' is the first arm in the file; --control picks another)" in text
    chosen = run_abtest(path, arm="arm", metric="click", control="control")
    assert "is the first arm in the file" not in chosen
