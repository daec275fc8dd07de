"""The book's one training loop and its History.

Every chapter that trains a network calls :func:`train`; the History it
returns holds the learning curves and any snapshots the analyses need, and
times them with the book's one clock (:mod:`grokbook.curves`): ``t_fit`` when
the training accuracy settles, ``t_grok`` when the test accuracy settles after
rising.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch.func import vmap
from tqdm import tqdm

from . import curves
from .data import Dataset
from .ensemble import Ensemble
from .losses import accuracy, cross_entropy
from .validate import check_int

__all__ = ["History", "train", "cross_entropy", "denormals_flushed", "torch_threads"]  # cross_entropy: re-exported from .losses

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
SnapshotFn = Callable[[torch.nn.Module, Dataset, int], dict[str, Any]]
PenaltyFn = Callable[[dict[str, torch.Tensor]], torch.Tensor]


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


@contextmanager
def denormals_flushed(enabled: bool = True) -> Iterator[None]:
    """Run the block with subnormal floats read and written as zero (``enabled``), then switch that off.

    A network whose softmax saturates (the Ising network's logits reach
    hundreds) carries subnormal numbers, below 1.2e-38 in float32, through
    its backward pass, and each one costs the CPU a microcode assist: late
    in a run an epoch took 60-80 ms instead of 9.  Flushing them changes
    the numbers of a run (a different run, equally valid), so it is a
    setting of the run's config, never switched on behind the archive's
    back.  The mode belongs to the calling thread, as torch's single-thread
    runs do.
    """
    if not isinstance(enabled, bool):
        raise TypeError(f"enabled must be a bool, got {type(enabled).__name__}")
    torch.set_flush_denormal(enabled)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)


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

    def t_fit(self, tolerance: float = 0.01, tail: float = 0.1) -> float:
        """Epoch at which the training accuracy settles (:func:`grokbook.curves.t_fit`); NaN if never."""
        return curves.t_fit(self.epochs, self.train_acc, tolerance=tolerance, tail=tail)

    def t_grok(self, tolerance: float = 0.01, tail: float = 0.1, min_rise: float = 0.1) -> float:
        """Epoch at which the test accuracy settles after rising (:func:`grokbook.curves.t_grok`); NaN if it never groks."""
        return curves.t_grok(self.epochs, self.train_acc, self.test_acc, tolerance=tolerance, tail=tail, min_rise=min_rise)

    def grokking_times(self, tolerance: float = 0.01, tail: float = 0.1, min_rise: float = 0.1) -> curves.GrokkingTimes:
        """t_fit, t_grok, delay and the verdict (grokked or not) of this run: :func:`grokbook.curves.grokking_times`."""
        return curves.grokking_times(self, tolerance=tolerance, tail=tail, min_rise=min_rise)

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> History:
        """The learning curves of a stored run (a :meth:`to_payload` dict), to time it again with the clock.

        Only the five curves are read (snapshots are not rebuilt), so a result
        stored before a change of the clock's definitions is re-timed by the
        current ones: ``History.from_payload(result.payload).t_grok()``.
        """
        missing = [k for k in ("epochs", "train_loss", "train_acc", "test_loss", "test_acc") if k not in payload]
        if missing:
            raise ValueError(f"payload must hold the learning curves; it lacks {', '.join(missing)}")
        return cls(*(np.asarray(payload[k]) for k in ("epochs", "train_loss", "train_acc", "test_loss", "test_acc")))

    def to_payload(self) -> dict[str, Any]:
        """The run as a flat dict of numbers and arrays, what the results store keeps.

        Keys: the curves ``epochs``, ``train_acc``, ``test_acc``, ``train_loss``,
        ``test_loss`` ((n_evals,)); the clock's ``t_fit``, ``t_grok`` and
        ``delay = t_grok - t_fit`` (NaN where undefined); ``test_plateau`` (the
        test accuracy's final plateau) and ``test_at_fit`` (test accuracy at
        t_fit), from which t_grok's "did it rise" is decided.  With snapshots:
        ``snapshot_epochs`` (n_snap,), every key present in all snapshots
        stacked along a first axis (n_snap, ...), and each key present only at
        some epochs as ``"key@epoch"``.
        """
        fitted, grokked = self.t_fit(), self.t_grok()
        payload: dict[str, Any] = {k: getattr(self, k) for k in ("epochs", "train_acc", "test_acc", "train_loss", "test_loss")}
        payload.update(t_fit=fitted, t_grok=grokked, delay=grokked - fitted, test_plateau=curves.plateau(self.test_acc))
        payload["test_at_fit"] = float("nan") if np.isnan(fitted) else float(np.interp(fitted, self.epochs, self.test_acc))
        if self.snapshots:
            epochs = sorted(self.snapshots)
            payload["snapshot_epochs"] = np.asarray(epochs)
            common = set.intersection(*(set(self.snapshots[e]) for e in epochs))
            for key in sorted(common):
                payload[key] = np.asarray([self.snapshots[e][key] for e in epochs])
            for epoch in epochs:
                for key in sorted(set(self.snapshots[epoch]) - common):
                    payload[f"{key}@{epoch}"] = self.snapshots[epoch][key]
        return payload


def _member_losses(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor, loss_fn: LossFn) -> tuple[torch.Tensor, torch.Tensor]:
    """Loss of each member (n_members,) and logits (n_members, batch, ...): a plain model is an ensemble of one.

    An Ensemble's losses come from one vmapped call of ``loss_fn``, not a loop over members.
    """
    logits = model(X)
    if isinstance(model, Ensemble):
        return vmap(loss_fn, in_dims=(0, None))(logits, y), logits
    return loss_fn(logits, y).unsqueeze(0), logits.unsqueeze(0)


def _penalty(model: torch.nn.Module, penalty: PenaltyFn) -> torch.Tensor:
    """The penalty of the trainable parameters: of the model, or the sum of the members' (one vmapped call)."""
    if isinstance(model, Ensemble):
        return vmap(penalty)(model.member_parameters(trainable=True)).sum()
    return penalty({name: p for name, p in model.named_parameters() if p.requires_grad})


@torch.no_grad()
def _evaluate(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor, loss_fn: LossFn) -> list[tuple[float, float]]:
    """(loss, accuracy) of each member; labels equal to ``losses.IGNORE_INDEX`` are not counted."""
    losses, logits = _member_losses(model, X, y, loss_fn)
    return list(zip(losses.tolist(), accuracy(logits, y).tolist()))


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
    penalty: PenaltyFn | None = None,
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
    result is one History per member.  Its members may hold frozen tensors
    (buffers, parameters with ``requires_grad=False``), which stay as they are.

    Per-cell masks: labels equal to :data:`grokbook.losses.IGNORE_INDEX` mark
    cells that do not exist; the default loss leaves them out of its mean
    (give a ``loss_fn`` that does the same, e.g.
    :func:`grokbook.losses.masked_mse_one_hot`) and the recorded accuracies
    count only the other cells.

    The objective of a step is ``sum over members of loss_fn(member's logits,
    y) + penalty(member's trainable parameters)``.  For a plain model,
    ``penalty`` gets ``{name: parameter}`` of its trainable parameters; for an
    Ensemble it is vmapped over the members' stacked parameters, so each
    member pays its own penalty and the sum of the members' penalties is the
    penalty on the stacked parameters (:class:`grokbook.losses.WeightPenalty`
    gives L1/L2 strengths).  The recorded losses are ``loss_fn``'s, without
    the penalty.

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
        penalty: parameters (name -> tensor) -> scalar added to a member's loss, or None.
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
    if penalty is not None and not callable(penalty):
        raise TypeError(f"penalty must be a callable of the parameters or None, got {type(penalty).__name__}")

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
                objective = _member_losses(model, data.X_train[index], data.y_train[index], loss_fn)[0].sum()
                if penalty is not None:
                    objective = objective + _penalty(model, penalty)
                objective.backward()
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
