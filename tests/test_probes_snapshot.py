"""Every probe as one snapshot callback: it leaves training unchanged, uses the run's loss, and its curves have the right shapes."""

from functools import partial

import numpy as np
import pytest
import torch

from grokbook.data import Dataset
from grokbook.losses import cross_entropy, mse_one_hot
from grokbook.models import XORMLP, IsingMLP, QuadraticMLP
from grokbook.probes import gradients
from grokbook.probes import snapshot as probes
from grokbook.tasks.modular import make_dataset
from grokbook.tasks.xor import make_optimizer, xor_dataset
from grokbook.training import History, train


def _modular_hidden(model: QuadraticMLP, X: torch.Tensor) -> torch.Tensor:
    return (model.W1[X[:, 0]] + model.W1[model.p + X[:, 1]]) ** 2


def _modular_run(n_epochs: int = 40, snapshot: object = None) -> History:
    data = make_dataset(p=11, train_fraction=0.6, seed=0)
    model = QuadraticMLP(11, width=16, seed=0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1.0)
    epochs = tuple(range(0, n_epochs + 1, 5)) if snapshot else ()
    return train(model, data, optimizer, n_epochs=n_epochs, loss_fn=mse_one_hot, eval_every=5,
                 snapshot_epochs=epochs, snapshot=snapshot, progress=False)  # fmt: skip


def _modular_history() -> History:
    callback = partial(
        probes.probe_snapshot, loss_fn=mse_one_hot, representation=_modular_hidden, embedding=lambda m: m.embedding, n_samples=20
    )
    return _modular_run(snapshot=callback)


def test_probe_snapshot_leaves_training_unchanged():
    with_probes, plain = _modular_history(), _modular_run()
    np.testing.assert_array_equal(with_probes.test_acc, plain.test_acc)
    np.testing.assert_array_equal(with_probes.train_loss, plain.train_loss)


def test_probe_curves_shapes():
    history = _modular_history()
    epochs, curves = probes.probe_curves(history)
    assert epochs.tolist() == list(range(0, 41, 5))
    assert list(curves) == list(probes.PROBES)
    assert all(c.shape == epochs.shape and np.all(np.isfinite(c)) for c in curves.values())
    assert np.all(curves["sparsity"] >= 0) and np.all(curves["sparsity"] <= 1)
    assert np.all(curves["fourier"] >= 1) and np.all(curves["fourier"] <= 11 // 2 + 1)
    with pytest.raises(ValueError, match="snapshots"):
        probes.probe_curves(_modular_run())


def test_probe_snapshot_counts_the_gradients_of_the_loss_it_is_given():
    data = make_dataset(p=11, train_fraction=0.6, seed=0)
    model = QuadraticMLP(11, width=16, seed=3)
    index = torch.randperm(len(data.X_test), generator=torch.Generator().manual_seed(0))[:30]  # the probe's samples
    X, y = data.X_test[index], data.y_test[index]
    for loss_fn in (mse_one_hot, cross_entropy):
        out = probes.probe_snapshot(model, data, 0, loss_fn=loss_fn, representation=_modular_hidden, n_samples=30)
        expected = gradients.gradient_components(gradients.per_sample_gradients(model, X, y, loss_fn=loss_fn), 0.9)
        assert out["n90"] == expected
    with pytest.raises(TypeError, match="loss_fn"):
        probes.probe_snapshot(model, data, 0, representation=_modular_hidden)


def test_xor_snapshot_runs():
    data, model = xor_dataset(), XORMLP(8, seed=0)
    callback = partial(probes.probe_snapshot, loss_fn=cross_entropy, representation=lambda m, X: m.hidden(X)[-1], n_samples=4)
    history = train(model, data, make_optimizer(model, 0.5), n_epochs=20, eval_every=10, snapshot_epochs=(0, 20), snapshot=callback, progress=False)
    _, curves = probes.probe_curves(history)
    assert "fourier" not in curves and np.all(curves["n90"] <= 3)  # 4 samples span at most 3 directions


def test_probe_snapshot_validates():
    with pytest.raises(ValueError, match="n_samples"):
        probes.probe_snapshot(XORMLP(2), xor_dataset(), 0, loss_fn=cross_entropy, representation=lambda m, X: X, n_samples=1)


def test_snapshot_metrics_through_train():
    g = torch.Generator().manual_seed(0)
    X = torch.sign(torch.randn(120, 64, generator=g))
    y = (X[:, :32].sum(1) > 0).long() + 2 * (X[:, 32:].sum(1) > 0).long()
    data = Dataset(X[:80], y[:80], X[80:], y[80:], n_classes=4)
    model = IsingMLP(width=16, depth=2, init_scale=1.0, dropout=0.1, seed=0)
    callback = partial(probes.snapshot_metrics, beta=2.0, n_pca_samples=30, detail_epochs=(20,), extra_tests={"same": (X[80:], y[80:])})
    history = train(model, data, torch.optim.Adam(model.parameters(), lr=1e-2), n_epochs=20, eval_every=10, snapshot_epochs=(0, 20), snapshot=callback, loss_fn=partial(cross_entropy, beta=2.0), progress=False)
    first, last = history.snapshots[0], history.snapshots[20]
    assert first["sparsity"].shape == (3,) and first["n90_train"].shape == (3,)
    assert np.all((1 <= last["n90_test"]) & (last["n90_test"] <= 30))
    assert last["acc_same"] == pytest.approx(history.test_acc[-1])
    assert last["grad_2d"].shape == (3, 30, 2) and last["act_2d"].shape == (2, 40, 2) and "grad_2d" not in first
    assert model.training is False  # train() leaves eval mode; the callback restored train mode in between


def test_snapshot_metrics_default_loss_is_the_cross_entropy_at_beta():
    model = IsingMLP(width=8, depth=1, seed=2)
    X, y = torch.randn(40, 64, generator=torch.Generator().manual_seed(1)), torch.arange(40) % 4
    data = Dataset(X[:20], y[:20], X[20:], y[20:], n_classes=4)
    default = probes.snapshot_metrics(model, data, 0, beta=3.0, n_pca_samples=12)
    given = probes.snapshot_metrics(model, data, 0, beta=3.0, loss_fn=partial(cross_entropy, beta=3.0), n_pca_samples=12)
    for key in default:
        np.testing.assert_array_equal(default[key], given[key])


def test_probes_can_be_chosen_and_default_to_the_models_hidden_and_embedding():
    data = make_dataset(p=11, train_fraction=0.6, seed=0)
    model = QuadraticMLP(11, width=16, seed=1)
    full = probes.probe_snapshot(model, data, 0, loss_fn=mse_one_hot, representation=_modular_hidden,
                                 embedding=lambda m: m.embedding, n_samples=20)  # fmt: skip
    default = probes.probe_snapshot(model, data, 0, loss_fn=mse_one_hot, n_samples=20)
    assert default == full and list(default) == list(probes.PROBES)  # hidden(X)[-1] and .embedding by default
    chosen = probes.probe_snapshot(model, data, 0, loss_fn=mse_one_hot, probes=("weights", "fourier"), n_samples=20)
    assert list(chosen) == ["weight_norm", "sparsity", "participation", "fourier"]
    assert chosen == {k: full[k] for k in chosen}
    assert list(probes.probe_snapshot(model, data, 0, loss_fn=mse_one_hot, probes="n90")) == ["n90"]
    assert probes.select_probes(["fourier", "gradients", "sparsity"]) == ("sparsity", "n90", "fourier")


def test_probe_selection_errors_name_what_is_allowed():
    data, model = xor_dataset(), XORMLP(4, seed=0)
    with pytest.raises(ValueError, match="unknown name 'weight'.*families: weights"):
        probes.probe_snapshot(model, data, 0, loss_fn=cross_entropy, probes=("weight",))
    with pytest.raises(ValueError, match="fourier.*embedding"):
        probes.probe_snapshot(model, data, 0, loss_fn=cross_entropy, probes=("fourier",))
    with pytest.raises(TypeError, match="probes"):
        probes.probe_snapshot(model, data, 0, loss_fn=cross_entropy, probes=())
    plain = torch.nn.Linear(2, 2)  # no hidden(): the default leaves rep_dimension out, asking for it says how
    assert "rep_dimension" not in probes.probe_snapshot(plain, data, 0, loss_fn=cross_entropy, n_samples=4)
    with pytest.raises(TypeError, match="hidden"):
        probes.probe_snapshot(plain, data, 0, loss_fn=cross_entropy, probes=("representation",), n_samples=4)
