"""Small auction logs and training statistics shared by the replay and pacing tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt.datasets import AuctionLog, IpinyouInfo

MAX_BID = 300.0
FLOOR, CEILING = 1e-12 / MAX_BID, 1e12 / MAX_BID  # the documented multiplier bounds


def info(**changes: Any) -> IpinyouInfo:
    """Training statistics of 100 impressions, 2 clicks, 500 yuan; ``changes`` override."""
    fields: dict[str, Any] = {
        "imp_train": 100,
        "clk_train": 2,
        "cost_train": 500.0,
        "price_counter_train": np.array([0, 10, 40, 50]),
    }
    fields.update(changes)
    return IpinyouInfo(**fields)


def log_of(price: npt.ArrayLike, pctr: npt.ArrayLike) -> AuctionLog:
    """A log of the given market prices and pCTRs, without clicks."""
    p = np.asarray(price, dtype=np.float64)
    return AuctionLog(
        click=np.zeros(p.size, dtype=np.int64),
        market_price=p,
        pctr=np.asarray(pctr, dtype=np.float64),
    )


def with_zero_pctrs(log: AuctionLog, count: int) -> AuctionLog:
    """``log`` with its first ``count`` pCTRs set to 0."""
    assert log.pctr is not None
    pctr = log.pctr.copy()
    pctr[:count] = 0.0
    return AuctionLog(click=log.click, market_price=log.market_price, pctr=pctr)


def synthetic_log(n: int = 20_000, seed: int = 3) -> AuctionLog:
    """``n`` auctions with beta pCTRs, gamma market prices and clicks drawn from the pCTRs."""
    rng = np.random.default_rng(seed)
    pctr = rng.beta(1.0, 200.0, n)
    price = rng.gamma(2.0, 30.0, n)
    click = (rng.random(n) < pctr).astype(np.int64)
    return AuctionLog(click=click, market_price=price, pctr=pctr)
