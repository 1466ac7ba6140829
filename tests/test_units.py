"""Tests for routeplanner.units: every form of issue 14, refusals, and formatters."""

from __future__ import annotations

import math

import pytest

from routeplanner import units
from routeplanner.errors import InputError


@pytest.mark.parametrize("text", ["75m", "75min", "1h15", "1:15", "1h15m", "1 h 15 min", "4500s"])
def test_duration_forms_all_mean_75_minutes(text: str) -> None:
    assert units.parse_duration(text) == 4500.0


@pytest.mark.parametrize("text", ["0", "25h", "soon", "1h15x", "h", "1:75"])
def test_duration_refused(text: str) -> None:
    with pytest.raises(InputError, match=repr(text)):
        units.parse_duration(text)


@pytest.mark.parametrize("text", ["0.0001s", "59s", "0:00:30", "0.5"])
def test_duration_under_a_minute_names_the_range(text: str) -> None:
    with pytest.raises(InputError, match="use 1 min to 24 h"):
        units.parse_duration(text)
    assert units.parse_duration("60s") == 60.0


@pytest.mark.parametrize(
    ("text", "s_per_km"),
    [
        ("6:00", 360.0),
        ("6:00/km", 360.0),
        ("6:00 min/km", 360.0),
        ("9:39/mi", 579.0 / 1.609344),
        ("10km/h", 360.0),
        ("10 kph", 360.0),
        ("6mph", 3600.0 / (6 * 1.609344)),
        ("6.5", 390.0),
    ],
)
def test_pace_forms(text: str, s_per_km: float) -> None:
    assert units.parse_pace(text) == pytest.approx(s_per_km)


@pytest.mark.parametrize("text", ["0km/h", "1mph", "40km/h", "6:00/parsec", "fast"])
def test_pace_refused(text: str) -> None:
    with pytest.raises(InputError, match=repr(text)):
        units.parse_pace(text)


@pytest.mark.parametrize(
    ("parse", "text"),
    [
        (units.parse_pace, "9" * 5000 + ":00"),
        (units.parse_duration, "9" * 5000 + ":00"),
        (units.parse_difficulty, "T" + "9" * 5000),
    ],
)
def test_thousands_of_digits_are_refused_as_input(parse, text: str) -> None:
    # int() of more than 4300 digits raises ValueError; the parser must not
    with pytest.raises(InputError, match="invalid"):
        parse(text)


def test_pace_round_trips_in_both_systems() -> None:
    for s_per_km in (300.0, 360.0, 420.0):
        assert units.parse_pace(units.format_pace(s_per_km)) == s_per_km
        back = units.parse_pace(units.format_pace(s_per_km, "imperial"))
        assert back == pytest.approx(s_per_km, abs=0.7)  # whole seconds per mile


@pytest.mark.parametrize(
    ("text", "metres"),
    [("500m", 500.0), ("5km", 5000.0), ("3mi", 3 * 1609.344), ("2000ft", 609.6), ("5 k", 5000.0)],
)
def test_distance_with_units(text: str, metres: float) -> None:
    assert units.parse_distance(text) == pytest.approx(metres)


@pytest.mark.parametrize("text", ["500", "5", "0.5"])
def test_bare_distance_is_refused_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(InputError) as excinfo:
        units.parse_distance(text, what="--within")
    message = str(excinfo.value)
    assert "needs a unit" in message and "'500m'" in message and "'3mi'" in message


@pytest.mark.parametrize(
    ("text", "metres"), [("300", 300.0), ("300m", 300.0), ("300ft", 91.44), ("0.3km", 300.0)]
)
def test_height_forms(text: str, metres: float) -> None:
    assert units.parse_height(text) == pytest.approx(metres)


def test_height_range_names_what() -> None:
    with pytest.raises(InputError, match=r"minimum gain '6000m' out of range"):
        units.parse_height("6000m", what="minimum gain")
    with pytest.raises(InputError, match="vertical drop '0m' out of range"):
        units.parse_height("0m", what="vertical drop", min_m=1.0)


@pytest.mark.parametrize(
    ("text", "fraction"), [("3", 0.03), ("3%", 0.03), ("0.05", 0.05), ("5 %", 0.05), ("50", 0.5)]
)
def test_tolerance_forms(text: str, fraction: float) -> None:
    assert units.parse_tolerance(text) == pytest.approx(fraction)


@pytest.mark.parametrize("text", ["90%", "0.001", "a bit", "51"])
def test_tolerance_refused(text: str) -> None:
    with pytest.raises(InputError, match=repr(text)):
        units.parse_tolerance(text)


def test_share_and_whole_number() -> None:
    assert units.parse_share("150%") == 1.5 and units.parse_share("10") == 0.1
    assert units.parse_whole("12") == 12
    for bad in ("-1", "1.5", "9" * 19, "x", ""):
        with pytest.raises(InputError, match="invalid seed"):
            units.parse_whole(bad, what="seed")
    with pytest.raises(InputError, match="invalid ramp '-5%'"):
        units.parse_share("-5%", what="ramp")


def test_windows() -> None:
    assert units.parse_minutes_window("5-10min") == (300.0, 600.0)
    assert units.parse_slope_window("30 to 45deg") == (30.0, 45.0)
    lo, hi = units.parse_grade_window("9-17°")
    assert (lo, hi) == pytest.approx((math.tan(math.radians(9)), math.tan(math.radians(17))))
    with pytest.raises(InputError, match="0 minutes is empty"):
        units.parse_minutes_window("0")
    with pytest.raises(InputError, match="out of range"):
        units.parse_slope_window("30-95")


def test_date_and_time_zone() -> None:
    assert units.parse_date(" 2027-06-12 ").isoformat() == "2027-06-12"
    assert str(units.parse_time_zone("Europe/Andorra")) == "Europe/Andorra"
    with pytest.raises(InputError, match="invalid date '15/07'"):
        units.parse_date("15/07")
    for bad in ("1989-12-31", "2101-01-01", "0001-01-01", "9999-12-31"):
        with pytest.raises(InputError, match=f"invalid date '{bad}': use a day from 1990"):
            units.parse_date(bad)
    for bad in ("Mars/Base", "", "../etc"):
        with pytest.raises(InputError, match="unknown time zone"):
            units.parse_time_zone(bad)


def test_formatters_in_both_systems() -> None:
    assert units.format_distance(10_000) == "10.0 km"
    assert units.format_distance(10_000, "imperial") == "6.2 mi"
    assert units.format_height(1000) == "1000 m"
    assert units.format_height(1000, "imperial") == "3281 ft"
    assert units.format_speed(10 / 3.6) == "10.0 km/h"
    assert units.parse_unit_system("METRIC") == "metric"
    with pytest.raises(InputError, match="metric or imperial"):
        units.parse_unit_system("nautical")


def test_pace_module_reexports_the_same_functions() -> None:
    from routeplanner import pace

    assert pace.parse_duration is units.parse_duration
    assert pace.SAC_SCALE is units.SAC_SCALE
