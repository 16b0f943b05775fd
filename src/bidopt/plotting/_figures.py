"""The figures: bid landscapes, the spend/return frontier, and replay clicks against budget
(channel figures are in :mod:`bidopt.plotting._channels`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from bidopt._optional import require_matplotlib
from bidopt._validation import check_choice, short_repr
from bidopt.bidding import BidPlan, Frontier
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import BidLandscape
from bidopt.replay import PacedResult, ReplayResult

__all__ = [
    "plot_frontier",
    "plot_landscape",
    "plot_replay",
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
