"""The book's TeX macros for the PDF: the LaTeX builder gets the macros that MathJax uses on the
HTML pages (``mathjax3_config.tex.macros`` in ``_config.yml``), so both are defined in one place."""

from __future__ import annotations


def _add_macros(app, config) -> None:
    macros = (config.mathjax3_config or {}).get("tex", {}).get("macros", {})
    lines = []
    for name, body in macros.items():
        arguments = 0
        if isinstance(body, list):  # MathJax's [definition, number of arguments]
            body, arguments = body[0], int(body[1])
        count = f"[{arguments}]" if arguments else ""
        # \providecommand leaves commands that LaTeX already has alone (``\span`` is a TeX primitive
        # that tables and aligned equations rely on).
        lines.append(f"\\providecommand{{\\{name}}}{count}{{{body}}}")
    elements = dict(config.latex_elements or {})
    elements["preamble"] = elements.get("preamble", "") + "\n".join(["", *lines, ""])
    config.latex_elements = elements


def setup(app):
    app.connect("config-inited", _add_macros)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
