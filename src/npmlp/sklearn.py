"""scikit-learn interface: :class:`NpMLPClassifier`, the seed's MLP as a drop-in classifier.

It trains the core :class:`~npmlp.model.MLP` with :func:`npmlp.training.fit` and follows
scikit-learn's conventions, so it works in ``Pipeline``, ``GridSearchCV``, ``cross_val_score``
and passes scikit-learn's estimator checks: parameters validated in ``fit`` from one declared
table (``_parameter_constraints``), fitted attributes ending in ``_``, ``partial_fit`` and
``warm_start``, ``sample_weight`` and ``class_weight``, float32 input trained in float32.

Not covered: sparse input (densify it first), multi-label targets, activations other than ReLU.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    unique_labels,
)
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .architecture import fc_indices
from .data.splits import hold_out
from .export import export_onnx
from .model import INITS, MLP
from .optim import SCHEDULES, SGD, Adam, learning_rate
from .training import TrainConfig, fit

__all__ = ["NpMLPClassifier"]

_FLOATS = (np.float64, np.float32)


class NpMLPClassifier(ClassifierMixin, BaseEstimator):
    """Multilayer perceptron classifier (FC and ReLU alternate, softmax cross-entropy).

    The network is the seed's ``s = FC(ReLU(... FC(ReLU(FC(x; W1, b1)); W3, b3) ...); WL, bL)``
    with ``L`` layers (odd, >= 3) trained by minibatch gradient descent on the weighted mean
    cross-entropy plus ``alpha/2 * sum ||W||^2``.

    Parameters
    ----------
    n_layers : int or None, default=None
        The seed's ``L``: number of layers, odd and >= 3 (3 is one hidden layer). ``None``
        means 3, or ``2 * len(hidden_layer_sizes) + 1`` when those are given.
    hidden_size : int or None, default=None
        The seed's ``H``: width of every hidden layer. ``None`` means 100. Give either this or
        ``hidden_layer_sizes``, not both.
    hidden_layer_sizes : array-like of int or None, default=None
        One width per hidden layer, for unequal widths (as in scikit-learn's MLPClassifier).
    init : {"glorot", "he"}, default="glorot"
        Initial weights; biases start at 0. ``"glorot"``: ``U(-a, a)`` with
        ``a = sqrt(6 / (d_in + d_out))``, the scale MLPClassifier starts from, so a drop-in
        swap starts where scikit-learn would. ``"he"``: ``N(0, 2 / d_in)`` (the CLI's default).
    optimizer : {"adam", "sgd"}, default="adam"
        ``sgd`` uses ``momentum`` (0 for plain gradient descent) and ``nesterov``.
    learning_rate : float > 0, default=1e-3
        Initial step size.
    batch_size : int, "auto" or None, default="auto"
        Rows per update; "auto" is ``min(200, n_samples)``, ``None`` the whole training set
        (the seed's full-batch gradient descent).
    max_epochs : int, default=200
        Passes over the training set in ``fit``.
    momentum : float in [0, 1), default=0.9
        Momentum of ``sgd``.
    nesterov : bool, default=True
        Nesterov momentum for ``sgd`` (when ``momentum > 0``).
    alpha : float >= 0, default=1e-4
        L2 penalty, scaled as in scikit-learn's MLPClassifier: each batch's weighted mean loss
        gets ``alpha / (2 B) * sum_i ||W^(i)||^2`` (biases excluded), ``B`` the batch size
        times the mean row weight (the batch's sum of weights on average).
    lr_schedule : {"constant", "step", "cosine"}, default="constant"
        Learning rate over the epochs of ``fit`` (step: x0.1 every 30 epochs; cosine: to 0 at
        ``max_epochs``). ``partial_fit`` continues it from epoch ``n_iter_``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows (stratified), stop when the validation
        loss (weighted like the training loss) has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, and keep the weights of the best epoch. Otherwise
        training stops when the training loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs. Ignored by ``partial_fit``.
    validation_fraction : float in (0, 1), default=0.1
        Share of the rows held out when ``early_stopping`` is on.
    n_iter_no_change : int >= 1, default=10
        Patience, in epochs.
    tol : float >= 0, default=1e-4
        Smallest loss decrease that counts as an improvement.
    class_weight : dict, "balanced" or None, default=None
        Weight of each class, multiplied into ``sample_weight``: ``{label: weight}`` or
        "balanced" (``n_samples / (n_classes * count)``). Not "balanced" in ``partial_fit``.
    dtype : {"auto", "float32", "float64"}, default="auto"
        Training precision. "auto": float32 input trains in float32, anything else in float64.
    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the shuffling and the validation split.
    verbose : bool or int, default=False
        Print the loss after every epoch.
    warm_start : bool, default=False
        ``fit`` continues from the current weights (with a new optimiser) instead of
        starting again.

    Attributes
    ----------
    classes_ : ndarray of shape (C,)
    n_features_in_ : int, the ``D`` of the data.
    feature_names_in_ : ndarray of shape (D,), when X had string column names.
    model_ : MLP, the trained core model (save it with ``npmlp.save(model_, path)``, no pickle).
    coefs_ : list of ``(L+1)/2`` arrays, ``coefs_[k]`` is ``W^(2k+1)``, shape (d_in, d_out).
    intercepts_ : list of ``(L+1)/2`` 1-D arrays, ``intercepts_[k]`` is ``b^(2k+1)``, (d_out,).
        Both are views of ``model_.params``.
    loss_curve_ : list of float, mean training loss of each epoch (penalty included).
    validation_loss_curve_ : list of float or None, validation loss of each epoch (only with
        ``early_stopping``).
    validation_scores_ : list of float or None, validation accuracy of each epoch (idem).
    best_loss_ : float, lowest training loss; with ``early_stopping``, the lowest validation
        loss, whose weights the model keeps.
    n_iter_ : int, epochs run (accumulated by ``partial_fit`` and ``warm_start``).

    Notes
    -----
    ``sample_weight`` and ``class_weight`` turn each batch's mean loss into the weighted mean
    ``sum_i w_i l_i / sum_i w_i``, and its gradient accordingly; rows of weight 0 are dropped
    before training. With ``batch_size=None`` integer weights are exactly row repetitions.

    Grid searches can run their fits on a Dask cluster through joblib's ``dask`` backend
    (``pip install "npmlp[dask]"``). With ``search = GridSearchCV(pipe, grid, n_jobs=-1)``,
    three lines (after ``import joblib``) point it at a running cluster's scheduler::

        from dask.distributed import Client
        client = Client("tcp://scheduler-host:8786")  # Client(LocalCluster()) on one machine
        with joblib.parallel_config(backend="dask"): search.fit(X, y)

    The workers need npmlp installed; ``tests/test_sklearn_dask.py`` runs this on a
    ``LocalCluster`` of 2 workers.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), NpMLPClassifier(random_state=0)).fit(X, y)
    """

    _parameter_constraints: dict = {
        "n_layers": [Interval(Integral, 3, None, closed="left"), None],
        "hidden_size": [Interval(Integral, 1, None, closed="left"), None],
        "hidden_layer_sizes": ["array-like", None],
        "init": [StrOptions(set(INITS))],
        "optimizer": [StrOptions({"adam", "sgd"})],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "nesterov": ["boolean"],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "lr_schedule": [StrOptions(set(SCHEDULES))],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "dtype": [StrOptions({"auto", "float32", "float64"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        n_layers=None,
        hidden_size=None,
        hidden_layer_sizes=None,
        *,
        init="glorot",
        optimizer="adam",
        learning_rate=1e-3,
        batch_size="auto",
        max_epochs=200,
        momentum=0.9,
        nesterov=True,
        alpha=1e-4,
        lr_schedule="constant",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        class_weight=None,
        dtype="auto",
        random_state=None,
        verbose=False,
        warm_start=False,
    ):
        self.n_layers = n_layers
        self.hidden_size = hidden_size
        self.hidden_layer_sizes = hidden_layer_sizes
        self.init = init
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.momentum = momentum
        self.nesterov = nesterov
        self.alpha = alpha
        self.lr_schedule = lr_schedule
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.class_weight = class_weight
        self.dtype = dtype
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    # ------------------------------------------------------------------ set-up
    def _architecture(self):
        """``(L, H)`` from n_layers / hidden_size / hidden_layer_sizes, or a ValueError."""
        widths = self.hidden_layer_sizes
        if widths is None:
            L = 3 if self.n_layers is None else self.n_layers
            H = 100 if self.hidden_size is None else self.hidden_size
        else:
            if self.hidden_size is not None:
                raise ValueError(
                    "give hidden_size (one width for every hidden layer) or "
                    "hidden_layer_sizes (one width per layer), not both"
                )
            widths = np.asarray(widths).reshape(-1)
            if widths.size == 0 or widths.dtype.kind not in "iu" or widths.min() < 1:
                raise ValueError(
                    f"hidden_layer_sizes must be integers >= 1, got {self.hidden_layer_sizes!r}"
                )
            H = tuple(int(h) for h in widths)
            L = 2 * len(H) + 1
            if self.n_layers is not None and self.n_layers != L:
                raise ValueError(
                    f"n_layers={self.n_layers} has {(self.n_layers - 1) // 2} "
                    f"hidden layers but hidden_layer_sizes lists {len(H)} "
                    f"widths; leave n_layers=None or use n_layers={L}"
                )
        if L % 2 == 0:
            raise ValueError(
                f"n_layers must be odd (FC and ReLU alternate, first and last are "
                f"FC), got {L}; use 3 for one hidden layer, 5 for two, ..."
            )
        return L, H

    def _dtype_for(self, X_dtype):
        if self.dtype == "auto":
            return np.float32 if X_dtype == np.float32 else np.float64
        return np.dtype(self.dtype).type

    def _make_optimizer(self, params):
        if self.optimizer == "adam":
            return Adam(params)
        return SGD(params, momentum=self.momentum, nesterov=self.nesterov and self.momentum > 0)

    def _weights(self, y_idx, sample_weight, X, *, partial):
        """Per-row weights (N,) from sample_weight and class_weight, or None if uniform."""
        if sample_weight is None and self.class_weight is None:
            return None
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        if self.class_weight is not None:
            if partial and self.class_weight == "balanced":
                raise ValueError(
                    "class_weight='balanced' is not supported by partial_fit "
                    "(one batch does not give the class frequencies); pass a "
                    "dict, e.g. from sklearn.utils.class_weight."
                    "compute_class_weight('balanced', classes=..., y=...)"
                )
            sw = sw * compute_sample_weight(self.class_weight, self.classes_[y_idx])
        if sw.size and np.all(sw == sw[0]) and sw[0] > 0:
            return None  # uniform weights: the plain mean, bit for bit
        return sw

    def _config(self, n_rows, epochs, seed, *, partial, w_mean=1.0):
        if self.batch_size == "auto":
            B = min(200, n_rows)
        else:
            B = None if self.batch_size is None else min(self.batch_size, n_rows)
        lr, schedule = self.learning_rate, self.lr_schedule
        if partial:  # one epoch; the schedule continues from epoch n_iter_
            lr = learning_rate(schedule, lr, min(self.n_iter_, self.max_epochs), self.max_epochs)
            schedule = "constant"
        return TrainConfig(
            epochs=epochs,
            batch_size=B,
            lr=lr,
            optimizer="adam" if self.optimizer == "adam" else "momentum",
            momentum=self.momentum,
            nesterov=self.nesterov,
            weight_decay=float(self.alpha) / ((B or n_rows) * w_mean),  # scikit-learn's scaling
            schedule=schedule,
            seed=seed,
        )

    # ------------------------------------------------------------------ training
    def _train(self, X, y_idx, sw, *, epochs, partial, rng):
        split_seed, shuffle_seed = (int(s) for s in rng.randint(2**31 - 1, size=2))
        early = self.early_stopping and not partial
        X_val = y_val = w_val = None
        if early:  # hold out a stratified share; its loss is weighted like the training loss
            (X, y_idx, sw), (X_val, y_val, w_val) = hold_out(
                X, y_idx, sw, self.validation_fraction, split_seed
            )
        config = self._config(
            X.shape[0],
            epochs,
            shuffle_seed,
            partial=partial,
            w_mean=1.0 if sw is None else float(sw.mean()),
        )
        if not partial:  # patience on the validation loss (best weights kept) or the training loss
            config.early_stopping = "val_loss" if early else "train_loss"
            config.patience, config.min_delta, config.restore_best = (
                self.n_iter_no_change,
                self.tol,
                bool(early),
            )

        def on_epoch(record, net):
            self.n_iter_ += 1
            self.loss_curve_.append(record["train_loss"])
            line = f"Epoch {self.n_iter_}, loss = {record['train_loss']:.8f}"
            if early:
                self.validation_loss_curve_.append(record["val_loss"])
                self.validation_scores_.append(record["val_accuracy"])
                line += (
                    f", validation loss = {record['val_loss']:.8f}, "
                    f"validation accuracy = {record['val_accuracy']:.4f}"
                )
            if self.verbose:
                print(line)
            return False

        history = fit(
            self.model_,
            X,
            y_idx,
            config,
            X_val=X_val,
            y_val=y_val,
            sample_weight=sw,
            sample_weight_val=w_val,
            callback=on_epoch,
            optimizer=self._optimizer,
        )
        if early:
            self.best_loss_ = float(history.best_value)
        else:
            self.best_loss_ = float(np.min(self.loss_curve_))
        if not partial and not history.stopped_early and epochs > 1:
            warnings.warn(
                f"NpMLPClassifier: max_epochs={self.max_epochs} reached and the loss "
                f"is still improving by more than tol={self.tol}; raise max_epochs",
                ConvergenceWarning,
                stacklevel=4,
            )

    def _encode(self, X, y, sample_weight, *, partial):
        """Class indices (N,) of y and row weights; rows of weight 0 are dropped from X, y."""
        y_idx = np.searchsorted(self.classes_, y).clip(0, len(self.classes_) - 1)
        unknown = self.classes_[y_idx] != y
        if np.any(unknown):
            raise ValueError(
                f"y has labels {np.unique(y[unknown])[:5].tolist()} that are not "
                f"in classes_ {self.classes_.tolist()}"
            )
        sw = self._weights(y_idx, sample_weight, X, partial=partial)
        if sw is not None:
            keep = sw > 0
            if not keep.all():
                X, y_idx, sw = X[keep], y_idx[keep], sw[keep]
            if not partial and np.unique(y_idx).size < 2:
                raise ValueError(
                    "NpMLPClassifier needs rows of at least 2 classes with a "
                    "positive weight; the weights leave "
                    f"{np.unique(y_idx).size} class(es)"
                )
        return X, y_idx, sw

    def _validate(self, X, y, *, reset):
        """X (N, D) as float32/float64 (per ``dtype``), y (N,) checked as class labels."""
        dtype = _FLOATS if reset else self.model_.dtype.type
        X, y = validate_data(self, X, y, reset=reset, dtype=dtype)
        if reset and self.dtype != "auto" and X.dtype != np.dtype(self.dtype):
            X = X.astype(self.dtype)
        check_classification_targets(y)
        return X, y

    def _init_model(self, D, dtype, rng):
        L, H = self._architecture()
        self.model_ = MLP(
            D,
            H,
            L,
            len(self.classes_),
            dtype=dtype,
            seed=int(rng.randint(2**31 - 1)),
            init=self.init,
        )
        self.model_.classes = self.classes_
        self._point_at_params()
        self._optimizer = self._make_optimizer(self.model_.params)
        self._rng = rng  # partial_fit keeps drawing shuffling seeds from it
        self.n_iter_ = 0
        self.loss_curve_ = []
        self.validation_loss_curve_ = [] if self.early_stopping else None
        self.validation_scores_ = [] if self.early_stopping else None
        self.best_loss_ = None

    def _point_at_params(self):
        """``coefs_`` and ``intercepts_`` as views of the model's parameters (not copies)."""
        params, idx = self.model_.params, fc_indices(self.model_.L)
        self.coefs_ = [params[f"W{i}"] for i in idx]
        self.intercepts_ = [params[f"b{i}"][0] for i in idx]  # 1-D views

    def __setstate__(self, state):
        """After pickle, joblib or ``copy.deepcopy``: the model has re-packed its parameters
        (:meth:`MLP.__setstate__`); point ``coefs_`` and ``intercepts_`` at them again."""
        super().__setstate__(state)
        if hasattr(self, "model_"):
            self._point_at_params()

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train on X (N, D) with labels y (N,) for up to ``max_epochs`` epochs.

        Parameters
        ----------
        X : array-like of shape (N, D)
        y : array-like of shape (N,), any labels (at least 2 classes).
        sample_weight : array-like of shape (N,), default=None; non-negative row weights.

        Returns
        -------
        self
        """
        warm = self.warm_start and hasattr(self, "model_")
        old_classes = self.classes_ if warm else None
        X, y = self._validate(X, y, reset=not warm)
        classes = unique_labels(y)
        if classes.size < 2:
            raise ValueError(
                f"NpMLPClassifier needs at least 2 classes in y, got 1 class: "
                f"{classes.tolist()[0]!r}"
            )
        if warm and not np.all(np.isin(classes, old_classes)):
            raise ValueError(
                f"warm_start: y has classes {classes.tolist()} but the model was "
                f"trained on {old_classes.tolist()}; set warm_start=False"
            )
        if not warm:
            self.classes_ = classes
        X, y_idx, sw = self._encode(X, y, sample_weight, partial=False)
        rng = check_random_state(self.random_state)
        if warm:
            self._optimizer = self._make_optimizer(self.model_.params)
            if self.early_stopping and self.validation_loss_curve_ is None:
                self.validation_loss_curve_, self.validation_scores_ = [], []
        else:
            self._init_model(X.shape[1], self._dtype_for(X.dtype), rng)
        self._train(X, y_idx, sw, epochs=self.max_epochs, partial=False, rng=rng)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over X (N, D), y (N,), continuing the weights and the optimiser state.

        Parameters
        ----------
        X : array-like of shape (N, D)
        y : array-like of shape (N,)
        classes : array-like of shape (C,), required on the first call: every label that
            will ever appear.
        sample_weight : array-like of shape (N,), default=None

        Returns
        -------
        self
        """
        first = _check_partial_fit_first_call(self, classes)
        if first and len(self.classes_) < 2:
            raise ValueError(f"classes must list at least 2 classes, got {self.classes_.tolist()}")
        first = first or not hasattr(self, "model_")
        X, y = self._validate(X, y, reset=first)
        X, y_idx, sw = self._encode(X, y, sample_weight, partial=True)
        if first:
            self._init_model(
                X.shape[1], self._dtype_for(X.dtype), check_random_state(self.random_state)
            )
        if X.shape[0]:  # a new shuffling order for every call
            self._train(X, y_idx, sw, epochs=1, partial=True, rng=self._rng)
        return self

    # ------------------------------------------------------------------ prediction
    def _scores(self, X):
        """Scores S (N, C) of raw rows X (N, D), computed in the model's dtype by chunks."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=self.model_.dtype.type)
        S = np.empty((X.shape[0], len(self.classes_)), self.model_.dtype)
        for start, chunk in self.model_.iter_scores(X):
            S[start : start + chunk.shape[0]] = chunk
        return S

    def decision_function(self, X):
        """Scores ``s`` of the rows X (N, D): (N, C), or (N,) ``s_1 - s_0`` for 2 classes."""
        S = self._scores(X)
        return S[:, 1] - S[:, 0] if S.shape[1] == 2 else S

    def predict(self, X):
        """Labels (N,): ``classes_[argmax_k s_k]`` for each row of X (N, D)."""
        idx = self._scores(X).argmax(axis=1)
        return self.classes_[idx]

    def predict_proba(self, X):
        """Class probabilities P = softmax(s): (N, C), rows sum to 1, columns in classes_."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=self.model_.dtype.type)
        return self.model_.predict_proba(X)

    def predict_log_proba(self, X):
        """``ln P`` (N, C) from log-softmax: finite where ``np.log(predict_proba(X))`` is -inf."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=self.model_.dtype.type)
        return self.model_.predict_log_proba(X)

    def to_onnx(self, path):
        """Write the fitted model to ``path`` as ONNX; see :func:`npmlp.export_onnx`."""
        return export_onnx(self.model_, path)
