"""Data for an area that is not in the catalog: a bounding box or a place name, downloaded."""

from __future__ import annotations

import logging
from pathlib import Path

from routeplanner.sources import download, regions

__all__ = ["fetch_area"]

log = logging.getLogger(__name__)

#: Attribution of downloaded SRTM tiles.
SRTM_ATTRIBUTION = "SRTM: NASA/USGS, public domain"


def fetch_area(
    area: str | tuple[float, float, float, float],
    *,
    data_dir: str | Path | None = None,
) -> regions.RegionFiles:
    """Download (or reuse from the download cache) OSM and DEM files covering an area.

    Parameters
    ----------
    area
        ``(west, south, east, north)`` in degrees, or a place name geocoded by
        Nominatim.
    data_dir
        Folder given by the user; downloads go to ``downloads/`` of the cache
        folder, see :func:`routeplanner.sources.regions.cache_dir`.

    Returns
    -------
    RegionFiles
        The OSM extract and the SRTM tiles covering its ways, named ``custom``.

    Raises
    ------
    DownloadError
        If a download fails.
    """
    from routeplanner.sources.osm import read_osm

    dest = regions.cache_dir(data_dir) / "downloads"
    dest.mkdir(parents=True, exist_ok=True)
    osm = download.fetch_osm(area, dest_dir=dest)
    ways = read_osm(osm)
    tiles = download.fetch_dem_tiles(ways.bbox, dest_dir=dest)
    log.info("fetched %s and %d DEM tile(s) into %s", osm.name, len(tiles), dest)
    return regions.RegionFiles(
        osm=osm,
        dem=tuple(tiles),
        attribution=(regions.OSM_ATTRIBUTION, SRTM_ATTRIBUTION),
        name="custom",
        bbox=ways.bbox,
    )
