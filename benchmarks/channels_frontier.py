"""The history-only frontier of issue #24: how far can any rule on a fit's draws go?

Issue #24 asks of a split from history alone (no lift tests) that, scored on the true
curves, it earns at least today's revenue in >= 95% of histories and captures >= 50% of
the gap between today's revenue and the true optimum on average.  This study asks
whether any reasonable decision rule reaches both on the seeded histories of
``channels_uncertainty.py`` (156 weeks; 3, 5, 8 channels; noise 3% and 8%), or whether
the target exceeds what the histories carry.

Part A, the library's fit: each history is fitted once by ``fit_response`` (the same
call and seed as ``channels_uncertainty.py``; fits pickled in ``--cache``), and a grid
of rules is applied to its 200 curve draws.  A rule is a *target* (where to head) and a
*step* (how far along the straight path from today's split to go, 41 steps as the
library walks):

* targets: the best split over the draws within a trust region ``today x exp(+-r)``,
  ``r = scale / w`` clipped to ``[r_min, r_max]`` (``w``: relative width of the 80%
  marginal-ROI interval at today's spend; the library's ``TRUST_SCALE``, ``TRUST_MIN``,
  ``TRUST_MAX``), or within the extrapolation guard only; a Newton point of the
  draws' mean gain (mean gradient and curvature at today, within the guard); a
  common-elasticity point ``today x (m / lambda) ** (1 / e)`` from the median marginal
  ROIs ``m`` at today;
* steps: the library's rule (the step maximising the ``q`` quantile of the gain over
  the draws among steps that gain in at least ``c`` of them; ``GAIN_QUANTILE``,
  ``CONFIDENCE``), a fixed share of the way, that share gated by ``c``, the step with
  the largest mean or median gain, and (a ceiling, not a rule) the best step on the
  truth in hindsight.

The splits are solved here in numpy (every curve in these fits is
``ceiling x tanh(lam x / 2)``); the library's default (0.3, 0.3, 2.0; 0.2, 0.9) is
checked against ``split_budget(fit, ...)`` on every history.

Part A2: the same with the library's fit given ``options={"prior_sd": 0.5}`` (a
tighter saturation prior, a public option).

Part B, correctly specified references: each history is refitted in the generator's
own family with its true structure (geometric adstock over 4 weeks, ``ceiling x
tanh(lam a / 2)``, an intercept, a linear trend, the generator's two seasonal terms and
the Double-11 event), by MAP (variable projection from 8 seeded starts, then all
parameters together) with a Laplace approximation (normal in logit alpha, log z = log(lam
x today / 2), log ROI at today and the controls; 200 draws), under priors on logit
alpha, log z and log ROI: near-flat (B1: least squares), the generator's own (B2:
normal laws matching its uniform draws), the generator's on saturation only (B3) or on
ROI only (B4), the generator's twice as wide (B5).  The same rules are applied.

The rules are chosen on the tuning seeds 100-105 only.  The full run then evaluates,
once each on seeds 0-5, the rules the tuning results name (``heldout_rules``); nothing
held out is tuned on.  ``--heldout RULE ...`` prints named rules (``PART|<target> +
<step>``, as in the tables) on seeds 0-5.  ``--quick``: seeds 100-101 and a smaller
grid, no held-out run (written to the same files, as the other benchmarks' quick runs).
``--cache DIR`` (default ``/tmp/h5``): every fit is pickled there on the first run
(``lib/`` as in ``channels_uncertainty.py --cache``; ``A2/``, ``B1/`` ... ``B5/``);
a first run fits the 36 tuning histories of each part and the held-out ones its
held-out rules need (about 1-10 s a fit), later runs only evaluate.

Writes ``results/channels_frontier.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import least_squares

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, markdown_table, write_results
from bidopt._quantiles import central_band
from bidopt.channels import ResponseFit, geometric_adstock, split_budget
from channels_uncertainty import WEEKS, cached_fit, fit_history, history

Array = np.ndarray[Any, np.dtype[np.float64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]

#: Weeks of the fit's adstock warm-up left out of the least-squares fit (as the library's).
BURN_IN = 4
#: Steps on the path from today's split towards a target (the library's grid).
STEPS = np.linspace(0.0, 1.0, 41)
#: A history whose gap is below this share of today's revenue is "tiny-gap".
TINY_GAP = 0.005
FAMILIES = [(k, noise) for k in (3, 5, 8) for noise in (0.03, 0.08)]


@dataclass(frozen=True)
class Case:
    """One seeded history: its true curves, today's split, the guard and the gap."""

    k: int
    noise: float
    seed: int
    spend: Array  # yuan per week, shape (WEEKS, k)
    kpi: Array  # shape (WEEKS,)
    event: Array  # shape (WEEKS,)
    truth: tuple[Array, Array]  # ceiling, lam (k,)
    today: Array  # (k,)
    lo: Array  # the extrapolation guard (1.5x the observed range), (k,)
    hi: Array
    r_today: float
    r_best: float

    @property
    def budget(self) -> float:
        return float(self.today.sum())

    @property
    def gap(self) -> float:
        return self.r_best - self.r_today

    @property
    def name(self) -> str:
        return f"k{self.k}_noise{self.noise:g}_seed{self.seed}"


@dataclass(frozen=True)
class Draws:
    """Curve draws ``ceiling x tanh(lam x / 2)``: arrays of shape (n_draws, k)."""

    ceiling: Array
    lam: Array
    held: BoolArray  # (k,): channels held fixed in the draws (the library's flag)

    def value(self, x: Array) -> Array:
        """Each draw's total response at splits ``x`` of shape (..., k): (..., n_draws)."""
        z = self.lam * x[..., None, :] / 2
        return np.asarray((self.ceiling * np.tanh(z)).sum(-1))

    def slope(self, x: Array) -> Array:
        """Each draw's marginal ROI at split ``x`` (k,): shape (n_draws, k)."""
        t = np.tanh(self.lam * x / 2)
        return np.asarray(self.ceiling * self.lam / 2 * (1 - t * t))

    def curvature(self, x: Array) -> Array:
        """Each draw's second derivative at split ``x`` (k,): shape (n_draws, k)."""
        t = np.tanh(self.lam * x / 2)
        return np.asarray(-self.ceiling * self.lam**2 / 2 * t * (1 - t * t))


def true_value(case: Case, x: Array) -> Array:
    """True total response at splits ``x`` of shape (..., k)."""
    ceiling, lam = case.truth
    return np.asarray((ceiling * np.tanh(lam * x / 2)).sum(-1))


def make_case(seed: int, k: int, noise: float, fit: ResponseFit) -> Case:
    """The history of ``channels_uncertainty.py`` for (seed, k, noise), scored as there."""
    h: dict[str, Any] = history(1000 * k + seed + int(noise * 1000), k, noise)
    names = [f"c{j}" for j in range(k)]
    truth = h["truth"]
    ceiling = np.array([truth[c].params["ceiling"] for c in names])
    lam = np.array([truth[c].params["lam"] for c in names])
    today = np.array([h["today"][c] for c in names])
    assert fit.min_spend is not None
    assert fit.max_spend is not None
    lo = np.array([fit.min_spend[c] for c in names]) / 1.5
    hi = np.array([fit.max_spend[c] for c in names]) * 1.5
    best = split_budget(truth, float(today.sum()))
    spend = np.column_stack([h["spend"][c] for c in names])
    case = Case(
        k, noise, seed, spend, h["kpi"], h["event"], (ceiling, lam), today, lo, hi, 0.0, 0.0
    )
    r_today = float(true_value(case, today))
    return Case(**{**case.__dict__, "r_today": r_today, "r_best": float(best.response)})


def library_draws(fit: ResponseFit) -> Draws:
    assert fit.draws is not None
    assert fit.draws.kind == "logistic"
    held = np.isin(np.array(fit.draws.channels), np.array(fit.draws.held, dtype=str))
    return Draws(fit.draws.params["ceiling"], fit.draws.params["lam"], held)


# --- part B: the correctly specified least-squares fit ---------------------------------


def _design(case: Case, alpha: Array, lam: Array) -> Array:
    """Columns: intercept, trend, sin(2 pi t / 52), cos(4 pi t / 52), event, then one
    ``tanh(lam a / 2)`` per channel (``a`` the normalised geometric adstock)."""
    t = np.arange(WEEKS)
    cols = [
        np.ones(WEEKS),
        t / WEEKS,
        np.sin(2 * np.pi * t / 52),
        np.cos(4 * np.pi * t / 52),
        case.event,
    ]
    for j in range(case.k):
        a = geometric_adstock(case.spend[:, j], float(alpha[j]), l_max=4)
        cols.append(np.tanh(lam[j] * a / 2))
    return np.column_stack(cols)[BURN_IN:]


#: The generator's priors, as normal laws matching the mean and sd of its uniform
#: draws in the fit's scales: logit alpha (alpha ~ U(0.1, 0.7)), log z (z = lam x
#: today / 2 ~ U(0.4, 1.6)) and log ROI at today (~ U(1, 5)).
TRUE_PRIOR = ((-0.476, 0.809), (-0.068, 0.382), (1.012, 0.436))
#: A near-flat prior (least squares but for a ridge that keeps the Hessian finite).
FLAT_PRIOR = ((0.0, 3.0), (0.0, 3.0), (1.0, 3.0))
Prior = tuple[tuple[float, float], tuple[float, float], tuple[float, float]]


def _unpack(phi: Array, case: Case) -> tuple[Array, Array, Array]:
    """alpha, lam, ceiling from logit alpha, log z, log ROI at today (k each)."""
    k = case.k
    alpha = 1 / (1 + np.exp(-np.clip(phi[:k], -8, 8)))
    z = np.exp(np.clip(phi[k : 2 * k], -12, 6))
    lam = 2 * z / case.today
    ceiling = np.exp(phi[2 * k : 3 * k]) * case.today / np.tanh(z)
    return alpha, lam, ceiling


def _prior_rows(phi: Array, k: int, prior: tuple[tuple[float, float], ...]) -> Array:
    return np.concatenate(
        [(phi[i * k : (i + 1) * k] - mu) / sd for i, (mu, sd) in enumerate(prior)]
    )


def _varpro(theta: Array, case: Case, sigma: float, prior: Prior) -> Array:
    """Data residuals over ``sigma`` with the linear coefficients profiled out, and the
    priors of logit alpha and log z."""
    k = case.k
    alpha = 1 / (1 + np.exp(-np.clip(theta[:k], -8, 8)))
    lam = 2 * np.exp(np.clip(theta[k:], -12, 6)) / case.today
    x = _design(case, alpha, lam)
    y = case.kpi[BURN_IN:]
    coef = np.linalg.lstsq(x, y, rcond=None)[0]
    return np.concatenate([(y - x @ coef) / sigma, _prior_rows(theta, k, prior[:2])])


def _full_residual(phi: Array, case: Case, sigma: float, prior: Prior) -> Array:
    """Data residuals over ``sigma`` in the full parameters (logit alpha, log z, log ROI;
    then the five control coefficients), and the priors' rows."""
    k = case.k
    alpha, lam, ceiling = _unpack(phi, case)
    x = _design(case, alpha, lam)
    coef = np.concatenate([phi[3 * k :], ceiling])
    data = (case.kpi[BURN_IN:] - x @ coef) / sigma
    return np.concatenate([data, _prior_rows(phi, k, prior)])


def correct_fit(
    case: Case, prior: Prior, n_draws: int = 200, n_starts: int = 8
) -> tuple[Draws, dict[str, Any]]:
    """MAP in the generator's family with ``prior`` (variable projection from
    ``n_starts`` seeded starts, then all parameters together), and ``n_draws`` draws of
    its Laplace approximation (the first draw the MAP)."""
    k = case.k
    rng = np.random.default_rng(10_000 + case.seed)
    sigma = float(np.std(case.kpi))  # a first scale; refined once from the residuals
    for _ in range(2):
        best = None
        for s in range(n_starts):
            a0 = rng.uniform(0.05, 0.8, k) if s else np.full(k, 0.4)
            z0 = rng.uniform(0.2, 2.5, k) if s else np.full(k, 0.9)
            theta0 = np.concatenate([np.log(a0 / (1 - a0)), np.log(z0)])
            res = least_squares(_varpro, theta0, args=(case, sigma, prior))
            if best is None or res.cost < best.cost:
                best = res
        assert best is not None
        resid = best.fun[: WEEKS - BURN_IN] * sigma
        sigma = float(np.sqrt(resid @ resid / (WEEKS - BURN_IN - 3 * k - 5)))
    assert best is not None
    theta = best.x
    alpha = 1 / (1 + np.exp(-np.clip(theta[:k], -8, 8)))
    z = np.exp(np.clip(theta[k:], -12, 6))
    x = _design(case, alpha, 2 * z / case.today)
    coef = np.linalg.lstsq(x, case.kpi[BURN_IN:], rcond=None)[0]
    roi = coef[5:] * np.tanh(z) / case.today
    info: dict[str, Any] = {"nonpositive_roi": int(np.sum(roi <= 0))}
    roi = np.maximum(roi, 1e-3)  # a channel fitted with no effect: starts at a tiny one
    phi0 = np.concatenate([theta, np.log(roi), coef[:5]])
    res = least_squares(_full_residual, phi0, args=(case, sigma, prior))
    jac = np.asarray(res.jac)
    cov = np.linalg.pinv(jac.T @ jac)
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
    sample = rng.standard_normal((n_draws - 1, res.x.size)) * np.sqrt(np.maximum(vals, 0))
    phis = np.vstack([res.x, res.x + sample @ vecs.T])
    lam_d = np.empty((n_draws, k))
    ceil_d = np.empty((n_draws, k))
    for i in range(n_draws):
        _, lam_d[i], ceil_d[i] = _unpack(phis[i], case)
    info["sigma_pct"] = sigma / float(case.kpi.mean())
    return Draws(ceil_d, lam_d, np.zeros(k, dtype=bool)), info


# --- targets -------------------------------------------------------------------------


def _x_at(level: float, d: Draws, lo: Array, hi: Array) -> Array:
    """Per channel, the spend in [lo, hi] where the draws' mean marginal ROI is ``level``."""
    a, b = np.log(lo), np.log(hi)
    above = d.slope(lo).mean(0) <= level  # already below the level at lo: stay at lo
    below = d.slope(hi).mean(0) >= level  # still above it at hi: go to hi
    for _ in range(50):
        mid = (a + b) / 2
        up = d.slope(np.exp(mid)).mean(0) > level
        a, b = np.where(up, mid, a), np.where(up, b, mid)
    x = np.exp((a + b) / 2)
    return np.asarray(np.where(above, lo, np.where(below, hi, x)))


def mean_optimum(d: Draws, budget: float, lo: Array, hi: Array) -> Array:
    """The split of ``budget`` within [lo, hi] maximising the draws' mean response
    (water-filling on the mean marginal ROI, which falls in spend)."""
    s_lo, s_hi = d.slope(lo).mean(0), d.slope(hi).mean(0)
    a = np.log(max(float(s_hi.min()), 1e-300)) - 1
    b = np.log(float(s_lo.max())) + 1
    for _ in range(60):
        mid = (a + b) / 2
        if _x_at(float(np.exp(mid)), d, lo, hi).sum() > budget:
            a = mid
        else:
            b = mid
    x = _x_at(float(np.exp((a + b) / 2)), d, lo, hi)
    return np.asarray(x * budget / x.sum())  # the last 1e-15 of the budget


def trust_radius(d: Draws, today: Array, scale: float, r_min: float, r_max: float) -> Array:
    """The library's trust radius (``trust_radius`` in ``_split_safe``) with other knobs."""
    slope = d.slope(today)
    low, high = central_band(slope, 0.8)
    mid = np.median(slope, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        width = (high - low) / np.abs(mid)
        pinned = scale / np.maximum(width, 1e-300)
    radius = np.where(np.isfinite(width) & ~d.held, pinned, r_min)
    return np.asarray(np.clip(radius, r_min, r_max))


#: Memo of trust-region targets; each entry keeps its draws alive, so ids stay unique.
_TARGETS: dict[tuple[int, bytes], tuple[Draws, Array]] = {}


def trust_target(d: Draws, case: Case, scale: float, r_min: float, r_max: float) -> Array:
    """The best split over the draws within the trust region and the guard (memoised
    on the radii: many knob settings give the same ones)."""
    r = trust_radius(d, case.today, scale, r_min, r_max)
    key = (id(d), r.tobytes())
    if key not in _TARGETS:
        lo = np.maximum(case.lo, case.today * np.exp(-r))
        hi = np.minimum(case.hi, case.today * np.exp(r))
        _TARGETS[key] = (d, mean_optimum(d, case.budget, lo, hi))
    return _TARGETS[key][1]


def _budget_root(spend_at: Callable[[float], Array], budget: float, a: float, b: float) -> Array:
    """``spend_at(level)`` (falling in ``level``) at the level where it sums to ``budget``."""
    for _ in range(80):
        mid = (a + b) / 2
        if spend_at(mid).sum() > budget:
            a = mid
        else:
            b = mid
    x = spend_at((a + b) / 2)
    return np.asarray(x * budget / x.sum())


def newton_target(d: Draws, case: Case) -> Array:
    """Maximiser within the guard of the quadratic model of the draws' mean gain at
    today: mean gradient g, mean (diagonal, negative) curvature h; spend today + dx with
    dx = (g - level) / -h, the level making the budget hold."""
    g = d.slope(case.today).mean(0)
    h = np.minimum(d.curvature(case.today).mean(0), -1e-12 * g / case.today)

    def spend_at(level: float) -> Array:
        return np.asarray(np.clip(case.today + (g - level) / -h, case.lo, case.hi))

    return _budget_root(
        spend_at, case.budget, float(g.min()) - 1e3 * float(g.max()), 2 * float(g.max()) + 1
    )


def elasticity_target(d: Draws, case: Case, e: float) -> Array:
    """``today x (m / level) ** (1 / e)`` within the guard, ``m`` the median marginal
    ROI at today, the level making the budget hold."""
    m = np.median(d.slope(case.today), axis=0)
    m = np.maximum(m, 1e-12)

    def spend_at(log_level: float) -> Array:
        x = case.today * np.exp((np.log(m) - log_level) / e)
        return np.asarray(np.clip(x, case.lo, case.hi))

    return _budget_root(
        spend_at, case.budget, float(np.log(m).min()) - 20, float(np.log(m).max()) + 20
    )


# --- steps ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Path_:
    """The path from today towards a target: draws' and true gains at each step."""

    gain: Array  # (steps, n_draws): each draw's gain over today
    true_gain: Array  # (steps,)


def make_path(d: Draws, case: Case, target: Array) -> Path_:
    x = case.today + STEPS[:, None] * (target - case.today)
    x[-1] = target
    v = d.value(x)
    return Path_(v - v[0], true_value(case, x) - case.r_today)


def step_quantile(p: Path_, conf: float, q: float) -> int:
    """The library's ``choose_step`` with ``CONFIDENCE`` ``conf``, ``GAIN_QUANTILE`` ``q``."""
    best, best_q = 0, 0.0
    quant = np.quantile(p.gain, q, axis=1)
    share = np.mean(p.gain > 0, axis=1)
    for t in range(1, len(STEPS)):
        if share[t] >= conf and quant[t] > best_q:
            best, best_q = t, float(quant[t])
    return best


def step_index(share: float) -> int:
    return round(share * (len(STEPS) - 1))


StepRule = Callable[[Path_], int]


def _step_shrunk(p: Path_, conf: float, share: float) -> int:
    """The library's step (quantile 0.2) shortened to ``share`` of it."""
    return step_index(share * float(STEPS[step_quantile(p, conf, 0.2)]))


def _step_fixed(p: Path_, share: float, conf: float = 0.0) -> int:
    """``share`` of the way, if the draws gain there in at least ``conf`` of them."""
    t = step_index(share)
    return t if np.mean(p.gain[t] > 0) >= conf else 0


def _step_mean(p: Path_) -> int:
    return int(np.argmax(np.r_[0.0, p.gain[1:].mean(1)]))


def _step_median(p: Path_) -> int:
    return int(np.argmax(np.r_[0.0, np.median(p.gain[1:], 1)]))


def step_rules(quick: bool) -> dict[str, StepRule]:
    confs = (0.6, 0.8, 0.9) if quick else (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)
    quants = (0.1, 0.2, 0.5) if quick else (0.05, 0.1, 0.2, 0.3, 0.5)
    rules: dict[str, StepRule] = {}
    for c in confs:
        for q in quants:
            rules[f"quantile c={c:g} q={q:g}"] = partial(step_quantile, conf=c, q=q)
    for share in (0.5, 0.75):
        rules[f"quantile c=0.9 q=0.2 x{share:g}"] = partial(_step_shrunk, conf=0.9, share=share)
    for share in (0.25, 0.5, 0.75, 1.0):
        rules[f"fixed {share:g}"] = partial(_step_fixed, share=share)
        for c in (0.8, 0.9):
            rules[f"fixed {share:g} if c>={c:g}"] = partial(_step_fixed, share=share, conf=c)
    rules["max mean gain"] = _step_mean
    rules["max median gain"] = _step_median
    return rules


Targets = dict[str, Callable[[Draws, Case], Array]]


def _guard_target(d: Draws, case: Case) -> Array:
    return mean_optimum(d, case.budget, case.lo, case.hi)


def targets(quick: bool) -> Targets:
    out: Targets = {}
    scales = (0.1, 0.3, 1.0) if quick else (0.1, 0.2, 0.3, 0.5, 1.0)
    mins = (0.1, 0.3) if quick else (0.05, 0.1, 0.2, 0.3, 0.5)
    maxes = (2.0,) if quick else (0.5, 2.0)
    for s in scales:
        for r0 in mins:
            for r1 in maxes:
                out[f"trust {s:g}/{r0:g}/{r1:g}"] = partial(
                    trust_target, scale=s, r_min=r0, r_max=r1
                )
    out["guard only"] = _guard_target
    out["newton"] = newton_target
    for e in (1.0, 2.0, 3.0):
        out[f"elasticity e={e:g}"] = partial(elasticity_target, e=e)
    return out


DEFAULT = "trust 0.3/0.3/2 + quantile c=0.9 q=0.2"


# --- evaluation ----------------------------------------------------------------------


def evaluate(
    cases: list[Case], draws: list[Draws], tg: Targets, steps: dict[str, StepRule]
) -> dict[str, list[tuple[float, float]]]:
    """Every rule (target + step) on every history: (gain over today, gap captured)."""
    out: dict[str, list[tuple[float, float]]] = {}
    for case, d in zip(cases, draws, strict=True):
        for tname, make_target in tg.items():
            p = make_path(d, case, make_target(d, case))
            chosen = {sname: rule(p) for sname, rule in steps.items()}
            chosen["hindsight (ceiling)"] = int(np.argmax(np.r_[0.0, p.true_gain[1:]]))
            for sname, t in chosen.items():
                g = float(p.true_gain[t])
                out.setdefault(f"{tname} + {sname}", []).append((g, g / case.gap))
    return out


def summarise(name: str, cases: list[Case], res: list[tuple[float, float]]) -> dict[str, Any]:
    gain = np.array([g for g, _ in res])
    ratio = np.array([r for _, r in res])
    today = np.array([c.r_today for c in cases])
    gap = np.array([c.gap for c in cases])
    beats = gain >= -1e-9 * today
    tiny = gap < TINY_GAP * today
    return {
        "rule": name,
        "beats_today": float(beats.mean()),
        "mean_gap": float(ratio.mean()),
        "median_gap": float(np.median(ratio)),
        "pooled_gap": float(gain.sum() / gap.sum()),
        "worst_gap": float(ratio.min()),
        "mean_gap_not_tiny": float(ratio[~tiny].mean()) if (~tiny).any() else float("nan"),
        "moved": float(np.mean(np.abs(gain) > 1e-9 * today)),
    }


def frontier(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rules no other rule beats on both share beating today and mean gap captured."""
    out = []
    for r in rows:
        if "hindsight" in r["rule"]:
            continue
        dominated = any(
            o is not r
            and "hindsight" not in o["rule"]
            and o["beats_today"] >= r["beats_today"]
            and o["mean_gap"] >= r["mean_gap"]
            and (o["beats_today"] > r["beats_today"] or o["mean_gap"] > r["mean_gap"])
            for o in rows
        )
        if not dominated:
            out.append(r)
    return sorted(out, key=lambda r: -r["beats_today"])


def by_family(cases: list[Case], res: list[tuple[float, float]]) -> dict[str, tuple[float, float]]:
    out = {}
    for k, noise in FAMILIES:
        idx = [i for i, c in enumerate(cases) if c.k == k and c.noise == noise]
        g = np.array([res[i][0] for i in idx])
        r = np.array([res[i][1] for i in idx])
        t = np.array([cases[i].r_today for i in idx])
        out[f"{k} ch / {noise:.0%}"] = (float(np.mean(g >= -1e-9 * t)), float(r.mean()))
    return out


# --- driver --------------------------------------------------------------------------


def load_cases(seeds: Iterable[int], cache: Path) -> tuple[list[Case], list[ResponseFit]]:
    cases, fits = [], []
    for k, noise in FAMILIES:
        for seed in seeds:
            h = history(1000 * k + seed + int(noise * 1000), k, noise)
            name = f"k{k}_noise{noise:g}_seed{seed}_history"
            fit, _ = cached_fit(cache / "lib", name, h, None, seed)
            cases.append(make_case(seed, k, noise, fit))
            fits.append(fit)
    return cases, fits


#: Part A2: the library's fit with a tighter saturation prior (its public option).
A2_PRIOR_SD = 0.5


def tight_fit(case: Case, cache: Path) -> ResponseFit:
    """``fit_response`` as in ``channels_uncertainty.py`` but for ``prior_sd``
    ``A2_PRIOR_SD``, pickled in ``cache / "A2"``."""
    path = cache / "A2" / f"{case.name}.pkl"
    if path.exists():
        with path.open("rb") as f:
            fit: ResponseFit = pickle.load(f)
        return fit
    h = history(1000 * case.k + case.seed + int(case.noise * 1000), case.k, case.noise)
    fit = fit_history(h, burn_in=4, rng=case.seed, options={"prior_sd": A2_PRIOR_SD})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        pickle.dump(fit, f)
    return fit


def load_correct(
    cases: list[Case], cache: Path, label: str, prior: Prior
) -> tuple[list[Draws], list[dict[str, Any]]]:
    """Part B's fits with ``prior``, pickled in ``cache / label``."""
    out, infos = [], []
    for case in cases:
        path = cache / label / f"{case.name}.pkl"
        if path.exists():
            with path.open("rb") as f:
                d, info = pickle.load(f)
        else:
            start = time.perf_counter()
            d, info = correct_fit(case, prior)
            info["fit_s"] = time.perf_counter() - start
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as f:
                pickle.dump((d, info), f)
        out.append(d)
        infos.append(info)
    return out, infos


def mroi_quality(cases: list[Case], draws: list[Draws]) -> dict[str, float]:
    """Median |log error| of the draws' median marginal ROI at today, and the 80%
    intervals' coverage of the truth, over all channels."""
    err, hit = [], []
    for case, d in zip(cases, draws, strict=True):
        ceiling, lam = case.truth
        t = np.tanh(lam * case.today / 2)
        true_m = ceiling * lam / 2 * (1 - t * t)
        s = d.slope(case.today)
        lo, hi = central_band(s, 0.8)
        err.extend(np.abs(np.log(np.maximum(np.median(s, 0), 1e-300) / true_m)).tolist())
        hit.extend(((lo <= true_m) & (true_m <= hi)).tolist())
    return {
        "mroi_log_error_median": float(np.median(err)),
        "mroi_log_error_q90": float(np.quantile(err, 0.9)),
        "mroi_80pct_coverage": float(np.mean(hit)),
    }


def check_default(cases: list[Case], fits: list[ResponseFit], draws: list[Draws]) -> float:
    """Largest relative difference between this script's default rule and the library's
    ``split_budget(fit, budget, current=today)`` allocation over all histories."""
    worst = 0.0
    for case, fit, d in zip(cases, fits, draws, strict=True):
        names = [f"c{j}" for j in range(case.k)]
        lib = split_budget(
            fit, case.budget, current=dict(zip(names, case.today.tolist(), strict=True))
        )
        x_lib = np.array([lib.allocation[c] for c in names])
        target = trust_target(d, case, 0.3, 0.3, 2.0)
        p = make_path(d, case, target)
        t = step_quantile(p, 0.9, 0.2)
        x = case.today + STEPS[t] * (target - case.today)
        worst = max(worst, float(np.max(np.abs(x - x_lib) / case.today)))
    return worst


#: The reference fits of part B: label -> (title, prior).
PRIORS: dict[str, tuple[str, Prior]] = {
    "B1": ("B1: true family, least squares (near-flat priors)", FLAT_PRIOR),
    "B2": ("B2: true family, MAP with the generator's priors", TRUE_PRIOR),
    "B3": (
        "B3: true family, the generator's prior on saturation only",
        (FLAT_PRIOR[0], TRUE_PRIOR[1], FLAT_PRIOR[2]),
    ),
    "B4": (
        "B4: true family, the generator's prior on ROI only",
        (FLAT_PRIOR[0], FLAT_PRIOR[1], TRUE_PRIOR[2]),
    ),
    "B5": (
        "B5: true family, the generator's priors twice as wide",
        (
            (TRUE_PRIOR[0][0], 2 * TRUE_PRIOR[0][1]),
            (TRUE_PRIOR[1][0], 2 * TRUE_PRIOR[1][1]),
            (TRUE_PRIOR[2][0], 2 * TRUE_PRIOR[2][1]),
        ),
    ),
}
PARTS = {
    "A": "A: the library's fit",
    "A2": f"A2: the library's fit with options={{'prior_sd': {A2_PRIOR_SD:g}}}",
    **{p: t for p, (t, _) in PRIORS.items()},
}


def part_draws(
    part: str, cases: list[Case], fits: list[ResponseFit], cache: Path
) -> tuple[list[Draws], list[dict[str, Any]]]:
    if part == "A":
        return [library_draws(f) for f in fits], [{} for _ in fits]
    if part == "A2":
        return [library_draws(tight_fit(c, cache)) for c in cases], [{} for _ in cases]
    return load_correct(cases, cache, part, PRIORS[part][1])


def tiny_gap(cases: list[Case], res: list[tuple[float, float]]) -> dict[str, Any]:
    """How much of the mean's shortfall comes from histories whose gap is tiny."""
    ratio = np.array([r for _, r in res])
    tiny = np.array([c.gap < TINY_GAP * c.r_today for c in cases])
    return {
        "tiny_histories": int(tiny.sum()),
        "mean_gap": float(ratio.mean()),
        "mean_gap_tiny": float(ratio[tiny].mean()) if tiny.any() else float("nan"),
        "mean_gap_not_tiny": float(ratio[~tiny].mean()),
        "mean_if_tiny_stayed": float(np.where(tiny, 0.0, ratio).mean()),
        "mean_clipped_at_-1": float(np.maximum(ratio, -1.0).mean()),
        "losses_in_tiny": int(np.sum(tiny & (ratio < -1e-9))),
        "losses_not_tiny": int(np.sum(~tiny & (ratio < -1e-9))),
    }


def pick(rows: list[dict[str, Any]], share: float) -> dict[str, Any] | None:
    """The rule with the largest mean gap among those beating today in >= ``share``."""
    ok = [r for r in rows if r["beats_today"] >= share - 1e-12 and "hindsight" not in r["rule"]]
    return max(ok, key=lambda r: r["mean_gap"]) if ok else None


def run_part(
    part: str, cases: list[Case], fits: list[ResponseFit], cache: Path, quick: bool
) -> dict[str, Any]:
    start = time.perf_counter()
    draws, infos = part_draws(part, cases, fits, cache)
    fit_s = time.perf_counter() - start
    res = evaluate(cases, draws, targets(quick), step_rules(quick))
    rows = [summarise(name, cases, r) for name, r in res.items()]
    both = [r for r in rows if r["beats_today"] >= 0.95 and r["mean_gap"] >= 0.5]
    both = [r for r in both if "hindsight" not in r["rule"]]
    key = {
        "default": next(r for r in rows if r["rule"] == DEFAULT),
        "best at >= 95%": pick(rows, 0.95),
        "best at >= 90%": pick(rows, 0.90),
        "best at any share": pick(rows, 0.0),
        "hindsight ceiling": max(
            (r for r in rows if "hindsight" in r["rule"]), key=lambda r: r["mean_gap"]
        ),
    }
    families = {
        label: by_family(cases, res[r["rule"]]) for label, r in key.items() if r is not None
    }
    tiny = {label: tiny_gap(cases, res[r["rule"]]) for label, r in key.items() if r is not None}
    per_history = [
        {
            "history": c.name,
            "gap_pct_of_revenue": c.gap / c.r_today,
            **{
                label: res[r["rule"]][i][1]
                for label, r in key.items()
                if r is not None and label != "best at any share"
            },
        }
        for i, c in enumerate(cases)
    ]
    print(f"{PARTS[part]}: {len(rows)} rules in {time.perf_counter() - start:.0f} s", flush=True)
    return {
        "part": PARTS[part],
        "rules": len(rows),
        "fit_or_load_s": fit_s,
        "mroi": mroi_quality(cases, draws),
        "fit_info": infos,
        "key": key,
        "meets_both": sorted(both, key=lambda r: -r["mean_gap"])[:10],
        "n_meets_both": len(both),
        "frontier": frontier(rows),
        "families": families,
        "tiny_gap": tiny,
        "per_history": per_history,
        # the 50 rules with the largest mean gap among those beating today in >= 95%:
        # rule, share beating today, mean and median gap captured
        "at_95pct": [
            [r["rule"], *(round(r[c], 4) for c in ("beats_today", "mean_gap", "median_gap"))]
            for r in sorted(rows, key=lambda r: -r["mean_gap"])
            if r["beats_today"] >= 0.95 - 1e-12 and "hindsight" not in r["rule"]
        ][:50],
        "n_at_95pct": sum(
            r["beats_today"] >= 0.95 - 1e-12 and "hindsight" not in r["rule"] for r in rows
        ),
    }


def heldout(rules: list[str], cache: Path) -> tuple[str, dict[str, Any]]:
    """Named rules ``PART|<target> + <step>`` on seeds 0-5, once each: a markdown
    section and its rows."""
    cases, fits = load_cases(range(6), cache)
    rows, fam_rows, tiny_rows = [], [], []
    for rule in rules:
        part, name = rule.split("|", 1)
        tname = name.split(" + ", 1)[0]
        draws, _ = part_draws(part, cases, fits, cache)
        res = evaluate(cases, draws, {tname: targets(False)[tname]}, step_rules(False))[name]
        rows.append({"part": part, **summarise(name, cases, res)})
        fam = by_family(cases, res)
        fam_rows.append(
            {"part": part, "rule": name, **{f: f"{b:.0%} / {m:.0%}" for f, (b, m) in fam.items()}}
        )
        tiny_rows.append({"part": part, "rule": name, **tiny_gap(cases, res)})
    gaps = np.array([c.gap / c.r_today for c in cases])
    text = "\n".join(
        [
            "## Held-out seeds 0-5 (each rule once; chosen on the tuning seeds)",
            "",
            f"{len(cases)} histories, gap median {np.median(gaps):.2%} of today's revenue "
            f"({int(np.sum(gaps < TINY_GAP))} below {TINY_GAP:.1%}). Parts: "
            + "; ".join(PARTS[p] for p in sorted({r["part"] for r in rows})),
            "",
            fmt_rows(rows),
            "",
            "By family (beats today / mean gap captured):",
            "",
            markdown_table(fam_rows, list(fam_rows[0])),
            "",
            f"Tiny gaps (< {TINY_GAP:.1%} of revenue):",
            "",
            markdown_table(tiny_rows, list(tiny_rows[0])),
            "",
        ]
    )
    return text, {"rows": rows, "families": fam_rows, "tiny_gap": tiny_rows}


def heldout_rules(parts: dict[str, dict[str, Any]]) -> list[str]:
    """What the held-out run evaluates, fixed by the tuning results: the library's
    default rule on the library's fit and on B2; the best rule beating today in >= 95%
    on A and B2; and the best rule meeting both targets on each part that has one."""
    out = [f"{p}|{DEFAULT}" for p in ("A", "B2") if p in parts]
    for p in ("A", "B2"):
        if p in parts and parts[p]["key"]["best at >= 95%"] is not None:
            out.append(f"{p}|{parts[p]['key']['best at >= 95%']['rule']}")
    for p, part in parts.items():
        if part["meets_both"]:
            out.append(f"{p}|{part['meets_both'][0]['rule']}")
    return list(dict.fromkeys(out))


def fmt_rows(rows: list[dict[str, Any]]) -> str:
    cols = [
        *(["part"] if "part" in rows[0] else []),
        "rule",
        "beats_today",
        "mean_gap",
        "median_gap",
        "pooled_gap",
        "worst_gap",
    ]
    return markdown_table(rows, [*cols, "mean_gap_not_tiny", "moved"])


def report(parts: dict[str, dict[str, Any]], cases: list[Case], check: float, quick: bool) -> str:
    gaps = np.array([c.gap / c.r_today for c in cases])
    lines = [
        "# The history-only frontier (issue #24)",
        "",
        f"{len(cases)} tuning histories (seeds {'100-101' if quick else '100-105'} x 3, 5, 8 "
        f"channels x noise 3%, 8%; {WEEKS} weeks) of `channels_uncertainty.py`. Target: "
        "beats today in >= 95% and mean gap captured >= 50%. Gap to the true optimum: "
        f"median {np.median(gaps):.2%} of today's revenue (range {gaps.min():.2%} to "
        f"{gaps.max():.2%}); {int(np.sum(gaps < TINY_GAP))} histories below {TINY_GAP:.1%}.",
        "",
        f"This script's default rule reproduces `split_budget(fit, budget, current=today)` "
        f"to {check:.1e} (largest relative difference per channel over the histories).",
        "",
        "Rule names: `<target> + <step>`; `trust s/r_min/r_max` is the trust region "
        "(TRUST_SCALE/TRUST_MIN/TRUST_MAX), `quantile c=.. q=..` the library's step "
        "(CONFIDENCE, GAIN_QUANTILE); `hindsight` picks the best step on the truth "
        "(a ceiling, not a rule).",
        "",
    ]
    summary = []
    for part in parts.values():
        key, best = part["key"], part["key"]["best at >= 95%"]
        summary.append(
            {
                "part": part["part"],
                "mroi_log_err_median": part["mroi"]["mroi_log_error_median"],
                "mroi_80pct_coverage": part["mroi"]["mroi_80pct_coverage"],
                "default_rule": f"{key['default']['beats_today']:.1%} / "
                f"{key['default']['mean_gap']:.1%}",
                "best_at_95pct": "-"
                if best is None
                else f"{best['beats_today']:.1%} / {best['mean_gap']:.1%}",
                "hindsight_ceiling": key["hindsight ceiling"]["mean_gap"],
                "rules_meeting_both": part["n_meets_both"],
            }
        )
    lines += [
        "Summary (tuning seeds; rules: beats today / mean gap captured):",
        "",
        markdown_table(summary, list(summary[0])),
        "",
    ]
    for part in parts.values():
        lines += [f"## {part['part']}", ""]
        lines.append(
            f"{part['rules']} rules. Marginal ROI at today: median |log error| "
            f"{part['mroi']['mroi_log_error_median']:.2f} (90% quantile "
            f"{part['mroi']['mroi_log_error_q90']:.2f}), 80% intervals cover "
            f"{part['mroi']['mroi_80pct_coverage']:.1%} of the channels."
        )
        lines += ["", "Key rules:", ""]
        keyed = [{"which": k, **v} for k, v in part["key"].items() if v is not None]
        lines.append(markdown_table(keyed, ["which", *list(keyed[0])[1:]]))
        n_both = part["n_meets_both"]
        lines += [
            "",
            f"Rules meeting both targets: {n_both}"
            + (": " + "; ".join(r["rule"] for r in part["meets_both"][:5]) if n_both else "."),
            "",
            "Frontier (no rule is better on both):",
            "",
            fmt_rows(part["frontier"]),
            "",
            "By family (beats today, mean gap captured):",
            "",
        ]
        fam_rows = [
            {"which": label, **{f: f"{b:.0%} / {m:.0%}" for f, (b, m) in fam.items()}}
            for label, fam in part["families"].items()
        ]
        lines.append(markdown_table(fam_rows, list(fam_rows[0])))
        lines += ["", f"Tiny gaps (< {TINY_GAP:.1%} of revenue):", ""]
        tiny_rows = [{"which": label, **t} for label, t in part["tiny_gap"].items()]
        lines += [markdown_table(tiny_rows, list(tiny_rows[0])), ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--cache", type=Path, default=Path("/tmp/h5"), help="fits pickled here")
    ap.add_argument("--quick", action="store_true", help="two seeds per family, a smaller grid")
    ap.add_argument("--parts", default="A,A2,B1,B2,B3,B4,B5", help="comma-separated: A, A2, B1-B5")
    ap.add_argument(
        "--heldout",
        metavar="RULE",
        nargs="+",
        help="'PART|<target> + <step>' (one or more) on seeds 0-5, once each",
    )
    args = ap.parse_args()
    if args.heldout:
        print(heldout(args.heldout, args.cache)[0])
        return
    seeds = range(100, 102) if args.quick else range(100, 106)
    cases, fits = load_cases(seeds, args.cache)
    check = check_default(cases, fits, [library_draws(f) for f in fits])
    parts = {p: run_part(p, cases, fits, args.cache, args.quick) for p in args.parts.split(",")}
    text = report(parts, cases, check, args.quick)
    held: dict[str, Any] = {}
    if not args.quick:
        more, held = heldout(heldout_rules(parts), args.cache)
        text += "\n" + more
    print(text)
    payload = {"machine": machine(), "check": check, "parts": parts, "heldout": held}
    write_results("channels_frontier", payload, text)


if __name__ == "__main__":
    main()
