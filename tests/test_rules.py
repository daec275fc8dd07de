"""Simulations of the rule-learning models against the exact results and torch autograd."""

import math

import numpy as np
import pytest
import torch

from grokbook import rules, solvable


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
    runs = rules.simulate_exponential(N, eps, lambda1=lam1, lambda2=lam2, n_sets=4000, lr=1e-3, t_max=15, seed=1)
    exact = solvable.bias_trajectory(runs.times, 10.0, runs.xbar[: runs.b_recorded.shape[0], None], lam1, lam2)
    np.testing.assert_allclose(runs.b_recorded, exact, atol=5e-3)
    groks = runs.groks(eps)
    p = solvable.grokking_probability_from(N, eps, lam1, lam2)
    assert abs(groks.mean() - p) < 3 * math.sqrt(p * (1 - p) / groks.size)
    t_g = solvable.grokking_time(runs.x_min, runs.xbar, eps, lam1, lam2)[groks]
    # gradient descent decays as (1 - lr k)^n = exp(-k t (1 + lr k / 2 + ...)), k = 1 + lambda2: a relative
    # error lr k / 2 in every time, plus one step lr of resolution at each of the two crossings
    np.testing.assert_allclose(runs.t_grok[groks], t_g, rtol=1e-3 * (1 + lam2) / 2 * 1.01, atol=2e-3)


def test_ball_flow_matches_gradient_descent():
    X, y = rules.ball_training_sets(5, 6, 3, 1.1, seed=2)
    w0 = np.random.default_rng(0).standard_normal((5, 3))
    lr, steps, lam2 = 1e-3, 3000, 0.1
    G = np.einsum("snd,sne->sde", X, X) / 12
    a = np.einsum("snd,n->sd", X, y) / 12
    w = w0.copy()
    for _ in range(steps):
        w = w + lr * (a - np.einsum("sde,se->sd", G, w) - lam2 * w)
    flow = rules.ball_flow(X, y, lam2, w0, np.array([lr * steps]))[:, 0]
    np.testing.assert_allclose(w, flow, atol=2e-3)
    # the gradient of the loss is what the flow integrates
    wt = torch.tensor(w0[0], requires_grad=True)
    Xt = torch.tensor(X[0])
    loss = 0.5 * ((torch.tensor(y) - Xt @ wt) ** 2).mean() + lam2 * (wt**2).sum() / 2
    loss.backward()
    np.testing.assert_allclose(-wt.grad.numpy(), a[0] - G[0] @ w0[0] - lam2 * w0[0], atol=1e-12)


def test_ball_training_sets_are_uniform_in_shifted_balls():
    X, y = rules.ball_training_sets(200, 50, 4, 1.2, seed=0)
    u = X - 1.2 * y[None, :, None] * np.eye(4)[0]
    r = np.linalg.norm(u, axis=-1)
    assert r.max() <= 1.0
    # P(r <= 1/2) = 2^-D for a uniform ball
    assert abs(np.mean(r <= 0.5) - 1 / 16) < 4 * math.sqrt(1 / 16 * 15 / 16 / r.size)


@pytest.mark.parametrize("D", [2, 6])
def test_critical_exponent_from_simulation(D):
    fit = rules.critical_exponent_fit(D, n_sets=30)
    assert fit.ci[0] <= solvable.critical_exponent_ball(D) <= fit.ci[1]


def test_tensor_network_is_a_perceptron_with_frozen_attention():
    d = 3
    model = rules.TensorNetworkAttention(d, freeze_A=True, seed=0)
    x = torch.randint(0, 2, (50, 12), generator=torch.Generator().manual_seed(1))
    phi = rules.perceptron_features(model, x)
    assert phi.shape == (50, 12, 2 * d * d)
    with torch.no_grad():
        np.testing.assert_allclose(model(x).numpy(), (phi @ model.B.reshape(-1)).numpy(), atol=1e-12)
    assert [name for name, _ in model.named_parameters()] == ["B"]


def test_environment_summarises_the_left_part_only():
    model = rules.TensorNetworkAttention(2, seed=3)
    x = torch.randint(0, 2, (1, 10), generator=torch.Generator().manual_seed(0))
    y = x.clone()
    y[0, 7:] = 1 - y[0, 7:]
    with torch.no_grad():
        left_x, _ = model.environments(x)
        left_y, _ = model.environments(y)
    torch.testing.assert_close(left_x[:, :8], left_y[:, :8])


def test_arguments_are_validated():
    with pytest.raises(ValueError, match="N"):
        rules.simulate_exponential(0, 0.3)
    with pytest.raises(ValueError, match="b0"):
        rules.simulate_exponential(2, 0.3, b0=0.1)
    with pytest.raises(ValueError, match="eps"):
        rules.ball_training_sets(2, 2, 2, -1.0)
    with pytest.raises(ValueError, match="D"):
        rules.critical_exponent_fit(1)
    with pytest.raises(ValueError, match="x"):
        rules.TensorNetworkAttention(2)(torch.full((2, 3), 2))


def test_ensemble_members_are_the_single_models():
    seeds = [0, 4, 7]
    ensemble = rules.TensorNetworkEnsemble(3, seeds)
    x = torch.randint(0, 2, (5, 9), generator=torch.Generator().manual_seed(3))
    padded = torch.nn.functional.pad(x, (2, 0), value=rules.ABSENT)  # absent sites at the left change nothing
    with torch.no_grad():
        z, z_padded = ensemble(x), ensemble(padded)
        for k, seed in enumerate(seeds):
            single = rules.TensorNetworkAttention(3, seed=seed)
            torch.testing.assert_close(z[k], single(x), rtol=0, atol=1e-12)
            torch.testing.assert_close(z_padded[k, :, 2:], single(x), rtol=0, atol=1e-10)
    assert torch.all(z_padded[:, :, :2] == 0)
    frozen = rules.TensorNetworkEnsemble(2, [1, 2], freeze_A=True)
    assert [name for name, _ in frozen.named_parameters()] == ["B"] and frozen.A.shape == (2, 2, 2, 2)


def test_ensemble_arguments_are_validated():
    with pytest.raises(ValueError, match="seeds"):
        rules.TensorNetworkEnsemble(2, [])
    with pytest.raises(ValueError, match="d"):
        rules.TensorNetworkEnsemble(0, [1])
    with pytest.raises(ValueError, match="x"):
        rules.TensorNetworkEnsemble(2, [1])(torch.zeros(3, dtype=torch.long))
