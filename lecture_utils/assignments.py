"""Student versions of the problem sets, as nbgrader makes them.

The problem-set notebooks follow nbgrader's conventions: code the student writes sits between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` in cells whose metadata marks them as solution cells,
and the checks are read-only graded cells. The part of a check that compares the answer with the
reference sits between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``: the student version
keeps the visible part (the type and shape of the answer, and properties stated in the exercise),
and nbgrader restores the hidden part when it grades.

:func:`student_version` removes the solutions (as nbgrader's ``ClearSolutions`` does: code
becomes ``raise NotImplementedError()``, prose becomes "YOUR ANSWER HERE"), the hidden tests (as
``ClearHiddenTests``) and the outputs, drops the cells tagged
``reference-only`` (computations of the reference solution that belong to the book alone), and
writes the exercise statements as plain Markdown (:func:`plain_markdown`), which Jupyter and
nbgrader's feedback pages render without the book's MyST extensions. :func:`course_source` prepares
a notebook for the ``source/`` folder of an nbgrader course the same way, keeping solutions and
hidden tests, so that ``nbgrader generate_assignment`` produces the same student version.

The module follows nbgrader's rules (the delimiters, the stubs, the errors on a region outside a
solution or grade cell) without importing nbgrader or the rest of ``lecture_utils``: ``make
student`` runs ``scripts/student_versions.py`` with nothing but nbformat installed. The test suite
checks that the result is what nbgrader's own preprocessors and ``nbgrader generate_assignment``
produce.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat

__all__ = [
    "CODE_STUB",
    "TEXT_STUB",
    "HIDDEN_BEGIN",
    "HIDDEN_END",
    "REFERENCE_ONLY",
    "SOLUTION_BEGIN",
    "SOLUTION_END",
    "course_source",
    "plain_markdown",
    "student_version",
    "write_student_versions",
]

SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
#: Tag of the cells that only the book shows (a computation behind a reference solution).
REFERENCE_ONLY = "reference-only"

_DIRECTIVE = re.compile(
    r"^:::\{(?P<name>[\w:-]+)\}[ \t]*(?P<argument>[^\n]*)\n"
    r"(?P<options>(?::[\w-]+:[^\n]*\n)*)"
    r"(?P<body>.*?)^:::[ \t]*$\n?",
    re.MULTILINE | re.DOTALL,
)
_ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<text>[^`]*)`")
_TARGET = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)
_LABEL = re.compile(r"^\([\w-]+\)=[ \t]*\n", re.MULTILINE)


_BOOK = Path(__file__).resolve().parents[1] / "book"
_CACHE: dict = {}


def _authors_year(key: str) -> tuple[str, str] | None:
    """("Karhadkar et al.", "2024") for a key of book/references.bib, if the book is at hand."""
    if "bib" not in _CACHE:
        bib = _BOOK / "references.bib"
        text = bib.read_text(encoding="utf-8") if bib.exists() else ""
        _CACHE["bib"] = {}
        for entry in re.split(r"\n@", "\n" + text):
            head = re.match(r"\w+\{([^,]+),", entry)
            author = re.search(r"author\s*=\s*\{(.*)\},?[ \t]*\n", entry)
            year = re.search(r"year\s*=\s*\{?(\d{4})", entry)
            if head and author and year:
                names = [n.strip() for n in author.group(1).split(" and ")]
                last = [re.sub(r"[{}\\'`\"^~]", "", n.split(",")[0]) for n in names]
                if len(last) == 1:
                    who = last[0]
                elif len(last) == 2:
                    who = f"{last[0]} and {last[1]}"
                else:
                    who = f"{last[0]} et al."
                _CACHE["bib"][head.group(1).strip()] = (who, year.group(1))
    return _CACHE["bib"].get(key)


def _title(label: str) -> str | None:
    """What a reference to ``label`` reads as: "Theorem *Title*" for a ``prf`` directive, "the
    exercise *Title*" for an exercise, the heading for a ``(label)=`` target, found in the book's
    pages (None where the book is not at hand)."""
    if "labels" not in _CACHE:
        _CACHE["labels"] = {}
        pages = sorted(_BOOK.rglob("*.ipynb")) + sorted(_BOOK.rglob("*.md"))
        directive = re.compile(
            r"\{(prf:\w+|exercise)\}[ \t]*([^\n]*)\n:label:[ \t]*([\w-]+)"
        )
        heading = re.compile(r"^\(([\w-]+)\)=[ \t]*\n#+[ \t]*([^\n]+)", re.MULTILINE)
        for page in pages if _BOOK.exists() else []:
            if "_build" in page.parts or ".ipynb_checkpoints" in page.parts:
                continue
            text = page.read_text(encoding="utf-8")
            if page.suffix == ".ipynb":
                cells = nbformat.reads(text, as_version=4).cells
                text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
            for kind, title, name in directive.findall(text):
                kind = "the exercise" if kind == "exercise" else kind[4:].capitalize()
                _CACHE["labels"][name] = f"{kind} *{title.strip()}*"
            for name, title in heading.findall(text):
                _CACHE["labels"][name] = f"*{title.strip()}*"
    return _CACHE["labels"].get(label)


def _role(match: re.Match) -> str:
    role, text = match["role"], match["text"]
    explicit = _TARGET.match(text)
    if explicit:  # {ref}`Chapter 5 <ch-...>`: the text the reader sees
        return explicit["text"]
    if role.startswith("cite"):
        found = [_authors_year(key.strip()) for key in text.split(",")]
        if not all(found):
            return f"[{text}]"  # the keys of the book's bibliography
        if role == "cite:t":
            return "; ".join(f"{who} ({year})" for who, year in found)
        return "(" + "; ".join(f"{who}, {year}" for who, year in found) + ")"
    if role in {"ref", "prf:ref"} and _title(text):
        return _title(text)
    if role == "math":
        return f"${text}$"
    # {ref}`label`, {prf:ref}`label`, {doc}`page`: the label, as code
    return f"`{text}`"


def _directive(match: re.Match) -> str:
    name, argument, body = match["name"], match["argument"].strip(), match["body"]
    if name in {"solution-start", "solution-end"}:
        return ""
    heading = name.replace("-", " ").capitalize()
    title = f"**{heading}: {argument}**" if argument else f"**{heading}**"
    return f"{title}\n\n{body.strip()}\n"


def plain_markdown(source: str) -> str:
    """``source`` (a Markdown cell of the book) without MyST's markup, as plain Markdown.

    Exercise fences ``:::{exercise} Title`` become a bold title followed by the statement; the
    markers of the reference solutions' drop-downs (``solution-start``, ``solution-end``) and
    target labels ``(label)=`` are removed; a role keeps its text (``{ref}`Chapter 5 <ch-...>```
    becomes "Chapter 5", a citation its key in brackets). Mathematics is left as it is: Jupyter
    and nbconvert's HTML typeset ``$...$`` with MathJax.
    """
    text = _LABEL.sub("", source)
    text = _DIRECTIVE.sub(_directive, text)
    text = _ROLE.sub(_role, text)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def _readable(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    cells = []
    for cell in nb.cells:
        if REFERENCE_ONLY in cell.metadata.get("tags", []):
            continue
        if cell.cell_type == "markdown":
            cell.source = plain_markdown(cell.source)
            if not cell.source.strip() and "nbgrader" not in cell.metadata:
                continue  # a cell that held only the markers of a drop-down
        cells.append(cell)
    nb.cells = cells
    return nb


def course_source(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``notebook`` for an nbgrader course's ``source/`` folder.

    Solutions and hidden tests stay (nbgrader removes them); the statements are plain Markdown and
    the cells tagged ``reference-only`` are dropped, as in :func:`student_version`.
    """
    nb = copy.deepcopy(notebook)
    nb.metadata.setdefault("language_info", {"name": "python"})
    return _readable(nb)


CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"


def _remove_region(source: str, begin: str, end: str, stub: str | None):
    """``source`` without the lines from a ``begin`` line to an ``end`` line (each region replaced
    by ``stub``, indented like its ``begin`` line), and whether there was such a region."""
    kept, inside, found = [], False, False
    for line in source.split("\n"):
        if begin in line:
            if inside:
                raise ValueError(f"nested {begin!r} in:\n{source}")
            inside = found = True
            if stub is not None:
                indent = re.match(r"\s*", line).group(0)
                kept += [indent + stub_line for stub_line in stub.split("\n")]
        elif end in line:
            inside = False
        elif not inside:
            kept.append(line)
    if inside:
        raise ValueError(f"no {end!r} after {begin!r} in:\n{source}")
    return "\n".join(kept), found


def _student_cell(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    grading = cell.metadata.get("nbgrader", {})
    stub = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
    source, solved = _remove_region(cell.source, "BEGIN SOLUTION", "END SOLUTION", stub)
    if solved and not grading.get("solution"):
        raise ValueError(f"a solution region outside a solution cell:\n{cell.source}")
    if grading.get("solution") and not solved:
        source = stub
    source, hidden = _remove_region(
        source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", None
    )
    if hidden and not grading.get("grade"):
        raise ValueError(f"hidden tests outside a graded cell:\n{cell.source}")
    cell.source = source
    if cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    cell.metadata.pop("collapsed", None)
    return cell


def student_version(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``notebook`` with solutions replaced by stubs, hidden tests removed, outputs
    cleared and the statements in plain Markdown."""
    nb = course_source(notebook)
    nb.cells = [_student_cell(cell) for cell in nb.cells]
    nb.metadata.pop("celltoolbar", None)
    return nb


def write_student_versions(sources: list[Path], destination: Path) -> list[Path]:
    """Write the student version of each notebook in ``sources`` into the folder ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sources:
        target = destination / Path(source).name
        nbformat.write(student_version(nbformat.read(source, as_version=4)), target)
        written.append(target)
    return written
