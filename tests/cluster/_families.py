"""Seeded landscape partitions for the cluster tests, built on the workers from a seed.

Two families in every partition: second-price (concave) rows and S-shaped rows (clicks a
Weibull CDF of the bid, spend growing faster than the bid), so the greedy fills and the
threshold both have work to do.  Independent of ``bidopt.datasets``.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from bidopt._validation import frozen
from bidopt.landscape import BidLandscape


def partition(seed: int, n: int, levels: int) -> BidLandscape:
    """``n`` keywords x ``levels`` levels; half concave, half S-shaped, interleaved."""
    rng = np.random.default_rng(seed)
    m = n // 2
    # concave: log-normal competitor price, second-price cost
    z = special.ndtri(np.linspace(0.05, 0.99, levels))
    volume = rng.lognormal(np.log(20.0), 1.7, m) * rng.lognormal(np.log(0.025), 0.4, m)
    mu, sigma = rng.normal(0.8, 0.6, m), rng.uniform(0.45, 0.9, m)
    bids_a = np.exp(mu[:, None] + sigma[:, None] * z[None, :])
    zz = (np.log(bids_a) - mu[:, None]) / sigma[:, None]
    clicks_a = volume[:, None] * special.ndtr(zz)
    cost_a = (
        volume[:, None] * np.exp(mu + sigma**2 / 2)[:, None] * special.ndtr(zz - sigma[:, None])
    )
    conv_a = clicks_a * rng.lognormal(np.log(0.1), 0.5, m)[:, None]
    # S-shaped
    k = n - m
    scale, shape = rng.lognormal(np.log(1.5), 0.5, k), rng.uniform(1.2, 3.0, k)
    bids_b = (scale * rng.uniform(1.5, 3.0, k))[:, None] * np.linspace(0.1, 1.0, levels)[None, :]
    vol = rng.lognormal(np.log(2.0), 1.5, k)
    clicks_b = vol[:, None] * -np.expm1(-((bids_b / scale[:, None]) ** shape[:, None]))
    p = rng.uniform(1.0, 1.2, k)
    cost_b = vol[:, None] * scale[:, None] * 0.6 * (bids_b / scale[:, None]) ** p[:, None]
    conv_b = clicks_b * rng.lognormal(np.log(0.08), 0.5, k)[:, None]
    order = rng.permutation(n)
    stack = {
        "bids": np.vstack([bids_a, bids_b])[order],
        "clicks": np.vstack([clicks_a, clicks_b])[order],
        "cost": np.vstack([cost_a, cost_b])[order],
        "conversions": np.vstack([conv_a, conv_b])[order],
    }
    return BidLandscape(**{name: frozen(a) for name, a in stack.items()})


def concat(parts: list[BidLandscape]) -> BidLandscape:
    """The partitions as one landscape, in order (the in-process reference)."""
    names = ("bids", "clicks", "cost", "conversions")
    return BidLandscape(
        **{n: frozen(np.concatenate([getattr(p, n) for p in parts])) for n in names}
    )
