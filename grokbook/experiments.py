"""Named experiments: what ``grokbook run NAME`` and the notebooks run at full scale; a lazy registry.

An :class:`Experiment` is a function ``run_config(config, seed) -> dict`` (a
flat dict of numpy arrays and numbers, what the results store keeps) with two
default configs: ``quick`` (seconds to minutes on a laptop CPU, what the
notebooks use) and ``paper`` (the scale of the paper's figures, for the CLI).
Registering one is a single call (``paper`` defaults to the quick config;
``replace=True`` registers a name again).  A user's experiments come from
their own module, ``grokbook --import MODULE run NAME``, or from an
installed package's entry point in the group ``grokbook.experiments``
(:mod:`grokbook.plugins`).  The function may be named by a
``"module:function"`` string and the configs given by :func:`_defaults` (a
chapter module's dict), both resolved on first use, so importing this module
imports neither torch nor any chapter::

    register("modular_addition", "Power et al. (2022) modular addition, one seed",
             "grokbook.tasks.modular:run_config",
             quick=_defaults("tasks.modular"), paper=_defaults("tasks.modular", n_epochs=3000))

Configs are checked against the quick defaults: an unknown key raises a
``ValueError`` naming it, a value of the wrong type a ``TypeError``, and
missing keys take their quick default.  :func:`run_sweep` / :func:`run_sweeps`
run seeds through the results store, in this process or on a Dask cluster
(:mod:`grokbook.sweeps`).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from numbers import Integral, Real
from types import MappingProxyType
from typing import Any

import numpy as np

from .scale import SCALES
from .store import ResultStore, Result, SweepReport, check_experiment_name, config_hash
from .validate import check_choice, check_int

__all__ = ["SCALES", "DEVICES", "EXPERIMENTS", "Experiment", "register", "get", "run_sweep", "run_sweeps", "resolve_target"]

RunConfig = Callable[..., dict]
#: the torch devices ``--device`` accepts
DEVICES = ("cpu", "cuda")


def _check_value(key: str, value: Any, default: Any) -> Any:
    """``value`` converted to the JSON type of ``default`` (int -> float allowed), else TypeError naming ``key``."""
    if default is None:
        return value
    if isinstance(default, bool):
        ok = isinstance(value, (bool, np.bool_))
        cast: Callable = bool
    elif isinstance(default, Integral):
        ok, cast = isinstance(value, Integral) and not isinstance(value, (bool, np.bool_)), int
    elif isinstance(default, Real):
        ok, cast = isinstance(value, Real) and not isinstance(value, (bool, np.bool_)), float
    elif isinstance(default, str):
        ok, cast = isinstance(value, str), str
    elif isinstance(default, (list, tuple)):
        if not isinstance(value, (list, tuple, np.ndarray)):
            raise TypeError(f"config key {key!r} must be a list like {list(default)!r}, got {value!r}")
        item_default = default[0] if len(default) else None
        return [_check_value(f"{key}[{i}]", item, item_default) for i, item in enumerate(value)]
    else:
        raise TypeError(f"default of config key {key!r} has unsupported type {type(default).__name__}")
    if not ok:
        raise TypeError(f"config key {key!r} must be of type {type(default).__name__}, got {value!r} of type {type(value).__name__}")
    return cast(value)


def resolve_target(target: RunConfig | str) -> RunConfig:
    """A run function, importing it when given as ``"module:function"``."""
    if callable(target):
        return target
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


@dataclass(frozen=True)
class _Defaults:
    """A chapter's config dict(s), read on first use: ``grokbook.<module>.<attribute>`` merged in order, then ``changes``."""

    module: str
    attributes: tuple[str, ...]
    changes: tuple[tuple[str, Any], ...]

    def __call__(self) -> dict:
        module = importlib.import_module(f"grokbook.{self.module}")
        merged: dict = {}
        for attribute in self.attributes:
            merged.update(getattr(module, attribute))
        return {**merged, **dict(self.changes)}


def _defaults(module: str, *attributes: str, **changes: Any) -> _Defaults:
    """The run config ``grokbook.<module>.<attribute>`` (default ``DEFAULT_CONFIG``; several are merged) updated with ``changes``, lazily."""
    return _Defaults(module, attributes or ("DEFAULT_CONFIG",), tuple(changes.items()))


ConfigSource = Mapping[str, Any] | Callable[[], Mapping[str, Any]]


@dataclass(frozen=True, eq=False)
class Experiment:
    """A named, seeded computation with quick and paper default configs.

    Attributes:
        name: registry key and results-store directory (letters, digits, ``_.-``).
        description: one line for ``grokbook list``.
        target: ``run_config(config, seed) -> dict`` or its ``"module:function"`` path;
            it may take a keyword ``device`` (then ``--device`` is accepted).
        quick_source, paper_source: the default configs, or functions returning them
            (read on first use of :attr:`quick` / :attr:`paper`; dicts are checked at once).
    """

    name: str
    description: str
    target: RunConfig | str
    quick_source: ConfigSource = field(repr=False)
    paper_source: ConfigSource = field(repr=False)
    _cache: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.quick_source, Mapping) and isinstance(self.paper_source, Mapping):
            self._configs()  # plain dicts: fail at registration, not at the first run

    def _configs(self) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        if not self._cache:
            quick, paper = (dict(s() if callable(s) else s) for s in (self.quick_source, self.paper_source))
            if set(quick) != set(paper):
                raise ValueError(f"experiment {self.name!r}: quick and paper configs must have the same keys, differ in {sorted(set(quick) ^ set(paper))}")
            paper = {k: _check_value(k, v, quick[k]) for k, v in paper.items()}
            config_hash(quick), config_hash(paper)  # both must be JSON
            self._cache.update(quick=quick, paper=paper)
        return MappingProxyType(self._cache["quick"]), MappingProxyType(self._cache["paper"])

    def __getstate__(self) -> dict:  # pickled without the resolved configs (read again where used)
        return {**self.__dict__, "_cache": {}}

    @property
    def quick(self) -> Mapping[str, Any]:
        """Default config for notebooks and CI (read-only)."""
        return self._configs()[0]

    @property
    def paper(self) -> Mapping[str, Any]:
        """Default config at the paper's scale; same keys as ``quick`` (read-only)."""
        return self._configs()[1]

    def config(self, scale: str = "quick", overrides: Mapping[str, Any] | None = None) -> dict:
        """The ``scale`` defaults updated with ``overrides`` (checked as in :meth:`resolve`)."""
        base = dict(self.quick if check_choice("scale", scale, SCALES) == "quick" else self.paper)
        base.update(self.resolve(overrides or {}, fill=False))
        return base

    def resolve(self, config: Mapping[str, Any], *, fill: bool = True) -> dict:
        """Check ``config``: unknown key -> ValueError naming it, wrong type -> TypeError; missing keys from ``quick`` if ``fill``."""
        if not isinstance(config, Mapping):
            raise TypeError(f"config must be a dict, got {type(config).__name__}")
        unknown = [key for key in config if key not in self.quick]
        if unknown:
            raise ValueError(f"config has unknown key {unknown[0]!r} for experiment {self.name!r}; known keys: {', '.join(self.quick)}")
        checked = {key: _check_value(key, value, self.quick[key]) for key, value in config.items()}
        return {**self.quick, **checked} if fill else checked

    def scale_of(self, config: Mapping[str, Any]) -> str:
        """'quick', 'paper', or '<closest scale> + {changed keys}' (for ``grokbook show``)."""
        def changes(scale: str) -> dict:
            base = self.config(scale)
            return {k: v for k, v in config.items() if base.get(k) != v}

        scale = min(SCALES, key=lambda s: len(changes(s)))
        diff = changes(scale)
        return scale if not diff else f"{scale} + {diff}"

    @property
    def run_config(self) -> RunConfig:
        """The run function (imported on first use when given as ``"module:function"``)."""
        return resolve_target(self.target)

    def check_device(self, device: str | None, *, here: bool = True) -> str | None:
        """``device`` if the run function takes it (a ``device`` keyword) and, with ``here``, torch sees it.

        Raises ValueError naming ``device``: not cpu/cuda, an experiment without a
        ``device`` parameter, or cuda where ``torch.cuda.is_available()`` is False.
        """
        if device is None:
            return None
        check_choice("device", device, DEVICES)
        parameters = inspect.signature(self.run_config).parameters.values()
        if not any(p.name == "device" or p.kind is p.VAR_KEYWORD for p in parameters):
            raise ValueError(f"device: experiment {self.name!r} does not take a device (its run function {self.target} has no 'device' parameter); it runs on the CPU")
        if here:
            check_cuda(device)
        return device

    def run(self, config: Mapping[str, Any], seed: int, *, device: str | None = None) -> dict:
        """Run once, here: ``run_config(resolve(config), seed[, device=device])``; a flat dict of arrays and numbers."""
        kwargs = {"device": self.check_device(device)} if device is not None else {}
        return self.run_config(self.resolve(config), check_int("seed", seed, minimum=0), **kwargs)

    def sweep(
        self, config: Mapping[str, Any], seeds: Iterable[int], *, store: ResultStore | None = None, progress: bool = True, **options: Any
    ) -> SweepReport:
        """Every seed of ``config`` through the results store (stored seeds are not recomputed); see :func:`run_sweeps` for ``options``."""
        return run_sweeps(self, [config], seeds, store=store, progress=progress, **options)[0]

    def results(self, config: Mapping[str, Any] | None = None, *, scale: str = "quick", store: ResultStore | None = None) -> list[Result]:
        """Stored results of this experiment; a partial ``config`` is completed with the ``scale`` defaults first."""
        store = ResultStore() if store is None else store
        return store.results(self.name, None if config is None else self.config(scale, config))


def check_cuda(device: str | None) -> None:
    """ValueError when ``device`` is ``"cuda"`` and torch sees no GPU in this process."""
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise ValueError("device 'cuda' was asked for, but torch sees no GPU here (torch.cuda.is_available() is False)")


#: name -> Experiment, in registration order.
EXPERIMENTS: dict[str, Experiment] = {}
#: every name registered, in order (replacements included): what an import added (:mod:`grokbook.plugins`)
REGISTERED: list[str] = []


def register(
    name: str,
    description: str,
    run_config: RunConfig | str,
    *,
    quick: ConfigSource,
    paper: ConfigSource | None = None,
    replace: bool = False,
) -> Experiment:
    """Add an experiment to :data:`EXPERIMENTS` and return it.

    Args:
        name: letters, digits, ``_.-`` (it names a directory of the results store).
        description: one line for ``grokbook list``.
        run_config: ``run_config(config, seed) -> dict`` of numbers and arrays, or its
            ``"module:function"`` path.  For ``--workers``/``--scheduler`` it must be
            importable by the workers (defined in a module, not in a notebook).
        quick: the default config (or a function returning it).
        paper: the config at the paper's scale, same keys; None: the quick one.
        replace: replace an experiment already registered under ``name`` (e.g. when a
            notebook cell runs again); without it a second registration is a ValueError.
    """
    check_experiment_name(name)  # it names a directory of the store
    if not isinstance(replace, bool):
        raise TypeError(f"replace must be True or False, got {replace!r}")
    if name in EXPERIMENTS and not replace:
        raise ValueError(f"experiment {name!r} is already registered; pass replace=True to replace it")
    experiment = Experiment(name, description, run_config, quick, quick if paper is None else paper)
    EXPERIMENTS[name] = experiment
    REGISTERED.append(name)
    return experiment


def get(name: str) -> Experiment:
    """The registered experiment ``name`` (looking in installed packages' entry points too); ValueError otherwise.

    The error lists the known names and says how to add an experiment.
    """
    from .plugins import HOW_TO_ADD, load_entry_points

    if name not in EXPERIMENTS:
        load_entry_points()
    if name not in EXPERIMENTS:
        raise ValueError(f"experiment must be one of {', '.join(EXPERIMENTS)}; got {name!r}; {HOW_TO_ADD}")
    return EXPERIMENTS[name]


def run_sweeps(experiment: str | Experiment, configs: Iterable[Mapping[str, Any]], seeds: int | Iterable[int], **options: Any) -> list[SweepReport]:
    """Every (config, seed) pair through the results store, in this process or on Dask: :func:`grokbook.sweeps.run_sweeps`."""
    from .sweeps import run_sweeps as run

    return run(get(experiment) if isinstance(experiment, str) else experiment, configs, seeds, **options)


def run_sweep(
    name: str,
    *,
    scale: str = "quick",
    overrides: Mapping[str, Any] | None = None,
    seeds: int | Iterable[int] = 1,
    store: ResultStore | None = None,
    progress: bool = True,
    **options: Any,
) -> SweepReport:
    """Run (or load) experiment ``name`` at ``scale`` for ``seeds`` (a count n meaning 0..n-1, or the seeds).

    What the CLI's ``grokbook run`` does and what a notebook calls to read
    paper-scale results; ``options`` (``workers``, ``scheduler``, ``device``,
    ``allow_dirty``, ``threads``) as in :func:`grokbook.sweeps.run_sweeps`.
    """
    experiment = get(name)
    return run_sweeps(experiment, [experiment.config(scale, overrides)], seeds, store=store, progress=progress, **options)[0]


# The book's experiments are registered in grokbook/catalog.py (imported here, last, so that
# EXPERIMENTS is full whenever this module is).
from . import catalog  # noqa: E402,F401
