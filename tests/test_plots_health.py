"""Training health: dead units, activation and gradient sizes, update ratios, warnings."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from npmlp import MLP
from npmlp.cli import main
from npmlp.nn.preprocessing import Preprocessing
from npmlp.train.health import HealthMonitor, health_columns, health_warnings
from plots_support import moons_file, moons_run


@pytest.fixture()
def net_and_data():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((50, 3)) * 4 + 2
    y = rng.integers(0, 3, 50)
    net = MLP(3, 8, 5, 3, dtype=np.float64, seed=0)
    net.preprocessing = Preprocessing.fit("standard", X)
    return net, X, y


def test_columns_name_every_fc_layer_and_dead_only_for_hidden_ones():
    assert health_columns(5) == [
        "FC1_dead",
        "FC1_act_rms",
        "FC1_grad_norm",
        "FC1_update_ratio",
        "FC3_dead",
        "FC3_act_rms",
        "FC3_grad_norm",
        "FC3_update_ratio",
        "FC5_act_rms",
        "FC5_grad_norm",
        "FC5_update_ratio",
    ]


def test_measures_match_a_hand_computation_on_the_probe_rows(net_and_data):
    net, X, y = net_and_data
    mon = HealthMonitor(net, X, y, updates_per_epoch=4, rows=1000)
    assert mon.X.shape == (50, 3)
    Xs = net.preprocessing.apply(X)
    net.params["b1"][0, :6] = -1e3  # 6 of the 8 units after FC1 never fire
    before = net.params["W3"].copy()
    net.params["W3"] *= 1.02
    m = mon.measure(net)
    assert m["FC1_dead"] == 0.75
    h1 = np.maximum(Xs @ net.params["W1"] + net.params["b1"], 0)
    assert m["FC1_act_rms"] == pytest.approx(np.sqrt(np.mean(h1**2)), rel=1e-12)
    _, grads = net.loss_and_grads(Xs, y)
    for i in (1, 3, 5):
        assert m[f"FC{i}_grad_norm"] == pytest.approx(np.linalg.norm(grads[f"W{i}"]), rel=1e-10)
    assert m["FC3_update_ratio"] == pytest.approx(0.02 / 4, rel=1e-9)
    assert m["FC1_update_ratio"] == 0.0
    assert mon.measure(net)["FC3_update_ratio"] == 0.0  # measured from the last epoch's weights
    assert not np.array_equal(before, net.params["W3"])


def test_the_monitor_adds_its_columns_to_the_record_and_leaves_weights_alone(net_and_data):
    net, X, y = net_and_data
    params = {k: v.copy() for k, v in net.params.items()}
    record = {"epoch": 1}
    HealthMonitor(net, X, y)(record, net)
    assert list(record) == ["epoch"] + health_columns(5)
    for k, v in params.items():
        np.testing.assert_array_equal(v, net.params[k])


def _records(n, **columns):
    recs = []
    for e in range(n):
        r = {"epoch": e + 1, "FC1_dead": 0.0, "FC1_update_ratio": 1e-3, "FC3_update_ratio": 1e-3}
        r.update({k: v[e] for k, v in columns.items()})
        recs.append(r)
    return recs


def test_warnings_need_several_epochs_in_a_row():
    assert health_warnings(_records(6, FC1_dead=[0.6, 0.7, 0, 0.6, 0.9, 0])) == []
    assert health_warnings(_records(5, FC1_dead=[0, 0.6, 0.8, 0.75, 0])) == [
        "layer FC1: up to 80% of the ReLU units after it were dead (0 on every probe row) for "
        "3 epochs (2-4); try a smaller learning rate or another seed"
    ]
    assert health_warnings(_records(4, FC3_update_ratio=[0.5, 0.3, 0.2, 0.05])) == [
        "layer FC3: update-to-weight ratio above 0.1 (reached 0.5) for 3 epochs (1-3); lower "
        "the learning rate"
    ]
    assert health_warnings(_records(3, FC1_update_ratio=[1e-6, 2e-7, 3e-6])) == [
        "layer FC1: update-to-weight ratio below 1e-05 (reached 2e-07) for 3 epochs (1-3); "
        "raise the learning rate"
    ]
    assert health_warnings(_records(4, FC1_dead=[0.5] * 4)) == []  # over 50 %, not at 50 %
    assert health_warnings([]) == []


def test_history_csv_of_a_run_holds_the_health_columns():
    result, out = moons_run()
    with open(out / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(result.history)
    for col in health_columns(5):
        values = np.array([float(r[col]) for r in rows])
        assert np.isfinite(values).all(), col
    assert all(0 <= float(r["FC3_dead"]) <= 1 for r in rows)
    assert float(rows[0]["FC1_update_ratio"]) > 0


def test_train_prints_one_warning_line_per_layer_on_stderr(tmp_path, capsys):
    data = moons_file(tmp_path, n=120)
    rc = main(
        [
            "train",
            "--data",
            str(data),
            "-H",
            "8",
            "--epochs",
            "3",
            "--optimizer",
            "sgd",
            "--lr",
            "1e-7",
            "--quiet",
        ]
    )
    assert rc == 0
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(
        "npmlp: warning: layer FC1: update-to-weight ratio below 1e-05 (reached "
    )
    assert lines[0].endswith(" for 3 epochs (1-3); raise the learning rate")
    assert lines[1].startswith("npmlp: warning: layer FC3: update-to-weight ratio below 1e-05")
    assert "warning" not in captured.out


def test_a_healthy_run_prints_no_warning(tmp_path, capsys):
    data = moons_file(tmp_path, n=120)
    assert main(["train", "--data", str(data), "-H", "8", "--epochs", "4", "--quiet"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_no_pictures_writes_only_the_model_history_and_metrics(tmp_path, capsys):
    data = moons_file(tmp_path, n=120)
    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--data",
                str(data),
                "-H",
                "8",
                "--epochs",
                "2",
                "--out",
                str(out),
                "--no-pictures",
            ]
        )
        == 0
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "checkpoint.npz",
        "history.csv",
        "metrics.json",
        "model.npz",
        "run.json",
    ]
    assert f"wrote {out}/model.npz, history.csv, metrics.json\n" in capsys.readouterr().out


def test_loss_warnings_advise_on_the_learning_rate_only_where_one_ran():
    from npmlp.train.health import loss_warnings

    records = [{"train_loss": 0.7}, {"train_loss": 900.0}]
    head = "the training loss ended at 900 (epoch 1: 0.7; a uniform guess scores ln C = 0.693): "
    assert loss_warnings(records, 2, 0.5) == [
        head + "the learning rate is far too large; try a smaller --lr (now 0.5, e.g. 0.005)"
    ]
    assert loss_warnings(records, 2, None) == [
        head + "check the inputs' scale (--scaling) or try --optimizer adam"
    ]
    assert loss_warnings(records[:1], 2, None) == []
