"""The first cell of every notebook: on Colab, or in any Python without the book's package, it
installs ``lecture_utils`` from a pinned release of the book's repository.

Usage: python scripts/colab_cell.py [NOTEBOOK ...]   (inserts or updates the cell in the notebooks
given, by default in every notebook under book/)

The release is the git tag ``v`` + the version of pyproject.toml (``v0.1.0``), in the repository
whose url _config.yml gives; never a branch, so that a notebook always installs the code it was
executed with. To release a new version of the package (when the notebooks need code that the
last release lacks):

1. raise ``version`` in pyproject.toml and ``__version__`` in lecture_utils/__init__.py (a test
   checks that they agree);
2. run ``python scripts/colab_cell.py``: every notebook's first cell then installs the new tag;
3. commit, tag that commit ``v<version>`` and push the tag (``git tag v0.2.0 && git push origin
   v0.2.0``).

The install keeps what the runtime has where it satisfies the package's requirements: no
``--upgrade``, no ``--force-reinstall`` and no torch of its own, so Colab's torch (any version
from the lowest that pyproject.toml admits, see tests/test_environment.py) stays.

If pip fails (no network, a release tag that was never pushed), the cell raises a ``RuntimeError``
that says what to do, rather than leaving the next cell to fail with ``ModuleNotFoundError``.

The cell is tagged ``remove-cell``, so that it stays out of the book's pages, and it prints nothing
where ``lecture_utils`` is importable (as wherever the notebooks are executed and tested), so that
nbval has nothing to compare. Running this script twice changes nothing.
"""

from __future__ import annotations

import copy
import sys
import tomllib
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
CELL_ID = "install-lecture-utils"
TAGS = ["remove-cell"]


def release(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """The git tag of the release the install cell pins: ``v`` + pyproject.toml's version."""
    version = tomllib.loads(pyproject.read_text())["project"]["version"]
    return f"v{version}"


def repository(
    config: Path = ROOT / "_config.yml", pyproject: Path = ROOT / "pyproject.toml"
) -> tuple[str, str]:
    """The url of the book's repository (as _config.yml gives it) and the release to install."""
    url = yaml.safe_load(config.read_text())["repository"]["url"].rstrip("/")
    return url, release(pyproject)


def cell_source(url: str, ref: str) -> str:
    """The source of the install cell: the package at the git tag (or commit) ``ref`` of ``url``.

    The cell runs pip in a subprocess and checks its exit status: if the install fails (no network,
    a tag that was never pushed), it raises a ``RuntimeError`` that says what to do, instead of
    letting the next cell fail with ``ModuleNotFoundError``. Its lines fit the code box (88
    characters).
    """
    if not ref or ref in {"main", "master", "HEAD"}:
        raise ValueError(f"install a release (a tag or a commit), not {ref!r}")
    return "\n".join(
        [
            "# On Colab, or in any Python without the book's package: install the release of",
            "# the book's package that these notebooks were executed with (what is installed",
            "# already, such as Colab's torch, is kept where it satisfies its requirements).",
            "try:",
            "    import lecture_utils",
            "except ImportError:",
            "    import subprocess",
            "    import sys",
            "",
            f'    _book = "{url}"',
            f'    _package = f"lecture_utils @ git+{{_book}}@{ref}"',
            '    _pip = [sys.executable, "-m", "pip", "install", "--quiet", _package]',
            "    _done = subprocess.run(_pip, capture_output=True, text=True)",
            "    if _done.returncode != 0:",
            "        raise RuntimeError(",
            '            f"pip could not install {_package!r}:\\n{_done.stderr[-1500:]}\\n"',
            '            "What to do: check that this runtime reaches the internet and run "',
            '            "this cell again; if the release is missing, install the book\'s "',
            '            "package from a copy of its repository (pip install -e .), or open "',
            '            "the notebook on Binder, where it is installed."',
            "        )",
            "    import lecture_utils  # raises if the install did not make it importable",
        ]
    )


def is_install_cell(cell: nbformat.NotebookNode) -> bool:
    """Whether ``cell`` is an install cell (of this or an earlier version of this script)."""
    return (
        cell.cell_type == "code"
        and "import lecture_utils" in cell.source
        and ("pip install" in cell.source or '"pip", "install"' in cell.source)
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
    paths = [Path(a).resolve() for a in argv] if argv else notebooks()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if update(nb, source):
            nbformat.validate(nb)
            nbformat.write(nb, path)
            print(f"updated  {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
