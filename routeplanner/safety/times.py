"""Running times from every node of the network to targets: the safety sheet's way out.

How long from any point to the nearest road, or back to the start, for a runner: one
multi-source Dijkstra on the network with its edges reversed.  The reversed matrix and
the times to the roads are the same for every route of a region and runner, so they
are kept on the network (a server or a plan makes many sheets on one network).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from routeplanner import pace
from routeplanner.network.model import Network
from routeplanner.pace.timer import EdgeTimer

__all__ = ["reversed_graph", "road_nodes", "times_to", "times_to_node", "times_to_roads"]

#: Times to single nodes kept per network (the starts of the latest sheets).
KEPT_NODE_TIMES = 32


def times_to(net: Network, profile: pace.RunnerProfile, targets: np.ndarray) -> np.ndarray:
    """Per node, the shortest running time to any of ``targets`` (inf if none reachable)."""
    from scipy.sparse.csgraph import dijkstra

    if len(targets) == 0:
        return np.full(net.n_nodes, np.inf)
    g = reversed_graph(net, profile)
    return np.asarray(dijkstra(g, indices=np.unique(targets), min_only=True))


def reversed_graph(net: Network, profile: pace.RunnerProfile) -> Any:
    """Reverse the network's edges, weighted by running time (cached per profile).

    A server or a plan makes many sheets on one network: the matrix is built once.
    """
    import scipy.sparse as sp

    key = ("safety_reversed_csr", profile)
    if key in net._cache:
        return net._cache[key]
    fwd, bwd = EdgeTimer(net, profile).edge_times()
    ok_f, ok_b = np.isfinite(fwd), np.isfinite(bwd)
    # Reversed edges: a search from the targets gives times *to* them.
    rows = np.concatenate([net.edge_v[ok_f], net.edge_u[ok_b]])
    cols = np.concatenate([net.edge_u[ok_f], net.edge_v[ok_b]])
    w = np.maximum(np.concatenate([fwd[ok_f], bwd[ok_b]]), 1e-3)
    # csr_matrix sums parallel edges: keep the fastest of each pair of nodes instead.
    order = np.lexsort((w, cols, rows))
    r, c, d = rows[order], cols[order], w[order]
    first = np.ones(len(r), dtype=bool)
    first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    g = sp.csr_matrix((d[first], (r[first], c[first])), shape=(net.n_nodes, net.n_nodes))
    net._cache[key] = g
    return g


def times_to_roads(net: Network, profile: pace.RunnerProfile) -> np.ndarray:
    """Per node, the running time to the nearest road (the same for every route: cached)."""
    key = ("safety_times_to_roads", profile)
    if key not in net._cache:
        net._cache[key] = times_to(net, profile, road_nodes(net))
    ret: np.ndarray = net._cache[key]
    return ret


def times_to_node(net: Network, profile: pace.RunnerProfile, node: int) -> np.ndarray:
    """Per node, the running time to ``node`` (the latest few kept).

    Sheets of loops from one start (other durations, seeds, alternatives) all need
    the times back to it: a server moving a slider asks for the same start again.
    """
    key = ("safety_times_to_node", profile, int(node))
    kept = net._cache.pop(key, None)
    if kept is None:
        kept = times_to(net, profile, np.array([node], dtype=np.int64))
        kept.setflags(write=False)  # shared by every sheet from this node
        old = [k for k in net._cache if isinstance(k, tuple) and k[0] == key[0]]
        for k in old[: max(0, len(old) - KEPT_NODE_TIMES + 1)]:
            del net._cache[k]
    net._cache[key] = kept  # last in the dict: the most recently used
    ret: np.ndarray = kept
    return ret


def road_nodes(net: Network) -> np.ndarray:
    """Nodes on a road (any way that is not a trail; cached per network)."""
    if "safety_road_nodes" not in net._cache:
        road = net.edge_class > 0
        net._cache["safety_road_nodes"] = np.unique(
            np.concatenate([net.edge_u[road], net.edge_v[road]])
        )
    ret: np.ndarray = net._cache["safety_road_nodes"]
    return ret
