"""What the planner's workers compute: loops, their files, climbs near a start.

A :class:`Planner` holds one loaded region and answers parsed queries
(:class:`~routeplanner.serve.query.LoopQuery`) with plain data: a GeoJSON
FeatureCollection whose feature properties are the command line's route JSON
(:func:`routeplanner.output.export.route_json`), or a file's bytes.  Each worker
process of the server has its own planner (module state set by
:func:`init_worker`), so concurrent queries share no mutable state; results, not
networks, cross between processes.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from routeplanner import units
from routeplanner.errors import InputError
from routeplanner.serve.query import LoopQuery

__all__ = ["Planned", "Planner", "init_worker", "run_in_worker"]

#: Queries whose routes a worker keeps, so exporting what is shown does not search again.
KEPT_RESULTS = 8

#: Climbs and descents shown near a start, each, and how far from it.
NEAR_SEGMENTS, NEAR_WITHIN_M = 6, 3000.0

#: File exports: media type and suffix.
FILE_KINDS = {
    "gpx": ("application/gpx+xml", ".gpx"),
    "fit": ("application/vnd.ant.fit", ".fit"),
    "html": ("text/html; charset=utf-8", ".html"),
}


@dataclass(frozen=True)
class Planned:
    """The routes of one query, with their safety sheets and title."""

    routes: tuple[Any, ...]
    sheets: tuple[Any, ...]
    spans: tuple[tuple[float, float] | None, ...]
    title: str
    search_s: float


class Planner:
    """Answers loop queries on one loaded region.

    Parameters
    ----------
    loaded
        The region (:class:`routeplanner.cli._common.Loaded`).
    profile_file
        A runner profile TOML that ``profile=1`` queries use, or None.
    """

    def __init__(self, loaded: Any, profile_file: str | None = None) -> None:
        self.loaded = loaded
        self.profile_file = profile_file
        self._kept: OrderedDict[tuple[object, ...], Planned] = OrderedDict()
        self._places: tuple[Any, Any] | None = None

    # -- searching -----------------------------------------------------------
    def runner(self, q: LoopQuery) -> Any:
        """Give the runner profile of a query (the server's profile file with ``profile=1``)."""
        from routeplanner.pace import RunnerProfile

        if not q.profile:
            return RunnerProfile(q.pace_s_per_km, q.model, q.max_difficulty)
        if self.profile_file is None:
            raise InputError("profile=1: the server was started without --profile")
        prof = RunnerProfile.from_toml(self.profile_file)
        prof = replace(prof, max_difficulty=min(prof.max_difficulty, q.max_difficulty))
        return prof.for_duration(q.duration_s)

    def request(self, q: LoopQuery) -> Any:
        """Make the :class:`~routeplanner.search.loops.LoopRequest` of a query."""
        from routeplanner.brief import Constraints
        from routeplanner.search.loops import LoopRequest

        constraints = Constraints(
            avoid_roads=not q.allow_roads,
            min_trail=q.min_trail,
            max_ascent_m=q.max_ascent_m,
            max_ascent_rate_m_h=q.max_ascent_rate_m_h,
        )
        return LoopRequest(
            q.duration_s,
            tolerance=q.tolerance,
            alternatives=q.alternatives,
            seed=q.seed,
            constraints=constraints,
        )

    def plan(self, q: LoopQuery) -> Planned:
        """Search the loops of a query (or give those of the same query kept from before)."""
        key = q.key()
        kept = self._kept.get(key)
        if kept is not None:
            self._kept.move_to_end(key)
            return kept
        planned = self._search(q)
        self._kept[key] = planned
        while len(self._kept) > KEPT_RESULTS:
            self._kept.popitem(last=False)
        return planned

    def _search(self, q: LoopQuery) -> Planned:
        from routeplanner.cli._safety import SafetyOptions, region_places, safety_sheets
        from routeplanner.pace.spread import time_range_s
        from routeplanner.search.loops import find_loops
        from routeplanner.search.trees import forget_kept_graphs
        from routeplanner.search.via_loops import find_via_loops

        net = self.loaded.net
        profile = self.runner(q)
        request = self.request(q)
        # The same query gives the same loops, whatever this worker was asked before.
        forget_kept_graphs(net)
        t0 = time.perf_counter()
        if q.segment is not None:
            routes = [self._through_segment(q, profile, request)]
        elif q.via is None:
            routes = find_loops(net, q.start, profile, request)
        else:
            routes = find_via_loops(net, q.start, q.via, profile, request)
        search_s = time.perf_counter() - t0
        lon, lat = q.start
        title = f"{units.format_duration(q.duration_s)} loop from {lat:.4f},{lon:.4f}"
        if self._places is None:  # the safety sheet's places, read once per worker
            self._places = region_places(self.loaded)
        sheets = safety_sheets(
            routes, self.loaded, SafetyOptions(enabled=True), title=title, places=self._places
        )
        spans = tuple(time_range_s(profile, r.stats.duration_s) for r in routes)
        return Planned(tuple(routes), tuple(sheets), spans, title, search_s)

    def _through_segment(self, q: LoopQuery, profile: Any, request: Any) -> Any:
        """Find the loop that runs the query's climb uphill (or descent downhill)."""
        from routeplanner.search.segments import segment_by_id
        from routeplanner.search.workouts import plan_loop_through_segments

        assert q.segment is not None
        seg = segment_by_id(self.loaded.net, q.segment, profile)
        return plan_loop_through_segments(self.loaded.net, q.start, profile, request, [seg])

    # -- answers -------------------------------------------------------------
    def loops(self, q: LoopQuery) -> dict[str, Any]:
        """Answer a query with a GeoJSON FeatureCollection: one feature per route, best first.

        Each feature's properties are the command line's route JSON, with its
        safety sheet (``safety``) and range of times (``duration_range_s``); the
        sheet's text is in ``safety_text``.  Foreign members give the start, the
        via point or segment, the title and the search time.
        """
        from routeplanner.output import bundle

        planned = self.plan(q)
        features = []
        for route, sheet, span in zip(planned.routes, planned.sheets, planned.spans, strict=True):
            props = bundle.route_json(route, sheet=sheet, span=span, with_range=True)
            props["safety_text"] = sheet.to_text()
            geometry = bundle.route_feature(route)["geometry"]
            features.append({"type": "Feature", "geometry": geometry, "properties": props})
        lon, lat = q.start
        return {
            "type": "FeatureCollection",
            "features": features,
            "title": planned.title,
            "start": [lon, lat],
            "via": None if q.via is None else list(q.via),
            "segment": q.segment,
            "search_s": round(planned.search_s, 3),
        }

    def file(self, q: LoopQuery, kind: str) -> tuple[bytes, str]:
        """One route's file (``gpx``, ``fit``) or the offline HTML map of all, and its name."""
        from routeplanner.serve.exports import route_file

        planned = self.plan(q)
        if kind != "html" and q.index >= len(planned.routes):
            raise InputError(
                f"index {q.index}: this query has {len(planned.routes)} route(s), "
                f"index 0 to {len(planned.routes) - 1}"
            )
        data = route_file(kind, planned, self.loaded, q.index)
        stem = f"loop-{round(q.duration_s / 60)}min" + (f"-{q.index + 1}" if kind != "html" else "")
        return data, stem + FILE_KINDS[kind][1]

    def climbs(self, q: LoopQuery) -> dict[str, Any]:
        """Climbs and descents near the start, as a FeatureCollection (``kind`` in properties)."""
        from routeplanner.output.bundle import segment_feature
        from routeplanner.search.segments import SegmentRequest, find_segments

        profile = self.runner(q)
        features = []
        for kind in ("climb", "descent"):
            request = SegmentRequest(
                kind=kind,
                near=q.start,
                within_m=NEAR_WITHIN_M,
                limit=NEAR_SEGMENTS,
                min_trail_share=0.5,
            )
            segs = find_segments(self.loaded.net, request, profile, raise_if_none=False)
            features += [segment_feature(s) for s in segs]
        return {"type": "FeatureCollection", "features": features}


# -- the worker processes ---------------------------------------------------------

_PLANNER: Planner | None = None


def init_worker(load: Callable[..., Any], args: tuple[Any, ...], profile_file: str | None) -> None:
    """Load the region in a worker process (``load(*args)``), once, at its start."""
    global _PLANNER
    _PLANNER = Planner(load(*args), profile_file)


def run_in_worker(method: str, *args: Any) -> Any:
    """Call a :class:`Planner` method in this worker (what the pool submits)."""
    if _PLANNER is None:
        raise RuntimeError("the worker has no region loaded")
    return getattr(_PLANNER, method)(*args)
