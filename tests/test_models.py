"""The paper's bias-free MLP: shapes, no biases, initial scale c, dropout."""

import pytest
import torch

from grokbook.models import IsingMLP


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
    [(dict(width=0), "width"), (dict(depth=0), "depth"), (dict(init_scale=0.0), "init_scale"), (dict(dropout=1.0), "dropout"), (dict(n_classes=1), "n_classes"), (dict(seed=-1), "seed")],
)
def test_bad_arguments_raise(kwargs, name):
    with pytest.raises(ValueError, match=name):
        IsingMLP(**kwargs)
