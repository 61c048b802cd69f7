"""Accessibility of the book: headings in order, colour-blind-safe colours.

(That every figure has alt text and a caption is checked in tests/test_book.py.)
"""

import ast
import json
import re
from pathlib import Path

import matplotlib as mpl
import matplotlib.colors as mcolors
import pytest
import yaml

import lecture_utils
from lecture_utils import plotting, valleys
from notebook_code import code_cells

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = sorted((ROOT / "lecture_utils").glob("*.py"))

# ------------------------------------------------------------------------------------------ headings

HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,}|:{3,})(.*)$")
#: MyST directives whose body is code or data rather than Markdown.
LITERAL_DIRECTIVES = {
    "code-cell",
    "code-block",
    "code",
    "sourcecode",
    "literalinclude",
    "math",
    "raw",
    "eval-rst",
    "csv-table",
    "bibliography",
    "mermaid",
    "graphviz",
}


def toc_pages():
    """The source files of the pages in _toc.yml, in reading order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    entries = [toc["root"]]
    for part in toc.get("parts", []):
        entries += [chapter["file"] for chapter in part.get("chapters", [])]
    pages = []
    for entry in entries:
        candidates = [ROOT / f"{entry}.ipynb", ROOT / f"{entry}.md"]
        found = [path for path in candidates if path.is_file()]
        assert found, (
            f"_toc.yml lists {entry!r}, but neither {entry}.ipynb nor {entry}.md exists"
        )
        pages.append(found[0])
    return pages


PAGES = toc_pages()


def strip_front_matter(text):
    """A Markdown page without its YAML front matter (whose `# comments` are not headings)."""
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            return (
                text[text.find("\n", end + 1) + 1 :]
                if text.find("\n", end + 1) != -1
                else ""
            )
    return text


def markdown_headings(text, source, included_from=()):
    """The ATX headings of a Markdown text as (level, title, where), in document order.

    Lines inside fenced code blocks (``` or ~~~, also inside ::: blocks) are not headings. The
    bodies of MyST directives (```{name} or :::{name}) are Markdown and are scanned, except those of
    code-like directives such as {code-cell}; an {include} directive contributes the headings of the
    included file (a snippet such as book/_notation_table.md, not in the toc) at its place.
    """
    headings, stack = [], []  # stack of open fences: (character, length, is_directive)
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        fence = FENCE.match(line)
        if stack:
            char, length, directive = stack[-1]
            if (
                fence
                and fence.group(1)[0] == char
                and len(fence.group(1)) >= length
                and not fence.group(2).strip()
            ):
                stack.pop()
                continue
            if not directive:
                continue  # inside a code block
        if fence and not (
            fence.group(1)[0] == ":" and not fence.group(2).strip().startswith("{")
        ):
            info = fence.group(2).strip()
            name = re.match(r"\{([^}]*)\}", info)
            directive = bool(name) and name.group(1).strip() not in LITERAL_DIRECTIVES
            stack.append((fence.group(1)[0], len(fence.group(1)), directive))
            match = re.match(r"\{include\}\s+(\S+)", info)
            if match:
                included = (source.parent / match.group(1)).resolve()
                assert included.is_file(), (
                    f"{source}: line {number} includes {match.group(1)}, which does not exist"
                )
                assert included not in included_from, (
                    f"{source}: {included.name} includes itself"
                )
                headings += [
                    (level, title, f"{where} (included from {source.name}:{number})")
                    for level, title, where in markdown_headings(
                        strip_front_matter(included.read_text()),
                        included,
                        included_from + (source.resolve(),),
                    )
                ]
            continue
        heading = HEADING.match(line)
        if heading:
            headings.append(
                (
                    len(heading.group(1)),
                    heading.group(2) or "",
                    f"{source.name}:{number}",
                )
            )
    return headings


def page_headings(path):
    if path.suffix == ".md":
        return markdown_headings(strip_front_matter(path.read_text()), path)
    headings = []
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"])
            headings += [
                (level, title, f"{path.name} cell {index}")
                for level, title, _ in markdown_headings(source, path)
            ]
    return headings


def heading_problems(headings):
    """What is wrong with a page's sequence of headings (empty when nothing is)."""
    if not headings:
        return [
            "the page has no heading (its first heading must be its only level-1 title)"
        ]
    problems = []
    level, title, where = headings[0]
    if level != 1:
        problems.append(
            f"{where}: the first heading {'#' * level} {title!r} is not a level-1 title"
        )
    previous = headings[0][0]
    for level, title, where in headings[1:]:
        if level == 1:
            problems.append(
                f"{where}: a second level-1 heading # {title!r}; a page has one title"
            )
        elif level > previous + 1:
            problems.append(
                f"{where}: {'#' * level} {title!r} follows a level-{previous} heading "
                f"and skips level {previous + 1}"
            )
        previous = level
    return problems


def test_every_page_of_the_toc_is_checked():
    assert len(PAGES) >= 20, f"only {len(PAGES)} pages found in _toc.yml"
    assert any(p.suffix == ".md" for p in PAGES) and any(
        p.suffix == ".ipynb" for p in PAGES
    )


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_headings_are_in_order(path):
    problems = heading_problems(page_headings(path))
    assert not problems, (
        f"{path.relative_to(ROOT)}: headings out of order:\n" + "\n".join(problems)
    )


def test_heading_check_sees_skips_second_titles_code_blocks_and_includes(tmp_path):
    assert (
        heading_problems(
            [(1, "T", "a"), (2, "S", "b"), (3, "s", "c"), (2, "S", "d"), (3, "s", "e")]
        )
        == []
    )
    assert heading_problems([(1, "T", "a"), (3, "s", "b")])
    assert heading_problems([(1, "T", "a"), (2, "S", "b"), (1, "U", "c")])
    assert heading_problems([(2, "S", "a")])
    assert heading_problems([])
    (tmp_path / "part.md").write_text("#### Included too deep\n")
    text = (
        "# Title\n```python\n# a comment\n```\n~~~\n### no\n~~~\n````{note}\n## In a directive\n"
        "```\n#### no\n```\n````\n```{code-cell} python\n# no\n```\n```{include} part.md\n```\n"
    )
    headings = markdown_headings(text, tmp_path / "page.md")
    assert [(level, title) for level, title, _ in headings] == [
        (1, "Title"),
        (2, "In a directive"),
        (4, "Included too deep"),
    ]


# ------------------------------------------------------------------------------------------ colours

OKABE_ITO = {
    "#000000",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
}
SAFE_CMAPS = {
    "viridis",
    "cividis",
    "magma",
    "inferno",
    "plasma",
    "Greys",
    "gray",
    "grey",
    "binary",
}
SAFE_CMAPS |= {name + "_r" for name in SAFE_CMAPS}
#: Names that stand for colours checked elsewhere in this file.
CHECKED_COLOUR_NAMES = {"PALETTE", "CLASS_COLOURS"}


def is_grey(colour):
    try:
        red, green, blue = mcolors.to_rgb(colour)
    except ValueError:
        return False
    return red == green == blue


def is_safe_colour(colour):
    return isinstance(colour, str) and (colour.upper() in OKABE_ITO or is_grey(colour))


def sources():
    for path in LIBRARY:
        yield str(path.relative_to(ROOT)), path.read_text()
    yield from code_cells()


def dotted(node):
    """'a.b.c' for a Name/Attribute chain, else ''."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def string(node):
    return (
        node.value
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        else None
    )


def listed_colour_problems(node):
    """Why the colours of a ListedColormap(...) argument are not Okabe-Ito or grey (empty: they are)."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return [
            problem
            for element in node.elts
            for problem in listed_colour_problems(element)
        ]
    if (
        isinstance(node, ast.Subscript)
        and dotted(node.value).split(".")[-1] == "PALETTE"
    ):
        return []
    if dotted(node).split(".")[-1] in CHECKED_COLOUR_NAMES:
        return []
    text = string(node)
    if text is not None:
        return (
            []
            if is_safe_colour(text)
            else [f"colour {text!r} is neither Okabe-Ito nor grey"]
        )
    return [
        f"cannot check the colour {ast.unparse(node)!r}: use lu.PALETTE[k] or a grey"
    ]


def cmap_problems(node):
    """Why a value given as a colour map is not colour-blind safe (empty: it is)."""
    if isinstance(node, ast.Constant) and node.value is None:
        return []
    name = string(node)
    if name is not None:
        return (
            []
            if name in SAFE_CMAPS
            else [f"colour map {name!r} is not colour-blind safe"]
        )
    if (
        isinstance(node, ast.Call)
        and dotted(node.func).split(".")[-1] == "ListedColormap"
    ):
        if not node.args:
            return ["ListedColormap without colours"]
        return listed_colour_problems(node.args[0])
    if isinstance(node, ast.Call) and dotted(node.func).split(".")[-1] == "get_cmap":
        return cmap_problems(node.args[0]) if node.args else []
    if (
        isinstance(node, ast.Subscript)
        and dotted(node.value).split(".")[-1] == "colormaps"
    ):
        return cmap_problems(node.slice)
    return [
        f"cannot check the colour map {ast.unparse(node)!r}: name a safe map or use "
        "ListedColormap of lu.PALETTE colours"
    ]


def colour_map_problems(source, where):
    """Every colour map a piece of code names, checked: a list of 'where: problem' strings."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        return [f"{where}: does not parse ({error})"]
    problems = []

    def check(node, value):
        problems.extend(
            f"{where}, line {node.lineno}: {problem}"
            for problem in cmap_problems(value)
        )

    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "cmap":
            check(node.value, node.value)
        elif isinstance(node, ast.Call):
            function = dotted(node.func).split(".")[-1]
            if function in ("get_cmap", "set_cmap", "ListedColormap") and node.args:
                check(node, node if function == "ListedColormap" else node.args[0])
            elif function == "rc" and node.args and string(node.args[0]) == "image":
                pass  # rc("image", cmap=...) is covered by the keyword
            elif (
                function == "update"
                and node.args
                and isinstance(node.args[0], ast.Dict)
            ):
                for key, value in zip(node.args[0].keys, node.args[0].values):
                    if key is not None and string(key) == "image.cmap":
                        check(value, value)
        elif (
            isinstance(node, ast.Subscript)
            and dotted(node.value).split(".")[-1] == "colormaps"
        ):
            check(node, node.slice)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Subscript)
                    and dotted(target.value).split(".")[-1] == "rcParams"
                    and string(target.slice) == "image.cmap"
                ):
                    check(node, node.value)
    return list(dict.fromkeys(problems))  # a map inside cmap=... is seen twice


def test_okabe_ito_palette():
    assert len(plotting.PALETTE) == len(OKABE_ITO), (
        f"lecture_utils/plotting.py: PALETTE has {len(plotting.PALETTE)} colours, Okabe-Ito has 8"
    )
    assert {c.upper() for c in plotting.PALETTE} == OKABE_ITO, (
        f"lecture_utils/plotting.py: PALETTE {plotting.PALETTE} is not the Okabe-Ito palette {sorted(OKABE_ITO)}"
    )
    assert lecture_utils.PALETTE is plotting.PALETTE


def test_class_colours_are_okabe_ito_or_grey():
    unsafe = [c for c in valleys.CLASS_COLOURS if not is_safe_colour(c)]
    assert not unsafe, (
        f"lecture_utils/valleys.py: CLASS_COLOURS {unsafe} are neither Okabe-Ito nor grey"
    )
    assert len({c.upper() for c in valleys.CLASS_COLOURS}) == len(
        valleys.CLASS_COLOURS
    ), "lecture_utils/valleys.py: two classes share a colour"


def test_book_style_is_colour_blind_safe():
    with mpl.rc_context():
        mpl.rcParams["image.cmap"] = "jet"
        mpl.rcParams["axes.prop_cycle"] = mpl.cycler(color=["red", "green"])
        lecture_utils.use_book_style()
        cycle = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
        cmap = mpl.rcParams["image.cmap"]
    unsafe = [c for c in cycle if not is_safe_colour(c)]
    assert not unsafe, (
        f"lecture_utils/plotting.py: use_book_style's colour cycle has unsafe colours {unsafe}"
    )
    assert cmap in SAFE_CMAPS, (
        f"lecture_utils/plotting.py: use_book_style sets image.cmap to {cmap!r}"
    )


def test_code_names_only_colour_blind_safe_colour_maps():
    problems = [
        p for where, source in sources() for p in colour_map_problems(source, where)
    ]
    assert not problems, "colour maps that are not colour-blind safe:\n" + "\n".join(
        problems
    )


def test_the_colour_map_scan_finds_what_it_should():
    # The scan sees the maps the book uses ...
    used = "\n".join(source for _, source in sources())
    assert "cmap=" in used and "ListedColormap" in used, (
        "the scan no longer sees the book's colour maps"
    )
    # ... and each form of an unsafe one.
    for bad in [
        'ax.imshow(a, cmap="jet")',
        "plt.get_cmap('rainbow')",
        'mpl.colormaps["hsv"]',
        'matplotlib.colormaps.get_cmap("RdYlGn")',
        'plt.rcParams["image.cmap"] = "Spectral"',
        'mpl.rcParams.update({"image.cmap": "RdGn"})',
        'mpl.rc("image", cmap="turbo")',
        'ListedColormap(["#FF0000", lu.PALETTE[0]])',
        "ax.imshow(a, cmap=my_map)",
    ]:
        assert colour_map_problems(bad, "example"), f"the scan misses {bad}"
    for good in [
        'ax.imshow(a, cmap="viridis_r")',
        "ListedColormap(['#EEEEEE', lu.PALETTE[1], 'black'])",
        'plt.get_cmap("Greys")',
        'mpl.rcParams["image.cmap"] = "cividis"',
    ]:
        assert not colour_map_problems(good, "example"), f"the scan rejects {good}"
