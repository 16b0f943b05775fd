"""The safe default and a channel that spends nothing today."""

from __future__ import annotations

import numpy as np

from bidopt.channels import fit_response, split_budget


def test_a_channel_at_zero_today_is_named_as_not_started() -> None:
    # channel c spent nothing for most of the history and nothing today: its trust region
    # around 0 is 0, so the safe default cannot start it although its marginal ROI is the
    # highest. It said 'Held at the trust region's edge' (as if the split had moved it to an
    # edge) and printed its ROI as nan; now it is named as not started, with what to do
    rng = np.random.default_rng(0)
    n = 104
    spend = {
        "a": rng.uniform(500, 1500, n),
        "b": rng.uniform(200, 800, n),
        "c": np.r_[np.zeros(n - 20), rng.uniform(100, 300, 20)],
    }
    kpi = 3000 + 2.0 * spend["a"] ** 0.8 + 3.0 * spend["b"] ** 0.7 + 4 * spend["c"] ** 0.7
    kpi = kpi + rng.normal(0, 50, n)
    fit = fit_response(spend, kpi, rng=0)
    split = split_budget(fit, 1500.0, current={"a": 1000.0, "b": 500.0, "c": 0.0})
    assert split.success and split.spend[2] == 0.0
    assert split.marginal_roi[2] > split.marginal_roi[:2].max()  # the draws would fund it
    assert "Not started: c (nothing spent" in split.message and "safe=False" in split.message
    edge = split.message.split("Held at the trust region's edge:")
    assert len(edge) == 1 or "c" not in edge[1].split(".")[0].split(", ")
    text = split.summary()
    assert "nan" not in text
    assert "ROI      -" in text.splitlines()[4]  # channel c's row
