"""The gentlest routes of a given time: exact search against brute force and hand-built valleys."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra
from synth import make_network, to_lonlat

from routeplanner.brief import Constraints
from routeplanner.pace import RunnerProfile
from routeplanner.plan.block import PlannedSession
from routeplanner.plan.routing import RoutingOptions, _Router
from routeplanner.plan.variety import shared_share
from routeplanner.search.gentle import find_gentle, gentle_tables, gentlest_walks
from routeplanner.search.loops import LoopRequest, find_loops

PROFILE = RunnerProfile(360.0)  # 6:00/km: 0.36 s per flat metre
EASY = Constraints(max_ascent_rate_m_h=250.0)


def _start(x: float, y: float) -> tuple[float, float]:
    lon, lat = to_lonlat(x, y)
    return float(lon), float(lat)


def _rate(route) -> float:
    return route.stats.ascent_m / (route.stats.duration_s / 3600)


def flower(slope: float = 0.2, flat: bool = True):
    """A flat valley path east-west through home, a flat spur south, a hill loop north.

    Each flat way is 600 m from home; the hill loop (2.4 km) climbs ``slope`` north.
    Without ``flat``, every way climbs ``slope`` away from home.
    """
    nodes = {1: (0.0, 0.0), 2: (600.0, 0.0), 3: (-600.0, 0.0), 6: (0.0, -600.0)}
    nodes.update({4: (400.0, 800.0), 5: (-400.0, 800.0)})
    ways = [
        ([3, 1, 2], {"highway": "path", "name": "Valley path"}),
        ([1, 6], {"highway": "path", "name": "South path"}),
        ([1, 4, 5, 1], {"highway": "path", "name": "Hill loop"}),
    ]

    def elevation(x, y):
        if flat:
            return 1000.0 + slope * np.maximum(y, 0.0)
        return 1000.0 + slope * (np.abs(x) + np.abs(y))

    return make_network(nodes, ways, elevation=elevation)


def test_an_easy_session_runs_the_flat_ways_the_loop_search_leaves_out():
    net = flower()
    target = 3600 * 0.36  # the three flat ways out and back: 3.6 km, no climb
    req = LoopRequest(target, tolerance=0.05, constraints=EASY)
    (loop,) = find_loops(net, _start(0, 0), PROFILE, req)
    assert "Hill loop" in loop.names and _rate(loop) > 250  # the loop search's answer
    gentle = find_gentle(net, _start(0, 0), PROFILE, req)
    assert gentle and gentle[0].stats.ascent_m < 2.0
    assert gentle[0].stats.duration_s == pytest.approx(target, rel=0.05)
    assert "Hill loop" not in gentle[0].names and gentle[0].outcome.meets_brief
    # the plan's easy session takes it, and meets its brief
    session = PlannedSession(dt.date(2027, 5, 4), "easy", target)
    rs = _Router(net, _start(0, 0), PROFILE, RoutingOptions()).loop(session, [])
    assert rs.route is not None and rs.meets_brief, rs.misses
    assert "Hill loop" not in rs.route.names and _rate(rs.route) < 5.0


def test_only_steep_ground_gives_no_gentle_route_and_the_session_misses():
    net = flower(flat=False)
    target = 3600 * 0.36
    req = LoopRequest(target, tolerance=0.05, constraints=EASY)
    found = find_gentle(net, _start(0, 0), PROFILE, req)
    assert not any(r.outcome.meets_brief for r in found)
    session = PlannedSession(dt.date(2027, 5, 4), "easy", target)
    rs = _Router(net, _start(0, 0), PROFILE, RoutingOptions()).loop(session, [])
    assert any(m.startswith("ascent rate ") and m.endswith("> 250 m/h") for m in rs.misses)


def tilted_grid():
    """A 4 x 4 grid of 250 m ways on a slope rising 8 % east and 3 % north, home at a corner."""
    nodes = {10 * i + j: (250.0 * i, 250.0 * j) for i in range(4) for j in range(4)}
    ways = []
    for i in range(4):
        ways.append(([10 * i + j for j in range(4)], {"highway": "path", "name": f"N{i}"}))
        ways.append(([10 * j + i for j in range(4)], {"highway": "track", "name": f"E{i}"}))
    return make_network(nodes, ways, elevation=lambda x, y: 1000.0 + 0.08 * x + 0.03 * y)


def _brute_force(tables, lo: float, hi: float, turns: int) -> float:
    """Least ascent per second of the family, by enumerating every walk out and back."""
    g = tables.graph
    t = g.arc_time
    far = dijkstra(g.matrix(np.minimum(t, t[g.rev])), indices=g.start_node)
    up = np.concatenate([g.net.edge_ascent_m[g.edge], g.net.edge_descent_m[g.edge]])

    def walks(rev: bool) -> dict[int, list[tuple[float, float]]]:
        # walks from the start (out), or to it (run on reversed arcs), with their turns
        ends: dict[int, list[tuple[float, float]]] = {}
        stack = [(g.start_node, 0.0, 0.0, 0)]
        while stack:
            v, a, s, k = stack.pop()
            ends.setdefault(v, []).append((a, s))
            for arc in np.flatnonzero(g.arc_src == v):
                w = int(g.arc_dst[arc])
                kk = k + int(far[w] <= far[v])
                climb = up[g.rev[arc]] if rev else up[arc]
                time = t[g.rev[arc]] if rev else t[arc]
                if kk <= turns and s + time <= hi:
                    stack.append((w, a + climb, s + time, kk))
        return ends

    out, back = walks(False), walks(True)
    best = np.inf
    for v, outs in out.items():
        for a1, s1 in outs:
            for a2, s2 in back.get(v, []):
                if lo <= s1 + s2 <= hi:
                    best = min(best, (a1 + a2) / (s1 + s2))
    return best


@pytest.mark.parametrize("turns", [0, 1, 2])
def test_the_exact_search_finds_what_brute_force_finds(turns):
    net = tilted_grid()
    snap = net.snap(*_start(0, 0))
    target, tol = 2500 * 0.36, 0.05
    tables = gentle_tables(net, snap, PROFILE, target * 1.2, Constraints(), turns=turns)
    (walk, *_) = gentlest_walks(tables, target, tol, 5, spurs=False)
    rate, arcs = walk.per_s, walk.there + walk.back
    best = _brute_force(tables, target * (1 - 2 * tol), target * (1 + 2 * tol), turns)
    # the programme keeps one walk per 10 s of time: the rate can differ a little
    assert rate == pytest.approx(best, rel=0.02)
    g = tables.graph
    assert g.arc_src[arcs[0]] == g.start_node and g.arc_dst[arcs[-1]] == g.start_node
    assert all(g.arc_dst[a] == g.arc_src[b] for a, b in itertools.pairwise(arcs))


def test_walks_made_once_for_several_sessions_are_the_routes_each_makes_alone(monkeypatch):
    """The easy sessions of a plan share the walks they make: judged per session, the
    routes are those each session finds alone, and a walk found again is not made again."""
    from routeplanner import brief, route
    from routeplanner.search import loop_outcome

    made: dict[str, int] = {"alone": 0, "shared": 0}

    def counted(who: str):
        def make(*args, **kwargs):
            made[who] += 1
            return route.make_route(*args, **kwargs)

        return make

    monkeypatch.setattr(brief, "make_route", counted("alone"))
    monkeypatch.setattr(loop_outcome, "make_route", counted("shared"))
    net, home, limit = tilted_grid(), _start(0, 0), 1500.0 * 1.1
    asks = [LoopRequest(t, tolerance=0.05, constraints=EASY) for t in (1500.0, 1400.0, 1300.0)]
    alone = [find_gentle(net, home, PROFILE, r, limit_s=limit) for r in asks]
    store = loop_outcome.MadeRoutes()
    shared = [find_gentle(net, home, PROFILE, r, limit_s=limit, made=store) for r in asks]
    for a, b in zip(alone, shared, strict=True):
        assert len(a) == len(b) > 0
        for x, y in zip(a, b, strict=True):
            assert x.steps == y.steps and x.stats == y.stats and x.outcome == y.outcome
            assert (x.name, x.target_duration_s) == (y.name, y.target_duration_s)
            assert x.warnings == y.warnings
            assert np.array_equal(x.lon, y.lon) and np.array_equal(x.time_s, y.time_s)
    # walks found again at another time were made once
    assert 0 < made["shared"] < made["alone"]


def east_stubs_west_slope():
    """Flat ways east of home (a path with 45 short side stubs), a 3 % path west, a hill north.

    Each way is 1.8 km long from home, the hill loop 2.4 km."""
    nodes = {1: (0.0, 0.0), 401: (300.0, 900.0), 402: (-300.0, 900.0)}
    ways = [([1, 401, 402, 1], {"highway": "path", "name": "Hill loop"})]
    east = [1]
    for k in range(1, 46):
        nodes[100 + k] = (40.0 * k, 0.0)
        nodes[300 + k] = (40.0 * k, 20.0 if k % 2 else -20.0)
        east.append(100 + k)
        ways.append(([100 + k, 300 + k], {"highway": "path", "name": f"Stub {k}"}))
    ways.append((east, {"highway": "path", "name": "East path"}))
    # (nodes every 50 m: the search turns at nodes)
    nodes.update({200 + k: (-50.0 * k, 0.0) for k in range(1, 43)})
    ways.append(([1, *range(201, 243)], {"highway": "path", "name": "West path"}))

    def elevation(x, y):
        return 1000.0 + 0.03 * np.maximum(-x, 0.0) + 0.15 * np.maximum(y, 0.0)

    return make_network(nodes, ways, elevation=elevation)


def test_the_gentle_search_keeps_off_ways_to_avoid_where_a_gentle_way_elsewhere_exists():
    net = east_stubs_west_slope()
    req = LoopRequest(3600 * 0.36, tolerance=0.05, constraints=EASY)
    first = find_gentle(net, _start(0, 0), PROFILE, req)[0]
    assert "East path" in first.names and first.stats.ascent_m < 2.0
    east = frozenset(s.edge for s in first.network_steps)
    off = find_gentle(net, _start(0, 0), PROFILE, req, avoid=east)[0]
    # the west path climbs 3 %: about 54 m out in 3.6 km, 150 m/h, under the cap
    assert off.names == ["West path"] and off.outcome.meets_brief
    assert 100 < _rate(off) < 200


def test_two_easy_runs_of_one_week_take_the_two_gentle_directions():
    net = east_stubs_west_slope()
    router = _Router(net, _start(0, 0), PROFILE, RoutingOptions())
    target = 3600 * 0.36
    tue = router.loop(PlannedSession(dt.date(2027, 5, 4), "easy", target), [])
    thu = router.loop(PlannedSession(dt.date(2027, 5, 6), "easy", target), [tue.route])
    assert tue.meets_brief and thu.meets_brief, (tue.misses, thu.misses)
    assert "East path" in tue.route.names and thu.route.names == ["West path"]
    assert shared_share(tue.route, thu.route) <= 0.30


class _Forgetful(dict):
    """A cache that never holds: every session runs its own gentle search."""

    def __contains__(self, key: object) -> bool:
        return False


def test_easy_sessions_of_one_time_share_the_gentle_search_and_get_the_same_routes(monkeypatch):
    """Easy sessions of one planned time on other dates: the gentle search runs once for
    them, and the block's routes are those it gets when every session searches anew."""
    from routeplanner.plan import routing

    net, target = east_stubs_west_slope(), 3600 * 0.36
    calls: list[float] = []

    def counted(*args, **kwargs):
        calls.append(args[3].duration_s)
        return find_gentle(*args, **kwargs)

    monkeypatch.setattr(routing, "find_gentle", counted)
    days = (dt.date(2027, 5, 4), dt.date(2027, 5, 11), dt.date(2027, 5, 13))
    times = (target, target, 0.8 * target)

    def block(router: _Router) -> list:
        return [
            router.loop(PlannedSession(d, "easy", t), []) for d, t in zip(days, times, strict=True)
        ]

    shared = block(_Router(net, _start(0, 0), PROFILE, RoutingOptions()))
    assert sorted(calls) == [0.8 * target, target]  # once per planned time
    anew = _Router(net, _start(0, 0), PROFILE, RoutingOptions())
    anew._gentle = _Forgetful()
    alone = block(anew)
    assert len(calls) == 5
    for got, ref in zip(shared, alone, strict=True):
        assert got.route.steps == ref.route.steps and got.misses == ref.misses
        assert got.route.stats == ref.route.stats and got.route.name == ref.route.name


@pytest.mark.parametrize("spurs", [True, False])
@pytest.mark.parametrize("graph", ["tilted", "stubs"])
def test_the_walks_are_those_of_looking_at_every_far_node(monkeypatch, graph, spurs):
    """Only nodes where walks out and back can meet in time are looked at; the gentlest
    walks are the same as when every node is."""
    from routeplanner.search import gentle

    net = tilted_grid() if graph == "tilted" else east_stubs_west_slope()
    snap = net.snap(*_start(0, 0))
    limit = 4000 * 0.36 * 1.1
    tables = gentle_tables(net, snap, PROFILE, limit, EASY)
    n = tables.graph.n_nodes
    found = []
    for target in (400 * 0.36, 1200 * 0.36, 2000 * 0.36, 2800 * 0.36, 3800 * 0.36):
        window = (target * 0.9, target * 1.1)
        near = gentle._in_reach(tables, target, window, spurs)
        assert 0 < len(near) < n  # (some nodes are skipped, so the check below can fail)
        fast = gentlest_walks(tables, target, 0.05, n, spurs=spurs)
        with monkeypatch.context() as m:
            m.setattr(gentle, "_in_reach", lambda *args: np.arange(n))
            every = gentlest_walks(tables, target, 0.05, n, spurs=spurs)
        assert fast == every
        found.append(len(fast))
    assert len(set(found)) > 1 and max(found) > 3  # the window changes what is found


def test_tables_do_not_hang_on_what_was_asked_before():
    """Tables kept for a longer limit are not served for a shorter one: the search graph
    is cut at half the limit, so they would give other walks than the query alone."""
    net = tilted_grid()
    snap = net.snap(*_start(0, 0))
    short = 1200 * 0.36 * 1.1
    alone = gentle_tables(net, snap, PROFILE, short, EASY)
    net._cache.clear()
    gentle_tables(net, snap, PROFILE, 4 * short, EASY)
    after = gentle_tables(net, snap, PROFILE, short, EASY)
    assert after.limit_s == short
    assert (
        after.graph.n_nodes
        == alone.graph.n_nodes
        < gentle_tables(net, snap, PROFILE, 4 * short, EASY).graph.n_nodes
    )
    target = 1200 * 0.36
    assert gentlest_walks(after, target, 0.05, 20) == gentlest_walks(alone, target, 0.05, 20)
