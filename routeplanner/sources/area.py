"""Data for an area that is not in the catalog: a bounding box or a place name, downloaded."""

from __future__ import annotations

import logging
from pathlib import Path

from routeplanner.sources import download, regions
from routeplanner.sources.copernicus import fetch_dem

__all__ = ["fetch_area"]

log = logging.getLogger(__name__)


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
        The OSM extract and the DEM tiles covering its ways (Copernicus GLO-30,
        else SRTM: :func:`routeplanner.sources.copernicus.fetch_dem`), named ``custom``.

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
    dem = fetch_dem(ways.bbox, dest_dir=dest)  # Copernicus GLO-30, else SRTM
    log.info("fetched %s and %d %s DEM tile(s) into %s", osm.name, len(dem.paths), dem.source, dest)
    return regions.RegionFiles(
        osm=osm,
        dem=dem.paths,
        attribution=(regions.OSM_ATTRIBUTION, dem.attribution),
        name="custom",
        bbox=ways.bbox,
    )
