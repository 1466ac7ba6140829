"""The default grade-speed curve fitted to steep recordings, and its fit."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from synth import make_dem, synthetic_recording, to_lonlat, write_geotiff, write_osm_xml

from routeplanner import pace
from routeplanner.pace import curve_fit as cf
from routeplanner.pace import fitting as cal
from routeplanner.sources.tracks import Track

FINE = np.linspace(-0.6, 0.6, 12001)


def test_the_default_model_is_the_mountain_curve() -> None:
    assert pace.DEFAULT_MODEL == "mountain" and pace.RunnerProfile().model == "mountain"
    assert {"minetti", "tobler", "mountain"} == set(pace.MODELS)


def test_flat_ratio_is_one() -> None:
    assert float(pace.cost_ratio(0.0)) == 1.0
    assert float(pace.speed_ratio(0.0)) == 1.0


def test_descents_slow_down_monotonically_beyond_minus_15_percent() -> None:
    g = FINE[FINE <= -0.15]
    assert np.all(np.diff(pace.speed_ratio(g)) > 0)  # steeper down: slower
    # and beyond the fastest grade (-8 %) already
    g = FINE[FINE <= -0.08]
    assert np.all(np.diff(pace.speed_ratio(g)) >= 0)
    # every descent of 25 % or more is slower than the flat (issue 28's target)
    assert float(pace.speed_ratio(FINE[FINE <= -0.25]).max()) < 1.0
    assert float(pace.speed_ratio(-0.3)) == pytest.approx(0.64, abs=0.01)


def test_climbs_slow_down_monotonically_and_reach_hiking_speeds() -> None:
    g = FINE[FINE >= 0.0]
    assert np.all(np.diff(pace.speed_ratio(g)) < 0)
    # On steep climbs the vertical speed levels off (the switch to hiking): from +25 %
    # to +45 % it stays within 15 % of its value at +35 %.
    steep = np.linspace(0.25, 0.45, 21)
    vertical = steep * pace.speed_ratio(steep)
    assert np.all(np.abs(vertical / (0.35 * float(pace.speed_ratio(0.35))) - 1.0) < 0.15)


def test_the_curve_is_continuous_and_smooth() -> None:
    r = pace.cost_ratio(FINE)
    step = np.abs(np.diff(r))
    # No jump anywhere: a step of 0.1 grade points moves the ratio by < 1 %.
    assert float((step / r[:-1]).max()) < 0.01
    # Continuous at every knot, and at the +-45 % ends where the penalty starts.
    for g, _, _ in pace.MOUNTAIN_KNOTS:
        lo, hi = pace.cost_ratio(np.array([g - 1e-9, g + 1e-9]))
        assert lo == pytest.approx(hi, rel=1e-6)


def test_the_curve_is_scipys_pchip_through_its_knots() -> None:
    from scipy.interpolate import PchipInterpolator

    g, h, _ = zip(*pace.MOUNTAIN_KNOTS, strict=True)
    x = np.linspace(-0.45, 0.45, 901)
    want = np.exp(PchipInterpolator(g, h)(x))
    np.testing.assert_allclose(pace.mountain_cost_ratio(x), want, rtol=2e-4)


def test_a_profile_scales_the_curve() -> None:
    fast, slow = pace.RunnerProfile(300.0), pace.RunnerProfile(600.0)
    grades = np.array([-0.3, -0.1, 0.0, 0.2])
    ratio = slow.segment_time_s(100.0, grades) / fast.segment_time_s(100.0, grades)
    np.testing.assert_allclose(ratio, 2.0)
    assert float(fast.segment_time_s(1000.0, -0.3)) == pytest.approx(
        300.0 * float(pace.cost_ratio(-0.3))
    )


def test_rough_ground_slows_steep_descents_more_than_climbs() -> None:
    p = pace.RunnerProfile(360.0)
    t3 = pace.terrain_factor(sac=3)
    for g in (0.3, 0.1, 0.0, -0.05, -0.1):
        rough, smooth = p.segment_time_s(100.0, g, t3), p.segment_time_s(100.0, g, 1.0)
        assert float(rough / smooth) == pytest.approx(t3)  # felt in full, no more
    down = float(p.segment_time_s(100.0, -0.3, t3) / p.segment_time_s(100.0, -0.3, 1.0))
    assert down == pytest.approx(t3**pace.ROUGH_DESCENT_EXPONENT)
    scree = pace.terrain_factor(surface="scree")
    ratios = [
        float(p.segment_time_s(100.0, g, scree) / p.segment_time_s(100.0, g, 1.0))
        for g in (-0.1, -0.15, -0.2, -0.25, -0.3, -0.4)
    ]
    assert all(b > a for a, b in itertools.pairwise(ratios[:-1]))
    assert ratios[-1] == pytest.approx(ratios[-2])  # full from -30 % on
    # A fast trail factor below 1 is not turned into a bonus on descents.
    assert float(pace.rough_ground_factor(0.9, -0.3)) == 0.9


def _ramp_pieces(
    runner: pace.RunnerProfile, grades: list[float], *, seed: int, fatigue_h: float = 0.0
) -> cal.Line:
    """A recording of `runner` made of 600 m legs at `grades`, slowing `fatigue_h`/h after 2 h."""
    del seed
    d = np.repeat(np.full(len(grades), 600.0), 60) / 60
    g = np.repeat(np.asarray(grades), 60)
    fresh = runner.segment_time_s(d, g)
    tau = np.cumsum(fresh)
    k, on = fatigue_h / 3600.0, cf.FATIGUE_ONSET_H * 3600.0
    t = np.where(tau <= on, tau, on + (np.expm1(k * (tau - on)) / k if k else tau - on))
    dt = np.diff(np.concatenate(([0.0], t)))
    z = np.concatenate(([1000.0], 1000.0 + np.cumsum(d * g)))
    return cal.Line("synthetic", d, g, dt, np.ones(len(d), dtype=bool), np.full(len(d), np.nan), z)


def test_the_fit_recovers_a_known_curve_and_fatigue() -> None:
    # Three people who run exactly the mountain curve at their own pace and tire by
    # 6 %/h after two hours; 8 h outings over grades from -35 % to +35 %.
    rng = np.random.default_rng(5)
    lines = []
    for i, flat in enumerate((330.0, 450.0, 700.0)):
        grades = list(rng.choice(np.linspace(-0.35, 0.35, 15), size=80 + 20 * i))
        runner = pace.RunnerProfile(flat)
        lines.append(_ramp_pieces(runner, grades, seed=i, fatigue_h=0.06))
    fit = cf.fit_curve(cf.pieces(lines))
    assert fit.fatigue_per_h == pytest.approx(0.06, abs=0.01)
    grid = np.linspace(-0.35, 0.35, 15)
    np.testing.assert_allclose(fit.speed_ratio(grid), pace.speed_ratio(grid), atol=0.03)
    assert fit.level_s_per_km == pytest.approx((330.0, 450.0, 700.0), rel=0.03)


def test_the_fit_finds_no_fatigue_in_a_runner_without_it() -> None:
    rec = synthetic_recording(pace.RunnerProfile(400.0), seed=3, n_legs=60, stops=0)
    fit = cf.fit_curve(cf.pieces([cal.prepare(Track("fresh", *rec))]))
    assert 0.0 <= fit.fatigue_per_h < 0.01


def test_pieces_can_cover_the_whole_line() -> None:
    # 1,050 m at +10 %, 0.5 s/m: five full pieces and a 50 m tail, which the fit
    # leaves out (under half a piece) and a prediction keeps.
    n = 105
    d, g = np.full(n, 10.0), np.full(n, 0.1)
    z = np.concatenate(([0.0], np.cumsum(d * g)))
    line = cal.Line("l", d, g, d / 2, np.ones(n, dtype=bool), np.full(n, np.nan), z)
    every = cf.pieces([line], min_share=0.0)
    assert len(every.grade) == 6 and np.allclose(every.grade, 0.1)
    assert (every.length_m.sum(), every.time_s.sum()) == pytest.approx((1050.0, 525.0))
    assert cf.pieces([line]).length_m.sum() == pytest.approx(1000.0)


def test_band_medians_measure_speed_against_the_recordings_flat_speed() -> None:
    runner = pace.RunnerProfile(400.0)
    grades = [0.0, 0.01, -0.01, 0.0, 0.02] * 3 + [-0.3] * 4 + [0.2] * 4
    p = cf.pieces([_ramp_pieces(runner, grades, seed=0)])
    bands = {c: (m, n) for c, m, n in cf.band_medians(p, [-0.3, 0.0, 0.2])}
    assert bands[-0.3][0] == pytest.approx(float(pace.speed_ratio(-0.3)), abs=0.01)
    assert bands[0.2][0] == pytest.approx(float(pace.speed_ratio(0.2)), abs=0.01)
    assert bands[0.0][0] == pytest.approx(1.0, abs=0.01)


def _slope(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A hillside falling at 30 % towards +x."""
    return 1500.0 - 0.3 * x + 0.0 * y


def test_descents_lists_30_percent_descents_slower_than_flat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import routeplanner.cli.climbs  # noqa: F401  (registers the commands)
    from routeplanner.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(tmp_path / "cache"))
    nodes = {1: (-900.0, 0.0), 2: (900.0, 0.0), 3: (-900.0, 300.0)}
    ways = [
        ([1, 2], {"highway": "path", "name": "Fall line"}),
        ([1, 3], {"highway": "path", "name": "Contour"}),
    ]
    dem = make_dem(_slope, extent_m=2000.0, cell_m=10.0)
    osm = write_osm_xml(tmp_path / "slope.osm", nodes, ways, digits=8)
    tif = write_geotiff(tmp_path / "slope.tif", dem.elevation, dem.transform)
    lon, lat = to_lonlat(-900.0, 0.0)
    args = ["descents", "--osm", str(osm), "--dem", str(tif), "--no-cache"]
    args += ["--near", f"{float(lat):.6f},{float(lon):.6f}", "--minutes", "1-60"]
    args += ["--grade", "20-40%", "--pace", "6:00", "--json"]
    speeds = {}
    for model in ("mountain", "minetti"):
        try:
            main([*args, "--model", model])
        except SystemExit as exc:
            assert exc.code in (0, None)
        data = json.loads(capsys.readouterr().out)
        assert data["segments"]
        for s in data["segments"]:
            assert s["mean_grade"] == pytest.approx(0.3, abs=0.01)
        speeds[model] = [s["length_m"] / s["duration_s"] for s in data["segments"]]
    flat = 1000.0 / 360.0
    # The mountain curve: 0.64x the flat speed; capped Minetti ran it at 1.25x.
    assert all(v < flat for v in speeds["mountain"])
    assert all(v / flat == pytest.approx(0.64, abs=0.03) for v in speeds["mountain"])
    assert all(v > flat for v in speeds["minetti"])
