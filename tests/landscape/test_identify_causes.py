"""The "cannot identify" warning names the cause that holds for each group of keywords
(session 24 walkthrough: 15 of 18 keywords' bids had varied up to 1.56x over 21 days,
and the warning said their "bids varied too little" and advised varying them)."""

from __future__ import annotations

import json

import numpy as np

from bidopt.landscape import Identifiability


def _ident(spread: list[float], ratio: list[float]) -> Identifiability:
    n = len(spread)
    return Identifiability(
        keywords=np.array([f"k{i}" for i in range(n)], dtype=object),
        campaign=np.array(["c"] * n, dtype=object),
        n_days=np.full(n, 21, dtype=np.int64),
        impressions=np.linspace(6_700.0, 31_000.0, n),
        clicks=np.full(n, 300.0),
        cost=np.full(n, 500.0),
        bid_spread=np.array(spread),
        bid_ratio=np.array(ratio),
        bid_low=np.full(n, 2.0),
        current_bid=np.full(n, 2.5),
        sigma_sd=np.full(n, 0.13),
        prior_sd=0.24,
        source=np.array(["prior"] * n, dtype=object),
        n_log_days=21,
    )


def test_bids_that_varied_are_not_said_to_have_varied_too_little() -> None:
    warning = _ident([0.12, 0.16, 0.0], [1.5, 1.56, 1.0])._warning()
    assert warning is not None and warning.kind == "unidentified_response"
    d = warning.details
    assert (d["n_prior"], d["n_varied"], d["n_constant"]) == (3, 2, 1)
    assert d["varied_ratio"] == 1.56 and d["varied_spread"] == (0.12, 0.16)
    assert d["varied_impressions"] == (6_700.0, 18_850.0)
    assert abs(d["sd_ratio"] - 0.13 / 0.24) < 1e-12 and d["max_posterior_ratio"] == 0.5
    json.dumps(d)  # (plain values: the report renders them, and they serialise)
    text = str(warning)
    assert "varied too little" not in text
    assert (
        "(1) the bids of 2 of them varied (up to 1.56x between their lowest and highest bid, "
        "bid spread 0.12-0.16, above the 0.05 a varied bid needs) over 21 days with "
        "6,700-18,850 impressions each, but the day-to-day swings of impressions and clicks "
        "hide how the bid moved them" in text
    )
    assert "(posterior sd at least 0.54 of the prior's; learnt means at most 0.5)" in text
    assert "Their changes so far did not tell it; what would is a two-week bid test" in text
    assert "; (2) 1 of them kept a constant bid over 21 days (bid spread < 0.05)" in text
    assert "What would identify it: the same test." in text


def test_bids_that_never_varied_are_said_so_alone() -> None:
    warning = _ident([0.0, 0.0], [1.0, 1.0])._warning()
    assert warning is not None
    text = str(warning)
    assert warning.details["n_varied"] == 0 and "varied_ratio" not in warning.details
    assert "(1)" not in text and "varied (" not in text
    assert "2 of them kept a constant bid over 21 days" in text
    assert "What would identify them: a two-week bid test" in text


def test_bids_that_all_varied_name_no_constant_bid() -> None:
    warning = _ident([0.12, 0.3], [1.5, 2.0])._warning()
    assert warning is not None
    text = str(warning)
    assert "constant" not in text and "(1)" not in text
    assert "the bids of 2 of them varied (up to 2.00x" in text
