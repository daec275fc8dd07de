"""Exact results of the two solvable grokking models of Zunkovic & Ilievski (arXiv 2210.15435).

**Model A** (the 1-D exponential model).  Inputs of the positive class are
``x = eps + e`` and of the negative class ``x = -(eps + e)`` with
``e ~ Exp(1)``, so the two classes are separated by a gap ``(-eps, eps)``.
A training set holds ``N`` inputs of each class.  The student is
``sgn(x - b)`` with a learnable threshold ``b`` (the perceptron weight is
fixed to 1), trained by gradient flow on

    L(b) = (1/2) mean_i (x_i - b - y_i)^2 + lambda1 |b| + (lambda2 / 2) b^2,

whose gradient is the flow of the paper,

    db/dt = xbar - lambda1 sgn(b) - (1 + lambda2) b,             (A1)

``xbar`` being the mean of the 2N training inputs.  The student generalises
perfectly (zero test error) once ``|b| <= eps``.

**Model B** (the D-ball) is :mod:`grokbook.solvable_ball`; its functions are
re-exported here under the same names.

Equation labels: the paper's full text is not on file here, so apart from
its Eq. 23 the labels (A1)-(A8), (B1)-(B3) are this module's own, and the
chapter ``notebooks/04_rule_learning`` derives each of them.  Every formula
is tested against an independent reference in ``tests/test_solvable.py``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, special

from .solvable_ball import (
    ball_start_in_gap_probability,
    critical_exponent_ball,
    population_entry_time_ball,
    population_flow_ball,
    slow_grokking_time_ball,
    test_error_ball,
)
from .validate import check_int, check_real

__all__ = [
    "effective_gap",
    "test_error_exponential",
    "bias_trajectory",
    "time_to_zero_error",
    "mean_density",
    "grokking_probability",
    "grokking_probability_from",
    "grokking_time",
    "grokking_time_cdf",
    "critical_exponent_exponential",
    "critical_exponent_ball",
    "test_error_ball",
    "slow_grokking_time_ball",
    "ball_start_in_gap_probability",
    "population_flow_ball",
    "population_entry_time_ball",
]


def _check_regularisation(eps: float, lambda1: float, lambda2: float) -> tuple[float, float, float]:
    return (
        check_real("eps", eps, minimum=0.0),
        check_real("lambda1", lambda1, minimum=0.0),
        check_real("lambda2", lambda2, minimum=0.0),
    )


def effective_gap(eps: float, lambda1: float = 0.0, lambda2: float = 0.0) -> float:
    """The regularised gap eps_lambda = eps (1 + lambda2) + lambda1 (A2).

    The fixed point of (A1) lies in the gap, |b*| <= eps, exactly when
    |xbar| <= eps_lambda: regularisation widens the gap the training mean may
    fall into.
    """
    eps, lambda1, lambda2 = _check_regularisation(eps, lambda1, lambda2)
    return eps * (1.0 + lambda2) + lambda1


def test_error_exponential(b: float | np.ndarray, eps: float) -> float | np.ndarray:
    """Test error of the threshold student, E(b) = (1/2)(1 - exp(eps - |b|)) for |b| > eps, else 0 (A3).

    A threshold b > eps misclassifies the positive inputs in (eps, b), a
    fraction 1 - exp(eps - b) of one class (half the data); b < -eps does
    the same to the negative class.
    """
    eps = check_real("eps", eps, minimum=0.0)
    b = np.asarray(b, dtype=float)
    error = 0.5 * -np.expm1(np.minimum(eps - np.abs(b), 0.0))
    return float(error) if error.ndim == 0 else error


def bias_trajectory(
    t: float | np.ndarray, b0: float, xbar: float | np.ndarray, lambda1: float = 0.0, lambda2: float = 0.0
) -> np.ndarray:
    """Exact solution b(t) of the gradient flow (A1) from b(0) = b0 (A4).

    On each side of 0 the flow is linear, b(t) = c + (b0 - c) e^{-(1 + lambda2) t}
    with c = (xbar - lambda1 sgn b0) / (1 + lambda2).  If c lies on the
    other side of 0, b reaches 0 at t0; there the L1 term pins it when
    |xbar| <= lambda1, and otherwise it relaxes to (xbar + lambda1 sgn b0) /
    (1 + lambda2) on the other side.

    Args:
        t: times >= 0, any shape T.
        b0: initial threshold.
        xbar: training means, any shape S (broadcast against ``t`` as S + T
            after adding trailing axes: pass ``xbar[:, None]`` for a grid).
        lambda1, lambda2: L1 and L2 strengths, >= 0.

    Returns:
        b(t), the broadcast shape of ``t`` and ``xbar``.
    """
    b0 = check_real("b0", b0)
    lambda1 = check_real("lambda1", lambda1, minimum=0.0)
    lambda2 = check_real("lambda2", lambda2, minimum=0.0)
    t, xbar = np.asarray(t, dtype=float), np.asarray(xbar, dtype=float)
    if np.any(t < 0):
        raise ValueError("t must be >= 0")
    k, s = 1.0 + lambda2, (1.0 if b0 >= 0 else -1.0)
    c = (xbar - s * lambda1) / k
    first = c + (b0 - c) * np.exp(-k * t)
    crosses = s * c < 0  # the fixed point of the first branch lies beyond 0
    with np.errstate(divide="ignore", invalid="ignore"):
        t0 = np.where(crosses, np.log((b0 - c) / np.where(crosses, -c, 1.0)) / k, np.inf)
    c_after = np.where(np.abs(xbar) <= lambda1, 0.0, (xbar + s * lambda1) / k)
    after = c_after * -np.expm1(-k * np.maximum(t - t0, 0.0))
    return np.where(t < t0, first, after)


def time_to_zero_error(
    b0: float, xbar: float | np.ndarray, eps: float, lambda1: float = 0.0, lambda2: float = 0.0
) -> float | np.ndarray:
    """Time at which the flow (A1) from b0 > eps enters the gap (A5):

        t_eps = (1 + lambda2)^-1 ln[(b0 - xbar_lambda) / (eps - xbar_lambda)],
        xbar_lambda = (xbar - lambda1) / (1 + lambda2),

    and ``inf`` when xbar_lambda >= eps (the student never generalises).  It
    diverges only logarithmically as xbar_lambda -> eps.
    """
    eps, lambda1, lambda2 = _check_regularisation(eps, lambda1, lambda2)
    b0 = check_real("b0", b0, minimum=eps, strict_minimum=True)
    xbar = np.asarray(xbar, dtype=float)
    x_lam = (xbar - lambda1) / (1.0 + lambda2)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(x_lam < eps, np.log((b0 - x_lam) / (eps - x_lam)) / (1.0 + lambda2), np.inf)
    return float(t) if t.ndim == 0 else t


def mean_density(xbar: float | np.ndarray, N: int) -> float | np.ndarray:
    """Density P_N(xbar) of the training mean xbar with N inputs per class (A6):

        P_N(xbar) = 2 N^(N + 1/2) |xbar|^(N - 1/2) K_{N - 1/2}(2 N |xbar|) / (sqrt(pi) Gamma(N)),

    K the modified Bessel function of the second kind.  It is the law of
    (G1 - G2) / (2N) with G1, G2 ~ Gamma(N, 1) independent (the sum of the
    positive minus the sum of the negative offsets e).  For N = 1 it is
    e^{-2|xbar|}; at xbar = 0 the finite limit of the formula is used.
    """
    N = check_int("N", N, minimum=1)
    x = np.abs(np.asarray(xbar, dtype=float))
    nu = N - 0.5
    with np.errstate(divide="ignore", invalid="ignore"):
        log_p = (
            math.log(2.0) + (N + 0.5) * math.log(N) + nu * np.log(x) + np.log(special.kve(nu, 2 * N * x)) - 2 * N * x
            - 0.5 * math.log(math.pi) - special.gammaln(N)
        )
    # x -> 0: x^nu K_nu(2 N x) -> Gamma(nu) 2^(nu - 1) (2 N)^-nu
    at_zero = 2.0 * N ** (N + 0.5) * special.gamma(nu) * 2 ** (nu - 1) * (2 * N) ** -nu / (math.sqrt(math.pi) * special.gamma(N))
    p = np.where(x > 0, np.exp(log_p), at_zero)
    return float(p) if p.ndim == 0 else p


def grokking_probability(N: int, eps_lambda: float | np.ndarray) -> float | np.ndarray:
    """Probability that a training set of N inputs per class groks (A7):

        P_G = 2 int_0^{eps_lambda} P_N(xbar) dxbar,

    i.e. that the fixed point of (A1) ends in the gap, |xbar| <= eps_lambda.
    For N = 2 it is 1 - (1 + 2 eps_lambda) e^{-4 eps_lambda}.  Computed by
    adaptive quadrature of :func:`mean_density`.
    """
    N = check_int("N", N, minimum=1)
    eps_arr = np.asarray(eps_lambda, dtype=float)
    if np.any(~np.isfinite(eps_arr)) or np.any(eps_arr < 0):
        raise ValueError(f"eps_lambda must be finite and >= 0, got {eps_lambda!r}")
    scale = 1.0 / N  # the density's width; split the range there for quad

    def one(e: float) -> float:
        points = [p for p in (scale, 5 * scale) if p < e]
        value = integrate.quad(mean_density, 0.0, e, args=(N,), points=points or None, limit=200, epsabs=1e-13)[0]
        return min(1.0, 2.0 * value)

    p = np.vectorize(one, otypes=[float])(eps_arr)
    return float(p) if p.ndim == 0 else p


def grokking_probability_from(N: int, eps: float, lambda1: float = 0.0, lambda2: float = 0.0) -> float:
    """:func:`grokking_probability` at eps_lambda = eps (1 + lambda2) + lambda1 (A2, A7)."""
    return grokking_probability(N, effective_gap(eps, lambda1, lambda2))


def grokking_time(
    x_min: float | np.ndarray, xbar: float | np.ndarray, eps: float, lambda1: float = 0.0, lambda2: float = 0.0
) -> float | np.ndarray:
    """Grokking time, from fitting the training set to entering the gap (A8):

        t_G = (1 + lambda2)^-1 ln[(eps + x_min - xbar_lambda) / (eps - xbar_lambda)].

    The training set is fitted when b passes the smallest positive training
    input eps + x_min (x_min the smallest positive offset e); the test error
    vanishes when b passes eps.  ``inf`` when xbar_lambda >= eps.  Valid for
    a start b0 > eps + x_min.
    """
    eps, lambda1, lambda2 = _check_regularisation(eps, lambda1, lambda2)
    x_min, xbar = np.asarray(x_min, dtype=float), np.asarray(xbar, dtype=float)
    x_lam = (xbar - lambda1) / (1.0 + lambda2)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(x_lam < eps, np.log((eps + x_min - x_lam) / (eps - x_lam)) / (1.0 + lambda2), np.inf)
    return float(t) if t.ndim == 0 else t


def _gamma_difference_cdf(y: np.ndarray, a: int, b: int) -> np.ndarray:
    """P(G_a - G_b <= y) for independent G_a ~ Gamma(a, 1), G_b ~ Gamma(b, 1), integer a, b >= 0.

    Gamma(0, 1) is the point mass at 0.  Exact finite sums: for y >= 0,
    P(G_a > y + G_b) = E[sum_{k<a} e^{-(y+G_b)} (y+G_b)^k / k!] and
    E[G_b^j e^{-G_b}] = Gamma(b + j) / (Gamma(b) 2^(b + j)).
    """

    def upper_tail(z: np.ndarray, a: int, b: int) -> np.ndarray:
        """P(G_a > z + G_b) for z >= 0."""
        total = np.zeros_like(z)
        for k in range(a):
            for j in range(k + 1):
                if b == 0:
                    moment = 1.0 if j == 0 else 0.0
                else:
                    moment = math.exp(special.gammaln(b + j) - special.gammaln(b) - (b + j) * math.log(2.0))
                total += math.comb(k, j) * z ** (k - j) / math.factorial(k) * moment
        return np.exp(-z) * total

    y = np.asarray(y, dtype=float)
    positive = y >= 0
    z = np.abs(y)
    return np.where(positive, 1.0 - upper_tail(z, a, b), upper_tail(z, b, a))


def grokking_time_cdf(
    t: float | np.ndarray, N: int, eps: float, lambda1: float = 0.0, lambda2: float = 0.0, b0: float = 10.0
) -> float | np.ndarray:
    """Distribution function of the grokking time t_G (A8) among training sets that grok.

    With N inputs per class, the smallest positive offset is x_min ~ Exp(N)
    and, given it, the positive offsets sum to N x_min + G_{N-1}; the
    negative ones sum to G_N (memorylessness of the exponential).  So
    xbar = (N x_min + G_{N-1} - G_N) / (2N), and t_G <= t exactly when

        -eps_lambda < xbar <= eps_lambda - (1 + lambda2) x_min / (e^{(1 + lambda2) t} - 1).

    The CDF is one quadrature over x_min (restricted to x_min < b0 - eps,
    the sets whose fitting happens after the start) of the exact CDF of
    G_{N-1} - G_N, divided by the probability of grokking.

    Args:
        t: times >= 0, any shape.
        N: inputs per class, >= 1.
        eps, lambda1, lambda2: gap half-width and regularisation, >= 0.
        b0: initial threshold, > eps.

    Returns:
        P(t_G <= t | grokking), the shape of ``t``.
    """
    N = check_int("N", N, minimum=1)
    eps_lam = effective_gap(eps, lambda1, lambda2)
    b0 = check_real("b0", b0, minimum=eps, strict_minimum=True)
    k = 1.0 + lambda2

    def probability(c: float) -> float:
        """P(t_G <= t, grokking, x_min < b0 - eps) with c = e^{k t} - 1 (c = inf: no time limit)."""

        def integrand(m: float) -> float:
            upper = eps_lam - (k * m / c if math.isfinite(c) else 0.0)
            lower = -eps_lam
            if upper <= lower:
                return 0.0
            shift = N * m
            inside = _gamma_difference_cdf(np.array([2 * N * upper - shift]), N - 1, N)[0] - _gamma_difference_cdf(
                np.array([2 * N * lower - shift]), N - 1, N
            )[0]
            return N * math.exp(-N * m) * inside

        m_max = b0 - eps
        if math.isfinite(c):
            m_max = min(m_max, 2 * eps_lam * c / k)  # beyond this the interval is empty
        return integrate.quad(integrand, 0.0, m_max, limit=200, epsabs=1e-12)[0]

    t_arr = np.asarray(t, dtype=float)
    if np.any(t_arr < 0) or np.any(np.isnan(t_arr)):
        raise ValueError("t must be >= 0")
    total = probability(math.inf)
    cdf = np.vectorize(lambda tt: probability(math.expm1(k * tt)) / total if tt > 0 else 0.0, otypes=[float])(t_arr)
    return float(cdf) if cdf.ndim == 0 else cdf


def critical_exponent_exponential() -> float:
    """nu = 1 for Model A: near the gap edge E(b) = (b - eps)/2 + O((b - eps)^2) (from A3)."""
    return 1.0
