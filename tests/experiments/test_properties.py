"""Properties: multiplicity adjustment against statsmodels, invariance to row order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bidopt.experiments import ArmStatistics, compare

sm_mt = pytest.importorskip("statsmodels.stats.multitest")

arms = st.integers(3, 6).flatmap(
    lambda k: st.tuples(
        st.lists(st.integers(50, 5_000), min_size=k, max_size=k),
        st.lists(st.floats(0.01, 0.5), min_size=k, max_size=k),
    )
)


@settings(max_examples=15)
@given(arms, st.sampled_from(["holm", "bonferroni"]))
def test_adjusted_p_values_equal_statsmodels_and_intervals_match_decisions(case, correction):
    n, rate = case
    successes = np.round(np.array(n) * np.array(rate))
    res = compare(
        ArmStatistics.from_counts([f"arm{i}" for i in range(len(n))], n, successes),
        correction=correction,
    )
    raw = res.p_value[1:]
    _, ref, _, _ = sm_mt.multipletests(raw, method=correction)
    np.testing.assert_allclose(res.p_adjusted[1:], ref, rtol=1e-12)
    assert np.all(res.p_adjusted[1:] >= raw - 1e-15)
    # a Bonferroni interval that excludes 0 is always a rejection (Holm rejects at least
    # as often)
    excludes = (res.ci_low[1:] > 0) | (res.ci_high[1:] < 0)
    assert np.all(res.significant[1:][excludes])


def test_row_order_and_label_order_do_not_change_the_answer():
    rng = np.random.default_rng(11)
    n = 4000
    arm = rng.choice(np.array(["a", "b", "c"], dtype=object), n)
    y = rng.gamma(0.3, 10.0, n) * (rng.random(n) < 0.2)
    base = compare({"arm": arm, "y": y}, arm="arm", metric="y", control="b")
    perm = rng.permutation(n)
    shuffled = compare({"arm": arm[perm], "y": y[perm]}, arm="arm", metric="y", control="b")
    order = [list(shuffled.arms).index(a) for a in base.arms]
    for field in ("value", "lift", "ci_low", "ci_high", "p_value", "p_adjusted"):
        np.testing.assert_allclose(
            getattr(shuffled, field)[order], getattr(base, field), rtol=1e-10, equal_nan=True
        )
