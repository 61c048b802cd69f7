"""Checks on the book's notebooks and table of contents that nbval and the build do not make."""

import builtins
import json
import re
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
import yaml

from notebook_code import load_script

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").rglob("*.ipynb"))


colab_cell = load_script("colab_cell")
URL, BRANCH = colab_cell.repository()
INSTALLS = re.compile(r"[%!]\s*(pip|conda|mamba|uv)\b|\bpip\s+install\b|-m\s+pip\b")


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part["chapters"]]
    return files


def test_every_notebook_is_in_the_toc_in_reading_order():
    listed = toc_files()
    for nb in NOTEBOOKS:
        assert str(nb.relative_to(ROOT).with_suffix("")) in listed, (
            f"{nb.name} is not in _toc.yml"
        )
    chapters = [f for f in listed if re.match(r"book/\d\d_", f)]
    assert chapters == sorted(chapters), "file names must sort in reading order"
    problem_sets = [f for f in listed if f.startswith("book/problem_sets/")]
    assert problem_sets == sorted(problem_sets), (
        "problem sets must sort in reading order"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_executed_and_shows_figures_with_digests(path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), (
        "run `make execute`: not executed top to bottom"
    )
    for cell in code:
        source = "".join(cell["source"])
        assert "plt.show(" not in source, (
            "show figures with lu.show(fig), which adds the data digest"
        )
        for out in cell["outputs"]:
            assert out["output_type"] != "error", "a stored error output"
            data = out.get("data", {})
            if "image/png" in data:
                assert "data digest" in "".join(data.get("text/plain", "")), (
                    "figure shown without lu.show"
                )
                meta = cell["metadata"].get("mystnb", {})
                assert meta.get("figure", {}).get("caption"), (
                    "a figure needs a caption in its cell metadata"
                )
                assert meta.get("image", {}).get("alt"), (
                    "a figure needs alt text in its cell metadata"
                )
            if "application/vnd.jupyter.widget-view+json" in data:
                # Only explorers that work without a kernel (lu.sweep_explorer) are stored, with
                # their widget state saved for the HTML page and a digest of all their pictures.
                summary = "".join(data.get("text/plain", ""))
                assert summary.startswith("<Explorer: ") and "data digest" in summary, (
                    "a stored widget that needs a kernel: show a static figure instead"
                )
                model = data["application/vnd.jupyter.widget-view+json"]["model_id"]
                state = nb["metadata"]["widgets"][
                    "application/vnd.jupyter.widget-state+json"
                ]["state"]
                assert model in state, (
                    "a stored widget without saved state: execute with `make execute`"
                )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_citation_in_a_theorem_title(path):
    # sphinx-proof drops the label of a block whose title holds a {cite} role, so that every
    # {prf:ref} to it breaks: cite in the first line of the body instead.
    for cell in json.loads(path.read_text())["cells"]:
        for line in "".join(cell["source"]).splitlines():
            assert not re.match(r"```\{prf:\w+\}.*\{cite", line), line


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_starts_with_the_colab_install_cell_and_no_other_cell_installs(path):
    nb = json.loads(path.read_text())
    first = nb["cells"][0]
    assert first["cell_type"] == "code"
    assert "".join(first["source"]) == colab_cell.cell_source(URL, BRANCH), (
        "run `python scripts/colab_cell.py`: the install cell is missing or out of date"
    )
    assert "remove-cell" in first["metadata"].get("tags", []), (
        "the install cell must stay out of the pages"
    )
    assert "nbgrader" not in first["metadata"], "the install cell is no nbgrader cell"
    assert first["outputs"] == [], (
        "the install cell must print nothing where lecture_utils is installed"
    )
    for cell in nb["cells"][1:]:
        if cell["cell_type"] == "code":
            assert not INSTALLS.search("".join(cell["source"])), (
                "only the first cell installs packages"
            )
    assert not colab_cell.update(
        nbformat.read(path, as_version=4), colab_cell.cell_source(URL, BRANCH)
    ), "scripts/colab_cell.py would change the notebook"


def run_colab_cell(monkeypatch, importable):
    from IPython.core.inputtransformer2 import TransformerManager

    code = TransformerManager().transform_cell(colab_cell.cell_source(URL, BRANCH))
    calls = []
    if not importable:
        real_import = builtins.__import__

        def fake_import(name, *args, **kwargs):
            if name.split(".")[0] == "lecture_utils":
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return real_import(name, *args, **kwargs)

        monkeypatch.setattr(builtins, "__import__", fake_import)
    shell = SimpleNamespace(run_line_magic=lambda *args: calls.append(args))
    namespace = {"get_ipython": lambda: shell}
    exec(code, namespace)
    # IPython expands {name} in a magic's line from the user's namespace; the fake shell does not.
    return [(magic, line.format(**namespace)) for magic, line in calls]


def test_the_colab_cell_does_nothing_where_the_book_package_is_installed(monkeypatch):
    assert run_colab_cell(monkeypatch, importable=True) == []


#: The first line of a check cell: what a reader sees on the collapsed cell's label.
CHECK_HEADER = re.compile(r"# Check: \S")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_checks_are_visible_to_the_reader(path):
    # The claims a chapter checks are shown, collapsed: a check cell starts with "# Check: what",
    # is tagged hide-input (the code behind a "Show code" button, its printed measurement
    # visible), and no hidden cell asserts anything.
    for k, cell in enumerate(json.loads(path.read_text())["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        tags = cell["metadata"].get("tags", [])
        asserts = re.search(r"^\s*assert\b", source, re.M)
        if "remove-cell" in tags or "remove-input" in tags:
            assert not asserts, f"cell {k}: a hidden cell asserts; make it a check cell"
        if CHECK_HEADER.match(source):
            assert "hide-input" in tags, f"cell {k}: a check cell is tagged hide-input"
            assert asserts, f"cell {k}: a check cell asserts what it checks"
