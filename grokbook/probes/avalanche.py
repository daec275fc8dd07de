"""The gradient-avalanche probe: gradient snapshots toppled on graphs, as in the OFC earthquake model.

The probe of Wang (arXiv 2604.04655) puts one scalar parameter of a network
on each node of a graph, loads the nodes with a gradient snapshot and lets
the loads topple as in the Olami-Feder-Christensen (OFC) earthquake model;
the size of the resulting cascade, measured across model sizes N, scales as
``S_max ~ N**D`` (the paper's one equation; the fit of D is
:mod:`grokbook.probes.scaling`).  The paper's method section was not
available, so every rule below is ours, stated here and kept a parameter
(see ``/work/shared/papers/avalanche-details.md`` for what is known):

* **Snapshots** (:func:`gradient_snapshot`, collected over a finite-size
  sweep by :func:`gradient_sweep`): the full-batch gradient of the run's own
  training loss with respect to every parameter, flattened.
* **Graph**: one node per parameter, node i = the i-th entry of the
  flattened gradient; Barabasi-Albert with m = mean_degree / 2 by default
  (:func:`make_graph`), one fixed graph per model size (:func:`scale_graphs`).
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
  cascade, so the largest avalanche of a snapshot, S_max, is that S
  (:func:`gradient_avalanches`, :func:`cascade_sizes` for a whole sweep).
  :func:`largest_cluster` gives the alternative "largest connected
  avalanche" of the toppled nodes.

The graphs and the relaxation are :mod:`grokbook.probes.toppling`, checked on
systems with known answers in :mod:`grokbook.probes.sandpile`.  Every simulation is vectorised over
independent systems: loads are arrays (N, B), one column per system, and
each toppling wave is one sparse matrix product for all columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import networkx as nx
import numpy as np
import torch
from scipy.sparse.csgraph import connected_components
from tqdm import tqdm

from ..data import Dataset
from ..training import History, LossFn, torch_threads
from ..validate import check_choice, check_int
from .toppling import Relaxation, _adjacency, make_graph, relax, transfer_matrix

__all__ = [
    "NORMALISATIONS",
    "gradient_snapshot",
    "gradient_sweep",
    "snapshot_loads",
    "gradient_avalanches",
    "scale_graphs",
    "cascade_sizes",
    "largest_cluster",
    "kurtosis_matched_gradients",
]

#: Load normalisations of :func:`snapshot_loads`.
NORMALISATIONS = ("mean", "rms", "max")


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

    The probe of the book's D(t) sweeps (XOR and modular addition in chapter 5):
    the snapshots of all seeds of one scale go through :func:`gradient_avalanches`
    in one call.

    Args:
        gradients: per scale, (n_seeds, n_snapshots, N_i) snapshots (as
            :func:`gradient_sweep` returns them); the same
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


def kurtosis_matched_gradients(gradients: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """I.i.d. synthetic snapshots with the kurtosis of each real one: a null model between Gaussian and real gradients.

    Each snapshot g (N,) is replaced by N i.i.d. draws from the generalised
    normal distribution ``p(x) ~ exp(-|x|**b)`` whose shape b gives the same
    kurtosis as g, ``Gamma(5/b) Gamma(1/b) / Gamma(3/b)**2 = E g^4 / (E g^2)^2``
    (b = 2 is the Gaussian, kurtosis 3; b -> 0 ever heavier tails).  The
    entries keep no placement and no other feature of the distribution of g;
    the probe normalises the loads, so the overall scale does not matter.
    Kurtoses beyond [1.85, 10^4] are clipped to that range.

    Args:
        gradients: (..., N) snapshots, N >= 2.
        seed: seed of the draws, >= 0.

    Returns:
        (..., N) float64 synthetic snapshots.
    """
    from scipy import optimize, special, stats

    g = np.asarray(gradients, dtype=np.float64)
    if g.ndim < 1 or g.shape[-1] < 2 or not np.all(np.isfinite(g)):
        raise ValueError(f"gradients must be a finite (..., N) array with N >= 2, got shape {g.shape}")
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    kurtosis = stats.kurtosis(g.reshape(-1, g.shape[-1]), axis=1, fisher=False)  # (B,)

    def excess(log_b: float, k: float) -> float:
        b = np.exp(log_b)
        return float(np.exp(special.gammaln(5 / b) + special.gammaln(1 / b) - 2 * special.gammaln(3 / b)) - k)

    out = np.empty((kurtosis.size, g.shape[-1]))
    for row, k in enumerate(np.clip(np.nan_to_num(kurtosis, nan=3.0), 1.85, 1e4)):
        b = np.exp(optimize.brentq(excess, np.log(0.05), np.log(50.0), args=(k,)))
        out[row] = stats.gennorm.rvs(b, size=g.shape[-1], random_state=rng)
    return out.reshape(g.shape)


# ----------------------------------------------------------------------------- gradient snapshots


def gradient_snapshot(model: torch.nn.Module, data: Dataset, epoch: int, *, loss_fn: LossFn) -> dict[str, np.ndarray]:
    """Snapshot callback for :func:`grokbook.training.train`: the full-batch gradient of the run's loss, flattened.

    ``train(..., snapshot=partial(gradient_snapshot, loss_fn=loss_fn))`` with
    the ``loss_fn`` the run trains with.  The entries follow
    ``model.parameters()`` (for the XOR network: hidden weights row by row,
    hidden biases, output weights, output bias), so entry i is parameter i.
    It is the raw gradient of ``loss_fn`` on the training set (what SGD steps
    along; an adaptive optimiser rescales it, and decoupled weight decay is
    not part of it); computed with ``torch.autograd.grad``, it leaves the
    parameters' ``.grad`` untouched.

    Returns:
        ``{"grad": (N,) float64 array}``.
    """
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable (logits, y) -> loss, got {type(loss_fn).__name__}")
    params = [p for p in model.parameters() if p.requires_grad]
    with torch.enable_grad():
        loss = loss_fn(model(data.X_train), data.y_train)
        grads = torch.autograd.grad(loss, params)
    return {"grad": torch.cat([g.reshape(-1) for g in grads]).double().numpy()}


#: (width, seed, snapshot epochs) -> the History of one run trained with ``snapshot=gradient_snapshot``.
TrainRun = Callable[[int, int, tuple[int, ...]], History]


def gradient_sweep(
    train_run: TrainRun, widths: Sequence[int], seeds: Sequence[int], snapshot_epochs: Sequence[int], *, progress: bool = True, desc: str = "runs"
) -> tuple[list[list[History]], list[np.ndarray]]:
    """Every (width, seed) run of a finite-size sweep, with its gradient snapshots stacked for the avalanche probe.

    The one collection loop of the book's D(t) sweeps (XOR and modular
    addition): ``train_run`` trains one network and returns its History with
    a ``{"grad": (N,)}`` snapshot (:func:`gradient_snapshot`) at each of
    ``snapshot_epochs`` (and may set its ``config``).  Runs use one torch
    thread (for networks this small, more threads only add synchronisation,
    many times slower on a busy machine); the previous thread count is
    restored on return.

    Returns:
        histories[i][s] of width i and seed ``seeds[s]`` (snapshots stripped)
        and gradients[i], (n_seeds, n_snapshots, N_i), ready for :func:`cascade_sizes`.
    """
    if len(widths) < 1 or len(seeds) < 1 or len(snapshot_epochs) < 1:
        raise ValueError(f"widths, seeds and snapshot_epochs must each be non-empty, got {len(widths)}, {len(seeds)} and {len(snapshot_epochs)}")
    epochs = tuple(int(e) for e in snapshot_epochs)
    histories: list[list[History]] = []
    gradients: list[np.ndarray] = []
    with torch_threads(1), tqdm(total=len(widths) * len(seeds), disable=not progress, desc=desc) as bar:
        for width in widths:
            row, grads = [], []
            for seed in seeds:
                history = train_run(width, seed, epochs)
                grads.append(np.stack([history.snapshots[e]["grad"] for e in epochs]))  # (n_snapshots, N)
                history.snapshots = {}
                row.append(history)
                bar.update()
            histories.append(row)
            gradients.append(np.stack(grads))  # (n_seeds, n_snapshots, N)
    return histories, gradients
