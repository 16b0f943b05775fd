"""Logging and progress: silent by default, reports when asked (show_progress or the
"bidopt" logger's level), from the long calls themselves."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import numpy as np
import pytest

import bidopt
from bidopt import show_progress
from bidopt._progress import logged, logger, step
from bidopt.datasets import AuctionLog
from bidopt.exceptions import InvalidInputError
from bidopt.grouping import group_keywords
from bidopt.replay import paced_replay, replay

KEYWORDS = [f"red shoes {i % 9} size {i % 5}" for i in range(60)] + ["连衣裙", "连衣裙 夏"]


@pytest.fixture(autouse=True)
def quiet() -> Iterator[None]:
    yield
    show_progress(False)


def _log() -> AuctionLog:
    rng = np.random.default_rng(0)
    n = 500
    pctr = rng.beta(1, 100, n)
    return AuctionLog(
        click=(rng.random(n) < pctr).astype(np.int64),
        market_price=rng.gamma(2.0, 40.0, n),
        pctr=pctr,
    )


def test_silent_by_default(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    assert any(isinstance(h, logging.NullHandler) for h in logger.handlers)
    assert logger.getEffectiveLevel() > logging.INFO
    group_keywords(KEYWORDS)
    assert not [r for r in caplog.records if r.name == "bidopt"]
    captured = capsys.readouterr()
    assert captured.err == captured.out == ""


def test_show_progress_reports_start_steps_and_end() -> None:
    stream = io.StringIO()
    show_progress(stream=stream)
    groups = group_keywords(KEYWORDS)
    show_progress(False)
    group_keywords(KEYWORDS)  # off again: nothing more
    lines = stream.getvalue().splitlines()
    assert len(lines) == 5, lines
    assert lines[0].endswith("group_keywords: started")
    assert "group_keywords: normalised 62 keywords (" in lines[1]
    assert "group_keywords: features of 62 keywords (" in lines[2]
    assert "neighbour graph of" in lines[3]
    assert "group_keywords: done in " in lines[4]
    assert groups.n_groups >= 2


def test_logging_level_turns_reports_on(caplog: pytest.LogCaptureFixture) -> None:
    log = _log()
    caplog.set_level(logging.INFO, logger="bidopt")
    paced_replay(log, log.total_market_price / 4, 1e4)
    messages = [r.getMessage() for r in caplog.records if r.name == "bidopt"]
    assert messages[0] == "paced_replay: started"
    assert messages[-1].startswith("paced_replay: done in ")
    caplog.clear()
    replay(log, np.full(500, 80.0), log.total_market_price / 2)
    assert [r.getMessage().split(" in ")[0] for r in caplog.records] == [
        "replay: started",
        "replay: done",
    ]


def test_nested_calls_indent_and_failures_are_reported() -> None:
    @logged("outer")
    def outer(fail: bool) -> int:
        step("half way, %d items", 3)
        inner()
        if fail:
            raise ValueError("boom")
        return 1

    @logged("inner")
    def inner() -> None:
        step("working")

    stream = io.StringIO()
    show_progress(stream=stream)
    assert outer(False) == 1
    with pytest.raises(ValueError, match="boom"):
        outer(True)
    text = [line.split("  ", 1)[1] for line in stream.getvalue().splitlines()]
    assert text[:6] == [
        "outer: started",
        "outer: half way, 3 items (" + text[1].rsplit("(", 1)[1],
        "  inner: started",
        "  inner: working (" + text[3].rsplit("(", 1)[1],
        "  inner: done in " + text[4].rsplit(" in ", 1)[1],
        "outer: done in " + text[5].rsplit(" in ", 1)[1],
    ]
    assert text[-1].startswith("outer: stopped after ") and text[-1].endswith("(ValueError)")
    step("outside any call")  # logged as is, no crash
    assert stream.getvalue().splitlines()[-1].endswith("  outside any call")


def test_show_progress_checks_its_input() -> None:
    with pytest.raises(InvalidInputError, match="`on` must be True or False"):
        show_progress("yes")  # type: ignore[arg-type]
    assert bidopt.show_progress is show_progress
