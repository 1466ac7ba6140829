"""Compact search graph: the network as CSR matrices for one runner and one start.

Edge cost is a function of the edge's data (:class:`Preferences`), so a pace
model, a trail preference or a closure plugs in without touching the search
algorithms.  The start, snapped mid-edge, becomes a virtual node splitting its
edge in two.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from routeplanner import pace
from routeplanner.network.model import Network, Snap
from routeplanner.route import Step

__all__ = ["Preferences", "SearchGraph"]


@dataclass(frozen=True)
class Preferences:
    """Cost multipliers on run time that steer the search.

    Attributes
    ----------
    class_factor : tuple of float
        Multiplier per edge class: trail, minor road, major road.
    sac_factor : float
        Extra cost per SAC grade (prefers easier trails among allowed ones).
    """

    class_factor: tuple[float, float, float] = (1.0, 1.5, 4.0)
    sac_factor: float = 0.05

    def edge_factor(self, net: Network) -> np.ndarray:
        """Cost multiplier of every edge."""
        cls = np.asarray(self.class_factor)[net.edge_class]
        return cls * (1.0 + self.sac_factor * net.edge_sac)


class SearchGraph:
    """Search edges (network edges, with the start's edge split) and their CSR form.

    Search edge ``k`` runs from node ``a[k]`` (at offset ``lo[k]`` of network
    edge ``edge[k]``) to node ``b[k]`` (at ``hi[k]``).  Node ``n_nodes - 1``
    is the virtual start when the start is mid-edge.

    Parameters
    ----------
    net
        The network.
    profile
        Runner profile (times, and which edges are too hard).
    start
        Where the route starts.
    prefs
        Search preferences.
    """

    def __init__(
        self,
        net: Network,
        profile: pace.RunnerProfile,
        start: Snap | None = None,
        prefs: Preferences | None = None,
    ) -> None:
        self.net = net
        self.profile = profile
        self.prefs = prefs or Preferences()
        t_f, t_b = net.edge_times(profile)
        factor = self.prefs.edge_factor(net)
        n = net.n_nodes
        a = net.edge_u.copy()
        b = net.edge_v.copy()
        edge = np.arange(net.n_edges)
        lo = np.zeros(net.n_edges)
        hi = net.edge_length_m.copy()
        tf, tb = t_f.copy(), t_b.copy()
        self.start_node: int
        if start is None:
            self.start_node = -1
        else:
            e, off = start.edge, start.offset_m
            length = float(net.edge_length_m[e])
            if off <= 1e-3:
                self.start_node = int(net.edge_u[e])
            elif off >= length - 1e-3:
                self.start_node = int(net.edge_v[e])
            else:
                s = n
                n += 1
                self.start_node = s
                keep = edge != e
                a, b, edge, lo, hi, tf, tb = (x[keep] for x in (a, b, edge, lo, hi, tf, tb))
                banned = not np.isfinite(t_f[e])
                t1f = np.inf if banned else net.partial_time_s(e, 0.0, off, profile)
                t1b = np.inf if banned else net.partial_time_s(e, off, 0.0, profile)
                t2f = np.inf if banned else net.partial_time_s(e, off, length, profile)
                t2b = np.inf if banned else net.partial_time_s(e, length, off, profile)
                a = np.append(a, [net.edge_u[e], s])
                b = np.append(b, [s, net.edge_v[e]])
                edge = np.append(edge, [e, e])
                lo = np.append(lo, [0.0, off])
                hi = np.append(hi, [off, length])
                tf = np.append(tf, [t1f, t2f])
                tb = np.append(tb, [t1b, t2b])
        self.n_nodes = n
        self.a, self.b, self.edge, self.lo, self.hi = a, b, edge, lo, hi
        self.t_fwd, self.t_bwd = tf, tb
        self.length = hi - lo
        self.factor = factor[edge]
        self.is_trail = net.edge_class[edge] == 0
        ok = np.isfinite(tf) & np.isfinite(tb)
        self.usable = ok
        self.node_lon = np.append(net.node_lon, [start.lon] if n > net.n_nodes else [])
        self.node_lat = np.append(net.node_lat, [start.lat] if n > net.n_nodes else [])
        # Directed arcs: arc k is edge k forward, arc k + m is edge k backward.
        m = len(a)
        self.m = m
        self.arc_src = np.concatenate([a, b])
        self.arc_dst = np.concatenate([b, a])
        self.arc_time = np.concatenate([tf, tb])
        self.arc_len = np.concatenate([self.length, self.length])
        self.arc_usable = np.concatenate([ok, ok])
        # CSR lookup of the arc between two nodes.
        order = np.lexsort((self.arc_dst, self.arc_src))
        self._arc_keys = self.arc_src[order].astype(np.int64) * n + self.arc_dst[order]
        self._arc_order = order

    def arc_between(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """Arc index from ``src`` to ``dst`` (arrays); -1 where there is none."""
        key = np.asarray(src, dtype=np.int64) * self.n_nodes + np.asarray(dst)
        pos = np.searchsorted(self._arc_keys, key)
        pos = np.minimum(pos, len(self._arc_keys) - 1)
        found = self._arc_keys[pos] == key
        return np.where(found, self._arc_order[pos], -1)

    def matrix(self, weights: np.ndarray) -> sp.csr_matrix:
        """CSR matrix of arc weights (length ``2 * m``); unusable arcs left out."""
        ok = np.flatnonzero(self.arc_usable & np.isfinite(weights))
        # A tiny floor: scipy treats stored zeros as edges, but keep costs positive.
        w = np.maximum(weights[ok], 1e-6)
        src, dst = self.arc_src[ok], self.arc_dst[ok]
        # scipy sums duplicate entries; the network is simple, but keep only the
        # cheapest arc per node pair should that ever change.
        order = np.lexsort((w, dst, src))
        first = np.ones(len(order), dtype=bool)
        first[1:] = (src[order][1:] != src[order][:-1]) | (dst[order][1:] != dst[order][:-1])
        keep = order[first]
        return sp.csr_matrix((w[keep], (src[keep], dst[keep])), shape=(self.n_nodes, self.n_nodes))

    def arc_steps(self, arcs: np.ndarray | list[int]) -> list[Step]:
        """Network steps for a sequence of arcs."""
        out = []
        for k in arcs:
            k = int(k)
            e = k % self.m
            if k < self.m:
                out.append(Step(int(self.edge[e]), float(self.lo[e]), float(self.hi[e])))
            else:
                out.append(Step(int(self.edge[e]), float(self.hi[e]), float(self.lo[e])))
        return out

    def partial_arc_step(self, k: int, fraction: float) -> Step:
        """Step covering the first ``fraction`` of arc ``k``."""
        e = k % self.m
        lo, hi = float(self.lo[e]), float(self.hi[e])
        if k < self.m:
            return Step(int(self.edge[e]), lo, lo + fraction * (hi - lo))
        return Step(int(self.edge[e]), hi, hi - fraction * (hi - lo))
