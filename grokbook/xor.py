"""XOR with 2 -> h -> 1 networks: the task of arXiv 2604.04655 and its gradient snapshots.

XOR has four points and no held-out set, so its "grokking" is an abrupt
*learning* after a plateau, not delayed generalisation: the book's test set
is the training set here, and ``t_grok`` is the epoch from which all four
points stay correctly classified.

The paper's activation, initialisation, learning rate and epochs were not
found; ours (kept parameters of :class:`XORConfig`):

* tanh hidden layer, mean-field output ``z = (1/h) sum_j a_j tanh(w_j . x + b_j) + c``
  with N = 2h + h + h + 1 = 4h + 1 parameters;
* small initialisation (w, b ~ N(0, 0.05^2), a ~ N(0, 0.01^2), c = 0): the
  network starts near the saddle at the origin, where the loss is flat, and
  escapes after a plateau;
* full-batch SGD with learning rate ``lr * h`` on w, b and a, and ``lr`` on c.
  In this (mean-field) parametrisation each hidden unit moves at a speed
  independent of h, so the transition comes at about the same epoch at every
  width, which is what a finite-size fit at fixed epoch needs;
* binary cross-entropy, written as the book's cross-entropy on the logits
  ``(0, z)`` so that :func:`grokbook.train.train` (argmax accuracy) applies.

:func:`run_config` is one seed of the full probe at every width (what
``grokbook run dimension`` stores): the runs, then the avalanche sizes of
their snapshots (:mod:`grokbook.avalanche`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from . import avalanche
from .data import Dataset
from .train import History, LossFn, cross_entropy, torch_threads, train
from .validate import check_config, check_int, check_real

__all__ = [
    "PAPER_WIDTHS",
    "xor_dataset",
    "XORMLP",
    "make_optimizer",
    "gradient_snapshot",
    "gradient_sweep",
    "XORConfig",
    "XORRuns",
    "run_xor",
    "DEFAULT_CONFIG",
    "run_config",
]

#: The eight hidden widths, log-spaced from 20 to 500 (N = 81 ... 2001 parameters).
PAPER_WIDTHS = (20, 32, 50, 80, 126, 200, 316, 500)


def xor_dataset() -> Dataset:
    """The four XOR points x in {-1, 1}^2, label 1 when the signs differ; test set = training set."""
    X = torch.tensor([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])  # (4, 2)
    y = torch.tensor([0, 1, 1, 0])
    return Dataset(X, y, X.clone(), y.clone(), n_classes=2)


class XORMLP(torch.nn.Module):
    """2 -> h -> 1 tanh network in mean-field parametrisation, returning the logits (batch, 2) = (0, z).

    Args:
        h: hidden width, >= 1.
        hidden_init: standard deviation of the first layer's weights and biases, > 0.
        output_init: standard deviation of the output weights, > 0 (output bias starts at 0).
    """

    def __init__(self, h: int, *, hidden_init: float = 0.05, output_init: float = 0.01) -> None:
        super().__init__()
        self.h = check_int("h", h, minimum=1)
        self.hidden = torch.nn.Linear(2, self.h)
        self.out = torch.nn.Linear(self.h, 1)
        with torch.no_grad():
            self.hidden.weight.normal_(0, check_real("hidden_init", hidden_init, minimum=0, strict_minimum=True))
            self.hidden.bias.normal_(0, hidden_init)
            self.out.weight.normal_(0, check_real("output_init", output_init, minimum=0, strict_minimum=True))
            self.out.bias.zero_()

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        z = torch.tanh(self.hidden(X)) @ self.out.weight.T / self.h + self.out.bias  # (batch, 1)
        return torch.cat([torch.zeros_like(z), z], dim=-1)  # (batch, 2)


def make_optimizer(model: XORMLP, lr: float) -> torch.optim.SGD:
    """Full-batch SGD, learning rate ``lr * h`` on the hidden units and ``lr`` on the output bias (mean-field)."""
    lr = check_real("lr", lr, minimum=0, strict_minimum=True)
    units = [model.hidden.weight, model.hidden.bias, model.out.weight]
    return torch.optim.SGD([{"params": units, "lr": lr * model.h}, {"params": [model.out.bias], "lr": lr}])


def gradient_snapshot(model: torch.nn.Module, data: Dataset, epoch: int, *, loss_fn: LossFn = cross_entropy) -> dict[str, np.ndarray]:
    """Snapshot callback for :func:`grokbook.train.train`: the full-batch loss gradient, flattened.

    The entries follow ``model.parameters()`` (for :class:`XORMLP`: hidden
    weights row by row, hidden biases, output weights, output bias), so entry i
    is parameter i.  It is the raw gradient of ``loss_fn`` on the training set
    (what SGD steps along; an adaptive optimiser rescales it, and decoupled
    weight decay is not part of it); computed with ``torch.autograd.grad``, it
    leaves the parameters' ``.grad`` untouched.

    Returns:
        ``{"grad": (N,) float64 array}``.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    with torch.enable_grad():
        loss = loss_fn(model(data.X_train), data.y_train)
        grads = torch.autograd.grad(loss, params)
    return {"grad": torch.cat([g.reshape(-1) for g in grads]).double().numpy()}


@dataclass(frozen=True)
class XORConfig:
    """One sweep of XOR runs: every width times every seed, with gradient snapshots."""

    widths: tuple[int, ...] = PAPER_WIDTHS  # hidden widths h (N = 4h + 1)
    n_seeds: int = 6  # seeds seed_offset .. seed_offset + n_seeds - 1 per width
    n_snapshots: int = 51  # gradient snapshots, evenly spaced over training (epoch 0 included)
    n_epochs: int = 1500  # full-batch SGD steps
    lr: float = 0.5  # base learning rate (lr * h on the hidden units)
    hidden_init: float = 0.05
    output_init: float = 0.01
    eval_every: int = 10
    seed_offset: int = 0  # first seed (the CLI runs store seed s as seed_offset = s, n_seeds = 1)

    def __post_init__(self) -> None:
        if len(self.widths) < 1:
            raise ValueError("widths must hold at least one hidden width")
        for h in self.widths:
            check_int("widths", h, minimum=1)
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
        """(n_scales,) parameter counts 4h + 1."""
        return 4 * np.asarray(self.widths) + 1

    @property
    def seeds(self) -> range:
        """The seeds of every width."""
        return range(self.seed_offset, self.seed_offset + self.n_seeds)


@dataclass
class XORRuns:
    """Everything a sweep produced.

    Attributes:
        config: the sweep.
        histories: histories[i][s] of width i, the s-th seed of ``config.seeds`` (snapshots stripped, see ``gradients``).
        gradients: gradients[i] of shape (n_seeds, n_snapshots, N_i).
        t_grok: (n_scales, n_seeds) epoch from which all four points stay correct (NaN if never).
    """

    config: XORConfig
    histories: list[list[History]] = field(default_factory=list)
    gradients: list[np.ndarray] = field(default_factory=list)
    t_grok: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))


#: (width, seed, snapshot epochs) -> the History of one run trained with ``snapshot=gradient_snapshot``.
TrainRun = Callable[[int, int, tuple[int, ...]], History]


def gradient_sweep(
    train_run: TrainRun, widths: Sequence[int], seeds: Sequence[int], snapshot_epochs: Sequence[int], *, progress: bool = True, desc: str = "runs"
) -> tuple[list[list[History]], list[np.ndarray]]:
    """Every (width, seed) run of a finite-size sweep, with its gradient snapshots stacked for the avalanche probe.

    The one collection loop of the book's D(t) sweeps (XOR here, modular
    addition in :func:`grokbook.modular.gradient_runs`): ``train_run`` trains
    one network and returns its History with a ``{"grad": (N,)}`` snapshot
    (:func:`gradient_snapshot`) at each of ``snapshot_epochs`` (and may set
    its ``config``).  Runs use one
    torch thread (for networks this small, more threads only add
    synchronisation, many times slower on a busy machine); the previous
    thread count is restored on return.

    Returns:
        histories[i][s] of width i and seed ``seeds[s]`` (snapshots stripped)
        and gradients[i], (n_seeds, n_snapshots, N_i).
    """
    if len(widths) < 1 or len(seeds) < 1 or len(snapshot_epochs) < 1:
        raise ValueError(f"widths, seeds and snapshot_epochs must each be non-empty, got {len(widths)}, {len(seeds)} and {len(snapshot_epochs)}")
    epochs = tuple(int(e) for e in snapshot_epochs)
    histories: list[list[History]] = []
    gradients: list[np.ndarray] = []
    with torch_threads(1), tqdm(total=len(widths) * len(seeds), disable=not progress, desc=desc) as bar:
        for width in widths:
            row, grads = [], []
            for seed in seeds:
                history = train_run(width, seed, epochs)
                grads.append(np.stack([history.snapshots[e]["grad"] for e in epochs]))  # (n_snapshots, N)
                history.snapshots = {}
                row.append(history)
                bar.update()
            histories.append(row)
            gradients.append(np.stack(grads))  # (n_seeds, n_snapshots, N)
    return histories, gradients


def run_xor(config: XORConfig = XORConfig(), *, progress: bool = True) -> XORRuns:
    """Train every (width, seed) of ``config`` with :func:`grokbook.train.train` and collect gradient snapshots.

    Seed s initialises the network with ``torch.manual_seed(s)``; a run is
    deterministic, and seed s gives the same run whatever ``seed_offset`` and
    ``n_seeds`` include it.  One torch thread (see :func:`gradient_sweep`).
    """
    data = xor_dataset()

    def train_run(h: int, seed: int, epochs: tuple[int, ...]) -> History:
        torch.manual_seed(seed)
        model = XORMLP(h, hidden_init=config.hidden_init, output_init=config.output_init)
        history = train(
            model, data, make_optimizer(model, config.lr), n_epochs=config.n_epochs, eval_every=config.eval_every,
            snapshot_epochs=epochs, snapshot=gradient_snapshot, seed=seed, progress=False,
        )  # fmt: skip
        history.config = {"h": h, "seed": seed}
        return history

    histories, gradients = gradient_sweep(train_run, config.widths, config.seeds, config.snapshot_epochs, progress=progress, desc="XOR runs")
    t_grok = np.array([[np.nan if (t := h.t_grok()) is None or h.test_acc[-1] < 1 else t for h in row] for row in histories], dtype=float)
    return XORRuns(config, histories, gradients, t_grok)


#: The full probe of chapter 4 (``grokbook run dimension``): the XOR sweep and the avalanche probe's rules.
DEFAULT_CONFIG: dict[str, Any] = {
    "widths": list(PAPER_WIDTHS),  # hidden widths h (N = 4h + 1)
    "n_snapshots": 51,  # gradient snapshots per run
    "n_epochs": 1500,  # full-batch SGD steps
    "lr": 0.5,  # base learning rate (lr * h on the hidden units)
    "hidden_init": 0.05,
    "output_init": 0.01,
    "eval_every": 10,
    "topology": "barabasi_albert",  # one fixed graph per N (avalanche.scale_graphs)
    "mean_degree": 4,
    "graph_seed": 0,
    "alpha": 0.5,  # avalanche.gradient_avalanches rules
    "threshold": 2.0,
    "normalisation": "mean",
}


def run_config(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """One seed of the full XOR probe: the run at every width, and the avalanche size of each gradient snapshot.

    Seed s trains the same networks as seed s of :func:`run_xor` (``XORConfig(seed_offset=s, n_seeds=1)``);
    the graphs do not depend on the seed (``graph_seed``), so stacking the
    ``sizes`` of seeds 0..n-1 gives the (n_scales, n_seeds, n_snapshots)
    array of :func:`grokbook.avalanche.cascade_sizes` on ``run_xor(XORConfig(n_seeds=n))``.

    Args:
        config: JSON-able dict; missing keys take :data:`DEFAULT_CONFIG`'s values.
        seed: the run's seed, >= 0.

    Returns:
        ``N`` (n_scales,) parameter counts, ``snapshot_epochs`` (n_snapshots,),
        ``sizes`` (n_scales, n_snapshots) avalanche sizes S, ``t_grok`` (n_scales,)
        (NaN if never), ``epochs`` (n_evals,), ``train_loss`` and ``test_acc``
        (n_scales, n_evals), ``wall_time`` (s).
    """
    full = check_config(config, DEFAULT_CONFIG)
    start = time.perf_counter()
    sweep = XORConfig(
        widths=tuple(full["widths"]), n_seeds=1, n_snapshots=full["n_snapshots"], n_epochs=full["n_epochs"], lr=full["lr"],
        hidden_init=full["hidden_init"], output_init=full["output_init"], eval_every=full["eval_every"], seed_offset=seed,
    )  # fmt: skip
    runs = run_xor(sweep, progress=False)
    graphs = avalanche.scale_graphs(sweep.N, full["topology"], mean_degree=full["mean_degree"], seed=full["graph_seed"])
    probe = {key: full[key] for key in ("alpha", "threshold", "normalisation")}
    sizes = avalanche.cascade_sizes(runs.gradients, graphs, **probe)[:, 0]  # (n_scales, n_snapshots)
    return {
        "N": sweep.N,
        "snapshot_epochs": sweep.snapshot_epochs,
        "sizes": sizes,
        "t_grok": runs.t_grok[:, 0],
        "epochs": runs.histories[0][0].epochs,
        "train_loss": np.stack([row[0].train_loss for row in runs.histories]),
        "test_acc": np.stack([row[0].test_acc for row in runs.histories]),
        "wall_time": time.perf_counter() - start,
    }
