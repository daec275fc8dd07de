"""grokbook: the helper package of the grokking book, and a library for your own grokking experiments.

The book crosses *tasks* with *probes*, and so does the package:

* :mod:`grokbook.tasks` — one module per task (``modular``, ``ising_bins``,
  ``ising_phase``, ``xor``, ``automata``), each with ``build(config, seed)``
  -> :class:`~grokbook.tasks.Setup` (data, model, optimizer, loss_fn) and
  ``run_config(config, seed)`` for the command line;
* :mod:`grokbook.probes` — one module per probe family (weights, gradients,
  representations, fourier, avalanche, sandpile, scaling, leads), each a
  snapshot callback and its analysis;
* :func:`train` (module :mod:`grokbook.training`) — the one training loop (a
  plain model or an :class:`Ensemble` of seeds), returning a :class:`History`;
* :mod:`grokbook.curves` — the one clock: ``t_fit``, ``t_grok``,
  :func:`grokking_times`, transition times, first crossings;
* :class:`ResultStore`, :func:`register`, :func:`run_sweep` — results keyed by
  (experiment, config, seed), named experiments, sweeps in-process or on Dask.

The public API (README, "Public API"): every name of ``__all__``, importable
from ``grokbook`` directly and loaded on first use, so ``import grokbook``
(and ``grokbook list``) imports neither torch nor dask:

* training: :func:`train` (the loop), :class:`History`, :class:`Dataset`,
  :class:`Setup`, :class:`Ensemble`, the losses ``cross_entropy``,
  ``mse_one_hot``, :class:`WeightPenalty`, ``torch_threads``;
* the clock: :func:`grokking_times` (t_fit, t_grok, delay, the verdict
  "grokked" / "did not grok" / ...), ``t_fit``, ``t_grok``, ``settle_time``,
  ``transition_time``, ``first_epoch_at``, ``crossing_time``; a time that does
  not exist is NaN;
* probes: :func:`probe_snapshot` (``probes=("weights", "gradients",
  "representation", "fourier")``, :data:`PROBE_FAMILIES`; by default the
  model's ``hidden(X)[-1]`` and ``embedding``), :func:`probe_curves`,
  :func:`lead_times`;
* results: :class:`ResultStore` (``.results``, ``.table``; the package's archive is
  ``grokbook.store.archive()``);
* the registry: :func:`register` (``paper=None``, ``replace=True``),
  :class:`Experiment` (``.sweep``, ``.results``), :func:`run_sweep`; the
  command line finds a user's module with ``grokbook --import MODULE run NAME``.

A user's experiment in a few lines::

    from grokbook import Dataset, ResultStore, probe_snapshot, register, train

    def run(config, seed):               # -> a flat dict of numbers and arrays
        data, model, optimizer, loss_fn = my_setup(config, seed)
        snapshot = functools.partial(probe_snapshot, loss_fn=loss_fn)
        history = train(model, data, optimizer, n_epochs=config["n_epochs"], loss_fn=loss_fn,
                        snapshot_epochs=range(0, config["n_epochs"] + 1, 50), snapshot=snapshot)
        return history.to_payload()

    experiment = register("my_task", "my task", run, quick={"n_epochs": 1000}, replace=True)
    experiment.sweep({}, seeds=range(3), store=ResultStore("results"))
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> the module that defines it (loaded on first access, PEP 562)
_PUBLIC: dict[str, str] = {
    # training
    "train": "grokbook.training",
    "History": "grokbook.training",
    "torch_threads": "grokbook.training",
    "Ensemble": "grokbook.ensemble",
    "Dataset": "grokbook.data",
    "Setup": "grokbook.tasks",
    "cross_entropy": "grokbook.losses",
    "mse_one_hot": "grokbook.losses",
    "WeightPenalty": "grokbook.losses",
    "IGNORE_INDEX": "grokbook.losses",
    # the clock
    "grokking_times": "grokbook.curves",
    "GrokkingTimes": "grokbook.curves",
    "t_fit": "grokbook.curves",
    "t_grok": "grokbook.curves",
    "settle_time": "grokbook.curves",
    "transition_time": "grokbook.curves",
    "first_epoch_at": "grokbook.curves",
    "crossing_time": "grokbook.curves",
    # probes
    "PROBES": "grokbook.probes",
    "PROBE_FAMILIES": "grokbook.probes",
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
    "scale", "solvable", "solvable_sim", "stats", "store", "tables", "tasks", "tensor_network", "training",
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
