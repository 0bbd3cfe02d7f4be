"""Buffers of one batch size for the network pass, allocated once and reused every batch."""

from __future__ import annotations

import numpy as np

from ..core.architecture import fc_indices
from ..core.memory import check_fits
from ..core.packing import packed_zeros

__all__ = ["Workspace"]


class Workspace:
    """Buffers for one batch size ``N``, allocated once and reused for every batch.

    ``X`` (N, D) receives a batch's input ``x^(0)``, ``y`` its labels: class indices (N,), or
    for a regression head (``net.head.classes`` false) targets (N, C) in the model's dtype. ``x[i]`` is the
    buffer of ``x^(i)``. The activation runs in place: the buffer of an FC output ``x^(i)``
    (i odd, i < L) is overwritten by ``x^(i+1) = f(x^(i))``, so ``x[i+1] is x[i]``; every
    backward rule reads the activation's output. ``grads`` holds ``dl/dW^(i)`` and
    ``dl/db^(i)`` under the parameter names. With ``backward=False`` (inference) only ``X`` and
    ``x`` are allocated.
    """

    def __init__(self, net, N: int, *, backward: bool = True, dropout: bool = False):
        """``net``: the :class:`~npmlp.nn.model.MLP` whose shapes, dtype and activation to serve;
        ``dropout``: also the masks ``mask[i]`` and the dropped outputs ``dropped[i]`` of each
        hidden activation ``x^(i)`` (i even)."""
        dt = net.dtype
        check_fits(
            N * sum(net.arch.sizes) * dt.itemsize * (3 if backward else 1),
            f"a batch of {N:,} rows of the network {net.arch}",
            "give a smaller batch size",
        )
        self.N = N
        self.X = np.empty((N, net.D), dt)
        self.y = np.empty(N, np.intp) if net.head.classes else np.empty((N, net.C), dt)
        self.ones = np.ones((1, N), dt)  # 1_N^T of eq. 25, db = 1_N^T dZ
        sizes = net.arch.sizes
        self.x = [self.X]
        for i, width in enumerate(sizes[1:], start=1):
            self.x.append(np.empty((N, width), dt) if i % 2 else self.x[i - 1])
        hidden = range(2, net.L, 2)
        self.mask = {i: np.empty((N, sizes[i]), dt) for i in hidden} if dropout else None
        self.dropped = {i: np.empty((N, sizes[i]), dt) for i in hidden} if dropout else None
        if not backward:
            return
        # dl/dx^(i-1) for each FC layer i > 1, and the activation's backward scratch of that width
        self.dx = {i: np.empty((N, sizes[i - 1]), dt) for i in fc_indices(net.L) if i > 1}
        kind = bool if net.act.scratch is np.bool_ else dt
        self.scratch = {i: np.empty((N, sizes[i - 1]), kind) for i in self.dx}
        self.grads = packed_zeros(net.params)  # one buffer, in the order of net.params
        # l2 * W for the weight-decay gradient, one weight matrix at a time
        self.decay = np.empty(max(v.size for v in net.params.values()), dt)
