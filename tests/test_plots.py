"""Every picture is a real, non-blank PNG with the expected panels, classes and data."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib import colormaps
from PIL import Image
from sklearn.datasets import make_blobs

from conftest import loop_config
from npmlp import MLP, NpmlpError
from npmlp.outputs.plots import (
    BoundaryRecorder,
    Plane,
    class_colors,
    hidden_activations,
    image_shape_for,
    plot_activation_grid,
    plot_boundary,
    plot_confusion,
    plot_curves,
    plot_health,
    plot_weight_images,
    plot_worst_misclassified,
    region_image,
    save_figure,
)
from npmlp.outputs.plots.base import mosaic
from npmlp.outputs.plots.images import MAX_UNITS as MAX_UNITS_IMAGES
from npmlp.outputs.plots.plane import MAX_FRAMES, MAX_UNITS, activation_tiles
from npmlp.train.train_config import History
from plots_support import DIGITS_PICTURES, MOONS_PICTURES, assert_picture, digits_run, moons_run


def _visible_axes(fig):
    return [ax for ax in fig.axes if ax.get_visible()]


def test_a_2d_run_writes_every_picture_and_each_is_a_real_non_blank_png():
    _, out = moons_run()
    for name in MOONS_PICTURES:
        assert (out / name).is_file(), name
        if name.endswith(".png"):
            assert_picture(out / name)
    assert not (out / "weights.png").exists()  # 2 features are not an image
    assert not list(out.glob(".*.tmp")) and not list(out.glob(".*.png"))


def test_a_digits_run_writes_every_picture_and_no_2d_picture():
    _, out = digits_run()
    for name in DIGITS_PICTURES:
        assert_picture(out / name)
    assert not (out / "boundary.png").exists() and not (out / "boundary.gif").exists()


def test_curves_of_an_lbfgs_run_say_iterations():
    records = [{"epoch": e, "train_loss": 1 / e, "train_accuracy": 0.9} for e in range(1, 4)]
    loss_ax, acc_ax = plot_curves(History(records, best_epoch=3, optimizer_name="lbfgs")).axes
    assert loss_ax.get_title() == "mean cross-entropy (train: at each iteration's weights)"
    assert loss_ax.get_xlabel() == acc_ax.get_xlabel() == "L-BFGS iteration"
    loss_ax, acc_ax = plot_curves(History(records, best_epoch=3, optimizer_name="adam")).axes
    assert loss_ax.get_title() == "mean cross-entropy (train: running mean over the epoch)"
    assert loss_ax.get_xlabel() == acc_ax.get_xlabel() == "epoch"


def test_curves_have_loss_and_accuracy_panels_and_mark_the_best_epoch():
    h = History(
        records=[
            {
                "epoch": e,
                "train_loss": 1 / e,
                "train_accuracy": 1 - 1 / (e + 1),
                "val_loss": abs(e - 4) / 10 + 0.2,
                "val_accuracy": 0.5 + e / 20,
            }
            for e in range(1, 9)
        ],
        best_epoch=4,
    )
    fig = plot_curves(h)
    loss_ax, acc_ax = fig.axes
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == [
        "train loss",
        "validation loss",
        "best epoch 4",
    ]
    star = [ln for ln in loss_ax.lines if ln.get_marker() == "*"][0]
    assert tuple(star.get_xydata()[0]) == pytest.approx((4, 0.2))  # on the validation curve
    assert [ln.get_xdata()[0] for ln in acc_ax.lines if ln.get_linestyle() == ":"] == [4]
    np.testing.assert_allclose(loss_ax.lines[0].get_ydata(), 1 / np.arange(1, 9))


def test_confusion_shows_counts_and_row_shares_of_the_test_split():
    y_true = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
    y_pred = np.array([0, 0, 1, 1, 1, 2, 0, 2, 2])
    fig = plot_confusion(y_true, y_pred, ["a", "b", "c"])
    counts, shares = (ax for ax in fig.axes if ax.images and ax.get_xlabel())
    np.testing.assert_array_equal(counts.images[0].get_array(), [[2, 1, 0], [0, 2, 0], [1, 0, 3]])
    assert [t.get_text() for t in counts.texts][:3] == ["2", "1", "0"]
    assert [t.get_text() for t in shares.texts][6:9] == ["25", "0", "75"]
    assert [t.get_text() for t in counts.get_xticklabels()] == ["a", "b", "c"]
    assert counts.get_title() == "counts (test split, 9 rows)"


def test_confusion_png_of_the_digits_run_has_ten_classes():
    result, out = digits_run()
    X, y = result.splits["test"]
    fig = plot_confusion(y, result.net.predict_proba(X).argmax(1), [str(c) for c in range(10)])
    assert fig.axes[0].images[0].get_array().shape == (10, 10)
    assert fig.axes[0].images[0].get_array().sum() == len(y)


def test_region_colours_mix_the_class_colours_and_fade_where_unsure():
    colors = class_colors(3)
    P = np.array([[1.0, 0, 0], [0, 0, 1.0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0.0]])
    img = region_image(P, 2, colors).reshape(4, 3)
    np.testing.assert_allclose(img[0], 1 - 0.6 * (1 - colors[0]))  # sure: the class colour
    np.testing.assert_allclose(img[1], 1 - 0.6 * (1 - colors[2]))
    mix = (colors[0] + colors[1] + colors[2]) / 3
    np.testing.assert_allclose(img[2], 1 - 0.15 * (1 - mix))  # no idea: pale
    assert class_colors(25).shape == (25, 3) and len(np.unique(class_colors(25), axis=0)) == 25


@pytest.fixture(scope="module")
def blobs_net():
    X, y = make_blobs(300, centers=4, cluster_std=0.8, random_state=3)
    net = MLP(2, [9, 5, 70], 7, 4, seed=0)
    from npmlp.nn.preprocessing import Preprocessing
    from npmlp.train.training import fit

    net.preprocessing = Preprocessing.fit("standard", X)
    fit(net, X, y, loop_config(epochs=30, batch_size=64, lr=1e-2, seed=0))
    return net, X, y


def test_boundary_draws_every_class_and_the_regions_follow_the_model(blobs_net):
    net, X, y = blobs_net
    fig = plot_boundary(net, X, y, ["w", "x", "y", "z"], plane=Plane(X, G=50))
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        f"{n} ({int((y == k).sum())})" for k, n in enumerate("wxyz")
    ]
    img = ax.images[0].get_array()
    plane = Plane(X, G=50)
    _, P = hidden_activations(net, plane.points)
    np.testing.assert_allclose(img, region_image(P, 50, class_colors(4)))
    assert ax.collections, "no points or boundary drawn"


def _tile_labels(fig):
    return [t.get_text() for t in fig.axes[0].texts]


def test_activation_grids_have_one_map_per_unit_for_any_depth(blobs_net, tmp_path):
    net, X, y = blobs_net
    plane = Plane(X, G=30)
    hidden, _ = hidden_activations(net, plane.points)
    for layer, width in ((2, 9), (4, 5), (6, 70)):
        fig = plot_activation_grid(net, layer, plane)
        labels = _tile_labels(fig)
        assert len(labels) == min(width, MAX_UNITS) and labels[3].startswith("unit 3")
        a = hidden[layer // 2 - 1][:, 3].reshape(30, 30)[::-1]  # row 0 = top of the plane
        expected = colormaps["magma"](a / a.max())[..., :3] if a.max() > 0 else None
        r, c = fig.tile_corners[3]
        tile = fig.axes[0].images[0].get_array()[r : r + 30, c : c + 30]
        if expected is not None:
            np.testing.assert_allclose(tile, expected)
        else:
            assert labels[3] == "unit 3 dead"
        assert ("first 64 of 70" in fig._suptitle.get_text()) == (width == 70)
    tiles, width, dead = activation_tiles(net, 2, plane, X, y)
    assert tiles.shape == (9, 30, 30, 3) and width == 9
    assert not np.allclose(tiles, activation_tiles(net, 2, plane)[0])  # the rows are dotted in
    assert_picture(save_figure(plot_activation_grid(net, 6, plane, X, y), tmp_path / "a.png"))


def test_gif_has_a_bounded_number_of_small_frames_that_change():
    result, out = moons_run()
    with Image.open(out / "boundary.gif") as im:
        assert im.format == "GIF"
        n = im.n_frames
        assert 2 <= n <= MAX_FRAMES + 3
        assert im.size[0] <= 400 and im.size[1] <= 400
        im.seek(0)
        first = np.asarray(im.convert("RGB"), float)
        im.seek(n - 1)
        last = np.asarray(im.convert("RGB"), float)
    assert np.abs(first - last).mean() > 1.0  # the regions moved during training


def test_boundary_recorder_keeps_at_most_max_frames(blobs_net):
    net, X, _ = blobs_net
    rec = BoundaryRecorder(Plane(X, G=10), epochs=500, C=4)
    for epoch in range(1, 501):
        rec({"epoch": epoch}, net)
    assert rec.every == 17 and len(rec.frames) == 1 + 500 // 17 <= MAX_FRAMES + 1
    assert rec.frames[0][0] == "epoch 1" and rec.frames[1][0] == "epoch 17"


@pytest.mark.parametrize(
    "D,declared,expected",
    [
        (64, (8, 8), (8, 8)),
        (64, None, (8, 8)),
        (784, None, (28, 28)),
        (6, (2, 3), (2, 3)),
        (4, None, None),
        (30, None, None),
        (2, None, None),
        (64, (4, 4), (8, 8)),
    ],
)
def test_image_shape_from_the_data_set_or_a_square_D(D, declared, expected):
    assert image_shape_for(D, declared) == expected


def test_first_layer_weights_are_drawn_as_images_one_per_unit():
    W = np.random.default_rng(0).standard_normal((64, 100))
    fig = plot_weight_images(W, (8, 8))
    assert _tile_labels(fig) == [f"unit {j}" for j in range(MAX_UNITS_IMAGES)]
    assert MAX_UNITS_IMAGES == 64 and "first 64 of 100" in fig._suptitle.get_text()
    w = W[:, 5].reshape(8, 8)
    expected = colormaps["RdBu_r"]((w / np.abs(w).max() + 1) / 2)[..., :3]
    r, c = fig.tile_corners[5]
    np.testing.assert_allclose(fig.axes[0].images[0].get_array()[r : r + 8, c : c + 8], expected)
    assert len(_tile_labels(plot_weight_images(W[:, :10], (8, 8)))) == 10


def test_mosaic_puts_each_tile_at_its_corner():
    tiles = np.random.default_rng(0).random((5, 3, 4, 3))
    picture, corners = mosaic(tiles, cols=2, gap=1, band=2)
    assert picture.shape == (3 * (3 + 2 + 1), 2 * (4 + 2), 3)
    assert corners.tolist() == [[2, 1], [2, 7], [8, 1], [8, 7], [14, 1]]
    for k, (r, c) in enumerate(corners):
        np.testing.assert_array_equal(picture[r : r + 3, c : c + 4], tiles[k])
    assert (picture[14:17, 7:11] == 1.0).all()  # the empty sixth cell stays white


def test_worst_misclassified_are_the_most_confident_errors_with_their_labels():
    X = np.arange(5 * 16, dtype=float).reshape(5, 16)
    y = np.array([0, 1, 2, 1, 0])
    P = np.array(
        [[0.9, 0.1, 0], [0.2, 0.7, 0.1], [0.6, 0.4, 0], [0.05, 0.05, 0.9], [0.3, 0.3, 0.4]]
    )
    fig = plot_worst_misclassified(X, y, P, ["zero", "one", "two"], (4, 4))
    axes = _visible_axes(fig)
    assert [ax.get_title() for ax in axes] == [
        "true one\npred two (90%)",
        "true two\npred zero (60%)",
        "true zero\npred two (40%)",
    ]
    np.testing.assert_array_equal(axes[0].images[0].get_array(), X[3].reshape(4, 4))
    fig = plot_worst_misclassified(X[:2], y[:2], P[:2], ["zero", "one", "two"], (4, 4))
    assert [t.get_text() for t in fig.axes[0].texts] == [
        "all 2 test images are classified correctly"
    ]


def test_health_picture_has_four_panels_with_one_line_per_layer():
    result, _ = moons_run()
    fig = plot_health(result.history, result.net.L)
    dead, act, grad, ratio = fig.axes
    assert [ln.get_label() for ln in dead.lines if ln.get_label().startswith("FC")] == [
        "FC1",
        "FC3",
    ]
    for ax in (act, grad, ratio):
        assert [ln.get_label() for ln in ax.lines] == ["FC1", "FC3", "FC5"]
    assert ratio.get_yscale() == "log"


def test_save_figure_refuses_other_formats_and_leaves_nothing(tmp_path):
    fig = plot_weight_images(np.ones((16, 2)), (4, 4))
    with pytest.raises(
        NpmlpError,
        match=r"^.*a\.jpg: cannot write a picture as \.jpg; give a "
        r"file name ending in \.png or \.svg$",
    ):
        save_figure(fig, tmp_path / "a.jpg")
    assert list(tmp_path.iterdir()) == []
