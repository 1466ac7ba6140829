"""Ski grades and ATES classes on synthetic slopes built to hit each class."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from synth import make_dem, to_lonlat

from routeplanner.skilines import grading
from routeplanner.skilines.lines import RawLine, analyze_line
from routeplanner.sources.forest import ForestCover

STEP_M = 5.0


def profile(pieces: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distance, elevation, slope of a fall line of (slope °, vertical m) pieces, top first."""
    d, z, s = [0.0], [3000.0], [pieces[0][0]]
    for slope, vertical in pieces:
        run = vertical / math.tan(math.radians(slope))
        n = max(1, round(run / STEP_M))
        for _ in range(n):
            d.append(d[-1] + run / n)
            z.append(z[-1] - vertical / n)
            s.append(slope)
    return np.array(d), np.array(z), np.array(s)


def grade(pieces, forest_share: float | None = None) -> grading.SkiGrading:
    d, z, s = profile(pieces)
    forest = None
    if forest_share is not None:
        forest = d <= forest_share * d[-1]
    return grading.grade_line(d, z, s, np.full(len(d), 10.0), forest=forest, cell_m=30.0)


@pytest.mark.parametrize(
    ("pieces", "expected"),
    [
        ([(25.0, 500.0)], "S1"),
        ([(25.0, 200.0), (29.5, 300.0)], "S1"),
        ([(33.0, 300.0)], "S2"),
        ([(28.0, 200.0), (37.0, 50.0), (28.0, 200.0)], "S2"),  # a short 35° step
        ([(37.0, 150.0)], "S3"),  # a long 35° pitch
        ([(33.0, 200.0), (42.0, 50.0), (33.0, 100.0)], "S3"),  # short 40-45°
        ([(42.0, 150.0)], "S3"),  # 40-45° but under 200 m of vertical
        ([(42.0, 250.0)], "S4"),
        ([(47.0, 250.0)], "S4"),  # 45° but under 300 m: still S4
        ([(47.0, 350.0)], "S5"),
        ([(35.0, 200.0), (52.0, 120.0)], "S5"),  # > 50° over 100 m
        ([(35.0, 200.0), (52.0, 80.0)], "S3"),  # > 50° but too short, 40° over 80 m
    ],
)
def test_ski_grade_of_synthetic_slopes(pieces, expected: str) -> None:
    assert grade(pieces).ski_grade == expected


def test_pitches_in_vertical_metres() -> None:
    g = grade([(25.0, 100.0), (42.0, 250.0), (33.0, 100.0), (47.0, 60.0)])
    p = g.pitches_vertical_m
    # 30°+: the 42° pitch runs on through 33° and 47°: 250 + 100 + 60 m (each
    # pitch starts at its first steep sample, one 5 m step below its top).
    assert p["30"] == pytest.approx(410.0, abs=6.0)
    assert p["35"] == pytest.approx(250.0, abs=6.0)
    assert p["40"] == pytest.approx(250.0, abs=6.0)
    assert p["45"] == pytest.approx(60.0, abs=6.0)
    assert p["50"] == 0.0
    out = g.as_dict()
    assert set(out["pitches_vertical_m"]) == {"30", "35", "40", "45"}
    assert g.ski_grade == "S4"


def test_slope_histogram_shares_length() -> None:
    # Equal horizontal runs at 20° and 37°.
    d = np.arange(0.0, 201.0, 10.0)
    s = np.where(d < 100.0, 20.0, 37.0)
    h = grading.slope_histogram(d, s)
    assert h["<30"] == pytest.approx(0.5, abs=0.03)
    assert h["35-40"] == pytest.approx(0.5, abs=0.03)
    assert sum(h.values()) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("pieces", "forest_share", "expected"),
    [
        ([(22.0, 400.0)], 0.0, "simple"),  # low angle, open
        ([(22.0, 300.0), (32.0, 20.0)], 0.0, "simple"),  # under 10 % at 30°+
        ([(32.0, 400.0)], 0.0, "challenging"),  # 30-35°, open
        ([(32.0, 400.0)], 0.8, "simple"),  # 30-35° but primarily treed
        ([(25.0, 300.0), (38.0, 60.0)], 0.0, "challenging"),  # isolated 35°+
        ([(38.0, 400.0)], 0.0, "complex"),  # large share over 35°, open
        ([(38.0, 400.0)], 0.7, "challenging"),  # the same in forest
        ([(38.0, 400.0)], None, "complex"),  # forest unknown: no credit
    ],
)
def test_ates_class_of_synthetic_slopes(pieces, forest_share, expected: str) -> None:
    g = grade(pieces, forest_share)
    assert g.ates == expected
    if forest_share is not None:
        assert g.forest_share == pytest.approx(forest_share, abs=0.02)
    assert "not an avalanche forecast" in g.as_dict()["ates_note"]


def test_aspect_sector_and_elevation_band() -> None:
    d, z, s = profile([(30.0, 240.0)])
    for aspect, sector in ((0.0, "N"), (44.0, "NE"), (135.0, "SE"), (200.0, "S"), (300.0, "NW")):
        g = grading.grade_line(d, z, s, np.full(len(d), aspect))
        assert g.aspect_sector == sector
    assert g.elevation_band_m == (2700.0, 3000.0)
    assert "unknown resolution" in g.ski_grade_note


def test_coarse_dem_is_stated() -> None:
    d, z, s = profile([(30.0, 240.0)])
    note = grading.grade_line(d, z, s, np.zeros(len(d)), cell_m=92.0).ski_grade_note
    assert "92 m DEM" in note and "one step too easy" in note


def _face(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A south-facing face (rising north): 42° for y in 200..600 m (360 m of vertical), 25° else."""
    t25, t42 = math.tan(math.radians(25.0)), math.tan(math.radians(42.0))
    z = np.where(y > 600.0, 2000.0 + (y - 600.0) * t25, 2000.0 - (600.0 - y) * t42)
    low = 2000.0 - 400.0 * t42
    return np.where(y < 200.0, low - (200.0 - y) * t25, z)


def test_a_line_on_a_dem_face_end_to_end() -> None:
    dem = make_dem(_face, extent_m=1500.0, cell_m=10.0)
    lon, lat = to_lonlat(np.zeros(2), np.array([900.0, -100.0]))
    forest = ForestCover((shapely.box(*to_lonlat(-50.0, -200.0), *to_lonlat(50.0, 150.0)),))
    line = analyze_line(RawLine("t", "Face", "file", lon, lat, {}), dem, forest=forest)
    g = line.grading
    assert g.ski_grade == "S4"  # 42° over ~360 m of vertical
    # 360 m of 42°; Horn's 3x3 rounds each slope break over about a cell.
    assert 310.0 <= g.pitches_vertical_m["40"] <= 362.0
    assert g.pitches_vertical_m["45"] == 0.0
    assert g.aspect_sector == "S"
    assert g.ates == "complex"
    assert g.forest_share == pytest.approx(250.0 / 1000.0, abs=0.03)
    out = line.summary()
    assert out["ski_grade"] == "S4" and out["ates"] == "complex"
    top_lon, top_lat, top_ele = out["top"]
    assert (top_lon, top_lat) == (pytest.approx(float(lon[0])), pytest.approx(float(lat[0])))
    assert top_ele == pytest.approx(_face(np.array(0.0), np.array(900.0)), abs=1.0)
    assert out["bottom"][2] < top_ele


@pytest.mark.slow
def test_andorra_lines_json_near_and_map(shared_data_dir, tmp_path, monkeypatch, capsys) -> None:
    import json

    import routeplanner.cli.lines  # noqa: F401  (registers the command)
    from routeplanner.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(tmp_path / "cache"))
    args = ["lines", "--region", "andorra", "--data-dir", str(shared_data_dir)]
    args += ["--near", "42.5785,1.6663", "--within", "3km", "--json", "--out", "lines.html"]
    main(args)  # returns on success; exits only on errors
    data = json.loads(capsys.readouterr().out)
    lines = data["lines"]
    assert len(lines) > 5
    for ln in lines:
        assert ln["ski_grade"] in {"S1", "S2", "S3", "S4", "S5"}
        assert ln["ates"] in {"simple", "challenging", "complex"}
        assert set(ln["pitches_vertical_m"]) == {"30", "35", "40", "45"}
        assert ln["aspect_sector"] in grading.SECTORS
        assert 0.0 <= ln["forest_share"] <= 1.0
        lon, lat, ele = ln["top"]
        assert 1.4 < lon < 1.8 and 42.4 < lat < 42.7 and ele >= ln["bottom"][2]
        assert ln["distance_m"] <= 3000.0
    distances = [ln["distance_m"] for ln in lines]
    assert distances == sorted(distances)
    page = (tmp_path / "lines.html").read_text()
    assert "not an avalanche forecast" in page
    assert "Junctions" not in page  # the panel lists lines, not network statistics
