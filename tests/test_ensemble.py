"""The seed ensemble: stacked members behave like separately trained networks."""

import numpy as np
import pytest
import torch

from grokbook.data import Dataset
from grokbook.ensemble import Ensemble
from grokbook.models import IsingMLP
from grokbook.training import train


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


class Scaled(torch.nn.Module):
    """A linear layer times a frozen scale (a buffer) and a frozen offset (a parameter without gradient)."""

    def __init__(self, seed: int, scale: float) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.linear = torch.nn.Linear(6, 2)
        self.register_buffer("scale", torch.full((2,), scale))
        self.offset = torch.nn.Parameter(torch.randn(2), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x) * self.scale + self.offset


@pytest.mark.parametrize("scales, shared", [((2.0, 2.0, 2.0), True), ((1.0, 2.0, 3.0), False)])
def test_buffers_are_shared_or_stacked_and_frozen_tensors_stay_frozen(scales, shared):
    nets = [Scaled(s, scale) for s, scale in enumerate(scales)]
    ensemble = Ensemble(nets)
    assert ensemble.shared == [shared]
    X = tiny_dataset().X_train
    for i, net in enumerate(nets):
        torch.testing.assert_close(ensemble(X)[i], net(X))
    offsets = ensemble.member_parameters()["offset"].detach().clone()
    train(ensemble, tiny_dataset(), torch.optim.Adam(ensemble.parameters(), lr=0.1), n_epochs=5, progress=False)
    assert torch.equal(ensemble.member_parameters()["offset"], offsets)  # frozen parameter unchanged
    assert list(ensemble.member_parameters(trainable=True)) == ["linear.weight", "linear.bias"]
    for i, (net, scale) in enumerate(zip(nets, scales)):
        member = ensemble.member(i)
        assert torch.equal(member.scale, torch.full((2,), scale)) and torch.equal(member.offset, net.offset)
        assert not torch.equal(member.linear.weight, net.linear.weight)  # trained


def test_penalty_of_the_ensemble_is_the_sum_of_the_members_penalties():
    from grokbook.losses import WeightPenalty
    from grokbook.training import _penalty

    nets = [Scaled(s, 1.0) for s in range(3)]
    penalty = WeightPenalty(l1=0.3, l2=0.7)
    trainable = [{n: p for n, p in net.named_parameters() if p.requires_grad} for net in nets]
    expected = sum(penalty(params) for params in trainable)
    torch.testing.assert_close(_penalty(Ensemble(nets), penalty), expected)
    torch.testing.assert_close(_penalty(nets[0], penalty), penalty(trainable[0]))
    # trained with the penalty, each member follows its own penalised run
    data = tiny_dataset()
    ensemble = Ensemble(nets)
    together = train(ensemble, data, torch.optim.Adam(ensemble.parameters(), lr=1e-2), n_epochs=20, penalty=penalty, progress=False)
    for i in range(3):
        net = Scaled(i, 1.0)
        apart = train(net, data, torch.optim.Adam(net.parameters(), lr=1e-2), n_epochs=20, penalty=penalty, progress=False)
        np.testing.assert_allclose(together[i].train_loss, apart.train_loss, rtol=1e-5)
        torch.testing.assert_close(ensemble.member(i).linear.weight, net.linear.weight, rtol=1e-5, atol=1e-6)


class Stackable(torch.nn.Module):
    """A linear layer whose class also evaluates a stack of itself (Ensemble's stacked_forward)."""

    calls = 0

    def __init__(self, seed: int, *, decline: bool = False) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.linear = torch.nn.Linear(6, 2)
        self.decline = decline

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)

    def stacked_forward(self, stacked: dict, shared: dict, x: torch.Tensor) -> torch.Tensor:
        if self.decline:
            return NotImplemented
        Stackable.calls += 1
        return torch.einsum("sij,nj->sni", stacked["linear.weight"], x) + stacked["linear.bias"][:, None]


@pytest.mark.parametrize("decline", [False, True])
def test_members_that_evaluate_a_stack_of_themselves_skip_vmap(decline):
    nets = [Stackable(s, decline=decline) for s in range(3)]
    X = tiny_dataset().X_train
    calls = Stackable.calls
    out = Ensemble(nets)(X)
    assert Stackable.calls == calls + (0 if decline else 1)
    for i, net in enumerate(nets):
        torch.testing.assert_close(out[i], net(X))
