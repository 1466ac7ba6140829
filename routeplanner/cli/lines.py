"""`routeplanner lines`: ski lines with their slope angles, bands and aspect."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any

import click

from routeplanner import pace
from routeplanner.cli._common import (
    Ctx,
    _echo_json,
    _load,
    _outputs,
    _region_options,
    _status,
    _Writer,
    cli,
)
from routeplanner.errors import InputError

__all__ = ["collect_lines", "lines_command", "parse_drop", "parse_sources"]

SOURCES = ("osm", "dem", "file")
_DROP_RE = re.compile(r"\s*(?P<v>[0-9]+(?:\.[0-9]*)?)\s*(?P<u>m|km)?\s*")
_SORTS = ("slope", "drop", "length", "name", "near")


def parse_sources(values: Sequence[str], files: Sequence[str]) -> tuple[str, ...]:
    """Line sources asked for: ``--source`` values (``all`` = every one), else osm (+ file).

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
                out.extend(SOURCES if files else ("osm", "dem"))
            elif part in SOURCES:
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


def parse_drop(text: str) -> float:
    """A vertical drop such as ``300``, ``300m`` or ``0.5km``, in metres (1..5000).

    Parameters
    ----------
    text
        The drop; a bare number is metres.

    Returns
    -------
    float
        Metres.

    Raises
    ------
    InputError
        If malformed or out of range.
    """
    match = _DROP_RE.fullmatch(str(text).lower())
    if not match:
        raise InputError(f"invalid vertical drop {text!r}: expected e.g. '300m'")
    value = float(match["v"]) * (1000.0 if match["u"] == "km" else 1.0)
    if not 1.0 <= value <= 5000.0:
        raise InputError(f"vertical drop {text!r} out of range: use 1 m to 5000 m")
    return value


def _parse_min_slope(value: float | None) -> float | None:
    if value is None:
        return None
    if not (math.isfinite(value) and 0.0 <= value <= 90.0):
        raise InputError(f"--min-slope {value!r} out of range: use 0 to 90 degrees")
    return float(value)


def _dem_for(loaded: Any, extra: Sequence[Any]) -> Any:
    """The DEM over the network and any user lines (so a line just outside still fits)."""
    from routeplanner.sources.dem import open_dem

    w, s, e, n = loaded.net.bbox
    for raw in extra:
        w, s = min(w, float(raw.lon.min())), min(s, float(raw.lat.min()))
        e, n = max(e, float(raw.lon.max())), max(n, float(raw.lat.max()))
    return open_dem(loaded.dem_paths, bbox=(w, s, e, n))


def _search_bbox(
    net: Any, near: tuple[float, float] | None, within_m: float
) -> tuple[float, float, float, float]:
    if near is None:
        return net.bbox
    lon, lat = near
    dlat = within_m / 111_195.0
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    return (lon - dlon, lat - dlat, lon + dlon, lat + dlat)


def collect_lines(
    loaded: Any,
    dem: Any,
    sources: Sequence[str],
    file_raws: Sequence[Any],
    *,
    window: tuple[float, float],
    min_drop_m: float,
    near: tuple[float, float] | None,
    within_m: float,
) -> list[Any]:
    """Analysed lines from the asked sources (OSM lines outside the DEM are skipped).

    Parameters
    ----------
    loaded
        The loaded region (its network).
    dem
        Elevation model covering the network and ``file_raws``.
    sources
        Sources, see :func:`parse_sources`.
    file_raws
        Lines read from ``--file`` (any outside the DEM is an error).
    window, min_drop_m
        Slope window and minimum drop of DEM fall lines.
    near, within_m
        Where to look for DEM fall lines (default the whole network).

    Returns
    -------
    list of SkiLine
    """
    from routeplanner.skilines import lines as skilines
    from routeplanner.sources.forest import read_forest

    forest = read_forest(loaded.files.osm)
    out = []
    if "osm" in sources:
        out += skilines.analyze_lines(skilines.osm_lines(loaded.net), dem, forest=forest)
    if "file" in sources:
        out += [skilines.analyze_line(r, dem, forest=forest) for r in file_raws]
    if "dem" in sources:
        bbox = _search_bbox(loaded.net, near, within_m)
        raws = skilines.dem_lines(dem, window, min_drop_m=min_drop_m, bbox=bbox)
        out += skilines.analyze_lines(raws, dem, forest=forest)
    return out


def _distance_m(line: Any, near: tuple[float, float]) -> float:
    """Return the distance from ``near`` (lon, lat) to the line's closest sample."""
    from routeplanner.network.model import haversine_m

    return float(haversine_m(line.lon, line.lat, near[0], near[1]).min())


def _sort(lines: list[Any], key: str, near: tuple[float, float] | None) -> list[Any]:
    if key == "near":
        return lines  # filter_lines already sorted them nearest first
    if key == "name":
        return sorted(lines, key=lambda ln: (ln.name.casefold(), ln.id))
    attr = {"slope": "slope_max_deg", "drop": "vertical_drop_m", "length": "length_m"}[key]
    return sorted(lines, key=lambda ln: (-getattr(ln.stats, attr), ln.id))


def _table(lines: Sequence[Any], near: tuple[float, float] | None = None) -> list[str]:
    head = (
        f"{'id':<21} {'name':<24} {'grade':<12} {'len m':>6} {'drop':>5} {'top':>5} "
        f"{'slope':>5} {'max':>4} {'pitch':>5} {'aspect':<8} {'27-34°':>6} {'35-45°':>6} "
        f"{'46°+':>5} {'ski':>3} {'ATES':<11}"
    )
    rows = [head + (f" {'dist km':>7}" if near else "")]
    for ln in lines:
        s = ln.stats
        g = ln.grading
        mid = s.band_shares[1] + s.band_shares[2] + s.band_shares[3]
        steep = s.band_shares[5] + s.band_shares[6]
        row = (
            f"{ln.id[:21]:<21} {ln.name[:24]:<24} {(ln.difficulty or ln.source)[:12]:<12} "
            f"{s.length_m:6.0f} {s.vertical_drop_m:5.0f} {s.top_ele_m:5.0f} "
            f"{s.slope_mean_deg:5.1f} {s.slope_max_deg:4.0f} {s.pitch_max_deg:5.0f} "
            f"{s.aspect + ' ±' + format(s.aspect_spread_deg, '.0f'):<8} "
            f"{mid:6.0%} {s.band_shares[4]:6.0%} {steep:5.0%} {g.ski_grade:>3} {g.ates:<11}"
        )
        if near:
            row += f" {_distance_m(ln, near) / 1000:7.2f}"
        rows.append(row)
    return rows


@cli.command("lines")
@_region_options
@click.option("--near", help="Only lines within --within of LAT,LON (nearest first).")
@click.option("--within", help="Radius for --near (default 5km).")
@click.option(
    "--source",
    "sources",
    multiple=True,
    help="osm (pistes, default), dem (fall lines), file (--file), or all; repeatable.",
)
@click.option(
    "--file",
    "files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="GPX or GeoJSON file with lines; repeatable.",
)
@click.option("--min-slope", type=float, help="Only lines whose steepest 50 m is this steep (°).")
@click.option(
    "--slope-window",
    default="30-45",
    show_default=True,
    help="Slope window of DEM fall lines, degrees.",
)
@click.option(
    "--min-drop", default="300m", show_default=True, help="Minimum drop of DEM fall lines."
)
@click.option(
    "--sort",
    "sort_key",
    type=click.Choice(_SORTS),
    help="Order: slope (default), drop, length, name; near with --near.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Show at most this many lines.")
@click.option("--out", type=click.Path(dir_okay=False), help="HTML map of the lines.")
@click.option("--geojson", type=click.Path(dir_okay=False), help="GeoJSON file of the lines.")
@click.option("--json", "as_json", is_flag=True, help="Print the lines as JSON.")
@click.option("--offline", is_flag=True, help="Make the map work with no network.")
@click.pass_obj
def lines_command(
    ctx: Ctx,
    region,
    osm,
    dem,
    bbox,
    place,
    data_dir,
    online,
    no_cache,
    near,
    within,
    sources,
    files,
    min_slope,
    slope_window,
    min_drop,
    sort_key,
    limit,
    out,
    geojson,
    as_json,
    offline,
) -> None:
    """List ski lines (OSM pistes, your GPX/GeoJSON lines, DEM fall lines) with slope stats.

    Slope is the terrain's (Horn's method on the DEM), in CalTopo's bands;
    pitch is the line's own gradient. Both are the steepest 50 m in "max".
    """
    from routeplanner.skilines import lines as skilines

    near_pt = pace.parse_latlon(near) if near else None
    if within is not None and near_pt is None:
        raise InputError("--within needs --near LAT,LON")
    within_m = pace.parse_distance(within or "5km")
    srcs = parse_sources(sources, files)
    window = skilines.parse_slope_window(slope_window)
    drop = parse_drop(min_drop)
    min_slope = _parse_min_slope(min_slope)
    if sort_key == "near" and near_pt is None:
        raise InputError("--sort near needs --near LAT,LON")
    outs = _outputs(out=out, geojson=geojson)
    file_raws = [r for f in files for r in skilines.read_line_file(f)]
    loaded = _load(ctx, region, osm, dem, bbox, place, data_dir, online, no_cache)
    with _status(ctx, "analysing lines"):
        dem_obj = _dem_for(loaded, file_raws)
        found = collect_lines(
            loaded,
            dem_obj,
            srcs,
            file_raws,
            window=window,
            min_drop_m=drop,
            near=near_pt,
            within_m=within_m,
        )
    chosen = skilines.filter_lines(
        found, near=near_pt, within_m=within_m if near_pt else None, min_slope_deg=min_slope
    )
    chosen = _sort(chosen, sort_key or ("near" if near_pt else "slope"), near_pt)
    if limit:
        chosen = chosen[:limit]

    w = _Writer()
    if "geojson" in outs:
        w.add(outs["geojson"], json.dumps(skilines.line_collection(chosen), ensure_ascii=False))
    if "out" in outs:
        if not chosen:
            raise InputError("no lines to map: widen --near/--within or lower --min-slope")
        with _status(ctx, "drawing the map"):
            w.add(outs["out"], _lines_map_html(chosen, loaded, dem_obj, offline))
    written = w.commit()
    if as_json:
        _echo_json(
            {
                "sources": list(srcs),
                "count": len(chosen),
                "lines": [_summary(ln, near_pt) for ln in chosen],
                "outputs": [str(p) for p in written],
            }
        )
        return
    if not ctx.quiet:
        if chosen:
            for row in _table(chosen, near_pt):
                click.echo(row)
            click.echo(
                "ski grade: Toponeige-style estimate from the DEM; ATES: "
                "a terrain indication, not an avalanche forecast"
            )
        else:
            click.echo("no lines match: widen --near/--within or lower --min-slope")
        click.echo(f"{len(chosen)} line(s) from {', '.join(srcs)}")
        for p in written:
            click.echo(f"wrote {p}")


def _summary(line: Any, near: tuple[float, float] | None) -> dict[str, Any]:
    out: dict[str, Any] = line.summary()
    if near is not None:
        out["distance_m"] = round(_distance_m(line, near), 1)
    return out


def _lines_map_html(lines: Sequence[Any], loaded: Any, dem: Any, offline: bool) -> str:
    from routeplanner.output import maps
    from routeplanner.skilines.lines import add_line_layer, lines_panel_html

    title = f"Ski lines: {len(lines)} in {loaded.files.name}"
    m = maps.network_map(
        loaded.net,
        title=title,
        dem=dem,
        offline=offline,
        attribution=loaded.files.attribution,
        panel_html=lines_panel_html(lines),
    )
    add_line_layer(m, lines)
    lon = [float(v) for ln in lines for v in (ln.lon.min(), ln.lon.max())]
    lat = [float(v) for ln in lines for v in (ln.lat.min(), ln.lat.max())]
    m.fit_bounds([[min(lat), min(lon)], [max(lat), max(lon)]])
    return maps.map_html(m)
