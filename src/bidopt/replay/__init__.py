"""Replaying bid strategies on historical auction logs, with the baselines of the
literature, and bidopt's budget-optimal linear bid, open loop or paced (and the pacer
alone, for a live campaign)."""

from bidopt.replay._engine import ReplayResult, replay, won_auctions
from bidopt.replay._pacer import BudgetPacer
from bidopt.replay._pacing import PacedResult, open_loop_multiplier, paced_replay
from bidopt.replay._plan import spend_plan
from bidopt.replay._strategies import BASELINES, Baseline, baseline_bids

__all__ = [
    "BASELINES",
    "Baseline",
    "BudgetPacer",
    "PacedResult",
    "ReplayResult",
    "baseline_bids",
    "open_loop_multiplier",
    "paced_replay",
    "replay",
    "spend_plan",
    "won_auctions",
]
