"""The data of the energy-bin task (Hutchison & Yevick, arXiv 2510.25966): flat-in-energy Ising configurations.

Configurations of the L x L periodic Ising model (L = 8) are labelled by the
energy bin they fall in; the paper's four bins are [-120, -92], [-88, -60],
[-56, -28] and [-24, +4] (:data:`PAPER_BINS`).  The data are generated as in
the paper: each chain starts from its own random configuration and is
annealed by Metropolis sweeps from high to low temperature; every
configuration along the way is recorded, and for each allowed energy level
inside a bin the same number of configurations is drawn, preferring distinct
chains, so the energies are uniform within each bin.  Two test sets: one drawn
the same way from other seeds, and the "n-inverted" one (flip n random spins
of each training lattice and relabel).  :func:`energy_bin_data` builds all of
it; the task's run is :mod:`grokbook.tasks.ising_bins`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .. import ising
from ..data import Dataset
from ..validate import check_choice, check_int, check_real

__all__ = [
    "PAPER_BINS",
    "allowed_energies",
    "check_bins",
    "bin_labels",
    "annealed_pool",
    "draw_flat",
    "invert_spins",
    "overlap_mask",
    "EnergyBinData",
    "energy_bin_data",
]

#: The paper's four energy bins (inclusive) of the 8 x 8 lattice.
PAPER_BINS: tuple[tuple[int, int], ...] = ((-120, -92), (-88, -60), (-56, -28), (-24, 4))


def allowed_energies(L: int) -> np.ndarray:
    """Energies E = -sum_<ij> s_i s_j that occur on the L x L torus, L even, ascending.

    The unsatisfied bonds form closed loops on the dual lattice, so their
    number b is even and E = -2 L^2 + 2 b moves in steps of 4; b = 2 (and, by
    the sublattice flip E -> -E, b = 2 L^2 - 2) cannot be closed, so
    E = -2 L^2 + 4 and 2 L^2 - 4 are missing: for L = 8, -128, -120, -116,
    ..., 120, 128.  Odd L frustrates the antiferromagnetic top of the
    spectrum and is not supported.

    Args:
        L: even linear size, >= 4.
    """
    L = check_int("L", L, minimum=4)
    if L % 2:
        raise ValueError(f"L must be even (odd L frustrates the top of the spectrum), got {L}")
    n = L * L
    levels = np.arange(-2 * n, 2 * n + 1, 4)
    return levels[(levels != -2 * n + 4) & (levels != 2 * n - 4)]


def check_bins(bins: object, L: int = 8) -> np.ndarray:
    """Validate energy bins: an int array (n_bins, 2) of inclusive [low, high], ascending.

    Raises ValueError when there are fewer than two bins, a bin is empty
    (low > high), bins overlap or are out of order, or an edge is an energy
    that cannot occur on the L x L torus (see :func:`allowed_energies`).
    """
    levels = allowed_energies(L)
    try:
        array = np.asarray(bins, dtype=float)
    except (TypeError, ValueError) as error:
        raise TypeError(f"bins must be a sequence of (low, high) pairs, got {bins!r}") from error
    if array.ndim != 2 or array.shape[1] != 2 or array.shape[0] < 2:
        raise ValueError(f"bins must have shape (n_bins >= 2, 2), got {array.shape}")
    if not np.all(array == np.round(array)):
        raise ValueError(f"bins must hold integer energies, got {bins!r}")
    array = array.astype(np.int64)
    for low, high in array:
        if low > high:
            raise ValueError(f"bins must not be empty: low {low} > high {high}")
        for edge in (low, high):
            if edge not in levels:
                raise ValueError(f"bin edge {edge} is not an energy of the {L} x {L} torus (allowed: {levels[0]}, {levels[1]}, ..., {levels[-1]} in steps of 4, without {levels[0] + 4} and {levels[-1] - 4})")
    if np.any(array[1:, 0] <= array[:-1, 1]):
        raise ValueError(f"bins must be in ascending order and must not overlap, got {array.tolist()}")
    return array


def bin_labels(energies: np.ndarray, bins: np.ndarray) -> np.ndarray:
    """Bin index (0-based) of each energy, -1 outside every bin; shape of ``energies``."""
    energies = np.asarray(energies)
    labels = np.full(energies.shape, -1, dtype=np.int64)
    for k, (low, high) in enumerate(np.asarray(bins)):
        labels[(energies >= low) & (energies <= high)] = k
    return labels


def annealed_pool(
    L: int = 8,
    *,
    n_chains: int = 2048,
    n_sweeps: int = 200,
    T_start: float = 6.0,
    T_end: float = 1.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Record Metropolis chains annealed from random configurations (the paper's generator).

    Each chain starts from independent random spins (E near 0) and makes
    ``n_sweeps`` checkerboard Metropolis sweeps (:class:`grokbook.ising.MarkovChains`)
    at temperatures falling geometrically from ``T_start`` to ``T_end``; the
    start and the state after every sweep are recorded.  The paper gives no
    schedule; this one is our choice and a parameter.

    Returns:
        spins: int8 (n_sweeps + 1, n_chains, L, L); energies: int64 (n_sweeps + 1, n_chains).
    """
    L = check_int("L", L, minimum=2)
    n_chains = check_int("n_chains", n_chains, minimum=1)
    n_sweeps = check_int("n_sweeps", n_sweeps, minimum=1)
    T_start = check_real("T_start", T_start, minimum=0.0, strict_minimum=True)
    T_end = check_real("T_end", T_end, minimum=0.0, strict_minimum=True)
    if T_end > T_start:
        raise ValueError(f"T_end must be <= T_start = {T_start} (annealing cools), got {T_end}")
    seed = check_int("seed", seed, minimum=0)
    chains = ising.MarkovChains(L, np.full(n_chains, T_start), method="metropolis", seed=seed)
    rng = np.random.default_rng([seed, 1])
    chains.spins[:] = rng.choice(np.array([-1, 1], dtype=np.int8), size=chains.spins.shape)
    records = np.empty((n_sweeps + 1, n_chains, L, L), dtype=np.int8)
    records[0] = chains.spins
    for t, T in enumerate(np.geomspace(T_start, T_end, n_sweeps), start=1):
        chains.beta[:] = 1.0 / T
        chains.sweep(1)
        records[t] = chains.spins
    return records, ising.energy(records)


def draw_flat(
    records: np.ndarray, energies: np.ndarray, bins: np.ndarray, n_per_bin: int, *, seed: int = 0
) -> np.ndarray:
    """Draw configurations with energies uniform over the allowed levels of each bin.

    Each bin gets ``n_per_bin`` configurations split as evenly as possible over
    its levels (the remainder to randomly chosen levels).  For a level, one
    recorded state per chain is picked at random and distinct chains are
    used first; only when fewer chains visited the level are further records
    of the same chains taken.

    Args:
        records: int8 (n_records, n_chains, L, L), from :func:`annealed_pool`.
        energies: (n_records, n_chains) their energies.
        bins: validated bins (:func:`check_bins`).
        n_per_bin: configurations per bin, >= 1.
        seed: seed of the draw, >= 0.

    Returns:
        int8 (n_bins * n_per_bin, L, L), bin by bin, levels ascending within a bin.

    Raises:
        ValueError: a level has fewer records than it needs (use more chains).
    """
    n_per_bin = check_int("n_per_bin", n_per_bin, minimum=1)
    L = records.shape[-1]
    levels = allowed_energies(L)
    rng = np.random.default_rng([check_int("seed", seed, minimum=0), 2])
    flat_records = records.reshape(-1, L, L)
    chain_of = np.broadcast_to(np.arange(energies.shape[1]), energies.shape).ravel()
    flat_energies = energies.ravel()
    out = []
    for low, high in bins:
        bin_levels = levels[(levels >= low) & (levels <= high)]
        counts = np.full(bin_levels.size, n_per_bin // bin_levels.size)
        counts[rng.choice(bin_levels.size, n_per_bin % bin_levels.size, replace=False)] += 1
        for level, count in zip(bin_levels, counts):
            where = rng.permutation(np.flatnonzero(flat_energies == level))
            if where.size < count:
                raise ValueError(f"only {where.size} recorded configurations at E = {level}, {count} needed: increase n_chains")
            _, first = np.unique(chain_of[where], return_index=True)  # one random record per chain
            rest = np.setdiff1d(np.arange(where.size), first)
            order = np.concatenate([rng.permutation(first), rng.permutation(rest)])
            out.append(flat_records[where[order[:count]]])
    return np.concatenate(out)


def invert_spins(spins: np.ndarray, n: int, *, seed: int = 0) -> np.ndarray:
    """Flip ``n`` distinct random spins of each configuration (the paper's n-inverted test set).

    Args:
        spins: int8 (batch, L, L) of +-1.
        n: spins flipped per configuration, 1 <= n <= L^2.
        seed: seed, >= 0.

    Returns:
        a new int8 array of the shape of ``spins``.
    """
    spins = np.asarray(spins)
    if spins.ndim != 3:
        raise ValueError(f"spins must have shape (batch, L, L), got {spins.shape}")
    n_sites = spins.shape[1] * spins.shape[2]
    n = check_int("n", n, minimum=1, maximum=n_sites)
    rng = np.random.default_rng([check_int("seed", seed, minimum=0), 3])
    sites = np.argsort(rng.random((spins.shape[0], n_sites)), axis=1)[:, :n]  # n distinct sites per row
    flat = spins.reshape(len(spins), -1).copy()
    np.put_along_axis(flat, sites, -np.take_along_axis(flat, sites, axis=1), axis=1)
    return flat.reshape(spins.shape)


def overlap_mask(reference: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Boolean (len(query),): True where a query configuration also occurs in ``reference``."""
    ref = np.unique(np.packbits(np.asarray(reference) > 0, axis=None).reshape(len(reference), -1), axis=0)
    keys = np.packbits(np.asarray(query) > 0, axis=None).reshape(len(query), -1)
    ref_view, key_view = (np.ascontiguousarray(a).view(f"V{a.shape[1]}").ravel() for a in (ref, keys))
    return np.isin(key_view, ref_view)


@dataclass(frozen=True)
class EnergyBinData:
    """The energy-bin task: training set, random test set and n-inverted test set.

    Attributes:
        bins: (n_bins, 2) inclusive energy bins.
        train_spins, test_spins: int8 (n, L, L); train_labels, test_labels: (n,) bin indices.
        inverted_spins: int8 (m, L, L), training lattices with ``n_inverted``
            spins flipped, keeping the m that still fall in a bin; inverted_labels: (m,);
            inverted_source: (m,) index of the training lattice each came from.
        n_inverted: spins flipped; n_inverted_dropped: lattices that left every bin.
        test_seen: (n_test,) bool, True where the test configuration also occurs in training.
    """

    bins: np.ndarray
    train_spins: np.ndarray
    train_labels: np.ndarray
    test_spins: np.ndarray
    test_labels: np.ndarray
    inverted_spins: np.ndarray
    inverted_labels: np.ndarray
    inverted_source: np.ndarray
    n_inverted: int
    n_inverted_dropped: int
    test_seen: np.ndarray

    def dataset(self, test: str = "random") -> Dataset:
        """A :class:`Dataset` of flattened spins (float32, (n, L^2)) with the chosen test set.

        ``test`` is ``"random"`` (the paper's default), ``"unseen"`` (random test
        configurations absent from the training set) or ``"inverted"``.
        """
        check_choice("test", test, ("random", "unseen", "inverted"))
        X_test, y_test = {
            "random": (self.test_spins, self.test_labels),
            "unseen": (self.test_spins[~self.test_seen], self.test_labels[~self.test_seen]),
            "inverted": (self.inverted_spins, self.inverted_labels),
        }[test]
        return Dataset(_as_inputs(self.train_spins), torch.from_numpy(self.train_labels), _as_inputs(X_test), torch.from_numpy(y_test), n_classes=len(self.bins))


def _as_inputs(spins: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(spins.reshape(len(spins), -1).astype(np.float32))  # (n, L^2)


def energy_bin_data(
    L: int = 8,
    bins: object = PAPER_BINS,
    n_per_bin: int = 1000,
    *,
    n_test_per_bin: int | None = None,
    n_inverted: int = 5,
    n_chains: int = 2048,
    n_sweeps: int = 200,
    seed: int = 0,
) -> EnergyBinData:
    """Build the paper's data: flat-in-energy training and test sets and the n-inverted test set.

    Training and random test sets come from separate annealing runs
    (:func:`annealed_pool`, seeds derived from ``seed``) drawn with
    :func:`draw_flat`.  The n-inverted set flips ``n_inverted`` spins of each
    training lattice (:func:`invert_spins`) and relabels it; lattices pushed out
    of every bin are dropped and counted.

    Args:
        L: even lattice size >= 4 (8).
        bins: (n_bins, 2) inclusive energy bins (:data:`PAPER_BINS`).
        n_per_bin: training configurations per bin, >= 1 (1000).
        n_test_per_bin: random test configurations per bin (default ``n_per_bin``).
        n_inverted: spins flipped for the n-inverted set, >= 1 (5).
        n_chains, n_sweeps: annealing runs (see :func:`annealed_pool`).
        seed: seed of everything, >= 0.
    """
    bins = check_bins(bins, L)
    n_per_bin = check_int("n_per_bin", n_per_bin, minimum=1)
    n_test_per_bin = check_int("n_test_per_bin", n_per_bin if n_test_per_bin is None else n_test_per_bin, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    splits = []
    for offset, count in ((0, n_per_bin), (1, n_test_per_bin)):
        records, energies = annealed_pool(L, n_chains=n_chains, n_sweeps=n_sweeps, seed=2 * seed + offset)
        spins = draw_flat(records, energies, bins, count, seed=2 * seed + offset)
        splits.append((spins, bin_labels(ising.energy(spins), bins)))
    (train_spins, train_labels), (test_spins, test_labels) = splits
    inverted = invert_spins(train_spins, n_inverted, seed=seed)
    inverted_labels = bin_labels(ising.energy(inverted), bins)
    keep = inverted_labels >= 0
    return EnergyBinData(
        bins=bins,
        train_spins=train_spins,
        train_labels=train_labels,
        test_spins=test_spins,
        test_labels=test_labels,
        inverted_spins=inverted[keep],
        inverted_labels=inverted_labels[keep],
        inverted_source=np.flatnonzero(keep),
        n_inverted=n_inverted,
        n_inverted_dropped=int((~keep).sum()),
        test_seen=overlap_mask(train_spins, test_spins),
    )
