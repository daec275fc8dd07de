"""Elementary cellular automaton rule 30 as a learning task (Zunkovic & Ilievski, arXiv 2210.15435).

The task of the paper's cellular-automaton experiments: from a binary string
x, predict every cell of the string after ``j`` applications of rule 30,

    y_i = x_{i-1} XOR (x_i OR x_{i+1}),

with fixed-zero boundaries (a zero cell is padded on each side again at every
application, as in the authors' code).  After ``j`` applications cell i
depends on x_{i-j} ... x_{i+j}: a (2j + 1)-local rule.  The training set is
every binary string of a short length (the code's ``dataset_mode=all``); the
code also trains on random crops of each batch, with the labels recomputed on
the crop (:func:`random_crop`); the test strings are long random strings, so a
model that scores on them has learned the local rule rather than the training
strings.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import torch
from scipy import stats

from .data import Dataset
from .probes import representation_dimension, transition_time
from .rules import ABSENT, CellLogits, TensorNetworkAttention, TensorNetworkEnsemble, check_strings
from .train import train
from .validate import check_config, check_int, check_real

__all__ = ["rule30", "all_strings", "random_strings", "random_crop", "crop_dataset", "automaton_probe", "TAIL", "DEFAULT_CONFIG", "PAPER_CONFIG", "run_config", "long_test_strings", "ENSEMBLE_CONFIG", "PAPER_ENSEMBLE_CONFIG", "run_ensemble", "AlignedExponent", "aligned_exponent", "EXPONENT_CONFIG", "run_exponent_config"]


def rule30(x: torch.Tensor, j: int = 1) -> torch.Tensor:
    """Apply elementary rule 30 ``j`` times with fixed-zero boundaries.

    Args:
        x: (n, L) int tensor of 0/1 cells.
        j: number of applications, >= 1 (cell i then depends on cells i-j ... i+j).

    Returns:
        (n, L) int64 tensor, the configuration after j steps.
    """
    x = check_strings(x)
    j = check_int("j", j, minimum=1)
    for _ in range(j):
        padded = torch.nn.functional.pad(x, (1, 1))  # (n, L + 2), zeros at both ends
        x = padded[:, :-2] ^ (padded[:, 1:-1] | padded[:, 2:])
    return x


def all_strings(L: int) -> torch.Tensor:
    """Every binary string of length L, (2^L, L) int64, row k the binary digits of k (most significant first)."""
    L = check_int("L", L, minimum=1, maximum=24)
    k = torch.arange(2**L)[:, None]
    return (k >> torch.arange(L - 1, -1, -1)) & 1


def random_strings(n: int, L: int, *, seed: int = 0) -> torch.Tensor:
    """n strings of L independent fair bits, (n, L) int64."""
    n = check_int("n", n, minimum=1)
    L = check_int("L", L, minimum=1)
    generator = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    return torch.randint(0, 2, (n, L), generator=generator)


def random_crop(x: torch.Tensor, L_min: int, L_max: int, j: int, *, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """One random window of a batch, with its labels recomputed on the window (the paper code's augmentation).

    One length l ~ U{L_min, ..., L_max} and one offset ~ U{0, ..., L - l} are
    drawn for the whole batch; the labels are ``rule30(window, j)``, so the
    zero boundaries sit at the window's edges.

    Args:
        x: (n, L) batch of strings.
        L_min, L_max: range of window lengths, 1 <= L_min <= L_max <= L.
        j: applications of rule 30, >= 1.
        generator: torch random generator of the draw.

    Returns:
        windows (n, l) and labels (n, l).
    """
    x = check_strings(x)
    L_max = check_int("L_max", L_max, minimum=1, maximum=x.shape[1])
    L_min = check_int("L_min", L_min, minimum=1, maximum=L_max)
    length = int(torch.randint(L_min, L_max + 1, (1,), generator=generator))
    offset = int(torch.randint(0, x.shape[1] - length + 1, (1,), generator=generator))
    window = x[:, offset : offset + length]
    return window, rule30(window, j)


def crop_dataset(L_min: int, L_max: int, j: int, *, n_held_out: int = 32, seed: int = 0) -> Dataset:
    """Every string of lengths L_min ... L_max with its labels: the windows the paper's random crops draw from.

    The paper's code draws, for each batch of the 2^L_max strings, one random
    window of length L_min ... L_max (:func:`random_crop`); since the strings
    are all strings, the windows are all strings of those lengths, which we
    train on at once.  Shorter strings are padded at their left end with
    :data:`grokbook.rules.ABSENT` (label 0) to length L_max, for
    :class:`grokbook.rules.CellLogits`.  ``n_held_out`` random strings of
    length L_max are kept out of training as the test split: unseen strings of
    a seen length (the long test strings, of another shape, are measured
    separately, e.g. by a snapshot callback).

    Args:
        L_min, L_max: window lengths, 1 <= L_min <= L_max <= 16.
        j: applications of rule 30, >= 1.
        n_held_out: strings of length L_max in the test split, 1 <= n_held_out < 2^L_max.
        seed: seed of the held-out choice.

    Returns:
        Dataset with X (n, L_max) in {0, 1, ABSENT} and per-cell labels y (n, L_max), 2 classes.
    """
    L_max = check_int("L_max", L_max, minimum=1, maximum=16)
    L_min = check_int("L_min", L_min, minimum=1, maximum=L_max)
    n_held_out = check_int("n_held_out", n_held_out, minimum=1, maximum=2**L_max - 1)
    generator = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    X, y = [], []
    for L in range(L_min, L_max + 1):
        strings = all_strings(L)
        X.append(torch.nn.functional.pad(strings, (L_max - L, 0), value=ABSENT))
        y.append(torch.nn.functional.pad(rule30(strings, j), (L_max - L, 0), value=0))
    X, y = torch.cat(X), torch.cat(y)  # (n, L_max), the strings of length L_max last
    held_out = len(X) - 2**L_max + torch.randperm(2**L_max, generator=generator)[:n_held_out]
    keep = torch.ones(len(X), dtype=torch.bool)
    keep[held_out] = False
    return Dataset(X_train=X[keep], y_train=y[keep], X_test=X[held_out], y_test=y[held_out], n_classes=2)


@torch.no_grad()
def automaton_probe(model: CellLogits, data: Dataset, epoch: int, *, X_long: torch.Tensor, y_long: torch.Tensor, half_window: int = 5) -> dict[str, float]:
    """Snapshot callback of :func:`grokbook.train.train`: per-cell accuracies and the effective dimension.

    ``train_acc`` and ``held_out_acc`` count present cells only (absent,
    padded sites excluded); ``long_acc`` is the per-cell accuracy on the long
    strings ``X_long`` (the test of the rule); ``rep_dimension`` is exp of
    the entropy of the normalised PCA spectrum of the left environments
    l_i at the 2 ``half_window`` middle sites of every long string (the
    paper code's ``pca_entropy`` on its test set, with delta = 5,
    exponentiated; :func:`grokbook.probes.representation_dimension`).

    Args:
        model, data, epoch: as :func:`grokbook.train.train` passes them.
        X_long, y_long: (n, L) long test strings and their labels, L > 2 half_window.
        half_window: half the number of middle sites whose environments are stacked, >= 1.
    """
    half_window = check_int("half_window", half_window, minimum=1, maximum=(X_long.shape[1] - 1) // 2)
    out = {}
    for name, X, y in [("train_acc", data.X_train, data.y_train), ("held_out_acc", data.X_test, data.y_test)]:
        present = X != ABSENT
        out[name] = float((model(X).argmax(dim=-1) == y)[present].double().mean())
    out["long_acc"] = float((model(X_long).argmax(dim=-1) == y_long).double().mean())
    left, _ = model.network.environments(X_long)  # (n, L, d)
    middle = X_long.shape[1] // 2
    out["rep_dimension"] = representation_dimension(left[:, middle - half_window : middle + half_window].reshape(-1, left.shape[-1]))
    return out


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
}

#: The paper code's README scale (D = 40, windows 6-10 of 1024 strings, lr 0.005, batch 128, test strings of 1000 cells),
#: with our loss and optimiser (per-cell cross-entropy, AdamW with weight decay 0.1) and 100 test strings, not 1000.
PAPER_CONFIG: dict[str, Any] = {**DEFAULT_CONFIG, "d": 40, "L_min": 6, "L_max": 10, "lr": 0.005, "batch_size": 128, "n_epochs": 1000, "L_long": 1000}


def run_config(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """Train the tensor-network attention model on rule 30 (j applications) and record the grokking probes.

    The model (:class:`grokbook.rules.TensorNetworkAttention`, A trainable)
    is trained by :func:`grokbook.train.train` with per-cell cross-entropy
    on every window of lengths L_min ... L_max (:func:`crop_dataset`), with
    :func:`automaton_probe` as the snapshot callback every ``snapshot_every``
    epochs.  The paper's code uses the squared error of a sigmoid with a
    normalised read-out, Adam without weight decay, and random crops per
    batch; see the chapter for what each change does.

    Args:
        config: dict; missing keys take :data:`DEFAULT_CONFIG`'s values, unknown keys raise ValueError.
        seed: seeds the held-out choice, the initialisation, the batches and the long strings, >= 0.

    Returns:
        ``epochs`` (n_snap,) and the curves ``train_acc``, ``held_out_acc``,
        ``long_acc``, ``rep_dimension`` (n_snap,); ``t_fit`` (the first
        snapshot with training accuracy >= 0.99; the accuracy then stays near 1
        but dips now and then, so the book's plateau onset would land on the
        last dip), ``t_long`` and ``t_dimension`` (the epochs at
        which the long-string accuracy and the effective dimension have gone
        half their way from their values at t_fit to their final plateaus, the
        mean of the last :data:`TAIL` of the snapshots,
        :func:`grokbook.probes.transition_time`; NaN if none) and ``wall_time`` (s).
    """
    c = check_config(config, DEFAULT_CONFIG)
    for key in ("d", "L_min", "L_max", "j", "n_held_out", "batch_size", "n_epochs", "snapshot_every", "n_long", "L_long"):
        check_int(key, c[key], minimum=1)
    check_real("lr", c["lr"], minimum=0.0, strict_minimum=True)
    check_real("weight_decay", c["weight_decay"], minimum=0.0)
    seed = check_int("seed", seed, minimum=0)

    data = crop_dataset(c["L_min"], c["L_max"], c["j"], n_held_out=c["n_held_out"], seed=seed)
    X_long = random_strings(c["n_long"], c["L_long"], seed=seed + 1)
    model = CellLogits(TensorNetworkAttention(c["d"], seed=seed))
    optimizer = torch.optim.AdamW(model.parameters(), lr=c["lr"], weight_decay=c["weight_decay"])
    probe = partial(automaton_probe, X_long=X_long, y_long=rule30(X_long, c["j"]))
    start = time.perf_counter()
    history = train(  # its own curves count the absent sites as correct: the probe measures instead
        model, data, optimizer, n_epochs=c["n_epochs"], eval_every=c["n_epochs"], batch_size=c["batch_size"],
        snapshot_epochs=tuple(range(0, c["n_epochs"] + 1, c["snapshot_every"])), snapshot=probe, seed=seed, progress=False,
    )  # fmt: skip
    wall_time = time.perf_counter() - start
    epochs = np.array(sorted(history.snapshots))
    curves = {k: np.array([history.snapshots[e][k] for e in epochs]) for k in ("train_acc", "held_out_acc", "long_acc", "rep_dimension")}
    fitted = np.flatnonzero(curves["train_acc"] >= 0.99)
    t_fit = float(epochs[fitted[0]]) if fitted.size and fitted[0] < epochs.size - 1 else float("nan")
    times = {"t_fit": t_fit, "t_long": float("nan"), "t_dimension": float("nan")}
    if np.isfinite(t_fit):
        for key, curve in (("t_long", "long_acc"), ("t_dimension", "rep_dimension")):
            times[key] = transition_time(epochs, curves[curve], start=t_fit, tail=TAIL)
    return {"epochs": epochs, **curves, **times, "wall_time": wall_time}


def long_test_strings(n: int, L: int, j: int, *, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Random test strings of lengths L and L - 1 (every second one), padded to L on the left with ABSENT.

    Both parities: a network can learn rule 30 on strings of one parity only
    (its environments may alternate from site to site), and then scores
    perfectly on long strings of that parity while it fails on half of the
    training windows.  Testing on both parities does not let that pass.

    Args:
        n: number of strings, >= 2; L: their length, >= 2; j: applications of rule 30, >= 1.
        seed: seed of the strings.

    Returns:
        X (n, L) in {0, 1, ABSENT} and per-cell labels y (n, L) (0 at absent sites).
    """
    n = check_int("n", n, minimum=2)
    L = check_int("L", L, minimum=2)
    X = random_strings(n, L, seed=seed)
    y = rule30(X, j)
    y[1::2, 1:] = rule30(X[1::2, 1:], j)  # the odd rows are one cell shorter
    X[1::2, 0], y[1::2, 0] = ABSENT, 0
    return X, y


#: Seed ensembles for the critical exponent and the grokking-time distribution (quick scale: seconds per ensemble).
#: j = 1 (rule 30 once, 3-local) and d = 4 learn the long strings in about half the seeds within 200 epochs.
ENSEMBLE_CONFIG: dict[str, Any] = {
    "d": 4,  # bond dimension
    "j": 1,  # applications of rule 30
    "L_min": 5,  # shortest training window
    "L_max": 8,  # longest training window
    "n_held_out": 32,  # strings of length L_max kept out of training
    "freeze_A": False,  # True: only B trains (the perceptron of rules.perceptron_features)
    "A_seed": None,  # int: every member starts from (or, frozen, keeps) the A of this seed
    "lr": 0.005,  # Adam, as in the paper's code
    "batch_size": 64,
    "n_epochs": 200,
    "n_long": 32,  # long test strings
    "L_long": 64,  # their length
}

#: Closer to the paper code's README: d = 40 would take hours per ensemble on a CPU, so d = 10, j = 2, windows 6-10, 1000 epochs.
PAPER_ENSEMBLE_CONFIG: dict[str, Any] = {**ENSEMBLE_CONFIG, "d": 10, "j": 2, "L_min": 6, "L_max": 10, "batch_size": 128, "n_epochs": 1000, "n_long": 64, "L_long": 200}


def run_ensemble(config: dict[str, Any], seeds: list[int], *, l1: float | list[float] = 0.0, l2: float | list[float] = 0.0) -> dict[str, Any]:
    """Train one tensor-network model per seed on rule 30, all at once, and record per-epoch errors.

    The members (:class:`grokbook.rules.TensorNetworkEnsemble`) see the same
    minibatches of every window of lengths L_min ... L_max
    (:func:`crop_dataset`) and differ in their initial A and B.  Member k
    minimises the mean logistic loss of its present training cells plus
    ``l1[k]`` sum|theta| plus ``l2[k]``/2 sum theta^2 over its trainable
    tensors, with Adam; the L2 term in the loss is what the paper code's Adam
    ``weight_decay`` does (it adds l2 theta to the gradient).  The training
    error of an epoch is counted on each batch before its step (as the
    paper's code does), the long-string error after the epoch, on strings
    of both parities (:func:`long_test_strings`).

    Args:
        config: dict; missing keys take :data:`ENSEMBLE_CONFIG`'s values, unknown keys raise ValueError.
        seeds: initialisation seeds, one member each (>= 0); the first also seeds the held-out
            choice, the batch order and the long strings.
        l1, l2: regularisation strength >= 0, one for all members or one per member.

    Returns:
        ``epochs`` (E + 1,); ``train_error`` and ``long_error`` (E + 1, S), per-cell errors;
        per member (S,): ``t_fit`` (first epoch with training error <= 0.01),
        ``t_grok`` (first epoch with long-string error <= 0.01: per-cell accuracy >= 0.99)
        and ``t_zero`` (first epoch with no error on the long strings), NaN when not reached;
        ``wall_time`` (s).
    """
    c = check_config(config, ENSEMBLE_CONFIG)
    for key in ("d", "j", "L_min", "L_max", "n_held_out", "batch_size", "n_epochs", "n_long", "L_long"):
        check_int(key, c[key], minimum=1)
    check_real("lr", c["lr"], minimum=0.0, strict_minimum=True)
    if not isinstance(seeds, (list, tuple)) or not seeds:
        raise ValueError(f"seeds must be a non-empty list of ints >= 0, got {seeds!r}")
    seeds = [check_int("seeds", seed, minimum=0) for seed in seeds]
    n_models = len(seeds)
    strengths = {}
    for name, value in (("l1", l1), ("l2", l2)):
        values = [value] * n_models if not isinstance(value, (list, tuple)) else list(value)
        if len(values) != n_models:
            raise ValueError(f"{name} must be one number or one per seed ({n_models}), got {len(values)}")
        strengths[name] = torch.tensor([check_real(name, v, minimum=0.0) for v in values], dtype=torch.float64)  # (S,)

    data = crop_dataset(c["L_min"], c["L_max"], c["j"], n_held_out=c["n_held_out"], seed=seeds[0])
    X, y = data.X_train, data.y_train
    present = X != ABSENT
    X_long, y_long = long_test_strings(c["n_long"], c["L_long"], c["j"], seed=seeds[0] + 1)
    present_long = X_long != ABSENT
    model = TensorNetworkEnsemble(c["d"], seeds, freeze_A=bool(c["freeze_A"]))
    if c["A_seed"] is not None:  # one attention tensor for every member: they differ in B only
        with torch.no_grad():
            model.A.copy_(TensorNetworkAttention(c["d"], seed=check_int("A_seed", c["A_seed"], minimum=0)).A)
    parameters = [p for p in (model.A, model.B) if p.requires_grad]
    if c["freeze_A"]:  # fixed environments: compute them once, then every step is the linear read-out
        with torch.no_grad():
            cells = torch.where(present, X, 0)
            left, right = model.environments(cells, present)
            cells_long = torch.where(present_long, X_long, 0)
            left_long, right_long = model.environments(cells_long, present_long)

        def logits(index: torch.Tensor | slice) -> torch.Tensor:
            return torch.where(present[index], model.readout(left[:, index], right[:, index], cells[index]), 0.0)

        def logits_long() -> torch.Tensor:
            return model.readout(left_long, right_long, cells_long)
    else:

        def logits(index: torch.Tensor | slice) -> torch.Tensor:
            return model(X[index])

        def logits_long() -> torch.Tensor:
            return model(X_long)

    optimizer = torch.optim.Adam(parameters, lr=c["lr"])
    generator = torch.Generator().manual_seed(seeds[0])

    def errors(y: torch.Tensor, present: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return (((z > 0) != y.bool()) & present).sum(dim=(1, 2)).double()  # (S,) wrong present cells

    n_epochs, n_present, n_present_long = c["n_epochs"], int(present.sum()), int(present_long.sum())
    train_error = np.empty((n_epochs + 1, n_models))
    long_error = np.empty((n_epochs + 1, n_models))
    start = time.perf_counter()
    with torch.no_grad():
        train_error[0] = (errors(y, present, logits(slice(None))) / n_present).numpy()
    for epoch in range(n_epochs + 1):
        if epoch > 0:
            wrong = torch.zeros(n_models, dtype=torch.float64)
            for index in torch.randperm(len(X), generator=generator).split(c["batch_size"]):
                z = logits(index)  # (S, b, L)
                mask = present[index]
                loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y[index].double().expand_as(z), reduction="none")
                loss = (loss * mask).sum(dim=(1, 2)) / mask.sum()  # (S,) mean over present cells
                for p in parameters:
                    flat = p.reshape(n_models, -1)
                    loss = loss + strengths["l1"] * flat.abs().sum(dim=1) + strengths["l2"] / 2 * (flat**2).sum(dim=1)
                optimizer.zero_grad(set_to_none=True)
                loss.sum().backward()
                optimizer.step()
                wrong += errors(y[index], mask, z.detach())
            train_error[epoch] = (wrong / n_present).numpy()
        with torch.no_grad():
            long_error[epoch] = (errors(y_long, present_long, logits_long()) / n_present_long).numpy()

    def first(mask: np.ndarray) -> np.ndarray:  # (E + 1, S) -> (S,) first epoch where mask holds, NaN if never
        return np.where(mask.any(axis=0), mask.argmax(axis=0), np.nan)

    return {
        "epochs": np.arange(n_epochs + 1),
        "train_error": train_error,
        "long_error": long_error,
        "t_fit": first(train_error <= 0.01),
        "t_grok": first(long_error <= 0.01),
        "t_zero": first(long_error == 0),
        "wall_time": time.perf_counter() - start,
    }


@dataclass(frozen=True)
class AlignedExponent:
    """Critical exponent from E(t_zero - s) ~ s^nu, runs aligned at their critical epoch t_zero."""

    nu: float  # slope of ln <E(t_zero - s)> against ln s
    systematic: float  # change of nu when the window is doubled (s from 2 first to 2 last)
    ci: tuple[float, float]  # 95% bootstrap interval over runs, widened by the systematic change on each side
    n_runs: int  # runs that reach zero error late enough to be aligned
    s: np.ndarray  # (K,) epochs before t_zero used in the fit
    mean_error: np.ndarray  # (K,) mean error of the aligned runs there


def aligned_exponent(long_error: np.ndarray, t_zero: np.ndarray, *, window: tuple[int, int] = (1, 10), n_resamples: int = 2000, seed: int = 0) -> AlignedExponent:
    """Measure nu from test-error curves, each aligned at the epoch where its error first vanishes.

    The order parameter of the paper's grokking transition is the test error,
    which vanishes at the critical point as E ~ (t_c - t)^nu (for Model A
    nu = 1, for the D-ball (D + 1)/2).  A single rule-30 run has a finite test
    set and a noisy, stepwise curve, so we take t_c = t_zero, the first epoch
    with no error on the long test strings, average E(t_zero - s) over the runs
    for s = window[0] ... window[1] epochs, and fit a line to ln <E> against
    ln s.  The 95% interval comes from :func:`scipy.stats.bootstrap`
    (percentile method) over the runs, widened on each side by the change of
    nu when the window is doubled (the curves are not exact power laws: the
    finite test set resolves errors down to one cell, and far from t_zero
    the curve bends), as for Model B (:func:`grokbook.rules.critical_exponent_fit`).
    Only runs with t_zero >= 2 window[1] enter, the same runs for both windows.

    Args:
        long_error: (E + 1, S) per-epoch test errors of S runs.
        t_zero: (S,) their critical epochs (NaN: no zero error; such runs are left out).
        window: (first, last) epochs before t_zero in the fit, 1 <= first < last.
        n_resamples: bootstrap resamples, >= 100.
        seed: seed of the bootstrap.
    """
    first_s = check_int("window[0]", window[0], minimum=1)
    last_s = check_int("window[1]", window[1], minimum=first_s + 1)
    n_resamples = check_int("n_resamples", n_resamples, minimum=100)
    long_error, t_zero = np.asarray(long_error, float), np.asarray(t_zero, float)
    if long_error.ndim != 2 or t_zero.shape != (long_error.shape[1],):
        raise ValueError(f"long_error must be (E + 1, S) and t_zero (S,), got {long_error.shape} and {t_zero.shape}")
    use = np.flatnonzero(np.isfinite(t_zero) & (t_zero >= 2 * last_s))
    if use.size < 3:
        raise ValueError(f"need at least 3 runs whose error vanishes after epoch {2 * last_s}, got {use.size}")

    def aligned(s: np.ndarray) -> np.ndarray:  # (R, K): E(t_zero - s) of every run used
        return long_error[t_zero[use].astype(int)[:, None] - s[None, :], use[:, None]]

    s = np.arange(first_s, last_s + 1)  # (K,)
    curves, doubled = aligned(s), aligned(np.arange(2 * first_s, 2 * last_s + 1))

    def slope(curves: np.ndarray, s: np.ndarray) -> float:
        return float(np.polyfit(np.log(s), np.log(curves.mean(axis=0)), 1)[0])

    nu = slope(curves, s)
    systematic = abs(slope(doubled, np.arange(2 * first_s, 2 * last_s + 1)) - nu)
    result = stats.bootstrap(  # resample the runs: the statistic gets their indices
        (np.arange(use.size),), lambda runs: slope(curves[runs.astype(int)], s), vectorized=False, n_resamples=n_resamples,
        method="percentile", rng=np.random.default_rng(seed),
    )  # fmt: skip
    low, high = result.confidence_interval
    return AlignedExponent(nu=nu, systematic=systematic, ci=(float(low) - systematic, float(high) + systematic), n_runs=int(use.size), s=s, mean_error=curves.mean(axis=0))


#: The command line's ensembles (``grokbook run rule30_exponent``): a seed is n_models members.
EXPONENT_CONFIG: dict[str, Any] = {**ENSEMBLE_CONFIG, "n_models": 12, "l1": 0.0, "l2": 0.0}


def run_exponent_config(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """:func:`run_ensemble` of members ``seed * n_models ... seed * n_models + n_models - 1``, and their :func:`aligned_exponent`.

    Args:
        config: dict; missing keys take :data:`EXPONENT_CONFIG`'s values, unknown keys raise ValueError.
        seed: block of member seeds, >= 0.

    Returns:
        :func:`run_ensemble`'s arrays, and ``nu``, ``nu_low``, ``nu_high``, ``n_aligned``
        (NaN and 0 when fewer than 3 runs reach zero error late enough).
    """
    c = check_config(config, EXPONENT_CONFIG)
    n_models = check_int("n_models", c.pop("n_models"), minimum=1)
    seed = check_int("seed", seed, minimum=0)
    l1, l2 = c.pop("l1"), c.pop("l2")
    out = run_ensemble(c, list(range(seed * n_models, (seed + 1) * n_models)), l1=l1, l2=l2)
    try:
        fit = aligned_exponent(out["long_error"], out["t_zero"])
        out.update(nu=fit.nu, nu_low=fit.ci[0], nu_high=fit.ci[1], n_aligned=fit.n_runs)
    except ValueError:  # too few runs reach zero error
        out.update(nu=float("nan"), nu_low=float("nan"), nu_high=float("nan"), n_aligned=0)
    return out
