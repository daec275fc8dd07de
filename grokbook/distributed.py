"""Sweeps on dask.distributed: a ``LocalCluster`` of single-threaded worker processes, or a running cluster.

:func:`run_on_dask` submits every (config, seed) pair at once and yields each
outcome as it completes; :func:`grokbook.sweeps.run_sweeps` stores them.  What
the cluster gives for free, and the tests of ``tests/test_distributed.py``
check: a worker process that dies mid-run (killed, out of memory) is
restarted by its nanny and its runs are rescheduled on the workers left; a
run that raises comes back as an error for that run only.

dask is imported inside the functions here, never at module level, so that
``grokbook run`` without ``--workers``/``--scheduler`` pays no import cost.
Code that starts a ``LocalCluster`` spawns worker processes, which re-import
the main module: in a script, call it under ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .validate import check_int

if TYPE_CHECKING:
    from dask.distributed import Client

    from .experiments import RunConfig

__all__ = ["client", "run_on_dask"]

#: seconds to wait for a scheduler at an address to answer
CONNECT_TIMEOUT = 30
#: the dask setting that makes glibc trim every freed block in worker processes (unset for local clusters)
TRIM_KEY = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"


@contextmanager
def client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Client]:
    """A ``dask.distributed.Client``: of a new ``LocalCluster`` of ``workers`` processes, or of ``scheduler``.

    The local cluster has ``threads_per_worker=1``, ``processes=True`` and no
    dashboard (``dashboard_address=None``); it is closed on exit.  A client of
    a running scheduler is closed on exit, its cluster left running.
    """
    import dask
    from dask.distributed import Client, LocalCluster

    if (workers is None) == (scheduler is None):
        raise ValueError("give exactly one of workers (start a local cluster) and scheduler (an address)")
    if scheduler is not None:
        with Client(scheduler, timeout=CONNECT_TIMEOUT) as connected:
            yield connected
        return
    n = check_int("workers", workers, minimum=1)
    # Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in each worker; glibc then stops raising its mmap
    # threshold, every tensor of more than 128 kB is mmapped and unmapped anew, and torch runs 1.6-1.7x
    # slower (measured: modular_addition, 300 epochs, 4.8 s -> 8.2 s).  None unsets it (dask's rule).
    with dask.config.set({TRIM_KEY: None}), LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as connected:
        yield connected


def run_on_dask(
    target: RunConfig | str,
    pairs: list[tuple[dict, int]],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    device: str | None = None,
    threads: int | None = 1,
) -> Iterator[tuple[int, BaseException | None, Any]]:
    """Run every ``(config, seed)`` of ``pairs`` on a cluster; yield (position in ``pairs``, error or None, value) as each finishes.

    Each pair is one task, :func:`grokbook.sweeps.execute` on a worker, all
    submitted at once (``pure=False``: a rerun is a new task).  ``value`` is
    execute's (payload, wall time, the worker's provenance).  No cluster is
    started when ``pairs`` is empty.
    """
    from dask.distributed import as_completed

    from .sweeps import execute

    if not pairs:
        return
    token = uuid.uuid4().hex[:8]
    with client(workers, scheduler) as dask_client:
        futures = [
            dask_client.submit(execute, target, config, seed, device, threads, pure=False, key=f"grokbook-run-{token}-{position}")
            for position, (config, seed) in enumerate(pairs)
        ]
        position_of = {future.key: position for position, future in enumerate(futures)}
        for future in as_completed(futures):
            position = position_of[future.key]
            if future.status == "finished":
                yield position, None, future.result()
            else:  # "error" (the run raised, or its worker died too often) or "cancelled"
                try:
                    error = future.exception()
                except BaseException as cancelled:  # noqa: BLE001 - a cancelled future raises instead
                    error = cancelled
                yield position, error, None
            future.release()
