"""Representation probes against independent references (scikit-learn, hand counts)."""

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA

from grokbook.probes import representations as rep


@pytest.mark.parametrize("fraction", [0.5, 0.9, 0.99])
def test_n_components_agrees_with_scikit_learn(fraction):
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(200, 30)) * np.geomspace(5, 0.1, 30)  # decaying spectrum
    assert rep.n_components(Z, fraction) == PCA(n_components=fraction, svd_solver="full").fit(Z).n_components_
    assert rep.n_components(Z[:20], fraction) == PCA(n_components=fraction, svd_solver="full").fit(Z[:20]).n_components_  # n < d


def test_n_components_of_a_rank_two_cloud():
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(100, 2)) @ rng.normal(size=(2, 20)) + 3.0
    assert rep.n_components(Z, 0.999) <= 2
    assert rep.n_components(np.ones((5, 3))) == 0


@pytest.mark.parametrize("shape", [(300, 7), (20, 50)])  # both sides of the Gram-matrix switch
def test_project_2d_agrees_with_scikit_learn(shape):
    rng = np.random.default_rng(2)
    Z = rng.normal(size=shape) * np.geomspace(10, 0.1, shape[1]) + 1.0
    coords, ratio = rep.project_2d(Z)
    reference = PCA(n_components=2, svd_solver="full").fit(Z)
    np.testing.assert_allclose(ratio, reference.explained_variance_ratio_, rtol=1e-8)
    np.testing.assert_allclose(np.abs(coords), np.abs(reference.transform(Z)), rtol=1e-6, atol=1e-8)


def test_confidence():
    logits = torch.tensor([[0.0, 0.0, 0.0, 0.0], [10.0, 0.0, 0.0, 0.0]])
    p = torch.softmax(logits[1], 0)
    assert rep.confidence(logits) == pytest.approx(float(p[0] - p[1]) / 2)
    assert rep.confidence(logits, beta=1e-6) == pytest.approx(0.0, abs=1e-5)
    with pytest.raises(ValueError, match="logits"):
        rep.confidence(torch.zeros(3))


def test_representation_dimension_against_sklearn():
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((200, 7)) * np.array([3.0, 2.0, 1.0, 1.0, 0.5, 0.1, 0.01])
    p = PCA().fit(Z).explained_variance_ratio_
    expected = np.exp(-(p * np.log(p)).sum())
    assert rep.representation_dimension(Z) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("m", [1, 2, 5])
def test_representation_dimension_counts_equal_directions(m):
    # samples +-e_k for k < m: equal variance along m orthogonal axes, none elsewhere
    Z = np.concatenate([np.eye(10)[:m], -np.eye(10)[:m]])
    assert rep.representation_dimension(Z) == pytest.approx(m, rel=1e-12)


def test_representation_dimension_rejects_bad_input():
    with pytest.raises(ValueError, match="n_samples >= 2"):
        rep.representation_dimension(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="zero variance"):
        rep.representation_dimension(np.ones((4, 3)))
