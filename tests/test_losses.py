"""Losses, per-cell masks and weight penalties against torch's own reductions."""

import pytest
import torch

from grokbook import losses
from grokbook.losses import IGNORE_INDEX


def labels_with_holes(shape, n_classes, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, n_classes, shape, generator=g)
    y[torch.rand(shape, generator=g) < 0.3] = IGNORE_INDEX
    return y


@pytest.mark.parametrize("n_classes", [2, 5])
def test_masked_losses_average_over_present_labels_only(n_classes):
    logits = torch.randn(6, 7, n_classes, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    y = labels_with_holes((6, 7), n_classes)
    present = y != IGNORE_INDEX
    expected = torch.nn.functional.cross_entropy(logits[present], y[present])
    torch.testing.assert_close(losses.cross_entropy(logits, y), expected)
    torch.testing.assert_close(losses.masked_cross_entropy(logits, y), expected)
    torch.testing.assert_close(losses.masked_mse_one_hot(logits, y), losses.mse_one_hot(logits[present], y[present]))
    # no label present: zero, not NaN
    assert losses.masked_cross_entropy(logits, torch.full_like(y, IGNORE_INDEX)) == 0


def test_accuracy_counts_present_labels_per_member():
    logits = torch.randn(3, 10, 4, 2, generator=torch.Generator().manual_seed(2))
    y = labels_with_holes((10, 4), 2, seed=3)
    present = y != IGNORE_INDEX
    expected = torch.stack([(member.argmax(-1) == y)[present].float().mean() for member in logits])
    torch.testing.assert_close(losses.accuracy(logits, y), expected)
    full = torch.randint(0, 3, (10,))
    plain = torch.randn(1, 10, 3)
    assert torch.equal(losses.accuracy(plain, full), (plain.argmax(-1) == full).float().flatten(1).mean(1))
    tie = torch.zeros(1, 4, 2)  # argmax picks the first class on a tie
    assert losses.accuracy(tie, torch.tensor([0, 0, 1, 1])).item() == 0.5


def test_weight_penalty_is_l1_plus_half_l2():
    params = {"a": torch.tensor([1.0, -2.0]), "b": torch.tensor([[3.0]])}
    assert losses.WeightPenalty(l1=0.1, l2=0.2)(params).item() == pytest.approx(0.1 * 6 + 0.1 * 14)
    assert losses.WeightPenalty()(params).item() == 0
    with pytest.raises(ValueError, match="l1"):
        losses.WeightPenalty(l1=-1.0)
    assert set(losses.LOSSES) == {"mse", "cross_entropy"}
