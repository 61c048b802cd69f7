"""The install cell of the notebooks (scripts/colab_cell.py) pins a release of the book, the one
pyproject.toml names, installs nothing that the runtime (Colab's torch) already satisfies, and
stops the notebook with a message that says what to do when the install fails."""

import re
import sys
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


def run_cell(source, importable, monkeypatch, returncode=0):
    """Run the install cell as IPython would (plain Python), with lecture_utils importable or
    not and pip replaced by a stand-in that exits with ``returncode``; the pip command lines."""
    import subprocess

    if not importable:
        # only the first import (the test for the package); the last one, after pip, stays
        source = source.replace(
            "    import lecture_utils\n", "    import lecture_utils_missing\n", 1
        )
        assert "lecture_utils_missing" in source
    calls = []

    def fake_run(command, **kwargs):
        calls.append(command)
        return subprocess.CompletedProcess(
            command, returncode, "", "ERROR: ... did not match any file(s) known to git"
        )

    monkeypatch.setattr(subprocess, "run", fake_run)
    exec(compile(source, "<install cell>", "exec"), {})
    return calls


def pip_calls(source, importable, monkeypatch):
    return run_cell(source, importable, monkeypatch)


def test_the_release_is_the_version_of_pyproject_and_of_the_package():
    assert REF == f"v{VERSION}"
    assert re.fullmatch(r"v\d+\.\d+\.\d+", REF), REF
    assert lecture_utils.__version__ == VERSION, (
        "lecture_utils.__version__ and pyproject.toml's version must be raised together"
    )
    assert URL == "https://github.com/loss-landscapes-book/loss-landscapes-book"


def test_the_cell_installs_the_pinned_release_and_nothing_else(monkeypatch):
    calls = pip_calls(colab_cell.cell_source(URL, REF), False, monkeypatch)
    assert len(calls) == 1
    words = calls[0]
    assert words[:3] == [sys.executable, "-m", "pip"]
    words = words[3:]
    assert words == ["install", "--quiet", f"lecture_utils @ git+{URL}@v{VERSION}"]
    # Nothing that would make pip replace what the runtime has (Colab's torch): no upgrade,
    # no reinstall, no torch or index of its own.
    assert not {"-U", "--upgrade", "--force-reinstall", "--ignore-installed"} & set(
        words
    )
    assert "torch" not in " ".join(words) and "index-url" not in " ".join(words)


def test_the_cell_does_nothing_where_the_package_is_installed(monkeypatch):
    assert pip_calls(colab_cell.cell_source(URL, REF), True, monkeypatch) == []


def test_a_failed_install_stops_the_notebook_with_what_to_do(monkeypatch):
    source = colab_cell.cell_source(URL, REF)
    with pytest.raises(RuntimeError) as failure:
        run_cell(source, False, monkeypatch, returncode=1)
    message = str(failure.value)
    assert (
        f"git+{URL}@{REF}" in message and "did not match" in message
    )  # pip's own words
    assert (
        "What to do" in message
        and "Binder" in message
        and "pip install -e ." in message
    )


def test_an_install_that_leaves_the_package_unimportable_raises(monkeypatch):
    source = colab_cell.cell_source(URL, REF).replace(
        "import lecture_utils", "import lecture_utils_missing"
    )
    with pytest.raises(ModuleNotFoundError):
        run_cell(source, True, monkeypatch, returncode=0)


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
            f'    %pip install --quiet "lecture_utils @ git+{URL}@main"',  # old form
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
