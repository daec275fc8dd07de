"""Modular arithmetic, the task on which grokking was found (Power et al. 2022).

The dataset is the full table of a binary operation ``c = a o b (mod p)``
for ``a, b`` in ``0..p-1`` (``b != 0`` for division); a random fraction of
the table is the training set and the rest the test set.  An input is the
pair of tokens ``(a, b)``, a label the residue ``c``.

The model is Gromov's two-layer network with a quadratic activation acting
on the concatenated one-hot codes of ``a`` and ``b`` (Gromov 2023,
arXiv 2301.02679; :class:`grokbook.models.QuadraticMLP`),

    f(a, b) = W2^T (W1^T [e_a; e_b])^2,        W1: (2p, width),  W2: (width, p),

trained with the mean squared error against one-hot targets.  It groks in
tens of full-batch steps (Power et al.'s transformer generalised about 10^3
times later than it fitted), which is what lets the book's prologue run in
seconds on a laptop.  What it learns, a few Fourier modes of the residues
per neuron, is measured by :mod:`grokbook.probes.fourier`.

:func:`build` makes one run's split, network, optimizer and loss;
:func:`run_config` is one run of a sweep (a JSON-able config and a seed in,
a plain dict of numpy arrays and floats out); :func:`gradient_runs` trains
the same runs at several widths and keeps gradient snapshots for the
avalanche probe of chapter 5.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import torch

from ..curves import first_epoch_at
from ..data import Dataset
from ..losses import LOSSES
from ..models import QuadraticMLP
from ..probes.avalanche import gradient_snapshot, gradient_sweep
from ..probes.fourier import fourier_power, neuron_frequencies
from ..training import History, train
from ..validate import check_choice, check_config, check_fraction, check_int, check_real
from . import Setup

__all__ = [
    "OPERATIONS",
    "DEFAULT_CONFIG",
    "operation_table",
    "make_dataset",
    "build",
    "run_config",
    "gradient_runs",
]

#: Operation name -> c(a, b, p); "div" is a * b^(p-2) = a / b for prime p and b != 0.
OPERATIONS: dict[str, Callable[[np.ndarray, np.ndarray, int], np.ndarray]] = {
    "add": lambda a, b, p: (a + b) % p,
    "sub": lambda a, b, p: (a - b) % p,
    "div": lambda a, b, p: (a * _inverses(p)[b]) % p,
}


def _inverses(p: int) -> np.ndarray:
    """b^(p-2) mod p for b = 0 .. p-1: the inverse of b mod a prime p (Fermat), 0 for b = 0."""
    return np.array([pow(b, p - 2, p) for b in range(p)], dtype=np.int64)


def _is_prime(n: int) -> bool:
    return n >= 2 and all(n % d for d in range(2, int(n**0.5) + 1))


def operation_table(p: int, operation: str = "add") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every equation ``a o b = c (mod p)`` of the table, in row-major order of (a, b).

    Args:
        p: the modulus, 2 <= p <= 1000; prime for ``"div"``.
        operation: one of :data:`OPERATIONS` (``"add"``, ``"sub"``, ``"div"``).

    Returns:
        a, b, c: int64 arrays of length p^2 (p (p - 1) for division, where b != 0).
    """
    p = check_int("p", p, minimum=2, maximum=1000)
    operation = check_choice("operation", operation, OPERATIONS)
    if operation == "div" and not _is_prime(p):
        raise ValueError(f"p must be prime for operation 'div' (b must have an inverse), got {p}")
    a, b = (x.ravel() for x in np.meshgrid(np.arange(p), np.arange(p), indexing="ij"))
    if operation == "div":
        a, b = a[b != 0], b[b != 0]
    return a, b, OPERATIONS[operation](a, b, p)


def make_dataset(p: int = 97, operation: str = "add", train_fraction: float = 0.5, seed: int = 0) -> Dataset:
    """A random split of the table of ``a o b mod p`` into training and test equations.

    Args:
        p: the modulus (see :func:`operation_table`).
        operation: ``"add"``, ``"sub"`` or ``"div"``.
        train_fraction: fraction of the table used for training, in (0, 1);
            both splits must keep at least one equation.
        seed: seeds the split, >= 0.

    Returns:
        :class:`~grokbook.data.Dataset` with ``X`` int64 (n, 2) token pairs (a, b)
        and ``y`` int64 (n,) residues c, ``n_classes = p``.
    """
    a, b, c = operation_table(p, operation)
    train_fraction = check_fraction("train_fraction", train_fraction)
    seed = check_int("seed", seed, minimum=0)
    n_train = int(round(train_fraction * a.size))
    if not 1 <= n_train < a.size:
        raise ValueError(f"train_fraction must leave at least one equation in each split of the {a.size} equations, got {train_fraction}")
    order = torch.randperm(a.size, generator=torch.Generator().manual_seed(seed))
    X = torch.from_numpy(np.stack([a, b], axis=1))  # (n, 2)
    y = torch.from_numpy(c)  # (n,)
    train_idx, test_idx = order[:n_train], order[n_train:]
    return Dataset(X[train_idx], y[train_idx], X[test_idx], y[test_idx], n_classes=p)


#: The chapter's recipe: Gromov's network, MSE, AdamW lr 1e-2 and weight decay 5, half the table.
DEFAULT_CONFIG: dict[str, Any] = {
    "p": 97,  # modulus
    "operation": "add",  # "add", "sub" or "div"
    "train_fraction": 0.5,  # fraction of the p^2 equations used for training
    "width": 128,  # hidden width
    "loss": "mse",  # "mse" (one-hot targets) or "cross_entropy"
    "lr": 1e-2,  # AdamW learning rate
    "weight_decay": 5.0,  # AdamW (decoupled) weight decay
    "n_epochs": 150,  # full-batch steps
    "eval_every": 5,  # steps between evaluations (and Fourier snapshots)
    "dense_one_hot": False,  # True: the literal one-hot matrix product (baseline)
    "fourier": False,  # record the Fourier power of the embedding at each evaluation
}


def _check_config(config: dict[str, Any]) -> dict[str, Any]:
    full = check_config(config, DEFAULT_CONFIG)
    check_int("width", full["width"], minimum=1)
    check_choice("loss", full["loss"], LOSSES)
    check_real("lr", full["lr"], minimum=0.0, strict_minimum=True)
    check_real("weight_decay", full["weight_decay"], minimum=0.0)
    check_int("n_epochs", full["n_epochs"], minimum=1)
    check_int("eval_every", full["eval_every"], minimum=1)
    return full


def build(config: dict[str, Any], seed: int) -> Setup:
    """One run's split, initialised network, AdamW optimizer and loss.

    Seed s draws the split (:func:`make_dataset`) and the initial weights
    (``QuadraticMLP(..., seed=s)``); :func:`run_config` trains what this returns.

    Args:
        config: JSON-able dict; missing keys take :data:`DEFAULT_CONFIG`'s values.
        seed: >= 0.
    """
    config = _check_config(config)
    seed = check_int("seed", seed, minimum=0)
    data = make_dataset(config["p"], config["operation"], config["train_fraction"], seed)
    model = QuadraticMLP(config["p"], config["width"], dense_one_hot=config["dense_one_hot"], seed=seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config["lr"], weight_decay=config["weight_decay"])
    return Setup(data, model, optimizer, LOSSES[config["loss"]])


def _fourier_snapshot(model: torch.nn.Module, data: Dataset, epoch: int) -> dict[str, np.ndarray]:
    return {"fourier_power": fourier_power(model.embedding)}


def run_config(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """Train one :class:`~grokbook.models.QuadraticMLP` on one split of a modular table: one run of a sweep.

    Args:
        config: JSON-able dict; missing keys take :data:`DEFAULT_CONFIG`'s values.
        seed: seeds the split, the initialisation and the training, >= 0.

    Returns:
        A flat dict of arrays and numbers (what the results store keeps; the
        config and seed are stored beside it): :meth:`grokbook.training.History.to_payload`
        (the curves ``epochs``, ``train_loss``, ``train_acc``, ``test_loss``,
        ``test_acc`` (n_evals,), the clock's ``t_fit``, ``t_grok`` and ``delay``,
        ``test_plateau``, ``test_at_fit``); ``t_99``, the first epoch with test
        accuracy >= 0.99 (a threshold time, NaN if never: unlike ``t_grok`` it
        exists also for a run that generalised as it fitted); ``wall_time`` (s);
        with ``fourier``: ``snapshot_epochs`` (the evaluation epochs),
        ``fourier_power`` (n_evals, width, p // 2 + 1) per-neuron spectra of the
        embedding (:func:`grokbook.probes.fourier.fourier_power`) and
        ``neuron_frequencies`` (n_evals,), the chapter's progress measure.
    """
    config = _check_config(config)
    data, model, optimizer, loss_fn = build(config, seed)
    n_epochs, eval_every = config["n_epochs"], config["eval_every"]
    snapshot_epochs = tuple(range(0, n_epochs + 1, eval_every)) + (n_epochs,) if config["fourier"] else ()
    start = time.perf_counter()
    history: History = train(
        model, data, optimizer, n_epochs=n_epochs, loss_fn=loss_fn, eval_every=eval_every,
        snapshot_epochs=snapshot_epochs, snapshot=_fourier_snapshot, seed=seed, progress=False,
    )  # fmt: skip
    wall_time = time.perf_counter() - start
    result = history.to_payload()
    result["t_99"] = first_epoch_at(history.epochs, history.test_acc, 0.99)
    result["wall_time"] = wall_time
    if config["fourier"]:
        result["neuron_frequencies"] = neuron_frequencies(result["fourier_power"])
    return result


def gradient_runs(
    config: dict[str, Any], widths: Sequence[int], seeds: Sequence[int], *, n_snapshots: int = 51, progress: bool = False
) -> tuple[list[list[History]], list[np.ndarray]]:
    """The runs of ``config`` at several widths, with gradient snapshots for the avalanche probe (chapter 5).

    Each (width, seed) run is the run :func:`run_config` makes with that
    width and seed (same split, initialisation and AdamW steps); at
    ``n_snapshots`` evenly spaced epochs (0 and ``n_epochs`` included) it keeps
    the raw gradient of the training loss with respect to every parameter,
    ``W1`` then ``W2`` flattened (3 p width entries; decoupled weight decay
    is not part of it).  The collection loop is :func:`grokbook.probes.avalanche.gradient_sweep`.

    Args:
        config: as for :func:`run_config` (its ``width`` and ``fourier`` are not used).
        widths: hidden widths, each >= 1.
        seeds: seeds, each >= 0.
        n_snapshots: snapshots per run, in [2, n_epochs + 1].
        progress: show a tqdm bar over the runs.

    Returns:
        histories[i][s] (``config`` = the run's config and seed) and
        gradients[i] (n_seeds, n_snapshots, 3 p widths[i]), as :func:`grokbook.probes.avalanche.gradient_sweep`.
    """
    config = _check_config(config)
    for width in widths:
        check_int("widths", width, minimum=1)
    n_epochs = config["n_epochs"]
    n_snapshots = check_int("n_snapshots", n_snapshots, minimum=2, maximum=n_epochs + 1)

    def train_run(width: int, seed: int, epochs: tuple[int, ...]) -> History:
        run = {**config, "width": width, "fourier": False}
        data, model, optimizer, loss_fn = build(run, seed)
        history = train(
            model, data, optimizer, n_epochs=n_epochs, loss_fn=loss_fn, eval_every=config["eval_every"],
            snapshot_epochs=epochs, snapshot=partial(gradient_snapshot, loss_fn=loss_fn), seed=seed, progress=False,
        )  # fmt: skip
        history.config = {**run, "seed": seed}
        return history

    epochs = np.linspace(0, n_epochs, n_snapshots).round().astype(int)
    return gradient_sweep(train_run, widths, seeds, epochs, progress=progress, desc="modular runs")
