"""CPC bid optimisation under a budget, CPC caps and target CPA / ROAS."""

from bidopt.bidding._optimize import METHODS, Method, optimize_bids
from bidopt.bidding._plan import BidPlan

__all__ = ["METHODS", "BidPlan", "Method", "optimize_bids"]
