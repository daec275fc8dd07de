"""The energy-bin data of the Ising grokking chapter, checked against enumeration and by construction."""

import numpy as np
import pytest

import torch

from grokbook import ising
from grokbook.losses import cross_entropy
from grokbook.models import IsingMLP
from grokbook.tasks import Setup, ising_bins, ising_bins_data


def enumerated_energies(L: int) -> np.ndarray:
    codes = np.arange(2 ** (L * L), dtype=np.int64)[:, None]
    spins = (2 * ((codes >> np.arange(L * L)) & 1) - 1).astype(np.int8).reshape(-1, L, L)
    return np.unique(ising.energy(spins))


def test_allowed_energies_match_enumeration_of_4x4():
    np.testing.assert_array_equal(ising_bins_data.allowed_energies(4), enumerated_energies(4))


def test_allowed_energies_of_8x8_and_paper_bins_hold_eight_levels_each():
    levels = ising_bins_data.allowed_energies(8)
    assert levels[0] == -128 and levels[-1] == 128 and -124 not in levels and -120 in levels
    bins = ising_bins_data.check_bins(ising_bins_data.PAPER_BINS)
    assert [int(((levels >= lo) & (levels <= hi)).sum()) for lo, hi in bins] == [8, 8, 8, 8]


@pytest.mark.parametrize(
    "bins, message",
    [
        ([(-120, -92)], "n_bins >= 2"),
        ([(-92, -120), (-88, -60)], "empty"),
        ([(-120, -92), (-96, -60)], "overlap"),
        ([(-88, -60), (-120, -92)], "overlap"),
        ([(-124, -92), (-88, -60)], "-124"),
        ([(-120, -90), (-88, -60)], "-90"),
        ([(-120.5, -92), (-88, -60)], "integer"),
    ],
)
def test_bad_bins_raise(bins, message):
    with pytest.raises(ValueError, match=message):
        ising_bins_data.check_bins(bins)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="L must be even"):
        ising_bins_data.allowed_energies(7)
    with pytest.raises(ValueError, match="n_per_bin"):
        ising_bins_data.energy_bin_data(n_per_bin=0)
    with pytest.raises(ValueError, match="n must be"):
        ising_bins_data.invert_spins(np.ones((2, 4, 4), dtype=np.int8), 17)
    with pytest.raises(ValueError, match="T_end"):
        ising_bins_data.annealed_pool(T_start=1.0, T_end=2.0)


def test_bin_labels():
    bins = ising_bins_data.check_bins(ising_bins_data.PAPER_BINS)
    np.testing.assert_array_equal(ising_bins_data.bin_labels(np.array([-128, -120, -92, -88, 4, 8]), bins), [-1, 0, 0, 1, 3, -1])


@pytest.fixture(scope="module")
def small_data():
    return ising_bins_data.energy_bin_data(n_per_bin=80, n_chains=512, n_sweeps=150, seed=3)


def test_energies_are_flat_within_each_bin(small_data):
    """80 per bin over 8 levels: exactly 10 configurations at every allowed level, labels right."""
    levels = ising_bins_data.allowed_energies(8)
    for spins, labels in ((small_data.train_spins, small_data.train_labels), (small_data.test_spins, small_data.test_labels)):
        energies = ising.energy(spins)
        np.testing.assert_array_equal(labels, ising_bins_data.bin_labels(energies, small_data.bins))
        for k, (lo, hi) in enumerate(small_data.bins):
            in_bin = levels[(levels >= lo) & (levels <= hi)]
            values, counts = np.unique(energies[labels == k], return_counts=True)
            np.testing.assert_array_equal(values, in_bin)
            assert np.all(counts == 10)


def test_draws_come_from_distinct_chains_when_possible():
    records, energies = ising_bins_data.annealed_pool(n_chains=256, n_sweeps=100, seed=1)
    bins = ising_bins_data.check_bins(ising_bins_data.PAPER_BINS)
    spins = ising_bins_data.draw_flat(records, energies, bins, 40, seed=0)  # 5 per level
    # each level's 5 picks: distinct configurations except at E = -120 (few states, many visits)
    energies_drawn = ising.energy(spins)
    for level in np.unique(energies_drawn):
        if level > -100:
            picked = spins[energies_drawn == level].reshape(-1, 64)
            assert len(np.unique(picked, axis=0)) == len(picked)


def test_inverted_set_flips_exactly_n_spins():
    rng = np.random.default_rng(0)
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(50, 8, 8))
    flipped = ising_bins_data.invert_spins(spins, 5, seed=1)
    assert np.all((flipped != spins).sum(axis=(1, 2)) == 5)


def test_inverted_labels_follow_energies(small_data):
    energies = ising.energy(small_data.inverted_spins)
    np.testing.assert_array_equal(small_data.inverted_labels, ising_bins_data.bin_labels(energies, small_data.bins))
    assert len(small_data.inverted_spins) + small_data.n_inverted_dropped == len(small_data.train_spins)
    source = small_data.train_spins[small_data.inverted_source]
    assert np.all((source != small_data.inverted_spins).sum(axis=(1, 2)) == small_data.n_inverted)


def test_overlap_mask_against_a_python_set():
    rng = np.random.default_rng(2)
    reference = rng.choice(np.array([-1, 1], dtype=np.int8), size=(30, 4, 4))
    query = np.concatenate([reference[:7], rng.choice(np.array([-1, 1], dtype=np.int8), size=(20, 4, 4))])
    expected = np.array([q.tobytes() in {r.tobytes() for r in reference} for q in query])
    np.testing.assert_array_equal(ising_bins_data.overlap_mask(reference, query), expected)
    assert expected[:7].all()


def test_dataset_views(small_data):
    random, unseen, inverted = (small_data.dataset(t) for t in ("random", "unseen", "inverted"))
    assert random.X_train.shape == (320, 64) and random.n_classes == 4
    assert len(unseen.X_test) == int((~small_data.test_seen).sum())
    assert len(inverted.X_test) == len(small_data.inverted_spins)
    with pytest.raises(ValueError, match="test"):
        small_data.dataset("phase")


def test_build_is_the_seeded_network_on_the_random_test_set():
    config = {"n_per_bin": 16, "beta": 2.0, "width": 12, "depth": 2, "init_scale": 3.0, "optimizer": "adamw", "lr": 1e-3}
    setup = ising_bins.build(config, seed=4)
    assert isinstance(setup, Setup)
    data = ising_bins_data.energy_bin_data(n_per_bin=16, seed=0).dataset("random")
    assert torch.equal(setup.data.X_train, data.X_train) and torch.equal(setup.data.X_test, data.X_test)
    reference = IsingMLP(width=12, depth=2, init_scale=3.0, seed=4)
    assert all(torch.equal(a, b) for a, b in zip(setup.model.parameters(), reference.parameters()))
    assert type(setup.optimizer) is torch.optim.AdamW and setup.optimizer.defaults["lr"] == 1e-3
    logits, y = torch.randn(5, 4), torch.tensor([0, 1, 2, 3, 0])
    torch.testing.assert_close(setup.loss_fn(logits, y), cross_entropy(2.0 * logits, y))
    assert type(ising_bins.build({"n_per_bin": 16}, 0).optimizer) is torch.optim.Adam  # L2 in Adam, the paper's
    sgd = ising_bins.build({"n_per_bin": 16, "optimizer": "sgd", "lr": 0.05}, 0).optimizer
    assert type(sgd) is torch.optim.SGD and sgd.defaults["momentum"] == 0.9 and sgd.defaults["weight_decay"] == 5e-4
    assert type(ising_bins.build({"n_per_bin": 16, "optimizer": "rmsprop"}, 0).optimizer) is torch.optim.RMSprop
    with pytest.raises(ValueError, match="optimizer"):
        ising_bins.build({"n_per_bin": 16, "optimizer": "lbfgs"}, 0)


def test_run_config_rejects_unknown_keys():
    with pytest.raises(ValueError, match="unknown keys"):
        ising_bins.run_config({"learning_rate": 1e-3}, seed=0)


def test_run_config_small_run_returns_numbers():
    config = {"n_per_bin": 16, "n_epochs": 20, "eval_every": 10, "snapshot_every": 10, "n_pca_samples": 8, "detail_epochs": [20]}
    result = ising_bins.run_config(config, seed=1)
    np.testing.assert_array_equal(result["epochs"], [0, 10, 20])
    np.testing.assert_array_equal(result["snapshot_epochs"], [0, 10, 20])
    assert result["sparsity"].shape == (3, 5) and result["n90_test"].shape == (3, 5)
    assert result["grad_2d@20"].shape == (5, 8, 2) and result["act_2d@20"].shape == (4, 64, 2)
    assert isinstance(result["t_fit"], float) and result["test_plateau"] == pytest.approx(result["test_acc"][-1])
    assert {"t_grok", "delay", "test_at_fit"} <= set(result)  # History.to_payload
    data = ising_bins.task_data(config)
    assert result["acc_bins_seen"].shape == result["acc_bins_unseen"].shape == (3, 4)
    np.testing.assert_array_equal(result["n_bins_seen"][0], np.bincount(data.test_labels[data.test_seen], minlength=4))
    # the per-bin accuracies, weighted by the bins' counts, give the test accuracy of the last snapshot
    counts = {m: np.bincount(data.test_labels[mask], minlength=4) for m, mask in (("seen", data.test_seen), ("unseen", ~data.test_seen))}
    pooled = sum(np.nansum(result[f"acc_bins_{m}"][-1] * counts[m]) for m in counts) / len(data.test_labels)
    assert pooled == pytest.approx(result["test_acc"][-1])
    again = ising_bins.run_config(config, seed=1)
    np.testing.assert_array_equal(result["test_acc"], again["test_acc"])
    with pytest.raises(ValueError, match="detail_epochs"):
        ising_bins.run_config({**config, "detail_epochs": [15]}, seed=1)


def test_sweeps_name_known_config_keys():
    for key, values, fixed in ising_bins.SWEEPS.values():
        assert key in ising_bins.DEFAULT_CONFIG and set(fixed) <= set(ising_bins.DEFAULT_CONFIG) and len(values) >= 5


def test_sweep_config_at_each_scale():
    assert ising_bins.sweep_config("beta", 0.5, "quick") == {"snapshot_every": 2500, "beta": 0.5}
    assert ising_bins.sweep_config("beta", 0.5) == {"beta": 0.5}
    assert ising_bins.sweep_config("beta", 4.0) == {"n_epochs": 40_000, "beta": 4.0}
    assert ising_bins.sweep_config("dropout", 0.1) == {"width": 144, "dropout": 0.1}
    assert ising_bins.sweep_config("dropout", 0.04) == {"width": 144, "n_epochs": 40_000, "dropout": 0.04}
    for name, (key, values, _) in ising_bins.SWEEPS.items():  # every long run is a swept value
        assert set(ising_bins.PAPER_LONG_RUNS.get(name, [])) <= set(values)
    with pytest.raises(ValueError, match="name"):
        ising_bins.sweep_config("temperature", 1.0)
    with pytest.raises(ValueError, match="scale"):
        ising_bins.sweep_config("beta", 1.0, "huge")
