"""Printed tables: one small helper instead of hand-aligned ``print`` calls.

A table is given by its columns, each a header and a format specification (the part after the
colon in an f-string: ``"5d"``, ``"8.5f"``, ``">12"``, ``"<26"``), and by its rows. Every value is
formatted with its column's specification and the header is aligned like the values: as the
specification says, otherwise to the right for numbers (specifications ending in a numeric type)
and to the left for text. Columns are separated by ``sep`` (one string for every gap, or one per
gap), and trailing spaces are removed from each line.

>>> print_table([(30, 0.47), (3000, 0.14)], [("d1", "5d"), ("ratio", "6.2f")])
   d1  ratio
   30   0.47
 3000   0.14
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

__all__ = ["format_table", "print_table"]

# [[fill]align][sign][z][#][0][width][grouping][.precision][type], as in the format mini-language
_SPEC = re.compile(
    r"^(?:(?P<fill>.)?(?P<align>[<>=^]))?(?P<sign>[-+ ])?z?#?(?P<zero>0)?"
    r"(?P<width>\d+)?[,_]?(?:\.\d+)?(?P<type>[bcdeEfFgGnosxX%])?$"
)
_NUMERIC = set("bcdeEfFgGnxX%o")


def _header_spec(spec: str, column: int) -> str:
    """The specification that aligns a header string like the column's values."""
    match = _SPEC.match(spec)
    if match is None:
        raise ValueError(f"column {column}: {spec!r} is not a format specification")
    align = match["align"]
    if align in (None, "="):
        numeric = match["type"] in _NUMERIC or (match["type"] is None and match["zero"])
        align = ">" if numeric else "<"
    return f"{align}{match['width'] or ''}"


def format_table(
    rows: Iterable[Sequence],
    columns: Sequence[tuple[str, str]],
    sep: str | Sequence[str] = " ",
) -> str:
    """The table as text: a header line, then one line per row (no trailing newline).

    ``columns`` is a sequence of ``(header, spec)`` pairs; each row has one value per column.
    A header longer than its column's width widens nothing: write the width into ``spec``.
    ``sep`` is the text between two columns, or a sequence of ``len(columns) - 1`` of them.
    """
    if isinstance(columns, (str, bytes)) or not len(columns):
        raise ValueError("columns must be a non-empty sequence of (header, spec) pairs")
    specs = []
    for k, column in enumerate(columns):
        if (
            not isinstance(column, (tuple, list))
            or len(column) != 2
            or not all(isinstance(part, str) for part in column)
        ):
            raise ValueError(f"column {k}: expected a (header, spec) pair of strings")
        specs.append((column[0], column[1], _header_spec(column[1], k)))
    if isinstance(sep, str):
        gaps = [sep] * (len(specs) - 1)
    else:
        gaps = list(sep) if isinstance(sep, (list, tuple)) else None
    if (
        gaps is None
        or len(gaps) != len(specs) - 1
        or not all(isinstance(gap, str) for gap in gaps)
    ):
        raise ValueError(
            f"sep must be a string or {len(specs) - 1} strings, one between two columns"
        )

    def line(cells):
        return "".join(c + g for c, g in zip(cells, [*gaps, ""])).rstrip()

    lines = [line([format(header, hspec) for header, _, hspec in specs])]
    for i, row in enumerate(rows):
        if isinstance(row, (str, bytes)) or len(row) != len(specs):
            raise ValueError(
                f"row {i} has {len(row)} values for {len(specs)} columns"
                if not isinstance(row, (str, bytes))
                else f"row {i} is a string, not a sequence of values"
            )
        cells = []
        for k, (value, (_, spec, _)) in enumerate(zip(row, specs)):
            try:
                cells.append(format(value, spec))
            except (TypeError, ValueError) as error:
                raise ValueError(
                    f"row {i}, column {k}: {value!r} cannot be formatted as {spec!r} "
                    f"({error})"
                ) from None
        lines.append(line(cells))
    return "\n".join(lines)


def print_table(
    rows: Iterable[Sequence],
    columns: Sequence[tuple[str, str]],
    sep: str | Sequence[str] = " ",
) -> None:
    """Print :func:`format_table` of the same arguments."""
    print(format_table(rows, columns, sep))
