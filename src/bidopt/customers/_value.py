"""Customer lifetime value: a purchase model's discounted expected purchases times a
spend model's expected value per purchase, per customer and per segment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bidopt._optional import require_pandas
from bidopt._validation import as_float_array, check_scalar, missing_mask, short_repr
from bidopt.customers._bgnbd import PurchaseModelFit
from bidopt.customers._fit import prediction_inputs
from bidopt.customers._gamma_gamma import GammaGammaFit
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray, IntArray, ObjectArray

__all__ = ["CustomerValue", "SegmentValue", "customer_value"]


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
    """

    segment: ObjectArray
    n_customers: IntArray
    value_per_customer: FloatArray
    purchases_per_customer: FloatArray
    first_value_per_customer: FloatArray
    lifetime_value_per_order: FloatArray
    value_multiplier: FloatArray

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
            lines.append(
                f"  {name}: {int(self.n_customers[i]):,} customers, future value "
                f"{self.value_per_customer[i]:.4g} per customer, lifetime value per order "
                f"{self.lifetime_value_per_order[i]:.4g} (x{self.value_multiplier[i]:.3g} the "
                "first basket)"
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
            f"per unit) for {len(self):,} customers: {self.value.sum():,.2f} in all, "
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
        raw = np.asarray(labels, dtype=object)
        if raw.ndim != 1 or raw.size != len(self):
            raise InvalidInputError(
                f"`labels` must be a 1-dimensional array with one label per customer "
                f"({len(self)}). Got shape {raw.shape} instead."
            )
        if missing_mask(raw).any():
            at = int(np.argmax(missing_mask(raw)))
            raise InvalidInputError(
                f"`labels` must have a label for every customer. Got {raw[at]!r} at index "
                f"{at} instead."
            )
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
    """
    if not isinstance(purchases, PurchaseModelFit):
        raise InvalidInputError(
            "`purchases` must be a fitted purchase model (from fit_bgnbd or fit_pareto_nbd). "
            f"Got {short_repr(purchases)} instead."
        )
    length = check_scalar(horizon, "horizon", lower=0, lower_inclusive=False)
    rate = check_scalar(discount_rate, "discount_rate", lower=0)
    x, t_x, big_t = prediction_inputs(frequency, recency, T)
    if isinstance(spend, GammaGammaFit):
        z = np.broadcast_to(np.atleast_1d(np.asarray(monetary_value, dtype=object)), x.shape).copy()
        per_purchase = spend.expected_spend(x, z)
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
