"""One catalogue task: every route of a batch of trailheads, on one region's network.

A task is a pure function of its inputs (the network, the trailheads, the request), so its
result is the same on any worker and in any order: that is what makes the catalogue
byte-identical for one worker, two, or a remote cluster.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from routeplanner import pace
from routeplanner.catalog.trailheads import Trailhead
from routeplanner.errors import RoutePlannerError
from routeplanner.network.model import Network
from routeplanner.output.export import gpx_document
from routeplanner.route import Route
from routeplanner.search.loops import LoopRequest, find_loops
from routeplanner.search.segment_loops import SegmentLoopOptions
from routeplanner.search.workouts import plan_loop_with_segments

__all__ = ["KINDS", "CatalogRequest", "route_record", "run_batch", "task_key"]

log = logging.getLogger(__name__)

#: Kinds of catalogue route.
KINDS = ("easy", "hilly", "descent")
#: Coordinates in the catalogue are rounded to this many decimals (about 1 m).
_LONLAT_DECIMALS = 5


@dataclass(frozen=True)
class CatalogRequest:
    """What every trailhead gets.

    Attributes
    ----------
    durations_s : tuple of float
        Target durations.
    kinds : tuple of str
        Route kinds: ``easy`` (a plain loop), ``hilly`` (a loop through a climb),
        ``descent`` (a loop that runs a 3-10 minute descent).
    flat_pace : str
        Flat pace of the catalogue's reference runner (as typed, e.g. ``"6:00"``).
    model : str
        Pace model.
    tolerance : float
        Accepted relative error of a route's time.
    seed : int
        Seed of the searches.
    """

    durations_s: tuple[float, ...] = (1800.0, 3600.0, 5400.0, 7200.0)
    kinds: tuple[str, ...] = ("easy", "hilly")
    flat_pace: str = "6:00"
    model: str = "minetti"
    tolerance: float = 0.05
    seed: int = 0

    def digest(self) -> str:
        """Short hash of the request, naming its task results."""
        text = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def task_key(region: str, index: int, batch: Sequence[Trailhead], request: CatalogRequest) -> str:
    """Stable name of one task: region, batch number, its trailheads and the request."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in region)
    ids = hashlib.sha256(",".join(t.id for t in batch).encode()).hexdigest()[:8]
    return f"{safe}-{index:05d}-{ids}-{request.digest()}"


def _round(values: np.ndarray, decimals: int) -> list[float]:
    return [float(v) for v in np.round(np.asarray(values, dtype=np.float64), decimals)]


def route_record(
    route: Route, trailhead: Trailhead, kind: str, target_s: float, tolerance: float
) -> dict[str, Any]:
    """Describe a route as a JSON-ready record with its geometry and its GPX text."""
    st = route.stats
    minutes = round(target_s / 60)
    rid = f"{trailhead.id}-{kind}-{minutes}"
    err = st.duration_s / target_s - 1.0
    misses = list(getattr(route, "misses", ()) or ())
    if abs(err) > tolerance and not any(m.startswith("time") for m in misses):
        misses.insert(0, f"time {st.duration_s / 60:.0f} min for {minutes} min ({err:+.0%})")
    keep = np.unique(np.concatenate(([0], np.flatnonzero(np.diff(route.dist_m) > 5) + 1)))
    return {
        "id": rid,
        "trailhead": trailhead.id,
        "trailhead_name": trailhead.name,
        "kind": kind,
        "target_duration_s": round(target_s, 1),
        "duration_s": round(st.duration_s, 1),
        "distance_m": round(st.distance_m, 1),
        "ascent_m": round(st.ascent_m, 1),
        "trail_share": round(st.trail_share, 3),
        "meets_brief": not misses,
        "misses": misses,
        "lon": _round(route.lon[keep], _LONLAT_DECIMALS),
        "lat": _round(route.lat[keep], _LONLAT_DECIMALS),
        "ele": _round(route.ele[keep], 1),
        "dist_m": _round(route.dist_m[keep], 1),
        "gpx": f"routes/{rid}.gpx",
        "gpx_text": gpx_document([route], name=f"{trailhead.label}: {kind} {minutes} min"),
    }


def _one(
    net: Network,
    th: Trailhead,
    kind: str,
    target_s: float,
    profile: pace.RunnerProfile,
    req: CatalogRequest,
) -> Route:
    """Plan the best route of one kind and duration from a trailhead."""
    loop = LoopRequest(target_s, tolerance=req.tolerance, seed=req.seed)
    start = (th.lon, th.lat)
    if kind == "easy":
        return find_loops(net, start, profile, loop)[0]
    if kind == "hilly":
        options = SegmentLoopOptions(climbs=1)
    else:
        options = SegmentLoopOptions(include_descent=True, descent_minutes=(180.0, 600.0))
    return plan_loop_with_segments(net, start, profile, loop, options).routes[0]


def run_batch(
    net: Network, trailheads: Sequence[Trailhead], request: CatalogRequest
) -> dict[str, Any]:
    """Every route of a batch of trailheads.

    Parameters
    ----------
    net
        The region's network.
    trailheads
        The batch.
    request
        Durations, kinds, runner.

    Returns
    -------
    dict
        ``{"routes": [...], "failures": [...]}``: route records (see
        :func:`route_record`) in (trailhead, kind, duration) order, and one
        ``{"trailhead", "kind", "target_duration_s", "reason"}`` per route that could not
        be planned at all.
    """
    profile = pace.RunnerProfile.from_strings(request.flat_pace, model=request.model)
    routes: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    for th in trailheads:
        for kind in request.kinds:
            for target in request.durations_s:
                try:
                    route = _one(net, th, kind, target, profile, request)
                except RoutePlannerError as exc:
                    failures.append(
                        {
                            "trailhead": th.id,
                            "kind": kind,
                            "target_duration_s": round(target, 1),
                            "reason": str(exc),
                        }
                    )
                    continue
                routes.append(route_record(route, th, kind, target, request.tolerance))
    return {"routes": routes, "failures": failures}
