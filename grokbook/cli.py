"""The ``grokbook`` command: list, run and show the named experiments.

    grokbook [--import MODULE ...] list
    grokbook [--import MODULE ...] run NAME [--scale quick|paper] [--seeds N] [--set key=value ...]
                      [--sweep key=v1,v2,...] [--workers N | --scheduler ADDRESS] [--threads N]
                      [--device cpu|cuda] [--allow-dirty] [--results DIR]
    grokbook [--import MODULE ...] show NAME [--format summary|table|csv|json] [--results DIR]

``--import MODULE`` imports a module of the user's (a dotted name found from
the working directory, or a ``.py`` path) whose ``grokbook.register(...)``
calls add experiments; installed packages add theirs through the entry-point
group ``grokbook.experiments`` (:mod:`grokbook.plugins`).

``run`` computes only the seeds missing from the results store
(:mod:`grokbook.store`), so an interrupted sweep resumes when rerun; with
``--workers`` or ``--scheduler`` on a Dask cluster (:mod:`grokbook.sweeps`).
Mistakes (an unknown experiment, option or config key, a badly typed value)
end with one line on stderr and exit status 2, not a traceback; runs that
raise are listed one per line after the others finished (status 1, or 2 when
each is a ValueError/TypeError of the config).
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from . import __version__
from .experiments import DEVICES, EXPERIMENTS, SCALES, Experiment, get, run_sweeps
from .plugins import import_experiments, load_entry_points
from .store import ENV_ROOT, ResultStore, Result

__all__ = ["main", "parse_setting"]

USAGE_ERROR = 2
RUN_FAILED = 1
FORMATS = ("summary", "table", "csv", "json")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (``grokbook run: error: ...``) instead of usage + error."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def parse_setting(experiment: Experiment, text: str) -> tuple[str, Any]:
    """``"key=value"`` -> (key, value typed like the experiment's default for ``key``).

    Lists are comma-separated (``temperatures=1.5,2.0,2.5``); booleans are
    ``true``/``false``.  Raises ValueError naming the key on an unknown key or an unparsable value.
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ValueError(f"--set takes key=value, got {text!r}")
    if key not in experiment.quick:
        raise ValueError(f"--set: unknown key {key!r} for experiment {experiment.name!r}; known keys: {', '.join(experiment.quick)}")
    default = experiment.quick[key]
    if isinstance(default, (list, tuple)):
        items = [item.strip() for item in raw.split(",") if item.strip()]
        return key, [_parse_scalar(f"{key}[{i}]", item, default[0] if default else None) for i, item in enumerate(items)]
    return key, _parse_scalar(key, raw.strip(), default)


def _parse_scalar(key: str, raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        if raw.lower() not in ("true", "false", "1", "0"):
            raise ValueError(f"--set {key} must be true or false, got {raw!r}")
        return raw.lower() in ("true", "1")
    if isinstance(default, (int, float)):
        kind = type(default)
        try:
            return kind(raw)
        except ValueError:
            raise ValueError(f"--set {key} must be {'an integer' if kind is int else 'a number'}, got {raw!r}") from None
    if isinstance(default, str):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def _format_config(config: dict) -> str:
    return ", ".join(f"{key}={json.dumps(value)}" for key, value in config.items())


def _cmd_list(args: argparse.Namespace) -> int:
    for experiment in EXPERIMENTS.values():
        print(f"{experiment.name}: {experiment.description}")
        for scale in SCALES:
            print(f"  {scale:<6} {_format_config(experiment.config(scale))}")
    return 0


def parse_sweep(experiment: Experiment, text: str) -> list[tuple[str, Any]]:
    """``"key=v1,v2,..."`` -> [(key, v1), (key, v2), ...], each typed like the default of a scalar ``key``."""
    key, _, raw = text.partition("=")
    items = [item for item in raw.split(",") if item.strip()]
    if not key.strip() or not items:
        raise ValueError(f"--sweep takes key=v1,v2,..., got {text!r}")
    if isinstance(experiment.quick.get(key.strip()), (list, tuple)):
        raise ValueError(f"--sweep takes a key with a single value, {key.strip()!r} holds a list")
    return [parse_setting(experiment, f"{key}={item}") for item in items]


def _cmd_run(args: argparse.Namespace) -> int:
    from .sweeps import SweepError

    experiment = get(args.name)
    overrides = dict(parse_setting(experiment, text) for text in args.set)
    points = parse_sweep(experiment, args.sweep) if args.sweep else [None]
    configs = [experiment.config(args.scale, {**overrides, **dict([point] if point else [])}) for point in points]
    for config in configs:
        print(f"{experiment.name} ({experiment.scale_of(config)}): {_format_config(config)}")
    store = ResultStore(args.results)
    where = f"a local Dask cluster of {args.workers} workers" if args.workers else f"the Dask cluster at {args.scheduler}" if args.scheduler else None
    if where:
        print(f"running on {where}", flush=True)
    failure = None
    try:
        reports = run_sweeps(
            experiment, configs, range(args.seeds), store=store, workers=args.workers, scheduler=args.scheduler,
            device=args.device, allow_dirty=args.allow_dirty, threads=args.threads,
        )
    except KeyboardInterrupt:
        print(f"interrupted; finished runs are stored in {store.root / experiment.name}; rerun to resume", file=sys.stderr)
        return 130
    except SweepError as error:
        failure, reports = error, error.reports
    for report in reports:
        wall = sum(result.wall_time for result in report.results if result.seed in report.computed + report.corrupt)
        print(
            f"{len(report.results) + len(report.failed)} seeds: {len(report.computed)} computed, {len(report.reused)} already stored, "
            f"{len(report.corrupt)} corrupt and recomputed{f', {len(report.failed)} failed' if report.failed else ''} ({wall:.1f} s computing)"
        )
        print(f"results in {report.directory}")
    if failure is None:
        return 0
    for config, seed, message in failure.failures:
        print(f"grokbook run: error: seed {seed} of config {_format_config(config)}: {' '.join(message.split())}", file=sys.stderr)
    return USAGE_ERROR if failure.bad_input else RUN_FAILED


def _summarise_value(values: list[Any]) -> str:
    """Mean over seeds (and its standard error when there are several) of one payload entry.

    None and NaN are left out of the mean and counted: ``"1250  (se 30; 2 of 3 seeds, 1 NaN)"``.
    """
    missing = sum(value is None for value in values)
    values = [value for value in values if value is not None]
    if missing:
        return f"None in {missing} seed(s)" + (f"; the others: {_summarise_value(values)}" if values else "")
    if isinstance(values[0], str):
        return ", ".join(sorted(set(values)))
    arrays = [np.asarray(value, dtype=float) for value in values]
    if len({a.shape for a in arrays}) > 1:
        return f"shapes differ across seeds: {sorted({a.shape for a in arrays})}"
    stack = np.stack(arrays)  # (seeds, ...)
    if stack[0].size > 12:
        return f"array of shape {stack.shape[1:]}"
    counts = np.isfinite(stack).sum(axis=0)  # seeds with a value, per element
    if counts.min() == 0 and counts.max() == 0:
        return f"NaN in all {len(arrays)} seeds"

    def text(x: np.ndarray) -> str:
        return f"{x:.4g}" if x.ndim == 0 else np.array2string(x, precision=4, separator=", ")

    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an element without a value is NaN, counted below
        mean = text(np.nanmean(stack, axis=0))
        se = text(np.nanstd(stack, axis=0, ddof=1) / np.sqrt(counts)) if counts.max() > 1 else None
    n = len(arrays)
    if counts.min() == n:
        return mean if se is None else f"{mean}  (se over seeds {se})"
    had = str(int(counts.min())) if counts.min() == counts.max() else f"{int(counts.min())}-{int(counts.max())}"
    where = f"{had} of {n} seeds had a value, the others NaN"
    return f"{mean}  ({'' if se is None else f'se over seeds {se}; '}{where})"


def _cmd_show(args: argparse.Namespace) -> int:
    experiment = get(args.name)
    store = ResultStore(args.results)
    if args.format != "summary":
        table = store.table(experiment.name)
        if args.format == "csv":
            print(table.to_csv(index=False), end="")
        elif args.format == "json":
            print(table.to_json(orient="records"))
        else:
            print(table.to_string(index=False) if len(table) else f"no stored results of {experiment.name} in {store.root}")
        return 0
    results = store.results(experiment.name)
    if not results:
        print(f"no stored results of {experiment.name} in {store.root} (run: grokbook run {experiment.name})")
        return 0
    groups: dict[str, list[Result]] = {}
    for result in results:
        groups.setdefault(result.meta["config_hash"], []).append(result)
    for key, group in groups.items():
        first = group[0]
        seeds = sorted(result.seed for result in group)
        commits = sorted({f"{r.meta['git_commit'][:10]}{'+dirty' if r.meta.get('git_dirty') else ''}" for r in group})
        print(f"{experiment.name} config {key} ({experiment.scale_of(first.config)})")
        print(f"  config: {_format_config(first.config)}")
        walls = [r.wall_time for r in group]
        print(f"  seeds: {len(seeds)} ({', '.join(map(str, seeds))})")
        print(f"  wall time: {np.mean(walls):.3g} s per seed, {sum(walls):.1f} s in all (each run's whole call, as stored)")
        print(f"  grokbook {first.meta['grokbook_version']}, commit {', '.join(commits)}, numpy {first.meta['numpy']}, torch {first.meta['torch']}")
        for name in first.payload:
            if name == "wall_time":  # a run's own timer (of its training loop): one wall time is shown, the store's
                continue
            print(f"  {name}: {_summarise_value([r.payload[name] for r in group if name in r.payload])}")
        print(f"  in {first.path.parent}")
    return 0


def _build_parser() -> argparse.ArgumentParser:
    names = ", ".join(EXPERIMENTS)
    results_help = f"results store directory (default: ${ENV_ROOT}, else results/ of the repository)"
    parser = _Parser(prog="grokbook", description="Run the grokking book's experiments at quick or paper scale, with a resumable results store.")
    parser.add_argument("--version", action="version", version=f"grokbook {__version__}")
    parser.add_argument(
        "--import", dest="imports", action="append", default=[], metavar="MODULE",
        help="import MODULE (a module name found from the working directory, or a .py file) for its grokbook.register(...) "
        "calls, before the command; repeatable",
    )  # fmt: skip
    commands = parser.add_subparsers(dest="command", required=True, metavar="{list,run,show}", parser_class=_Parser)

    listing = commands.add_parser("list", help="list the experiments and their default configs", description="List the named experiments with their quick and paper default configs.")
    listing.set_defaults(handler=_cmd_list)

    run = commands.add_parser(
        "run", help="run an experiment over seeds, storing each result",
        description="Run experiment NAME for seeds 0..N-1 with a progress bar (with --sweep, for each value of one key); "
        "seeds already in the results store are loaded, not recomputed, so an interrupted run resumes. Prints where the results are.",
    )
    run.add_argument("name", metavar="NAME", help=f"experiment name, one of: {names}")
    run.add_argument("--scale", choices=SCALES, default="quick", help="default config to start from: quick (minutes on a CPU) or paper (the paper's scale); default quick")
    run.add_argument("--seeds", type=_positive_int, default=1, metavar="N", help="run seeds 0, 1, ..., N-1 (N >= 1; default 1)")
    run.add_argument("--set", action="extend", nargs="+", default=[], metavar="KEY=VALUE", help="override a config value, typed like its default; lists are comma-separated (temperatures=1.5,2.5)")
    run.add_argument("--sweep", default=None, metavar="KEY=V1,V2,...", help="run one config per value of KEY (after --set), e.g. beta=0.25,0.5,1,2,4")
    run.add_argument("--results", type=Path, default=None, metavar="DIR", help=results_help)
    where = run.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive_int, default=None, metavar="N", help="run on a local Dask cluster of N single-threaded worker processes (all runs submitted at once)")
    where.add_argument("--scheduler", default=None, metavar="ADDRESS", help="run on the running Dask cluster whose scheduler is at ADDRESS (e.g. tcp://10.0.0.1:8786)")
    run.add_argument("--threads", type=_positive_int, default=1, metavar="N", help="torch threads per run (default 1: a fixed count fixes the float sums, hence the bits)")
    run.add_argument("--device", choices=DEVICES, default=None, help="torch device for experiments whose run function takes one (cuda needs a GPU that torch sees); recorded with each result")
    run.add_argument("--allow-dirty", action="store_true", help="let the package archive (grokbook/archive) take results computed from uncommitted code, marked allow_dirty in their header")
    run.set_defaults(handler=_cmd_run)

    show = commands.add_parser("show", help="summarise the stored results of an experiment", description="Summarise the stored results of experiment NAME: per config, the seeds, versions, and the mean over seeds of each output.")
    show.add_argument("name", metavar="NAME", help=f"experiment name, one of: {names}")
    show.add_argument("--results", type=Path, default=None, metavar="DIR", help=results_help)
    show.add_argument("--format", choices=FORMATS, default="summary", help="summary (per config: means over seeds), or one row per (config, seed) with the varying config keys and every scalar result: table, csv or json")
    show.set_defaults(handler=_cmd_show)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``grokbook`` console script and ``python -m grokbook``; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    imports = argparse.ArgumentParser(add_help=False)
    imports.add_argument("--import", dest="imports", action="append", default=[])
    try:
        load_entry_points()
        for module in imports.parse_known_args(argv)[0].imports:
            import_experiments(module)
    except ValueError as error:  # a module that cannot be found: one line, no traceback
        print(f"grokbook: error: {error}", file=sys.stderr)
        return USAGE_ERROR
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except ValueError as error:  # a bad name, key or value (grokbook's argument checks): one line, no traceback
        print(f"grokbook {args.command}: error: {error}", file=sys.stderr)
        return USAGE_ERROR
