"""Every public result of every bidopt package is a frozen dataclass that can explain
itself: ``summary()`` (text) and ``to_frame()`` (a DataFrame, with pandas)."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil

import pytest

import bidopt

#: Public dataclasses that are not results, and why.
NOT_RESULTS = {
    "Categorical": "a column type of KeywordLog, not a result",
    "ConstraintCheck": "one row of a Certificate (Certificate.to_frame() lists them)",
    "PriceHistogram": "a model of market prices with methods, like ResponseCurve",
    "ArmStatistics": "the per-arm sufficient statistics compare() takes (its input)",
    "SlotOutcome": "what a pacing controller is told after each slot (its input)",
}


def _public_dataclasses() -> list[tuple[str, type]]:
    found = {}
    packages = sorted(m.name for m in pkgutil.iter_modules(bidopt.__path__) if m.ispkg)
    modules = [bidopt, *(importlib.import_module(f"bidopt.{name}") for name in packages)]
    for module in modules:
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, type) and dataclasses.is_dataclass(obj):
                found[name] = obj
    return sorted(found.items())


@pytest.mark.parametrize(("name", "cls"), _public_dataclasses(), ids=lambda x: str(x))
def test_results_are_frozen_and_explain_themselves(name: str, cls: type) -> None:
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    assert params.frozen, f"{name} must be frozen"
    if name in NOT_RESULTS:
        return
    assert callable(getattr(cls, "summary", None)), f"{name} has no summary()"
    assert callable(getattr(cls, "to_frame", None)), f"{name} has no to_frame()"


def test_the_list_of_exceptions_is_current() -> None:
    names = {name for name, _ in _public_dataclasses()}
    assert set(NOT_RESULTS) - {"PriceHistogram"} <= names
