"""Shortest-path trees from a search's start, with sums along every tree path.

A loop query grows a few trees from its start (one on true costs, others on seeded
perturbations) and reads, for every node, the time out and back, length, trail and
climb along its tree path. The trees are kept on the :class:`SearchGraph`, so the next
query on the same graph with the same weights (another duration of a plan or a
catalogue, from the same start) reuses them: a tree grown with a larger cost limit,
cut at a smaller one, is the tree a Dijkstra bounded by the smaller limit grows
(within the limit it settles the same nodes through the same predecessors).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routeplanner.network.model import Network
from routeplanner.search.graph import SearchGraph, tree_sums

__all__ = [
    "StartTree",
    "common_ancestors",
    "forget_kept_graphs",
    "keep_tree",
    "kept_tree",
    "start_tree",
    "tree_path",
    "weights_key",
]

#: Per-path sums of a tree; zero at the root and at unreached nodes.
_SUMS = ("depth", "t_out", "t_back", "length", "trail", "up_out", "up_back")


@dataclass(frozen=True)
class StartTree:
    """A shortest-path tree from the start and sums along its paths (per node).

    Attributes
    ----------
    dist
        Cost from the start, inf where unreached.
    par, pred
        Arc into each node and its predecessor node; -1 at the root and unreached.
    reached
        Whether the node is within the cost limit.
    depth, t_out, t_back, length, trail, up_out, up_back
        Along the tree path: number of arcs, time out, time back the same way,
        metres, metres of trail, climb out, climb back.
    """

    dist: np.ndarray
    par: np.ndarray
    pred: np.ndarray
    reached: np.ndarray
    depth: np.ndarray
    t_out: np.ndarray
    t_back: np.ndarray
    length: np.ndarray
    trail: np.ndarray
    up_out: np.ndarray
    up_back: np.ndarray


def start_tree(
    g: SearchGraph, dist: np.ndarray, pred: np.ndarray, *, trail_m: np.ndarray, up_m: np.ndarray
) -> StartTree:
    """Make the tree of a Dijkstra from the start: its arcs and all its path sums at once.

    Parameters
    ----------
    g
        The search graph.
    dist, pred
        The Dijkstra's distances and predecessors (-1 where none).
    trail_m, up_m
        Per arc: metres of trail and metres of climb.

    Returns
    -------
    StartTree
    """
    has = pred >= 0
    par = g.tree_arcs(pred)
    k = np.maximum(par, 0)
    ones = np.ones(len(g.arc_time))
    per_arc = np.column_stack(
        [ones, g.arc_time, g.arc_time[g.rev], g.arc_len, trail_m, up_m, up_m[g.rev]]
    )
    sums = tree_sums(pred, np.where(has[:, None], per_arc[k], 0.0))
    columns = {name: sums[:, i] for i, name in enumerate(_SUMS)}
    columns["depth"] = columns["depth"].astype(np.int64)
    return StartTree(dist=dist, par=par, pred=pred, reached=np.isfinite(dist), **columns)


def tree_path(
    par: Sequence[int] | np.ndarray, arc_src: Sequence[int] | np.ndarray, v: int
) -> list[int]:
    """Arcs of the tree path from the root to ``v``, walked up ``par`` (arc into each node).

    The arcs :meth:`~routeplanner.search.graph.SearchGraph.path_arcs` finds on the
    tree's predecessors, read off its arcs: one path costs its length, not a lookup.
    """
    up: list[int] = []
    k = int(par[v])
    while k >= 0:
        up.append(k)
        k = int(par[arc_src[k]])
    up.reverse()
    return up


def common_ancestors(tree: StartTree, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Lowest common ancestor of every pair ``(a[i], b[i])`` of reached nodes.

    Binary lifting: the deeper node of each pair climbs to the other's depth, then
    both climb by halving jumps while their ancestors still differ (a few array
    steps per power of two of the depth, not one per level).
    """
    n = len(tree.pred)
    up = [np.where(tree.pred >= 0, tree.pred, np.arange(n))]  # the root is its own parent
    deepest = int(tree.depth.max(initial=0))
    while (1 << len(up)) <= deepest:
        up.append(up[-1][up[-1]])
    swap = tree.depth[a] < tree.depth[b]
    x, y = np.where(swap, b, a), np.where(swap, a, b)
    gap = tree.depth[x] - tree.depth[y]
    for j, jump in enumerate(up):
        lift = ((gap >> j) & 1).astype(bool)
        x[lift] = jump[x[lift]]
    for jump in reversed(up):
        apart = jump[x] != jump[y]
        x[apart], y[apart] = jump[x[apart]], jump[y[apart]]
    ret: np.ndarray = np.where(x == y, x, up[0][x])
    return ret


def cut(tree: StartTree, limit: float) -> StartTree:
    """Return ``tree`` as a Dijkstra bounded by ``limit`` would have grown it."""
    inside = tree.dist <= limit
    if inside.all():
        return tree
    sums = {name: np.where(inside, getattr(tree, name), 0) for name in _SUMS}
    return StartTree(
        dist=np.where(inside, tree.dist, np.inf),
        par=np.where(inside, tree.par, -1),
        pred=np.where(inside, tree.pred, -1),
        reached=inside,
        **sums,
    )


def weights_key(weights: np.ndarray) -> bytes:
    """Return a digest of the arc weights a tree was grown on."""
    return hashlib.blake2b(np.ascontiguousarray(weights).tobytes(), digest_size=16).digest()


def kept_tree(g: SearchGraph, key: bytes, limit: float) -> StartTree | None:
    """Return the kept tree for weights ``key`` cut at ``limit``, if one reaches that far."""
    kept = g.trees.get(key)
    if kept is None or kept[0] < limit:
        return None
    return cut(kept[1], limit)


#: Trees kept per search graph: a long-lived process (the planner's server) asking new
#: seeds from one start would otherwise keep every perturbed tree it ever grew.
MAX_KEPT_TREES = 12


def keep_tree(g: SearchGraph, key: bytes, limit: float, tree: StartTree) -> None:
    """Keep ``tree`` (grown to ``limit``) on ``g`` for later queries (the latest few)."""
    kept = g.trees.get(key)
    if kept is None or kept[0] < limit:
        g.trees.pop(key, None)
        g.trees[key] = (limit, tree)
        while len(g.trees) > MAX_KEPT_TREES:
            del g.trees[next(iter(g.trees))]


def forget_kept_graphs(net: Network) -> None:
    """Drop the reach graphs that loop searches keep on ``net``, with their trees.

    A kept graph grown for a somewhat longer target serves a later query (see
    ``loops.REACH_REUSE``), whose loops then differ from those the query finds alone.
    A server answering queries in any order forgets them first, so that a query
    (a link) always gives the same loops.
    """
    kinds = ("loop_graph", "loop_reach_graph")
    for key in [k for k in net._cache if isinstance(k, tuple) and k and k[0] in kinds]:
        del net._cache[key]
