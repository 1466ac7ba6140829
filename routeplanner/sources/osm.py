"""Read the ways routeplanner needs from OpenStreetMap files (PBF or XML).

libosmium (through pyosmium) does all the per-object work in C++: it decodes
the file on its own threads, keeps node locations in its index, lets through
only ways with a key of :data:`_WAY_KEYS` and writes them, with the location
of every node on the way, as OPL text to a temporary file.  That text is then
parsed in large blocks: coordinates and node ids with one numpy call per
block, tags into small integer codes per kept key (:class:`WayTags`).  No
Python object is made per node and no dictionary per way, so reading is linear
in the data and holds little more than the final arrays.
"""

from __future__ import annotations

import ctypes
import logging
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import osmium

from routeplanner._docstrings import fill
from routeplanner.errors import DataError
from routeplanner.sources import OSM_PATH_DOC

__all__ = ["KEEP_TAGS", "OSM_SUFFIXES", "OsmWays", "WayTags", "read_osm"]

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

# A way is read when it has one of these keys.
_WAY_KEYS = ("highway", "piste:type", "aerialway")
# Kept keys as OPL writes them: none of their characters is escaped.
_KEY_INDEX = {k.encode(): i for i, k in enumerate(KEEP_TAGS)}
# Stand-in coordinate for a node the file does not locate (OPL writes "x" and "y" bare).
_MISSING = 1e300
_MISSING_TEXT = b"x1e300y1e300"
# OPL escapes a character as %<hex code point>%.
_ESCAPE = re.compile(r"%([0-9a-fA-F]+)%")
# Largest product of vocabulary sizes WayTags.evaluate packs into one int64 per way.
_PACK_LIMIT = 2**62
# Lines of OPL parsed at a time (bytes): bounds the text held in memory.
_BLOCK_BYTES = 1 << 24


@dataclass(frozen=True, eq=False)
class WayTags:
    """The kept tags of every way, as one small integer code per way and key.

    ``codes[i, j]`` is 0 when way ``i`` has no tag ``keys[j]``, else the index
    of its value in ``values[j]`` (whose entry 0 is an unused ``""``).  Indexing
    gives a way's tags as a new dict, so code that wants a mapping still gets one.

    Attributes
    ----------
    keys : tuple of str
        The tag keys, in column order.
    codes : numpy.ndarray
        int32 array of shape ``(n_ways, len(keys))``.
    values : tuple of tuple of str
        Per key, the value of each code.
    """

    keys: tuple[str, ...]
    codes: np.ndarray
    values: tuple[tuple[str, ...], ...]

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i: int) -> dict[str, str]:
        row = self.codes[i]
        return {k: self.values[j][c] for j, k in enumerate(self.keys) if (c := int(row[j]))}

    def __iter__(self) -> Iterator[dict[str, str]]:
        return (self[i] for i in range(len(self)))

    @classmethod
    def from_dicts(cls, tags: Iterable[Mapping[str, str]]) -> WayTags:
        """Encode one mapping of tags per way.

        Parameters
        ----------
        tags
            Each way's tags; the columns are :data:`KEEP_TAGS` followed by any
            other key met, in the order met.

        Returns
        -------
        WayTags
        """
        rows = [dict(t) for t in tags]
        keys = list(KEEP_TAGS)
        for t in rows:
            keys += [k for k in t if k not in keys]
        vocab: list[dict[str, int]] = [{} for _ in keys]
        codes = np.zeros((len(rows), len(keys)), dtype=np.int32)
        for i, t in enumerate(rows):
            for k, v in t.items():
                j = keys.index(k)
                codes[i, j] = vocab[j].setdefault(v, len(vocab[j]) + 1)
        return cls(tuple(keys), codes, tuple(("", *voc) for voc in vocab))

    def column(self, key: str) -> np.ndarray:
        """Return every way's value of ``key`` as an object array, ``""`` where absent."""
        if key not in self.keys:
            return np.full(len(self), "", dtype=object)
        j = self.keys.index(key)
        ret: np.ndarray = np.array(self.values[j], dtype=object)[self.codes[:, j]]
        return ret

    def has(self, key: str) -> np.ndarray:
        """Return whether each way has a tag ``key`` (boolean array)."""
        if key not in self.keys:
            return np.zeros(len(self), dtype=bool)
        ret: np.ndarray = self.codes[:, self.keys.index(key)] != 0
        return ret

    def take(self, index: np.ndarray) -> WayTags:
        """Return the tags of the ways at ``index`` (same keys and values)."""
        return WayTags(self.keys, self.codes[index], self.values)

    def evaluate(self, func: Callable[[dict[str, str]], Any], keys: Sequence[str]) -> np.ndarray:
        """Apply ``func`` to each way's tags restricted to ``keys``, once per distinct set.

        ``func`` sees a dict holding only the tags of ``keys`` the way has, so
        its result must depend on those keys alone.  It runs once for every
        distinct combination of their values, not once per way.

        Parameters
        ----------
        func
            Called with a dict of tags.
        keys
            The keys ``func`` reads.

        Returns
        -------
        numpy.ndarray
            Object array of ``func``'s result per way.
        """
        cols = [self.keys.index(k) for k in keys if k in self.keys]
        n = len(self)
        if n == 0 or not cols:
            out = np.empty(n, dtype=object)
            out[:] = [func({})] * n
            return out
        radix = [len(self.values[j]) for j in cols]
        if math.prod(radix) < _PACK_LIMIT:  # one int64 per way: a plain sort finds them
            packed = np.zeros(n, dtype=np.int64)
            for j, r in zip(cols, radix, strict=True):
                packed = packed * r + self.codes[:, j]
            _, first, inverse = np.unique(packed, return_index=True, return_inverse=True)
            combos = self.codes[first][:, cols]
        else:
            combos, inverse = np.unique(self.codes[:, cols], axis=0, return_inverse=True)
        out = np.empty(len(combos), dtype=object)
        for r, combo in enumerate(combos):
            tags = {
                self.keys[j]: self.values[j][c]
                for j, c in zip(cols, combo.tolist(), strict=True)
                if c
            }
            out[r] = func(tags)
        return out[inverse.reshape(-1)]


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
    tags : WayTags
        The kept tags (:data:`KEEP_TAGS`) of each way; ``tags[i]`` is a dict.
    source : str
        File name the ways were read from (no directory).
    """

    way_ids: np.ndarray
    offsets: np.ndarray
    node_ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    tags: WayTags
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


@fill(osm_path=OSM_PATH_DOC)
def read_osm(path: str | os.PathLike[str]) -> OsmWays:
    """Read every way tagged ``highway``, ``piste:type`` or ``aerialway``.

    Nodes whose location is missing from the file (ways cut at the extract's
    edge) split the way: each run of located nodes with two or more nodes is
    kept as its own way with the same id.

    Parameters
    ----------
    %(osm_path)s

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
    with tempfile.TemporaryDirectory(prefix="routeplanner-osm-") as tmp:
        opl = Path(tmp) / "ways.opl"
        try:
            _write_ways_opl(path, opl)
        except osmium.InvalidLocationError as exc:
            raise DataError(
                f"not a readable OSM file: {path} (a node has a bad coordinate: {exc}; "
                "longitudes are -180 to 180, latitudes -90 to 90)"
            ) from exc
        except (RuntimeError, ValueError, OSError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DataError(f"not a readable OSM file: {path} ({reason})") from exc
        raw = _parse_opl(opl, path)
    ways = _split_at_unlocated(raw, path.name)
    if not len(ways):
        raise DataError(
            f"no ways tagged highway, piste:type or aerialway in {path}: "
            "is it an OSM extract of the right area?"
        )
    log.info("read %d ways with %d nodes from %s", len(ways), len(ways.node_ids), path.name)
    return ways


def _write_ways_opl(path: Path, out: Path) -> None:
    """Write the wanted ways of ``path``, with node locations, as OPL (all in C++)."""
    locations = osmium.NodeLocationsForWays(osmium.index.create_map("flex_mem"))
    locations.ignore_errors()  # an unlocated node is written bare and handled below
    writer = osmium.SimpleWriter(
        osmium.io.File(str(out), "opl,locations_on_ways=true,add_metadata=false")
    )
    failed = True
    try:
        osmium.apply(
            str(path),
            locations,
            osmium.filter.EntityFilter(osmium.osm.WAY),
            osmium.filter.KeyFilter(*_WAY_KEYS),
            writer,
        )
        failed = False
    finally:
        try:
            writer.close()  # writes the buffer: a bad coordinate fails here
        except Exception:
            # The writer's C++ destructor would write the same buffer again and fail
            # outside any handler: std::terminate, exit 134 after the error line.
            # Keep the failed writer alive for good so that destructor never runs.
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(writer))
            if not failed:
                raise


class _RawWays:
    """Ways as read, before unlocated nodes split them."""

    def __init__(self) -> None:
        self.way_ids: list[np.ndarray] = []
        self.counts: list[np.ndarray] = []
        self.nodes: list[np.ndarray] = []  # (n, 3): id, lon, lat
        self.tag_way: list[int] = []
        self.tag_key: list[int] = []
        self.tag_code: list[int] = []
        self.vocab: list[dict[bytes, int]] = [{} for _ in KEEP_TAGS]
        self.n_ways = 0


def _parse_opl(opl: Path, source: Path) -> _RawWays:
    """Parse OPL way lines block by block into arrays and tag codes."""
    raw = _RawWays()
    with opl.open("rb") as f:
        while lines := f.readlines(_BLOCK_BYTES):
            _parse_block(lines, raw, source)
    return raw


def _parse_block(lines: list[bytes], raw: _RawWays, source: Path) -> None:
    ids: list[bytes] = []
    counts: list[int] = []
    node_fields: list[bytes] = []
    key_index, vocab = _KEY_INDEX, raw.vocab
    tag_way, tag_key, tag_code = raw.tag_way, raw.tag_key, raw.tag_code
    way = raw.n_ways
    for line in lines:
        fields = line.rstrip(b"\n").split(b" ")
        if len(fields) < 3 or fields[0][:1] != b"w" or fields[-1][:1] != b"N":
            raise DataError(f"not a readable OSM file: {source} (unexpected way record)")
        ids.append(fields[0][1:])
        nodes = fields[-1][1:]
        counts.append(nodes.count(b",") + 1 if nodes else 0)
        if nodes:
            node_fields.append(nodes)
        for kv in fields[-2][1:].split(b","):
            k, _, v = kv.partition(b"=")
            j = key_index.get(k)
            if j is not None:
                voc = vocab[j]
                code = voc.get(v)
                if code is None:
                    code = voc[v] = len(voc) + 1
                tag_way.append(way)
                tag_key.append(j)
                tag_code.append(code)
        way += 1
    raw.n_ways = way
    # Node ids go through float64 with the coordinates: exact below 2**53 (OSM is at 1e10).
    text = b",".join(node_fields).replace(b"xy", _MISSING_TEXT)
    numbers = np.fromstring(text.translate(_NODE_TABLE, b"n"), sep=",") if text else np.zeros(0)
    if len(numbers) != 3 * sum(counts):
        raise DataError(f"not a readable OSM file: {source} (unexpected way node list)")
    raw.way_ids.append(np.array(ids).astype(np.int64) if ids else np.zeros(0, dtype=np.int64))
    raw.counts.append(np.asarray(counts, dtype=np.int64))
    raw.nodes.append(numbers.reshape(-1, 3))


_NODE_TABLE = bytes.maketrans(b"xy", b",,")


def _decode(value: bytes) -> str:
    text = value.decode("utf-8", errors="replace")
    return _ESCAPE.sub(lambda m: chr(int(m[1], 16)), text) if "%" in text else text


def _split_at_unlocated(raw: _RawWays, source: str) -> OsmWays:
    """Cut ways at nodes without a usable location; keep runs of two or more nodes."""
    way_ids = np.concatenate(raw.way_ids) if raw.way_ids else np.zeros(0, dtype=np.int64)
    counts = np.concatenate(raw.counts) if raw.counts else np.zeros(0, dtype=np.int64)
    nodes = np.concatenate(raw.nodes) if raw.nodes else np.zeros((0, 3))
    node_id = nodes[:, 0].astype(np.int64)
    lon, lat = nodes[:, 1], nodes[:, 2]
    missing = lon == _MISSING
    out_of_range = ~missing & ((np.abs(lon) > 180.0) | (np.abs(lat) > 90.0))
    located = ~(missing | out_of_range)
    way_of = np.repeat(np.arange(len(way_ids)), counts)
    _report(source, way_ids, way_of, node_id, missing, out_of_range)

    first = np.zeros(len(nodes), dtype=bool)
    first[(np.cumsum(counts) - counts)[counts > 0]] = True
    prev_located = np.concatenate(([False], located[:-1]))
    run_start = located & (first | ~prev_located)
    run_of = np.cumsum(run_start) - 1  # run of every located node
    run_len = np.bincount(run_of[located], minlength=int(run_start.sum()))
    long_run = run_len >= 2
    keep = located & long_run[np.maximum(run_of, 0)]
    run_way = way_of[run_start][long_run]

    codes = np.zeros((len(way_ids), len(KEEP_TAGS)), dtype=np.int32)
    codes[np.asarray(raw.tag_way, dtype=np.int64), np.asarray(raw.tag_key, dtype=np.int64)] = (
        np.asarray(raw.tag_code, dtype=np.int32)
    )
    values = tuple(("", *(_decode(v) for v in voc)) for voc in raw.vocab)
    offsets = np.zeros(len(run_way) + 1, dtype=np.int64)
    np.cumsum(run_len[long_run], out=offsets[1:])
    return OsmWays(
        way_ids=way_ids[run_way],
        offsets=offsets,
        node_ids=node_id[keep],
        lon=lon[keep],
        lat=lat[keep],
        tags=WayTags(KEEP_TAGS, codes[run_way], values),
        source=source,
    )


def _report(
    source: str,
    way_ids: np.ndarray,
    way_of: np.ndarray,
    node_id: np.ndarray,
    missing: np.ndarray,
    out_of_range: np.ndarray,
) -> None:
    """Say how many ways were cut or dropped at unusable nodes; name them at -v."""
    for what, bad in (
        ("a node missing from the file", missing),
        ("a node with out-of-range coordinates", out_of_range),
    ):
        idx = np.flatnonzero(bad)
        if not len(idx):
            continue
        ways, first = np.unique(way_of[idx], return_index=True)
        log.warning(
            "%s: %d ways have %s; they were cut there (parts under 2 nodes dropped)%s",
            source,
            len(ways),
            what,
            "" if log.isEnabledFor(logging.INFO) else " (-v names them)",
        )
        named = ", ".join(
            f"way {w} (node {n})"
            for w, n in zip(
                way_ids[ways[:50]].tolist(), node_id[idx[first[:50]]].tolist(), strict=True
            )
        )
        more = f" and {len(ways) - 50} more" if len(ways) > 50 else ""
        log.info("%s: ways with %s: %s%s", source, what, named, more)
