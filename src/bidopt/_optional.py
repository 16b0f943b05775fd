"""Optional dependencies, imported only when a feature that needs them is used."""

from __future__ import annotations

import importlib
from typing import Any

from bidopt.exceptions import MissingDependencyError

__all__ = ["require_matplotlib", "require_openpyxl", "require_pandas"]


def _require(module: str, what: str, extra: str, package: str) -> Any:
    """Import ``module`` for ``what`` or raise MissingDependencyError (an ImportError)
    saying how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:  # pragma: no cover - exercised by monkeypatching in tests
        raise MissingDependencyError(
            f"{what} needs {package}, which is not installed. Install it with "
            f"`pip install bidopt[{extra}]` (or `pip install {package}`)."
        ) from None


def require_pandas(what: str) -> Any:
    """Import pandas for ``what`` or raise ImportError saying how to install it."""
    return _require("pandas", what, "pandas", "pandas")


def require_matplotlib(what: str) -> Any:
    """Import ``matplotlib.figure`` for ``what`` (figures are built without pyplot: no
    global state, no GUI backend) or raise ImportError saying how to install it."""
    return _require("matplotlib.figure", what, "plot", "matplotlib")


def require_openpyxl(what: str) -> Any:
    """Import openpyxl (Excel ``.xlsx`` files) for ``what`` or raise ImportError saying
    how to install it."""
    return _require("openpyxl", what, "excel", "openpyxl")
