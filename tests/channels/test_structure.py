"""The channels package's layout: no import cycle, no hidden imports, modules a reader
can take in."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bidopt.channels import ResponseCurve, SplitConstraints, split_budget
from bidopt.exceptions import InvalidInputError, SolverError

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "bidopt" / "channels"


def _imports(path: Path) -> tuple[set[str], list[str]]:
    """The bidopt.channels modules ``path`` imports, and the imports of bidopt modules
    made inside functions (which can hide a cycle)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top: set[str] = set()
    hidden: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            if name.startswith("bidopt.channels."):
                top.add(name.split(".")[2])
            if name.startswith("bidopt") and node.col_offset > 0:
                hidden.append(f"{path.name}:{node.lineno} imports {name}")
    return top, hidden


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)) is not None:
            return found
    return None


def test_cycle_finder_can_fail() -> None:
    assert _cycle({"_a": {"_b"}, "_b": {"_c"}, "_c": {"_a"}}) == ["_a", "_b", "_c", "_a"]
    assert _cycle({"_a": {"_b"}, "_b": set()}) is None


def test_channels_modules_form_no_import_cycle_and_hide_no_imports() -> None:
    graph: dict[str, set[str]] = {}
    hidden: list[str] = []
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name == "__init__.py":
            continue
        graph[path.stem], inner = _imports(path)
        hidden.extend(inner)
    assert len(graph) >= 15  # the walk found the modules
    assert _cycle(graph) is None, _cycle(graph)
    assert not hidden, hidden


def test_no_module_is_longer_than_500_lines() -> None:
    long = {
        p.name: n
        for p in PACKAGE.glob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert not long, long


def test_constraint_specs_raise_bidopt_errors() -> None:
    with pytest.raises(InvalidInputError, match=r"`group_shares\['a'\]` must be a fraction"):
        SplitConstraints(groups={"a": ["x"]}, group_shares={"a": 2.0})
    with pytest.raises(InvalidInputError, match="`SplitConstraints` must be given"):
        SplitConstraints(colour="red")  # type: ignore[call-arg]


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_a_scipy_failure_is_a_solver_error() -> None:
    """trust-constr cannot start where a marginal return is infinite (a Hill curve of
    shape < 1 at zero spend): scipy's ValueError becomes a SolverError."""
    curves = {
        "a": ResponseCurve(kind="hill", params={"ceiling": 10.0, "half": 5.0, "shape": 0.5}),
        "b": ResponseCurve(kind="exponential", params={"ceiling": 10.0, "scale": 5.0}),
    }
    with pytest.raises(SolverError, match="`method` 'trust-constr' must evaluate the curves"):
        split_budget(
            curves, 10.0, bounds={"a": (0.0, 0.0)}, method="trust-constr", options={"n_starts": 1}
        )
