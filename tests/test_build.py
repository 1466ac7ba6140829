"""Tests for network.build on hand-built ways over synthetic DEMs with known answers."""

from __future__ import annotations

import json
import logging
import pickle
from pathlib import Path

import numpy as np
import pytest
from synth import (
    make_dem,
    make_network,
    make_ways,
    ring_with_spurs,
    to_lonlat,
    to_xy,
    write_geotiff,
    write_osm_xml,
)

from routeplanner._geo import haversine_m
from routeplanner.errors import DataError
from routeplanner.network import build, ground
from routeplanner.network import cache as cache_mod
from routeplanner.network.build import BuildSettings, build_network, classify, load_network
from routeplanner.network.model import Network

FLAT = 1000.0


def flat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 0 * x + FLAT


def is_simple(net: Network) -> bool:
    """No self-loops and no two edges joining the same pair of nodes."""
    lo = np.minimum(net.edge_u, net.edge_v)
    hi = np.maximum(net.edge_u, net.edge_v)
    return (
        bool(np.all(lo != hi))
        and len(set(zip(lo.tolist(), hi.tolist(), strict=True))) == net.n_edges
    )


def edge_xy(net: Network, e: int) -> tuple[np.ndarray, np.ndarray]:
    lon, lat, _, _ = net.edge_profile(e)
    return to_xy(lon, lat)


# -- classification ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "major_roads", "want"),
    [
        ({"highway": "path"}, True, 0),
        ({"highway": "footway"}, True, 0),
        ({"highway": "bridleway"}, True, 0),
        ({"highway": "steps"}, True, 0),
        ({"highway": "track", "tracktype": "grade3"}, True, 0),
        ({"highway": "residential"}, True, 1),
        ({"highway": "service"}, True, 1),
        ({"highway": "unclassified"}, True, 1),
        ({"highway": "tertiary"}, True, 1),
        ({"highway": "secondary"}, True, 2),
        ({"highway": "primary"}, True, 2),
        ({"highway": "primary_link"}, True, 2),
        ({"highway": "primary"}, False, None),
        ({"highway": "residential"}, False, 1),
        ({"highway": "primary", "tunnel": "yes"}, True, None),
        ({"highway": "primary", "tunnel": "no"}, True, 2),
        ({"highway": "motorway"}, True, None),
        ({"highway": "trunk"}, True, None),
        ({"highway": "construction"}, True, None),
        ({"highway": "proposed"}, True, None),
        ({"piste:type": "downhill"}, True, None),
        ({"aerialway": "chair_lift"}, True, None),
        ({}, True, None),
        # access and foot rules
        ({"highway": "track", "access": "private"}, True, None),
        ({"highway": "track", "access": "no"}, True, None),
        ({"highway": "track", "access": "private", "foot": "yes"}, True, 0),
        ({"highway": "track", "access": "no", "foot": "designated"}, True, 0),
        ({"highway": "track", "access": "no", "foot": "permissive"}, True, 0),
        ({"highway": "track", "access": "private", "foot": "private"}, True, None),
        ({"highway": "track", "access": "destination"}, True, 0),
        ({"highway": "path", "foot": "no"}, True, None),
        ({"highway": "track", "foot": "private"}, True, None),
        ({"highway": "path", "access": "yes", "foot": "no"}, True, None),
        ({"highway": "residential", "access": "private"}, True, None),
        ({"highway": "footway", "foot": "designated"}, True, 0),
    ],
)
def test_classify(tags: dict[str, str], major_roads: bool, want: int | None) -> None:
    assert classify(tags, major_roads=major_roads) == want


def test_build_keeps_runnable_ways_and_sets_pistes_and_lifts_aside() -> None:
    nodes = {i: (500.0 * i, 0.0) for i in range(1, 9)}
    nodes[20] = (0.0, 800.0)
    nodes[21] = (500.0, 800.0)
    ways = [
        ([1, 2], {"highway": "path", "name": "Camí", "sac_scale": "mountain_hiking"}),
        ([2, 3], {"highway": "residential", "name": "Carrer"}),
        ([3, 4], {"highway": "primary", "ref": "CG-2"}),
        ([4, 5], {"highway": "track", "access": "private"}),
        ([5, 6], {"highway": "footway", "foot": "no"}),
        ([6, 7], {"highway": "motorway", "ref": "A-1"}),
        ([7, 8], {"highway": "track", "access": "private", "foot": "yes"}),
        ([20, 21], {"piste:type": "downhill", "piste:difficulty": "easy"}),
        ([1, 20], {"aerialway": "chair_lift", "name": "Lift"}),
    ]
    net = make_network(nodes, ways)
    got = sorted(
        (str(h), int(c), str(n))
        for h, c, n in zip(net.edge_highway, net.edge_class, net.edge_name, strict=True)
    )
    assert got == [
        ("path", 0, "Camí"),
        ("primary", 2, "CG-2"),
        ("residential", 1, "Carrer"),
        ("track", 0, ""),
    ]
    assert net.edge_sac[net.edge_highway == "path"].tolist() == [2]
    assert net.edge_sac[net.edge_highway != "path"].tolist() == [0, 0, 0]
    assert np.allclose(net.edge_length_m, 500.0, atol=0.01)
    # Way ids come from make_ways: 100 per way in order.
    assert sorted(net.edge_way_id.tolist()) == [100, 200, 300, 700]
    # Pistes and lifts are kept aside with their geometry, not routed on.
    feats = sorted(net.features, key=lambda f: f["id"])
    assert [f["id"] for f in feats] == [800, 900]
    assert feats[0]["tags"] == {"piste:type": "downhill", "piste:difficulty": "easy"}
    assert feats[1]["tags"]["aerialway"] == "chair_lift"
    lon, lat = to_lonlat(np.array([0.0, 500.0]), np.array([800.0, 800.0]))
    np.testing.assert_allclose(feats[0]["lon"], lon)
    np.testing.assert_allclose(feats[0]["lat"], lat)
    assert net.stats()["features"] == 2


def test_major_roads_can_be_left_out() -> None:
    nodes = {1: (0.0, 0.0), 2: (500.0, 0.0), 3: (1000.0, 0.0)}
    ways = [([1, 2], {"highway": "path"}), ([2, 3], {"highway": "secondary"})]
    assert make_network(nodes, ways).n_edges == 2
    net = make_network(nodes, ways, settings=BuildSettings(major_roads=False))
    assert net.n_edges == 1
    assert net.edge_highway.tolist() == ["path"]


def test_no_runnable_way_is_a_data_error() -> None:
    nodes = {1: (0.0, 0.0), 2: (500.0, 0.0)}
    with pytest.raises(DataError, match="no runnable ways"):
        make_network(nodes, [([1, 2], {"highway": "motorway"})])


# -- topology ------------------------------------------------------------------------


def test_t_junction_gives_three_edges() -> None:
    nodes = {1: (0.0, 0.0), 2: (500.0, 0.0), 3: (1000.0, 0.0), 4: (500.0, 400.0)}
    net = make_network(
        nodes,
        [([1, 2, 3], {"highway": "path", "name": "Main"}), ([2, 4], {"highway": "track"})],
    )
    assert net.n_edges == 3
    assert net.n_nodes == 4
    assert sorted(net.node_osmid.tolist()) == [1, 2, 3, 4]
    ends = sorted(
        tuple(sorted((int(net.node_osmid[a]), int(net.node_osmid[b]))))
        for a, b in zip(net.edge_u, net.edge_v, strict=True)
    )
    assert ends == [(1, 2), (2, 3), (2, 4)]
    junction = int(np.flatnonzero(net.node_osmid == 2)[0])
    degree = np.bincount(np.concatenate([net.edge_u, net.edge_v]), minlength=net.n_nodes)
    assert degree[junction] == 3
    np.testing.assert_allclose(sorted(net.edge_length_m), [400.0, 500.0, 500.0], atol=0.01)


def test_way_is_not_split_at_its_own_inner_vertices() -> None:
    nodes = {1: (0.0, 0.0), 2: (300.0, 100.0), 3: (600.0, 0.0), 4: (900.0, 100.0)}
    net = make_network(nodes, [([1, 2, 3, 4], {"highway": "path"})])
    assert net.n_edges == 1
    assert net.n_nodes == 2
    want = sum(np.hypot(300.0, 100.0) for _ in range(3))
    assert net.edge_length_m[0] == pytest.approx(want, rel=1e-4)


def test_ring_with_spurs_has_five_edges() -> None:
    # The closed ring way is cut where the spurs join (nodes 1 and 7) into two
    # halves that both join nodes 1 and 7: parallel edges, so the second half is
    # split at its middle, through a new node.  3 ring edges + 2 spurs = 5.
    net = ring_with_spurs()
    assert net.n_edges == 5
    assert net.n_nodes == 5  # nodes 1, 7, 100, 101 and the new middle node
    assert sorted(net.node_osmid.tolist()) == [-1, 1, 7, 100, 101]
    assert sorted(net.edge_name.tolist()) == ["East spur", "Ring", "Ring", "Ring", "West spur"]
    assert is_simple(net)
    ring = net.edge_name == "Ring"
    perimeter = 12 * 2 * 1000.0 * np.sin(np.pi / 12)  # regular 12-gon, radius 1 km
    assert net.edge_length_m[ring].sum() == pytest.approx(perimeter, rel=1e-4)
    assert net.edge_length_m[ring].max() == pytest.approx(perimeter / 2, rel=1e-4)
    spurs = dict(zip(net.edge_name.tolist(), net.edge_length_m.tolist(), strict=True))
    assert spurs["East spur"] == pytest.approx(500.0, abs=0.01)
    assert spurs["West spur"] == pytest.approx(300.0, abs=0.01)
    mid = int(np.flatnonzero(net.node_osmid == -1)[0])
    x, y = to_xy(net.node_lon[mid], net.node_lat[mid])
    assert np.hypot(x, y) == pytest.approx(1000.0, rel=0.01)  # on the ring
    assert net.node_ele[mid] == pytest.approx(FLAT)


def test_self_loop_is_cut_in_three() -> None:
    # A closed way joined by one spur: its only junction is node 1, so it is an
    # edge from node 1 to itself.  Cut in two it would give two parallel edges.
    nodes = {1: (0.0, 0.0), 2: (500.0, 0.0), 3: (500.0, 500.0), 4: (0.0, 500.0), 5: (-300.0, 0)}
    net = make_network(
        nodes,
        [
            ([1, 2, 3, 4, 1], {"highway": "path", "name": "Lake"}),
            ([5, 1], {"highway": "path", "name": "Spur"}),
        ],
    )
    assert is_simple(net)
    assert sorted(net.edge_name.tolist()) == ["Lake", "Lake", "Lake", "Spur"]
    lake = net.edge_name == "Lake"
    assert net.edge_length_m[lake].sum() == pytest.approx(2000.0, rel=1e-4)
    # The pieces chain 1 -> a -> b -> 1 through two new nodes.
    osm = net.node_osmid
    pieces = sorted(
        tuple(sorted((int(osm[a]), int(osm[b]))))
        for a, b in zip(net.edge_u[lake], net.edge_v[lake], strict=True)
    )
    assert pieces == [(-2, -1), (-2, 1), (-1, 1)]


def test_lone_closed_way_keeps_its_whole_length() -> None:
    nodes = {1: (0.0, 0.0), 2: (400.0, 0.0), 3: (400.0, 300.0)}
    net = make_network(nodes, [([1, 2, 3, 1], {"highway": "footway"})])
    assert net.n_edges == 3
    assert is_simple(net)
    assert net.edge_length_m.sum() == pytest.approx(1200.0, rel=1e-4)


def test_parallel_ways_are_split_not_lost() -> None:
    # Two ways between the same end nodes, one straight and one bent.
    nodes = {1: (0.0, 0.0), 2: (600.0, 0.0), 3: (300.0, 400.0)}
    net = make_network(nodes, [([1, 2], {"highway": "track"}), ([1, 3, 2], {"highway": "path"})])
    assert net.n_edges == 3
    assert is_simple(net)
    # The longer way is the one split; both keep their full length.
    assert net.edge_length_m[net.edge_highway == "track"].tolist() == pytest.approx([600.0])
    assert net.edge_length_m[net.edge_highway == "path"].sum() == pytest.approx(1000.0, rel=1e-4)
    assert (net.edge_highway == "path").sum() == 2


def test_profiles_start_and_end_at_their_nodes() -> None:
    net = ring_with_spurs()
    first = net.prof_offsets[:-1]
    last = net.prof_offsets[1:] - 1
    np.testing.assert_allclose(net.prof_lon[first], net.node_lon[net.edge_u], atol=1e-12)
    np.testing.assert_allclose(net.prof_lat[first], net.node_lat[net.edge_u], atol=1e-12)
    np.testing.assert_allclose(net.prof_lon[last], net.node_lon[net.edge_v], atol=1e-12)
    np.testing.assert_allclose(net.prof_lat[last], net.node_lat[net.edge_v], atol=1e-12)
    assert np.all(net.prof_dist[first] == 0.0)
    np.testing.assert_allclose(net.prof_dist[last], net.edge_length_m)


# -- densification and elevation -------------------------------------------------------


@pytest.mark.parametrize("spacing", [20.0, 7.5])
def test_densified_spacing_is_at_most_the_setting(spacing: float) -> None:
    nodes = {1: (0.0, 0.0), 2: (3.0, 0.0), 3: (1003.0, 17.0), 4: (1003.0, 451.0), 5: (0, 451.0)}
    net = make_network(
        nodes,
        [([1, 2, 3, 4], {"highway": "path"}), ([4, 5], {"highway": "track"})],
        settings=BuildSettings(max_spacing_m=spacing),
    )
    assert net.n_edges == 2
    for e in range(net.n_edges):
        lon, lat, _, dist = net.edge_profile(e)
        step = np.diff(dist)
        assert step.max() <= spacing + 1e-6
        assert step.min() > 0
        # prof_dist is the great-circle distance between consecutive points.
        np.testing.assert_allclose(step, haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:]))
    # Every OSM vertex is kept as a profile point (the 3 m first segment too).
    x, y = edge_xy(net, int(np.flatnonzero(net.edge_highway == "path")[0]))
    for vx, vy in ((3.0, 0.0), (1003.0, 17.0)):
        assert np.min(np.hypot(x - vx, y - vy)) < 1e-6
    # 434 m at most 7.5 m apart needs ceil(434 / 7.5) = 58 segments.
    track = int(np.flatnonzero(net.edge_highway == "track")[0])
    n_seg = len(net.edge_profile(track)[3]) - 1
    assert n_seg == int(np.ceil(1003.0 / spacing))


def test_elevation_sampled_along_edge_catches_a_hill() -> None:
    def hill(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return FLAT + 50.0 * np.exp(-((x - 500.0) ** 2 + y**2) / (2 * 120.0**2))

    net = make_network({1: (0.0, 0.0), 2: (1000.0, 0.0)}, [([1, 2], {"highway": "path"})], hill)
    assert net.n_edges == 1
    np.testing.assert_allclose(net.node_ele, FLAT, atol=0.05)  # both ends on flat ground
    assert net.edge_ascent_m[0] == pytest.approx(50.0, abs=1.5)
    assert net.edge_descent_m[0] == pytest.approx(50.0, abs=1.5)
    _, _, ele, dist = net.edge_profile(0)
    top = int(np.argmax(ele))
    assert dist[top] == pytest.approx(500.0, abs=20.0)
    assert ele[top] == pytest.approx(FLAT + 50.0, abs=1.5)


def test_smoothing_removes_noise_ascent() -> None:
    rng = np.random.default_rng(42)

    def noisy_ramp(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        # 10 % ramp with 3 m of cell-to-cell noise, like SRTM jitter; none at the
        # two end nodes, so the true rise is exactly 100 m.
        noise = rng.normal(0.0, 3.0, size=np.shape(x))
        noise[(np.abs(x) < 40) | (np.abs(x - 1000.0) < 40)] = 0.0
        return FLAT + 0.1 * x + noise

    nodes, ways = {1: (0.0, 0.0), 2: (1000.0, 0.0)}, [([1, 2], {"highway": "path"})]
    dem = make_dem(noisy_ramp)
    smooth = build_network(make_ways(nodes, ways), dem, BuildSettings())
    raw = build_network(make_ways(nodes, ways), dem, BuildSettings(smooth_window_m=0.0))
    np.testing.assert_allclose(raw.node_ele, [FLAT, FLAT + 100.0], atol=1e-3)
    # Unsmoothed, the jitter adds tens of metres of fake climbing.
    assert raw.edge_ascent_m[0] > 120.0
    # Smoothed: close to the true rise, a few metres of up-and-down at most.
    assert smooth.edge_ascent_m[0] == pytest.approx(100.0, abs=4.0)
    assert smooth.edge_descent_m[0] < 4.0
    # Smoothing never moves the junctions.
    np.testing.assert_array_equal(smooth.node_ele, raw.node_ele)
    _, _, ele, _ = smooth.edge_profile(0)
    assert ele[0] == raw.node_ele[0]
    assert ele[-1] == raw.node_ele[1]


@pytest.mark.parametrize("grade", [0.05, 0.15, 0.35])
def test_ramp_of_exact_grade(grade: float) -> None:
    def ramp(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return FLAT + grade * x

    # An OSM vertex 3 m from the start makes uneven profile spacing.
    nodes = {1: (0.0, 0.0), 2: (3.0, 0.0), 3: (1000.0, 0.0), 4: (1000.0, 600.0)}
    net = make_network(
        nodes, [([1, 2, 3], {"highway": "path"}), ([3, 4], {"highway": "path"})], ramp
    )
    up = int(np.flatnonzero(net.node_osmid[net.edge_u] == 1)[0])
    across = 1 - up
    assert net.edge_max_grade[up] == pytest.approx(grade, rel=0.005)
    assert net.edge_ascent_m[up] == pytest.approx(1000.0 * grade, rel=0.001)
    assert net.edge_descent_m[up] == pytest.approx(0.0, abs=1e-6)
    # The straight ramp stays straight right up to the junctions.
    _, _, ele, dist = net.edge_profile(up)
    np.testing.assert_allclose(np.diff(ele) / np.diff(dist), grade, rtol=0.005)
    # The northward edge runs along a contour.
    assert net.edge_max_grade[across] == pytest.approx(0.0, abs=1e-4)
    assert net.edge_ascent_m[across] == pytest.approx(0.0, abs=0.01)


def test_junction_elevations_agree_across_edges() -> None:
    def bumpy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return FLAT + 30 * np.sin(x / 150.0) + 20 * np.cos(y / 90.0)

    nodes = {1: (0.0, 0.0), 2: (500.0, 0.0), 3: (1000.0, 0.0), 4: (500.0, 400.0)}
    ways = [([1, 2, 3], {"highway": "path"}), ([2, 4], {"highway": "track"})]
    net = make_network(nodes, ways, bumpy)
    first = net.prof_offsets[:-1]
    last = net.prof_offsets[1:] - 1
    np.testing.assert_array_equal(net.prof_ele[first], net.node_ele[net.edge_u])
    np.testing.assert_array_equal(net.prof_ele[last], net.node_ele[net.edge_v])
    x, y = to_xy(net.node_lon, net.node_lat)
    np.testing.assert_allclose(net.node_ele, bumpy(x, y), atol=0.5)
    # Ascent minus descent is the end-to-end rise, edge by edge.
    rise = net.node_ele[net.edge_v] - net.node_ele[net.edge_u]
    np.testing.assert_allclose(net.edge_ascent_m - net.edge_descent_m, rise, atol=1e-6)


def test_ways_outside_the_dem_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    def west_only(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.where(x < 0, FLAT, np.nan)

    nodes = {
        1: (-2000.0, 0.0),
        2: (-500.0, 0.0),
        3: (-500.0, 800.0),
        4: (500.0, 0.0),
        5: (1500.0, 0.0),
        6: (-500.0, -900.0),
        7: (700.0, -900.0),
    }
    ways = [
        ([1, 2], {"highway": "path"}),  # 1.5 km inside
        ([2, 3], {"highway": "path"}),  # 0.8 km inside
        ([4, 5], {"highway": "path"}),  # 1.0 km outside
        ([6, 7], {"highway": "track"}),  # 1.2 km, crossing out: dropped whole
    ]
    with caplog.at_level(logging.WARNING, logger="routeplanner.network.build"):
        net = make_network(nodes, ways, west_only)
    assert net.n_edges == 2
    assert sorted(net.edge_length_m.round(2).tolist()) == [800.0, 1500.0]
    assert net.meta["dropped_km"] == pytest.approx(2.2, abs=0.01)
    assert net.stats()["dropped_km"] == net.meta["dropped_km"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    text = warnings[0].getMessage()
    assert "km" in text
    assert "2.2 km" in text
    assert "4.5 km" in text  # of the whole


def test_no_way_inside_the_dem_is_a_data_error() -> None:
    def nowhere(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.where(x < -3000, FLAT, np.nan)

    nodes = {1: (0.0, 0.0), 2: (500.0, 0.0)}
    with pytest.raises(DataError, match="elevation data"):
        make_network(nodes, [([1, 2], {"highway": "path"})], nowhere)


def test_meta_records_sources_and_settings() -> None:
    net = ring_with_spurs()
    assert net.meta["osm_source"] == "synthetic.osm"
    assert net.meta["dem_source"] == "synthetic"
    assert net.meta["dropped_km"] == 0.0
    assert net.meta["dem_voids_filled"] == 0
    assert net.meta["settings"] == {
        "max_spacing_m": 20.0,
        "smooth_window_m": 60.0,
        "major_roads": True,
    }
    assert net.meta["build_s"] >= 0
    w, s, e, n = net.meta["dem_bounds"]
    lon0, lat0 = to_lonlat(-6000.0, -6000.0)
    lon1, lat1 = to_lonlat(6000.0, 6000.0)
    assert w < lon0 < lon1 < e
    assert s < lat0 < lat1 < n


def test_progress_names_each_step() -> None:
    seen: list[str] = []
    nodes = {1: (0.0, 0.0), 2: (500.0, 0.0)}
    build_network(
        make_ways(nodes, [([1, 2], {"highway": "path"})]), make_dem(flat), progress=seen.append
    )
    assert seen == [
        "classifying ways",
        "splitting ways at junctions",
        "sampling elevation",
        "smoothing profiles",
        "assembling the graph",
    ]


# -- load_network and its cache --------------------------------------------------------

T_NODES = {1: (0.0, 0.0), 2: (500.0, 0.0), 3: (1000.0, 0.0), 4: (500.0, 400.0)}
T_WAYS = [
    (10, [1, 2, 3], {"highway": "path", "name": "Main"}),
    (11, [2, 4], {"highway": "track"}),
]


def write_osm(path: Path, nodes=T_NODES, ways=T_WAYS, comment: str = "") -> Path:
    """An OSM XML file from nodes in local metres and ``(id, refs, tags)`` ways."""
    return write_osm_xml(path, nodes, ways, comment=comment)


def write_dem(path: Path, func=flat, extent_m: float = 2000.0, cell_m: float = 20.0) -> Path:
    """A GeoTIFF of the synthetic DEM ``func`` around the synth origin."""
    dem = make_dem(func, extent_m=extent_m, cell_m=cell_m)
    return write_geotiff(path, dem.elevation, dem.transform)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    def ramp(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return FLAT + 0.1 * x

    return write_osm(tmp_path / "t.osm"), write_dem(tmp_path / "t.tif", ramp)


ARRAYS = [
    "node_lon",
    "node_lat",
    "node_ele",
    "node_osmid",
    "edge_u",
    "edge_v",
    "edge_length_m",
    "edge_ascent_m",
    "edge_descent_m",
    "edge_max_grade",
    "edge_way_id",
    "edge_class",
    "edge_sac",
    "edge_terrain",
    "edge_highway",
    "edge_name",
    "edge_surface",
    "edge_visibility",
    "prof_offsets",
    "prof_lon",
    "prof_lat",
    "prof_ele",
    "prof_dist",
]


def test_load_network_from_files(files: tuple[Path, Path]) -> None:
    osm, dem = files
    net = load_network(osm, [dem], name="tee")
    assert net.n_edges == 3
    assert net.meta["region"] == "tee"
    assert net.meta["from_cache"] is False
    assert net.meta["osm_source"] == "t.osm"
    assert "t.tif" in net.meta["dem_source"]
    main = net.edge_name == "Main"
    # 10 % ramp eastwards: the two halves of the main path climb 50 m each.
    np.testing.assert_allclose(net.edge_ascent_m[main] + net.edge_descent_m[main], 50.0, atol=0.1)
    np.testing.assert_allclose(net.edge_max_grade[main], 0.1, rtol=0.01)


def test_cache_round_trip(files: tuple[Path, Path], tmp_path: Path) -> None:
    osm, dem = files
    cache = tmp_path / "cache"
    first = load_network(osm, [dem], cache_dir=cache, name="tee")
    assert first.meta["from_cache"] is False
    cached = list(cache.iterdir())
    assert len(cached) == 1
    assert cached[0].name.startswith("network-tee-")
    assert cached[0].suffix == ".npz"
    second = load_network(osm, [dem], cache_dir=cache, name="tee")
    assert second.meta["from_cache"] is True
    assert second is not first
    for name in ARRAYS:
        a, b = getattr(first, name), getattr(second, name)
        assert a.dtype == b.dtype, name
        np.testing.assert_array_equal(a, b, err_msg=name)
    assert second.meta["region"] == "tee"
    assert second.stats()["from_cache"] is True
    # The cached network works like a fresh one (its lazy caches start empty).
    assert second.snap(*second.point_at(0, 10.0)).edge == 0
    assert list(cache.glob("*.tmp")) == []


def test_cache_key_follows_settings(files: tuple[Path, Path], tmp_path: Path) -> None:
    osm, dem = files
    cache = tmp_path / "cache"
    load_network(osm, [dem], cache_dir=cache)
    net = load_network(osm, [dem], cache_dir=cache, settings=BuildSettings(max_spacing_m=10.0))
    assert net.meta["from_cache"] is False
    assert np.diff(net.edge_profile(0)[3]).max() <= 10.0 + 1e-6
    assert len(list(cache.glob("*.npz"))) == 2
    again = load_network(osm, [dem], cache_dir=cache, settings=BuildSettings(max_spacing_m=10.0))
    assert again.meta["from_cache"] is True
    for other in (BuildSettings(smooth_window_m=0.0), BuildSettings(major_roads=False)):
        assert load_network(osm, [dem], cache_dir=cache, settings=other).meta["from_cache"] is False
    assert len(list(cache.glob("*.npz"))) == 4


def test_cache_key_follows_file_contents(files: tuple[Path, Path], tmp_path: Path) -> None:
    osm, dem = files
    cache = tmp_path / "cache"
    assert load_network(osm, [dem], cache_dir=cache).meta["from_cache"] is False
    # Same name, same size of change: only the contents tell.
    write_osm(osm, comment="edited")
    assert load_network(osm, [dem], cache_dir=cache).meta["from_cache"] is False
    assert load_network(osm, [dem], cache_dir=cache).meta["from_cache"] is True
    # A new DEM under the same name is a new network too.
    write_dem(dem, lambda x, y: FLAT - 0.1 * x)
    net = load_network(osm, [dem], cache_dir=cache)
    assert net.meta["from_cache"] is False
    main = net.edge_name == "Main"
    assert net.edge_ascent_m[main].sum() == pytest.approx(0.0, abs=0.01)
    assert net.edge_descent_m[main].sum() == pytest.approx(100.0, abs=0.1)
    assert len(list(cache.glob("*.npz"))) == 3


def test_cache_key_ignores_the_region_name_but_the_file_name_uses_it(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    osm, dem = files
    key = build.cache_key(osm, [dem], BuildSettings())
    assert key == build.cache_key(osm, [dem], BuildSettings())
    assert key != build.cache_key(osm, [dem], BuildSettings(smooth_window_m=30.0))
    assert key != build.cache_key(dem, [osm], BuildSettings())
    with pytest.MonkeyPatch.context() as mp:
        # A new build format invalidates every cached network.
        mp.setattr(build, "FORMAT_VERSION", build.FORMAT_VERSION + 1)
        assert key != build.cache_key(osm, [dem], BuildSettings())
    cache = tmp_path / "cache"
    load_network(osm, [dem], cache_dir=cache, name="a b/c")
    (cached,) = cache.iterdir()
    assert cached.name == f"network-a_b_c-{key[:20]}.npz"


def test_cache_key_follows_the_terrain_tables(files: tuple[Path, Path], tmp_path: Path) -> None:
    # The build bakes the terrain factors in: a changed table must never reuse them.
    osm, dem = files
    cache = tmp_path / "cache"
    key = build.cache_key(osm, [dem], BuildSettings())
    first = load_network(osm, [dem], cache_dir=cache)
    np.testing.assert_allclose(first.edge_terrain, 1.0)
    with pytest.MonkeyPatch.context() as mp:
        # Untagged ways (T-grade 0) now count as 30 % slower.
        mp.setattr(ground, "SAC_FACTORS", (1.3, *ground.SAC_FACTORS[1:]))
        assert build.cache_key(osm, [dem], BuildSettings()) != key
        changed = load_network(osm, [dem], cache_dir=cache)
        assert changed.meta["from_cache"] is False
        np.testing.assert_allclose(changed.edge_terrain, 1.3)
        assert load_network(osm, [dem], cache_dir=cache).meta["from_cache"] is True
    mp_surface = dict(ground.SURFACE_FACTORS, asphalt=1.01)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ground, "SURFACE_FACTORS", mp_surface)
        assert build.cache_key(osm, [dem], BuildSettings()) != key
    # Back to the real tables: the first cache file is still the right one.
    assert build.cache_key(osm, [dem], BuildSettings()) == key
    again = load_network(osm, [dem], cache_dir=cache)
    assert again.meta["from_cache"] is True
    np.testing.assert_allclose(again.edge_terrain, 1.0)
    assert len(list(cache.glob("*.npz"))) == 2


def test_corrupt_cache_is_rebuilt(
    files: tuple[Path, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    osm, dem = files
    cache = tmp_path / "cache"
    good = load_network(osm, [dem], cache_dir=cache)
    (cached,) = cache.iterdir()
    cached.write_bytes(cached.read_bytes()[:100])  # truncated
    with caplog.at_level(logging.WARNING, logger="routeplanner.network.build"):
        net = load_network(osm, [dem], cache_dir=cache)
    assert net.meta["from_cache"] is False
    np.testing.assert_array_equal(net.prof_ele, good.prof_ele)
    assert any("cache" in r.getMessage() for r in caplog.records)
    # ... and the rebuilt network replaced the damaged file.
    assert load_network(osm, [dem], cache_dir=cache).meta["from_cache"] is True
    # A pickle is never loaded (it could run code): rebuilt as well.
    cached.write_bytes(pickle.dumps({"not": "a network"}))
    assert load_network(osm, [dem], cache_dir=cache).meta["from_cache"] is False
    cached.write_bytes(b"")
    assert load_network(osm, [dem], cache_dir=cache).meta["from_cache"] is False
    assert load_network(osm, [dem], cache_dir=cache).meta["from_cache"] is True


def test_failed_cache_write_leaves_nothing(
    files: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    osm, dem = files
    cache = tmp_path / "cache"

    def full_disk(f, **arrays):
        f.write(b"partial npz")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_mod.np, "savez", full_disk)
    try:
        load_network(osm, [dem], cache_dir=cache)
    except OSError:
        pass
    # Neither a half-written cache file nor its temporary file is left behind.
    assert list(cache.iterdir()) == []
    monkeypatch.undo()
    assert load_network(osm, [dem], cache_dir=cache).meta["from_cache"] is False
    assert load_network(osm, [dem], cache_dir=cache).meta["from_cache"] is True
    assert [p.suffix for p in cache.iterdir()] == [".npz"]


def test_no_cache_dir_writes_nothing(files: tuple[Path, Path], tmp_path: Path) -> None:
    osm, dem = files
    before = sorted(tmp_path.rglob("*"))
    net = load_network(osm, [dem], cache_dir=None)
    assert net.meta["from_cache"] is False
    assert sorted(tmp_path.rglob("*")) == before


def test_load_network_missing_files(files: tuple[Path, Path], tmp_path: Path) -> None:
    osm, dem = files
    with pytest.raises(DataError, match=r"nope\.tif"):
        load_network(osm, [tmp_path / "nope.tif"], cache_dir=tmp_path / "cache")
    with pytest.raises(DataError, match=r"nope\.osm"):
        load_network(tmp_path / "nope.osm", [dem], cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


def test_load_network_progress(files: tuple[Path, Path]) -> None:
    osm, dem = files
    seen: list[str] = []
    load_network(osm, [dem], progress=seen.append)
    assert seen[:2] == ["reading OSM", "opening DEM"]
    assert "assembling the graph" in seen


# -- Andorra ---------------------------------------------------------------------------


@pytest.mark.slow
def test_andorra_build(andorra_network: Network) -> None:
    net = andorra_network
    assert is_simple(net)
    # Densified to at most 20 m everywhere, with distances that add up.
    first = net.prof_offsets[:-1]
    last = net.prof_offsets[1:] - 1
    step = np.diff(net.prof_dist)
    within = np.ones(len(step), dtype=bool)
    within[last[:-1]] = False  # the jumps from one edge's end to the next edge's start
    assert step[within].max() <= 20.0 + 1e-6
    assert step[within].min() >= 0.0
    np.testing.assert_allclose(net.prof_dist[last], net.edge_length_m)
    # Edges meeting at a node agree on its elevation.
    np.testing.assert_array_equal(net.prof_ele[first], net.node_ele[net.edge_u])
    np.testing.assert_array_equal(net.prof_ele[last], net.node_ele[net.edge_v])
    assert np.all(np.isfinite(net.prof_ele))
    assert 600.0 < net.prof_ele.min() < net.prof_ele.max() < 3200.0
    # Roughly the measured highway mix: paths and tracks, minor and major roads.
    km = {c: net.edge_length_m[net.edge_class == c].sum() / 1000 for c in (0, 1, 2)}
    assert 150.0 < km[0] < 600.0 and km[1] > 50.0 and km[2] > 50.0
    assert set(np.unique(net.edge_sac).tolist()) <= set(range(7))
    assert (net.edge_sac >= 4).sum() > 0  # alpine_hiking ways exist
    # Pistes and aerialways are kept aside.
    kinds = {("piste" if "piste:type" in f["tags"] else "lift") for f in net.features}
    assert kinds == {"piste", "lift"}
    assert net.meta["region"] == "andorra"
    assert net.meta["dem_voids_filled"] > 0


# -- the cache cannot run code, and checks what it loads --------------------------------


def test_cache_never_unpickles(files: tuple[Path, Path], tmp_path: Path) -> None:
    """A pickle dropped in as the cache file is not run: the network is rebuilt."""
    osm, dem = files
    cache = tmp_path / "cache"
    load_network(osm, [dem], cache_dir=cache)
    (cached,) = cache.iterdir()
    ran = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (ran.mkdir, ())

    cached.write_bytes(pickle.dumps(Payload()))  # a plain pickle
    assert load_network(osm, [dem], cache_dir=cache).meta["from_cache"] is False
    assert not ran.exists()
    # an object array inside an npz needs pickle to load
    with cached.open("wb") as f:
        np.savez(f, __header__=np.array([Payload()], dtype=object))
    net = load_network(osm, [dem], cache_dir=cache)
    assert net.meta["from_cache"] is False
    assert not ran.exists()
    assert load_network(osm, [dem], cache_dir=cache).meta["from_cache"] is True


def _rewrite(path: Path, **changes: np.ndarray) -> None:
    with np.load(path, allow_pickle=False) as npz:
        arrays = {n: npz[n] for n in npz.files}
    arrays.update(changes)
    with open(path, "wb") as f:
        np.savez(f, **arrays)


@pytest.mark.parametrize(
    "change",
    [
        "short_profile",
        "bad_node",
        "header_shape",
        "other_key",
        "halved_lengths",
        "negative_lengths",
        "halved_with_a_new_digest",
        "meta_changed",
    ],
)
def test_inconsistent_cache_is_rebuilt_with_a_warning(
    files: tuple[Path, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture, change: str
) -> None:
    osm, dem = files
    cache = tmp_path / "cache"
    good = load_network(osm, [dem], cache_dir=cache)
    (cached,) = cache.iterdir()
    with np.load(cached, allow_pickle=False) as npz:
        header = json.loads(bytes(npz["__header__"]).decode())
        prof_ele, edge_v = npz["prof_ele"], npz["edge_v"]
    if change == "short_profile":  # arrays disagree, but the header was rewritten to match
        header["arrays"]["prof_ele"][0] = [len(prof_ele) - 1]
        _rewrite(
            cached,
            prof_ele=prof_ele[:-1],
            __header__=np.frombuffer(json.dumps(header).encode(), np.uint8),
        )
    elif change == "bad_node":
        _rewrite(cached, edge_v=edge_v + 100)
    elif change == "header_shape":
        _rewrite(cached, prof_ele=prof_ele[:-1])
    elif change in ("halved_lengths", "negative_lengths"):
        # The right key and shapes, wrong contents: a 46-minute "60-minute" loop.
        lengths = good.edge_length_m * (0.5 if change == "halved_lengths" else -1.0)
        _rewrite(cached, edge_length_m=lengths)
    elif change == "halved_with_a_new_digest":  # forged consistently: only plausibility sees it
        arrays, header = cache_mod.read_npz(cached)
        arrays["edge_length_m"] = arrays["edge_length_m"] * 0.5
        arrays["prof_dist"] = arrays["prof_dist"] * 0.5
        header["digest"] = cache_mod.content_digest(arrays, header)
        cache_mod.write_npz(cached, arrays, header)
    elif change == "meta_changed":
        header["meta"]["dem_source"] = "forged"
        _rewrite(cached, __header__=np.frombuffer(json.dumps(header).encode(), np.uint8))
    else:
        header["key"] = "0" * 64
        _rewrite(cached, __header__=np.frombuffer(json.dumps(header).encode(), np.uint8))
    with caplog.at_level(logging.WARNING, logger="routeplanner.network.cache"):
        net = load_network(osm, [dem], cache_dir=cache)
    assert net.meta["from_cache"] is False
    assert any("rebuilding" in r.getMessage() for r in caplog.records)
    np.testing.assert_array_equal(net.prof_ele, good.prof_ele)
    assert load_network(osm, [dem], cache_dir=cache).meta["from_cache"] is True


def test_cache_key_includes_the_file_name_that_places_a_tile(tmp_path: Path) -> None:
    """The same .hgt bytes under another name are another tile: another key."""
    osm = write_osm(tmp_path / "t.osm")
    a = tmp_path / "N42E001.hgt"
    a.write_bytes(b"\0" * 64)
    b = tmp_path / "N42E002.hgt"
    b.write_bytes(a.read_bytes())
    assert build.cache_key(osm, [a], BuildSettings()) != build.cache_key(osm, [b], BuildSettings())
    # and a copy in another folder is another input (resolved path)
    (tmp_path / "sub").mkdir()
    c = tmp_path / "sub" / "N42E001.hgt"
    c.write_bytes(a.read_bytes())
    assert build.cache_key(osm, [a], BuildSettings()) != build.cache_key(osm, [c], BuildSettings())


def test_stale_cache_temporaries_are_removed(files: tuple[Path, Path], tmp_path: Path) -> None:
    """A kill -9 during a cache write leaves a temporary; the next run removes it."""
    from synth import stale_temporary

    osm, dem = files
    cache = tmp_path / "cache"
    cache.mkdir()
    stale = stale_temporary(cache)
    load_network(osm, [dem], cache_dir=cache)
    assert not stale.exists()
    assert [p.suffix for p in cache.iterdir()] == [".npz"]


def test_a_read_only_cache_folder_builds_in_memory_with_one_warning(
    files: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    osm, dem = files
    cache = tmp_path / "cache"
    cache.mkdir()

    def read_only(*_a: object, **_k: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(cache_mod, "atomic_writer", read_only)
    with caplog.at_level(logging.WARNING, logger="routeplanner"):
        net = load_network(osm, [dem], cache_dir=cache)
    assert net.meta["from_cache"] is False and "cache_key" not in net.meta
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "in memory" in warnings[0], warnings
    assert list(cache.iterdir()) == []
