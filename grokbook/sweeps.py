"""Run the (config, seed) pairs of a sweep, here or on a Dask cluster, and store every result once.

:func:`run_sweeps` is the one path of ``grokbook run`` and
:func:`grokbook.experiments.run_sweep`:

1. every pair already in the store is loaded, not recomputed (a killed sweep
   resumes); a corrupt file is reported and recomputed;
2. the rest run through :func:`execute`, either one after another in this
   process (no ``workers``/``scheduler``; no dask import) or all submitted at
   once to a Dask cluster (:mod:`grokbook.distributed`);
3. each result comes back to this process, which alone writes the store
   (atomically, :mod:`grokbook.resultfile`): workers need no shared filesystem;
4. a run that raises does not stop the others; once all have finished,
   :class:`SweepError` lists each failure with its config and seed.

One tqdm bar counts every pair.  :func:`execute` runs with one torch thread
by default on both paths: a fixed thread count fixes the order of float sums,
so a result is bitwise the same in-process and on any worker.
"""

from __future__ import annotations

import importlib.util
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from numbers import Integral
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from . import provenance
from .store import CorruptResultError, CorruptResultWarning, ResultStore, SweepReport
from .validate import check_int

if TYPE_CHECKING:
    from .experiments import Experiment, RunConfig

__all__ = ["SweepError", "execute", "run_sweeps"]


class SweepError(RuntimeError):
    """Some runs of a sweep raised; every other run finished and is stored.

    Attributes:
        reports: one :class:`~grokbook.store.SweepReport` per config, with ``failed`` filled.
        failures: (config, seed, "Type: message") of each failed run.
    """

    def __init__(self, experiment: str, reports: list[SweepReport]) -> None:
        self.reports = reports
        self.failures = [(report.config, seed, error) for report in reports for seed, error in report.failed.items()]
        total = sum(len(report.results) for report in reports) + len(self.failures)
        lines = [f"seed {seed} of {experiment} config {_brief(config)}: {error}" for config, seed, error in self.failures]
        super().__init__(f"{len(self.failures)} of {total} runs of {experiment} failed; the others are stored:\n" + "\n".join(lines))

    @property
    def bad_input(self) -> bool:
        """Whether every failure is a ValueError or TypeError (a config the run function rejects)."""
        return all(error.split(":", 1)[0] in ("ValueError", "TypeError") for *_, error in self.failures)


def _brief(config: Mapping[str, Any]) -> str:
    return "{" + ", ".join(f"{key}={value!r}" for key, value in config.items()) + "}"


@contextmanager
def _torch_threads(threads: int | None) -> Iterator[None]:
    if threads is None:
        yield
        return
    from .training import torch_threads

    with torch_threads(threads):
        yield


def execute(target: RunConfig | str, config: dict, seed: int, device: str | None = None, threads: int | None = 1) -> tuple[dict, float, dict]:
    """One run where it is called (this process or a Dask worker): (payload, wall time in s, provenance).

    ``target`` is the run function or its ``"module:function"`` path; it gets
    ``device=`` only when ``device`` is given; ``threads`` torch threads (None: leave as is).
    The provenance (:func:`grokbook.provenance.collect`) is this process's.
    """
    from .experiments import check_cuda, resolve_target

    check_cuda(device)
    function = resolve_target(target)
    kwargs = {} if device is None else {"device": device}
    with _torch_threads(threads):
        start = time.perf_counter()
        payload = function(config, seed, **kwargs)
        wall = time.perf_counter() - start
    return dict(payload), wall, provenance.collect(device)


def run_sweeps(
    experiment: Experiment,
    configs: Iterable[Mapping[str, Any]],
    seeds: int | Iterable[int],
    *,
    store: ResultStore | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    device: str | None = None,
    allow_dirty: bool = False,
    threads: int | None = 1,
    progress: bool = True,
) -> list[SweepReport]:
    """Every seed of every config of ``experiment``, computing only what the store lacks.

    Args:
        configs: configs (completed with the quick defaults, checked by ``experiment.resolve``).
        seeds: a count n (seeds 0..n-1) or the seeds.
        store: where results are read and written (default :class:`ResultStore`).
        workers: start a ``LocalCluster`` of this many single-threaded worker processes.
        scheduler: address of a running Dask scheduler (``tcp://host:8786``) instead.
        device: ``"cpu"`` or ``"cuda"``, passed to run functions that take ``device``.
        allow_dirty: let a clean-only store (the archive) take results from a dirty tree, marked as such.
        threads: torch threads per run (default 1; None leaves torch's setting).
        progress: one tqdm bar over all pairs.

    Returns:
        one report per config, in order, each with its results in seed order.

    Raises:
        SweepError: after every other run finished and was stored, if any run raised.
        ValueError / TypeError: bad arguments, before anything runs.
    """
    store = ResultStore() if store is None else store
    configs = [experiment.resolve(config) for config in configs]
    if not configs:
        raise ValueError("configs must hold at least one config")
    seed_list = list(range(check_int("seeds", seeds, minimum=1))) if isinstance(seeds, Integral) else [check_int("seed", s, minimum=0) for s in seeds]
    seed_list = list(dict.fromkeys(seed_list))
    if workers is not None and scheduler is not None:
        raise ValueError("give workers (start a local cluster) or scheduler (use a running one), not both")
    if workers is not None:
        check_int("workers", workers, minimum=1)
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler):
        raise TypeError(f"scheduler must be an address like 'tcp://127.0.0.1:8786', got {scheduler!r}")
    if (workers is not None or scheduler is not None) and importlib.util.find_spec("distributed") is None:
        raise ValueError(f"{'workers' if workers is not None else 'scheduler'} needs dask.distributed: pip install 'grokbook[cluster]'")
    experiment.check_device(device, here=scheduler is None)  # a remote cluster's workers check their own GPU
    store.check_accepts(provenance.collect(device), allow_dirty=allow_dirty)  # refuse before hours of computing

    reports = [SweepReport(directory=store.directory(experiment.name, config), config=config) for config in configs]
    store.remove_stale_temporaries(experiment.name)
    found: dict[tuple[int, int], Any] = {}
    todo: list[tuple[int, int, str]] = []  # (config index, seed, "computed" or "corrupt")
    for index, config in enumerate(configs):
        for seed in seed_list:
            try:
                found[index, seed] = store.load(experiment.name, config, seed)
                reports[index].reused.append(seed)
            except KeyError:
                todo.append((index, seed, "computed"))
            except CorruptResultError as error:
                warnings.warn(f"corrupt result, recomputing: {error}", CorruptResultWarning, stacklevel=2)
                todo.append((index, seed, "corrupt"))

    bar = tqdm(total=len(configs) * len(seed_list), initial=len(found), desc=experiment.name, unit="run", disable=not progress)
    pairs = [(configs[index], seed) for index, seed, _ in todo]
    if workers is None and scheduler is None:
        outcomes = _in_process(experiment.target, pairs, device, threads)
    else:
        from .distributed import run_on_dask

        outcomes = run_on_dask(experiment.target, pairs, workers=workers, scheduler=scheduler, device=device, threads=threads)
    with bar:
        for position, error, value in outcomes:
            index, seed, status = todo[position]
            if error is None:
                payload, wall, record = value
                try:
                    found[index, seed] = store.save(
                        experiment.name, configs[index], seed, payload, wall_time=wall, provenance=record, allow_dirty=allow_dirty
                    )
                except (ValueError, TypeError) as save_error:  # an unstorable payload, or a dirty worker for the archive
                    error = save_error
            if error is None:
                getattr(reports[index], status).append(seed)
            else:
                reports[index].failed[seed] = f"{type(error).__name__}: {error}"
            bar.update()
    for index, report in enumerate(reports):
        report.results = [found[index, seed] for seed in seed_list if (index, seed) in found]
        for name in ("computed", "reused", "corrupt"):
            getattr(report, name).sort()
    if any(report.failed for report in reports):
        raise SweepError(experiment.name, reports)
    return reports


def _in_process(target: RunConfig | str, pairs: list[tuple[dict, int]], device: str | None, threads: int | None) -> Iterator[tuple[int, BaseException | None, Any]]:
    """(position, error or None, execute's value) for each pair, run one after another here."""
    for position, (config, seed) in enumerate(pairs):
        try:
            value = execute(target, config, seed, device, threads)
        except Exception as error:  # noqa: BLE001 - reported with its config and seed; KeyboardInterrupt stops the sweep
            yield position, error, None
        else:
            yield position, None, value
