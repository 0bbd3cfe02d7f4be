"""What :class:`~npmlp.sklearn.NpMLPClassifier` and :class:`~npmlp.sklearn.NpMLPRegressor`
share: the model built from the parameters, the training of one ``fit`` or ``partial_fit``
call, the curves, ``partial_fit``'s solver rule and the views ``coefs_`` / ``intercepts_``.

Each estimator says what is its own through three methods: :meth:`BaseNpMLP._outputs` (the
network's C, its loss of :data:`npmlp.nn.loss.HEADS` and scikit-learn's ``out_activation_``),
how its labels are encoded (``_encode``) and how it predicts.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning

from ..nn.model import MLP
from ..train.training import fit
from .callbacks import Curves, model_attributes
from .settings import architecture, score_entry, train_config, validation_split

__all__ = ["BaseNpMLP"]


class BaseNpMLP(BaseEstimator):
    """The training shared by npmlp's two scikit-learn estimators (not used alone)."""

    def _keep_parameters(self, values: dict) -> None:
        """``__init__``'s arguments kept as they are, under their names (scikit-learn's rule)."""
        vars(self).update({k: v for k, v in values.items() if k != "self"})

    def _outputs(self) -> tuple[int, str, str]:
        """``(C, loss, out_activation_)`` of the network to build."""
        raise NotImplementedError

    def _init_model(self, D, dtype, rng):
        L, H = architecture(self)
        C, loss, out_activation = self._outputs()
        seed = int(rng.randint(2**31 - 1))
        net = MLP(
            D,
            H,
            L,
            C,
            dtype=dtype,
            seed=seed,
            init=self.init,
            activation=self.activation,
            loss=loss,
        )
        self.model_ = net
        self._point_at_model()
        self._optimizer = None
        self._rng = rng  # partial_fit keeps drawing shuffling seeds from it
        self.n_iter_ = self.t_ = 0
        self.loss_curve_ = []
        self.n_layers_ = net.L // 2 + 2
        self.n_outputs_ = C
        self.out_activation_ = out_activation

    def _point_at_model(self):
        """``coefs_`` and ``intercepts_`` as views of the model's parameters."""
        vars(self).update(model_attributes(self.model_))

    def __setstate__(self, state):
        """After pickle, joblib or ``copy.deepcopy``: the model has re-packed its parameters
        (:meth:`MLP.__setstate__`); point ``coefs_`` and ``intercepts_`` at them again."""
        super().__setstate__(state)
        if hasattr(self, "model_"):
            self._point_at_model()

    # ------------------------------------------------------------------ training
    def _train(self, X, y, sw, *, epochs, partial, rng, relay=()):
        """One ``fit`` (``epochs`` passes) or ``partial_fit`` call on rows X (N, D) with the
        model's labels y (class indices (N,), or targets (N, C)) and weights sw (N,) or None."""
        split_seed, shuffle_seed = (int(s) for s in rng.randint(2**31 - 1, size=2))
        early = self.early_stopping and not partial and self.solver != "lbfgs"
        val = (None, None, None)
        if early:
            (X, y, sw), val = validation_split(self, X, y, sw, split_seed)
        w_mean = 1.0 if sw is None else float(sw.mean())
        config = train_config(
            self, X.shape[0], epochs, shuffle_seed, partial=partial, w_mean=w_mean
        )
        if not partial:  # each fit starts a new optimiser and count, as scikit-learn's does
            self._optimizer, self.n_iter_ = None, 0
        # X and y were checked by _validate and _encode: fit need not read X again
        history = fit(
            self.model_,
            X,
            y,
            config,
            X_val=val[0],
            y_val=val[1],
            sample_weight=sw,
            sample_weight_val=val[2],
            callbacks=[Curves(self, X.shape[0], early, score_entry(self)), *relay],
            optimizer=self._optimizer,
            check_input=False,
        )
        self._optimizer = history.optimizer
        self._no_improvement_count = history.no_improvement
        self._after_training(history, early, partial)

    def _after_training(self, history, early: bool, partial: bool) -> None:
        """The attributes of the fit's end, and scikit-learn's warning where it did not
        converge."""
        if self.solver == "lbfgs":
            self.n_iter_ = history.solver["nit"]
            self.loss_ = history.solver["loss"]
        if early:
            self.best_validation_score_ = float(max(self.validation_scores_))
            self.best_loss_ = None
        elif not partial and self.loss_curve_:
            self.best_loss_ = float(np.min(self.loss_curve_))
        if partial:
            return
        stopped = history.stopped_early  # by a callback: not a failure to converge
        if self.solver == "lbfgs" and history.solver["status"] != 0 and not stopped:
            warnings.warn(
                f"lbfgs failed to converge after {self.n_iter_} iteration(s) "
                f"({history.solver['message']}); raise max_iter or max_fun, or scale the data",
                ConvergenceWarning,
                stacklevel=5,
            )
        elif self.solver != "lbfgs" and self.n_iter_ == self.max_iter:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=5,
            )

    def _start_curves(self):
        early = self.early_stopping and self.solver != "lbfgs"
        if early and getattr(self, "validation_scores_", None) is None:
            self.validation_scores_, self.validation_loss_curve_ = [], []
        if not early:
            self.validation_scores_ = self.validation_loss_curve_ = None
            self.best_validation_score_ = None

    def _check_solver(self):
        if self.solver not in ("sgd", "adam"):
            raise AttributeError(
                f"partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
