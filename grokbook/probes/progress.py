"""Nanda et al.'s progress measures for modular addition: key frequencies, restricted and excluded loss.

A network that has learned ``a + b mod p`` the Fourier way computes its
logit for the answer c from a few terms ``cos(w_k (a + b - c))``,
``w_k = 2 pi k / p``, one per *key frequency* k (Nanda et al. 2023,
arXiv 2301.05217, Sec. 4-5).  With the orthonormal real Fourier basis of
:func:`grokbook.probes.fourier.fourier_basis` (rows: constant, then
``cos k``, ``sin k`` at rows 2k - 1 and 2k) the two directions of the table
(a, b) that carry frequency k of ``a + b`` are

    u_cos,k(a, b) = (c_k(a) c_k(b) - s_k(a) s_k(b)) / sqrt(2)  ~ cos(w_k (a + b)),
    u_sin,k(a, b) = (s_k(a) c_k(b) + c_k(a) s_k(b)) / sqrt(2)  ~ sin(w_k (a + b)),

unit vectors of R^(p^2).  For logits L (p^2, p) over the whole table (rows
(a, b) row-major, columns c) and a set K of key frequencies, with
``P_K L = sum_{k in K} (u_cos,k u_cos,k^T + u_sin,k u_sin,k^T) L``:

* restricted loss: the cross-entropy over the whole table of
  ``P_K L + mean_rows(L - P_K L)`` (only the key frequencies, and the mean
  logit of each answer): low once the Fourier circuit alone does the task;
* excluded loss: the cross-entropy over the *training* pairs of
  ``L - P_K L`` (the key frequencies removed): it rises as the training set
  comes to be fitted by the circuit instead of by memorisation.

Both as in the authors' code (its ``calculate_trig_loss`` on all pairs and
``calculate_excluded_loss`` on the training pairs, all key frequencies at
once).  The key frequencies are found from the MLP neurons
(:func:`neuron_frequencies_2d`): each neuron's activation over the table,
centred, is expanded in the 2-D Fourier basis; the frequency k whose terms
(``{1, cos k, sin k} x {1, cos k, sin k}`` without ``1 x 1``) explain most
of its variance is its frequency.  :func:`key_frequencies` keeps the
frequencies whose neurons carry a stated share of the activation variance.
"""

from __future__ import annotations

import numpy as np
import torch

from ..validate import check_int, check_real
from .fourier import fourier_basis

__all__ = [
    "sum_directions",
    "neuron_frequencies_2d",
    "frequency_shares",
    "key_frequencies",
    "key_projection",
    "restricted_loss",
    "excluded_loss",
]


def sum_directions(p: int, k: int) -> np.ndarray:
    """The unit vectors ``u_cos,k`` and ``u_sin,k`` of R^(p^2) (rows (a, b) row-major): (2, p * p).

    Args:
        p: the modulus, odd, >= 3.
        k: the frequency, 1 <= k <= (p - 1) / 2.
    """
    p = check_int("p", p, minimum=3)
    if p % 2 == 0:
        raise ValueError(f"p must be odd (a prime modulus), got {p}")
    k = check_int("k", k, minimum=1, maximum=(p - 1) // 2)
    basis = fourier_basis(p)
    c, s = basis[2 * k - 1], basis[2 * k]
    u_cos = (np.outer(c, c) - np.outer(s, s)).ravel() / np.sqrt(2)
    u_sin = (np.outer(s, c) + np.outer(c, s)).ravel() / np.sqrt(2)
    return np.stack([u_cos, u_sin])


def neuron_frequencies_2d(activations: np.ndarray | torch.Tensor, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each neuron's frequency, the share of its variance that frequency explains, and its variance.

    Args:
        activations: (p * p, n_neurons) activations over the whole table, rows (a, b) row-major.
        p: the modulus, odd.

    Returns:
        frequency (n,) int in 1 .. (p - 1) / 2; explained (n,) in [0, 1]
        (0 for a neuron that does not vary); variance (n,) the neuron's centred
        sum of squares over the table.
    """
    p = check_int("p", p, minimum=3)
    A = activations.detach().cpu().double().numpy() if isinstance(activations, torch.Tensor) else np.asarray(activations, dtype=float)
    if A.ndim != 2 or A.shape[0] != p * p:
        raise ValueError(f"activations must be (p * p, n_neurons) = ({p * p}, n), got shape {A.shape}")
    if p % 2 == 0:
        raise ValueError(f"p must be odd (a prime modulus), got {p}")
    A = (A - A.mean(axis=0)).reshape(p, p, -1)
    basis = fourier_basis(p)
    C = np.einsum("jb,ibn->ijn", basis, np.einsum("ia,abn->ibn", basis, A)) ** 2  # (p, p, n) squared 2-D coefficients
    variance = C.sum(axis=(0, 1))
    n_freq = (p - 1) // 2
    per_k = np.empty((n_freq, A.shape[-1]))
    for k in range(1, n_freq + 1):
        rows = [0, 2 * k - 1, 2 * k]
        per_k[k - 1] = C[np.ix_(rows, rows)].sum(axis=(0, 1))  # C[0, 0] = 0 after centring
    best = per_k.argmax(axis=0)
    explained = np.divide(per_k[best, np.arange(A.shape[-1])], variance, out=np.zeros(A.shape[-1]), where=variance > 0)
    return best + 1, explained, variance


def frequency_shares(frequency: np.ndarray, explained: np.ndarray, variance: np.ndarray, p: int, *, min_explained: float = 0.5) -> np.ndarray:
    """The share of all neurons' variance held by the neurons of each frequency, (K,) for k = 1 .. (p - 1) / 2.

    Only neurons whose frequency explains at least ``min_explained`` of their
    variance count towards their frequency (the rest towards none); the
    denominator is every neuron's variance.
    """
    min_explained = check_real("min_explained", min_explained, minimum=0.0, maximum=1.0)
    frequency, explained, variance = (np.asarray(x) for x in (frequency, explained, variance))
    total = variance.sum()
    if total <= 0:
        raise ValueError("variance must have a positive sum (the neurons must vary over the table)")
    kept = explained >= min_explained
    return np.bincount(frequency[kept] - 1, weights=variance[kept], minlength=(p - 1) // 2) / total


def key_frequencies(shares: np.ndarray, *, min_share: float = 0.05) -> np.ndarray:
    """The book's rule: a frequency is key when its neurons hold at least ``min_share`` of the variance.

    Args:
        shares: (K,) from :func:`frequency_shares` (index 0 is k = 1).
        min_share: in (0, 1).

    Returns:
        the key frequencies k (int array, increasing; empty if none).
    """
    min_share = check_real("min_share", min_share, minimum=0.0, maximum=1.0, strict_minimum=True)
    return np.flatnonzero(np.asarray(shares) >= min_share) + 1


def key_projection(logits: torch.Tensor, p: int, keys: np.ndarray) -> torch.Tensor:
    """``P_K L``: the part of the logits (p * p, n_out) along the directions of frequencies ``keys`` of a + b."""
    if logits.ndim != 2 or logits.shape[0] != p * p:
        raise ValueError(f"logits must be (p * p, n_out) = ({p * p}, n), got shape {tuple(logits.shape)}")
    if len(keys) == 0:
        return torch.zeros_like(logits)
    U = torch.as_tensor(np.concatenate([sum_directions(p, int(k)) for k in keys]), dtype=logits.dtype, device=logits.device)
    return U.T @ (U @ logits)


def restricted_loss(logits: torch.Tensor, labels: torch.Tensor, p: int, keys: np.ndarray) -> float:
    """Cross-entropy over the whole table of ``P_K L + mean_rows(L - P_K L)`` (Nanda et al.'s restricted loss)."""
    kept = key_projection(logits, p, keys)
    restricted = kept + (logits - kept).mean(dim=0, keepdim=True)
    return float(torch.nn.functional.cross_entropy(restricted.double(), labels))


def excluded_loss(logits: torch.Tensor, labels: torch.Tensor, p: int, keys: np.ndarray, train: torch.Tensor) -> float:
    """Cross-entropy over the training pairs (boolean mask ``train``, (p * p,)) of ``L - P_K L`` (the excluded loss)."""
    removed = logits - key_projection(logits, p, keys)
    return float(torch.nn.functional.cross_entropy(removed[train].double(), labels[train]))
