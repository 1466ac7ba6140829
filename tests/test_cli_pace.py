"""`routeplanner pace fit|predict`, and --profile on route-making commands."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from synth import make_dem, synthetic_recording, write_geotiff, write_gpx_track, write_osm_xml

from routeplanner.cli import main
from routeplanner.errors import InputError
from routeplanner.pace import RunnerProfile
from routeplanner.pace import fitting as cal

RUNNER = RunnerProfile(
    330.0, grade_correction=(1.0, 1.15, 1.1, 1.05, 1.0, 0.95, 0.9, 1.1, 1.0), fatigue_per_h=0.03
)
HILL_SHY = (
    '[pace]\nflat_pace = "6:00"\n[grade]\n'
    "correction = [1.4, 1.4, 1.4, 1.2, 1.0, 1.2, 1.4, 1.4, 1.4]\n"
)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(tmp_path / "cache"))
    logger = logging.getLogger("routeplanner")
    level = logger.level
    yield
    logger.setLevel(level)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def runs(tmp_path: Path) -> list[str]:
    paths = []
    for seed in (1, 2):
        t, lon, lat, ele = synthetic_recording(RUNNER, seed=seed)
        paths.append(str(write_gpx_track(tmp_path / f"run{seed}.gpx", t, lon, lat, ele)))
    return paths


def test_fit_writes_a_profile_and_prints_json(runs, tmp_path, capsys):
    code, out, err = run(["pace", "fit", *runs, "--out", "me.toml", "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["tracks"] == ["run1.gpx", "run2.gpx"]
    assert data["flat_pace_s_per_km"] == pytest.approx(330.0, rel=0.06)
    assert data["moving_s"] > 3600.0
    assert data["stop_gap_s"] == 60.0
    profile = RunnerProfile.from_toml(tmp_path / "me.toml")
    assert profile.flat_pace_s_per_km == data["flat_pace_s_per_km"]
    assert profile.fatigue_per_h == data["fatigue_per_h"]


def test_fit_never_replaces_a_file_it_did_not_write(runs, tmp_path, capsys):
    (tmp_path / "me.toml").write_text("# my own notes\n")
    code, _, err = run(["pace", "fit", *runs, "--out", "me.toml"], capsys)
    assert code == 2 and "--force" in err
    assert (tmp_path / "me.toml").read_text() == "# my own notes\n"
    code, _, err = run(["pace", "fit", *runs, "--out", "me.toml", "--force"], capsys)
    assert code == 0, err
    first = (tmp_path / "me.toml").read_text()
    assert first.startswith("#") and "[pace]" in first
    # Its own earlier output is replaced without --force.
    code, _, err = run(["pace", "fit", runs[0], "--out", "me.toml"], capsys)
    assert code == 0, err
    assert (tmp_path / "me.toml").read_text() != first


def test_a_recording_given_twice_is_refused(runs, tmp_path, capsys):
    # Counting one outing twice would halve the day-to-day spread and weigh it double.
    code, out, err = run(["pace", "fit", runs[0], runs[1], f"./{Path(runs[0]).name}"], capsys)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and "given twice" in err and len(err.splitlines()) == 1


def test_predict_json_matches_the_library(runs, tmp_path, capsys):
    (tmp_path / "me.toml").write_text(HILL_SHY)
    code, out, err = run(["pace", "predict", "--profile", "me.toml", runs[0], "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {
        "moving_s",
        "distance_m",
        "ascent_m",
        "moving_s_range",
        "range_share_of_days",
        "range_warning",
    }
    # A hand-written profile says nothing of how the runner's days differ.
    assert data["moving_s_range"] is None and data["range_warning"] is None
    from routeplanner.sources.tracks import read_track

    line = cal.prepare(read_track(runs[0]), stop_gap_s=float("inf"), stop_speed_m_s=0.0)
    expected = cal.predict(RunnerProfile.from_toml(tmp_path / "me.toml"), line)
    assert data["moving_s"] == pytest.approx(expected.moving_s, abs=0.1)
    assert data["distance_m"] == pytest.approx(expected.distance_m, abs=0.1)


def test_predict_gives_the_range_of_most_days_when_the_profile_knows_it(runs, tmp_path, capsys):
    (tmp_path / "me.toml").write_text(
        '[pace]\nflat_pace = "5:30"\n[spread]\nday_to_day = 0.1\nrecordings = 13\n'
    )
    code, out, err = run(["pace", "predict", "--profile", "me.toml", runs[0], "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    low, high = data["moving_s_range"]
    assert data["range_share_of_days"] == 0.8
    # t(0.9, 12) * 0.1 * sqrt(1 + 1/13) = 0.141 either side, in log time.
    assert low / data["moving_s"] == pytest.approx(math.exp(-0.1407), abs=1e-3)
    assert high / data["moving_s"] == pytest.approx(math.exp(0.1407), abs=1e-3)
    code, out, err = run(["pace", "predict", "--profile", "me.toml", runs[0]], capsys)
    assert code == 0, err
    assert "80% of days: " in out


def test_predict_a_planned_line_from_a_dem(tmp_path, capsys):
    (tmp_path / "me.toml").write_text('[pace]\nflat_pace = "5:00"\nmodel = "minetti"\n')
    dem = make_dem(lambda x, y: 1000.0 + 0.1 * x, extent_m=2000.0, cell_m=20.0)
    tif = write_geotiff(tmp_path / "ramp.tif", dem.elevation, dem.transform)
    from synth import to_lonlat

    lon, lat = to_lonlat(np.linspace(0.0, 1000.0, 51), np.zeros(51))
    plan = write_gpx_track(tmp_path / "plan.gpx", None, lon, lat, None)
    code, out, err = run(["pace", "predict", "--profile", "me.toml", str(plan), "--json"], capsys)
    assert code == 2 and "--dem" in err and out == ""
    args = ["pace", "predict", "--profile", "me.toml", str(plan), "--dem", str(tif), "--json"]
    code, out, err = run(args, capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["distance_m"] == pytest.approx(1000.0, rel=0.01)
    assert data["ascent_m"] == pytest.approx(100.0, abs=8.0)
    # 10 % climb under Minetti: 1.658x the flat 300 s/km (smoothing rounds the ends).
    assert data["moving_s"] == pytest.approx(300.0 * 1.658, rel=0.05)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["pace", "fit", "nothere.gpx"], "no such file"),
        (["pace", "fit", "notes.txt"], "unknown track type"),
        (["pace", "fit", "empty.gpx"], "not a readable GPX"),
        (["pace", "fit", "plan.gpx"], "no point has a time"),
        (["pace", "fit", "plan.gpx", "--out", "plan.gpx"], "a profile is a .toml file"),
        (["pace", "fit", "plan.gpx", "--out", "notes.toml"], "--force"),
        (["pace", "predict", "--profile", "nothere.toml", "plan.gpx"], "no such file"),
    ],
)
def test_bad_input_is_one_line(tmp_path, capsys, args, fragment):
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "notes.toml").write_text("mine")
    (tmp_path / "empty.gpx").write_text("")
    write_gpx_track(
        tmp_path / "plan.gpx", None, np.array([1.5, 1.51]), np.array([42.5, 42.5]), None
    )
    code, out, err = run(args, capsys)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], err


def _two_rings(tmp_path: Path) -> list[str]:
    nodes = {1: (0, 0), 2: (500, 0), 3: (500, 500), 4: (0, 500)}
    nodes |= {5: (-500, 0), 6: (-500, -500), 7: (0, -500)}
    ways = [
        ([1, 2, 3, 4, 1], {"highway": "path", "name": "Hill"}),
        ([1, 5, 6, 7, 1], {"highway": "path", "name": "Flat"}),
    ]
    osm = write_osm_xml(tmp_path / "rings.osm", nodes, ways)
    dem = make_dem(lambda x, y: 1000 + 0.1 * np.maximum(x, 0), extent_m=2000.0, cell_m=10.0)
    tif = write_geotiff(tmp_path / "rings.tif", dem.elevation, dem.transform)
    return ["--osm", str(osm), "--dem", str(tif)]


def test_profile_changes_the_loop_from_the_command_line(tmp_path, capsys, caplog):
    files = _two_rings(tmp_path)
    (tmp_path / "shy.toml").write_text(HILL_SHY)
    from synth import to_lonlat

    lon, lat = to_lonlat(0.0, 0.0)
    base = ["loop", *files, "--start", f"{float(lat)},{float(lon)}", "--duration", "802s"]
    code, out, err = run([*base, "--pace", "6:00", "--json"], capsys)
    assert code == 0, err
    plain = json.loads(out)
    code, out, err = run([*base, "--profile", "shy.toml", "--json"], capsys)
    assert code == 0, err
    shy = json.loads(out)

    def ascent(doc: dict) -> float:
        feats = doc["features"] if "features" in doc else doc["routes"]
        props = feats[0].get("properties", feats[0])
        return float(props["ascent_m"])

    assert ascent(plain) > 40.0  # round the hill
    assert ascent(shy) < 20.0  # the flat ring
    code, out, err = run([*base, "--profile", "shy.toml", "--pace", "5:00"], capsys)
    assert code == 2 and "either --profile or --pace" in err
    # Neither --pace nor a profile without [spread] knows how much the runner's days
    # differ; a profile that does gives each loop the range of most days.
    assert plain["routes"][0]["duration_range_s"] is None
    assert shy["routes"][0]["duration_range_s"] is None
    spread = HILL_SHY + "\n[spread]\nday_to_day = 0.1\nrecordings = 13\n"
    (tmp_path / "spread.toml").write_text(spread)
    code, out, err = run([*base, "--profile", "spread.toml", "--json"], capsys)
    assert code == 0, err
    route = json.loads(out)["routes"][0]
    low, high = route["duration_range_s"]
    assert low / route["duration_s"] == pytest.approx(math.exp(-0.1407), abs=1e-3)
    assert high / route["duration_s"] == pytest.approx(math.exp(0.1407), abs=1e-3)
    code, out, err = run([*base, "--profile", "spread.toml"], capsys)
    assert code == 0, err
    assert "on 80% of days)" in out.splitlines()[0]
    assert "wide range" not in caplog.text and "duration_range_note" not in route
    # Recordings that disagree (30 % from day to day) give a range that says so.
    (tmp_path / "wide.toml").write_text(spread.replace("0.1\n", "0.3\n"))
    code, out, err = run([*base, "--profile", "wide.toml", "--json"], capsys)
    assert code == 0, err
    note = json.loads(out)["routes"][0]["duration_range_note"]
    assert note.startswith("wide range: the recordings differ by 30 % from day to day")
    assert "different people or terrain" in note
    with caplog.at_level("WARNING", logger="routeplanner"):
        code, out, err = run([*base, "--profile", "wide.toml"], capsys)
    assert "on 80% of days)" in out and note in caplog.messages


EVENT = """title = "Test run"
date = 2027-06-12
start = "08:00"
timezone = "Europe/Andorra"
duration = "20min"
meeting_point = "42.5,1.5"

[[group]]
name = "Mine"
profile = "shy.toml"
max_difficulty = "T3"

[[group]]
name = "Plain"
pace = "6:00"
max_difficulty = "T6"
"""


def test_group_event_takes_a_profile_per_group(tmp_path):
    from routeplanner.events.event import load_event

    (tmp_path / "shy.toml").write_text(HILL_SHY)
    (tmp_path / "run.toml").write_text(EVENT)
    mine, plain = load_event(tmp_path / "run.toml").groups
    assert mine.profile == RunnerProfile(
        360.0,
        max_difficulty=3,
        grade_correction=(1.4, 1.4, 1.4, 1.2, 1.0, 1.2, 1.4, 1.4, 1.4),
    )
    assert plain.profile == RunnerProfile(360.0)
    (tmp_path / "both.toml").write_text(
        EVENT.replace('profile = "shy.toml"', 'profile = "shy.toml"\npace = "5:00"')
    )
    with pytest.raises(InputError, match="either profile or pace"):
        load_event(tmp_path / "both.toml")
    (tmp_path / "gone.toml").write_text(EVENT.replace("shy.toml", "missing.toml"))
    with pytest.raises(InputError, match="no such file"):
        load_event(tmp_path / "gone.toml")


def test_fit_matches_points_to_a_network_for_the_trail_factor(tmp_path, capsys):
    # Out 5 km along a path, back 5 km along a road 100 m away, 20 % slower on the path.
    nodes = {1: (-3000, 0), 2: (3000, 0), 3: (-3000, 100), 4: (3000, 100)}
    ways = [([1, 2], {"highway": "path"}), ([3, 4], {"highway": "residential"})]
    osm = write_osm_xml(tmp_path / "x.osm", nodes, ways)
    dem = make_dem(lambda x, y: 1000 + 0 * x, extent_m=4000.0, cell_m=20.0)
    tif = write_geotiff(tmp_path / "x.tif", dem.elevation, dem.transform)
    from synth import to_lonlat

    x = np.concatenate([np.linspace(-2500, 2500, 2000), np.linspace(2500, -2500, 2000)])
    y = np.concatenate([np.zeros(2000), np.full(2000, 100.0)])
    t = np.concatenate([np.arange(2000) * 1.8, 2000 * 1.8 + np.arange(2000) * 1.5])
    lon, lat = to_lonlat(x, y)
    rec = write_gpx_track(tmp_path / "r.gpx", t, lon, lat, np.full(4000, 1000.0))
    args = ["pace", "fit", str(rec), "--osm", str(osm), "--dem", str(tif), "--json"]
    code, out, err = run(args, capsys)
    assert code == 0, err
    data = json.loads(out)
    # 5 km of each class against a 3 km prior: 1.2 is shrunk to about 1.1.
    assert 1.05 <= data["trail_factor"] <= 1.2
    assert not any("no point matched" in n for n in data["notes"])
    code, out, err = run(["pace", "fit", str(rec), "--json"], capsys)
    assert json.loads(out)["trail_factor"] == 1.0


def test_fit_on_recordings_of_different_people_warns_of_a_wide_range(tmp_path, capsys, caplog):
    # Three runners at 4:30, 6:00 and 9:00 /km: whoever the profile is, its days differ
    # by the spread of log(270, 360, 540), about 35 %.
    paths = []
    for i, flat in enumerate((270.0, 360.0, 540.0)):
        t, lon, lat, ele = synthetic_recording(RunnerProfile(flat), seed=10 + i, n_legs=20)
        paths.append(str(write_gpx_track(tmp_path / f"p{i}.gpx", t, lon, lat, ele)))
    code, out, err = run(["pace", "fit", *paths, "--out", "mixed.toml", "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["day_spread"] == pytest.approx(np.std(np.log([270, 360, 540]), ddof=1), abs=0.03)
    warning = data["spread_warning"]
    share = round(data["day_spread"] * 100)
    assert warning.startswith(f"wide range: the recordings differ by {share} % from day to day")
    assert "different people or terrain" in warning
    assert f"# {warning}." in (tmp_path / "mixed.toml").read_text(encoding="utf-8")
    caplog.clear()
    with caplog.at_level("WARNING", logger="routeplanner"):
        code, out, err = run(["pace", "fit", *paths], capsys)
    assert code == 0 and caplog.messages == [warning]
    caplog.clear()
    with caplog.at_level("WARNING", logger="routeplanner"):
        code, out, err = run(["pace", "predict", "--profile", "mixed.toml", paths[0]], capsys)
    assert code == 0 and "of days:" in out and caplog.messages == [warning]
    caplog.clear()
    # One runner's three days differ by little: no warning.
    same = []
    for seed in (1, 2, 3):
        t, lon, lat, ele = synthetic_recording(RUNNER, seed=seed, n_legs=20)
        same.append(str(write_gpx_track(tmp_path / f"s{seed}.gpx", t, lon, lat, ele)))
    with caplog.at_level("WARNING", logger="routeplanner"):
        code, out, err = run(["pace", "fit", *same, "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["day_spread"] < 0.05 and data["spread_warning"] is None
    assert not caplog.messages


@pytest.mark.parametrize("ele", [1e308, -1e308, "alternating"])
def test_absurd_gpx_elevations_are_a_clean_error(tmp_path, capsys, ele):
    t, lon, lat, heights = synthetic_recording(RUNNER, seed=1)
    heights = np.array(heights, dtype=float)
    if ele == "alternating":
        heights[:] = 1e308
        heights[::2] = -1e308
    else:
        heights[len(heights) // 3 :] = ele
    path = write_gpx_track(tmp_path / "odd.gpx", t, lon, lat, heights)
    code, _out, err = run(["pace", "fit", str(path)], capsys)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "elevation" in lines[0] and "internal error" not in err, err
