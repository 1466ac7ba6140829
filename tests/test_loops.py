"""Loop search: known answers on hand-built networks, and Andorra end to end."""

from __future__ import annotations

import numpy as np
import pytest
from synth import make_network, ring_with_spurs, to_lonlat

from routeplanner.errors import InputError, NoRouteError
from routeplanner.pace import RunnerProfile
from routeplanner.route import shared_m
from routeplanner.search.loops import LoopRequest, find_loops

PROFILE = RunnerProfile(360.0)  # 6:00/km: 0.36 s per flat metre


def _start(x: float, y: float) -> tuple[float, float]:
    lon, lat = to_lonlat(x, y)
    return float(lon), float(lat)


def _closes(route) -> bool:
    return bool(np.hypot(route.lon[0] - route.lon[-1], route.lat[0] - route.lat[-1]) < 1e-9)


def ladder(rungs: int = 5, spacing_m: float = 500.0, width_m: float = 400.0):
    """Two parallel rails joined by rungs: many loops of known lengths."""
    nodes = {}
    for i in range(rungs):
        nodes[i + 1] = (i * spacing_m, 0.0)
        nodes[i + 101] = (i * spacing_m, width_m)
    ways = [
        (list(range(1, rungs + 1)), {"highway": "path", "name": "South rail"}),
        (list(range(101, 101 + rungs)), {"highway": "path", "name": "North rail"}),
    ]
    ways += [([i + 1, i + 101], {"highway": "path", "name": f"Rung {i}"}) for i in range(rungs)]
    return make_network(nodes, ways)


class TestRing:
    ring_m = 2 * np.pi * 1000 * np.sin(np.pi / 12) / (np.pi / 12)  # 12-gon, radius 1 km

    def test_whole_ring_is_the_loop_when_the_target_fits(self):
        net = ring_with_spurs()
        target = self.ring_m * 0.36
        (route,) = find_loops(net, _start(1000, 0), PROFILE, LoopRequest(target))
        assert _closes(route)
        assert route.stats.duration_s == pytest.approx(target, rel=0.01)
        # The best loop is the ring itself: no spur, no overlap.
        assert route.stats.overlap_share < 0.01
        assert route.stats.trail_share == 1.0
        assert "Ring" in route.names

    def test_longer_target_is_topped_up_with_a_spur(self):
        net = ring_with_spurs()
        target = (self.ring_m + 600) * 0.36  # ring plus a 300 m out-and-back
        (route,) = find_loops(net, _start(1000, 0), PROFILE, LoopRequest(target))
        assert _closes(route)
        assert route.stats.duration_s == pytest.approx(target, rel=0.005)
        assert route.stats.distance_m == pytest.approx(self.ring_m + 600, rel=0.01)
        # The spur is run twice: about 300 m of the distance is repeated.
        assert route.stats.overlap_share * route.stats.distance_m == pytest.approx(300, abs=30)

    def test_start_mid_edge_closes_at_the_snapped_point(self):
        net = ring_with_spurs()
        start = _start(0, 1000)  # top of the ring, a vertex inside an edge
        (route,) = find_loops(net, start, PROFILE, LoopRequest(self.ring_m * 0.36))
        assert _closes(route)
        x0, y0 = route.lon[0], route.lat[0]
        assert abs(x0 - start[0]) < 1e-6 and abs(y0 - start[1]) < 1e-6

    def test_target_beyond_the_network_gives_closest_plan_that_misses(self):
        net = ring_with_spurs()
        (route,) = find_loops(net, _start(1000, 0), PROFILE, LoopRequest(4 * 3600.0))
        assert route.outcome is not None and not route.outcome.meets_brief
        assert "under the 240 min target" in route.outcome.misses[0]
        assert route.warnings[0] == route.outcome.misses[0]
        assert _closes(route)


def test_ladder_alternatives_are_really_different():
    # From the middle of a long ladder, rectangles to the west and to the
    # east share only the middle rung.
    net = ladder(rungs=7)
    routes = find_loops(
        net, _start(1500, 0), PROFILE, LoopRequest(2 * (1000 + 400) * 0.36, alternatives=3, seed=3)
    )
    assert len(routes) >= 2
    for r in routes:
        assert _closes(r)
        assert abs(r.stats.duration_s / r.target_duration_s - 1) <= 0.05
    for i, a in enumerate(routes):
        for b in routes[i + 1 :]:
            limit = 0.5 * min(a.stats.distance_m, b.stats.distance_m)
            assert shared_m(a.steps, b.steps) <= limit + 1e-6


def test_ladder_best_loop_has_no_overlap():
    net = ladder()
    # A rectangle of 2 x (1000 + 400) m exists from the corner: no overlap needed.
    (route,) = find_loops(net, _start(0, 0), PROFILE, LoopRequest(2 * 1400 * 0.36))
    assert route.stats.overlap_share < 0.02
    assert route.stats.duration_s == pytest.approx(2 * 1400 * 0.36, rel=0.02)


def test_seed_determinism():
    net = ladder(rungs=7)
    req = LoopRequest(2 * 1900 * 0.36, alternatives=2, seed=11)
    a = find_loops(net, _start(0, 0), PROFILE, req)
    b = find_loops(net, _start(0, 0), PROFILE, req)
    assert [r.steps for r in a] == [r.steps for r in b]


def test_dead_end_valley_is_answered_by_an_out_and_back():
    # A tree of ways (no cycle): 800 m + 800 m up the valley, 600 m up a side path.
    nodes = {1: (0, 0), 2: (800, 0), 3: (1600, 200), 4: (800, 600)}
    ways = [([1, 2, 3], {"highway": "track"}), ([2, 4], {"highway": "path"})]
    net = make_network(nodes, ways)
    target = 2 * 1200 * 0.36  # 1.2 km out and back
    (route,) = find_loops(net, _start(0, 0), PROFILE, LoopRequest(target))
    assert route.outcome is not None and route.outcome.meets_brief
    assert route.outcome.shape == "out-and-back"
    assert route.name == "Out-and-back 1"
    assert route.stats.duration_s == pytest.approx(target, rel=0.01)
    assert route.stats.overlap_share > 0.45
    assert _closes(route)


def test_isolated_start_with_nowhere_to_go_is_an_error():
    # The only way from the start is too hard for the runner.
    nodes = {1: (0, 0), 2: (800, 0)}
    net = make_network(nodes, [([1, 2], {"highway": "path", "sac_scale": "alpine_hiking"})])
    with pytest.raises(NoRouteError, match="no route"):
        find_loops(net, _start(0, 0), RunnerProfile(360.0, max_difficulty=2), LoopRequest(1800))


def test_uphill_direction_costs_more_time():
    # A ring on a ramp: the loop takes the same time either way round, but a
    # spur up the ramp takes longer out than back.
    net = ring_with_spurs()
    ramp = make_network(
        {1: (0, 0), 2: (1000, 0), 3: (1000, 500), 4: (0, 500)},
        [([1, 2, 3, 4, 1], {"highway": "path"})],
        elevation=lambda x, y: 1000 + 0.1 * x,
    )
    t_f, t_b = ramp.edge_times(PROFILE)
    assert net.n_edges == 5
    up_edges = ramp.edge_ascent_m > ramp.edge_descent_m
    assert np.all(t_f[up_edges] > t_b[up_edges])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"duration_s": 0},
        {"duration_s": -60},
        {"duration_s": 25 * 3600},
        {"duration_s": 3600, "alternatives": 0},
        {"duration_s": 3600, "tolerance": 0.9},
    ],
)
def test_bad_requests(kwargs):
    with pytest.raises(InputError):
        LoopRequest(**kwargs)


@pytest.mark.slow
@pytest.mark.parametrize("minutes", [30, 75, 120])
def test_andorra_loops(andorra_network, minutes):
    start = (1.5148, 42.5450)  # La Massana
    routes = find_loops(
        andorra_network, start, PROFILE, LoopRequest(minutes * 60.0, alternatives=2, seed=7)
    )
    for r in routes:
        assert _closes(r)
        assert abs(r.stats.duration_s / (minutes * 60) - 1) <= 0.05
        assert 0 <= r.stats.overlap_share < 0.5
        assert r.stats.ascent_m > 0
        assert r.stats.ascent_m == pytest.approx(r.stats.descent_m, abs=1.0)
