"""Derived data cached beside a cached network, keyed like it: plain arrays, nothing runs code.

Some results are slow to recompute on every run over the same network and
depend only on the network's input files: the places and forest a safety sheet
needs (a pass over the OSM file), and the DEM overlays and network lines of a
map.  They are cached in the network's cache folder, one ``.npz`` file per
entry, read with ``allow_pickle=False``, next to the network's own cache file
(see :mod:`routeplanner.network.cache`):

``safety-<region>-<key>.npz``
    The places of :func:`routeplanner.sources.pois.read_pois` (as JSON) with
    their forest polygons (as WKB) and which network profile points lie in forest.
``overlay-<region>-<key>-<params>.npz``
    Bytes of a map layer for one map area: the DEM overlays' PNGs or the network
    lines' data (see :func:`routeplanner.output.maps.route_map`).

Every file holds ``__header__``, UTF-8 JSON bytes with the format, the kind of
entry, the network's full cache key, the entry's parameters and a SHA-256 of
the arrays and of the header's information (the places); on load they must all
match, or the file is ignored with a warning and the caller recomputes (and
replaces it).  Writes go to a short temporary
renamed into place; a failed write only loses the speed-up.  Overlay entries of
a region beyond :data:`MAX_OVERLAYS` are removed oldest first (only files named
as this module names them).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from routeplanner._io import file_safe
from routeplanner.network.cache import NPZ_HEADER, content_digest, read_npz, write_npz

if TYPE_CHECKING:
    from routeplanner.network.model import Network
    from routeplanner.sources.pois import Pois

__all__ = [
    "MAX_OVERLAYS",
    "SIDECAR_FORMAT",
    "Sidecar",
    "load_safety_data",
    "save_safety_data",
]

log = logging.getLogger(__name__)

#: Layout of a sidecar file (bump when an entry's contents change meaning).
SIDECAR_FORMAT = 2
#: Overlay entries kept per region (each is one map area's PNGs or network lines,
#: up to a few hundred kB).
MAX_OVERLAYS = 64
_KINDS = frozenset({"safety", "overlay", "basemap"})
_POI_GROUPS = ("water", "shelters", "peaks", "passes", "villages", "lifts")


@dataclass(frozen=True)
class Sidecar:
    """Where the derived data of one cached network lives.

    Attributes
    ----------
    folder : Path
        The network cache folder.
    name : str
        The region's name (as in the network's cache file).
    key : str
        The network's cache key (64 hex digits).
    """

    folder: Path
    name: str
    key: str

    @classmethod
    def of(cls, net: Network, cache_dir: str | os.PathLike[str] | None) -> Sidecar | None:
        """Return the sidecar of a network loaded with a cache, or None (no caching).

        Parameters
        ----------
        net
            From :func:`~routeplanner.network.build.load_network`, whose
            ``meta["cache_key"]`` names the cached network.
        cache_dir
            The cache folder it was loaded with (None: the cache is off).
        """
        key = net.meta.get("cache_key")
        if cache_dir is None or not isinstance(key, str) or not re.fullmatch(r"[0-9a-f]{64}", key):
            return None
        return cls(Path(cache_dir), str(net.meta.get("region") or "region"), key)

    def _stem(self, kind: str) -> str:
        return f"{kind}-{file_safe(self.name)}-{self.key[:20]}"

    def path(self, kind: str, params: str = "") -> Path:
        """Return the file of entry ``kind`` (``safety`` or ``overlay``) with ``params``."""
        if kind not in _KINDS:
            raise ValueError(f"unknown sidecar kind {kind!r}")
        tail = f"-{hashlib.sha256(params.encode()).hexdigest()[:16]}" if params else ""
        return self.folder / f"{self._stem(kind)}{tail}.npz"

    def load(
        self, kind: str, params: str = ""
    ) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
        """Read an entry: ``(info, arrays)``, or None if missing, damaged or stale.

        Parameters
        ----------
        kind
            ``safety`` or ``overlay``.
        params
            Text form of everything else the entry depends on; must equal the
            text it was saved with.
        """
        p = self.path(kind, params)
        if not p.is_file():
            return None
        try:
            arrays, header = read_npz(p)
            want = {"format": SIDECAR_FORMAT, "kind": kind, "key": self.key, "params": params}
            if not isinstance(header, dict) or any(header.get(k) != v for k, v in want.items()):
                problem: str | None = "it was made for other inputs or by another version"
            elif not isinstance(header.get("info", {}), dict):
                problem = "its header is damaged"
            elif header.get("digest") != content_digest(arrays, header):
                problem = "its contents do not match their digest"
            else:
                problem = None
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, EOFError) as exc:
            problem = f"unreadable: {exc}"
        if problem is not None:
            log.warning("ignoring the cached %s data %s (%s)", kind, p.name, problem)
            return None
        return dict(header.get("info", {})), arrays

    def save(
        self,
        kind: str,
        arrays: Mapping[str, np.ndarray],
        *,
        info: Mapping[str, Any] | None = None,
        params: str = "",
    ) -> Path | None:
        """Write an entry atomically; on failure log it and return None (the run goes on).

        Parameters
        ----------
        kind
            ``safety`` or ``overlay``.
        arrays
            Plain numeric arrays (no objects).
        info
            JSON-able values stored in the header.
        params
            As for :meth:`load`.
        """
        p = self.path(kind, params)
        data = {n: np.asarray(a) for n, a in arrays.items()}
        if any(a.dtype.hasobject for a in data.values()) or NPZ_HEADER in data:
            raise ValueError("sidecar arrays must be plain numbers, named other than __header__")
        header = {
            "format": SIDECAR_FORMAT,
            "kind": kind,
            "key": self.key,
            "params": params,
            "info": json.loads(json.dumps(dict(info or {}))),
        }
        header["digest"] = content_digest(data, header)  # the places in info too
        try:
            write_npz(p, data, header)
        except OSError as exc:
            log.warning("could not cache %s data in %s (%s)", kind, p.parent, exc)
            return None
        if kind == "overlay":
            self._prune(kind, keep=MAX_OVERLAYS, spare=p)
        return p

    def _prune(self, kind: str, *, keep: int, spare: Path) -> None:
        """Remove this region's oldest ``kind`` entries beyond ``keep`` (never ``spare``)."""
        stem = re.escape(f"{kind}-{file_safe(self.name)}-")
        pattern = re.compile(rf"{stem}[0-9a-f]{{20}}-[0-9a-f]{{16}}\.npz")
        found = []
        for entry in os.scandir(self.folder):
            if pattern.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                found.append((entry.stat().st_mtime_ns, Path(entry.path)))
        found.sort(reverse=True)
        for _mtime, old in found[keep:]:
            if old != spare:
                old.unlink(missing_ok=True)


# -- the safety sheet's places and forest ---------------------------------------------


def save_safety_data(side: Sidecar, pois: Pois, forest_mask: np.ndarray) -> Path | None:
    """Cache the places read from the OSM file and the network's forest mask.

    Parameters
    ----------
    side
        The network's sidecar.
    pois
        From :func:`routeplanner.sources.pois.read_pois` on the network's OSM file.
    forest_mask
        Whether each network profile point lies in forest
        (:func:`routeplanner.sources.forest.points_in_forest`).

    Returns
    -------
    Path or None
        The file, or None if it could not be written.
    """
    import shapely

    groups = {
        g: [[p.kind, p.name, p.lon, p.lat, p.ele_m, p.osm_id] for p in getattr(pois, g)]
        for g in _POI_GROUPS
    }
    wkb: list[bytes] = [shapely.to_wkb(g) for g in pois.forest]
    arrays: dict[str, np.ndarray] = {
        "forest_wkb": np.frombuffer(b"".join(wkb), dtype=np.uint8),
        "forest_offsets": np.cumsum([0, *map(len, wkb)], dtype=np.int64),
        "forest_mask": np.asarray(forest_mask, dtype=bool),
    }
    return side.save("safety", arrays, info={"source": pois.source, "groups": groups})


def load_safety_data(side: Sidecar, net: Network) -> tuple[Pois, np.ndarray] | None:
    """Read what :func:`save_safety_data` cached: ``(pois, forest_mask)``, or None.

    An entry whose mask does not fit ``net`` is ignored (None).
    """
    import shapely

    from routeplanner.sources.pois import Poi, Pois

    entry = side.load("safety")
    if entry is None:
        return None
    info, arrays = entry
    try:
        mask = arrays["forest_mask"]
        offsets = arrays["forest_offsets"]
        blob = arrays["forest_wkb"].tobytes()
        if mask.dtype != np.bool_ or mask.shape != net.prof_lon.shape:
            raise ValueError("forest mask does not fit the network")
        if offsets.ndim != 1 or len(offsets) < 1 or int(offsets[-1]) != len(blob):
            raise ValueError("forest offsets do not fit the polygons")
        forest = tuple(shapely.from_wkb(blob[a:b]) for a, b in pairwise(offsets.tolist()))
        groups = {
            g: tuple(
                Poi(str(k), str(n), float(lon), float(lat), None if e is None else float(e), str(i))
                for k, n, lon, lat, e, i in info["groups"][g]
            )
            for g in _POI_GROUPS
        }
        pois = Pois(**groups, forest=forest, source=str(info["source"]))
    except (KeyError, TypeError, ValueError, shapely.errors.GEOSException) as exc:
        log.warning("ignoring the cached safety data %s (%s)", side.path("safety").name, exc)
        return None
    return pois, mask
