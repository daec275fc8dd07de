"""Nanda et al.'s progress measures: the directions of a + b, neuron frequencies, key frequencies, restricted/excluded loss."""

import numpy as np
import pytest
import torch

from grokbook.probes import progress

P = 13
A, B = (x.ravel() for x in np.meshgrid(np.arange(P), np.arange(P), indexing="ij"))  # rows (a, b) row-major
C = (A + B) % P


def test_sum_directions_are_orthonormal_cosines_and_sines_of_a_plus_b():
    for k in (1, 4, 6):
        u = progress.sum_directions(P, k)  # (2, p^2)
        np.testing.assert_allclose(u @ u.T, np.eye(2), atol=1e-12)
        phase = 2 * np.pi * k * (A + B) / P
        for row, wave in zip(u, (np.cos(phase), np.sin(phase))):
            np.testing.assert_allclose(row, wave / np.linalg.norm(wave), atol=1e-12)
    every = np.concatenate([progress.sum_directions(P, k) for k in range(1, P // 2 + 1)])
    np.testing.assert_allclose(every @ every.T, np.eye(P - 1), atol=1e-12)  # distinct frequencies are orthogonal


def test_neuron_frequencies_of_pure_neurons_and_of_a_mixture():
    rng = np.random.default_rng(0)
    w = 2 * np.pi / P
    neurons = np.stack(
        [
            np.cos(w * 3 * (A + B) + 0.4),  # a product term of frequency 3
            np.cos(w * 5 * A) + 2 * np.sin(w * 5 * B),  # linear terms of frequency 5
            np.maximum(np.cos(w * 2 * A) + np.cos(w * 2 * B), 0),  # a ReLU of frequency 2: harmonics 2, 4, 6 as well
            rng.normal(size=A.size),  # noise: no frequency explains much
            np.ones(A.size),  # constant: no variance
        ],
        axis=1,
    )
    frequency, explained, variance = progress.neuron_frequencies_2d(neurons, P)
    assert frequency[:3].tolist() == [3, 5, 2]
    np.testing.assert_allclose(explained[:2], 1.0, atol=1e-12)
    assert 0.6 < explained[2] < 1.0 and explained[3] < 0.3 and explained[4] == 0 and variance[4] < 1e-20
    np.testing.assert_allclose(variance[0], np.sum((neurons[:, 0] - neurons[:, 0].mean()) ** 2))
    torch_result = progress.neuron_frequencies_2d(torch.tensor(neurons, dtype=torch.float32), P)
    assert torch_result[0].tolist() == frequency.tolist()


def test_frequency_shares_and_the_key_frequency_rule():
    frequency = np.array([1, 1, 2, 3, 3, 6])
    explained = np.array([0.9, 0.8, 0.9, 0.2, 0.95, 0.99])
    variance = np.array([1.0, 1.0, 4.0, 10.0, 3.0, 1.0])
    shares = progress.frequency_shares(frequency, explained, variance, P)
    assert shares.shape == (6,)
    np.testing.assert_allclose(shares, np.array([2, 4, 3, 0, 0, 1]) / 20)  # the neuron at 0.2 counts for none
    assert progress.key_frequencies(shares, min_share=0.1).tolist() == [1, 2, 3]
    assert progress.key_frequencies(shares, min_share=0.5).size == 0
    with pytest.raises(ValueError, match="min_share"):
        progress.key_frequencies(shares, min_share=0)
    with pytest.raises(ValueError, match="variance"):
        progress.frequency_shares(frequency, explained, 0 * variance, P)


def _fourier_logits(keys, scale=8.0):
    """Logits sum_k cos(w_k (a + b - c)): the Fourier algorithm with frequencies ``keys``, (p^2, p)."""
    w = 2 * np.pi / P
    phase = (A + B)[:, None] - np.arange(P)[None, :]
    return torch.tensor(scale * sum(np.cos(w * k * phase) for k in keys))


def test_restricted_and_excluded_loss_of_the_fourier_algorithm():
    keys = np.array([2, 5])
    labels = torch.tensor(C)
    logits = _fourier_logits(keys) + 3.0  # an offset: the mean logit that the restricted loss keeps
    train = torch.zeros(P * P, dtype=torch.bool)
    train[::3] = True
    full = float(torch.nn.functional.cross_entropy(logits, labels))
    assert progress.restricted_loss(logits, labels, P, keys) == pytest.approx(full, rel=1e-10)  # nothing else to remove
    assert progress.excluded_loss(logits, labels, P, keys, train) == pytest.approx(np.log(P), rel=1e-10)  # only the offset is left
    assert progress.restricted_loss(logits, labels, P, np.array([3])) == pytest.approx(np.log(P), rel=1e-10)  # the wrong key
    partial = progress.restricted_loss(logits, labels, P, np.array([2]))
    assert full < partial < np.log(P)
    with pytest.raises(ValueError, match="logits"):
        progress.restricted_loss(logits[:10], labels, P, keys)


@pytest.mark.parametrize("call, name", [(lambda: progress.sum_directions(12, 1), "p"), (lambda: progress.sum_directions(13, 7), "k"), (lambda: progress.neuron_frequencies_2d(np.zeros((10, 2)), P), "activations")])
def test_bad_arguments_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
