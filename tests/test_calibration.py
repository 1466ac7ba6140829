"""Pace fitting: a synthetic runner with a known profile is recovered; real tracks fit."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from synth import synthetic_recording

from routeplanner.errors import InputError
from routeplanner.pace import GRADE_KNOTS, RunnerProfile
from routeplanner.pace import fitting as cal
from routeplanner.sources.tracks import Track, read_track

# A runner slower than Minetti on descents, stronger on moderate climbs, and 4 %/h
# slower per hour of moving.
TRUE_CORRECTION = (1.0, 1.15, 1.1, 1.05, 1.0, 0.95, 0.9, 1.1, 1.0)
TRUE = RunnerProfile(330.0, model="minetti", grade_correction=TRUE_CORRECTION, fatigue_per_h=0.04)


def _line(seed: int, profile: RunnerProfile = TRUE) -> cal.Line:
    return cal.prepare(Track(f"synth{seed}", *synthetic_recording(profile, seed=seed)))


@pytest.fixture(scope="module")
def fitted() -> cal.Fit:
    """Fit on four noisy 30 km recordings with three 5-minute stops each."""
    return cal.fit_profile([_line(seed) for seed in range(4)], model="minetti")


def test_stops_are_not_moving_time():
    t, lon, lat, ele = synthetic_recording(TRUE, seed=5, stops=3, stop_s=300.0)
    track = Track("s", t, lon, lat, ele)
    assert t[-1] - cal.moving_time_s(track) == pytest.approx(900.0, abs=3.0)


def test_flat_pace_is_recovered_within_5_percent(fitted):
    # Smoothing rounds the grade changes at the legs' corners, which the level
    # absorbs: the fitted flat pace is an effective one, a few percent slow.
    assert fitted.profile.flat_pace_s_per_km == pytest.approx(330.0, rel=0.05)
    assert fitted.profile.model == "minetti"


def test_fatigue_is_recovered_within_a_percent_per_hour(fitted):
    assert fitted.profile.fatigue_per_h == pytest.approx(0.04, abs=0.01)


def test_grade_corrections_are_recovered_where_data_is_rich(fitted):
    corr = np.array(fitted.profile.grade_correction)
    true = np.array(TRUE_CORRECTION)
    rich = np.array([fitted.band_m.get(k, np.inf) >= 5000.0 for k in GRADE_KNOTS])
    assert rich.sum() >= 5
    # Within 0.06 of the truth, and on the right side of the model where the
    # truth departs from it by 5 % or more.
    assert np.all(np.abs(corr - true)[rich] <= 0.06)
    departs = rich & (np.abs(true - 1.0) >= 0.05)
    assert np.all(np.sign(corr - 1.0)[departs] == np.sign(true - 1.0)[departs])


def test_fitted_profile_predicts_an_unseen_run(fitted):
    unseen = _line(99)
    err = cal.predict(fitted.profile, unseen).moving_s / unseen.moving_s - 1.0
    plain = RunnerProfile(fitted.profile.flat_pace_s_per_km, model="minetti")
    plain_err = cal.predict(plain, unseen).moving_s / unseen.moving_s - 1.0
    assert abs(err) < 0.02
    assert abs(plain_err) > 0.05


def test_thin_data_is_shrunk_toward_the_model():
    # One short recording: corrections stay close to 1 (the model).
    rec = synthetic_recording(TRUE, seed=7, n_legs=6, stops=0)
    fit = cal.fit_profile([cal.prepare(Track("short", *rec))], model="minetti")
    assert fit.profile.grade_correction is not None
    assert np.all(np.abs(np.array(fit.profile.grade_correction) - 1.0) < 0.06)


def test_auto_model_picks_tobler_for_a_tobler_walker():
    walker = RunnerProfile(800.0, model="tobler")
    lines = [_line(seed, walker) for seed in (1, 2)]
    assert cal.fit_profile(lines).profile.model == "tobler"


def test_uncalibrated_fit_has_no_corrections():
    fit = cal.fit_profile([_line(3)], calibrate=False)
    assert fit.profile.grade_correction == tuple(1.0 for _ in GRADE_KNOTS)
    assert fit.profile.fatigue_per_h == 0.0


def test_trail_factor_is_fitted_when_points_match_a_network():
    # The runner is 20 % slower on the "trail" half of the course (x < 0 there).
    t, lon, lat, ele = synthetic_recording(RunnerProfile(330.0), seed=11, stops=0)
    track = Track("t", t, lon, lat, ele)
    plain = cal.prepare(track)

    def class_of(lo: np.ndarray, la: np.ndarray) -> np.ndarray:
        return (lo < np.median(lon)).astype(int)  # 0 (trail) west, 1 (road) east

    line = cal.prepare(track, class_of=class_of)
    trail = np.nan_to_num(line.trail)
    slow = line.dt_s * np.where(trail > 0.5, 1.2, 1.0)
    slowed = cal.Line(
        line.name, line.length_m, line.grade, slow, line.moving, line.trail, line.ele_m
    )
    fit = cal.fit_profile([slowed], model="minetti")
    # 15 km on each class; the prior (PRIOR_M) keeps it a little short of 1.2.
    assert 1.1 <= fit.profile.trail_factor <= 1.22
    assert not any("no point matched" in n for n in fit.notes)
    assert any("no point matched to a network" in n for n in cal.fit_profile([plain]).notes)


def test_prediction_uses_its_own_elevations_or_given_ones():
    lon = np.linspace(1.5, 1.5 + 0.0135, 100)  # about 1.1 km east
    lat = np.full(100, 42.5)
    flat = Track("flat", np.zeros(100), lon, lat, np.full(100, 1000.0))
    profile = RunnerProfile(300.0, model="minetti")
    p_flat = cal.predict(profile, cal.prepare(flat))
    ramp = np.linspace(1000.0, 1110.0, 100)
    p_ramp = cal.predict(profile, cal.prepare(flat, ele_m=ramp))
    assert p_flat.moving_s == pytest.approx(p_flat.distance_m * 0.3, rel=1e-6)
    assert p_flat.ascent_m == 0.0
    assert p_ramp.moving_s > 1.5 * p_flat.moving_s
    assert p_ramp.ascent_m == pytest.approx(110.0, abs=5.0)


def test_line_without_elevations_asks_for_a_dem():
    track = Track(
        "noele", np.arange(5.0), np.linspace(1.5, 1.501, 5), np.full(5, 42.5), np.full(5, np.nan)
    )
    with pytest.raises(InputError, match="--dem"):
        cal.prepare(track)


def test_no_moving_stretch_is_a_clear_error():
    t = np.arange(5.0) * 120.0  # every interval is a stop
    track = Track("gaps", t, np.linspace(1.5, 1.51, 5), np.full(5, 42.5), np.full(5, 500.0))
    with pytest.raises(InputError, match="no moving stretch"):
        cal.fit_profile([cal.prepare(track)])


@pytest.mark.slow
def test_real_tracks_fit_to_plausible_profiles(shared_data_dir: Path):
    walks = sorted((shared_data_dir / "tracks").glob("pilis_*.gpx"))
    assert len(walks) == 13
    fit = cal.fit_profile([cal.prepare(read_track(p)) for p in walks])
    # A club walking in hills: 3-5 km/h on the flat.
    assert 720.0 <= fit.profile.flat_pace_s_per_km <= 1200.0
    # Moving time is the README's (gaps of at most 60 s) less the rests logged
    # without a gap: under 1 % on these walks (fixes every 8-34 s).
    gap_rule = sum(cal.moving_time_s(read_track(p)) for p in walks)
    assert 0.99 * gap_rule <= fit.moving_s < gap_rule


def test_points_are_matched_to_the_nearest_way_class():
    from synth import make_network, to_lonlat

    net = make_network(
        {1: (0, 0), 2: (1000, 0), 3: (0, 300), 4: (1000, 300)},
        [([1, 2], {"highway": "path"}), ([3, 4], {"highway": "residential"})],
        extent_m=2000,
    )
    class_of = cal.network_class_of(net)
    lon, lat = to_lonlat(np.array([500.0, 500.0, 500.0]), np.array([10.0, 290.0, 150.0]))
    np.testing.assert_array_equal(class_of(lon, lat), [0, 1, -1])  # trail, road, far


# ------------------------------------------------- shrinkage, day effects, fatigue


def _ramp_line(
    name: str, grades: np.ndarray, runner: RunnerProfile, *, day: float = 1.0, seed: int = 0
) -> cal.Line:
    """A recorded line of 10 m intervals at the given grades, timed by `runner`.

    `day` scales the whole recording (a fast or slow day); each interval's time
    gets 5 % multiplicative noise.
    """
    rng = np.random.default_rng(seed)
    d = np.full(len(grades), 10.0)
    dt = runner.segment_time_s(d, grades) * day * np.exp(rng.normal(0.0, 0.05, len(d)))
    ele = np.concatenate(([500.0], 500.0 + np.cumsum(d * grades)))
    n = len(d)
    return cal.Line(name, d, grades, dt, np.ones(n, bool), np.full(n, np.nan), ele)


def _hills(n: int, amplitude: float, seed: int) -> np.ndarray:
    """Grades of n intervals: stretches of 200-600 m at random grades in ±amplitude."""
    rng = np.random.default_rng(seed)
    out: list[float] = []
    while len(out) < n:
        out += [float(rng.uniform(-amplitude, amplitude))] * int(rng.integers(20, 60))
    return np.array(out[:n])


def test_a_band_without_data_keeps_the_models_value():
    # Only climbs (0-20 %), 30 % slower than Minetti around 10 %: the climbing
    # bands move, the descending ones have no data and stay exactly at the model.
    corr = (1.0, 1.0, 1.0, 1.0, 1.0, 1.15, 1.3, 1.2, 1.0)
    runner = RunnerProfile(330.0, model="minetti", grade_correction=corr)
    grades = np.abs(_hills(3000, 0.2, seed=1))
    fit = cal.fit_profile([_ramp_line("up", grades, runner)], model="minetti", prior_m=1000.0)
    got = fit.profile.grade_correction
    assert got is not None
    assert got[:5] == (1.0, 1.0, 1.0, 1.0, 1.0)
    assert got[6] > 1.1  # the climbs are corrected (the level takes a share)
    assert fit.band_m[-0.1] == 0.0
    # So a descent is predicted as by the plain model (same pace and fatigue).
    down = _ramp_line("down", -grades[:500], runner)
    plain = dataclasses.replace(fit.profile, grade_correction=None)
    assert cal.predict(fit.profile, down).moving_s == pytest.approx(
        cal.predict(plain, down).moving_s, rel=1e-9
    )


def test_day_effects_keep_a_fast_flat_day_from_reading_as_a_weak_climber():
    # A plain Tobler walker: a fast day on the flat, a slow day in the hills.  Pooled
    # without a level per recording, climbs and descents would look 40 % slower than
    # the model; measured within recordings they are as the model says.
    runner = RunnerProfile(700.0, model="tobler")
    flat = _ramp_line("flat", _hills(2000, 0.01, seed=2), runner, day=0.8, seed=3)
    hills = _ramp_line("hills", _hills(2000, 0.15, seed=4), runner, day=1.2, seed=5)
    fit = cal.fit_profile([flat, hills], model="tobler", prior_m=1000.0)
    corr = np.array(fit.profile.grade_correction)
    assert np.all(np.abs(corr[2:7] - 1.0) < 0.05)
    # The level matches the total time of both days: between the two days' paces.
    assert 0.8 * 700.0 < fit.profile.flat_pace_s_per_km < 1.2 * 700.0


def test_cross_validation_keeps_the_plain_model_for_a_runner_who_follows_it():
    rec = synthetic_recording(RunnerProfile(330.0, "minetti"), seed=21, n_legs=20, stops=0)
    fit = cal.fit_profile([cal.prepare(Track("plain", *rec))], model="minetti")
    assert fit.prior_m == np.inf
    assert fit.profile.grade_correction == tuple(1.0 for _ in GRADE_KNOTS)
    assert fit.profile.fatigue_per_h == 0.0
    assert any("plain model kept" in n for n in fit.notes)


def test_cross_validation_fits_corrections_and_fatigue_when_they_are_real(fitted):
    # 120 km from a runner who departs from the model by 5-15 % and tires 4 %/h.
    assert np.isfinite(fitted.prior_m)
    assert fitted.profile.fatigue_per_h > 0.0
    assert not any("plain model kept" in n for n in fitted.notes)


def test_corrections_are_judged_on_how_time_is_shared_not_on_the_day_level():
    # Five hill walks by one walker 25 % slower than Tobler on every slope, on days up
    # to 25 % apart.  The day levels swamp the held-out totals, so judged on totals the
    # corrections could not earn their place; judged within each held-out day they do.
    corr = (1.25, 1.25, 1.25, 1.1, 1.0, 1.1, 1.25, 1.25, 1.25)
    runner = RunnerProfile(700.0, model="tobler", grade_correction=corr)
    days = (0.8, 1.2, 0.9, 1.1, 1.0)
    lines = [
        _ramp_line(f"day{i}", _hills(1500, 0.2, seed=30 + i), runner, day=d, seed=40 + i)
        for i, d in enumerate(days)
    ]
    fit = cal.fit_profile(lines, model="tobler")
    assert np.isfinite(fit.prior_m)
    got = np.array(fit.profile.grade_correction)
    # Slopes of 10-18 % come out slower than gentle ones (±4 %) by about the walker's
    # 1.25 / 1.1 = 1.14 (the level absorbs the common part).
    steep, gentle = got[[1, 2, 6, 7]].mean(), got[[3, 5]].mean()
    assert steep / gentle == pytest.approx(1.25 / 1.1, abs=0.05)


def test_day_spread_is_measured_on_the_recordings():
    # Five walks by a plain Tobler walker on days whose levels are known: the fitted
    # spread is the standard deviation of their logs (the 5 % interval noise averages
    # out over 1,500 intervals); a single recording carries none.
    runner = RunnerProfile(700.0, model="tobler")
    days = (0.8, 1.2, 0.9, 1.1, 1.0)
    lines = [
        _ramp_line(f"day{i}", _hills(1500, 0.1, seed=50 + i), runner, day=d, seed=60 + i)
        for i, d in enumerate(days)
    ]
    fit = cal.fit_profile(lines, model="tobler")
    assert fit.profile.spread_recordings == 5
    assert fit.profile.day_spread == pytest.approx(np.std(np.log(days), ddof=1), abs=0.01)
    one = cal.fit_profile(lines[:1], model="tobler")
    assert one.profile.day_spread is None and one.profile.spread_recordings is None


def test_fatigue_is_not_extrapolated_past_the_longest_recording(fitted):
    p = fitted.profile
    longest_h = max(_line(seed).moving_s for seed in range(4)) / 3600.0
    assert p.fatigue_until_h == pytest.approx(longest_h, abs=0.01)
    # A stretch started long after that keeps the pace reached there.
    line = _line(99)
    late = cal.predict(p, line, start_elapsed_s=10 * 3600.0).moving_s
    fresh = cal.predict(dataclasses.replace(p, fatigue_per_h=0.0), line).moving_s
    assert late == pytest.approx(fresh * (1.0 + p.fatigue_per_h * p.fatigue_until_h), rel=1e-9)


def test_rests_logged_without_a_gap_are_not_moving_time():
    # A recorder without auto-pause logs every second through three 5-minute rests:
    # the gap rule alone counts them; the net-speed rule cuts them but for the half
    # window (30 s) at either end of each rest, where the window reaches the run.
    runner = RunnerProfile(360.0)
    gapped = synthetic_recording(runner, seed=6, n_legs=20, stops=3)
    logged = synthetic_recording(runner, seed=6, n_legs=20, stops=3, logged_stops=True)
    moving = gapped[0][-1] - 900.0
    assert len(logged[0]) > len(gapped[0]) + 800
    assert cal.prepare(Track("s", *gapped)).moving_s == pytest.approx(moving, abs=3.0)
    cut = cal.prepare(Track("s", *logged))
    assert moving + 3 * 40.0 <= cut.moving_s <= moving + 3 * 60.0
    kept = cal.prepare(Track("s", *logged), stop_speed_m_s=0.0)
    assert kept.moving_s == pytest.approx(moving + 900.0, abs=3.0)
    # The distance is the route's either way (rests add only jitter).
    assert cut.distance_m == pytest.approx(cal.prepare(Track("s", *gapped)).distance_m, rel=0.01)


def test_a_slow_steep_hiker_is_never_cut():
    # 30:00/km on the flat, so about 0.24 m/s horizontally at +25 % on the mountain
    # curve: slower than any runner, still well above the 0.1 m/s of a rest.
    hiker = RunnerProfile(1800.0)
    t, lon, lat, ele = synthetic_recording(hiker, seed=7, n_legs=8, stops=0)
    line = cal.prepare(Track("h", t, lon, lat, ele))
    assert line.moving.all()
    assert line.moving_s == pytest.approx(t[-1], abs=1e-6)
