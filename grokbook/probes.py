"""Every order parameter of the book, measured on the snapshots of one training run.

The chapters each bring their own probe of grokking; this module puts them
side by side on the *same* run so that their timing can be compared:

* ``weight_norm``: the L2 norm of all weights (the Omnigrok / weight-decay
  picture: generalising solutions have small norms);
* ``sparsity`` and ``participation``: the fraction of weights with
  ``|w| < 0.01`` and the threshold-free participation ratio of all weight
  matrices together (:func:`grokbook.pca.sparsity`,
  :func:`grokbook.pca.participation_ratio`; Ising paper, dense -> sparse);
* ``n90``: principal components of the per-sample gradients (all weight
  matrices concatenated) needed for 90 % of their variance
  (:func:`grokbook.pca.per_sample_gradients`, :func:`grokbook.pca.n_components`;
  Ising paper, Fig. 15);
* ``rep_dimension``: the effective dimension of a representation,
  ``exp`` of the entropy of its normalised PCA spectrum
  (:func:`representation_dimension`; rule-learning paper);
* ``fourier``: with an embedding, the number of Fourier frequencies a typical
  neuron uses (:func:`grokbook.modular.neuron_frequencies`; modular arithmetic).

:func:`probe_snapshot` measures them all as a snapshot callback of
:func:`grokbook.train.train`, :func:`probe_curves` turns a History's snapshots
into curves, and :func:`transition_time` is the one change-point rule applied
to every curve (test accuracy included), from which :func:`lead_times` says
which probe moves before the test accuracy does.  :func:`separation_time`
says when the curves of two groups of runs (say, runs that grok and runs
that do not) part beyond their confidence bands.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from .data import Dataset
from .modular import fourier_power, neuron_frequencies
from .pca import n_components, participation_ratio, per_sample_gradients, principal_variances, sparsity, weight_matrices
from .train import History
from .validate import check_fraction, check_int, check_real

__all__ = [
    "PROBES",
    "weight_norm",
    "representation_dimension",
    "probe_snapshot",
    "probe_curves",
    "progress",
    "plateau_change",
    "transition_time",
    "lead_times",
    "separation_time",
]

#: Probe name -> what it measures (the keys :func:`probe_snapshot` returns).
PROBES: dict[str, str] = {
    "weight_norm": "L2 norm of all weights",
    "sparsity": "fraction of weights with |w| < 0.01",
    "participation": "participation ratio of the weights",
    "n90": "gradient PCA components for 90% variance",
    "rep_dimension": "effective dimension of the representation",
    "fourier": "Fourier frequencies per neuron",
}

Representation = Callable[[torch.nn.Module, torch.Tensor], torch.Tensor]
Embedding = Callable[[torch.nn.Module], torch.Tensor]


def weight_norm(model: torch.nn.Module) -> float:
    """L2 norm sqrt(sum_w w^2) over every weight matrix of the model (biases excluded)."""
    weights = list(weight_matrices(model).values())
    if not weights:
        raise ValueError("model must have at least one 2-D weight matrix")
    return float(torch.sqrt(sum((w.detach().double() ** 2).sum() for w in weights)))


def representation_dimension(Z: torch.Tensor | np.ndarray) -> float:
    """Effective dimension exp(S) of samples Z (n, d): S the entropy of the normalised PCA spectrum.

    With the variances lambda_i of Z along its principal axes and
    p_i = lambda_i / sum_j lambda_j, ``S = -sum_i p_i ln p_i`` (0 ln 0 = 0) and
    exp(S) counts the directions the samples spread over: m for a spread
    shared equally by m orthogonal directions, 1 for samples on a line.
    This is the "PCA entropy" of Zunkovic & Ilievski (arXiv 2210.15435),
    exponentiated; their code takes the log of zero variances and returns
    NaN for rank-deficient data, which this does not.

    Args:
        Z: (n_samples >= 2, n_features) with non-zero variance.
    """
    variances = principal_variances(Z)  # (min(n, d),) descending
    total = float(variances.sum())
    if total == 0.0:
        raise ValueError("Z must not have zero variance (every sample equal)")
    p = variances[variances > 0] / total
    return float(torch.exp(-(p * torch.log(p)).sum()))


def probe_snapshot(
    model: torch.nn.Module,
    data: Dataset,
    epoch: int,
    *,
    representation: Representation,
    embedding: Embedding | None = None,
    n_samples: int = 256,
    beta: float = 1.0,
    seed: int = 0,
) -> dict[str, float]:
    """Every probe of :data:`PROBES` at one epoch: ``train(..., snapshot=partial(probe_snapshot, ...))``.

    The gradient and representation probes use the same ``n_samples`` test
    samples at every epoch (fixed by ``seed``), so the curves change only
    because the network does.  The per-sample gradients are those of the
    cross-entropy of ``softmax(beta * logits)`` (:func:`grokbook.pca.per_sample_gradients`),
    whatever loss the run trains with.  The model is measured in eval mode
    and put back in its mode.

    Args:
        model, data, epoch: as :func:`grokbook.train.train` passes them.
        representation: (model, X (n, ...)) -> hidden representation (n, d).
        embedding: model -> (p, N) embedding whose Fourier spectrum to measure,
            or None (no ``fourier`` probe).
        n_samples: test samples for the gradient and representation PCAs, >= 2.
        beta: softmax inverse temperature of the gradient's loss, > 0.
        seed: seed of the sample choice, >= 0.

    Returns:
        probe name -> float (``fourier`` only with an embedding).
    """
    n_samples = check_int("n_samples", n_samples, minimum=2)
    beta = check_real("beta", beta, minimum=0.0, strict_minimum=True)
    seed = check_int("seed", seed, minimum=0)
    was_training = model.training
    model.eval()
    index = torch.randperm(len(data.X_test), generator=torch.Generator().manual_seed(seed))[:n_samples]
    X, y = data.X_test[index], data.y_test[index]
    weights = torch.cat([w.detach().ravel() for w in weight_matrices(model).values()])  # (n_weights,)
    grads = per_sample_gradients(model, X, y, beta=beta)
    out = {
        "weight_norm": weight_norm(model),
        "sparsity": sparsity(weights),
        "participation": participation_ratio(weights),
        "n90": float(n_components(torch.cat(list(grads.values()), dim=1), 0.9)),
    }
    with torch.no_grad():
        out["rep_dimension"] = representation_dimension(representation(model, X))
        if embedding is not None:
            out["fourier"] = float(neuron_frequencies(fourier_power(embedding(model))))
    model.train(was_training)
    return out


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


def progress(epochs: np.ndarray, values: np.ndarray, *, start: float, tail: float = 0.1) -> np.ndarray:
    """How far a curve has come from its value at ``start`` to its final plateau: (T,), 0 at start, 1 on the plateau.

    ``(v(t) - v(start)) / (plateau - v(start))`` with ``v(start)`` interpolated
    and the plateau the mean of the last ``tail`` fraction of the points (as in
    :func:`grokbook.train.plateau_onset`); NaN everywhere when the two are equal.
    This puts curves of different units on one axis (the chapter's figures);
    :func:`transition_time` reads the change point off it.

    Args:
        epochs: (T,) increasing epochs, T >= 2; values: (T,) finite.
        start: epoch of the baseline, within the epochs.
        tail: fraction of points defining the plateau, in (0, 1].
    """
    t, v = np.asarray(epochs, dtype=float), np.asarray(values, dtype=float)
    if t.ndim != 1 or t.shape != v.shape or t.size < 2 or np.any(np.diff(t) <= 0):
        raise ValueError(f"epochs must be increasing and values the same shape (T >= 2,), got {t.shape} and {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError("values must be finite")
    start = check_real("start", start, minimum=float(t[0]))
    if start > t[-1]:
        raise ValueError(f"start must be <= the last epoch {t[-1]}, got {start}")
    baseline, change = plateau_change(t, v, start=start, tail=tail)
    if change == 0:
        return np.full(v.shape, np.nan)
    return (v - baseline) / change


def plateau_change(epochs: np.ndarray, values: np.ndarray, *, start: float, tail: float = 0.1) -> tuple[float, float]:
    """A curve's value at ``start`` (interpolated) and how far its final plateau lies from it.

    The plateau is the mean of the last ``tail`` fraction of the points, in (0, 1].

    Returns:
        (v(start), plateau - v(start)).
    """
    tail = check_fraction("tail", tail, closed=True)
    v = np.asarray(values, dtype=float)
    baseline = float(np.interp(start, np.asarray(epochs, dtype=float), v))
    return baseline, float(v[-max(1, int(round(tail * v.size))) :].mean()) - baseline


def transition_time(
    epochs: np.ndarray, values: np.ndarray, *, start: float, level: float = 0.5, tail: float = 0.1, min_change: float = 0.1
) -> float:
    """The book's one change-point rule: when a curve has covered ``level`` of its way from ``start`` to its plateau.

    The baseline is the curve's value at ``start`` (interpolated), the
    plateau the mean of its last ``tail`` fraction of points (as in
    :func:`grokbook.train.plateau_onset`); the progress
    ``(v(t) - v(start)) / (plateau - v(start))`` is followed from ``start``
    and the first epoch at which it reaches ``level`` is returned, linearly
    interpolated between points.  The same rule applies to rising and falling
    curves and to the test accuracy itself, so the times of different probes
    are comparable.  A curve that moves after ``start`` by less than
    ``min_change`` of its whole range over the run does not have a
    transition there: NaN.

    Args:
        epochs: (T,) increasing epochs, T >= 2; values: (T,) the curve.
        start: the epoch from which to look (t_fit in this book), within the epochs.
        level: fraction of the way, in (0, 1).
        tail: fraction of points defining the plateau, in (0, 1].
        min_change: least post-``start`` change, as a fraction of the curve's range, in [0, 1).
    """
    level = check_fraction("level", level)
    min_change = check_real("min_change", min_change, minimum=0.0)
    if min_change >= 1:
        raise ValueError(f"min_change must lie in [0, 1), got {min_change}")
    p = progress(epochs, values, start=start, tail=tail)  # validates the rest
    if np.isnan(p).all() or np.ptp(p) * min_change >= 1:  # moved by <= min_change of its range (ptp(p) = range / move)
        return float("nan")
    t = np.asarray(epochs, dtype=float)
    after = t > start
    tt = np.concatenate([[start], t[after]])
    pp = np.concatenate([[0.0], p[after]])
    hit = np.flatnonzero(pp >= level)
    if hit.size == 0:  # only with a noisy tail whose mean the curve never reaches
        return float("nan")
    i = int(hit[0])
    if i == 0:
        return float(tt[0])
    return float(tt[i - 1] + (level - pp[i - 1]) / (pp[i] - pp[i - 1]) * (tt[i] - tt[i - 1]))


def lead_times(
    history: History, *, start: float, end: float, level: float = 0.5, min_change: float = 0.1
) -> dict[str, dict[str, float]]:
    """How long before the test accuracy each probe of a run makes its transition.

    Applies :func:`transition_time` (from ``start``) to the test accuracy and
    to every probe curve of :func:`probe_curves`; the lead of a probe is
    ``t_test - t_probe`` (> 0: the probe moves first), also as a fraction of
    the grokking window ``end - start`` (in this book t_grok - t_fit).

    Args:
        history: a run trained with ``snapshot=probe_snapshot`` (or any scalar snapshots).
        start: epoch from which transitions are sought (t_fit).
        end: the end of the window, > start (t_grok).
        level, min_change: as in :func:`transition_time`.

    Returns:
        name -> {"t": transition epoch, "lead": epochs, "lead_fraction": lead / (end - start),
        "change": (plateau - v(start)) / |v(start)|, how much the curve moves after ``start``},
        NaN where a curve has no transition; the entry "test_acc" holds the reference.

    Raises:
        ValueError: the test accuracy has no transition after ``start``.
    """
    if not end > start:
        raise ValueError(f"end must be > start = {start}, got {end}")
    epochs, curves = probe_curves(history)
    t_test = transition_time(history.epochs, history.test_acc, start=start, level=level, min_change=min_change)
    if not np.isfinite(t_test):
        raise ValueError(f"the test accuracy has no transition after start = {start}; nothing to lead")
    out = {}
    for name, (x, values) in {"test_acc": (history.epochs, history.test_acc), **{k: (epochs, v) for k, v in curves.items()}}.items():
        t = transition_time(x, values, start=start, level=level, min_change=min_change)
        baseline, change = plateau_change(x, values, start=start)
        relative = change / abs(baseline) if baseline != 0 else float("nan")
        out[name] = {"t": t, "lead": t_test - t, "lead_fraction": (t_test - t) / (end - start), "change": relative}
    return out


def separation_time(times: np.ndarray, band_a: np.ndarray, band_b: np.ndarray, *, persist: int = 3) -> float:
    """First time from which two groups' confidence bands are disjoint at ``persist`` consecutive points (NaN if never).

    A band is (2, T): the lower and upper edge of a curve's interval at each
    time (e.g. a bootstrap interval over seeds).  Requiring ``persist``
    consecutive disjoint points keeps a single chance excursion from counting;
    the answer is known to within one spacing of ``times``.

    Args:
        times: (T,) increasing times.
        band_a, band_b: (2, T) lower and upper edges, lower <= upper.
        persist: consecutive disjoint points required, in [1, T].
    """
    t = np.asarray(times, dtype=float)
    a, b = np.asarray(band_a, dtype=float), np.asarray(band_b, dtype=float)
    if t.ndim != 1 or t.size < 1 or np.any(np.diff(t) <= 0):
        raise ValueError(f"times must be a non-empty increasing (T,) array, got shape {t.shape}")
    if a.shape != (2, t.size) or b.shape != (2, t.size) or np.any(a[0] > a[1]) or np.any(b[0] > b[1]):
        raise ValueError(f"band_a and band_b must be (2, T) = (2, {t.size}) arrays of lower <= upper edges, got {a.shape} and {b.shape}")
    persist = check_int("persist", persist, minimum=1, maximum=t.size)
    disjoint = (a[0] > b[1]) | (b[0] > a[1])  # (T,)
    runs = np.convolve(disjoint, np.ones(persist, dtype=int), mode="valid") == persist  # (T - persist + 1,)
    return float(t[np.argmax(runs)]) if runs.any() else float("nan")
