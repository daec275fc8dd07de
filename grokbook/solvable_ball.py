"""Exact results of Model B, the D-ball, of Zunkovic & Ilievski (arXiv 2210.15435).

Inputs are uniform in the unit D-ball shifted by ``+eps e1`` (positive class)
or ``-eps e1`` (negative class), ``eps > 1`` leaving a gap; the student
``sgn(w . x)`` is trained by gradient flow on the quadratic loss
``(1/2) w.G.w - w.a + 1/2 + (lambda2/2)|w|^2`` with ``G = <x x^T>`` and
``a = <y x>`` over the training set (simulated exactly in
:mod:`grokbook.solvable_sim`).  It misclassifies a cap of each ball, whose
volume vanishes with the exponent ``nu = (D + 1) / 2`` (paper Eq. 23, (B1)).

The grokking-time distribution: (B2) is the slow peak as NOTES.md quotes
the paper, (B3) our chi^2 estimate of the sets that start in the gap, (B4)
the population flow (N -> infinity), in which every set enters the gap at a
time set by its initial transverse weight, and which has the form of (B2).
Labels are this module's own (the paper's text is not on file).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats

from .validate import check_int, check_real

__all__ = [
    "critical_exponent_ball",
    "test_error_ball",
    "slow_grokking_time_ball",
    "ball_start_in_gap_probability",
    "population_flow_ball",
    "population_entry_time_ball",
]


def critical_exponent_ball(D: int, xi: float = 0.0) -> float:
    """Critical exponent of the D-ball model, nu = (D + 1 - 2 xi) / 2 (paper Eq. 23).

    The misclassified cap of depth h has volume ~ h^((D + 1)/2) (B1); a
    density that diverges at the ball's boundary as (distance)^-xi lowers
    the exponent by xi.

    Args:
        D: input dimension, >= 1.
        xi: boundary divergence exponent, 0 <= xi < 1 (integrable density).
    """
    D = check_int("D", D, minimum=1)
    xi = check_real("xi", xi, minimum=0.0)
    if xi >= 1:
        raise ValueError(f"xi must be < 1 (an integrable density), got {xi}")
    return (D + 1 - 2 * xi) / 2


def test_error_ball(cos_theta: float | np.ndarray, eps: float, D: int) -> float | np.ndarray:
    """Test error of sgn(w . x) on the D-ball model, w at angle theta to e1 (B1).

    A positive input eps e1 + u (u uniform in the unit ball) is misclassified
    when u . w_hat < -c with c = eps cos(theta): for 0 <= c < 1 that is the
    cap of height 1 - c, a fraction (1/2) I_{1 - c^2}((D + 1)/2, 1/2) of the
    ball (I the regularised incomplete beta function); for c < 0 it is the
    complement of the cap at |c|.  The negative class is the mirror image,
    so this is also the total test error.  It vanishes for c >= 1 and, near
    c = 1, behaves as (1 - c)^((D + 1)/2) (paper Eq. 23).
    """
    eps = check_real("eps", eps, minimum=0.0)
    D = check_int("D", D, minimum=1)
    c = eps * np.asarray(cos_theta, dtype=float)
    cap = 0.5 * special.betainc((D + 1) / 2, 0.5, np.clip(1.0 - c**2, 0.0, 1.0))
    error = np.where(c >= 1, 0.0, np.where(c >= 0, cap, 1.0 - cap))
    return float(error) if error.ndim == 0 else error


def slow_grokking_time_ball(eps: float, lambda2: float, D: int) -> float:
    """Position of the slow peak of the D-ball grokking-time distribution, as NOTES.md quotes the paper (B2):

        t_slow = (2 lambda_{2,D})^-1 ln[eps^4 / (eps^4 - 1)],  lambda_{2,D} = lambda2 + 1/(D + 2).

    1/(D + 2) is the variance of one coordinate of the uniform unit D-ball,
    so lambda_{2,D} is the rate at which the flow shrinks the components of
    w orthogonal to e1.  Needs eps > 1 (a gap between the classes).
    """
    eps = check_real("eps", eps, minimum=1.0, strict_minimum=True)
    lambda2 = check_real("lambda2", lambda2, minimum=0.0)
    D = check_int("D", D, minimum=1)
    rate = lambda2 + 1.0 / (D + 2)
    return math.log(eps**4 / (eps**4 - 1.0)) / (2.0 * rate)


def ball_start_in_gap_probability(N: int, D: int, eps: float) -> float:
    """Probability that the D-ball flow from w = 0 starts inside the gap (B3; our derivation, CLT approximation).

    From w = 0 the flow first points along a = <y x> = eps e1 + delta_a, whose
    transverse part is the mean of 2N terms of variance 1/(D + 2) per
    component, so |delta_a_perp|^2 ~ chi^2_{D-1} / (2N (D + 2)).  Neglecting
    the fluctuation of a_1, the direction is inside the gap
    (eps cos(theta) >= 1) when |delta_a_perp|^2 <= eps^2 (eps^2 - 1):

        P = F_{chi^2_{D-1}}(2N (D + 2) eps^2 (eps^2 - 1)).

    This is the chi^2_{D-1} "fast branch" of the grokking-time distribution.

    Args:
        N: inputs per class, >= 1.
        D: input dimension, >= 2.
        eps: shift of each class, > 1.
    """
    N = check_int("N", N, minimum=1)
    D = check_int("D", D, minimum=2)
    eps = check_real("eps", eps, minimum=1.0, strict_minimum=True)
    return float(stats.chi2.cdf(2 * N * (D + 2) * eps**2 * (eps**2 - 1), D - 1))


def _population_rates(eps: float, lambda2: float, D: int) -> tuple[float, float, float]:
    """(h1, h_perp, w1*) of the population flow: the rates along e1 and across it, and the fixed point along e1."""
    h_perp = lambda2 + 1.0 / (D + 2)  # lambda_{2,D}: variance of a coordinate of the unit D-ball, plus lambda2
    h1 = eps**2 + h_perp
    return h1, h_perp, eps / h1


def population_flow_ball(w1_0: float | np.ndarray, w_perp0_sq: float | np.ndarray, eps: float, lambda2: float, D: int, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The D-ball flow with the population's G and a (N -> infinity): w_1(t) and |w_perp(t)|^2.

    With G = eps^2 e1 e1^T + I/(D + 2) and a = eps e1, H = G + lambda2 is
    diagonal: w_1 relaxes at h_1 = eps^2 + lambda_{2,D} to w_1* = eps / h_1,
    and every transverse component decays at lambda_{2,D} = lambda2 + 1/(D + 2):

        w_1(t) = w_1* + (w_1(0) - w_1*) e^{-h_1 t},   |w_perp(t)|^2 = |w_perp(0)|^2 e^{-2 lambda_{2,D} t}.

    Args:
        w1_0, w_perp0_sq: initial weight along e1 and squared norm across it (broadcast together, shape (...)).
        eps, lambda2, D: the model; t: times (T,).

    Returns:
        w_1 and |w_perp|^2, each (..., T).
    """
    eps = check_real("eps", eps, minimum=0.0)
    lambda2 = check_real("lambda2", lambda2, minimum=0.0)
    D = check_int("D", D, minimum=2)
    h1, h_perp, w1_star = _population_rates(eps, lambda2, D)
    w1_0, w_perp0_sq, t = np.asarray(w1_0, float)[..., None], np.asarray(w_perp0_sq, float)[..., None], np.asarray(t, float)
    return w1_star + (w1_0 - w1_star) * np.exp(-h1 * t), w_perp0_sq * np.exp(-2 * h_perp * t)


def population_entry_time_ball(w_perp0_sq: float | np.ndarray, eps: float, lambda2: float, D: int) -> float | np.ndarray:
    """When the population flow's boundary enters the gap, once w_1 has relaxed (B4).

    The boundary is in the gap when eps cos(theta) >= 1, i.e.
    |w_perp|^2 <= (eps^2 - 1) w_1^2.  For t >> 1/h_1 (w_1 = w_1*),

        t_eps = (2 lambda_{2,D})^-1 ln[ |w_perp(0)|^2 / ((eps^2 - 1) w_1*^2) ],           (B4)

    the form of the paper's slow peak (B2), which it equals only when
    |w_perp(0)|^2 = w_1*^2 eps^4 / (eps^2 + 1): a fixed initial transverse
    weight.  With w(0) ~ N(0, I), |w_perp(0)|^2 ~ chi^2_{D-1}, so t_eps is
    spread as the log of a chi^2_{D-1} variable: one peak, near
    (2 lambda_{2,D})^-1 ln[(D - 1) / ((eps^2 - 1) w_1*^2)].  0 where the
    boundary starts in the gap.
    """
    eps = check_real("eps", eps, minimum=1.0, strict_minimum=True)
    lambda2 = check_real("lambda2", lambda2, minimum=0.0)
    D = check_int("D", D, minimum=2)
    _, h_perp, w1_star = _population_rates(eps, lambda2, D)
    ratio = np.asarray(w_perp0_sq, float) / ((eps**2 - 1) * w1_star**2)
    t = np.log(np.maximum(ratio, 1.0)) / (2 * h_perp)
    return float(t) if t.ndim == 0 else t
