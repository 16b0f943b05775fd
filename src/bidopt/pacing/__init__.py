"""Budget pacing of the linear bid ``min(pCTR / lam, max_bid)`` over the time slots of a
day: the open-loop multiplier from training data, the pacer that books the slots and
sets their targets, the controllers behind one interface (open loop, dual update, PID,
Kalman filter), the spend model learnt from training data and the spend plans.

:func:`bidopt.replay.paced_replay` drives a :class:`BudgetPacer` over a historical log;
a live campaign drives one slot by slot.
"""

from bidopt.pacing._controllers import (
    DualUpdate,
    OpenLoop,
    PacingController,
    PIDController,
    SlotOutcome,
)
from bidopt.pacing._filter import FilterController, SpendFilter
from bidopt.pacing._open_loop import open_loop_multiplier
from bidopt.pacing._pacer import OPTIONS, BudgetPacer, Controller, Plan
from bidopt.pacing._plan import SpendPlan, spend_plan
from bidopt.pacing._spend_model import SpendModel, multiplier_bounds

__all__ = [
    "OPTIONS",
    "BudgetPacer",
    "Controller",
    "DualUpdate",
    "FilterController",
    "OpenLoop",
    "PIDController",
    "PacingController",
    "Plan",
    "SlotOutcome",
    "SpendFilter",
    "SpendModel",
    "SpendPlan",
    "multiplier_bounds",
    "open_loop_multiplier",
    "spend_plan",
]
