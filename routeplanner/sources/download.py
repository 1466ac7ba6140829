"""Download data files, and fetch OSM ways for any area, with a cache.

Every file is written to a temporary name in its destination folder and moved
into place with :func:`os.replace`, so an interrupted run never leaves a
truncated file that a later run would take for a cached one.

OSM data for an arbitrary area comes from Overpass through osmnx and is written
as an OSM PBF file with pyosmium, so it loads exactly like a Geofabrik extract.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import math
import os
import socket
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

from routeplanner._geo import check_bbox
from routeplanner._io import clean_stale_temporaries, make_temp_path, sha256_file
from routeplanner.errors import DownloadError, InputError
from routeplanner.sources.http import HttpLimits, osmnx_limits, stream_to
from routeplanner.sources.verify import check_osm_pbf
from routeplanner.units.settings import env_positive

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

__all__ = [
    "NOMINATIM_URL",
    "OVERPASS_URL",
    "SYNTHETIC_ID_BASE",
    "HTTPStatusError",
    "download",
    "fetch_osm",
]

log = logging.getLogger(__name__)

#: Default Overpass API endpoint (osmnx appends ``/interpreter``).
OVERPASS_URL = "https://overpass-api.de/api"
#: Default Nominatim endpoint (osmnx appends ``/search``).
NOMINATIM_URL = "https://nominatim.openstreetmap.org/"

#: Ids given to nodes and ways that fetch_osm makes up (feature geometry points, way
#: pieces). Positive because pyosmium's default location index ignores negative node
#: ids; far above real OSM ids (about 1.3e10 in 2025) so they never collide.
SYNTHETIC_ID_BASE = 10**15

_USER_AGENT = "routeplanner (trail-running route planner; python-requests)"
_CHUNK_BYTES = 1 << 16
# Bumped when the PBF written by fetch_osm changes, so stale cache files are not reused.
_OSM_FORMAT_VERSION = "1"

#: Way tags osmnx keeps on graph edges (it drops all others).
_WAY_TAGS = (
    "highway",
    "name",
    "ref",
    "access",
    "foot",
    "sac_scale",
    "surface",
    "trail_visibility",
    "tracktype",
    "smoothness",
    "incline",
    "mtb:scale",
    "informal",
    "bridge",
    "tunnel",
    "ford",
    "layer",
    "oneway",
    "junction",
    "service",
    "area",
    "piste:type",
    "piste:difficulty",
    "piste:name",
    "piste:grooming",
    "aerialway",
    "aerialway:occupancy",
)
#: Node tags osmnx keeps on graph nodes.
_NODE_TAGS = (
    "highway",
    "junction",
    "railway",
    "ref",
    "name",
    "ele",
    "natural",
    "barrier",
    "amenity",
    "tourism",
    "aerialway",
)
_FEATURE_TAGS: dict[str, bool | str | list[str]] = {"piste:type": True, "aerialway": True}

Bbox = tuple[float, float, float, float]


class HTTPStatusError(DownloadError):
    """The server answered with an HTTP error status.

    Attributes
    ----------
    url : str
        The requested URL.
    status : int
        The HTTP status code.
    """

    def __init__(self, message: str, *, url: str, status: int) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


def _check_bbox(bbox: Sequence[float]) -> Bbox:
    """Validate a ``(west, south, east, north)`` box (see :func:`routeplanner._geo.check_bbox`)."""
    return check_bbox(bbox)


def _one_line(text: object, limit: int = 300) -> str:
    # Server errors may carry whole HTML pages; messages stay one short line.
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def download(
    url: str,
    dest: Path,
    *,
    sha256: str | None = None,
    timeout_s: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    check: Callable[[Path], None] | None = None,
    limits: HttpLimits | None = None,
) -> Path:
    """Download ``url`` to ``dest`` atomically, unless a good copy is already there.

    Parameters
    ----------
    url
        HTTP(S) address of the file.
    dest
        Where to store the file; missing parent folders are created.
    sha256
        Expected SHA-256 hex digest. An existing ``dest`` with this digest (or any
        existing ``dest`` that passes ``check`` when no digest is given) is a cache
        hit and no request is made; a download with another digest is rejected.
    timeout_s
        Connect and read timeout of each request (default: that of ``limits``).
    progress
        Called as ``progress(done_bytes, total_bytes)`` while downloading;
        ``total_bytes`` is 0 when the server does not announce a length.
    check
        Raises :class:`DownloadError` if a file is not what was asked for (wrong
        format, wrong tile); a download that fails it is discarded, not kept.
    limits
        Timeouts, retries of 429/5xx answers and the overall deadline.

    Returns
    -------
    Path
        ``dest``.

    Raises
    ------
    HTTPStatusError
        If the server answers with an HTTP error status (a :class:`DownloadError`).
    DownloadError
        If the connection fails, the deadline passes, the digest does not match
        or the file fails ``check``.
    """
    dest = Path(dest)
    lim = limits or HttpLimits.from_env()
    if timeout_s is not None:
        lim = dataclasses.replace(lim, connect_timeout_s=timeout_s, read_timeout_s=timeout_s)
    expected = sha256.lower() if sha256 else None
    clean_stale_temporaries(dest.parent)
    if dest.is_file():
        if expected is not None and sha256_file(dest) == expected:
            log.debug("cache hit (sha256 ok): %s", dest)
            return dest
        if expected is None and _passes(check, dest):
            log.debug("cache hit: %s", dest)
            return dest
        log.warning("%s is damaged or not the expected file; downloading it again", dest)

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = make_temp_path(dest.parent)
    try:
        with open(tmp, "wb") as fh:
            got = stream_to(url, fh, limits=lim, progress=progress)
        if expected is not None and got != expected:
            raise DownloadError(f"sha256 mismatch for {url}: expected {expected}, got {got}")
        if check is not None:
            check(tmp)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("downloaded %s to %s", url, dest)
    return dest


def _passes(check: Callable[[Path], None] | None, path: Path) -> bool:
    if check is None:
        return True
    try:
        check(path)
    except DownloadError as exc:
        log.warning("%s", exc)
        return False
    return True


#: Largest area fetched online, km² (``$ROUTEPLANNER_MAX_AREA_KM2`` overrides).
MAX_AREA_KM2 = 2500.0


def area_km2(bbox: Sequence[float]) -> float:
    """Return the area of a ``(west, south, east, north)`` box in km²."""
    west, south, east, north = bbox
    k = 111.32  # km per degree
    return (east - west) * k * math.cos(math.radians((south + north) / 2)) * (north - south) * k


def check_area(bbox: Sequence[float], max_area_km2: float | None = None) -> None:
    """Refuse a box larger than the online limit, before any request.

    Raises
    ------
    InputError
        If the box is larger than ``max_area_km2`` (default
        ``$ROUTEPLANNER_MAX_AREA_KM2`` or :data:`MAX_AREA_KM2`).
    """
    limit = max_area_km2
    if limit is None:
        limit = env_positive("ROUTEPLANNER_MAX_AREA_KM2", MAX_AREA_KM2)
    area = area_km2(bbox)
    if area > limit:
        raise InputError(
            f"area of {area:,.0f} km² is over the {limit:,.0f} km² limit for online data: "
            "choose a smaller --bbox or place (or set ROUTEPLANNER_MAX_AREA_KM2)"
        )


def _bbox_key(bbox: Bbox) -> str:
    text = f"v{_OSM_FORMAT_VERSION}:" + ",".join(f"{v:.6f}" for v in bbox)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@contextlib.contextmanager
def _osmnx_settings(**values: Any) -> Iterator[None]:
    """Set osmnx settings for the duration of a block and restore them afterwards."""
    import osmnx

    saved = {key: getattr(osmnx.settings, key) for key in values}
    # osmnx pins the Overpass host's address by replacing socket.getaddrinfo for the
    # whole process (_http._config_dns); undo that too.
    saved_getaddrinfo = socket.getaddrinfo
    for key, value in values.items():
        setattr(osmnx.settings, key, value)
    try:
        yield
    finally:
        for key, value in saved.items():
            setattr(osmnx.settings, key, value)
        socket.getaddrinfo = saved_getaddrinfo


def fetch_osm(
    bbox_or_place: Sequence[float] | str,
    *,
    dest_dir: Path,
    overpass_url: str | None = None,
    nominatim_url: str | None = None,
    timeout_s: float = 180,
) -> Path:
    """Download the highways, pistes and aerialways of an area as an OSM PBF file.

    The highway network (every way with a ``highway`` tag) comes from osmnx's
    ``graph_from_bbox`` and the pistes and aerialways from ``features_from_bbox``.
    Each way's node order is rebuilt from the unsimplified graph, and the result is
    written with pyosmium to ``dest_dir/osm-<hash of bbox>.osm.pbf``.

    Parameters
    ----------
    bbox_or_place
        ``(west, south, east, north)`` in degrees, or a place name that Nominatim
        geocodes to an area (its bounding box is used).
    dest_dir
        Output folder; osmnx caches the raw server answers in ``dest_dir/osmnx-cache``.
    overpass_url
        Overpass API root (``…/api``). Defaults to ``$ROUTEPLANNER_OVERPASS_URL`` or
        :data:`OVERPASS_URL`.
    nominatim_url
        Nominatim root. Defaults to ``$ROUTEPLANNER_NOMINATIM_URL`` or
        :data:`NOMINATIM_URL`.
    timeout_s
        Timeout of each request.

    Returns
    -------
    Path
        The PBF file. If it already exists, no request is made (unless a place name
        must be geocoded and its answer is not in the osmnx cache).

    Raises
    ------
    InputError
        If the bbox is invalid or the place name is not found.
    DownloadError
        If a server cannot be reached or the area holds no such way.

    Notes
    -----
    Nodes that only appear in piste or aerialway geometries reuse the id of a
    network node at the same coordinates, otherwise they get ids from
    :data:`SYNTHETIC_ID_BASE` up; so do extra pieces of a way cut by the box and the
    rings of multipolygon relations.
    """
    import osmnx
    from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError

    dest_dir = Path(dest_dir)
    overpass = overpass_url or os.environ.get("ROUTEPLANNER_OVERPASS_URL") or OVERPASS_URL
    nominatim = nominatim_url or os.environ.get("ROUTEPLANNER_NOMINATIM_URL") or NOMINATIM_URL
    settings: dict[str, Any] = {
        "overpass_url": overpass,
        "nominatim_url": nominatim,
        "cache_folder": str(dest_dir / "osmnx-cache"),
        "use_cache": True,
        # The status endpoint's slot accounting only matters for heavy use of the
        # public server; skipping it saves a request per query.
        "overpass_rate_limit": False,
        "requests_timeout": timeout_s,
        "useful_tags_way": list(_WAY_TAGS),
        "useful_tags_node": list(_NODE_TAGS),
        "http_user_agent": _USER_AGENT,
    }
    with _osmnx_settings(**settings), osmnx_limits(HttpLimits.from_env(read_timeout_s=timeout_s)):
        try:
            if isinstance(bbox_or_place, str):
                bbox = _geocode(bbox_or_place)
            else:
                bbox = _check_bbox(bbox_or_place)
            check_area(bbox)
            dest = dest_dir / f"osm-{_bbox_key(bbox)}.osm.pbf"
            if dest.is_file() and _passes(check_osm_pbf(dest.name), dest):
                log.debug("cache hit: %s", dest)
                return dest
            log.info("downloading OSM data for bbox %s from %s", bbox, overpass)
            try:
                graph = osmnx.graph_from_bbox(
                    bbox,
                    custom_filter='["highway"]',
                    simplify=False,
                    retain_all=True,
                    truncate_by_edge=True,
                )
            except InsufficientResponseError:
                graph = None
            except ValueError as exc:
                # truncate_graph_polygon: the server sent ways, none inside the box.
                if "no graph nodes" not in str(exc):
                    raise
                graph = None
            try:
                features = osmnx.features_from_bbox(bbox, tags=_FEATURE_TAGS)
            except InsufficientResponseError:
                features = None
        except requests.RequestException as exc:
            raise DownloadError(f"OSM download failed: {_one_line(exc)}") from exc
        except ResponseStatusCodeError as exc:
            raise DownloadError(f"OSM download failed: {_one_line(exc)}") from exc
        except DownloadError as exc:
            raise DownloadError(f"OSM download failed: {exc}") from exc

    nodes, ways = _collect_elements(graph, features)
    if not ways:
        raise DownloadError(f"no highways, pistes or aerialways found in bbox {bbox} at {overpass}")
    dest_dir.mkdir(parents=True, exist_ok=True)
    _write_pbf(dest, nodes, ways, bbox)
    log.info("wrote %d ways and %d nodes to %s", len(ways), len(nodes), dest)
    return dest


def _geocode(place: str) -> Bbox:
    """Bounding box of a place name, via osmnx and Nominatim."""
    import osmnx
    from osmnx._errors import InsufficientResponseError

    if not place.strip():
        raise InputError("place name is empty")
    try:
        try:
            gdf = osmnx.geocode_to_gdf(place)
        except TypeError:
            # Not an area (a peak, a hut): take the top result's bounding box instead.
            gdf = osmnx.geocode_to_gdf(place, which_result=1)
    except InsufficientResponseError as exc:
        raise InputError(f"place not found: {place!r}") from exc
    row = gdf.iloc[0]
    bbox = (
        float(row["bbox_west"]),
        float(row["bbox_south"]),
        float(row["bbox_east"]),
        float(row["bbox_north"]),
    )
    log.info("geocoded %r to bbox %s", place, bbox)
    return _check_bbox(bbox)


# --- turning osmnx results into OSM elements -------------------------------------------

_NodeMap = dict[int, tuple[float, float, dict[str, str]]]
_WayMap = dict[int, tuple[list[int], dict[str, str]]]


def _string_tags(data: dict[str, Any]) -> dict[str, str]:
    """Return the OSM tags in an osmnx node/edge attribute dict (osmnx's own attrs are not str)."""
    return {key: value for key, value in data.items() if isinstance(value, str)}


def _trails(edges: list[tuple[int, int]]) -> list[list[int]]:
    """Chain directed edges into node sequences that use each edge once.

    One sequence per connected piece when it can be walked in one go (Eulerian
    trail, which is every intact or cleanly cut way), else several greedy walks.
    Open pieces start at their first node; closed ones at the first edge's tail.
    """
    import networkx as nx

    graph = nx.MultiDiGraph()
    graph.add_edges_from(edges)
    first_seen = {node: i for i, node in enumerate(dict.fromkeys(n for e in edges for n in e))}
    pieces: list[list[int]] = []
    components = sorted(
        nx.weakly_connected_components(graph), key=lambda c: min(first_seen[n] for n in c)
    )
    for component in components:
        sub = graph.subgraph(component)
        balance = {n: sub.out_degree(n) - sub.in_degree(n) for n in sub}
        sources = sorted((n for n, b in balance.items() if b > 0), key=first_seen.__getitem__)
        if nx.has_eulerian_path(sub):
            start = sources[0] if sources else min(sub, key=first_seen.__getitem__)
            walk = list(nx.eulerian_path(sub, source=start))
            pieces.append([walk[0][0], *(v for _, v in walk)])
        else:
            pieces.extend(_greedy_walks(list(sub.edges()), sources))
    return pieces


def _greedy_walks(edges: list[tuple[int, int]], sources: list[int]) -> list[list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for u, v in reversed(edges):
        out[u].append(v)
    balance = Counter({u: len(vs) for u, vs in out.items()})
    for _, v in edges:
        balance[v] -= 1
    walks = []
    while any(out.values()):
        start = next((s for s in sources if out[s] and balance[s] > 0), None)
        if start is None:
            start = next(n for n, vs in out.items() if vs)
        walk = [start]
        while out[walk[-1]]:
            walk.append(out[walk[-1]].pop())
        balance[walk[0]] -= 1
        balance[walk[-1]] += 1
        walks.append(walk)
    return walks


class _Ids:
    """Hands out synthetic ids from SYNTHETIC_ID_BASE up."""

    def __init__(self) -> None:
        self.next = SYNTHETIC_ID_BASE

    def __call__(self) -> int:
        self.next += 1
        return self.next


def _collect_elements(
    graph: nx.MultiDiGraph | None, features: pd.DataFrame | None
) -> tuple[_NodeMap, _WayMap]:
    """OSM nodes and ways from the osmnx graph and features."""
    nodes: _NodeMap = {}
    ways: _WayMap = {}
    pieces_of: dict[int, list[int]] = {}
    new_node_id, new_way_id = _Ids(), _Ids()

    if graph is not None:
        forward: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for u, v, data in graph.edges(data=True):
            # Each two-way OSM way is in the graph twice; the unreversed copy keeps the
            # OSM node order (osmnx already flipped oneway=-1 ways).
            if not data.get("reversed", False) and isinstance(data.get("osmid"), int):
                forward[data["osmid"]].append((u, v))
        tags_of = {}
        for _, _, data in graph.edges(data=True):
            osmid = data.get("osmid")
            if isinstance(osmid, int) and osmid not in tags_of:
                tags = _string_tags(data)
                if data.get("oneway") is True:
                    tags["oneway"] = "yes"
                tags_of[osmid] = tags
        for osmid in sorted(forward):
            trails = sorted(_trails(forward[osmid]), key=len, reverse=True)
            ids = [osmid] + [new_way_id() for _ in trails[1:]]
            if len(trails) > 1:
                log.debug("way %d is cut into %d pieces by the bbox", osmid, len(trails))
            for way_id, trail in zip(ids, trails, strict=True):
                ways[way_id] = (trail, tags_of[osmid])
            pieces_of[osmid] = ids
        used = {n for trail, _ in ways.values() for n in trail}
        for node_id in sorted(used):
            data = graph.nodes[node_id]
            nodes[node_id] = (float(data["x"]), float(data["y"]), _string_tags(data))

    if features is not None and len(features):
        _add_features(features, nodes, ways, pieces_of, new_node_id, new_way_id)
    return nodes, ways


def _coord_key(x: float, y: float) -> tuple[int, int]:
    # OSM stores coordinates as 1e-7 degree integers.
    return round(x * 1e7), round(y * 1e7)


def _feature_tags(row: pd.Series) -> dict[str, str]:
    import pandas as pd

    return {
        str(key): str(value)
        for key, value in row.items()
        if key != "geometry" and not isinstance(value, list) and not pd.isna(value)
    }


def _parts(geometry: Any) -> list[list[tuple[float, float]]]:
    """Coordinate lists of the lines and outer rings in a shapely geometry."""
    kind = geometry.geom_type
    if kind in ("LineString", "LinearRing"):
        return [list(geometry.coords)]
    if kind == "Polygon":
        return [list(geometry.exterior.coords)]
    if kind.startswith("Multi") or kind == "GeometryCollection":
        return [part for geom in geometry.geoms for part in _parts(geom)]
    return []


def _add_features(
    features: pd.DataFrame,
    nodes: _NodeMap,
    ways: _WayMap,
    pieces_of: dict[int, list[int]],
    new_node_id: _Ids,
    new_way_id: _Ids,
) -> None:
    """Add piste/aerialway features; merge tags into ways already taken from the graph."""
    by_coord = {_coord_key(x, y): node_id for node_id, (x, y, _) in nodes.items()}
    rows = list(features.iterrows())
    # Points first, so lines through a tagged node (a lift station) reuse its id.
    for (element, osm_id), row in rows:
        if element != "node" or row["geometry"].geom_type != "Point":
            continue
        x, y = float(row["geometry"].x), float(row["geometry"].y)
        old = nodes.get(osm_id)
        nodes[osm_id] = (x, y, {**(old[2] if old else {}), **_feature_tags(row)})
        by_coord.setdefault(_coord_key(x, y), osm_id)

    def node_for(x: float, y: float) -> int:
        key = _coord_key(x, y)
        if key not in by_coord:
            by_coord[key] = new_node_id()
            nodes[by_coord[key]] = (x, y, {})
        return by_coord[key]

    for (element, osm_id), row in rows:
        if element == "node":
            continue
        tags = _feature_tags(row)
        if element == "way" and osm_id in pieces_of:
            # A highway that is also a piste: keep the graph's node order; the graph's
            # tags win so a normalised oneway matches that order.
            for way_id in pieces_of[osm_id]:
                ways[way_id] = (ways[way_id][0], {**tags, **ways[way_id][1]})
            continue
        if element == "relation":
            tags.pop("type", None)  # the rings are written as plain closed ways
        for i, coords in enumerate(_parts(row["geometry"])):
            refs = [node_for(float(x), float(y)) for x, y, *_ in coords]
            refs = [r for j, r in enumerate(refs) if j == 0 or r != refs[j - 1]]
            if len(refs) < 2:
                continue
            way_id = osm_id if element == "way" and i == 0 else new_way_id()
            ways[way_id] = (refs, tags)


def _write_pbf(dest: Path, nodes: _NodeMap, ways: _WayMap, bbox: Bbox) -> None:
    """Write nodes then ways, sorted by id, to ``dest`` atomically."""
    import osmium
    from osmium.osm.mutable import Node, Way

    header = osmium.io.Header()
    header.add_box(osmium.osm.Box(*bbox))
    header.set("generator", "routeplanner")
    tmp = make_temp_path(dest.parent)
    try:
        writer = osmium.SimpleWriter(osmium.io.File(str(tmp), "pbf"), header=header, overwrite=True)
        try:
            for node_id in sorted(nodes):
                x, y, tags = nodes[node_id]
                writer.add_node(Node(id=node_id, location=(x, y), tags=tags))
            for way_id in sorted(ways):
                refs, tags = ways[way_id]
                writer.add_way(Way(id=way_id, nodes=refs, tags=tags))
        finally:
            writer.close()
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
