"""The log-normal second-price auction of one keyword, written once.

A keyword's competitor price per click is ``LogNormal(mu, sigma)`` (yuan), the standard
bid-landscape model (Cui et al., KDD 2011).  A bid ``b`` wins the auction with
probability ``Phi((log b - mu) / sigma)`` and, second price, pays
``E[price | price < b]`` per click.  The synthetic account (``bidopt.datasets``) draws
its truth from this model and the landscape estimator (``bidopt.landscape``) fits it;
both use these two functions.  It is a top-level private module because
``bidopt.landscape`` imports ``bidopt.datasets`` (for ``KeywordLog``), so the reverse
import would be a cycle.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from bidopt.typing import FloatArray

__all__ = ["cost_per_click", "win_rate"]


def win_rate(bids: FloatArray, mu: FloatArray, sigma: FloatArray) -> FloatArray:
    """``P(price < bid)``: the share of auctions each bid wins (0 at bid 0).

    ``bids``, ``mu`` and ``sigma`` broadcast together (per keyword, or per keyword and
    level with ``mu[:, None]``).
    """
    with np.errstate(divide="ignore"):
        z = (np.log(bids) - mu) / sigma
    return np.asarray(special.ndtr(z), dtype=np.float64)


def cost_per_click(bids: FloatArray, mu: FloatArray, sigma: FloatArray) -> FloatArray:
    """``E[price | price < bid]``, yuan per click, computed in log space (0 at bid 0,
    never above the bid)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (np.log(bids) - mu) / sigma
        log_ratio = special.log_ndtr(z - sigma) - special.log_ndtr(z)
        cpc = np.exp(mu + 0.5 * sigma**2 + log_ratio)
    cpc = np.where(bids > 0, cpc, 0.0)
    return np.asarray(np.minimum(np.nan_to_num(cpc, nan=0.0), bids), dtype=np.float64)
