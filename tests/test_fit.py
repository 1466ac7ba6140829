"""Tests for routeplanner.output.fit: FIT courses checked with an independent decoder."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import fitdecode
import numpy as np
import pytest
from garmin_fit_sdk import Decoder, Stream
from synth import make_network

from routeplanner.errors import InputError
from routeplanner.output import fit
from routeplanner.output.points import RoutePoint, point_at
from routeplanner.pace import RunnerProfile
from routeplanner.route import Route, Step, make_route

START = datetime(2026, 6, 1, 8, 0, tzinfo=timezone(timedelta(hours=2)))


def hill(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A 100 m ridge at x = 1000 m: up 10 % from x = 0, down 10 % to x = 2000."""
    return 1000.0 + 0.1 * np.clip(1000.0 - np.abs(x - 1000.0), 0.0, None)


@pytest.fixture(scope="module")
def hill_route() -> Route:
    net = make_network(
        {1: (0.0, 0.0), 2: (1000.0, 0.0), 3: (2000.0, 0.0)},
        [([1, 2, 3], {"highway": "path", "name": "Ridge"})],
        elevation=hill,
    )
    steps = [Step(e, 0.0, float(net.edge_length_m[e])) for e in range(len(net.edge_length_m))]
    return make_route(net, steps, RunnerProfile(360.0), name="Ridge run", kind="out")


def decode(data: bytes) -> dict[str, list[dict]]:
    """Every data message by name, as field dicts, with fitdecode (CRC checked)."""
    out: dict[str, list[dict]] = {}
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage):
                out.setdefault(frame.name, []).append({f.name: f.value for f in frame.fields})
    return out


def test_course_decodes_with_fitdecode_and_matches_the_route(hill_route):
    water = point_at(hill_route, 1500.0, name="Fountain", kind="water")
    msgs = decode(fit.course_bytes(hill_route, start=START, points=[water]))
    assert msgs["file_id"][0]["type"] == "course"
    assert msgs["course"][0] == {"sport": "running", "name": "Ridge run"}
    records = msgs["record"]
    assert len(records) == len(hill_route.lat)
    dist = np.array([r["distance"] for r in records])
    np.testing.assert_allclose(dist, hill_route.dist_m, atol=0.01)  # scale 100: 1 cm
    alt = np.array([r["altitude"] for r in records])
    np.testing.assert_allclose(alt, hill_route.ele, atol=0.2)  # scale 5: 0.2 m
    lat = np.array([r["position_lat"] for r in records]) * 180.0 / 2**31
    lon = np.array([r["position_long"] for r in records]) * 180.0 / 2**31
    np.testing.assert_allclose(lat, hill_route.lat, atol=1e-6)
    np.testing.assert_allclose(lon, hill_route.lon, atol=1e-6)
    # The known profile: 100 m up and 100 m down over 2 km (DEM sampling loses a little).
    assert alt.max() - alt[0] == pytest.approx(100.0, abs=3.0)
    lap = msgs["lap"][0]
    assert lap["total_distance"] == pytest.approx(2000.0, abs=0.01)
    assert lap["total_ascent"] == round(hill_route.stats.ascent_m)
    # Times: the plan's start, then the pace model's predictions.
    t0 = records[0]["timestamp"]
    assert t0 == START
    elapsed = (records[-1]["timestamp"] - t0).total_seconds()
    assert elapsed == round(hill_route.stats.duration_s)
    assert [e["event_type"] for e in msgs["event"]] == ["start", "stop_disable_all"]


def test_course_points_at_climb_descent_and_extra_points(hill_route):
    water = point_at(hill_route, 1500.0, name="Fountain", kind="water")
    bail = RoutePoint("Bail-out to road", "bailout", 1.51, 42.5, 1200.0)
    msgs = decode(fit.course_bytes(hill_route, start=START, points=[bail, water]))
    points = msgs["course_point"]
    assert [p["type"] for p in points] == ["steep_incline", "info", "alert", "water"]
    climb, descent, bailout, fountain = points
    assert climb["distance"] == pytest.approx(0.0, abs=1.0)
    assert climb["name"].startswith("Climb 1: +")
    assert descent["distance"] == pytest.approx(1000.0, abs=25.0)
    assert fountain["distance"] == pytest.approx(1500.0, abs=0.01)
    assert fountain["name"] == "Fountain"
    assert bailout["name"] == "Bail-out to road"
    assert climb["timestamp"] < descent["timestamp"] < bailout["timestamp"]


def test_no_climb_points_when_asked(hill_route):
    msgs = decode(fit.course_bytes(hill_route, start=START, climbs=False))
    assert "course_point" not in msgs


def test_garmin_decoder_reads_it_without_errors(hill_route):
    data = fit.course_bytes(hill_route, start=START)
    assert Decoder(Stream.from_byte_array(bytearray(data))).check_integrity()
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    assert len(messages["record_mesgs"]) == len(hill_route.lat)


def test_names_are_cleaned_and_cut_to_whole_characters(hill_route):
    nasty = "Refugi\x00\x07 d'Àrcalís — " + "é" * 40
    point = point_at(hill_route, 10.0, name=nasty, kind="regroup")
    msgs = decode(fit.course_bytes(hill_route, start=START, name=nasty, points=[point]))
    name = msgs["course"][0]["name"]
    assert name.startswith("Refugi d'Àrcalís")
    assert len(name.encode("utf-8")) <= fit.FIT_NAME_BYTES
    assert "\x00" not in name and "\x07" not in name
    assert [p["type"] for p in msgs["course_point"]][1] == "meeting_spot"


def test_naive_start_and_unknown_point_kind_are_refused(hill_route):
    with pytest.raises(InputError, match="time zone"):
        fit.course_bytes(hill_route, start=datetime(2026, 6, 1, 8))
    with pytest.raises(InputError, match="unknown point kind"):
        fit.course_bytes(hill_route, start=START, points=[RoutePoint("x", "pub", 1.5, 42.5, 0)])


def test_write_course_is_atomic_and_checks_the_folder(hill_route, tmp_path):
    out = fit.write_course(tmp_path / "ridge.fit", hill_route, start=START)
    assert out.read_bytes()[8:12] == b".FIT"
    assert [p.name for p in tmp_path.iterdir()] == ["ridge.fit"]
    with pytest.raises(InputError):
        fit.write_course(tmp_path / "missing" / "x.fit", hill_route, start=START)


def _every_record_through_the_sdk(enc, route, start_utc):
    for rec in fit._records(route, start_utc):
        enc.write_mesg(rec)


@pytest.mark.parametrize("gaps", [(), (0,), (3, 4, 5), (1, 3, 5, 7, -1)])
def test_records_packed_here_are_the_bytes_the_sdk_writes(hill_route, monkeypatch, gaps):
    # Points without an elevation change the record's definition (no altitude), which
    # the SDK must write; the records between are packed without it.
    from dataclasses import replace

    ele = np.array(hill_route.ele, dtype=float)
    ele[list(gaps)] = np.nan
    route = replace(hill_route, ele=ele)
    start = START + timedelta(microseconds=600_000)  # record times truncate as the SDK's
    points = [point_at(route, 500.0, name="Spring", kind="water")]
    fast = fit.course_bytes(route, start=start, points=points)
    monkeypatch.setattr(fit, "_write_records", _every_record_through_the_sdk)
    assert fit.course_bytes(route, start=start, points=points) == fast
    records = decode(fast)["record"]
    assert len(records) == len(route.lat)
    assert sum("altitude" not in r or r["altitude"] is None for r in records) == len(set(gaps))
