"""Replaying bid strategies on historical auction logs: the replay engine, the
baselines of the literature, and bidopt's budget-optimal linear bid paced over a log
(:func:`paced_replay`, which drives a :class:`bidopt.pacing.BudgetPacer`).

The pacer, its controllers, the open-loop multiplier and the spend plans live in
:mod:`bidopt.pacing`; ``bidopt.replay.BudgetPacer``, ``open_loop_multiplier`` and
``spend_plan`` still work for one release, with a ``DeprecationWarning``.
"""

from typing import Any

from bidopt.replay._deprecated import MOVED, moved
from bidopt.replay._engine import ReplayResult, replay, won_auctions
from bidopt.replay._paced import PacedResult, paced_replay
from bidopt.replay._strategies import BASELINES, Baseline, baseline_bids

__all__ = [
    "BASELINES",
    "Baseline",
    "PacedResult",
    "ReplayResult",
    "baseline_bids",
    "paced_replay",
    "replay",
    "won_auctions",
]


def __getattr__(name: str) -> Any:
    if name in MOVED:
        return moved(name)
    raise AttributeError(f"module 'bidopt.replay' has no attribute {name!r}")
