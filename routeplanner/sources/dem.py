"""Digital elevation model: open, mosaic, fill voids, sample, slope/aspect and hillshade.

Reading, mosaicking, reprojection and void filling are done by rasterio (GDAL); this
module adds the glue: error messages, bbox windows, vectorised bilinear sampling in
lon/lat, Horn slope/aspect in metres and a lon/lat-aligned grid for map overlays.
"""

from __future__ import annotations

import logging
import math
import os
import warnings
import zipfile
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import rasterio
from affine import Affine
from numpy.typing import ArrayLike
from rasterio import features, windows
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.errors import CRSError, RasterioError
from rasterio.fill import fillnodata
from rasterio.merge import merge
from rasterio.vrt import WarpedVRT
from rasterio.warp import reproject, transform_bounds
from rasterio.warp import transform as warp_transform

from routeplanner._docstrings import fill
from routeplanner._geo import M_PER_DEG, check_bbox
from routeplanner.errors import CoverageError, DataError, InputError
from routeplanner.sources.verify import PLAUSIBLE_ELEVATION_M, check_heights

__all__ = [
    "PLAUSIBLE_ELEVATION_M",
    "Dem",
    "open_dem",
    "to_lonlat_grid",
]

logger = logging.getLogger(__name__)

_WGS84 = CRS.from_epsg(4326)
# The Parameters of a DEM's questions about points (:func:`routeplanner._docstrings.fill`).
_POINTS_DOC = (
    "Parameters\n----------\n"
    "lon, lat\n    Longitudes and latitudes (EPSG:4326), broadcast together."
)
#: GDAL settings for reading a user's files: write no ``.aux.xml`` or ``.properties``
#: file beside them.
GDAL_READ_ONLY = {"GDAL_PAM_ENABLED": "NO", "CPL_VSIL_GZIP_WRITE_PROPERTIES": "NO"}
#: Most cells read into memory at once (4 bytes each): a file declaring more is refused.
MAX_READ_CELLS = 400_000_000
# Members of a zip archive that we know how to open as a DEM.
_RASTER_SUFFIXES = (".hgt", ".tif", ".tiff")


@dataclass(frozen=True, eq=False)
class Dem:
    """An elevation raster held in memory, with voids already filled.

    Parameters
    ----------
    elevation
        2-D float32 elevations in metres, row 0 at the top of ``transform``. Cells
        that are outside the data or could not be filled are NaN. Stored as a
        read-only view, because slope/aspect are cached from it.
    transform
        Affine pixel -> CRS transform (pixel-corner convention, as rasterio). Must
        not be rotated.
    crs
        Coordinate reference system of ``transform``.
    voids_filled
        Number of nodata cells that were filled by interpolation.
    source
        Short human description of the data for attribution.
    """

    elevation: np.ndarray
    transform: Affine
    crs: CRS
    voids_filled: int
    source: str
    _cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        elevation = np.asarray(self.elevation)
        if elevation.ndim != 2 or elevation.size == 0:
            raise InputError(f"DEM elevation must be a non-empty 2-D array, got {elevation.shape}")
        if elevation.dtype != np.float32:
            elevation = elevation.astype(np.float32)
        view = elevation.view()
        view.flags.writeable = False
        object.__setattr__(self, "elevation", view)
        if not isinstance(self.crs, CRS):
            object.__setattr__(self, "crs", CRS.from_user_input(self.crs))
        t = self.transform
        if t.b != 0 or t.d != 0 or t.a == 0 or t.e == 0:
            raise InputError(f"DEM transform must be rectilinear (not rotated), got {tuple(t)}")

    # -- coordinates -----------------------------------------------------------------

    def _is_wgs84(self) -> bool:
        if "is_wgs84" not in self._cache:
            self._cache["is_wgs84"] = self.crs.to_epsg() == 4326
        ret: bool = self._cache["is_wgs84"]
        return ret

    def _lonlat_to_crs(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._is_wgs84():
            return lon, lat
        transformer = self._cache.get("to_crs")
        if transformer is None:
            transformer = pyproj.Transformer.from_crs(
                "EPSG:4326", self.crs.to_wkt(), always_xy=True
            )
            self._cache["to_crs"] = transformer
        x, y = transformer.transform(lon, lat)
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def _pixel_coords(self, lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Fractional (col, row) of lon/lat in cell-centre convention (0, 0 = first centre)."""
        lon_a, lat_a = np.broadcast_arrays(
            np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        )
        x, y = self._lonlat_to_crs(lon_a, lat_a)
        t = self.transform
        col = x * (1.0 / t.a)
        col += -t.c / t.a - 0.5
        row = y * (1.0 / t.e)
        row += -t.f / t.e - 0.5
        return col, row

    @property
    def bounds_lonlat(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in EPSG:4326 of the cells holding data."""
        if "bounds_lonlat" not in self._cache:
            valid = np.isfinite(self.elevation)
            rows = np.flatnonzero(valid.any(axis=1))
            cols = np.flatnonzero(valid.any(axis=0))
            if rows.size == 0:
                raise CoverageError(f"DEM {self.source!r} holds no valid elevation data")
            t = self.transform
            xs = (t.c + cols[0] * t.a, t.c + (cols[-1] + 1) * t.a)
            ys = (t.f + rows[0] * t.e, t.f + (rows[-1] + 1) * t.e)
            left, right, bottom, top = min(xs), max(xs), min(ys), max(ys)
            if not self._is_wgs84():
                left, bottom, right, top = transform_bounds(
                    self.crs, _WGS84, left, bottom, right, top, densify_pts=21
                )
            self._cache["bounds_lonlat"] = (float(left), float(bottom), float(right), float(top))
        ret: tuple[float, float, float, float] = self._cache["bounds_lonlat"]
        return ret

    # -- sampling --------------------------------------------------------------------

    @fill(points=_POINTS_DOC)
    def sample(self, lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
        """Elevation at points by bilinear interpolation between cell centres.

        %(points)s

        Returns
        -------
        numpy.ndarray
            float64 elevations in metres with the broadcast shape; NaN outside the
            raster or where a contributing cell has no data. Points between the edge
            cell centres and the raster edge take the edge value.
        """
        col, row = self._pixel_coords(lon, lat)
        return _bilinear(self.elevation, col, row)

    @fill(points=_POINTS_DOC)
    def covers(self, lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
        """Where elevation data is available.

        %(points)s

        Returns
        -------
        numpy.ndarray
            Boolean array, True where :meth:`sample` returns a finite elevation.
        """
        ret: np.ndarray = np.isfinite(self.sample(lon, lat))
        return ret

    def cell_size_m(self) -> tuple[float, float]:
        """Approximate cell size (dx, dy) in metres at the raster centre.

        Returns
        -------
        tuple of float
            East-west and north-south cell sizes; geodesic distances on the CRS's
            ellipsoid for a geographic CRS.
        """
        t = self.transform
        if not self.crs.is_geographic:
            factor = _linear_factor(self.crs)
            return abs(t.a) * factor, abs(t.e) * factor
        h, w = self.elevation.shape
        x, y = t @ (w / 2.0, h / 2.0)
        dx, dy = _geographic_cell_m(self.crs, x, np.array([y]), t.a, t.e)
        return float(dx[0]), float(dy[0])


# -- opening ------------------------------------------------------------------------


def _gdal_path(path: Path) -> str:
    """Return the string GDAL opens for ``path``: zip members and gzip via virtual file systems."""
    if not path.exists():
        raise DataError(f"DEM file not found: {path}")
    name = path.name.lower()
    if name.endswith(".zip"):
        try:
            with zipfile.ZipFile(path) as zf:
                members = [n for n in zf.namelist() if n.lower().endswith(_RASTER_SUFFIXES)]
        except (zipfile.BadZipFile, OSError) as exc:
            raise DataError(f"not a readable DEM raster: {path} ({_one_line(exc)})") from exc
        if not members:
            raise DataError(
                f"not a readable DEM raster: {path} (no .hgt or GeoTIFF member in the zip)"
            )
        return f"zip://{path.resolve()}!{members[0]}"
    if name.endswith(".gz"):
        return f"/vsigzip/{path.resolve()}"
    return str(path)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _open_dataset(stack: ExitStack, path: Path) -> rasterio.DatasetReader:
    gdal_path = _gdal_path(path)
    try:
        ds = stack.enter_context(rasterio.open(gdal_path))
    except RasterioError as exc:
        raise DataError(f"not a readable DEM raster: {path} ({_one_line(exc)})") from exc
    if ds.count < 1 or ds.crs is None:
        reason = "no bands" if ds.count < 1 else "no coordinate reference system"
        raise DataError(f"not a readable DEM raster: {path} ({reason})")
    if ds.count != 1:
        raise DataError(
            f"not an elevation model: {path} has {ds.count} bands (an image?); "
            "a DEM has one band of heights"
        )
    return ds


def _describe(datasets: Sequence[rasterio.DatasetReader], paths: Sequence[Path]) -> str:
    if all(ds.driver == "SRTMHGT" for ds in datasets):
        kinds = sorted({"SRTM1" if ds.width > 2000 else "SRTM3" for ds in datasets})
        return f"{'+'.join(kinds)} (NASA/USGS)"
    return "DEM: " + ", ".join(p.name for p in paths)


def _north_up(transform: Affine) -> bool:
    return transform.b == 0 and transform.d == 0 and transform.a > 0 and transform.e < 0


def _bbox_in_crs(
    bbox: tuple[float, float, float, float], margin_deg: float, crs: CRS
) -> tuple[float, float, float, float]:
    west, south, east, north = bbox
    padded = (
        max(west - margin_deg, -180.0),
        max(south - margin_deg, -90.0),
        min(east + margin_deg, 180.0),
        min(north + margin_deg, 90.0),
    )
    if crs.to_epsg() == 4326:
        return padded
    return tuple(transform_bounds(_WGS84, crs, *padded, densify_pts=21))


def _check_bbox(bbox: Sequence[float], margin_deg: float) -> tuple[float, float, float, float]:
    box = check_bbox(bbox)
    if not (math.isfinite(margin_deg) and margin_deg >= 0):
        raise InputError(f"margin_deg must be >= 0, got {margin_deg!r}")
    return box


def _coverage_error(
    bbox: tuple[float, float, float, float], crs: CRS, bounds: Sequence[float]
) -> CoverageError:
    if crs.to_epsg() != 4326:
        bounds = transform_bounds(crs, _WGS84, *bounds, densify_pts=21)
    dem_bounds = tuple(round(float(v), 5) for v in bounds)
    return CoverageError(f"bbox {tuple(bbox)} does not intersect the DEM bounds {dem_bounds}")


def _read_single(
    ds: rasterio.DatasetReader,
    bbox: tuple[float, float, float, float] | None,
    margin_deg: float,
) -> tuple[np.ndarray, Affine]:
    """Read band 1 of a north-up dataset (a window around bbox if given), NaN for nodata."""
    window = windows.Window(0, 0, ds.width, ds.height)
    if bbox is not None:
        left, bottom, right, top = _bbox_in_crs(bbox, margin_deg, ds.crs)
        inv = ~ds.transform
        cols, rows = zip(*(inv @ (x, y) for x in (left, right) for y in (bottom, top)), strict=True)
        if min(cols) >= ds.width or max(cols) <= 0 or min(rows) >= ds.height or max(rows) <= 0:
            raise _coverage_error(bbox, ds.crs, ds.bounds)
        # One extra cell each side so bilinear sampling and Horn's 3x3 see real neighbours.
        col0 = max(math.floor(min(cols)) - 1, 0)
        row0 = max(math.floor(min(rows)) - 1, 0)
        col1 = min(math.ceil(max(cols)) + 1, ds.width)
        row1 = min(math.ceil(max(rows)) + 1, ds.height)
        window = windows.Window(col0, row0, col1 - col0, row1 - row0)
    _check_cells(int(window.width), int(window.height), ds.name)
    data = ds.read(1, window=window, masked=True)
    elevation = data.astype(np.float32).filled(np.nan)
    t = ds.transform
    origin_x = t.c + window.col_off * t.a
    origin_y = t.f + window.row_off * t.e
    return elevation, Affine(t.a, 0.0, origin_x, 0.0, t.e, origin_y)


def _check_cells(width: int, height: int, name: str) -> None:
    if width * height > MAX_READ_CELLS:
        raise DataError(
            f"DEM {name}: the area needs {width} x {height} cells, more than "
            f"{MAX_READ_CELLS:,} (is the file damaged? else give a smaller area with --bbox)"
        )


def _footprint(ds: rasterio.DatasetReader, dst_crs: CRS, n: int = 33) -> dict[str, Any]:
    """GeoJSON polygon of a dataset's extent in ``dst_crs`` (edges densified)."""
    h, w = ds.height, ds.width
    t = np.linspace(0.0, 1.0, n)
    cols = np.concatenate([t * w, np.full(n, w), (1 - t) * w, np.zeros(n)])
    rows = np.concatenate([np.zeros(n), t * h, np.full(n, h), (1 - t) * h])
    xs, ys = ds.transform @ (cols, rows)
    if ds.crs != dst_crs:
        xs, ys = warp_transform(ds.crs, dst_crs, list(xs), list(ys))
    return {"type": "Polygon", "coordinates": [list(zip(xs, ys, strict=True))]}


def _on_grid(ds: rasterio.DatasetReader, grid: Affine, crs: CRS) -> bool:
    """Whether ``ds`` is north-up in ``crs`` with the cell size and alignment of ``grid``."""
    t = ds.transform
    if ds.crs != crs or not _north_up(t):
        return False
    if not (math.isclose(t.a, grid.a, rel_tol=1e-9) and math.isclose(t.e, grid.e, rel_tol=1e-9)):
        return False
    dc = (t.c - grid.c) / grid.a
    dr = (t.f - grid.f) / grid.e
    ret: bool = abs(dc - round(dc)) < 1e-6 and abs(dr - round(dr)) < 1e-6
    return ret


def _cell_area_m2(ds: rasterio.DatasetReader) -> float:
    """Approximate area of one cell in square metres (at the dataset's centre)."""
    t = ds.transform
    if ds.crs is not None and ds.crs.is_geographic:
        x, y = t @ (ds.width / 2.0, ds.height / 2.0)
        dx, dy = _geographic_cell_m(ds.crs, x, np.array([y]), t.a, t.e)
        return float(dx[0] * dy[0])
    factor = _linear_factor(ds.crs) if ds.crs is not None else 1.0
    ret: float = abs(t.a * t.e - t.b * t.d) * factor * factor
    return ret


def _read_mosaic(
    datasets: Sequence[rasterio.DatasetReader],
    stack: ExitStack,
    bbox: tuple[float, float, float, float] | None,
    margin_deg: float,
) -> tuple[np.ndarray, Affine, np.ndarray]:
    """Mosaic datasets on the first one's grid; returns elevation, transform, coverage mask."""
    first = datasets[0]
    dst_crs = first.crs
    if _north_up(first.transform):
        grid = first.transform
    else:
        with WarpedVRT(first, crs=dst_crs) as vrt:
            grid = vrt.transform  # GDAL's choice of north-up grid for a rotated raster
    footprints = [_footprint(ds, dst_crs) for ds in datasets]
    xs = [x for fp in footprints for x, _ in fp["coordinates"][0]]
    ys = [y for fp in footprints for _, y in fp["coordinates"][0]]
    union = (min(xs), min(ys), max(xs), max(ys))
    left, bottom, right, top = union
    if bbox is not None:
        b_left, b_bottom, b_right, b_top = _bbox_in_crs(bbox, margin_deg, dst_crs)
        if b_left >= right or b_right <= left or b_bottom >= top or b_top <= bottom:
            raise _coverage_error(bbox, dst_crs, union)
        # One extra cell each side, as in _read_single.
        left = max(left, b_left - grid.a)
        right = min(right, b_right + grid.a)
        bottom = max(bottom, b_bottom + grid.e)
        top = min(top, b_top - grid.e)
    # Snap outward to the first source's grid so its cells are copied, not resampled.
    inv = ~grid
    c0, r0 = inv @ (left, top)
    c1, r1 = inv @ (right, bottom)
    eps = 1e-6  # bounds that sit on a cell edge must not gain a whole extra column
    c0, r0 = math.floor(c0 + eps), math.floor(r0 + eps)
    c1, r1 = math.ceil(c1 - eps), math.ceil(r1 - eps)
    west, north = grid @ (c0, r0)
    east, south = grid @ (c1, r1)
    out_transform = Affine(grid.a, 0.0, west, 0.0, grid.e, north)
    _check_cells(c1 - c0, r1 - r0, ", ".join(ds.name for ds in datasets))
    sources = []
    for ds in datasets:
        if _on_grid(ds, grid, dst_crs):
            sources.append(ds)
            continue
        # Warp straight onto the output grid: merge() would otherwise resample the
        # warped data a second time, which shifts values when the grids differ.
        vrt = WarpedVRT(
            ds,
            crs=dst_crs,
            transform=out_transform,
            width=c1 - c0,
            height=r1 - r0,
            resampling=Resampling.bilinear,
            dtype="float32",
            nodata=np.nan,
        )
        sources.append(stack.enter_context(vrt))
    with warnings.catch_warnings():
        # rasterio 1.4 composes transforms with `*`, which affine >= 3 flags as pending
        # deprecation (an error under strict warning filters); nothing for us to change.
        warnings.filterwarnings("ignore", "Use `@` matmul", PendingDeprecationWarning)
        mosaic, transform = merge(
            sources,
            bounds=(west, south, east, north),
            res=(grid.a, -grid.e),
            nodata=np.nan,
            dtype="float32",
        )
    elevation = mosaic[0]
    coverage = features.rasterize(
        [(fp, 1) for fp in footprints],
        out_shape=elevation.shape,
        transform=transform,
        fill=0,
        dtype="uint8",
    ).astype(bool)
    return elevation, transform, coverage


def _fill_voids(elevation: np.ndarray, coverage: np.ndarray | None) -> int:
    """Fill NaN cells inside ``coverage`` in place (GDAL inverse-distance); return count."""
    valid = np.isfinite(elevation)
    voids = ~valid if coverage is None else ~valid & coverage
    n_voids = int(voids.sum())
    if n_voids == 0 or not valid.any():
        return 0
    # A search distance as large as the raster leaves only voids with no data at all unfilled.
    distance = float(math.hypot(*elevation.shape)) + 1.0
    # Smoothing the interpolated cells removes most of the inverse-distance ripple
    # (10 passes: a filled 4x5 block of a ramp ends within ~0.1 m of the ramp).
    filled = fillnodata(
        elevation,
        mask=valid.astype(np.uint8),
        max_search_distance=distance,
        smoothing_iterations=10,
    )
    if coverage is not None:
        filled[~coverage] = np.nan
    elevation[...] = filled
    return int((voids & np.isfinite(elevation)).sum())


def open_dem(
    paths: Sequence[str | os.PathLike[str]],
    *,
    bbox: tuple[float, float, float, float] | None = None,
    margin_deg: float = 0.01,
) -> Dem:
    """Open one or more elevation rasters as a single void-filled :class:`Dem`.

    Parameters
    ----------
    paths
        SRTM ``.hgt``, ``.hgt.zip`` (or any zip holding one ``.hgt``/GeoTIFF),
        ``.hgt.gz`` files or GeoTIFFs in any CRS. Several files are mosaicked on the
        grid (and in the CRS) of the one with the finest cells; the others are
        resampled to it (bilinear). Where tiles overlap, the finer file wins, then
        the earlier one.
    bbox
        (west, south, east, north) in degrees: read only the window covering it plus
        ``margin_deg``. None reads everything.
    margin_deg
        Margin added around ``bbox``, in degrees.

    Returns
    -------
    Dem
        Elevations as float32 metres; nodata cells are filled by inverse-distance
        interpolation (:func:`rasterio.fill.fillnodata`), cells outside every file
        stay NaN.

    Raises
    ------
    InputError
        If ``paths`` is empty or ``bbox`` is malformed.
    DataError
        If a file is missing or not a readable raster.
    CoverageError
        If ``bbox`` does not intersect the data.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    path_list = [Path(p) for p in paths]
    if not path_list:
        raise InputError("open_dem needs at least one DEM file path, got none")
    if bbox is not None:
        bbox = _check_bbox(bbox, margin_deg)
    with ExitStack() as stack:
        stack.enter_context(rasterio.Env(**GDAL_READ_ONLY))
        datasets = [_open_dataset(stack, p) for p in path_list]
        source = _describe(datasets, path_list)
        # Mixed resolutions resample to the finest, which also wins where tiles overlap.
        datasets = sorted(datasets, key=_cell_area_m2)
        try:
            if len(datasets) == 1 and _north_up(datasets[0].transform):
                elevation, transform = _read_single(datasets[0], bbox, margin_deg)
                coverage = None
            else:
                elevation, transform, coverage = _read_mosaic(datasets, stack, bbox, margin_deg)
        except RasterioError as exc:
            names = ", ".join(str(p) for p in path_list)
            raise DataError(f"not a readable DEM raster: {names} ({_one_line(exc)})") from exc
        crs = datasets[0].crs
    if not np.isfinite(elevation).any():
        if bbox is not None:
            raise CoverageError(f"bbox {bbox} holds no DEM data in {source}")
        raise DataError(f"DEM {source} holds no valid elevation data")
    _check_plausible(elevation, source, bbox)
    voids_filled = _fill_voids(elevation, coverage)
    from routeplanner.terrain import despike  # (terrain reads Dem objects)

    cell = Dem(elevation, transform, crs, voids_filled, source).cell_size_m()
    despike(elevation, min(cell), f"DEM {source}")
    logger.info(
        "DEM %s: %d x %d cells, %d void cells filled",
        source,
        elevation.shape[1],
        elevation.shape[0],
        voids_filled,
    )
    return Dem(
        elevation=elevation, transform=transform, crs=crs, voids_filled=voids_filled, source=source
    )


#: A DEM whose heights over the area span less than this is flat: most likely wrong.
FLAT_RANGE_M = 1.0
#: Share of void (nodata) cells over the area above which a warning is given.
VOID_WARN_SHARE = 0.5


def _check_plausible(
    elevation: np.ndarray, source: str, bbox: tuple[float, float, float, float] | None
) -> None:
    """Refuse impossible heights; warn about a flat or mostly void DEM over the area."""
    valid = elevation[np.isfinite(elevation)]
    lo, hi = check_heights(valid, f"DEM {source}", DataError)
    where = f"over {tuple(round(v, 4) for v in bbox)}" if bbox is not None else ""
    if hi - lo < FLAT_RANGE_M:
        logger.warning(
            "DEM %s is flat %s (every height %.0f m): climbs and grades will be 0; "
            "is it the right file?",
            source,
            where,
            lo,
        )
    void_share = 1.0 - valid.size / elevation.size
    if void_share > VOID_WARN_SHARE:
        logger.warning(
            "DEM %s is %.0f%% void %s: heights there are interpolated",
            source,
            100 * void_share,
            where,
        )


# -- sampling helpers ---------------------------------------------------------------


# Points per block in _bilinear: keeps temporaries in cache and out of fresh mmap pages.
_BLOCK = 1 << 17


def _bilinear(grid: np.ndarray, col: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of ``grid`` at fractional cell-centre coordinates.

    Points between the outer cell centres and the raster edge take the edge values;
    NaN outside the raster. Neighbours with zero weight are ignored, so a point on a
    cell centre next to a NaN cell still gets a value.
    """
    shape = np.shape(col)
    col = np.ravel(col)
    row = np.ravel(row)
    h, w = grid.shape
    if h < 2 or w < 2:
        # The fast path below always reads a 2x2 block; a replicated edge gets weight 0.
        grid = np.pad(grid, ((0, max(0, 2 - h)), (0, max(0, 2 - w))), mode="edge")
    flat = np.ascontiguousarray(grid).ravel()
    out = np.empty(col.size, dtype=np.float64)
    for start in range(0, col.size, _BLOCK):
        block = slice(start, start + _BLOCK)
        _bilinear_block(flat, grid.shape[1], h, w, col[block], row[block], out[block])
    return out.reshape(shape)


def _bilinear_block(
    flat: np.ndarray, gw: int, h: int, w: int, col: np.ndarray, row: np.ndarray, out: np.ndarray
) -> None:
    """Bilinear interpolation of one block of points into ``out`` (see _bilinear)."""
    inside = (col >= -0.5) & (col <= w - 0.5) & (row >= -0.5) & (row <= h - 0.5)
    outside = ~inside
    fc = np.clip(col, 0.0, w - 1)
    fr = np.clip(row, 0.0, h - 1)
    fc[outside] = 0.0  # also replaces NaN coordinates, which cannot be cast to int
    fr[outside] = 0.0
    c0 = fc.astype(np.intp)
    idx = fr.astype(np.intp)
    np.minimum(c0, max(w - 2, 0), out=c0)
    np.minimum(idx, max(h - 2, 0), out=idx)
    fc -= c0
    fr -= idx
    idx *= gw
    idx += c0
    v00 = flat[idx]
    v01 = flat[idx + 1]
    v10 = flat[idx + gw]
    v11 = flat[idx + (gw + 1)]
    # float64 arithmetic: float32 would round the fractions (~1e-4 m at 3000 m).
    top = np.subtract(v01, v00, dtype=np.float64)
    top *= fc
    top += v00
    np.subtract(v11, v10, out=out, dtype=np.float64)
    out *= fc
    out += v10
    out -= top
    out *= fr
    out += top
    out[outside] = np.nan
    # Redo the few points next to NaN cells, dropping neighbours of weight zero.
    redo = np.flatnonzero(np.isnan(out) & inside)
    if redo.size:
        i, a, b = idx[redo], fc[redo], fr[redo]
        total = np.zeros(redo.size, dtype=np.float64)
        for offset, weight in (
            (0, (1.0 - a) * (1.0 - b)),
            (1, a * (1.0 - b)),
            (gw, (1.0 - a) * b),
            (gw + 1, a * b),
        ):
            total += np.where(weight > 0.0, flat[i + offset] * weight, 0.0)
        out[redo] = total


def _linear_factor(crs: CRS) -> float:
    try:
        return float(crs.linear_units_factor[1])
    except (CRSError, TypeError, IndexError):  # no defined linear unit: assume metres
        return 1.0


def _geographic_cell_m(
    crs: CRS, x: float, ys: np.ndarray, res_x: float, res_y: float
) -> tuple[np.ndarray, np.ndarray]:
    """Geodesic (dx, dy) in metres of cells centred at longitude x and latitudes ys."""
    geod = pyproj.CRS.from_wkt(crs.to_wkt()).get_geod() or pyproj.Geod(ellps="WGS84")
    n = ys.size
    hx, hy = abs(res_x) / 2.0, abs(res_y) / 2.0
    _, _, dx = geod.inv(np.full(n, x - hx), ys, np.full(n, x + hx), ys)
    lat_lo = np.clip(ys - hy, -90.0, 90.0)
    lat_hi = np.clip(ys + hy, -90.0, 90.0)
    _, _, dy = geod.inv(np.full(n, x), lat_lo, np.full(n, x), lat_hi)
    return np.asarray(dx, dtype=np.float64), np.asarray(dy, dtype=np.float64)


# -- map overlays -------------------------------------------------------------------


def to_lonlat_grid(
    dem: Dem,
    array: np.ndarray,
    bbox: tuple[float, float, float, float],
    *,
    max_size: int = 1024,
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Resample a per-cell DEM array onto a regular EPSG:4326 grid for map overlays.

    Parameters
    ----------
    dem
        The elevation model ``array`` belongs to.
    array
        2-D array of the DEM's shape (elevation, slope, hillshade ...).
    bbox
        (west, south, east, north) wanted, in degrees; clipped to the DEM's data.
    max_size
        Maximum number of pixels on the longer side.

    Returns
    -------
    grid : numpy.ndarray
        The resampled array, row 0 at the north. For a north-up WGS84 DEM it is a
        crop with nearest-neighbour decimation (dtype kept); otherwise
        :func:`rasterio.warp.reproject` is used (bilinear for floats, NaN outside;
        nearest for integers, 0 outside).
    bounds : tuple of float
        The (west, south, east, north) actually covered by ``grid``.
    """
    arr = np.asarray(array)
    if arr.shape != dem.elevation.shape:
        raise InputError(
            f"array shape {arr.shape} does not match the DEM shape {dem.elevation.shape}"
        )
    if int(max_size) < 1:
        raise InputError(f"max_size must be >= 1, got {max_size!r}")
    max_size = int(max_size)
    west, south, east, north = _check_bbox(bbox, 0.0)
    d_w, d_s, d_e, d_n = dem.bounds_lonlat
    west, south, east, north = max(west, d_w), max(south, d_s), min(east, d_e), min(north, d_n)
    if west >= east or south >= north:
        raise CoverageError(
            f"bbox {tuple(bbox)} does not intersect the DEM bounds {dem.bounds_lonlat}"
        )
    t = dem.transform
    if dem._is_wgs84() and _north_up(t):
        inv = ~t
        c0, r0 = inv @ (west, north)
        c1, r1 = inv @ (east, south)
        h_all, w_all = arr.shape
        eps = 1e-9
        c0, r0 = max(math.floor(c0 + eps), 0), max(math.floor(r0 + eps), 0)
        c1, r1 = min(math.ceil(c1 - eps), w_all), min(math.ceil(r1 - eps), h_all)
        crop = arr[r0:r1, c0:c1]
        h, w = crop.shape
        scale = max(h, w) / max_size
        if scale > 1.0:
            ny = min(max_size, max(1, math.ceil(h / scale)))
            nx = min(max_size, max(1, math.ceil(w / scale)))
            rows = ((np.arange(ny) + 0.5) * h / ny).astype(np.intp)
            cols = ((np.arange(nx) + 0.5) * w / nx).astype(np.intp)
            grid = crop[np.ix_(rows, cols)]
        else:
            grid = crop.copy()
        west_b, north_b = t @ (c0, r0)
        east_b, south_b = t @ (c1, r1)
        return grid, (float(west_b), float(south_b), float(east_b), float(north_b))

    dx_m, dy_m = dem.cell_size_m()
    lat_c = math.radians((south + north) / 2.0)
    res_lon = dx_m / (M_PER_DEG * max(math.cos(lat_c), 1e-6))
    res_lat = dy_m / M_PER_DEG
    nx = max(1, math.ceil((east - west) / res_lon))
    ny = max(1, math.ceil((north - south) / res_lat))
    scale = max(nx, ny) / max_size
    if scale > 1.0:
        nx = min(max_size, max(1, math.ceil(nx / scale)))
        ny = min(max_size, max(1, math.ceil(ny / scale)))
    dst_transform = Affine((east - west) / nx, 0.0, west, 0.0, -(north - south) / ny, north)
    if arr.dtype.kind == "f":
        work = arr.astype(np.float64 if arr.dtype == np.float64 else np.float32)
        dst = np.full((ny, nx), np.nan, dtype=work.dtype)
        nodata: float | None = np.nan
        resampling = Resampling.bilinear
    else:
        work = arr.astype(np.uint8) if arr.dtype.kind == "b" else arr
        dst = np.zeros((ny, nx), dtype=work.dtype)
        nodata = None
        resampling = Resampling.nearest
    reproject(
        source=np.ascontiguousarray(work),
        destination=dst,
        src_transform=t,
        src_crs=dem.crs,
        src_nodata=nodata,
        dst_transform=dst_transform,
        dst_crs=_WGS84,
        dst_nodata=nodata,
        resampling=resampling,
    )
    if arr.dtype.kind == "b":
        dst = dst.astype(bool)
    return dst, (west, south, east, north)
