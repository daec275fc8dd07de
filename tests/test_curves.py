"""The book's one clock: settle times, t_fit / t_grok, threshold and crossing times, transitions."""

import math

import numpy as np
import pytest

from grokbook import curves
from grokbook.training import History

EPOCHS = np.arange(0, 100, 10)


def test_settle_time_of_a_step_and_a_ramp():
    values = np.array([0.5, 0.5, 0.5, 0.5, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0])
    assert curves.settle_time(EPOCHS, values) == 50
    assert curves.settle_time(EPOCHS, values, tolerance=0.15) == 40
    assert curves.settle_time(EPOCHS, np.linspace(0, 1, 10)) == 90  # a ramp settles only at its end
    assert curves.settle_time(EPOCHS, np.full(10, 0.3)) == 0


def test_settle_time_nan_when_the_last_point_is_off_the_plateau():
    values = np.r_[np.ones(8), 1.0, 0.0]
    assert curves.plateau(values, tail=0.2) == 0.5 and math.isnan(curves.settle_time(EPOCHS, values, tail=0.2))


def test_t_grok_needs_a_rise_after_t_fit():
    train = np.r_[0.5, np.ones(9)]  # fitted at 10
    rises = np.r_[0.2, 0.2, 0.2, 0.2, 0.2, 0.6, 0.9, 0.9, 0.9, 0.9]
    assert curves.t_fit(EPOCHS, train) == 10
    assert curves.t_grok(EPOCHS, train, rises) == 60
    flat = np.full(10, 0.2)  # settles at once, never generalises: no t_grok
    assert math.isnan(curves.t_grok(EPOCHS, train, flat))
    small = np.r_[0.2, 0.2, np.full(8, 0.25)]  # rises by 0.05 < min_rise
    assert math.isnan(curves.t_grok(EPOCHS, train, small))
    assert curves.t_grok(EPOCHS, train, small, min_rise=0.01) == 20
    assert math.isnan(curves.t_grok(EPOCHS, np.r_[np.ones(9), 0.0], rises))  # never fitted


def test_history_uses_the_clock_and_flattens_to_a_payload():
    train = np.r_[0.5, np.ones(9)]
    test = np.r_[0.2, 0.2, 0.2, 0.2, 0.2, 0.6, 0.9, 0.9, 0.9, 0.9]
    snapshots = {0: {"norm": 1.0, "grad_2d": np.zeros(2)}, 50: {"norm": 2.0}}
    history = History(EPOCHS, 1 - train, train, 1 - test, test, snapshots=snapshots)
    payload = history.to_payload()
    assert (payload["t_fit"], payload["t_grok"], payload["delay"]) == (10.0, 60.0, 50.0)
    assert payload["test_at_fit"] == 0.2 and payload["test_plateau"] == 0.9
    np.testing.assert_array_equal(payload["snapshot_epochs"], [0, 50])
    np.testing.assert_array_equal(payload["norm"], [1.0, 2.0])
    assert "grad_2d@0" in payload and "grad_2d" not in payload


def test_first_epoch_at_is_vectorised_and_nan_if_never():
    values = np.array([[0.0, 0.5, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]])
    epochs = np.array([0, 5, 10, 15])
    np.testing.assert_array_equal(curves.first_epoch_at(epochs, values, 0.99), [10.0, np.nan])
    assert curves.first_epoch_at(epochs, values[0], 0.4) == 5.0
    assert curves.first_epoch_at(epochs, 1 - values[0], 0.0, below=True) == 10.0


def test_crossing_time_interpolates_and_needs_a_passage():
    t = np.array([0.0, 1.0, 2.0, 3.0])
    assert curves.crossing_time(t, [0.0, 0.5, 1.5, 2.0], 1.0) == pytest.approx(1.5)
    assert math.isnan(curves.crossing_time(t, [2.0, 2.0, 2.0, 2.0], 1.0))  # starts above: no passage
    assert curves.crossing_time(t, [1.0, 0.8, 0.2, 0.0], 0.5, falling=True) == pytest.approx(1.5)
    both = curves.crossing_time(t, [[0.0, 2.0, 2.0, 2.0], [1.5, 0.5, 0.9, 2.0]], 1.0, after_minimum=True)
    np.testing.assert_allclose(both, [0.5, 2.0 + 0.1 / 1.1])


def test_transition_time_is_half_way_from_start_to_the_plateau():
    t = np.arange(0, 110, 10, dtype=float)
    values = np.r_[np.zeros(5), 0.5, np.ones(5)]  # 0 until 40, 0.5 at 50, then 1
    assert curves.transition_time(t, values, start=20.0) == pytest.approx(50.0)
    moved_before = np.r_[0.0, 0.5, np.ones(8), 1.05]  # after start it moves 0.05 of its range 1.05
    assert math.isnan(curves.transition_time(t, moved_before, start=50.0))
    assert curves.transition_time(t, moved_before, start=50.0, min_change=0.01) == pytest.approx(95.0)


def test_history_from_payload_retimes_a_stored_run():
    train = np.r_[0.5, np.ones(9)]
    flat = np.full(10, 0.2)
    stored = {"epochs": EPOCHS, "train_loss": 1 - train, "train_acc": train, "test_loss": 1 - flat, "test_acc": flat, "t_grok": 0.0}
    history = History.from_payload(stored)
    assert history.t_fit() == 10 and math.isnan(history.t_grok())
    with pytest.raises(ValueError, match="test_acc"):
        History.from_payload({k: v for k, v in stored.items() if k != "test_acc"})


def test_grokking_times_gives_a_verdict_and_no_time_to_a_run_that_never_generalises():
    train = np.r_[0.5, np.ones(9)]  # fitted at 10
    rises = np.r_[0.2, 0.2, 0.2, 0.2, 0.2, 0.6, 0.9, 0.9, 0.9, 0.9]
    history = History(EPOCHS, 1 - train, train, 1 - rises, rises)
    times = curves.grokking_times(history)
    assert (times.t_fit, times.t_grok, times.delay, times.grokked, times.verdict) == (10.0, 60.0, 50.0, True, "grokked")
    assert times.test_at_fit == 0.2 and times.test_plateau == 0.9 and times.threshold == pytest.approx(0.3)
    assert history.grokking_times() == times
    assert curves.grokking_times(history.to_payload()) == times  # a stored payload reads the same
    # training fraction 0.05 in the issue: fitted, test accuracy 0 throughout -> no t_grok, ever
    never = curves.grokking_times({"epochs": EPOCHS, "train_acc": train, "test_acc": np.zeros(10)})
    assert never.verdict == "did not grok" and not never.grokked
    assert math.isnan(never.t_grok) and math.isnan(never.delay) and never.t_fit == 10.0
    # rose, but still moving at the end: no time yet
    moving = curves.grokking_times({"epochs": EPOCHS, "train_acc": train, "test_acc": np.r_[np.full(7, 0.2), 0.4, 0.6, 0.9]}, tail=0.3)
    assert moving.verdict == "not settled" and math.isnan(moving.t_grok)
    unfit = curves.grokking_times({"epochs": EPOCHS, "train_acc": np.r_[np.ones(9), 0.0], "test_acc": rises}, tail=0.3)
    assert unfit.verdict == "did not fit" and all(math.isnan(x) for x in (unfit.t_fit, unfit.t_grok, unfit.test_at_fit))
    assert set(curves.VERDICTS) >= {t.verdict for t in (times, never, moving, unfit)}


def test_grokking_times_bad_input():
    with pytest.raises(ValueError, match="test_acc"):
        curves.grokking_times({"epochs": EPOCHS, "train_acc": np.ones(10)})
    with pytest.raises(TypeError, match="history"):
        curves.grokking_times([1, 2, 3])
    with pytest.raises(ValueError, match="min_rise"):
        curves.grokking_times({"epochs": EPOCHS, "train_acc": np.ones(10), "test_acc": np.ones(10)}, min_rise=2)
