"""The book's registered experiments: what ``grokbook run NAME`` runs, one :func:`register` call each.

Every chapter-module path of the package is here (``"module:function"`` run
functions, ``_defaults("module", ...)`` configs), all resolved on first use, so
importing this module imports neither torch nor any chapter.  Update a path
here when a module moves; add an experiment of the book here.
"""

from __future__ import annotations

import numpy as np

from .experiments import _defaults, register
from .validate import check_int

__all__ = ["ising_sampler_check"]


def ising_sampler_check(config: dict, seed: int) -> dict:
    """Energy and |m| per spin from :func:`grokbook.ising.sample`, next to Onsager's infinite-lattice values.

    Standard errors come from the spread of per-chain means (chains are
    independent; samples within a chain may be correlated), so they are honest
    even where the thinning is shorter than the autocorrelation time.

    Returns:
        T, energy, energy_se, abs_magnetization, abs_magnetization_se,
        onsager_energy, onsager_abs_magnetization: float arrays of shape (n_T,).
    """
    from . import ising

    L, n_samples, n_chains = config["L"], config["n_samples"], config["n_chains"]
    check_int("n_chains", n_chains, minimum=2)
    if n_samples % n_chains:
        raise ValueError(f"n_samples must be a multiple of n_chains={n_chains}, got {n_samples}")
    T = np.asarray(config["temperatures"], dtype=float)  # (n_T,)
    spins = ising.sample(L, T, n_samples, method=config["method"], n_chains=n_chains, seed=seed)  # (n_T, n, L, L)
    by_chain = (n_samples // n_chains, n_chains)  # sample k is chain k % n_chains
    out = {"T": T}
    for key, values in (("energy", ising.energy(spins) / L**2), ("abs_magnetization", np.abs(ising.magnetization(spins)))):
        chain_means = values.reshape(T.size, *by_chain).mean(axis=1)  # (n_T, n_chains)
        out[key] = values.mean(axis=1)
        out[f"{key}_se"] = chain_means.std(axis=1, ddof=1) / np.sqrt(n_chains)
    out["onsager_energy"] = np.atleast_1d(ising.onsager_energy(T))
    out["onsager_abs_magnetization"] = np.atleast_1d(ising.onsager_magnetization(T))
    return out


# ===========================================================================
# THE REGISTERED EXPERIMENTS: every chapter-module path of the package is in
# this block ("module:function" run functions, _defaults("module", ...) configs),
# all resolved on first use. Update them here when a module moves.
# ===========================================================================

register(
    "ising_sampler_check",
    "Wolff/Metropolis samples of the 2-D Ising model: energy and |m| per spin vs Onsager",
    ising_sampler_check,
    quick={"L": 16, "temperatures": [1.5, 2.0, 2.5, 3.5], "n_samples": 256, "n_chains": 16, "method": "wolff"},
    paper={"L": 64, "temperatures": [1.0, 1.5, 1.8, 2.0, 2.1, 2.2, 2.269, 2.35, 2.5, 3.0, 3.5], "n_samples": 2048, "n_chains": 32, "method": "wolff"},
)

register(
    "modular_addition",
    "Gromov's quadratic MLP on a o b mod p (chapter 0): curves, steps to fit and to grok",
    "grokbook.tasks.modular:run_config",
    quick=_defaults("tasks.modular"),
    paper=_defaults("tasks.modular", train_fraction=0.15, n_epochs=3000, eval_every=10),
)

register(
    "ising_grokking",
    "The Ising paper's MLP on four energy bins of 8x8 configurations (chapters 2 and 3); sweeps with --sweep beta=0.25,0.5,...",
    "grokbook.tasks.ising_bins:run_config",
    quick=_defaults("tasks.ising_bins", n_epochs=20_000, n_pca_samples=256),
    paper=_defaults("tasks.ising_bins", flush_denormals=True),  # quick keeps the archive's setting
)

register(
    "rule30_grokking",
    "Tensor-network attention learning rule 30 (chapter 4): accuracies and effective dimension",
    "grokbook.tasks.automata:run_config",
    quick=_defaults("tasks.automata"),
    paper=_defaults("tasks.automata", "PAPER_CONFIG"),
)

register(
    "dimension",
    "XOR at 8 widths, 51 gradient snapshots each, and their avalanche sizes (chapter 5's D(t)); one seed = every width",
    "grokbook.tasks.xor:run_config",
    quick=_defaults("tasks.xor"),
    paper=_defaults("tasks.xor"),  # the paper's design (8 scales x 51 snapshots) runs in seconds per seed
)

register(
    "rule30_exponent",
    "Seed ensembles of the tensor network on rule 30 (chapter 4): per-epoch errors, grokking times, aligned critical exponent; --set l1=... l2=... freeze_A=true",
    "grokbook.tasks.automata:run_exponent_config",
    quick=_defaults("tasks.automata", "EXPONENT_CONFIG"),
    paper=_defaults("tasks.automata", "EXPONENT_CONFIG", "PAPER_ENSEMBLE_CONFIG"),
)

register(
    "ising_phase",
    "The energy-bin network on the phase task (T below or above T_c, chapter 3): does it grok given time?",
    "grokbook.tasks.ising_phase:run_config",
    quick=_defaults("tasks.ising_phase"),
    paper=_defaults("tasks.ising_phase", n_epochs=20_000, eval_every=100),
)

register(
    "modular_transformer",
    "Nanda et al.'s one-layer transformer on a + b mod p (chapter 0): curves, key frequencies, restricted and excluded loss; quick = p 59 at half their width (theirs: --scale paper)",
    "grokbook.tasks.modular_transformer:run_config",
    quick=_defaults("tasks.modular_transformer", p=59, d_model=64, d_mlp=256, n_epochs=30_000, eval_every=20),
    paper=_defaults("tasks.modular_transformer", "PAPER_CONFIG"),
)

register(
    "rule30_protocol",
    "Seed ensembles on rule 30 under the authors' protocol (chapter 4): their read-out and loss, domain sizes on 256 strings of 1,000 cells, train_epoch/gen_epoch; --set l1=... l2=... readout=linear loss=logistic",
    "grokbook.tasks.automata_protocol:run_protocol_config",
    quick=_defaults("tasks.automata_protocol", "PROTOCOL_CONFIG", d=4, j=1, n_epochs=200, n_test=64, L_test=200, n_models=12),
    paper=_defaults("tasks.automata_protocol", "PROTOCOL_CONFIG"),
)
