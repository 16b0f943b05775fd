"""Empirical-Bayes pooling of sparse rates through a group hierarchy.

A keyword with 40 impressions and 0 clicks does not have a CTR of 0; it has a CTR a little
below its ad group's.  :func:`pool_rates` shrinks each unit's rate towards its parent's
(keyword -> ad group -> campaign -> account) with a beta-binomial prior whose strength
is estimated from the data by the method of moments.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bidopt.typing import FloatArray, IntArray

__all__ = ["pool_rates", "prior_strength"]


def prior_strength(successes: FloatArray, trials: FloatArray, prior_mean: FloatArray) -> float:
    """Method-of-moments strength ``a`` of a Beta(a m, a (1 - m)) prior around ``prior_mean``.

    Uses units with at least one trial; the between-unit variance of the rates, net of
    binomial noise, gives ``m (1 - m) / a``.  Returned in ``[1, 1e6]``.
    """
    used = trials > 0
    if used.sum() < 3:
        return 1e6 if not used.any() else 100.0
    n, x, m = trials[used], successes[used], np.clip(prior_mean[used], 1e-9, 1 - 1e-9)
    rate = x / n
    weight = n / n.sum()
    spread = np.sum(weight * (rate - m) ** 2)
    noise = np.sum(weight * m * (1 - m) / n)
    between = spread - noise
    scale = np.sum(weight * m * (1 - m))
    if between <= 0:
        return 1e6
    return float(np.clip(scale / between - 1.0, 1.0, 1e6))


def pool_rates(
    successes: FloatArray, trials: FloatArray, hierarchy: Sequence[IntArray]
) -> FloatArray:
    """Shrink per-unit rates towards their parents, from the top of the hierarchy down.

    Parameters
    ----------
    successes, trials : ndarray of float64, shape (n_units,)
        For example clicks and impressions per keyword.
    hierarchy : sequence of ndarray of int, each of shape (n_units,)
        Group codes from the finest parent to the coarsest (ad group, then campaign).
        The account as a whole is the implicit root.

    Returns
    -------
    ndarray of float64, shape (n_units,)
        Posterior mean rates.  A unit with no trials gets its parent's pooled rate.
    """
    total_trials = trials.sum()
    root = successes.sum() / total_trials if total_trials > 0 else 0.0
    prior = np.full(successes.shape, root, dtype=np.float64)
    # walk from the coarsest level to the finest, pooling each level's groups to its parent
    for codes in reversed(list(hierarchy)):
        codes = np.asarray(codes)
        size = int(codes.max()) + 1 if codes.size else 0
        g_success = np.asarray(
            np.bincount(codes, weights=successes, minlength=size), dtype=np.float64
        )
        g_trials = np.asarray(np.bincount(codes, weights=trials, minlength=size), dtype=np.float64)
        # the parent prior of each group: its units' current prior (constant within group)
        g_prior = np.zeros(size)
        g_prior[codes] = prior
        strength = prior_strength(g_success, g_trials, g_prior)
        g_rate = (g_success + strength * g_prior) / (g_trials + strength)
        prior = g_rate[codes]
    strength = prior_strength(successes, trials, prior)
    return np.asarray((successes + strength * prior) / (trials + strength), dtype=np.float64)
