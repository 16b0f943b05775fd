"""Means over curve draws that a few draws dominate: which channels, and what to say.

A channel the history does not identify can have a few draws with enormous returns
(log-normal draws of a parameter with a large relative standard error): the mean over
the draws, which a split over a fit's draws reports and maximises, then lies outside
the draws' own central 80% interval, far from what most draws expect.  The split and
window results name those channels, show the median beside the mean and warn
(:class:`~bidopt.exceptions.IdentifiabilityWarning`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from bidopt._quantiles import central_band
from bidopt._wording import amount
from bidopt.exceptions import IdentifiabilityWarning
from bidopt.typing import FloatArray

__all__ = ["TAIL_LEVEL", "tail_mask", "tail_note", "tails", "warn_tail"]

#: A mean over draws outside the draws' central interval at this level is dominated by
#: a few of them (a log-normal of log-sd above about 2.6 has its mean above its 90%
#: quantile).
TAIL_LEVEL = 0.8


def tail_mask(values: FloatArray) -> np.ndarray:
    """Which columns of ``values`` (shape (n_draws, n_columns): a response per draw and
    channel, or per draw with one column) have their mean outside the draws' central
    :data:`TAIL_LEVEL` interval (shape (n_columns,), bool)."""
    v = np.asarray(values, dtype=np.float64)
    lo, hi = central_band(v, TAIL_LEVEL)
    mean = v.mean(axis=0)
    scale = np.maximum(np.abs(hi), np.abs(lo))
    with np.errstate(invalid="ignore"):
        out = (mean > hi + 1e-9 * scale) | (mean < lo - 1e-9 * scale)
    return np.asarray(out & np.isfinite(mean), dtype=bool)


def tail_note(
    channels: tuple[str, ...], mask: np.ndarray, mean: FloatArray, median: FloatArray
) -> str:
    """The sentence naming the channels in ``mask`` whose mean response (``mean``, per
    channel) a few draws dominate, with their medians (``median``); empty if none."""
    idx = np.flatnonzero(mask).tolist()
    if not idx:
        return ""
    named = ", ".join(
        f"{channels[j]} (mean {amount(float(mean[j]))}, median {amount(float(median[j]))})"
        for j in idx
    )
    them = ", ".join(channels[j] for j in idx)
    one = len(idx) == 1
    return (
        f" A few curve draws dominate the expected response of {named}: "
        + ("its mean" if one else "each mean")
        + f" over the draws lies outside the draws' {TAIL_LEVEL:.0%} range, so the mean "
        "response and ROI reported (and the totals) overstate what most draws expect; "
        "the median is the typical outcome. The history does not identify "
        + f"{them}: {'a lift test' if one else 'lift tests'} would."
    )


def warn_tail(note: str, details: Mapping[str, Any], stacklevel: int) -> None:
    """Warn with ``note`` (from :func:`tail_note`) as an IdentifiabilityWarning of kind
    ``"draw_tails"`` with ``details`` (from :func:`tails`)."""
    if note:
        warning = IdentifiabilityWarning(note.strip(), "draw_tails", details)
        warnings.warn(warning, stacklevel=stacklevel + 1)


def tails(
    channels: tuple[str, ...], by_channel: FloatArray
) -> tuple[FloatArray, tuple[str, ...], str, dict[str, Any]]:
    """Of each channel's response per draw (``by_channel``, shape (n_draws,
    n_channels)): the medians (shape (n_channels,)), the channels a few draws dominate
    (:func:`tail_mask`), the sentence naming them (:func:`tail_note`) and the details
    it is built from (``channels``, their ``mean`` and ``median`` response over the
    draws, and the ``level`` of the draws' central interval)."""
    mask = tail_mask(by_channel)
    mean = by_channel.mean(axis=0)
    median = np.asarray(np.median(by_channel, axis=0), dtype=np.float64)
    note = tail_note(channels, mask, mean, median)
    idx = np.flatnonzero(mask).tolist()
    tailed = tuple(channels[j] for j in idx)
    details: dict[str, Any] = {
        "channels": tailed,
        "mean": tuple(float(mean[j]) for j in idx),
        "median": tuple(float(median[j]) for j in idx),
        "level": TAIL_LEVEL,
    }
    return median, tailed, note, details
