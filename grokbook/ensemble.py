"""Several networks of one architecture trained as one: stacked parameters, a vmapped forward pass.

A seed ensemble is how the book draws a mean curve with a band: n networks
that differ only in their initial weights (and dropout masks), trained on the
same data.  :class:`Ensemble` stacks their parameters along a new leading
axis (:func:`torch.func.stack_module_state`) and evaluates all members in one
call (:func:`torch.func.vmap` over :func:`torch.func.functional_call`), so a
step of :func:`grokbook.train.train` costs a few large tensor operations
instead of n small ones.

Training the stacked parameters with one optimizer is exactly training each
member with its own optimizer *when the optimizer acts elementwise*: SGD (with
momentum), Adam and AdamW update each entry from that entry's own gradient
history, and the loss is the sum of the members' losses, so member i's
gradient is the gradient of its own loss.  Optimizers that couple entries
(LBFGS, clipping by a global norm) would mix members and are not supported.

The speed-up is large for small networks, where a per-seed loop pays Python
and dispatch overhead per tiny operation (8x for 32 XOR networks), and there
is none for matmul-bound ones on a CPU: the Ising network trains at 0.6-0.7x
the speed of a plain loop (``benchmarks/ensemble.py`` measures both).  Results agree with a
per-seed loop to float round-off, not bitwise: batched matrix products sum in
another order.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

__all__ = ["Ensemble"]


class Ensemble(nn.Module):
    """n members of one architecture with stacked parameters; ``forward`` returns (n_members, batch, ...).

    Its parameters are the stacked tensors, each of shape (n_members, *shape of
    the member's parameter): build the optimizer on ``ensemble.parameters()``.
    Dropout draws different masks for different members.
    :meth:`member` gives member i back as an ordinary module (a copy), for the
    analyses that expect one network.

    Args:
        members: at least one module, all of the same class with parameters of
            equal names and shapes, and without buffers (batch norm's running
            statistics would need their own update rule).
    """

    def __init__(self, members: Sequence[nn.Module]) -> None:
        super().__init__()
        members = list(members)
        if not members or not all(isinstance(m, nn.Module) for m in members):
            raise ValueError(f"members must be a non-empty sequence of torch modules, got {len(members)} items")
        first = members[0]
        shapes = {name: p.shape for name, p in first.named_parameters()}
        for i, member in enumerate(members):
            if type(member) is not type(first) or {n: p.shape for n, p in member.named_parameters()} != shapes:
                raise ValueError(f"members must share one architecture; member {i} differs from member 0")
            if any(True for _ in member.buffers()):
                raise ValueError(f"members must not have buffers; member {i} has {[n for n, _ in member.named_buffers()]}")
        params, _ = stack_module_state(members)
        self.names = list(params)
        self.stacked = nn.ParameterList(nn.Parameter(params[name].detach().clone()) for name in self.names)
        self._template = [copy.deepcopy(first)]  # in a list: not a registered submodule, its parameters are not ours

    def __len__(self) -> int:
        return self.stacked[0].shape[0]

    def _call_member(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        return functional_call(self._template[0], params, (x,))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Outputs of every member on the same inputs x (batch, ...): (n_members, batch, ...)."""
        self._template[0].train(self.training)
        params = dict(zip(self.names, self.stacked))
        return vmap(self._call_member, in_dims=(0, None), randomness="different")(params, x)

    def member(self, i: int) -> nn.Module:
        """A copy of member ``i`` as an ordinary module with its current weights (0 <= i < n_members)."""
        if not isinstance(i, int) or not 0 <= i < len(self):
            raise ValueError(f"i must be an int in [0, {len(self)}), got {i!r}")
        module = copy.deepcopy(self._template[0])
        with torch.no_grad():
            state = {name: p[i].detach().clone() for name, p in zip(self.names, self.stacked)}
        module.load_state_dict(state)
        return module.train(self.training)
