"""Shared input validation.

One place for the checks every public function needs, so that every error message
follows the same template (scikit-learn's): name the parameter, state the contract, show
the value received, and where useful the remedy::

    `budget` must be a finite number > 0. Got -5.0 instead.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import weakref
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from bidopt._wording import counted
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray, RandomState

_S = TypeVar("_S", bound=np.generic)

__all__ = [
    "as_float_array",
    "as_owned",
    "check_bool",
    "check_choice",
    "check_instance",
    "check_options",
    "check_pctr",
    "check_random_state",
    "check_rows",
    "check_scalar",
    "frozen",
    "missing_mask",
    "new_directory",
    "rebuild_on_unpickle",
    "short_repr",
]


def short_repr(value: object, limit: int = 60) -> str:
    """Return ``repr(value)`` cut to ``limit`` characters, for error messages."""
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def check_random_state(rng: RandomState) -> np.random.Generator:
    """Normalise an ``rng=`` argument to a :class:`numpy.random.Generator` (SPEC 7).

    Parameters
    ----------
    rng : int, numpy.random.Generator, numpy.random.SeedSequence or None
        A seed, a generator (used as is, so its state advances), or None for fresh
        OS entropy.

    Returns
    -------
    numpy.random.Generator
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and int(rng) >= 0:
        return np.random.default_rng(int(rng))
    raise InvalidInputError(
        "`rng` must be a non-negative int seed, a numpy.random.Generator, a "
        f"numpy.random.SeedSequence or None. Got {short_repr(rng)} instead."
    )


def check_choice(value: object, name: str, allowed: Collection[str]) -> str:
    """Check that a string option is one of ``allowed``.

    Raises
    ------
    ValueError
        ``Unknown method 'x'; expected one of 'dual', 'milp', 'greedy'.``
    """
    if isinstance(value, str) and value in allowed:
        return value
    expected = ", ".join(f"'{a}'" for a in allowed)
    shown = f"'{value}'" if isinstance(value, str) else short_repr(value)
    raise InvalidInputError(f"Unknown {name} {shown}; expected one of {expected}.")


def missing_mask(values: object) -> npt.NDArray[np.bool_]:
    """Which entries of a label or text column are missing (None or a float NaN).

    Parameters
    ----------
    values : array-like
        Any labels (str, int, objects); read as an object array.

    Returns
    -------
    ndarray of bool, the shape of ``np.asarray(values, dtype=object)``
    """
    array = np.asarray(values, dtype=object)
    flat = [v is None or (isinstance(v, float) and v != v) for v in array.ravel().tolist()]
    return np.asarray(flat, dtype=bool).reshape(array.shape)


def check_bool(value: object, name: str, *, allow_none: bool = False) -> bool | None:
    """Check a yes/no option: a ``bool`` (or a numpy bool), or None where allowed.

    Strings such as ``"yes"`` or ``"False"`` and numbers are refused rather than read
    by truthiness (``bool("False")`` is True).

    Raises
    ------
    InvalidInputError
        ``\\`hashing\\` must be True or False. Got 'yes' instead.``
    """
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    contract = "True, False or None" if allow_none else "True or False"
    raise InvalidInputError(f"`{name}` must be {contract}. Got {short_repr(value)} instead.")


def check_options(
    options: Mapping[str, Any] | None, allowed: Mapping[str, Any], *, method: str
) -> dict[str, Any]:
    """Merge user ``options`` over ``allowed`` defaults; an unknown key raises.

    Parameters
    ----------
    options : mapping or None
        The user's per-method options.
    allowed : mapping
        Every option the method understands, with its default.
    method : str
        The method name, for the message.
    """
    merged = dict(allowed)
    if options is None:
        return merged
    check_instance(options, "options", Mapping, "a mapping of option name to value or None")
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        known = ", ".join(f"'{k}'" for k in allowed) or "none"
        raise InvalidInputError(
            f"Unknown {'option' if len(unknown) == 1 else 'options'} "
            f"{', '.join(repr(u) for u in unknown)} for method "
            f"'{method}'; it accepts: {known}."
        )
    merged.update(options)
    return merged


def check_scalar(
    value: object,
    name: str,
    *,
    lower: float | None = None,
    upper: float | None = None,
    lower_inclusive: bool = True,
    upper_inclusive: bool = True,
    integer: bool = False,
) -> float:
    """Check a scalar parameter and return it as a float (or an int if ``integer``).

    Raises
    ------
    InvalidInputError
        For example ``\\`budget\\` must be a finite number > 0. Got -5.0 instead.``
    """
    given = type(value)  # plain floats and ints first: the ABC checks cost more
    if given is float or given is int:
        ok_type = given is int or not integer
    elif integer:
        ok_type = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    else:
        ok_type = isinstance(value, numbers.Real) and not isinstance(value, bool)
    number = float(value) if ok_type else math.nan  # type: ignore[arg-type]
    too_low = lower is not None and (number < lower or (not lower_inclusive and number == lower))
    too_high = upper is not None and (number > upper or (not upper_inclusive and number == upper))
    if not math.isfinite(number) or too_low or too_high:
        kind = "an integer" if integer else "a finite number"
        bounds = []
        if lower is not None:
            bounds.append(f"{'>=' if lower_inclusive else '>'} {lower:g}")
        if upper is not None:
            bounds.append(f"{'<=' if upper_inclusive else '<'} {upper:g}")
        contract = f"`{name}` must be {kind}" + (f" {' and '.join(bounds)}" if bounds else "")
        raise InvalidInputError(f"{contract}. Got {short_repr(value)} instead.")
    return int(value) if integer else number  # type: ignore[call-overload]


# Arrays the library built itself and handed over read-only (see :func:`frozen`),
# keyed by ``id``; the weak reference tells a live entry from a reused id.  This is
# the private route by which readers, generators, ``take`` and the ``from_*``
# constructors give a validated object a fresh array without a second copy: a caller
# cannot put an array in here, so every array a caller passes is copied.
_LIBRARY_BUILT: dict[int, weakref.ref[npt.NDArray[Any]]] = {}


def _register(view: npt.NDArray[_S]) -> npt.NDArray[_S]:
    key = id(view)

    def forget(ref: weakref.ref[npt.NDArray[Any]], key: int = key) -> None:
        if _LIBRARY_BUILT.get(key) is ref:
            del _LIBRARY_BUILT[key]

    _LIBRARY_BUILT[key] = weakref.ref(view, forget)
    return view


def _library_built(array: npt.NDArray[Any]) -> bool:
    """Whether ``array`` came from :func:`frozen` (a read-only view of a read-only owner)."""
    ref = _LIBRARY_BUILT.get(id(array))
    return ref is not None and ref() is array


def _fresh_from(array: npt.NDArray[Any], source: object) -> bool:
    """Whether numpy built ``array`` anew from ``source`` (a list, another dtype), so no
    one else holds its memory."""
    if array is source or not array.flags.owndata:
        return False
    if isinstance(source, np.ndarray):
        return not np.may_share_memory(array, source)
    return isinstance(source, (list, tuple, numbers.Number))


def as_owned(array: npt.NDArray[_S], source: object) -> npt.NDArray[_S]:
    """``array`` (converted from ``source``) as a read-only array no caller can write.

    A validated object keeps the result.  Every array a caller passes is copied (a
    read-only array too: its holder could make it writeable again); an array numpy
    built fresh from ``source`` (a list, another dtype) is kept as is, and so is an
    array the library handed over through :func:`frozen`, so that readers, generators
    and ``take`` pay no second copy.  The result is a read-only *view* of a read-only
    owner: ``result.flags.writeable = True`` raises, and so does any edit.
    """
    if _library_built(array):
        return array
    if not _fresh_from(array, source):
        array = array.copy()
    return frozen(array)


def frozen(array: npt.NDArray[_S]) -> npt.NDArray[_S]:
    """Hand a freshly built array to a validated object without a copy.

    For the library's own constructors only (never a caller's array): the array is made
    read-only and a read-only view of it is returned, which :func:`as_owned` recognises
    and keeps without a copy.  An array that does not own its memory (a view) is copied
    first, so the owner behind the view is never shared.
    """
    if _library_built(array):
        return array
    if not array.flags.owndata:
        array = array.copy()
    array.flags.writeable = False
    return _register(array.view())


def rebuild_on_unpickle(obj: Any) -> tuple[Any, tuple[Any, ...]]:
    """``__reduce__`` of a validated dataclass: rebuild it through its constructor.

    Unpickling (and :func:`copy.deepcopy`) would otherwise restore its arrays as plain
    writeable arrays, unchecked; through the constructor they are validated and stored
    read-only again.
    """
    return type(obj), tuple(getattr(obj, f.name) for f in dataclasses.fields(obj))


def as_float_array(
    value: object,
    name: str,
    *,
    ndim: int | None = 1,
    nonnegative: bool = False,
    allow_nan: bool = False,
    owned: bool = False,
) -> FloatArray:
    """Convert ``value`` to a float64 array and check its shape, finiteness and sign.

    With ``owned=True`` the result is read-only and shares no memory with the caller
    (see :func:`as_owned`), for validated objects that keep it.

    Raises
    ------
    InvalidInputError
        Naming ``name``, the contract, and the first offending entry.
    """
    if value is None:  # np.asarray(None, float) is nan: say what was given
        raise InvalidInputError(f"`{name}` must be an array of numbers. Got None instead.")
    if isinstance(value, np.ndarray) and value.dtype.kind == "c":
        raise InvalidInputError(
            f"`{name}` must be an array of real numbers. Got a complex array "
            f"{short_repr(value)} instead."
        )
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"`{name}` must be an array of numbers. Got {short_repr(value)} instead ({exc})."
        ) from None
    if owned:
        # copied before the checks, so what is checked is what is kept
        array = as_owned(array, value)
    if ndim is not None and array.ndim != ndim:
        raise InvalidInputError(
            f"`{name}` must be a {ndim}-dimensional array. Got an array of shape "
            f"{array.shape} instead."
        )

    def at(index: tuple[int, ...]) -> str:
        if not index:
            return ""
        return f" at index {index if len(index) > 1 else index[0]}"

    bad = ~np.isfinite(array)
    if allow_nan:
        bad &= ~np.isnan(array)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidInputError(
            f"`{name}` must be finite. Got {float(array[index])!r}{at(index)} instead."
        )
    if nonnegative:
        negative = array < 0
        if negative.any():
            index = tuple(int(i) for i in np.argwhere(negative)[0])
            raise InvalidInputError(
                f"`{name}` must be >= 0. Got {float(array[index])!r}{at(index)} instead."
            )
    return array


def check_rows(rows: object, n: int, *, what: str = "rows") -> npt.NDArray[Any]:
    """Check a row selection (integer indices or a boolean mask) of ``n`` rows.

    Returns it as an int64 index array or a boolean mask of shape ``(n,)``.

    Raises
    ------
    InvalidInputError
        For a mask of another length, non-integer indices, or an index out of range,
        naming ``rows``, the contract and the value.
    """
    array = np.asarray(rows)
    if array.ndim != 1:
        raise InvalidInputError(
            f"`rows` must be a 1-dimensional array of indices or a boolean mask. Got "
            f"shape {array.shape} instead."
        )
    if array.dtype == np.bool_:
        if array.shape != (n,):
            raise InvalidInputError(
                f"`rows` as a boolean mask must have {counted(n, 'entry', 'entries')}, one per "
                f"{what[:-1]}. Got "
                f"{array.size} instead."
            )
        return array
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if array.dtype.kind not in "iu":
        raise InvalidInputError(
            f"`rows` must be integer indices or a boolean mask. Got {short_repr(rows)} "
            f"(dtype {array.dtype}) instead."
        )
    bad = (array < -n) | (array >= n)
    if bad.any():
        raise InvalidInputError(
            f"`rows` must index the {counted(n, what[:-1], what)} (from {-n} to {n - 1}). Got "
            f"{int(array[np.argmax(bad)])} instead."
        )
    return array.astype(np.int64, copy=False)


def check_pctr(values: npt.ArrayLike, name: str = "pctr") -> FloatArray:
    """``values`` as a 1-D float array of click probabilities, each in [0, 1]."""
    theta = as_float_array(values, name, ndim=1, nonnegative=True)
    above = theta > 1.0
    if above.any():
        at = int(np.argmax(above))
        raise InvalidInputError(
            f"`{name}` must be in [0, 1]. Got {float(theta[at])!r} at index {at} instead."
        )
    return theta


def new_directory(path: str | Path, name: str) -> Path:
    """``path`` as a Path, checked to be a new or empty directory (the parameter is
    ``name`` in the message)."""
    root = Path(path)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise InvalidInputError(
            f"{name} must be a new or empty directory. Got {str(root)!r}, which "
            + ("is not empty." if root.is_dir() else "is a file.")
        )
    return root


def check_instance(value: Any, name: str, kind: type | tuple[type, ...], what: str) -> None:
    """Raise unless ``value`` is a ``kind`` (``what`` names it in the message)."""
    if not isinstance(value, kind):
        raise InvalidInputError(
            f"`{name}` must be {what}. Got {short_repr(value)} of type "
            f"{type(value).__name__} instead."
        )
