"""The figure digest: re-running reproduces it, changing what is shown changes it."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from IPython.core.formatters import DisplayFormatter  # noqa: E402

import lecture_utils as lu  # noqa: E402


def make_figure(
    y_last=3.0, title="a title", scatter_x=0.5, image_corner=0.0, bar_height=2.0
):
    fig, (ax1, ax2) = plt.subplots(1, 2)
    ax1.plot([0, 1, 2], [1.0, 2.0, y_last], label="line")
    ax1.scatter([scatter_x, 1.5], [1.0, 2.0], c=[0.1, 0.2])
    ax1.set(title=title, xlabel="x", ylabel="y")
    ax1.legend()
    image = np.arange(4.0).reshape(2, 2)
    image[0, 0] = image_corner
    ax2.imshow(image)
    ax2.bar([0, 1], [1.0, bar_height])
    return fig


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_digest_is_reproducible():
    assert lu.figure_digest(make_figure()) == lu.figure_digest(make_figure())


@pytest.mark.parametrize(
    "change",
    [
        dict(y_last=3.01),
        dict(title="another"),
        dict(scatter_x=0.6),
        dict(image_corner=0.5),
        dict(bar_height=2.5),
    ],
)
def test_digest_changes_when_a_shown_value_changes(change):
    assert lu.figure_digest(make_figure(**change)) != lu.figure_digest(make_figure())


def test_digest_ignores_rounding_noise():
    assert lu.figure_digest(make_figure(y_last=3.0 + 1e-9)) == lu.figure_digest(
        make_figure()
    )


def test_shown_figure_has_png_and_digest_text(capsys):
    fig = make_figure()
    digest = lu.figure_digest(fig)
    lu.show(fig)  # outside IPython: prints the summary line, and closes the figure
    assert digest in capsys.readouterr().out
    assert not plt.get_fignums()
    output = lu.plotting.FigureOutput(b"\x89PNG...", f"<Figure: data digest {digest}>")
    bundle, _ = DisplayFormatter().format(output)
    assert bundle["image/png"].startswith(b"\x89PNG") and digest in bundle["text/plain"]


def test_book_style_uses_colour_blind_safe_palette():
    lu.use_book_style()
    assert [c.lower() for c in plt.rcParams["axes.prop_cycle"].by_key()["color"]] == [
        c.lower() for c in lu.PALETTE
    ]


def make_3d_figure(z_corner=0.0, point_z=1.0, line_z=2.0):
    fig = plt.figure()
    ax = fig.add_subplot(projection="3d")
    xx, yy = np.meshgrid(np.linspace(0, 1, 4), np.linspace(0, 1, 3))
    zz = xx * yy
    zz[0, 0] = z_corner
    ax.plot_surface(xx, yy, zz)
    ax.scatter([0.5], [0.5], [point_z])
    ax.plot([0, 1], [0, 1], [0, line_z])
    ax.set_zlabel("z")
    return fig


@pytest.mark.parametrize(
    "change", [dict(z_corner=0.3), dict(point_z=1.5), dict(line_z=2.5)]
)
def test_digest_sees_3d_data(change):
    assert lu.figure_digest(make_3d_figure()) == lu.figure_digest(make_3d_figure())
    assert lu.figure_digest(make_3d_figure(**change)) != lu.figure_digest(
        make_3d_figure()
    )


def test_digest_of_surfaces_with_ragged_faces_is_reproducible():
    # Strided surfaces have faces with fewer vertices at the edges, padded with uninitialised memory.
    def figure():
        fig = plt.figure()
        ax = fig.add_subplot(projection="3d")
        xx, yy = np.meshgrid(np.linspace(0, 1, 9), np.linspace(0, 1, 7))
        ax.plot_surface(xx, yy, np.sin(xx + yy), rstride=2, cstride=3)
        return fig

    digests = set()
    for _ in range(5):
        np.empty((200, 200, 3)).fill(
            np.random.default_rng().standard_normal()
        )  # dirty the heap
        digests.add(lu.figure_digest(figure()))
    assert len(digests) == 1


# ------------------------------------------ the digest sees what a reader sees, and nothing finer


def noisy(values, relative, rng):
    """``values`` with noise of size ``relative`` times their range (rounding noise of a CPU)."""
    values = np.asarray(values, dtype=float)
    span = np.ptp(values) or 1.0
    return values + relative * span * rng.uniform(-1, 1, values.shape)


def varied_figure(noise=0.0, seed=0, bump=None):
    """Lines on linear and log axes, a scatter with colours, a histogram, an image, a fill,
    a text in data coordinates and a 3-D scatter; ``noise`` perturbs every value by that
    fraction of its range; ``bump`` moves one named value by 2 % of its axis."""
    data = np.random.default_rng(seed)
    rng = np.random.default_rng(seed + 1)
    x = np.linspace(0, 1, 200)
    y = np.sin(6 * x) + 0.1 * data.standard_normal(200)
    decay = 10.0 ** (-8 * x)  # eight decades on a log axis
    points = data.standard_normal((2, 60))
    samples = data.standard_normal(500)
    image = data.uniform(size=(12, 12))
    if bump == "line":
        y[50] += 0.02 * np.ptp(y)
    if bump == "log":
        decay[100] *= 10 ** (0.02 * 8)
    if bump == "colour":
        image[3, 4] += 0.02
    if bump == "scatter":
        points[0, 7] += 0.02 * np.ptp(points[0])
    fig, axes = plt.subplots(2, 3)
    axes[0, 0].plot(x, noisy(y, noise, rng))
    axes[0, 0].plot(
        x, noisy(np.zeros_like(x), noise, rng)
    )  # a residual that is exactly 0
    axes[0, 0].fill_between(x, noisy(y, noise, rng) - 0.5, noisy(y, noise, rng) + 0.5)
    axes[0, 1].semilogy(x, decay * (1 + noise * rng.uniform(-1, 1, 200)))
    axes[0, 1].axhline(1e-4)
    axes[0, 2].scatter(*noisy(points, noise, rng), c=noisy(points[0], noise, rng))
    axes[1, 0].hist(noisy(samples, noise, rng), bins=np.linspace(-4, 4, 17))
    axes[1, 1].imshow(noisy(image, noise, rng))
    axes[1, 2].text(noisy([0.3], noise, rng)[0], 0.5, "label")
    return fig


def test_digest_ignores_noise_far_below_the_drawing_resolution():
    for seed in range(5):
        clean = lu.figure_digest(varied_figure(seed=seed))
        assert lu.figure_digest(varied_figure(noise=1e-9, seed=seed)) == clean


@pytest.mark.parametrize("bump", ["line", "log", "colour", "scatter"])
def test_digest_sees_a_change_of_two_percent_of_the_axis(bump):
    assert lu.figure_digest(varied_figure(bump=bump)) != lu.figure_digest(
        varied_figure()
    )


def test_digest_quantises_log_axes_in_log_space():
    def figure(values):
        fig, ax = plt.subplots()
        ax.semilogy([0, 1, 2], values)
        ax.set_ylim(1e-10, 1)
        return fig

    # 1e-9 and 1.001e-9 are a thousandth of a decade apart on a 10-decade axis: not visible.
    assert lu.figure_digest(figure([1e-9, 1e-3, 1.0])) == lu.figure_digest(
        figure([1.001e-9, 1e-3, 1.0])
    )
    # 1e-9 and 2e-9 are 0.3 decades apart: visible, although both are tiny numbers.
    assert lu.figure_digest(figure([1e-9, 1e-3, 1.0])) != lu.figure_digest(
        figure([2e-9, 1e-3, 1.0])
    )


def test_values_outside_the_axes_are_recorded_as_outside():
    def figure(value):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0.5, value])
        ax.set_ylim(0, 1)
        return fig

    assert lu.figure_digest(figure(5.0)) == lu.figure_digest(figure(7.0))  # clipped
    assert lu.figure_digest(figure(5.0)) != lu.figure_digest(figure(0.9))


def test_figures_are_rendered_at_double_resolution_and_displayed_at_their_size(
    monkeypatch,
):
    shown = []
    monkeypatch.setattr("IPython.get_ipython", lambda: object())
    monkeypatch.setattr("IPython.display.display", shown.append)
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    ax.plot([0, 1], [0, 1])
    lu.show(fig)
    png, size = shown[0]._repr_png_()
    width, height = lu.plotting._png_size(png)
    assert width == 2 * size["width"] and abs(height - 2 * size["height"]) <= 1
    assert 300 <= size["width"] <= 400  # about 4 inches at 100 CSS pixels per inch
