"""grokbook: the helper package of the grokking book.

The book crosses *tasks* with *probes*, and so does the package:

* :mod:`grokbook.tasks` — one module per task (``modular``, ``ising_bins``,
  ``ising_phase``, ``xor``, ``automata``), each with ``build(config, seed)``
  -> :class:`~grokbook.tasks.Setup` (data, model, optimizer, loss_fn) and
  ``run_config(config, seed)`` for the command line;
* :mod:`grokbook.probes` — one module per probe family (weights, gradients,
  representations, fourier, avalanche, sandpile, scaling, leads), each a
  snapshot callback and its analysis;
* :func:`train` — the one training loop (a plain model or an
  :class:`Ensemble` of seeds), returning a :class:`History`;
* :mod:`grokbook.curves` — the one clock: ``t_fit``, ``t_grok``, transition
  times, first crossings;
* :class:`ResultStore`, :func:`register`, :func:`run_sweep` — results keyed by
  (experiment, config, seed), named experiments, sweeps in-process or on Dask.

The public names below are importable from ``grokbook`` directly; they are
loaded on first use, so ``import grokbook`` (and ``grokbook list``) imports
neither torch nor dask::

    from grokbook import train, History, curves, probes, tasks
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> the module that defines it (loaded on first access, PEP 562)
_PUBLIC: dict[str, str] = {
    # training
    "History": "grokbook.train",
    "torch_threads": "grokbook.train",
    "Ensemble": "grokbook.ensemble",
    "Dataset": "grokbook.data",
    "cross_entropy": "grokbook.losses",
    "mse_one_hot": "grokbook.losses",
    "WeightPenalty": "grokbook.losses",
    "IGNORE_INDEX": "grokbook.losses",
    # the clock
    "t_fit": "grokbook.curves",
    "t_grok": "grokbook.curves",
    "settle_time": "grokbook.curves",
    "transition_time": "grokbook.curves",
    "first_epoch_at": "grokbook.curves",
    "crossing_time": "grokbook.curves",
    # probes
    "probe_snapshot": "grokbook.probes",
    "probe_curves": "grokbook.probes",
    "lead_times": "grokbook.probes",
    # results and experiments
    "ResultStore": "grokbook.store",
    "Experiment": "grokbook.experiments",
    "register": "grokbook.experiments",
    "run_sweep": "grokbook.experiments",
    # chapters
    "setup": "grokbook.book",
}

#: subpackages and modules reachable as attributes (``grokbook.curves``, ``grokbook.tasks.modular``, ...)
_MODULES = (
    "book", "curves", "data", "ensemble", "experiments", "ising", "losses", "models", "plots", "probes",
    "scale", "solvable", "solvable_sim", "stats", "store", "tasks", "tensor_network", "train",
)  # fmt: skip

__all__ = ["__version__", *_PUBLIC, *_MODULES]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
    elif name in _MODULES:
        value = importlib.import_module(f"grokbook.{name}")
    else:
        raise AttributeError(f"module 'grokbook' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
