"""Training by gradient descent (seed eq. 5): loop, splits, early stopping, divergence."""

import numpy as np
import pytest
from sklearn.datasets import make_blobs

import npmlp.train.loop as loop
import npmlp.train.train_config as train_config
import npmlp.train.training as training
from conftest import loop_config
from npmlp import MLP, NpmlpError, TrainConfig, TrainingDiverged, fit
from npmlp.callbacks import EarlyStopping, LambdaCallback
from npmlp.core.errors import DataError
from npmlp.data.splits import stratified_split


def blobs(n=300, seed=0):
    X, y = make_blobs(n_samples=n, centers=3, n_features=4, random_state=seed)
    return X.astype(np.float32), y


def test_full_batch_gd_equals_manual_gradient_steps():
    X, y = blobs(60)
    a = MLP(4, 8, 5, 3, dtype=np.float64, seed=1)
    b = a.copy()
    fit(a, X, y, loop_config(epochs=3, batch_size=0, optimizer="sgd", lr=0.05, shuffle=False))
    for _ in range(3):  # W <- W - lr dl/dW on the mean loss over all N rows
        _, g = b.loss_and_grads(X, y)
        for k in b.params:
            b.params[k] -= 0.05 * g[k]
    for k in a.params:
        np.testing.assert_allclose(a.params[k], b.params[k], rtol=1e-12, atol=1e-14)


def test_minibatch_training_learns_and_never_reorders_the_callers_arrays():
    X, y = blobs()
    X0, y0 = X.copy(), y.copy()
    net = MLP(4, 16, 3, 3, seed=0)
    hist = fit(net, X, y, loop_config(epochs=15, batch_size=16, lr=0.01, seed=0))
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    assert len(hist) == 15
    assert hist.records[-1]["train_loss"] < 0.2 * hist.records[0]["train_loss"]
    assert net.evaluate(X, y)["accuracy"] > 0.98


@pytest.mark.parametrize("opt", ["sgd", "momentum", "nesterov", "adam"])
def test_every_optimizer_reduces_the_loss(opt):
    X, y = blobs()
    net = MLP(4, 16, 3, 3, seed=0)
    lr = 1e-2 if opt == "adam" else 5e-2
    hist = fit(
        net,
        X,
        y,
        loop_config(
            epochs=8,
            batch_size=32,
            optimizer=opt,
            lr=lr,
            seed=0,
            weight_decay=1e-4,
            schedule="cosine",
        ),
    )
    assert hist.records[-1]["train_loss"] < 0.5 * hist.records[0]["train_loss"]


def test_buffers_are_allocated_once_per_batch_size(monkeypatch):
    made = []
    real = loop.Workspace

    def spy(net, N, **kw):
        made.append(N)
        return real(net, N, **kw)

    monkeypatch.setattr(loop, "Workspace", spy)
    X, y = blobs(100)
    fit(MLP(4, 8, 3, 3, seed=0), X, y, loop_config(epochs=5, batch_size=32))
    assert sorted(made) == [4, 32]  # 100 = 3 x 32 + 4, for all 5 epochs


def test_stratified_validation_split_and_history():
    X, y = blobs(300)
    hist = fit(MLP(4, 8, 3, 3, seed=0), X, y, loop_config(epochs=4, val_fraction=0.2, seed=3))
    rec = hist.records[-1]
    assert set(rec) == {
        "epoch",
        "lr",
        "train_loss",
        "train_accuracy",
        "val_loss",
        "val_accuracy",
        "l2_penalty",
        "train_objective",
        "seconds",
    }
    assert 0 <= rec["val_accuracy"] <= 1 and rec["val_loss"] > 0
    keep, held = stratified_split(y, 0.2, seed=3)
    assert len(held) == 60 and len(np.intersect1d(keep, held)) == 0
    assert np.bincount(y[held]).tolist() == [20, 20, 20]


def test_early_stopping_restores_the_best_weights():
    X, y = blobs(200)
    rng = np.random.default_rng(0)
    y_noisy = np.where(rng.random(200) < 0.3, rng.integers(0, 3, 200), y)
    net = MLP(4, 64, 3, 3, seed=0)
    seen = {}

    def remember(loop, record):
        seen[record["epoch"]] = {k: v.copy() for k, v in loop.net.params.items()}

    cfg = loop_config(
        epochs=200,
        batch_size=8,
        lr=0.01,
        val_fraction=0.3,
        seed=0,
        early_stopping="val_loss",
        patience=5,
        restore_best=True,
    )
    hist = fit(net, X, y_noisy, cfg, callbacks=[LambdaCallback(on_epoch_end=remember)])
    assert hist.stopped_early and len(hist) < 200
    val = hist.column("val_loss")
    assert hist.best_epoch == int(np.argmin(val)) + 1
    assert len(hist) == hist.best_epoch + 5
    for k in net.params:
        np.testing.assert_array_equal(net.params[k], seen[hist.best_epoch][k])


def test_callback_can_stop_training():
    X, y = blobs(50)
    hist = fit(
        MLP(4, 8, 3, 3, seed=0),
        X,
        y,
        loop_config(epochs=50),
        callbacks=[
            LambdaCallback(on_epoch_end=lambda loop, rec: rec["epoch"] == 3 and loop.stop())
        ],
    )
    assert len(hist) == 3 and hist.stopped_early and not hist.interrupted


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow is the point of the test
def test_divergence_names_epoch_and_batch_and_keeps_finite_weights():
    X, y = blobs(64)
    X = X * 1e3
    net = MLP(4, 32, 5, 3, seed=0)
    with pytest.raises(TrainingDiverged) as e:
        fit(net, X, y, loop_config(epochs=5, batch_size=16, optimizer="sgd", lr=1e6, seed=0))
    msg = str(e.value)
    assert msg.startswith("training diverged at epoch 1, batch ")
    assert msg.endswith("Use a smaller learning rate (now 1e+06, try 100000)")
    assert all(np.isfinite(p).all() for p in net.params.values())


def test_early_stopping_without_validation_is_refused():
    X, y = blobs(30)
    with pytest.raises(NpmlpError, match="^early stopping on val_loss needs validation rows"):
        fit(MLP(4, 8, 3, 3), X, y, TrainConfig(early_stopping="val_loss", val_fraction=0.0))


@pytest.mark.parametrize(
    "kw,message",
    [
        ({"epochs": 0}, "epochs must be an integer >= 1, got 0"),
        ({"lr": -1.0}, "learning rate must be a positive number, got -1.0"),
        (
            {"optimizer": "rmsprop"},
            "unknown optimizer 'rmsprop'; choose one of auto, sgd, momentum, nesterov, adam, lbfgs",
        ),
        (
            {"schedule": "poly"},
            "unknown schedule 'poly'; choose one of constant, step, cosine, invscaling, adaptive",
        ),
        ({"dropout": 1.0}, "dropout must be a number in [0, 1), got 1.0"),
        (
            {"optimizer": "lbfgs", "dropout": 0.5},
            "the lbfgs optimizer runs full-batch without dropout; use sgd or adam for "
            "dropout, or --dropout 0",
        ),
        ({"val_fraction": 1.0}, "validation fraction must be a number in [0, 1), got 1.0"),
    ],
)
def test_bad_settings(kw, message):
    X, y = blobs(30)
    with pytest.raises(NpmlpError) as e:
        fit(MLP(4, 8, 3, 3), X, y, TrainConfig(**kw))
    assert str(e.value) == message


def test_sample_weight_zero_rows_are_ignored():
    X, y = blobs(90)
    w = np.ones(90, np.float32)
    w[y == 2] = 0.0
    a, b = MLP(4, 8, 3, 3, seed=0), MLP(4, 8, 3, 3, seed=0)
    cfg = loop_config(epochs=2, batch_size=0, optimizer="sgd", lr=0.1)
    fit(a, X, y, cfg, sample_weight=w)
    fit(b, X[y != 2], y[y != 2], cfg)
    for k in a.params:
        np.testing.assert_allclose(a.params[k], b.params[k], rtol=1e-5, atol=1e-6)


def test_early_stopping_keeps_best_weights_on_any_gain_and_resets_patience_past_tol():
    net = MLP(2, 3, 3, 2, seed=0)
    stop = EarlyStopping("val_loss", patience=2, tol=0.1)
    losses = [1.0, 0.95, 0.94, 0.5, 0.49, 0.6]  # 0.95, 0.94 gain < tol; 0.49 gains < tol
    decisions = []
    for epoch, loss in enumerate(losses, start=1):
        net.params["b1"][...] = epoch  # mark the weights with their epoch
        decisions.append(stop.update({"epoch": epoch, "val_loss": loss}, net))
    assert decisions == [False, False, True, False, False, True]
    assert (stop.best_epoch, stop.best_value) == (5, 0.49)
    assert stop.restore_into(net) == 5 and np.all(net.params["b1"] == 5)
    up = EarlyStopping("val_accuracy", patience=1)
    assert [up.update({"epoch": e, "val_accuracy": a}, net) for e, a in [(1, 0.5), (2, 0.4)]] == [
        False,
        True,
    ]
    assert up.best_value == 0.5


def test_weighted_validation_metrics_follow_the_weights():
    X, y = blobs(90)
    net = MLP(4, 8, 3, 3, dtype=np.float64, seed=0)
    fit(net, X, y, loop_config(epochs=2, batch_size=16, seed=0))
    w = np.where(y == 0, 1.0, 0.0)
    ev = net.evaluate(X, y, w)
    only0 = net.evaluate(X[y == 0], y[y == 0])
    assert ev["loss"] == pytest.approx(only0["loss"], rel=1e-12)
    assert ev["accuracy"] == pytest.approx(only0["accuracy"], rel=1e-12)


def test_the_record_keeps_the_cross_entropy_and_the_l2_penalty_apart():
    X, y = blobs(90)
    net = MLP(4, 8, 3, 3, dtype=np.float64, seed=0)
    before = net.copy()
    cfg = loop_config(epochs=1, batch_size=0, optimizer="sgd", lr=0.1, weight_decay=0.1)
    X_val, y_val = X[:20] + 0.5, y[:20]
    rec = fit(net, X, y, cfg, X_val=X_val, y_val=y_val).records[0]
    # full batch: the epoch's one batch is scored at the weights before its step
    ce = before.evaluate(X, y)["loss"]
    assert rec["train_loss"] == pytest.approx(ce, rel=1e-12)
    assert rec["l2_penalty"] == pytest.approx(before.l2_penalty(0.1), rel=1e-12)
    assert rec["l2_penalty"] > 0.1 * ce  # large enough that mixing them up would show
    assert rec["train_objective"] == pytest.approx(ce + before.l2_penalty(0.1), rel=1e-12)
    assert rec["val_loss"] == pytest.approx(net.evaluate(X_val, y_val)["loss"], rel=1e-12)


def test_a_validation_split_too_small_to_stop_on_is_not_held_out():
    cfg = TrainConfig(val_fraction=0.1, min_val_rows=50, early_stopping="val_accuracy")
    assert train_config.validation_plan(cfg, 120) == (0.0, "train_loss")  # 12 rows: too few
    assert train_config.validation_plan(cfg, 500) == (0.1, "val_accuracy")  # 50 rows
    cfg.early_stopping = None
    assert train_config.validation_plan(cfg, 120) == (0.0, None)
    X, y = blobs(120)
    cfg = loop_config(
        epochs=3, val_fraction=0.1, min_val_rows=50, early_stopping="val_loss", optimizer="adam"
    )
    hist = fit(MLP(4, 8, 3, 3, seed=0), X, y, cfg)
    assert hist.monitor == "train_loss" and hist.records[-1]["val_loss"] is None
    cfg.min_val_rows = 12
    hist = fit(MLP(4, 8, 3, 3, seed=0), X, y, cfg)
    assert hist.monitor == "val_loss" and hist.records[-1]["val_loss"] > 0


def test_on_batch_end_hears_of_every_batch_with_its_logs():
    X, y = blobs(100)
    heard = []
    cfg = loop_config(epochs=2, batch_size=32)
    keep = LambdaCallback(on_batch_end=lambda loop, logs: heard.append(dict(logs)))
    hist = fit(MLP(4, 8, 3, 3, seed=0), X, y, cfg, callbacks=[keep])
    assert [(h["epoch"], h["batch"], h["n_batches"], h["rows"]) for h in heard] == [
        (e, b, 4, min(32 * b, 100)) for e in (1, 2) for b in (1, 2, 3, 4)
    ]
    assert all(0 < h["seconds"] < 60 for h in heard)
    for e in (1, 2):  # the batches' losses, weighted by their rows, make the epoch's mean
        losses = [h["loss"] * n for h, n in zip(heard[4 * e - 4 : 4 * e], (32, 32, 32, 4))]
        assert sum(losses) / 100 == pytest.approx(hist.records[e - 1]["train_loss"], rel=1e-12)


def test_auto_is_lbfgs_only_where_no_validation_split_is_held_out():
    cfg = TrainConfig()  # the table: auto, 10 % validation of at least 30 rows
    assert cfg.optimizer == "auto"
    assert train_config.choose_optimizer(cfg, 290) == "lbfgs"  # 29 validation rows: too few
    assert train_config.choose_optimizer(cfg, 291) == "adam"  # 30
    assert (
        train_config.choose_optimizer(cfg, 120, has_val=True) == "adam"
    )  # rows given: stop on them
    assert (
        train_config.choose_optimizer(TrainConfig(dropout=0.5), 120) == "adam"
    )  # lbfgs refuses it
    assert (
        train_config.choose_optimizer(TrainConfig(val_fraction=0.0), 120) == "adam"
    )  # asked for none
    assert train_config.choose_optimizer(TrainConfig(optimizer="sgd"), 120) == "sgd"
    X, y = blobs(120)
    hist = fit(MLP(4, 8, 3, 3, seed=0), X, y, TrainConfig(epochs=5))
    assert hist.optimizer_name == "lbfgs" and hist.solver["nit"] == len(hist) <= 5
    hist = fit(MLP(4, 8, 3, 3, seed=0), *blobs(400), TrainConfig(epochs=2))
    assert hist.optimizer_name == "adam" and hist.solver == {} and len(hist) == 2


def test_auto_weight_decay_is_stronger_only_for_lbfgs_on_few_rows(monkeypatch):
    cfg = TrainConfig()
    assert cfg.weight_decay == "auto"
    assert train_config.choose_weight_decay(cfg, "lbfgs", 290) == 5e-2  # 29 validation rows
    assert train_config.choose_weight_decay(cfg, "lbfgs", 291) == 1e-3  # 30: enough
    assert train_config.choose_weight_decay(cfg, "adam", 120) == 1e-3
    assert train_config.choose_weight_decay(TrainConfig(weight_decay=0), "lbfgs", 120) == 0.0
    seen = []
    real = training.LbfgsLoop
    monkeypatch.setattr(
        training,
        "LbfgsLoop",
        lambda net, X, y, cfg, *a, **k: (
            seen.append(cfg.weight_decay) or real(net, X, y, cfg, *a, **k)
        ),
    )
    X, y = blobs(120)
    hist = fit(MLP(4, 8, 3, 3, seed=0), X, y, TrainConfig(epochs=3))
    assert seen == [5e-2] and hist.weight_decay == 5e-2 and hist.optimizer_name == "lbfgs"
    net = MLP(4, 8, 3, 3, seed=0)
    hist = fit(net, X, y, TrainConfig(epochs=3, weight_decay=2e-2))
    assert seen == [5e-2, 2e-2] and hist.weight_decay == 2e-2
    # the recorded penalty is weight_decay / 2 * sum ||W||^2 at the value that ran
    assert hist.records[-1]["l2_penalty"] == pytest.approx(net.l2_penalty(2e-2), rel=1e-5)
    hist = fit(MLP(4, 8, 3, 3, seed=0), *blobs(400), TrainConfig(epochs=2, optimizer="lbfgs"))
    assert seen[-1] == 1e-3 and hist.weight_decay == 1e-3  # L-BFGS on enough rows
    hist = fit(MLP(4, 8, 3, 3, seed=0), *blobs(400), TrainConfig(epochs=2))
    assert hist.weight_decay == 1e-3 and hist.optimizer_name == "adam"
    with pytest.raises(NpmlpError, match="weight decay must be 'auto' or a number >= 0, got 'x'"):
        TrainConfig(weight_decay="x").validate()


@pytest.mark.parametrize("seed", [0, 1, 7, 2024])
def test_stratified_split_holds_out_the_rows_train_test_split_does(seed):
    """The NumPy draw is scikit-learn's: the same seed, the same held-out rows (stratified,
    plain where a class has one row, labels as texts or numbers, fractions of every size)."""
    from sklearn.model_selection import train_test_split

    rng = np.random.default_rng(seed)
    for trial in range(40):
        N = int(rng.integers(6, 300))
        C = int(rng.integers(2, 6))
        y = rng.integers(0, C, N)
        if trial % 3 == 0:
            y = np.array(["cat", "dog", "emu", "fox", "gnu"])[y]
        if trial % 5 == 0:
            y[0] = "z" if y.dtype.kind == "U" else 9  # a class of one row: a plain split
        fraction = float(rng.choice([0.1, 0.2, 0.25, 0.37, 0.5]))
        try:
            keep, held = stratified_split(y, fraction, seed=trial)
        except DataError:
            continue
        counts = np.unique(y, return_counts=True)[1]
        strat = y if counts.min() >= 2 and len(held) >= len(counts) else None
        idx = np.arange(N)
        a, b = train_test_split(idx, test_size=len(held), random_state=trial, stratify=strat)
        np.testing.assert_array_equal(keep, np.sort(a))
        np.testing.assert_array_equal(held, np.sort(b))
