"""One page's run: its data, its network, and training steps exactly as ``npmlp train`` takes them.

A :class:`Session` holds the settings of :mod:`.config`, the synthetic data set they name
(split and scaled as :func:`npmlp.jobs.job.train_run` does), an :class:`~npmlp.MLP` and the
training loop that :func:`npmlp.fit` runs (:func:`npmlp.train.training.make_loop`).
:meth:`Session.step` is one batch of that loop (:meth:`npmlp.train.loop.Trainer.step`), so after
``k`` whole epochs the weights equal those of the ``npmlp train`` command
:meth:`Session.command` prints, bit for bit.

Everything here is synchronous and knows nothing of the web; :mod:`.server` runs it off the
event loop, one call at a time per session.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from ..callbacks import Changes
from ..core.errors import NpmlpError
from ..core.packing import packed
from ..core.settings import SETTINGS
from ..core.settings import Changes as ChangesRule
from ..data import load_dataset
from ..data.splits import split_dataset
from ..nn.model import MLP
from ..nn.model_file import save
from ..nn.preprocessing import Preprocessing
from ..train.train_config import TrainConfig
from ..train.training import make_loop
from . import config as cfgmod
from . import exercise
from .engine import graph_rows, grid_views, new_tiny, tiny_network
from .frames import encode, prob_u8, unit_u8, weights_i8

__all__ = ["Session", "RES", "UNIT_RES", "LIVE"]

RES = 64  # decision regions: RES x RES pixels
UNIT_RES = 32  # each unit's heat map in the diagram (the enlarged unit gets RES)
# the page's settings that change while the run goes on, and their names in the training loop
LIVE = {"lr": "lr", "l2": "weight_decay", "batch_size": "batch_size", "optimizer": "optimizer"}


def new_net(cfg: dict, C: int) -> MLP:
    """The network the settings describe (He init, as ``npmlp train``'s default)."""
    extra = {} if cfg["activation"] == "relu" else {"activation": cfg["activation"]}
    return MLP(2, cfg["widths"], cfg["layers"], C, seed=cfg["seed"], init="he", **extra)


def train_config(cfg: dict) -> TrainConfig:
    """The settings of ``npmlp train`` that :func:`.config.train_command` spells out."""
    return TrainConfig(
        epochs=2**31 - 1,  # the page trains until paused; the command names whole epochs
        batch_size=cfg["batch_size"] or None,
        lr=cfg["lr"],
        optimizer=cfg["optimizer"],
        momentum=0.9,
        weight_decay=cfg["l2"],
        schedule="constant",
        val_fraction=0.0,
        early_stopping=None,
        seed=cfg["seed"],
    )


class Session:
    """A run of the playground. ``cfg``: settings (see :data:`.config.DEFAULTS`)."""

    def __init__(self, cfg: dict | None = None):
        self.cfg = cfgmod.merge(dict(cfgmod.DEFAULTS), cfg or {})
        self.tiny_net = self.tiny_case = None
        self.reset()

    # ------------------------------------------------------------------ setup
    def configure(self, changes: dict) -> None:
        """Check and apply new settings, then start a fresh run. Raises NpmlpError.

        ``changes["changes"]``, if given, are the changes of a shared run (``STEP:NAME=VALUE,...``
        as ``npmlp train --changes`` reads them): the new run makes each at its step."""
        planned = ()
        if isinstance(changes, dict) and "changes" in changes:
            changes = dict(changes)
            planned = ChangesRule().parse(changes.pop("changes"))
            SETTINGS["changes"].check(planned)
        self.cfg = cfgmod.merge(self.cfg, changes)
        self.reset()
        self.changes.changes = list(planned)
        self.changes.apply_due(self.trainer)  # those of step 0
        self._mark_made()

    def reset(self) -> None:
        """A fresh run of the current settings: data, split, scaling, weights, batch order."""
        cfg = self.cfg
        self.spec = cfgmod.data_spec(cfg)
        ds = load_dataset(self.spec)
        train_idx, test_idx = split_dataset(ds, cfg["test_fraction"], cfg["seed"])
        net = new_net(cfg, len(ds.classes))
        net.classes = ds.classes
        y = net.encode_labels(ds.y)
        self.X, self.y, self.is_test = ds.X, y, np.zeros(len(y), bool)
        self.is_test[test_idx] = True
        self.X_train, self.y_train = ds.X[train_idx], y[train_idx]
        self.X_test, self.y_test = ds.X[test_idx], y[test_idx]
        net.preprocessing = Preprocessing.fit("standard", self.X_train)  # training rows only
        self.net = net
        self.start_cfg = dict(cfg)  # the settings at step 0; later ones are recorded changes
        self.changes = Changes()  # the loop applies every change (npmlp.callbacks.Changes)
        self.marks = []  # [epoch, text] of each change, for the page's curves
        self.waiting_batch = None  # a batch size asked inside an epoch, made at the next start
        self.trainer = make_loop(
            net, self.X_train, self.y_train, train_config(cfg), callbacks=[self.changes]
        )
        self.trainer.begin_epoch()  # its order drawn: the seed's view shows the next batch
        self.flat = packed(net.params)
        self.selected = None  # (layer index i, unit j) shown enlarged
        self.run = getattr(self, "run", 0) + 1  # frames of an earlier run are dropped by the page
        self._make_grid()

    def _make_grid(self) -> None:
        """The plane around the data, square, as RES x RES pixel centres (row 0 at the top)."""
        lo, hi = self.X.min(axis=0), self.X.max(axis=0)
        centre, half = (lo + hi) / 2, (hi - lo).max() * 0.6
        self.extent = [centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half]
        t = (np.arange(RES) + 0.5) / RES
        gx = self.extent[0] + t * 2 * half
        gy = self.extent[3] - t * 2 * half
        G = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
        self.grid = self.net.scale_input(G)

    # ------------------------------------------------------------------ training
    @property
    def B(self) -> int:  # rows per batch
        return self.trainer.B

    @property
    def n_batches(self) -> int:
        return self.trainer.n_batches

    @property
    def batch(self) -> int:  # batches done of the current epoch
        return self.trainer.batch

    @property
    def epochs(self) -> int:  # whole epochs done
        return self.trainer.epoch

    @property
    def steps(self) -> int:  # batches done (their size may have changed on the way)
        return self.changes.done

    def next_rows(self) -> np.ndarray:
        """Indices into the training split of the batch the next step will use."""
        t = self.trainer
        return t.order[t.batch * t.B : (t.batch + 1) * t.B]

    def step(self) -> float:
        """One batch of the training loop that :func:`npmlp.fit` runs; returns its loss.

        Raises :class:`~npmlp.core.errors.TrainingDiverged` (the loop's own test) when the loss or
        a weight turns non-finite.
        """
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run: the loop says so
            loss = self.trainer.step()
            if not self.trainer.in_epoch:
                self.trainer.begin_epoch()  # the next epoch's order, for the seed's view
                if self.waiting_batch is not None:
                    self._make("batch_size", self.waiting_batch)
        if len(self.marks) < self.changes.applied:
            self._mark_made()
        return loss

    def change(self, name, value) -> dict:
        """Change ``name`` (a key of :data:`LIVE`) while the run goes on: checked as a setting,
        made by the loop now (a batch size at the next epoch's start) and recorded, so that
        :meth:`command` replays it at the same step. Returns the ``changes`` message."""
        if name not in LIVE:
            raise NpmlpError(
                f"setting must be one of {', '.join(LIVE)} to change it while training, got "
                f"{cfgmod.shown(name)}; other settings start a new run"
            )
        self.cfg = cfgmod.merge(self.cfg, {name: value})
        del self.changes.changes[self.changes.applied :]  # a shared run's later ones: a new path
        if name == "batch_size" and self.batch:
            self.waiting_batch = self.cfg[name]
        else:
            self._make(name, self.cfg[name])
        return self.changes_message()

    def _make(self, name: str, value) -> None:
        if name == "batch_size":
            self.waiting_batch = None
        self.changes.make(self.trainer, LIVE[name], value)
        self._mark_made()

    def _mark_made(self) -> None:
        """A mark on the curves, here, for each change the loop has made since the last."""
        epoch = round(self.epochs + self.batch / self.n_batches, 4)
        for _, name, value in self.changes.changes[len(self.marks) : self.changes.applied]:
            self.marks.append([epoch, f"{name} {ChangesRule.said(value)}"])

    def changes_message(self) -> dict:
        """The changes made so far (the loop's names), their marks, the settings now."""
        return {
            "type": "changes",
            "run": self.run,
            "changes": [list(c) for c in self.changes.changes],
            "text": ChangesRule.text(self.changes.changes),
            "marks": self.marks,
            "waiting": self.waiting_batch,
            "config": self.cfg,
        }

    def advance(self, steps: int) -> None:
        for _ in range(steps):
            self.step()

    def finish_epoch(self) -> None:
        """Steps until the current epoch ends (a whole epoch when at an epoch's start)."""
        self.step()
        while self.batch:
            self.step()

    # ------------------------------------------------------------------ views
    def data_message(self) -> dict:
        """The points (raw coordinates), their classes, which are test rows, the plane."""
        return {
            "type": "data",
            "run": self.run,
            "spec": self.spec,
            "points": np.round(self.X, 4).ravel().tolist(),
            "labels": self.y.tolist(),
            "test": self.is_test.astype(int).tolist(),
            "extent": [round(v, 4) for v in self.extent],
            "classes": int(self.net.C),
            "widths": list(self.cfg["widths"]),
            "layers": self.net.L,
            "n_batches": self.n_batches,
            "config": self.cfg,
            "start": self.start_cfg,
            "changes": ChangesRule.text(self.changes.changes),
        }

    def metrics(self) -> dict:
        train = self.net.evaluate(self.X_train, self.y_train)
        test = self.net.evaluate(self.X_test, self.y_test)
        return {
            "train_loss": train["loss"],
            "train_acc": train["accuracy"],
            "test_loss": test["loss"],
            "test_acc": test["accuracy"],
        }

    def frame(self, playing: bool = False) -> bytes:
        """Everything the page redraws: regions, every unit's heat map, weights, the metrics."""
        net = self.net
        views = grid_views(net, self.grid, RES, UNIT_RES)
        P = views["P"]
        cls = P.argmax(axis=1).astype(np.uint8)
        conf = (P.max(axis=1) - 1.0 / net.C) / (1.0 - 1.0 / net.C)
        units, scales = unit_u8(np.concatenate(views["units"]))
        out_maps = prob_u8(P.T.reshape(net.C, RES, RES)[:, :: RES // UNIT_RES, :: RES // UNIT_RES])
        segments = [("cls", cls), ("conf", prob_u8(conf)), ("units", units), ("out", out_maps)]
        w_scale, b_scale = [], []
        for kind, scale in (("W", w_scale), ("b", b_scale)):
            qs = []
            for k, v in net.params.items():
                if k[0] == kind:
                    q, m = weights_i8(v)
                    qs.append(q.ravel())
                    scale.append(m)
            segments.append((kind, np.concatenate(qs)))
        big = None
        if self.selected is not None:
            i, j = self.selected
            big_map, big_scale = unit_u8(views["full"][(i - 1) // 2][j : j + 1])
            segments.append(("big", big_map[0]))
            big = {"layer": i, "unit": j, "scale": big_scale[0]}
        header = {
            "type": "frame",
            "run": self.run,
            "step": self.steps,
            "epoch": self.epochs + self.batch / self.n_batches,
            "playing": playing,
            "res": RES,
            "unit_res": UNIT_RES,
            "unit_scale": scales,
            "w_scale": w_scale,
            "b_scale": b_scale,
            "big": big,
            "marks": self.marks,
            **self.metrics(),
        }
        return encode(header, segments)

    def select(self, unit) -> None:
        """Enlarge hidden unit ``[i, j]`` (x^(i), i odd < L; 0 <= j < its width), or ``None``."""
        if unit is None:
            self.selected = None
            return
        widths = self.cfg["widths"]
        ok = isinstance(unit, list) and len(unit) == 2
        ok = ok and all(isinstance(v, int) and not isinstance(v, bool) for v in unit)
        if ok:
            i, j = unit
            ok = i % 2 == 1 and 1 <= i < self.net.L and 0 <= j < widths[(i - 1) // 2]
        if not ok:
            raise NpmlpError(
                f"unit must be [layer, index] of a hidden unit (layer 1, 3, ... {self.net.L - 2}), "
                f"got {cfgmod.shown(unit)}"
            )
        self.selected = (i, j)

    def seed_view(self) -> dict:
        """The seed's view of the batch the next step will use, with the current weights."""
        rows = self.next_rows()
        X = np.empty((len(rows), 2), self.net.dtype)  # scaled in the training dtype, as step()
        np.copyto(X, self.X_train[rows], casting="unsafe")
        self.net.scale_input(X, out=X)
        table = graph_rows(self.net, X, self.y_train[rows], self.cfg["l2"])
        return {"type": "seed_view", "step": self.steps, "N": len(rows), "rows": table}

    def tiny(self, fresh: bool) -> dict:
        """One step of the tiny network (N=4, D=2, H=3, C=2) on 2 points of class 0 and 2 of 1.

        The points are the first of each class in the data set (every set has at least 3 of
        each), scaled as the training rows are.
        """
        y = self.y
        rows = np.concatenate([np.flatnonzero(y == 0)[:2], np.flatnonzero(y == 1)[:2]])
        X = self.net.preprocessing.apply(self.X[rows])
        net = new_tiny(self.cfg["seed"]) if fresh or self.tiny_net is None else self.tiny_net
        self.tiny_case = (net.copy(), np.asarray(X, np.float64), y[rows])  # what it shows
        self.tiny_net, result = tiny_network(X, y[rows], self.cfg["lr"], self.cfg["seed"], net)
        names = exercise.gradient_names(net.L)
        return {"type": "tiny", "exercises": names, **result}

    def exercise(self, name, entry, answer) -> dict:
        """Check the learner's value of a gradient of the tiny network's pass on the page
        (:func:`.exercise.check`)."""
        if self.tiny_case is None:
            raise NpmlpError("open the tiny network first (the seed's view, 'tiny network')")
        return exercise.check(*self.tiny_case, name, entry, answer)

    # ------------------------------------------------------------------ take it away
    def command(self) -> dict:
        """The ``npmlp train`` line that repeats this run, and whether it repeats it exactly."""
        cmd = cfgmod.train_command(self.start_cfg, self.epochs)
        if self.changes.changes:
            cmd += " --changes " + ChangesRule.text(self.changes.changes)
        notes = []
        if self.batch:
            notes.append(
                f"this run is {self.batch} of {self.n_batches} batches into epoch "
                f"{self.epochs + 1}; the command stops after {max(self.epochs, 1)} whole epochs"
            )
        if self.epochs == 0 and not self.batch:
            notes.append("no training step yet; the command trains 1 epoch")
        if len(set(self.cfg["widths"])) > 1:
            notes.append("npmlp train takes one hidden width (-H N) today; this run's differ")
        return {"type": "command", "command": cmd, "exact": not notes, "notes": notes}

    def model_bytes(self) -> bytes:
        """The network as the ``.npz`` file ``npmlp predict`` and ``npmlp evaluate`` read."""
        c = self.start_cfg
        training = TrainConfig(
            epochs=max(self.epochs, 1),
            batch_size=c["batch_size"],
            lr=c["lr"],
            optimizer=c["optimizer"],
            weight_decay=c["l2"],
            seed=c["seed"],
            changes=tuple(self.changes.changes),
        )
        meta = {
            "data": self.spec,
            "label": None,
            "scaling": "standard",
            "split": {"test_fraction": c["test_fraction"], "seed": c["seed"]},
            "target_names": None,
            "image_shape": None,
            "metrics": self.metrics(),
            "training": training.to_dict(),
            "playground": {"steps": self.steps, "command": self.command()["command"]},
        }
        fd, path = tempfile.mkstemp(suffix=".npz")
        os.close(fd)
        try:
            save(self.net, path, **meta)
            with open(path, "rb") as f:
                return f.read()
        finally:
            os.unlink(path)
