"""Modular arithmetic: tables, splits, build, one grokking run, the gradient runs of chapter 5."""

import numpy as np
import pytest
import torch

from grokbook.losses import LOSSES, mse_one_hot
from grokbook.models import QuadraticMLP
from grokbook.tasks import Setup, modular


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("operation", ["add", "sub", "div"])
def test_tables_against_python_arithmetic(operation):
    p = 7
    a, b, c = modular.operation_table(p, operation)
    reference = {
        "add": lambda x, y: (x + y) % p,
        "sub": lambda x, y: (x - y) % p,
        "div": lambda x, y: next(z for z in range(p) if (z * y) % p == x),  # the z with z b = a
    }[operation]
    pairs = [(x, y) for x in range(p) for y in range(p) if operation != "div" or y != 0]
    assert list(zip(a.tolist(), b.tolist())) == pairs
    assert c.tolist() == [reference(x, y) for x, y in pairs]


def test_subtraction_is_not_commutative_and_addition_is():
    a, b, c = modular.operation_table(11, "sub")
    table = dict(zip(zip(a.tolist(), b.tolist()), c.tolist()))
    assert any(table[x, y] != table[y, x] for x, y in table)
    a, b, c = modular.operation_table(11, "add")
    table = dict(zip(zip(a.tolist(), b.tolist()), c.tolist()))
    assert all(table[x, y] == table[y, x] for x, y in table)


def test_split_is_a_partition_of_the_table_with_the_requested_fraction():
    data = modular.make_dataset(13, "sub", 0.3, seed=4)
    train = {tuple(x) for x in data.X_train.tolist()}
    test = {tuple(x) for x in data.X_test.tolist()}
    assert not train & test and len(train | test) == 169
    assert len(data.X_train) == round(0.3 * 169)
    assert torch.equal(data.y_train, (data.X_train[:, 0] - data.X_train[:, 1]) % 13)
    again = modular.make_dataset(13, "sub", 0.3, seed=4)
    assert torch.equal(again.X_train, data.X_train)
    assert not torch.equal(modular.make_dataset(13, "sub", 0.3, seed=5).X_train, data.X_train)


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        (dict(p=1), ValueError, "p"),
        (dict(p=12, operation="div"), ValueError, "prime"),
        (dict(operation="mul"), ValueError, "operation"),
        (dict(train_fraction=1.0), ValueError, "train_fraction"),
        (dict(p=3, train_fraction=0.01), ValueError, "train_fraction"),
        (dict(seed=-1), ValueError, "seed"),
        (dict(p=9.0), TypeError, "p"),
    ],
)
def test_make_dataset_rejects_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=name):
        modular.make_dataset(**kwargs)


def test_mse_loss_against_a_loop():
    outputs, y = torch.randn(5, 4), torch.tensor([0, 3, 1, 1, 2])
    expected = sum(((outputs[i] - torch.eye(4)[y[i]]) ** 2).sum() for i in range(5)) / 5
    torch.testing.assert_close(mse_one_hot(outputs, y), expected)


def test_build_is_the_seeded_split_network_optimizer_and_loss():
    config = {"p": 13, "operation": "sub", "train_fraction": 0.4, "width": 8, "loss": "cross_entropy", "lr": 0.1, "weight_decay": 2.0}
    setup = modular.build(config, seed=5)
    assert isinstance(setup, Setup)
    data, model, optimizer, loss_fn = setup
    assert torch.equal(data.X_train, modular.make_dataset(13, "sub", 0.4, seed=5).X_train)
    assert torch.equal(model.W1, QuadraticMLP(13, 8, seed=5).W1) and model.width == 8
    assert isinstance(optimizer, torch.optim.AdamW) and optimizer.defaults["lr"] == 0.1 and optimizer.defaults["weight_decay"] == 2.0
    assert [p for group in optimizer.param_groups for p in group["params"]] == list(model.parameters())
    assert loss_fn is LOSSES["cross_entropy"] and modular.build({}, 0).loss_fn is mse_one_hot
    assert not torch.equal(modular.build(config, seed=6).model.W1, model.W1)
    with pytest.raises(ValueError, match="seed"):
        modular.build(config, seed=-1)


def test_run_config_groks_and_is_json_able():
    result = modular.run_config({"p": 23, "train_fraction": 0.5, "width": 64, "n_epochs": 200, "fourier": True}, seed=0)
    assert result["t_fit"] <= result["t_99"] <= 200  # the clock's t_fit, then test accuracy >= 0.99
    assert result["test_acc"][-1] >= 0.99 and result["t_99"] == result["epochs"][np.argmax(result["test_acc"] >= 0.99)]
    assert result["fourier_power"].shape == (len(result["epochs"]), 64, 12)
    assert result["neuron_frequencies"][0] > 6 and result["neuron_frequencies"][-1] < 2
    assert all(isinstance(value, (np.ndarray, float, int)) for value in result.values())  # storable as is
    again = modular.run_config({"p": 23, "train_fraction": 0.5, "width": 64, "n_epochs": 200, "fourier": True}, seed=0)
    np.testing.assert_array_equal(again["test_loss"], result["test_loss"])


@pytest.mark.parametrize(
    "config, name",
    [({"widht": 3}, "widht"), ({"loss": "hinge"}, "loss"), ({"lr": 0.0}, "lr"), ({"weight_decay": -1.0}, "weight_decay")],
)
def test_run_config_rejects_bad_configs(config, name):
    with pytest.raises(ValueError, match=name):
        modular.run_config(config, seed=0)


def test_gradient_runs_are_the_run_config_runs_with_loss_gradients():
    """Each (width, seed) run is run_config's run; the snapshots are the MSE gradient (checked against autograd on W1, W2)."""
    config = {"p": 11, "train_fraction": 0.5, "n_epochs": 20, "eval_every": 5, "weight_decay": 1.0}
    histories, gradients = modular.gradient_runs(config, [8, 16], [0, 3], n_snapshots=5)
    assert [g.shape for g in gradients] == [(2, 5, 3 * 11 * 8), (2, 5, 3 * 11 * 16)]
    reference = modular.run_config({**config, "width": 16}, seed=3)
    np.testing.assert_array_equal(histories[1][1].test_loss, reference["test_loss"])
    assert histories[1][1].config["width"] == 16 and histories[1][1].config["seed"] == 3
    data = modular.make_dataset(11, "add", 0.5, seed=0)  # the gradient at step 0 of width 8, seed 0
    model = QuadraticMLP(11, 8, seed=0)
    mse_one_hot(model(data.X_train), data.y_train).backward()
    expected = torch.cat([model.W1.grad.ravel(), model.W2.grad.ravel()]).double().numpy()
    np.testing.assert_allclose(gradients[0][0, 0], expected, rtol=1e-6, atol=1e-9)
    with pytest.raises(ValueError, match="n_snapshots"):
        modular.gradient_runs(config, [8], [0], n_snapshots=22)
    with pytest.raises(ValueError, match="widths"):
        modular.gradient_runs(config, [0], [0])
