"""Graphs and the OFC relaxation: the toppling machinery of the avalanche probe and its checks.

One node per scalar (a parameter of a network, a site of a lattice), loads
F_i >= 0 on the nodes, and the Olami-Feder-Christensen rule (Olami, Feder &
Christensen, PRL 68, 1244, 1992): every node with ``F_i >= threshold``
topples at once, resets to zero and passes ``alpha * F_i`` on, either split
equally over its k_i neighbours (``transfer="degree"``) or to *each*
neighbour (``transfer="neighbour"``, the original rule); the rest is
dissipated.  :func:`relax` repeats this until no node is unstable.

The gradient probe (:mod:`grokbook.probes.avalanche`) and the validation
models with known answers (:mod:`grokbook.probes.sandpile`) both run on it.
Loads are arrays (N, B), one column per independent system, and each
toppling wave is one sparse matrix product for all columns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp

from ..validate import check_choice, check_fraction, check_int, check_real

__all__ = ["TOPOLOGIES", "TRANSFERS", "square_lattice", "make_graph", "transfer_matrix", "Relaxation", "relax"]

#: Graph families of :func:`make_graph`.
TOPOLOGIES = ("barabasi_albert", "erdos_renyi", "watts_strogatz", "random_regular", "lattice")
#: How a toppling node shares its load (:func:`transfer_matrix`).
TRANSFERS = ("degree", "neighbour")


# ----------------------------------------------------------------------------- graphs


def square_lattice(L: int, *, periodic: bool = False) -> nx.Graph:
    """The L x L square lattice, nodes relabelled 0..L*L-1 row by row (open or periodic boundaries)."""
    L = check_int("L", L, minimum=3)
    return nx.convert_node_labels_to_integers(nx.grid_2d_graph(L, L, periodic=periodic), ordering="sorted")


def make_graph(topology: str, N: int, *, mean_degree: int = 4, seed: int = 0) -> nx.Graph:
    """A graph of N nodes labelled 0..N-1, one per parameter, with no isolated node.

    * ``barabasi_albert``: preferential attachment with m = mean_degree // 2
      edges per new node (degree exponent 3; node 0..m are the oldest hubs).
    * ``erdos_renyi``: G(N, p) with p = mean_degree / (N - 1); each isolated
      node is then joined to one uniformly drawn node (a few percent of nodes
      at mean degree 4), so that every node can pass its load on.
    * ``watts_strogatz``: ring of mean_degree nearest neighbours, 10 % rewired, connected.
    * ``random_regular``: every node has degree mean_degree.
    * ``lattice``: open square grid of ceil(sqrt N) columns filled row by
      row with N nodes (degree 4 inside, fewer on the edges); mean_degree is ignored.

    Args:
        topology: one of :data:`TOPOLOGIES`.
        N: number of nodes, >= 9.
        mean_degree: even integer >= 2 (>= 4 for ``watts_strogatz``).
        seed: seed of the graph, >= 0.
    """
    check_choice("topology", topology, TOPOLOGIES)
    N = check_int("N", N, minimum=9)
    mean_degree = check_int("mean_degree", mean_degree, minimum=2, maximum=N - 1)
    if mean_degree % 2:
        raise ValueError(f"mean_degree must be an even integer >= 2, got {mean_degree}")
    seed = check_int("seed", seed, minimum=0)
    if topology == "barabasi_albert":
        return nx.barabasi_albert_graph(N, mean_degree // 2, seed=seed)
    if topology == "erdos_renyi":
        graph = nx.fast_gnp_random_graph(N, mean_degree / (N - 1), seed=seed)
        rng = np.random.default_rng(seed)
        for node in list(nx.isolates(graph)):
            other = int(rng.integers(N - 1))
            graph.add_edge(node, other + (other >= node))  # any node but itself
        return graph
    if topology == "watts_strogatz":
        if mean_degree < 4:
            raise ValueError(f"mean_degree must be >= 4 for watts_strogatz, got {mean_degree}")
        return nx.connected_watts_strogatz_graph(N, mean_degree, 0.1, seed=seed)
    if topology == "random_regular":
        return nx.random_regular_graph(mean_degree, N, seed=seed)
    columns = math.ceil(math.sqrt(N))
    graph = nx.grid_2d_graph(math.ceil(N / columns), columns)
    graph.remove_nodes_from(sorted(graph)[N:])
    return nx.convert_node_labels_to_integers(graph, ordering="sorted")


def _adjacency(graph: nx.Graph) -> sp.csr_array:
    """Symmetric 0/1 adjacency (N, N) of a graph whose nodes are 0..N-1 and none isolated."""
    if not isinstance(graph, nx.Graph) or graph.is_directed():
        raise TypeError(f"graph must be an undirected networkx.Graph, got {type(graph).__name__}")
    N = graph.number_of_nodes()
    if N < 2 or set(graph) != set(range(N)):
        raise ValueError(f"graph must have >= 2 nodes labelled 0..N-1, got {N} nodes")
    isolated = list(nx.isolates(graph))
    if isolated:
        raise ValueError(f"graph must have no isolated nodes (a toppling node needs a neighbour), got {len(isolated)}, e.g. node {isolated[0]}")
    if nx.number_of_selfloops(graph):
        raise ValueError("graph must have no self-loops")
    A = nx.to_scipy_sparse_array(graph, nodelist=range(N), dtype=np.float64, format="csr")
    A.data[:] = 1.0  # ignore edge weights
    return A


def transfer_matrix(graph: nx.Graph, transfer: str = "degree") -> sp.csr_array:
    """W (N, N): load received by node j per unit load released by a toppling node i is ``alpha * W[j, i]``.

    ``transfer="degree"``: W[j, i] = 1 / k_i for each neighbour j of i (columns sum to 1);
    ``transfer="neighbour"``: W[j, i] = 1 (columns sum to k_i, the original OFC rule).
    """
    check_choice("transfer", transfer, TRANSFERS)
    A = _adjacency(graph)
    if transfer == "neighbour":
        return A
    degree = np.asarray(A.sum(axis=0)).ravel()  # (N,)
    return sp.csr_array(A @ sp.diags_array(1.0 / degree))


# ----------------------------------------------------------------------------- relaxation


@dataclass(frozen=True)
class Relaxation:
    """Result of :func:`relax` for B independent systems on N nodes.

    Attributes:
        loads: (N, B) stable loads after the cascade.
        topplings: (N, B) int, how many times each node toppled.
        released: (N, B) total load each node released when toppling.
        steps: (B,) int, number of parallel toppling waves (the avalanche duration).
    """

    loads: np.ndarray
    topplings: np.ndarray
    released: np.ndarray
    steps: np.ndarray

    @property
    def sizes(self) -> np.ndarray:
        """(B,) avalanche size of each system: the total number of topplings."""
        return self.topplings.sum(axis=0)


def _check_alpha(alpha: float, W: sp.csr_array, transfer_sums: np.ndarray) -> float:
    alpha = check_fraction("alpha", alpha, closed=True)
    if alpha * transfer_sums.max() > 1 + 1e-12:
        raise ValueError(
            f"alpha must be <= 1 / (largest degree) = {1 / transfer_sums.max():.4g} with transfer='neighbour' "
            f"(otherwise a toppling creates load), got {alpha}"
        )
    return alpha


def relax(loads: np.ndarray, W: sp.csr_array, *, alpha: float, threshold: float = 1.0, max_steps: int = 100_000) -> Relaxation:
    """Topple every node at or above ``threshold`` until none is (the OFC relaxation, in parallel waves).

    A toppling node i resets to 0 and each node j receives ``alpha * W[j, i] * F_i``
    (Olami, Feder & Christensen 1992, with W from :func:`transfer_matrix`).  The
    total load drops in each toppling by exactly ``(1 - alpha * sum_j W[j, i]) * F_i``,
    which the tests check.  Only columns still unstable are updated.

    Args:
        loads: (N,) or (N, B) non-negative loads, B independent systems.
        W: (N, N) transfer matrix.
        alpha: transfer fraction in (0, 1]; alpha * (column sum of W) must be <= 1.
        threshold: toppling threshold, > 0.
        max_steps: raise RuntimeError after this many waves (a conservative
            system overloaded beyond N * threshold never stops).
    """
    F = np.array(loads, dtype=np.float64, ndmin=1)
    if F.ndim == 1:
        F = F[:, None]
    if F.ndim != 2 or F.shape[1] == 0 or F.shape[0] != W.shape[0]:
        raise ValueError(f"loads must have shape (N,) or (N, B) with N = {W.shape[0]} and B >= 1, got {np.shape(loads)}")
    if not np.all(np.isfinite(F)) or np.any(F < 0):
        raise ValueError("loads must be finite and >= 0")
    alpha = _check_alpha(alpha, W, np.asarray(W.sum(axis=0)).ravel())
    threshold = check_real("threshold", threshold, minimum=0.0, strict_minimum=True)
    max_steps = check_int("max_steps", max_steps, minimum=1)
    topplings = np.zeros(F.shape, dtype=np.int64)
    released = np.zeros(F.shape)
    steps = np.zeros(F.shape[1], dtype=np.int64)
    active = np.flatnonzero((F >= threshold).any(axis=0))
    for _ in range(max_steps):
        if active.size == 0:
            break
        sub = F[:, active]  # (N, b)
        unstable = sub >= threshold
        out = np.where(unstable, sub, 0.0)
        sub = sub - out + alpha * (W @ out)
        F[:, active] = sub
        topplings[:, active] += unstable
        released[:, active] += out
        steps[active] += 1
        active = active[(sub >= threshold).any(axis=0)]
    else:
        if active.size:
            raise RuntimeError(f"relaxation did not stop within max_steps = {max_steps} waves; lower alpha or the load")
    return Relaxation(F, topplings, released, steps)
