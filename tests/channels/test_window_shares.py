"""split_window with exact shares for groups that cover every channel (review 3).

The budget row and the share rows were then linearly dependent, SLSQP stopped at its
start ("Singular matrix C in LSQ subproblem") and the split failed at the equal split.
A range for the last group next to an exact share for the others is fixed by them
too (it holds or fails whatever the split); kept as an inequality, it left SLSQP a
dependent active set and a worse split with success=True.  The same rule said for one
group only (the other's share follows) has the same feasible set, so every way of
saying it must give the same response.
"""

from __future__ import annotations

import numpy as np
import pytest

from bidopt.channels import CurveDraws, split_window

PHASES = {"pre": 7, "peak": 1, "after": 3}
LENGTHS = np.array([7.0, 1.0, 3.0])
GROUPS = {"core": ["a", "b"], "new": ["c"]}


@pytest.fixture(scope="module")
def draws() -> CurveDraws:
    rng = np.random.default_rng(0)
    n = 50
    ceilings = [rng.normal(9000, 500, n), rng.normal(6000, 300, n), rng.normal(3000, 200, n)]
    return CurveDraws(
        channels=("a", "b", "c"),
        kind="logistic",
        params={
            "ceiling": np.column_stack(ceilings),
            "lam": np.tile([1 / 1000, 0.6 / 3000, 1 / 500], (n, 1)),
        },
        adstock={"alpha": np.tile([0.5, 0.3, 0.0], (n, 1))},
    )


def test_exact_shares_of_every_group_over_the_window(draws: CurveDraws) -> None:
    both = split_window(
        draws, 100_000, phases=PHASES, groups=GROUPS, group_shares={"core": 0.6, "new": 0.4}
    )
    assert both.success, both.message
    yuan = both.spend * LENGTHS
    assert yuan.sum() == pytest.approx(100_000, rel=1e-9)
    assert yuan[:2].sum() == pytest.approx(60_000, rel=1e-9)
    one = split_window(draws, 100_000, phases=PHASES, groups=GROUPS, group_shares={"core": 0.6})
    assert one.success
    assert both.response == pytest.approx(one.response, rel=1e-6)


def test_exact_shares_of_every_group_in_every_phase(draws: CurveDraws) -> None:
    budgets = {"pre": 50_000.0, "peak": 30_000.0, "after": 20_000.0}
    split = split_window(
        draws,
        phases=PHASES,
        phase_budgets=budgets,
        groups=GROUPS,
        group_shares={"core": 0.6, "new": 0.4},
        shares_per="phase",
    )
    assert split.success, split.message
    yuan = split.spend * LENGTHS
    np.testing.assert_allclose(yuan.sum(axis=0), list(budgets.values()), rtol=1e-9)
    np.testing.assert_allclose(yuan[:2].sum(axis=0), 0.6 * yuan.sum(axis=0), rtol=1e-9)


def test_a_range_the_exact_shares_fix_gives_the_same_split(draws: CurveDraws) -> None:
    budgets = {"pre": 50_000.0, "peak": 30_000.0, "after": 20_000.0}
    for per in ("window", "phase"):
        kw = {"phases": PHASES, "groups": GROUPS, "shares_per": per, "phase_budgets": budgets}
        one = split_window(draws, group_shares={"core": 0.6}, **kw)
        ranged = split_window(draws, group_shares={"core": 0.6, "new": (0.4, 0.5)}, **kw)
        assert one.success and ranged.success, ranged.message
        assert ranged.response == pytest.approx(one.response, rel=1e-6)
