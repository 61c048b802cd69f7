"""Checks on the book's notebooks and table of contents that nbval and the build do not make."""

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").rglob("*.ipynb"))


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part["chapters"]]
    return files


def test_every_notebook_is_in_the_toc_in_reading_order():
    listed = toc_files()
    for nb in NOTEBOOKS:
        assert str(nb.relative_to(ROOT).with_suffix("")) in listed, f"{nb.name} is not in _toc.yml"
    chapters = [f for f in listed if re.match(r"book/\d\d_", f)]
    assert chapters == sorted(chapters), "file names must sort in reading order"
    problem_sets = [f for f in listed if f.startswith("book/problem_sets/")]
    assert problem_sets == sorted(problem_sets), "problem sets must sort in reading order"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_executed_and_shows_figures_with_digests(path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), "run `make execute`: not executed top to bottom"
    for cell in code:
        source = "".join(cell["source"])
        assert "plt.show(" not in source, "show figures with lu.show(fig), which adds the data digest"
        for out in cell["outputs"]:
            assert out["output_type"] != "error", "a stored error output"
            data = out.get("data", {})
            if "image/png" in data:
                assert "data digest" in "".join(data.get("text/plain", "")), "figure shown without lu.show"
                meta = cell["metadata"].get("mystnb", {})
                assert meta.get("figure", {}).get("caption"), "a figure needs a caption in its cell metadata"
                assert meta.get("image", {}).get("alt"), "a figure needs alt text in its cell metadata"
            assert "application/vnd.jupyter.widget-view+json" not in data, \
                "a stored widget: show a static figure in the stored notebook instead"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_citation_in_a_theorem_title(path):
    # sphinx-proof drops the label of a block whose title holds a {cite} role, so that every
    # {prf:ref} to it breaks: cite in the first line of the body instead.
    for cell in json.loads(path.read_text())["cells"]:
        for line in "".join(cell["source"]).splitlines():
            assert not re.match(r"```\{prf:\w+\}.*\{cite", line), line
