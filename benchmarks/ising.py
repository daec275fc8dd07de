"""Speed of the Ising samplers, against baselines measured in the same run.

    python benchmarks/ising.py

1. Flip attempts per second of the compiled checkerboard Metropolis
   (grokbook.ising) at L = 32 with many chains, against a plain numpy
   checkerboard written below (np.roll neighbour sums, one uniform per site).
2. Integrated autocorrelation time of |m| at T_c, L = 64, for Metropolis and
   Wolff, in sweeps: how many fewer sweeps the cluster method needs.
"""

from __future__ import annotations

import time

import numpy as np

from grokbook import ising, stats

L, N_CHAINS, N_SWEEPS = 32, 64, 200


def numpy_checkerboard_sweeps(spins: np.ndarray, beta: float, n_sweeps: int, rng: np.random.Generator) -> None:
    """Baseline: the textbook vectorised numpy checkerboard Metropolis, chains along axis 0."""
    L = spins.shape[-1]
    parity = (np.add.outer(np.arange(L), np.arange(L)) % 2).astype(bool)
    for _ in range(n_sweeps):
        for mask in (~parity, parity):
            field = (np.roll(spins, 1, -1) + np.roll(spins, -1, -1) + np.roll(spins, 1, -2) + np.roll(spins, -1, -2))
            accept = rng.random(spins.shape) < np.exp(-2.0 * beta * spins * field)
            spins[accept & mask] *= -1


def flips_per_second(run, n_flip_attempts: int, repeats: int = 3) -> float:
    """Best of ``repeats`` timings (the first call also compiles, so it is run once before)."""
    run()
    best = min(_timed(run) for _ in range(repeats))
    return n_flip_attempts / best


def _timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> list[tuple[str, float, float, bool]]:
    beta = 1.0 / ising.critical_temperature()
    rng = np.random.default_rng(0)
    baseline_spins = rng.choice(np.array([-1, 1], dtype=np.int64), size=(N_CHAINS, L, L))
    chains = ising.MarkovChains(L, np.full(N_CHAINS, 1.0 / beta), method="metropolis", seed=0)
    n = N_CHAINS * L * L * N_SWEEPS
    numpy_rate = flips_per_second(lambda: numpy_checkerboard_sweeps(baseline_spins, beta, N_SWEEPS, rng), n)
    compiled_rate = flips_per_second(lambda: chains.sweep(N_SWEEPS), n)

    Tc = ising.critical_temperature()
    tau = {
        "metropolis": stats.integrated_autocorrelation_time(
            ising.abs_magnetization_series(64, Tc, 40_000, method="metropolis", burn_in=10_000, n_chains=16, seed=1)
        ),
        "wolff": stats.integrated_autocorrelation_time(
            ising.abs_magnetization_series(64, Tc, 4_000, method="wolff", n_chains=16, seed=1)
        ),
    }
    return [
        ("Metropolis flip attempts, L=32 (M/s; baseline plain numpy)", compiled_rate / 1e6, numpy_rate / 1e6, True),
        ("tau_int(|m|) at T_c, L=64 (sweeps; Wolff vs Metropolis)", tau["wolff"], tau["metropolis"], False),
    ]


if __name__ == "__main__":
    from run import print_table

    print_table(main())
