"""Read the ways routeplanner needs from OpenStreetMap files (PBF or XML).

pyosmium does the parsing and keeps node locations in its own index, so a
whole country extract streams through without building Python objects for
nodes that no kept way uses.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium

from routeplanner.errors import DataError

__all__ = ["KEEP_TAGS", "OSM_SUFFIXES", "OsmWays", "read_osm"]

log = logging.getLogger(__name__)

#: Tags kept on every way; everything else is dropped while reading.
KEEP_TAGS: tuple[str, ...] = (
    "highway",
    "name",
    "ref",
    "sac_scale",
    "surface",
    "trail_visibility",
    "tracktype",
    "smoothness",
    "access",
    "foot",
    "tunnel",
    "bridge",
    "embankment",
    "cutting",
    "piste:type",
    "piste:difficulty",
    "piste:name",
    "piste:grooming",
    "aerialway",
)

#: File endings pyosmium reads (it picks the format from the ending).
OSM_SUFFIXES: tuple[str, ...] = (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".osm.bz2")

# osmium's x/y of a location that the file does not give.
_UNDEFINED = osmium.osm.Location().x
# A way is read when it has one of these keys.
_WAY_KEYS = ("highway", "piste:type", "aerialway")


@dataclass(frozen=True, eq=False)
class OsmWays:
    """Ways with their node coordinates, as flat arrays.

    Way ``i`` has nodes ``node_ids[offsets[i]:offsets[i + 1]]`` at
    ``lon``/``lat`` of the same slice.

    Attributes
    ----------
    way_ids : numpy.ndarray
        OSM way ids, int64, one per way.
    offsets : numpy.ndarray
        int64, ``len(way_ids) + 1`` slice bounds into the node arrays.
    node_ids, lon, lat : numpy.ndarray
        OSM node ids (int64) and WGS84 coordinates (float64) of every way node.
    tags : list of dict
        The kept tags (:data:`KEEP_TAGS`) of each way.
    source : str
        File name the ways were read from (no directory).
    """

    way_ids: np.ndarray
    offsets: np.ndarray
    node_ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    tags: list[dict[str, str]]
    source: str

    def __len__(self) -> int:
        return len(self.way_ids)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """``(west, south, east, north)`` of all way nodes."""
        return (
            float(self.lon.min()),
            float(self.lat.min()),
            float(self.lon.max()),
            float(self.lat.max()),
        )


def _check_path(path: Path) -> None:
    if not path.exists():
        raise DataError(f"OSM file not found: {path}")
    if not path.is_file():
        raise DataError(f"OSM path is not a file: {path}")
    name = path.name.lower()
    if not name.endswith(OSM_SUFFIXES):
        raise DataError(f"not an OSM file: {path} (expected one of {', '.join(OSM_SUFFIXES)})")
    if path.stat().st_size == 0:
        raise DataError(f"OSM file is empty: {path}")


def read_osm(path: str | os.PathLike[str]) -> OsmWays:
    """Read every way tagged ``highway``, ``piste:type`` or ``aerialway``.

    Nodes whose location is missing from the file (ways cut at the extract's
    edge) split the way: each run of located nodes with two or more nodes is
    kept as its own way with the same id.

    Parameters
    ----------
    path
        An ``.osm.pbf``, ``.osm``, ``.osm.gz`` or ``.osm.bz2`` file.

    Returns
    -------
    OsmWays

    Raises
    ------
    DataError
        If the file is missing, truncated, not OSM data, or holds no such way.
    """
    path = Path(path)
    _check_path(path)
    acc = _Collector()
    try:
        processor = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter(*_WAY_KEYS))
        )
        for way in processor:
            if not isinstance(way, osmium.osm.Way):  # the filter lets ways only
                continue
            kept = {k: way.tags[k] for k in KEEP_TAGS if k in way.tags}
            run: list[tuple[int, float, float]] = []
            for nd in way.nodes:
                loc = nd.location
                if loc.valid():
                    run.append((nd.ref, loc.lon, loc.lat))
                    continue
                acc.broken(way.id, nd.ref, missing=loc.x == _UNDEFINED)
                acc.add(way.id, kept, run)
                run = []
            acc.add(way.id, kept, run)
    except osmium.InvalidLocationError as exc:
        raise DataError(
            f"not a readable OSM file: {path} (a node has a bad coordinate: {exc}; "
            "longitudes are -180 to 180, latitudes -90 to 90)"
        ) from exc
    except (RuntimeError, ValueError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"not a readable OSM file: {path} ({reason})") from exc
    if not acc.way_ids:
        raise DataError(
            f"no ways tagged highway, piste:type or aerialway in {path}: "
            "is it an OSM extract of the right area?"
        )
    acc.report(path.name)
    nodes = np.asarray(acc.nodes, dtype=np.float64).reshape(-1, 3)
    lengths = acc.lengths
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    log.info("read %d ways with %d nodes from %s", len(lengths), len(nodes), path.name)
    return OsmWays(
        way_ids=np.asarray(acc.way_ids, dtype=np.int64),
        offsets=offsets,
        node_ids=np.asarray(acc.node_ids, dtype=np.int64),
        lon=nodes[:, 1].copy(),
        lat=nodes[:, 2].copy(),
        tags=acc.tags,
        source=path.name,
    )


class _Collector:
    """Accumulates runs of located nodes; a run needs two nodes to be a way."""

    def __init__(self) -> None:
        self.way_ids: list[int] = []
        self.lengths: list[int] = []
        self.tags: list[dict[str, str]] = []
        self.node_ids: list[int] = []
        self.nodes: list[tuple[int, float, float]] = []
        self.missing: dict[int, int] = {}  # way id -> first node without a location
        self.out_of_range: dict[int, int] = {}  # way id -> first node outside the globe

    def broken(self, way_id: int, node_id: int, *, missing: bool) -> None:
        """Note a way node that has no usable location."""
        (self.missing if missing else self.out_of_range).setdefault(way_id, node_id)

    def report(self, source: str) -> None:
        """Say how many ways were cut or dropped at unusable nodes; name them at -v."""
        for what, ways in (
            ("a node missing from the file", self.missing),
            ("a node with out-of-range coordinates", self.out_of_range),
        ):
            if not ways:
                continue
            log.warning(
                "%s: %d ways have %s; they were cut there (parts under 2 nodes dropped)%s",
                source,
                len(ways),
                what,
                "" if log.isEnabledFor(logging.INFO) else " (-v names them)",
            )
            named = ", ".join(f"way {w} (node {n})" for w, n in list(ways.items())[:50])
            more = f" and {len(ways) - 50} more" if len(ways) > 50 else ""
            log.info("%s: ways with %s: %s%s", source, what, named, more)

    def add(self, way_id: int, tags: dict[str, str], run: list[tuple[int, float, float]]) -> None:
        if len(run) < 2:
            return
        self.way_ids.append(way_id)
        self.lengths.append(len(run))
        self.tags.append(tags)
        self.node_ids.extend(r[0] for r in run)
        self.nodes.extend(run)
