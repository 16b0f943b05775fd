"""The figure style: every public figure draws Chinese labels with a CJK font (no
missing-glyph warnings), writes its own words in Chinese with ``lang="zh"`` (English by
default, unchanged), currency and separators follow set_style, and a missing font gives
one clear hint."""

from __future__ import annotations

import dataclasses
import io
import logging
import os
import re
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="the figures need the optional matplotlib")

import bidopt.plotting
from bidopt.bidding import bid_frontier, optimize_bids
from bidopt.channels import ResponseCurve, compare_splits, fit_response, split_budget
from bidopt.datasets import AuctionLog, double11_channels
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import BidLandscape
from bidopt.plotting import (
    PlotStyle,
    _style,
    get_style,
    plot_frontier,
    plot_landscape,
    plot_replay,
    plot_response_curves,
    plot_spend_change,
    plot_split,
    set_style,
)
from bidopt.replay import replay

CHANNELS = {
    "zhitongche": "直通车",
    "diamond": "钻展",
    "taobaoke": "淘宝客",
    "douyin": "抖音",
    "xiaohongshu": "小红书",
}
KEYWORDS = ["连衣裙 夏", "男士 T恤", "蓝牙耳机", "儿童 雨靴", "保温杯 316"]


@pytest.fixture(autouse=True)
def restore_style() -> Iterator[None]:
    previous = get_style()
    yield
    set_style(previous)


@pytest.fixture(scope="module")
def chinese_results() -> dict[str, Any]:
    plan = double11_channels()

    def rename(d: dict[str, Any]) -> dict[str, Any]:
        return {CHANNELS[k]: v for k, v in d.items()}

    plan = dataclasses.replace(
        plan,
        current=rename(plan.current),
        roi=rename(plan.roi),
        elasticity=rename(plan.elasticity),
        groups={"核心": [CHANNELS[c] for c in plan.groups["core"]], "新兴": ["抖音", "小红书"]},
    )
    curves = plan.curves(ResponseCurve.from_roi)
    splits = compare_splits(
        curves,
        plan.budget,
        groups=plan.groups,
        current=plan.current,
        scenarios={"六四规则": {"核心": 0.6, "新兴": 0.4}},
    )
    rng = np.random.default_rng(1)
    bids = np.sort(rng.uniform(0.2, 6.0, (5, 6)), axis=1)
    clicks = np.cumsum(rng.uniform(1.0, 30.0, (5, 6)), axis=1)
    landscape = BidLandscape(
        bids=bids,
        clicks=clicks,
        cost=clicks * bids * 0.8,
        conversions=clicks * 0.05,
        keywords=np.array(KEYWORDS, dtype=object),
    )
    bid_plan = optimize_bids(landscape, float(landscape.cost[:, 3].sum()))
    n = 2_000
    pctr = rng.beta(1, 200, n)
    log = AuctionLog(
        click=(rng.random(n) < pctr).astype(np.int64),
        market_price=rng.gamma(2.0, 40.0, n),
        pctr=pctr,
    )
    budgets = [log.total_market_price / k for k in (2, 4)]
    return {
        "curves": curves,
        "splits": splits,
        "landscape": landscape,
        "plan": bid_plan,
        "frontier": bid_frontier(landscape, [100.0, 200.0, 300.0]),
        "replays": {"固定出价": [replay(log, np.full(n, 80.0), b) for b in budgets]},
    }


def _figures(r: dict[str, Any], **lang: Any) -> dict[str, Callable[[], Any]]:
    """Every public figure of the Chinese results; ``lang`` (``lang="zh"``), when given,
    is passed to each."""
    landscape = r["landscape"]
    observed = np.column_stack([landscape.bids[:, 1], landscape.bids[:, 4]])
    return {
        "plot_landscape": lambda: plot_landscape(
            landscape,
            r["plan"],
            current_bids=landscape.bids[:, 2],
            observed_bids=observed,
            **lang,
        ),
        "plot_frontier": lambda: _titled(
            plot_frontier(r["frontier"], budget=250.0, plan=r["plan"], current=(200.0, 5.0), **lang)
        ),
        "plot_replay": lambda: plot_replay(r["replays"], **lang),
        "plot_response_curves": lambda: plot_response_curves(
            r["curves"], r["splits"]["六四规则"], others={"最优": r["splits"]["optimal"]}, **lang
        ),
        "plot_split": lambda: plot_split(r["splits"], **lang),
        "plot_spend_change": lambda: plot_spend_change(r["plan"], landscape.cost[:, 2], **lang),
    }


def _titled(fig: Any) -> Any:
    fig.suptitle("每日预算与订单")  # added after the function returned: styled at draw
    return fig


def _render(fig: Any) -> list[str]:
    """Save ``fig`` to PNG; the messages of the warnings that raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png", dpi=50)
    return [str(w.message) for w in caught]


FIGURES = (
    "plot_frontier",
    "plot_landscape",
    "plot_replay",
    "plot_response_curves",
    "plot_spend_change",
    "plot_split",
)


def test_every_public_figure_is_tested(chinese_results: dict[str, Any]) -> None:
    public = {name for name in bidopt.plotting.__all__ if name.startswith("plot_")}
    assert public == set(FIGURES) == set(_figures(chinese_results))


def _need_cjk_font() -> None:
    if _style.cjk_font() is not None:
        return
    if os.environ.get("CI"):
        pytest.fail("CI must have a CJK font (.ci/run installs Debian's fonts-wqy-zenhei)")
    pytest.skip("no CJK font installed (apt-get install fonts-wqy-zenhei); CI runs this test")


@pytest.mark.parametrize("name", FIGURES)
def test_chinese_labels_render_without_missing_glyphs(
    name: str, chinese_results: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    _need_cjk_font()
    caplog.set_level(logging.INFO, logger="matplotlib.font_manager")
    fig = _figures(chinese_results)[name]()
    texts = " ".join(t.get_text() for t in fig.findobj(_text_type()))
    assert any(ord(ch) > 0x2E7F for ch in texts), "the figure has no Chinese text"
    messages = _render(fig)
    glyphs = [m for m in messages if "missing from" in m or "Glyph" in m]
    assert not glyphs, glyphs[:2]
    notes = [r.getMessage() for r in caplog.records if r.getMessage().startswith("findfont")]
    assert not notes, notes[:2]


def test_a_font_without_chinese_glyphs_is_caught(chinese_results: dict[str, Any]) -> None:
    # The check above can fail: with only a Latin font the same figure warns.
    set_style(font="DejaVu Sans")
    messages = _render(plot_split(chinese_results["splits"]))
    assert any("missing from font" in m for m in messages)


@pytest.mark.filterwarnings("ignore:Glyph")
def test_missing_cjk_font_hints_once(
    chinese_results: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_style, "cjk_font", lambda: None)
    monkeypatch.setattr(_style, "_hinted", False)
    with pytest.warns(UserWarning, match="apt-get install fonts-wqy-zenhei"):
        plot_split(chinese_results["splits"]).savefig(io.BytesIO(), format="png", dpi=30)
    messages = _render(plot_split(chinese_results["splits"]))
    assert not any("apt-get" in m for m in messages)


def test_currency_and_separators(chinese_results: dict[str, Any]) -> None:
    assert set_style(currency="元", thousands=" ") == PlotStyle()
    fig = plot_spend_change(chinese_results["splits"]["optimal"])
    fig.savefig(io.BytesIO(), format="png", dpi=30)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "spend (元)"
    assert ax.get_title().endswith("(all 5 channels: 0)")  # same total: no "-0"
    changes = {t.get_text() for t in ax.texts}
    assert all(c[0] in "+-" for c in changes) and any(" " in c for c in changes)
    assert ax.xaxis.get_major_formatter()(700000.0, 0) == "700 000"
    assert ax.xaxis.get_major_formatter()(2.5, 0) == "2.5"
    assert "yuan" not in " ".join(t.get_text() for t in fig.findobj(_text_type()))
    # the channel figures follow the style too
    split_fig = plot_split(chinese_results["splits"])
    assert split_fig.axes[0].get_ylabel() == "spend (元)"
    assert "revenue 11 " in split_fig.legends[0].get_texts()[0].get_text()
    curves_fig = plot_response_curves(
        chinese_results["curves"], chinese_results["splits"]["optimal"]
    )
    assert curves_fig.axes[0].get_xlabel() == "spend (thousand 元 per period)"
    assert curves_fig.axes[0].yaxis.get_major_formatter()(12000.0, 0) == "12 000"
    set_style(thousands=".", decimal=",")
    assert _style.format_number(1234567.891, 2) == "1.234.567,89"
    set_style(thousands="")
    assert _style.format_number(-700000.0) == "-700000"
    frame = get_style().to_frame()
    assert list(frame["option"]) == ["currency", "thousands", "decimal", "font"]
    assert "元" in get_style().summary()


def _text_type() -> type:
    from matplotlib.text import Text

    return Text


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"currency": ""}, "`currency` must be a non-empty string"),
        ({"decimal": ","}, "`decimal` must be one non-digit character"),
        ({"thousands": "1"}, "`thousands` must not contain digits"),
        ({"colour": "red"}, "`changes` must be options of PlotStyle"),
        ({"font": ""}, "`font` must be a font family name"),
    ],
)
def test_bad_style_options_raise(changes: dict[str, Any], match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        set_style(**changes)


def test_spend_change_marks_the_biggest_changes(chinese_results: dict[str, Any]) -> None:
    landscape, plan = chinese_results["landscape"], chinese_results["plan"]
    today = landscape.cost[:, 2]
    fig = plot_spend_change(plan, today, max_items=3)
    ax = fig.axes[0]
    delta = plan.keyword_cost - today
    top3 = np.argsort(-np.abs(delta), kind="stable")[:3][::-1]
    assert [t.get_text() for t in ax.get_yticklabels()] == [KEYWORDS[i] for i in top3]
    bars = ax.patches
    np.testing.assert_allclose([b.get_width() for b in bars[:3]], today[top3])
    np.testing.assert_allclose([b.get_width() for b in bars[3:]], plan.keyword_cost[top3])
    with pytest.raises(InvalidInputError, match="`today` must be today's spend per keyword"):
        plot_spend_change(plan)
    with pytest.raises(InvalidInputError, match="`today` must be finite bids"):
        plot_spend_change(plan, today[:2])
    with pytest.raises(InvalidInputError, match="`names` must have one name per keyword"):
        plot_spend_change(plan, today, names=["a"])


def test_landscape_marks_current_bids_and_observed_range(
    chinese_results: dict[str, Any],
) -> None:
    landscape = chinese_results["landscape"]
    observed = np.column_stack([landscape.bids[:, 1], landscape.bids[:, 4]])
    fig = plot_landscape(
        landscape, current_bids=landscape.bids[:, 2], observed_bids=observed, keywords=[0]
    )
    ax = fig.axes[0]
    squares = [line for line in ax.lines if line.get_marker() == "s"]
    assert len(squares) == 1
    assert squares[0].get_xdata()[0] == landscape.bids[0, 2]
    assert squares[0].get_ydata()[0] == pytest.approx(landscape.clicks[0, 2])
    assert len(ax.collections) == 1  # the shaded observed range
    shaded = ax.collections[0].get_paths()[0].vertices[:, 0]
    assert shaded.min() == pytest.approx(observed[0, 0])
    assert shaded.max() == pytest.approx(observed[0, 1])
    assert any(line.get_linestyle() == "--" for line in ax.lines)
    with pytest.raises(InvalidInputError, match="`observed_bids` must be finite bids"):
        plot_landscape(landscape, observed_bids=observed[:, 0])


def test_frontier_marks_the_plan_and_today(chinese_results: dict[str, Any]) -> None:
    plan, frontier = chinese_results["plan"], chinese_results["frontier"]
    fig = plot_frontier(frontier, plan=plan, current=(200.0, 5.0))
    ax = fig.axes[0]
    marks = {line.get_label(): line for line in ax.lines}
    assert marks["plan"].get_xdata()[0] == pytest.approx(plan.spend)
    assert marks["plan"].get_ydata()[0] == pytest.approx(plan.fun)
    assert list(marks["today"].get_xydata()[0]) == [200.0, 5.0]
    with pytest.raises(InvalidInputError, match="`current` must be today's"):
        plot_frontier(frontier, current=(200.0,))  # type: ignore[arg-type]
    clicks_plan = optimize_bids(chinese_results["landscape"], 100.0, objective="clicks")
    with pytest.raises(InvalidInputError, match="`plan` must have the frontier's objective"):
        plot_frontier(frontier, plan=clicks_plan)


def _labels(fig: Any) -> list[str]:
    """The words of ``fig`` read from matplotlib: the figure's and every axes' titles,
    the axis labels and the legend entries."""
    out = [fig.get_suptitle()]
    for ax in fig.axes:
        out += [ax.get_title(loc) for loc in ("left", "center", "right")]
        out += [ax.get_xlabel(), ax.get_ylabel()]
        legend = ax.get_legend()
        if legend is not None:
            out += [t.get_text() for t in legend.get_texts()]
    for legend in fig.legends:  # plot_split's legend is the figure's
        out += [t.get_text() for t in legend.get_texts()]
    return [t for t in out if t]


def _latin(texts: Any) -> set[str]:
    return set(re.findall(r"[A-Za-z]{2,}", " ".join(texts)))


def _left_over(english: list[str], chinese: list[str], given: Any = ()) -> list[str]:
    """The Latin words of the English figure (names the caller gave aside) that the
    Chinese figure still has."""
    words = _latin(english) - _latin(given)
    assert words, english  # the English figure has words of its own
    text = " ".join(chinese)
    return sorted(w for w in words if re.search(rf"(?<![A-Za-z]){w}(?![A-Za-z])", text))


@pytest.mark.parametrize("name", FIGURES)
def test_chinese_figures_have_no_english_words(name: str, chinese_results: dict[str, Any]) -> None:
    english = _labels(_figures(chinese_results)[name]())
    chinese = _labels(_figures(chinese_results, lang="zh")[name]())
    # plot_split's legend starts with the split names given ("current", "optimal")
    given = chinese_results["splits"] if name == "plot_split" else ()
    assert not _left_over(english, chinese, given), chinese
    assert len(chinese) == len(english)
    assert all(any(ord(ch) > 0x2E7F for ch in t) or not _latin([t]) for t in chinese), chinese


def test_chinese_figures_on_the_other_paths(chinese_results: dict[str, Any]) -> None:
    # the paths the test above does not take: a landscape without marks, in money; a
    # clicks frontier; the spend change of a split; a fit's curves (observed range, band)
    landscape, splits = chinese_results["landscape"], chinese_results["splits"]
    rng = np.random.default_rng(5)
    channels = ["直通车", "钻展"]
    spend = {c: rng.uniform(2e4, 8e4, 30) for c in channels}
    kpi = 3.0 * spend["直通车"] ** 0.8 + 2.0 * spend["钻展"] ** 0.8 + rng.normal(0, 500, 30)
    fit = fit_response(spend, kpi, adstock="none", rng=0, options={"n_starts": 1})
    split = split_budget(fit, 1e5, current={"直通车": 6e4, "钻展": 4e4})
    figures: dict[str, Callable[..., Any]] = {
        "landscape": lambda **k: (
            plot_landscape(landscape, metric="revenue", **k)
            if landscape.revenue is not None
            else plot_landscape(landscape, metric="cost", **k)
        ),
        "frontier": lambda **k: plot_frontier(
            bid_frontier(landscape, [100.0, 200.0], objective="clicks"), **k
        ),
        "spend_change": lambda **k: plot_spend_change(splits["optimal"], **k),
        "fit_curves": lambda **k: plot_response_curves(fit, split, **k),
    }
    for name, make in figures.items():
        english, chinese = _labels(make()), _labels(make(lang="zh"))
        assert english == _labels(make(lang="en")), name
        assert not _left_over(english, chinese), (name, chinese)
    curves = _labels(figures["fit_curves"](lang="zh"))
    assert "历史花费范围" in curves and "80% 区间" in curves and "当前" in curves


def test_english_figures_are_unchanged(chinese_results: dict[str, Any]) -> None:
    # the words of every figure before ``lang`` (read at 8733711), and lang="en" the same
    figures, english = _figures(chinese_results), _figures(chinese_results, lang="en")
    assert {n: _labels(f()) for n, f in figures.items()} == {
        n: _labels(f()) for n, f in english.items()
    }
    seen = {n: _labels(f()) for n, f in figures.items()}
    assert seen["plot_frontier"] == [
        "每日预算与订单",
        "What each budget buys, and what the last yuan buys",
        "spend (yuan) per day",
        "orders",
        "orders",
        "budget 250",
        "today",
        "plan",
        "marginal",
        "marginal cost per order (yuan)",
    ]
    assert seen["plot_landscape"][:3] == [
        "Bid landscapes with today's bids (squares) and the plan's bids (circles)\n"
        "solid and shaded: bids seen in the data; dashed: extrapolated",
        "CPC bid (yuan)",
        "clicks per day",
    ]
    assert seen["plot_replay"] == [
        "Replay: clicks against budget",
        "budget (the log's price unit, log scale)",
        "clicks won",
        "固定出价",
    ]
    assert seen["plot_response_curves"][:4] == [
        "Response curves: where each split puts each channel",
        "直通车",
        "spend (thousand yuan per period)",
        "revenue (thousand yuan)",
    ]
    assert seen["plot_response_curves"][4:7] == ["current", "optimal", "最优"]
    assert seen["plot_split"][:3] == ["Budget split by channel", "channel", "spend (yuan)"]
    assert (
        seen["plot_split"][3].startswith("current: revenue ") and ", ROI " in seen["plot_split"][3]
    )
    assert seen["plot_spend_change"][0].startswith("Spend today and in the plan: the 5 biggest")
    assert seen["plot_spend_change"][1:] == ["spend (yuan)", "keyword", "today", "plan"]


@pytest.mark.parametrize("name", FIGURES)
def test_an_unknown_language_is_refused(name: str, chinese_results: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError, match=r"Unknown lang 'fr'; expected one of 'en', 'zh'"):
        _figures(chinese_results, lang="fr")[name]()


def test_chinese_money_follows_the_style(chinese_results: dict[str, Any]) -> None:
    # the default currency is written 元 in Chinese; a currency set by the merchant as set
    set_style(currency="CNY")
    fig = plot_split(chinese_results["splits"], lang="zh")
    assert fig.axes[0].get_ylabel() == "花费（CNY）"
    set_style(currency="yuan")
    fig = plot_split(chinese_results["splits"], lang="zh")
    assert fig.axes[0].get_ylabel() == "花费（元）"
