"""CPC bid optimisation under a budget, CPC caps and target CPA / ROAS."""

from bidopt.bidding._frontier import BudgetForTarget, Frontier, bid_frontier, budget_for_target
from bidopt.bidding._linear import LinearThreshold, linear_threshold
from bidopt.bidding._optimize import METHODS, Method, optimize_bids
from bidopt.bidding._plan import BidPlan

__all__ = [
    "METHODS",
    "BidPlan",
    "BudgetForTarget",
    "Frontier",
    "LinearThreshold",
    "Method",
    "bid_frontier",
    "budget_for_target",
    "linear_threshold",
    "optimize_bids",
]
