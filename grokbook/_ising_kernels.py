"""Compiled Monte Carlo kernels for the 2-D Ising model (numba).

The kernels update many independent chains in place, in parallel over chains.
Each chain owns a splitmix64 random-number state, so the result depends only
on the seeds, not on how chains are spread over threads: runs are bitwise
reproducible.  Public entry point: :func:`grokbook.ising.sample`.
"""

from __future__ import annotations

import os

import numba
import numpy as np
from numba import njit, prange

# numba's default threading layer on Linux is OpenMP, and it shares torch's
# libgomp: each parallel launch sets the calling thread's OpenMP thread count
# to numba's (the number of cores), overriding ``torch.set_num_threads(1)``.
# Torch then runs its kernels on a team of that many threads, and on a busy
# machine the extra threads spin at a barrier (one Ising run: 2.4x slower on
# 2 cores, 3.5x beside a second run; same bits).  The workqueue layer leaves
# OpenMP alone.  A layer chosen with NUMBA_THREADING_LAYER is respected.
if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@njit(inline="always")
def _splitmix64(state):
    """Advance a splitmix64 state; return (new state, 64 random bits)."""
    state = state + _GOLDEN
    z = state
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return state, z ^ (z >> np.uint64(31))


@njit(inline="always")
def _uniform(state):
    """Advance the state; return (new state, a float uniform in [0, 1))."""
    state, bits = _splitmix64(state)
    return state, (bits >> np.uint64(11)) * _TO_UNIT


@njit(parallel=True, cache=True)
def metropolis_sweeps(spins, beta, n_sweeps, rng_state):
    """Run ``n_sweeps`` checkerboard Metropolis sweeps on every chain.

    Args:
        spins: int8 array (C, L, L) of +-1, updated in place.
        beta: float64 array (C,), inverse temperature of each chain.
        n_sweeps: number of sweeps; one sweep visits every site once
            (first the sites with i + j even, then the odd ones).
        rng_state: uint64 array (C,), one random state per chain, advanced in place.

    A spin flip that raises the energy by dE = 2 s_i h_i (4 or 8) is accepted
    with probability exp(-beta dE), looked up rather than computed.
    """
    n_chains, L, _ = spins.shape
    for c in prange(n_chains):
        s = spins[c]
        accept4 = np.exp(-4.0 * beta[c])
        accept8 = np.exp(-8.0 * beta[c])
        state = rng_state[c]
        for _ in range(n_sweeps):
            for parity in range(2):
                for i in range(L):
                    up = i - 1 if i > 0 else L - 1
                    down = i + 1 if i < L - 1 else 0
                    for j in range((i + parity) % 2, L, 2):
                        left = j - 1 if j > 0 else L - 1
                        right = j + 1 if j < L - 1 else 0
                        field = s[up, j] + s[down, j] + s[i, left] + s[i, right]
                        delta = 2 * s[i, j] * field
                        if delta <= 0:
                            s[i, j] = -s[i, j]
                        else:
                            state, u = _uniform(state)
                            if u < (accept4 if delta == 4 else accept8):
                                s[i, j] = -s[i, j]
        rng_state[c] = state


@njit(parallel=True, cache=True)
def wolff_clusters(spins, beta, n_clusters, rng_state):
    """Grow and flip ``n_clusters[c]`` Wolff clusters on every chain c.

    Bonds between aligned neighbours join the cluster with probability
    p = 1 - exp(-2 beta) (Wolff 1989).  The number of clusters is fixed in
    advance: stopping once enough spins have flipped would make the stopping
    time depend on the state and bias the samples.

    Args:
        spins, beta, rng_state: as in :func:`metropolis_sweeps`.
        n_clusters: int64 array (C,), clusters to flip on each chain.

    Returns:
        int64 array (C,): spins flipped on each chain (sum of cluster sizes).
    """
    n_chains, L, _ = spins.shape
    n_sites = L * L
    flipped = np.zeros(n_chains, dtype=np.int64)
    for c in prange(n_chains):
        s = spins[c].reshape(n_sites)
        stack = np.empty(n_sites, dtype=np.int64)
        p_add = 1.0 - np.exp(-2.0 * beta[c])
        state = rng_state[c]
        for _ in range(n_clusters[c]):
            state, bits = _splitmix64(state)
            seed = np.int64(bits % np.uint64(n_sites))
            old = s[seed]
            s[seed] = -old  # flip on entry, so no site enters the cluster twice
            stack[0] = seed
            top = 1
            while top > 0:
                top -= 1
                site = stack[top]
                i = site // L
                j = site - i * L
                for d in range(4):
                    if d == 0:
                        neighbour = (i - 1 if i > 0 else L - 1) * L + j
                    elif d == 1:
                        neighbour = (i + 1 if i < L - 1 else 0) * L + j
                    elif d == 2:
                        neighbour = i * L + (j - 1 if j > 0 else L - 1)
                    else:
                        neighbour = i * L + (j + 1 if j < L - 1 else 0)
                    if s[neighbour] == old:
                        state, u = _uniform(state)
                        if u < p_add:
                            s[neighbour] = -old
                            stack[top] = neighbour
                            top += 1
                            flipped[c] += 1
            flipped[c] += 1
        rng_state[c] = state
    return flipped
