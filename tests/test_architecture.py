"""The package's architecture, read from the source (AST only, nothing is imported).

Three rules, each with a test on ``src/bidopt`` and a test that the check itself finds
a violation planted in a small tree:

1. No import cycle between modules.  Every import counts, at module level or inside a
   function, except those under ``if TYPE_CHECKING:`` (they never run).  Importing
   ``a.b.c`` runs ``a/__init__.py`` and ``a/b/__init__.py`` first; those implicit
   parent imports are not edges (a package's ``__init__`` re-exporting its own private
   modules is how every sub-package is built).
2. No module imports another sub-package's private module (or a private name from
   another sub-package): ``bidopt.landscape`` may use ``bidopt.grouping.pool_rates``,
   never ``bidopt.grouping._pooling``.  Top-level private modules (``bidopt._validation``,
   ``bidopt._tables``, ...) are shared infrastructure and may be imported anywhere.
3. The data packages (``datasets``, ``landscape``) import no optimiser package
   (``bidding``, ``channels``, ``replay``, ``pacing``): data flows from history to the
   optimisers, never back (type-only imports count here: they are still a dependency).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "bidopt"
DATA_PACKAGES = frozenset({"datasets", "landscape"})
OPTIMISER_PACKAGES = frozenset({"bidding", "channels", "replay", "pacing"})


@dataclass(frozen=True)
class Import:
    """One import statement's target, as a module of the tree (or outside it)."""

    importer: str  # dotted module name
    target: str  # dotted module name the statement loads
    name: str | None  # the name taken from ``target`` (``from target import name``)
    line: int
    type_only: bool  # under ``if TYPE_CHECKING:``

    def where(self) -> str:
        return f"{self.importer}:{self.line}"


def _modules(root: Path) -> dict[str, Path]:
    """Dotted name -> source file of every module under ``root`` (a package directory)."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """Every import in the module ``name``, resolved to modules of the tree."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, type_only: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, type_only)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(name, alias.name, None, node.lineno, type_only))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if submodule in modules:  # ``from bidopt import plotting``
                    found.append(Import(name, submodule, None, node.lineno, type_only))
                else:
                    found.append(Import(name, source, alias.name, node.lineno, type_only))
        for child in ast.iter_child_nodes(node):
            visit(child, type_only)

    visit(tree, False)
    return found


def _graph(root: Path) -> tuple[dict[str, Path], list[Import]]:
    modules = _modules(root)
    edges = [
        imp
        for name, path in modules.items()
        for imp in _imports(name, path, modules)
        if imp.target in modules
    ]
    return modules, edges


def _subpackage(module: str, modules: dict[str, Path]) -> str | None:
    """The sub-package (``bidding``) a module belongs to; None for top-level modules."""
    parts = module.split(".")
    if len(parts) > 2:  # a module inside a sub-package directory
        return parts[1]
    if len(parts) == 2 and modules[module].name == "__init__.py":
        return parts[1]
    return None


def import_cycles(root: Path) -> list[str]:
    """Each import cycle among the modules under ``root``, as the chain of imports."""
    modules, edges = _graph(root)
    succ: dict[str, dict[str, Import]] = {m: {} for m in modules}
    for imp in edges:
        if not imp.type_only and imp.target != imp.importer:
            succ[imp.importer].setdefault(imp.target, imp)
    # Tarjan's strongly connected components (iterative)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in sorted(modules):
        if start in index:
            continue
        work = [(start, iter(sorted(succ[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(succ[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    out = []
    for component in components:
        inside = set(component)
        links = [
            f"{imp.where()} imports {target}"
            for member in component
            for target, imp in sorted(succ[member].items())
            if target in inside
        ]
        out.append(" -> ".join(component) + " (" + "; ".join(links) + ")")
    return out


def private_imports(root: Path) -> list[str]:
    """Imports of another sub-package's private module or private name."""
    modules, edges = _graph(root)
    out = []
    for imp in edges:
        theirs = _subpackage(imp.target, modules)
        if theirs is None or theirs == _subpackage(imp.importer, modules):
            continue
        below = imp.target.split(".")[2:]
        private_module = any(part.startswith("_") for part in below)
        private_name = (
            imp.name is not None and imp.name.startswith("_") and not imp.name.startswith("__")
        )
        if private_module or private_name:
            what = imp.target + (f".{imp.name}" if private_name else "")
            out.append(f"{imp.where()} imports {what}")
    return out


def data_imports_optimiser(root: Path) -> list[str]:
    """Imports of an optimiser package by a module of a data package."""
    modules, edges = _graph(root)
    return [
        f"{imp.where()} imports {imp.target}" + (" (type-only)" if imp.type_only else "")
        for imp in edges
        if _subpackage(imp.importer, modules) in DATA_PACKAGES
        and _subpackage(imp.target, modules) in OPTIMISER_PACKAGES
    ]


# --- the package ------------------------------------------------------------------------


def test_the_source_tree_is_found() -> None:
    modules = _modules(SRC)
    assert {"bidopt", "bidopt.bidding", "bidopt.datasets", "bidopt.landscape"} <= set(modules)
    assert len(modules) > 40


def test_no_import_cycle() -> None:
    cycles = import_cycles(SRC)
    assert not cycles, "Import cycles:\n" + "\n".join(cycles)


def test_no_private_module_of_another_subpackage_is_imported() -> None:
    found = private_imports(SRC)
    assert not found, "Private imports across sub-packages:\n" + "\n".join(found)


def test_data_packages_import_no_optimiser() -> None:
    found = data_imports_optimiser(SRC)
    assert not found, "Data packages importing optimisers:\n" + "\n".join(found)


# --- the checks find what they look for ----------------------------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "bidopt"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_cycle_through_a_function_level_import_is_found(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "channels/__init__.py": "from bidopt.channels._split import split\n",
            "channels/_split.py": "from bidopt.channels._target import least\n\ndef split(): ...\n",
            "channels/_target.py": (
                "def least():\n    from bidopt.channels._split import split\n    return split\n"
            ),
            "channels/_other.py": "from . import _split\n",  # one way only: no cycle
        },
    )
    (cycle,) = import_cycles(root)
    assert cycle.startswith("bidopt.channels._split -> bidopt.channels._target")
    assert "bidopt.channels._target:2 imports bidopt.channels._split" in cycle


def test_relative_and_type_only_imports(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "a/__init__.py": "",
            "a/_x.py": "from ._y import f\n",
            "a/_y.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ._x import g\n"
            ),
            "b/__init__.py": "",
            "b/_z.py": "from .._w import h\nfrom ..a import _x\n",
            "_w.py": "from bidopt.b._z import k\n",
        },
    )
    # the type-only import closes no cycle; _w <-> b._z does (via the relative import)
    (cycle,) = import_cycles(root)
    assert cycle.startswith("bidopt._w -> bidopt.b._z")
    assert private_imports(root) == [
        "bidopt._w:1 imports bidopt.b._z",
        "bidopt.b._z:2 imports bidopt.a._x",
    ]


def test_private_imports_across_subpackages_are_found(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "_validation.py": "",
            "grouping/__init__.py": "from bidopt.grouping._pooling import pool_rates\n",
            "grouping/_pooling.py": "from bidopt._validation import check\n",
            "landscape/__init__.py": "",
            "landscape/_estimate.py": (
                "from bidopt.grouping import pool_rates\n"  # public: fine
                "from bidopt.grouping._pooling import pool_rates as p\n"
                "from bidopt.grouping import _pooling\n"
                "from bidopt.grouping import _helper\n"
                "from bidopt.landscape import _land\n"  # its own package: fine
            ),
        },
    )
    assert private_imports(root) == [
        "bidopt.landscape._estimate:2 imports bidopt.grouping._pooling",
        "bidopt.landscape._estimate:3 imports bidopt.grouping._pooling",
        "bidopt.landscape._estimate:4 imports bidopt.grouping._helper",
    ]


def test_a_data_package_importing_an_optimiser_is_found(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "channels/__init__.py": "",
            "grouping/__init__.py": "",
            "datasets/__init__.py": "",
            "datasets/_plan.py": (
                "from typing import TYPE_CHECKING\n"
                "from bidopt.grouping import x\n"  # not an optimiser: fine
                "if TYPE_CHECKING:\n"
                "    from bidopt.channels import ResponseCurve\n"
                "def curves():\n"
                "    import bidopt.channels\n"
            ),
        },
    )
    assert data_imports_optimiser(root) == [
        "bidopt.datasets._plan:4 imports bidopt.channels (type-only)",
        "bidopt.datasets._plan:6 imports bidopt.channels",
    ]


@pytest.mark.parametrize("rule", [import_cycles, private_imports, data_imports_optimiser])
def test_a_clean_tree_passes(tmp_path: Path, rule: object) -> None:
    root = _tree(
        tmp_path,
        {
            "datasets/__init__.py": "from bidopt.datasets._log import Log\n",
            "datasets/_log.py": "class Log: ...\n",
            "bidding/__init__.py": "from ._opt import optimize\n",
            "bidding/_opt.py": "from bidopt.datasets import Log\n\ndef optimize(): ...\n",
        },
    )
    assert callable(rule)
    assert rule(root) == []
