"""The book's losses, per-cell masks and weight penalties, for :func:`grokbook.training.train`.

* :func:`cross_entropy`: softmax cross-entropy with an inverse temperature
  beta (the Ising and phase tasks, the tensor network's per-cell logits);
* :func:`mse_one_hot`: squared error against one-hot targets (Gromov's
  modular-arithmetic loss), and :func:`masked_mse_one_hot`;
* per-cell masks: a label equal to :data:`IGNORE_INDEX` (-100, torch's
  ``ignore_index``) marks a cell that does not exist (e.g. the padding of a
  short string in a batch of long ones).  :func:`cross_entropy` and
  :func:`masked_cross_entropy` and :func:`masked_mse_one_hot` average over
  the other labels only, and
  :func:`accuracy` counts only those, so ``train()``'s curves are per-cell
  losses and accuracies of the cells that exist;
* :class:`WeightPenalty`: L1 and L2 strengths added to the objective,
  ``lambda1 sum|theta| + (lambda2 / 2) sum theta^2`` over the trainable tensors
  of one network (for an Ensemble, of each member: see ``train``'s
  ``penalty``).

A loss takes one network's outputs and labels, ``loss_fn(logits, y) ->
scalar``; ``train`` vmaps it over the members of an Ensemble.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .validate import check_real

__all__ = [
    "IGNORE_INDEX",
    "cross_entropy",
    "masked_cross_entropy",
    "mse_one_hot",
    "masked_mse_one_hot",
    "accuracy",
    "WeightPenalty",
    "LOSSES",
]

#: Label of a cell that does not exist: left out of losses and accuracies (torch's default ``ignore_index``).
IGNORE_INDEX = -100


def cross_entropy(logits: torch.Tensor, y: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
    """Mean cross-entropy of softmax(beta * logits) over every label; beta is the softmax inverse temperature.

    logits (n, ..., n_classes) and labels y (n, ...): several labels per
    example are averaged; labels equal to :data:`IGNORE_INDEX` are left out of
    the mean (a per-cell mask).  With two classes and logits (0, z) this is
    the logistic loss log(1 + e^{-(2y - 1) z}).
    """
    return F.cross_entropy(beta * logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def masked_cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """:func:`cross_entropy` (beta = 1) written out: log-softmax, the label's entry, the mean over present labels.

    The same number as :func:`cross_entropy` to rounding, and several times
    faster inside ``vmap`` (an Ensemble's loss), where torch decomposes its
    fused cross-entropy into many small operations.  0 when no label is present.
    logits (n, ..., n_classes), labels y (n, ...) with :data:`IGNORE_INDEX` at absent cells.
    """
    present = y != IGNORE_INDEX  # (n, ...)
    labels = torch.where(present, y, 0)
    if logits.shape[-1] == 2:  # the logistic loss of z = l_1 - l_0, elementwise (log-softmax is slow on an axis of 2)
        z = logits[..., 1] - logits[..., 0]
        loss = F.softplus(torch.where(labels == 1, -z, z))  # (n, ...): -log sigmoid(+-z)
    else:
        loss = -torch.log_softmax(logits, dim=-1).gather(-1, labels[..., None])[..., 0]  # (n, ...)
    return (loss * present).sum() / present.sum().clamp(min=1)


def mse_one_hot(outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Squared error against one-hot targets, summed over classes and averaged over examples (Gromov's loss)."""
    return (outputs - F.one_hot(y, outputs.shape[-1]).to(outputs.dtype)).square().sum(dim=-1).mean()


def masked_mse_one_hot(outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """:func:`mse_one_hot` averaged over the labels that are not :data:`IGNORE_INDEX` (0 if there are none).

    outputs (n, ..., n_classes), labels y (n, ...).
    """
    present = y != IGNORE_INDEX  # (n, ...)
    target = F.one_hot(torch.where(present, y, 0), outputs.shape[-1]).to(outputs.dtype)
    per_label = (outputs - target).square().sum(dim=-1)  # (n, ...)
    return (per_label * present).sum() / present.sum().clamp(min=1)


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Fraction of the labels that are not :data:`IGNORE_INDEX` whose class has the largest logit, per member.

    Args:
        logits: (n_members, n, ..., n_classes).
        y: (n, ...) labels.

    Returns:
        (n_members,) float32 accuracies (NaN for a member with no labels to count).
    """
    if logits.shape[-1] == 2:  # argmax of two classes (the first on a tie), faster than torch's argmax on a last axis of 2
        predicted = (logits[..., 1] > logits[..., 0]).long()
    else:
        predicted = logits.argmax(dim=-1)
    correct = predicted == y  # (n_members, n, ...)
    present = y != IGNORE_INDEX
    if bool(present.all()):  # the plain formula, bitwise as before masks existed
        return correct.float().flatten(1).mean(dim=1)
    return (correct & present).flatten(1).sum(dim=1).float() / present.sum().float()


@dataclass(frozen=True)
class WeightPenalty:
    """``l1 sum|theta| + (l2 / 2) sum theta^2`` over one network's trainable tensors: ``train``'s ``penalty``.

    The L2 term in the objective is what Adam's ``weight_decay`` does (it adds
    ``l2 theta`` to the gradient), unlike AdamW's decoupled decay.

    Args:
        l1, l2: strengths, >= 0.
    """

    l1: float = 0.0
    l2: float = 0.0

    def __post_init__(self) -> None:
        check_real("l1", self.l1, minimum=0.0)
        check_real("l2", self.l2, minimum=0.0)

    def __call__(self, parameters: dict[str, torch.Tensor]) -> torch.Tensor:
        """The penalty (a scalar tensor) of one network's trainable tensors, name -> tensor."""
        total = torch.zeros(())
        for theta in parameters.values():
            total = total + self.l1 * theta.abs().sum() + self.l2 / 2 * theta.square().sum()
        return total


#: Loss name -> loss_fn for :func:`grokbook.training.train`.
LOSSES = {"mse": mse_one_hot, "cross_entropy": cross_entropy}
