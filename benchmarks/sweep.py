"""The same sweep of 8 short runs in-process and on a local Dask cluster of 2 workers (``grokbook run --workers 2``).

    python benchmarks/sweep.py

The runs: ``modular_addition`` at the quick scale with 300 epochs, seeds 0-7
(about 3-5 s each on one thread), each through
:func:`grokbook.experiments.run_sweep` into its own empty results store,
first in this process, then with ``workers=2`` (a ``LocalCluster`` of two
single-threaded worker processes, started and closed inside the timing).
Both paths run one torch thread per run, and their payloads are checked
bitwise equal (all but ``wall_time``, the run's own clock).

Printed: the wall-clock ratio in-process / Dask (target >= 1.7x on 2 cores)
and the Dask overhead per run: the worker-seconds not spent inside a run,
(2 x Dask wall time - sum of the runs' own times) / 8, which counts starting
the cluster, importing torch and the task module in each worker, shipping
tasks and results and waiting at the end (target <= 0.2 s); and the same
without the one-off start of the cluster (timed on its own: a
``LocalCluster`` of 2 started, torch and the task module imported in each
worker, closed), which is what each further run costs.  The load average is printed too: on a shared machine every figure
inflates, and the runs' own times say by how much.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import Row, print_table  # noqa: E402

from grokbook.experiments import run_sweep  # noqa: E402
from grokbook.store import ResultStore  # noqa: E402

EXPERIMENT = "modular_addition"
OVERRIDES = {"n_epochs": 300}
SEEDS = 8
WORKERS = 2


def _sweep(root: str, **options) -> tuple[float, list]:
    start = time.perf_counter()
    report = run_sweep(EXPERIMENT, overrides=OVERRIDES, seeds=SEEDS, store=ResultStore(root), progress=False, **options)
    return time.perf_counter() - start, report.results


def _cluster_start() -> float:
    """Seconds to start a LocalCluster of WORKERS processes, import the run's module (torch) in each, and close it."""
    from grokbook.distributed import client
    from grokbook.experiments import get

    module = get(EXPERIMENT).target.partition(":")[0]
    start = time.perf_counter()
    with client(workers=WORKERS) as dask_client:
        dask_client.wait_for_workers(WORKERS)
        dask_client.run(importlib.import_module, module)
        dask_client.run(importlib.import_module, "grokbook.training")
    return time.perf_counter() - start


def main() -> list[Row]:
    """Time the sweep both ways; print the ratio, the overhead per run and the load; return the table row."""
    with tempfile.TemporaryDirectory() as here, tempfile.TemporaryDirectory() as there:
        serial, serial_results = _sweep(here)
        dask, dask_results = _sweep(there, workers=WORKERS)
    start = _cluster_start()
    for a, b in zip(serial_results, dask_results, strict=True):  # bitwise (NaN too), but for the run's own clock
        differ = [k for k in a.payload if k != "wall_time" and np.asarray(a.payload[k]).tobytes() != np.asarray(b.payload[k]).tobytes()]
        assert not differ, f"seed {a.seed}: the Dask result differs in {differ}"
    run_time = sum(result.wall_time for result in dask_results)
    overhead = (WORKERS * dask - run_time) / SEEDS
    further = (WORKERS * (dask - start) - run_time) / SEEDS
    print(
        f"{SEEDS} runs of {EXPERIMENT} {OVERRIDES}: in-process {serial:.1f} s "
        f"(runs {np.mean([r.wall_time for r in serial_results]):.2f} s each), "
        f"{WORKERS} Dask workers {dask:.1f} s (runs {run_time / SEEDS:.2f} s each): ratio {serial / dask:.2f}x (target >= 1.7x)\n"
        f"Dask overhead per run {overhead:.2f} s (target <= 0.2 s), {further:.2f} s without the one-off start "
        f"(cluster and imports in each worker: {start:.2f} s on its own); load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; results bitwise equal"
    )
    return [(f"sweep of {SEEDS} runs, {WORKERS} Dask workers vs in-process (s)", dask, serial, False)]


if __name__ == "__main__":  # a LocalCluster spawns workers that re-import this file
    print_table(main())
