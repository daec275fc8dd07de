"""Statistics of Monte Carlo time series: autocorrelation and error bars."""

from __future__ import annotations

import numpy as np

from .validate import check_real

__all__ = ["autocorrelation", "integrated_autocorrelation_time", "binder_cumulant"]


def _as_chains(x: np.ndarray, name: str = "x") -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] < 2:
        raise ValueError(f"{name} must have shape (n_steps,) or (n_chains, n_steps) with n_steps >= 2, got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite")
    return x


def autocorrelation(x: np.ndarray) -> np.ndarray:
    """Normalised autocorrelation rho(t) of a time series, averaged over chains (FFT, O(n log n)).

    Args:
        x: shape (n_steps,) or (n_chains, n_steps).

    Returns:
        rho of shape (n_steps,), rho(0) = 1.
    """
    x = _as_chains(x)
    n = x.shape[1]
    centred = x - x.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(centred, n=2 * n, axis=1)
    acov = np.fft.irfft(spectrum * np.conj(spectrum), axis=1)[:, :n].mean(axis=0)
    if acov[0] == 0:
        raise ValueError("x is constant: its autocorrelation is undefined")
    return acov / acov[0]


def integrated_autocorrelation_time(x: np.ndarray, window: float = 5.0) -> float:
    """Integrated autocorrelation time tau = 1 + 2 sum_{t>=1} rho(t), in steps of ``x``.

    tau is the number of steps between effectively independent samples (1 for
    uncorrelated data).  The sum is cut at the smallest M with M >= window * tau(M),
    Sokal's self-consistent window, which balances bias against noise.

    Args:
        x: time series, shape (n_steps,) or (n_chains, n_steps); the chains are
            pooled. The estimate is trustworthy when n_steps >> 50 tau.
        window: Sokal's c, > 0 (5 is customary).
    """
    window = check_real("window", window, minimum=0.0, strict_minimum=True)
    rho = autocorrelation(x)
    taus = 2.0 * np.cumsum(rho) - 1.0
    m = np.arange(rho.size)
    ok = m >= window * taus
    return float(taus[np.argmax(ok)] if ok.any() else taus[-1])


def binder_cumulant(m: np.ndarray) -> float:
    """Binder cumulant U = 1 - <m^4> / (3 <m^2>^2) of magnetisation samples (1-D)."""
    m = np.asarray(m, dtype=float)
    if m.ndim != 1 or m.size < 2:
        raise ValueError(f"m must be a 1-D array of at least 2 samples, got shape {m.shape}")
    m2 = np.mean(m**2)
    if m2 == 0:
        raise ValueError("m must not be identically zero")
    return float(1.0 - np.mean(m**4) / (3.0 * m2**2))
