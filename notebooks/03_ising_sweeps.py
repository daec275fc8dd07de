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
# # Seeds, sweeps and the phase task
#
# Chapter {doc}`02_ising_grokking` followed one training run of Hutchison and
# Yevick's network {cite}`hutchison2025` through grokking. One run is one
# draw of the initial weights: this chapter asks which of its numbers are
# properties of the task and which are luck of the draw, and how the delay
# responds to the settings the paper varies: the softmax inverse temperature
# $\beta$, the weight decay and the initial scale $c$. It then counts the
# configurations the task is made of, exactly, and trains the same network on
# the classic phase task of Carrasquilla and Melko {cite}`carrasquilla2017`.
#
# ```{admonition} Objectives
# :class: tip
# - Measure $t_\text{fit}$, $t_\text{grok}$ and the test plateau over several seeds
#   at the paper's scale (25,000 epochs).
# - Sweep $\beta$, weight decay, $c$ and dropout (5 values each) and compare
#   the direction of each effect with the paper's.
# - Test whether $\beta$ is the initial scale $c$ in disguise, run against run.
# - Count the configurations of every energy level exactly (transfer matrix)
#   and predict from it how much a test set overlaps the training set.
# - Train the network on ordered vs disordered configurations: does it grok?
# ```
#
# **What is computed here and what is loaded.** The training runs behind
# the seed bands and sweeps take hours of CPU time (a 25,000-epoch run
# about 2.5 minutes on one core, a 40,000-epoch one 4), far beyond this
# book's three-minute budget per chapter. They were run with the command
# line, at the paper's scale,
#
# ```bash
# grokbook run ising_grokking --scale paper --seeds 5 --sweep beta=0.25,0.5,1
# grokbook run ising_grokking --scale paper --seeds 5 --set n_epochs=40000 \
#     --sweep beta=2,4
# grokbook run ising_phase --scale paper --seeds 5
# ```
#
# (every command is in `scripts/ising_paper_runs.sh`), and are shipped
# with the package in its results archive (`grokbook.store.archive()`),
# each file holding the config, seed, package version, git commit and
# library versions that produced it; the test command recomputes one of
# each and compares it with the archive. The paper-scale runs are 25,000
# epochs, and 40,000 where a shorter run's $t_\text{grok}$ passed 70% of
# it (`ising_bins.PAPER_LONG_RUNS`), with snapshots every 500 epochs. They
# treat subnormal floats as zero (`flush_denormals`), which makes the late
# a 25,000-epoch run 4.7 times faster (about 730 s to 155 s here) and does not
# move the delays (checked below). The dropout sweep runs at the paper's
# width, 144, with three seeds (each run costs four times as much). The
# transfer matrix and a short check of the $\beta$-$c$ algebra run here.

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
import torch
from scipy import stats

from grokbook import book, curves, experiments, ising, store
from grokbook.book import COLORS
from grokbook.curves import grokking_times
from grokbook.tasks import ising_bins, ising_phase

book.setup(seed=0, threads=1)
EXPERIMENT = experiments.get("ising_grokking")
SPLITS = (("train_acc", COLORS[0], "train"), ("test_acc", COLORS[1], "test"))


def timed(payload: dict) -> dict:
    """A stored run with its times and verdict read by the book's clock."""
    return {**payload, **grokking_times(payload)._asdict()}


def runs(scale: str = "paper", **overrides) -> list[dict]:
    """Every archived seed of one setting, read by the book's clock."""
    config = EXPERIMENT.config(scale, overrides)
    archived = store.archive().results(EXPERIMENT.name, config)
    return [timed(result.payload) for result in archived]


def grokked(run: dict) -> bool:
    """The clock's verdict: the test accuracy rose >= 0.1 after t_fit and settled."""
    return run["grokked"]


def delay(run: dict) -> float:
    """t_grok - t_fit (NaN for a run that did not grok)."""
    return run["delay"]


def mean_and_error(values: np.ndarray) -> tuple[float, float]:
    """Mean and standard error over the finite values (NaN, NaN if fewer than two)."""
    finite = np.asarray(values, dtype=float)[np.isfinite(values)]
    if finite.size < 2:
        return float("nan"), float("nan")
    return float(finite.mean()), float(finite.std(ddof=1) / np.sqrt(finite.size))


# %% [markdown]
# ## Seeds of the default run
#
# The default settings ($\beta = 1$, weight decay $5 \times 10^{-4}$,
# $c = 7$, Adam with L2), several initialisations on the same data, 25,000
# epochs each.
# The times and the verdict "grokked or not" are the book's clock
# ({doc}`../book/definitions`), applied to the archived curves by `timed`
# above (`grokking_times(payload)`), so they are read by today's definitions
# whatever the version that stored them.

# %%
default = runs()
N = len(default)  # seeds archived
epochs = default[0]["epochs"]
for key in ("t_fit", "t_grok", "delay", "test_at_fit", "test_plateau"):
    values = np.array([run[key] for run in default])
    form = "{:.3f}" if key.startswith("test") else "{:.0f}"
    row = "  ".join(form.format(v).rjust(6) for v in values)
    print(f"{key:>12}: {row}   mean {form.format(values.mean())} "
          f"+- {form.format(values.std(ddof=1))}")

# %% mystnb={"figure": {"caption": "Train (blue) and test (orange) accuracy of the default run (25,000 epochs) over the archived seeds: the line is the mean, the band the range over seeds. The dashed line is the paper's test plateau, 0.83. What to see: every seed fits the training set by epoch 2,250 and reaches its test plateau 12,750 to 16,000 epochs later.", "name": "fig-ising-seeds"}} tags=["hide-input"]
fig, ax = plt.subplots(figsize=(8, 3.6))
for key, color, label in SPLITS:
    band = np.array([run[key] for run in default])  # (seeds, evals)
    ax.plot(epochs, band.mean(axis=0), color=color, label=f"{label} (mean of {N})")
    ax.fill_between(epochs, band.min(axis=0), band.max(axis=0), color=color, alpha=0.25,
                    lw=0)
ax.axhline(0.83, color="grey", ls="--", lw=1)
ax.set(xlabel="epoch", ylabel="accuracy", ylim=(0.2, 1.02))
ax.legend(loc="lower right")
plt.show()

# %% [markdown]
# Every seed groks: its test accuracy rises from about 0.55 at $t_\text{fit}$
# to a plateau of 0.82, near the paper's 0.83, about 14,000 epochs after the
# training set is fitted. The paper's $t_\text{grok}$, about 17,000, is
# within our seeds' spread; its $t_\text{fit}$ is not: our network fits at
# about 2,000 epochs, where the paper's has not fitted at 5,000. Chapter
# 2's single run was typical.

# %% [markdown]
# The claims, each against the paper's number with a tolerance fixed
# before looking: its figures are read to about 0.01 in accuracy and 1,000
# epochs in time, and to that we add three standard errors over seeds.
# The paper's network is fitted between its snapshots at 5,000 (not yet)
# and 10,000 epochs (fitted); we expect ours to fit earlier, as chapter 2's
# single run did.

# %%
t_fit, t_grok, plateaus = (np.array([run[key] for run in default])
                           for key in ("t_fit", "t_grok", "test_plateau"))
sem = {name: values.std(ddof=1) / np.sqrt(N) for name, values in
         (("t_fit", t_fit), ("t_grok", t_grok), ("plateau", plateaus))}
assert all(grokked(run) for run in default)
assert abs(plateaus.mean() - 0.83) < 0.01 + 3 * sem["plateau"]
assert abs(t_grok.mean() - 17_000) < 1_000 + 3 * sem["t_grok"]
assert t_fit.mean() + 3 * sem["t_fit"] < 5_000  # fits before the paper's window

# %% [markdown]
# **Subnormal floats.** Late in a run the network's logits reach several
# hundred, the softmax saturates, and numbers below $1.2 \times 10^{-38}$
# (subnormal floats) flow through the backward pass; each costs the CPU
# a slow microcode path. The paper-scale runs treat them as zero
# (`flush_denormals`), which changes the numbers of a run but should not
# change its physics. Five runs were made both ways before the switch
# ($\beta = 0.25$, seeds 0-2; $\beta = 0.5$, seeds 0-1). The claim, the
# book's usual: the mean delays agree within three standard errors.

# %%
for value in (0.25, 0.5):
    plain = runs(beta=value, flush_denormals=False)
    flushed = runs(beta=value)[: len(plain)]  # the same seeds
    (d_plain, e_plain), (d_flushed, e_flushed) = (
        mean_and_error([delay(run) for run in seeds]) for seeds in (plain, flushed))
    z = (d_flushed - d_plain) / np.hypot(e_plain, e_flushed)
    print(f"beta = {value}: t_grok without flushing "
          f"{[int(run['t_grok']) for run in plain]}, with "
          f"{[int(run['t_grok']) for run in flushed]}; delays "
          f"{d_plain:.0f} +- {e_plain:.0f} and {d_flushed:.0f} +- {e_flushed:.0f}")
    assert abs(z) < 3

# %% [markdown]
# ## Sweeps: $\beta$, weight decay, $c$, dropout
#
# The paper varies one setting at a time (its Figs. 3-5): the delay
# $t_\text{grok} - t_\text{fit}$ shrinks as $\beta$ decreases, shrinks as the
# weight decay grows (without it the network never generalises), and grows
# with $c$ (at the default initialisation, $c = 1$, there is no grokking).
# Dropout after each hidden layer of a width-144 network (its Figs. 12-13)
# suppresses grokking from $p = 0.04$ on. It gives the trends as figures, not
# the values it used; ours bracket the defaults (`ising_bins.SWEEPS`).
# Every sweep runs at the paper's scale, the dropout sweep at its width 144
# with three seeds (five for the others). A run
# counts as grokking when the clock gives it a $t_\text{grok}$: its test
# plateau lies at least 0.1 above its test accuracy at $t_\text{fit}$ (a test
# curve that never rises has no $t_\text{grok}$, and no delay).

# %%
sweeps = {
    name: {value: runs(**ising_bins.sweep_config(name, value))
           for value in values}
    for name, (key, values, _) in ising_bins.SWEEPS.items()
}
for name, by_value in sweeps.items():
    print(name)
    for value, seeds in by_value.items():
        mean_delay, delay_error = mean_and_error([delay(run) for run in seeds])
        mean = {key: np.mean([run[key] for run in seeds]) for key in
                ("t_fit", "test_at_fit", "test_plateau")}
        print(f"  {value:<8g} t_fit {mean['t_fit']:6.0f}  "
              f"delay {mean_delay:6.0f} +- {delay_error:5.0f}"
              f"  test {mean['test_at_fit']:.3f} -> {mean['test_plateau']:.3f}"
              f"  grokked {sum(grokked(run) for run in seeds)}/{len(seeds)}")

# %% [markdown]
# A verdict should not hang on the 0.1 of the clock. Below: the rise of
# the test accuracy after $t_\text{fit}$ (its plateau minus its value at
# $t_\text{fit}$) of each setting's seeds, and how many seeds the clock calls
# grokked with the threshold halved and doubled.

# %%
verdict_rows = []
for name, by_value in sweeps.items():
    for value, seeds in by_value.items():
        rises = [run["test_plateau"] - run["test_at_fit"] for run in seeds]
        row = {"sweep": name, "value": value, "smallest rise": min(rises),
               "largest rise": max(rises)}
        for min_rise in (0.05, 0.1, 0.2):
            row[f"grokked at {min_rise}"] = sum(
                grokking_times(run, min_rise=min_rise).grokked for run in seeds)
        verdict_rows.append(row)
verdict_table = pd.DataFrame(verdict_rows)
verdict_table.round({"smallest rise": 3, "largest rise": 3})

# %% [markdown]
# For 19 of the 20 settings the verdict is the same at every threshold:
# the rise is above 0.2 in every seed, or below 0.05. One lies in between:
# $c = 3$ (rises 0.14-0.16) groks at 0.05 and 0.1 but not at 0.2; dropout
# $p = 0.1$ comes closest to the halved threshold from below (0.02-0.05).
# Where "grokked or not" is a matter
# of threshold, the figure below shows the rise itself beside the delay,
# and the claims are about the rise, which has no threshold: it falls with
# the dropout probability, and rises with $c$, each step by more than three
# standard errors over seeds.

# %%
def rise(run: dict) -> float:
    return run["test_plateau"] - run["test_at_fit"]


def by_value(name: str, measure=rise) -> np.ndarray:
    """(values, 2): a measure's mean and standard error over seeds at each value."""
    return np.array([mean_and_error([measure(run) for run in seeds])
                     for seeds in sweeps[name].values()])


def steps(name: str, measure=rise) -> np.ndarray:
    """Steps of a measure's mean between neighbouring values, in standard errors."""
    mean, error = by_value(name, measure).T
    return np.diff(mean) / np.hypot(error[1:], error[:-1])


print("dropout, steps of the rise in standard errors:",
      np.round(steps("dropout"), 1).tolist())
print("c, steps of the rise in standard errors:",
      np.round(steps("init_scale"), 1).tolist())

# %%
assert np.all(steps("dropout")[:3] < -3)  # p = 0 -> 0.02 -> 0.04 -> 0.1
assert np.all(steps("init_scale")[:2] > 3)  # c = 1 -> 3 -> 5

# %% mystnb={"figure": {"caption": "Top: the grokking delay $t_\\mathrm{grok} - t_\\mathrm{fit}$ (epochs; mean and standard error over seeds) against the softmax inverse temperature $\\beta$, the weight decay, the initial scale $c$ and the dropout probability $p$ (width 144), the other settings at their defaults; open circles: no seed grokked, so there is no delay. Bottom: the rise of the test accuracy after $t_\\mathrm{fit}$, with the clock's threshold 0.1 (dashed) and its half and double (dotted). What to see: the delay grows with $\\beta$, $c$ and the dropout probability and falls with weight decay; where grokking switches off (no weight decay, $c = 1$, $p \\ge 0.1$) the rise falls to near zero, through an intermediate value at $c = 3$.", "name": "fig-ising-sweeps"}} tags=["hide-input"]
XLABELS = {"beta": "$\\beta$", "weight_decay": "weight decay ($10^{-4}$)",
           "init_scale": "$c$", "dropout": "dropout $p$ (%)"}
LINTHRESH = {"beta": 0.25, "weight_decay": 2.5e-4, "dropout": 0.02}  # symlog axes
TICK_UNIT = {"weight_decay": 1e4, "dropout": 100}
fig, axes = plt.subplots(2, 4, figsize=(13, 6), sharey="row", sharex="col")
for column, (name, (key, values, _)) in enumerate(ising_bins.SWEEPS.items()):
    ax_delay, ax_rise = axes[:, column]
    x = np.asarray(values, dtype=float)
    for ax, measure in ((ax_delay, "delay"), (ax_rise, "rise")):
        mean, error = np.array([
            mean_and_error([run["delay"] if measure == "delay" else rise(run)
                            for run in sweeps[name][v]]) for v in values]).T
        ax.errorbar(x, mean, yerr=error, color=COLORS[0], fmt="-o", capsize=3)
    none = np.array([not any(grokked(run) for run in sweeps[name][v]) for v in values])
    ax_delay.plot(x[none], np.zeros(none.sum()), "o", mfc="white", color=COLORS[0])
    for level, style in ((0.05, ":"), (0.1, "--"), (0.2, ":")):
        ax_rise.axhline(level, color="grey", lw=1, ls=style)
    ax_rise.set(xlabel=XLABELS[name])
    ax_delay.set_title("width 144" if name == "dropout" else "width 48",
                       fontsize="medium")
    if name in LINTHRESH:
        ax_rise.set_xscale("symlog", linthresh=LINTHRESH[name])
    ax_rise.set_xticks(x, [f"{v * TICK_UNIT.get(name, 1):g}" for v in x])
    ax_rise.minorticks_off()
axes[0, 0].set(ylabel="delay (epochs)")
axes[1, 0].set(ylabel="test rise after $t_\\mathrm{fit}$")
plt.show()

# %% [markdown]
# Each trend the paper reports holds at its scale: the mean delay grows
# with $\beta$ and with $c$ at every step and shrinks with the weight decay;
# without weight decay no seed generalises (its test accuracy stays at the
# level it had at $t_\text{fit}$), and at the default initialisation,
# $c = 1$, no seed groks: the network generalises as it fits (0.796 on the
# test set at $t_\text{fit}$, rising slowly to 0.819). Below, each step
# between neighbouring values in standard errors, then the claims.

# %%
def n_grokked(name: str) -> np.ndarray:
    return np.array([sum(grokked(run) for run in seeds)
                     for seeds in sweeps[name].values()])


def n_seeds(name: str) -> np.ndarray:
    return np.array([len(seeds) for seeds in sweeps[name].values()])


def end_to_end(name: str, first: int, last: int) -> float:
    """Mean delay at value index ``last`` minus at ``first``, in standard errors."""
    (m1, e1), (m2, e2) = by_value(name, delay)[[first, last]]
    return (m2 - m1) / np.hypot(e1, e2)


print({name: np.round(steps(name, delay), 1).tolist() for name in sweeps})

# %% [markdown]
# The claims, fixed before the paper-scale runs were made: every seed
# groks wherever the paper's curves grok, and none where they do not; the
# delay moves the paper's way from one end of each range to the other by
# more than three standard errors, and no step between neighbouring values
# goes the other way by more than three. At $c = 3$ the quick runs' rise
# depended on the threshold, so $c = 3$ is left out of the count. For
# dropout at width 144, fixed before its runs: every seed groks at $p = 0$
# and none from $p = 0.04$ on, as in the paper's Fig. 12 ($p = 0.02$ is
# left open).

# %%
assert np.all(n_grokked("beta") == n_seeds("beta"))
assert end_to_end("beta", 0, -1) > 3 and np.all(steps("beta", delay) > -3)
assert n_grokked("weight_decay")[0] == 0
assert np.all(n_grokked("weight_decay")[1:] == n_seeds("weight_decay")[1:])
assert end_to_end("weight_decay", 1, -1) < -3
assert np.all(steps("weight_decay", delay)[1:] < 3)
assert n_grokked("init_scale")[0] == 0
assert np.all(n_grokked("init_scale")[2:] == n_seeds("init_scale")[2:])
assert end_to_end("init_scale", 2, -1) > 3
assert np.all(steps("init_scale", delay)[2:] > -3)
assert n_grokked("dropout")[0] == n_seeds("dropout")[0]  # p = 0 at width 144 groks
print("dropout claim fixed before the runs, no seed groks from p = 0.04 on:",
      "holds" if np.all(n_grokked("dropout")[2:] == 0) else "FAILED",
      "- seeds grokked per p:", n_grokked("dropout").tolist())
c1 = {key: np.mean([run[key] for run in sweeps["init_scale"][1.0]])
      for key in ("test_at_fit", "t_fit", "test_plateau")}
print(f"c = 1: test accuracy {c1['test_at_fit']:.3f} at t_fit = {c1['t_fit']:.0f}, "
      f"plateau {c1['test_plateau']:.3f}")

# %% [markdown]
# **Dropout is where we part from the paper.** Its Figs. 12-13 have
# $p = 0.04$ already speed up generalisation and suppress grokking, at
# width 144. Ours, at that width, still groks at $p = 0.04$ in every seed,
# and *later* than without dropout; grokking switches off only between
# $p = 0.04$ and $0.1$. At $p = 0.1$ and $0.2$ the training accuracy
# (measured without dropout) needs several thousand epochs to fit and the
# test accuracy rises with it, as the paper describes for $p > 0.05$.

# %%
for value, seeds in sweeps["dropout"].items():
    grok, grok_error = mean_and_error([run["t_grok"] for run in seeds])
    print(f"p = {value:<4g} t_fit {np.mean([run['t_fit'] for run in seeds]):6.0f}"
          f"  t_grok {grok:6.0f} +- {grok_error:4.0f}"
          f"  rise {np.round([rise(run) for run in seeds], 3).tolist()}")
long_004 = sweeps["dropout"][0.04]  # 40,000 epochs (ising_bins.PAPER_LONG_RUNS)
short_004 = runs(**{**ising_bins.sweep_config("dropout", 0.04), "n_epochs": 25_000})
for name, seeds in [("25,000", short_004), ("40,000", long_004)]:
    print(f"p = 0.04 run to {name} epochs: t_grok per seed",
          [int(run["t_grok"]) for run in seeds],
          "plateau", np.round([run["test_plateau"] for run in seeds], 3).tolist())
rise_004, error_004 = by_value("dropout")[2]
assert n_grokked("dropout")[2] == n_seeds("dropout")[2]  # p = 0.04 groks in every seed
assert rise_004 - 3 * error_004 > 0.1  # by more than the clock's threshold
assert np.all(n_grokked("dropout")[3:] == 0)  # p >= 0.1: none

# %% [markdown]
# Without dropout the wide network groks sooner than the narrow one
# ($t_\text{grok}$ about 11,900 against 16,100 at width 48) and to a higher
# plateau (0.85 against 0.82). Dropout 0.02 and 0.04 push $t_\text{grok}$ to
# about 15,750 and 23,900, while the rise after $t_\text{fit}$ shrinks only
# from 0.29 to 0.22; at $p = 0.1$ it is 0.04. The $p = 0.04$ runs go to
# 40,000 epochs, because at 25,000 their $t_\text{grok}$ (19,000, 19,000
# and 23,500) came after 70% of the run. Run longer, the same seeds settle
# at 31,750, 16,500 and 23,500: their test plateau moves by a few
# thousandths with the extra epochs (0.851 to 0.859 in seed 0, 0.859 to
# 0.856 in seed 1), so where the clock puts the end of the rise depends on
# how long the run is, and the mean delay at
# $p = 0.04$ is known only to within several thousand epochs (standard
# error 4,400). That it groks, in every seed and by more than 0.2, does not
# depend on the length. What could explain the
# disagreement: the paper reads suppression off curves averaged over four
# runs, and at $p = 0.04$ our test accuracy does start higher (0.64 at
# $t_\text{fit}$ against 0.57 without dropout) but reaches its plateau
# later; and the paper's network fits its training set later than ours
# (the section on $t_\text{fit}$ below), so its dropout acts on a network in
# another regime. Three seeds per value against the paper's four.

# %% [markdown]
# ## $\beta$ is a rescaling of the weights
#
# The network has no biases and five weight matrices with ReLU between them,
# so it is positively homogeneous of degree five in its weights:
# $f(x; sW) = s^5 f(x; W)$ for $s > 0$. The softmax inverse temperature
# therefore only rescales the weights, $\beta f(x; W) = f(x; \beta^{1/5} W)$,
# and the loss at $\beta$ is the loss at $\beta = 1$ of $\tilde W = s W$
# with $s = \beta^{1/5}$: $L_\beta(W) = L_1(\tilde W)$ and
# $\nabla_W L_\beta = s \nabla_{\tilde W} L_1$. Adam divides each step by the
# running RMS of what it is fed, so it ignores a constant factor in its input
# (up to its $\epsilon = 10^{-8}$). Fed the gradient plus the L2 term,
# $s \nabla_{\tilde W} L_1 + \lambda \tilde W / s$, it takes the step it would
# take on $\nabla_{\tilde W} L_1 + (\lambda / s^2) \tilde W$, and
# $\tilde W = sW$ moves $s$ times as far. Training at
# $(\beta, c, \eta, \lambda)$ is therefore *exactly* training at
#
# $$
# \bigl(1,\; s c,\; s \eta,\; \lambda / s^2\bigr), \qquad s = \beta^{1/5},
# $$
#
# epoch by epoch. Raising $\beta$ is the same as starting from larger weights
# ($c$) with a larger learning rate and a weaker weight decay. Setting only
# $c = 7 \beta^{1/5}$ at $\beta = 1$ keeps $\eta$ and $\lambda$, so it is not
# the same run: it differs by a factor $s$ in the learning rate and $s^{-2}$ in
# the weight decay. For $\beta = 4$: $c = 9.24$, $\eta \times 1.32$,
# $\lambda \times 0.57$.
#
# A check of the algebra (not of the archive): 500 epochs at $\beta = 4$,
# beside its exact twin at $\beta = 1$ and the run that changes $c$ alone.
# The twin must follow the same curves up to float rounding: losses within
# $10^{-3}$ of each other (relative) and accuracies within the clock's
# tolerance 0.01; the $c$-only run, whose learning rate is 24% lower, must not.

# %%
beta, s = 4.0, 4.0 ** (1 / 5)
short = {"n_epochs": 500, "eval_every": 50, "snapshot_every": 500, "n_pca_samples": 8}
twins = {
    "beta = 4": {"beta": beta},
    "exact twin": {"init_scale": 7 * s, "lr": 5e-4 * s, "weight_decay": 5e-4 / s**2},
    "c alone": {"init_scale": 7 * s},
}
twin_runs = {name: ising_bins.run_config({**short, **cfg}, seed=0)
             for name, cfg in twins.items()}
reference = twin_runs["beta = 4"]
twin_gaps = {}
for name in ("exact twin", "c alone"):
    run = twin_runs[name]
    loss_gap = np.max(np.abs(run["train_loss"] / reference["train_loss"] - 1))
    acc_gap = max(np.abs(run[k] - reference[k]).max()
                  for k in ("train_acc", "test_acc"))
    twin_gaps[name] = loss_gap, acc_gap
    print(f"{name:>10}: largest relative train-loss difference {loss_gap:.1e}, "
          f"largest accuracy difference {acc_gap:.3f}")

# %%
assert twin_gaps["exact twin"][0] < 1e-3 and twin_gaps["exact twin"][1] <= 0.01
assert twin_gaps["c alone"][0] > 1e-2

# %% [markdown]
# So the $\beta$ sweep and the $c$ sweep probe nearly the same thing. How
# nearly, over a whole run? Each $\beta$ of the sweep against the $c$ sweep
# read at $c = 7\beta^{1/5}$ (linear interpolation between its archived
# values; $\beta = 4$ lies beyond $c = 9$ and is compared with $c = 9$, a
# shorter delay by the trend). The difference is in units of its standard
# error over seeds (the two errors added in quadrature).

# %%
def delays(seeds: list[dict]) -> np.ndarray:
    return np.array([run["delay"] for run in seeds], dtype=float)


c_values = np.array(list(sweeps["init_scale"]), dtype=float)[1:]  # c = 1 does not grok
c_delay = np.array([mean_and_error(delays(sweeps["init_scale"][c]))
                    for c in c_values])  # (c, 2): mean and standard error
beta_vs_c = []
for value, seeds in sweeps["beta"].items():
    c_equivalent = 7 * value ** (1 / 5)
    mean, error = mean_and_error(delays(seeds))
    at_c = np.interp(c_equivalent, c_values, c_delay[:, 0])
    error_c = np.interp(c_equivalent, c_values, c_delay[:, 1])
    z = (mean - at_c) / np.hypot(error, error_c)
    beta_vs_c.append((value, c_equivalent, mean, at_c, z))
    print(f"beta = {value:<4g} (c = {c_equivalent:4.2f}): delay {mean:6.0f} +- "
          f"{error:3.0f}; c sweep there {at_c:6.0f} +- {error_c:3.0f}; z = {z:+.1f}")
beta_vs_c = np.array(beta_vs_c)

# %% [markdown]
# The four matched pairs agree within 1.5 standard errors. Changing $c$
# alone is not the same run as changing $\beta$ (after 500 epochs the two
# losses above differ by half), yet over a whole run the delays agree to
# within the spread of the seeds: at this resolution the learning rate and
# weight decay that $c$ alone leaves unchanged hardly move the delay, and
# the $\beta$ sweep is the $c$ sweep read at $c = 7 \beta^{1/5}$. No paper
# has asked this. The claim, with the usual three standard errors:

# %%
matched = (beta_vs_c[:, 0] != 1) & (beta_vs_c[:, 0] <= 2)  # beta = 1 is c = 7 itself
assert np.all(np.abs(beta_vs_c[matched, 4]) < 3)

# %% [markdown]
# ### $\beta$ against $c$, run against run
#
# Interpolating the $c$ sweep is indirect. The archive also holds the direct
# comparison: for each swept $\beta$, runs at $\beta = 1$ with
# $c = 7\beta^{1/5}$ (5.305, 6.094, 8.041, 9.237), the same seeds and the same
# number of epochs. The claim, fixed from the interpolated comparison before
# these runs were made: each pair of delays agrees within three standard
# errors.

# %%
direct_rows = []
for value, at_beta in sweeps["beta"].items():
    if value == 1.0:
        continue  # beta = 1 is c = 7 itself
    c = round(7 * value ** (1 / 5), 4)
    at_c = runs(**{**ising_bins.sweep_config("beta", value), "beta": 1.0,
                   "init_scale": c})
    (d_beta, e_beta), (d_c, e_c) = (mean_and_error([delay(run) for run in seeds])
                                    for seeds in (at_beta, at_c))
    direct_rows.append({
        "beta": value, "c = 7 beta^(1/5)": c,
        "delay at beta": f"{d_beta:.0f} +- {e_beta:.0f}",
        "delay at c": f"{d_c:.0f} +- {e_c:.0f}",
        "z": (d_beta - d_c) / np.hypot(e_beta, e_c),
        "seeds": f"{len(at_beta)} / {len(at_c)}",
        "grokked": f"{sum(map(grokked, at_beta))} / {sum(map(grokked, at_c))}"})
direct = pd.DataFrame(direct_rows)
direct.round(2)

# %%
assert np.all(np.abs(direct["z"]) < 3)

# %% [markdown]
# Run against run the pairs agree as well: within 0.81 standard errors for
# $\beta = 0.25$, 0.5 and 2. At $\beta = 4$ the delay is some 3,200 epochs
# (19%) longer at $\beta$ than at $c = 9.24$, 2.01 standard errors: inside
# the claim, but the one pair that leans, and the one where the learning
# rate ($\times 1.32$) and weight decay ($\times 0.57$) that $c$ alone leaves
# unchanged differ most. To the precision of five seeds, $\beta$ is the
# initial scale in disguise; where the equivalence starts to fail, if it
# does, is a question for more seeds at $\beta \ge 4$.

# %% [markdown]
# ## Why our network fits sooner: the optimizer and the initialisation
#
# Our network fits its training set at about 2,000 epochs; the paper's has
# not fitted at 5,000 and has by 10,000, while the two $t_\text{grok}$
# agree. The paper leaves two things open that could move $t_\text{fit}$
# alone. It does not name its optimizer (we use Adam with the decay as an
# L2 term); and its initialisation, "$c \times U$, where $U$ is the PyTorch
# uniform distribution", reads three ways (`init_distribution`): $c$ times
# the layer's default $U(-1/\sqrt{n_\text{in}}, 1/\sqrt{n_\text{in}})$ (ours),
# $c$ times `torch.nn.init.uniform_`'s default $U(0, 1)$, or $c$ times
# $U(-1, 1)$. At $c = 7$ the last two start with logits of order $10^{10}$
# and $10^7$ instead of $10^3$. The archive holds each alternative at the
# paper's scale (25,000 epochs):
#
# ```bash
# grokbook run ising_grokking --scale paper --seeds 3 \
#     --sweep init_distribution=symmetric_uniform
# grokbook run ising_grokking --scale paper --seeds 5 --set optimizer=adamw \
#     --sweep weight_decay=0.0005,0.5
# ```
#
# and likewise SGD with momentum 0.9 (learning rate 0.01) and RMSprop
# (learning rate $10^{-4}$), both with the paper's decay as L2. A setting
# *matches the paper's clock* when every seed groks, its mean $t_\text{fit}$
# lies in the paper's window of 5,000 to 10,000 epochs, and its mean
# $t_\text{grok}$ is within $1{,}000 + 3$ standard errors of 17,000 (the
# tolerance of the default's claim above). The rule, fixed with the runs:
# a setting can replace the default only if it matches.

# %%
OPTIMIZER_SETTINGS = {
    "Adam + L2 (ours)": {},
    "AdamW": {"optimizer": "adamw"},
    "SGD + L2": {"optimizer": "sgd", "lr": 0.01},
    "RMSprop + L2": {"optimizer": "rmsprop", "lr": 1e-4},
    "c x U(-1, 1)": {"init_distribution": "symmetric_uniform"},
    "c x U(0, 1)": {"init_distribution": "unit_uniform"},
    "AdamW, decay 0.5": {"optimizer": "adamw", "weight_decay": 0.5},
}


def matches_paper_clock(seeds: list[dict]) -> bool:
    """Every seed groks, mean t_fit in [5,000, 10,000], and mean t_grok within
    1,000 + 3 standard errors of 17,000: the paper's clock."""
    (fit, _), (grok, grok_error) = (mean_and_error([run[key] for run in seeds])
                                   for key in ("t_fit", "t_grok"))
    return (all(map(grokked, seeds)) and 5_000 <= fit <= 10_000
            and abs(grok - 17_000) < 1_000 + 3 * grok_error)


clock_runs = {name: runs(**overrides) for name, overrides in OPTIMIZER_SETTINGS.items()}
clock_rows = []
for name, seeds in clock_runs.items():
    fitted = [run for run in seeds if run["train_acc"][-1] >= 0.99]
    fit = [run["t_fit"] for run in fitted]  # the clock's t_fit of the seeds that fit
    grok = [run["t_grok"] for run in seeds]
    clock_rows.append({
        "setting": name, "seeds": len(seeds), "fitted": len(fitted),
        "t_fit": f"{np.mean(fit):.0f} ({min(fit):.0f}-{max(fit):.0f})" if fit else "-",
        "test at t_fit": (np.mean([run["test_at_fit"] for run in fitted])
                          if fitted else np.nan),
        "grokked": f"{sum(map(grokked, seeds))} / {len(seeds)}",
        "t_grok": (f"{np.nanmean(grok):.0f}" if np.isfinite(grok).any() else "-"),
        "final test": np.mean([run["test_acc"][-1] for run in seeds]),
        "matches": matches_paper_clock(seeds)})
clock_table = pd.DataFrame(clock_rows).set_index("setting")
clock_table.round(3)

# %% [markdown]
# No setting gives both of the paper's times. AdamW with the paper's decay
# fits as early as Adam and never groks; SGD fits late or diverges and never
# groks; RMSprop fits at about the same epoch as Adam and groks late or not
# at all. The two other readings of $c \times U$ fail at the start: with
# $U(0, 1)$ every weight is positive and the network never fits, and with
# $U(-1, 1)$ it fits between 8,750 and 17,000 epochs, in or after the
# paper's window, but its test accuracy stays at the level it had then, near
# the paper's 0.55, and never rises. Only AdamW with a thousandfold decay
# (0.5; the group's other paper uses 1) fits in the window, at 5,500-6,000,
# but it does not grok as the paper's network does: its test accuracy climbs
# steadily from the start and is already above 0.7 when the training set is
# fitted, not 0.55, so the rise after $t_\text{fit}$ is about 0.1 and the
# clock calls only three of five seeds grokked. The claim we fixed after
# its first two seeds, that it matches the paper's clock, failed on the
# other three. The default stays Adam with L2 and PyTorch's initialisation:
# the paper's network fits later than ours for a reason none of these
# readings finds (candidates not run here: another learning rate, or the
# paper's own annealing schedule for the data, which it does not give).

# %%
print("AdamW, decay 0.5: rise of the test accuracy after t_fit per seed",
      [round(rise(run), 3) for run in clock_runs["AdamW, decay 0.5"]])
print("claim fixed after its first two seeds, that it matches the paper's clock:",
      "holds" if clock_table.loc["AdamW, decay 0.5", "matches"] else "FAILED")
assert not clock_table["matches"].any()  # so the default stays (the rule above)

# %% [markdown]
# ## Confidence through grokking, for several $\beta$ and $c$
#
# The paper's confidence metric is the mean gap between the largest and the
# second-largest softmax probability, $\overline{P_\max - P_\text{second}}$
# on the test set; it dips while the network reorganises and dips earlier for
# lower $\beta$. The runs record it every 500 epochs.

# %% mystnb={"figure": {"caption": "Test-set confidence $\\overline{P_\\max - P_\\mathrm{second}}$ against epoch (mean over seeds), left for five values of the softmax inverse temperature $\\beta$, right for the initial scales $c$ that grok ($c = 1$, which does not, is left out). What to see: the dip after fitting comes later for larger $\\beta$ and larger $c$, as the test accuracy's rise does.", "name": "fig-ising-confidence"}} tags=["hide-input"]
fig, axes = plt.subplots(1, 2, figsize=(12, 3.6), sharey=True)
for ax, name in zip(axes, ("beta", "init_scale")):
    for color, (value, seeds) in zip(COLORS, sweeps[name].items()):
        if name == "init_scale" and value == 1:
            continue  # c = 1 does not grok; its curve would stretch the axis
        confidence = np.array([run["confidence_test"] for run in seeds])
        ax.plot(seeds[0]["snapshot_epochs"], confidence.mean(axis=0), "o-", color=color,
                ms=3, label=f"{value:g}")
    ax.set(xlabel="epoch", title={"beta": "$\\beta$", "init_scale": "$c$"}[name],
           xticks=np.arange(0, 40_001, 10_000))
    ax.legend(fontsize="small")
axes[0].set(ylabel="confidence")
plt.show()

# %% [markdown]
# When is the confidence lowest after $t_\text{fit}$? The epoch of the
# minimum of the mean curve, for each value (on the 500-epoch grid of the
# snapshots), beside the epoch at which the test accuracy is half-way up:

# %%
dips = {}
for name in ("beta", "init_scale"):
    for value, seeds in sweeps[name].items():
        snapshots = seeds[0]["snapshot_epochs"]
        confidence = np.mean([run["confidence_test"] for run in seeds], axis=0)
        after = snapshots >= np.mean([run["t_fit"] for run in seeds])
        dips[name, value] = snapshots[after][np.argmin(confidence[after])]
        halves = [curves.transition_time(r["epochs"], r["test_acc"], start=r["t_fit"])
                  for r in seeds if grokked(r)]
        half = f"test half-way at {np.median(halves):5.0f}" if halves else "no grokking"
        print(f"{name} = {value:<5g}: confidence minimum at epoch "
              f"{dips[name, value]:5.0f}, {half}")

# %% [markdown]
# As in the paper, the dip comes earlier for lower $\beta$, and for smaller
# $c$: it follows the test accuracy's rise, run by run.

# %%
beta_dips = [dips["beta", value] for value in sweeps["beta"]]
c_dips = [dips["init_scale", c] for c in list(sweeps["init_scale"])[1:]]  # not c = 1
assert np.all(np.diff(beta_dips) >= 0) and beta_dips[0] < beta_dips[-1]
assert np.all(np.diff(c_dips) >= 0) and c_dips[0] < c_dips[-1]

# %% [markdown]
# ## Sparsification and generalisation, run by run
#
# Chapter 2 found, in one run, that the participation ratio of $|w|$ of the
# hidden $48 \times 48$ matrices (a threshold-free measure of how few weights
# carry the layer) is half-way down at the epoch at which the test accuracy
# is half-way up. Is that a coincidence of one seed? Every archived run that
# grokked gives one pair of times, measured with the book's one change-point
# rule (`curves.transition_time`, half-way from $t_\text{fit}$ to the
# plateau). The participation ratio is recorded every 500 epochs, so its
# time carries an interpolation error of a few hundred epochs.

# %%
rows = []
settings = {"default": default} | {
    f"{name}={value:g}": seeds
    for name, by in sweeps.items() for value, seeds in by.items()}
for setting, seeds in settings.items():
    for seed, run in enumerate(seeds):
        if not grokked(run):
            continue
        pr = run["participation"][:, 1:4].mean(axis=1)  # the three 48x48 matrices
        rows.append({
            "setting": setting, "seed": seed,
            "t_test": curves.transition_time(run["epochs"], run["test_acc"],
                                             start=run["t_fit"]),
            "t_pr": curves.transition_time(run["snapshot_epochs"], pr,
                                           start=run["t_fit"])})
halves = pd.DataFrame(rows).dropna()
# the default runs are also the sweeps' middle values: count each run once
halves = halves.drop_duplicates(["t_test", "t_pr", "seed"])
pairs = halves[["t_test", "t_pr"]].to_numpy()
rho = stats.spearmanr(pairs[:, 0], pairs[:, 1]).statistic
lag = pairs[:, 1] - pairs[:, 0]
print(f"{len(pairs)} grokking runs: Spearman rho = {rho:.2f}; "
      "participation ratio half-way minus test half-way: "
      f"median {np.median(lag):+.0f} epochs, "
      f"quartiles {np.percentile(lag, 25):+.0f} / {np.percentile(lag, 75):+.0f}")

# %% mystnb={"figure": {"caption": "For every archived run that grokked: the epoch at which the participation ratio of the hidden weights is half-way down (vertical) against the epoch at which the test accuracy is half-way up (horizontal), left; right, the difference of the two (the lag) for every run. The diagonal marks equal times. What to see: the points hug the diagonal across settings, and the lags scatter around zero by about one snapshot spacing.", "name": "fig-ising-sparsity-vs-test"}} tags=["hide-input"]
fig, (ax, ax_lag) = plt.subplots(1, 2, figsize=(10, 4.2))
ax.plot(pairs[:, 0], pairs[:, 1], "o", color=COLORS[0], ms=4)
limits = [pairs.min() - 1000, pairs.max() + 1000]
ax.plot(limits, limits, color="grey", lw=1, ls="--")
ax.set(xlabel="test accuracy half-way (epoch)",
       ylabel="participation ratio half-way (epoch)", xlim=limits, ylim=limits)
ax_lag.hist(lag, bins=np.arange(-3000, 3001, 500), color=COLORS[0])
ax_lag.set(xlabel="lag: participation ratio minus test half-way (epochs)",
           ylabel="runs")
plt.show()

# %% [markdown]
# Pooling every setting mixes two things: settings that grok late do both
# late, so the times would correlate even if, within a setting, the
# sparsification knew nothing of the generalisation. The correlation that
# counts is within a setting: the times of each run minus its setting's
# mean, over all settings together, with a 95% bootstrap interval over runs
# (`scipy.stats.bootstrap`, resampling runs, 2,000 resamples).

# %%
within = halves.assign(
    t_test=halves.t_test - halves.groupby("setting").t_test.transform("mean"),
    t_pr=halves.t_pr - halves.groupby("setting").t_pr.transform("mean"))


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    return stats.spearmanr(x, y).statistic


rho_within = spearman(within.t_test, within.t_pr)
interval = stats.bootstrap((within.t_test.to_numpy(), within.t_pr.to_numpy()), spearman,
                           paired=True, vectorized=False, n_resamples=2000,
                           random_state=0).confidence_interval
print(f"within settings ({within.setting.nunique()} settings, {len(within)} runs): "
      f"Spearman {rho_within:.2f} [{interval.low:.2f}, {interval.high:.2f}]")

# %%
assert rho > 0.7
assert interval.low > 0  # within a setting too: sparsifies earlier, generalises earlier

# %% [markdown]
# Pooled over settings the rank correlation is 0.94; within a setting it is
# 0.75 (95% interval 0.60-0.84), weaker but far from zero: in a setting
# whose seeds grok at different times, the seed whose weights sparsify
# earlier also generalises earlier.

# %% [markdown]
# Which comes first? At the paper's scale the snapshots are 500 epochs
# apart, fine enough to ask. The claim, fixed before these runs: the
# participation ratio is half-way no later than the test accuracy, i.e. the
# 95% bootstrap interval of the median lag over the paper-scale runs ends
# below half a snapshot spacing, +250 epochs.

# %%
lag_interval = stats.bootstrap((lag,), np.median, n_resamples=2000,
                               random_state=0).confidence_interval
print(f"{len(lag)} paper-scale runs: median lag {np.median(lag):+.0f} "
      f"[{lag_interval.low:+.0f}, {lag_interval.high:+.0f}] epochs")
claim_holds = lag_interval.high < 250
print("claim (the interval ends below +250):", claim_holds)
assert abs(np.median(lag)) < 1250  # the quick scale's claim: within its spacing

# %% [markdown]
# The claim fails. The median lag is positive, a few hundred epochs, and
# its interval barely reaches zero: if either comes first, the test
# accuracy is half-way up slightly *before* the weights are half-way
# sparse, not after. What still holds is the quick scale's claim, that the
# two are half-way within one quick snapshot spacing (1,250 epochs) of
# each other: sparsification and generalisation keep time, and the weights
# do not announce the rise ahead of it.

# %% [markdown]
# Chapter 2 also found, in its 25,000-epoch run, that the sparsity (fraction
# of $|w| < 0.01$) of the deeper matrices goes on rising after the test
# accuracy settles and levels off only in the last few thousand epochs
# (the paper's Fig. 10 shows it flat from the plateau on), ending higher in
# deeper layers. Over the default seeds: the rise of each $48 \times 48$
# matrix's sparsity from the seed's own $t_\text{grok}$ (interpolated between
# snapshots) to the end, the sparsity at the end, and how much more slowly
# it rises over the last 2,500 epochs than on average since $t_\text{fit}$
# (per 1,000 epochs; a curve that levels off rises more slowly at its end).
# We call a mean over seeds positive when it exceeds its standard error
# times Student's $t$ for a one-sided 1% test with $N - 1$ degrees of
# freedom.

# %%
layers = [1, 2, 3]  # the 48x48 matrices


def sparsity_at(run: dict, epoch: float) -> np.ndarray:
    """The three matrices' sparsity at ``epoch``, interpolated between snapshots."""
    return np.array([np.interp(epoch, run["snapshot_epochs"], run["sparsity"][:, layer])
                     for layer in layers])


def rate_since(run: dict, start: float) -> np.ndarray:
    """Mean rise of the sparsity per 1,000 epochs from ``start`` to the end."""
    end = run["epochs"][-1]
    return 1000 * (sparsity_at(run, end) - sparsity_at(run, start)) / (end - start)


final = np.array([sparsity_at(run, run["epochs"][-1]) for run in default])
sparsity_rise = np.array([sparsity_at(run, run["epochs"][-1])
                          - sparsity_at(run, run["t_grok"]) for run in default])
slowing = np.array([  # (seeds, layers): > 0 where the sparsity levels off at the end
    rate_since(run, run["t_fit"]) - rate_since(run, run["epochs"][-1] - 2500)
    for run in default])
t_critical = stats.t.ppf(0.99, df=N - 1)  # one-sided 1%, N - 1 degrees of freedom
measured = {"rise after t_grok": sparsity_rise, "sparsity at the end": final,
            "deeper minus shallower": np.diff(final, axis=1),
            "slower at the end": slowing}
positive = {}
for name, values in measured.items():
    mean = values.mean(axis=0)
    error = values.std(axis=0, ddof=1) / np.sqrt(N)  # standard error over seeds
    positive[name] = mean > t_critical * error
    print(f"{name:>22}: "
          + " / ".join(f"{m:.3f} +- {e:.3f}" for m, e in zip(mean, error)))

# %%
assert np.all(positive["rise after t_grok"])  # every matrix sparsifies after t_grok
assert positive["deeper minus shallower"][0]  # the second ends sparser than the first
assert np.all(positive["slower at the end"][1:])  # the deeper two level off by the end

# %% [markdown]
# All three rise after $t_\text{grok}$, the two deeper ones by about ten
# times more than the first, and the two deeper ones rise more slowly over
# the last 2,500 epochs than on average: at 25,000 epochs they level off, as
# in the paper's Fig. 10, but thousands of epochs after $t_\text{grok}$.
# The claim we fixed on the quick runs, that each matrix ends sparser than
# the one before it, fails for the deepest pair: at 25,000 epochs the two
# deeper matrices end level (0.546 and 0.560, difference 0.014 +- 0.008).
# At 20,000 epochs they were still rising; the second matrix catches up.

# %% [markdown]
# ## The gradients' dimension, with and without weight decay
#
# Chapter 2 counted the principal components that hold 90% of the variance
# of the per-sample training gradients of the three $48 \times 48$ matrices:
# a few just after fitting, several-fold more while the test accuracy starts
# to move (the paper's rise), and a collapse to two or three as grokking
# completes. Is the rise a sign of grokking? The runs without weight decay
# never grok; if their count rises as well, only the fall is specific to
# grokking. Both settings, every 500 epochs:

# %% mystnb={"figure": {"caption": "Components holding 90% of the variance of the per-sample training gradients, summed over the three $48 \\times 48$ matrices, against epoch: the seeds with weight decay $5 \\times 10^{-4}$ (blue, all grok) and those without (orange, none groks). What to see: both rise after fitting; only the runs with weight decay fall again.", "name": "fig-ising-gradient-count-decay"}} tags=["hide-input"]
count_runs = {"weight decay 5e-4": sweeps["weight_decay"][5e-4],
              "no weight decay": sweeps["weight_decay"][0.0]}
fig, ax = plt.subplots(figsize=(7, 3.6))
for color, (label, seeds) in zip(COLORS, count_runs.items()):
    for seed, run in enumerate(seeds):
        ax.plot(run["snapshot_epochs"], run["n90_train"][:, 1:4].sum(axis=1), "o-",
                color=color, ms=3, lw=1, label=label if seed == 0 else None)
ax.set(xlabel="epoch", ylabel="gradient components (90%)", yscale="log")
ax.legend()
plt.show()

# %% [markdown]
# For each run: the count at the first snapshot after $t_\text{fit}$, its
# largest value after that, and its value at the end; the rise is largest /
# first, the fall end / largest. The criterion is chapter 2's: a fall means
# the count ends below half its peak.

# %%
count_table = []
for label, seeds in count_runs.items():
    for seed, run in enumerate(seeds):
        count = run["n90_train"][:, 1:4].sum(axis=1)
        after = run["snapshot_epochs"] > run["t_fit"]
        first, peak, end = count[after][0], count[after].max(), count[-1]
        count_table.append({"setting": label, "seed": seed, "after fit": first,
                            "peak": peak, "end": end, "rise": peak / first,
                            "fall": end / peak})
count_table = pd.DataFrame(count_table)
count_table.round(2)

# %% [markdown]
# Every run's count rises after fitting, by 1.3 to 2.7 times, with weight
# decay or without. Only the runs with weight decay, which grok, fall again,
# to 8-12% of their peak; without weight decay the count stays at 86-100%
# of its peak to the end (25,000 epochs). The paper's rise is not a sign of grokking; the
# fall is. The claims, with chapter 2's criterion fixed before:

# %%
rises = count_table.groupby("setting").rise.min()
falls = count_table.groupby("setting").fall
assert rises.min() > 1  # every run's count rises after fitting, with or without decay
assert falls.max()["weight decay 5e-4"] < 0.5  # every grokking run falls below half
assert falls.min()["no weight decay"] > 0.5  # no run without weight decay does

# %% [markdown]
# ## Counting the configurations exactly
#
# How many configurations does each energy level hold? The transfer matrix
# answers exactly (`ising.density_of_states`, the method of Beale
# {cite}`beale1996`): building the $8 \times 8$ torus row by row, the count of
# states with $b$ unsatisfied bonds is the coefficient of $x^b$ in
# $\operatorname{Tr} T(x)^8$, where $T$ is the $256 \times 256$ matrix of
# row-to-row bond weights. All $2^{64}$ states are counted in under a second.

# %% tags=["nbval-check-output"]
E, g = ising.density_of_states(8)
counts = np.array([int(c) for c in g], dtype=object)  # exact integers
print(f"total {sum(counts)} = 2^64: {sum(counts) == 2**64}")
for level in (-128, -124, -120, -116, -92, -88, 0):
    print(f"g({level:4d}) = {counts[E == level][0]}")
assert sum(counts) == 2**64
assert [counts[E == level][0] for level in (-128, -124, -120, -116)] == [2, 0, 128, 256]

# %% [markdown]
# The task draws 125 training configurations from every allowed level of
# the four bins. At the bottom of the first bin a level holds only 128
# ($E = -120$) or 256 ($E = -116$) configurations, so a draw of 125 covers
# much of it, and a test set drawn the same way repeats training
# configurations. If each level were sampled uniformly, a test configuration
# at level $E$ would be a training one with probability
# $k_E / g(E)$, where $k_E$ is the number of distinct training configurations
# at that level. The measured overlap of chapter 2's data follows this
# prediction; the annealing does not sample a level exactly uniformly, so we
# compare per level.

# %% tags=["nbval-check-output"]
data = ising_bins.energy_bin_data(seed=0)
train_E, test_E = ising.energy(data.train_spins), ising.energy(data.test_spins)
rows = []
for level in ising_bins.allowed_energies(8):
    in_level = train_E == level
    if not in_level.any():
        continue
    spins = data.train_spins[in_level].reshape(in_level.sum(), -1)
    distinct = len(np.unique(spins, axis=0))
    predicted = distinct / int(counts[E == level][0])
    measured = data.test_seen[test_E == level].mean()
    rows.append((int(level), distinct, predicted, measured))
rows = np.array(rows, dtype=float)
for level, distinct, predicted, measured in rows[:6]:
    print(f"E = {level:4.0f}: {distinct:3.0f} distinct training configurations, "
          f"overlap predicted {predicted:.3f}, measured {measured:.3f}")
print(f"whole test set: predicted {rows[:, 2].mean():.3f}, "
      f"measured {data.test_seen.mean():.3f}")

# %% mystnb={"figure": {"caption": "Left: the exact number of configurations $g(E)$ of the $8 \\times 8$ torus (log scale), with the four energy bins of the task shaded. Right: the fraction of random test configurations that also occur in the training set, per energy level, measured (dots) and predicted from $g(E)$ for uniform sampling within a level (line). What to see: the overlap sits in the lowest levels, where $g(E)$ holds a few hundred configurations, and follows the prediction.", "name": "fig-ising-density-of-states"}} tags=["hide-input"]
fig, (ax_g, ax_o) = plt.subplots(1, 2, figsize=(12, 3.6))
nonzero = g > 0
ax_g.semilogy(E[nonzero], g[nonzero].astype(float), ".-", color=COLORS[0])
for color, (low, high) in zip(COLORS, data.bins):
    ax_g.axvspan(low - 2, high + 2, color=color, alpha=0.15, lw=0)
ax_g.set(xlabel="energy $E$ ($J$)", ylabel="$g(E)$")
ax_o.plot(rows[:, 0], rows[:, 2], "-", color=COLORS[1], label="predicted, $k_E / g(E)$")
ax_o.plot(rows[:, 0], rows[:, 3], "o", color=COLORS[0], ms=4, label="measured")
ax_o.set(xlabel="energy $E$ ($J$)", ylabel="test configurations seen in training",
         xlim=(-122, -90))
ax_o.legend()
plt.show()

# %%
low = rows[:, 0] <= -100  # the levels with any overlap
assert np.all(np.abs(rows[low, 3] - rows[low, 2]) < 0.15)
assert abs(rows[:, 2].mean() - data.test_seen.mean()) < 0.01

# %% [markdown]
# ## The phase task: does it grok?
#
# Carrasquilla and Melko {cite}`carrasquilla2017` trained a small network to
# tell ordered ($T < T_c$) from disordered configurations and read $T_c$ off
# the temperature at which its two outputs cross. We train the energy-bin
# network, unchanged ($c = 7$, Adam with L2, full batch, two outputs), on
# Wolff samples of the $8 \times 8$ torus at 20 temperatures from 1.0 to 3.5,
# 50 configurations per temperature for training and 50 others for testing
# (`ising_phase.DEFAULT_CONFIG`; the networks come from `ising_phase.build`).
# The energy-bin task needs some 14,000 epochs to grok, so a verdict on the
# phase task needs runs at least that long: seeds of 20,000 epochs, run
# with `grokbook run ising_phase --scale paper --seeds 5` and archived.
#
# What accuracy can a network reach here at all? On an $8 \times 8$ lattice
# near $T_c$ a configuration does not know which side of the transition it
# was drawn on. A classifier that thresholds the absolute magnetisation
# $|m|$ at the value that is best on the training set is the physicist's
# reference: a network that generalises should reach its test accuracy.

# %%
PHASE = experiments.get("ising_phase")
phase_config = PHASE.config("paper")
phase_runs = [timed(result.payload)
              for result in store.archive().results(PHASE.name, phase_config)]
N_PHASE = len(phase_runs)  # the seeds archived
phase = ising_phase.task_data(phase_config)


def abs_magnetisation(X: torch.Tensor) -> np.ndarray:
    return np.abs(X.numpy().mean(axis=1))


m_train, m_test = (abs_magnetisation(phase.dataset.X_train),
                   abs_magnetisation(phase.dataset.X_test))
y_train, y_test = phase.dataset.y_train.numpy(), phase.dataset.y_test.numpy()
thresholds = np.unique(m_train)
train_hits = [((m_train >= m) == y_train).mean() for m in thresholds]
best_m = thresholds[int(np.argmax(train_hits))]
reference_acc = ((m_test >= best_m) == y_test).mean()
print(f"|m| >= {best_m:.3f} means ordered: train {max(train_hits):.3f}, "
      f"test {reference_acc:.3f}")
for seed, run in enumerate(phase_runs):
    best = run["test_acc"].argmax()
    print(f"seed {seed}: t_fit {run['t_fit']:.0f}, {grokking_times(run).verdict}; "
          f"test {run['test_at_fit']:.3f} at t_fit, best {run['test_acc'][best]:.3f} "
          f"at epoch {run['epochs'][best]}, final {run['test_acc'][-1]:.3f}")

# %% mystnb={"figure": {"caption": "The energy-bin network on the phase task ($T$ below or above $T_c$), five seeds of 20,000 epochs: mean train (blue) and test (orange) accuracy with the range over seeds; dashed, the test accuracy of the $|m|$-threshold classifier. What to see: the test accuracy jumps as the training set is fitted, in a few hundred epochs, then drifts up by a few hundredths and stays below the $|m|$ classifier: no delayed generalisation.", "name": "fig-ising-phase-curves"}} tags=["hide-input"]
fig, ax = plt.subplots(figsize=(8, 3.4))
for key, color, label in SPLITS:
    band = np.array([run[key] for run in phase_runs])  # (seeds, evals)
    ax.plot(phase_runs[0]["epochs"], band.mean(axis=0), color=color, label=label)
    ax.fill_between(phase_runs[0]["epochs"], band.min(axis=0), band.max(axis=0),
                    color=color, alpha=0.25, lw=0)
ax.axhline(reference_acc, color="grey", ls="--", lw=1, label="$|m|$ threshold")
ax.set(xlabel="epoch", ylabel="accuracy", xscale="symlog", xlim=(0, 20_000))
ax.legend()
plt.show()

# %% [markdown]
# Where does the trained network put the transition? The mean "ordered"
# probability over the test configurations at each temperature crosses 1/2 at
# (stored with each run):

# %%
crossings = np.array([run["T_cross"] for run in phase_runs])
T_c = ising.critical_temperature()
error = crossings.std(ddof=1) / np.sqrt(N_PHASE)
print(f"crossing: {crossings.mean():.3f} +- {error:.3f} "
      f"(seeds {np.round(crossings, 3).tolist()}); "
      f"T_c = {T_c:.4f}, {crossings.mean() / T_c - 1:+.1%}")

# %% [markdown]
# The verdict, by the book's clock (`grokking_times`): a run grokked if its
# test plateau lies at least 0.1 above its test accuracy at $t_\text{fit}$.
# And the ceiling: we expected the network, given 20,000 epochs, to reach
# the test accuracy of the $|m|$ classifier (within three standard errors
# over seeds). It does not:

# %%
verdicts = [grokking_times(run).verdict for run in phase_runs]
final = np.array([run["test_plateau"] for run in phase_runs])
final_error = final.std(ddof=1) / np.sqrt(N_PHASE)
shortfall = (reference_acc - final.mean()) / final_error
print(f"verdicts {verdicts}")
print(f"test plateau {final.mean():.3f} +- {final_error:.3f}, the |m| classifier "
      f"{reference_acc:.3f}: {shortfall:.1f} standard errors below it")

# %% [markdown]
# The network fits its training set within a few hundred epochs (up to
# seven of the 1,000 lattices, which it never fits, make the clock's
# $t_\text{fit}$ of two seeds late) and its test accuracy then creeps up by
# 0.03-0.06 over 20,000 epochs: a slow drift, not grokking's rise by 0.2-0.3
# after a plateau, and it ends 0.04 short of what one number, $|m|$,
# achieves. There is room to generalise further and the network does not
# take it within the paper's training time. The claims:

# %%
assert "grokked" not in verdicts  # 20,000 epochs: nothing generalises late
assert shortfall > 3  # below the |m| classifier, by more than three standard errors
assert abs(crossings.mean() / T_c - 1) < 0.05

# %% [markdown]
# ## Summary
#
# | | paper {cite}`hutchison2025` | this chapter (5 seeds, 25,000-40,000 epochs) | verdict |
# |---|---|---|---|
# | $t_\text{fit}$ / $t_\text{grok}$ (epochs) | train accuracy 1.0 "by about epoch 10,000" (Fig. 16) / ~17,000 | 2,000 / 16,100 (s.e. 177 / 1,282) | partly: $t_\text{grok}$ yes, $t_\text{fit}$ 2.5-5 times earlier |
# | test plateau | 0.83 | 0.822 (s.e. 0.004) | reproduced |
# | delay against $\beta$ | shorter for lower $\beta$ | 10,750 ($\beta = 0.25$) to 20,050 ($\beta = 4$), rising at every step | reproduced |
# | $\beta$ against $c = 7\beta^{1/5}$, run against run | (not asked) | exact map with $\eta$, $\lambda$ rescaled; with $c$ alone the delays agree within 0.81 s.e. for $\beta \le 2$, 2.01 s.e. at $\beta = 4$ | new |
# | delay against weight decay | shorter for more; none: no generalisation | 16,600 ($2.5 \times 10^{-4}$) to 11,300 ($2 \times 10^{-3}$); 0 of 5 generalise without | reproduced |
# | delay against $c$ | longer for larger; $c = 1$: no grokking | 6,250 ($c = 3$) to 17,550 ($c = 9$); $c = 1$: 0.801 at $t_\text{fit}$ already, 0 of 5 grok | reproduced |
# | dropout (width 144) | $p = 0.04$ suppresses grokking | rise 0.29 / 0.24 / 0.22 / 0.04 / -0.03 and $t_\text{grok}$ 11,900 / 15,750 / 23,900 / - / - for $p$ = 0 / 0.02 / 0.04 / 0.1 / 0.2 (3 seeds) | partly: suppressed from 0.1, delayed at 0.04 |
# | $t_\text{fit}$ gap: optimizer, reading of $c \times U$ | not named / "$c \times U$" | none of six alternatives fits at 5,000-10,000 and groks at ~17,000; AdamW with decay 0.5 fits at 5,750 but starts at test 0.71 and 3 of 5 grok | not reproduced |
# | confidence dip | earlier for lower $\beta$ | epoch 8,500 ($\beta = 0.25$) to 16,000 ($\beta = 4$) | reproduced |
# | sparsity after $t_\text{grok}$ | flat (Fig. 10) | rises +0.026 / +0.253 / +0.182 after $t_\text{grok}$, levels off by epoch 25,000 | partly: flat at the end, not from the plateau on |
# | participation ratio vs test accuracy, half-way times | (one run, chapter 2) | Spearman 0.94 pooled, 0.75 [0.60, 0.84] within settings; lag +209 [-57, +522] epochs | new |
# | gradient PCA count | rises during grokking | rises 1.3-2.7x with and without weight decay; falls to 8-12% of its peak only with it | partly: the rise is not specific to grokking |
# | test configurations seen in training | (not discussed) | 3.1%, predicted 3.1% from $g(E)$ | new |
# | phase task | $T_c$ within ~1% (Carrasquilla and Melko, larger lattices) | 20,000 epochs, 5 seeds: no grokking; test plateau 0.881, below the $|m|$ classifier's 0.918; crossing at 2.199, 3.1% below $T_c$ ($L = 8$) | new |
#
# - Every trend the paper reports for $\beta$, weight decay and $c$ holds,
#   at the paper's scale, and its two controls (no weight decay,
#   default initialisation) do not grok. The numbers differ: our networks
#   fit two to five times earlier than the paper's, while $t_\text{grok}$
#   agrees, so our delays are longer.
# - $\beta$ is a rescaling of the weights: a run at $\beta$ is exactly a run
#   at $\beta = 1$ with $c$, the learning rate and the weight decay rescaled,
#   and in practice $c = 7\beta^{1/5}$ alone reproduces the delay.
# - Grokking switches off only at the ends of the ranges (no weight decay,
#   $c = 1$, dropout from 0.1), through an intermediate rise at $c = 3$
#   where "grokked or not" depends on the threshold. Dropout 0.04, which
#   the paper finds suppresses grokking, delays it here.
# - No other optimizer or reading of "$c \times U$" gives the paper's late
#   $t_\text{fit}$ together with its $t_\text{grok}$.
# - Sparsification keeps time with generalisation across settings and,
#   more weakly, within a setting (neither clearly first); unlike the
#   paper's Fig. 10 it goes on after the test accuracy has settled, and
#   levels off thousands of epochs later.
# - The low-energy levels are small enough to be exhausted by the training
#   set, and the exact density of states predicts the train-test overlap to
#   the per-mille.
# - The phase task does not grok in 20,000 epochs: the network fits its
#   training set in a few hundred epochs, and its test accuracy drifts up by
#   a few hundredths but stays below that of a threshold on $|m|$.
#
# **Scale.** Every sweep and the direct $\beta$-$c$ runs are at the
# paper's scale: 5 seeds, 25,000 or 40,000 epochs; the dropout sweep at
# width 144 with 3 seeds (the paper averages 4 runs). The optimizers and
# readings of $c \times U$ have 2 to 5 seeds each.

# %% [markdown]
# ## Exercises
#
# 1. Sweep dropout at width 48 instead of the paper's 144 (quick scale,
#    `grokbook run ising_grokking --seeds 3 --sweep dropout=0,0.02,0.04`,
#    about half an hour): does $p = 0.04$ still suppress grokking in the
#    narrower network?
# 2. Train the phase task with $c = 1$ and with weight decay 0: does anything change?
# 3. The overlap prediction assumes uniform sampling within a level. Compute
#    from `grokbook.tasks.ising_bins_data.annealed_pool` how many *distinct* configurations the
#    annealing visits at $E = -116$, and how far from uniform the draws are.
