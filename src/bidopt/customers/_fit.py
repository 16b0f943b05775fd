"""Shared machinery of the customer models: input checks, sufficient statistics,
maximum likelihood in log-parameters, the observed-information standard errors and
the fitted-model result base class."""

from __future__ import annotations

import contextlib
import importlib
import math
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import optimize

from bidopt._optional import require_pandas
from bidopt._validation import as_float_array, check_choice, check_options, short_repr
from bidopt._wording import counted
from bidopt.exceptions import InvalidInputError, SolverError
from bidopt.typing import FloatArray

__all__ = [
    "FitMethod",
    "ModelFit",
    "check_counts",
    "check_fit_summary",
    "check_horizon",
    "check_params",
    "check_summary",
    "check_weights",
    "group_rows",
    "maximize",
    "prediction_inputs",
    "wdot",
]

#: The optimisers a customer-model fit accepts.
FitMethod = Literal["l-bfgs-b", "nelder-mead"]
_METHODS = ("l-bfgs-b", "nelder-mead")
# log-parameter box: every parameter between e^-12 and e^12 (about 6e-6 to 1.6e5)
_LOG_BOUND = 12.0
# the largest standard error of a log-parameter of a fit called converged
_MAX_LOG_SE = 10.0

#: ``objective(log_params) -> (mean negative log-likelihood, its gradient)``
Objective = Callable[[FloatArray], tuple[float, FloatArray]]


def check_counts(frequency: object, name: str = "frequency") -> FloatArray:
    """``frequency`` as a float array of non-negative whole numbers."""
    x = as_float_array(frequency, name, ndim=1, nonnegative=True)
    fractional = x != np.floor(x)
    if fractional.any():
        at = int(np.argmax(fractional))
        raise InvalidInputError(
            f"`{name}` must hold whole numbers of repeat purchases (>= 0). Got "
            f"{float(x[at])!r} at index {at} instead."
        )
    return x


def check_summary(
    frequency: object, recency: object, T: object, *, allow_zero_T: bool = False
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Check the (x, t_x, T) summary of a purchase-count model.

    Contract: equal lengths, at least one customer, ``x`` whole and >= 0,
    ``0 <= t_x <= T``, ``T > 0``, and ``t_x == 0`` when ``x == 0`` (a customer without
    repeat purchases has no recency).
    """
    x = check_counts(frequency)
    t_x = as_float_array(recency, "recency", ndim=1, nonnegative=True)
    big_t = as_float_array(T, "T", ndim=1, nonnegative=True)
    if not x.size == t_x.size == big_t.size:
        raise InvalidInputError(
            "`frequency`, `recency` and `T` must have the same length (one entry per "
            f"customer). Got lengths {x.size}, {t_x.size} and {big_t.size} instead."
        )
    if x.size == 0:
        raise InvalidInputError("`frequency` must hold at least one customer. Got 0 instead.")
    nonpositive = big_t < 0 if allow_zero_T else big_t <= 0
    if nonpositive.any():
        at = int(np.argmax(nonpositive))
        raise InvalidInputError(
            f"`T` must be {'>=' if allow_zero_T else '>'} 0 (time since the first purchase). "
            f"Got {float(big_t[at])!r} "
            f"at index {at} instead."
        )
    late = t_x > big_t * (1 + 1e-12)
    if late.any():
        at = int(np.argmax(late))
        raise InvalidInputError(
            f"`recency` must be <= `T` (the last purchase falls in the period). Got "
            f"recency {float(t_x[at])!r} > T {float(big_t[at])!r} at index {at} instead."
        )
    stray = (x == 0) & (t_x != 0)
    if stray.any():
        at = int(np.argmax(stray))
        raise InvalidInputError(
            "`recency` must be 0 for a customer without repeat purchases (frequency 0). "
            f"Got {float(t_x[at])!r} at index {at} instead."
        )
    return x, np.minimum(t_x, big_t), big_t


def check_fit_summary(
    frequency: object, recency: object, T: object
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:func:`check_summary` for a fit: ``T == 0`` is allowed (a customer whose first
    purchase is on the calibration period's last day, as :func:`rfm_table` makes them;
    its likelihood is 1, so it changes nothing), but at least one ``T`` must be > 0, and
    a customer with repeat purchases must have ``recency > 0``."""
    x, t_x, big_t = check_summary(frequency, recency, T, allow_zero_T=True)
    # a repeat purchase falls on a later day than the first, so its recency is > 0; a
    # summary with repeats at recency 0 is corrupt (a positive log-likelihood, no fit)
    instant = (x > 0) & (t_x == 0)
    if instant.any():
        at = np.flatnonzero(instant)
        shown = ", ".join(str(i) for i in at[:5]) + (", ..." if at.size > 5 else "")
        raise InvalidInputError(
            "`recency` must be > 0 for a customer with repeat purchases (frequency > 0: "
            "the last purchase comes after the first). Got recency 0 with frequency "
            f"{float(x[at[0]]):g} at index {shown} ({counted(at.size, 'customer')}) instead; if "
            "the times were rounded, give them unrounded or in a finer unit (days)."
        )
    if not (big_t > 0).any():
        raise InvalidInputError(
            "`T` must be > 0 for at least one customer (customers observed for no time "
            f"carry no information). Got only zeros ({counted(big_t.size, 'customer')}) instead."
        )
    return x, t_x, big_t


def group_rows(
    *columns: FloatArray, weights: FloatArray | None = None
) -> tuple[tuple[FloatArray, ...], FloatArray]:
    """The distinct rows of ``columns`` and how many customers share each (the
    sufficient statistics of a likelihood that is a sum over customers), sorted.

    With ``weights`` (customers per input row), rows are distinct in their columns and
    weight, and each gets its count times its weight.
    """
    if weights is not None:
        (*distinct, weight), counts = group_rows(*columns, weights)
        return tuple(distinct), counts * weight
    order = np.lexsort(columns[::-1])
    sorted_cols = [c[order] for c in columns]
    starts = np.ones(order.size, dtype=bool)
    for c in sorted_cols:
        starts[1:] &= c[1:] == c[:-1]
    starts = ~starts
    starts[0] = True
    first = np.flatnonzero(starts)
    counts = np.diff(np.append(first, order.size)).astype(np.float64)
    return tuple(np.ascontiguousarray(c[first]) for c in sorted_cols), counts


def _observed_information(
    objective: Objective, phi: FloatArray, n: float, step: float
) -> FloatArray:
    """Hessian of the total negative log-likelihood in log-parameters, by central
    differences of the gradient with step ``step`` (symmetrised)."""
    k = phi.size
    hess = np.empty((k, k))
    for j in range(k):
        h = step * max(1.0, abs(float(phi[j])))
        up = phi.copy()
        up[j] += h
        down = phi.copy()
        down[j] -= h
        hess[:, j] = (objective(up)[1] - objective(down)[1]) / (2 * h)
    out: FloatArray = n * 0.5 * (hess + hess.T)
    return out


def _one_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """Limit BLAS to one thread while a fit runs (threadpoolctl, a scikit-learn
    dependency).  L-BFGS-B calls BLAS on tiny matrices (a few parameters), where
    OpenBLAS threads only add synchronisation, which dominates on a busy machine."""
    try:
        module = importlib.import_module("threadpoolctl")
    except ImportError:  # pragma: no cover - scikit-learn brings it
        return contextlib.nullcontext()
    limits: contextlib.AbstractContextManager[Any] = module.threadpool_limits(
        limits=1, user_api="blas"
    )
    return limits


@dataclass(frozen=True, slots=True)
class _Solution:
    params: dict[str, float]
    standard_errors: dict[str, float]
    log_likelihood: float
    success: bool
    status: int
    message: str
    nit: int


def maximize(
    objective: Objective,
    start: FloatArray,
    names: tuple[str, ...],
    n_customers: float,
    *,
    method: object,
    options: Mapping[str, Any] | None,
    hessian_step: float = 1e-5,
) -> _Solution:
    """Maximise a log-likelihood over log-parameters.

    ``objective`` returns the *mean* negative log-likelihood per customer (so that the
    tolerances do not depend on the number of customers) and its gradient in
    log-parameters.  Standard errors come from the observed information (the inverse
    Hessian of the total negative log-likelihood, by the delta method from log to natural
    parameters); they are NaN when that Hessian is not positive definite.
    ``hessian_step`` is the difference step in log-parameters: small for an analytic
    gradient, larger (1e-3) for a gradient that is itself a finite difference.
    """
    chosen = check_choice(method, "method", _METHODS)
    opts = check_options(options, {"maxiter": 1000, "tol": 1e-10}, method=chosen)
    with _one_blas_thread():
        return _maximize(objective, start, names, n_customers, chosen, opts, hessian_step)


def _maximize(
    objective: Objective,
    start: FloatArray,
    names: tuple[str, ...],
    n_customers: float,
    chosen: str,
    opts: dict[str, Any],
    hessian_step: float,
) -> _Solution:
    maxiter = int(opts["maxiter"])
    tol = float(opts["tol"])
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * start.size
    if chosen == "l-bfgs-b":
        res = optimize.minimize(
            objective,
            start,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": maxiter, "ftol": tol, "gtol": 1e-9 * max(tol / 1e-10, 1.0)},
        )
    else:

        def value_only(p: Any) -> float:
            return objective(np.asarray(p, dtype=np.float64))[0]

        res = optimize.minimize(
            value_only,
            start,
            method="Nelder-Mead",
            bounds=bounds,
            options={"maxiter": maxiter, "xatol": 1e-9, "fatol": tol, "adaptive": True},
        )
    phi = np.asarray(res.x, dtype=np.float64)
    value, grad = objective(phi)
    if not math.isfinite(value):
        raise SolverError(
            "The log-likelihood is not finite at the optimiser's answer "
            f"({dict(zip(names, np.exp(phi).tolist(), strict=True))}); check the data "
            "(units of recency and T, outliers) or give other starting values."
        )
    theta = np.exp(phi)
    success = bool(res.success)
    status = int(res.status)
    message = str(res.message)
    # within 1% of the box's edge: the optimiser often stops just short of it when the
    # likelihood keeps rising towards it (a parameter the data do not identify)
    at_bound = np.abs(phi) >= _LOG_BOUND - 0.01
    if at_bound.any():
        success = False
        status = 9
        stuck = ", ".join(n for n, b in zip(names, at_bound, strict=True) if b)
        message = (
            f"{stuck} reached the bound of the search box (e^-12 to e^12): the data do not "
            "identify the model (for example no repeat purchases, or no drop-out)."
        )
    ses = np.full(start.size, np.nan)
    try:
        info = _observed_information(objective, phi, n_customers, hessian_step)
        cov = np.linalg.inv(info)
        var = np.diag(cov)
        if np.all(np.isfinite(var)) and np.all(var > 0) and np.all(np.linalg.eigvalsh(info) > 0):
            ses = theta * np.sqrt(var)
    except np.linalg.LinAlgError:  # pragma: no cover - singular information
        pass
    if success:
        success, status, message = _identified(names, theta, ses, success, status, message)
    del grad
    return _Solution(
        params=dict(zip(names, theta.tolist(), strict=True)),
        standard_errors=dict(zip(names, ses.tolist(), strict=True)),
        log_likelihood=-value * n_customers,
        success=success,
        status=status,
        message=message,
        nit=int(getattr(res, "nit", 0)),
    )


def _identified(
    names: tuple[str, ...],
    theta: FloatArray,
    ses: FloatArray,
    success: bool,
    status: int,
    message: str,
) -> tuple[bool, int, str]:
    """``(success, status, message)`` of a converged fit, turned into a failure (status
    10) when the data do not identify its parameters: the observed information is not
    positive definite (no standard errors), or a parameter's standard error exceeds
    ``_MAX_LOG_SE`` times its value (the standard error of its log: a 95% interval
    wider than a factor e^40).  On such data the likelihood keeps rising along a
    ridge towards infinite parameters and the optimiser stops somewhere on it (one
    customer: r = 17,433 and alpha = 109,387, "converged")."""
    if not np.all(np.isfinite(ses)):
        return (
            False,
            10,
            (
                "the observed information is not positive definite at the optimum: the "
                "likelihood is flat along some direction, so the data do not identify the "
                "parameters (too few customers or repeat buyers); fit more customers, or pool "
                "segments."
            ),
        )
    log_se = ses / theta
    if log_se.max() > _MAX_LOG_SE:
        worst = int(np.argmax(log_se))
        return (
            False,
            10,
            (
                f"{names[worst]} has a standard error {log_se[worst]:.3g} times its value: the "
                "data do not identify it (the likelihood rises along a ridge towards infinite "
                "parameters); fit more customers, or pool segments."
            ),
        )
    return success, status, message


@dataclass(frozen=True, slots=True)
class ModelFit:
    """What every fitted customer model holds: the maximum-likelihood parameters with
    their standard errors and the optimiser's report (see :class:`BGNBDFit`,
    :class:`ParetoNBDFit` and :class:`GammaGammaFit` for the models).

    Attributes
    ----------
    params : mapping of str to float
        The maximum-likelihood parameters (read-only mapping).
    standard_errors : mapping of str to float
        Their standard errors from the observed information (NaN when the Hessian at
        the optimum is not positive definite).
    log_likelihood : float
        The maximised log-likelihood (natural log, summed over customers).
    n_customers : int
        Customers in the fit.
    success : bool
        Whether the optimiser converged inside the parameter box to parameters the data
        identify (a positive definite observed information, and no standard error over
        10 times its parameter).
    status : int
        The optimiser's status code (9: a parameter at, or within 1% of, the box's
        bound; 10: the parameters are not identified, see ``success``).
    message : str
        The optimiser's message, or what to change when ``success`` is False.
    nit : int
        Optimiser iterations.
    method : str
        The optimiser used.
    """

    params: Mapping[str, float]
    standard_errors: Mapping[str, float]
    log_likelihood: float
    n_customers: int
    success: bool
    status: int
    message: str
    nit: int
    method: str

    #: model name shown by summary()
    _title = "customer model"

    @classmethod
    def _from_solution(cls, sol: _Solution, n_customers: int, method: str) -> Any:
        return cls(
            params=types.MappingProxyType(dict(sol.params)),
            standard_errors=types.MappingProxyType(dict(sol.standard_errors)),
            log_likelihood=sol.log_likelihood,
            n_customers=n_customers,
            success=sol.success,
            status=sol.status,
            message=sol.message,
            nit=sol.nit,
            method=method,
        )

    def _param(self, name: str) -> float:
        return float(self.params[name])

    def summary(self) -> str:
        """The parameters with their standard errors, the log-likelihood and the status."""
        lines = [
            f"{self._title} fitted by maximum likelihood on "
            f"{counted(self.n_customers, 'customer')} "
            f"({self.method}, {self.nit} iterations, "
            f"{'converged' if self.success else 'NOT converged: ' + self.message})",
            f"  log-likelihood {self.log_likelihood:.4f}",
        ]
        for name, value in self.params.items():
            se = self.standard_errors[name]
            shown = f"(se {se:.4g})" if math.isfinite(se) else "(se not available)"
            lines.append(f"  {name:>6} = {value:.6g} {shown}")
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per parameter: ``parameter``, ``estimate``, ``standard_error``
        (needs pandas)."""
        pd = require_pandas(f"{type(self).__name__}.to_frame()")
        return pd.DataFrame(
            {
                "parameter": list(self.params),
                "estimate": [float(v) for v in self.params.values()],
                "standard_error": [float(self.standard_errors[k]) for k in self.params],
            }
        )


def check_params(
    params: Mapping[str, float] | None, names: tuple[str, ...], what: str
) -> tuple[float, ...]:
    """Positive finite model parameters from a mapping with exactly ``names``."""
    if not isinstance(params, Mapping) or set(params) != set(names):
        raise InvalidInputError(
            f"`{what}` must be a mapping with the keys {', '.join(names)}. Got "
            f"{short_repr(params)} instead."
        )
    values = []
    for name in names:
        value = params[name]
        ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(
            value, bool
        )
        if not ok or not math.isfinite(float(value)) or float(value) <= 0:
            raise InvalidInputError(
                f"`{what}['{name}']` must be a finite number > 0. Got {short_repr(value)} instead."
            )
        values.append(float(value))
    return tuple(values)


def prediction_inputs(
    frequency: object, recency: object, T: object
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The (x, t_x, T) summary of the customers to predict for, broadcast to one 1-D
    length (scalars allowed; ``T == 0`` allowed, a customer acquired just now)."""
    parts = [np.atleast_1d(np.asarray(v, dtype=object)) for v in (frequency, recency, T)]
    try:
        shape = np.broadcast_shapes(*(p.shape for p in parts))
    except ValueError:
        raise InvalidInputError(
            "`frequency`, `recency` and `T` must be scalars or arrays of one length. Got "
            f"shapes {', '.join(str(p.shape) for p in parts)} instead."
        ) from None
    if len(shape) != 1:
        raise InvalidInputError(
            f"`frequency`, `recency` and `T` must be 1-dimensional. Got shape {shape} instead."
        )
    x, t_x, big_t = (np.broadcast_to(np.asarray(v, dtype=object), shape) for v in parts)
    return check_summary(x, t_x, big_t, allow_zero_T=True)


def check_horizon(t: object, name: str = "t") -> FloatArray:
    """A horizon length (scalar or 1-D array), each >= 0 and finite."""
    array = as_float_array(np.atleast_1d(np.asarray(t, dtype=object)), name, nonnegative=True)
    return array


def check_weights(weights: object, n: int) -> FloatArray:
    """Per-row customer counts: None (1 each) or positive numbers, one per row."""
    if weights is None:
        return np.ones(n)
    w = as_float_array(weights, "weights", ndim=1, nonnegative=True)
    if w.size != n:
        raise InvalidInputError(
            f"`weights` must have one entry per customer ({n}). Got {w.size} instead."
        )
    if not (w > 0).all():
        at = int(np.argmax(w <= 0))
        raise InvalidInputError(
            f"`weights` must be > 0. Got {float(w[at])!r} at index {at} instead."
        )
    return w


def wdot(weight: FloatArray, values: FloatArray) -> float:
    """``weight @ values`` by einsum (no BLAS threads: faster for one long vector on a
    busy machine, and the same summation order every run)."""
    return float(np.einsum("i,i->", weight, values))
