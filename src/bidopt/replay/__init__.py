"""Replaying bid strategies on historical auction logs, with the baselines of the
literature.  (Pacing controllers and bidopt's own strategies are still to come.)"""

from bidopt.replay._engine import ReplayResult, replay
from bidopt.replay._strategies import BASELINES, Baseline, baseline_bids

__all__ = ["BASELINES", "Baseline", "ReplayResult", "baseline_bids", "replay"]
