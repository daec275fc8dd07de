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
# # Your own experiment
#
# The chapters use `grokbook` to reproduce four papers; this page uses it as a
# library, the way you would on a task of your own. The task is $a - b \bmod 59$,
# written here from scratch (data, network, run function) and measured with
# the package's public names only, those that `import grokbook` lists in
# `grokbook.__all__` (the README's "Public API"): the training loop
# `grokbook.training.train`, the clock `grokking_times`, the probes
# `probe_snapshot`, the registry `register` / `run_sweep` and the
# `ResultStore`. A test of the package (`tests/test_public_api.py`) reads
# this page and fails if it uses anything else.
#
# ```{admonition} Objectives
# :class: tip
# - Write a task, a network and a run function, and register them as a named
#   experiment.
# - Run three seeds through the results store and read them back as a table of
#   $t_\text{fit}$, $t_\text{grok}$ and the verdict of the clock.
# - Choose the probes, and see what changes when the run does not grok.
# - Run the same experiment from the command line, on many cores or a cluster.
# ```

# %% tags=["remove-cell"]
# Colab only: install grokbook. Does nothing elsewhere.
import sys

if "google.colab" in sys.modules:
    import subprocess

    REPO = "git+https://github.com/grokbook/grokbook@v0.1.0"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", REPO], check=True)

# %%
import tempfile
from functools import partial

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from grokbook import (
    PROBES,
    Dataset,
    ResultStore,
    book,
    grokking_times,
    mse_one_hot,
    probe_snapshot,
    register,
    run_sweep,
    train,
)

SCALE = book.setup(seed=0, threads=1)

# %% [markdown]
# ## The task and the network
#
# The data come in a `Dataset`: training and test tensors and the number of
# classes. Here the inputs are the pairs $(a, b)$ as int64 tokens and the
# label is $a - b \bmod p$; the seed draws which pairs are for training.


# %%
def subtraction_data(p: int, train_fraction: float, seed: int) -> Dataset:
    """Every pair (a, b) of residues mod p, labelled a - b mod p, split at random."""
    a, b = torch.meshgrid(torch.arange(p), torch.arange(p), indexing="ij")
    X = torch.stack([a.ravel(), b.ravel()], dim=1)  # (p^2, 2) int64 tokens
    y = (X[:, 0] - X[:, 1]) % p
    order = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))
    n_train = round(train_fraction * len(X))
    train_idx, test_idx = order[:n_train], order[n_train:]
    return Dataset(X[train_idx], y[train_idx], X[test_idx], y[test_idx], n_classes=p)


# %% [markdown]
# Any `torch.nn.Module` trains; two methods make the probes work without
# further arguments. `hidden(X)` returns the hidden layers (a list of
# (n, width) activations; the probes use the last), and an `embedding`
# attribute, a (p, width) tensor, lets the Fourier probe count the frequencies
# of $\mathbb{Z}_p$ each neuron uses. The network is Gromov's
# {cite}`gromov2023`, as in chapter {doc}`00_modular_arithmetic`: one hidden
# layer of width $N$ with a quadratic activation,
# $f(a, b) = W^\top (E_a[a] + E_b[b])^2$.


# %%
class Quadratic(torch.nn.Module):
    """f(a, b) = W^T (E_a[a] + E_b[b])^2, seeded by seed."""

    def __init__(self, p: int, width: int, seed: int) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.E = torch.nn.Parameter(torch.randn(2, p, width, generator=g) / p**0.5)
        self.W = torch.nn.Parameter(torch.randn(width, p, generator=g) / width**0.5)

    @property
    def embedding(self) -> torch.Tensor:
        return self.E[0]  # (p, width): what the network sees of a

    def hidden(self, X: torch.Tensor) -> list[torch.Tensor]:
        return [(self.E[0, X[:, 0]] + self.E[1, X[:, 1]]) ** 2]  # [(n, width)]

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.hidden(X)[-1] @ self.W  # (n, p)


# %% [markdown]
# ## One run, registered
#
# A run is a function of a config dictionary and a seed that returns a flat
# dictionary of numbers and arrays: what the results store keeps.
# `History.to_payload()` gives the learning curves, the clock's times and
# every probe at every snapshot epoch. The probes are chosen by family
# (`"weights"`, `"gradients"`, `"representation"`, `"fourier"`); the gradient
# probe differentiates the loss the run trains with, here the squared error
# against one-hot targets.

# %%
CONFIG = {
    "p": 59,
    "train_fraction": 0.4,
    "width": 128,
    "lr": 1e-2,
    "weight_decay": 5.0,
    "n_epochs": 200,
    "snapshot_every": 10,
}


def run(config: dict, seed: int) -> dict:
    """Train one seed of a - b mod p, full batch with AdamW, probing as it goes."""
    data = subtraction_data(config["p"], config["train_fraction"], seed)
    model = Quadratic(config["p"], config["width"], seed)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config["lr"], weight_decay=config["weight_decay"]
    )
    families = ("weights", "gradients", "fourier")
    probes = partial(probe_snapshot, loss_fn=mse_one_hot, probes=families)
    n_epochs = config["n_epochs"]
    history = train(
        model,
        data,
        optimizer,
        n_epochs=n_epochs,
        loss_fn=mse_one_hot,
        eval_every=5,
        snapshot_epochs=range(0, n_epochs + 1, config["snapshot_every"]),
        snapshot=probes,
        seed=seed,
        progress=False,
    )
    return history.to_payload()


NAME = "subtraction_mod_59"
experiment = register(
    NAME, "a - b mod 59, Gromov's network", run, quick=CONFIG, replace=True
)
print(experiment.name, dict(experiment.quick))

# %% [markdown]
# `register` adds the experiment to the registry that the command line reads
# (`paper=` would give a second, larger config; without it the paper config
# is the quick one). `replace=True` lets this cell run again.
#
# ## Three seeds through the store
#
# `run_sweep` is what `grokbook run NAME --seeds 3` calls: it looks the
# experiment up by name, runs each seed the store does not hold yet, and
# stores each result with its config, seed and provenance. The store here is
# a temporary directory; `ResultStore()` would be `results/` of the
# repository, where a rerun loads what is stored instead of recomputing it.

# %%
store = ResultStore(tempfile.mkdtemp(prefix="grokbook-07-"))
report = run_sweep(NAME, seeds=3, store=store, progress=False)
again = run_sweep(NAME, seeds=3, store=store, progress=False)
print(f"computed seeds {report.computed}; the second call reused {again.reused}")

# %% [markdown]
# The clock reads every stored run: `grokking_times` gives $t_\text{fit}$,
# $t_\text{grok}$ and a verdict ({doc}`../book/definitions`). A run *grokked*
# when its test accuracy rose by at least 0.1 after $t_\text{fit}$ and then
# settled; a run that never generalises is reported "did not grok", with no
# time at all (NaN), never a time of a flat curve. To see one, the same
# experiment runs once more with a tenth of the table for training, far below
# the fraction at which subtraction groks in Power et al.'s runs
# {cite}`power2022`.

# %%
small = {"train_fraction": 0.1}
control = run_sweep(NAME, overrides=small, seeds=1, store=store, progress=False)
runs = report.results + control.results
times = {(r.config["train_fraction"], r.seed): grokking_times(r.payload) for r in runs}
table = store.table(NAME)  # one row per (config, seed): every scalar of the payloads
keys = zip(table["train_fraction"], table["seed"])
table["verdict"] = [times[key].verdict for key in keys]
columns = ["train_fraction", "seed", "t_fit", "t_grok", "delay", "test_at_fit"]
table[[*columns, "test_plateau", "verdict"]].round(3)

# %% [markdown]
# Every seed of the 40% split has fitted the training set while its test
# accuracy is still far from 1, and reaches 1 some epochs later: a short
# delay at this strong weight decay (chapter {doc}`00_modular_arithmetic`
# varies the weight decay and the training fraction). The 10% split fits even
# sooner and never generalises, so it has no $t_\text{grok}$. These are the
# claims of the page, checked on every run: Gromov's network learns
# subtraction exactly (test plateau within 0.05 of 1), the grokking delay
# $t_\text{grok} - t_\text{fit}$ is positive, and the control did not grok.

# %%
grokked = [times[0.4, seed] for seed in range(3)]
assert all(t.grokked and t.test_plateau > 0.95 for t in grokked), grokked
assert all(t.delay > 0 for t in grokked), [t.delay for t in grokked]
assert times[0.1, 0].verdict == "did not grok" and np.isnan(times[0.1, 0].t_grok)
print("delay t_grok - t_fit per seed:", [int(t.delay) for t in grokked])

# %% [markdown]
# ## The probes
#
# The probes were recorded at every tenth epoch and are stored with the run,
# one array per probe along `snapshot_epochs`:

# %%
pd.DataFrame({"probe": list(PROBES), "what": list(PROBES.values())})

# %% mystnb={"figure": {"caption": "One seed of $a - b \\bmod 59$ (40% for training): the test accuracy (top) and the chosen probes against the epoch; dotted lines, $t_\\text{fit}$ and $t_\\text{grok}$ of the clock. What to see: the number of Fourier frequencies a neuron uses falls from about 15 to about 1, much of the way before the test accuracy rises; the weight norm first drops (weight decay on a network that has not fitted yet), then grows; the gradient component count $n_{90}$ falls as the test accuracy rises.", "name": "fig-own-probes"}} tags=["hide-input"]
payload = report.results[0].payload
seed_0 = grokking_times(payload)
names = ["weight_norm", "participation", "n90", "fourier"]
fig, axes = plt.subplots(len(names) + 1, 1, figsize=(6, 7.5), sharex=True)
axes[0].plot(payload["epochs"], payload["test_acc"], color=book.COLORS[1])
axes[0].set_ylabel("test accuracy")
for ax, name in zip(axes[1:], names):
    ax.plot(payload["snapshot_epochs"], payload[name], "o-", ms=3)
    ax.set_ylabel(name)
for ax in axes:
    for t in (seed_0.t_fit, seed_0.t_grok):
        ax.axvline(t, color="grey", ls=":")
axes[-1].set_xlabel("epoch")
plt.show()

# %% [markdown]
# Gromov's solution of modular arithmetic has each neuron use a single
# frequency of $\mathbb{Z}_p$ {cite}`gromov2023`, while a random embedding
# spreads its power over about half of the $\lfloor p/2 \rfloor + 1 = 30$
# frequencies (the participation ratio of exponentially distributed powers is
# half their number). The probe checks that every seed starts spread out and
# ends near the solution, within one frequency:

# %%
first_last = [r.payload["fourier"][[0, -1]] for r in report.results]
assert all(first > 10 and last < 2 for first, last in first_last), first_last
print("frequencies per neuron, first and last snapshot:", np.round(first_last, 2))

# %% [markdown]
# ## Your task, on your machine or a cluster
#
# For a task of your own, replace the three pieces above: a function that
# returns a `Dataset`, a network (with `hidden(X)` and, for the Fourier
# probe, `embedding`, if you want the probes' defaults), and a run function
# of `(config, seed)` that calls `train` and returns `history.to_payload()`
# (add anything else you measure as numbers or arrays). Register it once with
# its default config. To run many seeds or configs, put these definitions in
# a module, say `mymodule.py` next to you, and hand it to the command line:
#
# ```bash
# grokbook --import mymodule list
# grokbook --import mymodule run subtraction_mod_59 --seeds 20 --workers 2
# grokbook --import mymodule run subtraction_mod_59 --seeds 5 \
#     --sweep train_fraction=0.2,0.3,0.4,0.5 --workers 2
# grokbook --import mymodule show subtraction_mod_59
# ```
#
# `--workers 2` runs the seeds on a local Dask cluster of two single-threaded
# processes (`--threads N` gives each run N torch threads); on a cluster,
# start a Dask scheduler and workers where `mymodule` is importable and pass
# `--scheduler tcp://HOST:8786` instead (the README's "Running at paper
# scale" shows SLURM). Every finished run is stored at once, so a sweep that
# is stopped resumes where it was. A package you install can register its
# experiments for every `grokbook` command through the entry-point group
# `grokbook.experiments`. The results come back with
# `ResultStore().table("subtraction_mod_59")`, as above.
