"""The gradient-avalanche probe and its toppling machinery: exact dissipation, graphs, sweeps, gradient snapshots, argument checks."""

from functools import partial

import networkx as nx
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from grokbook.data import Dataset
from grokbook.losses import cross_entropy
from grokbook.probes import avalanche as av
from grokbook.probes import toppling
from grokbook.training import History, train


@pytest.mark.parametrize("topology", toppling.TOPOLOGIES)
def test_relax_dissipates_exactly_one_minus_alpha(topology):
    graph = toppling.make_graph(topology, 300, seed=1)
    loads = np.random.default_rng(0).exponential(size=(300, 5))
    result = toppling.relax(loads, toppling.transfer_matrix(graph, "degree"), alpha=0.7, threshold=1.5)
    np.testing.assert_allclose(loads.sum(0) - result.loads.sum(0), 0.3 * result.released.sum(0), rtol=1e-10)
    assert np.all(result.loads < 1.5) and np.all(result.sizes >= (loads >= 1.5).sum(0))


def test_make_graph_sizes_and_no_isolated_nodes():
    for topology in toppling.TOPOLOGIES:
        for N in (81, 2001):
            graph = toppling.make_graph(topology, N, seed=2)
            assert graph.number_of_nodes() == N and not list(nx.isolates(graph)), topology
            assert set(graph) == set(range(N))


def test_largest_cluster_counts_topplings_of_the_biggest_connected_piece():
    path = nx.path_graph(5)
    topplings = np.array([[1, 0, 1], [2, 0, 1], [0, 0, 1], [3, 0, 1], [0, 0, 1]])  # (N, B)
    np.testing.assert_array_equal(av.largest_cluster(topplings, path), [3, 0, 5])
    with pytest.raises(ValueError, match="topplings"):
        av.largest_cluster(np.ones((4, 2)), path)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda g, W: toppling.relax(np.ones(50), W, alpha=0.0), "alpha"),
        (lambda g, W: toppling.relax(np.ones(50), W, alpha=1.5), "alpha"),
        (lambda g, W: toppling.relax(np.ones(50), toppling.transfer_matrix(g, "neighbour"), alpha=0.9), "alpha"),
        (lambda g, W: toppling.relax(np.ones(50), W, alpha=0.5, threshold=0), "threshold"),
        (lambda g, W: toppling.relax(-np.ones(50), W, alpha=0.5), "loads"),
        (lambda g, W: toppling.relax(np.ones(49), W, alpha=0.5), "loads"),
        (lambda g, W: av.gradient_avalanches(np.zeros((0, 50)), g), "gradients"),
        (lambda g, W: av.gradient_avalanches(np.zeros((2, 50)), g), "gradients"),
        (lambda g, W: av.gradient_avalanches(np.ones((2, 40)), g), "gradients"),
        (lambda g, W: av.gradient_avalanches(np.ones((2, 50)), g, normalisation="median"), "normalisation"),
        (lambda g, W: toppling.transfer_matrix(nx.empty_graph(50)), "isolated"),
        (lambda g, W: toppling.make_graph("star", 50), "topology"),
        (lambda g, W: toppling.make_graph("barabasi_albert", 50, mean_degree=3), "mean_degree"),
        (lambda g, W: av.cascade_sizes([], {50: g}), "gradients"),
        (lambda g, W: av.cascade_sizes([np.ones((2, 3, 50)), np.ones((2, 4, 50))], {50: g}), "gradients"),
        (lambda g, W: av.cascade_sizes([np.ones((2, 3, 40))], {50: g}), "graphs"),
    ],
)
def test_arguments_are_validated(call, name):
    graph = toppling.make_graph("barabasi_albert", 50)
    with pytest.raises(ValueError, match=name):
        call(graph, toppling.transfer_matrix(graph))


def test_conservative_overload_raises_instead_of_looping():
    graph = toppling.square_lattice(4, periodic=True)
    with pytest.raises(RuntimeError, match="max_steps"):
        toppling.relax(np.full(16, 2.0), toppling.transfer_matrix(graph), alpha=1.0, max_steps=1000)


def test_cascade_sizes_is_gradient_avalanches_per_scale_and_snapshot():
    """The sweep helper gives, entry by entry, what one call per snapshot gives."""
    rng = np.random.default_rng(5)
    gradients = [rng.standard_t(3, size=(2, 3, n)) for n in (60, 90, 140)]  # (n_seeds, n_snapshots, N) per scale
    graphs = av.scale_graphs([60, 90, 140], "erdos_renyi", mean_degree=6, seed=2)
    assert [g.number_of_nodes() for g in graphs.values()] == [60, 90, 140]
    S = av.cascade_sizes(gradients, graphs, alpha=0.7, threshold=1.5)
    assert S.shape == (3, 2, 3)
    for i, g in enumerate(gradients):
        for s in range(2):
            for t in range(3):
                assert S[i, s, t] == av.gradient_avalanches(g[s, t], graphs[g.shape[2]], alpha=0.7, threshold=1.5).sizes[0]


def _tiny_run() -> tuple[torch.nn.Module, Dataset]:
    g = torch.Generator().manual_seed(1)
    X = torch.randn(8, 3, generator=g, dtype=torch.float64)
    y = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 3)).double()
    return model, Dataset(X, y, X, y, n_classes=3)


def mse(outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (outputs - F.one_hot(y, outputs.shape[-1]).to(outputs.dtype)).square().sum(-1).mean()


@pytest.mark.parametrize("loss_fn", [partial(cross_entropy, beta=2.0), mse], ids=["cross_entropy", "mse"])
def test_gradient_snapshot_is_the_gradient_of_the_runs_loss_and_leaves_grad_alone(loss_fn):
    model, data = _tiny_run()
    grad = av.gradient_snapshot(model, data, 0, loss_fn=loss_fn)["grad"]
    n = sum(p.numel() for p in model.parameters())
    assert grad.shape == (n,) and grad.dtype == np.float64 and all(p.grad is None for p in model.parameters())
    flat = torch.nn.utils.parameters_to_vector(model.parameters()).detach()
    numeric = np.zeros(n)
    for i in range(n):  # central finite differences of the same loss
        for sign in (1, -1):
            shifted = flat.clone()
            shifted[i] += sign * 1e-6
            torch.nn.utils.vector_to_parameters(shifted, model.parameters())
            numeric[i] += sign * float(loss_fn(model(data.X_train), data.y_train).detach()) / 2e-6
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_gradient_snapshot_needs_a_loss():
    model, data = _tiny_run()
    with pytest.raises(TypeError, match="loss_fn"):
        av.gradient_snapshot(model, data, 0, loss_fn=None)
    with pytest.raises(TypeError, match="loss_fn"):
        av.gradient_snapshot(model, data, 0)


def test_gradient_sweep_stacks_snapshots_and_restores_threads():
    threads = torch.get_num_threads()

    def train_run(width: int, seed: int, epochs: tuple[int, ...]) -> History:
        torch.manual_seed(seed)
        model = torch.nn.Linear(2, width)
        X, y = torch.randn(6, 2), torch.randint(0, width, (6,))
        data = Dataset(X, y, X, y, n_classes=width)
        snapshot = partial(av.gradient_snapshot, loss_fn=cross_entropy)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        return train(model, data, optimizer, n_epochs=4, snapshot_epochs=epochs, snapshot=snapshot, progress=False)

    histories, gradients = av.gradient_sweep(train_run, [3, 5], [0, 1, 2], [0, 2, 4], progress=False)
    assert [g.shape for g in gradients] == [(3, 3, 3 * 3), (3, 3, 3 * 5)]  # (n_seeds, n_snapshots, N = 2 w + w)
    assert len(histories) == 2 and all(len(row) == 3 and not row[0].snapshots for row in histories)
    again = train_run(5, 1, (0, 2, 4))
    np.testing.assert_array_equal(gradients[1][1], np.stack([again.snapshots[e]["grad"] for e in (0, 2, 4)]))
    assert torch.get_num_threads() == threads
    with pytest.raises(ValueError, match="widths"):
        av.gradient_sweep(train_run, [], [0], [0])


def test_kurtosis_matched_gradients_keep_the_kurtosis():
    from scipy import stats

    from grokbook.probes.avalanche import kurtosis_matched_gradients

    rng = np.random.default_rng(0)
    real = rng.standard_t(5, size=(3, 20_000))  # kurtosis 9 in the limit
    fake = kurtosis_matched_gradients(real, seed=1)
    assert fake.shape == real.shape
    k_real = stats.kurtosis(real, axis=1, fisher=False)
    k_fake = stats.kurtosis(fake, axis=1, fisher=False)
    np.testing.assert_allclose(k_fake, k_real, rtol=0.25)  # sample kurtosis of heavy tails is noisy
    gauss = kurtosis_matched_gradients(rng.standard_normal((1, 20_000)), seed=2)
    assert abs(stats.kurtosis(gauss[0], fisher=False) - 3) < 0.2
