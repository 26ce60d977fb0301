"""The notebooks run top to bottom on the real graph (nbclient, a real kernel)."""

from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path, tmp_path: Path):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    if any("show_network" in cell.source for cell in notebook.cells if cell.cell_type == "code"):
        assert any("<iframe" in h and "srcdoc=" in h for h in html), "the network page is shown inline"
    assert not any("cdn" in h.lower() and "http" in h.lower() and "<script src=" in h.lower() for h in html)
