"""The README's usage example must really run."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_the_three_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert 'python -m pip install -e ".[dev]"' in text
    assert "python -m pytest" in text
    assert "python -m bidopt demo" in text


def test_readme_usage_example_runs(capsys: object) -> None:
    blocks = python_blocks()
    assert blocks, "README has no python example"
    for block in blocks:
        exec(compile(block, str(README), "exec"), {"__name__": "readme"})
