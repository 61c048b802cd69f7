"""The code of the book is formatted by one formatter (ruff, configured in pyproject.toml).

The HTML pages show about 88 characters of a code cell; longer lines scroll. ``ruff format`` keeps
statements within that width but leaves long strings and comments alone, so the notebooks' code
cells are also checked line by line.
"""

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINE_LENGTH = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"][
    "line-length"
]


def ruff():
    exe = Path(sys.executable).with_name("ruff")
    return str(exe) if exe.exists() else shutil.which("ruff")


def test_formatter_is_configured_for_the_page_width():
    assert LINE_LENGTH <= 88


def test_all_code_is_formatted():
    result = subprocess.run(
        [ruff(), "format", "--check", "--diff", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, "run `ruff format .`:\n" + result.stdout[-3000:]


def test_notebook_code_lines_fit_the_code_box():
    too_long = []
    for path in sorted((ROOT / "book").rglob("*.ipynb")):
        if "_build" in path.parts or ".ipynb_checkpoints" in path.parts:
            continue
        cells = json.loads(path.read_text())["cells"]
        for k, cell in enumerate(cells):
            if cell["cell_type"] != "code":
                continue
            for line in "".join(cell["source"]).splitlines():
                if len(line) > LINE_LENGTH:
                    too_long.append(
                        f"{path.relative_to(ROOT)} cell {k}: {line[:60]}..."
                    )
    assert not too_long, (
        f"{len(too_long)} code lines over {LINE_LENGTH}:\n" + "\n".join(too_long[:40])
    )
