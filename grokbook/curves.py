"""The book's one clock: when a learning curve settles, crosses a level, or makes its transition.

Every chapter and module times learning with these functions, so that a
name means one thing across the book:

* ``t_fit`` (:func:`t_fit`): the first evaluated epoch from which the
  *training* accuracy stays within ``tolerance`` of its final plateau (the
  mean of its last ``tail`` fraction of evaluations), :func:`settle_time`.
* ``t_grok`` (:func:`t_grok`): the same for the *test* accuracy, but only for
  a run that generalised after fitting: its test plateau exceeds the test
  accuracy at ``t_fit`` by at least ``min_rise``.  A test curve that is flat
  (it never generalises, or it already had its final value when the training
  set was fitted) has no ``t_grok``.  The grokking delay is
  ``t_grok - t_fit``.
* :func:`grokking_times` gathers them for one run, with its verdict:
  ``"grokked"``, ``"did not grok"`` (no time, ever), ``"not settled"`` or
  ``"did not fit"``.
* the *transition* of any curve (:func:`transition_time`): the epoch at
  which it has covered half its way from its value at ``start`` (usually
  ``t_fit``) to its final plateau; the book's change-point rule, used to
  compare probes with the test accuracy.

Two threshold rules complete the clock and are given their own names where
a chapter uses them: :func:`first_epoch_at` (first epoch at which a curve
reaches a level, e.g. "test accuracy >= 0.99", never called t_fit or t_grok)
and :func:`crossing_time` (the interpolated passage of a curve through a
level, e.g. D(t) through 1).

A time that does not exist is NaN (a float), everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from .validate import check_fraction, check_real

__all__ = [
    "plateau",
    "settle_time",
    "t_fit",
    "t_grok",
    "first_epoch_at",
    "crossing_time",
    "progress",
    "plateau_change",
    "transition_time",
    "VERDICTS",
    "GrokkingTimes",
    "grokking_times",
]

NAN = float("nan")


def _curve(epochs: object, values: object, *, min_points: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(epochs, values) as float arrays of one shape (T,), T >= min_points, epochs increasing."""
    t, v = np.asarray(epochs, dtype=float), np.asarray(values, dtype=float)
    if t.ndim != 1 or t.shape != v.shape or t.size < min_points or np.any(np.diff(t) <= 0):
        raise ValueError(
            f"epochs must be increasing and values of the same shape (T >= {min_points},), got {t.shape} and {v.shape}"
        )
    return t, v


def _n_tail(n: int, tail: float) -> int:
    tail = check_real("tail", tail, minimum=0.0, maximum=1.0, strict_minimum=True)
    return max(1, int(round(tail * n)))


def plateau(values: object, *, tail: float = 0.1) -> float:
    """The final plateau of a curve: the mean of its last ``tail`` fraction of points (at least one), tail in (0, 1]."""
    v = np.asarray(values, dtype=float)
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"values must be a non-empty 1-D array, got shape {v.shape}")
    return float(v[-_n_tail(v.size, tail) :].mean())


def settle_time(epochs: object, values: object, *, tolerance: float = 0.01, tail: float = 0.1) -> float:
    """First epoch from which ``values`` stays within ``tolerance`` of its final plateau; NaN if it never settles.

    With the plateau :math:`\\bar v` = :func:`plateau` (``values``, ``tail``),
    :math:`t_s = \\min\\{t_i : |v_j - \\bar v| \\le \\text{tolerance} \\; \\forall j \\ge i\\}`.
    A curve whose last point lies outside the tolerance has not settled (NaN).

    Args:
        epochs: (T,) increasing evaluation epochs; values: (T,) the curve, e.g. an accuracy.
        tolerance: allowed distance from the plateau, > 0.
        tail: fraction of the points defining the plateau, in (0, 1].
    """
    t, v = _curve(epochs, values)
    tolerance = check_real("tolerance", tolerance, minimum=0.0, strict_minimum=True)
    outside = np.abs(v - plateau(v, tail=tail)) > tolerance
    if outside[-1]:
        return NAN
    last_outside = np.flatnonzero(outside)
    return float(t[last_outside[-1] + 1] if last_outside.size else t[0])


def t_fit(epochs: object, train_acc: object, *, tolerance: float = 0.01, tail: float = 0.1) -> float:
    """The epoch at which the training set is fitted: :func:`settle_time` of the training accuracy."""
    return settle_time(epochs, train_acc, tolerance=tolerance, tail=tail)


def t_grok(
    epochs: object,
    train_acc: object,
    test_acc: object,
    *,
    tolerance: float = 0.01,
    tail: float = 0.1,
    min_rise: float = 0.1,
) -> float:
    """The epoch at which the run generalises: :func:`settle_time` of the test accuracy, if it rose after t_fit.

    NaN when the training accuracy never settles, when the test accuracy
    never settles, or when the run did not generalise after fitting:
    ``plateau(test_acc) - test_acc(t_fit) < min_rise``.  The grokking delay
    is ``t_grok - t_fit``.

    Args:
        epochs: (T,) increasing evaluation epochs.
        train_acc, test_acc: (T,) accuracy curves.
        tolerance, tail: as in :func:`settle_time`.
        min_rise: least rise of the test accuracy after t_fit, in [0, 1].
    """
    min_rise = check_real("min_rise", min_rise, minimum=0.0, maximum=1.0)
    fitted = t_fit(epochs, train_acc, tolerance=tolerance, tail=tail)
    t, test = _curve(epochs, test_acc)
    if np.isnan(fitted) or plateau(test, tail=tail) - float(np.interp(fitted, t, test)) < min_rise:
        return NAN
    return settle_time(t, test, tolerance=tolerance, tail=tail)


def first_epoch_at(epochs: object, values: object, level: float, *, below: bool = False) -> float | np.ndarray:
    """First epoch at which ``values >= level`` (``<=`` with ``below``); NaN if never.

    A threshold rule, e.g. Nanda et al.'s "test loss below 0.1" or "every
    cell correct".  A chapter that uses it names the time after its rule
    (``t_99``, ``t_zero``), never ``t_fit`` or ``t_grok``.

    Args:
        epochs: (T,) increasing epochs.
        values: (..., T) one curve or several along the leading axes.
        level: the threshold.

    Returns:
        a float for one curve, else an array of the leading shape.
    """
    t = np.asarray(epochs, dtype=float)
    v = np.asarray(values, dtype=float)
    if t.ndim != 1 or v.ndim < 1 or v.shape[-1] != t.size or t.size == 0 or np.any(np.diff(t) <= 0):
        raise ValueError(f"epochs must be increasing (T,) and values (..., T), got {t.shape} and {v.shape}")
    level = check_real("level", level)
    hit = v <= level if below else v >= level
    result = np.where(hit.any(axis=-1), t[hit.argmax(axis=-1)], np.nan)
    return float(result) if v.ndim == 1 else result


def crossing_time(
    x: object, values: object, level: float = 1.0, *, falling: bool = False, after_minimum: bool = False
) -> float | np.ndarray:
    """First passage of a curve through ``level`` from below (from above with ``falling``), linearly interpolated.

    A passage needs a point on one side and the next on the other: a curve
    that starts beyond the level only counts once it has come back.  With
    ``after_minimum`` (rising only) the search starts at each curve's own
    minimum, so the crossing is the rise out of its lowest point.

    Args:
        x: (T,) increasing times (or temperatures), T >= 2.
        values: (T,) or (R, T) curves, e.g. bootstrap replicas.
        level: the level crossed.

    Returns:
        a float for one curve, else (R,); NaN where a curve never crosses.
    """
    t = np.asarray(x, dtype=np.float64)
    curves = np.atleast_2d(np.asarray(values, dtype=np.float64))
    if t.ndim != 1 or t.size < 2 or curves.ndim != 2 or curves.shape[1] != t.size or np.any(np.diff(t) <= 0):
        raise ValueError(f"x must be increasing, shape (T,) with T >= 2, and values (T,) or (R, T); got {t.shape} and {np.shape(values)}")
    level = check_real("level", level)
    if falling and after_minimum:
        raise ValueError("after_minimum applies to rising crossings only (falling=False)")
    signed = -curves if falling else curves
    below = signed < (-level if falling else level)
    up = below[:, :-1] & ~below[:, 1:]  # (R, T-1)
    if after_minimum:
        up &= np.arange(t.size - 1)[None, :] >= curves.argmin(axis=1)[:, None]
    result = np.full(curves.shape[0], np.nan)
    rows = np.flatnonzero(up.any(axis=1))
    i = up[rows].argmax(axis=1)
    v0, v1 = curves[rows, i], curves[rows, i + 1]
    result[rows] = t[i] + (level - v0) / (v1 - v0) * (t[i + 1] - t[i])
    return float(result[0]) if np.ndim(values) == 1 else result


def plateau_change(epochs: object, values: object, *, start: float, tail: float = 0.1) -> tuple[float, float]:
    """A curve's value at ``start`` (interpolated) and how far its final plateau lies from it.

    Returns:
        (v(start), plateau - v(start)).
    """
    tail = check_fraction("tail", tail, closed=True)
    v = np.asarray(values, dtype=float)
    baseline = float(np.interp(start, np.asarray(epochs, dtype=float), v))
    return baseline, plateau(v, tail=tail) - baseline


def progress(epochs: object, values: object, *, start: float, tail: float = 0.1) -> np.ndarray:
    """How far a curve has come from its value at ``start`` towards its final plateau: 0 at start, 1 on the plateau.

    :math:`p(t) = (v(t) - v(t_0)) / (\\bar v - v(t_0))`, with :math:`\\bar v`
    the :func:`plateau`.  All NaN when the plateau equals v(start).

    Args:
        epochs: (T,) increasing, T >= 2; values: (T,) finite.
        start: epoch of the baseline, within the epochs.
        tail: fraction of points defining the plateau, in (0, 1].
    """
    t, v = _curve(epochs, values, min_points=2)
    if not np.all(np.isfinite(v)):
        raise ValueError("values must be finite")
    start = check_real("start", start, minimum=float(t[0]))
    if start > t[-1]:
        raise ValueError(f"start must be <= the last epoch {t[-1]}, got {start}")
    baseline, change = plateau_change(t, v, start=start, tail=tail)
    if change == 0:
        return np.full(v.shape, np.nan)
    return (v - baseline) / change


def transition_time(
    epochs: object, values: object, *, start: float, level: float = 0.5, tail: float = 0.1, min_change: float = 0.1
) -> float:
    """The book's change-point rule: when a curve has covered ``level`` of its way from ``start`` to its plateau.

    The :func:`progress` is followed from ``start`` and the first epoch at
    which it reaches ``level`` is returned, linearly interpolated between
    points.  The same rule applies to rising and falling curves and to the
    test accuracy itself, so the times of different probes are comparable.
    A curve that moves after ``start`` by less than ``min_change`` of its
    whole range over the run has no transition there: NaN.

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
        return NAN
    t = np.asarray(epochs, dtype=float)
    after = t > start
    tt = np.concatenate([[start], t[after]])
    pp = np.concatenate([[0.0], p[after]])
    hit = np.flatnonzero(pp >= level)
    if hit.size == 0:  # only with a noisy tail whose mean the curve never reaches
        return NAN
    i = int(hit[0])
    if i == 0:
        return float(tt[0])
    return float(tt[i - 1] + (level - pp[i - 1]) / (pp[i] - pp[i - 1]) * (tt[i] - tt[i - 1]))


#: the verdicts of :func:`grokking_times`
VERDICTS = ("grokked", "did not grok", "not settled", "did not fit")


class GrokkingTimes(NamedTuple):
    """The clock's reading of one run (:func:`grokking_times`).

    Attributes:
        t_fit: :func:`t_fit`, NaN if the training accuracy never settles.
        t_grok: :func:`t_grok`, NaN unless ``grokked``.
        delay: ``t_grok - t_fit`` (NaN unless ``grokked``).
        grokked: whether the test plateau lies at least ``min_rise`` above the test
            accuracy at t_fit (``test_plateau >= threshold``) and the test accuracy settled.
        verdict: one of :data:`VERDICTS`: "grokked"; "did not grok" (the test accuracy
            did not rise by ``min_rise`` after t_fit: it never generalised, or it already
            had its final value at t_fit); "not settled" (it rose but its last
            evaluations are still off its plateau: train longer); "did not fit".
        test_at_fit: test accuracy at t_fit (interpolated), NaN without t_fit.
        test_plateau: the test accuracy's final :func:`plateau`.
        threshold: ``test_at_fit + min_rise``, the plateau a grokking run must reach.
    """

    t_fit: float
    t_grok: float
    delay: float
    grokked: bool
    verdict: str
    test_at_fit: float
    test_plateau: float
    threshold: float


def grokking_times(history: object, *, tolerance: float = 0.01, tail: float = 0.1, min_rise: float = 0.1) -> GrokkingTimes:
    """t_fit, t_grok and whether a run grokked, from its learning curves: the book's one reading of a run.

    A run grokked when its test accuracy rose after the training set was
    fitted, :math:`\\bar a_\\text{test} \\ge a_\\text{test}(t_\\text{fit}) + \\text{min\\_rise}`
    (:func:`t_grok`), and then settled.  A run that never generalises gets the
    verdict "did not grok" and no time: ``t_grok`` and ``delay`` are NaN, as is
    every time that does not exist.

    Args:
        history: a :class:`grokbook.training.History`, or a mapping holding its curves
            (a stored payload: ``epochs``, ``train_acc``, ``test_acc``).
        tolerance, tail, min_rise: as in :func:`t_grok`.
    """
    if isinstance(history, Mapping):
        missing = [key for key in ("epochs", "train_acc", "test_acc") if key not in history]
        if missing:
            raise ValueError(f"history must hold the learning curves epochs, train_acc, test_acc; it lacks {', '.join(missing)}")
        epochs, train_acc, test_acc = (history[key] for key in ("epochs", "train_acc", "test_acc"))
    elif all(hasattr(history, key) for key in ("epochs", "train_acc", "test_acc")):
        epochs, train_acc, test_acc = history.epochs, history.train_acc, history.test_acc  # type: ignore[attr-defined]
    else:
        raise TypeError(f"history must be a History or a mapping of its curves, got {type(history).__name__}")
    min_rise = check_real("min_rise", min_rise, minimum=0.0, maximum=1.0)
    t, test = _curve(epochs, test_acc)
    fitted = t_fit(t, train_acc, tolerance=tolerance, tail=tail)
    grok = t_grok(t, train_acc, test, tolerance=tolerance, tail=tail, min_rise=min_rise)
    test_plateau = plateau(test, tail=tail)
    at_fit = NAN if np.isnan(fitted) else float(np.interp(fitted, t, test))
    threshold = at_fit + min_rise
    if np.isnan(fitted):
        verdict = "did not fit"
    elif test_plateau - at_fit < min_rise:  # t_grok's condition, verbatim
        verdict = "did not grok"
    else:
        verdict = "not settled" if np.isnan(grok) else "grokked"
    return GrokkingTimes(fitted, grok, grok - fitted, verdict == "grokked", verdict, at_fit, test_plateau, threshold)
