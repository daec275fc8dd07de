"""Simulations of the solvable rule-learning models of Zunkovic & Ilievski (arXiv 2210.15435).

* Model A (1-D exponential) trained by gradient descent on thousands of
  independent training sets at once (one numpy array per quantity, one entry
  per training set): :func:`simulate_exponential`.
* Model B (D-ball): training sets, the exact gradient flow of each (the loss
  is quadratic, so the flow is a matrix exponential), the time at which the
  decision boundary enters the gap, and the critical exponent measured from
  the test error just before it: :func:`ball_training_sets`,
  :func:`ball_flow`, :func:`critical_exponent_fit`; the same fit on one
  discrete trajectory of Model A: :func:`exponent_from_trajectory`.

The exact formulas these are compared with live in :mod:`grokbook.solvable`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from . import curves, solvable
from .validate import check_int, check_real

__all__ = [
    "ExponentialRuns",
    "simulate_exponential",
    "ball_training_sets",
    "ball_flow",
    "ball_cos_theta",
    "gap_entry_time",
    "ExponentFit",
    "critical_exponent_fit",
    "exponent_from_trajectory",
]


# ---------------------------------------------------------------- Model A


@dataclass(frozen=True)
class ExponentialRuns:
    """Gradient descent on many Model A training sets (S sets, T recorded steps).

    Times are in units of the flow (step index * lr); ``inf`` marks an event
    that did not happen by ``t_max``.
    """

    xbar: np.ndarray  # (S,) mean of the 2N training inputs
    x_min: np.ndarray  # (S,) smallest positive offset e (positive input eps + x_min)
    t_fit: np.ndarray  # (S,) first time the training error is zero
    t_eps: np.ndarray  # (S,) first time the test error is zero (|b| <= eps): the epoch-like "t_grok" of this model
    b_final: np.ndarray  # (S,) threshold at t_max
    times: np.ndarray  # (T,) times of the recorded trajectories
    b_recorded: np.ndarray  # (n_record, T) thresholds of the first n_record sets

    @property
    def delay(self) -> np.ndarray:
        """(S,) grokking time t_G = t_eps - t_fit (A8), a duration (inf where the set does not generalise)."""
        with np.errstate(invalid="ignore"):
            return np.where(np.isfinite(self.t_eps), self.t_eps - self.t_fit, np.inf)

    def groks(self, eps: float) -> np.ndarray:
        """(S,) bool: the final threshold lies in the gap of half-width ``eps``."""
        return np.abs(self.b_final) <= eps


def simulate_exponential(
    N: int,
    eps: float,
    *,
    lambda1: float = 0.0,
    lambda2: float = 0.0,
    b0: float = 10.0,
    n_sets: int = 10_000,
    lr: float = 2e-3,
    t_max: float = 25.0,
    n_record: int = 8,
    seed: int = 0,
) -> ExponentialRuns:
    """Train the threshold student of Model A by gradient descent on ``n_sets`` training sets at once.

    Each set holds N positive inputs eps + e and N negative inputs -(eps + e'),
    e, e' ~ Exp(1).  One step is b <- b - lr dL/db with
    L = (1/2) mean (x - b - y)^2 + lambda1 |b| + lambda2 b^2 / 2, i.e. the
    Euler step of the flow (A1) of :mod:`grokbook.solvable`.

    Args:
        N: inputs per class, >= 1.
        eps: gap half-width, >= 0.
        lambda1, lambda2: L1 and L2 strengths, >= 0.
        b0: initial threshold, > eps (the student starts at chance level).
        n_sets: independent training sets, >= 1.
        lr: step size, in (0, 0.5]; times are step * lr.
        t_max: training time, > 0.
        n_record: how many sets' full trajectories to keep, 0 <= n_record <= n_sets.
        seed: seed of the training sets.
    """
    N = check_int("N", N, minimum=1)
    eps = check_real("eps", eps, minimum=0.0)
    lambda1 = check_real("lambda1", lambda1, minimum=0.0)
    lambda2 = check_real("lambda2", lambda2, minimum=0.0)
    b0 = check_real("b0", b0, minimum=eps, strict_minimum=True)
    n_sets = check_int("n_sets", n_sets, minimum=1)
    lr = check_real("lr", lr, minimum=0.0, strict_minimum=True, maximum=0.5)
    t_max = check_real("t_max", t_max, minimum=0.0, strict_minimum=True)
    n_record = check_int("n_record", n_record, minimum=0, maximum=n_sets)
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))

    positive = eps + rng.exponential(size=(n_sets, N))  # (S, N)
    negative = -(eps + rng.exponential(size=(n_sets, N)))  # (S, N)
    xbar = (positive.sum(axis=1) + negative.sum(axis=1)) / (2 * N)  # (S,)
    lowest_positive, highest_negative = positive.min(axis=1), negative.max(axis=1)

    n_steps = int(round(t_max / lr))
    b = np.full(n_sets, b0)
    t_fit, t_eps = np.full(n_sets, np.inf), np.full(n_sets, np.inf)
    recorded = np.empty((n_record, n_steps + 1))
    for step in range(n_steps + 1):
        t = step * lr
        fitted = (b < lowest_positive) & (b > highest_negative)
        t_fit = np.where(fitted & np.isinf(t_fit), t, t_fit)
        in_gap = np.abs(b) <= eps
        t_eps = np.where(in_gap & np.isinf(t_eps), t, t_eps)
        recorded[:, step] = b[:n_record]
        if step == n_steps:
            break
        gradient = -(xbar - b) + lambda1 * np.sign(b) + lambda2 * b  # dL/db, (S,)
        b = b - lr * gradient
    return ExponentialRuns(
        xbar=xbar,
        x_min=lowest_positive - eps,
        t_fit=t_fit,
        t_eps=t_eps,
        b_final=b,
        times=np.arange(n_steps + 1) * lr,
        b_recorded=recorded,
    )


# ---------------------------------------------------------------- Model B


def ball_training_sets(n_sets: int, N: int, D: int, eps: float, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Model B training sets: N inputs per class, uniform in the unit D-ball shifted by +-eps e1.

    Returns:
        X: (n_sets, 2N, D) inputs, the N positive ones first.
        y: (2N,) labels +1 then -1.
    """
    n_sets = check_int("n_sets", n_sets, minimum=1)
    N = check_int("N", N, minimum=1)
    D = check_int("D", D, minimum=1)
    eps = check_real("eps", eps, minimum=0.0)
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    direction = rng.standard_normal((n_sets, 2 * N, D))
    direction /= np.linalg.norm(direction, axis=-1, keepdims=True)
    radius = rng.random((n_sets, 2 * N, 1)) ** (1.0 / D)  # uniform in the ball
    y = np.concatenate([np.ones(N), -np.ones(N)])
    X = direction * radius
    X[:, :, 0] += eps * y
    return X, y


def ball_flow(X: np.ndarray, y: np.ndarray, lambda2: float, w0: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Exact gradient flow of the D-ball loss (1/2) w.G.w - w.a + 1/2 + (lambda2/2)|w|^2 for every set.

    G = mean x x^T and a = mean y x over the training set; the flow
    dw/dt = a - (G + lambda2) w is linear, so with H = G + lambda2 = V diag(h) V^T,
    w(t) = w* + V e^{-h t} V^T (w0 - w*), w* = H^-1 a.

    Args:
        X: (S, n, D) inputs; y: (n,) labels.
        lambda2: L2 strength, >= 0 (G is singular when n < D, then lambda2 > 0 is needed).
        w0: (S, D) initial weights.
        t: (S, T) or (T,) times >= 0.

    Returns:
        w: (S, T, D).
    """
    lambda2 = check_real("lambda2", lambda2, minimum=0.0)
    X, y, w0 = np.asarray(X, float), np.asarray(y, float), np.asarray(w0, float)
    n_sets, n, D = X.shape
    if y.shape != (n,) or w0.shape != (n_sets, D):
        raise ValueError(f"y must have shape ({n},) and w0 ({n_sets}, {D}), got {y.shape} and {w0.shape}")
    G = np.einsum("snd,sne->sde", X, X) / n  # (S, D, D)
    a = np.einsum("snd,n->sd", X, y) / n  # (S, D)
    h, V = np.linalg.eigh(G + lambda2 * np.eye(D))  # (S, D), (S, D, D)
    if np.any(h <= 0):
        raise ValueError("G + lambda2 is singular for some training set: use lambda2 > 0 or more data")
    w_star = np.einsum("sde,se->sd", V, np.einsum("sed,se->sd", V, a) / h)  # (S, D)
    t = np.broadcast_to(np.asarray(t, float), (n_sets, np.shape(t)[-1]))  # (S, T)
    coefficient = np.einsum("sed,se->sd", V, w0 - w_star)  # (S, D) in the eigenbasis
    decay = np.exp(-h[:, None, :] * t[:, :, None])  # (S, T, D)
    return w_star[:, None, :] + np.einsum("sde,ste->std", V, decay * coefficient[:, None, :])


def ball_cos_theta(w: np.ndarray) -> np.ndarray:
    """cos of the angle between w and e1, shape w.shape[:-1]."""
    return w[..., 0] / np.linalg.norm(w, axis=-1)


def gap_entry_time(
    X: np.ndarray, y: np.ndarray, lambda2: float, w0: np.ndarray, eps: float, *, t_max: float = 200.0, n_grid: int = 400
) -> np.ndarray:
    """First time the decision boundary enters the gap, eps cos(theta) >= 1 (zero test error), per set.

    A log-spaced grid up to ``t_max`` brackets the first crossing, then 60
    bisection steps locate it to machine precision.  ``inf`` where the
    boundary does not enter the gap by ``t_max``.

    Returns:
        (S,) times.
    """
    eps = check_real("eps", eps, minimum=1.0, strict_minimum=True)
    grid = np.concatenate([[0.0], np.geomspace(1e-3, t_max, n_grid)])  # (T,)
    c = eps * ball_cos_theta(ball_flow(X, y, lambda2, w0, grid))  # (S, T)
    inside = c >= 1.0
    first = np.argmax(inside, axis=1)
    found = inside.any(axis=1) & (first > 0)
    lo = grid[np.maximum(first - 1, 0)]
    hi = grid[first]
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        c_mid = eps * ball_cos_theta(ball_flow(X, y, lambda2, w0, mid[:, None]))[:, 0]
        lo, hi = np.where(c_mid >= 1.0, lo, mid), np.where(c_mid >= 1.0, mid, hi)
    return np.where(found, hi, np.inf)


@dataclass(frozen=True)
class ExponentFit:
    """Critical exponent measured from E ~ (t_eps - t)^nu, per training set and pooled."""

    D: int
    per_set: np.ndarray  # (S,) nu of each training set
    nu: float  # mean over sets
    systematic: float  # change of nu when the fit window moves a decade further from t_eps
    ci: tuple[float, float]  # 95% interval: Student-t interval of the mean widened by the systematic error
    theory: float  # (D + 1) / 2


def critical_exponent_fit(
    D: int,
    *,
    N: int = 500,
    eps: float = 1.1,
    lambda2: float = 0.1,
    n_sets: int = 200,
    window: tuple[float, float] = (1e-5, 1e-3),
    seed: int = 0,
) -> ExponentFit:
    """Measure nu of the D-ball model from the exact test error just before the boundary enters the gap.

    For each training set (weights start as N(0, I)), find t_eps
    (:func:`gap_entry_time`), evaluate the test error E (B1) at 30 times
    t_eps - s with s log-spaced in ``window``, and fit
    ln E = c + nu ln s + k s by least squares: the k s term absorbs the
    curvature of the trajectory, so nu is the exponent of the s -> 0 limit.
    Sets that do not enter the gap are dropped.  The test error is exact,
    so the spread between sets is tiny; the remaining error is the
    truncation of the fit, estimated by repeating it on a window ten times
    farther from t_eps and added to the Student-t interval.

    Args:
        D: input dimension, >= 2.
        N: inputs per class, >= 1 (large N: nearly every set generalises).
        eps: shift of each class, > 1.
        lambda2: L2 strength, >= 0.
        n_sets: training sets, >= 3.
        window: (smallest, largest) time before t_eps used in the fit.
        seed: seed of data and initial weights.
    """
    D = check_int("D", D, minimum=2)
    n_sets = check_int("n_sets", n_sets, minimum=3)
    lo, hi = window
    check_real("window[0]", lo, minimum=0.0, strict_minimum=True)
    check_real("window[1]", hi, minimum=lo, strict_minimum=True)
    X, y = ball_training_sets(n_sets, N, D, eps, seed=seed)
    w0 = np.random.default_rng(seed + 1).standard_normal((n_sets, D))
    t_eps = gap_entry_time(X, y, lambda2, w0, eps)
    ok = np.isfinite(t_eps) & (t_eps > 10 * hi)

    def fit(lo: float, hi: float) -> np.ndarray:
        s = np.geomspace(lo, hi, 30)  # (K,)
        w = ball_flow(X[ok], y, lambda2, w0[ok], t_eps[ok, None] - s[None, :])  # (S', K, D)
        log_error = np.log(solvable.test_error_ball(ball_cos_theta(w), eps, D))  # (S', K)
        return _exponent(s, log_error.T)  # (S',)

    per_set = fit(lo, hi)
    mean, se = per_set.mean(), per_set.std(ddof=1) / np.sqrt(per_set.size)
    systematic = abs(fit(10 * lo, 10 * hi).mean() - mean)
    half = stats.t.ppf(0.975, per_set.size - 1) * se + systematic
    return ExponentFit(D=D, per_set=per_set, nu=float(mean), systematic=float(systematic), ci=(float(mean - half), float(mean + half)), theory=(D + 1) / 2)


def _exponent(s: np.ndarray, log_error: np.ndarray) -> np.ndarray:
    """nu of the least-squares fit ln E = c + nu ln s + k s; s (K,), log_error (K,) or (K, S) -> () or (S,).

    The k s term absorbs the curvature of the trajectory, so nu is the
    exponent of the s -> 0 limit.
    """
    design = np.stack([np.ones_like(s), np.log(s), s], axis=1)  # (K, 3)
    return np.linalg.lstsq(design, log_error, rcond=None)[0][1]


def exponent_from_trajectory(
    b: np.ndarray, times: np.ndarray, eps: float, *, window: tuple[float, float] = (0.01, 0.3)
) -> tuple[float, float]:
    """nu of Model A from one discrete trajectory b(times): the fit of :func:`critical_exponent_fit` on (A3).

    t_eps is the first passage of b through eps, interpolated linearly
    between the two recorded steps around it
    (:func:`grokbook.curves.crossing_time`); the test error (A3) at the
    recorded times with s = t_eps - t in ``window`` is fitted by
    ln E = c + nu ln s + k s.

    Args:
        b: (T,) thresholds falling from above eps (a row of ``ExponentialRuns.b_recorded``).
        times: (T,) their times.
        eps: gap half-width, > 0.
        window: (smallest, largest) s in the fit, 0 < smallest < largest.

    Returns:
        (nu, t_eps); ValueError when b never enters the gap or the window holds fewer than 3 points.
    """
    eps = check_real("eps", eps, minimum=0.0, strict_minimum=True)
    lo, hi = window
    check_real("window[0]", lo, minimum=0.0, strict_minimum=True)
    check_real("window[1]", hi, minimum=lo, strict_minimum=True)
    b, times = np.asarray(b, dtype=float), np.asarray(times, dtype=float)
    t_cross = curves.crossing_time(times, b, eps, falling=True)
    if np.isnan(t_cross):
        raise ValueError("b must enter the gap |b| <= eps within the recorded times")
    before = times < t_cross
    s = t_cross - times[before]
    use = (s >= lo) & (s <= hi)
    if use.sum() < 3:
        raise ValueError(f"window must hold at least 3 recorded times before t_eps, got {int(use.sum())}")
    log_error = np.log(solvable.test_error_exponential(b[before][use], eps))
    return float(_exponent(s[use], log_error)), float(t_cross)
