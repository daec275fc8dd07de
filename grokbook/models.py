"""The small networks of the book, each seeded by its ``seed`` argument.

* :class:`IsingMLP`: the network of Hutchison & Yevick (arXiv 2510.25966,
  Sec. 2), a bias-free ReLU multilayer perceptron 64 -> 48 x 4 -> 4 whose
  weights start at c times PyTorch's default uniform initialisation (c = 7
  makes it grok; c = 1 suppresses grokking), with optional dropout after each
  hidden layer (their Figs. 12-13 use width 144 with dropout);
* :class:`QuadraticMLP`: Gromov's two-layer network with a quadratic
  activation for modular arithmetic (arXiv 2301.02679);
* :class:`XORMLP`: the 2 -> width -> 1 tanh network of the XOR task
  (arXiv 2604.04655) in mean-field parametrisation;
* :class:`ModularTransformer`: Nanda et al.'s one-layer transformer for
  ``a + b mod p`` (arXiv 2301.05217), read out at the last token.

Every model draws its initial weights from ``torch.manual_seed(seed)`` inside
:func:`torch.random.fork_rng`, so that ``Model(..., seed=s)`` has the weights
that ``torch.manual_seed(s); Model(...)`` had, and the global random state is
left untouched.  Every model has ``hidden(x)``: the activations of its hidden
layers, a list of (batch, width) tensors (the last one is what the
representation probes look at).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .validate import check_choice, check_int, check_real

__all__ = ["INIT_DISTRIBUTIONS", "IsingMLP", "QuadraticMLP", "XORMLP", "ModularTransformer"]

#: The readings of Hutchison & Yevick's "c x U" initialisation: name -> the bounds (a, b) of the
#: uniform U(a, b) that c multiplies, or None for PyTorch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
INIT_DISTRIBUTIONS: dict[str, tuple[float, float] | None] = {
    "torch_default": None,
    "unit_uniform": (0.0, 1.0),
    "symmetric_uniform": (-1.0, 1.0),
}


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Run the block with the global torch RNG seeded by ``seed`` (>= 0), then restore its previous state."""
    seed = check_int("seed", seed, minimum=0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


class IsingMLP(nn.Module):
    """Bias-free ReLU MLP ``n_inputs -> width x depth -> n_classes`` with scaled initialisation.

    Layers are ``nn.Linear(..., bias=False)`` named ``layers[0..depth]``
    (``depth`` hidden layers, then the read-out); each starts from PyTorch's
    default Kaiming-uniform weights, U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    multiplied by ``init_scale`` (the paper's c). The logits are returned
    without softmax; the paper's inverse temperature beta enters the loss
    (:func:`grokbook.training.cross_entropy`).

    The paper's "c x U, where U is the PyTorch uniform distribution" has three
    readings, chosen by ``init_distribution`` (:data:`INIT_DISTRIBUTIONS`):
    ``"torch_default"`` (the layer's default above, the book's reading),
    ``"unit_uniform"`` (``torch.nn.init.uniform_``'s default U(0, 1)) and
    ``"symmetric_uniform"`` (U(-1, 1)); each is then multiplied by c.

    Args:
        n_inputs: input features, >= 1 (64 spins of an 8 x 8 lattice).
        n_classes: outputs, >= 2 (4 energy bins).
        width: hidden units per layer, >= 1 (48; 144 in the dropout runs).
        depth: hidden layers, >= 1 (4).
        init_scale: the factor c multiplying the initial weights, > 0 (7).
        init_distribution: the distribution U that c multiplies, a key of
            :data:`INIT_DISTRIBUTIONS` ("torch_default").
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
        init_distribution: str = "torch_default",
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
        bounds = INIT_DISTRIBUTIONS[check_choice("init_distribution", init_distribution, INIT_DISTRIBUTIONS)]
        sizes = [n_inputs] + [width] * depth + [n_classes]
        with _seeded(seed):
            self.layers = nn.ModuleList(nn.Linear(a, b, bias=False) for a, b in zip(sizes[:-1], sizes[1:]))
            if bounds is not None:
                for layer in self.layers:
                    nn.init.uniform_(layer.weight, *bounds)
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


class QuadraticMLP(nn.Module):
    """Gromov's two-layer network ``f(a, b) = W2^T (W1^T [e_a; e_b])^2`` (arXiv 2301.02679, Eq. 2).

    Initialisation: ``W1 ~ N(0, 1/p)`` and ``W2 ~ N(0, 1/width)``, so that
    both the pre-activations and the outputs start of order one.  The first
    layer applied to a one-hot vector is a row lookup, ``W1[a] + W1[p + b]``;
    ``dense_one_hot=True`` computes the literal product with the (n, 2p)
    one-hot matrix instead (same function, slower: the baseline of
    ``benchmarks/modular.py``).

    Args:
        p: number of residues (input tokens and output classes), >= 2.
        width: hidden width, >= 1.
        dense_one_hot: compute ``[e_a; e_b] @ W1`` as a dense product.
        seed: seed of the initial weights, >= 0.
    """

    def __init__(self, p: int, width: int = 128, *, dense_one_hot: bool = False, seed: int = 0) -> None:
        super().__init__()
        self.p = check_int("p", p, minimum=2)
        self.width = check_int("width", width, minimum=1)
        self.dense_one_hot = bool(dense_one_hot)
        with _seeded(seed):
            self.W1 = nn.Parameter(torch.randn(2 * p, width) / np.sqrt(p))  # (2p, width): rows of a, then of b
            self.W2 = nn.Parameter(torch.randn(width, p) / np.sqrt(width))  # (width, p)

    @property
    def embedding(self) -> torch.Tensor:
        """The first operand's embedding ``W1[:p]``, (p, width): row a is what the network sees of ``a``."""
        return self.W1[: self.p]

    def _activation(self, X: torch.Tensor) -> torch.Tensor:
        if self.dense_one_hot:
            one_hot = torch.cat([F.one_hot(X[:, 0], self.p), F.one_hot(X[:, 1], self.p)], dim=1).float()  # (n, 2p)
            pre = one_hot @ self.W1  # (n, width)
        else:
            pre = self.W1[X[:, 0]] + self.W1[self.p + X[:, 1]]  # (n, width)
        return pre.square()

    def hidden(self, X: torch.Tensor) -> list[torch.Tensor]:
        """The hidden layer ``(W1[a] + W1[p + b])^2``: a list of one (n, width) tensor, for int64 pairs X (n, 2)."""
        return [self._activation(X)]

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Outputs (n, p) for int64 token pairs X (n, 2)."""
        return self._activation(X) @ self.W2  # (n, p)


class XORMLP(nn.Module):
    """2 -> width -> 1 tanh network in mean-field parametrisation, returning the logits (batch, 2) = (0, z).

    ``z = (1/width) sum_j a_j tanh(w_j . x + b_j) + c``, with 4 width + 1
    parameters, in the order of ``parameters()``: the hidden weights row by
    row (``hidden_layer.weight``), the hidden biases, the output weights
    ``a`` (``out.weight``) and the output bias ``c``.  The logits ``(0, z)``
    make the binary cross-entropy the book's cross-entropy and the argmax
    the sign of z.  Initialisation: w, b ~ N(0, hidden_init^2),
    a ~ N(0, output_init^2), c = 0.

    Args:
        width: hidden width, >= 1.
        hidden_init: standard deviation of the first layer's weights and biases, > 0.
        output_init: standard deviation of the output weights, > 0.
        seed: seed of the initial weights, >= 0.
    """

    def __init__(self, width: int, *, hidden_init: float = 0.05, output_init: float = 0.01, seed: int = 0) -> None:
        super().__init__()
        self.width = check_int("width", width, minimum=1)
        hidden_init = check_real("hidden_init", hidden_init, minimum=0, strict_minimum=True)
        output_init = check_real("output_init", output_init, minimum=0, strict_minimum=True)
        with _seeded(seed):
            self.hidden_layer = nn.Linear(2, self.width)
            self.out = nn.Linear(self.width, 1)
            with torch.no_grad():
                self.hidden_layer.weight.normal_(0, hidden_init)
                self.hidden_layer.bias.normal_(0, hidden_init)
                self.out.weight.normal_(0, output_init)
                self.out.bias.zero_()

    def hidden(self, X: torch.Tensor) -> list[torch.Tensor]:
        """The tanh activations: a list of one (batch, width) tensor, for inputs X (batch, 2)."""
        return [torch.tanh(self.hidden_layer(X))]

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        z = torch.tanh(self.hidden_layer(X)) @ self.out.weight.T / self.width + self.out.bias  # (batch, 1)
        return torch.cat([torch.zeros_like(z), z], dim=-1)  # (batch, 2)


class ModularTransformer(nn.Module):
    """Nanda et al.'s one-layer transformer on the tokens ``(a, b, "=")`` (arXiv 2301.05217, Sec. 3).

    Token ``p`` is "="; every input pair (a, b) becomes the sequence
    ``(a, b, p)``.  With the residual stream ``x_i = W_E[t_i] + W_pos[i]``,
    one block without LayerNorm,

        x' = x + Attn(x),        x'' = x' + W_out ReLU(W_in x' + b_in) + b_out,

    (4 causal heads of ``d_model / n_heads``, scores scaled by
    ``1/sqrt(d_head)``) and the unembedding ``logits = x''_2 W_U`` read at the
    last position.  Initialisation as in their code: every matrix
    ``N(0, 1/d_model)`` except ``W_U ~ N(0, 1/(p + 1))``; biases 0.

    The logits are those of the answers ``c = 0 .. p - 1`` only (their
    unembedding also scores the "=" token, which is never an answer).

    Computed for the last position only, which is all a one-layer model's
    read-out depends on: the query there is that of "=" at position 2, the
    keys and values of positions 0 and 1 are looked up per token (p rows
    each), and the MLP runs on one position instead of three.  The function
    is the literal three-position computation (:meth:`forward_full`, kept as
    the reference) up to float rounding.

    Args:
        p: the modulus (answers 0 .. p - 1; vocabulary p + 1), >= 2.
        d_model: width of the residual stream, >= 1 (128).
        n_heads: attention heads, >= 1, dividing d_model (4).
        d_mlp: MLP width, >= 1 (512).
        seed: seed of the initial weights, >= 0.
    """

    def __init__(self, p: int, d_model: int = 128, n_heads: int = 4, d_mlp: int = 512, *, seed: int = 0) -> None:
        super().__init__()
        self.p = check_int("p", p, minimum=2)
        self.d_model = check_int("d_model", d_model, minimum=1)
        self.n_heads = check_int("n_heads", n_heads, minimum=1)
        self.d_mlp = check_int("d_mlp", d_mlp, minimum=1)
        if d_model % n_heads:
            raise ValueError(f"n_heads must divide d_model={d_model}, got {n_heads}")
        self.d_head = d_model // n_heads
        scale = 1 / np.sqrt(d_model)
        with _seeded(seed):  # the order of their code: embed, pos, W_K, W_Q, W_V, W_O, W_in, W_out, unembed
            self.W_E = nn.Parameter(torch.randn(p + 1, d_model) * scale)  # (vocab, d): rows a, then "="
            self.W_pos = nn.Parameter(torch.randn(3, d_model) * scale)  # (3, d)
            self.W_K = nn.Parameter(torch.randn(n_heads, self.d_head, d_model) * scale)
            self.W_Q = nn.Parameter(torch.randn(n_heads, self.d_head, d_model) * scale)
            self.W_V = nn.Parameter(torch.randn(n_heads, self.d_head, d_model) * scale)
            self.W_O = nn.Parameter(torch.randn(d_model, d_model) * scale)  # (d, heads * d_head)
            self.W_in = nn.Parameter(torch.randn(d_mlp, d_model) * scale)
            self.b_in = nn.Parameter(torch.zeros(d_mlp))
            self.W_out = nn.Parameter(torch.randn(d_model, d_mlp) * scale)
            self.b_out = nn.Parameter(torch.zeros(d_model))
            self.W_U = nn.Parameter(torch.randn(d_model, p) / np.sqrt(p + 1))  # (d, p): answers only

    @property
    def embedding(self) -> torch.Tensor:
        """The token embedding of the residues, ``W_E[:p]`` (p, d_model)."""
        return self.W_E[: self.p]

    def _check(self, X: torch.Tensor) -> torch.Tensor:
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(f"X must be an int64 (n, 2) tensor of token pairs, got shape {tuple(X.shape)}")
        return X

    def _resid_mid(self, X: torch.Tensor) -> torch.Tensor:
        """The residual stream at the last position after attention, (n, d_model)."""
        X = self._check(X)
        h, dh = self.n_heads, self.d_head
        streams = self.W_E[: self.p].unsqueeze(0) + self.W_pos[:2].unsqueeze(1)  # (2, p, d): a at 0, b at 1
        last = self.W_E[self.p] + self.W_pos[2]  # (d,): "=" at 2
        k = torch.einsum("hed,spd->sphe", self.W_K, streams)  # (2, p, h, dh)
        v = torch.einsum("hed,spd->sphe", self.W_V, streams)
        q = torch.einsum("hed,d->he", self.W_Q, last)  # (h, dh)
        k_last = torch.einsum("hed,d->he", self.W_K, last)
        v_last = torch.einsum("hed,d->he", self.W_V, last)
        scores_tok = (k * q).sum(-1) / np.sqrt(dh)  # (2, p, h)
        score_last = (k_last * q).sum(-1) / np.sqrt(dh)  # (h,)
        a, b = X[:, 0], X[:, 1]
        scores = torch.stack([scores_tok[0, a], scores_tok[1, b], score_last.expand(len(X), h)], dim=1)  # (n, 3, h)
        attn = torch.softmax(scores, dim=1)
        z = attn[:, 0, :, None] * v[0, a] + attn[:, 1, :, None] * v[1, b] + attn[:, 2, :, None] * v_last  # (n, h, dh)
        return last + z.reshape(len(X), h * dh) @ self.W_O.T  # (n, d)

    def hidden(self, X: torch.Tensor) -> list[torch.Tensor]:
        """The MLP's ReLU activations at the last position: a list of one (n, d_mlp) tensor, for int64 pairs X (n, 2)."""
        return [torch.relu(self._resid_mid(X) @ self.W_in.T + self.b_in)]

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Logits (n, p) of the answer for int64 token pairs X (n, 2)."""
        resid = self._resid_mid(X)
        resid = resid + torch.relu(resid @ self.W_in.T + self.b_in) @ self.W_out.T + self.b_out
        return resid @ self.W_U

    def forward_full(self, X: torch.Tensor) -> torch.Tensor:
        """The literal computation on all three positions (Nanda et al.'s code), read at the last: logits (n, p)."""
        X = self._check(X)
        tokens = torch.cat([X, torch.full_like(X[:, :1], self.p)], dim=1)  # (n, 3)
        x = self.W_E[tokens] + self.W_pos  # (n, 3, d)
        k = torch.einsum("hed,npd->nhpe", self.W_K, x)
        q = torch.einsum("hed,npd->nhpe", self.W_Q, x)
        v = torch.einsum("hed,npd->nhpe", self.W_V, x)
        scores = torch.einsum("nhqe,nhke->nhqk", q, k) / np.sqrt(self.d_head)
        mask = torch.tril(torch.ones(3, 3, dtype=torch.bool))
        attn = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
        z = torch.einsum("nhqk,nhke->nqhe", attn, v).reshape(len(X), 3, self.d_model)
        x = x + z @ self.W_O.T
        x = x + torch.relu(x @ self.W_in.T + self.b_in) @ self.W_out.T + self.b_out
        return x[:, -1] @ self.W_U
