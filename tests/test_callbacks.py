"""The training loop's events and the built-in callbacks (npmlp.callbacks): one test each."""

import csv
import io
from dataclasses import replace

import numpy as np
import pytest
from rich.console import Console
from sklearn.datasets import make_blobs

import npmlp
from npmlp import MLP, NpmlpError, TrainConfig, fit
from npmlp.callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    LambdaCallback,
    ModelCheckpoint,
    ProgressBar,
)
from npmlp.playground.session import Session, train_config
from npmlp.train.checkpoint import load_state, save_state


def blobs(n=120, seed=0):
    X, y = make_blobs(n, centers=3, n_features=4, cluster_std=2.5, random_state=seed)
    return X / 5.0, y


def config(**kw):
    settings = dict(epochs=4, batch_size=32, lr=0.05, optimizer="sgd", weight_decay=0.0, seed=1)
    settings.update(val_fraction=0.0, early_stopping=None)
    settings.update(kw)
    return TrainConfig(**settings)


class Recorder(Callback):
    def __init__(self):
        self.events = []

    def on_train_begin(self, loop):
        self.events.append(("train_begin", loop.epoch))

    def on_epoch_begin(self, loop, logs):
        self.events.append(("epoch_begin", logs["epoch"]))

    def on_batch_end(self, loop, logs):
        self.events.append(("batch_end", logs["epoch"], logs["batch"]))

    def on_epoch_end(self, loop, logs):
        self.events.append(("epoch_end", logs["epoch"]))

    def on_train_end(self, loop, logs):
        self.events.append(("train_end", logs.get("epoch")))


def test_the_loop_announces_every_event_in_order():
    X, y = blobs(60)
    rec = Recorder()
    fit(MLP(4, 8, 3, 3, seed=0), X, y, config(epochs=2, batch_size=30), callbacks=[rec])
    assert rec.events == [
        ("train_begin", 0),
        ("epoch_begin", 1),
        ("batch_end", 1, 1),
        ("batch_end", 1, 2),
        ("epoch_end", 1),
        ("epoch_begin", 2),
        ("batch_end", 2, 1),
        ("batch_end", 2, 2),
        ("epoch_end", 2),
        ("train_end", 2),
    ]


def test_a_callback_stopping_after_a_batch_leaves_the_epoch_unfinished():
    X, y = blobs(60)
    stop = LambdaCallback(on_batch_end=lambda loop, logs: logs["batch"] == 1 and loop.stop())
    hist = fit(MLP(4, 8, 3, 3, seed=0), X, y, config(batch_size=20), callbacks=[stop])
    assert len(hist) == 0 and hist.interrupted and not hist.stopped_early


def test_lambda_callback_refuses_an_unknown_event_and_fit_a_plain_function():
    with pytest.raises(NpmlpError) as e:
        LambdaCallback(on_epoch_ends=print)
    assert str(e.value) == (
        "LambdaCallback takes on_train_begin, on_epoch_begin, on_batch_end, on_epoch_end, "
        "on_train_end; got on_epoch_ends"
    )
    X, y = blobs(30)
    with pytest.raises(NpmlpError, match="^callbacks must be npmlp.callbacks.Callback objects"):
        fit(MLP(4, 8, 3, 3), X, y, config(), callbacks=[print])


def test_early_stopping_callback_given_by_the_user_restores_its_best_epoch():
    X, y = blobs(200)
    rng = np.random.default_rng(0)
    y = np.where(rng.random(200) < 0.4, rng.integers(0, 3, 200), y)  # noisy: it overfits
    X_val, y_val = blobs(90, seed=1)
    weights = {}
    keep = LambdaCallback(
        on_epoch_end=lambda loop, logs: weights.__setitem__(
            logs["epoch"], loop.net.params["W1"].copy()
        )
    )
    stop = EarlyStopping("val_loss", patience=3)
    net = MLP(4, 64, 3, 3, seed=0)
    hist = fit(
        net,
        X,
        y,
        config(epochs=300, batch_size=8, lr=0.1),
        X_val=X_val,
        y_val=y_val,
        callbacks=[stop, keep],
    )
    best = int(np.argmin(hist.column("val_loss"))) + 1
    assert hist.stopped_early and len(hist) == best + 3 and stop.best_epoch == best
    np.testing.assert_array_equal(net.params["W1"], weights[best])


def test_model_checkpoint_writes_a_loadable_model_when_the_monitor_improves(tmp_path):
    X, y = blobs(120)
    ck = ModelCheckpoint(tmp_path / "best-{epoch}.npz", monitor="train_loss", save_best_only=True)
    every = ModelCheckpoint(tmp_path / "last.npz", monitor="train_loss")
    net = MLP(4, 8, 3, 3, seed=0)
    hist = fit(net, X, y, config(epochs=5, lr=2.0), callbacks=[ck, every])  # lr 2: not monotone
    losses = hist.column("train_loss")
    improving = [e + 1 for e in range(5) if losses[e] == losses[: e + 1].min()]
    assert [p.name for p in ck.saved] == [f"best-{e}.npz" for e in improving]
    assert improving != [1, 2, 3, 4, 5]  # some epoch did not improve, and was not written
    last = npmlp.load(tmp_path / "last.npz")
    for k, v in net.params.items():
        np.testing.assert_array_equal(last.params[k], v)
    assert len(every.saved) == 5 and last.metadata["epoch"] == 5
    with pytest.raises(NpmlpError, match="^ModelCheckpoint monitors 'val_loss', which this run"):
        fit(
            MLP(4, 8, 3, 3),
            X,
            y,
            config(),
            callbacks=[ModelCheckpoint(tmp_path / "v.npz", save_best_only=True)],
        )


def test_progress_bar_shows_the_epochs_and_the_last_losses():
    X, y = blobs(60)
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=120)
    hist = fit(
        MLP(4, 8, 3, 3, seed=0), X, y, config(epochs=3), callbacks=[ProgressBar(console=console)]
    )
    text = out.getvalue()
    last = hist.records[-1]
    assert "epoch 3/3" in text
    assert f"loss {last['train_loss']:.4f} acc {last['train_accuracy']:.3f}" in text


def test_verbose_turns_the_progress_bar_on(monkeypatch):
    made = []
    monkeypatch.setattr(ProgressBar, "on_train_begin", lambda self, loop: made.append(loop.epoch))
    X, y = blobs(60)
    fit(MLP(4, 8, 3, 3, seed=0), X, y, config(epochs=1), verbose=1)
    fit(MLP(4, 8, 3, 3, seed=0), X, y, config(epochs=1))
    assert made == [0]


def test_csv_logger_writes_each_epochs_record(tmp_path):
    X, y = blobs(90)
    path = tmp_path / "log.csv"
    hist = fit(MLP(4, 8, 3, 3, seed=0), X, y, config(epochs=3), callbacks=[CSVLogger(path)])
    rows = list(csv.DictReader(path.open()))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    assert list(rows[0]) == list(hist.records[0])
    for row, rec in zip(rows, hist.records, strict=True):
        assert float(row["train_loss"]) == rec["train_loss"]  # repr round trip: exact
        assert row["val_loss"] == ""


def test_the_adaptive_schedule_divides_the_rate_by_exactly_five_on_each_plateau():
    X, y = blobs(120)
    # a tolerance no epoch meets: a plateau every 2 epochs
    cfg = config(epochs=60, schedule="adaptive", lr=0.5, early_stopping="train_loss", patience=2)
    cfg.min_delta = 0.5
    hist = fit(MLP(4, 8, 3, 3, seed=0), X, y, cfg)
    rates = hist.column("lr")
    drops = rates[1:][rates[1:] != rates[:-1]] / rates[:-1][rates[1:] != rates[:-1]]
    assert len(drops) >= 4
    np.testing.assert_allclose(drops, 1 / 5, rtol=1e-12)  # scikit-learn's factor; 1/2 fails
    # at or below 1e-6 the next plateau stops training: patience (2 epochs) at the floor
    assert hist.stopped_early and rates[-1] <= 1e-6 and np.count_nonzero(rates <= 1e-6) == 2


def test_the_playgrounds_steps_give_the_weights_of_fit_on_the_same_settings():
    s = Session({"n": 200, "optimizer": "adam", "batch_size": 16, "l2": 0.01, "lr": 0.05})
    for _ in range(3 * s.n_batches):
        s.step()
    net = MLP(2, s.cfg["widths"], s.cfg["layers"], s.net.C, seed=s.cfg["seed"], init="he")
    net.preprocessing = s.net.preprocessing
    fit(net, s.X_train, s.y_train, replace(train_config(s.cfg), epochs=3))
    for k, v in net.params.items():
        np.testing.assert_array_equal(v, s.net.params[k], err_msg=k)


def test_a_user_callbacks_state_travels_in_the_checkpoint(tmp_path):
    X, y = blobs(120)

    class Counter(Callback):
        def __init__(self):
            self.batches = 0

        def on_batch_end(self, loop, logs):
            self.batches += 1
            if self.batches == 6 and stop:
                self.saved = loop.state()
                loop.interrupt()

        def state(self):
            return {"batches": self.batches, "seen": np.arange(self.batches)}

        def load_state(self, state):
            self.batches = state["batches"]
            assert state["seen"].tolist() == list(range(self.batches))

    stop = True
    first = Counter()
    fit(MLP(4, 8, 3, 3, seed=0), X, y, config(), callbacks=[first])
    save_state(tmp_path / "c.npz", first.saved)
    stop = False
    again = Counter()
    fit(
        MLP(4, 8, 3, 3, seed=0),
        X,
        y,
        config(),
        callbacks=[again],
        resume=load_state(tmp_path / "c.npz"),
    )
    assert again.batches == 4 * 4  # 6 before the stop, 10 after it
    with pytest.raises(NpmlpError, match=r"^checkpoint: it was written with the callbacks"):
        fit(MLP(4, 8, 3, 3, seed=0), X, y, config(), resume=load_state(tmp_path / "c.npz"))
