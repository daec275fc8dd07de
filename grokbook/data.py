"""The container every dataset of the book comes in.

The chapter modules build their data (``grokbook.ising_data``,
``grokbook.modular``, ...) and hand it to :func:`grokbook.train.train` as a
:class:`Dataset`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["Dataset"]


@dataclass(frozen=True)
class Dataset:
    """Training and test tensors of a classification task.

    Attributes:
        X_train: float tensor (n_train, ...) of inputs.
        y_train: int64 tensor (n_train,) of class labels in [0, n_classes), or
            (n_train, ...) for several labels per example (e.g. one per cell of
            a cellular automaton); the model then returns logits (n_train, ..., n_classes).
        X_test, y_test: the same for the test set.
        n_classes: number of classes.
    """

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    n_classes: int

    def __post_init__(self) -> None:
        for split in ("train", "test"):
            X, y = getattr(self, f"X_{split}"), getattr(self, f"y_{split}")
            if not isinstance(X, torch.Tensor) or not isinstance(y, torch.Tensor):
                raise TypeError(f"X_{split} and y_{split} must be torch tensors")
            if len(X) == 0:
                raise ValueError(f"X_{split} must not be empty")
            if y.ndim < 1 or len(y) != len(X):
                raise ValueError(f"y_{split} must have shape ({len(X)},) or ({len(X)}, ...), got {tuple(y.shape)}")
            if y.dtype != torch.int64:
                raise TypeError(f"y_{split} must be int64 class labels, got {y.dtype}")
            if len(y) and (y.min() < 0 or y.max() >= self.n_classes):
                raise ValueError(f"y_{split} must hold labels in [0, {self.n_classes}), got range [{int(y.min())}, {int(y.max())}]")
        if self.X_train.shape[1:] != self.X_test.shape[1:]:
            raise ValueError(f"X_train and X_test must have the same feature shape, got {tuple(self.X_train.shape[1:])} and {tuple(self.X_test.shape[1:])}")
