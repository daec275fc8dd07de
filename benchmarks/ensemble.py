"""Seed ensembles (grokbook.ensemble) against a loop over seeds, for a small network and the Ising one.

    python benchmarks/ensemble.py

Every figure is milliseconds per training epoch per seed, through the book's
one loop, ``grokbook.training.train`` (evaluation on the train and test sets
included, as often as the chapters evaluate):

- small: the XOR network of chapter 5 (2 -> 20 -> 1, 81 parameters), 32 seeds, 1500 epochs,
  full-batch SGD, one torch thread: an ``Ensemble`` of 32 against 32 calls of
  ``train``.  Target: >= 5x.
- Ising: the paper's 64 -> 48 x 4 -> 4 network on 4000 lattices (random spins:
  the time depends only on the shapes), Adam with L2, 5 seeds, test set
  evaluated every 250 epochs as in chapter 2.  Target: <= 2.5 ms per epoch
  per seed.  This network is matmul-bound: on 2 CPU cores stacking seeds
  does not pay (measured 0.6-0.7x: the batched products of vmap run slower
  than the plain ones), while the plain loop meets the target.  The last
  line runs the per-seed loop in two single-threaded worker processes, one
  per core, which is how chapter 3's archived sweeps were computed.

Each figure is the best of two runs (the first vmapped call in a process
pays a one-off set-up of about a second, which the best of two leaves out).
The load average is printed: on a shared machine every figure inflates.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import torch

from grokbook.data import Dataset
from grokbook.ensemble import Ensemble
from grokbook.models import IsingMLP, XORMLP
from grokbook.training import torch_threads, train
from grokbook.tasks.xor import xor_dataset

SMALL_SEEDS, SMALL_EPOCHS = 32, 1500  # the epochs of chapter 5
ISING_SEEDS, ISING_EPOCHS = 5, 200


def ms_per_epoch_per_seed(run: Callable[[], object], n_epochs: int, n_seeds: int, repeats: int = 2) -> float:
    """The best of ``repeats`` timed runs (the first run of a vmapped ensemble in a process also pays a one-off ~1 s set-up)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1e3 * min(times) / (n_epochs * n_seeds)


def with_threads(threads: int, run: Callable[[], object]) -> Callable[[], object]:
    def wrapped() -> object:
        with torch_threads(threads):
            return run()

    return wrapped


def small_loop() -> None:
    for seed in range(SMALL_SEEDS):
        model = XORMLP(20, seed=seed)
        train(model, xor_dataset(), torch.optim.SGD(model.parameters(), lr=1.0), n_epochs=SMALL_EPOCHS, progress=False)


def small_ensemble() -> None:
    members = []
    for seed in range(SMALL_SEEDS):
        members.append(XORMLP(20, seed=seed))
    ensemble = Ensemble(members)
    train(ensemble, xor_dataset(), torch.optim.SGD(ensemble.parameters(), lr=1.0), n_epochs=SMALL_EPOCHS, progress=False)


def ising_data() -> Dataset:
    g = torch.Generator().manual_seed(0)
    spins = lambda n: torch.randint(0, 2, (n, 64), generator=g).float() * 2 - 1  # noqa: E731
    labels = lambda n: torch.randint(0, 4, (n,), generator=g)  # noqa: E731
    return Dataset(spins(4000), labels(4000), spins(4000), labels(4000), n_classes=4)


def ising_run(model: torch.nn.Module) -> None:
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-4, weight_decay=5e-4)
    train(model, ising_data(), optimizer, n_epochs=ISING_EPOCHS, eval_every=250, progress=False)


def ising_loop(seeds: range = range(ISING_SEEDS)) -> None:
    for seed in seeds:
        ising_run(IsingMLP(seed=seed))


def ising_ensemble() -> None:
    ising_run(Ensemble([IsingMLP(seed=seed) for seed in range(ISING_SEEDS)]))


def _one_thread() -> None:
    torch.set_num_threads(1)


def ising_loop_two_processes() -> None:
    halves = [range(0, ISING_SEEDS, 2), range(1, ISING_SEEDS, 2)]
    with ProcessPoolExecutor(2, initializer=_one_thread) as pool:
        list(pool.map(ising_loop, halves))


def main() -> list[tuple[str, float, float, bool]]:
    threads = torch.get_num_threads()
    print(f"cores: {os.cpu_count()}, torch default threads: {threads}, load average (1 min) before: {os.getloadavg()[0]:.1f}")
    small = [ms_per_epoch_per_seed(with_threads(1, run), SMALL_EPOCHS, SMALL_SEEDS) for run in (small_ensemble, small_loop)]
    ising_1 = [ms_per_epoch_per_seed(with_threads(1, run), ISING_EPOCHS, ISING_SEEDS) for run in (ising_ensemble, ising_loop)]
    ising_n = [ms_per_epoch_per_seed(with_threads(threads, run), ISING_EPOCHS, ISING_SEEDS) for run in (ising_ensemble, ising_loop)]
    processes = ms_per_epoch_per_seed(ising_loop_two_processes, ISING_EPOCHS, ISING_SEEDS)
    print(f"load average (1 min) after: {os.getloadavg()[0]:.1f}")
    return [
        (f"XOR 2-20-1, {SMALL_SEEDS} seeds, 1 thread (ms/epoch/seed; ensemble vs loop; target >= 5x)", *small, False),
        (f"Ising 64-48x4-4, {ISING_SEEDS} seeds, 1 thread (ms/epoch/seed; ensemble vs loop)", *ising_1, False),
        (f"Ising, {threads} threads (ms/epoch/seed; ensemble vs loop; target <= 2.5 ms)", *ising_n, False),
        ("Ising, loop in 2 one-thread processes vs one process of 1 thread (ms/epoch/seed)", processes, ising_1[1], False),
    ]


if __name__ == "__main__":
    from run import print_table

    print_table(main())
