"""The book's one training loop, its History, and grokking detection.

Every chapter that trains a network calls :func:`train`; the History it
returns holds the learning curves and any snapshots the analyses need.

Definitions used throughout the book (see :func:`plateau_onset`):

* ``t_fit``: the first evaluated epoch from which the *training* accuracy
  stays within ``tolerance`` of its final plateau (the mean over the last
  ``tail`` fraction of evaluations).
* ``t_grok``: the same for the *test* accuracy.

A run groks when the test plateau is reached long after the training one,
``t_grok >> t_fit``, and the test accuracy rose in between.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch.func import vmap
from tqdm import tqdm

from .data import Dataset
from .ensemble import Ensemble
from .validate import check_int, check_real

__all__ = ["History", "plateau_onset", "train", "cross_entropy", "torch_threads"]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
SnapshotFn = Callable[[torch.nn.Module, Dataset, int], dict[str, Any]]


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` torch threads, then restore the previous count.

    Small networks train fastest on one thread (more only add synchronisation,
    many times slower on a busy machine), and a fixed count fixes the order of
    float sums, hence the numbers.
    """
    n = check_int("n", n, minimum=1)
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def cross_entropy(logits: torch.Tensor, y: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
    """Mean cross-entropy of softmax(beta * logits) over every label; beta is the softmax inverse temperature.

    logits (n, ..., n_classes) and labels y (n, ...): several labels per example are averaged.
    """
    return F.cross_entropy(beta * logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def plateau_onset(epochs: np.ndarray, values: np.ndarray, *, tolerance: float = 0.01, tail: float = 0.1) -> int | None:
    """First epoch from which ``values`` stays within ``tolerance`` of its final plateau.

    The plateau is the mean of the last ``tail`` fraction of the evaluations
    (at least one).  Returns None when the curve never settles (its last
    value is outside the tolerance, which cannot happen with the mean of a
    settled tail).

    Args:
        epochs: 1-D increasing array of evaluation epochs.
        values: 1-D array, same length (an accuracy curve).
        tolerance: allowed distance from the plateau, > 0.
        tail: fraction of evaluations defining the plateau, in (0, 1].
    """
    epochs, values = np.asarray(epochs), np.asarray(values, dtype=float)
    if epochs.ndim != 1 or epochs.shape != values.shape or epochs.size == 0:
        raise ValueError(f"epochs and values must be 1-D arrays of the same non-zero length, got {epochs.shape} and {values.shape}")
    check_real("tolerance", tolerance, minimum=0.0, strict_minimum=True)
    tail = check_real("tail", tail, minimum=0.0, maximum=1.0, strict_minimum=True)
    n_tail = max(1, int(round(tail * values.size)))
    plateau = values[-n_tail:].mean()
    outside = np.abs(values - plateau) > tolerance
    if outside[-1]:
        return None
    last_outside = np.flatnonzero(outside)
    return int(epochs[last_outside[-1] + 1] if last_outside.size else epochs[0])


@dataclass
class History:
    """Learning curves of one run, evaluated every ``eval_every`` epochs, plus snapshots.

    Attributes:
        epochs: (n_evals,) evaluation epochs (0 = before training).
        train_loss, train_acc, test_loss, test_acc: (n_evals,) curves.
        snapshots: epoch -> whatever the ``snapshot`` callback returned then.
        config: free-form description of the run (for the results store).
    """

    epochs: np.ndarray
    train_loss: np.ndarray
    train_acc: np.ndarray
    test_loss: np.ndarray
    test_acc: np.ndarray
    snapshots: dict[int, dict[str, Any]] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)

    def t_fit(self, tolerance: float = 0.01, tail: float = 0.1) -> int | None:
        """Epoch at which training accuracy reaches its plateau (see :func:`plateau_onset`)."""
        return plateau_onset(self.epochs, self.train_acc, tolerance=tolerance, tail=tail)

    def t_grok(self, tolerance: float = 0.01, tail: float = 0.1) -> int | None:
        """Epoch at which test accuracy reaches its plateau (see :func:`plateau_onset`)."""
        return plateau_onset(self.epochs, self.test_acc, tolerance=tolerance, tail=tail)


def _member_losses(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor, loss_fn: LossFn) -> tuple[torch.Tensor, torch.Tensor]:
    """Loss of each member (n_members,) and logits (n_members, batch, ...): a plain model is an ensemble of one.

    An Ensemble's losses come from one vmapped call of ``loss_fn``, not a loop over members.
    """
    logits = model(X)
    if isinstance(model, Ensemble):
        return vmap(loss_fn, in_dims=(0, None))(logits, y), logits
    return loss_fn(logits, y).unsqueeze(0), logits.unsqueeze(0)


@torch.no_grad()
def _evaluate(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor, loss_fn: LossFn) -> list[tuple[float, float]]:
    """(loss, accuracy) of each member."""
    losses, logits = _member_losses(model, X, y, loss_fn)
    accuracies = (logits.argmax(dim=-1) == y).float().flatten(1).mean(dim=1)
    return list(zip(losses.tolist(), accuracies.tolist()))


def train(
    model: torch.nn.Module,
    data: Dataset,
    optimizer: torch.optim.Optimizer,
    *,
    n_epochs: int,
    loss_fn: LossFn = cross_entropy,
    eval_every: int = 10,
    batch_size: int | None = None,
    snapshot_epochs: tuple[int, ...] = (),
    snapshot: SnapshotFn | None = None,
    seed: int = 0,
    progress: bool = True,
) -> History | list[History]:
    """Train ``model`` on ``data`` and record its learning curves.

    Full batch by default (one optimizer step per epoch, as in the Ising and
    modular-arithmetic papers); with ``batch_size`` each epoch is a pass over
    a fresh random permutation of the training set.  Evaluation uses
    ``model.eval()`` (no dropout) and happens at epoch 0 and every
    ``eval_every`` epochs, and at the last epoch.  Deterministic: the same
    model initialisation, data, optimizer and seed give a bitwise identical
    History on the CPU.

    An :class:`grokbook.ensemble.Ensemble` trains all its members at once:
    the loss is the sum of the members' losses, each member is evaluated and
    snapshotted on its own (``snapshot`` receives ``model.member(i)``), and the
    result is one History per member.

    Args:
        model: maps a batch of inputs to logits (batch, n_classes), or an Ensemble.
        data: the training and test sets.
        optimizer: built on ``model.parameters()``.
        n_epochs: epochs to train, >= 1.
        loss_fn: (logits, y) -> scalar loss; default cross-entropy.
        eval_every: epochs between evaluations, >= 1.
        batch_size: minibatch size, or None for full batch.
        snapshot_epochs: epochs at which to call ``snapshot(model, data, epoch)``
            and store its result in ``History.snapshots``.
        snapshot: the snapshot callback (required with ``snapshot_epochs``).
        seed: seeds the minibatch order and dropout, >= 0.
        progress: show a tqdm bar (silenced by the environment variable TQDM_DISABLE).
    """
    n_epochs = check_int("n_epochs", n_epochs, minimum=1)
    eval_every = check_int("eval_every", eval_every, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    n_train = len(data.X_train)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, minimum=1, maximum=n_train)
    snapshot_epochs = tuple(sorted({check_int("snapshot_epochs", e, minimum=0, maximum=n_epochs) for e in snapshot_epochs}))
    if snapshot_epochs and snapshot is None:
        raise ValueError("snapshot must be given when snapshot_epochs is not empty")

    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)  # dropout masks
    is_ensemble = isinstance(model, Ensemble)
    n_members = len(model) if is_ensemble else 1
    member = model.member if is_ensemble else lambda i: model  # the module a snapshot sees
    curves = [{k: [] for k in ("epochs", "train_loss", "train_acc", "test_loss", "test_acc")} for _ in range(n_members)]
    snapshots: list[dict[int, dict[str, Any]]] = [{} for _ in range(n_members)]

    def record(epoch: int) -> None:
        model.eval()
        on_train = _evaluate(model, data.X_train, data.y_train, loss_fn)
        on_test = _evaluate(model, data.X_test, data.y_test, loss_fn)
        for member_curves, (train_loss, train_acc), (test_loss, test_acc) in zip(curves, on_train, on_test):
            for key, value in zip(member_curves, (epoch, train_loss, train_acc, test_loss, test_acc)):
                member_curves[key].append(value)
        model.train()

    def maybe_snapshot(epoch: int) -> None:
        if epoch in snapshot_epochs:
            for i, member_snapshots in enumerate(snapshots):
                member_snapshots[epoch] = snapshot(member(i), data, epoch)  # type: ignore[misc]

    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        record(0)
        maybe_snapshot(0)
        model.train()
        bar = tqdm(range(1, n_epochs + 1), disable=not progress or bool(os.environ.get("TQDM_DISABLE")), leave=False)
        for epoch in bar:
            order = torch.randperm(n_train, generator=generator) if batch_size else None
            for start in range(0, n_train, batch_size or n_train):
                index = order[start : start + batch_size] if order is not None else slice(None)
                optimizer.zero_grad(set_to_none=True)
                _member_losses(model, data.X_train[index], data.y_train[index], loss_fn)[0].sum().backward()
                optimizer.step()
            if epoch % eval_every == 0 or epoch == n_epochs:
                record(epoch)
                bar.set_postfix(train_acc=curves[0]["train_acc"][-1], test_acc=curves[0]["test_acc"][-1], refresh=False)
            maybe_snapshot(epoch)
    finally:
        torch.use_deterministic_algorithms(deterministic)
        model.eval()
    histories = [History(**{k: np.asarray(v) for k, v in c.items()}, snapshots=snap) for c, snap in zip(curves, snapshots)]
    return histories if is_ensemble else histories[0]
