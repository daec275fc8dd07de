"""The XOR task: its data, one config written once, build, the sweep with gradient snapshots, run_config."""

import dataclasses

import numpy as np
import pytest
import torch

from grokbook.models import XORMLP
from grokbook.probes import avalanche
from grokbook.tasks import Setup, xor
from grokbook.training import cross_entropy


def test_dataset_is_xor_with_no_split():
    data = xor.xor_dataset()
    assert torch.equal(data.y_train, (data.X_train[:, 0] != data.X_train[:, 1]).long())
    assert torch.equal(data.X_test, data.X_train) and torch.equal(data.y_test, data.y_train)


def test_the_dict_config_is_the_dataclass_and_back():
    """DEFAULT_CONFIG is the XORConfig defaults plus the probe's rules; from_config reads it back for one seed."""
    assert xor.DEFAULT_CONFIG == {**xor.XORConfig().as_config(), **xor.PROBE_CONFIG}
    assert xor.DEFAULT_CONFIG["widths"] == list(xor.PAPER_WIDTHS)
    sweep = xor.XORConfig.from_config({**xor.DEFAULT_CONFIG, "widths": [20, 32], "lr": 0.25}, seed=4)
    assert sweep == dataclasses.replace(xor.XORConfig(), widths=(20, 32), lr=0.25, n_seeds=1, seed_offset=4)
    assert sweep.as_config() == {**xor.XORConfig().as_config(), "widths": [20, 32], "lr": 0.25}


def test_build_is_the_seeded_network_with_mean_field_sgd():
    config = {"hidden_init": 0.2, "output_init": 0.1, "lr": 0.3}
    setup = xor.build(config, 3, width=12)
    assert isinstance(setup, Setup) and setup.loss_fn is cross_entropy
    reference = XORMLP(12, hidden_init=0.2, output_init=0.1, seed=3)
    assert all(torch.equal(a, b) for a, b in zip(setup.model.parameters(), reference.parameters()))
    assert [group["lr"] for group in setup.optimizer.param_groups] == [0.3 * 12, 0.3]
    from_dataclass = xor.build(xor.XORConfig(hidden_init=0.2, output_init=0.1, lr=0.3), 3, width=12)
    assert all(torch.equal(a, b) for a, b in zip(from_dataclass.model.parameters(), reference.parameters()))
    with pytest.raises(ValueError, match="widht"):
        xor.build({"widht": 3}, 0, width=4)


def test_a_small_sweep_learns_after_a_plateau_and_records_snapshots():
    threads = torch.get_num_threads()
    config = xor.XORConfig(widths=(20, 80), n_seeds=2, n_snapshots=11, n_epochs=1500)
    runs = xor.run_xor(config, progress=False)
    assert [g.shape for g in runs.gradients] == [(2, 11, 81), (2, 11, 321)]
    assert np.all(np.isfinite(runs.t_learn)) and np.all(runs.t_learn >= 200)  # a plateau, then learning
    for row, learned in zip(runs.histories, runs.t_learn):
        for history, t in zip(row, learned):
            assert history.train_loss[5] > 0.99 * np.log(2) and history.train_acc[-1] == 1.0
            assert t == history.t_fit() and np.all(history.train_acc[history.epochs >= t] == 1.0)
            assert history.train_acc[history.epochs == t - config.eval_every] < 1.0
    again = xor.run_xor(xor.XORConfig(widths=(20,), n_seeds=2, n_snapshots=11, n_epochs=1500), progress=False)
    np.testing.assert_array_equal(runs.gradients[0], again.gradients[0])  # deterministic
    assert torch.get_num_threads() == threads  # restored


def test_t_learn_is_nan_for_a_run_that_does_not_learn_every_point():
    runs = xor.run_xor(xor.XORConfig(widths=(20,), n_seeds=1, n_snapshots=2, n_epochs=50), progress=False)
    assert runs.histories[0][0].train_acc[-1] < 1.0 and np.isnan(runs.t_learn[0, 0])


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(widths=()), "widths"),
        (dict(widths=(0,)), "widths"),
        (dict(n_seeds=0), "n_seeds"),
        (dict(n_snapshots=1), "n_snapshots"),
        (dict(n_epochs=10, n_snapshots=20), "n_snapshots"),
        (dict(seed_offset=-1), "seed_offset"),
    ],
)
def test_config_is_validated(kwargs, name):
    with pytest.raises(ValueError, match=name):
        xor.XORConfig(**kwargs)


def test_optimizer_arguments_are_validated():
    with pytest.raises(ValueError, match="lr"):
        xor.make_optimizer(XORMLP(3), lr=-1)


def test_seed_offset_runs_the_same_seeds():
    """Seed s is the same run whether it is trained alone (seed_offset = s) or within a sweep of seeds 0..n-1."""
    small = dict(widths=(20, 32), n_snapshots=5, n_epochs=120)
    both = xor.run_xor(xor.XORConfig(**small, n_seeds=2), progress=False)
    second = xor.run_xor(xor.XORConfig(**small, n_seeds=1, seed_offset=1), progress=False)
    assert xor.XORConfig(**small, n_seeds=2, seed_offset=3).seeds == range(3, 5)
    for i in range(2):
        np.testing.assert_array_equal(second.gradients[i][0], both.gradients[i][1])
        np.testing.assert_array_equal(second.histories[i][0].train_loss, both.histories[i][1].train_loss)
        assert second.histories[i][0].config == {"width": small["widths"][i], "seed": 1}
    assert not np.array_equal(both.gradients[0][0], both.gradients[0][1])


def test_run_config_is_one_seed_of_the_sweep_through_the_probe():
    config = {"widths": [20, 32, 50], "n_snapshots": 4, "n_epochs": 90, "threshold": 1.5}
    result = xor.run_config(config, seed=2)
    sweep = xor.XORConfig(widths=(20, 32, 50), n_snapshots=4, n_epochs=90, n_seeds=3)
    runs = xor.run_xor(sweep, progress=False)
    S = avalanche.cascade_sizes(runs.gradients, avalanche.scale_graphs(sweep.N), threshold=1.5)  # (3, 3, 4)
    np.testing.assert_array_equal(result["sizes"], S[:, 2])
    np.testing.assert_array_equal(result["N"], [81, 129, 201])
    np.testing.assert_array_equal(result["snapshot_epochs"], sweep.snapshot_epochs)
    np.testing.assert_array_equal(result["test_acc"], np.stack([row[2].test_acc for row in runs.histories]))
    np.testing.assert_array_equal(result["t_learn"], runs.t_learn[:, 2])
    assert result["t_learn"].shape == (3,) and result["train_loss"].shape == (3, len(result["epochs"]))
    with pytest.raises(ValueError, match="widht"):
        xor.run_config({"widht": [3]}, seed=0)
