"""Customer lifetime value: a purchase model's discounted expected purchases times a
spend model's expected value per purchase, per customer and per segment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bidopt._optional import require_pandas
from bidopt._validation import (
    as_float_array,
    check_instance,
    check_scalar,
    missing_mask,
)
from bidopt._wording import counted
from bidopt.customers._bgnbd import PurchaseModelFit, fit_bgnbd
from bidopt.customers._fit import check_fit_summary, prediction_inputs
from bidopt.customers._gamma_gamma import GammaGammaFit, fit_gamma_gamma
from bidopt.exceptions import InvalidInputError
from bidopt.typing import BoolArray, FloatArray, IntArray, ObjectArray

__all__ = ["CustomerValue", "SegmentValue", "customer_value", "value_per_order"]


# what summary() says for each basis, in plain words
_BASIS_WORDS = {
    "pooled fit": (
        "pooled fit: too few customers or repeat buyers, or the segment's own fit failed, "
        "so this segment takes the models fitted on every customer"
    ),
    "segment fit": "segment fit: models fitted on this segment's customers alone",
    "customers": "the mean prediction for the segment's existing customers",
}


@dataclass(frozen=True, slots=True, eq=False)
class SegmentValue:
    """Customer value summed up by segment (an RFM segment, a crowd, a channel).

    Attributes
    ----------
    segment : ndarray of object, shape (n_segments,)
        Segment labels, sorted.
    n_customers : ndarray of int64, shape (n_segments,)
    value_per_customer : ndarray of float64, shape (n_segments,)
        Mean discounted future value per customer (money units).
    purchases_per_customer : ndarray of float64, shape (n_segments,)
        Mean expected purchases in the horizon (undiscounted).
    first_value_per_customer : ndarray of float64, shape (n_segments,)
        Mean first-basket value (0 when no first values were given).
    lifetime_value_per_order : ndarray of float64, shape (n_segments,)
        ``first_value_per_customer + value_per_customer``: what an order that brings a
        customer like these is worth over the horizon, the first basket included.
    value_multiplier : ndarray of float64, shape (n_segments,)
        ``lifetime_value_per_order / first_value_per_customer`` (NaN without first
        values): the factor by which lifetime-value bidding scales a first-basket value.
    basis : ndarray of object, shape (n_segments,)
        Where the future value comes from: ``"customers"`` (the mean prediction for the
        segment's existing customers, :meth:`CustomerValue.by_segment`), ``"segment
        fit"`` (a new customer under models fitted on the segment alone,
        :func:`value_per_order`) or ``"pooled fit"`` (a new customer under the models
        fitted on every customer, for a segment too small to fit alone).
    """

    segment: ObjectArray
    n_customers: IntArray
    value_per_customer: FloatArray
    purchases_per_customer: FloatArray
    first_value_per_customer: FloatArray
    lifetime_value_per_order: FloatArray
    value_multiplier: FloatArray
    basis: ObjectArray

    def as_dict(self) -> dict[str, float]:
        """Segment label -> lifetime value per order."""
        return {
            str(k): float(v)
            for k, v in zip(self.segment, self.lifetime_value_per_order, strict=True)
        }

    def summary(self) -> str:
        """One line per segment."""
        lines = ["Customer value by segment:"]
        for i, name in enumerate(self.segment):
            # without first baskets the multiplier is NaN: not printed as 'xnan'
            times = self.value_multiplier[i]
            per = "" if np.isnan(times) else f"x{times:.3g} the first basket; "
            # a fitted basis values a customer acquired now, not the segment's own
            who = "customer" if str(self.basis[i]) == "customers" else "new customer"
            lines.append(
                f"  {name}: {counted(int(self.n_customers[i]), 'customer')}, future value "
                f"{self.value_per_customer[i]:.4g} per {who}, lifetime value per order "
                f"{self.lifetime_value_per_order[i]:.4g} ({per}"
                f"{_BASIS_WORDS.get(str(self.basis[i]), self.basis[i])})"
            )
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per segment (needs pandas)."""
        pd = require_pandas("SegmentValue.to_frame()")
        return pd.DataFrame(
            {
                "segment": self.segment,
                "n_customers": self.n_customers,
                "value_per_customer": self.value_per_customer,
                "purchases_per_customer": self.purchases_per_customer,
                "first_value_per_customer": self.first_value_per_customer,
                "lifetime_value_per_order": self.lifetime_value_per_order,
                "value_multiplier": self.value_multiplier,
                "basis": self.basis,
            }
        )


@dataclass(frozen=True, slots=True, eq=False)
class CustomerValue:
    """Predicted future value of each customer over a horizon.

    Attributes
    ----------
    expected_purchases : ndarray of float64, shape (n_customers,)
        Expected purchases in the horizon (undiscounted).
    discounted_purchases : ndarray of float64, shape (n_customers,)
        The same, each purchase discounted to today.
    expected_spend : ndarray of float64, shape (n_customers,)
        Expected value per future purchase (money units).
    value : ndarray of float64, shape (n_customers,)
        ``discounted_purchases * expected_spend``: the discounted expected customer
        value over the horizon, future purchases only (money units).
    probability_alive : ndarray of float64, shape (n_customers,)
    horizon : float
        In the purchase model's time unit.
    discount_rate : float
        Per time unit.
    """

    expected_purchases: FloatArray
    discounted_purchases: FloatArray
    expected_spend: FloatArray
    value: FloatArray
    probability_alive: FloatArray
    horizon: float
    discount_rate: float

    def __len__(self) -> int:
        return int(self.value.size)

    def summary(self) -> str:
        """Totals and means over the customers."""
        return (
            f"Customer value over {self.horizon:g} time units (discount {self.discount_rate:g} "
            f"per unit) for {counted(len(self), 'customer')}: {self.value.sum():,.2f} in all, "
            f"{self.value.mean():.4g} per customer; {self.expected_purchases.sum():,.1f} "
            f"expected purchases; mean P(alive) {self.probability_alive.mean():.3f}."
        )

    def to_frame(self) -> Any:
        """One row per customer (needs pandas)."""
        pd = require_pandas("CustomerValue.to_frame()")
        return pd.DataFrame(
            {
                "expected_purchases": self.expected_purchases,
                "discounted_purchases": self.discounted_purchases,
                "expected_spend": self.expected_spend,
                "value": self.value,
                "probability_alive": self.probability_alive,
            }
        )

    def by_segment(self, labels: object, first_value: object = None) -> SegmentValue:
        """Sum the customers up by segment.

        Parameters
        ----------
        labels : array-like of shape (n_customers,)
            Each customer's segment (an RFM segment name, a crowd id); no missing
            labels.
        first_value : array-like of shape (n_customers,), optional
            Each customer's first-basket value (money units, >= 0), for the lifetime
            value per order and the multiplier; default none (0 and NaN).

        Returns
        -------
        SegmentValue
        """
        raw = _labels(labels, len(self))
        if first_value is None:
            first = np.zeros(len(self))
        else:
            first = as_float_array(first_value, "first_value", nonnegative=True)
            if first.size != len(self):
                raise InvalidInputError(
                    f"`first_value` must have one entry per customer ({len(self)}). Got "
                    f"{first.size} instead."
                )
        names, code = np.unique(raw.astype(str), return_inverse=True)
        counts = np.bincount(code, minlength=names.size)

        def mean(values: FloatArray) -> FloatArray:
            out: FloatArray = np.bincount(code, weights=values, minlength=names.size) / counts
            return out

        future = mean(self.value)
        basket = mean(first)
        lifetime = basket + future
        with np.errstate(divide="ignore", invalid="ignore"):
            multiplier = np.where(basket > 0, lifetime / np.where(basket > 0, basket, 1), np.nan)
        segment: ObjectArray = names.astype(object)
        return SegmentValue(
            segment=segment,
            n_customers=counts.astype(np.int64),
            value_per_customer=future,
            purchases_per_customer=mean(self.expected_purchases),
            first_value_per_customer=basket,
            lifetime_value_per_order=lifetime,
            value_multiplier=multiplier,
            basis=np.full(names.size, "customers", dtype=object),
        )


def customer_value(
    purchases: PurchaseModelFit,
    spend: GammaGammaFit | float,
    frequency: object = 0,
    recency: object = 0,
    T: object = 0,
    monetary_value: object = 0,
    *,
    horizon: float,
    discount_rate: float = 0.0,
    step: float = 1.0,
) -> CustomerValue:
    """Discounted expected customer value over a horizon.

    ``value = discounted expected purchases (purchase model) x expected value per
    purchase (spend model)``.  The product assumes that spend per purchase is
    independent of the purchase process (the Gamma-Gamma model's assumption).  With the
    history defaults (all 0) every row is a customer acquired just now, whose value is
    what a new customer's first order brings on top of its own basket.

    Parameters
    ----------
    purchases : BGNBDFit or ParetoNBDFit
        The fitted purchase-count model.
    spend : GammaGammaFit or float
        The fitted spend model, or a fixed value per purchase (money units, >= 0).
    frequency, recency, T : float or array of shape (n_customers,)
        Calibration summaries, in the purchase model's time unit.
    monetary_value : float or array of shape (n_customers,)
        Mean value of the repeat purchases (used by a Gamma-Gamma spend model).
    horizon : float
        Horizon length in the purchase model's time unit (> 0): 52 for a year of weeks.
    discount_rate : float, default 0.0
        Discount rate per time unit (>= 0): about 0.0018 per week for 10% a year.
    step : float, default 1.0
        Discounting grid step (see :meth:`PurchaseModelFit.discounted_purchases`).

    Returns
    -------
    CustomerValue

    Raises
    ------
    InvalidInputError
        When a fit did not converge (``success=False``), or the Gamma-Gamma fit has
        ``q <= 1`` and a customer has no repeat purchases (an infinite value).
    """
    check_instance(
        purchases,
        "purchases",
        PurchaseModelFit,
        "a fitted purchase model (from fit_bgnbd or fit_pareto_nbd)",
    )
    length = check_scalar(horizon, "horizon", lower=0, lower_inclusive=False)
    rate = check_scalar(discount_rate, "discount_rate", lower=0)
    x, t_x, big_t = prediction_inputs(frequency, recency, T)
    problem = _fit_problem(purchases, "purchases")
    if problem is not None:
        raise InvalidInputError(problem)
    if isinstance(spend, GammaGammaFit):
        problem = _fit_problem(spend, "spend", new_customers=bool((x == 0).any()))
        if problem is not None:
            raise InvalidInputError(problem)
        z = np.atleast_1d(np.asarray(monetary_value, dtype=object))
        if z.ndim != 1 or z.size not in (1, x.size):
            raise InvalidInputError(
                f"`monetary_value` must be a number or an array with one entry per customer "
                f"({x.size}). Got shape {z.shape} instead."
            )
        per_purchase = spend.expected_spend(x, np.broadcast_to(z, x.shape))
    else:
        constant = check_scalar(spend, "spend", lower=0)
        per_purchase = np.full(x.size, constant)
    expected = purchases.expected_purchases(length, x, t_x, big_t)
    discounted = purchases.discounted_purchases(
        length, x, t_x, big_t, discount_rate=rate, step=step
    )
    return CustomerValue(
        expected_purchases=expected,
        discounted_purchases=discounted,
        expected_spend=per_purchase,
        value=discounted * per_purchase,
        probability_alive=purchases.probability_alive(x, t_x, big_t),
        horizon=length,
        discount_rate=rate,
    )


def _fit_problem(
    fit: PurchaseModelFit | GammaGammaFit, name: str, *, new_customers: bool = True
) -> str | None:
    """Why ``fit`` cannot value customers (an error message), or None when it can.

    A fit that did not converge is refused; so is a Gamma-Gamma fit with ``q <= 1``
    when it must value a customer without repeat purchases (its mean value per purchase
    ``p gamma / (q - 1)`` is then infinite).
    """
    if not fit.success:
        return (
            f"`{name}` must be a converged fit. Got a {fit._title} fit with success=False "
            f"instead ({fit.message.rstrip('.')}); check the data and the time unit, or "
            "pass a fixed value per purchase."
        )
    if isinstance(fit, GammaGammaFit) and new_customers and fit.params["q"] <= 1:
        return (
            f"`{name}` must be a Gamma-Gamma fit with q > 1 to value customers without "
            f"repeat purchases (its mean value per purchase p gamma / (q - 1) is infinite "
            f"otherwise). Got q = {fit.params['q']:.4g} instead; the basket values are too "
            "heavy-tailed for the model: cap outliers or pass a fixed value per purchase."
        )
    return None


def _labels(labels: object, n: int) -> ObjectArray:
    raw = np.asarray(labels, dtype=object)
    if raw.ndim != 1 or raw.size != n:
        raise InvalidInputError(
            f"`labels` must be a 1-dimensional array with one label per customer ({n}). "
            f"Got shape {raw.shape} instead."
        )
    if missing_mask(raw).any():
        at = int(np.argmax(missing_mask(raw)))
        raise InvalidInputError(
            f"`labels` must have a label for every customer. Got {raw[at]!r} at index {at} instead."
        )
    out: ObjectArray = raw.astype(str).astype(object)
    return out


def value_per_order(
    frequency: object,
    recency: object,
    T: object,
    monetary_value: object,
    first_value: object,
    labels: object,
    *,
    horizon: float,
    discount_rate: float = 0.0,
    step: float = 1.0,
    min_customers: int = 500,
    min_repeat_buyers: int = 50,
) -> SegmentValue:
    """Lifetime value of an order that brings in a new customer, by segment (crowd).

    For each segment, a BG/NBD and a Gamma-Gamma model are fitted on its customers
    alone; a new customer's discounted expected future value is the BG/NBD expectation
    for a customer acquired now (``frequency = recency = T = 0``) times the Gamma-Gamma
    population mean per purchase ``p gamma / (q - 1)``.  The lifetime value per order
    adds the segment's mean first basket; the multiplier divides it by that basket: the
    factor by which value bidding scales an order's first-basket value for the segment.
    A segment with fewer than ``min_customers`` customers or ``min_repeat_buyers``
    repeat buyers, or whose fits do not converge (or give ``q <= 1``), takes the models
    fitted on every customer (``basis`` says which).

    Parameters
    ----------
    frequency, recency, T : array-like of shape (n_customers,)
        Calibration summaries (see :func:`rfm_table`), in one time unit.
    monetary_value : array-like of shape (n_customers,)
        Mean value of the repeat purchases (money units).
    first_value : array-like of shape (n_customers,)
        First-basket value of each customer (money units, >= 0).
    labels : array-like of shape (n_customers,)
        Each customer's segment or crowd (the one known when the first order is bid for).
    horizon : float
        In the summaries' time unit (> 0).
    discount_rate : float, default 0.0
        Per time unit (>= 0).
    step : float, default 1.0
        Discounting grid step.
    min_customers, min_repeat_buyers : int, default 500 and 50
        The smallest segment fitted alone.

    Returns
    -------
    SegmentValue
        ``value_per_customer`` and ``purchases_per_customer`` are those of a new
        customer of the segment.
    """
    x, t_x, big_t = check_fit_summary(frequency, recency, T)
    n = x.size
    z = as_float_array(monetary_value, "monetary_value", nonnegative=True)
    first = as_float_array(first_value, "first_value", nonnegative=True)
    for name, array in (("monetary_value", z), ("first_value", first)):
        if array.size != n:
            raise InvalidInputError(
                f"`{name}` must have one entry per customer ({n}). Got {array.size} instead."
            )
    names, code = np.unique(_labels(labels, n).astype(str), return_inverse=True)
    length = check_scalar(horizon, "horizon", lower=0, lower_inclusive=False)
    rate = check_scalar(discount_rate, "discount_rate", lower=0)
    least = int(check_scalar(min_customers, "min_customers", lower=1, integer=True))
    least_repeat = int(check_scalar(min_repeat_buyers, "min_repeat_buyers", lower=1, integer=True))

    def new_customer(rows: BoolArray) -> tuple[float, float] | None:
        purchases = fit_bgnbd(x[rows], t_x[rows], big_t[rows])
        spend = fit_gamma_gamma(x[rows], z[rows])
        if _fit_problem(purchases, "purchases") or _fit_problem(spend, "spend"):
            return None
        future = purchases.discounted_purchases(length, discount_rate=rate, step=step)[0]
        count = purchases.expected_purchases(length)[0]
        return float(future * spend.expected_spend()[0]), float(count)

    pooled = new_customer(np.ones(n, dtype=bool))
    if pooled is None:
        raise InvalidInputError(
            "`frequency` and `monetary_value` must identify the purchase and spend models on "
            "all customers together (both fits converged with q > 1). Got fits that did "
            "not instead; check the data and the time unit."
        )
    k = names.size
    value = np.empty(k)
    count = np.empty(k)
    basis = np.empty(k, dtype=object)
    for i in range(k):  # a loop over segments (a handful), each fit vectorised
        rows = code == i
        own = None
        if rows.sum() >= least and (x[rows] > 0).sum() >= least_repeat:
            own = new_customer(rows)
        value[i], count[i] = own if own is not None else pooled
        basis[i] = "segment fit" if own is not None else "pooled fit"
    sizes = np.bincount(code, minlength=k)
    basket = np.bincount(code, weights=first, minlength=k) / sizes
    lifetime = basket + value
    with np.errstate(divide="ignore", invalid="ignore"):
        multiplier = np.where(basket > 0, lifetime / np.where(basket > 0, basket, 1), np.nan)
    segment: ObjectArray = names.astype(object)
    return SegmentValue(
        segment=segment,
        n_customers=sizes.astype(np.int64),
        value_per_customer=value,
        purchases_per_customer=count,
        first_value_per_customer=basket,
        lifetime_value_per_order=lifetime,
        value_multiplier=multiplier,
        basis=basis,
    )
