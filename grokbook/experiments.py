"""Named experiments: what ``grokbook run NAME`` and the notebooks run at full scale.

An :class:`Experiment` is a function ``run_config(config, seed) -> dict`` (a
flat dict of numpy arrays and numbers, what the results store keeps) with two
default configs: ``quick`` (seconds to minutes on a laptop CPU, what the
notebooks use) and ``paper`` (the scale of the paper's figures, for the CLI).
Registering one is a single call; the function may be named by a
``"module:function"`` string so that ``grokbook list`` imports nothing heavy::

    register("modular_addition", "Power et al. (2022) modular addition, one seed",
             "grokbook.modular:run_config", quick=QUICK, paper=PAPER)

Configs are checked against the quick defaults: an unknown key raises a
``ValueError`` naming it, a value of the wrong type a ``TypeError``, and
missing keys take their quick default.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from types import MappingProxyType
from typing import Any

import numpy as np

from .scale import SCALES
from .store import ResultStore, SweepReport, check_experiment_name, config_hash
from .validate import check_choice, check_int

__all__ = ["SCALES", "EXPERIMENTS", "Experiment", "register", "get", "run_sweep"]

RunConfig = Callable[[dict, int], dict]


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


@dataclass(frozen=True)
class Experiment:
    """A named, seeded computation with quick and paper default configs.

    Attributes:
        name: registry key and results-store directory (letters, digits, ``_.-``).
        description: one line for ``grokbook list``.
        target: ``run_config(config, seed) -> dict`` or its ``"module:function"`` path.
        quick: default config for notebooks and CI (read-only).
        paper: default config at the paper's scale; same keys as ``quick`` (read-only).
    """

    name: str
    description: str
    target: RunConfig | str
    quick: Mapping[str, Any]
    paper: Mapping[str, Any]

    def __post_init__(self) -> None:
        if set(self.quick) != set(self.paper):
            raise ValueError(f"experiment {self.name!r}: quick and paper configs must have the same keys, differ in {sorted(set(self.quick) ^ set(self.paper))}")
        object.__setattr__(self, "quick", MappingProxyType(dict(self.quick)))
        object.__setattr__(self, "paper", MappingProxyType({k: _check_value(k, v, self.quick[k]) for k, v in self.paper.items()}))
        config_hash(self.quick)  # both must be JSON: fail at registration, not at the first run

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
        if callable(self.target):
            return self.target
        module, _, attr = self.target.partition(":")
        return getattr(importlib.import_module(module), attr)

    def run(self, config: Mapping[str, Any], seed: int) -> dict:
        """Run once: ``run_config(resolve(config), seed)``; a flat dict of arrays and numbers."""
        return self.run_config(self.resolve(config), check_int("seed", seed, minimum=0))

    def sweep(
        self, config: Mapping[str, Any], seeds: Iterable[int], *, store: ResultStore | None = None, progress: bool = True
    ) -> SweepReport:
        """Every seed of ``config`` through the results store (stored seeds are not recomputed)."""
        store = ResultStore() if store is None else store
        return store.sweep(self.name, self.resolve(config), seeds, self.run, progress=progress)


#: name -> Experiment, in registration order.
EXPERIMENTS: dict[str, Experiment] = {}


def register(
    name: str, description: str, run_config: RunConfig | str, *, quick: Mapping[str, Any], paper: Mapping[str, Any]
) -> Experiment:
    """Add an experiment to :data:`EXPERIMENTS` and return it (a name may be registered once)."""
    if name in EXPERIMENTS:
        raise ValueError(f"experiment {name!r} is already registered")
    check_experiment_name(name)  # it names a directory of the store
    experiment = Experiment(name, description, run_config, quick, paper)
    EXPERIMENTS[name] = experiment
    return experiment


def get(name: str) -> Experiment:
    """The registered experiment ``name``; ValueError listing the known names otherwise."""
    if name not in EXPERIMENTS:
        raise ValueError(f"experiment must be one of {', '.join(EXPERIMENTS)}; got {name!r}")
    return EXPERIMENTS[name]


def run_sweep(
    name: str,
    *,
    scale: str = "quick",
    overrides: Mapping[str, Any] | None = None,
    seeds: int | Iterable[int] = 1,
    store: ResultStore | None = None,
    progress: bool = True,
) -> SweepReport:
    """Run (or load) experiment ``name`` at ``scale`` for ``seeds`` (a count n meaning 0..n-1, or the seeds).

    What the CLI's ``grokbook run`` does and what a notebook calls to read paper-scale results.
    """
    experiment = get(name)
    config = experiment.config(scale, overrides)
    seed_list = range(check_int("seeds", seeds, minimum=1)) if isinstance(seeds, Integral) else seeds
    return experiment.sweep(config, seed_list, store=store, progress=progress)


# ---------------------------------------------------------------------------
# Registered experiments


def ising_sampler_check(config: dict, seed: int) -> dict:
    """Energy and |m| per spin from :func:`grokbook.ising.sample`, next to Onsager's infinite-lattice values.

    Standard errors come from the spread of per-chain means (chains are
    independent; samples within a chain may be correlated), so they are honest
    even where the thinning is shorter than the autocorrelation time.

    Returns:
        T, energy, energy_se, abs_magnetization, abs_magnetization_se,
        onsager_energy, onsager_abs_magnetization: float arrays of shape (n_T,).
    """
    from . import ising

    L, n_samples, n_chains = config["L"], config["n_samples"], config["n_chains"]
    check_int("n_chains", n_chains, minimum=2)
    if n_samples % n_chains:
        raise ValueError(f"n_samples must be a multiple of n_chains={n_chains}, got {n_samples}")
    T = np.asarray(config["temperatures"], dtype=float)  # (n_T,)
    spins = ising.sample(L, T, n_samples, method=config["method"], n_chains=n_chains, seed=seed)  # (n_T, n, L, L)
    by_chain = (n_samples // n_chains, n_chains)  # sample k is chain k % n_chains
    out = {"T": T}
    for key, values in (("energy", ising.energy(spins) / L**2), ("abs_magnetization", np.abs(ising.magnetization(spins)))):
        chain_means = values.reshape(T.size, *by_chain).mean(axis=1)  # (n_T, n_chains)
        out[key] = values.mean(axis=1)
        out[f"{key}_se"] = chain_means.std(axis=1, ddof=1) / np.sqrt(n_chains)
    out["onsager_energy"] = np.atleast_1d(ising.onsager_energy(T))
    out["onsager_abs_magnetization"] = np.atleast_1d(ising.onsager_magnetization(T))
    return out


register(
    "ising_sampler_check",
    "Wolff/Metropolis samples of the 2-D Ising model: energy and |m| per spin vs Onsager",
    ising_sampler_check,
    quick={"L": 16, "temperatures": [1.5, 2.0, 2.5, 3.5], "n_samples": 256, "n_chains": 16, "method": "wolff"},
    paper={"L": 64, "temperatures": [1.0, 1.5, 1.8, 2.0, 2.1, 2.2, 2.269, 2.35, 2.5, 3.0, 3.5], "n_samples": 2048, "n_chains": 32, "method": "wolff"},
)


def _defaults(module: str, attribute: str = "DEFAULT_CONFIG", **changes: Any) -> dict:
    """The run config ``grokbook.<module>.<attribute>`` of a chapter, updated with ``changes``."""
    return {**getattr(importlib.import_module(f"grokbook.{module}"), attribute), **changes}


register(
    "modular_addition",
    "Gromov's quadratic MLP on a o b mod p (chapter 0): curves, steps to fit and to grok",
    "grokbook.modular:run_config",
    quick=_defaults("modular"),
    paper=_defaults("modular", train_fraction=0.15, n_epochs=3000, eval_every=10),
)

register(
    "ising_grokking",
    "The Ising paper's MLP on four energy bins of 8x8 configurations (chapters 2 and 6); sweeps with --sweep beta=0.25,0.5,...",
    "grokbook.ising_data:run_config",
    quick=_defaults("ising_data", n_epochs=20_000, n_pca_samples=256),
    paper=_defaults("ising_data"),
)

register(
    "rule30_grokking",
    "Tensor-network attention learning rule 30 (chapter 3): accuracies and effective dimension",
    "grokbook.automata:run_config",
    quick=_defaults("automata"),
    paper=_defaults("automata", "PAPER_CONFIG"),
)

register(
    "dimension",
    "XOR at 8 widths, 51 gradient snapshots each, and their avalanche sizes (chapter 4's D(t)); one seed = every width",
    "grokbook.xor:run_config",
    quick=_defaults("xor"),
    paper=_defaults("xor"),  # the paper's design (8 scales x 51 snapshots) runs in seconds per seed
)

register(
    "rule30_exponent",
    "Seed ensembles of the tensor network on rule 30 (chapter 3): per-epoch errors, grokking times, aligned critical exponent; --set l1=... l2=... freeze_A=true",
    "grokbook.automata:run_exponent_config",
    quick=_defaults("automata", "EXPONENT_CONFIG"),
    paper={**_defaults("automata", "EXPONENT_CONFIG"), **_defaults("automata", "PAPER_ENSEMBLE_CONFIG")},
)
