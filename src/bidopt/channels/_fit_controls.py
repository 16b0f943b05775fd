"""What a fit cannot identify (:func:`bidopt.channels.fit_response`): controls that are
linear combinations of the constant and the other controls over the fitted periods,
and channels whose spend does not vary over them."""

from __future__ import annotations

import warnings

import numpy as np
from scipy import linalg

from bidopt._wording import counted
from bidopt.exceptions import IdentifiabilityWarning, InvalidInputError
from bidopt.typing import FloatArray

__all__ = ["check_periods", "dependent_controls", "warn_flat_channels"]


#: Relative tolerance on ``|R_ii|`` of the pivoted QR of the centred controls (each
#: over its own norm): below it a control is a linear combination of the others.
_COLLINEAR_RTOL = 1e-9


def dependent_controls(matrix: FloatArray, names: list[str]) -> tuple[list[int], list[str]]:
    """Controls that are (numerically) linear combinations of the constant and the other
    controls over the fitted periods, and why, for each.

    ``matrix`` (n_fitted, n_controls) holds the controls over the fitted periods.  Each
    column is centred (the constant projected out) and divided by its uncentred norm;
    a pivoted QR (:func:`scipy.linalg.qr`) keeps the columns whose ``|R_ii|`` exceeds
    ``_COLLINEAR_RTOL``.  Returns the indices of the others (ascending) and one
    sentence per such control naming what it duplicates.
    """
    if matrix.shape[1] == 0:
        return [], []
    raw = np.linalg.norm(matrix, axis=0)
    centred = matrix - matrix.mean(axis=0)
    cols = centred / np.where(raw > 0, raw, 1.0)
    r_mat, piv = linalg.qr(cols, mode="r", pivoting=True)
    diag = np.abs(np.diag(r_mat)) if r_mat.size else np.zeros(0)
    rank = int((diag > _COLLINEAR_RTOL).sum())
    kept = sorted(int(i) for i in piv[:rank])
    dropped = sorted(int(i) for i in piv[rank:])
    why = []
    for i in dropped:
        head = f"control {names[i]!r} is "
        if raw[i] == 0:
            what = "zero in every fitted period"
        elif not kept or np.linalg.norm(cols[:, i]) <= _COLLINEAR_RTOL:
            what = "constant over the fitted periods (a multiple of the intercept)"
        else:
            b = np.linalg.lstsq(cols[:, kept], cols[:, i], rcond=None)[0]
            part = np.abs(b) * np.linalg.norm(cols[:, kept], axis=0)
            used = [names[j] for j, w in zip(kept, part, strict=True) if w > 1e-6]
            what = (
                "a linear combination of the intercept and "
                + ", ".join(repr(u) for u in used)
                + " over the fitted periods"
            )
        why.append(f"{head}{what}: its coefficient is fixed at 0")
    return dropped, why


def warn_flat_channels(spend: FloatArray, names: list[str], tested: np.ndarray | None) -> None:
    """Warn (:class:`~bidopt.exceptions.IdentifiabilityWarning`, kind ``"flat_spend"``)
    of the channels whose spend (yuan per period over the fitted periods, shape
    (n_periods, n_channels)) is the same in every period, so their effect cannot be
    told from the baseline; channels with a lift test (column indices ``tested``) are
    left out."""
    skip = set() if tested is None else set(np.asarray(tested).tolist())
    flat = [j for j in range(len(names)) if np.ptp(spend[:, j]) == 0 and j not in skip]
    if not flat:
        return
    one = len(flat) == 1
    their, them = ("its", "it") if one else ("their", "them")
    message = (
        f"{'Channel' if one else 'Channels'} {', '.join(names[j] for j in flat)} "
        f"spend{'s' * one} the same in every fitted period "
        "(yuan per period: "
        + ", ".join(f"{names[j]} {spend[0, j]:,.2f}" for j in flat)
        + f"): the history cannot tell {their} effect from the baseline, so {their} "
        f"curve{'' if one else 's'} {'is' if one else 'are'} the priors' guess. "
        f"{'A lift test' if one else 'Lift tests'} (lift_tests=) or periods with other "
        f"spends would identify {them}."
    )
    details = {
        "channels": tuple(names[j] for j in flat),
        "spend": tuple(float(spend[0, j]) for j in flat),
    }
    warnings.warn(
        IdentifiabilityWarning(message, "flat_spend", details),
        stacklevel=4,  # past fit_response and @logged
    )


def check_periods(n_fit: int, n_tests: int, per_channel: int, k: int, n_base: int) -> None:
    """Refuse a fit with no residual degrees of freedom: ``n_fit`` fitted periods and
    ``n_tests`` lift tests against the parameters (``per_channel`` for each of ``k``
    channels, the intercept and ``n_base - 1`` controls).  The noise level, and with
    it the draws' spread, then cannot be estimated: the fit matches every period and
    its draws would claim every channel pinned down."""
    n_params = k * per_channel + n_base
    if n_fit + n_tests > n_params:
        return
    raise InvalidInputError(
        f"`kpi` must cover more fitted periods than the fit has parameters ({n_params}: "
        f"{per_channel} per channel for {counted(k, 'channel')}, the intercept and "
        f"{counted(n_base - 1, 'control column')} with the calendar's), counting each lift test "
        f"as a period. Got {counted(n_fit, 'fitted period')} and {counted(n_tests, 'lift test')} "
        "instead: give a longer "
        "history, or fit fewer channels or controls (trend, seasonality, events)."
    )
