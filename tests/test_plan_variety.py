"""A block with variety: the geometric share of two runs, its wording, and the steering."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from synth import make_network, to_lonlat

from routeplanner.plan.variety import AwayFrom, shared_share, variety_miss


def track(points_xy):
    """A route-like track through ``(x, y)`` metres of the synthetic grid."""
    xy = np.asarray(points_xy, dtype=float)
    lon, lat = to_lonlat(xy[:, 0], xy[:, 1])
    d = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    return SimpleNamespace(lon=np.asarray(lon), lat=np.asarray(lat), dist_m=d)


def test_a_parallel_way_within_15_m_is_shared_ground_and_one_beyond_is_not():
    a = track([(0, 0), (1000, 0)])
    assert shared_share(a, track([(0, 12), (1000, 12)])) == pytest.approx(1.0)
    assert shared_share(a, track([(0, 20), (1000, 20)])) == 0.0


def test_the_share_is_of_the_shorter_run_way_from_home_included():
    # 300 m out of home on the same street, then apart: 300 of the shorter 1300 m
    a = track([(0, 0), (300, 0), (300, 1000)])
    b = track([(0, 0), (300, 0), (1300, 0), (1300, 1000)])
    assert shared_share(a, b) == pytest.approx(300 / 1300, abs=0.02)
    assert shared_share(b, a) == shared_share(a, b)


def test_a_miss_at_the_limit_reads_as_a_miss():
    assert variety_miss(0.3004, "Tue 04 May") == "shares 31% > 30% of its distance with Tue 04 May"
    assert variety_miss(0.41, "Sat 08 May") == "shares 41% > 30% of its distance with Sat 08 May"
    assert variety_miss(0.30, "Tue 04 May") is None


def test_away_from_makes_the_earlier_runs_ways_dearer():
    net = make_network(
        {1: (0.0, 0.0), 2: (500.0, 0.0), 3: (500.0, 500.0)},
        [([1, 2], {"highway": "path"}), ([2, 3], {"highway": "path"})],
    )
    plain = AwayFrom().edge_factor(net)
    away = AwayFrom(avoid=frozenset({0}), penalty=4.0).edge_factor(net)
    assert away[0] == pytest.approx(4.0 * plain[0])
    assert away[1] == pytest.approx(plain[1])
