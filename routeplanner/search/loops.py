"""Loops that take a target time.

How it works (and why it beats waypoint-based round trips):

1. **Candidate cycles.** A shortest-path tree from the start turns every
   non-tree edge ``(a, b)`` into a loop: tree path to ``a``, the edge, tree path
   from ``b`` back.  Its overlap is exactly the shared stem (down to the
   lowest common ancestor of ``a`` and ``b``).  One Dijkstra gives thousands
   of loops whose duration, trail share and overlap are computed for all of
   them at once with array operations.  Trees on randomly perturbed costs
   (seeded) give more, different loops; both running directions are scored,
   because up is not down.
2. **Combinations.** Where no single cycle has the right duration, two
   cycles from the start with little shared distance make a cloverleaf loop.
3. **Exact duration.** A loop a little shorter than the target is topped up
   with a short out-and-back spur that turns around part-way along an edge,
   found by one multi-source Dijkstra from the loop's nodes; the turnaround
   point is solved on the edge's elevation profile.
4. **Alternatives** are picked greedily so that no two share more than half
   their distance.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.sparse.csgraph import dijkstra

from routeplanner import pace
from routeplanner.errors import InputError, NoRouteError
from routeplanner.network.model import Network
from routeplanner.route import AnyStep, Route, Step, make_route, shared_m
from routeplanner.search.graph import Preferences, SearchGraph

__all__ = ["MAX_DURATION_S", "LoopRequest", "find_loops"]

log = logging.getLogger(__name__)

MAX_DURATION_S = 24 * 3600.0

#: Weight of the road share against the overlap share in the loop score.
TRAIL_WEIGHT = 0.25

#: How many of the best candidates are built and measured exactly.
EXACT_POOL = 12

#: Spread of the random cost perturbations (log-normal sigma) between trees.
NOISE_SIGMA = 0.8


@dataclass(frozen=True)
class LoopRequest:
    """What the runner asks for.

    Attributes
    ----------
    duration_s : float
        Target duration under the runner's pace model.
    tolerance : float
        Accepted relative error of the duration (0.05 = ±5 %).
    alternatives : int
        Number of really different loops to return.
    seed : int
        Seed of the randomised part of the search.
    """

    duration_s: float
    tolerance: float = 0.05
    alternatives: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        if not np.isfinite(self.duration_s) or self.duration_s <= 0:
            raise InputError(f"duration must be positive, got {self.duration_s!r} s")
        if self.duration_s > MAX_DURATION_S:
            raise InputError(f"duration {self.duration_s / 3600:.1f} h is over the 24 h limit")
        if not 0.005 <= self.tolerance <= 0.5:
            raise InputError(f"tolerance {self.tolerance:.1%} out of range: use 0.5% to 50%")
        if not 1 <= self.alternatives <= 10:
            raise InputError(f"alternatives must be between 1 and 10, got {self.alternatives}")


@dataclass
class _Cand:
    """A candidate loop made of whole search arcs, scored before padding."""

    arcs: list[int]
    time_s: float
    length_m: float
    trail_m: float
    overlap_m: float
    edges: frozenset[int]
    score: float = 0.0


def _tree_sums(pred: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Sum ``own`` over each node's tree path from the root (pointer jumping)."""
    val = own.astype(np.float64).copy()
    anc = pred.copy()
    has = anc >= 0
    while has.any():
        idx = np.flatnonzero(has)
        val[idx] += val[anc[idx]]
        anc[idx] = anc[anc[idx]]
        has = anc >= 0
    return val


@dataclass
class _Tree:
    par: np.ndarray  # arc into each node, -1 at the root / unreached
    pred: np.ndarray
    reached: np.ndarray
    depth: np.ndarray
    t_out: np.ndarray
    t_back: np.ndarray
    length: np.ndarray
    trail: np.ndarray


class _LoopSearch:
    """One loop query on a search graph."""

    def __init__(self, g: SearchGraph, req: LoopRequest, rounds: int) -> None:
        self.g = g
        self.req = req
        self.rng = np.random.default_rng(req.seed)
        self.rounds = rounds
        m = g.m
        self.rev = np.concatenate([np.arange(m, 2 * m), np.arange(m)])
        self.arc_factor = np.concatenate([g.factor, g.factor])
        self.arc_trail = np.concatenate([g.is_trail, g.is_trail]) * g.arc_len
        self.arc_sedge = np.concatenate([np.arange(m), np.arange(m)])

    # -- candidate cycles ----------------------------------------------------
    def tree(self, weights: np.ndarray) -> _Tree:
        g = self.g
        dist, pred = dijkstra(
            g.matrix(weights),
            indices=g.start_node,
            return_predecessors=True,
            limit=self.req.duration_s * 2.5 * max(self.g.prefs.class_factor),
        )
        reached = np.isfinite(dist)
        pred = np.where(pred < 0, -1, pred).astype(np.int64)
        has = pred >= 0
        par = np.full(g.n_nodes, -1, dtype=np.int64)
        par[has] = g.arc_between(pred[has], np.flatnonzero(has))
        k = np.maximum(par, 0)

        def sums(values: np.ndarray) -> np.ndarray:
            return _tree_sums(pred, np.where(has, values[k], 0.0))

        return _Tree(
            par=par,
            pred=pred,
            reached=reached,
            depth=_tree_sums(pred, has.astype(np.float64)).astype(np.int64),
            t_out=sums(g.arc_time),
            t_back=sums(g.arc_time[self.rev]),
            length=sums(g.arc_len),
            trail=sums(self.arc_trail),
        )

    def tree_path(self, tree: _Tree, v: int) -> list[int]:
        """Arcs from the root to ``v``."""
        path = []
        while tree.par[v] >= 0:
            k = int(tree.par[v])
            path.append(k)
            v = int(self.g.arc_src[k])
        path.reverse()
        return path

    def cycles(self, tree: _Tree, seen: set[tuple[frozenset[int], int]]) -> list[_Cand]:
        """Fundamental cycles of the tree whose duration could serve the target."""
        g, T = self.g, self.req.duration_s
        arcs = np.flatnonzero(g.arc_usable)
        a, b = g.arc_src[arcs], g.arc_dst[arcs]
        ok = (
            tree.reached[a]
            & tree.reached[b]
            & (tree.par[b] != arcs)
            & (tree.par[a] != self.rev[arcs])
        )
        arcs, a, b = arcs[ok], a[ok], b[ok]
        d = tree.t_out[a] + g.arc_time[arcs] + tree.t_back[b]
        keep = (d >= 0.1 * T) & (d <= (1 + self.req.tolerance) * T)
        arcs, a, b, d = arcs[keep], a[keep], b[keep], d[keep]
        if len(arcs) == 0:
            return []
        # Lowest common ancestors of all candidates at once: the stem.
        x, y = a.copy(), b.copy()
        diff = x != y
        while diff.any():
            up_x = diff & (tree.depth[x] >= tree.depth[y])
            up_y = diff & ~up_x
            x[up_x] = tree.pred[x[up_x]]
            y[up_y] = tree.pred[y[up_y]]
            diff = x != y
        stem = tree.length[x]
        total = tree.length[a] + g.arc_len[arcs] + tree.length[b]
        trail = tree.trail[a] + self.arc_trail[arcs] + tree.trail[b]
        score = self._score(d, total, trail, stem)
        out = []
        for i in np.argsort(score)[:300]:
            seq = (
                self.tree_path(tree, int(a[i]))
                + [int(arcs[i])]
                + [int(self.rev[k]) for k in reversed(self.tree_path(tree, int(b[i])))]
            )
            edges = frozenset(int(self.arc_sedge[k]) for k in seq)
            key = (edges, seq[0])
            if key in seen:
                continue
            seen.add(key)
            out.append(
                _Cand(
                    seq,
                    float(d[i]),
                    float(total[i]),
                    float(trail[i]),
                    float(stem[i]),
                    edges,
                    float(score[i]),
                )
            )
        return out

    def via_loops(
        self,
        tree: _Tree,
        weights: np.ndarray,
        seen: set[tuple[frozenset[int], int]],
        *,
        n_via: int = 16,
    ) -> list[_Cand]:
        """Loops through one or two via nodes, each leg avoiding the legs before it.

        The first via node ``x`` is on the tree, spread over bearing sectors
        around the start at a tree time drawn between 28 % and 45 % of the
        target.  From ``x``, a search that penalises the way out gives both the
        way back (a two-leg loop) and a second via node ``y`` chosen so that
        out + ``x``→``y`` + the tree time from ``y`` back is close to the
        target; the last leg ``y``→start then avoids both earlier legs (a
        triangle).
        """
        g, T = self.g, self.req.duration_s
        s = g.start_node
        ok = tree.reached & (tree.t_out >= 0.2 * T) & (tree.t_out <= 0.5 * T)
        nodes = np.flatnonzero(ok)
        if len(nodes) == 0:
            return []
        bearing = np.arctan2(
            g.node_lat[nodes] - g.node_lat[s],
            (g.node_lon[nodes] - g.node_lon[s]) * np.cos(np.radians(g.node_lat[s])),
        )
        sector = ((bearing + np.pi) / (2 * np.pi) * n_via).astype(int) % n_via
        want = self.rng.uniform(0.28, 0.45, n_via) * T
        out = []
        for sec in range(n_via):
            in_sec = nodes[sector == sec]
            if len(in_sec) == 0:
                continue
            x = int(in_sec[np.argmin(np.abs(tree.t_out[in_sec] - want[sec]))])
            path = self.tree_path(tree, x)
            w2 = self._penalised(weights, path)
            _, pred2 = dijkstra(g.matrix(w2), indices=x, return_predecessors=True)
            pred2 = np.where(pred2 < 0, -1, pred2).astype(np.int64)
            if pred2[s] >= 0:
                self._add(out, seen, path + self._walk(pred2, x, s))
            y = self._second_via(tree, pred2, float(tree.t_out[x]))
            if y is None:
                continue
            leg2 = self._walk(pred2, x, y)
            w3 = self._penalised(w2, leg2)
            _, pred3 = dijkstra(g.matrix(w3), indices=y, return_predecessors=True)
            if pred3[s] >= 0:
                pred3 = np.where(pred3 < 0, -1, pred3).astype(np.int64)
                self._add(out, seen, path + leg2 + self._walk(pred3, y, s))
        return out

    def _penalised(self, weights: np.ndarray, arcs: list[int]) -> np.ndarray:
        """Weights with ``arcs`` (both directions) ten times dearer."""
        w = weights.copy()
        used = np.asarray(arcs, dtype=np.int64)
        w[used] *= 10.0
        w[self.rev[used]] *= 10.0
        return w

    def _walk(self, pred: np.ndarray, root: int, v: int) -> list[int]:
        """Arcs from ``root`` to ``v`` in a predecessor tree rooted at ``root``."""
        nodes = [v]
        while nodes[-1] != root:
            nodes.append(int(pred[nodes[-1]]))
        nodes.reverse()
        arcs = self.g.arc_between(np.asarray(nodes[:-1]), np.asarray(nodes[1:]))
        return [int(k) for k in arcs]

    def _second_via(self, tree: _Tree, pred2: np.ndarray, t_x: float) -> int | None:
        """Return a node whose out + leg + tree way back is closest to the target."""
        g, T = self.g, self.req.duration_s
        has = pred2 >= 0
        par = np.full(g.n_nodes, -1, dtype=np.int64)
        par[has] = g.arc_between(pred2[has], np.flatnonzero(has))
        t_leg = _tree_sums(pred2, np.where(has, g.arc_time[np.maximum(par, 0)], 0.0))
        total = t_x + t_leg + np.where(tree.reached, tree.t_back, np.inf)
        ok = has & (t_leg > 0.15 * T) & (total < 0.98 * T)
        if not ok.any():
            return None
        cand = np.flatnonzero(ok)
        return int(cand[np.argmax(total[cand])])

    def _add(self, out: list[_Cand], seen: set[tuple[frozenset[int], int]], seq: list[int]) -> None:
        cand = self._make(seq)
        key = (cand.edges, seq[0])
        # Back the way it came is an out-and-back, not a loop.
        if cand.overlap_m >= 0.499 * cand.length_m or key in seen:
            return
        seen.add(key)
        out.append(cand)

    def _make(self, seq: list[int]) -> _Cand:
        """Return a candidate from whole arcs, with exact time, trail and overlap."""
        g = self.g
        arr = np.asarray(seq, dtype=np.int64)
        sedge = self.arc_sedge[arr]
        counts = np.bincount(sedge)
        used = np.flatnonzero(counts)
        overlap = float(np.sum((counts[used] - 1) * g.length[used]))
        t = float(g.arc_time[arr].sum())
        length = float(g.arc_len[arr].sum())
        trail = float(self.arc_trail[arr].sum())
        score = float(self._score(t, length, trail, overlap))
        return _Cand(seq, t, length, trail, overlap, frozenset(used.tolist()), score)

    def _score(self, time_s, length_m, trail_m, overlap_m):
        """Lower is better: overlap after padding, road share, and overshoot."""
        T = self.req.duration_s
        time_s = np.asarray(time_s, dtype=np.float64)
        length_m = np.asarray(length_m, dtype=np.float64)
        deficit = np.clip(T - time_s, 0.0, None)
        spur = deficit / 2 * length_m / np.maximum(time_s, 1.0)  # one way, metres
        overlap = (np.asarray(overlap_m) + spur) / (length_m + 2 * spur)
        over = np.clip(time_s / T - 1, 0.0, None)
        return overlap + TRAIL_WEIGHT * (1 - np.asarray(trail_m) / length_m) + 3.0 * over

    def combos(self, cands: list[_Cand]) -> list[_Cand]:
        """Two cycles from the start run one after the other (a cloverleaf)."""
        T = self.req.duration_s
        pool = sorted(
            (c for c in cands if c.time_s < 0.85 * T),
            key=lambda c: (c.overlap_m + 0.3 * (c.length_m - c.trail_m)) / c.length_m,
        )
        pool = pool[:60]
        lengths = self.g.length
        out = []
        for i, c1 in enumerate(pool):
            for c2 in pool[i + 1 :]:
                t = c1.time_s + c2.time_s
                if not (0.7 * T <= t <= (1 + self.req.tolerance) * T):
                    continue
                common = c1.edges & c2.edges
                shared = float(lengths[list(common)].sum()) if common else 0.0
                length = c1.length_m + c2.length_m
                overlap = c1.overlap_m + c2.overlap_m + shared
                trail = c1.trail_m + c2.trail_m
                score = float(self._score(t, length, trail, overlap))
                out.append(
                    _Cand(c1.arcs + c2.arcs, t, length, trail, overlap, c1.edges | c2.edges, score)
                )
        return out

    # -- topping up to the exact duration -----------------------------------
    def pad(self, arcs: list[int], deficit_s: float) -> list[Step] | None:
        """Insert an out-and-back spur of ``deficit_s`` into the loop."""
        g = self.g
        steps = g.arc_steps(arcs)
        if deficit_s < 15.0:
            return steps
        nodes = [g.start_node] + [int(g.arc_dst[k]) for k in arcs]
        rt = g.arc_time + g.arc_time[self.rev]
        sources = np.unique(nodes)
        dist, pred, src = dijkstra(
            g.matrix(rt),
            indices=sources,
            min_only=True,
            return_predecessors=True,
            limit=deficit_s,
        )
        usable = np.flatnonzero(g.arc_usable)
        p = g.arc_src[usable]
        fits = np.isfinite(dist[p]) & (dist[p] < deficit_s) & (dist[p] + rt[usable] >= deficit_s)
        cand = usable[fits]
        if len(cand) == 0:
            return None
        in_loop = np.isin(self.arc_sedge[cand], self.arc_sedge[arcs])
        # Prefer trails, off the loop, and a spur that starts close to the loop.
        rank = self.arc_factor[cand] + 0.5 * in_loop + dist[g.arc_src[cand]] / deficit_s * 0.1
        k = int(cand[np.argmin(rank)])
        p0 = int(g.arc_src[k])
        path: list[int] = []
        v = p0
        while pred[v] >= 0:
            u = int(pred[v])
            path.append(int(g.arc_between(np.array([u]), np.array([v]))[0]))
            v = u
        path.reverse()
        root = int(src[p0])
        out_steps = g.arc_steps(path)
        turn = self._turnaround(k, deficit_s - float(dist[p0]))
        back = [Step(s.edge, s.end_m, s.start_m) for s in reversed([*out_steps, turn])]
        spur = [*out_steps, turn, *back]
        at = nodes.index(root)
        return steps[:at] + spur + steps[at:]

    def _turnaround(self, k: int, round_trip_s: float) -> Step:
        """Partial step along arc ``k`` whose out-and-back takes ``round_trip_s``."""
        g = self.g
        net, prof = g.net, g.profile
        full = g.arc_steps([k])[0]
        lo, hi = 0.0, 1.0
        for _ in range(30):
            mid = (lo + hi) / 2
            s = g.partial_arc_step(k, mid)
            t = net.partial_time_s(s.edge, s.start_m, s.end_m, prof) + net.partial_time_s(
                s.edge, s.end_m, s.start_m, prof
            )
            if t < round_trip_s:
                lo = mid
            else:
                hi = mid
        s = g.partial_arc_step(k, (lo + hi) / 2)
        return s if s.length_m > 0 else full


def find_loops(
    net: Network,
    start: tuple[float, float],
    profile: pace.RunnerProfile,
    request: LoopRequest,
    *,
    prefs: Preferences | None = None,
    max_snap_m: float = 500.0,
    rounds: int = 16,
) -> list[Route]:
    """Find loops from ``start`` that take the requested time.

    Parameters
    ----------
    net
        The network.
    start
        ``(lon, lat)`` of the start; snapped onto the nearest edge.
    profile
        Runner profile: flat pace, model, max difficulty.
    request
        Target duration, tolerance, number of alternatives, seed.
    prefs
        Search preferences (trail over road, easier over harder).
    max_snap_m
        Largest accepted distance from the start to the network.
    rounds
        Number of shortest-path trees grown (the first on true costs, the
        others on seeded random perturbations).

    Returns
    -------
    list of Route
        Best first; fewer than asked when the network has no more really
        different loops.  A loop that misses the tolerance carries a warning.

    Raises
    ------
    CoverageError
        If the start is outside the data or too far from any way.
    NoRouteError
        If no loop at all exists from the start.
    """
    lon, lat = start
    snap = net.snap(lon, lat, max_distance_m=max_snap_m)
    g = SearchGraph(net, profile, snap, prefs)
    search = _LoopSearch(g, request, rounds)
    T = request.duration_s
    base = g.arc_time * search.arc_factor
    seen: set[tuple[frozenset[int], int]] = set()
    cands: list[_Cand] = []
    for r in range(rounds):
        w = base
        if r:
            noise = search.rng.lognormal(0.0, NOISE_SIGMA, g.m)
            w = base * np.concatenate([noise, noise])
        tree = search.tree(w)
        cands.extend(search.cycles(tree, seen))
        cands.extend(search.via_loops(tree, w, seen))
    if not cands:
        raise NoRouteError(
            f"no loop exists from {lat:.5f},{lon:.5f}: the ways reachable from it "
            "form no cycle within reach of the target time"
        )
    cands.extend(search.combos(cands))
    cands.sort(key=lambda c: c.score)

    # The padded routes of the best few candidates are measured for real
    # (the spur changes overlap and trail share), and the best of those wins;
    # the rest follow in estimated order for the alternatives.
    built: list[tuple[float, Route]] = []
    for rank, c in enumerate(cands[:200]):
        if rank >= EXACT_POOL and len(built) >= request.alternatives:
            break
        steps = search.pad(c.arcs, T - c.time_s) if c.time_s < T else g.arc_steps(c.arcs)
        if steps is None:
            continue
        route = make_route(net, steps, profile, kind="loop", target_duration_s=T)
        built.append((_route_score(route, T), route))
    built.sort(key=lambda x: x[0])
    routes: list[Route] = []
    for _, route in built:
        if any(_too_similar(route.steps, r.steps) for r in routes):
            continue
        routes.append(replace(route, name=f"Loop {len(routes) + 1}"))
        if len(routes) == request.alternatives:
            break
    if not routes:
        best = max(cands, key=lambda c: c.time_s)
        routes.append(
            make_route(
                net,
                g.arc_steps(best.arcs),
                profile,
                name="Loop 1",
                kind="loop",
                target_duration_s=T,
            )
        )
    for k, loop in enumerate(routes):
        err = loop.stats.duration_s / T - 1
        if abs(err) > request.tolerance:
            miss = (
                f"duration {loop.stats.duration_s / 60:.0f} min misses the target "
                f"{T / 60:.0f} min by {err:+.0%}: the network around the start has no "
                "loop closer to it"
            )
            routes[k] = replace(loop, warnings=(*loop.warnings, miss))
    if len(routes) < request.alternatives:
        log.warning(
            "found %d really different loops of the %d asked for", len(routes), request.alternatives
        )
    return routes


def _route_score(route: Route, target_s: float) -> float:
    """Return the search's score, on a finished route's real numbers (lower is better)."""
    st = route.stats
    over = max(0.0, st.duration_s / target_s - 1)
    return st.overlap_share + TRAIL_WEIGHT * (1 - st.trail_share) + 3.0 * over


def _too_similar(a: Sequence[AnyStep], b: Sequence[AnyStep]) -> bool:
    la = sum(s.length_m for s in a)
    lb = sum(s.length_m for s in b)
    return shared_m(a, b) > 0.5 * min(la, lb)
