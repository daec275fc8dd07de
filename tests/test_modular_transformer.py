"""The transformer task: config checks, the warm-up, chunked training = one call, a small run, an archived run's prefix."""

import numpy as np
import pytest
import torch

from grokbook.store import archive
from grokbook.tasks import modular_transformer as mt

SMALL = {"p": 23, "d_model": 32, "d_mlp": 64, "n_epochs": 300, "snapshot_every": 50, "train_fraction": 0.5, "eval_every": 10}


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_warmup_is_their_lambda_schedule():
    """Step s (1-based) uses lr * min((s - 1) / 10, 1), as LambdaLR(min(step / 10, 1)) stepped after each step."""
    weight = torch.nn.Parameter(torch.ones(3))
    optimizer = mt.WarmupAdamW([weight], lr=1e-3, warmup=10, weight_decay=1.0, betas=(0.9, 0.98))
    seen = []
    for _ in range(13):
        weight.grad = torch.ones(3)
        optimizer.step()
        seen.append(optimizer.param_groups[0]["lr"])
    np.testing.assert_allclose(seen, [1e-3 * min(s / 10, 1) for s in range(13)])


def test_snapshot_epochs_are_log_spaced_then_regular():
    assert mt.snapshot_epochs(450, 100) == (0, 1, 2, 5, 10, 20, 50, 100, 200, 300, 400, 450)
    assert mt.snapshot_epochs(3, 100) == (0, 1, 2, 3)


def test_a_run_in_chunks_is_the_run_in_one_call_bitwise():
    config = {**SMALL, "stop_factor": 0}
    one = mt.run_config({**config, "check_every": 300}, 0)
    chunks = mt.run_config({**config, "check_every": 100}, 0)
    assert one.keys() == chunks.keys()
    for key in one.keys() - {"wall_time"}:
        a, b = np.asarray(one[key]), np.asarray(chunks[key])
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), key


def test_a_small_run_fits_and_measures_its_circuit():
    run = mt.run_config({**SMALL, "n_epochs": 2000, "train_fraction": 0.6, "check_every": 200}, 0)
    assert run["t_fit"] < run["t_99"] < run["epochs"][-1] <= 1.5 * run["t_99"] + 200  # stopped by the rule
    assert run["test_loss"][-1] < 0.1 and run["t_loss_01"] <= run["epochs"][-1]
    n_snap = len(run["snapshot_epochs"])
    assert run["embedding_power"].shape == (n_snap, 12) and run["restricted_loss"].shape == (n_snap,)
    assert run["neuron_frequency"].shape == (64,) and run["frequency_shares"].shape == (11,)
    assert 1 <= run["key_frequencies"].size <= 11 and run["frequency_shares"].sum() <= 1 + 1e-12
    assert run["restricted_loss"][-1] < run["restricted_loss"][0]  # the key frequencies carry the trained network
    assert run["excluded_loss"][-1] > run["train_loss"][-1]  # ... and removing them hurts the training loss


@pytest.mark.parametrize(
    "change, name",
    [({"p": 24}, "p"), ({"betas": [0.9]}, "betas"), ({"snapshot_every": 15}, "snapshot_every"), ({"stop_factor": 0.5}, "stop_factor"),
     ({"operation": "div"}, "operation"), ({"min_share": 0}, "min_share"), ({"dropout": 0.1}, "unknown")],
)
def test_bad_configs_name_the_key(change, name):
    with pytest.raises(ValueError, match=name):
        mt.run_config({**SMALL, **change}, 0)


ARCHIVED = archive().results("modular_transformer") if (archive().root / "modular_transformer").is_dir() else []


@pytest.mark.skipif(not ARCHIVED, reason="no archived modular_transformer runs")
def test_the_first_steps_of_an_archived_run_recomputed_match():
    """The first 100 steps of the archived seed 0 at Nanda et al.'s size (curves and snapshots): bitwise where the CPU rounds alike.

    Elsewhere the data and initial network (everything at step 0) must be exact and the accuracies within 0.01.
    """
    result = next(r for r in ARCHIVED if r.config["p"] == 113 and r.seed == 0)  # chapter 0's main run
    archived, config = result.payload, result.config
    prefix = mt.run_config({**config, "n_epochs": 100, "stop_factor": 0}, 0)  # 100: a snapshot step of the archive
    n_eval, n_snap = len(prefix["epochs"]), len(prefix["snapshot_epochs"])
    np.testing.assert_array_equal(prefix["epochs"], archived["epochs"][:n_eval])
    np.testing.assert_array_equal(prefix["snapshot_epochs"], archived["snapshot_epochs"][:n_snap])
    curves = ("train_loss", "train_acc", "test_loss", "test_acc")
    for key in curves:
        assert prefix[key][0] == archived[key][0], f"{key} at step 0 differs from the archive"
    if prefix["train_loss"][1] == archived["train_loss"][1]:  # the CPU rounds as the archive's did
        for key in curves:
            assert prefix[key].tobytes() == archived[key][:n_eval].tobytes(), key
        for key in ("embedding_power", "weight_norm"):
            assert prefix[key].tobytes() == archived[key][:n_snap].tobytes(), key
    else:
        for key in ("train_acc", "test_acc"):
            assert np.abs(prefix[key] - archived[key][:n_eval]).max() < 0.01, key
