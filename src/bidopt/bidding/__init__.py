"""CPC bid optimisation under a budget, CPC caps and target CPA / ROAS."""

from bidopt.bidding._crowds import (
    CROWD_OBJECTIVES,
    PREMIUM_RANGE,
    CrowdObjective,
    optimize_crowd_bids,
)
from bidopt.bidding._crowds_plan import CrowdBidPlan
from bidopt.bidding._frontier import BudgetForTarget, Frontier, bid_frontier, budget_for_target
from bidopt.bidding._linear import LinearThreshold, linear_threshold
from bidopt.bidding._optimize import METHODS, Method, optimize_bids
from bidopt.bidding._plan import BidPlan
from bidopt.bidding._ranges import PlanRanges

__all__ = [
    "CROWD_OBJECTIVES",
    "METHODS",
    "PREMIUM_RANGE",
    "BidPlan",
    "BudgetForTarget",
    "CrowdBidPlan",
    "CrowdObjective",
    "Frontier",
    "LinearThreshold",
    "Method",
    "PlanRanges",
    "bid_frontier",
    "budget_for_target",
    "linear_threshold",
    "optimize_bids",
    "optimize_crowd_bids",
]
