"""The loop benchmark script: its baseline and feasibility rule on hand-built networks,
and its table on Andorra (structure only, never timings)."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from synth import make_network, ring_with_spurs, to_lonlat

from routeplanner._geo import EARTH_RADIUS_M
from routeplanner.errors import NoRouteError
from routeplanner.pace import RunnerProfile

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_loops", REPO / "scripts" / "bench_loops.py")
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_loops"] = bench  # dataclasses look their module up here
_spec.loader.exec_module(bench)

PROFILE = RunnerProfile(360.0)  # 0.36 s per flat metre
RING_M = 12 * 2 * 1000 * np.sin(np.pi / 12)  # ring_with_spurs: 12-gon of radius 1 km


def _start(x: float, y: float) -> tuple[float, float]:
    lon, lat = to_lonlat(x, y)
    return float(lon), float(lat)


def test_project_coordinate_north_and_east():
    lon, lat = bench.project_coordinate(1.5, 42.5, 1000.0, 0.0)
    assert lon == pytest.approx(1.5, abs=1e-12)
    assert lat == pytest.approx(42.5 + np.degrees(1000.0 / EARTH_RADIUS_M), abs=1e-9)
    lon, lat = bench.project_coordinate(1.5, 42.5, 1000.0, 90.0)
    east = np.degrees(1000.0 / EARTH_RADIUS_M) / np.cos(np.radians(42.5))
    assert lon == pytest.approx(1.5 + east, rel=1e-6)
    assert lat == pytest.approx(42.5, abs=1e-5)  # great circle bends slightly south


def test_percentile_ranks_missing_results_worst():
    assert bench.percentile([0.1, 0.2, math.inf], 50) == pytest.approx(0.2)
    assert bench.percentile([0.1, 0.2, math.inf], 90) == math.inf
    assert bench.percentile([0.0, 1.0], 90) == pytest.approx(0.9)
    assert math.isnan(bench.percentile([], 50))


class TestFeasibility:
    """The longest out-and-back on a single flat 1 km path, worked out by hand."""

    net = make_network({1: (0.0, 0.0), 2: (1000.0, 0.0)}, [([1, 2], {"highway": "path"})])

    def test_from_the_end_it_is_the_whole_path_twice(self):
        reach = bench.max_out_and_back_s(self.net, _start(0, 0), PROFILE)
        assert reach == pytest.approx(2000 * 0.36, rel=0.005)

    def test_from_mid_edge_it_is_the_longer_side_twice(self):
        reach = bench.max_out_and_back_s(self.net, _start(300, 0), PROFILE)
        assert reach == pytest.approx(2 * 700 * 0.36, rel=0.005)


class TestBaseline:
    def test_ring_waypoint_gives_the_whole_ring_without_reuse(self):
        # The target distance (2400 m) puts the one waypoint 800 m ±10 % away, so
        # it always snaps onto the ring or a spur; its base node is node 1 (the
        # start: nothing to route) or node 7, across the ring, and then the ×5
        # penalty sends the way back along the other half.
        net = ring_with_spurs()
        rings = 0
        for seed in range(12):
            try:
                route = bench.baseline_round_trip(
                    net, _start(1000, 0), PROFILE, 2400 * 0.36, seed=seed
                )
            except NoRouteError:
                continue
            rings += 1
            assert route.lon[0] == pytest.approx(route.lon[-1], abs=1e-9)
            assert route.lat[0] == pytest.approx(route.lat[-1], abs=1e-9)
            assert route.stats.distance_m == pytest.approx(RING_M, rel=0.01)
            assert route.stats.overlap_share < 1e-6
            assert not route.warnings
        assert rings > 0

    def test_seed_determinism(self):
        net = ring_with_spurs()
        a = bench.baseline_round_trip(net, _start(0, 1000), PROFILE, 3000 * 0.36, seed=(1, 2))
        b = bench.baseline_round_trip(net, _start(0, 1000), PROFILE, 3000 * 0.36, seed=(1, 2))
        assert a.steps == b.steps


@pytest.mark.slow
def test_main_prints_both_methods_on_andorra(andorra_network, shared_data_dir, capsys):
    args = [
        "--data-dir",
        str(shared_data_dir),
        "--starts",
        "ordino,encamp",
        "--durations",
        "30,60",
        "--seed",
        "3",
    ]
    assert bench.main([*args, "--json"], net=andorra_network) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["config"]["queries"] == 4
    assert doc["config"]["starts"] == ["ordino", "encamp"]
    assert set(doc["summary"]) == {"routeplanner", "baseline"}
    for s in doc["summary"].values():
        assert s["n"] == 4
        assert 0 <= s["successes_feasible"] <= s["feasible"] <= 4
        assert 0 <= s["successes"] <= s["routes"] <= 4
        for key in ("err_median", "overlap_median", "trail_median", "latency_median_s"):
            assert key in s
    assert [r["metric"] for r in doc["comparison"]] == [
        "success_rate",
        "success_rate_feasible",
        "meets_rate",
        "err_median",
        "err_p90",
        "overlap_median",
        "overlap_p90",
        "trail_median",
        "main_road_median",
        "main_road_p90",
        "latency_median_s",
        "latency_p90_s",
    ]
    assert len(doc["queries"]) == 8
    assert sorted({q["method"] for q in doc["queries"]}) == ["baseline", "routeplanner"]
    for q in doc["queries"]:
        assert q["has_route"] == (q["failure"] is None)
        if q["has_route"]:
            err = q["route_duration_s"] / q["duration_s"] - 1
            assert q["error"] == pytest.approx(err, abs=1e-5)
            assert q["success"] == (abs(err) <= 0.05)

    assert bench.main([*args, "--details"], net=andorra_network) == 0
    text = capsys.readouterr().out
    header = next(line for line in text.splitlines() if line.startswith("metric"))
    cols = ["metric", "routeplanner", "baseline", "ratio", "better", "target", "met"]
    assert header.split() == cols
    for label in ("meets the brief", "median |duration error|", "p90 geometric overlap"):
        assert label in text
    assert "2 starts x 2 durations" in text
    assert sum(line.startswith(("ordino ", "encamp ")) for line in text.splitlines()) == 4


def test_bad_start_is_a_one_line_error(capsys):
    assert bench.main(["--starts", "atlantis"], net=None) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown start 'atlantis'")
    assert err.count("\n") == 1
