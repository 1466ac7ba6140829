"""`routeplanner plan` on a small synthetic region: outputs, plan.toml, MISSED, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import icalendar
import pytest

from routeplanner.cli import main

GRID = 9
SPACING_M = 400.0


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> list[str]:
    """A flat 9 x 9 trail grid 400 m apart, as an OSM file and a GeoTIFF."""
    from synth import make_dem, write_geotiff, write_osm_xml

    folder = tmp_path_factory.mktemp("planregion")
    half = (GRID - 1) / 2

    def nid(i: int, j: int) -> int:
        return i * GRID + j + 1

    nodes = {
        nid(i, j): ((i - half) * SPACING_M, (j - half) * SPACING_M)
        for i in range(GRID)
        for j in range(GRID)
    }
    ways = [([nid(i, j) for j in range(GRID)], {"highway": "path"}) for i in range(GRID)]
    ways += [([nid(i, j) for i in range(GRID)], {"highway": "path"}) for j in range(GRID)]
    osm = write_osm_xml(folder / "grid.osm", nodes, ways, digits=8)
    dem = make_dem(lambda x, y: 1000.0 + 0.0 * x, extent_m=2500.0, cell_m=20.0)
    tif = write_geotiff(folder / "grid.tif", dem.elevation, dem.transform)
    return ["--osm", str(osm), "--dem", str(tif), "--no-cache"]


def home() -> str:
    from synth import to_lonlat

    lon, lat = to_lonlat(0.0, 0.0)
    return f"{float(lat):.6f},{float(lon):.6f}"


def run(args: list[str], capsys) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


BASE = ["plan", "--weeks", "2", "--start", "2027-05-03", "--week-time", "2h-2h20"]
BASE += ["--days", "tue,thu,sun", "--tz", "Europe/Andorra", "--start-time", "07:30"]


def test_plan_writes_every_output(region, tmp_path, capsys):
    out = tmp_path / "may"
    code, stdout, err = run([*BASE, *region, "--home", home(), "--out-dir", str(out)], capsys)
    assert code in (0, 3), err
    lines = stdout.splitlines()
    assert lines[0].startswith("Week 1 (2027-05-03): 2 h 00 run, 3 sessions")
    assert lines[1].startswith("Week 2 (2027-05-10): 2 h 12 run")
    data = json.loads((out / "plan.json").read_text())
    runs = [s for w in data["weeks"] for s in w["sessions"] if "route" in s]
    assert len(runs) == 6
    for s in runs:
        assert (out / s["route"]["gpx"]).is_file()
        assert (out / s["route"]["gpx"].replace("gpx/", "maps/").replace(".gpx", ".html")).is_file()
    assert (code == 3) == (not data["meets_brief"]) == ("MISSED:" in stdout)
    cal = icalendar.Calendar.from_ical((out / "plan.ics").read_text())
    first = cal.walk("VEVENT")[0]
    assert first.decoded("dtstart").isoformat() == "2027-05-03T05:30:00+00:00"
    # the same command again replaces its own outputs without --force
    code2, _, err2 = run([*BASE, *region, "--home", home(), "--out-dir", str(out)], capsys)
    assert code2 == code, err2
    assert json.loads((out / "plan.json").read_text()) == data


def test_plan_toml_and_flags(region, tmp_path, capsys):
    toml = tmp_path / "plan.toml"
    toml.write_text(
        f'home = "{home()}"\nweeks = 1\nstart = "2027-05-03"\nweek_time = "2h"\n'
        'days = ["tue", "thu", "sun"]\ngoal = "trail"\n'
    )
    out = tmp_path / "from-file"
    code, stdout, err = run(
        [
            "plan",
            str(toml),
            *region,
            "--weeks",
            "2",
            "--out-dir",
            str(out),
            "--json",
            "--accept-closest",
        ],
        capsys,
    )
    assert code == 0, err
    data = json.loads(stdout)
    assert len(data["weeks"]) == 2  # the command line wins over the file
    assert data["goal"] == "trail" and data["start"] == "2027-05-03"


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--weeks", "13"], "weeks must be between 1 and 12"),
        (["--week-time", "5h-4h"], "lower bound 5.0 h is above the upper bound 4.0 h"),
        (["--week-time", "30m"], "too small for 3 run days"),
        (["--days", ","], "no run days"),
        (["--days", "tue,xyz"], "unknown day 'xyz'"),
        (["--days", "mon,mon"], "day 'mon' is given twice"),
        (["--home", "10.0,10.0"], "outside"),
        (["--weeks", "six"], "invalid --weeks 'six': use a whole number"),
        (["--recovery-every", "x"], "invalid --recovery-every 'x'"),
        (["--seed", "-1"], "invalid --seed '-1': use a whole number 0 or more"),
        (["--ramp", "lots"], "invalid --ramp 'lots': use a percentage"),
        (["--ramp", "150%"], "ramp 150% out of range"),  # not read as 1.5 %
        (["--recovery-factor", "200%"], "recovery factor 200% out of range"),
    ],
)
def test_plan_bad_input(region, tmp_path, capsys, args, match):
    argv = [*BASE, *region, "--home", home(), "--out-dir", str(tmp_path / "x"), *args]
    code, _, err = run(argv, capsys)
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1 and match in err
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("recovery_every = [3, 4]\n", "invalid --recovery-every '3,4'"),
        ("long_day = [1]\n", "unknown day '1'"),
        ("seed = " + "9" * 5000, "plan.toml is not valid TOML: Exceeds the limit"),
        ("[home]\nlat = 1\n", "home must be a value or a list, not a table"),
        (None, "is a directory"),
    ],
)
def test_plan_file_of_the_wrong_shape_is_bad_input(region, tmp_path, capsys, text, match):
    toml = tmp_path / "plan.toml"
    toml.mkdir() if text is None else toml.write_text(text)
    argv = [*BASE, str(toml), *region, "--home", home(), "--out-dir", str(tmp_path / "x")]
    code, _, err = run(argv, capsys)
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1 and match in err
    assert not (tmp_path / "x").exists()


def test_plan_refuses_a_folder_of_someone_else(region, tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    code, _, err = run([*BASE, *region, "--home", home(), "--out-dir", str(out)], capsys)
    assert code == 2 and "--force" in err
    assert sorted(p.name for p in Path(out).iterdir()) == ["notes.txt"]


@pytest.fixture(scope="module")
def spring_region(tmp_path_factory) -> list[str]:
    """A 5 x 5 trail grid 400 m apart with a spring 20 m from home and a road on its east edge."""
    from synth import make_dem, write_geotiff, write_osm_xml

    folder = tmp_path_factory.mktemp("springregion")
    n, half = 5, 2

    def nid(i: int, j: int) -> int:
        return i * n + j + 1

    nodes = {
        nid(i, j): ((i - half) * SPACING_M, (j - half) * SPACING_M)
        for i in range(n)
        for j in range(n)
    }
    ways = [([nid(i, j) for j in range(n)], {"highway": "path"}) for i in range(n - 1)]
    ways += [([nid(n - 1, j) for j in range(n)], {"highway": "tertiary", "name": "Carretera"})]
    ways += [([nid(i, j) for i in range(n)], {"highway": "path"}) for j in range(n)]
    nodes[500] = (0.0, 20.0)
    tags = {500: {"amenity": "drinking_water", "name": "&lt;b&gt;Font"}}
    osm = write_osm_xml(folder / "spring.osm", nodes, ways, digits=8, node_tags=tags)
    dem = make_dem(lambda x, y: 1000.0 + 0.0 * x, extent_m=1500.0, cell_m=20.0)
    tif = write_geotiff(folder / "spring.tif", dem.elevation, dem.transform)
    return ["--osm", str(osm), "--dem", str(tif), "--no-cache"]


def test_plan_sessions_carry_safety_sheets_and_fit_courses(spring_region, tmp_path, capsys):
    import io

    import fitdecode

    out = tmp_path / "may"
    args = [*BASE[:6], "1h30", *BASE[7:], *spring_region, "--home", home(), "--out-dir", str(out)]
    # Minetti: the runs past the fountain 20 m from home were found under it.
    code, _stdout, err = run([*args, "--weeks", "1", "--model", "minetti"], capsys)
    assert code in (0, 3), err
    data = json.loads((out / "plan.json").read_text())
    runs = [s for w in data["weeks"] for s in w["sessions"] if "route" in s]
    assert len(runs) == 3
    page = (out / "plan.html").read_text(encoding="utf-8")
    assert page.count('class="safety"') == 3 and "<b>Font" not in page
    for s in runs:
        safety = s["route"]["safety"]
        # Every run starts and ends at home, 20 m from the fountain.
        assert [(w["kind"], w["name"]) for w in safety["water"]] == [("drinking_water", "<b>Font")]
        along = safety["water"][0]["along_m"]
        assert min(along, s["route"]["distance_m"] - along) < 30.0
        # Daylight for the session's own date, from 07:30 Andorra time (CEST).
        assert safety["sunrise"].startswith(s["date"] + "T") and safety["sunrise"].endswith(
            "+02:00"
        )
        finish = s["date"] + "T07:30:00+02:00"
        assert safety["expected_finish"] > finish
        assert " 07:30 from " in safety["partner_message"]
        text = (out / s["route"]["safety_file"]).read_text(encoding="utf-8")
        assert s["route"]["safety_file"] == f"safety/{s['date']}-{s['kind']}.txt"
        assert "Partner message:" in text and s["route"]["gpx"] in text
        fit_path = out / "fit" / f"{s['date']}-{s['kind']}.fit"
        frames: dict[str, list[dict]] = {}
        with fitdecode.FitReader(
            io.BytesIO(fit_path.read_bytes()), check_crc=fitdecode.CrcCheck.RAISE
        ) as reader:
            for frame in reader:
                if isinstance(frame, fitdecode.FitDataMessage):
                    fields = {f.name: f.value for f in frame.fields}
                    frames.setdefault(frame.name, []).append(fields)
        last = frames["record"][-1]
        assert last["distance"] == pytest.approx(s["route"]["distance_m"], abs=0.5)
        assert frames["record"][0]["timestamp"].isoformat() == f"{s['date']}T05:30:00+00:00"
        water = [p for p in frames["course_point"] if p["type"] == "water"]
        assert [p["name"] for p in water] == ["Water: <b>Font"]
        assert water[0]["distance"] == pytest.approx(safety["water"][0]["along_m"], abs=0.5)
        alerts = [p for p in frames["course_point"] if p["type"] == "alert"]
        assert len(alerts) == len(safety["bailouts"])


def test_one_run_day_keeps_the_long_run_rule_or_says_missed(region, tmp_path, capsys):
    """`--days sun`: the long run is the whole week, so the block says MISSED (exit 3)."""
    argv = [*BASE, *region, "--home", home(), "--out-dir", str(tmp_path / "p")]
    code, out, err = run([*argv, "--days", "sun", "--weeks", "1", "--week-time", "1h"], capsys)
    assert code == 3, err
    assert "long run is 100% of the week's running (limit 30%)" in out + err
