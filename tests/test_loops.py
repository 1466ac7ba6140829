"""Loop search: known answers on hand-built networks, and Andorra end to end."""

from __future__ import annotations

import numpy as np
import pytest
from synth import make_network, ring_with_spurs, to_lonlat

from routeplanner.errors import InputError, NoRouteError
from routeplanner.pace import RunnerProfile
from routeplanner.pace.timer import EdgeTimer
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
    t_f, t_b = EdgeTimer(ramp, PROFILE).edge_times()
    assert net.n_edges == 5
    up_edges = ramp.edge_ascent_m > ramp.edge_descent_m
    assert np.all(t_f[up_edges] > t_b[up_edges])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"duration_s": 0},
        {"duration_s": -60},
        {"duration_s": 0.0001},
        {"duration_s": 59},
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


# -- constraints and outcome ---------------------------------------------------------------

SQUARE = {1: (0.0, 0.0), 2: (1000.0, 0.0), 3: (1000.0, 1000.0), 4: (0.0, 1000.0)}


def square_with_road_diagonal():
    """A 4 km square of trails with a main-road diagonal from corner 2 to corner 4.

    The triangle 1-2-4 (2000 m + 1414 m) is a loop only by the road; on
    trails alone, the same time needs the square (or part of it and a spur).
    """
    ways = [
        ([1, 2, 3, 4, 1], {"highway": "path", "name": "Square"}),
        ([2, 4], {"highway": "secondary", "name": "CG-9"}),
    ]
    return make_network(SQUARE, ways)


def test_avoid_roads_does_not_take_the_road_shortcut():
    from routeplanner.brief import Constraints
    from routeplanner.search.graph import Preferences

    net = square_with_road_diagonal()
    target = (2000 + 1000 * np.sqrt(2)) * 0.36
    neutral = Preferences(class_factor=(1.0, 1.0, 1.0), sac_factor=0.0)
    allowed = LoopRequest(target, constraints=Constraints(avoid_roads=False))
    (plain,) = find_loops(net, _start(0, 0), PROFILE, allowed, prefs=neutral)
    # With roads allowed the road triangle is the exact, overlap-free loop.
    assert "CG-9" in plain.names
    assert plain.stats.main_road_share > 0.3
    # Trail-first is the default: the road (41 % of the triangle) is no short link.
    for req in (LoopRequest(target), LoopRequest(target, constraints=Constraints())):
        (route,) = find_loops(net, _start(0, 0), PROFILE, req, prefs=neutral)
        assert "CG-9" not in route.names
    assert route.stats.main_road_share == 0.0
    assert route.stats.trail_share == 1.0
    assert route.outcome is not None and route.outcome.meets_brief
    assert route.stats.duration_s == pytest.approx(target, rel=0.05)


def test_avoid_roads_takes_a_main_road_that_is_the_only_connection_and_says_so():
    from routeplanner.brief import Constraints

    # The start is on a trail stub joined to the square only by 300 m of main road.
    nodes = {**SQUARE, 10: (-300.0, -300.0), 11: (-600.0, -600.0)}
    ways = [
        ([1, 2, 3, 4, 1], {"highway": "path", "name": "Square"}),
        ([10, 1], {"highway": "primary", "name": "CG-1"}),
        ([11, 10], {"highway": "path", "name": "Stub"}),
    ]
    net = make_network(nodes, ways)
    target = (4000 + 2 * 300 + 2 * 424) * 0.36
    req = LoopRequest(target, constraints=Constraints(avoid_roads=True))
    (route,) = find_loops(net, _start(-600, -600), PROFILE, req)
    assert route.outcome is not None
    assert "CG-1" in route.names
    assert route.outcome is not None and route.outcome.meets_brief
    assert route.outcome.notes and "where no other way connects" in route.outcome.notes[0]


def test_constraint_violations_are_reported_in_misses():
    from routeplanner.brief import Constraints

    # Only a residential ring on a 10 % ramp: no trail share, 100 m of climb.
    ramp = make_network(
        {1: (0, 0), 2: (1000, 0), 3: (1000, 500), 4: (0, 500)},
        [([1, 2, 3, 4, 1], {"highway": "residential", "name": "Ramp"})],
        elevation=lambda x, y: 1000 + 0.1 * x,
    )
    c = Constraints(min_trail=0.6, max_ascent_m=40.0)
    t_f, _ = EdgeTimer(ramp, PROFILE).edge_times()
    target = float(np.sum(t_f))
    (route,) = find_loops(ramp, _start(0, 0), PROFILE, LoopRequest(target, constraints=c))
    assert route.outcome is not None and not route.outcome.meets_brief
    misses = " | ".join(route.outcome.misses)
    assert "trail share 0% < 60%" in misses
    assert "ascent 100 m > 40 m" in misses or "ascent 99 m > 40 m" in misses
    summary = route.summary()
    assert summary["meets_brief"] is False and summary["misses"] == list(route.outcome.misses)
    assert summary["shape"] == "loop"


def test_max_grade_closes_steep_edges():
    from routeplanner.brief import Constraints

    # A flat 1 km square loop beside a steep one: with a grade cap only the flat one.
    nodes = {**SQUARE, 5: (-1000.0, 0.0), 6: (-1000.0, 1000.0)}
    ways = [
        ([1, 2, 3, 4, 1], {"highway": "path", "name": "Flat"}),
        ([1, 5, 6, 4], {"highway": "path", "name": "Steep"}),
    ]
    net = make_network(nodes, ways, elevation=lambda x, y: 1000 + np.where(x < 0, 0.3 * -x, 0))
    req = LoopRequest(4000 * 0.36, constraints=Constraints(max_grade=0.2))
    (route,) = find_loops(net, _start(0, 500), PROFILE, req)
    assert "Steep" not in route.names
    assert route.stats.max_grade <= 0.2


def test_no_spurious_warning_when_no_alternatives_were_asked(caplog):
    net = ladder(rungs=3)
    with caplog.at_level("WARNING", logger="routeplanner"):
        find_loops(net, _start(0, 0), PROFILE, LoopRequest(2 * 1400 * 0.36))
    assert "really different" not in caplog.text


def test_bad_constraint_strings():
    from routeplanner.brief import Constraints

    c = Constraints.from_strings(min_trail="60%", max_ascent_rate="250m/h", max_grade="25%")
    assert (c.min_trail, c.max_ascent_rate_m_h, c.max_grade) == (0.6, 250.0, 0.25)
    assert c.ascent_cap_m(1800.0) == pytest.approx(125.0)
    with pytest.raises(InputError, match="min-trail"):
        Constraints.from_strings(min_trail="lots")
    with pytest.raises(InputError, match=r"invalid min-trail '160%': use 0% to 100%"):
        Constraints.from_strings(min_trail="160%")
    with pytest.raises(InputError, match=r"invalid max-grade '0%': use 1% to 500%"):
        Constraints.from_strings(max_grade="0%")
    with pytest.raises(InputError, match="invalid max-ascent-rate '0m/h': use 1m/h to 5000m/h"):
        Constraints.from_strings(max_ascent_rate="0m/h")


def test_cli_exit_3_with_missed_and_accept_closest(tmp_path, monkeypatch, capsys):
    import json

    from synth import make_dem, write_geotiff, write_osm_xml

    from routeplanner.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(tmp_path / "cache"))
    osm = write_osm_xml(tmp_path / "sq.osm", SQUARE, [([1, 2, 3, 4, 1], {"highway": "path"})])
    dem = make_dem(lambda x, y: 0 * x + 1000.0, extent_m=6000.0, cell_m=10.0)
    tif = write_geotiff(tmp_path / "sq.tif", dem.elevation, dem.transform)
    lon, lat = _start(0, 0)
    args = ["loop", "--osm", str(osm), "--dem", str(tif), "--start", f"{lat},{lon}"]

    def run(extra):
        try:
            main([*args, *extra])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        return (code, *capsys.readouterr())

    code, out, _ = run(["--duration", "4h", "--geojson", "far.geojson"])
    assert code == 3
    assert "MISSED: duration" in out and "under the 240 min target" in out
    props = json.loads((tmp_path / "far.geojson").read_text())["features"][0]["properties"]
    assert props["meets_brief"] is False and props["misses"]
    assert props["shape"] in ("loop", "lollipop", "out-and-back")
    code, out, err = run(["--duration", "4h", "--json"])
    assert code == 3 and "MISSED: duration" in err
    data = json.loads(out)["routes"][0]
    assert data["meets_brief"] is False and data["target_duration_s"] == 14400.0
    assert {"trail_share", "main_road_share", "overlap_share", "duration_s"} <= data.keys()
    code, out, _ = run(["--duration", "4h", "--accept-closest"])
    assert code == 0 and "MISSED: duration" in out
    code, out, _ = run(["--duration", f"{4000 * 0.36 / 60:.1f}m"])
    assert code == 0 and "MISSED" not in out


def test_front_door_names():
    import routeplanner

    assert routeplanner.find_loops is find_loops
    assert routeplanner.LoopRequest is LoopRequest
    assert routeplanner.RunnerProfile is RunnerProfile
    net = ladder(rungs=3)
    assert (net.n_nodes, net.n_edges) == (6, 7)


@pytest.mark.slow
def test_andorra2025_avoid_roads_trail_first(andorra2025_network):
    from routeplanner.brief import Constraints

    start = (1.5331, 42.5560)  # Ordino
    req = LoopRequest(60 * 60.0, constraints=Constraints(avoid_roads=True, min_trail=0.6))
    (route,) = find_loops(andorra2025_network, start, PROFILE, req)
    assert route.outcome is not None and route.outcome.meets_brief, route.outcome
    assert route.stats.main_road_share <= 0.02
    assert route.stats.trail_share >= 0.6


def test_ascent_cap_missed_by_the_first_search_is_retried_with_heavier_climb_costs(
    monkeypatch,
):
    """Dead ends: a 10 % trail climb east, a flat residential street west.

    At the first climb aversion the climb (×1.5 on average) is cheaper than the
    street (×3), so the out-and-back climbs over the 50 m cap; the retry with
    heavier climb costs takes the street and meets the brief.
    """
    from routeplanner.brief import Constraints
    from routeplanner.search import loops

    net = make_network(
        {1: (0.0, 0.0), 2: (3000.0, 0.0), 3: (-3000.0, 0.0)},
        [
            ([1, 2], {"highway": "path", "name": "Climb"}),
            ([1, 3], {"highway": "residential", "name": "Flat street"}),
        ],
        elevation=lambda x, y: 1000.0 + 0.1 * np.maximum(x, 0.0) + 0 * y,
    )
    request = LoopRequest(30 * 60.0, constraints=Constraints(max_ascent_m=50.0))
    (route,) = find_loops(net, _start(0, 0), PROFILE, request)
    assert route.names == ["Flat street"] and route.stats.ascent_m <= 50.0
    assert route.outcome is not None and route.outcome.meets_brief
    monkeypatch.setattr(loops, "ASCENT_RETRY_WEIGHTS", ())
    (first,) = find_loops(net, _start(0, 0), PROFILE, request)
    assert first.names == ["Climb"] and first.stats.ascent_m > 50.0
    assert first.outcome is not None and not first.outcome.meets_brief


def test_the_library_leaves_fewer_alternatives_to_its_caller(caplog):
    # group runs, plans and catalogues ask for alternatives to choose among them: the
    # runner did not ask, so the search itself says nothing (the loop command does)
    net = ladder(rungs=3)
    with caplog.at_level("WARNING", logger="routeplanner"):
        routes = find_loops(
            net, _start(0, 0), PROFILE, LoopRequest(2 * 1400 * 0.36, alternatives=10)
        )
    assert len(routes) < 10
    assert "really different" not in caplog.text


def test_loop_request_options_are_keyword_only():
    # The library's front door: LoopRequest(duration_s, *, tolerance, alternatives, seed).
    with pytest.raises(TypeError):
        LoopRequest(3600.0, 0.1)  # type: ignore[misc]
    req = LoopRequest(3600.0, tolerance=0.1, alternatives=2, seed=7)
    assert (req.duration_s, req.tolerance, req.alternatives, req.seed) == (3600.0, 0.1, 2, 7)


def _dead_ends():
    """A 10 % trail climb east and a flat residential street west of the start."""
    return make_network(
        {1: (0.0, 0.0), 2: (3000.0, 0.0), 3: (-3000.0, 0.0)},
        [
            ([1, 2], {"highway": "path", "name": "Climb"}),
            ([1, 3], {"highway": "residential", "name": "Flat street"}),
        ],
        elevation=lambda x, y: 1000.0 + 0.1 * np.maximum(x, 0.0) + 20 * np.sin(x / 150.0) + 0 * y,
    )


def test_a_loop_the_ascent_retry_finds_again_is_built_once(monkeypatch):
    from routeplanner.brief import Constraints
    from routeplanner.search import loop_outcome

    net = _dead_ends()
    request = LoopRequest(30 * 60.0, constraints=Constraints(max_ascent_m=50.0))
    calls: list[tuple] = []
    build = loop_outcome._build

    def counted(net, steps, profile, request, made=None):
        calls.append(tuple(steps))
        return build(net, steps, profile, request, made)

    monkeypatch.setattr(loop_outcome, "_build", counted)
    (route,) = find_loops(net, _start(0, 0), PROFILE, request)
    once = list(calls)
    assert len(once) == len(set(once))
    # without the memo, the retries build some of the same loops again, to the same answer
    calls.clear()
    monkeypatch.setattr(
        loop_outcome._Builds, "__call__", lambda self, steps: counted(net, steps, PROFILE, request)
    )
    (again,) = find_loops(net, _start(0, 0), PROFILE, request)
    assert len(calls) > len(set(calls)) and set(calls) == set(once)
    assert again.steps == route.steps and again.stats == route.stats


def _hill_ring():
    """The ring with spurs over a hill (every share of an edge climbs differently)."""
    ang = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    nodes = {i + 1: (1000.0 * np.cos(a), 1000.0 * np.sin(a)) for i, a in enumerate(ang)}
    nodes[100] = (1500.0, 0.0)
    ways = [
        ([*range(1, 13), 1], {"highway": "path", "name": "Ring"}),
        ([1, 100], {"highway": "primary", "name": "East road"}),
    ]
    return make_network(nodes, ways, lambda x, y: 1000.0 + 0.08 * x + 0.00005 * y * y)


def _search(net, minutes: float = 30.0, **kw):
    from routeplanner.search import loops

    start = net.snap(*_start(300.0, -954.0))
    req = LoopRequest(minutes * 60.0, **kw)
    g, base = loops._graph_for(net, PROFILE, start, loops.TRAIL_PREFERENCE, req)
    return loops._LoopSearch(g, req, base)


def test_a_spur_turns_around_where_a_bisection_one_share_at_a_time_does():
    from routeplanner.search import loops

    search = _search(_hill_ring())
    g = search.g
    timer = g.timer
    checked = 0
    for k in range(2 * g.m):  # every arc, both ways, the start's two halves too
        full = g.arc_steps([k])[0]
        whole = timer.partial_s(full.edge, full.start_m, full.end_m)
        whole += timer.partial_s(full.edge, full.end_m, full.start_m)
        for share in (0.013, 0.5, 0.77, 0.999):
            lo, hi = 0.0, 1.0
            for _ in range(loops.TURN_BISECTIONS):
                mid = (lo + hi) / 2
                s = g.partial_arc_step(k, mid)
                t = timer.partial_s(s.edge, s.start_m, s.end_m)
                t += timer.partial_s(s.edge, s.end_m, s.start_m)
                lo, hi = (mid, hi) if t < share * whole else (lo, mid)
            assert search._turnaround(k, share * whole) == g.partial_arc_step(k, (lo + hi) / 2)
            checked += 1
    assert g.m >= 4 and checked == 8 * g.m


def test_tree_cycles_are_walked_when_asked_and_are_closed_loops_of_their_numbers():
    search = _search(_hill_ring(), 45.0)
    g = search.g
    cands = search.cycles(search.tree(search.base), set())
    assert cands and all(callable(c.found) for c in cands)  # scored, not walked
    for c in cands:
        arcs = np.asarray(c.arcs)
        assert not callable(c.found)  # walked once, kept
        assert g.arc_src[arcs[0]] == g.start_node == g.arc_dst[arcs[-1]]
        assert (g.arc_dst[arcs[:-1]] == g.arc_src[arcs[1:]]).all()
        assert c.time_s == pytest.approx(float(g.arc_time[arcs].sum()), rel=1e-9)
        assert c.length_m == pytest.approx(float(g.arc_len[arcs].sum()), rel=1e-9)
        assert c.edges == frozenset((arcs % g.m).tolist())
    # The whole ring is one of them: 12 sides of 518 m, and no overlap.
    ring = [c for c in cands if c.overlap_m < 1e-6]
    assert ring and all(c.length_m == pytest.approx(6211.7, abs=1.0) for c in ring)


def test_cloverleaves_are_joined_when_asked_and_are_their_two_loops_one_after_the_other():
    search = _search(_hill_ring(), 90.0)
    tree = search.tree(search.base)
    leaves = search.combos(search.cycles(tree, set()) + search.via_loops(tree, search.base, set()))
    assert leaves and all(callable(c.found) for c in leaves)  # scored, not joined
    for c in leaves:
        first, second = c.found.args
        assert c.time_s == first.time_s + second.time_s
        assert c.arcs == first.arcs + second.arcs and not callable(c.found)
        assert c.edges == first.edges | second.edges


def test_the_link_search_shares_the_graph_of_the_same_reach():
    from routeplanner.search import loops
    from routeplanner.search.trees import forget_kept_graphs

    net = _hill_ring()
    start = net.snap(*_start(300.0, -954.0))
    req = LoopRequest(1800.0)
    prefs = loops.TRAIL_PREFERENCE
    g, trail_first = loops._graph_for(net, PROFILE, start, prefs, req)
    linked, link_base = loops._graph_for(net, PROFILE, start, prefs, req, road_link=True)
    assert linked is g  # the same reach: one graph, other costs
    road = net.edge_class[g.arc_edge] == 2
    assert road.any() and np.isinf(trail_first[road]).all() and np.isfinite(link_base[road]).all()
    forget_kept_graphs(net)
    assert not [k for k in net._cache if isinstance(k, tuple) and "loop" in str(k[0])]
    alone, alone_base = loops._graph_for(net, PROFILE, start, prefs, req, road_link=True)
    assert alone is not g  # built afresh: the same graph and costs
    for name in ("arc_src", "arc_dst", "arc_time", "node_id", "edge", "lo", "hi"):
        np.testing.assert_array_equal(getattr(alone, name), getattr(g, name))
    np.testing.assert_array_equal(alone_base, link_base)
