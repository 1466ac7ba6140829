"""Loops that take a target time, under the runner's hard constraints.

How it works:

1. **Reach.** One bounded Dijkstra on the whole network keeps the edges a
   loop of the target time can use (every node of such a loop lies within
   half the time of the start); everything else works on that subgraph, so a
   query costs what its reach costs, not what the region costs.  The
   subgraph's sparse structure is built once and reused across the durations
   and alternatives of one start; only weights change.
2. **Costs.** Edge cost is a function of the edge's data
   (:data:`~routeplanner.search.graph.EdgeCost`): run time times a trail
   preference, with the hard constraints as closures (grade, difficulty, main
   roads unless no other way connects or the start lies on one, trail-first).
3. **Candidate cycles.** A shortest-path tree from the start turns every
   non-tree arc ``(a, b)`` into a loop: tree path to ``a``, the arc, tree path
   from ``b`` back.  Its overlap is the shared stem (down to the lowest common
   ancestor of ``a`` and ``b``).  Durations, trail share, ascent and overlap of
   all of them come from array operations; paths of the best are walked up
   the predecessor arrays all at once.  Trees on seeded random perturbations
   of the costs give more, different loops, and loops through one or two via
   nodes whose later legs avoid the earlier ones (:data:`REUSE_PENALTY`) give
   loops with little overlap where the tree's do not.
4. **Combinations.** Two cycles with little shared distance make a cloverleaf.
5. **Exact duration.** A loop a little shorter than the target is topped up
   with an out-and-back spur that turns around part-way along an edge.  With
   no cycle in reach, the same spur from the start alone is an out-and-back.
6. **Outcome.** The best few candidates are built into routes and measured
   against the brief (:func:`routeplanner.brief.assess`); routes that meet it
   come first, then the score.  Alternatives share at most half their
   distance (:mod:`~.search.loop_outcome`).  A loop that a later search (ascent
   retries, links) finds again is built once.
7. **Links.** Trail-first, an out-and-back or lollipop is searched again with
   main roads open: a loop with a short link wins (:mod:`~.search.roads`).
"""

from __future__ import annotations

import functools
import itertools
import logging
from dataclasses import KW_ONLY, dataclass, field

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.sparse.csgraph import dijkstra

from routeplanner import pace
from routeplanner.brief import MAIN_ROAD_CLASS, Constraints, add_shortfalls
from routeplanner.errors import InputError, NoRouteError
from routeplanner.network.model import Network, Snap
from routeplanner.route import Route, Step
from routeplanner.search.graph import (
    CLIMB_AVERSION,
    REUSE_PENALTY,
    Preferences,
    SearchGraph,
    edge_cost,
    reach_edges,
    tree_sums,
)
from routeplanner.search.loop_cands import _Cand, _cand_at, _Found, _joined
from routeplanner.search.loop_outcome import (
    CONSTRAINT_WEIGHT,
    MAIN_ROAD_DEBIT,
    OVERSHOOT_WEIGHT,
    TRAIL_WEIGHT,
    _Builds,
    _enough,
    _named,
    _too_similar,
)
from routeplanner.search.roads import MAIN_LINK_SHARE, bypassed_share
from routeplanner.search.trees import (
    StartTree,
    common_ancestors,
    keep_tree,
    kept_tree,
    start_tree,
    tree_path,
    weights_key,
)

__all__ = ["MAX_DURATION_S", "TRAIL_PREFERENCE", "LoopRequest", "edge_cost", "find_loops"]

log = logging.getLogger(__name__)

MAX_DURATION_S = 24 * 3600.0
#: Shortest duration a loop may be asked for.
MIN_DURATION_S = 60.0

# -- tuning constants ------------------------------------------------------------------

#: Default search preference: trails strongly over minor roads, main roads last.
TRAIL_PREFERENCE = Preferences(class_factor=(1.0, 3.0, 10.0), sac_factor=0.05)

#: Shortest-path trees grown per query (the first on true costs).
TREE_ROUNDS = 3

#: Via-node loops per tree (one per bearing sector around the start).
VIA_SECTORS = 6

#: Spread of the random cost perturbations (log-normal sigma) between trees.
NOISE_SIGMA = 0.8

#: Best tree cycles per tree whose paths are walked and kept.
CYCLES_PER_TREE = 60

#: Candidates combined pairwise into cloverleaf loops.
COMBO_POOL = 40

#: Best cloverleaf combinations kept as candidates.
COMBO_KEEP = 60

#: How many of the best candidates are built and measured exactly.
EXACT_POOL = 8

#: Candidates built and measured at least, before stopping at enough good ones.
MIN_BUILT = 1

#: Candidates built at least when the best built ones overlap more than GOOD_OVERLAP.
MIN_BUILT_OVERLAP = 4

#: Trail-first: a loop overlapping itself more than this also looks for a short main-road link.
LINK_OVERLAP = 0.10

#: Heavier climb aversions tried in turn while the best loop still climbs over the cap.
ASCENT_RETRY_WEIGHTS = (40.0, 160.0)

#: Shortest tree cycle worth keeping, as a share of the target.
MIN_CYCLE_SHARE = 0.1

#: Window of tree times (share of the target) where via nodes are looked for.
VIA_WINDOW = (0.2, 0.5)

#: Range the wanted time of a via node is drawn from (share of the target).
VIA_DRAW = (0.28, 0.45)

#: Second leg of a triangle: least share of the target, most total before the way back.
SECOND_LEG = (0.15, 0.98)

#: Cloverleaf: a part below this share of the target, the sum above the first.
COMBO_SHARES = (0.7, 0.85)

#: Cost-unit bound of the trees' Dijkstras, as a multiple of the target time.
COST_LIMIT = 3.0

#: Share of the tolerance under the target within which a loop gets no spur.
PAD_WITHIN = 0.6

#: Cost-unit bound of the via legs' Dijkstras, as a multiple of the target time.
VIA_LIMIT = 3.0

#: Deficit below which a loop is not topped up with a spur.
PAD_MIN_S = 15.0

#: A cached reach subgraph serves targets whose reach is at least 1 / this of its own.
REACH_REUSE = 1.3

#: Bisection steps locating a spur's turnaround on its edge (2**-16 of the edge).
TURN_BISECTIONS = 16

#: Bisection steps whose shares are timed in one call (2**4 - 1 shares: past that, the
#: sums of many shares cost more than the calls they save).
TURN_BATCH = 4


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
    constraints : Constraints
        Hard constraints (avoid main roads, trail share, ascent, grade, difficulty).
    """

    duration_s: float
    _: KW_ONLY
    tolerance: float = 0.05
    alternatives: int = 1
    seed: int = 0
    constraints: Constraints = field(default_factory=Constraints)

    def __post_init__(self) -> None:
        if not np.isfinite(self.duration_s) or self.duration_s <= 0:
            raise InputError(f"duration must be positive, got {self.duration_s!r} s")
        if self.duration_s > MAX_DURATION_S:
            raise InputError(f"duration {self.duration_s / 3600:.1f} h is over the 24 h limit")
        if self.duration_s < MIN_DURATION_S:
            raise InputError(f"duration {self.duration_s:g} s is under 1 min: use 1 min to 24 h")
        if not 0.005 <= self.tolerance <= 0.5:
            raise InputError(f"tolerance {self.tolerance:.1%} out of range: use 0.5% to 50%")
        if not 1 <= self.alternatives <= 10:
            raise InputError(f"alternatives must be between 1 and 10, got {self.alternatives}")


class _LoopSearch:
    """One loop query on a search graph."""

    def __init__(self, g: SearchGraph, req: LoopRequest, base: np.ndarray) -> None:
        self.g = g
        self.req = req
        self.base = base
        self.rng = np.random.default_rng(req.seed)
        self.dijkstras = 0
        self.arc_factor = np.concatenate([g.factor, g.factor])
        # The score's trail credit: metres of trail, less a debit for main roads.
        main = g.net.edge_class[g.edge] == MAIN_ROAD_CLASS
        debit = MAIN_ROAD_DEBIT if req.constraints.avoid_roads else 0.0
        credit = np.where(main, -debit, g.is_trail.astype(np.float64))
        self.arc_trail = np.concatenate([credit, credit]) * g.arc_len
        self.arc_sedge = np.concatenate([np.arange(g.m), np.arange(g.m)])
        net = g.net
        full = np.maximum(net.edge_length_m[g.edge], 1e-9)
        frac = g.length / full
        self.arc_up = np.concatenate(
            [net.edge_ascent_m[g.edge] * frac, net.edge_descent_m[g.edge] * frac]
        )
        self.limit = COST_LIMIT * req.duration_s
        # Loops this close under the target are left as they are (no spur).
        self.no_pad_s = (1 - PAD_WITHIN * req.tolerance) * req.duration_s

    def dijkstra(
        self, weights: np.ndarray, source: int, limit: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """One bounded Dijkstra: distances and predecessors (-1 where none)."""
        self.dijkstras += 1
        dist, pred = dijkstra(
            self.g.matrix(weights),
            indices=source,
            return_predecessors=True,
            limit=self.limit if limit is None else limit,
        )
        pred = pred.astype(np.int64)
        pred[pred < 0] = -1
        return dist, pred

    # -- candidate cycles ----------------------------------------------------
    def tree(self, weights: np.ndarray) -> StartTree:
        """Return the shortest-path tree from the start, bounded by this query's cost limit.

        A tree grown on the same graph and weights with a limit at least as large
        (a longer duration of the same plan) is reused, cut at this limit.
        """
        key = weights_key(weights)
        kept = kept_tree(self.g, key, self.limit)
        if kept is not None:
            return kept
        dist, pred = self.dijkstra(weights, self.g.start_node)
        tree = start_tree(self.g, dist, pred, trail_m=self.arc_trail, up_m=self.arc_up)
        keep_tree(self.g, key, self.limit, tree)
        return tree

    def cycles(self, tree: StartTree, seen: set[tuple[int, int]]) -> list[_Cand]:
        """Fundamental cycles of the tree whose duration could serve the target."""
        g, T = self.g, self.req.duration_s
        arcs = np.flatnonzero(np.isfinite(self.base))
        a, b = g.arc_src[arcs], g.arc_dst[arcs]
        ok = (
            tree.reached[a] & tree.reached[b] & (tree.par[b] != arcs) & (tree.par[a] != g.rev[arcs])
        )
        arcs, a, b = arcs[ok], a[ok], b[ok]
        d = tree.t_out[a] + g.arc_time[arcs] + tree.t_back[b]
        keep = (d >= MIN_CYCLE_SHARE * T) & (d <= (1 + self.req.tolerance) * T)
        arcs, a, b, d = arcs[keep], a[keep], b[keep], d[keep]
        if len(arcs) == 0:
            return []
        # The stem: the tree path down to the lowest common ancestor of both ends.
        stem = tree.length[common_ancestors(tree, a, b)]
        total = tree.length[a] + g.arc_len[arcs] + tree.length[b]
        trail = tree.trail[a] + self.arc_trail[arcs] + tree.trail[b]
        up = tree.up_out[a] + self.arc_up[arcs] + tree.up_back[b]
        score = self._score(d, total, trail, stem, up)
        chosen: list[int] = []
        # (np.rint rounds half to even, as round() does)
        rounded = np.rint(np.stack([total, trail])).astype(np.int64).tolist()
        keys = list(zip(*rounded, strict=True))
        for i in np.argsort(score).tolist():
            key = keys[i]
            if key in seen:
                continue
            seen.add(key)
            chosen.append(i)
            if len(chosen) == CYCLES_PER_TREE:
                break

        @functools.cache
        def as_lists() -> tuple[list[int], list[int]]:
            return tree.par.tolist(), g.arc_src.tolist()

        def walk(a: int, k: int, b: int) -> _Found:
            # Out along the tree to a, the arc, back from b along the tree.
            out, back = (tree_path(*as_lists(), v) for v in (a, b))
            seq = [*out, k, *g.rev[back[::-1]].tolist()]
            return seq, frozenset(self.arc_sedge[seq].tolist())

        values = (d, total, trail, stem, up, score)
        return [
            _cand_at(values, i, functools.partial(walk, int(a[i]), int(arcs[i]), int(b[i])))
            for i in chosen
        ]

    def via_loops(
        self, tree: StartTree, weights: np.ndarray, seen: set[tuple[int, int]]
    ) -> list[_Cand]:
        """Loops through one or two via nodes, each leg avoiding the legs before it.

        The first via node ``x`` is on the tree, one per bearing sector around
        the start, at a tree time drawn from :data:`VIA_DRAW` of the target.
        From ``x``, a search that penalises the way out gives both the way back
        (a two-leg loop) and a second via node ``y`` chosen so that out +
        ``x``→``y`` + the tree time from ``y`` back is close to the target; the
        last leg ``y``→start then avoids both earlier legs (a triangle).
        """
        g, T = self.g, self.req.duration_s
        s = g.start_node
        ok = tree.reached & (tree.t_out >= VIA_WINDOW[0] * T) & (tree.t_out <= VIA_WINDOW[1] * T)
        nodes = np.flatnonzero(ok)
        if len(nodes) == 0:
            return []
        bearing = np.arctan2(
            g.node_lat[nodes] - g.node_lat[s],
            (g.node_lon[nodes] - g.node_lon[s]) * np.cos(np.radians(g.node_lat[s])),
        )
        offset = self.rng.uniform(0, 2 * np.pi)
        sector = ((bearing + np.pi + offset) / (2 * np.pi) * VIA_SECTORS).astype(int) % VIA_SECTORS
        want = self.rng.uniform(*VIA_DRAW, VIA_SECTORS) * T
        picks = []  # (x, the tree path to it, weights avoiding that path), per sector
        for sec in range(VIA_SECTORS):
            in_sec = nodes[sector == sec]
            if len(in_sec):
                x = int(in_sec[np.argmin(np.abs(tree.t_out[in_sec] - want[sec]))])
                path = tree_path(tree.par, g.arc_src, x)
                picks.append((x, path, g.penalised(weights, path, REUSE_PENALTY)))
        # The legs from the first via nodes, then from the second ones, each in one call.
        preds = g.predecessors([w for *_, w in picks], [x for x, *_ in picks], VIA_LIMIT * T)
        found, thirds = [], []
        for (x, path, w2), pred2 in zip(picks, preds, strict=True):
            par2 = g.tree_arcs(pred2)
            two = path + tree_path(par2, g.arc_src, s) if pred2[s] >= 0 else None
            y = self._second_via(tree, pred2, par2, float(tree.t_out[x]))
            leg2 = None if y is None else tree_path(par2, g.arc_src, y)
            found.append((path, two, y, leg2))
            if y is not None and leg2 is not None:
                thirds.append((y, g.penalised(w2, leg2, REUSE_PENALTY)))
        preds3 = iter(g.predecessors([w for _, w in thirds], [y for y, _ in thirds], VIA_LIMIT * T))
        self.dijkstras += len(picks) + len(thirds)
        out: list[_Cand] = []
        for path, two, y, leg2 in found:  # (in the order of the sectors, as they were found)
            if two is not None:
                self._add(out, seen, two)
            if y is not None and leg2 is not None:
                pred3 = next(preds3)
                if pred3[s] >= 0:
                    self._add(out, seen, path + leg2 + g.path_arcs(pred3, y, s))
        return out

    def _second_via(
        self, tree: StartTree, pred2: np.ndarray, par: np.ndarray, t_x: float
    ) -> int | None:
        """Pick a node whose out + leg + tree way back is closest to the target.

        ``pred2`` and ``par`` are the leg's tree from the first via node: predecessors, arcs.
        """
        g, T = self.g, self.req.duration_s
        has = pred2 >= 0
        t_leg = tree_sums(pred2, np.where(has, g.arc_time[np.maximum(par, 0)], 0.0))
        total = t_x + t_leg + np.where(tree.reached, tree.t_back, np.inf)
        ok = has & (t_leg > SECOND_LEG[0] * T) & (total < SECOND_LEG[1] * T)
        if not ok.any():
            return None
        cand = np.flatnonzero(ok)
        return int(cand[np.argmax(total[cand])])

    def _add(self, out: list[_Cand], seen: set[tuple[int, int]], seq: list[int]) -> None:
        cand = self._make(seq)
        key = (round(cand.length_m), round(cand.trail_m))
        # Back the way it came is an out-and-back, not a loop.
        if cand.overlap_m >= 0.499 * cand.length_m or key in seen:
            return
        seen.add(key)
        out.append(cand)

    def _make(self, seq: list[int]) -> _Cand:
        """Make a candidate from whole arcs, with exact time, trail and overlap."""
        g = self.g
        arr = np.asarray(seq, dtype=np.int64)
        counts = np.bincount(self.arc_sedge[arr])
        used = np.flatnonzero(counts)
        overlap = float(np.sum((counts[used] - 1) * g.length[used]))
        t = float(g.arc_time[arr].sum())
        length = float(g.arc_len[arr].sum())
        trail = float(self.arc_trail[arr].sum())
        up = float(self.arc_up[arr].sum())
        score = float(self._score(t, length, trail, overlap, up))
        return _Cand(t, length, trail, overlap, up, score, (seq, frozenset(used.tolist())))

    def _score(
        self,
        time_s: ArrayLike,
        length_m: ArrayLike,
        trail_m: ArrayLike,
        overlap_m: ArrayLike,
        up_m: ArrayLike,
    ) -> np.ndarray:
        """Lower is better: overlap after padding, road share, overshoot, constraints."""
        T = self.req.duration_s
        t = np.asarray(time_s, dtype=np.float64)
        length = np.maximum(np.asarray(length_m, dtype=np.float64), 1.0)
        deficit = np.where(t >= self.no_pad_s, 0.0, np.clip(T - t, 0.0, None))
        spur = deficit / 2 * length / np.maximum(t, 1.0)  # one way, metres
        overlap = (np.asarray(overlap_m) + spur) / (length + 2 * spur)
        over = np.clip(t / T - 1, 0.0, None)
        share = np.asarray(trail_m) / length
        score = overlap + TRAIL_WEIGHT * (1 - share) + OVERSHOOT_WEIGHT * over
        # Padding adds climbs in proportion: the ascent of the whole target time.
        up = np.asarray(up_m) * np.maximum(1.0, T / np.maximum(t, 1.0))
        return add_shortfalls(score, self.req.constraints, T, share, up, weight=CONSTRAINT_WEIGHT)

    def combos(self, cands: list[_Cand]) -> list[_Cand]:
        """Two cycles from the start run one after the other (a cloverleaf)."""
        T = self.req.duration_s
        pool = sorted(
            (c for c in cands if c.time_s < COMBO_SHARES[1] * T and c.length_m > 0),
            key=lambda c: (c.overlap_m + 0.3 * (c.length_m - c.trail_m)) / c.length_m,
        )[:COMBO_POOL]
        if len(pool) < 2:
            return []
        # Shared length of every pair at once: incidence (pool x edges) weighted by length.
        rows = np.repeat(np.arange(len(pool)), [len(c.edges) for c in pool])
        edges = itertools.chain.from_iterable(c.edges for c in pool)
        cols = np.fromiter(edges, dtype=np.int64, count=len(rows))
        inc = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(pool), self.g.m))
        shared = (inc @ sp.diags(self.g.length) @ inc.T).toarray()
        num = np.array([[c.time_s, c.length_m, c.trail_m, c.overlap_m, c.ascent_m] for c in pool])
        i, j = np.triu_indices(len(pool), k=1)
        t = num[i, 0] + num[j, 0]
        ok = (COMBO_SHARES[0] * T <= t) & (t <= (1 + self.req.tolerance) * T)
        i, j, t = i[ok], j[ok], t[ok]
        length = num[i, 1] + num[j, 1]
        trail = num[i, 2] + num[j, 2]
        overlap = num[i, 3] + num[j, 3] + shared[i, j]
        up = num[i, 4] + num[j, 4]
        score = self._score(t, length, trail, overlap, up)
        values = (t, length, trail, overlap, up, score)
        out = []
        for q in np.argsort(score)[:COMBO_KEEP].tolist():
            c1, c2 = pool[int(i[q])], pool[int(j[q])]
            out.append(_cand_at(values, q, functools.partial(_joined, c1, c2)))
        return out

    # -- topping up to the exact duration -----------------------------------
    def pad(self, arcs: list[int], deficit_s: float) -> list[Step] | None:
        """Insert an out-and-back spur of ``deficit_s`` into the loop.

        With no arcs, the spur from the start is the whole route: an out-and-back.
        """
        g = self.g
        steps = g.arc_steps(arcs)
        if deficit_s < PAD_MIN_S:
            return steps or None
        nodes = [g.start_node] + [int(g.arc_dst[k]) for k in arcs]
        open_ = np.isfinite(self.base) & np.isfinite(self.base[g.rev])
        rt = np.where(open_, g.arc_time + g.arc_time[g.rev], np.inf)
        sources = np.unique(nodes)
        self.dijkstras += 1
        # The way to the turnaround is the cheapest (trails first), timed along it.
        cost, pred, src = dijkstra(
            g.matrix(np.where(open_, self.base + self.base[g.rev], np.inf)),
            indices=sources,
            min_only=True,
            return_predecessors=True,
        )
        pred = np.where(pred < 0, -1, pred)
        par = g.tree_arcs(pred)
        dist = tree_sums(pred, np.where(par >= 0, rt[np.maximum(par, 0)], 0.0))
        dist[(pred < 0) & ~np.isin(np.arange(g.n_nodes), sources)] = np.inf
        usable = np.flatnonzero(open_)
        p = g.arc_src[usable]
        fits = np.isfinite(dist[p]) & (dist[p] < deficit_s) & (dist[p] + rt[usable] >= deficit_s)
        cand = usable[fits]
        if len(cand) == 0:
            return None
        in_loop = np.isin(self.arc_sedge[cand], self.arc_sedge[arcs])
        # Prefer trails (and, under the constraints, no climbs or main roads: the
        # cost per second of the whole spur), off the loop, and a spur close to the loop.
        factor = (self.base[cand] + self.base[g.rev[cand]]) / np.maximum(rt[cand], 1e-9)
        at_p = g.arc_src[cand]
        spur_cost = (cost[at_p] + factor * (deficit_s - dist[at_p])) / deficit_s
        rank = spur_cost + 0.5 * in_loop + dist[at_p] / deficit_s * 0.1
        k = int(cand[np.argmin(rank)])
        p0 = int(g.arc_src[k])
        root = int(src[p0])
        path = g.path_arcs(np.where(pred < 0, -1, pred), root, p0)
        out_steps = g.arc_steps(path)
        turn = self._turnaround(k, deficit_s - float(dist[p0]))
        back = [Step(s.edge, s.end_m, s.start_m) for s in reversed([*out_steps, turn])]
        spur = [*out_steps, turn, *back]
        at = nodes.index(root)
        return steps[:at] + spur + steps[at:]

    def longest_out_and_back(self, tree: StartTree) -> list[int] | None:
        """Out along the tree to the node farthest in time, and back the same way."""
        g = self.g
        rt = np.where(tree.reached, tree.t_out + tree.t_back, -1.0)
        rt[g.start_node] = -1.0
        v = int(np.argmax(rt))
        if rt[v] <= 0:
            return None
        path = g.paths_from_tree(tree.par, np.array([v]))[0]
        return [*path.tolist(), *g.rev[path[::-1]].tolist()]

    def _turnaround(self, k: int, round_trip_s: float) -> Step:
        """Partial step along arc ``k`` whose out-and-back takes ``round_trip_s``.

        A bisection on the share of the arc, timed :data:`TURN_BATCH` halvings at a
        time: the shares those can visit are timed in one call (the same times one
        by one), their ends placed as :meth:`~.SearchGraph.partial_arc_step` does.
        """
        g = self.g
        full = g.arc_steps([k])[0]
        span = full.end_m - full.start_m  # (negative backward: the same sums)
        lo, hi = 0.0, 1.0
        for done in range(0, TURN_BISECTIONS, TURN_BATCH):
            n = min(TURN_BATCH, TURN_BISECTIONS - done)
            shares = lo + np.arange(1, 2**n) * (hi - lo) / 2**n  # exact: dyadic
            ends = full.start_m + shares * span
            spans = np.column_stack([np.full(len(ends), full.start_m), ends])
            t = g.timer.round_trips_s(full.edge, spans)
            below = dict(zip(shares.tolist(), (t < round_trip_s).tolist(), strict=True))
            for _ in range(n):
                mid = (lo + hi) / 2
                lo, hi = (mid, hi) if below[mid] else (lo, mid)
        s = g.partial_arc_step(k, (lo + hi) / 2)
        return s if s.length_m > 0 else full


def _graph_for(
    net: Network,
    profile: pace.RunnerProfile,
    snap: Snap,
    prefs: Preferences,
    request: LoopRequest,
    climb_weight: float = CLIMB_AVERSION,
    road_link: bool = False,
) -> tuple[SearchGraph, np.ndarray]:
    """Get the search graph within reach of the start and its base weights (cached).

    A graph built for the same or a slightly longer target (up to
    :data:`REACH_REUSE` times the reach) serves the query: alternatives, other
    seeds and nearby durations from one start share it.  Edges are timed with the
    runner's fatigue folded into the flat pace for the target
    (:meth:`~routeplanner.pace.RunnerProfile.for_duration`: fixed edge times add
    up to the target near it); the route found is then clocked with the fatigue
    itself (:meth:`~routeplanner.pace.RunnerProfile.route_time_s`).
    """
    profile = profile.for_duration(request.duration_s)
    reach_s = request.duration_s * (1 + request.tolerance) / 2
    key = ("loop_graph", profile, snap, prefs, request.constraints, climb_weight, road_link)
    cached = net._cache.get(key)
    # A somewhat larger graph serves as well; a much larger one costs more per tree.
    if cached is not None and reach_s <= cached[0] <= REACH_REUSE * reach_s:
        return cached[1], cached[2]
    # The graph depends on the reach alone: the link search and the ascent retries
    # of a query (other costs, the same reach) share the one its first search built.
    reach_key = ("loop_reach_graph", profile, snap, prefs, reach_s)
    g = net._cache.get(reach_key)
    if g is None:
        g = SearchGraph(net, profile, snap, prefs, edges=reach_edges(net, profile, snap, reach_s))
        for old in [k for k in net._cache if isinstance(k, tuple) and k[:1] == reach_key[:1]]:
            del net._cache[old]  # (only the latest: a query's searches follow each other)
        net._cache[reach_key] = g
    cost = edge_cost(
        net,
        prefs,
        request.constraints,
        climb_weight=climb_weight,
        start=snap,
        road_link=road_link,
    )
    base = g.weights(cost)
    graphs = [k for k in net._cache if isinstance(k, tuple) and k and k[0] == "loop_graph"]
    for old in graphs[: max(0, len(graphs) - 7)]:
        del net._cache[old]
    net._cache[key] = (reach_s, g, base)
    return g, base


def _candidates(search: _LoopSearch, rounds: int) -> tuple[list[_Cand], list[int] | None]:
    """Candidate loops from ``rounds`` trees, and the longest out-and-back of the first."""
    g = search.g
    seen: set[tuple[int, int]] = set()
    cands: list[_Cand] = []
    longest = None
    for r in range(rounds):
        w = search.base
        if r:
            noise = search.rng.lognormal(0.0, NOISE_SIGMA, g.m)
            w = search.base * np.concatenate([noise, noise])
        tree = search.tree(w)
        if r == 0:
            longest = search.longest_out_and_back(tree)
        cands.extend(search.cycles(tree, seen))
        cands.extend(search.via_loops(tree, w, seen))
    cands.extend(search.combos(cands))
    cands.sort(key=lambda c: c.score)
    return cands, longest


def find_loops(
    net: Network,
    start: tuple[float, float],
    profile: pace.RunnerProfile,
    request: LoopRequest,
    *,
    prefs: Preferences | None = None,
    max_snap_m: float = 500.0,
    rounds: int = TREE_ROUNDS,
) -> list[Route]:
    """Find loops from ``start`` that take the requested time under its constraints.

    Parameters
    ----------
    net
        The network.
    start
        ``(lon, lat)`` of the start; snapped onto the nearest edge.
    profile
        Runner profile: flat pace, model, max difficulty.
    request
        Target duration, tolerance, number of alternatives, seed, constraints.
    prefs
        Search preferences (trail over road, easier over harder); by default
        :data:`TRAIL_PREFERENCE`.
    max_snap_m
        Largest accepted distance from the start to the network.
    rounds
        Number of shortest-path trees grown (the first on true costs, the
        others on seeded random perturbations).

    Returns
    -------
    list of Route
        Best first, each with its :class:`~routeplanner.route.Outcome`
        (``meets_brief``, ``misses``, ``shape``).  Where no cycle is within
        reach, the best out-and-back or lollipop, labelled by its shape.
        Fewer than asked when the network has no more really different loops.

    Raises
    ------
    CoverageError
        If the start is outside the data or too far from any way.
    NoRouteError
        If no way at all can be run from the start.
    """
    lon, lat = start
    snap = net.snap(lon, lat, max_distance_m=max_snap_m)
    prefs = prefs or TRAIL_PREFERENCE
    build = _Builds(net, profile, request)
    built = _built(build, snap, prefs, rounds, CLIMB_AVERSION)
    for weight in ASCENT_RETRY_WEIGHTS:
        # An ascent cap only steers; when the best loop still climbs over it (per hour
        # of its own time, as the brief judges it), search again with climbs costing
        # more and keep the better answers.
        best = min(built, key=lambda x: x[0], default=None)
        if best is None:
            break
        cap = request.constraints.ascent_cap_m(best[1].stats.duration_s)
        if best[1].stats.ascent_m <= cap + 0.5:
            break
        built += _built(build, snap, prefs, rounds, weight)
    if request.constraints.avoid_roads:
        built += _linked(build, snap, prefs, rounds, built)
    if not built:
        raise NoRouteError(
            f"no route exists from {lat:.5f},{lon:.5f}: no way open to the runner leads "
            "anywhere from it"
        )
    built.sort(key=lambda x: x[0])
    routes: list[Route] = []
    for _, route in built:
        if any(_too_similar(route.steps, r.steps) for r in routes):
            continue
        routes.append(_named(route, len(routes) + 1))
        if len(routes) == request.alternatives:
            break
    # Fewer than asked is said by the caller: only a person who asked for alternatives
    # should hear about them (group runs, plans and catalogues ask for their own reasons).
    return routes


def _built(
    build: _Builds,
    snap: Snap,
    prefs: Preferences,
    rounds: int,
    climb_weight: float,
    road_link: bool = False,
) -> list[tuple[tuple[bool, float], Route]]:
    """Search once: candidates built (padded, materialised, assessed) best first."""
    net, profile, request = build.net, build.profile, build.request
    g, base = _graph_for(net, profile, snap, prefs, request, climb_weight, road_link)
    search = _LoopSearch(g, request, base)
    T = request.duration_s
    cands, longest = _candidates(search, rounds)
    # The out-and-back from the start competes too (it is the answer in a dead end).
    cands.append(_Cand(0.0, 0.0, 0.0, 0.0, 0.0, 0.5 + TRAIL_WEIGHT, ([], frozenset())))
    cands.sort(key=lambda c: c.score)
    # Candidates are built best first until enough really different ones meet
    # the brief, or EXACT_POOL are built.
    built: list[tuple[tuple[bool, float], Route]] = []
    for c in cands:
        if len(built) >= max(EXACT_POOL, request.alternatives + 2) or (
            len(built) >= MIN_BUILT
            and _enough(built, request, final=len(built) >= MIN_BUILT_OVERLAP)
        ):
            break
        if c.time_s < search.no_pad_s:
            steps = search.pad(c.arcs, T - c.time_s)
        else:
            steps = g.arc_steps(c.arcs)
        if steps is None:
            continue
        built.append(build(steps))
    if not built and longest:
        built.append(build(g.arc_steps(longest)))
    log.debug("loop search: %d candidates, %d Dijkstra calls", len(cands), search.dijkstras)
    return built


def _linked(
    build: _Builds,
    snap: Snap,
    prefs: Preferences,
    rounds: int,
    built: list[tuple[tuple[bool, float], Route]],
) -> list[tuple[tuple[bool, float], Route]]:
    """Loops with a short main-road link, when trail-first gives none that overlaps little."""
    best = min(built, key=lambda x: x[0], default=None)
    if best is not None and (best[1].outcome is None or best[1].outcome.shape == "loop"):
        if best[1].stats.overlap_share <= LINK_OVERLAP:
            return []
    linked = _built(build, snap, prefs, rounds, CLIMB_AVERSION, True)
    # Any shape may compete (the score weighs its overlap against its main road).
    net = build.net
    return [(key, r) for key, r in linked if bypassed_share(net, r.steps) <= MAIN_LINK_SHARE]
