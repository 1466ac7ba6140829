"""The trail network: edges with elevation profiles, terrain factors, snapping, export.

The network is an undirected simple graph stored as flat numpy arrays.  Each
edge runs from ``edge_u`` to ``edge_v`` and carries a densified elevation
profile in that direction.  The network knows no runner: times, per direction
because up is not down, come from :class:`routeplanner.pace.timer.EdgeTimer`.
Search code works on these arrays (or CSR matrices built from them);
:func:`to_networkx` exports an osmnx-compatible ``MultiDiGraph``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

from routeplanner._geo import EARTH_RADIUS_M, haversine_m, local_xy
from routeplanner.errors import CoverageError, InputError

__all__ = [
    "EARTH_RADIUS_M",
    "EDGE_CLASSES",
    "Network",
    "Snap",
    "to_networkx",
]

log = logging.getLogger(__name__)

#: Edge classes, by code: 0 trail (path, footway, track …), 1 minor road, 2 major road.
EDGE_CLASSES: tuple[str, ...] = ("trail", "minor_road", "major_road")


class Snap(NamedTuple):
    """A point snapped onto the nearest point of an edge.

    Attributes
    ----------
    edge : int
        Edge index.
    offset_m : float
        Distance along the edge from its ``u`` end to the snapped point.
    distance_m : float
        Distance from the query point to the snapped point.
    lon, lat : float
        The snapped point.
    """

    edge: int
    offset_m: float
    distance_m: float
    lon: float
    lat: float


@dataclass(eq=False)
class Network:
    """A routable trail network with elevation.

    Node arrays have one entry per node, edge arrays one per edge, and the
    ``prof_*`` arrays hold every edge's densified profile: edge ``e`` owns
    ``prof_offsets[e]:prof_offsets[e + 1]``, ordered from ``edge_u`` to
    ``edge_v``, with ``prof_dist`` the distance from the edge's start.
    """

    node_lon: np.ndarray
    node_lat: np.ndarray
    node_ele: np.ndarray
    node_osmid: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length_m: np.ndarray
    edge_ascent_m: np.ndarray
    edge_descent_m: np.ndarray
    edge_max_grade: np.ndarray
    edge_way_id: np.ndarray
    edge_class: np.ndarray
    edge_sac: np.ndarray
    edge_terrain: np.ndarray
    edge_highway: np.ndarray
    edge_name: np.ndarray
    edge_surface: np.ndarray
    edge_visibility: np.ndarray
    prof_offsets: np.ndarray
    prof_lon: np.ndarray
    prof_lat: np.ndarray
    prof_ele: np.ndarray
    prof_dist: np.ndarray
    features: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    #: Per edge: the length ``edge_max_grade`` is measured over (metres).
    edge_max_grade_over_m: np.ndarray | None = None
    #: Per edge: "bridge", "tunnel", "embankment", "cutting" or "" (see network.grades;
    #: a fixed-width str array, so caches store it without pickling).
    edge_structure: np.ndarray | None = None
    #: Per edge: whether the road grade caps changed its profile (a trail's too, when a
    #: junction it shares with a road was moved).
    edge_grade_capped: np.ndarray | None = None
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_cache"] = {}
        return state

    # -- sizes ---------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_lon)

    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return len(self.edge_u)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """``(west, south, east, north)`` of the profile points."""
        return (
            float(self.prof_lon.min()),
            float(self.prof_lat.min()),
            float(self.prof_lon.max()),
            float(self.prof_lat.max()),
        )

    # -- profiles ------------------------------------------------------------
    def edge_profile(self, e: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return ``(lon, lat, ele, dist)`` of edge ``e`` from ``u`` to ``v``."""
        a, b = self.prof_offsets[e], self.prof_offsets[e + 1]
        return self.prof_lon[a:b], self.prof_lat[a:b], self.prof_ele[a:b], self.prof_dist[a:b]

    def segment_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per profile segment: horizontal length, grade (u→v) and owning edge.

        Returns
        -------
        tuple of numpy.ndarray
            ``(length_m, grade, edge)`` for every pair of consecutive profile
            points that belong to the same edge.
        """
        key = "segments"
        if key not in self._cache:
            ends = np.zeros(len(self.prof_lon), dtype=bool)
            ends[self.prof_offsets[1:] - 1] = True
            keep = ~ends[:-1]
            dd = np.diff(self.prof_dist)[keep]
            dz = np.diff(self.prof_ele)[keep]
            grade = np.divide(dz, dd, out=np.zeros_like(dz), where=dd > 0)
            edge = np.repeat(np.arange(self.n_edges), np.diff(self.prof_offsets) - 1)
            self._cache[key] = (dd, grade, edge)
        ret: tuple[np.ndarray, np.ndarray, np.ndarray] = self._cache[key]
        return ret

    # -- geometry helpers ----------------------------------------------------
    def _projection(self) -> tuple[float, float]:
        """Origin (lon0, lat0) of the local equirectangular projection."""
        w, s, e, n = self.bbox
        return (w + e) / 2, (s + n) / 2

    def project(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Project lon/lat to local metres (equirectangular about the centre).

        Distortion is below 0.1 % across a region of a few tens of km, which
        is plenty for snapping and nearest-point queries.
        """
        lon0, lat0 = self._projection()
        return local_xy(lon, lat, lon0, lat0)

    def _tree(self) -> tuple[Any, np.ndarray, np.ndarray]:
        if "tree" not in self._cache:
            x, y = self.project(self.prof_lon, self.prof_lat)
            coords = np.column_stack([x, y])
            lines = shapely.linestrings(
                coords, indices=np.repeat(np.arange(self.n_edges), np.diff(self.prof_offsets))
            )
            self._cache["tree"] = (shapely.STRtree(lines), lines, coords)
        ret: tuple[Any, np.ndarray, np.ndarray] = self._cache["tree"]
        return ret

    def covers(self, lon: float, lat: float) -> bool:
        """Whether the point lies inside the elevation data the network was built on."""
        w, s, e, n = self.meta.get("dem_bounds", self.bbox)
        return bool(w <= lon <= e and s <= lat <= n)

    def component_length_m(self) -> np.ndarray:
        """Per edge, the total length of ways in its connected component."""
        if "components" not in self._cache:
            adj = sp.coo_matrix(
                (np.ones(self.n_edges), (self.edge_u, self.edge_v)),
                shape=(self.n_nodes, self.n_nodes),
            )
            _, label = connected_components(adj, directed=False)
            per_comp = np.bincount(label[self.edge_u], self.edge_length_m)
            self._cache["components"] = per_comp[label[self.edge_u]]
        ret: np.ndarray = self._cache["components"]
        return ret

    def snap(
        self,
        lon: float,
        lat: float,
        *,
        max_distance_m: float = 500.0,
        min_component_m: float = 3000.0,
    ) -> Snap:
        """Snap a point onto the nearest point of any edge.

        Parameters
        ----------
        lon, lat
            The point, in degrees.
        max_distance_m
            Farther than this from every edge is an error.
        min_component_m
            Prefer edges whose connected network has at least this much way
            (or the largest there is), if one lies within ``max_distance_m``.

        Returns
        -------
        Snap

        Raises
        ------
        InputError
            If the coordinates are out of range.
        CoverageError
            If the point is outside the DEM, or farther than
            ``max_distance_m`` from every edge.
        """
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InputError(f"coordinates out of range: {lat},{lon} (expected lat,lon)")
        if not self.covers(lon, lat):
            w, s, e, n = self.meta.get("dem_bounds", self.bbox)
            raise CoverageError(
                f"point {lat:.5f},{lon:.5f} is outside the elevation data "
                f"(covers lat {s:.3f}..{n:.3f}, lon {w:.3f}..{e:.3f})"
            )
        tree, lines, coords = self._tree()
        x, y = self.project(np.array([lon]), np.array([lat]))
        pt = shapely.points(x[0], y[0])
        idx, dist = tree.query_nearest(pt, return_distance=True, all_matches=False)
        e_idx = int(np.ravel(idx)[0])
        d = float(dist[0])
        # A scrap of way that joins nothing is a poor start: prefer the nearest
        # edge of a component with at least `min_component_m` of ways nearby.
        comp_len = self.component_length_m()
        if comp_len[e_idx] < min(min_component_m, comp_len.max()):
            near = tree.query(pt, predicate="dwithin", distance=max_distance_m)
            big = near[comp_len[near] >= min(min_component_m, comp_len.max())]
            if len(big):
                dists = shapely.distance(lines[big], pt)
                e_idx = int(big[np.argmin(dists)])
                d = float(dists.min())
        if d > max_distance_m:
            far = f"{d / 1000:.1f} km" if d >= 1000 else f"{d:.0f} m"
            raise CoverageError(
                f"point {lat:.5f},{lon:.5f} is {far} from the nearest way "
                f"(limit {max_distance_m:.0f} m)"
            )
        line = lines[e_idx]
        along = float(shapely.line_locate_point(line, pt))
        a, b = self.prof_offsets[e_idx], self.prof_offsets[e_idx + 1]
        seg = coords[a:b]
        cum = np.concatenate(([0.0], np.cumsum(np.hypot(*np.diff(seg, axis=0).T))))
        dist_m = self.prof_dist[a:b]
        offset = float(np.interp(along, cum, dist_m))
        lon_s, lat_s = self.point_at(e_idx, offset)
        return Snap(e_idx, offset, d, lon_s, lat_s)

    def point_at(self, e: int, offset_m: float) -> tuple[float, float]:
        """``(lon, lat)`` of the point ``offset_m`` metres along edge ``e``."""
        lon, lat, _, dist = self.edge_profile(e)
        return float(np.interp(offset_m, dist, lon)), float(np.interp(offset_m, dist, lat))

    def nearest_node(self, lon: float, lat: float) -> int:
        """Index of the node nearest to a point."""
        d = haversine_m(self.node_lon, self.node_lat, lon, lat)
        return int(np.argmin(d))

    # -- summaries -----------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Summary numbers: size, km by class, elevation range, build facts."""
        km = self.edge_length_m / 1000.0
        return {
            "nodes": self.n_nodes,
            "edges": self.n_edges,
            "trail_km": round(float(km[self.edge_class == 0].sum()), 1),
            "road_km": round(float(km[self.edge_class > 0].sum()), 1),
            "major_road_km": round(float(km[self.edge_class == 2].sum()), 1),
            "elevation_min_m": round(float(self.prof_ele.min()), 1),
            "elevation_max_m": round(float(self.prof_ele.max()), 1),
            "ascent_total_m": round(float(self.edge_ascent_m.sum()), 0),
            "features": len(self.features),
            **{
                k: self.meta[k]
                for k in ("dem_voids_filled", "dropped_km", "build_s", "from_cache")
                if k in self.meta
            },
        }


def to_networkx(net: Network, times: tuple[np.ndarray, np.ndarray] | None = None) -> Any:
    """Export to an osmnx-compatible ``networkx.MultiDiGraph``.

    Every edge appears in both directions with osmnx's attribute names
    (``osmid``, ``length``, ``geometry``, ``highway``, ``name``, ``grade``,
    ``grade_abs``), plus ``ascent_m``, ``descent_m``, ``sac_scale`` and, when
    edge times are given, ``travel_time`` in seconds for that direction.  Nodes
    carry ``x``, ``y``, ``elevation`` and ``street_count``.

    Parameters
    ----------
    net
        The network.
    times
        Optional ``(u→v, v→u)`` seconds of every edge for ``travel_time``, e.g.
        ``EdgeTimer(net, profile).edge_times()`` (:mod:`routeplanner.pace.timer`).

    Returns
    -------
    networkx.MultiDiGraph
        ``graph["crs"]`` is ``"epsg:4326"`` as osmnx expects.
    """
    # networkx takes a third of a second to import and only this export needs it.
    import networkx as nx

    g = nx.MultiDiGraph(crs="epsg:4326", name=net.meta.get("region", "routeplanner"))
    degree = np.bincount(np.concatenate([net.edge_u, net.edge_v]), minlength=net.n_nodes)
    for i in range(net.n_nodes):
        g.add_node(
            int(net.node_osmid[i]) if net.node_osmid[i] > 0 else -(i + 1),
            x=float(net.node_lon[i]),
            y=float(net.node_lat[i]),
            elevation=float(net.node_ele[i]),
            street_count=int(degree[i]),
        )
    ids = [int(o) if o > 0 else -(i + 1) for i, o in enumerate(net.node_osmid)]
    for e in range(net.n_edges):
        lon, lat, _, _ = net.edge_profile(e)
        length = float(net.edge_length_m[e])
        rise = float(net.prof_ele[net.prof_offsets[e + 1] - 1] - net.prof_ele[net.prof_offsets[e]])
        common = {
            "osmid": int(net.edge_way_id[e]),
            "length": length,
            "highway": str(net.edge_highway[e]),
            "oneway": False,
            "sac_scale": int(net.edge_sac[e]),
            "edge_class": EDGE_CLASSES[int(net.edge_class[e])],
        }
        if net.edge_name[e]:
            common["name"] = str(net.edge_name[e])
        for direction, (a, b) in enumerate(
            ((net.edge_u[e], net.edge_v[e]), (net.edge_v[e], net.edge_u[e]))
        ):
            sign = 1 if direction == 0 else -1
            coords = np.column_stack([lon, lat]) if sign > 0 else np.column_stack([lon, lat])[::-1]
            grade = sign * rise / length if length > 0 else 0.0
            attrs = dict(common)
            attrs.update(
                geometry=shapely.linestrings(coords),
                reversed=bool(direction),
                grade=round(grade, 4),
                grade_abs=round(abs(grade), 4),
                ascent_m=float(net.edge_ascent_m[e] if sign > 0 else net.edge_descent_m[e]),
                descent_m=float(net.edge_descent_m[e] if sign > 0 else net.edge_ascent_m[e]),
            )
            if times is not None:
                attrs["travel_time"] = float(times[direction][e])
            g.add_edge(ids[int(a)], ids[int(b)], key=0, **attrs)
    return g
