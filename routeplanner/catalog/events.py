"""The club's group runs in the catalogue: one page folder per event and one calendar feed.

Every ``*.toml`` event file of a folder (see ``docs/group-events.md``) is planned on its
region's network, exactly as ``routeplanner group`` does; its outputs go to
``events/<name>/`` and its calendar event into ``events.ics``, one feed members can
subscribe to.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from routeplanner.errors import InputError
from routeplanner.network.model import Network
from routeplanner.output.formats import Calendar, calendar_text

__all__ = ["event_files", "events_site_files", "merge_calendars"]


def event_files(folder: str | os.PathLike[str]) -> list[Path]:
    """List the event files of a folder, by name.

    Raises
    ------
    InputError
        If the folder does not exist or holds no ``.toml`` file.
    """
    p = Path(folder)
    if not p.is_dir():
        raise InputError(f"events folder not found: {p}")
    files = sorted(f for f in p.glob("*.toml") if f.is_file())
    if not files:
        raise InputError(f"no event files (*.toml) in {p}")
    return files


def merge_calendars(texts: Sequence[str], *, name: str) -> str:
    """One calendar holding every event (and each time zone once) of several calendars."""
    prodid = "-//routeplanner//club events//EN"
    return calendar_text(Calendar(merged=texts, prodid=prodid, name=name))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "event"


def _meeting_by_name(event: Any, net: Network, osm_for: Callable[[str | None], str] | None) -> Any:
    """Resolve an event's meeting point given by name in its region (as `group` does)."""
    from routeplanner.events.event import with_meeting_point
    from routeplanner.sources.places import resolve_point

    if osm_for is None:
        raise InputError(f"{event.source}: meeting point {event.meeting_name!r} needs a region")
    w, s, e, n = net.bbox
    pad = 0.01  # a meeting point just outside the network's ways is still in the region
    box = (w - pad, s - pad, e + pad, n + pad)
    here = resolve_point(event.meeting_name, osm_path=osm_for(event.region), bbox=box)
    return with_meeting_point(event, here.lon, here.lat, here.name)


def events_site_files(
    paths: Sequence[Path],
    network_for: Callable[[str | None], Network],
    *,
    title: str,
    offline: bool = False,
    osm_for: Callable[[str | None], str] | None = None,
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Plan every event and render its files under ``events/<name>/``.

    A meeting point given as a place name is looked up in the region's OSM file, as
    ``routeplanner group`` does.

    Parameters
    ----------
    paths
        Event files.
    network_for
        Returns the network of an event's region (``None``: the catalogue's first).
    title
        Name of the calendar feed.
    offline
        Make the event maps work offline.
    osm_for
        Returns the OSM file of an event's region, for meeting points given by name.

    Returns
    -------
    files : dict of str to str
        Relative name to text, ``events.ics`` included.
    events : list of dict
        Per event: title, start, folder and whether every group is within tolerance.
    """
    from routeplanner.events.event import load_event
    from routeplanner.events.plan import plan_group_run
    from routeplanner.output import bundle

    files: dict[str, str] = {}
    events = []
    calendars = []
    for path in paths:
        event = load_event(path)
        net = network_for(event.region)
        if event.meeting_name:
            event = _meeting_by_name(event, net, osm_for)
        plan = plan_group_run(net, event)
        folder = f"events/{_slug(path.stem)}"
        for name, text in bundle.group_files(plan, net, None, offline=offline).items():
            files[f"{folder}/{name}"] = str(text)
        calendars.append(files[f"{folder}/{bundle.GROUP_ICS_FILE}"])
        events.append(
            {
                "title": event.title,
                "start": event.start.isoformat(),
                "folder": folder,
                "all_within_tolerance": all(r.within_tolerance for r in plan.results),
            }
        )
    files["events.ics"] = merge_calendars(calendars, name=title)
    return files, events
