"""Input checks that only pacing needs (the shared ones live in ``bidopt._validation``)."""

from __future__ import annotations

import sys

from bidopt._validation import check_scalar, short_repr
from bidopt.exceptions import InvalidInputError

__all__ = ["BOUND_RTOL", "check_in_bounds", "describe"]

#: Relative tolerance of a multiplier checked against its bounds: a few ulps, so that a
#: bound the caller computed in another order (``1e-12 / max_bid`` against
#: ``1 / (1e12 * max_bid)``, one ulp apart) is within them.
BOUND_RTOL = 4.0 * sys.float_info.epsilon


def check_in_bounds(value: object, name: str, low: float, high: float, why: str) -> float:
    """``value`` as a finite float within ``[low, high]`` up to a relative
    :data:`BOUND_RTOL`, clipped into them (so a value a few ulps outside is taken as the
    bound itself).  The message shows the bounds in full (``repr``) and ``why`` they
    are what they are."""
    try:
        x = check_scalar(value, name)
    except InvalidInputError:
        x = float("nan")
    if not low * (1.0 - BOUND_RTOL) <= x <= high * (1.0 + BOUND_RTOL):
        raise InvalidInputError(
            f"`{name}` must be a finite number >= {low!r} and <= {high!r} ({why}). "
            f"Got {short_repr(value)} instead."
        )
    return min(max(x, low), high)


def describe(value: object) -> str:
    """What was passed, for a message: ``None``, or its type and (short) repr."""
    if value is None:
        return "None"
    kind = type(value).__name__
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    return f"{article} {kind} ({short_repr(value)})"
