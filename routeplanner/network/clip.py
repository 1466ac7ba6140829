"""Cut the part of a network inside a bbox, as a network of its own.

Used to split a large region into tiles. The cut is generic over the network's arrays:
``node_*`` arrays are indexed by the kept nodes, ``edge_*`` by the kept edges, and the
``prof_*`` profiles are sliced edge by edge, so new per-node or per-edge attributes are
carried along without changes here.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from routeplanner.network.model import Network

__all__ = ["clip"]


def clip(net: Network, bbox: tuple[float, float, float, float]) -> Network:
    """Keep the edges with both end nodes inside ``bbox``.

    Parameters
    ----------
    net
        The network.
    bbox
        ``(west, south, east, north)``.

    Returns
    -------
    Network
        A new network; node and edge order is kept, ids renumbered.
    """
    w, s, e, n = bbox
    inside = (net.node_lon >= w) & (net.node_lon <= e) & (net.node_lat >= s) & (net.node_lat <= n)
    keep_e = inside[net.edge_u] & inside[net.edge_v]
    used = np.zeros(net.n_nodes, dtype=bool)
    used[net.edge_u[keep_e]] = True
    used[net.edge_v[keep_e]] = True
    new_id = np.full(net.n_nodes, -1, dtype=np.int64)
    new_id[used] = np.arange(int(used.sum()))
    edges = np.flatnonzero(keep_e)
    offs = np.asarray(net.prof_offsets)
    counts = offs[edges + 1] - offs[edges]
    prof_idx = (
        np.concatenate([np.arange(offs[k], offs[k + 1]) for k in edges])
        if len(edges)
        else np.zeros(0, dtype=np.int64)
    )
    values = {}
    for f in dataclasses.fields(net):
        v = getattr(net, f.name)
        if f.name in ("edge_u", "edge_v"):
            values[f.name] = new_id[v[keep_e]].astype(v.dtype)
        elif f.name == "prof_offsets":
            values[f.name] = np.concatenate(([0], np.cumsum(counts))).astype(v.dtype)
        elif f.name.startswith("node_") and isinstance(v, np.ndarray):
            values[f.name] = v[used]
        elif f.name.startswith("edge_") and isinstance(v, np.ndarray):
            values[f.name] = v[keep_e]
        elif f.name.startswith("prof_") and isinstance(v, np.ndarray):
            values[f.name] = v[prof_idx]
        elif f.name == "meta":
            values[f.name] = {**v, "clipped_to": list(bbox)}
        elif f.name == "_cache":
            values[f.name] = {}
        else:
            values[f.name] = v
    return Network(**values)
