"""Copernicus GLO-30 DEM tiles: the default online elevation source, SRTM as fallback.

Copernicus GLO-30 is a 1 arc-second (about 30 m) global surface model from
the TanDEM-X mission, published by ESA under a free licence and mirrored
on the AWS Open Data registry without any key.  Each 1°×1° tile is a
Cloud-Optimised GeoTIFF in EPSG:4326 named after its south-west corner::

    {base}/Copernicus_DSM_COG_10_N42_00_E001_00_DEM/Copernicus_DSM_COG_10_N42_00_E001_00_DEM.tif

Tiles exist only over land: a 404 means sea and is skipped.  When the
Copernicus server cannot be used at all (no tile found, or a request fails
for another reason), :func:`fetch_dem` falls back to the 3 arc-second
(about 90 m) SRTM tiles of :func:`routeplanner.sources.tiles.fetch_dem_tiles`.

Resolution matters for grades and slopes: see the README ("Elevation data")
for slope statistics of the same terrain at 30, 90 and 180 m.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from routeplanner.errors import DownloadError
from routeplanner.sources import tiles
from routeplanner.sources.verify import check_dem_file

__all__ = [
    "COPERNICUS_ATTRIBUTION",
    "COPERNICUS_TILES",
    "COPERNICUS_URL",
    "SRTM_ATTRIBUTION",
    "DemFiles",
    "fetch_copernicus_tiles",
    "fetch_dem",
    "tile_name",
    "tile_names",
]

log = logging.getLogger(__name__)

#: AWS Open Data bucket of Copernicus GLO-30 (public, no key).
COPERNICUS_URL = "https://copernicus-dem-30m.s3.amazonaws.com"

COPERNICUS_ATTRIBUTION = (
    "Copernicus GLO-30 DEM: © DLR e.V. 2010-2014 and © Airbus Defence and Space GmbH "
    "2014-2018, provided under COPERNICUS by the European Union and ESA"
)
SRTM_ATTRIBUTION = "SRTM: NASA/USGS, public domain"


class DemFiles(NamedTuple):
    """Downloaded DEM tiles and where they came from.

    Attributes
    ----------
    paths : tuple of Path
        Tile files, ready for :func:`routeplanner.sources.dem.open_dem`.
    source : str
        ``"copernicus"`` or ``"srtm"``.
    attribution : str
        Credit line for maps and exports.
    cell_m : float
        Nominal cell size in metres (30 or 90).
    """

    paths: tuple[Path, ...]
    source: str
    attribution: str
    cell_m: float


def tile_name(lat: int, lon: int) -> str:
    """Name the GLO-30 tile whose south-west corner is at integer ``lat``, ``lon``.

    Examples
    --------
    >>> tile_name(42, 1)
    'Copernicus_DSM_COG_10_N42_00_E001_00_DEM'
    >>> tile_name(-1, -72)
    'Copernicus_DSM_COG_10_S01_00_W072_00_DEM'
    """
    ns = "N" if lat >= 0 else "S"
    ew = "E" if lon >= 0 else "W"
    return f"Copernicus_DSM_COG_10_{ns}{abs(lat):02d}_00_{ew}{abs(lon):03d}_00_DEM"


def tile_names(bbox: Sequence[float]) -> list[str]:
    """Name the tiles covering ``(west, south, east, north)``, south-west first.

    Tiles that only touch the box along an edge are left out.

    Examples
    --------
    >>> [n[22:36] for n in tile_names((1.4, 42.4, 1.8, 42.7))]
    ['N42_00_E001_00']
    >>> len(tile_names((0.5, 42.5, 1.0, 43.0)))
    1
    """
    return [tile_name(lat, lon) for lat, lon in tiles.degree_tiles(bbox)]


#: The GLO-30 tiles of :data:`COPERNICUS_URL` (``$ROUTEPLANNER_COPERNICUS_URL`` replaces
#: it): a tile is read from ``{base_url}/<name>/<name>.tif`` and stored as ``<name>.tif``.
COPERNICUS_TILES = tiles.TileSet(
    what="Copernicus tile",
    env="ROUTEPLANNER_COPERNICUS_URL",
    url=COPERNICUS_URL,
    suffix=".tif",
    folder=lambda name: name,
    names=tile_names,
    missing=lambda bbox, base, _names: f"no Copernicus DEM tile for bbox {bbox} at {base}",
    check=lambda name: check_dem_file(name, "Copernicus tile"),
)
#: Download (or reuse) the GLO-30 tiles that cover a box (:meth:`~routeplanner.sources.
#: tiles.TileSet.fetch` of :data:`COPERNICUS_TILES`).
fetch_copernicus_tiles = COPERNICUS_TILES.fetch


def fetch_dem(
    bbox: Sequence[float],
    *,
    dest_dir: Path,
    copernicus_url: str | None = None,
    srtm_url: str | None = None,
    timeout_s: float = 60,
) -> DemFiles:
    """Download the best DEM for a box: Copernicus GLO-30, else SRTM.

    Parameters
    ----------
    bbox
        ``(west, south, east, north)`` in degrees.
    dest_dir
        Folder for the tiles.
    copernicus_url, srtm_url
        Server roots (see :func:`fetch_copernicus_tiles` and
        :func:`routeplanner.sources.tiles.fetch_dem_tiles`).
    timeout_s
        Timeout of each request.

    Returns
    -------
    DemFiles

    Raises
    ------
    DownloadError
        If neither source gives a tile.
    """
    try:
        paths = fetch_copernicus_tiles(
            bbox, dest_dir=dest_dir, base_url=copernicus_url, timeout_s=timeout_s
        )
        return DemFiles(tuple(paths), "copernicus", COPERNICUS_ATTRIBUTION, 30.0)
    except DownloadError as exc:
        log.warning("Copernicus DEM unavailable (%s); falling back to SRTM", exc)
    paths = tiles.fetch_dem_tiles(bbox, dest_dir=dest_dir, base_url=srtm_url, timeout_s=timeout_s)
    return DemFiles(tuple(paths), "srtm", SRTM_ATTRIBUTION, 90.0)
