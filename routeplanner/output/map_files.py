"""Maps as files: standalone HTML pages, size budgets, atomic saving and an index page."""

from __future__ import annotations

import copy
import logging
import os
import posixpath
from collections.abc import Sequence
from urllib.parse import quote

from routeplanner import __version__
from routeplanner._io import write_checked
from routeplanner.errors import InputError, RoutePlannerError
from routeplanner.output._folium import folium
from routeplanner.output._map_assets import (
    esc,
    external_loads,
)

__all__ = [
    "SIZE_BUDGET_OFFLINE_BYTES",
    "SIZE_BUDGET_ONLINE_BYTES",
    "index_page",
    "map_html",
    "map_page",
    "map_size_bytes",
    "save_map",
    "write_index",
]

log = logging.getLogger(__name__)


#: A map meant for sharing in a chat should stay below these sizes.
SIZE_BUDGET_ONLINE_BYTES = 2_000_000


SIZE_BUDGET_OFFLINE_BYTES = 5_000_000


def map_html(m: folium.Map) -> str:
    """Render a map to the HTML text of a standalone page.

    Folium's rendering changes the map (each render appends "addTo" calls), so a
    copy is rendered: the same map gives the same page every time.
    """
    return copy.deepcopy(m.get_root()).render()


def map_size_bytes(m: folium.Map) -> int:
    """Size in bytes of the map's HTML file (UTF-8), without writing it."""
    return len(map_html(m).encode("utf-8"))


def save_map(m: folium.Map, path: str | os.PathLike[str], *, offline: bool | None = None) -> int:
    """Write a map to an HTML file atomically and return its size in bytes.

    Parameters
    ----------
    m
        A map from :func:`route_map` or :func:`network_map`.
    path
        Output file.
    offline
        ``None`` saves the map as built; ``True`` insists that it was built
        with ``offline=True``. An offline map is always checked to load
        nothing from the network.

    Returns
    -------
    int
        Bytes written (:func:`routeplanner._io.write_checked`: InputError if the path
        is not writable, or if ``offline`` is asked of an online map).
    """
    out = write_checked(path, lambda target: map_page(m, offline=offline, name=target.name))
    return out.stat().st_size


def map_page(m: folium.Map, *, offline: bool | None = None, name: str = "map") -> str:
    """Render a map as :func:`save_map` writes it: offline maps checked, size budget warned.

    Raises
    ------
    InputError
        If ``offline`` is asked of a map built online.
    RoutePlannerError
        If an offline map would load anything from the network.
    """
    built_offline = bool(getattr(m, "offline", False))
    if offline and not built_offline:
        raise InputError(f"map for {name} was built online: build it with offline=True")
    page = map_html(m)
    if built_offline:
        loads = external_loads(page)
        if loads:
            raise RoutePlannerError(f"offline map would load from the network: {loads[0]!r}")
    data = page.encode("utf-8")
    budget = SIZE_BUDGET_OFFLINE_BYTES if built_offline else SIZE_BUDGET_ONLINE_BYTES
    if len(data) > budget:
        log.warning(
            "map %s is %.1f MB, over the %.0f MB budget for sharing",
            name,
            len(data) / 1e6,
            budget / 1e6,
        )
    return page


def write_index(path: str | os.PathLike[str], entries: Sequence[tuple[str, str, str]]) -> int:
    """Write an HTML index page linking maps in the same folder.

    Parameters
    ----------
    path
        Output file, e.g. ``maps/index.html``.
    entries
        ``(title, filename, one-line description)``; filenames are relative to
        the index (no ``..``, no absolute paths, no URL schemes).

    Returns
    -------
    int
        Bytes written (:func:`routeplanner._io.write_checked`: InputError if the path
        is not writable, or if a filename is absolute or climbs out of the folder).
    """
    return write_checked(path, lambda _target: index_page(entries)).stat().st_size


def index_page(entries: Sequence[tuple[str, str, str]]) -> str:
    """Give the index page of :func:`write_index` (InputError on an unsafe filename)."""
    items = []
    for title, filename, description in entries:
        name = str(filename).replace("\\", "/")
        norm = posixpath.normpath(name)
        if not name or name.startswith("/") or norm.startswith("..") or ":" in name:
            raise InputError(f"index entry filename must be a relative path, got {filename!r}")
        items.append(
            f'<li><a href="{esc(quote(norm))}">{esc(title)}</a>'
            f'<span class="d">{esc(description)}</span></li>'
        )
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>routeplanner maps</title><style>"
        "body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
        "max-width:760px;margin:2em auto;padding:0 1em;color:#1d1d1d}"
        "h1{font-size:1.5em}ul{padding:0;list-style:none}li{margin:.7em 0}"
        "a{font-weight:600;color:#1565c0}.d{display:block;color:#555}"
        "</style></head><body><h1>routeplanner maps</h1>"
        f"<ul>{''.join(items)}</ul>"
        f'<p class="d">Made with routeplanner {esc(__version__)}. Map data © OpenStreetMap '
        "contributors.</p></body></html>\n"
    )
    return page
