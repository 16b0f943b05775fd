"""Estimating bid landscapes from a keyword log whose bids vary from day to day."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

from bidopt._progress import logged
from bidopt._validation import (
    as_float_array,
    check_random_state,
    check_scalar,
    short_repr,
)
from bidopt._wording import counted
from bidopt.datasets import KeywordLog
from bidopt.exceptions import IdentifiabilityWarning, InvalidInputError
from bidopt.grouping import pool_rates
from bidopt.landscape._estimate_result import LandscapeEstimate, LandscapeModel
from bidopt.landscape._identify import (
    MAX_POSTERIOR_RATIO,
    MIN_SPREAD,
    WARN_SHARE,
    Identifiability,
    keyword_bids,
)
from bidopt.landscape._landscape import BidLandscape
from bidopt.landscape._uncertainty import expected_metrics
from bidopt.landscape._uncertainty_fit import (
    LogRows,
    between_sd,
    draw_parameters,
    posterior_sd,
    prior_sd,
    robust_temper,
    row_fit,
    sigma_posterior,
)
from bidopt.typing import BoolArray, FloatArray, IntArray, ObjectArray, RandomState

__all__ = ["estimate_landscapes", "landscape_error"]

_SIGMA_GRID = np.round(np.arange(0.25, 1.401, 0.05), 2)
_Z_TABLE = np.linspace(-8.0, 8.0, 3201)
_MIN_BID, _MAX_BID = 0.05, 99.0
#: Least z = (log bid - mu) / sigma a keyword's own cost per click can set (a win share
#: of 2.3% at its typical bid).  The model's cost per click nears the bid only in the
#: far tail of the competitor prices (a win share of 1e-15 at 0.93 x the bid for sigma
#: 0.6), so a cost per click at ~the bid (the platform's minimum bid or reserve price)
#: would read as a keyword winning almost nothing and, at its bid, a volume that one
#: cent more multiplies: the log says only that the price is near the bid.
Z_FLOOR = -2.0
#: Largest share of the spend of clicked keyword-days that may have paid more per click
#: than the logged bid: beyond it ``bid`` and ``cost`` are not read as the same account's
#: bids and costs (units, or a bid column that is not the keyword's bid) and the log is
#: refused; below it the keyword-days are read at their cost per click and named.
MAX_ABOVE_BID_SHARE = 0.5
#: How far (a factor either way) the estimate's spend at the log's bids may be from the
#: log's spend before an IdentifiabilityWarning names the gap.
SPEND_GAP_FACTOR = 1.5


def _entities(log: KeywordLog) -> tuple[IntArray, IntArray]:
    """Code of the (campaign, ad group, keyword, match type) of each row; first rows."""
    parts = [log.keyword.codes.astype(np.int64)]
    for column in (log.campaign, log.ad_group, log.match_type):
        if column is not None:
            parts.append(column.codes.astype(np.int64))
    if len(parts) == 1:
        codes = parts[0]
        _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
        return inverse.ravel(), first
    stacked = np.stack(parts, axis=1)
    _, first, inverse = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
    return inverse.ravel(), first


def _ratio_table(sigma: float) -> FloatArray:
    """CPC / bid as a function of z = (log bid - mu) / sigma (decreasing from 1 to 0).

    The same relation as :func:`bidopt._lognormal.cost_per_click`, written per unit bid
    so that it can be inverted on a grid of z without knowing mu.
    """
    z = _Z_TABLE
    log_g = 0.5 * sigma**2 - sigma * z + special.log_ndtr(z - sigma) - special.log_ndtr(z)
    return np.asarray(np.exp(log_g), dtype=np.float64)


def _on_z_table(x: FloatArray, table: FloatArray) -> FloatArray:
    """``np.interp(x, _Z_TABLE, table)`` on the table's uniform grid (shape of ``x``),
    by direct indexing instead of a search: equal to it up to rounding (a few ulps),
    constant beyond the grid's ends."""
    z0, step = float(_Z_TABLE[0]), float(_Z_TABLE[1] - _Z_TABLE[0])
    last = _Z_TABLE.size - 1
    t = np.clip((x - z0) / step, 0.0, float(last))
    i = np.minimum(t.astype(np.int64), last - 1)
    frac = t - i
    lo = table[i]
    return np.asarray(lo + frac * (table[i + 1] - lo), dtype=np.float64)


def _z_own(
    ratio: FloatArray,
    sigma: float,
    rows: tuple[IntArray, FloatArray, FloatArray, FloatArray],
    moved: bool | None = None,
) -> FloatArray:
    """Each keyword's z = (typical log bid - mu) / sigma from its cost per click / bid.

    With one bid the ratio inverts exactly.  Bids that moved mix several points of the
    ratio curve, so inverting the average ratio at the typical bid is biased: two
    fixed-point steps move z until the ratio the model predicts at the log's own bids
    (weighted by clicks x bid, as observed) is the observed one.  ``rows``: the keyword
    of each row with clicks, its log bid minus the keyword's typical log bid, its clicks
    x bid, and each keyword's total clicks x bid.  ``moved``: whether any bid of the
    account moved (by default: any of ``rows``).
    """
    table = _ratio_table(sigma)
    inverse = table[::-1], _Z_TABLE[::-1]
    z_obs = np.interp(np.nan_to_num(ratio, nan=0.5), *inverse)
    keyword, offset, weight, total = rows
    if not (np.any(offset) if moved is None else moved):  # bids never moved: exact
        return np.asarray(z_obs, dtype=np.float64)
    z, step = z_obs.copy(), offset / sigma
    for _ in range(2):
        g = _on_z_table(step + z[keyword], table)
        fitted = np.bincount(keyword, weights=weight * g, minlength=z.size) / np.maximum(
            total, 1e-12
        )
        z += z_obs - np.interp(np.clip(fitted, 1e-6, 1 - 1e-6), *inverse)
    return np.asarray(np.where(total > 0, z, z_obs), dtype=np.float64)


def z_own_by_sigma(
    ratio: FloatArray,
    rows: tuple[IntArray, FloatArray, FloatArray, FloatArray],
    moved: bool,
) -> FloatArray:
    """:func:`_z_own` at each sigma of ``_SIGMA_GRID``: shape (n_sigma, n_keywords).

    Each keyword's z depends on its own rows only (given ``moved``), so any subset of
    whole keywords (rows in log order) gives its keywords the same floats.
    """
    return np.stack([_z_own(ratio, float(sigma), rows, moved) for sigma in _SIGMA_GRID])


def _traffic_levels(
    day_codes: IntArray,
    entity: IntArray,
    imps: FloatArray,
    active: BoolArray,
    n: int,
    relative: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Each active row's expected impressions (n_rows,: its keyword's mean impressions
    over its active days times the row's ``relative`` share, its share of the auctions
    at the day's bid over the keyword's mean share over its active days, default 1; 0
    for inactive rows), and per day (n_days,) the impressions of its active rows and
    the sum of their expected impressions."""
    weight = active.astype(np.float64)
    level = np.bincount(entity, weights=imps * weight, minlength=n) / np.maximum(
        np.bincount(entity, weights=weight, minlength=n), 1.0
    )
    n_days = int(day_codes.max()) + 1 if day_codes.size else 0
    day_imps = np.bincount(day_codes, weights=imps * weight, minlength=n_days)
    expected = level[entity] * weight if relative is None else level[entity] * relative * weight
    day_level = np.bincount(day_codes, weights=expected, minlength=n_days)
    return (
        np.asarray(expected, dtype=np.float64),
        np.asarray(day_imps, dtype=np.float64),
        np.asarray(day_level, dtype=np.float64),
    )


def traffic_weights(
    per_day: FloatArray,
    day_codes: IntArray,
    entity: IntArray,
    imps: FloatArray,
    n: int,
    active: BoolArray | None = None,
    relative: FloatArray | None = None,
) -> FloatArray:
    """Each row's traffic weight: its day's impressions of the *other* active keywords
    over the sum of their mean days (shape (n_rows,); 1 where no other keyword was
    active that day, e.g. for a keyword alone in the log), each mean day times the
    keyword's ``relative`` share that day (shape (n_rows,), default 1; see
    :func:`relative_shares`).

    A keyword's own impressions are left out of its day's index: where a few keywords
    carry most of the account (a small account), the account's days move with their
    own bid changes and noise, and an index that includes them reads a keyword's
    response to its own bid as traffic (flattening the response it is fitted on).  Only
    active rows count (``active``, shape (n_rows,), default all): a paused keyword-day
    took part in no auction, so it says nothing about the day's traffic, and each
    keyword's mean day is over its active days (a ratio estimator: pausing some
    keywords on a day leaves the index of the others at the day's traffic).  A day on
    which the account served nothing should be passed as inactive for every keyword.
    ``per_day`` (n_days,) holds the account's impressions per day (it sets the number
    of days); the rows (each of shape (n_rows,)): day code, keyword, impressions; ``n``
    keywords.

    Without ``relative``, the other keywords' own bid changes read as traffic: on the
    days of a bid test that moves half of the account's keywords up and half down, the
    index of a keyword moves with its arm's bids (and the test's days, whose bids win
    less on average, read as days of less traffic), flattening the response it is
    fitted on.  ``relative`` takes the share each keyword-day's bid wins out of the
    index.
    """
    on = np.ones(imps.size, dtype=bool) if active is None else np.asarray(active, dtype=bool)
    own, day_imps, day_level = _traffic_levels(day_codes, entity, imps, on, n, relative)
    others = day_imps[day_codes] - imps * on
    base = day_level[day_codes] - own
    # a base below round-off of the day's sum means no other active keyword
    empty = base <= 1e-9 * np.maximum(day_level[day_codes], 1.0)
    out = np.where(empty, 1.0, np.maximum(others, 0.0) / np.where(empty, 1.0, base))
    return np.asarray(out, dtype=np.float64)


def day_traffic(
    day_codes: IntArray,
    entity: IntArray,
    imps: FloatArray,
    active: BoolArray,
    n: int,
    relative: FloatArray | None = None,
) -> FloatArray:
    """The account's traffic index of each day with an active keyword (its active
    rows' impressions over their keywords' mean days, each times the row's
    ``relative`` share), shape (n_served_days,)."""
    _, day_imps, day_level = _traffic_levels(day_codes, entity, imps, active, n, relative)
    served = day_level > 0
    if not served.any():  # nothing served: no day says anything about traffic
        return np.ones(1, dtype=np.float64)
    return np.asarray(day_imps[served] / day_level[served], dtype=np.float64)


def relative_shares(
    log_bid: FloatArray, mu: FloatArray, sigma: float, entity: IntArray, active: BoolArray, n: int
) -> FloatArray:
    """Each row's share of its keyword's auctions at its bid over the keyword's mean
    share over its active days, under the competitor-price curve ``Phi((log bid - mu) /
    sigma)`` (shape (n_rows,); 1 for inactive rows and for every row of a keyword whose
    bid never moved, exactly).

    ``log_bid`` (n_rows,) is each row's log bid, ``mu`` (n,) each keyword's price level
    and ``sigma`` one dispersion (the prior's median: the index is taken before sigma is
    fitted, and needs only the rough size of each bid change's effect).
    """
    lo = np.full(n, np.inf)
    hi = np.full(n, -np.inf)
    np.minimum.at(lo, entity[active], log_bid[active])
    np.maximum.at(hi, entity[active], log_bid[active])
    moved = (hi > lo)[entity] & active
    share = special.ndtr((log_bid - mu[entity]) / sigma) * moved
    days = np.bincount(entity, weights=moved.astype(np.float64), minlength=n)
    mean = np.bincount(entity, weights=share, minlength=n) / np.maximum(days, 1.0)
    safe = np.where(moved, mean[entity], 1.0)
    out = np.where(moved & (safe > 0), share / np.where(safe > 0, safe, 1.0), 1.0)
    return np.asarray(out, dtype=np.float64)


def _group_mean(values: FloatArray, weights: FloatArray, codes: IntArray) -> FloatArray:
    size = int(codes.max()) + 1
    w = np.bincount(codes, weights=weights, minlength=size)
    s = np.bincount(codes, weights=weights * values, minlength=size)
    overall = (weights * values).sum() / weights.sum() if weights.sum() > 0 else 0.0
    return np.where(w > 0, s / np.where(w > 0, w, 1), overall)


def volume_deviance(
    mu_by_sigma: FloatArray,
    k_imps: FloatArray,
    entity: IntArray,
    log_bid: FloatArray,
    active: BoolArray,
    w_day: FloatArray,
    imps: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Each keyword's volume and Poisson deviance of its daily impressions, per sigma.

    ``mu_by_sigma`` (n_sigma, n_keywords) is the price level at each sigma of
    ``_SIGMA_GRID``, ``k_imps`` (n_keywords,) the keywords' impressions; the rows (each
    of shape (n_rows,)): keyword, log bid, active flag, day traffic weight, impressions.
    Each keyword's numbers are sums over its own rows only, in row order, so any subset
    of whole keywords (rows in log order) gives its keywords the same floats.
    """
    n = k_imps.size
    volumes, deviances = [], []
    for sigma, mu in zip(_SIGMA_GRID, mu_by_sigma, strict=True):
        share = special.ndtr((log_bid - mu[entity]) / sigma) * active
        exposure = np.bincount(entity, weights=w_day * share, minlength=n)
        volume = k_imps / np.maximum(exposure, 1e-12)
        predicted = volume[entity] * w_day * share
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(imps > 0, imps * np.log(imps / np.maximum(predicted, 1e-300)), 0.0)
        deviance = 2.0 * (term - (imps - predicted))
        deviances.append(np.bincount(entity, weights=deviance, minlength=n))
        volumes.append(volume)
    return np.stack(volumes), np.stack(deviances)


@logged("estimate_landscapes")
def estimate_landscapes(
    log: KeywordLog,
    *,
    bids: npt.ArrayLike | None = None,
    n_levels: int = 20,
    min_clicks: float = 5.0,
    n_draws: int = 20,
    sigma_prior: tuple[float, float] = (0.6, 0.4),
    rng: RandomState = 0,
    client: Any = None,
) -> LandscapeEstimate:
    """Estimate each keyword's bid landscape from a keyword log with varying bids.

    Model: a log-normal competitor price per keyword (the standard bid-landscape model
    of Cui et al., KDD 2011), so the click share is the monotone curve
    ``Phi((log b - mu_k) / sigma)`` and the cost per click is the second-price
    ``E[price | price < b]``.

    * ``mu_k`` comes from inverting the second-price relation on the keyword's observed
      cost per click relative to its bid; keywords with few clicks borrow the typical
      offset of their ad group (then campaign, then account), weighted by
      ``clicks / (clicks + min_clicks)``; a cost on a keyword-day without clicks (a log
      read with ``relax=("cost_needs_clicks",)``) bought no click and is left out of it.
      A cost per click at about the bid (the
      platform's minimum bid or reserve price) cannot tell how much traffic the keyword
      wins; its price level is read at most ``-Z_FLOOR`` (2) sigmas above its typical
      bid (a win share of at least 2.3%); one on that floor at every sigma of the grid
      counts at the floor in its ad group's typical offset and says nothing about its
      campaign's ``sigma``.  Its clicks at the log's bids stay the log's, its cost falls
      below the log's, and an
      :class:`~bidopt.exceptions.IdentifiabilityWarning` names the keywords and the gap
      when they carry 5% of the spend or more.  A keyword-day that paid more per click
      than its bid (the bid changed within the day) is read at its cost per click as
      the bid, and named in a warning; when such keyword-days carry more than
      :data:`MAX_ABOVE_BID_SHARE` of the spend of the keyword-days with clicks, ``bid``
      and ``cost`` are not the same account's bids and costs (cost in fen and bids in
      yuan, or a bid column that is not the keyword's bid) and the log is refused.
    * ``sigma`` is chosen per campaign by the Poisson likelihood of the daily
      impressions, which move with the day-to-day bid changes (each keyword's deviance
      over its own over-dispersion, the campaign's sum tempered when its keywords
      disagree), times a log-normal prior (``sigma_prior``): the posterior mode on a
      grid of 0.25..1.4; a campaign whose own data leave it vague borrows the
      account's.  Where bids never moved the likelihood is flat and the prior decides;
      :class:`Identifiability` says so and an
      :class:`~bidopt.exceptions.IdentifiabilityWarning` is raised.
    * Volume comes from impressions, corrected for the share won at each day's bid and
      for the traffic of each day (so the landscape is for an average day): the day's
      impressions of the account's other keywords, so that a keyword carrying much of a
      small account does not read its own bid changes as traffic.
    * CTR, CVR and order value are pooled through ad group -> campaign -> account with
      empirical-Bayes shrinkage (:func:`bidopt.grouping.pool_rates`).

    Parameters
    ----------
    log : KeywordLog
        Needs ``bid``, ``cost``, ``impressions`` and ``clicks``; ``conversions`` and
        ``revenue`` fill the matching landscape metrics when present.  Paused
        keyword-days (bid 0, no impressions) take part in no auction and are left out of
        the fit; a keyword paused every day gets its ad group's price and no volume.  So
        are the days on which the whole account served nothing (no impressions on any
        keyword, whatever the bids): they say nothing about the traffic of served days.
    bids : array-like of shape (n_levels,) or (n_keywords, n_levels), optional
        Bid grid.  By default each keyword gets ``n_levels`` bids from the 1st to the
        99.9th percentile of its estimated competitor price, within 0.05-99 yuan.
    n_levels : int, default 20
        Levels of the default grid.
    min_clicks : float, default 5.0
        Clicks at which a keyword's own price estimate gets half the weight.
    n_draws : int, default 20
        Draws of the per-keyword parameters to carry (0 for none).  Each draws the
        campaign's ``sigma`` from its posterior, the account's traffic level and each
        keyword's volume, price level and order value from their spread over the log's
        days (a sandwich variance, widened by the group's spread where the keyword has
        few clicks), and CTR and CVR from their pooled Beta posteriors (CVR times an
        account-wide level with log-sd ``1 / sqrt(orders + 1)``, the log's orders).
    sigma_prior : (float, float), default (0.6, 0.4)
        Median and log-standard deviation of the log-normal prior on ``sigma``: a
        weakly informative default (80% of its mass within about 0.36..1.0).  Set it
        from keywords whose bids did vary, where you have them.
    rng : int, Generator or None, default 0
        Seed of the draws; the default makes an estimate reproducible.
    client : distributed.Client, optional
        Run the row-by-row steps (each keyword's own price offset, volume and deviance at
        every sigma of the grid) campaign by campaign on this Dask cluster; the steps
        that couple keywords stay in this process.  The result is the in-process one,
        array for array (see ``docs/scaling.md``; needs ``bidopt[cluster]``).

    Returns
    -------
    LandscapeEstimate
        ``landscapes``: one row per keyword (campaign x ad group x keyword x match
        type), expected values for an average day; ``model``: the fitted parameters, to
        evaluate other grids; ``identifiability``: what the log can identify per
        keyword; ``draws``: the parameter draws.

    Raises
    ------
    InvalidInputError
        For a log that is not a KeywordLog, lacks ``bid`` or ``cost``, has impressions
        on a day with bid 0, has two rows for one keyword-day (sum a report split by
        device or hour first), or in which most of the spend paid more per click than
        the logged bid (see above); and for bad parameters.

    Warns
    -----
    IdentifiabilityWarning
        When keywords with at least 5% of the log's spend have a bid response that
        only the prior sets (their bids, and their campaign's, never varied), or a
        cost per click at about their bid; when keyword-days paid more per click
        than their bid; and when the estimate's spend at the log's bids is more than
        :data:`SPEND_GAP_FACTOR` either way from the log's spend.

    Examples
    --------
    >>> from bidopt.datasets import make_search_account
    >>> estimate = estimate_landscapes(make_search_account(50, n_days=7, rng=0).log)
    >>> estimate.landscapes.shape
    (50, 20)
    """
    if not isinstance(log, KeywordLog):
        raise InvalidInputError(
            "`log` must be a KeywordLog (see bidopt.datasets.read_keyword_log). Got "
            f"{short_repr(log)} instead."
        )
    for column in ("bid", "cost"):
        if getattr(log, column) is None:
            raise InvalidInputError(
                f"`log` must have a `{column}` column to estimate landscapes. Got a log "
                f"with columns {list(log.columns)} instead."
            )
    if len(log) == 0:
        raise InvalidInputError("`log` must have at least one row. Got an empty log instead.")
    levels = int(check_scalar(n_levels, "n_levels", lower=2, integer=True))
    weight_clicks = check_scalar(min_clicks, "min_clicks", lower=0, lower_inclusive=False)
    draws_wanted = int(check_scalar(n_draws, "n_draws", lower=0, integer=True))
    prior = _check_prior(sigma_prior)
    gen = check_random_state(rng)
    bid_log = np.asarray(log.bid, dtype=np.float64)
    # a paused keyword-day (bid 0) took part in no auction: it carries no information
    # about the landscape and is left out of the fit (its keyword keeps its row)
    active = bid_log > 0
    inconsistent = ~active & (log.impressions > 0)
    if inconsistent.any():
        row = int(np.flatnonzero(inconsistent)[0])
        raise InvalidInputError(
            "`log` must have a positive bid on every keyword-day with impressions. Got "
            f"bid {bid_log[row]:g} with {int(log.impressions[row])} impressions at row "
            f"{row} instead."
        )
    cost_log = np.asarray(log.cost, dtype=np.float64)
    imps = log.impressions.astype(np.float64)
    clicks = log.clicks.astype(np.float64)
    # a keyword-day that paid more per click than its logged bid had a higher bid in
    # force for part of the day (the bid changed within it): the fit reads it at its
    # cost per click, the least bid that buys those clicks (the log's bid stays today's)
    above = active & (clicks > 0) & (cost_log > clicks * bid_log * (1 + 1e-9) + 0.01)
    _check_cost_units(above, active & (clicks > 0), cost_log, clicks, bid_log)
    fit_bid = np.where(above, cost_log / np.maximum(clicks, 1.0), bid_log)
    entity, first = _entities(log)
    n = first.size
    campaign_codes = (
        log.campaign.codes[first].astype(np.int64)
        if log.campaign is not None
        else np.zeros(n, np.int64)
    )
    group_codes = (
        np.unique(
            np.stack([campaign_codes, log.ad_group.codes[first].astype(np.int64)], axis=1),
            axis=0,
            return_inverse=True,
        )[1].ravel()
        if log.ad_group is not None
        else campaign_codes
    )

    # a day on which the whole account served nothing (paused, out of balance) says
    # nothing about the traffic of the days it served: its rows are left out like paused
    # ones (a day's traffic index comes from the keywords active on it, see
    # traffic_weights, so pausing some keywords leaves the others' index unbiased)
    day_codes = np.unique(log.date, return_inverse=True)[1].ravel()
    _check_one_row_per_day(log, entity, day_codes)
    per_day = np.asarray(np.bincount(day_codes, weights=imps), dtype=np.float64)
    active = active & (per_day[day_codes] > 0)

    k_clicks = np.asarray(np.bincount(entity, weights=clicks, minlength=n), dtype=np.float64)
    k_cost = np.asarray(np.bincount(entity, weights=cost_log, minlength=n), dtype=np.float64)
    k_click_bid = np.asarray(
        np.bincount(entity, weights=clicks * fit_bid, minlength=n), dtype=np.float64
    )
    k_imps = np.asarray(np.bincount(entity, weights=imps, minlength=n), dtype=np.float64)
    log_bid = np.log(np.where(active, fit_bid, 1.0))
    k_days = np.bincount(entity, weights=active.astype(np.float64), minlength=n)
    mean_log_bid = np.bincount(entity, weights=log_bid * active, minlength=n) / np.maximum(
        k_days, 1.0
    )
    # click-weighted typical bid (falls back to the mean log bid without clicks)
    typical = np.where(
        k_clicks > 0,
        np.log(np.where(k_clicks > 0, k_click_bid, 1) / np.maximum(k_clicks, 1)),
        mean_log_bid,
    )
    # the cost per click over the bid, of the keyword-days that bought clicks: a cost on a
    # day without clicks (kept by read_keyword_log(relax=("cost_needs_clicks",))) bought
    # none, and read into the ratio it put every price near the bid
    k_click_cost = np.asarray(
        np.bincount(entity, weights=np.where(clicks > 0, cost_log, 0.0), minlength=n),
        dtype=np.float64,
    )
    ratio = np.where(
        k_click_bid > 0, k_click_cost / np.where(k_click_bid > 0, k_click_bid, 1), np.nan
    )
    ratio = np.clip(ratio, 1e-6, 1 - 1e-6)
    own = k_clicks / (k_clicks + weight_clicks)

    n_campaigns = int(campaign_codes.max()) + 1
    # rows with clicks, for the cost-per-click fit of each keyword's price level
    clicked = np.flatnonzero(clicks > 0)
    e_c = entity[clicked]
    click_rows = (e_c, log_bid[clicked] - typical[e_c], (clicks * fit_bid)[clicked], k_click_bid)
    moved = bool(np.any(click_rows[1]))
    if client is None:
        z_by_sigma = z_own_by_sigma(ratio, click_rows, moved)
    else:  # each keyword's own z, campaign by campaign on the Dask workers
        from bidopt.landscape._distributed import z_own_on_cluster

        z_by_sigma = z_own_on_cluster(
            client, ratio, click_rows, moved, campaign_codes, z_own_by_sigma
        )
    # keywords whose own cost per click is at about their bid at every sigma of the grid
    # (the platform's minimum bid or reserve price): their own z says only that their
    # price is near the bid, so they weigh in at the floor when z is pooled (at the
    # ratio table's end, z -8, one of them dragged its group's offset there)
    at_bid = np.all(z_by_sigma <= Z_FLOOR, axis=0) & (k_clicks > 0)
    mus, floored = [], []
    for sigma, z_own in zip(_SIGMA_GRID, z_by_sigma, strict=True):
        # pool z through ad group -> campaign for keywords with few clicks
        z_said = np.where(at_bid, Z_FLOOR, z_own)
        z_group = _group_mean(z_said, k_clicks, group_codes)
        z_campaign = _group_mean(z_said, k_clicks, campaign_codes)
        g_clicks = np.bincount(group_codes, weights=k_clicks)[group_codes]
        g_own = g_clicks / (g_clicks + weight_clicks)
        z_parent = g_own * z_group[group_codes] + (1 - g_own) * z_campaign[campaign_codes]
        z_k = np.where(k_clicks > 0, own * z_own + (1 - own) * z_parent, z_parent)
        # the price level at most -Z_FLOOR sigmas above the typical bid (a cost per click
        # at about the bid says only that the price is near it)
        floored.append(z_k <= Z_FLOOR)
        mus.append(typical - sigma * np.maximum(z_k, Z_FLOOR))
    mu_by_sigma = np.stack(mus)
    # each day's traffic index with the other keywords' bid changes taken out (at the
    # prior's median sigma): a bid test's own moves are not traffic
    at_prior = int(np.argmin(np.abs(_SIGMA_GRID - prior[0])))
    relative = relative_shares(
        log_bid, mu_by_sigma[at_prior], float(_SIGMA_GRID[at_prior]), entity, active, n
    )
    traffic = day_traffic(day_codes, entity, imps, active, n, relative)
    w_day = traffic_weights(per_day, day_codes, entity, imps, n, active, relative)
    day_rows = (entity, log_bid, active, np.asarray(w_day, dtype=np.float64), imps)
    if client is None:
        volume_by_sigma, per_keyword = volume_deviance(mu_by_sigma, k_imps, *day_rows)
    else:  # the same sums, campaign by campaign on the Dask workers
        from bidopt.landscape._distributed import volume_deviance_on_cluster

        volume_by_sigma, per_keyword = volume_deviance_on_cluster(
            client, mu_by_sigma, k_imps, day_rows, campaign_codes, volume_deviance
        )
    # a keyword whose price level sits on the floor at every sigma of the grid (a cost
    # per click at about its bid) has no price level the log identifies: the floor's
    # arbitrary level would make its days say how sigma bends its volume, and such a
    # keyword pulled its campaign's sigma to the grid's end, moving every other
    # keyword's landscape; it says nothing about sigma
    informs = ~np.all(np.stack(floored), axis=0)
    campaign_rows = np.bincount(
        campaign_codes[entity],
        weights=(active & informs[entity]).astype(np.float64),
        minlength=n_campaigns,
    )
    campaign_units = np.bincount(
        campaign_codes, weights=((k_days > 0) & informs).astype(np.float64), minlength=n_campaigns
    )
    # quasi-likelihood per keyword: each keyword's deviance over its own dispersion (its
    # days vary far more than Poisson, and the more so the larger its volume)
    dispersion = np.maximum(per_keyword.min(axis=0) / np.maximum(k_days - 1.0, 1.0), 1.0)
    scaled = np.where(informs, per_keyword / dispersion, 0.0)
    campaign_dev = np.stack(
        [np.bincount(campaign_codes, weights=d, minlength=n_campaigns) for d in scaled]
    ).astype(np.float64)
    rows_c = np.asarray(campaign_rows, dtype=np.float64)
    units_c = np.asarray(campaign_units, dtype=np.float64)
    # keywords that disagree about sigma temper their campaign's likelihood (sandwich)
    step = float(_SIGMA_GRID[1] - _SIGMA_GRID[0])
    start = sigma_posterior(campaign_dev, rows_c, units_c, _SIGMA_GRID, prior).argmax(axis=0)
    temper = robust_temper(scaled, campaign_codes, start, n_campaigns, step)
    posterior = sigma_posterior(campaign_dev * temper, rows_c, units_c, _SIGMA_GRID, prior)
    # a campaign whose own days leave sigma vague borrows the account's (all campaigns
    # pooled) when that one is learnt: source "group"; otherwise the prior stands
    whole = campaign_dev.sum(axis=1, keepdims=True)
    totals = (rows_c.sum(keepdims=True), units_c.sum(keepdims=True))
    start_all = sigma_posterior(whole, *totals, _SIGMA_GRID, prior).argmax(axis=0)
    zeros = np.zeros(n, dtype=np.int64)
    whole = whole * robust_temper(scaled, zeros, start_all, 1, step)
    account = sigma_posterior(whole, *totals, _SIGMA_GRID, prior)
    p_sd = prior_sd(_SIGMA_GRID, prior)
    sharp = posterior_sd(posterior, _SIGMA_GRID) <= MAX_POSTERIOR_RATIO * p_sd
    borrow = ~sharp & (posterior_sd(account, _SIGMA_GRID)[0] <= MAX_POSTERIOR_RATIO * p_sd)
    posterior[:, borrow] = account
    mode = posterior.argmax(axis=0)[campaign_codes]
    cols = np.arange(n)
    best = {
        "mu": mu_by_sigma[mode, cols],
        "sigma": _SIGMA_GRID[mode],
        "volume": volume_by_sigma[mode, cols],
    }

    hierarchy = [group_codes, campaign_codes]
    # (a log may keep flagged keyword-days with more clicks than impressions, see
    # ``read_keyword_log(relax=...)``: a rate is at most 1)
    ctr_pooled = pool_rates(np.minimum(k_clicks, k_imps), k_imps, hierarchy)
    ctr = ctr_pooled.mean
    cvr = order_value = cvr_pooled = se_log_aov = None
    if log.conversions is not None:
        conv_rows = log.conversions.astype(np.float64)
        k_conv = np.asarray(
            np.bincount(entity, weights=conv_rows, minlength=n),
            dtype=np.float64,
        )
        cvr_pooled = pool_rates(np.minimum(k_conv, k_clicks), k_clicks, hierarchy)
        cvr = cvr_pooled.mean
        if log.revenue is not None:
            k_rev = np.asarray(
                np.bincount(entity, weights=log.revenue, minlength=n), dtype=np.float64
            )
            own_aov = np.where(k_conv > 0, k_rev / np.maximum(k_conv, 1), 0.0)
            aov_group = _group_mean(own_aov, k_conv, group_codes)[group_codes]
            order_value = (k_rev + 3.0 * aov_group) / (k_conv + 3.0)
            # spread: the keyword's own days (sandwich) and, for the prior's share, the
            # spread of order values among the keywords of its ad group
            resid = np.asarray(log.revenue, dtype=np.float64) - order_value[entity] * conv_rows
            se_own = np.sqrt(np.bincount(entity, weights=resid**2, minlength=n)) / (k_conv + 3)
            spread = between_sd(
                np.log(np.maximum(own_aov, 1e-9)), k_conv * (own_aov > 0), group_codes
            )
            se_log_aov = np.sqrt(
                (se_own / np.maximum(order_value, 1e-9)) ** 2 + (3.0 / (k_conv + 3) * spread) ** 2
            )

    model = LandscapeModel(
        keywords=log.keyword.categories[log.keyword.codes[first]],
        campaign=None if log.campaign is None else log.campaign.to_numpy()[first],
        ad_group=None if log.ad_group is None else log.ad_group.to_numpy()[first],
        volume=best["volume"],
        ctr=ctr,
        cvr=cvr,
        order_value=order_value,
        price_mu=best["mu"],
        price_sigma=best["sigma"],
        row_of=entity.astype(np.int64),
    )
    spread, bid_ratio, bid_low, current, n_active = keyword_bids(bid_log, entity, day_codes, n)
    campaign_sd = posterior_sd(posterior, _SIGMA_GRID)
    source = np.where(
        sharp[campaign_codes],
        np.where(spread >= MIN_SPREAD, "keyword", "group"),
        np.where(borrow[campaign_codes], "group", "prior"),
    ).astype(object)
    ident = Identifiability(
        keywords=model.keywords,
        campaign=model.campaign,
        n_days=n_active,
        impressions=k_imps,
        clicks=k_clicks,
        cost=k_cost,
        bid_spread=spread,
        bid_ratio=bid_ratio,
        bid_low=bid_low,
        current_bid=current,
        sigma_sd=campaign_sd[campaign_codes],
        prior_sd=p_sd,
        source=source,
        n_log_days=int(day_codes.max()) + 1,
    )
    at_floor = (k_clicks > 0) & np.stack(floored)[mode, cols]
    draws = None
    if draws_wanted > 0:
        rows = LogRows(
            entity,
            active,
            log_bid,
            fit_bid,
            np.asarray(w_day, dtype=np.float64),
            imps,
            clicks,
            cost_log,
            np.asarray(traffic, dtype=np.float64),
        )
        fit = row_fit(
            rows,
            model,
            campaign_codes=campaign_codes,
            group_codes=group_codes,
            grid=_SIGMA_GRID,
            posterior=posterior,
            mu_by_sigma=mu_by_sigma,
            volume_by_sigma=volume_by_sigma,
            ratio=ratio,
            own=own,
            ratio_table=(_ratio_table(0.6), _Z_TABLE),
            pooled=(ctr_pooled, cvr_pooled),
            se_log_order_value=se_log_aov,
            orders=0.0 if log.conversions is None else float(log.conversions.sum()),
            # a floored keyword's price level spreads as at the floor, not as in the tail
            read_at=np.where(at_floor, np.interp(Z_FLOOR, _Z_TABLE, _ratio_table(0.6)), ratio),
        )
        draws = draw_parameters(fit, draws_wanted, gen)
    for warning in (
        _no_counts_warning(k_imps, k_clicks, log.conversions, int(day_codes.max()) + 1),
        _above_bid_warning(above, entity, model.keywords, log.date),
        _floor_warning(at_floor, model.keywords, k_click_cost, k_click_bid, best["sigma"]),
        _spend_gap_warning(model, entity, fit_bid, active, cost_log),
        ident._warning(),
    ):
        if warning is not None:  # an IdentifiabilityWarning with its kind and details
            warnings.warn(warning, stacklevel=3)  # 3: past @logged
    if bids is None:
        z_levels = special.ndtri(np.linspace(0.01, 0.999, levels))
        grid = np.exp(model.price_mu[:, None] + model.price_sigma[:, None] * z_levels[None, :])
        grid = np.clip(np.round(grid, 2), _MIN_BID, _MAX_BID)
    else:
        grid = as_float_array(bids, "bids", ndim=None, nonnegative=True)
        if grid.ndim not in (1, 2):
            raise InvalidInputError(
                f"`bids` must have shape (n_levels,) or ({n}, n_levels). Got shape "
                f"{grid.shape} instead."
            )
        if grid.ndim == 1:
            grid = np.broadcast_to(grid, (n, grid.size)).copy()
        elif grid.shape[0] != n:
            raise InvalidInputError(
                f"`bids` must have shape (n_levels,) or ({n}, n_levels). Got shape "
                f"{grid.shape} instead."
            )
    return LandscapeEstimate(
        landscapes=model.landscape(grid), model=model, identifiability=ident, draws=draws
    )


#: How many names (keywords, keyword-days) a warning's message shows.
_SHOWN = 5


def _names(names: list[str], most: int = _SHOWN, total: int | None = None) -> str:
    """The first ``most`` of ``names`` and how many more there are (of ``total``, by
    default ``len(names)``)."""
    total = len(names) if total is None else total
    shown = ", ".join(names[:most])
    return shown + (f" and {total - most:,} more" if total > most else "")


def _no_counts_warning(
    imps: FloatArray, clicks: FloatArray, conversions: Any, n_days: int
) -> IdentifiabilityWarning | None:
    """The warning for a log without clicks (kind ``"no_clicks"``) or, with a
    conversions column, without orders (``"no_orders"``) on any keyword, or None."""
    if clicks.sum() > 0 and (conversions is None or float(np.sum(conversions)) > 0):
        return None
    what = "clicks" if clicks.sum() <= 0 else "orders"
    details: dict[str, Any] = {"impressions": float(imps.sum()), "n_days": int(n_days)}
    return IdentifiabilityWarning(_no_counts_text(what, details), f"no_{what}", details)


def _no_counts_text(what: str, details: Mapping[str, Any]) -> str:
    """The English message of a ``"no_clicks"`` / ``"no_orders"`` warning (``what``:
    ``"clicks"`` or ``"orders"``) from its details."""
    rates = "click-through and conversion rates are" if what == "clicks" else "conversion rate is"
    return (
        f"The log has no {what} on any keyword ({details['impressions']:,.0f} impressions "
        f"over {counted(details['n_days'], 'day')}): the {rates} a weak default, not the "
        "account's, so the estimate cannot "
        f"tell what any bid buys in {what if what == 'orders' else 'clicks and orders'}; "
        "a plan's ranges, and how often it beats today's bids, only restate that default. "
        f"Remedy: estimate again on a log with {what}."
    )


def _above_bid_warning(
    above: BoolArray, entity: IntArray, keywords: ObjectArray, dates: Any
) -> IdentifiabilityWarning | None:
    """The warning (kind ``"cost_above_bid"``) for keyword-days whose cost per click is
    above their bid, or None."""
    rows = np.flatnonzero(above)
    if rows.size == 0:
        return None
    shown = rows[:_SHOWN]
    days = np.asarray(dates)[shown]
    details: dict[str, Any] = {
        "n_keyword_days": int(rows.size),
        "examples": tuple(
            (str(keywords[entity[r]]), str(d)[:10]) for r, d in zip(shown, days, strict=True)
        ),
    }
    return IdentifiabilityWarning(_above_bid_text(details), "cost_above_bid", details)


def _above_bid_text(details: Mapping[str, Any]) -> str:
    """The English message of a ``"cost_above_bid"`` warning from its details."""
    n = details["n_keyword_days"]
    named = [f"{keyword} on {day}" for keyword, day in details["examples"]]
    return (
        f"{n:,} keyword-day{'s' if n > 1 else ''} paid more per click "
        "than the logged bid "
        f"({_names(named, total=n)}): their bid changed within the day, and the log cannot tell "
        "the bid in force. The estimate reads each at its cost per click as the bid (the "
        "least bid that buys those clicks); today's bid is still the log's last one."
    )


def _check_one_row_per_day(log: KeywordLog, entity: IntArray, day_codes: IntArray) -> None:
    """Refuse a log with two rows for one keyword-day (same campaign, ad group, keyword,
    match type and date): the fit reads every row as a day of its own, so a report split
    by device or hour halved the keyword's volume per day and its landscape's clicks."""
    n_days = int(day_codes.max()) + 1
    key = entity.astype(np.int64) * n_days + day_codes
    size = (int(entity.max()) + 1) * n_days
    if size <= 4 * key.size:  # a dense log: count the keyword-days, O(n_rows)
        counts = np.bincount(key, minlength=size)
        if counts.max() <= 1:
            return
        n_keys = int(np.count_nonzero(counts > 1))
        first = int(np.argmax(counts[key] > 1))
    else:  # a sparse one: sort the keys
        order = np.argsort(key, kind="stable")
        repeated = np.flatnonzero(key[order][1:] == key[order][:-1])
        if repeated.size == 0:
            return
        n_keys = np.unique(key[order][repeated]).size
        first = int(order[repeated[0]])
    second = int(np.flatnonzero(key == key[first])[1])
    keyword = str(log.keyword.categories[log.keyword.codes[first]])
    raise InvalidInputError(
        "`log` must have one row per keyword-day (campaign, ad group, keyword, match type "
        f"and date). Got rows {first} and {second} for keyword {keyword!r} on "
        f"{log.date[first]} ({n_keys} keyword-days with more than one row) instead. A "
        "report split by device, hour or traffic source: sum each keyword-day's rows with "
        "log.sum_days() (bids='click_weighted' where its rows carry different bids: the "
        "day is then read at an average bid), or read the report with "
        "read_keyword_log(..., splits='sum_click_weighted'); rows of different keywords: "
        "tell them apart by `ad_group` or `match_type`."
        + (
            f" read_keyword_log left {len(unsummed):,} keyword-day(s) unsummed because "
            f"their rows carry different bids (first: {unsummed[0]})."
            if (unsummed := log.report.unsummed_days)
            else ""
        )
    )


def _check_cost_units(
    above: BoolArray,
    clicked: BoolArray,
    cost: FloatArray,
    clicks: FloatArray,
    bid: FloatArray,
) -> None:
    """Refuse a log in which more than :data:`MAX_ABOVE_BID_SHARE` of the spend of the
    clicked keyword-days (``clicked``) paid more per click than the logged bid
    (``above``); all arrays have one entry per log row, ``cost`` and ``bid`` in yuan.

    Raises
    ------
    InvalidInputError
        Naming ``bid`` and ``cost``, the share, the median cost per click over the bid,
        and the likely causes.
    """
    paid = float(cost[clicked].sum())
    if paid <= 0 or float(cost[above].sum()) <= MAX_ABOVE_BID_SHARE * paid:
        return
    share = float(cost[above].sum()) / paid
    ratio = float(np.median(cost[clicked] / (clicks[clicked] * bid[clicked])))
    raise InvalidInputError(
        "`log` must have `bid` and `cost` in the same units, with `bid` the keyword's bid "
        f"(a cost per click above it is an occasional day on which the bid changed). Got "
        f"{share:.0%} of the spend of keyword-days with clicks ({int(above.sum()):,} of "
        f"{int(clicked.sum()):,} keyword-days) paying more per click than the logged bid, "
        f"the median cost per click {ratio:,.3g} times the bid, instead. Likely causes: "
        "cost exported in fen and bids in yuan (divide cost by 100"
        + (f": the median would be {ratio / 100:.2g}, under the bid" if ratio < 100 else "")
        + "), or a bid column that is not the keyword's bid (a crowd premium, a default "
        "bid, the day's first bid before it was raised)."
    )


def _spend_gap_warning(
    model: LandscapeModel,
    entity: IntArray,
    fit_bid: FloatArray,
    active: BoolArray,
    cost: FloatArray,
) -> IdentifiabilityWarning | None:
    """The warning (kind ``"spend_gap"``) when the estimate's spend at the log's bids (each served
    keyword-day's bid as the estimate reads it, on an average day) is more than
    :data:`SPEND_GAP_FACTOR` either way from the log's spend, or None.

    ``entity``, ``fit_bid``, ``active`` and ``cost`` have one entry per log row (bids and
    cost in yuan)."""
    logged_spend = float(cost[active].sum())
    if logged_spend <= 0:
        return None
    e = entity[active]
    modelled = float(
        expected_metrics(
            fit_bid[active][:, None],
            model.volume[e],
            model.ctr[e],
            None,
            None,
            model.price_mu[e],
            model.price_sigma[e],
            monotone=False,
        )["cost"].sum()
    )
    gap = modelled / logged_spend
    if 1 / SPEND_GAP_FACTOR <= gap <= SPEND_GAP_FACTOR:
        return None
    details: dict[str, Any] = {
        "modelled": modelled,
        "logged": logged_spend,
        "ratio": gap,
        "factor": float(SPEND_GAP_FACTOR),
    }
    return IdentifiabilityWarning(_spend_gap_text(details), "spend_gap", details)


def _spend_gap_text(details: Mapping[str, Any]) -> str:
    """The English message of a ``"spend_gap"`` warning from its details."""
    return (
        f"The estimate does not reproduce the log's spend: at the log's own bids it spends "
        f"{details['modelled']:,.2f} where the log spent {details['logged']:,.2f} "
        f"({details['ratio']:.2g} times), beyond "
        f"the {details['factor']:g}x either way it should be within. Its costs and what a plan "
        "spends cannot be trusted: check that `bid` and `cost` are in the same units and "
        "that `bid` is the keyword's bid, and see the other warnings."
    )


def _floor_warning(
    at_floor: BoolArray,
    keywords: ObjectArray,
    cost: FloatArray,
    click_bid: FloatArray,
    sigma: FloatArray,
) -> IdentifiabilityWarning | None:
    """The warning (kind ``"bid_floor"``) for keywords whose cost per click is so near
    their bid that their price level is set by ``Z_FLOOR`` (when they carry at least 5%
    of the spend)."""
    total = cost.sum()
    if not at_floor.any() or total <= 0 or cost[at_floor].sum() < WARN_SHARE * total:
        return None
    observed = cost[at_floor].sum() / click_bid[at_floor].sum()
    ceiling = np.array([np.interp(Z_FLOOR, _Z_TABLE, _ratio_table(float(v))) for v in sigma])
    modelled = float((click_bid[at_floor] * ceiling[at_floor]).sum())
    names = keywords[at_floor]
    details: dict[str, Any] = {
        "n_keywords": int(names.size),
        "spend_share": float(cost[at_floor].sum() / total),
        "paid_share": float(observed),
        "examples": tuple(str(k) for k in names[:_SHOWN]),
        "win_share": float(special.ndtr(Z_FLOOR)),
        "z_floor": float(-Z_FLOOR),
        "cost_gap": float(1 - modelled / max(cost[at_floor].sum(), 1e-12)),
    }
    return IdentifiabilityWarning(_floor_text(details), "bid_floor", details)


def _floor_text(details: Mapping[str, Any]) -> str:
    """The English message of a ``"bid_floor"`` warning from its details."""
    n = details["n_keywords"]
    return (
        f"{n:,} keyword{'s' if n > 1 else ''} "
        f"({details['spend_share']:.0%} of spend) paid "
        f"{details['paid_share']:.0%} of their bid per click "
        f"({_names(list(details['examples']), total=n)}): at the platform's minimum "
        "bid or reserve price, or at the edge of their auctions, the log cannot tell how "
        "much of their traffic they win. The estimate reads them as winning "
        f"{details['win_share']:.1%} of it at their bid (their price level is at most "
        f"{details['z_floor']:g} price sd above the bid): their clicks at the log's bids are "
        f"the log's, their cost {details['cost_gap']:.0%} below it. Remedy: "
        "vary their bids (see bidopt.landscape.design_bid_test) and estimate again."
    )


def _check_prior(sigma_prior: object) -> tuple[float, float]:
    if (
        not isinstance(sigma_prior, tuple | list)
        or len(sigma_prior) != 2
        or not all(isinstance(v, int | float) and np.isfinite(v) and v > 0 for v in sigma_prior)
    ):
        raise InvalidInputError(
            "`sigma_prior` must be a pair (median, log_sd) of finite numbers > 0. Got "
            f"{short_repr(sigma_prior)} instead."
        )
    return float(sigma_prior[0]), float(sigma_prior[1])


def landscape_error(estimated: BidLandscape, reference: BidLandscape) -> dict[str, float]:
    """Weighted absolute error of ``estimated`` against ``reference`` at the same bids.

    For each metric present in both, ``sum |est - ref| / sum ref`` over all keywords
    and levels (a volume-weighted MAPE).
    """
    for name, value in (("estimated", estimated), ("reference", reference)):
        if not isinstance(value, BidLandscape):
            raise InvalidInputError(
                f"`{name}` must be a BidLandscape. Got {short_repr(value)} instead."
            )
    if estimated.shape != reference.shape:
        raise InvalidInputError(
            "`estimated` and `reference` must be landscapes of the same shape, at the same "
            f"bids. Got shapes {estimated.shape} and {reference.shape} instead."
        )
    if not np.allclose(estimated.bids, reference.bids):
        differs = ~np.isclose(estimated.bids, reference.bids)
        row, col = (int(i) for i in np.argwhere(differs)[0])
        raise InvalidInputError(
            "`estimated` and `reference` must be landscapes at the same bids. Got bid "
            f"{estimated.bids[row, col]:g} and {reference.bids[row, col]:g} at row {row}, "
            f"level {col} instead ({int(differs.sum())} bids differ in all)."
        )
    out: dict[str, float] = {}
    for name in ("impressions", "clicks", "cost", "conversions", "revenue"):
        a, b = getattr(estimated, name), getattr(reference, name)
        if a is None or b is None or b.sum() <= 0:
            continue
        out[name] = float(np.abs(a - b).sum() / b.sum())
    return out
