"""Command-line tests: `network` on tiny files and Andorra, and one-line errors for bad input."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from affine import Affine
from synth import make_dem, to_lonlat, write_geotiff, write_osm_xml

from routeplanner.cli import main

# A T-junction around the synth origin: "Main" 1 km east-west, a 400 m spur north.
NODES = {1: (0.0, 0.0), 2: (500.0, 0.0), 3: (1000.0, 0.0), 4: (500.0, 400.0)}
WAYS = [
    (10, [1, 2, 3], {"highway": "path", "name": "Main"}),
    (11, [2, 4], {"highway": "residential"}),
]


def write_osm(path: Path) -> Path:
    return write_osm_xml(path, NODES, WAYS)


def write_tif(path: Path, elevation: np.ndarray, transform: Affine) -> Path:
    return write_geotiff(path, elevation, transform)


def ramp(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 1000.0 + 0.1 * x


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run in an empty folder with a private cache; undo the CLI's logger level."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROUTEPLANNER_DATA_DIR", raising=False)
    logger = logging.getLogger("routeplanner")
    level = logger.level
    yield
    logger.setLevel(level)


@pytest.fixture
def files(tmp_path: Path) -> list[str]:
    """``--osm`` and ``--dem`` options for the tiny T-junction region."""
    dem = make_dem(ramp, extent_m=2000.0, cell_m=20.0)
    osm = write_osm(tmp_path / "tee.osm")
    tif = write_tif(tmp_path / "tee.tif", dem.elevation, dem.transform)
    return ["--osm", str(osm), "--dem", str(tif)]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the CLI; return (exit code, stdout, stderr)."""
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, out: str, err: str, *fragments: str) -> str:
    assert code != 0
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    assert "Traceback" not in err
    assert "internal error" not in err
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


def leftovers(tmp_path: Path, before: set[Path]) -> list[Path]:
    """Files created under tmp_path since ``before`` (outputs, caches, temporaries)."""
    return sorted(p for p in tmp_path.rglob("*") if p.is_file() and p not in before)


def snapshot(tmp_path: Path) -> set[Path]:
    return {p for p in tmp_path.rglob("*") if p.is_file()}


# -- network on tiny files -------------------------------------------------------------


def test_network_json_on_tiny_files(
    files: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["network", *files, "--json"], capsys)
    assert code == 0, err
    stats = json.loads(out)
    assert stats["nodes"] == 4 and stats["edges"] == 3
    assert stats["trail_km"] == 1.0 and stats["road_km"] == 0.4
    assert stats["elevation_min_m"] == pytest.approx(1000.0, abs=0.1)
    assert stats["elevation_max_m"] == pytest.approx(1100.0, abs=0.1)
    assert stats["from_cache"] is False
    assert stats["region"] == "custom"
    cached = list((tmp_path / "cache").glob("*.npz"))
    assert len(cached) == 1
    # Second run: from the cache, same numbers.
    code, out, _ = run(["network", *files, "--json"], capsys)
    again = json.loads(out)
    assert code == 0 and again["from_cache"] is True
    assert {k: v for k, v in again.items() if k not in ("from_cache", "build_s")} == {
        k: v for k, v in stats.items() if k not in ("from_cache", "build_s")
    }
    assert not list((tmp_path / "cache").glob("*.tmp"))


def test_network_text_and_no_cache(
    files: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["network", *files, "--no-cache"], capsys)
    assert code == 0, err
    rows = dict(line.split(None, 1) for line in out.strip().splitlines())
    assert rows["edges"] == "3"
    assert rows["trail_km"] == "1.0"
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


# -- bad input: one line, non-zero exit, nothing left behind ------------------------------


def test_unknown_region(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(tmp_path)
    code, out, err = run(["network", "--region", "narnia", "--data-dir", str(tmp_path)], capsys)
    assert code == 2
    assert_one_line_error(code, out, err, "unknown region", "'narnia'")
    assert leftovers(tmp_path, before) == []


def test_missing_osm_file(
    files: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(tmp_path)
    missing = tmp_path / "nowhere.osm.pbf"
    code, out, err = run(["network", "--osm", str(missing), *files[2:]], capsys)
    assert_one_line_error(code, out, err, "not found", str(missing))
    assert leftovers(tmp_path, before) == []


def test_missing_dem_file(
    files: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(tmp_path)
    missing = tmp_path / "nowhere.tif"
    code, out, err = run(["network", *files[:2], "--dem", str(missing)], capsys)
    assert_one_line_error(code, out, err, "not found", str(missing))
    assert leftovers(tmp_path, before) == []


def test_non_osm_file(files: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "x.osm"
    notes.write_text("my training notes\nnot a map\n")
    before = snapshot(tmp_path)
    code, out, err = run(["network", "--osm", str(notes), *files[2:]], capsys)
    assert code == 2  # a file that is not what it claims is bad input (DataError)
    assert_one_line_error(code, out, err, "not a readable OSM file", str(notes))
    assert leftovers(tmp_path, before) == []


def test_osm_file_without_ways(
    files: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "nothing.osm"
    empty.write_text(
        '<?xml version="1.0"?>\n<osm version="0.6"><node id="1" lat="42.5" lon="1.5"/></osm>\n'
    )
    before = snapshot(tmp_path)
    code, out, err = run(["network", "--osm", str(empty), *files[2:]], capsys)
    assert_one_line_error(code, out, err, "no ways tagged highway", str(empty))
    assert leftovers(tmp_path, before) == []


def test_dem_that_does_not_cover_the_area(
    files: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A 0.1 degree tile in Germany, far from the ways near 1.5 E, 42.5 N.
    far = write_tif(
        tmp_path / "far.tif",
        np.full((10, 10), 500.0, dtype=np.float32),
        Affine(0.01, 0.0, 10.0, 0.0, -0.01, 50.0),
    )
    before = snapshot(tmp_path)
    code, out, err = run(["network", *files[:2], "--dem", str(far)], capsys)
    assert_one_line_error(code, out, err, "DEM")
    assert leftovers(tmp_path, before) == []


_LON, _LAT = (float(c) for c in to_lonlat(500.0, 0.0))
LOOP_START = f"{_LAT:.6f},{_LON:.6f}"  # on the main path


@pytest.mark.parametrize(
    ("options", "fragments"),
    [
        (["--pace", "0:00"], ["invalid pace", "'0:00'"]),
        (["--pace", "abc"], ["invalid pace", "'abc'"]),
        (["--start", "95,1"], ["latitude 95.0 out of range"]),
        (["--start", "42.5,181"], ["longitude 181.0 out of range"]),
        (["--start", "42.5,1.5,3"], ["invalid coordinates", "'42.5,1.5,3'"]),
        (["--duration", "0"], ["invalid duration", "'0'"]),
        (["--duration", "25h"], ["invalid duration", "'25h'"]),
        (["--duration", "soon"], ["duration", "'soon'"]),
        (["--model", "foo"], ["unknown pace model", "'foo'"]),
        (["--max-difficulty", "T9"], ["difficulty", "'T9'"]),
        (["--alternatives", "0"], ["--alternatives", "0", "1<=x<=10"]),
        (["--alternatives", "11"], ["--alternatives", "11", "1<=x<=10"]),
        (["--alternatives", "many"], ["many"]),
        (["--tolerance", "90%"], ["tolerance", "'90%'"]),
        (["--tolerance", "a bit"], ["tolerance", "'a bit'"]),
        (["--out", "missing/map.html"], ["output folder does not exist", "missing"]),
        (["--gpx", "missing/run.gpx"], ["output folder does not exist", "missing"]),
        (["--geojson", "missing/run.geojson"], ["output folder does not exist", "missing"]),
    ],
)
def test_loop_bad_input(
    options: list[str],
    fragments: list[str],
    files: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = {"--start": LOOP_START, "--duration": "30m"}
    for flag, value in zip(options[::2], options[1::2], strict=True):
        args[flag] = value
    argv = ["loop", *files, *(x for kv in args.items() for x in kv)]
    before = snapshot(tmp_path)
    code, out, err = run(argv, capsys)
    assert code == 2
    assert_one_line_error(code, out, err, *fragments)
    # Options are checked before any work: no output, no cache, no temporary file.
    assert leftovers(tmp_path, before) == []
    assert not (tmp_path / "missing").exists()


def test_loop_output_folder_checked_before_loading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Even with a missing OSM file, the bad output path is what is reported first.
    args = ["loop", "--osm", "nowhere.osm", "--dem", "nowhere.tif", "--start", LOOP_START]
    code, out, err = run([*args, "--duration", "30m", "--gpx", "missing/x.gpx"], capsys)
    assert_one_line_error(code, out, err, "output folder does not exist")
    assert leftovers(tmp_path, set()) == []


# -- Andorra, end to end ---------------------------------------------------------------


@pytest.mark.slow
def test_network_json_andorra(
    shared_data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["network", "--region", "andorra-2013", "--data-dir", str(shared_data_dir), "--json"]
    code, out, err = run(args, capsys)
    assert code == 0, err
    stats = json.loads(out)
    assert {
        "nodes",
        "edges",
        "trail_km",
        "road_km",
        "elevation_min_m",
        "elevation_max_m",
        "dem_voids_filled",
        "build_s",
    } <= set(stats)
    assert stats["region"] == "andorra-2013"
    assert 150.0 <= stats["trail_km"] <= 600.0
    assert 100.0 <= stats["road_km"] <= 1000.0
    assert 600.0 <= stats["elevation_min_m"] < stats["elevation_max_m"] <= 3200.0
    assert stats["elevation_max_m"] - stats["elevation_min_m"] > 1500.0
    assert stats["nodes"] > 1000 and stats["edges"] > 1000
    assert stats["dem_voids_filled"] > 0  # the SRTM tile has voids over Andorra
    assert stats["from_cache"] is False
    # The shared data is read-only: the network was cached in the private cache.
    assert len(list((tmp_path / "cache").glob("network-andorra-*.npz"))) == 1
