"""The CLI benchmark: its summary on known samples, one process's measure, and its quick mode."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_cli", REPO / "scripts" / "bench_cli.py")
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_cli"] = bench
_spec.loader.exec_module(bench)

SAMPLES = {
    "before": {
        "baseline": [(0.03, 16.0), (0.05, 16.0), (0.04, 17.0)],
        "help": [(0.14, 22.0), (0.15, 22.0), (0.13, 23.0)],
        "loop-json": [(2.0, 190.0), (1.5, 185.0), (2.5, 200.0)],
        "loop-out": [(3.1, 280.0), (3.0, 280.0), (3.2, 290.0)],
    },
    "after": {
        "baseline": [(0.03, 16.0)] * 3,
        "help": [(0.08, 17.0)] * 3,
        "loop-json": [(0.7, 110.0), (0.9, 112.0), (0.6, 111.0)],
        "loop-out": [(1.0, 170.0), (1.6, 170.0), (1.1, 170.0)],
    },
}


def test_summary_medians_ratios_and_targets():
    res = bench.summarize(SAMPLES)
    before, after = res["before"], res["after"]
    assert before["baseline"] == {"median_s": 0.04, "rss_mb": 16.0, "n": 3}
    assert before["help_x"] == pytest.approx(3.5)
    assert before["out_extra_s"] == pytest.approx(1.1)
    assert before["targets"] == {"help": False, "loop-json": False, "loop-out": False}
    assert after["loop-json"]["median_s"] == 0.7 and after["loop-json"]["rss_mb"] == 111.0
    # Paired by round (0.3, 0.7, 0.5), not the difference of the medians (1.1 - 0.7).
    assert after["out_extra_s"] == pytest.approx(0.5)
    assert after["targets"] == {"help": True, "loop-json": True, "loop-out": False}
    doc = {"repeat": 3, "bytecode": "compile", "load_before": 1.0, "load_after": 1.2, "cpus": 2}
    table = bench.format_table({**doc, "results": res})
    assert "load average 1.0 -> 1.2" in table
    assert "after: help met, loop-json met, loop-out MISSED" in table


def test_one_process_gives_its_own_time_and_peak_memory(tmp_path: Path):
    env = dict(os.environ)
    grow = "b = bytearray(80 * 2**20); b[::4096] = b'x' * len(b[::4096])"
    wall, rss = bench.run_once([sys.executable, "-c", grow], env=env, cwd=tmp_path)
    small_wall, small = bench.run_once([sys.executable, "-c", "pass"], env=env, cwd=tmp_path)
    assert wall > 0 and small_wall > 0
    assert rss > 80  # the 80 MB it touched
    assert small < rss - 40  # its own peak, not the largest of the children so far
    ballast = bytearray(300 * 2**20)  # a large benchmarking process (bench_speed.py calls it)
    ballast[:: 2**12] = b"x" * len(ballast[:: 2**12])
    _, small_again = bench.run_once([sys.executable, "-c", "pass"], env=env, cwd=tmp_path)
    assert small_again < 100  # not this process's 300 MB
    del ballast
    _, missed = bench.run_once([sys.executable, "-c", "raise SystemExit(3)"], env=env, cwd=tmp_path)
    assert missed > 0  # exit 3 (plan written, brief missed) is a result
    with pytest.raises(RuntimeError, match="exited 1"):
        bench.run_once([sys.executable, "-c", "raise SystemExit(1)"], env=env, cwd=tmp_path)


@pytest.mark.slow
def test_quick_mode_runs_the_real_commands(shared_data_dir: Path, tmp_path: Path, capsys):
    args = ["--quick", "--data-dir", str(shared_data_dir), "--cache-dir", str(tmp_path)]
    assert bench.main(args) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("CLI cost, warm cache")
    doc = json.loads(out[-1])
    after = doc["results"]["after"]
    assert set(after) >= {"baseline", "help", "loop-json", "help_x", "targets"}
    assert after["loop-json"]["n"] == 2 and after["loop-json"]["rss_mb"] > 50
    assert list(tmp_path.glob("after/network-andorra-*.npz"))  # the cache it warmed
