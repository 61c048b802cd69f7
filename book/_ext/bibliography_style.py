"""Author-year labels for the bibliography, matching the author-year citations in the text.

The chapters cite with ``bibtex_reference_style = "author_year"`` ("Karhadkar et al. [2024]",
"[Cooper, 2018]"), but pybtex's default ``alpha`` style labels the entries of the bibliography
"[KMTMontufar24]", so a reader cannot match a citation with its entry. This extension registers the
pybtex formatting style ``book_author_year`` (``bibtex_default_style`` in ``_config.yml``): the
``alpha`` style (entries sorted by author, year and title) with labels written as the citations
are, "Karhadkar et al., 2024": the last names of one or two authors, the first author and
"et al." for three or more, then the year. Labels that would coincide get "a", "b", ... after
the year.
"""

from __future__ import annotations

from collections import Counter

import pybtex.plugin
from pybtex.style.formatting.alpha import Style as AlphaStyle
from pybtex.style.labels import BaseLabelStyle

STYLE = "book_author_year"


def _last_name(person) -> str:
    """The von and last parts of a name, LaTeX accents decoded ("Montúfar")."""
    parts = person.rich_prelast_names + person.rich_last_names
    return " ".join(part.render_as("text") for part in parts)


def author_year_label(entry) -> str:
    """The label of one entry, before telling coinciding labels apart."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_last_name(person) for person in persons]
    if not names:
        who = entry.fields.get("title", entry.key)
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabelStyle(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        labels = [author_year_label(entry) for entry in entries]
        repeated, seen = Counter(labels), Counter()
        for label in labels:
            if repeated[label] > 1:
                yield label + "abcdefghijklmnopqrstuvwxyz"[seen[label]]
                seen[label] += 1
            else:
                yield label


class AuthorYearStyle(AlphaStyle):
    default_label_style = STYLE


def setup(app):
    pybtex.plugin.register_plugin("pybtex.style.labels", STYLE, AuthorYearLabelStyle)
    pybtex.plugin.register_plugin("pybtex.style.formatting", STYLE, AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
