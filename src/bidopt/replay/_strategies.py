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

from collections.abc import Mapping
from typing import Literal

import numpy as np
import numpy.typing as npt

from bidopt._validation import (
    check_choice,
    check_pctr,
    check_random_state,
    check_scalar,
    short_repr,
)
from bidopt.exceptions import InvalidInputError
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
        The strategy's parameters (see ``BASELINES``), all finite and > 0.  Extreme
        ones (beyond 1e-50 to 1e50) are computed in logs, so the bids stay finite,
        >= 0 and rising in pCTR.
    max_bid : float, optional
        Cap every bid (300 in the iPinYou replay).
    rng : int, Generator or None
        For ``rand``.

    Returns
    -------
    ndarray of float64, shape (n_auctions,)

    Raises
    ------
    InvalidInputError
        An unknown ``name``; ``params`` not a dict of exactly the strategy's
        parameters, or one not a finite number > 0; a pCTR outside [0, 1]; parameters
        whose bids exceed the float range, without ``max_bid`` (with it, they are
        capped like any other).
    """
    kind = check_choice(name, "name", tuple(BASELINES))
    theta = check_pctr(pctr)
    expected = sorted(BASELINES[kind])
    if not isinstance(params, Mapping) or sorted(params) != expected:
        raise InvalidInputError(
            f"`params` of {kind!r} must be a dict with the keys {expected}. "
            f"Got {short_repr(params)} instead."
        )
    p = {
        k: check_scalar(v, f"params[{k!r}]", lower=0, lower_inclusive=False)
        for k, v in params.items()
    }
    extreme = any(not 1e-50 <= v <= 1e50 for v in p.values())
    if kind == "const":
        bids = np.full(theta.size, p["bid"])
    elif kind == "rand":
        bids = check_random_state(rng).uniform(0.0, p["upper"], theta.size)
    elif kind == "mcpc":
        bids = p["ecpc"] * theta
    elif kind == "lin":
        if extreme:
            bids = _exp_of_log(theta, np.log(p["base"]) - np.log(p["avg_pctr"]))
        else:
            bids = p["base"] * theta / p["avg_pctr"]
    elif kind == "ortb1":
        c, lam = p["c"], p["lam"]
        if extreme:  # c x / (sqrt(1 + x) + 1), x = pCTR / (c lam), in logs
            log_x = _log_ratio(theta, c, lam)
            log_root = 0.5 * np.logaddexp(0.0, log_x)  # log sqrt(1 + x)
            bids = _exp_of_log(theta, np.log(c) + log_x - np.logaddexp(log_root, 0.0))
        else:
            bids = np.sqrt(c / lam * theta + c * c) - c
    else:
        c, lam = p["c"], p["lam"]
        if extreme:  # 2 c sinh(asinh(x) / 3), x = pCTR / (c lam), in logs
            log_x = _log_ratio(theta, c, lam)
            with np.errstate(over="ignore"):
                asinh = np.where(
                    log_x > 300.0, log_x + np.log(2.0), np.arcsinh(np.exp(np.minimum(log_x, 300.0)))
                )
            third = asinh / 3.0
            with np.errstate(divide="ignore"):  # log 0 where pCTR is 0
                log_sinh2 = third + np.log(-np.expm1(-2.0 * third))
            bids = _exp_of_log(theta, np.log(c) + log_sinh2)
        else:
            root = np.sqrt(c * c * lam * lam + theta * theta)
            term = (theta + root) / (c * lam)
            bids = c * (np.cbrt(term) - np.cbrt(1.0 / term))
    if max_bid is not None:  # (a bid beyond the float range, inf, is capped too)
        bids = np.minimum(bids, check_scalar(max_bid, "max_bid", lower=0))
    if not np.all(np.isfinite(bids)):
        raise InvalidInputError(
            f"`params` of {kind!r} must give bids within the float range (or give "
            f"`max_bid`). Got {p}, whose bids are infinite, instead."
        )
    return np.asarray(bids, dtype=np.float64)


def _log_ratio(theta: FloatArray, c: float, lam: float) -> FloatArray:
    """``log(theta / (c * lam))``, -inf where ``theta`` is 0."""
    with np.errstate(divide="ignore"):
        return np.asarray(np.log(theta) - np.log(c) - np.log(lam), dtype=np.float64)


def _exp_of_log(theta: FloatArray, log_bid: npt.ArrayLike) -> FloatArray:
    """``exp(log_bid)``, 0 where ``theta`` is 0 (inf where it overflows)."""
    with np.errstate(over="ignore"):
        bids = np.exp(np.where(theta > 0, log_bid, -np.inf))
    return np.asarray(bids, dtype=np.float64)
