"""Every training setting is declared once (npmlp.core.settings) and everything reads it."""

import dataclasses
import math

import pytest

from npmlp import NpmlpError, TrainConfig
from npmlp.cli import main
from npmlp.core.defaults import TRAIN
from npmlp.core.settings import CONFIG, RUN, SETTINGS
from npmlp.jobs.job import RunSettings


def test_trainconfig_and_runsettings_have_exactly_the_declared_fields_and_defaults():
    config = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    assert config == {s.name: s.default for s in CONFIG}
    run = {f.name: f.default for f in dataclasses.fields(RunSettings)}
    assert {k: run[k] for k in run if k not in ("data", "label", "config", "table")} == {
        s.name: s.default for s in RUN
    }
    assert TRAIN == {"data": "digits", **{s.name: s.default for s in SETTINGS.values()}}
    for s in SETTINGS.values():
        s.check(s.default)  # every default passes its own rule


def test_every_declared_flag_is_an_option_of_npmlp_train_with_its_help():
    from npmlp.cli.train import train

    options = {p.name: p for p in train.params}
    for s in SETTINGS.values():
        if s.flags:
            assert s.name in options, s.name
            assert options[s.name].help == s.help
            assert sorted(options[s.name].opts + options[s.name].secondary_opts) == sorted(
                f for flag in s.flags for f in flag.split("/")
            )


@pytest.mark.parametrize(
    "name,bad,flag,text",
    [
        ("lr", -1.0, "--lr", "-1"),
        ("dropout", 1.0, "--dropout", "1"),
        ("beta2", 1.5, "--beta2", "1.5"),
        ("patience", 0, "--patience", "0"),
        ("optimizer", "rmsprop", "--optimizer", "rmsprop"),
        ("weight_decay", -1.0, "--weight-decay", "-1"),
        ("min_delta", -0.5, "--min-delta", "-0.5"),
    ],
)
def test_a_rule_gives_one_message_in_python_and_on_the_command_line(capsys, name, bad, flag, text):
    with pytest.raises(NpmlpError) as e:
        TrainConfig(**{name: bad}).validate()
    assert main(["train", flag, text, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"npmlp: error: Invalid value for '{flag}': {e.value} (see 'npmlp train --help')\n"
    )


def test_a_number_rule_says_what_it_wants():
    assert str(_error("patience", 0.5)) == "patience must be an integer >= 1, got 0.5"
    assert SETTINGS["patience"].rule.ok(math.inf)  # scikit-learn's n_iter_no_change=np.inf
    assert str(_error("batch_size", -1)) == "batch size must be 'full' or an integer >= 0, got -1"
    assert SETTINGS["batch_size"].rule.parse("FULL") == 0
    assert str(_error("threads", 0)) == "threads must be an integer >= 1, got 0"
    assert SETTINGS["threads"].rule.ok(None)
    assert str(_error("early_stopping", "val_los")) == (
        "unknown early-stopping monitor 'val_los'; choose one of off, val_loss, val_accuracy, "
        "train_loss, train_objective, val_r2"
    )
    assert str(_error("layers", 4)) == (
        "L must be odd and >= 3 (FC and ReLU alternate, first and last layers are FC), got 4; "
        "use 3 for one hidden layer, 5 for two, ..."
    )
    assert str(_error("shuffle", 1)) == "shuffle must be True or False, got 1"


def _error(name, value) -> NpmlpError:
    with pytest.raises(NpmlpError) as e:
        SETTINGS[name].check(value)
    return e.value
