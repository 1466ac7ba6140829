"""Grades on synthetic terrain: a plane, a bridge over a valley, a cutting through a ridge."""

from __future__ import annotations

import math

import numpy as np
import pytest
from synth import make_dem, make_network, make_ways

from routeplanner.network import grades
from routeplanner.network.build import BuildSettings, build_network

FLAT = 1000.0


def _edge_of(net, name: str) -> int:
    return int(np.flatnonzero(net.edge_name == name)[0])


def _valley(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A V-shaped valley 100 m deep and 200 m wide along the y axis."""
    return FLAT - np.maximum(0.0, 100.0 - np.abs(x))


def _ridge(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A ridge 60 m high and 240 m wide along the y axis."""
    return FLAT + np.maximum(0.0, 60.0 - 0.5 * np.abs(x))


@pytest.mark.parametrize("grade", [0.08, 0.2, 0.45])
def test_plane_of_known_slope(grade: float) -> None:
    # A plane rising east; a trail climbs straight up it and one runs across it.
    nodes = {1: (0.0, 0.0), 2: (800.0, 0.0), 3: (800.0, 500.0)}
    ways = [([1, 2], {"highway": "path", "name": "up"}), ([2, 3], {"highway": "path", "name": "x"})]
    net = make_network(nodes, ways, lambda x, y: FLAT + grade * x)
    up, across = _edge_of(net, "up"), _edge_of(net, "x")
    assert net.edge_max_grade[up] == pytest.approx(grade, rel=0.005)
    assert net.edge_max_grade_over_m[up] == grades.GRADE_BASELINE_M
    assert net.edge_max_grade[across] == pytest.approx(0.0, abs=1e-4)
    assert net.edge_ascent_m[up] == pytest.approx(800.0 * grade, rel=0.002)
    assert not net.edge_grade_capped.any()


def _crossing(tags: dict[str, str], terrain) -> tuple[float, float]:
    """Build a way crossing x = -150..150 with approaches; return (max grade, ascent) of it."""
    nodes = {1: (-400.0, 0.0), 2: (-150.0, 0.0), 3: (150.0, 0.0), 4: (400.0, 0.0)}
    ways = [
        ([1, 2], {"highway": "path", "name": "west"}),
        ([2, 3], {"highway": "path", "name": "crossing", **tags}),
        ([3, 4], {"highway": "path", "name": "east"}),
    ]
    net = make_network(nodes, ways, terrain)
    e = _edge_of(net, "crossing")
    return float(net.edge_max_grade[e]), float(net.edge_ascent_m[e] + net.edge_descent_m[e])


def test_bridge_over_a_valley_is_level() -> None:
    # Without the tag the path dives 100 m into the valley (100 % sides, read
    # over 100 m of smoothed profile).
    g_ground, updown_ground = _crossing({}, _valley)
    assert g_ground > 0.5
    assert updown_ground > 120.0  # the sharp V bottom is rounded off
    # Both ends are at FLAT: the bridge is level.
    g_bridge, updown_bridge = _crossing({"bridge": "yes"}, _valley)
    assert g_bridge == pytest.approx(0.0, abs=1e-6)
    assert updown_bridge == pytest.approx(0.0, abs=1e-6)
    # A viaduct tag or a tunnel through it does the same.
    assert _crossing({"bridge": "viaduct"}, _valley)[0] == pytest.approx(0.0, abs=1e-6)
    assert _crossing({"embankment": "yes"}, _valley)[0] == pytest.approx(0.0, abs=1e-6)
    # bridge=no is not a bridge.
    assert _crossing({"bridge": "no"}, _valley)[0] == pytest.approx(g_ground)


def test_cutting_through_a_ridge_is_level() -> None:
    g_ground, updown_ground = _crossing({}, _ridge)
    assert g_ground > 0.3  # 50 % sides, 60 m high, read over 100 m
    assert updown_ground > 80.0  # the sharp crest is rounded off
    for tags in ({"cutting": "yes"}, {"tunnel": "yes"}, {"tunnel": "culvert"}):
        g, updown = _crossing(tags, _ridge)
        assert g == pytest.approx(0.0, abs=1e-6), tags
        assert updown == pytest.approx(0.0, abs=1e-6), tags


def test_sloping_bridge_takes_the_grade_between_its_ends() -> None:
    # Valley floor tilted: the west end is 30 m lower than the east end, 300 m apart.
    def tilted(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return _valley(x, y) + 0.1 * x

    nodes = {1: (-150.0, 0.0), 2: (150.0, 0.0)}
    net = make_network(nodes, [([1, 2], {"highway": "path", "bridge": "yes", "name": "b"})], tilted)
    _, _, ele, dist = net.edge_profile(0)
    np.testing.assert_allclose(np.diff(ele) / np.diff(dist), 0.1, rtol=1e-3)
    assert net.edge_structure[0] == "bridge"


def _hillside(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A 60 % hillside rising north."""
    return FLAT + 0.6 * y


def _wiggly_way(highway: str) -> tuple[dict[int, tuple[float, float]], list]:
    # A street along the contour whose mapped line wanders 60 m up and down the
    # hillside: the DEM reads the hillside, not the terrace the street is built on.
    xs = np.arange(0.0, 1201.0, 25.0)
    ys = 60.0 * np.sin(xs / 100.0 * np.pi / 2)
    nodes = {i + 1: (float(x), float(y)) for i, (x, y) in enumerate(zip(xs, ys, strict=True))}
    return nodes, [(list(nodes), {"highway": highway, "name": "street"})]


def test_roads_are_capped_trails_are_not() -> None:
    nodes, ways = _wiggly_way("path")
    trail = make_network(nodes, ways, _hillside)
    assert trail.edge_max_grade[0] > 0.30  # a trail keeps what the DEM says
    assert not trail.edge_grade_capped[0]

    nodes, ways = _wiggly_way("residential")
    street = make_network(nodes, ways, _hillside)
    _, _, ele, dist = street.edge_profile(0)
    steps = np.abs(np.diff(ele) / np.diff(dist))
    assert steps.max() <= grades.ROAD_MAX_GRADE[1] + 1e-9
    assert street.edge_max_grade[0] <= grades.ROAD_MAX_GRADE[1] + 1e-9
    assert street.edge_grade_capped[0]
    # The junctions stay where the DEM puts them.
    assert ele[0] == pytest.approx(street.node_ele[street.edge_u[0]])
    assert ele[-1] == pytest.approx(street.node_ele[street.edge_v[0]])

    nodes, ways = _wiggly_way("secondary")
    main_road = make_network(nodes, ways, _hillside)
    assert main_road.edge_max_grade[0] <= grades.ROAD_MAX_GRADE[2] + 1e-9


def test_junctions_move_so_a_steep_road_fits_its_cap() -> None:
    # A 200 m street straight up a 60 % hillside, a trail going on from its top.
    nodes = {1: (0.0, 0.0), 2: (0.0, 200.0), 3: (0.0, 400.0)}
    ways = [
        ([1, 2], {"highway": "residential", "name": "street"}),
        ([2, 3], {"highway": "path", "name": "trail"}),
    ]
    net = make_network(nodes, ways, _hillside)
    street, trail = _edge_of(net, "street"), _edge_of(net, "trail")
    # The DEM says 120 m of rise; 30 % allows 60 m: both ends move 30 m.
    assert net.edge_max_grade[street] == pytest.approx(0.30, abs=1e-3)
    bottom, top = net.edge_u[street], net.edge_v[street]
    assert net.node_ele[bottom] == pytest.approx(FLAT + 30.0, abs=0.5)
    assert net.node_ele[top] == pytest.approx(FLAT + 120.0 - 30.0, abs=0.5)
    # The trail keeps its far end and meets the street where it now is.
    _, _, ele, _ = net.edge_profile(trail)
    assert ele[0] == pytest.approx(net.node_ele[top])
    assert ele[-1] == pytest.approx(FLAT + 240.0, abs=0.5)
    assert net.edge_grade_capped[street] and net.edge_grade_capped[trail]
    assert net.meta["roads_too_steep_end_to_end"] == 0


def test_fit_junctions_leaves_feasible_roads_alone() -> None:
    dist = np.array([0.0, 50.0, 100.0, 0.0, 100.0])
    ele = np.array([0.0, 5.0, 10.0, 10.0, 40.0])
    start, end = np.array([0, 3]), np.array([2, 4])
    node = (np.array([0, 1]), np.array([1, 2]))
    cap = np.array([0.3, 0.3])
    out, still = grades.fit_junctions(ele, dist, start, end, node, cap)
    np.testing.assert_array_equal(out, ele)
    assert still == 0
    out, still = grades.fit_junctions(ele, dist, start, end, node, np.array([0.3, 0.2]))
    # The second edge (30 m over 100 m) must lose 10 m: its ends move, the first edge tilts.
    assert out[4] - out[3] == pytest.approx(20.0, abs=1e-3)
    assert out[2] == out[3] and out[0] == 0.0
    assert still == 0


def test_a_one_cell_spike_does_not_make_a_grade() -> None:
    def spiky(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        z = FLAT + 0.05 * x
        return np.where((np.abs(x - 300.0) < 6) & (np.abs(y) < 6), z + 40.0, z)

    nodes = {1: (0.0, 0.0), 2: (600.0, 0.0)}
    ways = [([1, 2], {"highway": "path"})]
    dem = make_dem(spiky)
    robust = build_network(make_ways(nodes, ways), dem, BuildSettings())
    assert robust.edge_max_grade[0] == pytest.approx(0.05, abs=0.01)
    assert robust.edge_ascent_m[0] == pytest.approx(30.0, abs=1.0)


def test_uncertainty_follows_resolution_and_length() -> None:
    srtm = grades.grade_uncertainty(100.0, 90.0)
    glo30 = grades.grade_uncertainty(100.0, 30.0)
    assert srtm == pytest.approx(3 * glo30)
    assert grades.grade_uncertainty(200.0, 90.0) == pytest.approx(srtm / 2)
    assert math.isinf(grades.grade_uncertainty(0.0, 30.0))
    assert grades.grade_confidence(100.0, 90.0) == "low"
    assert grades.grade_confidence(500.0, 30.0) == "high"
    text = grades.describe_max_grade(0.283, 100.0, 92.0)
    assert text.startswith("max 28 % over 100 m")
    assert "coarse 92 m DEM" in text
    assert "coarse" not in grades.describe_max_grade(0.283, 100.0, 30.0)


def test_network_records_the_dem_cell() -> None:
    nodes = {1: (0.0, 0.0), 2: (300.0, 0.0)}
    net = make_network(nodes, [([1, 2], {"highway": "path"})], cell_m=30.0)
    assert net.meta["dem_cell_m"] == pytest.approx(30.0, rel=0.02)
    assert net.meta["grade_baseline_m"] == grades.GRADE_BASELINE_M


# -- Andorra (2025 extract, SRTM3) ----------------------------------------------------


@pytest.fixture(scope="module")
def andorra_2025(andorra_dir, tmp_path_factory):
    from routeplanner.network.build import load_network

    return load_network(
        andorra_dir / "andorra-2025.osm.pbf",
        [andorra_dir / "N42E001.hgt.zip"],
        cache_dir=tmp_path_factory.mktemp("netcache"),
        name="andorra",
    )


def _named(net, name: str) -> np.ndarray:
    edges = np.flatnonzero(net.edge_name == name)
    assert edges.size, name
    return edges


@pytest.mark.slow
def test_andorra_roads_respect_their_caps_and_trails_keep_theirs(andorra_2025) -> None:
    net = andorra_2025
    minor, major, trail = (net.edge_class == c for c in (1, 2, 0))
    assert net.edge_max_grade[minor].max() <= grades.ROAD_MAX_GRADE[1] + 1e-3
    assert net.edge_max_grade[major].max() <= grades.ROAD_MAX_GRADE[2] + 1e-3
    # SRTM reads hundreds of roads steeper than their cap (hillside beside the terrace).
    assert net.meta["roads_capped"] > 500
    # Trails are not capped: steep ones stay steep.
    assert net.edge_max_grade[trail].max() > 0.8
    assert net.meta["dem_cell_m"] == pytest.approx(92.6, abs=0.5)


@pytest.mark.slow
def test_andorra_named_streets_and_cols(andorra_2025) -> None:
    net = andorra_2025
    # Port d'Envalira, the highest road pass of the Pyrenees, tops out at 2408 m.
    envalira = _named(net, "Port d'Envalira")
    top = max(float(net.edge_profile(e)[2].max()) for e in envalira)
    assert top == pytest.approx(2408.0, abs=15.0)
    assert net.edge_max_grade[envalira].max() <= 0.15 + 1e-3
    # The road to the Coll d'Ordino: a steady climb, 7 % on average.
    ordino = _named(net, "Carretera Coll d'Ordino")
    rise = net.edge_ascent_m[ordino].sum() - net.edge_descent_m[ordino].sum()
    assert abs(rise) / net.edge_length_m[ordino].sum() == pytest.approx(0.073, abs=0.02)
    assert net.edge_max_grade[ordino].max() <= 0.15 + 1e-3
    # A village street on the hillside above Sant Julià: under the minor-road cap.
    jou = _named(net, "Carrer de Coll de Jou")
    assert net.edge_max_grade[jou].max() <= 0.30 + 1e-3


@pytest.mark.slow
def test_andorra_footbridge_is_a_straight_line(andorra_2025) -> None:
    net = andorra_2025
    # The Canillo suspension footbridge spans a valley: 590 m of straight line.
    (e,) = _named(net, "Pont tibetà de Canillo")
    assert net.edge_structure[e] == "bridge"
    _, _, ele, dist = net.edge_profile(e)
    assert dist[-1] == pytest.approx(590.0, abs=10.0)
    grade = np.diff(ele) / np.diff(dist)
    np.testing.assert_allclose(grade, (ele[-1] - ele[0]) / dist[-1], atol=1e-9)


def test_running_median_in_blocks_equals_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(18)
    sizes = rng.integers(2, 40, size=60)
    end = np.cumsum(sizes) - 1
    start = end - sizes + 1
    values = np.cumsum(rng.normal(0.0, 1.0, size=int(sizes.sum())))
    values[rng.integers(0, len(values), size=30)] += 25.0  # spikes to remove
    whole = grades.running_median(values, start, end)
    assert not np.array_equal(whole, values)
    for block in (1, 7, 64):
        monkeypatch.setattr(grades, "_BLOCK", block)
        np.testing.assert_array_equal(grades.running_median(values, start, end), whole)


def test_cap_grades_in_blocks_equals_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(12)
    sizes = rng.integers(2, 30, size=50)
    end = np.cumsum(sizes) - 1
    start = end - sizes + 1
    dist = np.concatenate([np.cumsum(rng.uniform(0.0, 25.0, size=int(k))) for k in sizes])
    dist -= np.repeat(dist[start], sizes)  # each group starts at 0 (some steps are 0 m)
    ele = 1000.0 + np.cumsum(rng.normal(0.0, 4.0, size=len(dist)))
    cap = rng.choice([0.15, 0.30, np.inf], size=len(sizes))
    whole, changed = grades.cap_grades(ele, dist, start, end, cap)
    assert changed.any() and not changed.all()
    for block in (1, 7, 64):
        monkeypatch.setattr(grades, "_BLOCK", block)
        got, got_changed = grades.cap_grades(ele, dist, start, end, cap)
        np.testing.assert_array_equal(got, whole)
        np.testing.assert_array_equal(got_changed, changed)


def _hilly(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return FLAT + 0.12 * x + 40.0 * np.sin(y / 350.0)


def _star_network(tmp_path, damage=None):
    """A start with five ways out, over a 30 m GeoTIFF read back by open_dem."""
    from synth import write_geotiff

    from routeplanner.sources.dem import open_dem

    dem = make_dem(_hilly, extent_m=2000.0, cell_m=30.0)
    z = np.array(dem.elevation)
    if damage is not None:
        damage(z)
    tif = write_geotiff(tmp_path / "dem.tif", z, dem.transform)
    nodes = {0: (0.0, 0.0)}
    ways = []
    for k in range(5):
        a = 2 * math.pi * k / 5
        nodes[k + 1] = (1200.0 * math.cos(a), 1200.0 * math.sin(a))
        ways.append(([0, k + 1], {"highway": "path"}))
    return build_network(make_ways(nodes, ways), open_dem([tif]), BuildSettings())


def _centre(z: np.ndarray) -> tuple[int, int]:
    return z.shape[0] // 2, z.shape[1] // 2


@pytest.mark.parametrize(
    "damage",
    ["the cell under the start at 3500 m", "a pit of 800 m on a way", "every 7th cell +2500 m"],
)
def test_bad_cells_change_no_grade_beyond_its_stated_confidence(tmp_path, caplog, damage) -> None:
    import logging

    def spoil(z: np.ndarray) -> None:
        r, c = _centre(z)
        if damage.startswith("the cell"):
            z[r, c] = 3500.0  # the La Massana start
        elif damage.startswith("a pit"):
            z[r, c + 3] -= 800.0  # on the way east
        else:
            z.ravel()[::7] += 2500.0

    clean = _star_network(tmp_path)
    (tmp_path / "dem.tif").unlink()
    with caplog.at_level(logging.WARNING, logger="routeplanner"):
        bad = _star_network(tmp_path, spoil)
    for e in range(len(clean.edge_u)):
        over = float(clean.edge_max_grade_over_m[e])
        sigma = grades.grade_uncertainty(over, 30.0)
        assert abs(bad.edge_max_grade[e] - clean.edge_max_grade[e]) <= sigma, e
    ascent = float(clean.edge_ascent_m.sum())
    assert float(bad.edge_ascent_m.sum()) == pytest.approx(ascent, rel=0.02)
    warned = [r.getMessage() for r in caplog.records if "spikes or pits" in r.getMessage()]
    if damage.startswith("every"):
        assert len(warned) == 1 and "implausible" in warned[0]  # the tile is suspect
    else:
        assert warned == []  # one cell is mended quietly
