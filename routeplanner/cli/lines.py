"""`routeplanner lines`: ski lines with their slope angles, bands and aspect."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import click

from routeplanner import units
from routeplanner.cli import _places
from routeplanner.cli._common import Ctx, Writer, echo_json, echo_written, load, status
from routeplanner.cli._outputs import say
from routeplanner.cli._places import point_or_name
from routeplanner.cli.options import (
    OutputOptions,
    RegionOptions,
    common_options,
    grouped,
    line_files_option,
    output_options,
    parsed_option,
    region_options,
    slope_window_option,
)
from routeplanner.errors import InputError

__all__ = ["lines_command", "parse_sources"]

_SOURCES = ("osm", "dem", "file")
_SORTS = ("slope", "drop", "length", "name", "near")


class _Cap(NamedTuple):
    """Where the listed lines were cut: at how many, by what, and the line saying so."""

    at: int | None
    by: str | None
    note: str


def parse_sources(values: Sequence[str], files: Sequence[str]) -> tuple[str, ...]:
    """Return the line sources asked for: ``--source`` values (``all`` = every one), else osm.

    Parameters
    ----------
    values
        ``--source`` values; each may hold several, comma-separated.
    files
        ``--file`` paths (giving any adds the ``file`` source).

    Returns
    -------
    tuple of str
        Distinct sources among ``osm``, ``dem``, ``file``, in the order asked.

    Raises
    ------
    InputError
        If a source is unknown, or ``file`` is asked without ``--file``.
    """
    out: list[str] = []
    for v in values:
        for part in str(v).lower().split(","):
            part = part.strip()
            if part == "all":
                out.extend(_SOURCES if files else ("osm", "dem"))
            elif part in _SOURCES:
                out.append(part)
            elif part:
                raise InputError(f"unknown line source {part!r}: use osm, dem, file or all")
    if not out:
        out = ["osm", "file"] if files else ["osm"]
    if "file" in out and not files:
        raise InputError("--source file needs at least one --file PATH (GPX or GeoJSON)")
    if files and "file" not in out:
        out.append("file")
    return tuple(dict.fromkeys(out))


def _drop(text: str) -> float:
    return units.parse_height(text, what="vertical drop", min_m=1.0)


def _sort(lines: list[Any], key: str) -> list[Any]:
    if key == "near":
        return lines  # filter_lines already sorted them nearest first
    if key == "name":
        return sorted(lines, key=lambda ln: (ln.name.casefold(), ln.id))
    attr = {"slope": "slope_max_deg", "drop": "vertical_drop_m", "length": "length_m"}[key]
    return sorted(lines, key=lambda ln: (-getattr(ln.stats, attr), ln.id))


def _distance_m(line: Any, near: tuple[float, float]) -> float:
    """Return the distance from ``near`` (lon, lat) to the line's closest sample."""
    from routeplanner._geo import haversine_m

    return float(haversine_m(line.lon, line.lat, near[0], near[1]).min())


def _summary(line: Any, near: tuple[float, float] | None) -> dict[str, Any]:
    out: dict[str, Any] = line.summary()
    if near is not None:
        out["distance_m"] = round(_distance_m(line, near), 1)
    return out


def _table(
    lines: Sequence[Any],
    near: tuple[float, float] | None = None,
    *,
    system: units.UnitSystem = "metric",
) -> list[str]:
    """Return the text table of ``lines``: lengths and heights in m or ft, distance in km or mi."""
    imperial = system == "imperial"
    per_m, short = (1.0 / units.FT_M, "ft") if imperial else (1.0, "m")
    per_far, far = (1.0 / units.MI_M, "mi") if imperial else (1e-3, "km")
    head = (
        f"{'id':<21} {'name':<24} {'grade':<12} {'len ' + short:>6} {'drop':>5} {'top':>5} "
        f"{'slope':>5} {'max':>4} {'pitch':>5} {'aspect':<8} {'27-34°':>6} {'35-45°':>6} "
        f"{'46°+':>5} {'ski':>3} {'ATES':<11}"
    )
    rows = [head + (f" {'dist ' + far:>7}" if near else "")]
    for ln in lines:
        s = ln.stats
        g = ln.grading
        mid = s.band_shares[1] + s.band_shares[2] + s.band_shares[3]
        steep = s.band_shares[5] + s.band_shares[6]
        row = (
            f"{ln.id[:21]:<21} {ln.name[:24]:<24} {(ln.difficulty or ln.source)[:12]:<12} "
            f"{s.length_m * per_m:6.0f} {s.vertical_drop_m * per_m:5.0f} "
            f"{s.top_ele_m * per_m:5.0f} "
            f"{s.slope_mean_deg:5.1f} {s.slope_max_deg:4.0f} {s.pitch_max_deg:5.0f} "
            f"{s.aspect + ' ±' + format(s.aspect_spread_deg, '.0f'):<8} "
            f"{mid:6.0%} {s.band_shares[4]:6.0%} {steep:5.0%} {g.ski_grade:>3} {g.ates:<11}"
        )
        if near:
            row += f" {_distance_m(ln, near) * per_far:7.2f}"
        rows.append(row)
    return rows


@dataclass(frozen=True)
class LineQuery:
    """Where the lines come from: ``--near``/``--within``, ``--source`` and ``--file``."""

    near: tuple[float, float] | str | None = None
    within_m: float | None = None
    sources: tuple[str, ...] = ()
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class LinePick:
    """Which lines are kept and how they are listed (``--min-slope`` … ``--limit``)."""

    min_slope: float | None = None
    slope_window: tuple[float, float] = (30.0, 45.0)
    min_drop: float = 300.0
    sort_key: str | None = None
    limit: int | None = None


@click.command("lines")
@region_options
@parsed_option(
    "--near",
    parse=point_or_name,
    help="Only lines within --within of LAT,LON or a place (nearest first).",
)
@parsed_option(
    "--within", "within_m", parse=units.parse_distance, help="Radius for --near (default 5km)."
)
@click.option(
    "--source",
    "sources",
    multiple=True,
    help="osm (pistes, default), dem (fall lines), file (--file), or all; repeatable.",
)
@line_files_option("GPX or GeoJSON file with lines; repeatable.")
@parsed_option(
    "--min-slope",
    parse=functools.partial(units.check_degrees, what="--min-slope"),
    type=float,
    help="Only lines whose steepest 50 m is this steep (°).",
)
@slope_window_option("Slope window of DEM fall lines, degrees.")
@parsed_option(
    "--min-drop",
    parse=_drop,
    default="300m",
    help="Minimum drop of DEM fall lines: 300m, 1000ft.",
)
@click.option(
    "--sort",
    "sort_key",
    type=click.Choice(_SORTS),
    help="Order: slope (default), drop, length, name; near with --near.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Show at most this many lines.")
@grouped("query", LineQuery, ("near", "within_m", "sources", "files"))
@grouped("pick", LinePick, ("min_slope", "slope_window", "min_drop", "sort_key", "limit"))
@output_options(
    ("out", "gpx", "geojson"),
    json_help="Print the lines as JSON.",
    map_help="HTML map of the lines.",
)
@common_options
@click.pass_obj
def lines_command(
    ctx: Ctx,
    /,
    src: RegionOptions,
    output: OutputOptions,
    query: LineQuery,
    pick: LinePick,
) -> None:
    """List ski lines (OSM pistes, your GPX/GeoJSON lines, DEM fall lines) with slope stats.

    Slope is the terrain's (Horn's method on the DEM), in CalTopo's bands;
    pitch is the line's own gradient. Both are the steepest 50 m in "max".
    """
    from routeplanner.skilines import lines as skilines
    from routeplanner.skilines.fall_lines import DEFAULT_MAX_LINES
    from routeplanner.skilines.line_files import read_line_file
    from routeplanner.skilines.select import DemSearch, collect_lines, dem_around
    from routeplanner.sources.forest import read_forest

    near, within_m, files = query.near, query.within_m, query.files
    if within_m is not None and near is None:
        raise InputError("--within needs --near LAT,LON")
    radius_m = within_m if within_m is not None else 5000.0
    srcs = parse_sources(query.sources, files)
    if pick.sort_key == "near" and near is None:
        raise InputError("--sort near needs --near LAT,LON")
    file_raws = [r for f in files for r in read_line_file(f)]
    loaded = load(ctx, src)
    if near is not None:
        here = _places.resolve(near, loaded)
        near = (here.lon, here.lat)
    with status(ctx, "analysing lines"):
        dem = dem_around(loaded.net, loaded.dem_paths, file_raws)
        collected = collect_lines(
            loaded.net,
            dem,
            srcs,
            file_raws,
            search=DemSearch(
                pick.slope_window, pick.min_drop, max(pick.limit or 0, DEFAULT_MAX_LINES)
            ),
            near=near,
            within_m=radius_m,
        )
        forest = read_forest(loaded.files.osm)
        found = [skilines.with_forest(ln, forest) for ln in collected.lines]
    chosen = skilines.filter_lines(
        found, near=near, within_m=radius_m if near else None, min_slope_deg=pick.min_slope
    )
    chosen = _sort(chosen, pick.sort_key or ("near" if near else "slope"))
    chosen, cap = _capped(chosen, collected.dem_capped_at, pick.limit)
    written = _write(ctx, chosen, loaded, dem, output)
    if output.as_json:
        echo_json(
            {
                "sources": list(srcs),
                "count": len(chosen),
                "capped_at": cap.at,
                "capped_by": cap.by,
                "lines": [_summary(ln, near) for ln in chosen],
                "outputs": [str(p) for p in written],
            }
        )
        return
    _say_lines(ctx, chosen, near, srcs, cap)
    echo_written(ctx, written)


def _capped(chosen: list[Any], dem_cap: int | None, limit: int | None) -> tuple[list[Any], _Cap]:
    """Apply ``--limit``, and say what capped the list (DEM fall lines, or the limit)."""
    cap = _Cap(None, None, "")
    if dem_cap is not None:
        n = dem_cap
        cap = _Cap(n, "dem", f"capped at the {n} DEM fall lines with most drop: raise --limit")
    if limit and len(chosen) > limit:
        n = limit
        cap = _Cap(n, "limit", f"capped at {n} of {len(chosen)} lines by --limit {n}")
        chosen = chosen[:n]
    return chosen, cap


def _say_lines(
    ctx: Ctx,
    chosen: Sequence[Any],
    near: tuple[float, float] | None,
    srcs: Sequence[str],
    cap: _Cap,
) -> None:
    """Print the lines' table for people, or why there is none, and what capped it."""
    if chosen:
        for row in _table(chosen, near, system=ctx.units):
            say(row)
        say(
            "ski grade: Toponeige-style estimate from the DEM; ATES: "
            "a terrain indication, not an avalanche forecast"
        )
    else:
        say("no lines match: widen --near/--within or lower --min-slope")
    say(f"{len(chosen)} line(s) from {', '.join(srcs)}")
    if cap.note:
        say(cap.note)


def _write(
    ctx: Ctx, chosen: Sequence[Any], loaded: Any, dem: Any, output: OutputOptions
) -> list[Any]:
    from routeplanner.output import bundle

    w = Writer()
    if output.geojson is not None:
        w.add(output.geojson, json.dumps(bundle.lines_geojson(chosen), ensure_ascii=False))
    if output.gpx is not None:
        title = f"Ski lines: {len(chosen)} in {loaded.files.name}"
        w.add(output.gpx, bundle.lines_gpx(chosen, name=title))
    if output.out is not None:
        if not chosen:
            raise InputError("no lines to map: widen --near/--within or lower --min-slope")
        with status(ctx, "drawing the map"):
            w.add(output.out, _lines_map_html(chosen, loaded, dem, output.offline))
    return w.commit()


def _lines_map_html(lines: Sequence[Any], loaded: Any, dem: Any, offline: bool) -> str:
    from routeplanner.output import bundle

    return bundle.lines_map_html(
        lines,
        loaded.net,
        title=f"Ski lines: {len(lines)} in {loaded.files.name}",
        dem=dem,
        offline=offline,
        attribution=loaded.files.attribution,
    )
