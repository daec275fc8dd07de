"""Tests of grokbook.probes against independent references (scikit-learn, closed forms)."""

from functools import partial

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA

from grokbook import probes
from grokbook.models import IsingMLP
from grokbook.modular import QuadraticMLP, make_dataset
from grokbook.train import History, train
from grokbook.xor import XORMLP, make_optimizer, xor_dataset


def test_weight_norm_matches_the_flattened_weights():
    model = IsingMLP(n_inputs=6, n_classes=3, width=5, depth=2, seed=1)
    flat = torch.cat([layer.weight.detach().double().ravel() for layer in model.layers])
    assert probes.weight_norm(model) == pytest.approx(float(flat.norm()), rel=1e-12)


def test_weight_norm_ignores_biases():
    model = XORMLP(4)
    with torch.no_grad():
        model.hidden.bias.fill_(100.0)
    expected = np.sqrt(sum(float((p.detach().double() ** 2).sum()) for p in (model.hidden.weight, model.out.weight)))
    assert probes.weight_norm(model) == pytest.approx(expected, rel=1e-12)


def test_representation_dimension_against_sklearn():
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((200, 7)) * np.array([3.0, 2.0, 1.0, 1.0, 0.5, 0.1, 0.01])
    p = PCA().fit(Z).explained_variance_ratio_
    expected = np.exp(-(p * np.log(p)).sum())
    assert probes.representation_dimension(Z) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("m", [1, 2, 5])
def test_representation_dimension_counts_equal_directions(m):
    # samples +-e_k for k < m: equal variance along m orthogonal axes, none elsewhere
    Z = np.concatenate([np.eye(10)[:m], -np.eye(10)[:m]])
    assert probes.representation_dimension(Z) == pytest.approx(m, rel=1e-12)


def test_representation_dimension_rejects_bad_input():
    with pytest.raises(ValueError, match="n_samples >= 2"):
        probes.representation_dimension(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="zero variance"):
        probes.representation_dimension(np.ones((4, 3)))


def test_transition_time_of_a_ramp_is_exact():
    t = np.arange(0, 101, 10.0)
    v = np.clip((t - 20) / 40, 0, 1)  # 0 until 20, 1 from 60; half-way at 40
    assert probes.transition_time(t, v, start=0) == pytest.approx(40.0)
    assert probes.transition_time(t, 5 - 3 * v, start=0) == pytest.approx(40.0)  # falling curves alike
    assert probes.transition_time(t, v, start=0, level=0.25) == pytest.approx(30.0)
    # from start = 30 the baseline is v(30) = 0.25: half-way to 1 is 0.625, at t = 45
    assert probes.transition_time(t, v, start=30) == pytest.approx(45.0)


def test_transition_time_is_nan_for_a_curve_that_does_not_move_after_start():
    t = np.arange(0, 101, 10.0)
    v = np.where(t < 30, 1.0 - t / 30, 0.0)  # all the change before 30
    assert np.isnan(probes.transition_time(t, v, start=40))
    assert np.isnan(probes.transition_time(t, np.ones_like(t), start=0))


def test_transition_time_validates():
    t = np.arange(5.0)
    with pytest.raises(ValueError, match="level"):
        probes.transition_time(t, t, start=0, level=1.5)
    with pytest.raises(ValueError, match="start"):
        probes.transition_time(t, t, start=10)
    with pytest.raises(ValueError, match="increasing"):
        probes.transition_time(t[::-1], t, start=0)


def _modular_history(n_epochs: int = 40) -> History:
    data = make_dataset(p=11, train_fraction=0.6, seed=0)
    torch.manual_seed(0)
    model = QuadraticMLP(11, width=16)
    snapshot = partial(probes.probe_snapshot, representation=lambda m, X: (m.W1[X[:, 0]] + m.W1[m.p + X[:, 1]]) ** 2, embedding=lambda m: m.embedding, n_samples=20)
    return train(model, data, torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1.0), n_epochs=n_epochs, eval_every=5,
                 snapshot_epochs=tuple(range(0, n_epochs + 1, 5)), snapshot=snapshot, progress=False)  # fmt: skip


def test_probe_snapshot_leaves_training_unchanged():
    with_probes = _modular_history()
    data = make_dataset(p=11, train_fraction=0.6, seed=0)
    torch.manual_seed(0)
    model = QuadraticMLP(11, width=16)
    plain = train(model, data, torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1.0), n_epochs=40, eval_every=5, progress=False)
    np.testing.assert_array_equal(with_probes.test_acc, plain.test_acc)
    np.testing.assert_array_equal(with_probes.train_loss, plain.train_loss)


def test_probe_curves_and_lead_times_shapes():
    history = _modular_history()
    epochs, curves = probes.probe_curves(history)
    assert epochs.tolist() == list(range(0, 41, 5))
    assert list(curves) == list(probes.PROBES)
    assert all(c.shape == epochs.shape and np.all(np.isfinite(c)) for c in curves.values())
    assert np.all(curves["sparsity"] >= 0) and np.all(curves["sparsity"] <= 1)
    assert np.all(curves["fourier"] >= 1) and np.all(curves["fourier"] <= 11 // 2 + 1)


def test_lead_times_are_defined_against_the_test_accuracy():
    t = np.arange(0, 101, 10)
    acc = np.clip((t - 40) / 40, 0, 1) * 0.9 + 0.1  # half-way at 60
    history = History(t, acc, acc, acc, acc, snapshots={int(e): {"early": float(np.clip((e - 20) / 40, 0, 1)), "flat": 1.0} for e in t})
    leads = probes.lead_times(history, start=0, end=80)
    assert leads["test_acc"]["t"] == pytest.approx(60)
    assert leads["early"]["t"] == pytest.approx(40) and leads["early"]["lead"] == pytest.approx(20)
    assert leads["early"]["lead_fraction"] == pytest.approx(20 / 80)
    with pytest.raises(ValueError, match="end"):
        probes.lead_times(history, start=10, end=10)
    assert np.isnan(leads["flat"]["t"]) and leads["flat"]["change"] == 0.0
    assert leads["test_acc"]["change"] == pytest.approx((1.0 - 0.1) / 0.1)


def test_xor_snapshot_runs():
    data = xor_dataset()
    torch.manual_seed(0)
    model = XORMLP(8)
    snapshot = partial(probes.probe_snapshot, representation=lambda m, X: torch.tanh(m.hidden(X)), n_samples=4)
    history = train(model, data, make_optimizer(model, 0.5), n_epochs=20, eval_every=10, snapshot_epochs=(0, 20), snapshot=snapshot, progress=False)
    _, curves = probes.probe_curves(history)
    assert "fourier" not in curves and np.all(curves["n90"] <= 3)  # 4 samples span at most 3 directions


def test_probe_snapshot_validates():
    with pytest.raises(ValueError, match="n_samples"):
        probes.probe_snapshot(XORMLP(2), xor_dataset(), 0, representation=lambda m, X: X, n_samples=1)


def test_progress_is_zero_at_start_and_one_on_the_plateau():
    t = np.arange(0, 101, 10.0)
    v = 2.0 + 3.0 * np.clip((t - 20) / 40, 0, 1)
    p = probes.progress(t, v, start=20)
    assert p[t == 20] == pytest.approx(0.0) and np.allclose(p[t >= 60], 1.0)
    assert np.isnan(probes.progress(t, np.ones_like(t), start=0)).all()


def test_separation_time_needs_persistent_disjoint_bands():
    t = np.arange(0.0, 70, 10)
    a = np.array([[0, 0, 2, 0, 2, 2, 2], [1, 1, 3, 1, 3, 3, 3]], dtype=float)
    b = np.array([[0] * 7, [1.5] * 7], dtype=float)
    assert probes.separation_time(t, a, b) == 40.0  # the excursion at 20 lasts one point
    assert probes.separation_time(t, a, b, persist=1) == 20.0
    assert probes.separation_time(t, b, a, persist=2) == 40.0  # symmetric in the groups
    assert np.isnan(probes.separation_time(t, a, b, persist=4))
    assert probes.separation_time(t, a, b - 2, persist=1) == 0.0  # b below a from the start


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(times=[0.0, 0.0]), "times"),
        (dict(band_a=np.zeros((2, 3))), "band_a"),
        (dict(band_b=np.array([[1.0, 1.0], [0.0, 0.0]])), "band_b"),
        (dict(persist=3), "persist"),
    ],
)
def test_separation_time_validates(kwargs, name):
    args = dict(times=[0.0, 1.0], band_a=np.zeros((2, 2)), band_b=np.ones((2, 2)), persist=1) | kwargs
    with pytest.raises(ValueError, match=name):
        probes.separation_time(args.pop("times"), args.pop("band_a"), args.pop("band_b"), **args)
