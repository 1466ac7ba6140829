"""Tests for routeplanner.search.segments: climbs and descents with known numbers.

The hand-built terrains are exact: a plane ramp, a cone, a saddle
(z = 1500 + 0.0002 (x² - y²)) and piecewise-linear profiles along x, so
gains, lengths and grades can be worked out by hand.  Junction (node)
elevations are exact in the network; between nodes profiles are smoothed over
60 m, so stretches that end mid-edge near a bend are checked to within a metre.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from routeplanner.errors import InputError
from routeplanner.output.segments import segments_geojson
from routeplanner.pace import RunnerProfile, parse_grade_window
from routeplanner.route import shared_m
from routeplanner.search import segment_scan
from routeplanner.search import segments as S
from routeplanner.search.segments import SegmentRequest, find_segments

if str(Path(__file__).resolve().parent) not in sys.path:  # synth.py lives beside this file
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import make_dem, make_network, to_lonlat, to_xy, write_geotiff, write_osm_xml

PROFILE = RunnerProfile(360.0)


def ramp(x, y):
    """A plane climbing 20 % eastwards."""
    return 1000.0 + 0.2 * x


def cone(x, y):
    """A cone: summit 2000 m at the origin, flanks at 25 %."""
    return 2000.0 - 0.25 * np.hypot(x, y)


def saddle(x, y):
    """A saddle point at the origin (1500 m): up along x, down along y."""
    return 1500.0 + 0.0002 * (x * x - y * y)


def along_x(xs, zs):
    """Terrain that depends on x only, piecewise linear through (xs, zs)."""
    return lambda x, y: 1000.0 + np.interp(x, xs, zs) + 0.0 * y


def climbs_of(net):
    """Every maximal climb as a Segment (bottom to top)."""
    scan = S.scan_segments(net)
    return [
        S.make_segment(scan, "climb", int(a), int(b), PROFILE, window=(0.0, 1.0))
        for a, b in zip(scan.lo, scan.hi, strict=True)
    ]


def xy(seg):
    return to_xy(seg.lon, seg.lat)


@pytest.fixture(scope="module")
def ramp_net():
    return make_network({1: (0.0, 0.0), 2: (1000.0, 0.0)}, [([1, 2], {"highway": "path"})], ramp)


@pytest.fixture(scope="module")
def cone_net():
    """Two trails from the foot to the summit (a junction, so exact), and a ring at r = 600 m."""
    ang = np.linspace(0.0, 2 * np.pi, 12, endpoint=False)
    nodes = {10 + i: (600.0 * np.cos(a), 600.0 * np.sin(a)) for i, a in enumerate(ang)}
    nodes.update({1: (-1000.0, 0.0), 2: (0.0, 0.0), 3: (1000.0, 0.0)})
    ring = [*range(10, 22), 10]
    ways = [
        ([1, 16, 2], {"highway": "path", "name": "West ridge"}),  # 16 = ring vertex at 180°
        ([2, 10, 3], {"highway": "path", "name": "East ridge"}),  # 10 = ring vertex at 0°
        (ring, {"highway": "track", "name": "Contour"}),
    ]
    return make_network(nodes, ways, cone)


@pytest.fixture(scope="module")
def saddle_net():
    nodes = {1: (-1000.0, 0.0), 2: (0.0, 0.0), 3: (1000.0, 0.0), 4: (0.0, -1000.0), 5: (0, 1000)}
    ways = [
        ([1, 2, 3], {"highway": "path", "name": "Valley"}),
        ([4, 2, 5], {"highway": "path", "name": "Pass"}),
    ]
    return make_network(nodes, ways, saddle)


# --------------------------------------------------------------------------- ramp


def test_ramp_is_one_climb_with_exact_numbers(ramp_net):
    (seg,) = find_segments(ramp_net, SegmentRequest("climb", (0.15, 0.30)), PROFILE)
    x, _ = xy(seg)
    assert x[0] == pytest.approx(0.0, abs=1e-6) and x[-1] == pytest.approx(1000.0, abs=1e-6)
    assert seg.length_m == pytest.approx(1000.0, abs=0.01)
    assert seg.gain_m == pytest.approx(200.0, abs=1e-4) and seg.loss_m == 0.0
    assert seg.mean_grade == seg.rise_m / seg.length_m  # by definition, exactly
    assert seg.mean_grade == pytest.approx(0.2, abs=1e-5)
    assert seg.max_grade == pytest.approx(0.2, abs=1e-4)
    assert seg.fit == 1.0
    expected = float(PROFILE.segment_time_s(seg.length_m, 0.2))
    assert seg.duration_s == pytest.approx(expected, rel=1e-4)
    assert np.all(np.diff(seg.ele) > 0) and np.all(np.diff(seg.dist_m) > 0)


def test_ramp_descent_runs_down_on_the_downhill_side_of_the_model(ramp_net):
    (seg,) = find_segments(ramp_net, SegmentRequest("descent", (0.15, 0.30)), PROFILE)
    x, _ = xy(seg)
    assert x[0] == pytest.approx(1000.0, abs=1e-6) and x[-1] == pytest.approx(0.0, abs=1e-6)
    assert seg.kind == "descent" and seg.loss_m == pytest.approx(200.0, abs=1e-4)
    assert seg.gain_m == 0.0
    assert seg.mean_grade == seg.loss_m / seg.length_m
    down = float(PROFILE.segment_time_s(seg.length_m, -0.2))
    up = float(PROFILE.segment_time_s(seg.length_m, 0.2))
    assert seg.duration_s == pytest.approx(down, rel=1e-4)
    # Under capped Minetti the descent took under half the climb's time; the mountain
    # curve runs -20 % at 0.83x and +20 % at 0.5x the flat speed: 0.6x.
    assert seg.duration_s < 0.65 * up
    # The steps run the edge from v to u: downhill.
    assert all(s.end_m < s.start_m for s in seg.steps)


def test_degrees_window_is_the_same_as_percent(ramp_net):
    lo, hi = parse_grade_window("9-17deg")  # tan: 15.8 %-30.6 %
    (seg,) = find_segments(ramp_net, SegmentRequest("climb", (lo, hi)), PROFILE)
    assert seg.mean_grade == pytest.approx(0.2, abs=1e-5)


def test_too_gentle_for_the_window_names_the_nearest_and_how_to_widen(ramp_net):
    with pytest.raises(InputError) as exc:
        find_segments(ramp_net, SegmentRequest("climb", (0.25, 0.40)), PROFILE)
    msg = str(exc.value)
    assert "\n" not in msg
    assert "no climb of 25%-40%" in msg
    assert "mean 20%" in msg and "20-40%" in msg


def test_minutes_window_cuts_a_descent_to_length(ramp_net):
    whole = find_segments(ramp_net, SegmentRequest("descent", (0.1, 0.3)), PROFILE)[0]
    window = (60.0, whole.duration_s / 2 + 1.0)
    segs = find_segments(
        ramp_net, SegmentRequest("descent", (0.1, 0.3), duration_s=window), PROFILE
    )
    # Uniform grade: the longest stretch that fits is half the ramp (to a 20 m sample),
    # and what is left is the other half.
    assert len(segs) == 2
    assert shared_m(segs[0].steps, segs[1].steps) == pytest.approx(0.0, abs=1e-6)
    for seg in segs:
        assert window[0] <= seg.duration_s <= window[1]
        assert seg.length_m == pytest.approx(500.0, abs=20.0)
        assert seg.mean_grade == pytest.approx(0.2, abs=1e-4)
    with pytest.raises(InputError, match="minutes window"):
        find_segments(
            ramp_net,
            SegmentRequest("descent", (0.1, 0.3), duration_s=(2 * whole.duration_s, 3600.0)),
            PROFILE,
        )


def test_dem_check_on_a_plane_matches(ramp_net):
    (seg,) = find_segments(
        ramp_net, SegmentRequest("climb", (0.15, 0.30)), PROFILE, dem=make_dem(ramp)
    )
    assert seg.dem_check is not None
    assert seg.dem_check.rise_m == pytest.approx(200.0, abs=1e-3)
    assert seg.dem_check.mean_grade == pytest.approx(0.2, abs=1e-5)
    assert seg.dem_check.max_grade == pytest.approx(0.2, abs=1e-4)


# --------------------------------------------------------------------------- cone


def test_cone_has_two_climbs_to_the_summit_and_a_flat_contour(cone_net):
    segs = climbs_of(cone_net)
    assert len(segs) == 2
    for seg in segs:
        x, y = xy(seg)
        assert abs(x[0]) == pytest.approx(1000.0, abs=1e-6)
        assert x[-1] == pytest.approx(0.0, abs=1e-6) and y[-1] == pytest.approx(0.0, abs=1e-6)
        assert seg.rise_m == pytest.approx(250.0, abs=1e-3)
        assert seg.length_m == pytest.approx(1000.0, abs=0.01)
        assert seg.mean_grade == seg.rise_m / seg.length_m
        assert seg.max_grade == pytest.approx(0.25, abs=1e-3)
    # The chain follows each ridge trail straight through the contour junction.
    assert {s.names for s in segs} == {("West ridge",), ("East ridge",)}


def test_every_edge_is_in_exactly_one_chain(cone_net):
    chains = segment_scan._build_chains(cone_net)
    edges = [e for c in chains for e, _ in c]
    assert sorted(edges) == list(range(cone_net.n_edges))
    # The ridge trails meet at the summit (two edges there), so they make one chain
    # of four edges straight through the contour's junctions; the contour stays one ring.
    names = [[str(cone_net.edge_name[e]) for e, _ in c] for c in chains]
    ridge = [n for n in names if "West ridge" in n]
    assert ridge == [["West ridge"] * 2 + ["East ridge"] * 2] or ridge == [
        ["East ridge"] * 2 + ["West ridge"] * 2
    ]
    assert [len(n) for n in names if "Contour" in n] == [3]  # a closed ring (one split)


def test_cone_descents_rank_nearest_first(cone_net):
    near = tuple(float(v) for v in to_lonlat(900.0, 0.0))
    segs = find_segments(
        cone_net, SegmentRequest("descent", (0.2, 0.3), near=near, within_m=3000.0), PROFILE
    )
    assert [s.names for s in segs] == [("East ridge",), ("West ridge",)]
    assert segs[0].distance_m == pytest.approx(0.0, abs=1.0)
    assert segs[1].distance_m == pytest.approx(900.0, abs=1.0)  # its summit end
    x, _y = xy(segs[0])
    assert x[0] == pytest.approx(0.0, abs=1e-6)  # starts at the summit
    near_only = find_segments(
        cone_net, SegmentRequest("descent", (0.2, 0.3), near=near, within_m=800.0), PROFILE
    )
    assert [s.names for s in near_only] == [("East ridge",)]


def test_dem_not_only_nodes_a_trail_over_the_summit_between_level_nodes():
    """Both nodes are at 1750 m: node elevations alone see no climb at all."""
    net = make_network({1: (-1000.0, 0.0), 2: (1000.0, 0.0)}, [([1, 2], {"highway": "path"})], cone)
    assert net.node_ele[0] == pytest.approx(net.node_ele[1], abs=1e-3)
    dem = make_dem(cone)
    segs = find_segments(net, SegmentRequest("climb", (0.2, 0.3)), PROFILE, dem=dem)
    assert len(segs) == 2
    for seg in segs:
        check = S.check_segment(seg, dem)
        assert 0.2 <= check.mean_grade <= 0.3  # the raw DEM agrees
        assert check.mean_grade == pytest.approx(0.25, abs=1e-6)
        assert seg.rise_m > 240.0


def test_dem_check_drops_a_segment_in_the_window_only_on_smoothed_profiles():
    """The summit is mid-edge: smoothing rounds it a little, the raw DEM does not."""
    net = make_network({1: (-1000.0, 0.0), 2: (1000.0, 0.0)}, [([1, 2], {"highway": "path"})], cone)
    dem = make_dem(cone)
    seg = find_segments(net, SegmentRequest("climb", (0.2, 0.3)), PROFILE, dem=dem)[0]
    assert seg.dem_check is not None
    smooth, raw = seg.mean_grade, seg.dem_check.mean_grade
    assert raw - smooth > 1e-4
    window = (0.2, (smooth + raw) / 2)
    assert find_segments(net, SegmentRequest("climb", window), PROFILE)
    with pytest.raises(InputError, match="failed the check against the DEM"):
        find_segments(net, SegmentRequest("climb", window), PROFILE, dem=dem)


# --------------------------------------------------------------------------- saddle


def test_saddle_climbs_out_of_the_valley_and_up_to_the_pass(saddle_net):
    segs = climbs_of(saddle_net)
    assert len(segs) == 4
    valley = [s for s in segs if s.names == ("Valley",)]
    pass_ = [s for s in segs if s.names == ("Pass",)]
    assert len(valley) == 2 and len(pass_) == 2
    for seg in valley:  # from the saddle (bottom of the valley trail) outwards
        x, y = xy(seg)
        # The flat bottom is trimmed: the climb starts at the last point within 1 m
        # of the low, x = 60 m (z = 1500.72; 80 m would be 1501.28).
        assert abs(x[0]) == pytest.approx(60.0, abs=0.01)
        assert abs(x[-1]) == pytest.approx(1000.0, abs=0.01)
        assert seg.rise_m == pytest.approx(200.0 - 0.72, abs=0.1)
        # Steepest 100 m is the last: (z(1000) - z(900)) / 100 = 0.38.
        assert seg.max_grade == pytest.approx(0.38, abs=2e-3)
    for seg in pass_:  # from the foot of the pass trail up to the saddle
        x, y = xy(seg)
        assert abs(y[0]) == pytest.approx(1000.0, abs=0.01)
        assert seg.ele[-1] == pytest.approx(1500.0, abs=1.0)


def test_saddle_window_fit_is_the_largest_stretch_in_the_window(saddle_net):
    """Grade is 0.0004 x along the valley; worked out for 15-30 % on the east half.

    The first 50 m must climb at 15 % or more: 0.0002 (2 x + 50) >= 0.15 gives
    x >= 350, so the first sample point is x = 360.  From there the whole rest
    has mean 0.0002 (360 + 1000) = 27.2 % <= 30 %, so the stretch is 360..1000:
    gain 0.0002 (1000² - 360²) = 174.08 m over 640 m.
    """
    near = tuple(float(v) for v in to_lonlat(1000.0, 0.0))
    dem = make_dem(saddle)
    segs = find_segments(
        saddle_net,
        SegmentRequest("climb", (0.15, 0.30), near=near, within_m=500.0),
        PROFILE,
        dem=dem,
    )
    (seg,) = segs
    x, _y = xy(seg)
    assert x[0] == pytest.approx(360.0, abs=0.01) and x[-1] == pytest.approx(1000.0, abs=0.01)
    assert seg.length_m == pytest.approx(640.0, abs=0.01)
    assert seg.rise_m == pytest.approx(174.08, abs=0.1)
    assert seg.mean_grade == seg.rise_m / seg.length_m
    assert seg.mean_grade == pytest.approx(0.272, abs=2e-4)
    # Checked on the DEM itself, not only at nodes: in the window.
    assert seg.dem_check is not None and 0.15 <= seg.dem_check.mean_grade <= 0.30
    assert seg.dem_check.rise_m == pytest.approx(174.08, abs=0.02)
    # Local grade (over 100 m) is in 15-30 % from x = 375 to 750: about 59 % of it.
    assert seg.fit == pytest.approx(375.0 / 640.0, abs=0.04)


def test_reported_segments_lie_in_the_window_on_the_dem(saddle_net):
    dem = make_dem(saddle)
    for kind in ("climb", "descent"):
        for window in ((0.08, 0.2), (0.15, 0.3), (0.2, 0.5)):
            segs = find_segments(saddle_net, SegmentRequest(kind, window, 20.0), PROFILE, dem=dem)
            assert segs
            for seg in segs:
                check = S.check_segment(seg, dem)
                assert window[0] <= check.mean_grade <= window[1]
                assert window[0] <= seg.mean_grade <= window[1]
                assert (check.rise_m > 0) == (kind == "climb")


# --------------------------------------------------------------------------- breaks


def test_climb_flattens_briefly_and_climbs_again_is_one_climb():
    terrain = along_x([0, 500, 600, 1100], [0, 100, 100, 200])
    net = make_network({1: (0.0, 0.0), 2: (1100.0, 0.0)}, [([1, 2], {"highway": "path"})], terrain)
    (seg,) = climbs_of(net)
    assert seg.rise_m == pytest.approx(200.0, abs=1e-3)
    assert seg.length_m == pytest.approx(1100.0, abs=0.01)
    assert seg.mean_grade == seg.rise_m / seg.length_m
    assert seg.mean_grade == pytest.approx(200.0 / 1100.0, abs=1e-5)
    assert seg.max_grade == pytest.approx(0.2, abs=1e-3)


def test_a_long_flat_splits_the_climb_in_two():
    terrain = along_x([0, 500, 900, 1400], [0, 100, 100, 200])
    net = make_network({1: (0.0, 0.0), 2: (1400.0, 0.0)}, [([1, 2], {"highway": "path"})], terrain)
    first, second = sorted(climbs_of(net), key=lambda s: xy(s)[0][0])
    for seg in (first, second):
        assert seg.rise_m == pytest.approx(100.0, abs=1.0)
        assert seg.mean_grade == seg.rise_m / seg.length_m
    assert xy(first)[0][0] == pytest.approx(0.0, abs=1e-6)
    assert 480.0 <= xy(first)[0][-1] <= 540.0  # the smoothed corner at x = 500
    assert 860.0 <= xy(second)[0][0] <= 920.0  # the smoothed corner at x = 900
    assert xy(second)[0][-1] == pytest.approx(1400.0, abs=1e-6)


def test_a_small_dip_is_allowed_a_big_one_is_not():
    small = along_x([0, 500, 550, 600, 1100], [0, 100, 95, 100, 200])
    net = make_network({1: (0.0, 0.0), 2: (1100.0, 0.0)}, [([1, 2], {"highway": "path"})], small)
    (seg,) = climbs_of(net)
    assert seg.rise_m == pytest.approx(200.0, abs=1e-3)


def test_a_big_dip_ends_the_climb():
    """A 30 m dip: up 100, down 30, up 130, all at 20 %.

    The climbs are the two rising stretches and the dip read backwards (30 m up).
    Smoothing rounds each sharp corner by a few metres (the dip bottom is between
    two samples), hence the tolerances.
    """
    big = along_x([0, 500, 650, 800, 1300], [0, 100, 70, 100, 200])
    net = make_network({1: (0.0, 0.0), 2: (1300.0, 0.0)}, [([1, 2], {"highway": "path"})], big)
    dip, first, second = sorted(climbs_of(net), key=lambda s: s.rise_m)
    assert 22.0 <= dip.rise_m <= 30.0
    assert first.rise_m == pytest.approx(100.0, abs=3.5)
    assert second.rise_m == pytest.approx(130.0, abs=7.0)
    assert xy(first)[0][0] == pytest.approx(0.0, abs=1e-6)
    assert xy(second)[0][-1] == pytest.approx(1300.0, abs=1e-6)
    assert xy(dip)[0][0] == pytest.approx(650.0, abs=20.0)  # read from the bottom of the dip
    assert xy(dip)[0][-1] == pytest.approx(500.0, abs=20.0)


def test_a_too_difficult_stretch_splits_a_climb():
    nodes = {1: (0.0, 0.0), 2: (400.0, 0.0), 3: (600.0, 0.0), 4: (1000.0, 0.0)}
    ways = [
        ([1, 2], {"highway": "path", "name": "Lower", "sac_scale": "hiking"}),
        ([2, 3], {"highway": "path", "name": "Step", "sac_scale": "demanding_alpine_hiking"}),
        ([3, 4], {"highway": "path", "name": "Upper", "sac_scale": "hiking"}),
    ]
    net = make_network(nodes, ways, ramp)
    req = SegmentRequest("climb", (0.15, 0.3), min_gain_m=50.0)
    (whole,) = find_segments(net, req, RunnerProfile(360.0, max_difficulty=6))
    assert whole.rise_m == pytest.approx(200.0, abs=1e-3) and whole.hardest_sac == 5
    assert whole.names == ("Lower", "Step", "Upper")
    parts = find_segments(net, req, RunnerProfile(360.0, max_difficulty=3))
    assert sorted(p.names for p in parts) == [("Lower",), ("Upper",)]
    for p in parts:
        assert p.rise_m == pytest.approx(80.0, abs=1e-3) and p.hardest_sac == 1


def test_trails_only_leaves_out_roads(ramp_net):
    road = make_network(
        {1: (0.0, 0.0), 2: (400.0, 0.0), 3: (1000.0, 0.0)},
        [
            ([1, 2], {"highway": "residential", "name": "Road"}),
            ([2, 3], {"highway": "path", "name": "Path"}),
        ],
        ramp,
    )
    (seg,) = find_segments(road, SegmentRequest("climb", (0.15, 0.3)), PROFILE)
    assert seg.trail_share == pytest.approx(0.6, abs=1e-6)
    (seg,) = find_segments(road, SegmentRequest("climb", (0.15, 0.3), min_trail_share=0.5), PROFILE)
    assert seg.names == ("Road", "Path")
    with pytest.raises(InputError, match=r"accept roads \(it is 60% on trails\)"):
        find_segments(road, SegmentRequest("climb", (0.15, 0.3), min_trail_share=0.8), PROFILE)


# --------------------------------------------------------------------------- ids, output


def test_segment_ids_round_trip(saddle_net):
    for seg in find_segments(saddle_net, SegmentRequest("descent", (0.1, 0.5)), PROFILE):
        again = S.segment_by_id(saddle_net, seg.id, PROFILE)
        assert again.kind == seg.kind and again.steps == seg.steps
        assert again.rise_m == seg.rise_m and again.duration_s == seg.duration_s


@pytest.mark.parametrize(
    ("sid", "match"),
    [
        ("x1:2-3", "invalid segment id"),
        ("c1:2", "invalid segment id"),
        ("c" + "9" * 5000 + ":0-5", "invalid segment id"),  # not int()'s digit limit
        ("c99:0-5", "no chain 99"),
        ("c0:0-5000", "has points"),
        ("c0:3-3", "has points"),
    ],
)
def test_bad_segment_ids(saddle_net, sid, match):
    with pytest.raises(InputError, match=match):
        S.segment_by_id(saddle_net, sid, PROFILE)


def test_segment_id_of_the_wrong_kind(ramp_net):
    (seg,) = find_segments(ramp_net, SegmentRequest("climb", (0.1, 0.3)), PROFILE)
    flipped = "d" + seg.id[1:]
    with pytest.raises(InputError, match="is not a descent"):
        S.segment_by_id(ramp_net, flipped, PROFILE)


def test_geojson_features_carry_kind_and_stats(cone_net):
    climbs = find_segments(cone_net, SegmentRequest("climb", (0.2, 0.3)), PROFILE)
    descents = find_segments(cone_net, SegmentRequest("descent", (0.2, 0.3)), PROFILE)
    doc = json.loads(json.dumps(segments_geojson([*climbs, *descents])))
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 4
    assert len(doc["bbox"]) == 6
    for feat, seg in zip(doc["features"], [*climbs, *descents], strict=True):
        props = feat["properties"]
        assert props["kind"] == seg.kind and props["id"] == seg.id
        for key in ("length_m", "mean_grade", "max_grade", "duration_s"):
            assert key in props
        if seg.kind == "climb":
            assert props["gain_m"] == pytest.approx(250.0, abs=0.1) and "loss_m" not in props
        else:
            assert props["loss_m"] == pytest.approx(250.0, abs=0.1) and "gain_m" not in props
        coords = feat["geometry"]["coordinates"]
        assert feat["geometry"]["type"] == "LineString" and len(coords[0]) == 3
        assert coords[0][0] == pytest.approx(float(seg.lon[0]), abs=1e-6)  # [lon, lat, ele]
        assert coords[0][2] == pytest.approx(float(seg.ele[0]), abs=0.05)
    route = S.segment_route(cone_net, climbs[0], PROFILE)
    assert route.kind == "climb"
    assert route.stats.ascent_m == pytest.approx(250.0, abs=0.1)
    assert route.stats.duration_s == pytest.approx(climbs[0].duration_s, rel=1e-9)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"grade": (0.3, 0.15)}, "lower bound must be below"),
        ({"grade": (0.2, 0.2)}, "lower bound must be below"),
        ({"grade": (0.1, 1.2)}, "between 0% and 100%"),
        ({"kind": "traverse"}, "unknown segment kind"),
        ({"min_gain_m": -5.0}, "minimum gain"),
        ({"duration_s": (0.0, 0.0)}, "0 minutes is empty"),
        ({"duration_s": (600.0, 300.0)}, "lower bound must be below"),
        ({"within_m": 0.0}, "search radius"),
        ({"limit": 0}, "invalid limit"),
    ],
)
def test_bad_requests(kwargs, match):
    with pytest.raises(InputError, match=match):
        SegmentRequest(**kwargs)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("0", "0 minutes is empty"),
        ("0-0", "0 minutes is empty"),
        ("10-5", "lower bound must be below"),
        ("5-5", "lower bound must be below"),
        ("five", "expected e.g."),
        ("", "expected e.g."),
    ],
)
def test_bad_minutes_windows(text, match):
    with pytest.raises(InputError, match=match):
        S.parse_minutes_window(text)


def test_minutes_windows():
    assert S.parse_minutes_window("5-10") == (300.0, 600.0)
    assert S.parse_minutes_window("2.5 to 4 min") == (150.0, 240.0)
    assert S.parse_minutes_window("0-3") == (0.0, 180.0)


@pytest.mark.parametrize(
    ("text", "match"),
    [("30-15%", "lower bound"), ("20-20%", "lower bound"), ("20-120%", "100%"), ("10-70deg", "60")],
)
def test_bad_grade_windows(text, match):
    with pytest.raises(InputError, match=match):
        parse_grade_window(text)


def test_scan_settings_are_validated():
    with pytest.raises(InputError, match="dip_m"):
        S.ScanSettings(dip_m=0.0)


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def cli_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """``--osm``/``--dem`` options for the cone, run in an empty folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROUTEPLANNER_DATA_DIR", raising=False)
    ang = np.linspace(0.0, 2 * np.pi, 12, endpoint=False)
    nodes = {10 + i: (600.0 * np.cos(a), 600.0 * np.sin(a)) for i, a in enumerate(ang)}
    nodes.update({1: (-1000.0, 0.0), 2: (0.0, 0.0), 3: (1000.0, 0.0)})
    ways = [
        ([1, 16, 2], {"highway": "path", "name": "West ridge"}),
        ([2, 10, 3], {"highway": "path", "name": "East ridge"}),
        ([*range(10, 22), 10], {"highway": "track", "name": "Contour"}),
    ]
    dem = make_dem(cone, extent_m=2000.0, cell_m=10.0)
    osm = write_osm_xml(tmp_path / "cone.osm", nodes, ways, digits=8)
    tif = write_geotiff(tmp_path / "cone.tif", dem.elevation, dem.transform)
    logger = logging.getLogger("routeplanner")
    level = logger.level
    yield ["--osm", str(osm), "--dem", str(tif), "--no-cache"]
    logger.setLevel(level)


def run_cli(args: list[str]) -> int:
    import routeplanner.cli.climbs  # noqa: F401  (registers the commands)
    from routeplanner.cli import main

    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def _near(x: float, y: float) -> str:
    lon, lat = to_lonlat(x, y)
    return f"{float(lat):.6f},{float(lon):.6f}"


def test_cli_climbs_json_and_files(cli_files, tmp_path, capsys):
    code = run_cli(
        [
            "climbs",
            *cli_files,
            "--near",
            _near(-900.0, 0.0),
            "--grade",
            "20-30%",
            "--min-gain",
            "100m",
            "--geojson",
            "c.geojson",
            "--gpx",
            "c.gpx",
            "--json",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    names = [s["ways"] for s in data["segments"]]
    assert names == [["West ridge"], ["East ridge"]]  # nearest first
    first = data["segments"][0]
    assert first["kind"] == "climb" and first["gain_m"] == pytest.approx(250.0, abs=0.1)
    assert first["mean_grade"] == pytest.approx(0.25, abs=1e-4)
    assert first["dem_mean_grade"] == pytest.approx(0.25, abs=1e-4)
    assert data["query"]["grade"] == [0.2, 0.3]
    doc = json.loads((tmp_path / "c.geojson").read_text())
    assert [f["properties"]["kind"] for f in doc["features"]] == ["climb", "climb"]
    assert "<trk>" in (tmp_path / "c.gpx").read_text()


def test_cli_descents_text(cli_files, capsys):
    code = run_cli(["descents", *cli_files, "--near", _near(0.0, 0.0), "--minutes", "1-60"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Descents of 8-50%" in out and "East ridge" in out and "-250 m" in out


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--grade", "30-15%"], "lower bound must be below upper bound"),
        (["--grade", "20-20%"], "lower bound must be below upper bound"),
        (["--grade", "20-150%"], "grades above 100%"),
        (["--grade", "20-70deg"], "slopes above 60°"),
        (["--minutes", "0"], "0 minutes is empty"),
        (["--minutes", "10-5"], "lower bound must be below upper bound"),
        (["--min-gain", "lots"], "invalid minimum gain"),
        (["--grade", "40-60%"], "nearest: "),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(cli_files, capsys, args, match):
    code = run_cli(["climbs", *cli_files, "--near", _near(0.0, 0.0), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1
    assert match in err


def test_cli_nothing_found_suggests_how_to_widen(cli_files, capsys):
    code = run_cli(["climbs", *cli_files, "--near", _near(0.0, 0.0), "--min-gain", "400m"])
    err = capsys.readouterr().err
    assert code == 2
    assert "nearest: c" in err and "+250 m" in err
    assert re.search("lower the minimum gain to 2[45]0 m", err)


# --------------------------------------------------------------------------- Andorra


VILLAGES = {
    "La Massana": (1.5148, 42.5450),
    "Ordino": (1.5331, 42.5560),
    "Soldeu": (1.6675, 42.5765),
    "Encamp": (1.5800, 42.5347),
}


@pytest.fixture(scope="module")
def andorra_dem(andorra_network, andorra_dir):
    from routeplanner.sources.dem import open_dem

    return open_dem([andorra_dir / "N42E001.hgt.zip"], bbox=andorra_network.bbox)


@pytest.mark.slow
def test_andorra_scan_covers_every_edge_once(andorra_network):
    scan = S.scan_segments(andorra_network)
    counts = np.bincount(scan.iv_edge, minlength=andorra_network.n_edges)
    expected = np.diff(andorra_network.prof_offsets) - 1
    assert np.array_equal(counts, expected)
    assert scan.n_climbs > 500
    z = scan.ele
    assert np.all(z[scan.hi] - z[scan.lo] >= scan.settings.min_rise_m)


@pytest.mark.slow
@pytest.mark.parametrize("village", list(VILLAGES))
def test_andorra_climbs_near_villages_are_real(andorra_network, andorra_dem, village):
    req = SegmentRequest(
        "climb", (0.15, 0.30), 80.0, near=VILLAGES[village], within_m=5000.0, limit=5
    )
    profile = RunnerProfile(360.0, max_difficulty=3)
    segs = find_segments(andorra_network, req, profile, dem=andorra_dem)
    assert segs
    dist = [round(s.distance_m or 0.0, -1) for s in segs]
    assert dist == sorted(dist)  # nearest first
    # a wider search never drops what a narrower one finds (issue 30)
    narrow = find_segments(
        andorra_network, replace(req, within_m=2000.0), profile, raise_if_none=False
    )
    wide = [s.id for s in find_segments(andorra_network, req, profile)]
    assert [s.id for s in narrow][: len(wide)] == wide[: len(narrow)]
    for seg in segs:
        assert seg.distance_m is not None and seg.distance_m <= 5000.0
        assert seg.rise_m >= 80.0 and seg.hardest_sac <= 3
        assert seg.mean_grade == seg.rise_m / seg.length_m
        assert 0.15 <= seg.mean_grade <= 0.30
        check = S.check_segment(seg, andorra_dem)
        assert 0.15 <= check.mean_grade <= 0.30 and check.rise_m > 0
        # The geometry climbs: its end is well above its start on the DEM too.
        assert check.rise_m == pytest.approx(seg.rise_m, abs=max(10.0, 0.1 * seg.rise_m))


@pytest.mark.slow
def test_andorra_descents_in_a_minutes_window(andorra_network, andorra_dem):
    req = SegmentRequest(
        "descent", (0.08, 0.25), 50.0, duration_s=(300.0, 600.0), near=VILLAGES["Ordino"]
    )
    segs = find_segments(andorra_network, req, RunnerProfile(360.0), dem=andorra_dem)
    assert segs
    for seg in segs:
        assert 300.0 <= seg.duration_s <= 600.0
        assert seg.ele[0] > seg.ele[-1]
        route = S.segment_route(andorra_network, seg, RunnerProfile(360.0))
        assert route.stats.duration_s == pytest.approx(seg.duration_s, rel=1e-6)
        assert route.stats.descent_m >= seg.loss_m - 1e-6


def _ids(segs):
    return [(s.id, round(s.duration_s, 6), s.distance_m) for s in segs]


#: A line over the cone's summit: one climb up each side.
LINE = ({1: (-1000.0, 0.0), 2: (0.0, 0.0), 3: (1000.0, 0.0)}, [([1, 2, 3], {"highway": "path"})])


def _fresh_and_counted(asks, monkeypatch):
    """What each request finds on a network of its own; a shared network; its fits, counted."""
    fresh = [
        _ids(find_segments(make_network(*LINE, cone), r, PROFILE, raise_if_none=False))
        for r in asks
    ]
    net = make_network(*LINE, cone)
    calls: list[int] = []
    real = S._fit_climb
    monkeypatch.setattr(S, "_fit_climb", lambda *a: calls.append(a[1]) or real(*a))
    return fresh, net, calls


def test_climbs_fitted_once_serve_every_reach_from_one_start(monkeypatch):
    """A second reach from the same start fits no climb again and finds the same segments."""
    near = tuple(float(v) for v in to_lonlat(-1000.0, 0.0))
    asks = [SegmentRequest("climb", (0.05, 0.40), near=near, within_m=w) for w in (800.0, 3000.0)]
    fresh, net, calls = _fresh_and_counted(asks, monkeypatch)
    wide = _ids(find_segments(net, asks[1], PROFILE, raise_if_none=False))
    n_wide = len(calls)
    narrow = _ids(find_segments(net, asks[0], PROFILE, raise_if_none=False))
    assert [narrow, wide] == fresh
    assert len(wide) == 2 and len(narrow) == 1  # the far climb is out of the narrow reach
    assert n_wide == 2 and len(calls) == n_wide  # nothing fitted again
    other = replace(asks[0], grade=(0.05, 0.30))  # another request is fitted anew
    find_segments(net, other, PROFILE, raise_if_none=False)
    assert len(calls) > n_wide


def test_climbs_fitted_for_one_start_serve_another_with_its_own_distances(monkeypatch):
    """A second start fits no climb again; its segments and distances are those it finds alone."""
    starts = [tuple(float(v) for v in to_lonlat(x, 0.0)) for x in (-1000.0, 1000.0, 200.0)]
    asks = [SegmentRequest("climb", (0.05, 0.40), near=p, within_m=3000.0) for p in starts]
    fresh, net, calls = _fresh_and_counted(asks, monkeypatch)
    shared = [_ids(find_segments(net, r, PROFILE, raise_if_none=False)) for r in asks]
    assert shared == fresh
    # both climbs up the cone, nearest first, a kilometre from the first two starts
    assert [[d for _, _, d in segs] for segs in shared[:2]] == [
        pytest.approx([0.0, 1000.0], abs=1.0),
        pytest.approx([0.0, 1000.0], abs=1.0),
    ]
    assert shared[0][0][0] != shared[1][0][0]
    assert sorted(calls) == [0, 1]  # each climb fitted once, for the first start
