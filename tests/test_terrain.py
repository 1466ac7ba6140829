"""Terrain along profiles: the one set of slope bands and windowed grades."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from routeplanner import terrain
from routeplanner.terrain import BANDS, band_of, band_shares, max_grade, max_window_mean


def test_doctests_pass() -> None:
    result = doctest.testmod(terrain)
    assert result.failed == 0 and result.attempted > 0


def test_band_edges_after_rounding() -> None:
    # Lower bounds are inclusive; 0.1° rounding keeps 34.96 in 35-45.
    got = band_of([0.0, 26.9, 27.0, 29.99, 32.0, 34.96, 46.0, 50.0, 89.0]).tolist()
    assert got == [0, 0, 1, 2, 3, 4, 5, 6, 6]
    assert [b[0] for b in BANDS] == ["<27", "27-29", "30-31", "32-34", "35-45", "46-50", "50+"]
    assert band_shares([10.0, 40.0], [1.0, 3.0]) == pytest.approx((0.25, 0, 0, 0, 0.75, 0, 0))


def test_max_grade_is_exact_for_any_window() -> None:
    # Flat 100 m, then 20 m at 50 %, then flat: the steepest 10 m is 50 %, the
    # steepest 40 m holds the whole 10 m rise (25 %), and a window longer than
    # the profile gives the end-to-end grade.
    d = np.array([0.0, 100.0, 120.0, 300.0])
    z = np.array([0.0, 0.0, 10.0, 10.0])
    assert max_grade(d, z, window_m=10.0) == pytest.approx(0.5)
    assert max_grade(d, z, window_m=40.0) == pytest.approx(0.25)
    assert max_grade(d, z, window_m=1000.0) == pytest.approx(10.0 / 300.0)
    assert max_grade(d, -z, window_m=10.0) == pytest.approx(0.5)  # |grade|
    assert max_grade(np.array([5.0, 5.0]), np.array([1.0, 2.0]), window_m=10.0) == 0.0


def test_max_window_mean() -> None:
    d = np.array([0.0, 50.0, 100.0])
    v = np.array([10.0, 10.0, 40.0])
    assert max_window_mean(d, v, window_m=50.0) == pytest.approx(25.0)
    assert max_window_mean(d, v, window_m=500.0) == pytest.approx(17.5)
