"""``estimate_landscapes(..., client=...)``: the price-spread likelihood campaign by campaign.

The estimate couples the account's keywords in many small steps (the daily traffic
index, the account-level mean price offset at each sigma, the account's sigma posterior
that vague campaigns borrow, the rates pooled up to the account, one random stream for
the draws); these run on the driver, on per-keyword arrays, exactly as in one process.
The bulk of the work is row by row: each keyword's volume and Poisson deviance of its
daily impressions at every sigma of the grid (:func:`volume_deviance`, about 24 passes
over the log).  That step needs, per keyword, only its own rows and its price level
``mu`` at each sigma, computed on the driver; so it is mapped over blocks of whole
campaigns on the workers and the results are put back in the keywords' order.  Each
keyword's sums run over its own rows in log order on the worker as in one process, so
the estimate is the in-process one, float for float.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from bidopt._dask import require_distributed
from bidopt.typing import FloatArray, IntArray

__all__ = ["volume_deviance_on_cluster"]

#: Blocks of campaigns per worker (a few, so a slow block does not hold the others up).
_BLOCKS_PER_WORKER = 4


def _n_workers(client: Any) -> int:
    return max(len(client.scheduler_info().get("workers", {})), 1)


def volume_deviance_on_cluster(
    client: Any,
    mu_by_sigma: FloatArray,
    k_imps: FloatArray,
    day_rows: tuple[IntArray, FloatArray, Any, FloatArray, FloatArray],
    campaign_codes: IntArray,
    fit: Callable[..., tuple[FloatArray, FloatArray]],
) -> tuple[FloatArray, FloatArray]:
    """``fit(mu_by_sigma, k_imps, *day_rows)`` (``_estimate.volume_deviance``, passed in:
    ``_estimate`` imports this module) on blocks of whole campaigns on the workers.

    ``day_rows``: each row's keyword, log bid, active flag, day traffic weight and
    impressions; ``campaign_codes`` (n_keywords,) each keyword's campaign.  Returns the
    volume and deviance arrays of shape (n_sigma, n_keywords), as ``fit`` on all rows.
    """
    require_distributed("estimate_landscapes(client=...)")
    entity = day_rows[0]
    n_campaigns = int(campaign_codes.max()) + 1
    n_blocks = min(n_campaigns, _BLOCKS_PER_WORKER * _n_workers(client))
    # consecutive campaigns with about equal numbers of rows per block
    rows_per_campaign = np.bincount(campaign_codes[entity], minlength=n_campaigns)
    cum = np.cumsum(rows_per_campaign)
    block_of = np.minimum(
        (n_blocks * (cum - rows_per_campaign) // max(int(cum[-1]), 1)), n_blocks - 1
    )
    row_block = block_of[campaign_codes][entity]
    keyword_block = block_of[campaign_codes]
    keys, futures = [], []
    for b in np.unique(block_of):
        keywords = np.flatnonzero(keyword_block == b)  # ascending: the keywords' order
        if keywords.size == 0:  # only campaigns without keywords
            continue
        rows = np.flatnonzero(row_block == b)  # ascending: log order
        local = np.searchsorted(keywords, entity[rows])
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
