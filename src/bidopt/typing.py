"""Type aliases used across bidopt's public signatures."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = ["ArrayLike", "BoolArray", "FloatArray", "IntArray", "ObjectArray", "RandomState"]

#: A float64 array (money in yuan, rates as fractions, expected counts).
FloatArray: TypeAlias = npt.NDArray[np.float64]
#: An integer array (observed counts, codes, indices).
IntArray: TypeAlias = npt.NDArray[np.int64]
#: A boolean mask.
BoolArray: TypeAlias = npt.NDArray[np.bool_]
#: An array of Python objects (usually ``str``).
ObjectArray: TypeAlias = npt.NDArray[np.object_]
#: Anything numpy can turn into an array.
ArrayLike: TypeAlias = npt.ArrayLike
#: What an ``rng=`` parameter accepts (SPEC 7): a seed, a Generator, or None.
RandomState: TypeAlias = int | np.random.Generator | np.random.SeedSequence | None
