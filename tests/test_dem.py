"""Tests for sources.dem on synthetic rasters with known answers, plus the Andorra tile."""

from __future__ import annotations

import gzip
import math
import zipfile
from pathlib import Path

import numpy as np
import pyproj
import pytest
import rasterio
from affine import Affine
from rasterio.crs import CRS
from scipy import ndimage
from synth import write_geotiff

from routeplanner.errors import CoverageError, DataError, InputError
from routeplanner.sources.dem import Dem, open_dem, to_lonlat_grid
from routeplanner.terrain import aspect_name, hillshade, sample_slope, slope_aspect

UTM31 = CRS.from_epsg(32631)
WGS84 = CRS.from_epsg(4326)
GEOD = pyproj.Geod(ellps="WGS84")
# UTM 31N origin of the synthetic projected rasters (near Andorra).
X0, Y0 = 380_000.0, 4_720_000.0


def write_tif(
    path: Path,
    data: np.ndarray,
    transform: Affine,
    crs: CRS,
    nodata: float | None = None,
) -> Path:
    """Write a one-band GeoTIFF."""
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=data.shape[0],
        width=data.shape[1],
        count=1,
        dtype=data.dtype,
        crs=crs,
        transform=transform,
        nodata=nodata,
    ) as dst:
        dst.write(data, 1)
    return path


def from_origin(west: float, north: float, xres: float, yres: float) -> Affine:
    """North-up transform (rasterio's from_origin uses `*`, which affine 3 flags)."""
    return Affine(xres, 0.0, west, 0.0, -yres, north)


def centres(transform: Affine, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """CRS coordinates (x, y) of every cell centre."""
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    x, y = transform @ (cols + 0.5, rows + 0.5)
    return np.asarray(x), np.asarray(y)


def utm_plane(tmp_path: Path, a: float, b: float, shape=(40, 50), cell=10.0) -> Dem:
    """DEM of the plane z = 1000 + a*x_m + b*y_m on a UTM grid (x east, y north)."""
    transform = from_origin(X0, Y0, cell, cell)
    x, y = centres(transform, shape)
    z = (1000.0 + a * (x - X0) + b * (y - Y0)).astype(np.float32)
    return open_dem([write_tif(tmp_path / "plane.tif", z, transform, UTM31)])


def lonlat_of_utm(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = pyproj.Transformer.from_crs(UTM31, WGS84, always_xy=True)
    return t.transform(x, y)


def circular_diff(a: np.ndarray, b: float) -> np.ndarray:
    return np.abs((np.asarray(a, dtype=np.float64) - b + 180.0) % 360.0 - 180.0)


def ramp(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """A linear function of lon/lat (metres), used for the geographic rasters."""
    return 500.0 + 2000.0 * (lon - 1.0) + 7000.0 * (lat - 42.5)


def geographic_ramp(
    path: Path, west: float, north: float, shape: tuple[int, int], res: float = 0.001
) -> Path:
    transform = from_origin(west, north, res, res)
    lon, lat = centres(transform, shape)
    return write_tif(path, ramp(lon, lat).astype(np.float32), transform, WGS84)


# -- slope and aspect -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "aspect"),
    [
        (-0.2, 0.0, 90.0),  # rises to the west: faces east
        (0.2, 0.0, 270.0),  # rises to the east: faces west
        (0.0, 0.3, 180.0),  # rises to the north: faces south
        (0.0, -0.3, 0.0),  # rises to the south: faces north
        (0.1, 0.1, 225.0),  # rises to the north-east: faces south-west
        (-0.5, 0.5, 135.0),  # rises to the north-west: faces south-east
        (0.3, -0.3 * math.sqrt(3.0), 330.0),
    ],
)
def test_slope_aspect_of_projected_plane(tmp_path: Path, a: float, b: float, aspect: float):
    dem = utm_plane(tmp_path, a, b)
    slope, asp = slope_aspect(dem)
    assert slope.shape == asp.shape == dem.elevation.shape
    expected_slope = math.degrees(math.atan(math.hypot(a, b)))
    inner = (slice(1, -1), slice(1, -1))  # border cells use one-sided differences
    np.testing.assert_allclose(slope[inner], expected_slope, atol=0.01)
    assert circular_diff(asp[inner], aspect).max() < 0.01


def test_slope_border_uses_edge_replication(tmp_path: Path):
    # Replicating the edge halves the across-edge difference: Horn's weights then see
    # half the rise over the same 2-cell distance.
    dem = utm_plane(tmp_path, 0.2, 0.0)
    slope, _ = slope_aspect(dem)
    np.testing.assert_allclose(slope[1:-1, 0], math.degrees(math.atan(0.1)), atol=0.01)
    np.testing.assert_allclose(slope[1:-1, -1], math.degrees(math.atan(0.1)), atol=0.01)
    np.testing.assert_allclose(slope[0, 1:-1], math.degrees(math.atan(0.2)), atol=0.01)


def test_flat_cells_have_no_aspect(tmp_path: Path):
    dem = utm_plane(tmp_path, 0.0, 0.0)
    slope, asp = slope_aspect(dem)
    assert np.all(slope == 0.0)
    assert np.all(np.isnan(asp))


@pytest.mark.parametrize(("a", "b", "aspect"), [(-0.3, 0.0, 90.0), (0.2, 0.4, 206.565)])
def test_slope_aspect_of_geographic_plane(tmp_path: Path, a: float, b: float, aspect: float):
    # Metric coordinates of each cell centre from the WGS84 geodesic, so the surface
    # is a plane in metres although the grid is in degrees.
    res = 1.0 / 1200.0
    shape = (60, 60)
    lon0, lat0 = 1.5, 42.5
    transform = from_origin(lon0 - 30 * res, lat0 + 30 * res, res, res)
    lon, lat = centres(transform, shape)
    _, _, dist_x = GEOD.inv(np.full(lon.size, lon0), lat.ravel(), lon.ravel(), lat.ravel())
    _, _, dist_y = GEOD.inv(
        np.full(lon.size, lon0), np.full(lon.size, lat0), np.full(lon.size, lon0), lat.ravel()
    )
    x_m = np.sign(lon.ravel() - lon0) * dist_x
    y_m = np.sign(lat.ravel() - lat0) * dist_y
    z = (1500.0 + a * x_m + b * y_m).reshape(shape).astype(np.float32)
    dem = open_dem([write_tif(tmp_path / "geo.tif", z, transform, WGS84)])
    slope, asp = slope_aspect(dem)
    expected_slope = math.degrees(math.atan(math.hypot(a, b)))
    assert np.abs(slope[1:-1, 1:-1] - expected_slope).max() < 0.2
    assert circular_diff(asp[1:-1, 1:-1], aspect).max() < 0.2


def test_sample_slope_on_plane_and_circular_aspect(tmp_path: Path):
    dem = utm_plane(tmp_path, -0.2, 0.0)
    lon, lat = lonlat_of_utm(np.array([X0 + 123.4, X0 + 301.0]), np.array([Y0 - 77.7, Y0 - 250.0]))
    slope, asp = sample_slope(dem, lon, lat)
    np.testing.assert_allclose(slope, math.degrees(math.atan(0.2)), atol=0.01)
    np.testing.assert_allclose(asp, 90.0, atol=0.01)

    # A valley along a north-facing slope: the cells either side of the axis face
    # +θ and 360-θ; circular interpolation on the axis gives north, not south.
    transform = from_origin(X0, Y0, 10.0, 10.0)
    x, y = centres(transform, (20, 20))
    z = (1000.0 - 0.5 * (y - Y0) + 0.2 * np.abs(x - (X0 + 100.0))).astype(np.float32)
    valley = open_dem([write_tif(tmp_path / "valley.tif", z, transform, UTM31)])
    _, cell_asp = slope_aspect(valley)
    theta = float(cell_asp[10, 9])
    assert 0.0 < theta < 90.0
    assert float(cell_asp[10, 10]) == pytest.approx(360.0 - theta, abs=1e-3)
    lon, lat = lonlat_of_utm(np.array([X0 + 100.0]), np.array([Y0 - 105.0]))
    _, axis_asp = sample_slope(valley, lon, lat)
    assert circular_diff(axis_asp, 0.0)[0] < 0.05


def test_hillshade_known_values(tmp_path: Path):
    flat = utm_plane(tmp_path, 0.0, 0.0)
    shade = hillshade(flat, azimuth_deg=315.0, altitude_deg=45.0)
    assert shade.dtype == np.uint8
    assert np.all(shade == round(255 * math.sin(math.radians(45.0))))
    # 45° slope facing west (rises to the east): lit head-on from the west at 45°
    # altitude, and in full shadow when lit from the east.
    west_facing = utm_plane(tmp_path, 1.0, 0.0)
    inner = (slice(1, -1), slice(1, -1))
    assert np.all(hillshade(west_facing, azimuth_deg=270.0, altitude_deg=45.0)[inner] == 255)
    assert np.all(hillshade(west_facing, azimuth_deg=90.0, altitude_deg=45.0)[inner] == 0)
    with pytest.raises(InputError, match="altitude_deg"):
        hillshade(flat, altitude_deg=95.0)


@pytest.mark.parametrize(
    ("aspect", "name"),
    [
        (0.0, "N"),
        (22.4, "N"),
        (22.6, "NE"),
        (90.0, "E"),
        (135.0, "SE"),
        (180.0, "S"),
        (225.0, "SW"),
        (269.0, "W"),
        (315.0, "NW"),
        (337.6, "N"),
        (359.9, "N"),
        (-45.0, "NW"),
        (float("nan"), "flat"),
    ],
)
def test_aspect_name(aspect: float, name: str):
    assert aspect_name(aspect) == name


# -- sampling -------------------------------------------------------------------------


def test_bilinear_sampling_is_exact_on_a_ramp(tmp_path: Path):
    path = geographic_ramp(tmp_path / "ramp.tif", west=1.0, north=42.53, shape=(30, 40))
    dem = open_dem([path])
    rng = np.random.default_rng(1)
    # Anywhere between the outer cell centres (1.0005 .. 1.0395, 42.5005 .. 42.5295).
    lon = rng.uniform(1.0005, 1.0395, 500)
    lat = rng.uniform(42.5005, 42.5295, 500)
    z = dem.sample(lon, lat)
    assert z.dtype == np.float64 and z.shape == (500,)
    np.testing.assert_allclose(z, ramp(lon, lat), atol=1e-3)
    # Broadcasting and scalars.
    assert dem.sample(1.02, [42.51, 42.52]).shape == (2,)
    assert float(dem.sample(1.02, 42.51)) == pytest.approx(float(ramp(1.02, 42.51)), abs=1e-3)
    # Within the outer half cell: the edge cell's value; outside the raster: NaN.
    assert float(dem.sample(1.0001, 42.51)) == pytest.approx(float(ramp(1.0005, 42.51)), abs=1e-3)
    out = dem.sample([0.9999, 1.0401, 1.02, 1.02, np.nan], [42.51, 42.51, 42.4999, 42.5301, 42.51])
    assert np.all(np.isnan(out))
    np.testing.assert_array_equal(
        dem.covers([1.0001, 1.02, 0.9999], [42.5001, 42.51, 42.51]), [True, True, False]
    )
    assert dem.bounds_lonlat == pytest.approx((1.0, 42.5, 1.04, 42.53))
    dx, dy = dem.cell_size_m()
    assert dx == pytest.approx(0.001 * 111_320 * math.cos(math.radians(42.515)), rel=3e-3)
    assert dy == pytest.approx(0.001 * 111_050, rel=3e-3)


def test_sampling_in_a_projected_crs(tmp_path: Path):
    dem = utm_plane(tmp_path, 0.1, -0.05)
    assert dem.cell_size_m() == (10.0, 10.0)
    x = np.array([X0 + 5.0, X0 + 250.3, X0 + 494.9])
    y = np.array([Y0 - 5.0, Y0 - 133.3, Y0 - 394.9])
    lon, lat = lonlat_of_utm(x, y)
    np.testing.assert_allclose(
        dem.sample(lon, lat), 1000.0 + 0.1 * (x - X0) - 0.05 * (y - Y0), atol=1e-3
    )
    lon_out, lat_out = lonlat_of_utm(np.array([X0 - 20.0]), np.array([Y0 - 100.0]))
    assert np.isnan(dem.sample(lon_out, lat_out)[0])


def test_sampling_next_to_a_nan_cell_on_a_cell_centre():
    z = np.arange(16, dtype=np.float32).reshape(4, 4)
    z[1, 2] = np.nan
    dem = Dem(z, from_origin(0.0, 4.0, 1.0, 1.0), WGS84, voids_filled=0, source="test")
    assert float(dem.sample(1.5, 2.5)) == 5.0  # centre of cell (1, 1), beside the NaN
    assert np.isnan(dem.sample(2.0, 2.5))  # halfway towards the NaN cell
    assert not dem.elevation.flags.writeable


# -- void filling and mosaics ---------------------------------------------------------


def test_voids_are_filled_close_to_the_ramp(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    transform = from_origin(1.0, 42.54, 0.001, 0.001)
    shape = (40, 40)
    lon, lat = centres(transform, shape)
    truth = ramp(lon, lat)
    z = truth.astype(np.float32)
    z[15:19, 20:25] = -9999.0  # a 4 x 5 block
    z[0:2, 0] = -9999.0  # and a void on the border
    path = write_tif(tmp_path / "voids.tif", z, transform, WGS84, nodata=-9999.0)
    with caplog.at_level("INFO", logger="routeplanner.sources.dem"):
        dem = open_dem([path])
    assert dem.voids_filled == 22
    assert "22 void cells filled" in caplog.text
    assert np.isfinite(dem.elevation).all()
    # The block spans 5 x 2 m (columns) and 4 x 7 m (rows) of the ramp; inverse-distance
    # filling alone is off by up to 4.4 m there, the smoothing passes bring it below 0.5 m.
    assert np.abs(dem.elevation[15:19, 20:25] - truth[15:19, 20:25]).max() < 0.5
    assert abs(float(dem.elevation[0, 0]) - truth[0, 0]) < 5.0
    np.testing.assert_array_equal(dem.elevation[:10, 10:], truth[:10, 10:].astype(np.float32))


def test_mosaic_of_adjacent_tiles_is_continuous(tmp_path: Path):
    west = geographic_ramp(tmp_path / "west.tif", west=1.0, north=42.53, shape=(30, 30))
    east = geographic_ramp(tmp_path / "east.tif", west=1.03, north=42.53, shape=(30, 30))
    dem = open_dem([west, east])
    assert dem.elevation.shape == (30, 60)
    assert dem.voids_filled == 0
    assert dem.source == "DEM: west.tif, east.tif"
    lon = np.linspace(1.028, 1.032, 41)
    lat = np.full(41, 42.5123)
    np.testing.assert_allclose(dem.sample(lon, lat), ramp(lon, lat), atol=1e-3)
    # A bbox inside one tile reads only a window around it.
    small = open_dem([west, east], bbox=(1.035, 42.51, 1.04, 42.515), margin_deg=0.002)
    assert small.elevation.shape[1] < 20
    assert small.bounds_lonlat[0] >= 1.03 - 0.0011
    np.testing.assert_allclose(small.sample(1.037, 42.512), ramp(1.037, 42.512), atol=1e-3)


def test_mosaic_leaves_areas_outside_all_tiles_empty(tmp_path: Path):
    sw = geographic_ramp(tmp_path / "sw.tif", west=1.0, north=42.52, shape=(20, 20))
    transform = from_origin(1.02, 42.54, 0.001, 0.001)
    lon, lat = centres(transform, (20, 20))
    z = ramp(lon, lat).astype(np.float32)
    z[5:8, 5:8] = -9999.0  # 9 void cells inside the NE tile
    ne = write_tif(tmp_path / "ne.tif", z, transform, WGS84, nodata=-9999.0)
    dem = open_dem([sw, ne])
    assert dem.elevation.shape == (40, 40)
    assert dem.voids_filled == 9  # the empty quadrants are not voids ...
    assert np.isnan(dem.elevation[:20, :20]).all()  # ... and stay empty
    assert np.isnan(dem.elevation[20:, 20:]).all()
    assert np.isfinite(dem.elevation[:20, 20:]).all()
    np.testing.assert_array_equal(
        dem.covers([1.01, 1.03, 1.01, 1.03], [42.51, 42.53, 42.53, 42.51]),
        [True, True, False, False],
    )


def test_mosaic_resamples_a_tile_on_another_grid(tmp_path: Path):
    west = geographic_ramp(tmp_path / "west.tif", west=1.0, north=42.53, shape=(30, 30))
    # Same CRS, half the cell size and offset by a quarter cell of the first grid.
    east = geographic_ramp(
        tmp_path / "east.tif", west=1.02975, north=42.53025, shape=(62, 62), res=0.0005
    )
    dem = open_dem([west, east])
    # Mixed resolutions resample to the finest: the east tile's grid, extended west.
    assert dem.transform.a == pytest.approx(0.0005)
    assert (dem.transform.c - 1.02975) / 0.0005 == pytest.approx(
        round((dem.transform.c - 1.02975) / 0.0005), abs=1e-6
    )
    assert dem.transform.c <= 1.0 + 1e-9
    lon = np.linspace(1.005, 1.055, 101)
    for lat in (42.505, 42.515, 42.525):
        np.testing.assert_allclose(dem.sample(lon, lat), ramp(lon, lat), atol=0.1)


def test_mosaic_reprojects_a_tile_in_another_crs(tmp_path: Path):
    west = geographic_ramp(tmp_path / "west.tif", west=1.0, north=42.53, shape=(30, 30))
    # A UTM tile from lon ~1.025 to ~1.06 holding the same lon/lat ramp.
    to_utm = pyproj.Transformer.from_crs(WGS84, UTM31, always_xy=True)
    x_w, y_n = to_utm.transform(1.025, 42.535)
    transform = from_origin(math.floor(x_w), math.ceil(y_n), 30.0, 30.0)
    shape = (120, 100)
    x, y = centres(transform, shape)
    lon, lat = lonlat_of_utm(x, y)
    east = write_tif(tmp_path / "east.tif", ramp(lon, lat).astype(np.float32), transform, UTM31)
    dem = open_dem([west, east])
    # The 30 m UTM tile is finer than the 0.001° one: the mosaic is on its grid.
    assert dem.crs == UTM31
    assert dem.transform.a == pytest.approx(30.0)
    lon_s = np.linspace(1.025, 1.05, 51)
    for lat_s in (42.505, 42.515, 42.525):
        z = dem.sample(lon_s, np.full(51, lat_s))
        np.testing.assert_allclose(z, ramp(lon_s, lat_s), atol=0.1)


# -- SRTM .hgt ------------------------------------------------------------------------


@pytest.fixture
def hgt_file(tmp_path: Path) -> Path:
    """A synthetic SRTM3 tile N42E001: z = 500 + row + col, with 14 void cells."""
    rows, cols = np.mgrid[0:1201, 0:1201]
    z = (500 + rows + cols).astype(np.int16)
    z[100:103, 200:204] = -32768  # 12 cells
    z[10:12, 0] = -32768  # 2 cells on the west edge
    path = tmp_path / "N42E001.hgt"
    z.astype(">i2").tofile(path)
    return path


def check_hgt(dem: Dem) -> None:
    assert dem.voids_filled == 14
    assert dem.source == "SRTM3 (NASA/USGS)"
    assert dem.elevation.shape == (1201, 1201)
    # First cell centre at exactly (1 E, 43 N); cell (600, 600) at (1.5, 42.5).
    assert float(dem.sample(1.5, 42.5)) == pytest.approx(1700.0, abs=1e-3)
    assert float(dem.sample(1.0, 43.0)) == pytest.approx(500.0, abs=1e-3)
    # Inside the filled void block (row 101, col 201 -> 802).
    assert float(dem.sample(1.0 + 201 / 1200, 43.0 - 101 / 1200)) == pytest.approx(802.0, abs=2.0)


def test_open_plain_hgt(hgt_file: Path):
    check_hgt(open_dem([hgt_file]))


def test_open_zipped_hgt_under_another_name(hgt_file: Path, tmp_path: Path):
    archive = tmp_path / "tile.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(hgt_file, "N42E001.hgt")
    check_hgt(open_dem([archive]))


def test_open_gzipped_hgt(hgt_file: Path, tmp_path: Path):
    gz = tmp_path / "N42E001.hgt.gz"
    gz.write_bytes(gzip.compress(hgt_file.read_bytes()))
    check_hgt(open_dem([str(gz)]))


def test_hgt_bbox_window(hgt_file: Path):
    dem = open_dem([hgt_file], bbox=(1.1, 42.6, 1.2, 42.7), margin_deg=0.0)
    # 0.1 deg = 120 cells, plus one cell and rounding each side.
    assert 120 <= dem.elevation.shape[0] <= 124 and 120 <= dem.elevation.shape[1] <= 124
    assert dem.voids_filled == 0
    assert float(dem.sample(1.15, 42.65)) == pytest.approx(500 + 420 + 180, abs=1e-3)
    assert np.isnan(dem.sample(1.5, 42.5))


# -- lon/lat grids for overlays -------------------------------------------------------


def test_to_lonlat_grid_on_a_geographic_dem(tmp_path: Path):
    path = geographic_ramp(tmp_path / "ramp.tif", west=1.0, north=42.6, shape=(100, 200))
    dem = open_dem([path])
    grid, (west, south, east, north) = to_lonlat_grid(
        dem, dem.elevation, (1.05, 42.52, 1.25, 42.7), max_size=50
    )
    # Clipped to the DEM (east 1.2, north 42.6): 150 x 80 cells decimated by 3.
    assert (west, south, east, north) == pytest.approx((1.05, 42.52, 1.2, 42.6))
    assert grid.shape == (27, 50) and grid.dtype == np.float32
    lon_c = west + (np.arange(50) + 0.5) * (east - west) / 50
    lat_c = north - (np.arange(27) + 0.5) * (north - south) / 27
    truth = ramp(lon_c[None, :], lat_c[:, None])
    # Nearest-neighbour decimation: off by at most half a source cell in each axis.
    assert np.abs(grid - truth).max() <= 0.5 * (2.0 + 7.0) + 1e-3
    assert np.all(np.diff(grid[:, 0]) < 0)  # row 0 is north (higher on this ramp)
    small, _ = to_lonlat_grid(dem, dem.elevation, (1.05, 42.52, 1.06, 42.53))
    assert small.shape == (10, 10)
    with pytest.raises(CoverageError):
        to_lonlat_grid(dem, dem.elevation, (2.0, 42.0, 2.1, 42.1))
    with pytest.raises(InputError):
        to_lonlat_grid(dem, dem.elevation[:10], (1.05, 42.52, 1.06, 42.53))


def test_to_lonlat_grid_on_a_projected_dem(tmp_path: Path):
    dem = utm_plane(tmp_path, 0.1, 0.3, shape=(200, 300))
    shade = hillshade(dem)
    bbox = dem.bounds_lonlat
    grid, (west, south, east, north) = to_lonlat_grid(dem, dem.elevation, bbox, max_size=64)
    assert (west, south, east, north) == pytest.approx(bbox)
    assert max(grid.shape) == 64
    ny, nx = grid.shape
    lon_c = west + (np.arange(nx) + 0.5) * (east - west) / nx
    lat_c = north - (np.arange(ny) + 0.5) * (north - south) / ny
    lon2, lat2 = np.meshgrid(lon_c, lat_c)
    expected = dem.sample(lon2, lat2)
    both = np.isfinite(expected) & np.isfinite(grid)
    assert both.mean() > 0.7  # the UTM rectangle is slightly rotated in lon/lat
    # Away from the data edge (where GDAL's downsampling kernel meets NaN) the warped
    # plane matches the bilinear samples; one output pixel spans ~5 cells (~15 m of rise).
    inner = ndimage.binary_erosion(both, iterations=2)
    assert inner.sum() > 1000
    assert np.abs(grid[inner] - expected[inner]).max() < 0.5
    shade_grid, _ = to_lonlat_grid(dem, shade, bbox, max_size=64)
    assert shade_grid.dtype == np.uint8


# -- errors ---------------------------------------------------------------------------


def test_missing_file(tmp_path: Path):
    missing = tmp_path / "nope.tif"
    with pytest.raises(DataError, match=r"nope\.tif"):
        open_dem([missing])


def test_text_file_is_not_a_raster(tmp_path: Path):
    bad = tmp_path / "x.tif"
    bad.write_text("hello, I am not a GeoTIFF\n")
    with pytest.raises(DataError, match=r"not a readable DEM raster: .*x\.tif \(") as info:
        open_dem([bad])
    assert "\n" not in str(info.value)


def test_truncated_zip(hgt_file: Path, tmp_path: Path):
    archive = tmp_path / "N42E001.hgt.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(hgt_file, "N42E001.hgt")
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"not a readable DEM raster: .*N42E001\.hgt\.zip"):
        open_dem([archive])
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("readme.txt", "nothing here")
    with pytest.raises(DataError, match=r"no \.hgt or GeoTIFF member"):
        open_dem([empty])


def test_bbox_outside_the_dem(hgt_file: Path):
    with pytest.raises(CoverageError, match=r"\(5\.0, 40\.0, 5\.5, 40\.5\).*bounds"):
        open_dem([hgt_file], bbox=(5.0, 40.0, 5.5, 40.5))


def test_bad_arguments(hgt_file: Path):
    with pytest.raises(InputError):
        open_dem([])
    with pytest.raises(InputError, match="bbox"):
        open_dem([hgt_file], bbox=(1.5, 42.5, 1.4, 42.6))


# -- the real Andorra tile ------------------------------------------------------------

ANDORRA_BBOX = (1.40, 42.42, 1.80, 42.67)


@pytest.mark.slow
def test_andorra_full_tile(andorra_dir: Path):
    dem = open_dem([andorra_dir / "N42E001.hgt.zip"])
    assert 7000 <= dem.voids_filled <= 8000
    assert np.isfinite(dem.elevation).all()
    assert dem.source == "SRTM3 (NASA/USGS)"


@pytest.mark.slow
def test_andorra_bbox(andorra_dir: Path):
    path = andorra_dir / "N42E001.hgt.zip"
    dem = open_dem([path], bbox=ANDORRA_BBOX)
    assert dem.elevation.shape[0] < 400 and dem.elevation.shape[1] < 600
    lon, lat = np.meshgrid(np.linspace(1.40, 1.80, 200), np.linspace(42.42, 42.67, 120))
    z = dem.sample(lon, lat)
    assert np.isfinite(z).all()
    assert 600.0 <= z.min() and z.max() <= 3200.0

    # Pic de Coma Pedrosa (2,942 m): SRTM3's 90 m cells flatten the summit; the highest
    # cell within ~300 m of it must still be close to the surveyed height.
    summit_lon, summit_lat = 1.4447, 42.5917
    near = dem.sample(
        *np.meshgrid(
            np.linspace(-0.004, 0.004, 17) + summit_lon, np.linspace(-0.003, 0.003, 13) + summit_lat
        )
    )
    assert abs(near.max() - 2942.0) <= 60.0
    # At the given point, bilinear between the four raw cells (read with rasterio).
    col = (summit_lon - (1.0 - 1 / 2400)) * 1200 - 0.5
    row = ((43.0 + 1 / 2400) - summit_lat) * 1200 - 0.5
    c0, r0 = int(col), int(row)
    with rasterio.open(f"zip://{path}!N42E001.hgt") as ds:
        raw = ds.read(1, window=((r0, r0 + 2), (c0, c0 + 2))).astype(np.float64)
    assert (raw > 0).all()  # no voids there
    fc, fr = col - c0, row - r0
    expected = (
        raw[0, 0] * (1 - fc) * (1 - fr)
        + raw[0, 1] * fc * (1 - fr)
        + raw[1, 0] * (1 - fc) * fr
        + raw[1, 1] * fc * fr
    )
    assert float(dem.sample(summit_lon, summit_lat)) == pytest.approx(expected, abs=1e-3)


@pytest.mark.slow
def test_andorra_sampling_speed(andorra_dir: Path):
    dem = open_dem([andorra_dir / "N42E001.hgt.zip"], bbox=ANDORRA_BBOX)
    rng = np.random.default_rng(0)
    lon = rng.uniform(1.40, 1.80, 5_000_000)
    lat = rng.uniform(42.42, 42.67, 5_000_000)
    z = dem.sample(lon, lat)
    assert np.isfinite(z).all()
    slope, _ = slope_aspect(dem)
    assert 0.0 <= np.nanmin(slope) and np.nanmax(slope) < 80.0
    assert np.isfinite(slope).all()


# -- is it an elevation model at all? -------------------------------------------------


def _grid(value: np.ndarray | float, shape: tuple[int, int] = (20, 20)) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=np.float32), shape).copy()


def test_a_three_band_image_is_not_a_dem(tmp_path: Path) -> None:
    path = tmp_path / "photo.tif"
    rgb = np.random.default_rng(1).integers(0, 255, size=(3, 20, 20), dtype=np.uint8)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=20,
        height=20,
        count=3,
        dtype="uint8",
        crs="EPSG:4326",
        transform=from_origin(1.5, 42.6, 0.001, 0.001),
    ) as dst:
        dst.write(rgb)
    with pytest.raises(DataError, match=r"photo\.tif has 3 bands"):
        open_dem([path])


def test_impossible_heights_are_refused(tmp_path: Path) -> None:
    heights = _grid(1000.0)
    heights[3, 3] = 65000.0  # an unsigned 16-bit void, not a mountain
    path = write_tif(
        tmp_path / "bad.tif", heights, from_origin(1.5, 42.6, 0.001, 0.001), "EPSG:4326"
    )
    with pytest.raises(DataError, match=r"heights from 1000 to 65000 m, not plausible"):
        open_dem([path])


def test_a_flat_dem_over_the_area_gives_a_warning(tmp_path: Path, caplog) -> None:
    zeros = write_tif(
        tmp_path / "zeros.tif", _grid(0.0), from_origin(1.5, 42.6, 0.001, 0.001), "EPSG:4326"
    )
    with caplog.at_level("WARNING", logger="routeplanner.sources.dem"):
        open_dem([zeros])
    assert any(
        "is flat" in r.getMessage() and "every height 0 m" in r.getMessage() for r in caplog.records
    )
    caplog.clear()
    hills = _grid(np.linspace(900.0, 1100.0, 20)[None, :])
    ok = write_tif(tmp_path / "hills.tif", hills, from_origin(1.5, 42.6, 0.001, 0.001), "EPSG:4326")
    with caplog.at_level("WARNING", logger="routeplanner.sources.dem"):
        open_dem([ok])
    assert not caplog.records


def test_a_mostly_void_dem_gives_a_warning(tmp_path: Path, caplog) -> None:
    heights = _grid(np.linspace(900.0, 1100.0, 20)[None, :])
    heights[:, 5:] = np.nan
    path = write_tif(
        tmp_path / "holes.tif", heights, from_origin(1.5, 42.6, 0.001, 0.001), "EPSG:4326"
    )
    with caplog.at_level("WARNING", logger="routeplanner.sources.dem"):
        open_dem([path])
    assert any("75% void" in r.getMessage() for r in caplog.records)


def test_a_geotiff_declaring_400000_squared_cells_is_a_clean_error(tmp_path):
    path = tmp_path / "huge.tif"
    # Sparse and tiled: a few kB on disk, 1.6e11 cells declared.
    profile = dict(driver="GTiff", width=400_000, height=400_000, count=1, dtype="int16")
    profile.update(crs="EPSG:4326", transform=Affine(1e-5, 0, 1.0, 0, -1e-5, 43.0))
    profile.update(tiled=True, blockxsize=4096, blockysize=4096, sparse_ok=True)
    rasterio.open(path, "w", **profile).close()
    assert path.stat().st_size < 1_000_000
    with pytest.raises(DataError, match=r"400000 x 400000 cells.*more than"):
        open_dem([path])
    with pytest.raises(DataError, match=r"cells.*more than"):
        open_dem([path], bbox=(1.0, 39.0, 5.0, 43.0), margin_deg=0)


def test_reading_a_users_dem_writes_nothing_beside_it(tmp_path):
    import gzip

    folder = tmp_path / "mine"
    folder.mkdir()
    heights = (np.arange(1201 * 1201, dtype=">i2") % 2000 + 500).astype(">i2")
    (folder / "N42E001.hgt.gz").write_bytes(gzip.compress(heights.tobytes()))
    write_geotiff(
        folder / "a.tif",
        np.full((50, 50), 1000.0) + np.arange(50),
        Affine(0.001, 0, 1.5, 0, -0.001, 42.55),
    )
    before = sorted(p.name for p in folder.iterdir())
    open_dem([folder / "N42E001.hgt.gz"], bbox=(1.51, 42.51, 1.52, 42.52))
    open_dem([folder / "a.tif", folder / "N42E001.hgt.gz"], bbox=(1.51, 42.51, 1.52, 42.52))
    assert sorted(p.name for p in folder.iterdir()) == before  # no .aux.xml / .properties
