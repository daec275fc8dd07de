"""Lead times of probes against the test accuracy, and the separation of two groups' bands."""

import numpy as np
import pytest

from grokbook.probes.leads import lead_times, separation_time
from grokbook.training import History


def test_lead_times_are_defined_against_the_test_accuracy():
    t = np.arange(0, 101, 10)
    acc = np.clip((t - 40) / 40, 0, 1) * 0.9 + 0.1  # half-way at 60
    history = History(t, acc, acc, acc, acc, snapshots={int(e): {"early": float(np.clip((e - 20) / 40, 0, 1)), "flat": 1.0} for e in t})
    leads = lead_times(history, start=0, end=80)
    assert leads["test_acc"]["t"] == pytest.approx(60)
    assert leads["early"]["t"] == pytest.approx(40) and leads["early"]["lead"] == pytest.approx(20)
    assert leads["early"]["lead_fraction"] == pytest.approx(20 / 80)
    with pytest.raises(ValueError, match="end"):
        lead_times(history, start=10, end=10)
    assert np.isnan(leads["flat"]["t"]) and leads["flat"]["change"] == 0.0
    assert leads["test_acc"]["change"] == pytest.approx((1.0 - 0.1) / 0.1)


def test_separation_time_needs_persistent_disjoint_bands():
    t = np.arange(0.0, 70, 10)
    a = np.array([[0, 0, 2, 0, 2, 2, 2], [1, 1, 3, 1, 3, 3, 3]], dtype=float)
    b = np.array([[0] * 7, [1.5] * 7], dtype=float)
    assert separation_time(t, a, b) == 40.0  # the excursion at 20 lasts one point
    assert separation_time(t, a, b, persist=1) == 20.0
    assert separation_time(t, b, a, persist=2) == 40.0  # symmetric in the groups
    assert np.isnan(separation_time(t, a, b, persist=4))
    assert separation_time(t, a, b - 2, persist=1) == 0.0  # b below a from the start


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(times=[0.0, 0.0]), "times"),
        (dict(band_a=np.zeros((2, 3))), "band_a"),
        (dict(band_b=np.array([[1.0, 1.0], [0.0, 0.0]])), "band_b"),
        (dict(persist=3), "persist"),
    ],
)
def test_separation_time_validates(kwargs, name):
    args = dict(times=[0.0, 1.0], band_a=np.zeros((2, 2)), band_b=np.ones((2, 2)), persist=1) | kwargs
    with pytest.raises(ValueError, match=name):
        separation_time(args.pop("times"), args.pop("band_a"), args.pop("band_b"), **args)


def test_applicable_flags_drifts_and_counts():
    from grokbook.probes.leads import applicable

    t = np.arange(1.0, 1501.0)
    smooth = 1 / (1 + np.exp(-(t - 500) / 50))
    assert applicable(t, smooth, start=1, window=1000) == ""
    assert applicable(t, 3 - t / 1500, start=1, window=1000) == "no plateau"  # a drift
    assert applicable(t, (t / 1500) ** 2, start=1, window=1000) == "no plateau"
    assert applicable(t, 2 + (t > 500), start=1, window=1000) == "few values"


def test_drift_null_keeps_the_end_and_times_a_drift_near_half_way():
    from grokbook.probes.leads import drift_null

    t = np.arange(201.0)
    ramp = t / 200  # a steady drift: every order of its increments is the same ramp
    times = drift_null(t, ramp, start=0, n_shuffles=20)
    assert times.shape == (20,)
    np.testing.assert_allclose(times, times[0])
    # a sharp step at t = 20: shuffled, its one big increment lands anywhere
    step = (t >= 20).astype(float)
    shuffled = drift_null(t, step, start=0, n_shuffles=200, seed=1)
    assert np.nanstd(shuffled) > 20
