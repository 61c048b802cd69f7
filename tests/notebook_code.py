"""The code cells of the book's notebooks, as Python source, for the tests that read code;
and the book's scripts, loaded as modules."""

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def notebooks():
    """Every notebook of the book, checkpoints left out."""
    return sorted(
        p
        for p in (ROOT / "book").rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts
    )


def python_source(cell_source):
    """A code cell as Python: IPython magics and shell lines become `pass` (None: a non-Python cell magic)."""
    lines = cell_source.splitlines()
    if (
        lines
        and lines[0].startswith("%%")
        and lines[0][2:].split()[:1] not in (["time"], ["timeit"], ["capture"])
    ):
        return None
    return "\n".join(
        line[: len(line) - len(line.lstrip())] + "pass"
        if line.lstrip().startswith(("%", "!"))
        else line
        for line in lines
    )


def code_cells():
    """(where, source) of every Python code cell of the book."""
    for path in notebooks():
        for index, cell in enumerate(json.loads(path.read_text())["cells"]):
            source = (
                python_source("".join(cell["source"]))
                if cell["cell_type"] == "code"
                else None
            )
            if source is not None:
                yield f"{path.relative_to(ROOT)} cell {index}", source


def load_script(name):
    """``scripts/<name>.py`` loaded as a module (the scripts are no package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
