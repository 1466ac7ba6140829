"""Reading recordings: GPX, TCX and FIT, and clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from synth import write_gpx_track

from routeplanner.errors import InputError
from routeplanner.sources.tracks import read_track

LON = np.linspace(1.5, 1.51, 6)
LAT = np.linspace(42.5, 42.505, 6)
ELE = np.array([1000.0, 1002.0, 1004.0, 1006.0, 1008.0, 1010.0])
TIMES = np.arange(6) * 10.0


def test_gpx_points_in_time_order(tmp_path: Path):
    track = read_track(write_gpx_track(tmp_path / "a.gpx", TIMES, LON, LAT, ELE))
    assert len(track) == 6
    np.testing.assert_allclose(track.time_s, TIMES)
    np.testing.assert_allclose(track.lon, LON, atol=1e-7)
    np.testing.assert_allclose(track.ele_m, ELE, atol=0.01)
    assert track.start is not None and track.start.year == 2024
    assert track.repaired == 0


def test_out_of_order_and_duplicate_points_are_repaired(tmp_path: Path):
    order = [0, 2, 1, 3, 3, 4, 5]
    path = write_gpx_track(tmp_path / "o.gpx", TIMES[order], LON[order], LAT[order], ELE[order])
    track = read_track(path)
    np.testing.assert_allclose(track.time_s, TIMES)
    np.testing.assert_allclose(track.lon, LON, atol=1e-7)
    assert track.repaired == 3  # two swapped, one duplicate


def test_missing_elevations_are_interpolated(tmp_path: Path):
    path = write_gpx_track(tmp_path / "e.gpx", TIMES, LON, LAT, ELE)
    text = path.read_text().replace("<ele>1004.00</ele>", "")
    path.write_text(text)
    track = read_track(path)
    assert track.ele_m[2] == pytest.approx(1004.0)


def test_points_without_time_are_dropped(tmp_path: Path):
    path = write_gpx_track(tmp_path / "t.gpx", TIMES, LON, LAT, ELE)
    path.write_text(path.read_text().replace("<time>2024-05-01T08:00:20Z</time>", ""))
    track = read_track(path)
    assert len(track) == 5
    assert track.repaired == 1


def test_no_times_is_a_clear_error_unless_a_planned_line(tmp_path: Path):
    path = write_gpx_track(tmp_path / "plan.gpx", None, LON, LAT, ELE)
    with pytest.raises(InputError, match="no point has a time"):
        read_track(path)
    planned = read_track(path, require_times=False)
    assert len(planned) == 6 and planned.start is None
    np.testing.assert_array_equal(planned.time_s, np.zeros(6))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.gpx", "", "not a readable GPX"),
        ("garbage.gpx", "this is not xml", "not a readable GPX"),
        ("garbage.tcx", "<html></html>", "not a readable TCX"),
        ("garbage.fit", "\x00\x01 not a fit file", "not a readable FIT"),
        (
            "nopoints.gpx",
            '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"/>',
            "0 positioned",
        ),
        ("run.kml", "<kml/>", "unknown track type"),
    ],
)
def test_bad_files_give_one_clear_line(tmp_path: Path, name: str, content: str, message: str):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InputError, match=message) as err:
        read_track(path)
    assert "\n" not in str(err.value)
    assert "GPX, TCX or FIT" in str(err.value) or "expected" in str(err.value)


def test_missing_file(tmp_path: Path):
    with pytest.raises(InputError, match="no such file"):
        read_track(tmp_path / "gone.gpx")


def test_tcx_reader(tmp_path: Path):
    ns = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
    pts = "".join(
        f"<Trackpoint><Time>2024-05-01T08:00:{int(t):02d}Z</Time><Position>"
        f"<LatitudeDegrees>{la}</LatitudeDegrees><LongitudeDegrees>{lo}</LongitudeDegrees>"
        f"</Position><AltitudeMeters>{z}</AltitudeMeters></Trackpoint>"
        for t, lo, la, z in zip(TIMES, LON, LAT, ELE, strict=True)
    )
    pts += "<Trackpoint><Time>2024-05-01T08:01:00Z</Time></Trackpoint>"  # no position
    path = tmp_path / "a.tcx"
    path.write_text(
        f'<TrainingCenterDatabase xmlns="{ns}"><Activities><Activity><Lap><Track>'
        f"{pts}</Track></Lap></Activity></Activities></TrainingCenterDatabase>"
    )
    track = read_track(path)
    assert len(track) == 6
    np.testing.assert_allclose(track.ele_m, ELE)
    np.testing.assert_allclose(track.time_s, TIMES)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "moving_h"),
    [
        ("pilis_20130922.gpx", 2.03),
        ("sportslib_pilat_6048438275.gpx", 1.38),
        ("sportslib_grenoble_1604524853.tcx", 1.10),
        ("sportslib_greece_garmin.tcx", 1.40),
        ("sportslib_southdowns_6914448270.fit", 5.54),
    ],
)
def test_real_recordings(shared_data_dir: Path, name: str, moving_h: float):
    from routeplanner.pace.fitting import moving_time_s

    track = read_track(shared_data_dir / "tracks" / name)
    assert len(track) > 200
    assert track.has_elevation
    assert np.all(np.diff(track.time_s) > 0)
    # The README's moving hours (gaps <= 60 s), to its two decimals.
    assert moving_time_s(track) / 3600.0 == pytest.approx(moving_h, abs=0.006)


def test_route_gpx_is_a_planned_line(tmp_path: Path):
    pts = "".join(
        f'<rtept lat="{la}" lon="{lo}"><ele>{z}</ele></rtept>'
        for lo, la, z in zip(LON, LAT, ELE, strict=True)
    )
    path = tmp_path / "route.gpx"
    path.write_text(
        '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<rte><name>plan</name>{pts}</rte></gpx>"
    )
    line = read_track(path, require_times=False)
    np.testing.assert_allclose(line.lon, LON)
    np.testing.assert_allclose(line.ele_m, ELE)
    with pytest.raises(InputError, match="no point has a time"):
        read_track(path)
