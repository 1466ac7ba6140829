"""Tests for routeplanner.catalog: trailheads on hand-written OSM files, and the catalogue
on Dask (one worker, two workers, a separately started scheduler and worker) giving the
same bytes, resuming after an interruption."""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import pytest

from routeplanner.catalog.tasks import CatalogRequest
from routeplanner.catalog.trailheads import (
    Trailhead,
    keep_near_trails,
    merge_close,
    read_trailhead_file,
    trailheads_from_osm,
)
from routeplanner.errors import InputError
from routeplanner.output.catalog_site import site_files

GRID = 7
SPACING_M = 400.0


def grid_region(folder: Path, *, shift_deg: float = 0.0) -> tuple[Path, Path]:
    """A 7 x 7 trail grid 400 m apart on a gentle slope, with trailheads as tagged nodes.

    Trailheads: a car park at the centre, a bus stop 100 m from it (merged into it), a hut
    at a corner, a car park 2 km from any way (dropped), and an unnamed car park drawn as a
    way with the village "Vila" 200 m from it (merged into it, and naming it).
    ``shift_deg`` moves the whole region (OSM and DEM) east by that many degrees. The
    hut has a drinking-water spring beside it and a name that is markup.
    """
    from affine import Affine
    from synth import make_dem, to_lonlat, write_geotiff

    half = (GRID - 1) / 2
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']

    def node(nid: int, x: float, y: float, tags: dict[str, str] | None = None) -> None:
        lon, lat = to_lonlat(x, y)
        lon = lon + shift_deg
        tag = "".join(f'<tag k="{k}" v={quoteattr(v)}/>' for k, v in (tags or {}).items())
        lines.append(
            f'<node id="{nid}" version="1" lat="{float(lat):.8f}" lon="{float(lon):.8f}">'
            f"{tag}</node>"
        )

    def nid(i: int, j: int) -> int:
        return i * GRID + j + 1

    for i in range(GRID):
        for j in range(GRID):
            node(nid(i, j), (i - half) * SPACING_M, (j - half) * SPACING_M)
    node(900, 10.0, 10.0, {"amenity": "parking", "name": "Centre car park"})
    node(901, 100.0, 10.0, {"highway": "bus_stop", "name": "Centre <stop>"})
    node(902, -half * SPACING_M, -half * SPACING_M + 20, {"tourism": "alpine_hut", "name": "Hut"})
    node(904, -half * SPACING_M + 30, 0.0, {"amenity": "drinking_water", "name": "<i>Font</i>"})
    node(903, 4000.0, 4000.0, {"amenity": "parking", "name": "Far away"})
    node(905, 1200.0, 1400.0, {"place": "village", "name": "Vila"})
    for k, (x, y) in enumerate([(1190, 1190), (1210, 1190), (1210, 1210), (1190, 1210)]):
        node(910 + k, x, y)
    way = 1
    for i in range(GRID):
        refs = "".join(f'<nd ref="{nid(i, j)}"/>' for j in range(GRID))
        lines.append(f'<way id="{way}" version="1">{refs}<tag k="highway" v="path"/></way>')
        way += 1
    for j in range(GRID):
        refs = "".join(f'<nd ref="{nid(i, j)}"/>' for i in range(GRID))
        lines.append(f'<way id="{way}" version="1">{refs}<tag k="highway" v="path"/></way>')
        way += 1
    refs = "".join(f'<nd ref="{n}"/>' for n in (910, 911, 912, 913, 910))
    lines.append(f'<way id="99" version="1">{refs}<tag k="amenity" v="parking"/></way>')
    lines.append("</osm>")
    osm = folder / "grid.osm"
    osm.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dem = make_dem(lambda x, y: 1500.0 + 0.18 * x, extent_m=2500.0, cell_m=20.0)
    moved = Affine.translation(shift_deg, 0.0) * dem.transform
    tif = write_geotiff(folder / "grid.tif", dem.elevation, moved)
    return osm, tif


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> tuple[Path, Path]:
    return grid_region(tmp_path_factory.mktemp("grid"))


def test_trailheads_from_osm_read_merge_and_keep(region):
    from routeplanner.network.build import load_network

    osm, tif = region
    points = trailheads_from_osm(osm)
    assert [(p.id, p.kind) for p in points] == [
        ("n900", "parking"),
        ("n901", "station"),
        ("n902", "hut"),
        ("n903", "parking"),
        ("n905", "village"),
        ("w99", "parking"),
    ]
    merged = merge_close(points)
    # the bus stop outranks the car park 90 m away; the way's centroid is a point of its own
    assert [p.id for p in merged] == ["n901", "n902", "n903", "w99"]
    net = load_network(osm, [tif])
    kept = keep_near_trails(merged, net)
    assert [p.id for p in kept] == ["n901", "n902", "w99"]  # the far car park has no trail
    # The unnamed car park is named for people by its kind and the nearest place.
    from routeplanner.catalog.runner import RegionSource, TrailheadSource, select_trailheads

    named = select_trailheads(net, RegionSource("grid", str(osm), (str(tif),)), TrailheadSource())
    assert [(p.id, p.name) for p in named] == [
        ("n901", "Centre <stop>"),
        ("n902", "Hut"),
        ("w99", "Parking, Vila"),
    ]
    inside = trailheads_from_osm(osm, bbox=(1.48, 42.48, 1.49, 42.495))
    assert {p.id for p in inside} == {"n902"}


def test_trailhead_file(tmp_path):
    good = tmp_path / "t.geojson"
    good.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [1.5, 42.5]},
                        "properties": {"name": "Gate", "id": "g1"},
                    }
                ],
            }
        )
    )
    assert read_trailhead_file(good) == [Trailhead("g1", "Gate", "point", 1.5, 42.5)]
    bad = tmp_path / "b.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [{"geometry": null}]}')
    with pytest.raises(InputError, match="feature 0 is not a Point"):
        read_trailhead_file(bad)
    with pytest.raises(InputError, match="not found"):
        read_trailhead_file(tmp_path / "missing.geojson")
    bad.write_text('{"features": [{"geometry": {"coordinates": [1%s]}}]}' % ("0" * 5000))
    with pytest.raises(InputError, match="is not GeoJSON"):  # int()'s digit limit
        read_trailhead_file(bad)


def _catalog(region, results: Path, **kw) -> dict[str, str]:
    from routeplanner.catalog.runner import ClusterOptions, RegionSource, run_catalog

    osm, tif = region
    # Minetti: the loops past the spring below were found under it.
    req = CatalogRequest(durations_s=(1800.0, 2700.0), kinds=("easy", "hilly"), model="minetti")
    regions = [RegionSource("grid", str(osm), (str(tif),))]
    run = run_catalog(regions, req, results, cluster=ClusterOptions(**kw))
    assert run.tasks == len(list(Path(results).glob("*.json")))
    assert len(run.worker_peak_mb) == run.workers
    routes = [r for res in run.results for r in res["routes"]]
    return site_files("Grid <club>", run.trailheads["grid"], routes)


@pytest.mark.slow
def test_catalog_identical_on_one_and_two_workers_and_resumes(region, tmp_path):
    one = _catalog(region, tmp_path / "r1", workers=1, batch_size=1)
    two = _catalog(region, tmp_path / "r2", workers=2, batch_size=1)
    assert one == two
    data = json.loads(one["catalog.geojson"])
    feats = data["features"]
    assert len(feats) == 3 * 2 * 2  # trailheads x kinds x durations
    for f in feats:
        p = f["properties"]
        assert set(p) >= {"trailhead", "kind", "target_duration_s", "duration_s", "gpx"}
        assert p["meets_brief"] == (abs(p["duration_s"] / p["target_duration_s"] - 1) <= 0.05)
        assert p["gpx"] in one
    assert "Grid &lt;club&gt;" in one["index.html"] and "<club>" not in one["index.html"]
    # resume: a finished task is not recomputed (its file is used as it is)
    files = sorted((tmp_path / "r1").glob("*.json"))
    assert len(files) == 3
    stamp = files[0].stat().st_mtime_ns
    files[1].unlink()
    again = _catalog(region, tmp_path / "r1", workers=1, batch_size=1)
    assert again == one
    assert files[0].stat().st_mtime_ns == stamp
    assert (tmp_path / "r1" / files[1].name).is_file()


def _route_links(page: str) -> list[str]:
    return [h for h in re.findall(r"href='([^']+)'", page) if not h.startswith("http")]


def test_route_pages_carry_safety_sheet_and_fit_course(region, tmp_path):
    site = _catalog(region, tmp_path / "r", workers=1, batch_size=4)
    pages = sorted(k for k in site if k.startswith("routes/") and k.endswith(".html"))
    assert len(pages) == 3 * 2 * 2
    spring = 0
    for name in pages:
        page = site[name]
        assert "<h2>Safety sheet</h2>" in page
        # the fixed reference start, in the region's zone (UTC: no zone known offline)
        assert "reference start on 2025-07-05 08:00" in page
        assert "Emergency: 112" in page and "Partner message:" in page
        assert "<i>" not in page
        spring += "&lt;i&gt;Font&lt;/i&gt;" in page
        for href in _route_links(page):
            assert posixpath.normpath(posixpath.join("routes", href)) in site, (name, href)
        fit = site[name.replace(".html", ".fit")]
        assert isinstance(fit, bytes) and fit[8:12] == b".FIT"
        assert f"{Path(name).stem}.fit'>FIT course" in page
    # the loops from the hut corner pass the spring 30 m from the trail
    assert spring > 0
    feats = json.loads(site["catalog.geojson"])["features"]
    assert all(f["properties"]["fit"] in site for f in feats)
    names = {f["properties"]["trailhead"]: f["properties"]["trailhead_name"] for f in feats}
    assert names == {"n901": "Centre <stop>", "n902": "Hut", "w99": "Parking, Vila"}
    assert not any("parking w99" in page for page in site.values() if isinstance(page, str))


def test_fit_course_is_a_course_of_the_route(region, tmp_path):
    import garmin_fit_sdk

    site = _catalog(region, tmp_path / "r", workers=1, batch_size=4)
    name = "routes/n902-easy-30.fit"
    decoder = garmin_fit_sdk.Decoder(garmin_fit_sdk.Stream.from_byte_array(site[name]))
    messages, errors = decoder.read()
    assert not errors
    assert messages["file_id_mesgs"][0]["type"] == "course"
    records = messages["record_mesgs"]
    feat = next(
        f
        for f in json.loads(site["catalog.geojson"])["features"]
        if f["properties"]["id"] == "n902-easy-30"
    )
    assert records[-1]["distance"] == pytest.approx(feat["properties"]["distance_m"], rel=0.01)
    first = records[0]["timestamp"]
    assert (first.year, first.month, first.day, first.hour) == (2025, 7, 5, 8)


def test_two_regions_in_one_run(region, tmp_path_factory, tmp_path):
    from routeplanner.catalog.runner import ClusterOptions, RegionSource, run_catalog

    east = grid_region(tmp_path_factory.mktemp("east"), shift_deg=0.05)
    req = CatalogRequest(durations_s=(1800.0,), kinds=("easy",))
    regions = [
        RegionSource("grid", str(region[0]), (str(region[1]),)),
        RegionSource("grid-east", str(east[0]), (str(east[1]),), timezone="Europe/Andorra"),
    ]
    cluster = ClusterOptions(workers=2, batch_size=4)
    run = run_catalog(regions, req, tmp_path / "r", cluster=cluster)
    # The same OSM ids in both extracts: each region's carry its name, so no route
    # id (nor its page, GPX or FIT file) is shared.
    assert {k: [t.id for t in v] for k, v in run.trailheads.items()} == {
        "grid": ["grid-n901", "grid-n902", "grid-w99"],
        "grid-east": ["grid-east-n901", "grid-east-n902", "grid-east-w99"],
    }
    west_lon = [t.lon for t in run.trailheads["grid"]]
    east_lon = [t.lon for t in run.trailheads["grid-east"]]
    assert np.allclose(np.subtract(east_lon, west_lon), 0.05)
    assert run.tasks == 2  # one batch per region
    by_region = [res["routes"] for res in run.results]
    assert [len(r) for r in by_region] == [3, 3]
    ids = [r["id"] for routes in by_region for r in routes]
    assert len(set(ids)) == 6 and "grid-east-n901-easy-30" in ids
    for routes, lons in zip(by_region, (west_lon, east_lon), strict=True):
        for r, lon in zip(routes, lons, strict=True):
            assert abs(r["lon"][0] - lon) < 0.01  # each route starts in its own region
    # each region's sheets are in its own zone: the east copy starts 08:00 CEST
    assert by_region[0][0]["safety"]["start"] == "2025-07-05T08:00+00:00"
    assert by_region[1][0]["safety"]["start"] == "2025-07-05T08:00+02:00"


def _start(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    with log.open("w") as out:  # the child keeps its own handle
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)


@pytest.mark.slow
def test_catalog_on_a_separately_started_scheduler(region, tmp_path):
    dask = Path(sys.executable).with_name("dask")
    if not dask.exists():
        dask = Path(shutil.which("dask") or "dask")
    info = tmp_path / "scheduler.json"
    procs = [
        _start(
            [
                str(dask),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(info),
            ],
            tmp_path / "scheduler.log",
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not info.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
        worker = [str(dask), "worker", address, "--nthreads", "1", "--no-dashboard"]
        procs.append(_start([*worker, "--host", "127.0.0.1"], tmp_path / "worker.log", env))
        remote = _catalog(region, tmp_path / "rs", scheduler=address, batch_size=2)
        local = _catalog(region, tmp_path / "rl", workers=1, batch_size=2)
        assert remote == local
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


def test_site_escapes_names_and_links_resolve():
    th = Trailhead("n1", "</script><b>x</b>", "parking", 1.5, 42.5)
    rec = {
        "id": "n1-easy-30",
        "trailhead": "n1",
        "trailhead_name": th.name,
        "kind": "easy",
        "target_duration_s": 1800.0,
        "duration_s": 1700.0,
        "distance_m": 4000.0,
        "ascent_m": 50.0,
        "trail_share": 0.9,
        "meets_brief": False,
        "misses": ["time 28 min for 30 min (-6%)"],
        "lon": [1.5, 1.51, 1.5],
        "lat": [42.5, 42.51, 42.5],
        "ele": [1000.0, 1050.0, 1000.0],
        "dist_m": [0.0, 1400.0, 2800.0],
        "gpx": "routes/n1-easy-30.gpx",
        "gpx_text": "<gpx/>",
    }
    files = site_files("Club", [th], [rec])
    page = files["routes/n1-easy-30.html"]
    for text in (files["index.html"], page):
        assert "<b>x</b>" not in text and "</script><b>" not in text
    assert "MISSED: time 28 min" in page
    assert "routes/n1-easy-30.html" in files["index.html"]
    assert np.isclose(
        json.loads(files["catalog.geojson"])["features"][0]["geometry"]["coordinates"][1][2], 1050.0
    )


def test_clip_keeps_the_edges_inside(region):
    from synth import to_lonlat

    from routeplanner.network.build import load_network
    from routeplanner.network.clip import clip

    net = load_network(region[0], [region[1]])
    assert net.n_edges == 2 * GRID * (GRID - 1)
    west, south = to_lonlat(-1300.0, -1300.0)
    east, north = to_lonlat(1.0, 1300.0)
    half = clip(net, (float(west), float(south), float(east), float(north)))
    # columns x = -1200 ... 0: 4 x 7 nodes; 4 x 6 vertical and 3 x 7 horizontal edges
    assert (half.n_nodes, half.n_edges) == (28, 45)
    assert half.prof_offsets[-1] == len(half.prof_lon)
    assert np.all(half.node_lon <= east)
    kept = np.isin(net.node_lon, half.node_lon)
    assert half.edge_length_m.sum() == pytest.approx(45 * SPACING_M, rel=1e-3)
    assert kept.sum() == 28


@pytest.mark.slow
def test_tiles_that_cover_the_region_give_the_same_catalogue(region, tmp_path):
    whole = _catalog(region, tmp_path / "w", workers=2, batch_size=2)
    tiled = _catalog(region, tmp_path / "t", workers=2, batch_size=2, tile_m=1000.0)
    # a 45-minute loop reaches 4.5 km: every tile's cut is the whole 2.4 km grid
    assert tiled == whole


def test_merge_calendars_keeps_every_event_and_each_zone_once():
    import datetime as dt
    from zoneinfo import ZoneInfo

    import icalendar

    from routeplanner.catalog.events import merge_calendars
    from routeplanner.output.ics import EventPlace, event_ics

    zone = ZoneInfo("Europe/Andorra")
    texts = [
        event_ics(
            title=f"Run {k}",
            start=dt.datetime(2027, 6, 12 + k, 8, 0, tzinfo=zone),
            duration_s=4500.0,
            place=EventPlace("La Massana", 1.5148, 42.545),
            description="",
            stamp=dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc),
        )
        for k in range(3)
    ]
    cal = icalendar.Calendar.from_ical(merge_calendars(texts, name="Club"))
    events = cal.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Run 0", "Run 1", "Run 2"]
    assert len(cal.walk("VTIMEZONE")) <= 1
    assert events[1].decoded("dtstart").astimezone(dt.timezone.utc) == dt.datetime(
        2027, 6, 13, 6, 0, tzinfo=dt.timezone.utc
    )


#: The sample event, set in a region the catalogue does not build.
EVENT_ELSEWHERE = (
    (Path(__file__).parents[1] / "routeplanner" / "data" / "events" / "saturday.toml")
    .read_text(encoding="utf-8")
    .replace('region = "andorra"', 'region = "atlantis"')
)


@pytest.mark.parametrize(
    ("args", "files", "match"),
    [
        (["--scheduler", "notaurl"], {}, "invalid --scheduler 'notaurl': missing port"),
        (["--scheduler", "tcp://h:99999"], {}, "port 99999 is not 1 to 65535"),
        (["--from", "nowhere.geojson"], {}, "trailhead file not found: nowhere.geojson"),
        (["--from", "t.geojson"], {"t.geojson": '{"features": [1]}'}, "feature 0 is not a Point"),
        (["--from", "t.geojson"], {"t.geojson": ""}, "t.geojson is not GeoJSON"),
        (["--events", "ev"], {"ev/e.toml": "title = ["}, "TOML syntax error"),
        (["--events", "ev"], {"ev/e.toml": EVENT_ELSEWHERE}, "event region 'atlantis' is not"),
    ],
)
def test_catalog_bad_input_fails_before_any_work(
    shared_data_dir, tmp_path, monkeypatch, capsys, args, files, match
):
    from routeplanner.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(tmp_path / "cache"))
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    argv = ["catalog", "--region", "andorra", "--data-dir", str(shared_data_dir)]
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--out-dir", "site", *args])
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1 and match in err, err
    assert "Traceback" not in err and not (tmp_path / "site").exists()


def test_damaged_task_results_are_recomputed_with_one_warning_each(region, tmp_path, caplog):
    """Garbage, ``{}`` and durations x 10 under the old digest: recomputed, same catalogue."""
    import logging

    first = _catalog(region, tmp_path / "r", workers=1, batch_size=1)
    files = sorted((tmp_path / "r").glob("*.json"))
    assert len(files) == 3
    files[0].write_bytes(b"\x8b\xff\x00 not a result")
    files[1].write_text("{}")
    doc = json.loads(files[2].read_text())
    for rec in doc["result"]["routes"]:
        rec["duration_s"] *= 10
    files[2].write_text(json.dumps(doc))
    with caplog.at_level(logging.WARNING, logger="routeplanner.catalog"):
        again = _catalog(region, tmp_path / "r", workers=1, batch_size=1)
    assert again == first
    warned = [r.getMessage() for r in caplog.records if "recomputing" in r.getMessage()]
    assert len(warned) == 3, warned
    assert "not JSON" in warned[0] and "not a result" in warned[1] and "digest" in warned[2]


def test_a_task_result_is_checked_against_its_schema(tmp_path):
    from routeplanner.catalog.results import check_result, read_result, write_result

    path = tmp_path / "t.json"
    rec = {
        "id": "a-easy-30",
        "trailhead": "a",
        "kind": "easy",
        "gpx": "routes/a.gpx",
        "gpx_text": "<gpx/>",
        "target_duration_s": 1800.0,
        "duration_s": 1790.0,
        "distance_m": 5000.0,
        "ascent_m": 100.0,
        "trail_share": 1.0,
        "lon": [1.5, 1.6],
        "lat": [42.5, 42.6],
        "ele": [1000.0, 1010.0],
        "dist_m": [0.0, 100.0],
        "meets_brief": True,
        "misses": [],
    }
    write_result(path, "t", {"routes": [rec], "failures": []})
    assert read_result(path, "t") == ({"routes": [rec], "failures": []}, None)
    assert read_result(path, "other")[1] == "the result of another task"
    assert read_result(tmp_path / "missing.json", "t") == (None, None)
    assert check_result({"routes": [{**rec, "duration_s": -1.0}], "failures": []})
    assert check_result({"routes": [{**rec, "lat": [42.5]}], "failures": []})
    assert check_result({"routes": [], "failures": [{}]})


def test_catalogue_event_with_a_place_name_meeting_point(region, tmp_path):
    import icalendar
    from synth import to_lonlat

    from routeplanner.catalog.events import events_site_files
    from routeplanner.network.build import load_network

    osm, tif = region
    net = load_network(osm, [tif])
    event = tmp_path / "vila.toml"
    event.write_text(
        'title = "Run from Vila"\ndate = 2027-06-12\nstart = "08:00"\n'
        'timezone = "Europe/Andorra"\nduration = "20min"\nmeeting_point = "vila"\n'
        '[[group]]\nname = "A"\npace = "6:00"\n',  # no max_difficulty: T2
        encoding="utf-8",
    )
    files, listed = events_site_files(
        [event], lambda _r: net, title="Club", osm_for=lambda _r: str(osm)
    )
    assert [e["folder"] for e in listed] == ["events/vila"]
    # The place "Vila" is at (1200, 1400) m: the calendar event is located there.
    cal = icalendar.Calendar.from_ical(files["events.ics"])
    (ev,) = cal.walk("VEVENT")
    assert str(ev["location"]) == "Vila"
    lon, lat = to_lonlat(1200.0, 1400.0)
    assert (ev["geo"].longitude, ev["geo"].latitude) == pytest.approx((lon, lat), abs=1e-6)
    with pytest.raises(InputError, match="meeting point 'vila' needs a region"):
        events_site_files([event], lambda _r: net, title="Club")


def _cli_region(tmp_path: Path, region) -> tuple[list[str], dict[str, str]]:
    """The grid as a catalogue region of its own, and the environment that finds it."""
    osm, tif = region
    data = tmp_path / "data"
    (data / "grid").mkdir(parents=True)
    shutil.copy(osm, data / "grid" / "grid.osm")
    shutil.copy(tif, data / "grid" / "grid.tif")
    catalog = tmp_path / "regions"
    catalog.mkdir()
    (catalog / "grid.toml").write_text(
        'name = "grid"\ntitle = "Grid"\nbbox = [1.47, 42.47, 1.53, 42.53]\nattribution = ["x"]\n'
        '[[osm]]\nname = "grid/grid.osm"\n[[dem]]\nname = "grid/grid.tif"\n'
    )
    env = {
        **os.environ,
        "ROUTEPLANNER_CATALOG_DIR": str(catalog),
        "ROUTEPLANNER_CACHE_DIR": str(tmp_path / "cache"),
    }
    argv = [sys.executable, "-m", "routeplanner", "catalog", "--region", "grid"]
    argv += ["--data-dir", str(data), "--tile", "1km", "--kinds", "easy,hilly,descent"]
    argv += ["--durations", "30,40,50,60,70,80,90,100", "--workers", "2"]
    return argv, env


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), [(2, 130), (15, 143)])
def test_an_interrupted_catalogue_ends_in_seconds_keeps_finished_tasks_and_resumes(
    region, tmp_path, signum, code
):
    import psutil

    argv, env = _cli_region(tmp_path, region)
    results = tmp_path / "cache" / "catalog"
    out = tmp_path / "site"
    with subprocess.Popen(
        [*argv, "--out-dir", str(out)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as child:
        deadline = time.monotonic() + 240
        while not list(results.glob("*.json")) and time.monotonic() < deadline:
            assert child.poll() is None, child.communicate()[1]
            time.sleep(0.1)
        kids = psutil.Process(child.pid).children(recursive=True)
        finished = {p.name: p.stat().st_mtime_ns for p in results.glob("*.json")}
        assert kids and finished and child.poll() is None  # the cluster is at work
        child.send_signal(signum)
        _out, err = child.communicate(timeout=60)  # bounded: not the remaining work
    assert child.returncode == code, err
    lines = err.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: interrupted"), lines
    _gone, alive = psutil.wait_procs(kids, timeout=15)
    assert not alive, alive  # no worker, nanny or tracker left behind
    assert not out.exists()
    for name, stamp in finished.items():  # finished tasks are kept, untouched
        assert (results / name).stat().st_mtime_ns == stamp
    done = subprocess.run(
        [*argv, "--out-dir", str(out), "--json"], env=env, capture_output=True, timeout=600
    )
    assert done.returncode in (0, 3), done.stderr
    assert json.loads(done.stdout)["routes"]
    for name, stamp in finished.items():  # resumed: not computed again
        assert (results / name).stat().st_mtime_ns == stamp
    if signum == 15:  # the same catalogue as a run never interrupted
        fresh = {**env, "ROUTEPLANNER_CACHE_DIR": str(tmp_path / "cache2")}
        whole = subprocess.run(
            [*argv, "--out-dir", str(tmp_path / "whole")], env=fresh, capture_output=True
        )
        assert whole.returncode in (0, 3), whole.stderr
        for name in ("catalog.geojson", "index.html"):
            assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()


def _scheduler(tmp_path: Path) -> tuple[str, list[subprocess.Popen], list[str]]:
    """A ``dask scheduler`` on 127.0.0.1, and the command that starts a worker for it."""
    dask = Path(sys.executable).with_name("dask")
    info = tmp_path / "scheduler.json"
    cmd = [str(dask), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
    procs = [_start([*cmd, "--scheduler-file", str(info)], tmp_path / "scheduler.log")]
    deadline = time.monotonic() + 60
    while not info.is_file() and time.monotonic() < deadline:
        time.sleep(0.2)
    address = json.loads(info.read_text())["address"]
    worker = [str(dask), "worker", address, "--nthreads", "1", "--no-dashboard", "--no-nanny"]
    return address, procs, [*worker, "--host", "127.0.0.1"]


def _kill_after_first_result(results: Path, victim: subprocess.Popen, then=None) -> None:
    import threading

    def run() -> None:
        deadline = time.monotonic() + 300
        while not list(results.glob("*.json")) and time.monotonic() < deadline:
            time.sleep(0.05)
        victim.kill()
        if then is not None:
            time.sleep(3.0)  # the replacement joins a little later
            then()

    threading.Thread(target=run, daemon=True).start()


@pytest.mark.slow
@pytest.mark.parametrize("replacement", [True, False])
def test_a_lost_worker_is_replaced_or_the_run_fails_in_bounded_time(
    region, tmp_path, monkeypatch, replacement
):
    from routeplanner.catalog.runner import CatalogError

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    address, procs, worker = _scheduler(tmp_path)
    try:
        procs.append(_start(worker, tmp_path / "w1.log", env))

        def join() -> None:
            procs.append(_start(worker, tmp_path / "w2.log", env))

        results = tmp_path / "rs"
        _kill_after_first_result(results, procs[1], join if replacement else None)
        # The replacement takes seconds to start on a busy machine: wait long enough.
        monkeypatch.setenv("ROUTEPLANNER_CATALOG_NO_WORKER_S", "90" if replacement else "5")
        if replacement:
            remote = _catalog(region, results, scheduler=address, batch_size=1)
            assert remote == _catalog(region, tmp_path / "rl", workers=1, batch_size=1)
        else:
            with pytest.raises(CatalogError, match="no worker for 5 s"):
                _catalog(region, results, scheduler=address, batch_size=1)
            assert list(results.glob("*.json"))  # finished tasks are kept
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:  # never leave a worker behind
                p.kill()
                p.wait(timeout=30)


def _with_forest(folder: Path) -> tuple[Path, Path]:
    """The grid region with a wood over its western half (for the sheets' treeline)."""
    from synth import to_lonlat

    osm, tif = grid_region(folder)
    corners = [(-1300.0, -1300.0), (0.0, -1300.0), (0.0, 1300.0), (-1300.0, 1300.0)]
    nodes = []
    for k, (x, y) in enumerate(corners):
        lon, lat = to_lonlat(x, y)
        nodes.append(
            f'<node id="{950 + k}" version="1" lat="{float(lat):.8f}" lon="{float(lon):.8f}"/>'
        )
    refs = "".join(f'<nd ref="{n}"/>' for n in (950, 951, 952, 953, 950))
    wood = f'<way id="198" version="1">{refs}<tag k="landuse" v="forest"/></way>'
    text = osm.read_text(encoding="utf-8")
    at = text.index("<way ")
    osm.write_text(
        text[:at] + "\n".join(nodes) + "\n" + text[at:].replace("</osm>", wood + "\n</osm>")
    )
    return osm, tif


def test_safety_sheets_are_the_same_with_the_forest_tested_once_or_read_from_the_cache(
    tmp_path, monkeypatch
):
    from routeplanner.catalog import tasks
    from routeplanner.catalog.runner import RegionSource, TrailheadSource, select_trailheads
    from routeplanner.network.build import load_network

    osm, tif = _with_forest(tmp_path)
    cache = tmp_path / "cache"
    req = CatalogRequest(durations_s=(1800.0,), kinds=("easy",), model="minetti")
    plain = load_network(osm, [tif])
    ths = select_trailheads(plain, RegionSource("grid", str(osm), (str(tif),)), TrailheadSource())
    ctx = tasks.SafetyContext(str(osm))
    # every sheet testing its own points against the forest, as before
    real = tasks._places
    monkeypatch.setattr(tasks, "_places", lambda net, c: (real(net, c)[0], None))
    each = tasks.run_batch(plain, ths, req, safety=ctx)
    monkeypatch.undo()
    once = tasks.run_batch(load_network(osm, [tif]), ths, req, safety=ctx)
    cached_ctx = tasks.SafetyContext(str(osm), cache_dir=str(cache))
    first = tasks.run_batch(load_network(osm, [tif], cache_dir=cache), ths, req, safety=cached_ctx)
    assert list(cache.glob("safety-*.npz"))
    again = tasks.run_batch(load_network(osm, [tif], cache_dir=cache), ths, req, safety=cached_ctx)
    assert each == once == first == again
    # the wood is seen: some sheet states a treeline
    lines = [line for r in each["routes"] for line in r["safety"]["lines"]]
    assert any("above ~" in line for line in lines), lines


@pytest.mark.slow
def test_progress_counts_routes_one_task_per_trailhead_and_resumed_ones_first(region, tmp_path):
    from routeplanner.catalog.runner import RegionSource, run_catalog

    osm, tif = region
    req = CatalogRequest(durations_s=(1800.0, 2700.0), kinds=("easy",), model="minetti")
    regions = [RegionSource("grid", str(osm), (str(tif),))]
    calls: list[tuple[int, int]] = []
    run = run_catalog(regions, req, tmp_path, progress=lambda d, t: calls.append((d, t)))
    assert run.tasks == 3  # one a trailhead by default
    assert calls[0] == (0, 6) and calls[-1] == (6, 6)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert {d for d, _ in calls[1:]} <= {2, 4, 6}  # two routes a trailhead
    sorted(tmp_path.glob("*.json"))[0].unlink()
    calls.clear()
    again = run_catalog(regions, req, tmp_path, progress=lambda d, t: calls.append((d, t)))
    assert again.resumed == 2 and calls == [(4, 6), (6, 6)]
