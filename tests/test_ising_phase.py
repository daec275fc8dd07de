"""The phase task of Carrasquilla & Melko: data, labels and the crossing temperature."""

import numpy as np
import pytest

import torch

from grokbook import ising
from grokbook.models import IsingMLP
from grokbook.tasks import Setup, ising_phase


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


def test_crossing_temperature_is_the_first_fall_through_one_half():
    T = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert ising_phase.crossing_temperature(T, [0.9, 0.3, 0.8, 0.2, 0.1]) == pytest.approx(1 + 0.4 / 0.6)


def test_ordered_probability_averages_each_temperature():
    phase = ising_phase.phase_data(4, np.array([1.0, 3.5]), 3, seed=0)
    logits = torch.zeros(2, 6, 2)  # two members
    logits[0, :, 1] = torch.tensor([0.0, 0.0, 0.0, 100.0, 100.0, 100.0])  # member 0: p = 1/2 at T = 1, 1 at T = 3.5
    np.testing.assert_array_equal(phase.test_T, [1.0, 1.0, 1.0, 3.5, 3.5, 3.5])
    np.testing.assert_allclose(ising_phase.ordered_probability(phase, logits), [[0.5, 1.0], [0.5, 0.5]])
    with pytest.raises(ValueError, match="logits"):
        ising_phase.ordered_probability(phase, torch.zeros(5, 2))


def test_build_and_run_config():
    config = {"L": 4, "n_temperatures": 4, "n_per_temperature": 4, "n_epochs": 50, "eval_every": 10}
    setup = ising_phase.build(config, seed=2)
    assert isinstance(setup, Setup) and setup.data.X_train.shape == (16, 16)
    reference = IsingMLP(16, 2, seed=2)
    assert all(torch.equal(a, b) for a, b in zip(setup.model.parameters(), reference.parameters()))
    phase = ising_phase.phase_data(4, np.linspace(1.0, 3.5, 4), 4, seed=0)
    assert torch.equal(setup.data.X_test, phase.dataset.X_test)
    result = ising_phase.run_config(config, seed=2)
    np.testing.assert_array_equal(result["epochs"], [0, 10, 20, 30, 40, 50])
    assert result["p_ordered"].shape == (4,) and result["temperatures"].shape == (4,)
    assert result["train_acc"][-1] == 1.0 and {"t_fit", "t_grok", "T_cross"} <= set(result)
    with pytest.raises(ValueError, match="colour"):
        ising_phase.run_config({"colour": 1}, seed=0)


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
