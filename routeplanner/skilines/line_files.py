"""Ski lines from files: tracks and routes of GPX, LineStrings of GeoJSON."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import gpxpy
import gpxpy.gpx
import numpy as np

from routeplanner.errors import DataError, InputError
from routeplanner.skilines.lines import RawLine

__all__ = [
    "read_line_file",
]

log = logging.getLogger(__name__)


#: A file's lines: ``(name, lon, lat, properties)`` each.
_Parts = list[tuple[str | None, np.ndarray, np.ndarray, dict[str, Any]]]


def read_line_file(path: str | Path) -> list[RawLine]:
    """Lines from a GPX (tracks and routes) or GeoJSON (LineString features) file.

    Parameters
    ----------
    path
        ``.gpx``, ``.geojson`` or ``.json`` file.

    Returns
    -------
    list of RawLine
        One line per GPX track (segments joined) or route, or per GeoJSON
        LineString (MultiLineString parts are separate lines); ids
        ``file:<stem>:<n>`` from 1, names from the file or ``<stem> <n>``.

    Raises
    ------
    DataError
        If the file is missing or not valid GPX/GeoJSON.
    InputError
        If the file holds no track, route or LineString.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"line file not found: {p}")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read line file {p}: {exc}") from exc
    stripped = text.lstrip()
    if p.suffix.lower() == ".gpx" or stripped.startswith("<"):
        parts = _gpx_parts(p, text)
        kind = "track or route"
    else:
        parts = _geojson_parts(p, text)
        kind = "LineString"
    if not parts:
        raise InputError(f"{p} has no {kind} with at least 2 points")
    out = []
    for i, (name, lon, lat, props) in enumerate(parts, start=1):
        if not (np.all(np.abs(lon) <= 180.0) and np.all(np.abs(lat) <= 90.0)):  # also NaN
            raise InputError(f"{p}: line {i} has coordinates out of range or not finite")
        out.append(RawLine(f"file:{p.stem}:{i}", name or f"{p.stem} {i}", "file", lon, lat, props))
    return out


def _gpx_parts(p: Path, text: str) -> _Parts:
    try:
        gpx = gpxpy.parse(text)
    except (gpxpy.gpx.GPXException, ValueError) as exc:
        raise DataError(f"not a valid GPX file: {p} ({' '.join(str(exc).split())})") from exc
    parts = []
    for trk in gpx.tracks:
        pts = [pt for seg in trk.segments for pt in seg.points]
        if len(pts) >= 2:
            props = {"description": trk.description} if trk.description else {}
            parts.append(
                (
                    trk.name,
                    np.array([q.longitude for q in pts], dtype=np.float64),
                    np.array([q.latitude for q in pts], dtype=np.float64),
                    props,
                )
            )
    for rte in gpx.routes:
        if len(rte.points) >= 2:
            parts.append(
                (
                    rte.name,
                    np.array([q.longitude for q in rte.points], dtype=np.float64),
                    np.array([q.latitude for q in rte.points], dtype=np.float64),
                    {},
                )
            )
    return parts


def _geojson_parts(p: Path, text: str) -> _Parts:
    try:
        doc = json.loads(text)
    except ValueError as exc:  # JSONDecodeError, or an int over int()'s digit limit
        raise DataError(f"not a valid GeoJSON file: {p} ({exc})") from exc
    if not isinstance(doc, dict):
        raise DataError(f"not a valid GeoJSON file: {p} (top level is not an object)")
    if doc.get("type") == "FeatureCollection":
        feats = doc.get("features") or []
    elif doc.get("type") == "Feature":
        feats = [doc]
    else:
        feats = [{"type": "Feature", "geometry": doc, "properties": {}}]
    parts = []
    for f in feats:
        if not isinstance(f, dict):
            continue
        geom = f.get("geometry")
        geom = geom if isinstance(geom, dict) else {}
        props = f.get("properties")
        props = props if isinstance(props, dict) else {}
        props = {str(k): str(v) for k, v in props.items() if isinstance(v, (str, int, float))}
        name = props.get("name") or props.get("title")
        gtype = geom.get("type")
        coordinates = geom.get("coordinates")
        lines: list[Any] = []
        if gtype == "LineString":
            lines = [coordinates]
        elif gtype == "MultiLineString" and isinstance(coordinates, list):
            lines = coordinates
        for coords in lines:
            try:
                arr = np.asarray([c[:2] for c in coords], dtype=np.float64)
            except (TypeError, ValueError, IndexError) as exc:
                raise DataError(f"not a valid GeoJSON file: {p} (bad coordinates)") from exc
            if arr.ndim == 2 and len(arr) >= 2:
                parts.append((name, arr[:, 0], arr[:, 1], props))
    return parts
