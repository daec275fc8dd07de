"""The 2-D Ising model on an L x L periodic square lattice (J = 1, no field).

Two things live here: exact results to test against (Onsager's infinite
lattice, brute-force enumeration of small lattices) and samplers that draw
configurations from the Boltzmann distribution P(s) ~ exp(-E(s) / T) with

    E(s) = - sum_<ij> s_i s_j,

the sum running over nearest-neighbour bonds (2 L^2 bonds on the torus).

Samplers: a checkerboard single-spin Metropolis and the Wolff (1989) cluster
algorithm, both compiled and parallel over many chains
(:mod:`grokbook._ising_kernels`).  Cluster updates beat critical slowing
down near T_c; chapter 1 measures by how much.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.special import ellipk

from . import _ising_kernels
from .validate import check_choice, check_int, check_positive_array

__all__ = [
    "SAMPLERS",
    "ExactAverages",
    "critical_temperature",
    "onsager_magnetization",
    "onsager_energy",
    "energy",
    "magnetization",
    "exact_averages",
    "density_of_states",
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

MAX_EXACT_L = 4
MAX_TRANSFER_L = 8  # the transfer matrix holds 2^L x 2^L x (2 L^2 + 1) integers: 67 MB at L = 8


def critical_temperature() -> float:
    """Onsager's critical temperature T_c = 2 / ln(1 + sqrt 2) = 2.269185... (J = k_B = 1)."""
    return 2.0 / math.log1p(math.sqrt(2.0))


def onsager_magnetization(T: float | np.ndarray) -> float | np.ndarray:
    """Spontaneous magnetisation |m| of the infinite lattice (Onsager 1949, Yang 1952).

    m(T) = (1 - sinh(2/T)^-4)^(1/8) for T < T_c and 0 above.
    """
    T_arr = check_positive_array("T", T)
    with np.errstate(over="ignore"):
        base = 1.0 - np.sinh(2.0 / T_arr) ** -4.0
    m = np.where(T_arr < critical_temperature(), np.clip(base, 0.0, None) ** 0.125, 0.0)
    return float(m) if m.ndim == 0 else m


def onsager_energy(T: float | np.ndarray) -> float | np.ndarray:
    """Energy per spin u(T) of the infinite lattice (Onsager 1944).

    u = -coth(2K) [1 + (2/pi) (2 tanh^2(2K) - 1) K1(k)],  K = 1/T,
    k = 2 sinh(2K) / cosh^2(2K), K1 the complete elliptic integral of the
    first kind (scipy's ``ellipk`` takes the parameter m = k^2).  At T_c the
    product of a zero and the divergent K1 is replaced by its limit, u = -sqrt 2.
    """
    T_arr = check_positive_array("T", T)
    K = 1.0 / T_arr
    k = 2.0 * np.sinh(2.0 * K) / np.cosh(2.0 * K) ** 2
    with np.errstate(invalid="ignore", over="ignore"):
        bracket = 1.0 + (2.0 / np.pi) * (2.0 * np.tanh(2.0 * K) ** 2 - 1.0) * ellipk(np.minimum(k * k, 1.0))
        u = -bracket / np.tanh(2.0 * K)
    u = np.where(np.isclose(k, 1.0, rtol=0, atol=1e-14), -math.sqrt(2.0), u)
    return float(u) if u.ndim == 0 else u


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


@dataclass(frozen=True)
class ExactAverages:
    """Exact thermal averages of a finite lattice (per spin), one entry per temperature."""

    T: np.ndarray
    energy: np.ndarray  # <E> / N
    abs_magnetization: np.ndarray  # <|M|> / N
    specific_heat: np.ndarray  # (<E^2> - <E>^2) / (N T^2)
    magnetization2: np.ndarray  # <M^2> / N^2
    magnetization4: np.ndarray  # <M^4> / N^4

    @property
    def binder(self) -> np.ndarray:
        """Binder cumulant U = 1 - <m^4> / (3 <m^2>^2)."""
        return 1.0 - self.magnetization4 / (3.0 * self.magnetization2**2)


@lru_cache(maxsize=None)
def _density_of_states(L: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (E, M) pairs of the L x L lattice and how many states have each."""
    n = L * L
    codes = np.arange(2**n, dtype=np.int64)[:, None]
    spins = (2 * ((codes >> np.arange(n)) & 1) - 1).astype(np.int8).reshape(-1, L, L)
    pairs, counts = np.unique(np.stack([energy(spins), spins.sum(axis=(1, 2))], axis=1), axis=0, return_counts=True)
    return pairs[:, 0].astype(float), pairs[:, 1].astype(float), counts.astype(float)


def exact_averages(L: int, T: float | np.ndarray) -> ExactAverages:
    """Exact averages of the L x L periodic lattice by enumerating all 2^(L^2) states (L <= 4).

    Args:
        L: linear size, 2 <= L <= 4 (L = 4 already has 65,536 states).
        T: temperature(s) > 0, scalar or 1-D.

    Returns:
        :class:`ExactAverages` with arrays of the shape of ``T``.
    """
    L = check_int("L", L, minimum=2, maximum=MAX_EXACT_L)
    T_arr = check_positive_array("T", T)
    E, M, g = _density_of_states(L)
    n = L * L
    log_w = np.log(g) - E / T_arr[..., None]  # (..., states)
    w = np.exp(log_w - log_w.max(axis=-1, keepdims=True))
    w /= w.sum(axis=-1, keepdims=True)

    def mean(x: np.ndarray) -> np.ndarray:
        return (w * x).sum(axis=-1)

    mean_E = mean(E)
    return ExactAverages(
        T=T_arr,
        energy=mean_E / n,
        abs_magnetization=mean(np.abs(M)) / n,
        specific_heat=(mean(E**2) - mean_E**2) / (n * T_arr**2),
        magnetization2=mean(M**2) / n**2,
        magnetization4=mean(M**4) / n**4,
    )


def density_of_states(L: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact density of states g(E) of the L x L torus by a row-to-row transfer matrix.

    The lattice is built row by row.  A row is one of 2^L states r; bonds
    inside a row contribute its number of unsatisfied horizontal bonds h(r),
    bonds between rows r, r' contribute popcount(r XOR r').  Counting
    configurations by their number b of unsatisfied bonds makes every entry
    of the transfer matrix a monomial x^b, and g is the coefficient list of
    the polynomial Tr T(x)^L, with E = -2 L^2 + 2 b.  The vertical factor
    x^popcount(r XOR r') is a Kronecker product of L two-by-two matrices
    [[1, x], [x, 1]], applied one bit at a time, so a row step costs
    O(L 4^L L^2) integer additions instead of a dense matrix product.  The
    trace keeps the first row r0 as a batch index, one r0 per class of rows
    related by a cyclic shift, a reflection or a global spin flip (each
    maps whole configurations onto configurations of the same energy), weighted by
    the class size: 18 classes instead of 256 rows at L = 8.  Counts are exact
    unsigned 64-bit integers: for L <= 8 every partial count and every g(E)
    is below 2^64 (their total is 2^(L^2)).

    Args:
        L: even linear size, 2 <= L <= 8 (L = 8 takes about a second).

    Returns:
        (E, g): E an int array of every energy from -2 L^2 to 2 L^2 in steps
        of 4, g a uint64 array of how many configurations have it (0 where
        none has, e.g. E = -2 L^2 + 4).
    """
    L = check_int("L", L, minimum=2, maximum=MAX_TRANSFER_L)
    if L % 2:
        raise ValueError(f"L must be even, got {L}")
    n_rows, n_b = 2**L, 2 * L * L + 1  # row states; unsatisfied-bond counts 0..2L^2
    rows = np.arange(n_rows)
    bits = (rows[:, None] >> np.arange(L)) & 1  # (n_rows, L)
    h = (bits != np.roll(bits, -1, axis=1)).sum(axis=1)  # (n_rows,) unsatisfied bonds inside a row

    def times_x(a: np.ndarray, power: int) -> np.ndarray:  # multiply polynomials (last axis) by x^power
        out = np.zeros_like(a)
        out[..., power:] = a[..., : n_b - power]
        return out

    def vertical(a: np.ndarray) -> np.ndarray:  # a[i, r, b] -> sum_r x^popcount(r ^ r') a[i, r, b], index r'
        n_first = a.shape[0]
        for bit in range(L):
            a = a.reshape(n_first, n_rows >> (bit + 1), 2, 1 << bit, n_b)
            low, high = a[:, :, 0], a[:, :, 1]
            a = np.stack([low + times_x(high, 1), high + times_x(low, 1)], axis=2)
        return a.reshape(n_first, n_rows, n_b)

    def horizontal(a: np.ndarray) -> np.ndarray:  # multiply a[:, r, :] by x^h(r)
        out = np.empty_like(a)
        for count in np.unique(h):
            out[:, h == count] = times_x(a[:, h == count], int(count))
        return out

    images = [rows, rows ^ (n_rows - 1), (bits[:, ::-1] << np.arange(L)).sum(axis=1)]  # identity, flip, reflection
    images += [image ^ (n_rows - 1) for image in images[2:]]
    canonical = np.min([(image << shift | image >> (L - shift)) & (n_rows - 1) for image in images for shift in range(L)], axis=0)
    first, weight = np.unique(canonical, return_counts=True)  # one first row per class, and the class size

    a = np.zeros((first.size, n_rows, n_b), dtype=np.uint64)  # a[i, r, b]: first row first[i], current row r
    a[np.arange(first.size), first, h[first]] = 1
    for _ in range(L - 1):
        a = horizontal(vertical(a))
    closed = vertical(a)[np.arange(first.size), first]  # (n_first, n_b): the row after the last is the first
    g = (closed * weight[:, None].astype(np.uint64)).sum(axis=0)
    b = np.arange(0, n_b, 2)  # b is even on the torus
    return -2 * L * L + 2 * b, g[b]


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
