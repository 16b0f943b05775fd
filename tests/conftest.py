"""Shared fixtures: the project's shared data folder and a mid-size synthetic account."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from bidopt.datasets import SearchAccount, make_search_account

# Hypothesis: deterministic everywhere. "ci" (the default, what `python -m pytest` runs)
# gives solver properties that ask for it 500 examples; "quick" 50, for local iteration
# (HYPOTHESIS_PROFILE=quick python -m pytest).  Tests with their own max_examples keep it.
for _name, _examples in (("ci", 500), ("quick", 50)):
    settings.register_profile(
        _name,
        derandomize=True,
        database=None,
        deadline=None,
        max_examples=_examples,
        suppress_health_check=[HealthCheck.too_slow],
    )
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parents[1]
#: ``../shared/data`` beside the repository (override with BIDOPT_SHARED_DATA).
SHARED_DATA = Path(os.environ.get("BIDOPT_SHARED_DATA", REPO.parent / "shared" / "data"))


def shared_file(relative: str) -> Path:
    """Path of a file under the shared data folder; skip the test when it is absent."""
    path = SHARED_DATA / relative
    if not path.is_file():
        pytest.skip(
            f"shared data file {relative} is not available at {path} (set "
            "BIDOPT_SHARED_DATA to the folder that holds bidlogs/, channels/, keywords/)"
        )
    return path


@pytest.fixture(scope="session")
def account() -> SearchAccount:
    """A mid-size synthetic account (20,000 keywords x 28 days), built once per run."""
    return make_search_account(20_000, rng=20261125)
