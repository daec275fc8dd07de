"""The 2-D Ising model on an L x L periodic square lattice (J = 1, no field).

Two things live here: the exact results to test against, from
:mod:`grokbook.ising_exact` (Onsager's infinite lattice, enumeration of
small lattices, the transfer-matrix density of states), and samplers that draw
configurations from the Boltzmann distribution P(s) ~ exp(-E(s) / T) with

    E(s) = - sum_<ij> s_i s_j,

the sum running over nearest-neighbour bonds (2 L^2 bonds on the torus).

Samplers: a checkerboard single-spin Metropolis and the Wolff (1989) cluster
algorithm, both compiled and parallel over many chains
(:mod:`grokbook._ising_kernels`).  Cluster updates beat critical slowing
down near T_c; chapter 1 measures by how much.
"""

from __future__ import annotations


import numpy as np

from . import _ising_kernels
from .ising_exact import (
    ExactAverages,
    critical_temperature,
    density_of_states,
    exact_averages,
    onsager_energy,
    onsager_magnetization,
)
from .validate import check_choice, check_int, check_positive_array

__all__ = [
    "SAMPLERS",
    "ExactAverages",  # the exact results, from grokbook.ising_exact
    "critical_temperature",
    "onsager_magnetization",
    "onsager_energy",
    "exact_averages",
    "density_of_states",
    "energy",
    "magnetization",
    "MarkovChains",
    "sample",
    "abs_magnetization_series",
]

#: Sampler name -> (default burn-in sweeps, default sweeps between samples).
#: The defaults are several integrated autocorrelation times at T_c for L <= 32
#: (chapter 1 measures them): Metropolis needs far more sweeps than Wolff.
SAMPLERS = {
    "metropolis": (2000, 20),
    "wolff": (200, 2),
}

def _check_spins(spins: np.ndarray) -> np.ndarray:
    spins = np.asarray(spins)
    if spins.ndim < 2 or spins.shape[-1] != spins.shape[-2] or spins.shape[-1] < 2:
        raise ValueError(f"spins must have shape (..., L, L) with L >= 2, got {spins.shape}")
    if not np.all(np.abs(spins) == 1):
        raise ValueError("spins must hold only -1 and +1")
    return spins


def energy(spins: np.ndarray) -> np.ndarray:
    """Total energy E = -sum_<ij> s_i s_j of each configuration; shape (..., L, L) -> (...)."""
    s = _check_spins(spins).astype(np.int64)
    bonds = s * (np.roll(s, -1, axis=-1) + np.roll(s, -1, axis=-2))
    return -bonds.sum(axis=(-2, -1))


def magnetization(spins: np.ndarray) -> np.ndarray:
    """Magnetisation per spin m = (1/L^2) sum_i s_i of each configuration; shape (..., L, L) -> (...)."""
    s = _check_spins(spins)
    return s.mean(axis=(-2, -1), dtype=np.float64)


class MarkovChains:
    """Many independent Ising chains of one sampler, advanced in units of sweeps.

    A Metropolis sweep visits every site once.  A Wolff sweep flips a fixed
    number of clusters per chain, chosen during burn-in so that on average
    L^2 spins flip: both methods then cost about the same per sweep, and their
    autocorrelation times are measured in the same unit.  Without burn-in a
    Wolff sweep is a single cluster.

    Chains start ordered (every spin equal, the sign drawn at random per
    chain): ordered starts escape the long-lived stripe states that trap
    Metropolis after a random start below T_c.

    Attributes:
        spins: int8 array (C, L, L), the current configurations.
        beta: float64 array (C,), inverse temperatures; may be changed between
            sweeps (annealing).
    """

    def __init__(self, L: int, T: float | np.ndarray, *, method: str = "wolff", seed: int = 0) -> None:
        self.L = check_int("L", L, minimum=2)
        T_arr = np.atleast_1d(check_positive_array("T", T))
        self.method = check_choice("method", method, SAMPLERS)
        rng = np.random.default_rng(check_int("seed", seed, minimum=0))
        n = T_arr.size
        signs = rng.choice(np.array([-1, 1], dtype=np.int8), size=n)
        self.spins = np.ascontiguousarray(np.broadcast_to(signs[:, None, None], (n, L, L)))
        self.beta = 1.0 / T_arr
        self._rng_state = rng.bit_generator.random_raw(n).astype(np.uint64)
        self._clusters_per_sweep = np.ones(n, dtype=np.int64)

    def sweep(self, n_sweeps: int = 1) -> None:
        """Advance every chain by ``n_sweeps`` sweeps."""
        n_sweeps = check_int("n_sweeps", n_sweeps, minimum=0)
        if n_sweeps == 0:
            return
        if self.method == "metropolis":
            _ising_kernels.metropolis_sweeps(self.spins, self.beta, n_sweeps, self._rng_state)
        else:
            _ising_kernels.wolff_clusters(self.spins, self.beta, n_sweeps * self._clusters_per_sweep, self._rng_state)

    def burn_in(self, n_sweeps: int) -> None:
        """Advance by ``n_sweeps`` sweeps to equilibrate; for Wolff, also set clusters per sweep.

        Wolff burn-in runs in doubling chunks, after each of which the clusters
        per sweep are set to L^2 over the mean cluster size seen so far.
        """
        n_sweeps = check_int("n_sweeps", n_sweeps, minimum=0)
        if self.method == "metropolis":
            self.sweep(n_sweeps)
            return
        done, clusters, flipped = 0, np.zeros_like(self._clusters_per_sweep), np.zeros_like(self._clusters_per_sweep)
        while done < n_sweeps:
            chunk = min(max(done, 1), n_sweeps - done)
            n_clusters = chunk * self._clusters_per_sweep
            flipped += _ising_kernels.wolff_clusters(self.spins, self.beta, n_clusters, self._rng_state)
            clusters += n_clusters
            self._clusters_per_sweep = np.maximum(1, np.rint(self.L**2 * clusters / flipped)).astype(np.int64)
            done += chunk


def _sampler_settings(L, T, method, burn_in, thin, n_chains, n_default_chains, seed):
    """Validate the shared sampler arguments and build the chains (n_chains per temperature)."""
    T_arr = check_positive_array("T", T)
    default_burn_in, default_thin = SAMPLERS[check_choice("method", method, SAMPLERS)]
    burn_in = check_int("burn_in", default_burn_in if burn_in is None else burn_in, minimum=0)
    thin = check_int("thin", default_thin if thin is None else thin, minimum=1)
    n_chains = check_int("n_chains", n_default_chains if n_chains is None else n_chains, minimum=1)
    chains = MarkovChains(L, np.repeat(np.atleast_1d(T_arr), n_chains), method=method, seed=seed)
    chains.burn_in(burn_in)
    return chains, T_arr, thin, n_chains


def sample(
    L: int,
    T: float | np.ndarray,
    n_samples: int,
    *,
    method: str = "wolff",
    burn_in: int | None = None,
    thin: int | None = None,
    n_chains: int | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Draw Ising configurations at temperature(s) T.

    For each temperature, ``n_chains`` independent :class:`MarkovChains` run
    ``burn_in`` sweeps, then record a configuration every ``thin`` sweeps
    until ``n_samples`` are collected.  All temperatures and chains run in one
    compiled call, in parallel.

    Args:
        L: linear lattice size, >= 2.
        T: temperature > 0, a scalar or a 1-D array of temperatures.
        n_samples: configurations returned per temperature, >= 1.
        method: ``"wolff"`` (cluster updates) or ``"metropolis"`` (checkerboard single-spin).
        burn_in: sweeps discarded first (default: ``SAMPLERS[method][0]``).
        thin: sweeps between recorded configurations (default: ``SAMPLERS[method][1]``).
        n_chains: independent chains per temperature (default min(n_samples, 32)).
        seed: seed of every random number used, >= 0.

    Returns:
        int8 array of +-1 of shape (n_samples, L, L) for scalar T, or
        (len(T), n_samples, L, L).  Sample k comes from chain k % n_chains,
        recorded at step k // n_chains.

    Raises:
        ValueError: L < 2, T <= 0 or not finite, n_samples < 1, an unknown
            method, burn_in < 0, thin < 1, n_chains < 1 or seed < 0.
    """
    n_samples = check_int("n_samples", n_samples, minimum=1)
    chains, T_arr, thin, n_chains = _sampler_settings(L, T, method, burn_in, thin, n_chains, min(n_samples, 32), seed)
    n_T = T_arr.size
    n_records = -(-n_samples // n_chains)
    records = np.empty((n_records,) + chains.spins.shape, dtype=np.int8)
    for r in range(n_records):
        chains.sweep(thin)
        records[r] = chains.spins
    # (records, T * chains, L, L) -> (T, records * chains, L, L), chain index fastest
    out = records.reshape(n_records, n_T, n_chains, L, L).transpose(1, 0, 2, 3, 4)
    out = out.reshape(n_T, n_records * n_chains, L, L)[:, :n_samples]
    return np.ascontiguousarray(out[0] if T_arr.ndim == 0 else out)


def abs_magnetization_series(
    L: int,
    T: float,
    n_sweeps: int,
    *,
    method: str = "wolff",
    burn_in: int | None = None,
    n_chains: int = 16,
    seed: int = 0,
) -> np.ndarray:
    """|m| after every sweep of ``n_chains`` chains at one temperature: shape (n_chains, n_sweeps).

    The input of autocorrelation measurements (:func:`grokbook.stats.integrated_autocorrelation_time`),
    without storing the configurations.  Arguments as in :func:`sample`.
    """
    n_sweeps = check_int("n_sweeps", n_sweeps, minimum=2)
    if np.ndim(T) != 0:
        raise ValueError(f"T must be a single temperature, got shape {np.shape(T)}")
    chains, _, _, _ = _sampler_settings(L, T, method, burn_in, 1, n_chains, n_chains, seed)
    series = np.empty((n_chains, n_sweeps))
    for t in range(n_sweeps):
        chains.sweep(1)
        series[:, t] = np.abs(chains.spins.mean(axis=(1, 2), dtype=np.float64))
    return series
