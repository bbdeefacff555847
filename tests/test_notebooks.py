"""The notebooks run from top to bottom without errors (at small scale: MIGSIM_SMALL=1)."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
CELL_TIMEOUT_S = 300


@pytest.mark.parametrize(
    "name", ["01_quickstart.ipynb", "02_policy_tradeoffs.ipynb", "03_experiments.ipynb"]
)
def test_notebook_runs(name, monkeypatch, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("MIGSIM_SMALL", "1")
    monkeypatch.setenv("HOME", str(tmp_path))  # the kernel writes nothing to the real home
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    first = notebook.cells[1]
    assert "parameters" in first.metadata.get("tags", []), "a tagged parameters cell"
    assert "MIGSIM_SMALL" in first.source
    client = nbclient.NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []
    shown = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") in ("execute_result", "display_data", "stream")
    ]
    assert shown, "the notebook shows its results"
