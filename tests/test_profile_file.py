"""The profile file: a fitted profile round-trips; short and bad files."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from routeplanner.errors import InputError
from routeplanner.pace import GRADE_KNOTS, RunnerProfile
from routeplanner.pace.profile_file import profile_toml, read_profile

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FITTED = RunnerProfile(
    331.5,
    model="tobler",
    max_difficulty=4,
    grade_correction=(1.0, 1.05, 1.1, 1.02, 1.0, 0.97, 0.93, 0.95, 1.0),
    trail_factor=1.08,
    fatigue_per_h=0.012,
)


def test_round_trip(tmp_path: Path):
    text = profile_toml(
        FITTED, fit={"tracks": ["a.gpx", "b.fit"], "moving_s": 3600.0}, notes=("n1",)
    )
    path = tmp_path / "me.toml"
    path.write_text(text)
    assert RunnerProfile.from_toml(path) == FITTED
    doc = tomllib.loads(text)
    assert doc["pace"]["flat_pace"] == "5:32"
    assert doc["grade"]["grades"] == list(GRADE_KNOTS)
    assert doc["fit"]["tracks"] == ["a.gpx", "b.fit"]
    assert "# Note: n1" in text


def test_hand_written_minimal_profile(tmp_path: Path):
    path = tmp_path / "me.toml"
    path.write_text('[pace]\nflat_pace = "5:30"\n')
    assert read_profile(path) == RunnerProfile(330.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not = [toml", "not a TOML profile"),
        ("[pace]\nmax_difficulty = " + "9" * 5000, "not a TOML profile"),  # int digit limit
        ("[pace]\nmodel = 'tobler'\n", "needs flat_pace"),
        ("[pace]\nflat_pace = 'fast'\n", "invalid pace"),
        ("[pace]\nflat_pace = '5:30'\n[speed]\nx = 1\n", "unknown section"),
        ("[pace]\nflat_pace = '5:30'\nmodel = 'naismith'\n", "unknown pace model"),
        (
            "[pace]\nflat_pace = '5:30'\n[grade]\ngrades = [0.0]\ncorrection = [1.0]\n",
            "grades must",
        ),
        ("[pace]\nflat_pace = '5:30'\n[fatigue]\nper_hour = 3\n", "invalid fatigue"),
    ],
)
def test_bad_profiles_give_one_clear_line(tmp_path: Path, text: str, message: str):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as err:
        read_profile(path)
    assert str(err.value).startswith("profile bad.toml")


def test_missing_profile(tmp_path: Path):
    with pytest.raises(InputError, match="no such file"):
        read_profile(tmp_path / "none.toml")


def test_fatigue_limit_round_trips_and_old_files_have_none(tmp_path: Path):
    ones = tuple(1.0 for _ in GRADE_KNOTS)
    capped = RunnerProfile(331.5, grade_correction=ones, fatigue_per_h=0.03, fatigue_until_h=2.75)
    path = tmp_path / "capped.toml"
    path.write_text(profile_toml(capped))
    assert read_profile(path) == capped
    old = tmp_path / "old.toml"
    old.write_text('[pace]\nflat_pace = "5:30"\n[fatigue]\nper_hour = 0.02\n')
    assert read_profile(old).fatigue_until_h is None
    assert read_profile(old).fatigue_per_h == 0.02


def test_day_spread_round_trips_and_must_come_with_its_count(tmp_path: Path):
    ones = tuple(1.0 for _ in GRADE_KNOTS)
    spread = RunnerProfile(
        700.0, model="tobler", grade_correction=ones, day_spread=0.107, spread_recordings=13
    )
    path = tmp_path / "spread.toml"
    path.write_text(profile_toml(spread))
    assert "[spread]" in path.read_text()
    assert read_profile(path) == spread
    assert "[spread]" not in profile_toml(RunnerProfile(700.0))
    half = tmp_path / "half.toml"
    half.write_text('[pace]\nflat_pace = "5:30"\n[spread]\nday_to_day = 0.1\n')
    with pytest.raises(InputError, match="invalid day spread"):
        read_profile(half)
