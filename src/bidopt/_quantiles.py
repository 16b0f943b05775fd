"""Central intervals over draws that hold a further draw with their stated probability.

Shared by every place that turns draws (of a landscape estimate, of response curves)
into an interval: plan ranges, a channel rule's cost, the band of a fitted curve.
"""

from __future__ import annotations

import numpy as np

from bidopt.typing import ArrayLike, FloatArray

__all__ = ["central_band", "central_interval"]


def central_band(values: ArrayLike, level: float) -> tuple[FloatArray, FloatArray]:
    """The central ``level`` interval of draws along the first axis.

    ``values`` has shape (n_draws, ...) (one row per draw); the two ends have the shape
    of one draw.  Each end is the order statistic at rank ``(n_draws + 1) * (1 -+ level)
    / 2`` (interpolated; Hyndman and Fan's type 6, numpy's ``method="weibull"``): a value
    exchangeable with the draws, such as the truth when the draws are a calibrated
    posterior, falls inside with probability ``level``.  The usual interpolated
    quantiles (numpy's default) take the ranks ``1 + (n_draws - 1) * (1 -+ level) / 2``,
    which for 20 draws and ``level`` 0.8 are 2.9 and 18.1 of 20: such an interval holds
    a further draw with probability ``(18.1 - 2.9) / 21``, about 0.72, not 0.8.  With
    fewer draws than the level needs, the ends are the extreme draws.
    """
    tail = (1.0 - level) / 2.0
    lo, hi = np.quantile(
        np.asarray(values, dtype=np.float64), [tail, 1.0 - tail], axis=0, method="weibull"
    )
    return lo, hi


def central_interval(values: ArrayLike, level: float) -> tuple[float, float]:
    """The central ``level`` interval of draws ``values`` (shape (n_draws,)), as floats:
    :func:`central_band` of one number per draw."""
    lo, hi = central_band(values, level)
    return float(lo), float(hi)
