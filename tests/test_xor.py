"""The XOR task, its 2 -> h -> 1 networks and the gradient snapshots (checked against finite differences)."""

import numpy as np
import pytest
import torch

from grokbook import avalanche, xor
from grokbook.train import cross_entropy


def test_dataset_is_xor_with_no_split():
    data = xor.xor_dataset()
    assert torch.equal(data.y_train, (data.X_train[:, 0] != data.X_train[:, 1]).long())
    assert torch.equal(data.X_test, data.X_train) and torch.equal(data.y_test, data.y_train)


@pytest.mark.parametrize("h", [20, 500])
def test_parameter_count_is_4h_plus_1(h):
    model = xor.XORMLP(h)
    assert sum(p.numel() for p in model.parameters()) == 4 * h + 1
    assert model(xor.xor_dataset().X_train).shape == (4, 2)


def test_logits_are_binary_cross_entropy():
    torch.manual_seed(0)
    model, data = xor.XORMLP(7), xor.xor_dataset()
    z = model(data.X_train)[:, 1]
    reference = torch.nn.functional.binary_cross_entropy_with_logits(z, data.y_train.double().float())
    torch.testing.assert_close(cross_entropy(model(data.X_train), data.y_train), reference)


def test_gradient_snapshot_matches_finite_differences_and_leaves_grad_alone():
    torch.manual_seed(1)
    model, data = xor.XORMLP(5, hidden_init=0.5, output_init=0.5).double(), xor.xor_dataset()
    data = type(data)(data.X_train.double(), data.y_train, data.X_test.double(), data.y_test, 2)
    grad = xor.gradient_snapshot(model, data, 0)["grad"]
    assert grad.shape == (21,) and all(p.grad is None for p in model.parameters())
    flat = torch.nn.utils.parameters_to_vector(model.parameters()).detach()
    numeric = np.zeros(21)
    for i in range(21):
        for sign in (1, -1):
            shifted = flat.clone()
            shifted[i] += sign * 1e-6
            torch.nn.utils.vector_to_parameters(shifted, model.parameters())
            numeric[i] += sign * float(cross_entropy(model(data.X_train), data.y_train).detach()) / 2e-6
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_a_small_sweep_learns_after_a_plateau_and_records_snapshots():
    threads = torch.get_num_threads()
    config = xor.XORConfig(widths=(20, 80), n_seeds=2, n_snapshots=11, n_epochs=1500)
    runs = xor.run_xor(config, progress=False)
    assert [g.shape for g in runs.gradients] == [(2, 11, 81), (2, 11, 321)]
    assert np.all(np.isfinite(runs.t_grok)) and np.all(runs.t_grok >= 200)  # a plateau, then learning
    for history in (h for row in runs.histories for h in row):
        assert history.train_loss[5] > 0.99 * np.log(2) and history.train_acc[-1] == 1.0
    again = xor.run_xor(xor.XORConfig(widths=(20,), n_seeds=2, n_snapshots=11, n_epochs=1500), progress=False)
    np.testing.assert_array_equal(runs.gradients[0], again.gradients[0])  # deterministic
    assert torch.get_num_threads() == threads  # restored


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


def test_model_arguments_are_validated():
    with pytest.raises(ValueError, match="h"):
        xor.XORMLP(0)
    with pytest.raises(ValueError, match="hidden_init"):
        xor.XORMLP(3, hidden_init=0)
    with pytest.raises(ValueError, match="lr"):
        xor.make_optimizer(xor.XORMLP(3), lr=-1)


def test_seed_offset_runs_the_same_seeds():
    """Seed s is the same run whether it is trained alone (seed_offset = s) or within a sweep of seeds 0..n-1."""
    small = dict(widths=(20, 32), n_snapshots=5, n_epochs=120)
    both = xor.run_xor(xor.XORConfig(**small, n_seeds=2), progress=False)
    second = xor.run_xor(xor.XORConfig(**small, n_seeds=1, seed_offset=1), progress=False)
    assert xor.XORConfig(**small, n_seeds=2, seed_offset=3).seeds == range(3, 5)
    for i in range(2):
        np.testing.assert_array_equal(second.gradients[i][0], both.gradients[i][1])
        np.testing.assert_array_equal(second.histories[i][0].train_loss, both.histories[i][1].train_loss)
        assert second.histories[i][0].config == {"h": small["widths"][i], "seed": 1}
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
    assert result["t_grok"].shape == (3,) and result["train_loss"].shape == (3, len(result["epochs"]))
    with pytest.raises(ValueError, match="widht"):
        xor.run_config({"widht": [3]}, seed=0)


def test_gradient_sweep_validates():
    with pytest.raises(ValueError, match="widths"):
        xor.gradient_sweep(lambda w, s, e: None, [], [0], [0])
