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
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm import tqdm

from .data import Dataset
from .train import History, cross_entropy, train
from .validate import check_int, check_real

__all__ = ["PAPER_WIDTHS", "xor_dataset", "XORMLP", "make_optimizer", "gradient_snapshot", "XORConfig", "XORRuns", "run_xor"]

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


def gradient_snapshot(model: torch.nn.Module, data: Dataset, epoch: int) -> dict[str, np.ndarray]:
    """Snapshot callback for :func:`grokbook.train.train`: the full-batch loss gradient, flattened.

    The entries follow ``model.parameters()`` (for :class:`XORMLP`: hidden
    weights row by row, hidden biases, output weights, output bias), so entry i
    is parameter i.  It is the gradient the next SGD step uses; computed with
    ``torch.autograd.grad``, it leaves the parameters' ``.grad`` untouched.

    Returns:
        ``{"grad": (N,) float64 array}``.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    with torch.enable_grad():
        loss = cross_entropy(model(data.X_train), data.y_train)
        grads = torch.autograd.grad(loss, params)
    return {"grad": torch.cat([g.reshape(-1) for g in grads]).double().numpy()}


@dataclass(frozen=True)
class XORConfig:
    """One sweep of XOR runs: every width times every seed, with gradient snapshots."""

    widths: tuple[int, ...] = PAPER_WIDTHS  # hidden widths h (N = 4h + 1)
    n_seeds: int = 6  # seeds 0..n_seeds-1 per width
    n_snapshots: int = 51  # gradient snapshots, evenly spaced over training (epoch 0 included)
    n_epochs: int = 1500  # full-batch SGD steps
    lr: float = 0.5  # base learning rate (lr * h on the hidden units)
    hidden_init: float = 0.05
    output_init: float = 0.01
    eval_every: int = 10

    def __post_init__(self) -> None:
        if len(self.widths) < 1:
            raise ValueError("widths must hold at least one hidden width")
        for h in self.widths:
            check_int("widths", h, minimum=1)
        check_int("n_seeds", self.n_seeds, minimum=1)
        check_int("n_snapshots", self.n_snapshots, minimum=2, maximum=self.n_epochs + 1)
        check_int("n_epochs", self.n_epochs, minimum=1)
        check_int("eval_every", self.eval_every, minimum=1)

    @property
    def snapshot_epochs(self) -> np.ndarray:
        """(n_snapshots,) evenly spaced epochs from 0 to n_epochs."""
        return np.linspace(0, self.n_epochs, self.n_snapshots).round().astype(int)

    @property
    def N(self) -> np.ndarray:
        """(n_scales,) parameter counts 4h + 1."""
        return 4 * np.asarray(self.widths) + 1


@dataclass
class XORRuns:
    """Everything a sweep produced.

    Attributes:
        config: the sweep.
        histories: histories[i][s] of width i, seed s (snapshots stripped, see ``gradients``).
        gradients: gradients[i] of shape (n_seeds, n_snapshots, N_i).
        t_grok: (n_scales, n_seeds) epoch from which all four points stay correct (NaN if never).
    """

    config: XORConfig
    histories: list[list[History]] = field(default_factory=list)
    gradients: list[np.ndarray] = field(default_factory=list)
    t_grok: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))


def run_xor(config: XORConfig = XORConfig(), *, progress: bool = True) -> XORRuns:
    """Train every (width, seed) of ``config`` with :func:`grokbook.train.train` and collect gradient snapshots.

    Seed s initialises the network with ``torch.manual_seed(s)``; a run is
    deterministic.  Runs use one torch thread (for networks this small, more
    threads only add synchronisation, many times slower on a busy machine);
    the previous thread count is restored on return.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _run_xor(config, progress)
    finally:
        torch.set_num_threads(threads)


def _run_xor(config: XORConfig, progress: bool) -> XORRuns:
    data = xor_dataset()
    epochs = tuple(int(e) for e in config.snapshot_epochs)
    runs = XORRuns(config, t_grok=np.full((len(config.widths), config.n_seeds), np.nan))
    bar = tqdm(total=len(config.widths) * config.n_seeds, disable=not progress, desc="XOR runs")
    for i, h in enumerate(config.widths):
        histories, grads = [], []
        for seed in range(config.n_seeds):
            torch.manual_seed(seed)
            model = XORMLP(h, hidden_init=config.hidden_init, output_init=config.output_init)
            history = train(
                model, data, make_optimizer(model, config.lr), n_epochs=config.n_epochs, eval_every=config.eval_every,
                snapshot_epochs=epochs, snapshot=gradient_snapshot, seed=seed, progress=False,
            )  # fmt: skip
            grads.append(np.stack([history.snapshots[e]["grad"] for e in epochs]))  # (n_snapshots, N)
            history.snapshots = {}
            history.config = {"h": h, "seed": seed}
            t_grok = history.t_grok()
            runs.t_grok[i, seed] = np.nan if t_grok is None or history.test_acc[-1] < 1 else t_grok
            histories.append(history)
            bar.update()
        runs.histories.append(histories)
        runs.gradients.append(np.stack(grads))  # (n_seeds, n_snapshots, N)
    bar.close()
    return runs
