"""The network cache: plain arrays in an ``.npz`` with a JSON header; nothing runs code.

A cached network is one ``.npz`` file read with ``allow_pickle=False``: every
array of the :class:`~routeplanner.network.model.Network` (text columns as
fixed-width Unicode), plus ``__header__``, UTF-8 JSON bytes holding the cache
key, the format, every array's shape and dtype, the features and metadata.
On load the key, the format and every shape are checked against each other;
any mismatch makes :func:`load` return ``None`` with a warning, and the caller
rebuilds.  Writes go to a short temporary (see
:mod:`routeplanner.output.policy`) renamed into place; temporaries of a killed
run are removed on the next load.

The key hashes, for every input file, its resolved path, its name (an SRTM
tile's name places it), its size and the SHA-256 of its contents.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from routeplanner._io import atomic_writer, clean_stale_temporaries, file_safe, sha256_file
from routeplanner.network.model import Network

__all__ = [
    "CACHE_FORMAT",
    "NPZ_HEADER",
    "cache_key",
    "cache_path",
    "content_digest",
    "load",
    "read_npz",
    "save",
    "write_npz",
]

log = logging.getLogger(__name__)

#: Layout of the cache file itself (the build's maths have their own version).
CACHE_FORMAT = 2
#: Name of the JSON header array in every .npz the cache writes.
NPZ_HEADER = "__header__"
_TEXT = frozenset({"edge_highway", "edge_name", "edge_surface", "edge_visibility"})
_ARRAYS = tuple(
    f.name for f in dataclasses.fields(Network) if f.name not in ("features", "meta", "_cache")
)


def cache_key(inputs: Sequence[str | os.PathLike[str]], settings: str) -> str:
    """Hash the build settings and every input's resolved path, name, size and contents.

    Parameters
    ----------
    inputs
        Input files in a fixed order (the OSM file, then the DEM tiles).
    settings
        Text form of everything else that changes the result (build settings
        and the build's format version).

    Returns
    -------
    str
        64 hex digits.
    """
    h = hashlib.sha256()
    h.update(f"cache{CACHE_FORMAT};{settings}".encode())
    for raw in inputs:
        p = Path(raw)
        real = p.resolve()
        h.update(f"\x1f{real}\x1f{p.name}\x1f{real.stat().st_size}\x1f".encode())
        h.update(sha256_file(real).encode())
    return h.hexdigest()


def cache_path(cache_dir: str | os.PathLike[str], name: str, key: str) -> Path:
    """Return the cache file of region ``name`` under ``key``."""
    return Path(cache_dir) / f"network-{file_safe(name)}-{key[:20]}.npz"


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


def content_digest(arrays: Mapping[str, np.ndarray], header: Mapping[str, Any]) -> str:
    """SHA-256 of every array (name, type, shape, bytes) and the header's contents.

    The header's ``features``, ``meta`` and ``info`` (what a file holds besides its
    arrays) are hashed as canonical JSON; its key, format and digest are not.
    """
    h = hashlib.sha256()
    for name in sorted(n for n in arrays if n != NPZ_HEADER):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"\x1f{name}\x1f{a.dtype.str}\x1f{a.shape}\x1f".encode())
        h.update(a.tobytes())
    extra = {k: header[k] for k in ("features", "meta", "info") if k in header}
    h.update(json.dumps(extra, sort_keys=True, default=_json_default).encode())
    return h.hexdigest()


def save(path: str | os.PathLike[str], net: Network, key: str) -> Path | None:
    """Write ``net`` to ``path`` atomically (a temporary renamed into place).

    A folder that cannot be written (read-only, full) costs only the speed-up:
    one warning, and None.

    Parameters
    ----------
    path
        The cache file (``.npz``).
    net
        The network.
    key
        Its cache key, checked on load.

    Returns
    -------
    Path or None
        ``path``, or None if it could not be written.
    """
    p = Path(path)
    arrays: dict[str, np.ndarray] = {}
    for name in _ARRAYS:
        a = np.asarray(getattr(net, name))
        arrays[name] = a.astype(str) if name in _TEXT else a
    header = {
        "format": CACHE_FORMAT,
        "key": key,
        "arrays": {n: [list(a.shape), a.dtype.str] for n, a in arrays.items()},
        "features": net.features,
        "meta": {k: v for k, v in net.meta.items() if k not in ("from_cache", "load_s")},
    }
    # Hash what a load will read back: the header after its JSON round trip.
    header = json.loads(json.dumps(header, default=_json_default))
    header["digest"] = content_digest(arrays, header)
    try:
        return write_npz(p, arrays, header)
    except OSError as exc:
        log.warning(
            "cannot write the network cache in %s (%s): the network is built in memory "
            "on every run",
            p.parent,
            exc.strerror or exc,
        )
        return None


def write_npz(path: Path, arrays: Mapping[str, np.ndarray], header: Mapping[str, Any]) -> Path:
    """Write ``arrays`` and a JSON ``header`` (as ``__header__``) to ``path``, atomically.

    The file is synced before it is renamed into place: a cache entry is whole or absent.
    """
    data = dict(arrays)
    text = json.dumps(header, default=_json_default).encode("utf-8")
    data[NPZ_HEADER] = np.frombuffer(text, dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_writer(path) as fh:
        np.savez(fh, **data)  # type: ignore[arg-type]
        fh.flush()
        os.fsync(fh.fileno())
    return path


def read_npz(path: Path) -> tuple[dict[str, np.ndarray], Any]:
    """Read what :func:`write_npz` wrote: ``(arrays, header)``, no pickle allowed.

    Raises
    ------
    OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError
        If the file is missing, damaged or not such a file.
    """
    with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    return arrays, json.loads(bytes(arrays.pop(NPZ_HEADER)).decode("utf-8"))


def _check_shapes(arrays: dict[str, np.ndarray], header: dict[str, Any]) -> str | None:
    """Return what is inconsistent in a loaded cache, or None."""
    listed = header.get("arrays", {})
    for name in _ARRAYS:
        if name not in arrays:
            return f"array {name} missing"
        a = arrays[name]
        if listed.get(name) != [list(a.shape), a.dtype.str] or a.ndim != 1:
            return f"array {name} is not as its header says"
    n_nodes, n_edges = len(arrays["node_lon"]), len(arrays["edge_u"])
    off = arrays["prof_offsets"]
    for name in _ARRAYS:
        want = {"node": n_nodes, "edge": n_edges}.get(name.split("_")[0])
        if name == "prof_offsets":
            want = n_edges + 1
        elif name.startswith("prof_"):
            want = int(off[-1]) if len(off) else 0
        if want is not None and len(arrays[name]) != want:
            return f"{name} has {len(arrays[name])} entries, expected {want}"
    if len(off) and (off[0] != 0 or np.any(np.diff(off) < 2)):
        return "profile offsets are not increasing"
    for end in ("edge_u", "edge_v"):
        v = arrays[end]
        if len(v) and (v.min() < 0 or v.max() >= n_nodes):
            return f"{end} names nodes that do not exist"
    return None


def _check_values(arrays: dict[str, np.ndarray]) -> str | None:
    """Return what is implausible in a cache's numbers (lengths, heights), or None.

    Every edge's length must be its profile's last distance, and every profile
    step the distance between its points (within 1 % and 0.5 m): a digest can be
    forged, the geometry cannot be without moving the points.
    """
    from routeplanner._geo import haversine_m

    length, dist, off = arrays["edge_length_m"], arrays["prof_dist"], arrays["prof_offsets"]
    for name in ("edge_length_m", "edge_ascent_m", "edge_descent_m", "prof_dist", "prof_ele"):
        if not np.all(np.isfinite(arrays[name])):
            return f"{name} holds values that are not finite"
    if len(length) and (length.min() <= 0 or np.any(arrays["edge_ascent_m"] < 0)):
        return "edge lengths or ascents are negative or zero"
    if len(length) and not np.allclose(length, dist[off[1:] - 1], rtol=1e-6, atol=0.01):
        return "edge lengths disagree with their profiles"
    step = np.diff(dist)
    straight = haversine_m(
        arrays["prof_lon"][:-1],
        arrays["prof_lat"][:-1],
        arrays["prof_lon"][1:],
        arrays["prof_lat"][1:],
    )
    inner = np.ones(len(step), dtype=bool)
    inner[off[1:-1] - 1] = False  # a step from one edge's last point to the next's first
    if np.any(np.abs(step - straight)[inner] > 0.01 * straight[inner] + 0.5):
        return "profile distances disagree with the points' positions"
    return None


def load(path: str | os.PathLike[str], key: str) -> Network | None:
    """Read a cached network; ``None`` (with a warning) if missing, damaged or stale.

    Parameters
    ----------
    path
        The cache file.
    key
        The key the network must have been saved under.

    Returns
    -------
    Network or None
    """
    p = Path(path)
    clean_stale_temporaries(p.parent)
    if not p.is_file():
        return None
    try:
        arrays, header = read_npz(p)
        if not isinstance(header, dict) or header.get("format") != CACHE_FORMAT:
            problem: str | None = "unknown format"
        elif header.get("key") != key:
            problem = "its key does not match the inputs"
        elif header.get("digest") != content_digest(arrays, header):
            problem = "its contents do not match their digest"
        else:
            problem = _check_shapes(arrays, header) or _check_values(arrays)
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, EOFError) as exc:
        problem = f"unreadable: {exc}"
    if problem is not None:
        log.warning("rebuilding the network: ignoring the cache %s (%s)", p.name, problem)
        return None
    fields: dict[str, Any] = {}
    for name in _ARRAYS:
        a = arrays[name]
        fields[name] = a.astype(object) if name in _TEXT else a
    meta = dict(header.get("meta") or {})
    if isinstance(meta.get("dem_bounds"), list):
        meta["dem_bounds"] = tuple(meta["dem_bounds"])
    return Network(**fields, features=list(header.get("features") or []), meta=meta)
