"""Modular arithmetic, the task on which grokking was found (Power et al. 2022).

The dataset is the full table of a binary operation ``c = a o b (mod p)``
for ``a, b`` in ``0..p-1`` (``b != 0`` for division); a random fraction of
the table is the training set and the rest the test set.  An input is the
pair of tokens ``(a, b)``, a label the residue ``c``.

The model is Gromov's two-layer network with a quadratic activation acting
on the concatenated one-hot codes of ``a`` and ``b`` (Gromov 2023,
arXiv 2301.02679),

    f(a, b) = W2^T (W1^T [e_a; e_b])^2,        W1: (2p, N),  W2: (N, p),

trained with the mean squared error against one-hot targets.  It groks in
tens of full-batch steps (Power et al.'s transformer generalised about 10^3
times later than it fitted), which is what lets the book's prologue run in
seconds on a laptop.  The first layer applied to a one-hot
vector is a row lookup, ``W1[a] + W1[p + b]``; :class:`QuadraticMLP` does
that, or (``dense_one_hot=True``) the literal matrix product, which is the
plain baseline of ``benchmarks/modular.py`` and the reference of the tests.

The mechanism: a network that generalises computes with a few Fourier modes
``cos(2 pi k a / p)``, ``sin(2 pi k a / p)`` of its input (Nanda et al. 2023,
Gromov 2023).  :func:`fourier_power` measures how each column (neuron) of
the embedding ``W1[:p]`` spreads over the frequencies ``k = 0 .. p // 2``,
and :func:`neuron_frequencies` turns that into one number, the progress
measure of the chapter: about p / 4 at initialisation, 1 when every neuron
has settled on a single frequency.

:func:`run_config` is one run of a sweep: a JSON-able config and a seed in,
a plain dict of numpy arrays and floats out.  :func:`gradient_runs` trains
the same runs at several widths and keeps gradient snapshots for the
avalanche probe of chapter 4.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .data import Dataset
from .train import History, cross_entropy, train
from .validate import check_choice, check_config, check_fraction, check_int, check_real
from .xor import gradient_snapshot, gradient_sweep

__all__ = [
    "OPERATIONS",
    "LOSSES",
    "DEFAULT_CONFIG",
    "operation_table",
    "make_dataset",
    "QuadraticMLP",
    "mse_one_hot",
    "fourier_basis",
    "fourier_power",
    "effective_frequencies",
    "neuron_frequencies",
    "first_epoch_at",
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


class QuadraticMLP(torch.nn.Module):
    """Gromov's two-layer network ``f(a, b) = W2^T (W1^T [e_a; e_b])^2``.

    Initialisation: ``W1 ~ N(0, 1/p)`` and ``W2 ~ N(0, 1/N)``, so that both
    the pre-activations and the outputs start of order one.

    Args:
        p: number of residues (input tokens and output classes), >= 2.
        width: hidden width N, >= 1.
        dense_one_hot: compute ``[e_a; e_b] @ W1`` as a dense product with the
            (n, 2p) one-hot matrix instead of a row lookup (same function, slower).
    """

    def __init__(self, p: int, width: int = 128, *, dense_one_hot: bool = False) -> None:
        super().__init__()
        self.p = check_int("p", p, minimum=2)
        width = check_int("width", width, minimum=1)
        self.dense_one_hot = bool(dense_one_hot)
        self.W1 = torch.nn.Parameter(torch.randn(2 * p, width) / np.sqrt(p))  # (2p, N): rows of a, then of b
        self.W2 = torch.nn.Parameter(torch.randn(width, p) / np.sqrt(width))  # (N, p)

    @property
    def embedding(self) -> torch.Tensor:
        """The first operand's embedding ``W1[:p]``, (p, N): row a is what the network sees of ``a``."""
        return self.W1[: self.p]

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Outputs (n, p) for int64 token pairs X (n, 2)."""
        if self.dense_one_hot:
            one_hot = torch.cat([F.one_hot(X[:, 0], self.p), F.one_hot(X[:, 1], self.p)], dim=1).float()  # (n, 2p)
            hidden = one_hot @ self.W1  # (n, N)
        else:
            hidden = self.W1[X[:, 0]] + self.W1[self.p + X[:, 1]]  # (n, N)
        return hidden.square() @ self.W2  # (n, p)


def mse_one_hot(outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Squared error against one-hot targets, summed over classes and averaged over examples (Gromov's loss)."""
    return (outputs - F.one_hot(y, outputs.shape[-1]).to(outputs.dtype)).square().sum(dim=-1).mean()


#: Loss name -> loss_fn for :func:`grokbook.train.train`.
LOSSES = {"mse": mse_one_hot, "cross_entropy": cross_entropy}


def fourier_basis(p: int) -> np.ndarray:
    """Orthonormal real Fourier basis of functions on Z_p, (p, p): row j, column x.

    Rows: the constant, then ``cos(2 pi k x / p)`` and ``sin(2 pi k x / p)``
    for k = 1 .. (p - 1) // 2, and for even p the alternating ``cos(pi x)``.
    """
    p = check_int("p", p, minimum=2)
    x = np.arange(p)
    rows = [np.ones(p)]
    for k in range(1, (p - 1) // 2 + 1):
        rows += [np.cos(2 * np.pi * k * x / p), np.sin(2 * np.pi * k * x / p)]
    if p % 2 == 0:
        rows.append(np.cos(np.pi * x))
    basis = np.array(rows)
    return basis / np.linalg.norm(basis, axis=1, keepdims=True)


def fourier_power(embedding: np.ndarray | torch.Tensor) -> np.ndarray:
    """Squared Fourier coefficients of each column of an embedding, summed per frequency.

    The embedding (p, N) is read as N functions of the token a (one per
    hidden neuron); each is expanded in :func:`fourier_basis` and the squared
    coefficients of cos and sin of the same k are added.  Row n of the
    result is neuron n's spectrum; ``power.sum(axis=0)`` is the spectrum of
    the whole embedding; by Parseval ``power.sum() = ||embedding||^2``.

    Returns:
        (N, p // 2 + 1) non-negative array, frequencies k = 0 .. p // 2.
    """
    E = embedding.detach().cpu().numpy() if isinstance(embedding, torch.Tensor) else np.asarray(embedding, dtype=float)
    if E.ndim != 2 or E.shape[0] < 2:
        raise ValueError(f"embedding must be a 2-D (p, N) array with p >= 2, got shape {E.shape}")
    p = E.shape[0]
    coefficients = (fourier_basis(p) @ E) ** 2  # (p, N)
    frequency = np.concatenate([[0], np.repeat(np.arange(1, (p - 1) // 2 + 1), 2), [p // 2] if p % 2 == 0 else []]).astype(int)
    power = np.zeros((p // 2 + 1, E.shape[1]))
    np.add.at(power, frequency, coefficients)
    return power.T


def effective_frequencies(power: np.ndarray) -> np.ndarray:
    """Participation ratio ``(sum_k P_k)^2 / sum_k P_k^2`` of Fourier powers, (..., K) -> (...).

    It counts how many frequencies share the power: exactly m when m
    frequencies share it equally, and p^2 / (2p - 1), about p / 2, for a
    wide random embedding of odd p (each k > 0 then holds 2/p of the power,
    k = 0 holds 1/p).
    """
    power = np.asarray(power, dtype=float)
    if power.ndim < 1 or power.shape[-1] == 0 or np.any(power < 0) or np.any(power.sum(axis=-1) == 0):
        raise ValueError(f"power must be an array of non-negative values, not all zero along its last axis, got shape {power.shape}")
    return power.sum(axis=-1) ** 2 / (power**2).sum(axis=-1)


def neuron_frequencies(power: np.ndarray) -> np.ndarray:
    """The chapter's progress measure: how many frequencies a typical neuron uses.

    The mean of each neuron's :func:`effective_frequencies`, weighted by the
    neuron's share of the embedding's squared norm (so that neurons that
    weight decay has switched off do not count).  About p / 4 at a random
    Gaussian initialisation (one neuron's powers are chi^2 variables with 1
    and 2 degrees of freedom, not the equal shares that would give p / 2;
    25.2 for p = 97), 1 when every neuron computes with a single frequency,
    as in Gromov's analytic solution.

    Args:
        power: (..., N, K) per-neuron spectra from :func:`fourier_power`.

    Returns:
        (...) array.
    """
    power = np.asarray(power, dtype=float)
    if power.ndim < 2:
        raise ValueError(f"power must have shape (..., N, K), got {power.shape}")
    weight = power.sum(axis=-1)  # (..., N)
    return (weight * effective_frequencies(power)).sum(axis=-1) / weight.sum(axis=-1)


def first_epoch_at(epochs: np.ndarray, values: np.ndarray, threshold: float, *, below: bool = False) -> float:
    """First evaluated epoch at which ``values >= threshold`` (``<=`` with ``below``), NaN if never.

    This is the issue's "steps to grok" (test accuracy >= 0.99) and Nanda et
    al.'s criterion (first epoch with test loss < 0.1).
    """
    epochs, values = np.asarray(epochs), np.asarray(values, dtype=float)
    if epochs.ndim != 1 or epochs.shape != values.shape:
        raise ValueError(f"epochs and values must be 1-D arrays of the same length, got {epochs.shape} and {values.shape}")
    hit = np.flatnonzero(values <= threshold if below else values >= threshold)
    return float(epochs[hit[0]]) if hit.size else float("nan")


#: The chapter's recipe: Gromov's network, MSE, AdamW lr 1e-2 and weight decay 5, half the table.
DEFAULT_CONFIG: dict[str, Any] = {
    "p": 97,  # modulus
    "operation": "add",  # "add", "sub" or "div"
    "train_fraction": 0.5,  # fraction of the p^2 equations used for training
    "width": 128,  # hidden width N
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


def _setup(config: dict[str, Any], seed: int) -> tuple[Dataset, QuadraticMLP, torch.optim.AdamW]:
    """The split, the initialised network and its AdamW optimizer of one run (config already checked)."""
    seed = check_int("seed", seed, minimum=0)
    data = make_dataset(config["p"], config["operation"], config["train_fraction"], seed)
    torch.manual_seed(seed)
    model = QuadraticMLP(config["p"], config["width"], dense_one_hot=config["dense_one_hot"])
    return data, model, torch.optim.AdamW(model.parameters(), lr=config["lr"], weight_decay=config["weight_decay"])


def run_config(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """Train one :class:`QuadraticMLP` on one split of a modular table: one run of a sweep.

    Args:
        config: JSON-able dict; missing keys take :data:`DEFAULT_CONFIG`'s values.
        seed: seeds the split, the initialisation and the training, >= 0.

    Returns:
        A flat dict of arrays and numbers (what the results store keeps; the
        config and seed are stored beside it): the curves
        ``epochs``, ``train_loss``, ``train_acc``, ``test_loss``, ``test_acc``
        ((n_evals,) arrays); ``steps_to_fit`` and ``steps_to_grok`` (first
        epoch with train / test accuracy >= 0.99, NaN if never),
        ``steps_test_loss_01`` (first epoch with test loss <= 0.1),
        ``t_fit`` and ``t_grok`` (the book's plateau onsets, NaN if none),
        ``wall_time`` (s); with ``fourier``: ``fourier_power`` (n_evals, p // 2 + 1)
        (n_evals, N, p // 2 + 1) per-neuron spectra (:func:`fourier_power`) and
        ``neuron_frequencies`` (n_evals,), the progress measure.
    """
    config = _check_config(config)
    data, model, optimizer = _setup(config, seed)
    n_epochs, eval_every = config["n_epochs"], config["eval_every"]
    snapshot_epochs = tuple(range(0, n_epochs + 1, eval_every)) + (n_epochs,) if config["fourier"] else ()
    start = time.perf_counter()
    history: History = train(
        model,
        data,
        optimizer,
        n_epochs=n_epochs,
        loss_fn=LOSSES[config["loss"]],
        eval_every=eval_every,
        snapshot_epochs=snapshot_epochs,
        snapshot=lambda m, d, e: {"power": fourier_power(m.embedding)},
        seed=seed,
        progress=False,
    )
    wall_time = time.perf_counter() - start
    curves = {k: getattr(history, k) for k in ("epochs", "train_loss", "train_acc", "test_loss", "test_acc")}
    result: dict[str, Any] = {
        **curves,
        "steps_to_fit": first_epoch_at(history.epochs, history.train_acc, 0.99),
        "steps_to_grok": first_epoch_at(history.epochs, history.test_acc, 0.99),
        "steps_test_loss_01": first_epoch_at(history.epochs, history.test_loss, 0.1, below=True),
        "t_fit": float("nan") if (t := history.t_fit()) is None else float(t),
        "t_grok": float("nan") if (t := history.t_grok()) is None else float(t),
        "wall_time": wall_time,
    }
    if config["fourier"]:
        power = np.array([history.snapshots[int(e)]["power"] for e in history.epochs])  # (n_evals, N, K)
        result["fourier_power"] = power
        result["neuron_frequencies"] = neuron_frequencies(power)
    return result


def gradient_runs(
    config: dict[str, Any], widths: Sequence[int], seeds: Sequence[int], *, n_snapshots: int = 51, progress: bool = False
) -> tuple[list[list[History]], list[np.ndarray]]:
    """The runs of ``config`` at several widths, with gradient snapshots for the avalanche probe (chapter 4).

    Each (width, seed) run is the run :func:`run_config` makes with that
    width and seed (same split, initialisation and AdamW steps); at
    ``n_snapshots`` evenly spaced epochs (0 and ``n_epochs`` included) it keeps
    the raw gradient of the training loss with respect to every parameter,
    ``W1`` then ``W2`` flattened (N = 3 p width entries; decoupled weight decay
    is not part of it).  The collection loop is :func:`grokbook.xor.gradient_sweep`.

    Args:
        config: as for :func:`run_config` (its ``width`` and ``fourier`` are not used).
        widths: hidden widths, each >= 1.
        seeds: seeds, each >= 0.
        n_snapshots: snapshots per run, in [2, n_epochs + 1].
        progress: show a tqdm bar over the runs.

    Returns:
        histories[i][s] (``config`` = the run's config and seed) and
        gradients[i] (n_seeds, n_snapshots, 3 p widths[i]), as :func:`grokbook.xor.gradient_sweep`.
    """
    config = _check_config(config)
    for width in widths:
        check_int("widths", width, minimum=1)
    n_epochs = config["n_epochs"]
    n_snapshots = check_int("n_snapshots", n_snapshots, minimum=2, maximum=n_epochs + 1)
    loss_fn = LOSSES[config["loss"]]

    def train_run(width: int, seed: int, epochs: tuple[int, ...]) -> History:
        run = {**config, "width": width, "fourier": False}
        data, model, optimizer = _setup(run, seed)
        history = train(
            model, data, optimizer, n_epochs=n_epochs, loss_fn=loss_fn, eval_every=config["eval_every"],
            snapshot_epochs=epochs, snapshot=partial(gradient_snapshot, loss_fn=loss_fn), seed=seed, progress=False,
        )  # fmt: skip
        history.config = {**run, "seed": seed}
        return history

    epochs = np.linspace(0, n_epochs, n_snapshots).round().astype(int)
    return gradient_sweep(train_run, widths, seeds, epochs, progress=progress, desc="modular runs")
