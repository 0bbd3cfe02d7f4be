"""Every training setting, declared once: its name, default, rule, help and command-line flag.

:data:`SETTINGS` is read by everything that takes a setting: :class:`npmlp.TrainConfig` (its
fields, defaults and :meth:`~npmlp.TrainConfig.validate`), :class:`npmlp.jobs.job.RunSettings`
(the network and split), ``npmlp train``'s options (:func:`npmlp.cli.train`: the flag, the
help, the default shown, and the same rule turned into the option's check), ``--resume``'s
comparison of options, and :data:`npmlp.core.defaults.TRAIN`. A rule is checked in one place,
:meth:`Rule.check`, whose one-line message both the Python API and the command line give.

A leaf module: plain Python, importable without NumPy (``npmlp --help`` stays instant). The
lists a choice draws on (activations, initialisations, scalings) are named as
``"module:NAME"`` and read when first needed.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass, field

from .errors import NpmlpError

__all__ = [
    "Setting",
    "Rule",
    "Number",
    "Choice",
    "Flag",
    "Widths",
    "Layers",
    "SETTINGS",
    "CONFIG",
    "RUN",
    "OPTIMIZERS",
    "SCHEDULES",
    "MONITORS",
    "CHANGEABLE",
    "Changes",
]

# lbfgs: npmlp.train.lbfgs, full batch; auto: lbfgs or adam by the rows (train_config.choose_optimizer)
OPTIMIZERS = ("auto", "sgd", "momentum", "nesterov", "adam", "lbfgs")
SCHEDULES = ("constant", "step", "cosine", "invscaling", "adaptive")
# val_r2: the validation R^2 of a regression head (whose record has no accuracy)
MONITORS = ("val_loss", "val_accuracy", "train_loss", "train_objective", "val_r2")
# the settings a run may change while it trains (npmlp.train.loop.Trainer.change)
CHANGEABLE = ("lr", "weight_decay", "batch_size", "optimizer")


# ----------------------------------------------------------------------------------- rules
class Rule:
    """What values a setting takes. :meth:`check` raises :class:`NpmlpError` naming the setting
    (its ``label``) and the value; :meth:`parse` turns a command-line text into a value."""

    metavar: str | None = None

    def ok(self, value) -> bool:
        raise NotImplementedError

    def wants(self) -> str:
        """What a good value is, for the message: ``"a number > 0"``."""
        raise NotImplementedError

    def check(self, label: str, value) -> None:
        if not self.ok(value):
            raise NpmlpError(f"{label} must be {self.wants()}, got {value!r}")

    def parse(self, text: str):
        return text


@dataclass(frozen=True)
class Number(Rule):
    """An int (``integer``) or float within ``low``..``high`` (``open``: which ends are
    excluded, ``"low"``, ``"high"``, ``"both"`` or ``""``); ``also``: other values allowed
    (``None``, ``"auto"``, ``inf``), shown as ``texts`` on the command line."""

    low: float = -math.inf
    high: float = math.inf
    integer: bool = False
    open: str = ""
    also: tuple = ()
    texts: dict = field(default_factory=dict)  # command-line word -> value ("full" -> 0)

    @property
    def metavar(self):
        words = [*self.texts, *(a for a in self.also if isinstance(a, str))]
        return "|".join([*words, "INT" if self.integer else "FLOAT"])

    def ok(self, value) -> bool:
        if any(value is a or (type(value) is type(a) and value == a) for a in self.also):
            return True
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.integer and not (
            isinstance(value, int) or value == math.inf and math.inf in self.also
        ):
            return False
        if math.isnan(value):
            return False
        above = value > self.low if self.open in ("low", "both") else value >= self.low
        below = value < self.high if self.open in ("high", "both") else value <= self.high
        return above and below

    def wants(self) -> str:
        what = "an integer" if self.integer else "a number"
        lo, hi = self.low, self.high
        if lo == 0 and hi == math.inf and self.open == "low":
            what = "a positive integer" if self.integer else "a positive number"
        elif lo > -math.inf and hi < math.inf:
            left = "(" if self.open in ("low", "both") else "["
            right = ")" if self.open in ("high", "both") else "]"
            what = f"{what} in {left}{_num(lo)}, {_num(hi)}{right}"
        elif lo > -math.inf:
            what = f"{what} {'>' if self.open in ('low', 'both') else '>='} {_num(lo)}"
        extra = [repr(t) for t in self.texts]
        extra += [repr(a) for a in self.also if a is not None and a != math.inf]
        return " or ".join([*extra, what]) if extra else what

    def parse(self, text: str):
        word = text.strip().lower()
        if word in self.texts:
            return self.texts[word]
        if word in ("none", "off") and None in self.also:
            return None
        if word == "auto" and "auto" in self.also:
            return "auto"
        try:
            return int(word) if self.integer else float(word)
        except ValueError:
            return text  # check() says what is wanted


@dataclass(frozen=True)
class Choice(Rule):
    """One of ``names``: a tuple, or ``"module:NAME"`` of a table read on first use."""

    names: tuple | str = ()
    also: tuple = ()  # None allowed, shown as "off" on the command line

    def choices(self) -> tuple:
        if isinstance(self.names, str):
            module, _, name = self.names.partition(":")
            return tuple(getattr(importlib.import_module(module, __package__), name))
        return tuple(self.names)

    def ok(self, value) -> bool:
        return value in self.also or (isinstance(value, str) and value in self.choices())

    def wants(self) -> str:
        return "one of " + ", ".join([*(["off"] if None in self.also else []), *self.choices()])

    def check(self, label: str, value) -> None:
        if not self.ok(value):
            shown = "off" if value is None else value
            raise NpmlpError(f"unknown {label} {shown!r}; choose {self.wants()}")

    def parse(self, text: str):
        return None if text == "off" and None in self.also else text


@dataclass(frozen=True)
class Widths(Rule):
    """Hidden widths: an integer >= 1 for every hidden layer, or a tuple of them, one per
    hidden layer (``64,32`` on the command line)."""

    metavar = "H[,H...]"

    def ok(self, value) -> bool:
        widths = value if isinstance(value, tuple) else (value,)
        return bool(widths) and all(
            isinstance(h, int) and not isinstance(h, bool) and h >= 1 for h in widths
        )

    def wants(self) -> str:
        return "an integer >= 1, or one per hidden layer separated by commas (64,32)"

    def parse(self, text: str):
        try:
            widths = tuple(int(part) for part in str(text).split(","))
        except ValueError:
            return text
        return widths[0] if len(widths) == 1 else widths


@dataclass(frozen=True)
class Layers(Rule):
    """The seed's L: odd and >= 3 (FC and an activation alternate, first and last are FC)."""

    metavar = "INTEGER"

    def ok(self, value) -> bool:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return ok and value >= 3 and value % 2 == 1

    def wants(self) -> str:
        return "odd and >= 3"

    def check(self, label: str, value) -> None:
        if not self.ok(value):
            raise NpmlpError(
                f"{label} must be odd and >= 3 (FC and ReLU alternate, first and last layers "
                f"are FC), got {value}; use 3 for one hidden layer, 5 for two, ..."
            )

    def parse(self, text: str):
        try:
            return int(text)
        except ValueError:
            return text


@dataclass(frozen=True)
class Flag(Rule):
    """True or False (``--name/--no-name`` on the command line)."""

    def ok(self, value) -> bool:
        return isinstance(value, bool)

    def wants(self) -> str:
        return "True or False"


@dataclass(frozen=True)
class Changes(Rule):
    """Settings changed while the run trains: ``(step, name, value)`` triples in the order they
    happen, ``step`` the batches done before the change (a whole number, never decreasing),
    ``name`` one of :data:`CHANGEABLE`, ``value`` checked by that setting's own rule (an
    optimiser of minibatches; an L2 penalty as a number). On the command line:
    ``120:lr=0.01,300:optimizer=sgd,400:batch_size=full``."""

    metavar = "STEP:NAME=VALUE[,...]"

    def problem(self, value) -> str | None:
        """What is wrong with ``value`` (a sentence), or ``None``."""
        if not isinstance(value, (tuple, list)):
            return f"give a list of (step, setting, value), got {value!r}"
        last = 0
        for change in value:
            if not isinstance(change, (tuple, list)) or len(change) != 3:
                return f"each change is STEP:NAME=VALUE, got {change!r}"
            step, name, v = change
            if isinstance(step, bool) or not isinstance(step, int) or step < last:
                return f"steps are whole numbers >= 0, in order; got {step!r} after {last}"
            if name not in CHANGEABLE:
                return f"{name!r} cannot change while training; {', '.join(CHANGEABLE)} can"
            if not CHANGE_RULES[name].ok(v):
                return f"at step {step}, {name} must be {CHANGE_RULES[name].wants()}, got {v!r}"
            last = step
        return None

    def ok(self, value) -> bool:
        return self.problem(value) is None

    def check(self, label: str, value) -> None:
        wrong = self.problem(value)
        if wrong is not None:
            raise NpmlpError(f"{label}: {wrong}")

    def parse(self, text: str):
        changes = []
        for part in filter(None, str(text).split(",")):
            step, _, rest = part.partition(":")
            name, _, v = rest.partition("=")
            rule = CHANGE_RULES.get(name.strip())
            try:
                step = int(step)
            except ValueError:
                return text  # check() says what is wanted
            changes.append((step, name.strip(), rule.parse(v) if rule else v))
        return tuple(changes)

    @staticmethod
    def text(changes) -> str:
        """The command line's spelling of ``changes`` (what :meth:`parse` reads)."""
        return ",".join(f"{step}:{name}={Changes.said(v)}" for step, name, v in changes)

    @staticmethod
    def said(v) -> str:
        """A change's value as typed: floats in full (``repr`` reads back the same number), a
        batch size of 0 as ``full``."""
        if isinstance(v, float):
            return repr(v)
        return "full" if v == 0 else str(v)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# -------------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class Setting:
    """One training setting. ``section``: ``"config"`` (:class:`~npmlp.TrainConfig`) or
    ``"run"`` (:class:`~npmlp.jobs.job.RunSettings`); ``flags``: its command-line option (none:
    Python only); ``label``: its name in messages."""

    name: str
    default: object
    rule: Rule
    help: str
    flags: tuple = ()
    section: str = "config"  # or "run", or "both" (the seed)
    label: str = ""

    @property
    def said(self) -> str:
        return self.label or self.name

    def check(self, value) -> None:
        self.rule.check(self.said, value)


def _s(name, default, rule, help, *flags, section="config", label=""):
    return Setting(name, default, rule, help, flags, section, label)


_FRACTION = Number(0.0, 1.0, open="high")
_UNIT = Number(0.0, 1.0, open="high")

SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        # the network and the split (RunSettings)
        _s(
            "layers",
            3,
            Layers(),
            "Number of layers L (odd, >= 3) [default: 3, or 2 x the widths of -H + 1].",
            "-L",
            "--layers",
            section="run",
            label="L",
        ),
        _s(
            "hidden",
            256,
            Widths(),
            "Hidden width H, or one width per hidden layer: 64,32.",
            "-H",
            "--hidden",
            section="run",
            label="hidden width",
        ),
        _s(
            "activation",
            "relu",
            Choice("npmlp.nn.layers:ACTIVATIONS"),
            "Hidden activation (the seed's is relu).",
            "--activation",
            section="run",
        ),
        _s(
            "init",
            "he",
            Choice("npmlp.nn.model:INITS"),
            "Initial weights: he = N(0, 2/d_in); glorot = U(+-sqrt(6/(d_in+d_out))). Biases 0.",
            "--init",
            section="run",
        ),
        _s(
            "dtype",
            "float32",
            Choice(("float32", "float64")),
            "Training precision.",
            "--dtype",
            section="run",
        ),
        _s(
            "scaling",
            "standard",
            Choice("npmlp.nn.preprocessing:KINDS"),
            "Input scaling fitted on the training split.",
            "--scaling",
            section="run",
        ),
        _s(
            "test_fraction",
            0.2,
            _FRACTION,
            "Share of the rows held out for the test.",
            "--test-fraction",
            section="run",
            label="test fraction",
        ),
        # optimisation (TrainConfig)
        _s(
            "epochs",
            100,
            Number(1, integer=True),
            "Passes over the training rows (L-BFGS: iterations at most).",
            "--epochs",
        ),
        _s(
            "batch_size",
            64,
            Number(0, integer=True, also=(None,), texts={"full": 0}),
            "Rows per update; 'full' (or 0) for full-batch gradient descent.",
            "--batch-size",
            label="batch size",
        ),
        _s(
            "lr",
            2e-3,
            Number(0.0, open="low", high=math.inf),
            "Learning rate.",
            "--lr",
            label="learning rate",
        ),
        _s(
            "optimizer",
            "auto",
            Choice(OPTIMIZERS),
            "auto: full-batch L-BFGS when the training "
            "rows are too few for a validation split (--val-fraction of them under "
            "--min-val-rows), else Adam.",
            "--optimizer",
        ),
        _s(
            "momentum",
            0.9,
            _UNIT,
            "Momentum of the momentum and nesterov optimizers.",
            "--momentum",
        ),
        _s(
            "nesterov",
            False,
            Flag(),
            "Nesterov's momentum for --optimizer momentum.",
            "--nesterov/--no-nesterov",
        ),
        _s("beta1", 0.9, _UNIT, "Adam's first-moment decay.", "--beta1"),
        _s("beta2", 0.999, _UNIT, "Adam's second-moment decay.", "--beta2"),
        _s("epsilon", 1e-8, Number(0.0, open="low"), "Adam's epsilon.", "--epsilon"),
        _s(
            "max_fun",
            15000,
            Number(1, integer=True),
            "L-BFGS: loss evaluations at most.",
            "--max-fun",
        ),
        _s("schedule", "constant", Choice(SCHEDULES), "Learning-rate schedule.", "--schedule"),
        _s(
            "step_size",
            30,
            Number(1, integer=True),
            "step schedule: epochs between drops.",
            "--step-size",
        ),
        _s(
            "gamma",
            0.1,
            Number(0.0, open="low"),
            "step schedule: the factor of each drop.",
            "--gamma",
        ),
        _s("min_lr", 0.0, Number(0.0), "cosine schedule: the rate at the last epoch.", "--min-lr"),
        _s(
            "power_t",
            0.5,
            Number(0.0),
            "invscaling schedule: lr / (t + 1) ** power_t.",
            "--power-t",
        ),
        _s(
            "samples_seen",
            0,
            Number(0, integer=True),
            "invscaling: rows seen before this run (partial_fit).",
        ),
        _s(
            "weight_decay",
            "auto",
            Number(0.0, also=("auto",)),
            "L2 penalty on the weights; "
            "auto: 5e-2 when L-BFGS runs on rows too few for a validation split, else 1e-3.",
            "--weight-decay",
            label="weight decay",
        ),
        _s(
            "dropout",
            0.0,
            _UNIT,
            "Share of hidden units zeroed at each training step (inverted dropout).",
            "--dropout",
        ),
        _s("shuffle", True, Flag(), "Shuffle the rows at each epoch.", "--shuffle/--no-shuffle"),
        # validation and early stopping
        _s(
            "val_fraction",
            0.1,
            _FRACTION,
            "Share of the training rows held out for validation.",
            "--val-fraction",
            label="validation fraction",
        ),
        _s(
            "min_val_rows",
            30,
            Number(0, integer=True),
            "A validation split smaller than this "
            "is not held out; early stopping then watches the training loss.",
            "--min-val-rows",
        ),
        _s(
            "early_stopping",
            "val_loss",
            Choice(MONITORS, also=(None,)),
            "Quantity to stop on when it stops improving for --patience epochs.",
            "--early-stopping",
            label="early-stopping monitor",
        ),
        _s(
            "patience",
            20,
            Number(1, integer=True, also=(math.inf,)),
            "Epochs without improvement before early stopping.",
            "--patience",
        ),
        _s(
            "min_delta",
            0.0,
            Number(0.0),
            "Smallest change of the monitored quantity that "
            "counts as an improvement (L-BFGS: the gradient tolerance).",
            "--min-delta",
        ),
        _s(
            "restore_best",
            True,
            Flag(),
            "After early stopping, put back the weights of the best epoch, or keep the last.",
            "--restore-best/--keep-last",
        ),
        _s(
            "changes",
            (),
            Changes(),
            "Settings changed while training, at the given steps (batches done): "
            "STEP:NAME=VALUE,... of lr, weight_decay, batch_size (at the next epoch's start), "
            "optimizer (sgd, momentum, nesterov, adam; its state starts afresh).",
            "--changes",
        ),
        # the run
        _s(
            "threads",
            None,
            Number(1, integer=True, also=(None,)),
            "BLAS threads for training [default: 1 for small layers, else all cores].",
            "--threads",
        ),
        _s(
            "seed",
            0,
            Number(0, 2**32 - 1, integer=True),
            "Seed of the split, the weights and the shuffles.",
            "--seed",
            section="both",
        ),
    )
}

# what a change's value may be: the setting's own rule, without what only a start can be
CHANGE_RULES = {
    "lr": SETTINGS["lr"].rule,
    "weight_decay": Number(0.0),
    "batch_size": Number(0, integer=True, texts={"full": 0}),
    "optimizer": Choice(("sgd", "momentum", "nesterov", "adam")),
}

CONFIG = tuple(s for s in SETTINGS.values() if s.section in ("config", "both"))
RUN = tuple(s for s in SETTINGS.values() if s.section in ("run", "both"))
