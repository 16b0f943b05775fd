from __future__ import annotations

import re
import subprocess
import sys

import pytest

from bidopt.__main__ import main


def test_demo_prints_a_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--keywords", "300", "--days", "7"]) == 0
    out = capsys.readouterr().out
    assert "synthetic account, 300 keywords" in out
    assert re.search(r"cpa\s+[\d.]+\s+2[78]\.\d\d", out)


def test_bad_argument_is_one_line_and_nonzero() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bidopt", "demo", "--keywords", "-5"],
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert "--keywords: must be a whole number >= 1" in run.stderr
