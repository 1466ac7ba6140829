"""One catalogue task: every route of a batch of trailheads, on one region's network.

A task is a pure function of its inputs (the network, the trailheads, the request), so its
result is the same on any worker and in any order: that is what makes the catalogue
byte-identical for one worker, two, or a remote cluster.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time
from typing import Any

import numpy as np

from routeplanner import pace
from routeplanner._io import file_safe
from routeplanner.brief import Constraints
from routeplanner.catalog.trailheads import Trailhead
from routeplanner.errors import InputError, RoutePlannerError
from routeplanner.network.model import Network
from routeplanner.output.bundle import RouteDoc, render
from routeplanner.route import Route
from routeplanner.safety.daylight import region_timezone
from routeplanner.safety.places import region_places
from routeplanner.safety.sheet import clean_text, safety_sheet
from routeplanner.search.loops import LoopRequest, find_loops
from routeplanner.search.point_router import PointRouters
from routeplanner.search.segment_loops import SegmentLoopOptions
from routeplanner.search.workouts import leg_prefs, segment_loop_on
from routeplanner.sources.pois import Pois

__all__ = [
    "KINDS",
    "CatalogRequest",
    "SafetyContext",
    "route_record",
    "run_batch",
    "task_key",
]


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
        ``descent`` (a loop that runs a 5-10 minute practice descent).
    flat_pace_s_per_km : float
        Flat pace of the catalogue's reference runner, seconds per km.
    model : str
        Pace model.
    tolerance : float
        Accepted relative error of a route's time.
    seed : int
        Seed of the searches.
    start_date : str
        Reference day (ISO date) of every route's safety sheet and FIT course times;
        fixed, so the catalogue does not change with the day it is built (default: a
        summer Saturday).
    start_clock : str
        Reference start time of day (``HH:MM``), local to the region.
    easy_ascent_rate_m_h : float
        Most ascent per hour of an ``easy`` route (the plan's easy-run cap,
        :data:`routeplanner.plan.routing.EASY_ASCENT_RATE_M_H`): the search looks
        for the gentlest loop in reach and marks a steeper one as missing its brief.
    allow_roads : bool
        Take main roads like any way (by default trail-first).
    """

    durations_s: tuple[float, ...] = (1800.0, 3600.0, 5400.0, 7200.0)
    kinds: tuple[str, ...] = ("easy", "hilly")
    flat_pace_s_per_km: float = 360.0
    model: str = "mountain"
    tolerance: float = 0.05
    seed: int = 0
    start_date: str = "2025-07-05"
    start_clock: str = "08:00"
    easy_ascent_rate_m_h: float = 250.0
    allow_roads: bool = False

    def __post_init__(self) -> None:
        try:
            date.fromisoformat(self.start_date)
            time.fromisoformat(self.start_clock)
        except ValueError:
            raise InputError(
                f"reference start {self.start_date} {self.start_clock} is not a date "
                "YYYY-MM-DD and a time HH:MM"
            ) from None

    def profile(self) -> pace.RunnerProfile:
        """Return the reference runner's profile."""
        return pace.RunnerProfile(self.flat_pace_s_per_km, str(self.model).strip().lower())

    def start(self, zone: str | None, lon: float, lat: float) -> datetime:
        """Return the reference start in the region's time zone (found from a point)."""
        tz = region_timezone(zone, lon, lat)
        day, clock = date.fromisoformat(self.start_date), time.fromisoformat(self.start_clock)
        return datetime.combine(day, clock, tzinfo=tz)

    def digest(self) -> str:
        """Short hash of the request, naming its task results."""
        text = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def task_key(region: str, index: int, batch: Sequence[Trailhead], request: CatalogRequest) -> str:
    """Stable name of one task: region, batch number, its trailheads and the request."""
    ids = hashlib.sha256(",".join(f"{t.id}={t.name}" for t in batch).encode()).hexdigest()[:8]
    return f"{file_safe(region)}-{index:05d}-{ids}-{request.digest()}"


@dataclass(frozen=True)
class SafetyContext:
    """What a task needs for safety sheets: the region's OSM file, zone and emergency number.

    Attributes
    ----------
    osm : str
        OSM file of the region (its places are read once per worker process).
    timezone : str or None
        IANA time zone (None: looked up from the trailhead, UTC without timezonefinder).
    emergency_number : str
        Number to call.
    cache_dir : str or None
        The network cache folder: the region's places and forest mask are kept beside
        the network there (None: read and computed once per worker).
    """

    osm: str
    timezone: str | None = None
    emergency_number: str = "112"
    cache_dir: str | None = None


def _places(net: Network, ctx: SafetyContext) -> tuple[Pois, np.ndarray]:
    """Return the region's places and forest mask, once per network on a worker.

    Every safety sheet's treeline reads the network points near its route: testing them
    all once (or reading the test from the network's cache) instead of again for every
    route gives the same answer for a fraction of the time.
    """
    from routeplanner.sources.forest import points_in_forest

    key = ("catalog_places", ctx.osm)
    if key not in net._cache:
        pois, mask = region_places(net, ctx.osm, ctx.cache_dir)
        if mask is None:
            forest = np.asarray(pois.forest, dtype=object)
            mask = points_in_forest(forest, net.prof_lon, net.prof_lat)
        net._cache[key] = (pois, mask)
    places: tuple[Pois, np.ndarray] = net._cache[key]
    return places


def _round(values: np.ndarray, decimals: int) -> list[float]:
    return [float(v) for v in np.round(np.asarray(values, dtype=np.float64), decimals)]


def route_record(
    route: Route,
    trailhead: Trailhead,
    kind: str,
    target_s: float,
    tolerance: float,
    *,
    start: datetime | None = None,
    safety: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Describe a route as a JSON-ready record with its geometry, GPX and FIT course.

    Parameters
    ----------
    route, trailhead, kind, target_s, tolerance
        The route and what it was asked for.
    start
        Reference start of its FIT course's times (with a time zone; default the
        record has no FIT course).
    safety
        Its safety sheet as :func:`safety_record` gives it, or None.

    Returns
    -------
    dict
        JSON-ready; ``fit_b64`` holds the FIT file in base64, ``safety`` the sheet.
    """
    st = route.stats
    minutes = round(target_s / 60)
    rid = f"{trailhead.id}-{kind}-{minutes}"
    err = st.duration_s / target_s - 1.0
    misses = list(route.outcome.misses) if route.outcome is not None else []
    if abs(err) > tolerance and not any(m.startswith("time") for m in misses):
        misses.insert(0, f"time {st.duration_s / 60:.0f} min for {minutes} min ({err:+.0%})")
    name = f"{trailhead.label}: {kind} {minutes} min"
    keep = np.unique(np.concatenate(([0], np.flatnonzero(np.diff(route.dist_m) > 5) + 1)))
    rec: dict[str, Any] = {
        "id": rid,
        "trailhead": trailhead.id,
        "trailhead_name": trailhead.label,
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
        "gpx_text": render("gpx", RouteDoc(route, name=name)).decode("utf-8"),
    }
    if start is not None:
        fit = render("fit", RouteDoc(route, name=name, start=start))
        rec["fit"] = f"routes/{rid}.fit"
        rec["fit_b64"] = base64.b64encode(fit).decode("ascii")
    if safety is not None:
        rec["safety"] = safety
    return rec


def safety_record(
    route: Route, net: Network, ctx: SafetyContext, *, start: datetime, title: str, rid: str
) -> dict[str, Any]:
    """Compute a route's safety sheet as JSON: the ``--json`` keys, its start and its lines.

    ``lines`` are plain text with control characters removed; they still hold OSM names,
    so whoever renders them must escape them.
    """
    pois, forest_mask = _places(net, ctx)
    sheet = safety_sheet(
        route,
        net,
        pois,
        start=start,
        title=title,
        emergency_number=ctx.emergency_number,
        outputs=[f"{rid}.gpx", f"{rid}.fit"],
        forest_mask=forest_mask,
    )
    return {
        **sheet.to_json(),
        "start": start.isoformat(timespec="minutes"),
        "lines": [clean_text(line) for line in sheet.lines()[1:]],
    }


def _one(
    net: Network,
    th: Trailhead,
    kind: str,
    target_s: float,
    profile: pace.RunnerProfile,
    req: CatalogRequest,
    routers: PointRouters,
) -> Route:
    """Plan the best route of one kind and duration from a trailhead.

    ``routers`` holds the trailhead's point router: its durations and kinds share the
    trees and points it keeps (the same answers as a router of their own).
    """
    roads = Constraints(avoid_roads=not req.allow_roads)
    loop = LoopRequest(target_s, tolerance=req.tolerance, seed=req.seed, constraints=roads)
    start = (th.lon, th.lat)
    if kind == "easy":
        easy = replace(roads, max_ascent_rate_m_h=req.easy_ascent_rate_m_h)
        return find_loops(net, start, profile, replace(loop, constraints=easy))[0]
    if kind == "hilly":
        options = SegmentLoopOptions(climbs=1)
    else:
        options = SegmentLoopOptions(include_descent=True, descent_minutes=(300.0, 600.0))
    router = routers.get(net, profile, start, leg_prefs(loop))
    return segment_loop_on(router, loop, options).routes[0]


def _record(
    net: Network,
    route: Route,
    th: Trailhead,
    kind: str,
    target_s: float,
    request: CatalogRequest,
    start: datetime,
    safety: SafetyContext | None,
) -> dict[str, Any]:
    sheet = None
    if safety is not None:
        rid = f"{th.id}-{kind}-{round(target_s / 60)}"
        title = f"{th.label}: {kind} {round(target_s / 60)} min"
        sheet = safety_record(route, net, safety, start=start, title=title, rid=rid)
    return route_record(route, th, kind, target_s, request.tolerance, start=start, safety=sheet)


def run_batch(
    net: Network,
    trailheads: Sequence[Trailhead],
    request: CatalogRequest,
    *,
    safety: SafetyContext | None = None,
) -> dict[str, Any]:
    """Every route of a batch of trailheads.

    Parameters
    ----------
    net
        The region's network.
    trailheads
        The batch.
    request
        Durations, kinds, runner, reference start.
    safety
        The region's places for safety sheets (None: routes without a sheet).

    Returns
    -------
    dict
        ``{"routes": [...], "failures": [...]}``: route records (see
        :func:`route_record`) in (trailhead, kind, duration) order, and one
        ``{"trailhead", "kind", "target_duration_s", "reason"}`` per route that could not
        be planned at all.
    """
    profile = request.profile()
    routes: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    for th in trailheads:
        zone = safety.timezone if safety is not None else None
        start = request.start(zone, th.lon, th.lat)
        routers = PointRouters()  # one trailhead's: dropped with it
        for kind in request.kinds:
            for target in request.durations_s:
                try:
                    route = _one(net, th, kind, target, profile, request, routers)
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
                routes.append(_record(net, route, th, kind, target, request, start, safety))
    return {"routes": routes, "failures": failures}
