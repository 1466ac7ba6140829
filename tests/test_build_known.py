"""The network build on known answers: recorded Andorra numbers and a hand-built OSM file.

The Andorra numbers were recorded from the build before OSM reading moved to
coded tags and block parsing; any change to what is read or how it is
assembled shows up here.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from synth import make_dem, to_lonlat, write_geotiff, write_osm_xml

from routeplanner.network.build import BuildSettings, build_network, load_network
from routeplanner.network.model import Network
from routeplanner.sources.osm import KEEP_TAGS, OsmWays, WayTags, read_osm

# Every array of a network (what its cache stores).
ARRAYS = [
    f.name for f in dataclasses.fields(Network) if f.name not in ("features", "meta", "_cache")
]


def summary(net: Network) -> dict:
    """Counts and sums that change when any node, edge, profile or tag changes."""
    return {
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "profile_points": len(net.prof_lon),
        "features": len(net.features),
        "length_m": float(net.edge_length_m.sum()),
        "ascent_m": float(net.edge_ascent_m.sum()),
        "descent_m": float(net.edge_descent_m.sum()),
        "max_grade_sum": float(net.edge_max_grade.sum()),
        "terrain_sum": float(net.edge_terrain.sum()),
        "node_ele_sum": float(net.node_ele.sum()),
        "node_osmid_sum": int(net.node_osmid.sum()),
        "way_id_sum": int(net.edge_way_id.sum()),
        "uv_sum": int((net.edge_u * 3 + net.edge_v).sum()),
        "classes": np.bincount(net.edge_class).tolist(),
        "sac": np.bincount(net.edge_sac).tolist(),
        "named": int((net.edge_name != "").sum()),
        "with_surface": int((net.edge_surface != "").sum()),
        "with_visibility": int((net.edge_visibility != "").sum()),
        "highway_values": len(set(net.edge_highway.tolist())),
        "structures": dict(Counter(net.edge_structure.tolist())),
        "grade_capped": int(net.edge_grade_capped.sum()),
    }


KNOWN_2013 = {
    "nodes": 2291,
    "edges": 2614,
    "profile_points": 62752,
    "features": 253,
    "length_m": 812710.5672697752,
    "ascent_m": 50586.99377761503,
    "descent_m": 44450.26256533079,
    "max_grade_sum": 292.8884050322167,
    "terrain_sum": 2693.79,
    "node_ele_sum": 3335000.417152864,
    "node_osmid_sum": 2058698927871,
    "way_id_sum": 233568242094,
    "uv_sum": 11677549,
    "classes": [617, 1151, 846],
    "sac": [2534, 2, 45, 4, 20, 9],
    "named": 1051,
    "with_surface": 207,
    "with_visibility": 18,
    "highway_values": 16,
    "structures": {"": 2461, "bridge": 150, "tunnel": 3},
    "grade_capped": 564,
}

KNOWN_2025 = {
    "nodes": 11572,
    "edges": 14920,
    "profile_points": 200312,
    "features": 757,
    "length_m": 2043367.193790506,
    "ascent_m": 149878.45608470798,
    "descent_m": 129645.07284918611,
    "max_grade_sum": 1738.6450397488125,
    "terrain_sum": 15381.38442,
    "node_ele_sum": 16713834.687460953,
    "node_osmid_sum": 68352700272757,
    "way_id_sum": 10004530943384,
    "uv_sum": 346384470,
    "classes": [7185, 6047, 1688],
    "sac": [14207, 124, 476, 73, 31, 7, 2],
    "named": 4429,
    "with_surface": 4005,
    "with_visibility": 394,
    "highway_values": 16,
    "structures": {"": 14364, "bridge": 458, "tunnel": 97, "embankment": 1},
    "grade_capped": 1657,
}


def check_summary(net: Network, known: dict) -> None:
    got = summary(net)
    for key, want in known.items():
        if isinstance(want, float):
            # Sums of the same values in the same order: equal up to rounding of the print.
            assert got[key] == pytest.approx(want, rel=1e-12, abs=1e-9), key
        else:
            assert got[key] == want, key


@pytest.mark.slow
def test_andorra_2013_build_matches_the_recorded_numbers(andorra_network: Network) -> None:
    check_summary(andorra_network, KNOWN_2013)


@pytest.mark.slow
def test_andorra_2025_build_matches_the_recorded_numbers(andorra2025_network: Network) -> None:
    check_summary(andorra2025_network, KNOWN_2025)


# -- a hand-built file: what is read is what was written -------------------------------

# Local metres around the synth origin; node 9 is referenced but not in the file.
NODES = {
    1: (0.0, 0.0),
    2: (400.0, 0.0),
    3: (800.0, 50.0),
    4: (1200.0, 0.0),
    5: (400.0, 500.0),
    6: (800.0, 600.0),
    7: (1200.0, 700.0),
    8: (0.0, 900.0),
}
WAYS = [
    (
        101,
        [1, 2, 3, 4],
        {
            "highway": "path",
            "name": "Camí, de=la %Vall@ 日本 \U0001f600",
            "sac_scale": "demanding_mountain_hiking",
            "surface": "gravel",
            "trail_visibility": "intermediate",
            "colour": "red",
        },
    ),
    (102, [2, 5, 6], {"highway": "track", "tracktype": "grade3", "bridge": "yes"}),
    (103, [6, 7, 4], {"highway": "residential", "ref": "CG-4", "surface": "asphalt"}),
    (104, [5, 9, 8], {"highway": "footway", "tunnel": "no", "name": "Cut"}),
    (105, [8, 1], {"highway": "primary", "name": "", "embankment": "yes"}),
    (106, [7, 8], {"piste:type": "nordic", "piste:name": "Pista 1", "name": "P"}),
    (107, [3, 6], {"aerialway": "gondola", "name": "Telecabina"}),
    (108, [1, 5], {"highway": "path", "access": "no"}),
]


def hill(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 1500.0 + 0.08 * x + 40.0 * np.sin(y / 150.0)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    dem = make_dem(hill, extent_m=4000.0, cell_m=15.0)
    osm = write_osm_xml(tmp_path / "hand.osm", NODES, WAYS)
    return osm, write_geotiff(tmp_path / "hand.tif", dem.elevation, dem.transform)


def written_ways() -> OsmWays:
    """The ways of WAYS as OsmWays built by hand, coordinates rounded as written."""
    runs = [(101, [1, 2, 3, 4]), (102, [2, 5, 6]), (103, [6, 7, 4]), (104, [5])]
    runs += [(104, [8]), (105, [8, 1]), (106, [7, 8]), (107, [3, 6]), (108, [1, 5])]
    runs = [(w, refs) for w, refs in runs if len(refs) >= 2]  # way 104 is cut at node 9
    tags = {w: {k: v for k, v in t.items() if k in KEEP_TAGS} for w, _, t in WAYS}
    ids = np.concatenate([np.asarray(r, dtype=np.int64) for _, r in runs])
    xy = np.array([NODES[int(i)] for i in ids])
    lon, lat = to_lonlat(xy[:, 0], xy[:, 1])
    return OsmWays(
        way_ids=np.array([w for w, _ in runs], dtype=np.int64),
        offsets=np.concatenate(([0], np.cumsum([len(r) for _, r in runs]))).astype(np.int64),
        node_ids=ids,
        lon=np.array([float(f"{v:.7f}") for v in lon]),
        lat=np.array([float(f"{v:.7f}") for v in lat]),
        tags=WayTags.from_dicts(tags[w] for w, _ in runs),
        source="hand.osm",
    )


def test_reading_gives_the_written_ways_tags_and_coordinates(files: tuple[Path, Path]) -> None:
    got, want = read_osm(files[0]), written_ways()
    np.testing.assert_array_equal(got.way_ids, want.way_ids)
    np.testing.assert_array_equal(got.offsets, want.offsets)
    np.testing.assert_array_equal(got.node_ids, want.node_ids)
    np.testing.assert_array_equal(got.lon, want.lon)  # exactly: 7 decimals, one rounding
    np.testing.assert_array_equal(got.lat, want.lat)
    assert list(got.tags) == list(want.tags)
    assert got.tags[0]["name"] == "Camí, de=la %Vall@ 日本 \U0001f600"
    assert "colour" not in got.tags[0]
    assert got.tags[3] == {"highway": "primary", "name": "", "embankment": "yes"}


def test_build_from_the_file_equals_the_build_from_hand_built_ways(
    files: tuple[Path, Path],
) -> None:
    from routeplanner.sources.dem import open_dem

    osm, tif = files
    from_file = load_network(osm, [tif])
    dem = open_dem([tif], bbox=written_ways().bbox)
    by_hand = build_network(written_ways(), dem, BuildSettings())
    for name in ARRAYS:
        a, b = getattr(from_file, name), getattr(by_hand, name)
        assert a.dtype == b.dtype, name
        np.testing.assert_array_equal(a, b, err_msg=name)
    assert [f["id"] for f in from_file.features] == [106, 107]
    for f, g in zip(from_file.features, by_hand.features, strict=True):
        assert f["id"] == g["id"] and f["tags"] == g["tags"]
        np.testing.assert_array_equal(f["lon"], g["lon"])
        np.testing.assert_array_equal(f["lat"], g["lat"])


def test_build_reads_each_tag_the_rest_of_the_code_uses(files: tuple[Path, Path]) -> None:
    net = load_network(files[0], [files[1]])
    by_way: dict[int, set[tuple]] = {}
    for e in range(net.n_edges):
        by_way.setdefault(int(net.edge_way_id[e]), set()).add(
            (
                str(net.edge_highway[e]),
                str(net.edge_name[e]),
                str(net.edge_surface[e]),
                str(net.edge_visibility[e]),
                str(net.edge_structure[e]),
                int(net.edge_class[e]),
                int(net.edge_sac[e]),
            )
        )
    assert by_way == {
        101: {
            (
                "path",
                "Camí, de=la %Vall@ 日本 \U0001f600",
                "gravel",
                "intermediate",
                "",
                0,
                3,
            )
        },
        102: {("track", "", "", "", "bridge", 0, 0)},
        103: {("residential", "CG-4", "asphalt", "", "", 1, 0)},
        105: {("primary", "", "", "", "embankment", 2, 0)},
    }  # 104 lost its middle node and kept no run of two; 106-107 aside; 108 no access
    feats = {f["id"]: f for f in net.features}
    assert feats[106]["tags"] == {"piste:type": "nordic", "piste:name": "Pista 1", "name": "P"}
    assert feats[107]["tags"] == {"aerialway": "gondola", "name": "Telecabina"}
    lon, lat = to_lonlat(np.array([1200.0, 0.0]), np.array([700.0, 900.0]))
    np.testing.assert_allclose(feats[106]["lon"], lon, atol=1e-7)
    np.testing.assert_allclose(feats[106]["lat"], lat, atol=1e-7)


@pytest.mark.parametrize("block", [1, 5, 64])
def test_blocked_steps_give_the_same_network(
    files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    from routeplanner.network import build, grades

    whole = load_network(files[0], [files[1]])
    monkeypatch.setattr(build, "_BLOCK", block)
    monkeypatch.setattr(grades, "_BLOCK", block)
    blocked = load_network(files[0], [files[1]])
    assert len(whole.prof_lon) > 3 * 64  # several blocks even at the largest size
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(blocked, name), getattr(whole, name), err_msg=name)
