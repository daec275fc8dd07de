"""The uniform tensor-network attention model of Zunkovic & Ilievski (arXiv 2210.15435).

Its prediction at site i is l_{i-1}^T B^{(x_i)} r_{i+1}, with left/right
environments built from the attention tensor A
(:class:`TensorNetworkAttention`); for frozen A it is exactly a perceptron with
D = 2 d^2 inputs (:func:`perceptron_features`).  :class:`CellLogits` turns
its logits into the per-cell two-class logits (0, z_i) that
:func:`grokbook.train.train` trains with the cross-entropy (the logistic loss
of z_i), on strings of several lengths padded with :data:`ABSENT` sites, and
remembers the perceptron features of a frozen A (:class:`FeatureCache`), so
that training only the read-out B costs one matrix product per step.  In a
seed ensemble (:class:`grokbook.ensemble.Ensemble`) it computes all members
at once on their stacked tensors (:meth:`CellLogits.stacked_forward`).

The rule-learning task it is trained on is :mod:`grokbook.tasks.automata`;
the solvable perceptron models are :mod:`grokbook.solvable` and
:mod:`grokbook.solvable_sim`.
"""

from __future__ import annotations

import torch
from torch._C._functorch import is_functorch_wrapped_tensor

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
    boundary vector l_{-1} = (1, ..., 1)/sqrt(d), the right one
    r_i = normalise(A^{(x_i)} r_{i+1}) likewise, and the logit at site i is

        z_i = l_{i-1}^T B^{(x_i)} r_{i+1},

    so the environments ("attention") summarise everything left and right of
    site i and B reads out the label.  Output: sigmoid(z_i), the probability
    that the label of site i is 1.

    Args:
        d: bond dimension, >= 1.
        freeze_A: if True, A is a buffer (not trained).
        seed: seed of the N(0, 1) initialisation.
    """

    def __init__(self, d: int, *, freeze_A: bool = False, seed: int = 0) -> None:
        super().__init__()
        self.d = check_int("d", d, minimum=1)
        generator = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
        A = torch.randn(d, d, 2, generator=generator, dtype=torch.float64)
        B = torch.randn(d, d, 2, generator=generator, dtype=torch.float64)
        if freeze_A:
            self.register_buffer("A", A)
        else:
            self.A = torch.nn.Parameter(A)
        self.B = torch.nn.Parameter(B)

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
        return _environments(_site_matrices(self.A, x), _check_present(present, x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits z, (n, L), for binary strings x, (n, L) of 0/1."""
        x = check_strings(x)
        left, right = self.environments(x)
        readout = self.B.permute(2, 0, 1)[x]  # (n, L, d, d): B^{(x_i)}
        return torch.einsum("nla,nlab,nlb->nl", left, readout, right)


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
    :func:`grokbook.train.train` evaluates it first) gets the remembered
    tensor itself, without a copy.  Values are computed without gradient:
    use it only for an A that does not train.
    """

    _CHUNK = 39  # cells per int64 code: 3^39 < 2^63

    def __init__(self) -> None:
        self.A: torch.Tensor | None = None
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

    def get(self, A: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Features (..., n, L, 2 d^2) of strings x (n, L) in {0, 1, ABSENT} under A (..., d, d, 2).

        A may be one attention tensor (d, d, 2) or a stack of them (S, d, d, 2),
        e.g. the frozen A of every member of an Ensemble; any values at absent
        sites.  The result may be the cache's own tensor: do not modify it.
        """
        if self.A is None or self.A.shape != A.shape or not torch.equal(self.A, A):
            self.A, self.tables = A.detach().clone(), {}
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
            new = _features(*_environments(_site_matrices(self.A, cells), present), cells)
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
    :func:`grokbook.train.train` then leave them out.

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
        A, B = self.network.A, self.network.B
        cache = None if is_functorch_wrapped_tensor(A) else self.cache  # under a transform (vmap, grad): nothing to remember
        return self._logits(A, B, x, cache)

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
        tensors = stacked | shared
        return self._logits(tensors["network.A"], tensors["network.B"], x, self.cache)

    def _logits(self, A: torch.Tensor, B: torch.Tensor, x: torch.Tensor, cache: FeatureCache | None) -> torch.Tensor:
        """Logits (..., n, L, 2) from A (d, d, 2) or (S, d, d, 2) and B (..., d, d, 2): one network, or S at once."""
        present = x != ABSENT
        cells = torch.where(present, x, 0)
        if A.requires_grad:  # trained: z_i = l_{i-1}^T B^{(x_i)} r_{i+1}
            left, right = _environments(_site_matrices(A, cells), present)  # (..., n, L, d)
            z = torch.einsum("...nla,...nlab,...nlb->...nl", left, _site_matrices(B, cells), right)
        else:  # frozen: the perceptron z_i = phi_i . vec(B), on features remembered once
            features = cache.get(A, x) if cache is not None else _features(*_environments(_site_matrices(A, cells), present), cells)
            weights = B.flatten(-3)  # (..., D)
            if weights.ndim == 1:  # one network
                z = features @ weights
            elif features.ndim == 4:  # one A per member: (S, n L, D) @ (S, D, 1)
                z = (features.flatten(-3, -2) @ weights[..., None])[..., 0].unflatten(-1, x.shape)
            else:  # one A shared by S read-outs: (n, L, D) @ (D, S)
                z = (features @ weights.T).movedim(-1, 0)
        logits = _pairs(torch.where(present, z, -1e4))
        return logits if self.site is None else logits[..., self.site, :]


def _pairs(z: torch.Tensor) -> torch.Tensor:
    """The two-class logits (0, z), (..., 2), of logits z (...): one padding, cheaper than stacking zeros."""
    return torch.nn.functional.pad(z[..., None], (1, 0))


def _check_inputs(x: torch.Tensor) -> None:
    if not isinstance(x, torch.Tensor) or x.ndim != 2:
        raise ValueError("x must be a 2-D (n, L) tensor")


def check_strings(x: torch.Tensor) -> torch.Tensor:
    """Return ``x`` as int64 after checking it is an (n, L) tensor of 0/1 cells (TypeError / ValueError otherwise)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch tensor of 0/1 strings, got {type(x).__name__}")
    if x.ndim != 2 or x.shape[1] < 1:
        raise ValueError(f"x must have shape (n, L) with L >= 1, got {tuple(x.shape)}")
    if torch.any((x != 0) & (x != 1)):
        raise ValueError("x must hold only 0 and 1")
    return x.long()


def _normalise(v: torch.Tensor) -> torch.Tensor:
    return v / (torch.linalg.vector_norm(v, dim=-1, keepdim=True) + 1e-12)


def _check_present(present: torch.Tensor | None, x: torch.Tensor) -> torch.Tensor | None:
    if present is not None and (not isinstance(present, torch.Tensor) or present.shape != x.shape or present.dtype != torch.bool):
        raise ValueError(f"present must be a bool tensor of shape {tuple(x.shape)}")
    return present


def _site_matrices(A: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """The site matrices A^{(x_i)}, (..., n, L, d, d), of A (..., d, d, 2) (one model or a stack) on cells x (n, L)."""
    return A.movedim(-1, -3)[..., x, :, :]


def _environments(site: torch.Tensor, present: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    """Left and right environments (..., n, L, d) from the site matrices (..., n, L, d, d) of one or several models.

    The recursion of :meth:`TensorNetworkAttention.environments`, on every
    (model, string) pair at once: leading model axes are flattened into the
    batch, so one model or a stack of them run the same operations.
    ``present`` (n, L) bool, or None when every site exists.
    """
    *batch, L, d, _ = site.shape
    if present is not None:
        identity = torch.eye(d, dtype=site.dtype).expand_as(site)
        site = torch.where(present[..., None, None], site, identity)
    sites = site.reshape(-1, L, d, d).unbind(1)  # L x (N, d, d), N = models x strings (one backward for all sites)
    boundary = torch.full((sites[0].shape[0], d), d**-0.5, dtype=site.dtype)
    left, right = [boundary], [boundary]
    for i in range(L - 1):
        left.append(_normalise(torch.einsum("na,nab->nb", left[-1], sites[i])))
        right.append(_normalise(torch.einsum("nab,nb->na", sites[L - 1 - i], right[-1])))
    return torch.stack(left, dim=1).reshape(*batch, L, d), torch.stack(right[::-1], dim=1).reshape(*batch, L, d)


def perceptron_features(model: TensorNetworkAttention, x: torch.Tensor) -> torch.Tensor:
    """Inputs of the perceptron that the frozen-A model is, (n, L, 2 d^2).

    z_i = l_{i-1}^T B^{(x_i)} r_{i+1} = sum_{a,b,k} [l_{i-1,a} r_{i+1,b} delta_{k,x_i}] B_{abk},
    so with A fixed the model is linear in vec(B): z_i = phi_i . vec(B) with
    phi_i = l_{i-1} (x) r_{i+1} (x) onehot(x_i), a perceptron with D = 2 d^2
    inputs whose weights are B (flattened in B's own (a, b, k) order).
    """
    x = check_strings(x)
    with torch.no_grad():
        return _features(*model.environments(x), x)


def _features(left: torch.Tensor, right: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """phi_i = l_{i-1} (x) r_{i+1} (x) onehot(x_i), (..., n, L, 2 d^2), from environments (..., n, L, d) and cells x (n, L)."""
    onehot = torch.nn.functional.one_hot(x, 2).to(left.dtype)  # (n, L, 2)
    phi = left[..., :, None, None] * right[..., None, :, None] * onehot[..., None, None, :]  # (..., n, L, d, d, 2)
    return phi.flatten(-3)
