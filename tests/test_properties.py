"""Property tests (hypothesis): invariants that hold for every valid input."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from grokbook import ising, ising_exact

temperatures = st.floats(min_value=0.2, max_value=20.0, allow_nan=False)


@settings(max_examples=25, deadline=None)
@given(L=st.integers(2, 9), T=temperatures, n_samples=st.integers(1, 5), method=st.sampled_from(sorted(ising.SAMPLERS)))
def test_samples_are_spins_of_the_right_shape(L, T, n_samples, method):
    spins = ising.sample(L, T, n_samples, method=method, burn_in=3, thin=1, seed=0)
    assert spins.shape == (n_samples, L, L) and spins.dtype == np.int8
    assert np.all(np.abs(spins) == 1)


@settings(max_examples=25, deadline=None)
@given(L=st.integers(2, 10), seed=st.integers(0, 2**32 - 1))
def test_energy_is_invariant_under_global_spin_flip(L, seed):
    spins = np.random.default_rng(seed).choice(np.array([-1, 1], dtype=np.int8), size=(3, L, L))
    np.testing.assert_array_equal(ising.energy(spins), ising.energy(-spins))
    assert np.all(np.abs(ising.energy(spins)) <= 2 * L * L)


@settings(max_examples=20, deadline=None)
@given(L=st.integers(2, 4), T=temperatures)
def test_exact_averages_are_physical(L, T):
    exact = ising.exact_averages(L, T)
    assert -2.0 <= exact.energy <= 2.0
    assert 0.0 <= exact.abs_magnetization <= 1.0
    assert exact.specific_heat >= 0.0
    # field-free: the Boltzmann weight is even in M, so <M^2> >= <|M|>^2 and U <= 2/3
    assert exact.magnetization2 >= exact.abs_magnetization**2 - 1e-12
    assert exact.binder <= 2 / 3 + 1e-9


def test_density_of_states_is_symmetric_under_spin_flip():
    for L in (2, 3, 4):
        E, M, g = ising_exact._density_of_states(L)
        table = {(e, m): n for e, m, n in zip(E, M, g)}
        assert all(table[(e, -m)] == n for (e, m), n in table.items())
        assert g.sum() == 2 ** (L * L)
