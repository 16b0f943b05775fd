"""A seeded synthetic auction log for replay, with the traits of real RTB logs."""

from __future__ import annotations

import numpy as np

from bidopt._validation import check_random_state, check_scalar, frozen
from bidopt.datasets._auction_log import AuctionLog
from bidopt.typing import RandomState

__all__ = ["make_auction_log"]


def make_auction_log(
    n_auctions: int,
    *,
    ctr: float = 0.004,
    pctr_spread: float = 0.6,
    daily_swing: float = 0.3,
    price_mean: float = 60.0,
    price_link: float = 0.5,
    price_spread: float = 0.6,
    price_scale: float = 1.0,
    price_swing: float = 0.0,
    max_price: float = 300.0,
    rng: RandomState = None,
) -> AuctionLog:
    """One day of auctions in time order, with calibrated pCTRs and market prices.

    The defaults resemble iPinYou campaign 2997 (CTR about 0.4%, mean price about 60 in
    whole units up to 300): traffic follows a daily curve (little at night), the pCTR
    level swings over the day, and prices rise with pCTR, so that dear auctions tend
    to be the likely clicks, as in real logs.

    Parameters
    ----------
    n_auctions : int
        Number of auctions (>= 1).
    ctr : float, default 0.004
        Mean click probability, in (0, 0.5].
    pctr_spread : float, default 0.6
        Standard deviation of log pCTR within an hour (>= 0).
    daily_swing : float, default 0.3
        Amplitude of the hour-of-day swing of log pCTR (>= 0; lowest in the morning).
    price_mean : float, default 60
        Mean market price at ``price_scale=1``, before rounding and the cap (> 0).
    price_link : float, default 0.5
        Elasticity of the price to the pCTR (>= 0; 0 makes them independent).
    price_spread : float, default 0.6
        Standard deviation of the log price given the pCTR (>= 0).
    price_scale : float, default 1.0
        Multiplies every price (> 0): a test period cheaper (< 1) or dearer than a
        training period drawn with 1.
    price_swing : float, default 0
        Amplitude of the hour-of-day swing of the log price at a given pCTR (>= 0;
        dearest in mid-afternoon with the traffic, when more advertisers compete).
    max_price : float, default 300
        Prices are whole units in ``[0, max_price]``.
    rng : int, Generator or None
        Seed or generator; the same seed gives the same log.

    Returns
    -------
    AuctionLog
        With ``click``, ``market_price``, ``pctr`` (the true click probability: the
        clicks are drawn from it) and ``hour``.

    Examples
    --------
    >>> log = make_auction_log(50_000, rng=0)
    >>> len(log), bool(np.all(np.diff(log.hour) >= 0))
    (50000, True)
    """
    n = int(check_scalar(n_auctions, "n_auctions", lower=1, integer=True))
    mean_ctr = check_scalar(ctr, "ctr", lower=0, upper=0.5, lower_inclusive=False)
    spread = check_scalar(pctr_spread, "pctr_spread", lower=0)
    ctr_swing = check_scalar(daily_swing, "daily_swing", lower=0)
    mean_price = check_scalar(price_mean, "price_mean", lower=0, lower_inclusive=False)
    link = check_scalar(price_link, "price_link", lower=0)
    noise = check_scalar(price_spread, "price_spread", lower=0)
    scale = check_scalar(price_scale, "price_scale", lower=0, lower_inclusive=False)
    hour_price_swing = check_scalar(price_swing, "price_swing", lower=0)
    cap = check_scalar(max_price, "max_price", lower=0, lower_inclusive=False)
    gen = check_random_state(rng)

    hours = np.arange(24)
    traffic = 1.0 + 0.8 * np.sin(2 * np.pi * (hours - 9) / 24)  # peak mid-afternoon
    hour = np.sort(gen.choice(24, size=n, p=traffic / traffic.sum()))
    level = ctr_swing * np.cos(2 * np.pi * (hours - 20) / 24)  # log pCTR: high at night
    level -= np.log(np.exp(level) @ (traffic / traffic.sum()))  # keep the mean at ctr
    log_pctr = np.log(mean_ctr) - spread**2 / 2 + level[hour] + gen.normal(0.0, spread, n)
    pctr = np.minimum(np.exp(log_pctr), 1.0)
    click = (gen.random(n) < pctr).astype(np.int64)
    lift = (pctr / mean_ctr) ** link
    lift *= np.exp(hour_price_swing * np.cos(2 * np.pi * (hours - 15) / 24))[hour]  # dear at 15h
    price = mean_price * scale * lift / lift.mean()
    price *= np.exp(gen.normal(-(noise**2) / 2, noise, n))
    market_price = np.minimum(np.rint(price), cap)
    return AuctionLog(  # (fresh arrays, read-only: the log keeps them without a copy)
        click=frozen(click),
        market_price=frozen(market_price),
        pctr=frozen(pctr),
        hour=frozen(hour.astype(np.int64)),
        source=f"make_auction_log(n_auctions={n})",
    )
