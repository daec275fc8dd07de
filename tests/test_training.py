"""The training loop: learning curves, grokking detection, determinism."""

import numpy as np
import pytest
import torch

from grokbook.data import Dataset
from grokbook.training import History, train


def tiny_dataset(seed: int = 0) -> Dataset:
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(200, 5, generator=g)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).long()
    return Dataset(X[:150], y[:150], X[150:], y[150:], n_classes=2)


def run(seed: int = 0, **kwargs) -> History:
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(5, 16), torch.nn.ReLU(), torch.nn.Dropout(0.1), torch.nn.Linear(16, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    return train(model, tiny_dataset(), optimizer, n_epochs=60, eval_every=5, seed=seed, progress=False, **kwargs)


def test_learns_a_linear_rule():
    history = run()
    assert history.epochs[0] == 0 and history.epochs[-1] == 60
    assert history.train_acc[-1] > 0.95 and history.test_acc[-1] > 0.9
    assert np.isfinite(history.t_fit())


def test_same_seed_same_history_bitwise():
    a, b = run(seed=3, batch_size=32), run(seed=3, batch_size=32)
    for key in ("train_loss", "train_acc", "test_loss", "test_acc"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    assert not np.array_equal(a.train_loss, run(seed=4, batch_size=32).train_loss)


def test_snapshots_at_requested_epochs():
    history = run(snapshot_epochs=(0, 30), snapshot=lambda model, data, epoch: {"norm": float(sum(p.detach().norm() for p in model.parameters()))})
    assert sorted(history.snapshots) == [0, 30]


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(n_epochs=0), "n_epochs"),
        (dict(n_epochs=5, eval_every=0), "eval_every"),
        (dict(n_epochs=5, batch_size=0), "batch_size"),
        (dict(n_epochs=5, seed=-1), "seed"),
        (dict(n_epochs=5, snapshot_epochs=(3,)), "snapshot"),
        (dict(n_epochs=5, snapshot_epochs=(9,), snapshot=lambda *a: {}), "snapshot_epochs"),
    ],
)
def test_train_rejects_bad_arguments(kwargs, name):
    model = torch.nn.Linear(5, 2)
    with pytest.raises(ValueError, match=name):
        train(model, tiny_dataset(), torch.optim.SGD(model.parameters(), lr=0.1), progress=False, **kwargs)


def test_dataset_validation():
    X, y = torch.randn(4, 3), torch.tensor([0, 1, 0, 1])
    with pytest.raises(ValueError, match="y_train"):
        Dataset(X, y[:3], X, y, n_classes=2)
    with pytest.raises(ValueError, match="y_test"):
        Dataset(X, y, X, y + 5, n_classes=2)
    with pytest.raises(ValueError, match="X_train"):
        Dataset(X[:0], y[:0], X, y, n_classes=2)
    with pytest.raises(TypeError, match="y_train"):
        Dataset(X, y.float(), X, y, n_classes=2)


def test_several_labels_per_example():
    """Per-cell labels (n, L): accuracy and loss average over every cell."""
    g = torch.Generator().manual_seed(0)
    X = torch.randn(64, 6, generator=g)
    y = (X > 0).long()  # (64, 6): one label per input coordinate
    data = Dataset(X[:48], y[:48], X[48:], y[48:], n_classes=2)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(6, 12), torch.nn.Unflatten(1, (6, 2)))
    history = train(model, data, torch.optim.Adam(model.parameters(), lr=0.05), n_epochs=100, eval_every=50, progress=False)
    assert history.train_acc[-1] > 0.95 and history.test_acc[-1] > 0.9


def test_torch_threads_sets_and_restores_the_count():
    from grokbook.training import torch_threads

    before = torch.get_num_threads()
    with pytest.raises(RuntimeError):
        with torch_threads(1):
            assert torch.get_num_threads() == 1
            raise RuntimeError("the count is restored even so")
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match=r"\bn\b"):
        with torch_threads(0):
            pass


def test_stored_reference_is_reproduced_bitwise():
    """A plain run and an Ensemble run, against numbers stored before masks and penalties existed (tests/data)."""
    import hashlib
    import json
    from pathlib import Path

    from grokbook.ensemble import Ensemble

    def digest(model):
        h = hashlib.sha256()
        for name, t in sorted(model.state_dict().items()):
            h.update(name.encode())
            h.update(t.detach().contiguous().numpy().tobytes())
        return h.hexdigest()

    def curves(h):
        return {k: [float(v).hex() for v in getattr(h, k)] for k in ("train_loss", "train_acc", "test_loss", "test_acc")}

    reference = json.loads((Path(__file__).parent / "data" / "train_reference.json").read_text())
    with torch.random.fork_rng():
        previous = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            torch.manual_seed(7)
            model = torch.nn.Sequential(torch.nn.Linear(5, 16), torch.nn.ReLU(), torch.nn.Dropout(0.1), torch.nn.Linear(16, 2))
            h = train(model, tiny_dataset(), torch.optim.Adam(model.parameters(), lr=1e-2), n_epochs=40, eval_every=5, batch_size=32, seed=7, progress=False)
            assert curves(h) | {"state": digest(model)} == reference["plain"]
            members = []
            for s in range(3):
                torch.manual_seed(s)
                members.append(torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Dropout(0.1), torch.nn.Linear(8, 2)))
            ensemble = Ensemble(members)
            optimizer = torch.optim.SGD(ensemble.parameters(), lr=0.1, momentum=0.9)
            histories = train(ensemble, tiny_dataset(), optimizer, n_epochs=30, eval_every=10, seed=2, progress=False)
            assert [curves(h) for h in histories] == reference["ensemble"]
            assert [digest(ensemble.member(i)) for i in range(3)] == reference["ensemble_state"]
        finally:
            torch.set_num_threads(previous)


def test_ignored_labels_drop_out_of_loss_and_accuracy():
    from grokbook.losses import IGNORE_INDEX

    g = torch.Generator().manual_seed(0)
    X = torch.randn(40, 3, generator=g)
    y = torch.stack([(X[:, 0] > 0).long(), torch.full((40,), IGNORE_INDEX)], dim=1)  # (n, 2): the second cell absent

    class PerCell(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = torch.nn.Linear(3, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.stack([self.linear(x), torch.tensor([0.0, 1e3]).expand(len(x), 2)], dim=1)  # absent cell: wrong

    torch.manual_seed(0)
    model = PerCell()
    data = Dataset(X[:30], y[:30], X[30:], y[30:], n_classes=2)
    history = train(model, data, torch.optim.Adam(model.parameters(), lr=0.05), n_epochs=60, eval_every=60, progress=False)
    assert history.train_acc[-1] > 0.9  # the absent cell, always wrong, is not counted
    assert history.train_loss[-1] < 0.3  # nor its loss of 1e3
    with pytest.raises(TypeError, match="penalty"):
        train(model, data, torch.optim.SGD(model.parameters(), lr=0.1), n_epochs=1, penalty=3.0, progress=False)


def test_denormals_flushed_zeroes_subnormal_floats_only_inside():
    from grokbook.training import denormals_flushed

    subnormal = torch.tensor([1e-40], dtype=torch.float32)
    assert (subnormal * 1.0).item() != 0
    with denormals_flushed():
        assert (subnormal * 1.0).item() == 0
        assert (torch.tensor([1e-30]) * 1.0).item() != 0  # normal floats untouched
    assert (subnormal * 1.0).item() != 0
    with pytest.raises(TypeError, match="enabled"):
        with denormals_flushed("yes"):
            pass
