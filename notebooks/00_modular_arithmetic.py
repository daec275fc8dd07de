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
# # Prologue: grokking modular arithmetic
#
# Power et al. {cite}`power2022` trained a small transformer on the table of
# $a + b \bmod 97$, showing it part of the table and testing it on the rest.
# The network learned its training equations early and then, for about a
# thousand times longer, did no better than chance on the others; then,
# suddenly, it got them all right. They called this *grokking*. Nanda et al.
# {cite}`nanda2023` took a one-layer transformer apart after it grokked
# $a + b \bmod 113$: it computes with a handful of Fourier frequencies of
# the residues, and measures built on them move long before the test
# accuracy does. This chapter shows both models. First, in seconds, the
# two-layer network of Gromov {cite}`gromov2023`: it groks, and it learns
# Fourier modes, but its delay is short and its frequencies are many. Then
# Nanda et al.'s transformer, trained through the book's command line and
# read from the package's archive: its delay, its key frequencies and its
# progress measures.
#
# ```{admonition} Objectives
# :class: tip
# - Build the task (the table of $a \circ b \bmod p$ for $+$ and $-$) and a
#   network that groks it in tens of full-batch steps.
# - See when train and test accuracy reach 1 on log-time axes, and find a
#   setting where the delay spans more than a decade of steps.
# - Measure the steps to grok against the training fraction and the weight
#   decay, beside Nanda et al.'s numbers.
# - Read the Fourier spectrum of the learned embedding and follow a progress
#   measure, with its lead over the test accuracy and that lead's interval.
# - Do the same for Nanda et al.'s transformer: the delay in decades, its key
#   frequencies, its restricted and excluded loss.
# ```

# %% tags=["remove-cell"]
# Colab only: install grokbook. Does nothing elsewhere.
import sys

if "google.colab" in sys.modules:
    import subprocess

    REPO = "git+https://github.com/grokbook/grokbook@v0.1.0"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", REPO], check=True)

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import spearmanr

from grokbook import book, curves, experiments, store
from grokbook.book import COLORS
from grokbook.probes import fourier
from grokbook.tasks import modular

SCALE = book.setup(seed=0, threads=1)
SEEDS = range(10) if SCALE == "paper" else range(3)
print(f"seeds per setting: {len(SEEDS)}")

# %% [markdown]
# ## The task
#
# For a prime $p = 97$ the table of $c = a \circ b \bmod p$ has $p^2 = 9409$
# equations. A random fraction of them is the training set, the rest the test
# set. The network sees only the tokens $a$ and $b$ and must output $c$; it
# cannot generalise by interpolation, since neighbouring tokens mean nothing
# to it. Addition is commutative; subtraction is not, so a network cannot
# lean on the symmetry $a + b = b + a$ to fill in missing equations.

# %% mystnb={"figure": {"caption": "The two tables to learn: the colour is the answer $c$ of $a + b \\bmod 97$ (left) and of $a - b \\bmod 97$ (right) for every pair of residues, $a$ down the rows and $b$ along the columns, on a cyclic scale from 0 to 96. Addition is constant along the anti-diagonals, subtraction along the diagonals.", "name": "fig-modular-tables"}}
p = 97
fig, axes = plt.subplots(1, 2, figsize=(8.6, 3.8), layout="constrained")
for ax, operation, symbol in zip(axes, ["add", "sub"], ["+", "-"]):
    a, b, c = modular.operation_table(p, operation)
    image = ax.imshow(c.reshape(p, p), cmap="twilight", interpolation="nearest")
    ax.set(title=f"$a {symbol} b$ mod {p}", xlabel="$b$", ylabel="$a$")
    ax.grid(False)
fig.colorbar(image, ax=axes, label="$c$")
plt.show()
data = modular.make_dataset(p, "add", 0.5, seed=0)
print(f"training equations: {len(data.y_train)}, test equations: {len(data.y_test)}")

# %% [markdown]
# ## A network that groks in seconds
#
# Gromov's network {cite}`gromov2023` has one hidden layer of $N$ neurons with
# a quadratic activation acting on the concatenated one-hot codes of $a$ and $b$,
#
# $$ f(a, b) = W_2^\top \left( W_1^\top [e_a; e_b] \right)^{2}, \qquad
#    W_1 \in \mathbb{R}^{2p \times N},\; W_2 \in \mathbb{R}^{N \times p}, $$
#
# trained full batch with the squared error against one-hot targets and AdamW
# {cite}`loshchilov2019` (learning rate $10^{-2}$, weight decay 5), on half the
# table. The rows $W_1[a]$ are the *embedding* of the first operand
# (`grokbook.models.QuadraticMLP`). The book's training loop
# `grokbook.training.train` runs it; `modular.run_config` is one run, from a
# plain config dictionary and a seed.
#
# Every run of the book is timed by one clock (`grokbook.curves`; the
# definitions are collected in {doc}`../book/definitions`):
# $t_\text{fit}$ is the first step from which the training accuracy stays
# within 0.01 of its final plateau, and $t_\text{grok}$ the same for the test
# accuracy, defined only for a run whose test accuracy rose by at least 0.1
# after $t_\text{fit}$ (otherwise it did not generalise late, and
# $t_\text{grok}$ is `nan`). Beside them we note $t_{99}$, the first step
# at which the test accuracy reaches 0.99: a threshold time, like the
# criteria of Power et al. and Nanda et al., that exists for every run that
# generalises, late or not.

# %%
print(modular.DEFAULT_CONFIG)
default = modular.run_config({"fourier": True}, seed=0)
subtraction = modular.run_config({"operation": "sub"}, seed=0)
for name, run in [("a + b", default), ("a - b", subtraction)]:
    print(
        f"{name}: t_fit = {run['t_fit']:.0f}, t_99 = {run['t_99']:.0f}, "
        f"t_grok = {run['t_grok']:.0f}; test accuracy {run['test_at_fit']:.3f} "
        f"at t_fit, {run['test_acc'][-1]:.3f} at the end"
    )

# %% [markdown]
# The wall time (it depends on the machine; `benchmarks/modular.py` measures
# the time to grok alone and compares it with a plain implementation):

# %%
for name, run in [("a + b", default), ("a - b", subtraction)]:
    seconds = run["wall_time"] * run["t_99"] / run["epochs"][-1]
    print(
        f"{name}: {run['epochs'][-1]} steps in {run['wall_time']:.1f} s; "
        f"test accuracy 0.99 after about {seconds:.1f} s"
    )


# %% mystnb={"figure": {"caption": "One run on half the table of $a + b \\bmod 97$ (seed 0): the mean squared error (left, log scale) and the accuracy (right) on the training equations (blue) and the test equations (vermilion) against the full-batch step, on a log axis (step 0 drawn at 1). Dotted lines: $t_\\mathrm{fit}$ (blue), from which the training accuracy stays at 1, and $t_{99}$ (vermilion), the first step with test accuracy 0.99. See the test accuracy rise with the training accuracy, not after it: it is above 0.9 when the training set is fitted.", "name": "fig-modular-curves-half"}} tags=["hide-input"]
def plot_run(run):
    """Loss and accuracy of one run against the step, on a log-time axis."""
    epochs = np.maximum(run["epochs"], 1)  # step 0 drawn at 1 on the log axis
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.6))
    for split, color in [("train", COLORS[0]), ("test", COLORS[3])]:
        ax_loss.plot(epochs, run[f"{split}_loss"], color=color, label=split)
        ax_acc.plot(epochs, run[f"{split}_acc"], color=color, label=split)
    for ax in (ax_loss, ax_acc):
        ax.set(xscale="log", xlabel="step")
        ax.axvline(run["t_fit"], color=COLORS[0], ls=":", lw=1)
        ax.axvline(run["t_99"], color=COLORS[3], ls=":", lw=1)
    ax_loss.set(yscale="log", ylabel="loss")
    ax_acc.set(ylabel="accuracy")
    ax_acc.legend()
    plt.show()


plot_run(default)

# %% [markdown]
# In {numref}`fig-modular-curves-half` both accuracies sit near chance
# ($1/97$) while the training loss falls, then rise together: the test
# accuracy is already above 0.9 at $t_\text{fit}$ and reaches 0.99 one
# evaluation (5 steps) later. Both operations generalise within 100 steps,
# as Gromov's network should (he reports about 44). With half the table,
# then, nothing generalises *late*: by the book's clock $t_\text{grok}$ is
# `nan` (the test accuracy rose by less than 0.1 after $t_\text{fit}$).
# The delay that defines grokking opens up with less data, below.

# %%
for run in (default, subtraction):
    assert run["t_99"] <= 100  # tens of steps, as Gromov's network
    assert run["test_acc"][-1] >= 0.99 and run["train_acc"][-1] == 1.0
    assert run["test_at_fit"] > 0.9 and np.isnan(
        run["t_grok"]
    )  # no late generalisation

# %% [markdown]
# ## Slow grokking: less data, a delay of more than a decade
#
# With half the table the delay is short. Power et al. saw the delay grow as
# the training fraction shrinks. With 15% of the table the network memorises
# its training equations within about 50 steps, and the test accuracy stays
# near chance for hundreds of steps before it climbs. Three seeds (a
# different split and initialisation each):

# %%
slow_config = {
    "train_fraction": 0.15,
    "n_epochs": 1300,
    "eval_every": 10,
    "fourier": True,
}
slow_runs = [modular.run_config(slow_config, seed) for seed in SEEDS]
slow = slow_runs[0]
slow_t = {
    key: np.array([run[key] for run in slow_runs])
    for key in ("t_fit", "t_grok", "t_99")
}
slow_delay = slow_t["t_grok"] / slow_t["t_fit"]
for seed, run, ratio in zip(SEEDS, slow_runs, slow_delay):
    print(
        f"seed {seed}: t_fit = {run['t_fit']:.0f}, t_grok = {run['t_grok']:.0f} "
        f"(t_99 = {run['t_99']:.0f}): t_grok / t_fit = {ratio:.0f} "
        f"({np.log10(ratio):.1f} decades)"
    )
at_10_fit = [np.flatnonzero(run["epochs"] >= 10 * run["t_fit"])[0] for run in slow_runs]
test_at_10_fit = np.array([run["test_acc"][i] for run, i in zip(slow_runs, at_10_fit)])
print(f"test accuracy at 10x the fitting step: {np.round(test_at_10_fit, 2)}")

# %% mystnb={"figure": {"caption": "As {numref}`fig-modular-curves-half`, seed 0 with 15% of the table for training: loss (left) and accuracy (right) on the training (blue) and test equations (vermilion) against the full-batch step (log axis). See the test accuracy reach 0.99 (dotted vermilion line, $t_{99}$) more than a decade of steps after the training accuracy settles (dotted blue line, $t_\\mathrm{fit}$), and the test loss rise above its initial value while the network memorises.", "name": "fig-modular-curves-slow"}} tags=["hide-input"]
plot_run(slow)

# %%
assert np.all(slow_delay > 10)  # more than a decade between fitting and generalising
assert np.all(test_at_10_fit < 0.9)  # far from generalising a decade after fitting

# %% [markdown]
# While the network memorises, its test loss *rises* above its initial value,
# and it falls only when the test accuracy climbs, as in Power et al.'s curves:

# %%
for seed, run in zip(SEEDS, slow_runs):
    fit_index, grok_index = np.searchsorted(
        run["epochs"], [run["t_fit"], run["t_grok"]]
    )
    loss = run["test_loss"]
    peak = fit_index + np.argmax(loss[fit_index:grok_index])
    print(
        f"seed {seed}: test loss {loss[0]:.3f} at step 0, {loss[peak]:.3f} at its peak "
        f"(step {run['epochs'][peak]}), {loss[-1]:.3f} at the end"
    )
    assert loss[peak] > 1.1 * loss[0] and loss[-1] < 0.7 * loss[0]

# %% [markdown]
# Power et al.'s transformer generalised about $10^3$ times later than it
# fitted, three decades; this network, built to grok fast, gets to a bit more
# than one. The transformer below gets further.
#
# ## Steps to grok against the training fraction
#
# Three seeds (a different split and initialisation each) for each of seven
# training fractions. With much of the table the network generalises as it
# fits and has no $t_\text{grok}$; to compare all fractions the steps to
# grok here are $t_{99}$. Each
# run has a budget of steps that leaves a margin after it; a run that never
# reached 0.99 within it would show as `nan` and fail the checks below.

# %%
budgets = {0.2: 350, 0.25: 220, 0.3: 160, 0.4: 120, 0.5: 100, 0.7: 90, 0.9: 80}
sweep = {
    f: [
        modular.run_config({"train_fraction": f, "n_epochs": n, "eval_every": 10}, seed)
        for seed in SEEDS
    ]
    for f, n in budgets.items()
}
t_99 = {f: np.array([run["t_99"] for run in runs]) for f, runs in sweep.items()}
t_fit = {f: np.array([run["t_fit"] for run in runs]) for f, runs in sweep.items()}

# %% mystnb={"figure": {"caption": "Steps to grok of the quadratic network (log scale) against the fraction of $a + b \\bmod 97$ used for training: the first step with test accuracy at least 0.99 ($t_{99}$, dots: each seed; line: their median) and $t_\\mathrm{fit}$ (blue line: median). See $t_{99}$ fall as the fraction grows and meet $t_\\mathrm{fit}$ above half the table.", "name": "fig-modular-fraction"}} tags=["hide-input"]
fractions = np.array(list(budgets))
medians = np.array([np.median(t_99[f]) for f in fractions])
fig, ax = plt.subplots()
for f in fractions:
    ax.plot(np.full(len(SEEDS), f), t_99[f], "o", color=COLORS[3], alpha=0.5)
ax.plot(fractions, medians, "-", color=COLORS[3], label="$t_{99}$")
ax.plot(
    fractions,
    [np.median(t_fit[f]) for f in fractions],
    "-",
    color=COLORS[0],
    label="$t_\\mathrm{fit}$",
)
ax.set(xlabel="training fraction", ylabel="step", yscale="log")
ax.legend()
plt.show()

# %%
print(f"{'fraction':>8} | {'t_fit (median)':>14} | {'t_99: median [min, max]':>24}")
for f in budgets:
    print(
        f"{f:>8} | {np.median(t_fit[f]):>14.0f} | {np.median(t_99[f]):>8.0f} "
        f"[{t_99[f].min():>5.0f}, {t_99[f].max():>5.0f}]"
    )
rho_ours = spearmanr(fractions, medians).statistic
gap = {fraction: np.median(t_99[fraction] - t_fit[fraction]) for fraction in budgets}
grokked = {f: int(sum(np.isfinite(run["t_grok"]) for run in sweep[f])) for f in budgets}
print(f"Spearman correlation of t_99 with the fraction: {rho_ours:.2f}")
print(f"median steps from t_fit to t_99: at 0.2 {gap[0.2]:.0f}, at 0.9 {gap[0.9]:.0f}")
print(f"runs with a t_grok (test accuracy rose >= 0.1 after t_fit), of {len(SEEDS)}:")
print(grokked)

# %%
assert all(np.all(np.isfinite(grok)) for grok in t_99.values())  # every run generalised
assert rho_ours < -0.9  # fewer data, later generalisation
assert gap[0.9] <= 10 and gap[0.2] >= 100  # the delay is a small-data phenomenon
assert grokked[0.2] == grokked[0.25] == len(SEEDS) and grokked[0.9] == 0

# %% [markdown]
# Less data means later generalisation ({numref}`fig-modular-fraction`). With
# most of the table in the training set this network fits and generalises
# together (within our evaluation interval of 10 steps, and without a
# $t_\text{grok}$); the delay opens up as the data shrink. Nanda et al.'s
# table for their transformer is set beside this sweep and the
# transformer's, below.
#
# ## Weight decay
#
# Power et al. found weight decay the most helpful intervention. At 20% of the
# table, seed 0, four weight decays (5 is the run of the sweep above):

# %%
weight_decays = [0.0, 1.0, 5.0, 10.0]
wd_config = {"train_fraction": 0.2, "n_epochs": 700, "eval_every": 10}
wd_runs = {
    wd: modular.run_config({**wd_config, "weight_decay": wd}, 0)
    for wd in (0.0, 1.0, 10.0)
}
wd_runs[5.0] = sweep[0.2][0]
for wd in weight_decays:
    run = wd_runs[wd]
    print(
        f"weight decay {wd:>4}: t_fit = {run['t_fit']:>4.0f}, "
        f"t_grok = {run['t_grok']:>4.0f}, t_99 = {run['t_99']:>4.0f}"
    )

# %%
wd_steps = np.array([wd_runs[wd]["t_99"] for wd in weight_decays])
assert np.all(np.isfinite(wd_steps))
assert wd_steps[0] > 1.5 * wd_steps[2]  # weight decay 5: at least 1.5x sooner than none

# %% [markdown]
# Weight decay speeds grokking up, but this network groks without it too;
# the optimiser's own bias carries it there, more slowly.
#
# ## What the network learned: Fourier modes
#
# Expand each column of the embedding $W_1[:p]$ (one function of $a$ per
# hidden neuron) in the Fourier basis $\cos(2\pi k a/p)$, $\sin(2\pi k a/p)$
# of $\mathbb{Z}_p$ and add the squared coefficients of each frequency $k$
# (`grokbook.probes.fourier.fourier_power`). Below: every neuron's spectrum at initialisation
# and after grokking (neurons sorted by their strongest frequency), and the
# spectrum of the whole embedding.

# %% mystnb={"figure": {"caption": "Where the embedding's power goes, for the run of {numref}`fig-modular-curves-half`. Left and middle: the share of each hidden neuron's power in each Fourier frequency $k$ of $\\mathbb{Z}_{97}$ at initialisation and at the end of training (neurons sorted by their strongest frequency at the end; each panel has its own colour scale). Right: the share of the whole embedding's power in each frequency at the end. See every neuron spread its power over all frequencies at initialisation and use one after grokking, while together the neurons cover almost all of them.", "name": "fig-modular-fourier"}} tags=["hide-input"]
power_start, power_end = default["fourier_power"][[0, -1]]  # (width, K) each
order = np.argsort(power_end.argmax(axis=1))
fig, axes = plt.subplots(1, 3, figsize=(14, 3.8), layout="constrained")
end = f"step {default['epochs'][-1]}"
for ax, power, title in zip(axes, (power_start, power_end), ("initialisation", end)):
    share = power[order] / power[order].sum(axis=1, keepdims=True)
    image = ax.imshow(
        share.T, aspect="auto", origin="lower", cmap="Blues", interpolation="nearest"
    )
    ax.set(
        title=f"per-neuron spectrum, {title}", xlabel="neuron", ylabel="frequency $k$"
    )
    ax.grid(False)
    fig.colorbar(image, ax=ax, label="share of the neuron's power")
total = power_end.sum(axis=0)
axes[2].bar(np.arange(total.size), total / total.sum(), color=COLORS[0])
axes[2].set(
    title="whole embedding, after grokking",
    xlabel="frequency $k$",
    ylabel="share of power",
)
plt.show()

# %%
weights = power_end.sum(axis=1)  # (width,)
top_share = power_end.max(axis=1).sum() / power_end.sum()
held = np.bincount(power_end.argmax(axis=1), weights=weights, minlength=total.size)
n_used = np.sum(held > 0.005 * weights.sum())
print(
    f"after grokking: the dominant frequency of each neuron carries {top_share:.0%} "
    "of the embedding's power"
)
print(
    f"frequencies that dominate neurons holding >= 0.5% of the power: "
    f"{n_used} of {total.size - 1}"
)
print(
    f"effective number of frequencies: per neuron (weighted) "
    f"{fourier.neuron_frequencies(power_end):.2f}, "
    f"whole embedding {fourier.effective_frequencies(total):.1f}"
)

frequencies = fourier.neuron_frequencies(np.stack([power_start, power_end]))  # (2,)
print(
    f"frequencies per neuron (weighted): {frequencies[0]:.1f} at initialisation "
    f"(about p / 4 = {p / 4:.1f} for random weights), {frequencies[1]:.2f} at the end"
)

# %%
assert top_share > 0.8  # each neuron computes with essentially one frequency
assert frequencies[1] < 1.5  # ... about one per neuron
assert (
    n_used > (total.size - 1) / 2
)  # ... but together more than half of all frequencies

# %% [markdown]
# Each neuron settles on a single frequency ({numref}`fig-modular-fourier`,
# middle), as in Gromov's analytic solution,
# where neuron $n$ computes $\cos(2\pi k_n (a + b)/p + \phi_n)$-like terms
# whose sum over neurons peaks at the right answer. Unlike Nanda et al.'s
# transformer, which uses a handful of *key frequencies*, this wide network
# spreads its neurons over many frequencies: the sparsity is per neuron.
#
# ## A progress measure, and how long before the test accuracy it moves
#
# The weighted mean number of frequencies per neuron (`fourier.neuron_frequencies`)
# starts near $p/4$ and ends near 1. We date it, and the test accuracy, by
# the book's change-point rule (`curves.transition_time`, see
# {doc}`../book/definitions`): the step at which a curve has covered half of
# its way from its value at $t_\text{fit}$ to its final plateau. Its *lead*
# is the test accuracy's half-way step minus the measure's, and we compare
# it with the grokking delay $t_\text{grok} - t_\text{fit}$. The rule for
# words, fixed before looking: a measure moves *before* the test accuracy
# when the 95% interval of its lead (a t interval over the seeds) lies
# above 0, and *long before* when the interval of its lead as a fraction of
# the delay lies above 1/4.


# %% tags=["hide-input"]
def interval(values, confidence=0.95):
    """Mean and two-sided t interval of the mean over seeds."""
    values = np.asarray(values, dtype=float)
    half = stats.t.ppf((1 + confidence) / 2, values.size - 1) * stats.sem(values)
    return values.mean(), values.mean() - half, values.mean() + half


def leads(epochs, measure, run):
    """(lead in steps, lead / delay) of a measure over the test accuracy, from t_fit."""
    t_measure = curves.transition_time(epochs, measure, start=run["t_fit"])
    t_test = curves.transition_time(run["epochs"], run["test_acc"], start=run["t_fit"])
    lead = t_test - t_measure
    return lead, lead / (run["t_grok"] - run["t_fit"])


def describe(name, lead_steps, lead_fraction):
    """Print a lead with its interval and the words the rule allows."""
    steps, fraction = interval(lead_steps), interval(lead_fraction)
    words = (
        "moves long before"
        if fraction[1] > 0.25
        else "moves before"
        if steps[1] > 0
        else "is not shown to move before"
    )
    print(
        f"{name}: lead {steps[0]:.0f} steps [{steps[1]:.0f}, {steps[2]:.0f}], "
        f"{fraction[0]:.2f} [{fraction[1]:.2f}, {fraction[2]:.2f}] of the delay "
        f"-> it {words} the test accuracy"
    )
    return words


mlp_leads = np.array(
    [leads(run["epochs"], run["neuron_frequencies"], run) for run in slow_runs]
)  # (seeds, 2)
mlp_words = describe("frequencies per neuron (MLP, 15%)", *mlp_leads.T)

# %% mystnb={"figure": {"caption": "The slow run of {numref}`fig-modular-curves-slow` (15% of the table, seed 0): train and test accuracy, and the fraction of its way from $t_\\mathrm{fit}$ to its final plateau that the weighted mean number of Fourier frequencies per neuron has covered (`curves.progress`), against the full-batch step (log axis). Dotted lines: the steps at which the measure (green) and the test accuracy (vermilion) have covered half of their way. See the measure fall while the test accuracy is still near chance, and get half-way first, by a short stretch of the delay.", "name": "fig-modular-progress"}} tags=["hide-input"]
epochs = slow["epochs"]
covered = curves.progress(epochs, slow["neuron_frequencies"], start=slow["t_fit"])
steps = np.maximum(epochs, 1)  # step 0 drawn at 1 on the log axis
fig, ax = plt.subplots()
ax.plot(steps, covered, color=COLORS[2], label="frequencies per neuron: way covered")
ax.plot(steps, slow["test_acc"], color=COLORS[3], label="test accuracy")
ax.plot(steps, slow["train_acc"], color=COLORS[0], label="train accuracy")
for values, x, color in [
    (slow["neuron_frequencies"], epochs, COLORS[2]),
    (slow["test_acc"], epochs, COLORS[3]),
]:
    ax.axvline(
        curves.transition_time(x, values, start=slow["t_fit"]),
        color=color,
        ls=":",
        lw=1,
    )
ax.set(xscale="log", xlabel="step", ylabel="accuracy; way covered")
ax.legend()
plt.show()

# %%
mlp_steps, mlp_fraction = interval(mlp_leads[:, 0]), interval(mlp_leads[:, 1])
assert mlp_steps[1] > 0  # it moves before the test accuracy ...
assert (
    mlp_fraction[2] < 0.25
)  # ... but not long before: by less than a quarter of the delay

# %% [markdown]
# The number of frequencies per neuron falls while the test accuracy is
# still near chance ({numref}`fig-modular-progress`) and gets half-way first
# in every seed, but only by about an eighth of the delay: it moves
# *before* the test accuracy, not *long before*. (Measured from step 0
# instead of $t_\text{fit}$, it falls from the first step, as the embedding
# loses its random components, and its half-way step comes earlier; from
# $t_\text{fit}$ it times what happens after the training set is fitted.)

# %% [markdown]
# ## The papers' model: Nanda et al.'s transformer
#
# Gromov's network shows grokking in seconds, but not as the papers saw it:
# its delay is about one decade, not two or three, its steps to grok change
# only a few-fold with the training fraction, and it uses almost every
# Fourier frequency. Nanda et al.'s one-layer transformer
# (`grokbook.models.ModularTransformer`) reads the tokens $(a, b, =)$ with
# learned token and position embeddings, one attention layer of 4 heads and
# one ReLU MLP of width $4 d_\text{model}$, no LayerNorm, and unembeds the
# residual stream at the last token. It is trained as in their code
# (`grokbook.tasks.modular_transformer`): full batch, cross-entropy (in
# float64, as theirs), AdamW with learning rate $10^{-3}$, weight decay 1,
# betas (0.9, 0.98) and a 10-step warm-up; they trained on 30% of the table.
#
# At their size ($p = 113$, $d_\text{model} = 128$, $d_\text{mlp} = 512$,
# 30% of the table) one full-batch training step costs about 55 ms on one
# core (`benchmarks/modular.py`); with the evaluations every 10 steps and
# the snapshots, the runs at 30% took 100-160 ms per step on a shared
# two-core machine, 12 to 26 minutes per seed. The archive holds three
# seeds at their size on 30% of the table, three more at each of 40%, 50%
# and 70%, and a smaller model run by an earlier version of this chapter:
# $p = 59$ at half their width ($d_\text{model} = 64$, 4 heads of 16,
# $d_\text{mlp} = 256$), everything else theirs, three seeds at 50% of the
# table and one at 40% and at 70%. Each run stops once it has trained 1.5
# times its $t_{99}$. They were computed from a clean commit with
#
# ```
# grokbook run modular_transformer --scale paper --seeds 3
# grokbook run modular_transformer --scale paper --seeds 3 \
#     --sweep train_fraction=0.7,0.5,0.4
# grokbook run modular_transformer --seeds 3 --set train_fraction=0.5
# grokbook run modular_transformer --set train_fraction=0.7
# grokbook run modular_transformer --set train_fraction=0.4
# ```
#
# (`--device cuda` on a GPU) and are read here from the package's archive,
# not recomputed. Claims fixed before the paper-size runs were made, from
# the papers: every seed reaches test accuracy 0.99 within their 40,000
# steps; its training accuracy reaches 1 at least 100 times earlier than
# that; the first step with test loss below 0.1 is within a factor of 2 of
# Nanda et al.'s 7,927 at 30%; a handful of key frequencies (under a
# quarter of the 56) carry most of the embedding's power; the restricted
# loss moves long before the test accuracy.

# %%
TRANSFORMER = store.archive().results("modular_transformer")
PAPER_CONFIG = experiments.get("modular_transformer").config("paper", {})
tf_runs = sorted(
    (r for r in TRANSFORMER if r.config == PAPER_CONFIG), key=lambda r: r.seed
)
small_runs = [r for r in TRANSFORMER if r.config["p"] == 59]  # the fraction sweep
tf = [r.payload for r in tf_runs]
tf_config = tf_runs[0].config
print(
    {
        k: tf_config[k]
        for k in (
            "p",
            "d_model",
            "n_heads",
            "d_mlp",
            "train_fraction",
            "lr",
            "weight_decay",
            "betas",
        )
    }
)
tf_times = {
    "t_fit": np.array([run["t_fit"] for run in tf]),
    "t_train_1": np.array(
        [curves.first_epoch_at(run["epochs"], run["train_acc"], 1.0) for run in tf]
    ),
    "t_99": np.array([run["t_99"] for run in tf]),
    "t_grok": np.array([run["t_grok"] for run in tf]),
    "t_loss_01": np.array([run["t_loss_01"] for run in tf]),
}
for seed, run in enumerate(tf):
    print(
        f"seed {seed}: train accuracy 1 at step {tf_times['t_train_1'][seed]:.0f}, "
        f"t_fit = {run['t_fit']:.0f}, t_99 = {run['t_99']:.0f}, "
        f"t_grok = {run['t_grok']:.0f}, test loss < 0.1 at {run['t_loss_01']:.0f}; "
        f"{run['epochs'][-1]} steps, "
        f"{run['wall_time'] / run['epochs'][-1] * 1e3:.0f} ms each"
    )
tf_decades = np.log10(tf_times["t_grok"] / tf_times["t_fit"])
tf_decades_99 = np.log10(tf_times["t_99"] / tf_times["t_train_1"])
mlp_decades = np.log10(slow_delay)
for name, values in [
    ("transformer, log10(t_grok / t_fit)", tf_decades),
    ("transformer, log10(t_99 / first step with train accuracy 1)", tf_decades_99),
    ("quadratic MLP at 15%, log10(t_grok / t_fit)", mlp_decades),
]:
    mean, low, high = interval(values)
    print(f"{name}: {mean:.2f} decades [{low:.2f}, {high:.2f}]")

# %% mystnb={"figure": {"caption": "Nanda et al.'s transformer at their size, on 30% of the table of $a + b \\bmod 113$ (three seeds, from the archive): cross-entropy (left, log scale) and accuracy (right) on the training (blue) and test pairs (vermilion) against the full-batch step (log axis). Dotted lines: each seed's $t_\\mathrm{fit}$ (blue) and $t_\\mathrm{grok}$ (vermilion). What to see: the training set fitted by step 150, the test accuracy below 0.2 for more than a decade of steps after it while the test loss climbs to several times that of a uniform guess, then both turning within a few hundred steps.", "name": "fig-transformer-curves"}} tags=["hide-input"]
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.6))
for seed, run in enumerate(tf):
    steps = np.maximum(run["epochs"], 1)
    for split, color in [("train", COLORS[0]), ("test", COLORS[3])]:
        label = split if seed == 0 else None
        ax_loss.plot(steps, run[f"{split}_loss"], color=color, alpha=0.7, label=label)
        ax_acc.plot(steps, run[f"{split}_acc"], color=color, alpha=0.7, label=label)
    for ax in (ax_loss, ax_acc):
        ax.axvline(run["t_fit"], color=COLORS[0], ls=":", lw=1)
        ax.axvline(run["t_grok"], color=COLORS[3], ls=":", lw=1)
for ax in (ax_loss, ax_acc):
    ax.set(xscale="log", xlabel="step")
ax_loss.set(yscale="log", ylabel="cross-entropy")
ax_acc.set(ylabel="accuracy")
ax_acc.legend()
plt.show()

# %%
peak_test_loss = np.array([run["test_loss"].max() for run in tf])
print(
    f"test loss: {tf[0]['test_loss'][0]:.2f} at step 0 (ln {tf_config['p']} = "
    f"{np.log(tf_config['p']):.2f}), peaks at {np.round(peak_test_loss, 1)} "
    "while memorising"
)
initial_test_loss = np.array([run["test_loss"][0] for run in tf])
# Nanda et al.'s table: first epoch with test loss < 0.1, by training fraction
nanda = {0.9: 242, 0.7: 216, 0.5: 950, 0.4: 3101, 0.3: 7927, 0.25: 21833}
NANDA_LOSS_01_AT_30 = nanda[tf_config["train_fraction"]]  # 7927
loss_01_ratio = tf_times["t_loss_01"].mean() / NANDA_LOSS_01_AT_30
print(
    f"first step with test loss < 0.1: {tf_times['t_loss_01'].astype(int)}, "
    f"mean / Nanda et al.'s {NANDA_LOSS_01_AT_30}: {loss_01_ratio:.2f}"
)
print(
    "training accuracy 1 at least 100 times before test accuracy 0.99 "
    "(fixed before the runs):",
    "holds" if np.all(tf_decades_99 >= 2) else "FAILED",
    "- ratio per seed:",
    np.round(10**tf_decades_99).astype(int),
)
assert np.all(np.isfinite(tf_times["t_99"]))  # every seed: test accuracy 0.99
assert np.all(tf_decades > 1)  # more than a decade from fitting to generalising
assert 0.5 < loss_01_ratio < 2  # Nanda et al.'s time to test loss 0.1, within 2x
assert np.all(
    peak_test_loss > 1.1 * initial_test_loss
)  # memorising: the test loss rises

# %% [markdown]
# The transformer memorises its training pairs by step 150, its test loss
# climbing to 16-27 nats, far above the 4.7 of a uniform guess, and
# generalises 1.3 to 1.7 decades later ({numref}`fig-transformer-curves`).
# Of the claims fixed before these runs, four hold: every seed reaches test
# accuracy 0.99 well within Nanda et al.'s 40,000 steps, more than a
# decade after it fits; and its test loss falls below 0.1 at 2,810-7,540
# steps, 0.72 of Nanda et al.'s 7,927 on average, within the factor of 2
# fixed beforehand (one seed, at 2,810, groks 2.5 times sooner than the other
# two: the spread over seeds is large, and three seeds give the mean to
# about 30%). One FAILED: training accuracy 1 comes 19 to 51 times, not 100
# times, before test accuracy 0.99. Neither this nor the quadratic network
# reaches the two to three decades of Power et al., whose two-layer
# transformer trained on mini-batches and took close to $10^6$ steps to
# generalise in their Fig. 1; at their size and recipe, Nanda et al.'s
# one-layer model groks after several thousand steps, as theirs did.
#
# ### Key frequencies
#
# Nanda et al. found that their network computes with five *key
# frequencies* of $\mathbb{Z}_{113}$ (14, 35, 41, 42 and 52 in their main
# run): the embedding is sparse in the Fourier basis, and the MLP neurons
# fall into clusters, one per key frequency. We count them by a rule fixed
# in the code before the runs (`grokbook.probes.progress`): each MLP
# neuron's activation over the whole table, centred, is expanded in the 2-D
# Fourier basis of $(a, b)$; the frequency $k$ whose terms ($1$, $\cos k$,
# $\sin k$ of $a$ times those of $b$) explain most of its variance is the
# neuron's frequency (counted only where it explains at least half); a
# frequency is *key* when its neurons hold at least 5% of the MLP's
# variance.

# %%
for seed, run in enumerate(tf):
    power = run["embedding_power"][-1][1:]  # (K,): frequencies 1 .. (p - 1) / 2
    keys = run["key_frequencies"]
    in_keys = power[keys - 1].sum() / power.sum()
    held = run["frequency_shares"][keys - 1].sum()
    print(
        f"seed {seed}: key frequencies {keys.tolist()} ({keys.size} of {power.size}); "
        f"their neurons hold {held:.0%} of the MLP's variance, "
        f"the embedding puts {in_keys:.0%} of its power in them"
    )


def key_share(run, step):
    """Share of the embedding's power (k >= 1) in the key frequencies at a step."""
    power = run["embedding_power"][np.searchsorted(run["snapshot_epochs"], step)][1:]
    return power[run["key_frequencies"] - 1].sum() / power.sum()


print(
    "share of the embedding's power in the key frequencies at step 0, t_fit, "
    "t_grok and the end:"
)
for seed, run in enumerate(tf):
    shares = [
        key_share(run, step)
        for step in (0, run["t_fit"], run["t_grok"], run["snapshot_epochs"][-1])
    ]
    print(f"seed {seed}: " + ", ".join(f"{x:.2f}" for x in shares))
tf_key_counts = np.array([run["key_frequencies"].size for run in tf])
tf_key_power = np.array(
    [
        run["embedding_power"][-1][1:][run["key_frequencies"] - 1].sum()
        / run["embedding_power"][-1][1:].sum()
        for run in tf
    ]
)

# %% mystnb={"figure": {"caption": "Where the trained transformers compute (three seeds, from the archive). Left: the share of the embedding's Fourier power in each frequency $k$ of $\\mathbb{Z}_{113}$ at the end of training; key frequencies (by the rule above) in colour, the rest grey. Middle: the share of the MLP's activation variance held by the neurons of each frequency; dashed line: the 5% that makes a frequency key. Right: seed 0's embedding spectrum over training (each column normalised), against the step (log axis). See a handful of frequencies carry the embedding and the neurons at the end, and the spectrum concentrate on them during the long plateau after fitting.", "name": "fig-transformer-fourier"}} tags=["hide-input"]
fig, axes = plt.subplots(1, 3, figsize=(14, 3.6), layout="constrained")
width = 0.8 / len(tf)
for seed, run in enumerate(tf):
    power = run["embedding_power"][-1][1:]
    k = np.arange(1, power.size + 1)
    colors = [COLORS[seed] if kk in run["key_frequencies"] else "0.75" for kk in k]
    axes[0].bar(k + (seed - 1) * width, power / power.sum(), width=width, color=colors)
    axes[1].bar(
        k + (seed - 1) * width,
        run["frequency_shares"],
        width=width,
        color=COLORS[seed],
        label=f"seed {seed}",
    )
axes[0].set(xlabel="frequency $k$", ylabel="share of embedding power")
axes[1].axhline(tf_config["min_share"], color="k", ls="--", lw=1)
axes[1].set(xlabel="frequency $k$", ylabel="share of MLP variance")
axes[1].legend()
spectrum = tf[0]["embedding_power"][:, 1:]
spectrum = spectrum / spectrum.sum(axis=1, keepdims=True)
snap = np.maximum(tf[0]["snapshot_epochs"], 1)
image = axes[2].pcolormesh(
    snap,
    np.arange(1, spectrum.shape[1] + 1),
    spectrum.T,
    cmap="Blues",
    shading="nearest",
)
axes[2].set(
    xscale="log",
    xlabel="step",
    ylabel="frequency $k$",
    title="seed 0: embedding spectrum",
)
fig.colorbar(image, ax=axes[2], label="share of power")
plt.show()

# %%
n_frequencies = (tf_config["p"] - 1) // 2
assert np.all(tf_key_counts <= n_frequencies / 4)  # a handful: under a quarter of them
assert np.all(tf_key_power > 0.5)  # ... carrying most of the embedding's power
assert (
    n_used > 4 * tf_key_counts.max()
)  # the quadratic network's many, against these few

# %% [markdown]
# Each trained transformer computes with a handful of key frequencies
# ({numref}`fig-transformer-fourier`), different in each seed, as Nanda et
# al. found: five of 56 in their main run, here five, three and three of
# 56. Their neurons hold 98-100% of the MLP's variance, and the embedding
# puts 88-95% of its power into them (6-9% at step 0). The embedding's
# spectrum narrows onto them during the long plateau after the fit, and
# goes on narrowing after the test accuracy has settled (the clean-up).
# Gromov's network, above, spreads its neurons over most of the
# frequencies: "a few key frequencies" is the transformer's, not the
# quadratic network's.
#
# ### Restricted and excluded loss
#
# Knowing the key frequencies, Nanda et al. split the logits $L$ of the
# whole table into the part along $\cos(w_k(a + b))$ and $\sin(w_k(a + b))$,
# $w_k = 2\pi k/p$, for the key $k$, and the rest (`grokbook.probes.progress`):
# the *restricted loss* is the cross-entropy over the whole table of the key
# part alone (plus each answer's mean logit), the *excluded loss* the
# cross-entropy over the training pairs with the key part removed. Both are
# computed at snapshots of each run, with the key frequencies of its end.
# The restricted loss falls as the Fourier circuit forms; the excluded loss
# rises as the circuit, rather than memorisation, comes to fit the training
# set. We date both, and the test loss, by the change-point rule from
# $t_\text{fit}$, and give each one's lead over the test accuracy by the
# rule of the MLP's progress measure above.

# %%
tf_leads = {}
for name in ("restricted_loss", "excluded_loss"):
    tf_leads[name] = np.array(
        [leads(run["snapshot_epochs"], run[name], run) for run in tf]
    )
tf_leads["test_loss"] = np.array(
    [leads(run["epochs"], run["test_loss"], run) for run in tf]
)
tf_words = {
    name: describe(f"{name.replace('_', ' ')} (transformer)", *values.T)
    for name, values in tf_leads.items()
}

# %% mystnb={"figure": {"caption": "Nanda et al.'s progress measures for the transformer, seed 0 (from the archive): training and test loss (blue, vermilion), restricted loss (green: the key frequencies alone, whole table) and excluded loss (purple: the key frequencies removed, training pairs), all cross-entropies (log scale), against the full-batch step (log axis); grey: the test accuracy (right axis). Dotted lines: where the restricted loss, the excluded loss and the test accuracy have covered half their way from $t_\\mathrm{fit}$ to their final plateaus. What to see: the restricted loss leave its start and the excluded loss climb while the test accuracy is still low; on this log scale most of the restricted loss's fall comes with the test accuracy.", "name": "fig-transformer-progress"}} tags=["hide-input"]
run = tf[0]
snap = np.maximum(run["snapshot_epochs"], 1)
steps = np.maximum(run["epochs"], 1)
fig, ax = plt.subplots(figsize=(8, 4))
ax.plot(steps, run["train_loss"], color=COLORS[0], label="train loss")
ax.plot(steps, run["test_loss"], color=COLORS[3], label="test loss")
ax.plot(
    snap, run["restricted_loss"], "o-", ms=2, color=COLORS[2], label="restricted loss"
)
ax.plot(snap, run["excluded_loss"], "o-", ms=2, color=COLORS[4], label="excluded loss")
ax.set(xscale="log", yscale="log", xlabel="step", ylabel="cross-entropy")
right = ax.twinx()
right.plot(steps, run["test_acc"], color="0.6", lw=1)
right.set(ylabel="test accuracy", ylim=(0, 1.02))
right.grid(False)
for x, values, color in [
    (run["snapshot_epochs"], run["restricted_loss"], COLORS[2]),
    (run["snapshot_epochs"], run["excluded_loss"], COLORS[4]),
    (run["epochs"], run["test_acc"], "0.4"),
]:
    ax.axvline(
        curves.transition_time(x, values, start=run["t_fit"]), color=color, ls=":", lw=1
    )
ax.legend(loc="lower left")
plt.show()

# %%
restricted_steps, restricted_fraction = (
    interval(v) for v in tf_leads["restricted_loss"].T
)
excluded_steps, excluded_fraction = (interval(v) for v in tf_leads["excluded_loss"].T)
assert (
    restricted_fraction[1] > 0.25
)  # the restricted loss moves long before the test accuracy
print(
    "excluded loss, lead / delay per seed:",
    np.round(tf_leads["excluded_loss"][:, 1], 2),
)
assert np.all(
    tf_leads["excluded_loss"][:, 0] > 0
)  # the excluded loss moves first, every seed
assert (
    interval(tf_leads["test_loss"][:, 1])[2] < 0.25
)  # the test loss does not lead by much

# %% [markdown]
# The restricted loss starts falling soon after the fit, while the test
# accuracy is still below 0.15 ({numref}`fig-transformer-progress`): the
# key frequencies alone already put far more than chance probability on the
# right answers of the whole table, while the full network's answers on the
# test pairs are dominated by its memorised components. By the rule it
# moves long before the test accuracy: its half-way step, about 2.3 nats
# down from 4.5, comes 0.60 of the delay ahead (95% interval 0.49-0.71 over
# three seeds). On the figure's log scale most of its fall, six orders of
# magnitude, comes with the test accuracy; the rule times the first nats,
# which is what "moves first" means here. The excluded loss rises as the
# circuit takes over the fitting of the training set, to 14-24 nats, and
# falls back a little in the clean-up, when weight decay removes the
# memorised components. It gets half-way before the test accuracy in every
# seed, but only by 0.05-0.23 of the delay, and its interval includes zero:
# by our rule its lead is not shown. The test loss moves with the test
# accuracy, a few percent of the delay ahead. Nanda et al.'s restricted loss
# is reproduced as a progress measure at their size; their excluded loss
# points the same way, late and without a conclusive interval.
#
# ### Steps to grok against the training fraction
#
# Nanda et al. give, for their transformer on $a + b \bmod 113$, the first
# epoch at which the test loss falls below 0.1. Beside their table: our
# transformer by the same criterion, at their size (three seeds per
# fraction) and the smaller one ($p = 59$, half width), and the quadratic
# network's $t_{99}$
# from the sweep above (its loss is a squared error, so their criterion does
# not apply to it).

# %%
tf_fraction = {}
for r in small_runs:
    tf_fraction.setdefault(r.config["train_fraction"], []).append(
        r.payload["t_loss_01"]
    )
tf_fraction = {f: np.array(v) for f, v in sorted(tf_fraction.items())}
tf_fraction_decades = {
    f: [np.log10(r.payload["t_grok"] / r.payload["t_fit"]) for r in small_runs
        if r.config["train_fraction"] == f]
    for f in tf_fraction
}
for f, values in tf_fraction_decades.items():
    print(
        f"transformer, p = 59, at {f:.0%}: "
        f"log10(t_grok / t_fit) = {np.round(values, 2)}"
    )
paper_size = {k: v for k, v in PAPER_CONFIG.items() if k != "train_fraction"}
paper_fraction = {}  # their size, every archived fraction
for r in TRANSFORMER:
    if {k: v for k, v in r.config.items() if k != "train_fraction"} == paper_size:
        paper_fraction.setdefault(r.config["train_fraction"], []).append(
            r.payload["t_loss_01"]
        )
paper_fraction = {f: np.array(v) for f, v in sorted(paper_fraction.items())}
fractions_all = sorted(set(nanda) | set(tf_fraction) | set(budgets))
low = min(tf_fraction)  # the smallest fraction with an archived run
tf_span = np.median(tf_fraction[low]) / np.median(tf_fraction[0.7])
nanda_span = nanda[low] / nanda[0.7]
mlp_span = np.median(t_99[low]) / np.median(t_99[0.7])
print(
    f"steps at {low:.0%} / steps at 70%: transformer {tf_span:.1f}, "
    f"Nanda et al. {nanda_span:.1f}, quadratic MLP (t_99) {mlp_span:.1f}"
)


def seeds_text(steps, f):
    """The seeds' steps at fraction f, or '-'."""
    return " / ".join(f"{x:.0f}" for x in steps.get(f, [])) or "-"


pd.DataFrame(
    {
        "Nanda et al., p = 113": [nanda.get(f, "-") for f in fractions_all],
        "ours, p = 113": [seeds_text(paper_fraction, f) for f in fractions_all],
        "ours, p = 59": [seeds_text(tf_fraction, f) for f in fractions_all],
        "MLP, p = 97: t_99": [
            f"{np.median(t_99[f]):.0f}" if f in t_99 else "-" for f in fractions_all
        ],
    },
    index=pd.Index(fractions_all, name="fraction"),
)

# %% mystnb={"figure": {"caption": "Steps to grok (log scale) against the training fraction. Squares: Nanda et al.'s transformer on $a + b \\bmod 113$, first epoch with test loss below 0.1 (their table). Diamonds and line: our transformer at their size, the same criterion (three seeds per fraction, line through the medians; from the archive). Triangles: the smaller transformer on $a + b \\bmod 59$ at half their width (each seed; from the archive). Dots: the quadratic network on $a + b \\bmod 97$, $t_{99}$ (median of three seeds). What to see: our transformer at their size follows their points within a factor of 2 at every fraction, the smaller one falls with the fraction about as steeply as theirs, and the quadratic network hardly moves.", "name": "fig-modular-fraction-models"}} tags=["hide-input"]
fig, ax = plt.subplots()
ax.plot(
    list(nanda),
    list(nanda.values()),
    "s--",
    color=COLORS[3],
    label="Nanda et al., p = 113: test loss < 0.1",
)
for steps, marker, color, name in [
    (tf_fraction, "^", COLORS[2], "p = 59, half width"),
    (paper_fraction, "D", COLORS[4], "p = 113, their size"),
]:
    for f, values in steps.items():
        ax.plot(np.full(values.size, f), values, marker, color=color, alpha=0.8)
    medians_of = [np.median(v) for v in steps.values()]
    ax.plot(list(steps), medians_of, "-", color=color, label=f"transformer, {name}")
ax.plot(
    fractions,
    medians,
    "o-",
    color=COLORS[0],
    label="quadratic MLP, p = 97: test accuracy ≥ 0.99",
)
ax.set(xlabel="training fraction", ylabel="steps to grok", yscale="log")
ax.legend()
plt.show()

# %%
assert nanda_span / 3 < tf_span < 3 * nanda_span  # the transformer: as steep as theirs
paper_span = np.mean(paper_fraction[0.4]) / np.mean(paper_fraction[0.7])
paper_ratios = {f: np.mean(v) / nanda[f] for f, v in paper_fraction.items()}
print(
    f"their size: steps at 40% / 70% {paper_span:.1f} (Nanda et al. {nanda_span:.1f}); "
    "mean / theirs at each fraction:",
    {f"{f:.0%}": round(float(ratio), 2) for f, ratio in paper_ratios.items()},
)
assert nanda_span / 3 < paper_span < 3 * nanda_span  # their size: as steep as theirs
assert all(0.5 < ratio < 2 for ratio in paper_ratios.values())  # each within 2x
assert mlp_span < nanda_span / 3  # the quadratic network: much flatter

# %% [markdown]
# At their size our transformer needs 0.65 to 1.44 times Nanda et al.'s
# steps at each of the four fractions, within the factor of 2 fixed before
# the runs ({numref}`fig-modular-fraction-models`), and its steps fall with
# the fraction as theirs do: 6.6-fold from 70% to 40%, against their
# 14.4, within the factor of 3 fixed beforehand but less steep: our runs
# at 70% need 1.44 times their steps, those at 30-50% about two thirds.
# The smaller transformer needs more steps than theirs at every fraction
# and falls 12.4-fold over the same range (one seed at 40% and at 70%).
# The quadratic network hardly changes over that range.
#
# ### Which model shows what
#
# The two models divide the chapter between them. Gromov's network shows, in
# seconds, that a network can fit its training set and generalise later,
# that less data and weight decay move the delay, and that what it learns
# is Fourier modes, one per neuron. The transformer shows what is specific
# to the papers' model: steps to grok that match Nanda et al.'s table
# within a factor of 2 and fall with the fraction as theirs do,
# a handful of key frequencies, and a progress measure, the restricted loss,
# that moves long before the test accuracy; at their size and recipe it
# groks when theirs did. Neither shows the two to three decades of delay
# of Power et al.'s set-up.

# %% [markdown]
# ## Summary
#
# Each row is a claim asserted above; the paper's column holds only the
# papers' numbers; the verdict says whether this chapter reproduces it, with
# which model and at what scale.


# %% tags=["hide-input"]
def span(values):
    """'mean [low, high]' of a t interval over seeds."""
    mean, low, high = interval(values)
    return f"{mean:.2f} [{low:.2f}, {high:.2f}]"


summary = pd.DataFrame(
    [
        (
            "delay from fitting to generalising (decades)",
            "two to three (Power et al.)",
            "quadratic MLP, p = 97, 15%",
            span(mlp_decades),
            "partly: one decade",
        ),
        (
            "delay from fitting to generalising (decades)",
            "two to three (Power et al.)",
            "transformer, p = 113, their size, 30%",
            span(tf_decades),
            "partly: 1.6 decades, not two to three",
        ),
        (
            "delay from fitting to generalising (decades)",
            "two to three (Power et al.)",
            "transformer, p = 59, half width, 40%, 1 seed",
            f"{tf_fraction_decades[0.4][0]:.2f}",
            "partly: 1.6 decades",
        ),
        (
            "steps from training accuracy 1 to test accuracy 0.99 (ratio)",
            "about 10^3 (Power et al., Fig. 1)",
            "transformer, p = 113, their size, 30%",
            " / ".join(f"{x:.0f}" for x in 10**tf_decades_99),
            "partly: 19-51, not 100 (claim fixed before: FAILED)",
        ),
        (
            "steps to test loss < 0.1 at 30% of the table",
            f"{NANDA_LOSS_01_AT_30} (Nanda et al., p = 113)",
            "transformer, p = 113, their size",
            " / ".join(f"{t:.0f}" for t in tf_times["t_loss_01"]),
            "reproduced (0.72 of theirs; within 2x, fixed before)",
        ),
        (
            "steps to test loss < 0.1, 40% / 70% of the table",
            f"{nanda_span:.1f} (Nanda et al., p = 113)",
            "transformer, p = 113, their size, 3 seeds each",
            f"{paper_span:.1f}",
            "reproduced (within a factor 3; less steep)",
        ),
        (
            f"steps to test loss < 0.1, {low:.0%} / 70% of the table",
            f"{nanda_span:.1f} (Nanda et al., p = 113)",
            "transformer, p = 59, half width, 1 seed each",
            f"{tf_span:.1f}",
            "reproduced (within a factor 3)",
        ),
        (
            "the same for the quadratic MLP (t_99)",
            f"{nanda_span:.1f} (Nanda et al.)",
            "quadratic MLP, p = 97",
            f"{mlp_span:.1f}",
            "not reproduced (flat)",
        ),
        (
            "weight decay speeds grokking",
            "most helpful intervention (Power et al.)",
            "quadratic MLP, p = 97, 20%",
            f"t_99 {wd_steps[0]:.0f} without, {wd_steps[2]:.0f} with 5",
            "reproduced",
        ),
        (
            "key frequencies",
            "5 of 56 (Nanda et al.)",
            "transformer, p = 113, their size",
            f"{', '.join(str(n) for n in tf_key_counts)} of {n_frequencies}",
            "reproduced",
        ),
        (
            "key frequencies",
            "5 of 56 (Nanda et al.)",
            "quadratic MLP, p = 97",
            f"{n_used} of {total.size - 1} (one per neuron)",
            "not reproduced",
        ),
        (
            "restricted loss moves before test accuracy (lead / delay)",
            "long before (Nanda et al.)",
            "transformer, p = 113, their size",
            span(tf_leads["restricted_loss"][:, 1]),
            "reproduced",
        ),
        (
            "excluded loss moves before test accuracy (lead / delay)",
            "before (Nanda et al.)",
            "transformer, p = 113, their size",
            span(tf_leads["excluded_loss"][:, 1]),
            "partly: every seed, interval includes 0",
        ),
        (
            "Fourier measure moves before test accuracy (lead / delay)",
            "-",
            "quadratic MLP, p = 97, 15%",
            span(mlp_leads[:, 1]),
            "before, not long before",
        ),
    ],
    columns=["claim", "paper", "model and scale", "this chapter", "verdict"],
)
summary

# %% [markdown]
# ## Exercises
#
# 1. Try `operation="div"` (division mod 97). Does it grok as fast as
#    addition? Why could the Fourier basis of $\mathbb{Z}_p$ be the wrong one
#    for it? (Hint: multiplication is addition of discrete logarithms.)
# 2. Switch the loss to `"cross_entropy"` in the config. What happens to the
#    delay at 40% of the table?
# 3. Set `width` to 32 and 512. How do the steps to grok change, and how many
#    distinct frequencies does the embedding use?
