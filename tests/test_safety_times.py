"""Times to the way out: on a hand-built line, kept on the network for the next sheet."""

from __future__ import annotations

import numpy as np
from synth import make_network

from routeplanner.pace import RunnerProfile
from routeplanner.safety import times

PROFILE = RunnerProfile(360.0)  # 0.36 s per flat metre


def _line():
    """A 1 km flat path from node 1 to 3 that meets a road at node 3."""
    nodes = {1: (0.0, 0.0), 2: (500.0, 0.0), 3: (1000.0, 0.0), 4: (1000.0, 300.0)}
    ways = [
        ([1, 2, 3], {"highway": "path", "name": "Path"}),
        ([3, 4], {"highway": "residential", "name": "Road"}),
    ]
    return make_network(nodes, ways)


def test_times_to_the_road_are_the_running_times_and_kept():
    net = _line()
    t = times.times_to_roads(net, PROFILE)
    far = int(np.argmax(t))  # the path's far end, 1 km from the road
    assert t[far] == np.float64(t.max())
    np.testing.assert_allclose(t.max(), 1000.0 * 0.36, rtol=0.02)
    assert np.count_nonzero(t == 0) == 2  # both ends of the road
    # the same array for the next route: made once per network and runner
    assert times.times_to_roads(net, PROFILE) is t
    assert times.reversed_graph(net, PROFILE) is times.reversed_graph(net, PROFILE)
    other = times.times_to_roads(net, RunnerProfile(720.0))
    np.testing.assert_allclose(other.max(), 2 * t.max(), rtol=1e-6)
