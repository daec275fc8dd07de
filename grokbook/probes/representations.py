"""Representation probes: principal component analysis of samples, and how many directions they fill.

The analyses of Hutchison & Yevick (arXiv 2510.25966, Secs. 4-6) and
Zunkovic & Ilievski (arXiv 2210.15435) on a set of samples Z (n, d) (hidden
activations, per-sample gradients):

* :func:`principal_variances`: the variances along the principal axes, from
  the eigenvalues of the smaller Gram matrix (fast for a few hundred samples
  of thousands of entries);
* :func:`n_components`: principal components needed for a fraction (0.9) of
  the variance (their Fig. 15 for gradients);
* :func:`project_2d`: the two leading components, for scatter plots (their
  Figs. 14, 16-18);
* :func:`representation_dimension`: exp of the entropy of the normalised
  PCA spectrum, the effective dimension of a representation (rule learning);
* :func:`confidence`: the mean gap P_max - P_second of the softmax of the
  network's output (their Figs. 19-20).
"""

from __future__ import annotations

import numpy as np
import torch

from ..validate import check_fraction, check_real

__all__ = ["principal_variances", "n_components", "project_2d", "representation_dimension", "confidence"]


def _check_samples(Z: torch.Tensor | np.ndarray) -> torch.Tensor:
    Z = torch.as_tensor(Z).double()
    if Z.ndim != 2 or Z.shape[0] < 2:
        raise ValueError(f"the data must have shape (n_samples >= 2, n_features), got {tuple(Z.shape)}")
    return Z


def principal_variances(Z: torch.Tensor | np.ndarray) -> torch.Tensor:
    """Variances along the principal axes of samples Z (n >= 2, d), descending, float64: eigenvalues of the smaller Gram matrix."""
    Z = _check_samples(Z)
    Z = Z - Z.mean(dim=0)
    gram = Z @ Z.T if Z.shape[0] <= Z.shape[1] else Z.T @ Z  # same non-zero spectrum, the smaller side
    return torch.linalg.eigvalsh(gram).flip(0).clamp(min=0.0) / (Z.shape[0] - 1)


def n_components(Z: torch.Tensor | np.ndarray, fraction: float = 0.9) -> int:
    """Smallest number of principal components explaining ``fraction`` of the variance of Z (n, d).

    The variances are the eigenvalues of the centred Gram matrix (n x n, or
    d x d when d < n), in float64; the count equals scikit-learn's
    ``PCA(n_components=fraction).n_components_`` (the tests check it).
    Zero-variance data give 0.
    """
    fraction = check_fraction("fraction", fraction, closed=True)
    variance = principal_variances(Z)
    total = float(variance.sum())
    if total == 0.0:
        return 0
    cumulative = torch.cumsum(variance, 0) / total
    return min(int(torch.searchsorted(cumulative, torch.tensor(fraction, dtype=cumulative.dtype) - 1e-12)) + 1, variance.numel())


def project_2d(Z: torch.Tensor | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project samples Z (n, d) onto their two leading principal components.

    Uses the eigenvectors of the centred Gram matrix (the tests compare with
    scikit-learn's PCA, up to the sign of each axis).

    Returns:
        coordinates (n, 2) and the explained variance ratios (2,).
    """
    Z = _check_samples(Z)
    Z = Z - Z.mean(dim=0)
    if Z.shape[0] <= Z.shape[1]:
        values, vectors = torch.linalg.eigh(Z @ Z.T)  # scores = U S: eigenvectors of Z Z^T times sqrt(eigenvalue)
        coords = vectors[:, -2:].flip(1) * values[-2:].flip(0).clamp(min=0.0).sqrt()
    else:
        values, vectors = torch.linalg.eigh(Z.T @ Z)
        coords = Z @ vectors[:, -2:].flip(1)
    total = float(values.clamp(min=0.0).sum())
    ratio = values[-2:].flip(0).clamp(min=0.0) / total if total > 0 else torch.zeros(2, dtype=values.dtype)
    return coords.numpy(), ratio.numpy()


def confidence(logits: torch.Tensor, beta: float = 1.0) -> float:
    """Mean over samples of P_max - P_second, P = softmax(beta * logits) (the paper's Delta P-bar)."""
    beta = check_real("beta", beta, minimum=0.0, strict_minimum=True)
    if logits.ndim != 2 or logits.shape[1] < 2:
        raise ValueError(f"logits must have shape (n, n_classes >= 2), got {tuple(logits.shape)}")
    top2 = torch.topk(torch.softmax(beta * logits.detach(), dim=-1), 2, dim=-1).values  # (n, 2)
    return float((top2[:, 0] - top2[:, 1]).mean())


def representation_dimension(Z: torch.Tensor | np.ndarray) -> float:
    """Effective dimension exp(S) of samples Z (n, d): S the entropy of the normalised PCA spectrum.

    With the variances lambda_i of Z along its principal axes and
    p_i = lambda_i / sum_j lambda_j, ``S = -sum_i p_i ln p_i`` (0 ln 0 = 0) and
    exp(S) counts the directions the samples spread over: m for a spread
    shared equally by m orthogonal directions, 1 for samples on a line.
    This is the "PCA entropy" of Zunkovic & Ilievski (arXiv 2210.15435),
    exponentiated; their code takes the log of zero variances and returns
    NaN for rank-deficient data, which this does not.

    Args:
        Z: (n_samples >= 2, n_features) with non-zero variance.
    """
    variances = principal_variances(Z)  # (min(n, d),) descending
    total = float(variances.sum())
    if total == 0.0:
        raise ValueError("Z must not have zero variance (every sample equal)")
    p = variances[variances > 0] / total
    return float(torch.exp(-(p * torch.log(p)).sum()))
