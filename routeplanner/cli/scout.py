"""`routeplanner scout`: a summer trip on foot to see one or several ski lines."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from datetime import date
from typing import Any

import click

from routeplanner import pace
from routeplanner.cli._common import (
    Ctx,
    _echo_json,
    _load,
    _outputs,
    _profile,
    _region_options,
    _runner_options,
    _status,
    _Writer,
    cli,
    log,
)
from routeplanner.cli.lines import _dem_for
from routeplanner.errors import InputError

EXIT_MISSED = 3  # plan written, but it misses the brief

__all__ = ["parse_date", "parse_tz", "resolve_lines", "scout_command"]

_DEM_ID_RE = re.compile(r"dem:\s*(?P<lat>[-+0-9.]+)\s*,\s*(?P<lon>[-+0-9.]+)", re.IGNORECASE)


def parse_date(text: str | None) -> date | None:
    """``YYYY-MM-DD`` as a date (None stays None).

    Raises
    ------
    InputError
        If malformed.
    """
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"invalid date {text!r}: expected YYYY-MM-DD") from None


def parse_tz(text: str) -> Any:
    """An IANA time zone name (``Europe/Andorra``) or ``UTC``.

    Raises
    ------
    InputError
        If the zone is unknown.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(text.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"unknown time zone {text!r}: use an IANA name like Europe/Andorra"
        ) from None


def resolve_lines(
    queries: Sequence[str],
    net: Any,
    dem: Any,
    file_raws: Sequence[Any],
    window: tuple[float, float],
) -> list[Any]:
    """Analysed lines for ``--line`` values: names or ids of OSM/file lines, or ``dem:LAT,LON``.

    Raises
    ------
    InputError
        For an unknown or ambiguous name, or a ``dem:`` point with no fall line.
    CoverageError
        If a line lies outside the DEM.
    """
    from routeplanner.skilines import lines as skilines

    raws = skilines.osm_lines(net) + list(file_raws)
    out = []
    for q in queries:
        match = _DEM_ID_RE.fullmatch(q.strip())
        if match:
            lon, lat = pace.parse_latlon(f"{match['lat']},{match['lon']}")
            raw = skilines.trace_fall_line(dem, lon, lat, window)
            if raw is None:
                raise InputError(
                    f"no fall line from {lat},{lon}: the slope there is outside "
                    f"{window[0]:g}-{window[1]:g}° (see `routeplanner lines --source dem`)"
                )
        else:
            raw = skilines.find_line(raws, q)
        out.append(skilines.analyze_line(raw, dem))
    return out


@cli.command("scout")
@_region_options
@click.option("--start", required=True, help="Trailhead as LAT,LON.")
@click.option(
    "--line",
    "line_queries",
    multiple=True,
    required=True,
    help="Line name or id (osm:123, file:name:1, dem:LAT,LON); repeat for several.",
)
@click.option(
    "--file",
    "files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="GPX or GeoJSON file with lines to pick from; repeatable.",
)
@click.option(
    "--slope-window",
    default="30-45",
    show_default=True,
    help="Slope window for dem:LAT,LON fall lines, degrees.",
)
@_runner_options("11:55", "tobler")
@click.option(
    "--stop", default="15m", show_default=True, help="Time spent at each line (daylight)."
)
@click.option(
    "--max-offtrail",
    default="1km",
    show_default=True,
    help="Farthest a line end may be from a way to walk there cross-country.",
)
@click.option(
    "--max-slope",
    default=30.0,
    show_default=True,
    type=float,
    help="Steepest terrain (degrees over 50 m) any off-trail leg may cross; at 30 or less "
    "trails beyond T4 are left out too. Lines beyond it are left out (exit 3).",
)
@click.option("--date", "day", help="Date YYYY-MM-DD: sunrise, sunset and latest start.")
@click.option("--tz", default="UTC", show_default=True, help="Time zone for --date times.")
@click.option("--out", type=click.Path(dir_okay=False), help="HTML map.")
@click.option("--gpx", type=click.Path(dir_okay=False), help="GPX 1.1 track file.")
@click.option("--geojson", type=click.Path(dir_okay=False), help="GeoJSON file.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--offline", is_flag=True, help="Make the map work with no network.")
@click.pass_obj
def scout_command(
    ctx: Ctx,
    region,
    osm,
    dem,
    bbox,
    place,
    data_dir,
    online,
    no_cache,
    start,
    line_queries,
    files,
    slope_window,
    pace_text,
    model,
    max_difficulty,
    stop,
    max_offtrail,
    max_slope,
    day,
    tz,
    out,
    gpx,
    geojson,
    as_json,
    offline,
) -> None:
    """Plan a summer trip on foot from a trailhead to ski lines and back.

    Each line is walked up or down where it can be (on a way, or along its own
    course when gentle enough), otherwise its bottom and top are visited; the
    order is chosen for the shortest trip. Reports the time to each line, the
    total time and ascent, and the daylight needed.
    """
    from routeplanner.output import export
    from routeplanner.search import scouting
    from routeplanner.skilines import lines as skilines

    lon, lat = pace.parse_latlon(start)
    profile = _profile(pace_text, model, max_difficulty)
    window = skilines.parse_slope_window(slope_window)
    request = scouting.ScoutRequest(
        stop_s=pace.parse_duration(stop),
        max_offtrail_m=pace.parse_distance(max_offtrail),
        max_slope_deg=max_slope,
    )
    the_day = parse_date(day)
    zone = parse_tz(tz)
    if len(line_queries) > scouting.MAX_LINES:
        raise InputError(
            f"too many --line ({len(line_queries)}): one trip visits at most {scouting.MAX_LINES}"
        )
    outs = _outputs(out=out, gpx=gpx, geojson=geojson)
    file_raws = [r for f in files for r in skilines.read_line_file(f)]
    loaded = _load(ctx, region, osm, dem, bbox, place, data_dir, online, no_cache)
    with _status(ctx, "planning the trip"):
        dem_obj = _dem_for(loaded, file_raws)
        lines = resolve_lines(line_queries, loaded.net, dem_obj, file_raws, window)
        plan = scouting.plan_scouting(
            loaded.net, dem_obj, (lon, lat), lines, profile, request, day=the_day, tz=zone
        )
    for wmsg in plan.warnings:
        log.warning("%s", wmsg)
    title = f"Scouting {', '.join(ln.name for ln in plan.lines)} from {lat:.4f},{lon:.4f}"
    w = _Writer()
    if "gpx" in outs:
        w.add(outs["gpx"], export.gpx_document([plan.route], name=title))
    if "geojson" in outs:
        feats = [skilines.line_feature(ln) for ln in plan.lines]
        doc = export.feature_collection([plan.route], feats)
        w.add(outs["geojson"], json.dumps(doc, ensure_ascii=False))
    if "out" in outs:
        with _status(ctx, "drawing the map"):
            w.add(outs["out"], _scout_map_html(plan, loaded, dem_obj, title, offline))
    written = w.commit()
    if as_json:
        data: dict[str, Any] = export.summary_json([plan.route])
        data["plan"] = plan.summary()
        data["lines"] = [ln.summary() for ln in plan.lines]
        data["outputs"] = [str(p) for p in written]
        _echo_json(data)
    elif not ctx.quiet:
        for row in scouting.plan_text(plan):
            click.echo(row)
        for p in written:
            click.echo(f"wrote {p}")
    if plan.left_out:
        if not as_json:
            left = "; ".join(f"{name}: {why}" for name, why in plan.left_out)
            click.echo(f"MISSED: left out {left}")
        sys.exit(EXIT_MISSED)


def _scout_map_html(plan: Any, loaded: Any, dem: Any, title: str, offline: bool) -> str:
    from routeplanner.output import maps
    from routeplanner.search.scouting import scout_map

    m = scout_map(
        plan,
        title=title,
        network=loaded.net,
        dem=dem,
        offline=offline,
        attribution=loaded.files.attribution,
    )
    render = getattr(maps, "render_map", None)
    return render(m, offline=offline) if render is not None else maps.map_html(m)
