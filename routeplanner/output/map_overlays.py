"""Map overlays from the data: DEM shading, the trail network, pistes and lifts.

Hillshade and slope-angle shading from the DEM, the trail network by
difficulty, ski pistes and lifts.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from affine import Affine

from routeplanner._geo import M_PER_DEG
from routeplanner.errors import CoverageError
from routeplanner.network.model import Network
from routeplanner.network.sidecar import Sidecar
from routeplanner.output._folium import folium
from routeplanner.output._map_assets import (
    Block,
    esc,
    js_json,
    palette_png,
    png_data_url,
)
from routeplanner.output.map_style import DIFFICULTY_STYLES, PISTE_COLOURS, SLOPE_BANDS, rgb
from routeplanner.sources.lazy_dem import LazyDem
from routeplanner.terrain import band_of, hillshade, slope_aspect

if TYPE_CHECKING:  # opened only when overlays are made (they are mostly cached)
    from routeplanner.sources.dem import Dem

__all__ = [
    "NETWORK_LAYER_VERSION",
    "OVERLAY_VERSION",
    "add_dem_layers",
    "add_network_layer",
    "add_pistes_layer",
    "dem_overlay_pngs",
    "display_dem",
    "encode_many",
    "hillshade_png",
    "latlon_list",
    "network_layer_data",
    "simplify_lines",
    "slope_classes",
    "slope_png",
]

log = logging.getLogger(__name__)

Bbox = tuple[float, float, float, float]


_DEM_MAX_PX = 800


def simplify_lines(
    lines: Sequence[tuple[np.ndarray, np.ndarray]],
    tol_m: float,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Douglas-Peucker in local metres, for many (lon, lat) lines at once."""
    if not lines:
        return []
    lat0 = float(np.mean([np.mean(la) for _, la in lines]))
    cos0 = math.cos(math.radians(lat0))
    lens = [len(lo) for lo, _ in lines]
    lon = np.concatenate([lo for lo, _ in lines])
    lat = np.concatenate([la for _, la in lines])
    keep = np.array([n >= 2 for n in lens])
    if not keep.all():
        raise ValueError("every line needs at least two points")
    geoms = shapely.linestrings(
        np.column_stack([lon * cos0 * M_PER_DEG, lat * M_PER_DEG]),
        indices=np.repeat(np.arange(len(lines)), lens),
    )
    simple = shapely.simplify(geoms, tol_m, preserve_topology=False)
    coords, idx = shapely.get_coordinates(simple, return_index=True)
    out: list[tuple[np.ndarray, np.ndarray]] = []
    bounds = np.searchsorted(idx, np.arange(len(lines) + 1))
    for i in range(len(lines)):
        c = coords[bounds[i] : bounds[i + 1]]
        if len(c) < 2:  # simplify can collapse a tiny closed line: keep the original
            out.append(lines[i])
        else:
            out.append((c[:, 0] / (cos0 * M_PER_DEG), c[:, 1] / M_PER_DEG))
    return out


def latlon_list(lon: np.ndarray, lat: np.ndarray) -> list[list[float]]:
    """``[[lat, lon], …]`` rounded to 1e-5° (about 1 m) for Leaflet."""
    ret: list[list[float]] = np.round(np.column_stack([lat, lon]), 5).tolist()
    return ret


def _encode(lon: np.ndarray, lat: np.ndarray) -> list[int]:
    """Delta-encoded 1e-5° integers ``[lat0, lon0, dlat1, dlon1, …]`` (a third of the JSON)."""
    q = np.rint(np.column_stack([lat, lon]) * 1e5).astype(np.int64)
    ret: list[int] = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel().tolist()
    return ret


def encode_many(lines: Sequence[tuple[np.ndarray, np.ndarray]]) -> list[list[int]]:
    """:func:`_encode` of every line, computed in one pass."""
    if not lines:
        return []
    lens = np.array([len(lo) for lo, _ in lines], dtype=np.intp)
    lat = np.concatenate([la for _, la in lines])
    lon = np.concatenate([lo for lo, _ in lines])
    q = np.rint(np.column_stack([lat, lon]) * 1e5).astype(np.int64)
    d = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    starts = np.cumsum(lens) - lens
    d[starts] = q[starts]  # each line starts from its absolute position
    flat = d.ravel().tolist()
    return [flat[2 * a : 2 * (a + n)] for a, n in zip(starts.tolist(), lens.tolist(), strict=True)]


def _mercator_rows(grid: np.ndarray, south: float, north: float) -> np.ndarray:
    """Re-space rows of a lat-regular grid evenly in Web Mercator, as Leaflet stretches images."""
    h = grid.shape[0]

    def merc(lat: float | np.ndarray) -> np.ndarray:
        return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))

    y = merc(north) - (np.arange(h) + 0.5) / h * (merc(north) - merc(south))
    lat = np.degrees(2 * np.arctan(np.exp(y)) - np.pi / 2)
    rows = np.clip(((north - lat) / (north - south) * h).astype(np.intp), 0, h - 1)
    ret: np.ndarray = grid[rows]
    return ret


def display_dem(
    dem: Dem, bbox: tuple[float, float, float, float], *, max_px: int = _DEM_MAX_PX
) -> Dem:
    """Return the DEM over ``bbox`` at screen resolution, for overlays.

    A DEM coarser than the overlay's pixels (SRTM over a small area) is
    resampled with cubic splines onto a WGS84 grid of ``max_px`` on the longer
    side, so the hillshade shows landforms instead of 90 m squares; a finer DEM
    is returned as is (overlays then decimate it after computing slopes, so
    steep cells are not averaged away).

    Parameters
    ----------
    dem
        The elevation model.
    bbox
        ``(west, south, east, north)`` of the overlay.
    max_px
        Pixels on the longer side of the overlay.

    Returns
    -------
    Dem
    """
    from rasterio.crs import CRS
    from scipy import ndimage

    from routeplanner.sources.dem import Dem

    w, s, e, n = bbox
    dw, ds, de, dn = dem.bounds_lonlat
    w, s, e, n = max(w, dw), max(s, ds), min(e, de), min(n, dn)
    if w >= e or s >= n:
        raise CoverageError(f"bbox {tuple(bbox)} does not intersect the DEM {dem.bounds_lonlat}")
    width_m = (e - w) * M_PER_DEG * math.cos(math.radians((s + n) / 2))
    height_m = (n - s) * M_PER_DEG
    px_m = max(width_m, height_m) / max_px
    if px_m >= 0.9 * min(dem.cell_size_m()):
        return dem
    nx, ny = max(2, math.ceil(width_m / px_m)), max(2, math.ceil(height_m / px_m))
    lon = w + (np.arange(nx) + 0.5) * (e - w) / nx
    lat = n - (np.arange(ny) + 0.5) * (n - s) / ny
    lon_g, lat_g = np.meshgrid(lon, lat)
    x, y = lon_g, lat_g
    if dem.crs.to_epsg() != 4326:
        import pyproj

        tr = pyproj.Transformer.from_crs("EPSG:4326", dem.crs.to_wkt(), always_xy=True)
        x, y = tr.transform(lon_g, lat_g)
    inv = ~dem.transform
    col, row = inv @ (np.asarray(x), np.asarray(y))
    col, row = col - 0.5, row - 0.5  # map_coordinates counts from cell centres
    # Work on the window around the bbox only: spline prefiltering costs the whole array.
    h, wd = dem.elevation.shape
    r0 = int(np.clip(math.floor(row.min()) - 4, 0, h - 1))
    r1 = int(np.clip(math.ceil(row.max()) + 5, r0 + 1, h))
    c0 = int(np.clip(math.floor(col.min()) - 4, 0, wd - 1))
    c1 = int(np.clip(math.ceil(col.max()) + 5, c0 + 1, wd))
    row, col = row - r0, col - c0
    z = np.asarray(dem.elevation[r0:r1, c0:c1], dtype=np.float64)
    valid = np.isfinite(z)
    filled = np.where(valid, z, np.nanmean(z) if valid.any() else 0.0)
    # Cubic splines would smear a NaN over the whole grid, hence the fill and mask.
    out = ndimage.map_coordinates(filled, [row, col], order=3, mode="nearest")
    ok = (
        ndimage.map_coordinates(
            valid.astype(np.float64), [row, col], order=1, mode="constant", cval=0.0
        )
        > 0.999
    )
    out[~ok] = np.nan
    transform = Affine((e - w) / nx, 0.0, w, 0.0, -(n - s) / ny, n)
    return Dem(out.astype(np.float32), transform, CRS.from_epsg(4326), 0, dem.source)


def hillshade_png(
    dem: Dem, bbox: tuple[float, float, float, float], *, max_px: int = _DEM_MAX_PX
) -> tuple[bytes, tuple[float, float, float, float]]:
    """Hillshade as a translucent palette PNG: shadows dark, sunlit slopes light, flat clear.

    ``dem`` is used as given; pass it through :func:`display_dem` for a smooth
    hillshade of a coarse DEM.

    Returns
    -------
    tuple
        ``(png, (west, south, east, north))``.
    """
    from routeplanner.sources.dem import to_lonlat_grid

    shade, bounds = to_lonlat_grid(dem, hillshade(dem), bbox, max_size=max_px)
    valid, _ = to_lonlat_grid(dem, np.isfinite(dem.elevation), bbox, max_size=max_px)
    flat = 255.0 * math.sin(math.radians(45.0))  # value of level ground at altitude 45°
    v = shade.astype(np.float64)
    dark = np.clip(np.rint((flat - v) / flat * 20), 0, 20).astype(np.uint8)
    light = np.clip(np.rint((v - flat) / (255.0 - flat) * 8), 0, 8).astype(np.uint8)
    index = np.where(v < flat, dark, np.where(light > 0, 20 + light, 0)).astype(np.uint8)
    index[~valid.astype(bool)] = 0
    palette = [(0, 0, 0, 0)]
    palette += [(24, 28, 44, round(175 * k / 20)) for k in range(1, 21)]
    palette += [(255, 255, 255, round(120 * k / 8)) for k in range(1, 9)]
    index = _mercator_rows(index, bounds[1], bounds[3])
    return palette_png(index, palette), bounds


def slope_classes(dem: Dem) -> np.ndarray:
    """Return the slope band of every DEM cell: its index in :data:`~routeplanner.terrain.BANDS`.

    0 is below 27° and cells without data; 1… are :data:`SLOPE_BANDS`.
    """
    slope, _ = slope_aspect(dem)
    cls = np.zeros(slope.shape, dtype=np.uint8)
    ok = np.isfinite(slope)
    cls[ok] = band_of(slope[ok])
    return cls


def slope_png(
    dem: Dem, bbox: tuple[float, float, float, float], *, max_px: int = _DEM_MAX_PX
) -> tuple[bytes, tuple[float, float, float, float]]:
    """Slope-angle shading in :data:`SLOPE_BANDS` as a palette PNG (clear below 27°).

    Classes are computed at the DEM's resolution before downsampling, so a
    pixel shows a band that really occurs there.
    """
    from routeplanner.sources.dem import to_lonlat_grid

    index, bounds = to_lonlat_grid(dem, slope_classes(dem), bbox, max_size=max_px)
    palette = [(0, 0, 0, 0)] + [(*rgb(b.color), 165) for b in SLOPE_BANDS]
    index = _mercator_rows(index, bounds[1], bounds[3])
    return palette_png(index, palette), bounds


#: Version of the overlays' look: bump it when hillshade or slope shading changes, so
#: overlays cached beside a network (see :func:`add_dem_layers`) are made again.
OVERLAY_VERSION = 2


def _bbox4(values: Sequence[float]) -> Bbox:
    w, s, e, n = (float(v) for v in values)
    return (w, s, e, n)


def _overlay_params(dem: Dem | LazyDem, bbox: tuple[float, float, float, float]) -> str:
    """Everything the overlays of ``bbox`` depend on besides the DEM files, as text.

    A :class:`LazyDem` is named by its files and area (the cells follow from them),
    so a cached overlay needs no read of the DEM.
    """
    if isinstance(dem, LazyDem):
        grid = f"lazy {dem.key}"
    else:
        shape = tuple(dem.elevation.shape)
        grid = f"{shape!r} {tuple(dem.transform)!r} {dem.crs.to_wkt()!r}"
    return (
        f"dem-overlays v{OVERLAY_VERSION}; bbox={tuple(map(float, bbox))!r}; "
        f"max_px={_DEM_MAX_PX}; dem={grid}"
    )


def dem_overlay_pngs(
    dem: Dem | LazyDem, bbox: tuple[float, float, float, float], *, cache: Sidecar | None = None
) -> tuple[bytes, Bbox, bytes, Bbox]:
    """Make (or read from ``cache``) the hillshade and slope PNGs of ``bbox``.

    Parameters
    ----------
    dem
        The elevation model (from the files the cached network was built from); a
        :class:`LazyDem` is opened only when the overlays are not in ``cache``, and
        otherwise learns its cell size and source from it.
    bbox
        ``(west, south, east, north)`` of the overlays.
    cache
        The network's :class:`~routeplanner.network.sidecar.Sidecar`: overlays
        made once for the same DEM and area are read back byte for byte.

    Returns
    -------
    tuple
        ``(hillshade_png, its_bounds, slope_png, its_bounds)``.

    Raises
    ------
    CoverageError
        If ``bbox`` does not meet the DEM.
    """
    params = _overlay_params(dem, bbox) if cache is not None else ""
    entry = cache.load("overlay", params) if cache is not None else None
    if entry is not None:
        info, arrays = entry
        try:
            hb, sb = (_bbox4(info[k]) for k in ("hillshade_bounds", "slope_bounds"))
            if isinstance(dem, LazyDem):
                dem.remember(info["dem"])
            return arrays["hillshade"].tobytes(), hb, arrays["slope"].tobytes(), sb
        except (KeyError, TypeError, ValueError):
            log.warning("making the DEM overlays again: their cached copy is incomplete")
    described = dem.describe() if isinstance(dem, LazyDem) else None
    fine = display_dem(dem.open() if isinstance(dem, LazyDem) else dem, bbox)
    png, bounds = hillshade_png(fine, bbox)
    slope, sbounds = slope_png(fine, bbox)
    if cache is not None:
        cache.save(
            "overlay",
            {
                "hillshade": np.frombuffer(png, dtype=np.uint8),
                "slope": np.frombuffer(slope, dtype=np.uint8),
            },
            info={
                "hillshade_bounds": list(bounds),
                "slope_bounds": list(sbounds),
                "dem": described or {"cell_m": list(dem.cell_size_m()), "source": dem.source},
            },
            params=params,
        )
    return png, bounds, slope, sbounds


def add_dem_layers(
    m: folium.Map,
    dem: Dem | LazyDem,
    bbox: tuple[float, float, float, float],
    *,
    cache: Sidecar | None = None,
) -> None:
    """Add the hillshade (shown) and slope-angle (hidden) overlays: :func:`dem_overlay_pngs`."""
    try:
        png, bounds, slope, sbounds = dem_overlay_pngs(dem, bbox, cache=cache)
    except CoverageError as exc:
        log.warning("no DEM overlays: %s", exc)
        return
    for image, (w, s, e, n), name, shown in (
        (png, bounds, "Hillshade (DEM)", True),
        (slope, sbounds, "Slope angle (27°+)", False),
    ):
        folium.raster_layers.ImageOverlay(
            png_data_url(image),
            bounds=[[s, w], [n, e]],
            name=name,
            pixelated=False,
            pane="rp-dem",
            interactive=False,
            show=shown,
        ).add_to(m)


def _edge_style_keys(net: Network) -> list[str]:
    return [
        f"sac{int(s)}" if c == 0 else ("minor_road" if c == 1 else "major_road")
        for c, s in zip(net.edge_class.tolist(), net.edge_sac.tolist(), strict=True)
    ]


#: Version of the network layer's data: bump it when its content changes, so copies
#: cached beside a network (see :func:`add_network_layer`) are made again.
NETWORK_LAYER_VERSION = 1


def network_layer_data(
    net: Network, bbox: tuple[float, float, float, float] | None, *, tol_m: float
) -> str | None:
    """Return the JSON the network layer draws (None when no edge meets ``bbox``)."""
    off = net.prof_offsets
    if bbox is not None:
        w, s, e, n = bbox
        lo_min = np.minimum.reduceat(net.prof_lon, off[:-1])
        lo_max = np.maximum.reduceat(net.prof_lon, off[:-1])
        la_min = np.minimum.reduceat(net.prof_lat, off[:-1])
        la_max = np.maximum.reduceat(net.prof_lat, off[:-1])
        edges = np.flatnonzero((lo_max >= w) & (lo_min <= e) & (la_max >= s) & (la_min <= n))
    else:
        edges = np.arange(net.n_edges)
    if len(edges) == 0:
        return None
    keys = _edge_style_keys(net)
    lines = [(net.prof_lon[off[i] : off[i + 1]], net.prof_lat[off[i] : off[i + 1]]) for i in edges]
    lines = simplify_lines(lines, tol_m)
    style_names = list(DIFFICULTY_STYLES)
    styles = [[c, wgt, 0.9, None] for _, c, wgt in DIFFICULTY_STYLES.values()]
    tips: list[str] = []
    tip_index: dict[str, int] = {}
    groups: dict[tuple[int, int], list[list[int]]] = {}
    for e_idx, code in zip(edges.tolist(), encode_many(lines), strict=True):
        key = keys[e_idx]
        name = str(net.edge_name[e_idx] or "")
        label = DIFFICULTY_STYLES[key][0]
        tip = f"<b>{esc(name)}</b><br>{esc(label)}" if name else esc(label.capitalize())
        t = tip_index.setdefault(tip, len(tips))
        if t == len(tips):
            tips.append(tip)
        groups.setdefault((style_names.index(key), t), []).append(code)
    data = {
        "pane": "rp-net",
        "styles": styles,
        "tips": tips,
        "groups": [[s_, t_, ls] for (s_, t_), ls in groups.items()],
    }
    return js_json(data)


def _cached_network_layer_data(
    net: Network, bbox: tuple[float, float, float, float] | None, *, tol_m: float, cache: Sidecar
) -> str | None:
    """:func:`network_layer_data`, read from ``cache`` when made before for the same area."""
    area = None if bbox is None else tuple(map(float, bbox))
    params = (
        f"network-layer v{NETWORK_LAYER_VERSION}; bbox={area!r}; tol_m={float(tol_m)!r}; "
        f"styles={DIFFICULTY_STYLES!r}"
    )
    entry = cache.load("overlay", params)
    if entry is not None:
        try:
            return entry[1]["data"].tobytes().decode("utf-8") or None
        except (KeyError, UnicodeDecodeError):
            log.warning("making the network layer again: its cached copy is damaged")
    made = network_layer_data(net, bbox, tol_m=tol_m)
    blob = np.frombuffer((made or "").encode("utf-8"), dtype=np.uint8)
    cache.save("overlay", {"data": blob}, params=params)
    return made


def add_network_layer(
    m: folium.Map,
    net: Network,
    bbox: tuple[float, float, float, float] | None,
    *,
    show: bool,
    tol_m: float,
    cache: Sidecar | None = None,
) -> None:
    """Add the trail network coloured by difficulty, one canvas polyline per (style, name).

    With ``cache`` (the network's :class:`~routeplanner.network.sidecar.Sidecar`),
    the layer's data for the same area is made once and read back.
    """
    if cache is None:
        text = network_layer_data(net, bbox, tol_m=tol_m)
    else:
        text = _cached_network_layer_data(net, bbox, tol_m=tol_m, cache=cache)
    if text is None:
        return
    fg = folium.FeatureGroup(name="Trail network (by difficulty)", show=show)
    fg.add_child(Block(js=_LINES_JS.replace("__GROUP__", fg.get_name()).replace("__DATA__", text)))
    fg.add_to(m)


def add_pistes_layer(
    m: folium.Map, net: Network, bbox: tuple[float, float, float, float] | None
) -> None:
    """Ski pistes and aerialways from ``net.features`` (hidden by default)."""
    lines, styles_of, tips_of = [], [], []
    for f in net.features:
        lon, lat = np.asarray(f.get("lon", ())), np.asarray(f.get("lat", ()))
        if len(lon) < 2 or len(lon) != len(lat):
            continue
        if bbox is not None:
            w, s, e, n = bbox
            if lon.max() < w or lon.min() > e or lat.max() < s or lat.min() > n:
                continue
        tags = f.get("tags", {}) or {}
        name = str(tags.get("name", "") or "")
        if "aerialway" in tags:
            style: tuple[str, float, float, str | None] = ("#222222", 1.5, 0.9, "6 4")
            kind = f"lift ({tags['aerialway']})"
        else:
            ptype = str(tags.get("piste:type", "piste"))
            diff = str(tags.get("piste:difficulty", ""))
            colour = PISTE_COLOURS.get(diff, "#1e88e5") if ptype == "downhill" else "#00838f"
            style = (colour, 2.5, 0.8, "4 3" if ptype != "downhill" else None)
            kind = f"{ptype} piste" + (f", {diff}" if diff else "")
        lines.append((lon, lat))
        styles_of.append(style)
        tips_of.append(f"<b>{esc(name)}</b><br>{esc(kind)}" if name else esc(kind))
    if not lines:
        return
    lines = simplify_lines(lines, 3.0)
    styles: list[tuple[Any, ...]] = []
    tips: list[str] = []
    groups: dict[tuple[int, int], list[list[int]]] = {}
    for (lon, lat), st, tip in zip(lines, styles_of, tips_of, strict=True):
        if st not in styles:
            styles.append(st)
        if tip not in tips:
            tips.append(tip)
        groups.setdefault((styles.index(st), tips.index(tip)), []).append(_encode(lon, lat))
    data = {
        "pane": "rp-net",
        "styles": [list(s) for s in styles],
        "tips": tips,
        "groups": [[s_, t_, ls] for (s_, t_), ls in groups.items()],
    }
    fg = folium.FeatureGroup(name="Ski pistes and lifts", show=False)
    fg.add_child(
        Block(js=_LINES_JS.replace("__GROUP__", fg.get_name()).replace("__DATA__", js_json(data)))
    )
    fg.add_to(m)


_LINES_JS = """(function (group, d) {
  var renderer = L.canvas({pane: d.pane, padding: 0.3, tolerance: 4});
  function decode(a) {
    var out = [], lat = 0, lon = 0;
    for (var i = 0; i < a.length; i += 2) { lat += a[i]; lon += a[i + 1];
      out.push([lat / 1e5, lon / 1e5]); }
    return out;
  }
  d.groups.forEach(function (g) {
    var st = d.styles[g[0]];
    L.polyline(g[2].map(decode), {color: st[0], weight: st[1], opacity: st[2],
      dashArray: st[3] || null, renderer: renderer, interactive: true})
      .bindTooltip(d.tips[g[1]], {sticky: true}).addTo(group);
  });
})(__GROUP__, __DATA__);
"""
