"""routeplanner: plan trail-running routes by time from OpenStreetMap and DEM data.

The data flow follows the modules: region files (:mod:`routeplanner.sources.regions`,
:mod:`routeplanner.sources.osm`, :mod:`routeplanner.sources.dem`) → trail network with
elevation (:mod:`routeplanner.network.build`, :mod:`routeplanner.network.model`) → pace model
(:mod:`routeplanner.pace`) → search (:mod:`routeplanner.search`) → route
(:mod:`routeplanner.route`) → outputs (:mod:`routeplanner.output.export`,
:mod:`routeplanner.output.maps`).  What people type and read is parsed and
formatted in :mod:`routeplanner.units`.

Importing the package is cheap: the errors and unit parsers are imported here,
everything that needs numpy on first use of its module.
"""

from __future__ import annotations

import logging
from typing import Any

from routeplanner.errors import (
    CoverageError,
    DataError,
    DownloadError,
    InputError,
    NoRouteError,
    RoutePlannerError,
)
from routeplanner.units import (
    format_distance,
    format_duration,
    format_height,
    format_pace,
    parse_distance,
    parse_duration,
    parse_height,
    parse_latlon,
    parse_pace,
)

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "CoverageError",
    "DataError",
    "DownloadError",
    "InputError",
    "NoRouteError",
    "RoutePlannerError",
    "__version__",
    "format_distance",
    "format_duration",
    "format_height",
    "format_pace",
    "parse_distance",
    "parse_duration",
    "parse_height",
    "parse_latlon",
    "parse_pace",
]


def __getattr__(name: str) -> Any:
    """Return ``__version__`` on first use (reading package metadata costs time)."""
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("routeplanner")
        except PackageNotFoundError:  # running from a source tree without an install
            value = "0+unknown"
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module 'routeplanner' has no attribute {name!r}")
