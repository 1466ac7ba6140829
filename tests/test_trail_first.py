"""Trail-first by default: known answers on hand-built networks with main roads."""

from __future__ import annotations

import numpy as np
import pytest
from synth import make_network, to_lonlat

from routeplanner.brief import Constraints
from routeplanner.pace import RunnerProfile
from routeplanner.pace.timer import EdgeTimer
from routeplanner.search.loops import LoopRequest, find_loops
from routeplanner.search.point_router import PointRouter
from routeplanner.search.roads import road_notes

PROFILE = RunnerProfile(360.0)  # 6:00/km: 0.36 s per flat metre
ROADS = Constraints(avoid_roads=False)


def _start(x: float, y: float) -> tuple[float, float]:
    lon, lat = to_lonlat(x, y)
    return float(lon), float(lat)


def u_with_road(width_m: float):
    """A trail U (up 1400 m, across ``width_m``, down 1400 m) closed by a main road."""
    nodes = {1: (0.0, 0.0), 2: (0.0, 1400.0), 3: (width_m, 1400.0), 4: (width_m, 0.0)}
    ways = [
        ([1, 2, 3, 4], {"highway": "path", "name": "U path"}),
        ([4, 1], {"highway": "primary", "name": "CG-2"}),
    ]
    return make_network(nodes, ways)


def test_a_short_main_road_link_makes_a_loop_and_is_named():
    net = u_with_road(200.0)  # the road is 200 m of a 3.2 km loop: 6 %
    target = 3200 * 0.36
    (route,) = find_loops(net, _start(0, 0), PROFILE, LoopRequest(target))
    assert route.outcome is not None and route.outcome.shape == "loop"
    assert "CG-2" in route.names
    assert route.stats.main_road_share == pytest.approx(200 / 3200, abs=0.01)
    assert any("CG-2" in n and "link" in n for n in route.outcome.notes)
    assert route.stats.duration_s == pytest.approx(target, rel=0.05)


def test_a_long_main_road_link_is_refused_for_an_honest_out_and_back():
    net = u_with_road(500.0)  # the road would be 500 m of a 3.8 km loop: 13 %
    target = 3800 * 0.36
    (route,) = find_loops(net, _start(0, 0), PROFILE, LoopRequest(target))
    assert "CG-2" not in route.names and route.stats.main_road_share == 0.0
    assert route.outcome is not None and route.outcome.shape == "out-and-back"
    # with roads allowed the road loop is the answer
    (plain,) = find_loops(net, _start(0, 0), PROFILE, LoopRequest(target, constraints=ROADS))
    assert "CG-2" in plain.names and plain.outcome is not None
    assert plain.outcome.shape == "loop"


def square_with_road_start():
    """A 4 km trail square; a main road runs across it from corner 2 to corner 4."""
    nodes = {1: (0.0, 0.0), 2: (1000.0, 0.0), 3: (1000.0, 1000.0), 4: (0.0, 1000.0)}
    ways = [
        ([1, 2, 3, 4, 1], {"highway": "path", "name": "Square"}),
        ([2, 4], {"highway": "secondary", "name": "CG-9"}),
    ]
    return make_network(nodes, ways)


def test_a_start_on_a_main_road_leaves_it_by_the_nearer_end_and_says_so():
    net = square_with_road_start()
    # 30 % of the way from corner 2 (1000, 0) to corner 4 (0, 1000): 424 m from corner 2
    x, y = 1000.0 - 300.0, 300.0
    target = (4000 + 2 * 424) * 0.36
    (route,) = find_loops(net, _start(x, y), PROFILE, LoopRequest(target))
    assert route.outcome is not None and route.outcome.meets_brief
    first = route.network_steps[0]
    assert net.edge_class[first.edge] == 2
    # the way off the road is the 424 m to corner 2, not the 990 m to corner 4
    assert first.length_m == pytest.approx(424.0, abs=15.0)
    assert route.stats.main_road_share * route.stats.distance_m < 2 * 424 + 30
    assert route.stats.trail_share > 0.8
    note = route.outcome.notes[0]
    assert note.startswith("starts on a main road: 0.4 km along CG-9 to the nearest other way")


def test_only_the_way_off_a_main_road_start_is_open_not_the_rest_of_its_edge():
    from routeplanner.brief import Constraints as C
    from routeplanner.search.graph import SearchGraph, edge_cost, main_road_exit

    net = square_with_road_start()
    x, y = 1000.0 - 300.0, 300.0  # 424 m from corner 2, 990 m from corner 4
    lon, lat = _start(x, y)
    snap = net.snap(lon, lat, max_distance_m=50.0)
    exit = main_road_exit(net, snap)
    assert net.edge_class[exit.edges[0]] == 2 and len(exit.edges) == 1
    g = SearchGraph(net, PROFILE, snap)
    w = g.weights(edge_cost(net, g.prefs, C(), start=snap))
    pieces = np.flatnonzero(g.arc_edge == snap.edge)
    near = pieces[g.arc_len[pieces] < 500]
    far = pieces[g.arc_len[pieces] > 900]
    assert len(near) == 2 and len(far) == 2
    assert np.isfinite(w[near]).all()  # the 424 m to corner 2, both ways
    assert np.isinf(w[far]).all()  # the other 990 m stays closed


def test_a_scrap_of_path_beside_a_main_road_does_not_make_the_road_needed():
    # the 13 % road of the U, with a 60 m lay-by path half-way along it: before, the
    # lay-by counted as a place the road was the only way to, and the road was taken
    net = u_with_road(500.0)
    nodes = {1: (0.0, 0.0), 2: (0.0, 1400.0), 3: (500.0, 1400.0), 4: (500.0, 0.0)}
    nodes.update({5: (250.0, 0.0), 6: (250.0, -60.0)})
    ways = [
        ([1, 2, 3, 4], {"highway": "path", "name": "U path"}),
        ([4, 5, 1], {"highway": "primary", "name": "CG-2"}),
        ([5, 6], {"highway": "footway", "name": "Lay-by"}),
    ]
    net = make_network(nodes, ways)
    target = 3800 * 0.36
    (route,) = find_loops(net, _start(0, 0), PROFILE, LoopRequest(target))
    assert "CG-2" not in route.names and route.stats.main_road_share == 0.0
    assert route.outcome is not None and route.outcome.shape == "out-and-back"


def test_notes_name_stretches_and_skip_crossings():
    net = square_with_road_start()
    from routeplanner.route import Step

    road = int(np.flatnonzero(net.edge_class == 2)[0])
    trail = int(np.flatnonzero(net.edge_class == 0)[0])
    length = float(net.edge_length_m[road])
    crossing = [Step(trail, 0.0, 500.0), Step(road, 0.0, 30.0), Step(trail, 500.0, 600.0)]
    assert road_notes(net, crossing) == []
    middle = [Step(trail, 0.0, 500.0), Step(road, 0.0, length), Step(trail, 500.0, 600.0)]
    (note,) = road_notes(net, middle)
    assert "1.4 km" in note and "CG-9" in note and "link" in note


def test_point_legs_are_trail_first_unless_roads_are_allowed():
    from routeplanner.search.graph import Preferences

    net = square_with_road_start()
    default = PointRouter(net, PROFILE, _start(1000, 0), None, 100.0)
    allowed = PointRouter(net, PROFILE, _start(1000, 0), Preferences(), 100.0)
    road = int(np.flatnonzero(net.edge_class == 2)[0])
    k = int(np.flatnonzero(default.g.edge == road)[0])
    assert default.g.factor[k] == 20.0
    assert allowed.g.factor[k] == 4.0


# -- easy means easy: the ascent-rate cap ------------------------------------------------


def two_squares(with_flat: bool = True):
    """From node 1: a trail square on a 12 % slope north-east, a flat residential one south-west."""
    side = 833.0
    nodes = {1: (0.0, 0.0), 2: (side, 0.0), 3: (side, side), 4: (0.0, side)}
    ways = [([1, 2, 3, 4, 1], {"highway": "path", "name": "East trail"})]
    if with_flat:
        nodes.update({5: (-side, 0.0), 6: (-side, -side), 7: (0.0, -side)})
        ways.append(([1, 5, 6, 7, 1], {"highway": "residential", "name": "West road"}))
    slope = 0.12

    def elevation(x, y):
        return 1000.0 + slope * (np.maximum(x, 0.0) + np.maximum(y, 0.0))

    return make_network(nodes, ways, elevation=elevation)


def _square_time_s(net, name: str) -> float:
    t_f, _ = EdgeTimer(net, PROFILE).edge_times()
    return float(sum(t_f[e] for e in range(net.n_edges) if str(net.edge_name[e]) == name))


def test_the_easy_cap_changes_the_route_to_the_gentle_one():
    net = two_squares()
    target = (_square_time_s(net, "East trail") + _square_time_s(net, "West road")) / 2
    free = LoopRequest(target, tolerance=0.15)
    (steep,) = find_loops(net, _start(0, 0), PROFILE, free)
    assert steep.names == ["East trail"]  # trails first when nothing caps the climbing
    assert steep.stats.ascent_m / (steep.stats.duration_s / 3600) > 250
    easy = LoopRequest(target, tolerance=0.15, constraints=Constraints(max_ascent_rate_m_h=250))
    (gentle,) = find_loops(net, _start(0, 0), PROFILE, easy)
    assert "West road" in gentle.names  # (topped up with a little of the trail)
    assert gentle.stats.ascent_m / (gentle.stats.duration_s / 3600) <= 250
    assert gentle.outcome is not None and gentle.outcome.meets_brief


def test_the_easy_cap_misses_honestly_where_only_steep_ground_is_in_reach():
    net = two_squares(with_flat=False)
    target = _square_time_s(net, "East trail")
    easy = LoopRequest(target, tolerance=0.15, constraints=Constraints(max_ascent_rate_m_h=250))
    (route,) = find_loops(net, _start(0, 0), PROFILE, easy)
    assert route.outcome is not None and not route.outcome.meets_brief
    (miss,) = route.outcome.misses
    assert miss.startswith("ascent rate ") and miss.endswith("m/h > 250 m/h")


def test_easy_sessions_carry_the_cap_and_other_sessions_do_not():
    from routeplanner.plan.routing import EASY_ASCENT_RATE_M_H, RoutingOptions

    opt = RoutingOptions()
    assert EASY_ASCENT_RATE_M_H == 250.0
    easy = opt.brief("easy")
    assert easy is not None and easy.max_ascent_rate_m_h == 250.0 and easy.avoid_roads
    assert opt.brief("long") is None
    tighter = RoutingOptions(constraints=Constraints(max_ascent_rate_m_h=200.0))
    assert tighter.brief("easy").max_ascent_rate_m_h == 200.0
    assert RoutingOptions(easy_ascent_rate_m_h=300.0).brief("easy").max_ascent_rate_m_h == 300.0


def test_a_main_road_through_nodes_of_its_own_is_bypassed_when_a_path_runs_beside_it():
    from routeplanner.search.graph import main_roads_needed

    # the diagonal CG-9 has a node of its own half-way: still one stretch, bypassed
    nodes = {1: (0.0, 0.0), 2: (1000.0, 0.0), 3: (1000.0, 1000.0), 4: (0.0, 1000.0)}
    nodes.update({5: (500.0, 500.0), 10: (3000.0, 0.0), 11: (3500.0, 0.0)})
    ways = [
        ([1, 2, 3, 4, 1], {"highway": "path", "name": "Square"}),
        ([2, 5, 4], {"highway": "secondary", "name": "CG-9"}),
        # the only way to the hamlet's path 10-11 is the main road 2-10
        ([2, 10], {"highway": "primary", "name": "CG-1"}),
        ([10, 11], {"highway": "path", "name": "Hamlet"}),
    ]
    net = make_network(nodes, ways)
    needed = main_roads_needed(net)
    names = [str(n) for n in net.edge_name]
    assert not any(needed[i] for i, n in enumerate(names) if n == "CG-9")
    # from the square, the hamlet's 500 m of path is no place a loop needs to reach
    assert not any(needed[i] for i, n in enumerate(names) if n == "CG-1")
    # from a start in the hamlet, CG-1 is the only way out
    hamlet = names.index("Hamlet")
    from_hamlet = main_roads_needed(net, hamlet)
    assert all(from_hamlet[i] for i, n in enumerate(names) if n == "CG-1")
    assert not any(from_hamlet[i] for i, n in enumerate(names) if n == "CG-9")
