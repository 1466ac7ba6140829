"""Hand-built networks and rasters with known answers, for tests.

Coordinates are given in local metres (x east, y north) around a fixed origin
and converted to lon/lat, so distances and grades can be worked out by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from affine import Affine
from rasterio.crs import CRS

from routeplanner._geo import M_PER_DEG
from routeplanner.network.build import BuildSettings, build_network
from routeplanner.network.model import Network
from routeplanner.sources.dem import Dem
from routeplanner.sources.osm import OsmWays, WayTags

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
        tags=WayTags.from_dicts(t for _, t in ways),
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
    node_tags: dict[int, dict[str, str]] | None = None,
) -> Path:
    """An OSM XML file from nodes in local metres.

    ``ways`` are ``(refs, tags)`` (ids numbered from 1) or ``(id, refs, tags)``;
    ``node_tags`` gives tags of some nodes (named places, peaks…).
    """
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    if comment:
        lines.append(f"<!-- {comment} -->")
    for nid, (x, y) in nodes.items():
        lon, lat = to_lonlat(x, y)
        tags = (node_tags or {}).get(nid, {})
        lines.append(
            f'<node id="{nid}" version="1" lat="{float(lat):.{digits}f}" '
            f'lon="{float(lon):.{digits}f}"' + ("/>" if not tags else ">")
        )
        if tags:
            lines += [f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()]
            lines.append("</node>")
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


def synthetic_recording(
    profile: Any,
    *,
    seed: int = 0,
    n_legs: int = 60,
    gps_noise_m: float = 2.5,
    ele_noise_m: float = 1.0,
    stops: int = 3,
    stop_s: float = 300.0,
    logged_stops: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A 1 s recording of a runner who runs exactly as ``profile`` says.

    The course is ``n_legs`` straight legs of 300-700 m on random headings, each at
    a grade drawn from -25 % to +25 % (a third of them within ±3 %).  Moving time
    follows ``profile.segment_time_s`` per metre, with its fatigue term.  The
    recorder adds Gaussian noise (``gps_noise_m`` per axis, ``ele_noise_m`` in
    elevation) and pauses during ``stops`` stops of ``stop_s`` (no points, as
    auto-pause does; with ``logged_stops`` the recorder keeps logging every second
    at the resting place, with its noise, as recorders without auto-pause do).

    Returns
    -------
    tuple of numpy.ndarray
        ``(time_s, lon, lat, ele_m)``.
    """
    rng = np.random.default_rng(seed)
    length = rng.uniform(300.0, 700.0, n_legs)
    grade = rng.uniform(-0.25, 0.25, n_legs)
    flat = rng.random(n_legs) < 1 / 3
    grade[flat] = rng.uniform(-0.03, 0.03, int(flat.sum()))
    heading = np.cumsum(rng.uniform(-1.0, 1.0, n_legs))
    d = np.arange(0.0, float(length.sum()), 1.0)
    leg = np.searchsorted(np.cumsum(length), d, side="right").clip(0, n_legs - 1)
    x = np.concatenate(([0.0], np.cumsum(np.cos(heading[leg]))[:-1]))
    y = np.concatenate(([0.0], np.cumsum(np.sin(heading[leg]))[:-1]))
    z = 500.0 + np.concatenate(([0.0], np.cumsum(grade[leg])[:-1]))
    fresh = np.concatenate(([0.0], np.cumsum(profile.segment_time_s(np.ones(len(d)), grade[leg]))))
    k = profile.fatigue_per_h / 3600.0
    moving = np.expm1(k * fresh) / k if k else fresh
    t_rec = np.arange(0.0, moving[-1], 1.0)
    pos = np.interp(t_rec, moving, np.append(d, d[-1] + 1.0))
    xs = np.interp(pos, d, x) + rng.normal(0.0, gps_noise_m, len(t_rec))
    ys = np.interp(pos, d, y) + rng.normal(0.0, gps_noise_m, len(t_rec))
    zs = np.interp(pos, d, z) + rng.normal(0.0, ele_noise_m, len(t_rec))
    pause = np.zeros(len(t_rec))
    stop_at = rng.uniform(0.1, 0.9, stops) * t_rec[-1]
    for at in stop_at:
        pause[t_rec > at] += stop_s
    t_out = t_rec + pause
    if logged_stops:
        cols = [[t_out], [xs], [ys], [zs]]
        for at in stop_at:
            i = int(np.searchsorted(t_rec, at, side="right")) - 1  # last point before it
            n = int(stop_s) - 1
            cols[0].append(t_out[i] + np.arange(1.0, n + 1.0))
            for col, v, sd in ((cols[1], xs, gps_noise_m), (cols[2], ys, gps_noise_m)):
                col.append(v[i] + rng.normal(0.0, sd, n))
            cols[3].append(zs[i] + rng.normal(0.0, ele_noise_m, n))
        t_out, xs, ys, zs = (np.concatenate(c) for c in cols)
        order = np.argsort(t_out, kind="stable")
        t_out, xs, ys, zs = t_out[order], xs[order], ys[order], zs[order]
    lon, lat = to_lonlat(xs, ys)
    return t_out, lon, lat, zs


def write_gpx_track(
    path: Path,
    time_s: np.ndarray | None,
    lon: np.ndarray,
    lat: np.ndarray,
    ele_m: np.ndarray | None,
) -> Path:
    """A GPX 1.1 track; times from 2024-05-01T08:00:00Z, omitted when ``time_s`` is None."""
    from datetime import datetime, timedelta, timezone

    t0 = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)
    pts = []
    for i in range(len(lon)):
        ele = "" if ele_m is None else f"<ele>{float(ele_m[i]):.2f}</ele>"
        when = ""
        if time_s is not None:
            stamp = (t0 + timedelta(seconds=float(time_s[i]))).strftime("%Y-%m-%dT%H:%M:%SZ")
            when = f"<time>{stamp}</time>"
        pts.append(
            f'<trkpt lat="{float(lat[i]):.7f}" lon="{float(lon[i]):.7f}">{ele}{when}</trkpt>'
        )
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="synth" xmlns="http://www.topografix.com/GPX/1/1">'
        "<trk><name>synthetic</name><trkseg>" + "".join(pts) + "</trkseg></trk></gpx>\n"
    )
    path.write_text(text, encoding="utf-8")
    return path


def stale_temporary(folder: Path, *, directory: bool = False, pid: int = 999_999_999) -> Path:
    """A temporary as a killed routeplanner process (``pid``, not running) leaves it."""
    from routeplanner._io import TMP_PREFIX, _mark

    raw = folder / f"{TMP_PREFIX}{pid}~0a1b"
    if directory:
        raw.mkdir()
    else:
        raw.write_bytes(b"half written")
    return raw.rename(folder / f"{raw.name}{_mark(pid, '0a1b', raw.stat().st_ino)}")
