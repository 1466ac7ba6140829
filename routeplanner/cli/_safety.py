"""Command-line plumbing of the safety sheet: options, start time, region facts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from routeplanner._io import check_writable
from routeplanner.errors import DataError, InputError

__all__ = [
    "SAFETY_FILE",
    "SafetyRequest",
    "add_group_safety",
    "group_sheet",
    "safety_options",
    "safety_request",
    "safety_sheets",
]

SAFETY_FILE = "safety.txt"


def safety_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--safety``, ``--date`` and ``--start-time`` to a command."""
    opts = [
        click.option(
            "--safety",
            is_flag=True,
            help="Print a safety sheet (bail-outs, water, daylight, partner message); "
            "also marks the map and GPX and writes safety.txt beside the outputs.",
        ),
        click.option(
            "--date",
            "date_text",
            help="Day of the run, YYYY-MM-DD (default: the next 08:00 in the region's zone).",
        ),
        click.option("--start-time", "time_text", help="Start time, HH:MM (default 08:00)."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


@dataclass
class SafetyRequest:
    """The safety options of one run: on or off, the start, where safety.txt goes."""

    enabled: bool
    date_text: str | None
    time_text: str | None
    path: Path | None = None


def safety_request(
    *, enabled: bool, date_text: str | None, time_text: str | None, outs: dict[str, Path]
) -> SafetyRequest:
    """Check the safety options up front; with ``--safety``, place safety.txt beside outputs."""
    from zoneinfo import ZoneInfo

    from routeplanner.safety import parse_start

    parse_start(date_text, time_text, ZoneInfo("UTC"))  # bad texts fail before loading
    req = SafetyRequest(enabled=enabled, date_text=date_text, time_text=time_text)
    if enabled and outs:
        folder = next(iter(outs.values())).parent
        target = folder / SAFETY_FILE
        if any(p.resolve() == target.resolve() for p in outs.values()):
            raise InputError(f"an output is named {target}: that is where the safety sheet goes")
        req.path = check_writable(target)
    return req


def _region_facts(loaded: Any) -> tuple[str | None, str]:
    """Look up the catalog's time zone and emergency number of the loaded region."""
    from routeplanner.sources import regions

    try:
        region = regions.load_region(loaded.files.name)
    except (DataError, InputError):
        return None, "112"
    return region.timezone, region.emergency_number


def safety_sheets(
    routes: Sequence[Any],
    loaded: Any,
    req: SafetyRequest,
    *,
    title: str,
    outputs: Sequence[Path] = (),
    now: datetime | None = None,
) -> list[Any]:
    """Compute one safety sheet per route (reading the region's places once)."""
    from routeplanner.safety import parse_start, region_timezone, safety_sheet
    from routeplanner.sources.pois import read_pois

    if not routes:
        return []
    zone_name, number = _region_facts(loaded)
    first = routes[0]
    zone = region_timezone(zone_name, float(first.lon[0]), float(first.lat[0]))
    start = parse_start(req.date_text, req.time_text, zone, now=now)
    pois = read_pois(loaded.files.osm)
    names = [p.name for p in outputs]
    return [
        safety_sheet(
            r,
            loaded.net,
            pois,
            start=start,
            title=title if len(routes) == 1 else f"{title} ({r.name})",
            emergency_number=number,
            outputs=names,
        )
        for r in routes
    ]


def group_sheet(plan: Any, loaded: Any, *, outputs: tuple[str, ...] = ()) -> Any:
    """Compute a group run's safety sheet, with the region's emergency number."""
    from routeplanner.events.group_safety import group_safety_sheet
    from routeplanner.sources.pois import read_pois

    _zone, number = _region_facts(loaded)
    return group_safety_sheet(
        plan,
        loaded.net,
        read_pois(loaded.files.osm),
        emergency_number=number,
        outputs=outputs,
    )


def add_group_safety(data: dict[str, Any], sheet: Any) -> None:
    """Put the sheet into a group run's ``--json``: ``safety`` per group and for the event."""
    event = sheet.to_json()
    by_label = {g["group"]: g for g in event["groups"]}
    for item in data.get("groups", []):
        found = by_label.get(item.get("label"))
        if found is not None:
            item["safety"] = {k: v for k, v in found.items() if k != "group"}
    data["safety"] = event
