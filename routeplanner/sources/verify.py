"""Content checks of downloaded files, run before a download is kept or a cached one reused.

A download that is an error page, a truncated file or holds impossible heights
must never be kept: the next run, with the server healthy again, would trust it.
Each check raises :class:`~routeplanner.errors.DownloadError` naming the file and
what is wrong; :func:`routeplanner.sources.download.download` then deletes it (or,
for a cached copy, fetches it again).

The checks are cheap: a DEM is read decimated (at most about 512² cells), an
OSM PBF file is walked frame by frame without decoding its blocks.
"""

from __future__ import annotations

import gzip
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np

from routeplanner.errors import DownloadError

__all__ = [
    "MAX_TILE_CELLS",
    "PLAUSIBLE_ELEVATION_M",
    "check_dem_file",
    "check_for",
    "check_heights",
    "check_osm_pbf",
    "check_srtm_heights",
]

#: Most cells a downloaded DEM may declare (a GLO-30 tile has 3600² ≈ 13 million).
MAX_TILE_CELLS = 200_000_000
# SRTM's void value.
_SRTM_VOID = -32768


#: Heights a DEM on Earth can hold, metres (Dead Sea shore to above Everest).
PLAUSIBLE_ELEVATION_M = (-500.0, 9000.0)


def check_heights(
    heights: np.ndarray, what: str, error: type[Exception] = DownloadError
) -> tuple[float, float]:
    """Return the lowest and highest finite height; raise ``error`` if not plausible.

    Raises
    ------
    Exception
        ``error``, naming ``what``, if there is no finite height or the range leaves
        :data:`PLAUSIBLE_ELEVATION_M`.
    """
    valid = heights[np.isfinite(heights)]
    if valid.size == 0:
        raise error(f"{what} holds no heights (every cell is void)")
    lo, hi = float(valid.min()), float(valid.max())
    plo, phi = PLAUSIBLE_ELEVATION_M
    if lo < plo or hi > phi:
        raise error(
            f"{what} holds heights from {lo:.0f} to {hi:.0f} m, not plausible for "
            f"terrain ({plo:.0f} to {phi:.0f} m): is it an elevation model in metres?"
        )
    return lo, hi


def _head(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(40)


def check_srtm_heights(name: str) -> Callable[[Path], None]:
    """Return a check that the gzipped SRTM tile ``name`` holds plausible heights."""

    def check(path: Path) -> None:
        with gzip.open(path, "rb") as f:
            raw = np.frombuffer(f.read(), dtype=">i2")
        heights = raw[:: max(1, raw.size // 250_000)].astype(np.float32)
        heights[heights == _SRTM_VOID] = np.nan
        check_heights(heights, f"DEM tile {name}")

    return check


def check_dem_file(name: str, what: str = "DEM tile") -> Callable[[Path], None]:
    """Return a check that a file is a readable one-band raster of plausible heights.

    Parameters
    ----------
    name
        The tile or file name used in messages.
    what
        What the file is called in messages.
    """

    def check(path: Path) -> None:
        import rasterio
        from rasterio.errors import RasterioError

        from routeplanner.sources.dem import GDAL_READ_ONLY

        label = f"{what} {name}"
        gdal_path = f"/vsigzip/{path}" if path.name.endswith(".gz") else str(path)
        try:
            with rasterio.Env(**GDAL_READ_ONLY), rasterio.open(gdal_path) as ds:
                if ds.count != 1:
                    raise DownloadError(f"{label} has {ds.count} bands, not one band of heights")
                if ds.width * ds.height > MAX_TILE_CELLS:
                    raise DownloadError(
                        f"{label} declares {ds.width} x {ds.height} cells, more than "
                        f"{MAX_TILE_CELLS:,} (not a DEM tile)"
                    )
                shape = (min(ds.height, 512), min(ds.width, 512))
                data = ds.read(1, out_shape=shape, masked=True)
        except RasterioError as exc:
            raise DownloadError(
                f"{label} is not a readable raster ({' '.join(str(exc).split())[:200]}; "
                f"it starts with {_head(path)!r})"
            ) from None
        check_heights(np.ma.filled(data.astype(np.float32), np.nan), label)

    return check


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if i >= len(buf) or shift > 63:
            raise ValueError("bad varint")
        byte = buf[i]
        value |= (byte & 0x7F) << shift
        i += 1
        if not byte & 0x80:
            return value, i
        shift += 7


def _blob_header(buf: bytes) -> tuple[str, int]:
    """``(type, datasize)`` of a PBF BlobHeader message (protobuf, fields 1 and 3)."""
    kind, size, i = "", -1, 0
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
            if field == 3:
                size = value
        elif wire == 2:
            length, i = _varint(buf, i)
            if field == 1:
                kind = buf[i : i + length].decode("ascii", "replace")
            i += length
        else:
            raise ValueError(f"wire type {wire}")
    if size < 0 or i != len(buf):
        raise ValueError("no datasize")
    return kind, size


def check_osm_pbf(name: str) -> Callable[[Path], None]:
    """Return a check that a file is a whole OSM PBF file (every frame present)."""

    def check(path: Path) -> None:
        total = path.stat().st_size
        pos, frames = 0, 0
        try:
            with open(path, "rb") as f:
                while pos < total:
                    (length,) = struct.unpack(">I", f.read(4))
                    if not 0 < length <= 64 * 1024:
                        raise ValueError(f"invalid BlobHeader size {length}")
                    kind, size = _blob_header(f.read(length))
                    if frames == 0 and kind != "OSMHeader":
                        raise ValueError(f"first block is {kind!r}, not OSMHeader")
                    pos += 4 + length + size
                    if pos > total:
                        raise ValueError("truncated")
                    f.seek(pos)
                    frames += 1
        except (ValueError, struct.error) as exc:
            raise DownloadError(
                f"{name} is not an OSM PBF file ({exc}; it starts with {_head(path)!r})"
            ) from None
        if frames < 2:
            raise DownloadError(f"{name} is not an OSM PBF file (no data blocks)")

    return check


def check_for(name: str) -> Callable[[Path], None] | None:
    """Return the content check for a download stored as ``name`` (None: none known)."""
    lower = name.lower()
    if lower.endswith(".pbf"):
        return check_osm_pbf(name)
    if lower.endswith(".hgt.gz"):
        from routeplanner.sources.tiles import check_hgt_gz

        return check_hgt_gz(name)
    if lower.endswith((".tif", ".tiff", ".hgt")):
        return check_dem_file(name, "DEM file")
    return None
