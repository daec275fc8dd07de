"""The finite-size fit of D: a planted exponent is recovered, the Gaussian null gives D ~ 1, the bootstrap resamples seeds."""

import numpy as np
import pytest

from grokbook.probes import scaling
from grokbook.probes.avalanche import gradient_avalanches
from grokbook.probes.toppling import TOPOLOGIES, make_graph


def test_effective_dimension_recovers_a_planted_exponent():
    rng = np.random.default_rng(0)
    N = np.array([81, 129, 201, 321, 505, 801, 1265, 2001])
    D_true = np.array([0.9, 1.0, 1.2])
    S = 3.0 * N[:, None, None] ** D_true * np.exp(0.05 * rng.standard_normal((8, 6, 3)))
    fit = scaling.effective_dimension(N, S, n_boot=500)
    assert np.all(fit.low < D_true) and np.all(D_true < fit.high)
    np.testing.assert_allclose(fit.D, D_true, atol=0.03)
    single = scaling.effective_dimension(N, S[..., 0])
    assert single.D.shape == () and single.boot.shape == (1000,)


@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_gaussian_null_gives_dimension_one(topology):
    """I.i.d. Gaussian gradients: a fixed fraction of nodes topples, so S ~ N (paper: D = 0.99 on 5 topologies)."""
    N = np.array([81, 201, 505, 1265, 2001])
    rng = np.random.default_rng(4)
    S = np.stack([gradient_avalanches(rng.standard_normal((6, n)), make_graph(topology, n, seed=0)).sizes for n in N])
    fit = scaling.effective_dimension(N, S)
    assert fit.low < 1.0 < fit.high or abs(fit.D - 1) < 0.05, (fit.D, fit.low, fit.high)


def test_resample_seeds_draws_seeds_within_each_scale():
    values = np.arange(2 * 4 * 3, dtype=float).reshape(2, 4, 3)  # (n_scales, n_seeds, T)
    boot = scaling.resample_seeds(values, n_boot=200, seed=1)
    assert boot.shape == (200, 2, 3)
    # a replica of scale i is a mean of 4 of its seeds: for T = 0, (sum of 4 seeds' rows) / 4 lies in scale i's range
    for i in range(2):
        seeds = values[i, :, 0]
        assert np.all((boot[:, i, 0] >= seeds.min()) & (boot[:, i, 0] <= seeds.max()))
        # the mean over replicas estimates the seed mean: tolerance 4 standard errors of a mean of 200 replicas
        error = seeds.std() / np.sqrt(4) / np.sqrt(200)
        assert abs(boot[:, i, 0].mean() - seeds.mean()) < 4 * error
    constant = scaling.resample_seeds(np.ones((3, 5, 2)))
    np.testing.assert_array_equal(constant, 1.0)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: scaling.effective_dimension([10, 20], np.ones((2, 3))), "at least 3"),
        (lambda: scaling.effective_dimension([10, 20, 40], np.zeros((3, 3))), "S_max"),
        (lambda: scaling.effective_dimension([10, 20, 40], np.ones((4, 3))), "S_max"),
        (lambda: scaling.resample_seeds(np.ones((2, 3))), "values"),
        (lambda: scaling.resample_seeds(np.ones((2, 3, 4)), n_boot=2), "n_boot"),
    ],
)
def test_arguments_are_validated(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_graph_and_seed_bootstrap_widens_the_band_by_the_graph_spread():
    """Sizes that differ between graphs but not seeds: a seed-only bootstrap sees no spread, the joint one does."""
    rng = np.random.default_rng(2)
    N = np.array([100, 200, 400, 800])
    graph_noise = np.exp(0.2 * rng.standard_normal((4, 5, 1, 1)))  # (n_scales, n_graphs, 1, 1)
    S = 2.0 * N[:, None, None, None] ** 1.1 * graph_noise * np.ones((4, 5, 6, 2))  # (n_scales, n_graphs, n_seeds, T)
    joint = scaling.effective_dimension(N, S)
    seeds_only = scaling.effective_dimension(N, S[:, 0])
    assert joint.D.shape == (2,) and np.all(joint.high - joint.low > 0.05)
    np.testing.assert_allclose(seeds_only.high - seeds_only.low, 0, atol=1e-12)
    # the residuals of the fit are the graph noise averaged over graphs, less its own straight line
    assert np.abs(joint.residuals(N)).max() < 0.3 and joint.residuals(N).shape == (4, 2)
    boot = scaling.resample_graphs_and_seeds(np.log(S), n_boot=50)
    assert boot.shape == (50, 4, 2)


def test_empty_snapshots_give_nan_only_where_asked():
    N = np.array([10, 20, 40])
    S = np.ones((3, 4, 3)) * N[:, None, None]
    S[1, 2, 1] = 0  # one cascade of snapshot 1 never toppled
    with pytest.raises(ValueError, match="empty"):
        scaling.effective_dimension(N, S)
    fit = scaling.effective_dimension(N, S, empty="nan")
    assert np.isnan(fit.D[1]) and np.isnan(fit.low[1]) and np.isnan(fit.boot[:, 1]).all()
    np.testing.assert_allclose(fit.D[[0, 2]], 1.0)
