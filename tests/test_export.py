"""Tests for routeplanner.output.export: GeoJSON, GPX and iCalendar output."""

from __future__ import annotations

import itertools
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import gpxpy
import icalendar
import numpy as np
import pytest
from lxml import etree

from routeplanner.errors import InputError
from routeplanner.output import export, ics
from routeplanner.pace import RunnerProfile
from routeplanner.route import Route, Step, make_route

if str(Path(__file__).resolve().parent) not in sys.path:  # synth.py lives beside this file
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import make_network, to_xy

NASTY = "<img src=x onerror=alert(1)> & \"quotes\" 'apos' ]]> é"


def ramp_elevation(x, y):
    """1000 m at the start, climbing 10 % eastwards: 100 m over the 1 km path."""
    return 1000.0 + 0.1 * x


@pytest.fixture(scope="module")
def ramp_net():
    return make_network(
        {1: (0.0, 0.0), 2: (1000.0, 0.0)},
        [([1, 2], {"highway": "path", "name": NASTY})],
        elevation=ramp_elevation,
    )


@pytest.fixture(scope="module")
def ramp_route(ramp_net) -> Route:
    length = float(ramp_net.edge_length_m[0])
    return make_route(
        ramp_net,
        [Step(0, 0.0, length)],
        RunnerProfile(360.0, model="minetti"),  # the times below are Minetti's
        name=NASTY,
        kind="out",
    )


@pytest.fixture(scope="module")
def gpx_schema(shared_data_dir: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(shared_data_dir / "schemas" / "gpx-1.1.xsd")))


def assert_valid_gpx(schema: etree.XMLSchema, text: str) -> None:
    doc = etree.fromstring(text.encode("utf-8"))
    assert schema.validate(doc), schema.error_log


def test_ramp_route_is_as_built(ramp_route):
    # Guards the known answers the export tests rely on.
    assert ramp_route.stats.distance_m == pytest.approx(1000.0, abs=1.0)
    assert ramp_route.stats.ascent_m == pytest.approx(100.0, abs=2.0)
    assert len(ramp_route.lon) > 10


# --- GeoJSON -----------------------------------------------------------------------------


def test_route_feature_geometry_and_properties(ramp_route):
    f = export.route_feature(ramp_route, properties={"start": "Somewhere", "n": np.int64(3)})
    assert f["type"] == "Feature"
    assert f["geometry"]["type"] == "LineString"
    coords = np.array(f["geometry"]["coordinates"])
    assert coords.shape == (len(ramp_route.lon), 3)
    # [lon, lat, ele] order: lon ~1.5, lat ~42.5 at the synthetic origin
    assert coords[0, 0] == pytest.approx(1.5, abs=1e-6)
    assert coords[0, 1] == pytest.approx(42.5, abs=1e-6)
    assert coords[-1, 0] > coords[0, 0]  # runs east
    x, _ = to_xy(coords[:, 0], coords[:, 1])
    np.testing.assert_allclose(coords[:, 2], ramp_elevation(x, 0.0), atol=1.5)
    # rounding: 6 decimals for lon/lat, 1 for elevation
    assert np.all(np.round(coords[:, :2], 6) == coords[:, :2])
    assert np.all(np.round(coords[:, 2], 1) == coords[:, 2])

    p = f["properties"]
    assert p["name"] == NASTY
    assert p["kind"] == "out"
    assert p["distance_m"] == pytest.approx(1000.0, abs=1.0)
    assert p["ascent_m"] == pytest.approx(100.0, abs=2.0)
    assert p["descent_m"] == pytest.approx(0.0, abs=1.0)
    assert p["duration_s"] == pytest.approx(ramp_route.stats.duration_s, abs=0.1)
    assert p["duration_s"] > 360.0  # uphill is slower than the 6:00/km flat pace
    assert p["target_duration_s"] is None
    assert p["trail_share"] == 1.0
    assert p["overlap_share"] == 0.0
    assert p["max_grade"] == pytest.approx(0.1, abs=0.03)
    assert p["hardest_sac"] == 0
    assert p["pace_model"] == "minetti"
    assert p["flat_pace"] == "6:00"
    assert p["ways"] == [NASTY]
    assert p["cues"] == [{"name": NASTY, "at_m": 0.0, "length_m": pytest.approx(1000.0, abs=1)}]
    assert p["warnings"] == []
    assert p["start"] == "Somewhere"
    assert p["n"] == 3 and type(p["n"]) is int


def test_route_feature_target_duration(ramp_net):
    r = make_route(ramp_net, [Step(0, 0.0, 500.0)], RunnerProfile(300.0), target_duration_s=2700)
    p = export.route_feature(r)["properties"]
    assert p["target_duration_s"] == 2700.0
    assert p["flat_pace"] == "5:00"
    assert p["distance_m"] == pytest.approx(500.0, abs=0.5)


def test_feature_collection_order_bbox_and_no_crs(ramp_route, ramp_net):
    back = make_route(ramp_net, [Step(0, 1000.0, 0.0)], RunnerProfile(360.0), name="back")
    climb = export.segment_feature(
        np.array([1.5, 1.501]),
        np.array([42.5, 42.5]),
        np.array([1000.0, 1008.2]),
        {"kind": "climb"},
    )
    fc = export.feature_collection([ramp_route, back], [climb])
    assert fc["type"] == "FeatureCollection"
    assert "crs" not in fc
    assert [f["properties"].get("name") for f in fc["features"]] == [NASTY, "back", None]
    assert fc["features"][2]["properties"] == {"kind": "climb"}
    assert fc["features"][1]["properties"]["descent_m"] == pytest.approx(100.0, abs=2.0)
    w, s, zmin, e, n, zmax = fc["bbox"]
    assert (w, s) == pytest.approx((1.5, 42.5), abs=1e-6)
    assert e == pytest.approx(max(ramp_route.lon.max(), 1.501), abs=1e-6)
    assert n == pytest.approx(42.5, abs=1e-6)
    assert zmin == pytest.approx(1000.0, abs=0.5)
    assert zmax == pytest.approx(1100.0, abs=1.5)


def test_feature_collection_needs_a_route():
    with pytest.raises(InputError, match="no routes"):
        export.feature_collection([])


def test_segment_feature():
    f = export.segment_feature(
        [1.123456789, 1.2], [42.0, 42.1], [1000.04, float("nan")], {"gain_m": np.float64(12.5)}
    )
    # A void in the elevations makes the whole line 2D rather than half-3D.
    assert f["geometry"]["coordinates"] == [[1.123457, 42.0], [1.2, 42.1]]
    assert f["properties"] == {"gain_m": 12.5}
    f = export.segment_feature([1.0, 1.1], [42.0, 42.1], None, {})
    assert f["geometry"]["coordinates"] == [[1.0, 42.0], [1.1, 42.1]]
    with pytest.raises(InputError, match="at least 2 points"):
        export.segment_feature([1.0], [42.0], [1.0], {})
    with pytest.raises(InputError, match="equal length"):
        export.segment_feature([1.0, 2.0], [42.0], None, {})


def test_write_geojson_round_trip(tmp_path, ramp_route):
    extra = export.segment_feature([1.5, 1.6], [42.5, 42.6], None, {"note": float("inf")})
    path = export.write_geojson(tmp_path / "r.geojson", [ramp_route], [extra])
    assert path == tmp_path / "r.geojson"
    text = path.read_text(encoding="utf-8")
    # UTF-8 rather than \u escapes; markup stays inert text inside a JSON string
    assert '"name":"<img src=x onerror=alert(1)> & \\"quotes\\" \'apos\' ]]> é"' in text
    doc = json.loads(text)  # strict JSON: an inf would have been written as Infinity
    assert doc["features"][0]["properties"]["name"] == NASTY
    assert doc["features"][0]["properties"]["ways"] == [NASTY]
    assert doc["features"][1]["properties"]["note"] is None
    assert doc == json.loads(json.dumps(export.feature_collection([ramp_route], [extra])))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.geojson"]


def test_summary_json(ramp_route):
    out = export.summary_json([ramp_route])
    assert out == {"routes": [ramp_route.summary()]}
    assert json.loads(json.dumps(out))["routes"][0]["name"] == NASTY


# --- GPX ---------------------------------------------------------------------------------


def test_gpx_validates_and_round_trips(ramp_route, gpx_schema):
    text = export.gpx_document([ramp_route], description="Test & <desc>")
    assert_valid_gpx(gpx_schema, text)
    root = etree.fromstring(text.encode("utf-8"))
    assert root.get("version") == "1.1"
    assert root.get("creator") == "routeplanner"

    gpx = gpxpy.parse(text)
    assert gpx.name == NASTY  # metadata name defaults to the first route's name
    assert gpx.description == "Test & <desc>"
    assert len(gpx.tracks) == 1
    trk = gpx.tracks[0]
    assert trk.name == NASTY
    assert trk.description == "1.0 km, 10 min, 100 m ascent, 0 m descent"
    assert trk.type == "out"
    pts = trk.segments[0].points
    assert len(pts) == len(ramp_route.lon)
    np.testing.assert_allclose([p.elevation for p in pts], ramp_route.ele, atol=0.051)
    np.testing.assert_allclose([p.latitude for p in pts], ramp_route.lat, atol=1e-7)
    np.testing.assert_allclose([p.longitude for p in pts], ramp_route.lon, atol=1e-7)
    assert all(p.time is None for p in pts)
    up, down = gpx.get_uphill_downhill()
    assert up == pytest.approx(ramp_route.stats.ascent_m, abs=3.0)
    assert down == pytest.approx(0.0, abs=1.0)


def test_gpx_several_tracks_thinning_and_times(ramp_route, ramp_net, gpx_schema):
    back = make_route(ramp_net, [Step(0, 1000.0, 0.0)], RunnerProfile(360.0), name="Back")
    start = datetime(2025, 6, 1, 7, 30, tzinfo=ZoneInfo("Europe/Andorra"))
    text = export.gpx_document(
        [ramp_route, back], name="Two\x01 ways", min_spacing_m=30.0, start=start
    )
    assert_valid_gpx(gpx_schema, text)  # the control character was dropped
    gpx = gpxpy.parse(text)
    assert gpx.name == "Two ways"
    assert gpx.description is None  # no single-route default with two routes
    assert [t.name for t in gpx.tracks] == [NASTY, "Back"]
    pts = gpx.tracks[1].segments[0].points
    gaps = np.array([a.distance_2d(b) for a, b in itertools.pairwise(pts)])
    assert np.all(gaps >= 30.0 - 0.5)
    assert len(pts) == 26  # 51 points 20 m apart -> every other one, plus the finish
    ends = [(p.longitude, p.latitude) for p in (pts[0], pts[-1])]
    assert ends == [
        pytest.approx((back.lon[0], back.lat[0]), abs=1e-7),
        pytest.approx((back.lon[-1], back.lat[-1]), abs=1e-7),
    ]
    assert pts[0].time == start
    assert pts[-1].time == start + timedelta(seconds=round(back.stats.duration_s))
    assert pts[-1].elevation == pytest.approx(1000.0, abs=1.0)


def test_gpx_rejects_bad_input(ramp_route):
    with pytest.raises(InputError, match="no routes"):
        export.gpx_document([])
    with pytest.raises(InputError, match="spacing"):
        export.gpx_document([ramp_route], min_spacing_m=-1)
    with pytest.raises(InputError, match="time zone"):
        export.gpx_document([ramp_route], start=datetime(2025, 6, 1, 7, 30))


def test_write_gpx(tmp_path, ramp_route, gpx_schema):
    path = export.write_gpx(tmp_path / "r.gpx", [ramp_route], name="Mine")
    text = path.read_text(encoding="utf-8")
    assert_valid_gpx(gpx_schema, text)
    assert gpxpy.parse(text).name == "Mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.gpx"]


# --- iCalendar ---------------------------------------------------------------------------

EVENT = {
    "title": "Run: " + NASTY + ", semi; back\\slash",
    "duration_s": 2700.4,
    "place": ics.EventPlace("Andorra la Vella, AD", lon=1.5211, lat=42.5078),
    "description": "Loop of 6.4 km\nascent 246 m; ways: Cami Ral, CG-3",
}


def only_event(text: str) -> icalendar.Event:
    cal = icalendar.Calendar.from_ical(text)
    assert str(cal["prodid"]) == "-//routeplanner//EN"
    assert str(cal["version"]) == "2.0"
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    return events[0]


def test_ics_round_trip_with_zone():
    start = datetime(2025, 6, 1, 7, 30, tzinfo=ZoneInfo("Europe/Andorra"))
    text = ics.event_ics(start=start, **EVENT)
    assert "\r\n" in text
    assert "DTSTART;TZID=Europe/Andorra:20250601T073000" in text
    assert "BEGIN:VTIMEZONE" in text  # RFC 5545 needs one per TZID used
    ev = only_event(text)
    assert ev.decoded("dtstart") == start
    assert ev.decoded("dtstart").utcoffset() == timedelta(hours=2)
    assert ev.decoded("duration") == timedelta(seconds=2700)
    assert str(ev["summary"]) == EVENT["title"]
    assert str(ev["location"]) == "Andorra la Vella, AD"
    assert str(ev["description"]) == EVENT["description"]
    assert (ev["geo"].latitude, ev["geo"].longitude) == (42.5078, 1.5211)
    assert ev.decoded("dtstamp").tzinfo is not None
    assert str(ev["uid"]).endswith("@routeplanner")


def test_ics_fixed_offset_goes_utc_and_uid_is_deterministic():
    start = datetime(2025, 6, 1, 7, 30, tzinfo=timezone(timedelta(hours=2)))
    stamp = datetime(2025, 5, 1, tzinfo=timezone.utc)
    a = ics.event_ics(start=start, stamp=stamp, **EVENT)
    ev = only_event(a)
    assert ev.decoded("dtstart") == datetime(2025, 6, 1, 5, 30, tzinfo=timezone.utc)
    assert "DTSTART:20250601T053000Z" in a
    # Same title and start instant give the same UID (and the same text with a fixed
    # stamp); another start gives another UID.
    b = ics.event_ics(start=start.astimezone(ZoneInfo("Europe/Andorra")), stamp=stamp, **EVENT)
    assert str(only_event(b)["uid"]) == str(ev["uid"])
    assert ics.event_ics(start=start, stamp=stamp, **EVENT) == a
    c = ics.event_ics(start=start + timedelta(days=1), stamp=stamp, **EVENT)
    assert str(only_event(c)["uid"]) != str(ev["uid"])
    d = ics.event_ics(start=start, stamp=stamp, uid="given-1", **EVENT)
    assert str(only_event(d)["uid"]) == "given-1"


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"start": datetime(2025, 6, 1, 7, 30)}, "time zone"),
        ({"duration_s": 0.0}, "duration"),
        ({"duration_s": float("nan")}, "duration"),
    ],
)
def test_ics_rejects_bad_values(change, match):
    kwargs = {"start": datetime(2025, 6, 1, 7, 30, tzinfo=timezone.utc), **EVENT, **change}
    with pytest.raises(InputError, match=match):
        ics.event_ics(**kwargs)


@pytest.mark.parametrize(
    ("lon", "lat", "match"),
    [(1.5, 91.0, "latitude"), (-181.0, 42.5, "longitude"), (1.5, float("nan"), "latitude")],
)
def test_event_place_rejects_bad_coordinates(lon, lat, match):
    with pytest.raises(InputError, match=match):
        ics.EventPlace("x", lon=lon, lat=lat)


def test_write_ics(tmp_path):
    start = datetime(2025, 6, 1, 7, 30, tzinfo=timezone.utc)
    path = ics.write_ics(tmp_path / "run.ics", start=start, **EVENT)
    raw = path.read_bytes()
    assert b"\r\n" in raw and b"\r\r\n" not in raw  # CRLF kept as written
    assert only_event(raw).decoded("dtstart") == start
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.ics"]


# --- failure leaves nothing behind --------------------------------------------------------


def writers(route: Route):
    start = datetime(2025, 6, 1, 7, 30, tzinfo=timezone.utc)
    return [
        lambda p: export.write_geojson(p, [route]),
        lambda p: export.write_gpx(p, [route]),
        lambda p: ics.write_ics(p, start=start, **EVENT),
    ]


@pytest.mark.parametrize("which", [0, 1, 2])
def test_write_into_missing_folder_raises(tmp_path, ramp_route, which):
    with pytest.raises(InputError, match="does not exist"):
        writers(ramp_route)[which](tmp_path / "missing" / "out.file")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("which", [0, 1, 2])
def test_unwritable_target_leaves_no_file(tmp_path, ramp_route, which):
    # A folder in the way of the target cannot be replaced, even by root.
    (tmp_path / "out.file").mkdir()
    with pytest.raises(InputError, match="folder"):
        writers(ramp_route)[which](tmp_path / "out.file")
    assert [p.name for p in tmp_path.iterdir()] == ["out.file"]
    assert list((tmp_path / "out.file").iterdir()) == []


@pytest.mark.parametrize("which", [0, 1, 2])
def test_failed_rename_cleans_up_temp_file(tmp_path, ramp_route, which, monkeypatch):
    # Past the early check, a failure while writing must still leave no temp file.
    import routeplanner._io as io

    def boom(src, dst):
        raise PermissionError(f"cannot replace {dst}")

    monkeypatch.setattr(io.os, "replace", boom)
    with pytest.raises(PermissionError):
        writers(ramp_route)[which](tmp_path / "out.file")
    assert list(tmp_path.iterdir()) == []


def test_invalid_document_writes_nothing(tmp_path):
    with pytest.raises(InputError, match="no routes"):
        export.write_geojson(tmp_path / "x.geojson", [])
    with pytest.raises(InputError, match="no routes"):
        export.write_gpx(tmp_path / "x.gpx", [])
    assert list(tmp_path.iterdir()) == []


# --- Andorra end to end --------------------------------------------------------------------


@pytest.mark.slow
def test_andorra_loop_exports(andorra_network, gpx_schema, tmp_path):
    from routeplanner.search.loops import LoopRequest, find_loops

    route = find_loops(
        andorra_network, (1.5339, 42.5447), RunnerProfile(360.0), LoopRequest(45 * 60)
    )[0]
    gpx_path = export.write_gpx(tmp_path / "loop.gpx", [route])
    text = gpx_path.read_text(encoding="utf-8")
    assert_valid_gpx(gpx_schema, text)
    gpx = gpxpy.parse(text)
    assert len(gpx.tracks[0].segments[0].points) == len(route.lon)
    up, _ = gpx.get_uphill_downhill()
    # gpxpy smooths elevations, so it may see somewhat less climb than the raw sum
    assert 0.5 * route.stats.ascent_m <= up <= 1.05 * route.stats.ascent_m

    doc = json.loads(export.write_geojson(tmp_path / "loop.geojson", [route]).read_text())
    first = doc["features"][0]
    assert first["geometry"]["type"] == "LineString"
    coords = first["geometry"]["coordinates"]
    assert coords[0] == coords[-1]
    assert first["properties"]["duration_s"] == pytest.approx(2700, rel=0.06)
    assert first["properties"]["kind"] == "loop"
    w, s, _, e, n, _ = doc["bbox"]
    assert 1.40 < w < e < 1.80 and 42.40 < s < n < 42.70


# -- timed GPX with waypoints, routes, one file per route ---------------------------


def test_timed_gpx_has_times_and_waypoints_with_sym_and_type(ramp_route, gpx_schema):
    from routeplanner.output.points import point_at

    start = datetime(2026, 6, 1, 8, 0, tzinfo=ZoneInfo("Europe/Andorra"))
    water = point_at(ramp_route, 500.0, name="Font <d'en> Ratera", kind="water")
    from routeplanner.output.points import profile_points

    points = [*profile_points(ramp_route), water]
    text = export.gpx_document([ramp_route], start=start, points=points)
    assert_valid_gpx(gpx_schema, text)
    gpx = gpxpy.parse(text)
    pts = gpx.tracks[0].segments[0].points
    assert pts[0].time == datetime(2026, 6, 1, 6, 0, tzinfo=timezone.utc)  # 08:00 CEST
    elapsed = (pts[-1].time - pts[0].time).total_seconds()
    assert elapsed == round(ramp_route.stats.duration_s)
    # The 100 m ramp is a climb (from its foot), then the water point half-way.
    assert [(w.type, w.symbol) for w in gpx.waypoints] == [
        ("climb", "Summit"),
        ("water", "Drinking Water"),
    ]
    assert gpx.waypoints[1].name == "Font <d'en> Ratera"
    half = float(np.interp(500.0, ramp_route.dist_m, ramp_route.time_s))
    assert (gpx.waypoints[1].time - pts[0].time).total_seconds() == round(half)


def test_gpx_route_writes_rte_instead_of_trk(ramp_route, gpx_schema):
    start = datetime(2026, 6, 1, 8, 0, tzinfo=timezone.utc)
    text = export.gpx_document([ramp_route], start=start, as_route=True)
    assert_valid_gpx(gpx_schema, text)
    gpx = gpxpy.parse(text)
    assert gpx.tracks == []
    assert len(gpx.routes) == 1
    assert len(gpx.routes[0].points) == len(ramp_route.lat)
    assert gpx.routes[0].points[0].time == start
    assert gpx.routes[0].points[-1].elevation == pytest.approx(ramp_route.ele[-1], abs=0.05)


def test_numbered_paths_for_alternatives(tmp_path):
    names = [p.name for p in export.numbered_paths(tmp_path / "loop.gpx", 3)]
    assert names == ["loop.gpx", "loop-2.gpx", "loop-3.gpx"]
    assert [p.name for p in export.numbered_paths(tmp_path / "my.run.fit", 2)] == [
        "my.run.fit",
        "my.run-2.fit",
    ]
    assert [p.name for p in export.numbered_paths(tmp_path / "plain", 2)] == ["plain", "plain-2"]


class _Line:
    """A stand-in ski line: id, name and a descending profile (bottom first)."""

    def __init__(self) -> None:
        self.id = "osm:42"
        self.name = NASTY
        self.lon = np.array([1.50, 1.501, 1.502])
        self.lat = np.array([42.50, 42.501, 42.502])
        self.ele = np.array([1800.0, 1900.0, 2050.0])


def test_lines_gpx_has_a_track_per_line_and_top_bottom_waypoints(gpx_schema):
    text = export.lines_gpx_document([_Line(), _Line()], name="Lines")
    assert_valid_gpx(gpx_schema, text)
    gpx = gpxpy.parse(text)
    assert len(gpx.tracks) == 2
    assert len(gpx.tracks[0].segments[0].points) == 3
    top, bottom = gpx.waypoints[:2]
    assert (top.type, top.elevation, top.longitude) == ("line-top", 2050.0, 1.502)
    assert (bottom.type, bottom.elevation, bottom.longitude) == ("line-bottom", 1800.0, 1.5)
    assert top.name == f"{NASTY} (top)"
    with pytest.raises(InputError):
        export.lines_gpx_document([], name="none")


def test_line_end_features_are_points_at_top_and_bottom():
    feats = export.line_end_features([_Line()])
    assert [f["properties"]["end"] for f in feats] == ["top", "bottom"]
    assert feats[0]["geometry"] == {"type": "Point", "coordinates": [1.502, 42.502, 2050.0]}
    assert feats[1]["properties"]["ele_m"] == 1800.0


@pytest.mark.parametrize(
    ("zone", "local", "utc"),
    [
        ("Europe/Andorra", datetime(2045, 7, 1, 8, 0), datetime(2045, 7, 1, 6, 0)),
        ("Europe/Andorra", datetime(2045, 12, 1, 8, 0), datetime(2045, 12, 1, 7, 0)),
        ("Australia/Sydney", datetime(2045, 1, 10, 8, 0), datetime(2045, 1, 9, 21, 0)),
        ("America/New_York", datetime(2045, 7, 4, 8, 0), datetime(2045, 7, 4, 12, 0)),
        ("Asia/Tokyo", datetime(2045, 7, 1, 8, 0), datetime(2045, 6, 30, 23, 0)),
    ],
)
def test_vtimezone_rules_hold_past_2038(zone, local, utc):
    """The calendar's own VTIMEZONE (what calendar apps use) gives the right instant in 2045."""
    from zoneinfo import ZoneInfo

    text = ics.event_ics(
        title="Late run",
        start=local.replace(tzinfo=ZoneInfo(zone)),
        duration_s=3600,
        place=ics.EventPlace("x", 1.5, 42.5),
        description="",
    )
    assert "2038" not in text and "only works" not in text
    cal = icalendar.Calendar.from_ical(text)
    (vtz,) = cal.walk("VTIMEZONE")
    tz = vtz.to_tz()
    ev = cal.walk("VEVENT")[0]
    assert ev["dtstart"].params["TZID"] == zone
    start = ev["dtstart"].dt.replace(tzinfo=tz)
    assert start.astimezone(timezone.utc).replace(tzinfo=None) == utc
    if zone != "Asia/Tokyo":
        assert text.count("RRULE:FREQ=YEARLY") == 2
