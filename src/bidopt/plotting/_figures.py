"""The figures: bid landscapes, the spend/return frontier, channel response curves, budget
splits, and replay clicks against budget."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from bidopt._optional import require_matplotlib
from bidopt._validation import check_choice, short_repr
from bidopt.bidding import BidPlan, Frontier
from bidopt.channels import BudgetSplit, ResponseCurve
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import BidLandscape
from bidopt.replay import PacedResult, ReplayResult

__all__ = [
    "plot_frontier",
    "plot_landscape",
    "plot_replay",
    "plot_response_curves",
    "plot_split",
]

_METRIC_LABELS = {
    "clicks": "clicks",
    "cost": "cost (yuan)",
    "conversions": "orders",
    "revenue": "revenue (yuan)",
}


#: Fonts with Chinese glyphs, tried in this order for keyword labels.
_CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "Arial Unicode MS",
)


def _figure(width: float, height: float) -> Any:
    return require_matplotlib("bidopt.plotting").Figure(
        figsize=(width, height), layout="constrained"
    )


def _cjk_font() -> str | None:
    """The first installed font of :data:`_CJK_FONTS`, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in _CJK_FONTS if name in installed), None)


def _keyword_labels(labels: list[str]) -> tuple[list[str], dict[str, Any], str]:
    """Legend labels, font properties for them, and a note: keywords outside Latin-1 are
    drawn with a CJK font when one is installed, else replaced by their row numbers
    (with a note saying so) rather than drawn as empty boxes."""
    if all(label.isascii() for label in labels):
        return labels, {}, ""
    font = _cjk_font()
    if font is not None:
        return labels, {"prop": {"family": [font, "DejaVu Sans"]}}, ""
    return [], {}, "\n(keywords by row: install a CJK font, e.g. Noto Sans CJK, to see them)"


def plot_landscape(
    landscape: BidLandscape,
    plan: BidPlan | None = None,
    *,
    metric: str = "clicks",
    keywords: Sequence[int] | None = None,
    max_keywords: int = 8,
) -> Any:
    """Bid landscapes of a few keywords (bid -> ``metric``), with the plan's bids marked.

    Parameters
    ----------
    landscape : BidLandscape
    plan : BidPlan, optional
        Its chosen bid on each drawn keyword is marked (a hollow marker: paused).
    metric : {"clicks", "cost", "conversions", "revenue"}, default "clicks"
    keywords : sequence of int, optional
        Rows of the landscape to draw; by default the ``max_keywords`` with the most
        clicks at their top bid.
    max_keywords : int, default 8

    Returns
    -------
    matplotlib.figure.Figure
    """
    name = check_choice(metric, "metric", tuple(_METRIC_LABELS))
    values = landscape.metric(name)
    if keywords is None:
        rows = np.argsort(-landscape.clicks[:, -1], kind="stable")[:max_keywords]
    else:
        rows = np.asarray(keywords, dtype=np.int64)
        if rows.size == 0 or rows.min() < 0 or rows.max() >= landscape.n_keywords:
            raise InvalidInputError(
                f"`keywords` must be row numbers in [0, {landscape.n_keywords}). Got "
                f"{short_repr(keywords)} instead."
            )
    names = [
        str(landscape.keywords[i]) if landscape.keywords is not None else f"#{i}"
        for i in rows.tolist()
    ]
    labels, legend_font, note = _keyword_labels(names)
    if not labels:
        labels = [f"row {i}" for i in rows.tolist()]
    fig = _figure(7.0, 4.5)
    ax = fig.add_subplot()
    for i, label in zip(rows.tolist(), labels, strict=True):
        (line,) = ax.plot(landscape.bids[i], values[i], marker=".", label=label)
        if plan is not None:
            level = int(plan.levels[i])
            bid = float(plan.bids[i])
            y = float(values[i, level]) if bid > 0 else 0.0
            face = line.get_color() if bid > 0 else "none"
            ax.plot([bid], [y], marker="o", markersize=9, color=line.get_color(), mfc=face)
    ax.set_xlabel("CPC bid (yuan)")
    ax.set_ylabel(f"{_METRIC_LABELS[name]} per day")
    title = "Bid landscapes" + (" and the chosen bids (circles)" if plan is not None else "")
    ax.set_title(title + note, fontsize="medium")
    ax.legend(fontsize="small", ncols=2, **legend_font)
    ax.grid(alpha=0.3)
    return fig


def plot_frontier(frontier: Frontier, *, budget: float | None = None) -> Any:
    """The spend -> objective frontier, with the marginal cost per unit on a second axis.

    Parameters
    ----------
    frontier : Frontier
        From :func:`bidopt.bidding.bid_frontier`.
    budget : float, optional
        A budget to mark (yuan), e.g. today's.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = _figure(7.0, 4.5)
    ax = fig.add_subplot()
    unit = {"conversions": "orders", "clicks": "clicks", "revenue": "revenue (yuan)"}.get(
        frontier.objective, frontier.objective
    )
    ax.plot(frontier.spend, frontier.fun, marker="o", color="C0", label=unit)
    ax.set_xlabel("spend (yuan per day)")
    ax.set_ylabel(unit)
    if budget is not None:
        ax.axvline(budget, color="0.4", linestyle=":", label=f"budget {budget:,.0f}")
    marginal = frontier.marginal_cost
    finite = np.isfinite(marginal)
    right = ax.twinx()
    right.plot(frontier.spend[finite], marginal[finite], marker="s", color="C3", label="marginal")
    right.set_ylabel(f"marginal cost per {unit.split(' ')[0].rstrip('s')} (yuan)")
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="lower right", fontsize="small")
    ax.set_title("What each budget buys, and what the last yuan buys")
    ax.grid(alpha=0.3)
    return fig


def plot_response_curves(
    curves: Mapping[str, ResponseCurve],
    split: BudgetSplit,
    *,
    others: Mapping[str, BudgetSplit] | None = None,
) -> Any:
    """Each channel's response curve with its current and optimal spend.

    Parameters
    ----------
    curves : mapping of str to ResponseCurve
        The curves the split was made with.
    split : BudgetSplit
        Its spend is marked ("optimal"), and its ``current_spend`` if it has one.
    others : mapping of str to BudgetSplit, optional
        More splits to mark by name (e.g. ``{"60/40 rule": rule}``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    missing = [c for c in split.channels if c not in curves]
    if missing:
        raise InvalidInputError(
            f"`curves` must have a curve for every channel of the split. Got none for "
            f"{missing} instead."
        )
    marks: dict[str, np.ndarray] = {}
    if split.current_spend is not None:
        marks["current"] = split.current_spend
    marks["optimal" if others else "split"] = split.spend
    for name, other in (others or {}).items():
        marks[name] = np.array([other.allocation[c] for c in split.channels])
    from matplotlib import ticker

    n = len(split.channels)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig = _figure(4.0 * cols, 3.2 * rows)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    top = max(float(v.max()) for v in marks.values())
    for i, channel in enumerate(split.channels):
        ax = axes[i]
        grid = np.linspace(0.0, 1.6 * max(top / n * 2, *(float(v[i]) for v in marks.values())), 200)
        curve = curves[channel]
        ax.plot(grid / 1e3, curve(grid) / 1e3, color="0.3")
        for k, (name, spend) in enumerate(marks.items()):
            x = float(spend[i])
            style = {"mfc": "none", "markersize": 11} if name == "current" else {}
            ax.plot(
                [x / 1e3],
                [float(curve(x)) / 1e3],
                marker="oDs^v"[k % 5],
                linestyle="none",
                label=name,
                **style,
            )
        ax.set_title(channel, fontsize="medium")
        ax.set_xlabel("spend (thousand yuan per period)")
        ax.set_ylabel("revenue (thousand yuan)")
        ax.xaxis.set_major_locator(ticker.MaxNLocator(5))
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(ticker.StrMethodFormatter("{x:,.0f}"))
        ax.grid(alpha=0.3)
    for ax in axes[n:]:
        ax.set_visible(False)
    axes[0].legend(fontsize="small")
    fig.suptitle("Response curves: where each split puts each channel")
    return fig


def plot_split(splits: Mapping[str, BudgetSplit]) -> Any:
    """Spend per channel under several splits, as grouped bars, with each split's revenue.

    Parameters
    ----------
    splits : mapping of str to BudgetSplit
        E.g. the result of :func:`bidopt.channels.compare_splits` (current, 60/40,
        optimal, ...); all over the same channels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not splits:
        raise InvalidInputError(
            "`splits` must hold at least one BudgetSplit. Got an empty mapping instead."
        )
    channels = next(iter(splits.values())).channels
    for name, s in splits.items():
        if s.channels != channels:
            raise InvalidInputError(
                "`splits` must all be over the same channels. Got split "
                f"{name!r} over {list(s.channels)} and the first over {list(channels)} "
                "instead."
            )
    fig = _figure(8.0, 4.5)
    ax = fig.add_subplot()
    width = 0.8 / len(splits)
    x = np.arange(len(channels))
    for k, (name, s) in enumerate(splits.items()):
        label = f"{name}: revenue {s.response:,.0f}, ROI {s.roi:.2f}"
        ax.bar(x + (k - (len(splits) - 1) / 2) * width, s.spend, width, label=label)
    ax.set_xticks(x, list(channels))
    ax.set_xlabel("channel")
    ax.set_ylabel("spend (yuan)")
    ax.set_title("Budget split by channel")
    ax.legend(fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    return fig


def plot_replay(results: Mapping[str, Sequence[ReplayResult | PacedResult]]) -> Any:
    """Clicks won against budget, one line per strategy (the iPinYou replay).

    Parameters
    ----------
    results : mapping of str to sequence of ReplayResult or PacedResult
        Strategy name -> its replays at several budgets.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not results:
        raise InvalidInputError(
            "`results` must name at least one strategy. Got an empty mapping instead."
        )
    fig = _figure(7.0, 4.5)
    ax = fig.add_subplot()
    for name, runs in results.items():
        plain = [r.result if isinstance(r, PacedResult) else r for r in runs]
        if not plain:
            raise InvalidInputError(
                f"`results` must hold at least one replay per strategy. Got none for "
                f"{name!r} instead."
            )
        order = np.argsort([r.budget for r in plain])
        budgets = np.array([plain[i].budget for i in order])
        clicks = np.array([plain[i].clicks for i in order])
        ax.plot(budgets, clicks, marker="o", label=name)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("budget (the log's price unit, log scale)")
    ax.set_ylabel("clicks won")
    ax.set_title("Replay: clicks against budget")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return fig
