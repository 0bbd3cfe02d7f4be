"""One table of defaults: ``npmlp train``, ``RunSettings`` and ``TrainConfig()`` all read
``npmlp.core.defaults.TRAIN`` (chosen by ``benchmarks/defaults_sweep.py``, see docs/defaults.md)."""

from __future__ import annotations

import re
from dataclasses import fields

from npmlp import NpmlpError, TrainConfig
from npmlp.cli import main
from npmlp.cli.train import train
from npmlp.core.defaults import TRAIN
from npmlp.jobs.job import RunSettings


def test_train_config_defaults_are_the_table():
    config = TrainConfig()
    names = [f.name for f in fields(TrainConfig)]
    assert set(names) <= set(TRAIN)
    assert {n: getattr(config, n) for n in names} == {n: TRAIN[n] for n in names}


def test_run_settings_defaults_are_the_table():
    s = RunSettings()
    names = [f.name for f in fields(RunSettings) if f.name not in ("label", "config", "table")]
    assert {n: getattr(s, n) for n in names} == {n: TRAIN[n] for n in names}
    assert s.config == TrainConfig()


def test_every_train_option_defaults_to_the_table_and_says_so_in_help(capsys):
    options = {p.name: p for p in train.params}
    shown = {}
    for name, p in options.items():
        if name not in TRAIN or name == "layers":  # -L: None means "from -H, else the table"
            continue
        value = TRAIN[name]
        if name == "early_stopping":
            value = value or "off"
        default = p.default if p.default is None else p.type.convert(p.default, p, None)
        assert default == value, name
        shown[name] = p
    assert len(shown) >= 18
    assert main(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())  # click wraps lines
    for key in ("epochs", "batch_size", "lr", "weight_decay", "patience", "min_val_rows"):
        flag = "--" + key.replace("_", "-")
        assert re.search(
            rf"{flag} .*?\[default: {TRAIN[key] if isinstance(TRAIN[key], str) else format(TRAIN[key], 'g')}[;\]]",
            text,
        ), key
    assert "--early-stopping" in text and f"[default: {TRAIN['early_stopping'] or 'off'}]" in text
    restore = "restore-best" if TRAIN["restore_best"] else "keep-last"
    assert f"[default: {restore}]" in text
    assert f"[default: {TRAIN['layers']}, or 2 x the widths of -H + 1]" in text


def test_npmlp_train_without_options_runs_the_table(monkeypatch, capsys):
    seen = []

    def fake_train_run(settings, *args, **kwargs):
        seen.append(settings)
        raise NpmlpError("stopped by the test")

    monkeypatch.setattr("npmlp.jobs.runner.train_run", fake_train_run)  # what npmlp train calls
    assert main(["train", "--quiet"]) == 2
    assert capsys.readouterr().err == "npmlp: error: stopped by the test\n"
    (settings,) = seen
    assert settings == RunSettings()  # every field, the TrainConfig included


def test_npmlp_train_on_iris_runs_lbfgs_and_says_so(tmp_path, capsys):
    """iris leaves 12 validation rows, under --min-val-rows 30: auto picks full-batch L-BFGS,
    the output names it, and no learning-rate advice is given for it."""
    import json

    assert main(["train", "--data", "iris", "--out", str(tmp_path), "--no-pictures"]) == 0
    out, err = capsys.readouterr()
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["optimizer"] == "lbfgs" and metrics["early_stopping"] is None
    assert metrics["weight_decay"] == 5e-2  # --weight-decay auto, for L-BFGS on few rows
    assert f"npmlp on iris: {metrics['epochs']} iterations of L-BFGS, 2051 parameters" in out
    assert "learning rate" not in out + err
    assert metrics["test_accuracy"] == 1.0  # 30 test rows, seed 0
