"""Tile sets of 1° squares (SRTM, Copernicus GLO-30): names, and download with a 404 skip.

A tile is named after its south-west corner. Tile sets have no file where there is
only sea, so a tile the server answers with 404 is skipped with a warning.
"""

from __future__ import annotations

import gzip
import logging
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from routeplanner._docstrings import fill
from routeplanner.errors import DownloadError
from routeplanner.sources.download import HTTPStatusError, _check_bbox, download
from routeplanner.sources.http import HttpLimits
from routeplanner.sources.verify import check_srtm_heights

__all__ = [
    "SKADI_URL",
    "SRTM_TILES",
    "TileSet",
    "check_hgt_gz",
    "degree_tiles",
    "dem_tile_names",
    "fetch_dem_tiles",
]

log = logging.getLogger(__name__)

#: Public, key-less SRTM-style tiles (AWS Open Data "Terrain Tiles", gzipped .hgt).
SKADI_URL = "https://s3.amazonaws.com/elevation-tiles-prod/skadi"

#: Largest tile download accepted, bytes ($ROUTEPLANNER_DOWNLOAD_MAX_MB overrides).
TILE_MAX_BYTES = 500 * 10**6

#: Sizes of an uncompressed SRTM tile: 3 and 1 arc-second.
_HGT_SIZES = {1201 * 1201 * 2: "SRTM3", 3601 * 3601 * 2: "SRTM1"}

# The Parameters of the functions of a box (:func:`routeplanner._docstrings.fill`).
_BBOX_PARAMS_DOC = "Parameters\n----------\nbbox\n    ``(west, south, east, north)`` in degrees."


def check_hgt_gz(name: str) -> Callable[[Path], None]:
    """Return a check that a file is the gzipped SRTM tile ``name`` (e.g. ``N42E001``).

    The tile's place is its name; its contents must be a gzip stream of one
    SRTM tile (1201² or 3601² big-endian 16-bit samples), not an error page,
    and hold plausible heights.
    """
    heights = check_srtm_heights(name)

    def check(path: Path) -> None:
        size = 0
        try:
            with gzip.open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    size += len(block)
        except (OSError, EOFError) as exc:
            head = path.read_bytes()[:40]
            raise DownloadError(
                f"DEM tile {name} is not a gzipped SRTM tile ({exc}; it starts with {head!r})"
            ) from None
        if size not in _HGT_SIZES:
            raise DownloadError(
                f"DEM tile {name} holds {size} bytes, not an SRTM tile "
                f"({' or '.join(str(n) for n in _HGT_SIZES)} bytes)"
            )
        heights(path)

    return check


@fill(bbox_params=_BBOX_PARAMS_DOC)
def dem_tile_names(bbox: Sequence[float]) -> list[str]:
    """Names of the 1°×1° SRTM tiles that cover a box, south-west first.

    A tile is named after its south-west corner, e.g. ``N42E001`` spans
    42–43 °N, 1–2 °E and ``S01W072`` spans 1–0 °S, 72–71 °W. Tiles that only
    touch the box along an edge are left out.

    %(bbox_params)s

    Returns
    -------
    list of str
        Tile names, rows from south to north, each row from west to east.
    """
    return [_tile_name(lat, lon) for lat, lon in degree_tiles(_check_bbox(bbox))]


@fill(bbox_params=_BBOX_PARAMS_DOC)
def degree_tiles(bbox: Sequence[float]) -> list[tuple[int, int]]:
    """List the 1° tiles that cover a box, by their south-west corner.

    %(bbox_params)s

    Returns
    -------
    list of (int, int)
        ``(lat, lon)`` of each tile's south-west corner, rows from south to
        north, each row from west to east; tiles beyond the poles or the
        antimeridian are left out.

    Examples
    --------
    >>> degree_tiles((1.4, 42.4, 2.0, 43.0))
    [(42, 1)]
    """
    west, south, east, north = (float(v) for v in bbox)
    # ceil(x) - 1 keeps a tile whose south/west edge equals the box's north/east edge out.
    lats = range(math.floor(south), max(math.floor(south), math.ceil(north) - 1) + 1)
    lons = range(math.floor(west), max(math.floor(west), math.ceil(east) - 1) + 1)
    return [(lat, lon) for lat in lats if -90 <= lat < 90 for lon in lons if lon < 180]


def _tile_name(lat: int, lon: int) -> str:
    ns = "N" if lat >= 0 else "S"
    ew = "E" if lon >= 0 else "W"
    return f"{ns}{abs(lat):02d}{ew}{abs(lon):03d}"


@dataclass(frozen=True)
class TileSet:
    """A public set of 1° tiles: where its tiles are, what they are called and checked by.

    Parameters
    ----------
    what : str
        What a tile is called in warnings (``"DEM tile"``).
    env : str
        Environment variable that replaces the server root.
    url : str
        The server root.
    suffix : str
        A tile's file ending, on the server and in the destination folder.
    folder : callable
        ``folder(name)``: the tile's folder below the server root.
    names : callable
        ``names(bbox)``: the tiles that cover a box, south-west first.
    missing : callable
        ``missing(bbox, base, names)``: the error when none of them exists.
    check : callable
        ``check(name)``: the content check of a downloaded tile (see :func:`download`).
    """

    what: str
    env: str
    url: str
    suffix: str
    folder: Callable[[str], str]
    names: Callable[[Sequence[float]], list[str]]
    missing: Callable[[tuple[float, ...], str, list[str]], str]
    check: Callable[[str], Callable[[Path], None]]

    def fetch(
        self,
        bbox: Sequence[float],
        *,
        dest_dir: Path,
        base_url: str | None = None,
        timeout_s: float = 60,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[Path]:
        """Download (or reuse) the tiles of the set that cover a box.

        Tile sets have no file where there is only sea, so a tile the server answers
        with HTTP 404 is skipped with a warning.

        Parameters
        ----------
        bbox
            ``(west, south, east, north)`` in degrees.
        dest_dir
            Folder for the tiles, stored as ``<name><suffix>``; tiles already there are
            not requested again.
        base_url
            Server root; a tile is read from ``{base_url}/<folder>/<name><suffix>``.
            Defaults to the environment variable ``env``, else ``url``.
        timeout_s
            Timeout of each request.
        progress
            Passed to :func:`download` for each tile.

        Returns
        -------
        list of Path
            The tiles that exist.

        Raises
        ------
        DownloadError
            If a request fails other than with 404, or no tile at all exists.
        """
        base = (base_url or os.environ.get(self.env) or self.url).rstrip("/")
        names = self.names(bbox)
        paths: list[Path] = []
        # A tile is tens of MB: a stream far past that is not a tile.
        limits = HttpLimits.from_env(
            connect_timeout_s=timeout_s, read_timeout_s=timeout_s, max_bytes=TILE_MAX_BYTES
        )
        for name in names:
            url = f"{base}/{self.folder(name)}/{name}{self.suffix}"
            dest = Path(dest_dir) / f"{name}{self.suffix}"
            try:
                paths.append(
                    download(url, dest, limits=limits, progress=progress, check=self.check(name))
                )
            except HTTPStatusError as exc:
                if exc.status != 404:
                    raise
                log.warning("no %s %s (HTTP 404 from %s): skipped", self.what, name, url)
        if not paths:
            raise DownloadError(self.missing(tuple(bbox), base, names))
        return paths


#: The gzipped SRTM tiles of :data:`SKADI_URL` (``$ROUTEPLANNER_DEM_URL`` replaces it): a
#: tile is read from ``{base_url}/N42/N42E001.hgt.gz`` and stored as ``N42E001.hgt.gz``
#: (open it with GDAL as ``/vsigzip/<path>``).
SRTM_TILES = TileSet(
    what="DEM tile",
    env="ROUTEPLANNER_DEM_URL",
    url=SKADI_URL,
    suffix=".hgt.gz",
    folder=lambda name: name[:3],
    names=dem_tile_names,
    missing=lambda bbox, base, names: (
        f"no DEM tile found for bbox {bbox} at {base}: tried {', '.join(names)}"
    ),
    check=check_hgt_gz,
)
#: Download (or reuse) the SRTM tiles that cover a box (:meth:`TileSet.fetch` of
#: :data:`SRTM_TILES`).
fetch_dem_tiles = SRTM_TILES.fetch
