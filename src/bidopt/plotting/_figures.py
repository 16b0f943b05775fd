"""The figures: bid landscapes, the spend/return frontier, and replay clicks against budget
(channel figures are in :mod:`bidopt.plotting._channels`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._validation import check_choice, check_instance, check_scalar, short_repr
from bidopt.bidding import BidPlan, Frontier
from bidopt.channels import BudgetSplit
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import BidLandscape
from bidopt.plotting._style import (
    format_number,
    get_style,
    new_figure,
    number_formatter,
    short_number,
)
from bidopt.plotting._words import Lang, check_lang, currency, money, words
from bidopt.replay import PacedResult, ReplayResult

__all__ = [
    "plot_frontier",
    "plot_landscape",
    "plot_replay",
    "plot_spend_change",
]

_METRICS = ("clicks", "cost", "conversions", "revenue")
_MONEY = frozenset({"cost", "revenue"})


def _keyword_labels(labels: list[str]) -> tuple[list[str], str]:
    """Legend labels and a note: keywords the fonts cannot draw (no CJK font installed)
    are replaced by their row numbers, with a note saying so, not drawn as boxes."""
    if all(label.isascii() for label in labels) or len(get_style().fonts()) > 1:
        return labels, ""
    return [], "\n(keywords by row: install a CJK font, e.g. fonts-wqy-zenhei, to see them)"


def _per_keyword(value: npt.ArrayLike | None, name: str, shape: tuple[int, ...]) -> Any:
    """``value`` as a finite float array of ``shape`` (>= 0), or None."""
    if value is None:
        return None
    out = np.asarray(value, dtype=np.float64)
    if out.shape != shape or not np.all(np.isfinite(out)) or np.any(out < 0):
        raise InvalidInputError(
            f"`{name}` must be finite bids >= 0 (yuan) of shape {shape}. Got "
            f"{short_repr(value)} of shape {out.shape} instead."
        )
    return out


def _value_at(bid: float, x: np.ndarray, y: np.ndarray) -> float:
    """The landscape ``x -> y`` at ``bid``: 0 at a bid of 0 (paused), linear from there to
    the grid's lowest bid (np.interp alone held the lowest bid's value down to 0)."""
    if bid <= 0:
        return 0.0
    if x[0] > 0:
        x, y = np.concatenate([[0.0], x]), np.concatenate([[0.0], y])
    return float(np.interp(bid, x, y))


def plot_landscape(
    landscape: BidLandscape,
    plan: BidPlan | None = None,
    *,
    metric: str = "clicks",
    keywords: Sequence[int] | None = None,
    max_keywords: int = 8,
    current_bids: npt.ArrayLike | None = None,
    observed_bids: npt.ArrayLike | None = None,
    lang: Lang = "en",
) -> Any:
    """Bid landscapes of a few keywords (bid -> ``metric``), with today's bids and the
    plan's bids marked and the stretch of bids seen in the data shaded.

    Parameters
    ----------
    landscape : BidLandscape
    plan : BidPlan, optional
        Its chosen bid on each drawn keyword is marked with a circle (hollow: paused).
    metric : {"clicks", "cost", "conversions", "revenue"}, default "clicks"
    keywords : sequence of int, optional
        Rows of the landscape to draw; by default the ``max_keywords`` with the most
        clicks at their top bid.
    max_keywords : int, default 8
    current_bids : array-like of shape (n_keywords,), optional
        Today's CPC bid of every keyword of the landscape (account currency), marked
        with a hollow square on its curve.
    observed_bids : array-like of shape (n_keywords, 2), optional
        Lowest and highest bid of every keyword in the history the landscape was
        estimated from. Inside that range the curve is solid and shaded; outside it
        (extrapolation, not evidence) it is dashed.
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend marks (keywords as given).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    The bids seen per keyword, from the log the landscapes were estimated from
    (``estimate.model.row_of`` is the landscape row of every log row):

    >>> import numpy as np
    >>> from bidopt.datasets import make_search_account
    >>> from bidopt.landscape import estimate_landscapes
    >>> log = make_search_account(40, n_days=14, rng=0).log
    >>> estimate = estimate_landscapes(log)  # doctest: +SKIP
    >>> rows, n = estimate.model.row_of, estimate.landscapes.n_keywords  # doctest: +SKIP
    >>> low, high = np.full(n, np.inf), np.zeros(n)  # doctest: +SKIP
    >>> np.minimum.at(low, rows, log.bid); np.maximum.at(high, rows, log.bid)  # doctest: +SKIP
    >>> fig = plot_landscape(
    ...     estimate.landscapes, observed_bids=np.column_stack([low, high])
    ... )  # doctest: +SKIP
    """
    check_instance(landscape, "landscape", BidLandscape, "a BidLandscape")
    if plan is not None:
        check_instance(plan, "plan", BidPlan, "a BidPlan or None")
    name = check_choice(metric, "metric", _METRICS)
    lang = check_lang(lang)
    w = words(lang)
    values = landscape.metric(name)
    n = landscape.n_keywords
    current = _per_keyword(current_bids, "current_bids", (n,))
    observed = _per_keyword(observed_bids, "observed_bids", (n, 2))
    count = check_scalar(max_keywords, "max_keywords", lower=1, integer=True)
    if plan is not None and plan.bids.shape != (n,):
        raise InvalidInputError(
            f"`plan` must have one bid per keyword of the landscape ({n}). Got a plan of "
            f"{plan.bids.shape[0]} keywords instead."
        )
    if keywords is None:
        rows = np.argsort(-landscape.clicks[:, -1], kind="stable")[:count]
    else:
        given = np.asarray(keywords) if isinstance(keywords, Sequence | np.ndarray) else None
        if (
            given is None
            or given.ndim != 1
            or given.size == 0
            or given.dtype.kind not in "iu"
            or given.min() < 0
            or given.max() >= n
        ):
            raise InvalidInputError(
                f"`keywords` must be row numbers in [0, {n}). Got {short_repr(keywords)} instead."
            )
        rows = given.astype(np.int64)
    names = [
        str(landscape.keywords[i]) if landscape.keywords is not None else f"#{i}"
        for i in rows.tolist()
    ]
    labels, note = _keyword_labels(names)
    if not labels:
        # no CJK font is installed (else the keywords are drawn): Latin text only
        labels = [f"row {i}" for i in rows.tolist()]
    style = get_style()
    fig = new_figure(7.0, 4.5)
    ax = fig.add_subplot()
    for i, label in zip(rows.tolist(), labels, strict=True):
        x, y = landscape.bids[i], values[i]
        if observed is None:
            (line,) = ax.plot(x, y, marker=".", label=label)
        else:
            # the seen bids the curve covers: beyond its grid there is no curve to draw
            # solid (np.interp would draw a flat line there)
            lo, hi = sorted(observed[i].tolist())
            lo, hi = max(lo, float(x.min())), min(hi, float(x.max()))
            inside = (x >= lo) & (x <= hi)
            (line,) = ax.plot(x, y, linestyle="--", linewidth=1.0, label=label if lo > hi else None)
            if lo <= hi:
                fine = np.linspace(lo, hi, 50)
                seen = np.interp(fine, x, y)
                ax.plot(fine, seen, color=line.get_color(), linewidth=2.0, label=label)
                ax.fill_between(fine, 0.0, seen, color=line.get_color(), alpha=0.08, linewidth=0)
                ax.plot(x[inside], y[inside], ".", color=line.get_color())
        color = line.get_color()
        if current is not None:
            bid = float(current[i])
            ax.plot([bid], [_value_at(bid, x, y)], "s", mfc="none", ms=9, color=color)
        if plan is not None:
            bid = float(plan.bids[i])  # (read off this landscape: the plan may be made on another)
            at = _value_at(bid, x, y)
            ax.plot([bid], [at], "o", ms=9, color=color, mfc=color if bid > 0 else "none")
    ax.set_xlabel(money(style, w["cpc_bid"], lang))
    unit = money(style, w[name], lang) if name in _MONEY else w[name]
    ax.set_ylabel(w["per_day"].format(unit=unit))
    marks = [
        text
        for given, text in (
            (current is not None, w["today_bids"]),
            (plan is not None, w["plan_bids"]),
        )
        if given
    ]
    title = w["landscapes_with"].format(marks=w["and"].join(marks)) if marks else w["landscapes"]
    if observed is not None:
        title += "\n" + w["seen"]
    ax.set_title(title + note, fontsize="medium")
    ax.legend(fontsize="small", ncols=2)
    ax.grid(alpha=0.3)
    return fig


def plot_frontier(
    frontier: Frontier,
    *,
    budget: float | None = None,
    plan: BidPlan | None = None,
    current: tuple[float, float] | None = None,
    lang: Lang = "en",
) -> Any:
    """The spend -> objective frontier, with the marginal cost per unit on a second axis,
    and where the plan and today's bids stand.

    Parameters
    ----------
    frontier : Frontier
        From :func:`bidopt.bidding.bid_frontier`.
    budget : float, optional
        A budget to mark (account currency), e.g. today's.
    plan : BidPlan, optional
        Marked at its spend and objective value (a filled star), e.g. the plan a report
        recommends. Same objective as the frontier.
    current : tuple of float, optional
        Today's ``(spend, objective value)``, marked with a hollow square: its distance
        below the frontier is what better bids would gain at today's spend.
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_instance(frontier, "frontier", Frontier, "a Frontier (from bid_frontier)")
    if plan is not None:
        check_instance(plan, "plan", BidPlan, "a BidPlan or None")
    if budget is not None:
        budget = check_scalar(budget, "budget", lower=0.0)
    if plan is not None and plan.objective != frontier.objective:
        raise InvalidInputError(
            f"`plan` must have the frontier's objective {frontier.objective!r}. Got a plan "
            f"for {plan.objective!r} instead."
        )
    if current is not None:
        point = np.asarray(current, dtype=np.float64)
        if point.shape != (2,) or not np.all(np.isfinite(point)) or np.any(point < 0):
            raise InvalidInputError(
                "`current` must be today's (spend, objective value), two finite numbers "
                f">= 0. Got {short_repr(current)} instead."
            )
    lang = check_lang(lang)
    w = words(lang)
    style = get_style()
    fig = new_figure(7.0, 4.5)
    ax = fig.add_subplot()
    objective = frontier.objective
    what = w[objective] if objective in ("conversions", "clicks") else None
    unit = what if what is not None else money(style, w.get(objective, objective), lang)
    ax.plot(frontier.spend, frontier.fun, marker="o", color="C0", label=unit)
    ax.set_xlabel(w["spend_per_day"].format(spend=money(style, w["spend"], lang)))
    ax.set_ylabel(unit)
    if budget is not None:
        mark = w["budget_mark"].format(budget=short_number(budget))
        ax.axvline(budget, color="0.4", linestyle=":", label=mark)
    if current is not None:
        today = w["today"]
        ax.plot([current[0]], [current[1]], "s", ms=10, mfc="none", color="0.25", label=today)
    if plan is not None:
        ax.plot([plan.spend], [plan.fun], "*", ms=15, color="C1", label=w["plan"])
    marginal = frontier.marginal_cost
    finite = np.isfinite(marginal)
    right = ax.twinx()
    per = w[{"conversions": "order", "clicks": "click"}.get(objective, "unit")]
    mark = w["marginal"].format(per=per)
    right.plot(frontier.spend[finite], marginal[finite], marker="s", color="C3", label=mark)
    right.set_ylabel(money(style, w["marginal_cost"].format(per=per), lang))
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="lower right", fontsize="small")
    ax.set_title(w["frontier_title"].format(currency=currency(style, lang), unit=unit))
    ax.grid(alpha=0.3)
    return fig


def _signed(change: float, scale: float) -> str:
    """A change of money as text: "+1,234", "-56" or "0" (no "-0"), written to the
    precision of ``scale``, the figure's largest spend: whole yuan from 100 on, else
    :func:`short_number`'s digits (small spends' changes read 0); rounding noise
    (within 1e-9 of the scale) is 0."""
    if abs(change) <= 1e-9 * scale:
        return "0"
    text = format_number(abs(change)) if scale >= 100 else short_number(abs(change))
    if text.strip("0") in ("", get_style().decimal):
        return "0"
    return ("+" if change > 0 else "-") + text


def plot_spend_change(
    plan: BidPlan | BudgetSplit,
    today: npt.ArrayLike | None = None,
    *,
    names: Sequence[str] | None = None,
    max_items: int = 15,
    lang: Lang = "en",
) -> Any:
    """Spend today against spend in the plan, per keyword or channel: the biggest changes.

    Parameters
    ----------
    plan : BidPlan or BudgetSplit
        The plan: a bid plan's spend per keyword (``keyword_cost``) or a split's spend
        per channel.
    today : array-like of shape (n_keywords,) or (n_channels,), optional
        Today's spend of each keyword or channel (account currency, same period as the
        plan). Default for a split: its ``current_spend``; a bid plan needs it, e.g.
        ``landscape.cost`` at today's bids.
    names : sequence of str, optional
        Label of each row. Default: the plan's keywords or channels, else row numbers.
    max_items : int, default 15
        Draw the ``max_items`` rows whose spend changes most.
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend (names as given).

    Returns
    -------
    matplotlib.figure.Figure
    """
    lang = check_lang(lang)
    w = words(lang)
    if isinstance(plan, BudgetSplit):
        planned = np.asarray(plan.spend, dtype=np.float64)
        default_names: list[str] = list(plan.channels)
        if today is None:
            today = plan.current_spend
        what = "channel"
    elif isinstance(plan, BidPlan):
        planned = np.asarray(plan.keyword_cost, dtype=np.float64)
        default_names = (
            [str(k) for k in plan.keywords.tolist()]
            if plan.keywords is not None
            else [f"#{i}" for i in range(planned.size)]
        )
        what = "keyword"
    else:
        raise InvalidInputError(
            f"`plan` must be a BidPlan or a BudgetSplit. Got {type(plan).__name__} instead."
        )
    if today is None:
        raise InvalidInputError(
            f"`today` must be today's spend per {what} for this plan (it has none). Got "
            "None instead."
        )
    now = _per_keyword(today, "today", planned.shape)
    labels = default_names if names is None else [str(n) for n in names]
    if len(labels) != planned.size:
        raise InvalidInputError(
            f"`names` must have one name per {what} ({planned.size}). Got {len(labels)} instead."
        )
    if isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 1:
        raise InvalidInputError(f"`max_items` must be an integer >= 1. Got {max_items!r} instead.")
    delta = planned - now
    rows = np.argsort(-np.abs(delta), kind="stable")[:max_items][::-1]
    style = get_style()
    fig = new_figure(8.0, 1.2 + 0.38 * rows.size)
    ax = fig.add_subplot()
    y = np.arange(rows.size)
    ax.barh(y + 0.2, now[rows], 0.4, color="0.65", label=w["today"])
    ax.barh(y - 0.2, planned[rows], 0.4, color="C0", label=w["plan"])
    top = float(max(now[rows].max(), planned[rows].max(), 0.0))
    scale = float(max(now.max(), planned.max(), 0.0))  # the precision of the changes
    changes = [_signed(float(delta[r]), scale) for r in rows.tolist()]
    for k, r in enumerate(rows.tolist()):
        ax.text(
            max(now[r], planned[r]) + 0.01 * top,
            k,
            changes[k],
            va="center",
            fontsize="small",
            color="C2" if delta[r] > 0 else ("C3" if delta[r] < 0 else "0.3"),
        )
    ax.set_yticks(y, [labels[r] for r in rows.tolist()])
    # room right of the longest bar for its change: about 1.5% of the axes per character
    # of the longest label ("+500,000,020,328" ran past the axes at 18%)
    room = min(0.015 * max(len(text) for text in changes), 0.6)
    ax.set_xlim(0.0, max(1.18, 1.02 / (1.0 - room)) * top if top > 0 else 1.0)
    ax.set_xlabel(money(style, w["spend"], lang))
    ax.set_ylabel(w[what])
    total = _signed(float(delta.sum()), float(max(now.sum(), planned.sum())))
    title = w["change_title"].format(
        shown=rows.size, n=planned.size, what=w[what + "s"], total=total
    )
    ax.set_title(title, fontsize="medium")
    # beside the axes, not inside: at the lower right it covered the bottom row's bars
    # and change whenever that row spent the most
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return fig


def plot_replay(
    results: Mapping[str, Sequence[ReplayResult | PacedResult]], *, lang: Lang = "en"
) -> Any:
    """Clicks won against budget, one line per strategy (the iPinYou replay).

    Parameters
    ----------
    results : mapping of str to sequence of ReplayResult or PacedResult
        Strategy name -> its replays at several budgets.
    lang : {"en", "zh"}, default "en"
        Language of the title and axis labels (strategy names as given).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.ticker import MaxNLocator

    w = words(check_lang(lang))
    check_instance(results, "results", Mapping, "a mapping of strategy name to replays")
    if not results:
        raise InvalidInputError(
            "`results` must name at least one strategy. Got an empty mapping instead."
        )
    fig = new_figure(7.0, 4.5)
    ax = fig.add_subplot()
    for name, runs in results.items():
        for run in runs:
            check_instance(run, f"results[{name!r}]", (ReplayResult, PacedResult), "ReplayResults")
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
    # budgets as numbers in the style ("16,384", not "2^14"); clicks won are whole
    ax.xaxis.set_major_formatter(number_formatter())
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(w["replay_x"])
    ax.set_ylabel(w["replay_y"])
    ax.set_title(w["replay_title"])
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return fig
