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
# # Synthesis: every probe on the same runs
#
# Each paper of this book watches grokking through its own instrument: the
# Fourier spectrum of an embedding for modular arithmetic
# {cite}`power2022,nanda2023,gromov2023`, weight sparsity and the number of
# gradient principal components for the Ising classifier {cite}`hutchison2025`,
# the effective dimension of a representation for rule learning
# {cite}`zunkovic2024`, and the scaling of gradient avalanches across model
# sizes, $D(t)$, for XOR {cite}`wang2026`. Each paper shows its probe on its
# own task. None of them asks which probe moves *first* on the same run, or
# whether a probe that works on one task works on another. This chapter does:
# one training run per task (seed 0, plus two more seeds where runs are cheap),
# every probe measured on the same snapshots, and one rule for when a curve
# makes its transition.
#
# ```{admonition} Objectives
# :class: tip
# - Measure six probes (weight norm, weight sparsity, participation ratio,
#   gradient PCA components, representation dimension, Fourier frequencies)
#   on the snapshots of one run of each of three tasks; add $D(t)$ on XOR,
#   the task that has several model scales.
# - Time every curve, the test accuracy included, with the same change-point
#   rule, and tabulate which probe moves before the test accuracy and by how much.
# - Say where a probe does *not* move first.
#
# Prerequisites: {doc}`00_modular_arithmetic`, {doc}`02_ising_grokking`,
# {doc}`03_rule_learning`, {doc}`04_dimensional_transition`.
# ```

# %% tags=["remove-cell"]
# Colab only: install grokbook. Does nothing elsewhere.
import sys

if "google.colab" in sys.modules:
    import subprocess

    REPO = "git+https://github.com/grokbook/grokbook@v0.1.0"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", REPO], check=True)

# %%
import textwrap
import time
from functools import partial

import matplotlib.pyplot as plt
import numpy as np

from grokbook import book, curves, probes
from grokbook.tasks import ising_bins, modular, xor
from grokbook.train import History, train

SCALE = book.setup(seed=0, threads=1)
COLORS = book.COLORS
PAPER = SCALE == "paper"
SEED = 0  # the shared seed of every task
print("probes:", ", ".join(probes.PROBES))

# %% [markdown]
# ## The probes and the one rule
#
# `grokbook.probes.probe_snapshot` is a snapshot callback of the book's
# training loop; at each snapshot epoch it measures, on a fixed set of test
# samples:
#
# | probe | what | from |
# |---|---|---|
# | `weight_norm` | $\lVert w \rVert_2$ of all weight matrices | weight decay / Omnigrok {cite}`liu2023omnigrok` |
# | `sparsity` | fraction of weights with $\lvert w\rvert < 0.01$ | Ising paper, Fig. 10 |
# | `participation` | $(\sum\lvert w\rvert)^2 / (N \sum w^2)$, dense $\to$ sparse without a threshold | chapter {doc}`02_ising_grokking` |
# | `n90` | principal components for 90% of the variance of the per-sample gradients of the run's own loss | Ising paper, Fig. 15 |
# | `rep_dimension` | $e^{S}$, $S$ the entropy of the normalised PCA spectrum of a hidden layer | rule-learning paper |
# | `fourier` | Fourier frequencies a typical neuron of the embedding uses | modular arithmetic, chapter {doc}`00_modular_arithmetic` |
#
# The first five apply to any network; `fourier` needs an embedding of
# $\mathbb{Z}_p$ and exists only for modular addition.
#
# **When does a curve move?** Every curve $v(t)$, the test accuracy
# included, gets the same treatment (`curves.transition_time`, the book's
# clock): its
# *progress* $\pi(t) = (v(t) - v(t_\mathrm{fit})) / (v_\infty - v(t_\mathrm{fit}))$
# runs from 0 at $t_\mathrm{fit}$ to 1 on its final plateau $v_\infty$ (the
# mean of the last 10% of the points, as for $t_\mathrm{fit}$ and
# $t_\mathrm{grok}$), and its transition time is the first epoch after
# $t_\mathrm{fit}$ at which $\pi = 1/2$. A curve that moves after
# $t_\mathrm{fit}$ by less than 10% of its whole range has no transition
# (NaN). The *lead* of a probe is $t_\mathrm{test} - t_\mathrm{probe}$
# (positive: the probe moves first), also given as a fraction of the
# grokking window $t_\mathrm{grok} - t_\mathrm{fit}$. Falling and rising
# curves are treated alike, and the rule has one free number, the level 1/2.

# %%
LEVEL = 0.5


def leads(history: History, start: float, end: float) -> dict[str, dict[str, float]]:
    """Transition times and leads of every probe of a run (the chapter's one rule)."""
    return probes.lead_times(history, start=start, end=end, level=LEVEL)


def last_hidden(model, X):
    """The representation of every probe: the model's last hidden layer (n, width)."""
    return model.hidden(X)[-1]


def probed_run(setup, n_epochs, eval_every, snapshot_every, seed, **probe) -> History:
    """Train one run of a task (``build``'s Setup) with every probe every few epochs.

    The gradient probe differentiates the loss the run trains with.
    """
    data, model, optimizer, loss_fn = setup
    snapshot = partial(
        probes.probe_snapshot, loss_fn=loss_fn, representation=last_hidden, seed=seed,
        **probe,
    )
    snapshot_epochs = tuple(range(0, n_epochs + 1, snapshot_every))
    return train(
        model, data, optimizer, n_epochs=n_epochs, loss_fn=loss_fn,
        eval_every=eval_every, snapshot_epochs=snapshot_epochs, snapshot=snapshot,
        seed=seed, progress=False,
    )


runs: dict[str, list[History]] = {}  # task -> the runs of its seeds (seed 0 first)
# task -> the window (start, end) of each run: (t_fit, t_grok), on XOR (0, t_learn)
windows: dict[str, list[tuple[float, float]]] = {}

# %% [markdown]
# ## Task 1: modular addition
#
# Gromov's quadratic network on $a + b \bmod 97$ with the recipe of chapter
# {doc}`00_modular_arithmetic` (AdamW, learning rate $10^{-2}$, weight decay 5,
# MSE on one-hot targets), but on 15% of the table, the chapter's slow
# setting, where the test accuracy lags the training accuracy by more than a
# decade of steps and the lead of a probe can be resolved. Three seeds (the
# split and the initialisation), snapshots every 40 steps on 128 test pairs.
# The hidden representation is the layer after the square. The gradient
# probe differentiates the run's own loss, the MSE.

# %%
MOD_EPOCHS, MOD_EVERY, MOD_SNAP = 1500, 20, 40
MOD_SEEDS = range(5 if PAPER else 3)


def modular_run(seed: int) -> History:
    """One run of the chapter-0 recipe at 15% training data, with every probe."""
    setup = modular.build({"train_fraction": 0.15}, seed)  # p = 97, MSE, AdamW
    return probed_run(
        setup, MOD_EPOCHS, MOD_EVERY, MOD_SNAP, seed,
        embedding=lambda m: m.embedding, n_samples=128,
    )


start = time.perf_counter()
runs["modular"] = [modular_run(seed) for seed in MOD_SEEDS]
seconds = {"modular": time.perf_counter() - start}
windows["modular"] = [(h.t_fit(), h.t_grok()) for h in runs["modular"]]
print("modular addition, (t_fit, t_grok) per seed:", windows["modular"])

# %% [markdown]
# ## Task 2: Ising energy bins
#
# The paper's network and recipe exactly as in chapter {doc}`02_ising_grokking`
# (bias-free ReLU MLP $64 \to 48^{\times 4} \to 4$, initialisation scale
# $c = 7$, Adam with L2 weight decay $5 \times 10^{-4}$, learning rate
# $5 \times 10^{-4}$, full batch, 4000 training lattices), one seed. This is
# the expensive task: it groks only after $\sim 16{,}000$ epochs, and
# neither a four times larger learning rate nor a four times larger weight
# decay made it grok within 8,000-10,000 epochs when we tried, nor did a
# training set of 1000 lattices with the larger learning rate (our trial
# runs, not shown; test accuracy 0.57-0.67 at their end). So the default
# scale runs 20,000 epochs, the shortest run whose test accuracy settles on
# its plateau (chapter 2 runs the same); `GROKBOOK_SCALE=paper` runs the
# paper's 25,000. Snapshots every 500 epochs on 128 test lattices; the
# representation is the last hidden layer.

# %%
ISING = ising_bins.DEFAULT_CONFIG  # the paper's recipe: Adam + L2, beta = 1, c = 7
ISING_EPOCHS = 25_000 if PAPER else 20_000

start = time.perf_counter()
ising_history = probed_run(
    ising_bins.build(ISING, SEED), ISING_EPOCHS, ISING["eval_every"],
    ISING["snapshot_every"], SEED, n_samples=128,
)
seconds["ising"] = time.perf_counter() - start
runs["ising"] = [ising_history]
windows["ising"] = [(ising_history.t_fit(), ising_history.t_grok())]
print("Ising energy bins, (t_fit, t_grok):", windows["ising"],
      " (chapter 2: t_fit = 2250, t_grok = 16250, same recipe and seed)")

# %% [markdown]
# ## Task 3: XOR, at several model scales
#
# The 2 $\to h \to$ 1 tanh networks of chapter {doc}`04_dimensional_transition`
# in mean-field parametrisation. XOR has no held-out points: its test set is
# its training set, so the "grokking" is the escape from a loss plateau, and
# the book's $t_\mathrm{grok}$ (a test accuracy that rises after the training
# set is fitted) does not exist. The run's learning time is
# $t_\mathrm{learn}$, the clock's $t_\mathrm{fit}$ (`xor.t_learn`): the epoch
# from which all four points stay correct. The window is therefore taken from
# epoch 0 to $t_\mathrm{learn}$, and the transitions are sought from the start
# of training; in the table and figures below, XOR's window plays the part of
# $[t_\mathrm{fit}, t_\mathrm{grok}]$.
#
# XOR is the one task with several model scales, which $D(t)$ needs. The
# sweep of `xor.run_xor` trains four widths (eight at paper scale) and three
# seeds (six), recording gradient snapshots; we repeat the width-50 runs
# with every probe attached. The training loop is deterministic and the
# probes consume no random numbers, so these are *the same runs*, which the
# next cell checks bit for bit.

# %%
if PAPER:
    XOR_CONFIG = xor.XORConfig()
else:
    XOR_CONFIG = xor.XORConfig(widths=(20, 50, 126, 316), n_seeds=3)
XOR_WIDTH = 50
XOR_SNAP = int(XOR_CONFIG.snapshot_epochs[1])  # 51 evenly spaced snapshots


def xor_run(seed: int) -> History:
    """The width-50 run of the sweep with every probe attached (same init and steps)."""
    setup = xor.build(XOR_CONFIG, seed, width=XOR_WIDTH)
    return probed_run(
        setup, XOR_CONFIG.n_epochs, XOR_CONFIG.eval_every, XOR_SNAP, seed, n_samples=4
    )


start = time.perf_counter()
sweep = xor.run_xor(XOR_CONFIG, progress=False)
runs["xor"] = [xor_run(seed) for seed in range(XOR_CONFIG.n_seeds)]
seconds["xor"] = time.perf_counter() - start
width_index = XOR_CONFIG.widths.index(XOR_WIDTH)
same = [
    np.array_equal(h.train_loss, s.train_loss)
    and np.array_equal(h.test_acc, s.test_acc)
    for h, s in zip(runs["xor"], sweep.histories[width_index])
]
windows["xor"] = [(0, xor.t_learn(h)) for h in runs["xor"]]
print(f"XOR, width {XOR_WIDTH}: (0, t_learn) per seed:", windows["xor"])
print("probe runs identical to the sweep's runs:", same)
assert all(same)

# %%
# NBVAL_IGNORE_OUTPUT
print("wall time per task:", {k: f"{v:.0f} s" for k, v in seconds.items()})

# %% [markdown]
# Every run fits and then generalises (XOR: learns) completely:

# %%
for task, histories in runs.items():
    for h, (start, end) in zip(histories, windows[task]):
        assert h.train_acc[-1] == 1.0 and np.isfinite([start, end]).all()
        assert end > start
print({task: [round(float(h.test_acc[-1]), 3) for h in runs[task]] for task in runs})

# %% [markdown]
# ## All probes on one time axis
#
# The raw curves first ({numref}`fig-synthesis-raw`): one column per task
# (seed 0), one row per curve, with $t_\mathrm{fit}$ and $t_\mathrm{grok}$ marked.

# %% mystnb={"figure": {"caption": "The raw curves of one run of each task (seed 0, one column per task): the test accuracy (top row, orange) and the probes of `probes.PROBES` (blue) against the training epoch (one full-batch step; the Ising task runs more than ten times longer). Dotted lines: $t_\\mathrm{fit}$ and $t_\\mathrm{grok}$ (on XOR, 0 and $t_\\mathrm{learn}$). Every probe is dimensionless: the weight norm is the L2 norm of the weights, sparsity and participation ratio are fractions, the others count components, dimensions or frequencies. The Fourier probe exists only for modular addition; it falls steadily through the grokking window.", "name": "fig-synthesis-raw"}}
TASKS = {
    "modular": "modular addition",
    "ising": "Ising energy bins",
    "xor": f"XOR, width {XOR_WIDTH}",
}
names = list(probes.PROBES)
shape = (len(names) + 1, len(TASKS))
fig, axes = plt.subplots(*shape, figsize=(10, 14), sharex="col", layout="constrained")
for column, task in enumerate(TASKS):
    h = runs[task][0]
    epochs, series = probes.probe_curves(h)
    panels = [("test accuracy", h.epochs, h.test_acc)]
    panels += [(n, epochs, series.get(n)) for n in names]
    drawn = []
    for ax, (name, x, y) in zip(axes[:, column], panels):
        if y is None:  # no embedding of Z_p: no Fourier probe
            ax.axis("off")
            continue
        ax.plot(x, y, color=COLORS[1] if name == "test accuracy" else COLORS[0])
        for t in windows[task][0]:
            ax.axvline(t, color="grey", lw=0.8, ls=":")
        drawn.append(ax)
    axes[0, column].set_title(TASKS[task])
    # the lowest panel drawn, not the hidden one below it
    drawn[-1].xaxis.set_tick_params(labelbottom=True)
    drawn[-1].set_xlabel("epoch")
for ax, name in zip(axes[:, 0], ["test accuracy"] + names):
    ax.set_ylabel(textwrap.fill(probes.PROBES.get(name, name), 22), fontsize=9)
plt.show()

# %% [markdown]
# Now every curve as its progress $\pi(t)$ from $t_\mathrm{fit}$ (0) to its
# plateau (1), on one axis per task, time in units of the grokking window:
# $(t - t_\mathrm{fit}) / (t_\mathrm{grok} - t_\mathrm{fit})$, so that
# $t_\mathrm{fit}$ is at 0 and $t_\mathrm{grok}$ at 1. A curve that crosses
# $\pi = 1/2$ (the dashed line) left of the test accuracy moves first.

# %% mystnb={"figure": {"caption": "Every curve of {numref}`fig-synthesis-raw` as its progress $\\pi(t)$, 0 at $t_\\mathrm{fit}$ and 1 on its final plateau, against time in units of the grokking window, $(t - t_\\mathrm{fit}) / (t_\\mathrm{grok} - t_\\mathrm{fit})$ (on XOR $t_\\mathrm{fit} = 0$). Black: the test accuracy; dashed line: $\\pi = 1/2$, the level at which the transition times are read; dotted lines: $t_\\mathrm{fit}$ and $t_\\mathrm{grok}$. A probe that crosses the dashed line left of the black curve moves first: the weight norm, the Fourier frequencies and the representation dimension (whose change is tiny) on modular addition, the weight norm on the Ising task, none on XOR.", "name": "fig-synthesis-progress"}}
fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), sharey=True, layout="constrained")
for ax, task in zip(axes, TASKS):
    h = runs[task][0]
    start, end = windows[task][0]
    epochs, series = probes.probe_curves(h)

    def scale(t):
        return (np.asarray(t, dtype=float) - start) / (end - start)

    test_progress = curves.progress(h.epochs, h.test_acc, start=start)
    ax.plot(scale(h.epochs), test_progress, "k", lw=2.5, label="test accuracy")
    for k, name in enumerate(names):
        if name in series:
            color, label = COLORS[k % len(COLORS)], probes.PROBES[name]
            progress = curves.progress(epochs, series[name], start=start)
            ax.plot(scale(epochs), progress, color=color, lw=1.2, label=label)
    ax.axhline(LEVEL, color="grey", ls="--", lw=0.8)
    ax.axvline(0, color="grey", ls=":", lw=0.8)
    ax.axvline(1, color="grey", ls=":", lw=0.8)
    xlabel = "$(t - t_{fit}) / (t_{grok} - t_{fit})$"
    ax.set(title=TASKS[task], xlabel=xlabel, xlim=(-0.1, 1.6), ylim=(-1.0, 1.6))
axes[0].set_ylabel("progress $\\pi(t)$")
# modular addition has every probe
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=4)
plt.show()

# %% [markdown]
# ## Which probe moves first
#
# The table: for each task and probe, the transition time and the lead over
# the test accuracy, in epochs and as a fraction of $t_\mathrm{grok} -
# t_\mathrm{fit}$. With several seeds, the mean, and in brackets the
# smallest and largest over seeds; "no transition" when the rule finds none
# in a seed (counted). The last column says how much the probe moves
# after $t_\mathrm{fit}$: its plateau relative to its value at $t_\mathrm{fit}$.

# %%
table = {  # task -> per seed: curve -> transition time, lead, ...
    task: [leads(h, start, end) for h, (start, end) in zip(runs[task], windows[task])]
    for task in TASKS
}


def column(task: str, name: str, key: str) -> np.ndarray:
    """(n_seeds,) values of one entry of the lead table (NaN: no transition)."""
    return np.array([seed.get(name, {}).get(key, np.nan) for seed in table[task]])


def cell(values: np.ndarray, digits: int) -> str:
    """Mean [min, max] over seeds, and how many seeds have no transition."""
    ok = values[np.isfinite(values)]
    if ok.size == 0:
        return "no transition"
    text = f"{ok.mean():.{digits}f}"
    if values.size > 1:
        text += f" [{ok.min():.{digits}f}, {ok.max():.{digits}f}]"
    if ok.size < values.size:
        text += f" ({values.size - ok.size} of {values.size} none)"
    return text


header = ("transition epoch", "lead, epochs", "lead / (t_grok - t_fit)")
print(f"{'task':<8} {'curve':<14} " + "".join(f"{h:<27}" for h in header)
      + "change after t_fit")
for task in TASKS:
    for name in ["test_acc"] + names:
        if name in table[task][0]:
            keys = (("t", 0), ("lead", 0), ("lead_fraction", 2))
            row = [cell(column(task, name, key), digits) for key, digits in keys]
            moved = np.mean(column(task, name, "change"))
            moved = "" if name == "test_acc" else f"{moved:+.1%}"
            print(f"{task:<8} {name:<14} " + "".join(f"{c:<27}" for c in row) + moved)

# %%
lead = {
    task: {n: column(task, n, "lead_fraction") for n in names if n in table[task][0]}
    for task in TASKS
}
change = {
    task: {n: np.mean(column(task, n, "change")) for n in lead[task]} for task in TASKS
}
# the probes with a transition in every seed
timed = {
    task: [n for n in lead[task] if np.isfinite(lead[task][n]).all()] for task in TASKS
}
first = {task: max(timed[task], key=lambda n: np.mean(lead[task][n])) for task in TASKS}
spread = {
    task: {n: float(np.ptp(lead[task][n])) for n in timed[task]}
    for task in ("modular", "xor")
}
print("earliest probe (largest mean lead):", first)
for task, by_probe in spread.items():
    print(f"{task}: spread of the lead over seeds (max - min, in windows):",
          {n: round(s, 2) for n, s in by_probe.items()})
    print(f"  noisiest: {max(by_probe, key=by_probe.get)}, "
          f"steadiest: {min(by_probe, key=by_probe.get)}")

# %% [markdown]
# The table, task by task:
#
# - **Modular addition.** Three probes move before the test accuracy in
#   every seed: the Fourier frequencies per neuron (by 0.11 of the window,
#   the same in all three seeds to 0.01), the weight norm (0.24, but between
#   0.10 and 0.33) and the representation dimension (0.37, between 0.29 and
#   0.54). The last is a weak signal: it changes by under 5% of its value
#   after $t_\mathrm{fit}$, where the Fourier probe falls by more than 90%.
#   The weight sparsity and the gradient components *lag* the test accuracy
#   in every seed (the gradient components, of the MSE the runs train with,
#   by anything from 0.02 to 0.32 of the window: the noisiest probe), and the
#   participation ratio has no transition after $t_\mathrm{fit}$ at all.
# - **Ising energy bins** (one seed). Only the weight norm moves clearly
#   first, by about 2,200 epochs, 0.14 of the window. The participation
#   ratio, the gradient components and the representation dimension make
#   their transitions with the test accuracy, within one snapshot interval
#   (500 epochs); the sparsity lags by about 1,600 epochs.
# - **XOR.** No probe moves before the accuracy, in any seed; all of them
#   follow it, by 0.17 to 1.05 of $t_\mathrm{learn}$ depending on the probe
#   and the seed, and the participation ratio has no transition.
#
# "No transition" does not mean "flat". On modular addition and XOR the
# participation ratio dips during the window and comes back to where it was
# at $t_\mathrm{fit}$ ({numref}`fig-synthesis-raw`): a non-monotone signal, which a
# rule that looks for the way to a new plateau cannot time. The same holds
# for $D(t)$ below.

# %%
m, i = lead["modular"], {n: float(v[0]) for n, v in lead["ising"].items()}
# lead in every seed; lag in every seed
assert all(np.all(m[n] > 0) for n in ("fourier", "weight_norm", "rep_dimension"))
assert np.all(m["sparsity"] < 0) and np.all(m["n90"] < 0)
others = [s for n, s in spread["modular"].items() if n != "fourier"]
assert spread["modular"]["fourier"] < 0.05 and min(others) > 0.1
assert abs(change["modular"]["rep_dimension"]) < 0.05
assert abs(change["modular"]["fourier"]) > 0.5
assert "participation" not in timed["modular"] and "participation" not in timed["xor"]
ising_start, ising_end = windows["ising"][0]
ising_snapshot_interval = ISING["snapshot_every"] / (ising_end - ising_start)
assert i["weight_norm"] > 0.1 and i["sparsity"] < -0.1
with_test = ("participation", "n90", "rep_dimension")
assert all(abs(i[n]) < ising_snapshot_interval for n in with_test)
assert all(np.all(lead["xor"][n] < 0) for n in timed["xor"])  # nothing leads on XOR

# %% [markdown]
# ## $D(t)$ on XOR
#
# $D(t)$ is a property of a *family* of models: the slope of
# $\log S_{\max}$ against $\log N$ across the model scales at one epoch.
# Modular addition and the Ising task are run at one scale here, so $D(t)$
# is measured only on XOR (four widths at the default scale, eight at paper
# scale), with chapter {doc}`04_dimensional_transition`'s probe: one
# Barabasi-Albert graph per size, the default toppling rule.

# %%
graphs = probes.scale_graphs(XOR_CONFIG.N)
S = probes.cascade_sizes(sweep.gradients, graphs)  # (n_widths, n_seeds, n_snapshots)
dimension = probes.effective_dimension(XOR_CONFIG.N, S)
snap = XOR_CONFIG.snapshot_epochs
t_learn_all = sweep.t_learn  # (n_widths, n_seeds)
D_rule = curves.transition_time(snap, dimension.D, start=0, level=LEVEL)
t_min = float(snap[np.argmin(dimension.D)])
t_cross = curves.crossing_time(snap, dimension.D, 1.0, after_minimum=True)
print(f"D(t): {dimension.D[0]:.2f} at epoch 0, minimum {dimension.D.min():.2f} "
      f"at epoch {t_min:.0f}, back through 1 at epoch {t_cross:.0f}")
print(f"t_learn over all {t_learn_all.size} runs: median {np.median(t_learn_all):.0f}, "
      f"range {t_learn_all.min():.0f}-{t_learn_all.max():.0f}")
xor_test = np.array([
    curves.transition_time(h.epochs, h.test_acc, start=0, level=LEVEL)
    for row in sweep.histories
    for h in row
])
print(f"test accuracy, the book's rule, all {xor_test.size} runs: median "
      f"{np.median(xor_test):.0f}, range {xor_test.min():.0f}-{xor_test.max():.0f}")
print(f"the book's rule on D(t): {D_rule:.0f}, a lead of "
      f"{np.median(xor_test) - D_rule:.0f} epochs on the median run")

# %% mystnb={"figure": {"caption": "$D(t)$ on XOR, the exponent of the largest gradient avalanche $S_\\max \\sim N^{D}$ across the model sizes $N$ of the sweep, with its 90% bootstrap band over seeds, against the training epoch. Ticks at the bottom: $t_\\mathrm{learn}$ of each run of the sweep; dotted line: $D = 1$. $D(t)$ dips below 1 before the median run learns and comes back through 1 after it, then drifts down again late in training.", "name": "fig-synthesis-dimension"}}
fig, ax = plt.subplots(figsize=(8, 3.6))
ax.fill_between(snap, dimension.low, dimension.high, color=COLORS[0], alpha=0.25, lw=0)
ax.plot(snap, dimension.D, color=COLORS[0], marker=".", label="$D(t)$, 90% band")
ax.axhline(1, color="grey", ls=":", lw=1)
ticks = np.full(t_learn_all.size, dimension.low.min() - 0.02)
label = "$t_{learn}$ of each run"
ax.plot(t_learn_all.ravel(), ticks, "|", color=COLORS[3], ms=12, label=label)
ax.set(xlabel="epoch", ylabel="$D(t)$")
ax.legend()
plt.show()

# %% [markdown]
# $D(t)$ dips significantly below 1 ({numref}`fig-synthesis-dimension`; its
# 90% band stays under 1 at the minimum) and comes back through 1 after the
# runs have learnt, as in chapter {doc}`04_dimensional_transition`: the
# minimum comes before the median $t_\mathrm{learn}$ and the return after it. Read with the book's
# one rule, $D(t)$ has a transition before the median run's test accuracy,
# but only by accident of the rule: $D(t)$ ends below its start (it drifts
# down again late in training, at this reduced scale), so the half-way mark
# between start and end is crossed on the way into the dip. And $D(t)$
# belongs to the whole family of runs: the runs' own test-accuracy
# transitions spread over several hundred epochs around it, so it cannot
# warn of any one run.

# %%
assert dimension.high[np.argmin(dimension.D)] < 1
assert t_min < np.median(t_learn_all) < t_cross
assert D_rule < np.median(xor_test) and xor_test.min() < D_rule < xor_test.max()
assert dimension.D[-5:].mean() < dimension.D[0]

# %% [markdown]
# ## Summary
#
# One rule (half-way from $t_\mathrm{fit}$ to the final plateau) applied to
# every curve of the same runs:
#
# | task | moves before test accuracy | with it | after it | no transition |
# |---|---|---|---|---|
# | modular addition (3 seeds) | Fourier frequencies (0.11 of $t_\mathrm{grok} - t_\mathrm{fit}$, steadiest), weight norm (0.24), representation dimension (0.37, tiny) | | sparsity, gradient components (noisiest) | participation |
# | Ising energy bins (1 seed) | weight norm (0.14) | participation, gradient components, representation dimension | sparsity | |
# | XOR, width 50 (3 seeds) | none | | all | participation |
#
# - The only probe that moves first on both tasks with a held-out set is the
#   **weight norm**, and it fails on XOR, where nothing leads: there the
#   "grokking" is the escape from a plateau with no memorising phase to
#   leave, and every probe follows the accuracy.
# - The Fourier probe is the steadiest early warning where it exists
#   (modular addition), as in chapter {doc}`00_modular_arithmetic`, but it
#   exists only for tasks with a group structure.
# - The Ising paper's own probes, sparsity and gradient components
#   {cite}`hutchison2025`, rise *with* or *after* the test accuracy on its
#   task and lag it on modular addition: they describe grokking but do not
#   predict it.
# - $D(t)$ {cite}`wang2026`, on XOR, dips before the median run learns and
#   recovers after it, but as a property of the family of runs it does not
#   time any one run.
#
# Uncertainty: three seeds for modular addition and XOR (the brackets in the
# table), one for the Ising task, whose run costs most of this chapter's
# time; the rule's level (1/2) is a choice, and exercise 1 varies it.
#
# **What ran at reduced scale.** The Ising task is the paper's recipe for
# 20,000 epochs (25,000 at paper scale), one seed; modular addition three
# seeds (five); XOR four widths and three seeds (eight and six). The issue
# asked for confidence intervals over seeds for every task and for a
# comparison with stored full-scale runs made by the CLI; neither is done
# here (no `synthesis` experiment is registered yet).
#
# ## Exercises
#
# 1. Change the rule's level from 1/2 to 1/10 (`LEVEL = 0.1`): an *onset*
#    instead of a half-way time. Does the ranking of the probes change?
# 2. Run the modular task at 30% training data, where $t_\mathrm{grok} -
#    t_\mathrm{fit}$ is a few tens of steps. Can any probe still lead?
# 3. Train modular addition at four widths and measure $D(t)$ there, as the
#    companion paper of {cite}`wang2026` does. Does it move before the
#    Fourier probe?
# 4. Replace the half-way rule by a change point fitted with two linear
#    pieces (e.g. `scipy.optimize.curve_fit`). Which probes' times move most?
