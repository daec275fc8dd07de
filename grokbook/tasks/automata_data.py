"""Data of the cellular-automaton task: rule 30, training windows, long test strings.

The task of the paper's cellular-automaton experiments (Zunkovic & Ilievski,
arXiv 2210.15435): from a binary string x, predict every cell of the string
after ``j`` applications of elementary rule 30,

    y_i = x_{i-1} XOR (x_i OR x_{i+1}),

with fixed-zero boundaries (a zero cell is padded on each side again at every
application, as in the authors' code).  After ``j`` applications cell i
depends on x_{i-j} ... x_{i+j}: a (2j + 1)-local rule.  The training set is
every binary string of a short length (the code's ``dataset_mode=all``); the
code also trains on random crops of each batch, with the labels recomputed on
the crop (:func:`random_crop`); the test strings are long random strings, so a
model that scores on them has learned the local rule rather than the training
strings.  Strings of several lengths share a tensor by left padding with
:data:`grokbook.tensor_network.ABSENT` sites, labelled
:data:`grokbook.losses.IGNORE_INDEX`.
"""

from __future__ import annotations

import torch

from ..data import Dataset
from ..losses import IGNORE_INDEX
from ..tensor_network import ABSENT, check_strings
from ..validate import check_int

__all__ = ["rule30", "all_strings", "random_strings", "random_crop", "crop_dataset", "long_test_strings"]


def rule30(x: torch.Tensor, j: int = 1) -> torch.Tensor:
    """Apply elementary rule 30 ``j`` times with fixed-zero boundaries.

    Args:
        x: (n, L) int tensor of 0/1 cells.
        j: number of applications, >= 1 (cell i then depends on cells i-j ... i+j).

    Returns:
        (n, L) int64 tensor, the configuration after j steps.
    """
    x = check_strings(x)
    j = check_int("j", j, minimum=1)
    for _ in range(j):
        padded = torch.nn.functional.pad(x, (1, 1))  # (n, L + 2), zeros at both ends
        x = padded[:, :-2] ^ (padded[:, 1:-1] | padded[:, 2:])
    return x


def all_strings(L: int) -> torch.Tensor:
    """Every binary string of length L, (2^L, L) int64, row k the binary digits of k (most significant first)."""
    L = check_int("L", L, minimum=1, maximum=24)
    k = torch.arange(2**L)[:, None]
    return (k >> torch.arange(L - 1, -1, -1)) & 1


def random_strings(n: int, L: int, *, seed: int = 0) -> torch.Tensor:
    """n strings of L independent fair bits, (n, L) int64."""
    n = check_int("n", n, minimum=1)
    L = check_int("L", L, minimum=1)
    generator = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    return torch.randint(0, 2, (n, L), generator=generator)


def random_crop(x: torch.Tensor, L_min: int, L_max: int, j: int, *, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """One random window of a batch, with its labels recomputed on the window (the paper code's augmentation).

    One length l ~ U{L_min, ..., L_max} and one offset ~ U{0, ..., L - l} are
    drawn for the whole batch; the labels are ``rule30(window, j)``, so the
    zero boundaries sit at the window's edges.

    Args:
        x: (n, L) batch of strings.
        L_min, L_max: range of window lengths, 1 <= L_min <= L_max <= L.
        j: applications of rule 30, >= 1.
        generator: torch random generator of the draw.

    Returns:
        windows (n, l) and labels (n, l).
    """
    x = check_strings(x)
    L_max = check_int("L_max", L_max, minimum=1, maximum=x.shape[1])
    L_min = check_int("L_min", L_min, minimum=1, maximum=L_max)
    length = int(torch.randint(L_min, L_max + 1, (1,), generator=generator))
    offset = int(torch.randint(0, x.shape[1] - length + 1, (1,), generator=generator))
    window = x[:, offset : offset + length]
    return window, rule30(window, j)


def crop_dataset(L_min: int, L_max: int, j: int, *, n_held_out: int = 32, seed: int = 0) -> Dataset:
    """Every string of lengths L_min ... L_max with its labels: the windows the paper's random crops draw from.

    The paper's code draws, for each batch of the 2^L_max strings, one random
    window of length L_min ... L_max (:func:`random_crop`); since the strings
    are all strings, the windows are all strings of those lengths, which we
    train on at once.  Shorter strings are padded at their left end with
    :data:`~grokbook.tensor_network.ABSENT` (label
    :data:`~grokbook.losses.IGNORE_INDEX`) to length L_max, for
    :class:`grokbook.tensor_network.CellLogits`.  ``n_held_out`` random strings of
    length L_max are kept out of training as the test split: unseen strings of
    a seen length (the long test strings, of another shape, are measured
    separately, e.g. by a snapshot callback).

    Args:
        L_min, L_max: window lengths, 1 <= L_min <= L_max <= 16.
        j: applications of rule 30, >= 1.
        n_held_out: strings of length L_max in the test split, 1 <= n_held_out < 2^L_max.
        seed: seed of the held-out choice.

    Returns:
        Dataset with X (n, L_max) in {0, 1, ABSENT} and per-cell labels y (n, L_max), 2 classes
        (IGNORE_INDEX at absent sites).
    """
    L_max = check_int("L_max", L_max, minimum=1, maximum=16)
    L_min = check_int("L_min", L_min, minimum=1, maximum=L_max)
    n_held_out = check_int("n_held_out", n_held_out, minimum=1, maximum=2**L_max - 1)
    generator = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    X, y = [], []
    for L in range(L_min, L_max + 1):
        strings = all_strings(L)
        X.append(torch.nn.functional.pad(strings, (L_max - L, 0), value=ABSENT))
        y.append(torch.nn.functional.pad(rule30(strings, j), (L_max - L, 0), value=IGNORE_INDEX))
    X, y = torch.cat(X), torch.cat(y)  # (n, L_max), the strings of length L_max last
    held_out = len(X) - 2**L_max + torch.randperm(2**L_max, generator=generator)[:n_held_out]
    keep = torch.ones(len(X), dtype=torch.bool)
    keep[held_out] = False
    return Dataset(X_train=X[keep], y_train=y[keep], X_test=X[held_out], y_test=y[held_out], n_classes=2)


def long_test_strings(n: int, L: int, j: int, *, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Random test strings of lengths L and L - 1 (every second one), padded to L on the left with ABSENT.

    Both parities: a network can learn rule 30 on strings of one parity only
    (its environments may alternate from site to site), and then scores
    perfectly on long strings of that parity while it fails on half of the
    training windows.  Testing on both parities does not let that pass.

    Args:
        n: number of strings, >= 2; L: their length, >= 2; j: applications of rule 30, >= 1.
        seed: seed of the strings.

    Returns:
        X (n, L) in {0, 1, ABSENT} and per-cell labels y (n, L) (IGNORE_INDEX at absent sites).
    """
    n = check_int("n", n, minimum=2)
    L = check_int("L", L, minimum=2)
    X = random_strings(n, L, seed=seed)
    y = rule30(X, j)
    y[1::2, 1:] = rule30(X[1::2, 1:], j)  # the odd rows are one cell shorter
    X[1::2, 0], y[1::2, 0] = ABSENT, IGNORE_INDEX
    return X, y
