"""The small networks: shapes, initialisation laws, seeding by argument (same weights as the global-RNG recipe), hidden()."""

import numpy as np
import pytest
import torch

from grokbook.models import IsingMLP, ModularTransformer, QuadraticMLP, XORMLP
from grokbook.training import cross_entropy


def test_shapes_and_no_biases():
    model = IsingMLP()
    shapes = [tuple(p.shape) for p in model.parameters()]
    assert shapes == [(48, 64), (48, 48), (48, 48), (48, 48), (4, 48)]
    assert model(torch.ones(3, 64)).shape == (3, 4)
    assert [h.shape for h in model.hidden(torch.ones(3, 64))] == [(3, 48)] * 4


def test_init_is_c_times_pytorch_default():
    """Same seed: weights at c = 7 are exactly 7 x the weights at c = 1, bounded by 7 / sqrt(fan_in)."""
    base, scaled = IsingMLP(init_scale=1.0, seed=5), IsingMLP(init_scale=7.0, seed=5)
    for a, b in zip(base.parameters(), scaled.parameters()):
        torch.testing.assert_close(b, 7.0 * a)
        assert float(b.detach().abs().max()) <= 7.0 / a.shape[1] ** 0.5
    # the uniform law: variance of U(-a, a) is a^2 / 3 (3072 entries, ~5% standard error on the variance)
    first = base.layers[0].weight
    assert abs(float(first.detach().var()) / (1.0 / 64 / 3) - 1.0) < 0.15


@pytest.mark.parametrize("name, low, high", [("unit_uniform", 0.0, 1.0), ("symmetric_uniform", -1.0, 1.0)])
def test_other_readings_of_c_times_u(name, low, high):
    """c x U(a, b): every weight in [c a, c b], mean c (a + b) / 2 and variance c^2 (b - a)^2 / 12 (3072 entries)."""
    weights = IsingMLP(init_scale=7.0, init_distribution=name, seed=5).layers[0].weight.detach()
    assert 7.0 * low <= float(weights.min()) and float(weights.max()) <= 7.0 * high
    # standard errors: mean 7 (b - a) / sqrt(12 * 3072) ~ 0.036 (b - a); variance ~ 2.5% of it
    assert abs(float(weights.mean()) - 3.5 * (low + high)) < 4 * 0.036 * (high - low)
    assert abs(float(weights.var()) / (49.0 * (high - low) ** 2 / 12) - 1.0) < 0.1
    default = IsingMLP(init_scale=7.0, init_distribution="torch_default", seed=5)
    assert torch.equal(default.layers[0].weight, IsingMLP(init_scale=7.0, seed=5).layers[0].weight)


def test_seed_fixes_weights_without_touching_global_rng():
    torch.manual_seed(0)
    before = torch.rand(1)
    torch.manual_seed(0)
    IsingMLP(seed=1)
    assert torch.equal(torch.rand(1), before)
    assert torch.equal(IsingMLP(seed=1).layers[0].weight, IsingMLP(seed=1).layers[0].weight)
    assert not torch.equal(IsingMLP(seed=1).layers[0].weight, IsingMLP(seed=2).layers[0].weight)


def test_dropout_only_in_training_mode():
    model = IsingMLP(width=144, dropout=0.2, seed=0)
    x = torch.randn(8, 64)
    model.eval()
    assert torch.equal(model(x), model(x))
    model.train()
    torch.manual_seed(0)
    assert not torch.equal(model(x), model(x))


def test_relu_network_is_positively_homogeneous():
    """No biases: f(a x) = a f(x) for a > 0, and scaling c scales the logits by c^(depth+1)."""
    x = torch.randn(5, 64)
    with torch.no_grad():
        out = IsingMLP(seed=3)(x)
        tolerance = dict(rtol=1e-4, atol=1e-5 * float(out.abs().max()))  # float32 rounding of logits ~ 7^5
        torch.testing.assert_close(IsingMLP(seed=3)(2.5 * x), 2.5 * out, **tolerance)
        torch.testing.assert_close(IsingMLP(init_scale=7.0 / 2.0, seed=3)(x), out / 2.0**5, **tolerance)


@pytest.mark.parametrize(
    "kwargs, name",
    [(dict(width=0), "width"), (dict(depth=0), "depth"), (dict(init_scale=0.0), "init_scale"), (dict(dropout=1.0), "dropout"), (dict(n_classes=1), "n_classes"), (dict(seed=-1), "seed"),
     (dict(init_distribution="normal"), "init_distribution")],
)
def test_bad_arguments_raise(kwargs, name):
    with pytest.raises(ValueError, match=name):
        IsingMLP(**kwargs)


# --------------------------------------------------------------------------- QuadraticMLP


@pytest.mark.parametrize("seed", [0, 3])
def test_quadratic_seed_gives_the_global_rng_recipe_bitwise(seed):
    """QuadraticMLP(..., seed=s) draws W1 ~ N(0, 1/p), then W2 ~ N(0, 1/width), from torch.manual_seed(s)."""
    torch.manual_seed(seed)
    W1, W2 = torch.randn(22, 16) / np.sqrt(11), torch.randn(16, 11) / np.sqrt(16)
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    model = QuadraticMLP(11, 16, seed=seed)
    assert torch.equal(torch.rand(1), before)  # the global RNG is untouched
    assert torch.equal(model.W1, W1) and torch.equal(model.W2, W2)


def test_quadratic_row_lookup_equals_the_one_hot_product_and_hidden_is_the_square():
    model = QuadraticMLP(11, 16, seed=0)
    X = torch.stack([torch.arange(11).repeat(11), torch.arange(11).repeat_interleave(11)], dim=1)  # (121, 2)
    dense = QuadraticMLP(11, 16, dense_one_hot=True, seed=1)
    dense.load_state_dict(model.state_dict())
    torch.testing.assert_close(model(X), dense(X))
    one_hot = torch.cat([torch.eye(11)[X[:, 0]], torch.eye(11)[X[:, 1]]], dim=1)  # independent reference
    hidden = (one_hot @ model.W1.detach()) ** 2  # (121, 16)
    torch.testing.assert_close(model(X), hidden @ model.W2.detach())
    (layer,) = model.hidden(X)
    torch.testing.assert_close(layer, hidden)
    assert torch.equal(model.embedding, model.W1[:11])


# --------------------------------------------------------------------------- XORMLP


@pytest.mark.parametrize("width", [20, 500])
def test_xor_parameter_count_is_4_width_plus_1(width):
    model = XORMLP(width)
    assert sum(p.numel() for p in model.parameters()) == 4 * width + 1
    assert model(torch.ones(4, 2)).shape == (4, 2) and model.hidden(torch.ones(4, 2))[0].shape == (4, width)


@pytest.mark.parametrize("seed", [0, 5])
def test_xor_seed_gives_the_global_rng_recipe_bitwise(seed):
    """XORMLP(..., seed=s) has the weights of torch.manual_seed(s), two nn.Linear, then the normal draws."""
    torch.manual_seed(seed)
    hidden, out = torch.nn.Linear(2, 30), torch.nn.Linear(30, 1)
    with torch.no_grad():
        hidden.weight.normal_(0, 0.2)
        hidden.bias.normal_(0, 0.2)
        out.weight.normal_(0, 0.03)
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    model = XORMLP(30, hidden_init=0.2, output_init=0.03, seed=seed)
    assert torch.equal(torch.rand(1), before)
    expected = [hidden.weight, hidden.bias, out.weight, torch.zeros(1)]
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), expected))


def test_xor_logits_are_binary_cross_entropy_and_mean_field():
    model = XORMLP(7, hidden_init=0.5, output_init=0.5, seed=0)
    X, y = torch.tensor([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]]), torch.tensor([0, 1, 1, 0])
    logits = model(X)
    z = (torch.tanh(X @ model.hidden_layer.weight.T + model.hidden_layer.bias) * model.out.weight).sum(dim=1) / 7
    torch.testing.assert_close(logits, torch.stack([torch.zeros(4), z + model.out.bias], dim=1))
    reference = torch.nn.functional.binary_cross_entropy_with_logits(logits[:, 1], y.float())
    torch.testing.assert_close(cross_entropy(logits, y), reference)


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: QuadraticMLP(1), "p"),
        (lambda: QuadraticMLP(5, 0), "width"),
        (lambda: QuadraticMLP(5, seed=-1), "seed"),
        (lambda: XORMLP(0), "width"),
        (lambda: XORMLP(3, hidden_init=0), "hidden_init"),
        (lambda: XORMLP(3, output_init=-1.0), "output_init"),
        (lambda: XORMLP(3, seed=-2), "seed"),
    ],
)
def test_bad_model_arguments_name_the_argument(make, name):
    with pytest.raises(ValueError, match=name):
        make()


def test_transformer_last_position_equals_the_literal_three_position_computation():
    """The fast forward (keys/values per token, MLP at the last position) is Nanda et al.'s whole-sequence model."""
    model = ModularTransformer(13, d_model=16, n_heads=4, d_mlp=24, seed=3)
    with torch.no_grad():  # non-zero biases, so that they are tested too
        model.b_in.normal_()
        model.b_out.normal_()
    X = torch.cartesian_prod(torch.arange(13), torch.arange(13))
    fast, full = model(X), model.forward_full(X)
    assert fast.shape == (169, 13)
    torch.testing.assert_close(fast, full, rtol=1e-5, atol=1e-5)
    (hidden,) = model.hidden(X)
    assert hidden.shape == (169, 24) and bool((hidden >= 0).all())


def test_transformer_init_is_their_gaussians_and_the_seed_fixes_it():
    model = ModularTransformer(113, seed=0)
    shapes = {name: tuple(p.shape) for name, p in model.named_parameters()}
    assert shapes["W_E"] == (114, 128) and shapes["W_U"] == (128, 113) and shapes["W_Q"] == (4, 32, 128)
    assert shapes["W_in"] == (512, 128) and shapes["W_out"] == (128, 512) and shapes["W_pos"] == (3, 128)
    assert abs(float(model.W_in.detach().std()) * 128**0.5 - 1) < 0.02  # N(0, 1/d_model): 65,536 draws
    assert abs(float(model.W_U.detach().std()) * 114**0.5 - 1) < 0.02  # N(0, 1/(p + 1))
    assert not model.b_in.detach().any() and not model.b_out.detach().any()
    again, other = ModularTransformer(113, seed=0), ModularTransformer(113, seed=1)
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), again.parameters()))
    assert not torch.equal(model.W_E, other.W_E)


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: ModularTransformer(1), "p"),
        (lambda: ModularTransformer(7, d_model=10, n_heads=4), "n_heads"),
        (lambda: ModularTransformer(7, d_mlp=0), "d_mlp"),
        (lambda: ModularTransformer(7, seed=-1), "seed"),
        (lambda: ModularTransformer(7)(torch.zeros(3, 3, dtype=torch.long)), "X"),
    ],
)
def test_bad_transformer_arguments_name_the_argument(make, name):
    with pytest.raises(ValueError, match=name):
        make()
