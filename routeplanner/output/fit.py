"""FIT course export for watches (Garmin, Coros, Suunto), encoded with Garmin's FIT SDK.

A course file holds, in this order: ``file_id`` (type course), ``course``
(name, sport running), one ``lap`` with the totals, a timer ``event`` start,
one ``record`` per route point (position, altitude, distance and the time the
pace model predicts, so the watch's virtual partner runs the plan), a timer
``event`` stop and one ``course_point`` per :class:`~routeplanner.output.points.RoutePoint`.
One route makes one file.
"""

from __future__ import annotations

import logging
import math
import os
import re
import struct
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
from garmin_fit_sdk import Encoder, Profile
from garmin_fit_sdk.util import FIT_EPOCH_S

from routeplanner._io import write_checked
from routeplanner.errors import InputError
from routeplanner.output.points import POINT_KINDS, RoutePoint, route_points, track_arrays
from routeplanner.route import Route

__all__ = ["FIT_NAME_BYTES", "course_bytes", "write_course"]

log = logging.getLogger(__name__)

#: Course and course point names are cut to this many UTF-8 bytes (watches show ~15 chars).
FIT_NAME_BYTES = 32

_MESG = Profile["mesg_num"]
_SEMICIRCLES = 2**31 / 180.0
_MIN_ALT_M, _MAX_ALT_M = -500.0, 12_000.0  # altitude is uint16, scale 5, offset 500
_CONTROL_RE = re.compile("[\x00-\x1f\x7f]")


def _name(text: str) -> str:
    """Untrusted name without control characters, cut to whole characters within the limit."""
    raw = _CONTROL_RE.sub("", str(text)).strip()
    data = raw.encode("utf-8")[:FIT_NAME_BYTES]
    return data.decode("utf-8", errors="ignore")


def _semi(deg: float) -> int:
    return round(deg * _SEMICIRCLES)


def _aware_utc(start: datetime) -> datetime:
    if start.tzinfo is None or start.utcoffset() is None:
        raise InputError(f"start time {start.isoformat()!r} has no time zone")
    return start.astimezone(timezone.utc)


def _records(route: Route, start_utc: datetime) -> Iterable[dict[str, Any]]:
    lat, lon, ele, dist, times = track_arrays(route)
    for k in range(len(lat)):
        rec: dict[str, Any] = {
            "mesg_num": _MESG["RECORD"],
            "timestamp": start_utc + timedelta(seconds=round(float(times[k]))),
            "position_lat": _semi(float(lat[k])),
            "position_long": _semi(float(lon[k])),
            "distance": float(dist[k]),
        }
        if math.isfinite(ele[k]):
            rec["altitude"] = min(max(float(ele[k]), _MIN_ALT_M), _MAX_ALT_M)
        yield rec


#: A record's data message as the SDK writes it: local number, timestamp (uint32),
#: position (2 x sint32), distance (uint32, cm), then altitude (uint16, 0.2 m above -500 m).
_RECORD = struct.Struct("<BIiiI")
_RECORD_ALT = struct.Struct("<BIiiIH")


def _sint32(value: int) -> int:
    """Cast an integer to sint32 as the SDK does (wrapped, not refused)."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def _packed(rec: dict[str, Any], local: int) -> bytes:
    """Pack the data message of one record: the bytes :meth:`Encoder.write_mesg` writes."""
    fields = (
        local,
        (int(rec["timestamp"].timestamp()) - FIT_EPOCH_S) & 0xFFFFFFFF,
        _sint32(rec["position_lat"]),
        _sint32(rec["position_long"]),
        round((rec["distance"] + 0) * 100) & 0xFFFFFFFF,
    )
    if "altitude" not in rec:
        return _RECORD.pack(*fields)
    return _RECORD_ALT.pack(*fields, round((rec["altitude"] + 500) * 5) & 0xFFFF)


def _write_records(enc: Encoder, route: Route, start_utc: datetime) -> None:
    """Write one record per route point, with the bytes the SDK would write.

    The SDK encodes every message through generic code (a definition built and compared,
    every field looked up and transformed): for a course's thousands of records that was
    most of its cost.  The SDK still writes the first record of each definition (with or
    without altitude), so it keeps its local message numbers; the records that follow
    with the same definition are packed here (tests compare both byte for byte).
    """
    stream = enc._output_stream  # type: ignore[attr-defined]  # the SDK's own buffer
    local, shape = 0, None
    for rec in _records(route, start_utc):
        if shape != ("altitude" in rec):
            enc.write_mesg(rec)
            shape = "altitude" in rec
            # its data message, just written, starts with its local message number
            local = stream.data[stream.length - (_RECORD_ALT if shape else _RECORD).size]
            continue
        stream.set_bytes(_packed(rec, local), stream.length)


def course_bytes(
    route: Route,
    *,
    start: datetime,
    name: str | None = None,
    points: Iterable[RoutePoint] = (),
    climbs: bool = True,
) -> bytes:
    """Encode a route as a FIT course.

    Parameters
    ----------
    route
        The route; every point becomes a ``record``.
    start
        Time zone-aware start time; record times are ``start`` plus the
        route's predicted times (whole seconds).
    name
        Course name (default: the route's name), cut to :data:`FIT_NAME_BYTES`.
    points
        Extra named points (regroup points, water, bail-outs…).
    climbs
        Add course points at the climbs and descents of the route's profile.

    Returns
    -------
    bytes
        The FIT file.

    Raises
    ------
    InputError
        If ``start`` is naive or a point has an unknown kind.
    """
    start_utc = _aware_utc(start)
    stats = route.stats
    end_utc = start_utc + timedelta(seconds=round(stats.duration_s))
    enc = Encoder()
    enc.write_mesg(
        {
            "mesg_num": _MESG["FILE_ID"],
            "type": "course",
            "manufacturer": "development",
            "product": 0,
            "serial_number": 1,
            "time_created": start_utc,
        }
    )
    enc.write_mesg(
        {"mesg_num": _MESG["COURSE"], "sport": "running", "name": _name(name or route.name)}
    )
    first = (_semi(float(route.lat[0])), _semi(float(route.lon[0])))
    last = (_semi(float(route.lat[-1])), _semi(float(route.lon[-1])))
    enc.write_mesg(
        {
            "mesg_num": _MESG["LAP"],
            "message_index": 0,
            "timestamp": end_utc,
            "start_time": start_utc,
            "start_position_lat": first[0],
            "start_position_long": first[1],
            "end_position_lat": last[0],
            "end_position_long": last[1],
            "total_elapsed_time": float(round(stats.duration_s)),
            "total_timer_time": float(round(stats.duration_s)),
            "total_distance": float(stats.distance_m),
            "total_ascent": round(stats.ascent_m),
            "total_descent": round(stats.descent_m),
        }
    )
    timer = {"mesg_num": _MESG["EVENT"], "event": "timer", "event_group": 0}
    enc.write_mesg({**timer, "timestamp": start_utc, "event_type": "start"})
    _write_records(enc, route, start_utc)
    enc.write_mesg({**timer, "timestamp": end_utc, "event_type": "stop_disable_all"})
    times = np.asarray(route.time_s, dtype=np.float64)
    dist = np.asarray(route.dist_m, dtype=np.float64)
    for i, p in enumerate(route_points(route, points, climbs=climbs)):
        at_s = float(np.interp(p.at_m, dist, times))
        enc.write_mesg(
            {
                "mesg_num": _MESG["COURSE_POINT"],
                "message_index": i,
                "timestamp": start_utc + timedelta(seconds=round(at_s)),
                "position_lat": _semi(p.lat),
                "position_long": _semi(p.lon),
                "distance": float(p.at_m),
                "type": POINT_KINDS[p.kind][0],
                "name": _name(p.name),
            }
        )
    return bytes(enc.close())


def write_course(
    path: str | os.PathLike[str],
    route: Route,
    *,
    start: datetime,
    name: str | None = None,
    points: Iterable[RoutePoint] = (),
    climbs: bool = True,
) -> Path:
    """Write :func:`course_bytes` (same arguments) to ``path`` atomically; return the file.

    InputError if it cannot be written (:func:`routeplanner._io.write_checked`).
    """
    out = write_checked(
        path,
        lambda _target: course_bytes(route, start=start, name=name, points=points, climbs=climbs),
    )
    log.debug("wrote FIT course of %d records to %s", len(route.lat), out)
    return out
