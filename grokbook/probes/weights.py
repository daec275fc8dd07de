"""Weight probes: how large and how dense a network's weights are.

* :func:`weight_norm`: the L2 norm of all weight matrices (the Omnigrok /
  weight-decay picture: generalising solutions have small norms);
* :func:`sparsity`: the fraction of weights with |w| < 0.01 (Hutchison &
  Yevick, arXiv 2510.25966, Fig. 10: grokking goes from dense to sparse);
* :func:`participation_ratio`: a threshold-free measure of the same
  "dense -> sparse" change (ours).

"Weights" are the 2-D parameters of a model (:func:`weight_matrices`); biases
and other 1-D parameters are left out.
"""

from __future__ import annotations

import torch

from ..validate import check_real

__all__ = ["weight_matrices", "sparsity", "participation_ratio", "weight_norm"]


def weight_matrices(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The model's 2-D weight matrices, by parameter name, in layer order."""
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
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


def weight_norm(model: torch.nn.Module) -> float:
    """L2 norm sqrt(sum_w w^2) over every weight matrix of the model (biases excluded)."""
    weights = list(weight_matrices(model).values())
    if not weights:
        raise ValueError("model must have at least one 2-D weight matrix")
    return float(torch.sqrt(sum((w.detach().double() ** 2).sum() for w in weights)))
