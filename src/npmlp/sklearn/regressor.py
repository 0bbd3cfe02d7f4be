"""``NpMLPRegressor``: the seed's MLP predicting numbers, with scikit-learn's ``MLPRegressor``
signature.

The network and its training are the classifier's (:class:`~npmlp.sklearn.estimator.BaseNpMLP`);
only the output differs: the identity output and the half squared error
(``loss="squared_error"``), or the log link and the half Poisson deviance (``"poisson"``),
the heads of :data:`npmlp.nn.loss.HEADS` (docs/derivations.md, section 5).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ..core.rows import subset_rows
from .callbacks import CALLBACK_SUPPORT, fit_task, with_callbacks
from .estimator import BaseNpMLP
from .settings import REGRESSOR_CONSTRAINTS, row_weights

__all__ = ["NpMLPRegressor"]

_FLOATS = (np.float64, np.float32)
_SPARSE = ("csr", "csc")


class NpMLPRegressor(*CALLBACK_SUPPORT, RegressorMixin, BaseNpMLP):
    """Multilayer perceptron regressor: the seed's network, a drop-in for ``MLPRegressor``.

    ``s = FC(f(... FC(f(FC(x; W1, b1)); W3, b3) ...); WL, bL)``, the prediction ``s``
    (``loss="squared_error"``) or ``exp(s)`` (``"poisson"``), trained on the (weighted) mean
    loss plus ``alpha/2 * sum ||W||^2`` per batch, as scikit-learn scales it.

    Parameters
    ----------
    loss : {"squared_error", "poisson"}, default="squared_error"
        ``1/2 ||s - y||^2`` per row with the identity output, or the half Poisson deviance
        ``exp(s) - y s + (y ln y - y)`` with the log link (targets >= 0). For one output the
        loss is scikit-learn's; for C outputs scikit-learn's reported squared error is C times
        smaller (it divides the loss, not its gradient, by C).
    hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate,
    learning_rate_init, power_t, max_iter, shuffle, random_state, tol, verbose, warm_start,
    momentum, nesterovs_momentum, early_stopping, validation_fraction, beta_1, beta_2, epsilon,
    n_iter_no_change, max_fun
        scikit-learn's ``MLPRegressor`` parameters, same names, meanings and defaults (see
        :class:`~npmlp.sklearn.NpMLPClassifier`); ``early_stopping`` holds out
        ``validation_fraction`` at random and watches the validation R^2.
    n_layers, hidden_size, init, dropout, validation_monitor, dtype
        npmlp's extras, as for :class:`~npmlp.sklearn.NpMLPClassifier` (``validation_monitor``:
        ``"score"`` the R^2, or ``"loss"``).

    Attributes
    ----------
    loss_, best_loss_, loss_curve_, validation_scores_ (R^2), best_validation_score_, t_,
    n_iter_, n_features_in_, feature_names_in_, n_layers_, n_outputs_, out_activation_
    (``"identity"`` or ``"exp"``) as in scikit-learn.
    coefs_, intercepts_ : ``W^(2k+1)`` (d_in, d_out) and ``b^(2k+1)`` (d_out,), views of
        ``model_.params``; the last is (H, C) and (C,), C the number of outputs.
    model_ : the trained :class:`~npmlp.nn.model.MLP` (``model_.loss`` names its head).
    validation_loss_curve_ : validation loss per epoch with early stopping, else None.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = make_pipeline(StandardScaler(), NpMLPRegressor(random_state=0, max_iter=50))
    >>> reg = reg.fit(X, y)  # doctest: +SKIP
    """

    _parameter_constraints: dict = REGRESSOR_CONSTRAINTS

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        n_layers=None,
        hidden_size=None,
        init="glorot",
        dropout=0.0,
        validation_monitor="score",
        dtype="auto",
    ):
        self._keep_parameters(locals())

    # ------------------------------------------------------------------ set-up
    def _validate(self, X, y, *, reset):
        """X (N, D) as float32/float64 (per ``dtype``; sparse kept sparse), y (N,) or (N, C)
        numbers (a column (N, 1) becomes (N,), with scikit-learn's warning)."""
        dtype = _FLOATS if reset else self.model_.dtype.type
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            dtype=dtype,
            accept_sparse=_SPARSE,
            multi_output=True,
            y_numeric=True,
        )
        if reset and self.dtype != "auto" and X.dtype != np.dtype(self.dtype):
            X = X.astype(self.dtype)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(
                "Some value(s) of y are negative which is not allowed for Poisson regression."
            )
        return X, y

    def _outputs(self):
        """C outputs, the head of ``loss`` and scikit-learn's name of its output map."""
        return self._n_targets, self.loss, "exp" if self.loss == "poisson" else "identity"

    def _encode(self, X, y, sample_weight, *, partial):
        """Targets Y (N, C) in the model's dtype and row weights; rows of weight 0 dropped."""
        if (1 if y.ndim == 1 else y.shape[1]) != self.n_outputs_:
            raise ValueError(
                f"y has {1 if y.ndim == 1 else y.shape[1]} outputs; this model has "
                f"{self.n_outputs_} (fit it again without warm_start)"
            )
        Y = self.model_.check_labels(y, X.shape[0])
        sw = row_weights(self, None, sample_weight, X, partial=partial)
        if sw is not None and not np.all(sw > 0):
            keep = np.flatnonzero(sw > 0)
            X, Y, sw = subset_rows(X, keep), Y[keep], sw[keep]
        return X, Y, sw

    # ------------------------------------------------------------------ training
    @_fit_context(prefer_skip_nested_validation=True)
    @with_callbacks
    def fit(self, X, y, sample_weight=None):
        """Train on X (N, D) (dense or sparse) with targets y (N,) or (N, C) for up to
        ``max_iter`` epochs. Returns ``self``."""
        warm = self.warm_start and hasattr(self, "model_")
        X, y = self._validate(X, y, reset=not warm)
        rng = check_random_state(self.random_state)
        if not warm:
            self._n_targets = 1 if y.ndim == 1 else y.shape[1]
            self._init_model(X.shape[1], X.dtype.type, rng)
        self._start_curves()
        with fit_task(self, X, y, sample_weight, self.max_iter) as relay:
            Xt, Y, sw = self._encode(X, y, sample_weight, partial=False)
            self._train(Xt, Y, sw, epochs=self.max_iter, partial=False, rng=rng, relay=relay)
        return self

    @available_if(BaseNpMLP._check_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    @with_callbacks
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over X (N, D), y (N,) or (N, C), continuing the weights and the
        optimiser state. Returns ``self``."""
        if self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first = not hasattr(self, "model_")
        X, y = self._validate(X, y, reset=first)
        if first:
            self._n_targets = 1 if y.ndim == 1 else y.shape[1]
            self._init_model(X.shape[1], X.dtype.type, check_random_state(self.random_state))
            self._start_curves()
        Xt, Y, sw = self._encode(X, y, sample_weight, partial=True)
        if Xt.shape[0]:  # a new shuffling order for every call
            with fit_task(self, X, y, sample_weight, 1) as relay:
                self._train(Xt, Y, sw, epochs=1, partial=True, rng=self._rng, relay=relay)
        return self

    # ------------------------------------------------------------------ prediction
    def predict(self, X):
        """Predictions of the rows X (N, D): (N,) for one output, else (N, C); ``s``, or
        ``exp(s)`` for ``loss="poisson"``."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=self.model_.dtype.type, accept_sparse=_SPARSE)
        P = self.model_.predict(X)
        return P[:, 0] if P.shape[1] == 1 else P

    def __sklearn_tags__(self):
        """Poisson targets are >= 0, said as scikit-learn's ``PoissonRegressor`` says it (its
        ``MLPRegressor(loss="poisson")`` does not, and fails the checks that give y < 0)."""
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags
