"""From the parameters of :class:`~npmlp.sklearn.NpMLPClassifier` and
:class:`~npmlp.sklearn.NpMLPRegressor` to npmlp's training settings.

One declared table of the parameters (:data:`PARAMETER_CONSTRAINTS`, the classifier's, checked
by scikit-learn's validation in ``fit``; :data:`REGRESSOR_CONSTRAINTS` the regressor's: the
same without ``class_weight``, with ``loss``), and the functions that read an estimator's parameters: the network's
shape, the :class:`~npmlp.train.train_config.TrainConfig` of one ``fit`` or ``partial_fit`` call with
scikit-learn's meanings, and the row weights.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import is_classifier
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import _check_sample_weight

from ..core.rows import subset_rows
from ..nn.layers import ACTIVATIONS
from ..nn.model import INITS
from ..train.train_config import TrainConfig

__all__ = [
    "PARAMETER_CONSTRAINTS",
    "REGRESSOR_CONSTRAINTS",
    "score_entry",
    "architecture",
    "train_config",
    "row_weights",
    "validation_split",
]

PARAMETER_CONSTRAINTS: dict = {
    # scikit-learn's MLPClassifier
    "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    "activation": [StrOptions(set(ACTIVATIONS))],
    "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
    "alpha": [Interval(Real, 0, None, closed="left")],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left"), None],
    "learning_rate": [StrOptions({"constant", "invscaling", "adaptive", "cosine"})],
    "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
    "power_t": [Interval(Real, 0, None, closed="left")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "shuffle": ["boolean"],
    "random_state": ["random_state"],
    "tol": [Interval(Real, 0, None, closed="left")],
    "verbose": ["verbose"],
    "warm_start": ["boolean"],
    "momentum": [Interval(Real, 0, 1, closed="both")],
    "nesterovs_momentum": ["boolean"],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="left")],
    "beta_1": [Interval(Real, 0, 1, closed="left")],
    "beta_2": [Interval(Real, 0, 1, closed="left")],
    "epsilon": [Interval(Real, 0, None, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
    "max_fun": [Interval(Integral, 1, None, closed="left")],
    # npmlp's extras
    "n_layers": [Interval(Integral, 3, None, closed="left"), None],
    "hidden_size": [Interval(Integral, 1, None, closed="left"), None],
    "init": [StrOptions(set(INITS))],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "validation_monitor": [StrOptions({"score", "loss"})],
    "class_weight": [dict, StrOptions({"balanced"}), None],
    "dtype": [StrOptions({"auto", "float32", "float64"})],
}
REGRESSOR_CONSTRAINTS: dict = {
    "loss": [StrOptions({"squared_error", "poisson"})],  # scikit-learn's MLPRegressor
    **{k: v for k, v in PARAMETER_CONSTRAINTS.items() if k != "class_weight"},
}


def score_entry(est) -> str:
    """The loop's record entry of scikit-learn's validation score: the accuracy of a
    classifier, the R^2 of a regressor."""
    return "val_accuracy" if is_classifier(est) else "val_r2"


def architecture(est) -> tuple[int, int | tuple]:
    """``(L, H)``: the seed's layer count and width(s), from ``hidden_layer_sizes`` or the
    extras ``n_layers`` / ``hidden_size`` (which, when given, take precedence)."""
    widths = np.asarray(est.hidden_layer_sizes).reshape(-1)
    if widths.size == 0 or widths.dtype.kind not in "iu" or widths.min() < 1:
        raise ValueError(f"hidden_layer_sizes must be > 0, got {est.hidden_layer_sizes!r}.")
    if est.n_layers is None and est.hidden_size is None:
        H = tuple(int(h) for h in widths)
        return 2 * len(H) + 1, H[0] if len(set(H)) == 1 else H
    L = 3 if est.n_layers is None else est.n_layers
    if L % 2 == 0:
        raise ValueError(
            f"n_layers must be odd (FC and an activation alternate, first and last are FC), "
            f"got {L}; use 3 for one hidden layer, 5 for two, ..."
        )
    H = int(widths[0]) if est.hidden_size is None else est.hidden_size
    return L, H


def batch_rows(est, n_rows: int) -> int:
    """Rows per update: ``"auto"`` is ``min(200, n_rows)``; a number is clipped to the rows."""
    if est.batch_size == "auto":
        return min(200, n_rows)
    if est.batch_size is None:  # npmlp's extra: the seed's full-batch gradient descent
        return n_rows
    if est.batch_size > n_rows:
        warnings.warn(
            "Got `batch_size` less than 1 or larger than sample size. It is going to be clipped",
            stacklevel=4,
        )
    return int(np.clip(est.batch_size, 1, n_rows))


def train_config(est, n_rows: int, epochs: int, seed: int, *, partial: bool, w_mean=1.0):
    """The :class:`TrainConfig` of one ``fit`` (``epochs`` passes) or ``partial_fit`` call.

    scikit-learn's meanings: ``learning_rate`` (the schedule) and ``momentum`` apply to the
    ``sgd`` solver only; ``adam`` keeps ``learning_rate_init``; the L2 term of each batch is
    ``alpha / (2 B) * sum ||W||^2`` with ``B`` the batch's rows times the mean row weight;
    patience is ``n_iter_no_change`` epochs without an improvement of at least ``tol``
    (``early_stopping``: on the validation score, or loss with ``validation_monitor="loss"``,
    the best weights restored; otherwise on the training loss).
    """
    B = n_rows if est.solver == "lbfgs" else batch_rows(est, n_rows)
    sgd = est.solver == "sgd"
    schedule = est.learning_rate if sgd else "constant"
    monitor = None
    if not partial and est.solver != "lbfgs":
        monitor = "train_objective"  # the loss with its L2 term, as scikit-learn's loss_
        if est.early_stopping:
            monitor = score_entry(est) if est.validation_monitor == "score" else "val_loss"
    return TrainConfig(
        epochs=epochs,
        batch_size=B,
        lr=est.learning_rate_init,
        optimizer=est.solver if not sgd else "momentum" if est.momentum > 0 else "sgd",
        momentum=min(est.momentum, 0.999999),
        nesterov=bool(est.nesterovs_momentum and est.momentum > 0),
        beta1=est.beta_1,
        beta2=est.beta_2,
        epsilon=est.epsilon,
        max_fun=est.max_fun,
        dropout=est.dropout,
        weight_decay=float(est.alpha) / (B * w_mean),
        schedule=schedule,
        power_t=est.power_t,
        samples_seen=getattr(est, "t_", 0),
        shuffle=est.shuffle,
        early_stopping=monitor,
        patience=est.n_iter_no_change + 1,  # scikit-learn stops once the count exceeds it
        min_delta=est.tol,
        restore_best=bool(est.early_stopping),
        seed=seed,
        val_fraction=0.0,  # the estimator holds out its validation rows itself
        min_val_rows=0,  # (and keeps scikit-learn's conventions, not npmlp train's table)
        threads=None,
    )


def row_weights(est, y_idx, sample_weight, X, *, partial: bool):
    """Per-row weights (N,) from ``sample_weight`` and a classifier's ``class_weight``, or
    ``None`` if uniform. ``y_idx``: a classifier's class indices (N,) (a regressor's unread)."""
    class_weight = est.class_weight if is_classifier(est) else None
    if sample_weight is None and class_weight is None:
        return None
    sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    if class_weight is not None:
        if partial and est.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit "
                "(one batch does not give the class frequencies); pass a "
                "dict, e.g. from sklearn.utils.class_weight."
                "compute_class_weight('balanced', classes=..., y=...)"
            )
        sw = sw * compute_sample_weight(est.class_weight, est.classes_[y_idx])
    if sw.size and np.all(sw == sw[0]) and sw[0] > 0:
        return None  # uniform weights: the plain mean, bit for bit
    return sw


def validation_split(est, X, y_idx, sw, seed):
    """scikit-learn's validation split of rows X (N, D), y_idx (N,) (a regressor's targets
    (N, C)), weights (N,) or None: ``validation_fraction`` held out, stratified for a
    classifier (refused when a class has a single row), at random for a regressor."""
    stratify = None
    if is_classifier(est):
        C = len(est.classes_)
        onehot = np.eye(C, dtype=bool)[y_idx]  # stratified on the binarized labels, as sklearn
        stratify = onehot[:, 1:] if C == 2 else onehot
    parts = train_test_split(
        np.arange(len(y_idx)),
        test_size=est.validation_fraction,
        random_state=seed,
        stratify=stratify,
    )
    keep, held = (np.sort(p) for p in parts)
    if held.size < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' "
            "or the size of your dataset."
        )
    w = (None, None) if sw is None else (sw[keep], sw[held])
    return (subset_rows(X, keep), y_idx[keep], w[0]), (subset_rows(X, held), y_idx[held], w[1])
