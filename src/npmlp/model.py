"""The seed's multilayer perceptron (eq. 2).

``s = FC(ReLU(... FC(ReLU(FC(x; W1, b1)); W3, b3) ...); WL, bL)``.

Parameters are numbered as in the seed: the FC layers are 1, 3, ..., L and their parameters are
``W1, b1, W3, b3, ..., WL, bL`` in the dict :attr:`MLP.params`. ``W^(i)`` is (size of x^(i-1)) x
(size of x^(i)) and ``b^(i)`` is a 1 x (size of x^(i)) row, as in the seed's eq. 10.

Labels given to :meth:`MLP.loss_and_grads` are class indices ``y in {0, ..., C-1}`` (the seed's
convention); :meth:`MLP.predict` returns ``classes[index]`` so a model trained on named labels
answers with the names.
"""

from __future__ import annotations

import numpy as np

from .data.streaming import first_nonfinite_row, is_streamed
from .errors import DataError, NpmlpError
from .graph import check_architecture, fc_indices, layer_sizes, n_parameters, summarise
from .layers import FC, ReLU, fc_backward, fc_forward, relu_backward, relu_forward
from .loss import log_softmax, softmax, softmax_cross_entropy
from .packing import packed_copy, packed_zeros
from .preprocessing import Preprocessing

__all__ = ["MLP", "Workspace"]

DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
INITS = ("he", "glorot")
CHUNK = 4096  # rows per inference chunk: bounds memory for any N


def _rows(X):
    """X as an array, except a streamed-from-disk :class:`~npmlp.data.streaming.StreamedRows`."""
    return X if is_streamed(X) else np.asarray(X)


def _check_dtype(dtype) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError as e:
        raise NpmlpError(f"dtype must be float32 or float64, got {dtype!r}") from e
    if dt not in DTYPES:
        raise NpmlpError(f"dtype must be float32 or float64, got {dt.name}")
    return dt


class Workspace:
    """Buffers for one batch size ``N``, allocated once and reused for every batch.

    ``X`` (N, D) receives a batch's input ``x^(0)``, ``y`` (N,) its labels. ``x[i]`` is the
    buffer of ``x^(i)``; a ReLU runs in place, so ``x[2k]`` is the same array as ``x[2k-1]``.
    ``grads`` holds ``dl/dW^(i)`` and ``dl/db^(i)`` under the parameter names. With
    ``backward=False`` (inference) only ``X`` and ``x`` are allocated.
    """

    def __init__(self, net: MLP, N: int, *, backward: bool = True):
        dt = net.dtype
        self.N = N
        self.X = np.empty((N, net.D), dt)
        self.y = np.empty(N, np.intp)
        self.ones = np.ones((1, N), dt)  # 1_N^T of eq. 25, db = 1_N^T dZ
        sizes = layer_sizes(net.D, net.H, net.L, net.C)
        self.x = [self.X]
        for i, width in enumerate(sizes[1:], start=1):
            self.x.append(np.empty((N, width), dt) if i % 2 else self.x[i - 1])
        if not backward:
            return
        # dl/dx^(i-1) for each FC layer i > 1, and the ReLU mask of that width
        self.dx = {i: np.empty((N, sizes[i - 1]), dt) for i in fc_indices(net.L) if i > 1}
        self.mask = {i: np.empty((N, sizes[i - 1]), bool) for i in self.dx}
        self.grads = packed_zeros(net.params)  # one buffer, in the order of net.params
        # l2 * W for the weight-decay gradient, one weight matrix at a time
        self.decay = np.empty(max(v.size for v in net.params.values()), dt)


class MLP:
    """Multilayer perceptron of ``L`` layers (odd, >= 3): FC and ReLU alternate (seed eq. 2).

    Parameters
    ----------
    D : input size (features per row).
    H : hidden width, the size of x^(1) ... x^(L-1); or a sequence of (L-1)/2 widths, one per
        hidden FC layer (an extension of the seed; equal widths are stored as one int).
    L : number of layers, odd and >= 3 (L=3 is one hidden layer).
    C : number of classes.
    dtype : float32 (default) or float64; parameters and buffers keep it.
    seed : seed of the ``np.random.Generator`` that draws the initial weights; ``None`` draws
        one and records it in :attr:`seed` so the run can be repeated.
    init : initial weights (the seed leaves them open); biases start at 0 in both.
        ``"he"`` (default): ``W ~ N(0, 2 / d_in)``, He et al. 2015, suited to ReLU.
        ``"glorot"``: ``W ~ U(-a, a)``, ``a = sqrt(6 / (d_in + d_out))``, Glorot & Bengio 2010,
        the scale scikit-learn's ``MLPClassifier`` starts from.

    Attributes
    ----------
    params : dict ``{"W1": (D, H), "b1": (1, H), "W3": (H, H), ..., "WL": (H, C), "bL": (1, C)}``
    classes : (C,) labels returned by :meth:`predict` (default ``0 ... C-1``).
    preprocessing : :class:`Preprocessing` applied by predict/evaluate, or ``None``.
    metadata : dict saved with the model (training settings, data set...).
    """

    def __init__(self, D: int, H, L: int, C: int, *, dtype=np.float32, seed=None, init="he"):
        check_architecture(D, H, L, C)
        if init not in INITS:
            raise NpmlpError(f"unknown init {init!r}; choose one of {', '.join(INITS)}")
        if isinstance(H, (list, tuple, np.ndarray)):
            H = tuple(int(h) for h in H)
            H = H[0] if len(set(H)) == 1 else H
        self.D, self.H, self.L, self.C = int(D), H, int(L), int(C)
        self.dtype = _check_dtype(dtype)
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2**63))
        self.seed = int(seed)
        self.init = init
        self.rng = np.random.default_rng(self.seed)
        sizes = layer_sizes(D, H, L, C)
        params = {}
        for i in fc_indices(L):
            d_in, d_out = sizes[i - 1], sizes[i]
            if init == "he":  # W ~ N(0, 2 / d_in)
                W = self.rng.standard_normal((d_in, d_out)) * np.sqrt(2.0 / d_in)
            else:  # glorot: W ~ U(-a, a), a = sqrt(6 / (d_in + d_out))
                a = np.sqrt(6.0 / (d_in + d_out))
                W = self.rng.uniform(-a, a, (d_in, d_out))
            params[f"W{i}"] = W
            params[f"b{i}"] = np.zeros((1, d_out))
        # views of one buffer, so that an optimiser can update them all in one pass (packing.py)
        self.params: dict[str, np.ndarray] = packed_copy(params, self.dtype)
        self.classes = np.arange(C)
        self.preprocessing: Preprocessing | None = None
        self.metadata: dict = {}

    # ------------------------------------------------------------------ structure
    @property
    def layers(self) -> list:
        """Layer objects ``[FC1, ReLU2, FC3, ..., FC(L)]`` in the seed's numbering."""
        sizes = layer_sizes(self.D, self.H, self.L, self.C)
        return [
            FC(i, sizes[i - 1], sizes[i]) if i % 2 else ReLU(i, sizes[i])
            for i in range(1, self.L + 1)
        ]

    @property
    def n_params(self) -> int:
        return n_parameters(self.D, self.H, self.L, self.C)

    def summary(self, N: int = 1):
        """Shapes of every variable of the forward and backward graph for a batch of N rows."""
        return summarise(self.D, self.H, self.L, self.C, N)

    def __repr__(self) -> str:
        chain = " -> ".join(repr(layer) for layer in self.layers)
        return f"MLP(D={self.D}, H={self.H}, L={self.L}, C={self.C}, {self.dtype.name}): {chain}"

    def copy(self, dtype=None) -> MLP:
        """A deep copy, optionally cast to another dtype (``float64`` for gradient checks)."""
        new = MLP.__new__(MLP)
        new.__dict__.update(self.__dict__)
        new.dtype = _check_dtype(dtype) if dtype is not None else self.dtype
        new.params = packed_copy(self.params, new.dtype)
        new.rng = np.random.default_rng(self.seed)
        new.classes = self.classes.copy()
        new.metadata = dict(self.metadata)
        return new

    def set_params(self, params: dict) -> None:
        """Copy ``params`` (same keys and shapes) into this model's parameters."""
        for k, v in self.params.items():
            np.copyto(v, params[k], casting="same_kind")

    # ------------------------------------------------------------------ input checks
    def _check_X(self, X, *, finite: bool = False) -> np.ndarray:
        X = _rows(X)
        if X.ndim == 1 and self.D == X.shape[0]:
            X = X[None, :]
        if X.ndim != 2:
            raise DataError(
                f"X must be a 2-D array (N rows x D={self.D} features), got shape {X.shape}"
            )
        if X.shape[1] != self.D:
            raise DataError(f"X has {X.shape[1]} features but this model expects D={self.D}")
        if X.dtype.kind not in "fiub":
            raise DataError(f"X must hold numbers, got dtype {X.dtype}")
        if finite and X.dtype.kind == "f":
            clean = False
            if not is_streamed(X):  # a sum is finite only if every term is: one cheap pass
                with np.errstate(over="ignore", invalid="ignore"):
                    clean = bool(np.isfinite(X.sum()))
            if not clean:
                n_bad, first = first_nonfinite_row(X)  # by blocks: no (N, D) temporary
                if n_bad:
                    raise DataError(
                        f"X contains NaN or infinity in {n_bad} row(s) (first: "
                        f"row {first}); remove or impute those values"
                    )
        return X

    def check_labels(self, y, N: int) -> np.ndarray:
        """Validate class indices y : (N,) in ``{0, ..., C-1}`` and return them as intp."""
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != N:
            raise DataError(
                f"y must be a 1-D array of {N} labels (one per row of X), got shape {y.shape}"
            )
        if y.dtype.kind not in "iu" and not (y.dtype.kind == "f" and np.all(y == np.round(y))):
            raise DataError(f"y must hold integer class indices 0..{self.C - 1}, got {y.dtype}")
        y = y.astype(np.intp)
        if y.size and (y.min() < 0 or y.max() >= self.C):
            raise DataError(
                f"labels must be class indices in 0..{self.C - 1}, "
                f"found {y.min() if y.min() < 0 else y.max()}"
            )
        return y

    def encode_labels(self, labels) -> np.ndarray:
        """Map original labels (N,) to class indices (N,) using :attr:`classes`."""
        labels = np.asarray(labels)
        classes = self.classes
        if classes.dtype.kind in "US" or labels.dtype.kind in "US":
            classes, labels = classes.astype(str), labels.astype(str)
        order = np.argsort(classes, kind="stable")
        pos = np.searchsorted(classes[order], labels).clip(0, len(classes) - 1)
        idx = order[pos]
        unknown = classes[idx] != labels
        if np.any(unknown):
            bad = np.unique(labels[unknown])[:5]
            raise DataError(
                f"labels {', '.join(map(str, bad))} are not classes of this model "
                f"(its classes: {', '.join(map(str, self.classes[:10]))}"
                f"{', ...' if len(self.classes) > 10 else ''})"
            )
        return idx.astype(np.intp)

    # ------------------------------------------------------------------ the seed's math
    def forward(self, X: np.ndarray, ws: Workspace | None = None) -> np.ndarray:
        """Scores of the rows, seed eq. 19. X : (N, D) -> S : (N, C). No preprocessing.

        ``ws``: optional workspace of at least N rows whose buffers receive every ``x^(i)``
        (``S`` is then a view of ``ws.x[L]``); without it each layer allocates its output.
        """
        x = self._check_X(X).astype(self.dtype, copy=False)
        n = x.shape[0]
        for i in fc_indices(self.L):
            out = None if ws is None else ws.x[i][:n]
            x = fc_forward(x, self.params[f"W{i}"], self.params[f"b{i}"], out=out)  # x^(i)
            if i < self.L:
                relu_forward(x, out=x)  # x^(i+1) = ReLU(x^(i)), in place
        return x

    def forward_backward(self, ws: Workspace, sample_weight=None, l2: float = 0.0):
        """One forward and backward pass on the batch already in ``ws.X`` and ``ws.y``.

        Writes ``dl/dW^(i)`` and ``dl/db^(i)`` into ``ws.grads`` and returns
        ``(loss, n_correct)``: the mean loss of eq. 5 (plus ``l2/2 * sum ||W||^2``) and how
        many rows the forward pass classified correctly. Allocates nothing of size N x H.
        """
        p, x, g = self.params, ws.x, ws.grads
        for i in fc_indices(self.L):
            fc_forward(x[i - 1], p[f"W{i}"], p[f"b{i}"], out=x[i])  # x^(i) = x^(i-1) W + 1_N b
            if i < self.L:
                relu_forward(x[i], out=x[i])  # x^(i+1) = max(0, x^(i))
        S = x[self.L]
        n_correct = int(np.count_nonzero(S.argmax(axis=1) == ws.y))
        loss, d = softmax_cross_entropy(S, ws.y, sample_weight, out=S)  # dl/ds = (P - Y) / N
        for i in reversed(fc_indices(self.L)):
            dX, _, _ = fc_backward(
                d,
                x[i - 1],
                p[f"W{i}"],
                need_dX=i > 1,
                dX=ws.dx.get(i),
                dW=g[f"W{i}"],
                db=g[f"b{i}"],
                ones=ws.ones,
            )  # eqs. 23-25
            if i > 1:
                d = relu_backward(dX, x[i - 1], out=dX, mask=ws.mask[i])  # dl/dx^(i-2)
        if l2:
            for i in fc_indices(self.L):
                W = p[f"W{i}"]
                loss += 0.5 * l2 * float(np.vdot(W, W))
                g[f"W{i}"] += np.multiply(W, l2, out=ws.decay[: W.size].reshape(W.shape))
        return loss, n_correct

    def loss_and_grads(self, X: np.ndarray, y: np.ndarray, *, sample_weight=None, l2: float = 0.0):
        """Mean loss of eq. 5 over the rows and its gradient for every parameter.

        Parameters
        ----------
        X : (N, D) input rows (no preprocessing is applied).
        y : (N,) class indices in ``{0, ..., C-1}``.
        sample_weight : optional (N,) weights (weighted mean instead of mean).
        l2 : L2 penalty ``l2/2 * sum_i ||W^(i)||^2`` added to the loss (biases excluded).

        Returns
        -------
        loss : float
        grads : dict with the keys and shapes of :attr:`params`.
        """
        X = self._check_X(X)
        y = self.check_labels(y, X.shape[0])
        ws = Workspace(self, X.shape[0])
        ws.X[...] = X
        ws.y[...] = y
        loss, _ = self.forward_backward(ws, sample_weight, l2)
        return loss, ws.grads

    # ------------------------------------------------------------------ prediction
    def _scores_chunks(self, X):
        """Yield (start, S) over chunks of rows, preprocessing applied. Bounded memory.

        One inference workspace of ``CHUNK`` rows is allocated per call and reused by every
        chunk; each ``S`` is a view into it, valid until the next chunk.
        """
        X = self._check_X(X, finite=True)
        ws = Workspace(self, min(CHUNK, X.shape[0]), backward=False)
        for start in range(0, X.shape[0], CHUNK):
            rows = X[start : start + CHUNK]
            if self.preprocessing is not None:
                rows = self.preprocessing.apply(rows, out=ws.X[: rows.shape[0]])
            elif rows.dtype != self.dtype:  # e.g. integer pixels: convert into the buffer
                buf = ws.X[: rows.shape[0]]
                np.copyto(buf, rows, casting="unsafe")
                rows = buf
            yield start, self.forward(rows, ws)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities P = softmax(S). X : (N, D) raw rows -> P : (N, C)."""
        X = _rows(X)
        P = np.empty((X.shape[0] if X.ndim == 2 else 1, self.C), self.dtype)
        for start, S in self._scores_chunks(X):
            softmax(S, out=P[start : start + S.shape[0]])
        return P

    def predict_log_proba(self, X: np.ndarray) -> np.ndarray:
        """``ln P`` from log-softmax: finite where ``np.log(predict_proba)`` is -inf. (N, C)."""
        X = _rows(X)
        out = np.empty((X.shape[0] if X.ndim == 2 else 1, self.C), self.dtype)
        for start, S in self._scores_chunks(X):
            log_softmax(S, out=out[start : start + S.shape[0]])
        return out

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted labels (N,): ``classes[argmax_k S_k]`` for each row of X : (N, D)."""
        X = _rows(X)
        idx = np.empty(X.shape[0] if X.ndim == 2 else 1, np.intp)
        for start, S in self._scores_chunks(X):
            idx[start : start + S.shape[0]] = S.argmax(axis=1)
        return self.classes[idx]

    def evaluate(self, X: np.ndarray, y_idx: np.ndarray) -> dict:
        """Mean loss and accuracy on raw rows X : (N, D) with class indices y_idx : (N,)."""
        X = _rows(X)
        y_idx = self.check_labels(y_idx, X.shape[0] if X.ndim == 2 else 1)
        total, correct = 0.0, 0
        for start, S in self._scores_chunks(X):
            y = y_idx[start : start + S.shape[0]]
            correct += int(np.count_nonzero(S.argmax(axis=1) == y))
            loss, _ = softmax_cross_entropy(S, y, out=S)
            total += loss * S.shape[0]
        n = max(y_idx.shape[0], 1)
        return {"loss": total / n, "accuracy": correct / n}

    # ------------------------------------------------------------------ files
    def save(self, path, **metadata) -> None:
        """Write the model to one ``.npz`` file, atomically (see :mod:`npmlp.files`)."""
        from .files import save

        save(self, path, **metadata)
