"""Lead times: which probe of a run moves before its test accuracy, and when two groups of runs part.

* :func:`lead_times` applies the book's change-point rule
  (:func:`grokbook.curves.transition_time`: half-way from the curve's value
  at ``start`` to its final plateau) to the test accuracy and to every probe
  curve of a run (:func:`grokbook.probes.snapshot.probe_curves`); the lead of
  a probe is ``t_test - t_probe`` (> 0: the probe moves first), also as a
  fraction of the grokking window ``t_grok - t_fit``.
* :func:`separation_time` says when the curves of two groups of runs (say,
  runs that grok and runs that do not) part beyond their confidence bands.
"""

from __future__ import annotations

import numpy as np

from ..curves import plateau_change, transition_time
from ..train import History
from ..validate import check_int
from .snapshot import probe_curves

__all__ = ["lead_times", "separation_time"]


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
