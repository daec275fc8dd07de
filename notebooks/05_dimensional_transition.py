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
# # Grokking as a dimensional phase transition?
#
# Wang {cite}`wang2026` proposes a physicist's probe of learning: take a
# snapshot of the gradient, put one parameter on each node of a graph, load
# each node with its gradient entry and let the loads topple like the
# earthquake model of Olami, Feder and Christensen {cite}`olami1992`. The
# size of the cascade, measured across model sizes $N$, scales as
#
# $$ S_{\max}(N, t) \sim N^{D(t)}, $$
#
# and the paper reports that the exponent $D(t)$, an "effective dimension",
# rises from about 0.90 before a network learns XOR to about 1.20 after,
# crossing $D = 1$ at the onset of learning, while i.i.d. Gaussian
# "gradients" give $D \approx 0.99$ on any graph. No code was published and
# the method section was not available to us, so the probe here is our
# reconstruction, every rule stated and kept a parameter. We check the
# avalanche machinery on systems whose answers are known before we trust it
# on gradients, and then ask what the probe measures.
#
# ```{admonition} Objectives
# :class: tip
# - Build the avalanche probe on graphs and validate it: the BTW sandpile
#   (Dhar's exact mean avalanche size, mean height 17/8, size exponent 3/2 on
#   scale-free graphs) and the OFC model's load balance.
# - Reproduce the Gaussian null model on five graph topologies.
# - Train 2 -> h -> 1 networks on XOR at eight scales, measure $D(t)$ with a
#   bootstrap band over graphs and seeds, show the fit behind it, and compare
#   its crossing of 1 with learning timed by the accuracy and by the loss.
# - Vary the probe's four knobs together and ask which settings give the
#   paper's 0.90 before and 1.20 after, and whether any of them depends on
#   where the gradient's entries sit on the graph (a shuffle control).
# - Decompose the dip of $D$ below 1: per layer, without the output bias,
#   against i.i.d. entries with the same kurtosis.
# - Ask whether $D(t)$ tells modular-addition runs that grok from runs that
#   do not, including a control with the same optimizer, before the test
#   accuracy and the training curves do.
# ```
#
# XOR has four points and no held-out set: its "grokking" is an abrupt
# *learning* after a plateau, not delayed generalisation. The test accuracy
# below is the training accuracy, so the book's $t_{grok}$ (a test accuracy
# that rises after the training set is fitted) does not apply. We time
# learning by $t_{learn}$, the book's $t_{fit}$ (`grokbook.curves.t_fit`): the
# epoch from which all four points stay correctly classified.

# %% tags=["remove-cell"]
# Colab only: install grokbook. Does nothing elsewhere.
import sys

if "google.colab" in sys.modules:
    import subprocess

    REPO = "git+https://github.com/grokbook/grokbook@v0.1.0"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", REPO], check=True)

# %% tags=["nbval-check-output"]
import itertools
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import powerlaw

from grokbook import book, curves, probes
from grokbook.probes import sandpile
from grokbook.tasks import modular, xor

SCALE = book.setup(seed=0, threads=1)
COLORS = book.COLORS


def plot_band(ax, x, low, high, centre, color=COLORS[0], **line) -> None:
    """A curve (T,) with its confidence band [low, high] (T,) each."""
    ax.fill_between(x, low, high, color=color, alpha=0.25, lw=0)
    ax.plot(x, centre, color=color, **line)


# the paper's design: 8 scales x 6 seeds x 51 snapshots (it runs in seconds)
config = xor.XORConfig()
print(f"widths = {config.widths}, N = 4 width + 1 = {config.N.tolist()}")
print(
    f"{config.n_seeds} seeds x {config.n_snapshots} snapshots over "
    f"{config.n_epochs} epochs of full-batch SGD"
)

# %% [markdown]
# ## The probe, rule by rule
#
# The rules of `grokbook.probes.avalanche` (the paper's choices were not
# found; see the module docstring):
#
# 1. **Graph**: one node per parameter, node $i$ = entry $i$ of the flattened
#    gradient; Barabasi-Albert with mean degree 4 by default, one fixed graph per $N$.
# 2. **Loads**: $F_i = |g_i| / \langle |g| \rangle$, so the mean load is 1
#    whatever the gradient's overall size.
# 3. **Toppling**: every node with $F_i \ge F_{th} = 2$ topples at once; it
#    resets to 0 and passes $\alpha F_i$, $\alpha = 0.5$, split equally over
#    its $k_i$ neighbours; the rest is dissipated. Repeat until stable.
# 4. **Avalanche size**: $S$ = total number of topplings of the cascade the
#    snapshot seeds (a node may topple more than once, so $S$ can exceed $N$);
#    one snapshot seeds one cascade, which is its $S_{\max}$.
# 5. **$D(t)$**: least-squares slope of the seed-averaged $\log S_{\max}$
#    against $\log N$ over the eight scales at each snapshot; a bootstrap
#    over seeds gives a 90 % band.
#
# Every simulation is vectorised: the loads of many snapshots are the columns
# of one array, and a toppling wave is one sparse matrix product.
#
# ## Checking the machinery on systems with known answers
#
# **The BTW sandpile** {cite}`bak1987` uses the same relaxation with integer
# grains: a node holding at least $z_i$ grains gives one to each neighbour.
# Dhar {cite}`dhar1990` proved that in the stationary state a grain dropped on
# node $i$ causes on average $G_{ij}$ topplings at node $j$, with $G$ the
# inverse of the toppling matrix $\Delta = \mathrm{diag}(z) - A$: an exact
# finite-size answer. On the $8 \times 8$ lattice with open edges:

# %% tags=["nbval-check-output"]
L = 8
lattice = probes.square_lattice(L)
fill = 4 * L * L  # grains enough to reach the recurrent states
pile = dict(threshold=4, n_systems=64)
start = sandpile.sandpile(lattice, 1, grains_per_drive=fill, seed=0, **pile)
run = sandpile.sandpile(lattice, 200, heights=start.heights, seed=1, **pile)
per_system = run.sizes.mean(axis=0)
mean_size, error = per_system.mean(), per_system.std(ddof=1) / np.sqrt(per_system.size)
exact_size = sandpile.dhar_mean_avalanche_size(lattice, 4)
print(
    f"mean avalanche size: exact (Dhar) {exact_size:.2f}, "
    f"simulated {mean_size:.2f} +- {error:.2f}"
)

# %%
assert abs(mean_size - exact_size) < 4 * error

# %% [markdown]
# The stationary **mean height** of the infinite square lattice is exactly
# $17/8 = 2.125$ {cite}`poghosyan2011`. A $16 \times 16$ torus with one weakly
# dissipating node (threshold 5, so one grain in five leaves there) has almost
# no edge; the abelian property lets us add half a lattice of grains per
# drive, which equals as many single-grain drives (`sandpile.torus_mean_height`).

# %% tags=["nbval-check-output"]
n_systems = 32
per_system = sandpile.torus_mean_height(16, n_systems=n_systems)
height, height_error = per_system.mean(), per_system.std(ddof=1) / np.sqrt(n_systems)
print(
    f"mean height: {height:.4f} +- {height_error:.4f} (17/8 = 2.125 for L -> infinity)"
)

# %% [markdown]
# The finite torus sits a little below 17/8 (we measured 2.1237 at $L = 24$
# and 2.1235 at $L = 32$ with the same code), so the check allows a
# finite-size deficit of 0.005 on top of 4 standard errors.

# %%
assert abs(height - 17 / 8) < 0.005 + 4 * height_error

# %% [markdown]
# **Sandpiles on scale-free graphs.** With threshold $z_i = k_i$ and grains
# lost with probability $f$ in transit, the avalanche sizes on a
# Barabasi-Albert graph follow $P(s) \sim s^{-\tau}$ with the mean-field
# $\tau = 3/2$, up to a logarithmic correction {cite}`goh2003`, and a cutoff
# set by $f$. We fit $\tau$ with the maximum-likelihood method of Clauset,
# Shalizi and Newman {cite}`clauset2009` (the `powerlaw` package
# {cite}`alstott2014`) on graphs of 500, 2000 and 8000 nodes at the same
# $f = 0.01$. As a reference we apply the same estimator to as many draws from
# the exact mean-field avalanche law with the same dissipation: a branching
# process in which each toppling triggers a Poisson number of topplings with
# mean $m = 1 - f$, whose total size follows the Borel law
# $P(s) = e^{-ms} (ms)^{s-1} / s!$, a power law $s^{-3/2}$ with an
# exponential cutoff (`sandpile.borel_sizes`). If the graph behaves like the
# mean field, its fitted $\tau$ should be the reference's, and should not
# drift with the size of the graph.

# %% tags=["hide-input", "nbval-check-output"]
tau_fits = {}
for n_nodes in (500, 2000, 8000):
    sizes = sandpile.scale_free_sandpile_sizes(
        n_nodes, n_systems=32 if n_nodes < 8000 else 16, n_drives=300, loss=0.01, seed=0
    )
    with warnings.catch_warnings():  # powerlaw's numerical warnings in its own fits
        warnings.simplefilter("ignore")
        tau_fits[n_nodes] = powerlaw.Fit(sizes[sizes > 0], discrete=True, verbose=False)
n_avalanches = tau_fits[2000].data.size
borel = sandpile.borel_sizes(0.99, n_avalanches, seed=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    tau_fits["mean field"] = powerlaw.Fit(borel, discrete=True, verbose=False)
tau = {k: (f.power_law.alpha, f.power_law.standard_err) for k, f in tau_fits.items()}
for key, (value, error) in tau.items():
    name = f"BA graph, N = {key}" if key != "mean field" else "Borel law, m = 0.99"
    print(
        f"{name:22s} tau = {value:.3f} +- {error:.3f} "
        f"from s_min = {tau_fits[key].power_law.xmin:.0f}, "
        f"{tau_fits[key].data.size} avalanches"
    )

# %% mystnb={"figure": {"caption": "Complementary cumulative distributions of sandpile avalanche sizes on Barabasi-Albert graphs of 500, 2000 and 8000 nodes (threshold = degree, grains lost with probability 0.01), and of as many draws from the exact mean-field law with the same dissipation (Borel, black): the graphs' tails steepen as the graph grows, away from the mean-field curve.", "name": "fig-dimension-sandpile"}} tags=["hide-input", "nbval-check-output"]
fig, ax = plt.subplots(figsize=(5.5, 3.8))
for color, (key, fit) in zip(COLORS, tau_fits.items()):
    label = f"{key}, $\\tau = {tau[key][0]:.2f}$"
    if key == "mean field":
        fit.plot_ccdf(ax=ax, color="k", ls="--", lw=1.2, label="Borel " + label)
    else:
        fit.plot_ccdf(ax=ax, color=color, lw=1.2, label="BA $N$ = " + label)
ax.set(xlabel="avalanche size $s$", ylabel="$P(S \\geq s)$")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# On the 2000-node graph the fit gives $\tau \approx 1.59$, ten of its
# standard errors above 3/2. That is not the estimator's finite-size value for
# the mean-field law: on the Borel law with the same dissipation and as many
# avalanches the same fit gives about 1.51. Nor does the graph's exponent
# approach 3/2 as the graph grows: it *rises* with $N$ at fixed $f$ (about
# 1.52, 1.59, 1.66 at 500, 2000, 8000 nodes). A degree exponent of 3 is the
# marginal case where the mean-field law holds only up to a logarithmic
# correction {cite}`goh2003`, and the hubs, whose degree grows as $\sqrt N$,
# make that correction grow with the graph; with a cutoff of ~100 grains
# ($1/f$) the fit sees little else. So the machinery gives heavy-tailed,
# near-mean-field avalanches, but $\tau$ here is an effective exponent that
# depends on $N$ and $f$, not a check of 3/2; the exact checks of the
# relaxation are Dhar's mean size and the load balance below.


# %%
def combined(a, b):
    """Three combined standard errors of two fitted exponents."""
    return 3 * np.hypot(tau[a][1], tau[b][1])


# the graph's exponent lies above the estimator's value on the mean-field law
assert tau[2000][0] - tau["mean field"][0] > combined(2000, "mean field")
# and rises with the size of the graph: no finite-size approach to 3/2 from above
assert tau[8000][0] - tau[500][0] > combined(8000, 500)

# %% [markdown]
# **OFC load balance.** In the continuous OFC model every toppling of a load
# $F_i$ loses exactly $(1 - \alpha \sum_j W_{ji}) F_i$, so after each avalanche
# the total load must equal the load before, plus the drive, minus that
# dissipation. On the periodic square lattice with $\alpha = 1/4$ to each of
# the four neighbours nothing is lost at all.

# %% tags=["nbval-check-output"]
for periodic in (True, False):
    grid = probes.square_lattice(16, periodic=periodic)
    run = sandpile.ofc(grid, 15, alpha=0.25, n_systems=8, seed=3)
    balance = run.load_before + 256 * run.drive - run.dissipated
    imbalance = np.abs(run.load_after - balance).max()
    print(
        f"periodic={periodic!s:5}: largest avalanche {run.sizes.max():4d}, "
        f"dissipated {run.dissipated.sum():8.3f}, balance error {imbalance:.0e}"
    )
    assert imbalance < 1e-9 and (run.dissipated.sum() < 1e-9) == periodic

# %% [markdown]
# ## The null model: Gaussian gradients
#
# Replace each gradient by i.i.d. standard normal entries and run the probe
# on five graph families at the eight sizes $N = 81 \dots 2001$, six seeds
# each. With i.i.d. loads and a threshold in units of the mean load, a fixed
# fraction of the nodes starts above threshold, so we expect $S \propto N$
# and $D = 1$.

# %% tags=["nbval-check-output"]
rng = np.random.default_rng(0)
null = {}
for topology in probes.TOPOLOGIES:
    S = np.stack(
        [
            probes.gradient_avalanches(
                rng.standard_normal((6, n)), probes.make_graph(topology, int(n), seed=0)
            ).sizes
            for n in config.N
        ]
    )
    null_fit = null[topology] = probes.effective_dimension(config.N, S)
    band = f"[{null_fit.low:.3f}, {null_fit.high:.3f}]"
    print(f"{topology:16s} D = {null_fit.D:.3f}  {band}")
D_null = np.array([f.D for f in null.values()])
print(
    f"mean over topologies D = {D_null.mean():.3f} (paper 0.99), coefficient of "
    f"variation {100 * D_null.std() / D_null.mean():.1f} % (paper < 0.3 %)"
)

# %% [markdown]
# The null gives $D \approx 1$ on every topology, as in the paper, but with
# more spread between topologies than the paper's 0.3 %: on the
# Barabasi-Albert graph $D$ is above 1 beyond its band. A plausible cause
# (not tested here): hubs, whose degree grows with $N$, collect load from
# many neighbours and topple repeatedly.

# %%
assert np.all(np.abs(D_null - 1) < 0.1)
assert abs(D_null.mean() - 1) < 0.05
assert null["barabasi_albert"].low > 1

# %% [markdown]
# ## XOR: a plateau, then learning
#
# The networks (`grokbook.tasks.xor`): tanh hidden layer in mean-field
# parametrisation, small initialisation, full-batch SGD, cross-entropy. The
# small start puts every network near the saddle at the origin, where the
# loss is flat at $\log 2$; the mean-field scaling makes the escape happen at
# roughly the same epoch at every width, so that a fit across widths at a
# fixed epoch compares networks in the same phase. Each run calls
# `grokbook.training.train` with a snapshot callback that records the full-batch
# gradient of its loss at 51 evenly spaced epochs
# (`grokbook.probes.gradient_snapshot`). The same sweep, with the probe, runs
# from the command line one seed (all eight widths) per stored result:
# `grokbook run dimension --seeds 6` (`tasks.xor.run_config`).

# %% tags=["hide-input", "nbval-ignore-output"]
start = time.perf_counter()
runs = xor.run_xor(config, progress=False)
n_runs = len(config.widths) * config.n_seeds
print(f"{n_runs} runs in {time.perf_counter() - start:.0f} s")

# %% [markdown]
# Two clocks time the learning. $t_{learn}$ is the book's $t_{fit}$
# ({doc}`definitions <../book/definitions>`): the epoch from which all four
# points stay correctly classified. But the accuracy of four points flips as
# soon as the four logits have the right signs, while the loss is still near
# $\log 2$; the *loss* times the escape from the plateau. $t_{loss}$ is the
# first evaluated epoch at which the training loss falls below half of
# $\log 2$ (`curves.first_epoch_at`, a threshold time with its own name).

# %% mystnb={"figure": {"caption": "XOR training at eight widths (colour): loss (left, log scale; dashed: half of $\\log 2$, the level that defines $t_{loss}$) and accuracy on the four points (right) against the epoch, each the mean over 6 seeds. Every width sits on the loss plateau at $\\log 2$, then learns; the accuracy is complete well before the loss has fallen half-way.", "name": "fig-dimension-xor-curves"}} tags=["hide-input"]
epochs = runs.histories[0][0].epochs
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.6))
colors = plt.cm.viridis(np.linspace(0, 0.9, len(config.widths)))
for i, width in enumerate(config.widths):
    loss = np.mean([r.train_loss for r in runs.histories[i]], axis=0)
    acc = np.mean([r.test_acc for r in runs.histories[i]], axis=0)
    ax_loss.plot(epochs, loss, color=colors[i], label=f"width {width}")
    ax_acc.plot(epochs, acc, color=colors[i])
ax_loss.axhline(np.log(2) / 2, color="grey", ls="--", lw=1)
ax_loss.set(xlabel="epoch", ylabel="loss (mean over seeds)", yscale="log")
ax_acc.set(xlabel="epoch", ylabel="accuracy (mean over seeds)")
ax_loss.legend(ncol=2, fontsize=8)
plt.show()

# %%
t_learn = runs.t_learn  # (n_scales, n_seeds): curves.t_fit of each run, NaN if never
train_loss = np.array([[r.train_loss for r in row] for row in runs.histories])
t_loss = curves.first_epoch_at(epochs, train_loss, np.log(2) / 2, below=True)
timing = pd.DataFrame(
    {
        "t_learn (median over seeds)": np.median(t_learn, axis=1),
        "t_loss (median over seeds)": np.median(t_loss, axis=1),
    },
    index=pd.Index(config.widths, name="width"),
).round()
timing.T

# %% tags=["hide-input"]
for name, t in (("t_learn", t_learn), ("t_loss", t_loss)):
    print(
        f"{name}: mean {np.mean(t):.0f}, median {np.median(t):.0f}, "
        f"range {t.min():.0f}-{t.max():.0f} over {t.size} runs"
    )
print(f"t_loss - t_learn: median {np.median(t_loss - t_learn):.0f} epochs")

# %% [markdown]
# Every run leaves the plateau and learns. The mean-field design predicts
# that the escape comes at about the same epoch at every width: the median
# $t_{learn}$ of the eight widths lie within a factor 2 of each other, though
# wider networks still learn somewhat earlier (the mean-field limit is
# approached slowly). The loss crosses half of $\log 2$ a couple of hundred
# epochs after the accuracy is complete, in every run.

# %%
widths_median = np.median(t_learn, axis=1)
assert np.all(np.isfinite(t_learn)) and np.all(np.isfinite(t_loss))
assert widths_median.max() < 2 * widths_median.min()
assert np.median(t_learn[-1]) < np.median(t_learn[0])
assert np.all(t_loss > t_learn)
assert all(
    r.train_loss[epochs == 100][0] > 0.99 * np.log(2) and r.test_acc[-1] == 1
    for row in runs.histories
    for r in row
)

# %% [markdown]
# ## $D(t)$ across eight scales
#
# For each width, one fixed Barabasi-Albert graph carries the gradients of
# all seeds and snapshots; the probe runs on all of them in one call. The
# graph is itself random, so we repeat the whole probe on five graphs per
# width (graph seeds 0-4) and bootstrap over graphs *and* training seeds
# (`probes.scaling.resample_graphs_and_seeds`): each replica draws, at each
# width, five graphs and six seeds with replacement.

# %%
snapshot_epochs = config.snapshot_epochs
GRAPH_SEEDS = range(5)
S_graphs = np.stack(  # (n_scales, n_graphs, n_seeds, n_snapshots)
    [
        probes.cascade_sizes(runs.gradients, probes.scale_graphs(config.N, seed=g))
        for g in GRAPH_SEEDS
    ],
    axis=1,
)
S = S_graphs[:, 0]  # graph seed 0, the default of the command line
print(
    f"cascades: {S_graphs.size}, smallest {S_graphs.min()}, "
    f"largest {S_graphs.max()} topplings"
)
dimension_one_graph = probes.effective_dimension(config.N, S)
dimension = probes.effective_dimension(config.N, S_graphs)  # graphs and seeds
half_width = {
    "seeds, graph 0": (dimension_one_graph.high - dimension_one_graph.low) / 2,
    "graphs and seeds": (dimension.high - dimension.low) / 2,
}
per_graph = np.array(
    [probes.effective_dimension(config.N, S_graphs[:, g]).D for g in GRAPH_SEEDS]
)  # (n_graphs, T)
graph_spread = np.ptp(per_graph, axis=0) / 2  # (T,) half the range over graphs
print(
    "mean half-width of the 90 % band: "
    + ", ".join(f"{k} {v.mean():.3f}" for k, v in half_width.items())
    + f"; half the range of D over the five graphs: {graph_spread.mean():.3f}"
)

# %% [markdown]
# The graph matters little: the five graphs move $D$ by a third of the
# seeds' band, and the joint band, whose centre averages five graphs, is no
# wider than the band of one graph. From here on the bands cover both.

# %%
assert graph_spread.mean() < 0.5 * half_width["seeds, graph 0"].mean()

# %% [markdown]
# **Is $S_{\max} \sim N^D$ a power law at all?** $D$ is the slope of a
# straight line through eight points at each epoch. At four epochs (the
# start, the bottom of the dip, the rise through 1 and the end) here are the
# points, the line and what it leaves over:

# %% mystnb={"figure": {"caption": "The fit behind $D(t)$ at four epochs: top, $\\log S_{\\max}$ (mean over graphs and seeds) against $\\log N$ for the eight widths with the least-squares line (slope $D$); bottom, the residuals. Points scattered without a trend about zero mean the power law describes the eight scales; a bow would mean $D$ depends on the range of $N$.", "name": "fig-dimension-residuals"}} tags=["hide-input"]
picks = [0, int(np.nanargmin(dimension.D)), 0, len(snapshot_epochs) - 1]
picks[2] = int(np.argmin(np.abs(snapshot_epochs - 600)))
residuals = dimension.residuals(config.N)  # (n_scales, T)
logN = np.log(config.N)
fig, axes = plt.subplots(
    2,
    4,
    figsize=(12, 5),
    sharex=True,
    sharey="row",
    gridspec_kw={"height_ratios": [2, 1]},
)
for column, i in enumerate(picks):
    top, bottom = axes[:, column]
    top.plot(logN, dimension.log_S[:, i], "o", color=COLORS[0])
    top.plot(logN, dimension.intercept[i] + dimension.D[i] * logN, "k-", lw=1)
    top.set_title(f"epoch {snapshot_epochs[i]}: $D$ = {dimension.D[i]:.2f}")
    bottom.axhline(0, color="grey", lw=0.8)
    bottom.plot(logN, residuals[:, i], "o", color=COLORS[3])
    bottom.set_xlabel("$\\log N$")
axes[0, 0].set_ylabel("$\\log S_{\\max}$")
axes[1, 0].set_ylabel("residual")
plt.show()
print(
    "largest |residual| at those epochs:",
    np.abs(residuals[:, picks]).max(axis=0).round(3).tolist(),
)

# %% [markdown]
# The residuals scatter by up to about 0.2 in $\log S_{\max}$ (20 % in
# $S_{\max}$), from width to width, without a systematic bow at any of the
# four epochs: a single exponent describes the eight scales about as well as
# the scatter allows, and the dip at epoch 240 is a change of slope, not a
# bend of the curve at the small or the large end.

# %% [markdown]
# Here is $D(t)$ with its band beside the accuracy and the loss, with both
# clocks of every run marked underneath:

# %% mystnb={"figure": {"caption": "Effective dimension D(t) of XOR gradients (blue, 90 % bootstrap band over graphs and seeds) fitted across eight widths at each of 51 snapshot epochs, with the mean accuracy (orange) and mean loss divided by $\\log 2$ (green) of all 48 runs (right axis) and each run's $t_{learn}$ (red ticks) and $t_{loss}$ (black ticks). D dips below 1 on the plateau and rises through 1 where the loss falls, after the accuracy is complete.", "name": "fig-dimension-xor"}} tags=["hide-input"]
accuracy = np.mean([r.test_acc for row in runs.histories for r in row], axis=0)
mean_loss = train_loss.mean(axis=(0, 1)) / np.log(2)
fig, ax = plt.subplots(figsize=(8, 4))
band = (dimension.low, dimension.high, dimension.D)
plot_band(ax, snapshot_epochs, *band, marker=".", label="$D(t)$, 90 % band")
ax.axhline(1, color="grey", ls=":", lw=1)
ax.plot(
    t_learn.ravel(),
    np.full(t_learn.size, 0.62),
    "|",
    color=COLORS[3],
    ms=12,
    label="$t_{learn}$ of each run",
)
ax.plot(
    t_loss.ravel(),
    np.full(t_loss.size, 0.66),
    "|",
    color="k",
    ms=12,
    label="$t_{loss}$ of each run",
)
ax.set(xlabel="epoch", ylabel="effective dimension $D$", ylim=(0.6, 1.3))
ax_acc = ax.twinx()
ax_acc.plot(epochs, accuracy, color=COLORS[1], label="accuracy (all runs)")
ax_acc.plot(epochs, mean_loss, color=COLORS[2], label="loss / log 2 (all runs)")
ax_acc.set(ylabel="accuracy, loss / log 2", ylim=(0, 1.05))
ax_acc.grid(False)
fig.legend(loc="upper right", bbox_to_anchor=(0.88, 0.5), fontsize=8)
plt.show()

# %% [markdown]
# $D(t)$ starts at 1 (the value of the Gaussian null model), *falls* below
# 1 on the plateau, rises through 1 while the networks leave it, peaks, and
# settles back near 1. We locate the rise through 1 as the first upward
# crossing after the minimum of $D(t)$, for the fit and for each bootstrap
# replica, and compare it with the mean $t_{loss}$ and mean $t_{learn}$ of
# the runs. The seed bootstrap of $D$ and of the runs' clocks draw the same
# seeds in each replica (`probes.resample_seeds` with the same seed), so
# the differences are paired.

# %%
crossing = curves.crossing_time(snapshot_epochs, dimension.D, after_minimum=True)
crossing_one = curves.crossing_time(
    snapshot_epochs, dimension_one_graph.boot, after_minimum=True
)  # (n_boot,), graph 0
clock_boot = {  # (n_boot,) mean clock of the resampled seeds, the same draws
    name: probes.resample_seeds(t[..., None])[..., 0].mean(axis=1)
    for name, t in (("t_loss", t_loss), ("t_learn", t_learn))
}
lead_boot = {name: crossing_one - t for name, t in clock_boot.items()}


def interval(values: np.ndarray) -> str:
    """Median [5 %, 95 %] of bootstrap replicas (NaN ones dropped)."""
    q = np.nanpercentile(values, [50, 5, 95])
    return f"{q[0]:.0f} [{q[1]:.0f}, {q[2]:.0f}]"


cross_boot = curves.crossing_time(snapshot_epochs, dimension.boot, after_minimum=True)
print(
    f"D crosses 1 at epoch {crossing:.0f}; bootstrap over graphs and seeds: "
    f"median [90 % interval] {interval(cross_boot)}"
)
for name in clock_boot:
    print(
        f"mean {name} {interval(clock_boot[name])}; crossing - {name} "
        f"(graph 0, paired seeds): {interval(lead_boot[name])} epochs"
    )
cross_minus_loss = np.nanpercentile(lead_boot["t_loss"], [5, 95])
cross_minus_learn = np.nanpercentile(lead_boot["t_learn"], [5, 95])

# %% [markdown]
# Timed by the accuracy, the crossing comes a couple of hundred epochs *late*:
# the paired interval of crossing minus $t_{learn}$ lies wholly above zero.
# Timed by the loss, which is what leaves the plateau, the crossing is *at*
# the onset: the interval of crossing minus $t_{loss}$ contains zero and
# spans about a hundred epochs either way. On this point the paper's claim,
# a crossing at the onset of learning, holds once learning is timed by the
# loss.

# %%
assert cross_minus_learn[0] > 0
assert cross_minus_loss[0] < 0 < cross_minus_loss[1]

# %% [markdown]
# ### Aligned to each run's own clock
#
# Narrow networks learn later than wide ones, so a fit at a fixed epoch mixes
# networks in different phases. The companion paper aligns the runs on their
# own transition instead. We interpolate each run's $\log S$ (mean over the
# five graphs) at $t = t_{loss} + \Delta t$, and for comparison at
# $t_{learn} + \Delta t$, and fit $D(\Delta t)$ across the scales:

# %%
shift = np.arange(-240, 391, 30)  # Delta t, within the snapshots of every run
log_S = np.log(S_graphs).mean(axis=1)  # (n_scales, n_seeds, n_snapshots)


def aligned_dimension(onset: np.ndarray) -> probes.DimensionFit:
    """D(Delta t) of the runs aligned on their own onset (n_scales, n_seeds)."""
    aligned = np.stack(
        [  # (n_scales, n_seeds, n_shifts)
            [
                np.interp(onset[i, s] + shift, snapshot_epochs, log_S[i, s])
                for s in range(config.n_seeds)
            ]
            for i in range(len(config.N))
        ]
    )
    return probes.effective_dimension(config.N, np.exp(aligned))


dimension_aligned = {
    "t_loss": aligned_dimension(t_loss),
    "t_learn": aligned_dimension(t_learn),
}
for name, fit in dimension_aligned.items():
    cross = curves.crossing_time(shift, fit.D, after_minimum=True)
    boot = curves.crossing_time(shift, fit.boot, after_minimum=True)
    lowest = int(fit.D.argmin())
    print(
        f"aligned on {name:7s}: lowest D {fit.D[lowest]:.2f} at {shift[lowest]:+d}; "
        f"crosses 1 at {cross:+.0f}, interval {interval(boot)}; "
        f"D from +150 on: {fit.D[shift >= 150].mean():.2f} "
        f"(lower edge of band at most {fit.low[shift >= 150].max():.2f})"
    )
on_loss = dimension_aligned["t_loss"]
on_loss_cross = curves.crossing_time(shift, on_loss.boot, after_minimum=True)

# %% mystnb={"figure": {"caption": "D fitted across the eight XOR widths after aligning every run on its own $t_{loss}$ (blue, 90 % seed band) or $t_{learn}$ (red, dashed), against the epochs since that time. Aligned on the loss, D rises through 1 within a snapshot or two of $\\Delta t = 0$ and stays near 1 afterwards, with no lasting excess.", "name": "fig-dimension-aligned"}} tags=["hide-input"]
fig, ax = plt.subplots(figsize=(7, 3.6))
plot_band(
    ax,
    shift,
    on_loss.low,
    on_loss.high,
    on_loss.D,
    marker=".",
    label="aligned on $t_{loss}$",
)
on_learn = dimension_aligned["t_learn"]
ax.plot(shift, on_learn.D, color=COLORS[3], ls="--", label="aligned on $t_{learn}$")
ax.axhline(1, color="grey", ls=":", lw=1)
ax.axvline(0, color="k", lw=0.8)
ax.set(xlabel="$t - t_{onset}$ (epochs)", ylabel="$D$")
ax.legend()
plt.show()

# %% [markdown]
# Aligned on $t_{loss}$ ({numref}`fig-dimension-aligned`), $D$ rises through 1
# during the loss drop, up to a hundred and fifty epochs before the loss is
# half-way down (the interval printed above ends just after $t_{loss}$), and
# after it $D$ stays near 1: no supercritical excess once the networks have
# learned. Aligned on $t_{learn}$, the minimum of $D$ sits at $t_{learn}$ and
# the crossing comes one to three hundred epochs later: the accuracy flips in
# the middle of the dip.

# %%
# the aligned crossing lies within the loss drop: after t_loss - 240, before
# t_loss + one snapshot spacing (30 epochs)
assert -240 < np.nanpercentile(on_loss_cross, 5)
assert np.nanpercentile(on_loss_cross, 95) < 30
assert on_loss.low[shift >= 150].max() < 1.1  # nothing like the paper's 1.20

# %% [markdown]
# ### Before and after, against the paper
#
# *Before* is every snapshot earlier than the first run's $t_{learn}$ (all
# runs still on the plateau), *after* every snapshot later than the last
# run's $t_{loss}$ (all runs past the loss drop). Each level is the mean of
# $D$ over those snapshots, with a band from the same bootstrap.

# %%
before = snapshot_epochs < t_learn.min()
after = snapshot_epochs > t_loss.max()


def levels(fit: probes.DimensionFit) -> dict[str, float]:
    """Mean D before and after learning, the peak, each with a 90 % band."""
    out = {}
    for name, values in (
        ("before", fit.boot[:, before].mean(axis=1)),
        ("after", fit.boot[:, after].mean(axis=1)),
        ("peak", np.nanmax(fit.boot, axis=1)),
    ):
        low, high = np.nanpercentile(values, [5, 95])
        centre = {
            "before": np.nanmean(fit.D[before]),
            "after": np.nanmean(fit.D[after]),
            "peak": np.nanmax(fit.D),
        }[name]
        out |= {name: centre, f"{name} low": low, f"{name} high": high}
    return out


PAPER_LEVELS = {"before": 0.90, "after": 1.20}  # the paper's values
default_levels = levels(dimension)
print(f"{int(before.sum())} snapshots before, {int(after.sum())} after")
pd.DataFrame(
    {
        "ours": [
            f"{default_levels[k]:.2f} [{default_levels[k + ' low']:.2f}, "
            f"{default_levels[k + ' high']:.2f}]"
            for k in ("before", "after", "peak")
        ],
        "paper": [0.90, 1.20, None],
    },
    index=["D before", "D after", "highest D"],
)

# %% [markdown]
# ## Geometry or distribution? The probe's knobs and a shuffle control
#
# Each rule of the probe is our choice, so we vary all four knobs together:
# transfer fraction $\alpha \in \{0.3, 0.5, 0.9\}$, threshold
# $F_{th} \in \{1.5, 2, 3\}$, load normalisation (mean or root mean square of
# $|g|$) and mean degree of the graph (4 or 8): 36 settings, each on the same
# gradients (graph seed 0, band over seeds). A setting *reproduces* a paper
# value when its 90 % band overlaps the paper's value $\pm 0.02$ (the paper's
# quoted error). A threshold above the largest load of some snapshot leaves
# that snapshot with no toppling at some width: there $D$ does not exist
# (`empty="nan"`), and those snapshots are left out of the means.
#
# The paper reads $D$ as a property of the *geometry* of the gradient field.
# On a random graph whose nodes are parameters in an arbitrary order, the
# only geometry is which parameter sits on which node. Shuffling each
# snapshot's entries across the nodes keeps their distribution and destroys
# that placement; we run the shuffle for every setting that reproduces one of
# the paper's values or whose peak reaches $1.20 - 0.02$.

# %%
GRID = {
    "alpha": (0.3, 0.5, 0.9),
    "threshold": (1.5, 2.0, 3.0),
    "normalisation": ("mean", "rms"),
    "mean_degree": (4, 8),
}
shuffled = [np.random.default_rng(1).permuted(g, axis=-1) for g in runs.gradients]
graph_sets = {
    k: probes.scale_graphs(config.N, mean_degree=k) for k in GRID["mean_degree"]
}
rows = []
for alpha, threshold, norm, degree in itertools.product(*GRID.values()):
    probe = dict(alpha=alpha, threshold=threshold, normalisation=norm)
    sizes = probes.cascade_sizes(runs.gradients, graph_sets[degree], **probe)
    fit = probes.effective_dimension(config.N, sizes, empty="nan")
    row = {
        "alpha": alpha,
        "threshold": threshold,
        "normalisation": norm,
        "mean degree": degree,
        **levels(fit),
    }
    for key, paper in PAPER_LEVELS.items():
        row[f"{key} as paper"] = (
            row[f"{key} low"] <= paper + 0.02 and row[f"{key} high"] >= paper - 0.02
        )
    if row["before as paper"] or row["after as paper"] or row["peak"] >= 1.18:
        sizes = probes.cascade_sizes(shuffled, graph_sets[degree], **probe)
        mixed = levels(probes.effective_dimension(config.N, sizes, empty="nan"))
        # survives: the shuffle moves a level outside the real gradients' band
        row["survives shuffle"] = any(
            not row[f"{k} low"] <= mixed[k] <= row[f"{k} high"]
            for k in ("before", "after")
        )
        row |= {"shuffled before": mixed["before"], "shuffled after": mixed["after"]}
    rows.append(row)
grid = pd.DataFrame(rows)
print(f"{len(grid)} settings")

# %% mystnb={"figure": {"caption": "D before learning (blue) and after (red), each with its 90 % seed band, and the highest D (open circles), for all 36 settings of the probe: one panel per load normalisation and mean degree, the transfer fraction $\\alpha$ and threshold along the horizontal axis. Dotted lines: the paper's 0.90 and 1.20. The levels move with the knobs, most with the normalisation; before sits near 0.9 for mean normalisation, but after never reaches 1.20.", "name": "fig-dimension-grid"}} tags=["hide-input"]
fig, axes = plt.subplots(2, 2, figsize=(12, 6.5), sharex=True, sharey=True)
labels = [f"{a}\n{t}" for a, t in itertools.product(GRID["alpha"], GRID["threshold"])]
x = np.arange(len(labels))
for ax, (norm, degree) in zip(
    axes.ravel(), itertools.product(GRID["normalisation"], GRID["mean_degree"])
):
    part = grid[(grid["normalisation"] == norm) & (grid["mean degree"] == degree)]
    for offset, key, color in (
        (-0.15, "before", COLORS[0]),
        (0.15, "after", COLORS[3]),
    ):
        centre = part[key].to_numpy()
        error = np.abs(part[[f"{key} low", f"{key} high"]].to_numpy().T - centre)
        ax.errorbar(
            x + offset,
            centre,
            yerr=error,
            fmt="o",
            color=color,
            ms=4,
            capsize=2,
            label=f"D {key}",
        )
    ax.plot(x, part["peak"], "o", mfc="none", color="k", ms=5, label="highest D")
    for level in PAPER_LEVELS.values():
        ax.axhline(level, color="grey", ls=":", lw=1)
    ax.set_title(f"{norm} normalisation, mean degree {degree}", fontsize=10)
for ax in axes[1]:
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_xlabel("$\\alpha$ / threshold")
for ax in axes[:, 0]:
    ax.set_ylabel("$D$")
axes[0, 0].legend(fontsize=8, ncol=3, loc="lower left")
plt.show()

# %% tags=["hide-input"]
as_paper = grid[
    grid["before as paper"] | grid["after as paper"] | (grid["peak"] >= 1.18)
]
columns = {  # grid column -> (group, name): short headers keep the table in its box
    "before": ("D", "before"),
    "after": ("D", "after"),
    "peak": ("D", "peak"),
    "before as paper": ("as paper", "before"),
    "after as paper": ("as paper", "after"),
    "shuffled before": ("shuffled", "before"),
    "shuffled after": ("shuffled", "after"),
    "survives shuffle": ("shuffled", "survives"),
}
assert (as_paper["normalisation"] == "mean").all()  # rms moves D down, away from both
near_paper = as_paper.set_index(["alpha", "threshold", "mean degree"])[list(columns)]
near_paper.columns = pd.MultiIndex.from_tuples(columns.values())
near_paper.round(2)

# %% [markdown]
# The verdict on the knobs ({numref}`fig-dimension-grid` and the table of the
# settings that come near the paper, all with the mean normalisation):
#
# - **Before learning**: with the mean normalisation $D$ sits at 0.9-1.0, and
#   most settings with $\alpha \le 0.5$, the default among them, reproduce
#   the paper's 0.90.
# - **After learning**: *no* setting gives 1.20; after the loss drop $D$ is
#   at or below about 1 everywhere. A threshold of 3 lifts the *peak* during
#   learning to about 1.2-1.3, a transient, not a new level. The
#   root-mean-square normalisation moves everything down, to 0.4-0.9.
# - **So no setting gives the paper's pair** (0.90 before, 1.20 after).
# - **Shuffle**: for most of these settings, putting the entries on random
#   nodes leaves both levels inside their bands: $D$ reads the distribution
#   of $|g_i|$ across model sizes, not where the large entries sit. The
#   exceptions are threshold 3 on the denser graph (mean degree 8), where
#   the shuffle *raises* $D$ after learning from about 0.93 to about 1.1:
#   there the placement matters, and the real placement keeps $D$ lower.

# %%
assert not (grid["before as paper"] & grid["after as paper"]).any()
assert not grid["after as paper"].any()
assert grid["before as paper"].sum() >= 3
survivors = grid["survives shuffle"].eq(True)
assert survivors.sum() < grid["before as paper"].sum() / 2  # most read the distribution
default = grid[
    (grid["alpha"] == 0.5)
    & (grid["threshold"] == 2.0)
    & (grid["normalisation"] == "mean")
    & (grid["mean degree"] == 4)
]
assert not default["survives shuffle"].eq(True).any()
mean_norm = grid[grid["normalisation"] == "mean"]
assert mean_norm["after"].max() < PAPER_LEVELS["after"] - 0.1

# %% [markdown]
# ### What makes the dip?
#
# If $D$ reads the distribution of $|g_i|$, which feature of it makes $D$
# dip to ~0.8 on the plateau? Four decompositions, all with the default rule
# on graph seed 0:
#
# - **per layer**: the probe on the entries of one layer alone, layer 1
#   ($W_1$ and $b_1$, $3h$ entries) or layer 2 ($W_2$, $h$ entries), fitted
#   across the same widths;
# - **without the output bias**: the one entry whose gradient does not
#   shrink as $1/h$ in the mean-field parametrisation, so its load grows with
#   $N$;
# - **kurtosis**: i.i.d. draws from a generalised normal law
#   $p(x) \propto e^{-|x|^b}$ whose shape $b$ gives each snapshot's kurtosis
#   (`probes.kurtosis_matched_gradients`; $b = 2$ is the Gaussian);
# - **the starting count**: the number $n_0$ of nodes whose load is at or
#   above the threshold before anything topples, and its exponent
#   $n_0 \sim N^{D_0}$.

# %%
h = np.asarray(config.widths)
pieces = {  # name -> (gradients per width, N per width); entries W1, b1, W2, c
    "layer 1 ($W_1$, $b_1$)": (
        [g[..., : 3 * w] for g, w in zip(runs.gradients, h)],
        3 * h,
    ),
    "layer 2 ($W_2$)": ([g[..., 3 * w : 4 * w] for g, w in zip(runs.gradients, h)], h),
    "without output bias": ([g[..., :-1] for g in runs.gradients], 4 * h),
    "kurtosis-matched": (
        [
            probes.avalanche.kurtosis_matched_gradients(g, seed=2)
            for g in runs.gradients
        ],
        config.N,
    ),
}
dip = {"all entries": dimension_one_graph}
for name, (gradients, n_entries) in pieces.items():
    sizes = probes.cascade_sizes(gradients, probes.scale_graphs(n_entries))
    dip[name] = probes.effective_dimension(n_entries, sizes, empty="nan")
loads = [probes.snapshot_loads(g.reshape(-1, g.shape[-1])) for g in runs.gradients]
n_start = np.stack(
    [(f >= 2.0).sum(axis=0).reshape(g.shape[:2]) for f, g in zip(loads, runs.gradients)]
)  # (n_scales, n_seeds, T)
dip["starting count $n_0$"] = probes.effective_dimension(config.N, n_start, empty="nan")
bottom = int(np.nanargmin(dimension_one_graph.D))
print(f"at the bottom of the dip (epoch {snapshot_epochs[bottom]}):")
for name, fit in dip.items():
    print(
        f"  {name:28s} D = {fit.D[bottom]:.2f} [{fit.low[bottom]:.2f}, "
        f"{fit.high[bottom]:.2f}]"
    )

# %% mystnb={"figure": {"caption": "D(t) over the first 1000 epochs for the decompositions of the dip: all entries (blue band, graph seed 0), each layer alone, all entries but the output bias, kurtosis-matched i.i.d. entries, and the exponent $D_0$ of the number of nodes above threshold before any toppling. Every real piece dips; the kurtosis-matched entries do not, and $D_0$ dips deeper than $D$.", "name": "fig-dimension-dip"}} tags=["hide-input"]
early = snapshot_epochs <= 1000
fig, ax = plt.subplots(figsize=(8, 4))
base = dip["all entries"]
plot_band(
    ax,
    snapshot_epochs[early],
    base.low[early],
    base.high[early],
    base.D[early],
    label="all entries",
)
styles = ["--", "-.", ":", "-", "--"]
for (name, fit), style, color in zip(list(dip.items())[1:], styles, COLORS[1:]):
    ax.plot(snapshot_epochs[early], fit.D[early], ls=style, color=color, label=name)
ax.axhline(1, color="grey", lw=0.8)
ax.set(xlabel="epoch", ylabel="$D$")
ax.legend(fontsize=8, ncol=2)
plt.show()

# %% [markdown]
# The dip is in every layer and survives removing the output bias, so no
# single entry and no single layer makes it. It is not the tails' weight as
# one number: i.i.d. entries with the same kurtosis keep $D \approx 1$. What
# moves with $D$ is how many entries start above threshold: on the plateau
# the fraction of nodes with $|g_i| \ge 2 \langle |g| \rangle$ falls as the
# network widens ($D_0 < 1$), so fewer cascades start per node at large $N$.
# The dip is a statement about how the *shape* of the bulk of $|g|$ changes
# with width on the plateau (fewer moderately large entries at large width),
# which the avalanche then amplifies or damps.

# %%
for name in ("layer 1 ($W_1$, $b_1$)", "layer 2 ($W_2$)", "without output bias"):
    assert dip[name].high[bottom] < 1, name
assert dip["kurtosis-matched"].low[bottom] > dimension_one_graph.high[bottom]
assert dip["starting count $n_0$"].high[bottom] < 1

# %% [markdown]
# ## Modular addition: does $D(t)$ tell the runs that grok from the rest?
#
# The companion paper {cite}`wang2026criticality` reports that on modular
# addition $D(t)$ of the runs that grok and of the runs that do not part
# 100-200 epochs before their test accuracies do. We test this on the
# prologue's network (`grokbook.tasks.modular`: Gromov's quadratic MLP, MSE,
# AdamW, $a + b \bmod 23$) at five widths, $N = 3 \cdot 23 \cdot
# \text{width}$ = 4416 ... 17664 parameters, four seeds each, 51 gradient
# snapshots over 300 full-batch steps. Three groups:
#
# - **grokking**: weight decay 5 on half of the table, the prologue's recipe;
# - **control, same optimizer**: weight decay 5 on 30 % of the table, too
#   little data to generalise within 300 steps: the same AdamW and weight
#   decay, so that the groups differ only in the data;
# - **control, no weight decay**: weight decay 0 on half of the table, the
#   same splits and initialisations as the grokking runs: it memorises and
#   does not generalise within the 300 steps.
#
# The gradient at a snapshot is the raw gradient of the training loss (what
# the paper calls the "shadow probe"; AdamW's weight decay is not part of
# it). The probe is the XOR section's default, unchanged.

# %% tags=["hide-input", "nbval-ignore-output"]
MODULAR = {"p": 23, "n_epochs": 300, "eval_every": 6}  # evaluated at every snapshot
MODULAR_WIDTHS, MODULAR_SEEDS = (64, 96, 128, 192, 256), range(4)
GROUPS = {
    "grokking": {"weight_decay": 5.0, "train_fraction": 0.5},
    "control, same optimizer": {"weight_decay": 5.0, "train_fraction": 0.3},
    "control, no weight decay": {"weight_decay": 0.0, "train_fraction": 0.5},
}
start = time.perf_counter()
modular_runs = {
    name: modular.gradient_runs({**MODULAR, **group}, MODULAR_WIDTHS, MODULAR_SEEDS)
    for name, group in GROUPS.items()
}
n_runs = len(GROUPS) * len(MODULAR_WIDTHS) * len(MODULAR_SEEDS)
print(f"{n_runs} runs in {time.perf_counter() - start:.0f} s")

# %% [markdown]
# For each group: $D(t)$ across the five widths with its 90 % seed-bootstrap
# band, and the test accuracy, training accuracy and training loss averaged
# over all runs of the group, with 90 % bands from the same bootstrap over
# seeds (`probes.resample_seeds`). Two curves *separate* at the first
# snapshot from which their bands are disjoint at three consecutive snapshots
# (`probes.separation_time`), known to within one snapshot spacing (6 steps).
# The interval of each separation time comes from an outer bootstrap: 200
# times, the four seeds are redrawn with replacement (the same draw for both
# groups, which share seeds) and the bands and separations recomputed.

# %% tags=["hide-input"]
modular_N = np.array([g.shape[-1] for g in next(iter(modular_runs.values()))[1]])
modular_epochs = np.linspace(0, MODULAR["n_epochs"], 51).round()  # = evaluation epochs
modular_graphs = probes.scale_graphs(modular_N)
modular_S = {  # (n_scales, n_seeds, T)
    name: probes.cascade_sizes(gradients, modular_graphs)
    for name, (_, gradients) in modular_runs.items()
}
CURVES = ("test_acc", "train_acc", "train_loss")
modular_curves = {  # group -> curve -> (n_scales, n_seeds, T)
    name: {
        key: np.array([[getattr(h, key) for h in row] for row in histories])
        for key in CURVES
    }
    for name, (histories, _) in modular_runs.items()
}


def group_bands(name: str, seeds, n_boot: int = 1000) -> dict[str, np.ndarray]:
    """(2, T) bands of D(t), mean accuracies and training loss of a group's seeds."""
    fit = probes.effective_dimension(
        modular_N, modular_S[name][:, seeds], n_boot=n_boot
    )
    bands = {"D": np.stack([fit.low, fit.high]), "D_fit": fit.D}
    for key in CURVES:
        values = modular_curves[name][key][:, seeds]  # (n_scales, n_seeds, T)
        boot = probes.resample_seeds(values, n_boot=n_boot).mean(axis=1)  # (n_boot, T)
        bands[key] = np.quantile(boot, [0.05, 0.95], axis=0)
        bands[key + "_mean"] = values.mean(axis=(0, 1))
    return bands


def separations(control: str, seeds, n_boot: int = 1000) -> dict[str, float]:
    """Step at which the grokking runs and a control separate in D and each curve."""
    grok_bands, control_bands = (
        group_bands(n, seeds, n_boot) for n in ("grokking", control)
    )
    return {
        key: probes.separation_time(modular_epochs, grok_bands[key], control_bands[key])
        for key in ("D", *CURVES)
    }


seeds_all = list(range(len(MODULAR_SEEDS)))
group_curves = {name: group_bands(name, seeds_all) for name in GROUPS}
draws = np.random.default_rng(3).integers(len(seeds_all), size=(200, len(seeds_all)))
CONTROLS = [name for name in GROUPS if name != "grokking"]
separation, separation_boot = {}, {}
for control in CONTROLS:
    separation[control] = separations(control, seeds_all)
    replicas = [separations(control, list(d), n_boot=200) for d in draws]
    separation_boot[control] = {
        k: np.array([r[k] for r in replicas]) for k in replicas[0]
    }


def boot_cell(values: np.ndarray) -> str:
    """Median [5 %, 95 %] of bootstrap replicas, and how many never separate."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return "never"
    q = np.percentile(finite, [50, 5, 95])
    text = f"{q[0]:.0f} [{q[1]:.0f}, {q[2]:.0f}]"
    return text + (
        f" ({values.size - finite.size} never)" if finite.size < values.size else ""
    )


lead_rows = {}
for control in CONTROLS:
    boot = separation_boot[control]
    lead_rows[control] = {f"{k} separates": boot_cell(boot[k]) for k in ("D", *CURVES)}
    lead_rows[control] |= {
        "lead of D over test acc.": boot_cell(boot["test_acc"] - boot["D"]),
        "lead of D over train loss": boot_cell(boot["train_loss"] - boot["D"]),
    }
grok_test = modular_curves["grokking"]["test_acc"]
t_99 = curves.first_epoch_at(modular_epochs, grok_test, 0.99)  # (n_scales, n_seeds)
best = {c: modular_curves[c]["test_acc"].max() for c in CONTROLS}
print(
    f"grokking runs: test accuracy >= 0.99 at step {np.median(t_99):.0f} "
    f"(median; range {t_99.min():.0f}-{t_99.max():.0f}); "
    "best test accuracy of any control run: "
    + ", ".join(f"{c} {v:.2f}" for c, v in best.items())
)
pd.DataFrame(lead_rows).T

# %% mystnb={"figure": {"caption": "Modular addition mod 23 at five widths, 4 seeds per group: runs that grok (weight decay 5 on half of the table, blue), a same-optimizer control with 30 % of the table (red) and a control without weight decay (green). D(t) across the widths (left), mean test accuracy (middle) and mean training loss (right, log scale) against the training step, all with 90 % seed-bootstrap bands. The training loss parts the groups first; D and the test accuracy follow.", "name": "fig-dimension-modular"}} tags=["hide-input"]
fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), sharex=True)
PANELS = {"D": "$D(t)$", "test_acc": "test accuracy", "train_loss": "training loss"}
for (name, bands), color in zip(
    group_curves.items(), (COLORS[0], COLORS[3], COLORS[2])
):
    for ax, key in zip(axes, PANELS):
        centre = bands["D_fit" if key == "D" else key + "_mean"]
        plot_band(ax, modular_epochs, *bands[key], centre, color, label=name)
for ax, (key, label) in zip(axes, PANELS.items()):
    ax.set(xlabel="step", ylabel=label)
axes[2].set_yscale("log")
axes[0].axhline(1, color="grey", lw=0.5)
axes[0].legend(fontsize=8, loc="lower left")
plt.show()

late = modular_epochs >= 240
for name, bands in group_curves.items():
    print(
        f"{name:26s} D at step 0: {bands['D_fit'][0]:.2f}, "
        f"lowest {np.min(bands['D_fit'][1:]):.2f}, steps 240-300: "
        f"{bands['D_fit'][late].mean():.2f} "
        f"(band {bands['D'][0, late].min():.2f}-{bands['D'][1, late].max():.2f})"
    )

# %% [markdown]
# What we measure ({numref}`fig-dimension-modular` and the table above):
#
# - **Both controls fail to generalise**, the runs that grok reach test
#   accuracy 0.99 around step 140.
# - **Same optimizer, less data**: the training loss and accuracy part the
#   groups at the first snapshot (the runs see different training sets), the
#   test accuracies some 50 steps later. $D(t)$ does *not* tell this control
#   from the runs that grok: in two of five seed redraws or so its bands
#   never part for three snapshots, and at the end its $D$ (about 1.26) lies
#   inside the grokking runs' band. The companion paper's claim, non-grokking
#   runs that stay apart from the grokking ones in $D$, fails for this
#   control.
# - **No weight decay**: $D$ separates the groups about 40 steps before the
#   test accuracies (interval 0 to 48 steps), but the training loss
#   separates them earlier still, at the first snapshot, and the training
#   accuracy before or with $D$: without weight decay the network memorises
#   faster, and $D$ sees that. Late in training the control's $D$ falls
#   below 1 (about 0.74) while the grokking runs' rises to about 1.3: the
#   direction is the reverse of the paper's, where runs that grok descend
#   through 1.
#
# In neither comparison does $D$ know something that the training curves do
# not show first.

# %%
assert np.all(np.isfinite(t_99)) and max(best.values()) < 0.2
same, no_wd = (separation_boot[c] for c in CONTROLS)
grok, same_opt = group_curves["grokking"], group_curves[CONTROLS[0]]
# same optimizer: D's late bands overlap, and D never parts the groups before the
# training loss does
assert grok["D"][0, late].min() < same_opt["D"][1, late].max()
assert np.all(
    same["train_loss"][np.isfinite(same["D"])] <= same["D"][np.isfinite(same["D"])]
)
# no weight decay: D before the test accuracy (median lead > 0), the loss first
assert np.nanmedian(no_wd["test_acc"] - no_wd["D"]) > 0
assert np.nanpercentile(no_wd["train_loss"] - no_wd["D"], 95) <= 0
no_wd_curves = group_curves[CONTROLS[1]]
assert no_wd_curves["D_fit"][late].mean() < 1 < grok["D_fit"][late].mean()

# %% [markdown]
# ## Summary
#
# The chapter's claims against the paper {cite}`wang2026` and its companion
# {cite}`wang2026criticality`, each with the number measured above (90 %
# bootstrap intervals in brackets) and a verdict. Scale: the paper's XOR
# design (8 widths, 6 seeds, 51 snapshots), our reconstruction of its probe;
# modular addition mod 23 at 5 widths, 4 seeds, 300 steps.


# %% tags=["hide-input"]
def fmt(centre: float, low: float, high: float) -> str:
    return f"{centre:.2f} [{low:.2f}, {high:.2f}]"


def lv(key: str) -> str:
    return fmt(*(default_levels[k] for k in (key, f"{key} low", f"{key} high")))


n_shuffled = int(grid["survives shuffle"].notna().sum())
q_loss = np.nanpercentile(lead_boot["t_loss"], [50, 5, 95])
q_learn = np.nanpercentile(lead_boot["t_learn"], [50, 5, 95])
no_wd_lead = np.nanpercentile(no_wd["test_acc"] - no_wd["D"], [50, 5, 95])
summary = [
    (
        "sandpile: Dhar's mean size, mean height 17/8, OFC load balance",
        "exact",
        f"{mean_size:.2f} vs {exact_size:.2f}; {height:.4f}; balance to 1e-9",
        "reproduced",
    ),
    (
        "sandpile on a BA graph: size exponent",
        "3/2 (mean field)",
        f"{tau[500][0]:.2f}-{tau[8000][0]:.2f}, rising with N (Borel law: "
        f"{tau['mean field'][0]:.2f})",
        "partly: effective exponent",
    ),
    (
        "Gaussian null on 5 topologies",
        "0.99, CV < 0.3 %",
        f"{D_null.mean():.2f}, CV {100 * D_null.std() / D_null.mean():.1f} %",
        "partly",
    ),
    ("XOR: D before learning", "0.90", lv("before"), "reproduced"),
    (
        "XOR: D after learning",
        "1.20",
        f"{lv('after')}; no setting of {len(grid)} reaches 1.20",
        "not reproduced",
    ),
    (
        "XOR: D crosses 1 at the onset of learning",
        "yes",
        f"crossing - t_loss {q_loss[0]:.0f} [{q_loss[1]:.0f}, {q_loss[2]:.0f}] epochs; "
        f"crossing - t_learn {q_learn[0]:.0f} [{q_learn[1]:.0f}, {q_learn[2]:.0f}]",
        "reproduced if learning is timed by the loss",
    ),
    (
        "D reflects the geometry of the gradient field",
        "yes",
        f"shuffle leaves D in its band in {n_shuffled - int(survivors.sum())}"
        f" of {n_shuffled} near-paper settings",
        "not reproduced",
    ),
    (
        "modular: D parts grokking / non-grokking runs 100-200 epochs before test acc.",
        "yes",
        f"no weight decay: {no_wd_lead[0]:.0f} [{no_wd_lead[1]:.0f}, "
        f"{no_wd_lead[2]:.0f}] steps, after the training loss; "
        "same optimizer: no lasting separation",
        "not reproduced",
    ),
]
pd.DataFrame(summary, columns=["claim", "paper", "ours", "verdict"])

# %% [markdown]
# In words: our reconstruction of the probe reproduces the paper's level
# before learning and, once learning is timed by the loss rather than by the
# accuracy of four points, a crossing of $D = 1$ at its onset. It does not
# reproduce the level after learning in any of 36 settings of its four
# knobs, and what it measures is, for nearly every setting, the distribution
# of the gradient's entries across model sizes (the dip is the fraction of
# entries that start above threshold falling with width), not a geometry. On
# modular addition it tells a same-optimizer control from grokking runs no
# better than chance, and never before the training loss does.

# %% [markdown]
# ## Exercises
#
# 1. Use the largest connected avalanche (`probes.largest_cluster`) instead of
#    the total number of topplings as $S_{\max}$. Does the null model still
#    give $D = 1$ on the lattice, and does the dip survive?
# 2. Train in standard (not mean-field) parametrisation, where wide networks
#    learn much earlier than narrow ones. What happens to a fit at fixed epoch,
#    and to one aligned on $t_{loss}$?
# 3. The dip follows the number of nodes that start above threshold. Predict
#    $D(t)$ from the distribution of $|g_i|$ alone (resample each snapshot's
#    entries i.i.d.) and compare with the shuffle.
