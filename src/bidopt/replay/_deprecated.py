"""The names that moved from :mod:`bidopt.replay` to :mod:`bidopt.pacing`, kept for one
release as thin aliases that warn (``DeprecationWarning``) and take the old arguments."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt import pacing

__all__ = ["MOVED", "moved"]

#: old name -> what to use instead
MOVED = {
    "BudgetPacer": "bidopt.pacing.BudgetPacer (the knobs step, gains, drift and "
    "level_exponent now go in options=)",
    "open_loop_multiplier": "bidopt.pacing.open_loop_multiplier",
    "spend_plan": "bidopt.pacing.spend_plan (which returns a SpendPlan: its shares are "
    "the old array)",
}
_KNOBS = tuple(pacing.OPTIONS)


def _budget_pacer(budget: float, lam0: float, **kwargs: Any) -> pacing.BudgetPacer:
    """``bidopt.pacing.BudgetPacer`` with the old keyword knobs moved into ``options``."""
    options = {k: kwargs.pop(k) for k in _KNOBS if k in kwargs}
    return pacing.BudgetPacer(budget, lam0, options=options or None, **kwargs)


def _spend_plan(*args: Any, **kwargs: Any) -> npt.NDArray[np.float64]:
    """``bidopt.pacing.spend_plan(...).shares``."""
    return pacing.spend_plan(*args, **kwargs).shares


_ALIASES: dict[str, Callable[..., Any]] = {
    "BudgetPacer": _budget_pacer,
    "open_loop_multiplier": pacing.open_loop_multiplier,
    "spend_plan": _spend_plan,
}


def moved(name: str) -> Callable[..., Any]:
    """The alias of ``bidopt.replay.<name>``, with a DeprecationWarning."""
    warnings.warn(
        f"bidopt.replay.{name} moved to {MOVED[name]}; the alias in bidopt.replay will be "
        "removed in the next release.",
        DeprecationWarning,
        stacklevel=3,
    )
    return _ALIASES[name]
