"""The estimator's listeners of npmlp's training loop (:mod:`npmlp.callbacks`), and
scikit-learn's callback API (``sklearn.callback``) where that exists.

:class:`Curves` keeps the per-epoch attributes scikit-learn's MLP keeps (``n_iter_``,
``loss_curve_``, ``validation_scores_``, ...) and prints its ``verbose`` lines.

With ``sklearn.callback`` (scikit-learn 1.9 and later) the estimator inherits
``CallbackSupportMixin`` (``set_callbacks(ProgressBar(), ScoringMonitor(...))``, also propagated
from a ``Pipeline`` or ``GridSearchCV``), and each ``fit`` / ``partial_fit`` is one scikit-learn
*fit task* (:func:`fit_task`) whose subtasks are its epochs (L-BFGS: its iterations). The loop
stays npmlp's one loop: :class:`EpochTasks` is an npmlp callback that opens each epoch's subtask
and calls scikit-learn's hooks at its end, with the estimator as it stands then
(``fitted_estimator``, what ``ScoringMonitor`` scores); a hook that asks to stop stops the loop
(``loop.stop()``). Without ``sklearn.callback`` none of this acts: ``CALLBACK_SUPPORT`` is
empty, ``with_callbacks`` leaves a method as it is and :func:`fit_task` gives no callback.
"""

from __future__ import annotations

from contextlib import contextmanager

from ..callbacks import Callback

try:
    from sklearn.callback import CallbackSupportMixin, with_callbacks
except ImportError:  # scikit-learn before 1.9: no callback API, the estimator as before
    CALLBACK_SUPPORT: tuple = ()

    def with_callbacks(method):
        """No callback API: ``method`` as it is."""
        return method

else:
    CALLBACK_SUPPORT = (CallbackSupportMixin,)

__all__ = [
    "CALLBACK_SUPPORT",
    "Curves",
    "EpochTasks",
    "fit_task",
    "model_attributes",
    "with_callbacks",
]


class Curves(Callback):
    """After each epoch: ``n_iter_``, ``t_`` (rows seen: ``n_rows`` more), ``loss_`` and
    ``loss_curve_`` (the objective, with the L2 term, as scikit-learn's), and with ``early``
    ``validation_scores_`` and ``validation_loss_curve_``; one line each with ``verbose``."""

    def __init__(self, estimator, n_rows: int, early: bool, score: str = "val_accuracy"):
        """``score``: the record entry of the validation score (``val_r2`` for a regressor)."""
        self.estimator, self.n_rows, self.early, self.score = estimator, n_rows, early, score

    def on_epoch_end(self, loop, logs: dict) -> None:
        est = self.estimator
        est.n_iter_ += 1
        est.t_ += self.n_rows
        est.loss_ = logs["train_objective"]
        est.loss_curve_.append(est.loss_)
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")
        if self.early:
            score = logs[self.score]
            est.validation_scores_.append(score)
            est.validation_loss_curve_.append(logs["val_loss"])
            if est.verbose:
                print(f"Validation score: {score:f}")


# ------------------------------------------------------------------ scikit-learn's callbacks
def model_attributes(net) -> dict:
    """``model_`` and its views ``coefs_`` (``W^(2k+1)``) and ``intercepts_`` (``b^(2k+1)``)."""
    layers = net.arch.fc_layers
    return {
        "model_": net,
        "coefs_": [net.params[f"W{i}"] for i, _, _ in layers],
        "intercepts_": [net.params[f"b{i}"][0] for i, _, _ in layers],
    }


@contextmanager
def fit_task(estimator, X, y, sample_weight, epochs: int):
    """One fit of ``estimator`` on X (N, D), y (N,) as scikit-learn's fit task of at most
    ``epochs`` subtasks: begun here, ended when the block ends without an error (the
    ``with_callbacks`` around the method tears the callbacks down in any case).

    Yields the npmlp callbacks for the loop: ``[EpochTasks(...)]`` when the estimator has
    scikit-learn callbacks (its own or propagated to it), else ``[]``.
    """
    if not hasattr(estimator, "_init_callback_context"):  # no sklearn.callback
        yield []
        return
    context = estimator._init_callback_context(max_subtasks=epochs)
    metadata = None if sample_weight is None else {"sample_weight": sample_weight}
    data = {"estimator": estimator, "X": X, "y": y, "metadata": metadata}
    context.call_on_fit_task_begin(**data)
    yield [EpochTasks(context, data)] if getattr(estimator, "_skl_callbacks", None) else []
    context.call_on_fit_task_end(**data, reconstruction_attributes={})


class EpochTasks(Callback):
    """The loop's epochs as the subtasks ``"epoch"`` of a scikit-learn fit task ``context``.

    Each subtask begins with its epoch (L-BFGS announces no epoch's start: at its end) and ends
    with it; its ``fitted_estimator`` is a copy of the estimator with a copy of the weights of
    that moment. When a callback's ``on_fit_task_end`` returns True the loop stops after this
    epoch. ``data``: the estimator, X, y and metadata that every hook is given.
    """

    order = 10  # after Curves (0): n_iter_ and loss_curve_ count this epoch

    def __init__(self, context, data: dict):
        self.context, self.data, self.task = context, data, None

    def on_epoch_begin(self, loop, logs: dict) -> None:
        self.task = self.context.subcontext(task_name="epoch")
        self.task.call_on_fit_task_begin(**self.data)

    def on_epoch_end(self, loop, logs: dict) -> None:
        if self.task is None:
            self.on_epoch_begin(loop, logs)
        task, self.task = self.task, None
        if task.call_on_fit_task_end(**self.data, reconstruction_attributes=self.fitted(loop)):
            loop.stop()

    def fitted(self, loop):
        """The attributes of the estimator as if its fit ended here (a function: scikit-learn
        calls it only for a callback that takes ``fitted_estimator``)."""
        curve = list(self.data["estimator"].loss_curve_)
        return lambda: {**model_attributes(loop.net.copy()), "loss_curve_": curve}

    def on_train_end(self, loop, logs: dict) -> None:
        """An epoch left unfinished (the loop stopped inside it) ends as an empty task."""
        if self.task is not None:
            self.task.call_on_fit_task_end(estimator=self.data["estimator"])
            self.task = None
