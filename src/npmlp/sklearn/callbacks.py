"""The estimator's listeners of npmlp's training loop (:mod:`npmlp.callbacks`).

:class:`Curves` keeps the per-epoch attributes scikit-learn's MLP keeps (``n_iter_``,
``loss_curve_``, ``validation_scores_``, ...) and prints its ``verbose`` lines.
"""

from __future__ import annotations

from ..callbacks import Callback

__all__ = ["Curves"]


class Curves(Callback):
    """After each epoch: ``n_iter_``, ``t_`` (rows seen: ``n_rows`` more), ``loss_`` and
    ``loss_curve_`` (the objective, with the L2 term, as scikit-learn's), and with ``early``
    ``validation_scores_`` and ``validation_loss_curve_``; one line each with ``verbose``."""

    def __init__(self, estimator, n_rows: int, early: bool):
        self.estimator, self.n_rows, self.early = estimator, n_rows, early

    def on_epoch_end(self, loop, logs: dict) -> None:
        est = self.estimator
        est.n_iter_ += 1
        est.t_ += self.n_rows
        est.loss_ = logs["train_objective"]
        est.loss_curve_.append(est.loss_)
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")
        if self.early:
            est.validation_scores_.append(logs["val_accuracy"])
            est.validation_loss_curve_.append(logs["val_loss"])
            if est.verbose:
                print(f"Validation score: {logs['val_accuracy']:f}")
