"""``estimate_landscapes(..., client=...)``: the row-by-row steps campaign by campaign.

The estimate couples the account's keywords in many small steps (the daily traffic
index, the account-level mean price offset at each sigma, the account's sigma posterior
that vague campaigns borrow, the rates pooled up to the account, one random stream for
the draws); these run on the driver, on per-keyword arrays, exactly as in one process.
Two steps are row by row and need, per keyword, only its own rows: each keyword's own
price offset ``z`` from its cost per click at every sigma of the grid
(``_estimate.z_own_by_sigma``, a fixed point over the rows with clicks, given whether any
bid of the account moved), and, once the driver has pooled those offsets into price
levels ``mu``, each keyword's volume and Poisson deviance of its daily impressions at
every sigma (``_estimate.volume_deviance``).  Both are mapped over blocks of whole
campaigns on the workers and the results put back in the keywords' order.  Each
keyword's sums run over its own rows in log order on the worker as in one process, so
the estimate is the in-process one, float for float.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from bidopt._dask import n_workers, require_client
from bidopt.typing import FloatArray, IntArray

__all__ = ["volume_deviance_on_cluster", "z_own_on_cluster"]

#: Blocks of campaigns per worker (a few, so a slow block does not hold the others up).
_BLOCKS_PER_WORKER = 4


def _blocks(client: Any, campaign_codes: IntArray, entity: IntArray) -> list[IntArray]:
    """The keywords (ascending) of each block of consecutive whole campaigns, blocks of
    about equal rows, a few per worker."""
    n_campaigns = int(campaign_codes.max()) + 1
    n_blocks = min(n_campaigns, _BLOCKS_PER_WORKER * n_workers(client))
    rows_per_campaign = np.bincount(campaign_codes[entity], minlength=n_campaigns)
    cum = np.cumsum(rows_per_campaign)
    block_of = np.minimum(
        n_blocks * (cum - rows_per_campaign) // max(int(cum[-1]), 1), n_blocks - 1
    )
    keyword_block = block_of[campaign_codes]
    blocks = [np.flatnonzero(keyword_block == b) for b in np.unique(block_of)]
    return [keywords for keywords in blocks if keywords.size > 0]


def _block_rows(keywords: IntArray, entity: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """The rows (log order) of the keywords ``keywords`` (ascending) and their keyword's
    position in ``keywords``."""
    inside = np.zeros(n, dtype=bool)
    inside[keywords] = True
    rows = np.flatnonzero(inside[entity])
    return rows, np.searchsorted(keywords, entity[rows])


def z_own_on_cluster(
    client: Any,
    ratio: FloatArray,
    click_rows: tuple[IntArray, FloatArray, FloatArray, FloatArray],
    moved: bool,
    campaign_codes: IntArray,
    fit: Callable[..., FloatArray],
) -> FloatArray:
    """``fit(ratio, click_rows, moved)`` (``_estimate.z_own_by_sigma``) on blocks of whole
    campaigns on the workers: each keyword's own z at every sigma, shape
    (n_sigma, n_keywords).

    ``click_rows``: the keyword of each row with clicks, its log bid minus the keyword's
    typical log bid, its clicks x bid, and each keyword's total clicks x bid;
    ``moved``: whether any bid of the account moved (the account's, not the block's).
    """
    require_client(client, "estimate_landscapes(client=...)")
    keyword, offset, weight, total = click_rows
    n = ratio.size
    keys, futures = [], []
    for keywords in _blocks(client, campaign_codes, keyword):
        rows, local = _block_rows(keywords, keyword, n)
        block = (local, offset[rows], weight[rows], total[keywords])
        futures.append(client.submit(fit, ratio[keywords], block, moved, pure=False))
        keys.append(keywords)
    results = client.gather(futures)
    z = np.empty((results[0].shape[0], n)) if results else np.empty((0, n))
    for keywords, block_z in zip(keys, results, strict=True):
        z[:, keywords] = block_z
    return z


def volume_deviance_on_cluster(
    client: Any,
    mu_by_sigma: FloatArray,
    k_imps: FloatArray,
    day_rows: tuple[IntArray, FloatArray, Any, FloatArray, FloatArray],
    campaign_codes: IntArray,
    fit: Callable[..., tuple[FloatArray, FloatArray]],
) -> tuple[FloatArray, FloatArray]:
    """``fit(mu_by_sigma, k_imps, *day_rows)`` (``_estimate.volume_deviance``) on blocks
    of whole campaigns on the workers.

    ``day_rows``: each row's keyword, log bid, active flag, day traffic weight and
    impressions; ``campaign_codes`` (n_keywords,) each keyword's campaign.  Returns the
    volume and deviance arrays of shape (n_sigma, n_keywords), as ``fit`` on all rows.
    """
    require_client(client, "estimate_landscapes(client=...)")
    entity = day_rows[0]
    n = k_imps.size
    keys, futures = [], []
    for keywords in _blocks(client, campaign_codes, entity):
        rows, local = _block_rows(keywords, entity, n)
        block_rows = (local, *(column[rows] for column in day_rows[1:]))
        futures.append(
            client.submit(fit, mu_by_sigma[:, keywords], k_imps[keywords], *block_rows, pure=False)
        )
        keys.append(keywords)
    volume = np.empty_like(mu_by_sigma)
    deviance = np.empty_like(mu_by_sigma)
    for keywords, (v, d) in zip(keys, client.gather(futures), strict=True):
        volume[:, keywords] = v
        deviance[:, keywords] = d
    return volume, deviance
