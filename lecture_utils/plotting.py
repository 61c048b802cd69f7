"""The book's figure style, and the one way notebooks show a figure.

nbval, which re-executes the notebooks in the test suite, compares text outputs but ignores images.
So that a change in what a figure shows still fails the tests, :func:`show` displays a figure as a
PNG (what the reader sees) together with a ``text/plain`` representation (what nbval compares, and
what the HTML page does not display) carrying a digest of the figure's data: every plotted line,
marker position, colour value, image, bar, text, title, axis label, scale and limit, rounded to a
few significant digits. Re-running the same code reproduces the digest; changing a plotted value
beyond the rounding changes it.
"""

from __future__ import annotations

import hashlib
import io

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

__all__ = [
    "PALETTE",
    "use_book_style",
    "figure_data",
    "figure_digest",
    "FigureOutput",
    "show",
]

#: Okabe-Ito colours: distinguishable with the common forms of colour-blindness.
PALETTE = [
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#F0E442",
]

#: Values of smaller magnitude count as zero in the digest (they are rounding noise in the book's data).
DIGEST_ZERO = 1e-12


def use_book_style() -> None:
    """Set matplotlib defaults for the book: palette, sizes, a colour-blind-safe colormap."""
    mpl.rcParams.update(
        {
            "axes.prop_cycle": mpl.cycler(color=PALETTE),
            "figure.figsize": (6.4, 3.6),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "font.size": 10,
            "axes.titlesize": 11,
            "axes.labelsize": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "legend.frameon": False,
            "lines.linewidth": 1.8,
            "image.cmap": "viridis",
        }
    )


def _numbers(values, significant: int) -> str:
    a = np.ma.filled(np.ma.asarray(values, dtype=float), np.nan).ravel()
    a = np.where(np.abs(a) < DIGEST_ZERO, 0.0, a)
    return ",".join(f"{x:.{significant}g}" for x in a)


def figure_data(fig: mpl.figure.Figure, significant: int = 4) -> list[str]:
    """The data a figure shows, as canonical text lines (numbers rounded to ``significant`` digits).

    Covers, for every axes: title, axis labels, scales and limits; lines (x, y, and z in 3-D);
    collections (offsets, colour arrays and path vertices: scatter plots, filled areas, contours,
    meshes; points and surface vertices in 3-D);
    images (arrays); patches (vertices in data coordinates: bars, polygons); texts; legend entries.
    Magnitudes below ``DIGEST_ZERO`` are recorded as 0.
    """

    def num(values):
        return _numbers(values, significant)

    rows = []
    if getattr(fig, "_suptitle", None) is not None:
        rows.append(f"suptitle:{fig._suptitle.get_text()}")
    for k, ax in enumerate(fig.axes):
        labels = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        if hasattr(ax, "get_zlabel"):
            labels.append(ax.get_zlabel())
        rows.append(f"axes{k}:" + "|".join(labels))
        rows.append(
            f"scale:{ax.get_xscale()},{ax.get_yscale()} lim:{num([*ax.get_xlim(), *ax.get_ylim()])}"
        )
        for line in ax.get_lines():
            data = (
                line.get_data_3d()
                if hasattr(line, "get_data_3d")
                else line.get_xydata()
            )
            rows.append(f"line:{line.get_label()}:{num(data)}")
        for coll in ax.collections:
            rows.append(f"collection:{coll.get_label()}:{num(coll.get_offsets())}")
            # 3-D collections keep their data in private attributes until they are drawn: points of
            # a 3-D scatter in _offsets3d, polygon vertices of a surface in _faces (_vec in older
            # matplotlib, homogeneous coordinates).
            if getattr(coll, "_offsets3d", None) is not None:
                rows.append(f"points3d:{num(np.asarray(coll._offsets3d, dtype=float))}")
            if getattr(coll, "_faces", None) is not None:
                faces = np.array(coll._faces, dtype=float)
                # Faces with fewer vertices are padded with uninitialised memory: blank the padding.
                invalid = np.asarray(
                    getattr(coll, "_invalid_vertices", False), dtype=bool
                )
                if invalid.ndim == 2 and invalid.any():
                    faces[invalid] = np.nan
                rows.append(f"faces3d:{num(faces)}")
            elif getattr(coll, "_vec", None) is not None:
                rows.append(f"faces3d:{num(np.asarray(coll._vec, dtype=float)[:3])}")
            if coll.get_array() is not None:
                rows.append(f"colours:{num(coll.get_array())}")
            for path in coll.get_paths():
                rows.append(f"path:{num(path.vertices)}")
        for image in ax.get_images():
            rows.append(f"image:{num(image.get_array())}")
        for patch in ax.patches:
            vertices = patch.get_patch_transform().transform(patch.get_path().vertices)
            rows.append(f"patch:{num(vertices)}")
        for text in ax.texts:
            rows.append(f"text:{text.get_text()}@{num(text.get_position())}")
        legend = ax.get_legend()
        if legend is not None:
            rows.append("legend:" + "|".join(t.get_text() for t in legend.get_texts()))
    return rows


def figure_digest(fig: mpl.figure.Figure, significant: int = 4) -> str:
    """A 12-hex-digit SHA-256 digest of :func:`figure_data`."""
    text = "\n".join(figure_data(fig, significant))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class FigureOutput:
    """A rendered figure: a PNG for people, a one-line summary with the data digest for nbval."""

    def __init__(self, png: bytes, summary: str):
        self.png = png
        self.summary = summary

    def _repr_png_(self) -> bytes:
        return self.png

    def __repr__(self) -> str:
        return self.summary


def show(fig: mpl.figure.Figure, dpi: float | None = None) -> None:
    """Display ``fig`` in the notebook (PNG plus a digest of its data) and close it.

    Use this instead of ``plt.show()`` in every notebook of the book. Outside IPython it prints the
    summary line instead.
    """
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    summary = (
        f"<Figure: {len(fig.axes)} axes"
        + (f", titles {titles}" if titles else "")
        + f"; data digest {figure_digest(fig)}>"
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    output = FigureOutput(buffer.getvalue(), summary)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(output)
    else:
        print(summary)
