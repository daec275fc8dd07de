"""Rule-30 data against the Wolfram lookup table; the task's runs through train(); the aligned exponent."""

import numpy as np
import pytest
import torch

from grokbook.losses import IGNORE_INDEX
from grokbook.tasks import automata
from grokbook.tasks import automata_data as data_module
from grokbook.tasks.automata_exponent import aligned_exponent
from grokbook.tensor_network import ABSENT
from grokbook.training import train


def rule30_by_table(x: np.ndarray) -> np.ndarray:
    """One step of rule 30 from its Wolfram number: new cell = bit (4 a + 2 b + c) of 30, zeros outside."""
    padded = np.pad(x, ((0, 0), (1, 1)))
    out = np.empty_like(x)
    for i in range(x.shape[1]):
        a, b, c = padded[:, i], padded[:, i + 1], padded[:, i + 2]
        out[:, i] = (30 >> (4 * a + 2 * b + c)) & 1
    return out


def test_rule30_matches_wolfram_table_and_composes():
    x = data_module.random_strings(50, 17, seed=3)
    expected = x.numpy()
    for j in range(1, 4):
        expected = rule30_by_table(expected)
        np.testing.assert_array_equal(data_module.rule30(x, j).numpy(), expected)


def test_rule30_is_2j_plus_1_local_in_the_bulk():
    x = data_module.random_strings(200, 21, seed=0)
    j, i = 2, 10
    for offset in range(-5, 6):
        flipped = x.clone()
        flipped[:, i + offset] ^= 1
        changed = (data_module.rule30(flipped, j)[:, i] != data_module.rule30(x, j)[:, i]).any()
        assert bool(changed) == (abs(offset) <= j)  # depends on every cell within j, none beyond


def test_all_strings_are_every_binary_string():
    X = data_module.all_strings(5)
    assert X.shape == (32, 5)
    assert len({tuple(row.tolist()) for row in X}) == 32
    np.testing.assert_array_equal(X @ (2 ** torch.arange(4, -1, -1)), torch.arange(32))


def test_random_crop_is_a_window_with_recomputed_labels():
    x = data_module.random_strings(8, 10, seed=1)
    generator = torch.Generator().manual_seed(0)
    lengths = set()
    for _ in range(40):
        window, labels = data_module.random_crop(x, 6, 10, 2, generator=generator)
        length = window.shape[1]
        lengths.add(length)
        assert 6 <= length <= 10
        offsets = [o for o in range(10 - length + 1) if torch.equal(x[:, o : o + length], window)]
        assert offsets
        assert torch.equal(labels, data_module.rule30(window, 2))
    assert lengths == set(range(6, 11))


def test_crop_dataset_holds_every_window_once():
    data = data_module.crop_dataset(3, 6, 1, n_held_out=5, seed=0)
    X = torch.cat([data.X_train, data.X_test])
    y = torch.cat([data.y_train, data.y_test])
    assert len(X) == 8 + 16 + 32 + 64 and len(data.X_test) == 5
    assert not (data.X_test == ABSENT).any()  # held out: strings of the longest length
    seen = set()
    for row, labels in zip(X, y):
        present = row != ABSENT
        assert present[present.nonzero()[0, 0] :].all()  # padding only at the left end
        assert torch.all(labels[~present] == IGNORE_INDEX)
        assert torch.equal(labels[present], data_module.rule30(row[present][None], 1)[0])
        seen.add(tuple(row[present].tolist()))
    assert len(seen) == len(X)


def test_run_config_records_curves_and_rejects_bad_configs():
    config = {"d": 3, "L_min": 3, "L_max": 4, "n_held_out": 2, "n_epochs": 4, "snapshot_every": 2, "n_long": 4, "L_long": 30, "batch_size": 8}
    out = automata.run_config(config, 0)
    np.testing.assert_array_equal(out["epochs"], [0, 2, 4])
    np.testing.assert_array_equal(out["snapshot_epochs"], [0, 2, 4])
    for key in ("train_acc", "test_acc", "held_out_acc"):
        assert out[key].shape == (3,) and np.all((out[key] >= 0) & (out[key] <= 1))
    assert np.all((out["rep_dimension"] >= 1) & (out["rep_dimension"] <= 3 + 1e-9))  # exp(S) of d = 3 directions
    for key in ("t_fit", "t_grok", "t_99", "t_long", "t_dimension", "wall_time"):
        assert isinstance(out[key], float)
    with pytest.raises(ValueError, match="unknown keys"):
        automata.run_config({"D": 3}, 0)
    with pytest.raises(ValueError, match="lr"):
        automata.run_config({"lr": 0.0}, 0)


def test_build_returns_what_train_needs():
    setup = automata.build({"d": 3, "L_min": 3, "L_max": 4, "n_held_out": 2, "n_long": 4, "L_long": 30}, 2)
    assert setup.data.X_test.shape == (4, 30) and setup.data.X_train.shape[1] == 4
    history = train(setup.model, setup.data, setup.optimizer, n_epochs=2, loss_fn=setup.loss_fn, progress=False)
    assert history.train_acc.shape == (2,)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: data_module.rule30(torch.zeros(2, 3, dtype=torch.long), 0), "j"),
        (lambda: data_module.rule30(torch.full((2, 3), 2), 1), "0 and 1"),
        (lambda: data_module.all_strings(0), "L"),
        (lambda: data_module.crop_dataset(5, 4, 1), "L_min"),
        (lambda: data_module.crop_dataset(2, 4, 1, n_held_out=16), "n_held_out"),
        (lambda: data_module.random_crop(torch.zeros(2, 5, dtype=torch.long), 3, 6, 1, generator=torch.Generator()), "L_max"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(call, match):
    with pytest.raises(ValueError, match=match):
        call()


TINY = {"d": 2, "L_min": 3, "L_max": 5, "n_held_out": 2, "batch_size": 16, "n_epochs": 6, "n_long": 4, "L_long": 16}


def test_ensemble_members_train_as_if_alone():
    together = automata.train_ensemble(TINY, [3, 4])
    alone = automata.train_ensemble(TINY, [3])  # same first seed: same data and batches
    np.testing.assert_allclose(together["long_error"][:, 0], alone["long_error"][:, 0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(together["train_error"][:, 0], alone["train_error"][:, 0], rtol=0, atol=1e-6)
    assert together["long_error"].shape == (TINY["n_epochs"] + 1, 2)
    assert np.all((together["long_error"] >= 0) & (together["long_error"] <= 1))
    for key in ("t_fit", "t_grok", "t_zero"):
        assert together[key].shape == (2,)


def test_frozen_ensemble_starts_where_the_trainable_one_does_and_keeps_its_attention():
    frozen = automata.train_ensemble({**TINY, "freeze_A": True}, [5, 6])
    trainable = automata.train_ensemble(TINY, [5, 6])
    np.testing.assert_array_equal(frozen["long_error"][0], trainable["long_error"][0])  # remembered features = forward pass
    np.testing.assert_array_equal(frozen["train_error"][0], trainable["train_error"][0])
    setup = automata.build_ensemble({**TINY, "freeze_A": True, "A_seed": 9}, [1, 2])
    assert [name for name, _ in setup.model.named_parameters()] == ["stacked.0"]  # B only: A is a shared buffer
    A = setup.model.member(1).network.A.clone()
    train(setup.model, setup.data, setup.optimizer, n_epochs=2, loss_fn=setup.loss_fn, batch_size=16, progress=False)
    assert torch.equal(setup.model.member(0).network.A, A) and torch.equal(setup.model.member(1).network.A, A)


def test_l1_penalty_changes_only_the_penalised_run():
    plain, penalised = automata.train_ensemble(TINY, [3]), automata.train_ensemble(TINY, [3], l1=0.05)
    np.testing.assert_array_equal(plain["long_error"][0], penalised["long_error"][0])
    assert not np.array_equal(plain["train_error"], penalised["train_error"]) or not np.array_equal(
        plain["long_error"], penalised["long_error"]
    )


def test_l2_in_the_loss_is_adams_weight_decay():
    theta0 = torch.randn(6, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    target = torch.randn(6, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    results = []
    for weight_decay, l2 in [(0.1, 0.0), (0.0, 0.1)]:
        theta = theta0.clone().requires_grad_()
        optimizer = torch.optim.Adam([theta], lr=0.01, weight_decay=weight_decay)
        for _ in range(5):
            optimizer.zero_grad()
            (((theta - target) ** 2).sum() + l2 / 2 * (theta**2).sum()).backward()
            optimizer.step()
        results.append(theta.detach())
    torch.testing.assert_close(results[0], results[1], rtol=0, atol=1e-15)


def test_aligned_exponent_recovers_a_power_law():
    rng = np.random.default_rng(0)
    nu, n_runs, n_epochs = 1.7, 10, 200
    t_zero = rng.integers(60, 150, n_runs).astype(float)
    epochs = np.arange(n_epochs + 1)[:, None]
    distance = np.clip(t_zero[None, :] - epochs, 0, None)  # (E + 1, S)
    long_error = rng.uniform(0.5, 2.0, n_runs) * 1e-3 * distance**nu  # zero from t_zero on
    fit = aligned_exponent(long_error, t_zero, n_resamples=200)
    assert abs(fit.nu - nu) < 1e-9 and fit.systematic < 1e-9
    assert fit.ci[0] <= nu <= fit.ci[1] and fit.n_runs == n_runs
    with pytest.raises(ValueError, match="at least 3 runs"):
        aligned_exponent(long_error, np.full(n_runs, np.nan))
    with pytest.raises(ValueError, match="window"):
        aligned_exponent(long_error, t_zero, window=(5, 5))
    with pytest.raises(ValueError, match="long_error"):
        aligned_exponent(long_error[:, :3], t_zero)


def test_run_exponent_config_and_its_validation():
    out = automata.run_exponent_config({**TINY, "n_models": 2, "l2": 1e-3}, 1)
    assert out["long_error"].shape == (TINY["n_epochs"] + 1, 2) and out["n_aligned"] == 0 and np.isnan(out["nu"])
    with pytest.raises(ValueError, match="l2"):
        automata.train_ensemble(TINY, [1], l2=-1.0)
    with pytest.raises(ValueError, match="seeds"):
        automata.train_ensemble(TINY, [])
    with pytest.raises(ValueError, match="bogus"):
        automata.train_ensemble({"bogus": 1}, [1])


def test_long_test_strings_have_both_parities():
    X, y = data_module.long_test_strings(6, 11, 2, seed=4)
    assert torch.all(X[1::2, 0] == ABSENT) and torch.all(X[0::2] != ABSENT) and torch.all(y[1::2, 0] == IGNORE_INDEX)
    for row in range(6):
        start = row % 2
        np.testing.assert_array_equal(y[row, start:].numpy(), data_module.rule30(X[row : row + 1, start:], 2)[0].numpy())


def test_domain_size_is_the_authors():
    from grokbook.tasks.automata_protocol import domain_size

    present = torch.ones(1, 10, dtype=torch.bool)
    none = torch.zeros(1, 10, dtype=torch.bool)
    one_wall = torch.tensor([[False] * 5 + [True] * 5])
    alternating = torch.arange(10)[None] % 2 == 0
    assert domain_size(none, present).item() == 1.0
    assert domain_size(one_wall, present).item() == pytest.approx(9 / 20)  # (n - w) / ((w + 1) n)
    assert domain_size(alternating, present).item() == pytest.approx(1 / 100)
    padded = torch.tensor([[False, False, True, True]])  # two absent cells at the left: walls only between present ones
    assert domain_size(torch.tensor([[True, False, False, True]]), padded).item() == pytest.approx(1 / 4)


def test_sigmoid_mse_and_protocol_epochs():
    from grokbook.tasks.automata_protocol import protocol_epochs, sigmoid_mse

    z = torch.tensor([[0.0, 2.0, -1.0]], dtype=torch.float64)
    y = torch.tensor([[1, 1, IGNORE_INDEX]])
    logits = torch.nn.functional.pad(z[..., None], (1, 0))
    expected = ((torch.sigmoid(z[0, :2]) - 1.0) ** 2).mean()
    torch.testing.assert_close(sigmoid_mse(logits, y), expected)
    epochs = np.array([0, 5, 10])
    values = np.array([[0.5, 0.2], [0.995, 0.99], [1.0, 0.3]])
    np.testing.assert_array_equal(protocol_epochs(epochs, values), [5.0, np.nan])


def test_train_protocol_records_the_authors_times():
    from grokbook.tasks.automata_protocol import run_protocol_config, train_protocol

    config = {"d": 2, "j": 1, "L_min": 4, "L_max": 6, "n_held_out": 4, "A_init": "authors", "freeze_A": True,
              "lr": 0.05, "batch_size": 32, "n_epochs": 60, "n_test": 8, "L_test": 50, "test_every": 5, "n_screen": 4}
    out = train_protocol(config, [0, 1, 2])
    assert out["epochs"].tolist() == list(range(0, 61, 5))
    for key in ("train_error", "held_out_error", "long_error", "ds_train", "ds_test", "long_full"):
        assert out[key].shape == (13, 3)
    for key in ("train_epoch", "gen_epoch", "t_zero", "t_fit", "t_grok"):
        assert out[key].shape == (3,)
    learned = np.isfinite(out["t_zero"])
    assert learned.any()  # the hand-made attention carries the rule: some read-out reaches zero error in 60 epochs
    assert np.all(out["gen_epoch"][learned] <= out["t_zero"][learned])  # no error: domain size 1
    payload = run_protocol_config({**config, "n_models": 2, "n_epochs": 10}, 1)  # members 2 and 3
    for key in ("train_loss", "train_acc", "test_loss", "test_acc"):  # the members' mean curves, one run's payload
        assert payload[key].shape == (3,)
    assert np.isscalar(payload["t_fit"]) and payload["t_fit_members"].shape == (2,)
    np.testing.assert_allclose(payload["test_acc"], 1 - payload["long_error"].mean(1))
    with pytest.raises(ValueError, match="A_init"):
        train_protocol({**config, "d": 3}, [0])
    with pytest.raises(ValueError, match="loss"):
        run_protocol_config({**config, "loss": "hinge"}, 0)


def test_aligned_exponent_on_evaluations_every_few_epochs():
    rng = np.random.default_rng(1)
    nu, n_runs, step = 1.3, 8, 5
    t_zero = step * rng.integers(30, 60, n_runs).astype(float)
    epochs = np.arange(0, 400, step)
    long_error = 1e-3 * np.clip(t_zero[None, :] - epochs[:, None], 0, None) ** nu
    fit = aligned_exponent(long_error, t_zero, window=(2, 64), epochs=epochs, n_resamples=200)
    assert abs(fit.nu - nu) < 1e-9 and fit.s.tolist() == list(range(5, 61, 5))
    with pytest.raises(ValueError, match="epochs"):
        aligned_exponent(long_error, t_zero, epochs=epochs[:-1])
