"""The seed ensemble: stacked members behave like separately trained networks."""

import numpy as np
import pytest
import torch

from grokbook.data import Dataset
from grokbook.ensemble import Ensemble
from grokbook.models import IsingMLP
from grokbook.train import train


def tiny_dataset() -> Dataset:
    g = torch.Generator().manual_seed(0)
    X = torch.randn(120, 6, generator=g)
    y = (X[:, 0] - X[:, 1] > 0).long()
    return Dataset(X[:80], y[:80], X[80:], y[80:], n_classes=2)


def members(n: int = 3, **kwargs) -> list[IsingMLP]:
    return [IsingMLP(6, 2, width=8, depth=2, init_scale=2.0, seed=s, **kwargs) for s in range(n)]


def test_forward_stacks_the_members_outputs():
    nets = members()
    X = tiny_dataset().X_train
    out = Ensemble(nets)(X)
    assert out.shape == (3, 80, 2)
    for i, net in enumerate(nets):
        torch.testing.assert_close(out[i], net(X))


def test_training_together_equals_training_apart():
    """Adam acts elementwise and the loss is a sum, so each member follows its own run (to round-off)."""
    data = tiny_dataset()
    ensemble = Ensemble(members())
    together = train(ensemble, data, torch.optim.Adam(ensemble.parameters(), lr=1e-2, weight_decay=1e-3), n_epochs=40, eval_every=5, progress=False)
    assert isinstance(together, list) and len(together) == 3
    for net, history in zip(members(), together):
        apart = train(net, data, torch.optim.Adam(net.parameters(), lr=1e-2, weight_decay=1e-3), n_epochs=40, eval_every=5, progress=False)
        np.testing.assert_allclose(history.train_loss, apart.train_loss, rtol=1e-4)
        np.testing.assert_array_equal(history.epochs, apart.epochs)
    for i, net in enumerate(members()):
        assert not torch.equal(ensemble.member(i).layers[0].weight, net.layers[0].weight)  # trained, not the start


def test_snapshots_see_each_member_as_a_plain_module():
    ensemble = Ensemble(members(2))
    seen = []
    histories = train(
        ensemble, tiny_dataset(), torch.optim.SGD(ensemble.parameters(), lr=0.1), n_epochs=4, eval_every=2,
        snapshot_epochs=(0, 4), snapshot=lambda model, data, epoch: seen.append(type(model)) or {"w": model.layers[0].weight.sum().item()},
        progress=False,
    )  # fmt: skip
    assert seen == [IsingMLP] * 4
    assert [sorted(h.snapshots) for h in histories] == [[0, 4], [0, 4]]
    assert histories[0].snapshots[4]["w"] != histories[1].snapshots[4]["w"]


def test_dropout_masks_differ_between_members():
    ensemble = Ensemble([IsingMLP(6, 2, width=64, depth=1, dropout=0.5, seed=0)] * 2)  # identical weights
    ensemble.train()
    out = ensemble(torch.ones(4, 6))
    assert not torch.equal(out[0], out[1])
    ensemble.eval()
    out = ensemble(torch.ones(4, 6))
    assert torch.equal(out[0], out[1])


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: [], "members"),
        (lambda: [IsingMLP(6, 2, width=8, depth=2), IsingMLP(6, 2, width=9, depth=2)], "members"),
        (lambda: [torch.nn.BatchNorm1d(3)], "members"),
    ],
)
def test_bad_members(make, name):
    with pytest.raises(ValueError, match=name):
        Ensemble(make())


def test_bad_member_index():
    with pytest.raises(ValueError, match=r"\bi\b"):
        Ensemble(members(2)).member(2)
