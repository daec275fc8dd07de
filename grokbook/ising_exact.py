"""Exact results of the 2-D Ising model (J = 1, no field) to test samplers and tasks against.

Onsager's infinite lattice (critical temperature, spontaneous magnetisation,
energy per spin), exact thermal averages of small periodic lattices by
enumerating every state, and the exact density of states g(E) of lattices up
to 8 x 8 by a row-to-row transfer matrix (Beale 1996).  Re-exported by
:mod:`grokbook.ising`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.special import ellipk

from .validate import check_int, check_positive_array

__all__ = [
    "ExactAverages",
    "critical_temperature",
    "onsager_magnetization",
    "onsager_energy",
    "exact_averages",
    "density_of_states",
]

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
    from .ising import energy

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
