"""Build a :class:`~routeplanner.network.model.Network` from OSM ways and a DEM, with a cache.

The pipeline, vectorised over the whole region (point-wise steps run in blocks
of :data:`_BLOCK` items, which bounds their temporary arrays without changing
a value):

1. keep runnable ways (:func:`classify`, run once per distinct combination of
   the tags it reads, see :meth:`~routeplanner.sources.osm.WayTags.evaluate`),
   set pistes and aerialways aside;
2. split ways into edges at junctions (nodes shared by two ways, way ends);
3. densify every edge so profile points are at most ``max_spacing_m`` apart;
4. sample the DEM bilinearly at every profile point; drop edges that leave
   the DEM (and say how many km);
5. make grades trustworthy (:mod:`routeplanner.network.grades`): bridges,
   tunnels, embankments and cuttings become straight lines between their
   ends; a running median removes single-cell spikes; a moving average over
   ``smooth_window_m`` of distance smooths the rest, keeping the junction
   elevations exact so that edges meeting at a node agree; roads are pulled
   toward their end-to-end line until no step exceeds their class's cap;
6. make the graph simple (no self-loops or parallel edges) by splitting such
   edges at their middle profile point (self-loops in three), so search code
   can use plain sparse matrices without losing any loop.

Why smooth: SRTM3 has metres of noise from cell to cell; summing raw ups and
downs every 20 m inflates ascent by 10-30 %.  A 60 m window (two thirds of a
cell) removes that jitter while keeping real climbs.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from routeplanner._geo import haversine_m
from routeplanner.errors import DataError
from routeplanner.network import cache, grades, ground
from routeplanner.network.model import Network
from routeplanner.units import SAC_SCALE

if TYPE_CHECKING:  # imported where files are read: a cached network needs neither
    from routeplanner.sources.dem import Dem
    from routeplanner.sources.osm import OsmWays, WayTags

__all__ = [
    "FORMAT_VERSION",
    "MAJOR_ROADS",
    "MINOR_ROADS",
    "TRAILS",
    "BuildSettings",
    "build_network",
    "classify",
    "classify_ways",
    "load_network",
]

log = logging.getLogger(__name__)

#: Bumped whenever the cached network's layout or the build's maths change.
FORMAT_VERSION = 13  # 13: DEM spikes and pits are filtered before sampling

TRAILS = frozenset({"path", "footway", "bridleway", "steps", "track"})
MINOR_ROADS = frozenset(
    {
        "pedestrian",
        "living_street",
        "residential",
        "service",
        "unclassified",
        "road",
        "cycleway",
        "tertiary",
        "tertiary_link",
    }
)
MAJOR_ROADS = frozenset({"secondary", "secondary_link", "primary", "primary_link"})
_FOOT_OK = frozenset({"yes", "designated", "permissive"})

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildSettings:
    """Settings that change the built network (and so the cache key).

    Attributes
    ----------
    max_spacing_m : float
        Largest distance between elevation samples along an edge.
    smooth_window_m : float
        Width of the moving-average window applied to elevation profiles.
    major_roads : bool
        Keep secondary and primary roads as (heavily penalised) connectors.
    """

    max_spacing_m: float = 20.0
    smooth_window_m: float = 60.0
    major_roads: bool = True

    def key(self) -> str:
        """Return a stable text form for cache keys."""
        return ",".join(f"{k}={v}" for k, v in sorted(asdict(self).items()))


def classify(tags: dict[str, str], *, major_roads: bool = True) -> int | None:
    """Edge class of a way for running, or ``None`` if it is not runnable.

    Parameters
    ----------
    tags
        The way's OSM tags.
    major_roads
        Whether secondary and primary roads are kept (class 2).

    Returns
    -------
    int or None
        0 trail, 1 minor road, 2 major road; ``None`` to leave the way out.

    Examples
    --------
    >>> classify({"highway": "path", "sac_scale": "mountain_hiking"})
    0
    >>> classify({"highway": "residential"})
    1
    >>> classify({"highway": "track", "access": "private"}) is None
    True
    >>> classify({"highway": "motorway"}) is None
    True
    """
    hw = tags.get("highway")
    if hw is None:
        return None
    foot = tags.get("foot")
    if foot in ("no", "private"):
        return None
    if tags.get("access") in ("no", "private") and foot not in _FOOT_OK:
        return None
    if hw in TRAILS:
        return 0
    if hw in MINOR_ROADS:
        return 1
    if hw in MAJOR_ROADS and major_roads and tags.get("tunnel") in (None, "no"):
        return 2
    return None


def classify_ways(ways: OsmWays, *, major_roads: bool = True) -> np.ndarray:
    """Edge class of every way (:func:`classify`), ``-1`` for ways left out.

    :func:`classify` runs once per distinct combination of the tags it reads,
    not once per way.

    Parameters
    ----------
    ways
        From :func:`routeplanner.sources.osm.read_osm`.
    major_roads
        Whether secondary and primary roads are kept (class 2).

    Returns
    -------
    numpy.ndarray
        int8 per way: 0 trail, 1 minor road, 2 major road, -1 not runnable.
    """
    got = ways.tags.evaluate(
        lambda t: classify(t, major_roads=major_roads), ("highway", "foot", "access", "tunnel")
    )
    return np.array([-1 if c is None else c for c in got], dtype=np.int8)


def _ranges(starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Concatenate ``arange(s, t)`` for every pair, vectorised."""
    lengths = stops - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offs = np.repeat(stops - lengths.cumsum(), lengths)
    ret: np.ndarray = np.arange(total, dtype=np.int64) + offs
    return ret


def _group_cumsum(values: np.ndarray, group_starts: np.ndarray) -> np.ndarray:
    """Cumulative sum of ``values`` restarting at each index in ``group_starts``."""
    cs = np.cumsum(values)
    sizes = np.diff(np.append(group_starts, len(values)))
    before = cs[group_starts] - values[group_starts]
    ret: np.ndarray = cs - np.repeat(before, sizes)
    return ret


def build_network(
    ways: OsmWays,
    dem: Dem,
    settings: BuildSettings | None = None,
    *,
    progress: Progress | None = None,
) -> Network:
    """Build the running network from OSM ways and a DEM.

    Parameters
    ----------
    ways
        From :func:`routeplanner.sources.osm.read_osm`.
    dem
        From :func:`routeplanner.sources.dem.open_dem`, covering the ways (partly is fine).
    settings
        Build settings; defaults if omitted.
    progress
        Called with the name of each step as it starts.

    Returns
    -------
    Network

    Raises
    ------
    DataError
        If no runnable way lies inside the DEM.
    """
    s = settings or BuildSettings()
    step = progress or (lambda _name: None)
    t0 = time.perf_counter()

    step("classifying ways")
    classes = classify_ways(ways, major_roads=s.major_roads)
    features = _features(ways)
    sel = np.flatnonzero(classes >= 0)
    if len(sel) == 0:
        raise DataError(f"no runnable ways (paths, tracks, roads) in {ways.source}")

    step("splitting ways at junctions")
    starts, stops = ways.offsets[sel], ways.offsets[sel + 1]
    pos = _ranges(starts, stops)  # positions in ways' node arrays
    way_of = np.repeat(np.arange(len(sel)), stops - starts)
    nid = ways.node_ids[pos]
    _, inverse, counts = np.unique(nid, return_inverse=True, return_counts=True)
    junction = counts[inverse] >= 2
    first = np.concatenate(([0], np.cumsum(stops - starts)[:-1]))
    last = np.cumsum(stops - starts) - 1
    junction[first] = True
    junction[last] = True
    jpos = np.flatnonzero(junction)
    same = way_of[jpos[:-1]] == way_of[jpos[1:]]
    ea, eb = jpos[:-1][same], jpos[1:][same]  # edge vertex ranges [ea, eb] in `pos` space
    e_way = way_of[ea]

    step("sampling elevation")
    p_lon, p_lat, p_edge, p_raw, d = _sample_edges(
        ways.lon[pos], ways.lat[pos], (ea, eb), dem, s.max_spacing_m
    )
    p_count = np.bincount(p_edge, minlength=len(ea))
    p_start = np.concatenate(([0], np.cumsum(p_count)[:-1]))
    p_end = p_start + p_count - 1
    p_dist = _group_cumsum(d, p_start)
    del d
    e_len = p_dist[p_end]

    # Drop edges with any sample outside the DEM (or an unfillable void).
    bad_pts = ~np.isfinite(p_raw)
    bad_edge = np.bincount(p_edge, bad_pts, minlength=len(ea)) > 0
    dropped_km = float(e_len[bad_edge].sum() / 1000.0)
    if bad_edge.any():
        log.warning(
            "dropped %d ways' edges outside the elevation data: %.1f km of %.1f km",
            int(bad_edge.sum()),
            dropped_km,
            float(e_len.sum() / 1000.0),
        )
    good = ~bad_edge & (e_len > 0)
    if not good.any():
        raise DataError("no runnable way lies inside the elevation data (DEM)")

    step("smoothing profiles")
    way_structure = ways.tags.evaluate(grades.structure, grades.STRUCTURE_TAGS).astype("<U10")
    _, e_node = np.unique(np.concatenate([nid[ea], nid[eb]]), return_inverse=True)
    p_ele, capped, too_steep = _grade_profiles(
        p_raw,
        _Span(p_dist, p_edge, p_start, p_end),
        (e_node[: len(ea)], e_node[len(ea) :]),
        way_structure[sel[e_way]] != "",
        classes[sel[e_way]],
        s.smooth_window_m,
    )

    step("assembling the graph")
    keep = np.flatnonzero(good)
    edges = _Edges(
        ps=p_start[keep],
        pe=p_end[keep],
        u_osm=nid[ea[keep]],
        v_osm=nid[eb[keep]],
        wayidx=sel[e_way[keep]],
        capped=capped[keep],
    )
    net = _assemble(ways, (classes, way_structure), edges, _Points(p_lon, p_lat, p_ele), features)
    cell_m = max(dem.cell_size_m())
    net.meta.update(
        dem_cell_m=round(cell_m, 1),
        grade_baseline_m=grades.GRADE_BASELINE_M,
        roads_capped=int(capped[keep].sum()),
        roads_too_steep_end_to_end=too_steep,
        dem_voids_filled=int(dem.voids_filled),
        dropped_km=round(dropped_km, 2),
        dem_bounds=tuple(round(x, 6) for x in dem.bounds_lonlat),
        dem_source=dem.source,
        osm_source=ways.source,
        settings=asdict(s),
        build_s=round(time.perf_counter() - t0, 3),
    )
    return net


#: Vertices (or profile points) handled at a time by the blocked steps: bounds their
#: temporaries without changing any result (every value is computed the same way).
_BLOCK = 1 << 18


def _edge_blocks(sizes: np.ndarray, block: int) -> list[tuple[int, int]]:
    """Split consecutive groups of ``sizes`` items into runs of about ``block`` items."""
    ends = np.cumsum(sizes)
    cuts = np.searchsorted(ends, np.arange(block, int(ends[-1]) if len(ends) else 0, block))
    bounds = np.unique(np.concatenate(([0], cuts + 1, [len(sizes)])).clip(0, len(sizes)))
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))


def _step_lengths(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Distance in metres from each point to the one before (0 for the first), in blocks."""
    d = np.zeros(len(lon))
    for a in range(1, len(lon), _BLOCK):
        b = min(a + _BLOCK, len(lon))
        d[a:b] = haversine_m(lon[a - 1 : b - 1], lat[a - 1 : b - 1], lon[a:b], lat[a:b])
    return d


def _sample_edges(
    lon_v: np.ndarray,
    lat_v: np.ndarray,
    ends: tuple[np.ndarray, np.ndarray],
    dem: Dem,
    spacing_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Densify every edge and sample the DEM along it, a block of edges at a time.

    Each vertex ``i`` in ``[ea, eb)`` of an edge spawns ``ceil(len / spacing)``
    points toward the next vertex; the edge's last vertex spawns one.

    Returns
    -------
    tuple of numpy.ndarray
        Per profile point: lon, lat, edge, raw DEM elevation, and distance
        from the previous point (0 at each edge's first point).
    """
    ea, eb = ends
    parts: list[tuple[np.ndarray, ...]] = []
    for e0, e1 in _edge_blocks(eb + 1 - ea, _BLOCK):
        a, b = ea[e0:e1], eb[e0:e1]
        vi = _ranges(a, b + 1)
        nxt = np.minimum(vi + 1, len(lon_v) - 1)
        seg_len = haversine_m(lon_v[vi], lat_v[vi], lon_v[nxt], lat_v[nxt])
        is_last = np.zeros(len(vi), dtype=bool)
        is_last[np.cumsum(b + 1 - a) - 1] = True
        n = np.where(is_last, 1, np.maximum(1, np.ceil(seg_len / spacing_m))).astype(np.int64)
        p_vertex = np.repeat(vi, n)
        k = np.arange(len(p_vertex)) - np.repeat(np.cumsum(n) - n, n)
        t = k / np.repeat(n, n)
        p_nxt = np.minimum(p_vertex + 1, len(lon_v) - 1)
        p_lon = lon_v[p_vertex] + t * (lon_v[p_nxt] - lon_v[p_vertex])
        p_lat = lat_v[p_vertex] + t * (lat_v[p_nxt] - lat_v[p_vertex])
        per_edge = np.add.reduceat(n, np.cumsum(b + 1 - a) - (b + 1 - a))
        p_edge = np.repeat(np.arange(e0, e1), per_edge)
        d = _step_lengths(p_lon, p_lat)
        d[np.flatnonzero(np.diff(p_edge)) + 1] = 0.0
        parts.append((p_lon, p_lat, p_edge, dem.sample(p_lon, p_lat), d))
    if not parts:
        empty = np.zeros(0)
        return empty, empty, np.zeros(0, dtype=np.int64), empty, empty
    return tuple(np.concatenate(col) for col in zip(*parts, strict=True))  # type: ignore[return-value]


class _Span(NamedTuple):
    """Profile points of all edges: distance from the edge start, edge, edge ranges."""

    dist: np.ndarray
    edge: np.ndarray
    start: np.ndarray
    end: np.ndarray


def _grade_profiles(
    raw: np.ndarray,
    span: _Span,
    node: tuple[np.ndarray, np.ndarray],
    is_struct: np.ndarray,
    edge_class: np.ndarray,
    window_m: float,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Turn raw DEM samples into profiles whose grades can be trusted.

    Structures are straightened, then the outlier filter and the moving
    average smooth (unless ``window_m`` is 0), then junctions are fitted to
    the road caps and roads are capped (see :mod:`routeplanner.network.grades`).

    Returns
    -------
    tuple
        Per point the elevation; per edge whether the road cap changed it; the
        number of roads still steeper end to end than their cap.
    """
    dist, edge, start, end = span
    ele = grades.straighten(raw, dist, start, end, is_struct)
    if window_m > 0:  # a zero window asks for the DEM as it is
        ele = grades.running_median(ele, start, end)
        ele = _smooth(ele, dist, edge, start, end, window_m)
    cap_of_class = np.full(max(3, int(edge_class.max(initial=0)) + 1), np.inf)
    for c, g in grades.ROAD_MAX_GRADE.items():
        cap_of_class[c] = g
    cap = cap_of_class[edge_class]
    fitted, too_steep = grades.fit_junctions(ele, dist, start, end, node, cap)
    shift = np.abs(np.concatenate([fitted[start] - ele[start], fitted[end] - ele[end]]))
    log.info("junctions moved for road caps: %d, at most %.1f m", (shift > 0).sum(), shift.max())
    moved = np.abs(fitted[start] - ele[start]) + np.abs(fitted[end] - ele[end]) > 1e-9
    capped_ele, capped = grades.cap_grades(fitted, dist, start, end, cap)
    return capped_ele, capped | moved, too_steep


def _smooth(
    raw: np.ndarray,
    dist: np.ndarray,
    edge: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    window_m: float,
) -> np.ndarray:
    """Average the profile over ``window_m`` of distance, within each edge.

    The window is centred and shrinks near the edge's ends so that it never
    leaves the edge: junction elevations stay exact (edges meeting at a node
    agree) and a straight ramp stays straight (a one-sided window would bend
    it near every junction).  It averages the piecewise-linear profile, not
    the samples, so unevenly spaced samples do not bias it.
    """
    if window_m <= 0:
        ret: np.ndarray = raw.copy()
        return ret
    vals = np.where(np.isfinite(raw), raw, 0.0)
    same = edge[1:] == edge[:-1]
    area = np.where(same, (vals[1:] + vals[:-1]) / 2 * np.diff(dist), 0.0)
    integral = _group_cumsum(np.concatenate(([0.0], area)), start)
    half = np.minimum(window_m / 2, np.minimum(dist, dist[end][edge] - dist))
    # One sorted key across all edges lets searchsorted find every window end.
    span = float(dist.max()) + 2 * window_m + 1.0
    key = edge * span + dist
    last_seg = np.maximum(end - 1, start)

    def integral_at(q: np.ndarray, e: np.ndarray) -> np.ndarray:
        k = np.searchsorted(key, e * span + q, side="right") - 1
        k = np.clip(k, start[e], last_seg[e])
        k1 = np.minimum(k + 1, end[e])
        seg = dist[k1] - dist[k]
        slope = np.divide(vals[k1] - vals[k], seg, out=np.zeros_like(seg), where=seg > 0)
        t = q - dist[k]
        ret: np.ndarray = integral[k] + vals[k] * t + slope * t * t / 2
        return ret

    out = vals.copy()
    for a in range(0, len(dist), _BLOCK):  # in blocks: bounded temporaries, same values
        b = slice(a, a + _BLOCK)
        d, h, e = dist[b], half[b], edge[b]
        width = 2 * h
        diff = integral_at(d + h, e) - integral_at(d - h, e)
        # Under 1 cm the average is the point's own value; dividing would amplify rounding.
        np.divide(diff, width, out=out[b], where=width > 0.01)
    ret = out
    return ret


def _features(ways: OsmWays) -> list[dict[str, Any]]:
    """Pistes and aerialways, kept aside for ski-line work."""
    out = []
    for i in np.flatnonzero(ways.tags.has("piste:type") | ways.tags.has("aerialway")).tolist():
        a, b = ways.offsets[i], ways.offsets[i + 1]
        out.append(
            {
                "id": int(ways.way_ids[i]),
                "tags": ways.tags[i],
                "lon": ways.lon[a:b].copy(),
                "lat": ways.lat[a:b].copy(),
            }
        )
    return out


class _Edges(NamedTuple):
    """Per edge: profile point range, OSM end nodes, way index, road cap applied."""

    ps: np.ndarray
    pe: np.ndarray
    u_osm: np.ndarray
    v_osm: np.ndarray
    wayidx: np.ndarray
    capped: np.ndarray


class _Points(NamedTuple):
    """Per profile point: position and graded elevation (junctions included)."""

    lon: np.ndarray
    lat: np.ndarray
    ele: np.ndarray


def _assemble(
    ways: OsmWays,
    way_class: tuple[np.ndarray, np.ndarray],
    edges: _Edges,
    pts: _Points,
    features: list[dict[str, Any]],
) -> Network:
    """Index nodes, make the graph simple, and gather the final arrays."""
    ps, pe, u_osm, v_osm, wayidx, capped = edges
    classes, way_structure = way_class
    p_lon, p_lat, p_ele = pts
    osm_nodes, inv = np.unique(np.concatenate([u_osm, v_osm]), return_inverse=True)
    u, v = inv[: len(u_osm)], inv[len(u_osm) :]
    node_pt = np.zeros(len(osm_nodes), dtype=np.int64)
    node_pt[u] = ps
    node_pt[v] = pe
    node_lon = p_lon[node_pt]
    node_lat = p_lat[node_pt]
    node_ele = p_ele[node_pt]
    node_osm = osm_nodes.astype(np.int64)

    # Split parallel edges at their middle profile point, self-loops in three.
    lo_n, hi_n = np.minimum(u, v), np.maximum(u, v)
    order = np.lexsort((pe - ps, hi_n, lo_n))
    dup = np.zeros(len(u), dtype=bool)
    pair = lo_n[order] * (len(osm_nodes) + 1) + hi_n[order]
    dup[order[1:]] = pair[1:] == pair[:-1]
    split = np.flatnonzero((u == v) | dup)
    keep_mask = np.ones(len(u), dtype=bool)
    new_ps, new_pe, new_u, new_v, new_way = [], [], [], [], []
    new_capped: list[bool] = []
    extra_lon, extra_lat, extra_ele = [], [], []
    next_node = len(osm_nodes)
    for e in split:
        keep_mask[e] = False
        # A self-loop cut in two would leave two parallel edges: cut it in three.
        parts = 3 if u[e] == v[e] else 2
        if pe[e] - ps[e] < parts:
            continue  # a straight duplicate or an out-and-back spike: nothing to lose
        cuts = [int(ps[e] + (pe[e] - ps[e]) * k // parts) for k in range(1, parts)]
        new_ps += [ps[e], *cuts]
        new_pe += [*cuts, pe[e]]
        mids = list(range(next_node, next_node + len(cuts)))
        new_u += [u[e], *mids]
        new_v += [*mids, v[e]]
        new_way += [wayidx[e]] * parts
        new_capped += [capped[e]] * parts
        extra_lon += [p_lon[c] for c in cuts]
        extra_lat += [p_lat[c] for c in cuts]
        extra_ele += [p_ele[c] for c in cuts]
        next_node += len(cuts)
    ps = np.concatenate([ps[keep_mask], np.asarray(new_ps, dtype=np.int64)])
    pe = np.concatenate([pe[keep_mask], np.asarray(new_pe, dtype=np.int64)])
    u = np.concatenate([u[keep_mask], np.asarray(new_u, dtype=np.int64)])
    v = np.concatenate([v[keep_mask], np.asarray(new_v, dtype=np.int64)])
    wayidx = np.concatenate([wayidx[keep_mask], np.asarray(new_way, dtype=np.int64)])
    capped = np.concatenate([capped[keep_mask], np.asarray(new_capped, dtype=bool)])
    node_lon = np.concatenate([node_lon, extra_lon])
    node_lat = np.concatenate([node_lat, extra_lat])
    node_ele = np.concatenate([node_ele, extra_ele])
    node_osm = np.concatenate([node_osm, -np.arange(1, len(extra_lon) + 1, dtype=np.int64)])

    # Drop nodes no edge uses any more (ends of dropped straight duplicates).
    used = np.zeros(len(node_lon), dtype=bool)
    used[u] = True
    used[v] = True
    remap = np.cumsum(used) - 1
    u, v = remap[u], remap[v]
    node_lon, node_lat, node_ele, node_osm = (
        a[used] for a in (node_lon, node_lat, node_ele, node_osm)
    )

    idx = _ranges(ps, pe + 1)
    counts = pe + 1 - ps
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    lon, lat, ele = p_lon[idx], p_lat[idx], p_ele[idx]
    d = _step_lengths(lon, lat)
    d[offsets[:-1]] = 0.0
    dist = _group_cumsum(d, offsets[:-1])
    del d
    length = dist[offsets[1:] - 1]

    seg_edge = np.repeat(np.arange(len(u)), counts - 1)
    ends = np.zeros(len(lon), dtype=bool)
    ends[offsets[1:] - 1] = True
    dz = np.diff(ele)[~ends[:-1]]
    ascent = np.bincount(seg_edge, np.maximum(dz, 0), minlength=len(u))
    descent = np.bincount(seg_edge, np.maximum(-dz, 0), minlength=len(u))
    max_grade = _max_grades(dist, ele, offsets, window_m=grades.GRADE_BASELINE_M)

    sac, terrain = _terrain(ways.tags)
    tag = ways.tags.column
    name = tag("name")
    name = np.where(name != "", name, tag("ref"))
    return Network(
        node_lon=node_lon,
        node_lat=node_lat,
        node_ele=node_ele,
        node_osmid=node_osm,
        edge_u=u.astype(np.int64),
        edge_v=v.astype(np.int64),
        edge_length_m=length,
        edge_ascent_m=ascent,
        edge_descent_m=descent,
        edge_max_grade=max_grade,
        edge_way_id=ways.way_ids[wayidx],
        edge_class=classes[wayidx],
        edge_sac=sac[wayidx],
        edge_terrain=terrain[wayidx],
        edge_highway=tag("highway")[wayidx],
        edge_name=name[wayidx],
        edge_surface=tag("surface")[wayidx],
        edge_visibility=tag("trail_visibility")[wayidx],
        prof_offsets=offsets,
        prof_lon=lon,
        prof_lat=lat,
        prof_ele=ele,
        prof_dist=dist,
        features=features,
        edge_max_grade_over_m=np.minimum(length, grades.GRADE_BASELINE_M),
        edge_structure=way_structure[wayidx],
        edge_grade_capped=capped,
    )


def _terrain(tags: WayTags) -> tuple[np.ndarray, np.ndarray]:
    """Per way: SAC T-grade (int8) and terrain time factor (float64)."""

    def sac_and_factor(t: dict[str, str]) -> tuple[int, float]:
        sac = SAC_SCALE.get(t.get("sac_scale", ""), 0)
        factor = ground.terrain_factor(
            sac=int(sac),
            highway=t.get("highway"),
            surface=t.get("surface"),
            trail_visibility=t.get("trail_visibility"),
        )
        return sac, factor

    both = tags.evaluate(sac_and_factor, ("sac_scale", "highway", "surface", "trail_visibility"))
    sac = np.array([b[0] for b in both], dtype=np.int8)
    factor = np.array([b[1] for b in both], dtype=np.float64)
    return sac, factor


def _max_grades(
    dist: np.ndarray, ele: np.ndarray, offsets: np.ndarray, *, window_m: float
) -> np.ndarray:
    """Find per edge the steepest |grade| between profile points ``window_m`` apart.

    A baseline keeps a 1 m gap between two OSM vertices from turning a
    decimetre of DEM interpolation into a 10 % "grade".  Edges shorter than
    the window use their end-to-end grade.
    """
    n_edges = len(offsets) - 1
    edge = np.repeat(np.arange(n_edges), np.diff(offsets))
    span = float(dist.max()) + 2 * window_m + 1.0
    key = edge * span + dist
    end = offsets[1:] - 1
    out = np.zeros(n_edges)
    short = np.ones(n_edges, dtype=bool)  # no pair of points window_m apart
    for a in range(0, len(dist), _BLOCK):
        j = np.searchsorted(key, key[a : a + _BLOCK] + window_m, side="left")
        ok = j <= end[edge[a : a + _BLOCK]]
        i = np.flatnonzero(ok) + a
        jj = j[ok]
        g = np.abs(ele[jj] - ele[i]) / np.maximum(dist[jj] - dist[i], 1e-9)
        np.maximum.at(out, edge[i], g)
        short[edge[i]] = False
    length = dist[end]
    rise = np.abs(ele[end] - ele[offsets[:-1]])
    out[short] = np.divide(
        rise[short], length[short], out=np.zeros(int(short.sum())), where=length[short] > 0
    )
    return out


# -- loading with a cache ------------------------------------------------------


def cache_key(osm: Path, dem: Sequence[Path], settings: BuildSettings) -> str:
    """Hash the inputs (resolved path, name, size, contents), settings and format version.

    The terrain tables the build bakes into ``edge_terrain`` are hashed in too
    (:func:`~routeplanner.network.ground.tables_digest`): a changed factor rebuilds.
    """
    tables = ground.tables_digest()
    return cache.cache_key([osm, *dem], f"v{FORMAT_VERSION};{settings.key()};ground={tables}")


def load_network(
    osm: str | os.PathLike[str],
    dem: Sequence[str | os.PathLike[str]],
    *,
    settings: BuildSettings | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    name: str = "custom",
    progress: Progress | None = None,
) -> Network:
    """Load a network from the cache, or build it from the files and cache it.

    Parameters
    ----------
    osm
        OSM file (PBF or XML).
    dem
        One or more DEM files.
    settings
        Build settings (part of the cache key).
    cache_dir
        Where cached networks live; ``None`` disables the cache.
    name
        Region name, used in the cache file name and the network's metadata.
    progress
        Called with the name of each step as it starts.

    Returns
    -------
    Network
    """
    s = settings or BuildSettings()
    osm_p = Path(osm)
    dem_p = [Path(p) for p in dem]
    for p in (osm_p, *dem_p):
        if not p.is_file():
            raise DataError(f"file not found: {p}")
    t0 = time.perf_counter()
    cache_file = key = None
    if cache_dir is not None:
        key = cache_key(osm_p, dem_p, s)
        cache_file = cache.cache_path(cache_dir, name, key)
        net = cache.load(cache_file, key)
        if net is not None:
            net.meta["from_cache"] = True
            net.meta["load_s"] = round(time.perf_counter() - t0, 3)
            net.meta["cache_key"] = key  # names the derived data cached beside it
            net.meta["osm_path"] = str(osm_p)  # where a map's basemap is read from
            return net
    from routeplanner.sources.dem import open_dem
    from routeplanner.sources.osm import read_osm

    if progress:
        progress("reading OSM")
    ways = read_osm(osm_p)
    if progress:
        progress("opening DEM")
    dem_obj = open_dem(dem_p, bbox=ways.bbox)
    net = build_network(ways, dem_obj, s, progress=progress)
    net.meta.update(region=name, build_s=round(time.perf_counter() - t0, 3), from_cache=False)
    net.meta["osm_path"] = str(osm_p)
    if cache_file is not None and key is not None and cache.save(cache_file, net, key):
        net.meta["cache_key"] = key  # (only if saved: derived data is cached beside it)
    return net
