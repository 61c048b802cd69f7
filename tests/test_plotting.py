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
