"""Lead times: which probe of a run moves before its test accuracy, and when two groups of runs part.

* :func:`lead_times` applies the book's change-point rule
  (:func:`grokbook.curves.transition_time`: half-way from the curve's value
  at ``start`` to its final plateau) to the test accuracy and to every probe
  curve of a run (:func:`grokbook.probes.snapshot.probe_curves`); the lead of
  a probe is ``t_test - t_probe`` (> 0: the probe moves first), also as a
  fraction of the grokking window ``t_grok - t_fit``.
* :func:`separation_time` says when the curves of two groups of runs (say,
  runs that grok and runs that do not) part beyond their confidence bands.
* :func:`applicable` says whether the rule can time a curve at all (it needs
  a final plateau and more than a handful of distinct values);
  :func:`drift_null` gives the rule's answer on curves with no transition,
  the same increments in a random order, so that a lead can be told from a
  steady drift.
"""

from __future__ import annotations

import numpy as np

from ..curves import plateau, plateau_change, transition_time
from ..training import History
from ..validate import check_int
from .snapshot import probe_curves

__all__ = ["lead_times", "separation_time", "applicable", "drift_null"]


def lead_times(
    history: History, *, start: float, end: float, level: float = 0.5, min_change: float = 0.1
) -> dict[str, dict[str, float]]:
    """How long before the test accuracy each probe of a run makes its transition.

    Applies :func:`grokbook.curves.transition_time` (from ``start``) to the test accuracy and
    to every probe curve of :func:`~grokbook.probes.snapshot.probe_curves`; the lead of a probe is
    ``t_test - t_probe`` (> 0: the probe moves first), also as a fraction of
    the grokking window ``end - start`` (in this book t_grok - t_fit).

    Args:
        history: a run trained with ``snapshot=probe_snapshot`` (or any scalar snapshots).
        start: epoch from which transitions are sought (t_fit).
        end: the end of the window, > start (t_grok).
        level, min_change: as in :func:`grokbook.curves.transition_time`.

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


def applicable(
    epochs: np.ndarray, values: np.ndarray, *, start: float, window: float, drop: float = 0.2, tolerance: float = 0.1, min_values: int = 4, level: float = 0.5
) -> str:
    """Why the half-way rule cannot time a curve after ``start``, or ``""`` when it can.

    * ``"no plateau"``: the rule's time depends on when training stopped.
      The curve is cut at ``start + (1 - drop) * (T - start)`` (its last
      ``drop`` of training after ``start`` removed) and timed again; if the
      two transition times differ by more than ``tolerance * window`` (or
      one exists and the other not), the curve has not settled on a plateau
      that the rule can measure half-way to.
    * ``"few values"``: after ``start`` it takes fewer than ``min_values``
      distinct values (a count that flips between 2 and 3 has no half-way point).

    Args:
        epochs: (T,) increasing; values: (T,) the curve; start: as in :func:`lead_times`.
        window: the grokking window ``end - start`` the leads are measured in, > 0.
        drop: fraction of the training after ``start`` removed, in (0, 0.5].
        tolerance: largest move of the time, as a fraction of ``window``, > 0.
        min_values: least number of distinct values, >= 2.
        level: the rule's level.
    """
    t, v = np.asarray(epochs, dtype=float), np.asarray(values, dtype=float)
    if t.ndim != 1 or t.shape != v.shape or t.size < 4:
        raise ValueError(f"epochs and values must be (T,) arrays of one shape, T >= 4, got {t.shape} and {v.shape}")
    min_values = check_int("min_values", min_values, minimum=2)
    if not 0 < drop <= 0.5:
        raise ValueError(f"drop must lie in (0, 0.5], got {drop}")
    if not window > 0 or not tolerance > 0:
        raise ValueError(f"window and tolerance must be > 0, got {window} and {tolerance}")
    if np.unique(v[t >= start]).size < min_values:
        return "few values"
    keep = t <= start + (1 - drop) * (t[-1] - start)
    if keep.sum() < 4 or t[keep][-1] <= start:
        return "no plateau"
    full = transition_time(t, v, start=start, level=level)
    cut = transition_time(t[keep], v[keep], start=start, level=level)
    if np.isnan(full) and np.isnan(cut):
        return ""
    if np.isnan(full) != np.isnan(cut) or abs(full - cut) > tolerance * window:
        return "no plateau"
    return ""


def drift_null(epochs: np.ndarray, values: np.ndarray, *, start: float, n_shuffles: int = 200, level: float = 0.5, min_change: float = 0.1, seed: int = 0) -> np.ndarray:
    """Transition times of the curve with its increments after ``start`` in random orders: a curve with no transition.

    The points up to ``start`` are kept; the increments between the later
    points are permuted, which keeps the net change and every step's size but
    destroys any moment at which the curve turns.  The half-way rule
    (:func:`grokbook.curves.transition_time`) applied to these curves gives
    the "transition" a steady drift of the same size produces by chance.

    Returns:
        (n_shuffles,) transition times (NaN where the rule finds none).
    """
    t, v = np.asarray(epochs, dtype=float), np.asarray(values, dtype=float)
    if t.ndim != 1 or t.shape != v.shape or t.size < 3:
        raise ValueError(f"epochs and values must be (T,) arrays of one shape, T >= 3, got {t.shape} and {v.shape}")
    n_shuffles = check_int("n_shuffles", n_shuffles, minimum=1)
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    first = int(np.searchsorted(t, start, side="left"))
    first = min(first, t.size - 2)
    steps = np.diff(v[first:])
    out = np.empty(n_shuffles)
    for k in range(n_shuffles):
        curve = v.copy()
        curve[first + 1 :] = v[first] + np.cumsum(rng.permutation(steps))
        out[k] = transition_time(t, curve, start=start, level=level, min_change=min_change)
    return out
