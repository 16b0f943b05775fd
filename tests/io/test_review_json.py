"""Review of bidopt.io: a damaged, hand-edited or foreign document is refused with an
InvalidInputError naming `text` (not a KeyError, TypeError or binascii.Error), and a
document without a valid format version or without its object is not read."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from bidopt import io
from bidopt.exceptions import InvalidInputError


def _document(obj: Any, **changes: Any) -> str:
    document = {"format": "bidopt", "format_version": 1, "object": obj}
    document.update(changes)
    return json.dumps(document)


_ONE = {"dtype": "<f8", "shape": [1], "data": "AAAAAAAAAAA="}


@pytest.mark.parametrize(
    "node",
    [
        {"__ndarray__": {"dtype": "<f8"}},  # KeyError
        {"__ndarray__": {**_ONE, "data": "!!"}},  # binascii.Error
        {"__ndarray__": {**_ONE, "shape": [3]}},  # ValueError (reshape)
        {"__ndarray__": {**_ONE, "dtype": "zz"}},  # TypeError (dtype)
        {"__ndarray__": {"dtype": "object", "shape": [2], "items": 3}},
        {"__type__": "bidopt.plotting.PlotStyle"},  # no fields
        {"__type__": "bidopt.bidding.Frontier", "fields": {}},  # missing fields
        {"__dict_items__": [[1]]},
        {"__set__": [[1]]},  # unhashable
        {"__tuple__": 5},
    ],
    ids=lambda node: json.dumps(node)[:40],
)
def test_a_damaged_document_is_refused_with_a_bidopt_error(node: Any) -> None:
    with pytest.raises(InvalidInputError, match="`text` must be a document as bidopt.io"):
        io.from_json(_document(node))


@pytest.mark.parametrize("value", ["abc", "1.5", "NaN"])
def test_a_non_finite_float_must_be_nan_or_inf(value: str) -> None:
    # "1.5" was read as 1.5 and "abc" raised a ValueError
    with pytest.raises(InvalidInputError, match="'nan', 'inf' or '-inf'. Got"):
        io.from_json(_document({"__float__": value}))
    assert np.isneginf(io.from_json(_document({"__float__": "-inf"})))


@pytest.mark.parametrize("version", [0, -3, True, "1", None])
def test_the_format_version_must_be_a_known_one(version: Any) -> None:
    # 0, -3 and True were read as version 1
    with pytest.raises(InvalidInputError, match="`text` must record its format version"):
        io.from_json(_document(1.0, format_version=version))


def test_a_document_without_its_object_is_refused() -> None:
    # it was read as None
    text = json.dumps({"format": "bidopt", "format_version": 1})
    with pytest.raises(InvalidInputError, match="`text` must hold the saved object"):
        io.from_json(text)
    assert io.from_json(_document(None)) is None  # a saved None still reads


def test_expected_must_be_a_class() -> None:
    with pytest.raises(InvalidInputError, match="`expected` must be a class or None"):
        io.from_json(io.to_json(1.0), expected=3)  # type: ignore[arg-type]
