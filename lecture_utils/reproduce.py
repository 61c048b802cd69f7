"""Full-scale reproduction of the experiments of Karhadkar, Murray, Tseran and Montúfar.

``python -m lecture_utils reproduce FIGURE [--quick|--full] [--data DIST] [--workers N]
[--dask-scheduler ADDRESS] [--protocol per-trial|fixed]``
computes every cell of the figure's grids with :func:`lecture_utils.sweeps.run_sweep` (parallel,
cached on disk, resumable; a cached cell computed by other code than the present one is recomputed,
see :mod:`lecture_utils.sweeps`), then writes ``FIGURE.npz`` (the grids and the fractions),
``FIGURE.json`` (every parameter of the run) and ``FIGURE.png`` into the output folder.

* ``fig2``: probability that the Jacobian of a random network has full rank, fixed ``d0``;
* ``fig3``: the same with ``d0 = ceil(r n)`` growing with the data set;

  both take ``--data gaussian`` (the default: i.i.d. N(0, 1) data, as the paper's text says) or
  ``--data uniform`` (i.i.d. uniform on ``[0, 1)``, as the authors' released script draws them);
  the uniform results are written as ``fig2_uniform`` and ``fig3_uniform``;
* ``fig6``, ``fig7``, ``fig8``: share of sampled activation regions that contain a zero-loss
  global minimum, for ``d0 = 1, 2, 5`` and three kinds of labels; with fresh data for every sampled
  region (``--protocol per-trial``, the default, as the paper's appendix describes) or one data set
  per cell (``--protocol fixed``, as its captions say and its released script does; written as
  ``FIGURE_fixed``);
* ``train``: share of runs of gradient descent that reach loss ``1e-4`` (Chapter 14), for
  ``d0 = 1, 4, 8``, with budgets of 3000 steps and, on a few cells, 30000 and 100000 steps;
* ``scale``: networks trained on the digits (Chapter 15): shares of runs that end at an exact
  interpolant, at one where the hypotheses of the Hessian count hold, with a certified count of
  exactly ``n`` positive Hessian eigenvalues, and in a region of rank ``n``.

``--full`` (the default) uses the paper's resolution; ``--quick`` a small grid that runs in seconds.

The full-resolution results of ``fig2``, ``fig3`` (both data distributions), ``fig6``, ``fig7``,
``fig8``, ``train`` and ``scale`` ship with the package, in ``lecture_utils/shipped_results/`` (so
``pip install`` brings them, on Colab too): :func:`shipped_results` finds them, and
:func:`load_results` and :func:`plot_results` accept a bare name such as ``"fig2"``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import importlib
import json
import math
import re
import time
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import numpy as np

from .sweeps import code_version, max_workers, run_sweep, write_atomically

__all__ = [
    "Panel",
    "FigureSpec",
    "FIGURES",
    "panel_cells",
    "with_protocol",
    "reproduce",
    "shipped_results",
    "load_results",
    "plot_results",
    "plot_data_comparison",
    "main",
]


@dataclass(frozen=True)
class Panel:
    """One heat map of a figure: a grid over the data set size ``n`` and the width ``d1``."""

    label: str
    n_values: tuple[int, ...]
    d1_values: tuple[int, ...]
    trials: int
    d0: int | None = None  # fixed input dimension ...
    ratio: float | None = None  # ... or d0 = ceil(ratio * n)
    extra: dict = field(default_factory=dict)

    def d0_for(self, n: int) -> int:
        return self.d0 if self.d0 is not None else math.ceil(self.ratio * n)


@dataclass(frozen=True)
class FigureSpec:
    """A figure: its cell function (``"module:function"``), its panels, and the line to draw."""

    name: str
    title: str
    cell_function: str
    full: tuple[Panel, ...]
    quick: tuple[Panel, ...]
    line: str  # "n/d0", "n/(d0+1)" or "4n log(2n/eps)"
    data: tuple[str, ...] = ()  # the values of --data it accepts (first: the default)


#: The figures whose cells take a data ``protocol`` (:func:`lecture_utils.global_minimum_fraction`).
PROTOCOL_FIGURES = ("fig6", "fig7", "fig8")


def _seed(figure: str, panel: Panel, n: int, d1: int, quick: bool = False) -> int:
    key = [figure, panel.label, n, d1] + (["quick"] if quick else [])
    protocol = panel.extra.get("protocol", "per-trial")
    if protocol != "per-trial":  # an independent sample (per-trial seeds are unchanged)
        key.append(protocol)
    text = json.dumps(key, sort_keys=True)
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def panel_cells(figure: str, panel: Panel, quick: bool = False) -> list[dict]:
    """The keyword arguments of every cell of a panel (rows: n, columns: d1), seeds included.

    Quick runs draw their own seeds, so that a quick run is an independent sample of the cells it
    shares with the full grid (the tests compare the two).
    """
    return [
        {
            "d0": panel.d0_for(n),
            "d1": d1,
            "n": n,
            "trials": panel.trials,
            **panel.extra,
            "seed": _seed(figure, panel, n, d1, quick),
        }
        for n in panel.n_values
        for d1 in panel.d1_values
    ]


def _fig2(trials, n_values, d1_values):
    return tuple(
        Panel(f"d0 = {d0}", n_values, d1_values, trials, d0=d0) for d0 in (1, 2, 3, 5)
    )


def _fig3(trials, n_values, d1_values):
    return tuple(
        Panel(f"d0 = ceil({r} n)", n_values, d1_values, trials, ratio=r)
        for r in (0.25, 0.5, 1, 2)
    )


def _global_minimum_panels(d0, trials, n_values, d1_values):
    return tuple(
        Panel(
            f"d0 = {d0}, {labels} labels",
            n_values,
            d1_values,
            trials,
            d0=d0,
            extra={"labels": labels},
        )
        for labels in ("polynomial", "teacher", "random")
    )


def _train_panels(trials):
    """Chapter 14's grid: success of gradient descent for d0 = 1, 4, 8 with the budget of
    3000 steps, and again with 30000 steps (d0 = 1 and 4) and, on the cell d0 = 1, n = 8,
    d1 = 64 where no run succeeds within 3000 steps, 100000 steps (half the trials: the
    slowest cell, and zero successes in 100 trials already bound the share below 0.04).
    Widths are powers of two, so that d0 d1 / n takes the values 1/2, 1, 2, 4, 8 of the
    phase diagram at (d0, n) = (4, 8), (4, 16), (8, 16), (8, 32)."""
    longer = [
        ("d0 = 1, 30000 steps", (4, 8), (16, 64), 1, 30000, trials),
        ("d0 = 1, 100000 steps", (8,), (64,), 1, 100000, trials // 2),
        ("d0 = 4, 30000 steps", (8, 16), (2, 4, 8, 16), 4, 30000, trials),
    ]
    return (
        Panel("d0 = 1", (4, 8, 12, 16), (2, 4, 8, 16, 32, 64), trials, d0=1),
        Panel("d0 = 4", (4, 8, 12, 16), (1, 2, 4, 8, 16, 32, 64), trials, d0=4),
        Panel("d0 = 8", (8, 16, 32), (1, 2, 4, 8, 16, 32), trials, d0=8),
        *(
            Panel(label, ns, d1s, t, d0=d0, extra={"steps": steps})
            for label, ns, d1s, d0, steps, t in longer
        ),
    )


#: The panels of ``scale`` (Chapter 15): quantity of lecture_utils.scale.scale_fraction -> title.
#: Each is a yes/no outcome of one run (gradient descent, then Gauss-Newton), so a cell is a share of
#: trials and its count of yes answers gives a binomial interval.
_SCALE_PANELS = {
    "interpolates": "runs that interpolate",
    "hypotheses": "runs where the three hypotheses hold",
    "hessian_count": "runs with exactly $n$ positive Hessian eigenvalues",
    "full_rank_region": "runs ending in a region of rank $n$",
}

#: The grid of ``scale --full``: widths on both sides of the line d1 = n / d0, where the
#: hypotheses of the Hessian count begin to hold; 20 trials per cell, 1120 runs, about 4
#: processor-minutes in all. The chapter's live runs cover the wide networks (d1 = 256 to 1024).
_SCALE_N = (100, 200)
_SCALE_D1 = (1, 2, 4, 8, 16, 32, 64)
_SCALE_TRIALS = 20

FIGURES: dict[str, FigureSpec] = {
    "fig2": FigureSpec(
        "fig2",
        "Probability of a full-rank Jacobian, fixed input dimension",
        "lecture_utils.full_rank:full_rank_probability",
        full=_fig2(100, tuple(range(10, 101, 10)), tuple(range(30, 301, 30))),
        quick=_fig2(10, (10, 20, 30), (30, 60)),
        line="n/(d0+1)",
        data=("gaussian", "uniform"),
    ),
    "fig3": FigureSpec(
        "fig3",
        "Probability of a full-rank Jacobian, input dimension growing with n",
        "lecture_utils.full_rank:full_rank_probability",
        full=_fig3(100, tuple(range(10, 191, 20)), tuple(range(1, 16))),
        quick=_fig3(10, (10, 30), (1, 2, 4)),
        line="n/(d0+1)",
        data=("gaussian", "uniform"),
    ),
    "fig6": FigureSpec(
        "fig6",
        "Share of regions with a zero-loss global minimum, d0 = 1",
        "lecture_utils.global_minima:global_minimum_fraction",
        full=_global_minimum_panels(
            1, 140, tuple(range(2, 17, 2)), tuple(range(10, 371, 10))
        ),
        quick=_global_minimum_panels(1, 10, (2, 4), (10, 40)),
        line="4n log(2n/eps)",
    ),
    "fig7": FigureSpec(
        "fig7",
        "Share of regions with a zero-loss global minimum, d0 = 2",
        "lecture_utils.global_minima:global_minimum_fraction",
        full=_global_minimum_panels(
            2, 100, tuple(range(4, 25, 4)), tuple(range(4, 81, 4))
        ),
        quick=_global_minimum_panels(2, 5, (4, 8), (4, 16)),
        line="n/d0",
    ),
    "fig8": FigureSpec(
        "fig8",
        "Share of regions with a zero-loss global minimum, d0 = 5",
        "lecture_utils.global_minima:global_minimum_fraction",
        full=_global_minimum_panels(
            5, 100, tuple(range(5, 31, 5)), tuple(range(2, 41, 2))
        ),
        quick=_global_minimum_panels(5, 5, (5, 10), (2, 8)),
        line="n/d0",
    ),
    "train": FigureSpec(
        "train",
        "Success of gradient descent from He initialisation (Chapter 14)",
        "lecture_utils.training_regions:gd_success_fraction",
        full=_train_panels(200),
        quick=tuple(Panel(f"d0 = {d0}", (4,), (4, 8), 5, d0=d0) for d0 in (1, 4)),
        line="n/d0",
    ),
    "scale": FigureSpec(
        "scale",
        "Trained networks on the digits, d0 = 64 (Chapter 15)",
        "lecture_utils.scale:scale_fraction",
        full=tuple(
            Panel(
                label,
                _SCALE_N,
                _SCALE_D1,
                _SCALE_TRIALS,
                d0=64,
                extra={"quantity": q},
            )
            for q, label in _SCALE_PANELS.items()
        ),
        quick=tuple(
            Panel(label, (50, 100), (1, 16), 1, d0=64, extra={"quantity": q})
            for q, label in _SCALE_PANELS.items()
        ),
        line="n/d0",
    ),
}


def with_protocol(
    spec: FigureSpec, panels: tuple[Panel, ...], protocol: str
) -> tuple[FigureSpec, tuple[Panel, ...]]:
    """A figure of :data:`PROTOCOL_FIGURES` and its panels under a data protocol.

    ``protocol="per-trial"`` returns them unchanged; ``"fixed"`` (one data set per cell, see
    :func:`lecture_utils.global_minimum_fraction`) adds ``protocol`` to every panel's cell
    arguments (so the cells draw their own seeds and are cached apart) and says so in the title.
    """
    from .global_minima import DATA_PROTOCOLS

    if protocol not in DATA_PROTOCOLS:
        raise ValueError(f"protocol must be one of {DATA_PROTOCOLS}, got {protocol!r}")
    if spec.name not in PROTOCOL_FIGURES:
        raise ValueError(
            f"a data protocol applies to {', '.join(PROTOCOL_FIGURES)}, not {spec.name!r}"
        )
    if protocol == "per-trial":
        return spec, panels
    spec = replace(spec, title=f"{spec.title}, one data set per cell")
    panels = tuple(
        replace(panel, extra={**panel.extra, "protocol": protocol}) for panel in panels
    )
    return spec, panels


def _resolve(path: str):
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


def _check_data_option(name: str, data: str | None) -> str | None:
    """The data distribution of a run: ``None`` for the figure's default, else a checked name."""
    spec = FIGURES[name]
    if data is None or (spec.data and data == spec.data[0]):
        return None
    if data not in spec.data:
        accepted = f"one of {list(spec.data)}" if spec.data else "no data option"
        raise ValueError(f"figure {name!r} takes {accepted}, got data={data!r}")
    return data


def _with_data(panels: tuple[Panel, ...], data: str | None) -> tuple[Panel, ...]:
    """The panels with ``data`` among the cells' arguments (unchanged for the default data)."""
    if data is None:
        return panels
    return tuple(
        dataclasses.replace(p, extra={**p.extra, "data": data}) for p in panels
    )


def reproduce(
    name: str,
    quick: bool = False,
    workers: int = 1,
    dask_scheduler: str | None = None,
    out: str | Path = "results",
    cache: str | Path | None = None,
    progress: bool = True,
    protocol: str | None = None,
    data: str | None = None,
) -> dict:
    """Compute (or load from the cache) every cell of a figure and write its data and its plot.

    ``protocol`` (only for ``fig6``, ``fig7``, ``fig8``): ``"per-trial"`` (the default, fresh data for
    every sampled region) or ``"fixed"`` (one data set per cell; the files are then named
    ``FIGURE_fixed``), see :func:`with_protocol`.

    ``data`` chooses the input distribution of ``fig2`` and ``fig3``: ``None`` or ``"gaussian"``
    (the paper's text), or ``"uniform"`` (the authors' released code), written as
    ``NAME_uniform``; the cells keep their seeds, so both share their weights. Returns a
    dictionary with, per panel, the fractions as an array of shape ``(len(n), len(d1))``.
    """
    if name not in FIGURES:
        raise ValueError(f"unknown figure {name!r}; choose one of {sorted(FIGURES)}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    out = Path(out)
    cache = out / "cache" if cache is None else Path(cache)
    for folder, what in (
        (out, "output folder (--out)"),
        (cache, "cache folder (--cache)"),
    ):
        if folder.exists() and not folder.is_dir():
            raise ValueError(f"the {what} {folder} is a file: name a folder")
    spec = FIGURES[name]
    data = _check_data_option(name, data)
    panels = _with_data(spec.quick if quick else spec.full, data)
    if protocol is not None:
        spec, panels = with_protocol(spec, panels, protocol)
    function = _resolve(spec.cell_function)
    version = code_version(function)  # of the code that computes the cells
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    fractions = {}
    for panel in panels:
        values = run_sweep(
            function,
            panel_cells(name, panel, quick),
            cache_dir=cache,
            workers=workers,
            dask_scheduler=dask_scheduler,
            progress=progress,
            description=f"{name} {panel.label}",
            validate=_check_fraction,
        )
        fractions[panel.label] = np.array(values, dtype=float).reshape(
            len(panel.n_values), len(panel.d1_values)
        )
    seconds = time.perf_counter() - start
    suffix = "" if protocol in (None, "per-trial") else f"_{protocol}"
    suffix += f"_{data}" if data else ""
    stem = out / (name + suffix + ("_quick" if quick else ""))
    arrays = {
        f"panel{k}_{key}": value
        for k, panel in enumerate(panels)
        for key, value in (
            ("fractions", fractions[panel.label]),
            ("n", np.array(panel.n_values)),
            ("d1", np.array(panel.d1_values)),
        )
    }
    write_atomically(
        stem.with_suffix(".npz"),
        lambda path: path.write_bytes(_npz_bytes(arrays)),
    )
    record = {
        "figure": name,
        "title": spec.title,
        "resolution": "quick" if quick else "full",
        **({"data": data} if data else {}),
        "cell_function": spec.cell_function,
        "code_version": version,
        "seconds": round(seconds, 1),
        "panels": [
            {
                "label": p.label,
                "n": list(p.n_values),
                "d1": list(p.d1_values),
                "trials": p.trials,
                "d0": p.d0,
                "ratio": p.ratio,
                **p.extra,
            }
            for p in panels
        ],
    }
    write_atomically(
        stem.with_suffix(".json"),
        lambda path: path.write_text(json.dumps(record, indent=1)),
    )
    import matplotlib.pyplot as plt

    fig = plot_figure(spec, panels, fractions)
    write_atomically(
        stem.with_suffix(".png"),
        lambda path: fig.savefig(path, format="png", dpi=120, bbox_inches="tight"),
    )
    plt.close(fig)
    return fractions


def _check_fraction(value) -> str | None:
    """Every cell of a figure is a fraction: a finite number in [0, 1] (None when it is one)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{value!r} is not a number"
    if not math.isfinite(value) or not 0 <= value <= 1:
        return f"{value!r} is not a fraction in [0, 1]"
    return None


def _npz_bytes(arrays: dict) -> bytes:
    import io

    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def _shipped_names() -> list[str]:
    folder = resources.files("lecture_utils") / "shipped_results"
    if not folder.is_dir():
        return []
    files = {entry.name for entry in folder.iterdir()}
    return sorted(
        name[: -len(".json")]
        for name in files
        if name.endswith(".json") and name[: -len(".json")] + ".npz" in files
    )


def shipped_results(name: str) -> Path:
    """The stem (a path without suffix) of the full-resolution results shipped with the package.

    ``name`` is a figure such as ``"fig2"``; the files are ``lecture_utils/shipped_results/NAME.json`` and
    ``NAME.npz``, installed with the package. Pass the stem to :func:`load_results` or
    :func:`plot_results` (which also take the bare name). An unknown name raises ``ValueError``
    listing the available ones.
    """
    available = _shipped_names()
    if name not in available:
        raise ValueError(
            f"no shipped results named {name!r}; available: {', '.join(available) or 'none'}"
        )
    return Path(str(resources.files("lecture_utils") / "shipped_results" / name))


def _results_stem(stem: str | Path) -> Path:
    """A path as given, or, for a bare name such as ``"fig2"`` that is no existing path, the shipped results."""
    path = Path(stem)
    is_bare_name = isinstance(stem, str) and path.name == stem and path.suffix == ""
    if is_bare_name and not (
        path.with_suffix(".json").exists() or path.with_suffix(".npz").exists()
    ):
        return shipped_results(stem)
    missing = [
        p.name
        for p in (path.with_suffix(".json"), path.with_suffix(".npz"))
        if not p.is_file()
    ]
    if missing:
        raise ValueError(
            f"no results at {str(path)!r}: {' and '.join(missing)} not found (a stem is a path "
            f"without suffix, as written by reproduce(); shipped results: "
            f"{', '.join(_shipped_names()) or 'none'})"
        )
    return path


def load_results(stem: str | Path) -> tuple[FigureSpec, tuple[Panel, ...], dict]:
    """Read the results written by :func:`reproduce` (``stem.json`` and ``stem.npz``).

    ``stem`` is a path without suffix, or a bare name such as ``"fig2"`` (no folder, no suffix)
    for which no ``fig2.json``/``fig2.npz`` exists in the working directory: then the
    full-resolution results shipped with the package (:func:`shipped_results`). Missing files
    raise ``ValueError``.
    """
    stem = _results_stem(stem)
    record = json.loads(stem.with_suffix(".json").read_text())
    with np.load(stem.with_suffix(".npz")) as npz:
        data = {key: npz[key] for key in npz.files}
    panels = tuple(
        Panel(
            p["label"],
            tuple(p["n"]),
            tuple(p["d1"]),
            p["trials"],
            d0=p["d0"],
            ratio=p["ratio"],
            extra={
                k: p[k]
                for k in ("labels", "quantity", "steps", "protocol", "data")
                if k in p
            },
        )
        for p in record["panels"]
    )
    spec = FIGURES[record["figure"]]
    protocols = {p.extra.get("protocol", "per-trial") for p in panels}
    if protocols != {"per-trial"}:
        (protocol,) = protocols
        spec = with_protocol(spec, (), protocol)[0]
    fractions = {
        panel.label: data[f"panel{k}_fractions"] for k, panel in enumerate(panels)
    }
    return spec, panels, fractions


def plot_results(stem: str | Path):
    """The figure of results written by :func:`reproduce`: a stem path, or the name of shipped results.

    ``plot_results("fig2")`` draws the full-resolution results shipped with the package; see
    :func:`load_results` for how ``stem`` is read.
    """
    spec, panels, fractions = load_results(stem)
    return plot_figure(spec, panels, fractions)


def plot_data_comparison(name: str):
    """The shipped full-resolution results of ``fig2`` or ``fig3`` for both data distributions.

    Gaussian data (the paper's text) in the left column, uniform data on ``[0, 1)`` (the
    authors' released code) in the right one, one row per panel of the figure.
    """
    if name not in ("fig2", "fig3"):
        raise ValueError(f"name must be 'fig2' or 'fig3', got {name!r}")
    spec, gaussian, g_values = load_results(name)
    _, uniform, u_values = load_results(name + "_uniform")
    panels, fractions = [], {}
    for pg, pu in zip(gaussian, uniform):
        for panel, values, word in (
            (pg, g_values, "Gaussian"),
            (pu, u_values, "uniform"),
        ):
            label = f"{panel.label}, {word}"
            panels.append(dataclasses.replace(panel, label=label, extra={}))
            fractions[label] = values[panel.label]
    return plot_figure(dataclasses.replace(spec, data=()), panels, fractions)


def _typeset(label: str) -> str:
    """A label with its mathematics typeset: ``"d0 = ceil(0.5 n)"`` -> ``$d_0 = ...$``."""
    head, comma, rest = label.partition(", ")
    if comma and re.fullmatch(r"d0 = ceil\((.+) n\)", head):
        return _typeset(head) + comma + rest
    ceil = re.fullmatch(r"d0 = ceil\((.+) n\)", label)
    if ceil:
        ratio = ceil.group(1).removesuffix(".0")
        if "." not in ratio:  # an integer multiple of n needs no rounding
            return f"$d_0 = {'' if ratio == '1' else ratio}n$"
        return rf"$d_0 = \lceil {ratio}\,n \rceil$"
    label = re.sub(r"\bd0 = (\d+)", r"$d_0 = \1$", label)
    return re.sub(r"\bwith n$", "with $n$", label)


def _reference_line(spec: FigureSpec, panel: Panel, n_fine: np.ndarray):
    """The figure's reference line over ``n_fine`` for one panel, and its legend label."""
    d0 = np.array([panel.d0_for(int(v)) for v in n_fine])
    if spec.line == "n/d0":
        return n_fine / d0, "$d_1 = n / d_0$"
    if (
        spec.line == "n/(d0+1)"
    ):  # d1 (d0 + 1) = n: as many parameters (W, b) as data points
        return n_fine / (d0 + 1), "$d_1 = n / (d_0 + 1)$"
    return 4 * n_fine * np.log(2 * n_fine / 0.1), r"$d_1 = 4n\log(2n/\varepsilon)$"


def _data_title(spec: FigureSpec, panels) -> str:
    """The figure's title, with the data distribution for figures that take ``--data``."""
    if not spec.data:
        return spec.title
    data = panels[0].extra.get("data", spec.data[0])
    return spec.title + {
        "gaussian": ", Gaussian data",
        "uniform": ", uniform data on [0, 1)",
    }.get(data, f", {data} data")


def plot_figure(spec: FigureSpec, panels, fractions):
    """Heat maps of the fractions, one per panel, with the figure's reference line (dashed).

    For ``fig2`` and ``fig3`` the line is ``d1 = n / (d0 + 1)``, where the network's
    ``d1 (d0 + 1)`` hidden parameters equal the ``n`` data points (below it the rank is less
    than ``n`` for every draw), drawn black on a white halo, so that it shows on dark and on
    bright cells; the width axis starts low enough that it never runs along the frame. The
    title names the data distribution of the panels. ``fractions`` maps each panel's label to an
    array of shape ``(len(n_values), len(d1_values))``.
    The chapters draw their small live grids with it too, so live and full figures look alike.
    The figure is drawn for the width of a page (7 inches): two panels per row, as many rows as
    needed, one colour bar for all.
    """
    import matplotlib.pyplot as plt
    from matplotlib import patheffects
    from matplotlib.ticker import MaxNLocator

    from .plotting import use_book_style

    use_book_style()
    columns = min(2, len(panels))
    rows = math.ceil(len(panels) / columns)
    fig, axes = plt.subplots(
        rows,
        columns,
        figsize=(7.0, 2.6 * rows + 0.5),
        squeeze=False,
        sharex=True,
        sharey=True,
        constrained_layout=True,
    )
    axes = axes.ravel()
    for extra in axes[len(panels) :]:
        fig.delaxes(extra)
    axes = axes[: len(panels)]

    def line_points(p: Panel) -> np.ndarray:
        if spec.line == "n/(d0+1)" and p.ratio is not None:  # no steps from the ceiling
            return np.array(p.n_values)
        return np.arange(min(p.n_values), max(p.n_values) + 1)

    lines = [_reference_line(spec, p, line_points(p)) for p in panels]
    d1_all = np.array(panels[0].d1_values)
    step = np.diff(d1_all[:2]).sum()
    bottom = d1_all.min() - 0.5 * step
    if spec.line == "n/(d0+1)":  # keep the line off the frame: start the axis lower
        lowest = min(reference.min() for reference, _ in lines)
        if lowest < bottom + 0.25 * step:
            bottom = lowest - 0.5 * step
    for k, (ax, panel) in enumerate(zip(axes, panels)):
        n, d1 = np.array(panel.n_values), np.array(panel.d1_values)
        image = ax.pcolormesh(
            n,
            d1,
            fractions[panel.label].T,
            vmin=0,
            vmax=1,
            cmap="viridis",
            shading="nearest",
        )
        n_fine = line_points(panel)
        reference, label = lines[k]
        if spec.line == "n/(d0+1)":
            halo = [patheffects.withStroke(linewidth=3.5, foreground="white")]
            style = {"color": "black", "path_effects": halo}
        else:
            style = {"color": "white"}
        ax.plot(n_fine, reference, ls="--", lw=1.5, label=label, **style)
        ax.set(
            title=_typeset(panel.label),
            ylim=(
                bottom if spec.line == "n/(d0+1)" else d1.min() - 0.5 * step,
                d1.max() + 0.5 * step,
            ),
        )
        if k + columns >= len(panels):  # no panel below: label the x-axis here
            ax.set_xlabel("data set size $n$")
            ax.xaxis.set_tick_params(labelbottom=True)
        if k % columns == 0:
            ax.set_ylabel("width $d_1$")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(False)
    axes[0].legend(loc="upper left", fontsize=8)
    fig.colorbar(image, ax=axes.tolist(), label="fraction")
    fig.suptitle(_typeset(_data_title(spec, panels)))
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lecture_utils", description=__doc__.split("\n\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("reproduce", help="reproduce one of the paper's figures")
    run.add_argument("figure", choices=sorted(FIGURES))
    size = run.add_mutually_exclusive_group()
    size.add_argument(
        "--quick", action="store_true", help="a small grid that runs in seconds"
    )
    size.add_argument(
        "--full", action="store_true", help="the paper's resolution (default)"
    )
    run.add_argument(
        "--workers",
        type=int,
        default=1,
        help=f"parallel processes on this machine (at most its {max_workers()} cores)",
    )
    run.add_argument(
        "--dask-scheduler", default=None, help="address of an existing Dask scheduler"
    )
    run.add_argument(
        "--out", default="results", help="output folder (default: results)"
    )
    run.add_argument("--cache", default=None, help="cache folder (default: OUT/cache)")
    run.add_argument(
        "--protocol",
        choices=("per-trial", "fixed"),
        default=None,
        help="fig6, fig7, fig8: fresh data for every sampled region (per-trial, the default) "
        "or one data set per cell (fixed, as the paper's captions and released script)",
    )
    run.add_argument(
        "--data",
        choices=("gaussian", "uniform"),
        default=None,
        help="fig2 and fig3: i.i.d. N(0, 1) data as in the paper's text (default), or "
        "i.i.d. uniform on [0, 1) as in the authors' released code",
    )
    args = parser.parse_args(argv)
    if args.protocol is not None and args.figure not in PROTOCOL_FIGURES:
        parser.error(f"--protocol applies to {', '.join(PROTOCOL_FIGURES)} only")
    if args.data is not None and not FIGURES[args.figure].data:
        parser.error(f"--data applies to fig2 and fig3, not to {args.figure}")
    if args.workers < 1:
        run.error(f"--workers must be a positive integer, got {args.workers}")
    try:
        fractions = reproduce(
            args.figure,
            quick=args.quick,
            workers=args.workers,
            dask_scheduler=args.dask_scheduler,
            out=args.out,
            cache=args.cache,
            protocol=args.protocol,
            data=args.data,
        )
    except ValueError as error:
        run.error(str(error))
    for label, values in fractions.items():
        print(
            f"{args.figure} {label}: mean fraction {values.mean():.3f} over {values.size} cells"
        )
    return 0
