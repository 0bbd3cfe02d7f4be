import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def relu_safe_net(net, rng, scale=0.1):
    """Give the biases small random values so no unit sits exactly at a ReLU kink."""
    for k, v in net.params.items():
        if k.startswith("b"):
            v[...] = rng.standard_normal(v.shape) * scale
    return net


def loop_config(**changes):
    """A :class:`npmlp.TrainConfig` of the bare training loop -- no validation rows, no early
    stopping, no L2 penalty -- whatever ``npmlp.core.defaults.TRAIN`` says; ``changes`` on top.

    Tests of the loop itself use it, so that a change of the defaults does not change them.
    """
    from npmlp import TrainConfig

    bare = {"val_fraction": 0.0, "min_val_rows": 0, "early_stopping": None, "weight_decay": 0.0}
    return TrainConfig(**{**bare, **changes})
