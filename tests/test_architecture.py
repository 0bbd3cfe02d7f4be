import pytest

from npmlp import MLP, Architecture, NpmlpError, n_parameters, summarise


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


def test_architecture_value_derives_L_sizes_and_count_from_the_widths():
    a = Architecture.of(64, (32, 16), 5, 10)
    assert (a.D, a.widths, a.C, a.L, a.H) == (64, (32, 16), 10, 5, (32, 16))
    assert a.sizes == [64, 32, 32, 16, 16, 10]
    assert a.fc_layers == [(1, 64, 32), (3, 32, 16), (5, 16, 10)]
    assert a.n_params == 64 * 32 + 32 + 32 * 16 + 16 + 16 * 10 + 10
    assert a.to_dict() == {"D": 64, "H": [32, 16], "L": 5, "C": 10}
    same = Architecture.of(64, 8, 7, 3)
    assert (same.widths, same.H, same.L, str(same)) == ((8, 8, 8), 8, 7, "D=64 H=8 L=7 C=3")
    assert Architecture.of(64, [8, 8, 8], 7, 3) == same  # equal widths: the seed's one H


@pytest.mark.parametrize(
    "args,message",
    [
        ((4, 8, 4, 3), "L must be odd and >= 3"),
        ((4, 8, 1, 3), "L must be odd and >= 3"),
        ((0, 8, 3, 3), "D (input size) must be >= 1, got D=0"),
        ((4, 0, 3, 3), "H (hidden width) must be an integer >= 1, got H=0"),
        ((4, (8, 8), 3, 3), "H lists 2 hidden widths but L=3 has 1 hidden layers"),
        ((4, 8, 3, 1), "C (number of classes) must be >= 2, got C=1"),
        ((4.0, 8, 3, 3), "D must be an integer, got 4.0"),
        ((4, True, 3, 3), "H (hidden width) must be an integer >= 1, got H=True"),
    ],
)
def test_architecture_refuses_what_is_not_a_seed_mlp(args, message):
    with pytest.raises(NpmlpError) as e:
        Architecture.of(*args)
    assert str(e.value).startswith(message)
