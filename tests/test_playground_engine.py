"""The playground's numbers: the seed's pass, the sessions' training, frames and settings."""

from __future__ import annotations

import inspect
import shlex

import numpy as np
import pytest

import npmlp
from conftest import relu_safe_net
from npmlp import MLP, NpmlpError
from npmlp.cli import main
from npmlp.playground import config as cfgmod
from npmlp.playground.engine import (
    activations_offered,
    graph_rows,
    grid_views,
    seed_pass,
    tiny_network,
)
from npmlp.playground.frames import decode, encode, prob_u8, unit_u8, weights_i8
from npmlp.playground.session import Session


def test_seed_pass_matches_the_models_loss_and_gradients(rng):
    net = relu_safe_net(MLP(2, [5, 4], 5, 3, dtype=np.float64, seed=1), rng)
    X, y = rng.standard_normal((7, 2)), rng.integers(0, 3, 7)
    pas = seed_pass(net, X, y, l2=0.1)
    loss, grads = net.loss_and_grads(X, y, l2=0.1)
    assert pas.loss == pytest.approx(loss, rel=1e-13)
    assert list(pas.grads) == list(net.params)
    for k in grads:
        np.testing.assert_allclose(pas.grads[k], grads[k], rtol=1e-12, atol=1e-15)
    assert [x.shape for x in pas.xs] == [(7, 2), (7, 5), (7, 5), (7, 4), (7, 4), (7, 3)]
    np.testing.assert_array_equal(pas.xs[2], np.maximum(pas.xs[1], 0))  # kept apart, not in place
    assert sorted(pas.dxs) == [0, 1, 2, 3, 4, 5]
    np.testing.assert_allclose(pas.P.sum(axis=1), 1.0)
    onehot = np.eye(3)[y]
    np.testing.assert_allclose(pas.dxs[5], (pas.P - onehot) / 7, rtol=1e-12)


def test_seed_pass_input_gradient_against_finite_differences(rng):
    net = relu_safe_net(MLP(2, 6, 3, 2, dtype=np.float64, seed=2), rng)
    X, y = rng.standard_normal((5, 2)), rng.integers(0, 2, 5)
    dX, h = seed_pass(net, X, y).dxs[0], 1e-6
    for n, d in [(0, 0), (3, 1), (4, 0)]:
        Xp, Xm = X.copy(), X.copy()
        Xp[n, d] += h
        Xm[n, d] -= h
        numeric = (seed_pass(net, Xp, y).loss - seed_pass(net, Xm, y).loss) / (2 * h)
        assert dX[n, d] == pytest.approx(numeric, rel=1e-6, abs=1e-10)


@pytest.mark.parametrize(
    "settings",
    [
        {"n": 200, "optimizer": "momentum", "batch_size": 16, "l2": 0.01, "lr": 0.1},
        {"data": "spirals", "classes": 4, "n": 240, "batch_size": 0, "optimizer": "sgd"},
        {"data": "blobs", "classes": 5, "n": 300, "layers": 3, "widths": [12], "seed": 7},
    ],
)
def test_the_command_repeats_the_sessions_run_bit_for_bit(tmp_path, settings):
    s = Session(settings)
    for _ in range(2 * s.n_batches):
        s.step()
    command = s.command()
    assert command["exact"] and command["notes"] == []
    args = shlex.split(command["command"].replace("runs/playground", str(tmp_path)))
    assert args[:2] == ["npmlp", "train"]
    assert main(args[1:] + ["--quiet", "--no-pictures"]) == 0
    trained = npmlp.load(tmp_path / "model.npz")
    assert list(trained.params) == list(s.net.params)
    for k, v in trained.params.items():
        np.testing.assert_array_equal(v, s.net.params[k], err_msg=k)


def test_the_downloaded_model_is_the_sessions_network(tmp_path):
    s = Session({"n": 200})
    s.finish_epoch()
    s.step()
    (tmp_path / "m.npz").write_bytes(s.model_bytes())
    net = npmlp.load(tmp_path / "m.npz")
    for k, v in net.params.items():
        np.testing.assert_array_equal(v, s.net.params[k])
    np.testing.assert_array_equal(net.predict(s.X), s.net.predict(s.X))
    assert net.metadata["data"] == "moons:n=200,noise=0.2,seed=0"
    notes = s.command()["notes"]
    assert notes == [
        "this run is 1 of 5 batches into epoch 2; the command stops after 1 whole epochs"
    ]


def test_the_seed_view_shows_the_gradients_of_the_next_step():
    s = Session({"n": 200, "l2": 0.01})
    s.step()
    rows = {r["name"]: r for r in s.seed_view()["rows"]}
    s.step()
    grads = s.trainer.workspaces[s.B].grads
    for i in (1, 3, 5):
        assert rows[f"dl/dW^({i})"]["norm"] == pytest.approx(
            np.linalg.norm(grads[f"W{i}"]), rel=1e-5
        )
        assert rows[f"dl/db^({i})"]["norm"] == pytest.approx(
            np.linalg.norm(grads[f"b{i}"]), rel=1e-5
        )
    assert rows["dl/dW^(3)"]["eq"] == "x^(2)ᵀ dl/dx^(3) + 0.01 W^(3)"
    assert rows["dl/dx^(0)"]["ref"] == "eq. 23 (not needed for training)"
    assert rows["dl/dx^(2)"]["eq"] == "dl/dx^(3) W^(3)ᵀ"
    assert rows["dl/dx^(1)"]["eq"] == "dl/dx^(2) ⊙ 1[x^(1) > 0]"
    assert rows["y"]["norm"] is None and rows["y"]["letters"] == "N"


def test_graph_rows_name_every_variable_with_its_shape():
    net = MLP(2, [6, 4], 5, 3, seed=0)
    X, y = np.zeros((10, 2), np.float32), np.arange(10) % 3
    rows = graph_rows(net, X, y)
    assert [r["name"] for r in rows] == [
        *["x^(0)", "y", "x^(1)", "x^(2)", "x^(3)", "x^(4)", "s = x^(L)", "p", "l"],
        *["W^(1)", "b^(1)", "W^(3)", "b^(3)", "W^(5)", "b^(5)", "dl/ds"],
        *["dl/dW^(5)", "dl/db^(5)", "dl/dx^(4)", "dl/dx^(3)", "dl/dW^(3)", "dl/db^(3)"],
        *["dl/dx^(2)", "dl/dx^(1)", "dl/dW^(1)", "dl/db^(1)", "dl/dx^(0)"],
    ]
    shape = {r["name"]: (r["letters"], r["shape"]) for r in rows}
    assert shape["W^(3)"] == ("H1 × H2", "6 × 4") and shape["dl/dx^(4)"] == ("N × H2", "10 × 4")
    assert shape["l"] == ("scalar", "scalar") and shape["p"] == ("N × C", "10 × 3")


def test_tiny_network_numbers_and_one_sgd_step():
    s = Session()
    result = s.tiny(fresh=True)
    shape = {r["name"]: r["shape"] for r in result["rows"]}
    assert shape["x^(0)"] == "4 × 2" and shape["W^(1)"] == "2 × 3" and shape["x^(1)"] == "4 × 3"
    assert shape["W^(3)"] == "3 × 2" and shape["s = x^(L)"] == "4 × 2" and shape["y"] == "4"
    assert {r["name"]: r["values"] for r in result["rows"]}["y"] == [0, 0, 1, 1]
    assert result["loss_after"] < result["loss"]
    net = s.tiny_net.copy()
    X = np.asarray(next(r for r in result["rows"] if r["name"] == "x^(0)")["values"])
    _, grads = net.loss_and_grads(X, np.array([0, 0, 1, 1]))
    expected = {k: v - grads[k] * 0.03 for k, v in net.params.items()}
    after, again = tiny_network(X, np.array([0, 0, 1, 1]), 0.03, 0, net)
    for k, v in after.params.items():
        np.testing.assert_array_equal(v, expected[k])
    change = {st["name"]: np.array(st["change"]) for st in again["step"]}
    np.testing.assert_allclose(change["W1"], -0.03 * grads["W1"], atol=1e-5)


def test_a_diverging_step_goes_back_to_finite_weights_and_says_what_to_do():
    s = Session({"optimizer": "sgd", "lr": 10.0})
    first = s.flat.copy()  # the epoch's first weights
    s.net.params["W1"][...] = 1e38  # their sum overflows: not finite for the loop
    with pytest.raises(NpmlpError) as e:
        s.step()
    assert str(e.value) == (
        "training diverged at epoch 1, batch 1: the loss became nan; the model keeps its last "
        "finite weights. Use a smaller learning rate (now 10, try 1)"
    )
    np.testing.assert_array_equal(s.flat, first)  # the last finite weights: the epoch's first
    assert s.steps == 0


def test_grid_views_one_map_per_hidden_unit_before_the_activation():
    s = Session({"layers": 7, "widths": [5, 3, 4]})
    v = grid_views(s.net, s.grid, 64, 32)
    assert [u.shape for u in v["units"]] == [(5, 32, 32), (3, 32, 32), (4, 32, 32)]
    np.testing.assert_allclose(v["P"].sum(axis=1), 1.0, rtol=1e-5)
    assert min(u.min() for u in v["units"]) < 0  # the FC outputs, not max(0, .)
    h, seg = decode(s.frame())
    assert seg["units"].shape == (12, 32, 32) and len(h["unit_scale"]) == 12
    assert seg["W"].shape == (2 * 5 + 5 * 3 + 3 * 4 + 4 * 2,) and seg["b"].shape == (14,)


def test_frames_round_trip_and_quantisation():
    Z = np.array([[[0.0, 2.0], [-2.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]]])
    q, scales = unit_u8(Z)
    assert q.tolist() == [[[128, 255], [1, 192]], [[128, 128], [128, 128]]] and scales == [2.0, 1.0]
    assert prob_u8(np.array([0.0, 0.5, 1.0])).tolist() == [0, 128, 255]
    w, m = weights_i8(np.array([[-0.5, 0.25]]))
    assert w.tolist() == [[-127, 64]] and m == 0.5
    frame = encode({"step": 3}, [("a", q), ("w", w)])
    header, arrays = decode(frame)
    assert header["step"] == 3 and header["segments"] == [
        ["a", "uint8", [2, 2, 2]],
        ["w", "int8", [1, 2]],
    ]
    np.testing.assert_array_equal(arrays["a"], q)
    np.testing.assert_array_equal(arrays["w"], w)
    with pytest.raises(TypeError, match="segment x is float32; frames carry uint8 or int8 only"):
        encode({}, [("x", np.zeros(2, np.float32))])


def test_settings_merge_and_spec():
    cfg = cfgmod.merge(cfgmod.DEFAULTS, {"layers": 7})
    assert cfg["widths"] == [8, 8, 8] and cfgmod.merge(cfg, {"layers": 3})["widths"] == [8]
    assert cfgmod.merge(cfg, {"data": "xor"})["noise"] == 0.05  # the set's own default noise
    cfg = cfgmod.merge(cfg, {"data": "spirals", "classes": 4, "widths": [3, 2, 1], "noise": 0})
    assert cfgmod.data_spec(cfg) == "spirals:n=500,noise=0,seed=0,arms=4"
    assert cfgmod.n_classes(cfg) == 4 and cfgmod.n_classes({**cfg, "data": "xor"}) == 2
    assert "-L 7 -H 3,2,1 " in cfgmod.train_command(cfg, 3)
    assert Session(cfg).command()["notes"][-1] == (
        "npmlp train takes one hidden width (-H N) today; this run's differ"
    )
    with pytest.raises(NpmlpError, match=r"^unknown setting 'colour'; settings are data, n, "):
        cfgmod.merge(cfg, {"colour": "red"})
    assert cfgmod.merge(cfg, {"lr": 2}) == {**cfg, "lr": 2.0}
    with pytest.raises(
        NpmlpError, match=r"^seed must be a whole number from 0 to 2147483647, got 1.5$"
    ):
        cfgmod.merge(cfg, {"seed": 1.5})
    with pytest.raises(NpmlpError, match=r"^noise must be a number in \[0, 1\], got true$"):
        cfgmod.merge(cfg, {"noise": True})


def test_activations_offered_follow_the_model():
    accepts = "activation" in inspect.signature(MLP).parameters
    assert activations_offered() == (
        ("relu", "tanh", "logistic", "identity") if accepts else ("relu",)
    )


# ------------------------------------------------------------------ changes while it trains
def _changed_session() -> Session:
    """A run whose lr, batch size, optimiser and L2 change on the way, ending an epoch."""
    s = Session({"n": 200, "optimizer": "adam", "batch_size": 16})
    s.advance(7)
    s.change("lr", 0.1)
    s.advance(3)
    s.change("batch_size", 32)  # inside epoch 1: made at epoch 2's start
    s.advance(6)
    s.change("optimizer", "momentum")
    s.change("l2", 0.01)
    s.advance(5)
    s.change("batch_size", 0)
    s.advance(9)
    s.change("optimizer", "sgd")
    s.change("lr", 1.0)
    s.advance(4)
    while s.batch:
        s.step()
    return s


def test_changes_while_training_are_replayed_by_the_command_bit_for_bit(tmp_path):
    s = _changed_session()
    assert s.changes.changes == [
        (7, "lr", 0.1),
        (10, "batch_size", 32),
        (16, "optimizer", "momentum"),
        (16, "weight_decay", 0.01),
        (25, "batch_size", 0),
        (30, "optimizer", "sgd"),
        (30, "lr", 1.0),
    ]
    assert (s.B, s.n_batches, type(s.trainer.optimizer).__name__) == (160, 1, "SGD")
    assert s.trainer.optimizer.learning_rate == 1.0 and s.trainer.config.weight_decay == 0.01
    command = s.command()
    assert command["exact"]
    assert command["command"].endswith(
        "--changes 7:lr=0.1,10:batch_size=32,16:optimizer=momentum,16:weight_decay=0.01,"
        "25:batch_size=full,30:optimizer=sgd,30:lr=1.0"
    )
    args = shlex.split(command["command"].replace("runs/playground", str(tmp_path)))
    assert main(args[1:] + ["--quiet", "--no-pictures"]) == 0
    trained = npmlp.load(tmp_path / "model.npz")
    for k, v in trained.params.items():
        np.testing.assert_array_equal(v, s.net.params[k], err_msg=k)
    assert s.changes_message()["marks"][0] == [0.7, "lr 0.1"]  # epoch 0.7: 7 of 10 batches


def test_a_run_file_of_changes_replays_through_fit(tmp_path):
    """The changes as a TrainConfig setting: npmlp.fit adds the callback that makes them."""
    s = _changed_session()
    (tmp_path / "m.npz").write_bytes(s.model_bytes())
    meta = npmlp.load(tmp_path / "m.npz").metadata["training"]
    config = npmlp.TrainConfig.from_dict(meta)
    config.epochs = s.epochs
    config.val_fraction, config.early_stopping, config.momentum = 0.0, None, 0.9
    net = MLP(2, [8, 8], 5, 2, seed=0, init="he")
    net.preprocessing = s.net.preprocessing
    npmlp.fit(net, s.X_train, s.y_train, config)
    for k, v in net.params.items():
        np.testing.assert_array_equal(v, s.net.params[k], err_msg=k)


def test_a_change_is_checked_and_a_batch_size_waits_for_the_epochs_start():
    s = Session({"n": 200, "batch_size": 16})
    s.advance(3)
    s.change("batch_size", 64)
    assert (s.B, s.changes.changes, s.changes_message()["waiting"]) == (16, [], 64)
    s.advance(7)  # epoch 1 ends: the next one has batches of 64
    assert (s.B, s.n_batches, s.changes.changes) == (64, 3, [(10, "batch_size", 64)])
    with pytest.raises(NpmlpError, match="lr must be a number in"):
        s.change("lr", -1)
    with pytest.raises(NpmlpError, match="setting must be one of lr, l2, batch_size, optimizer"):
        s.change("layers", 3)
    with pytest.raises(NpmlpError, match="changes: at step 2, lr must be a positive number"):
        npmlp.TrainConfig(changes=((2, "lr", -1.0),)).validate()


# ------------------------------------------------------------------ exercises
def test_an_exercise_is_checked_against_backprop_and_finite_differences():
    s = Session()
    with pytest.raises(NpmlpError, match="open the tiny network first"):
        s.exercise("dl/ds", None, 0)
    shown = {r["name"]: np.array(r["values"]) for r in s.tiny(fresh=True)["rows"]}
    for name in s.tiny(fresh=True)["exercises"]:  # the same pass: fresh weights again
        whole = s.exercise(name, None, shown[name].tolist())
        assert whole["right"] and whole["agree"] < 1e-8, name
        np.testing.assert_allclose(whole["numeric"], whole["backprop"], atol=1e-6)
    right = s.exercise("dl/dW^(1)", [1, 2], float(shown["dl/dW^(1)"][1, 2]))
    assert right["right"] and right["working"][0] == (
        "dl/dW^(1)[1,2] = Σ_n x^(0)[n,1] · dl/dx^(1)[n,2]   (eq. 24)"
    )
    x0, d1 = shown["x^(0)"], shown["dl/dx^(1)"]
    assert right["working"][1].startswith(f"= ({x0[0, 1]:.4f})({d1[0, 2]:.4f})".replace("-", "−"))
    wrong = s.exercise("dl/ds", None, (shown["dl/ds"] * [[1, 1], [1, 1], [1, -1], [1, 1]]).tolist())
    assert not wrong["right"] and wrong["wrong"] == [[2, 1]] and wrong["worked"] == [2, 1]
    assert wrong["working"][0] == "dl/ds[2,1] = (p[2,1] − 1[y_2 = 1]) / N   (section 3.3)"
    with pytest.raises(NpmlpError, match="answer must be a 2 × 3 matrix"):
        s.exercise("dl/dW^(1)", None, 0.5)
    with pytest.raises(NpmlpError, match="entry must be"):
        s.exercise("dl/db^(1)", [1, 0], 0.5)
    with pytest.raises(NpmlpError, match="variable must be one of dl/ds, dl/dW"):
        s.exercise("dl/dq", None, 0)
