"""``NpMLPClassifier``: the seed's MLP with scikit-learn's ``MLPClassifier`` signature.

Every ``MLPClassifier`` parameter is taken under its name, with scikit-learn's meaning and
default; the network is trained by npmlp's own pass (:mod:`npmlp.nn.model`) and policy
(:func:`npmlp.train.training.fit`, :mod:`npmlp.train.lbfgs`). The seed's vocabulary stays available as extras
that scikit-learn lacks.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    unique_labels,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from ..core.rows import subset_rows
from ..export import export_onnx
from .callbacks import CALLBACK_SUPPORT, fit_task, with_callbacks
from .convert import to_sklearn
from .estimator import BaseNpMLP
from .settings import (
    PARAMETER_CONSTRAINTS,
    row_weights,
)

__all__ = ["NpMLPClassifier"]

_FLOATS = (np.float64, np.float32)
_SPARSE = ("csr", "csc")


class NpMLPClassifier(*CALLBACK_SUPPORT, ClassifierMixin, BaseNpMLP):
    """Multilayer perceptron classifier: the seed's network, a drop-in for ``MLPClassifier``.

    ``s = FC(f(... FC(f(FC(x; W1, b1)); W3, b3) ...); WL, bL)`` with ``f`` the hidden
    activation, trained on the (weighted) mean softmax cross-entropy plus
    ``alpha/2 * sum ||W||^2`` per batch, as scikit-learn scales it.

    Parameters
    ----------
    hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate,
    learning_rate_init, power_t, max_iter, shuffle, random_state, tol, verbose, warm_start,
    momentum, nesterovs_momentum, early_stopping, validation_fraction, beta_1, beta_2, epsilon,
    n_iter_no_change, max_fun
        scikit-learn's ``MLPClassifier`` parameters, same names, meanings and defaults:
        ``solver`` is ``"lbfgs"`` (full batch, :mod:`npmlp.train.lbfgs`), ``"sgd"`` (``momentum``,
        ``nesterovs_momentum``, the ``learning_rate`` schedule ``"constant"``,
        ``"invscaling"`` or ``"adaptive"``) or ``"adam"`` (``beta_1``, ``beta_2``,
        ``epsilon``); ``early_stopping`` holds out ``validation_fraction`` (stratified) and
        stops when the validation score has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, keeping the best weights. ``activation`` is one of
        ``"identity"``, ``"logistic"``, ``"tanh"``, ``"relu"``.
    n_layers, hidden_size : int or None, default=None
        The seed's ``L`` (odd, >= 3) and ``H`` (every hidden width); when given they replace
        ``hidden_layer_sizes`` (``hidden_size`` alone keeps its number of layers... as 3).
    init : {"glorot", "he"}, default="glorot"
        ``"glorot"``: ``U(+-sqrt(6 / (d_in + d_out)))`` for the weights (scikit-learn's scale,
        which it narrows to 2 instead of 6 for logistic), biases 0; ``"he"``: ``N(0, 2 / d_in)``.
    dropout : float in [0, 1), default=0.0
        Share of the hidden units zeroed at each training step (inverted dropout; none at
        prediction).
    validation_monitor : {"score", "loss"}, default="score"
        What ``early_stopping`` watches: scikit-learn's validation accuracy, or the validation
        loss (weighted like the training loss).
    class_weight : dict, "balanced" or None, default=None
        Multiplied into ``sample_weight`` (``"balanced"``: ``N / (C * count)``).
    dtype : {"auto", "float32", "float64"}, default="auto"
        Training precision; ``"auto"`` keeps float32 input in float32, else float64.
    learning_rate
        also takes npmlp's ``"cosine"`` (to 0 at ``max_iter``) for the ``sgd`` solver.

    Attributes
    ----------
    classes_ : (C,) labels. ``loss_``, ``best_loss_`` (None with early stopping),
    ``loss_curve_``, ``validation_scores_``, ``best_validation_score_``, ``t_`` (rows seen),
    ``n_iter_``, ``n_features_in_``, ``feature_names_in_``, ``n_layers_`` as in scikit-learn.
    coefs_, intercepts_ : ``W^(2k+1)`` (d_in, d_out) and ``b^(2k+1)`` (d_out,), views of
        ``model_.params``. Binary problems keep the seed's two softmax outputs, so
        ``coefs_[-1]`` is (H, 2) where scikit-learn's is (H, 1) with a logistic unit, and
        ``n_outputs_`` is 2, ``out_activation_`` ``"softmax"``; :meth:`to_sklearn` gives the
        equivalent ``MLPClassifier`` (its output column is the difference of the two).
    model_ : the trained :class:`~npmlp.nn.model.MLP` (``npmlp.save(model_, path)``, no pickle).
    validation_loss_curve_ : validation loss per epoch with early stopping, else None.

    Where scikit-learn has ``sklearn.callback`` (1.9 and later), ``set_callbacks(ProgressBar(),
    ScoringMonitor(...))`` as on its own estimators, each epoch one subtask of the fit task
    (:mod:`npmlp.sklearn.callbacks`).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), NpMLPClassifier(random_state=0)).fit(X, y)
    """

    _parameter_constraints: dict = PARAMETER_CONSTRAINTS

    def __init__(
        self,
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
        class_weight=None,
        dtype="auto",
    ):
        self._keep_parameters(locals())

    # ------------------------------------------------------------------ set-up
    def _validate(self, X, y, *, reset):
        """X (N, D) as float32/float64 (per ``dtype``; sparse kept sparse), y (N,) checked."""
        dtype = _FLOATS if reset else self.model_.dtype.type
        X, y = validate_data(self, X, y, reset=reset, dtype=dtype, accept_sparse=_SPARSE)
        if reset and self.dtype != "auto" and X.dtype != np.dtype(self.dtype):
            X = X.astype(self.dtype)
        check_classification_targets(y)
        return X, y

    def _outputs(self):
        """The seed's softmax over C >= 2 outputs (one class: a second, never-seen output)."""
        return max(len(self.classes_), 2), "cross_entropy", "softmax"

    def _init_model(self, D, dtype, rng):
        super()._init_model(D, dtype, rng)
        self.model_.classes = np.resize(self.classes_, self.model_.C)

    def _encode(self, X, y, sample_weight, *, partial):
        """Class indices (N,) of y and row weights; rows of weight 0 are dropped from X, y."""
        y_idx = np.searchsorted(self.classes_, y).clip(0, len(self.classes_) - 1)
        unknown = self.classes_[y_idx] != y
        if np.any(unknown):
            raise ValueError(
                f"y has labels {np.unique(y[unknown])[:5].tolist()} that are not "
                f"in classes_ {self.classes_.tolist()}"
            )
        sw = row_weights(self, y_idx, sample_weight, X, partial=partial)
        if sw is not None and not np.all(sw > 0):
            keep = np.flatnonzero(sw > 0)
            X, y_idx, sw = subset_rows(X, keep), y_idx[keep], sw[keep]
        return X, y_idx, sw

    # ------------------------------------------------------------------ training
    @_fit_context(prefer_skip_nested_validation=True)
    @with_callbacks
    def fit(self, X, y, sample_weight=None):
        """Train on X (N, D) (dense or sparse) with labels y (N,) for up to ``max_iter`` epochs.

        Returns ``self``.
        """
        warm = self.warm_start and hasattr(self, "model_")
        X, y = self._validate(X, y, reset=not warm)
        classes = unique_labels(y)
        if warm and set(classes) != set(self.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in the "
                f"previous call to fit. Previously got {self.classes_}, `y` has {classes}"
            )
        rng = check_random_state(self.random_state)
        if not warm:
            self.classes_ = classes
            self._init_model(X.shape[1], X.dtype.type, rng)
        self._start_curves()
        with fit_task(self, X, y, sample_weight, self.max_iter) as relay:
            X, y_idx, sw = self._encode(X, y, sample_weight, partial=False)
            self._train(X, y_idx, sw, epochs=self.max_iter, partial=False, rng=rng, relay=relay)
        return self

    @available_if(BaseNpMLP._check_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    @with_callbacks
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over X (N, D), y (N,), continuing the weights and the optimiser state.

        ``classes`` (C,) is required on the first call: every label that will ever appear.
        Returns ``self``.
        """
        if self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first = _check_partial_fit_first_call(self, classes) or not hasattr(self, "model_")
        X, y = self._validate(X, y, reset=first)
        if not first and len(np.setdiff1d(unique_labels(y), self.classes_)):
            raise ValueError(
                f"`y` has classes not in `self.classes_`. `self.classes_` has {self.classes_}. "
                f"'y' has {unique_labels(y)}."
            )
        if first:
            self._init_model(X.shape[1], X.dtype.type, check_random_state(self.random_state))
            self._start_curves()
        Xt, y_idx, sw = self._encode(X, y, sample_weight, partial=True)
        if Xt.shape[0]:  # a new shuffling order for every call
            with fit_task(self, X, y, sample_weight, 1) as relay:
                self._train(Xt, y_idx, sw, epochs=1, partial=True, rng=self._rng, relay=relay)
        return self

    # ------------------------------------------------------------------ prediction
    def _scores(self, X):
        """Scores S (N, C) of rows X (N, D) (dense or sparse), in the model's dtype by chunks."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=self.model_.dtype.type, accept_sparse=_SPARSE)
        S = np.empty((X.shape[0], self.model_.C), self.model_.dtype)
        self.model_.map_scores(X, lambda start, s: np.copyto(S[start : start + len(s)], s))
        return S

    def decision_function(self, X):
        """Scores ``s`` of the rows X (N, D): (N, C), or (N,) ``s_1 - s_0`` for 2 classes."""
        S = self._scores(X)
        return S[:, 1] - S[:, 0] if S.shape[1] == 2 else S

    def predict(self, X):
        """Labels (N,): ``classes_[argmax_k s_k]`` for each row of X (N, D)."""
        check_is_fitted(self)
        return self.model_.classes[self._scores(X).argmax(axis=1)]

    def predict_proba(self, X):
        """Class probabilities P = softmax(s): (N, C), rows sum to 1, columns in classes_."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=self.model_.dtype.type, accept_sparse=_SPARSE)
        P = self.model_.predict_proba(X)
        return P if len(self.classes_) > 1 else P.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X):
        """``ln P`` (N, C) from log-softmax: finite where ``np.log(predict_proba(X))`` is -inf."""
        check_is_fitted(self)
        if len(self.classes_) == 1:
            return np.log(self.predict_proba(X))
        X = validate_data(self, X, reset=False, dtype=self.model_.dtype.type, accept_sparse=_SPARSE)
        return self.model_.predict_log_proba(X)

    # ------------------------------------------------------------------ other forms
    def to_onnx(self, path):
        """Write the fitted model to ``path`` as ONNX; see :func:`npmlp.export_onnx`."""
        check_is_fitted(self)
        return export_onnx(self.model_, path)

    def to_sklearn(self):
        """A fitted scikit-learn ``MLPClassifier`` with the same ``predict_proba``.

        For two classes its single logistic output is the difference of npmlp's two softmax
        columns (``sigmoid(s_1 - s_0) = softmax(s)_1``).
        """
        check_is_fitted(self)
        return to_sklearn(self)
