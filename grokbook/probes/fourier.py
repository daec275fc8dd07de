"""Fourier analysis of a modular-arithmetic embedding: which frequencies of Z_p each neuron uses.

A network that generalises on ``a o b mod p`` computes with a few Fourier
modes ``cos(2 pi k a / p)``, ``sin(2 pi k a / p)`` of its input (Nanda et al.
2023, Gromov 2023).  :func:`fourier_power` measures how each column (neuron)
of an embedding (p, width) spreads over the frequencies ``k = 0 .. p // 2``;
:func:`effective_frequencies` counts the frequencies that share a power
spectrum (a participation ratio), and :func:`neuron_frequencies` turns the
per-neuron spectra into chapter 0's progress measure: about p / 4 at
initialisation, 1 when every neuron has settled on a single frequency.
"""

from __future__ import annotations

import numpy as np
import torch

from ..validate import check_int

__all__ = ["fourier_basis", "fourier_power", "effective_frequencies", "neuron_frequencies"]


def fourier_basis(p: int) -> np.ndarray:
    """Orthonormal real Fourier basis of functions on Z_p, (p, p): row j, column x.

    Rows: the constant, then ``cos(2 pi k x / p)`` and ``sin(2 pi k x / p)``
    for k = 1 .. (p - 1) // 2, and for even p the alternating ``cos(pi x)``.
    """
    p = check_int("p", p, minimum=2)
    x = np.arange(p)
    rows = [np.ones(p)]
    for k in range(1, (p - 1) // 2 + 1):
        rows += [np.cos(2 * np.pi * k * x / p), np.sin(2 * np.pi * k * x / p)]
    if p % 2 == 0:
        rows.append(np.cos(np.pi * x))
    basis = np.array(rows)
    return basis / np.linalg.norm(basis, axis=1, keepdims=True)


def fourier_power(embedding: np.ndarray | torch.Tensor) -> np.ndarray:
    """Squared Fourier coefficients of each column of an embedding, summed per frequency.

    The embedding (p, width) is read as width functions of the token a (one per
    hidden neuron); each is expanded in :func:`fourier_basis` and the squared
    coefficients of cos and sin of the same k are added.  Row n of the
    result is neuron n's spectrum; ``power.sum(axis=0)`` is the spectrum of
    the whole embedding; by Parseval ``power.sum() = ||embedding||^2``.

    Returns:
        (width, p // 2 + 1) non-negative array, frequencies k = 0 .. p // 2.
    """
    E = embedding.detach().cpu().numpy() if isinstance(embedding, torch.Tensor) else np.asarray(embedding, dtype=float)
    if E.ndim != 2 or E.shape[0] < 2:
        raise ValueError(f"embedding must be a 2-D (p, width) array with p >= 2, got shape {E.shape}")
    p = E.shape[0]
    coefficients = (fourier_basis(p) @ E) ** 2  # (p, width)
    frequency = np.concatenate([[0], np.repeat(np.arange(1, (p - 1) // 2 + 1), 2), [p // 2] if p % 2 == 0 else []]).astype(int)
    power = np.zeros((p // 2 + 1, E.shape[1]))
    np.add.at(power, frequency, coefficients)
    return power.T


def effective_frequencies(power: np.ndarray) -> np.ndarray:
    """Participation ratio ``(sum_k P_k)^2 / sum_k P_k^2`` of Fourier powers, (..., K) -> (...).

    It counts how many frequencies share the power: exactly m when m
    frequencies share it equally, and p^2 / (2p - 1), about p / 2, for a
    wide random embedding of odd p (each k > 0 then holds 2/p of the power,
    k = 0 holds 1/p).
    """
    power = np.asarray(power, dtype=float)
    if power.ndim < 1 or power.shape[-1] == 0 or np.any(power < 0) or np.any(power.sum(axis=-1) == 0):
        raise ValueError(f"power must be an array of non-negative values, not all zero along its last axis, got shape {power.shape}")
    return power.sum(axis=-1) ** 2 / (power**2).sum(axis=-1)


def neuron_frequencies(power: np.ndarray) -> np.ndarray:
    """The chapter's progress measure: how many frequencies a typical neuron uses.

    The mean of each neuron's :func:`effective_frequencies`, weighted by the
    neuron's share of the embedding's squared norm (so that neurons that
    weight decay has switched off do not count).  About p / 4 at a random
    Gaussian initialisation (one neuron's powers are chi^2 variables with 1
    and 2 degrees of freedom, not the equal shares that would give p / 2;
    25.2 for p = 97), 1 when every neuron computes with a single frequency,
    as in Gromov's analytic solution.

    Args:
        power: (..., width, K) per-neuron spectra from :func:`fourier_power`.

    Returns:
        (...) array.
    """
    power = np.asarray(power, dtype=float)
    if power.ndim < 2:
        raise ValueError(f"power must have shape (..., width, K), got {power.shape}")
    weight = power.sum(axis=-1)  # (..., width)
    return (weight * effective_frequencies(power)).sum(axis=-1) / weight.sum(axis=-1)
