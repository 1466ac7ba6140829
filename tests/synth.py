"""Hand-built networks and rasters with known answers, for tests.

Coordinates are given in local metres (x east, y north) around a fixed origin
and converted to lon/lat, so distances and grades can be worked out by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.crs import CRS

from routeplanner._geo import M_PER_DEG
from routeplanner.network.build import BuildSettings, build_network
from routeplanner.network.model import Network
from routeplanner.sources.dem import Dem
from routeplanner.sources.osm import OsmWays

LON0, LAT0 = 1.5, 42.5
_K = M_PER_DEG


def to_lonlat(x: float | np.ndarray, y: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local metres to lon/lat (equirectangular about the origin)."""
    lat = LAT0 + np.asarray(y, dtype=np.float64) / _K
    lon = LON0 + np.asarray(x, dtype=np.float64) / (_K * np.cos(np.radians(LAT0)))
    return lon, lat


def to_xy(lon: float | np.ndarray, lat: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat to local metres."""
    x = (np.asarray(lon) - LON0) * _K * np.cos(np.radians(LAT0))
    y = (np.asarray(lat) - LAT0) * _K
    return x, y


def make_dem(
    func: Callable[[np.ndarray, np.ndarray], np.ndarray],
    *,
    extent_m: float = 6000.0,
    cell_m: float = 10.0,
) -> Dem:
    """A WGS84 raster around the origin with elevation ``func(x_m, y_m)``.

    Cells are ``cell_m`` square (approximately) and the raster spans
    ``[-extent_m, extent_m]`` in both directions.
    """
    dlat = cell_m / _K
    dlon = cell_m / (_K * np.cos(np.radians(LAT0)))
    n = int(2 * extent_m / cell_m) + 1
    west = LON0 - extent_m / (_K * np.cos(np.radians(LAT0))) - dlon / 2
    north = LAT0 + extent_m / _K + dlat / 2
    transform = Affine(dlon, 0, west, 0, -dlat, north)
    cols = np.arange(n)
    rows = np.arange(n)
    lon_c = west + (cols + 0.5) * dlon
    lat_c = north - (rows + 0.5) * dlat
    lon_g, lat_g = np.meshgrid(lon_c, lat_c)
    x, y = to_xy(lon_g, lat_g)
    z = np.asarray(func(x, y), dtype=np.float32)
    return Dem(
        elevation=z,
        transform=transform,
        crs=CRS.from_epsg(4326),
        voids_filled=0,
        source="synthetic",
    )


def make_ways(
    nodes: dict[int, tuple[float, float]],
    ways: Sequence[tuple[Sequence[int], dict[str, str]]],
) -> OsmWays:
    """OsmWays from node positions in local metres and ``(node ids, tags)`` ways."""
    lengths = [len(n) for n, _ in ways]
    ids = np.concatenate([np.asarray(n, dtype=np.int64) for n, _ in ways])
    xy = np.array([nodes[int(i)] for i in ids], dtype=np.float64)
    lon, lat = to_lonlat(xy[:, 0], xy[:, 1])
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    return OsmWays(
        way_ids=np.arange(1, len(ways) + 1, dtype=np.int64) * 100,
        offsets=offsets,
        node_ids=ids,
        lon=lon,
        lat=lat,
        tags=[dict(t) for _, t in ways],
        source="synthetic.osm",
    )


def make_network(
    nodes: dict[int, tuple[float, float]],
    ways: Sequence[tuple[Sequence[int], dict[str, str]]],
    elevation: Callable[[np.ndarray, np.ndarray], np.ndarray] = lambda x, y: 0 * x + 1000.0,
    *,
    settings: BuildSettings | None = None,
    extent_m: float = 6000.0,
    cell_m: float = 10.0,
) -> Network:
    """Build a network from hand-placed nodes and ways over a synthetic DEM."""
    dem = make_dem(elevation, extent_m=extent_m, cell_m=cell_m)
    return build_network(make_ways(nodes, ways), dem, settings or BuildSettings())


def ring_with_spurs(radius_m: float = 1000.0, n: int = 12) -> Network:
    """A flat circular trail of ``n`` vertices with two radial dead-end spurs."""
    ang = np.linspace(0, 2 * np.pi, n, endpoint=False)
    nodes = {i + 1: (radius_m * np.cos(a), radius_m * np.sin(a)) for i, a in enumerate(ang)}
    nodes[100] = (radius_m + 500.0, 0.0)
    nodes[101] = (-radius_m - 300.0, 0.0)
    ring = [*range(1, n + 1), 1]
    half = n // 2 + 1
    ways = [
        (ring, {"highway": "path", "name": "Ring"}),
        ([1, 100], {"highway": "path", "name": "East spur"}),
        ([half, 101], {"highway": "track", "name": "West spur"}),
    ]
    return make_network(nodes, ways)


def write_osm_xml(
    path: Path,
    nodes: dict[int, tuple[float, float]],
    ways: Sequence[tuple],
    *,
    comment: str = "",
    digits: int = 7,
) -> Path:
    """An OSM XML file from nodes in local metres.

    ``ways`` are ``(refs, tags)`` (ids numbered from 1) or ``(id, refs, tags)``.
    """
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    if comment:
        lines.append(f"<!-- {comment} -->")
    for nid, (x, y) in nodes.items():
        lon, lat = to_lonlat(x, y)
        lines.append(
            f'<node id="{nid}" version="1" lat="{float(lat):.{digits}f}" '
            f'lon="{float(lon):.{digits}f}"/>'
        )
    for i, way in enumerate(ways, start=1):
        wid, refs, tags = way if len(way) == 3 else (i, *way)
        lines.append(f'<way id="{wid}" version="1">')
        lines += [f'<nd ref="{r}"/>' for r in refs]
        lines += [f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("</way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_geotiff(path: Path, elevation: np.ndarray, transform: Affine) -> Path:
    """A float32 EPSG:4326 GeoTIFF of ``elevation`` on ``transform``."""
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=elevation.shape[0],
        width=elevation.shape[1],
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=transform,
    ) as dst:
        dst.write(np.asarray(elevation, dtype=np.float32), 1)
    return path
