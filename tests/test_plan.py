"""Tests for routeplanner.plan: the block's rules on known inputs, routing on a hand-built
network, and the plan's files (JSON, iCalendar, GPX)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re

import icalendar
import numpy as np
import pytest
from lxml import etree

from routeplanner.errors import InputError
from routeplanner.output.plan_files import plan_files, plan_json
from routeplanner.pace import RunnerProfile
from routeplanner.plan.block import (
    HARD_SHARE_OF_WORKOUT,
    BlockRequest,
    build_block,
    weekly_run_times,
)
from routeplanner.plan.routing import MAX_SHARED, RoutingOptions, route_block, shared_share

H = 3600.0
MAY3 = dt.date(2027, 5, 3)  # a Monday


def request(**kw) -> BlockRequest:
    args = {
        "start": MAY3,
        "weeks": 6,
        "week_time_s": (3 * H, 4.5 * H),
        "run_days": (1, 3, 5, 6),
        "goal": "ski",
    }
    args.update(kw)
    return BlockRequest(**args)


# --- the block's rules -----------------------------------------------------------------


@pytest.mark.parametrize("ramp", [0.10, 0.20])
@pytest.mark.parametrize("every", [3, 4])
def test_ramp_and_recovery_weeks(ramp, every):
    times = weekly_run_times(request(weeks=12, ramp=ramp, recovery_every=every))
    assert times[0] == (3 * H, False)
    build = [t for t, rec in times if not rec]
    for a, b in itertools.pairwise(build):
        assert b <= a * (1 + ramp) + 1e-6  # never more than the ramp over the last build week
        assert b >= a  # and never down
    assert max(build) <= 4.5 * H + 1e-6
    recovery = [i for i, (_, rec) in enumerate(times) if rec]
    assert recovery == [i for i in range(12) if (i + 1) % every == 0]
    for i in recovery:
        assert times[i][0] == pytest.approx(0.85 * times[i - 1][0])


def test_six_week_ski_block_rules():
    block = build_block(request())
    assert len(block.weeks) == 6
    for w in block.weeks:
        days = {s.date for s in w.sessions}
        assert len(days) == 7  # every day of the week is planned
        run = [s for s in w.sessions if s.is_run]
        assert sum(s.planned_s for s in run) == pytest.approx(w.planned_run_s)
        long_runs = [s for s in run if s.kind == "long"]
        assert len(long_runs) == 1 and long_runs[0].date.weekday() == 6
        assert long_runs[0].planned_s <= 0.30 * w.planned_run_s + 1e-6
        assert w.hard_s <= 0.20 * w.planned_run_s + 1e-6  # about 80 % easy
        assert any(s.kind == "rest" for s in w.sessions)
        assert sum(s.kind == "strength" for s in w.sessions) == 2
        assert all(s.planned_s == 300 for s in w.sessions if s.kind == "strength")
        assert sum(s.kind == "cross" for s in w.sessions) == 1
        kinds = [s.kind for s in run]
        climbs = kinds.count("climbs")
        descents = kinds.count("descent")
        if w.recovery:
            assert climbs == descents == 0
        else:
            assert climbs == (1 if w.index >= 2 else 0)
            assert descents == (1 if w.index >= 3 else 0)
        for s in run:
            if s.kind in ("climbs", "descent"):
                assert s.hard_s == pytest.approx(s.planned_s * HARD_SHARE_OF_WORKOUT)


def test_trail_goal_has_no_workouts():
    block = build_block(request(goal="trail"))
    assert {s.kind for s in block.sessions} == {"easy", "long", "cross", "strength", "rest"}


def test_six_run_days_leave_one_rest_and_no_cross_day():
    block = build_block(request(run_days=(0, 1, 2, 3, 4, 5), week_time_s=(4 * H, 5 * H)))
    for w in block.weeks:
        assert [s.kind for s in w.sessions].count("rest") == 1
        assert all(s.kind != "cross" for s in w.sessions)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"weeks": 13}, "weeks must be between 1 and 12"),
        ({"weeks": 0}, "weeks must be between 1 and 12"),
        ({"week_time_s": (5 * H, 4 * H)}, "lower bound 5.0 h is above the upper bound 4.0 h"),
        ({"week_time_s": (1 * H, 4 * H)}, "too small for 4 run days"),
        ({"run_days": ()}, "no run days"),
        ({"run_days": tuple(range(7))}, "no rest day"),
        ({"long_day": 0}, "long-run day mon is not one of the run days"),
        ({"ramp": 0.3}, "up to 20 %"),
        ({"recovery_every": 5}, "use 3 or 4"),
        ({"goal": "road"}, "unknown goal"),
    ],
)
def test_bad_requests(kw, match):
    with pytest.raises(InputError, match=match):
        request(**kw)


# --- routing on a hand-built network ----------------------------------------------------


GRID = 9  # nodes a side
SPACING_M = 400.0


@pytest.fixture(scope="module")
def grid():
    """A flat 9 x 9 trail grid, 400 m apart: loops of every length around the centre."""
    from synth import make_network

    def nid(i: int, j: int) -> int:
        return i * GRID + j + 1

    half = (GRID - 1) / 2
    nodes = {
        nid(i, j): ((i - half) * SPACING_M, (j - half) * SPACING_M)
        for i in range(GRID)
        for j in range(GRID)
    }
    tags = {"highway": "path"}
    ways = [([nid(i, j) for j in range(GRID)], tags) for i in range(GRID)]
    ways += [([nid(i, j) for i in range(GRID)], tags) for j in range(GRID)]
    return make_network(nodes, ways)


def centre() -> tuple[float, float]:
    from synth import to_lonlat

    lon, lat = to_lonlat(0.0, 0.0)
    return float(lon), float(lat)


def test_route_block_on_a_grid_meets_times_and_varies(grid):
    block = build_block(
        request(weeks=2, goal="trail", week_time_s=(2 * H, 2.2 * H), run_days=(1, 4, 6))
    )
    profile = RunnerProfile.from_strings("6:00")
    weeks = route_block(block, grid, centre(), profile)
    for routed in weeks:
        runs = [rs for rs in routed if rs.session.is_run]
        assert all(rs.route is not None for rs in runs)
        for rs in runs:
            assert rs.route is not None
            err = rs.route.stats.duration_s / rs.session.planned_s - 1
            assert (abs(err) <= 0.05) == (not any(m.startswith("time") for m in rs.misses))
        for i, a in enumerate(runs):
            assert a.route is not None
            over = [
                b.session.date.strftime("%a %d %b")
                for b in runs[:i]
                if b.route is not None and shared_share(a.route, b.route) > MAX_SHARED
            ]
            said = [m for m in a.misses if "shares" in m]
            assert len(over) == len(said)
            assert all(day in m for day, m in zip(over, said, strict=True))
    data = plan_json(block, weeks)
    assert data["meets_brief"] == all(
        rs.meets_brief for routed in weeks for rs in routed if rs.session.is_run
    )


def test_course_names_say_where_what_how_long_and_when(grid):
    from routeplanner.output.plan_files import plan_courses, session_title
    from routeplanner.plan.block import PlannedSession

    s = PlannedSession(dt.date(2027, 5, 9), "long", 90 * 60.0)
    assert session_title(s, "Ordino") == "Ordino long run 90 min 2027-05-09"
    assert session_title(s) == "Long run 90 min 2027-05-09"
    block = build_block(request(weeks=1, goal="trail", week_time_s=(2 * H, 2 * H)))
    weeks = route_block(block, grid, centre(), RunnerProfile.from_strings("6:00"))
    files = plan_files(
        block, weeks, title="t", start_time=dt.time(7, 30), tz="Europe/Andorra", where="Ordino"
    )
    gpx = [t for n, t in files.items() if n.endswith(".gpx")]
    assert gpx
    for text in gpx:
        name = etree.fromstring(text.encode()).findtext("{*}metadata/{*}name")
        assert re.fullmatch(r"Ordino [a-z -]+ \d+ min \d{4}-\d\d-\d\d", name), name
    courses = plan_courses(weeks, start_time=dt.time(7, 30), tz="Europe/Andorra", where="Ordino")
    assert courses and all(b"Ordino" in data for data in courses.values())


def test_plan_files_are_valid(grid, shared_data_dir):
    block = build_block(request(weeks=1, goal="trail", week_time_s=(2 * H, 2 * H)))
    weeks = route_block(
        block,
        grid,
        centre(),
        RunnerProfile.from_strings("6:00"),
        options=RoutingOptions(alternatives=2),
    )
    files = plan_files(
        block, weeks, title="May <block>", start_time=dt.time(7, 30), tz="Europe/Andorra"
    )
    data = json.loads(files["plan.json"])
    week = data["weeks"][0]
    assert week["index"] == 1 and week["start"] == "2027-05-03" and week["recovery"] is False
    routed = [s for s in week["sessions"] if "route" in s]
    assert len(routed) == 4
    for s in routed:
        assert set(s["route"]) >= {"duration_s", "distance_m", "ascent_m", "gpx", "meets_brief"}
        assert s["route"]["gpx"] in files
        # The course says what, how long and when: "Long run 45 min 2027-05-09".
        name = etree.fromstring(files[s["route"]["gpx"]].encode()).findtext("{*}metadata/{*}name")
        assert re.fullmatch(r"[A-Z][a-z -]+ \d+ min \d{4}-\d\d-\d\d", name), name
        assert name.endswith(f" {round(s['planned_s'] / 60)} min {s['date']}"), name
    assert all("route" not in s for s in week["sessions"] if s["kind"] in ("rest", "strength"))
    schema = etree.XMLSchema(etree.parse(str(shared_data_dir / "schemas" / "gpx-1.1.xsd")))
    for name, text in files.items():
        if name.endswith(".gpx"):
            assert schema.validate(etree.fromstring(text.encode())), schema.error_log
    cal = icalendar.Calendar.from_ical(files["plan.ics"])
    events = cal.walk("VEVENT")
    non_rest = [s for s in week["sessions"] if s["kind"] != "rest"]
    assert len(events) == len(non_rest)
    first = events[0]
    # 07:30 in Andorra in May is 05:30 UTC (CEST, UTC+2)
    assert str(first["summary"]) == "Cross-training 30 min"
    assert first.decoded("dtstart") == dt.datetime(2027, 5, 3, 5, 30, tzinfo=dt.timezone.utc)
    assert "&lt;block&gt;" in files["plan.html"] and "<block>" not in files["plan.html"]


def test_workout_minimum_comes_from_the_easy_runs():
    plain = build_block(request())
    longer = build_block(request(workout_min_s=60 * 60.0))
    for a, b in zip(plain.weeks, longer.weeks, strict=True):
        assert b.run_s == pytest.approx(a.run_s)  # the week's running time is kept
        for s in b.sessions:
            if s.kind in ("climbs", "descent"):
                assert s.planned_s >= 3600.0 - 1e-6
        took = sum(s.planned_s for s in b.sessions if s.kind in ("climbs", "descent")) - sum(
            s.planned_s for s in a.sessions if s.kind in ("climbs", "descent")
        )
        gave = sum(s.planned_s for s in a.sessions if s.kind == "easy") - sum(
            s.planned_s for s in b.sessions if s.kind == "easy"
        )
        assert took == pytest.approx(gave)


def test_the_brief_constraints_judge_every_run():
    from synth import make_network

    from routeplanner.brief import Constraints

    def nid(i: int, j: int) -> int:
        return i * GRID + j + 1

    half = (GRID - 1) / 2
    nodes = {
        nid(i, j): ((i - half) * SPACING_M, (j - half) * SPACING_M)
        for i in range(GRID)
        for j in range(GRID)
    }
    street = {"highway": "residential"}
    ways = [([nid(i, j) for j in range(GRID)], street) for i in range(GRID)]
    ways += [([nid(i, j) for i in range(GRID)], street) for j in range(GRID)]
    streets = make_network(nodes, ways)
    block = build_block(request(weeks=1, goal="trail", week_time_s=(2 * H, 2 * H)))
    profile = RunnerProfile.from_strings("6:00")
    plain = route_block(block, streets, centre(), profile)
    judged = route_block(
        block,
        streets,
        centre(),
        profile,
        options=RoutingOptions(constraints=Constraints(min_trail=0.6)),
    )
    runs = [rs for rs in judged[0] if rs.session.is_run]
    assert runs and all(any("trail" in m for m in rs.misses) for rs in runs)
    assert not any("trail" in m for rs in plain[0] for m in rs.misses)


def test_descent_sessions_take_the_area_descents_in_turn():
    """Two 15 % ramps east and west of home: each descent session takes the other.

    The descent weeks are 3, 5 and 6 (week 4 is a recovery week), so turning by the
    week's number would bring the same descent back in weeks 3 and 5. A wide tolerance
    lets the first descent tried fit, so the turn alone decides.
    """
    from synth import make_network

    def valley(x, y):
        return 1000.0 + 0.15 * np.maximum(np.abs(x) - 100.0, 0.0) + 0.0 * y

    nodes = {1: (-1100.0, 0.0), 2: (-100.0, 0.0), 3: (0.0, 0.0), 4: (100.0, 0.0)}
    nodes[5] = (1100.0, 0.0)
    ways = [
        ([1, 2], {"highway": "path", "name": "West ramp"}),
        ([2, 3, 4], {"highway": "path", "name": "Valley"}),
        ([4, 5], {"highway": "path", "name": "East ramp"}),
    ]
    net = make_network(nodes, ways, valley)
    block = build_block(request(weeks=6, goal="ski"))
    wide = RoutingOptions(tolerance=0.5)
    weeks = route_block(block, net, centre(), RunnerProfile.from_strings("6:00"), options=wide)
    taken = [rs.segment for routed in weeks for rs in routed if rs.session.kind == "descent"]
    assert len(taken) == 3 and None not in taken
    assert taken[0] != taken[1] and taken[1] != taken[2]


def test_workouts_sharing_the_plans_point_router_are_routed_as_alone():
    """The descent found for the block's shortest session and the block's own workouts
    share one router from home: every session gets the route it gets alone."""
    from synth import make_network

    from routeplanner.plan.routing import shortest_descent_session_s
    from routeplanner.search.point_router import PointRouters

    def valley(x, y):
        return 1000.0 + 0.15 * np.maximum(np.abs(x) - 100.0, 0.0) + 0.0 * y

    nodes = {1: (-1100.0, 0.0), 2: (-100.0, 0.0), 3: (0.0, 0.0), 4: (100.0, 0.0)}
    nodes.update({5: (1100.0, 0.0), 6: (0.0, 900.0)})
    ways = [
        ([1, 2], {"highway": "path", "name": "West ramp"}),
        ([2, 3, 4], {"highway": "path", "name": "Valley"}),
        ([4, 5], {"highway": "path", "name": "East ramp"}),
        ([2, 6, 4], {"highway": "track", "name": "North loop"}),
    ]
    net = make_network(nodes, ways, valley)
    block = build_block(request(weeks=3, goal="ski"))
    profile = RunnerProfile.from_strings("6:00")
    first = next(s for s in block.sessions if s.kind == "descent")
    opt = RoutingOptions(climb_grade=(0.1, 0.2))  # the ramps are 15 %
    routers = PointRouters()
    shortest = shortest_descent_session_s(net, centre(), profile, opt, first.planned_s, routers)
    assert shortest == shortest_descent_session_s(net, centre(), profile, opt, first.planned_s)
    shared = route_block(block, net, centre(), profile, options=opt, routers=routers)
    alone = route_block(block, net, centre(), profile, options=opt)
    kinds = set()
    for a, b in zip(itertools.chain(*shared), itertools.chain(*alone), strict=True):
        assert (a.segment, a.reps, a.misses) == (b.segment, b.reps, b.misses)
        assert (a.route is None) == (b.route is None)
        if a.route is not None and b.route is not None:
            kinds.add(a.session.kind)
            assert a.route.steps == b.route.steps and a.route.stats == b.route.stats
            assert np.array_equal(a.route.lon, b.route.lon)
    assert {"climbs", "descent"} <= kinds
