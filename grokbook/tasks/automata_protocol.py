"""Rule-30 seed ensembles under the authors' protocol (Zunkovic & Ilievski, arXiv 2210.15435; code qml-tn/grokking).

What their code (``CA_cli.py``) does, and this module reproduces with the
book's training loop (:func:`grokbook.training.train` on an
:class:`grokbook.ensemble.Ensemble`):

* the read-out: the sigmoid of a normalised, scaled logit
  z_i = s h_{x_i} / |h| (:class:`grokbook.tensor_network.TensorNetworkAttention`
  with ``readout="normalised"``), trained on the squared error
  (sigmoid(z_i) - y_i)^2 (:func:`sigmoid_mse`); ``readout="linear"`` with
  ``loss="logistic"`` is the book's other read-out;
* the domain size of the error string e_i = [prediction_i != y_i] of a
  string of n cells with w domain walls, (n - w) / ((w + 1) n), averaged over
  strings (:func:`domain_size`, their ``average_domain_size``): 1 for no
  error, about 1/2 for one wall;
* the two times they log: ``train_epoch``, the first epoch at which the
  domain size on the training strings exceeds 0.99, and ``gen_epoch``, the
  first at which it does on a fixed test set of random strings of 1,000
  cells (:func:`protocol_epochs`).  These are threshold times of their own:
  the book's clock (:mod:`grokbook.curves`) gives ``t_fit`` and ``t_grok``
  beside them.

Cost: a test evaluation of 48 networks (d = 10) on 256 strings of 1,000
cells is about 10-30 s on one core, so the long strings are measured every
``test_every`` epochs, and only where they can decide something: every
member on the first ``n_screen`` test strings; all of them for the members
whose screen leaves a domain size > 0.99 possible (at most 5 strings with an
error: each such string has a domain size <= 1/2), until that member's
first error-free epoch ``t_zero``.  ``long_full`` says which values come from
the whole set.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .. import curves
from ..data import Dataset
from ..ensemble import Ensemble
from ..losses import IGNORE_INDEX, WeightPenalty, masked_cross_entropy
from ..tensor_network import (
    READOUTS,
    CellLogits,
    TensorNetworkAttention,
    authors_frozen_attention,
)
from ..training import History, train
from ..validate import check_config, check_int, check_real
from .automata_data import crop_dataset, random_strings, rule30

__all__ = ["sigmoid_mse", "domain_size", "protocol_epochs", "PROTOCOL_CONFIG", "train_protocol", "run_protocol_config"]


def sigmoid_mse(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The authors' loss: the mean of (sigmoid(z_i) - y_i)^2 over present cells (labels not IGNORE_INDEX).

    ``logits`` (n, ..., 2) are the pairs (0, z_i) of
    :class:`~grokbook.tensor_network.CellLogits`, so sigmoid(z_i) is the
    softmax probability of class 1.
    """
    present = y != IGNORE_INDEX
    p = torch.sigmoid(logits[..., 1] - logits[..., 0])
    err = torch.where(present, p - torch.where(present, y, 0).to(p.dtype), 0.0)
    return err.square().sum() / present.sum().clamp(min=1)


def domain_size(errors: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
    """Mean domain size of error strings, (...,): (n - w) / ((w + 1) n) per string, averaged over strings.

    Args:
        errors: (..., N, L) bool, True where a present cell is predicted wrong.
        present: (N, L) bool, the cells that exist (absent ones at the left end).

    n is the number of present cells of a string and w the number of
    neighbouring present pairs whose error indicators differ (the authors'
    ``average_domain_size``).
    """
    n = present.sum(-1).to(torch.float64)  # (N,)
    both = present[:, 1:] & present[:, :-1]
    walls = ((errors[..., 1:] != errors[..., :-1]) & both).sum(-1).to(torch.float64)  # (..., N)
    return ((n - walls) / ((walls + 1) * n)).mean(-1)


def protocol_epochs(epochs: np.ndarray, values: np.ndarray, *, level: float = 0.99) -> np.ndarray:
    """First epoch at which ``values`` (T, S) exceeds ``level``, per column (S,), NaN if never.

    With the domain size on the training strings this is the authors'
    ``train_epoch``; on the long test strings, their ``gen_epoch``
    (strictly above 0.99, as their code tests).
    """
    values = np.asarray(values, float)
    above = values > level
    first = np.where(above.any(axis=0), np.argmax(above, axis=0), -1)
    return np.where(first >= 0, np.asarray(epochs, float)[first], np.nan)


#: The authors' README set-up at d = 10 (their D = 40): rule 30 twice (5-local), every string of 6-10 cells
#: (their random crops of all 1024 strings of 10 cells), Adam lr 0.005, batches of 128, their read-out and loss,
#: 256 test strings of 1,000 cells (theirs: 1,000).  ``n_models`` members per CLI seed.
PROTOCOL_CONFIG: dict[str, Any] = {
    "d": 10,
    "j": 2,
    "L_min": 6,
    "L_max": 10,
    "n_held_out": 32,  # strings of L_max cells kept out of training (train()'s test split)
    "readout": "normalised",  # or "linear"
    "loss": "mse",  # "mse": (sigmoid(z) - y)^2, the authors'; "logistic": the book's cross-entropy
    "A_init": "random",  # or "authors": their hand-made frozen d = 2 tensor (tensor_network.authors_frozen_attention)
    "freeze_A": False,
    "lr": 0.005,
    "batch_size": 128,
    "n_epochs": 1000,
    "n_test": 256,  # long test strings
    "L_test": 1000,  # their length
    "test_every": 5,  # epochs between evaluations
    "n_screen": 16,  # test strings every member is measured on
    "l1": 0.0,  # l1 sum |theta| over every trainable tensor (the authors' --l1)
    "l2": 0.0,  # (l2 / 2) sum theta^2 in the loss: Adam's weight_decay = l2 (the authors' --l2)
    "n_models": 48,
}


class _LongStringProbe:
    """train()'s snapshot callback for a whole Ensemble: measures every member at once, hands out member i's values.

    :func:`grokbook.training.train` calls the snapshot once per member, in the
    order 0 ... S - 1, with a copy of that member; the first call of an epoch
    measures all members together on the stacked tensors (one batched pass,
    not S), and each call returns its member's values.
    """

    def __init__(self, ensemble: Ensemble, train_set: tuple[torch.Tensor, torch.Tensor], test_set: tuple[torch.Tensor, torch.Tensor], n_screen: int) -> None:
        self.ensemble, self.train_set, self.test_set, self.n_screen = ensemble, train_set, test_set, n_screen
        self.done = torch.zeros(len(ensemble), dtype=torch.bool)  # members whose t_zero is known
        self.epoch, self.values, self.calls = -1, {}, 0

    @torch.no_grad()
    def _errors(self, X: torch.Tensor, y: torch.Tensor, members: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(errors (S', N, L) bool, present (N, L)) of the members (all, or a subset by index)."""
        model = self.ensemble
        if members is None:
            logits = model(X)
        else:  # a subset of the members: their stacked tensors only
            template = model._template[0]
            stacked, shared = model._buffers_split()
            tensors = {k: v[members] for k, v in (model.member_parameters() | stacked).items()}
            logits = template.stacked_forward(tensors, shared, X)
        present = y != IGNORE_INDEX
        return ((logits[..., 1] > logits[..., 0]).long() != y) & present, present

    def _measure(self, epoch: int) -> dict[str, np.ndarray]:
        errors, present = self._errors(*self.train_set)
        ds_train = domain_size(errors, present)
        X, y = self.test_set
        screen_errors, screen_present = self._errors(X[: self.n_screen], y[: self.n_screen])
        long_error = screen_errors.sum((-1, -2)).double() / screen_present.sum()
        ds_test = domain_size(screen_errors, screen_present)
        bad_strings = screen_errors.any(-1).sum(-1)  # (S,)
        full = (bad_strings <= 5) & ~self.done
        members = torch.nonzero(full).flatten()
        if members.numel():
            all_errors, all_present = self._errors(X, y, members)
            long_error[members] = all_errors.sum((-1, -2)).double() / all_present.sum()
            ds_test[members] = domain_size(all_errors, all_present)
            self.done[members[all_errors.sum((-1, -2)) == 0]] = True
        return {"ds_train": ds_train.numpy(), "ds_test": ds_test.numpy(), "long_error": long_error.numpy(), "long_full": full.numpy()}

    def __call__(self, member: torch.nn.Module, data: Dataset, epoch: int) -> dict[str, Any]:
        if epoch != self.epoch:
            self.epoch, self.values, self.calls = epoch, self._measure(epoch), 0
        k, self.calls = self.calls, self.calls + 1
        return {key: value[k] for key, value in self.values.items()}


def _check_protocol(config: dict[str, Any]) -> dict[str, Any]:
    c = check_config(config, PROTOCOL_CONFIG)
    for key in ("d", "j", "L_min", "L_max", "n_held_out", "batch_size", "n_epochs", "n_test", "L_test", "test_every", "n_screen", "n_models"):
        check_int(key, c[key], minimum=1)
    check_real("lr", c["lr"], minimum=0.0, strict_minimum=True)
    for key in ("l1", "l2"):
        check_real(key, c[key], minimum=0.0)
    for key, allowed in (("readout", READOUTS), ("loss", ("mse", "logistic")), ("A_init", ("random", "authors"))):
        if c[key] not in allowed:
            raise ValueError(f"{key} must be one of {allowed}, got {c[key]!r}")
    if c["A_init"] == "authors" and (c["d"] != 2 or not c["freeze_A"]):
        raise ValueError("A_init='authors' is the frozen d = 2 tensor: it needs d=2 and freeze_A=True")
    return c


def train_protocol(config: dict[str, Any], seeds: Sequence[int], *, data_seed: int = 0) -> dict[str, Any]:
    """Train one network per seed (one Ensemble, the same batches) and measure it as the authors' code does.

    Data: every string of L_min ... L_max cells with its labels (rule 30
    applied j times; ``n_held_out`` strings of L_max cells left out as
    train()'s test split) and ``n_test`` random strings of ``L_test`` cells
    (seed data_seed + 1), fixed for the run.  Member k starts from seed
    seeds[k] (A and B N(0, 1); with ``A_init="authors"`` the hand-made frozen
    A), trains with Adam on ``loss`` plus ``l1 sum|theta| + (l2/2) sum theta^2``.

    Returns:
        ``epochs`` (T,), every ``test_every`` epochs; (T, S): ``train_error``,
        ``held_out_error``, ``train_losses``, ``held_out_losses`` (per cell, from
        train(), without the penalty), ``long_error`` (per-cell
        error on the long strings: all of them where ``long_full``, else the
        first n_screen), ``ds_train``, ``ds_test`` (domain sizes); (S,):
        ``train_epoch``, ``gen_epoch`` (the authors' times), ``t_zero`` (first
        evaluation with no error on the whole long test set), the clock's
        ``t_fit`` (training accuracy) and ``t_grok`` (long-string accuracy,
        :func:`grokbook.curves.t_grok`); ``wall_time`` (s).  NaN: not reached.
    """
    c = _check_protocol(config)
    if not isinstance(seeds, (list, tuple)) or not seeds:
        raise ValueError(f"seeds must be a non-empty list of ints >= 0, got {seeds!r}")
    seeds = [check_int("seeds", s, minimum=0) for s in seeds]
    data_seed = check_int("data_seed", data_seed, minimum=0)
    windows = crop_dataset(c["L_min"], c["L_max"], c["j"], n_held_out=c["n_held_out"], seed=data_seed)
    X_test = random_strings(c["n_test"], c["L_test"], seed=data_seed + 1)
    data = Dataset(windows.X_train, windows.y_train, windows.X_test, windows.y_test, n_classes=2)
    if c["A_init"] == "authors":
        networks = [authors_frozen_attention(readout=c["readout"], seed=s) for s in seeds]
    else:
        networks = [TensorNetworkAttention(c["d"], freeze_A=bool(c["freeze_A"]), readout=c["readout"], seed=s) for s in seeds]
    model = Ensemble([CellLogits(network) for network in networks])
    probe = _LongStringProbe(model, (data.X_train, data.y_train), (X_test, rule30(X_test, c["j"])), min(c["n_screen"], c["n_test"]))
    every, n_epochs = c["test_every"], c["n_epochs"]
    loss_fn = sigmoid_mse if c["loss"] == "mse" else masked_cross_entropy
    penalty = WeightPenalty(c["l1"], c["l2"]) if (c["l1"] or c["l2"]) else None
    start = time.perf_counter()
    histories = train(
        model, data, torch.optim.Adam(model.parameters(), lr=c["lr"]), n_epochs=n_epochs, loss_fn=loss_fn,
        eval_every=every, batch_size=c["batch_size"], snapshot_epochs=tuple(range(0, n_epochs + 1, every)),
        snapshot=probe, penalty=penalty, seed=data_seed, progress=False,
    )  # fmt: skip
    epochs = histories[0].epochs
    if not np.array_equal(epochs, sorted(histories[0].snapshots)):
        raise RuntimeError("evaluations and snapshots must fall on the same epochs")
    out: dict[str, Any] = {"epochs": epochs}
    out["train_error"] = 1 - np.stack([h.train_acc for h in histories], axis=1)
    out["held_out_error"] = 1 - np.stack([h.test_acc for h in histories], axis=1)
    out["train_losses"] = np.stack([h.train_loss for h in histories], axis=1)
    out["held_out_losses"] = np.stack([h.test_loss for h in histories], axis=1)
    for key in ("long_error", "long_full", "ds_train", "ds_test"):
        out[key] = np.array([[h.snapshots[e][key] for h in histories] for e in epochs])
    out["train_epoch"] = protocol_epochs(epochs, out["ds_train"])
    out["gen_epoch"] = protocol_epochs(epochs, np.where(out["long_full"], out["ds_test"], 0.0))
    zero = (out["long_error"] == 0) & out["long_full"]
    out["t_zero"] = protocol_epochs(epochs, zero.astype(float), level=0.5)
    out["t_fit"] = np.array([h.t_fit() for h in histories])
    out["t_grok"] = np.array([
        curves.t_grok(epochs, h.train_acc, 1 - out["long_error"][:, k]) for k, h in enumerate(histories)
    ])  # fmt: skip
    out["wall_time"] = time.perf_counter() - start
    return out


def run_protocol_config(config: dict[str, Any], seed: int, device: str = "cpu") -> dict[str, Any]:
    """:func:`train_protocol` of members ``seed * n_models ... seed * n_models + n_models - 1`` (data seed 0), for the CLI.

    Args:
        config: dict; missing keys take :data:`PROTOCOL_CONFIG`'s values, unknown keys raise ValueError.
        seed: block of member seeds, >= 0.
        device: "cpu" only (the archive's recompute passes the recorded device).

    Returns:
        :func:`train_protocol`'s arrays (its per-member clock times renamed
        ``t_fit_members``, ``t_grok_members``; no ``wall_time``), and the members' mean curves as
        one run's payload (:meth:`grokbook.training.History.to_payload`):
        ``train_loss``, ``train_acc`` (training windows), ``test_loss`` (held-out
        strings), ``test_acc`` (long strings: 1 - mean long_error), and the
        clock's ``t_fit``, ``t_grok``, ``delay`` of those mean curves.
    """
    if device != "cpu":
        raise ValueError(f"device must be 'cpu' (the ensembles run on the CPU), got {device!r}")
    c = _check_protocol(config)
    n_models = c["n_models"]
    seed = check_int("seed", seed, minimum=0)
    out = train_protocol(c, list(range(seed * n_models, (seed + 1) * n_models)), data_seed=0)
    del out["wall_time"]  # the store records it; a payload holds only what the seed determines
    out["t_fit_members"], out["t_grok_members"] = out.pop("t_fit"), out.pop("t_grok")
    history = History(  # the members' mean curves, what `grokbook show` and the archive checks read
        out["epochs"], out["train_losses"].mean(1), 1 - out["train_error"].mean(1), out["held_out_losses"].mean(1),
        1 - out["long_error"].mean(1),
    )  # fmt: skip
    return out | {k: v for k, v in history.to_payload().items() if k != "epochs"}
