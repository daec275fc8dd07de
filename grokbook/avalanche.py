"""Gradient avalanches on graphs, finite-size scaling of their size, and D(t).

The probe of Wang (arXiv 2604.04655) puts one scalar parameter of a network
on each node of a graph, loads the nodes with a gradient snapshot and lets
the loads topple as in the Olami-Feder-Christensen (OFC) earthquake model;
the size of the resulting cascade, measured across model sizes N, scales as
``S_max ~ N**D`` (the paper's one equation), and the exponent D(t) is the
"effective dimension" at snapshot time t.  The paper's method section was
not available, so every rule below is ours, stated here and kept a parameter
(see ``/work/shared/papers/avalanche-details.md`` for what is known):

* **Graph**: one node per parameter, node i = the i-th entry of the
  flattened gradient; Barabasi-Albert with m = mean_degree / 2 by default
  (:func:`make_graph`).
* **Loads** (:func:`snapshot_loads`): ``F_i = |g_i| / scale(|g|)`` with the
  scale the mean of ``|g|`` (default), its root mean square or its maximum.
* **Toppling** (:func:`relax`): all nodes with ``F_i >= threshold`` topple
  at once; a toppling node resets to zero and passes ``alpha * F_i`` on,
  either split equally over its k_i neighbours (``transfer="degree"``, each
  gets ``alpha F_i / k_i``; conservative at alpha = 1) or ``alpha F_i`` to
  *each* neighbour (``transfer="neighbour"``, the original OFC rule,
  conservative at alpha = 1/k on a k-regular graph).  The rest is dissipated.
  Repeat until no node is at or above threshold.
* **Avalanche**: the cascade a snapshot seeds is the relaxation of its whole
  load field; its size S is the total number of topplings (a node may
  topple more than once, so S can exceed N).  One snapshot seeds one
  cascade, so the largest avalanche of a snapshot, S_max, is that S.
  :func:`largest_cluster` gives the alternative "largest connected
  avalanche" of the toppled nodes.
* **D(t)** (:func:`effective_dimension`): least-squares slope of the
  seed-averaged ``log S_max`` against ``log N`` over the model scales, with
  a bootstrap over seeds for its confidence interval.

Validation models with known answers: :func:`sandpile` (Bak-Tang-Wiesenfeld,
mean height 17/8 on the square lattice; size exponent 3/2 on BA graphs,
Goh et al. 2003) and :func:`ofc` (the driven OFC model, conservative at
alpha = 1/4 on the periodic square lattice).

Every simulation is vectorised over independent systems: loads are arrays
(N, B), one column per system, and each toppling wave is one sparse
matrix product for all columns.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .validate import check_choice, check_fraction, check_int, check_real

__all__ = [
    "TOPOLOGIES",
    "make_graph",
    "square_lattice",
    "transfer_matrix",
    "relax",
    "snapshot_loads",
    "gradient_avalanches",
    "scale_graphs",
    "cascade_sizes",
    "largest_cluster",
    "ofc",
    "sandpile",
    "dhar_mean_avalanche_size",
    "torus_mean_height",
    "scale_free_sandpile_sizes",
    "DimensionFit",
    "resample_seeds",
    "effective_dimension",
    "crossing_time",
    "OFCRun",
    "SandpileRun",
    "Relaxation",
]

#: Graph families of :func:`make_graph`.
TOPOLOGIES = ("barabasi_albert", "erdos_renyi", "watts_strogatz", "random_regular", "lattice")
NORMALISATIONS = ("mean", "rms", "max")
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


# ----------------------------------------------------------------------------- gradient probe


def snapshot_loads(gradients: np.ndarray, normalisation: str = "mean") -> np.ndarray:
    """Loads (N, B) from gradient snapshots (B, N): ``|g| / scale``, one column per snapshot.

    ``normalisation`` sets the scale of each snapshot: ``"mean"`` (mean |g| = 1),
    ``"rms"`` (root mean square of g = 1) or ``"max"`` (largest |g| = 1).
    Normalising makes the probe blind to the overall gradient magnitude (which
    falls by orders of magnitude over training) and sensitive to its shape.
    """
    check_choice("normalisation", normalisation, NORMALISATIONS)
    g = np.abs(np.asarray(gradients, dtype=np.float64))
    if g.ndim == 1:
        g = g[None]
    if g.ndim != 2 or g.size == 0:
        raise ValueError(f"gradients must be a non-empty (B, N) array of snapshots, got shape {np.shape(gradients)}")
    if not np.all(np.isfinite(g)):
        raise ValueError("gradients must be finite")
    scale = {"mean": lambda a: a.mean(axis=1), "rms": lambda a: np.sqrt((a**2).mean(axis=1)), "max": lambda a: a.max(axis=1)}[normalisation](g)
    if np.any(scale == 0):
        raise ValueError(f"gradients must not contain an all-zero snapshot (rows {np.flatnonzero(scale == 0).tolist()})")
    return (g / scale[:, None]).T


def gradient_avalanches(
    gradients: np.ndarray,
    graph: nx.Graph,
    *,
    alpha: float = 0.5,
    threshold: float = 2.0,
    normalisation: str = "mean",
    transfer: str = "degree",
) -> Relaxation:
    """The cascade each gradient snapshot seeds on ``graph`` (rules in the module docstring).

    Args:
        gradients: (B, N) snapshots, entry i on node i of the graph (or (N,) for one).
        graph: N nodes labelled 0..N-1, none isolated.
        alpha: transfer fraction in (0, 1] (dissipation 1 - alpha with ``transfer="degree"``).
        threshold: toppling threshold in units of the normalised load, > 0.
        normalisation: ``"mean"``, ``"rms"`` or ``"max"`` (see :func:`snapshot_loads`).
        transfer: ``"degree"`` or ``"neighbour"`` (see :func:`transfer_matrix`).

    Returns:
        The :class:`Relaxation`; ``.sizes`` (B,) are the avalanche sizes S.
    """
    loads = snapshot_loads(gradients, normalisation)  # (N, B)
    W = transfer_matrix(graph, transfer)
    if loads.shape[0] != W.shape[0]:
        raise ValueError(f"gradients must have N = {W.shape[0]} entries per snapshot (one per node), got {loads.shape[0]}")
    return relax(loads, W, alpha=alpha, threshold=threshold)


def scale_graphs(N: Iterable[int], topology: str = "barabasi_albert", *, mean_degree: int = 4, seed: int = 0) -> dict[int, nx.Graph]:
    """One fixed graph per model size: N -> :func:`make_graph` (topology, N, mean_degree, seed)."""
    return {int(n): make_graph(topology, int(n), mean_degree=mean_degree, seed=seed) for n in N}


def cascade_sizes(gradients: Sequence[np.ndarray], graphs: Mapping[int, nx.Graph], **probe: float | str) -> np.ndarray:
    """Avalanche sizes of every snapshot of every run of a finite-size sweep, on one fixed graph per scale.

    The probe of the book's D(t) sweeps (XOR and modular addition in chapter 4):
    the snapshots of all seeds of one scale go through :func:`gradient_avalanches`
    in one call.

    Args:
        gradients: per scale, (n_seeds, n_snapshots, N_i) snapshots (as
            :func:`grokbook.xor.gradient_sweep` returns them); the same
            n_seeds and n_snapshots at every scale.
        graphs: N -> graph with N nodes, for each N_i (:func:`scale_graphs`).
        probe: keyword arguments of :func:`gradient_avalanches` (alpha, threshold, normalisation, transfer).

    Returns:
        (n_scales, n_seeds, n_snapshots) avalanche sizes S.
    """
    if len(gradients) == 0 or any(np.ndim(g) != 3 for g in gradients) or len({np.shape(g)[:2] for g in gradients}) != 1:
        raise ValueError(f"gradients must be a non-empty list of (n_seeds, n_snapshots, N) arrays with equal first two axes, got shapes {[np.shape(g) for g in gradients]}")
    missing = [int(np.shape(g)[2]) for g in gradients if int(np.shape(g)[2]) not in graphs]
    if missing:
        raise ValueError(f"graphs must hold a graph for every model size N; missing N = {missing}")
    sizes = []
    for g in gradients:  # (n_seeds, n_snapshots, N)
        g = np.asarray(g)
        sizes.append(gradient_avalanches(g.reshape(-1, g.shape[2]), graphs[g.shape[2]], **probe).sizes.reshape(g.shape[:2]))
    return np.stack(sizes)


def largest_cluster(topplings: np.ndarray, graph: nx.Graph) -> np.ndarray:
    """(B,) topplings in the largest connected set of toppled nodes, per system.

    An alternative avalanche size: the cascade of a snapshot split into the
    connected pieces of the graph it touched, keeping the biggest.

    Args:
        topplings: (N, B) toppling counts (``Relaxation.topplings``).
        graph: the graph the cascade ran on.
    """
    A = _adjacency(graph)
    counts = np.asarray(topplings)
    if counts.ndim != 2 or counts.shape[0] != A.shape[0]:
        raise ValueError(f"topplings must have shape (N, B) with N = {A.shape[0]}, got {counts.shape}")
    result = np.zeros(counts.shape[1], dtype=np.int64)
    for b in range(counts.shape[1]):
        nodes = np.flatnonzero(counts[:, b])
        if nodes.size:
            _, labels = connected_components(A[nodes][:, nodes], directed=False)
            result[b] = np.bincount(labels, weights=counts[nodes, b]).max()
    return result


# ----------------------------------------------------------------------------- validation models


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


# ----------------------------------------------------------------------------- finite-size scaling


@dataclass(frozen=True)
class DimensionFit:
    """D(t) from :func:`effective_dimension`, T snapshot times.

    Attributes:
        D: (T,) slope of seed-averaged log S_max against log N.
        low, high: (T,) bootstrap percentile confidence interval.
        boot: (n_boot, T) bootstrap replicas of D.
        intercept: (T,) fitted log S_max at N = 1.
    """

    D: np.ndarray
    low: np.ndarray
    high: np.ndarray
    boot: np.ndarray
    intercept: np.ndarray


def resample_seeds(values: np.ndarray, *, n_boot: int = 1000, seed: int = 0) -> np.ndarray:
    """Bootstrap replicas of the seed means of ``values`` (n_scales, n_seeds, T): (n_boot, n_scales, T).

    Each replica redraws, at each scale independently, n_seeds of the seeds
    with replacement and averages them: the spread from seed-to-seed
    variation at fixed scales (the bootstrap of :func:`effective_dimension`).
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 3 or 0 in values.shape:
        raise ValueError(f"values must be a non-empty (n_scales, n_seeds, T) array, got shape {values.shape}")
    n_boot = check_int("n_boot", n_boot, minimum=10)
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    n_scales, n_seeds, _ = values.shape
    pick = rng.integers(n_seeds, size=(n_boot, n_scales, n_seeds))
    return values[np.arange(n_scales)[None, :, None], pick].mean(axis=2)  # (n_boot, n_scales, T)


def effective_dimension(N: np.ndarray, S_max: np.ndarray, *, n_boot: int = 1000, confidence: float = 0.9, seed: int = 0) -> DimensionFit:
    """D(t): the exponent of ``S_max(N, t) ~ N**D(t)`` (arXiv 2604.04655), with a seed bootstrap.

    At each time, D is the ordinary least-squares slope of ``mean_seeds log S_max``
    against ``log N`` across the model scales.  The bootstrap redraws, at each
    scale independently, the seeds with replacement and refits, which gives the
    spread of D from seed-to-seed variation at fixed scales.

    Args:
        N: (n_scales,) model sizes, > 0, at least 3 distinct.
        S_max: (n_scales, n_seeds) or (n_scales, n_seeds, T) avalanche sizes, > 0.
        n_boot: bootstrap replicas, >= 10.
        confidence: central probability of the interval, in (0, 1).
        seed: seed of the bootstrap, >= 0.
    """
    N = np.asarray(N, dtype=np.float64)
    if N.ndim != 1 or np.unique(N).size < 3:
        raise ValueError(f"N must be a 1-D array of at least 3 distinct model sizes for a fit, got {N.tolist()}")
    if np.any(N <= 0) or not np.all(np.isfinite(N)):
        raise ValueError("N must be finite and > 0")
    S = np.asarray(S_max, dtype=np.float64)
    squeeze = S.ndim == 2
    if squeeze:
        S = S[..., None]
    if S.ndim != 3 or S.shape[0] != N.size or S.shape[1] == 0 or S.shape[2] == 0:
        raise ValueError(f"S_max must have shape (n_scales, n_seeds[, T]) with n_scales = {N.size}, got {np.shape(S_max)}")
    if np.any(S <= 0) or not np.all(np.isfinite(S)):
        raise ValueError("S_max must be finite and > 0 (a snapshot with no toppling has no size exponent)")
    confidence = check_fraction("confidence", confidence)
    x = np.log(N) - np.log(N).mean()  # (n_scales,)
    logS = np.log(S)  # (n_scales, n_seeds, T)

    def slope(y: np.ndarray) -> np.ndarray:  # y (..., n_scales, T) -> (..., T)
        return np.einsum("s,...st->...t", x, y) / (x @ x)

    mean = logS.mean(axis=1)  # (n_scales, T)
    boot = slope(resample_seeds(logS, n_boot=n_boot, seed=seed))
    low, high = np.quantile(boot, [(1 - confidence) / 2, (1 + confidence) / 2], axis=0)
    D = slope(mean)
    fit = DimensionFit(D, low, high, boot, mean.mean(axis=0) - D * np.log(N).mean())
    if squeeze:
        fit = DimensionFit(*(np.asarray(a)[..., 0] for a in (fit.D, fit.low, fit.high, fit.boot, fit.intercept)))
    return fit


def crossing_time(times: np.ndarray, D: np.ndarray, level: float = 1.0, *, after_minimum: bool = False) -> np.ndarray:
    """First time D(t) crosses ``level`` from below, by linear interpolation (NaN if it never does).

    With ``after_minimum`` the search starts at each curve's own minimum: the
    crossing is then the rise *out of* the lowest point of D(t), not a
    wobble of a curve that starts at the level.

    Args:
        times: (T,) increasing snapshot times.
        D: (T,) or (R, T) curves, e.g. the bootstrap replicas of a :class:`DimensionFit`.
        level: the crossing level (1 in the paper).

    Returns:
        () or (R,) crossing times.
    """
    t = np.asarray(times, dtype=np.float64)
    curves = np.atleast_2d(np.asarray(D, dtype=np.float64))
    if t.ndim != 1 or t.size < 2 or curves.shape[1] != t.size or np.any(np.diff(t) <= 0):
        raise ValueError(f"times must be increasing, shape (T,) with T >= 2, and D (T,) or (R, T); got {t.shape} and {np.shape(D)}")
    level = check_real("level", level)
    below = curves < level
    up = below[:, :-1] & ~below[:, 1:]  # (R, T-1)
    if after_minimum:
        up &= np.arange(t.size - 1)[None, :] >= curves.argmin(axis=1)[:, None]
    result = np.full(curves.shape[0], np.nan)
    rows = np.flatnonzero(up.any(axis=1))
    i = up[rows].argmax(axis=1)
    d0, d1 = curves[rows, i], curves[rows, i + 1]
    result[rows] = t[i] + (level - d0) / (d1 - d0) * (t[i + 1] - t[i])
    return result if np.ndim(D) == 2 else result[0]
