"""What a Python user reads from a split over a fit's draws, pinned on small fits by hand
(found by the session-22 walkthrough on Robyn's weekly data): the safe default's message
reads as one sentence and names channels as words."""

from __future__ import annotations

import numpy as np

from bidopt.channels import ResponseFit, split_budget
from tests.channels.test_safe_split import TODAY, _fit

RULE = {"groups": {"g": ["a"]}, "group_shares": {"g": (0.3, 0.5)}}


def _disagreeing(seed: int, ceiling_a: float = 4000.0) -> ResponseFit:
    """Draws whose ceilings of a and b move in opposite directions (log-sd 0.3)."""
    e = np.random.default_rng(seed).normal(0, 0.3, 200)
    return _fit(ceiling_a * np.exp(e), 6000.0 * np.exp(-e))


def test_a_partial_move_from_a_moved_start_reads_as_one_sentence() -> None:
    # it said 'moved 82% of the way from today's split, changed only as far as the
    # bounds and group rules require towards the best split ...'
    split = split_budget(_disagreeing(1), 4000.0, current=TODAY, **RULE)
    assert split.safe_step is not None and 0 < split.safe_step < 1
    assert (
        f"moved {split.safe_step:.0%} of the way from today's split (changed only as far as "
        "the bounds and group rules require) towards the best split over the draws"
    ) in split.message


def test_a_full_move_names_the_region_before_the_start() -> None:
    split = split_budget(_disagreeing(0), 4000.0, current=TODAY, **RULE)
    assert split.safe_step == 1.0
    assert (
        "within the trust region (each channel within its starting spend x exp(+-r), r from"
        in split.message
    )
    assert "around today's split, changed only as far as the bounds and group rules require;" in (
        split.message
    )


def test_channels_are_named_as_words_not_python_lists() -> None:
    # 'Held at the trust region's edge: ['a']'
    split = split_budget(_disagreeing(1), 4000.0, current=TODAY, **RULE)
    assert "Held at the trust region's edge: a." in split.message
    assert "['" not in split.message
