"""The book's figure style, and the one way notebooks show a figure.

nbval, which re-executes the notebooks in the test suite, compares text outputs but ignores images.
So that a change in what a figure shows still fails the tests, :func:`show` displays a figure as a
PNG (what the reader sees) together with a ``text/plain`` representation (what nbval compares, and
what the HTML page does not display) carrying a digest of the figure's data: every plotted line,
marker position, colour value, image, bar, text, title, axis label, scale and limit, each
quantised to what the drawing can show (a thousandth of its axis range, in the axis's own scale).
Re-running the same code reproduces the digest, on any CPU: differences far below the drawing's
resolution, such as rounding noise, do not change it, while a visible change does.
"""

from __future__ import annotations

import hashlib
import io

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from ._validation import check_positive_int, check_real

__all__ = [
    "PALETTE",
    "use_book_style",
    "figure_data",
    "figure_digest",
    "FigureOutput",
    "show",
    "plot_gd_region_shares",
    "plot_gd_success_by_width",
    "plot_gd_success_phase",
    "plot_scale_training",
    "plot_lazy_training",
    "plot_spectra_by_data_size",
    "plot_scale_shares",
    "plot_null_space_walks",
    "plot_live_grid",
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

#: Digest resolution: each plotted coordinate is recorded as an integer step of 1/RESOLUTION of
#: its axis range (in the axis's own scale), each colour value as a step of 1/RESOLUTION of its
#: colour scale. A figure a few hundred pixels wide cannot show finer differences.
RESOLUTION = 1000


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


def _steps(fractions, resolution: int) -> str:
    """Positions given as fractions of a range, as integer steps; outside the range: -1 or R+1."""
    a = np.ma.filled(np.ma.asarray(fractions, dtype=float), np.nan).ravel()
    with np.errstate(invalid="ignore"):
        q = np.clip(np.rint(a * resolution), -1, resolution + 1)
    return ",".join("nan" if np.isnan(x) else str(int(x)) for x in q)


class _Axis:
    """One axis of an axes (x, y or z): maps data values to fractions of the visible range."""

    def __init__(self, axis, limits):
        self.scale = (
            axis.get_transform()
        )  # data -> the axis's own scale (log10 on log axes)
        lo, hi = self.scale.transform(
            np.asarray(limits, dtype=float).reshape(-1, 1)
        ).ravel()
        self.lo, self.span = lo, (hi - lo) if hi != lo else 1.0

    def fractions(self, values):
        a = np.ma.filled(np.ma.asarray(values, dtype=float), np.nan).ravel()
        with np.errstate(invalid="ignore", divide="ignore"):
            t = self.scale.transform(a.reshape(-1, 1)).ravel()
            t[
                ~np.isfinite(t) & ~np.isnan(a)
            ] = -np.inf  # e.g. non-positive values on a log axis
            return (t - self.lo) / self.span

    def limits(self, resolution: int) -> str:
        """The limits in the axis's scale, rounded to a power of ten below span/resolution."""
        step = 10.0 ** np.floor(np.log10(abs(self.span) / resolution))
        return f"{round(self.lo / step)},{round((self.lo + self.span) / step)}e{np.log10(step):g}"


def _colour_fractions(mappable) -> np.ndarray:
    """The colour values of an image or collection as fractions of its colour scale (its norm)."""
    values = np.ma.asarray(mappable.get_array(), dtype=float)
    if values.ndim == 3:  # RGB(A) image: channels in [0, 1] or [0, 255]
        return np.ma.filled(values, np.nan) / (255.0 if values.max() > 1 else 1.0)
    mappable.autoscale_None()  # what drawing would do: vmin, vmax from the data when unset
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.ma.filled(np.ma.asarray(mappable.norm(values), dtype=float), np.nan)


def figure_data(fig: mpl.figure.Figure, resolution: int = RESOLUTION) -> list[str]:
    """The data a figure shows, as canonical text lines, quantised to what the figure can show.

    Covers, for every axes: title, axis labels, scales and limits; lines (x, y, and z in 3-D);
    collections (offsets, colour values and path vertices: scatter plots, filled areas,
    contours, meshes; points and surface vertices in 3-D); images (arrays and extents); patches
    (vertices: bars, polygons); texts and their positions; legend entries.

    Every coordinate given in data units is recorded as a whole number of steps of
    ``1/resolution`` of its axis's visible range, measured in the axis's own scale (log axes in
    log space); values outside the range are recorded as just below or just above it. Colour
    values are recorded the same way on their colour scale (the mappable's norm), coordinates in
    other units (axes fractions, points) to ``1/resolution``. ``resolution`` is a positive
    integer. So a perturbation far below the
    drawing's resolution, such as rounding noise that differs between CPUs, leaves the record
    unchanged, while a change of a value by a visible fraction of the axis changes it.
    """
    _check_figure(fig)
    resolution = check_positive_int(resolution, "resolution")
    rows = []
    if getattr(fig, "_suptitle", None) is not None:
        rows.append(f"suptitle:{fig._suptitle.get_text()}")
    for k, ax in enumerate(fig.axes):
        is_3d = hasattr(ax, "get_zlim")
        axes = [_Axis(ax.xaxis, ax.get_xlim()), _Axis(ax.yaxis, ax.get_ylim())]
        if is_3d:
            axes.append(_Axis(ax.zaxis, ax.get_zlim()))

        def data(points, artist=None, dims=len(axes)):
            """Points of shape (m, dims) (or (dims, m) with ``columns``) as steps per axis."""
            points = np.asarray(
                np.ma.filled(np.ma.asarray(points, dtype=float), np.nan)
            )
            points = points.reshape(-1, dims)
            in_data = (True,) * dims
            if artist is not None and not is_3d:
                in_data = artist.get_transform().contains_branch_seperately(
                    ax.transData
                )
            columns = [
                axes[j].fractions(points[:, j]) if in_data[j] else points[:, j]
                for j in range(dims)
            ]
            return _steps(np.stack(columns, axis=-1), resolution)

        labels = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        if is_3d:
            labels.append(ax.get_zlabel())
        rows.append(f"axes{k}:" + "|".join(labels))
        scales = ",".join(a.get_scale() for a in [ax.xaxis, ax.yaxis])
        rows.append(
            f"scale:{scales} lim:" + ";".join(a.limits(resolution) for a in axes)
        )
        for line in ax.get_lines():
            if is_3d and hasattr(line, "get_data_3d"):
                points = np.asarray(line.get_data_3d(), dtype=float).T
                rows.append(f"line:{line.get_label()}:{data(points)}")
            else:
                points = line.get_xydata()
                rows.append(f"line:{line.get_label()}:{data(points, line, 2)}")
        for coll in ax.collections:
            offsets = coll.get_offsets()
            offsets_in_data = coll.get_offset_transform().contains_branch(ax.transData)
            if is_3d or not offsets_in_data:
                rows.append(
                    f"collection:{coll.get_label()}:{_steps(offsets, resolution)}"
                )
            else:
                rows.append(f"collection:{coll.get_label()}:{data(offsets, dims=2)}")
            three_d = False
            # 3-D collections keep their data in private attributes until they are drawn: points
            # of a 3-D scatter in _offsets3d, polygon vertices of a surface in _faces (_vec in
            # older matplotlib, homogeneous coordinates).
            if getattr(coll, "_offsets3d", None) is not None:
                points = np.asarray(coll._offsets3d, dtype=float).reshape(3, -1).T
                rows.append(f"points3d:{data(points, dims=3)}")
                three_d = True
            if getattr(coll, "_faces", None) is not None:
                faces = np.array(coll._faces, dtype=float)
                # Faces with fewer vertices are padded with uninitialised memory: blank it.
                invalid = np.asarray(
                    getattr(coll, "_invalid_vertices", False), dtype=bool
                )
                if invalid.ndim == 2 and invalid.any():
                    faces[invalid] = np.nan
                rows.append(f"faces3d:{data(faces, dims=3)}")
                three_d = True
            elif getattr(coll, "_vec", None) is not None:
                points = np.asarray(coll._vec, dtype=float)[:3].T
                rows.append(f"faces3d:{data(points, dims=3)}")
                three_d = True
            if coll.get_array() is not None:
                rows.append(f"colours:{_steps(_colour_fractions(coll), resolution)}")
            if not three_d:
                for path in coll.get_paths():
                    rows.append(f"path:{data(path.vertices, coll, 2)}")
        for image in ax.get_images():
            extent = np.asarray(image.get_extent(), dtype=float).reshape(2, 2).T
            rows.append(f"image:{_steps(_colour_fractions(image), resolution)}")
            rows.append(f"extent:{data(extent, dims=2)}")
        for patch in ax.patches:
            vertices = patch.get_patch_transform().transform(patch.get_path().vertices)
            rows.append(f"patch:{data(vertices, patch, 2)}")
        for text in ax.texts:
            position = np.asarray(text.get_position(), dtype=float)[None, :]
            rows.append(f"text:{text.get_text()}@{data(position, text, 2)}")
        legend = ax.get_legend()
        if legend is not None:
            rows.append("legend:" + "|".join(t.get_text() for t in legend.get_texts()))
    return rows


def _check_figure(fig) -> None:
    if not isinstance(fig, mpl.figure.Figure):
        raise ValueError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")


def figure_digest(fig: mpl.figure.Figure, resolution: int = RESOLUTION) -> str:
    """A 12-hex-digit SHA-256 digest of :func:`figure_data`."""
    text = "\n".join(figure_data(fig, resolution))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


#: Figures are rendered at this many pixels per displayed pixel ("retina" resolution), so that they
#: stay sharp on high-density screens and when a reader zooms in.
PIXEL_DENSITY = 2


class FigureOutput:
    """A rendered figure: a PNG for people, a one-line summary with the data digest for nbval.

    ``width`` and ``height`` are the displayed size in CSS pixels (the PNG has ``PIXEL_DENSITY``
    times as many pixels); Jupyter and the HTML pages honour them.
    """

    def __init__(
        self,
        png: bytes,
        summary: str,
        width: int | None = None,
        height: int | None = None,
    ):
        self.png = png
        self.summary = summary
        self.width = width
        self.height = height

    def _repr_png_(self):
        if self.width is None:
            return self.png
        return self.png, {"width": self.width, "height": self.height}

    def __repr__(self) -> str:
        return self.summary


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels, read from a PNG's header."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def show(fig: mpl.figure.Figure, dpi: float | None = None) -> None:
    """Display ``fig`` in the notebook (PNG plus a digest of its data) and close it.

    Use this instead of ``plt.show()`` in every notebook of the book. The figure is displayed at
    its own size (``figsize`` at ``fig.dpi`` CSS pixels per inch) and rendered at ``dpi``, by
    default ``PIXEL_DENSITY`` times ``fig.dpi``. Outside IPython it prints the summary line
    instead.
    """
    _check_figure(fig)
    if dpi is not None:
        dpi = check_real(dpi, "dpi", low=1, high=2400)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    summary = (
        f"<Figure: {len(fig.axes)} axes"
        + (f", titles {titles}" if titles else "")
        + f"; data digest {figure_digest(fig)}>"
    )
    dpi = PIXEL_DENSITY * fig.dpi if dpi is None else dpi
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    displayed = fig.dpi / dpi
    plt.close(fig)
    png = buffer.getvalue()
    width, height = (round(size * displayed) for size in _png_size(png))
    output = FigureOutput(png, summary, width, height)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(output)
    else:
        print(summary)


# --- Figures of 12_function_space_1d, 13_beyond_the_smooth_interior, 14_gradient_descent_and_regions, 15_theorems_at_scale ---


def _wilson_bars(share, trials: int) -> list[np.ndarray]:
    """Asymmetric error bars ``[share - low, high - share]`` of 95% Wilson intervals.

    ``share`` holds shares of ``trials`` runs; each interval is that of ``round(share * trials)``
    successes.
    """
    from .training_regions import binomial_interval

    share = np.asarray(share, dtype=float)
    ci = np.array([binomial_interval(round(s * trials), trials) for s in share])
    return [share - ci[:, 0], ci[:, 1] - share]


def plot_gd_region_shares(table, grid, widths, trials: int = 20) -> mpl.figure.Figure:
    """Success of gradient descent beside the two region shares, one panel per input dimension.

    For every input dimension ``d_0`` (one panel, top to bottom) and every number of points ``n``
    of it (one colour), three curves against the width ``d_1`` on a logarithmic axis: the share of
    trials in which gradient descent succeeded (solid, circles), in which the Jacobian at
    initialisation had rank ``n`` (dashed, squares) and in which the initial region contained a
    global minimum (dotted, triangles), each with the error bars of a 95% Wilson interval and
    shifted slightly sideways so that the bars do not overlap. A figure legend explains the line
    styles, each panel's legend the colours.

    Parameters
    ----------
    table : dict
        ``table[d0, n, d1]`` is a dict with the shares ``"success"``, ``"full_rank"`` and
        ``"global_minimum"`` (as :func:`lecture_utils.training_regions.training_regions_cell`
        returns).
    grid : dict
        ``d_0 -> sequence of n``; one panel per key.
    widths : sequence of int
        The widths ``d_1``.
    trials : int
        Trials per cell, for the intervals.

    Returns
    -------
    matplotlib Figure
    """
    trials = check_positive_int(trials, "trials")
    if len(grid) < 2:
        raise ValueError(
            f"grid must have at least two input dimensions, got {len(grid)}"
        )
    fig, axes = plt.subplots(len(grid), 1, figsize=(6.5, 7.6), sharex=True)
    styles = {
        "success": ("-", "o", 0.93, "gradient descent succeeds"),
        "full_rank": ("--", "s", 1.0, "full-rank Jacobian at init"),
        "global_minimum": (":", "^", 1.07, "initial region has a global minimum"),
    }
    for ax, (d0, ns) in zip(axes, grid.items()):
        for colour, n in zip(PALETTE, ns):
            for key, (ls, marker, shift, _) in styles.items():
                share = np.array([table[d0, n, d1][key] for d1 in widths])
                ax.errorbar(
                    np.array(widths) * shift,
                    share,
                    yerr=_wilson_bars(share, trials),
                    ls=ls,
                    marker=marker,
                    color=colour,
                    capsize=2,
                    label=f"$n = {n}$" if key == "success" else None,
                )
        ax.set(xscale="log", title=f"$d_0 = {d0}$", ylabel=f"share of {trials} trials")
        ax.set_xticks(widths, [str(w) for w in widths])
        ax.minorticks_off()
        ax.legend(fontsize=8, loc="upper left", title="colour")
    axes[-1].set_xlabel("width $d_1$")
    fig.legend(
        [
            plt.Line2D([], [], color="k", ls=ls, marker=marker)
            for ls, marker, _, _ in styles.values()
        ],
        [label for *_, label in styles.values()],
        loc="lower center",
        ncol=3,
        fontsize=8,
        bbox_to_anchor=(0.5, -0.04),
    )
    return fig


def plot_gd_success_by_width(full, trials: int) -> mpl.figure.Figure:
    """Success shares of gradient descent against the width, for ``d_0 = 1, 4, 8`` (budget 3000).

    Three panels, top to bottom ``d_0 = 1, 4, 8``, with shared axes; in each, one curve per number
    of points ``n`` (one colour, circles): the share of successful runs against the width ``d_1``
    on a logarithmic axis with ticks ``1, 2, ..., 64``, with the error bars of a 95% Wilson
    interval.

    Parameters
    ----------
    full : dict
        ``full[d0, n, d1, budget]`` is the number of successful runs; only ``budget = 3000`` is
        drawn.
    trials : int
        Runs per cell.

    Returns
    -------
    matplotlib Figure
    """
    trials = check_positive_int(trials, "trials")
    fig, axes = plt.subplots(3, 1, figsize=(6.5, 8.4), sharex=True, sharey=True)
    for ax, d0 in zip(axes, (1, 4, 8)):
        ns = sorted({k[1] for k in full if k[0] == d0 and k[3] == 3000})
        for colour, n in zip(PALETTE, ns):
            d1s = sorted(k[2] for k in full if k[:2] == (d0, n) and k[3] == 3000)
            share = np.array([full[d0, n, d1, 3000] for d1 in d1s]) / trials
            ax.errorbar(
                d1s,
                share,
                yerr=_wilson_bars(share, trials),
                marker="o",
                capsize=2,
                color=colour,
                label=f"$n = {n}$",
            )
        ax.set(xscale="log", title=f"$d_0 = {d0}$", ylabel=f"share of {trials} trials")
        ax.legend(fontsize=8, loc="upper left")
    axes[-1].set_xticks(
        [1, 2, 4, 8, 16, 32, 64], ["1", "2", "4", "8", "16", "32", "64"]
    )
    axes[-1].minorticks_off()
    axes[-1].set_xlabel("width $d_1$")
    return fig


def plot_gd_success_phase(phase, ratios, trials: int = 20) -> mpl.figure.Figure:
    """Success shares of gradient descent against ``d_0 d_1 / n``, one curve per ``(d_0, n)``.

    For each setting ``(d_0, n)`` the width is ``d_1 = max(1, round(r n / d_0))`` for each ratio
    ``r``; the curve shows the success shares at ``d_0 d_1 / n`` with the error bars of a 95%
    Wilson interval (colours of the book's cycle, circles), beside a dashed grey line at
    ``d_0 d_1 = n``.

    Parameters
    ----------
    phase : dict
        ``(d0, n) -> sequence of success shares``, one per ratio.
    ratios : sequence of float
        The ratios ``r``.
    trials : int
        Trials per point, for the intervals.

    Returns
    -------
    matplotlib Figure
    """
    trials = check_positive_int(trials, "trials")
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for (d0, n), shares in phase.items():
        if len(shares) != len(ratios):
            raise ValueError(
                f"setting {(d0, n)}: {len(shares)} shares for {len(ratios)} ratios"
            )
        x = [d0 * max(1, round(r * n / d0)) / n for r in ratios]
        ax.errorbar(
            x,
            shares,
            yerr=_wilson_bars(shares, trials),
            marker="o",
            capsize=3,
            label=f"$d_0 = {d0}$, $n = {n}$",
        )
    ax.axvline(1, color="0.5", ls="--", label="$d_0 d_1 = n$")
    ax.set(xlabel="$d_0 d_1 / n$", ylabel=f"success share ({trials} trials)")
    ax.legend(fontsize=8)
    return fig


def plot_scale_training(loss, steps_rec, lam_min, predicted) -> mpl.figure.Figure:
    """The loss of gradient descent against its linear-convergence envelope, and ``lambda_min``.

    Top: the loss ``L(theta_t)`` at every step and the envelope
    ``L_0 prod_{s < t} (1 - eta lambda_min(s))^2`` (dashed), on a logarithmic axis. Bottom:
    ``lambda_min(J J^T)`` at the recorded steps, the axis from 0 to 1.1 times its largest value.

    Parameters
    ----------
    loss : array of shape ``(T + 1,)``
        The loss at steps ``0, ..., T``.
    steps_rec : array of shape ``(k,)``
        The recorded steps.
    lam_min : array of shape ``(k,)``
        ``lambda_min(J J^T)`` at the recorded steps.
    predicted : array of shape ``(T,)``
        The contraction factors ``(1 - eta lambda_min)^2`` of the ``T`` steps.

    Returns
    -------
    matplotlib Figure
    """
    loss, predicted = np.asarray(loss, float), np.asarray(predicted, float)
    steps_rec, lam_min = np.asarray(steps_rec), np.asarray(lam_min, float)
    if loss.ndim != 1 or predicted.shape != (loss.shape[0] - 1,):
        raise ValueError(
            f"predicted must have one factor per step, shape ({loss.shape[0] - 1},), "
            f"got {predicted.shape}"
        )
    if steps_rec.shape != lam_min.shape:
        raise ValueError("steps_rec and lam_min must have the same shape")
    fig, axes = plt.subplots(2, 1, figsize=(6.5, 5.2), sharex=True)
    envelope = loss[0] * np.concatenate([[1], np.cumprod(predicted)])
    axes[0].semilogy(loss, label="gradient descent")
    axes[0].semilogy(envelope, ls="--", label=r"$L_0 \prod_s (1-\eta\lambda_{\min})^2$")
    axes[0].set(ylabel=r"loss $L(\theta_t)$")
    axes[0].legend()
    axes[1].plot(steps_rec, lam_min)
    axes[1].set(xlabel="step $t$", ylabel=r"$\lambda_{\min}(J J^\top)$")
    axes[1].set_ylim(0, 1.1 * lam_min.max())
    return fig


def plot_lazy_training(lazy, widths, steps: int) -> mpl.figure.Figure:
    """Relative change of the Gram matrix and of the parameters against the width (log-log).

    Circles: ``|K_T - K_0| / |K_0|``; squares: ``|theta_T - theta_0| / |theta_0|``; dashed grey: the
    reference ``d_1^{-1/2}`` through the parameters' change at the first width.

    Parameters
    ----------
    lazy : dict
        ``width -> {"K": float, "theta": float, ...}``.
    widths : sequence of int
        The widths ``d_1``, in the order to draw.
    steps : int
        The number of steps ``T`` (for the axis label).

    Returns
    -------
    matplotlib Figure
    """
    steps = check_positive_int(steps, "steps")
    fig, ax = plt.subplots(figsize=(6.0, 3.6))
    w = np.array(widths, dtype=float)
    ax.loglog(
        w,
        [lazy[k]["K"] for k in widths],
        marker="o",
        label=r"$\|K_T - K_0\| / \|K_0\|$",
    )
    ax.loglog(
        w,
        [lazy[k]["theta"] for k in widths],
        marker="s",
        label=r"$\|\theta_T - \theta_0\| / \|\theta_0\|$",
    )
    reference = lazy[widths[0]]["theta"] * np.sqrt(w[0] / w)
    ax.loglog(w, reference, ls="--", color="0.5", label=r"$\propto d_1^{-1/2}$")
    ax.set(xlabel="width $d_1$", ylabel=f"relative change after {steps} steps")
    ax.legend()
    return fig


def plot_spectra_by_data_size(spectra) -> mpl.figure.Figure:
    """The positive eigenvalues of Hessians in decreasing order, one curve per data set size.

    For each ``n`` (a colour, in increasing order) the eigenvalues ``lambda_k``, ``k = 1, 2, ...``,
    on a logarithmic axis, and a dotted vertical line at ``k = n``.

    Parameters
    ----------
    spectra : dict
        ``n -> array`` of the positive eigenvalues in decreasing order.

    Returns
    -------
    matplotlib Figure
    """
    if not isinstance(spectra, dict) or not 1 <= len(spectra) <= len(PALETTE):
        raise ValueError(
            f"spectra must be a dict of 1 to {len(PALETTE)} spectra, one per data set size"
        )
    checked = {}
    for m, s in spectra.items():
        m = check_positive_int(m, "n")
        s = np.asarray(s, dtype=float)
        if s.ndim != 1 or not s.size or not np.all(np.isfinite(s) & (s > 0)):
            raise ValueError(
                f"the spectrum for n = {m} must be a non-empty vector of positive eigenvalues"
            )
        if np.any(np.diff(s) > 0):
            raise ValueError(f"the spectrum for n = {m} must be in decreasing order")
        checked[m] = s
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for colour, m in zip(PALETTE, sorted(checked)):
        s = checked[m]
        ax.semilogy(np.arange(1, len(s) + 1), s, color=colour, label=f"$n = {m}$")
        ax.axvline(m, color=colour, ls=":", lw=1)
    ax.set(
        xlabel="index $k$ (eigenvalues in decreasing order)", ylabel=r"$\lambda_k(H)$"
    )
    ax.legend(title="beyond $k = n$: zero")
    return fig


def plot_scale_shares(
    yes, runs: int, n_grid, d1_grid, d0: int, titles
) -> mpl.figure.Figure:
    """Shares of runs with a property against ``d_1 d_0 / n``, one panel per property (2 x 2).

    In each panel, one curve per data set size ``n`` (a colour): the share ``k / runs`` of the
    runs with the property against ``d_1 d_0 / n`` on a logarithmic axis, with the error bars of a
    95% Wilson interval, and grey lines at ``d_1 d_0 = n`` (dashed) and ``= 4n`` (dotted).

    Parameters
    ----------
    yes : dict
        ``property -> array of shape (len(n_grid), len(d1_grid))`` of counts; at most four
        properties, drawn row by row.
    runs : int
        Runs per cell.
    n_grid, d1_grid : arrays
        The data set sizes ``n`` and the widths ``d_1``.
    d0 : int
        The input dimension.
    titles : dict
        ``property -> panel title``.

    Returns
    -------
    matplotlib Figure
    """
    from .training_regions import binomial_interval

    runs = check_positive_int(runs, "runs")
    n_grid, d1_grid = np.asarray(n_grid), np.asarray(d1_grid)
    if len(yes) > 4:
        raise ValueError(f"at most four properties fit the panels, got {len(yes)}")
    for q, k in yes.items():
        if np.shape(k) != (len(n_grid), len(d1_grid)):
            raise ValueError(
                f"{q}: counts of shape {np.shape(k)}, expected "
                f"{(len(n_grid), len(d1_grid))}"
            )
    fig, axes = plt.subplots(2, 2, figsize=(7.0, 5.4), sharex=True, sharey=True)
    for ax, (q, k) in zip(axes.ravel(), yes.items()):
        for colour, m, k_m in zip(PALETTE, n_grid, k):
            bounds = np.array([binomial_interval(int(j), runs) for j in k_m]).T
            share = k_m / runs
            ax.errorbar(
                d1_grid * d0 / m,
                share,
                yerr=np.abs(bounds - share),
                color=colour,
                marker="o",
                ms=3,
                capsize=2,
                label=f"$n = {m}$",
            )
        ax.axvline(1, color="0.5", ls="--", lw=1)
        ax.axvline(4, color="0.5", ls=":", lw=1)
        ax.set(xscale="log", title=titles[q], ylim=(-0.05, 1.05))
    for ax in axes[1]:
        ax.set_xlabel("$d_1 d_0 / n$")
    for ax in axes[:, 0]:
        ax.set_ylabel("share of runs")
    axes[0, 0].legend(fontsize=8)
    return fig


def plot_null_space_walks(walks, norm: float) -> mpl.figure.Figure:
    """Test accuracy (top) and test loss (bottom) along walks on the manifold of global minima.

    One curve per walk (solid for the first, dashed for the second), against the distance walked
    in units of ``norm``; the walks ``"random"`` and ``"test_loss_up"`` are labelled as a random
    direction and the direction of the test loss.

    Parameters
    ----------
    walks : dict
        ``direction -> {"distance", "test_accuracy", "test_loss"}`` (arrays of equal length), as
        :func:`lecture_utils.scale.null_space_walk` returns; at most two walks.
    norm : float
        The unit of distance, ``|theta*|``.

    Returns
    -------
    matplotlib Figure
    """
    norm = check_real(norm, "norm", low=0, low_open=True)
    if len(walks) > 2:
        raise ValueError(f"at most two walks, got {len(walks)}")
    fig, axes = plt.subplots(2, 1, figsize=(6.5, 5.0), sharex=True)
    labels = {
        "random": "random direction",
        "test_loss_up": "direction of the test loss",
    }
    for (direction, w), ls in zip(walks.items(), ("-", "--")):
        distance = w["distance"] / norm
        axes[0].plot(
            distance,
            w["test_accuracy"],
            ls=ls,
            marker="o",
            ms=3,
            label=labels.get(direction, direction),
        )
        axes[1].plot(distance, w["test_loss"], ls=ls, marker="o", ms=3)
    axes[0].set(ylabel="test accuracy")
    axes[0].legend()
    axes[1].set(
        xlabel=r"distance walked on the minima, in units of $\|\theta^*\|$",
        ylabel="test loss",
    )
    return fig


# --- Figures of 10_full_rank_regions and 11_one_dimensional_input ---


def plot_live_grid(figure: str, grids, n_values, d1_values, trials: int):
    """Heat maps of a small grid computed live, in the style of one of the paper's figures.

    The chapters recompute the paper's Figures 2, 3 and 6 to 8 on a small grid while the page
    runs; this draws such a grid exactly as :func:`lecture_utils.reproduce.plot_figure` draws
    the figure at full resolution (same panels, titles, reference line and colour scale), so
    that live and full figures look alike.

    Parameters
    ----------
    figure : str
        The figure's name in :data:`lecture_utils.reproduce.FIGURES`: ``"fig2"``, ``"fig3"``,
        ``"fig6"``, ...
    grids : sequence or dict of arrays
        One array of shape ``(len(d1_values), len(n_values))`` per panel (rows: widths
        ``d1``, columns: data set sizes ``n``), each the share of trials with the property the
        figure shows, in the order of the figure's panels (``d0 = 1, 2, 3, 5`` for
        ``"fig2"``; ``r = 1/4, 1/2, 1, 2`` for ``"fig3"``). For figures whose panels are
        label types (``"fig6"``, ``"fig7"``, ``"fig8"``) also a dict keyed by the label type.
    n_values, d1_values : sequence of int
        The grid's data set sizes ``n`` and widths ``d1``.
    trials : int
        Trials per cell.

    Returns
    -------
    matplotlib Figure
    """
    from dataclasses import replace

    from .reproduce import FIGURES, plot_figure

    if figure not in FIGURES:
        raise ValueError(f"unknown figure {figure!r}; one of {sorted(FIGURES)}")
    spec = FIGURES[figure]
    trials = check_positive_int(trials, "trials")
    n_values, d1_values = tuple(n_values), tuple(d1_values)
    if isinstance(grids, dict):
        if not all("labels" in p.extra for p in spec.full):
            raise ValueError(f"{figure}: grids must be a sequence in the panels' order")
        grids = [grids[p.extra["labels"]] for p in spec.full]
    grids = [np.asarray(grid, dtype=float) for grid in grids]
    if len(grids) != len(spec.full):
        raise ValueError(
            f"{figure} has {len(spec.full)} panels, got {len(grids)} grids"
        )
    for grid in grids:
        if grid.shape != (len(d1_values), len(n_values)):
            raise ValueError(
                f"each grid must have shape (len(d1_values), len(n_values)) = "
                f"{(len(d1_values), len(n_values))}, got {grid.shape}"
            )
    panels = [
        replace(p, n_values=n_values, d1_values=d1_values, trials=trials)
        for p in spec.full
    ]
    return plot_figure(spec, panels, {p.label: g.T for p, g in zip(panels, grids)})
