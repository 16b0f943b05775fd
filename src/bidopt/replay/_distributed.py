"""``replay(..., client=...)``: a replay over an auction log held in blocks on Dask workers.

Each block of auctions (in auction order) stays on the worker that holds it.  The stop
rule is a running total, so the blocks are scanned in order, each one on its worker,
starting from the previous block's total: the driver sends that one float and gets back
the block's total, where the budget ran out (if it did), its clicks, impressions and
conversions (integers), and the pCTRs of the auctions it won (the one float sum the
result needs; summed here over the concatenated values, as ``replay`` sums them).  The
running total is the same sequence of additions as ``np.cumsum`` over the whole log, so
the result is :func:`~bidopt.replay.replay`'s, number for number.  With
``stop="none"`` the blocks are independent and scanned at once; the prices won come back
to be summed here, as ``replay`` sums them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from bidopt._dask import cluster_parts, n_workers, require_client
from bidopt.datasets import AuctionLog
from bidopt.exceptions import InvalidInputError

__all__ = ["replay_on_cluster", "split_log"]


def split_log(log: AuctionLog, n_blocks: int) -> list[AuctionLog]:
    """Consecutive blocks of auctions (about equal sizes), in order."""
    bounds = np.linspace(0, len(log), n_blocks + 1).astype(np.int64)
    return [log.take(np.arange(a, b)) for a, b in itertools.pairwise(bounds) if b > a]


def _scan(
    check: Callable[..., Any], block: AuctionLog, bids: Any, limit: float, stop: str, carry: float
) -> dict[str, Any]:
    """One block's part of ``replay``, the running total starting at ``carry``
    (``check`` is ``_engine._won``, which checks the bids as ``replay`` does)."""
    win, _, _ = check(block, bids, limit, "none")
    n = len(block)
    end = n
    total = carry
    if stop == "budget":
        with np.errstate(over="ignore"):
            spent = np.cumsum(np.concatenate([[carry], np.where(win, block.market_price, 0.0)]))
        spent = spent[1:]
        if n and spent[-1] > limit:
            end = int(np.searchsorted(spent, limit, side="right"))
        total = float(spent[end - 1]) if end else carry
    won = win[:end]
    return {
        "n": n,
        "end": end,
        "spent": total,
        "clicks": int(block.click[:end][won].sum()),
        "impressions": int(won.sum()),
        "conversions": (
            int(block.conversion[:end][won].sum()) if block.conversion is not None else None
        ),
        "pctr": block.pctr[:end][won] if block.pctr is not None else None,
        "prices": block.market_price[won] if stop == "none" else None,
    }


def replay_on_cluster(
    log: Any,
    bids: Any,
    limit: float,
    *,
    stop: str,
    client: Any,
    won: Callable[..., Any],
    check_bids: Callable[[Any, int, AuctionLog | None], Any],
    result: Callable[..., Any],
) -> Any:
    """``replay(log, bids, budget, stop=stop, client=client)``, the budget (``limit``)
    and ``stop`` checked by ``replay``.

    ``log`` is an :class:`~bidopt.datasets.AuctionLog` (split into consecutive blocks,
    four per worker, and scattered) or a non-empty sequence of Dask futures of
    AuctionLog blocks, in auction order.  ``bids`` is a number, or an array with one bid
    per auction of all blocks (each block gets its slice).  ``won``, ``check_bids``
    and ``result`` are ``_engine``'s ``_won``, ``_checked_bids`` and ``ReplayResult``
    (passed in: ``_engine`` imports this module).
    """
    require_client(client, "replay(client=...)")
    mode = stop
    if isinstance(log, AuctionLog):
        pieces = split_log(log, 4 * n_workers(client))
        sizes = [len(piece) for piece in pieces]
        blocks = list(client.scatter(pieces, hash=False))  # fresh keys: see bidding/_distributed
        del pieces
    else:
        contract = (
            "`log` must be an AuctionLog or a non-empty sequence of Dask futures of "
            "AuctionLog blocks (or of AuctionLogs) with `client`"
        )
        given = cluster_parts(log, AuctionLog, contract)
        if given is None:
            raise InvalidInputError(f"{contract}. Got {type(log).__name__} instead.")
        blocks = given
        sizes = client.gather([client.submit(len, b, pure=False) for b in blocks])
    n = int(sum(sizes))
    b = check_bids(bids, n, log if isinstance(log, AuctionLog) else None)
    if b.ndim == 0:
        parts: list[Any] = [bids] * len(blocks)
    else:
        bounds = np.concatenate([[0], np.cumsum(sizes)])
        parts = [b[bounds[i] : bounds[i + 1]] for i in range(len(blocks))]
    scans: list[dict[str, Any]] = []
    if mode == "none":
        futures = [
            client.submit(_scan, won, blk, p, limit, mode, 0.0, pure=False)
            for blk, p in zip(blocks, parts, strict=True)
        ]
        scans = client.gather(futures)
    else:
        carry = 0.0
        for blk, p in zip(blocks, parts, strict=True):
            scan = client.submit(_scan, won, blk, p, limit, mode, carry, pure=False).result()
            scans.append(scan)
            carry = scan["spent"]
            if scan["end"] < scan["n"]:
                break
    end = sum(s["end"] for s in scans)
    if mode == "none":
        with np.errstate(over="ignore"):
            spend = float(np.concatenate([s["prices"] for s in scans]).sum())
    else:
        spend = float(scans[-1]["spent"])
    conversions = float("nan")
    if scans[0]["conversions"] is not None:
        conversions = float(sum(s["conversions"] for s in scans))
    expected = float("nan")
    if scans[0]["pctr"] is not None:
        expected = float(np.concatenate([s["pctr"] for s in scans]).sum())
    return result(
        clicks=int(sum(s["clicks"] for s in scans)),
        impressions=int(sum(s["impressions"] for s in scans)),
        conversions=conversions,
        spend=spend,
        budget=limit,
        n_auctions=n,
        stopped_at=end if end < n else None,
        expected_clicks=expected,
    )
