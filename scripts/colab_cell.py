"""The first cell of every notebook: on Colab, or in any Python without the book's package, it
installs ``lecture_utils`` from the book's repository (the url and branch in _config.yml).

Usage: python scripts/colab_cell.py   (inserts or updates the cell in every notebook under book/)

The cell is tagged ``remove-cell``, so that it stays out of the book's pages, and it prints nothing
where ``lecture_utils`` is importable (as wherever the notebooks are executed and tested), so that
nbval has nothing to compare. Running this script twice changes nothing.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
CELL_ID = "install-lecture-utils"
TAGS = ["remove-cell"]


def repository(config: Path = ROOT / "_config.yml") -> tuple[str, str]:
    """The url and branch of the book's repository, as _config.yml gives them."""
    repo = yaml.safe_load(config.read_text())["repository"]
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def cell_source(url: str, branch: str = "main") -> str:
    """The source of the install cell, for the repository at ``url`` (its ``branch``)."""
    return "\n".join(
        [
            "# On Colab, or in any Python without the book's package: install it from the book's repository.",
            "try:",
            "    import lecture_utils",
            "except ImportError:",
            f'    %pip install --quiet "lecture_utils @ git+{url}@{branch}"',
        ]
    )


def is_install_cell(cell: nbformat.NotebookNode) -> bool:
    """Whether ``cell`` is an install cell (of this or an earlier version of this script)."""
    return (
        cell.cell_type == "code"
        and "import lecture_utils" in cell.source
        and "pip install" in cell.source
    )


def update(nb: nbformat.NotebookNode, source: str) -> bool:
    """Make the install cell with ``source`` cell 0 of ``nb``; whether anything changed."""
    if nb.cells and is_install_cell(nb.cells[0]):
        cell = nb.cells[0]
        before = copy.deepcopy(cell)
        cell.source = source
        cell.metadata.pop("nbgrader", None)
        cell.metadata["tags"] = [
            *TAGS,
            *(t for t in cell.metadata.get("tags", []) if t not in TAGS),
        ]
        cell.outputs = []
        return cell != before
    taken = {c.get("id") for c in nb.cells}
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(TAGS)})
    cell.id = (
        CELL_ID if CELL_ID not in taken else cell.id
    )  # new_code_cell drew a random id
    nb.cells.insert(0, cell)
    return True


def notebooks(folder: Path = ROOT / "book") -> list[Path]:
    """Every notebook under ``folder``, build outputs and checkpoints left out."""
    return [
        nb
        for nb in sorted(folder.rglob("*.ipynb"))
        if ".ipynb_checkpoints" not in nb.parts and "_build" not in nb.parts
    ]


def main(argv: list[str] | None = None) -> int:
    source = cell_source(*repository())
    for path in notebooks():
        nb = nbformat.read(path, as_version=4)
        if update(nb, source):
            nbformat.validate(nb)
            nbformat.write(nb, path)
            print(f"updated  {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
