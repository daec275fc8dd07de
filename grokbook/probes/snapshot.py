"""Every probe as one snapshot callback of the training loop, and the snapshots as curves.

The chapters each bring their own probe of grokking; :func:`probe_snapshot`
measures them side by side on the *same* run, at every snapshot epoch of
``train(..., snapshot_epochs=..., snapshot=partial(probe_snapshot, ...))``,
so that their timing can be compared (:mod:`grokbook.probes.leads`).  The
keys it returns are :data:`PROBES`:

* ``weight_norm``, ``sparsity``, ``participation``: :mod:`grokbook.probes.weights`;
* ``n90``: principal components of the per-sample gradients of the run's own
  loss for 90 % of their variance (:mod:`grokbook.probes.gradients`);
* ``rep_dimension``: the effective dimension of a hidden representation
  (:func:`grokbook.probes.representations.representation_dimension`);
* ``fourier``: with an embedding of Z_p, the Fourier frequencies a typical
  neuron uses (:mod:`grokbook.probes.fourier`).

``probes=("weights", "fourier")`` chooses among them (families of
:data:`PROBE_FAMILIES` or single names); by default every probe the model
allows runs, on the model's own ``hidden(X)[-1]`` and ``embedding``.

:func:`probe_curves` turns a History's snapshots into curves.
:func:`snapshot_metrics` is the Ising chapters' callback: the same weight
and gradient probes per layer, on training and test samples, with the
softmax confidence, extra test sets and, at chosen epochs, 2-D projections.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import torch

from ..data import Dataset
from ..losses import cross_entropy
from ..training import History, LossFn
from ..validate import check_int
from .fourier import fourier_power, neuron_frequencies
from .gradients import gradient_components, per_sample_gradients
from .representations import confidence, project_2d, representation_dimension
from .weights import participation_ratio, sparsity, weight_matrices, weight_norm

__all__ = ["PROBES", "PROBE_FAMILIES", "select_probes", "last_hidden", "probe_snapshot", "probe_curves", "snapshot_metrics"]

#: Probe name -> what it measures (the keys :func:`probe_snapshot` returns).
PROBES: dict[str, str] = {
    "weight_norm": "L2 norm of all weights",
    "sparsity": "fraction of weights with |w| < 0.01",
    "participation": "participation ratio of the weights",
    "n90": "gradient PCA components for 90% variance",
    "rep_dimension": "effective dimension of the representation",
    "fourier": "Fourier frequencies per neuron",
}

#: Family name -> its probes: ``probes=`` takes family or probe names.
PROBE_FAMILIES: dict[str, tuple[str, ...]] = {
    "weights": ("weight_norm", "sparsity", "participation"),
    "gradients": ("n90",),
    "representation": ("rep_dimension",),
    "fourier": ("fourier",),
}

Representation = Callable[[torch.nn.Module, torch.Tensor], torch.Tensor]
Embedding = Callable[[torch.nn.Module], torch.Tensor]


def select_probes(probes: Sequence[str] | str) -> tuple[str, ...]:
    """Probe names (:data:`PROBES`, in its order) of family and probe names, e.g. ``("weights", "fourier")``."""
    names = (probes,) if isinstance(probes, str) else probes
    if not isinstance(names, Sequence) or not names or not all(isinstance(n, str) for n in names):
        raise TypeError(f"probes must be a non-empty sequence of names, got {probes!r}")
    chosen: set[str] = set()
    for name in names:
        if name not in PROBES and name not in PROBE_FAMILIES:
            raise ValueError(f"probes: unknown name {name!r}; families: {', '.join(PROBE_FAMILIES)}; probes: {', '.join(PROBES)}")
        chosen.update(PROBE_FAMILIES.get(name, (name,)))
    return tuple(name for name in PROBES if name in chosen)


def last_hidden(model: torch.nn.Module, X: torch.Tensor) -> torch.Tensor:
    """The default representation of the probes: the model's last hidden layer, ``model.hidden(X)[-1]`` (n, width)."""
    hidden = getattr(model, "hidden", None)
    if not callable(hidden):
        raise TypeError(
            f"the rep_dimension probe needs a representation: {type(model).__name__} has no hidden(X) method "
            "(return a list of (n, width) activations), so give representation=(model, X) -> (n, d)"
        )
    return hidden(X)[-1]


def probe_snapshot(
    model: torch.nn.Module,
    data: Dataset,
    epoch: int,
    *,
    loss_fn: LossFn,
    probes: Sequence[str] | str | None = None,
    representation: Representation | None = None,
    embedding: Embedding | None = None,
    n_samples: int = 256,
    seed: int = 0,
) -> dict[str, float]:
    """The chosen probes of :data:`PROBES` at one epoch: ``train(..., snapshot=partial(probe_snapshot, loss_fn=...))``.

    The gradient and representation probes use the same ``n_samples`` test
    samples at every epoch (fixed by ``seed``), so the curves change only
    because the network does.  The per-sample gradients are those of
    ``loss_fn``, which must be the loss the run trains with
    (:func:`grokbook.probes.gradients.per_sample_gradients`).  The model is
    measured in eval mode and put back in its mode.

    Args:
        model, data, epoch: as :func:`grokbook.training.train` passes them.
        loss_fn: the run's training loss, (outputs, targets) -> scalar.
        probes: family names (:data:`PROBE_FAMILIES`: ``"weights"``, ``"gradients"``,
            ``"representation"``, ``"fourier"``) or probe names; None: every probe the
            model allows (``rep_dimension`` with a representation or a ``hidden`` method,
            ``fourier`` with an embedding).
        representation: (model, X (n, ...)) -> hidden representation (n, d);
            default :func:`last_hidden` (the model's ``hidden(X)[-1]``).
        embedding: model -> (p, width) embedding whose Fourier spectrum to measure;
            default the model's ``embedding`` attribute, if it has one.
        n_samples: test samples for the gradient and representation PCAs, >= 2.
        seed: seed of the sample choice, >= 0.

    Returns:
        probe name -> float, for the chosen probes.
    """
    n_samples = check_int("n_samples", n_samples, minimum=2)
    seed = check_int("seed", seed, minimum=0)
    if embedding is None and isinstance(getattr(model, "embedding", None), torch.Tensor):
        embedding = _embedding_attribute
    if probes is None:
        chosen = [name for name in PROBES if name != "fourier" or embedding is not None]
        if representation is None and not callable(getattr(model, "hidden", None)):
            chosen.remove("rep_dimension")
    else:
        chosen = list(select_probes(probes))
        if "fourier" in chosen and embedding is None:
            raise ValueError(f"probes: 'fourier' needs an embedding of Z_p: {type(model).__name__} has no embedding attribute; give embedding=")
    representation = last_hidden if representation is None else representation
    was_training = model.training
    model.eval()
    index = _subset(len(data.X_test), n_samples, seed)
    X, y = data.X_test[index], data.y_test[index]
    out: dict[str, float] = {}
    try:
        if {"weight_norm", "sparsity", "participation"} & set(chosen):
            weights = torch.cat([w.detach().ravel() for w in weight_matrices(model).values()])  # (n_weights,)
            out.update(weight_norm=weight_norm(model), sparsity=sparsity(weights), participation=participation_ratio(weights))
        if "n90" in chosen:
            out["n90"] = float(gradient_components(per_sample_gradients(model, X, y, loss_fn=loss_fn), 0.9))
        with torch.no_grad():
            if "rep_dimension" in chosen:
                out["rep_dimension"] = representation_dimension(representation(model, X))
            if "fourier" in chosen:
                out["fourier"] = float(neuron_frequencies(fourier_power(embedding(model))))
    finally:
        model.train(was_training)
    return {name: out[name] for name in chosen}


def _embedding_attribute(model: torch.nn.Module) -> torch.Tensor:
    return model.embedding  # type: ignore[return-value]


def probe_curves(history: History) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The snapshots of a History as curves: epochs (n_snap,) and probe name -> (n_snap,).

    Keeps the keys every snapshot has, in the order of :data:`PROBES` first.
    """
    if not history.snapshots:
        raise ValueError("history has no snapshots (train with snapshot_epochs and snapshot=probe_snapshot)")
    epochs = np.array(sorted(history.snapshots))
    common = set.intersection(*(set(history.snapshots[e]) for e in epochs))
    names = [k for k in PROBES if k in common] + sorted(common - set(PROBES))
    return epochs, {k: np.array([history.snapshots[e][k] for e in epochs], dtype=float) for k in names}


def _subset(n: int, size: int, seed: int) -> torch.Tensor:
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))[: min(n, size)]


def snapshot_metrics(
    model: torch.nn.Module,
    data: Dataset,
    epoch: int,
    *,
    beta: float = 1.0,
    loss_fn: LossFn | None = None,
    extra_tests: dict[str, tuple[torch.Tensor, torch.Tensor]] | None = None,
    n_pca_samples: int = 500,
    fraction: float = 0.9,
    detail_epochs: Sequence[int] = (),
    seed: int = 0,
) -> dict[str, Any]:
    """The analyses of one epoch, for ``train(..., snapshot=partial(snapshot_metrics, ...))``.

    Always (floats or small arrays):
        ``sparsity``, ``participation`` (n_layers,) of each weight matrix;
        ``n90_train``, ``n90_test`` (n_layers,): components for ``fraction`` of the
        variance of the per-sample gradients of ``n_pca_samples`` fixed samples;
        ``confidence_train``, ``confidence_test``; ``acc_<name>`` for each extra test set.
    At ``detail_epochs`` also:
        ``grad_2d`` (n_layers, n_pca, 2) projections of the test gradients and
        ``grad_correct`` (n_pca,) whether those samples are classified right;
        ``act_2d`` (depth, n_test, 2) projections of the hidden activations of
        the test set (the model needs a ``hidden`` method, as :class:`grokbook.models.IsingMLP`).

    Args:
        model, data, epoch: as :func:`grokbook.training.train` passes them.
        beta: softmax inverse temperature of the confidence (and of the default loss), > 0.
        loss_fn: the run's training loss, whose per-sample gradients are counted;
            None: ``cross_entropy`` at ``beta``, the Ising task's loss.
        extra_tests: name -> (X, y) of further test sets.
        n_pca_samples: samples of each set in the gradient PCA, >= 2.
        fraction: explained variance of the component counts, in (0, 1].
        detail_epochs: epochs at which to add the projections.
        seed: seed of the sample choice (the test set's is ``seed + 1``), >= 0.

    The model is evaluated in eval mode (no dropout) and put back in its mode.
    """
    if loss_fn is None:
        loss_fn = partial(cross_entropy, beta=beta)
    n_pca_samples = check_int("n_pca_samples", n_pca_samples, minimum=2)
    was_training = model.training
    model.eval()
    out: dict[str, Any] = {}
    weights = list(weight_matrices(model).values())
    out["sparsity"] = np.array([sparsity(w) for w in weights])
    out["participation"] = np.array([participation_ratio(w) for w in weights])
    detail = epoch in detail_epochs
    for split, X, y in (("train", data.X_train, data.y_train), ("test", data.X_test, data.y_test)):
        index = _subset(len(X), n_pca_samples, seed + (split == "test"))
        grads = per_sample_gradients(model, X[index], y[index], loss_fn=loss_fn)
        out[f"n90_{split}"] = gradient_components(grads, fraction, per_layer=True)
        with torch.no_grad():
            logits = model(X)
        out[f"confidence_{split}"] = confidence(logits, beta)
        if detail and split == "test":
            out["grad_2d"] = np.stack([project_2d(g)[0] for g in grads.values()])
            out["grad_correct"] = (logits[index].argmax(-1) == y[index]).numpy()
            with torch.no_grad():
                out["act_2d"] = np.stack([project_2d(h)[0] for h in model.hidden(X)])
    with torch.no_grad():
        for name, (X, y) in (extra_tests or {}).items():
            out[f"acc_{name}"] = float((model(X).argmax(-1) == y).float().mean())
    model.train(was_training)
    return out
