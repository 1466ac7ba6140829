"""RunnerProfile corrections: they change edge times, route times and the loop returned."""

from __future__ import annotations

import numpy as np
import pytest
from synth import make_network, to_lonlat

from routeplanner.errors import InputError
from routeplanner.pace import RunnerProfile, cost_ratio
from routeplanner.pace.timer import EdgeTimer
from routeplanner.search.loops import LoopRequest, find_loops

PLAIN = RunnerProfile(360.0)
# Slow on 10 % and steeper grades both ways (1.4x the model), 1.2x at 4 %.
HILL_SHY = RunnerProfile(360.0, grade_correction=(1.4, 1.4, 1.4, 1.2, 1.0, 1.2, 1.4, 1.4, 1.4))


def two_rings():
    """From the origin: a 2 km square climbing 10 % east, and a 2 km flat square west."""
    nodes = {
        1: (0, 0),
        2: (500, 0),
        3: (500, 500),
        4: (0, 500),
        5: (-500, 0),
        6: (-500, -500),
        7: (0, -500),
    }
    ways = [
        ([1, 2, 3, 4, 1], {"highway": "path", "name": "Hill"}),
        ([1, 5, 6, 7, 1], {"highway": "path", "name": "Flat"}),
    ]
    return make_network(
        nodes, ways, elevation=lambda x, y: 1000 + 0.1 * np.maximum(x, 0), extent_m=2000
    )


def test_correction_scales_the_model_between_knots():
    g = np.array([-0.5, -0.3, -0.07, 0.0, 0.07, 0.3, 0.5])
    np.testing.assert_allclose(
        HILL_SHY.cost_ratio(g) / cost_ratio(g), [1.4, 1.4, 1.3, 1.0, 1.3, 1.4, 1.4]
    )
    np.testing.assert_array_equal(PLAIN.cost_ratio(g), cost_ratio(g))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"grade_correction": (1.0,) * 3},
        {"grade_correction": (1.0, 1.0, 1.0, 1.0, 1.1, 1.0, 1.0, 1.0, 1.0)},
        {"grade_correction": (0.0,) * 4 + (1.0,) + (1.0,) * 4},
        {"trail_factor": 0.0},
        {"fatigue_per_h": 5.0},
    ],
)
def test_invalid_calibration_is_rejected(kwargs):
    with pytest.raises(InputError):
        RunnerProfile(360.0, **kwargs)


def test_fatigue_makes_long_outings_slower_and_folds_into_the_pace():
    tired = RunnerProfile(300.0, fatigue_per_h=0.1)
    assert tired.fatigued_s(3600.0) == pytest.approx(36000.0 * np.expm1(0.1))
    assert tired.fatigued_s(600.0, start_elapsed_s=3600.0) > tired.fatigued_s(600.0)
    folded = tired.for_duration(7200.0)
    assert folded.fatigue_per_h == 0.0
    # A route taking 2 h under the folded pace takes 2 h with fatigue.
    fresh_s = 7200.0 * 300.0 / folded.flat_pace_s_per_km
    assert tired.fatigued_s(fresh_s) == pytest.approx(7200.0)
    assert PLAIN.for_duration(7200.0) is PLAIN


def test_edge_times_use_the_corrections_and_trail_factor():
    net = two_rings()
    t_plain, _ = EdgeTimer(net, PLAIN).edge_times()
    t_hill, _ = EdgeTimer(net, HILL_SHY).edge_times()
    flat = np.abs(net.edge_ascent_m - net.edge_descent_m) + net.edge_ascent_m < 1.0
    assert flat.any() and (~flat).any()
    np.testing.assert_allclose(t_hill[flat], t_plain[flat], rtol=1e-9)
    assert np.all(t_hill[~flat] > 1.05 * t_plain[~flat])
    trails = RunnerProfile(360.0, trail_factor=1.25)
    t_trail, _ = EdgeTimer(net, trails).edge_times()
    np.testing.assert_allclose(t_trail, 1.25 * t_plain)  # every way here is a path
    e = int(np.argmax(net.edge_length_m))
    assert EdgeTimer(net, trails).partial_s(e, 0.0, float(net.edge_length_m[e])) == pytest.approx(
        float(t_trail[e])
    )


def test_profile_changes_the_loop():
    net = two_rings()
    lon, lat = to_lonlat(0.0, 0.0)
    start = (float(lon), float(lat))
    hill = (net.edge_ascent_m + net.edge_descent_m) > 10.0  # the east ring's edges
    request = LoopRequest(802.0)  # the hill ring at 6:00/km under plain Minetti
    (plain,) = find_loops(net, start, PLAIN, request)
    (shy,) = find_loops(net, start, HILL_SHY, request)

    def hill_m(route) -> float:
        return sum(abs(s.end_m - s.start_m) for s in route.steps if hill[s.edge])

    assert hill_m(plain) == pytest.approx(float(net.edge_length_m[hill].sum()), rel=0.01)
    assert hill_m(shy) < 0.3 * hill_m(plain)  # hill-shy runner: mostly the flat ring
    assert plain.stats.duration_s == pytest.approx(802.0, rel=0.05)
    assert shy.stats.duration_s == pytest.approx(802.0, rel=0.05)


def test_fatigue_stops_growing_past_its_fitted_range():
    capped = RunnerProfile(300.0, fatigue_per_h=0.1, fatigue_until_h=1.0)
    free = RunnerProfile(300.0, fatigue_per_h=0.1)
    # Within the range the two agree; past it the pace stays at 1.1 x fresh.
    assert capped.fatigued_s(1800.0) == pytest.approx(free.fatigued_s(1800.0))
    assert capped.fatigued_s(600.0, start_elapsed_s=7200.0) == pytest.approx(660.0)
    assert capped.fatigued_s(600.0, start_elapsed_s=7200.0) < free.fatigued_s(
        600.0, start_elapsed_s=7200.0
    )
    # Across the limit: the time up to it, then 1.1 x the rest of the fresh time.
    tau_1h = np.log1p(0.1) / 0.1 * 3600.0
    assert capped.fatigued_s(tau_1h + 1000.0) == pytest.approx(3600.0 + 1100.0)
    # Folding into the pace still gives the target duration.
    folded = capped.for_duration(4 * 3600.0)
    assert folded.fatigue_until_h is None
    fresh_s = 4 * 3600.0 * 300.0 / folded.flat_pace_s_per_km
    assert capped.fatigued_s(fresh_s) == pytest.approx(4 * 3600.0)
    with pytest.raises(InputError, match="fatigue limit"):
        RunnerProfile(300.0, fatigue_per_h=0.1, fatigue_until_h=-1.0)
