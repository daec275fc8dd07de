"""a + b mod p with Nanda et al.'s one-layer transformer: the papers' own grokking (Power et al. 2022, Nanda et al. 2023).

The table and its split are :func:`grokbook.tasks.modular.make_dataset`'s
(a random ``train_fraction`` of the p^2 pairs for training, the rest for
test); the model is :class:`grokbook.models.ModularTransformer` on the
tokens ``(a, b, "=")``, trained full batch with the cross-entropy (in float64, as theirs)
of the answer read at the last token and AdamW (lr 1e-3, weight decay 1, betas
(0.9, 0.98)) after a linear warm-up of the learning rate over the first 10
steps, as in the authors' code (arXiv 2301.05217, App. A; their run: p = 113,
30% of the pairs, d_model 128, 4 heads, d_mlp 512, 40,000 steps).

:func:`run_config` trains one run through :func:`grokbook.training.train` and
measures, at snapshots, the embedding's Fourier spectrum, the sum of squared
weights and Nanda et al.'s progress measures (:mod:`grokbook.probes.progress`):
restricted and excluded loss for the key frequencies of the trained network,
which are found after training and applied to every snapshot (the snapshots'
parameters are kept in memory until then, never stored).
"""

from __future__ import annotations

import copy
import logging
import os
import time
from typing import Any

import numpy as np
import torch

from ..curves import first_epoch_at
from ..models import ModularTransformer
from ..probes import progress
from ..probes.fourier import fourier_power
from ..training import History, train
from ..validate import check_choice, check_config, check_int, check_real
from . import Setup
from .modular import make_dataset, operation_table

LOG = logging.getLogger(__name__)  # one line per chunk at INFO (configure logging to follow a long run)

__all__ = ["DEFAULT_CONFIG", "PAPER_CONFIG", "WarmupAdamW", "cross_entropy_float64", "snapshot_epochs", "build", "run_config"]

#: Nanda et al.'s recipe (their Config and Trainer) at the book's default length; PAPER_CONFIG holds theirs.
DEFAULT_CONFIG: dict[str, Any] = {
    "p": 113,  # modulus (answers 0 .. p - 1, "=" is token p)
    "operation": "add",  # "add" or "sub"
    "train_fraction": 0.3,  # fraction of the p^2 pairs used for training
    "d_model": 128,  # residual stream
    "n_heads": 4,  # attention heads (d_model / n_heads each)
    "d_mlp": 512,  # MLP width
    "lr": 1e-3,  # AdamW learning rate after warm-up
    "weight_decay": 1.0,  # AdamW (decoupled) weight decay
    "betas": [0.9, 0.98],  # AdamW betas
    "warmup": 10,  # steps of linear learning-rate warm-up (their LambdaLR min(step / 10, 1))
    "n_epochs": 20_000,  # full-batch steps
    "eval_every": 10,  # steps between evaluations of the learning curves
    "snapshot_every": 100,  # steps between progress-measure snapshots (plus a few log-spaced ones before)
    "check_every": 500,  # steps between checks of the stopping rule (a multiple of eval_every)
    "stop_factor": 1.5,  # stop once the run has trained stop_factor x t_99 steps (0: train all n_epochs)
    "min_share": 0.05,  # key frequency: its neurons hold >= this share of the MLP's variance (progress.key_frequencies)
}

#: Nanda et al.'s mainline run: 40,000 full-batch steps.
PAPER_CONFIG: dict[str, Any] = {**DEFAULT_CONFIG, "n_epochs": 40_000}


class WarmupAdamW(torch.optim.AdamW):
    """AdamW whose learning rate rises linearly over the first ``warmup`` steps: ``lr * min(step / warmup, 1)``.

    The schedule of Nanda et al.'s code (``LambdaLR(lambda step: min(step / 10, 1))``,
    stepped after each optimizer step, so that step s uses ``lr * min((s - 1) / 10, 1)``;
    their first step has learning rate 0).  Kept inside the optimizer so that
    :func:`grokbook.training.train` runs it unchanged.
    """

    def __init__(self, params: Any, *, lr: float, warmup: int, **kwargs: Any) -> None:
        super().__init__(params, lr=lr, **kwargs)
        self.base_lr = lr
        self.warmup = check_int("warmup", warmup, minimum=0)
        self.n_steps = 0

    @torch.no_grad()
    def step(self, closure: Any = None) -> Any:
        factor = min(self.n_steps / self.warmup, 1.0) if self.warmup else 1.0
        for group in self.param_groups:
            group["lr"] = self.base_lr * factor
        self.n_steps += 1
        return super().step(closure)


def _check_config(config: dict[str, Any]) -> dict[str, Any]:
    full = check_config(config, DEFAULT_CONFIG)
    check_choice("operation", full["operation"], ("add", "sub"))
    p = check_int("p", full["p"], minimum=3, maximum=1000)
    if p % 2 == 0:
        raise ValueError(f"p must be odd (the key-frequency analysis assumes it; use a prime), got {p}")
    for key in ("d_model", "n_heads", "d_mlp", "n_epochs", "eval_every", "snapshot_every", "check_every"):
        check_int(key, full[key], minimum=1)
    check_int("warmup", full["warmup"], minimum=0)
    check_real("lr", full["lr"], minimum=0.0, strict_minimum=True)
    check_real("weight_decay", full["weight_decay"], minimum=0.0)
    check_real("stop_factor", full["stop_factor"], minimum=0.0)
    if full["stop_factor"] and full["stop_factor"] < 1:
        raise ValueError(f"stop_factor must be 0 (never stop early) or >= 1, got {full['stop_factor']}")
    check_real("min_share", full["min_share"], minimum=0.0, maximum=1.0, strict_minimum=True)
    betas = full["betas"]
    if not isinstance(betas, (list, tuple)) or len(betas) != 2:
        raise ValueError(f"betas must be a list of two numbers in [0, 1), got {betas!r}")
    for beta in betas:
        if check_real("betas", beta, minimum=0.0) >= 1:
            raise ValueError(f"betas must lie in [0, 1), got {betas!r}")
    if full["check_every"] % full["eval_every"]:
        raise ValueError(f"check_every must be a multiple of eval_every={full['eval_every']}, got {full['check_every']}")
    if full["snapshot_every"] % full["eval_every"]:
        raise ValueError(f"snapshot_every must be a multiple of eval_every={full['eval_every']}, got {full['snapshot_every']}")
    return full


def build(config: dict[str, Any], seed: int, device: str = "cpu") -> Setup:
    """One run's split, initialised transformer, warm-up AdamW and loss (cross-entropy), on ``device``.

    Seed s draws the split (:func:`grokbook.tasks.modular.make_dataset`) and
    the initial weights (``ModularTransformer(..., seed=s)``).
    """
    config = _check_config(config)
    seed = check_int("seed", seed, minimum=0)
    data = make_dataset(config["p"], config["operation"], config["train_fraction"], seed)
    if device != "cpu":
        data = type(data)(*(getattr(data, k).to(device) for k in ("X_train", "y_train", "X_test", "y_test")), n_classes=data.n_classes)
    model = ModularTransformer(config["p"], config["d_model"], config["n_heads"], config["d_mlp"], seed=seed).to(device)
    optimizer = WarmupAdamW(
        model.parameters(), lr=config["lr"], warmup=config["warmup"], weight_decay=config["weight_decay"], betas=tuple(config["betas"])
    )
    return Setup(data, model, optimizer, cross_entropy_float64)


def cross_entropy_float64(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The cross-entropy computed in float64 (their ``cross_entropy_high_precision``): float32 rounds the
    log-probabilities of a memorised training set (losses of 1e-7 and below) and makes the loss spike."""
    return torch.nn.functional.cross_entropy(logits.double(), y)


def snapshot_epochs(n_epochs: int, snapshot_every: int) -> tuple[int, ...]:
    """0, the log-spaced steps 1, 2, 5, 10, ... below ``snapshot_every``, then every ``snapshot_every`` steps, and the last."""
    early = [m * 10**e for e in range(7) for m in (1, 2, 5) if m * 10**e < snapshot_every]
    regular = range(0, n_epochs + 1, snapshot_every)
    return tuple(sorted({e for e in [*early, *regular, n_epochs] if e <= n_epochs}))


def run_config(config: dict[str, Any], seed: int, device: str = "cpu") -> dict[str, Any]:
    """Train one transformer on one split of a + b mod p and measure its Fourier circuit: one run of a sweep.

    Args:
        config: JSON-able dict; missing keys take :data:`DEFAULT_CONFIG`'s values.
        seed: seeds the split, the initialisation and the training, >= 0.
        device: ``"cpu"`` or ``"cuda"`` (the CLI's ``--device``).

    Returns:
        :meth:`grokbook.training.History.to_payload` (curves every ``eval_every``
        steps, ``t_fit``, ``t_grok``, ``delay``, ``test_plateau``,
        ``test_at_fit``); ``t_99`` (first step with test accuracy >= 0.99) and
        ``t_loss_01`` (first step with test loss < 0.1, Nanda et al.'s
        criterion), NaN if never; at ``snapshot_epochs`` (n_snap,):
        ``embedding_power`` (n_snap, p // 2 + 1) the Fourier power of the
        embedding ``W_E[:p]`` per frequency (summed over its columns),
        ``weight_norm`` the sum of squared parameters, ``restricted_loss`` and
        ``excluded_loss`` for the final key frequencies; after training:
        ``neuron_frequency``, ``neuron_explained``, ``neuron_variance``
        (d_mlp,) from :func:`grokbook.probes.progress.neuron_frequencies_2d`,
        ``frequency_shares`` ((p - 1) / 2,), ``key_frequencies`` (the rule of
        :func:`grokbook.probes.progress.key_frequencies` with ``min_share``);
        ``wall_time`` (s of training).
    """
    config = _check_config(config)
    if device == "cuda":  # deterministic cuBLAS (train() runs with torch.use_deterministic_algorithms)
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    data, model, optimizer, loss_fn = build(config, seed, device)
    n_epochs, p = config["n_epochs"], config["p"]
    epochs = snapshot_epochs(n_epochs, config["snapshot_every"])
    states: dict[int, dict[str, torch.Tensor]] = {}

    def snapshot(net: torch.nn.Module, _data: Any, epoch: int) -> dict[str, Any]:
        states[epoch] = copy.deepcopy(net.state_dict())
        with torch.no_grad():
            return {
                "embedding_power": fourier_power(net.embedding).sum(axis=0),
                "weight_norm": float(sum(param.square().sum() for param in net.parameters())),
            }

    start = time.perf_counter()
    history = _train_until_grokked(model, data, optimizer, loss_fn, config, epochs, snapshot, seed)
    wall_time = time.perf_counter() - start
    result = history.to_payload()
    result["t_99"] = first_epoch_at(history.epochs, history.test_acc, 0.99)
    result["t_loss_01"] = first_epoch_at(history.epochs, history.test_loss, 0.1, below=True)
    result.update(_progress_measures(model, states, config, seed, device))
    result["wall_time"] = wall_time
    return result


def _train_until_grokked(
    model: torch.nn.Module, data: Any, optimizer: torch.optim.Optimizer, loss_fn: Any, config: dict, epochs: tuple[int, ...], snapshot: Any, seed: int
) -> History:
    """:func:`grokbook.training.train` in chunks of ``check_every`` steps, stopped once the run is ``stop_factor`` x t_99 old.

    Full batch without dropout, a run continued chunk by chunk with the same
    model and optimizer is the run trained in one call, step for step; the
    chunks' curves and snapshots are joined (each chunk's repeated epoch-0
    evaluation dropped).  After each chunk: if the test accuracy has reached
    0.99 (at t_99) and the run has trained ``stop_factor * t_99`` steps or
    more, it stops there (``stop_factor`` 0: it runs all ``n_epochs``).
    """
    n_epochs, chunk, eval_every = config["n_epochs"], config["check_every"], config["eval_every"]
    curves: dict[str, list] = {k: [] for k in ("epochs", "train_loss", "train_acc", "test_loss", "test_acc")}
    snapshots: dict[int, dict] = {}
    done = 0
    while done < n_epochs:
        length = min(chunk, n_epochs - done)
        offset = done
        part = train(
            model, data, optimizer, n_epochs=length, loss_fn=loss_fn, eval_every=eval_every,
            snapshot_epochs=tuple(e - offset for e in epochs if offset < e <= offset + length) + ((0,) if offset == 0 else ()),
            snapshot=lambda net, d, epoch: snapshot(net, d, epoch + offset), seed=seed, progress=False,
        )  # fmt: skip
        first = 0 if offset == 0 else 1  # a later chunk's epoch 0 repeats the last evaluation
        for key, values in curves.items():
            values.extend((np.asarray(getattr(part, key))[first:] + (offset if key == "epochs" else 0)).tolist())
        snapshots.update({epoch + offset: value for epoch, value in part.snapshots.items() if epoch + offset not in snapshots})
        done += length
        t_99 = first_epoch_at(curves["epochs"], curves["test_acc"], 0.99)
        LOG.info("seed %d step %d: train loss %.3g acc %.3f, test loss %.3g acc %.3f", seed, done, *(curves[k][-1] for k in ("train_loss", "train_acc", "test_loss", "test_acc")))
        if config["stop_factor"] and np.isfinite(t_99) and done >= config["stop_factor"] * t_99:
            break
    return History(**{k: np.asarray(v, dtype=np.int64 if k == "epochs" else np.float64) for k, v in curves.items()}, snapshots=snapshots)


@torch.no_grad()
def _progress_measures(model: ModularTransformer, states: dict[int, dict], config: dict, seed: int, device: str) -> dict[str, np.ndarray]:
    """Key frequencies of the trained ``model``, then restricted and excluded loss at every kept state."""
    p = config["p"]
    a, b, c = operation_table(p, config["operation"])
    X = torch.from_numpy(np.stack([a, b], axis=1)).to(device)  # (p^2, 2), rows (a, b) row-major
    labels = torch.from_numpy(c).to(device)
    split = make_dataset(p, config["operation"], config["train_fraction"], seed)
    is_train = torch.zeros(p * p, dtype=torch.bool)
    is_train[split.X_train[:, 0] * p + split.X_train[:, 1]] = True
    is_train = is_train.to(device)
    frequency, explained, variance = progress.neuron_frequencies_2d(model.hidden(X)[0], p)
    shares = progress.frequency_shares(frequency, explained, variance, p)
    keys = progress.key_frequencies(shares, min_share=config["min_share"])
    probe = copy.deepcopy(model)
    restricted, excluded = [], []
    for epoch in sorted(states):
        probe.load_state_dict(states[epoch])
        logits = probe(X).double()
        restricted.append(progress.restricted_loss(logits, labels, p, keys))
        excluded.append(progress.excluded_loss(logits, labels, p, keys, is_train))
    return {
        "restricted_loss": np.array(restricted),
        "excluded_loss": np.array(excluded),
        "neuron_frequency": frequency,
        "neuron_explained": explained,
        "neuron_variance": variance,
        "frequency_shares": shares,
        "key_frequencies": keys,
    }
