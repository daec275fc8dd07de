"""The tensor-network attention model: its perceptron map, padded strings, remembered features."""

import numpy as np
import pytest
import torch

from grokbook import tensor_network as tn
from grokbook.ensemble import Ensemble
from grokbook.losses import IGNORE_INDEX, cross_entropy, masked_cross_entropy
from grokbook.tasks.automata_data import random_strings, rule30


def test_tensor_network_is_a_perceptron_with_frozen_attention():
    d = 3
    model = tn.TensorNetworkAttention(d, freeze_A=True, seed=0)
    x = torch.randint(0, 2, (50, 12), generator=torch.Generator().manual_seed(1))
    phi = tn.perceptron_features(model, x)
    assert phi.shape == (50, 12, 2 * d * d)
    with torch.no_grad():
        np.testing.assert_allclose(model(x).numpy(), (phi @ model.B.reshape(-1)).numpy(), atol=1e-12)
    assert [name for name, _ in model.named_parameters()] == ["B"]


def test_environment_summarises_the_left_part_only():
    model = tn.TensorNetworkAttention(2, seed=3)
    x = torch.randint(0, 2, (1, 10), generator=torch.Generator().manual_seed(0))
    y = x.clone()
    y[0, 7:] = 1 - y[0, 7:]
    with torch.no_grad():
        left_x, _ = model.environments(x)
        left_y, _ = model.environments(y)
    torch.testing.assert_close(left_x[:, :8], left_y[:, :8])


def test_padded_strings_get_the_unpadded_logits():
    network = tn.TensorNetworkAttention(4, seed=2)
    model = tn.CellLogits(network)
    x = random_strings(6, 5, seed=4)
    padded = torch.nn.functional.pad(x, (3, 0), value=tn.ABSENT)
    logits = model(padded)  # (6, 8, 2)
    torch.testing.assert_close(logits[:, 3:, 1], network(x), rtol=1e-10, atol=0)  # each absent site renormalises: 1e-12 each
    assert torch.all(logits[..., 0] == 0)
    # absent sites labelled IGNORE_INDEX drop out of the loss, which is the logistic loss of z
    y = torch.full((6, 8), IGNORE_INDEX)
    y[:, 3:] = rule30(x, 1)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(network(x), y[:, 3:].double())
    torch.testing.assert_close(cross_entropy(logits, y), expected)
    torch.testing.assert_close(masked_cross_entropy(logits, y), expected)


def test_frozen_attention_uses_remembered_features_exactly():
    x = torch.nn.functional.pad(random_strings(40, 9, seed=1), (2, 0), value=tn.ABSENT)
    x[::3, :2] = random_strings(14, 2, seed=2)  # some strings of full length
    trained = tn.CellLogits(tn.TensorNetworkAttention(3, seed=5))
    frozen = tn.CellLogits(tn.TensorNetworkAttention(3, freeze_A=True, seed=5))
    with torch.no_grad():
        reference = trained(x)
        first, again, part = frozen(x), frozen(x), frozen(x[5:17])  # a miss, then hits
    torch.testing.assert_close(first, reference, rtol=1e-12, atol=1e-12)
    assert torch.equal(first, again) and torch.equal(part, first[5:17])
    with torch.no_grad():
        frozen.network.A.mul_(2.0)  # a new A empties the cache
        trained.network.A.mul_(2.0)
        torch.testing.assert_close(frozen(x), trained(x), rtol=1e-12, atol=1e-12)


def test_cell_logits_of_one_site_and_of_a_perceptron():
    d, site = 3, 4
    network = tn.TensorNetworkAttention(d, freeze_A=True, seed=1)
    x = random_strings(20, 9, seed=3)
    perceptron = torch.nn.Linear(2 * d * d, 1, bias=False, dtype=torch.float64)
    with torch.no_grad():
        perceptron.weight.copy_(network.B.reshape(1, -1))
        features = tn.perceptron_features(network, x)[:, site]  # (n, 2 d^2)
        z_network = tn.CellLogits(network, site=site)(x)  # (n, 2)
        z_perceptron = tn.CellLogits(perceptron, site=0)(features)
    assert z_network.shape == (20, 2)
    torch.testing.assert_close(z_network[:, 1], network(x)[:, site], rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(z_network, z_perceptron, rtol=1e-12, atol=1e-12)


def test_ensemble_of_cell_logits_shares_a_frozen_attention():
    networks = [tn.TensorNetworkAttention(2, freeze_A=True, seed=s) for s in (1, 2, 3)]
    stacked = Ensemble([tn.CellLogits(n) for n in networks])  # three different A: stacked buffers
    for n in networks[1:]:
        n.A.copy_(networks[0].A)
    shared = Ensemble([tn.CellLogits(n) for n in networks])  # one A: kept once
    is_shared = {name: dict(zip(e.buffer_names, e.shared)) for name, e in (("stacked", stacked), ("shared", shared))}
    assert is_shared["stacked"]["network.A"] is False and is_shared["shared"]["network.A"] is True
    assert is_shared["stacked"]["network.left_boundary"] is True  # the boundary vectors, equal in every member
    x = torch.nn.functional.pad(random_strings(7, 6, seed=0), (2, 0), value=tn.ABSENT)
    with torch.no_grad():
        for k in range(3):
            torch.testing.assert_close(shared(x)[k], shared.member(k)(x), rtol=1e-12, atol=1e-12)
            torch.testing.assert_close(stacked(x)[k], stacked.member(k)(x), rtol=1e-12, atol=1e-12)


def test_an_ensemble_computes_all_members_at_once_as_each_would_alone():
    """CellLogits.stacked_forward: one recursion for all trained A, features of every frozen A computed once."""
    x = torch.nn.functional.pad(random_strings(9, 6, seed=2), (2, 0), value=tn.ABSENT)
    for freeze in (False, True):
        networks = [tn.TensorNetworkAttention(3, freeze_A=freeze, seed=s) for s in range(4)]
        ensemble = Ensemble([tn.CellLogits(n) for n in networks])
        logits = ensemble(x)  # (4, 9, 8, 2)
        logits[..., 1].square().sum().backward()
        stacked = ensemble.member_parameters()
        for k, network in enumerate(networks):
            alone = tn.CellLogits(network)(x)
            torch.testing.assert_close(logits[k], alone, rtol=1e-12, atol=1e-12)
            alone[..., 1].square().sum().backward()
            torch.testing.assert_close(stacked["network.B"].grad[k], network.B.grad, rtol=1e-12, atol=1e-12)
            if not freeze:
                torch.testing.assert_close(stacked["network.A"].grad[k], network.A.grad, rtol=1e-12, atol=1e-12)
        if freeze:  # every member's features, remembered once, serve the next call, and a part of it
            strings, features = ensemble._template[0].cache.tables[8][:2]
            assert torch.equal(strings, x) and features.shape == (4, 9, 8, 2 * 3 * 3)
            with torch.no_grad():
                assert torch.equal(ensemble(x), logits) and torch.equal(ensemble(x[3:7]), logits[:, 3:7])
    assert ensemble.member(0).cache.tables == {}  # a member's copy starts with an empty cache


def test_cell_logits_under_other_transforms_and_of_other_networks_in_an_ensemble():
    network = tn.TensorNetworkAttention(2, freeze_A=True, seed=3)
    x = random_strings(5, 7, seed=1)
    stack = torch.stack([network.A, 2 * network.A])  # a frozen A batched by a plain vmap: computed, not remembered
    model = tn.CellLogits(network)
    batched = torch.func.vmap(lambda A: torch.func.functional_call(model, {"network.A": A}, (x,)))(stack)
    assert model.cache.A is None  # nothing remembered of a batched A
    with torch.no_grad():
        torch.testing.assert_close(batched[0], model(x), rtol=1e-12, atol=1e-12)
    perceptrons = [torch.nn.Linear(3, 1, bias=False, dtype=torch.float64) for _ in range(2)]
    ensemble = Ensemble([tn.CellLogits(p, site=0) for p in perceptrons])  # stacked_forward declines: vmap
    features = torch.randn(6, 3, dtype=torch.float64)
    with torch.no_grad():
        for k, perceptron in enumerate(perceptrons):
            torch.testing.assert_close(ensemble(features)[k], tn.CellLogits(perceptron, site=0)(features))


def test_arguments_are_validated():
    with pytest.raises(ValueError, match="x"):
        tn.TensorNetworkAttention(2)(torch.full((2, 3), 2))
    with pytest.raises(TypeError, match="network"):
        tn.CellLogits("not a module")
    with pytest.raises(ValueError, match="x"):
        tn.CellLogits(tn.TensorNetworkAttention(2))(torch.zeros(3, dtype=torch.long))


def test_normalised_readout_is_the_authors_bounded_logit():
    """z_i = s h_{x_i} / |h|, h_k = l^T B^{(k)} r; trained, frozen (remembered features) and ensemble paths agree."""
    x = torch.nn.functional.pad(random_strings(7, 6, seed=2), (2, 0), value=tn.ABSENT)
    network = tn.TensorNetworkAttention(3, readout="normalised", seed=4)
    with torch.no_grad():
        network.scale.fill_(2.5)
        left, right = network.environments(random_strings(5, 9, seed=1))
        h = torch.einsum("nla,abk,nlb->nlk", left, network.B, right)
        cells = random_strings(5, 9, seed=1)
        expected = 2.5 * h.gather(-1, cells[..., None])[..., 0] / (h.norm(dim=-1) + 1e-6)
        torch.testing.assert_close(network(cells), expected, rtol=1e-12, atol=1e-12)
        assert network(cells).abs().max() <= 2.5
    assert sorted(name for name, _ in network.named_parameters()) == ["A", "B", "scale"]
    frozen = tn.TensorNetworkAttention(3, freeze_A=True, readout="normalised", seed=4)
    with torch.no_grad():
        frozen.scale.fill_(2.5)
    trained = tn.CellLogits(network)(x).detach()  # A requires grad: the recursion, not the remembered features
    with torch.no_grad():
        torch.testing.assert_close(tn.CellLogits(frozen)(x), trained, rtol=1e-12, atol=1e-12)
    members = [tn.TensorNetworkAttention(3, readout="normalised", seed=s) for s in range(3)]
    ensemble = Ensemble([tn.CellLogits(m) for m in members])
    with torch.no_grad():
        for k in range(3):
            torch.testing.assert_close(ensemble(x)[k], tn.CellLogits(members[k])(x), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="readout"):
        tn.TensorNetworkAttention(2, readout="softmax")


def test_long_strings_are_evaluated_in_chunks_without_gradient():
    network = tn.TensorNetworkAttention(3, seed=1)
    x = random_strings(30, 40, seed=0)
    model = tn.CellLogits(network)
    whole = model(x).detach()
    old, tn.CellLogits.CHUNK = tn.CellLogits.CHUNK, 100  # 2 strings per chunk
    try:
        with torch.no_grad():
            torch.testing.assert_close(model(x), whole, rtol=1e-12, atol=1e-12)
    finally:
        tn.CellLogits.CHUNK = old


def test_authors_frozen_attention_carries_rule_30_once():
    """The hand-made d = 2 tensor with zero-run boundaries: a hand-set read-out predicts rule 30 (j = 1) exactly."""
    network = tn.authors_frozen_attention(readout="linear")
    assert torch.equal(network.A[..., 1], torch.tensor([[1.0, 1.0], [0.0, 0.0]], dtype=torch.float64))
    assert torch.equal(network.A[..., 0], torch.tensor([[1.0, 0.0], [1.0, 1.0]], dtype=torch.float64))
    u, v = torch.tensor([1.0, -1.5], dtype=torch.float64), torch.tensor([1.0, 1.0], dtype=torch.float64)
    f, g = torch.tensor([1.0, -1.5], dtype=torch.float64), torch.tensor([-1.0, 1.5], dtype=torch.float64)
    with torch.no_grad():
        network.B.copy_(torch.stack([-torch.outer(f, g), torch.outer(u, v)], dim=-1))  # B^{(0)}, B^{(1)}
        x = random_strings(50, 300, seed=7)
        assert torch.equal((network(x) > 0).long(), rule30(x, 1))
    assert [name for name, _ in network.named_parameters()] == ["B"]
