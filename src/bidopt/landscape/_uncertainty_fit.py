"""How :func:`~bidopt.landscape.estimate_landscapes` turns a log into parameter draws.

Two pieces, both cheap (a few passes over the log's rows):

* the campaign's price dispersion ``sigma`` gets a posterior on the estimator's grid:
  the Poisson deviance of the daily impressions (scaled by the campaign's
  over-dispersion) times a log-normal prior.  Bids that never move leave the deviance
  flat, so the posterior is the prior: nothing was learnt about the bid response;
* the other parameters get a spread from the log itself: a sandwich (day-resampling)
  variance per keyword for volume, price level and order value, plus the spread of the
  keyword's group where its own data are thin; Beta posteriors for CTR and CVR, the
  latter times an account-wide level (:func:`cvr_level`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import special

from bidopt.grouping import PooledRates
from bidopt.landscape._keyed_random import KeyedStreams, key_hashes
from bidopt.landscape._uncertainty import LandscapeDraws
from bidopt.typing import BoolArray, FloatArray, IntArray, ObjectArray

if TYPE_CHECKING:
    from bidopt.landscape._estimate_result import LandscapeModel

__all__ = [
    "KEYWORD_SIGMA_SD",
    "MODEL_SD",
    "SIGMA_SD_FLOOR",
    "LogRows",
    "RowFit",
    "between_sd",
    "cvr_level",
    "draw_parameters",
    "posterior_sd",
    "prior_sd",
    "robust_temper",
    "row_fit",
    "sigma_posterior",
    "widen_posterior",
]


#: Least standard deviation of a campaign's price dispersion in the draws.  The model
#: gives a campaign one dispersion where its keywords' differ, and noisy costs per click
#: bias the fit: on the synthetic truth the posterior mode was 0.05-0.1 below the
#: keywords' spend-weighted dispersion while its own standard deviation was about 0.03
#: (seeds 100-107 of benchmarks/identifiability.py, which reports seeds 0-9).
SIGMA_SD_FLOOR = 0.08
#: Standard deviation of a keyword's price dispersion around its campaign's in the
#: draws: the model fits one per campaign, its keywords' differ by an amount the log
#: cannot tell (0.45-0.9 on the synthetic truth; chosen on seeds 100-107 as above).
KEYWORD_SIGMA_SD = 0.1
#: Log-sd of the account-wide factor on every keyword's volume that stands for the
#: landscape model's own error (one price dispersion per campaign, a log-normal price),
#: beyond the log's sampling noise.  Chosen on the synthetic truth, on seeds the
#: published benchmark does not report (benchmarks/identifiability.py, seeds 100-107):
#: without it the 80% orders range held the truth in 38-50% of 5,000-keyword runs.
MODEL_SD = 0.045

# the draws' streams (see draw_parameters): one number per quantity
# (the campaigns' sigma is drawn stratified, on its stream and the next: 11-12; the
# account-wide factors stratified too: 13, 15)
_S_SIGMA_JITTER, _S_MU, _S_VOLUME = 2, 3, 5
_S_CTR, _S_CVR, _S_ORDER_VALUE = 6, 8, 9
_S_CAMPAIGN_SIGMA, _S_COMMON, _S_CVR_LEVEL = 11, 13, 15


def sigma_posterior(
    deviance: FloatArray,
    n_rows: FloatArray,
    n_units: FloatArray,
    grid: FloatArray,
    prior: tuple[float, float],
) -> FloatArray:
    """Posterior weights of each grid ``sigma`` per campaign, shape (n_sigma, n_campaigns).

    ``deviance`` (n_sigma, n_campaigns) is the campaign's Poisson deviance of daily
    impressions at each sigma; it is divided by the campaign's dispersion (minimum
    deviance per residual degree of freedom, at least 1) so over-dispersed days do not
    count as more evidence than they are.  ``prior`` is the median and log-sd of a
    log-normal prior on sigma.
    """
    low = deviance.min(axis=0)
    dof = np.maximum(n_rows - n_units, 1.0)
    dispersion = np.maximum(low / dof, 1.0)
    median, log_sd = prior
    log_prior = -0.5 * ((np.log(grid) - np.log(median)) / log_sd) ** 2 - np.log(grid)
    log_post = -(deviance - low) / (2.0 * dispersion) + log_prior[:, None]
    log_post -= log_post.max(axis=0)
    weights = np.exp(log_post)
    return np.asarray(weights / weights.sum(axis=0), dtype=np.float64)


def robust_temper(
    scaled: FloatArray, codes: IntArray, mode: IntArray, n_groups: int, step: float
) -> FloatArray:
    """Per group, the factor (<= 1) that tempers its summed deviance so the posterior's
    spread is the sandwich one (Chandler and Bate, 2007).

    ``scaled`` (n_sigma, n_units) is each unit's deviance on the sigma grid (spacing
    ``step``), ``mode`` each group's grid index.  With units that disagree about sigma
    (keywords differ; the model gives one sigma per campaign), the summed likelihood is
    overconfident: the units' score variance ``sum g_k**2`` exceeds the curvature
    ``sum H_k``; the factor is ``sum H_k / sum g_k**2`` (1 when they agree).
    """
    n_sigma = scaled.shape[0]
    i = np.clip(mode, 1, n_sigma - 2)[codes]
    cols = np.arange(scaled.shape[1])
    up, mid, down = scaled[i + 1, cols], scaled[i, cols], scaled[i - 1, cols]
    grad = (up - down) / (4.0 * step)  # d(deviance / 2) / d sigma
    curv = (up - 2.0 * mid + down) / (2.0 * step**2)
    sum_h = np.bincount(codes, weights=curv, minlength=n_groups)
    sum_g2 = np.bincount(codes, weights=grad**2, minlength=n_groups)
    factor = np.where((sum_g2 > 0) & (sum_h > 0), sum_h / np.where(sum_g2 > 0, sum_g2, 1.0), 1.0)
    return np.asarray(np.clip(factor, 0.0, 1.0), dtype=np.float64)


def between_sd(values: FloatArray, weights: FloatArray, codes: IntArray) -> FloatArray:
    """Weighted standard deviation of ``values`` within each group, per unit.

    Groups with no weight get the weighted spread over all units.
    """
    size = int(codes.max()) + 1 if codes.size else 1
    w = np.bincount(codes, weights=weights, minlength=size)
    s1 = np.bincount(codes, weights=weights * values, minlength=size)
    s2 = np.bincount(codes, weights=weights * values**2, minlength=size)
    total = weights.sum()
    if total > 0:
        m = (weights * values).sum() / total
        overall = float(np.sqrt(max((weights * (values - m) ** 2).sum() / total, 0.0)))
    else:
        overall = 0.0
    safe = np.where(w > 0, w, 1.0)
    var = np.maximum(s2 / safe - (s1 / safe) ** 2, 0.0)
    return np.asarray(np.where(w > 0, np.sqrt(var), overall)[codes], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class RowFit:
    """What the estimator knows after its fit, for :func:`draw_parameters`.

    Per keyword (n_keywords,): the point estimates, the log-sd of volume, the sd of
    ``mu`` at the chosen sigma, the log-sd of order value, the keyword's campaign, and
    the per-sigma ``mu`` and ``volume`` (n_sigma, n_keywords) so a drawn sigma comes
    with its matching price level and volume; ``orders``: the log's total orders.
    ``keys`` (n_keywords,) and ``campaign_keys`` (n_campaigns,) are stable 64-bit keys
    (uint64, :func:`~bidopt.landscape._keyed_random.key_hashes`) of each keyword and
    campaign: the draws are keyed by them, not by position.
    """

    keywords: ObjectArray
    keys: np.ndarray
    campaign_keys: np.ndarray
    campaign_codes: IntArray
    grid: FloatArray
    posterior: FloatArray
    mu_by_sigma: FloatArray
    volume_by_sigma: FloatArray
    mode: IntArray
    se_log_volume: FloatArray
    se_mu: FloatArray
    se_traffic: float
    orders: float
    ctr: PooledRates
    cvr: PooledRates | None
    order_value: FloatArray | None
    se_log_order_value: FloatArray | None


def widen_posterior(posterior: FloatArray, grid: FloatArray, floor: float) -> FloatArray:
    """Each campaign's sigma posterior (n_sigma, n_campaigns), tempered (``p**(1/T)``,
    the smallest ``T`` of a geometric ladder that suffices) until its standard deviation
    is at least ``floor`` or it is flat.  The mode stays where it was."""
    out = np.array(posterior, dtype=np.float64)
    log_p = np.log(np.maximum(out, 1e-300))
    todo = posterior_sd(out, grid) < floor
    for temperature in np.geomspace(1.25, 1e4, 42):
        if not todo.any():
            break
        tempered = np.exp((log_p[:, todo] - log_p[:, todo].max(axis=0)) / temperature)
        tempered /= tempered.sum(axis=0)
        out[:, todo] = tempered
        todo[todo] = posterior_sd(tempered, grid) < floor
    return out


def draw_parameters(fit: RowFit, n_draws: int, rng: np.random.Generator) -> LandscapeDraws:
    """``n_draws`` draws of every keyword's parameters (see the module docstring).

    Each keyword's draws come from its own streams, keyed by its stable key (campaign,
    ad group, text) and by its campaign's for the campaign's sigma, under one root
    drawn from ``rng`` (:mod:`~bidopt.landscape._keyed_random`): renaming, dropping or
    reordering other keywords leaves a keyword's draws unchanged.  Shapes (n_draws,
    n_keywords).
    """
    n = fit.keywords.size
    root = KeyedStreams.root_of(rng)
    own = KeyedStreams(root, fit.keys, n_draws)
    shared = KeyedStreams(root, np.zeros(1, dtype=np.uint64), n_draws)  # account-wide
    cdf = np.cumsum(widen_posterior(fit.posterior, fit.grid, SIGMA_SD_FLOOR), axis=0)
    u = KeyedStreams(root, fit.campaign_keys, n_draws).stratified_uniform(_S_CAMPAIGN_SIGMA)
    # inverse-CDF sampling of each campaign's sigma index on the grid
    idx = np.minimum((u[:, None, :] > cdf[None, :, :]).sum(axis=1), fit.grid.size - 1)
    sigma_idx = idx[:, fit.campaign_codes]  # (n_draws, n)
    # each keyword's own dispersion around its campaign's (on the grid, with the price
    # level and volume that match it on the log)
    step = float(fit.grid[1] - fit.grid[0]) if fit.grid.size > 1 else 1.0
    jitter = np.rint(KEYWORD_SIGMA_SD / step * own.normal(_S_SIGMA_JITTER)).astype(np.int64)
    sigma_idx = np.clip(sigma_idx + jitter, 0, fit.grid.size - 1)
    cols = np.arange(n)
    mu = fit.mu_by_sigma[sigma_idx, cols] + fit.se_mu * own.normal(_S_MU)
    # log-normal draws centred on the estimate's scale (mean-preserving: - se**2 / 2); the
    # account-wide factor carries the traffic level of the log's days and the model's own
    # error (MODEL_SD), both shared by every keyword
    se_common = float(np.hypot(fit.se_traffic, MODEL_SD))
    common = se_common * shared.stratified_normal(_S_COMMON) - se_common**2 / 2
    volume = fit.volume_by_sigma[sigma_idx, cols] * np.exp(
        fit.se_log_volume * own.normal(_S_VOLUME) - fit.se_log_volume**2 / 2 + common
    )
    ctr = own.beta(_S_CTR, fit.ctr.alpha, fit.ctr.beta)
    cvr = order_value = None
    if fit.cvr is not None:
        level = cvr_level(fit.orders, shared.stratified_normal(_S_CVR_LEVEL))
        cvr = np.minimum(own.beta(_S_CVR, fit.cvr.alpha, fit.cvr.beta) * level, 1.0)
    if fit.order_value is not None and fit.se_log_order_value is not None:
        se = fit.se_log_order_value
        order_value = fit.order_value * np.exp(se * own.normal(_S_ORDER_VALUE) - se**2 / 2)
    return LandscapeDraws(
        volume=volume,
        ctr=ctr,
        cvr=cvr,
        order_value=order_value,
        price_mu=mu,
        price_sigma=fit.grid[sigma_idx],
        keywords=fit.keywords,
    )


def cvr_level(orders: float, normal: FloatArray) -> FloatArray:
    """The account-wide factor on every keyword's drawn conversion rate, from standard
    normals ``normal`` (any shape, e.g. (n_draws, 1)); the same shape.

    The pooled Beta posteriors are drawn independently per keyword, so over many
    keywords their errors average out, while the log's conversion level is one count
    shared by every keyword: a total of ``orders`` orders pins the account's rate only
    to a relative error of about ``1 / sqrt(orders)`` (Poisson), which the plan's
    orders share.  The factor puts it back: log-normal with that log-sd, mean one.
    """
    sd = 1.0 / np.sqrt(max(orders, 0.0) + 1.0)
    return np.asarray(np.exp(sd * normal - sd**2 / 2), dtype=np.float64)


def ratio_slope(ratio: FloatArray, table: FloatArray, z_table: FloatArray) -> FloatArray:
    """``|dz / d ratio|`` of the inverted CPC/bid relation, by central differences."""
    eps = 1e-3
    hi = np.interp(np.clip(ratio * (1 + eps), 1e-6, 1 - 1e-6), table[::-1], z_table[::-1])
    lo = np.interp(np.clip(ratio * (1 - eps), 1e-6, 1 - 1e-6), table[::-1], z_table[::-1])
    return np.asarray(np.abs(hi - lo) / np.maximum(2 * eps * ratio, 1e-12), dtype=np.float64)


def prior_sd(grid: FloatArray, prior: tuple[float, float]) -> float:
    """Standard deviation of sigma under the prior alone, on the grid."""
    median, log_sd = prior
    w = np.exp(-0.5 * ((np.log(grid) - np.log(median)) / log_sd) ** 2) / grid
    w /= w.sum()
    m = (w * grid).sum()
    return float(np.sqrt((w * (grid - m) ** 2).sum()))


def posterior_sd(posterior: FloatArray, grid: FloatArray) -> FloatArray:
    """Standard deviation of sigma under each campaign's posterior."""
    m = (posterior * grid[:, None]).sum(axis=0)
    var = (posterior * (grid[:, None] - m) ** 2).sum(axis=0)
    return np.asarray(np.sqrt(np.maximum(var, 0.0)), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class LogRows:
    """The log's rows as the estimator reads them (each of shape (n_rows,)): keyword
    row, active flag, log bid, bid, day traffic weight, impressions, clicks, cost; and
    the traffic index of each day (n_days,)."""

    entity: IntArray
    active: BoolArray
    log_bid: FloatArray
    bid: FloatArray
    w_day: FloatArray
    impressions: FloatArray
    clicks: FloatArray
    cost: FloatArray
    traffic: FloatArray


def row_fit(
    rows: LogRows,
    model: LandscapeModel,
    *,
    campaign_codes: IntArray,
    group_codes: IntArray,
    grid: FloatArray,
    posterior: FloatArray,
    mu_by_sigma: FloatArray,
    volume_by_sigma: FloatArray,
    ratio: FloatArray,
    own: FloatArray,
    ratio_table: tuple[FloatArray, FloatArray],
    pooled: tuple[PooledRates, PooledRates | None],
    se_log_order_value: FloatArray | None,
    orders: float = 0.0,
    read_at: FloatArray | None = None,
) -> RowFit:
    """The spread of each keyword's volume and price level over the log's days (a
    sandwich variance at the chosen sigma), widened by its ad group's spread of price
    level where the keyword has few clicks (``own`` is the weight of its own data);
    ``orders`` is the log's total orders (0 without conversions); ``read_at`` (shape
    (n_keywords,), default ``ratio``) the cost per click / bid each keyword's price
    level is read at (the floor's, for a keyword whose level the estimator floors),
    where the spread of its days' ratios is turned into a spread of its price level."""
    n = model.n_keywords
    e = rows.entity
    mu, sigma, volume = model.price_mu, model.price_sigma, model.volume
    share = special.ndtr((rows.log_bid - mu[e]) / sigma[e]) * rows.active
    exposure = np.bincount(e, weights=rows.w_day * share, minlength=n)
    k_imps = np.bincount(e, weights=rows.impressions, minlength=n)
    resid = rows.impressions - volume[e] * rows.w_day * share
    var_volume = np.bincount(e, weights=resid**2, minlength=n)
    se_log_volume = np.sqrt(
        var_volume / np.maximum(volume * exposure, 1e-12) ** 2 + 1.0 / (k_imps + 1.0)
    )
    safe_ratio = np.nan_to_num(ratio, nan=0.5)
    resid_cost = rows.cost - safe_ratio[e] * rows.clicks * rows.bid
    k_click_bid = np.bincount(e, weights=rows.clicks * rows.bid, minlength=n)
    se_ratio = np.sqrt(np.bincount(e, weights=resid_cost**2, minlength=n)) / np.maximum(
        k_click_bid, 1e-12
    )
    table, z_table = ratio_table
    at = safe_ratio if read_at is None else np.nan_to_num(read_at, nan=0.5)
    se_z_own = ratio_slope(at, table, z_table) * se_ratio
    z_own = np.interp(at, table[::-1], z_table[::-1])
    k_clicks = np.asarray(np.bincount(e, weights=rows.clicks, minlength=n), dtype=np.float64)
    z_spread = between_sd(z_own, k_clicks, group_codes)
    se_mu = sigma * np.sqrt((own * se_z_own) ** 2 + ((1 - own) * z_spread) ** 2)
    log_traffic = np.log(np.maximum(rows.traffic, 1e-12))
    keys = key_hashes(model.campaign, model.ad_group, model.keywords)
    n_campaigns = posterior.shape[1]
    campaign_keys = key_hashes(np.arange(n_campaigns))  # codes without a keyword
    if model.campaign is not None and n:
        codes, first = np.unique(campaign_codes, return_index=True)
        campaign_keys[codes] = key_hashes(model.campaign[first])
    return RowFit(
        keywords=model.keywords,
        keys=keys,
        campaign_keys=campaign_keys,
        campaign_codes=campaign_codes,
        grid=grid,
        posterior=posterior,
        mu_by_sigma=mu_by_sigma,
        volume_by_sigma=volume_by_sigma,
        mode=np.searchsorted(grid, sigma),
        se_log_volume=np.where(k_imps > 0, se_log_volume, 0.0),
        se_mu=np.nan_to_num(se_mu),
        se_traffic=float(log_traffic.std() / np.sqrt(max(rows.traffic.size, 1))),
        orders=orders,
        ctr=pooled[0],
        cvr=pooled[1],
        order_value=model.order_value,
        se_log_order_value=se_log_order_value,
    )
