"""Tests for routeplanner.events.group and `routeplanner group`: events, plans, outputs."""

from __future__ import annotations

import base64
import dataclasses
import itertools
import json
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import gpxpy
import icalendar
import numpy as np
import pytest
from lxml import etree

from routeplanner import demo, pace, units
from routeplanner.errors import CoverageError, InputError
from routeplanner.events import event as E
from routeplanner.events import plan as planning
from routeplanner.events import regroup
from routeplanner.output import group_run as group_out
from routeplanner.output.policy import MANIFEST_NAME
from routeplanner.pace import RunnerProfile
from routeplanner.route import Step, make_route

if str(Path(__file__).resolve().parent) not in sys.path:  # synth.py lives beside this file
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import make_network, to_lonlat

NASTY = '<img src=x onerror=alert(1)> & "quotes"'
STAMP = datetime(2027, 1, 1, tzinfo=timezone.utc)


def meeting(x: float, y: float) -> str:
    lon, lat = to_lonlat(x, y)
    return f"{float(lat):.7f},{float(lon):.7f}"


def event_toml(
    *,
    duration: str = 'duration = "20min"',
    point: str | None = None,
    groups: tuple[tuple[str, str], ...] = (("A", "4:00"), ("B", "5:00"), ("C", "6:30")),
    extra: str = "",
) -> str:
    head = f'''title = "Test run"
date = 2027-06-12
start = "08:00"
timezone = "Europe/Andorra"
{duration}
meeting_point = "{point or meeting(0.0, 0.0)}"
location = "Village square"
notes = "Bring water."
{extra}
'''
    body = "".join(
        # JSON string escapes are TOML basic-string escapes
        f'\n[[group]]\nname = {json.dumps(name)}\npace = "{p}"\nmax_difficulty = "T6"\n'
        for name, p in groups
    )
    return head + body


def grid_network(n: int = 5, step_m: float = 250.0):
    """A gently tilted n x n grid of paths around the origin: loops of every size."""
    nodes = {}
    for i in range(n):
        for j in range(n):
            nodes[i * n + j + 1] = ((j - (n - 1) / 2) * step_m, (i - (n - 1) / 2) * step_m)
    ways = []
    for i in range(n):
        ways.append(([i * n + j + 1 for j in range(n)], {"highway": "path", "name": f"Row {i}"}))
        ways.append(([j * n + i + 1 for j in range(n)], {"highway": "path", "name": f"Col {i}"}))
    return make_network(nodes, ways, elevation=lambda x, y: 1000.0 + 0.05 * x + 0.03 * y)


@pytest.fixture(scope="module")
def grid():
    return grid_network()


@pytest.fixture(scope="module")
def grid_plan(grid):
    return planning.plan_group_run(grid, E.parse_event(event_toml(), "grid.toml"))


# -- the event file --------------------------------------------------------------------


def test_parse_event_values():
    ev = E.parse_event(event_toml(duration='return = "09:15"'), "e.toml")
    assert ev.start == datetime(2027, 6, 12, 8, 0, tzinfo=ZoneInfo("Europe/Andorra"))
    assert ev.start.utcoffset() == timedelta(hours=2)  # CEST in June
    assert ev.duration_s == 75 * 60
    assert ev.end.strftime("%H:%M") == "09:15"
    lon, lat = to_lonlat(0.0, 0.0)
    assert ev.meeting == pytest.approx((float(lon), float(lat)), abs=1e-7)
    assert [g.name for g in ev.groups] == ["A", "B", "C"]
    assert [g.profile.flat_pace_s_per_km for g in ev.groups] == [240.0, 300.0, 390.0]
    assert ev.groups[1].label == "Group B"
    assert ev.notes == "Bring water."


def test_example_event_parses():
    ev = E.load_event(demo.DEMO_EVENT)
    assert len(ev.groups) == 3
    assert ev.region == "andorra"
    assert ev.duration_s == 75 * 60
    assert ev.preferences.search_preferences().class_factor == (1.0, 3.0, 20.0)  # trail-first


def test_toml_syntax_error_names_file_and_line():
    text = 'title = "x"\ndate = 2027-06-12\nstart = "08:00\n'
    with pytest.raises(InputError, match=r"^party\.toml:3: TOML syntax error"):
        E.parse_event(text, "party.toml")
    with pytest.raises(InputError, match=r"^party\.toml: TOML syntax error: Exceeds the limit"):
        E.parse_event("seed = " + "9" * 5000, "party.toml")  # an int past int()'s digit limit


def test_unknown_top_level_key_lists_valid_ones():
    text = event_toml(extra='colour = "red"')
    with pytest.raises(InputError) as exc:
        E.parse_event(text, "e.toml")
    msg = str(exc.value)
    line = text.splitlines().index('colour = "red"') + 1
    assert msg.startswith(f"e.toml:{line}: unknown key 'colour' at the top level")
    assert "valid keys: " + ", ".join(E.EVENT_KEYS) in msg


def test_unknown_group_key_points_at_its_line_with_a_hint():
    text = event_toml() + 'pase = "5:00"\n'  # in the last [[group]]
    with pytest.raises(InputError) as exc:
        E.parse_event(text, "e.toml")
    msg = str(exc.value)
    assert msg.startswith(f"e.toml:{len(text.splitlines())}: unknown key 'pase' in [[group]] #3")
    assert "did you mean 'pace'?" in msg
    assert ", ".join(E.GROUP_KEYS) in msg


def test_unknown_preference_key():
    text = event_toml(extra="[preferences]\nno_roads = true\n")
    with pytest.raises(InputError, match=r"unknown key 'no_roads' in \[preferences\].*avoid_roads"):
        E.parse_event(text, "e.toml")


def test_duplicate_group_names_are_rejected():
    text = event_toml(groups=(("Fast", "4:00"), ("Easy", "6:00"), ("fast ", "5:00")))
    with pytest.raises(InputError) as exc:
        E.parse_event(text, "e.toml")
    lines = text.splitlines()
    line = lines.index('name = "fast "') + 1
    assert str(exc.value).startswith(f"e.toml:{line}: duplicate group name 'fast'")
    assert "#1 and #3" in str(exc.value)


@pytest.mark.parametrize("names", [("A", "Group A"), ("group b", "B"), ("GROUP  c", "c")])
def test_group_names_that_print_the_same_are_rejected(names):
    text = event_toml(groups=((names[0], "4:00"), (names[1], "5:00")))
    with pytest.raises(InputError) as exc:
        E.parse_event(text, "e.toml")
    line = text.splitlines().index(f"name = {json.dumps(names[1])}") + 1
    msg = str(exc.value)
    assert msg.startswith(f"e.toml:{line}: duplicate group name {names[1]!r} (both shown as ")
    assert "#1 and #2" in msg and msg.count("\n") == 0
    assert E.parse_event(event_toml(groups=(("A", "4:00"), ("Group B", "5:00"))), "e.toml")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (('timezone = "Europe/Andorra"', 'timezone = "Europe/Atlantis"'), "unknown timezone"),
        (('timezone = "Europe/Andorra"', 'timezone = "../etc/passwd"'), "unknown timezone"),
        (('start = "08:00"', 'start = "25:00"'), "invalid start time '25:00'"),
        (('start = "08:00"', 'start = "8 am"'), "invalid start time"),
        (("date = 2027-06-12", 'date = "12/06/2027"'), "invalid date"),
        (("date = 2027-06-12", "date = 9999-12-31"), "e.toml:.*use a day from 1990-01-01"),
        (('pace = "5:00"', 'pace = "5:75"'), "group 'B'.*invalid pace '5:75'"),
        (('pace = "5:00"', 'pace = "0:30"'), "group 'B'.*invalid pace"),
        (('max_difficulty = "T6"', 'max_difficulty = "T9"'), "group 'A'.*difficulty"),
        (('duration = "20min"', 'duration = "0min"'), "invalid duration"),
        (('duration = "20min"', 'duration = "30h"'), "invalid duration"),
        (('duration = "20min"', 'return = "07:30"'), "return 07:30 is not after the start"),
        (('duration = "20min"', 'duration = "20min"\nreturn = "9:00"'), "not both"),
        (('duration = "20min"', ""), "duration .* or return .* not neither"),
        (('title = "Test run"', ""), "title is missing"),
        (('title = "Test run"', 'title = "Test\\nrun"'), "title must be one line"),
        (('max_difficulty = "T6"', 'max_difficulty = "T6"\nmodel = "bike"'), "'A'.*model"),
        (('max_difficulty = "T6"', "max_difficulty = 9"), "group 'A'.*invalid difficulty 9"),
        (("meeting_point = ", "meeting_point = '42.5' #"), "meeting_point: invalid coordinates"),
        (("meeting_point = ", "meeting_point = '95,1' #"), "latitude 95.0 out of range"),
    ],
)
def test_bad_values_give_clear_errors(change, match):
    text = event_toml()
    old, new = change
    assert old in text
    with pytest.raises(InputError, match=match) as exc:
        E.parse_event(text.replace(old, new, 1), "e.toml")
    assert re.match(r"e\.toml(:\d+)?: ", str(exc.value))
    assert "\n" not in str(exc.value)


def test_a_group_without_max_difficulty_gets_t2():
    text = event_toml()
    first = text.index('max_difficulty = "T6"\n')
    text = text[:first] + text[first + len('max_difficulty = "T6"\n') :]
    event = E.parse_event(text, "e.toml")
    assert event.groups[0].profile.max_difficulty == 2 == pace.parse_difficulty("T2")
    assert [g.profile.max_difficulty for g in event.groups[1:]] == [6, 6]


def test_start_in_the_dst_gap_is_rejected():
    text = event_toml().replace("2027-06-12", "2027-03-28").replace('"08:00"', '"02:30"')
    with pytest.raises(InputError, match="02:30 does not exist on 2027-03-28 in Europe/Andorra"):
        E.parse_event(text, "e.toml")


def test_return_time_across_the_autumn_clock_change():
    # 2027-10-31 in Andorra: 03:00 CEST becomes 02:00 CET, so 01:30 to 03:30 is 3 h.
    text = event_toml(duration='return = "03:30"').replace("2027-06-12", "2027-10-31")
    ev = E.parse_event(text.replace('"08:00"', '"01:30"'), "e.toml")
    assert ev.duration_s == 3 * 3600
    assert ev.end.strftime("%H:%M") == "03:30"


def test_workout_keys_are_parsed():
    ev = E.parse_event(
        event_toml() + 'include_climbs = 2\nclimb_grade = "skin-track"\ninclude_descent = true\n',
        "e.toml",
    )
    last = ev.groups[-1]
    assert last.include_climbs == 2
    assert last.climb_grade == pytest.approx((0.15, 0.30))
    assert last.include_descent is True
    with pytest.raises(InputError, match="include_climbs must be a whole number"):
        E.parse_event(event_toml() + "include_climbs = 9\n", "e.toml")


@pytest.mark.parametrize("climbs", [5, -1])
def test_include_climbs_beyond_what_a_loop_takes_is_refused_when_read(climbs):
    from routeplanner.search.workouts import MAX_SEGMENTS_IN_LOOP

    text = event_toml() + f"include_climbs = {climbs}\n"
    with pytest.raises(InputError) as exc:
        E.parse_event(text, "e.toml")
    msg = str(exc.value)
    assert msg.startswith(f"e.toml:{len(text.splitlines())}: group 'C': include_climbs ")
    assert f"0..{MAX_SEGMENTS_IN_LOOP}, got {climbs}" in msg and msg.count("\n") == 0
    top = E.parse_event(event_toml() + f"include_climbs = {MAX_SEGMENTS_IN_LOOP}\n", "e.toml")
    assert top.groups[-1].include_climbs == MAX_SEGMENTS_IN_LOOP


@pytest.mark.slow
def test_andorra_group_with_a_climb(andorra_network):
    text = demo.DEMO_EVENT.read_text(encoding="utf-8")
    text += '\n[[group]]\nname = "Hills"\npace = "6:00"\nmax_difficulty = "T3"\n'
    text += "include_climbs = 1\n"
    ev = E.parse_event(text, "saturday.toml")
    plan = planning.plan_group_run(andorra_network, ev)
    hills = next(r for r in plan.results if r.group.name == "Hills")
    assert hills.within_tolerance
    assert hills.route.segment_ids


def test_load_event_missing_file(tmp_path):
    with pytest.raises(OSError, match="event file not found"):
        E.load_event(tmp_path / "nope.toml")


# -- planning --------------------------------------------------------------------------


def test_every_group_within_three_percent(grid_plan):
    T = 20 * 60
    assert grid_plan.tolerance == 0.03
    assert grid_plan.all_within_tolerance
    distances = []
    for r in grid_plan.results:
        assert r.route is not None and r.problem is None and r.within_tolerance
        assert abs(r.route.stats.duration_s / T - 1.0) <= 0.03
        assert r.return_time == grid_plan.event.start + timedelta(seconds=r.route.stats.duration_s)
        distances.append(r.route.stats.distance_m)
        # a closed loop from the meeting point
        assert r.route.lon[0] == pytest.approx(r.route.lon[-1], abs=1e-9)
        assert r.route.lat[0] == pytest.approx(r.route.lat[-1], abs=1e-9)
    # same time, so the slower group runs less distance
    assert distances[0] > distances[1] > distances[2]
    assert "NOT within" not in group_out.summary_text(grid_plan)


def test_summary_in_imperial_units(grid_plan):
    metric = group_out.summary_text(grid_plan).splitlines()
    imperial = group_out.summary_text(grid_plan, units="imperial").splitlines()
    assert imperial[0] == metric[0]  # the event line has times only
    for r, line, km_line in zip(grid_plan.results, imperial[1:], metric[1:], strict=False):
        s = r.route.stats
        pace_mi = units.format_pace(r.group.profile.flat_pace_s_per_km, "imperial")
        assert line.startswith(f"{r.group.label}, {pace_mi}: ")
        assert f"{s.distance_m / units.MI_M:.1f} mi, ↑{s.ascent_m / units.FT_M:.0f} ft" in line
        assert "km" not in line and f"{s.distance_m / 1000:.1f} km" in km_line
        assert line == group_out.summary_line(r, grid_plan.event.start, units="imperial")


def test_a_group_that_cannot_meet_the_rule_is_told_plainly():
    # A lone 2 km square: 10 min at 5:00/km, 60 min at 30:00/km; the event is 30 min.
    net = make_network(
        {1: (0, 0), 2: (500, 0), 3: (500, 500), 4: (0, 500)},
        [([1, 2, 3, 4, 1], {"highway": "path", "name": "Square"})],
    )
    text = event_toml(
        duration='duration = "30min"',
        point=meeting(250.0, 0.0),
        groups=(("Walk", "15:00"), ("Run", "5:00")),
    )
    plan = planning.plan_group_run(net, E.parse_event(text, "e.toml"))
    walk, run = plan.results
    assert walk.within_tolerance and walk.problem is None
    assert not run.within_tolerance and not plan.all_within_tolerance
    assert abs(run.deviation) > 0.03
    assert run.problem.startswith("NOT within ±3% of the 30 min event: the closest loop")
    text = group_out.summary_text(plan)
    run_line = next(line for line in text.splitlines() if line.startswith("Group Run"))
    assert "NOT within ±3%" in run_line
    assert "Warning: Group Run cannot be given a loop within ±3%" in text
    data = group_out.plan_json(plan)
    assert [g["within_tolerance"] for g in data["groups"]] == [True, False]
    assert data["groups"][1]["problem"] == run.problem


def test_meeting_point_outside_the_region(grid):
    far = meeting(50_000.0, 0.0)  # 50 km east: outside the synthetic DEM
    ev = E.parse_event(event_toml(point=far), "e.toml")
    with pytest.raises(CoverageError, match="meeting point is outside the region"):
        planning.plan_group_run(grid, ev)


def test_preferences_set_search_costs():
    # trail-first is the default; roads allowed gives the plain search costs
    assert E.EventPreferences().search_preferences().class_factor == (1.0, 3.0, 20.0)
    prefs = E.EventPreferences(prefer_trails=False, avoid_roads=True)
    assert prefs.search_preferences().class_factor == (1.0, 2.0, 20.0)
    plain = E.EventPreferences(avoid_roads=False)
    assert plain.search_preferences().class_factor == (1.0, 1.5, 4.0)


def test_avoid_roads_key_keeps_the_route_off_a_main_road_that_is_not_needed():
    # From M, the only loop of the event's time runs M-A-B on paths and back by a
    # secondary road; the paths also reach a long dead end to the west.
    side = 3333.0 / (2 + np.sqrt(2))  # loop M-A-B-M = 20 min at 6:00/km
    net = make_network(
        {1: (0.0, 0.0), 2: (side, 0.0), 3: (side, side), 4: (-2500.0, 0.0)},
        [
            ([4, 1, 2, 3], {"highway": "path", "name": "Valley path"}),
            ([3, 1], {"highway": "secondary", "name": "CG-9"}),
        ],
    )

    def route(key: str):
        text = event_toml(groups=(("A", "6:00"),), extra=f"[preferences]\n{key}\n")
        (result,) = planning.plan_group_run(net, E.parse_event(text, "e.toml")).results
        assert result.route is not None
        return result.route

    plain, allowed = route("avoid_roads = false"), route("allow_roads = true")
    assert "CG-9" in plain.names and "CG-9" in allowed.names
    # CG-9 would be 41 % of the loop: more than a short link, so an honest out-and-back
    for avoiding in (route("avoid_roads = true"), route("prefer_trails = true")):
        assert "CG-9" not in avoiding.names and avoiding.stats.main_road_share == 0.0
        assert avoiding.outcome is not None and avoiding.outcome.shape == "out-and-back"
    with pytest.raises(InputError, match="allow_roads and avoid_roads contradict"):
        route("allow_roads = true\navoid_roads = true")


def _valley(road: str = "path", slope: float = 0.0, back_tags: dict | None = None):
    """Loop M-A-B-M east (its back way tagged ``road``, ``slope`` uphill to the east),
    and a flat path dead end 2.5 km to the west."""
    side = 3333.0 / (2 + np.sqrt(2))
    return make_network(
        {1: (0.0, 0.0), 2: (side, 0.0), 3: (side, side), 4: (-2500.0, 0.0)},
        [
            ([4, 1, 2, 3], {"highway": "path", "name": "Valley path"}),
            ([3, 1], {"highway": road, "name": "Back way", **(back_tags or {})}),
        ],
        elevation=lambda x, y: 1000.0 + slope * np.maximum(x, 0.0) + 0 * y,
    )


def _group_route(net, *, prefs: str = "", group: str = "", minutes: int = 20):
    text = event_toml(
        groups=(("A", "6:00"),),
        duration=f'duration = "{minutes}min"',
        extra=f"[preferences]\n{prefs}\n" if prefs else "",
    )
    text = text.replace('max_difficulty = "T6"\n', f'max_difficulty = "T6"\n{group}\n')
    (result,) = planning.plan_group_run(net, E.parse_event(text, "e.toml")).results
    assert result.route is not None and result.route.outcome is not None
    return result.route


# (network, event key = value, what the plain route breaks) -- each key must change it.
KEY_CASES = {
    "min_trail": (("residential", 0.0, None), 'min_trail = "90%"', 20),
    "max_ascent": (("path", 0.12, None), 'max_ascent = "40m"', 24),
    "max_ascent_rate": (("path", 0.12, None), 'max_ascent_rate = "100m/h"', 24),
    "max_grade": (("path", 0.12, None), 'max_grade = "8%"', 24),
    "max_difficulty": (
        ("path", 0.0, {"sac_scale": "mountain_hiking"}),
        'max_difficulty = "T1"',
        23,
    ),
}


@pytest.mark.parametrize(
    ("key", "where"),
    # A group's own max_difficulty is its runner profile's (T2 when not given).
    [
        (k, w)
        for k in KEY_CASES
        for w in ("preferences", "group")
        if (k, w) != ("max_difficulty", "group")
    ],
)
def test_constraint_keys_change_the_route(key, where):
    """The loop east breaks the key's limit; with the key the answer is the out-and-back west."""
    (road, slope, tags), line, minutes = KEY_CASES[key]
    net = _valley(road, slope, tags)
    plain = _group_route(net, minutes=minutes)
    assert "Back way" in plain.names and plain.outcome.shape == "loop"
    st = plain.stats
    broken = {
        "min_trail": st.trail_share < 0.9,
        "max_ascent": st.ascent_m > 40.0,
        "max_ascent_rate": st.ascent_m / (st.duration_s / 3600) > 100.0,
        "max_grade": st.max_grade > 0.08,
        "max_difficulty": st.hardest_sac > 1,
    }
    assert broken[key]
    kw = {"prefs": line} if where == "preferences" else {"group": line}
    kept = _group_route(net, minutes=minutes, **kw)
    assert kept.names == ["Valley path"] and kept.outcome.shape == "out-and-back"
    assert kept.outcome.meets_brief, kept.outcome.misses


def test_group_keys_override_the_event_preferences():
    text = event_toml(
        groups=(("A", "6:00"), ("B", "7:00")),
        extra='[preferences]\nmax_ascent = "300m"\nmin_trail = 0.6\n',
    )
    text = text.replace('pace = "7:00"\n', 'pace = "7:00"\nmax_ascent = 100\n')
    a, b = E.parse_event(text, "e.toml").groups
    assert (a.constraints.max_ascent_m, a.constraints.min_trail) == (300.0, 0.6)
    assert (b.constraints.max_ascent_m, b.constraints.min_trail) == (100.0, 0.6)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[preferences]\nmin_trail = "lots"\n', "min-trail"),
        ("[preferences]\nmax_ascent = true\n", "max_ascent must be a string or number"),
        ('[preferences]\nmax_difficulty = "T9"\n', "e.toml:10: invalid difficulty"),
    ],
)
def test_bad_constraint_keys_are_named(extra, message):
    with pytest.raises(InputError, match=message):
        E.parse_event(event_toml(extra=extra), "e.toml")


# -- regroup points --------------------------------------------------------------------

# Meeting point M; loop A runs west (M-A1-A2-J-M), loop B east (M-B1-B2-J-M); C runs
# out to B1 and back.  A and B share junction J (and edge J-M), B and C share B1.
XY = {
    "M": (0.0, 0.0),
    "A1": (-1000.0, 0.0),
    "A2": (-1000.0, 1000.0),
    "J": (0.0, 1000.0),
    "B1": (1500.0, 0.0),
    "B2": (1500.0, 1000.0),
}
WAYS = [("M", "A1"), ("A1", "A2"), ("A2", "J"), ("J", "M"), ("M", "B1"), ("B1", "B2"), ("B2", "J")]


@pytest.fixture(scope="module")
def two_loops():
    ids = {k: i + 1 for i, k in enumerate(XY)}
    net = make_network(
        {ids[k]: xy for k, xy in XY.items()},
        [([ids[a], ids[b]], {"highway": "path", "name": f"{a}-{b}"}) for a, b in WAYS],
    )
    node = {k: net.nearest_node(*(float(c) for c in to_lonlat(*xy))) for k, xy in XY.items()}

    def route(*names: str, label: str):
        steps = []
        for a, b in itertools.pairwise(names):
            e = int(
                np.flatnonzero(
                    ((net.edge_u == node[a]) & (net.edge_v == node[b]))
                    | ((net.edge_u == node[b]) & (net.edge_v == node[a]))
                )[0]
            )
            length = float(net.edge_length_m[e])
            steps.append(Step(e, 0.0, length) if net.edge_u[e] == node[a] else Step(e, length, 0.0))
        return make_route(net, steps, RunnerProfile(360.0), name=label)

    routes = [
        ("A", route("M", "A1", "A2", "J", "M", label="A")),
        ("B", route("M", "B1", "B2", "J", "M", label="B")),
        ("C", route("M", "B1", "M", label="C")),
    ]
    return net, node, routes


def test_regroup_points_where_two_loops_share_a_junction(two_loops):
    net, node, routes = two_loops
    m_lon, m_lat = (float(c) for c in to_lonlat(0.0, 0.0))
    points = regroup.regroup_points(net, routes, meeting=(m_lon, m_lat))
    assert [(p.node, p.groups) for p in points] == [
        (node["B1"], ("B", "C")),  # B and C both pass at 1.5 km: 9 min, window 0
        (node["J"], ("A", "B")),  # A at 3 km (18 min), B at 4 km (24 min)
    ]
    b1, j = points
    assert b1.window_s == pytest.approx(0.0, abs=1.0)
    assert [p.at_m for p in j.passes] == pytest.approx([3000.0, 4000.0], abs=2.0)
    assert j.times() == pytest.approx({"A": 1080.0, "B": 1440.0}, abs=2.0)
    assert j.window_s == pytest.approx(360.0, abs=2.0)
    assert set(j.ways) == {"A2-J", "J-M", "B2-J"}
    assert (j.lon, j.lat) == pytest.approx(tuple(float(c) for c in to_lonlat(0.0, 1000.0)))


def test_meeting_point_is_not_a_regroup_point(two_loops):
    net, node, routes = two_loops
    points = regroup.regroup_points(net, routes)  # no meeting point given: M counts too
    assert {p.node for p in points} == {node["M"], node["J"], node["B1"]}
    m = next(p for p in points if p.node == node["M"])
    assert m.groups == ("A", "B", "C")
    assert not any(p.mid for p in m.passes)  # only at the start and finish
    assert regroup.regroup_points(net, routes[:1]) == ()  # one group has nobody to meet


def test_regroup_spread_rule_keeps_only_passes_within_five_minutes(two_loops):
    """J is passed 6 min apart (A 18 min, B 24 min): not a regroup point; B1 (0 min) is."""
    net, node, routes = two_loops
    m_lon, m_lat = (float(c) for c in to_lonlat(0.0, 0.0))
    points = regroup.regroup_points(net, routes, meeting=(m_lon, m_lat))
    j = next(p for p in points if p.node == node["J"])
    assert j.meet() == {"A": pytest.approx(1080.0, abs=2.0)}  # nobody within 5 min of A
    choice = regroup.choose_regroup_points(points, ["A", "B", "C"])
    assert [p.node for p in choice.points] == [node["B1"]]
    ((group, why),) = choice.missing
    assert group == "A"
    assert "6 min apart" in why and "A2-J" in why
    # Waiting up to 7 minutes makes J a regroup point for A and B.
    loose = regroup.choose_regroup_points(points, ["A", "B", "C"], max_spread_s=420.0)
    assert {p.node for p in loose.points} == {node["B1"], node["J"]}
    assert loose.missing == ()


def test_regroup_prefers_trail_junction_over_main_road():
    """Loop M-Q-P-M, M-Q a main road; Q is passed closer in time but P is on trails only."""
    xy = {"M": (0.0, 0.0), "Q": (1000.0, 0.0), "P": (1000.0, 1000.0)}
    ids = {k: i + 1 for i, k in enumerate(xy)}
    net = make_network(
        {ids[k]: v for k, v in xy.items()},
        [
            ([ids["M"], ids["Q"]], {"highway": "secondary", "name": "CG-1"}),
            ([ids["Q"], ids["P"]], {"highway": "path", "name": "Upper path"}),
            ([ids["P"], ids["M"]], {"highway": "path", "name": "Lower path"}),
        ],
    )
    node = {k: net.nearest_node(*(float(c) for c in to_lonlat(*v))) for k, v in xy.items()}
    steps = []
    for a, b in itertools.pairwise("MQPM"):
        e = int(
            np.flatnonzero(
                ((net.edge_u == node[a]) & (net.edge_v == node[b]))
                | ((net.edge_u == node[b]) & (net.edge_v == node[a]))
            )[0]
        )
        length = float(net.edge_length_m[e])
        steps.append(Step(e, 0.0, length) if net.edge_u[e] == node[a] else Step(e, length, 0.0))
    routes = [
        ("A", make_route(net, steps, RunnerProfile(300.0), name="A")),
        ("B", make_route(net, steps, RunnerProfile(330.0), name="B")),
    ]
    m_lon, m_lat = (float(c) for c in to_lonlat(0.0, 0.0))
    points = regroup.regroup_points(net, routes, meeting=(m_lon, m_lat))
    assert [(p.node, p.main_road) for p in points] == [(node["P"], False), (node["Q"], True)]
    p, q = points
    assert q.meet_spread_s() < p.meet_spread_s() <= regroup.MAX_SPREAD_S


def _point(node: int, x_m: float, *passes: tuple[str, float]) -> regroup.RegroupPoint:
    lon, lat = (float(c) for c in to_lonlat(x_m, 0.0))
    return regroup.RegroupPoint(
        node, lon, lat, tuple(regroup.RegroupPass(g, 1000.0, t) for g, t in passes)
    )


def test_every_group_gets_a_regroup_point_and_at_most_four():
    """Five tight A/B junctions rank above the only B/C one; C still gets it, four in all."""
    ab = [_point(i, 1000.0 * i, ("A", 600.0), ("B", 600.0)) for i in range(1, 6)]
    bc = _point(9, 9000.0, ("B", 900.0), ("C", 1100.0))
    far = _point(10, 10000.0, ("A", 600.0), ("C", 1500.0))  # 15 min apart
    points = sorted([*ab, bc, far], key=regroup.point_rank)
    assert [p.node for p in points][-2:] == [9, 10]
    choice = regroup.choose_regroup_points(points, ["A", "B", "C"])
    assert [p.node for p in choice.points] == [1, 2, 3, 9]
    assert choice.missing == ()
    # Without the B/C junction, C gets a plain reason instead.
    choice = regroup.choose_regroup_points([*ab, far], ["A", "B", "C", "D"])
    assert len(choice.points) == 4
    assert dict(choice.missing).keys() == {"C", "D"}
    assert "15 min apart" in dict(choice.missing)["C"]
    assert "shares no junction" in dict(choice.missing)["D"]


def test_outputs_say_why_a_group_has_no_regroup_point(grid, grid_plan):
    a, b, _ = (r.group.name for r in grid_plan.results)
    lon, lat = grid_plan.event.meeting
    point = regroup.RegroupPoint(
        7,
        lon + 0.01,
        lat,
        (regroup.RegroupPass(a, 900.0, 300.0), regroup.RegroupPass(b, 900.0, 360.0)),
    )
    plan = dataclasses.replace(grid_plan, regroup_points=(point,))
    text = group_out.summary_text(plan)
    assert "Regroup: R1 " in text
    assert "No regroup point for Group C: its loop shares no junction" in text
    data = group_out.plan_json(plan)
    assert data["regroup_missing"] == [
        {"group": "Group C", "reason": group_out.regroup_gaps(plan)[0][1]}
    ]
    assert [p["label"] for p in data["map_regroup_points"]] == ["R1"]
    html_text = group_out.info_html(plan, {})
    assert "No regroup point for Group C" in html_text


def test_plan_regroup_points_are_exactly_the_shared_junctions(grid, grid_plan):
    """Check the plan against the loops' geometry: nodes on two or more loops."""
    lon, lat = grid_plan.event.meeting
    on_route = []
    for r in grid_plan.results:
        pts = np.column_stack([r.route.lon, r.route.lat])
        hit = np.array(
            [
                np.isclose(pts, [x, y], atol=1e-9).all(axis=1).any()
                for x, y in zip(grid.node_lon, grid.node_lat, strict=True)
            ]
        )
        on_route.append(hit)
    count = np.sum(on_route, axis=0)
    from routeplanner.network.model import haversine_m

    far = haversine_m(grid.node_lon, grid.node_lat, lon, lat) > regroup.REGROUP_EXCLUDE_M
    expected = set(np.flatnonzero((count >= 2) & far).tolist())
    assert expected  # the loops do meet
    assert {p.node for p in grid_plan.regroup_points} == expected


# -- outputs ---------------------------------------------------------------------------


def test_summary_lines(grid_plan):
    text = group_out.summary_text(grid_plan)
    lines = text.splitlines()
    assert lines[0] == (
        "Test run — Sat 12 Jun 2027, 8:00 CEST at Village square; 20 min, back 8:20"
    )
    for line, r, p in zip(lines[1:4], grid_plan.results, ("4:00", "5:00", "6:30"), strict=True):
        s = r.route.stats
        assert line == (
            f"Group {r.group.name}, {p}/km: {s.distance_m / 1000:.1f} km, "
            f"↑{s.ascent_m:.0f} m, 20 min, back 8:20"
        )
    assert lines[1].startswith("Group A, 4:00/km: ")
    assert lines[4].startswith("Regroup: R1 ")


def test_ics_round_trip(grid_plan):
    text = group_out.calendar_text(grid_plan, stamp=STAMP)
    cal = icalendar.Calendar.from_ical(text)
    (ev,) = cal.walk("VEVENT")
    start = ev.decoded("dtstart")
    assert start == grid_plan.event.start
    assert start.utcoffset() == timedelta(hours=2)
    assert ev["dtstart"].params["TZID"] == "Europe/Andorra"
    longest = max(r.route.stats.duration_s for r in grid_plan.results)
    assert ev.decoded("duration") == timedelta(seconds=round(max(1200.0, longest)))
    assert str(ev["summary"]) == "Test run"
    assert str(ev["location"]) == "Village square"
    geo = ev["geo"]
    assert (geo.longitude, geo.latitude) == pytest.approx(grid_plan.event.meeting, abs=1e-6)
    description = str(ev["description"])
    for line in group_out.summary_text(grid_plan).splitlines():
        assert line in description
    assert "Bring water." in description
    assert cal.walk("VTIMEZONE")  # the zone travels with the event


def test_gpx_per_group_is_valid(grid_plan, shared_data_dir):
    schema = etree.XMLSchema(etree.parse(str(shared_data_dir / "schemas" / "gpx-1.1.xsd")))
    for r in grid_plan.results:
        text = group_out.gpx_text(grid_plan, r)
        assert schema.validate(etree.fromstring(text.encode())), schema.error_log
        gpx = gpxpy.parse(text)
        (track,) = gpx.tracks
        assert track.name == r.group.label
        pts = track.segments[0].points
        assert len(pts) == len(r.route.lon)
        assert pts[0].time == grid_plan.event.start.astimezone(timezone.utc)
    plan = dataclasses.replace(
        grid_plan,
        results=tuple(
            dataclasses.replace(r, group=dataclasses.replace(r.group, name=n))
            for r, n in zip(grid_plan.results, ("Ràpid", "ràpid!", "<>"), strict=True)
        ),
    )
    assert group_out.gpx_filenames(plan) == {
        "Ràpid": "group-rapid.gpx",
        "ràpid!": "group-rapid-2.gpx",
        "<>": "group.gpx",
    }
    assert group_out.gpx_filenames(grid_plan) == {
        "A": "group-a.gpx",
        "B": "group-b.gpx",
        "C": "group-c.gpx",
    }


def test_info_html_escapes_user_text_and_embeds_gpx(grid):
    text = (
        event_toml(groups=((NASTY, "4:00"), ("B", "5:00")))
        .replace('title = "Test run"', "title = '<script>alert(1)</script>'")
        .replace('notes = "Bring water."', "notes = '</p><b onclick=x>'")
    )
    plan = planning.plan_group_run(grid, E.parse_event(text, "e.toml"))
    gpx = {
        r.group.name: (f"g{i}.gpx", group_out.gpx_text(plan, r)) for i, r in enumerate(plan.results)
    }
    page = group_out.info_html(plan, gpx)
    for raw in (NASTY, "<script>", "</p><b onclick=x>", "<img"):
        assert raw not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    links = re.findall(
        r'<a download="([^"]+)" href="data:application/gpx\+xml;base64,([^"]+)"', page
    )
    assert [name for name, _ in links] == ["g0.gpx", "g1.gpx"]
    for (_, data), r in zip(links, plan.results, strict=True):
        assert base64.b64decode(data).decode() == gpx[r.group.name][1]


def test_render_outputs_builds_all_four(grid, grid_plan):
    files = group_out.render_outputs(grid_plan, grid, None, stamp=STAMP, offline=True)
    assert list(files) == [
        "map.html",
        "group-a.gpx",
        "group-b.gpx",
        "group-c.gpx",
        "event.ics",
        "summary.txt",
    ]
    page = files["map.html"]
    for r in grid_plan.results:
        assert r.group.label in page
    assert page.count("data:application/gpx+xml;base64,") == 3
    assert '"Meeting point"' in page and '"R1"' in page  # pins, as JSON data for the map
    assert files["summary.txt"] == group_out.summary_text(grid_plan)


def test_plan_json(grid_plan):
    data = group_out.plan_json(grid_plan, outputs=["x/map.html"])
    json.dumps(data)  # JSON-ready
    g = data["groups"][0]
    for key in ("name", "distance_m", "duration_s", "ascent_m", "return_time"):
        assert key in g
    assert g["return_time"] == grid_plan.results[0].return_time.isoformat(timespec="seconds")
    assert g["return_time"].endswith("+02:00")
    assert data["event"]["timezone"] == "Europe/Andorra"
    assert len(data["regroup_points"]) == len(grid_plan.regroup_points)
    assert data["outputs"] == ["x/map.html"]


# -- the output folder ------------------------------------------------------------------

FILES = {"map.html": "<html></html>", "group-a.gpx": "<gpx/>", "summary.txt": "hi\n"}


def test_write_outputs_creates_the_folder(tmp_path):
    out = tmp_path / "maps" / "saturday"
    written = group_out.write_outputs(out, FILES)
    assert written == [out / name for name in FILES]
    assert sorted(p.name for p in out.iterdir()) == sorted([*FILES, MANIFEST_NAME])
    assert (out / "summary.txt").read_text() == "hi\n"
    assert [p.name for p in (tmp_path / "maps").iterdir()] == ["saturday"]  # no temp left


def test_own_outputs_are_replaced_others_need_force(tmp_path):
    out = tmp_path / "saturday"
    group_out.write_outputs(out, FILES)
    # the folder holds only what group wrote: replaced, old outputs removed
    group_out.write_outputs(out, {"summary.txt": "new\n"})
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST_NAME, "summary.txt"]
    (out / "summary.txt").write_text("edited")  # edited by hand: the user's now
    with pytest.raises(InputError, match=r"already exists .*summary\.txt.* use --force"):
        group_out.write_outputs(out, {"summary.txt": "new\n"})
    assert (out / "summary.txt").read_text() == "edited"
    group_out.write_outputs(out, {"summary.txt": "new\n"}, force=True)
    assert (out / "summary.txt").read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["saturday"]


def test_force_never_deletes_foreign_files(tmp_path):
    out = tmp_path / "home"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    (out / "map.html").mkdir()  # a user's folder where an output goes
    with pytest.raises(InputError, match=r"thesis\.docx"):
        group_out.write_outputs(out, FILES)
    with pytest.raises(InputError, match=r"map\.html is a folder"):
        group_out.write_outputs(out, FILES, force=True)
    (out / "map.html").rmdir()
    group_out.write_outputs(out, FILES, force=True)
    assert (out / "thesis.docx").read_text() == "precious"
    group_out.write_outputs(out, {"summary.txt": "x"}, force=True)  # old outputs go, not the thesis
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST_NAME, "summary.txt", "thesis.docx"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        group_out.write_outputs(tmp_path / "file", FILES, force=True)


@pytest.mark.parametrize("existing", [False, True])
def test_failed_write_leaves_no_half_written_folder(tmp_path, monkeypatch, existing):
    out = tmp_path / "saturday"
    if existing:
        group_out.write_outputs(out, FILES)
    calls = []

    def failing(path, text):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        Path(path).write_text(text)

    monkeypatch.setattr(group_out, "atomic_write_text", failing)
    with pytest.raises(OSError, match="No space"):
        group_out.write_outputs(out, {"map.html": "new", "summary.txt": "new"}, force=True)
    assert len(calls) == 2
    if existing:  # the old folder is untouched
        assert sorted(p.name for p in out.iterdir()) == sorted([*FILES, MANIFEST_NAME])
        assert (out / "summary.txt").read_text() == "hi\n"
    else:
        assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == (["saturday"] if existing else [])


# -- the command -----------------------------------------------------------------------


def run_cli(args, capsys):
    import routeplanner.cli.group  # noqa: F401  (registers the command)
    from routeplanner.cli import main

    with pytest.raises(SystemExit) as exc:
        main(args)
        raise SystemExit(0)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_cli_refuses_an_existing_folder_without_force(tmp_path, capsys):
    event = tmp_path / "event.toml"
    event.write_text(event_toml(extra='region = "andorra"'))
    out = tmp_path / "saturday"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, _, err = run_cli(["group", str(event), "--out-dir", str(out)], capsys)
    assert code == 2
    assert err.strip() == (
        f"error: output folder {out} already exists and holds files routeplanner group did "
        "not write (notes.txt): use --force to write into it (it replaces files of the same "
        "names and keeps the others)"
    )


def test_cli_reports_toml_errors_with_file_and_line(tmp_path, capsys):
    event = tmp_path / "event.toml"
    event.write_text('title = "x"\n[[group]\n')
    code, _, err = run_cli(["group", str(event), "--out-dir", str(tmp_path / "o")], capsys)
    assert code == 2
    assert err.startswith(f"error: {event}:2: TOML syntax error")
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_andorra_group_run_end_to_end(
    shared_data_dir, andorra_dir, andorra_network, tmp_path, capsys
):
    from routeplanner.sources.dem import open_dem

    out = tmp_path / "maps" / "saturday"
    event = demo.DEMO_EVENT
    # the fixture network is the 2013 extract
    args = ["group", str(event), "--out-dir", str(out), "--data-dir", str(shared_data_dir)]
    args += ["--region", "andorra-2013"]
    code, stdout, err = run_cli([*args, "--json", "--offline"], capsys)
    assert code == 0, err
    data = json.loads(stdout)
    assert [g["name"] for g in data["groups"]] == ["A", "B", "C"]
    assert data["event"]["all_within_tolerance"]
    for g in data["groups"]:
        assert abs(g["duration_s"] / 4500.0 - 1.0) <= 0.03
        assert g["return_time"].startswith("2027-06-12T09:1")
    dist = [g["distance_m"] for g in data["groups"]]
    assert dist[0] > dist[1] > dist[2]
    assert data["regroup_points"]
    names = sorted(p.name for p in out.iterdir() if p.name != MANIFEST_NAME)
    assert names == sorted(
        ["map.html", "group-a.gpx", "group-b.gpx", "group-c.gpx", "event.ics", "summary.txt"]
    )
    assert sorted(data["outputs"]) == sorted(str(out / n) for n in names)
    schema = etree.XMLSchema(etree.parse(str(shared_data_dir / "schemas" / "gpx-1.1.xsd")))
    for n in ("group-a.gpx", "group-b.gpx", "group-c.gpx"):
        assert schema.validate(etree.parse(str(out / n))), schema.error_log
    cal = icalendar.Calendar.from_ical((out / "event.ics").read_text())
    assert str(cal.walk("VEVENT")[0]["location"]) == "Avinguda Sant Antoni, La Massana"
    summary = (out / "summary.txt").read_text()
    assert len(summary.splitlines()) == 5 and "NOT within" not in summary
    page = (out / "map.html").read_text()
    assert page.count("data:application/gpx+xml;base64,") == 3
    assert len(page.encode()) < 5_000_000
    # a second run replaces its own outputs without --force; one the user edited is refused
    (out / "summary.txt").write_text("my notes")
    code, _, err = run_cli(args, capsys)
    assert code == 2 and "already exists" in err
    assert (out / "summary.txt").read_text() == "my notes"
    (out / "summary.txt").write_text(summary)
    # the demo's group run: the same event, the same summary
    dem = open_dem([andorra_dir / "N42E001.hgt.zip"], bbox=andorra_network.bbox)
    entries = demo.demo_group(andorra_network, dem, tmp_path, offline=True)
    assert [e[1] for e in entries] == ["group-run/map.html"]
    assert (tmp_path / "group-run" / "summary.txt").read_text() == summary


def test_cli_constraint_flags_exit_3_with_missed(tmp_path, capsys, monkeypatch):
    """Only a hilly loop exists: --max-ascent 20m is missed (exit 3) unless --accept-closest."""
    from synth import make_dem, write_geotiff, write_osm_xml

    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(tmp_path / "cache"))
    side = 3333.0 / (2 + np.sqrt(2))
    nodes = {1: (0.0, 0.0), 2: (side, 0.0), 3: (side, side)}
    osm = write_osm_xml(
        tmp_path / "v.osm", nodes, [([1, 2, 3, 1], {"highway": "path", "name": "Hill loop"})]
    )
    dem = make_dem(lambda x, y: 1000.0 + 0.12 * np.maximum(x, 0.0) + 0 * y, extent_m=6000.0)
    tif = write_geotiff(tmp_path / "v.tif", dem.elevation, dem.transform)
    event = tmp_path / "event.toml"
    event.write_text(event_toml(groups=(("A", "6:00"),), duration='duration = "24min"'))
    args = ["group", str(event), "--osm", str(osm), "--dem", str(tif), "--force"]
    out_dir = ["--out-dir", str(tmp_path / "o")]
    code, out, _ = run_cli([*args, *out_dir], capsys)
    assert code == 0 and "MISSED" not in out
    code, out, _ = run_cli([*args, *out_dir, "--max-ascent", "20m"], capsys)
    assert code == 3
    assert re.search(r"^MISSED: Group A: ascent \d+ m > 20 m$", out, re.M)
    assert "— MISSED: ascent" in out  # the group's summary line says it too
    code, out, err = run_cli([*args, *out_dir, "--max-ascent", "20m", "--json"], capsys)
    assert code == 3 and err.startswith("MISSED: Group A: ascent")
    (group,) = json.loads(out)["groups"]
    assert group["meets_brief"] is False and group["misses"][0].startswith("ascent")
    assert group["shape"] == "loop" and group["target_duration_s"] == 1440.0
    assert {"trail_share", "main_road_share", "overlap_share", "duration_s"} <= group.keys()
    code, out, _ = run_cli([*args, *out_dir, "--max-ascent", "20m", "--accept-closest"], capsys)
    assert code == 0 and "MISSED: Group A" in out
    code, out, _ = run_cli(
        [*args, "--out-dir", str(tmp_path / "mi"), "--units", "imperial"], capsys
    )
    assert code == 0
    line = next(ln for ln in out.splitlines() if ln.startswith("Group A"))
    assert re.match(r"Group A, 9:39/mi: \d+\.\d mi, ↑\d+ ft, ", line), line
    assert line in (tmp_path / "mi" / "summary.txt").read_text(encoding="utf-8").splitlines()
    assert "km" not in out


def test_fit_per_group_has_regroup_points_and_the_event_start(grid_plan, tmp_path):
    import io

    import fitdecode

    featured = group_out.featured_regroup_points(grid_plan)
    assert featured
    for r in grid_plan.results:
        points = group_out.regroup_route_points(grid_plan, r)
        passes = [p for fp in featured for p in fp.passes if p.group == r.group.name]
        assert len(points) == len(passes)
        records, course_points, names = [], [], []
        with fitdecode.FitReader(io.BytesIO(group_out.fit_bytes(grid_plan, r))) as reader:
            for frame in reader:
                if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                    records.append(frame.get_value("timestamp"))
                elif isinstance(frame, fitdecode.FitDataMessage) and frame.name == "course_point":
                    course_points.append((frame.get_value("type"), frame.get_value("name")))
                elif isinstance(frame, fitdecode.FitDataMessage) and frame.name == "course":
                    names.append(frame.get_value("name"))
        assert names == [f"Village square {r.group.label} 20 min"]  # where, who, how long
        assert len(records) == len(r.route.lon)
        assert records[0] == grid_plan.event.start.astimezone(timezone.utc)
        regroup = [name for kind, name in course_points if kind == "meeting_spot"]
        assert len(regroup) == len(passes)
        assert all(name.startswith("R") for name in regroup)
        gpx = gpxpy.parse(group_out.gpx_text(grid_plan, r))
        assert sum(w.type == "regroup" for w in gpx.waypoints) == len(passes)
    written = group_out.write_outputs(tmp_path / "o", {"group-a.fit": b".FIT", "summary.txt": "x"})
    assert [p.read_bytes() for p in written] == [b".FIT", b"x"]


def test_meeting_point_by_name_is_resolved_before_planning(grid, grid_plan):
    event = E.parse_event(event_toml(point="Plaça Major"), "named.toml")
    assert event.meeting_name == "Plaça Major"
    with pytest.raises(InputError, match="is a name: resolve it first"):
        planning.plan_group_run(grid, event)
    lon, lat = to_lonlat(0.0, 0.0)
    resolved = E.with_meeting_point(event, float(lon), float(lat), "Plaça Major")
    assert resolved.location == "Village square"  # the file's location wins
    plan = planning.plan_group_run(grid, resolved)
    assert [r.route.stats.distance_m for r in plan.results] == pytest.approx(
        [r.route.stats.distance_m for r in grid_plan.results]
    )


def test_meeting_point_far_from_any_way_says_so(grid):
    grid.meta["dem_bounds"] = (1.0, 42.0, 2.0, 43.0)  # inside the data, far from the ways
    far = meeting(6_900.0, 0.0)
    ev = E.parse_event(event_toml(point=far), "e.toml")
    with pytest.raises(
        CoverageError,
        match=r"^meeting point .* is 6\.4 km from the nearest way \(limit \d+ m\)$",
    ):
        planning.plan_group_run(grid, ev)


def test_a_return_after_midnight_states_its_date():
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    start = datetime(2027, 6, 12, 8, 0, tzinfo=ZoneInfo("Europe/Andorra"))
    assert group_out._clock(start + timedelta(hours=23, minutes=59), start) == "7:59 Sun 13 Jun"
    assert group_out._clock(start + timedelta(hours=1), start) == "9:00"
