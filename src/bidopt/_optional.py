"""Optional dependencies, imported only when a feature that needs them is used."""

from __future__ import annotations

from typing import Any

__all__ = ["require_matplotlib", "require_pandas"]


def require_pandas(what: str) -> Any:
    """Import pandas for ``what`` or raise ImportError saying how to install it."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - exercised by monkeypatching in tests
        raise ImportError(
            f"{what} needs pandas, which is not installed. Install it with "
            "`pip install bidopt[pandas]` (or `pip install pandas`)."
        ) from None
    return pd


def require_matplotlib(what: str) -> Any:
    """Import ``matplotlib.figure`` for ``what`` or raise ImportError saying how to install
    it.  Figures are built without pyplot (no global state, no GUI backend)."""
    try:
        import matplotlib.figure
    except ImportError:  # pragma: no cover - exercised by monkeypatching in tests
        raise ImportError(
            f"{what} needs matplotlib, which is not installed. Install it with "
            "`pip install bidopt[plot]` (or `pip install matplotlib`)."
        ) from None
    return matplotlib.figure
