"""Review of the KKT check of a split: a channel left at its minimum with a marginal
return above its group's level is a failed check, however small the budget's rounding."""

from __future__ import annotations

import numpy as np

from bidopt.channels import ResponseCurve, split_budget

CURVES = {
    "c0": ResponseCurve(kind="logistic", params={"ceiling": 54939.32, "lam": 0.00043030}),
    "c1": ResponseCurve(kind="exponential", params={"ceiling": 1550.57, "scale": 4723.56}),
    "c2": ResponseCurve(kind="logistic", params={"ceiling": 1425.54, "lam": 0.0066379}),
}


def test_profit_split_with_a_group_held_above_what_pays_is_not_left_at_a_kink() -> None:
    # objective="profit" with group h held at 40% of the budget (more than pays): the
    # water-filling put all of h into c2 and none into c1, whose marginal return at 0
    # (0.33) is far above c2's (0.0003); the KKT check called it holding because one
    # rounding step of c1 moves the response by less than 1e-9 of it, so the SLSQP
    # fallback never ran: profit 39,413 where the split of h between c1 and c2 gives
    # 40,244 (slsqp and trust-constr agree)
    kw = {"groups": {"g": ["c0"], "h": ["c1", "c2"]}, "group_shares": {"g": 0.6, "h": 0.4}}
    split = split_budget(CURVES, 11261.18, objective="profit", **kw)
    reference = split_budget(CURVES, 11261.18, objective="profit", method="trust-constr", **kw)
    assert split.success
    profit = split.response - split.total_spend
    assert profit >= reference.response - reference.total_spend - 1e-6 * abs(profit)
    assert split.spend[1] > 1000.0
    m = split.marginal_roi
    np.testing.assert_allclose(m[1], m[2], rtol=1e-4)  # one level in group h
