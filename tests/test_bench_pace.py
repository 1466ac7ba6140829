"""The pace benchmark: baselines on a synthetic runner, and the report on real tracks."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from synth import synthetic_recording

from routeplanner.pace import RunnerProfile
from routeplanner.pace import fitting as cal
from routeplanner.sources.tracks import Track

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_pace", REPO / "scripts" / "bench_pace.py")
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_pace"] = bench
_spec.loader.exec_module(bench)
steep = sys.modules["bench_steep"]  # loaded by bench_pace (a sibling script)


def test_every_method_predicts_a_runner_who_runs_like_the_model():
    # A plain Minetti runner: the profile and the default model predict the second
    # half within 3 %; all four methods give a finite error.
    runner = RunnerProfile(330.0)
    line = cal.prepare(Track("s", *synthetic_recording(runner, seed=3, stops=0)))
    first, second = line.split(0.5)
    errors = bench.predict_all([first], second, start_elapsed_s=first.moving_s)
    assert set(bench.METHODS) <= set(errors)
    assert abs(errors["profile"]) < 0.03
    assert abs(errors["default_model"]) < 0.03


def test_quick_report_has_every_part_the_issue_asks_for(shared_data_dir: Path, capsys):
    result = bench.run(shared_data_dir, quick=True)
    rows = result["rows"]
    assert [r["protocol"] for r in rows].count("half") == 6
    assert [r["protocol"] for r in rows].count("loo") == 3
    for r in rows:
        assert all(np.isfinite(r[m]) for m in bench.METHODS)
    for protocol in ("half", "loo", "all"):
        med = result["median_abs_error_pct"][protocol]
        assert set(med) == set(bench.METHODS + bench.EXTRA)
        assert isinstance(result["target_met"][protocol], bool)
        assert result["best_median"][protocol]
        for m in bench.BASELINES:
            c = result["versus_baseline"][protocol][m]
            assert c["lo"] <= c["hi"] and 0.0 <= c["p_lower"] <= 1.0
    assert all(len(result["worst"][p]) == 3 for p in ("half", "loo"))
    # Only the left-out walks have profiles fitted on three recordings or more.
    assert result["range_covered"]["half"]["with_range"] == 0
    assert result["range_covered"]["loo"]["with_range"] == 3
    assert bench.main(["--data-dir", str(shared_data_dir), "--quick", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"][0]["protocol"] == "half"


def test_compare_on_paired_errors_with_known_answers():
    # Baseline 1 point worse on every track, signs ignored: every bootstrap draw has
    # the profile's median 1 point lower, and 3 of 3 closer gives sign-test p = 0.25.
    c = bench.compare([1.0, -2.0, 3.0], [-2.0, 3.0, 4.0])
    assert (c["diff"], c["lo"], c["hi"], c["p_lower"]) == (-1.0, -1.0, -1.0, 1.0)
    assert (c["closer"], c["farther"], c["sign_p"]) == (3, 0, 0.25)
    # The same errors: nothing to tell apart, never lower, no paired evidence.
    same = bench.compare([1.0, 5.0, -2.0, 7.0], [1.0, -5.0, 2.0, 7.0])
    assert (same["diff"], same["lo"], same["hi"], same["p_lower"]) == (0.0, 0.0, 0.0, 0.0)
    assert (same["closer"], same["farther"], same["sign_p"]) == (0, 0, 1.0)
    # Mixed: an interval around the observed difference, reproducible (seeded).
    a, b = [1.0, 9.0, 2.0, 8.0, 3.0], [4.0, 5.0, 6.0, 1.0, 7.0]
    mixed = bench.compare(a, b)
    assert mixed["lo"] < mixed["diff"] == -2.0 < mixed["hi"]
    assert 0.0 < mixed["p_lower"] < 1.0 and (mixed["closer"], mixed["farther"]) == (3, 2)
    assert bench.compare(a, b) == mixed


@pytest.mark.slow
def test_report_on_the_real_tracks(shared_data_dir: Path):
    result = bench.run(shared_data_dir)
    assert len([r for r in result["rows"] if r["protocol"] == "half"]) == 19
    assert len([r for r in result["rows"] if r["protocol"] == "loo"]) == 13
    medians = result["median_abs_error_pct"]
    # The figures scripts/README.md reports (half 5.6 %, left-out walks 6.7 %).
    assert medians["half"]["profile"] <= 7.0
    assert medians["loo"]["profile"] <= 7.5
    assert medians["all"]["profile"] < medians["all"]["avg_pace"]
    assert medians["all"]["profile"] < medians["all"]["naismith"]
    # Corrections are kept only where they earn their place inside the fitting
    # data, so the profile is never clearly worse than the plain model.
    for protocol in ("half", "loo", "all"):
        assert medians[protocol]["profile"] <= medians[protocol]["default_model"] + 0.5


@pytest.mark.slow
def test_steep_protocols_report_every_method_and_the_curve_targets(shared_data_dir: Path):
    result = bench.run_steep(shared_data_dir, quick=True)
    assert set(result["variants"]) == {"gap60", "stops"}
    for res in result["variants"].values():
        protocols = [r["protocol"] for r in res["rows"]]
        assert protocols.count("steep_half") == 12 and protocols.count("steep_loo") == 1
        for r in res["rows"]:
            assert all(np.isfinite(r[m]) for m in steep.STEEP_METHODS)
        for protocol in ("steep_half", "steep_loo"):
            s = res["summary"][protocol]
            assert set(s["stats"]) >= set(steep.STEEP_METHODS)
            for m in steep.STEEP_BASELINES:
                for q in ("median", "p90"):
                    c = s["versus"][m][q]
                    assert c["lo"] <= c["hi"]
        # The curve fitted on all 12 meets its own targets under either preparation.
        assert res["curve"]["descents_slower_than_flat"] and res["curve"]["bands_within_0.1"]
    # Cutting rests logged without a gap shortens the hikes' measured moving time only.
    rows = {v: {r["track"]: r for r in res["rows"]} for v, res in result["variants"].items()}
    runs = [t for t in rows["stops"] if t.startswith("TrailrunningVienna")]
    hike = "georust_garmisch-gpsmap64s-hike.gpx"
    assert rows["stops"][hike]["moving_h"] < 0.9 * rows["gap60"][hike]["moving_h"]
    for t in runs:
        assert rows["stops"][t]["moving_h"] == pytest.approx(rows["gap60"][t]["moving_h"], rel=0.01)


def test_steep_prediction_of_a_runner_who_follows_the_curve_is_exact():
    runner = RunnerProfile(420.0)
    line = cal.prepare(Track("s", *synthetic_recording(runner, seed=4, stops=0)))
    first, second = line.split(0.5)
    errors = steep.steep_errors(first, second, None)
    assert abs(errors["mountain"]) < 0.03
    assert errors["minetti"] < errors["mountain"]  # Minetti runs the descents too fast
