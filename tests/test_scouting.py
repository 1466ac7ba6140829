"""Tests for routeplanner.search.scouting and the `lines` / `scout` commands.

The synthetic world is a plane rising 25 % to the north (14° facing south),
with a valley trail along y = 0, a path up x = 0, an upper path along
y = 1500 and a track up x = 2000, so times can be worked out by hand.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator
from datetime import date, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import gpxpy
import numpy as np
import pytest
from synth import make_dem, make_network, to_lonlat, write_geotiff, write_osm_xml

import routeplanner.cli.lines
import routeplanner.cli.scout  # noqa: F401  (registers the commands until cli/__init__ does)
from routeplanner import demo, pace, units
from routeplanner._geo import haversine_m
from routeplanner.cli import main
from routeplanner.errors import CoverageError, InputError, NoRouteError
from routeplanner.safety.daylight import TripDay
from routeplanner.search import scouting as sc
from routeplanner.skilines import lines as sk

EXTENT_M = 3500.0
CELL_M = 20.0
GRADE = 0.25


def plane(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 1000.0 + GRADE * y + 0.0 * x


NODES = {
    1: (-500.0, 0.0),
    2: (0.0, 0.0),
    3: (500.0, 0.0),
    4: (1000.0, 0.0),
    5: (1500.0, 0.0),
    6: (2000.0, 0.0),
    7: (0.0, 500.0),
    8: (0.0, 1000.0),
    9: (0.0, 1500.0),
    10: (500.0, 1500.0),
    11: (1000.0, 1500.0),
    12: (1500.0, 1500.0),
    13: (2000.0, 1500.0),
    14: (2000.0, 750.0),
}
WAYS = [
    ([1, 2, 3, 4, 5, 6], {"highway": "path", "name": "Valley"}),
    ([2, 7, 8, 9], {"highway": "path", "name": "Climb"}),
    ([9, 10, 11, 12, 13], {"highway": "path", "name": "Upper"}),
    ([6, 14, 13], {"highway": "track", "name": "East"}),
]


@pytest.fixture(scope="module")
def world():
    net = make_network(NODES, WAYS, plane, extent_m=EXTENT_M, cell_m=CELL_M)
    dem = make_dem(plane, extent_m=EXTENT_M, cell_m=CELL_M)
    return net, dem


def line(dem, name: str, x0: float, y0: float, x1: float, y1: float) -> sk.SkiLine:
    lon, lat = to_lonlat(np.array([x0, x1]), np.array([y0, y1]))
    raw = sk.RawLine(f"file:t:{name}", name, "file", lon, lat, {})
    return sk.analyze_line(raw, dem)


def start_at(x: float, y: float) -> tuple[float, float]:
    lon, lat = to_lonlat(x, y)
    return float(lon), float(lat)


def offtrail_s(
    length_m: float, grade: float, profile=sc.HIKING_PROFILE, factor: float = sc.OFFTRAIL_FACTOR
) -> float:
    ratio = float(pace.cost_ratio(grade, profile.model))
    # Rough ground is felt more on steep descents (issue 28): the factor as felt at grade.
    felt = float(pace.rough_ground_factor(factor, grade))
    return length_m * ratio * profile.seconds_per_m() * felt


# -- planning on the synthetic world ------------------------------------------------------


def test_out_and_back_along_a_line_timed_by_hand(world):
    net, dem = world
    meadow = line(dem, "Meadow", 1000.0, 1300.0, 1000.0, 200.0)
    plan = sc.plan_scouting(net, dem, start_at(1000.0, 0.0), [meadow])
    (visit,) = plan.visits
    # Up the 200 m approach and the 1100 m line, and back down (cheaper than going on
    # to the upper path and round by the trails: see the module docstring).
    assert visit.mode == "walk up and back down" and visit.walked
    expected = offtrail_s(1300.0, GRADE) + offtrail_s(1300.0, -GRADE)
    assert plan.moving_s == pytest.approx(expected, rel=5e-3)
    assert plan.route.stats.distance_m == pytest.approx(2600.0, rel=2e-3)
    assert plan.route.stats.ascent_m == pytest.approx(1300 * GRADE, rel=1e-2)
    assert visit.arrive_s == pytest.approx(offtrail_s(200.0, GRADE), rel=5e-3)
    assert visit.arrive_m == pytest.approx(200.0, rel=2e-3)
    assert visit.leave_s == pytest.approx(expected - offtrail_s(200.0, -GRADE), rel=5e-3)
    assert visit.offtrail_m == pytest.approx(2600.0, rel=2e-3)
    assert plan.daylight_needed_s == pytest.approx((plan.moving_s + 900.0) * 1.2)
    # Every leg is off the network: all in the steps, none of it trail.
    assert plan.route.kind == "scout" and plan.route.network_steps == ()
    assert [s.label for s in plan.route.steps] == [
        "cross-country to the bottom of Meadow",
        "Meadow (up, off-trail)",
        "Meadow (down, off-trail)",
        "cross-country from the bottom of Meadow",
    ]
    assert plan.route.stats.trail_share == 0.0
    assert plan.route.offtrail_m == pytest.approx(plan.route.stats.distance_m)
    assert plan.order_method == "brute force"


def test_line_on_a_trail_is_walked_on_it(world):
    net, dem = world
    on = line(dem, "Climb line", 10.0, 1400.0, 10.0, 100.0)  # 10 m beside the Climb path
    plan = sc.plan_scouting(net, dem, start_at(-500.0, 0.0), [on])
    (visit,) = plan.visits
    assert visit.mode in ("walk up", "walk down") and visit.walked
    assert visit.offtrail_m == 0.0
    assert plan.route.stats.trail_share == pytest.approx(1.0)
    assert "Climb" in plan.route.names
    # 500 m along the Valley, 1400 m up the Climb path (100 m to the line's bottom, then
    # the line), and the same way back.
    expected = 2 * 500.0 * 0.715 + 1400.0 * 0.715 * (
        float(pace.cost_ratio(GRADE, "tobler")) + float(pace.cost_ratio(-GRADE, "tobler"))
    )
    assert plan.moving_s == pytest.approx(expected, rel=5e-3)


def test_ends_visited_when_too_steep_to_walk(world):
    net, dem = world
    meadow = line(dem, "Meadow", 1000.0, 1300.0, 1000.0, 200.0)
    req = sc.ScoutRequest(max_walk_slope_deg=10.0)  # the 14° line counts as too steep
    plan = sc.plan_scouting(net, dem, start_at(1000.0, 0.0), [meadow], request=req)
    (visit,) = plan.visits
    assert visit.mode in ("bottom, then top", "top, then bottom") and not visit.walked
    assert visit.offtrail_m == pytest.approx(800.0, rel=2e-3)  # 200 m there and back, twice
    # Round the trails: 1000 m along, 1500 m up or down, 1000 m back, both ways.
    assert plan.route.stats.distance_m == pytest.approx(800.0 + 2 * 3500.0, rel=5e-3)
    assert any("from the nearest way" in w for w in plan.warnings)


def test_order_and_timings_of_several_lines(world):
    net, dem = world
    lines = [
        line(dem, "Meadow", 1000.0, 1300.0, 1000.0, 200.0),
        line(dem, "Climb line", 10.0, 1400.0, 10.0, 100.0),
        line(dem, "East line", 1900.0, 1400.0, 1900.0, 300.0),
    ]
    start = start_at(-500.0, 0.0)
    plan = sc.plan_scouting(net, dem, start, lines, daylight=TripDay(date(2024, 7, 15)))
    assert sorted(v.line_id for v in plan.visits) == sorted(ln.id for ln in lines)
    assert [ln.id for ln in plan.lines] == [v.line_id for v in plan.visits]
    arrive = [v.arrive_s for v in plan.visits]
    assert arrive == sorted(arrive)
    for j, v in enumerate(plan.visits):
        assert v.arrive_elapsed_s == pytest.approx(v.arrive_s + j * 900.0)
        assert v.arrive_s <= v.leave_s <= plan.moving_s
    r = plan.route
    assert haversine_m(r.lon[0], r.lat[0], r.lon[-1], r.lat[-1]) < 1.0
    assert np.all(np.diff(r.dist_m) >= 0) and np.all(np.diff(r.time_s) >= 0)
    assert r.stats.duration_s == pytest.approx(plan.moving_s)
    # Brute force: the input order does not matter.
    again = sc.plan_scouting(net, dem, start, lines[::-1])
    assert again.moving_s == pytest.approx(plan.moving_s)
    # The route passes both ends of every line it walks.
    for ln, v in zip(plan.lines, plan.visits, strict=True):
        for end in (ln.top, ln.bottom):
            assert float(np.min(haversine_m(r.lon, r.lat, *end))) < 45.0, (v.name, v.mode)
    assert plan.sun is not None and plan.sun.fits
    assert plan.sun.latest_start == plan.sun.sunset - timedelta(seconds=plan.daylight_needed_s)
    summary = plan.summary()
    assert summary["order_method"] == "brute force" and len(summary["visits"]) == 3
    json.dumps(summary)


def test_many_lines_use_the_heuristic(world, monkeypatch):
    net, dem = world
    lines = [line(dem, f"L{i}", -300.0 + 350 * i, 400.0, -300.0 + 350 * i, 100.0) for i in range(7)]
    start = start_at(-500.0, 0.0)
    plan = sc.plan_scouting(net, dem, start, lines)
    assert plan.order_method == "nearest neighbour + 2-opt"
    assert sorted(v.line_id for v in plan.visits) == sorted(ln.id for ln in lines)
    monkeypatch.setattr(sc, "BRUTE_FORCE_MAX", 7)
    best = sc.plan_scouting(net, dem, start, lines)
    assert best.order_method == "brute force"
    assert best.moving_s <= plan.moving_s + 1e-6
    assert plan.moving_s <= 1.05 * best.moving_s


def test_far_end_reached_along_the_line(world):
    net, dem = world
    # Top 1200 m above the upper path (beyond reach), bottom 100 m from it.
    high = line(dem, "High", 1500.0, 2700.0, 1500.0, 1600.0)
    plan = sc.plan_scouting(net, dem, start_at(0.0, 1500.0), [high])
    assert plan.visits[0].mode == "walk up and back down"
    req = sc.ScoutRequest(max_walk_slope_deg=10.0)
    with pytest.raises(
        NoRouteError, match=r"'High'.*its top: .*1.2 km from the nearest way.*too steep to walk"
    ):
        sc.plan_scouting(net, dem, start_at(0.0, 1500.0), [high], request=req)


def test_bad_requests(world):
    net, dem = world
    meadow = line(dem, "Meadow", 1000.0, 1300.0, 1000.0, 200.0)
    with pytest.raises(InputError, match="no lines"):
        sc.plan_scouting(net, dem, start_at(0.0, 0.0), [])
    with pytest.raises(InputError, match="line given twice: file:t:Meadow"):
        sc.plan_scouting(net, dem, start_at(0.0, 0.0), [meadow, meadow])
    with pytest.raises(InputError, match="at most 12"):
        sc.plan_scouting(net, dem, start_at(0.0, 0.0), [meadow] * 13)
    with pytest.raises(CoverageError, match="from the nearest way"):
        sc.plan_scouting(net, dem, start_at(-2500.0, -2500.0), [meadow])
    with pytest.raises(InputError, match="walk_share"):
        sc.ScoutRequest(walk_share=1.5)
    with pytest.raises(InputError, match="stop_s"):
        sc.ScoutRequest(stop_s=-1.0)


# -- sunrise and sunset ---------------------------------------------------------------------


def test_sun_times():
    eq = sc.sun_times(0.0, 0.0, date(2024, 3, 20))
    # 12 h plus refraction and the sun's radius: about 12 h 7 min at the equator.
    assert eq.day_length_s / 60 == pytest.approx(727, abs=3)
    nov = sc.sun_times(0.0, 42.5, date(2024, 11, 3))
    noon = nov.sunrise + (nov.sunset - nov.sunrise) / 2
    # Equation of time on 3 November: the sun is 16.4 min early.
    assert noon.hour == 11 and noon.minute + noon.second / 60 == pytest.approx(43.6, abs=1.0)
    east = sc.sun_times(15.0, 42.5, date(2024, 11, 3))
    assert (nov.sunrise - east.sunrise).total_seconds() == pytest.approx(3600.0, abs=1.0)
    summer = sc.sun_times(1.6675, 42.5765, date(2024, 7, 15), ZoneInfo("Europe/Andorra"))
    assert summer.sunrise.utcoffset() == timedelta(hours=2)
    assert summer.sunrise.astimezone(timezone.utc).hour == 4
    assert 14.8 < summer.day_length_s / 3600 < 15.2
    polar_day = sc.sun_times(0.0, 80.0, date(2024, 6, 21))
    assert polar_day.sunrise is None and polar_day.day_length_s == 86400.0
    polar_night = sc.sun_times(0.0, 80.0, date(2024, 12, 21))
    assert polar_night.day_length_s == 0.0 and not polar_night.fits
    with pytest.raises(InputError):
        sc.sun_times(0.0, 95.0, date(2024, 1, 1))


# -- the commands on tiny files ----------------------------------------------------------


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROUTEPLANNER_DATA_DIR", raising=False)
    logger = logging.getLogger("routeplanner")
    level = logger.level
    yield tmp_path
    logger.setLevel(level)


def write_region(tmp_path: Path) -> list[str]:
    """The synthetic world as an OSM XML file with a piste, and a GeoTIFF."""
    piste = {20: (1000.0, 1300.0), 21: (1000.0, 200.0)}
    tagged = [
        *WAYS,
        ([20, 21], {"piste:type": "downhill", "piste:difficulty": "easy", "name": "Meadow run"}),
    ]
    osm = write_osm_xml(tmp_path / "world.osm", {**NODES, **piste}, tagged)
    dem = make_dem(plane, extent_m=EXTENT_M, cell_m=CELL_M)
    tif = write_geotiff(tmp_path / "world.tif", dem.elevation, dem.transform)
    return ["--osm", str(osm), "--dem", str(tif)]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, out: str, err: str) -> str:
    assert code != 0 and out == ""
    rows = err.strip().splitlines()
    assert len(rows) == 1 and rows[0].startswith("error: "), err
    return rows[0]


def test_lines_and_scout_commands(isolated, capsys):
    files = write_region(isolated)
    code, out, err = run(["lines", *files, "--json", "--geojson", "lines.geojson"], capsys)
    assert code == 0, err
    data = json.loads(out)
    (meadow,) = data["lines"]
    assert meadow["name"] == "Meadow run" and meadow["difficulty"] == "easy"
    assert meadow["slope_mean_deg"] == pytest.approx(math.degrees(math.atan(GRADE)), abs=0.2)
    assert meadow["aspect"] == "S" and meadow["band_shares"]["<27"] == 1.0
    assert meadow["vertical_drop_m"] == pytest.approx(1100 * GRADE, abs=1.0)
    doc = json.loads((isolated / "lines.geojson").read_text())
    assert doc["features"][0]["properties"]["id"] == meadow["id"]

    start = to_lonlat(1000.0, 0.0)
    args = [
        "scout",
        *files,
        "--start",
        f"{float(start[1]):.7f},{float(start[0]):.7f}",
        "--line",
        "meadow RUN",
        "--date",
        "2024-07-15",
        "--tz",
        "Europe/Andorra",
        "--gpx",
        "scout.gpx",
        "--geojson",
        "scout.geojson",
        "--json",
    ]
    code, out, err = run(args, capsys)
    assert code == 0, err
    data = json.loads(out)
    plan = data["plan"]
    assert plan["visits"][0]["name"] == "Meadow run"
    # A graded piste is walked as grass (PISTE_FACTOR), not rough ground.
    piste = sc.PISTE_FACTOR
    expected = offtrail_s(200.0, GRADE) + offtrail_s(200.0, -GRADE)
    expected += offtrail_s(1100.0, GRADE, factor=piste) + offtrail_s(1100.0, -GRADE, factor=piste)
    assert plan["moving_s"] == pytest.approx(expected, rel=5e-3)
    assert plan["sun"]["sunrise"].startswith("2024-07-15T06:")
    assert data["routes"][0]["kind"] == "scout"
    gpx = gpxpy.parse((isolated / "scout.gpx").read_text())
    assert len(gpx.tracks[0].segments[0].points) > 50
    # The line reached is a waypoint at the time the plan gets there.
    (reach,) = [w for w in gpx.waypoints if w.type == "checkpoint"]
    assert reach.name == "Meadow run"
    start_time = gpx.tracks[0].segments[0].points[0].time
    elapsed = (reach.time - start_time).total_seconds()
    assert elapsed == pytest.approx(plan["visits"][0]["arrive_s"], abs=1.0)
    doc = json.loads((isolated / "scout.geojson").read_text())
    assert doc["features"][0]["properties"]["kind"] == "scout"
    assert doc["features"][1]["properties"]["kind"] == "ski_line"

    code, out, err = run([*args[:7], "--line", "Medow run"], capsys)
    assert "close matches: 'Meadow run'" in one_line_error(code, out, err)
    assert code == 2

    # The trip climbs the whole line: a 100 m ascent cap is missed (exit 3), 1000 m is met.
    ascent = data["routes"][0]["ascent_m"]
    assert ascent > 100.0 and data["routes"][0]["meets_brief"] is True
    code, out, err = run([*args, "--max-ascent", "100m"], capsys)
    assert code == 3 and err.startswith(f"MISSED: ascent {ascent:.0f} m > 100 m")
    route = json.loads(out)["routes"][0]
    assert route["meets_brief"] is False and route["shape"] in ("loop", "lollipop", "out-and-back")
    code, out, err = run([*args, "--max-ascent", "100m", "--accept-closest"], capsys)
    assert code == 0 and err.startswith("MISSED")
    code, out, err = run([*args, "--max-ascent", "1000m"], capsys)
    assert code == 0 and "MISSED" not in err


def test_scout_map(isolated, capsys):
    files = write_region(isolated)
    start = to_lonlat(1000.0, 0.0)
    args = ["scout", *files, "--start", f"{float(start[1])},{float(start[0])}"]
    code, out, err = run([*args, "--line", "Meadow run", "--out", "scout.html"], capsys)
    assert code == 0, err
    page = (isolated / "scout.html").read_text()
    assert "Meadow run" in page and "Ski lines (colour: max slope)" in page
    assert "wrote" in out and "walk up and back down" in out


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["lines", "--source", "dem", "--slope-window", "30-95"], "out of range"),
        (["lines", "--source", "dem", "--slope-window", "45-30"], "low bound"),
        (["lines", "--source", "file"], "needs at least one --file"),
        (["lines", "--source", "lidar"], "unknown line source 'lidar'"),
        (["lines", "--within", "3km"], "--within needs --near"),
        (["lines", "--min-drop", "9000m"], "out of range"),
        (["scout", "--start", "42.5,1.5", "--line", "x", "--date", "15/07"], "invalid date"),
        (["scout", "--start", "42.5,1.5", "--line", "x", "--tz", "Mars/Base"], "unknown time"),
        (["scout", "--start", "42.5,1.5", "--line", "x", "--max-slope", "nan"], "'--max-slope'"),
        (["scout", "--start", "42.5,1.5", "--line", "x", "--max-slope", "95"], "5 to 90 degrees"),
        (["lines", "--min-slope", "-5"], "--min-slope -5.0 out of range: use 0 to 90 degrees"),
    ],
)
def test_bad_options_fail_before_loading(isolated, capsys, extra, fragment):
    code, out, err = run([*extra, "--osm", "missing.osm", "--dem", "missing.tif"], capsys)
    assert code == 2
    assert fragment in one_line_error(code, out, err)


def test_gpx_without_track(isolated, capsys):
    empty = isolated / "empty.gpx"
    gpx = gpxpy.gpx.GPX()
    gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(42.5, 1.5))
    empty.write_text(gpx.to_xml())
    code, out, err = run(["lines", "--file", str(empty), "--osm", "x.osm", "--dem", "x"], capsys)
    assert code == 2
    assert "empty.gpx has no track or route" in one_line_error(code, out, err)


def test_line_outside_the_dem(isolated, capsys):
    files = write_region(isolated)
    far = isolated / "far.gpx"
    gpx = gpxpy.gpx.GPX()
    trk = gpxpy.gpx.GPXTrack(name="Far couloir")
    seg = gpxpy.gpx.GPXTrackSegment()
    seg.points = [gpxpy.gpx.GPXTrackPoint(45.9, 6.9), gpxpy.gpx.GPXTrackPoint(45.91, 6.91)]
    trk.segments.append(seg)
    gpx.tracks.append(trk)
    far.write_text(gpx.to_xml())
    code, out, err = run(["lines", *files, "--file", str(far)], capsys)
    assert "Far couloir" in one_line_error(code, out, err)
    assert "outside the elevation data" in err


# -- Andorra end to end ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def andorra_dem(andorra_network, andorra_dir):
    from routeplanner.sources.dem import open_dem

    return open_dem([andorra_dir / "N42E001.hgt.zip"], bbox=andorra_network.bbox)


@pytest.mark.slow
def test_andorra_pistes_are_believable(andorra_network, andorra_dem):
    lines = sk.analyze_lines(sk.osm_lines(andorra_network), andorra_dem)
    assert len(lines) >= 150  # 174 downhill ways, minus piste areas
    by = {}
    for ln in lines:
        by.setdefault(ln.difficulty, []).append(ln)
        assert sum(ln.stats.band_shares) == pytest.approx(1.0)
        assert 0.0 <= ln.stats.slope_mean_deg <= ln.stats.slope_max_deg < 50.0
    pitch = {d: np.median([ln.stats.pitch_max_deg for ln in v]) for d, v in by.items()}
    slope = {d: np.median([ln.stats.slope_max_deg for ln in v]) for d, v in by.items()}
    # Harder pistes are steeper, in their own pitch and in the terrain they cross.
    assert pitch["easy"] < pitch["intermediate"] < pitch["advanced"]
    assert slope["easy"] < slope["intermediate"] < slope["advanced"]
    avet = sk.find_line(lines, "Avet")
    bosc = sk.find_line(lines, "Bosc Fosc")
    assert avet.difficulty == "advanced" and bosc.difficulty == "easy"
    # Same north-east-facing mountainside above Soldeu...
    assert avet.stats.aspect in ("N", "NE") and bosc.stats.aspect in ("N", "NE")
    assert abs(avet.stats.slope_mean_deg - bosc.stats.slope_mean_deg) < 3.0
    # ...but the black run goes straight down it and the blue one traverses.
    assert avet.stats.pitch_max_deg > 27.0 and bosc.stats.pitch_max_deg < 20.0
    assert avet.stats.pitch_mean_deg > bosc.stats.pitch_mean_deg + 5.0


@pytest.mark.slow
def test_andorra_scouting_from_soldeu(andorra_network, andorra_dem, tmp_path):
    raws = sk.osm_lines(andorra_network)
    lines = [sk.analyze_line(sk.find_line(raws, q), andorra_dem) for q in ("Avet", "Bosc Fosc")]
    plan = sc.plan_scouting(
        andorra_network,
        andorra_dem,
        demo.DEMO_SCOUT["start"],
        lines,
        daylight=TripDay(date(2024, 7, 15), ZoneInfo("Europe/Andorra")),
    )
    assert {v.name for v in plan.visits} == {"Avet", "Bosc Fosc"}
    drops = sum(ln.stats.vertical_drop_m for ln in lines)
    assert plan.route.stats.ascent_m >= drops
    assert 2 * 3600 < plan.moving_s < 6 * 3600
    assert plan.sun is not None and plan.sun.fits
    entries = demo.demo_scouting(andorra_network, andorra_dem, tmp_path)
    assert entries[0][1] == "scout.html" and (tmp_path / "scout.html").stat().st_size > 10_000
    assert (tmp_path / "scout.gpx").exists() and (tmp_path / "scout.geojson").exists()


@pytest.mark.slow
def test_andorra_commands(shared_data_dir, isolated, capsys):
    region = ["--region", "andorra-2013", "--data-dir", str(shared_data_dir)]
    code, out, err = run(
        ["lines", *region, "--near", "42.5765,1.6675", "--within", "2km", "--json"], capsys
    )
    assert code == 0, err
    names = [ln["name"] for ln in json.loads(out)["lines"]]
    assert "Avet" in names and "Bosc Fosc" in names
    code, out, err = run(["lines", *region, "--source", "dem", "--near", "42.5765,1.6675"], capsys)
    assert code == 0, err
    assert "fall line" in out
    code, out, err = run(
        ["scout", *region, "--start", "42.5765,1.6675", "--line", "Avet", "--line", "Bosc Fosc"],
        capsys,
    )
    assert code == 0, err
    assert "Avet" in out and "daylight needed" in out
    code, out, err = run(
        ["scout", *region, "--start", "42.5765,1.6675", "--line", "Tamaro"], capsys
    )
    assert "close matches: 'Tamarro'" in one_line_error(code, out, err)


# -- safe scouting: no leg steeper than the slope limit -----------------------------------

FACE_TAN = math.tan(math.radians(40.0))


def cliff(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Flat valley, a 40° face from y = 100 to 500 m, flat again above."""
    return 1000.0 + FACE_TAN * np.clip(y, 100.0, 500.0) - FACE_TAN * 100.0 + 0.0 * x


@pytest.fixture(scope="module")
def cliff_world():
    net = make_network(NODES, WAYS, cliff, extent_m=EXTENT_M, cell_m=CELL_M)
    dem = make_dem(cliff, extent_m=EXTENT_M, cell_m=CELL_M)
    return net, dem


def test_a_line_beyond_the_slope_limit_is_left_out(cliff_world):
    net, dem = cliff_world
    # The face line's ends are 300 m and 400 m up the 40° face from the valley
    # path; the upper path is beyond max_offtrail_m. The meadow is flat.
    face = line(dem, "Face", 1000.0, 400.0, 1000.0, 300.0)
    meadow = line(dem, "Meadow", 1500.0, -100.0, 1500.0, -300.0)
    plan = sc.plan_scouting(net, dem, start_at(-500.0, 0.0), [face, meadow])
    assert [v.name for v in plan.visits] == ["Meadow"]
    ((name, why),) = plan.left_out
    assert name == "Face" and "40.0° terrain" in why and "--max-slope" in why
    assert plan.steep_legs == ()
    assert plan.summary()["left_out"][0]["name"] == "Face"
    assert any("left out Face" in w for w in plan.warnings)

    # Raised limit: planned, and its steep legs are listed and located on the route.
    plan = sc.plan_scouting(
        net, dem, start_at(-500.0, 0.0), [face, meadow], request=sc.ScoutRequest(max_slope_deg=45)
    )
    assert {v.name for v in plan.visits} == {"Face", "Meadow"}
    assert plan.left_out == ()
    assert plan.steep_legs
    for leg in plan.steep_legs:
        assert "Face" in leg.label and leg.slope_max_deg == pytest.approx(40.0, abs=1.5)
        assert 0.0 <= leg.start_m < leg.end_m <= plan.route.stats.distance_m + 0.1
    assert plan.summary()["steep_legs"][0]["slope_max_deg"] == pytest.approx(40.0, abs=1.5)
    assert any("steep leg" in row for row in sc.plan_text(plan))


def test_only_steep_lines_is_no_route(cliff_world):
    net, dem = cliff_world
    face = line(dem, "Face", 1000.0, 400.0, 1000.0, 300.0)
    with pytest.raises(NoRouteError, match="within the slope limit: Face"):
        sc.plan_scouting(net, dem, start_at(-500.0, 0.0), [face])


def test_trails_beyond_t4_are_left_out_at_the_default_limit(world):
    net, dem = world
    climb = net.edge_name == "Climb"
    sac = net.edge_sac.copy()
    net.edge_sac[climb] = 5  # T5 demanding alpine hiking
    net._cache.clear()
    try:
        top = line(dem, "Top", 0.0, 1500.0, 300.0, 1500.0)
        safe = sc.plan_scouting(net, dem, start_at(-500.0, 0.0), [top])
        used = {int(s.edge) for s in safe.route.steps}
        assert not (climb[list(used)]).any()  # around by the East track instead
        assert safe.steep_legs == ()
        bold = sc.plan_scouting(
            net, dem, start_at(-500.0, 0.0), [top], request=sc.ScoutRequest(max_slope_deg=35)
        )
        assert any("beyond T4" in leg.label for leg in bold.steep_legs)
    finally:
        net.edge_sac[:] = sac
        net._cache.clear()


def test_scout_command_exits_3_when_a_line_is_left_out(isolated, capsys):
    face = {20: (1000.0, 400.0), 21: (1000.0, 300.0)}
    tagged = [*WAYS, ([20, 21], {"piste:type": "skitour", "name": "Face"})]
    osm = write_osm_xml(isolated / "cliff.osm", {**NODES, **face}, tagged)
    dem = make_dem(cliff, extent_m=EXTENT_M, cell_m=CELL_M)
    tif = write_geotiff(isolated / "cliff.tif", dem.elevation, dem.transform)
    start = to_lonlat(-500.0, 0.0)
    args = ["scout", "--osm", str(osm), "--dem", str(tif), "--line", "Face"]
    args += ["--line", "Valley", "--file", str(isolated / "meadow.geojson")]
    lon, lat = to_lonlat(np.array([1500.0, 1500.0]), np.array([-100.0, -300.0]))
    (isolated / "meadow.geojson").write_text(
        json.dumps(
            {
                "type": "Feature",
                "properties": {"name": "Valley"},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[float(x), float(y)] for x, y in zip(lon, lat, strict=True)],
                },
            }
        )
    )
    args += ["--start", f"{float(start[1]):.7f},{float(start[0]):.7f}", "--out", "scout.html"]
    code, out, _ = run(args, capsys)
    assert code == 3
    assert out.strip().splitlines()[-1].startswith("MISSED: left out Face")
    assert (isolated / "scout.html").is_file()
    code, out, err = run([*args[:-2], "--max-slope", "45", "--out", "bold.html"], capsys)
    assert code == 0, err
    assert "steep leg" in out
    assert "Steep legs (red)" in (isolated / "bold.html").read_text()


def test_lines_and_scout_text_in_imperial_units(isolated, capsys):
    files = write_region(isolated)
    start = to_lonlat(1000.0, 0.0)
    near = f"{float(start[1]):.7f},{float(start[0]):.7f}"
    code, out, err = run(["lines", *files, "--json", "--near", near], capsys)
    assert code == 0, err
    (meadow,) = json.loads(out)["lines"]  # JSON stays in metres
    code, out, err = run(["lines", *files, "--units", "imperial", "--near", near], capsys)
    assert code == 0, err
    head, row = out.splitlines()[:2]
    assert "len ft" in head and "dist mi" in head and "len m" not in head and "km" not in head
    length, drop, top = (float(v) for v in row[60:].split()[:3])
    assert length == pytest.approx(meadow["length_m"] / units.FT_M, abs=1.0)
    assert drop == pytest.approx(meadow["vertical_drop_m"] / units.FT_M, abs=1.0)
    assert top == pytest.approx(meadow["top_ele_m"] / units.FT_M, abs=1.0)
    assert float(row.split()[-1]) == pytest.approx(meadow["distance_m"] / units.MI_M, abs=0.011)
    code, out, err = run(["lines", *files, "--near", near], capsys)
    assert "len m" in out and "dist km" in out
    assert float(out.splitlines()[1][60:].split()[0]) == pytest.approx(meadow["length_m"], abs=1.0)

    args = ["scout", *files, "--start", near, "--line", "Meadow run"]
    code, out, err = run([*args, "--json"], capsys)
    assert code == 0, err
    route = json.loads(out)["routes"][0]
    code, out, err = run([*args, "--units", "imperial"], capsys)
    assert code == 0, err
    first, visit = out.splitlines()[:2]
    assert f"{route['distance_m'] / units.MI_M:.1f} mi," in first
    assert f"+{route['ascent_m'] / units.FT_M:.0f}/-" in first and first.endswith(" ft")
    assert " mi)" in visit and visit.endswith(" ft off-trail") and "km" not in out
    code, out, err = run([*args, "--units", "metric"], capsys)
    assert f"{route['distance_m'] / 1000:.1f} km," in out.splitlines()[0]


def test_scout_safety_sheet(isolated, capsys):
    # A spring with a hostile name 60 m up the first leg, a village at the top of the line.
    piste = {20: (1000.0, 1300.0), 21: (1000.0, 200.0), 31: (1010.0, 60.0), 32: (1020.0, 1310.0)}
    tagged = [
        *WAYS,
        ([20, 21], {"piste:type": "downhill", "piste:difficulty": "easy", "name": "Meadow run"}),
    ]
    spring = {
        31: {"natural": "spring", "name": "&lt;i&gt;Font\u202e"},
        32: {"place": "village", "name": "Poble"},
    }
    osm = write_osm_xml(isolated / "w.osm", {**NODES, **piste}, tagged, node_tags=spring)
    dem = make_dem(plane, extent_m=EXTENT_M, cell_m=CELL_M)
    tif = write_geotiff(isolated / "w.tif", dem.elevation, dem.transform)
    start = to_lonlat(1000.0, 0.0)
    args = ["scout", "--osm", str(osm), "--dem", str(tif), "--line", "Meadow run"]
    args += ["--start", f"{float(start[1]):.7f},{float(start[0]):.7f}", "--date", "2024-07-15"]
    code, out, err = run([*args, "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    safety = data["safety"]
    assert data["routes"][0]["safety"] == safety
    assert [(w["kind"], w["name"]) for w in safety["water"]] == [("spring", "<i>Font\u202e")]
    assert safety["water"][0]["along_m"] == pytest.approx(60.0, abs=15.0)
    # Up the line (200 m off-trail, then 1100 m on it) to the village at its top.
    assert [b["name"] for b in safety["bailouts"]] == ["Poble"]
    assert safety["bailouts"][0]["along_m"] == pytest.approx(1300.0, abs=30.0)
    assert safety["sunrise"].startswith("2024-07-15T")
    assert safety["emergency_number"] == "112"
    assert not (isolated / "safety.txt").exists()  # --json alone writes no sheet

    files = ["--gpx", "s.gpx", "--out", "s.html", "--fit", "s.fit"]
    code, out, err = run([*args, "--safety", "--start-time", "07:30", *files], capsys)
    assert code == 0, err
    assert "SAFETY SHEET" in out and "Partner message:" in out and "\u202e" not in out
    text = (isolated / "safety.txt").read_text(encoding="utf-8")
    assert "07:30" in text and "s.gpx" in text and "call 112" in text
    page = (isolated / "s.html").read_text(encoding="utf-8")
    assert "rp-safety" in page and "<i>Font" not in page and "&lt;i&gt;Font" in page
    gpx = gpxpy.parse((isolated / "s.gpx").read_text(encoding="utf-8"))
    assert {w.type for w in gpx.waypoints} >= {"checkpoint", "water", "bailout-village"}
    points = fit_course_points((isolated / "s.fit").read_bytes())
    water = [p for p in points if p["type"] == "water"]
    assert [p["name"] for p in water] == ["Water: <i>Font"]  # control characters removed
    assert water[0]["distance"] == pytest.approx(safety["water"][0]["along_m"], abs=0.5)
    (alert,) = [p for p in points if p["type"] == "alert"]
    assert alert["name"] == "Bail-out: Poble"
    assert alert["distance"] == pytest.approx(safety["bailouts"][0]["along_m"], abs=0.5)


def fit_course_points(data: bytes) -> list[dict]:
    import io

    import fitdecode

    out = []
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "course_point":
                out.append({f.name: f.value for f in frame.fields})
    return out


def test_scout_prints_local_time_of_the_region(isolated, capsys, monkeypatch):
    # The synthetic world as a catalog region with a time zone (Andorra's: CEST in July).
    files = write_region(isolated)
    data, catalog = isolated / "data", isolated / "catalog"
    (data / "valley").mkdir(parents=True)
    catalog.mkdir()
    for src, dest in ((files[1], "world.osm"), (files[3], "world.tif")):
        Path(src).rename(data / "valley" / dest)
    (catalog / "valley.toml").write_text(
        'name = "valley"\ntitle = "Valley"\nbbox = [1.45, 42.45, 1.55, 42.55]\n'
        'timezone = "Europe/Andorra"\nattribution = ["x"]\n'
        '[[osm]]\nname = "valley/world.osm"\n[[dem]]\nname = "valley/world.tif"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("ROUTEPLANNER_CATALOG_DIR", str(catalog))
    start = to_lonlat(1000.0, 0.0)
    args = ["scout", "--region", "valley", "--data-dir", str(data), "--line", "Meadow run"]
    args += ["--start", f"{float(start[1]):.7f},{float(start[0]):.7f}", "--date", "2024-07-15"]
    code, out, err = run(args, capsys)
    assert code == 0, err
    # 42.5 N 1.5 E on 15 July 2024: sunrise 04:29, sunset 19:30 UTC, two hours later in CEST.
    (line,) = [r for r in out.splitlines() if "sunrise" in r]
    assert "sunrise 06:29, sunset 21:30" in line, line
    # sunset less the trip (19:42 before issue 28: rough ground now slows the steep descent)
    assert "CEST (Europe/Andorra); start by 19:39" in line
    code, out, err = run([*args, "--json"], capsys)
    sun = json.loads(out)["plan"]["sun"]
    assert sun["sunrise"].endswith("+02:00") and sun["latest_start"].endswith("+02:00")
    # Safety sheet and trip agree; --tz still chooses another zone for both.
    code, out, err = run([*args, "--tz", "UTC", "--safety"], capsys)
    assert code == 0, err
    assert "sunrise 04:29, sunset 19:30 UTC;" in out
    assert "2024 08:00 (UTC)" in out
