"""Customer value: RFM tables and segments, buy-till-you-die models and lifetime value.

- :func:`rfm_table` summarises an order log per customer (frequency, recency, age ``T``,
  monetary value, with a calibration/holdout split); :func:`rfm_segments` scores it
  into quantile codes and named segments.
- :func:`fit_bgnbd` (BG/NBD) and :func:`fit_pareto_nbd` (Pareto/NBD) fit purchase-count
  models by maximum likelihood; :func:`fit_gamma_gamma` fits the Gamma-Gamma spend
  model.  The fits predict expected purchases, the probability that a customer is
  alive and the expected value per purchase.
- :func:`customer_value` combines them into the discounted expected value of each
  customer over a horizon, and :meth:`CustomerValue.by_segment` into the lifetime value
  per order of each segment or crowd, what value bidding uses instead of the first
  basket; :func:`value_per_order` gives a new customer's lifetime value per order by
  segment or crowd (models fitted per segment).
- :func:`simulate_customers` draws BG/NBD and Gamma-Gamma customers with their truth.
"""

from bidopt.customers._bgnbd import BGNBDFit, PurchaseModelFit, fit_bgnbd
from bidopt.customers._fit import ModelFit
from bidopt.customers._gamma_gamma import GammaGammaFit, fit_gamma_gamma
from bidopt.customers._pareto import ParetoNBDFit, fit_pareto_nbd
from bidopt.customers._rfm import SEGMENT_NAMES, RFMSegments, RFMTable, rfm_segments, rfm_table
from bidopt.customers._simulate import SimulatedCustomers, simulate_customers
from bidopt.customers._value import CustomerValue, SegmentValue, customer_value, value_per_order

__all__ = [
    "SEGMENT_NAMES",
    "BGNBDFit",
    "CustomerValue",
    "GammaGammaFit",
    "ModelFit",
    "ParetoNBDFit",
    "PurchaseModelFit",
    "RFMSegments",
    "RFMTable",
    "SegmentValue",
    "SimulatedCustomers",
    "customer_value",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "fit_pareto_nbd",
    "rfm_segments",
    "rfm_table",
    "simulate_customers",
    "value_per_order",
]
