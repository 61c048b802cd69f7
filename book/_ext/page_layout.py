"""The book's page layout on top of sphinx-book-theme: code that fits its box, and a hint on
whatever scrolls sideways.

* Code and outputs are set at ``0.75rem`` (12 px, as on GitHub) with narrower side padding, the
  in-page table of contents takes ``14rem`` instead of ``17rem`` and the article's side padding is
  ``1.5rem``, so that a line of 88 characters (the line length of ``ruff format``) fits a code box
  on a 1280 px wide screen, even in a collapsed cell inside a solution inside an exercise.
  ``tests/test_site.py`` checks it.
* Display equations, tables and code that are wider than the page (on a phone, say) scroll
  sideways. A small script marks each such box with ``book-scroll-left`` / ``book-scroll-right``
  while there is more to see on that side, and the stylesheet fades that edge, so the reader can
  tell that the box scrolls. Boxes that fit are left alone.

* On a phone nothing makes the page wider than the screen: figures keep their aspect ratio and
  shrink (see also ``page_markup.py``), headings, API signatures and code in running text break
  where they must, and a display equation wider than the page scrolls inside its own box.
* Links on the tinted background of theorem and note boxes, and search terms highlighted in dark
  mode, have a contrast of at least 4.5:1 (WCAG 2.1 AA).
* ``static/book-a11y.js`` names the sliders of the saved widgets after their label, makes them
  announce the value their readout shows, and turns the TeX of search excerpts into readable text.

The files are ``static/book-layout.css``, ``static/book-layout.js`` and ``static/book-a11y.js``
next to this module; they are served from ``_static`` like the theme's own.
"""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).with_name("static")


def _add_static_path(app) -> None:
    if str(STATIC) not in app.config.html_static_path:
        app.config.html_static_path.append(str(STATIC))


def setup(app):
    app.connect("builder-inited", _add_static_path)
    app.add_css_file("book-layout.css")
    app.add_js_file("book-layout.js", loading_method="defer")
    app.add_js_file("book-a11y.js", loading_method="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
