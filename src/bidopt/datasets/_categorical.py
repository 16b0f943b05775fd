"""Dictionary-encoded string columns.

A keyword log of a million keywords over 28 days has 28 million rows but only a million
distinct keyword strings; storing each column as integer codes into a table of distinct
values keeps memory at O(rows) integers and makes group-bys a ``bincount``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._validation import as_owned, frozen, rebuild_on_unpickle
from bidopt.exceptions import InvalidInputError
from bidopt.typing import ObjectArray

__all__ = ["Categorical"]


@dataclass(frozen=True, slots=True, eq=False)
class Categorical:
    """A column of strings stored as integer codes into a table of distinct values.

    Parameters
    ----------
    codes : array of int32, shape (n_rows,)
        Index of each row's value in ``categories``.
    categories : array of object (str), shape (n_categories,)
        The distinct values.

    Notes
    -----
    ``numpy.asarray(col)`` materialises the strings (an object array of shape
    ``(n_rows,)``); the strings themselves are shared, not copied.
    """

    codes: npt.NDArray[np.int32]
    categories: ObjectArray

    def __post_init__(self) -> None:
        # caller arrays are copied (see ``as_owned``) and stored read-only
        codes = np.asarray(self.codes)
        categories = np.asarray(self.categories, dtype=object)
        if codes.ndim != 1 or categories.ndim != 1:
            raise InvalidInputError(
                "Categorical `codes` and `categories` must be 1-dimensional. Got shapes "
                f"{codes.shape} and {categories.shape} instead."
            )
        if codes.dtype.kind not in "iu":
            raise InvalidInputError(
                f"Categorical codes must be integers. Got dtype {codes.dtype} instead."
            )
        object.__setattr__(self, "codes", as_owned(codes, self.codes))
        object.__setattr__(self, "categories", as_owned(categories, self.categories))
        if self.codes.size and (self.codes.min() < 0 or self.codes.max() >= self.categories.size):
            raise InvalidInputError(
                "Categorical `codes` must index into `categories` "
                f"(0..{self.categories.size - 1}). Got codes from {int(self.codes.min())} "
                f"to {int(self.codes.max())} instead."
            )

    @classmethod
    def from_values(cls, values: Any, categories: Any = None) -> Categorical:
        """Encode a sequence of strings.

        Parameters
        ----------
        values : array-like of str, shape (n_rows,)
        categories : sequence of str, optional
            A fixed table of categories (every value must be in it).  By default the
            sorted distinct values.
        """
        array = np.asarray(values, dtype=object).astype(str)
        if categories is None:
            table, codes = np.unique(array, return_inverse=True)
            return cls(frozen(codes.astype(np.int32).ravel()), frozen(table.astype(object)))
        table = np.asarray(list(categories), dtype=object)
        order = np.argsort(table.astype(str))
        sorted_table = table.astype(str)[order]
        position = np.searchsorted(sorted_table, array)
        position = np.minimum(position, max(sorted_table.size - 1, 0))
        if array.size and not np.array_equal(sorted_table[position], array):
            unknown = sorted(set(array.tolist()) - set(sorted_table.tolist()))
            raise InvalidInputError(
                f"`values` must be among the categories {list(table)}. Got {unknown[:5]} instead."
            )
        return cls(frozen(order[position].astype(np.int32)), table)

    @classmethod
    def from_codes(cls, codes: Any, categories: Any) -> Categorical:
        """Build from existing codes and a table of categories (both copied)."""
        return cls(
            np.ascontiguousarray(codes, dtype=np.int32),
            np.asarray(list(categories), dtype=object),
        )

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return rebuild_on_unpickle(self)

    def __len__(self) -> int:
        return int(self.codes.size)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> ObjectArray:
        values = self.categories[self.codes]
        return values if dtype is None else values.astype(dtype)

    def to_numpy(self) -> ObjectArray:
        """The strings, as an object array of shape (n_rows,)."""
        return self.categories[self.codes]

    def take(self, rows: npt.NDArray[np.intp] | npt.NDArray[np.bool_]) -> Categorical:
        """Select rows (by index or mask); the category table is shared."""
        codes = self.codes[rows]
        return Categorical(frozen(codes) if codes.flags.owndata else codes, self.categories)

    @property
    def n_categories(self) -> int:
        """Number of distinct values."""
        return int(self.categories.size)

    def __repr__(self) -> str:
        head = ", ".join(repr(c) for c in self.categories[:3])
        more = ", ..." if self.categories.size > 3 else ""
        return f"Categorical(n_rows={self.codes.size}, categories=[{head}{more}])"
