"""The notebook tutorial (docs/tutorial.ipynb) runs from top to bottom without an error."""

from __future__ import annotations

import nbformat
from helpers import REPO
from nbclient import NotebookClient


def test_the_tutorial_notebook_executes(tmp_path, monkeypatch):
    notebook = nbformat.read(REPO / "docs" / "tutorial.ipynb", as_version=4)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(REPO)}}).execute()
    outputs = [out for cell in notebook.cells if cell.cell_type == "code"
               for out in cell.get("outputs", [])]
    assert not [out for out in outputs if out.output_type == "error"]
    text = "".join(out.get("text", "") for out in outputs if out.output_type == "stream")
    assert "incidents averted over 208 weeks" in text  # the last cell ran
    assert "contagion.beta" in text  # the refused value was reported by field
