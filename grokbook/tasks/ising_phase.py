"""The phase task of Carrasquilla & Melko (Nature Physics 13, 431, 2017) on the Ising model.

Equilibrium configurations sampled at temperatures on both sides of T_c are
labelled ordered (T < T_c, label 1) or disordered (label 0); a network that
learns the labels reveals T_c as the temperature where its mean output for
"ordered" crosses 1/2 (:func:`ordered_probability`, :func:`crossing_temperature`).
Chapter 3 trains the energy-bin network of Hutchison & Yevick on it
(:data:`DEFAULT_CONFIG`, :func:`build`), to ask whether this task groks too;
:func:`run_config` is one such run for the results store.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import torch

from .. import curves, ising
from ..data import Dataset
from ..losses import cross_entropy
from ..models import IsingMLP
from ..training import train
from ..validate import check_config, check_int, check_positive_array, check_real
from . import Setup

__all__ = [
    "PhaseData",
    "phase_data",
    "ordered_probability",
    "crossing_temperature",
    "DEFAULT_CONFIG",
    "task_data",
    "build",
    "run_config",
]


@dataclass(frozen=True)
class PhaseData:
    """Configurations labelled by phase, with their temperatures.

    Attributes:
        temperatures: (n_T,) the sampled temperatures.
        dataset: a :class:`Dataset` of flattened spins (float32, (n, L^2)),
            label 1 for T < T_c; training and test sets sampled independently
            at the same temperatures, ``n_per_temperature`` each.
        train_T, test_T: (n,) the temperature of each training / test configuration.
    """

    temperatures: np.ndarray
    dataset: Dataset
    train_T: np.ndarray
    test_T: np.ndarray


def phase_data(L: int = 8, temperatures: object = np.linspace(1.0, 3.5, 20), n_per_temperature: int = 100, *, seed: int = 0) -> PhaseData:
    """Wolff samples of the L x L torus at each temperature, labelled T < T_c.

    Args:
        L: lattice size, >= 2.
        temperatures: 1-D positive temperatures; none may equal T_c (its label is undefined).
        n_per_temperature: configurations per temperature in each of the training and test sets, >= 1.
        seed: seed of the training samples (the test samples use seed + 1), >= 0.
    """
    L = check_int("L", L, minimum=2)
    T = np.atleast_1d(check_positive_array("temperatures", temperatures))
    if T.ndim != 1:
        raise ValueError(f"temperatures must be 1-D, got shape {T.shape}")
    if np.any(np.isclose(T, ising.critical_temperature())):
        raise ValueError(f"temperatures must avoid T_c = {ising.critical_temperature():.6f}, where the phase label is undefined")
    n = check_int("n_per_temperature", n_per_temperature, minimum=1)
    seed = check_int("seed", seed, minimum=0)

    def split(split_seed: int) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
        spins = ising.sample(L, T, n, method="wolff", seed=split_seed).reshape(T.size * n, L * L)  # (n_T * n, L^2)
        T_of = np.repeat(T, n)
        return torch.from_numpy(spins.astype(np.float32)), torch.from_numpy((T_of < ising.critical_temperature()).astype(np.int64)), T_of

    (X_train, y_train, train_T), (X_test, y_test, test_T) = split(seed), split(seed + 1)
    return PhaseData(T, Dataset(X_train, y_train, X_test, y_test, n_classes=2), train_T, test_T)


def ordered_probability(phase: PhaseData, logits: torch.Tensor) -> np.ndarray:
    """The mean softmax probability of "ordered" over the test configurations of each temperature.

    Args:
        phase: the data the logits belong to.
        logits: (..., n_test, 2) logits of the test set (a leading axis for the members of an Ensemble).

    Returns:
        (..., n_T) array, one value per temperature of ``phase.temperatures``.
    """
    if logits.ndim < 2 or tuple(logits.shape[-2:]) != (len(phase.test_T), 2):
        raise ValueError(f"logits must have shape (..., {len(phase.test_T)}, 2), got {tuple(logits.shape)}")
    p = torch.softmax(logits.detach(), dim=-1)[..., 1].numpy()  # (..., n_test)
    return np.stack([p[..., phase.test_T == T].mean(axis=-1) for T in phase.temperatures], axis=-1)


def crossing_temperature(temperatures: object, p_ordered: object) -> float:
    """Where a curve p_ordered(T), falling from ordered to disordered, first crosses 1/2 (linear interpolation).

    The clock's :func:`grokbook.curves.crossing_time` with ``falling=True``.

    Args:
        temperatures: 1-D increasing temperatures.
        p_ordered: the same length, the mean "ordered" probability at each temperature.

    Raises ValueError when the curve does not cross 1/2 from above.
    """
    T = np.asarray(temperatures, dtype=float)
    p = np.asarray(p_ordered, dtype=float)
    if T.ndim != 1 or T.shape != p.shape or T.size < 2 or np.any(np.diff(T) <= 0):
        raise ValueError(f"temperatures must be 1-D, increasing and as long as p_ordered, got shapes {T.shape} and {p.shape}")
    crossing = curves.crossing_time(T, p, 0.5, falling=True)
    if np.isnan(crossing):
        raise ValueError("p_ordered must cross 1/2 from above somewhere")
    return crossing


#: Chapter 3's run: 8 x 8 lattices at 20 temperatures, the energy-bin network and optimizer unchanged.
DEFAULT_CONFIG: dict[str, Any] = {
    "L": 8,  # lattice size
    "T_min": 1.0,  # temperatures: n_temperatures evenly spaced in [T_min, T_max]
    "T_max": 3.5,
    "n_temperatures": 20,
    "n_per_temperature": 50,  # configurations per temperature in each of the training and test sets
    "data_seed": 0,  # the Wolff samples; the run seed sets the initial weights
    "lr": 5e-4,  # Adam with L2 weight decay, as the energy-bin task
    "weight_decay": 5e-4,
    "init_scale": 7.0,  # c
    "width": 48,
    "depth": 4,
    "n_epochs": 1500,  # full-batch steps
    "eval_every": 25,
}


@lru_cache(maxsize=4)
def _cached_data(L: int, T_min: float, T_max: float, n_temperatures: int, n_per_temperature: int, seed: int) -> PhaseData:
    return phase_data(L, np.linspace(T_min, T_max, n_temperatures), n_per_temperature, seed=seed)


def task_data(config: dict[str, Any]) -> PhaseData:
    """The run's data (:func:`phase_data` of the config), cached: runs of one data config share it."""
    cfg = check_config(config, DEFAULT_CONFIG)
    n_T = check_int("n_temperatures", cfg["n_temperatures"], minimum=2)
    return _cached_data(cfg["L"], float(cfg["T_min"]), float(cfg["T_max"]), n_T, cfg["n_per_temperature"], cfg["data_seed"])


def build(config: dict[str, Any], seed: int) -> Setup:
    """One run: the phase data, ``IsingMLP(L^2, 2, ..., seed=seed)``, Adam with L2 weight decay, the cross-entropy.

    Args:
        config: JSON-able dict overriding :data:`DEFAULT_CONFIG` (unknown keys raise ValueError).
        seed: seed of the initial weights, >= 0.
    """
    cfg = check_config(config, DEFAULT_CONFIG)
    phase = task_data(cfg)
    model = IsingMLP(cfg["L"] ** 2, 2, width=cfg["width"], depth=cfg["depth"], init_scale=cfg["init_scale"], seed=seed)
    optimizer = torch.optim.Adam(
        model.parameters(),
        lr=check_real("lr", cfg["lr"], minimum=0.0, strict_minimum=True),
        weight_decay=check_real("weight_decay", cfg["weight_decay"], minimum=0.0),
    )
    return Setup(phase.dataset, model, optimizer, cross_entropy)


def run_config(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """Train the network once on the phase task: JSON-able config -> dict of numbers.

    Returns:
        :meth:`grokbook.training.History.to_payload` (curves, ``t_fit``, ``t_grok``
        (NaN unless the test accuracy rose after t_fit), ``delay``,
        ``test_plateau``, ``test_at_fit``); ``temperatures`` and ``p_ordered``
        (n_T,), the trained network's mean "ordered" probability per test
        temperature; ``T_cross``, where it crosses 1/2 (NaN if it does not).
        The run's wall time is the results store's.
    """
    cfg = check_config(config, DEFAULT_CONFIG)
    data, model, optimizer, loss_fn = build(cfg, seed)
    history = train(
        model, data, optimizer, n_epochs=check_int("n_epochs", cfg["n_epochs"], minimum=1), loss_fn=loss_fn,
        eval_every=check_int("eval_every", cfg["eval_every"], minimum=1), seed=seed, progress=False,
    )  # fmt: skip
    phase = task_data(cfg)
    with torch.no_grad():
        p_ordered = ordered_probability(phase, model(data.X_test))
    result = history.to_payload()
    result["temperatures"] = phase.temperatures
    result["p_ordered"] = p_ordered
    result["T_cross"] = curves.crossing_time(phase.temperatures, p_ordered, 0.5, falling=True)
    return result
