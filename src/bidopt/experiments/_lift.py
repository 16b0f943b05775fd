"""Lift tests for channels: how long and how large a spend change must be, and the
``lift_tests`` table of their results."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._optional import require_pandas
from bidopt._validation import as_float_array, check_scalar, short_repr
from bidopt._wording import amount
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray

__all__ = [
    "LIFT_TESTS_COLUMNS",
    "LiftTestDesign",
    "design_lift_test",
    "lift_test_result",
    "lift_tests_table",
]

#: Columns of a ``lift_tests`` table, one row per completed test (see
#: :func:`lift_tests_table`): ``channel`` (str); ``spend`` (the channel's spend per
#: period before the change, yuan); ``spend_change`` (yuan per period added, negative
#: for a cut); ``lift`` (change of the KPI per period caused by the spend change, KPI
#: units such as yuan of revenue); ``se`` (standard error of ``lift``); ``periods``
#: (length of the test, periods).  :func:`bidopt.channels.fit_response` takes this
#: table as its ``lift_tests`` directly, reading ``spend_from = spend``, ``spend_to =
#: spend + spend_change`` and ``lift_se = se`` (``periods`` is not used; ``lift`` is
#: taken as the steady-state change, so a test shorter than the channel's carry-over
#: under-states it).
LIFT_TESTS_COLUMNS: tuple[str, ...] = (
    "channel",
    "spend",
    "spend_change",
    "lift",
    "se",
    "periods",
)


@dataclass(frozen=True, slots=True, eq=False)
class LiftTestDesign:
    """Lengths and spend changes of a lift test that reach a target precision.

    A test changes the channel's spend by ``spend_change`` per period for ``periods``
    periods and compares the KPI with a control of ``control_ratio * periods`` periods
    (a holdout region, or the periods just before), so the lift per period is estimated
    with standard error ``kpi_sd sqrt(1/T + 1/(control_ratio T))`` and the incremental
    return per yuan ``lift / spend_change`` with that over ``|spend_change|``.
    Day-to-day noise is taken as independent; autocorrelated KPIs need a longer test.

    Attributes
    ----------
    channel : str
    spend_change : ndarray of float64, shape (n_options,)
        Yuan per period.
    periods : ndarray of float64, shape (n_options,)
        Test length, periods (not rounded; round up to plan).
    se_lift : ndarray of float64, shape (n_options,)
        Standard error of the lift per period, KPI units.
    se_return : ndarray of float64, shape (n_options,)
        Standard error of the incremental return (KPI per yuan).
    expected_lift : ndarray of float64 or None
        ``incremental_return * spend_change``, when a return was assumed.
    kpi_sd : float
    control_ratio : float
    """

    channel: str
    spend_change: FloatArray
    periods: FloatArray
    se_lift: FloatArray
    se_return: FloatArray
    expected_lift: FloatArray | None
    kpi_sd: float
    control_ratio: float

    def summary(self) -> str:
        """One line per option."""
        lines = [
            f"Lift test for {self.channel!r} (KPI noise sd {amount(self.kpi_sd)} per period, "
            f"control {self.control_ratio:g}x the test length):"
        ]
        for i in range(self.spend_change.size):
            expected = (
                f", expected lift {amount(float(self.expected_lift[i]))}/period"
                if self.expected_lift is not None
                else ""
            )
            lines.append(
                f"  change spend by {self.spend_change[i]:+,.0f}/period for "
                f"{math.ceil(self.periods[i]):,} periods: se of the lift "
                f"{amount(float(self.se_lift[i]))}/period, se of the return "
                f"{self.se_return[i]:.4g} per yuan{expected}"
            )
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per option (needs pandas)."""
        pd = require_pandas("LiftTestDesign.to_frame()")
        data: dict[str, Any] = {
            "spend_change": self.spend_change,
            "periods": self.periods,
            "se_lift": self.se_lift,
            "se_return": self.se_return,
        }
        if self.expected_lift is not None:
            data["expected_lift"] = self.expected_lift
        return pd.DataFrame(data)


def design_lift_test(
    *,
    channel: str = "channel",
    kpi_sd: float | None = None,
    kpi: npt.ArrayLike | None = None,
    spend_change: npt.ArrayLike | None = None,
    periods: npt.ArrayLike | None = None,
    se_return: float | None = None,
    relative_precision: float | None = None,
    incremental_return: float | None = None,
    control_ratio: float = 1.0,
) -> LiftTestDesign:
    """How long, or how large a spend change, to measure a channel's return to a given
    precision.

    Give the KPI's noise (``kpi_sd``, or a history ``kpi`` to estimate it from), a
    precision (``se_return``, or ``relative_precision`` with an assumed
    ``incremental_return``), and either ``spend_change`` (then the length is solved) or
    ``periods`` (then the spend change is solved); both may be arrays to tabulate
    options.

    Parameters
    ----------
    channel : str, default "channel"
    kpi_sd : float, optional
        Standard deviation of the KPI per period around its expected level (after
        known drivers), KPI units.
    kpi : array-like of shape (n_periods,), optional
        A history of the KPI per period; its sample standard deviation is used, trend,
        seasonality and promotions included, which overstates the noise a test faces
        (and so its length, by the square of the overstatement).  With a fit of
        :func:`~bidopt.channels.fit_response`, give ``kpi_sd=np.std(fit.residuals,
        ddof=1)`` instead.
    spend_change : float or array-like, optional
        Spend change per period, yuan (nonzero).
    periods : float or array-like, optional
        Test lengths, periods (> 0).
    se_return : float, optional
        Target standard error of the incremental return (KPI per yuan).
    relative_precision : float, optional
        Target ``se_return / incremental_return`` (0.2 is +-20%).
    incremental_return : float, optional
        Assumed KPI per extra yuan near the current spend (for ``relative_precision``
        and the expected lift).
    control_ratio : float, default 1.0
        Control length (or holdout size) over the test's.

    Returns
    -------
    LiftTestDesign
    """
    if (kpi_sd is None) == (kpi is None):
        raise InvalidInputError(
            "Give exactly one of `kpi_sd` and `kpi` (a history to estimate it)."
        )
    if kpi is not None:
        history = as_float_array(kpi, "kpi")
        if history.size < 3:
            raise InvalidInputError(
                f"`kpi` must have at least 3 periods. Got {history.size} instead."
            )
        sd = float(history.std(ddof=1))
        if not sd > 0:
            raise InvalidInputError(
                "`kpi` must vary from period to period (its standard deviation is the noise "
                f"the test must overcome). Got a constant history ({short_repr(history.tolist())}) "
                "instead; give `kpi_sd` if the noise is known."
            )
    else:
        sd = check_scalar(kpi_sd, "kpi_sd", lower=0, lower_inclusive=False)
    ratio = check_scalar(control_ratio, "control_ratio", lower=0, lower_inclusive=False)
    ret = (
        None
        if incremental_return is None
        else check_scalar(incremental_return, "incremental_return")
    )
    if (se_return is None) == (relative_precision is None):
        raise InvalidInputError("Give exactly one of `se_return` and `relative_precision`.")
    if relative_precision is not None:
        rel = check_scalar(relative_precision, "relative_precision", lower=0, lower_inclusive=False)
        if ret is None or ret == 0:
            raise InvalidInputError(
                "`incremental_return` must be a nonzero number with `relative_precision`. Got "
                f"{incremental_return!r} instead."
            )
        target = rel * abs(ret)
    else:
        target = check_scalar(se_return, "se_return", lower=0, lower_inclusive=False)
    if (spend_change is None) == (periods is None):
        raise InvalidInputError(
            "Give exactly one of `spend_change` (the length is solved) and `periods` (the spend "
            "change is solved)."
        )
    if spend_change is not None:
        change = np.atleast_1d(as_float_array(spend_change, "spend_change", ndim=None))
        if (change == 0).any():
            raise InvalidInputError(
                f"`spend_change` must be nonzero. Got {short_repr(change.tolist())} instead."
            )
        # se_lift = sd sqrt((1 + 1/ratio) / T) = target |change|
        length = sd**2 * (1 + 1 / ratio) / (target * change) ** 2
    else:
        length = np.atleast_1d(as_float_array(periods, "periods", ndim=None))
        if (length <= 0).any():
            raise InvalidInputError(
                f"`periods` must be > 0. Got {short_repr(length.tolist())} instead."
            )
        change = sd * np.sqrt((1 + 1 / ratio) / length) / target
    se_lift = sd * np.sqrt((1 + 1 / ratio) / length)
    return LiftTestDesign(
        channel=str(channel),
        spend_change=change,
        periods=length,
        se_lift=se_lift,
        se_return=se_lift / np.abs(change),
        expected_lift=None if ret is None else ret * change,
        kpi_sd=sd,
        control_ratio=ratio,
    )


def lift_test_result(
    kpi_test: npt.ArrayLike,
    kpi_control: npt.ArrayLike,
    *,
    channel: str,
    spend: float,
    spend_change: float,
) -> dict[str, Any]:
    """One row of a ``lift_tests`` table from a completed test.

    Parameters
    ----------
    kpi_test : array-like of shape (n_test,)
        KPI per period while the spend was changed.
    kpi_control : array-like of shape (n_control,)
        KPI per period of the control (holdout region or the periods before), on the
        same scale (a holdout scaled to the test region's size).
    channel : str
    spend : float
        The channel's spend per period before the change, yuan.
    spend_change : float
        Yuan per period added (negative for a cut; nonzero, >= ``-spend``).

    Returns
    -------
    dict
        Keys :data:`LIFT_TESTS_COLUMNS`: ``lift`` is the difference of the mean KPIs,
        ``se`` its (Welch) standard error.  A list of such rows is a ``lift_tests``
        table for :func:`bidopt.channels.fit_response`.

    Raises
    ------
    InvalidInputError
        When ``spend_change`` is 0 or cuts more than ``spend``, or both KPIs are
        constant (no standard error can be estimated).
    """
    test = as_float_array(kpi_test, "kpi_test")
    control = as_float_array(kpi_control, "kpi_control")
    for name, arr in (("kpi_test", test), ("kpi_control", control)):
        if arr.size < 2:
            raise InvalidInputError(
                f"`{name}` must have at least 2 periods. Got {arr.size} instead."
            )
    before = check_scalar(spend, "spend", lower=0)
    change = check_scalar(spend_change, "spend_change")
    if change == 0:
        raise InvalidInputError(
            "`spend_change` must be nonzero (a test changes the spend). Got 0.0 instead."
        )
    if before + change < 0:
        raise InvalidInputError(
            f"`spend_change` must be >= -spend (a cut cannot exceed the spend of {before:,.6g} "
            f"yuan per period). Got {change:,.6g} instead."
        )
    se = math.sqrt(test.var(ddof=1) / test.size + control.var(ddof=1) / control.size)
    if not se > 0:
        raise InvalidInputError(
            "`kpi_test` and `kpi_control` must vary from period to period (the lift's "
            "standard error is estimated from that variation). Got constant KPIs "
            f"({short_repr(test.tolist())} and {short_repr(control.tolist())}) instead."
        )
    return {
        "channel": str(channel),
        "spend": before,
        "spend_change": change,
        "lift": float(test.mean() - control.mean()),
        "se": se,
        "periods": float(test.size),
    }


def lift_tests_table(
    rows: Sequence[Mapping[str, Any]] | Mapping[str, Any],
) -> dict[str, npt.NDArray[Any]]:
    """Validate a ``lift_tests`` table and return it as a mapping of column -> array.

    Parameters
    ----------
    rows : sequence of mappings (one per test), or a mapping of column -> array-like (a
        DataFrame works)
        With the columns :data:`LIFT_TESTS_COLUMNS`.

    Returns
    -------
    dict of str to ndarray
        ``channel`` as str, the others float64, shape (n_tests,) each.
    """
    table: Any = rows
    if isinstance(table, Mapping) or hasattr(table, "columns"):
        columns = {c: table[c] for c in LIFT_TESTS_COLUMNS if c in table}
    else:
        columns = {
            c: [r[c] for r in table] for c in LIFT_TESTS_COLUMNS if all(c in r for r in table)
        }
    missing = [c for c in LIFT_TESTS_COLUMNS if c not in columns]
    if missing:
        raise InvalidInputError(
            f"A lift_tests table must have the columns {list(LIFT_TESTS_COLUMNS)}. Missing "
            f"{missing}."
        )
    out: dict[str, npt.NDArray[Any]] = {
        "channel": np.asarray(
            [str(c) for c in np.asarray(columns["channel"]).tolist()], dtype=object
        )
    }
    n = out["channel"].size
    for c in LIFT_TESTS_COLUMNS[1:]:
        values = as_float_array(np.asarray(columns[c], dtype=object), f"lift_tests[{c!r}]")
        if values.size != n:
            raise InvalidInputError(
                f"Every lift_tests column must have {n} rows. Got {values.size} in {c!r} instead."
            )
        out[c] = values
    if (out["se"] <= 0).any() or (out["spend_change"] == 0).any() or (out["periods"] <= 0).any():
        raise InvalidInputError(
            "A lift_tests table must have `se` > 0, `spend_change` != 0 and `periods` > 0 in "
            "every row."
        )
    if (out["spend"] < 0).any():
        raise InvalidInputError("A lift_tests table must have `spend` >= 0 in every row.")
    if (out["spend"] + out["spend_change"] < 0).any():
        at = int(np.argmax(out["spend"] + out["spend_change"] < 0))
        raise InvalidInputError(
            "A lift_tests table must have `spend_change` >= -`spend` (a cut no larger than "
            f"the spend) in every row. Got spend {out['spend'][at]:,.6g} and spend_change "
            f"{out['spend_change'][at]:,.6g} in row {at} instead."
        )
    return out
