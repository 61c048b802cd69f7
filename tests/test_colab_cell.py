"""The install cell of the notebooks (scripts/colab_cell.py) pins a release of the book, the one
pyproject.toml names, and installs nothing that the runtime (Colab's torch) already satisfies."""

import re
import shlex
import tomllib
from pathlib import Path

import nbformat
import pytest

import lecture_utils

from notebook_code import load_script

ROOT = Path(__file__).resolve().parents[1]


colab_cell = load_script("colab_cell")
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
URL, REF = colab_cell.repository()


def pip_calls(source, importable):
    """The lines that running the cell in IPython hands to %pip (its variables expanded), with
    lecture_utils importable or not."""
    from IPython.core.interactiveshell import InteractiveShell

    if not importable:
        source = source.replace("import lecture_utils", "import lecture_utils_missing")
        assert "lecture_utils_missing" in source
    shell = InteractiveShell.instance()
    magics = shell.magics_manager.magics["line"]
    original, calls = magics["pip"], []
    magics["pip"] = calls.append
    try:
        result = shell.run_cell(source, store_history=False)
    finally:
        magics["pip"] = original
    assert result.success, result.error_in_exec or result.error_before_exec
    return calls


def test_the_release_is_the_version_of_pyproject_and_of_the_package():
    assert REF == f"v{VERSION}"
    assert re.fullmatch(r"v\d+\.\d+\.\d+", REF), REF
    assert lecture_utils.__version__ == VERSION, (
        "lecture_utils.__version__ and pyproject.toml's version must be raised together"
    )
    assert URL == "https://github.com/loss-landscapes-book/loss-landscapes-book"


def test_the_cell_installs_the_pinned_release_and_nothing_else():
    calls = pip_calls(colab_cell.cell_source(URL, REF), importable=False)
    assert len(calls) == 1
    words = shlex.split(calls[0])
    assert words == ["install", "--quiet", f"lecture_utils @ git+{URL}@v{VERSION}"]
    # Nothing that would make pip replace what the runtime has (Colab's torch): no upgrade,
    # no reinstall, no torch or index of its own.
    assert not {"-U", "--upgrade", "--force-reinstall", "--ignore-installed"} & set(
        words
    )
    assert "torch" not in calls[0] and "index-url" not in calls[0]


def test_the_cell_does_nothing_where_the_package_is_installed():
    assert pip_calls(colab_cell.cell_source(URL, REF), importable=True) == []


@pytest.mark.parametrize("ref", ["main", "master", "HEAD", ""])
def test_a_branch_is_refused(ref):
    with pytest.raises(ValueError, match="release"):
        colab_cell.cell_source(URL, ref)


def test_the_script_replaces_an_install_cell_of_a_branch_and_then_changes_nothing():
    old = "\n".join(
        [
            "try:",
            "    import lecture_utils",
            "except ImportError:",
            f'    %pip install --quiet "lecture_utils @ git+{URL}@main"',
        ]
    )
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(old, metadata={"tags": ["remove-cell"]}),
            nbformat.v4.new_code_cell("import lecture_utils as lu"),
        ]
    )
    source = colab_cell.cell_source(URL, REF)
    assert colab_cell.update(nb, source)
    assert nb.cells[0].source == source and "@main" not in source
    assert f"@v{VERSION}" in source and len(nb.cells) == 2
    assert not colab_cell.update(nb, source)


def test_the_cell_lines_fit_the_code_box():
    for line in colab_cell.cell_source(URL, REF).splitlines():
        assert len(line) <= 88, line
