"""Exception hierarchy: one root, with builtin mix-ins where they help callers."""

from __future__ import annotations

__all__ = [
    "CoverageError",
    "DataError",
    "DownloadError",
    "InputError",
    "NoRouteError",
    "RoutePlannerError",
]


class RoutePlannerError(Exception):
    """Root of every error routeplanner raises on purpose."""


class InputError(RoutePlannerError, ValueError):
    """A value given by the user is invalid (pace, duration, coordinates, options)."""


class DataError(RoutePlannerError, OSError):
    """An input file is missing, truncated or not of the expected format."""


class DownloadError(RoutePlannerError, OSError):
    """Fetching data from a remote source failed or returned something unusable."""


class CoverageError(RoutePlannerError, ValueError):
    """A point or area lies outside the data (DEM or OSM) that was loaded."""


class NoRouteError(RoutePlannerError):
    """No route satisfying the request exists on the network."""
