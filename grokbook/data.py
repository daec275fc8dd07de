"""The container every dataset of the book comes in.

The chapter modules build their data (``grokbook.ising_data``,
``grokbook.modular``, ...) and hand it to :func:`grokbook.training.train` as a
:class:`Dataset`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .losses import IGNORE_INDEX

__all__ = ["Dataset"]


@dataclass(frozen=True)
class Dataset:
    """Training and test tensors of a classification task.

    Attributes:
        X_train: float tensor (n_train, ...) of inputs.
        y_train: int64 tensor (n_train,) of class labels in [0, n_classes), or
            (n_train, ...) for several labels per example (e.g. one per cell of
            a cellular automaton); the model then returns logits (n_train, ..., n_classes).
            A label :data:`grokbook.losses.IGNORE_INDEX` marks a cell that does
            not exist (left out of losses and accuracies).
        X_test, y_test: the same for the test set; with several labels per
            example, the label axes may have other lengths than the training
            set's (e.g. longer test strings), the feature axes after them not.
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
            labels = y[y != IGNORE_INDEX]
            if len(labels) and (labels.min() < 0 or labels.max() >= self.n_classes):
                raise ValueError(
                    f"y_{split} must hold labels in [0, {self.n_classes}) or IGNORE_INDEX, got range [{int(labels.min())}, {int(labels.max())}]"
                )
        if self.y_train.ndim != self.y_test.ndim or self.X_train.shape[self.y_train.ndim :] != self.X_test.shape[self.y_test.ndim :]:
            raise ValueError(f"X_train and X_test must have the same feature shape, got {tuple(self.X_train.shape[1:])} and {tuple(self.X_test.shape[1:])}")
