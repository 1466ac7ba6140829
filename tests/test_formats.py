"""The format registry and the bundle: one way out for every file."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path

import gpxpy
import numpy as np
import pytest
from synth import make_network

from routeplanner.errors import InputError
from routeplanner.output import bundle, formats
from routeplanner.output.formats import FORMATS, Format, RouteDoc, RouteSet
from routeplanner.output.policy import OutputPlan
from routeplanner.output.tcx import TCX_NS
from routeplanner.pace import RunnerProfile
from routeplanner.route import Route, Step, make_route

START = datetime(2026, 6, 1, 8, 0, tzinfo=timezone(timedelta(hours=2)))


def hill(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A 100 m ridge at x = 1000 m: up 10 % from x = 0, down 10 % to x = 2000."""
    return 1000.0 + 0.1 * np.clip(1000.0 - np.abs(x - 1000.0), 0.0, None)


def _route(name: str) -> Route:
    net = make_network(
        {1: (0.0, 0.0), 2: (1000.0, 0.0), 3: (2000.0, 0.0)},
        [([1, 2, 3], {"highway": "path", "name": "Ridge"})],
        elevation=hill,
    )
    steps = [Step(e, 0.0, float(net.edge_length_m[e])) for e in range(len(net.edge_length_m))]
    return make_route(net, steps, RunnerProfile(360.0), name=name, kind="out")


@pytest.fixture(scope="module")
def routes() -> list[Route]:
    return [_route("Ridge run"), _route("Ridge again")]


def test_the_registry_holds_the_formats_others_rely_on():
    assert {"gpx", "fit", "geojson", "html", "ics", "json"} <= set(FORMATS)
    for name, fmt in FORMATS.items():
        assert isinstance(fmt, Format) and fmt.name == name and fmt.suffix.startswith(".")
    with pytest.raises(TypeError):
        FORMATS["x"] = FORMATS["gpx"]  # type: ignore[index]


def test_every_format_renders_bytes_that_name_the_route(routes):
    rs = RouteSet([RouteDoc(r, name="Ridge title", start=START) for r in routes[:1]])
    out = {name: fmt.render(rs) for name, fmt in FORMATS.items() if name != "html"}
    gpx = gpxpy.parse(out["gpx"].decode())
    assert gpx.name == "Ridge title" and len(gpx.tracks[0].segments[0].points) == len(routes[0].lat)
    assert out["fit"][8:12] == b".FIT"
    doc = json.loads(out["geojson"])
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 1
    assert json.loads(out["json"])["routes"][0]["name"] == "Ridge run"
    assert b"SUMMARY:Ridge title" in out["ics"]
    assert b"DTSTART" in out["ics"]


def test_tcx_course_follows_the_route_and_its_times(routes):
    route = routes[0]
    data = FORMATS["tcx"].render(
        RouteSet([RouteDoc(route, name="A long course name", start=START)])
    )
    root = ET.fromstring(data)
    ns = {"t": TCX_NS}
    assert root.find("t:Courses/t:Course/t:Name", ns).text == "A long course n"  # 15 characters
    points = root.findall(".//t:Trackpoint", ns)
    assert len(points) == len(route.lat)
    dist = [float(p.find("t:DistanceMeters", ns).text) for p in points]
    np.testing.assert_allclose(dist, route.dist_m, atol=0.06)
    top = max(float(p.find("t:AltitudeMeters", ns).text) for p in points)
    assert top == pytest.approx(float(np.max(route.ele)), abs=0.05) and top > 1090.0
    last = points[-1].find("t:Time", ns).text
    end = START.astimezone(timezone.utc) + timedelta(seconds=round(route.stats.duration_s))
    assert last == end.strftime("%Y-%m-%dT%H:%M:%SZ")
    lap = root.find(".//t:Lap/t:TotalTimeSeconds", ns).text
    assert int(lap) == round(route.stats.duration_s)


def test_fit_and_ics_need_a_start(routes):
    rs = RouteSet([RouteDoc(routes[0])])
    for name in ("fit", "ics"):
        with pytest.raises(InputError, match="start time"):
            FORMATS[name].render(rs)


def test_bundle_names_one_file_per_route_and_stages_them_through_the_plan(tmp_path, routes):
    plan = OutputPlan("loop")
    for name, given in (("gpx", "loop.gpx"), ("geojson", "loop.geojson"), ("tcx", "c.tcx")):
        plan.add_file(bundle.export_option(name), tmp_path / given)
    rs = bundle.route_set(routes, title="Two ridges", start=START)
    targets = {
        "gpx": tmp_path / "loop.gpx",
        "geojson": tmp_path / "loop.geojson",
        "tcx": tmp_path / "c.tcx",
    }
    files = bundle.route_files(plan, rs, targets)
    written = bundle.commit(plan, files)
    names = sorted(Path(p).name for p in written)
    assert names == ["c-2.tcx", "c.tcx", "loop-2.gpx", "loop.geojson", "loop.gpx"]
    first = gpxpy.parse((tmp_path / "loop.gpx").read_text())
    second = gpxpy.parse((tmp_path / "loop-2.gpx").read_text())
    assert (first.name, second.name) == ("Two ridges", "Ridge again")
    assert len(json.loads((tmp_path / "loop.geojson").read_text())["features"]) == 2


def test_bundle_refuses_several_routes_on_stdout(routes):
    plan = OutputPlan("loop")
    plan.add_file("--gpx", "-")
    rs = bundle.route_set(routes, title="Two")
    with pytest.raises(InputError, match="2 routes need 2 files"):
        bundle.route_files(plan, rs, {"gpx": "-"})


def test_a_new_format_is_one_registry_line(monkeypatch, tmp_path, routes):
    # A format made only of a render function and a registry line is written by the
    # bundle like the others: one file per route, staged through the output plan.
    def csv(rs: RouteSet) -> bytes:
        r = rs.docs[0].route
        return "".join(f"{x:.6f},{y:.6f}\n" for x, y in zip(r.lon, r.lat, strict=True)).encode()

    registry = dict(FORMATS)
    registry["csv"] = Format("csv", ".csv", csv, per_route=True, help="Points as CSV.")
    monkeypatch.setattr(formats, "FORMATS", registry)
    monkeypatch.setattr(bundle, "FORMATS", registry)
    plan = OutputPlan("loop")
    plan.add_file("--csv", tmp_path / "p.csv")
    bundle.commit(
        plan,
        bundle.route_files(plan, bundle.route_set(routes, title="t"), {"csv": tmp_path / "p.csv"}),
    )
    rows = (tmp_path / "p-2.csv").read_text().splitlines()
    assert len(rows) == len(routes[1].lon)


# -- the device options, made from the registry --------------------------------------------


def test_route_commands_get_an_option_per_device_format_with_one_meaning(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(tmp_path / "cache"))
    from synth import make_dem, to_lonlat, write_geotiff, write_osm_xml
    from test_cli_exports import NODES, WAYS, run, slope

    dem = make_dem(slope, extent_m=2000.0, cell_m=20.0)
    osm = write_osm_xml(tmp_path / "ring.osm", NODES, WAYS)
    tif = write_geotiff(tmp_path / "ring.tif", dem.elevation, dem.transform)
    lon, lat = to_lonlat(*NODES[1])
    args = ["loop", "--osm", str(osm), "--dem", str(tif), "--start", f"{lat:.6f},{lon:.6f}"]
    args += ["--duration", "45m", "--tolerance", "50%"]
    # the option exists because the format is in the registry, and takes the first file
    code, _out, err = run([*args, "--tcx", str(tmp_path / "r.tcx"), "--gpx", "r.gpx"], capsys)
    assert code == 0, err
    names = ET.fromstring((tmp_path / "r.tcx").read_bytes()).findall(f".//{{{TCX_NS}}}Name")
    course = gpxpy.parse((tmp_path / "r.gpx").read_text(encoding="utf-8")).name
    assert len(course) > 15 and [n.text for n in names] == [course[:15]]  # the same course
    # without a file on a route command: one clear line saying which form it takes
    code, _out, err = run([*args, "--fit"], capsys)
    assert code == 2 and err.count("\n") == 1 and "--fit loop.fit" in err
    assert not list(tmp_path.glob("*.fit"))


def test_group_takes_the_device_options_alone_and_refuses_a_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from test_cli_exports import run

    code, _out, err = run(
        ["group", "e.toml", "--out-dir", str(tmp_path / "o"), "--fit", "a.fit"], capsys
    )
    assert code == 2 and err.count("\n") == 1
    assert "give --fit without a file name (not 'a.fit')" in err
    assert not (tmp_path / "o").exists()
