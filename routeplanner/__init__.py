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

__all__ = [
    "CoverageError",
    "DataError",
    "DownloadError",
    "InputError",
    "NoRouteError",
    "RoutePlannerError",
    "__version__",
]
