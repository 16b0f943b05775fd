from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from bidopt.channels import ResponseCurve, fit_response, geometric_adstock, weibull_adstock
from bidopt.exceptions import InvalidInputError
from tests.conftest import shared_file

CURVES = [
    ResponseCurve(kind="exponential", params={"ceiling": 1000.0, "scale": 200.0}),
    ResponseCurve(kind="hill", params={"ceiling": 1000.0, "half": 300.0, "shape": 2.0}),
    ResponseCurve(kind="hill", params={"ceiling": 1000.0, "half": 300.0, "shape": 0.8}),
    ResponseCurve(kind="log", params={"coef": 300.0, "scale": 100.0}),
    ResponseCurve(kind="logistic", params={"ceiling": 800.0, "lam": 0.004}),
]


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: f"{c.kind}")
def test_derivative_matches_finite_differences(curve: ResponseCurve) -> None:
    x = np.linspace(1.0, 3000.0, 50)
    h = 1e-3
    numeric = (curve(x + h) - curve(x - h)) / (2 * h)
    np.testing.assert_allclose(curve.derivative(x), numeric, rtol=1e-5, atol=1e-9)
    assert (np.diff(curve(x)) > 0).all()  # more spend, more response
    assert float(curve(0.0)) == 0.0


def test_formulas() -> None:
    exp = ResponseCurve(kind="exponential", params={"ceiling": 1000.0, "scale": 200.0})
    assert float(exp(200.0)) == pytest.approx(1000 * (1 - np.exp(-1)))
    hill = ResponseCurve(kind="hill", params={"ceiling": 10.0, "half": 3.0, "shape": 2.0})
    assert float(hill(3.0)) == pytest.approx(5.0)
    assert not hill.is_concave
    t = hill.tangent_point()
    assert float(hill(t)) / t == pytest.approx(float(hill.derivative(t)))
    log = ResponseCurve(kind="log", params={"coef": 2.0, "scale": 4.0})
    assert float(log(4.0)) == pytest.approx(2 * np.log(2))
    logistic = ResponseCurve(kind="logistic", params={"ceiling": 2.0, "lam": 1.0})
    assert float(logistic(1.0)) == pytest.approx(2 * (1 - np.exp(-1)) / (1 + np.exp(-1)))
    assert float(logistic.derivative(1e6)) == 0.0  # no overflow far out


@pytest.mark.parametrize("kind", ["exponential", "log", "logistic"])
def test_from_roi_hits_roi_and_elasticity(kind: str) -> None:
    curve = ResponseCurve.from_roi(500_000.0, 8.0, kind=kind, elasticity=0.4)  # type: ignore[arg-type]
    assert float(curve(500_000.0)) == pytest.approx(4_000_000.0, rel=1e-9)
    elasticity = 500_000.0 * float(curve.derivative(500_000.0)) / float(curve(500_000.0))
    assert elasticity == pytest.approx(0.4, rel=1e-7)


def test_from_roi_hill() -> None:
    curve = ResponseCurve.from_roi(100.0, 4.0, kind="hill", elasticity=1.2, shape=2.0)
    assert float(curve(100.0)) == pytest.approx(400.0)
    assert 100 * float(curve.derivative(100.0)) / 400.0 == pytest.approx(1.2)


def test_invalid_curves_are_explained() -> None:
    """Bad curves raise InvalidInputError (never pydantic's ValidationError) in the
    template "`param` must be <contract>. Got <value> instead."."""
    cases = [
        (
            {"kind": "exponential", "params": {"ceiling": 1.0}},
            r"`params` of a 'exponential' curve must be a mapping with keys "
            r"\['ceiling', 'scale'\]. Got \['ceiling'\] instead",
        ),
        (
            {"kind": "log", "params": {"coef": -1.0, "scale": 1.0}},
            r"`params\['coef'\]` must be a finite number > 0. Got -1.0 instead",
        ),
        (
            {"kind": "log", "params": {"coef": "1", "scale": 1.0}},
            r"`params\['coef'\]` must be a finite number > 0. Got '1' instead",
        ),
        ({"kind": "cubic", "params": {}}, r"`kind` must be one of 'exponential'.*Got 'cubic'"),
        (
            {"kind": "log", "params": {"coef": 1.0, "scale": 1.0}, "colour": 1},
            r"`ResponseCurve` takes only `kind` and `params`. Got \['colour'\] instead",
        ),
    ]
    for spec, message in cases:
        with pytest.raises(InvalidInputError, match=message) as info:
            ResponseCurve(**spec)
        assert not isinstance(info.value, ValidationError)
    with pytest.raises(InvalidInputError, match="`elasticity` must be a finite number > 0 and < 1"):
        ResponseCurve.from_roi(1.0, 4.0, elasticity=1.5)


def test_curve_and_fit_tables() -> None:
    curve = ResponseCurve(kind="hill", params={"ceiling": 10.0, "half": 2.0, "shape": 3.0})
    frame = curve.to_frame([0.0, 2.0, 4.0])
    np.testing.assert_allclose(frame["response"], curve([0.0, 2.0, 4.0]))
    np.testing.assert_allclose(frame["marginal_roi"], curve.derivative([0.0, 2.0, 4.0]))
    assert frame["roi"].iloc[1] == pytest.approx(5.0 / 2.0)
    assert len(curve.to_frame()) == 11
    assert "hill" in curve.summary() and "S-shaped" in curve.summary()
    with pytest.raises(InvalidInputError, match="`spend` must be a 1-d array"):
        curve.to_frame([-1.0])
    rng = np.random.default_rng(0)
    spend = {"a": rng.uniform(0, 10, 30)}
    kpi = 5 + 3 * np.tanh(spend["a"] / 4) + rng.normal(0, 0.01, 30)
    fit = fit_response(spend, kpi, adstock="none", rng=0, options={"n_starts": 1})
    table = fit.to_frame()
    assert list(table["parameter"]) == list(fit.params)
    np.testing.assert_allclose(table["value"], list(fit.params.values()))
    with pytest.raises(InvalidInputError, match="Unknown option 'starts'"):
        fit_response(spend, kpi, options={"starts": 2})


def test_adstock() -> None:
    x = np.array([1.0, 0.0, 0.0, 0.0, 0.0])
    out = geometric_adstock(x, 0.5, l_max=3)
    np.testing.assert_allclose(out, np.array([1, 0.5, 0.25, 0, 0]) / 1.75)
    steady = geometric_adstock(np.full(20, 3.0), 0.7, l_max=4)
    assert steady[-1] == pytest.approx(3.0)  # normalised: steady spend stays itself
    delayed = weibull_adstock(np.r_[x, np.zeros(7)], 3.0, 4.0, l_max=12)
    assert delayed.sum() == pytest.approx(1.0) and np.argmax(delayed) > 0


def test_fit_recovers_curves_it_generated() -> None:
    rng = np.random.default_rng(5)
    n = 160
    spend = {"a": rng.gamma(2.0, 50.0, n), "b": rng.gamma(2.0, 30.0, n)}
    trend = np.linspace(0, 1, n)
    truth = {"a": (0.4, 0.02, 500.0), "b": (0.6, 0.05, 300.0)}
    y = 100.0 + 40.0 * trend
    for name, (alpha, lam, beta) in truth.items():
        y = y + beta * np.tanh(0.5 * lam * geometric_adstock(spend[name], alpha))
    y = y + rng.normal(0, 2.0, n)
    fit = fit_response(
        spend, y, controls={"trend": trend}, burn_in=3, rng=0, options={"n_starts": 6}
    )
    assert fit.r2 > 0.98
    for name, (alpha, lam, beta) in truth.items():
        assert fit.adstock[name]["alpha"] == pytest.approx(alpha, abs=0.05)
        assert fit.params[f"{name}.lam"] == pytest.approx(lam, rel=0.2)
        assert fit.params[f"{name}.beta"] == pytest.approx(beta, rel=0.2)
        grid = np.linspace(10, 300, 30)
        true_curve = beta * np.tanh(0.5 * lam * grid)
        np.testing.assert_allclose(fit.curves[name](grid), true_curve, rtol=0.05)
    assert all(np.isfinite(v) for v in fit.stderr.values())


def test_fit_on_pymc_marketing_data_recovers_the_generating_process() -> None:
    pd = pytest.importorskip("pandas")
    data = pd.read_csv(shared_file("channels/pymc_marketing_mmm_roas_data.csv"))
    fit = fit_response(
        {"x1": data.x1, "x2": data.x2},
        data.y,
        controls={"trend": data.trend, "seasonality": data.seasonality, "z": data.z},
        burn_in=3,
        options={"n_starts": 6},
        rng=0,
    )
    # README: alpha 0.3 / 0.5, logistic lam 1.0 / 2.5, effect = 100 * (2.0, 1.5) * saturated
    assert fit.r2 > 0.97
    assert fit.adstock["x1"]["alpha"] == pytest.approx(0.3, abs=0.05)
    assert fit.adstock["x2"]["alpha"] == pytest.approx(0.5, abs=0.05)
    assert fit.params["x2.lam"] == pytest.approx(2.5, rel=0.2)
    assert fit.params["x2.beta"] == pytest.approx(150.0, rel=0.15)
    # x1 only spans 0.36..1.5, where its curve is nearly straight: lam and beta trade off
    # (the least-squares optimum beats the true parameters), so compare the curve itself
    grid = np.linspace(0.4, 1.5, 12)
    np.testing.assert_allclose(fit.curves["x1"](grid), 200.0 * np.tanh(0.5 * grid), rtol=0.15)
    # the controls enter with coefficient 100 in the generating process
    for name in ("trend", "seasonality", "z"):
        assert fit.controls[name] == pytest.approx(100.0, rel=0.15)


@pytest.mark.parametrize("saturation", ["exponential", "hill"])
def test_weibull_adstock_parameters_do_not_overwrite_the_curve_s(saturation: str) -> None:
    # a Weibull adstock's shape/scale and a Hill shape / exponential scale were all
    # reported as "<channel>.shape" / "<channel>.scale": one overwrote the other
    rng = np.random.default_rng(0)
    spend = {"a": rng.uniform(0, 10, 80), "b": rng.uniform(0, 5, 80)}
    kpi = 5 + 3 * -np.expm1(-spend["a"] / 4) + 2 * -np.expm1(-spend["b"] / 2)
    kpi = kpi + rng.normal(0, 0.05, 80)
    fit = fit_response(spend, kpi, adstock="weibull", saturation=saturation, rng=0)
    for name in ("a", "b"):
        assert fit.params[f"{name}.adstock_shape"] == fit.adstock[name]["shape"]
        assert fit.params[f"{name}.adstock_scale"] == fit.adstock[name]["scale"]
        assert set(fit.stderr) == set(fit.params)
        for key, value in fit.curves[name].params.items():
            if key != "ceiling":
                assert fit.params[f"{name}.{key}"] == value
