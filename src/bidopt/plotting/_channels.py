"""Channel figures: response curves with the splits marked, and budget splits as bars."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from bidopt._quantiles import central_band
from bidopt._validation import check_instance, check_scalar
from bidopt.channels import BudgetSplit, ResponseCurve, ResponseFit
from bidopt.exceptions import InvalidInputError
from bidopt.plotting._style import format_number, get_style, number_formatter, short_number
from bidopt.plotting._style import new_figure as _figure
from bidopt.plotting._words import Lang, check_lang, currency, money, words

__all__ = [
    "plot_response_curves",
    "plot_split",
]


def plot_response_curves(
    curves: Mapping[str, ResponseCurve] | ResponseFit,
    split: BudgetSplit,
    *,
    others: Mapping[str, BudgetSplit] | None = None,
    level: float = 0.8,
    lang: Lang = "en",
    name: str | None = None,
) -> Any:
    """Each channel's response curve with its current and optimal spend.

    Parameters
    ----------
    curves : mapping of str to ResponseCurve, or ResponseFit
        The curves the split was made with.  A fit's curves are drawn solid over the
        spends seen in its history (its smallest to its largest spend per period) and
        dashed outside them, with a band holding the middle ``level`` of its draws.
    split : BudgetSplit
        Its spend is marked (named by ``name``), and its ``current_spend`` if it has one.
    others : mapping of str to BudgetSplit, optional
        More splits to mark by name (e.g. ``{"60/40 rule": rule}``).
    level : float, default 0.8
        Probability of the band of a fit's draws: at each spend, the central ``level``
        interval of the draws' responses, which holds a further draw with that
        probability (the draws at ranks (n + 1) x (1 -+ level) / 2, as every interval
        over draws in bidopt).
    lang : {"en", "zh"}, default "en"
        Language of the titles, axis labels and legend marks ("current", "optimal",
        "observed range", the band); channel and ``others`` names are drawn as given.
    name : str, optional
        Legend name of ``split``'s mark, drawn as given.  Default, in ``lang``: "split"
        without ``others``; with them "optimal", or "safe split" when ``split`` is the
        safe default's step towards the best split over a fit's draws (``split.safe_step``
        not None: even a full step stops at the trust region, so it is not an optimum),
        or "split" when one of ``others`` already bears that name.

    Returns
    -------
    matplotlib.figure.Figure
    """
    lang = check_lang(lang)
    w = words(lang)
    check_instance(split, "split", BudgetSplit, "a BudgetSplit")
    level = check_scalar(
        level, "level", lower=0.0, upper=1.0, lower_inclusive=False, upper_inclusive=False
    )
    check_instance(curves, "curves", (Mapping, ResponseFit), "a mapping of curves or a fit")
    fit = curves if isinstance(curves, ResponseFit) else None
    curve_map: Mapping[str, ResponseCurve] = fit.curves if fit is not None else curves  # type: ignore[assignment]
    missing = [c for c in split.channels if c not in curve_map]
    if missing:
        raise InvalidInputError(
            f"`curves` must have a curve for every channel of the split. Got none for "
            f"{missing} instead."
        )
    for channel in split.channels:
        check_instance(curve_map[channel], f"curves[{channel!r}]", ResponseCurve, "a ResponseCurve")
    check_instance(others or {}, "others", Mapping, "a mapping of name to BudgetSplit")
    for other_name, other in (others or {}).items():
        check_instance(other, f"others[{other_name!r}]", BudgetSplit, "a BudgetSplit")
        if set(other.channels) != set(split.channels):
            raise InvalidInputError(
                f"`others` must be splits over the channels of `split` {list(split.channels)}. "
                f"Got {other_name!r} over {list(other.channels)} instead."
            )
    # (legend label, spend per channel, today's?): a list, as a name in ``others`` may
    # read like one of the figure's own words
    marks: list[tuple[str, np.ndarray, bool]] = []
    if split.current_spend is not None:
        marks.append((w["current"], split.current_spend, True))
    if name is None:
        name = w["optimal"] if split.safe_step is None else w["safe_split"]
        if not others or name in others:
            name = w["split"]
    marks.append((str(name), split.spend, False))
    for other_name, other in (others or {}).items():
        marks.append((other_name, np.array([other.allocation[c] for c in split.channels]), False))
    from matplotlib import ticker

    n = len(split.channels)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    # at least 6.5 inches wide: the title of one channel's 4-inch panel was cut at both ends
    fig = _figure(max(4.0 * cols, 6.5), 3.2 * rows)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    top = max(float(v.max()) for _, v, _ in marks)
    for i, channel in enumerate(split.channels):
        ax = axes[i]
        grid = np.linspace(0.0, 1.6 * max(top / n * 2, *(float(v[i]) for _, v, _ in marks)), 200)
        curve = curve_map[channel]
        # one money unit for both axes of a panel (yuan, thousand, million, billion), so
        # that its tick labels stay short at any scale (millions of thousands overlapped)
        scale = _money_scale(max(float(grid[-1]), float(np.max(curve(grid)))))
        if fit is None or fit.max_spend is None or fit.min_spend is None:
            ax.plot(grid / scale, curve(grid) / scale, color="0.3")
        else:
            _fit_curve(ax, fit, channel, grid, level, w, scale)
        for k, (name, spend, today) in enumerate(marks):
            x = float(spend[i])
            style = {"mfc": "none", "markersize": 11} if today else {}
            ax.plot(
                [x / scale],
                [float(curve(x)) / scale],
                marker="oDs^v"[k % 5],
                linestyle="none",
                label=name,
                **style,
            )
        ax.set_title(channel, fontsize="medium")
        unit = w[_SCALES[scale]].format(currency=currency(get_style(), lang))
        ax.set_xlabel(w["curve_x"].format(unit=unit))
        ax.set_ylabel(w["curve_y"].format(unit=unit))
        ax.xaxis.set_major_locator(ticker.MaxNLocator(5))
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(number_formatter())
        ax.grid(alpha=0.3)
    for ax in axes[n:]:
        ax.set_visible(False)
    axes[0].legend(fontsize="small")
    fig.suptitle(w["curves_title"])
    return fig


def plot_split(splits: Mapping[str, BudgetSplit], *, lang: Lang = "en") -> Any:
    """Spend per channel under several splits, as grouped bars, with each split's revenue.

    Parameters
    ----------
    splits : mapping of str to BudgetSplit
        E.g. the result of :func:`bidopt.channels.compare_splits` (current, 60/40,
        optimal, ...); all over the same channels.
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend words (split and channel names as
        given).

    Returns
    -------
    matplotlib.figure.Figure
    """
    lang = check_lang(lang)
    w = words(lang)
    check_instance(splits, "splits", Mapping, "a mapping of name to BudgetSplit")
    for split_name, split in splits.items():
        check_instance(split, f"splits[{split_name!r}]", BudgetSplit, "a BudgetSplit")
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
    # channel names slanted when they would not fit side by side (12 channels' names ran
    # together): about 0.09 inch per character at the tick font, Chinese characters twice
    # that; the figure grows by the height the slant takes, the legend moves below it
    lengths = [sum(2 if ord(ch) > 0x2E7F else 1 for ch in c) for c in channels]
    drop = 0.09 * max(lengths) * 0.5 if sum(n + 2 for n in lengths) * 0.09 > 6.5 else 0.0
    fig = _figure(8.0, 4.5 + drop)
    ax = fig.add_subplot()
    width = 0.8 / len(splits)
    x = np.arange(len(channels))
    for k, (name, s) in enumerate(splits.items()):
        label = w["split_entry"].format(
            name=name,
            revenue=short_number(s.response),
            roi=format_number(s.roi, 2) if np.isfinite(s.roi) else "-",
        )
        ax.bar(x + (k - (len(splits) - 1) / 2) * width, s.spend, width, label=label)
    if drop > 0:
        ax.set_xticks(x, list(channels), rotation=30, ha="right", rotation_mode="anchor")
    else:
        ax.set_xticks(x, list(channels))
    ax.set_xlabel(w["channel"])
    ax.set_ylabel(money(get_style(), w["spend"], lang))
    ax.set_title(w["split_title"])
    # below the axes, not inside: inside, the legend covered the tallest bars (the split
    # that moves most money into one channel, the one a reader looks for)
    # (a figure legend at the foot, which the layout makes room for: under the axes at a
    # fixed distance it covered slanted channel names or fell off the figure)
    fig.legend(
        fontsize="small",
        loc="outside lower center",
        ncol=1 if len(splits) > 2 else len(splits),
        frameon=False,
    )
    ax.grid(axis="y", alpha=0.3)
    return fig


#: Money units of the response-curve panels, and the word of each.
_SCALES = {1.0: "money_1", 1e3: "money_1e3", 1e6: "money_1e6", 1e9: "money_1e9"}


def _money_scale(top: float) -> float:
    """The money unit of a panel whose largest value is ``top``: yuan below 1,000,
    thousands below 10 million, millions below 10 billion, else billions (at most 5
    digits before the decimal mark in its tick labels)."""
    for scale, below in zip(_SCALES, (1e3, 1e7, 1e10), strict=False):
        if top < below:
            return scale
    return 1e9


def _fit_curve(
    ax: Any,
    fit: ResponseFit,
    channel: str,
    grid: np.ndarray,
    level: float,
    w: dict[str, str],
    scale: float,
) -> None:
    """A fit's curve in units of ``scale``: solid over the spends seen, dashed outside;
    the draws' band."""
    assert fit.max_spend is not None
    assert fit.min_spend is not None
    lo, hi = fit.min_spend[channel], fit.max_spend[channel]
    curve = fit.curves[channel]
    y = curve(grid) / scale
    ax.plot(grid / scale, y, color="0.3", linestyle="--", linewidth=1.0)
    inside = (grid >= lo) & (grid <= hi)
    ax.plot(grid[inside] / scale, y[inside], color="0.2", linewidth=2.0, label=w["observed_range"])
    if fit.draws is not None:
        values = fit.draws.channel_values(channel, grid)
        lo_band, hi_band = central_band(values, level)
        band = w["band"].format(level=f"{level:.0%}")
        ax.fill_between(
            grid / scale, lo_band / scale, hi_band / scale, color="0.5", alpha=0.25, label=band
        )
