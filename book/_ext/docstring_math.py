"""Mathematics between dollar signs in the docstrings of ``lecture_utils``, typeset on the API pages.

The docstrings are reStructuredText (numpy style, read by napoleon), where mathematics is written
with the ``:math:`` role. This extension also accepts the book's own notation, ``$J J^\\top$``, and
turns it into ``:math:`J J^\\top``` before autodoc renders the docstring. A dollar sign inside a
code literal (````...````), on a doctest line (``>>>``) or preceded by a backslash is left alone,
and so is a ``$`` followed or preceded by a space (an amount such as "$5 and $10").
"""

from __future__ import annotations

import re

#: Double-backtick literals, left untouched.
LITERAL = re.compile(r"``.+?``")
#: $...$ on one line, not touching a space on the inside, not escaped.
DOLLARS = re.compile(r"(?<![\\$\w])\$(?=\S)([^$\n]*?\S)\$(?![\w$])")


def dollars_to_math(line: str) -> str:
    """One docstring line with each ``$...$`` outside code literals turned into ``:math:``."""
    if line.lstrip().startswith(">>>"):
        return line
    pieces, last = [], 0
    for literal in LITERAL.finditer(line):
        pieces.append(DOLLARS.sub(r":math:`\1`", line[last : literal.start()]))
        pieces.append(literal.group(0))
        last = literal.end()
    pieces.append(DOLLARS.sub(r":math:`\1`", line[last:]))
    return "".join(pieces)


def _process(app, what, name, obj, options, lines) -> None:
    lines[:] = [dollars_to_math(line) for line in lines]


def setup(app):
    app.setup_extension("sphinx.ext.autodoc")
    app.connect("autodoc-process-docstring", _process)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
