"""routeplanner: plan trail-running routes by time from OpenStreetMap and DEM data.

The data flow follows the modules: region files (:mod:`routeplanner.sources.regions`,
:mod:`routeplanner.sources.osm`, :mod:`routeplanner.sources.dem`) → trail network with
elevation (:mod:`routeplanner.network.build`, :mod:`routeplanner.network.model`) → pace model
(:mod:`routeplanner.pace`) → search (:mod:`routeplanner.search`) → route
(:mod:`routeplanner.route`) → outputs (:mod:`routeplanner.output.export`,
:mod:`routeplanner.output.maps`).
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from routeplanner.errors import (
    CoverageError,
    DataError,
    DownloadError,
    InputError,
    NoRouteError,
    RoutePlannerError,
)

try:
    __version__ = version("routeplanner")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0+unknown"

logging.getLogger(__name__).addHandler(logging.NullHandler())

if TYPE_CHECKING:  # the real imports happen on first use, in __getattr__
    from routeplanner.brief import Constraints
    from routeplanner.network.build import load_network
    from routeplanner.pace import RunnerProfile
    from routeplanner.search.loops import LoopRequest, find_loops

#: The stable front door, imported on first use so that ``import routeplanner`` stays light.
_FRONT_DOOR = {
    "load_network": "routeplanner.network.build",
    "RunnerProfile": "routeplanner.pace",
    "LoopRequest": "routeplanner.search.loops",
    "find_loops": "routeplanner.search.loops",
    "Constraints": "routeplanner.brief",
}


def __getattr__(name: str) -> object:
    """Import the front-door names lazily (PEP 562)."""
    if name in _FRONT_DOOR:
        import importlib

        return getattr(importlib.import_module(_FRONT_DOOR[name]), name)
    raise AttributeError(f"module 'routeplanner' has no attribute {name!r}")


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
    "load_network",
]
