"""The uniform tensor-network attention model of Zunkovic & Ilievski (arXiv 2210.15435).

Its prediction at site i is l_{i-1}^T B^{(x_i)} r_{i+1}, with left/right
environments built from the attention tensor A
(:class:`TensorNetworkAttention`); for frozen A it is exactly a perceptron with
D = 2 d^2 inputs (:func:`perceptron_features`).  :class:`CellLogits` turns
its logits into the per-cell two-class logits (0, z_i) that
:func:`grokbook.training.train` trains with the cross-entropy (the logistic loss
of z_i), on strings of several lengths padded with :data:`ABSENT` sites, and
remembers the perceptron features of a frozen A (:class:`FeatureCache`), so
that training only the read-out B costs one matrix product per step.  In a
seed ensemble (:class:`grokbook.ensemble.Ensemble`) it computes all members
at once on their stacked tensors (:meth:`CellLogits.stacked_forward`).

The rule-learning task it is trained on is :mod:`grokbook.tasks.automata`;
the solvable perceptron models are :mod:`grokbook.solvable` and
:mod:`grokbook.solvable_sim`; the recursions themselves are
:mod:`grokbook.tensor_network_ops`.
"""

from __future__ import annotations

import torch
from torch._C._functorch import is_functorch_wrapped_tensor

from .tensor_network_ops import (
    _check_inputs,
    _check_present,
    _environments,
    _features,
    _local_maps,
    _pairs,
    _readout,
    check_strings,
    perceptron_features,
)
from .validate import check_int

__all__ = [
    "TensorNetworkAttention",
    "perceptron_features",
    "ABSENT",
    "CellLogits",
    "FeatureCache",
    "check_strings",
]

#: Input value of an absent site: left padding that lets strings of several lengths share one tensor.
ABSENT = 2


class TensorNetworkAttention(torch.nn.Module):
    """Uniform tensor-network attention on binary strings (open boundaries).

    Parameters: the attention tensor A and the transformation tensor B, both
    (d, d, 2), the same at every site.  For a string x of length L the left
    environment of site i is l_i = normalise(l_{i-1} A^{(x_i)}) from a fixed
    boundary vector l_{-1} (buffer ``left_boundary``, default
    (1, ..., 1)/sqrt(d)), the right one r_i = normalise(A^{(x_i)} r_{i+1})
    from r_L (``right_boundary``), and with h_k = l_{i-1}^T B^{(k)} r_{i+1}
    the logit at site i is

        z_i = h_{x_i}                                  (readout "linear"), or
        z_i = s h_{x_i} / (sqrt(h_0^2 + h_1^2) + 1e-6)  (readout "normalised"),

    the second being the authors' read-out (their ``TDVP_V2``: the local map
    H_i normalised and scaled by a trainable scalar s, initialised to 1, so
    |z_i| <= |s|; with a sigmoid and the squared error it is their model).
    The environments ("attention") summarise everything left and right of
    site i and B reads out the label.  Output: sigmoid(z_i), the probability
    that the label of site i is 1.

    Args:
        d: bond dimension, >= 1.
        freeze_A: if True, A is a buffer (not trained).
        readout: "linear" or "normalised" (adds the parameter ``scale``).
        seed: seed of the N(0, 1) initialisation.
    """

    def __init__(self, d: int, *, freeze_A: bool = False, readout: str = "linear", seed: int = 0) -> None:
        super().__init__()
        self.d = check_int("d", d, minimum=1)
        if readout not in READOUTS:
            raise ValueError(f"readout must be one of {READOUTS}, got {readout!r}")
        self.readout = readout
        generator = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
        A = torch.randn(d, d, 2, generator=generator, dtype=torch.float64)
        B = torch.randn(d, d, 2, generator=generator, dtype=torch.float64)
        if freeze_A:
            self.register_buffer("A", A)
        else:
            self.A = torch.nn.Parameter(A)
        self.B = torch.nn.Parameter(B)
        if readout == "normalised":
            self.scale = torch.nn.Parameter(torch.ones((), dtype=torch.float64))
        uniform = torch.full((d,), d**-0.5, dtype=torch.float64)
        self.register_buffer("left_boundary", uniform.clone())
        self.register_buffer("right_boundary", uniform.clone())

    def environments(self, x: torch.Tensor, present: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Left and right environments of every site, each (n, L, d).

        ``left[:, i]`` summarises sites < i and ``right[:, i]`` sites > i (the
        boundary vector where there are none).  ``present`` (n, L) bool marks
        the sites that exist; an absent site passes the environments through
        unchanged (its transfer matrix is the identity), so a string padded
        with absent sites at its left end has the environments of the
        unpadded string (to a relative 1e-12 per absent site, the guard of the
        normalisation): this is how strings of several lengths share a batch.
        """
        x = check_strings(x)
        return _environments(self.A, x, _check_present(present, x), (self.left_boundary, self.right_boundary))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits z, (n, L), for binary strings x, (n, L) of 0/1."""
        x = check_strings(x)
        left, right = self.environments(x)
        return _readout(_local_maps(left, right, self.B), x, getattr(self, "scale", None))


#: The read-outs of :class:`TensorNetworkAttention`.
READOUTS = ("linear", "normalised")


def authors_frozen_attention(*, readout: str = "normalised", seed: int = 0) -> TensorNetworkAttention:
    """The d = 2 network with the authors' hand-made frozen attention tensor (their ``tdvp.py``, D = 2, din = 2).

    Their A[:, :, 0] = [[1, 1], [0, 0]] acts on a cell 1 and A[:, :, 1] =
    [[1, 0], [1, 1]] on a cell 0; in our index order (A^{(k)} = A[:, :, k]
    acts on a cell k) A^{(1)} = [[1, 1], [0, 0]] and A^{(0)} = [[1, 0], [1, 1]].
    A^{(1)} = e_0 (1, 1)^T resets the left environment to (1, 1)/sqrt 2 and
    the right one to e_0; A^{(0)} counts the zeros since the last 1:
    l = (1 + k, 1) and r = (1, k) up to normalisation after k zeros.  So
    l_{i-1} tells whether x_{i-1} = 1 and r_{i+1} whether x_{i+1} = 1, which
    is what a 3-local rule (rule 30 applied once) needs.  The boundary
    vectors are the environments of an infinite run of zeros (the fixed
    points of A^{(0)}: l_{-1} = (1, 0), r_L = (0, 1)), which is what the
    fixed-zero boundary of the labels is; the authors' open boundary uses
    e_0 on both sides, whose right one reads as a 1 (so their frozen runs use
    periodic boundaries).  B (and ``scale``) are drawn from ``seed`` and train.
    """
    network = TensorNetworkAttention(2, freeze_A=True, readout=readout, seed=seed)
    with torch.no_grad():
        zero_cell = torch.tensor([[1.0, 0.0], [1.0, 1.0]], dtype=torch.float64)  # A^{(0)}
        one_cell = torch.tensor([[1.0, 1.0], [0.0, 0.0]], dtype=torch.float64)  # A^{(1)}
        network.A.copy_(torch.stack([zero_cell, one_cell], dim=-1))
        network.left_boundary.copy_(torch.tensor([1.0, 0.0], dtype=torch.float64))
        network.right_boundary.copy_(torch.tensor([0.0, 1.0], dtype=torch.float64))
    return network


class FeatureCache:
    """The perceptron features of a frozen attention tensor, remembered string by string.

    With A fixed, the environments of a string never change, and the logits
    are z_i = phi_i . vec(B) (:func:`perceptron_features`), so a read-out
    trained on a fixed set of strings needs the features phi once, and a step
    is one matrix product.  :meth:`get` looks every string of a batch up (by an
    integer code of its cells, checked cell by cell, so a hit is exact) and
    computes the features only on a miss; the cache is emptied when A
    changes.  A may be a stack of attention tensors (the frozen A of each
    member of an ensemble): the features of all of them are computed at once
    and looked up together.  Strings are kept in the order first seen, so a
    batch equal to the first one remembered (a whole data set, as
    :func:`grokbook.training.train` evaluates it first) gets the remembered
    tensor itself, without a copy.  Values are computed without gradient:
    use it only for an A that does not train.
    """

    _CHUNK = 39  # cells per int64 code: 3^39 < 2^63

    def __init__(self) -> None:
        self.A: tuple[torch.Tensor, ...] | None = None  # (A, left boundary, right boundary) of the remembered features
        self.tables: dict[int, tuple[torch.Tensor, ...]] = {}  # L -> (strings, features, codes sorted, their rows)

    def __deepcopy__(self, memo: dict) -> FeatureCache:
        return FeatureCache()  # a copied model (e.g. Ensemble.member) starts empty: remembered features are not state

    def _codes(self, x: torch.Tensor) -> torch.Tensor:
        """(n,) int64 code of each string of cells in {0, 1, ABSENT}: exact for L <= 39, else a hash."""
        L = x.shape[1]
        powers = 3 ** torch.arange(min(L, self._CHUNK), dtype=torch.int64)  # (chunk,)
        code = torch.zeros(len(x), dtype=torch.int64)
        for start in range(0, L, self._CHUNK):
            chunk = x[:, start : start + self._CHUNK]
            code = code ^ (chunk * powers[: chunk.shape[1]]).sum(dim=1)
        return code

    def get(self, A: torch.Tensor, x: torch.Tensor, boundaries: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
        """Features (..., n, L, 2 d^2) of strings x (n, L) in {0, 1, ABSENT} under A (..., d, d, 2).

        A may be one attention tensor (d, d, 2) or a stack of them (S, d, d, 2),
        e.g. the frozen A of every member of an Ensemble; any values at absent
        sites.  ``boundaries``: the (left, right) boundary vectors, (d,) or
        (S, d); default uniform.  The result may be the cache's own tensor: do
        not modify it.
        """
        if boundaries is None:
            uniform = torch.full((A.shape[-2],), A.shape[-2] ** -0.5, dtype=A.dtype)
            boundaries = (uniform, uniform)
        key = (A, *boundaries)
        if self.A is None or any(old.shape != new.shape or not torch.equal(old, new) for old, new in zip(self.A, key)):
            self.A, self.tables = tuple(t.detach().clone() for t in key), {}
        table = self.tables.get(x.shape[1])
        if table is not None:
            strings, features, codes, rows = table
            if strings.shape == x.shape and torch.equal(strings, x):  # the strings remembered first, in their order
                return features  # (e.g. a whole data set): no copy
            where = rows[torch.searchsorted(codes, self._codes(x)).clamp_(max=len(codes) - 1)]
            if torch.equal(strings[where], x):
                return features.index_select(-3, where)
        present = x != ABSENT
        cells = torch.where(present, x, 0)
        with torch.no_grad():
            new = _features(*_environments(self.A[0], cells, present, self.A[1:]), cells)
        strings, features = (x, new) if table is None else (torch.cat([table[0], x]), torch.cat([table[1], new], dim=-3))
        code = self._codes(strings)
        order = torch.argsort(code, stable=True)
        first = torch.ones(len(code), dtype=torch.bool)
        first[1:] = code[order[1:]] != code[order[:-1]]  # one entry per code (a colliding string stays a miss)
        keep = order[first].sort().values  # in the order first seen
        code, rows = code[keep], torch.argsort(code[keep])
        self.tables[x.shape[1]] = (strings[keep], features.index_select(-3, keep), code[rows], rows)
        return new


class CellLogits(torch.nn.Module):
    """Two-class logits (0, z) per cell, or of one site, for the book's training loop.

    The logit z_i enters as the pair (0, z_i), whose softmax cross-entropy is
    the logistic loss of z_i.  For a :class:`TensorNetworkAttention`, inputs
    may carry :data:`ABSENT` sites at their left end (strings of several
    lengths padded to one): those sites pass the environments through
    unchanged, so the present sites get (to rounding) the logits of the
    unpadded string, and they output the fixed pair (0, -1e4).  Label absent
    sites :data:`grokbook.losses.IGNORE_INDEX`: the loss and the accuracies of
    :func:`grokbook.training.train` then leave them out.

    When the network's A is frozen (a buffer, or a parameter that does not
    require a gradient), the model is the perceptron z_i = phi_i . vec(B) on
    features remembered by a :class:`FeatureCache`: each string's features
    are computed once, and a step costs one matrix product.

    In an :class:`grokbook.ensemble.Ensemble`, :meth:`stacked_forward`
    computes every member at once on the stacked tensors (the members
    flattened into the batch of each operation), instead of a vmap over
    members, which pays its overhead on each of the many small operations
    of the environments' recursion: a trained A's environments are one
    recursion for all members, and the features of a frozen A, shared by the
    members or one per member, are computed once for all of them and
    remembered.

    Args:
        network: a TensorNetworkAttention (logits (n, L)), or any module whose
            output (n, L) holds one logit per site (e.g. a perceptron on
            :func:`perceptron_features`, output (n, 1)).
        site: if given, only this site's logits, (n, 2); else every site's, (n, L, 2).
    """

    def __init__(self, network: torch.nn.Module, *, site: int | None = None) -> None:
        super().__init__()
        if not isinstance(network, torch.nn.Module):
            raise TypeError(f"network must be a torch module, got {type(network).__name__}")
        self.network = network
        self.site = None if site is None else check_int("site", site, minimum=0)
        self.cache = FeatureCache()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (n, L, 2), or (n, 2) with ``site``, of inputs x (n, L) (strings of 0, 1 and ABSENT for the tensor network)."""
        _check_inputs(x)
        if not isinstance(self.network, TensorNetworkAttention):
            z = self.network(x)  # (n, L)
            return _pairs(z if self.site is None else z[:, self.site])
        network = self.network
        cache = None if is_functorch_wrapped_tensor(network.A) else self.cache  # under a transform (vmap, grad): nothing to remember
        boundaries = (network.left_boundary, network.right_boundary)
        return self._logits(network.A, network.B, x, cache, boundaries, getattr(network, "scale", None))

    def stacked_forward(self, stacked: dict[str, torch.Tensor], shared: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        """Logits (S, n, L, 2) (or (S, n, 2)) of S members at once, the Ensemble's alternative to vmap.

        Args:
            stacked: member tensor name -> (S, ...) stack (parameters, and buffers that differ between members).
            shared: member buffer name -> tensor equal in every member.
            x: (n, L) strings, the same for every member.

        Returns NotImplemented (the Ensemble then vmaps :meth:`forward`)
        when the network is not a TensorNetworkAttention.
        """
        if not isinstance(self.network, TensorNetworkAttention):
            return NotImplemented
        _check_inputs(x)
        t = stacked | shared
        boundaries = (t["network.left_boundary"], t["network.right_boundary"])
        return self._logits(t["network.A"], t["network.B"], x, self.cache, boundaries, t.get("network.scale"))

    #: Without gradient, strings are evaluated in chunks of at most this many (member, string, site) triples.
    CHUNK = 2**19

    def _logits(
        self, A: torch.Tensor, B: torch.Tensor, x: torch.Tensor, cache: FeatureCache | None,
        boundaries: tuple[torch.Tensor, torch.Tensor], scale: torch.Tensor | None,
    ) -> torch.Tensor:  # fmt: skip
        """Logits (..., n, L, 2) from A (d, d, 2) or (S, d, d, 2) and B (..., d, d, 2): one network, or S at once.

        Without gradient (evaluation), long test sets go in chunks of strings,
        so that the environments of, e.g., 48 members on 256 strings of 1000
        cells need not be held at once.
        """
        members = B.shape[0] if B.ndim == 4 else 1
        per_chunk = max(1, self.CHUNK // (members * x.shape[1]))
        if not torch.is_grad_enabled() and len(x) > per_chunk:
            parts = [self._logits(A, B, x[k : k + per_chunk], cache, boundaries, scale) for k in range(0, len(x), per_chunk)]
            return torch.cat(parts, dim=-3 if self.site is None else -2)
        present = x != ABSENT
        cells = torch.where(present, x, 0)
        if A.requires_grad:  # trained: h_k = l_{i-1}^T B^{(k)} r_{i+1}
            z = _readout(_local_maps(*_environments(A, cells, present, boundaries), B), cells, scale)
        else:  # frozen: the perceptron z_i = phi_i . vec(B), on features remembered once
            if cache is not None:
                features = cache.get(A, x, boundaries)
            else:
                features = _features(*_environments(A, cells, present, boundaries), cells)
            if scale is not None:  # normalised read-out: h_k from the pair features l (x) r, (..., n, L, d^2)
                pair = features.unflatten(-1, (-1, 2)).sum(-1)  # phi = pair (x) onehot(x_i): one of the two is zero
                weights = B.flatten(-3, -2)  # (..., d^2, 2)
                if weights.ndim == 2:  # one network
                    h = pair @ weights
                elif pair.ndim == 4:  # one A per member
                    h = torch.einsum("snlp,spk->snlk", pair, weights)
                else:  # one A shared by S read-outs
                    h = torch.einsum("nlp,spk->snlk", pair, weights)
                z = _readout(h, cells, scale)
            else:
                weights = B.flatten(-3)  # (..., D)
                if weights.ndim == 1:  # one network
                    z = features @ weights
                elif features.ndim == 4:  # one A per member: (S, n L, D) @ (S, D, 1)
                    z = (features.flatten(-3, -2) @ weights[..., None])[..., 0].unflatten(-1, x.shape)
                else:  # one A shared by S read-outs: (n, L, D) @ (D, S)
                    z = (features @ weights.T).movedim(-1, 0)
        logits = _pairs(torch.where(present, z, -1e4))
        return logits if self.site is None else logits[..., self.site, :]
