"""The result of :func:`bidopt.channels.fit_response`: :class:`ResponseFit`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bidopt._optional import require_pandas
from bidopt._wording import ljust
from bidopt.channels._curves import ResponseCurve
from bidopt.channels._uncertainty import ChannelIntervals, CurveDraws, channel_intervals
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray

__all__ = ["ResponseFit"]


@dataclass(frozen=True, slots=True, eq=False)
class ResponseFit:
    """Fitted response curves and how well they fit.

    Attributes
    ----------
    curves : dict of str to ResponseCurve
        Steady-state response per channel, in the spend's own units (yuan per period).
    adstock : dict of str to dict of str to float
        Adstock parameters per channel (``alpha`` for geometric; ``shape``, ``scale``
        in periods for Weibull).
    intercept : float
    controls : dict of str to float
        Coefficients of the control variables.
    r2, nrmse : float
        Fit quality on the fitted periods (NRMSE: RMSE over the KPI's range, as Robyn).
    params, stderr : dict of str to float
        Every parameter (``<channel>.<name>``) and its Jacobian-based standard error;
        a Weibull adstock's are ``<channel>.adstock_shape`` and ``<channel>.adstock_scale``.
    fitted, residuals : ndarray of float64, shape (n_periods,)
    success : bool
    message : str
    n_starts : int
    draws : CurveDraws or None
        Draws of the curves from the Laplace approximation at the fit (None when
        ``n_draws`` is 0): :func:`split_budget` given this fit splits over them.  With
        the default ``intercept_sign`` no draw has a channel contribute more than the
        KPI's mean per period, averaged over the fitted periods (the bound a baseline
        >= 0 implies: such a draw is replaced by another).
    mean_spend, min_spend, max_spend : dict of str to float
        Each channel's mean, smallest and largest spend per fitted period (yuan): the
        default spend of :meth:`intervals`, and the observed range the split's
        extrapolation guard and the figures use.
    n_lift_tests : int
        Lift tests that entered the fit.
    """

    curves: dict[str, ResponseCurve]
    adstock: dict[str, dict[str, float]]
    intercept: float
    controls: dict[str, float]
    r2: float
    nrmse: float
    params: dict[str, float]
    stderr: dict[str, float]
    fitted: FloatArray
    residuals: FloatArray
    success: bool
    message: str
    n_starts: int
    draws: CurveDraws | None = None
    mean_spend: dict[str, float] | None = None
    max_spend: dict[str, float] | None = None
    min_spend: dict[str, float] | None = None
    n_lift_tests: int = 0

    def intervals(self, spend: Any = None, *, level: float = 0.8) -> ChannelIntervals:
        """Intervals of each channel's ROI and marginal ROI over the fit's draws.

        Parameters
        ----------
        spend : mapping of str to float, optional
            Spend per period per channel (yuan, > 0); default each channel's mean spend
            over the fitted periods.
        level : float, default 0.8
            Probability of the intervals (0.8: the draws at ranks (n + 1) x 0.1 and
            (n + 1) x 0.9).

        Returns
        -------
        ChannelIntervals
            With ``identified`` False for channels whose marginal-ROI interval is wider
            than its median.
        """
        if self.draws is None or self.mean_spend is None:
            raise InvalidInputError(
                "`ResponseFit.intervals` needs draws: fit with options={'n_draws': >= 2}. "
                "Got a fit with n_draws 0 instead."
            )
        default = np.array([self.mean_spend[c] for c in self.draws.channels])
        return channel_intervals(self.draws, spend, default, level)

    def summary(self) -> str:
        """Fit quality and parameters with standard errors (and channel intervals when
        the fit has draws)."""
        lines = [f"ResponseFit: R2 {self.r2:.4f}, NRMSE {self.nrmse:.4f} ({self.message})"]
        for key, value in self.params.items():
            lines.append(f"  {ljust(key, 24)} {value:12.6g}  +- {self.stderr.get(key, np.nan):.3g}")
        if self.draws is not None:
            lines.append(self.intervals().summary())
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per parameter (``<channel>.<name>``, ``intercept``,
        ``control.<name>``): its value and standard error (needs pandas)."""
        pd = require_pandas("ResponseFit.to_frame()")
        names = list(self.params)
        return pd.DataFrame(
            {
                "parameter": names,
                "value": [self.params[k] for k in names],
                "stderr": [self.stderr.get(k, np.nan) for k in names],
            }
        )
