"""Tests for routeplanner.output.points: climbs and descents found on a known profile."""

from __future__ import annotations

import numpy as np
import pytest
from synth import make_network

from routeplanner.errors import InputError
from routeplanner.output.points import point_at, point_near, profile_points, route_points
from routeplanner.pace import RunnerProfile
from routeplanner.route import Step, make_route


def two_hills(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Up 100 m to x=1000, down 40 m to 1500, up 80 m to 2500, down 140 m to 3000."""
    return 1000.0 + np.interp(x, [0, 1000, 1500, 2500, 3000], [0, 100, 60, 140, 0])


@pytest.fixture(scope="module")
def route():
    xs = [0.0, 500.0, 1000.0, 1500.0, 2000.0, 2500.0, 3000.0]
    nodes = {i + 1: (x, 0.0) for i, x in enumerate(xs)}
    net = make_network(
        nodes, [(list(nodes), {"highway": "path", "name": "Crest"})], elevation=two_hills
    )
    steps = [Step(e, 0.0, float(net.edge_length_m[e])) for e in range(len(net.edge_length_m))]
    return make_route(net, steps, RunnerProfile(360.0), name="Crest")


def test_climbs_and_descents_of_a_known_profile(route):
    pts = profile_points(route)
    # The 40 m dip is below the 50 m threshold: two climbs and one descent.
    assert [p.kind for p in pts] == ["climb", "climb", "descent"]
    assert [p.at_m for p in pts] == pytest.approx([0.0, 1500.0, 2500.0], abs=25.0)
    assert pts[0].name.startswith("Climb 1: +")
    assert pts[1].name.startswith("Climb 2: +")
    assert pts[2].name.startswith("Descent 1: -")
    gains = [float(p.name.split(":")[1].split("m")[0]) for p in pts]
    assert gains == pytest.approx([100.0, 80.0, -140.0], abs=5.0)


def test_lower_threshold_finds_the_dip(route):
    kinds = [p.kind for p in profile_points(route, min_gain_m=30.0)]
    assert kinds == ["climb", "descent", "climb", "descent"]


def test_flat_route_has_no_points():
    net = make_network(
        {1: (0.0, 0.0), 2: (1000.0, 0.0)}, [([1, 2], {"highway": "path", "name": "Flat"})]
    )
    r = make_route(net, [Step(0, 0.0, float(net.edge_length_m[0]))], RunnerProfile(360.0))
    assert profile_points(r) == []


def test_point_at_interpolates_and_clamps(route):
    p = point_at(route, 1500.0, name="Spring", kind="water")
    assert p.at_m == 1500.0
    assert p.lon == pytest.approx(np.interp(1500.0, route.dist_m, route.lon))
    assert point_at(route, 1e9, name="End", kind="generic").at_m == pytest.approx(3000.0, 0.01)
    with pytest.raises(InputError, match="unknown point kind"):
        point_at(route, 0.0, name="x", kind="pub")


def test_point_near_places_by_position(route):
    lon = float(np.interp(2000.0, route.dist_m, route.lon))
    lat = float(route.lat[0])
    p = point_near(route, lon, lat + 0.0003, name="Road", kind="bailout")  # ~33 m off
    assert p is not None and p.at_m == pytest.approx(2000.0, abs=30.0)
    assert point_near(route, lon, lat + 0.01, name="Far", kind="bailout") is None


def test_route_points_are_sorted_along_the_route(route):
    extra = [point_at(route, 200.0, name="Meet", kind="regroup")]
    pts = route_points(route, extra)
    assert [p.at_m for p in pts] == sorted(p.at_m for p in pts)
    assert [p.kind for p in pts][:2] == ["climb", "regroup"]


def test_points_a_route_carries_are_included(route):
    import dataclasses

    from routeplanner.route import Route

    @dataclasses.dataclass(frozen=True, eq=False)
    class RouteWithPoints(Route):
        points: tuple = ()

    water = point_at(route, 700.0, name="Font", kind="water")
    fields = {f.name: getattr(route, f.name) for f in dataclasses.fields(route)}
    carrying = RouteWithPoints(**fields, points=(water,))
    assert water in route_points(carrying)
    assert water not in route_points(route)
