"""Bad input across the public API: each call raises ValueError or TypeError naming the argument.

One table, so that a reader sees in one place what every public function
refuses, and a new function's checks are added beside the others.
"""

import math

import networkx as nx
import numpy as np
import pytest
import torch

from grokbook import curves, ising, losses, solvable, solvable_sim, stats, tensor_network, training
from grokbook import experiments as experiments_module
from grokbook import probes
from grokbook.data import Dataset
from grokbook.ensemble import Ensemble
from grokbook.models import QuadraticMLP, XORMLP
from grokbook.plots import show_spins
from grokbook.tasks import ising_bins, ising_phase, modular, xor

NAN = float("nan")
X4, Y4 = torch.randn(4, 3), torch.tensor([0, 1, 0, 1])
GRAPH = probes.make_graph("barabasi_albert", 50, seed=0)
W = probes.transfer_matrix(GRAPH)


def tiny_train(**kwargs):
    model = torch.nn.Linear(3, 2)
    data = Dataset(X4, Y4, X4, Y4, n_classes=2)
    return training.train(model, data, torch.optim.SGD(model.parameters(), lr=0.1), progress=False, **kwargs)


CASES = [
    # ising: sizes, temperatures, counts, methods, seeds
    ("ising.sample L=1", lambda: ising.sample(1, 2.0, 1), ValueError, "L"),
    ("ising.density_of_states L=3", lambda: ising.density_of_states(3), ValueError, "L"),
    ("ising.density_of_states L=10", lambda: ising.density_of_states(10), ValueError, "L"),
    ("ising.sample L=2.5", lambda: ising.sample(2.5, 2.0, 1), TypeError, "L"),
    ("ising.sample T=0", lambda: ising.sample(4, 0.0, 1), ValueError, "T"),
    ("ising.sample T=nan", lambda: ising.sample(4, NAN, 1), ValueError, "T"),
    ("ising.sample T=-inf", lambda: ising.sample(4, -math.inf, 1), ValueError, "T"),
    ("ising.sample T 2-D", lambda: ising.sample(4, [[1.0, 2.0]], 1), ValueError, "T"),
    ("ising.sample T='hot'", lambda: ising.sample(4, "hot", 1), TypeError, "T"),
    ("ising.sample n_samples=0", lambda: ising.sample(4, 2.0, 0), ValueError, "n_samples"),
    ("ising.sample method", lambda: ising.sample(4, 2.0, 1, method="glauber"), ValueError, "method"),
    ("ising.sample seed=-1", lambda: ising.sample(4, 2.0, 1, seed=-1), ValueError, "seed"),
    ("ising.sample thin=0", lambda: ising.sample(4, 2.0, 1, thin=0), ValueError, "thin"),
    ("ising.exact_averages L=5", lambda: ising.exact_averages(5, 2.0), ValueError, "L"),
    ("ising.onsager_energy T<0", lambda: ising.onsager_energy(-1.0), ValueError, "T"),
    ("ising.onsager_magnetization T=nan", lambda: ising.onsager_magnetization(NAN), ValueError, "T"),
    ("ising.energy not square", lambda: ising.energy(np.ones((2, 3), dtype=np.int8)), ValueError, "spins"),
    ("ising.energy not +-1", lambda: ising.energy(np.zeros((4, 4))), ValueError, "spins"),
    ("ising.abs_magnetization_series n_sweeps=1", lambda: ising.abs_magnetization_series(4, 2.0, 1), ValueError, "n_sweeps"),
    ("ising.abs_magnetization_series T array", lambda: ising.abs_magnetization_series(4, [2.0, 3.0], 10), ValueError, "T"),
    # stats
    ("stats.integrated_autocorrelation_time short", lambda: stats.integrated_autocorrelation_time([1.0]), ValueError, "x"),
    ("stats.integrated_autocorrelation_time window=0", lambda: stats.integrated_autocorrelation_time(np.arange(10.0), window=0), ValueError, "window"),
    ("stats.binder_cumulant 2-D", lambda: stats.binder_cumulant(np.ones((2, 2))), ValueError, "m"),
    # datasets and training
    ("Dataset empty", lambda: Dataset(X4[:0], Y4[:0], X4, Y4, n_classes=2), ValueError, "X_train"),
    ("Dataset label range", lambda: Dataset(X4, Y4 + 2, X4, Y4, n_classes=2), ValueError, "y_train"),
    ("Dataset float labels", lambda: Dataset(X4, Y4.float(), X4, Y4, n_classes=2), TypeError, "y_train"),
    ("Dataset feature shapes", lambda: Dataset(X4, Y4, torch.randn(4, 5), Y4, n_classes=2), ValueError, "X_test"),
    ("train n_epochs=0", lambda: tiny_train(n_epochs=0), ValueError, "n_epochs"),
    ("train batch_size too big", lambda: tiny_train(n_epochs=1, batch_size=5), ValueError, "batch_size"),
    ("train seed=-3", lambda: tiny_train(n_epochs=1, seed=-3), ValueError, "seed"),
    ("train penalty not callable", lambda: tiny_train(n_epochs=1, penalty=0.1), TypeError, "penalty"),
    ("Dataset label -1", lambda: Dataset(X4, Y4 - 1, X4, Y4, n_classes=2), ValueError, "y_train"),
    ("WeightPenalty l2<0", lambda: losses.WeightPenalty(l2=-1.0), ValueError, "l2"),
    ("Ensemble with batch norm", lambda: Ensemble([torch.nn.BatchNorm1d(3)]), ValueError, "members"),
    ("CellLogits network", lambda: tensor_network.CellLogits(3), TypeError, "network"),
    ("exponent_from_trajectory eps", lambda: solvable_sim.exponent_from_trajectory(np.ones(5), np.arange(5.0), 0.0), ValueError, "eps"),
    ("settle_time shapes", lambda: curves.settle_time(np.arange(3), np.arange(4)), ValueError, "epochs"),
    ("settle_time tail=0", lambda: curves.settle_time(np.arange(3), np.arange(3), tail=0.0), ValueError, "tail"),
    ("t_grok min_rise=2", lambda: curves.t_grok(np.arange(3), np.ones(3), np.ones(3), min_rise=2.0), ValueError, "min_rise"),
    ("first_epoch_at shapes", lambda: curves.first_epoch_at(np.arange(3), np.ones((2, 4)), 0.5), ValueError, "epochs"),
    ("crossing_time T=1", lambda: curves.crossing_time([0.0], [1.0]), ValueError, "x"),
    # modular arithmetic
    ("modular p=1", lambda: modular.operation_table(1), ValueError, "p"),
    ("modular operation", lambda: modular.operation_table(7, "mul_by_pi"), ValueError, "operation"),
    ("modular div mod 8", lambda: modular.operation_table(8, "div"), ValueError, "p"),
    ("modular train_fraction=1", lambda: modular.make_dataset(7, "add", 1.0), ValueError, "train_fraction"),
    ("modular train_fraction=0", lambda: modular.make_dataset(7, "add", 0.0), ValueError, "train_fraction"),
    ("modular train_fraction=nan", lambda: modular.make_dataset(7, "add", NAN), ValueError, "train_fraction"),
    ("modular seed=-1", lambda: modular.make_dataset(7, "add", 0.5, seed=-1), ValueError, "seed"),
    ("modular build seed=-1", lambda: modular.build({}, -1), ValueError, "seed"),
    ("modular build loss", lambda: modular.build({"loss": "hinge"}, 0), ValueError, "loss"),
    ("QuadraticMLP seed=-1", lambda: QuadraticMLP(7, seed=-1), ValueError, "seed"),
    ("QuadraticMLP width=2.5", lambda: QuadraticMLP(7, 2.5), TypeError, "width"),
    # solvable models
    ("solvable N=0", lambda: solvable.grokking_probability(0, 0.4), ValueError, "N"),
    ("solvable eps_lambda<0", lambda: solvable.grokking_probability(2, -0.1), ValueError, "eps_lambda"),
    ("solvable eps<0", lambda: solvable.grokking_probability_from(2, -1.0), ValueError, "eps"),
    ("solvable lambda1<0", lambda: solvable.grokking_probability_from(2, 0.5, lambda1=-0.1), ValueError, "lambda1"),
    ("solvable lambda2<0", lambda: solvable.grokking_probability_from(2, 0.5, lambda2=-0.1), ValueError, "lambda2"),
    ("solvable D=0", lambda: solvable.critical_exponent_ball(0), ValueError, "D"),
    ("solvable xi=1", lambda: solvable.critical_exponent_ball(3, xi=1.0), ValueError, "xi"),
    # avalanches
    ("avalanche topology", lambda: probes.make_graph("hypercube", 10), ValueError, "topology"),
    ("avalanche isolated node", lambda: probes.transfer_matrix(nx.empty_graph(5)), ValueError, "graph"),
    ("avalanche alpha=0", lambda: probes.relax(np.ones(50), W, alpha=0.0), ValueError, "alpha"),
    ("avalanche alpha>1", lambda: probes.relax(np.ones(50), W, alpha=1.5), ValueError, "alpha"),
    ("avalanche negative loads", lambda: probes.relax(-np.ones(50), W, alpha=0.5), ValueError, "loads"),
    ("avalanche wrong N", lambda: probes.relax(np.ones(49), W, alpha=0.5), ValueError, "loads"),
    ("avalanche empty snapshot", lambda: probes.snapshot_loads(np.zeros((0, 50))), ValueError, "gradients"),
    ("avalanche zero snapshot", lambda: probes.snapshot_loads(np.zeros((2, 50))), ValueError, "gradients"),
    ("avalanche normalisation", lambda: probes.snapshot_loads(np.ones((2, 50)), "median"), ValueError, "normalisation"),
    # probes: the gradient probes need the run's own loss
    ("per_sample_gradients loss_fn", lambda: probes.per_sample_gradients(torch.nn.Linear(3, 2), X4, Y4, loss_fn=None), TypeError, "loss_fn"),
    ("gradient_snapshot loss_fn", lambda: probes.gradient_snapshot(torch.nn.Linear(3, 2), Dataset(X4, Y4, X4, Y4, n_classes=2), 0, loss_fn=1.0), TypeError, "loss_fn"),
    ("probe_snapshot n_samples", lambda: probes.probe_snapshot(torch.nn.Linear(3, 2), Dataset(X4, Y4, X4, Y4, n_classes=2), 0, loss_fn=lambda out, y: out.sum(), representation=lambda m, X: X, n_samples=1), ValueError, "n_samples"),
    ("sparsity threshold", lambda: probes.sparsity(torch.ones(3), threshold=0.0), ValueError, "threshold"),
    ("separation_time persist", lambda: probes.separation_time([0.0, 1.0], np.zeros((2, 2)), np.ones((2, 2)), persist=3), ValueError, "persist"),
    ("effective_dimension N", lambda: probes.effective_dimension([10, 20], np.ones((2, 3))), ValueError, "N"),
    ("xor widths=0", lambda: xor.XORConfig(widths=(0,)), ValueError, "widths"),
    ("xor build width=0", lambda: xor.build({}, 0, width=0), ValueError, "width"),
    ("XORMLP seed=-1", lambda: XORMLP(3, seed=-1), ValueError, "seed"),
    # Ising tasks
    ("ising_bins build optimizer", lambda: ising_bins.build({"optimizer": "lbfgs"}, 0), ValueError, "optimizer"),
    ("ising_bins build seed=-1", lambda: ising_bins.build({}, -1), ValueError, "seed"),
    ("ising_phase build lr=0", lambda: ising_phase.build({"lr": 0.0, "n_per_temperature": 2}, 0), ValueError, "lr"),
    ("ising_phase n_temperatures=1", lambda: ising_phase.build({"n_temperatures": 1}, 0), ValueError, "n_temperatures"),
    # experiments registry
    ("experiment name", lambda: experiments_module.get("no_such_experiment"), ValueError, "experiment"),
    ("experiment unknown key", lambda: experiments_module.get("ising_sampler_check").resolve({"colour": 1}), ValueError, "colour"),
    ("experiment scale", lambda: experiments_module.get("ising_sampler_check").config("huge"), ValueError, "scale"),
    # plots
    ("show_spins 1-D", lambda: show_spins(None, np.ones(4)), ValueError, "spins"),
]


def test_there_are_at_least_forty_cases():
    assert len(CASES) >= 40


@pytest.mark.parametrize("label, call, error, name", CASES, ids=[case[0] for case in CASES])
def test_bad_input_raises_naming_the_argument(label, call, error, name):
    with pytest.raises(error, match=rf"\b{name}\b"):  # the name as a word: "T" must not match "Type"
        call()
