"""Avalanches per second of the gradient-avalanche probe, against two baselines.

    python benchmarks/avalanche.py

``grokbook.probes.relax`` (:mod:`grokbook.probes.toppling`) topples every
unstable node of every system in one sparse-matrix product per wave.  Baselines, measured in the same run on the
same loads and graphs, with the same rules (chapter 5's: alpha = 0.5,
threshold 2, load shared equally among neighbours), and checked to give the
same avalanche sizes:

1. the same function called once per snapshot (a loop over snapshots), over
   the eight model scales of chapter 5 (N = 81 ... 2001, 306 snapshots each);
2. the textbook pure-Python relaxation, a loop over toppling nodes and their
   neighbours, on N = 2001.
"""

from __future__ import annotations

import time

import numpy as np

from grokbook import probes
from grokbook.tasks import xor

SCALES = xor.XORConfig().N.tolist()  # chapter 5's parameter counts
N_SNAPSHOTS, N_PYTHON = 306, 20  # 6 seeds x 51 snapshots; snapshots for the slow baseline
ALPHA, THRESHOLD = 0.5, 2.0


def relax_python(load: np.ndarray, neighbours: list[list[int]]) -> int:
    """Pure-Python parallel-wave relaxation of one system; returns the number of topplings."""
    F = [float(x) for x in load]
    unstable = [i for i, x in enumerate(F) if x >= THRESHOLD]
    size = 0
    while unstable:
        released = [(i, F[i]) for i in unstable]
        for i, _ in released:
            F[i] = 0.0
        touched = set()
        for i, value in released:
            share = ALPHA * value / len(neighbours[i])
            for j in neighbours[i]:
                F[j] += share
                touched.add(j)
        size += len(released)
        unstable = sorted(j for j in touched if F[j] >= THRESHOLD)
    return size


def timed(function):
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def main() -> list[tuple[str, float, float, bool]]:
    rng = np.random.default_rng(0)
    batched = looped = 0.0
    for N in SCALES:
        graph = probes.make_graph("barabasi_albert", N, seed=0)
        W = probes.transfer_matrix(graph)
        loads = probes.snapshot_loads(rng.standard_t(df=3, size=(N_SNAPSHOTS, N)))  # (N, B), heavy-tailed
        together, seconds = timed(lambda: probes.relax(loads, W, alpha=ALPHA, threshold=THRESHOLD).sizes)
        batched += seconds
        one_by_one, seconds = timed(
            lambda: np.array([probes.relax(loads[:, b], W, alpha=ALPHA, threshold=THRESHOLD).sizes[0] for b in range(N_SNAPSHOTS)])
        )
        looped += seconds
        np.testing.assert_array_equal(together, one_by_one)

    neighbours = [list(graph.neighbors(i)) for i in range(N)]  # the largest scale
    subset = loads[:, :N_PYTHON]
    ours, ours_seconds = timed(lambda: probes.relax(subset, W, alpha=ALPHA, threshold=THRESHOLD).sizes)
    python, python_seconds = timed(lambda: np.array([relax_python(subset[:, b], neighbours) for b in range(N_PYTHON)]))
    np.testing.assert_array_equal(ours, python)
    total = N_SNAPSHOTS * len(SCALES)
    return [
        ("avalanches of chapter 5's 8 scales (per s; baseline one snapshot per call)", total / batched, total / looped, True),
        (f"avalanches at N={N} (per s; baseline pure-Python toppling loop)", N_PYTHON / ours_seconds, N_PYTHON / python_seconds, True),
    ]


if __name__ == "__main__":
    from run import print_table

    print_table(main())
