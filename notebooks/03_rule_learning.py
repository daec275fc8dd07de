# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Solvable grokking: learning a rule with a perceptron
#
# Why should a network fit its training data long before it generalises? Zunkovic
# and Ilievski {cite}`zunkovic2024` answer with two models simple enough to
# solve exactly. In both, the two classes are separated by a gap, the student
# is a perceptron trained by gradient descent, and the test error becomes zero
# only when the decision boundary enters the gap. The training data are fitted
# as soon as the boundary passes the training points nearest the gap, which
# usually happens earlier: that delay is grokking. Near the moment the
# boundary enters the gap the test error vanishes as a power of the distance,
# like an order parameter at a continuous phase transition.
#
# ```{admonition} Objectives
# :class: tip
# - Derive and check against simulation the exact results of the 1-D
#   exponential model (Model A): the trajectory, the grokking probability and
#   the grokking-time distribution.
# - Measure the critical exponent of the D-ball model (Model B) and compare it
#   with $\nu = (D+1)/2$.
# - Show that the tensor-network attention model with frozen attention is a
#   perceptron with $2d^2$ inputs.
# - Watch the full tensor network grok elementary cellular automaton rule 30,
#   and its effective dimension fall before its test accuracy rises.
# - Measure the critical exponent of rule-30 learning and the grokking times
#   over seeds, next to the paper's values.
# ```
#
# The exact formulas live in `grokbook.solvable` (labelled (A1)-(A8), (B1)-(B3)
# in their docstrings; the paper's full text is not on file, so only its
# Eq. 23 for $\nu$ is cited by number), the simulations in `grokbook.solvable_sim`,
# the tensor network in `grokbook.tensor_network` and the rule-30 task in
# `grokbook.tasks.automata`.

# %% tags=["remove-cell"]
# Colab only: install grokbook. Does nothing elsewhere.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "git+https://github.com/grokbook/grokbook@v0.1.0",
        ],
        check=True,
    )

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy import stats

from grokbook import book, solvable, solvable_sim, tensor_network
from grokbook.book import COLORS
from grokbook.curves import first_epoch_at
from grokbook.data import Dataset
from grokbook.tasks import automata
from grokbook.tasks.automata_exponent import aligned_exponent
from grokbook.train import train

SCALE = book.setup(seed=0, threads=1)

# %% [markdown]
# ## Model A: a threshold between two exponential tails
#
# The positive inputs are $x = \varepsilon + e$, the negative ones
# $x = -(\varepsilon + e)$, with $e \sim \mathrm{Exp}(1)$: nothing lies in the
# gap $(-\varepsilon, \varepsilon)$. A training set has $N$ inputs of each
# class. The student predicts $\mathrm{sgn}(x - b)$ and learns only the
# threshold $b$, by gradient descent on the squared error with L1 and L2
# penalties,
# $L(b) = \tfrac12 \langle (x_i - b - y_i)^2 \rangle + \lambda_1 |b| + \tfrac{\lambda_2}{2} b^2$.
# Since the labels average to zero, its gradient flow is
#
# $$\dot b = \bar x - \lambda_1\,\mathrm{sgn}(b) - (1 + \lambda_2)\, b, \qquad (A1)$$
#
# with $\bar x$ the mean of the $2N$ training inputs. A threshold $b > \varepsilon$
# misclassifies the positive inputs below it, so the test error is
#
# $$E(b) = \tfrac12\left(1 - e^{\varepsilon - |b|}\right) \text{ for } |b| > \varepsilon, \quad 0 \text{ otherwise}. \qquad (A3)$$
#
# On each side of zero (A1) is linear: $b(t) = \bar x_\lambda + (b_0 - \bar x_\lambda)e^{-(1+\lambda_2)t}$
# with $\bar x_\lambda = (\bar x - \lambda_1)/(1 + \lambda_2)$ for $b > 0$ (A4).
# The training set is fitted when $b$ passes the lowest positive input
# $\varepsilon + x_{\min}$, the test error vanishes when $b$ passes $\varepsilon$,
# at $t_\varepsilon = (1+\lambda_2)^{-1}\ln[(b_0 - \bar x_\lambda)/(\varepsilon - \bar x_\lambda)]$ (A5),
# and the time between the two is the grokking time
#
# $$t_G = \frac{1}{1+\lambda_2}\ln\frac{\varepsilon + x_{\min} - \bar x_\lambda}{\varepsilon - \bar x_\lambda}. \qquad (A8)$$
#
# We train the student from $b_0 = 10$ (chance level) on 10,000 independent
# training sets at once, with $N = 2$, $\varepsilon = 0.3$, $\lambda_1 = 0.05$,
# $\lambda_2 = 0.1$ and step $0.002$, and compare a few trajectories with (A3)-(A4).

# %% mystnb={"figure": {"caption": "Test error of Model A against time (log axis) for three training sets that grok: gradient descent (thick) over the exact flow (A3)-(A4) (dashed); the dotted lines mark when each training set is fitted. N = 2, eps = 0.3, lambda1 = 0.05, lambda2 = 0.1.", "name": "fig-rules-model-a-trajectories"}}
N, eps, lambda1, lambda2 = 2, 0.3, 0.05, 0.1
runs = solvable_sim.simulate_exponential(
    N,
    eps,
    lambda1=lambda1,
    lambda2=lambda2,
    n_sets=10_000,
    lr=2e-3,
    t_max=20,
    n_record=200,
    seed=0,
)
exact_b = solvable.bias_trajectory(
    runs.times, 10.0, runs.xbar[:200, None], lambda1, lambda2
)  # (200, T)

shown = np.flatnonzero(runs.groks(eps)[:200])[[0, 2, 4]]  # three sets that grok
fig, ax = plt.subplots(figsize=(7, 3.8))
for k, color in zip(shown, COLORS):
    ax.plot(
        runs.times,
        solvable.test_error_exponential(runs.b_recorded[k], eps),
        color=color,
        lw=2.5,
        alpha=0.5,
    )
    ax.plot(
        runs.times,
        solvable.test_error_exponential(exact_b[k], eps),
        color="k",
        lw=0.8,
        ls="--",
    )
    ax.axvline(runs.t_fit[k], color=color, ls=":", lw=1)
ax.set(
    xscale="log",
    xlim=(0.05, 20),
    xlabel="time $t$ (steps x lr)",
    ylabel="test error $E$",
)
plt.show()
deviation = np.abs(runs.b_recorded - exact_b).max()
print(f"largest |b_GD - b_exact| over 200 trajectories: {deviation:.4f}")

# %% [markdown]
# The test error falls as the threshold sweeps down through the positive
# training inputs; once the last of them is passed the training set is fitted
# (dotted lines), yet the test error reaches zero only later, after the
# grokking time (A8). That delay is short when the lowest positive training
# input lies close to the gap (the orange set) and long when it lies far
# from it (blue, green). (Not
# every set ends in the gap: when $\bar x < -\varepsilon_\lambda$ the threshold
# crosses the gap and leaves it on the negative side, and the test error rises
# again.) Gradient descent with step 0.002 follows the exact flow to within a
# few thousandths:

# %%
assert deviation < 0.01
assert np.all(runs.t_fit[shown] < runs.t_eps[shown])

# %% [markdown]
# ### The critical exponent $\nu = 1$
#
# Near the gap edge (A3) is linear, $E \approx (b - \varepsilon)/2$, and $b$
# moves at a finite speed there, so $E(t) \propto (t_\varepsilon - t)^{\nu}$ with
# $\nu = 1$. We fit $\ln E = c + \nu \ln s + k s$, $s = t_\varepsilon - t$
# between 0.01 and 0.3, on the recorded gradient-descent trajectories of the
# sets that generalise (the $k s$ term takes care of the curvature; $t_\varepsilon$
# is the crossing of the discrete trajectory, interpolated linearly).
#
# The time $t_\varepsilon$ itself does *not* diverge as a power: by (A5) it grows
# only as $-\ln(\varepsilon - \bar x_\lambda)/(1 + \lambda_2)$ when the training mean
# approaches the edge: the right panel shows it on all 10,000 sets, and the
# measured times agree with (A5) set by set.

# %% mystnb={"figure": {"caption": "Left: test error of one Model A training set against the time left before it vanishes, t_eps - t (log axes): gradient descent (dots) over the exact flow (line), with slope 1 (dotted). Right: the time t_eps at which the test error vanishes against the distance eps - xbar_lambda of the training mean from the gap edge, for all 10,000 sets, with the fit below 0.1: logarithmic growth, not a power law.", "name": "fig-rules-model-a-exponent"}}
crossing = [k for k in range(200) if np.isfinite(runs.t_eps[k]) and runs.t_eps[k] > 1]
nu_A = np.array(
    [
        solvable_sim.exponent_from_trajectory(runs.b_recorded[k], runs.times, eps)[0]
        for k in crossing
    ]
)
nu_A_se = nu_A.std(ddof=1) / np.sqrt(nu_A.size)

x_lam = (runs.xbar - lambda1) / (1 + lambda2)
distance = eps - x_lam
measured = np.isfinite(runs.t_eps) & (distance > 0)
near = measured & (
    distance < 0.1
)  # close to the edge, where ln(b0 - xbar_lambda) hardly varies
slope, intercept = np.polyfit(np.log(distance[near]), runs.t_eps[near], 1)
t_eps_exact = solvable.time_to_zero_error(
    10.0, runs.xbar[measured], eps, lambda1, lambda2
)

fig, (ax_e, ax_t) = plt.subplots(1, 2, figsize=(10, 3.8))
k = crossing[0]
t_c = solvable.time_to_zero_error(
    10.0, runs.xbar[k], eps, lambda1, lambda2
)  # exact (A5)
_, t_c_gd = solvable_sim.exponent_from_trajectory(
    runs.b_recorded[k], runs.times, eps
)  # its own crossing
s_grid = np.geomspace(1e-3, 1, 50)
ax_e.loglog(
    s_grid,
    solvable.test_error_exponential(
        solvable.bias_trajectory(t_c - s_grid, 10.0, runs.xbar[k], lambda1, lambda2),
        eps,
    ),
    "k-",
    lw=0.8,
    label="exact flow",
)
before = runs.times < t_c_gd
ax_e.loglog(
    t_c_gd - runs.times[before],
    solvable.test_error_exponential(runs.b_recorded[k][before], eps),
    ".",
    ms=2,
    color=COLORS[0],
    label="gradient descent",
)
ax_e.loglog(
    s_grid,
    0.5 * (1 + lambda2) * distance[k] * s_grid,
    ":",
    color=COLORS[1],
    label="slope 1",
)
ax_e.set(xlabel=r"$t_\varepsilon - t$", ylabel="test error $E$", xlim=(1e-3, 1))
ax_e.legend()
ax_t.semilogx(
    distance[measured], runs.t_eps[measured], ".", ms=1, alpha=0.3, color=COLORS[0]
)
d_grid = np.geomspace(distance[near].min(), 0.1, 50)
ax_t.semilogx(
    d_grid,
    intercept + slope * np.log(d_grid),
    "k-",
    lw=0.8,
    label=f"fit below 0.1: {slope:.3f} per e-fold",
)
ax_t.set(xlabel=r"$\varepsilon - \bar x_\lambda$", ylabel=r"$t_\varepsilon$")
ax_t.legend()
plt.show()
print(
    f"nu from {nu_A.size} gradient-descent trajectories: {nu_A.mean():.3f} +- "
    f"{nu_A_se:.3f} (theory 1)"
)
print(
    f"t_eps vs ln(eps - xbar_lambda) below 0.1: slope {slope:.3f} (theory -1/(1 + "
    f"lambda2) = {-1 / (1 + lambda2):.3f})"
)
print(
    f"largest |t_eps(GD) - (A5)| over {measured.sum()} sets: "
    f"{np.abs(runs.t_eps[measured] - t_eps_exact).max():.4f}"
)

# %%
assert (
    abs(nu_A.mean() - solvable.critical_exponent_exponential()) < 3 * nu_A_se + 0.01
)  # 0.01: one step of time resolution near s = 0.01
assert abs(slope + 1 / (1 + lambda2)) < 0.01
# gradient descent decays as exp(-k t (1 + lr k / 2)), k = 1 + lambda2,
# and resolves a crossing to one step lr
lr = runs.times[1]
assert np.all(
    np.abs(runs.t_eps[measured] - t_eps_exact)
    <= lr + 1.01 * lr * (1 + lambda2) / 2 * t_eps_exact
)

# %% [markdown]
# The tolerance 0.01 on $\nu$ is the time resolution: the fit starts at
# $s = 0.01$, five steps before the crossing.
#
# ### The grokking probability
#
# The flow ends at $b^* = (\bar x - \lambda_1\,\mathrm{sgn}\,\bar x)/(1 + \lambda_2)$
# (or at 0 when $|\bar x| \le \lambda_1$), inside the gap exactly when
# $|\bar x| \le \varepsilon_\lambda = \varepsilon(1 + \lambda_2) + \lambda_1$ (A2).
# The mean of the $2N$ inputs is $\bar x = (G_1 - G_2)/2N$ with $G_1, G_2$
# independent $\mathrm{Gamma}(N, 1)$ sums of the offsets, whose density is
#
# $$P_N(\bar x) = \frac{2 N^{N+1/2} |\bar x|^{N-1/2} K_{N-1/2}(2N|\bar x|)}{\sqrt\pi\,\Gamma(N)}, \qquad (A6)$$
#
# so a training set groks with probability
# $P_G = 2\int_0^{\varepsilon_\lambda} P_N(\bar x)\, d\bar x$ (A7); for $N = 2$,
# $P_G = 1 - (1 + 2\varepsilon_\lambda)e^{-4\varepsilon_\lambda}$. The Monte Carlo points
# below train 20,000 sets per $N$ by gradient descent and count those whose
# final threshold lies in the gap; the final threshold does not depend on
# $\varepsilon$, so one run per $N$ gives the whole curve.

# %% mystnb={"figure": {"caption": "Grokking probability of Model A against the effective gap eps_lambda = eps (1 + lambda2) + lambda1 for N = 1, 2, 5, 10 inputs per class: formula (A7) (lines) and the fraction of 20,000 gradient-descent training sets whose threshold ends in the gap (points, bars of 3 standard errors).", "name": "fig-rules-grokking-probability"}}
eps_grid = np.array([0.02, 0.05, 0.1, 0.2, 0.3, 0.45, 0.7, 1.0])
n_sets = 20_000
curves = {}
for N_k in [1, 2, 5, 10]:
    run = solvable_sim.simulate_exponential(
        N_k,
        0.0,
        lambda1=lambda1,
        lambda2=lambda2,
        n_sets=n_sets,
        lr=0.01,
        t_max=25,
        n_record=0,
        seed=N_k,
    )
    p_hat = np.array([np.mean(np.abs(run.b_final) <= e) for e in eps_grid])
    eps_lam = np.array([solvable.effective_gap(e, lambda1, lambda2) for e in eps_grid])
    curves[N_k] = (eps_lam, p_hat, np.sqrt(p_hat * (1 - p_hat) / n_sets))

fig, ax = plt.subplots(figsize=(7, 4))
fine = np.linspace(0, 1.3, 200)
z_scores = []
for (N_k, (eps_lam, p_hat, se)), color in zip(curves.items(), COLORS):
    p = solvable.grokking_probability(N_k, eps_lam)
    ax.plot(
        fine,
        solvable.grokking_probability(N_k, fine),
        color=color,
        lw=1,
        label=f"N = {N_k}",
    )
    ax.errorbar(eps_lam, p_hat, yerr=3 * se, fmt="o", ms=3, color=color)
    z_scores.append((p_hat - p) / np.sqrt(p * (1 - p) / n_sets))
ax.set(
    xlabel=r"$\varepsilon_\lambda = \varepsilon(1+\lambda_2) + \lambda_1$",
    ylabel="grokking probability $P_G$",
)
ax.legend(title="lines: (A7); points: GD, 3 SE")
plt.show()
print("largest |z| over the 32 points:", f"{np.abs(z_scores).max():.1f}")
print(
    f"independent values: P_G(N=2, 0.4) = {solvable.grokking_probability(2, 0.4):.3f} "
    f"(0.637), P_G(N=10, 0.4) = {solvable.grokking_probability(10, 0.4):.3f} (0.925)"
)

# %%
assert np.abs(z_scores).max() < 3
assert (
    round(solvable.grokking_probability(2, 0.4), 3) == 0.637
    and round(solvable.grokking_probability(10, 0.4), 3) == 0.925
)

# %% [markdown]
# More data make grokking more likely at a given gap: the training mean
# concentrates at zero, as $\sqrt{1/N}$.
#
# ### The distribution of grokking times
#
# By the memorylessness of the exponential, the smallest positive offset is
# $x_{\min} \sim \mathrm{Exp}(N)$ and, given it, the positive offsets sum to
# $N x_{\min} + G_{N-1}$. With (A8), the event $t_G \le t$ is an interval of
# $G_{N-1} - G_N$ for each $x_{\min}$, whose probability is a finite sum; one
# quadrature over $x_{\min}$ gives the exact distribution function
# (`solvable.grokking_time_cdf`). The histogram is $t_\varepsilon - t_{\mathrm{fit}}$
# of the gradient-descent runs above ($N = 2$) that grok.

# %% mystnb={"figure": {"caption": "Distribution of the Model A grokking time t_G (from the training set fitted to zero test error) for N = 2: histogram of the gradient-descent sets that grok, over the exact density of (A8).", "name": "fig-rules-model-a-grokking-times"}}
grokked = runs.groks(eps)
t_grok = runs.delay[grokked]  # t_G = t_eps - t_fit, a duration
edges = np.concatenate([np.linspace(0, 3, 16), [4, 6, 10]])
counts, _ = np.histogram(t_grok, bins=edges)
cdf = solvable.grokking_time_cdf(edges, N, eps, lambda1, lambda2)
expected = np.diff(cdf) * t_grok.size
chi2 = ((counts - expected) ** 2 / expected).sum()
p_value = stats.chi2.sf(chi2, edges.size - 2)

fig, ax = plt.subplots(figsize=(7, 3.8))
ax.hist(
    t_grok,
    bins=edges,
    density=True,
    alpha=0.5,
    label=f"gradient descent, {t_grok.size} sets",
)
t_fine = np.linspace(0, 6, 301)
ax.plot(
    0.5 * (t_fine[1:] + t_fine[:-1]),
    np.diff(solvable.grokking_time_cdf(t_fine, N, eps, lambda1, lambda2))
    / np.diff(t_fine),
    "k-",
    lw=1,
    label="exact (A8)",
)
ax.set(xlabel="grokking time $t_G$", ylabel="density", xlim=(0, 6))
ax.legend()
plt.show()
print(
    f"fraction grokking {grokked.mean():.3f} (exact "
    f"{solvable.grokking_probability_from(N, eps, lambda1, lambda2):.3f}); "
    f"mean t_G {t_grok.mean():.3f}; chi2 = {chi2:.1f} on {edges.size - 2} dof, p = "
    f"{p_value:.2f}"
)

# %%
assert p_value > 0.001

# %% [markdown]
# The distribution is broad with an exponential tail: sets whose mean lies
# just inside the gap grok late, as $\ln[1/(\varepsilon - \bar x_\lambda)]$.
#
# ## Model B: the D-ball and $\nu = (D+1)/2$
#
# Now the inputs are uniform in the unit $D$-ball, shifted by $+\varepsilon e_1$
# for the positive class and $-\varepsilon e_1$ for the negative one
# ($\varepsilon > 1$ leaves a gap), and the student is $\mathrm{sgn}(w\cdot x)$,
# trained on the quadratic loss
# $\tfrac12 w\cdot G w - w \cdot a + \tfrac12 + \tfrac{\lambda_2}{2}|w|^2$ with
# $G = \langle x x^T \rangle$, $a = \langle y x \rangle$ over the training set.
# With $w$ at angle $\theta$ to $e_1$, the student misclassifies the cap of each
# ball beyond the plane at distance $c = \varepsilon\cos\theta$ from its centre,
#
# $$E = \tfrac12 I_{1 - c^2}\!\left(\tfrac{D+1}{2}, \tfrac12\right) \propto (1 - c)^{(D+1)/2}, \qquad (B1)$$
#
# ($I$ the regularised incomplete beta function), which vanishes when the
# boundary enters the gap, $c = 1$, with the exponent $\nu = (D+1)/2$ of the
# paper's Eq. 23. We train by the exact gradient flow of each training set
# (the loss is quadratic; `solvable_sim.ball_flow`) from $w_0 \sim N(0, I)$, with
# $N = 500$ inputs per class, $\varepsilon = 1.1$, $\lambda_2 = 0.1$, find the
# moment $t_\varepsilon$ at which the boundary enters the gap, and fit
# $\ln E = c + \nu\ln s + k s$ for $s = t_\varepsilon - t \in [10^{-5}, 10^{-3}]$.
# The test error is exact, so the sets agree with each other to many digits;
# the error bar adds the change of $\nu$ when the window moves a decade away.

# %% mystnb={"figure": {"caption": "Left: the exact D-ball test error (B1) against the depth 1 - eps cos(theta) of the misclassified cap, D = 2 to 10 (log axes): power laws of exponent (D + 1)/2. Right: nu fitted from the exact gradient flow just before the boundary enters the gap, with 95% intervals, against (D + 1)/2 (line).", "name": "fig-rules-ball-exponent"}}
fits = {
    D: solvable_sim.critical_exponent_fit(D, n_sets=60, seed=D)
    for D in [2, 4, 6, 8, 10]
}
print(f"{'D':>3} {'sets':>5} {'nu (fit)':>10} {'95% interval':>20} {'(D+1)/2':>8}")
for D, fit in fits.items():
    print(
        f"{D:>3} {fit.per_set.size:>5} {fit.nu:>10.4f}   [{fit.ci[0]:.4f}, "
        f"{fit.ci[1]:.4f}] {fit.theory:>8.1f}"
    )

fig, (ax_c, ax_n) = plt.subplots(1, 2, figsize=(10, 3.8))
h = np.geomspace(1e-4, 0.5, 100)
for (D, fit), color in zip(fits.items(), COLORS):
    ax_c.loglog(
        h,
        solvable.test_error_ball((1 - h) / 1.1, 1.1, D),
        color=color,
        label=f"D = {D}",
    )
    ax_n.errorbar(
        D,
        fit.nu,
        yerr=[[fit.nu - fit.ci[0]], [fit.ci[1] - fit.nu]],
        fmt="o",
        color=color,
    )
ax_c.set(
    xlabel=r"depth of the cap $1 - \varepsilon\cos\theta$",
    ylabel="test error $E$ (B1)",
    ylim=(1e-16, 1),
)
ax_c.legend()
D_line = np.array([1.5, 10.5])
ax_n.plot(D_line, (D_line + 1) / 2, "k-", lw=0.8, label="$(D+1)/2$")
ax_n.set(xlabel="input dimension $D$", ylabel=r"critical exponent $\nu$")
ax_n.legend()
plt.show()

# %%
assert all(fit.ci[0] <= fit.theory <= fit.ci[1] for fit in fits.values())

# %% [markdown]
# The measured exponents agree with $(D+1)/2$ to six digits or better. This is
# a check of the geometry and of the dynamics (the boundary crosses the gap
# edge at a finite speed), not a statistical estimate: with the exact test
# error nothing is random once the training set is drawn.
#
# ### The grokking-time distribution at the paper's Fig. 5 defaults: not reproduced
#
# The paper reports a bimodal distribution of grokking times at $D = 10$,
# $\lambda_2 = 0.1$, $N = 10$, $\varepsilon = 1.01$: a fast branch governed by a
# $\chi^2$ distribution with $D - 1$ degrees of freedom, and a slow peak at
# $(2\lambda_{2,D})^{-1}\ln[\varepsilon^4/(\varepsilon^4-1)]$ with
# $\lambda_{2,D} = \lambda_2 + 1/(D+2)$ (B2). Our reading of the model
# ($N$ inputs per class) does not reproduce it. Started from $w = 0$, the flow
# first points along $a = \varepsilon e_1 + \delta a$, where the transverse part
# $\delta a_\perp$ is nearly Gaussian with variance $1/[2N(D+2)]$ per component:
# the student is in the gap at once when
# $|\delta a_\perp|^2 \le (\varepsilon^2 - 1)\varepsilon^2$, a $\chi^2_{D-1}$ event (B3),
# which is the fast branch. But those students then *leave* the gap, because the
# transverse weights relax more slowly (rate $\lambda_{2,D}$) than the weight
# along $e_1$ and end larger; and the fixed point $w^* = (G + \lambda_2)^{-1}a$ lies
# in the gap for almost no training set.

# %%
D, N_B, eps_B, lambda2_B, n_sets_B = 10, 10, 1.01, 0.1, 4000
X, y = solvable_sim.ball_training_sets(n_sets_B, N_B, D, eps_B, seed=5)
a = np.einsum("snd,n->sd", X, y) / (2 * N_B)  # (S, D): direction of the flow from w = 0
G = np.einsum("snd,sne->sde", X, X) / (2 * N_B)
w_star = np.linalg.solve(G + lambda2_B * np.eye(D), a[..., None])[
    ..., 0
]  # (S, D): end of the flow
starts_in_gap = eps_B * solvable_sim.ball_cos_theta(a) >= 1
ends_in_gap = eps_B * solvable_sim.ball_cos_theta(w_star) >= 1
chi2_prediction = solvable.ball_start_in_gap_probability(N_B, D, eps_B)
se_start = np.sqrt(chi2_prediction * (1 - chi2_prediction) / n_sets_B)
print(
    f"in the gap as the flow starts: {starts_in_gap.mean():.3f} (chi2_{D - 1} estimate "
    f"{chi2_prediction:.3f} +- {se_start:.3f})"
)
print(f"in the gap at the end of the flow: {ends_in_gap.mean():.4f}")
print(
    "slow peak of the paper (B2): t = "
    f"{solvable.slow_grokking_time_ball(eps_B, lambda2_B, D):.2f}, not observed here"
)

# %%
assert abs(starts_in_gap.mean() - chi2_prediction) < 3 * se_start
assert ends_in_gap.mean() < 0.01

# %% [markdown]
# So the $\chi^2_{D-1}$ branch appears, but as a transient; the paper's set-up
# must differ from ours in a detail we could not check without its text (the
# initial weights, what $N$ counts, or the normalisation of the loss). We keep
# the measurement and leave the bimodal histogram open (Exercise 3).
#
# ## The tensor-network attention model is a perceptron
#
# For rules on strings, such as cellular automata, the paper uses a uniform
# tensor network. Each site carries a binary input $x_i$; two tensors
# $A, B \in \mathbb{R}^{d\times d\times 2}$ are the same at every site. The left
# environment $l_i = \mathrm{normalise}(l_{i-1}A^{(x_i)})$ summarises the string
# left of site $i$, the right one $r_i$ the string to its right, and the logit at
# site $i$ is $z_i = l_{i-1}^T B^{(x_i)} r_{i+1}$: attention to the context through
# $A$, a read-out through $B$. With $A$ frozen the environments are fixed
# functions of the input, and
#
# $$z_i = \sum_{a,b,k} \underbrace{l_{i-1,a}\, r_{i+1,b}\, \delta_{k,x_i}}_{\phi_i}\, B_{abk} = \phi_i \cdot \mathrm{vec}(B),$$
#
# a perceptron with $D = 2d^2$ inputs $\phi_i$ and weights $B$. We check it by
# training both with the book's training loop (`grokbook.train.train`, full
# batch, Adam) on the same data: strings of length 12 whose label is the
# middle cell after one step of elementary cellular automaton rule 30,
# $y_i = x_{i-1} \oplus (x_i \lor x_{i+1})$ (the loop takes one label per
# example). A logit $z$ enters the cross-entropy as the pair $(0, z)$, which is
# the logistic loss of $z$.

# %%
d, L, site = 3, 12, 6
generator = torch.Generator().manual_seed(0)
strings = torch.randint(
    0, 2, (1256, L), generator=generator
)  # 256 for training, 1000 for testing
labels = strings[:, site - 1] ^ (
    strings[:, site] | strings[:, site + 1]
)  # (n,) rule 30 at the middle cell


network = tensor_network.TensorNetworkAttention(d, freeze_A=True, seed=1)
perceptron = torch.nn.Linear(2 * d * d, 1, bias=False, dtype=torch.float64)
with torch.no_grad():
    perceptron.weight.copy_(network.B.reshape(1, -1))  # the same initial weights
features = tensor_network.perceptron_features(network, strings)[:, site]  # (n, 2 d^2)
histories = {}
cells = {  # two-class logits (0, z) of one site: of the network, and of the perceptron
    "network": (tensor_network.CellLogits(network, site=site), strings),
    "perceptron": (tensor_network.CellLogits(perceptron, site=0), features),
}
for name, (model, X) in cells.items():
    data = Dataset(
        X_train=X[:256],
        y_train=labels[:256],
        X_test=X[256:],
        y_test=labels[256:],
        n_classes=2,
    )
    histories[name] = train(
        model,
        data,
        torch.optim.Adam(model.parameters(), lr=0.05),
        n_epochs=300,
        eval_every=50,
        progress=False,
    )

with torch.no_grad():
    z_network = network(strings[256:])[:, site]
    z_perceptron = perceptron(features[256:])[:, 0]
print(
    f"perceptron inputs D = 2 d^2 = {features.shape[-1]}; trainable tensors of the "
    f"network: {[n for n, _ in network.named_parameters()]}"
)
for name, history in histories.items():
    print(f"{name:>10}: test accuracy {np.round(history.test_acc, 3)}")
largest = (z_network - z_perceptron).abs().max().item()
print(
    "after 300 Adam steps, on 1000 new strings: |z_network - z_perceptron| < 1e-12: "
    f"{largest < 1e-12} (logits of order {z_network.abs().mean().item():.1f})"
)

# %%
assert features.shape[-1] == 2 * d**2
assert largest < 1e-12
assert np.array_equal(histories["network"].test_acc, histories["perceptron"].test_acc)

# %% [markdown]
# The two models are one model: the same learning curves and the same
# predictions on new strings after training, to rounding error. (With this
# small random attention, $d = 3$, neither learns the rule: the test accuracy
# stays near 0.5. Which frozen $A$ makes the perceptron able to learn the
# rule is the question the paper's cellular-automaton experiments study.) This is the bridge of the paper: whatever
# the perceptron models say about gaps, critical exponents and grokking times
# applies to the tensor network whose attention has stopped changing.
#
# ## Learning rule 30: the tensor network groks
#
# Now $A$ trains too. The task of the paper's cellular-automaton experiment:
# from a binary string, predict every cell after $j = 2$ applications of rule 30
# with fixed-zero boundaries (`automata.rule30`), a 5-local rule. The authors'
# code trains on all $2^{10}$ strings of 10 cells, each batch cut to a random
# window of 6 to 10 cells with its labels recomputed on the window
# (`automata.random_crop`), and tests on random strings of 1000 cells: a network
# that scores there has learned the local rule, not the short strings. Windows
# of random crops of all strings are all strings of those lengths, so we train
# on every window at once (`automata.crop_dataset`): shorter strings are padded
# at the left with *absent* sites, whose transfer matrix is the identity, so
# they change no environment (`tensor_network.CellLogits`). Per-cell labels go through
# the book's training loop; a snapshot callback (`automata.automaton_probe`)
# measures, every 10 epochs, the per-cell accuracy on the training windows, on
# 32 held-out strings of the longest length, and on 100 random strings of 200
# cells, and the effective dimension of the representation: $e^S$, with $S$ the
# entropy of the normalised PCA spectrum of the left environments $l_i$ at the
# ten middle sites of the long strings (the authors' `pca_entropy` on their
# test set, exponentiated).
#
# The scale is the smallest we found that groks within a minute on a laptop:
# bond dimension $d = 10$ (the paper's code: 40), windows of 5 to 8 cells (448
# training strings), AdamW with learning rate 0.01 and weight decay 0.1, batches
# of 64, per-cell cross-entropy, 400 epochs (2,800 steps). The paper's code
# uses Adam without weight decay and the squared error of a sigmoid with a
# normalised read-out; the full configuration is `automata.PAPER_CONFIG`, run by
# `automata.run_config` for the command line. We chose this configuration by
# trying a handful of them with seed 0 (so seed 0 is not an unbiased draw);
# we train seeds 0, 1 and 2 and draw seed 0.

# %%
ca_runs = {
    seed: automata.run_config(automata.DEFAULT_CONFIG, seed) for seed in range(3)
}
ca = ca_runs[0]

# %%
# NBVAL_IGNORE_OUTPUT
print(
    "wall time of the three runs: "
    f"{sum(run['wall_time'] for run in ca_runs.values()):.0f} s"
)

# %% mystnb={"figure": {"caption": "Rule 30 (j = 2) learned by the tensor network, seed 0, d = 10. Top: per-cell accuracy on the training windows, on held-out strings of 8 cells and on long strings of 200 cells, every 10 epochs. Bottom: the effective dimension e^S of the left environments. Vertical lines: t_fit (dotted), t_dim (dashed), t_long (solid).", "name": "fig-rules-rule30-curves"}}
# NBVAL_IGNORE_OUTPUT
t_99, t_long, t_dim = ca["t_99"], ca["t_long"], ca["t_dimension"]
epochs_ca = ca["epochs"]
fig, (ax_acc, ax_dim) = plt.subplots(2, 1, figsize=(7, 5.5), sharex=True)
for key, label, color in [
    ("train_acc", "training windows (5-8 cells)", COLORS[0]),
    ("held_out_acc", "held-out strings of 8 cells", COLORS[1]),
    ("test_acc", "long strings (200 cells)", COLORS[2]),
]:
    ax_acc.plot(epochs_ca, ca[key], color=color, label=label)
ax_dim.plot(epochs_ca, ca["rep_dimension"], color=COLORS[3])
for ax in (ax_acc, ax_dim):
    for t, ls, name in [
        (t_99, ":", "$t_{99}$"),
        (t_dim, "--", "$t_{dim}$"),
        (t_long, "-", "$t_{long}$"),
    ]:
        ax.axvline(t, color="k", ls=ls, lw=0.8)
        if ax is ax_dim:
            ax.text(t, ax_dim.get_ylim()[1], name, ha="center", va="bottom", fontsize=9)
ax_acc.set(ylabel="per-cell accuracy")
ax_acc.legend(loc="center right", fontsize=8)
ax_dim.set(xlabel="epoch", ylabel=r"effective dimension $e^S$")
plt.show()

at = lambda key, t: float(np.interp(t, epochs_ca, ca[key]))  # noqa: E731
final_long = ca["test_acc"][-int(round(automata.TAIL * epochs_ca.size)) :].mean()
print(
    f"training windows fitted (accuracy >= 0.99) at t_99 = {t_99:.0f}: held-out 8-cell "
    f"strings {at('held_out_acc', t_99):.3f}, long strings {at('test_acc', t_99):.3f}"
)
print(
    f"long-string accuracy half-way to its plateau ({final_long:.3f}) at t_long = "
    f"{t_long:.0f}, {t_long / t_99:.1f} t_99"
)
print(
    f"effective dimension half-way down from t_99 at t_dim = {t_dim:.0f}: lead "
    f"{t_long - t_dim:.0f} epochs "
    f"({(t_long - t_dim) / (t_long - t_99):.2f} of the window t_99..t_long); "
    f"long-string accuracy then {at('test_acc', t_dim):.3f}"
)
print(
    f"effective dimension e^S: {ca['rep_dimension'][0]:.2f} (init) -> "
    f"{at('rep_dimension', t_99):.2f} (t_99) -> {at('rep_dimension', t_dim):.2f} "
    "(t_dim) -> "
    f"{ca['rep_dimension'][-int(round(automata.TAIL * epochs_ca.size)) :].mean():.2f} "
    "(final plateau)"
)
print(
    f"  as the entropy S: {np.log(ca['rep_dimension'][0]):.2f} -> "
    f"{np.log(at('rep_dimension', t_99)):.2f} -> "
    f"{np.log(at('rep_dimension', t_dim)):.2f}; "
    "reference run of the paper's code (d = 40): 3.34 (init) -> 2.1 (fitted, epoch "
    "40) -> 1.55 (epoch 100, before the rise)"
)

# %%
assert (
    at("test_acc", t_99) < 0.6 and at("held_out_acc", t_99) > 0.95
)  # fitted, and unseen short strings right, long ones at chance
assert t_long > 2 * t_99  # grokking: the long strings come much later
assert (
    ca["test_acc"].max() >= 0.98 and final_long > 0.8
)  # learned, though dented by spikes at the end
assert (
    t_long - t_dim >= 2 * automata.DEFAULT_CONFIG["snapshot_every"]
)  # the dimension falls first, by two snapshots or more
assert at("test_acc", t_dim) < 0.6

# %% [markdown]
# The training windows are fitted by epoch 100, and from then on unseen strings
# of a *seen* length are predicted too; strings of 200 cells stay at chance for
# another 150 epochs, then jump to near-perfect accuracy within two snapshots:
# the network has grokked the local rule (over the last quarter of the run the
# accuracy averages only 0.82, because of the spikes described next). The
# effective dimension falls in two stages, as in the authors' reference run:
# from 7.9 to 6.3 while the windows are fitted (after a dip and a recovery in
# the first 50 epochs), and again after the fit, *before* the long strings are
# learned. After grokking, the long-string accuracy collapses briefly a few
# times and the effective dimension jumps up with it (`automata.TAIL` averages
# the plateaus over the last quarter of the run for that reason; we have not
# tracked down the cause). The seeds do not all behave like this one:

# %%
# NBVAL_IGNORE_OUTPUT
print(
    f"{'seed':>4} {'t_99':>6} {'t_dim':>6} {'t_long':>7} {'long acc at t_99':>18} "
    f"{'final long acc':>15}"
)
for seed, run in ca_runs.items():
    tail = run["test_acc"][-int(round(automata.TAIL * run["epochs"].size)) :].mean()
    print(
        f"{seed:>4} {run['t_99']:>6.0f} {run['t_dimension']:>6.0f} "
        f"{run['t_long']:>7.0f} "
        f"{np.interp(run['t_99'], run['epochs'], run['test_acc']):>18.3f} {tail:>15.3f}"
    )

# %%
run1 = ca_runs[1]
assert (
    np.interp(run1["t_99"], run1["epochs"], run1["test_acc"]) > 0.6
)  # seed 1 learns the long strings while it fits

# %% [markdown]
# Seed 1 learns the long strings *while* it fits the windows, so it has no
# delay to speak of (and its accuracy later collapses for a while). Seed 2 is
# the fragile case: on the CPU that first ran this chapter it grokked at
# $t_\text{long} = 84 = 2.8\,t_{99}$, with its effective dimension falling
# first; on the CPU that ran this page (wider vector instructions, so float
# sums rounded differently) the same code and seed learn the long strings at
# 52 epochs, 1.7 $t_{99}$, with no fall of the dimension to time. Seed 0 moves
# too (its $t_\text{long}$ is 274 on the first CPU, 246 here) but groks on
# both. That is why the cells above do not have their printed numbers
# compared by the test suite: a run of this size follows its rounding errors
# into or out of the memorising phase. How often a seed shows a long delay
# takes more seeds than fit in this chapter's minute (Exercise 6); the
# exponents below are averages over seed ensembles and do not move with the
# CPU (the frozen and Adam rows are the same to two decimals on both).
# In the authors' reference run
# ($d = 40$, 1024 strings of 10 cells) the training accuracy was 1.0 by epoch
# 40 and the test accuracy on 1000-cell strings stayed at 0.5 until about
# epoch 100, then rose to 0.98 by epoch 300, with the PCA entropy falling
# 3.34 -> 2.1 -> 1.55 before the rise: the same order of events as seed 0
# here. The critical exponents of this transition need many seeds per
# point; the next section measures them on a smaller set-up.

# %% [markdown]
# ## The critical exponent of rule-30 learning
#
# In Models A and B the order parameter of the transition is the test error,
# and the control parameter is the distance in time to the moment it
# vanishes: $E \propto (t_c - t)^{\nu}$. The paper measures $\nu$ for the
# cellular automaton too, and compares it with these models: about 0.75-0.86
# with frozen random attention at $d = 2$, and, for the full model trained with
# Adam (learning rate 0.005), about 2.5 without regularisation, 0.9 with L2 and
# 0.7 with L1. (The paper's full text is not on file: we read the definition
# of $\nu$ from its solvable models, where it is exactly this, and the values
# from its summary.) We measure the same quantity on our tensor network.
#
# One run's test error is a noisy staircase on a finite test set, so we use
# seed ensembles: `automata.train_ensemble` trains one network per seed, all at
# once, through the book's training loop (a `grokbook.ensemble.Ensemble`: their
# tensors are stacked, and Adam acts on every entry separately, so each member
# trains as it would alone; a test checks it). Every epoch it records each
# member's per-cell error on the training windows and on 32 test strings of 63
# and 64 cells (both parities: a network can learn the rule for strings of one
# parity only); absent cells of the shorter strings are masked out. For each run
# that ends with no error on the test strings, $t_0$ is the first such epoch
# (our $t_c$); we align the runs there, average $E(t_0 - s)$ over them for
# $s = 1 \ldots 10$ epochs, and fit a line to $\ln\langle E\rangle$ against
# $\ln s$ (`automata_exponent.aligned_exponent`). The 95% interval is a bootstrap over
# the runs (scipy), widened by the change of $\nu$ when the window is doubled
# ($s = 2 \ldots 20$): the curves are not clean power laws.
#
# The set-up is small enough to train dozens of networks in seconds: rule 30
# applied once ($j = 1$, a 3-local rule), every window of 5 to 8 cells,
# batches of 64, Adam with learning rate 0.005 as in the paper, logistic loss.
#
# **Frozen random attention, $d = 2$.** First, how often can a random frozen
# $A$ (entries $N(0, 1)$) carry the rule at all? We train the read-out $B$ of 64
# networks, each with its own random $A$, for 300 epochs:

# %%
frozen_config = {**automata.ENSEMBLE_CONFIG, "d": 2, "freeze_A": True, "n_epochs": 300}
survey = automata.train_ensemble(frozen_config, list(range(64)))
learners = np.flatnonzero(np.isfinite(survey["t_zero"]))
final_error = survey["long_error"][-1]
print(
    "random frozen A that learn the rule (no test error) within 300 epochs: "
    f"{learners.size} of 64 (seeds {learners.tolist()})"
)
print(
    "final test error of the others: median "
    f"{np.median(np.delete(final_error, learners)):.3f}, smallest "
    f"{np.sort(np.delete(final_error, learners))[0]:.3f}"
)

# %%
assert (
    learners.size >= 1 and learners.size <= 64 // 10
)  # a random d = 2 attention rarely carries the rule
assert np.median(np.delete(final_error, learners)) > 0.4  # the others stay near chance

# %% [markdown]
# For all but one of the 64 random attentions no read-out reaches zero test
# error within 300 epochs, and half of them stay at chance: a random $2\times 2$
# attention rarely gives the perceptron the features rule 30 needs. (The
# authors' code sidesteps this with a hand-made $A$ at $d = 2$.) We keep the
# first random $A$ that works and train 64 read-outs $B$ on it from
# different initial weights, for 500 epochs: that is the frozen-attention
# perceptron of the previous section with its $D = 2d^2 = 8$ inputs.
#
# **Full model.** $A$ and $B$ both train, with $d = 4$, for 200 epochs: 16 seeds
# without regularisation, 16 with L2 ($\lambda_2 = 10^{-3}$, added to the loss
# as $\tfrac{\lambda_2}{2}\sum\theta^2$, which is what the paper code's Adam
# `weight_decay` does) and 16 with L1 ($\lambda_1 = 10^{-3}\sum|\theta|$, the
# paper code's default), all 48 in one ensemble.

# %%
n_seeds = 16 if SCALE == "quick" else 48
full_config = (
    automata.ENSEMBLE_CONFIG if SCALE == "quick" else automata.PAPER_ENSEMBLE_CONFIG
)
frozen_config = {**frozen_config, "A_seed": int(learners[0]), "n_epochs": 500}
frozen = automata.train_ensemble(frozen_config, list(range(64)))
penalties = {"Adam": {}, "Adam + L2": {"l2": 1e-3}, "Adam + L1": {"l1": 1e-3}}
full = {  # one ensemble per regulariser, on the same data (data_seed=0)
    name: automata.train_ensemble(
        full_config, list(range(k * n_seeds, (k + 1) * n_seeds)), **penalty, data_seed=0
    )
    for k, (name, penalty) in enumerate(penalties.items())
}
groups = {"frozen A, d = 2": frozen} | full
paper_nu = {
    "frozen A, d = 2": (0.75, 0.86),
    "Adam": (2.5, 2.5),
    "Adam + L2": (0.9, 0.9),
    "Adam + L1": (0.7, 0.7),
}
exponents = {
    name: aligned_exponent(run["long_error"], run["t_zero"])
    for name, run in groups.items()
}

# %%
# NBVAL_IGNORE_OUTPUT
full_time = sum(run["wall_time"] for run in full.values())
print(
    f"wall time: survey {survey['wall_time']:.0f} s, frozen {frozen['wall_time']:.0f} "
    "s, "
    f"full model {full_time:.0f} s"
)

# %% mystnb={"figure": {"caption": "Left: test error of the rule-30 networks, averaged over the runs aligned at the epoch t_0 where each run's error on the test strings vanishes, against the distance s = t_0 - t in epochs (log axes); lines: the power-law fits over s = 1-10. Right: the fitted exponents with their 95% intervals (bootstrap over runs, widened by the change when the window is doubled) beside the paper's values (crosses; the bar spans its 0.75-0.86 for frozen attention).", "name": "fig-rules-rule30-exponent"}}
fig, (ax_e, ax_nu) = plt.subplots(1, 2, figsize=(10, 3.8))
for k, ((name, fit), color) in enumerate(zip(exponents.items(), COLORS)):
    ax_e.loglog(
        fit.s,
        fit.mean_error,
        "o",
        ms=3,
        color=color,
        label=f"{name} ({fit.n_runs} runs)",
    )
    ax_e.loglog(
        fit.s,
        np.exp(
            np.polyval(
                np.polyfit(np.log(fit.s), np.log(fit.mean_error), 1), np.log(fit.s)
            )
        ),
        "-",
        lw=0.8,
        color=color,
    )
    ax_nu.errorbar(
        k,
        fit.nu,
        yerr=[[fit.nu - fit.ci[0]], [fit.ci[1] - fit.nu]],
        fmt="o",
        color=color,
        capsize=3,
    )
    low, high = paper_nu[name]
    ax_nu.errorbar(
        k + 0.15, (low + high) / 2, yerr=(high - low) / 2, fmt="x", color="k", capsize=3
    )
ax_e.set(
    xlabel="epochs before the error vanishes, $s = t_0 - t$",
    ylabel=r"mean test error $\langle E \rangle$",
)
ax_e.legend(fontsize=8)
ax_nu.set_xticks(range(len(exponents)), list(exponents), fontsize=8)
ax_nu.set(ylabel=r"critical exponent $\nu$")
plt.show()
print(
    f"{'':>16} {'runs':>5} {'nu':>6} {'95% interval':>16} {'(window change)':>16} "
    f"{'paper':>10}"
)
for name, fit in exponents.items():
    low, high = paper_nu[name]
    paper = f"{low:.2f}-{high:.2f}" if low != high else f"{low:.1f}"
    print(
        f"{name:>16} {fit.n_runs:>5} {fit.nu:>6.2f}   [{fit.ci[0]:5.2f}, "
        f"{fit.ci[1]:5.2f}] {fit.systematic:>16.2f} {paper:>10}"
    )

# %%
if SCALE == "quick":  # the numbers the text quotes
    assert all(fit.n_runs >= 4 for fit in exponents.values()) and all(
        0.4 < fit.nu < 1.2 for fit in exponents.values()
    )
    assert all(
        fit.ci[1] - fit.ci[0] > 0.9 for fit in exponents.values()
    )  # wide intervals
    assert (
        exponents["Adam"].ci[1] < 2.5
    )  # without regularisation the paper's 2.5 lies outside our interval
    assert exponents["Adam"].nu <= min(
        exponents["Adam + L2"].nu, exponents["Adam + L1"].nu
    )
    for name in ["frozen A, d = 2", "Adam + L2", "Adam + L1"]:
        assert (
            exponents[name].ci[0] <= paper_nu[name][0]
            and paper_nu[name][1] <= exponents[name].ci[1]
        )  # the paper's value lies inside

# %% [markdown]
# All four exponents come out between 0.4 and 1.2, with wide intervals (only 5
# to 7 runs per regulariser reach zero test error late enough to enter the fit, and
# the frozen fit moves by 0.45 when the window is doubled). For frozen random
# attention and for Adam with L2 or L1 the paper's values lie inside our
# intervals, which is agreement only in the weak sense that we cannot tell them
# apart. **Without regularisation we disagree**: the paper's $\nu \approx 2.5$ is
# above our interval, and our unregularised exponent is no larger than the
# regularised ones. What could explain it, none of it tested here: our networks
# are far smaller ($d = 4$ against the paper code's 40, a 3-local rule instead of
# 5-local, windows of 5-8 cells instead of 6-10, 200 epochs instead of 7,000);
# we train with the logistic loss, the paper's code with the squared error of a
# sigmoid with a normalised read-out; our test error vanishes on a finite set of
# 32 strings, by steps of the few contexts still wrong, so near $t_0$ it is a
# staircase, not a power law; and the paper may define $t_c$ or average over runs
# differently (its text is not on file). The paper-scale ensembles (`GROKBOOK_SCALE=paper`,
# $d = 10$, $j = 2$, 48 seeds per regulariser, or `grokbook run rule30_exponent --scale paper`)
# take hours on a CPU and have not been run for this chapter.

# %% [markdown]
# ### How long the networks take: the grokking-time distribution
#
# The same runs give the distribution of grokking times over seeds. As in the
# rest of the chapter, the times are read off per-cell accuracies: $t_{99}$
# is the first epoch at which the per-cell accuracy on the test strings reaches
# 0.99, $t_{99}$(windows) the first at which the training windows do (counted on
# the whole training set after each epoch); a run that does not get there within
# its epochs has not learned the rule within the budget. (These threshold times
# are not the book's clock: its $t_{\rm fit}$ and $t_{\rm grok}$ are the epochs at
# which the accuracies settle on their final plateaus, and $t_{\rm grok}$ exists
# only for a run whose test accuracy rose after $t_{\rm fit}$; the counts of both
# are printed below.)

# %% mystnb={"figure": {"caption": "Grokking times over seeds: the first epoch at which the per-cell accuracy on the test strings reaches 0.99, for the full model (left, stacked by regulariser, 200 epochs) and for the frozen d = 2 attention with 64 initial read-outs (right, 500 epochs). Runs that never get there are not shown; the counts are printed below.", "name": "fig-rules-rule30-grokking-times"}}
# first epoch at per-cell error <= 0.01: on the test strings (t_99) and on the windows
t99_long = {
    name: first_epoch_at(run["epochs"], run["long_error"].T, 0.01, below=True)
    for name, run in groups.items()
}
t99_windows = {
    name: first_epoch_at(run["epochs"], run["train_error"].T, 0.01, below=True)
    for name, run in groups.items()
}
fig, (ax_full, ax_frozen) = plt.subplots(1, 2, figsize=(10, 3.6))
names = ["Adam", "Adam + L2", "Adam + L1"]
ax_full.hist(
    [t99_long[name][np.isfinite(t99_long[name])] for name in names],
    bins=np.arange(0, 201, 10),
    stacked=True,
    color=COLORS[1:4],
    label=names,
)
ax_full.set(
    xlabel=r"$t_{99}$ (epochs)", ylabel="runs", title="full model, d = 4", xlim=(0, 200)
)
ax_full.legend(fontsize=8)
frozen_t99 = t99_long["frozen A, d = 2"]
ax_frozen.hist(
    frozen_t99[np.isfinite(frozen_t99)], bins=np.arange(0, 501, 20), color=COLORS[0]
)
ax_frozen.set(
    xlabel=r"$t_{99}$ (epochs)",
    title="frozen A, d = 2 (one A, 64 read-outs)",
    xlim=(0, 500),
)
plt.show()
delays = {name: t99_long[name] - t99_windows[name] for name in groups}
for name, run in groups.items():
    t, fitted = t99_long[name], t99_windows[name]
    both = np.isfinite(t) & np.isfinite(fitted)
    print(
        f"{name:>16}: {np.isfinite(t).sum():>2} of {t.size} learn the test strings "
        "within "
        f"{run['epochs'][-1]} epochs (t_99 median {np.nanmedian(t):.0f}, range "
        f"{np.nanmin(t):.0f}-{np.nanmax(t):.0f}); {np.isfinite(fitted).sum():>2} fit "
        "the windows; "
        f"t_99 - t_99(windows) median {np.median(delays[name][both]):+.0f} epochs over "
        f"{both.sum()} runs"
    )
    print(
        f"{'':>16}  clock: t_fit for {np.isfinite(run['t_fit']).sum()}, "
        f"t_grok (a rise after t_fit) for {np.isfinite(run['t_grok']).sum()} of "
        f"{t.size} runs"
    )

# %%
frozen_delay = delays["frozen A, d = 2"]
assert (
    np.isfinite(frozen_t99).all() and np.median(frozen_delay) < 0
)  # the test strings first
learned = [np.isfinite(t99_long[name]).sum() for name in names]
assert all(4 <= n <= n_seeds // 2 for n in learned)  # half or fewer within 200 epochs
assert all(
    abs(np.nanmedian(delays[name])) <= 10 for name in names
)  # no long delay here

# %% [markdown]
# At this scale there is no grokking delay to speak of: the runs that learn the
# rule learn it *as* they fit the training windows (the median of
# $t_{99} - t_{99}$(windows) is within ten epochs of zero for the full model, and
# negative for the frozen one, whose long test strings reach 0.99 before the
# windows do). Half or fewer of the full-model seeds learn the rule within 200
# epochs; with frozen attention every read-out learns, between epochs 56 and
# 423. The long delay of the $d = 10$, 5-local set-up above does not appear in
# this smaller task, so the exponents above describe the transition into the
# learned phase without a memorising phase before it.

# %% [markdown]
# ## How the solvable models of grokking compare
#
# | model | what is solved | delay | transition |
# |---|---|---|---|
# | 1-D exponential, D-ball (this chapter, {cite}`zunkovic2024`) | perceptron on separable classes with a gap | grows as $\ln[1/(\varepsilon - \bar x_\lambda)]$; a distribution over training sets | continuous, $E \propto h^{\nu}$, $\nu = 1$ or $(D+1)/2$ |
# | Gromov 2023 (arXiv 2301.02679) | two-layer quadratic network on modular arithmetic, analytic cosine weights | tens of full-batch steps | not framed as a phase transition |
# | Levi et al. 2023 (arXiv 2310.16441) | linear teacher-student with Gaussian inputs | $\ln[1/(1-\sqrt\lambda)]/[2\eta_0(1-\sqrt\lambda)^2]$, $\lambda = d_{\rm in}/N_{\rm train}$ | threshold effect of the accuracy measure |
# | Rubin et al. 2023 (arXiv 2310.03789) | two-layer networks in a mean-field (adaptive kernel) limit | set by the distance to the transition | first order |
# | Liu et al. 2022 (arXiv 2205.10343) | effective theory of representation learning | diverges near a critical training fraction $r_c \approx 0.4$ | phase diagram: comprehension, grokking, memorisation, confusion |
# | Xu, Vardi, Safran 2026 (arXiv 2601.19791) | ridge regression trained by gradient descent with weight decay | $\propto 1/\lambda$ (weight decay) | provable delay, no transition |
#
# ## Summary
#
# | quantity | paper | this chapter |
# |---|---|---|
# | Model A grokking probability, $N = 2$, $\varepsilon_\lambda = 0.4$ | 0.637 | 0.637 (formula), GD Monte Carlo within 3 SE at 32 points |
# | Model A, $N = 10$, $\varepsilon_\lambda = 0.4$ | 0.925 | 0.925 |
# | Model A critical exponent $\nu$ | 1 | $1.00 \pm 0.01$ from GD trajectories |
# | Model A $t_\varepsilon$ near the edge | | logarithmic, slope $-1/(1+\lambda_2)$ per e-fold |
# | Model A grokking-time distribution | exact | GD histogram agrees ($\chi^2$ test) |
# | Model B $\nu$, $D = 2 \ldots 10$ | $(D+1)/2$ (Eq. 23) | $(D+1)/2$ to $10^{-5}$ or better |
# | Model B bimodal $t_G$ at Fig. 5 defaults | fast $\chi^2_{D-1}$ branch, slow peak at 8.85 | $\chi^2_{D-1}$ branch seen as a transient; not reproduced |
# | TN with frozen $A$ = perceptron, $D = 2d^2$ | yes | identical predictions after training |
# | rule 30 ($j = 2$), training fitted | epoch ~40 (reference run, $d = 40$) | epoch 100 (seed 0, $d = 10$, windows of 5-8 cells) |
# | long strings learned | 0.5 until ~100, 0.98 by 300 (1000 cells) | half-way at epoch 246, 2.5 $t_{99}$ (200 cells); 1 of 3 seeds delays |
# | effective dimension falls first | PCA entropy 3.34 -> 2.1 -> 1.55 before the rise | $e^S$ half-way down 29 epochs before the long strings |
# | rule-30 $\nu$, frozen random attention, $d = 2$ | 0.75-0.86 | 0.47, 95% interval [-0.09, 1.03] (64 read-outs on the one of 64 random $A$ that learns) |
# | rule-30 $\nu$, Adam, no regularisation | ~2.5 | 0.53 [0.21, 1.55] (7 runs, $d = 4$, $j = 1$): **disagrees** |
# | rule-30 $\nu$, Adam + L2 | ~0.9 | 0.54 [0.03, 1.71] (7 runs) |
# | rule-30 $\nu$, Adam + L1 | ~0.7 | 0.69 [0.08, 2.02] (5 runs) |
# | rule-30 grokking times over seeds | distribution | 7, 7, 5 of 16 seeds (Adam, + L2, + L1) within 200 epochs; 64 of 64 frozen read-outs; no delay after the fit at this scale |
#
# Not done in this chapter: the rule-30 exponents at the paper's scale
# (`GROKBOOK_SCALE=paper` or `grokbook run rule30_exponent --scale paper`), and
# the single rule-30 run at the paper's scale (`automata.PAPER_CONFIG` through
# `automata.run_config`); both take hours on a CPU.
#
# ## Exercises
#
# 1. Set $\lambda_1 = \lambda_2 = 0$ in the Model A run. How does the grokking
#    time distribution change, and why does it acquire a heavier tail?
# 2. Replace the exponential offsets of Model A by $e \sim$ Gamma(2, 1/2). The
#    density at the gap edge now vanishes linearly: predict $\nu$ and measure it.
# 3. Try other readings of Model B (weights started on the unit sphere, $N$
#    counting both classes, the covariance $G$ of the full distribution rather
#    than the training set) and look for the paper's bimodal histogram.
# 4. Train the rule-30 network on windows of a single length (`L_min = L_max`
#    in `automata.run_config`) and test it on long strings of even and of odd
#    length. What does the network learn that depends on the parity of the
#    length?
# 5. Switch off the weight decay (`weight_decay = 0.0`) or halve the learning
#    rate: does the network still grok within 400 epochs, and does the
#    effective dimension still fall first?
# 6. Run seeds 3 to 9 of `automata.run_config(automata.DEFAULT_CONFIG, seed)`
#    (about 10 s each on one thread). In how many is $t_{\rm long} > 2 t_{\rm fit}$,
#    and in how many does the effective dimension fall first?
# 7. Raise the number of seeds per regulariser (`n_seeds`) to 64, or train for
#    400 epochs: do the intervals of $\nu$ shrink around one value, and does the
#    unregularised exponent move towards the paper's 2.5?
# 8. Run the full-model ensembles on the harder task of the section before,
#    `{**automata.ENSEMBLE_CONFIG, "d": 10, "j": 2, "n_epochs": 600, "L_long": 200}`
#    (some minutes on one core). Do the runs now fit the windows long before they
#    learn the long strings, and how do the exponents and their intervals move?
