"""The core never imports dask, distributed or pyarrow; without them, the error names the
``cluster`` extra."""

from __future__ import annotations

import importlib
import subprocess
import sys
from typing import Any

import pytest

from bidopt._dask import require_distributed, require_pyarrow
from bidopt.exceptions import MissingDependencyError


def test_core_imports_none_of_them() -> None:
    code = (
        "import sys, bidopt, bidopt.bidding, bidopt.landscape, bidopt.datasets;"
        "print(sorted(m for m in ('dask', 'distributed', 'pyarrow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("require", "package"), [(require_distributed, "distributed"), (require_pyarrow, "pyarrow")]
)
def test_missing_extra_is_named(
    monkeypatch: pytest.MonkeyPatch, require: Any, package: str
) -> None:
    real = importlib.import_module

    def fake(name: str, *args: Any) -> Any:
        if name.split(".")[0] == package:
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.raises(MissingDependencyError, match=r"bidopt\[cluster\]"):
        require("optimize_bids(client=...)")
