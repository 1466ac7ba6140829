"""The planner's benchmark runs in its quick mode and reports every figure (none asserted)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_serve", REPO / "scripts" / "bench_serve.py")
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_serve"] = bench
_spec.loader.exec_module(bench)


@pytest.mark.slow
def test_quick_mode_measures_latency_and_a_bounded_load(shared_data_dir, capsys):
    args = ["--quick", "--data-dir", str(shared_data_dir), "--load-clients", "2", "--workers", "1"]
    assert bench.main(args) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("routeplanner serve on andorra-2025")
    data = json.loads(out[-1])
    assert data["latency"]["queries"] == len(bench.STARTS) >= 12
    assert data["latency"]["errors"] == 0 and data["load"]["errors"] == 0
    assert data["load"]["requests"] > 0 and data["exit_code"] == 0
    for key in ("floor_ms", "p50_x", "p95_x"):
        assert data[key] > 0
