"""Modular arithmetic: tables, splits, the quadratic network, Fourier measures, one grokking run."""


import numpy as np
import pytest
import torch

from grokbook import modular


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


def test_row_lookup_equals_the_one_hot_product():
    torch.manual_seed(0)
    model = modular.QuadraticMLP(11, 16)
    X = modular.make_dataset(11, "add", 0.5).X_train
    dense = modular.QuadraticMLP(11, 16, dense_one_hot=True)
    dense.load_state_dict(model.state_dict())
    torch.testing.assert_close(model(X), dense(X))
    one_hot = torch.cat([torch.eye(11)[X[:, 0]], torch.eye(11)[X[:, 1]]], dim=1)  # independent reference
    torch.testing.assert_close(model(X), (one_hot @ model.W1.detach()) ** 2 @ model.W2.detach())


def test_mse_loss_against_a_loop():
    outputs, y = torch.randn(5, 4), torch.tensor([0, 3, 1, 1, 2])
    expected = sum(((outputs[i] - torch.eye(4)[y[i]]) ** 2).sum() for i in range(5)) / 5
    torch.testing.assert_close(modular.mse_one_hot(outputs, y), expected)


@pytest.mark.parametrize("p", [7, 8, 97])
def test_fourier_basis_is_orthonormal(p):
    basis = modular.fourier_basis(p)
    np.testing.assert_allclose(basis @ basis.T, np.eye(p), atol=1e-12)


def test_fourier_power_of_pure_modes_and_of_noise():
    p = 31
    x = np.arange(p)
    embedding = np.stack([np.cos(2 * np.pi * 5 * x / p + 0.3), 2 * np.sin(2 * np.pi * 11 * x / p)], axis=1)  # (p, 2)
    power = modular.fourier_power(embedding)
    assert power.shape == (2, 16)
    np.testing.assert_allclose(power.sum(), (embedding**2).sum())  # Parseval
    np.testing.assert_allclose(power[:, [5, 11]] / power.sum(axis=1, keepdims=True), [[1, 0], [0, 1]], atol=1e-12)
    np.testing.assert_allclose(modular.effective_frequencies(power), [1.0, 1.0])
    assert modular.effective_frequencies(power.sum(axis=0)) == pytest.approx(1 / (1 / 25 + 16 / 25))
    assert modular.neuron_frequencies(power) == pytest.approx(1.0)
    # Gaussian noise, N columns: the spectrum of the whole embedding is chi^2 with N (k = 0) and 2N (k > 0)
    # degrees of freedom out of a total of pN; to first order in 1/N its participation ratio is
    # E[T^2] / sum_k E[X_k^2] (T the total, X_k the powers).
    n_columns = 64
    rng = np.random.default_rng(0)
    values = [modular.effective_frequencies(modular.fourier_power(rng.normal(size=(p, n_columns))).sum(axis=0)) for _ in range(40)]
    dof = n_columns * np.array([1] + [2] * 15)
    expected = (2 * p * n_columns + (p * n_columns) ** 2) / (2 * dof + dof**2).sum()
    standard_error = np.std(values, ddof=1) / np.sqrt(len(values))
    assert abs(np.mean(values) - expected) < 4 * standard_error + 0.01 * expected


def test_neuron_frequencies_of_random_embeddings_is_about_a_quarter_of_p():
    rng = np.random.default_rng(1)
    for p in (31, 97):
        values = [modular.neuron_frequencies(modular.fourier_power(rng.normal(size=(p, 128)))) for _ in range(10)]
        assert abs(np.mean(values) / (p / 4) - 1) < 0.12  # the docstring's "about p / 4" (8.6 for 31, 25.2 for 97)


def test_neuron_frequencies_weights_neurons_by_their_norm():
    power = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 3.0]])  # neuron 0 uses 2 frequencies, neuron 1 one
    assert modular.neuron_frequencies(power) == pytest.approx((2 * 2 + 3 * 1) / 5)
    np.testing.assert_allclose(modular.neuron_frequencies(np.stack([power, power])), [1.4, 1.4])


def test_effective_frequencies_of_equal_shares():
    assert modular.effective_frequencies(np.array([0, 0.5, 0, 0.5])) == pytest.approx(2.0)
    np.testing.assert_allclose(modular.effective_frequencies(np.ones((3, 10))), 10.0)
    with pytest.raises(ValueError, match="power"):
        modular.effective_frequencies(np.array([-1.0, 2.0]))


def test_first_epoch_at():
    epochs, values = np.array([0, 10, 20, 30]), np.array([0.1, 0.5, 0.995, 1.0])
    assert modular.first_epoch_at(epochs, values, 0.99) == 20
    assert np.isnan(modular.first_epoch_at(epochs, values, 1.1))
    assert modular.first_epoch_at(epochs, 1 - values, 0.5, below=True) == 10


def test_run_config_groks_and_is_json_able():
    result = modular.run_config({"p": 23, "train_fraction": 0.5, "width": 64, "n_epochs": 200, "fourier": True}, seed=0)
    assert result["steps_to_fit"] <= result["steps_to_grok"] <= 200
    assert result["test_acc"][-1] >= 0.99
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
    torch.manual_seed(0)
    model = modular.QuadraticMLP(11, 8)
    modular.mse_one_hot(model(data.X_train), data.y_train).backward()
    expected = torch.cat([model.W1.grad.ravel(), model.W2.grad.ravel()]).double().numpy()
    np.testing.assert_allclose(gradients[0][0, 0], expected, rtol=1e-6, atol=1e-9)
    with pytest.raises(ValueError, match="n_snapshots"):
        modular.gradient_runs(config, [8], [0], n_snapshots=22)
    with pytest.raises(ValueError, match="widths"):
        modular.gradient_runs(config, [0], [0])
