"""Issue 21, channels part: S-shaped curves, certificates and input errors.

Every test here failed on the code at b38b426."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest

from bidopt.channels import (
    ResponseCurve,
    budget_for_target,
    compare_splits,
    fit_response,
    split_budget,
)
from bidopt.exceptions import InvalidInputError


def hill(ceiling: float, half: float, shape: float) -> ResponseCurve:
    return ResponseCurve(kind="hill", params={"ceiling": ceiling, "half": half, "shape": shape})


def expo(ceiling: float, scale: float) -> ResponseCurve:
    return ResponseCurve(kind="exponential", params={"ceiling": ceiling, "scale": scale})


REPRO = {
    "a": hill(9.2559, 0.86174, 3.5932),
    "b": hill(2.3021, 1.30658, 3.39709),
    "c": hill(9.0588, 2.57330, 1.30775),
}
TWO = {"a": expo(100.0, 50.0), "b": expo(80.0, 30.0)}


def grid_best(curves: dict[str, ResponseCurve], budget: float, n: int = 2001) -> float:
    """Best response of three channels spending the budget, on a fine grid."""
    a, b, c = curves.values()
    best = -math.inf
    xs = np.linspace(0.0, budget, n)
    for x in xs:
        y = np.linspace(0.0, budget - x, n)
        z = budget - x - y
        best = max(best, float((a(x) + b(y) + c(z)).max()))
    return best


def kkt_holds(split: Any, tol: float = 1e-6) -> bool:
    """Equal marginal ROI for the channels strictly inside their bounds (no groups,
    revenue objective, no channel bounds), and <= that level for channels at 0."""
    m = split.marginal_roi
    inside = split.spend > 1e-9 * split.total_budget
    level = float(m[inside].mean())
    return bool(np.allclose(m[inside], level, rtol=tol) and np.all(m[~inside] <= level * (1 + tol)))


# --- 1. S-shaped curves --------------------------------------------------------------


def test_s_shaped_reproducer_reaches_the_best_split_and_checks_kkt() -> None:
    split = split_budget(REPRO, 5.41427)
    ref = split_budget(REPRO, 5.41427, method="slsqp", options={"rng": 0, "n_starts": 20})
    assert ref.response == pytest.approx(14.187, abs=1e-3)
    assert split.response >= ref.response * (1 - 1e-9)
    assert split.response >= grid_best(REPRO, 5.41427, 801) - 1e-9
    assert split.success and split.certificate.holds
    # the KKT label only on a KKT point
    if split.status == 0:
        assert kkt_holds(split)
    assert "KKT" not in split.message or kkt_holds(split)


def test_kkt_label_only_when_checked() -> None:
    """A split that is not a KKT point never says it is (here: the current spend kept)."""
    curves = {"s": hill(5000.0, 800.0, 3.0), "c": expo(1500.0, 400.0)}
    split = split_budget(curves, 1000.0)
    assert split.status == 0 and kkt_holds(split) and "KKT conditions hold" in split.message
    from bidopt.channels._checks import kkt_report
    from bidopt.channels._curveset import CurveSet
    from bidopt.channels._problem import build_split_problem

    bad = kkt_report(
        CurveSet(list(curves.values())),
        build_split_problem(("s", "c"), 1000.0, None, None, None, None),
        np.array([500.0, 500.0]),
        0.0,
        True,
    )
    assert not bad.holds and "marginal ROI" in bad.message


def test_s_shaped_group_held_at_its_share_on_an_envelope_line() -> None:
    """Found by the property hunt (1,000 examples): a group held at an exact share whose
    level falls on an S-curve's envelope line left the share's rest on the concave
    channel, so the envelope split (and its bound) was wrong: 9.1425 vs SLSQP 9.2423."""
    curves = {
        "c0": ResponseCurve(
            kind="logistic", params={"ceiling": 6.675550816559936, "lam": 2.6769947581938873}
        ),
        "c1": hill(1.0, 1.1, 2.4788616322458203),
        "c2": hill(1.0, 1.9477011981195773, 2.8496750443629644),
        "c3": ResponseCurve(
            kind="logistic", params={"ceiling": 5.546494397598435, "lam": 0.6170288884088578}
        ),
        "c4": hill(5.934966311986412, 1.99706125920959, 3.2550065371865866),
    }
    kwargs: dict[str, Any] = {
        "groups": {"g": ["c0", "c1", "c2"]},
        "group_shares": {"g": 0.5933200755126389},
    }
    split = split_budget(curves, 3.8629420700808237, **kwargs)
    ref = split_budget(curves, 3.8629420700808237, method="slsqp", options={"rng": 1}, **kwargs)
    assert ref.response == pytest.approx(9.2423, abs=1e-4)
    assert split.response >= ref.response * (1 - 1e-9)
    assert split.success and split.status == 0


def test_s_shaped_jump_into_a_group_within_its_share_range_is_kept() -> None:
    """Found by the S-shaped property (ci profile): the budget's level fell on c1's
    envelope line, the jump put c1's spend into group g (inside its share range), and the
    settling step then forced g back to its spend before the jump, moving it to c3: the
    envelope split was 11.22 (envelope) and the answer 14.853 against 16.262, while
    the branch and bound claimed a gap of 0 to a bound it had not got."""
    curves = {
        "c0": hill(1.0, 1.0, 2.0),
        "c1": hill(5.0, 1.75, 3.0625),
        "c2": hill(7.0, 1.0, 3.0),
        "c3": hill(9.0, 2.0, 3.0),
    }
    kwargs: dict[str, Any] = {
        "groups": {"g": ["c0", "c1", "c2"]},
        "group_shares": {"g": (0.175, 0.575)},
    }
    split = split_budget(curves, 7.0, **kwargs)
    ref = split_budget(curves, 7.0, method="slsqp", options={"n_starts": 6, "rng": 0}, **kwargs)
    assert ref.response == pytest.approx(16.2622, abs=1e-4)
    assert split.response >= ref.response * (1 - 1e-9)
    assert split.success and split.status == 0
    assert "no bound on the optimum is claimed" not in split.message


def test_s_shaped_share_forced_into_the_convex_part() -> None:
    """A share range forces a group's few yuan below its S-curves' inflection points,
    where neither branch (off, or on the concave part) reaches: the spend goes to the
    better channel (benchmark problem 74 of the share-range family: 0.92102 vs 0.92974)."""
    curves = {
        "c0": hill(9.049404415950164, 1.8018023754547994, 3.0939315904972338),
        "c1": hill(7.022790443134429, 1.9120952244132676, 2.668697158333309),
        "c2": hill(1.035753893008387, 2.3709387915278364, 3.9131943025924683),
        "c3": hill(8.002549887778125, 1.7862399613522033, 3.893652389380968),
        "c4": hill(6.550187909617551, 2.942351248719103, 3.4093466075431875),
    }
    kwargs: dict[str, Any] = {
        "groups": {"g": ["c0", "c1"]},
        "group_shares": {"g": (0.17626686173700942, 0.3762668617370094)},
        "bounds": {"c4": (None, 0.5887504902619006)},
    }
    split = split_budget(curves, 1.2783110948045848, **kwargs)
    ref = split_budget(curves, 1.2783110948045848, method="slsqp", options={"rng": 0}, **kwargs)
    assert ref.response == pytest.approx(0.92974, abs=1e-5)
    assert split.response >= ref.response * (1 - 1e-9)
    assert split.success and split.certificate.holds


# --- 2. Certificates ------------------------------------------------------------------


def test_certificate_is_built_from_the_returned_split_and_printed() -> None:
    split = split_budget(
        TWO,
        50.0,
        groups={"g": ["a"]},
        group_shares={"g": (0.2, 0.4)},
        bounds={"b": (10.0, 45.0)},
    )
    cert = split.certificate
    assert cert.holds and split.success
    names = ("budget", "channel minimums", "channel maximums")
    for name in (*names, "group_shares['g'] min", "group_shares['g'] max"):
        assert name in cert
    assert cert["budget"].sense == "=="
    assert cert["group_shares['g'] max"].value == pytest.approx(split.allocation["a"])
    exact = split_budget(TWO, 50.0, groups={"g": ["a"]}, group_shares={"g": 0.3})
    assert exact.certificate["group_shares['g']"].sense == "=="
    assert exact.certificate["group_shares['g']"].value == pytest.approx(15.0, rel=1e-12)
    assert "Certificate: every constraint holds" in split.summary()
    profit = split_budget(TWO, 500.0, objective="profit")
    assert profit.certificate["budget"].sense == "<="
    roi = split_budget(TWO, 500.0, objective="roi", min_revenue=100.0)
    assert roi.certificate["min_revenue"].holds
    floor = split_budget(TWO, 500.0, min_roi=1.2)
    assert floor.certificate["min_roi"].holds and floor.success


def test_a_split_that_breaks_a_constraint_is_not_a_success(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whatever the algorithm returns, the certificate is checked on it."""
    import bidopt.channels._split_core as module

    real = module.solve

    def broken(*args: Any, **kwargs: Any) -> Any:
        solved = real(*args, **kwargs)
        return dataclasses.replace(solved, x=solved.x * 1.01)  # 1% over the budget

    monkeypatch.setattr(module, "solve", broken)
    split = split_budget(TWO, 50.0, groups={"g": ["a"]}, group_shares={"g": 0.5})
    assert not split.success and split.status == 3
    assert not split.certificate.holds
    assert "budget" in split.message and "fails by 0.5" in split.message
    assert "VIOLATED" in split.summary()
    splits = compare_splits(TWO, 50.0, groups={"g": ["a"]}, scenarios={"half": {"g": 0.5}})
    assert not any(s.success for s in splits.values())


def test_budget_for_target_reaches_its_target_with_s_curves() -> None:
    target = 12.0
    need = budget_for_target(REPRO, revenue=target, max_budget=20.0)
    assert need.success and need.split.response >= target * (1 - 1e-9)
    assert split_budget(REPRO, need.budget).response >= target * (1 - 1e-9)


def test_from_roi_log_with_a_low_elasticity() -> None:
    """A log curve of elasticity 0.02 exists (scale far below the spend); it was a scipy
    sign error."""
    curve = ResponseCurve.from_roi(100.0, 4.0, kind="log", elasticity=0.02)
    assert float(curve(100.0)) == pytest.approx(400.0, rel=1e-9)
    assert float(curve.derivative(100.0)) * 100.0 / 400.0 == pytest.approx(0.02, rel=1e-6)


def test_hill_below_shape_one_with_minimums_keeps_the_budget() -> None:
    """Found by the certificate hunt: a Hill curve of shape 0.5 (unbounded marginal
    return at 0) put the split's levels above its bracket; the split spent 12.62 of a
    10 yuan budget and said success (at b38b426)."""
    curves = {
        "c0": expo(6996557.926543804, 504702.93164936925),
        "c1": hill(2548829.8524459335, 11325.865490124268, 0.5),
        "c2": expo(8.322272387191756, 2.7662896633569427),
        "c3": expo(42.76050104286564, 9.012826558547472),
    }
    mins = {"c0": 1.4325612019961391, "c1": 2.376128251395843, "c2": 1.023184997741514}
    bounds = {c: (lo, None) for c, lo in {**mins, "c3": 0.16812554886650366}.items()}
    split = split_budget(curves, 10.0, bounds=bounds)
    assert split.success and split.certificate.holds
    assert split.total_spend == pytest.approx(10.0, rel=1e-12)
    # c1's marginal ROI beats every other channel's at its minimum: it takes the rest
    assert split.allocation["c1"] == pytest.approx(
        10.0 - sum(lo for lo, _ in bounds.values()) + mins["c1"]
    )


def test_profit_with_a_group_held_above_what_pays() -> None:
    """An exact share of 100% for a group under objective='profit' forces spending whose
    marginal return is below 1, a level the water-filling cannot express: at b38b426 it
    returned c0 at 0 (marginal ROI 0.93) and c1 at its maximum (0.009), success and
    status 0.  Now the KKT check catches it and SLSQP from that split fixes it."""
    curves = {
        "c0": expo(848349.2860952266, 907461.2673424052),
        "c1": hill(533720.1900094147, 54084.17505091386, 0.8206824958272938),
        "c2": expo(119.70078122797155, 48.275012408446656),
        "c3": expo(1155846.0119241083, 409977.2267481627),
    }
    kwargs: dict[str, Any] = {
        "bounds": {"c0": (0.0, 475022.53038424096)},
        "groups": {"g": ["c0", "c1"]},
        "group_shares": {"g": 1.0},
        "objective": "profit",
    }
    split = split_budget(curves, 2099972.56130536, **kwargs)
    ref = split_budget(curves, 2099972.56130536, method="slsqp", options={"rng": 0}, **kwargs)
    assert split.success and split.status == 0
    profit, best = split.response - split.total_spend, ref.response - ref.total_spend
    assert profit >= best - 1e-9 * abs(best)


# --- 3. Errors that name the parameter, the contract and the value ---------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: split_budget(TWO, 50.0, bounds={"a": (math.nan, None)}),
            r"`bounds\['a'\]` must be \(min, max\) with finite numbers >= 0 or None.*"
            r"Got \(nan, None\) instead",
        ),
        (
            lambda: split_budget(TWO, 50.0, bounds={"a": (None, math.nan)}),
            r"`bounds\['a'\]`.*Got \(None, nan\) instead",
        ),
        (
            lambda: split_budget(TWO, 50.0, bounds={"a": (math.inf, None)}),
            r"`bounds\['a'\]`.*Got \(inf, None\) instead",
        ),
        (
            lambda: split_budget(TWO, 50.0, bounds=math.nan, current={"a": 1.0, "b": 1.0}),
            r"`bounds` as a fraction must be a finite number >= 0. Got nan instead",
        ),
        (
            lambda: split_budget(TWO, 50.0, groups={"g": ["a", "a"]}),
            r"`groups\['g'\]` must list each channel once. Got 'a' twice",
        ),
        (
            lambda: split_budget(TWO, 50.0, groups={"g": "ab"}),
            r"`groups\['g'\]` must be a list of channel names. Got 'ab' instead",
        ),
        (
            lambda: split_budget(TWO, 50.0, options={"xtol": 1e-9}),
            r"Unknown option 'xtol' for method 'kkt'; it accepts: 'n_starts', 'rng'",
        ),
        (
            lambda: split_budget(TWO, 50.0, method="slsqp", options={"n_starts": "abc"}),
            r"`options\['n_starts'\]` must be an integer >= 1. Got 'abc' instead",
        ),
        (
            lambda: split_budget(TWO, 50.0, method="slsqp", options={"n_starts": 0}),
            r"`options\['n_starts'\]` must be an integer >= 1. Got 0 instead",
        ),
        (
            lambda: split_budget(TWO, 50.0, method="slsqp", options={"maxiter": -1}),
            r"`options\['maxiter'\]` must be an integer >= 1. Got -1 instead",
        ),
        (
            lambda: split_budget(TWO, 50.0, bounds={"a": (30.0, 20.0)}),
            r"`bounds\['a'\]` must be \(min, max\) with min <= max. Got \(30.0, 20.0\) instead",
        ),
        (
            lambda: split_budget(TWO, 50.0, groups={"g": ["a"]}, group_shares={"g": (0.6, 0.4)}),
            r"`group_shares\['g'\]` must be a fraction in \[0, 1\] or a range \(low, high\) "
            r"with 0 <= low <= high <= 1. Got \(0.6, 0.4\) instead",
        ),
        (
            lambda: split_budget(TWO, 50.0, groups={"g": ["a"]}, group_shares={"g": "half"}),
            r"`group_shares\['g'\]` must be a fraction.*Got 'half' instead",
        ),
        (
            lambda: split_budget(TWO, 50.0, min_revenue=10.0),
            r"`min_revenue` is the revenue floor of objective='roi'.*Got min_revenue=10.0 "
            r"with objective='revenue'",
        ),
        (
            lambda: compare_splits(TWO, 50.0, groups={"g": ["a"]}, scenarios=[1, 2]),  # type: ignore[arg-type]
            r"`scenarios` must be a mapping of scenario name -> group shares.*Got \[1, 2\] instead",
        ),
        (
            lambda: budget_for_target(TWO, revenue=10.0, roas=2.0, max_budget=100.0),
            r"Give exactly one of `revenue`.*Got revenue=10.0, roas=2.0 instead",
        ),
        (
            lambda: split_budget({}, 50.0),
            r"`curves` must be a non-empty mapping of channel -> ResponseCurve. Got \{\} instead",
        ),
        (
            lambda: budget_for_target({}, revenue=10.0, max_budget=100.0),
            r"`curves` must be a non-empty mapping of channel -> ResponseCurve. Got \{\}",
        ),
        (
            lambda: budget_for_target(
                TWO, revenue=10.0, max_budget=100.0, bounds={"a": (math.nan, None)}
            ),
            r"`bounds\['a'\]`.*Got \(nan, None\) instead",
        ),
        (
            lambda: ResponseCurve.from_roi(100.0, 4.0, kind="log", elasticity=0.005),
            r"`elasticity` of a 'log' curve must be a finite number > 0.0167 and < 1 "
            r"\(the range its curves reach\). Got 0.005 instead",
        ),
        (
            lambda: ResponseCurve.from_roi(100.0, 4.0, kind="hill", shape=0),
            r"`shape` must be a finite number > 0. Got 0 instead",
        ),
        (
            lambda: ResponseCurve.from_roi(100.0, 4.0, kind="hill", shape=math.nan),
            r"`shape` must be a finite number > 0. Got nan instead",
        ),
        (
            lambda: ResponseCurve.from_roi(100.0, 4.0, kind="bogus"),  # type: ignore[arg-type]
            r"Unknown kind 'bogus'; expected one of 'exponential', 'hill', 'log', 'logistic'",
        ),
        (
            lambda: fit_response({"a": [1.0, 2.0]}, [1.0, 2.0]),
            r"`spend` must have at least 3 periods \(after `burn_in`\). Got 2 instead",
        ),
        (
            lambda: fit_response({"a": []}, []),
            r"`spend` must have at least 3 periods \(after `burn_in`\). Got 0 instead",
        ),
        (
            lambda: fit_response({}, [1.0, 2.0, 3.0]),
            r"`spend` must have at least one channel. Got \{\} instead",
        ),
        (
            lambda: fit_response({"a": [1.0, 2, 3, 4, 5], "b": [1.0, 2.0]}, [1.0, 2, 3, 4, 5]),
            r"`spend` must have the same number of periods in every column. "
            r"Got \{'a': 5, 'b': 2\} instead",
        ),
        (
            lambda: fit_response({"a": [1.0, 2, 3, 4]}, [1.0, 2, 3, 4], burn_in=2),
            r"`burn_in` must be an integer >= 0 and <= 1 \(3 periods must remain\). Got 2",
        ),
    ],
)
def test_bad_input_names_parameter_contract_and_value(call: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        call()
