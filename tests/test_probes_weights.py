"""Weight probes against closed forms: sparsity, participation ratio, weight norm."""

import numpy as np
import pytest
import torch

from grokbook.models import XORMLP, IsingMLP
from grokbook.probes import weights


def test_sparsity_counts_small_weights():
    w = torch.tensor([[0.0, 0.005, -0.009], [0.01, -0.5, 2.0]])
    assert weights.sparsity(w) == pytest.approx(0.5)
    assert weights.sparsity(w, threshold=1.0) == pytest.approx(5 / 6)
    with pytest.raises(ValueError, match="threshold"):
        weights.sparsity(w, threshold=0.0)


def test_participation_ratio_limits():
    assert weights.participation_ratio(torch.full((4, 5), -0.3)) == pytest.approx(1.0)
    w = torch.zeros(10, 10)
    w[0, :5] = 2.0
    assert weights.participation_ratio(w) == pytest.approx(5 / 100)
    with pytest.raises(ValueError, match="non-zero"):
        weights.participation_ratio(torch.zeros(3, 3))


def test_weight_norm_matches_the_flattened_weights():
    model = IsingMLP(n_inputs=6, n_classes=3, width=5, depth=2, seed=1)
    flat = torch.cat([layer.weight.detach().double().ravel() for layer in model.layers])
    assert weights.weight_norm(model) == pytest.approx(float(flat.norm()), rel=1e-12)


def test_weight_norm_ignores_biases():
    model = XORMLP(4)
    with torch.no_grad():
        model.hidden_layer.bias.fill_(100.0)
    expected = np.sqrt(sum(float((p.detach().double() ** 2).sum()) for p in (model.hidden_layer.weight, model.out.weight)))
    assert weights.weight_norm(model) == pytest.approx(expected, rel=1e-12)
