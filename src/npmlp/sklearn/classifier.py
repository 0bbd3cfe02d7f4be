"""``NpMLPClassifier``: the seed's MLP with scikit-learn's ``MLPClassifier`` signature.

Every ``MLPClassifier`` parameter is taken under its name, with scikit-learn's meaning and
default; the network is trained by npmlp's own pass (:mod:`npmlp.nn.model`) and policy
(:func:`npmlp.train.training.fit`, :mod:`npmlp.train.lbfgs`). The seed's vocabulary stays available as extras
that scikit-learn lacks.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
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
from ..nn.model import MLP
from ..train.training import fit
from .callbacks import CALLBACK_SUPPORT, Curves, fit_task, model_attributes, with_callbacks
from .convert import to_sklearn
from .settings import (
    PARAMETER_CONSTRAINTS,
    architecture,
    row_weights,
    train_config,
    validation_split,
)

__all__ = ["NpMLPClassifier"]

_FLOATS = (np.float64, np.float32)
_SPARSE = ("csr", "csc")


class NpMLPClassifier(*CALLBACK_SUPPORT, ClassifierMixin, BaseEstimator):
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
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.n_layers = n_layers
        self.hidden_size = hidden_size
        self.init = init
        self.dropout = dropout
        self.validation_monitor = validation_monitor
        self.class_weight = class_weight
        self.dtype = dtype

    # ------------------------------------------------------------------ set-up
    def _validate(self, X, y, *, reset):
        """X (N, D) as float32/float64 (per ``dtype``; sparse kept sparse), y (N,) checked."""
        dtype = _FLOATS if reset else self.model_.dtype.type
        X, y = validate_data(self, X, y, reset=reset, dtype=dtype, accept_sparse=_SPARSE)
        if reset and self.dtype != "auto" and X.dtype != np.dtype(self.dtype):
            X = X.astype(self.dtype)
        check_classification_targets(y)
        return X, y

    def _init_model(self, D, dtype, rng):
        L, H = architecture(self)
        C = max(len(self.classes_), 2)  # one class: a second, never-seen output
        net = MLP(
            D,
            H,
            L,
            C,
            dtype=dtype,
            seed=int(rng.randint(2**31 - 1)),
            init=self.init,
            activation=self.activation,
        )
        net.classes = np.resize(self.classes_, C)
        self.model_ = net
        self._point_at_model()
        self._optimizer = None
        self._rng = rng  # partial_fit keeps drawing shuffling seeds from it
        self.n_iter_ = self.t_ = 0
        self.loss_curve_ = []
        self.n_layers_ = net.L // 2 + 2
        self.n_outputs_ = C
        self.out_activation_ = "softmax"

    def _point_at_model(self):
        """``coefs_`` and ``intercepts_`` as views of the model's parameters."""
        vars(self).update(model_attributes(self.model_))

    def __setstate__(self, state):
        """After pickle, joblib or ``copy.deepcopy``: the model has re-packed its parameters
        (:meth:`MLP.__setstate__`); point ``coefs_`` and ``intercepts_`` at them again."""
        super().__setstate__(state)
        if hasattr(self, "model_"):
            self._point_at_model()

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
    def _train(self, X, y_idx, sw, *, epochs, partial, rng, relay=()):
        split_seed, shuffle_seed = (int(s) for s in rng.randint(2**31 - 1, size=2))
        early = self.early_stopping and not partial and self.solver != "lbfgs"
        val = (None, None, None)
        if early:
            (X, y_idx, sw), val = validation_split(self, X, y_idx, sw, split_seed)
        w_mean = 1.0 if sw is None else float(sw.mean())
        config = train_config(
            self, X.shape[0], epochs, shuffle_seed, partial=partial, w_mean=w_mean
        )
        if not partial:  # each fit starts a new optimiser and count, as scikit-learn's does
            self._optimizer, self.n_iter_ = None, 0
        # X and y_idx were checked by _validate and _encode: fit need not read X again
        history = fit(
            self.model_,
            X,
            y_idx,
            config,
            X_val=val[0],
            y_val=val[1],
            sample_weight=sw,
            sample_weight_val=val[2],
            callbacks=[Curves(self, X.shape[0], early), *relay],
            optimizer=self._optimizer,
            check_input=False,
        )
        self._optimizer = history.optimizer
        self._no_improvement_count = history.no_improvement
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
                stacklevel=4,
            )
        elif self.solver != "lbfgs" and self.n_iter_ == self.max_iter:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=4,
            )

    def _start_curves(self):
        early = self.early_stopping and self.solver != "lbfgs"
        if early and getattr(self, "validation_scores_", None) is None:
            self.validation_scores_, self.validation_loss_curve_ = [], []
        if not early:
            self.validation_scores_ = self.validation_loss_curve_ = None
            self.best_validation_score_ = None

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

    def _check_solver(self):
        if self.solver not in ("sgd", "adam"):
            raise AttributeError(
                f"partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    @available_if(_check_solver)
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
