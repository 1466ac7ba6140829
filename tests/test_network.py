"""Tests for routeplanner.network.model on hand-built networks with known answers."""

from __future__ import annotations

import itertools
import pickle

import networkx as nx
import numpy as np
import osmnx as ox
import pyproj
import pytest
from synth import make_network, ring_with_spurs, to_lonlat, to_xy

from routeplanner import pace
from routeplanner._geo import haversine_m
from routeplanner.errors import CoverageError, InputError
from routeplanner.network.model import EDGE_CLASSES, Network, Snap, to_networkx
from routeplanner.pace import RunnerProfile
from routeplanner.pace.timer import EdgeTimer

FLAT = 1000.0
GRADE = 0.1


def ramp(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Rises 10 % eastwards, flat north-south."""
    return FLAT + GRADE * x


@pytest.fixture(scope="module")
def ramp_net() -> Network:
    """Edge "Up": 1 km due east up a 10 % ramp; "Flat": 800 m north along a contour;
    "Steps" and "Alpine": 300 m flat edges with terrain factors."""
    nodes = {
        1: (0.0, 0.0),
        2: (1000.0, 0.0),
        3: (1000.0, 800.0),
        4: (1000.0, 1100.0),
        5: (1000.0, -300.0),
    }
    ways = [
        ([1, 2], {"highway": "path", "name": "Up"}),
        ([2, 3], {"highway": "track", "name": "Flat"}),
        ([3, 4], {"highway": "steps", "name": "Steps"}),
        ([2, 5], {"highway": "path", "name": "Alpine", "sac_scale": "alpine_hiking"}),
    ]
    return make_network(nodes, ways, ramp)


def edge(net: Network, name: str) -> int:
    (idx,) = np.flatnonzero(net.edge_name == name)
    return int(idx)


def forward_is_east_or_north(net: Network, e: int) -> bool:
    ends = [net.edge_u[e], net.edge_v[e]]
    x, y = to_xy(net.node_lon[ends], net.node_lat[ends])
    return bool(x[1] - x[0] > 1 or y[1] - y[0] > 1)


# -- geometry basics ---------------------------------------------------------------------


def test_haversine_known_distances() -> None:
    # One degree of latitude on the mean-radius sphere, and a quarter meridian.
    assert float(haversine_m(0.0, 0.0, 0.0, 1.0)) == pytest.approx(111_195.08, abs=0.01)
    assert float(haversine_m(0.0, 0.0, 0.0, 90.0)) == pytest.approx(10_007_557.2, abs=0.5)
    assert float(haversine_m(1.5, 42.5, 1.5, 42.5)) == 0.0
    d = haversine_m(np.array([0.0, 0.0]), 0.0, np.array([1.0, 180.0]), 0.0)
    np.testing.assert_allclose(d, [111_195.08, np.pi * 6_371_008.8], atol=0.01)


def test_sizes_and_bbox(ramp_net: Network) -> None:
    assert ramp_net.n_nodes == 5
    assert ramp_net.n_edges == 4
    w, s, e, n = ramp_net.bbox
    lon0, lat0 = to_lonlat(0.0, -300.0)
    lon1, lat1 = to_lonlat(1000.0, 1100.0)
    assert (w, s, e, n) == pytest.approx((lon0, lat0, lon1, lat1), abs=1e-9)


def test_point_at_and_nearest_node(ramp_net: Network) -> None:
    e = edge(ramp_net, "Up")
    start = 0.0 if forward_is_east_or_north(ramp_net, e) else 1000.0
    lon, lat = ramp_net.point_at(e, abs(start - 250.0))
    x, y = to_xy(lon, lat)
    assert float(x) == pytest.approx(250.0, abs=0.01)
    assert float(y) == pytest.approx(0.0, abs=0.01)
    lon, lat = to_lonlat(990.0, 790.0)
    node = ramp_net.nearest_node(float(lon), float(lat))
    x, y = to_xy(ramp_net.node_lon[node], ramp_net.node_lat[node])
    assert (float(x), float(y)) == pytest.approx((1000.0, 800.0), abs=0.01)


def test_segment_arrays(ramp_net: Network) -> None:
    length, grade, owner = ramp_net.segment_arrays()
    assert len(length) == len(grade) == len(owner) == len(ramp_net.prof_lon) - ramp_net.n_edges
    np.testing.assert_allclose(
        np.bincount(owner, length, minlength=ramp_net.n_edges), ramp_net.edge_length_m
    )
    up = owner == edge(ramp_net, "Up")
    np.testing.assert_allclose(np.abs(grade[up]), GRADE, rtol=0.005)
    np.testing.assert_allclose(grade[~up], 0.0, atol=1e-4)


# -- times -------------------------------------------------------------------------------


def test_flat_edge_time_is_length_times_pace(ramp_net: Network) -> None:
    profile = RunnerProfile(300.0)  # 5:00/km
    fwd, bwd = EdgeTimer(ramp_net, profile).edge_times()
    e = edge(ramp_net, "Flat")
    assert ramp_net.edge_length_m[e] == pytest.approx(800.0, abs=0.01)
    assert fwd[e] == pytest.approx(800.0 * 0.3, rel=1e-4)
    assert bwd[e] == pytest.approx(800.0 * 0.3, rel=1e-4)


def test_uphill_is_slower_than_downhill(ramp_net: Network) -> None:
    profile = RunnerProfile(360.0, model="minetti")
    fwd, bwd = EdgeTimer(ramp_net, profile).edge_times()
    e = edge(ramp_net, "Up")
    east = forward_is_east_or_north(ramp_net, e)
    up, down = (fwd[e], bwd[e]) if east else (bwd[e], fwd[e])
    # Every segment is an exact 10 % ramp: 1000 m x cost ratio x 0.36 s/m.
    assert up == pytest.approx(1000.0 * float(pace.cost_ratio(GRADE, "minetti")) * 0.36, rel=0.002)
    assert down == pytest.approx(
        1000.0 * float(pace.cost_ratio(-GRADE, "minetti")) * 0.36, rel=0.002
    )
    assert up == pytest.approx(597.0, abs=1.0)  # 1.658 x 360 s
    assert down == pytest.approx(288.0, abs=0.5)  # downhill capped at 1.25x flat speed
    tob_f, tob_b = EdgeTimer(ramp_net, RunnerProfile(360.0, model="tobler")).edge_times()
    tob_up = tob_f[e] if east else tob_b[e]
    assert tob_up == pytest.approx(
        1000.0 * float(pace.cost_ratio(GRADE, "tobler")) * 0.36, rel=0.002
    )


def test_terrain_factors_scale_time(ramp_net: Network) -> None:
    fwd, bwd = EdgeTimer(ramp_net, RunnerProfile(300.0)).edge_times()
    steps = edge(ramp_net, "Steps")
    alpine = edge(ramp_net, "Alpine")
    assert fwd[steps] == pytest.approx(300.0 * 0.3 * pace.STEPS_FACTOR, rel=1e-4)
    assert bwd[alpine] == pytest.approx(300.0 * 0.3 * pace.SAC_FACTORS[4], rel=1e-4)
    assert ramp_net.edge_sac[alpine] == 4


def test_max_difficulty_excludes_harder_edges(ramp_net: Network) -> None:
    alpine = edge(ramp_net, "Alpine")
    for limit in (1, 2, 3):
        fwd, bwd = EdgeTimer(ramp_net, RunnerProfile(360.0, max_difficulty=limit)).edge_times()
        assert np.isinf(fwd[alpine]) and np.isinf(bwd[alpine])
        others = np.arange(ramp_net.n_edges) != alpine
        assert np.all(np.isfinite(fwd[others])) and np.all(np.isfinite(bwd[others]))
    for limit in (4, 6):
        fwd, bwd = EdgeTimer(ramp_net, RunnerProfile(360.0, max_difficulty=limit)).edge_times()
        assert np.all(np.isfinite(fwd)) and np.all(np.isfinite(bwd))


def test_edge_times_are_cached_per_profile_without_aliasing(ramp_net: Network) -> None:
    strict = EdgeTimer(ramp_net, RunnerProfile(360.0, max_difficulty=2)).edge_times()
    loose = EdgeTimer(ramp_net, RunnerProfile(360.0, max_difficulty=6)).edge_times()
    alpine = edge(ramp_net, "Alpine")
    assert np.isinf(strict[0][alpine]) and np.isfinite(loose[0][alpine])
    assert EdgeTimer(ramp_net, RunnerProfile(360.0, max_difficulty=2)).edge_times() is strict


def test_partial_time_matches_whole_edge(ramp_net: Network) -> None:
    profile = RunnerProfile(360.0)
    fwd, bwd = EdgeTimer(ramp_net, profile).edge_times()
    e = edge(ramp_net, "Up")
    length = float(ramp_net.edge_length_m[e])
    assert EdgeTimer(ramp_net, profile).partial_s(e, 0.0, length) == pytest.approx(fwd[e], rel=1e-9)
    assert EdgeTimer(ramp_net, profile).partial_s(e, length, 0.0) == pytest.approx(bwd[e], rel=1e-9)
    # A uniform ramp: 250 m anywhere takes a quarter of the time.
    assert EdgeTimer(ramp_net, profile).partial_s(e, 333.3, 583.3) == pytest.approx(
        fwd[e] / 4, rel=1e-3
    )
    assert EdgeTimer(ramp_net, profile).partial_s(e, 583.3, 333.3) == pytest.approx(
        bwd[e] / 4, rel=1e-3
    )


def test_round_trips_are_the_partial_times_out_and_back_exactly(ramp_net: Network) -> None:
    # A turnaround's bisection times its shares in one call: the same sums, bit for bit.
    timer = EdgeTimer(ramp_net, RunnerProfile(330.0))
    for name in ("Up", "Flat"):
        e = edge(ramp_net, name)
        length = float(ramp_net.edge_length_m[e])
        assert len(ramp_net.edge_profile(e)[3]) > 5  # spans cut profile points
        spans = [(0.0, length * f) for f in np.linspace(0.01, 1.0, 23)]
        spans += [(length, length * (1 - f)) for f in np.linspace(0.01, 1.0, 17)] + [(12.5, 12.5)]
        got = timer.round_trips_s(e, spans)
        want = [timer.partial_s(e, a, b) + timer.partial_s(e, b, a) for a, b in spans]
        assert got.tolist() == want


# -- snapping ----------------------------------------------------------------------------


def test_snap_onto_the_middle_of_an_edge(ramp_net: Network) -> None:
    e = edge(ramp_net, "Up")
    lon, lat = to_lonlat(400.0, 30.0)
    snap = ramp_net.snap(float(lon), float(lat))
    assert isinstance(snap, Snap)
    assert snap.edge == e
    want = 400.0 if forward_is_east_or_north(ramp_net, e) else 600.0
    assert snap.offset_m == pytest.approx(want, abs=0.5)
    assert snap.distance_m == pytest.approx(30.0, abs=0.1)
    x, y = to_xy(snap.lon, snap.lat)
    assert (float(x), float(y)) == pytest.approx((400.0, 0.0), abs=0.5)
    # A point on the line snaps to itself.
    lon, lat = to_lonlat(1000.0, 321.0)
    snap = ramp_net.snap(float(lon), float(lat))
    assert snap.edge == edge(ramp_net, "Flat")
    assert snap.distance_m == pytest.approx(0.0, abs=0.01)


def test_snap_farther_than_the_limit(ramp_net: Network) -> None:
    lon, lat = to_lonlat(400.0, 700.0)  # 600 m from "Up" and from "Flat"
    with pytest.raises(CoverageError, match=r"600 m from the nearest way \(limit 500 m\)"):
        ramp_net.snap(float(lon), float(lat))
    assert ramp_net.snap(float(lon), float(lat), max_distance_m=650.0).distance_m == (
        pytest.approx(600.0, abs=0.5)
    )


def test_snap_outside_the_dem(ramp_net: Network) -> None:
    lon, lat = to_lonlat(9000.0, 0.0)  # the synthetic DEM spans +-6 km
    with pytest.raises(CoverageError, match="outside the elevation data"):
        ramp_net.snap(float(lon), float(lat), max_distance_m=1e6)
    assert not ramp_net.covers(float(lon), float(lat))
    assert ramp_net.covers(*map(float, to_lonlat(5000.0, -5000.0)))


@pytest.mark.parametrize(("lon", "lat"), [(1.5, 95.0), (1.5, -90.5), (181.0, 42.5), (-200.0, 0.0)])
def test_snap_bad_coordinates(ramp_net: Network, lon: float, lat: float) -> None:
    with pytest.raises(InputError, match="out of range"):
        ramp_net.snap(lon, lat)


def test_snap_nan_is_an_input_error(ramp_net: Network) -> None:
    with pytest.raises(InputError):
        ramp_net.snap(float("nan"), 42.5)


@pytest.fixture(scope="module")
def island_net() -> Network:
    """A 6.2 km ring around the origin and a 40 m scrap of path north of it."""
    ang = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    nodes = {i + 1: (1000 * np.cos(a), 1000 * np.sin(a)) for i, a in enumerate(ang)}
    nodes[50] = (0.0, 1300.0)
    nodes[51] = (40.0, 1300.0)
    ways = [
        ([*range(1, 13), 1], {"highway": "path", "name": "Ring"}),
        ([50, 51], {"highway": "footway", "name": "Scrap"}),
    ]
    return make_network(nodes, ways)


def test_component_lengths(island_net: Network) -> None:
    comp = island_net.component_length_m()
    ring = island_net.edge_name == "Ring"
    perimeter = 24_000.0 * np.sin(np.pi / 12)
    np.testing.assert_allclose(comp[ring], perimeter, rtol=1e-4)
    np.testing.assert_allclose(comp[~ring], 40.0, rtol=1e-3)


def test_snap_prefers_a_big_network_over_a_nearer_scrap(island_net: Network) -> None:
    lon, lat = to_lonlat(20.0, 1310.0)  # 10 m from the scrap, ~310 m from the ring
    snap = island_net.snap(float(lon), float(lat))
    assert island_net.edge_name[snap.edge] == "Ring"
    assert snap.distance_m == pytest.approx(310.0, abs=3.0)
    # Without the preference, or with the ring out of reach, the scrap it is.
    snap = island_net.snap(float(lon), float(lat), min_component_m=0.0)
    assert island_net.edge_name[snap.edge] == "Scrap"
    assert snap.distance_m == pytest.approx(10.0, abs=0.1)
    snap = island_net.snap(float(lon), float(lat), max_distance_m=200.0)
    assert island_net.edge_name[snap.edge] == "Scrap"
    assert snap.offset_m == pytest.approx(20.0, abs=0.1)


# -- export and summaries ----------------------------------------------------------------


def test_to_networkx_attributes(ramp_net: Network) -> None:
    profile = RunnerProfile(360.0)
    g = to_networkx(ramp_net, EdgeTimer(ramp_net, profile).edge_times())
    assert isinstance(g, nx.MultiDiGraph)
    assert g.graph["crs"] == "epsg:4326"
    assert g.number_of_nodes() == ramp_net.n_nodes
    assert g.number_of_edges() == 2 * ramp_net.n_edges
    assert sorted(g.nodes) == [1, 2, 3, 4, 5]
    data = g.nodes[2]
    x, y = to_xy(data["x"], data["y"])
    assert (float(x), float(y)) == pytest.approx((1000.0, 0.0), abs=0.01)
    assert data["elevation"] == pytest.approx(FLAT + 100.0, abs=0.01)
    assert data["street_count"] == 3
    up = g.edges[1, 2, 0]
    down = g.edges[2, 1, 0]
    assert up["length"] == pytest.approx(1000.0, abs=0.01) and down["length"] == up["length"]
    assert up["grade"] == pytest.approx(GRADE, abs=1e-3)
    assert down["grade"] == pytest.approx(-GRADE, abs=1e-3)
    assert up["grade_abs"] == down["grade_abs"] == pytest.approx(GRADE, abs=1e-3)
    assert up["ascent_m"] == pytest.approx(100.0, abs=0.01) and up["descent_m"] < 0.01
    assert down["descent_m"] == pytest.approx(100.0, abs=0.01) and down["ascent_m"] < 0.01
    assert up["name"] == "Up" and up["highway"] == "path" and up["osmid"] == 100
    assert up["edge_class"] == EDGE_CLASSES[0] and up["oneway"] is False
    assert up["travel_time"] > down["travel_time"]
    fwd, bwd = EdgeTimer(ramp_net, profile).edge_times()
    e = edge(ramp_net, "Up")
    assert sorted((up["travel_time"], down["travel_time"])) == pytest.approx(
        sorted((fwd[e], bwd[e]))
    )
    # Geometry runs in the edge's direction.
    gx, _ = to_xy(*np.asarray(up["geometry"].coords).T)
    assert gx[0] == pytest.approx(0.0, abs=0.01) and gx[-1] == pytest.approx(1000.0, abs=0.01)
    assert g.edges[4, 3, 0]["sac_scale"] == 0
    assert g.edges[2, 5, 0]["sac_scale"] == 4
    assert "travel_time" not in next(iter(to_networkx(ramp_net).edges(data=True)))[2]


def test_to_networkx_works_with_osmnx() -> None:
    net = ring_with_spurs()
    g = to_networkx(net, EdgeTimer(net, RunnerProfile(300.0)).edge_times())
    nodes, edges = ox.graph_to_gdfs(g)
    assert len(nodes) == 5 and len(edges) == 10
    assert {"x", "y", "elevation", "geometry"} <= set(nodes.columns)
    assert {"length", "grade", "grade_abs", "geometry", "osmid", "highway"} <= set(edges.columns)
    assert str(edges.crs).lower() == "epsg:4326"
    # Spur end to spur end: East spur, half the ring, West spur.
    route = ox.routing.shortest_path(g, 100, 101, weight="length")
    assert route[0] == 100 and route[-1] == 101
    length = sum(g.edges[a, b, 0]["length"] for a, b in itertools.pairwise(route))
    half_ring = 12 * 1000.0 * np.sin(np.pi / 12)
    assert length == pytest.approx(500.0 + half_ring + 300.0, rel=1e-4)
    timed = ox.routing.shortest_path(g, 100, 101, weight="travel_time")
    assert timed[0] == 100 and timed[-1] == 101
    gdf = ox.routing.route_to_gdf(g, route)
    assert gdf["length"].sum() == pytest.approx(length)
    # nearest_nodes on the projected graph (scipy; the lon/lat version needs scikit-learn).
    gp = ox.projection.project_graph(g)
    lon, lat = to_lonlat(1480.0, 15.0)
    to_crs = pyproj.Transformer.from_crs("EPSG:4326", gp.graph["crs"], always_xy=True)
    x, y = to_crs.transform(float(lon), float(lat))
    assert ox.distance.nearest_nodes(gp, x, y) == 100
    lon, lat = to_lonlat(np.array([-1290.0, 990.0]), np.array([5.0, 2.0]))
    x, y = to_crs.transform(lon, lat)
    assert list(ox.distance.nearest_nodes(gp, x, y)) == [101, 1]


def test_to_networkx_keeps_every_edge_of_a_split_loop() -> None:
    nodes = {1: (0.0, 0.0), 2: (500.0, 0.0), 3: (500.0, 500.0), 4: (0.0, 500.0)}
    net = make_network(nodes, [([1, 2, 3, 4, 1], {"highway": "path"})])
    g = to_networkx(net)
    assert g.number_of_edges() == 2 * net.n_edges
    assert sum(d["length"] for _, _, d in g.edges(data=True)) == pytest.approx(4000.0, rel=1e-4)
    assert len(set(g.nodes)) == net.n_nodes
    assert all(n < 0 for n in g.nodes if n != 1)  # new split nodes get negative ids


def test_stats(ramp_net: Network) -> None:
    s = ramp_net.stats()
    assert set(s) >= {
        "nodes",
        "edges",
        "trail_km",
        "road_km",
        "major_road_km",
        "elevation_min_m",
        "elevation_max_m",
        "ascent_total_m",
        "features",
        "dem_voids_filled",
        "dropped_km",
        "build_s",
    }
    assert s["nodes"] == 5 and s["edges"] == 4
    assert s["trail_km"] == pytest.approx(2.4)  # 1000 + 800 + 300 + 300 m, all trail classes
    assert s["road_km"] == 0.0
    assert s["elevation_min_m"] == pytest.approx(FLAT, abs=0.1)
    assert s["elevation_max_m"] == pytest.approx(FLAT + 100.0, abs=0.1)
    assert s["ascent_total_m"] == pytest.approx(100.0, abs=1.0)


def test_stats_counts_roads() -> None:
    nodes = {1: (0.0, 0.0), 2: (500.0, 0.0), 3: (1200.0, 0.0), 4: (1200.0, 900.0)}
    net = make_network(
        nodes,
        [
            ([1, 2], {"highway": "path"}),
            ([2, 3], {"highway": "residential"}),
            ([3, 4], {"highway": "primary"}),
        ],
    )
    s = net.stats()
    assert (s["trail_km"], s["road_km"], s["major_road_km"]) == (0.5, 1.6, 0.9)


def test_pickle_drops_lazy_caches(ramp_net: Network) -> None:
    ramp_net.snap(*map(float, to_lonlat(400.0, 30.0)))
    assert "tree" in ramp_net._cache
    copy = pickle.loads(pickle.dumps(ramp_net))
    assert copy._cache == {}
    np.testing.assert_array_equal(copy.prof_ele, ramp_net.prof_ele)
    assert copy.snap(*map(float, to_lonlat(400.0, 30.0))) == ramp_net.snap(
        *map(float, to_lonlat(400.0, 30.0))
    )


# -- Andorra -----------------------------------------------------------------------------


@pytest.mark.slow
def test_andorra_snap_times_and_export(andorra_network: Network) -> None:
    net = andorra_network
    # The nearest way, checked by brute force against every profile point (20 m apart,
    # so the nearest one is at most ~10 m farther than the nearest point of a line).
    snap = net.snap(1.5339, 42.5447)
    to_points = haversine_m(net.prof_lon, net.prof_lat, 1.5339, 42.5447)
    assert to_points.min() - 10.5 <= snap.distance_m <= to_points.min() + 0.5
    nearest_edge = np.searchsorted(net.prof_offsets, np.argmin(to_points), side="right") - 1
    assert net.edge_name[nearest_edge] == net.edge_name[snap.edge]
    assert 0.0 <= snap.offset_m <= net.edge_length_m[snap.edge]
    assert float(haversine_m(snap.lon, snap.lat, 1.5339, 42.5447)) == pytest.approx(
        snap.distance_m, rel=0.01, abs=0.5
    )
    with pytest.raises(CoverageError):
        net.snap(1.2, 42.2)  # well south-west of the network's DEM window
    fwd, bwd = EdgeTimer(net, RunnerProfile(360.0)).edge_times()
    assert np.all(np.isfinite(fwd)) and np.all(np.isfinite(bwd))
    # At least flat speed x the downhill cap, whatever the terrain.
    assert np.all(fwd >= 0.8 * 0.36 * net.edge_length_m - 1e-9)
    # Mostly-climbing edges are slower up.  (An edge that also drops steeply on rough
    # ground can be slower down since issue 28: one T3 edge of +567/-358 m in 2013.)
    climbs = (net.edge_ascent_m > net.edge_descent_m + 50) & (
        net.edge_descent_m < net.edge_ascent_m / 2
    )
    assert climbs.sum() > 100
    assert np.all(fwd[climbs] > bwd[climbs])
    strict_fwd, _ = EdgeTimer(net, RunnerProfile(360.0, max_difficulty=2)).edge_times()
    assert np.array_equal(np.isinf(strict_fwd), net.edge_sac > 2)
    g = to_networkx(net)
    assert g.number_of_nodes() == net.n_nodes
    assert g.number_of_edges() == 2 * net.n_edges
    nodes, edges = ox.graph_to_gdfs(g)
    assert len(nodes) == net.n_nodes and len(edges) == 2 * net.n_edges
    assert edges["length"].sum() == pytest.approx(2 * net.edge_length_m.sum())
