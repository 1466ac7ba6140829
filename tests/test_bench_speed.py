"""The speed benchmark runs in its quick mode and reports every column (no timings asserted)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_speed", REPO / "scripts" / "bench_speed.py")
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_speed"] = bench
_spec.loader.exec_module(bench)


def test_summary_ratios_on_known_rows():
    rows = [
        {"bare_s": 0.002, "cold_s": 0.1, "plan_s": 0.05, "calls": 30},
        {"bare_s": 0.002, "cold_s": 0.3, "plan_s": 0.15, "calls": 40},
    ]
    s = bench.summarize(rows)
    assert s["cold_median_x"] == pytest.approx(100.0)
    assert s["plan_median_ms"] == pytest.approx(100.0)
    assert s["cold_calls_median"] == 35.0
    assert s["before_n"] == 0


@pytest.mark.slow
def test_quick_mode_runs_on_the_2025_extract(andorra2025_network, capsys, tmp_path):
    sections = "loop,reach,build,cli"
    args = ["--quick", "--no-before", "--sections", sections, "--synth-dir", str(tmp_path)]
    assert bench.main(args, net=andorra2025_network) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("Network build benchmark")
    assert any(line.startswith("Loop query speed on") for line in out)
    assert any(line.startswith("Cost follows reach") for line in out)
    assert any(line.startswith("Targets (issue 18)") for line in out)
    doc = json.loads(out[-1])
    loop = doc["loop"]
    assert loop["n_nodes"] == andorra2025_network.n_nodes
    assert loop["cold_n"] == 4 and loop["plan_n"] == 4 and loop["before_n"] == 0
    for key in ("cold_median_x", "cold_p90_x", "cold_calls_median", "bare_median_ms"):
        assert loop[key] > 0
    scales = doc["reach"]["scales"]
    assert [s["scale"] for s in scales] == [1, 2]
    # Two tiles hold twice the first tile's network.
    assert scales[1]["nodes"] == 2 * scales[0]["nodes"]
    assert all(s["median_ms"] > 0 and s["extra_mb"] >= 0 for s in scales)
    build = doc["build"]
    assert build["andorra"]["2025"]["cold"]["nodes"] == andorra2025_network.n_nodes
    assert [s["scale"] for s in build["synthetic"]] == [1, 2]
    assert any(line.startswith("cached network load, 2025") for line in out)
    cli = doc["cli"]["results"]["after"]
    assert cli["help_x"] > 0 and cli["loop-json"]["median_s"] > 0
    assert any(line.startswith("loop --json, warm cache") for line in out)


def test_unknown_section_is_bad_input(capsys):
    assert bench.main(["--sections", "loop,warp"]) == 2
    assert "unknown --sections warp" in capsys.readouterr().out
