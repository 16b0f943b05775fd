"""Optional Dask support: the one place that imports ``distributed`` and ``pyarrow``.

The core library never needs them; the functions that take ``client=`` or read Parquet
call :func:`require_distributed` / :func:`require_pyarrow`, which raise
:class:`~bidopt.exceptions.MissingDependencyError` (an ImportError) naming the
``cluster`` extra (``pip install bidopt[cluster]``).
"""

from __future__ import annotations

from typing import Any

from bidopt._optional import _require

__all__ = ["require_distributed", "require_pyarrow"]


def require_distributed(what: str) -> Any:
    """``distributed``, or an ImportError naming the ``cluster`` extra."""
    return _require("distributed", what, "cluster", "distributed")


def require_pyarrow(what: str) -> Any:
    """``pyarrow.parquet``, or an ImportError naming the ``cluster`` extra."""
    return _require("pyarrow.parquet", what, "cluster", "pyarrow")
