"""The recursions of :mod:`grokbook.tensor_network`, on one model or a stack of them.

The environments l_i = normalise(l_{i-1} A^{(x_i)}), r_i = normalise(A^{(x_i)} r_{i+1})
of every (model, string) pair at once, the local maps h_k = l_{i-1}^T B^{(k)} r_{i+1},
the two read-outs (h_{x_i}, or s h_{x_i} / |h|), the perceptron features
phi_i = l_{i-1} (x) r_{i+1} (x) onehot(x_i) of a frozen A, and the checks of the
inputs; the modules that use them are in :mod:`grokbook.tensor_network`.
"""

from __future__ import annotations

import torch

__all__ = ["check_strings", "perceptron_features"]


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


def _local_maps(left: torch.Tensor, right: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """h_k = l_{i-1}^T B^{(k)} r_{i+1} for both k, (..., n, L, 2), from environments (..., n, L, d) and B (..., d, d, 2)."""
    return torch.einsum("...nla,...abk,...nlb->...nlk", left, B, right)


def _readout(h: torch.Tensor, cells: torch.Tensor, scale: torch.Tensor | None) -> torch.Tensor:
    """Logits (..., n, L): h_{x_i} (linear read-out, scale None) or scale h_{x_i} / (|h| + 1e-6) (normalised)."""
    z = h.gather(-1, cells.expand(h.shape[:-1])[..., None])[..., 0]
    if scale is None:
        return z
    scale = scale.reshape(scale.shape + (1, 1))  # () or (S,): one per member
    return scale * z / (torch.linalg.vector_norm(h, dim=-1) + 1e-6)


def _environments(
    A: torch.Tensor, x: torch.Tensor, present: torch.Tensor | None, boundaries: tuple[torch.Tensor, torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Left and right environments (..., n, L, d) of strings x (n, L) under A (..., d, d, 2), one model or a stack.

    The recursion of :meth:`TensorNetworkAttention.environments`, on every
    (model, string) pair at once.  A step multiplies the environments of all
    strings by [A^{(0)} | A^{(1)} | 1] in one batched matrix product (one per
    model) and keeps, per string, the block of its cell (the identity for an
    absent site, so absent sites pass the environments through): no site
    matrix of a string is ever materialised, so long strings cost only their
    environments.  ``present`` (n, L) bool, or None when every site exists;
    ``boundaries`` (l_{-1}, r_L), each (d,) or (S, d).
    """
    *batch, d, _, _ = A.shape
    n, L = x.shape
    code = x if present is None else torch.where(present, x, 2)  # 0, 1, or 2 for the identity
    stack = A.reshape(-1, d, d, 2)  # (M, d, d, 2), M models
    M = stack.shape[0]
    identity = torch.eye(d, dtype=A.dtype).expand(M, d, d)
    to_left = torch.cat([stack[..., 0], stack[..., 1], identity], dim=-1)  # (M, d, 3d): l -> l A^{(k)}
    to_right = torch.cat([stack[..., 0].mT, stack[..., 1].mT, identity], dim=-1)  # r -> (A^{(k)} r)^T

    def step(v: torch.Tensor, matrices: torch.Tensor, i: int) -> torch.Tensor:  # (M, n, d) -> (M, n, d)
        blocks = torch.bmm(v, matrices).unflatten(-1, (3, d))  # (M, n, 3, d)
        chosen = blocks.gather(2, code[:, i].view(1, n, 1, 1).expand(M, n, 1, d))[:, :, 0]
        return _normalise(chosen)

    def start(boundary: torch.Tensor) -> torch.Tensor:
        return boundary.to(A.dtype).reshape(-1, 1, d).expand(M, n, d)

    left, right = [start(boundaries[0])], [start(boundaries[1])]
    for i in range(L - 1):
        left.append(step(left[-1], to_left, i))
        right.append(step(right[-1], to_right, L - 1 - i))
    return torch.stack(left, dim=-2).reshape(*batch, n, L, d), torch.stack(right[::-1], dim=-2).reshape(*batch, n, L, d)


def _features(left: torch.Tensor, right: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """phi_i = l_{i-1} (x) r_{i+1} (x) onehot(x_i), (..., n, L, 2 d^2), from environments (..., n, L, d) and cells x (n, L)."""
    onehot = torch.nn.functional.one_hot(x, 2).to(left.dtype)  # (n, L, 2)
    phi = left[..., :, None, None] * right[..., None, :, None] * onehot[..., None, None, :]  # (..., n, L, d, d, 2)
    return phi.flatten(-3)


def perceptron_features(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Inputs of the perceptron that a frozen-A :class:`~grokbook.tensor_network.TensorNetworkAttention` is, (n, L, 2 d^2).

    z_i = l_{i-1}^T B^{(x_i)} r_{i+1} = sum_{a,b,k} [l_{i-1,a} r_{i+1,b} delta_{k,x_i}] B_{abk},
    so with A fixed the model is linear in vec(B): z_i = phi_i . vec(B) with
    phi_i = l_{i-1} (x) r_{i+1} (x) onehot(x_i), a perceptron with D = 2 d^2
    inputs whose weights are B (flattened in B's own (a, b, k) order).
    """
    x = check_strings(x)
    with torch.no_grad():
        return _features(*model.environments(x), x)
