"""Figures of bidopt's results (needs the optional ``plot`` extra: matplotlib).

Every function takes a result object and returns a :class:`matplotlib.figure.Figure`,
built without pyplot: save it with ``fig.savefig("x.png")`` or show it in a notebook.
Importing :mod:`bidopt` never imports matplotlib; these functions import it when called.

Every function takes ``lang="en"`` or ``lang="zh"``: the language of the figure's own
words (titles, axis labels, legend marks such as "today" and "observed range"); names the
caller gives (keywords, channels, splits, strategies) are drawn as given. Every figure
draws Chinese text with the first installed CJK font (looked up once; a warning says
which package to install when there is none) and writes money and numbers as
:func:`set_style` says (currency label, thousands separator, decimal mark; the default
currency "yuan" is written 元 in Chinese).
"""

from bidopt.plotting._channels import plot_response_curves, plot_split
from bidopt.plotting._figures import (
    plot_frontier,
    plot_landscape,
    plot_replay,
    plot_spend_change,
)
from bidopt.plotting._style import PlotStyle, get_style, set_style

__all__ = [
    "PlotStyle",
    "get_style",
    "plot_frontier",
    "plot_landscape",
    "plot_replay",
    "plot_response_curves",
    "plot_spend_change",
    "plot_split",
    "set_style",
]
