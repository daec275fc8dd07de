"""The phase task of Carrasquilla & Melko (Nature Physics 13, 431, 2017) on the Ising model.

Equilibrium configurations sampled at temperatures on both sides of T_c are
labelled ordered (T < T_c, label 1) or disordered (label 0); a network that
learns the labels reveals T_c as the temperature where its mean output for
"ordered" crosses 1/2 (:func:`crossing_temperature`).  Chapter 2 trains the
energy-bin network of Hutchison & Yevick on it, to ask whether this task
groks too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from . import ising
from .data import Dataset
from .validate import check_int, check_positive_array

__all__ = ["PhaseData", "phase_data", "crossing_temperature"]


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


def crossing_temperature(temperatures: object, p_ordered: object) -> float:
    """Where a curve p_ordered(T), falling from ordered to disordered, crosses 1/2 (linear interpolation).

    Args:
        temperatures: 1-D increasing temperatures.
        p_ordered: the same length, the mean "ordered" probability at each temperature.

    Raises ValueError when the curve does not cross 1/2 from above.
    """
    T = np.asarray(temperatures, dtype=float)
    p = np.asarray(p_ordered, dtype=float)
    if T.ndim != 1 or T.shape != p.shape or T.size < 2 or np.any(np.diff(T) <= 0):
        raise ValueError(f"temperatures must be 1-D, increasing and as long as p_ordered, got shapes {T.shape} and {p.shape}")
    below = np.flatnonzero((p[:-1] >= 0.5) & (p[1:] < 0.5))
    if below.size == 0:
        raise ValueError("p_ordered must cross 1/2 from above somewhere")
    i = below[0]
    return float(T[i] + (p[i] - 0.5) / (p[i] - p[i + 1]) * (T[i + 1] - T[i]))
