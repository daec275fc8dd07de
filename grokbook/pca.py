"""Looking inside a trained network: weight sparsity, per-sample gradient PCA, activation PCA.

The analyses of Hutchison & Yevick (arXiv 2510.25966, Secs. 4-6):

* :func:`sparsity`: the fraction of weights with |w| < 0.01 in each layer (their Fig. 10);
* :func:`participation_ratio`: a threshold-free "dense -> sparse" order parameter (ours);
* :func:`per_sample_gradients`: the gradient of each sample's loss with respect to
  each weight matrix, computed with ``torch.func`` (``vmap`` of ``grad``);
* :func:`n_components`: principal components needed for a fraction (0.9) of the
  variance of those gradients (their Fig. 15); :func:`project_2d` for scatter
  plots (their Figs. 14, 16-18), both from the eigenvalues of a Gram matrix
  (fast for a few hundred samples of thousands of gradient entries);
* :func:`confidence`: the mean gap P_max - P_second of the softmax (their Fig. 19-20);
* :func:`snapshot_metrics`: all of the above as a snapshot callback of
  :func:`grokbook.train.train`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch.func import functional_call, grad, vmap

from .data import Dataset
from .train import cross_entropy
from .validate import check_fraction, check_int, check_real

__all__ = [
    "weight_matrices",
    "sparsity",
    "participation_ratio",
    "per_sample_gradients",
    "principal_variances",
    "n_components",
    "project_2d",
    "confidence",
    "snapshot_metrics",
]


def weight_matrices(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The model's 2-D weight matrices, by parameter name, in layer order."""
    return {name: p for name, p in model.named_parameters() if p.ndim == 2}


def sparsity(weights: torch.Tensor, threshold: float = 0.01) -> float:
    """Fraction of entries with |w| < ``threshold`` (> 0): the paper's sparsity of a layer."""
    threshold = check_real("threshold", threshold, minimum=0.0, strict_minimum=True)
    return float((weights.detach().abs() < threshold).float().mean())


def participation_ratio(weights: torch.Tensor) -> float:
    """Normalised participation ratio (sum |w|)^2 / (N sum w^2) of the N entries, in (0, 1].

    1 when every weight has the same magnitude, k / N when k equal weights
    carry everything: a threshold-free measure of how dense a layer is.
    """
    w = weights.detach().abs().double().ravel()
    if w.numel() == 0 or float(w.max()) == 0.0:
        raise ValueError("weights must have at least one non-zero entry")
    return float(w.sum() ** 2 / (w.numel() * (w**2).sum()))


def per_sample_gradients(
    model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor, *, beta: float = 1.0
) -> dict[str, torch.Tensor]:
    """Gradient of each sample's loss with respect to each weight matrix.

    The loss of sample i is ``cross_entropy(beta * model(x_i), y_i)``; the
    gradients come from ``torch.func.vmap(torch.func.grad(...))`` in the
    model's current mode (call ``model.eval()`` first to switch dropout off).

    Args:
        model: the network; X: (n, n_inputs); y: (n,) int64 labels; beta: softmax inverse temperature > 0.

    Returns:
        parameter name -> (n, numel) flattened per-sample gradients, for each 2-D weight.
    """
    beta = check_real("beta", beta, minimum=0.0, strict_minimum=True)
    if X.ndim != 2 or y.shape != (len(X),):
        raise ValueError(f"X must be (n, features) and y (n,), got {tuple(X.shape)} and {tuple(y.shape)}")
    params = {k: v.detach() for k, v in model.named_parameters()}
    names = list(weight_matrices(model))

    def loss(p: dict[str, torch.Tensor], x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return cross_entropy(functional_call(model, p, (x[None],)), target[None], beta=beta)

    grads = vmap(grad(loss), in_dims=(None, 0, 0))(params, X, y)
    return {name: grads[name].reshape(len(X), -1) for name in names}


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


def _subset(n: int, size: int, seed: int) -> torch.Tensor:
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))[: min(n, size)]


def snapshot_metrics(
    model: torch.nn.Module,
    data: Dataset,
    epoch: int,
    *,
    beta: float = 1.0,
    extra_tests: dict[str, tuple[torch.Tensor, torch.Tensor]] | None = None,
    n_pca_samples: int = 500,
    fraction: float = 0.9,
    detail_epochs: Sequence[int] = (),
    seed: int = 0,
) -> dict[str, Any]:
    """The analyses of one epoch, for ``train(..., snapshot=partial(snapshot_metrics, ...))``.

    Always (floats or small arrays):
        ``sparsity``, ``participation`` (n_layers,) of each weight matrix;
        ``n90_train``, ``n90_test`` (n_layers,): components for ``fraction`` of the
        variance of the per-sample gradients of ``n_pca_samples`` fixed samples;
        ``confidence_train``, ``confidence_test``; ``acc_<name>`` for each extra test set.
    At ``detail_epochs`` also:
        ``grad_2d`` (n_layers, n_pca, 2) projections of the test gradients and
        ``grad_correct`` (n_pca,) whether those samples are classified right;
        ``act_2d`` (depth, n_test, 2) projections of the hidden activations of
        the test set (the model needs a ``hidden`` method, as :class:`grokbook.models.IsingMLP`).

    The model is evaluated in eval mode (no dropout) and put back in its mode.
    """
    n_pca_samples = check_int("n_pca_samples", n_pca_samples, minimum=2)
    was_training = model.training
    model.eval()
    out: dict[str, Any] = {}
    weights = list(weight_matrices(model).values())
    out["sparsity"] = np.array([sparsity(w) for w in weights])
    out["participation"] = np.array([participation_ratio(w) for w in weights])
    detail = epoch in detail_epochs
    for split, X, y in (("train", data.X_train, data.y_train), ("test", data.X_test, data.y_test)):
        index = _subset(len(X), n_pca_samples, seed + (split == "test"))
        grads = per_sample_gradients(model, X[index], y[index], beta=beta)
        out[f"n90_{split}"] = np.array([n_components(g, fraction) for g in grads.values()])
        with torch.no_grad():
            logits = model(X)
        out[f"confidence_{split}"] = confidence(logits, beta)
        if detail and split == "test":
            out["grad_2d"] = np.stack([project_2d(g)[0] for g in grads.values()])
            out["grad_correct"] = (logits[index].argmax(-1) == y[index]).numpy()
            with torch.no_grad():
                out["act_2d"] = np.stack([project_2d(h)[0] for h in model.hidden(X)])
    with torch.no_grad():
        for name, (X, y) in (extra_tests or {}).items():
            out[f"acc_{name}"] = float((model(X).argmax(-1) == y).float().mean())
    model.train(was_training)
    return out
