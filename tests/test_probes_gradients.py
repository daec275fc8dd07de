"""Per-sample gradients of the run's own loss, against autograd one sample at a time; the 90 %-variance count."""

from functools import partial

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from grokbook.losses import cross_entropy
from grokbook.models import IsingMLP, QuadraticMLP
from grokbook.probes import gradients
from grokbook.probes.representations import n_components


def mse_one_hot(outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Gromov's loss with F.one_hot, which reads the labels' values: it cannot run under vmap."""
    return (outputs - F.one_hot(y, outputs.shape[-1]).to(outputs.dtype)).square().sum(dim=-1).mean()


def mse_vmappable(outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The same loss written without F.one_hot."""
    target = (y[..., None] == torch.arange(outputs.shape[-1])).to(outputs.dtype)
    return (outputs - target).square().sum(dim=-1).mean()


def _autograd_loop(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor, loss_fn) -> dict[str, torch.Tensor]:
    """Reference: one backward pass per sample."""
    rows: dict[str, list[torch.Tensor]] = {}
    for i in range(len(X)):
        model.zero_grad()
        loss_fn(model(X[i : i + 1]), y[i : i + 1]).backward()
        for name, p in model.named_parameters():
            if p.ndim == 2:
                rows.setdefault(name, []).append(p.grad.ravel().clone())
    return {name: torch.stack(r) for name, r in rows.items()}


def test_per_sample_gradients_match_an_autograd_loop():
    model = IsingMLP(width=8, depth=2, seed=0)
    X, y = torch.randn(6, 64), torch.tensor([0, 1, 2, 3, 0, 1])
    loss_fn = partial(cross_entropy, beta=0.7)
    grads = gradients.per_sample_gradients(model, X, y, loss_fn=loss_fn)
    assert list(grads) == ["layers.0.weight", "layers.1.weight", "layers.2.weight"]
    for name, reference in _autograd_loop(model, X, y, loss_fn).items():
        torch.testing.assert_close(grads[name], reference, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mse", [mse_one_hot, mse_vmappable], ids=["one_hot", "vmappable"])
def test_mse_gradients_are_the_mse_s_not_the_cross_entropy_s(mse):
    """A run trained with MSE gets the per-sample gradients of MSE (they were cross-entropy's whatever the loss)."""
    model = QuadraticMLP(11, width=12, seed=1)
    g = torch.Generator().manual_seed(0)
    X, y = torch.randint(0, 11, (9, 2), generator=g), torch.randint(0, 11, (9,), generator=g)
    grads = gradients.per_sample_gradients(model, X, y, loss_fn=mse)
    for name, reference in _autograd_loop(model, X, y, mse_one_hot).items():
        torch.testing.assert_close(grads[name], reference, rtol=1e-5, atol=1e-6)
    ce = gradients.per_sample_gradients(model, X, y, loss_fn=cross_entropy)
    for name in grads:
        assert not torch.allclose(grads[name], ce[name], rtol=1e-2, atol=1e-4)


def test_gradient_components_count_all_layers_together_or_each():
    model = IsingMLP(width=8, depth=2, seed=0)
    X, y = torch.randn(20, 64, generator=torch.Generator().manual_seed(3)), torch.arange(20) % 4
    grads = gradients.per_sample_gradients(model, X, y, loss_fn=cross_entropy)
    together = gradients.gradient_components(grads)
    assert together == n_components(torch.cat(list(grads.values()), dim=1), 0.9) and 1 <= together <= 19
    per_layer = gradients.gradient_components(grads, 0.5, per_layer=True)
    np.testing.assert_array_equal(per_layer, [n_components(g, 0.5) for g in grads.values()])
    with pytest.raises(ValueError, match="grads"):
        gradients.gradient_components({})


def test_per_sample_gradients_validate():
    model = IsingMLP(width=4, depth=1, seed=0)
    with pytest.raises(TypeError, match="loss_fn"):
        gradients.per_sample_gradients(model, torch.zeros(3, 64), torch.zeros(3, dtype=torch.long), loss_fn="mse")
    with pytest.raises(ValueError, match="X must be"):
        gradients.per_sample_gradients(model, torch.zeros(3, 64), torch.zeros(2, dtype=torch.long), loss_fn=cross_entropy)
