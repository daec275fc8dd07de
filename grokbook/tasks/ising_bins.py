"""The energy-bin task of Hutchison & Yevick (arXiv 2510.25966): one run of chapters 2 and 3.

Configurations of the 8 x 8 periodic Ising model, drawn flat in energy
inside four energy bins (:mod:`grokbook.tasks.ising_bins_data`, whose entry
points are re-exported here), are classified by the paper's bias-free ReLU
network (:class:`grokbook.models.IsingMLP`) trained full batch with the
cross-entropy of softmax(beta z).

:func:`build` makes one run's data, network, optimizer and loss;
:func:`run_config` trains it with :func:`grokbook.training.train`, measures it
every ``snapshot_every`` epochs with
:func:`grokbook.probes.snapshot.snapshot_metrics`, and returns
:meth:`grokbook.training.History.to_payload`: a JSON-able config in, a dict of
numbers out, for sweeps and the CLI.  :data:`SWEEPS` are chapter 3's
archived sweeps.
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Any

import numpy as np
import torch

from ..losses import cross_entropy
from ..models import IsingMLP
from ..training import denormals_flushed, train
from ..validate import check_choice, check_config, check_int, check_real
from . import Setup
from .ising_bins_data import (
    PAPER_BINS,
    EnergyBinData,
    allowed_energies,
    bin_labels,
    energy_bin_data,
)

__all__ = [
    "DEFAULT_CONFIG",
    "PAPER_BINS",
    "SWEEPS",
    "SWEEP_OVERRIDES",
    "PAPER_LONG_RUNS",
    "EnergyBinData",
    "allowed_energies",
    "bin_accuracies",
    "bin_labels",
    "build",
    "energy_bin_data",
    "run_config",
    "sweep_config",
]

#: The paper's defaults (Sec. 2), and the measurement settings of the chapter.
DEFAULT_CONFIG: dict[str, Any] = {
    "n_per_bin": 1000,  # training lattices per bin
    "data_seed": 0,  # the data; the run seed sets the initial weights and dropout
    "optimizer": "adam",  # "adam": L2 added to the gradient (reproduces the paper); "adamw": decoupled
    # decay; "sgd": SGD with momentum 0.9 and L2; "rmsprop": RMSprop (alpha 0.99) with L2
    "lr": 5e-4,
    "weight_decay": 5e-4,
    "init_scale": 7.0,  # c
    "init_distribution": "torch_default",  # the U that c multiplies (models.INIT_DISTRIBUTIONS)
    "beta": 1.0,  # softmax inverse temperature
    "width": 48,
    "depth": 4,
    "dropout": 0.0,
    "n_epochs": 25_000,
    "eval_every": 250,  # train and test accuracy
    "snapshot_every": 500,  # sparsity, gradient PCA, confidence, other test sets
    "n_pca_samples": 500,  # samples of each set in the gradient PCA
    "detail_epochs": [],  # snapshot epochs that also keep 2-D gradient and activation projections
    "flush_denormals": False,  # subnormal floats as zero (training.denormals_flushed): ~3x faster late
    # in a run, numbers of a different (equally valid) run; the archive's older runs did not flush
}

#: The sweeps of chapter 3: name -> (swept key, values, fixed overrides), archived at the paper's
#: scale (:func:`sweep_config`; 5 seeds, dropout 3), see :func:`grokbook.store.archive`. The paper
#: gives no values for beta, weight decay or c (figures only); these bracket its defaults. Its
#: dropout sweep is at width 144 (Figs. 12-13).
SWEEPS: dict[str, tuple[str, list[Any], dict[str, Any]]] = {
    "beta": ("beta", [0.25, 0.5, 1.0, 2.0, 4.0], {}),
    "weight_decay": ("weight_decay", [0.0, 2.5e-4, 5e-4, 1e-3, 2e-3], {}),
    "init_scale": ("init_scale", [1.0, 3.0, 5.0, 7.0, 9.0], {}),
    "dropout": ("dropout", [0.0, 0.02, 0.04, 0.1, 0.2], {}),
}
#: What the sweeps change in the quick config besides the swept key: fewer snapshots (9 instead of 41).
#: The quick sweeps (20,000 epochs) are for trying a sweep in an afternoon; they are not archived.
SWEEP_OVERRIDES: dict[str, Any] = {"snapshot_every": 2500}
#: At the paper's scale the sweeps run 25,000 epochs, and 40,000 for the values whose t_grok passed
#: 70% of a shorter run: of 20,000 epochs at the quick scale (beta, c, weight decay), of 25,000 at
#: the paper's width 144, where the dropout sweep runs (p = 0.04: t_grok 20,500, 82%).
PAPER_LONG_RUNS: dict[str, list[Any]] = {
    "beta": [2.0, 4.0],
    "init_scale": [9.0],
    "weight_decay": [2.5e-4],
    "dropout": [0.04],
}


def sweep_config(name: str, value: Any, scale: str = "paper") -> dict[str, Any]:
    """The config overrides of one point of sweep ``name`` (a key of :data:`SWEEPS`).

    ``scale="quick"``: the quick sweep's point (:data:`SWEEP_OVERRIDES`, 20,000 epochs);
    ``"paper"``: as ``scripts/ising_paper_runs.sh`` runs them (:data:`PAPER_LONG_RUNS`,
    width 144 for dropout).  Pass the result to ``Experiment.config(scale, ...)``.
    """
    key, _, fixed = SWEEPS[check_choice("name", name, SWEEPS)]
    if check_choice("scale", scale, ("quick", "paper")) == "quick":
        return {**SWEEP_OVERRIDES, **fixed, key: value}
    long = {"n_epochs": 40_000} if value in PAPER_LONG_RUNS.get(name, []) else {}
    wide = {"width": 144} if key == "dropout" else {}
    return {**fixed, **wide, **long, key: value}

_OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": partial(torch.optim.SGD, momentum=0.9),
    "rmsprop": torch.optim.RMSprop,
}


@lru_cache(maxsize=4)
def _cached_data(n_per_bin: int, seed: int) -> EnergyBinData:
    return energy_bin_data(n_per_bin=n_per_bin, seed=seed)


def task_data(config: dict[str, Any]) -> EnergyBinData:
    """The run's data (training set and its three test sets), cached: runs of one ``n_per_bin`` and ``data_seed`` share it."""
    cfg = check_config(config, DEFAULT_CONFIG)
    return _cached_data(check_int("n_per_bin", cfg["n_per_bin"], minimum=1), check_int("data_seed", cfg["data_seed"], minimum=0))


def build(config: dict[str, Any], seed: int) -> Setup:
    """One run: the paper's data (random test set), ``IsingMLP(..., seed=seed)``, Adam (or AdamW) and the beta cross-entropy.

    Args:
        config: JSON-able dict overriding :data:`DEFAULT_CONFIG` (unknown keys raise ValueError).
        seed: seed of the initial weights, >= 0 (the data are seeded by ``data_seed``).
    """
    cfg = check_config(config, DEFAULT_CONFIG)
    seed = check_int("seed", seed, minimum=0)
    optimizer_cls = _OPTIMIZERS[check_choice("optimizer", cfg["optimizer"], _OPTIMIZERS)]
    data = task_data(cfg)
    model = IsingMLP(
        width=cfg["width"],
        depth=cfg["depth"],
        init_scale=cfg["init_scale"],
        init_distribution=cfg["init_distribution"],
        dropout=cfg["dropout"],
        seed=seed,
    )
    optimizer = optimizer_cls(
        model.parameters(),
        lr=check_real("lr", cfg["lr"], minimum=0.0, strict_minimum=True),
        weight_decay=check_real("weight_decay", cfg["weight_decay"], minimum=0.0),
    )
    beta = check_real("beta", cfg["beta"], minimum=0.0, strict_minimum=True)
    return Setup(data.dataset("random"), model, optimizer, partial(cross_entropy, beta=beta))


def bin_accuracies(model: torch.nn.Module, data: EnergyBinData) -> dict[str, Any]:
    """Accuracy on the random test set per energy bin, apart for lattices seen and not seen in training.

    Returns ``acc_bins_seen`` and ``acc_bins_unseen``, (n_bins,) float arrays
    (NaN for a bin without such lattices), and ``n_bins_seen`` (n_bins,) the
    count of seen test lattices per bin: the overlap sits in the lowest bins,
    whose energy levels hold few configurations.
    """
    with torch.no_grad():
        correct = (model(data.dataset("random").X_test).argmax(-1).numpy() == data.test_labels)
    n_bins = len(data.bins)
    out: dict[str, Any] = {"n_bins_seen": np.bincount(data.test_labels[data.test_seen], minlength=n_bins)}
    for name, mask in (("seen", data.test_seen), ("unseen", ~data.test_seen)):
        hits = np.bincount(data.test_labels[mask], weights=correct[mask], minlength=n_bins)
        counts = np.bincount(data.test_labels[mask], minlength=n_bins)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"acc_bins_{name}"] = np.where(counts > 0, hits / counts, np.nan)
    return out


def _snapshot(model: torch.nn.Module, dataset: Any, epoch: int, *, metrics: Any, data: EnergyBinData) -> dict[str, Any]:
    was_training = model.training
    model.eval()
    out = {**metrics(model, dataset, epoch), **bin_accuracies(model, data)}
    model.train(was_training)
    return out


def run_config(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """Train the paper's network once and measure it: JSON-able config -> dict of numbers.

    ``config`` overrides :data:`DEFAULT_CONFIG` (unknown keys raise ValueError).
    The run trains what :func:`build` returns and, every ``snapshot_every``
    epochs, calls :func:`grokbook.probes.snapshot.snapshot_metrics`.

    Returns:
        :meth:`grokbook.training.History.to_payload`: ``epochs``, ``train_acc``,
        ``test_acc``, ``train_loss``, ``test_loss`` (every ``eval_every`` epochs);
        the clock's ``t_fit``, ``t_grok`` (NaN for a run whose test accuracy did
        not rise after t_fit) and ``delay``; ``test_plateau`` and ``test_at_fit``;
        and, at the snapshot epochs ``snapshot_epochs``, each array of
        ``snapshot_metrics`` (e.g. ``sparsity`` (n_snap, depth + 1),
        ``n90_train``, ``acc_unseen``, ``acc_inverted``, ``confidence_test``) and of
        :func:`bin_accuracies` (``acc_bins_seen``, ``acc_bins_unseen``); at each
        of ``detail_epochs`` the projections as ``"grad_2d@<epoch>"``, ``"grad_correct@<epoch>"``,
        ``"act_2d@<epoch>"``.
    """
    from ..probes.snapshot import snapshot_metrics

    cfg = check_config(config, DEFAULT_CONFIG)
    n_epochs = check_int("n_epochs", cfg["n_epochs"], minimum=1)
    snapshot_every = check_int("snapshot_every", cfg["snapshot_every"], minimum=1)
    data, model, optimizer, loss_fn = build(cfg, seed)
    snapshot_epochs = tuple(range(0, n_epochs + 1, snapshot_every))
    detail_epochs = tuple(check_int("detail_epochs", e, minimum=0, maximum=n_epochs) for e in cfg["detail_epochs"])
    if not set(detail_epochs) <= set(snapshot_epochs):
        raise ValueError(f"detail_epochs must be multiples of snapshot_every = {snapshot_every}, got {list(detail_epochs)}")
    extra = {name: task_data(cfg).dataset(name) for name in ("unseen", "inverted")}
    snapshot = partial(
        snapshot_metrics,
        beta=float(cfg["beta"]),
        loss_fn=loss_fn,
        extra_tests={k: (d.X_test, d.y_test) for k, d in extra.items()},
        n_pca_samples=check_int("n_pca_samples", cfg["n_pca_samples"], minimum=2),
        detail_epochs=detail_epochs,
        seed=seed,
    )
    flush = cfg["flush_denormals"]
    if not isinstance(flush, bool):
        raise TypeError(f"flush_denormals must be true or false, got {flush!r}")
    with denormals_flushed(flush):
        history = train(
            model,
            data,
            optimizer,
            n_epochs=n_epochs,
            loss_fn=loss_fn,
            eval_every=check_int("eval_every", cfg["eval_every"], minimum=1),
            snapshot_epochs=snapshot_epochs,
            snapshot=partial(_snapshot, metrics=snapshot, data=task_data(cfg)),
            seed=seed,
            progress=False,
        )
    return history.to_payload()
