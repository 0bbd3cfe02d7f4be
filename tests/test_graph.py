import pytest

from npmlp import MLP, NpmlpError, n_parameters, summarise


@pytest.mark.parametrize(
    "D,H,L,C", [(64, 256, 3, 10), (4, 7, 5, 3), (784, 512, 7, 10), (2, 1, 9, 2)]
)
def test_parameter_count_matches_the_formula(D, H, L, C):
    formula = D * H + H + (L - 3) // 2 * (H * H + H) + H * C + C
    assert n_parameters(D, H, L, C) == formula
    assert summarise(D, H, L, C).total_params == formula
    net = MLP(D, H, L, C, seed=0)
    assert sum(p.size for p in net.params.values()) == formula


def test_summary_lists_every_variable_with_its_shape():
    s = summarise(64, 32, 5, 10, N=8)
    shapes = {v.name: v.shape for v in s.variables}
    assert shapes["x^(0)"] == (8, 64)
    assert shapes["x^(1)"] == shapes["x^(4)"] == (8, 32)
    assert shapes["x^(L) = s"] == shapes["p"] == shapes["dl/ds"] == (8, 10)
    assert shapes["l"] == ()
    assert shapes["W^(1)"] == shapes["dl/dW^(1)"] == (64, 32)
    assert shapes["W^(3)"] == (32, 32)
    assert shapes["W^(5)"] == (32, 10)
    assert shapes["b^(5)"] == shapes["dl/db^(5)"] == (1, 10)
    assert shapes["dl/dx^(0)"] == (8, 64)
    assert [n for n, _ in s.layer_params] == ["FC1", "FC3", "FC5"]
    assert "total parameters: 3466" in str(s)


@pytest.mark.parametrize("L", [1, 2, 4, 6, -3])
def test_even_or_small_L_is_a_value_error_stating_the_rule(L):
    with pytest.raises(ValueError, match=r"L must be odd and >= 3 .* got L=" + str(L)):
        MLP(4, 5, L, 3)
    with pytest.raises(NpmlpError):
        summarise(4, 5, L, 3)
