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
# # The 2-D Ising model, sampled and checked
#
# The next two chapters train a network on configurations of the
# two-dimensional Ising model. Before any network sees them, the
# configurations must be right: drawn from the Boltzmann distribution, not
# from a Markov chain that has not yet forgotten where it started. This chapter
# builds the samplers of `grokbook.ising` and checks them against the exact
# results we have: brute-force enumeration of small lattices and Onsager's
# solution of the infinite one {cite}`onsager1944,yang1952`.
#
# ```{admonition} Objectives
# :class: tip
# - Sample configurations of the $L \times L$ periodic Ising model with a
#   checkerboard Metropolis sampler and with Wolff cluster updates.
# - Check both against exact averages, within error bars derived from the data.
# - Locate $T_c$ from the {term}`Binder cumulant`, and measure
#   {term}`critical slowing down`.
# ```
#
# The model: spins $s_i = \pm 1$ on an $L \times L$ torus with energy
# $E(s) = -\sum_{\langle ij \rangle} s_i s_j$ over the $2L^2$ nearest-neighbour
# bonds ($J = k_B = 1$), sampled with probability $P(s) \propto e^{-E(s)/T}$.
# It orders below the critical temperature
# $T_c = 2/\ln(1+\sqrt 2) \approx 2.269$.

# %% tags=["remove-cell"]
# Colab only: install grokbook. Does nothing elsewhere.
import sys

if "google.colab" in sys.modules:
    import subprocess

    REPO = "git+https://github.com/grokbook/grokbook@v0.1.0"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", REPO], check=True)

# %% tags=["nbval-check-output"]
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from grokbook import book, curves, ising, stats

SCALE = book.setup(seed=0, threads=1)
T_c = ising.critical_temperature()
print(f"T_c = {T_c:.6f}")

# %% [markdown]
# ## Two samplers
#
# **Metropolis** proposes to flip one spin at a time and accepts with
# probability $\min(1, e^{-\Delta E / T})$. On a square lattice the sites split
# like a checkerboard into two sublattices whose spins do not interact, so
# each half can be updated in any order; a {term}`sweep` visits every site once.
# Near $T_c$ this is slow: domains of aligned spins grow to the size of the
# lattice and single flips move them only by diffusion (critical slowing down).
#
# **Wolff** {cite}`wolff1989` grows a cluster from a random site, adding
# aligned neighbours with probability $p = 1 - e^{-2/T}$, and flips it whole.
# To compare like with like we count its time in sweeps too: a Wolff sweep
# flips on average $L^2$ spins.
#
# Both run compiled and in parallel over many independent chains, and each
# chain has its own random stream, so a seed fixes every number below. Here
# are configurations of a $64 \times 64$ lattice below, at and above $T_c$:

# %% mystnb={"figure": {"caption": "One configuration of the $64 \\times 64$ lattice (Wolff sampler, seed 0) below, at and above $T_c \\approx 2.269$, temperatures in units of $J/k_B$; black: spin up, white: spin down; $|m|$ is the magnitude of the magnetisation per spin. Below $T_c$ one sign wins, at $T_c$ clusters of every size coexist, and above it the spins are nearly independent.", "name": "fig-ising-model-snapshots"}} tags=["hide-input", "nbval-check-output"]
temperatures = [1.8, T_c, 3.0]
snapshots = ising.sample(64, temperatures, 1, seed=0)  # (T, 1, L, L)
fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
for ax, T, spins in zip(axes, temperatures, snapshots[:, 0]):
    book.show_spins(ax, spins, f"T = {T:.3f}, |m| = {abs(spins.mean()):.2f}")
plt.show()

# %% [markdown]
# In {numref}`fig-ising-model-snapshots`, below $T_c$ one sign wins; at $T_c$
# clusters of every size coexist; above, the spins are nearly independent.
#
# ## Check 1: exact enumeration of small lattices
#
# A $4 \times 4$ lattice has $2^{16} = 65{,}536$ states, few enough to sum the
# Boltzmann weights exactly (`ising.exact_averages`). We run 100 independent
# chains per temperature; the spread of the 100 chain means gives the standard
# error of the sampled average, and we ask each sampler to land within 4
# standard errors of the exact value. The table gives the exact and sampled
# averages and $z$, the difference in standard errors: every $|z|$ should be
# below 4, and most below 2.

# %% tags=["nbval-check-output"]
L, n_chains = 4, 100
check_temperatures = [1.5, 2.27, 3.5]
exact = ising.exact_averages(L, check_temperatures)
rows = []
for method in ["metropolis", "wolff"]:
    samples = ising.sample(
        L, check_temperatures, 20_000, method=method, thin=1, n_chains=n_chains, seed=7
    )
    per_chain_energy = (
        (ising.energy(samples) / L**2).reshape(3, -1, n_chains).mean(axis=1)
    )
    per_chain_m = (
        np.abs(ising.magnetization(samples)).reshape(3, -1, n_chains).mean(axis=1)
    )
    for name, per_chain, reference in [
        ("E/N", per_chain_energy, exact.energy),
        ("|m|", per_chain_m, exact.abs_magnetization),
    ]:
        z = (per_chain.mean(axis=1) - reference) / (
            per_chain.std(axis=1, ddof=1) / np.sqrt(n_chains)
        )
        rows.append((method, name, reference, per_chain.mean(axis=1), z))


# %% tags=["hide-input", "nbval-check-output"]
table = pd.DataFrame(
    [
        {
            "sampler": method,
            "average": name,
            "T": T,
            "exact": round(float(r), 4),
            "sampled": round(float(s), 4),
            "z": round(float(zz), 1),
        }
        for method, name, reference, sampled, z in rows
        for T, r, s, zz in zip(check_temperatures, reference, sampled, z)
    ]
)
table.pivot(index=["sampler", "average"], columns="T", values=["exact", "sampled", "z"])

# %% tags=["nbval-check-output"]
assert all(np.all(np.abs(z) < 4) for *_, z in rows), (
    "a sampler disagrees with exact enumeration"
)

# %% [markdown]
# ## Check 2: Onsager's infinite lattice
#
# For $L = 32$ finite-size effects are small away from $T_c$. Onsager's energy
# per spin and the Onsager-Yang spontaneous magnetisation
# $m = (1 - \sinh^{-4}(2/T))^{1/8}$ are the references.

# %% tags=["nbval-check-output"]
T_grid = np.linspace(1.2, 3.6, 17)
samples = ising.sample(32, T_grid, 1000, seed=1)  # Wolff, (T, samples, L, L)
energy_32 = (ising.energy(samples) / 32**2).mean(axis=1)
abs_m_32 = np.abs(ising.magnetization(samples)).mean(axis=1)

# %% mystnb={"figure": {"caption": "Energy per spin (left, in units of $J$) and mean absolute magnetisation per spin (right) against the temperature (in units of $J/k_B$): the $32 \\times 32$ lattice sampled with Wolff updates (dots, 1000 configurations per temperature) and the exact infinite lattice of Onsager and Yang (lines); dotted line at $T_c$. The dots sit on the lines, except near $T_c$, where the finite lattice rounds the transition, and for $|m|$ above $T_c$, where a finite lattice keeps a magnetisation of order $1/L$.", "name": "fig-ising-model-onsager"}} tags=["hide-input", "nbval-check-output"]
T_fine = np.linspace(1.0, 3.8, 400)
fig, (ax_e, ax_m) = plt.subplots(1, 2, figsize=(10, 3.8))
ax_e.plot(
    T_fine, ising.onsager_energy(T_fine), color="k", lw=1, label="Onsager, $L=\\infty$"
)
ax_e.plot(T_grid, energy_32, "o", label="Wolff, $L=32$")
ax_e.set(xlabel="temperature $T$ ($J/k_B$)", ylabel="energy per spin $E/N$ ($J$)")
ax_m.plot(
    T_fine,
    ising.onsager_magnetization(T_fine),
    color="k",
    lw=1,
    label="Onsager-Yang, $L=\\infty$",
)
ax_m.plot(T_grid, abs_m_32, "o", label="Wolff, $L=32$")
ax_m.set(
    xlabel="temperature $T$ ($J/k_B$)",
    ylabel="magnetisation per spin $\\langle |m| \\rangle$",
)
for ax in (ax_e, ax_m):
    ax.axvline(T_c, color="grey", ls=":", lw=1)
    ax.legend()
plt.show()

# %% [markdown]
# In {numref}`fig-ising-model-onsager`, above $T_c$ the finite lattice keeps a
# small $\langle|m|\rangle \sim L^{-1}$ that the infinite one does not have,
# and near $T_c$ the finite lattice rounds the transition; elsewhere the points
# sit on the curves. The claims, at the temperatures the unit tests use:

# %% tags=["nbval-check-output"]
checks = {
    ("E/N", 1.5): (ising.sample(32, 1.5, 2000, seed=3), ising.onsager_energy(1.5)),
    ("E/N", 3.0): (ising.sample(32, 3.0, 2000, seed=3), ising.onsager_energy(3.0)),
    ("|m|", 1.5): (
        ising.sample(32, 1.5, 2000, seed=3),
        ising.onsager_magnetization(1.5),
    ),
    ("|m|", 2.0): (
        ising.sample(32, 2.0, 2000, seed=3),
        ising.onsager_magnetization(2.0),
    ),
}
relative_errors = {}
for (name, T), (s, reference) in checks.items():
    value = (
        (ising.energy(s) / 32**2).mean()
        if name == "E/N"
        else np.abs(ising.magnetization(s)).mean()
    )
    error = relative_errors[name, T] = abs(value - reference) / abs(reference)
    print(
        f"{name} at T = {T}: sampled {value:.4f}, exact {reference:.4f},"
        f" relative error {error:.2%}"
    )

# %% tags=["nbval-check-output"]
assert max(relative_errors.values()) < 0.01

# %% [markdown]
# ## Finding $T_c$ from finite lattices: the Binder cumulant
#
# The Binder cumulant $U_L = 1 - \langle m^4 \rangle / (3 \langle m^2 \rangle^2)$
# tends to $2/3$ in the ordered phase and to $0$ in the disordered one; at
# $T_c$ it takes a universal value independent of $L$ {cite}`binder1981`, so
# the curves for different sizes cross there.

# %% tags=["nbval-check-output"]
T_binder = np.linspace(2.15, 2.40, 11)
binder = {}
for L_b in [8, 16, 32]:
    m = ising.magnetization(ising.sample(L_b, T_binder, 4000, seed=L_b))
    binder[L_b] = np.array([stats.binder_cumulant(mm) for mm in m])

# %% mystnb={"figure": {"caption": "The Binder cumulant $U_L$ (dimensionless) of lattices of side $L = 8, 16, 32$ against the temperature (in units of $J/k_B$), 4000 Wolff configurations per point; dotted line: the exact $T_c$. The curves steepen with $L$ and cross close to $T_c$.", "name": "fig-ising-model-binder"}} tags=["hide-input", "nbval-check-output"]
fig, ax = plt.subplots()
for L_b, u in binder.items():
    ax.plot(T_binder, u, "o-", label=f"L = {L_b}")
ax.axvline(T_c, color="grey", ls=":", lw=1, label="exact $T_c$")
ax.set(xlabel="temperature $T$ ($J/k_B$)", ylabel="Binder cumulant $U_L$")
ax.legend()
plt.show()

# %% [markdown]
# Where two curves cross is the {ref}`crossing time <def-crossing>` of the
# book's clock, applied to the temperature axis: the first temperature at
# which their difference passes through zero, interpolated between grid
# points.

# %% tags=["nbval-check-output"]
# U_L of the larger lattice lies above the smaller's below T_c and below it above:
# their difference rises through zero where the curves cross.
pairs = [(8, 16), (16, 32)]
crossings = {
    (a, b): curves.crossing_time(T_binder, binder[a] - binder[b], 0.0) for a, b in pairs
}
for (a, b), T_x in crossings.items():
    print(f"U_{a} and U_{b} cross at T = {T_x:.3f} ({(T_x - T_c) / T_c:+.1%} from T_c)")

# %% tags=["nbval-check-output"]
assert all(abs(T_x - T_c) / T_c < 0.02 for T_x in crossings.values())

# %% [markdown]
# ## Critical slowing down, measured
#
# How many sweeps separate two effectively independent configurations? The
# {term}`integrated autocorrelation time` $\tau = 1 + 2\sum_{t \ge 1} \rho(t)$ of a
# time series answers it ($\tau = 1$ for independent draws), with the sum cut
# at {term}`Sokal's self-consistent window` {cite}`sokal1997`. We record $|m|$ after
# every sweep of 16 chains at $T_c$ on a $32 \times 32$ lattice.

# %% tags=["nbval-check-output"]
series = {
    "metropolis": ising.abs_magnetization_series(
        32, T_c, 20_000, method="metropolis", seed=0
    ),
    "wolff": ising.abs_magnetization_series(32, T_c, 2_000, method="wolff", seed=0),
}
tau = {method: stats.integrated_autocorrelation_time(x) for method, x in series.items()}

# %% mystnb={"figure": {"caption": "Autocorrelation of $|m|$ on the $32 \\times 32$ lattice at $T_c$ against the lag in sweeps (linear axis up to 1, logarithmic beyond), for Metropolis sweeps and Wolff updates; the legend gives each integrated autocorrelation time $\\tau$. Metropolis needs tens of sweeps to forget a configuration, Wolff a few.", "name": "fig-ising-model-autocorrelation"}} tags=["hide-input", "nbval-check-output"]
fig, ax = plt.subplots()
for method, x in series.items():
    rho = stats.autocorrelation(x)[:400]
    ax.plot(
        np.arange(rho.size), rho, label=f"{method}: $\\tau$ = {tau[method]:.0f} sweeps"
    )
ax.set(
    xlabel="lag $t$ (sweeps)",
    ylabel="autocorrelation of $|m|$",
    xscale="symlog",
    ylim=(-0.1, 1.0),
)
ax.legend()
plt.show()

# %% tags=["nbval-check-output"]
for method, t in tau.items():
    print(f"{method:>10}: tau_int(|m|) at T_c, L = 32: {t:.0f} sweeps")
print(f"ratio: {tau['metropolis'] / tau['wolff']:.0f}")

# %% [markdown]
# At $T_c$ Metropolis needs tens of sweeps per independent configuration
# ({numref}`fig-ising-model-autocorrelation`) at
# $L = 32$, and the number grows as $L^{z}$ with $z \approx 2.17$; the
# cluster method needs a few. The sampler defaults (`ising.SAMPLERS`) burn in
# for more than 20 $\tau$ even in this worst case. Their spacing between
# recorded configurations is shorter than $\tau$ at $T_c$, so near $T_c$
# successive samples are correlated: error bars must then come from
# independent chains (as in Check 1) or from $\tau$, not from the raw sample
# count. `benchmarks/ising.py` measures the same ratio at $L = 64$.

# %% tags=["nbval-check-output"]
assert tau["wolff"] * 10 < tau["metropolis"]
burn_in, thin = ising.SAMPLERS["metropolis"]
assert burn_in > 20 * tau["metropolis"] and thin >= 0.2 * tau["metropolis"]

# %% [markdown]
# ## Summary
#
# Each row is a claim asserted above; the reference is exact (enumeration,
# Onsager and Yang) or the literature's, fixed before sampling. The verdict
# says whether this chapter reproduces it, and at what scale.

# %% tags=["hide-input", "nbval-check-output"]
worst_z = max(float(np.abs(z).max()) for *_, z in rows)
ratio = tau["metropolis"] / tau["wolff"]
summary = pd.DataFrame(
    [
        (
            r"\(4 \times 4\) averages, both samplers, \(T\) = 1.5, 2.27, 3.5",
            "exact enumeration",
            rf"largest \(|z|\) = {worst_z:.1f} (< 4)",
            "reproduced (L = 4, 100 chains)",
        ),
        (
            r"\(E/N\) and \(|m|\) away from \(T_c\)",
            r"Onsager, Onsager-Yang (\(L = \infty\))",
            f"largest relative error {max(relative_errors.values()):.2%} (< 1%)",
            "reproduced (L = 32, 2000 configurations)",
        ),
        (
            r"Binder cumulants cross at \(T_c\)",
            rf"\(T_c\) = {T_c:.3f}",
            ", ".join(f"L = {a}/{b}: {T_x:.3f}" for (a, b), T_x in crossings.items()),
            "reproduced (L = 8, 16, 32, within 2%)",
        ),
        (
            r"\(\tau\) of \(|m|\) at \(T_c\), Metropolis / Wolff (sweeps)",
            r"grows as \(L^{2.17}\) / a few",
            f"{tau['metropolis']:.0f} / {tau['wolff']:.0f} (ratio {ratio:.0f})",
            "reproduced (L = 32; z not fitted)",
        ),
    ],
    columns=["check", "reference", "this chapter", "verdict"],
)
summary.set_index("check")

# %% [markdown]
# Both samplers reproduce exact enumeration and Onsager's solution, the Binder
# cumulants locate $T_c$, and near $T_c$ the cluster sampler decorrelates the
# magnetisation far faster than single-spin flips: the training sets of the
# next chapters are draws from the Boltzmann distribution.
#
# ## Exercises
#
# 1. Start Metropolis from a random configuration at $T = 1.5$, $L = 32$
#    (`ising.MarkovChains` lets you set the spins) and watch $|m|$: how long do
#    striped states survive?
# 2. Measure $\tau$ of Metropolis at $T_c$ for $L = 8, 16, 32$ and fit the
#    dynamic exponent $z$.
# 3. Add $L = 64$ to the Binder plot. Does the crossing move towards $T_c$?
