"""Calendar controls of :func:`bidopt.channels.fit_response` (trend, yearly Fourier terms,
event dummies) and its lift-test table, checked once at the boundary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from bidopt._validation import as_float_array, check_scalar, short_repr
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray

__all__ = ["LiftTests", "calendar_controls", "check_lift_tests"]


def calendar_controls(
    n: int, trend: bool, seasonality: int, periods_per_year: float, events: Any
) -> tuple[list[str], FloatArray]:
    """The calendar's control columns over ``n`` periods: ``trend`` (0 at the first
    period, 1 at the last), ``sin<k>``/``cos<k>`` (``k`` cycles a year, ``k = 1 ..
    seasonality``) and one 0/1 (or intensity) column per event.

    ``events`` is a mapping (or DataFrame) of event name -> a column of ``n`` numbers,
    or of event name -> a list of period indices (0-based) where the event happens."""
    if not isinstance(trend, bool | np.bool_):
        raise InvalidInputError(f"`trend` must be True or False. Got {short_repr(trend)} instead.")
    k = int(check_scalar(seasonality, "seasonality", lower=0, integer=True))
    period = check_scalar(periods_per_year, "periods_per_year", lower=0, lower_inclusive=False)
    if 2 * k >= period:
        raise InvalidInputError(
            f"`seasonality` must be below periods_per_year / 2 = {period / 2:g} (more Fourier "
            f"pairs than that repeat each other). Got {k} instead."
        )
    names: list[str] = []
    cols: list[FloatArray] = []
    t = np.arange(n, dtype=np.float64)
    if trend:
        names.append("trend")
        cols.append(t / max(n - 1, 1))
    for j in range(1, k + 1):
        angle = 2.0 * np.pi * j * t / period
        names += [f"sin{j}", f"cos{j}"]
        cols += [np.sin(angle), np.cos(angle)]
    if events is not None:
        keys = list(events.columns) if hasattr(events, "columns") else None
        if keys is None and not isinstance(events, Mapping):
            raise InvalidInputError(
                "`events` must be a mapping of event name -> a column of n periods or a "
                f"list of period indices. Got {type(events).__name__} instead."
            )
        for key in keys if keys is not None else list(events):
            names.append(f"event.{key}")
            cols.append(_event_column(events[key], str(key), n))
    if not cols:
        return names, np.zeros((n, 0))
    matrix = np.column_stack(cols)
    constant = [names[i] for i in range(matrix.shape[1]) if np.ptp(matrix[:, i]) == 0]
    if constant:
        raise InvalidInputError(
            f"`events` must vary over the periods fitted (a constant column duplicates the "
            f"intercept). Got {'a constant column' if len(constant) == 1 else 'constant columns'} "
            f"{constant} instead."
        )
    return names, matrix


def _event_column(value: Any, key: str, n: int) -> FloatArray:
    """Event ``key``'s column over ``n`` periods: ``value`` itself when it is ``n``
    numbers, else 1 at the distinct whole-number period indices it lists (0-based), 0
    elsewhere.  Anything else (a column of another length, which would otherwise read
    as indices 0 and 1; fractional or repeated indices) is refused."""
    arr = np.asarray(value)
    if arr.ndim == 1 and arr.size == n and arr.dtype != object:
        return as_float_array(arr.astype(np.float64), f"events[{key!r}]", ndim=1)
    try:
        raw = np.asarray(value, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raw = np.full(1, np.nan)
    whole = raw.size > 0 and bool(np.all(np.isfinite(raw) & (raw == np.round(raw))))
    idx = raw.astype(np.int64) if whole else np.zeros(0, np.int64)
    if not whole or idx.min() < -n or idx.max() >= n or np.unique(idx).size < idx.size:
        raise InvalidInputError(
            f"`events[{key!r}]` must be a column of {n} numbers (one per period fitted) or "
            f"distinct whole-number period indices in [0, {n}). Got {short_repr(value)}"
            + (f" ({arr.size} values)" if arr.ndim == 1 and arr.size != n else "")
            + " instead."
        )
    col = np.zeros(n)
    col[idx] = 1.0
    return col


@dataclass(frozen=True, slots=True)
class LiftTests:
    """Checked lift tests: per test, the channel's column, its steady spends per period
    before and during the test (yuan), the measured lift (KPI per period) and its
    standard error."""

    channel: np.ndarray
    spend_from: FloatArray
    spend_to: FloatArray
    lift: FloatArray
    lift_se: FloatArray

    @property
    def n(self) -> int:
        return int(self.channel.size)

    def mismatch(self, fitted: FloatArray, channels: list[str], limit: float = 3.0) -> str:
        """What a fit cannot match: each test whose lift the fitted curves give
        (``fitted``, KPI per period, shape (n,)) is more than ``limit`` standard errors
        from the measured one, with the likely cause; "" when every test is matched.

        A response curve rises with spend, so a lift of the opposite sign to the spend
        change (beyond ``limit`` standard errors) can never be matched: the test's sign,
        spend change or period is likely wrong.  Otherwise the test conflicts with the
        history or another test, and the fit sides with the rest of the evidence."""
        z = (fitted - self.lift) / self.lift_se
        off = np.flatnonzero(np.abs(z) > limit)
        if off.size == 0:
            return ""
        parts = []
        for i in off.tolist():
            up = self.spend_to[i] > self.spend_from[i]
            wrong_sign = (
                (self.lift[i] < -limit * self.lift_se[i])
                if up
                else (self.lift[i] > limit * self.lift_se[i])
            )
            cause = (
                "a response curve rises with spend, so no curve can give a lift of this "
                "sign for this spend change: check the test's sign, spends and period"
                if wrong_sign
                else "it conflicts with the history or another test, and the fit follows "
                "them: check the test, or compare with a fit without it"
            )
            parts.append(
                f"test {i} ({channels[int(self.channel[i])]!r}, spend "
                f"{self.spend_from[i]:,.2f} -> {self.spend_to[i]:,.2f} yuan per period): "
                f"measured {self.lift[i]:+,.6g} +- {self.lift_se[i]:,.3g}, the fit gives "
                f"{fitted[i]:+,.6g} ({abs(z[i]):,.1f} standard errors off); {cause}"
            )
        return (
            f"{off.size} of {self.n} lift tests do not fit (more than {limit:g} standard "
            "errors from the fitted curves), so the curves of their channels do not "
            "follow them: " + "; ".join(parts) + "."
        )


_LIFT_COLUMNS = ("channel", "spend_from", "spend_to", "lift", "lift_se")
# the columns of bidopt.experiments.lift_tests_table (LIFT_TESTS_COLUMNS), read as
# spend_from = spend, spend_to = spend + spend_change, lift_se = se
_EXPERIMENT_COLUMNS = ("channel", "spend", "spend_change", "lift", "se")


def check_lift_tests(table: Any, channels: list[str]) -> LiftTests | None:
    """The lift-test table (a DataFrame, a mapping of column -> values, or a list of
    row mappings) checked against the fitted ``channels``.

    The table has the columns ``channel, spend_from, spend_to, lift, lift_se``, or those
    of :func:`bidopt.experiments.lift_tests_table` (``channel, spend, spend_change,
    lift, se``; ``periods`` is not used), read as ``spend_from = spend``, ``spend_to =
    spend + spend_change`` and ``lift_se = se``.
    """
    if table is None:
        return None
    if isinstance(table, list | tuple):
        if not table or not all(isinstance(r, Mapping) for r in table):
            raise InvalidInputError(
                "`lift_tests` must be a table with columns channel, spend_from, spend_to, "
                f"lift, lift_se (rows as mappings). Got {short_repr(table)} instead."
            )
        table = {c: [r[c] for r in table] for c in table[0] if all(c in r for r in table)}
    cols = list(table.columns) if hasattr(table, "columns") else list(table)
    missing = [c for c in _LIFT_COLUMNS if c not in cols]
    if missing and all(c in cols for c in _EXPERIMENT_COLUMNS):
        spend, change = (
            as_float_array(np.asarray(table[c], dtype=object), f"lift_tests[{c!r}]", ndim=1)
            for c in ("spend", "spend_change")
        )
        table = {
            "channel": table["channel"],
            "spend_from": spend,
            "spend_to": spend + change,
            "lift": table["lift"],
            "lift_se": table["se"],
        }
        cols, missing = list(table), []
    if missing:
        raise InvalidInputError(
            f"`lift_tests` must have columns {list(_LIFT_COLUMNS)} (or the experiments "
            f"table's {list(_EXPERIMENT_COLUMNS)}). Got columns {cols} (missing {missing}) "
            "instead."
        )
    names = [str(c) for c in np.asarray(table["channel"], dtype=object).ravel()]
    unknown = sorted({c for c in names if c not in channels})
    if unknown:
        raise InvalidInputError(
            f"`lift_tests['channel']` must name channels of `spend` ({channels}). Got "
            f"{unknown} instead."
        )
    values = {
        c: as_float_array(np.asarray(table[c], dtype=np.float64), f"lift_tests[{c!r}]", ndim=1)
        for c in _LIFT_COLUMNS[1:]
    }
    if (values["spend_from"] < 0).any() or (values["spend_to"] < 0).any():
        raise InvalidInputError(
            "`lift_tests` spend_from and spend_to must be >= 0 (yuan per period). Got "
            f"{short_repr(np.r_[values['spend_from'], values['spend_to']].min())} instead."
        )
    if (values["lift_se"] <= 0).any():
        raise InvalidInputError(
            "`lift_tests['lift_se']` must be > 0 (the lift's standard error). Got "
            f"{short_repr(values['lift_se'].min())} instead."
        )
    if np.any(values["spend_from"] == values["spend_to"]):
        raise InvalidInputError(
            "`lift_tests` must change the spend (spend_to != spend_from) in every test. Got "
            "a test with equal spends instead."
        )
    return LiftTests(
        channel=np.array([channels.index(c) for c in names], dtype=np.int64),
        spend_from=values["spend_from"],
        spend_to=values["spend_to"],
        lift=values["lift"],
        lift_se=values["lift_se"],
    )
