"""`routeplanner serve`: the API through Starlette's ASGI test client, on a hand-built region.

The region is a 7 x 7 grid of trails 400 m apart over a round hill, with one main
road and a village, written as OSM XML and a GeoTIFF and loaded the way the
command loads any region.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from lxml import etree
from synth import make_dem, to_lonlat, to_xy, write_geotiff, write_osm_xml

from routeplanner.cli.options import RegionOptions
from routeplanner.cli.serve import load_quietly
from routeplanner.serve.app import Region, create_app
from routeplanner.serve.engine import LocalEngine
from routeplanner.serve.planner import Planner

starlette_testclient = pytest.importorskip("starlette.testclient")

SPACING_M, N = 400.0, 7
HALF = SPACING_M * (N - 1) / 2


def _hill(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 1000.0 + 150.0 * np.exp(-(x**2 + y**2) / 1500.0**2)


def write_region(folder: Path) -> tuple[Path, Path]:
    """The grid region's OSM XML and DEM files."""
    nodes: dict[int, tuple[float, float]] = {}
    for i in range(N):
        for j in range(N):
            nodes[1 + i * N + j] = (i * SPACING_M - HALF, j * SPACING_M - HALF)
    ways = []
    for i in range(N):
        row = [1 + k * N + i for k in range(N)]  # west to east at y_i
        col = [1 + i * N + k for k in range(N)]  # south to north at x_i
        tags = {"highway": "secondary", "name": "Main road"} if i == 0 else {"highway": "path"}
        ways.append((row, {**tags, "name": tags.get("name", f"Row {i}")}))
        ways.append((col, {"highway": "path", "name": f"Column {i}"}))
    nodes[900] = (30.0, 30.0)
    nodes[901] = (SPACING_M, SPACING_M + 20)
    nodes[902] = (10.0, SPACING_M + 10)
    node_tags = {
        900: {"place": "village", "name": "Vilanova"},
        901: {"natural": "peak", "name": "Pic Alt", "ele": "1140"},
        902: {"amenity": "drinking_water", "name": "Font"},
    }
    osm = write_osm_xml(folder / "grid.osm", nodes, ways, node_tags=node_tags)
    dem = make_dem(_hill, extent_m=3000.0, cell_m=20.0)
    tif = write_geotiff(folder / "grid.tif", dem.elevation, dem.transform)
    return osm, tif


@pytest.fixture(scope="module")
def region_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_region(tmp_path_factory.mktemp("grid"))


@pytest.fixture(scope="module")
def loaded(region_files):
    osm, tif = region_files
    return load_quietly(RegionOptions(osm=str(osm), dem=(str(tif),), no_cache=True))


@pytest.fixture(scope="module")
def client(loaded):
    engine = LocalEngine(Planner(loaded))
    with starlette_testclient.TestClient(create_app(engine, Region(loaded))) as c:
        yield c
    engine.close()


def latlon(x: float, y: float) -> str:
    lon, lat = to_lonlat(x, y)
    return f"{float(lat):.6f},{float(lon):.6f}"


START = latlon(0.0, 0.0)


def test_loop_meets_its_brief_with_the_cli_route_json(client):
    r = client.get(f"/api/loops?start={START}&duration=30m&alternatives=2&seed=3")
    assert r.status_code == 200
    fc = r.json()
    assert fc["type"] == "FeatureCollection"
    assert 1 <= len(fc["features"]) <= 2
    for f in fc["features"]:
        p = f["properties"]
        assert f["geometry"]["type"] == "LineString"
        assert p["target_duration_s"] == 1800.0
        assert p["meets_brief"] is True and p["misses"] == []
        assert abs(p["duration_s"] / 1800.0 - 1) <= 0.05
        # trail-first by default: the main road is not run when paths connect
        assert p["main_road_share"] < 0.05
        for key in ("trail_share", "safety", "duration_range_s", "distance_m", "ascent_m"):
            assert key in p
        assert "partner_message" in p["safety"]
        lon0, lat0 = f["geometry"]["coordinates"][0][:2]
        x, y = to_xy(lon0, lat0)
        assert math.hypot(float(x), float(y)) < 30  # starts at the start


def test_a_loop_that_cannot_meet_the_brief_says_so(client):
    # The hill climbs everywhere from the centre: 2 m of ascent cannot be kept.
    r = client.get(f"/api/loops?start={START}&duration=40m&max_ascent=2m")
    assert r.status_code == 200
    p = r.json()["features"][0]["properties"]
    assert p["meets_brief"] is False
    assert any("ascent" in m for m in p["misses"])


def test_allow_roads_lets_the_main_road_in(client):
    start = latlon(-HALF, -HALF + 5)  # on the main road's corner
    shares = {}
    for flag in ("0", "1"):
        r = client.get(f"/api/loops?start={start}&duration=20m&allow_roads={flag}")
        assert r.status_code == 200
        shares[flag] = r.json()["features"][0]["properties"]["main_road_share"]
    assert shares["0"] <= shares["1"]


def test_via_reroutes_through_the_point_at_the_same_time(client):
    via_xy = (SPACING_M * 2, -SPACING_M)  # a junction 2 km from the start
    via = latlon(*via_xy)
    r = client.get(f"/api/loops?start={START}&duration=40m&via={via}")
    assert r.status_code == 200
    fc = r.json()
    p = fc["features"][0]["properties"]
    assert abs(p["duration_s"] / 2400.0 - 1) <= 0.05
    coords = np.asarray(fc["features"][0]["geometry"]["coordinates"])
    x, y = to_xy(coords[:, 0], coords[:, 1])
    assert np.min(np.hypot(x - via_xy[0], y - via_xy[1])) < 5.0
    assert fc["via"] == pytest.approx(list(map(float, to_lonlat(*via_xy))), abs=1e-5)


BAD = [
    ("/api/loops?duration=75m", "missing start"),
    ("/api/loops?start=42.5,1.5", "missing duration"),
    (f"/api/loops?start={START}&duration=25h", "24 h"),
    (f"/api/loops?start={START}&duration=30s", "1 min"),
    (f"/api/loops?start={START}&duration=soon", "duration"),
    (f"/api/loops?start={START}&duration=30m&alternatives=11", "alternatives"),
    (f"/api/loops?start={START}&duration=30m&alternatives=0", "alternatives"),
    ("/api/loops?start=48.85,2.35&duration=30m", "outside the region"),
    ("/api/loops?start=north&duration=30m", "start"),
    (f"/api/loops?start={START}&duration=30m&pace=0:30", "pace"),
    (f"/api/loops?start={START}&duration=30m&min_trail=150%", "min_trail"),
    (f"/api/loops?start={START}&duration=30m&max_ascent=9000m", "max_ascent"),
    (f"/api/loops?start={START}&duration=30m&max_difficulty=T9", "T9"),
    (f"/api/loops?start={START}&duration=30m&seed=-1", "seed"),
    (f"/api/loops?start={START}&duration=30m&model=horse", "model"),
    (f"/api/loops?start={START}&duration=30m&colour=red", "unknown parameter"),
    (f"/api/loops?start={START}&duration=30m&duration=40m", "twice"),
    (f"/api/loops?start={START}&duration=30m&via=0,0", "via"),
    (f"/api/loops?start={START}&duration=30m&profile=1", "--profile"),
    (f"/api/loops?start={START}&duration=30m&seed=" + "9" * 200, "characters"),
    (f"/api/loops?start={START}&duration=30m&x=" + "a" * 3000, "characters"),
    (f"/api/loops.fit?start={START}&duration=30m&index=5", "index"),
    (f"/api/loops.kml?start={START}&duration=30m", ".gpx"),
    ("/api/places?q=" + "a" * 300, "characters"),
]


@pytest.mark.parametrize(("url", "said"), BAD)
def test_bad_input_is_4xx_json_in_one_line_and_the_server_keeps_serving(client, url, said):
    r = client.get(url)
    assert 400 <= r.status_code < 500
    assert r.headers["content-type"].startswith("application/json")
    message = r.json()["error"]
    assert said in message
    assert "\n" not in message and "Traceback" not in message
    assert client.get(f"/api/loops?start={START}&duration=20m").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/static/../../etc/passwd",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/static/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/static/..%2f..%2f..%2fetc%2fpasswd",
        "/static/%252e%252e/etc/passwd",
        "/static//etc/passwd",
        "/static/....//....//etc/passwd",
        "/static/%5c..%5c..%5cetc%5cpasswd",
        "/static/planner.js/../../../serve/app.py",
        "/static/../app.py",
        "/vendor/..%2f..%2fetc%2fpasswd",
        "/static/",
    ],
)
def test_nothing_outside_the_static_folder_is_served(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert "root:" not in r.text and "import" not in r.text


def test_the_page_and_its_assets_are_served_locally(client):
    page = client.get(f"/?start={START}&duration=30m")
    assert page.status_code == 200 and "<html" in page.text.lower()
    srcs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert srcs
    for src in srcs:
        assert src.startswith("/"), src  # no outside loads
        assert client.get(src).status_code == 200, src
    assert "L.map" not in client.get("/vendor/leaflet.css").text
    assert "Leaflet" in client.get("/vendor/leaflet.js").text


def test_places_suggest_names_of_the_region(client):
    r = client.get("/api/places?q=vila")
    assert [p["name"] for p in r.json()["places"]] == ["Vilanova"]
    assert client.get("/api/places?q=PIC").json()["places"][0]["kind"] == "peak"
    assert client.get("/api/places?q=").json()["places"] == []


def test_exports_are_valid_gpx_and_a_decodable_fit_course(client, shared_data_dir):
    import garmin_fit_sdk

    q = f"start={START}&duration=30m&alternatives=2&seed=3"
    fc = client.get(f"/api/loops?{q}").json()
    gpx = client.get(f"/api/loops.gpx?{q}")
    assert gpx.status_code == 200 and "attachment" in gpx.headers["content-disposition"]
    schema = etree.XMLSchema(etree.parse(str(shared_data_dir / "schemas" / "gpx-1.1.xsd")))
    doc = etree.parse(io.BytesIO(gpx.content))
    assert schema.validate(doc), schema.error_log
    # the safety sheet's points are the GPX's waypoints
    safety = fc["features"][0]["properties"]["safety"]
    ns = "{http://www.topografix.com/GPX/1/1}"
    names = [w.findtext(f"{ns}name") for w in doc.findall(f"{ns}wpt")]
    assert [w["name"] for w in safety["water"]] == ["Font"]
    assert any("Font" in n for n in names), names
    # named as the command line names courses: the nearest village, what, how long
    assert doc.findtext(f"{ns}metadata/{ns}name") == "Vilanova loop 30 min"
    for index in range(len(fc["features"])):
        fit = client.get(f"/api/loops.fit?{q}&index={index}")
        assert fit.status_code == 200
        decoder = garmin_fit_sdk.Decoder(garmin_fit_sdk.Stream.from_byte_array(fit.content))
        messages, errors = decoder.read()
        assert not errors
        assert messages["file_id_mesgs"][0]["type"] == "course"
        want = fc["features"][index]["properties"]["distance_m"]
        assert messages["record_mesgs"][-1]["distance"] == pytest.approx(want, rel=0.01)
    html = client.get(f"/api/loops.html?{q}")
    assert html.status_code == 200 and "leaflet" in html.text.lower()


def test_climbs_near_the_start_are_features(client):
    r = client.get(f"/api/climbs?start={START}")
    assert r.status_code == 200
    kinds = {f["properties"]["kind"] for f in r.json()["features"]}
    assert kinds <= {"climb", "descent"} and kinds


@pytest.mark.slow
def test_serve_command_listens_on_loopback_and_stops_on_sigterm(region_files, tmp_path):
    osm, tif = region_files
    env = {**os.environ, "ROUTEPLANNER_CACHE_DIR": str(tmp_path / "cache")}
    args = [sys.executable, "-m", "routeplanner", "serve", "--osm", str(osm), "--dem", str(tif)]
    proc = subprocess.Popen(
        [*args, "--port", "0", "--workers", "1", "-v"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url, line
        with urllib.request.urlopen(url.group(0) + f"api/loops?start={START}&duration=20m") as r:
            fc = json.load(r)
        assert fc["features"][0]["properties"]["meets_brief"] is True
        with pytest.raises(urllib.error.HTTPError) as bad:
            urllib.request.urlopen(url.group(0) + "api/loops?start=0,0&duration=20m")
        assert bad.value.code == 400
        assert "outside the region" in json.load(bad.value)["error"]
        bad.value.close()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "stopped" in out
    assert "GET /api/loops" in out + err  # -v logs requests
    assert "Traceback" not in err


@pytest.mark.slow
def test_worker_processes_answer_and_a_dead_worker_is_replaced(loaded, region_files):
    from routeplanner.serve.engine import ProcessEngine

    osm, tif = region_files
    src = RegionOptions(osm=str(osm), dem=(str(tif),), no_cache=True)
    engine = ProcessEngine(load_quietly, (src,), None, workers=1)
    try:
        engine.warm()
        app = create_app(engine, Region(loaded))
        with starlette_testclient.TestClient(app) as c:
            url = f"/api/loops?start={START}&duration=20m"
            assert c.get(url).json()["features"][0]["properties"]["meets_brief"]
            for pid in list(engine._pool._processes):  # type: ignore[attr-defined]
                os.kill(pid, signal.SIGKILL)
            r = c.get(url + "&seed=1")
            assert r.status_code == 503 and "again" in r.json()["error"]
            assert c.get(url + "&seed=2").status_code == 200
    finally:
        engine.close()


def test_profile_queries_use_the_servers_profile_and_give_the_80_percent_range(loaded, tmp_path):
    from routeplanner.pace import RunnerProfile
    from routeplanner.pace.profile_file import profile_toml

    path = tmp_path / "me.toml"
    path.write_text(profile_toml(RunnerProfile(330.0, day_spread=0.1, spread_recordings=13)))
    engine = LocalEngine(Planner(loaded, str(path)))
    with starlette_testclient.TestClient(create_app(engine, Region(loaded, profile=True))) as c:
        assert c.get("/api/region").json()["profile"] is True
        mine = c.get(f"/api/loops?start={START}&duration=30m&profile=1").json()
        plain = c.get(f"/api/loops?start={START}&duration=30m").json()
    engine.close()
    p = mine["features"][0]["properties"]
    assert p["flat_pace"] == "5:30" and plain["features"][0]["properties"]["flat_pace"] == "6:00"
    low, high = p["duration_range_s"]
    assert low < p["duration_s"] < high
    assert plain["features"][0]["properties"]["duration_range_s"] is None


def test_the_page_draws_the_place_names_the_cli_maps_draw(client):
    css = client.get("/api/basemap/names.css")
    assert css.status_code == 200 and ".rp-place" in css.text
    js = client.get("/api/basemap/names.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    # the maps' own basemap script, drawing into the page's map and layers
    assert "window.planner.layers.names" in js.text and "rp-place" in js.text
    assert '"Pic Alt",1140' in js.text and '"Vilanova"' in js.text


def test_a_start_is_named_by_the_nearest_place(client, loaded):
    r = client.get(f"/api/places?near={START}")
    (near,) = r.json()["places"]
    assert near["name"] == "Vilanova" and near["kind"] == "village"
    assert near["distance_m"] == pytest.approx(math.hypot(30, 30), abs=3)
    (corner,) = client.get(f"/api/places?near={latlon(-HALF, HALF)}").json()["places"]
    assert corner["name"] == "Vilanova"
    assert corner["distance_m"] == pytest.approx(math.hypot(HALF + 30, HALF - 30), abs=5)
    lon, lat = to_lonlat(4500.0, 0.0)
    assert Region(loaded).nearest(float(lon), float(lat)) is None  # over 3 km: no name
    bad = client.get("/api/places?near=48.85,2.35")
    assert bad.status_code == 400 and "near" in bad.json()["error"]


def _along(coords: np.ndarray, lonlat: list[float]) -> tuple[int, float]:
    """Index of the loop's point nearest a point, and how far it is (m)."""
    x, y = to_xy(coords[:, 0], coords[:, 1])
    px, py = to_xy(*lonlat)
    d = np.hypot(x - float(px), y - float(py))
    return int(np.argmin(d)), float(np.min(d))


@pytest.mark.parametrize("kind", ["climb", "descent"])
def test_a_segment_added_is_run_its_own_way_at_the_target_time(client, kind):
    climbs = client.get(f"/api/climbs?start={START}").json()["features"]
    seg = next(f for f in climbs if f["properties"]["kind"] == kind)
    seg_coords = seg["geometry"]["coordinates"]
    r = client.get(f"/api/loops?start={START}&duration=40m&segment={seg['properties']['id']}")
    assert r.status_code == 200, r.text
    fc = r.json()
    assert fc["segment"] == seg["properties"]["id"] and fc["via"] is None
    f = fc["features"][0]
    assert f["properties"]["meets_brief"], f["properties"]["misses"]
    assert abs(f["properties"]["duration_s"] / 2400.0 - 1) <= 0.05
    coords = np.asarray(f["geometry"]["coordinates"])
    i0, d0 = _along(coords, seg_coords[0][:2])
    i1, d1 = _along(coords, seg_coords[-1][:2])
    assert d0 < 5 and d1 < 5
    assert i0 < i1  # its start, then its end
    rise = coords[i1, 2] - coords[i0, 2]
    assert rise > 20 if kind == "climb" else rise < -20  # up a climb, down a descent


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("segment=uphill", "segment"),
        ("segment=c999:1-2", "unknown segment"),
        (f"segment=c0:0-1&via={START}", "not both"),
    ],
)
def test_a_bad_segment_is_refused(client, query, said):
    r = client.get(f"/api/loops?start={START}&duration=30m&{query}")
    assert r.status_code == 400 and said in r.json()["error"]


def test_a_wide_day_spread_gives_the_range_with_its_warning(loaded, tmp_path):
    from routeplanner.pace import RunnerProfile
    from routeplanner.pace.profile_file import profile_toml
    from routeplanner.pace.spread import spread_warning

    wide = RunnerProfile(330.0, day_spread=0.3, spread_recordings=8)
    path = tmp_path / "wide.toml"
    path.write_text(profile_toml(wide))
    engine = LocalEngine(Planner(loaded, str(path)))
    with starlette_testclient.TestClient(create_app(engine, Region(loaded, profile=True))) as c:
        p = c.get(f"/api/loops?start={START}&duration=30m&profile=1").json()["features"][0]
    engine.close()
    props = p["properties"]
    low, high = props["duration_range_s"]
    assert low < props["duration_s"] < high
    assert props["duration_range_note"] == spread_warning(wide)
    assert "30 %" in props["duration_range_note"]


def test_a_query_gives_the_same_loops_whatever_was_asked_before(loaded):
    # A worker keeps search graphs between queries, and a graph grown for a somewhat
    # longer loop would serve a shorter one (with other loops: here seed 1 of 8 min
    # after 10 min); a link must still reproduce the plan.
    from routeplanner.serve.query import parse_loop_query

    w, s, e, n = (float(v) for v in loaded.net.bbox)
    bbox = (w - 0.01, s - 0.01, e + 0.01, n + 0.01)

    def answer(planner: Planner, duration: str) -> str:
        params = {"start": START, "duration": duration, "alternatives": "3", "seed": "1"}
        fc = planner.loops(parse_loop_query(params, bbox))
        fc.pop("search_s")
        return json.dumps(fc, sort_keys=True)

    alone = answer(Planner(loaded), "8m")
    planner = Planner(loaded)
    answer(planner, "10m")
    assert answer(planner, "8m") == alone
