"""Fourier analysis of modular embeddings: the basis, per-frequency power, effective numbers of frequencies."""

import numpy as np
import pytest

from grokbook.probes import fourier


@pytest.mark.parametrize("p", [7, 8, 97])
def test_fourier_basis_is_orthonormal(p):
    basis = fourier.fourier_basis(p)
    np.testing.assert_allclose(basis @ basis.T, np.eye(p), atol=1e-12)


def test_fourier_power_of_pure_modes_and_of_noise():
    p = 31
    x = np.arange(p)
    embedding = np.stack([np.cos(2 * np.pi * 5 * x / p + 0.3), 2 * np.sin(2 * np.pi * 11 * x / p)], axis=1)  # (p, 2)
    power = fourier.fourier_power(embedding)
    assert power.shape == (2, 16)
    np.testing.assert_allclose(power.sum(), (embedding**2).sum())  # Parseval
    np.testing.assert_allclose(power[:, [5, 11]] / power.sum(axis=1, keepdims=True), [[1, 0], [0, 1]], atol=1e-12)
    np.testing.assert_allclose(fourier.effective_frequencies(power), [1.0, 1.0])
    assert fourier.effective_frequencies(power.sum(axis=0)) == pytest.approx(1 / (1 / 25 + 16 / 25))
    assert fourier.neuron_frequencies(power) == pytest.approx(1.0)
    # Gaussian noise, N columns: the spectrum of the whole embedding is chi^2 with N (k = 0) and 2N (k > 0)
    # degrees of freedom out of a total of pN; to first order in 1/N its participation ratio is
    # E[T^2] / sum_k E[X_k^2] (T the total, X_k the powers).
    n_columns = 64
    rng = np.random.default_rng(0)
    values = [fourier.effective_frequencies(fourier.fourier_power(rng.normal(size=(p, n_columns))).sum(axis=0)) for _ in range(40)]
    dof = n_columns * np.array([1] + [2] * 15)
    expected = (2 * p * n_columns + (p * n_columns) ** 2) / (2 * dof + dof**2).sum()
    standard_error = np.std(values, ddof=1) / np.sqrt(len(values))
    assert abs(np.mean(values) - expected) < 4 * standard_error + 0.01 * expected


def test_neuron_frequencies_of_random_embeddings_is_about_a_quarter_of_p():
    rng = np.random.default_rng(1)
    for p in (31, 97):
        values = [fourier.neuron_frequencies(fourier.fourier_power(rng.normal(size=(p, 128)))) for _ in range(10)]
        assert abs(np.mean(values) / (p / 4) - 1) < 0.12  # the docstring's "about p / 4" (8.6 for 31, 25.2 for 97)


def test_neuron_frequencies_weights_neurons_by_their_norm():
    power = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 3.0]])  # neuron 0 uses 2 frequencies, neuron 1 one
    assert fourier.neuron_frequencies(power) == pytest.approx((2 * 2 + 3 * 1) / 5)
    np.testing.assert_allclose(fourier.neuron_frequencies(np.stack([power, power])), [1.4, 1.4])


def test_effective_frequencies_of_equal_shares():
    assert fourier.effective_frequencies(np.array([0, 0.5, 0, 0.5])) == pytest.approx(2.0)
    np.testing.assert_allclose(fourier.effective_frequencies(np.ones((3, 10))), 10.0)
    with pytest.raises(ValueError, match="power"):
        fourier.effective_frequencies(np.array([-1.0, 2.0]))
