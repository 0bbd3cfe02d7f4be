"""The seed's multilayer perceptron (eq. 2) and its one network pass.

``s = FC(ReLU(... FC(ReLU(FC(x; W1, b1)); W3, b3) ...); WL, bL)``.

Parameters are numbered as in the seed: the FC layers are 1, 3, ..., L and their parameters are
``W1, b1, W3, b3, ..., WL, bL`` in the dict :attr:`MLP.params`. ``W^(i)`` is (size of x^(i-1)) x
(size of x^(i)) and ``b^(i)`` is a 1 x (size of x^(i)) row, as in the seed's eq. 10.

The network is computed in one place: :meth:`MLP.forward` (eq. 19, optionally keeping every
``x^(i)``), :meth:`MLP.backward` (eqs. 23-25 and the activation's rule), :meth:`MLP.l2_penalty`
and :meth:`MLP.scale_input`. Training, gradient checks, health measures and pictures call them.

Labels given to :meth:`MLP.loss_and_grads` are class indices ``y in {0, ..., C-1}`` (the seed's
convention); :meth:`MLP.predict` returns ``classes[index]`` so a model trained on named labels
answers with the names. A regression model (:attr:`MLP.loss` ``"squared_error"`` or
``"poisson"``, a head of :data:`~npmlp.nn.loss.HEADS`) takes float targets Y (N, C) instead,
C its number of outputs, and :meth:`MLP.predict` returns its outputs; the network pass is the
same, only the loss and the output map differ.
"""

from __future__ import annotations

import numpy as np

from ..core.architecture import Architecture, fc_indices, summarise
from ..core.errors import NpmlpError
from ..core.labels import check_class_indices, check_targets, encode_labels, indices_of
from ..core.memory import TRAINING_COPIES, check_fits
from ..core.packing import check_dtype, packed, packed_copy, packed_zeros
from ..core.rows import check_rows, is_sparse, is_streamed
from ..data.inputs import is_table, labelled_table_input, table_input
from ._display import model_html, model_text
from .inference import map_chunks
from .layers import (
    ACTIVATIONS,
    FC,
    ActivationLayer,
    dropout_backward,
    dropout_forward,
    fc_backward,
    fc_forward,
)
from .loss import HEADS, log_softmax, softmax, softmax_cross_entropy
from .preprocessing import Preprocessing
from .workspace import Workspace

__all__ = ["MLP", "Workspace"]  # Workspace: re-exported from npmlp.nn.workspace

INITS = ("he", "glorot")


def _rows(X):
    """X as an array, except a streamed-from-disk :class:`~npmlp.core.rows.StreamedRows` or a scipy
    sparse matrix (read or densified a chunk at a time)."""
    return X if is_streamed(X) or is_sparse(X) else np.asarray(X)


class MLP:
    """Multilayer perceptron of ``L`` layers (odd, >= 3): FC and an activation alternate (eq. 2).

    Parameters
    ----------
    D : input size (features per row).
    H : hidden width, the size of x^(1) ... x^(L-1); or a sequence of (L-1)/2 widths, one per
        hidden FC layer (an extension of the seed).
    L : number of layers, odd and >= 3 (L=3 is one hidden layer).
    C : number of classes.
    dtype : float32 (default) or float64; parameters and buffers keep it.
    seed : seed of the ``np.random.Generator`` that draws the initial weights; ``None`` draws
        one and records it in :attr:`seed` so the run can be repeated.
    init : initial weights (the seed leaves them open); biases start at 0 in both.
        ``"he"`` (default): ``W ~ N(0, 2 / d_in)``, He et al. 2015, suited to ReLU.
        ``"glorot"``: ``W ~ U(-a, a)``, ``a = sqrt(6 / (d_in + d_out))``, Glorot & Bengio 2010,
        the scale scikit-learn's ``MLPClassifier`` starts from.
    activation : the hidden activation, one of :data:`~npmlp.nn.layers.ACTIVATIONS`: ``"relu"``
        (the seed's, default), ``"tanh"``, ``"logistic"``, ``"identity"``.
    loss : what the output ``s`` (N, C) means, one of :data:`~npmlp.nn.loss.HEADS`:
        ``"cross_entropy"`` (the seed's softmax classifier, default; C classes),
        ``"squared_error"`` (identity output, C float outputs) or ``"poisson"`` (log link: the
        prediction is ``exp(s)``, C non-negative outputs).

    Attributes
    ----------
    arch : :class:`~npmlp.core.architecture.Architecture`; ``D, H, L, C`` read from it.
    params : dict ``{"W1": (D, H), "b1": (1, H), "W3": (H, H), ..., "WL": (H, C), "bL": (1, C)}``
    classes : (C,) labels returned by :meth:`predict` (default ``0 ... C-1``); a regression
        model keeps ``0 ... C-1`` and never reads them.
    loss : the name of its head (see :attr:`head`).
    preprocessing : :class:`Preprocessing` applied by :meth:`scale_input`, or ``None``.
    encoder : :class:`~npmlp.encoding.TableEncoder` of a model trained on a table, or ``None``;
        such a model also takes a table (a DataFrame, a dict of columns, a CSV path) wherever
        it takes rows, its columns found by name as ``npmlp predict`` finds them.
    metadata : dict saved with the model (training settings, data set...).
    """

    def __init__(
        self,
        D: int,
        H,
        L: int,
        C: int,
        *,
        dtype=np.float32,
        seed=None,
        init="he",
        activation="relu",
        loss="cross_entropy",
    ):
        self._set_up(
            D,
            H,
            L,
            C,
            dtype=dtype,
            seed=seed,
            init=init,
            activation=activation,
            loss=loss,
            copies=TRAINING_COPIES,
        )
        for i, d_in, d_out in self.arch.fc_layers:  # biases stay 0
            if init == "he":  # W ~ N(0, 2 / d_in)
                W = self.rng.standard_normal((d_in, d_out)) * np.sqrt(2.0 / d_in)
            else:  # glorot: W ~ U(-a, a), a = sqrt(6 / (d_in + d_out))
                a = np.sqrt(6.0 / (d_in + d_out))
                W = self.rng.uniform(-a, a, (d_in, d_out))
            np.copyto(self.params[f"W{i}"], W, casting="unsafe")

    def _set_up(self, D, H, L, C, *, dtype, seed, init, activation, loss, copies=1) -> None:
        """Every attribute; zero parameters, views of one buffer (see :mod:`npmlp.core.packing`).

        ``copies``: the parameter-sized arrays the model will need (see
        :data:`~npmlp.core.memory.TRAINING_COPIES`), checked against the free memory first."""
        if loss not in HEADS:
            raise NpmlpError(f"unknown loss {loss!r}; choose one of {', '.join(HEADS)}")
        self.arch = Architecture.of(D, H, L, C, min_C=2 if HEADS[loss].classes else 1)
        if init not in INITS:
            raise NpmlpError(f"unknown init {init!r}; choose one of {', '.join(INITS)}")
        if activation not in ACTIVATIONS:
            raise NpmlpError(
                f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}"
            )
        self.loss = loss
        self.dtype = check_dtype(dtype)
        check_fits(
            copies * self.arch.n_params * self.dtype.itemsize,
            f"the network {self.arch} ({self.arch.n_params:,} parameters"
            + (", with its gradients and optimiser state)" if copies > 1 else ")"),
            "choose fewer or narrower hidden layers",
        )
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2**63))
        self.seed, self.init, self.activation = int(seed), init, activation
        self.rng = np.random.default_rng(self.seed)
        shapes, zero = {}, np.zeros((), self.dtype)  # zero-stride views: shapes, no memory
        for i, d_in, d_out in self.arch.fc_layers:
            shapes[f"W{i}"] = np.broadcast_to(zero, (d_in, d_out))
            shapes[f"b{i}"] = np.broadcast_to(zero, (1, d_out))
        self.params: dict[str, np.ndarray] = packed_zeros(shapes, self.dtype)
        self.classes = np.arange(C)
        self.preprocessing: Preprocessing | None = None
        self.encoder = None  # a TableEncoder: the raw columns of a table -> X (N, D)
        self.metadata: dict = {}

    @classmethod
    def empty(cls, D, H, L, C, *, dtype=np.float32, seed=0, init="he", activation="relu", **kw):
        """Zero parameters, no random draws: a model to fill from a file (allocated once).
        ``kw``: ``loss`` (default ``"cross_entropy"``)."""
        net = cls.__new__(cls)
        loss = kw.pop("loss", "cross_entropy")
        net._set_up(D, H, L, C, dtype=dtype, seed=seed, init=init, activation=activation, loss=loss)
        return net

    # ------------------------------------------------------------------ structure
    D = property(lambda self: self.arch.D, doc="Input size D.")
    H = property(lambda self: self.arch.H, doc="Hidden width H (a tuple for unequal widths).")
    L = property(lambda self: self.arch.L, doc="Number of layers L.")
    C = property(lambda self: self.arch.C, doc="Number of classes C (of outputs, in regression).")
    act = property(lambda self: ACTIVATIONS[self.activation], doc="The hidden activation.")
    head = property(lambda self: HEADS[self.loss], doc="The output's loss and map (``HEADS``).")

    @property
    def layers(self) -> list:
        """Layer objects ``[FC1, ReLU2, FC3, ..., FC(L)]`` in the seed's numbering."""
        s, f = self.arch.sizes, self.activation
        return [
            FC(i, s[i - 1], s[i]) if i % 2 else ActivationLayer(i, s[i], f)
            for i in range(1, self.L + 1)
        ]

    @property
    def n_params(self) -> int:
        return self.arch.n_params

    def summary(self, N: int = 1):
        """Shapes of every variable of the forward and backward graph for a batch of N rows."""
        return summarise(self.D, self.H, self.L, self.C, N)

    def __repr__(self) -> str:
        return model_text(self)

    def _repr_html_(self) -> str:
        """The model in a notebook: sizes, the graph drawn, the seed's variables and shapes."""
        return model_html(self)

    def copy(self, dtype=None) -> MLP:
        """A deep copy, optionally cast to another dtype (``float64`` for gradient checks)."""
        new = MLP.__new__(MLP)
        new.__dict__.update(self.__dict__)
        new.dtype = check_dtype(dtype) if dtype is not None else self.dtype
        new.params = packed_copy(self.params, new.dtype)
        new.rng = np.random.default_rng(self.seed)
        new.classes = self.classes.copy()
        new.metadata = dict(self.metadata)
        return new

    def __setstate__(self, state: dict) -> None:
        """After pickle, joblib or ``copy.deepcopy`` (which copy each view alone): views of one
        buffer again, in the same dict, which an optimiser unpickled with the model shares."""
        # pickled before they were declared: no encoder, the classifier's head
        self.__dict__.update({"encoder": None, "loss": "cross_entropy", **state})
        if self.params and packed(self.params) is None:
            self.params.update(packed_copy(self.params, self.dtype))

    def set_params(self, params: dict) -> None:
        """Copy ``params`` (same keys and shapes) into this model's parameters."""
        for k, v in self.params.items():
            np.copyto(v, params[k], casting="same_kind")

    # ------------------------------------------------------------------ input checks
    def check_input(self, X, *, finite: bool = False):
        """Raw rows X : (N, D) checked (see :func:`npmlp.core.rows.check_rows`)."""
        return check_rows(X, self.D, finite=finite)

    def check_labels(self, y, N: int) -> np.ndarray:
        """Validate class indices y : (N,) in ``{0, ..., C-1}`` and return them as intp; for a
        regression model, float targets y : (N,) or (N, C), returned as Y (N, C) in its dtype
        (finite, and >= 0 for ``"poisson"``)."""
        if self.head.classes:
            return check_class_indices(y, N, self.C)
        return check_targets(y, N, self.C, self.dtype, non_negative=self.loss == "poisson")

    def encode_labels(self, labels) -> np.ndarray:
        """Map original labels (N,) to class indices (N,) using :attr:`classes`."""
        return encode_labels(self.classes, labels)

    def scale_input(self, X: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Raw rows X : (N, D) -> the network's input x^(0) : (N, D), in the model's dtype.

        Applies :attr:`preprocessing` (when set) and the cast; ``out`` (N, D), which may be X
        itself, receives the result. Without ``out``, X is never modified. A sparse X is
        densified into ``out``.
        """
        if out is None:
            out = np.empty(X.shape, self.dtype)
        if is_sparse(X):
            X = X.toarray(out=out) if X.dtype == out.dtype else X.astype(out.dtype).toarray(out=out)
        if self.preprocessing is not None:
            return self.preprocessing.apply(X, out=out)
        if out is not X:
            np.copyto(out, X, casting="unsafe")
        return out

    # ------------------------------------------------------------------ the seed's math
    def forward(self, X, ws: Workspace | None = None, *, keep: bool = False, masks=None):
        """The network on input rows, seed eq. 19. X : (N, D) -> S : (N, C). No scaling.

        ``ws``: optional workspace of at least N rows whose buffers receive every ``x^(i)``
        (``S`` is then a view of ``ws.x[L]``, each activation in place); without it each layer
        allocates its output. ``keep=True`` returns instead the list ``[x^(0), ..., x^(L)]``
        of every variable, each its own (N, width) array (not with ``ws``). ``masks``
        (training with dropout): ``{i: (N, H) mask}`` for each hidden ``x^(i)`` (i even); the
        next FC layer then reads ``x^(i) * mask`` (``ws.dropped[i]`` with a workspace).
        """
        x = X if ws is not None else self.check_input(X).astype(self.dtype, copy=False)
        xs = [x]
        n, f = x.shape[0], self.act.forward
        for i in fc_indices(self.L):
            out = None if ws is None else ws.x[i][:n]
            x = fc_forward(x, self.params[f"W{i}"], self.params[f"b{i}"], out=out)  # eq. 22
            if keep:
                xs.append(x)
            if i < self.L:  # x^(i+1) = f(x^(i)); in place unless every x^(i) is kept
                x = f(x) if keep else f(x, out=x)
                if keep:
                    xs.append(x)
                if masks is not None:  # inverted dropout: what the next layer reads
                    out = None if ws is None else ws.dropped[i + 1][:n]
                    x = dropout_forward(x, masks[i + 1], out=out)
        return xs if keep else x

    def backward(self, xs, dS, grads: dict, ws: Workspace | None = None, *, keep=False, masks=None):
        """Backpropagate ``dS = dl/ds`` (N, C) through the network, seed eqs. 23-25.

        ``xs``: every ``x^(i)`` of the forward pass (``ws.x``, or the list of
        ``forward(keep=True)``); only the activations' outputs and ``x^(0)`` are read.
        Writes ``dl/dW^(i)`` and ``dl/db^(i)`` into ``grads`` (the keys and shapes of
        :attr:`params`). With ``ws`` every intermediate lands in its buffers (``dS`` may be
        overwritten); with ``keep=True`` returns ``{i: dl/dx^(i)}`` for i = 0 ... L-1.
        ``masks``: the dropout masks the forward pass used.
        """
        d, back, kept = dS, self.act.backward, {}
        for i in reversed(fc_indices(self.L)):
            inp = xs[i - 1]  # what layer i read: x^(i-1), or x^(i-1) * mask under dropout
            if masks is not None and i > 1:
                inp = ws.dropped[i - 1] if ws is not None else inp * masks[i - 1]
            dX, _, _ = fc_backward(
                d,
                inp,
                self.params[f"W{i}"],
                need_dX=i > 1 or keep,
                dX=None if ws is None else ws.dx.get(i),
                dW=grads[f"W{i}"],
                db=grads[f"b{i}"],
                ones=None if ws is None else ws.ones,
            )  # eqs. 23-25: dl/dx^(i-1), dl/dW^(i), dl/db^(i)
            if masks is not None and i > 1:
                dX = dropout_backward(dX, masks[i - 1], out=None if keep else dX)
            if keep:
                kept[i - 1] = dX
            if i > 1:  # dl/dx^(i-2) through the activation, from its output x^(i-1)
                scratch = None if ws is None else ws.scratch[i]
                d = back(dX, xs[i - 1], None if keep else dX, scratch)
                if keep:
                    kept[i - 2] = d
        return kept if keep else None

    def l2_penalty(self, l2: float) -> float:
        """``l2/2 * sum_i ||W^(i)||^2`` (biases excluded), the weight-decay term of the loss."""
        return 0.5 * l2 * sum(float(np.vdot(W, W)) for k, W in self.params.items() if k[0] == "W")

    def add_l2_gradient(self, grads: dict, l2: float, scratch: np.ndarray | None = None) -> None:
        """``dl/dW^(i) += l2 * W^(i)`` for every FC layer; ``scratch`` holds one W's product."""
        for i in fc_indices(self.L):
            W = self.params[f"W{i}"]
            buf = None if scratch is None else scratch[: W.size].reshape(W.shape)
            grads[f"W{i}"] += np.multiply(W, l2, out=buf)

    def forward_backward(self, ws: Workspace, sample_weight=None, l2: float = 0.0, masks=None):
        """One forward and backward pass on the batch already in ``ws.X`` and ``ws.y``.

        Writes the gradient of eq. 5 plus ``l2/2 * sum ||W||^2`` into ``ws.grads``; returns
        ``(loss, n_correct)``: the mean loss alone (add :meth:`l2_penalty` for the objective)
        and how many rows the forward pass classified correctly (``None`` for a regression
        head, whose loss of :attr:`head` is the only difference). Allocates nothing of size
        N x H. ``masks``: dropout masks (``ws.mask``, drawn by the caller), or ``None``.
        """
        S = self.forward(ws.X, ws, masks=masks)
        if self.head.classes:
            k = S.argmax(axis=1)  # the predicted classes
            n_correct = int(np.count_nonzero(k == ws.y))
            loss, dS = softmax_cross_entropy(S, ws.y, sample_weight, out=S, argmax=k)  # (P-Y)/N
        else:  # identity or log link: (S - Y) / N or (exp(S) - Y) / N
            n_correct = None
            loss, dS = self.head.loss(S, ws.y, sample_weight, out=S)
        self.backward(ws.x, dS, ws.grads, ws, masks=masks)
        if l2:
            self.add_l2_gradient(ws.grads, l2, ws.decay)
        return loss, n_correct

    def loss_and_grads(self, X, y, *, sample_weight=None, l2: float = 0.0, masks=None):
        """Mean loss of eq. 5 over the rows and its gradient for every parameter.

        Parameters
        ----------
        X : (N, D) input rows (no preprocessing is applied).
        y : (N,) class indices in ``{0, ..., C-1}``; for a regression head, targets (N,) or
            (N, C).
        sample_weight : optional (N,) weights (weighted mean instead of mean).
        l2 : L2 penalty ``l2/2 * sum_i ||W^(i)||^2`` added to the loss (biases excluded).
        masks : optional dropout masks ``{i: (N, H)}`` held fixed (see :meth:`forward`).

        Returns
        -------
        loss : float, the objective: the mean loss of :attr:`head` plus the penalty.
        grads : dict with the keys and shapes of :attr:`params`.
        """
        X = self.check_input(X)
        y = self.check_labels(y, X.shape[0])
        ws = Workspace(self, X.shape[0], dropout=masks is not None)
        ws.X[...] = X
        ws.y[...] = y
        loss, _ = self.forward_backward(ws, sample_weight, l2, masks)
        return (loss + self.l2_penalty(l2) if l2 else loss), ws.grads

    # ------------------------------------------------------------------ prediction
    def rows_of(self, X):
        """Rows as the network reads them: X (N, D) as it is, or, for a model trained on a
        table, a table (DataFrame, dict of columns, CSV path) encoded by :attr:`encoder` as
        ``npmlp predict`` encodes it (a warning names cells filled and values unseen)."""
        return table_input(X, self.encoder) if self.encoder and is_table(X) else _rows(X)

    def map_scores(self, X, each) -> list:
        """``each(start, S)`` for every chunk of the raw rows X : (N, D), checked and scaled:
        ``S`` (n, C) the scores of rows ``start ...``, valid during the call. Returns the
        results in the order of the rows. Bounded memory for any N; large inputs are shared
        out among threads (:func:`npmlp.nn.inference.map_chunks`)."""
        return map_chunks(self, self.check_input(X, finite=True), each)

    def _per_chunk(self, X, fill, width: int, dtype) -> np.ndarray:
        """``out`` (N, width) filled chunk by chunk: ``fill(S, out[chunk rows])``."""
        X = self.rows_of(X)
        out = np.empty((X.shape[0] if X.ndim == 2 else 1, width), dtype)
        self.map_scores(X, lambda start, S: fill(S, out[start : start + S.shape[0]]))
        return out

    def _classes_only(self, what: str) -> None:
        if not self.head.classes:
            raise NpmlpError(f"{what} is for classifiers; this model's loss is {self.loss!r}")

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities P = softmax(S). X : (N, D) raw rows -> P : (N, C)."""
        self._classes_only("predict_proba")
        return self._per_chunk(X, lambda S, out: softmax(S, out=out), self.C, self.dtype)

    def predict_log_proba(self, X: np.ndarray) -> np.ndarray:
        """``ln P`` from log-softmax: finite where ``np.log(predict_proba)`` is -inf. (N, C)."""
        self._classes_only("predict_log_proba")
        return self._per_chunk(X, lambda S, out: log_softmax(S, out=out), self.C, self.dtype)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted labels (N,): ``classes[argmax_k S_k]`` for each row of X : (N, D); for a
        regression head, the predictions (N, C): ``s`` itself, or ``exp(s)`` for Poisson."""
        if not self.head.classes:
            return self._per_chunk(X, self.head.output, self.C, self.dtype)
        idx = self._per_chunk(X, lambda S, out: S.argmax(axis=1, out=out[:, 0]), 1, np.intp)
        return self.classes[idx[:, 0]]

    def evaluate(self, X, y=None, sample_weight=None, *, indices: bool = False) -> dict:
        """Mean cross-entropy and accuracy on raw rows X : (N, D) with labels y : (N,): the
        model's own, as :meth:`predict` gives them (class indices with ``indices=True``; see
        :func:`~npmlp.core.labels.indices_of`). With ``sample_weight`` (N,): weighted means.
        A model trained on a table takes a table X and, without y, reads its label column.
        A regression head gives instead its mean loss and ``r2``, the coefficient of
        determination of the predictions (averaged over the C outputs, as scikit-learn's
        ``r2_score``), for targets y : (N,) or (N, C)."""
        if y is None and self.encoder is not None and is_table(X):
            X, y = labelled_table_input(X, self.encoder)
        elif y is None:
            raise NpmlpError("evaluate needs the labels y (N,) of the rows X")
        X = self.rows_of(X)
        if not self.head.classes:
            return self._evaluate_regression(X, y, sample_weight)
        y_idx = indices_of(self.classes, y, X.shape[0] if X.ndim == 2 else 1, indices=indices)
        w = None if sample_weight is None else np.asarray(sample_weight)

        def chunk(start, S):  # (loss sum, correct) of the chunk's rows, weighted with w
            stop = start + S.shape[0]
            y, hit = y_idx[start:stop], S.argmax(axis=1) == y_idx[start:stop]
            if w is None:
                return softmax_cross_entropy(S, y, out=S)[0] * S.shape[0], int(hit.sum())
            loss, _ = softmax_cross_entropy(S, y, w[start:stop], out=S)
            return loss * float(w[start:stop].sum()), float(w[start:stop] @ hit)

        sums = self.map_scores(X, chunk)  # added in the order of the rows: deterministic
        total, correct = sum(s[0] for s in sums), sum(s[1] for s in sums)
        n = max(y_idx.shape[0], 1) if w is None else float(w.sum())
        return {"loss": total / n, "accuracy": correct / n}

    def _evaluate_regression(self, X, y, sample_weight) -> dict:
        """Mean loss and R^2 of the rows X : (N, D) with targets y : (N,) or (N, C)."""
        Y = self.check_labels(y, X.shape[0] if X.ndim == 2 else 1)
        w = None if sample_weight is None else np.asarray(sample_weight, np.float64)

        def chunk(start, S):  # (loss sum, residual sum of squares (C,)) of the chunk's rows
            stop = start + S.shape[0]
            Yc, wc = Y[start:stop], None if w is None else w[start:stop]
            res = (Yc - self.head.output(S)).astype(np.float64)  # y - prediction
            ss = (res * res).sum(axis=0) if wc is None else wc @ (res * res)
            loss, _ = self.head.loss(S, Yc, wc, out=S)
            return loss * (S.shape[0] if wc is None else float(wc.sum())), ss

        sums = self.map_scores(X, chunk)
        n = max(Y.shape[0], 1) if w is None else float(w.sum())
        ss_res = sum((s[1] for s in sums), np.zeros(self.C))
        return {"loss": sum(s[0] for s in sums) / n, "r2": r2_from_residuals(ss_res, Y, w)}


def r2_from_residuals(ss_res: np.ndarray, Y: np.ndarray, w=None) -> float:
    """``R^2 = 1 - SS_res / SS_tot`` per output, averaged over the C outputs (scikit-learn's
    ``r2_score``: an output whose targets are constant scores 1 if predicted exactly, else 0).

    ss_res : (C,) (weighted) residual sums of squares; Y : (N, C) targets; w : optional (N,).
    """
    Y = Y.astype(np.float64)
    mean = np.average(Y, axis=0, weights=w)  # (C,)
    dev = (Y - mean) ** 2
    ss_tot = dev.sum(axis=0) if w is None else w @ dev
    safe = np.where(ss_tot > 0, ss_tot, 1.0)
    r2 = np.where(ss_tot > 0, 1.0 - ss_res / safe, np.where(ss_res > 0, 0.0, 1.0))
    return float(r2.mean())
