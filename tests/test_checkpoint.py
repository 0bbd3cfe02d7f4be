"""Checkpoints: a run stopped at any batch and resumed from its file ends bit for bit like the
run left alone (float32 and float64, sgd / momentum / adam, with and without early stopping)."""

import json
import math

import numpy as np
import pytest

from npmlp import MLP, NpmlpError, TrainConfig, fit
from npmlp.train.checkpoint import Checkpointer, TrainState, load_state, save_state
from npmlp.train.train_config import History


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(5)
    centres = rng.normal(scale=2.0, size=(3, 6))
    y = rng.integers(0, 3, 150)
    return centres[y] + rng.normal(size=(150, 6)), y


def _config(optimizer, early, **kw):
    settings = dict(epochs=9, batch_size=16, lr=0.05 if optimizer != "adam" else 0.01, seed=7)
    settings.update(optimizer=optimizer, weight_decay=1e-3, schedule="cosine")
    if early:
        settings.update(val_fraction=0.2, early_stopping="val_loss", patience=2, min_delta=0.02)
    settings.update(kw)
    return TrainConfig(**settings)


def _net(dtype):
    return MLP(6, 12, 5, 3, dtype=dtype, seed=3)


class StopAt(Checkpointer):
    """The run's checkpoint callback, but it captures the state at the ``k``-th moment it
    would consider writing, and is interrupted there (as a signal would)."""

    def __init__(self, k):
        super().__init__(None)
        self.k, self.calls, self.captured, self.whens = k, 0, None, []

    def _maybe_write(self, loop, when):
        self.calls += 1
        self.whens.append(when)
        if self.calls == self.k:
            self.captured = loop.state()
            if when != "end":
                loop.interrupt()


def _same_run(a: MLP, ha, b: MLP, hb):
    for k in a.params:
        assert a.params[k].dtype == b.params[k].dtype
        np.testing.assert_array_equal(a.params[k], b.params[k], err_msg=k)
    drop = lambda records: [{k: v for k, v in r.items() if k != "seconds"} for r in records]  # noqa: E731
    assert drop(ha.records) == drop(hb.records)
    assert (ha.best_epoch, ha.stopped_early, ha.best_value) == (
        hb.best_epoch,
        hb.stopped_early,
        hb.best_value,
    )


def _resume(tmp_path, blobs, dtype, config, k):
    X, y = blobs
    stopper = StopAt(k)
    net = _net(dtype)
    history = fit(net, X, y, config, callbacks=[stopper])
    path = tmp_path / f"ck{k}.npz"
    save_state(path, stopper.captured)  # through the file, as after a real interruption
    resumed = _net(dtype)
    again = fit(resumed, X, y, config, callbacks=[StopAt(0)], resume=load_state(path))
    return history, stopper, resumed, again


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("early", [False, True], ids=["no-early-stop", "early-stop"])
def test_a_run_resumed_from_any_batch_ends_bit_identical(tmp_path, blobs, dtype, optimizer, early):
    X, y = blobs
    config = _config(optimizer, early)
    alone = _net(dtype)
    h_alone = fit(alone, X, y, config)
    assert h_alone.stopped_early == early  # patience runs out before the 9 epochs
    calls = StopAt(0)
    fit(_net(dtype), X, y, config, callbacks=[calls])
    assert calls.whens.count("end") == 1 and calls.whens[-1] == "end"
    n = len(calls.whens)
    assert n == len(h_alone) * (8 if early else 10)  # ceil(120 / 16) or ceil(150 / 16) batches
    for k in sorted({1, 2, 7, 8, 9, 10, 11, n // 2, n - 1, n}):
        history, stopper, resumed, h_resumed = _resume(tmp_path, blobs, dtype, config, k)
        assert history.interrupted == (stopper.whens[-1] != "end")
        _same_run(alone, h_alone, resumed, h_resumed)
        assert not h_resumed.interrupted


def test_resuming_continues_the_optimiser_state_and_the_generator(tmp_path, blobs):
    X, y = blobs
    config = _config("adam", False)
    stopper = StopAt(24)  # epoch 3, batch 4
    net = _net("float32")
    fit(net, X, y, config, callbacks=[stopper])
    state = stopper.captured
    assert (state.epoch, state.batch) == (2, 4)
    assert state.optimizer_scalars == {
        "t": 2 * 10 + 4,
        "learning_rate": 0.01 * 0.5 * (1 + math.cos(math.pi * 2 / 9)),
        "schedule_scale": 1.0,
    }
    assert sorted(state.optimizer) == sorted(f"{m}/{k}" for m in "mv" for k in net.params)
    assert state.rng["bit_generator"] == "PCG64"
    assert sorted(state.order.tolist()) == list(range(150))
    assert set(state.sums) == {"loss_sum", "penalty_sum", "objective_sum", "correct", "seconds"}
    assert state.epoch_start is not None and len(state.callbacks["History"]["records"]) == 2
    assert state.epochs == 9


def test_the_file_round_trip_is_exact_and_has_no_pickle(tmp_path, blobs):
    X, y = blobs
    stopper = StopAt(30)
    fit(_net("float64"), X, y, _config("momentum", True), callbacks=[stopper])
    state = stopper.captured
    state.settings = {"data": "blobs", "hidden": [12], "seed": 7}
    state.callbacks["health"] = {"W1": np.arange(6.0), "n": 3}
    path = tmp_path / "c.npz"
    save_state(path, state)
    back = load_state(path)
    for name in ("epoch", "batch", "epochs", "optimizer_scalars", "rng", "sums", "settings"):
        assert getattr(back, name) == getattr(state, name), name
    assert sorted(back.callbacks) == ["EarlyStopping", "History", "health"]
    for name, values in state.callbacks.items():
        assert sorted(back.callbacks[name]) == sorted(values), name
        for k, v in values.items():
            np.testing.assert_array_equal(back.callbacks[name][k], v)
            assert isinstance(back.callbacks[name][k], np.ndarray) == isinstance(v, np.ndarray)
    assert any(k.startswith("best/") for k in back.callbacks["EarlyStopping"])
    for group in ("params", "optimizer", "epoch_start"):
        a, b = getattr(state, group), getattr(back, group)
        assert list(a) == list(b)
        for k in a:
            assert a[k].dtype == b[k].dtype
            np.testing.assert_array_equal(a[k], b[k])
    np.testing.assert_array_equal(back.order, state.order)
    with np.load(path, allow_pickle=False) as z:  # every member is a plain array
        assert all(z[k].dtype != object for k in z.files)
        assert json.loads(z["state.json"].tobytes())["format"] == "npmlp-checkpoint"


def test_a_state_that_does_not_fit_the_run_is_refused(tmp_path, blobs):
    X, y = blobs
    stopper = StopAt(5)
    fit(_net("float32"), X, y, _config("adam", False), callbacks=[stopper])
    with pytest.raises(NpmlpError, match="^checkpoint: its weights are not those of this net"):
        fit(MLP(6, 13, 5, 3, seed=3), X, y, _config("adam", False), resume=stopper.captured)
    with pytest.raises(NpmlpError, match="^checkpoint: its row order is for 150 training rows"):
        fit(_net("float32"), X[:100], y[:100], _config("adam", False), resume=stopper.captured)
    with pytest.raises(NpmlpError, match=r"^optimiser state has \['m/W1'"):
        fit(_net("float32"), X, y, _config("sgd", False), resume=stopper.captured)
    bad = tmp_path / "bad.npz"
    np.savez(bad, x=np.zeros(3))
    start_over = "; the run cannot continue from it: start it over without --resume (that "
    start_over += "replaces the checkpoint)"
    with pytest.raises(NpmlpError) as e:
        load_state(bad)
    assert (
        str(e.value) == f"{bad}: not a usable npmlp checkpoint (no state.json member)" + start_over
    )
    bad.write_bytes(b"not a zip")
    with pytest.raises(NpmlpError) as e:
        load_state(bad)
    assert str(e.value) == (
        f"{bad}: not a usable npmlp checkpoint (BadZipFile: File is not a zip file)" + start_over
    )
    with pytest.raises(NpmlpError, match=f"^{tmp_path / 'none.npz'}: no checkpoint there$"):
        load_state(tmp_path / "none.npz")


class FakeLoop:
    """What the checkpoint callback reads of a loop: its state, counters and stop."""

    def __init__(self):
        self.epoch, self.n, self.stop_training = 0, 0, False
        self.config = TrainConfig(epochs=100)
        self.history = History()

    def state(self):
        self.n += 1
        return TrainState(self.n, 0, {}, {}, {}, {}, np.arange(3))

    def interrupt(self):
        self.history.interrupted = self.stop_training = True


def test_the_checkpointer_writes_by_epoch_at_most_every_interval(tmp_path, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("npmlp.train.checkpoint.time.monotonic", lambda: clock[0])
    flag = []
    ck = Checkpointer(tmp_path / "c.npz", every=2.0, interrupted=lambda: bool(flag))
    loop = FakeLoop()
    ck.on_train_begin(loop)
    batch, epoch = {"batch": 1, "n_batches": 9}, {"epoch": 1}
    log = []
    for t, event, logs in [
        (0.5, ck.on_batch_end, batch),
        (1.0, ck.on_epoch_end, epoch),  # 1 s since the start: not yet
        (2.5, ck.on_batch_end, batch),  # 2.5 s since the last write but 1.5 s into the epoch
        (3.1, ck.on_batch_end, batch),  # 3.1 s and 2.1 s into the epoch: a long epoch, written
        (3.5, ck.on_epoch_end, epoch),  # 0.4 s after the last write
        (5.2, ck.on_epoch_end, epoch),  # 2.1 s: written
        (5.3, ck.on_batch_end, batch),
        (5.3, ck.on_batch_end, {"batch": 9, "n_batches": 9}),  # an epoch's last: its end decides
    ]:
        clock[0] = 100.0 + t
        event(loop, logs)
        log.append(ck.writes)
    assert log == [0, 0, 0, 1, 1, 2, 2, 2] and not loop.stop_training
    clock[0] += 0.01
    loop.epoch = 100
    ck.on_epoch_end(loop, epoch)
    assert ck.writes == 3 and not loop.stop_training  # the end is always written
    ck.on_train_end(loop, epoch)
    assert ck.writes == 3  # and only once
    flag.append(1)
    loop.epoch = 5
    ck.on_batch_end(loop, batch)
    assert ck.writes == 4 and loop.history.interrupted  # and an interruption, which stops
    with np.load(tmp_path / "c.npz") as z:  # a stand-in state: load_state would refuse it
        assert json.loads(z["state.json"].tobytes())["epoch"] == ck.saved[0] == 4
    quiet, loop = Checkpointer(None, interrupted=lambda: True), FakeLoop()  # only the interruption
    quiet.on_batch_end(loop, batch)
    assert loop.stop_training and quiet.writes == 0
