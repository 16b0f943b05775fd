"""Every notebook in ``notebooks/`` runs top to bottom without an error."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="executing notebooks needs nbformat")
nbclient = pytest.importorskip("nbclient", reason="executing notebooks needs nbclient")
pytest.importorskip("ipykernel", reason="executing notebooks needs ipykernel")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def test_the_notebooks_are_there() -> None:
    assert len(list(NOTEBOOKS.glob("*.ipynb"))) >= 5


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_notebook_runs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any(o.output_type in ("stream", "execute_result", "display_data") for o in outputs)
    # a notebook that draws shows its figures as images (not as "<Figure ...>" text)
    draws = any("plot_" in cell.source for cell in notebook.cells if cell.cell_type == "code")
    skipped = any("not found" in str(o.get("text", "")) for o in outputs)
    if draws and not skipped:
        assert any("image/png" in o.get("data", {}) for o in outputs), "no figure rendered"
