"""Tests for routeplanner.output.group_safety: one sheet for a group run on a hand-built grid."""

from __future__ import annotations

import json
import re
from datetime import timedelta, timezone
from pathlib import Path

import pytest
from synth import make_network, to_lonlat

from routeplanner import demo
from routeplanner.events.event import parse_event
from routeplanner.events.plan import plan_group_run
from routeplanner.output import group_run
from routeplanner.output.group_safety import group_safety_sheet
from routeplanner.sources.pois import Poi, Pois


def meeting(x: float, y: float) -> str:
    lon, lat = to_lonlat(x, y)
    return f"{float(lat):.7f},{float(lon):.7f}"


EVENT = f'''title = "Test run"
date = 2027-06-12
start = "08:00"
timezone = "Europe/Andorra"
duration = "20min"
meeting_point = "{meeting(0.0, 0.0)}"
location = "Village square"
[[group]]
name = "A"
pace = "4:00"
max_difficulty = "T6"
[[group]]
name = "B"
pace = "5:00"
max_difficulty = "T6"
[[group]]
name = "C"
pace = "6:30"
max_difficulty = "T6"
'''


@pytest.fixture(scope="module")
def grid_plan():
    n, step = 5, 250.0
    nodes = {
        i * n + j + 1: ((j - (n - 1) / 2) * step, (i - (n - 1) / 2) * step)
        for i in range(n)
        for j in range(n)
    }
    ways = []
    for i in range(n):
        ways.append(([i * n + j + 1 for j in range(n)], {"highway": "path", "name": f"Row {i}"}))
        ways.append(([j * n + i + 1 for j in range(n)], {"highway": "path", "name": f"Col {i}"}))
    net = make_network(nodes, ways, elevation=lambda x, y: 1000.0 + 0.05 * x + 0.03 * y)
    return net, plan_group_run(net, parse_event(EVENT, "grid.toml"))


def test_group_sheet_names_back_marker_and_regroup_times(grid_plan) -> None:
    net, plan = grid_plan
    lon, lat = to_lonlat(0.0, 0.0)
    pois = Pois(water=(Poi("drinking_water", "Font", float(lon), float(lat)),))
    sheet = group_safety_sheet(plan, net, pois, outputs=("map.html",))
    assert [label for label, _ in sheet.groups] == ["Group A", "Group B", "Group C"]
    # The slowest flat pace runs at the back; the back-marker is back last.
    assert sheet.back_marker_group == "Group C"
    finishes = [s.daylight.expected_finish for _, s in sheet.groups]
    assert sheet.back_marker_finish == max(finishes)
    for _, s in sheet.groups:
        assert s.daylight.start == plan.event.start
        assert [w.name for w in s.water] == ["Font"]
    # Regroup stops are the featured regroup points, with every group's pass time.
    featured = group_run.featured_regroup_points(plan, n=5)
    assert len(sheet.regroup) == len(featured) > 0
    utc_start = plan.event.start.astimezone(timezone.utc)
    for stop, point in zip(sheet.regroup, featured, strict=True):
        times = dict(stop.times)
        for g, at_s in point.times().items():
            assert times[f"Group {g}"] == utc_start + timedelta(seconds=at_s)
        c_passes = [p.at_s for p in point.passes if p.group == "C"]
        if c_passes:
            assert stop.back_marker == utc_start + timedelta(seconds=max(c_passes))
        else:
            assert stop.back_marker is None
    msg = sheet.partner_message
    assert msg.startswith("Running Test run: ")
    assert "start Sat 12 Jun 08:00 from Village square, back by " in msg
    assert "If you have not heard from us by " in msg and "call 112 and tell them: " in msg
    assert "group run of 3 groups" in msg and "map.html" in msg
    data = sheet.to_json()
    json.dumps(data)
    assert {g["group"] for g in data["groups"]} == {"Group A", "Group B", "Group C"}
    assert {"bailouts", "water", "sunrise", "partner_message"} <= set(data["groups"][0])
    assert data["back_marker_group"] == "Group C"
    text = sheet.to_text()
    assert "GROUP RUN SAFETY SHEET" in text and "R1 " in text and "back-marker" in text
    assert text.count("Partner message:") == 1
    # "3.2-5.0 km, +10-30 m" in metric; miles and feet under --units imperial
    size = re.search(r"Running Test run: ([\d.]+)-([\d.]+) km, \+(\d+)-(\d+) m, ", msg)
    assert size is not None
    lo_km, hi_km = float(size[1]), float(size[2])
    imperial = sheet.to_text(units="imperial").split("Partner message:")[1]
    got = re.search(r"Running Test run: ([\d.]+)-([\d.]+) mi, \+(\d+)-(\d+) ft, ", imperial)
    assert got is not None
    assert float(got[1]) == pytest.approx(lo_km / 1.609344, abs=0.06)
    assert float(got[2]) == pytest.approx(hi_km / 1.609344, abs=0.06)
    assert " km" not in imperial


def test_group_sheet_escapes_hostile_names(grid_plan) -> None:
    net, plan = grid_plan
    lon, lat = to_lonlat(250.0, 0.0)
    hostile = "<img src=x onerror=alert(1)>\x1b[31m"
    pois = Pois(shelters=(Poi("shelter", hostile, float(lon), float(lat)),))
    sheet = group_safety_sheet(plan, net, pois)
    page = sheet.to_html()
    assert "<img" not in page and "&lt;img" in page and "\x1b" not in page
    assert "\x1b" not in sheet.to_text()


@pytest.mark.slow
def test_demo_event_group_cli_writes_safety(shared_data_dir: Path, tmp_path: Path, capsys) -> None:
    from routeplanner.cli import main

    out = tmp_path / "run"
    args = ["group", str(demo.DEMO_EVENT), "--data-dir", str(shared_data_dir)]
    try:
        main([*args, "--out-dir", str(out), "--safety", "--json"])
    except SystemExit as exc:
        assert exc.code in (0, None, 3)
    data = json.loads(capsys.readouterr().out)
    assert data["safety"]["emergency_number"] == "112"
    assert all("safety" in g for g in data["groups"] if g.get("distance_m"))
    text = (out / "safety.txt").read_text(encoding="utf-8")
    assert "GROUP RUN SAFETY SHEET" in text and "call 112" in text


def test_render_outputs_with_a_sheet_marks_map_gpx_and_writes_safety_txt(grid_plan) -> None:
    net, plan = grid_plan
    lon, lat = to_lonlat(250.0, 0.0)
    pois = Pois(shelters=(Poi("shelter", "<b>Cabana</b>", float(lon), float(lat)),))
    sheet = group_safety_sheet(plan, net, pois)
    files = group_run.render_outputs(plan, net, None, offline=True, safety=sheet)
    assert files["safety.txt"] == sheet.to_text()
    assert "rp-safety" in files["map.html"] and "<b>Cabana</b>" not in files["map.html"]
    gpx = [text for name, text in files.items() if name.endswith(".gpx")]
    on_route = [s for _, s in sheet.groups if s.shelters]
    assert on_route  # the shelter lies on at least one loop
    assert sum("<wpt" in text for text in gpx) == len(on_route)
    without = group_run.render_outputs(plan, net, None, offline=True)
    assert "safety.txt" not in without and "rp-safety" not in without["map.html"]
