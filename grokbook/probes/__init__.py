"""The probes of grokking, one module per family; each is measured on the snapshots of a training run.

* :mod:`~grokbook.probes.weights`: weight norm, sparsity, participation ratio;
* :mod:`~grokbook.probes.gradients`: per-sample gradients of the run's own
  loss and the principal components for 90 % of their variance;
* :mod:`~grokbook.probes.representations`: PCA of activations (variances,
  component counts, 2-D projections), the effective dimension of a
  representation, the softmax confidence;
* :mod:`~grokbook.probes.fourier`: the Fourier spectrum of an embedding of Z_p;
* :mod:`~grokbook.probes.avalanche`: THE gradient probe: gradient snapshots
  toppled on graphs (the OFC machinery is :mod:`~grokbook.probes.toppling`);
* :mod:`~grokbook.probes.sandpile`: the BTW sandpile and the driven OFC model,
  validation systems with known answers (import the module: its names are
  not re-exported here);
* :mod:`~grokbook.probes.scaling`: the finite-size fit of the avalanche
  exponent D(t), with a seed bootstrap;
* :mod:`~grokbook.probes.leads`: lead times of the probes against the test
  accuracy, and when two groups of runs part;
* :mod:`~grokbook.probes.snapshot`: every probe as one snapshot callback
  (:func:`probe_snapshot`, :data:`PROBES`; choose with ``probes=("weights",
  "fourier", ...)``, :data:`PROBE_FAMILIES`), the snapshots as curves, and the
  Ising chapters' callback :func:`snapshot_metrics`.

When a curve settles or crosses a level is the book's clock,
:mod:`grokbook.curves`, not a probe.
"""

from .avalanche import (
    NORMALISATIONS,
    cascade_sizes,
    gradient_avalanches,
    gradient_snapshot,
    gradient_sweep,
    largest_cluster,
    scale_graphs,
    snapshot_loads,
)
from .fourier import (
    effective_frequencies,
    fourier_basis,
    fourier_power,
    neuron_frequencies,
)
from .gradients import gradient_components, per_sample_gradients
from .leads import lead_times, separation_time
from .representations import (
    confidence,
    n_components,
    principal_variances,
    project_2d,
    representation_dimension,
)
from .scaling import DimensionFit, effective_dimension, resample_seeds
from .snapshot import PROBE_FAMILIES, PROBES, last_hidden, probe_curves, probe_snapshot, select_probes, snapshot_metrics
from .toppling import (
    TOPOLOGIES,
    TRANSFERS,
    Relaxation,
    make_graph,
    relax,
    square_lattice,
    transfer_matrix,
)
from .weights import participation_ratio, sparsity, weight_matrices, weight_norm

__all__ = [
    # weights
    "weight_matrices",
    "sparsity",
    "participation_ratio",
    "weight_norm",
    # gradients
    "per_sample_gradients",
    "gradient_components",
    # representations
    "principal_variances",
    "n_components",
    "project_2d",
    "representation_dimension",
    "confidence",
    # fourier
    "fourier_basis",
    "fourier_power",
    "effective_frequencies",
    "neuron_frequencies",
    # the gradient-avalanche probe and its toppling machinery
    "gradient_snapshot",
    "gradient_sweep",
    "NORMALISATIONS",
    "snapshot_loads",
    "gradient_avalanches",
    "scale_graphs",
    "cascade_sizes",
    "largest_cluster",
    "TOPOLOGIES",
    "TRANSFERS",
    "square_lattice",
    "make_graph",
    "transfer_matrix",
    "Relaxation",
    "relax",
    # finite-size scaling
    "DimensionFit",
    "resample_seeds",
    "effective_dimension",
    # leads
    "lead_times",
    "separation_time",
    # every probe as one snapshot callback
    "PROBES",
    "PROBE_FAMILIES",
    "select_probes",
    "last_hidden",
    "probe_snapshot",
    "probe_curves",
    "snapshot_metrics",
]
