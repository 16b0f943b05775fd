"""The safe split's trust radius reads the 80% marginal-ROI interval its docstring
promises: the central interval of the library (``bidopt._quantiles.central_band``), not
numpy's interpolated quantiles (session 22, H4)."""

from __future__ import annotations

import numpy as np

from bidopt.channels import CurveDraws
from bidopt.channels._split_safe import TRUST_MAX, TRUST_MIN, TRUST_SCALE, trust_radius


def test_trust_radius_reads_the_central_80_percent_interval() -> None:
    """Before: ``np.quantile(slope, [0.1, 0.9])`` (ranks 1.7 and 7.3 of 8 draws), an
    interval that holds a further draw with probability about 0.62, not 0.8: here 20%
    narrower than the library's 80% interval, and the radius 1.125 instead of 0.9."""
    ceiling = np.linspace(1000.0, 1400.0, 8)  # marginal ROI ~ ceiling
    n = ceiling.size
    draws = CurveDraws(
        channels=("a",),
        kind="logistic",
        params={"ceiling": ceiling[:, None], "lam": np.full((n, 1), 1.0 / 1000)},
        adstock={"alpha": np.zeros((n, 1))},
    )
    today = np.array([1000.0])
    slope = draws.value_and_derivative(today)[1][:, 0]
    # 80% central interval of 8 draws: ranks 0.9 and 8.1 of 8, the extreme draws
    width = (slope.max() - slope.min()) / np.median(slope)
    expected = np.clip(TRUST_SCALE / width, TRUST_MIN, TRUST_MAX)
    np.testing.assert_allclose(trust_radius(draws, today), [expected], rtol=1e-12)
