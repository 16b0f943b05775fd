"""Figures of bidopt's results (needs the optional ``plot`` extra: matplotlib).

Every function takes a result object and returns a :class:`matplotlib.figure.Figure`,
built without pyplot: save it with ``fig.savefig("x.png")`` or show it in a notebook.
Importing :mod:`bidopt` never imports matplotlib; these functions import it when called.
"""

from bidopt.plotting._channels import plot_response_curves, plot_split
from bidopt.plotting._figures import (
    plot_frontier,
    plot_landscape,
    plot_replay,
)

__all__ = [
    "plot_frontier",
    "plot_landscape",
    "plot_replay",
    "plot_response_curves",
    "plot_split",
]
