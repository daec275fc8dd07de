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
# - Measure the critical exponent of rule-30 learning and the grokking delays
#   over seeds under the authors' protocol (their read-out, loss, test strings
#   and grokking time), next to the paper's values.
# ```
#
# The exact formulas live in `grokbook.solvable` and `grokbook.solvable_ball`
# (labelled (A1)-(A8), (B1)-(B4) in their docstrings; the paper's full text is
# not on file, so only its Eq. 23 for $\nu$ is cited by number), the simulations
# in `grokbook.solvable_sim`, the tensor network in `grokbook.tensor_network`
# and the rule-30 task in `grokbook.tasks.automata` (single runs) and
# `grokbook.tasks.automata_protocol` (seed ensembles under the authors' protocol).

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
import pandas as pd
import torch
from scipy import stats

from grokbook import book, experiments, solvable, solvable_sim, store, tensor_network
from grokbook.book import COLORS
from grokbook.curves import plateau
from grokbook.data import Dataset
from grokbook.tasks import automata
from grokbook.tasks.automata_exponent import aligned_exponent
from grokbook.training import train

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

# %% mystnb={"figure": {"caption": "Test error of Model A against time (log axis) for three training sets that grok: gradient descent (thick) over the exact flow (A3)-(A4) (dashed); dotted lines: when each training set is fitted; $N = 2$, $\\varepsilon = 0.3$, $\\lambda_1 = 0.05$, $\\lambda_2 = 0.1$. What to see: each test error reaches zero well after its dotted line, and gradient descent lies on the exact flow.", "name": "fig-rules-model-a-trajectories"}} tags=["hide-input"]
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

# %% mystnb={"figure": {"caption": "Left: test error of one Model A training set against the time left before it vanishes, $t_\\varepsilon - t$ (log axes): gradient descent (dots) over the exact flow (line), with slope 1 (dotted). Right: the time $t_\\varepsilon$ at which the test error vanishes against the distance $\\varepsilon - \\bar x_\\lambda$ of the training mean from the gap edge, for all 10,000 sets, with the fit below 0.1. What to see: slope 1 on the left; on the right a straight line on a log axis, i.e. logarithmic growth, not a power law.", "name": "fig-rules-model-a-exponent"}} tags=["hide-input"]
crossing = [k for k in range(200) if np.isfinite(runs.t_eps[k]) and runs.t_eps[k] > 1]
nu_A = np.array(
    [
        solvable_sim.exponent_from_trajectory(runs.b_recorded[k], runs.times, eps)[0]
        for k in crossing
    ]
)
nu_A_se = nu_A.std(ddof=1) / np.sqrt(nu_A.size)
# the same fit on the exact flow (A4) at the same times: the fit's own bias
nu_flow = np.array(
    [
        solvable_sim.exponent_from_trajectory(exact_b[k], runs.times, eps)[0]
        for k in crossing
    ]
)
nu_gap = nu_A - nu_flow

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
    f"nu from {nu_A.size} gradient-descent trajectories: {nu_A.mean():.4f} +- "
    f"{nu_A_se:.4f} (theory 1); the same fit on the exact flow: {nu_flow.mean():.4f}; "
    f"difference {nu_gap.mean():.1e} +- {nu_gap.std(ddof=1) / np.sqrt(nu_gap.size):.1e}"
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
# gradient descent has the exponent of the exact flow, within 3 standard errors
assert abs(nu_gap.mean()) < 3 * nu_gap.std(ddof=1) / np.sqrt(nu_gap.size)
assert abs(slope + 1 / (1 + lambda2)) < 0.01
# gradient descent decays as exp(-k t (1 + lr k / 2)), k = 1 + lambda2,
# and resolves a crossing to one step lr
lr = runs.times[1]
assert np.all(
    np.abs(runs.t_eps[measured] - t_eps_exact)
    <= lr + 1.01 * lr * (1 + lambda2) / 2 * t_eps_exact
)

# %% [markdown]
# The fit $\ln E = c + \nu \ln s + k s$ is not exact for the flow (A3)-(A4): on
# the exact trajectories it gives $\nu = 1.002$, not 1, the curvature left over
# by the $k s$ term. Gradient descent gives the same number to a few
# $10^{-6}$, which is what the assert checks: the discrete dynamics has the
# exponent of the flow, and the flow's is 1 by (A3).
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

# %% mystnb={"figure": {"caption": "Grokking probability of Model A against the effective gap $\\varepsilon_\\lambda = \\varepsilon(1 + \\lambda_2) + \\lambda_1$ for $N = 1, 2, 5, 10$ inputs per class: formula (A7) (lines) and the fraction of 20,000 gradient-descent training sets whose threshold ends in the gap (points, bars of 3 standard errors). What to see: every point on its line.", "name": "fig-rules-grokking-probability"}} tags=["hide-input"]
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
    f"P_G(N=2, 0.4) = {solvable.grokking_probability(2, 0.4):.3f}, "
    f"P_G(N=10, 0.4) = {solvable.grokking_probability(10, 0.4):.3f} "
    "(our research notes' own Monte Carlo: 0.637 and 0.925; not the paper's numbers)"
)

# %%
assert np.abs(z_scores).max() < 3

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

# %% mystnb={"figure": {"caption": "Distribution of the Model A grokking time $t_G$ (from the training set fitted to zero test error) for $N = 2$: histogram of the gradient-descent sets that grok, over the exact density of (A8). What to see: the histogram follows the curve, with its exponential tail.", "name": "fig-rules-model-a-grokking-times"}} tags=["hide-input"]
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

# %% mystnb={"figure": {"caption": "Left: the exact D-ball test error (B1) against the depth $1 - \\varepsilon\\cos\\theta$ of the misclassified cap, $D = 2$ to 10 (log axes). Right: $\\nu$ fitted from the exact gradient flow just before the boundary enters the gap, with 95% intervals, against $(D + 1)/2$ (line). What to see: straight lines of slope $(D+1)/2$ on the left, points on the line on the right.", "name": "fig-rules-ball-exponent"}} tags=["hide-input"]
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

# %% [markdown]
# The fits reproduce $(D+1)/2$ to six digits, but that is no test of the
# exponent: it is built into (B1), and the fits only confirm that the boundary
# crosses the gap edge at a finite speed. The exponent itself we check without
# (B1): draw points uniformly in the $D$-ball (Gaussian directions, radii
# $U^{1/D}$), count the fraction beyond a plane at depth $h$ from the edge,
# and fit $\ln(\text{fraction}) = c + \nu \ln h + k h$ for $h$ from 0.02 to 0.2,
# in 6 independent batches of a million points, for $D = 2$ and 4 (beyond
# that the caps are too rare to count).

# %%
rng_ball = np.random.default_rng(0)
depths = np.geomspace(0.02, 0.2, 8)
design = np.stack([np.ones_like(depths), np.log(depths), depths], axis=1)
nu_mc = {}
for D_mc in (2, 4):
    batches = []
    for _ in range(6):
        g = rng_ball.standard_normal((1_000_000, D_mc))
        u1 = (
            g[:, 0]
            / np.linalg.norm(g, axis=1)
            * rng_ball.random(1_000_000) ** (1 / D_mc)
        )
        fraction = np.array([(u1 > 1 - h_k).mean() for h_k in depths])
        batches.append(np.linalg.lstsq(design, np.log(fraction), rcond=None)[0][1])
    nu_mc[D_mc] = (np.mean(batches), np.std(batches, ddof=1) / np.sqrt(len(batches)))
    print(
        f"D = {D_mc}: Monte Carlo cap exponent {nu_mc[D_mc][0]:.3f} +- "
        f"{nu_mc[D_mc][1]:.3f} (Eq. 23: {solvable.critical_exponent_ball(D_mc)})"
    )

# %%
for D_mc, (nu_hat, se) in nu_mc.items():
    assert abs(nu_hat - solvable.critical_exponent_ball(D_mc)) < 3 * se

# %% [markdown]
# ### The grokking-time distribution at the paper's Fig. 5 defaults
#
# The paper reports a bimodal distribution of grokking times at $D = 10$,
# $\lambda_2 = 0.1$, $N = 10$, $\varepsilon = 1.01$: a fast branch governed by a
# $\chi^2$ distribution with $D - 1$ degrees of freedom, and a slow peak at
# $(2\lambda_{2,D})^{-1}\ln[\varepsilon^4/(\varepsilon^4-1)] = 8.85$ with
# $\lambda_{2,D} = \lambda_2 + 1/(D+2)$ (B2). We compute the moment $t_\varepsilon$ at
# which the boundary enters the gap, exactly, in three readings of the model:
#
# 1. **$N$ inputs per class, $w_0 \sim N(0, I)$** (the reading above): the flow
#    of each training set's own $G$ and $a$.
# 2. **the same, from $w_0 = 0$**: the flow first points along
#    $a = \varepsilon e_1 + \delta a$, whose transverse part is nearly Gaussian with
#    variance $1/[2N(D+2)]$ per component, so the student starts in the gap when
#    $|\delta a_\perp|^2 \le (\varepsilon^2 - 1)\varepsilon^2$, a $\chi^2_{D-1}$ event (B3): the
#    fast branch.
# 3. **the population limit** ($N \to \infty$: $G = \varepsilon^2 e_1e_1^T + I/(D+2)$,
#    $a = \varepsilon e_1$), $w_0 \sim N(0, I)$. Here $H = G + \lambda_2$ is diagonal:
#    $w_1$ relaxes at rate $h_1 = \varepsilon^2 + \lambda_{2,D}$ to
#    $w_1^* = \varepsilon/h_1$, every transverse component decays at $\lambda_{2,D}$,
#    and the boundary is in the gap when $|w_\perp|^2 \le (\varepsilon^2-1)w_1^2$. Once
#    $w_1$ has relaxed,
#
# $$t_\varepsilon = \frac{1}{2\lambda_{2,D}}\ln\frac{|w_\perp(0)|^2}{(\varepsilon^2-1)\,w_1^{*2}}, \qquad (B4)$$
#
#    which has the form of (B2), and equals it exactly when
#    $|w_\perp(0)|^2 = w_1^{*2}\,\varepsilon^4/(\varepsilon^2+1)$.

# %%
D, N_B, eps_B, lambda2_B, n_sets_B = 10, 10, 1.01, 0.1, 2000
X, y = solvable_sim.ball_training_sets(n_sets_B, N_B, D, eps_B, seed=5)
a = np.einsum("snd,n->sd", X, y) / (2 * N_B)  # (S, D): direction of the flow from w = 0
G = np.einsum("snd,sne->sde", X, X) / (2 * N_B)
w_star = np.linalg.solve(G + lambda2_B * np.eye(D), a[..., None])[
    ..., 0
]  # end of the flow
starts_in_gap = eps_B * solvable_sim.ball_cos_theta(a) >= 1
ends_in_gap = eps_B * solvable_sim.ball_cos_theta(w_star) >= 1
chi2_prediction = solvable.ball_start_in_gap_probability(N_B, D, eps_B)
se_start = np.sqrt(chi2_prediction * (1 - chi2_prediction) / n_sets_B)
w0_B = np.random.default_rng(6).standard_normal((n_sets_B, D))
entry = {  # first entry into the gap, exact flow (inf: not within t = 200)
    "1. N per class, w0 ~ N(0, I)": solvable_sim.gap_entry_time(
        X, y, lambda2_B, w0_B, eps_B, n_grid=200
    ),
    "2. N per class, w0 = 0": solvable_sim.gap_entry_time(
        X, y, lambda2_B, np.full((n_sets_B, D), 1e-9), eps_B, n_grid=200
    ),
    "3. population, w0 ~ N(0, I)": solvable.population_entry_time_ball(
        (w0_B[:, 1:] ** 2).sum(axis=1), eps_B, lambda2_B, D
    ),
}
t_slow = solvable.slow_grokking_time_ball(eps_B, lambda2_B, D)
near_slow = {name: np.mean(np.abs(t - t_slow) < 1.0) for name, t in entry.items()}
h1_B = eps_B**2 + lambda2_B + 1 / (D + 2)
w_perp_for_b2 = (eps_B / h1_B) ** 2 * eps_B**4 / (eps_B**2 + 1)

# %% tags=["hide-input"]
print(
    f"in the gap as the flow from w = 0 starts: {starts_in_gap.mean():.3f} "
    f"(chi2_{D - 1} estimate (B3) {chi2_prediction:.3f} +- {se_start:.3f}); "
    f"at the end of the flow: {ends_in_gap.mean():.4f}"
)
for name, t in entry.items():
    finite = np.isfinite(t)
    print(
        f"{name:>28}: enter the gap {finite.mean():.3f}; t_eps quartiles "
        f"{np.round(np.percentile(t[finite], [25, 50, 75]), 2)}; within 1 of the "
        f"paper's slow peak {t_slow:.2f}: {near_slow[name]:.3f}"
    )
print(
    f"(B4) equals (B2) for |w_perp(0)|^2 = {w_perp_for_b2:.3f}; a N(0, I) start has "
    f"{D - 1} on average"
)

# %% mystnb={"figure": {"caption": "Model B at the paper's Fig. 5 defaults ($D = 10$, $N = 10$, $\\varepsilon = 1.01$, $\\lambda_2 = 0.1$): distribution of the time $t_\\varepsilon$ at which the boundary first enters the gap in three readings of the model (2,000 training sets each; sets that start in the gap sit at $t = 0$, sets that never enter are left out). Dashed: the paper's slow peak (B2), $t = 8.85$. What to see: no reading puts a peak at 8.85; the population reading has one peak, at the log of a $\\chi^2_{D-1}$ variable (B4).", "name": "fig-rules-ball-times"}} tags=["hide-input"]
fig, ax = plt.subplots(figsize=(8, 3.6))
bins = np.linspace(0, 40, 81)
for (name, t), color in zip(entry.items(), COLORS):
    ax.hist(
        t[np.isfinite(t)], bins=bins, histtype="step", lw=1.5, color=color, label=name
    )
ax.axvline(t_slow, color="k", ls="--", lw=1, label="paper's slow peak (B2)")
ax.set(
    xlabel=r"$t_\varepsilon$ (entry into the gap)", ylabel="training sets", yscale="log"
)
ax.legend(fontsize=8)
plt.show()

# %%
assert abs(starts_in_gap.mean() - chi2_prediction) < 3 * se_start
assert ends_in_gap.mean() < 0.01  # the fixed point lies in the gap for almost no set
assert all(fraction < 0.05 for fraction in near_slow.values())  # no peak at (B2)

# %% [markdown]
# None of the three readings has a slow peak at 8.85. With $N$ inputs per
# class the $\chi^2_{D-1}$ branch appears (reading 2) but as a transient: the
# transverse weights relax more slowly than $w_1$ and end larger, and the fixed
# point $w^* = (G + \lambda_2)^{-1}a$ lies in the gap for almost no training set, so
# the students leave the gap again; from a Gaussian start (reading 1) hardly any
# set ever enters it. In the population limit every set groks, at the time
# (B4), whose form, the rate $2\lambda_{2,D}$ and a logarithm, is that of the
# paper's (B2): (B2) is (B4) for an initial transverse weight of fixed squared norm
# $w_1^{*2}\varepsilon^4/(\varepsilon^2+1) \approx 0.37$. A Gaussian start spreads
# $|w_\perp(0)|^2$ as $\chi^2_{D-1}$ (mean 9) and puts the single peak near 17.4
# instead. Our reading of the paper's slow peak is therefore: the population
# flow from weights of a fixed norm of about 0.6 across $e_1$, which we cannot
# confirm without the paper's text; as we define the model (a finite training
# set, Gaussian or zero initial weights) it does not produce it.
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
# training both with the book's training loop (`grokbook.training.train`, full
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

# %% tags=["hide-input", "nbval-ignore-output"]
print(
    "wall time of the three runs: "
    f"{sum(run['wall_time'] for run in ca_runs.values()):.0f} s"
)

# %% mystnb={"figure": {"caption": "Rule 30 ($j = 2$) learned by the tensor network, seed 0, $d = 10$. Top: per-cell accuracy on the training windows, on held-out strings of 8 cells and on long strings of 200 cells, every 10 epochs. Bottom: the effective dimension $e^S$ of the left environments. Vertical lines: $t_{99}$ (dotted), $t_{dim}$ (dashed), $t_{long}$ (solid). What to see: the long strings stay at chance long after the windows are fitted, the effective dimension falls before they rise, and the long-string accuracy collapses briefly after grokking.", "name": "fig-rules-rule30-curves"}} tags=["hide-input", "nbval-ignore-output"]
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


def at(key, t):
    """Value of curve ``key`` at epoch ``t``."""
    return float(np.interp(t, epochs_ca, ca[key]))


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
# accuracy averages a little less, because of the collapses described next).
# The effective dimension falls in two stages, as in the authors' reference
# run: while the windows are fitted, and again after the fit, *before* the long
# strings are learned (the values are printed above). After grokking, the
# long-string accuracy collapses briefly and the effective dimension jumps up
# with it (`automata.TAIL` averages the plateaus over the last quarter of the
# run for that reason; a section below finds the cause). The seeds do not all
# behave like this one:

# %% tags=["hide-input", "nbval-ignore-output"]
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
# delay to speak of, and seeds 1 and 2 lose them again several times (their
# transition time is undefined: their long-string accuracy ends far from a
# plateau). Earlier versions of this chapter, whose float sums ran in another
# order, saw seed 2 grok after a delay and seed 0 at other epochs: a run of
# this size follows its rounding errors into or out of the memorising phase,
# which is why the cells above do not have their printed numbers compared by
# the test suite. How often a seed shows a long delay takes more seeds than fit
# in this chapter's minute (Exercise 6).
# In the authors' reference run
# ($d = 40$, 1024 strings of 10 cells) the training accuracy was 1.0 by epoch
# 40 and the test accuracy on 1000-cell strings stayed at 0.5 until about
# epoch 100, then rose to 0.98 by epoch 300, with the PCA entropy falling
# 3.34 -> 2.1 -> 1.55 before the rise: the same order of events as seed 0
# here. The critical exponents of this transition need many seeds per
# point; the section after next measures them under the authors' protocol.

# %% [markdown]
# ### Does the dimension fall first? Twenty seeds without weight decay
#
# One seed says little, and that seed trained with weight decay, which by
# itself shrinks representations. The archive holds 20 seeds of the same
# network without it (`grokbook run rule30_grokking --seeds 20 --set
# weight_decay=0`). For each we ask the question of seed 0: does the
# effective dimension reach its half-way point ($t_{dim}$) at least two
# snapshots (20 epochs) before the long strings reach theirs ($t_{long}$)?
# A seed without a $t_{long}$ (its long-string accuracy never settles) or
# without a $t_{dim}$ counts as "no". The claim, fixed before these runs:
# an earlier batch of 20 seeds from an older commit (whose float sums ran in
# another order) gave 4 of 20, 0.20 with 95% interval [0.06, 0.44]; the
# fraction here must lie inside that interval, and the paper's "structure
# first" as a rule for every run would put it at 1.

# %%
DIMENSION_RUNS = [
    result.payload for result in store.archive().results(
        "rule30_grokking",
        experiments.get("rule30_grokking").config("quick", {"weight_decay": 0.0}))
]
snapshot = automata.DEFAULT_CONFIG["snapshot_every"]
dimension_first = np.array([
    bool(run["t_long"] - run["t_dimension"] >= 2 * snapshot) for run in DIMENSION_RUNS
])  # NaN - anything >= 20 is False
delayed = np.array([
    np.interp(run["t_99"], run["epochs"], run["test_acc"]) < 0.6
    and np.isfinite(run["t_long"]) for run in DIMENSION_RUNS
])  # long strings at chance when the windows are fitted, learned later
first = stats.binomtest(int(dimension_first.sum()), dimension_first.size)
interval = first.proportion_ci(confidence_level=0.95, method="exact")
print(f"{dimension_first.size} seeds: the dimension falls >= 2 snapshots first in "
      f"{dimension_first.sum()} ({first.statistic:.2f}, 95% interval "
      f"[{interval.low:.2f}, {interval.high:.2f}]); seeds that grok with a delay: "
      f"{delayed.sum()}, of which {(dimension_first & delayed).sum()} fall first")

# %%
assert dimension_first.size >= 20
assert 0.06 <= first.statistic <= 0.44  # the earlier batch's interval
assert interval.high < 1  # not every run: "structure first" is not a rule

# %% [markdown]
# Without weight decay the dimension falls first in 6 of 20 seeds, 0.30
# with 95% interval [0.12, 0.54]: inside the earlier batch's interval, and
# far from every run. Thirteen seeds grok with a delay (long strings at
# chance when the windows are fitted, learned later), and the dimension
# leads in six of those. "Structure first" is something some runs do, not
# a rule of this model, and seed 0 above (with weight decay) was one of
# the runs that do it.

# %% [markdown]
# ### What ends the collapses after grokking
#
# After grokking, the long-string accuracy drops from near 1 to far below, for
# a few snapshots each time, while the training windows stay fitted.
# Four candidate causes: the learning rate, the loss, the precision and the
# data. The precision is not it: everything here runs in float64. The data do
# not change between epochs (every window, every epoch, in a reshuffled order).
# The logistic loss never stops pulling: it keeps growing the logits $|z_i|$ of
# cells already right, against the weight decay, with Adam steps of a fixed
# size (learning rate 0.01). We retrain the three seeds with the authors' read-out, whose
# logit is bounded by its scale ($z_i = s\,h_{x_i}/|h|$, so $|z_i| \le |s|$), and
# their squared error on the sigmoid, everything else unchanged.

# %%
bounded_runs = {
    seed: automata.run_config(
        {**automata.DEFAULT_CONFIG, "readout": "normalised", "loss": "mse"}, seed
    )
    for seed in range(3)
}
read_outs = {
    "logistic loss, unbounded logit": ca_runs,
    "authors' read-out": bounded_runs,
}
TAIL = automata.TAIL  # the last quarter of a run: its final plateau


def collapses(run: dict, high: float = 0.98, low: float = 0.9) -> int:
    """Drops of the long-string accuracy below `low` after it has reached `high`."""
    acc = run["test_acc"]
    reached = np.maximum.accumulate(acc) >= high
    below = (acc < low) & reached
    return int(np.sum(below[1:] & ~below[:-1]))


n_collapses = {
    name: np.array([collapses(run) for run in runs.values()])
    for name, runs in read_outs.items()
}

# %% mystnb={"figure": {"caption": "What ends the collapses: seeds 0-2 (columns) of the rule-30 network ($d = 10$, $j = 2$, AdamW, learning rate 0.01, weight decay 0.1), long-string accuracy (colour) and training-window accuracy (grey) every 10 epochs, with the logistic loss of the unbounded logit (top row, the runs above) and with the authors' bounded read-out and squared-error loss (bottom row). What to see: repeated drops after the long strings are learned in the top row, one in the bottom row (seed 2), and the training windows fitted throughout.", "name": "fig-rules-collapses"}} tags=["hide-input", "nbval-ignore-output"]
fig, axes = plt.subplots(2, 3, figsize=(10, 4.5), sharex=True, sharey=True)
for row, ((name, runs), color) in enumerate(zip(read_outs.items(), COLORS[1:])):
    for seed, run in runs.items():
        ax = axes[row, seed]
        ax.plot(run["epochs"], run["train_acc"], color="0.6", lw=0.8)
        ax.plot(run["epochs"], run["test_acc"], color=color, lw=1.5)
        ax.set_title(f"{name}, seed {seed}", fontsize=8)
for ax in axes[:, 0]:
    ax.set(ylabel="accuracy")
for ax in axes[-1]:
    ax.set(xlabel="epoch")
plt.show()
for name, runs in read_outs.items():
    print(
        f"{name:>31}: collapses below 0.9 after 0.98 per seed {n_collapses[name]}; "
        "long-string accuracy max "
        f"{np.round([run['test_acc'].max() for run in runs.values()], 3)}, "
        "last quarter "
        f"{np.round([plateau(r['test_acc'], tail=TAIL) for r in runs.values()], 3)}"
    )

# %%
final = {
    name: np.array([plateau(run["test_acc"], tail=TAIL) for run in runs.values()])
    for name, runs in read_outs.items()
}
assert n_collapses["logistic loss, unbounded logit"].min() >= 1  # every seed collapses
assert final["logistic loss, unbounded logit"].max() < 0.98  # and ends below 0.98
assert final["authors' read-out"].min() >= 0.98  # every bounded run ends learned
assert (
    n_collapses["authors' read-out"].sum()
    < n_collapses["logistic loss, unbounded logit"].sum()
)

# %% [markdown]
# With the bounded read-out and the squared error the same three seeds learn
# the rule too and keep it: every one ends the run at a long-string accuracy of
# 0.98 or more (over the last quarter), and they collapse once in all (seed 2,
# for about 60 epochs) against 11 times for the logistic runs, every one of
# which collapses and ends below 0.98. So the collapses come mainly from the
# loss on an unbounded logit, not from the data or the precision; seed 2 shows
# that a bounded read-out can still lose the rule for a while. (We have not
# separated the learning rate: a smaller one also slows the learning of the
# rule. Three seeds, so this is an observation, not a rate; the authors'
# read-out is what the ensembles below use.)
#
# ## Rule 30 under the authors' protocol
#
# The paper measures the critical exponent $\nu$ of rule-30 learning and
# compares it with its solvable models: about 0.75-0.86 with frozen attention at
# $d = 2$ and, for the full model trained with Adam (learning rate 0.005), about
# 2.5 without regularisation, 0.9 with L2 and 0.7 with L1. (The paper's full
# text is not on file: we read the definition of $\nu$ from its solvable models,
# where $E \propto (t_c - t)^\nu$ for the test error $E$, and the values from its
# summary.) Its code (`qml-tn/grokking`, `CA_cli.py`) fixes the protocol, which
# `grokbook.tasks.automata_protocol` follows:
#
# - the read-out is the sigmoid of a normalised, scaled logit,
#   $z_i = s\,h_{x_i}/|h|$ with $h_k = l_{i-1}^T B^{(k)} r_{i+1}$ and a trainable
#   scale $s$ (from 1), trained on the squared error
#   $(\sigma(z_i) - y_i)^2$ (`readout="normalised"`, `loss="mse"`); the logistic
#   loss of the unbounded $z_i = h_{x_i}$ is the other option;
# - the test set is fixed: random strings of 1,000 cells (we use 256 of them,
#   256,000 cells);
# - grokking is timed by the *domain size* of the error string: with
#   $e_i = 1$ where cell $i$ is predicted wrong and $w$ the number of domain walls
#   ($e_{i+1} \ne e_i$) in a string of $n$ cells, $(n - w)/((w+1)n)$, averaged over
#   strings (1 without error, about 1/2 with one wall). `train_epoch` is the first
#   epoch at which it exceeds 0.99 on the training strings, `gen_epoch` the
#   first at which it does on the test strings, i.e. when nearly every test
#   string is predicted without a single error. Both are threshold times of
#   their own, beside the book's clock ({doc}`../book/definitions`):
#   $t_{\rm fit}$ and $t_{\rm grok}$ are when the accuracies settle.
#
# The critical epoch $t_c$ of the exponent is either `gen_epoch` or $t_0$, the
# first epoch without any error on the 256,000 test cells. We align the runs at
# $t_c$, average the per-cell test error $E(t_c - s)$ over them, and fit a line to
# $\ln\langle E\rangle$ against $\ln s$ over 1.5 decades of $s$
# (`automata_exponent.aligned_exponent`); the 95% interval is a bootstrap over
# the runs, widened by the change of $\nu$ when the window is doubled.
#
# These ensembles take CPU hours, so they were run with `grokbook run
# rule30_protocol` from a clean commit and are read here from the package's
# archive (the commands are printed below).
#
# **Frozen attention at $d = 2$: the authors' hand-made tensor.** Their code
# freezes $A^{(1)} = \begin{pmatrix}1&1\\0&0\end{pmatrix}$,
# $A^{(0)} = \begin{pmatrix}1&0\\1&1\end{pmatrix}$
# (`tensor_network.authors_frozen_attention`). $A^{(1)}$ resets the left
# environment to $(1,1)/\sqrt2$ and the right one to $e_0$; $A^{(0)}$ counts the
# zeros since the last 1. So $l_{i-1}$ says whether $x_{i-1} = 1$ and $r_{i+1}$
# whether $x_{i+1} = 1$: what rule 30 applied once ($j = 1$) needs, and a read-out
# $B$ set by hand predicts it without error (`tests/test_tensor_network.py`).
# We take the boundary vectors to be the environments of an endless run of
# zeros, $l_{-1} = (1, 0)$ and $r_L = (0, 1)$, which is what the labels' zero
# boundary is. 256 read-outs $B$ (and scales $s$) from different random starts
# train on this one frozen tensor, on every window of 5-8 cells, with the test
# error measured every epoch.

# %%
PROTOCOL = experiments.get("rule30_protocol")
ARCHIVE = store.archive()
FROZEN = {
    "d": 2,
    "j": 1,
    "L_min": 5,
    "L_max": 8,
    "A_init": "authors",
    "freeze_A": True,
    "test_every": 1,
    "n_models": 64,
    "n_epochs": 200,
}
FULL = {
    "d": 10,
    "j": 2,
    "L_min": 5,
    "L_max": 8,
    "test_every": 2,
    "n_models": 8,
    "n_epochs": 1000,
}
FULL_GROUPS = {  # the paper's groups, and the logistic read-out: changes to FULL
    "Adam": {},
    "Adam, logistic read-out": {"readout": "linear", "loss": "logistic"},
    "Adam + L2": {"l2": 0.001},
    "Adam + L1": {"l1": 0.0001},
}
GROUPS = {  # those of them in the archive
    name: changes
    for name, changes in FULL_GROUPS.items()
    if PROTOCOL.results({**FULL, **changes}, scale="paper", store=ARCHIVE)
}


def ensemble(changes: dict) -> dict:
    """The archived seed blocks of one config, members side by side."""
    results = PROTOCOL.results(changes, scale="paper", store=ARCHIVE)
    assert results, f"nothing archived for {changes}"
    runs = [result.payload for result in results]
    out = {"epochs": runs[0]["epochs"], "blocks": len(runs)}
    for key, value in runs[0].items():
        if isinstance(value, np.ndarray) and value.ndim == 2:
            out[key] = np.concatenate([run[key] for run in runs], axis=1)
    for key in (
        "train_epoch",
        "gen_epoch",
        "t_zero",
        "t_fit_members",
        "t_grok_members",
    ):
        out[key] = np.concatenate([run[key] for run in runs])
    out["wall_time"] = sum(result.wall_time for result in results)
    return out


def exponent(run: dict, t_c: np.ndarray):
    """nu over s = 1-32 test intervals (1.5 decades); None if < 3 runs qualify."""
    step = int(run["epochs"][1] - run["epochs"][0])
    if np.sum(t_c >= 64 * step) < 3:  # the fit needs t_c >= twice the window
        return None
    return aligned_exponent(
        run["long_error"], t_c, window=(step, 32 * step), epochs=run["epochs"]
    )


frozen = ensemble(FROZEN)
groups = {"frozen A, d = 2": frozen} | {
    name: ensemble({**FULL, **changes}) for name, changes in GROUPS.items()
}
fits = {
    (name, clock): exponent(run, run[clock])
    for name, run in groups.items()
    for clock in ("t_zero", "gen_epoch")
}

# %% tags=["hide-input", "nbval-ignore-output"]
for name, changes in [("frozen A, d = 2", FROZEN)] + [
    (name, {**FULL, **changes}) for name, changes in GROUPS.items()
]:
    run = groups[name]
    sets = " ".join(f"{k}={str(v).lower()}" for k, v in changes.items())
    print(
        f"{name}: grokbook run rule30_protocol --scale paper --seeds {run['blocks']} "
        f"--set {sets}  ({run['wall_time'] / 60:.0f} CPU-min)"
    )


# %%
def delays(run: dict) -> dict:
    """gen_epoch - train_epoch and the clock's t_grok - t_fit, where both exist."""
    by_protocol = run["gen_epoch"] - run["train_epoch"]
    by_clock = run["t_grok_members"] - run["t_fit_members"]
    return {
        "grokked": np.isfinite(run["gen_epoch"]),
        "protocol": by_protocol[np.isfinite(by_protocol)],
        "clock": by_clock[np.isfinite(by_clock)],
    }


delay = {name: delays(run) for name, run in groups.items()}
frozen_delay = delay["frozen A, d = 2"]

# %% mystnb={"figure": {"caption": "The authors' hand-made frozen attention at $d = 2$, 256 read-outs trained on rule 30 ($j = 1$). Left: `train_epoch` (domain size $> 0.99$ on the training windows) against `gen_epoch` (the same on 256 test strings of 1,000 cells), one point per read-out. Right: the test error averaged over the read-outs aligned at their first error-free epoch $t_0$, against $s = t_0 - t$ (log axes), with the power-law fit over $s = 1$-32. What to see: how far the points lie above the diagonal (the grokking delay) and the slope on the right ($\\nu$).", "name": "fig-rules-frozen-protocol"}} tags=["hide-input"]
fig, (ax_t, ax_e) = plt.subplots(1, 2, figsize=(10, 3.8))
ax_t.plot(frozen["train_epoch"], frozen["gen_epoch"], ".", ms=4, color=COLORS[0])
top = np.nanmax(frozen["gen_epoch"]) * 1.05
ax_t.plot([0, top], [0, top], "k:", lw=0.8)
ax_t.set(xlabel="train_epoch", ylabel="gen_epoch", xlim=(0, top), ylim=(0, top))
fit = fits[("frozen A, d = 2", "t_zero")]
ax_e.loglog(fit.s, fit.mean_error, "o", ms=3, color=COLORS[0])
ax_e.loglog(
    fit.s,
    np.exp(
        np.polyval(np.polyfit(np.log(fit.s), np.log(fit.mean_error), 1), np.log(fit.s))
    ),
    "k-",
    lw=0.8,
)
ax_e.set(
    xlabel="epochs before the error vanishes, $s = t_0 - t$",
    ylabel=r"mean test error $\langle E \rangle$",
)
plt.show()
print(
    f"{frozen_delay['grokked'].sum()} of {frozen_delay['grokked'].size} read-outs "
    "reach "
    f"gen_epoch within {frozen['epochs'][-1]} epochs; train_epoch median "
    f"{np.nanmedian(frozen['train_epoch']):.0f}, gen_epoch median "
    f"{np.nanmedian(frozen['gen_epoch']):.0f}; gen_epoch - train_epoch median "
    f"{np.median(frozen_delay['protocol']):.0f} epochs (quartiles "
    f"{np.percentile(frozen_delay['protocol'], 25):.0f}, "
    f"{np.percentile(frozen_delay['protocol'], 75):.0f}); the clock gives t_grok "
    f"(a rise of the test accuracy after t_fit) for {frozen_delay['clock'].size} of "
    f"{frozen_delay['grokked'].size}"
)

# %%
assert np.all(frozen_delay["protocol"] == 0)  # train_epoch = gen_epoch: no delay
assert frozen_delay["grokked"].mean() > 0.5  # most read-outs learn within 200 epochs

# %% [markdown]
# With the hand-made attention there is no grokking delay at all: every
# read-out that learns the rule passes the domain size 0.99 on the training
# windows and on the 1,000-cell test strings *in the same epoch* (and that epoch
# is also its first without any error on the 256,000 test cells), and the
# book's clock finds no rise of the test accuracy after $t_{\rm fit}$. This is
# the perceptron picture with a perfect feature map: the features
# $l_{i-1}\otimes r_{i+1}\otimes e_{x_i}$ of every window and of every long string
# take the same few values (the neighbourhood of each cell), so a read-out that
# separates the windows separates the test strings too. The exponent of the
# vanishing test error, measured over $s = 1$-32 epochs, is printed below; the
# per-cell error one epoch before $t_0$ is still about 5%, so the last step of
# the transition is abrupt at this resolution (four Adam steps per epoch).
#
# **Full model, $d = 10$, $j = 2$.** The same protocol with $A$ trained too
# (`PROTOCOL_CONFIG`): $A$ and $B$ start from $N(0, 1)$ entries and train with
# Adam at the paper's learning rate 0.005 and batches of 128, on every window of
# 5-8 cells (480 strings, 32 of them held out), for 1,000 epochs, with the test
# error measured every 2 epochs. The paper's groups are Adam alone, with L2
# (0.001) and with L1 (0.0001); beside the authors' read-out we run the
# logistic one. The windows of 6-10 cells of the authors' README set-up gave no
# delay at $d = 10$: in a pilot of 8 seeds the long strings were learned within
# 5-15 epochs of `train_epoch` or not at all, with either read-out; with the
# shorter windows the network can fit the training strings without the rule,
# as in the single runs above.
#
# **Scale.** Each group is 48 networks (6 blocks of 8, a seed per block),
# computed with `grokbook run` and archived from clean commits: 21-46
# CPU-minutes per group on one core (the commands are printed below).
#
# Before reading these runs we fixed four claims for every group, from the
# paper and from what the plan asks of a decisive measurement:
# (a) the model groks with a delay: among the networks that reach both
# `train_epoch` and `gen_epoch`, the second comes later more often than a coin
# would give (one-sided sign test, $p < 0.05$); (b) at least half of the
# networks reach `gen_epoch` within 1,000 epochs; (c) the paper's $\nu$ lies in
# our 95% interval, for both clocks $t_c$; (d) that interval is narrower than
# $2.5 - 0.7 = 1.8$, so that it could tell the paper's groups apart.

# %% mystnb={"figure": {"caption": "The full rule-30 model ($d = 10$, $j = 2$) under the authors' protocol, 48 networks per group. Top: per-cell error on 256 test strings of 1,000 cells (median over networks, band: quartiles) and on the training windows (grey), against the epoch. Bottom: `gen_epoch` against `train_epoch`, one point per network (networks that never reach `gen_epoch` are drawn at the top edge). What to see: the training windows are fitted long before the test strings are learned; without regularisation most networks never learn them, with L2 or L1 almost all do.", "name": "fig-rules-full-protocol"}} tags=["hide-input"]
full_names = list(GROUPS)
fig, axes = plt.subplots(
    2, len(full_names), figsize=(3.4 * len(full_names), 6), squeeze=False
)
for k, (name, color) in enumerate(zip(full_names, COLORS[1:])):
    run, (ax_c, ax_t) = groups[name], axes[:, k]
    q1, q2, q3 = np.percentile(run["long_error"], [25, 50, 75], axis=1)
    ax_c.fill_between(run["epochs"], q1, q3, color=color, alpha=0.3, lw=0)
    ax_c.plot(run["epochs"], q2, color=color)
    train_median = np.median(run["train_error"], axis=1)
    ax_c.plot(run["epochs"], train_median, color="0.5", lw=0.8)
    ax_c.set(title=name, xlabel="epoch", ylim=(0, 0.55))
    end = run["epochs"][-1]
    ax_t.plot(
        run["train_epoch"],
        np.nan_to_num(run["gen_epoch"], nan=end),
        "o",
        ms=4,
        color=color,
    )
    ax_t.plot([0, end], [0, end], "k:", lw=0.8)
    ax_t.set(xlabel="train_epoch", xlim=(0, end), ylim=(0, end * 1.02))
axes[0, 0].set(ylabel="per-cell error")
axes[1, 0].set(ylabel="gen_epoch")
fig.tight_layout()
plt.show()


def median_text(values: np.ndarray) -> str:
    return f"{np.median(values):.0f}" if values.size else "-"


for name in full_names:
    run, dl = groups[name], delay[name]
    learned = run["long_error"][-125:].mean(axis=0) < 0.01  # over the last 250 epochs
    lags = dl["protocol"]
    span = f"{lags.min():.0f}-{lags.max():.0f}" if lags.size else "-"
    print(
        f"{name}: {np.isfinite(run['train_epoch']).sum()} of {run['train_epoch'].size} "
        f"networks reach train_epoch (median {np.nanmedian(run['train_epoch']):.0f}), "
        f"{dl['grokked'].sum()} gen_epoch within {run['epochs'][-1]} epochs; "
        f"gen_epoch - train_epoch median {median_text(lags)} (range {span}) over "
        f"{lags.size}; the clock's t_grok - t_fit median "
        f"{median_text(dl['clock'])} over {dl['clock'].size}; per-cell test error "
        f"below 0.01 over the last 250 epochs in {learned.sum()}"
    )

# %%
PAPER_NU_FULL = {"Adam": 2.5, "Adam + L2": 0.9, "Adam + L1": 0.7}  # the paper's
claims = {}  # the claims (a)-(d) fixed before the runs were read
for name in GROUPS:
    dl = delay[name]
    later = dl["protocol"] > 0
    claims[name] = {
        "networks": dl["grokked"].size,
        "(a) sign test p": round(stats.binom.sf(later.sum() - 1, later.size, 0.5), 4),
        "(b) reach gen_epoch": round(dl["grokked"].mean(), 3),
        "(b) 95% interval": "[{:.2f}, {:.2f}]".format(
            *stats.binomtest(int(dl["grokked"].sum()), dl["grokked"].size)
            .proportion_ci(method="exact")
        ),
    }
    paper = PAPER_NU_FULL[name.split(",")[0]]  # the logistic read-out: Adam's value
    for clock in ("t_zero", "gen_epoch"):
        fit = fits[(name, clock)]
        if fit is not None:
            inside = bool(fit.ci[0] <= paper <= fit.ci[1])
            claims[name][f"(c) {clock}: paper inside"] = inside
            claims[name][f"(d) {clock}: width"] = round(fit.ci[1] - fit.ci[0], 2)
pd.DataFrame(claims).T

# %%
reached = [delay[name]["grokked"] for name in ("Adam", "Adam, logistic read-out")]
read_outs_table = [[g.sum(), g.size - g.sum()] for g in reached]
print(
    "reach gen_epoch, authors' against logistic read-out: "
    f"{reached[0].sum()} / {reached[0].size} against {reached[1].sum()} / "
    f"{reached[1].size}, Fisher's exact test p = "
    f"{stats.fisher_exact(read_outs_table).pvalue:.3f}"
)

# %%
def verdicts(name: str) -> dict:
    """Claims (a)-(d) of one group: True where it holds, by the thresholds above."""
    c = claims[name]
    out = {"(a)": c["(a) sign test p"] < 0.05, "(b)": c["(b) reach gen_epoch"] >= 0.5}
    for clock in ("t_zero", "gen_epoch"):  # no fit (< 3 runs aligned) counts as failed
        out[f"(c) {clock}"] = c.get(f"(c) {clock}: paper inside", False)
        out[f"(d) {clock}"] = c.get(f"(d) {clock}: width", np.inf) < 1.8
    return out


held = pd.DataFrame({name: verdicts(name) for name in GROUPS}).T
held.replace({True: "holds", False: "FAILED"})

# %%
assert held["(a)"].all()  # every group groks with a delay (sign test)
assert held.loc[["Adam + L2", "Adam + L1"], "(b)"].all()  # most networks learn
assert held.loc["Adam", ["(c) t_zero", "(c) gen_epoch", "(d) gen_epoch"]].all()
assert held.loc["Adam + L1", ["(c) t_zero", "(c) gen_epoch"]].all()
assert held.loc[["Adam + L2", "Adam + L1"], ["(d) t_zero", "(d) gen_epoch"]].all().all()

# %% [markdown]
# **The full model groks with a delay in every group, and regularisation
# makes most networks learn the rule.** In every group each network that
# passes the domain size 0.99 on the 1,000-cell test strings does so
# after it passed it on the training windows (claim (a), sign test
# $p < 10^{-4}$). Without regularisation the two read-outs fit the windows
# (46 and 47 of 48 networks) but fewer than half learn the rule within
# 1,000 epochs: 17 of 48 with the authors' read-out (95% interval
# 0.22-0.51), 21 with the logistic one (0.29-0.59); claim (b) FAILED for
# both, and the read-outs do not differ (Fisher's exact test $p = 0.53$).
# With L2 (0.001) 46 of 48 reach `gen_epoch`, with L1 (0.0001) 42: weight
# decay of either kind turns a minority into almost all. The delay
# `gen_epoch` $-$ `train_epoch` has median 98 epochs with Adam alone, 133
# with L2 and 264 with L1 (ranges up to 600-800). The book's clock, which
# asks for a rise of the mean test accuracy that settles, times far fewer
# networks: most that learn the rule do so by a jump from chance that
# comes back down now and then (the collapses above): 9 to 29 networks per
# group keep the per-cell error below 1% over the last 250 epochs.
#
# **The exponent.** $\nu$ with $t_c = t_0$ (first error-free epoch) and with
# $t_c$ = `gen_epoch`, next to the paper's values and the median delay of the
# runs that entered the fit:

# %% mystnb={"figure": {"caption": "Critical exponents of rule-30 learning under the authors' protocol, with $t_c = t_0$ (circles) and $t_c$ = `gen_epoch` (squares), 95% intervals (bootstrap over runs, widened by the change when the window is doubled), beside the paper's values (crosses; the bar spans its 0.75-0.86 for frozen attention). What to see: which intervals contain the paper's value.", "name": "fig-rules-rule30-exponent"}} tags=["hide-input"]
paper_nu = {
    "frozen A, d = 2": (0.75, 0.86),
    "Adam": (2.5, 2.5),
    "Adam + L2": (0.9, 0.9),
    "Adam + L1": (0.7, 0.7),
}
paper_key = {name: name for name in paper_nu} | {
    name: "Adam" for name in GROUPS if name.startswith("Adam,")
}
fig, ax = plt.subplots(figsize=(8, 3.6))
rows = []
for k, (name, run) in enumerate(groups.items()):
    for shift, clock, marker in ((-0.1, "t_zero", "o"), (0.1, "gen_epoch", "s")):
        fit = fits[(name, clock)]
        if fit is None:  # fewer than 3 runs reach t_c late enough to be aligned
            continue
        ax.errorbar(
            k + shift,
            fit.nu,
            yerr=[[fit.nu - fit.ci[0]], [fit.ci[1] - fit.nu]],
            fmt=marker,
            color=COLORS[k],
            capsize=3,
        )
        used = np.isfinite(run[clock]) & (run[clock] >= 2 * fit.s[-1])
        lag = (run["gen_epoch"] - run["train_epoch"])[used]
        low, high = paper_nu[paper_key[name]]
        rows.append(
            {
                "group": name,
                "t_c": clock,
                "runs": fit.n_runs,
                "nu": round(fit.nu, 2),
                "95% interval": f"[{fit.ci[0]:.2f}, {fit.ci[1]:.2f}]",
                "window change": round(fit.systematic, 2),
                "delay (median gen_epoch - train_epoch)": np.round(
                    np.nanmedian(lag), 0
                ),
                "paper": f"{low:.2f}-{high:.2f}" if low != high else f"{low:.1f}",
            }
        )
    low, high = paper_nu[paper_key[name]]
    ax.errorbar(
        k + 0.3, (low + high) / 2, yerr=(high - low) / 2, fmt="x", color="k", capsize=3
    )
ax.set_xticks(range(len(groups)), list(groups), fontsize=8)
ax.set(ylabel=r"critical exponent $\nu$")
plt.show()

# %%
pd.DataFrame(rows)

# %%
frozen_fit = fits[("frozen A, d = 2", "t_zero")]
assert frozen_fit.ci[1] < paper_nu["frozen A, d = 2"][0]  # below the paper's range

# %% [markdown]
# **We disagree with the paper's frozen-attention exponent.** Over the read-outs
# that learn late enough to be aligned, $\nu \approx 0.47$ with a 95% interval
# that ends well below the paper's 0.75-0.86 (the two clocks, $t_0$ and
# `gen_epoch`, give the same number here because they are the same epoch for
# every read-out). What could explain it, none of it tested: the paper's frozen
# attention was random, ours is the hand-made tensor of the authors' code (the
# one we could check carries the rule); our boundary vectors (the zero-run fixed
# points) and open strings against, possibly, periodic ones in the paper; and the
# resolution of one epoch (four Adam steps), at which the error is still 5% one
# epoch before it vanishes, so the fit sees the approach to an abrupt last step.
# There is also no grokking delay here for an exponent to describe: with a
# perfect frozen feature map the long strings are learned exactly when the
# windows are.

# %%
adam, l2, l1 = (
    fits[(name, "gen_epoch")] for name in ("Adam", "Adam + L2", "Adam + L1")
)
print(
    "t_c = gen_epoch: Adam's interval starts at "
    f"{adam.ci[0]:.2f}; L2's ends at {l2.ci[1]:.2f}, L1's at {l1.ci[1]:.2f}"
)
assert adam.ci[0] > max(l2.ci[1], l1.ci[1])  # Adam alone: the larger exponent
logistic = fits[("Adam, logistic read-out", "gen_epoch")]
assert logistic.ci[1] < PAPER_NU_FULL["Adam"]  # not the paper's read-out: far below

# %% [markdown]
# **Adam alone has the larger exponent, as in the paper; with L2 ours is
# half the paper's.** With the authors' read-out and $t_c$ = `gen_epoch`,
# 14 networks reach it late enough to be aligned (at epoch 128 or later,
# twice the window $s = 1$-64, 1.8 decades) and give $
# u pprox 2.2$,
# 95% interval 1.13-2.81: it contains the paper's 2.5 and is narrower than
# the 1.8 fixed beforehand (claims (c) and (d) hold); with $t_c = t_0$ the
# same networks give 2.8 (1.09-3.89, wider than 1.8: (d) FAILED). L2 gives
# 0.39 (0.23-0.62) over 34 networks and L1 0.43 (0.19-0.93) over 38, with
# `gen_epoch`; both intervals end below Adam's, so the exponents are told
# apart, the paper's ordering. L1's contains the paper's 0.7; L2's does not
# contain its 0.9 with either clock (claim (c) FAILED for L2). L1 and L2 are
# not told apart from each other (nor are the paper's 0.7 and 0.9 far
# apart). What could explain the L2 value: the paper does not state its L2
# and L1 strengths or its windows (we chose 0.001 and 0.0001, and windows
# of 5-8 cells, the shortest that gave a delay), and with L2 almost every network
# learns, so the aligned set includes the fast learners that Adam alone
# never aligns. The logistic read-out, which the paper did not use, gives
# 0.34 (0.07-0.69): an abrupt drop from about chance in the last few epochs,
# which a power law over $s$ fits with a small slope. All exponents are
# measured where the delay is real: median `gen_epoch` $-$ `train_epoch`
# of the aligned networks 107 (Adam), 182 (L2) and 315 (L1) epochs.

# %% [markdown]
# ## How the solvable models of grokking compare
#
# | model | what is solved | delay | transition |
# |---|---|---|---|
# | 1-D exponential, D-ball (this chapter, {cite}`zunkovic2024`) | perceptron on separable classes with a gap | grows as $\ln[1/(\varepsilon - \bar x_\lambda)]$; a distribution over training sets | continuous, $E \propto h^{\nu}$, $\nu = 1$ or $(D+1)/2$ |
# | Gromov 2023 {cite}`gromov2023` | two-layer quadratic network on modular arithmetic, analytic cosine weights | tens of full-batch steps | not framed as a phase transition |
# | Levi et al. 2023 {cite}`levi2024` | linear teacher-student with Gaussian inputs | $\ln[1/(1-\sqrt\lambda)]/[2\eta_0(1-\sqrt\lambda)^2]$, $\lambda = d_{\rm in}/N_{\rm train}$ | threshold effect of the accuracy measure |
# | Rubin et al. 2023 {cite}`rubin2023` | two-layer networks in a mean-field (adaptive kernel) limit | set by the distance to the transition | first order |
# | Liu et al. 2022 {cite}`liu2022` | effective theory of representation learning | diverges near a critical training fraction $r_c \approx 0.4$ | phase diagram: comprehension, grokking, memorisation, confusion |
# | Xu, Vardi, Safran 2026 {cite}`xu2026` | ridge regression trained by gradient descent with weight decay | $\propto 1/\lambda$ (weight decay) | provable delay, no transition |
#
# ## Summary
#
# | quantity | paper | this chapter | verdict |
# |---|---|---|---|
# | Model A grokking probability (A7), $N = 1, 2, 5, 10$ | formula | GD Monte Carlo within 3 SE at 32 points; $P_G(N{=}2, 0.4) = 0.637$, $P_G(N{=}10, 0.4) = 0.925$ (formula; our notes' own Monte Carlo gives the same) | reproduced |
# | Model A critical exponent $\nu$ | 1 | GD equals the exact flow's fit ($1.002$, curvature of the fit) to $10^{-5}$ | reproduced |
# | Model A $t_\varepsilon$ near the edge | | logarithmic, slope $-1/(1+\lambda_2)$ per e-fold | not in the paper (our derivation) |
# | Model A grokking-time distribution | exact | GD histogram agrees ($\chi^2$ test) | reproduced |
# | Model B $\nu$, $D = 2 \ldots 10$ | $(D+1)/2$ (Eq. 23) | flow fits $(D+1)/2$; cap exponent by Monte Carlo for $D = 2, 4$ within 3 SE | reproduced |
# | Model B bimodal $t_G$ at Fig. 5 defaults | fast $\chi^2_{D-1}$ branch, slow peak at 8.85 | $\chi^2_{D-1}$ branch as a transient; population flow (B4) has the slow peak's form, at 8.85 only for a fixed initial transverse norm $\approx 0.6$; no reading we tried peaks there | not reproduced |
# | TN with frozen $A$ = perceptron, $D = 2d^2$ | yes | identical predictions after training | reproduced |
# | rule 30 ($j = 2$): windows fitted, then long strings learned | | seed 0 ($d = 10$): $t_{99} = 100$, long strings half-way at 265 ($2.7\,t_{99}$); seeds 1, 2 no delay (a run of the authors' code at $d = 40$: fitted by epoch ~40, long strings 0.98 by 300) | partly ($d = 10$, 1 of 3 seeds delays) |
# | effective dimension falls first | before grokking (structure first) | seed 0: $e^S$ 7.87 -> 6.33 ($t_{99}$) -> 5.03 ($t_{dim}$, 27 epochs before $t_{long}$) (a run of the authors' code: PCA entropy 3.34 -> 2.1 -> 1.55 before the rise) | partly (one seed, with weight decay) |
# | effective dimension without weight decay over $\ge 20$ seeds | before grokking (structure first) | falls $\ge 2$ snapshots first in 6 of 20 seeds, 0.30 [0.12, 0.54]; in 6 of the 13 that grok with a delay | partly (some runs, not a rule) |
# | collapses after grokking | | 11 in 3 seeds with the logistic loss, 1 with the authors' bounded read-out and squared error, which all end learned: mainly the unbounded logit | not in the paper |
# | rule-30 $\nu$, frozen attention $d = 2$ | 0.75-0.86 (random frozen attention) | 0.47, 95% interval [0.39, 0.54]: 134 of 256 read-outs of the authors' hand-made tensor, $t_c = t_0 =$ `gen_epoch`, $s = 1$-32 epochs | not reproduced ($d = 2$, hand-made, not random, attention) |
# | rule-30 delay, frozen attention $d = 2$ | | `gen_epoch` $-$ `train_epoch` $= 0$ for all 170 read-outs that learn within 200 epochs | not in the paper (no delay to measure) |
# | rule-30 grokking delay, full model ($d = 10$, $j = 2$, authors' protocol, 48 networks per group) | | networks reaching `gen_epoch`, all after `train_epoch`: Adam 17 of 48 (authors' read-out), 21 (logistic), + L2 46, + L1 42; median `gen_epoch` $-$ `train_epoch` 98 / 132 / 133 / 264 epochs | groks with a delay in every group (sign test); fewer than half without regularisation, almost all with it |
# | rule-30 $\nu$, full model: Adam / + L2 / + L1 | ~2.5 / ~0.9 / ~0.7 | $t_c$ = `gen_epoch`, 95% intervals: 2.24 [1.13, 2.81] / 0.39 [0.23, 0.62] / 0.43 [0.19, 0.93] (14 / 34 / 38 networks aligned, median delays 107 / 182 / 315 epochs); $t_c = t_0$: 2.80 [1.09, 3.89] / 0.46 [0.23, 0.79] / 0.55 [0.21, 1.21] | partly: Adam and L1 reproduced, Adam's exponent the larger (intervals apart); L2 half the paper's 0.9 |
# | rule-30 $\nu$, full model, Adam with the logistic read-out | | 0.34 [0.07, 0.69] ($t_c$ = `gen_epoch`), 0.33 [-0.02, 0.93] ($t_c = t_0$), 19 networks: an abrupt drop from about chance | not the paper's read-out; far below its 2.5 |
# | which read-out learns rule 30 ($d = 10$) | | AdamW, 3 seeds: both, only the bounded one keeps it to the end; Adam, authors' protocol, 48 networks each: both grok, 17 and 21 of 48 reach `gen_epoch` (Fisher's exact test $p = 0.53$) | not in the paper |
#
# Not done in this chapter: the full model at the authors' $d = 40$, and
# runs longer than 1,000 epochs (with Adam alone more networks end with a
# per-cell test error below 1%, 22, than pass the domain size 0.99, 17).
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
# 7. Train the frozen hand-made attention of the protocol section on rule 30
#    applied twice ($j = 2$, `automata_protocol.train_protocol` with
#    `A_init="authors"`): can a $d = 2$ attention carry a 5-local rule?
# 8. Run one full-model group at the windows of the authors' README, 6-10 cells
#    (`grokbook run rule30_protocol --scale paper --set L_min=6 L_max=10`), and
#    compare `gen_epoch - train_epoch` with the 5-8 windows used here.
