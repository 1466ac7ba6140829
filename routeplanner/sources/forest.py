"""Forest cover from OpenStreetMap: ``landuse=forest`` and ``natural=wood`` areas.

pyosmium assembles closed ways and multipolygon relations into areas; each
becomes a shapely polygon, and a :class:`ForestCover` answers, for many points
at once, which lie inside one (an STR-tree keeps that fast for a whole region).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import shapely
from numpy.typing import ArrayLike

from routeplanner._docstrings import fill
from routeplanner.errors import DataError
from routeplanner.sources import OSM_PATH_DOC

__all__ = ["FOREST_TAGS", "ForestCover", "points_in_forest", "read_forest"]

log = logging.getLogger(__name__)

#: ``(key, value)`` pairs that mark an area as forest.
FOREST_TAGS: tuple[tuple[str, str], ...] = (("landuse", "forest"), ("natural", "wood"))


@dataclass(frozen=True, eq=False)
class ForestCover:
    """Forest polygons (lon/lat) with a spatial index.

    Attributes
    ----------
    polygons : tuple
        shapely (Multi)Polygons in EPSG:4326.
    source : str
        File they were read from (no directory).
    """

    polygons: tuple[shapely.Geometry, ...]
    source: str = ""

    @cached_property
    def _tree(self) -> shapely.STRtree:
        return shapely.STRtree(list(self.polygons))

    def contains(self, lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
        """Tell which points lie in forest.

        Parameters
        ----------
        lon, lat
            Point coordinates in degrees (same shape).

        Returns
        -------
        numpy.ndarray
            Boolean, True inside any forest polygon.

        Examples
        --------
        >>> square = shapely.box(1.0, 42.0, 1.1, 42.1)
        >>> ForestCover((square,)).contains([1.05, 1.2], [42.05, 42.05]).tolist()
        [True, False]
        """
        x = np.asarray(lon, dtype=np.float64)
        y = np.asarray(lat, dtype=np.float64)
        out = np.zeros(x.shape, dtype=bool)
        if not self.polygons or x.size == 0:
            return out
        pts = shapely.points(x.ravel(), y.ravel())
        hit, _ = self._tree.query(pts, predicate="intersects")
        flat = out.ravel()
        flat[np.unique(hit)] = True
        return flat.reshape(x.shape)


@fill(osm_path=OSM_PATH_DOC)
def read_forest(
    path: str | os.PathLike[str],
    *,
    bbox: tuple[float, float, float, float] | None = None,
) -> ForestCover:
    """Read forest and wood areas from an OSM file.

    Parameters
    ----------
    %(osm_path)s
    bbox
        ``(west, south, east, north)``: keep only areas that meet it.

    Returns
    -------
    ForestCover
        Possibly with no polygon (then nothing is forest).

    Raises
    ------
    DataError
        If the file cannot be read.
    """
    import osmium

    path = Path(path)
    if not path.is_file():
        raise DataError(f"OSM file not found: {path}")
    wkb = osmium.geom.WKBFactory()
    box = shapely.box(*bbox) if bbox is not None else None
    polygons: list[shapely.Geometry] = []
    try:
        processor = (
            osmium.FileProcessor(str(path))
            .with_areas(osmium.filter.TagFilter(*FOREST_TAGS))
            .with_filter(osmium.filter.EntityFilter(osmium.osm.AREA))
            .with_filter(osmium.filter.TagFilter(*FOREST_TAGS))
        )
        for area in processor:
            if not isinstance(area, osmium.osm.Area):  # the filter lets areas only
                continue
            try:
                geom = shapely.from_wkb(wkb.create_multipolygon(area))
            except RuntimeError:  # an unclosed ring or a broken multipolygon
                continue
            if box is None or geom.intersects(box):
                polygons.append(geom)
    except (RuntimeError, ValueError, OSError) as exc:
        raise DataError(f"not a readable OSM file: {path} ({exc})") from exc
    log.info("read %d forest areas from %s", len(polygons), path.name)
    return ForestCover(tuple(polygons), path.name)


def points_in_forest(
    polygons: np.ndarray, lon: np.ndarray, lat: np.ndarray, *, tree: shapely.STRtree | None = None
) -> np.ndarray:
    """Tell which points lie inside any polygon (strictly: not on a boundary).

    Bounding-box candidates from an STR-tree, then one vectorised
    :func:`shapely.contains_xy` test (fastest on prepared polygons).

    Parameters
    ----------
    polygons
        Object array of shapely (Multi)Polygons, lon/lat.
    lon, lat
        Point coordinates in degrees (1-D, same length).
    tree
        ``shapely.STRtree(polygons)``, when the caller already has one.

    Returns
    -------
    numpy.ndarray
        Boolean, one per point.

    Examples
    --------
    >>> square = np.array([shapely.box(1.0, 42.0, 1.1, 42.1)], dtype=object)
    >>> points_in_forest(square, np.array([1.05, 1.2]), np.array([42.05, 42.05])).tolist()
    [True, False]
    """
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    inside = np.zeros(len(x), dtype=bool)
    if len(polygons) == 0 or len(x) == 0:
        return inside
    if tree is None:
        tree = shapely.STRtree(polygons)
    pt, poly = tree.query(shapely.points(x, y))  # bounding-box candidates
    if len(pt):
        hit = shapely.contains_xy(polygons[poly], x[pt], y[pt])
        inside[pt[hit]] = True
    return inside
