"""The critical exponent of rule-30 learning, from test-error curves aligned where the error vanishes.

The order parameter of the paper's grokking transition (Zunkovic &
Ilievski, arXiv 2210.15435) is the test error, which vanishes at the
critical point as E ~ (t_c - t)^nu: for Model A nu = 1, for the D-ball
(D + 1)/2 (:mod:`grokbook.solvable`, simulated in
:mod:`grokbook.solvable_sim`, whose :func:`~grokbook.solvable_sim.critical_exponent_fit`
is the same fit for Model B).  :func:`aligned_exponent` measures nu from
the per-epoch test errors of a seed ensemble of tensor networks
(:func:`grokbook.tasks.automata.train_ensemble`), each run aligned at its
critical epoch ``t_zero``, the first epoch without error on the long test
strings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..validate import check_int

__all__ = ["AlignedExponent", "aligned_exponent"]


@dataclass(frozen=True)
class AlignedExponent:
    """Critical exponent from E(t_zero - s) ~ s^nu, runs aligned at their critical epoch t_zero."""

    nu: float  # slope of ln <E(t_zero - s)> against ln s
    systematic: float  # change of nu when the window is doubled (s from 2 first to 2 last)
    ci: tuple[float, float]  # 95% bootstrap interval over runs, widened by the systematic change on each side
    n_runs: int  # runs that reach zero error late enough to be aligned
    s: np.ndarray  # (K,) epochs before t_zero used in the fit
    mean_error: np.ndarray  # (K,) mean error of the aligned runs there


def aligned_exponent(
    long_error: np.ndarray, t_zero: np.ndarray, *, window: tuple[int, int] = (1, 10), n_resamples: int = 2000, seed: int = 0,
    epochs: np.ndarray | None = None,
) -> AlignedExponent:  # fmt: skip
    """Measure nu from test-error curves, each aligned at the epoch where its error first vanishes.

    The order parameter of the paper's grokking transition is the test error,
    which vanishes at the critical point as E ~ (t_c - t)^nu (for Model A
    nu = 1, for the D-ball (D + 1)/2).  A single rule-30 run has a finite test
    set and a noisy, stepwise curve, so we take t_c = t_zero, the first epoch
    with no error on the long test strings, average E(t_zero - s) over the runs
    for s = window[0] ... window[1] epochs, and fit a line to ln <E> against
    ln s.  The 95% interval comes from :func:`scipy.stats.bootstrap`
    (percentile method) over the runs, widened on each side by the change of
    nu when the window is doubled (the curves are not exact power laws: the
    finite test set resolves errors down to one cell, and far from t_zero
    the curve bends), as for Model B (:func:`grokbook.solvable_sim.critical_exponent_fit`).
    Only runs with t_zero >= 2 window[1] enter, the same runs for both windows.

    Args:
        long_error: (E + 1, S) per-epoch test errors of S runs, or (T, S) at ``epochs``.
        t_zero: (S,) their critical epochs (NaN: no zero error; such runs are left out).
        window: (first, last) epochs before t_zero in the fit, 1 <= first < last; with
            ``epochs`` every evaluation whose distance s to t_zero lies in the window is used.
        epochs: (T,) evenly spaced evaluation epochs of the rows of long_error (default 0, 1, ..., E).
        n_resamples: bootstrap resamples, >= 100.
        seed: seed of the bootstrap.
    """
    first_s = check_int("window[0]", window[0], minimum=1)
    last_s = check_int("window[1]", window[1], minimum=first_s + 1)
    n_resamples = check_int("n_resamples", n_resamples, minimum=100)
    long_error, t_zero = np.asarray(long_error, float), np.asarray(t_zero, float)
    if long_error.ndim != 2 or t_zero.shape != (long_error.shape[1],):
        raise ValueError(f"long_error must be (E + 1, S) and t_zero (S,), got {long_error.shape} and {t_zero.shape}")
    step = 1
    if epochs is not None:
        epochs = np.asarray(epochs)
        step = int(epochs[1] - epochs[0]) if epochs.size > 1 else 1
        if epochs.shape != (long_error.shape[0],) or epochs[0] != 0 or np.any(np.diff(epochs) != step):
            raise ValueError(f"epochs must be 0, k, 2k, ... with one per row of long_error, got {epochs[:5]}...")
    use = np.flatnonzero(np.isfinite(t_zero) & (t_zero >= 2 * last_s))
    if use.size < 3:
        raise ValueError(f"need at least 3 runs whose error vanishes after epoch {2 * last_s}, got {use.size}")

    def aligned(s: np.ndarray) -> np.ndarray:  # (R, K): E(t_zero - s) of every run used
        return long_error[(t_zero[use].astype(int)[:, None] - s[None, :]) // step, use[:, None]]

    def grid(first: int, last: int) -> np.ndarray:  # the distances s in [first, last] that fall on evaluations
        return np.arange(-(-first // step) * step, last + 1, step)

    s = grid(first_s, last_s)  # (K,)
    curves, doubled = aligned(s), aligned(grid(2 * first_s, 2 * last_s))

    def slope(curves: np.ndarray, s: np.ndarray) -> float:
        return float(np.polyfit(np.log(s), np.log(curves.mean(axis=0)), 1)[0])

    nu = slope(curves, s)
    systematic = abs(slope(doubled, grid(2 * first_s, 2 * last_s)) - nu)
    result = stats.bootstrap(  # resample the runs: the statistic gets their indices
        (np.arange(use.size),), lambda runs: slope(curves[runs.astype(int)], s), vectorized=False, n_resamples=n_resamples,
        method="percentile", rng=np.random.default_rng(seed),
    )  # fmt: skip
    low, high = result.confidence_interval
    return AlignedExponent(nu=nu, systematic=systematic, ci=(float(low) - systematic, float(high) + systematic), n_runs=int(use.size), s=s, mean_error=curves.mean(axis=0))
