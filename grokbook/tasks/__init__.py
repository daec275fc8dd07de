"""The book's tasks: one module per task, each with its data, ``build`` and ``run_config``.

* :mod:`~grokbook.tasks.modular`: the table of ``a o b mod p`` with Gromov's
  quadratic network (chapter 0; its runs with gradient snapshots, chapter 5);
* :mod:`~grokbook.tasks.ising_bins`: energy bins of 8 x 8 Ising configurations
  with Hutchison & Yevick's network (chapters 2 and 3); its flat-in-energy
  sampling is :mod:`~grokbook.tasks.ising_bins_data`;
* :mod:`~grokbook.tasks.ising_phase`: ordered vs disordered configurations,
  Carrasquilla & Melko's phase task (chapter 3);
* :mod:`~grokbook.tasks.xor`: XOR at many widths, for the avalanche probe (chapter 5);
* :mod:`~grokbook.tasks.automata`: cellular-automaton rules with the tensor
  network (chapter 4); its data are :mod:`~grokbook.tasks.automata_data`,
  the aligned critical exponent of its seed ensembles
  :mod:`~grokbook.tasks.automata_exponent`.

Every task module has ``DEFAULT_CONFIG`` (a JSON-able dict), ``build(config,
seed) -> Setup`` (what :func:`grokbook.training.train` needs for one run) and
``run_config(config, seed) -> dict`` (one run for the results store and the
CLI).  Importing this package loads none of them (and no torch).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import torch

    from ..data import Dataset

__all__ = ["Setup"]


class Setup(NamedTuple):
    """What :func:`grokbook.training.train` needs for one run of a task: ``train(model, data, optimizer, loss_fn=loss_fn, ...)``.

    Attributes:
        data: the training and test sets.
        model: the initialised network (seeded by the run's seed).
        optimizer: built on ``model.parameters()``.
        loss_fn: ``(logits, y) -> scalar`` loss the run trains with (and its probes differentiate).
    """

    data: Dataset
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    loss_fn: Any
