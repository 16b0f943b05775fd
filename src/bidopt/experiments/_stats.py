"""Sufficient statistics of one metric per arm, from raw rows or from counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from bidopt._validation import as_float_array, check_choice, missing_mask, short_repr
from bidopt.exceptions import InvalidInputError, MissingColumnError
from bidopt.typing import FloatArray, ObjectArray

__all__ = ["ArmStatistics", "MetricKind", "summarize"]

MetricKind = Literal["proportion", "mean", "ratio"]
_KINDS = ("auto", "proportion", "mean", "ratio")
#: Relative rounding error of a centred sum of squares ``sum y^2 - (sum y)^2 / n`` from
#: float64 raw sums (a few hundred ulps of ``sum y^2``).
_ROUNDING = 256 * np.finfo(np.float64).eps


@dataclass(frozen=True, slots=True, eq=False)
class ArmStatistics:
    """Sufficient statistics of one metric in each arm of an experiment.

    Everything :func:`compare` needs, so that an experiment can be analysed from a
    warehouse query (counts and sums per arm) as well as from raw rows.  Build it with
    :func:`summarize` (raw rows), :meth:`from_counts` (proportions) or
    :meth:`from_moments` (means).

    Attributes
    ----------
    arms : ndarray of str, shape (n_arms,)
        Arm labels, in order of first appearance in the data.
    kind : {"proportion", "mean", "ratio"}
        A 0/1 outcome per unit (visit, conversion), a numeric outcome per unit (spend,
        with many zeros allowed), or a ratio of two sums (clicks / impressions, revenue /
        cost) analysed per unit by the delta method.
    n : ndarray of float64, shape (n_arms,)
        Units (users, customers) per arm.
    total : ndarray of float64, shape (n_arms,)
        Sum of the metric (the numerator of a ratio) per arm.
    total_sq : ndarray of float64, shape (n_arms,)
        Sum of its squares per arm.
    den_total, den_total_sq, cross_total : ndarray of float64, shape (n_arms,) or None
        Ratio metrics only: sums of the denominator, of its squares, and of the product
        numerator x denominator per arm.
    covariates : tuple of str
        Names of the pre-period covariates whose moments are kept (CUPED), or ().
    cov_total : ndarray of float64, shape (n_arms, n_covariates) or None
        Sum of each covariate per arm.
    cov_cross : ndarray of float64, shape (n_arms, n_covariates, n_covariates) or None
        Sums of products of covariates per arm.
    cov_metric : ndarray of float64, shape (n_arms, n_covariates) or None
        Sums of covariate x metric per arm.
    metric : str
        The metric's name, for reports.
    """

    arms: ObjectArray
    kind: MetricKind
    n: FloatArray
    total: FloatArray
    total_sq: FloatArray
    den_total: FloatArray | None = None
    den_total_sq: FloatArray | None = None
    cross_total: FloatArray | None = None
    covariates: tuple[str, ...] = ()
    cov_total: FloatArray | None = None
    cov_cross: FloatArray | None = None
    cov_metric: FloatArray | None = None
    metric: str = "metric"

    def __post_init__(self) -> None:
        # direct construction is public: normalise what a caller passes (lists, ints)
        check_choice(self.kind, "kind", ("proportion", "mean", "ratio"))
        labels = np.asarray(self.arms, dtype=object)
        if labels.ndim != 1:
            raise InvalidInputError(
                f"`arms` must be a 1-dimensional sequence of labels. Got "
                f"{short_repr(self.arms)} instead."
            )
        object.__setattr__(self, "arms", np.asarray([str(a) for a in labels], dtype=object))
        for name in (
            "n",
            "total",
            "total_sq",
            "den_total",
            "den_total_sq",
            "cross_total",
            "cov_total",
            "cov_cross",
            "cov_metric",
        ):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, as_float_array(value, name, ndim=None))
        object.__setattr__(self, "covariates", tuple(str(c) for c in self.covariates))
        n_arms = self.arms.shape[0]
        for name in ("n", "total", "total_sq", "den_total", "den_total_sq", "cross_total"):
            value = getattr(self, name)
            if value is not None and value.shape != (n_arms,):
                raise InvalidInputError(
                    f"`{name}` must have one entry per arm ({n_arms}). Got shape "
                    f"{value.shape} instead."
                )
        if n_arms < 2:
            raise InvalidInputError(
                f"An experiment must have at least 2 arms. Got {n_arms} "
                f"({short_repr(self.arms.tolist())}) instead."
            )
        if np.unique(self.arms).size != n_arms:
            raise InvalidInputError(
                f"`arms` must be distinct. Got {short_repr(self.arms.tolist())} instead."
            )
        small = self.n < 2
        if small.any():
            arm = self.arms[int(np.argmax(small))]
            raise InvalidInputError(
                f"Each arm must have at least 2 units. Got {self.n[int(np.argmax(small))]:g} "
                f"in arm {arm!r} instead."
            )
        if self.kind == "ratio" and self.den_total is None:
            raise InvalidInputError("A ratio metric needs the denominator's sums per arm.")
        if self.kind == "proportion":
            outside = (self.total < 0) | (self.total > self.n)
            if outside.any():
                i = int(np.argmax(outside))
                raise InvalidInputError(
                    f"`total` of a proportion must be successes in [0, n] per arm. Got "
                    f"{self.total[i]:g} with n = {self.n[i]:g} in arm {self.arms[i]!r} instead."
                )
        for name, sq, a in (
            ("total_sq", self.total_sq, self.total),
            ("den_total_sq", self.den_total_sq, self.den_total),
        ):
            if self.kind == "proportion" or sq is None or a is None:
                continue
            short = _sum_of_squares(sq, a, a, self.n) < 0
            if short.any():
                i = int(np.argmax(short))
                raise InvalidInputError(
                    f"`{name}` must be a sum of squares, >= the squared sum over n in each "
                    f"arm. Got {float(sq[i])!r} < {float(a[i] ** 2 / self.n[i])!r} in arm "
                    f"{self.arms[i]!r} instead."
                )

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_counts(
        cls,
        arms: Sequence[Any],
        n: npt.ArrayLike,
        successes: npt.ArrayLike,
        *,
        metric: str = "rate",
    ) -> ArmStatistics:
        """Proportions from units and successes per arm (visits, clicks, orders).

        Parameters
        ----------
        arms : sequence of str, length n_arms
        n : array-like of shape (n_arms,)
            Units per arm.
        successes : array-like of shape (n_arms,)
            Units with the outcome per arm, ``0 <= successes <= n``.
        metric : str, default "rate"
        """
        units = as_float_array(n, "n", nonnegative=True)
        hits = as_float_array(successes, "successes", nonnegative=True)
        if hits.shape != units.shape:
            raise InvalidInputError(
                f"`successes` must have one entry per arm ({units.size}). Got shape "
                f"{hits.shape} instead."
            )
        over = hits > units
        if over.any():
            i = int(np.argmax(over))
            raise InvalidInputError(
                f"`successes` must be <= `n` in every arm. Got {hits[i]:g} > {units[i]:g} "
                f"at index {i} instead."
            )
        return cls(
            arms=_labels(arms, units.size),
            kind="proportion",
            n=units,
            total=hits,
            total_sq=hits.copy(),
            metric=metric,
        )

    @classmethod
    def from_moments(
        cls,
        arms: Sequence[Any],
        n: npt.ArrayLike,
        mean: npt.ArrayLike,
        std: npt.ArrayLike,
        *,
        metric: str = "mean",
    ) -> ArmStatistics:
        """Means from units, means and sample standard deviations (``ddof=1``) per arm.

        Parameters
        ----------
        arms : sequence of str, length n_arms
        n, mean, std : array-like of shape (n_arms,)
        metric : str, default "mean"
        """
        units = as_float_array(n, "n", nonnegative=True)
        means = as_float_array(mean, "mean")
        stds = as_float_array(std, "std", nonnegative=True)
        if not (means.shape == stds.shape == units.shape):
            raise InvalidInputError(
                f"`n`, `mean` and `std` must have one entry per arm. Got shapes "
                f"{units.shape}, {means.shape}, {stds.shape} instead."
            )
        total = means * units
        total_sq = stds**2 * (units - 1) + units * means**2
        return cls(
            arms=_labels(arms, units.size),
            kind="mean",
            n=units,
            total=total,
            total_sq=total_sq,
            metric=metric,
        )

    # ------------------------------------------------------------------ moments
    @property
    def value(self) -> FloatArray:
        """The metric per arm: rate, mean, or ratio of sums, shape (n_arms,)."""
        if self.kind == "ratio":
            assert self.den_total is not None
            return self.total / self.den_total
        return self.total / self.n

    def variance_of_value(self) -> FloatArray:
        """Sampling variance of :attr:`value` per arm, shape (n_arms,).

        Proportions: ``p (1 - p) / n``; means: sample variance (``ddof=1``) / n; ratios:
        the delta method, ``var(y - R x) / (n xbar^2)`` with sample (co)variances.
        """
        n = self.n
        if self.kind == "proportion":
            p = self.total / n
            return p * (1 - p) / n
        if self.kind == "mean":
            return _sum_of_squares(self.total_sq, self.total, self.total, n) / (n - 1) / n
        assert self.den_total is not None
        assert self.den_total_sq is not None
        assert self.cross_total is not None
        r = self.total / self.den_total
        syy = _sum_of_squares(self.total_sq, self.total, self.total, n)
        sxx = _sum_of_squares(self.den_total_sq, self.den_total, self.den_total, n)
        sxy = _centred(self.cross_total, self.total, self.den_total, n)
        xbar = self.den_total / n
        return np.maximum(syy - 2 * r * sxy + r**2 * sxx, 0.0) / (n - 1) / n / xbar**2

    def __repr__(self) -> str:
        return (
            f"ArmStatistics(metric={self.metric!r}, kind={self.kind!r}, "
            f"arms={self.arms.tolist()!r}, n={self.n.tolist()!r})"
        )


def _centred(sq: FloatArray, a: FloatArray, b: FloatArray, n: FloatArray) -> FloatArray:
    """Centred cross-product sum: sum (a - abar)(b - bbar) from raw sums."""
    return np.asarray(sq - a * b / n, dtype=np.float64)


def _sum_of_squares(sq: FloatArray, a: FloatArray, b: FloatArray, n: FloatArray) -> FloatArray:
    """:func:`_centred` of a sum of squares (``a`` is ``b``), with a value within the
    rounding error of the raw sums (``_ROUNDING`` x ``sq``) taken as 0: constant values
    such as 0.1 in every row left a centred sum of -6e-19 (a NaN standard error) or
    +4e-17 (a spurious nonzero one).  Negative beyond rounding: a corrupt sum, kept
    negative for the caller to refuse."""
    centred = _centred(sq, a, b, n)
    return np.where(np.abs(centred) <= _ROUNDING * np.abs(sq), 0.0, centred)


def _labels(arms: Sequence[Any], n_arms: int) -> ObjectArray:
    labels = np.asarray([str(a) for a in arms], dtype=object)
    if labels.shape != (n_arms,):
        raise InvalidInputError(
            f"`arms` must have one label per arm ({n_arms}). Got {short_repr(list(arms))} instead."
        )
    return labels


def column(data: Any, name: str, what: str) -> Any:
    """Column ``name`` of a mapping of column -> array (a DataFrame works)."""
    if not isinstance(name, str):
        raise InvalidInputError(
            f"`{what}` must be a column name (str). Got {short_repr(name)} instead."
        )
    try:
        columns = list(data.keys())
    except AttributeError:
        raise InvalidInputError(
            "`data` must be a mapping of column name -> array (a pandas DataFrame works) or "
            f"an ArmStatistics. Got {type(data).__name__} instead."
        ) from None
    if name not in columns:
        shown = ", ".join(repr(str(c)) for c in columns[:20])
        raise MissingColumnError(
            f"`{what}` names column {name!r}, which `data` does not have. Its columns: "
            f"{shown}{', ...' if len(columns) > 20 else ''}."
        )
    values = data[name]
    return values.to_numpy() if hasattr(values, "to_numpy") else values


def _check_distinct_labels(raw: list[Any], arm: str) -> None:
    """Raise if two different labels (1 and "1") would become the same arm."""
    if len(set(map(type, raw))) < 2:  # labels of one type read the same only if equal
        return
    seen: dict[str, Any] = {}
    for v in raw:
        key = str(v)
        first = seen.setdefault(key, v)
        if first is not v and (type(first) is not type(v) or first != v):
            raise InvalidInputError(
                f"`arm` column {arm!r} must not mix labels that read the same. Got "
                f"{first!r} ({type(first).__name__}) and {v!r} ({type(v).__name__}) "
                "instead; convert the column to one type."
            )


def summarize(
    data: Mapping[str, Any] | Any,
    *,
    arm: str,
    metric: str,
    kind: Literal["auto", "proportion", "mean", "ratio"] = "auto",
    denominator: str | None = None,
    covariates: Sequence[str] | None = None,
) -> ArmStatistics:
    """Sufficient statistics of a metric per arm from raw rows (one row per unit).

    Parameters
    ----------
    data : mapping of str to array-like, or DataFrame
        One row per unit (user, customer) with the arm label and the metric columns.
    arm : str
        Column of arm labels.
    metric : str
        Column of the outcome (the numerator of a ratio metric).
    kind : {"auto", "proportion", "mean", "ratio"}, default "auto"
        "auto": "ratio" if ``denominator`` is given, "proportion" if every value is 0
        or 1, "mean" otherwise.
    denominator : str, optional
        Column of the ratio's denominator per unit (impressions, cost).
    covariates : sequence of str, optional
        Pre-period columns (measured before assignment) for CUPED adjustment.

    Returns
    -------
    ArmStatistics
    """
    check_choice(kind, "kind", _KINDS)
    labels_raw = np.asarray(column(data, arm, "arm"), dtype=object)
    if labels_raw.ndim != 1:
        raise InvalidInputError(
            f"`arm` column {arm!r} must be 1-dimensional. Got shape {labels_raw.shape} instead."
        )
    missing = missing_mask(labels_raw)
    if missing.any():
        raise InvalidInputError(
            f"`arm` column {arm!r} must have a label in every row. Got a missing label at "
            f"row {int(np.argmax(missing))} instead."
        )
    y = as_float_array(column(data, metric, "metric"), f"data[{metric!r}]")
    if y.shape != labels_raw.shape:
        raise InvalidInputError(
            f"Columns {arm!r} and {metric!r} must have the same length. Got {labels_raw.size} "
            f"and {y.size} instead."
        )
    raw = labels_raw.tolist()
    labels = np.asarray([str(v) for v in raw], dtype=object)
    _check_distinct_labels(raw, arm)
    names, first, codes = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(first)  # arms in order of first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    codes = rank[codes]
    names = names[order]
    k = names.size

    def per_arm(values: FloatArray) -> FloatArray:
        return np.bincount(codes, weights=values, minlength=k).astype(np.float64)

    chosen: str
    if kind == "auto":
        if denominator is not None:
            chosen = "ratio"
        else:
            chosen = "proportion" if bool(np.all((y == 0) | (y == 1))) else "mean"
    else:
        chosen = kind
    if chosen == "proportion" and not bool(np.all((y == 0) | (y == 1))):
        bad = int(np.argmax((y != 0) & (y != 1)))
        raise InvalidInputError(
            f"`metric` column {metric!r} must be 0 or 1 for kind='proportion'. Got {y[bad]!r} "
            f"at row {bad} instead; use kind='mean' for a numeric outcome."
        )
    if chosen == "ratio" and denominator is None:
        raise InvalidInputError(
            "`denominator` must be a column name for kind='ratio'. Got None instead."
        )
    n = np.bincount(codes, minlength=k).astype(np.float64)
    fields: dict[str, Any] = {
        "arms": names,
        "kind": chosen,
        "n": n,
        "total": per_arm(y),
        "total_sq": per_arm(y * y),
        "metric": metric,
    }
    if chosen == "ratio":
        assert denominator is not None
        x = as_float_array(column(data, denominator, "denominator"), f"data[{denominator!r}]")
        if x.shape != y.shape:
            raise InvalidInputError(
                f"Columns {metric!r} and {denominator!r} must have the same length. Got "
                f"{y.size} and {x.size} instead."
            )
        fields.update(den_total=per_arm(x), den_total_sq=per_arm(x * x), cross_total=per_arm(x * y))
        zero = fields["den_total"] == 0
        if zero.any():
            raise InvalidInputError(
                f"`denominator` column {denominator!r} must have a nonzero sum in every arm. "
                f"Got 0 in arm {names[int(np.argmax(zero))]!r} instead."
            )
        metric_name = f"{metric}/{denominator}"
        fields["metric"] = metric_name
    if covariates:
        if chosen == "ratio":
            raise InvalidInputError(
                "`covariates` (CUPED) are supported for kind='proportion' and 'mean'. Got "
                "kind='ratio' instead."
            )
        if isinstance(covariates, str):
            covariates = [covariates]
        z = np.column_stack(
            [as_float_array(column(data, c, "covariates"), f"data[{c!r}]") for c in covariates]
        )
        if z.shape[0] != y.size:
            raise InvalidInputError(
                f"Covariate columns must have one value per row ({y.size}). Got {z.shape[0]} "
                "instead."
            )
        groups = [codes == a for a in range(k)]
        fields.update(
            covariates=tuple(str(c) for c in covariates),
            cov_total=np.stack([z[g].sum(axis=0) for g in groups]),
            cov_cross=np.stack([z[g].T @ z[g] for g in groups]),
            cov_metric=np.stack([z[g].T @ y[g] for g in groups]),
        )
    return ArmStatistics(**fields)
