"""Small torch models of the book.

:class:`IsingMLP` is the network of Hutchison & Yevick (arXiv 2510.25966,
Sec. 2): a bias-free ReLU multilayer perceptron 64 -> 48 x 4 -> 4 whose
weights start at c times PyTorch's default uniform initialisation (c = 7 makes
it grok; c = 1 suppresses grokking), with optional dropout after each hidden
layer (their Figs. 12-13 use width 144 with dropout).
"""

from __future__ import annotations

import torch
from torch import nn

from .validate import check_int, check_real

__all__ = ["IsingMLP"]


class IsingMLP(nn.Module):
    """Bias-free ReLU MLP ``n_inputs -> width x depth -> n_classes`` with scaled initialisation.

    Layers are ``nn.Linear(..., bias=False)`` named ``layers[0..depth]``
    (``depth`` hidden layers, then the read-out); each starts from PyTorch's
    default Kaiming-uniform weights, U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    multiplied by ``init_scale`` (the paper's c). The logits are returned
    without softmax; the paper's inverse temperature beta enters the loss
    (:func:`grokbook.train.cross_entropy`).

    Args:
        n_inputs: input features, >= 1 (64 spins of an 8 x 8 lattice).
        n_classes: outputs, >= 2 (4 energy bins).
        width: hidden units per layer, >= 1 (48; 144 in the dropout runs).
        depth: hidden layers, >= 1 (4).
        init_scale: the factor c multiplying the default initialisation, > 0 (7).
        dropout: dropout probability after each hidden ReLU, in [0, 1) (0).
        seed: seed of the initial weights, >= 0.
    """

    def __init__(
        self,
        n_inputs: int = 64,
        n_classes: int = 4,
        *,
        width: int = 48,
        depth: int = 4,
        init_scale: float = 7.0,
        dropout: float = 0.0,
        seed: int = 0,
    ) -> None:
        super().__init__()
        n_inputs = check_int("n_inputs", n_inputs, minimum=1)
        n_classes = check_int("n_classes", n_classes, minimum=2)
        width = check_int("width", width, minimum=1)
        depth = check_int("depth", depth, minimum=1)
        self.init_scale = check_real("init_scale", init_scale, minimum=0.0, strict_minimum=True)
        self.dropout = check_real("dropout", dropout, minimum=0.0)
        if self.dropout >= 1.0:
            raise ValueError(f"dropout must lie in [0, 1), got {self.dropout}")
        check_int("seed", seed, minimum=0)
        sizes = [n_inputs] + [width] * depth + [n_classes]
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.layers = nn.ModuleList(nn.Linear(a, b, bias=False) for a, b in zip(sizes[:-1], sizes[1:]))
        with torch.no_grad():
            for layer in self.layers:
                layer.weight.mul_(self.init_scale)
        self.drop = nn.Dropout(self.dropout) if self.dropout > 0 else nn.Identity()

    def hidden(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Activations after each hidden ReLU: ``depth`` tensors of shape (batch, width)."""
        out = []
        for layer in self.layers[:-1]:
            x = self.drop(torch.relu(layer(x)))
            out.append(x)
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (batch, n_classes) of inputs (batch, n_inputs)."""
        for layer in self.layers[:-1]:
            x = self.drop(torch.relu(layer(x)))
        return self.layers[-1](x)
