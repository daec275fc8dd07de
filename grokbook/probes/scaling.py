"""Finite-size scaling of the avalanche sizes: the effective dimension D(t).

The probe of Wang (arXiv 2604.04655) measures the largest gradient avalanche
S_max at several model sizes N; its one equation is

    S_max(N, t) ~ N**D(t),

and D(t) is the "effective dimension" at snapshot time t.
:func:`effective_dimension` fits it by least squares across the scales at
every snapshot, with a bootstrap over seeds (:func:`resample_seeds`) for its
interval; a sweep repeated on several graphs per scale (an array
(n_scales, n_graphs, n_seeds, T)) is bootstrapped over graphs and seeds
together (:func:`resample_graphs_and_seeds`).  When D(t) passes 1 is read with the book's clock,
:func:`grokbook.curves.crossing_time` (``after_minimum=True`` for the rise out
of the lowest point), on the fit and on each bootstrap replica.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..validate import check_choice, check_fraction, check_int

__all__ = ["DimensionFit", "resample_seeds", "resample_graphs_and_seeds", "effective_dimension"]


@dataclass(frozen=True)
class DimensionFit:
    """D(t) from :func:`effective_dimension`, T snapshot times.

    Attributes:
        D: (T,) slope of seed-averaged log S_max against log N.
        low, high: (T,) bootstrap percentile confidence interval.
        boot: (n_boot, T) bootstrap replicas of D.
        intercept: (T,) fitted log S_max at N = 1.
        log_S: (n_scales, T) the fitted points, mean log S_max at each scale
            (``residuals`` = log_S - intercept - D log N).
    """

    D: np.ndarray
    low: np.ndarray
    high: np.ndarray
    boot: np.ndarray
    intercept: np.ndarray
    log_S: np.ndarray | None = None

    def residuals(self, N: np.ndarray) -> np.ndarray:
        """(n_scales, T) residuals of the fit, ``log_S - intercept - D log N`` (NaN where D is)."""
        if self.log_S is None:
            raise ValueError("this fit holds no fitted points (log_S is None)")
        logN = np.log(np.asarray(N, dtype=np.float64))
        if logN.ndim != 1 or logN.size != np.shape(self.log_S)[0]:
            raise ValueError(f"N must be the fit's (n_scales,) = ({np.shape(self.log_S)[0]},) model sizes, got shape {logN.shape}")
        pred = np.asarray(self.intercept)[None] + np.multiply.outer(logN, np.asarray(self.D))
        return np.asarray(self.log_S) - pred


def resample_seeds(values: np.ndarray, *, n_boot: int = 1000, seed: int = 0) -> np.ndarray:
    """Bootstrap replicas of the seed means of ``values`` (n_scales, n_seeds, T): (n_boot, n_scales, T).

    Each replica redraws, at each scale independently, n_seeds of the seeds
    with replacement and averages them: the spread from seed-to-seed
    variation at fixed scales (the bootstrap of :func:`effective_dimension`).
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 3 or 0 in values.shape:
        raise ValueError(f"values must be a non-empty (n_scales, n_seeds, T) array, got shape {values.shape}")
    n_boot = check_int("n_boot", n_boot, minimum=10)
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    n_scales, n_seeds, _ = values.shape
    pick = rng.integers(n_seeds, size=(n_boot, n_scales, n_seeds))
    return values[np.arange(n_scales)[None, :, None], pick].mean(axis=2)  # (n_boot, n_scales, T)


def resample_graphs_and_seeds(values: np.ndarray, *, n_boot: int = 1000, seed: int = 0) -> np.ndarray:
    """Bootstrap replicas over graphs and seeds of ``values`` (n_scales, n_graphs, n_seeds, T): (n_boot, n_scales, T).

    Each replica draws, at each scale independently, n_graphs of the graphs
    and n_seeds of the training seeds with replacement and averages ``values``
    over every drawn (graph, seed) pair: the spread from the random graph a
    scale is given as well as from seed-to-seed variation.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 4 or 0 in values.shape:
        raise ValueError(f"values must be a non-empty (n_scales, n_graphs, n_seeds, T) array, got shape {values.shape}")
    n_boot = check_int("n_boot", n_boot, minimum=10)
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    n_scales, n_graphs, n_seeds, _ = values.shape
    graphs = rng.integers(n_graphs, size=(n_boot, n_scales, n_graphs))
    seeds = rng.integers(n_seeds, size=(n_boot, n_scales, n_seeds))
    scale = np.arange(n_scales)[None, :, None, None]
    picked = values[scale, graphs[..., :, None], seeds[..., None, :]]  # (n_boot, n_scales, n_graphs, n_seeds, T)
    return picked.mean(axis=(2, 3))


def effective_dimension(
    N: np.ndarray, S_max: np.ndarray, *, n_boot: int = 1000, confidence: float = 0.9, seed: int = 0, empty: str = "raise"
) -> DimensionFit:
    """D(t): the exponent of ``S_max(N, t) ~ N**D(t)`` (arXiv 2604.04655), with a seed bootstrap.

    At each time, D is the ordinary least-squares slope of ``mean_seeds log S_max``
    against ``log N`` across the model scales.  The bootstrap redraws, at each
    scale independently, the seeds with replacement and refits, which gives the
    spread of D from seed-to-seed variation at fixed scales.  Given one
    sweep per graph, (n_scales, n_graphs, n_seeds, T), the fit averages over
    graphs and seeds and the bootstrap redraws both
    (:func:`resample_graphs_and_seeds`).

    Args:
        N: (n_scales,) model sizes, > 0, at least 3 distinct.
        S_max: (n_scales, n_seeds), (n_scales, n_seeds, T) or
            (n_scales, n_graphs, n_seeds, T) avalanche sizes, > 0.
        empty: ``"raise"`` (default) when a size is 0, or ``"nan"``: D, its
            band and replicas are NaN at the times where any size is 0 (a
            snapshot with no toppling at some scale has no exponent).
        n_boot: bootstrap replicas, >= 10.
        confidence: central probability of the interval, in (0, 1).
        seed: seed of the bootstrap, >= 0.
    """
    N = np.asarray(N, dtype=np.float64)
    if N.ndim != 1 or np.unique(N).size < 3:
        raise ValueError(f"N must be a 1-D array of at least 3 distinct model sizes for a fit, got {N.tolist()}")
    if np.any(N <= 0) or not np.all(np.isfinite(N)):
        raise ValueError("N must be finite and > 0")
    check_choice("empty", empty, ("raise", "nan"))
    S = np.asarray(S_max, dtype=np.float64)
    squeeze = S.ndim == 2
    if squeeze:
        S = S[..., None]
    if S.ndim not in (3, 4) or S.shape[0] != N.size or 0 in S.shape:
        raise ValueError(f"S_max must have shape (n_scales, [n_graphs,] n_seeds[, T]) with n_scales = {N.size}, got {np.shape(S_max)}")
    if not np.all(np.isfinite(S)) or np.any(S < 0):
        raise ValueError("S_max must be finite and > 0 (a snapshot with no toppling has no size exponent)")
    zero = (S <= 0).reshape(-1, S.shape[-1]).any(axis=0)  # (T,)
    if zero.any() and empty == "raise":
        raise ValueError("S_max must be finite and > 0 (a snapshot with no toppling has no size exponent); empty='nan' skips such times")
    confidence = check_fraction("confidence", confidence)
    x = np.log(N) - np.log(N).mean()  # (n_scales,)
    logS = np.log(np.where(S > 0, S, 1.0))  # (n_scales, [n_graphs,] n_seeds, T)

    def slope(y: np.ndarray) -> np.ndarray:  # y (..., n_scales, T) -> (..., T)
        return np.einsum("s,...st->...t", x, y) / (x @ x)

    if logS.ndim == 4:
        mean = logS.mean(axis=(1, 2))  # (n_scales, T)
        replicas = resample_graphs_and_seeds(logS, n_boot=n_boot, seed=seed)
    else:
        mean = logS.mean(axis=1)  # (n_scales, T)
        replicas = resample_seeds(logS, n_boot=n_boot, seed=seed)
    boot = slope(replicas)
    boot[:, zero] = np.nan
    low, high = np.quantile(boot, [(1 - confidence) / 2, (1 + confidence) / 2], axis=0)
    D = np.where(zero, np.nan, slope(mean))
    intercept = mean.mean(axis=0) - D * np.log(N).mean()
    fit = DimensionFit(D, low, high, boot, intercept, np.where(zero, np.nan, mean))
    if squeeze:
        fit = DimensionFit(*(np.asarray(a)[..., 0] for a in (fit.D, fit.low, fit.high, fit.boot, fit.intercept, fit.log_S)))
    return fit
