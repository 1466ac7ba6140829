"""Tests for routeplanner.search.workouts: hill repeats and loops through segments.

The hill is exact: a flat trail at 1000 m meets a 20 % ramp of 500 m at a
junction (x = 0), so every leg's time is a flat or a constant-grade time.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from routeplanner.brief import Brief, Constraints
from routeplanner.errors import InputError
from routeplanner.output.segments import segment_feature
from routeplanner.pace import RunnerProfile
from routeplanner.route import Step
from routeplanner.search import workouts as W
from routeplanner.search.loops import LoopRequest
from routeplanner.search.segment_loops import SegmentLoopOptions
from routeplanner.search.segments import SegmentRequest, find_segments

if str(Path(__file__).resolve().parent) not in sys.path:  # synth.py lives beside this file
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import make_dem, make_network, to_lonlat, to_xy

PROFILE = RunnerProfile(360.0)


def hill(x, y):
    """Flat at 1000 m west of x = 0, then 20 % up eastwards."""
    return 1000.0 + 0.2 * np.maximum(x, 0.0) + 0.0 * y


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = to_lonlat(x, y)
    return float(lon), float(lat)


def contains_run(steps: Sequence[Step], run: Sequence[Step]) -> int:
    """How many times ``run`` appears as consecutive steps (same direction) in ``steps``."""
    key = [(s.edge, round(s.start_m, 3), round(s.end_m, 3)) for s in steps]
    sub = [(s.edge, round(s.start_m, 3), round(s.end_m, 3)) for s in run]
    return sum(key[i : i + len(sub)] == sub for i in range(len(key) - len(sub) + 1))


@pytest.fixture(scope="module")
def hill_net():
    nodes = {1: (-1000.0, 0.0), 2: (0.0, 0.0), 3: (500.0, 0.0)}
    ways = [
        ([1, 2], {"highway": "path", "name": "Valley path"}),
        ([2, 3], {"highway": "path", "name": "Ramp"}),
    ]
    return make_network(nodes, ways, hill)


@pytest.fixture(scope="module")
def ramp_climb(hill_net):
    (seg,) = find_segments(hill_net, SegmentRequest("climb", (0.15, 0.3)), PROFILE)
    return seg


def test_climb_repeats_times_add_up(hill_net, ramp_climb):
    seg = ramp_climb
    assert seg.rise_m == pytest.approx(100.0, abs=1e-3)
    assert seg.length_m == pytest.approx(500.0, abs=0.01)
    work = W.plan_repeats(hill_net, lonlat(-500.0, 0.0), seg, PROFILE, reps=3)
    flat = float(PROFILE.segment_time_s(500.0, 0.0))  # 500 m to the foot of the ramp
    up = float(PROFILE.segment_time_s(seg.length_m, 0.2))
    down = float(PROFILE.segment_time_s(seg.length_m, -0.2))
    assert work.approach_s == pytest.approx(flat, rel=1e-6)
    assert work.return_s == pytest.approx(flat, rel=1e-6)
    assert work.effort_s == pytest.approx(up, rel=1e-4)
    assert work.recovery_s == pytest.approx(down, rel=1e-4)
    assert work.repeat_s == pytest.approx(up + down, rel=1e-4)
    assert work.total_s == pytest.approx(2 * flat + 3 * (up + down), rel=1e-4)
    route = work.route
    assert route.stats.duration_s == pytest.approx(work.total_s, rel=1e-9)
    assert route.stats.distance_m == pytest.approx(1000.0 + 3 * 1000.0, abs=0.1)
    assert route.stats.ascent_m == pytest.approx(300.0, abs=0.01)
    # Closed at the start, and the climb is run uphill three times.
    x, _y = to_xy(route.lon[[0, -1]], route.lat[[0, -1]])
    assert x == pytest.approx([-500.0, -500.0], abs=1e-6)
    assert contains_run(route.steps, seg.steps) == 3
    assert route.kind == "workout" and work.summary()["reps"] == 3
    summary = work.summary()
    assert summary["segment"] == seg.id and summary["total_s"] == pytest.approx(work.total_s, 0.1)


def test_repeats_are_judged_on_the_brief_where_they_are_made(hill_net, ramp_climb):
    from routeplanner.brief import Brief, Constraints, finalize

    start = lonlat(-500.0, 0.0)
    plain = W.plan_repeats(hill_net, start, ramp_climb, PROFILE, reps=3)
    assert plain.route.outcome is None and plain.route.warnings == ()
    # Three climbs of 100 m: a 250 m cap is missed, a 300 m cap is met.
    capped = W.plan_repeats(
        hill_net, start, ramp_climb, PROFILE, reps=3, brief=Brief(Constraints(max_ascent_m=250))
    )
    assert capped.route.outcome is not None and not capped.route.outcome.meets_brief
    assert capped.route.outcome.misses == ("ascent 300 m > 250 m",)
    assert capped.route.warnings == ("ascent 300 m > 250 m",)
    assert capped.total_s == plain.total_s
    met = W.plan_repeats(
        hill_net, start, ramp_climb, PROFILE, reps=3, brief=Brief(Constraints(max_ascent_m=300))
    )
    assert met.route.outcome is not None and met.route.outcome.meets_brief
    # finalize is the assembly plus that judgement, with a time target too.
    brief = Brief(Constraints(), target_duration_s=plain.total_s * 2, tolerance=0.1)
    route = finalize(hill_net, plain.route.steps, PROFILE, brief, warnings=("first",))
    assert route.stats == plain.route.stats
    assert route.outcome is not None and route.outcome.misses[0].startswith("duration ")
    assert route.warnings[0] == "first" and route.warnings[1:] == route.outcome.misses


def test_descent_repeats_run_the_descent_downhill(hill_net):
    (seg,) = find_segments(hill_net, SegmentRequest("descent", (0.15, 0.3)), PROFILE)
    work = W.plan_repeats(hill_net, lonlat(-500.0, 0.0), seg, PROFILE, reps=2)
    flat = float(PROFILE.segment_time_s(500.0, 0.0))
    up = float(PROFILE.segment_time_s(seg.length_m, 0.2))
    down = float(PROFILE.segment_time_s(seg.length_m, -0.2))
    assert work.effort_s == pytest.approx(down, rel=1e-4)
    assert work.recovery_s == pytest.approx(up, rel=1e-4)
    # Either way round, the run is: there, 2 × (up + down), back.
    assert work.total_s == pytest.approx(2 * flat + 2 * (up + down), rel=1e-4)
    assert contains_run(work.route.steps, seg.steps) == 2
    assert all(s.end_m < s.start_m for s in seg.steps)  # the ramp edge runs u → v uphill


def test_start_on_the_segment_itself(hill_net, ramp_climb):
    work = W.plan_repeats(hill_net, lonlat(250.0, 0.0), ramp_climb, PROFILE, reps=1)
    half_down = float(PROFILE.segment_time_s(250.0, -0.2))
    assert work.approach_s == pytest.approx(half_down, rel=1e-3)
    assert work.return_s == pytest.approx(float(PROFILE.segment_time_s(250.0, 0.2)), rel=1e-3)
    x, _ = to_xy(work.route.lon[[0, -1]], work.route.lat[[0, -1]])
    assert x == pytest.approx([250.0, 250.0], abs=1e-6)


@pytest.mark.parametrize("reps", [0, -1, W.MAX_REPS + 1, True])
def test_bad_reps(hill_net, ramp_climb, reps):
    with pytest.raises(InputError, match="repeats"):
        W.plan_repeats(hill_net, lonlat(-500.0, 0.0), ramp_climb, PROFILE, reps=reps)


# The ramp's foot (node 2) is 1 km from the start (node 1) by a street, or 4 km round
# by a trail. Trail-first weighs a minor road 3 times a trail, so 1 km of street (3 km
# of cost) beats 4 km of trail; trails-only weighs it 10 times, so the trail wins.
STREET_NODES = {1: (-1000.0, 0.0), 2: (0.0, 0.0), 3: (500.0, 0.0), 4: (-1000.0, 1500.0)}
STREET_NODES[5] = (0.0, 1500.0)
STREET_WAYS = [
    ([1, 2], {"highway": "residential", "name": "Street"}),
    ([1, 4, 5, 2], {"highway": "path", "name": "Round trail"}),
    ([2, 3], {"highway": "path", "name": "Ramp"}),
]


@pytest.fixture(scope="module")
def street_or_trail():
    return make_network(STREET_NODES, STREET_WAYS, hill)


def test_trails_only_keeps_the_way_there_and_back_off_roads(street_or_trail):
    from routeplanner.search.graph import TRAIL_FIRST, TRAILS_ONLY

    (seg,) = find_segments(street_or_trail, SegmentRequest("climb", (0.15, 0.3)), PROFILE)
    start = lonlat(-1000.0, 0.0)
    first = W.plan_repeats(street_or_trail, start, seg, PROFILE, reps=2, prefs=TRAIL_FIRST)
    only = W.plan_repeats(street_or_trail, start, seg, PROFILE, reps=2, prefs=TRAILS_ONLY)
    repeats_m = 2 * 2 * 500.0  # up and back down the ramp, twice
    # Trail-first takes the street both ways: 2 km of street in 4 km.
    assert first.route.stats.distance_m == pytest.approx(2000.0 + repeats_m, rel=1e-3)
    assert first.route.stats.trail_share == pytest.approx(0.5, abs=0.01)
    # Trails only runs the round trail both ways: every metre is on a trail.
    assert only.route.stats.distance_m == pytest.approx(8000.0 + repeats_m, rel=1e-3)
    assert only.route.stats.trail_share == pytest.approx(1.0)
    assert only.approach_s > first.approach_s


@pytest.fixture(scope="module")
def two_hills():
    """A flat valley path with two 20 % ramps going north, 300 m and 1500 m from x = 0."""

    def terrain(x, y):
        return 1000.0 + 0.2 * np.maximum(y, 0.0) + 0.0 * x

    nodes = {
        1: (-2000.0, 0.0),
        2: (-1500.0, 0.0),
        3: (300.0, 0.0),
        4: (2000.0, 0.0),
        5: (-1500.0, 600.0),
        6: (300.0, 600.0),
    }
    ways = [
        ([1, 2, 3, 4], {"highway": "path", "name": "Valley"}),
        ([2, 5], {"highway": "path", "name": "Far ramp"}),
        ([3, 6], {"highway": "path", "name": "Near ramp"}),
    ]
    return make_network(nodes, ways, terrain)


def test_repeats_near_pick_the_quickest_to_reach(two_hills):
    req = SegmentRequest("climb", (0.15, 0.3), near=lonlat(0.0, 0.0), within_m=3000.0)
    work = W.plan_repeats_near(two_hills, lonlat(0.0, 0.0), req, PROFILE, reps=2)
    assert work.segment.names == ("Near ramp",)
    assert work.approach_s == pytest.approx(float(PROFILE.segment_time_s(300.0, 0.0)), rel=1e-6)
    with pytest.raises(InputError, match="nearest"):
        W.plan_repeats_near(
            two_hills, lonlat(0.0, 0.0), SegmentRequest("climb", (0.3, 0.5)), PROFILE
        )


# --------------------------------------------------------------------------- loops


def summit(x, y):
    """A cone (summit 2000 m, flanks 25 %) on a plain at 1800 m beyond r = 800 m."""
    return 2000.0 - 0.25 * np.minimum(np.hypot(x, y), 800.0)


@pytest.fixture(scope="module")
def cone_ring():
    """A flat ring path (r = 1000 m) with two ridge paths to the summit."""
    ang = np.linspace(0.0, 2 * np.pi, 16, endpoint=False)
    nodes = {10 + i: (1000.0 * np.cos(a), 1000.0 * np.sin(a)) for i, a in enumerate(ang)}
    nodes.update({1: (0.0, 0.0), 2: (-800.0, 0.0), 3: (800.0, 0.0)})
    ways = [
        ([*range(10, 26), 10], {"highway": "path", "name": "Ring"}),
        # Feet of the cone (r = 800 m) are way ends, so their elevations are exact.
        ([18, 2], {"highway": "path", "name": "West approach"}),  # 18 = ring vertex at 180°
        ([2, 1], {"highway": "path", "name": "West ridge"}),
        ([1, 3], {"highway": "path", "name": "East ridge"}),
        ([3, 10], {"highway": "path", "name": "East approach"}),  # 10 = ring vertex at 0°
    ]
    return make_network(nodes, ways, summit)


def test_loop_runs_the_climb_up_and_the_descent_down(cone_ring):
    start = lonlat(0.0, -1000.0)
    res = W.plan_loop_with_segments(
        cone_ring,
        start,
        PROFILE,
        LoopRequest(75 * 60.0, tolerance=0.05),
        SegmentLoopOptions(
            climbs=1,
            climb_grade=(0.2, 0.3),
            climb_min_gain_m=150.0,
            include_descent=True,
            descent_grade=(0.2, 0.3),
            descent_min_loss_m=150.0,
        ),
    )
    (route,) = res.routes
    (segs,) = res.segments
    assert sorted(s.kind for s in segs) == ["climb", "descent"]
    for seg in segs:
        assert seg.rise_m == pytest.approx(200.0, abs=1e-3)
        assert seg.mean_grade == pytest.approx(0.25, abs=1e-6)
        assert contains_run(route.steps, seg.steps) == 1  # in its own direction
    assert route.ele.max() == pytest.approx(2000.0, abs=1e-3)
    climb = next(s for s in segs if s.kind == "climb")
    descent = next(s for s in segs if s.kind == "descent")
    assert climb.ele[-1] > climb.ele[0] and descent.ele[-1] < descent.ele[0]
    assert {climb.names, descent.names} == {("West ridge",), ("East ridge",)}
    assert route.segment_ids == tuple(s.id for s in segs)
    x, y = to_xy(route.lon[[0, -1]], route.lat[[0, -1]])
    assert x == pytest.approx([0.0, 0.0], abs=1e-3) and y == pytest.approx([-1000.0] * 2, abs=1e-3)
    assert abs(route.stats.duration_s / (75 * 60.0) - 1) <= 0.05, route.warnings
    assert not route.warnings


def test_loop_too_short_for_the_segments_warns(cone_ring):
    res = W.plan_loop_with_segments(
        cone_ring,
        lonlat(0.0, -1000.0),
        PROFILE,
        LoopRequest(30 * 60.0),
        SegmentLoopOptions(climbs=1, climb_grade=(0.2, 0.3)),
    )
    route = res.routes[0]
    assert route.warnings and "need at least" in route.warnings[0]
    assert route.stats.duration_s > 30 * 60.0 * 1.05
    # Over the target: the loop misses its brief and says by how much.
    assert route.outcome is not None and not route.outcome.meets_brief
    assert (
        route.outcome.misses[0].startswith("duration ")
        and "over the 30 min" in (route.outcome.misses[0])
    )


def test_loop_with_segments_meets_the_target_time_and_says_so(cone_ring):
    res = W.plan_loop_with_segments(
        cone_ring,
        lonlat(0.0, -1000.0),
        PROFILE,
        LoopRequest(60 * 60.0, tolerance=0.05),
        SegmentLoopOptions(climbs=1, climb_grade=(0.2, 0.3), include_descent=True),
    )
    route = res.routes[0]
    assert abs(route.stats.duration_s / 3600.0 - 1) <= 0.05
    assert route.outcome is not None and route.outcome.meets_brief and not route.outcome.misses


def cone_ring_with(ridges: str):
    """The cone ring with both ridges tagged ``highway=ridges``."""
    ang = np.linspace(0.0, 2 * np.pi, 16, endpoint=False)
    nodes = {10 + i: (1000.0 * np.cos(a), 1000.0 * np.sin(a)) for i, a in enumerate(ang)}
    nodes.update({1: (0.0, 0.0), 2: (-800.0, 0.0), 3: (800.0, 0.0)})
    ways = [
        ([*range(10, 26), 10], {"highway": "path", "name": "Ring"}),
        ([18, 2], {"highway": "path", "name": "West approach"}),
        ([2, 1], {"highway": ridges, "name": "West street"}),
        ([1, 3], {"highway": ridges, "name": "East street"}),
        ([3, 10], {"highway": "path", "name": "East approach"}),
    ]
    return make_network(nodes, ways, summit)


def test_descent_on_a_street_only_when_roads_are_allowed():
    net = cone_ring_with("residential")
    start = lonlat(0.0, -1000.0)
    request = LoopRequest(60 * 60.0, tolerance=0.05)
    with pytest.raises(InputError, match="accept roads"):
        W.plan_loop_with_segments(
            net, start, PROFILE, request, SegmentLoopOptions(include_descent=True)
        )
    res = W.plan_loop_with_segments(
        net, start, PROFILE, request, SegmentLoopOptions(include_descent=True, allow_roads=True)
    )
    ((descent,),) = res.segments[:1]
    assert descent.kind == "descent" and descent.names[0].endswith("street")
    assert descent.trail_share == 0.0
    # The same descents on paths are taken without asking.
    res = W.plan_loop_with_segments(
        cone_ring_with("path"), start, PROFILE, request, SegmentLoopOptions(include_descent=True)
    )
    assert res.segments[0][0].trail_share == 1.0


def test_loop_bad_requests(cone_ring):
    start = lonlat(0.0, -1000.0)
    with pytest.raises(InputError, match="nothing to include"):
        W.plan_loop_with_segments(
            cone_ring, start, PROFILE, LoopRequest(3600.0), SegmentLoopOptions()
        )
    with pytest.raises(InputError, match="number of climbs"):
        SegmentLoopOptions(climbs=9)
    with pytest.raises(InputError, match="number of climbs"):
        SegmentLoopOptions(climbs=True)
    with pytest.raises(InputError, match="nearest"):
        W.plan_loop_with_segments(
            cone_ring,
            start,
            PROFILE,
            LoopRequest(3600.0),
            SegmentLoopOptions(climbs=1, climb_grade=(0.4, 0.6)),
        )
    with pytest.raises(InputError, match="only 2 climb"):
        W.plan_loop_with_segments(
            cone_ring,
            start,
            PROFILE,
            LoopRequest(3600.0),
            SegmentLoopOptions(climbs=3, climb_grade=(0.2, 0.3)),
        )


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROUTEPLANNER_DATA_DIR", raising=False)
    logger = logging.getLogger("routeplanner")
    level = logger.level
    yield tmp_path
    logger.setLevel(level)


def run_cli(args: list[str]) -> int:
    import routeplanner.cli.workout  # noqa: F401  (registers the command)
    from routeplanner.cli import main

    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ([], "give either --segment ID or --near"),
        (["--segment", "c1:2-3", "--near", "42.5,1.5"], "give either --segment ID or --near"),
        (["--segment", "c1:2-3"], "--start LAT,LON is needed"),
        (["--segment", "q1", "--start", "42.5,1.5"], "invalid segment id"),
        (["--near", "42.5,1.5", "--reps", "0"], "invalid --reps 0"),
        (["--near", "42.5,1.5", "--grade", "30-10%"], "lower bound must be below"),
        (["--near", "42.5,1.5", "--minutes", "0"], "0 minutes is empty"),
    ],
)
def test_cli_workout_bad_input(isolated, capsys, args, match):
    code = run_cli(["workout", "repeats", "--osm", "x.osm", "--dem", "x.tif", *args])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1
    assert match in err


def test_cli_workout_repeats_on_files(isolated, capsys):
    from synth import write_geotiff, write_osm_xml

    nodes = {1: (-2000.0, 0.0), 2: (300.0, 0.0), 3: (2000.0, 0.0), 4: (300.0, 600.0)}
    ways = [
        ([1, 2, 3], {"highway": "path", "name": "Valley"}),
        ([2, 4], {"highway": "path", "name": "Ramp"}),
    ]

    def terrain(x, y):
        return 1000.0 + 0.2 * np.maximum(y, 0.0) + 0.0 * x

    dem = make_dem(terrain, extent_m=2500.0, cell_m=10.0)
    osm = write_osm_xml(isolated / "h.osm", nodes, ways, digits=8)
    tif = write_geotiff(isolated / "h.tif", dem.elevation, dem.transform)
    lon, lat = lonlat(0.0, 0.0)
    args = ["workout", "repeats", "--osm", str(osm), "--dem", str(tif), "--no-cache"]
    # The default effort is 3-6 minutes: the repeat is the ramp's first 6 minutes.
    code = run_cli([*args, "--near", f"{lat},{lon}", "--reps", "3", "--json"])
    default = json.loads(capsys.readouterr().out)
    assert code == 0 and 180.0 <= default["workout"]["effort_s"] <= 361.0
    assert 50.0 <= default["segment"]["gain_m"] < 120.0
    # The whole 120 m ramp (about 10 minutes up) with a window that holds it.
    args += ["--minutes", "2-12"]
    code = run_cli([*args, "--near", f"{lat},{lon}", "--reps", "3", "--json", "--gpx", "w.gpx"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    work = data["workout"]
    assert work["reps"] == 3 and work["kind"] == "climb"
    flat = float(PROFILE.segment_time_s(300.0, 0.0))
    up = float(PROFILE.segment_time_s(600.0, 0.2))
    down = float(PROFILE.segment_time_s(600.0, -0.2))
    assert work["approach_s"] == pytest.approx(flat, abs=0.1)
    assert work["repeat_s"] == pytest.approx(up + down, rel=1e-3)
    assert work["total_s"] == pytest.approx(2 * flat + 3 * (up + down), rel=1e-3)
    assert data["segment"]["gain_m"] == pytest.approx(120.0, abs=0.1)
    assert data["routes"][0]["kind"] == "workout"
    assert (isolated / "w.gpx").exists()
    # The same by id, in text.
    code = run_cli([*args, "--segment", work["segment"], "--start", f"{lat},{lon}", "--reps", "2"])
    out = capsys.readouterr().out
    assert code == 0 and "2 × (effort" in out and "total" in out


def test_cli_trails_only_covers_the_way_there(isolated, capsys):
    from synth import write_geotiff, write_osm_xml

    dem = make_dem(hill, extent_m=2500.0, cell_m=10.0)
    osm = write_osm_xml(isolated / "s.osm", STREET_NODES, STREET_WAYS, digits=8)
    tif = write_geotiff(isolated / "s.tif", dem.elevation, dem.transform)
    near_lon, near_lat = lonlat(100.0, 0.0)
    start_lon, start_lat = lonlat(-1000.0, 0.0)
    args = ["workout", "repeats", "--osm", str(osm), "--dem", str(tif), "--no-cache"]
    args += ["--near", f"{near_lat},{near_lon}", "--start", f"{start_lat},{start_lon}"]
    args += ["--minutes", "2-12", "--reps", "2", "--json"]
    shares = {}
    for extra in ([], ["--trails-only"]):
        code = run_cli([*args, *extra])
        route = json.loads(capsys.readouterr().out)["routes"][0]
        assert code == 0
        shares[bool(extra)] = route["trail_share"]
    assert shares[False] == pytest.approx(0.5, abs=0.02)  # the street, there and back
    assert shares[True] == pytest.approx(1.0)  # the round trail, there and back


def test_cli_workout_repeats_constraints_exit_3(isolated, capsys):
    """3 repeats of a 120 m climb: --max-ascent 200m is missed (exit 3, MISSED), 400m met."""
    from synth import write_geotiff, write_osm_xml

    nodes = {1: (-2000.0, 0.0), 2: (300.0, 0.0), 3: (2000.0, 0.0), 4: (300.0, 600.0)}
    ways = [
        ([1, 2, 3], {"highway": "path", "name": "Valley"}),
        ([2, 4], {"highway": "path", "name": "Ramp"}),
    ]
    dem = make_dem(lambda x, y: 1000.0 + 0.2 * np.maximum(y, 0.0) + 0.0 * x, extent_m=2500.0)
    osm = write_osm_xml(isolated / "h.osm", nodes, ways, digits=8)
    tif = write_geotiff(isolated / "h.tif", dem.elevation, dem.transform)
    lon, lat = lonlat(0.0, 0.0)
    args = ["workout", "repeats", "--osm", str(osm), "--dem", str(tif), "--no-cache"]
    args += ["--near", f"{lat},{lon}", "--reps", "3", "--minutes", "2-12"]
    assert run_cli([*args, "--max-ascent", "400m"]) == 0
    assert "MISSED" not in capsys.readouterr().out
    assert run_cli([*args, "--max-ascent", "200m"]) == 3
    assert "MISSED: ascent 360 m > 200 m" in capsys.readouterr().out
    assert run_cli([*args, "--max-ascent", "200m", "--json"]) == 3
    out, err = capsys.readouterr()
    route = json.loads(out)["routes"][0]
    assert err.startswith("MISSED: ascent 360 m")
    assert route["meets_brief"] is False and route["target_duration_s"] is None
    keys = {"misses", "shape", "trail_share", "main_road_share", "overlap_share", "duration_s"}
    assert keys <= route.keys()
    assert run_cli([*args, "--max-ascent", "200m", "--accept-closest"]) == 0


def test_cli_loop_with_climbs_over_the_target_exits_3(isolated, capsys):
    """30 min cannot hold the cone's climb: MISSED with the overrun, exit 3; 60 min meets."""
    from synth import write_geotiff, write_osm_xml

    ang = np.linspace(0.0, 2 * np.pi, 16, endpoint=False)
    nodes = {10 + i: (1000.0 * np.cos(a), 1000.0 * np.sin(a)) for i, a in enumerate(ang)}
    nodes.update({1: (0.0, 0.0), 2: (-800.0, 0.0), 3: (800.0, 0.0)})
    ways = [
        ([*range(10, 26), 10], {"highway": "path", "name": "Ring"}),
        ([18, 2, 1, 3, 10], {"highway": "path", "name": "Ridge"}),
    ]
    dem = make_dem(summit, extent_m=2500.0, cell_m=10.0)
    osm = write_osm_xml(isolated / "c.osm", nodes, ways, digits=8)
    tif = write_geotiff(isolated / "c.tif", dem.elevation, dem.transform)
    lon, lat = lonlat(0.0, -1000.0)
    args = ["loop", "--osm", str(osm), "--dem", str(tif), "--no-cache", "--start", f"{lat},{lon}"]
    args += ["--include-climbs", "1", "--climb-grade", "20-30%", "--tolerance", "5%"]
    assert run_cli([*args, "--duration", "30m"]) == 3
    out = capsys.readouterr().out
    assert "MISSED: duration" in out and "over the 30 min target" in out
    assert run_cli([*args, "--duration", "30m", "--accept-closest"]) == 0
    capsys.readouterr()
    assert run_cli([*args, "--duration", "60m", "--json"]) == 0
    route = json.loads(capsys.readouterr().out)["routes"][0]
    assert route["meets_brief"] is True and abs(route["duration_s"] / 3600 - 1) <= 0.05


def test_loop_segment_options_are_checked_before_loading():
    from routeplanner.cli.options import loop_segment_args

    assert loop_segment_args(0, "15-30%", "50m", False, "8-25%", None) is None
    args = loop_segment_args(2, "skin-track", "80m", True, "9-17deg", "5-10")
    assert args is not None and args["allow_roads"] is False
    assert loop_segment_args(1, "15-30%", "50m", False, "8-25%", None, True)["allow_roads"]
    assert args["climbs"] == 2 and args["climb_grade"] == (0.15, 0.30)
    assert args["climb_min_gain_m"] == 80.0 and args["include_descent"] is True
    assert args["descent_grade"] == pytest.approx((0.1584, 0.3057), abs=1e-4)
    assert args["descent_minutes"] == (300.0, 600.0)
    for bad, match in (
        ((5, "15-30%", "50m", False, "8-25%", None), "--include-climbs 5"),
        ((1, "30-15%", "50m", False, "8-25%", None), "lower bound"),
        ((1, "15-30%", "50m", True, "8-25%", "10-5"), "lower bound"),
        ((0, "15-30%", "50m", True, "8-25%", "0"), "0 minutes"),
    ):
        with pytest.raises(InputError, match=match):
            loop_segment_args(*bad)


# --------------------------------------------------------------------------- Andorra


@pytest.mark.slow
def test_andorra_repeats_and_loop_with_climbs(andorra_network, tmp_path):
    net = andorra_network
    start = (1.5148, 42.5450)  # La Massana
    profile = RunnerProfile(360.0, max_difficulty=3)
    req = SegmentRequest("climb", (0.15, 0.30), 60.0, duration_s=(120.0, 720.0), near=start)
    work = W.plan_repeats_near(net, start, req, profile, reps=4)
    seg = work.segment
    assert 0.15 <= seg.mean_grade <= 0.30 and 120.0 <= work.effort_s <= 720.0
    assert contains_run(work.route.steps, seg.steps) == 4
    assert work.total_s == pytest.approx(
        work.approach_s + 4 * work.repeat_s + work.return_s, rel=1e-3
    )
    assert work.route.lon[0] == pytest.approx(work.route.lon[-1], abs=1e-9)
    assert work.route.lat[0] == pytest.approx(work.route.lat[-1], abs=1e-9)

    res = W.plan_loop_with_segments(
        net,
        start,
        profile,
        LoopRequest(90 * 60.0),
        SegmentLoopOptions(climbs=2, include_descent=True),
    )
    route = res.routes[0]
    assert abs(route.stats.duration_s / 5400.0 - 1) <= 0.05, route.warnings
    assert route.lon[0] == pytest.approx(route.lon[-1]) and route.lat[0] == pytest.approx(
        route.lat[-1]
    )
    kinds = [s.kind for s in res.segments[0]]
    assert sorted(kinds) == ["climb", "climb", "descent"]
    for s in res.segments[0]:
        assert contains_run(route.steps, s.steps) >= 1
        assert (s.ele[-1] > s.ele[0]) == (s.kind == "climb")
    doc = json.dumps([segment_feature(s) for s in res.segments[0]])
    assert '"kind": "descent"' in doc


# --------------------------------------------------------------------------- shared routers


def same_route(a, b) -> bool:
    """Whether two routes are the same: steps, geometry, times, outcome and name."""
    return (
        a.steps == b.steps
        and all(np.array_equal(getattr(a, k), getattr(b, k)) for k in ("lon", "lat", "ele"))
        and np.array_equal(a.dist_m, b.dist_m)
        and a.stats == b.stats
        and a.outcome == b.outcome
        and (a.name, a.segment_ids, a.warnings) == (b.name, b.segment_ids, b.warnings)
    )


@pytest.fixture
def counted(monkeypatch):
    """Count the point router's Dijkstra calls."""
    from routeplanner.search import point_router

    calls = []
    real = point_router.dijkstra

    def counting(*args, **kwargs):
        calls.append(kwargs.get("indices"))
        return real(*args, **kwargs)

    monkeypatch.setattr(point_router, "dijkstra", counting)
    return calls


def test_loops_through_segments_from_a_shared_router_are_those_of_their_own(cone_ring, counted):
    from routeplanner.search.point_router import PointRouters

    start = lonlat(0.0, -1000.0)
    kinds = [
        SegmentLoopOptions(climbs=1, climb_grade=(0.2, 0.3)),
        SegmentLoopOptions(climbs=1, climb_grade=(0.2, 0.3), include_descent=True),
    ]
    asks = [(LoopRequest(m * 60.0, tolerance=0.05), opts) for opts in kinds for m in (45, 60, 75)]
    own = [W.plan_loop_with_segments(cone_ring, start, PROFILE, r, o) for r, o in asks]
    alone = len(counted)
    routers = PointRouters()
    shared = []
    for r, o in asks:
        router = routers.get(cone_ring, PROFILE, start, W.leg_prefs(r))
        shared.append(W.segment_loop_on(router, r, o))
    assert routers.get(cone_ring, PROFILE, start, W.leg_prefs(asks[0][0])) is router
    for a, b in zip(own, shared, strict=True):
        assert [s.id for segs in a.segments for s in segs] == [
            s.id for segs in b.segments for s in segs
        ]
        assert len(a.routes) == len(b.routes) == 1
        assert same_route(a.routes[0], b.routes[0])
    # The rows from the start, towards it and from each segment's end were grown once.
    assert len(counted) - alone < alone / 2


def test_repeats_from_a_shared_router_are_those_of_their_own(cone_ring, counted):
    from routeplanner.search.point_router import PointRouters

    start = lonlat(0.0, -1000.0)
    # 2-5 minute stretches of the ridges: they begin and end inside edges.
    segs = [
        s
        for kind in ("climb", "descent")
        for s in find_segments(
            cone_ring, SegmentRequest(kind, (0.2, 0.3), 30.0, (120.0, 300.0)), PROFILE
        )
    ]
    assert {s.kind for s in segs} == {"climb", "descent"}
    length = cone_ring.edge_length_m

    def inner(edge: int, off: float) -> bool:
        return 1.0 < off < length[edge] - 1.0

    inside = [s.kind for s in segs if inner(*W.segment_start(s)) or inner(*W.segment_end(s))]
    assert set(inside) == {"climb", "descent"}
    own = [W.plan_repeats(cone_ring, start, s, PROFILE, reps) for s in segs for reps in (1, 3)]
    alone = len(counted)
    router = PointRouters().get(cone_ring, PROFILE, start, None)
    shared = [W.repeats_on(router, s, reps) for s in segs for reps in (1, 3)]
    # asked again, a workout is the one planned first; another brief is planned anew
    assert W.repeats_on(router, segs[0], 3) is shared[1]
    judged = W.repeats_on(router, segs[0], 3, Brief(Constraints(max_ascent_m=1.0)))
    assert judged is not shared[1] and judged.route.steps == shared[1].route.steps
    assert not judged.route.outcome.meets_brief
    for a, b in zip(own, shared, strict=True):
        assert same_route(a.route, b.route)
        assert (a.reps, a.approach_s, a.return_s, a.total_s) == (
            b.reps,
            b.approach_s,
            b.return_s,
            b.total_s,
        )
    assert len(counted) - alone < alone / 2


def test_a_router_keeps_its_own_rows_read_only_and_grows_others_afresh(cone_ring):
    from routeplanner.search.point_router import PointRouter

    router = PointRouter(cone_ring, PROFILE, lonlat(0.0, -1000.0), None, 500.0)
    dist, pred = router.trees(router.start_opts(), router.base)
    again = router.trees(router.start_opts(), router.base)
    assert again[0] is dist and not dist.flags.writeable and not pred.flags.writeable
    back = router.trees(router.start_opts(), router.base, reverse=True)
    assert back[0] is not dist
    other = router.penalised(set(range(cone_ring.n_edges)))
    d2, _ = router.trees(router.start_opts(), other)
    assert d2.flags.writeable and d2 is not router.trees(router.start_opts(), other)[0]
    assert (d2 >= dist - 1e-9).all() and (d2 > dist + 1e-6).any()


def test_a_points_ways_are_those_of_a_scan_over_every_edge(cone_ring):
    from routeplanner.search.point_router import PointRouter

    # From the middle of the east ridge: the start splits its edge in two.
    router = PointRouter(cone_ring, PROFILE, lonlat(400.0, 0.0), None, 500.0)
    g = router.g
    assert len(g.edge) == cone_ring.n_edges + 1
    for e in range(cone_ring.n_edges):
        length = float(cone_ring.edge_length_m[e])
        for off in (0.0, length / 3, length / 2, 400.0, length):
            scan = np.flatnonzero((g.edge == e) & (g.lo <= off + 1e-6) & (g.hi >= off - 1e-6))
            assert router._parts(e, off, off).tolist() == scan.tolist()
            for leaving in (True, False):
                opts = router.point_opts(e, off, leaving=leaving)
                assert opts == router.point_opts(e, off, leaving=leaving)
                ends = [
                    o.steps[0].start_m if leaving else o.steps[-1].end_m for o in opts if o.steps
                ]
                assert ends == pytest.approx([off] * len(ends))
                # each way is the stretch to a node of the search edge it lies on
                assert {o.node for o in opts} <= {int(g.a[k]) for k in scan} | {
                    int(g.b[k]) for k in scan
                }
