"""Baseline bidding strategies of the RTB literature, as vectorised bid functions.

Each takes the predicted CTR of every auction and returns its bid (market-price units):

* ``const``: the same bid everywhere;
* ``rand``: uniform at random in ``[0, upper]``;
* ``mcpc``: training eCPC x pCTR (bid what a click has cost);
* ``lin``: ``base x pCTR / average pCTR`` (Perlich et al., 2012);
* ``ortb1``, ``ortb2``: the optimal RTB bid functions of Zhang, Yuan and Wang (KDD 2014),
  concave in pCTR, with parameters ``c`` and ``lam``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from bidopt._validation import as_float_array, check_choice, check_random_state, check_scalar
from bidopt.typing import FloatArray, RandomState

__all__ = ["BASELINES", "baseline_bids"]

Baseline = Literal["const", "rand", "mcpc", "lin", "ortb1", "ortb2"]
#: The baseline strategies and their parameter names.
BASELINES: dict[str, tuple[str, ...]] = {
    "const": ("bid",),
    "rand": ("upper",),
    "mcpc": ("ecpc",),
    "lin": ("base", "avg_pctr"),
    "ortb1": ("c", "lam"),
    "ortb2": ("c", "lam"),
}


def baseline_bids(
    name: Baseline,
    pctr: npt.ArrayLike,
    params: dict[str, float],
    *,
    max_bid: float | None = None,
    rng: RandomState = None,
) -> FloatArray:
    """Bids of a baseline strategy for auctions with predicted CTR ``pctr``.

    Parameters
    ----------
    name : {"const", "rand", "mcpc", "lin", "ortb1", "ortb2"}
    pctr : array-like of shape (n_auctions,)
        Predicted click probability per auction, in [0, 1].
    params : dict
        The strategy's parameters (see ``BASELINES``), all > 0.
    max_bid : float, optional
        Cap every bid (300 in the iPinYou replay).
    rng : int, Generator or None
        For ``rand``.

    Returns
    -------
    ndarray of float64, shape (n_auctions,)
    """
    kind = check_choice(name, "name", tuple(BASELINES))
    theta = as_float_array(pctr, "pctr", ndim=1, nonnegative=True)
    expected = set(BASELINES[kind])
    if set(params) != expected:
        raise ValueError(f"`params` of {kind!r} must be {sorted(expected)}; got {sorted(params)}.")
    p = {
        k: check_scalar(v, f"params[{k!r}]", lower=0, lower_inclusive=False)
        for k, v in params.items()
    }
    if kind == "const":
        bids = np.full(theta.size, p["bid"])
    elif kind == "rand":
        bids = check_random_state(rng).uniform(0.0, p["upper"], theta.size)
    elif kind == "mcpc":
        bids = p["ecpc"] * theta
    elif kind == "lin":
        bids = p["base"] * theta / p["avg_pctr"]
    elif kind == "ortb1":
        c, lam = p["c"], p["lam"]
        bids = np.sqrt(c / lam * theta + c * c) - c
    else:
        c, lam = p["c"], p["lam"]
        root = np.sqrt(c * c * lam * lam + theta * theta)
        term = (theta + root) / (c * lam)
        bids = c * (np.cbrt(term) - np.cbrt(1.0 / term))
    if max_bid is not None:
        bids = np.minimum(bids, check_scalar(max_bid, "max_bid", lower=0))
    return np.asarray(bids, dtype=np.float64)
