"""Tests for skilines.lines: slope/aspect maths on synthetic planes, sources, selection."""

from __future__ import annotations

import json
import math
from pathlib import Path

import gpxpy.gpx
import numpy as np
import pyproj
import pytest
import rasterio
from affine import Affine
from rasterio.crs import CRS
from synth import make_dem, make_network, to_lonlat

from routeplanner.errors import CoverageError, DataError, InputError
from routeplanner.output import maps
from routeplanner.output import skilines as sk_out
from routeplanner.skilines import fall_lines, line_files
from routeplanner.skilines import lines as sk
from routeplanner.sources.dem import open_dem
from routeplanner.terrain import BANDS, band_shares

UTM31 = CRS.from_epsg(32631)
# Top-left corner of the synthetic UTM rasters (near Andorra).
X0, Y0 = 380_000.0, 4_720_000.0
TO_LONLAT = pyproj.Transformer.from_crs("EPSG:32631", "EPSG:4326", always_xy=True)
COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def utm_plane(tmp_path: Path, slope_deg: float, aspect_deg: float, n: int = 200, cell=10.0):
    """A GeoTIFF plane in UTM 31N of the given slope facing ``aspect_deg``, opened as a Dem.

    Downhill points along the aspect: z = 2000 - tan(slope) * (east * sin + north * cos).
    """
    transform = Affine(cell, 0.0, X0, 0.0, -cell, Y0)
    rows, cols = np.mgrid[0:n, 0:n]
    x = X0 + (cols + 0.5) * cell
    y = Y0 - (rows + 0.5) * cell
    g = math.tan(math.radians(slope_deg))
    a = math.radians(aspect_deg)
    cx, cy = X0 + n * cell / 2, Y0 - n * cell / 2
    z = 2000.0 - g * ((x - cx) * math.sin(a) + (y - cy) * math.cos(a))
    path = tmp_path / f"plane_{slope_deg}_{aspect_deg}.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=n,
        width=n,
        count=1,
        dtype="float32",
        crs=UTM31,
        transform=transform,
    ) as dst:
        dst.write(z.astype(np.float32), 1)
    return open_dem([path]), (cx, cy)


def utm_line(centre, direction_deg: float, length_m: float, n: int = 7) -> sk.RawLine:
    """A straight line through ``centre`` (UTM) heading ``direction_deg``, as lon/lat."""
    t = np.linspace(-length_m / 2, length_m / 2, n)
    d = math.radians(direction_deg)
    x = centre[0] + t * math.sin(d)
    y = centre[1] + t * math.cos(d)
    lon, lat = TO_LONLAT.transform(x, y)
    return sk.RawLine("file:test:1", "test line", "file", np.asarray(lon), np.asarray(lat), {})


def angle_diff(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


# -- the maths on planes --------------------------------------------------------------


def test_fall_line_on_35_degree_plane(tmp_path):
    dem, centre = utm_plane(tmp_path, 35.0, 90.0)  # faces east
    # Given bottom to top (heading west, uphill): it must come back top to bottom.
    line = sk.analyze_line(utm_line(centre, 270.0, 600.0), dem)
    s = line.stats
    assert s.slope_mean_deg == pytest.approx(35.0, abs=0.05)
    assert s.slope_max_deg == pytest.approx(35.0, abs=0.05)
    assert s.band_dict()["35-45"] == 1.0
    assert sum(s.band_shares) == pytest.approx(1.0)
    assert s.aspect == "E"
    assert s.aspect_deg == pytest.approx(90.0, abs=0.1)
    assert s.aspect_spread_deg < 0.5
    assert s.aspect_shares[2] == pytest.approx(1.0)
    # Lengths are haversine (spherical, as the network's); east-west at 42.5° N that is
    # 0.26 % short of the ellipsoid, and UTM's scale factor here is 0.99977.
    assert s.length_m == pytest.approx(600.0 / 0.99977 * (6371.0088 / 6387.9), rel=3e-4)
    assert s.vertical_drop_m == pytest.approx(600.0 * math.tan(math.radians(35.0)), abs=1.0)
    assert s.top_ele_m - s.bottom_ele_m == pytest.approx(s.vertical_drop_m)
    assert s.pitch_mean_deg == pytest.approx(35.0, abs=0.2)
    assert s.pitch_max_deg == pytest.approx(35.0, abs=0.2)
    # Top to bottom: elevation falls and the line heads east (downhill).
    assert line.ele[0] > line.ele[-1]
    assert line.lon[-1] > line.lon[0]
    assert line.dist_m[0] == 0.0 and line.dist_m[-1] == pytest.approx(s.length_m)


def test_traverse_has_slope_but_no_pitch(tmp_path):
    dem, centre = utm_plane(tmp_path, 30.5, 45.0)  # faces NE
    # Along the contour (heading SE): terrain slope 30.5°, the line itself flat.
    s = sk.analyze_line(utm_line(centre, 135.0, 400.0), dem).stats
    assert s.slope_mean_deg == pytest.approx(30.5, abs=0.05)
    assert s.band_dict()["30-31"] == 1.0
    assert s.aspect == "NE" and s.aspect_deg == pytest.approx(45.0, abs=0.1)
    assert s.vertical_drop_m < 0.5
    assert s.pitch_max_deg < 0.1


@pytest.mark.parametrize("aspect", [0.0, 45.0, 90.0, 135.0, 180.0, 225.0, 270.0, 315.0])
def test_aspect_of_planes(tmp_path, aspect):
    dem, centre = utm_plane(tmp_path, 28.0, aspect, n=60)
    s = sk.analyze_line(utm_line(centre, aspect, 300.0), dem).stats
    assert s.aspect == COMPASS[int(aspect // 45)]
    assert angle_diff(s.aspect_deg, aspect) < 0.1
    assert s.slope_mean_deg == pytest.approx(28.0, abs=0.05)
    assert s.band_dict()["27-29"] == 1.0


def test_geographic_dem_plane_from_synth():
    # make_dem: WGS84 cells; Horn uses geodesic cell sizes, the plane was built on a
    # sphere, so slopes agree to ~0.1°. 40° facing north (z falls towards +y).
    g = math.tan(math.radians(40.0))
    dem = make_dem(lambda x, y: 3000.0 - g * y, extent_m=1000.0, cell_m=10.0)
    lon, lat = to_lonlat(np.zeros(5), np.linspace(-300.0, 300.0, 5))
    s = sk.analyze_line(sk.RawLine("x", "x", "file", lon, lat, {}), dem).stats
    assert s.slope_mean_deg == pytest.approx(40.0, abs=0.2)
    assert s.band_dict()["35-45"] == 1.0
    assert s.aspect == "N" and angle_diff(s.aspect_deg, 0.0) < 0.2
    assert s.vertical_drop_m == pytest.approx(600.0 * g, rel=0.01)


def test_line_stats_by_hand():
    # 100 m line: slope 20° on samples 0..50 m, 40° on 60..100 m, elevation falling at 30°.
    d = np.arange(0.0, 101.0, 10.0)
    slope = np.where(d <= 50.0, 20.0, 40.0)
    ele = 1000.0 - d * math.tan(math.radians(30.0))
    s = sk.line_stats(d, ele, slope, np.full(d.size, 180.0))
    # Trapezoid: 20*50 + 30*10 + 40*40 = 2900 over 100 m.
    assert s.slope_mean_deg == pytest.approx(29.0)
    # Steepest 50 m: 50..100 m = (30*10 + 40*40) / 50.
    assert s.slope_max_deg == pytest.approx(38.0)
    # Sample weights: 0..50 m own 55 m, 60..100 m own 45 m.
    assert s.band_shares == pytest.approx((0.55, 0, 0, 0, 0.45, 0, 0))
    assert s.aspect == "S" and s.aspect_spread_deg == pytest.approx(0.0, abs=1e-6)
    assert s.pitch_max_deg == pytest.approx(30.0)
    assert s.pitch_mean_deg == pytest.approx(30.0)
    assert s.length_m == 100.0 and s.vertical_drop_m == pytest.approx(
        100 * math.tan(math.radians(30))
    )


def test_line_stats_rejects_bad_profiles():
    with pytest.raises(InputError, match="equal length"):
        sk.line_stats([0, 1], [1, 2, 3], [1, 2], [1, 2])
    with pytest.raises(InputError, match="non-finite"):
        sk.line_stats([0, 1], [1, np.nan], [1, 2], [1, 2])
    with pytest.raises(InputError, match="decrease"):
        sk.line_stats([0, 2, 1], [1, 2, 3], [1, 2, 3], [1, 2, 3])


def test_band_edges():
    # Half-open bands at the lower bounds; 0.1° rounding at the edges.
    values = [26.9, 26.96, 29.99, 30.0, 31.9, 34.96, 45.9, 46.0, 49.9, 50.0, 70.0]
    got = [BANDS[int(np.argmax(band_shares([v])))][0] for v in values]
    assert got == [
        "<27",
        "27-29",
        "30-31",
        "30-31",
        "30-31",
        "35-45",
        "35-45",
        "46-50",
        "46-50",
        "50+",
        "50+",
    ]
    assert band_shares([10.0, 40.0], [3.0, 1.0]) == pytest.approx((0.75, 0, 0, 0, 0.25, 0, 0))
    assert band_shares([np.nan]) == (0.0,) * 7
    assert sk_out.slope_color(36.0) == sk_out.BAND_COLORS[4]
    assert sk_out.slope_color(10.0) == sk_out.BAND_COLORS[0]


def test_circular_aspect():
    mean, spread, shares = sk.circular_aspect([350.0, 10.0])
    assert angle_diff(mean, 0.0) < 1e-9
    assert spread == pytest.approx(
        math.degrees(math.sqrt(-2 * math.log(math.cos(math.radians(10)))))
    )
    assert shares[0] == 1.0
    mean, spread, _ = sk.circular_aspect([90.0, 270.0])
    assert math.isnan(mean) and spread == 180.0
    mean, _, shares = sk.circular_aspect([0.0, 90.0, np.nan], [1.0, 3.0, 5.0])
    assert mean == pytest.approx(math.degrees(math.atan2(3.0, 1.0)))
    assert shares[0] == pytest.approx(0.25) and shares[2] == pytest.approx(0.75)
    assert math.isnan(sk.circular_aspect([np.nan])[0])


def test_line_outside_dem_is_an_error(tmp_path):
    dem, _ = utm_plane(tmp_path, 30.0, 0.0, n=50)
    far = sk.RawLine(
        "file:x:1", "far away", "file", np.array([6.0, 6.01]), np.array([45, 45.01]), {}
    )
    with pytest.raises(CoverageError, match=r"far away.*100% outside the elevation data"):
        sk.analyze_line(far, dem)
    assert sk.analyze_lines([far], dem) == []
    with pytest.raises(CoverageError):
        sk.analyze_lines([far], dem, skip_uncovered=False)


def test_bad_line_geometry(tmp_path):
    dem, centre = utm_plane(tmp_path, 30.0, 0.0, n=50)
    lon, lat = TO_LONLAT.transform(centre[0], centre[1])
    one = sk.RawLine("a", "one point", "file", np.array([lon]), np.array([lat]), {})
    with pytest.raises(InputError, match="at least 2 points"):
        sk.analyze_line(one, dem)
    same = sk.RawLine("b", "no length", "file", np.array([lon, lon]), np.array([lat, lat]), {})
    with pytest.raises(InputError, match="zero length"):
        sk.analyze_line(same, dem)
    with pytest.raises(InputError, match="sample spacing"):
        sk.analyze_line(utm_line(centre, 0.0, 100.0), dem, sample_m=0.0)


# -- slope window and DEM fall lines ---------------------------------------------------


def test_parse_slope_window():
    assert fall_lines.parse_slope_window("30-45") == (30.0, 45.0)
    assert fall_lines.parse_slope_window("27–35°") == (27.0, 35.0)
    assert fall_lines.parse_slope_window(" 30 - 45 deg ") == (30.0, 45.0)
    assert fall_lines.parse_slope_window((25, 40)) == (25.0, 40.0)
    with pytest.raises(InputError, match="out of range"):
        fall_lines.parse_slope_window("30-95")
    with pytest.raises(InputError, match="low bound must be below"):
        fall_lines.parse_slope_window("45-30")
    with pytest.raises(InputError, match="invalid slope window"):
        fall_lines.parse_slope_window("steep")
    with pytest.raises(InputError, match="invalid slope window"):
        fall_lines.parse_slope_window("30-nan")


# 37°, not 35°: make_dem's planes are built on a sphere and read ~0.1° low by the
# geodesic Horn slope, which would put a 35° face on the 32-34 band edge.
G37 = math.tan(math.radians(37.0))


def step_face(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A plateau, a 37° east-facing face 800 m wide (603 m of drop), a flat valley."""
    return 2000.0 - G37 * np.clip(x, 0.0, 800.0) + 0.0 * y


def test_dem_fall_lines_on_a_step_face():
    dem = make_dem(step_face, extent_m=1500.0, cell_m=20.0)
    raws = fall_lines.dem_lines(dem, (30.0, 45.0), min_drop_m=300.0, spacing_m=250.0)
    assert 8 <= len(raws) <= 13
    lines = [sk.analyze_line(r, dem) for r in raws]
    starts_y = []
    for ln in lines:
        s = ln.stats
        assert ln.source == "dem" and ln.id.startswith("dem:")
        assert s.aspect == "E" and s.aspect_spread_deg < 2.0
        assert s.slope_mean_deg == pytest.approx(37.0, abs=0.5)
        assert 540.0 <= s.vertical_drop_m <= 603.0
        assert s.band_dict()["35-45"] > 0.95
        starts_y.append(float(ln.lat[0]))
    ys = np.sort(np.asarray(starts_y)) * (math.pi / 180 * 6_371_008.8)
    assert np.min(np.diff(ys)) > 200.0  # kept lines are spaced apart
    assert fall_lines.dem_lines(dem, (30.0, 45.0), min_drop_m=650.0) == []
    assert fall_lines.dem_lines(dem, (40.0, 50.0), min_drop_m=100.0) == []
    west, south, east, north = dem.bounds_lonlat
    mid = (south + north) / 2
    only = fall_lines.dem_lines(
        dem, (30, 45), min_drop_m=300.0, bbox=(west, mid - 0.001, east, mid + 0.001)
    )
    assert 1 <= len(only) <= 2
    # A trace cut at 200 m cannot drop 300 m on a 37° face (it drops about 120 m).
    short = fall_lines.TraceOptions(max_length_m=200.0)
    assert fall_lines.dem_lines(dem, (30.0, 45.0), min_drop_m=300.0, trace=short) == []
    assert fall_lines.dem_lines(dem, (30.0, 45.0), min_drop_m=100.0, trace=short)
    with pytest.raises(InputError, match="trace step"):
        fall_lines.TraceOptions(step_m=0.5)


G20 = math.tan(math.radians(20.0))


def ridge(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A north-south ridge: 20° for 200 m each side of the crest, then 37° for 600 m."""
    d = np.abs(x)
    return 2000.0 - G20 * np.clip(d, 0.0, 200.0) - G37 * np.clip(d - 200.0, 0.0, 600.0) + 0 * y


def test_wider_slope_windows_never_find_fewer_lines():
    dem = make_dem(ridge, extent_m=1000.0, cell_m=20.0)
    west, south, east, north = dem.bounds_lonlat
    inner = (west + 0.002, south + 0.002, east - 0.002, north - 0.002)  # no DEM edge seeds
    counts = [
        len(fall_lines.dem_lines(dem, window, min_drop_m=300.0, bbox=inner))
        for window in ((30.0, 45.0), (20.0, 45.0), (10.0, 60.0), (0.0, 70.0))
    ]
    assert counts[0] >= 8  # both 37° faces, lines 250 m apart along 1.7 km
    assert counts == sorted(counts), counts


def test_dem_line_cap_is_reported():
    dem = make_dem(step_face, extent_m=1500.0, cell_m=20.0)
    every = fall_lines.find_dem_lines(dem, (30.0, 45.0), min_drop_m=300.0)
    assert every.capped_at is None and len(every.lines) >= 8
    few = fall_lines.find_dem_lines(dem, (30.0, 45.0), min_drop_m=300.0, max_lines=3)
    assert few.capped_at == 3
    assert [r.id for r in few.lines] == [r.id for r in every.lines[:3]]
    exact = len(every.lines)
    assert fall_lines.find_dem_lines(dem, (30, 45), max_lines=exact).capped_at is None


def test_trace_fall_line_from_a_point():
    dem = make_dem(step_face, extent_m=1500.0, cell_m=20.0)
    lon, lat = to_lonlat(100.0, 0.0)
    raw = fall_lines.trace_fall_line(dem, float(lon), float(lat), (30.0, 45.0))
    assert raw is not None and raw.id == f"dem:{float(lat):.5f},{float(lon):.5f}"
    assert np.all(np.diff(raw.lon) > 0)  # straight down the face, eastwards
    assert np.ptp(raw.lat) < 1e-6
    s = sk.analyze_line(raw, dem).stats
    assert s.length_m == pytest.approx(680.0, abs=40.0)
    flat_lon, flat_lat = to_lonlat(-500.0, 0.0)
    assert fall_lines.trace_fall_line(dem, float(flat_lon), float(flat_lat)) is None
    with pytest.raises(InputError, match="out of range"):
        fall_lines.trace_fall_line(dem, float(lon), float(lat), (30.0, 80.0))


# -- sources ---------------------------------------------------------------------------


def test_osm_lines_from_network_features():
    nodes = {i: (100.0 * i, 50.0 * (i % 3)) for i in range(1, 20)}
    ways = [
        ([1, 2], {"highway": "path", "name": "Main"}),
        ([3, 4], {"piste:type": "downhill", "piste:difficulty": "easy", "name": "Blue run"}),
        ([5, 6, 7, 5], {"piste:type": "downhill", "name": "Area"}),
        ([8, 9], {"aerialway": "chair_lift", "name": "Lift"}),
        ([10, 11], {"piste:type": "nordic"}),
        ([12, 13], {"piste:type": "sled", "name": "Sledging"}),
        ([14, 15], {"piste:type": "skitour", "piste:name": "Tour", "name": "Other"}),
    ]
    net = make_network(nodes, ways)
    raws = sk.osm_lines(net)
    assert [(r.id, r.name) for r in raws] == [
        ("osm:200", "Blue run"),
        ("osm:500", "unnamed nordic piste 500"),
        ("osm:700", "Tour"),
    ]
    assert raws[0].tags["piste:difficulty"] == "easy" and raws[0].source == "osm"
    assert [r.id for r in sk.osm_lines(net, types=["skitour"])] == ["osm:700"]


def write_gpx(path: Path, tracks=(), routes=(), waypoints=()) -> Path:
    gpx = gpxpy.gpx.GPX()
    for name, pts in tracks:
        trk = gpxpy.gpx.GPXTrack(name=name)
        for part in pts:
            seg = gpxpy.gpx.GPXTrackSegment()
            seg.points = [gpxpy.gpx.GPXTrackPoint(lat, lon, elevation=1.0) for lon, lat in part]
            trk.segments.append(seg)
        gpx.tracks.append(trk)
    for name, pts in routes:
        rte = gpxpy.gpx.GPXRoute(name=name)
        rte.points = [gpxpy.gpx.GPXRoutePoint(lat, lon) for lon, lat in pts]
        gpx.routes.append(rte)
    for lon, lat in waypoints:
        gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(lat, lon))
    path.write_text(gpx.to_xml(), encoding="utf-8")
    return path


def test_read_gpx_tracks_and_routes(tmp_path):
    path = write_gpx(
        tmp_path / "lines.gpx",
        tracks=[("Couloir", [[(1.5, 42.5), (1.501, 42.499)], [(1.502, 42.498)]])],
        routes=[(None, [(1.6, 42.6), (1.601, 42.599)])],
    )
    raws = line_files.read_line_file(path)
    assert [(r.id, r.name, r.source) for r in raws] == [
        ("file:lines:1", "Couloir", "file"),
        ("file:lines:2", "lines 2", "file"),
    ]
    assert raws[0].lon.tolist() == [1.5, 1.501, 1.502]  # segments joined


def test_gpx_with_no_track_is_an_error(tmp_path):
    path = write_gpx(tmp_path / "empty.gpx", waypoints=[(1.5, 42.5)])
    with pytest.raises(InputError, match=r"empty.gpx has no track or route"):
        line_files.read_line_file(path)
    bad = tmp_path / "bad.gpx"
    bad.write_text("<gpx><trk>", encoding="utf-8")
    with pytest.raises(DataError, match="not a valid GPX file"):
        line_files.read_line_file(bad)
    with pytest.raises(DataError, match="line file not found"):
        line_files.read_line_file(tmp_path / "missing.gpx")


def test_hostile_line_files_are_bad_input(tmp_path):
    digits = tmp_path / "digits.geojson"
    line = '{"type": "LineString", "coordinates": [[1.5, 1%s], [1.51, 42.5]]}'
    digits.write_text(line % ("0" * 5000))  # past int()'s digit limit
    with pytest.raises(DataError, match="not a valid GeoJSON file"):
        line_files.read_line_file(digits)
    inf = tmp_path / "inf.gpx"
    pts = '<trkpt lat="1e999" lon="1.5"/><trkpt lat="42.5" lon="1.5"/>'
    inf.write_text(f'<gpx version="1.1"><trk><trkseg>{pts}</trkseg></trk></gpx>')
    with pytest.raises(InputError, match=r"inf\.gpx: line 1 has coordinates out of range"):
        line_files.read_line_file(inf)
    odd = tmp_path / "odd.geojson"
    good = {"type": "LineString", "coordinates": [[1.5, 42.5], [1.51, 42.51]]}
    feats = [{"geometry": "x"}, {"geometry": good, "properties": [1]}]
    odd.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    assert [r.name for r in line_files.read_line_file(odd)] == ["odd 1"]


def test_read_geojson(tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[1.5, 42.5, 2000], [1.5, 42.49]],
                },
                "properties": {"name": "North couloir", "grade": 3},
            },
            {
                "type": "Feature",
                "geometry": {
                    "type": "MultiLineString",
                    "coordinates": [[[1.6, 42.5], [1.6, 42.49]], [[1.7, 42.5], [1.7, 42.49]]],
                },
                "properties": {},
            },
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1.5, 42.5]}},
        ],
    }
    path = tmp_path / "my.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    raws = line_files.read_line_file(path)
    assert [r.name for r in raws] == ["North couloir", "my 2", "my 3"]
    assert raws[0].tags == {"name": "North couloir", "grade": "3"}
    points = tmp_path / "points.geojson"
    points.write_text(json.dumps({"type": "Point", "coordinates": [1, 2]}), encoding="utf-8")
    with pytest.raises(InputError, match="no LineString"):
        line_files.read_line_file(points)
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(DataError, match="not a valid GeoJSON"):
        line_files.read_line_file(broken)


# -- selection and output ----------------------------------------------------------------


def raw(id_: str, name: str, **tags: str) -> sk.RawLine:
    return sk.RawLine(id_, name, "osm", np.array([1.5, 1.51]), np.array([42.5, 42.49]), tags)


def test_find_line():
    lines = [
        raw("osm:1", "Trencalès", **{"piste:difficulty": "advanced"}),
        raw("osm:2", "Tamarro", **{"piste:difficulty": "easy"}),
        raw("osm:3", "Tamarro", **{"piste:difficulty": "advanced"}),
        raw("osm:4", "l'Estany"),
        raw("dem:42.50000,1.50000", "fall line 1"),
    ]
    assert sk.find_line(lines, "trencales").id == "osm:1"
    assert sk.find_line(lines, "L ESTANY").id == "osm:4"
    assert sk.find_line(lines, "osm:2").id == "osm:2"
    assert sk.find_line(lines, "3").id == "osm:3"
    assert sk.find_line(lines, "way/3").id == "osm:3"
    assert sk.find_line(lines, "DEM:42.50000,1.50000").name == "fall line 1"
    with pytest.raises(InputError, match=r"ambiguous: osm:2 \(easy\), osm:3 \(advanced\)"):
        sk.find_line(lines, "tamarro")
    with pytest.raises(InputError, match=r"unknown line 'Tamaro'; close matches: 'Tamarro'"):
        sk.find_line(lines, "Tamaro")
    with pytest.raises(InputError, match="no close match among 5 lines"):
        sk.find_line(lines, "Zzyzx")
    with pytest.raises(InputError, match="empty line name"):
        sk.find_line(lines, "  ")


def test_filter_feature_and_popup(tmp_path):
    dem, centre = utm_plane(tmp_path, 35.0, 90.0, n=100)
    evil = "<img src=x onerror=alert(1)>"
    steep = sk.analyze_line(utm_line(centre, 90.0, 300.0)._replace(name=evil), dem)
    dem2, centre2 = utm_plane(tmp_path, 20.0, 90.0, n=100)
    gentle = sk.analyze_line(utm_line(centre2, 90.0, 300.0)._replace(id="file:test:2"), dem2)
    assert sk.filter_lines([steep, gentle], min_slope_deg=30.0) == [steep]
    top = gentle.top
    near = sk.filter_lines([steep, gentle], near=top, within_m=50.0)
    assert near == [steep, gentle]  # same place: both within 50 m, nearest first
    far = (top[0] + 0.1, top[1])
    assert sk.filter_lines([steep, gentle], near=far, within_m=1000.0) == []

    feat = sk_out.line_feature(steep)
    props = feat["properties"]
    for key in (
        "id",
        "name",
        "source",
        "length_m",
        "vertical_drop_m",
        "slope_mean_deg",
        "slope_max_deg",
        "aspect",
        "band_shares",
    ):
        assert key in props
    assert props["band_shares"]["35-45"] == 1.0 and props["aspect"] == "E"
    assert props["kind"] == "ski_line" and props["stroke"] == sk_out.BAND_COLORS[4]
    coords = feat["geometry"]["coordinates"]
    assert feat["geometry"]["type"] == "LineString" and len(coords[0]) == 3
    assert coords[0][2] > coords[-1][2]
    coll = sk_out.line_collection([steep, gentle])
    assert coll["type"] == "FeatureCollection" and len(coll["features"]) == 2
    assert len(coll["bbox"]) == 6
    json.dumps(coll, allow_nan=False)

    popup = sk_out.line_popup_html(steep)
    assert evil not in popup and "&lt;img src=x" in popup

    import folium

    net = make_network({1: (0.0, 0.0), 2: (500.0, 0.0)}, [([1, 2], {"highway": "path"})])
    layer = sk_out.line_layer([steep, gentle])
    m = maps.network_map(net, title="lines", layers=[layer])
    children = list(m._children.values())
    assert children.index(layer) < max(
        i for i, c in enumerate(children) if isinstance(c, folium.LayerControl)
    )
    page = maps.map_html(m)
    # Escaped once by us; folium's tojson then writes the "&" as \u0026.
    assert evil not in page and "lt;img src=x onerror=alert(1)" in page
