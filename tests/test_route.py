"""Tests for routeplanner.route: routes made from steps on a hand-built network."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from synth import make_network, to_lonlat, to_xy

from routeplanner import pace
from routeplanner._geo import M_PER_DEG
from routeplanner.network.model import Network
from routeplanner.pace import RunnerProfile
from routeplanner.pace.timer import EdgeTimer
from routeplanner.route import (
    OFF_NETWORK,
    Cue,
    OffStep,
    Route,
    RouteStats,
    Step,
    geometric_overlap_m,
    make_route,
    overlap_m,
    shared_m,
    step_points,
)

FLAT = 1000.0
PROFILE = RunnerProfile(360.0, model="minetti")  # the numbers below are Minetti's


def ramp(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Rises 10 % eastwards, flat north-south."""
    return FLAT + 0.1 * x


@pytest.fixture(scope="module")
def net() -> Network:
    r"""
    ::

        4 --road-- 6          "Up": 1 -> 2, 1 km up a 10 % ramp (path, T3)
        |                     "Main": 2 -> 3 -> 4, flat track cut at 3 (two edges)
        3 --side-- 5          side: 3 -> 5, 300 m unnamed path up 30 m
        |                     road: 4 -> 6, 500 m unnamed residential up 50 m
        1 --Up---- 2
    """
    nodes = {
        1: (0.0, 0.0),
        2: (1000.0, 0.0),
        3: (1000.0, 500.0),
        4: (1000.0, 1000.0),
        5: (1300.0, 500.0),
        6: (1500.0, 1000.0),
    }
    ways = [
        ([1, 2], {"highway": "path", "name": "Up", "sac_scale": "demanding_mountain_hiking"}),
        ([2, 3, 4], {"highway": "track", "name": "Main"}),
        ([3, 5], {"highway": "path"}),
        ([4, 6], {"highway": "residential"}),
    ]
    return make_network(nodes, ways, ramp)


def run(net: Network, a: int, b: int, start: float = 0.0, end: float | None = None) -> Step:
    """Step along the edge joining OSM nodes a and b, from ``start`` to ``end`` metres
    measured from ``a`` (whole edge by default)."""
    osm = net.node_osmid
    for e in range(net.n_edges):
        u, v = int(osm[net.edge_u[e]]), int(osm[net.edge_v[e]])
        length = float(net.edge_length_m[e])
        stop = length if end is None else end
        if (u, v) == (a, b):
            return Step(e, start, stop)
        if (u, v) == (b, a):
            return Step(e, length - start, length - stop)
    raise AssertionError(f"no edge {a}-{b}")


def direction_times(net: Network, step: Step, profile: RunnerProfile = PROFILE) -> float:
    fwd, bwd = EdgeTimer(net, profile).edge_times()
    return float(fwd[step.edge] if step.end_m > step.start_m else bwd[step.edge])


def test_the_route_clock_carries_the_runners_fatigue(net: Network) -> None:
    # A slow runner who tires 50 %/h after 10 minutes: the clock of the route is the
    # fatigue term applied to the fresh clock, point by point, in make_route.
    steps = [run(net, 1, 2), run(net, 2, 3), run(net, 3, 4), run(net, 4, 6)]
    slow = RunnerProfile(1200.0, model="minetti")
    tired = dataclasses.replace(slow, fatigue_per_h=0.5, fatigue_onset_h=1 / 6)
    fresh = make_route(net, steps, slow)
    route = make_route(net, steps, tired)
    np.testing.assert_allclose(route.time_s, tired.elapsed_s(fresh.time_s), rtol=1e-12)
    early = fresh.time_s <= 600.0
    np.testing.assert_array_equal(route.time_s[early], fresh.time_s[early])
    assert route.stats.duration_s > fresh.stats.duration_s * 1.05


def test_whole_route(net: Network) -> None:
    steps = [run(net, 1, 2), run(net, 2, 3), run(net, 3, 4), run(net, 4, 6)]
    route = make_route(net, steps, PROFILE, name="r", kind="test", target_duration_s=1800.0)
    assert isinstance(route, Route)
    s = route.stats
    assert isinstance(s, RouteStats)
    # Local metres are equirectangular about y = 0: lengths off that line differ by ~1.5e-4.
    assert s.distance_m == pytest.approx(2500.0, rel=3e-4)
    assert s.ascent_m == pytest.approx(150.0, abs=0.05)
    assert s.descent_m == pytest.approx(0.0, abs=0.05)
    assert s.trail_share == pytest.approx(2000.0 / 2500.0, rel=3e-4)
    assert s.overlap_share == 0.0
    assert s.max_grade == pytest.approx(0.1, rel=0.005)
    assert s.hardest_sac == 3
    assert s.duration_s == pytest.approx(sum(direction_times(net, st) for st in steps), rel=1e-9)
    # Up: 1000 m at 10 % with the T3 factor; road: 500 m at 10 %; Main: 1000 m flat.
    up_ratio = float(pace.cost_ratio(0.1, PROFILE.model))
    want = 0.36 * (1000 * up_ratio * pace.SAC_FACTORS[3] + 1000 + 500 * up_ratio)
    assert s.duration_s == pytest.approx(want, rel=0.002)
    assert route.cues == (
        Cue("Up", 0.0, pytest.approx(1000.0, rel=3e-4), "path"),
        Cue("Main", pytest.approx(1000.0, rel=3e-4), pytest.approx(1000.0, rel=3e-4), "track"),
        Cue(
            "unnamed minor road (residential)",
            pytest.approx(2000.0, rel=3e-4),
            pytest.approx(500.0, rel=3e-4),
            "residential",
        ),
    )
    assert route.names == ["Up", "Main", "unnamed minor road (residential)"]
    assert route.steps == tuple(steps)
    assert (route.name, route.kind, route.target_duration_s) == ("r", "test", 1800.0)


def test_point_arrays(net: Network) -> None:
    steps = [run(net, 1, 2), run(net, 2, 3), run(net, 3, 4), run(net, 4, 6)]
    route = make_route(net, steps, PROFILE)
    n = len(route.lon)
    for arr in (route.lat, route.ele, route.dist_m, route.time_s, route.grade, route.point_class):
        assert len(arr) == n
    # Consecutive steps share their joining point: no duplicates.
    assert np.all(np.diff(route.dist_m) > 0)
    assert np.all(np.diff(route.time_s) > 0)
    assert route.dist_m[0] == 0.0 and route.time_s[0] == 0.0
    assert route.dist_m[-1] == pytest.approx(route.stats.distance_m)
    assert route.time_s[-1] == pytest.approx(route.stats.duration_s)
    x, y = to_xy(route.lon, route.lat)
    assert (x[0], y[0]) == pytest.approx((0.0, 0.0), abs=0.01)
    assert (x[-1], y[-1]) == pytest.approx((1500.0, 1000.0), abs=0.01)
    np.testing.assert_allclose(route.ele, ramp(x, y), atol=0.01)
    # Point spacing follows the network's densified profiles.
    assert np.diff(route.dist_m).max() <= 20.0 + 1e-6
    # grade[i] is the stretch after point i; the last entry repeats.
    on_up = x < 999.0
    np.testing.assert_allclose(route.grade[on_up], 0.1, rtol=0.005)
    main = (np.abs(x - 1000.0) < 0.01) & (y > 0.01) & (y < 999.0)
    np.testing.assert_allclose(route.grade[main], 0.0, atol=1e-6)
    assert route.grade[-1] == route.grade[-2] == pytest.approx(0.1, rel=0.005)
    assert set(route.point_class[x < 999.0].tolist()) == {0}
    assert set(route.point_class[-5:].tolist()) == {1}


def test_partial_step(net: Network) -> None:
    step = run(net, 1, 2, 200.0, 700.0)
    route = make_route(net, [step], PROFILE)
    assert route.stats.distance_m == pytest.approx(500.0, abs=1e-6)
    assert route.stats.ascent_m == pytest.approx(50.0, abs=0.05)
    assert route.stats.descent_m == pytest.approx(0.0, abs=1e-6)
    x, _ = to_xy(route.lon, route.lat)
    assert x[0] == pytest.approx(200.0, abs=0.01)
    assert x[-1] == pytest.approx(700.0, abs=0.01)
    assert route.ele[0] == pytest.approx(FLAT + 20.0, abs=0.01)
    assert route.stats.duration_s == pytest.approx(
        EdgeTimer(net, PROFILE).partial_s(step.edge, step.start_m, step.end_m), rel=1e-9
    )
    assert route.stats.duration_s == pytest.approx(direction_times(net, step) / 2, rel=1e-3)
    assert route.cues == (Cue("Up", 0.0, pytest.approx(500.0), "path"),)


def test_reversed_step(net: Network) -> None:
    step = run(net, 2, 1)
    route = make_route(net, [step], PROFILE)
    assert route.stats.distance_m == pytest.approx(1000.0, abs=0.01)
    assert route.stats.ascent_m == pytest.approx(0.0, abs=1e-6)
    assert route.stats.descent_m == pytest.approx(100.0, abs=0.05)
    x, _ = to_xy(route.lon, route.lat)
    assert x[0] == pytest.approx(1000.0, abs=0.01) and x[-1] == pytest.approx(0.0, abs=0.01)
    assert np.all(np.diff(x) < 0)
    np.testing.assert_allclose(route.grade, -0.1, rtol=0.005)
    assert route.stats.duration_s == pytest.approx(direction_times(net, step), rel=1e-9)
    up = make_route(net, [run(net, 1, 2)], PROFILE)
    assert route.stats.duration_s < up.stats.duration_s
    # Downhill is capped at 1.25x flat speed: 1000 m x 0.8 x 0.36 s/m x T3 factor.
    assert route.stats.duration_s == pytest.approx(
        1000 * 0.8 * 0.36 * pace.SAC_FACTORS[3], rel=0.002
    )


def test_out_and_back(net: Network) -> None:
    steps = [run(net, 1, 2, 0.0, 600.0), run(net, 1, 2, 600.0, 0.0)]
    route = make_route(net, steps, PROFILE)
    s = route.stats
    assert s.distance_m == pytest.approx(1200.0, abs=1e-6)
    # Geometric overlap: the way back, less 10 m after the U-turn and before the finish.
    assert s.overlap_share == pytest.approx((600 - 20) / 1200, abs=0.005)
    assert s.ascent_m == pytest.approx(60.0, abs=0.05)
    assert s.descent_m == pytest.approx(60.0, abs=0.05)
    x, _ = to_xy(route.lon, route.lat)
    assert x[0] == pytest.approx(0.0, abs=0.01) and x[-1] == pytest.approx(0.0, abs=0.01)
    assert x.max() == pytest.approx(600.0, abs=0.01)
    # Consecutive steps on the same way are one cue.
    assert route.cues == (Cue("Up", 0.0, pytest.approx(1200.0), "path"),)


def test_cues_merge_across_edges_of_one_way_but_not_around_another(net: Network) -> None:
    steps = [
        run(net, 2, 3),
        run(net, 3, 5),
        run(net, 5, 3),
        run(net, 3, 4),
        run(net, 4, 3),
        run(net, 3, 2),
    ]
    route = make_route(net, steps, PROFILE)
    assert [c.name for c in route.cues] == ["Main", "unnamed path", "Main"]
    assert [c.at_m for c in route.cues] == pytest.approx([0.0, 500.0, 1100.0], rel=3e-4)
    assert [c.length_m for c in route.cues] == pytest.approx([500.0, 600.0, 1500.0], rel=3e-4)
    # Half the distance is run twice, less 10 m at each of the two U-turns and the finish.
    assert route.stats.overlap_share == pytest.approx((1300 - 30) / 2600, abs=0.005)
    assert route.stats.trail_share == pytest.approx(1.0)
    assert route.stats.ascent_m == pytest.approx(30.0, abs=0.05)
    assert route.stats.descent_m == pytest.approx(30.0, abs=0.05)
    assert route.stats.hardest_sac == 0


def test_zero_length_steps_are_dropped(net: Network) -> None:
    whole = run(net, 1, 2)
    route = make_route(net, [Step(whole.edge, 5.0, 5.0), whole, Step(0, 0.0, 0.0)], PROFILE)
    assert route.steps == (whole,)
    with pytest.raises(ValueError, match="at least one step"):
        make_route(net, [Step(0, 3.0, 3.0)], PROFILE)
    with pytest.raises(ValueError):
        make_route(net, [], PROFILE)


def test_profile_changes_the_times_only(net: Network) -> None:
    steps = [run(net, 1, 2), run(net, 2, 3)]
    slow = make_route(net, steps, RunnerProfile(600.0))
    fast = make_route(net, steps, RunnerProfile(300.0))
    assert slow.stats.duration_s == pytest.approx(2 * fast.stats.duration_s, rel=1e-9)
    assert slow.stats.distance_m == fast.stats.distance_m
    np.testing.assert_array_equal(slow.ele, fast.ele)


def test_summary(net: Network) -> None:
    route = make_route(
        net, [run(net, 1, 2), run(net, 2, 3)], RunnerProfile(330.0, model="tobler"), name="x"
    )
    out = route.summary()
    assert out["name"] == "x" and out["kind"] == "route"
    assert out["pace_model"] == "tobler"
    assert out["flat_pace"] == pace.format_pace(330.0)
    assert out["ways"] == ["Up", "Main"]
    assert out["distance_m"] == pytest.approx(1500.0, abs=0.1)
    assert out["target_duration_s"] is None and "warnings" not in out
    with pytest.raises(dataclasses.FrozenInstanceError):
        route.name = "renamed"  # type: ignore[misc]
    route = dataclasses.replace(route, warnings=("short",))
    assert route.summary()["warnings"] == ["short"]
    assert route.stats.as_dict() == {
        "distance_m": round(route.stats.distance_m, 1),
        "duration_s": round(route.stats.duration_s, 1),
        "ascent_m": round(route.stats.ascent_m, 1),
        "descent_m": round(route.stats.descent_m, 1),
        "trail_share": 1.0,
        "overlap_share": 0.0,
        "max_grade": round(route.stats.max_grade, 4),
        "max_grade_over_m": 100.0,
        "max_grade_confidence": "high",
        "max_grade_text": "max 10 % over 100 m (±1 %)",
        "hardest_sac": 3,
        "main_road_share": 0.0,
    }


def test_overlap_m() -> None:
    assert overlap_m([Step(0, 0.0, 100.0), Step(1, 0.0, 50.0)]) == 0.0
    assert overlap_m([Step(0, 0.0, 100.0), Step(0, 100.0, 0.0)]) == pytest.approx(100.0)
    assert overlap_m([Step(0, 0.0, 100.0), Step(0, 50.0, 150.0)]) == pytest.approx(50.0)
    assert overlap_m([Step(0, 0.0, 100.0), Step(0, 100.0, 200.0)]) == pytest.approx(0.0)
    assert overlap_m([Step(0, 0, 10), Step(0, 10, 0), Step(0, 0, 10)]) == pytest.approx(20.0)


def test_shared_m() -> None:
    a = [Step(0, 0.0, 600.0), Step(1, 0.0, 300.0)]
    assert shared_m(a, [Step(0, 400.0, 1000.0)]) == pytest.approx(200.0)
    assert shared_m(a, [Step(0, 1000.0, 400.0)]) == pytest.approx(200.0)  # direction is irrelevant
    assert shared_m(a, [Step(2, 0.0, 300.0)]) == 0.0
    assert shared_m(a, a) == pytest.approx(900.0)
    # Each stretch counts once, however often either side runs it.
    twice = [Step(0, 0.0, 600.0), Step(0, 600.0, 0.0)]
    assert shared_m(twice, [Step(0, 0.0, 1000.0), Step(0, 1000.0, 0.0)]) == pytest.approx(600.0)
    assert shared_m([Step(0, 0, 100), Step(0, 200, 300)], [Step(0, 50, 250)]) == pytest.approx(100)
    assert shared_m(a, []) == 0.0


def _track(*points: tuple[float, float], spacing_m: float = 2.0):
    """A polyline through local ``(x, y)`` metres, densified, as lon, lat, along-distance."""
    xs, ys = [], []
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        n = max(2, int(np.hypot(x1 - x0, y1 - y0) / spacing_m) + 1)
        xs.append(np.linspace(x0, x1, n)[:-1])
        ys.append(np.linspace(y0, y1, n)[:-1])
    xs.append(np.array([points[-1][0]]))
    ys.append(np.array([points[-1][1]]))
    x, y = np.concatenate(xs), np.concatenate(ys)
    lon, lat = to_lonlat(x, y)
    d = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    return lon, lat, d


def test_geometric_overlap_counts_a_parallel_way_within_10_m_in_either_direction() -> None:
    # A 1 km square loop, then 400 m back along its first side, 6 m beside it
    # (a parallel way: different edges, same ground for the runner).
    lon, lat, d = _track((0, 0), (1000, 0), (1000, 1000), (0, 1000), (0, 6), (400, 6))
    assert geometric_overlap_m(lon, lat, d) == pytest.approx(400 + 6, abs=8)
    # The same stretch 30 m away is a different way: no overlap there.
    lon, lat, d = _track((0, 0), (1000, 0), (1000, 1000), (0, 1000), (0, 30), (400, 30))
    assert geometric_overlap_m(lon, lat, d) == 0.0


def test_geometric_overlap_of_a_plain_loop_is_zero() -> None:
    lon, lat, d = _track((0, 0), (1000, 0), (1000, 1000), (0, 1000), (0, 40))
    assert geometric_overlap_m(lon, lat, d) == 0.0


def test_off_network_steps_are_steps_but_not_trail(net: Network) -> None:
    on = run(net, 1, 2)
    x0, y0, z0, _ = (a[-1] for a in step_points(net, on))
    # 300 m cross-country from the end of the trail, 30 m up, at 10 min/km.
    d = np.array([0.0, 150.0, 300.0])
    off = OffStep(
        "across the meadow",
        np.full(3, x0),
        y0 + d / M_PER_DEG,
        z0 + d / 10.0,
        d,
        np.array([0.0, 90.0, 180.0]),
    )
    alone = make_route(net, [on], PROFILE)
    route = make_route(net, [on, off], PROFILE)
    assert route.steps == (on, off) and route.network_steps == (on,)
    total = alone.stats.distance_m + 300.0
    assert route.stats.distance_m == pytest.approx(total)
    assert route.stats.trail_share == pytest.approx(alone.stats.distance_m / total)
    assert route.offtrail_m == pytest.approx(300.0) and alone.offtrail_m == 0.0
    assert route.stats.duration_s == pytest.approx(alone.stats.duration_s + 180.0)
    assert route.stats.ascent_m == pytest.approx(alone.stats.ascent_m + 30.0)
    assert route.cues[-1] == Cue("across the meadow", alone.stats.distance_m, 300.0, "offtrail")
    assert route.point_class[-2:].tolist() == [OFF_NETWORK, OFF_NETWORK]
    assert route.point_class[: len(alone.lon)].tolist() == alone.point_class.tolist()
    assert overlap_m(route.steps) == 0.0 and shared_m(route.steps, [off]) == 0.0


def test_step_points_kept_on_the_network_give_the_same_route_and_stay_bounded(
    net: Network, monkeypatch
) -> None:
    from routeplanner import route as route_mod

    net._cache.pop("step_points", None)
    steps = [Step(e, 0.0, float(net.edge_length_m[e])) for e in range(net.n_edges)]
    steps += [Step(0, 700.0, 100.0), Step(1, 0.0, 0.25 * float(net.edge_length_m[1]))]
    first = make_route(net, steps, PROFILE)
    kept = net._cache["step_points"]
    assert set(kept) == set(steps)
    for s in steps:  # what is kept is what step_points gives
        for a, b in zip(kept[s], step_points(net, s), strict=True):
            np.testing.assert_array_equal(a, b)
    again = make_route(net, steps, PROFILE)  # from the kept points
    for name in ("lon", "lat", "ele", "dist_m", "time_s", "grade", "point_class"):
        np.testing.assert_array_equal(getattr(again, name), getattr(first, name))
    assert again.stats == first.stats
    # past the bound, everything kept is forgotten at once and kept anew
    monkeypatch.setattr(route_mod, "STEP_POINTS_KEPT", 3)
    make_route(net, steps[:5], PROFILE)
    assert len(net._cache["step_points"]) <= 3


def _joined_step_by_step(net: Network, steps: list, profile: RunnerProfile) -> list[np.ndarray]:
    """Points, distance, fresh time and class of a route, one step after the other."""
    timer = EdgeTimer(net, profile)
    cols: list[list[np.ndarray]] = [[], [], [], [], [], []]
    offset = time0 = 0.0
    for i, s in enumerate(steps):
        if isinstance(s, OffStep):
            x, y, z, d, t = s.lon, s.lat, s.ele, s.dist_m, s.time_s
            c = np.full(len(x), OFF_NETWORK, dtype=np.int8)
        else:
            x, y, z, d = step_points(net, s)
            dd, dz = np.diff(d), np.diff(z)
            grade = np.divide(dz, dd, out=np.zeros_like(dd), where=dd > 0)
            t = np.concatenate(([0.0], np.cumsum(timer.segment_s(s.edge, dd, grade))))
            c = np.full(len(x), net.edge_class[s.edge], dtype=np.int8)
        keep = slice(0 if i == 0 else 1, None)  # consecutive steps share a point
        for col, arr in zip(cols, (x, y, z, d + offset, t + time0, c), strict=True):
            col.append(arr[keep])
        offset += float(d[-1])
        time0 += float(t[-1])
    return [np.concatenate(c) for c in cols]


def test_a_route_is_its_steps_joined_one_after_the_other_bit_for_bit(net: Network) -> None:
    # make_route joins all steps in array operations: the same numbers, to the last bit,
    # as adding the steps one after the other, through partial, reversed and off-network steps.
    on = run(net, 1, 2)
    x0, y0, z0, _ = (a[-1] for a in step_points(net, on))
    d = np.array([0.0, 150.0, 300.0])
    off = OffStep("meadow", np.full(3, x0), y0 + d / M_PER_DEG, z0 + d / 10.0, d, d * 0.6)
    back = OffStep("meadow", off.lon[::-1], off.lat[::-1], off.ele[::-1], d, d * 0.5)
    steps = [
        run(net, 1, 2, 10.0),
        run(net, 2, 3),
        run(net, 3, 5),
        run(net, 5, 3),
        run(net, 3, 4, 0.0, 123.4),
        run(net, 4, 3, 376.6),
        run(net, 3, 2),
        off,
        back,
        run(net, 2, 1),
    ]
    route = make_route(net, steps, PROFILE)
    lon, lat, ele, dist, fresh, cls = _joined_step_by_step(net, steps, PROFILE)
    assert len(lon) > 2 * len(steps)
    for got, want in [
        (route.lon, lon),
        (route.lat, lat),
        (route.ele, ele),
        (route.dist_m, dist),
        (route.time_s, PROFILE.route_time_s(fresh)),
        (route.point_class, cls),
    ]:
        assert got.dtype == want.dtype and got.tolist() == want.tolist()
