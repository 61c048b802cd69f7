"""Interactive explorers for the book (ipywidgets), and the static figures that stand in for them.

A widget only does something in a running Jupyter kernel. The book's pages are static HTML and its
tests compare text outputs, so every explorer here comes with a plain function that draws the same
picture for a given state: the chapters show a few representative states with it, and the reader
who runs the notebook can open the live explorer.

* :func:`explorer_state` - patterns, regions and the point in function space of a few ReLU units;
* :func:`draw_explorer_state` - that state drawn as two panels (the functions on the line, and the
  points in the simplex with the polyline of Proposition 13 of Karhadkar et al.);
* :func:`relu_explorer` - the live explorer: sliders for the weights and biases, the same picture
  redrawn on every change. It is returned, never displayed automatically.
* :func:`sweep_explorer` - an explorer that needs no kernel: one parameter of one unit on a slider,
  every state drawn in advance. Its widget state saved in the notebook is enough for the HTML page
  to move the slider and show the matching picture.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io

import matplotlib.pyplot as plt
import numpy as np

from ._validation import as_vector, check_positive_int, equal_length_vectors
from .function_space import (
    _line_points,
    polyline_points,
    relu_unit_regions,
    simplex_coordinates,
)
from .plotting import PALETTE, figure_digest

__all__ = ["draw_explorer_state", "explorer_state", "relu_explorer", "sweep_explorer"]


def explorer_state(x, w, b, v) -> dict:
    """The state the explorer shows for units ``x -> v_i max(0, w_i x + b_i)`` on data ``x``.

    Parameters
    ----------
    x : array of shape ``(n,)`` or ``(1, n)``
        Sorted, pairwise distinct inputs, ``n >= 2``.
    w, b, v : arrays of shape ``(d1,)``
        Weights, biases and output weights of the ``d1`` units.

    Returns
    -------
    dict
        ``"patterns"`` (int array ``(d1, n)``), ``"regions"`` (index of each unit's region in the list
        of :func:`lecture_utils.function_space.relu_unit_regions`), ``"ranks"`` (``(d1,)``),
        ``"unit_outputs"`` (``(d1, n)``: ``max(0, w_i x_j + b_i)``, without ``v_i``), ``"output"``
        (``(n,)``: the network ``sum_i v_i max(0, w_i x_j + b_i)``), ``"unit_points"`` (``(d1, n)``:
        each unit's output scaled to sum 1, NaN where the unit is zero on the data) and
        ``"output_point"`` (``(n,)``: the output scaled to sum 1, NaN where its sum is 0).
    """
    x = _line_points(x, min_points=2)
    w, b, v = equal_length_vectors(w=w, b=b, v=v)
    pre = w[:, None] * x[None, :] + b[:, None]
    patterns = (pre > 0).astype(int)
    outputs = np.maximum(pre, 0.0)
    regions = relu_unit_regions(x)
    index = {tuple(r.pattern): k for k, r in enumerate(regions)}
    region_ids = np.array([index.get(tuple(p), -1) for p in patterns])
    sums = outputs.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        unit_points = np.where(
            sums > 0, outputs / np.where(sums > 0, sums, 1.0), np.nan
        )
    total = v @ outputs
    output_point = (
        total / total.sum() if abs(total.sum()) > 1e-12 else np.full(x.shape, np.nan)
    )
    return {
        "patterns": patterns,
        "regions": region_ids,
        "ranks": np.array([regions[k].rank if k >= 0 else -1 for k in region_ids]),
        "unit_outputs": outputs,
        "output": total,
        "unit_points": unit_points,
        "output_point": output_point,
    }


def draw_explorer_state(x, w, b, v, ax_function, ax_simplex) -> dict:
    """Draw one state of the explorer into two given axes; return :func:`explorer_state`.

    Left (``ax_function``): each unit ``v_i max(0, w_i t + b_i)`` and their sum over an interval
    containing the data, with the values at the data marked. Right (``ax_simplex``): the simplex of
    ``R^n`` drawn by :func:`lecture_utils.function_space.simplex_coordinates` (a triangle for
    ``n = 3``; for other ``n`` a planar projection with the vertices at the corners of a regular
    ``n``-gon), the polyline of one ReLU, the normalised output of each unit (which lies on the
    polyline) and, when the sum of the outputs is non-zero, the normalised output of the network
    (a star; a triangle at the edge of the picture when the point lies far outside the simplex).
    """
    x = _line_points(x, min_points=2)
    state = explorer_state(x, w, b, v)
    w, b, v = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (w, b, v))
    n = x.shape[0]
    margin = 0.25 * (x[-1] - x[0])
    t = np.linspace(x[0] - margin, x[-1] + margin, 200)
    for i in range(len(w)):
        ax_function.plot(
            t,
            v[i] * np.maximum(w[i] * t + b[i], 0),
            color=PALETTE[i + 1],
            lw=1.2,
            label=f"unit {i + 1}",
        )
    ax_function.plot(
        t,
        (v[:, None] * np.maximum(w[:, None] * t + b[:, None], 0)).sum(0),
        color=PALETTE[0],
        lw=2,
        label="sum",
    )
    ax_function.scatter(x, state["output"], color=PALETTE[0], s=30, zorder=3)
    ax_function.set(xlabel="input $x$", ylabel="output")
    ax_function.legend(fontsize=8, loc="upper center")

    corners = simplex_coordinates(np.eye(n))
    if (
        corners.shape[1] == 3
    ):  # n = 4 in space: draw the plane projection of the n-gon instead
        corners = corners[:, :2]
    outline = np.vstack([corners, corners[:1]])
    ax_simplex.fill(outline[:, 0], outline[:, 1], color="0.94", zorder=0)
    ax_simplex.plot(outline[:, 0], outline[:, 1], color="0.6", lw=1)
    centre = corners.mean(axis=0)
    for j, corner in enumerate(corners):
        # Corner labels just outside the simplex, away from its centre.
        ax_simplex.text(
            *(corner + 0.12 * (corner - centre) / np.linalg.norm(corner - centre)),
            f"$e_{j + 1}$",
            ha="center",
            va="center",
            fontsize=10,
        )
    line = polyline_points(x) @ _plane_vertices(n)
    ax_simplex.plot(
        line[:, 0],
        line[:, 1],
        color="0.3",
        lw=1.5,
        marker="o",
        ms=3,
        label="polyline",
    )
    for i, p in enumerate(state["unit_points"]):
        if np.all(np.isfinite(p)):
            q = p @ _plane_vertices(n)
            ax_simplex.scatter(
                [q[0]],
                [q[1]],
                color=PALETTE[i + 1],
                s=70,
                edgecolors="white",
                linewidths=0.8,
                zorder=3,
            )
    low, high = corners.min(axis=0) - 0.3, corners.max(axis=0) + 0.3
    if np.all(np.isfinite(state["output_point"])):
        q = state["output_point"] @ _plane_vertices(n)
        inside = np.all((q >= low) & (q <= high))
        q = np.clip(q, low, high)
        ax_simplex.scatter(
            [q[0]],
            [q[1]],
            color=PALETTE[0],
            marker="*" if inside else "^",
            s=200,
            edgecolors="white",
            linewidths=0.6,
            zorder=4,
        )
        if not inside:
            ax_simplex.annotate(
                "network point off the picture",
                q,
                textcoords="offset points",
                xytext=(0, -14),
                ha="center",
                fontsize=8,
            )
    ax_simplex.set(xlim=(low[0], high[0]), ylim=(low[1], high[1]))
    ax_simplex.set_aspect("equal")
    ax_simplex.axis("off")
    patterns = ", ".join("".join(map(str, p)) for p in state["patterns"])
    ax_simplex.set_title(f"patterns {patterns}", fontsize=10)
    return state


def _plane_vertices(n: int) -> np.ndarray:
    """Vertices of the planar picture of the simplex used by :func:`draw_explorer_state`."""
    if n == 4:
        angles = np.pi / 2 + 2 * np.pi * np.arange(n) / n
        return np.column_stack([np.cos(angles), np.sin(angles)])
    return simplex_coordinates(np.eye(n))


def _state_html(state: dict) -> str:
    """The readout of one state: patterns, regions and ranks of the units, and the outputs."""
    cell = '<td style="padding: 0.1em 0.6em">{}</td>'
    rows = "".join(
        "<tr>"
        + "".join(cell.format(v) for v in (f"unit {i + 1}", "".join(map(str, p)), k, r))
        + "</tr>"
        for i, (p, k, r) in enumerate(
            zip(state["patterns"], state["regions"], state["ranks"])
        )
    )
    head = "<tr>" + "".join(
        f'<th style="padding: 0.1em 0.6em">{h}</th>'
        for h in ("", "pattern", "region", "rank")
    )
    point = (
        "(" + ", ".join(f"{c:.3f}" for c in state["output_point"]) + ")"
        if np.all(np.isfinite(state["output_point"]))
        else "undefined (the outputs sum to 0)"
    )
    values = "(" + ", ".join(f"{c:.3f}" for c in state["output"]) + ")"
    return (
        f"<table>{head}</tr>{rows}</table>"
        f'<p style="margin: 0.4em 0 0">F(&theta;, X) = {values}<br>'
        f"normalised: {point}</p>"
    )


def relu_explorer(x, n_units: int = 2):
    """A live explorer of a sum of ReLU units on one-dimensional data (an ipywidgets widget).

    The explorer starts with unit ``i`` facing right for even ``i`` and left for odd ``i``
    (``w_i = +-1``), its kink spread over the data. Sliders set the weight ``w_i``, the bias ``b_i`` and the sign of the output weight ``v_i`` of each
    unit. On every change the widget recomputes :func:`explorer_state` and shows the activation
    patterns, the regions (numbered as in :func:`lecture_utils.function_space.relu_unit_regions`) and
    ranks in a table, and the picture of :func:`draw_explorer_state` as a PNG image. The widget is
    returned, not displayed: display it in Jupyter with ``IPython.display.display``.

    Parameters
    ----------
    x : array of shape ``(n,)`` or ``(1, n)``
        Sorted, pairwise distinct inputs, ``n >= 2``.
    n_units : int
        Number of units, between 1 and 4.

    Returns
    -------
    ipywidgets.VBox
        Its attribute ``state`` holds the current :func:`explorer_state`, ``sliders`` the list of
        ``(w, b, v)`` controls per unit, ``table`` the HTML widget and ``image`` the picture.
    """
    import ipywidgets as widgets

    x = _line_points(x, min_points=2)
    n_units = check_positive_int(n_units, "n_units")
    if n_units > 4:
        raise ValueError(f"n_units must be at most 4, got {n_units}")
    kinks = np.quantile(x, (np.arange(n_units) + 0.5) / n_units)
    signs = np.where(np.arange(n_units) % 2 == 0, 1.0, -1.0)
    start = np.round(np.column_stack([signs, -signs * kinks]), 2)
    bias_range = np.ceil(2 * max(1.0, np.abs(x).max()))
    sliders = []
    for i in range(n_units):
        w_s = widgets.FloatSlider(
            value=start[i, 0], min=-2.0, max=2.0, step=0.01, description=f"w{i + 1}"
        )
        b_s = widgets.FloatSlider(
            value=start[i, 1],
            min=-bias_range,
            max=bias_range,
            step=0.01,
            description=f"b{i + 1}",
        )
        v_s = widgets.ToggleButtons(
            options=[("+1", 1.0), ("-1", -1.0)],
            value=1.0,
            description=f"v{i + 1}",
            style={"button_width": "40px"},
        )
        sliders.append((w_s, b_s, v_s))
    table, image = widgets.HTML(), widgets.Image(format="png")
    box = widgets.VBox(
        [widgets.HBox(list(controls)) for controls in sliders] + [table, image]
    )
    box.sliders, box.table, box.image = sliders, table, image

    def update(_change=None):
        w, b, v = (
            np.array([controls[k].value for controls in sliders]) for k in range(3)
        )
        fig, (ax_f, ax_s) = _explorer_figure()
        box.state = draw_explorer_state(x, w, b, v, ax_f, ax_s)
        table.value = _state_html(box.state)
        image.value = _figure_png(fig)

    for controls in sliders:
        for control in controls:
            control.observe(update, names="value")
    update()
    return box


#: Size in inches of an explorer's picture (the functions above the simplex), its dots per inch
#: on the page, and the factor by which it is rendered more finely (for sharp high-density screens).
EXPLORER_FIGSIZE = (3.8, 5.4)
EXPLORER_DPI = 100
EXPLORER_PIXEL_DENSITY = 2

#: The explorer's panel: light in both colour schemes of the page (ipywidgets draws its labels
#: and readouts with Jupyter's colour variables, which a dark page theme leaves dark), with the
#: picture beside the readout on a wide page and above it on a narrow one (a phone).
EXPLORER_CSS = """
.lu-explorer {
  background: #ffffff; color: #1a1a1a; color-scheme: light;
  border: 1px solid #c8c8c8; border-radius: 6px; padding: 0.5em 0.75em;
  box-sizing: border-box; max-width: 100%; text-align: left; line-height: 1.4;
  --jp-widgets-color: #1a1a1a; --jp-widgets-label-color: #1a1a1a;
  --jp-widgets-readout-color: #1a1a1a; --jp-ui-font-color1: #1a1a1a;
  --jp-content-font-color1: #1a1a1a; --jp-layout-color1: #ffffff;
  --jp-widgets-input-background-color: #ffffff;
}
.lu-explorer *, html[data-theme="dark"] .lu-explorer * { color: #1a1a1a; }
.lu-explorer table { background: transparent; border-collapse: collapse; }
.lu-explorer th { border-bottom: 1px solid #c8c8c8; }
.lu-explorer img {
  filter: none !important; background: #ffffff !important; padding: 0 !important;
}
.lu-explorer .widget-readout { overflow: visible; min-width: 3.5em; }
.lu-explorer-page { display: flex; flex-wrap: wrap; gap: 0.5em 1.25em; align-items: center; }
.lu-explorer-page img { flex: 0 1 380px; width: 380px; max-width: 100%; height: auto; }
.lu-explorer-readout { flex: 1 1 14em; min-width: 0; }
"""


def _explorer_figure():
    """A figure for :func:`draw_explorer_state`: the functions above the simplex, for a narrow page."""
    fig, axes = plt.subplots(
        2,
        1,
        figsize=EXPLORER_FIGSIZE,
        dpi=EXPLORER_DPI,
        gridspec_kw={"height_ratios": [1, 1.2]},
        layout="constrained",
    )
    return fig, axes


def _figure_png(fig, dpi: float = EXPLORER_PIXEL_DENSITY * EXPLORER_DPI) -> bytes:
    """The figure as a PNG with a palette of at most 64 colours (small enough to store many)."""
    from PIL import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    plt.close(fig)
    image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    small = io.BytesIO()
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(
        small, format="png", optimize=True, dpi=(dpi, dpi)
    )  # the dpi recorded, so a reader (and the site test) can tell the size of its labels
    return small.getvalue()


def sweep_explorer(x, w, b, v, unit: int, parameter: str = "b", values=None):
    """An explorer that works without a kernel: one parameter of one unit swept over given values.

    Every state is computed and drawn (with :func:`draw_explorer_state`) when the explorer is built;
    a slider picks which one is shown. The slider and the pictures are linked in the browser
    (``ipywidgets.jslink``), so a page built from the notebook's saved widget state, or a notebook
    whose kernel has stopped, still responds to the slider.

    Parameters
    ----------
    x : array of shape ``(n,)`` or ``(1, n)``
        Sorted, pairwise distinct inputs, ``n >= 2``.
    w, b, v : arrays of shape ``(d1,)``
        Weights, biases and output weights of the ``d1`` units; the swept entry is replaced.
    unit : int
        The unit whose parameter moves, counted from 1 as in the pictures.
    parameter : ``"w"`` or ``"b"``
        Which parameter of that unit moves.
    values : array of shape ``(k,)``, ``k >= 2``
        The values it takes, in slider order. Default: 25 values spanning the data for a bias
        (so that the unit's kink crosses every point), ``-2 .. 2`` for a weight.

    Returns
    -------
    ipywidgets.VBox
        Attributes: ``states`` (the :func:`explorer_state` of every value), ``values``, ``slider``
        (an ``ipywidgets.SelectionSlider``), ``pages`` (an ``ipywidgets.Stack`` holding, per
        value, an ``ipywidgets.HTML`` with the picture, which has alt text, and the readout
        table) and ``link`` (the browser-side link between them). The box carries the CSS class
        ``lu-explorer`` (a light panel in both colour schemes of the page; the picture sits beside
        the readout on a wide page and above it on a phone). Its text form names the sweep and
        carries a digest of all pictures' data, so a stored notebook changes when any picture
        does.
    """
    import ipywidgets as widgets

    x = _line_points(x, min_points=2)
    w, b, v = equal_length_vectors(w=w, b=b, v=v)
    d1 = w.shape[0]
    unit = check_positive_int(unit, "unit")
    if unit > d1:
        raise ValueError(
            f"unit must be between 1 and the number of units {d1}, got {unit}"
        )
    if parameter not in ("w", "b"):
        raise ValueError(f"parameter must be 'w' or 'b', got {parameter!r}")
    if values is None:
        if parameter == "b":
            reach = abs(w[unit - 1]) * max(abs(x[0]), abs(x[-1])) * 1.25 + 0.1
            values = np.linspace(-reach, reach, 25)
        else:
            values = np.linspace(-2.0, 2.0, 25)
    values = as_vector(values, "values")
    if values.shape[0] < 2:
        raise ValueError("values must hold at least two values to sweep over")

    states, pages, digests = [], [], []
    for value in values:
        w_now, b_now = w.copy(), b.copy()
        (w_now if parameter == "w" else b_now)[unit - 1] = value
        fig, (ax_function, ax_simplex) = _explorer_figure()
        states.append(draw_explorer_state(x, w_now, b_now, v, ax_function, ax_simplex))
        digests.append(figure_digest(fig))
        png = base64.b64encode(_figure_png(fig)).decode("ascii")
        patterns = ", ".join("".join(map(str, p)) for p in states[-1]["patterns"])
        alt = (
            f"With {parameter}{unit} = {value:+.2f}: above, the units and their sum as "
            "functions of the input; below, their normalised outputs in the simplex. "
            f"Patterns {patterns}."
        )
        pages.append(
            widgets.HTML(
                '<div class="lu-explorer-page">'
                f'<img src="data:image/png;base64,{png}" alt="{alt}">'
                f'<div class="lu-explorer-readout">{_state_html(states[-1])}</div></div>'
            )
        )
    labels = [f"{value:+.2f}" for value in values]
    slider = widgets.SelectionSlider(
        options=labels,
        value=labels[len(labels) // 2],
        description=f"{parameter}{unit}",
        continuous_update=True,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="100%", max_width="480px"),
    )
    stack = widgets.Stack(pages, selected_index=len(labels) // 2)
    link = widgets.jslink((slider, "index"), (stack, "selected_index"))
    digest = hashlib.sha256("".join(digests).encode()).hexdigest()[:12]
    name = "bias" if parameter == "b" else "weight"
    header = widgets.HTML(
        f"<style>{EXPLORER_CSS}</style>"
        f'<p style="margin: 0">Move the slider (or focus it and use the arrow keys) to '
        f"set the {name} {parameter}{unit} of unit {unit}, from {values[0]:+.2f} to "
        f"{values[-1]:+.2f} in {len(values)} steps.</p>"
    )
    explorer = _SweepExplorer(
        [header, slider, stack],
        states=states,
        values=values,
        slider=slider,
        pages=stack,
        link=link,
        summary=(
            f"<Explorer: {parameter}{unit} over {len(values)} values from "
            f"{values[0]:+.2f} to {values[-1]:+.2f}; data digest {digest}>"
        ),
    )
    explorer.add_class("lu-explorer")
    return explorer


@functools.lru_cache(maxsize=1)
def _sweep_explorer_class():
    import ipywidgets as widgets

    class SweepExplorer(widgets.VBox):
        """A VBox whose text form is a short summary (ipywidgets' default lists every child)."""

        def __init__(self, children, *, states, values, slider, pages, link, summary):
            super().__init__(children)
            self.states, self.values, self.slider, self.pages, self.link = (
                states,
                values,
                slider,
                pages,
                link,
            )
            self._summary = summary

        def __repr__(self) -> str:
            return self._summary

    return SweepExplorer


def _SweepExplorer(*args, **kwargs):
    return _sweep_explorer_class()(*args, **kwargs)
