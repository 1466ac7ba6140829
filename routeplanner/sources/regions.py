"""Named regions and where their data files are: catalog, data folders, downloads.

A region is either a catalog entry, ``data/regions/<name>.toml`` in the
repository, naming the OSM extract and DEM tiles it needs relative to a data
folder, or an explicit pair of OSM and DEM files. :func:`resolve_region` turns
either into paths of existing files, downloading missing catalog files when
asked to.

Data folders are searched in order: the ``--data-dir`` given, then
``$ROUTEPLANNER_DATA_DIR`` (several joined by ``os.pathsep``), ``./data`` and
the repository's ``data/``. In each, a file is looked for at ``<dir>/<name>``
and at ``<dir>/downloads/<name>``, where downloads are stored.
"""

from __future__ import annotations

import difflib
import functools
import logging
import os
import re
import stat
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routeplanner import data as package_data
from routeplanner.errors import DataError, InputError
from routeplanner.sources.integrity import verify_sha256

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "DEFAULT_CATALOG_DIR",
    "OSM_ATTRIBUTION",
    "REPO_DIR",
    "Region",
    "RegionFile",
    "RegionFiles",
    "cache_dir",
    "data_dirs",
    "list_regions",
    "load_region",
    "resolve_region",
]

log = logging.getLogger(__name__)


def _source_tree() -> Path | None:
    """Give the checkout this package runs from, or None when it is installed (a wheel)."""
    root = Path(__file__).resolve().parents[2]
    return (
        root if (root / "pyproject.toml").is_file() and (root / "routeplanner").is_dir() else None
    )


#: The source checkout (its ``data/`` is a data folder), None for an installed package.
REPO_DIR = _source_tree()
DEFAULT_CATALOG_DIR = package_data.catalog_dir()
OSM_ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
#: Subfolder of a data folder that downloads go to (ignored by git in the repo).
DOWNLOADS = "downloads"

_HINT = "(use --data-dir, set ROUTEPLANNER_DATA_DIR, or pass --online to download)"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class RegionFile:
    """One data file of a catalog region.

    Attributes
    ----------
    name : str
        Path inside a data folder, e.g. ``"andorra/andorra.osm.pbf"``.
    sha256 : str or None
        SHA-256 of the reference copy of ``name`` (the shared sample file).
    url : str or None
        Public address to download the data from when it is missing.
    url_sha256 : str or None
        SHA-256 of what ``url`` serves, when that is stable; downloads are verified
        against it. None when the server's file changes (daily extracts).
    download_name : str or None
        Where a download from ``url`` is stored, when it is not the same file as
        ``name`` (a newer extract, a ``.hgt.gz`` instead of a ``.hgt.zip``).
    """

    name: str
    sha256: str | None
    url: str | None
    url_sha256: str | None = None
    download_name: str | None = None

    @property
    def stored_as(self) -> str:
        """Path inside a data folder where a download from ``url`` is stored."""
        return self.download_name or self.name


@dataclass(frozen=True)
class Region:
    """A catalog region.

    Attributes
    ----------
    name : str
        Short name, the catalog file's stem.
    title : str
        Human-readable name.
    bbox : tuple of float
        ``(west, south, east, north)`` in degrees.
    osm : tuple of RegionFile
        OSM extracts in order of preference; the first one found is used.
    dem : tuple of RegionFile
        DEM tiles; all are needed.
    attribution : tuple of str
        Credits that maps and exports of this region must show.
    timezone : str or None
        IANA time zone of the region (``timezone``), for start times and sun times.
    emergency_number : str
        Number to call in an emergency (``emergency_number``; 112 across Europe).
    """

    name: str
    title: str
    bbox: tuple[float, float, float, float]
    osm: tuple[RegionFile, ...]
    dem: tuple[RegionFile, ...]
    attribution: tuple[str, ...]
    timezone: str | None = None
    emergency_number: str = "112"


@dataclass(frozen=True)
class RegionFiles:
    """Existing files for one run.

    Attributes
    ----------
    osm : Path
        The OSM extract.
    dem : tuple of Path
        The DEM rasters.
    attribution : tuple of str
        Credits to show.
    name : str
        Region name, or ``"custom"`` for explicit files.
    bbox : tuple of float or None
        The catalog's ``(west, south, east, north)``; None for explicit files.
    """

    osm: Path
    dem: tuple[Path, ...]
    attribution: tuple[str, ...]
    name: str
    bbox: tuple[float, float, float, float] | None


# --- catalog ---------------------------------------------------------------------------


def _catalog(path: str | Path | None) -> Path:
    """Return the catalog folder: ``path``, ``$ROUTEPLANNER_CATALOG_DIR`` or the repository's."""
    if path is not None:
        return Path(path)
    env = os.environ.get("ROUTEPLANNER_CATALOG_DIR")
    return Path(env) if env else DEFAULT_CATALOG_DIR


def list_regions(catalog_dir: Path | None = None) -> list[Region]:
    """All regions in the catalog, sorted by name.

    Parameters
    ----------
    catalog_dir
        Catalog folder; defaults to ``$ROUTEPLANNER_CATALOG_DIR`` or the
        repository's ``data/regions``.

    Returns
    -------
    list of Region
        Empty if the folder does not exist.

    Raises
    ------
    DataError
        If a catalog file is malformed.
    """
    folder = _catalog(catalog_dir)
    if not folder.is_dir():
        return []
    return [_read_region(path) for path in sorted(folder.glob("*.toml"))]


def load_region(name: str, *, catalog_dir: Path | None = None) -> Region:
    """Return the catalog region called ``name``.

    Parameters
    ----------
    name
        Region name, e.g. ``"andorra"`` (case does not matter).
    catalog_dir
        Catalog folder; defaults to ``$ROUTEPLANNER_CATALOG_DIR`` or the
        repository's ``data/regions``.

    Returns
    -------
    Region

    Raises
    ------
    InputError
        If there is no such region (the message suggests close names).
    DataError
        If its catalog file is malformed.
    """
    folder = _catalog(catalog_dir)
    key = name.strip().lower()  # "Andorra" on the command line means andorra
    path = folder / f"{key}.toml"
    if _NAME_RE.match(key) and path.is_file():
        return _read_region(path)
    if not folder.is_dir():
        where = (
            "ROUTEPLANNER_CATALOG_DIR "
            if catalog_dir is None and folder != DEFAULT_CATALOG_DIR
            else ""
        )
        raise InputError(
            f"unknown region {name!r}: the region catalog folder {where}{folder} does not exist "
            "(set ROUTEPLANNER_CATALOG_DIR to a folder of region .toml files, or unset it)"
        )
    known = sorted(p.stem for p in folder.glob("*.toml"))
    close = difflib.get_close_matches(name.lower(), known, n=3, cutoff=0.6)
    hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    raise InputError(f"unknown region {name!r}{hint}; known regions: {', '.join(known) or 'none'}")


def _read_region(path: Path) -> Region:
    """Read a catalog file, kept while it is unchanged (a server's every answer asks)."""
    try:
        st = path.stat()
    except OSError:
        return _parse_region(path, -1, -1)  # (which says why it cannot be read)
    return _parse_region(path, st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=64)
def _parse_region(path: Path, mtime_ns: int, size: int) -> Region:
    """Parse and check a catalog file (``mtime_ns`` and ``size`` key the kept copies)."""
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, ValueError) as exc:  # ValueError: also an int over the digit limit
        raise DataError(f"cannot read region catalog {path}: {' '.join(str(exc).split())}") from exc

    def bad(what: str) -> DataError:
        return DataError(f"bad region catalog {path}: {what}")

    name = raw.get("name")
    if name != path.stem:
        raise bad(f"name {name!r} must equal the file name {path.stem!r}")
    title = raw.get("title", name)
    if not isinstance(title, str):
        raise bad(f"title must be a string, got {title!r}")
    from routeplanner._geo import check_bbox

    try:
        bbox = check_bbox(raw.get("bbox", ()))
    except InputError as exc:
        raise bad(str(exc)) from exc
    attribution = raw.get("attribution", [])
    if not isinstance(attribution, list) or not all(isinstance(a, str) for a in attribution):
        raise bad(f"attribution must be a list of strings, got {attribution!r}")
    osm = _read_files(raw.get("osm"), "osm", bad)
    dem = _read_files(raw.get("dem"), "dem", bad)
    zone = raw.get("timezone")
    if zone is not None and not isinstance(zone, str):
        raise bad(f"timezone must be a string such as 'Europe/Andorra', got {zone!r}")
    number = raw.get("emergency_number", "112")
    if not isinstance(number, str) or not number.strip():
        raise bad(f"emergency_number must be a string such as '112', got {number!r}")
    return Region(
        name=name,
        title=title,
        bbox=bbox,
        osm=osm,
        dem=dem,
        attribution=tuple(attribution),
        timezone=zone,
        emergency_number=number.strip(),
    )


def _read_files(entries: Any, key: str, bad: Callable[[str], DataError]) -> tuple[RegionFile, ...]:
    if not isinstance(entries, list) or not entries:
        raise bad(f"[[{key}]] needs at least one file entry")
    files = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise bad(f"[[{key}]] entries must be tables, got {entry!r}")
        unknown = set(entry) - {"name", "sha256", "url", "url_sha256", "download_name"}
        if unknown:
            raise bad(f"[[{key}]] has unknown keys {sorted(unknown)}")
        for field in ("name", "download_name"):
            value = entry.get(field)
            if value is None and field == "download_name":
                continue
            if not isinstance(value, str) or not _is_relative(value):
                raise bad(
                    f"[[{key}]] {field} must be a relative path inside the data dir: {value!r}"
                )
        for field in ("sha256", "url_sha256"):
            value = entry.get(field)
            if value is not None and not (isinstance(value, str) and _SHA_RE.match(value.lower())):
                raise bad(f"[[{key}]] {field} must be 64 hex digits: {value!r}")
        url = entry.get("url")
        if url is not None and not (
            isinstance(url, str) and url.startswith(("http://", "https://"))
        ):
            raise bad(f"[[{key}]] url must be http(s): {url!r}")
        files.append(
            RegionFile(
                name=entry["name"],
                sha256=entry["sha256"].lower() if entry.get("sha256") else None,
                url=url,
                url_sha256=entry["url_sha256"].lower() if entry.get("url_sha256") else None,
                download_name=entry.get("download_name"),
            )
        )
    return tuple(files)


def _is_relative(name: str) -> bool:
    path = Path(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts


# --- data and cache folders ------------------------------------------------------------


def data_dirs(data_dir: str | Path | None = None) -> list[Path]:
    """Return data folders to search, most preferred first, without duplicates.

    Parameters
    ----------
    data_dir
        Folder given by the user (``--data-dir``), searched first.

    Returns
    -------
    list of Path
        Absolute paths: ``data_dir``, ``$ROUTEPLANNER_DATA_DIR`` (several may be
        joined with ``os.pathsep``), ``./data``, the repository's ``data/``. They
        need not exist.
    """
    candidates: list[Path] = []
    if data_dir is not None:
        candidates.append(Path(data_dir))
    env = os.environ.get("ROUTEPLANNER_DATA_DIR", "")
    candidates.extend(Path(p) for p in env.split(os.pathsep) if p)
    candidates.append(Path.cwd() / "data")
    if REPO_DIR is not None:
        candidates.append(REPO_DIR / "data")
    result: list[Path] = []
    for candidate in candidates:
        path = candidate.expanduser().resolve()
        if path not in result:
            result.append(path)
    return result


def _is_writable_dir(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    # access() says yes to root even for folders made read-only on purpose (the shared
    # sample data), so the mode's write bits are required too.
    return stat.S_ISDIR(mode) and bool(mode & 0o222) and os.access(path, os.W_OK | os.X_OK)


def _writable_data_dir(dirs: Sequence[Path]) -> Path | None:
    return next((d for d in dirs if _is_writable_dir(d)), None)


def cache_dir(data_dir: str | Path | None = None) -> Path:
    """Folder for derived caches (built networks, osmnx answers), created on demand.

    Parameters
    ----------
    data_dir
        Folder given by the user, see :func:`data_dirs`.

    Returns
    -------
    Path
        ``$ROUTEPLANNER_CACHE_DIR``, else ``cache/`` in the first writable data
        folder, else ``routeplanner`` in ``$XDG_CACHE_HOME`` or ``~/.cache``.

    Raises
    ------
    DataError
        If the folder cannot be created.
    """
    env = os.environ.get("ROUTEPLANNER_CACHE_DIR")
    if env:
        path = Path(env).expanduser()
    else:
        writable = _writable_data_dir(data_dirs(data_dir))
        if writable is not None:
            path = writable / "cache"
        else:
            base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
            path = Path(base) / "routeplanner"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create cache folder {path}: {exc.strerror or exc}") from exc
    return path


def usable_cache_dir(data_dir: str | Path | None = None) -> Path | None:
    """:func:`cache_dir`, or None with one warning if it cannot be made (a read-only disk).

    Nothing is cached then: networks are built in memory on every run.
    """
    try:
        return cache_dir(data_dir)
    except DataError as exc:
        log.warning("%s: networks are built in memory on every run", exc)
        return None


# --- resolving a region to files -------------------------------------------------------


def _candidates(file: RegionFile, dirs: Sequence[Path]) -> list[Path]:
    names = [file.name] if file.download_name in (None, file.name) else [file.name, file.stored_as]
    return [base / name for d in dirs for base in (d, d / DOWNLOADS) for name in names]


def _first_existing(paths: Sequence[Path]) -> Path | None:
    return next((p for p in paths if p.is_file()), None)


def _missing_message(names: Sequence[str], searched: Sequence[Path]) -> str:
    what = names[0] + (f" (or {', '.join(names[1:])})" if len(names) > 1 else "")
    return f"missing {what}: searched {', '.join(str(p) for p in searched)}"


def _download_target(dirs: Sequence[Path]) -> Path:
    target = _writable_data_dir(dirs)
    if target is None:
        raise DataError(
            f"no writable data folder to download into: tried {', '.join(map(str, dirs))} "
            "(create one or set ROUTEPLANNER_DATA_DIR)"
        )
    return target / DOWNLOADS


class MissingInputFile(DataError, InputError):
    """A file the user named does not exist or is not a file (bad input: exit 2)."""


def _existing_file(path: str | Path, what: str) -> Path:
    p = Path(path).expanduser()
    if not p.exists():
        raise MissingInputFile(f"{what} file not found: {p}")
    if not p.is_file():
        raise MissingInputFile(f"{what} path is not a file: {p}")
    return p.resolve()


def resolve_region(
    name: str | None = None,
    *,
    osm: str | Path | None = None,
    dem: Sequence[str | Path] = (),
    data_dir: str | Path | None = None,
    online: bool = False,
    progress: Callable[[int, int], None] | None = None,
    catalog_dir: Path | None = None,
    verify: bool = True,
) -> RegionFiles:
    """Find (or download) the files of a catalog region, or check explicit files.

    Parameters
    ----------
    name
        Catalog region name. Give either this or ``osm`` and ``dem``.
    osm
        Explicit OSM file.
    dem
        Explicit DEM files (one or more).
    data_dir
        Folder searched first for catalog files, see :func:`data_dirs`.
    online
        Download missing catalog files from their URLs into ``downloads/`` of the
        first writable data folder, verifying pinned SHA-256 digests.
    progress
        Called as ``progress(done_bytes, total_bytes)`` during downloads.
    catalog_dir
        Catalog folder; defaults to ``$ROUTEPLANNER_CATALOG_DIR`` or the
        repository's ``data/regions``.
    verify
        Check catalog files found on disk against their pinned SHA-256 (once
        per size and modification time, see :mod:`routeplanner.sources.integrity`).

    Returns
    -------
    RegionFiles

    Raises
    ------
    InputError
        If both or neither of a name and explicit files are given, or the name is
        not in the catalog.
    DataError
        If a file is missing (for catalog files the message lists every path
        searched) or does not match its pinned SHA-256.
    DownloadError
        If ``online`` and a download fails.
    """
    if isinstance(dem, (str, Path)):
        dem = [dem]
    if name is not None:
        if osm is not None or dem:
            raise InputError(f"give either region {name!r} or --osm/--dem files, not both")
        files = _resolve_named(name, data_dir, online, progress, catalog_dir)
        if verify:
            _verify(load_region(name, catalog_dir=catalog_dir), files, data_dir)
        return files
    if osm is None or not dem:
        raise InputError("no region given: name a catalog region, or give both --osm and --dem")
    return RegionFiles(
        osm=_existing_file(osm, "OSM"),
        dem=tuple(_existing_file(p, "DEM") for p in dem),
        attribution=(OSM_ATTRIBUTION,),
        name="custom",
        bbox=None,
    )


def _verify(region: Region, files: RegionFiles, data_dir: str | Path | None) -> None:
    """Check every found catalog file that has a pinned digest."""
    try:
        record_dir: Path | None = cache_dir(data_dir)
    except DataError:
        record_dir = None
    for entries, path in ((region.osm, files.osm), *((region.dem, p) for p in files.dem)):
        for f in entries:
            if path.name == Path(f.name).name and f.sha256:
                verify_sha256(path, f.sha256, record_dir=record_dir)
            elif path.name == Path(f.stored_as).name and f.url_sha256:
                verify_sha256(path, f.url_sha256, record_dir=record_dir)


def _resolve_named(
    name: str,
    data_dir: str | Path | None,
    online: bool,
    progress: Callable[[int, int], None] | None,
    catalog: Path | None,
) -> RegionFiles:
    region = load_region(name, catalog_dir=catalog)
    dirs = data_dirs(data_dir)
    problems: list[str] = []

    osm_searched = [p for f in region.osm for p in _candidates(f, dirs)]
    osm_path = _reuse(_first_existing(osm_searched), region.osm, dirs, online, progress)
    if osm_path is None and online:
        source = next((f for f in region.osm if f.url), None)
        if source is None:
            problems.append(_missing_message([f.name for f in region.osm], osm_searched))
        else:
            osm_path = _fetch(source, dirs, progress)
    elif osm_path is None:
        problems.append(_missing_message([f.name for f in region.osm], osm_searched))

    dem_paths: list[Path] = []
    for tile in region.dem:
        searched = _candidates(tile, dirs)
        found = _reuse(_first_existing(searched), [tile], dirs, online, progress)
        if found is None and online and tile.url:
            found = _fetch(tile, dirs, progress)
        if found is None:
            problems.append(_missing_message([tile.name], searched))
        else:
            dem_paths.append(found)

    if problems or osm_path is None:
        hint = "(no download URL in the catalog)" if online else _HINT
        raise DataError(f"region {name!r}: {'; '.join(problems)} {hint}")
    log.info("region %s: osm %s, dem %s", name, osm_path, ", ".join(map(str, dem_paths)))
    return RegionFiles(
        osm=osm_path,
        dem=tuple(dem_paths),
        attribution=region.attribution,
        name=region.name,
        bbox=region.bbox,
    )


def _reuse(
    found: Path | None,
    files: Sequence[RegionFile],
    dirs: Sequence[Path],
    online: bool,
    progress: Callable[[int, int], None] | None,
) -> Path | None:
    """``found``, verified again (and fetched again if bad) when it is an earlier download."""
    if found is None or not online:
        return found
    source = next(
        (f for f in files if f.url and any(found == d / DOWNLOADS / f.stored_as for d in dirs)),
        None,
    )
    return found if source is None else _fetch(source, dirs, progress, found)


def _fetch(
    file: RegionFile,
    dirs: Sequence[Path],
    progress: Callable[[int, int], None] | None,
    dest: Path | None = None,
) -> Path:
    """Download ``file`` (to ``dest`` or the download folder), or reuse a copy that checks out."""
    url = str(file.url)
    dest = dest or _download_target(dirs) / file.stored_as
    log.debug("fetching %s to %s", url, dest)
    # (requests and rasterio, only when online)
    from routeplanner.sources.download import download
    from routeplanner.sources.verify import check_for

    # A pinned digest says all; without one, the content is checked.
    check = None if file.url_sha256 else check_for(file.stored_as)
    return download(url, dest, sha256=file.url_sha256, progress=progress, check=check)
