"""Elementary cellular automaton rule 30 learned by the tensor network (Zunkovic & Ilievski, arXiv 2210.15435).

The data (rule 30, the training windows, the long test strings) are
:mod:`grokbook.tasks.automata_data`; the model is
:class:`grokbook.tensor_network.TensorNetworkAttention` with per-cell logits
(:class:`~grokbook.tensor_network.CellLogits`).  Everything trains through
:func:`grokbook.training.train`: absent (padding) cells are labelled
:data:`~grokbook.losses.IGNORE_INDEX` and left out of the loss and the
accuracies, and the test split is the long strings, so ``test_acc`` is the
per-cell accuracy on them.

* one run with probes: :func:`build`, :func:`run_config` (the effective
  dimension of the environments, :func:`automaton_probe`);
* seed ensembles: :func:`build_ensemble`, :func:`train_ensemble` (one
  :class:`grokbook.ensemble.Ensemble` of networks, evaluated every epoch),
  and, for the command line, :func:`run_exponent_config` (an ensemble and
  the critical exponent of its test error,
  :func:`grokbook.tasks.automata_exponent.aligned_exponent`).

Times come from the book's clock (:mod:`grokbook.curves`): ``t_fit`` and
``t_grok`` are the settle times of the training and long-string accuracies;
the threshold times have their own names: ``t_99`` (first epoch with
training accuracy >= 0.99) and ``t_zero`` (first epoch with no error on the
long strings, the critical epoch of
:func:`~grokbook.tasks.automata_exponent.aligned_exponent`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .. import curves
from ..data import Dataset
from ..ensemble import Ensemble
from ..losses import WeightPenalty, masked_cross_entropy
from ..probes.representations import representation_dimension
from ..tensor_network import CellLogits, TensorNetworkAttention
from ..training import train
from ..validate import check_config, check_int, check_real
from . import Setup
from .automata_data import crop_dataset, long_test_strings, random_strings, rule30
from .automata_exponent import aligned_exponent
from .automata_protocol import sigmoid_mse

__all__ = [
    "automaton_probe",
    "TAIL",
    "DEFAULT_CONFIG",
    "PAPER_CONFIG",
    "build",
    "run_config",
    "ENSEMBLE_CONFIG",
    "PAPER_ENSEMBLE_CONFIG",
    "build_ensemble",
    "train_ensemble",
    "EXPONENT_CONFIG",
    "run_exponent_config",
]


@torch.no_grad()
def automaton_probe(
    model: CellLogits, data: Dataset, epoch: int, *, X_held_out: torch.Tensor, y_held_out: torch.Tensor, half_window: int = 5
) -> dict[str, float]:
    """Snapshot callback of :func:`grokbook.training.train`: held-out accuracy and the effective dimension.

    ``held_out_acc`` is the per-cell accuracy on ``X_held_out`` (strings of a
    seen length kept out of training); ``rep_dimension`` is exp of the
    entropy of the normalised PCA spectrum of the left environments l_i at
    the 2 ``half_window`` middle sites of every test string (the paper code's
    ``pca_entropy`` on its test set, with delta = 5, exponentiated;
    :func:`grokbook.probes.representations.representation_dimension`).

    Args:
        model, data, epoch: as :func:`grokbook.training.train` passes them; data.X_test
            (n, L) are long strings without absent sites, L > 2 half_window.
        X_held_out, y_held_out: (n, L') strings and their labels.
        half_window: half the number of middle sites whose environments are stacked, >= 1.
    """
    X_long = data.X_test
    half_window = check_int("half_window", half_window, minimum=1, maximum=(X_long.shape[1] - 1) // 2)
    held_out = float((model(X_held_out).argmax(dim=-1) == y_held_out).double().mean())
    left, _ = model.network.environments(X_long)  # (n, L, d)
    middle = X_long.shape[1] // 2
    window = left[:, middle - half_window : middle + half_window].reshape(-1, left.shape[-1])
    return {"held_out_acc": held_out, "rep_dimension": representation_dimension(window)}


#: Fraction of the snapshots whose mean is a curve's final plateau (a quarter: the curves spike after grokking).
TAIL = 0.25

#: Quick scale (under a minute on a laptop CPU): the smallest set-up we found that groks.
DEFAULT_CONFIG: dict[str, Any] = {
    "d": 10,  # bond dimension of A and B
    "L_min": 5,  # shortest training window
    "L_max": 8,  # longest training window
    "j": 2,  # applications of rule 30: a 5-local rule
    "n_held_out": 32,  # strings of length L_max kept out of training
    "lr": 0.01,  # AdamW
    "weight_decay": 0.1,  # AdamW (decoupled)
    "batch_size": 64,
    "n_epochs": 400,
    "snapshot_every": 10,
    "n_long": 100,  # long test strings
    "L_long": 200,  # their length
    "readout": "linear",  # or "normalised": the authors' bounded logit (then loss "mse" is theirs)
    "loss": "logistic",  # or "mse": (sigmoid(z) - y)^2 over present cells (automata_protocol.sigmoid_mse)
}

#: The paper code's README scale (D = 40, windows 6-10 of 1024 strings, lr 0.005, batch 128, test strings of 1000 cells),
#: with our loss and optimiser (per-cell cross-entropy, AdamW with weight decay 0.1) and 100 test strings, not 1000.
PAPER_CONFIG: dict[str, Any] = {
    **DEFAULT_CONFIG, "d": 40, "L_min": 6, "L_max": 10, "lr": 0.005, "batch_size": 128, "n_epochs": 1000, "L_long": 1000,
}  # fmt: skip


def _check(config: dict[str, Any], defaults: dict[str, Any], ints: Sequence[str]) -> dict[str, Any]:
    c = check_config(config, defaults)
    for key in ints:
        check_int(key, c[key], minimum=1)
    check_real("lr", c["lr"], minimum=0.0, strict_minimum=True)
    return c


def build(config: dict[str, Any], seed: int) -> Setup:
    """One run: the training windows with the long strings as test split, the network, AdamW, cross-entropy.

    Seed s draws the held-out strings, the initial A and B, and (s + 1) the
    long test strings.  The held-out strings are not in the Setup: they are
    the :func:`automaton_probe`'s (see :func:`run_config`).

    Args:
        config: dict; missing keys take :data:`DEFAULT_CONFIG`'s values, unknown keys raise ValueError.
        seed: >= 0.
    """
    keys = ("d", "L_min", "L_max", "j", "n_held_out", "batch_size", "n_epochs", "snapshot_every", "n_long", "L_long")
    c = _check(config, DEFAULT_CONFIG, keys)
    if c["loss"] not in ("logistic", "mse"):
        raise ValueError(f"loss must be 'logistic' or 'mse', got {c['loss']!r}")
    check_real("weight_decay", c["weight_decay"], minimum=0.0)
    seed = check_int("seed", seed, minimum=0)
    windows = crop_dataset(c["L_min"], c["L_max"], c["j"], n_held_out=c["n_held_out"], seed=seed)
    X_long = random_strings(c["n_long"], c["L_long"], seed=seed + 1)
    data = Dataset(windows.X_train, windows.y_train, X_long, rule30(X_long, c["j"]), n_classes=2)
    model = CellLogits(TensorNetworkAttention(c["d"], readout=c["readout"], seed=seed))
    optimizer = torch.optim.AdamW(model.parameters(), lr=c["lr"], weight_decay=c["weight_decay"])
    return Setup(data, model, optimizer, padded_cross_entropy if c["loss"] == "logistic" else sigmoid_mse)


def padded_cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the present cells summed, over every site of the padded batch (absent sites count 0).

    The objective the chapter's single runs were tuned with: a batch's loss
    is weighted by its share of present cells.  (The ensembles average over
    present cells only, :func:`grokbook.losses.masked_cross_entropy`.)
    """
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum") / y.numel()


def run_config(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """Train the tensor-network attention model on rule 30 (j applications) and record the grokking probes.

    :func:`build`'s run, evaluated and snapshotted (:func:`automaton_probe`)
    every ``snapshot_every`` epochs.  The paper's code uses the squared error
    of a sigmoid with a normalised read-out, Adam without weight decay, and
    random crops per batch; see the chapter for what each change does.

    Args:
        config: dict; missing keys take :data:`DEFAULT_CONFIG`'s values, unknown keys raise ValueError.
        seed: seeds the held-out choice, the initialisation, the batches and the long strings, >= 0.

    Returns:
        :meth:`grokbook.training.History.to_payload`: the curves ``train_acc`` (training
        windows) and ``test_acc`` (long strings), the clock's ``t_fit`` and
        ``t_grok``, and the snapshots ``held_out_acc`` and ``rep_dimension``;
        and ``t_99`` (the first evaluation with training accuracy >= 0.99,
        before the last; the accuracy then stays near 1 but dips now and
        then, so its settle time ``t_fit`` lands on the last dip), ``t_long``
        and ``t_dimension`` (the epochs at which the long-string accuracy and
        the effective dimension have gone half their way from their values at
        t_99 to their final plateaus, the mean of the last :data:`TAIL` of the
        evaluations, :func:`grokbook.curves.transition_time`; NaN if none) and
        ``wall_time`` (s).
    """
    c = check_config(config, DEFAULT_CONFIG)
    data, model, optimizer, loss_fn = build(c, seed)
    windows = crop_dataset(c["L_min"], c["L_max"], c["j"], n_held_out=c["n_held_out"], seed=seed)
    probe = partial(automaton_probe, X_held_out=windows.X_test, y_held_out=windows.y_test)
    every = c["snapshot_every"]
    start = time.perf_counter()
    history = train(
        model, data, optimizer, n_epochs=c["n_epochs"], loss_fn=loss_fn, eval_every=every, batch_size=c["batch_size"],
        snapshot_epochs=tuple(range(0, c["n_epochs"] + 1, every)), snapshot=probe, seed=seed, progress=False,
    )  # fmt: skip
    out = history.to_payload() | {"wall_time": time.perf_counter() - start}
    epochs = history.epochs
    t_99 = curves.first_epoch_at(epochs, history.train_acc, 0.99)
    out["t_99"] = t_99 if t_99 < epochs[-1] else float("nan")
    out["t_long"], out["t_dimension"] = float("nan"), float("nan")
    if np.isfinite(out["t_99"]):
        rep_dimension = np.interp(epochs, out["snapshot_epochs"], out["rep_dimension"])
        for key, curve in (("t_long", history.test_acc), ("t_dimension", rep_dimension)):
            out[key] = curves.transition_time(epochs, curve, start=out["t_99"], tail=TAIL)
    return out


#: Seed ensembles for the critical exponent and the grokking-time distribution (quick scale: seconds per ensemble).
#: j = 1 (rule 30 once, 3-local) and d = 4 learn the long strings in about half the seeds within 200 epochs.
ENSEMBLE_CONFIG: dict[str, Any] = {
    "d": 4,  # bond dimension
    "j": 1,  # applications of rule 30
    "L_min": 5,  # shortest training window
    "L_max": 8,  # longest training window
    "n_held_out": 32,  # strings of length L_max kept out of training
    "freeze_A": False,  # True: only B trains (the perceptron of tensor_network.perceptron_features)
    "A_seed": None,  # int: every member starts from (or, frozen, keeps) the A of this seed
    "lr": 0.005,  # Adam, as in the paper's code
    "batch_size": 64,
    "n_epochs": 200,
    "n_long": 32,  # long test strings
    "L_long": 64,  # their length
}

#: Closer to the paper code's README: d = 40 would take hours per ensemble on a CPU, so d = 10, j = 2, windows 6-10, 1000 epochs.
PAPER_ENSEMBLE_CONFIG: dict[str, Any] = {
    **ENSEMBLE_CONFIG, "d": 10, "j": 2, "L_min": 6, "L_max": 10, "batch_size": 128, "n_epochs": 1000, "n_long": 64,
    "L_long": 200,
}  # fmt: skip


def build_ensemble(config: dict[str, Any], seeds: Sequence[int], *, data_seed: int | None = None) -> Setup:
    """One tensor network per seed as one :class:`grokbook.ensemble.Ensemble`, with its data, Adam and loss.

    Member k is ``CellLogits(TensorNetworkAttention(d, freeze_A=freeze_A,
    seed=seeds[k]))``; with ``A_seed`` every member's A is that seed's (then
    a frozen A is one tensor shared by the members).  The members are
    computed together (:meth:`~grokbook.tensor_network.CellLogits.stacked_forward`):
    the perceptron features of frozen attention tensors, shared or one per
    member, once for all epochs; trained ones in one recursion for all
    members.  Data: every window of lengths L_min ... L_max
    (:func:`~grokbook.tasks.automata_data.crop_dataset`, ``n_held_out``
    strings left out) for training, and ``n_long`` strings of ``L_long`` and
    ``L_long - 1`` cells (both parities,
    :func:`~grokbook.tasks.automata_data.long_test_strings`) as test split.

    Args:
        config: dict; missing keys take :data:`ENSEMBLE_CONFIG`'s values, unknown keys raise ValueError.
        seeds: initialisation seeds, one member each (>= 0).
        data_seed: seeds the held-out choice and (+1) the long strings; default seeds[0].
    """
    keys = ("d", "j", "L_min", "L_max", "n_held_out", "batch_size", "n_epochs", "n_long", "L_long")
    c = _check(config, ENSEMBLE_CONFIG, keys)
    if not isinstance(seeds, (list, tuple)) or not seeds:
        raise ValueError(f"seeds must be a non-empty list of ints >= 0, got {seeds!r}")
    seeds = [check_int("seeds", seed, minimum=0) for seed in seeds]
    data_seed = seeds[0] if data_seed is None else check_int("data_seed", data_seed, minimum=0)
    windows = crop_dataset(c["L_min"], c["L_max"], c["j"], n_held_out=c["n_held_out"], seed=data_seed)
    X_long, y_long = long_test_strings(c["n_long"], c["L_long"], c["j"], seed=data_seed + 1)
    data = Dataset(windows.X_train, windows.y_train, X_long, y_long, n_classes=2)
    networks = [TensorNetworkAttention(c["d"], freeze_A=bool(c["freeze_A"]), seed=seed) for seed in seeds]
    if c["A_seed"] is not None:  # one attention tensor for every member: they differ in B only
        A = TensorNetworkAttention(c["d"], seed=check_int("A_seed", c["A_seed"], minimum=0)).A.detach()
        with torch.no_grad():
            for network in networks:
                network.A.copy_(A)
    model = Ensemble([CellLogits(network) for network in networks])
    return Setup(data, model, torch.optim.Adam(model.parameters(), lr=c["lr"]), masked_cross_entropy)


def train_ensemble(config: dict[str, Any], seeds: Sequence[int], *, l1: float = 0.0, l2: float = 0.0, data_seed: int | None = None) -> dict[str, Any]:
    """Train :func:`build_ensemble`'s networks with :func:`grokbook.training.train`, evaluated every epoch.

    All members see the same minibatches (the order seeded by the data
    seed).  Member k minimises the mean logistic loss of its present
    training cells plus ``l1 sum|theta| + (l2 / 2) sum theta^2`` over its
    trainable tensors (:class:`grokbook.losses.WeightPenalty`), with Adam;
    the L2 term in the loss is what the paper code's Adam ``weight_decay``
    does.  Errors are counted after each epoch on the present cells of the
    whole training set and of the long test strings.

    Args:
        config, seeds, data_seed: as :func:`build_ensemble`.
        l1, l2: regularisation strengths >= 0, the same for every member.

    Returns:
        ``epochs`` (E + 1,); ``train_error`` and ``long_error`` (E + 1, S), per-cell
        errors (1 - accuracy); per member (S,): the clock's ``t_fit`` and ``t_grok``
        (settle times of the training and long-string accuracies, t_grok NaN
        unless the long strings were learned after the fit), ``t_zero`` (first
        epoch with no error on the long strings), NaN when not reached;
        ``wall_time`` (s).
    """
    penalty = WeightPenalty(check_real("l1", l1, minimum=0.0), check_real("l2", l2, minimum=0.0))
    data, model, optimizer, loss_fn = build_ensemble(config, seeds, data_seed=data_seed)
    c = check_config(config, ENSEMBLE_CONFIG)
    start = time.perf_counter()
    histories = train(
        model, data, optimizer, n_epochs=c["n_epochs"], loss_fn=loss_fn, eval_every=1, batch_size=c["batch_size"],
        penalty=penalty if (l1 or l2) else None, seed=seeds[0] if data_seed is None else data_seed, progress=False,
    )  # fmt: skip
    epochs = histories[0].epochs
    train_error = 1 - np.stack([h.train_acc for h in histories], axis=1)  # (E + 1, S)
    long_error = 1 - np.stack([h.test_acc for h in histories], axis=1)
    return {
        "epochs": epochs,
        "train_error": train_error,
        "long_error": long_error,
        "t_fit": np.array([h.t_fit() for h in histories]),
        "t_grok": np.array([h.t_grok() for h in histories]),
        "t_zero": curves.first_epoch_at(epochs, long_error.T, 0.0, below=True),
        "wall_time": time.perf_counter() - start,
    }


#: The command line's ensembles (``grokbook run rule30_exponent``): a seed is n_models members.
EXPONENT_CONFIG: dict[str, Any] = {**ENSEMBLE_CONFIG, "n_models": 12, "l1": 0.0, "l2": 0.0}


def run_exponent_config(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """:func:`train_ensemble` of members ``seed * n_models ... seed * n_models + n_models - 1``, and their :func:`aligned_exponent`.

    Args:
        config: dict; missing keys take :data:`EXPONENT_CONFIG`'s values, unknown keys raise ValueError.
        seed: block of member seeds, >= 0.

    Returns:
        :func:`train_ensemble`'s arrays, and ``nu``, ``nu_low``, ``nu_high``, ``n_aligned``
        (NaN and 0 when fewer than 3 runs reach zero error late enough).
    """
    c = check_config(config, EXPONENT_CONFIG)
    n_models = check_int("n_models", c.pop("n_models"), minimum=1)
    seed = check_int("seed", seed, minimum=0)
    l1, l2 = c.pop("l1"), c.pop("l2")
    out = train_ensemble(c, list(range(seed * n_models, (seed + 1) * n_models)), l1=l1, l2=l2)
    try:
        fit = aligned_exponent(out["long_error"], out["t_zero"])
        out.update(nu=fit.nu, nu_low=fit.ci[0], nu_high=fit.ci[1], n_aligned=fit.n_runs)
    except ValueError:  # too few runs reach zero error
        out.update(nu=float("nan"), nu_low=float("nan"), nu_high=float("nan"), n_aligned=0)
    return out
