"""The phase task of Carrasquilla & Melko: data, labels and the crossing temperature."""

import numpy as np
import pytest

from grokbook import ising, ising_phase


def test_phase_data_labels_by_temperature():
    T = np.array([1.0, 1.5, 3.0, 3.5])
    phase = ising_phase.phase_data(4, T, 8, seed=1)
    data = phase.dataset
    assert data.X_train.shape == (32, 16) and data.X_test.shape == (32, 16)
    assert set(np.unique(data.X_train.numpy())) == {-1.0, 1.0}
    np.testing.assert_array_equal(data.y_train.numpy(), (phase.train_T < ising.critical_temperature()).astype(int))
    assert not np.array_equal(data.X_train.numpy(), data.X_test.numpy())  # independent samples
    cold = np.abs(data.X_train.numpy()[phase.train_T == 1.0].mean(axis=1))
    hot = np.abs(data.X_train.numpy()[phase.train_T == 3.5].mean(axis=1))
    assert cold.mean() > 0.9 > 0.6 > hot.mean()


def test_crossing_temperature_interpolates():
    T = np.array([1.0, 2.0, 3.0])
    assert ising_phase.crossing_temperature(T, [1.0, 0.7, 0.1]) == pytest.approx(2 + 0.2 / 0.6)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: ising_phase.phase_data(4, [1.0, ising.critical_temperature()], 2), "temperatures"),
        (lambda: ising_phase.phase_data(4, [1.0, -2.0], 2), "temperatures"),
        (lambda: ising_phase.phase_data(4, [1.0, 3.0], 0), "n_per_temperature"),
        (lambda: ising_phase.phase_data(1, [1.0, 3.0], 2), "L"),
        (lambda: ising_phase.crossing_temperature([1.0, 2.0], [0.4, 0.3]), "p_ordered"),
        (lambda: ising_phase.crossing_temperature([2.0, 1.0], [0.9, 0.1]), "temperatures"),
    ],
)
def test_bad_inputs_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
