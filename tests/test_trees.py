"""Shortest-path trees from the start: sums on a hand-built ladder, cut and reused."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra
from synth import make_network, to_lonlat

from routeplanner.errors import NoRouteError
from routeplanner.pace import RunnerProfile
from routeplanner.search import loops, trees
from routeplanner.search.graph import SearchGraph, tree_sums
from routeplanner.search.loops import LoopRequest, find_loops

PROFILE = RunnerProfile(360.0)  # 0.36 s per flat metre


def _line(n: int = 6, spacing_m: float = 500.0):
    """A straight path of n junctions 500 m apart (each with a 50 m side spur)."""
    nodes = {i + 1: (i * spacing_m, 0.0) for i in range(n)}
    ways = [(list(nodes), {"highway": "path", "name": "Line"})]
    for i in range(n):
        nodes[101 + i] = (i * spacing_m, 50.0)
        ways.append(([i + 1, 101 + i], {"highway": "path", "name": f"Spur {i}"}))
    return make_network(nodes, ways)


def _grow(g: SearchGraph, limit: float) -> trees.StartTree:
    dist, pred = dijkstra(
        g.matrix(g.arc_time), indices=g.start_node, return_predecessors=True, limit=limit
    )
    pred = np.where(pred < 0, -1, pred).astype(np.int64)
    zero = np.zeros(2 * g.m)
    return trees.start_tree(g, dist, pred, trail_m=g.arc_len, up_m=zero)


def _graph() -> SearchGraph:
    net = _line()
    lon, lat = to_lonlat(0.0, 0.0)
    return SearchGraph(net, PROFILE, net.snap(float(lon), float(lat)))


def test_sums_along_the_tree_are_the_path_totals():
    g = _graph()
    tree = _grow(g, np.inf)
    # Grown on times, the time out along each tree path is the node's distance; on the
    # flat the way back takes as long, and every metre is trail at 0.36 s.
    np.testing.assert_allclose(tree.t_out, tree.dist, rtol=1e-12)
    np.testing.assert_allclose(tree.t_back, tree.t_out, rtol=1e-12)
    np.testing.assert_allclose(tree.length * 0.36, tree.t_out, rtol=1e-3)
    np.testing.assert_allclose(tree.trail, tree.length)
    # Junctions every 500 m along the line, each with its spur's end 50 m further.
    want = np.sort(np.concatenate([500.0 * np.arange(6), 500.0 * np.arange(6) + 50.0]))
    np.testing.assert_allclose(np.sort(tree.length), want, atol=0.5)
    # One arc per junction along the line, one more to a spur's end.
    assert sorted(tree.depth.tolist()) == sorted([*range(6), *range(1, 7)])


@pytest.mark.parametrize("limit", [0.0, 200.0, 500.0, 900.0, 1e9])
def test_a_cut_tree_is_the_tree_of_the_smaller_limit(limit):
    g = _graph()
    big, small = trees.cut(_grow(g, 2000.0), limit), _grow(g, limit)
    for name in ("dist", "par", "pred", "reached", "depth", "t_out", "length", "trail"):
        np.testing.assert_array_equal(getattr(big, name), getattr(small, name), err_msg=name)


def test_kept_trees_serve_smaller_limits_only():
    g = _graph()
    key = trees.weights_key(g.arc_time)
    assert trees.kept_tree(g, key, 500.0) is None
    trees.keep_tree(g, key, 900.0, _grow(g, 900.0))
    assert trees.kept_tree(g, key, 1000.0) is None  # it does not reach that far
    served = trees.kept_tree(g, key, 500.0)
    assert served is not None
    # Within 500 s: the first three junctions (0, 180, 360 s) and their spurs' ends.
    assert int(served.reached.sum()) == 6 == int(_grow(g, 500.0).reached.sum())
    assert trees.kept_tree(g, trees.weights_key(2 * g.arc_time), 500.0) is None


def test_a_plan_reuses_the_trees_of_its_longer_query_and_finds_the_same_loops(monkeypatch):
    from synth import ring_with_spurs

    net = ring_with_spurs()
    lon, lat = to_lonlat(1000.0, 0.0)
    start = (float(lon), float(lat))
    calls = {"n": 0}

    def counted(*args, **kwargs):
        calls["n"] += 1
        return dijkstra(*args, **kwargs)

    monkeypatch.setattr(loops, "dijkstra", counted)

    def query(minutes: float, *, fresh: bool) -> tuple[list, int]:
        if fresh:
            net._cache.clear()
        before = calls["n"]
        found = find_loops(net, start, PROFILE, LoopRequest(minutes * 60.0, seed=3))
        return [r.steps for r in found], calls["n"] - before

    alone, alone_calls = query(40.0, fresh=True)
    query(45.0, fresh=True)  # a plan asks its longest duration first
    planned, planned_calls = query(40.0, fresh=False)
    assert planned == alone
    assert planned_calls < alone_calls  # its trees from the start were kept


def test_one_path_reconstruction_and_one_failure():
    g = _graph()
    dist, pred = dijkstra(g.matrix(g.arc_time), indices=g.start_node, return_predecessors=True)
    far = int(np.argmax(np.where(np.isfinite(dist), dist, -1.0)))
    arcs = g.path_arcs(pred, g.start_node, far)
    # The arcs chain from the start to the node, and their times add up to its distance.
    assert g.arc_src[arcs[0]] == g.start_node and g.arc_dst[arcs[-1]] == far
    assert all(g.arc_dst[a] == g.arc_src[b] for a, b in itertools.pairwise(arcs))
    assert float(g.arc_time[arcs].sum()) == pytest.approx(float(dist[far]), rel=1e-12)
    assert g.path_arcs(pred, g.start_node, g.start_node) == []
    # A node the tree never reached is a NoRouteError, wherever the path is asked for.
    cut = np.where(np.arange(len(pred)) == far, -9999, pred)
    with pytest.raises(NoRouteError, match="no path between the route's points"):
        g.path_arcs(cut, g.start_node, far)


def test_a_graph_keeps_only_the_latest_trees():
    # A long-lived server asking new seeds from one start must not keep every tree.
    g = _graph()
    tree = _grow(g, 900.0)
    keys = [trees.weights_key(g.arc_time * (1 + k / 100)) for k in range(trees.MAX_KEPT_TREES + 5)]
    for key in keys:
        trees.keep_tree(g, key, 900.0, tree)
    assert len(g.trees) == trees.MAX_KEPT_TREES
    assert trees.kept_tree(g, keys[0], 500.0) is None  # the oldest went first
    assert trees.kept_tree(g, keys[-1], 500.0) is not None


def _grid():
    """A 5 x 4 grid of paths 300 m apart, with a hill: many trees, many branchings."""
    nodes = {10 * i + j: (300.0 * i, 300.0 * j) for i in range(5) for j in range(4)}
    ways = [([10 * i + j for j in range(4)], {"highway": "path"}) for i in range(5)]
    ways += [([10 * i + j for i in range(5)], {"highway": "track"}) for j in range(4)]
    net = make_network(nodes, ways, lambda x, y: 1000.0 + 0.05 * x + 0.0001 * x * y)
    lon, lat = to_lonlat(450.0, 300.0)  # mid-edge: the start splits its edge
    return SearchGraph(net, PROFILE, net.snap(float(lon), float(lat)))


def _ancestors(pred: np.ndarray, v: int) -> list[int]:
    out = [v]
    while pred[out[-1]] >= 0:
        out.append(int(pred[out[-1]]))
    return out


def test_tree_paths_and_common_ancestors_are_those_of_the_tree_walked_step_by_step():
    g = _grid()
    rng = np.random.default_rng(5)
    for limit in (np.inf, 400.0):  # a whole tree, and one cut short (unreached nodes)
        w = g.arc_time * rng.lognormal(0.0, 0.8, len(g.arc_time))  # a perturbed tree
        dist, pred = dijkstra(g.matrix(w), indices=g.start_node, return_predecessors=True)
        pred = np.where((pred < 0) | (dist > limit), -1, pred).astype(np.int64)
        dist = np.where(dist > limit, np.inf, dist)
        tree = trees.start_tree(g, dist, pred, trail_m=g.arc_len, up_m=np.zeros(2 * g.m))
        reached = np.flatnonzero(tree.reached)
        assert 3 < len(reached) and (limit == np.inf) == (len(reached) == g.n_nodes)
        for v in reached.tolist():
            want = g.path_arcs(pred, g.start_node, v)
            assert trees.tree_path(tree.par, g.arc_src, v) == want
            assert trees.tree_path(tree.par.tolist(), g.arc_src.tolist(), v) == want
            assert len(want) == tree.depth[v]

        a, b = (x.ravel() for x in np.meshgrid(reached, reached))
        want = [
            next(x for x in _ancestors(pred, int(p)) if x in _ancestors(pred, int(q)))
            for p, q in zip(a, b, strict=True)
        ]
        assert trees.common_ancestors(tree, a, b).tolist() == want
        assert set(want) != {g.start_node}  # not only the root: branches meet below it


def test_tree_sums_add_up_every_path():
    g = _grid()
    _, pred = dijkstra(g.matrix(g.arc_time), indices=g.start_node, return_predecessors=True)
    pred = np.where(pred < 0, -1, pred).astype(np.int64)
    own = np.arange(1.0, g.n_nodes + 1.0)  # whole numbers: the sums are exact
    sums = tree_sums(pred, own)
    for v in range(g.n_nodes):
        total, x = 0.0, v
        while x >= 0:
            total, x = total + own[x], int(pred[x])
        assert sums[v] == total
    assert own.tolist() == list(np.arange(1.0, g.n_nodes + 1.0))  # left as it was


@pytest.mark.parametrize("side_by_side", [True, False])
def test_searches_side_by_side_find_the_trees_each_finds_alone(side_by_side, monkeypatch):
    from routeplanner.search import graph

    if not side_by_side:
        monkeypatch.setattr(graph, "SIDE_BY_SIDE_NODES", 10)
    g = _grid()
    rng = np.random.default_rng(11)
    weights = [g.arc_time * rng.lognormal(0.0, 0.8, 2 * g.m) for _ in range(5)]
    weights[1][:3] = np.inf  # closed arcs stay closed
    sources = [g.start_node, 0, 7, 7, g.n_nodes - 2]
    for limit in (np.inf, 250.0):
        got = g.predecessors(weights, sources, limit)
        assert len(got) == 5
        for w, x, pred in zip(weights, sources, got, strict=True):
            _, alone = dijkstra(g.matrix(w), indices=x, return_predecessors=True, limit=limit)
            assert pred.tolist() == np.where(alone < 0, -1, alone).tolist()
            assert pred[x] == -1 and (pred >= 0).sum() > 2
        assert (got[0] == -1).sum() > 1 if limit < np.inf else (got[0] >= 0).sum() == g.n_nodes - 1
    assert g.predecessors([], [], np.inf) == []
