"""A seeded simulator of BG/NBD purchase counts with Gamma-Gamma spend, with truth."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from bidopt._optional import require_pandas
from bidopt._validation import as_float_array, check_random_state, check_scalar, short_repr
from bidopt._wording import counted
from bidopt.customers._fit import check_params
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray, RandomState

__all__ = ["SimulatedCustomers", "simulate_customers"]


@dataclass(frozen=True, slots=True, eq=False)
class SimulatedCustomers:
    """Simulated customers: their calibration summary, holdout outcome and truth.

    Attributes
    ----------
    frequency, recency, T : ndarray of float64, shape (n_customers,)
        The calibration summary (time in the unit of the parameters).
    monetary_value : ndarray of float64, shape (n_customers,)
        Mean value of the calibration repeat purchases (0 without); all 0 when no spend
        parameters were given.
    frequency_holdout : ndarray of float64, shape (n_customers,)
        Purchases in the holdout ``(T, T + holdout]``.
    value_holdout : ndarray of float64, shape (n_customers,)
        Value of those purchases (money units).
    purchase_rate : ndarray of float64, shape (n_customers,)
        True purchase rate ``lambda`` while active (per time unit).
    dropout_probability : ndarray of float64, shape (n_customers,)
        True drop-out probability ``p`` after each repeat purchase.
    alive : ndarray of bool, shape (n_customers,)
        Whether the customer is still active at ``T``.
    mean_spend : ndarray of float64, shape (n_customers,)
        True mean value per purchase ``p / nu`` (0 without spend parameters).
    holdout : float
    """

    frequency: FloatArray
    recency: FloatArray
    T: FloatArray
    monetary_value: FloatArray
    frequency_holdout: FloatArray
    value_holdout: FloatArray
    purchase_rate: FloatArray
    dropout_probability: FloatArray
    alive: np.ndarray[Any, np.dtype[np.bool_]]
    mean_spend: FloatArray
    holdout: float

    def __len__(self) -> int:
        return int(self.frequency.size)

    def summary(self) -> str:
        """Customers, repeat buyers, purchases and the share still active."""
        return (
            f"{counted(len(self), 'simulated customer')}: "
            f"{counted(int((self.frequency > 0).sum()), 'repeat buyer')}, "
            f"{counted(int(self.frequency.sum()), 'repeat purchase')}, "
            f"{self.alive.mean():.1%} still active at T; "
            f"{counted(int(self.frequency_holdout.sum()), 'purchase')} in the "
            f"{self.holdout:g}-unit "
            "holdout."
        )

    def to_frame(self) -> Any:
        """One row per customer (needs pandas)."""
        pd = require_pandas("SimulatedCustomers.to_frame()")
        columns = [f.name for f in fields(self) if f.name != "holdout"]
        return pd.DataFrame({name: getattr(self, name) for name in columns})


def simulate_customers(
    n_customers: int,
    *,
    purchase_params: Mapping[str, float],
    spend_params: Mapping[str, float] | None = None,
    T: object = 39.0,
    holdout: float = 0.0,
    rng: RandomState = None,
) -> SimulatedCustomers:
    """Simulate BG/NBD customers (and Gamma-Gamma spend) with a holdout period.

    Each customer draws ``lambda ~ Gamma(r, rate alpha)`` and ``p ~ Beta(a, b)``; while
    active, purchases arrive as a Poisson process of rate ``lambda``; after each repeat
    purchase the customer drops out with probability ``p``.  With ``spend_params``,
    ``nu ~ Gamma(q, rate gamma)`` and each purchase is worth ``Gamma(p, rate nu)``.
    Vectorised: the purchase count is ``min(J, N)`` with ``J`` geometric and ``N``
    Poisson, the last purchase time an order statistic of uniforms.

    Parameters
    ----------
    n_customers : int
        Customers to simulate (>= 1).
    purchase_params : mapping
        BG/NBD ``r``, ``alpha``, ``a``, ``b`` (> 0).
    spend_params : mapping, optional
        Gamma-Gamma ``p``, ``q``, ``gamma`` (> 0).
    T : float or array of shape (n_customers,), default 39.0
        Each customer's calibration length (> 0), in the unit of ``alpha``.
    holdout : float, default 0.0
        Length of the holdout period after ``T`` (>= 0).
    rng : int, numpy.random.Generator or None
        Seed or generator; the same seed gives the same customers.

    Returns
    -------
    SimulatedCustomers
    """
    n = int(check_scalar(n_customers, "n_customers", lower=1, integer=True))
    r, alpha, a, b = check_params(purchase_params, ("r", "alpha", "a", "b"), "purchase_params")
    spend = (
        None
        if spend_params is None
        else check_params(spend_params, ("p", "q", "gamma"), "spend_params")
    )
    lengths = as_float_array(np.atleast_1d(np.asarray(T, dtype=object)), "T")
    if lengths.ndim != 1 or lengths.size not in (1, n) or (lengths <= 0).any():
        raise InvalidInputError(
            f"`T` must be a number > 0 or an array of {counted(n, 'number')} > 0. Got "
            f"{short_repr(T)} instead."
        )
    big_t = np.broadcast_to(lengths, (n,)).copy()
    length = check_scalar(holdout, "holdout", lower=0)
    gen = check_random_state(rng)
    lam = gen.gamma(r, 1.0 / alpha, size=n)
    p = gen.beta(a, b, size=n)
    lives = gen.geometric(p).astype(np.float64)  # repeat purchases until drop-out, >= 1
    in_calibration = gen.poisson(lam * big_t).astype(np.float64)
    in_holdout = gen.poisson(lam * length).astype(np.float64)
    x = np.minimum(lives, in_calibration)
    # time of the x-th of N uniform arrivals on (0, T): T * Beta(x, N - x + 1)
    has = x > 0
    t_x = np.zeros(n)
    t_x[has] = big_t[has] * gen.beta(x[has], in_calibration[has] - x[has] + 1)
    future = np.minimum(lives, in_calibration + in_holdout) - x
    alive = lives > in_calibration
    monetary = np.zeros(n)
    value_holdout = np.zeros(n)
    mean_spend = np.zeros(n)
    if spend is not None:
        shape, q, gamma = spend
        nu = gen.gamma(q, 1.0 / gamma, size=n)
        mean_spend = shape / nu
        # the mean of x Gamma(shape, nu) values is Gamma(shape x, nu x)
        monetary[has] = gen.gamma(shape * x[has], 1.0 / (nu[has] * x[has]))
        bought = future > 0
        value_holdout[bought] = gen.gamma(shape * future[bought], 1.0 / nu[bought])
    return SimulatedCustomers(
        frequency=x,
        recency=t_x,
        T=big_t,
        monetary_value=monetary,
        frequency_holdout=future,
        value_holdout=value_holdout,
        purchase_rate=lam,
        dropout_probability=p,
        alive=alive,
        mean_spend=mean_spend,
        holdout=length,
    )
