"""XOR with 2 -> width -> 1 networks: the task of arXiv 2604.04655, swept over widths for the avalanche probe.

XOR has four points and no held-out set, so its "grokking" is an abrupt
*learning* after a plateau, not delayed generalisation: the book's test set
is the training set here.  Its time is ``t_learn``, the clock's t_fit
(:func:`grokbook.curves.t_fit`, the epoch from which all four points stay
correctly classified) of a run that ends with every point correct; the
clock's t_grok, which asks the test accuracy to rise after t_fit, does not
apply to a task without a held-out set.

The paper's activation, initialisation, learning rate and epochs were not
found; ours (kept parameters of :class:`XORConfig`):

* tanh hidden layer, mean-field output ``z = (1/width) sum_j a_j tanh(w_j . x + b_j) + c``
  with 2 width + width + width + 1 = 4 width + 1 parameters
  (:class:`grokbook.models.XORMLP`);
* small initialisation (w, b ~ N(0, 0.05^2), a ~ N(0, 0.01^2), c = 0): the
  network starts near the saddle at the origin, where the loss is flat, and
  escapes after a plateau;
* full-batch SGD with learning rate ``lr * width`` on w, b and a, and ``lr``
  on c.  In this (mean-field) parametrisation each hidden unit moves at a
  speed independent of the width, so the transition comes at about the same
  epoch at every width, which is what a finite-size fit at fixed epoch needs;
* binary cross-entropy, written as the book's cross-entropy on the logits
  ``(0, z)`` so that :func:`grokbook.training.train` (argmax accuracy) applies.

:func:`run_xor` trains every (width, seed) of an :class:`XORConfig` with
gradient snapshots (:func:`grokbook.probes.avalanche.gradient_sweep`);
:func:`run_config` is one seed of the full probe at every width (what
``grokbook run dimension`` stores): the runs, then the avalanche sizes of
their snapshots.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import torch

from ..data import Dataset
from ..models import XORMLP
from ..probes import avalanche
from ..training import History, cross_entropy, train
from ..validate import check_config, check_int, check_real
from . import Setup

__all__ = [
    "PAPER_WIDTHS",
    "xor_dataset",
    "make_optimizer",
    "XORConfig",
    "XORRuns",
    "build",
    "t_learn",
    "run_xor",
    "PROBE_CONFIG",
    "DEFAULT_CONFIG",
    "run_config",
]

#: The eight hidden widths, log-spaced from 20 to 500 (81 ... 2001 parameters).
PAPER_WIDTHS = (20, 32, 50, 80, 126, 200, 316, 500)


def xor_dataset() -> Dataset:
    """The four XOR points x in {-1, 1}^2, label 1 when the signs differ; test set = training set."""
    X = torch.tensor([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])  # (4, 2)
    y = torch.tensor([0, 1, 1, 0])
    return Dataset(X, y, X.clone(), y.clone(), n_classes=2)


def make_optimizer(model: XORMLP, lr: float) -> torch.optim.SGD:
    """Full-batch SGD, learning rate ``lr * width`` on the hidden units and ``lr`` on the output bias (mean-field)."""
    lr = check_real("lr", lr, minimum=0, strict_minimum=True)
    units = [model.hidden_layer.weight, model.hidden_layer.bias, model.out.weight]
    return torch.optim.SGD([{"params": units, "lr": lr * model.width}, {"params": [model.out.bias], "lr": lr}])


#: Fields of :class:`XORConfig` that a run's seed sets, not its config (``run_config`` trains one seed).
_SEED_FIELDS = ("n_seeds", "seed_offset")


@dataclass(frozen=True)
class XORConfig:
    """One sweep of XOR runs: every width times every seed, with gradient snapshots.

    The one definition of the sweep's settings: :data:`DEFAULT_CONFIG`, the
    JSON-able config of :func:`run_config`, is :meth:`as_config` of the
    defaults plus the probe's rules, and :meth:`from_config` reads it back.
    """

    widths: tuple[int, ...] = PAPER_WIDTHS  # hidden widths (4 width + 1 parameters)
    n_seeds: int = 6  # seeds seed_offset .. seed_offset + n_seeds - 1 per width
    n_snapshots: int = 51  # gradient snapshots, evenly spaced over training (epoch 0 included)
    n_epochs: int = 1500  # full-batch SGD steps
    lr: float = 0.5  # base learning rate (lr * width on the hidden units)
    hidden_init: float = 0.05  # standard deviation of the first layer's weights and biases
    output_init: float = 0.01  # standard deviation of the output weights
    eval_every: int = 10
    seed_offset: int = 0  # first seed (the CLI runs store seed s as seed_offset = s, n_seeds = 1)

    def __post_init__(self) -> None:
        if len(self.widths) < 1:
            raise ValueError("widths must hold at least one hidden width")
        for width in self.widths:
            check_int("widths", width, minimum=1)
        check_int("n_seeds", self.n_seeds, minimum=1)
        check_int("n_snapshots", self.n_snapshots, minimum=2, maximum=self.n_epochs + 1)
        check_int("n_epochs", self.n_epochs, minimum=1)
        check_int("eval_every", self.eval_every, minimum=1)
        check_int("seed_offset", self.seed_offset, minimum=0)

    @property
    def snapshot_epochs(self) -> np.ndarray:
        """(n_snapshots,) evenly spaced epochs from 0 to n_epochs."""
        return np.linspace(0, self.n_epochs, self.n_snapshots).round().astype(int)

    @property
    def N(self) -> np.ndarray:
        """(n_scales,) parameter counts 4 width + 1, the system sizes of the finite-size fit."""
        return 4 * np.asarray(self.widths) + 1

    @property
    def seeds(self) -> range:
        """The seeds of every width."""
        return range(self.seed_offset, self.seed_offset + self.n_seeds)

    def as_config(self) -> dict[str, Any]:
        """The JSON-able settings of one seed's sweep (every field but n_seeds and seed_offset; widths as a list)."""
        config = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in _SEED_FIELDS}
        return {**config, "widths": list(self.widths)}

    @classmethod
    def from_config(cls, config: dict[str, Any], seed: int = 0) -> XORConfig:
        """The sweep of seed ``seed`` alone (``n_seeds=1, seed_offset=seed``) from a config with the fields of :meth:`as_config`."""
        names = {f.name for f in dataclasses.fields(cls)} - set(_SEED_FIELDS)
        settings = {key: value for key, value in config.items() if key in names}
        return cls(**{**settings, "widths": tuple(config["widths"])}, n_seeds=1, seed_offset=check_int("seed", seed, minimum=0))


@dataclass
class XORRuns:
    """Everything a sweep produced.

    Attributes:
        config: the sweep.
        histories: histories[i][s] of width i, the s-th seed of ``config.seeds`` (snapshots stripped, see ``gradients``).
        gradients: gradients[i] of shape (n_seeds, n_snapshots, 4 widths[i] + 1).
        t_learn: (n_scales, n_seeds) epoch from which all four points stay correct (NaN if never).
    """

    config: XORConfig
    histories: list[list[History]] = field(default_factory=list)
    gradients: list[np.ndarray] = field(default_factory=list)
    t_learn: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))


def build(config: XORConfig | dict[str, Any], seed: int, *, width: int) -> Setup:
    """One run: the four points, ``XORMLP(width, seed=seed)``, its mean-field SGD and the cross-entropy.

    Args:
        config: an :class:`XORConfig`, or a dict of :data:`DEFAULT_CONFIG`'s keys
            (missing keys take its values); its init scales and ``lr`` are used.
        seed: seed of the initial weights, >= 0.
        width: hidden width, >= 1 (one of a sweep's ``widths``).
    """
    if not isinstance(config, XORConfig):
        config = XORConfig.from_config(check_config(config, DEFAULT_CONFIG))
    model = XORMLP(width, hidden_init=config.hidden_init, output_init=config.output_init, seed=seed)
    return Setup(xor_dataset(), model, make_optimizer(model, config.lr), cross_entropy)


def t_learn(history: History) -> float:
    """XOR's learning time: the clock's t_fit of a run that ends with every point correct, else NaN."""
    return history.t_fit() if history.train_acc[-1] == 1.0 else float("nan")


def run_xor(config: XORConfig = XORConfig(), *, progress: bool = True) -> XORRuns:
    """Train every (width, seed) of ``config`` with :func:`grokbook.training.train` and collect gradient snapshots.

    Seed s initialises the network with ``XORMLP(..., seed=s)``; a run is
    deterministic, and seed s gives the same run whatever ``seed_offset`` and
    ``n_seeds`` include it.  One torch thread (see
    :func:`grokbook.probes.avalanche.gradient_sweep`).
    """

    def train_run(width: int, seed: int, epochs: tuple[int, ...]) -> History:
        data, model, optimizer, loss_fn = build(config, seed, width=width)
        history = train(
            model, data, optimizer, n_epochs=config.n_epochs, loss_fn=loss_fn, eval_every=config.eval_every,
            snapshot_epochs=epochs, snapshot=partial(avalanche.gradient_snapshot, loss_fn=loss_fn), seed=seed, progress=False,
        )  # fmt: skip
        history.config = {"width": width, "seed": seed}
        return history

    histories, gradients = avalanche.gradient_sweep(
        train_run, config.widths, config.seeds, config.snapshot_epochs, progress=progress, desc="XOR runs"
    )
    learned = np.array([[t_learn(h) for h in row] for row in histories], dtype=float)
    return XORRuns(config, histories, gradients, learned)


#: The avalanche probe's rules in :func:`run_config`: one fixed graph per N
#: (:func:`grokbook.probes.avalanche.scale_graphs`) and the toppling rules of
#: :func:`grokbook.probes.avalanche.gradient_avalanches`.
PROBE_CONFIG: dict[str, Any] = {
    "topology": "barabasi_albert",
    "mean_degree": 4,
    "graph_seed": 0,
    "alpha": 0.5,
    "threshold": 2.0,
    "normalisation": "mean",
}

#: The full probe of chapter 5 (``grokbook run dimension``): the XOR sweep and the avalanche probe's rules.
DEFAULT_CONFIG: dict[str, Any] = {**XORConfig().as_config(), **PROBE_CONFIG}


def run_config(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """One seed of the full XOR probe: the run at every width, and the avalanche size of each gradient snapshot.

    Seed s trains the same networks as seed s of :func:`run_xor`
    (``XORConfig.from_config(config, s)``); the graphs do not depend on the
    seed (``graph_seed``), so stacking the ``sizes`` of seeds 0..n-1 gives the
    (n_scales, n_seeds, n_snapshots) array of
    :func:`grokbook.probes.avalanche.cascade_sizes` on ``run_xor(XORConfig(n_seeds=n))``.

    Args:
        config: JSON-able dict; missing keys take :data:`DEFAULT_CONFIG`'s values.
        seed: the run's seed, >= 0.

    Returns:
        ``N`` (n_scales,) parameter counts, ``snapshot_epochs`` (n_snapshots,),
        ``sizes`` (n_scales, n_snapshots) avalanche sizes S, ``t_learn`` (n_scales,)
        (NaN if never), ``epochs`` (n_evals,), ``train_loss`` and ``test_acc``
        (n_scales, n_evals), ``wall_time`` (s).
    """
    full = check_config(config, DEFAULT_CONFIG)
    start = time.perf_counter()
    sweep = XORConfig.from_config(full, seed)
    runs = run_xor(sweep, progress=False)
    graphs = avalanche.scale_graphs(sweep.N, full["topology"], mean_degree=full["mean_degree"], seed=full["graph_seed"])
    probe = {key: full[key] for key in ("alpha", "threshold", "normalisation")}
    sizes = avalanche.cascade_sizes(runs.gradients, graphs, **probe)[:, 0]  # (n_scales, n_snapshots)
    return {
        "N": sweep.N,
        "snapshot_epochs": sweep.snapshot_epochs,
        "sizes": sizes,
        "t_learn": runs.t_learn[:, 0],
        "epochs": runs.histories[0][0].epochs,
        "train_loss": np.stack([row[0].train_loss for row in runs.histories]),
        "test_acc": np.stack([row[0].test_acc for row in runs.histories]),
        "wall_time": time.perf_counter() - start,
    }
