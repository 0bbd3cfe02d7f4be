"""A fitted scikit-learn ``MLPClassifier`` equal to a fitted ``NpMLPClassifier``.

Same weights, same activation, same ``predict_proba``. scikit-learn gives a binary problem one
logistic output where npmlp keeps the seed's two softmax outputs; since
``softmax(s)_1 = 1 / (1 + exp(-(s_1 - s_0)))``, the last layer becomes the difference of the
two columns: ``W^(L)[:, 1] - W^(L)[:, 0]`` and ``b^(L)_1 - b^(L)_0``.
"""

from __future__ import annotations

import numpy as np
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import LabelBinarizer

__all__ = ["to_sklearn"]


def to_sklearn(est) -> MLPClassifier:
    """The fitted ``MLPClassifier`` of the fitted ``NpMLPClassifier`` ``est``."""
    net = est.model_
    if net.preprocessing is not None:
        raise ValueError("this model scales its inputs itself; MLPClassifier cannot")
    if len(est.classes_) < 2:
        raise ValueError("MLPClassifier cannot hold a model of one class")
    coefs = [np.array(W) for W in est.coefs_]
    intercepts = [np.array(b) for b in est.intercepts_]
    binary = len(est.classes_) == 2
    if binary:  # one logistic unit: s_1 - s_0
        coefs[-1] = coefs[-1][:, 1:] - coefs[-1][:, :1]
        intercepts[-1] = intercepts[-1][1:] - intercepts[-1][:1]
    widths = net.arch.widths
    clf = MLPClassifier(
        hidden_layer_sizes=widths,
        activation=net.activation,
        solver=est.solver,
        alpha=est.alpha,
        max_iter=est.max_iter,
        random_state=est.random_state,
    )
    clf.coefs_, clf.intercepts_ = coefs, intercepts
    clf.classes_ = est.classes_
    clf._label_binarizer = LabelBinarizer().fit(est.classes_)
    clf.n_features_in_ = est.n_features_in_
    if hasattr(est, "feature_names_in_"):
        clf.feature_names_in_ = est.feature_names_in_
    clf.n_layers_ = len(widths) + 2
    clf.n_outputs_ = 1 if binary else len(est.classes_)
    clf.out_activation_ = "logistic" if binary else "softmax"
    clf.n_iter_, clf.t_ = est.n_iter_, est.t_
    clf.loss_ = getattr(est, "loss_", None)
    clf.loss_curve_ = list(getattr(est, "loss_curve_", []))
    clf.best_loss_ = getattr(est, "best_loss_", None)
    return clf
