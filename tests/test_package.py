from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import bidopt
from bidopt import exceptions

#: bidopt and every sub-package, found on disk so that a new package cannot be missed
PACKAGES = [
    "bidopt",
    *sorted(f"bidopt.{m.name}" for m in pkgutil.iter_modules(bidopt.__path__) if m.ispkg),
]


def test_version_is_a_string() -> None:
    assert isinstance(bidopt.__version__, str)
    assert bidopt.__version__[0].isdigit()


def test_py_typed_marker_is_shipped() -> None:
    assert (Path(bidopt.__file__).parent / "py.typed").is_file()


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_importable(name: str) -> None:
    module = importlib.import_module(name)
    names = list(module.__all__)

    # isort-style order (as ruff's RUF022 enforces): CONSTANTS, Classes, functions.
    def kind(s: str) -> int:
        return 0 if s.isupper() else 1 if s[0].isupper() else 2

    assert names == sorted(names, key=lambda s: (kind(s), s))
    assert len(set(names)) == len(names)
    for public in names:
        assert hasattr(module, public), public


def test_exception_family() -> None:
    assert issubclass(exceptions.InvalidInputError, exceptions.BidoptError)
    assert issubclass(exceptions.InvalidInputError, ValueError)
    assert issubclass(exceptions.InfeasibleError, ValueError)
    assert issubclass(exceptions.SolverError, RuntimeError)
    err = exceptions.InfeasibleError("target_cpa=25.0 is unreachable", {"target_cpa": 6.2})
    assert err.conflicts == {"target_cpa": 6.2}
    assert "unreachable" in str(err)


def test_core_import_does_not_pull_optional_dependencies() -> None:
    code = (
        "import sys, bidopt, bidopt.datasets, bidopt.bidding, bidopt.landscape, "
        "bidopt.channels, bidopt.grouping, bidopt.replay; "
        "bad = [m for m in ('pandas', 'matplotlib', 'jieba', 'opencc') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_bidopt_command_is_installed() -> None:
    """``pip install`` gives a ``bidopt`` command running ``python -m bidopt``'s main."""
    from importlib.metadata import entry_points

    import bidopt.__main__

    (script,) = entry_points(group="console_scripts", name="bidopt")
    assert script.load() is bidopt.__main__.main
