"""Tests for routeplanner.safety and sources.pois: known answers on a hand-built valley."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import shapely
from lxml import etree
from synth import make_dem, make_network, to_lonlat, write_geotiff

from routeplanner import pace
from routeplanner._geo import haversine_m
from routeplanner.cli import main
from routeplanner.errors import InputError
from routeplanner.output import export
from routeplanner.route import Step, make_route
from routeplanner.safety.sheet import (
    clean_text,
    default_start,
    parse_start,
    safety_sheet,
    sun_times,
)
from routeplanner.sources.pois import Poi, Pois, read_pois

ANDORRA = ZoneInfo("Europe/Andorra")
START = datetime(2025, 6, 21, 8, 0, tzinfo=ANDORRA)
SPM = 0.36  # 6:00/km on the flat, untagged path: terrain factor 1

# A trail runs 6 km east from the start (x = 0) and crosses a road at x = 2 km.
NODES = {
    1: (0.0, 0.0),
    2: (2000.0, 0.0),
    3: (6000.0, 0.0),
    10: (2000.0, -500.0),
    11: (2000.0, 500.0),
}
WAYS = [
    ([1, 2, 3], {"highway": "path", "name": "Camí Llarg"}),
    ([10, 2, 11], {"highway": "tertiary", "name": "Carretera Test"}),
]


def poi(kind: str, name: str, x: float, y: float, ele: float | None = None) -> Poi:
    lon, lat = to_lonlat(x, y)
    return Poi(kind, name, float(lon), float(lat), ele)


def forest_box(x0: float, x1: float, y0: float, y1: float) -> shapely.Polygon:
    lon, lat = to_lonlat(np.array([x0, x1]), np.array([y0, y1]))
    return shapely.box(lon[0], lat[0], lon[1], lat[1])


def valley_pois(*, village: bool = True, forest: tuple = ()) -> Pois:
    return Pois(
        water=(poi("spring", "Font Freda", 1500.0, -50.0),),
        shelters=(
            poi("alpine_hut", "Refugi Test", 3000.0, 100.0, 1000.0),
            poi("alpine_hut", "Too far", 3000.0, 400.0),
        ),
        peaks=(poi("peak", "Tossal", 5000.0, 30.0, 1010.0), poi("peak", "Off", 5000.0, 900.0)),
        villages=(poi("village", "Poble", 5000.0, 200.0),) if village else (),
        forest=forest,
    )


def east_route(net, profile):
    """The route from x = 0 to x = 6 km along the trail."""
    return east_route_via(net, [2000.0, 6000.0], profile)


def to_xy_lon(lon: float) -> float:
    from synth import to_xy

    return float(to_xy(lon, 42.5)[0])


@pytest.fixture(scope="module")
def flat():
    net = make_network(NODES, WAYS, extent_m=7000.0, cell_m=20.0)
    profile = pace.RunnerProfile.from_strings("6:00")
    return net, east_route(net, profile)


# -- known answers ------------------------------------------------------------------------


def test_bailouts_on_the_hand_built_valley(flat) -> None:
    net, route = flat
    assert route.stats.distance_m == pytest.approx(6000.0, abs=1.0)
    sheet = safety_sheet(route, net, valley_pois(), start=START, title="Valley run")
    kinds = [(b.kind, b.name) for b in sheet.bailouts]
    assert kinds == [("road", "Carretera Test"), ("village", "Poble")]
    road, village = sheet.bailouts
    assert road.along_m == pytest.approx(2000.0, abs=1.0)
    assert road.to_road_s == 0.0
    assert village.along_m == pytest.approx(5000.0, abs=5.0)
    # 3 km back west to the road beats 5 km back to the start.
    assert village.via == "road"
    assert village.to_road_s == pytest.approx(3000.0 * SPM, rel=0.005)
    # Start, road (2 km), village (5 km), finish (6 km): the longest gap is 2-5 km.
    assert sheet.longest_without_bailout_s == pytest.approx(3000.0 * SPM, rel=0.005)
    assert sheet.longest_without_bailout_m == pytest.approx((2000.0, 5000.0), abs=5.0)


def test_without_the_village_the_whole_far_side_has_no_bailout(flat) -> None:
    net, route = flat
    sheet = safety_sheet(route, net, valley_pois(village=False), start=START)
    assert [b.kind for b in sheet.bailouts] == ["road"]
    assert sheet.longest_without_bailout_s == pytest.approx(4000.0 * SPM, rel=0.005)
    assert sheet.longest_without_bailout_m == pytest.approx((2000.0, 6000.0), abs=5.0)


def test_water_shelter_peaks_within_their_radius(flat) -> None:
    net, route = flat
    sheet = safety_sheet(route, net, valley_pois(), start=START)
    assert [(p.kind, p.name) for p in sheet.water] == [("spring", "Font Freda")]
    assert sheet.water[0].along_m == pytest.approx(1500.0, abs=2.0)
    assert sheet.water[0].offset_m == pytest.approx(50.0, abs=1.0)
    assert [p.name for p in sheet.shelters] == ["Refugi Test"]  # the hut 400 m off is not
    assert sheet.shelters[0].along_m == pytest.approx(3000.0, abs=2.0)
    assert [p.name for p in sheet.peaks] == ["Tossal"]
    assert sheet.passes == ()


def test_json_has_exactly_the_documented_keys(flat) -> None:
    net, route = flat
    data = safety_sheet(route, net, valley_pois(), start=START, emergency_number="112").to_json()
    assert set(data) == {
        "bailouts",
        "longest_without_bailout_s",
        "water",
        "shelters",
        "sunrise",
        "sunset",
        "expected_finish",
        "daylight_margin_s",
        "highest_m",
        "partner_message",
        "emergency_number",
    }
    assert set(data["bailouts"][0]) == {"name", "lon", "lat", "along_m", "to_road_s"}
    assert set(data["water"][0]) == {"kind", "name", "lon", "lat", "along_m"}
    assert set(data["shelters"][0]) == {"kind", "name", "lon", "lat", "along_m"}
    finish = datetime.fromisoformat(data["expected_finish"])
    assert finish - START == timedelta(seconds=round(6000.0 * SPM))
    sunset = datetime.fromisoformat(data["sunset"])
    assert data["daylight_margin_s"] == pytest.approx((sunset - finish).total_seconds(), abs=1)
    assert data["highest_m"] == pytest.approx(1000.0, abs=0.5)
    json.dumps(data)  # serialisable as is


def test_partner_message_form(flat) -> None:
    net, route = flat
    sheet = safety_sheet(
        route, net, valley_pois(), start=START, title="Valley run", outputs=["valley.gpx"]
    )
    msg = sheet.partner_message
    # 6 km at 6:00/km = 36 min: back by 08:36; the alarm is an hour later.
    assert msg.startswith("Running Valley run: 6.0 km, +0 m, start Sat 21 Jun 08:00 from ")
    assert "back by 08:36. If you have not heard from me by 09:36, call 112 and tell them: " in msg
    assert "via Camí Llarg" in msg and "valley.gpx" in msg
    assert sheet.alert_at == START + timedelta(seconds=round(6000 * SPM)) + timedelta(hours=1)


def test_exposure_above_treeline_from_forest_cover() -> None:
    # The trail climbs 10 % eastwards; forest covers its first 1.5 km.
    net = make_network(NODES, WAYS, lambda x, y: 1000.0 + 0.1 * x, extent_m=7000.0, cell_m=20.0)
    route = east_route(net, pace.RunnerProfile.from_strings("6:00"))
    pois = valley_pois(forest=(forest_box(-100.0, 1500.0, -300.0, 300.0),))
    x = safety_sheet(route, net, pois, start=START).exposure
    # Treeline: the 98th percentile of forest elevations (1000-1150 m).
    assert x.treeline_m == pytest.approx(1147.0, abs=4.0)
    expected = float(np.interp(6000.0, route.dist_m, route.time_s)) - float(
        np.interp(1500.0, route.dist_m, route.time_s)
    )
    assert x.above_treeline_s == pytest.approx(expected, rel=0.02)
    assert x.highest_m == pytest.approx(1600.0, abs=1.0)
    assert x.highest_along_m == pytest.approx(6000.0, abs=1.0)
    assert x.steepest_grade == pytest.approx(0.1, abs=0.005)
    assert x.steepest_window_m >= 100.0


def test_no_forest_means_unknown_treeline(flat) -> None:
    net, route = flat
    x = safety_sheet(route, net, valley_pois(), start=START).exposure
    assert x.treeline_m is None and x.above_treeline_s is None


def test_finishing_after_sunset_is_flagged(flat) -> None:
    net, route = flat
    late = datetime(2025, 12, 21, 17, 30, tzinfo=ANDORRA)
    sheet = safety_sheet(route, net, valley_pois(), start=late)
    assert sheet.daylight.margin_s is not None and sheet.daylight.margin_s < 0
    assert "FINISHES AFTER SUNSET" in sheet.to_text()


# -- sun times against published values -----------------------------------------------------


@pytest.mark.parametrize(
    ("lon", "lat", "day", "which", "published"),
    [
        # RTVE, "Aquest 27 de juny, el dia amb la posta de sol més tardana de l'any" (2022-06-27,
        # https://www.rtve.es/television/20220627/aquest-27-juny-dia-posta-sol-mes-tardana-lany/
        # 2385526.shtml): Barcelona sunset 21:30:10 on 27 June 2022, sunrise 06:18:32 on
        # 15 June 2022, Lleida sunset 21:37 on 27 June 2022 (CEST).
        (2.1734, 41.3851, date(2022, 6, 27), "sunset", "21:30:10"),
        (2.1734, 41.3851, date(2022, 6, 15), "sunrise", "06:18:32"),
        (0.6200, 41.6176, date(2022, 6, 27), "sunset", "21:37:00"),
    ],
)
def test_sun_times_match_published_values(
    lon: float, lat: float, day: date, which: str, published: str
) -> None:
    zone = ZoneInfo("Europe/Madrid")
    sun = sun_times(lon, lat, day, zone)
    got = sun.sunrise if which == "sunrise" else sun.sunset
    assert got is not None
    want = datetime.combine(day, datetime.strptime(published, "%H:%M:%S").time(), tzinfo=zone)
    assert abs((got - want).total_seconds()) <= 120


def test_polar_day_has_no_sunset() -> None:
    sun = sun_times(18.9, 69.65, date(2025, 6, 21), ZoneInfo("Europe/Oslo"))  # Tromsø
    assert sun.sunrise is None and sun.sunset is None


def test_default_start_is_the_next_eight_o_clock() -> None:
    before = datetime(2025, 3, 1, 7, 59, tzinfo=ANDORRA)
    after = datetime(2025, 3, 1, 8, 0, tzinfo=ANDORRA)
    assert default_start(ANDORRA, now=before) == datetime(2025, 3, 1, 8, 0, tzinfo=ANDORRA)
    assert default_start(ANDORRA, now=after) == datetime(2025, 3, 2, 8, 0, tzinfo=ANDORRA)
    # "now" given in UTC is converted to the region's zone first (23:30 UTC = 00:30 CET).
    utc_now = datetime(2025, 3, 1, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert default_start(ANDORRA, now=utc_now) == datetime(2025, 3, 2, 8, 0, tzinfo=ANDORRA)
    got = parse_start("2025-07-01", "06:15", ANDORRA, now=before)
    assert got == datetime(2025, 7, 1, 6, 15, tzinfo=ANDORRA) and got.utcoffset() == timedelta(
        hours=2
    )


@pytest.mark.parametrize(("d", "t"), [("2025-13-01", None), ("tomorrow", None), (None, "25:00")])
def test_bad_date_or_time_is_input_error(d, t) -> None:
    with pytest.raises(InputError):
        parse_start(d, t, ANDORRA)


def test_naive_start_is_refused(flat) -> None:
    net, route = flat
    with pytest.raises(InputError, match="time zone"):
        safety_sheet(route, net, valley_pois(), start=datetime(2025, 6, 21, 8, 0))


# -- untrusted names ---------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script>\x1b[2J\u202eRefugi'


def test_hostile_names_are_escaped_and_stripped(flat, shared_data_dir: Path) -> None:
    net, route = flat
    pois = Pois(
        shelters=(poi("alpine_hut", HOSTILE, 3000.0, 100.0),),
        villages=(poi("village", HOSTILE, 5000.0, 200.0),),
    )
    sheet = safety_sheet(route, net, pois, start=START, title=HOSTILE)
    page = sheet.to_html()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "\x1b" not in page and "\u202e" not in page
    text = sheet.to_text()
    assert "\x1b" not in text and "\u202e" not in text
    assert "Refugi" in text
    gpx = export.gpx_document([route], waypoints=sheet.waypoints())
    schema = etree.XMLSchema(etree.parse(str(shared_data_dir / "schemas" / "gpx-1.1.xsd")))
    doc = etree.fromstring(gpx.encode())
    assert schema.validate(doc), schema.error_log
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    names = doc.xpath("//g:wpt/g:name/text()", namespaces=ns)
    assert any("<script>" in n for n in names)  # kept as text, escaped by XML
    assert all("\x1b" not in n for n in names)
    types = doc.xpath("//g:wpt/g:type/text()", namespaces=ns)
    assert sorted(types) == ["bailout-road", "bailout-village", "shelter"]


def test_clean_text_keeps_letters_and_spaces() -> None:
    assert clean_text("Pic\tde l'Estanyó\n\x07\u200b") == "Pic de l'Estanyó "


# -- reading places from OSM --------------------------------------------------------------------

POI_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
 <node id="1" version="1" lat="42.50" lon="1.50">
  <tag k="natural" v="spring"/><tag k="name" v="Font"/></node>
 <node id="2" version="1" lat="42.51" lon="1.50">
  <tag k="amenity" v="drinking_water"/></node>
 <node id="3" version="1" lat="42.52" lon="1.50">
  <tag k="natural" v="peak"/><tag k="name" v="Pic"/>
  <tag k="ele" v="2905"/></node>
 <node id="4" version="1" lat="42.53" lon="1.50">
  <tag k="mountain_pass" v="yes"/><tag k="name" v="Coll"/></node>
 <node id="5" version="1" lat="42.54" lon="1.50">
  <tag k="place" v="hamlet"/><tag k="name" v="Llogaret"/></node>
 <node id="6" version="1" lat="42.55" lon="1.50"/>
 <node id="60" version="1" lat="42.56" lon="1.51"/>
 <node id="61" version="1" lat="42.565" lon="1.515"/>
 <node id="7" version="1" lat="42.56" lon="1.50">
  <tag k="amenity" v="bench"/></node>
 <node id="8" version="1" lat="42.57" lon="1.50">
  <tag k="place" v="locality"/></node>
 <node id="20" version="1" lat="42.600" lon="1.600"/>
 <node id="21" version="1" lat="42.600" lon="1.601"/>
 <node id="22" version="1" lat="42.601" lon="1.601"/>
 <node id="23" version="1" lat="42.601" lon="1.600"/>
 <node id="30" version="1" lat="42.40" lon="1.40"/>
 <node id="31" version="1" lat="42.40" lon="1.42"/>
 <node id="32" version="1" lat="42.42" lon="1.42"/>
 <node id="33" version="1" lat="42.42" lon="1.40"/>
 <node id="40" version="1" lat="42.45" lon="1.45"/>
 <node id="41" version="1" lat="42.45" lon="1.46"/>
 <node id="42" version="1" lat="42.46" lon="1.46"/>
 <way id="100" version="1"><nd ref="20"/><nd ref="21"/><nd ref="22"/><nd ref="23"/><nd ref="20"/>
  <tag k="tourism" v="alpine_hut"/><tag k="building" v="yes"/><tag k="name" v="Refugi"/></way>
 <way id="101" version="1"><nd ref="30"/><nd ref="31"/><nd ref="32"/><nd ref="33"/><nd ref="30"/>
 </way>
 <way id="102" version="1"><nd ref="40"/><nd ref="41"/><nd ref="42"/><nd ref="40"/>
  <tag k="landuse" v="forest"/></way>
 <way id="103" version="1"><nd ref="6"/><nd ref="60"/>
  <tag k="aerialway" v="chair_lift"/><tag k="name" v="TSD Pic"/></way>
 <way id="104" version="1"><nd ref="60"/><nd ref="61"/><tag k="aerialway" v="drag_lift"/></way>
 <relation id="200" version="1"><member type="way" ref="101" role="outer"/>
  <tag k="type" v="multipolygon"/><tag k="natural" v="wood"/></relation>
</osm>
"""


def test_read_pois_from_a_small_osm_file(tmp_path: Path) -> None:
    path = tmp_path / "places.osm"
    path.write_text(POI_XML, encoding="utf-8")
    pois = read_pois(path)
    assert pois.counts() == {
        "water": 2,
        "shelters": 1,
        "peaks": 1,
        "passes": 1,
        "villages": 1,
        "lifts": 2,
        "forest": 2,
    }
    assert {(p.kind, p.name) for p in pois.water} == {("spring", "Font"), ("drinking_water", "")}
    (hut,) = pois.shelters
    assert (hut.kind, hut.name, hut.osm_id) == ("alpine_hut", "Refugi", "w100")
    assert 1.600 < hut.lon < 1.601 and 42.600 < hut.lat < 42.601  # inside the building
    assert pois.peaks[0].ele_m == 2905.0 and pois.peaks[0].osm_id == "n3"
    assert pois.passes[0].kind == "pass" and pois.villages[0].kind == "hamlet"
    # Both ends of the chair lift; the drag lift carries nobody down.
    assert {(p.kind, p.name, p.osm_id) for p in pois.lifts} == {
        ("chair_lift", "TSD Pic", "n6"),
        ("chair_lift", "TSD Pic", "n60"),
    }
    # The wood relation and the forest way, as polygons.
    assert any(f.contains(shapely.Point(1.41, 42.41)) for f in pois.forest)
    assert any(f.contains(shapely.Point(1.458, 42.452)) for f in pois.forest)
    import pickle

    again = pickle.loads(pickle.dumps(pois))
    assert again.counts() == pois.counts() and again.shelters == pois.shelters


def test_read_pois_refuses_a_non_osm_file(tmp_path: Path) -> None:
    from routeplanner.errors import DataError

    bad = tmp_path / "x.osm"
    bad.write_text("not xml at all", encoding="utf-8")
    with pytest.raises(DataError):
        read_pois(bad)


# -- the command line ---------------------------------------------------------------------------


@pytest.fixture
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROUTEPLANNER_DATA_DIR", raising=False)
    logger = logging.getLogger("routeplanner")
    level = logger.level
    yield
    logger.setLevel(level)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("_isolated")
def test_loop_safety_on_a_tiny_region(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A 2 km square of path with a hostile-named spring at a corner.
    sq = {1: (0.0, 0.0), 2: (500.0, 0.0), 3: (500.0, 500.0), 4: (0.0, 500.0)}
    lon, lat = to_lonlat(
        np.array([x for x, _ in sq.values()]), np.array([y for _, y in sq.values()])
    )
    nodes = "".join(
        f'<node id="{n}" version="1" lat="{la:.7f}" lon="{lo:.7f}"/>'
        for n, lo, la in zip(sq, lon, lat, strict=True)
    )
    slon, slat = to_lonlat(510.0, 250.0)
    xml = (
        '<?xml version="1.0"?><osm version="0.6">'
        + nodes
        + f'<node id="9" version="1" lat="{float(slat):.7f}" lon="{float(slon):.7f}">'
        '<tag k="natural" v="spring"/><tag k="name" v="&lt;b&gt;Font\u202e"/></node>'
        '<way id="50" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/>'
        '<nd ref="1"/><tag k="highway" v="path"/><tag k="name" v="Quadrat"/></way></osm>'
    )
    osm = tmp_path / "square.osm"
    osm.write_text(xml, encoding="utf-8")
    dem = make_dem(lambda x, y: 0 * x + 1200.0, extent_m=1500.0, cell_m=20.0)
    tif = write_geotiff(tmp_path / "square.tif", dem.elevation, dem.transform)
    start = f"{float(lat[0]):.6f},{float(lon[0]):.6f}"
    base = ["loop", "--osm", str(osm), "--dem", str(tif), "--start", start, "--duration", "12m"]
    when = ["--date", "2025-06-21", "--start-time", "09:00"]
    code, out, err = run([*base, *when, "--json"], capsys)
    assert code in (0, 3), err
    safety = json.loads(out)["routes"][0]["safety"]
    assert [w["kind"] for w in safety["water"]] == ["spring"]
    assert safety["water"][0]["name"] == "<b>Font\u202e"  # JSON keeps the raw name
    assert safety["emergency_number"] == "112"
    code, out, err = run([*base, *when, "--safety", "--gpx", "sq.gpx", "--out", "sq.html"], capsys)
    assert code in (0, 3), err
    assert "SAFETY SHEET" in out and "Partner message:" in out and "\u202e" not in out
    text = (tmp_path / "safety.txt").read_text(encoding="utf-8")
    assert "If you have not heard from me by" in text and "sq.gpx" in text
    page = (tmp_path / "sq.html").read_text(encoding="utf-8")
    assert "rp-safety" in page and "<b>Font" not in page
    assert "<wpt" in (tmp_path / "sq.gpx").read_text(encoding="utf-8")


@pytest.mark.usefixtures("_isolated")
def test_loop_bad_date_fails_before_loading(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["loop", "--osm", "nowhere.osm", "--dem", "nowhere.tif", "--start", "42.5,1.5"]
    code, _out, err = run([*args, "--duration", "30m", "--date", "21/06/2025"], capsys)
    assert code == 2 and "--date" in err and "YYYY-MM-DD" in err
    assert len(err.strip().splitlines()) == 1


# -- Andorra end to end ---------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.usefixtures("_isolated")
def test_andorra_2025_loop_safety(
    shared_data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "loop",
        "--region",
        "andorra",
        "--data-dir",
        str(shared_data_dir),
        "--start",
        "42.5450,1.5148",
        "--duration",
        "75m",
        "--date",
        "2025-06-21",
        "--json",
    ]
    code, out, err = run(args, capsys)
    assert code in (0, 3), err
    safety = json.loads(out)["routes"][0]["safety"]
    # La Massana: the loop starts in town, on a road; the start itself is no bail-out.
    first = safety["bailouts"][0]
    assert haversine_m(1.5148, 42.5450, first["lon"], first["lat"]) > 200.0
    assert safety["emergency_number"] == "112"
    assert safety["sunrise"].startswith("2025-06-21T06:1") and safety["sunrise"].endswith("+02:00")
    assert safety["sunset"].startswith("2025-06-21T21:3")
    assert safety["expected_finish"].startswith("2025-06-21T09:")
    assert 1300 < safety["highest_m"] < 2500
    assert 0 < safety["longest_without_bailout_s"] < 75 * 60 * 1.1
    assert "call 112" in safety["partner_message"]


@pytest.mark.usefixtures("_isolated")
def test_workout_repeats_carries_the_sheet(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from synth import write_osm_xml

    nodes = {1: (-2000.0, 0.0), 2: (300.0, 0.0), 3: (2000.0, 0.0), 4: (300.0, 600.0)}
    ways = [
        ([1, 2, 3], {"highway": "path", "name": "Valley"}),
        ([2, 4], {"highway": "path", "name": "Ramp"}),
    ]
    dem = make_dem(lambda x, y: 1000.0 + 0.2 * np.maximum(y, 0.0) + 0.0 * x, extent_m=2500.0)
    osm = write_osm_xml(tmp_path / "h.osm", nodes, ways, digits=8)
    tif = write_geotiff(tmp_path / "h.tif", dem.elevation, dem.transform)
    lon, lat = to_lonlat(0.0, 0.0)
    args = ["workout", "repeats", "--osm", str(osm), "--dem", str(tif), "--no-cache"]
    args += ["--minutes", "2-12"]  # the whole 120 m ramp (about 10 minutes up)
    near = ["--near", f"{float(lat)},{float(lon)}", "--reps", "3", "--date", "2025-06-21"]
    code, out, err = run([*args, *near, "--json"], capsys)
    assert code == 0, err
    safety = json.loads(out)["routes"][0]["safety"]
    assert safety["highest_m"] == pytest.approx(1120.0, abs=2.0)  # the top of the 120 m ramp
    assert safety["bailouts"] == []  # no road, village or lift anywhere
    code, out, err = run([*args, *near, "--safety", "--gpx", "w.gpx"], capsys)
    assert code == 0, err
    assert "SAFETY SHEET" in out and (tmp_path / "safety.txt").is_file()


def test_out_and_back_inside_one_road_edge(flat) -> None:
    # No network node is reached: the sheet still works from the road points themselves.
    net, _ = flat
    road = next(e for e in range(net.n_edges) if net.edge_class[e] > 0)
    route = make_route(
        net,
        [Step(road, 100.0, 400.0), Step(road, 400.0, 100.0)],
        pace.RunnerProfile.from_strings("6:00"),
    )
    sheet = safety_sheet(route, net, valley_pois(), start=START)
    # On the road all the way: the first road point past the start's 200 m is the bail-out.
    assert [(b.kind, b.name) for b in sheet.bailouts] == [("road", "Carretera Test")]
    assert 200.0 < sheet.bailouts[0].along_m < 230.0
    assert sheet.longest_without_bailout_s < 60.0


def test_sheet_text_in_imperial_units(flat) -> None:
    net, route = flat
    sheet = safety_sheet(route, net, valley_pois(), start=START, title="Valley run")
    metric = sheet.lines()
    text = sheet.to_text(units="imperial")
    # the method note is kept as built
    body = "\n".join(ln for ln in text.splitlines() if "(" != ln[4:5])
    # 6000 m = 3.73 mi; bail-outs at 2000 m = 1.24 mi and 5000 m = 3.11 mi.
    assert "3.7 mi, +0 ft" in body and "6.0 km" in metric[1]
    assert "(mi 1.2-3.1)" in body and "(km 2.0-5.0)" in metric[3]
    assert "mi   1.2  road" in body and "mi   3.1  village" in body
    assert " km" not in body and " m " not in body and " m," not in body
    assert "ft" in sheet.to_html(units="imperial") and " ft" not in "".join(metric)
    # the partner message too, in the terminal; JSON and files keep the metric one
    assert "Running Valley run: 3.7 mi, +0 ft" in text
    assert sheet.to_json()["partner_message"].startswith("Running Valley run: 6.0 km, +0 m")


def test_water_and_bailouts_become_fit_course_points(flat) -> None:
    import io

    import fitdecode

    from routeplanner.output import fit
    from routeplanner.output.points import safety_points

    net, route = flat
    sheet = safety_sheet(route, net, valley_pois(), start=START, title="Valley run")
    points = safety_points(route, sheet)
    assert [(p.kind, p.name) for p in points] == [
        ("water", "Water: Font Freda"),
        ("bailout", "Bail-out: Carretera Test"),
        ("bailout", "Bail-out: Poble"),
    ]
    data = fit.course_bytes(route, start=START, points=points, climbs=False)
    found = []
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "course_point":
                found.append({f.name: f.value for f in frame.fields})
    assert [(p["type"], p["name"]) for p in found] == [
        ("water", "Water: Font Freda"),
        ("alert", "Bail-out: Carretera Test"),
        ("alert", "Bail-out: Poble"),
    ]
    # Where the route passes each place: the spring at 1.5 km, the road at 2, the village at 5.
    assert [p["distance"] for p in found] == pytest.approx([1500.0, 2000.0, 5000.0], abs=5.0)
    # On the course itself (the route runs along y = 0, i.e. latitude 42.5).
    lats = [p["position_lat"] * 180.0 / 2**31 for p in found]
    assert lats == pytest.approx([42.5] * 3, abs=1e-5)
    t = [(p["timestamp"] - START).total_seconds() for p in found]
    assert t == pytest.approx([1500.0 * SPM, 2000.0 * SPM, 5000.0 * SPM], abs=5.0 * SPM)


# -- each route its own points --------------------------------------------------------------------


def test_the_start_is_not_a_bailout() -> None:
    # A road crosses the trail 100 m from the start (the start itself) and at 2 km.
    nodes = {**NODES, 4: (100.0, 0.0), 20: (100.0, -400.0), 21: (100.0, 400.0)}
    ways = [
        ([1, 4, 2, 3], {"highway": "path", "name": "Camí Llarg"}),
        ([10, 2, 11], {"highway": "tertiary", "name": "Carretera Test"}),
        ([20, 4, 21], {"highway": "tertiary", "name": "Carrer de l'Inici"}),
    ]
    net = make_network(nodes, ways, extent_m=7000.0, cell_m=20.0)
    route = east_route_via(net, [100.0, 2000.0, 6000.0])
    pois = valley_pois()
    pois = Pois(**{**pois.__dict__, "villages": (*pois.villages, poi("village", "Inici", 0, 50))})
    sheet = safety_sheet(route, net, pois, start=START)
    assert [(b.kind, b.name) for b in sheet.bailouts] == [
        ("road", "Carretera Test"),
        ("village", "Poble"),
    ]
    # The start still ends the first stretch: 0-2 km, then 2-5 km (the longest).
    assert sheet.longest_without_bailout_m == pytest.approx((2000.0, 5000.0), abs=5.0)


def east_route_via(net, stops: list[float], profile=None):
    """The route from x = 0 east along the trail through nodes at ``stops``."""
    profile = profile or pace.RunnerProfile.from_strings("6:00")
    steps, x = [], 0.0
    for target in stops:
        for e in range(net.n_edges):
            if net.edge_class[e] != 0:
                continue
            ends = [to_xy_lon(net.node_lon[n]) for n in (net.edge_u[e], net.edge_v[e])]
            length = float(net.edge_length_m[e])
            if abs(ends[0] - x) < 1 and abs(ends[1] - target) < 1:
                steps.append(Step(e, 0.0, length))
            elif abs(ends[1] - x) < 1 and abs(ends[0] - target) < 1:
                steps.append(Step(e, length, 0.0))
        x = target
    assert len(steps) == len(stops)
    return make_route(net, steps, profile, name="east", kind="traverse")


def _gpx_points(path: Path, tag: str) -> np.ndarray:
    root = etree.parse(str(path)).getroot()
    pts = root.iter("{http://www.topografix.com/GPX/1/1}" + tag)
    return np.array([(float(p.get("lon")), float(p.get("lat"))) for p in pts])


def _metres_off(points: np.ndarray, track: np.ndarray) -> np.ndarray:
    from synth import to_xy

    px, py = to_xy(points[:, 0], points[:, 1])
    tx, ty = to_xy(track[:, 0], track[:, 1])
    return np.hypot(px[:, None] - tx[None, :], py[:, None] - ty[None, :]).min(axis=1)


@pytest.mark.usefixtures("_isolated")
def test_each_alternative_carries_its_own_safety_points(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from synth import write_osm_xml

    # Two trail diamonds share the start; a road and a spring lie at each far tip.  The
    # west one is a little smaller (mirror images have the same stats: one loop to the search).
    # The village Vila, 100 m from the start, is the start itself (no bail-out) and names
    # the courses.
    nodes, ways, tags = (
        {1: (0.0, 0.0), 2: (0.0, 100.0)},
        [],
        {2: {"place": "village", "name": "Vila"}},
    )
    for side, sx, base in (("East", 1.0, 10), ("West", -0.96, 20)):
        nodes |= {
            base + 1: (sx * 700.0, abs(sx) * 500.0),
            base + 2: (sx * 1400.0, 0.0),
            base + 3: (sx * 700.0, abs(sx) * -500.0),
            base + 4: (sx * 2000.0, 0.0),
            base + 5: (sx * 1450.0, 60.0),
        }
        ways.append(([1, base + 1, base + 2, base + 3, 1], {"highway": "path", "name": side}))
        ways.append(([base + 2, base + 4], {"highway": "tertiary", "name": f"{side} Road"}))
        tags[base + 5] = {"natural": "spring", "name": f"{side} Spring"}
    osm = write_osm_xml(tmp_path / "d.osm", nodes, ways, node_tags=tags, digits=8)
    dem = make_dem(lambda x, y: 0 * x + 1200.0, extent_m=2500.0, cell_m=20.0)
    tif = write_geotiff(tmp_path / "d.tif", dem.elevation, dem.transform)
    lon, lat = to_lonlat(0.0, 0.0)
    args = ["loop", "--osm", str(osm), "--dem", str(tif), "--no-cache", "--duration", "20m"]
    args += ["--start", f"{float(lat)},{float(lon)}", "--alternatives", "2", "--safety"]
    args += ["--gpx", "a.gpx", "--fit", "a.fit", "--date", "2025-06-21", "--start-time", "09:00"]
    code, out, err = run(args, capsys)
    assert code in (0, 3), err
    sides = set()
    for gpx in ("a.gpx", "a-2.gpx"):
        track = _gpx_points(tmp_path / gpx, "trkpt")
        side = "East" if track[:, 0].max() > lon + 0.005 else "West"
        sides.add(side)
        wpts = etree.parse(str(tmp_path / gpx)).getroot().iter("{*}wpt")
        names = {w.findtext("{*}name") for w in wpts}
        assert f"Bail-out: {side} Road" in names
        assert any(n.startswith(f"{side} Spring") for n in names)
        other = "West" if side == "East" else "East"
        assert not any(n.startswith(other) or other in n for n in names), names
        off = _metres_off(_gpx_points(tmp_path / gpx, "wpt"), track)
        assert off.max() < 100.0  # the spring is 60 m off the tip; everything else on it
    assert sides == {"East", "West"}
    # Course names say where and how long, alternatives numbered.
    for gpx, name in (("a.gpx", "Vila loop 20 min"), ("a-2.gpx", "Vila loop 20 min (2)")):
        root = etree.parse(str(tmp_path / gpx)).getroot()
        assert root.findtext("{*}metadata/{*}name") == name
        assert root.findtext("{*}trk/{*}name") == name
        fit = (tmp_path / gpx.replace(".gpx", ".fit")).read_bytes()
        assert name.encode() in fit
    assert "Vila" not in out.split("Partner message:")[0].split("Bail-outs")[1]
    # Each partner message names its own files.
    first, second = (m.split("\n\n")[0] for m in out.split("Partner message:")[1:3])
    assert "a.gpx, a.fit" in first and "a-2" not in first
    assert "a-2.gpx, a-2.fit" in second and "a.gpx" not in second
