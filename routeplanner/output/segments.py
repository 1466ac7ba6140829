"""Climbs and descents as output: GeoJSON features and map segments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from routeplanner import pace
from routeplanner.output import export
from routeplanner.output.maps import MapSegment
from routeplanner.route import Route
from routeplanner.search.segments import Segment

__all__ = ["map_segment", "segment_feature", "segments_geojson"]


def segment_feature(segment: Segment, **extra: Any) -> dict[str, Any]:
    """Return a segment as a GeoJSON Feature with :meth:`Segment.properties`.

    Parameters
    ----------
    segment
        The climb or descent.
    **extra
        Further properties (e.g. ``rank``).

    Returns
    -------
    dict
        The LineString Feature, ``[lon, lat, ele]`` coordinates.
    """
    props = segment.properties()
    props.update(extra)
    return export.segment_feature(segment.lon, segment.lat, segment.ele, props)


def segments_geojson(segments: Sequence[Segment], routes: Sequence[Route] = ()) -> dict[str, Any]:
    """Return an RFC 7946 FeatureCollection of segments (after any routes).

    Parameters
    ----------
    segments
        Segments, one LineString feature each with :meth:`Segment.properties`.
    routes
        Routes to put first (as :func:`routeplanner.output.export.feature_collection`).

    Returns
    -------
    dict
        The collection, with a ``bbox``.
    """
    feats = [segment_feature(s, rank=i + 1) for i, s in enumerate(segments)]
    if routes:
        return export.feature_collection(routes, feats)
    coords = (
        np.concatenate([np.column_stack((s.lon, s.lat, s.ele)) for s in segments])
        if segments
        else np.zeros((0, 3))
    )
    out: dict[str, Any] = {"type": "FeatureCollection"}
    if len(coords):
        lo = np.round(coords.min(axis=0), 6)
        hi = np.round(coords.max(axis=0), 6)
        lo[2], hi[2] = round(float(coords[:, 2].min()), 1), round(float(coords[:, 2].max()), 1)
        out["bbox"] = [*lo.tolist(), *hi.tolist()]
    out["features"] = feats
    return out


def map_segment(segment: Segment, label: str | None = None) -> MapSegment:
    """Return the segment as a :class:`~routeplanner.output.maps.MapSegment` for route maps.

    Parameters
    ----------
    segment
        The segment.
    label
        Short code drawn on the map and in the list (default: the segment id).

    Returns
    -------
    MapSegment
    """
    sign = "+" if segment.kind == "climb" else "-"
    stats = {
        "length": f"{segment.length_m / 1000:.2f} km",
        "gain" if segment.kind == "climb" else "loss": f"{sign}{segment.rise_m:.0f} m",
        "mean grade": f"{segment.mean_grade:.0%}",
        "max grade (100 m)": f"{segment.max_grade:.0%}",
        "time": pace.format_duration(segment.duration_s),
        "difficulty": f"T{segment.hardest_sac}" if segment.hardest_sac else "untagged",
        "id": segment.id,
    }
    return MapSegment(
        id=label or segment.id,
        kind=segment.kind,
        name=segment.name,
        lon=segment.lon,
        lat=segment.lat,
        ele=segment.ele,
        stats=stats,
    )
