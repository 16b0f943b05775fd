"""CPC bid optimisation under a budget, CPC caps and target CPA / ROAS."""

from bidopt.bidding._frontier import BudgetForTarget, Frontier, bid_frontier, budget_for_target
from bidopt.bidding._optimize import METHODS, Method, optimize_bids
from bidopt.bidding._plan import BidPlan

__all__ = [
    "METHODS",
    "BidPlan",
    "BudgetForTarget",
    "Frontier",
    "Method",
    "bid_frontier",
    "budget_for_target",
    "optimize_bids",
]
