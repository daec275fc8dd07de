"""Simulations of the solvable rule-learning models against the exact results and torch autograd."""

import math

import numpy as np
import pytest
import torch

from grokbook import solvable, solvable_sim


def test_exponential_gradient_is_autograd_gradient():
    rng = np.random.default_rng(0)
    x = np.concatenate([0.3 + rng.exponential(size=4), -(0.3 + rng.exponential(size=4))])
    y = np.sign(x)
    lam1, lam2 = 0.05, 0.2
    for b_value in [1.7, -0.4]:
        b = torch.tensor(b_value, dtype=torch.float64, requires_grad=True)
        loss = 0.5 * ((torch.tensor(x) - b - torch.tensor(y)) ** 2).mean() + lam1 * b.abs() + lam2 * b**2 / 2
        loss.backward()
        # the simulation's gradient: -(xbar - b) + lambda1 sgn(b) + lambda2 b
        assert b.grad.item() == pytest.approx(-(x.mean() - b_value) + lam1 * np.sign(b_value) + lam2 * b_value)


def test_simulation_matches_exact_flow_and_formulas():
    N, eps, lam1, lam2 = 2, 0.3, 0.05, 0.1
    runs = solvable_sim.simulate_exponential(N, eps, lambda1=lam1, lambda2=lam2, n_sets=4000, lr=1e-3, t_max=15, seed=1)
    exact = solvable.bias_trajectory(runs.times, 10.0, runs.xbar[: runs.b_recorded.shape[0], None], lam1, lam2)
    np.testing.assert_allclose(runs.b_recorded, exact, atol=5e-3)
    groks = runs.groks(eps)
    p = solvable.grokking_probability_from(N, eps, lam1, lam2)
    assert abs(groks.mean() - p) < 3 * math.sqrt(p * (1 - p) / groks.size)
    t_g = solvable.grokking_time(runs.x_min, runs.xbar, eps, lam1, lam2)[groks]
    # gradient descent decays as (1 - lr k)^n = exp(-k t (1 + lr k / 2 + ...)), k = 1 + lambda2: a relative
    # error lr k / 2 in every time, plus one step lr of resolution at each of the two crossings
    np.testing.assert_allclose(runs.delay[groks], t_g, rtol=1e-3 * (1 + lam2) / 2 * 1.01, atol=2e-3)


def test_ball_flow_matches_gradient_descent():
    X, y = solvable_sim.ball_training_sets(5, 6, 3, 1.1, seed=2)
    w0 = np.random.default_rng(0).standard_normal((5, 3))
    lr, steps, lam2 = 1e-3, 3000, 0.1
    G = np.einsum("snd,sne->sde", X, X) / 12
    a = np.einsum("snd,n->sd", X, y) / 12
    w = w0.copy()
    for _ in range(steps):
        w = w + lr * (a - np.einsum("sde,se->sd", G, w) - lam2 * w)
    flow = solvable_sim.ball_flow(X, y, lam2, w0, np.array([lr * steps]))[:, 0]
    np.testing.assert_allclose(w, flow, atol=2e-3)
    # the gradient of the loss is what the flow integrates
    wt = torch.tensor(w0[0], requires_grad=True)
    Xt = torch.tensor(X[0])
    loss = 0.5 * ((torch.tensor(y) - Xt @ wt) ** 2).mean() + lam2 * (wt**2).sum() / 2
    loss.backward()
    np.testing.assert_allclose(-wt.grad.numpy(), a[0] - G[0] @ w0[0] - lam2 * w0[0], atol=1e-12)


def test_ball_training_sets_are_uniform_in_shifted_balls():
    X, y = solvable_sim.ball_training_sets(200, 50, 4, 1.2, seed=0)
    u = X - 1.2 * y[None, :, None] * np.eye(4)[0]
    r = np.linalg.norm(u, axis=-1)
    assert r.max() <= 1.0
    # P(r <= 1/2) = 2^-D for a uniform ball
    assert abs(np.mean(r <= 0.5) - 1 / 16) < 4 * math.sqrt(1 / 16 * 15 / 16 / r.size)


@pytest.mark.parametrize("D", [2, 6])
def test_critical_exponent_from_simulation(D):
    fit = solvable_sim.critical_exponent_fit(D, n_sets=30)
    assert fit.ci[0] <= solvable.critical_exponent_ball(D) <= fit.ci[1]


def test_exponent_from_trajectory_is_one_for_model_a():
    runs = solvable_sim.simulate_exponential(2, 0.3, lambda1=0.05, lambda2=0.1, n_sets=200, lr=2e-3, t_max=20, n_record=200, seed=0)
    k = next(k for k in range(200) if np.isfinite(runs.t_eps[k]) and runs.t_eps[k] > 1)
    nu, t_cross = solvable_sim.exponent_from_trajectory(runs.b_recorded[k], runs.times, 0.3)
    assert abs(nu - solvable.critical_exponent_exponential()) < 0.02
    assert runs.t_eps[k] - runs.times[1] <= t_cross <= runs.t_eps[k]  # between the last step outside the gap and the first inside
    with pytest.raises(ValueError, match="gap"):
        solvable_sim.exponent_from_trajectory(np.full(10, 5.0), np.arange(10.0), 0.3)
    with pytest.raises(ValueError, match="window"):
        solvable_sim.exponent_from_trajectory(runs.b_recorded[k], runs.times, 0.3, window=(0.3, 0.01))


def test_arguments_are_validated():
    with pytest.raises(ValueError, match="N"):
        solvable_sim.simulate_exponential(0, 0.3)
    with pytest.raises(ValueError, match="b0"):
        solvable_sim.simulate_exponential(2, 0.3, b0=0.1)
    with pytest.raises(ValueError, match="eps"):
        solvable_sim.ball_training_sets(2, 2, 2, -1.0)
    with pytest.raises(ValueError, match="D"):
        solvable_sim.critical_exponent_fit(1)
