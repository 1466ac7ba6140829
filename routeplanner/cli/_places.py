"""Points typed as ``LAT,LON`` or as a place name, for ``--start``, ``--near`` and the like.

Coordinates are checked before any data is loaded (:func:`early_point`);
names need the region's OSM file, so :func:`resolve` runs once it is loaded.
"""

from __future__ import annotations

from typing import Any

from routeplanner import pace
from routeplanner.sources import places

__all__ = ["early_point", "resolve"]

_PAD_DEG = 0.01  # a start just outside the network's ways is still in the region


def early_point(text: str | None) -> tuple[float, float] | None:
    """Parse ``text`` now if it is coordinates (errors before loading); None for a name."""
    if text is None or not places.looks_like_coordinates(text):
        return None
    return pace.parse_latlon(text)


def resolve(text: str, loaded: Any) -> places.Place:
    """Resolve ``LAT,LON`` or a place name in the loaded region.

    Parameters
    ----------
    text
        As typed.
    loaded
        The loaded region (its OSM file and network bounds).

    Returns
    -------
    routeplanner.sources.places.Place
        The point; ``name`` is the place name, or ``"lat,lon"`` for coordinates.

    Raises
    ------
    InputError
        If the name is unknown or the coordinates are outside the region
        (the message says when they look swapped).
    """
    w, s, e, n = loaded.net.bbox
    bbox = (w - _PAD_DEG, s - _PAD_DEG, e + _PAD_DEG, n + _PAD_DEG)
    return places.resolve_point(text, osm_path=loaded.files.osm, bbox=bbox)
