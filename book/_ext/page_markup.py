"""Rewrites of the built HTML pages: figures that keep their shape and load when needed, less
script on every page, and markup that assistive technology reads correctly.

The themes (pydata-sphinx-theme 0.17 under sphinx-book-theme 1.3), MyST-NB and docutils write a
few things into every page that this extension corrects once the HTML build has finished, file by
file (every rewrite is idempotent, so a page rewritten twice is unchanged):

Figures
    A notebook figure reaches the page as ``<img style="width: 710px; height: 582px">`` (the size
    recorded in the output's metadata). On a screen narrower than 710 px the width shrinks to fit
    while the fixed height stays, so the figure is stretched. The height is replaced by the
    figure's aspect ratio (``aspect-ratio: auto 710 / 582``: the file's own ratio once it has
    loaded, the recorded one before), and ``book-layout.css`` gives images ``height: auto``.
    Every figure of the article but the first is ``loading="lazy"``: the browser fetches it when
    the reader scrolls near it.
Scripts on every page
    The theme loads ``fontawesome.js`` (1.5 MB) on every page to turn its icons into SVG; its
    stylesheet already draws the same icons from Font Awesome's web fonts, so the script is
    dropped. Sphinx's search scripts and the search index (0.2 MB) are loaded on every page for
    the theme's search-as-you-type, which the book does not use: they stay on the search page.
Accessibility (axe-core, WCAG 2.1 A and AA; ``tests/test_site_accessibility.py``)
    * the ``<summary>`` that opens a part of the table of contents shows only an icon: it gets a
      name (``summary-name``);
    * MyST-NB's "Show code cell source" toggles and the theme's search button have visible text
      but an ``aria-label`` that differs from it (``label-content-name-mismatch``); the label is
      dropped, so their name is the text they show;
    * the bibliography is a ``role="list"`` of ``role="doc-biblioentry"`` entries, a deprecated
      role that is not a list item (``aria-required-children``, ``aria-deprecated-role``): the
      entries become ``role="listitem"``.
"""

from __future__ import annotations

import re
from pathlib import Path

#: Folders of the output that hold assets, not pages.
ASSET_DIRS = {"_static", "_sources", "_images"}

IMG = re.compile(r"<img\b[^>]*>")
FIXED_SIZE = re.compile(
    r'style="width:\s*(\d+(?:\.\d+)?)px;\s*height:\s*(\d+(?:\.\d+)?)px;?"'
)
FONTAWESOME_JS = re.compile(
    r'[ \t]*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>\n?'
)
SEARCH_SCRIPTS = re.compile(
    r'[ \t]*<script src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js|'
    r'searchindex\.js)"></script>\n?'
)
TOC_SUMMARY = '<summary><span class="toctree-toggle" role="presentation">'
TOC_SUMMARY_NAMED = (
    '<summary aria-label="Show the sections"><span class="toctree-toggle" '
    'role="presentation">'
)
TOGGLE_LABEL = '<summary aria-label="Toggle hidden content">'
SEARCH_BUTTON = re.compile(
    r'(<button class="btn search-button-field search-button__button[^"]*"[^>]*?)'
    r' aria-label="[^"]*"'
)


def figures(html: str) -> str:
    """Figures keep their aspect ratio at every width; all but the first load lazily."""
    seen = 0

    def rewrite(match: re.Match) -> str:
        nonlocal seen
        tag = match.group(0)
        if "_images/" not in tag:
            return tag
        seen += 1
        tag = FIXED_SIZE.sub(
            lambda size: (
                f'style="width: {size.group(1)}px; '
                f'aspect-ratio: auto {size.group(1)} / {size.group(2)};"'
            ),
            tag,
        )
        if seen > 1 and "loading=" not in tag:
            tag = tag.replace("<img ", '<img loading="lazy" decoding="async" ', 1)
        return tag

    return IMG.sub(rewrite, html)


def scripts(html: str, is_search_page: bool, search_as_you_type: bool) -> str:
    """Drop the icon script, and the search scripts where nothing searches."""
    html = FONTAWESOME_JS.sub("", html)
    if not is_search_page and not search_as_you_type:
        html = SEARCH_SCRIPTS.sub("", html)
    return html


def accessible(html: str) -> str:
    """Names for unnamed controls, visible names that match, list items in lists."""
    html = html.replace(TOC_SUMMARY, TOC_SUMMARY_NAMED)
    html = html.replace(TOGGLE_LABEL, "<summary>")
    html = SEARCH_BUTTON.sub(r"\1", html)
    html = html.replace('role="doc-biblioentry"', 'role="listitem"')
    return html


def rewrite_page(html: str, is_search_page: bool, search_as_you_type: bool) -> str:
    return accessible(scripts(figures(html), is_search_page, search_as_you_type))


def _rewrite_site(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    context = getattr(app.builder, "globalcontext", None) or {}
    as_you_type = str(context.get("theme_search_as_you_type", False)).lower() == "true"
    for page in outdir.rglob("*.html"):
        if ASSET_DIRS & set(page.relative_to(outdir).parts[:-1]):
            continue
        html = page.read_text(encoding="utf-8")
        new = rewrite_page(
            html, page.relative_to(outdir).as_posix() == "search.html", as_you_type
        )
        if new != html:
            page.write_text(new, encoding="utf-8")
    # Nothing refers to the icon script any more.
    for name in ("fontawesome.js", "fontawesome.js.map", "fontawesome.js.LICENSE.txt"):
        (outdir / "_static" / "scripts" / name).unlink(missing_ok=True)


def setup(app):
    app.connect("build-finished", _rewrite_site)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
