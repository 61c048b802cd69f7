"""Publishing: the workflow that deploys the site, and every address of the book agreeing with the
repository named in _config.yml (launch buttons, the page footer, the README's badges, the launch
links of the chapters)."""

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPOSITORY = CONFIG["repository"]["url"].rstrip("/")
OWNER, NAME = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+)", REPOSITORY).groups()
PAGES_URL = f"https://{OWNER}.github.io/{NAME}/"
BRANCH = CONFIG["repository"]["branch"]


def workflow():
    return yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())


def test_workflow_builds_strictly_and_deploys_to_pages_on_pushes_to_main():
    flow = workflow()
    triggers = (
        flow[True] if True in flow else flow["on"]
    )  # YAML 1.1 reads the key `on` as True
    assert triggers["push"]["branches"] == [BRANCH]
    assert (
        flow["permissions"]["pages"] == "write"
        and flow["permissions"]["id-token"] == "write"
    )
    build = flow["jobs"]["build"]["steps"]
    assert any(step.get("run") == "make strict-build" for step in build)
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(
        r"^strict-build:.*\n\t.*jupyter-book build \. --all -W --keep-going$",
        makefile,
        re.MULTILINE,
    )
    upload = [
        s
        for s in build
        if s.get("uses", "").startswith("actions/upload-pages-artifact@")
    ]
    assert upload and upload[0]["with"]["path"] == "_build/html"
    python = [s for s in build if s.get("uses", "").startswith("actions/setup-python@")]
    assert python and python[0]["with"]["python-version"] == "3.11"
    assert (
        "download.pytorch.org/whl/cpu"
        in flow["jobs"]["build"]["env"]["PIP_EXTRA_INDEX_URL"]
    )
    deploy = flow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert any(
        s.get("uses", "").startswith("actions/deploy-pages@") for s in deploy["steps"]
    )


def test_footer_and_readme_point_to_the_published_site():
    assert PAGES_URL in CONFIG["html"]["extra_footer"]
    assert REPOSITORY in CONFIG["html"]["extra_footer"]
    readme = (ROOT / "README.md").read_text()
    assert f"]({PAGES_URL})" in readme, (
        "the README's badge must link to the published site"
    )


def test_launch_links_name_the_repository():
    """Binder and Colab links in the README and the chapters open this repository's notebooks."""
    binder = f"https://mybinder.org/v2/gh/{OWNER}/{NAME}/{BRANCH}"
    colab = f"https://colab.research.google.com/github/{OWNER}/{NAME}/blob/{BRANCH}/"
    texts = {"README.md": (ROOT / "README.md").read_text()}
    for path in sorted((ROOT / "book").rglob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        texts[str(path.relative_to(ROOT))] = "\n".join(
            "".join(c["source"]) for c in cells
        )
    found = 0
    for where, text in texts.items():
        for link in re.findall(r"https://mybinder\.org/v2/gh/[^\s)\]]+", text):
            assert link.startswith(binder), f"{where}: {link}"
            notebook = re.search(r"urlpath=lab/tree/(\S+)", link)
            if notebook and notebook.group(1).endswith(".ipynb"):
                assert (ROOT / notebook.group(1)).exists(), f"{where}: {link}"
            found += 1
        for link in re.findall(
            r"https://colab\.research\.google\.com/github/[^\s)\]]+", text
        ):
            assert link.startswith(colab), f"{where}: {link}"
            assert (ROOT / link.removeprefix(colab)).exists(), f"{where}: {link}"
            found += 1
    assert found >= 4
    launch = CONFIG["launch_buttons"]
    assert launch["binderhub_url"] == "https://mybinder.org"
    assert launch["colab_url"] == "https://colab.research.google.com"


def test_offline_assets_are_pinned():
    """The pages' JavaScript comes from npm packages pinned exactly, with a lock file."""
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    for name, version in package["devDependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} must be pinned exactly"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert "sphinx-mathjax-offline" in CONFIG["sphinx"]["extra_extensions"]
    assert "offline_assets" in CONFIG["sphinx"]["local_extensions"]


def toc_files() -> list[str]:
    """Every document of the table of contents, sections included."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())

    def walk(entries):
        for entry in entries:
            yield entry["file"]
            yield from walk(entry.get("sections", []))

    return [toc["root"]] + [f for part in toc["parts"] for f in walk(part["chapters"])]


def library_modules() -> list[str]:
    """The public modules of lecture_utils (``_validation`` and ``__main__`` are not)."""
    return sorted(
        path.stem
        for path in (ROOT / "lecture_utils").glob("*.py")
        if not path.stem.startswith("_")
    )


def test_every_module_of_the_library_has_its_api_page():
    """Each module of lecture_utils has a page book/api/<module>.md that documents it, listed in
    the table of contents under the library's index page, and no page documents a module that
    is gone: a new module needs its page."""
    modules = library_modules()
    assert len(modules) >= 20
    toc = toc_files()
    pages = sorted(path.stem for path in (ROOT / "book" / "api").glob("*.md"))
    assert pages == modules, (
        f"modules without a page: {sorted(set(modules) - set(pages))}; "
        f"pages without a module: {sorted(set(pages) - set(modules))}"
    )
    index = (ROOT / "book" / "92_api.md").read_text()
    for module in modules:
        text = (ROOT / "book" / "api" / f"{module}.md").read_text()
        assert re.search(
            rf"^\.\. automodule:: lecture_utils\.{module}$", text, re.MULTILINE
        ), module
        assert re.search(r"^   :members:", text, re.MULTILINE), module
        assert f"book/api/{module}" in toc, f"book/api/{module} is not in _toc.yml"
        assert f"{{doc}}`api/{module}`" in index, (
            f"92_api.md does not link api/{module}"
        )
    api = toc.index("book/92_api")
    assert set(toc[api + 1 : api + 1 + len(modules)]) == {
        f"book/api/{m}" for m in modules
    }, "the API pages are the sections of book/92_api"


def test_the_book_says_how_to_cite_it():
    """CITATION.cff, the landing page's BibTeX entry and _config.yml name the same book."""
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0" and citation["message"]
    authors = [author["name"] for author in citation["authors"]]
    assert citation["title"] == CONFIG["title"]
    assert authors == [CONFIG["author"]]
    assert citation["url"] == PAGES_URL
    assert citation["repository-code"] == REPOSITORY
    preferred = citation["preferred-citation"]
    assert preferred["type"] == "book" and preferred["title"] == CONFIG["title"]
    assert [author["name"] for author in preferred["authors"]] == authors
    assert str(preferred["year"]) == str(CONFIG["copyright"])
    assert preferred["url"] == PAGES_URL
    # A licence is stated only where the repository has one.
    licensed = any(ROOT.glob("LICEN[CS]E*"))
    assert ("license" in citation) == licensed
    landing = (ROOT / "book" / "index.md").read_text()
    assert yaml.safe_load((ROOT / "_toc.yml").read_text())["root"] == "book/index"
    entry = re.search(r"```bibtex\n(@book\{.*?\n\})\n```", landing, re.DOTALL)
    assert entry, "the landing page has no BibTeX entry"
    fields = dict(
        re.findall(r"^\s*(\w+)\s*=\s*\{+(.*?)\}+,?$", entry.group(1), re.MULTILINE)
    )
    assert fields["title"] == CONFIG["title"]
    assert fields["author"] == CONFIG["author"]
    assert fields["year"] == str(preferred["year"])
    assert fields["url"] == PAGES_URL
    assert "CITATION.cff" in landing


def test_preface_clones_the_configured_repository():
    preface = (ROOT / "book" / "00_preface.md").read_text()
    clones = re.findall(r"git clone (\S+)", preface)
    assert clones and all(url.removesuffix(".git") == REPOSITORY for url in clones), (
        clones
    )


def test_dollar_maths_in_docstrings_becomes_the_math_role():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "docstring_math", ROOT / "book" / "_ext" / "docstring_math.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    convert = module.dollars_to_math
    assert convert(r"the Gram matrix $J J^\top$, of shape") == (
        r"the Gram matrix :math:`J J^\top`, of shape"
    )
    assert convert("($n$ points)") == "(:math:`n` points)"
    assert convert("``$d_0$`` stays code, $d_1$ not") == (
        "``$d_0$`` stays code, :math:`d_1` not"
    )
    for untouched in ("costs $5 and $10", ">>> print('$x$')", r"a \$x$", "$ x $"):
        assert convert(untouched) == untouched
