"""Parameters and gradients as views of one buffer; optimisers update the buffer in one pass."""

import numpy as np
import pytest

from npmlp import MLP, load, save
from npmlp.core.packing import packed, packed_copy, packed_zeros
from npmlp.nn.model import Workspace
from npmlp.train.optim import make_optimizer


def test_model_parameters_and_workspace_gradients_are_packed_in_the_same_order():
    net = MLP(7, (12, 9), 5, 3, seed=1)
    flat = packed(net.params)
    assert flat is not None and flat.shape == (7 * 12 + 12 + 12 * 9 + 9 + 9 * 3 + 3,)
    assert list(net.params) == ["W1", "b1", "W3", "b3", "W5", "b5"]
    assert [v.shape for v in net.params.values()] == [
        (7, 12),
        (1, 12),
        (12, 9),
        (1, 9),
        (9, 3),
        (1, 3),
    ]
    np.testing.assert_array_equal(flat[: 7 * 12], net.params["W1"].ravel())
    grads = Workspace(net, 4).grads
    assert list(grads) == list(net.params) and packed(grads).shape == flat.shape
    assert packed(net.copy(np.float64).params).dtype == np.float64


def test_packed_refuses_arrays_that_do_not_tile_one_buffer():
    a = packed_zeros({"W": np.zeros((2, 3)), "b": np.zeros((1, 3))})
    assert packed(a) is not None
    assert packed({"b": a["b"], "W": a["W"]}) is None  # out of order
    assert packed({"W": a["W"]}) is None  # does not cover the buffer
    assert packed({"W": a["W"], "b": np.zeros((1, 3))}) is None  # a foreign array
    assert packed({"W": a["W"].T, "b": a["b"]}) is None  # not C-contiguous
    assert packed({"W": np.zeros((2, 3))}) is None  # owns its memory
    assert packed({}) is None


def test_loading_a_model_keeps_its_parameters_packed(tmp_path):
    net = MLP(5, 6, 3, 3, seed=2)
    save(net, tmp_path / "m.npz")
    back = load(tmp_path / "m.npz")
    assert packed(back.params) is not None
    for k in net.params:
        np.testing.assert_array_equal(back.params[k], net.params[k])


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adam"])
def test_one_pass_over_the_buffer_equals_one_pass_per_array(name):
    """The packed update and the per-array update are the same arithmetic, bit for bit."""
    net = MLP(6, (8, 5), 5, 4, seed=3)
    loose = {k: v.copy() for k, v in net.params.items()}  # not packed: one pass per array
    assert packed(loose) is None
    fast, slow = make_optimizer(name, net.params), make_optimizer(name, loose)
    rng = np.random.default_rng(0)
    grads = packed_copy(net.params)
    for step in range(5):
        for g in grads.values():
            g[...] = rng.standard_normal(g.shape)
        fast.step(grads, 0.05)
        slow.step({k: g.copy() for k, g in grads.items()}, 0.05)
        assert fast._flat_grads is not None and slow._flat_grads is None
        for k in loose:
            np.testing.assert_array_equal(net.params[k], loose[k], err_msg=f"{name} {k} {step}")
    for k, v in fast.state().items():
        np.testing.assert_array_equal(v, slow.state()[k])
