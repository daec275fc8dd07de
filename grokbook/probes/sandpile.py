"""Validation models of the avalanche probe: systems whose answers are known.

The gradient probe (:mod:`grokbook.probes.avalanche`) relaxes loads with the
Olami-Feder-Christensen rule on a graph; before trusting it on gradients the
book runs the same machinery where the answer is known:

* :func:`ofc`: the driven OFC model (Olami, Feder & Christensen, PRL 68, 1244,
  1992), whose load balance is exact and which is conservative at
  alpha = 1/4 on the periodic square lattice;
* :func:`sandpile`: the Bak-Tang-Wiesenfeld sandpile (abelian, parallel
  topplings), with Dhar's exact stationary mean avalanche size
  (:func:`dhar_mean_avalanche_size`), the mean height 17/8 of the infinite
  square lattice (:func:`torus_mean_height`) and the mean-field size
  exponent 3/2 on Barabasi-Albert graphs (:func:`scale_free_sandpile_sizes`,
  Goh et al. 2003).

Every simulation is vectorised over B independent systems: loads are arrays
(N, B), one column per system.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from ..validate import check_int, check_real
from .toppling import _adjacency, make_graph, relax, square_lattice, transfer_matrix

__all__ = [
    "OFCRun",
    "ofc",
    "SandpileRun",
    "sandpile",
    "dhar_mean_avalanche_size",
    "scale_free_sandpile_sizes",
    "torus_mean_height",
    "borel_sizes",
]


@dataclass(frozen=True)
class OFCRun:
    """A driven OFC run of B systems: per avalanche (n_avalanches, B) arrays.

    Attributes:
        sizes: topplings of each avalanche.
        load_before: total load just before the drive.
        drive: the uniform load added to every node to start the avalanche.
        load_after: total load after the avalanche.
        dissipated: load lost in the avalanche, computed from the toppling rule.
    """

    sizes: np.ndarray
    load_before: np.ndarray
    drive: np.ndarray
    load_after: np.ndarray
    dissipated: np.ndarray


def ofc(graph: nx.Graph, n_avalanches: int, *, alpha: float, transfer: str = "neighbour", threshold: float = 1.0, n_systems: int = 1, seed: int = 0) -> OFCRun:
    """The driven Olami-Feder-Christensen model (PRL 68, 1244, 1992) on ``graph``.

    Loads start uniform in [0, threshold).  Each avalanche: add to every node
    the load that brings the most loaded one to threshold (uniform slow
    driving), then :func:`relax`.  With ``transfer="neighbour"`` and
    alpha = 1/4 on the periodic square lattice no load is lost.

    Args:
        graph: N nodes labelled 0..N-1, none isolated.
        n_avalanches: avalanches per system, >= 1.
        alpha, transfer, threshold: as in :func:`relax` / :func:`transfer_matrix`.
        n_systems: independent systems B run side by side, >= 1.
        seed: seed of the initial loads, >= 0.
    """
    n_avalanches = check_int("n_avalanches", n_avalanches, minimum=1)
    n_systems = check_int("n_systems", n_systems, minimum=1)
    threshold = check_real("threshold", threshold, minimum=0.0, strict_minimum=True)
    W = transfer_matrix(graph, transfer)
    leak = 1 - alpha * np.asarray(W.sum(axis=0)).ravel()  # (N,) fraction of a released load lost
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    F = rng.uniform(0, threshold, size=(W.shape[0], n_systems))
    record = {k: np.zeros((n_avalanches, n_systems)) for k in ("sizes", "load_before", "drive", "load_after", "dissipated")}
    columns = np.arange(n_systems)
    for k in range(n_avalanches):
        record["load_before"][k] = F.sum(axis=0)
        top = F.argmax(axis=0)
        record["drive"][k] = threshold - F[top, columns]
        F += record["drive"][k]
        F[top, columns] = threshold  # exactly at threshold, whatever the rounding
        result = relax(F, W, alpha=alpha, threshold=threshold)
        F = result.loads
        record["sizes"][k] = result.sizes
        record["load_after"][k] = F.sum(axis=0)
        record["dissipated"][k] = leak @ result.released
    record["sizes"] = record["sizes"].astype(np.int64)
    return OFCRun(**record)


@dataclass(frozen=True)
class SandpileRun:
    """A BTW sandpile run of B systems.

    Attributes:
        heights: (N, B) int stable heights at the end.
        sizes: (n_drives, B) int topplings caused by each drive.
    """

    heights: np.ndarray
    sizes: np.ndarray


def sandpile(
    graph: nx.Graph,
    n_drives: int,
    *,
    threshold: int | np.ndarray | None = None,
    loss: float = 0.0,
    grains_per_drive: int = 1,
    n_systems: int = 1,
    heights: np.ndarray | None = None,
    seed: int = 0,
) -> SandpileRun:
    """The Bak-Tang-Wiesenfeld sandpile on ``graph`` (abelian, parallel topplings).

    Each drive adds ``grains_per_drive`` grains at uniformly drawn nodes.  A
    node with height >= its threshold z_i topples: it loses z_i grains and
    each neighbour gains one; grains beyond the degree (z_i > k_i, e.g. on the
    open edge of a lattice with z = 4) leave the system, and with ``loss`` > 0
    each transferred grain is lost with that probability (Goh et al., PRL 91,
    148701, 2003, with threshold = degree).  The model is abelian, so adding
    g grains at once and relaxing equals g single-grain drives.

    Args:
        graph: N nodes labelled 0..N-1, none isolated.
        n_drives: drives per system, >= 1.
        threshold: int or (N,) ints >= degree; default the degree k_i of each node.
        loss: probability in [0, 1) that a transferred grain is lost.
        grains_per_drive: grains added per drive, >= 1.
        n_systems: independent systems B, >= 1.
        heights: (N, B) initial stable heights, default all zero.
        seed: seed of the drive positions and losses, >= 0.
    """
    A = _adjacency(graph).astype(np.int64)
    N = A.shape[0]
    degree = np.asarray(A.sum(axis=0)).ravel()
    z = degree if threshold is None else np.broadcast_to(np.asarray(threshold), (N,)).astype(np.int64)
    if np.any(z < degree):
        raise ValueError("threshold must be >= the degree of every node (a toppling cannot give more grains than it has)")
    n_drives = check_int("n_drives", n_drives, minimum=1)
    grains_per_drive = check_int("grains_per_drive", grains_per_drive, minimum=1)
    n_systems = check_int("n_systems", n_systems, minimum=1)
    loss = check_real("loss", loss, minimum=0.0)
    if loss >= 1:
        raise ValueError(f"loss must lie in [0, 1), got {loss}")
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    h = np.zeros((N, n_systems), dtype=np.int64) if heights is None else np.array(heights, dtype=np.int64)
    if h.shape != (N, n_systems) or np.any(h < 0) or np.any(h >= z[:, None]):
        raise ValueError(f"heights must be stable non-negative integers below threshold, shape ({N}, {n_systems})")
    sizes = np.zeros((n_drives, n_systems), dtype=np.int64)
    columns = np.repeat(np.arange(n_systems), grains_per_drive)
    for k in range(n_drives):
        np.add.at(h, (rng.integers(N, size=columns.size), columns), 1)
        active = np.flatnonzero((h >= z[:, None]).any(axis=0))
        while active.size:
            sub = h[:, active]
            unstable = (sub >= z[:, None]).astype(np.int64)
            received = A @ unstable
            if loss:
                received -= rng.binomial(received, loss)
            sub += received - z[:, None] * unstable
            h[:, active] = sub
            sizes[k, active] += unstable.sum(axis=0)
            active = active[(sub >= z[:, None]).any(axis=0)]
    return SandpileRun(h, sizes)


def dhar_mean_avalanche_size(graph: nx.Graph, threshold: int | np.ndarray) -> float:
    """Exact stationary mean avalanche size of the sandpile driven at a uniform random node (Dhar 1990).

    A grain added at node i causes on average G_ij topplings at node j, with
    G the inverse of the toppling matrix diag(z) - A: the mean size is the
    mean over i of sum_j G_ij.  Needs some dissipation (z_i > k_i somewhere),
    or the matrix is singular.
    """
    A = _adjacency(graph).toarray()
    N = A.shape[0]
    z = np.broadcast_to(np.asarray(threshold, dtype=float), (N,))
    if np.all(z <= A.sum(axis=0)):
        raise ValueError("threshold must exceed the degree of at least one node (a closed pile has no stationary state)")
    return float(np.linalg.inv(np.diag(z) - A).sum(axis=1).mean())


def scale_free_sandpile_sizes(N: int = 2000, *, n_systems: int = 32, n_drives: int = 300, loss: float = 0.01, seed: int = 0) -> np.ndarray:
    """Avalanche sizes of the sandpile on a Barabasi-Albert graph (threshold = degree), as in Goh et al. 2003.

    Heights start uniform below each node's threshold, one drive of N grains
    per system brings the piles to their stationary state, then ``n_drives``
    single grains are recorded.  The size distribution follows
    P(s) ~ s^-tau with the mean-field tau = 3/2 up to a logarithmic
    correction and a cutoff near 1 / loss.

    Returns:
        (n_drives * n_systems,) avalanche sizes (zeros included).
    """
    graph = make_graph("barabasi_albert", check_int("N", N, minimum=3), seed=seed)
    degree = np.array([d for _, d in sorted(graph.degree())])
    rng = np.random.default_rng(seed)
    heights = (rng.random((N, n_systems)) * degree[:, None]).astype(int)
    heights = sandpile(graph, 1, loss=loss, grains_per_drive=N, n_systems=n_systems, heights=heights, seed=seed + 1).heights
    return sandpile(graph, n_drives, loss=loss, n_systems=n_systems, heights=heights, seed=seed + 2).sizes.ravel()


def torus_mean_height(L: int, *, n_systems: int = 32, n_drives: int = 6, n_discard: int = 2, seed: int = 0) -> np.ndarray:
    """Stationary mean height of the BTW sandpile on an L x L torus, one value per independent system.

    The torus has no edge; one node with threshold 5 instead of 4 dissipates
    one grain in five of its topplings, so the pile has a stationary state
    with almost no boundary.  Each drive adds L^2 / 2 grains at once (the
    abelian property makes that equal to as many single-grain drives); the
    heights of every node but the dissipating one are averaged over the
    drives after the first ``n_discard``.  The infinite lattice has mean
    height 17/8 (Poghosyan, Priezzhev and Ruelle 2011).

    Returns:
        (n_systems,) mean heights.
    """
    L = check_int("L", L, minimum=2)
    n_drives = check_int("n_drives", n_drives, minimum=1)
    n_discard = check_int("n_discard", n_discard, minimum=0, maximum=n_drives - 1)
    torus = square_lattice(L, periodic=True)
    z = np.full(L * L, 4)
    z[0] = 5
    heights = np.full((L * L, n_systems), 3)
    heights[0] = 4  # the maximal stable configuration is recurrent
    means = []
    for k in range(n_drives):
        heights = sandpile(torus, 1, threshold=z, grains_per_drive=L * L // 2, n_systems=n_systems, heights=heights, seed=seed + k).heights
        if k >= n_discard:
            means.append(heights[1:].mean(axis=0))
    return np.mean(means, axis=0)


def borel_sizes(m: float, n: int, *, seed: int = 0, s_max: int = 1_000_000) -> np.ndarray:
    """n avalanche sizes of the mean-field (branching-process) avalanche with branching ratio m: the Borel law.

    A toppling that triggers a Poisson(m) number of new topplings gives a
    total size s with the exact law P(s) = exp(-m s) (m s)^(s-1) / s!
    (Borel 1942), which falls as s^(-3/2) exp(-s (m - 1 - ln m)): the
    mean-field exponent tau = 3/2 with a cutoff near 2 / (1 - m)^2 set by
    the dissipation 1 - m.  Drawn by inverting the cumulative law up to s_max.

    Args:
        m: branching ratio in (0, 1].
        n: number of sizes, >= 1.
        seed: seed, >= 0.
        s_max: largest size tabulated, >= 10 (the law's mass beyond it is dropped).
    """
    from scipy.special import gammaln

    m = check_real("m", m, minimum=0.0, maximum=1.0, strict_minimum=True)
    n = check_int("n", n, minimum=1)
    s_max = check_int("s_max", s_max, minimum=10)
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    s = np.arange(1, s_max + 1)
    cdf = np.cumsum(np.exp(-m * s + (s - 1) * np.log(m * s) - gammaln(s + 1)))
    return s[np.minimum(np.searchsorted(cdf / cdf[-1], rng.random(n)), s_max - 1)]
