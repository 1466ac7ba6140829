"""The pace benchmark: baselines on a synthetic runner, and the report on real tracks."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from synth import synthetic_recording

from routeplanner import calibration as cal
from routeplanner.pace import RunnerProfile
from routeplanner.sources.tracks import Track

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_pace", REPO / "scripts" / "bench_pace.py")
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_pace"] = bench
_spec.loader.exec_module(bench)


def test_every_method_predicts_a_runner_who_runs_like_the_model():
    # A plain Minetti runner: the profile and the default model predict the second
    # half within 3 %; all four methods give a finite error.
    runner = RunnerProfile(330.0)
    line = cal.prepare(Track("s", *synthetic_recording(runner, seed=3, stops=0)))
    first, second = line.split(0.5)
    errors = bench.predict_all([first], second, start_elapsed_s=first.moving_s)
    assert set(errors) == set(bench.METHODS)
    assert abs(errors["profile"]) < 0.03
    assert abs(errors["default_model"]) < 0.03


@pytest.mark.slow
def test_report_on_the_real_tracks(shared_data_dir: Path):
    result = bench.run(shared_data_dir)
    assert len([r for r in result["rows"] if r["protocol"] == "half"]) == 19
    assert len([r for r in result["rows"] if r["protocol"] == "loo"]) == 13
    medians = result["median_abs_error_pct"]
    # The figures the README reports: the profile within 7 % on the median.
    assert medians["half"]["profile"] <= 7.0
    assert medians["loo"]["profile"] <= 7.0
    assert medians["all"]["profile"] < medians["all"]["avg_pace"]
    assert medians["all"]["profile"] < medians["all"]["naismith"]
