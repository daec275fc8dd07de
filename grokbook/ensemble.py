"""Several networks of one architecture trained as one: stacked parameters, a vmapped forward pass.

A seed ensemble is how the book draws a mean curve with a band: n networks
that differ only in their initial weights (and dropout masks), trained on the
same data.  :class:`Ensemble` stacks their parameters along a new leading
axis (:func:`torch.func.stack_module_state`) and evaluates all members in one
call (:func:`torch.func.vmap` over :func:`torch.func.functional_call`), so a
step of :func:`grokbook.training.train` costs a few large tensor operations
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

Members may carry frozen tensors: parameters with ``requires_grad=False``
and buffers (the frozen attention tensor of
:class:`grokbook.tensor_network.TensorNetworkAttention` is one), shared when
equal in every member and stacked otherwise.  A per-member weight penalty is
``train``'s ``penalty``, vmapped over the stacked parameters.

A member class may compute a stack of its members itself: a method
``stacked_forward(stacked, shared, x)`` gets the stacked tensors (member
name -> (n_members, ...): parameters and stacked buffers) and the shared
buffers, and returns the outputs (n_members, batch, ...), or NotImplemented
to be vmapped after all.  :class:`grokbook.tensor_network.CellLogits` does:
its environments are a recursion of many small operations, on each of which
vmap pays an overhead, and a frozen attention tensor's features are worth
computing once for all members (``benchmarks/automata.py``).
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
    A member's frozen parameters (``requires_grad=False``) stay frozen: their
    stack does not require a gradient, so no optimizer step changes it.
    Buffers (e.g. a frozen attention tensor) are constants of the forward
    pass: a buffer equal in every member is kept once and shared (no vmapped
    axis, so a member may cache what it computes from it), any other one is
    stacked like the parameters.  Dropout draws different masks for different
    members.  :meth:`member` gives member i back as an ordinary module (a
    copy), for the analyses that expect one network.  The forward pass is a
    vmap of the members' ``forward``, or their class's ``stacked_forward``
    where it has one (see the module's docstring).

    Args:
        members: at least one module, all of the same class with parameters and
            buffers of equal names, shapes and ``requires_grad``; no batch
            norm (its running statistics would need their own update rule).
    """

    def __init__(self, members: Sequence[nn.Module]) -> None:
        super().__init__()
        members = list(members)
        if not members or not all(isinstance(m, nn.Module) for m in members):
            raise ValueError(f"members must be a non-empty sequence of torch modules, got {len(members)} items")
        first = members[0]

        def signature(module: nn.Module) -> tuple[dict, dict]:
            return (
                {name: (p.shape, p.requires_grad) for name, p in module.named_parameters()},
                {name: b.shape for name, b in module.named_buffers()},
            )

        for i, member in enumerate(members):
            if type(member) is not type(first) or signature(member) != signature(first):
                raise ValueError(f"members must share one architecture; member {i} differs from member 0")
            if any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in member.modules()):
                raise ValueError(f"members must not hold batch norm; member {i} does")
        self.n_members = len(members)
        params, buffers = stack_module_state(members)
        self.names = list(params)
        self.stacked = nn.ParameterList(
            nn.Parameter(params[name].detach().clone(), requires_grad=params[name].requires_grad) for name in self.names
        )
        self.buffer_names = list(buffers)  # registered as buffer_0, buffer_1, ... (a buffer name holds no dots)
        self.shared = []  # per buffer: True if kept once (equal in every member), False if stacked
        for k, name in enumerate(self.buffer_names):
            values = [dict(m.named_buffers())[name] for m in members]
            shared = all(torch.equal(v, values[0]) for v in values)
            self.shared.append(shared)
            self.register_buffer(f"buffer_{k}", (values[0] if shared else buffers[name]).detach().clone())
        self._template = [copy.deepcopy(first)]  # in a list: not a registered submodule, its parameters are not ours

    def __len__(self) -> int:
        return self.n_members

    def member_parameters(self, *, trainable: bool = False) -> dict[str, torch.Tensor]:
        """Member parameter name -> stacked tensor (n_members, ...); only those that require a gradient if ``trainable``."""
        return {name: p for name, p in zip(self.names, self.stacked) if p.requires_grad or not trainable}

    def _buffers_split(self) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """(stacked, shared) buffers, member buffer name -> tensor."""
        stacked, shared = {}, {}
        for k, (name, is_shared) in enumerate(zip(self.buffer_names, self.shared)):
            (shared if is_shared else stacked)[name] = getattr(self, f"buffer_{k}")
        return stacked, shared

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Outputs of every member on the same inputs x (batch, ...): (n_members, batch, ...)."""
        template = self._template[0].train(self.training)
        stacked_buffers, shared_buffers = self._buffers_split()
        if hasattr(template, "stacked_forward"):  # the members' class computes them all at once
            out = template.stacked_forward(self.member_parameters() | stacked_buffers, shared_buffers, x)
            if out is not NotImplemented:
                return out

        def call_member(params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
            return functional_call(template, {**params, **buffers, **shared_buffers}, (x,))

        return vmap(call_member, in_dims=(0, 0, None), randomness="different")(self.member_parameters(), stacked_buffers, x)

    def member(self, i: int) -> nn.Module:
        """A copy of member ``i`` as an ordinary module with its current weights and buffers (0 <= i < n_members)."""
        if not isinstance(i, int) or not 0 <= i < len(self):
            raise ValueError(f"i must be an int in [0, {len(self)}), got {i!r}")
        module = copy.deepcopy(self._template[0])
        stacked_buffers, shared_buffers = self._buffers_split()
        with torch.no_grad():
            state = {name: p[i].detach().clone() for name, p in self.member_parameters().items()}
            state |= {name: b[i].clone() for name, b in stacked_buffers.items()}
            state |= {name: b.clone() for name, b in shared_buffers.items()}
        module.load_state_dict(state)
        return module.train(self.training)
