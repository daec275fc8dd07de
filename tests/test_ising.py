"""The Ising samplers against exact results: enumeration (L <= 4) and Onsager (L = 32).

Tolerances come from standard errors: each chain gives one mean, and the
spread of the chain means (independent chains) gives the standard error.
"""

import math
import os
import subprocess
import sys

import numpy as np
import pytest

from grokbook import ising, ising_exact, stats
from grokbook.tasks import ising_bins_data

TEMPERATURES = [1.5, 2.27, 3.5]


def chain_means(samples: np.ndarray, n_chains: int, observable) -> np.ndarray:
    """Mean of ``observable`` per chain, for samples (..., n_samples, L, L) ordered as in ising.sample."""
    values = observable(samples)  # (..., n_samples)
    return values.reshape(values.shape[:-1] + (-1, n_chains)).mean(axis=-2)


def energy_per_spin(s):
    return ising.energy(s) / s.shape[-1] ** 2


def abs_m(s):
    return np.abs(ising.magnetization(s))


@pytest.mark.parametrize("method", ["metropolis", "wolff"])
@pytest.mark.parametrize("L", [3, 4])
def test_sampler_matches_enumeration(L, method):
    n_chains = 100
    samples = ising.sample(L, TEMPERATURES, 20_000, method=method, thin=1, n_chains=n_chains, seed=7)
    exact = ising.exact_averages(L, TEMPERATURES)
    for observable, reference in [(energy_per_spin, exact.energy), (abs_m, exact.abs_magnetization)]:
        means = chain_means(samples, n_chains, observable)  # (T, chains)
        standard_error = means.std(axis=1, ddof=1) / math.sqrt(n_chains)
        np.testing.assert_array_less(np.abs(means.mean(axis=1) - reference), 4 * standard_error)


@pytest.mark.parametrize(
    "T, quantity",
    [(1.5, "energy"), (3.0, "energy"), (1.5, "magnetization"), (2.0, "magnetization")],
)
def test_large_lattice_matches_onsager(T, quantity):
    samples = ising.sample(32, T, 2000, method="wolff", seed=3)
    if quantity == "energy":
        measured, exact = energy_per_spin(samples).mean(), ising.onsager_energy(T)
    else:
        measured, exact = abs_m(samples).mean(), ising.onsager_magnetization(T)
    assert abs(measured - exact) < 0.01 * abs(exact)


def test_onsager_known_values():
    Tc = ising.critical_temperature()
    assert Tc == pytest.approx(2.269185314213022)
    assert ising.onsager_energy(Tc) == pytest.approx(-math.sqrt(2))
    # continuity through T_c, where the formula's 0 * infinity is replaced by its limit
    assert ising.onsager_energy(Tc * (1 + 1e-9)) == pytest.approx(-math.sqrt(2), abs=1e-6)
    assert ising.onsager_magnetization(Tc * 1.001) == 0.0
    assert ising.onsager_magnetization(0.5) == pytest.approx(1.0, abs=1e-6)
    # high temperature: u -> -2 tanh(1/T) to leading order; low: u -> -2
    assert ising.onsager_energy(0.3) == pytest.approx(-2.0, abs=1e-6)


def test_exact_averages_limits():
    cold = ising.exact_averages(4, 0.05)
    assert cold.energy == pytest.approx(-2.0)
    assert cold.abs_magnetization == pytest.approx(1.0)
    hot = ising.exact_averages(4, 1e6)
    assert hot.energy == pytest.approx(0.0, abs=1e-5)
    # at infinite temperature |M| follows a binomial law over 16 fair spins
    counts = np.array([math.comb(16, k) for k in range(17)])
    expected = (counts * np.abs(2 * np.arange(17) - 16)).sum() / 2**16 / 16
    assert hot.abs_magnetization == pytest.approx(expected, rel=1e-5)


def test_exact_specific_heat_is_energy_derivative():
    T, dT = 2.3, 1e-4
    lo, mid, hi = (ising.exact_averages(4, t) for t in (T - dT, T, T + dT))
    assert mid.specific_heat == pytest.approx((hi.energy - lo.energy) / (2 * dT), rel=1e-5)


@pytest.mark.parametrize("L", [2, 4])
def test_transfer_matrix_density_of_states_matches_enumeration(L):
    E_pairs, _, counts = ising_exact._density_of_states(L)  # brute force over all 2^(L^2) states
    expected = {}
    for E, count in zip(E_pairs, counts):
        expected[int(E)] = expected.get(int(E), 0) + int(count)
    E, g = ising.density_of_states(L)
    assert {int(e): int(c) for e, c in zip(E, g) if c} == expected


def test_transfer_matrix_density_of_states_8x8():
    E, g = ising.density_of_states(8)
    g = [int(c) for c in g]  # exact Python integers
    assert sum(g) == 2**64
    assert E[0] == -128 and E[-1] == 128 and len(E) == 65
    assert g[:4] == [2, 0, 128, 256]  # ground states; none at -124; one flipped spin; two adjacent
    assert g == g[::-1]  # E -> -E by flipping one sublattice
    allowed = set(ising_bins_data.allowed_energies(8).tolist())
    assert {int(e) for e, c in zip(E, g) if c} == allowed


def test_sample_shapes_and_reproducibility():
    one = ising.sample(5, 2.0, 10, method="metropolis", burn_in=5, seed=1)
    assert one.shape == (10, 5, 5) and one.dtype == np.int8
    assert set(np.unique(one)) <= {-1, 1}
    many = ising.sample(6, [1.0, 2.0, 3.0], 7, burn_in=5, seed=1)
    assert many.shape == (3, 7, 6, 6)
    np.testing.assert_array_equal(many, ising.sample(6, [1.0, 2.0, 3.0], 7, burn_in=5, seed=1))
    assert not np.array_equal(many, ising.sample(6, [1.0, 2.0, 3.0], 7, burn_in=5, seed=2))


BUILD_THEN_COUNT_THREADS = """
import threading
import torch
from grokbook.tasks import ising_bins
from grokbook.training import torch_threads
def run():  # as a Dask worker runs a task: in a thread, with one torch thread
    with torch_threads(1):
        ising_bins.build({"n_per_bin": 20}, 0)  # samples the data with the numba kernels
        print(torch.get_num_threads())
thread = threading.Thread(target=run)
thread.start()
thread.join()
"""


def test_sampler_leaves_torch_on_its_thread_count():
    """numba's OpenMP layer reset torch's thread count to the cores' (an Ising run 2.4x slower).

    In a fresh process: numba chooses its threading layer at its first parallel launch.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_THREADING_LAYER", "OMP_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", BUILD_THEN_COUNT_THREADS], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split()[-1] == "1"


def test_autocorrelation_time_of_known_processes():
    rng = np.random.default_rng(0)
    white = rng.normal(size=(8, 20_000))
    assert stats.integrated_autocorrelation_time(white) == pytest.approx(1.0, abs=0.1)
    # AR(1) with coefficient a: tau = (1 + a) / (1 - a)
    a = 0.8
    x = np.zeros((8, 50_000))
    for t in range(1, x.shape[1]):
        x[:, t] = a * x[:, t - 1] + rng.normal(size=8)
    assert stats.integrated_autocorrelation_time(x) == pytest.approx((1 + a) / (1 - a), rel=0.1)


def test_cluster_method_decorrelates_faster_at_tc():
    Tc = ising.critical_temperature()
    tau = {
        method: stats.integrated_autocorrelation_time(
            ising.abs_magnetization_series(16, Tc, 4000, method=method, n_chains=8, seed=0)
        )
        for method in ("metropolis", "wolff")
    }
    assert tau["wolff"] < tau["metropolis"] / 3


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(L=1, T=2.0, n_samples=1), "L"),
        (dict(L=4, T=0.0, n_samples=1), "T"),
        (dict(L=4, T=-1.0, n_samples=1), "T"),
        (dict(L=4, T=float("nan"), n_samples=1), "T"),
        (dict(L=4, T=float("inf"), n_samples=1), "T"),
        (dict(L=4, T=[], n_samples=1), "T"),
        (dict(L=4, T=[[1.0]], n_samples=1), "T"),
        (dict(L=4, T=2.0, n_samples=0), "n_samples"),
        (dict(L=4, T=2.0, n_samples=1, method="heatbath"), "method"),
        (dict(L=4, T=2.0, n_samples=1, burn_in=-1), "burn_in"),
        (dict(L=4, T=2.0, n_samples=1, thin=0), "thin"),
        (dict(L=4, T=2.0, n_samples=1, n_chains=0), "n_chains"),
        (dict(L=4, T=2.0, n_samples=1, seed=-1), "seed"),
    ],
)
def test_sample_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        ising.sample(**kwargs)


def test_bad_types_and_other_bad_arguments():
    with pytest.raises(TypeError, match="L"):
        ising.sample(4.5, 2.0, 1)
    with pytest.raises(ValueError, match="L"):
        ising.exact_averages(5, 2.0)
    with pytest.raises(ValueError, match="T"):
        ising.onsager_energy(0.0)
    with pytest.raises(ValueError, match="spins"):
        ising.energy(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="x"):
        stats.integrated_autocorrelation_time(np.ones(10))
