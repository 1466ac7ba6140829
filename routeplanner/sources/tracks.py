"""Read recorded activities (GPX, TCX, FIT) into time-stamped points.

A recording becomes a :class:`Track`: arrays of time, longitude, latitude and
elevation, sorted by time.  The readers are the maintained ones: gpxpy for GPX,
lxml for TCX (the Garmin TrainingCenterDatabase schema is small and stable), and
fitdecode for FIT.

Real recordings are messy, and the readers deal with it in one place:

* points without a position are dropped (FIT records often carry only a distance);
* points without a time are dropped when other points have times; a file where no
  point has a time is an :class:`~routeplanner.errors.InputError`, because a
  recording without times says nothing about pace;
* points out of time order are put back in order (stable sort) and exact duplicate
  times keep their first point; both are counted in :attr:`Track.repaired`;
* missing elevations are interpolated along the track from their neighbours; a
  track with no elevation at all keeps NaN elevations (a DEM can fill them).

Long gaps between fixes (auto-pause, lost signal) are kept: deciding what is a
stop is the job of :mod:`routeplanner.pace.recording`.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from routeplanner.errors import InputError

__all__ = ["TRACK_SUFFIXES", "Track", "read_track"]

logger = logging.getLogger(__name__)

TRACK_SUFFIXES: tuple[str, ...] = (".gpx", ".tcx", ".fit")

_ACCEPTED = "a GPX, TCX or FIT recording"
_SEMICIRCLE_DEG = 180.0 / 2**31
_TCX_NS = "{http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2}"

# One raw point: (epoch seconds or None, lon, lat, elevation or None).
_Raw = tuple[float | None, float, float, float | None]

_EXTENSIONS_RE = re.compile(r"<extensions>.*?</extensions>", re.DOTALL)


@dataclass(frozen=True)
class Track:
    """A recorded line with times, sorted by time.

    Parameters
    ----------
    name : str
        Label (the file name).
    time_s : numpy.ndarray
        Seconds since the first point, strictly increasing.
    lon, lat : numpy.ndarray
        Degrees (WGS84).
    ele_m : numpy.ndarray
        Elevation in metres; NaN only when the file has no elevation at all.
    start : datetime or None
        Clock time of the first point (UTC).
    repaired : int
        Points dropped or moved while reading (no time, duplicate time, out of order).
    """

    name: str
    time_s: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    ele_m: np.ndarray
    start: datetime | None = None
    repaired: int = 0

    def __len__(self) -> int:
        """Return the number of points."""
        return len(self.time_s)

    @property
    def has_elevation(self) -> bool:
        """Whether the recording carries elevations."""
        return bool(np.isfinite(self.ele_m).any())

    def subset(self, keep: np.ndarray, *, name: str | None = None) -> Track:
        """Return the points selected by a boolean mask or index array.

        Parameters
        ----------
        keep : numpy.ndarray
            Boolean mask or indices, in time order.
        name : str or None
            New label; the current one by default.

        Returns
        -------
        Track
            The selected points, times still counted from the original start.
        """
        return Track(
            name=self.name if name is None else name,
            time_s=self.time_s[keep],
            lon=self.lon[keep],
            lat=self.lat[keep],
            ele_m=self.ele_m[keep],
            start=self.start,
            repaired=self.repaired,
        )


def read_track(path: str | Path, *, require_times: bool = True) -> Track:
    """Read a GPX, TCX or FIT recording.

    Parameters
    ----------
    path : str or Path
        The file; its suffix picks the reader (``.gpx``, ``.tcx``, ``.fit``).
    require_times : bool
        Raise when no point has a time.  Pass False for planned lines (a route
        GPX), which get zero times.

    Returns
    -------
    Track
        Points in time order (file order when there are no times).

    Raises
    ------
    InputError
        If the file is missing, of an unknown type, unreadable, has fewer than
        two positioned points, or (with `require_times`) has no times.

    Examples
    --------
    >>> read_track("run.kml")
    Traceback (most recent call last):
    ...
    routeplanner.errors.InputError: 'run.kml': unknown track type '.kml': expected ...
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in TRACK_SUFFIXES:
        raise InputError(
            f"{str(path)!r}: unknown track type {suffix!r}: expected {', '.join(TRACK_SUFFIXES)}"
        )
    if not p.is_file():
        raise InputError(f"{str(path)!r}: no such file: expected {_ACCEPTED}")
    reader = {".gpx": _read_gpx, ".tcx": _read_tcx, ".fit": _read_fit}[suffix]
    try:
        raw = list(reader(p))
    except InputError:
        raise
    except Exception as exc:  # the parsers raise a zoo of types on garbage
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(
            f"{p.name}: not a readable {suffix[1:].upper()} file ({reason[:120]}): "
            f"expected {_ACCEPTED}"
        ) from None
    return _assemble(p.name, raw, require_times=require_times)


# ----------------------------------------------------------------------- readers


def _epoch(t: datetime | None) -> float | None:
    if t is None:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.timestamp()


def _read_gpx(path: Path) -> Iterable[_Raw]:
    import gpxpy

    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        gpx = gpxpy.parse(text)
    except gpxpy.gpx.GPXXMLSyntaxException:
        # Some exporters (Strava via mapstogpx) write extension elements with an
        # undeclared namespace prefix; the extensions carry nothing needed here.
        gpx = gpxpy.parse(_EXTENSIONS_RE.sub("", text))
    points: list[Any] = [p for t in gpx.tracks for s in t.segments for p in s.points]
    points = points or [p for r in gpx.routes for p in r.points]
    for pt in points:
        yield (_epoch(pt.time), float(pt.longitude), float(pt.latitude), pt.elevation)


def _tcx_float(node: object, tag: str) -> float | None:
    text = node.findtext(f"{_TCX_NS}{tag}")  # type: ignore[attr-defined]
    try:
        return float(text) if text is not None and text.strip() else None
    except ValueError:
        return None


def _read_tcx(path: Path) -> Iterable[_Raw]:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    root = etree.parse(str(path), parser).getroot()
    if not str(root.tag).endswith("TrainingCenterDatabase"):
        raise ValueError(
            f"root element is <{etree.QName(root).localname}>, not TrainingCenterDatabase"
        )
    for tp in root.iter(f"{_TCX_NS}Trackpoint"):
        pos = tp.find(f"{_TCX_NS}Position")
        if pos is None:
            continue
        lat = _tcx_float(pos, "LatitudeDegrees")
        lon = _tcx_float(pos, "LongitudeDegrees")
        if lat is None or lon is None:
            continue
        text = tp.findtext(f"{_TCX_NS}Time")
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00")) if text else None
        yield (_epoch(when), lon, lat, _tcx_float(tp, "AltitudeMeters"))


def _read_fit(path: Path) -> Iterable[_Raw]:
    import fitdecode

    with fitdecode.FitReader(str(path), check_crc=fitdecode.CrcCheck.WARN) as fit:
        for frame in fit:
            if not isinstance(frame, fitdecode.FitDataMessage) or frame.name != "record":
                continue
            values = {f.name: f.value for f in frame.fields}
            lat, lon = values.get("position_lat"), values.get("position_long")
            if lat is None or lon is None:
                continue
            ele = values.get("enhanced_altitude", values.get("altitude"))
            when = values.get("timestamp")
            yield (
                _epoch(when) if isinstance(when, datetime) else None,
                float(lon) * _SEMICIRCLE_DEG,
                float(lat) * _SEMICIRCLE_DEG,
                float(ele) if ele is not None else None,
            )


# ---------------------------------------------------------------------- assembly


def _fill_elevation(ele: np.ndarray) -> np.ndarray:
    """Interpolate missing elevations by point index; all-NaN stays NaN."""
    ok = np.isfinite(ele)
    if ok.all() or not ok.any():
        return ele
    idx = np.arange(len(ele))
    ret: np.ndarray = np.interp(idx, idx[ok], ele[ok])
    return ret


#: Elevations a recording may hold, metres (GPS and barometers stray past the terrain's).
PLAUSIBLE_TRACK_ELE_M = (-1000.0, 10000.0)


def _check_elevations(name: str, ele: np.ndarray) -> None:
    """Refuse elevations no recording on Earth can hold (1e308, inf), naming the first."""
    lo, hi = PLAUSIBLE_TRACK_ELE_M
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(np.isinf(ele) | (ele < lo) | (ele > hi))
    if len(bad):
        raise InputError(
            f"{name}: point {int(bad[0]) + 1} has elevation {ele[bad[0]]:g} m "
            f"({len(bad)} such point(s)): elevations must be from {lo:.0f} to {hi:.0f} m"
        )


def _assemble(name: str, raw: list[_Raw], *, require_times: bool) -> Track:
    pts = [
        r
        for r in raw
        if math.isfinite(r[1]) and math.isfinite(r[2]) and abs(r[1]) <= 180 and abs(r[2]) <= 90
    ]
    if len(pts) < 2:
        raise InputError(
            f"{name}: {len(pts)} positioned point(s): expected {_ACCEPTED} with at least 2"
        )
    timed = [r for r in pts if r[0] is not None]
    repaired = len(pts) - len(timed)
    has_times = bool(timed)
    if not has_times:
        if require_times:
            raise InputError(
                f"{name}: no point has a time: fitting a pace needs a recording with "
                "timestamps (a planned route has none)"
            )
        timed = [(0.0, *r[1:]) for r in pts]
        repaired = 0
    t = np.array([r[0] for r in timed], dtype=float)
    lon = np.array([r[1] for r in timed], dtype=float)
    lat = np.array([r[2] for r in timed], dtype=float)
    ele = np.array([np.nan if r[3] is None else r[3] for r in timed], dtype=float)
    _check_elevations(name, ele)
    start_epoch = float(t.min())
    if has_times:
        order = np.argsort(t, kind="stable")
        moved = int(np.count_nonzero(order != np.arange(len(order))))
        t, lon, lat, ele = t[order], lon[order], lat[order], ele[order]
        keep = np.concatenate(([True], np.diff(t) > 0))
        repaired += moved + int(np.count_nonzero(~keep))
        t, lon, lat, ele = t[keep], lon[keep], lat[keep], ele[keep]
        if len(t) < 2:
            raise InputError(f"{name}: fewer than 2 points with distinct times")
    if repaired:
        logger.info("%s: %d point(s) without time, duplicated or out of order", name, repaired)
    start = datetime.fromtimestamp(start_epoch, tz=timezone.utc) if has_times else None
    return Track(
        name=name,
        time_s=t - t[0],
        lon=lon,
        lat=lat,
        ele_m=_fill_elevation(ele),
        start=start,
        repaired=repaired,
    )
