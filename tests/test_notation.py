"""One notation for the whole book: `book/90_notation.md` and its table are the single truth.

Each rule below is a letter whose meaning the notation page fixes, with the patterns by which a
program can recognise a page that gives the letter another meaning. A rule names the sentence of
the notation page that it enforces, so the page cannot drop a rule that the book is still held
to. The patterns are searched in the prose of every chapter and problem set (markdown cells and
figure captions) and, for the rules that concern code, in code cells. Translation boxes, which
quote the sources' letters on purpose, are skipped.

`PENDING` lists the breaches that remain in files whose text this change did not edit, with
their number; once those files follow the notation page, their entries are deleted (the test
fails on a stale entry as well as on a new breach).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTATION = BOOK / "90_notation.md"
TABLE = BOOK / "_notation_table.md"
PAGES = sorted(BOOK.glob("*.ipynb")) + sorted((BOOK / "problem_sets").glob("*.ipynb"))
PROSE_PAGES = [p for p in sorted(BOOK.glob("*.md")) if p not in (NOTATION, TABLE)]

# (rule, where: "prose" or "code", the sentence of 90_notation.md it enforces, patterns)
RULES = [
    (
        "n-is-not-a-dimension",
        "prose",
        r"polynomials in $d_0$ variables are written in",
        [r"polynomials[^.]{0,40}in\s+\$x_1, \\dots, x_n\$"],
    ),
    (
        "P-parameters",
        "prose",
        r"$P$ is the number of parameters and $\theta \in \mathbb{R}^P$; $m$ is not used",
        [r"\\mathbb\{R\}\^m\b", r"\\mathbb\{R\}\^\{m\}", r"`\(n, m\)`"],
    ),
    (
        "d1-is-the-width",
        "prose",
        r"$d_1$ is the width, in prose, code and tables",
        [r"\bwidth\s+\$p\$", r"\$p\$\s+(hidden\s+)?(units|filters|neurons)"],
    ),
    (
        "d1-is-the-width",
        "code",
        r"$d_1$ is the width, in prose, code and tables",
        [r"\bfor\s+p\s+in\s+\w*widths\b", r"\bwidth\s+p\b", r"\"\s+p\s+stuck"],
    ),
    (
        "v-output-weights",
        "prose",
        r"$v$ is the output weight vector ($u$ only in Venturi et al.'s letters)",
        [r"convex in \$u\$", r"output weights?\s+\$u"],
    ),
    (
        "v-output-weights",
        "code",
        r"$v$ is the output weight vector ($u$ only in Venturi et al.'s letters)",
        [r"convex in \$u\$"],
    ),
    (
        "g-gradients",
        "prose",
        r"The gradient of the prediction at one point is $g_j$",
        [r"v_j\s*v_j\^\\top"],
    ),
    (
        "D-feature-dimension",
        "code",
        r"$D$ is the dimension of the feature space of a polynomial activation",
        [r"^\s*D\s*=(?!\s*\w*dimension\()"],
    ),
    (
        "D-is-not-a-matrix",
        "prose",
        r"no matrix is called $D$",
        [
            r"\$D\s*=\s*\\operatorname\{diag\}",
            r"\$D\s*=[^$]*\\otimes",
            r"\bD\^\{-1\}",
            r"matrix\s+\$D\$",
        ],
    ),
    (
        "b-is-added",
        "prose",
        r"$b$ is a bias, added",
        [r"\\rangle\s*-\s*b\b", r"\\rangle\s*-\s*b_", r"\bt_i\s*-\s*b_j\b"],
    ),
    (
        "feature-matrix-n-by-d1",
        "prose",
        r"Feature matrices have one row per data point",
        [
            r"\\sigma\(W\s*X\)\s*\\in\s*\\mathbb\{R\}\^\{d_1\s*\\times\s*n\}",
            r"feature matri\w*[^.$]{0,40}\$[^$]*d_1\s*\\times\s*n",
        ],
    ),
    (
        "rows-of-W",
        "prose",
        r"The rows of $W$ are $w^{(i)}$",
        [
            r"\\langle\s*w_[ij]\b",
            r"\bw_[ij]\s*w_[ij]\^\\top",
            r"\bw_[ij]\^\\top",
            r"w_\{d_1\}",
            r"\\(?:psi|rho)\(w_[ij]\)",
            r"\bw_[ij]\s*\\sim",
            r"\bw_[ij]\s*\\in\s*\\mathbb\{R\}\^\{d_0\}",
            r"v_i\s*\(w_i,\s*b_i\)",
        ],
    ),
    (
        "M-is-a-matrix",
        "prose",
        r"$\mathcal{M}$ is the set of global minima and $M$ a matrix",
        [r"\$M\$-Lipschitz", r"every \$M\s*>\s*0\$", r"\+\s*M\$", r"\bany \$M\$"],
    ),
    (
        "h-is-a-spacing",
        "prose",
        r"$h$ is a grid spacing",
        [r"\bstep\s+by\s+\$h\$", r"\bsteps of length\s+\$h", r"step size\s+\$h\$"],
    ),
    (
        "varepsilon",
        "prose",
        r"$\varepsilon$ (never `\epsilon`) is a small positive number",
        [r"\\epsilon\b", r"\\max\(\\text\{shape\}\)\s*\\cdot\s*\\varepsilon(?!_)"],
    ),
    (
        "varepsilon",
        "code",
        r"$\varepsilon$ (never `\epsilon`) is a small positive number",
        [r"\\\\epsilon\b|(?<!\\)\\epsilon\b"],
    ),
    (
        "r-is-the-residual",
        "prose",
        r"$r$ is the residual $F(\theta, X) - y$",
        [
            r"\brank\s+\$r\b",
            r"has rank\s*\$r\s*<",
            r"\$r\$ independent rows",
            r"\bradius \$r\$",
            r"Choose \$r > 0\$",
            r"\$r = \\lceil",
            r"\bratio \$r\$",
            r"\bdirection \$r\$",
            r"\$r = \\sum_\{F\}",
            r"\$r = 2k\$",
            r"\$r\s*=\s*1/[24]\$|panels \$r =",
            r"\\mathbb\{R\}\^\{r\s*\\times",
        ],
    ),
    (
        "rows-of-A",
        "prose",
        r"$a^{(j)}$ is column $j$ of an activation pattern $A$ and $A_{i,:}$ its row $i$",
        [
            r"\$a_i\$ is (?:the\s+)?(?:\$i\$-th\s+)?row",
            r"\\mathcal\{S\}_X\^\{a_i\}",
            r"\\mathcal\{S\}_X\^\{a_\{d_1\}\}",
            r"\\lvert a_i\s*\\rvert",
            r"\\operatorname\{diag\}\(a_i\)",
        ],
    ),
]

# Breaches left in pages this change did not edit: {(rule, file name): count}. Delete an entry
# once its file follows the notation page.
PENDING: dict[tuple[str, str], int] = {}

TRANSLATION = re.compile(r"[Tt]ranslat|The sources' notation|notation of Venturi")


def _cells(path: Path) -> list[tuple[str, str]]:
    """(kind, text) for each cell of a notebook: markdown and captions are prose."""
    if path.suffix == ".md":
        return [("prose", path.read_text())]
    cells = []
    for cell in json.loads(path.read_text())["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            cells.append(("prose", source))
            continue
        if cell["cell_type"] != "code":
            continue
        cells.append(("code", source))
        mystnb = cell.get("metadata", {}).get("mystnb", {})
        caption = mystnb.get("figure", {}).get("caption", "")
        alt = mystnb.get("image", {}).get("alt", "")
        cells.append(("prose", caption + "\n" + alt))
    return cells


def _strip_translations(text: str) -> str:
    """Drop admonitions and tables that translate the sources' letters."""
    blocks = re.split(r"(```\{admonition\}.*?\n```)", text, flags=re.S)
    kept = [
        b
        for b in blocks
        if not (b.startswith("```{admonition}") and TRANSLATION.search(b))
    ]
    lines = "".join(kept).splitlines()
    return "\n".join(
        line
        for line in lines
        if not (line.startswith("|") and re.search(r"Cooper|Venturi|Popescu", line))
    )


def breaches(path: Path) -> dict[str, int]:
    """Number of matches of each rule's patterns in one page."""
    found: dict[str, int] = {}
    for kind, text in _cells(path):
        text = _strip_translations(text) if kind == "prose" else text
        for name, where, _, patterns in RULES:
            if where != kind:
                continue
            for pattern in patterns:
                hits = len(re.findall(pattern, text, flags=re.M))
                if hits:
                    found[name] = found.get(name, 0) + hits
    return found


def test_every_rule_is_stated_on_the_notation_page():
    page = NOTATION.read_text()
    for name, _, sentence, _ in RULES:
        assert sentence in page, (
            f"rule {name}: the notation page no longer says {sentence!r}"
        )


def test_the_table_defines_the_letters_the_book_uses():
    table = TABLE.read_text()
    for symbol in [
        r"$\xi^{(k,1)}$",
        r"$N_{d,n}$",
        "| diverse |",
        "| complete |",
        r"$\beta$",
        r"$\Phi$",
        r"$g_j$",
        r"$\eta$",
        r"$K$",
        r"$\Delta$",
        r"$\varepsilon$",
        r"$A_{i,:}$",
        r"$Z$",
    ]:
        assert symbol in table, f"{symbol} is missing from book/_notation_table.md"
    assert r"\epsilon" not in table.replace(r"\varepsilon", "")


def test_rules_catch_what_they_forbid():
    """Each rule's patterns match a sentence that breaks it (so no rule is vacuous)."""
    examples = {
        "n-is-not-a-dimension": "homogeneous polynomials of degree $q$ in $x_1, \\dots, x_n$",
        "P-parameters": "a loss $L\\colon \\mathbb{R}^m \\to \\mathbb{R}$",
        "v-output-weights": "leg 3: convex in $u$",
        "g-gradients": "a sum of matrices $v_j v_j^\\top$",
        "b-is-added": "$\\sigma(\\langle w, x\\rangle - b)$",
        "feature-matrix-n-by-d1": "$\\sigma(W X) \\in \\mathbb{R}^{d_1 \\times n}$",
        "rows-of-W": "$\\sum_i v_i \\sigma(\\langle w_i, x\\rangle)$",
        "M-is-a-matrix": "for every $M > 0$ there is",
        "h-is-a-spacing": "project, step by $h$, project back",
        "varepsilon": "with probability $1 - \\epsilon$",
        "r-is-the-residual": "If $\\Psi(W)$ has rank $r < D$",
        "rows-of-A": "where $a_i$ is the $i$-th row of $A$",
        "D-is-not-a-matrix": "with $D = \\operatorname{diag}(v) \\otimes I_{d_0+1}$",
    }
    for name, sentence in examples.items():
        patterns = [
            p for n, w, _, ps in RULES if n == name and w == "prose" for p in ps
        ]
        assert any(re.search(p, sentence) for p in patterns), name
    code_examples = {
        "d1-is-the-width": "for p in student_widths:",
        "D-feature-dimension": "D = torch.stack(columns)",
    }
    for name, line in code_examples.items():
        patterns = [p for n, w, _, ps in RULES if n == name and w == "code" for p in ps]
        assert any(re.search(p, line, flags=re.M) for p in patterns), name


@pytest.mark.parametrize("path", PAGES + PROSE_PAGES, ids=lambda p: p.name)
def test_page_follows_the_notation(path):
    found = breaches(path)
    expected = {rule: k for (rule, name), k in PENDING.items() if name == path.name}
    assert found == expected, (
        f"{path.name}: breaches of the notation page {found}, expected {expected} "
        "(fix the page, or update PENDING if a listed file was fixed)"
    )
