"""Tests for routeplanner.pace: grade models, terrain factors, parsers, RunnerProfile."""

from __future__ import annotations

import dataclasses
import doctest
import math

import numpy as np
import pytest

import routeplanner.pace as pace
from routeplanner.errors import InputError
from routeplanner.pace import (
    DOWNHILL_SPEED_CAP,
    GRADE_PRESETS,
    MODELS,
    SAC_FACTORS,
    SAC_SCALE,
    RunnerProfile,
    cost_ratio,
    format_duration,
    format_pace,
    minetti_cost,
    parse_difficulty,
    parse_distance,
    parse_duration,
    parse_grade_window,
    parse_latlon,
    parse_pace,
    speed_ratio,
    terrain_factor,
    tobler_speed_kmh,
)


def test_doctests_pass() -> None:
    result = doctest.testmod(pace.model)
    assert result.attempted > 10
    assert result.failed == 0


# ---------------------------------------------------------------- published values


@pytest.mark.parametrize(
    ("grade", "expected"),
    [(-0.1, 2.152), (0.0, 3.600), (0.1, 5.968), (0.2, 9.007)],
)
def test_minetti_cost_published_values(grade: float, expected: float) -> None:
    assert round(float(minetti_cost(grade)), 3) == expected


@pytest.mark.parametrize(
    ("grade", "expected"),
    [(0.0, 5.037), (0.10, 3.549), (-0.05, 6.000)],
)
def test_tobler_speed_published_values(grade: float, expected: float) -> None:
    assert round(float(tobler_speed_kmh(grade)), 3) == expected


def test_minetti_cost_clipped_outside_measured_range() -> None:
    assert float(minetti_cost(0.8)) == pytest.approx(float(minetti_cost(0.45)))
    assert float(minetti_cost(-0.8)) == pytest.approx(float(minetti_cost(-0.45)))


def test_grade_functions_are_vectorised() -> None:
    grades = np.array([[-0.1, 0.0], [0.1, 0.2]])
    cost = minetti_cost(grades)
    assert cost.shape == (2, 2)
    np.testing.assert_allclose(cost, [[2.151706, 3.6], [5.968214, 9.006688]], atol=1e-6)
    for model in MODELS:
        ratio = cost_ratio(grades, model)
        assert ratio.shape == (2, 2)
        np.testing.assert_allclose(speed_ratio(grades, model), 1.0 / ratio)


# ------------------------------------------------------------------ cost ratio


@pytest.mark.parametrize("model", MODELS)
def test_cost_ratio_is_one_on_flat(model: str) -> None:
    assert float(cost_ratio(0.0, model)) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("model", MODELS)
def test_uphill_slower_than_downhill(model: str) -> None:
    assert float(cost_ratio(0.10, model)) > float(cost_ratio(-0.10, model))
    assert float(cost_ratio(0.10, model)) > 1.0


@pytest.mark.parametrize("model", MODELS)
def test_downhill_speed_never_exceeds_cap(model: str) -> None:
    grades = np.linspace(-2.0, 2.0, 40001)
    assert float(speed_ratio(grades, model).max()) <= DOWNHILL_SPEED_CAP + 1e-12
    assert np.all(cost_ratio(grades, model) > 0)


def test_minetti_downhill_cap_applies_where_raw_polynomial_is_too_fast() -> None:
    # Raw Minetti at -10 % is 3.6 / 2.152 = 1.67x flat speed; the cap brings it to 1.25x.
    assert 3.6 / float(minetti_cost(-0.1)) > 1.6
    assert float(speed_ratio(-0.1, "minetti")) == pytest.approx(DOWNHILL_SPEED_CAP)
    assert float(cost_ratio(-0.2, "minetti")) == pytest.approx(1.0 / DOWNHILL_SPEED_CAP)
    # Gentle descent below the cap keeps the raw model: Cr(-0.02)/Cr(0).
    raw = float(minetti_cost(-0.02)) / 3.6
    assert raw > 0.8
    assert float(cost_ratio(-0.02, "minetti")) == pytest.approx(raw)


@pytest.mark.parametrize("model", MODELS)
def test_cost_ratio_monotone_increasing_uphill(model: str) -> None:
    grades = np.linspace(0.0, 1.5, 1501)
    assert np.all(np.diff(cost_ratio(grades, model)) > 0)


@pytest.mark.parametrize("model", MODELS)
def test_steep_descents_get_slower(model: str) -> None:
    # Beyond the fastest descent, steeper downhill must cost more (not stay cheap).
    grades = np.linspace(-1.5, -0.45, 1051)
    assert np.all(np.diff(cost_ratio(grades, model)) < 0)


def test_minetti_excess_grade_penalty() -> None:
    at_limit = float(minetti_cost(0.45)) / 3.6
    assert at_limit == pytest.approx(5.396, abs=1e-3)
    # 0.55 is 0.10 beyond the limit: factor 1 + 3.0 * 0.10 = 1.3.
    assert float(cost_ratio(0.55, "minetti")) == pytest.approx(at_limit * 1.3)
    assert float(cost_ratio(-0.55, "minetti")) == pytest.approx(
        float(minetti_cost(-0.45)) / 3.6 * 1.3
    )
    # Continuous at the limit.
    assert float(cost_ratio(0.45 + 1e-9, "minetti")) == pytest.approx(at_limit, rel=1e-6)


def test_tobler_ratio_is_scaled_tobler() -> None:
    # W(0) / W(0.1) = exp(-3.5 * 0.05) / exp(-3.5 * 0.15) = exp(0.35)
    assert float(cost_ratio(0.1, "tobler")) == pytest.approx(math.exp(0.35), rel=1e-12)
    assert float(speed_ratio(-0.05, "tobler")) == pytest.approx(math.exp(0.175), rel=1e-12)


def test_nan_grade_propagates() -> None:
    out = cost_ratio([np.nan, 0.0])
    assert math.isnan(out[0])
    assert out[1] == 1.0


def test_unknown_model_lists_valid_models() -> None:
    with pytest.raises(InputError, match=r"'naismith'.*minetti, tobler"):
        cost_ratio(0.1, "naismith")
    with pytest.raises(InputError, match="naismith"):
        speed_ratio(0.1, "naismith")


# --------------------------------------------------------------------- terrain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("T3", 3),
        ("t3", 3),
        (" 3 ", 3),
        (3, 3),
        (np.int64(2), 2),
        ("demanding_mountain_hiking", 3),
        ("Hiking", 1),
        ("difficult_alpine_hiking", 6),
    ],
)
def test_parse_difficulty_good(text: str | int, expected: int) -> None:
    assert parse_difficulty(text) == expected


@pytest.mark.parametrize("text", ["T0", "7", 0, 9, "T", "easy", "", "3.5", True])
def test_parse_difficulty_bad(text: str | int) -> None:
    with pytest.raises(InputError) as excinfo:
        parse_difficulty(text)
    assert repr(text) in str(excinfo.value)


def test_sac_scale_maps_all_osm_values_to_factors() -> None:
    assert len(SAC_FACTORS) == 7
    assert sorted(SAC_SCALE.values()) == [1, 2, 3, 4, 5, 6]
    assert SAC_FACTORS[SAC_SCALE["demanding_mountain_hiking"]] == 1.54
    assert SAC_FACTORS[SAC_SCALE["alpine_hiking"]] == 2.5


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, 1.0),
        ({"sac": 1}, 1.0 * 1.11),
        ({"sac": 3}, 1.54),
        ({"sac": 6}, 6.67),
        ({"highway": "steps"}, 1.6),
        ({"highway": "path"}, 1.0),
        ({"surface": "asphalt"}, 1.0),
        ({"surface": "gravel"}, 1.05),
        ({"surface": "ground"}, 1.08),
        ({"surface": "grass"}, 1.12),
        ({"surface": "mud"}, 1.25),
        ({"surface": "sand"}, 1.3),
        ({"surface": "rock"}, 1.2),
        ({"surface": "scree"}, 1.4),
        ({"surface": "no_such_surface"}, 1.0),
        ({"surface": "gravel;scree"}, 1.4),
        ({"trail_visibility": "bad"}, 1.1),
        ({"trail_visibility": "horrible"}, 1.2),
        ({"trail_visibility": "no"}, 1.3),
        ({"trail_visibility": "good"}, 1.0),
        (
            {"sac": 2, "highway": "steps", "surface": "dirt", "trail_visibility": "bad"},
            1.25 * 1.6 * 1.08 * 1.1,
        ),
    ],
)
def test_terrain_factor(kwargs: dict[str, object], expected: float) -> None:
    assert terrain_factor(**kwargs) == pytest.approx(expected)


@pytest.mark.parametrize("sac", [-1, 7, 2.0, True])
def test_terrain_factor_bad_sac(sac: object) -> None:
    with pytest.raises(InputError, match=repr(sac)):
        terrain_factor(sac=sac)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- pace


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6:00", 360.0),
        ("6:00/km", 360.0),
        ("5:30 min/km", 330.0),
        ("5:30min/km", 330.0),
        (" 4:05 ", 245.0),
        ("6", 360.0),
        ("6.5", 390.0),
        ("2:00", 120.0),
        ("30:00", 1800.0),
    ],
)
def test_parse_pace_good(text: str, expected: float) -> None:
    assert parse_pace(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0:00", "between 2:00 and 30:00"),
        ("-6:00", "between 2:00 and 30:00"),
        ("-6", "between 2:00 and 30:00"),
        ("6:60", "seconds"),
        ("6:75", "seconds"),
        ("abc", "expected"),
        ("", "expected"),
        ("6:0", "expected"),
        ("1:59", "between 2:00 and 30:00"),
        ("30:01", "between 2:00 and 30:00"),
        ("45", "between 2:00 and 30:00"),
        ("nan", "expected"),
    ],
)
def test_parse_pace_bad(text: str, reason: str) -> None:
    with pytest.raises(InputError) as excinfo:
        parse_pace(text)
    message = str(excinfo.value)
    assert repr(text) in message
    assert reason in message
    assert "\n" not in message


def test_parse_pace_message_format() -> None:
    with pytest.raises(InputError) as excinfo:
        parse_pace("0:00")
    assert str(excinfo.value) == "invalid pace '0:00': must be between 2:00 and 30:00 min/km"


@pytest.mark.parametrize(
    ("seconds", "expected"), [(360, "6:00"), (330.0, "5:30"), (359.6, "6:00"), (65, "1:05")]
)
def test_format_pace(seconds: float, expected: str) -> None:
    assert format_pace(seconds) == expected


def test_format_pace_round_trips() -> None:
    for text in ("2:00", "4:05", "6:00", "12:59"):
        assert format_pace(parse_pace(text)) == text


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_format_pace_bad(bad: float) -> None:
    with pytest.raises(InputError, match=repr(bad)):
        format_pace(bad)


# ------------------------------------------------------------------ duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("75m", 4500.0),
        ("75min", 4500.0),
        ("75 minutes", 4500.0),
        ("1h15m", 4500.0),
        ("1h 15min", 4500.0),
        ("1 h 15 min", 4500.0),
        ("1h", 3600.0),
        ("1.5h", 5400.0),
        ("2 hours", 7200.0),
        ("1:15", 4500.0),
        ("1:15:00", 4500.0),
        ("0:01:00", 60.0),
        ("4500s", 4500.0),
        ("90", 5400.0),
        ("24h", 86400.0),
    ],
)
def test_parse_duration_good(text: str, expected: float) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "0m",
        "0:00",
        "0:00:30",
        "59s",
        "0.0001s",
        "-5",
        "-1h",
        "25h",
        "24:01",
        "1441",
        "abc",
        "",
        "1:75",
        "1:15:60",
        "1m1h",
    ],
)
def test_parse_duration_bad(text: str) -> None:
    with pytest.raises(InputError) as excinfo:
        parse_duration(text)
    assert repr(text) in str(excinfo.value)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (4500, "1 h 15 min"),
        (3720, "1 h 2 min"),
        (2700, "45 min"),
        (7200, "2 h"),
        (3599, "1 h"),
        (40, "40 s"),
        (0, "0 s"),
    ],
)
def test_format_duration(seconds: float, expected: str) -> None:
    assert format_duration(seconds) == expected


def test_format_duration_round_trips_through_parser() -> None:
    for seconds in (60.0, 2700.0, 4500.0, 7200.0):
        assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize("bad", [-1.0, math.nan])
def test_format_duration_bad(bad: float) -> None:
    with pytest.raises(InputError, match=repr(bad)):
        format_duration(bad)


# ------------------------------------------------------------------- lat/lon


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42.5,1.5", (1.5, 42.5)),
        ("42.5, 1.5", (1.5, 42.5)),
        (" 42.5 1.5 ", (1.5, 42.5)),
        ("-33.9,-70.2", (-70.2, -33.9)),
        ("90,180", (180.0, 90.0)),
    ],
)
def test_parse_latlon_returns_lon_lat(text: str, expected: tuple[float, float]) -> None:
    assert parse_latlon(text) == expected


def test_parse_latlon_range_message() -> None:
    with pytest.raises(InputError) as excinfo:
        parse_latlon("95,1")
    assert str(excinfo.value) == "latitude 95.0 out of range [-90, 90] in '95,1'"
    with pytest.raises(InputError, match=r"longitude 181\.0 out of range \[-180, 180\]"):
        parse_latlon("42,181")


@pytest.mark.parametrize("text", ["", "42.5", "42.5,1.5,3", "abc,def", "nan,1", "42.5;1.5"])
def test_parse_latlon_bad(text: str) -> None:
    with pytest.raises(InputError) as excinfo:
        parse_latlon(text)
    assert repr(text) in str(excinfo.value)


# -------------------------------------------------------------- grade window


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15-30%", (0.15, 0.30)),
        ("15%-30%", (0.15, 0.30)),
        ("15 - 30 %", (0.15, 0.30)),
        ("0-100%", (0.0, 1.0)),
        ("9-17deg", (math.tan(math.radians(9)), math.tan(math.radians(17)))),
        ("9°-17°", (math.tan(math.radians(9)), math.tan(math.radians(17)))),
        ("45-60deg", (1.0, math.sqrt(3))),
    ],
)
def test_parse_grade_window_good(text: str, expected: tuple[float, float]) -> None:
    assert parse_grade_window(text) == pytest.approx(expected)


@pytest.mark.parametrize("name", sorted(GRADE_PRESETS))
def test_parse_grade_window_presets(name: str) -> None:
    lo, hi = parse_grade_window(name)
    assert (lo, hi) == GRADE_PRESETS[name]
    assert 0 <= lo < hi <= 1.0


def test_grade_preset_values() -> None:
    assert parse_grade_window("skin-track") == (0.15, 0.30)
    assert parse_grade_window("VK") == (0.20, 1.0)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "30-15%", "20-20%", "15-130%", "9-70deg", "15-30", "15%-30deg", "abc", "uphill"],
)
def test_parse_grade_window_bad(text: str) -> None:
    with pytest.raises(InputError) as excinfo:
        parse_grade_window(text)
    assert repr(text) in str(excinfo.value)


# ------------------------------------------------------------------ distance


@pytest.mark.parametrize(
    ("text", "expected"),
    [("5km", 5000.0), ("800m", 800.0), ("2.5 km", 2500.0), ("1mi", 1609.344)],
)
def test_parse_distance_good(text: str, expected: float) -> None:
    assert parse_distance(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text", ["5", "500", "0", "0km", "-5", "-5km", "", "abc", "5 parsecs", "5kmm"]
)
def test_parse_distance_bad(text: str) -> None:
    with pytest.raises(InputError) as excinfo:
        parse_distance(text)
    assert repr(text) in str(excinfo.value)


# -------------------------------------------------------------- RunnerProfile


def test_profile_defaults_and_speed() -> None:
    p = RunnerProfile()
    assert p.flat_pace_s_per_km == 360.0
    assert p.model == "mountain"  # the curve fitted to steep recordings (issue 28)
    assert p.max_difficulty == 6
    assert p.flat_speed_m_s == pytest.approx(1000 / 360)
    assert p.seconds_per_m() == pytest.approx(0.36)


def test_profile_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        RunnerProfile().model = "tobler"  # type: ignore[misc]


@pytest.mark.parametrize("model", MODELS)
def test_flat_km_takes_flat_pace(model: str) -> None:
    # Tobler is rescaled so that W(0) corresponds to the runner's own flat pace.
    p = RunnerProfile(flat_pace_s_per_km=300.0, model=model)
    assert float(p.segment_time_s(1000.0, 0.0)) == pytest.approx(300.0)


def test_segment_time_combines_grade_and_terrain() -> None:
    p = RunnerProfile(flat_pace_s_per_km=360.0, model="minetti")
    times = p.segment_time_s([100.0, 100.0, 200.0], [0.0, 0.1, -0.1], [1.54, 1.0, 1.0])
    expected = [100 * 0.36 * 1.54, 100 * 0.36 * 5.968214 / 3.6, 200 * 0.36 * 0.8]
    np.testing.assert_allclose(times, expected, rtol=1e-6)
    tobler = RunnerProfile(model="tobler").segment_time_s(1000.0, 0.1)
    assert float(tobler) == pytest.approx(360.0 * math.exp(0.35), rel=1e-12)


def test_segment_time_rejects_bad_inputs() -> None:
    p = RunnerProfile()
    with pytest.raises(InputError, match=r"-5\.0"):
        p.segment_time_s([10.0, -5.0], 0.0)
    with pytest.raises(InputError, match=r"0\.0"):
        p.segment_time_s(10.0, 0.0, 0.0)


def test_from_strings() -> None:
    p = RunnerProfile.from_strings(pace="5:30/km", model=" Tobler ", max_difficulty="T3")
    assert p == RunnerProfile(flat_pace_s_per_km=330.0, model="tobler", max_difficulty=3)
    assert RunnerProfile.from_strings() == RunnerProfile()


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"flat_pace_s_per_km": 0.0}, "0.0"),
        ({"flat_pace_s_per_km": 5000.0}, "5000.0"),
        ({"flat_pace_s_per_km": math.nan}, "nan"),
        ({"model": "naismith"}, "naismith"),
        ({"max_difficulty": 0}, "0"),
        ({"max_difficulty": 7}, "7"),
        ({"max_difficulty": 2.5}, "2.5"),
    ],
)
def test_profile_validation(kwargs: dict[str, object], needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        RunnerProfile(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"pace": "0:00"}, "0:00"),
        ({"model": "naismith"}, "naismith"),
        ({"max_difficulty": "T9"}, "T9"),
    ],
)
def test_from_strings_validation(kwargs: dict[str, str], needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        RunnerProfile.from_strings(**kwargs)
