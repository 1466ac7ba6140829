"""A route as a TCX course (Garmin Training Center Database v2), for devices that read TCX.

One ``<Course>`` with one lap (total time and distance) and a ``<Track>`` of every
point with its position, height and distance along the route; with a start time,
each point also gets its predicted time.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

from routeplanner.output.export import _aware, _text
from routeplanner.output.formats import RouteSet
from routeplanner.output.points import track_arrays
from routeplanner.route import Route

__all__ = ["TCX_NS", "course_tcx", "render"]

TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
_NAME_CHARS = 15  # Garmin's course name limit (RestrictedToken_t)
_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)  # times are required: a fixed day without one


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def _when(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def course_tcx(route: Route, *, name: str | None = None, start: datetime | None = None) -> str:
    """Return a route as a TCX course document.

    Parameters
    ----------
    route
        The route; every point becomes a ``<Trackpoint>``.
    name
        Course name (default: the route's name), cut to 15 characters as devices want.
    start
        Time zone-aware start; point times are the start plus the route's predicted
        times (whole seconds).  Without one, times start at 2000-01-01 00:00 UTC
        (TCX requires them).

    Returns
    -------
    str
        The XML text.

    Raises
    ------
    InputError
        If ``start`` is naive.
    """
    t0 = _EPOCH if start is None else _aware(start, "start time").astimezone(timezone.utc)
    root = ET.Element("TrainingCenterDatabase", xmlns=TCX_NS)
    course = _sub(_sub(root, "Courses"), "Course")
    _sub(course, "Name", _text(name or route.name)[:_NAME_CHARS])
    stats = route.stats
    lap = _sub(course, "Lap")
    _sub(lap, "TotalTimeSeconds", f"{round(stats.duration_s)}")
    _sub(lap, "DistanceMeters", f"{stats.distance_m:.1f}")
    _sub(lap, "BeginPosition")
    _sub(lap, "Intensity", "Active")
    track = _sub(course, "Track")
    lat, lon, ele, dist, times = track_arrays(route)
    for k in range(len(lat)):
        pt = _sub(track, "Trackpoint")
        _sub(pt, "Time", _when(t0 + timedelta(seconds=round(float(times[k])))))
        pos = _sub(pt, "Position")
        _sub(pos, "LatitudeDegrees", f"{lat[k]:.7f}")
        _sub(pos, "LongitudeDegrees", f"{lon[k]:.7f}")
        if math.isfinite(ele[k]):
            _sub(pt, "AltitudeMeters", f"{ele[k]:.1f}")
        _sub(pt, "DistanceMeters", f"{dist[k]:.1f}")
    begin = lap.find("BeginPosition")
    assert begin is not None
    _sub(begin, "LatitudeDegrees", f"{lat[0]:.7f}")
    _sub(begin, "LongitudeDegrees", f"{lon[0]:.7f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render(rs: RouteSet) -> bytes:
    """Render the first route of a set as a TCX course (the registry's ``tcx`` format)."""
    doc = rs.docs[0]
    return course_tcx(doc.route, name=doc.name, start=doc.start).encode("utf-8")
