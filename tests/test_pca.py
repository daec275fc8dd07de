"""Analyses of grokbook.pca against independent references (autograd loops, scikit-learn, hand counts)."""

from functools import partial

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA

from grokbook import pca
from grokbook.data import Dataset
from grokbook.models import IsingMLP
from grokbook.train import cross_entropy, train


def test_sparsity_counts_small_weights():
    w = torch.tensor([[0.0, 0.005, -0.009], [0.01, -0.5, 2.0]])
    assert pca.sparsity(w) == pytest.approx(0.5)
    assert pca.sparsity(w, threshold=1.0) == pytest.approx(5 / 6)
    with pytest.raises(ValueError, match="threshold"):
        pca.sparsity(w, threshold=0.0)


def test_participation_ratio_limits():
    assert pca.participation_ratio(torch.full((4, 5), -0.3)) == pytest.approx(1.0)
    w = torch.zeros(10, 10)
    w[0, :5] = 2.0
    assert pca.participation_ratio(w) == pytest.approx(5 / 100)
    with pytest.raises(ValueError, match="non-zero"):
        pca.participation_ratio(torch.zeros(3, 3))


def test_per_sample_gradients_match_an_autograd_loop():
    model = IsingMLP(width=8, depth=2, seed=0)
    X, y = torch.randn(6, 64), torch.tensor([0, 1, 2, 3, 0, 1])
    grads = pca.per_sample_gradients(model, X, y, beta=0.7)
    assert list(grads) == ["layers.0.weight", "layers.1.weight", "layers.2.weight"]
    for i in range(len(X)):
        model.zero_grad()
        cross_entropy(model(X[i : i + 1]), y[i : i + 1], beta=0.7).backward()
        for name, p in model.named_parameters():
            torch.testing.assert_close(grads[name][i], p.grad.ravel(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fraction", [0.5, 0.9, 0.99])
def test_n_components_agrees_with_scikit_learn(fraction):
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(200, 30)) * np.geomspace(5, 0.1, 30)  # decaying spectrum
    assert pca.n_components(Z, fraction) == PCA(n_components=fraction, svd_solver="full").fit(Z).n_components_
    assert pca.n_components(Z[:20], fraction) == PCA(n_components=fraction, svd_solver="full").fit(Z[:20]).n_components_  # n < d


def test_n_components_of_a_rank_two_cloud():
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(100, 2)) @ rng.normal(size=(2, 20)) + 3.0
    assert pca.n_components(Z, 0.999) <= 2
    assert pca.n_components(np.ones((5, 3))) == 0


@pytest.mark.parametrize("shape", [(300, 7), (20, 50)])  # both sides of the Gram-matrix switch
def test_project_2d_agrees_with_scikit_learn(shape):
    rng = np.random.default_rng(2)
    Z = rng.normal(size=shape) * np.geomspace(10, 0.1, shape[1]) + 1.0
    coords, ratio = pca.project_2d(Z)
    reference = PCA(n_components=2, svd_solver="full").fit(Z)
    np.testing.assert_allclose(ratio, reference.explained_variance_ratio_, rtol=1e-8)
    np.testing.assert_allclose(np.abs(coords), np.abs(reference.transform(Z)), rtol=1e-6, atol=1e-8)


def test_confidence():
    logits = torch.tensor([[0.0, 0.0, 0.0, 0.0], [10.0, 0.0, 0.0, 0.0]])
    p = torch.softmax(logits[1], 0)
    assert pca.confidence(logits) == pytest.approx(float(p[0] - p[1]) / 2)
    assert pca.confidence(logits, beta=1e-6) == pytest.approx(0.0, abs=1e-5)
    with pytest.raises(ValueError, match="logits"):
        pca.confidence(torch.zeros(3))


def test_snapshot_metrics_through_train():
    g = torch.Generator().manual_seed(0)
    X = torch.sign(torch.randn(120, 64, generator=g))
    y = (X[:, :32].sum(1) > 0).long() + 2 * (X[:, 32:].sum(1) > 0).long()
    data = Dataset(X[:80], y[:80], X[80:], y[80:], n_classes=4)
    model = IsingMLP(width=16, depth=2, init_scale=1.0, dropout=0.1, seed=0)
    callback = partial(pca.snapshot_metrics, beta=2.0, n_pca_samples=30, detail_epochs=(20,), extra_tests={"same": (X[80:], y[80:])})
    history = train(model, data, torch.optim.Adam(model.parameters(), lr=1e-2), n_epochs=20, eval_every=10, snapshot_epochs=(0, 20), snapshot=callback, loss_fn=partial(cross_entropy, beta=2.0), progress=False)
    first, last = history.snapshots[0], history.snapshots[20]
    assert first["sparsity"].shape == (3,) and first["n90_train"].shape == (3,)
    assert np.all((1 <= last["n90_test"]) & (last["n90_test"] <= 30))
    assert last["acc_same"] == pytest.approx(history.test_acc[-1])
    assert last["grad_2d"].shape == (3, 30, 2) and last["act_2d"].shape == (2, 40, 2) and "grad_2d" not in first
    assert model.training is False  # train() leaves eval mode; the callback restored train mode in between
