"""The network build benchmark: targets and report from known numbers, one real measured build."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "bench_network", REPO / "scripts" / "bench_network.py"
)
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_network"] = bench
_spec.loader.exec_module(bench)


def _run(label: str, median_s: float, peak_mb: float = 200.0) -> dict:
    return {
        "label": label,
        "runs": 1,
        "median_s": median_s,
        "min_s": median_s,
        "peak_mb": peak_mb,
        "workers_peak_mb": 0.0,
        "nodes": 10,
        "edges": 12,
        "trail_km": 3.0,
    }


def _results(speedup: float, t10: float, t100: float, mb100: float) -> dict:
    scale = [(1, 0.1, 150.0), (10, t10, 300.0), (100, t100, mb100)]
    return {
        "python": "3",
        "cpus": 2,
        "loadavg_start": [1.0, 1.0, 1.0],
        "loadavg_end": [1.5, 1.0, 1.0],
        "before_rev": "abc",
        "synth_dir": "/tmp/x",
        "andorra": {
            "2025": {
                "osm": "a.osm.pbf",
                "dem": "d.hgt.zip",
                "baseline": _run("osmnx", 50.0),
                "cold": _run("cold", 50.0 / speedup),
                "before": _run("before", 1.0),
                "cached": _run("cached", 0.05),
                "speedup": speedup,
                "before_over_after": 2.0,
            }
        },
        "synthetic": [
            {
                "scale": s,
                "rows": 1,
                "cols": s,
                "after": _run("after", t, mb),
                "before": _run("before", 2 * t, mb),
            }
            for s, t, mb in scale
        ],
    }


def test_targets_met_and_missed_on_known_numbers() -> None:
    res = _results(speedup=80.0, t10=1.0, t100=20.0, mb100=2000.0)
    t = bench.targets(res)
    assert {k: v["met"] for k, v in t.items()} == {
        "speedup_2025": True,
        "cached_s": True,
        "growth_10x": True,
        "seconds_100x": True,
        "peak_mb_100x": True,
    }
    assert t["growth_10x"]["value"] == pytest.approx(10.0)
    res = _results(speedup=30.0, t10=1.2, t100=70.0, mb100=3500.0)
    assert not any(v["met"] for k, v in bench.targets(res).items() if k != "cached_s")


def test_report_prints_targets_beside_the_numbers() -> None:
    res = _results(speedup=30.0, t10=1.0, t100=20.0, mb100=3500.0)
    res["targets"] = bench.targets(res)
    text = bench.report(res)
    assert "load average 1/5/15 min 1.0/1.0/1.0 at start" in text
    assert "speed-up, osmnx / routeplanner cold: 30.0x   (target >= 50x: MISSED)" in text
    assert "10x / 1x time: 10.00   (target <= 11: met)" in text
    assert "100x: 20.0 s, 3500 MB peak" in text and "< 3072 MB: MISSED" in text
    assert "before /1x" in text and "after /1x" in text


@pytest.mark.slow
def test_one_measured_build_in_this_process(andorra_dir: Path) -> None:
    spec = bench._ours(andorra_dir / "andorra.osm.pbf", andorra_dir / "N42E001.hgt.zip", "a", None)
    r = bench.run_one(spec)
    assert (r["nodes"], r["edges"]) == (2291, 2614)
    assert r["seconds"] > 0 and r["peak_mb"] > 0
    assert Path(r["package"]) == REPO / "routeplanner"
