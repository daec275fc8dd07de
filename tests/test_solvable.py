"""Exact results of the rule-learning models against independent references.

References: the closed form for N = 2, exact finite sums for differences of
Gamma variables, numerical integration of the ODE, Monte Carlo over training
sets (tolerances from standard errors) and Monte Carlo volumes of the D-ball.
"""

import math

import numpy as np
import pytest
from scipy import integrate

from grokbook import solvable


def test_paper_values_of_the_grokking_probability():
    # NOTES.md: N = 2, eps_lambda = 0.4 -> 0.637; N = 10 -> 0.925
    assert solvable.grokking_probability(2, 0.4) == pytest.approx(0.637, abs=5e-4)
    assert solvable.grokking_probability(10, 0.4) == pytest.approx(0.925, abs=5e-4)
    e = np.linspace(0.01, 2.0, 7)
    np.testing.assert_allclose(solvable.grokking_probability(2, e), 1 - (1 + 2 * e) * np.exp(-4 * e), atol=1e-10)


@pytest.mark.parametrize("N", [1, 2, 5, 10, 25])
def test_bessel_formula_matches_gamma_difference(N):
    e = np.array([0.0, 0.05, 0.3, 1.0, 3.0])
    reference = solvable._gamma_difference_cdf(2 * N * e, N, N) - solvable._gamma_difference_cdf(-2 * N * e, N, N)
    np.testing.assert_allclose(solvable.grokking_probability(N, e), reference, atol=1e-9)
    total = integrate.quad(solvable.mean_density, -np.inf, np.inf, args=(N,))[0]
    assert total == pytest.approx(1.0, abs=1e-8)


@pytest.mark.parametrize("N, eps_lambda", [(1, 0.3), (2, 0.4), (5, 0.2), (10, 0.1)])
def test_grokking_probability_monte_carlo(N, eps_lambda):
    rng = np.random.default_rng(N)
    S = 400_000
    xbar = (rng.gamma(N, size=S) - rng.gamma(N, size=S)) / (2 * N)
    p_hat = np.mean(np.abs(xbar) <= eps_lambda)
    p = solvable.grokking_probability(N, eps_lambda)
    assert abs(p_hat - p) < 4 * math.sqrt(p * (1 - p) / S)


def test_effective_gap_and_helper():
    assert solvable.effective_gap(0.3, 0.05, 0.1) == pytest.approx(0.38)
    assert solvable.grokking_probability_from(2, 0.3, 0.05, 0.1) == pytest.approx(solvable.grokking_probability(2, 0.38))


@pytest.mark.parametrize("lambda1, lambda2, xbar", [(0.0, 0.0, 0.2), (0.1, 0.3, 0.05), (0.1, 0.0, -0.5), (0.2, 0.1, 0.1)])
def test_bias_trajectory_solves_the_flow(lambda1, lambda2, xbar):
    # reference: explicit Euler with a tiny step (the L1 kink makes adaptive solvers crawl), error O(dt)
    b0, dt, n = 3.0, 2e-5, 400_000
    b, reference = b0, [b0]
    for _ in range(n):
        b += dt * (xbar - lambda1 * np.sign(b) - (1 + lambda2) * b)
        reference.append(b)
    t = np.arange(0, n + 1, 20_000) * dt
    np.testing.assert_allclose(solvable.bias_trajectory(t, b0, xbar, lambda1, lambda2), np.array(reference)[::20_000], atol=1e-4)


def test_time_to_zero_error_and_grokking_time():
    b0, eps, xbar, lam1, lam2 = 4.0, 0.3, 0.1, 0.05, 0.2
    t_eps = solvable.time_to_zero_error(b0, xbar, eps, lam1, lam2)
    assert solvable.bias_trajectory(t_eps, b0, xbar, lam1, lam2) == pytest.approx(eps)
    assert solvable.test_error_exponential(solvable.bias_trajectory(t_eps * 0.999, b0, xbar, lam1, lam2), eps) > 0
    x_min = 0.7
    t_fit = solvable.time_to_zero_error(b0, xbar, eps + x_min, lam1, lam2)  # b passes the lowest positive input
    assert solvable.grokking_time(x_min, xbar, eps, lam1, lam2) == pytest.approx(t_eps - t_fit)
    assert solvable.time_to_zero_error(b0, 0.5, eps) == math.inf


def test_test_error_exponential_monte_carlo():
    rng = np.random.default_rng(0)
    eps, b = 0.2, 0.9
    x = rng.choice([-1, 1], size=200_000) * (eps + rng.exponential(size=200_000))
    e_hat = np.mean(np.sign(x - b) != np.sign(x))
    e = solvable.test_error_exponential(b, eps)
    assert abs(e_hat - e) < 4 * math.sqrt(e * (1 - e) / x.size)
    assert solvable.test_error_exponential(-0.1, eps) == 0.0


def test_grokking_time_cdf_monte_carlo():
    rng = np.random.default_rng(3)
    N, eps, lam1, lam2, S = 3, 0.25, 0.05, 0.1, 200_000
    e_pos, e_neg = rng.exponential(size=(S, N)), rng.exponential(size=(S, N))
    xbar = (e_pos.sum(1) - e_neg.sum(1)) / (2 * N)
    t_g = solvable.grokking_time(e_pos.min(1), xbar, eps, lam1, lam2)
    groks = np.abs(xbar) <= solvable.effective_gap(eps, lam1, lam2)
    times = np.array([0.05, 0.3, 1.0, 3.0])
    cdf = solvable.grokking_time_cdf(times, N, eps, lam1, lam2)
    empirical = np.array([np.mean(t_g[groks] <= t) for t in times])
    se = np.sqrt(cdf * (1 - cdf) / groks.sum())
    np.testing.assert_array_less(np.abs(empirical - cdf), 4 * se + 1e-12)


@pytest.mark.parametrize("D", [2, 5, 10])
def test_test_error_ball_monte_carlo(D):
    rng = np.random.default_rng(D)
    n, eps = 400_000, 1.05
    u = rng.standard_normal((n, D))
    u *= (rng.random((n, 1)) ** (1 / D)) / np.linalg.norm(u, axis=1, keepdims=True)
    for cos_theta in [0.3, 0.8, -0.2]:
        w = np.zeros(D)
        w[0] = cos_theta
        w[1] = math.sqrt(1 - cos_theta**2)
        x = u.copy()
        x[:, 0] += eps
        e_hat = np.mean(x @ w < 0)
        e = solvable.test_error_ball(cos_theta, eps, D)
        assert abs(e_hat - e) < 4 * math.sqrt(e * (1 - e) / n) + 1e-12


@pytest.mark.parametrize("D", [2, 5, 10])
def test_ball_error_vanishes_with_the_critical_exponent(D):
    h = np.array([1e-6, 1e-5])  # depth of the cap, 1 - eps cos(theta)
    e = solvable.test_error_ball((1 - h) / 1.2, 1.2, D)
    assert np.log(e[1] / e[0]) / np.log(10) == pytest.approx(solvable.critical_exponent_ball(D), rel=1e-4)
    assert solvable.critical_exponent_ball(D, xi=0.5) == pytest.approx(D / 2)


def test_start_in_gap_probability_monte_carlo():
    from grokbook import solvable_sim

    N, D, eps, S = 10, 10, 1.01, 20_000
    X, y = solvable_sim.ball_training_sets(S, N, D, eps, seed=4)
    a = np.einsum("snd,n->sd", X, y) / (2 * N)
    p_hat = np.mean(eps * solvable_sim.ball_cos_theta(a) >= 1)
    p = solvable.ball_start_in_gap_probability(N, D, eps)
    # the formula is a CLT approximation (it neglects the fluctuation of a_1); at this size it is within 4 SE
    assert abs(p_hat - p) < 4 * math.sqrt(p * (1 - p) / S)


def test_slow_peak_formula():
    assert solvable.slow_grokking_time_ball(1.01, 0.1, 10) == pytest.approx(math.log(1.01**4 / (1.01**4 - 1)) / (2 * (0.1 + 1 / 12)))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: solvable.grokking_probability(0, 0.3), "N"),
        (lambda: solvable.grokking_probability(2, -0.1), "eps_lambda"),
        (lambda: solvable.effective_gap(-1.0), "eps"),
        (lambda: solvable.effective_gap(0.3, lambda1=-0.1), "lambda1"),
        (lambda: solvable.effective_gap(0.3, lambda2=-0.1), "lambda2"),
        (lambda: solvable.critical_exponent_ball(0), "D"),
        (lambda: solvable.critical_exponent_ball(3, xi=1.5), "xi"),
        (lambda: solvable.test_error_ball(0.5, 1.0, 0), "D"),
        (lambda: solvable.slow_grokking_time_ball(0.9, 0.1, 3), "eps"),
        (lambda: solvable.time_to_zero_error(0.1, 0.0, 0.3), "b0"),
    ],
)
def test_arguments_are_validated(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_wrong_type_raises_type_error():
    with pytest.raises(TypeError, match="N"):
        solvable.grokking_probability(2.5, 0.3)


def test_population_flow_enters_the_gap_at_b4():
    """(B4) against the exact population flow (root of |w_perp|^2 = (eps^2 - 1) w_1^2), and its identity with (B2)."""
    eps, lambda2, D = 1.01, 0.1, 10
    w_perp0_sq = np.array([0.5, 3.0, 9.0, 20.0])
    t = np.linspace(0, 60, 600_001)
    w1, w_perp_sq = solvable.population_flow_ball(1.0, w_perp0_sq, eps, lambda2, D, t)
    inside = w_perp_sq <= (eps**2 - 1) * w1**2
    exact = t[np.argmax(inside, axis=-1)]
    # w_1 starts at 1 and relaxes at rate h1 ~ 1.2 to w_1* ~ 0.84: (B4) holds once that transient is over
    np.testing.assert_allclose(solvable.population_entry_time_ball(w_perp0_sq, eps, lambda2, D), exact, atol=0.02)
    h1 = eps**2 + lambda2 + 1 / (D + 2)
    w1_star = eps / h1
    paper = solvable.slow_grokking_time_ball(eps, lambda2, D)
    assert solvable.population_entry_time_ball(w1_star**2 * eps**4 / (eps**2 + 1), eps, lambda2, D) == pytest.approx(paper)
