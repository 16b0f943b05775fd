"""JSON save and load of bidopt's fitted objects and results, generically.

An object is written as a JSON tree in which every value says what it is:

* ``null``, ``true``/``false``, integers, finite floats and strings as themselves
  (floats are written with ``repr``, which reads back to the same float, bit for bit);
  non-finite floats as ``{"__float__": "nan" | "inf" | "-inf"}``;
* numpy arrays as ``{"__ndarray__": {"dtype", "shape", "data"}}`` with the raw bytes in
  base64 (little-endian, C order: the same array bit for bit), or ``"items"`` (a list of
  encoded elements) for arrays of Python objects (keywords, campaign names);
* numpy scalars as 0-d arrays (``"scalar": true``);
* lists as lists; tuples, sets and frozensets tagged (``__tuple__``, ``__set__``,
  ``__frozenset__``); mappings as ``{"__dict__": {...}}`` (string keys) or
  ``{"__dict_items__": [[key, value], ...]}`` (other keys), read-only mappings tagged
  ``"readonly": true``;
* bidopt dataclasses and pydantic models as ``{"__type__": "bidopt.landscape.LandscapeModel",
  "fields": {...}}``: the class is looked up by name, and only classes defined in bidopt
  are accepted, so loading never runs code from the file.

The document holds ``format`` (``"bidopt"``), ``format_version`` and ``bidopt_version``.
Anything else (functions, arbitrary classes, open files) cannot be saved: the error
names where it sits in the object.
"""

from __future__ import annotations

import base64
import dataclasses
import importlib
import json
import math
import os
import types
from collections.abc import Mapping
from typing import Any

import numpy as np

from bidopt._validation import short_repr
from bidopt.exceptions import BidoptError, InvalidInputError

__all__ = ["FORMAT_VERSION", "from_json", "load", "save", "to_json"]

#: Version of the JSON layout written by :func:`to_json`; :func:`from_json` reads this
#: version and older ones.
FORMAT_VERSION = 1

_CONTRACT = (
    "numbers, strings, booleans, None, numpy arrays, lists, tuples, sets, mappings and "
    "bidopt result objects"
)


def _pydantic_fields(cls: type) -> dict[str, Any] | None:
    """The fields of a pydantic model class, or None when ``cls`` is not one."""
    fields = getattr(cls, "__pydantic_fields__", None)
    return fields if isinstance(fields, dict) else None


def _is_bidopt_class(cls: type) -> bool:
    module = getattr(cls, "__module__", "")
    return module == "bidopt" or module.startswith("bidopt.")


def _type_name(cls: type) -> str:
    """The shortest public import path of a bidopt class (``bidopt.landscape.X`` rather
    than ``bidopt.landscape._estimate.X``), so files survive moves between private
    modules."""
    parts = cls.__module__.split(".")
    for end in range(1, len(parts) + 1):
        if end < len(parts) and parts[end - 1].startswith("_"):
            break
        module = importlib.import_module(".".join(parts[:end]))
        if getattr(module, cls.__qualname__, None) is cls:
            return f"{module.__name__}.{cls.__qualname__}"
    return f"{cls.__module__}.{cls.__qualname__}"


def _encode_array(value: np.ndarray, where: str) -> dict[str, Any]:
    if value.dtype.hasobject:
        flat = [_encode(item, f"{where}[{i}]") for i, item in enumerate(value.ravel().tolist())]
        return {"dtype": "object", "shape": list(value.shape), "items": flat}
    if value.dtype.fields is not None:
        raise InvalidInputError(
            f"`obj` must be made of {_CONTRACT}. Got a structured array at {where} instead."
        )
    little = value.astype(value.dtype.newbyteorder("<"), copy=False)
    data = np.ascontiguousarray(little).tobytes()
    return {
        "dtype": little.dtype.str,
        "shape": list(value.shape),
        "data": base64.b64encode(data).decode("ascii"),
    }


def _encode(value: Any, where: str) -> Any:
    """``value`` as a JSON-ready tree (see the module docstring)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int) and not isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float) and not isinstance(value, np.floating):
        if math.isfinite(value):
            return float(value)
        return {"__float__": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, np.ndarray):
        return {"__ndarray__": _encode_array(value, where)}
    if isinstance(value, np.generic):
        return {"__ndarray__": {**_encode_array(np.asarray(value), where), "scalar": True}}
    if isinstance(value, list):
        return [_encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return {"__tuple__": [_encode(v, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, (set, frozenset)):
        tag = "__frozenset__" if isinstance(value, frozenset) else "__set__"
        items = sorted(value, key=repr)
        return {tag: [_encode(v, f"{where}{{{v!r}}}") for v in items]}
    if isinstance(value, Mapping) and type(value) in (dict, types.MappingProxyType):
        readonly = isinstance(value, types.MappingProxyType)
        out: dict[str, Any]
        if all(isinstance(k, str) for k in value):
            out = {"__dict__": {k: _encode(v, f"{where}[{k!r}]") for k, v in value.items()}}
        else:
            out = {
                "__dict_items__": [
                    [_encode(k, f"{where} key {k!r}"), _encode(v, f"{where}[{k!r}]")]
                    for k, v in value.items()
                ]
            }
        if readonly:
            out["readonly"] = True
        return out
    cls = type(value)
    if _is_bidopt_class(cls):
        if dataclasses.is_dataclass(value):
            names = [f.name for f in dataclasses.fields(value)]
        else:
            pydantic = _pydantic_fields(cls)
            names = list(pydantic) if pydantic is not None else []
        if names or dataclasses.is_dataclass(value):
            return {
                "__type__": _type_name(cls),
                "fields": {n: _encode(getattr(value, n), f"{where}.{n}") for n in names},
            }
    what = "a function" if callable(value) and not isinstance(value, type) else None
    raise InvalidInputError(
        f"`obj` must be made of {_CONTRACT}. Got {what or f'a {cls.__module__}.{cls.__qualname__}'}"
        f" at {where} instead; such an object cannot be saved (pickle it, or save the "
        "data it was made from)."
    )


def _resolve(name: str) -> type:
    """The bidopt class called ``name`` (dotted path); nothing outside bidopt."""
    if (
        not isinstance(name, str)
        or not name.startswith("bidopt.")
        or any(not part.isidentifier() or part.startswith("__") for part in name.split("."))
    ):
        raise InvalidInputError(
            f"`text` must name only bidopt classes. Got {name!r} instead (not loaded)."
        )
    module_name, _, qualname = name.rpartition(".")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        raise InvalidInputError(
            f"`text` must name bidopt classes that exist in this version. Got {name!r}, "
            "which does not (saved by another bidopt version?)."
        ) from None
    if not (
        isinstance(obj, type)
        and _is_bidopt_class(obj)
        and (dataclasses.is_dataclass(obj) or _pydantic_fields(obj) is not None)
    ):
        raise InvalidInputError(
            f"`text` must name bidopt result classes. Got {name!r}, which is not one."
        )
    return obj


def _decode_array(spec: Mapping[str, Any]) -> Any:
    shape = tuple(int(n) for n in spec["shape"])
    if spec["dtype"] == "object":
        items = [_decode(v) for v in spec["items"]]
        out = np.empty(len(items), dtype=object)
        out[:] = items
        array = out.reshape(shape)
    else:
        dtype = np.dtype(spec["dtype"])
        if dtype.hasobject:
            raise InvalidInputError(f"`text` has an invalid array dtype {spec['dtype']!r}.")
        raw = base64.b64decode(spec["data"], validate=True)
        array = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
        if dtype.byteorder == "<" and not np.little_endian:  # pragma: no cover
            array = array.astype(dtype.newbyteorder("="))
    return array[()] if spec.get("scalar") else array


def _decode(node: Any) -> Any:
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_decode(v) for v in node]
    if not isinstance(node, dict) or len(node) == 0:
        raise InvalidInputError(f"`text` has an unreadable value {node!r}.")
    if "__float__" in node:
        if node["__float__"] not in ("nan", "inf", "-inf"):
            raise InvalidInputError(
                "`text` must write a non-finite float as 'nan', 'inf' or '-inf'. Got "
                f"{node['__float__']!r} instead."
            )
        return float(node["__float__"])
    if "__ndarray__" in node:
        return _decode_array(node["__ndarray__"])
    if "__tuple__" in node:
        return tuple(_decode(v) for v in node["__tuple__"])
    if "__frozenset__" in node:
        return frozenset(_decode(v) for v in node["__frozenset__"])
    if "__set__" in node:
        return {_decode(v) for v in node["__set__"]}
    if "__dict__" in node or "__dict_items__" in node:
        if "__dict__" in node:
            mapping = {k: _decode(v) for k, v in node["__dict__"].items()}
        else:
            mapping = {_decode(k): _decode(v) for k, v in node["__dict_items__"]}
        return types.MappingProxyType(mapping) if node.get("readonly") else mapping
    if "__type__" in node:
        cls = _resolve(node["__type__"])
        fields = {k: _decode(v) for k, v in node["fields"].items()}
        return _build(cls, fields)
    raise InvalidInputError(f"`text` has an unreadable value with keys {sorted(node)}.")


def _build(cls: type, fields: dict[str, Any]) -> Any:
    """An instance of ``cls`` from its fields: through its constructor (which validates
    them), then the fields the constructor does not take set as saved."""
    if not dataclasses.is_dataclass(cls):
        return cls(**fields)
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(fields) - set(known))
    if unknown:
        raise InvalidInputError(
            f"`text` must hold the fields of {cls.__qualname__}. Got "
            f"{'an unknown field' if len(unknown) == 1 else 'unknown fields'} "
            f"{unknown} instead (saved by another bidopt version?)."
        )
    init = {k: v for k, v in fields.items() if known[k].init}
    obj = cls(**init)
    for name, value in fields.items():
        if not known[name].init:
            object.__setattr__(obj, name, value)
    return obj


def to_json(obj: Any, *, indent: int | None = None) -> str:
    """``obj`` as JSON text that :func:`from_json` reads back to an equal object.

    Parameters
    ----------
    obj : object
        A bidopt result or fitted object (a frozen dataclass or pydantic model of
        bidopt), or a number, string, array, tuple, list, set or mapping of them.
    indent : int, optional
        Indentation of the JSON text (None: one line).

    Returns
    -------
    str

    Raises
    ------
    InvalidInputError
        When ``obj`` holds something that cannot be saved (a function, an object of
        another library); the message says where it sits.
    """
    from bidopt import __version__

    document = {
        "format": "bidopt",
        "format_version": FORMAT_VERSION,
        "bidopt_version": __version__,
        "object": _encode(obj, "obj"),
    }
    return json.dumps(document, indent=indent, ensure_ascii=False, allow_nan=False)


def from_json(text: str | bytes, *, expected: type | None = None) -> Any:
    """The object written by :func:`to_json`.

    Parameters
    ----------
    text : str or bytes
    expected : type, optional
        Raise unless the object is an instance of this class.

    Returns
    -------
    object
        Arrays come back with the same dtype, shape and bytes; bidopt objects are rebuilt
        through their constructors, which check them as when they were made.

    Raises
    ------
    InvalidInputError
        When the text is not a bidopt document, is damaged (a value missing its parts,
        base64 or a shape that does not fit), comes from a newer format, names a class
        outside bidopt, or ``expected`` is not a class or does not match.
    """
    if expected is not None and not isinstance(expected, type):
        raise InvalidInputError(
            f"`expected` must be a class or None. Got {short_repr(expected)} instead."
        )
    try:
        document = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"`text` must be JSON written by bidopt.io.to_json. Got text that is not JSON "
            f"({exc}) instead."
        ) from None
    if not isinstance(document, dict) or document.get("format") != "bidopt":
        raise InvalidInputError(
            "`text` must be JSON written by bidopt.io.to_json (with format 'bidopt'). Got "
            f"{str(text)[:60]!r} instead."
        )
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InvalidInputError(
            f"`text` must record its format version, an integer from 1 to {FORMAT_VERSION}. "
            f"Got version {version!r} instead (not written by bidopt.io.to_json)."
        )
    if version > FORMAT_VERSION:
        raise InvalidInputError(
            f"`text` must be in format version <= {FORMAT_VERSION}. Got version {version!r} "
            f"instead (written by bidopt {document.get('bidopt_version')}: upgrade bidopt)."
        )
    if "object" not in document:
        raise InvalidInputError(
            "`text` must hold the saved object under 'object'. Got a document with the keys "
            f"{sorted(document)} instead (truncated or edited?)."
        )
    try:
        obj = _decode(document["object"])
    except BidoptError:
        raise
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        # a damaged or hand-edited file: a tag without its parts, bad base64, a shape
        # that does not fit the data, a bidopt class missing fields
        raise InvalidInputError(
            "`text` must be a document as bidopt.io.to_json writes it. Got one with a "
            f"damaged value ({type(exc).__name__}: {exc}) instead (edited, truncated, or "
            "written by another bidopt version?)."
        ) from None
    if expected is not None and not isinstance(obj, expected):
        raise InvalidInputError(
            f"`expected` must match the saved object. Got {expected.__qualname__}, but the "
            f"file holds a {type(obj).__qualname__}."
        )
    return obj


def save(obj: Any, path: str | os.PathLike[str], *, indent: int | None = None) -> None:
    """Write ``obj`` to ``path`` as UTF-8 JSON (:func:`to_json`).

    Parameters
    ----------
    obj : object
        See :func:`to_json`.
    path : str or path-like
    indent : int, optional
    """
    text = to_json(obj, indent=indent)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def load(path: str | os.PathLike[str], *, expected: type | None = None) -> Any:
    """Read an object written by :func:`save`.

    Parameters
    ----------
    path : str or path-like
    expected : type, optional
        Raise unless the object is an instance of this class.

    Returns
    -------
    object
    """
    with open(path, encoding="utf-8") as handle:
        return from_json(handle.read(), expected=expected)
