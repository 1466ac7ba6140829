"""How much a runner's days differ, and the range of times that follows."""

from __future__ import annotations

import math

import pytest
from scipy.stats import t as student_t

from routeplanner.errors import InputError
from routeplanner.pace import RunnerProfile
from routeplanner.pace.spread import DAY_SHARE, MIN_RECORDINGS, day_spread, time_range_s


def test_spread_is_the_standard_deviation_of_log_time_ratios():
    # Days 20 % slow, on time, 20 % fast in log terms: sd (ddof 1) of (0.2, 0, -0.2).
    recorded = [100.0 * math.exp(0.2), 100.0, 100.0 * math.exp(-0.2)]
    assert day_spread(recorded, [100.0] * 3) == pytest.approx(0.2)
    # A runner whose every day is 10 % slower than predicted has no spread at all.
    assert day_spread([110.0, 220.0, 330.0], [100.0, 200.0, 300.0]) == pytest.approx(0.0)


def test_fewer_than_three_recordings_give_no_spread():
    assert MIN_RECORDINGS == 3
    assert day_spread([90.0, 110.0], [100.0, 100.0]) is None


def test_range_is_the_prediction_interval_of_a_new_day():
    p = RunnerProfile(600.0, day_spread=0.1, spread_recordings=5)
    low, high = time_range_s(p, 3600.0) or (0.0, 0.0)
    k = student_t.ppf(0.9, 4) * 0.1 * math.sqrt(1.2)
    assert DAY_SHARE == 0.8
    assert (low, high) == pytest.approx((3600.0 * math.exp(-k), 3600.0 * math.exp(k)))
    # Symmetric in log time, wider for a surer share and for fewer recordings.
    assert math.log(3600.0 / low) == pytest.approx(math.log(high / 3600.0))
    wider = time_range_s(p, 3600.0, share=0.95)
    assert wider is not None and wider[0] < low and wider[1] > high
    many = time_range_s(RunnerProfile(600.0, day_spread=0.1, spread_recordings=50), 3600.0)
    assert many is not None and low < many[0] and many[1] < high


def test_a_profile_without_spread_has_no_range():
    assert time_range_s(RunnerProfile(600.0), 3600.0) is None


@pytest.mark.parametrize(
    ("spread", "n"),
    [(0.1, None), (None, 5), (-0.1, 5), (1.5, 5), (0.1, 2), (0.1, 4.5), (0.1, True)],
)
def test_invalid_spreads_are_refused(spread, n):
    with pytest.raises(InputError, match="invalid day spread"):
        RunnerProfile(600.0, day_spread=spread, spread_recordings=n)
