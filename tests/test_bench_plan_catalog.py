"""The plan and catalogue benchmarks run in their quick modes (no timings asserted)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_bench_plan_quick(shared_data_dir, capsys):
    bench = _script("bench_plan")
    assert bench.main(["--quick", "--json", "--data-dir", str(shared_data_dir)]) == 0
    res = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert res["weeks"] == 1 and res["routed_sessions"] == 4
    assert 0 <= res["meet_brief"] <= 4 and len(res["misses"]) >= 4 - res["meet_brief"]
    assert res["plan_s"] > 0 and res["baseline_one_loop_s"] > 0
    assert res["home"] == "Ordino" and res["q_s"] > 0 and len(res["q_runs_s"]) == 2
    assert res["per_session_q"] == pytest.approx(res["per_session_s"] / res["q_s"], rel=0.05)


@pytest.mark.slow
def test_bench_catalog_quick(shared_data_dir, capsys):
    bench = _script("bench_catalog")
    assert bench.main(["--quick", "--json", "--data-dir", str(shared_data_dir)]) == 0
    res = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert res["one_worker"]["workers"] == 1 and res["two_workers"]["workers"] == 2
    assert res["identical_results"] is True
    assert res["one_worker"]["routes"] + res["one_worker"]["failures"] == 2 * 1 * 2
    assert res["projection_100x"]["trailheads"] == 100 * res["trailheads_in_region"]
    assert res["identical_after_resume"] is True
    remote = res["separate_cluster"]
    assert remote["workers"] == 2 and remote["routes"] == res["one_worker"]["routes"]
    for run in (res["one_worker"], res["two_workers"], remote):
        q = sum(run["q_beside_s"]) / 2  # measured just before and after it
        assert run["per_route_q"] == pytest.approx(run["per_route_s"] / q, rel=0.02)
