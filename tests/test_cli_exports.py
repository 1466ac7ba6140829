"""Command-line exports: a timed GPX and a FIT course per route, --gpx-route, --start-time."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import fitdecode
import gpxpy
import numpy as np
import pytest
from lxml import etree
from synth import make_dem, to_lonlat, write_geotiff, write_osm_xml

from routeplanner.cli import main
from routeplanner.cli._exports import default_start, parse_start_time
from routeplanner.errors import InputError

# A 1 km-radius ring of trail over a slope rising 10 % eastwards: 200 m up and down.
_ANG = np.linspace(0.0, 2.0 * np.pi, 24, endpoint=False)
NODES = {i + 1: (1000.0 * np.cos(a), 1000.0 * np.sin(a)) for i, a in enumerate(_ANG)}
WAYS = [(10, [*range(1, 25), 1], {"highway": "path", "name": "Ring"})]


def slope(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 1000.0 + 0.1 * x


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROUTEPLANNER_DATA_DIR", raising=False)
    logger = logging.getLogger("routeplanner")
    level = logger.level
    yield
    logger.setLevel(level)


@pytest.fixture
def ring(tmp_path: Path) -> list[str]:
    dem = make_dem(slope, extent_m=2000.0, cell_m=20.0)
    osm = write_osm_xml(tmp_path / "ring.osm", NODES, WAYS)
    tif = write_geotiff(tmp_path / "ring.tif", dem.elevation, dem.transform)
    lon, lat = to_lonlat(*NODES[1])
    return ["--osm", str(osm), "--dem", str(tif), "--start", f"{float(lat):.6f},{float(lon):.6f}"]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def fit_records(path: Path) -> tuple[list[dict], list[dict]]:
    records, points = [], []
    with fitdecode.FitReader(io.BytesIO(path.read_bytes())) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage):
                fields = {f.name: f.value for f in frame.fields}
                if frame.name == "record":
                    records.append(fields)
                elif frame.name == "course_point":
                    points.append(fields)
    return records, points


def test_loop_writes_timed_gpx_and_fit_that_agree(ring, tmp_path, capsys, shared_data_dir):
    args = ["loop", *ring, "--duration", "45m", "--tolerance", "50%", "--json"]
    args += [
        "--gpx",
        "ring.gpx",
        "--fit",
        "ring.fit",
        "--date",
        "2026-06-01",
        "--start-time",
        "07:30",
    ]
    code, _out, err = run(args, capsys)
    assert code == 0, err
    gpx = gpxpy.parse((tmp_path / "ring.gpx").read_text(encoding="utf-8"))
    schema = etree.XMLSchema(etree.parse(str(shared_data_dir / "schemas" / "gpx-1.1.xsd")))
    assert schema.validate(etree.parse(str(tmp_path / "ring.gpx"))), schema.error_log
    trkpts = gpx.tracks[0].segments[0].points
    # 07:30 in the region's time zone (from the catalog, else looked up, else UTC).
    from routeplanner.safety.daylight import region_timezone

    lon, lat = to_lonlat(*NODES[1])
    zone = region_timezone(None, float(lon), float(lat))
    expected = datetime(2026, 6, 1, 7, 30, tzinfo=zone).astimezone(timezone.utc)
    assert trkpts[0].time == expected
    records, points = fit_records(tmp_path / "ring.fit")
    assert len(records) == len(trkpts)
    # Same plan in both decoders: distance, elevation and times.
    assert records[-1]["distance"] == pytest.approx(gpx.length_2d(), rel=0.01)
    ele = np.array([p.elevation for p in trkpts])
    np.testing.assert_allclose([r["altitude"] for r in records], ele, atol=0.25)
    assert [r["timestamp"] for r in records] == [p.time for p in trkpts]
    # The ring climbs 200 m and descends 200 m: both files mark a climb and a descent.
    assert {w.type for w in gpx.waypoints} == {"climb", "descent"}
    assert {p["type"] for p in points} == {"steep_incline", "info"}


def test_gpx_route_option_writes_rte(ring, tmp_path, capsys):
    args = ["loop", *ring, "--duration", "45m", "--tolerance", "50%"]
    code, _out, err = run([*args, "--gpx", "r.gpx", "--gpx-route"], capsys)
    assert code == 0, err
    gpx = gpxpy.parse((tmp_path / "r.gpx").read_text(encoding="utf-8"))
    assert gpx.tracks == [] and len(gpx.routes) == 1


def test_same_path_for_two_outputs_is_refused(ring, tmp_path, capsys):
    args = ["loop", *ring, "--duration", "45m", "--tolerance", "50%"]
    code, _out, err = run([*args, "--gpx", "x.gpx", "--fit", "x.gpx"], capsys)
    assert code != 0
    assert "x.gpx" in err
    assert list(tmp_path.glob("x*")) == []


def test_bad_start_time_is_one_line_error(ring, capsys):
    code, _out, err = run(["loop", *ring, "--duration", "45m", "--start-time", "soon"], capsys)
    assert code == 2
    assert "HH:MM" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("option", "value"),
    [("--date", "9999-12-31"), ("--date", "2200-06-01"), ("--date", "0001-01-01")],
)
def test_a_day_a_fit_file_cannot_hold_is_bad_input(ring, tmp_path, capsys, option, value):
    args = ["loop", *ring, "--duration", "45m", "--gpx", "r.gpx", "--fit", "r.fit"]
    code, _out, err = run([*args, option, value], capsys)
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert f"'{option}'" in err and "use a day from 1990-01-01 to 2100-12-31" in err
    assert list(tmp_path.glob("r.*")) == []


def test_parse_start_time_refuses_a_day_a_fit_file_cannot_hold():
    for text in ("9999-12-31 23:59", "0001-01-01T00:00+05:00"):
        with pytest.raises(InputError, match="use a day from 1990-01-01 to 2100-12-31"):
            parse_start_time(text)


def test_parse_start_time_forms():
    now = datetime(2026, 6, 1, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    assert parse_start_time("07:30", now=now) == datetime(2026, 6, 2, 7, 30, tzinfo=now.tzinfo)
    assert parse_start_time("18:00", now=now) == datetime(2026, 6, 1, 18, 0, tzinfo=now.tzinfo)
    assert parse_start_time("2026-07-04 06:15", now=now) == datetime(
        2026, 7, 4, 6, 15, tzinfo=now.tzinfo
    )
    assert parse_start_time("2026-07-04T06:15Z", now=now) == datetime(
        2026, 7, 4, 6, 15, tzinfo=timezone.utc
    )
    for bad in ("soon", "2026-07-04", "25:00"):
        with pytest.raises(InputError):
            parse_start_time(bad, now=now)


def test_default_start_is_next_morning_at_eight():
    now = datetime(2026, 6, 1, 22, 45, tzinfo=timezone(timedelta(hours=2)))
    assert default_start(now) == datetime(2026, 6, 2, 8, 0, tzinfo=now.tzinfo)


@pytest.mark.slow
def test_andorra_loop_alternatives_one_file_each(tmp_path, capsys, shared_data_dir):
    data = shared_data_dir
    args = ["loop", "--region", "andorra", "--data-dir", str(data), "--start", "42.5450,1.5148"]
    args += ["--duration", "1h15m", "--alternatives", "2", "--gpx", "loop.gpx"]
    args += ["--fit", "loop.fit", "--date", "2026-06-01", "--start-time", "07:30"]
    code, _out, err = run(args, capsys)
    assert code == 0, err
    names = sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".gpx", ".fit"))
    assert names == ["loop-2.fit", "loop-2.gpx", "loop.fit", "loop.gpx"]
    for stem in ("loop", "loop-2"):
        gpx = gpxpy.parse((tmp_path / f"{stem}.gpx").read_text(encoding="utf-8"))
        assert len(gpx.tracks) == 1
        records, _points = fit_records(tmp_path / f"{stem}.fit")
        trkpts = gpx.tracks[0].segments[0].points
        assert len(records) == len(trkpts)
        assert records[-1]["distance"] == pytest.approx(gpx.length_2d(), rel=0.01)
        gpx_ele = np.array([p.elevation for p in trkpts])
        ele = np.array([r["altitude"] for r in records])
        np.testing.assert_allclose(ele, gpx_ele, atol=0.25)
        assert np.maximum(np.diff(ele), 0).sum() == pytest.approx(
            np.maximum(np.diff(gpx_ele), 0).sum(), rel=0.01
        )


def test_start_by_place_name_and_swapped_coordinates(tmp_path, capsys):
    dem = make_dem(slope, extent_m=2000.0, cell_m=20.0)
    nodes = {**NODES, 99: (1000.0, 30.0)}
    tags = {99: {"place": "hamlet", "name": "Sant Miquel"}}
    osm = write_osm_xml(tmp_path / "ring.osm", nodes, WAYS, node_tags=tags)
    tif = write_geotiff(tmp_path / "ring.tif", dem.elevation, dem.transform)
    base = ["loop", "--osm", str(osm), "--dem", str(tif), "--duration", "45m", "--tolerance", "50%"]
    code, _out, err = run([*base, "--start", "sant miquel", "--gpx", "named.gpx"], capsys)
    assert code == 0, err
    gpx = gpxpy.parse((tmp_path / "named.gpx").read_text(encoding="utf-8"))
    assert gpx.name == "Sant Miquel loop 45 min"  # where and how long
    code, _out, err = run([*base, "--start", "Sant Michel"], capsys)
    assert code == 2
    assert "unknown place 'Sant Michel': close matches: Sant Miquel" in err
    lon, lat = to_lonlat(*NODES[1])
    code, _out, err = run([*base, "--start", f"{float(lon):.5f},{float(lat):.5f}"], capsys)
    assert code == 2
    assert "look swapped" in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_demo_loop_fit_and_timed_gpx_decode_in_independent_libraries(andorra_network, tmp_path):
    from garmin_fit_sdk import Decoder, Stream

    from routeplanner import pace
    from routeplanner.demo import DEMO_LOOP, demo_start
    from routeplanner.output import export, fit
    from routeplanner.search.loops import LoopRequest, find_loops

    profile = pace.RunnerProfile.from_strings(DEMO_LOOP["pace"])
    req = LoopRequest(DEMO_LOOP["duration_s"], alternatives=1, seed=DEMO_LOOP["seed"])
    (route,) = find_loops(andorra_network, DEMO_LOOP["start"], profile, req)[:1]
    start = demo_start()
    gpx_path = export.write_gpx(tmp_path / "loop.gpx", [route], start=start)
    fit_path = fit.write_course(tmp_path / "loop.fit", route, start=start)
    gpx = gpxpy.parse(gpx_path.read_text(encoding="utf-8"))
    pts = gpx.tracks[0].segments[0].points
    records, _points = fit_records(fit_path)
    assert len(records) == len(pts) == len(route.lat)
    assert records[-1]["distance"] == pytest.approx(route.stats.distance_m, abs=0.01)
    assert gpx.length_2d() == pytest.approx(route.stats.distance_m, rel=0.01)
    np.testing.assert_allclose([r["altitude"] for r in records], route.ele, atol=0.2)
    np.testing.assert_allclose([p.elevation for p in pts], route.ele, atol=0.05)
    assert [r["timestamp"] for r in records] == [p.time for p in pts]
    assert (pts[-1].time - pts[0].time).total_seconds() == round(route.stats.duration_s)
    messages, errors = Decoder(Stream.from_byte_array(bytearray(fit_path.read_bytes()))).read()
    assert errors == [] and len(messages["record_mesgs"]) == len(route.lat)
