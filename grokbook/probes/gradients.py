"""Gradient probes: the per-sample gradients of the run's own loss and how many directions they span.

Hutchison & Yevick (arXiv 2510.25966, Sec. 5, Fig. 15) count the principal
components needed for 90 % of the variance of the per-sample gradients: few
while a network memorises, more once it generalises.  The gradient is that
of the loss the run trains with (``loss_fn``: cross-entropy for the Ising and
XOR tasks, MSE on one-hot targets for modular addition); a probe that
differentiated another loss would count the directions of a loss the
network never followed.

* :func:`per_sample_gradients`: gradient of each sample's loss with respect to
  each weight matrix, from ``torch.func.vmap(torch.func.grad(...))``;
* :func:`gradient_components`: the components for ``fraction`` (0.9) of their
  variance (:func:`grokbook.probes.representations.n_components`), over all
  weight matrices together or per layer.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch.func import functional_call, grad, vmap

from ..training import LossFn
from .representations import n_components
from .weights import weight_matrices

__all__ = ["per_sample_gradients", "gradient_components"]


def per_sample_gradients(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor, *, loss_fn: LossFn) -> dict[str, torch.Tensor]:
    """Gradient of each sample's loss with respect to each weight matrix.

    The loss of sample i is ``loss_fn(model(x_i[None]), y_i[None])``, the
    run's training loss on a batch of one (for a loss averaged over the
    batch, the per-sample term of the gradient the optimiser follows).  The
    gradients come from ``torch.func.vmap(torch.func.grad(...))`` in the
    model's current mode (call ``model.eval()`` first to switch dropout off).
    A loss that cannot run under ``vmap`` (one that reads the values of its
    targets, as ``torch.nn.functional.one_hot`` does) is differentiated one
    sample at a time instead: the same gradients, more slowly.

    Args:
        model: the network.
        X: (n, ...) inputs; y: (n, ...) targets, as ``loss_fn`` takes them.
        loss_fn: (outputs, targets) -> scalar loss, the one the run trains with
            (e.g. ``partial(grokbook.training.cross_entropy, beta=beta)``).

    Returns:
        parameter name -> (n, numel) flattened per-sample gradients, for each 2-D weight.
    """
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable (outputs, targets) -> loss, got {type(loss_fn).__name__}")
    if X.ndim < 1 or len(X) == 0 or y.ndim < 1 or len(y) != len(X):
        raise ValueError(f"X must be (n, ...) and y (n, ...) with the same n >= 1, got {tuple(X.shape)} and {tuple(y.shape)}")
    params = {k: v.detach() for k, v in model.named_parameters()}
    names = list(weight_matrices(model))

    def loss(p: dict[str, torch.Tensor], x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return loss_fn(functional_call(model, p, (x[None],)), target[None])

    try:
        grads = vmap(grad(loss), in_dims=(None, 0, 0))(params, X, y)
    except RuntimeError as error:  # data-dependent code in loss_fn: no batching rule
        if "vmap" not in str(error):
            raise
        each = [grad(loss)(params, x, target) for x, target in zip(X, y)]
        grads = {name: torch.stack([g[name] for g in each]) for name in names}
    return {name: grads[name].reshape(len(X), -1) for name in names}


def gradient_components(
    grads: Mapping[str, torch.Tensor], fraction: float = 0.9, *, per_layer: bool = False
) -> int | np.ndarray:
    """Principal components needed for ``fraction`` of the variance of per-sample gradients (the paper's Fig. 15).

    Args:
        grads: parameter name -> (n, numel) per-sample gradients (:func:`per_sample_gradients`).
        fraction: explained variance, in (0, 1].
        per_layer: count each weight matrix separately instead of all of them concatenated.

    Returns:
        the count (int), or (n_layers,) counts with ``per_layer``.
    """
    if not grads:
        raise ValueError("grads must hold at least one weight matrix's gradients")
    if per_layer:
        return np.array([n_components(g, fraction) for g in grads.values()])
    return n_components(torch.cat(list(grads.values()), dim=1), fraction)
