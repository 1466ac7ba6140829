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
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:  # the real imports happen on first use, in __getattr__
    from routeplanner.brief import Constraints
    from routeplanner.network.build import load_network
    from routeplanner.pace import RunnerProfile
    from routeplanner.search.loops import LoopRequest, find_loops

logging.getLogger(__name__).addHandler(logging.NullHandler())

#: The library's front door, imported on first use so that ``import routeplanner`` stays light.
_FRONT_DOOR = {
    "load_network": "routeplanner.network.build",
    "RunnerProfile": "routeplanner.pace",
    "LoopRequest": "routeplanner.search.loops",
    "find_loops": "routeplanner.search.loops",
    "Constraints": "routeplanner.brief",
}

__all__ = [
    "Constraints",
    "CoverageError",
    "DataError",
    "DownloadError",
    "InputError",
    "LoopRequest",
    "NoRouteError",
    "RoutePlannerError",
    "RunnerProfile",
    "__version__",
    "find_loops",
    "format_distance",
    "format_duration",
    "format_height",
    "format_pace",
    "load_network",
    "parse_distance",
    "parse_duration",
    "parse_height",
    "parse_latlon",
    "parse_pace",
]


def __getattr__(name: str) -> Any:
    """Return ``__version__`` and the front-door names on first use (PEP 562)."""
    if name in _FRONT_DOOR:
        import importlib

        return getattr(importlib.import_module(_FRONT_DOOR[name]), name)
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("routeplanner")
        except PackageNotFoundError:  # running from a source tree without an install
            value = "0+unknown"
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module 'routeplanner' has no attribute {name!r}")
