"""The README's usage example must really run."""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLES = README.parent / "examples" / "zhitongche_export.py"


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


def _blocks(text: str) -> list[tuple[str, str]]:
    """The fenced blocks of a markdown text: (language, body)."""
    return re.findall(r"```(\w*)\n(.*?)```", text, flags=re.S)


def _commands(body: str, program: str) -> list[list[str]]:
    """The ``program`` command lines of a bash block (continuations joined), as argv lists
    after the program, without their comments."""
    lines = body.replace("\\\n", " ").splitlines()
    return [shlex.split(line.split("#")[0])[len(shlex.split(program)) :]
            for line in lines if line.startswith(program)]  # fmt: skip


def test_readme_quick_start_prints_what_it_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The quick start's commands, run as written, print the README's output word for word
    (and the first rows of the bid file); the split output quoted in docs/workflow.md is a
    part of the same output."""
    pytest.importorskip("openpyxl", reason="the quick start reads an .xlsx (the excel extra)")
    from bidopt.__main__ import main

    blocks = _blocks(README.read_text(encoding="utf-8"))
    plan_at = next(i for i, (lang, b) in enumerate(blocks) if "bidopt plan data/" in b)
    split_at = next(i for i, (lang, b) in enumerate(blocks) if "bidopt split data/" in b)
    head = next(b for lang, b in blocks if lang == "text" and b.startswith("推广计划,"))
    spec = importlib.util.spec_from_file_location("zhitongche_export", EXAMPLES)
    assert spec is not None and spec.loader is not None
    examples = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(examples)

    monkeypatch.chdir(tmp_path)
    [export] = _commands(blocks[plan_at][1], "python examples/zhitongche_export.py")
    examples.write_examples(export[0])
    for at in (plan_at, split_at):
        [args] = _commands(blocks[at][1], "python -m bidopt")
        assert main(args) == 0
        assert capsys.readouterr().out.strip() == blocks[at + 1][1].strip()
        if at == plan_at:
            with (tmp_path / "out" / "bids.csv").open(encoding="utf-8-sig") as handle:
                assert handle.read().splitlines()[:4] == head.splitlines()
    # docs/workflow.md quotes the split's output, one line shortened with (...)
    out = blocks[split_at + 1][1]
    workflow = (README.parent / "docs" / "workflow.md").read_text(encoding="utf-8")
    quoted = next(b for lang, b in _blocks(workflow) if lang == "text" and "Split of" in b)
    for line in quoted.splitlines():
        parts = line.split("(...)")
        assert all(part in out for part in parts), line
