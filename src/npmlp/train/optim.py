"""Gradient-descent update rules and learning-rate schedules.

Every optimiser updates the parameter arrays in place and keeps its state (velocities, moments)
in arrays allocated once, in the parameters' dtype.

- ``sgd``: ``W <- W - lr * g`` (full-batch gradient descent when the batch is the whole set).
- ``momentum`` / ``nesterov``: ``v <- mu v + g``; ``W <- W - lr v`` (heavy ball) or
  ``W <- W - lr (g + mu v)`` (Nesterov), as PyTorch writes them.
- ``adam``: ``m <- b1 m + (1-b1) g``; ``v <- b2 v + (1-b2) g^2``;
  ``W <- W - lr * m_hat / (sqrt(v_hat) + eps)`` with ``m_hat = m / (1-b1^t)``,
  ``v_hat = v / (1-b2^t)``.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.errors import NpmlpError
from ..core.packing import packed, packed_copy, packed_zeros
from ..core.settings import OPTIMIZERS, SCHEDULES

__all__ = [
    "SGD",
    "Adam",
    "Schedule",
    "make_optimizer",
    "OPTIMIZERS",
    "SCHEDULES",
    "learning_rate",
]

# the adaptive schedule divides the rate by this on a plateau (scikit-learn's)
ADAPTIVE_FACTOR = 5.0
ADAPTIVE_FLOOR = 1e-6  # ... until the rate is at or below this: then training stops


class Schedule:
    """The learning rate of every epoch, owned by an optimiser (``opt.schedule``).

    ``rate(epoch)`` is :func:`learning_rate` for the 0-based ``epoch`` times ``scale``, the
    adaptive schedule's factor; ``samples_seen`` rows were processed before the first epoch and
    ``rows`` in each one (``invscaling`` counts them). :meth:`plateau` is the adaptive answer to
    "stop?": divide by :data:`ADAPTIVE_FACTOR` and go on while the rate is above
    :data:`ADAPTIVE_FLOOR`.
    """

    def __init__(self, kind="constant", lr=1e-3, epochs=1, *, rows=0, samples_seen=0, **options):
        self.kind, self.lr, self.epochs, self.options = kind, lr, epochs, options
        self.rows, self.samples_seen = rows, samples_seen
        self.scale = 1.0

    @classmethod
    def from_config(cls, config, rows: int) -> Schedule:
        """The schedule of a :class:`~npmlp.train.train_config.TrainConfig` over ``rows`` rows."""
        options = {k: getattr(config, k) for k in ("step_size", "gamma", "min_lr", "power_t")}
        seen = config.samples_seen
        return cls(
            config.schedule, config.lr, config.epochs, rows=rows, samples_seen=seen, **options
        )

    def rate(self, epoch: int) -> float:
        """The rate of the 0-based ``epoch``."""
        seen = self.samples_seen + epoch * self.rows
        return self.scale * learning_rate(
            self.kind, self.lr, epoch, self.epochs, samples_seen=seen, **self.options
        )

    def plateau(self, current: float) -> bool:
        """``True``: training goes on at a smaller rate (adaptive, ``current`` above the floor);
        ``False``: training should stop."""
        if self.kind != "adaptive" or current <= ADAPTIVE_FLOOR:
            return False
        self.scale /= ADAPTIVE_FACTOR
        return True


class _Optimizer:
    """State arrays shaped like the parameters, and the arrays one update pass runs over.

    When the parameters and the gradients are both packed (views of one buffer each, as
    :class:`~npmlp.nn.model.MLP` and :class:`~npmlp.nn.model.Workspace` make them), the state is packed
    too and :meth:`_groups` yields the whole buffers once: each element-wise pass of the update
    is then one NumPy call for the whole network instead of one per array. Otherwise it yields
    the arrays one parameter at a time. The update rule is written once either way.
    """

    _STATES: tuple[str, ...] = ("scratch",)  # attributes holding state arrays (dicts)
    _find_buffer = False  # True after unpickling: find the parameters' buffer at the next step

    def __init__(self, params: dict):
        self.params = params
        self._flat_params = packed(params)
        self._last_grads, self._flat_grads = None, None
        self.schedule = Schedule()  # the loop gives it the run's (follow)
        self.learning_rate = self.schedule.rate(0)  # the step size in force

    # ------------------------------------------------------- the learning rate it owns
    def follow(self, schedule: Schedule) -> None:
        """Take the learning rates of ``schedule`` from its first epoch on."""
        self.schedule = schedule
        self.learning_rate = schedule.rate(0)

    def epoch_begins(self, epoch: int) -> float:
        """The loop's word that the 1-based ``epoch`` begins: its rate, now in force."""
        self.learning_rate = self.schedule.rate(epoch - 1)
        return self.learning_rate

    def trigger_stopping(self) -> bool:
        """Asked when patience has run out: ``True`` to stop; ``False`` when the adaptive
        schedule lowered the rate of the epochs to come instead (as scikit-learn's optimisers
        answer)."""
        return not self.schedule.plateau(self.learning_rate)

    def __getstate__(self) -> dict:
        """For pickle, joblib and ``copy.deepcopy``, which copy each view of a buffer alone."""
        return dict(self.__dict__, _flat_params=None, _find_buffer=True, _last_grads=None)

    def __setstate__(self, state: dict) -> None:
        """Make the state arrays views of one buffer again. The parameters' buffer is looked up
        at the next step: the model that shares ``params`` re-packs them after this runs."""
        for name in self._STATES:
            if state.get(name):
                state[name] = packed_copy(state[name])
        self.__dict__.update(state)

    def load_state(self, arrays: dict, scalars: dict) -> None:
        """Put back the arrays of :meth:`state` and the numbers of :meth:`scalars` (a
        checkpoint's). Keys, shapes and dtypes must match; a :class:`NpmlpError` says which
        does not."""
        mine = self.state()
        if set(arrays) != set(mine) or set(scalars) != set(self.scalars()):
            raise NpmlpError(
                f"optimiser state has {sorted(arrays)} {sorted(scalars)}, this optimiser "
                f"{sorted(mine)} {sorted(self.scalars())}"
            )
        for k, a in arrays.items():
            if a.shape != mine[k].shape or a.dtype != mine[k].dtype:
                raise NpmlpError(
                    f"optimiser state {k}: {a.dtype}{a.shape}, expected "
                    f"{mine[k].dtype}{mine[k].shape}"
                )
            np.copyto(mine[k], a)
        scalars = dict(scalars)
        self.schedule.scale = float(scalars.pop("schedule_scale"))
        self.__dict__.update(scalars)

    def scalars(self) -> dict:
        """The numbers (not arrays) the next step depends on."""
        return {"learning_rate": self.learning_rate, "schedule_scale": self.schedule.scale}

    def _state(self) -> dict:
        if self._flat_params is not None:
            return packed_zeros(self.params)
        return {k: np.zeros_like(v) for k, v in self.params.items()}

    def _groups(self, grads: dict, *states: dict):
        """Tuples ``(W, g, state...)``: one of whole buffers when packed, else one per array."""
        if self._find_buffer:  # unpickled: the model has re-packed its parameters by now
            self._flat_params, self._find_buffer = packed(self.params), False
        if grads is not self._last_grads:  # a workspace's grads: checked once, then cached
            flat = packed(grads) if self._flat_params is not None else None
            if flat is not None and flat.shape != self._flat_params.shape:
                flat = None
            self._last_grads, self._flat_grads = grads, flat
        if self._flat_grads is not None:
            bases = (next(iter(s.values())).base for s in states)  # the state made by _state()
            return [(self._flat_params, self._flat_grads, *bases)]
        return [(W, grads[k], *(s[k] for s in states)) for k, W in self.params.items()]


class SGD(_Optimizer):
    """Gradient descent with optional (Nesterov) momentum ``mu``."""

    _STATES = ("scratch", "velocity")

    def __init__(self, params: dict, momentum: float = 0.0, nesterov: bool = False):
        if not 0.0 <= momentum < 1.0:
            raise NpmlpError(f"momentum must be in [0, 1), got {momentum}")
        if nesterov and momentum == 0.0:
            raise NpmlpError("nesterov needs a momentum > 0 (e.g. momentum=0.9)")
        super().__init__(params)
        self.momentum, self.nesterov = momentum, nesterov
        self.velocity = self._state() if momentum else {}
        self.scratch = self._state()

    def step(self, grads: dict, lr: float | None = None) -> None:
        """One update with ``grads`` (the parameters' shapes) at ``lr`` (default: the rate in
        force, :attr:`learning_rate`)."""
        lr = self.learning_rate if lr is None else lr
        mu = self.momentum
        states = (self.scratch, self.velocity) if mu else (self.scratch,)
        for W, g, tmp, *v in self._groups(grads, *states):
            if mu:
                v = v[0]
                v *= mu
                v += g  # v <- mu v + g
                if self.nesterov:
                    np.multiply(v, mu, out=tmp)
                    tmp += g  # g + mu v
                    g = tmp
                else:
                    g = v
            np.multiply(g, lr, out=tmp)
            W -= tmp  # W <- W - lr * update

    def state(self) -> dict:
        return {f"velocity/{k}": v for k, v in self.velocity.items()}


class Adam(_Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction."""

    _STATES = ("scratch", "m", "v")

    def __init__(self, params: dict, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        super().__init__(params)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m, self.v, self.scratch = self._state(), self._state(), self._state()
        self.t = 0

    def step(self, grads: dict, lr: float | None = None) -> None:
        """One update with ``grads`` at ``lr`` (default: :attr:`learning_rate`)."""
        lr = self.learning_rate if lr is None else lr
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        c1, c2 = 1.0 - b1**self.t, 1.0 - b2**self.t
        for W, g, m, v, tmp in self._groups(grads, self.m, self.v, self.scratch):
            m *= b1
            np.multiply(g, 1.0 - b1, out=tmp)
            m += tmp  # m <- b1 m + (1 - b1) g
            v *= b2
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - b2
            v += tmp  # v <- b2 v + (1 - b2) g^2
            np.sqrt(v, out=tmp)
            tmp *= 1.0 / math.sqrt(c2)
            tmp += self.eps  # sqrt(v_hat) + eps
            np.divide(m, tmp, out=tmp)
            tmp *= lr / c1  # lr * m_hat / (sqrt(v_hat) + eps)
            W -= tmp

    def state(self) -> dict:
        out = {f"m/{k}": v for k, v in self.m.items()}
        out.update({f"v/{k}": v for k, v in self.v.items()})
        return out

    def scalars(self) -> dict:
        return {**super().scalars(), "t": self.t}


def make_optimizer(
    name: str,
    params: dict,
    *,
    momentum: float = 0.9,
    nesterov: bool = False,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
):
    """Build an optimiser by name: one of :data:`OPTIMIZERS`."""
    if name == "sgd":
        return SGD(params, momentum=0.0)
    if name == "momentum":
        return SGD(params, momentum=momentum, nesterov=nesterov)
    if name == "nesterov":
        return SGD(params, momentum=momentum, nesterov=True)
    if name == "adam":
        return Adam(params, beta1, beta2, eps)
    names = ", ".join(o for o in OPTIMIZERS if o != "auto")  # auto: resolved by the caller
    raise NpmlpError(f"unknown optimizer {name!r}; choose one of {names}")


def learning_rate(
    schedule: str,
    lr: float,
    epoch: int,
    epochs: int,
    *,
    step_size: int = 30,
    gamma: float = 0.1,
    min_lr: float = 0.0,
    power_t: float = 0.5,
    samples_seen: int = 0,
) -> float:
    """Learning rate for ``epoch`` (0-based) out of ``epochs``.

    constant: ``lr``; step: ``lr * gamma ** (epoch // step_size)``;
    cosine: ``min_lr + (lr - min_lr) * (1 + cos(pi * epoch / epochs)) / 2``;
    invscaling (scikit-learn's): ``lr / (samples_seen + 1) ** power_t``, ``samples_seen`` the
    rows processed before this epoch; adaptive (scikit-learn's): ``lr`` here, divided by 5 by
    :meth:`Schedule.plateau` each time the monitored quantity stops improving.
    """
    if schedule in ("constant", "adaptive"):
        return lr
    if schedule == "invscaling":
        return lr / (samples_seen + 1) ** power_t
    if schedule == "step":
        return lr * gamma ** (epoch // max(step_size, 1))
    if schedule == "cosine":
        return min_lr + (lr - min_lr) * 0.5 * (1.0 + math.cos(math.pi * epoch / max(epochs, 1)))
    raise NpmlpError(f"unknown schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")
