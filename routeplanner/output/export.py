"""Route exports: GeoJSON (RFC 7946) and GPX 1.1 (gpxpy); calendar events are in :mod:`.ics`.

Builders return the document (a dict or a string) and never touch the disk; the
``write_*`` functions check the target, build the whole document first and then
write it atomically with :func:`routeplanner._io.atomic_write_text`, so a failure
never leaves a partial or temporary file behind.

Names from OpenStreetMap and titles typed by users are untrusted text.  They are
passed as text to :mod:`json`, :mod:`gpxpy` and :mod:`icalendar`, which escape
them; characters that XML 1.0 and iCalendar cannot carry at all (C0 controls,
lone surrogates) are dropped first.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from routeplanner import pace
from routeplanner._docstrings import fill
from routeplanner._io import write_checked
from routeplanner.errors import InputError
from routeplanner.output.points import POINT_KINDS, RoutePoint, route_points
from routeplanner.route import Route

if TYPE_CHECKING:  # gpxpy and icalendar are imported by the functions writing their formats
    import gpxpy.gpx

__all__ = [
    "GPX_CREATOR",
    "course_name",
    "feature_collection",
    "gpx_document",
    "line_end_features",
    "lines_gpx_document",
    "numbered_paths",
    "route_feature",
    "route_summary_line",
    "segment_feature",
    "summary_json",
    "write_geojson",
    "write_gpx",
]

log = logging.getLogger(__name__)

GPX_CREATOR = "routeplanner"

# Fixed namespace so the same title and start always give the same event UID, and
# re-importing an updated calendar file replaces the event instead of duplicating it.

# Characters XML 1.0 cannot represent even escaped (and iCalendar forbids as
# CONTROL): C0 controls except tab/newline/carriage return, surrogates, U+FFFE/F.
_XML_INVALID_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_LONLAT_DECIMALS = 6  # ~0.1 m, plenty for GPS-grade tracks (RFC 7946 §11.2)
_GPX_LONLAT_DECIMALS = 7
_ELE_DECIMALS = 1


def _text(value: object) -> str:
    """Untrusted text with characters no XML/iCalendar document can hold removed."""
    return _XML_INVALID_RE.sub("", str(value))


def _positions(
    lon: ArrayLike, lat: ArrayLike, ele: ArrayLike | None, decimals: int = _LONLAT_DECIMALS
) -> list[list[float]]:
    """GeoJSON positions ``[lon, lat, ele]``, or ``[lon, lat]`` where elevation is unusable.

    A LineString mixing 2D and 3D positions is legal but confuses readers, so a
    single non-finite elevation drops elevations from the whole line.
    """
    x = np.round(np.asarray(lon, dtype=np.float64), decimals)
    y = np.round(np.asarray(lat, dtype=np.float64), decimals)
    if x.shape != y.shape or x.ndim != 1:
        raise InputError(
            f"lon and lat must be 1-D arrays of equal length, got {x.shape} and {y.shape}"
        )
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise InputError("coordinates contain non-finite lon/lat values")
    if ele is not None:
        z = np.asarray(ele, dtype=np.float64)
        if z.shape != x.shape:
            raise InputError(f"ele must match lon/lat in length: {z.shape} vs {x.shape}")
        if np.isfinite(z).all():
            ret: list[list[float]] = np.column_stack((x, y, np.round(z, _ELE_DECIMALS))).tolist()
            return ret
        log.warning("elevation has non-finite values; writing 2D coordinates")
    ret = np.column_stack((x, y)).tolist()
    return ret


def _jsonable(value: Any) -> Any:
    """Plain JSON types: numpy scalars/arrays unwrapped, tuples as lists, NaN/inf as null."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def route_feature(route: Route, *, properties: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return a route as a GeoJSON LineString Feature.

    Parameters
    ----------
    route
        The route.
    properties
        Extra properties, added after (and overriding) the standard ones.

    Returns
    -------
    dict
        Feature with ``[lon, lat, ele]`` coordinates (lon/lat rounded to 6
        decimals, elevation to 0.1 m) and properties ``name``, ``kind``,
        ``distance_m``, ``duration_s``, ``target_duration_s`` (None if unset),
        ``ascent_m``, ``descent_m``, ``trail_share``, ``overlap_share``,
        ``max_grade``, ``max_grade_over_m``, ``hardest_sac``, ``pace_model``, ``flat_pace``,
        ``ways``, ``cues`` (``{name, at_m, length_m}``) and ``warnings``.
    """
    props: dict[str, Any] = {"name": str(route.name), "kind": str(route.kind)}
    stats = route.stats.as_dict()
    props["distance_m"] = stats["distance_m"]
    props["duration_s"] = stats["duration_s"]
    target = route.target_duration_s
    props["target_duration_s"] = None if target is None else round(float(target), 1)
    for key in (
        "ascent_m",
        "descent_m",
        "trail_share",
        "overlap_share",
        "max_grade",
        "max_grade_over_m",
        "hardest_sac",
    ):
        props[key] = stats[key]
    props["pace_model"] = route.profile.model
    props["flat_pace"] = pace.format_pace(route.profile.flat_pace_s_per_km)
    props["ways"] = [str(n) for n in route.names]
    props["cues"] = [
        {
            "name": str(c.name),
            "at_m": round(float(c.at_m), 1),
            "length_m": round(float(c.length_m), 1),
        }
        for c in route.cues
    ]
    props["warnings"] = [str(w) for w in route.warnings]
    props["main_road_share"] = stats.get("main_road_share", 0.0)
    outcome = getattr(route, "outcome", None)
    if outcome is not None:
        props.update(outcome.as_dict())
    if properties:
        props.update(_jsonable(dict(properties)))
    return {
        "type": "Feature",
        "geometry": {
            "type": "LineString",
            "coordinates": _positions(route.lon, route.lat, route.ele),
        },
        "properties": props,
    }


def segment_feature(
    lon: ArrayLike, lat: ArrayLike, ele: ArrayLike | None, properties: Mapping[str, Any]
) -> dict[str, Any]:
    """Return a GeoJSON LineString Feature from coordinate arrays (climbs, descents, ski lines).

    Parameters
    ----------
    lon, lat
        Coordinates in degrees, at least two points.
    ele
        Elevations in metres, or None for 2D coordinates.
    properties
        Feature properties (made JSON-ready: numpy values unwrapped, NaN as null).

    Returns
    -------
    dict
        The Feature.

    Raises
    ------
    InputError
        If there are fewer than two points or the arrays differ in length.
    """
    coords = _positions(lon, lat, ele)
    if len(coords) < 2:
        raise InputError(f"a LineString needs at least 2 points, got {len(coords)}")
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": _jsonable(dict(properties)),
    }


def _iter_positions(coords: Any) -> Iterator[list[float]]:
    """Every position of a GeoJSON coordinates member, whatever the nesting."""
    if coords and isinstance(coords[0], (int, float)):
        yield coords
    else:
        for c in coords:
            yield from _iter_positions(c)


def _bbox(features: Sequence[dict[str, Any]]) -> list[float] | None:
    """RFC 7946 bbox: 2*n numbers, n = 3 only if every position has an elevation."""
    pts = [
        p
        for f in features
        if (geom := f.get("geometry")) and geom.get("coordinates") is not None
        for p in _iter_positions(geom["coordinates"])
    ]
    if not pts:
        return None
    dims = 3 if all(len(p) >= 3 for p in pts) else 2
    arr = np.array([p[:dims] for p in pts], dtype=np.float64)
    return [*arr.min(axis=0).tolist(), *arr.max(axis=0).tolist()]


def feature_collection(
    routes: Sequence[Route], extra_features: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """Return an RFC 7946 FeatureCollection: route features first, then ``extra_features``.

    Parameters
    ----------
    routes
        Routes, the main route first (consumers take the first feature as it).
    extra_features
        Already-built Features (e.g. from :func:`segment_feature`), appended as given.

    Returns
    -------
    dict
        The collection, with a ``bbox`` and no ``crs`` member (RFC 7946 §4).

    Raises
    ------
    InputError
        If ``routes`` is empty.
    """
    if not routes:
        raise InputError("no routes to export: at least one route is needed")
    features = [route_feature(r) for r in routes]
    features.extend(_jsonable(dict(f)) for f in extra_features)
    out: dict[str, Any] = {"type": "FeatureCollection"}
    bbox = _bbox(features)
    if bbox is not None:
        out["bbox"] = bbox
    out["features"] = features
    return out


def write_geojson(
    path: str | os.PathLike[str],
    routes: Sequence[Route],
    extra_features: Sequence[dict[str, Any]] = (),
) -> Path:
    """Write :func:`feature_collection` (same arguments) to ``path`` atomically; return the file.

    InputError if it cannot be written (:func:`routeplanner._io.write_checked`).
    """
    doc = feature_collection(routes, extra_features)
    text = json.dumps(_jsonable(doc), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    out = write_checked(path, lambda _target: text + "\n")
    log.debug("wrote GeoJSON with %d features to %s", len(doc["features"]), out)
    return out


def route_summary_line(route: Route) -> str:
    """One-line summary of a route: distance, duration and climb.

    Parameters
    ----------
    route
        The route.

    Returns
    -------
    str
        E.g. ``"6.4 km, 45 min, 246 m ascent, 246 m descent"``.
    """
    s = route.stats
    return (
        f"{s.distance_m / 1000.0:.1f} km, {pace.format_duration(s.duration_s)}, "
        f"{s.ascent_m:.0f} m ascent, {s.descent_m:.0f} m descent"
    )


def _thin(dist_m: np.ndarray, min_spacing_m: float) -> np.ndarray:
    """Return indices of points at least ``min_spacing_m`` apart along the route (ends kept)."""
    n = len(dist_m)
    if min_spacing_m <= 0 or n <= 2:
        return np.arange(n)
    keep = [0]
    for i in range(1, n - 1):
        if dist_m[i] - dist_m[keep[-1]] >= min_spacing_m:
            keep.append(i)
    # The last point is the finish and must stay; drop its too-close predecessor.
    if len(keep) > 1 and dist_m[n - 1] - dist_m[keep[-1]] < min_spacing_m:
        keep.pop()
    keep.append(n - 1)
    return np.asarray(keep)


def _aware(start: datetime, what: str) -> datetime:
    if start.tzinfo is None or start.utcoffset() is None:
        raise InputError(f"{what} {start.isoformat()!r} has no time zone")
    return start


def _timed(start_utc: datetime | None, seconds: float) -> datetime | None:
    return None if start_utc is None else start_utc + timedelta(seconds=round(seconds))


def _gpx_route_points(
    route: Route, idx: np.ndarray, start_utc: datetime | None
) -> Iterator[tuple[float, float, float | None, datetime | None]]:
    """``(lat, lon, ele or None, time or None)`` of the kept points of a route."""
    lat = np.round(np.asarray(route.lat, dtype=np.float64)[idx], _GPX_LONLAT_DECIMALS)
    lon = np.round(np.asarray(route.lon, dtype=np.float64)[idx], _GPX_LONLAT_DECIMALS)
    ele = np.round(np.asarray(route.ele, dtype=np.float64)[idx], _ELE_DECIMALS)
    times = np.asarray(route.time_s, dtype=np.float64)[idx]
    for k in range(len(idx)):
        # xsd:decimal has no NaN: leave a void out rather than break the file
        z = float(ele[k]) if math.isfinite(ele[k]) else None
        yield float(lat[k]), float(lon[k]), z, _timed(start_utc, float(times[k]))


def _waypoints(
    route: Route, points: Sequence[RoutePoint], start_utc: datetime | None
) -> Iterator[gpxpy.gpx.GPXWaypoint]:
    import gpxpy.gpx

    dist = np.asarray(route.dist_m, dtype=np.float64)
    for p in route_points(route, points, climbs=False):
        ele = float(np.interp(p.at_m, dist, route.ele))
        wpt = gpxpy.gpx.GPXWaypoint(
            latitude=round(p.lat, _GPX_LONLAT_DECIMALS),
            longitude=round(p.lon, _GPX_LONLAT_DECIMALS),
            elevation=round(ele, _ELE_DECIMALS) if math.isfinite(ele) else None,
            time=_timed(start_utc, float(np.interp(p.at_m, dist, route.time_s))),
            name=_text(p.name),
            symbol=POINT_KINDS[p.kind][1],
            type=p.kind,
        )
        yield wpt


#: What a GPX document function returns (:func:`routeplanner._docstrings.fill`).
_GPX_RETURNS_DOC = "Returns\n-------\nstr\n    The XML text, valid against the GPX 1.1 schema."


@fill(gpx_returns=_GPX_RETURNS_DOC)
def gpx_document(
    routes: Sequence[Route],
    *,
    name: str | None = None,
    description: str | None = None,
    min_spacing_m: float = 0.0,
    start: datetime | None = None,
    points: Sequence[RoutePoint] = (),
    as_route: bool = False,
    waypoints: Sequence[tuple[float, float, str, str]] = (),
) -> str:
    """Build a GPX 1.1 document with one track (or route) per route.

    Devices want one route per file: pass a single route (see
    :func:`numbered_paths` for the file names of alternatives).

    Parameters
    ----------
    routes
        Routes, one ``<trk>`` each (with the route's name, kind as ``<type>`` and a
        one-line summary as ``<desc>``), all points in one ``<trkseg>``.
    name
        Document name (``<metadata><name>``); defaults to the first route's name.
    description
        Document description; defaults to the summary line of a single route.
    min_spacing_m
        Keep only points at least this far apart along the route (0 keeps all).
    start
        Time zone-aware start time; when given, every point gets a ``<time>``
        (UTC, whole seconds) from the route's predicted times, for "virtual
        partner" pacing.
    points
        Named points on the first route, written as ``<wpt>`` (``<sym>`` and
        ``<type>`` from their kind, ``<time>`` when the route passes); add
        :func:`routeplanner.output.points.profile_points` for its climbs and descents.
    as_route
        Write ``<rte>``/``<rtept>`` instead of ``<trk>``, for devices that follow routes.
    waypoints
        ``(lon, lat, name, type)`` of points to mark (``<wpt>``, e.g. safety
        bail-outs, water and shelters), before the tracks.

    %(gpx_returns)s

    Raises
    ------
    InputError
        If ``routes`` is empty, ``min_spacing_m`` is negative or ``start`` is naive.
    """
    if not routes:
        raise InputError("no routes to export: at least one route is needed")
    if not math.isfinite(min_spacing_m) or min_spacing_m < 0:
        raise InputError(f"invalid point spacing {min_spacing_m!r} m: must be 0 or more")
    # UTC ("Z") times are what every GPX reader understands; offsets are not.
    start_utc = None if start is None else _aware(start, "start time").astimezone(timezone.utc)
    import gpxpy.gpx

    gpx = gpxpy.gpx.GPX()
    gpx.creator = GPX_CREATOR
    gpx.name = _text(name if name is not None else routes[0].name)
    if description is not None:
        gpx.description = _text(description)
    elif len(routes) == 1:
        gpx.description = route_summary_line(routes[0])
    gpx.waypoints.extend(_waypoints(routes[0], points, start_utc))
    for wlon, wlat, wname, wtype in waypoints:
        gpx.waypoints.append(
            gpxpy.gpx.GPXWaypoint(
                latitude=round(float(wlat), _GPX_LONLAT_DECIMALS),
                longitude=round(float(wlon), _GPX_LONLAT_DECIMALS),
                name=_text(wname),
                type=_text(wtype),
            )
        )
    for route in routes:
        idx = _thin(np.asarray(route.dist_m, dtype=np.float64), min_spacing_m)
        kept = _gpx_route_points(route, idx, start_utc)
        if as_route:
            rte = gpxpy.gpx.GPXRoute(name=_text(route.name), description=route_summary_line(route))
            rte.type = _text(route.kind)
            rte.points.extend(
                gpxpy.gpx.GPXRoutePoint(latitude=y, longitude=x, elevation=z, time=t)
                for y, x, z, t in kept
            )
            gpx.routes.append(rte)
            continue
        track = gpxpy.gpx.GPXTrack(name=_text(route.name), description=route_summary_line(route))
        track.type = _text(route.kind)  # type: ignore[assignment]  # gpxpy declares None
        segment = gpxpy.gpx.GPXTrackSegment()
        track.segments.append(segment)
        segment.points.extend(
            gpxpy.gpx.GPXTrackPoint(latitude=y, longitude=x, elevation=z, time=t)
            for y, x, z, t in kept
        )
        gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")


def _line_ends(line: Any) -> list[tuple[str, float, float, float]]:
    """``(which, lon, lat, ele)`` of a line's top and bottom (its higher and lower end)."""
    ele = np.asarray(line.ele, dtype=np.float64)
    first, last = (0, len(ele) - 1)
    top, bottom = (first, last) if ele[first] >= ele[last] else (last, first)
    return [
        (which, float(line.lon[i]), float(line.lat[i]), float(ele[i]))
        for which, i in (("top", top), ("bottom", bottom))
    ]


@fill(gpx_returns=_GPX_RETURNS_DOC)
def lines_gpx_document(lines: Sequence[Any], *, name: str) -> str:
    """Build a GPX 1.1 document of ski lines: a track each, waypoints at top and bottom.

    Parameters
    ----------
    lines
        Lines with ``name``, ``id`` and ``lon``, ``lat``, ``ele`` arrays
        (e.g. :class:`routeplanner.skilines.lines.SkiLine`).
    name
        Document name.

    %(gpx_returns)s

    Raises
    ------
    InputError
        If there are no lines.
    """
    if not lines:
        raise InputError("no lines to export: widen the search")
    import gpxpy.gpx

    gpx = gpxpy.gpx.GPX()
    gpx.creator = GPX_CREATOR
    gpx.name = _text(name)
    for line in lines:
        for which, lon, lat, ele in _line_ends(line):
            gpx.waypoints.append(
                gpxpy.gpx.GPXWaypoint(
                    latitude=round(lat, _GPX_LONLAT_DECIMALS),
                    longitude=round(lon, _GPX_LONLAT_DECIMALS),
                    elevation=round(ele, _ELE_DECIMALS) if math.isfinite(ele) else None,
                    name=_text(f"{line.name} ({which})"),
                    symbol="Summit" if which == "top" else "Flag, Green",
                    type=f"line-{which}",
                )
            )
        track = gpxpy.gpx.GPXTrack(name=_text(line.name), description=_text(line.id))
        track.type = "ski-line"  # type: ignore[assignment]
        segment = gpxpy.gpx.GPXTrackSegment()
        track.segments.append(segment)
        heights = np.asarray(line.ele, dtype=np.float64)
        for x, y, z in zip(line.lon, line.lat, heights, strict=True):
            segment.points.append(
                gpxpy.gpx.GPXTrackPoint(
                    latitude=round(float(y), _GPX_LONLAT_DECIMALS),
                    longitude=round(float(x), _GPX_LONLAT_DECIMALS),
                    elevation=round(float(z), _ELE_DECIMALS) if math.isfinite(z) else None,
                )
            )
        gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")


def line_end_features(lines: Sequence[Any]) -> list[dict[str, Any]]:
    """Give GeoJSON Point Features at the top and bottom of each line.

    Parameters
    ----------
    lines
        Lines as for :func:`lines_gpx_document`.

    Returns
    -------
    list of dict
        Two Features per line with properties ``line_id``, ``name``, ``end``
        (``"top"`` or ``"bottom"``) and ``ele_m``.
    """
    out = []
    for line in lines:
        for which, lon, lat, ele in _line_ends(line):
            out.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "Point",
                        "coordinates": _positions([lon], [lat], [ele])[0],
                    },
                    "properties": _jsonable(
                        {"line_id": line.id, "name": line.name, "end": which, "ele_m": ele}
                    ),
                }
            )
    return out


def course_name(place: str, what: str, duration_s: float, index: int = 1) -> str:
    """Name a course for a watch or an app: where, what and how long.

    Parameters
    ----------
    place
        Where it starts (a place name, or ``lat,lon``).
    what
        What it is (``loop``, ``out-and-back``, ``4 × climb`` …).
    duration_s
        Its time (the target time where there is one).
    index
        Its number among alternatives: the second and later get ``(2)`` ….

    Returns
    -------
    str

    Examples
    --------
    >>> course_name("Arinsal", "loop", 4500.0)
    'Arinsal loop 75 min'
    >>> course_name("Arinsal", "out-and-back", 4500.0, 2)
    'Arinsal out-and-back 75 min (2)'
    """
    name = f"{place} {what} {round(duration_s / 60)} min"
    return name if index <= 1 else f"{name} ({index})"


def numbered_paths(path: str | os.PathLike[str], count: int) -> list[Path]:
    """Name the files of ``count`` routes: ``loop.gpx``, ``loop-2.gpx``, ``loop-3.gpx``.

    Parameters
    ----------
    path
        The name given for the first (best) route.
    count
        Number of routes.

    Returns
    -------
    list of Path
        ``path`` itself first, then the stem with ``-2``, ``-3`` … before the suffix.
    """
    p = Path(path)
    suffix = "".join(p.suffixes[-1:])
    stem = p.name[: len(p.name) - len(suffix)] if suffix else p.name
    return [p, *(p.with_name(f"{stem}-{k}{suffix}") for k in range(2, count + 1))]


def write_gpx(path: str | os.PathLike[str], routes: Sequence[Route], **options: Any) -> Path:
    """Write :func:`gpx_document` (same arguments) to ``path`` atomically; return the file.

    InputError if it cannot be written (:func:`routeplanner._io.write_checked`).
    """
    out = write_checked(path, lambda _target: gpx_document(routes, **options))
    log.debug("wrote GPX with %d tracks to %s", len(routes), out)
    return out


def summary_json(routes: Sequence[Route]) -> dict[str, Any]:
    """Route summaries for ``--json`` output.

    Parameters
    ----------
    routes
        Routes to summarise.

    Returns
    -------
    dict
        ``{"routes": [route.summary(), ...]}``.
    """
    return {"routes": [_jsonable(r.summary()) for r in routes]}


def route_json(
    route: Route,
    *,
    sheet: Any = None,
    span: tuple[float, float] | None = None,
    with_range: bool = False,
) -> dict[str, Any]:
    """One route's entry of ``--json``: its summary, safety sheet and range of times.

    Parameters
    ----------
    route
        The route.
    sheet
        Its :class:`~routeplanner.safety.sheet.SafetySheet`, or None for no ``safety``.
    span
        The range of times for most of the runner's days
        (:func:`routeplanner.pace.spread.time_range_s`; None when the profile does not
        know it).
    with_range
        Give ``duration_range_s`` (the span, or null), as commands that know the
        runner's profile do; with a span from recordings that disagree, also
        ``duration_range_note`` (:func:`routeplanner.pace.spread.spread_warning`).

    Returns
    -------
    dict
        The entry, JSON-ready.
    """
    entry: dict[str, Any] = _jsonable(route.summary())
    if sheet is not None:
        entry["safety"] = sheet.to_json()
    if with_range:
        entry["duration_range_s"] = None if span is None else [round(float(t), 1) for t in span]
        if span is not None:
            from routeplanner.pace.spread import spread_warning

            note = spread_warning(route.profile)
            if note:
                entry["duration_range_note"] = note
    return entry
