"""What a fit cannot identify (:func:`bidopt.channels.fit_response`): controls that are
linear combinations of the constant and the other controls over the fitted periods,
and channels whose spend does not vary over them."""

from __future__ import annotations

import numpy as np
from scipy import linalg

from bidopt.typing import FloatArray

__all__ = ["dependent_controls", "flat_channels"]


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


def flat_channels(spend: FloatArray, names: list[str], tested: np.ndarray | None) -> str:
    """The warning on channels whose spend (yuan per period over the fitted periods,
    shape (n_periods, n_channels)) is the same in every period, so their effect cannot
    be told from the baseline; channels with a lift test (column indices ``tested``)
    are left out.  "" when there is none."""
    skip = set() if tested is None else set(np.asarray(tested).tolist())
    flat = [j for j in range(len(names)) if np.ptp(spend[:, j]) == 0 and j not in skip]
    if not flat:
        return ""
    return (
        f"Channel(s) {[names[j] for j in flat]} spend the same in every fitted period "
        "(yuan per period: "
        + ", ".join(f"{names[j]} {spend[0, j]:,.2f}" for j in flat)
        + "): the history cannot tell their effect from the baseline, so their curves "
        "are the priors' guess. Lift tests (lift_tests=) or periods with other spends "
        "would identify them."
    )
