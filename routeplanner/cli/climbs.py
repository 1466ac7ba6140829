"""`routeplanner climbs` and `routeplanner descents`: steep segments near a point."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

import click

from routeplanner import pace
from routeplanner.cli import _places
from routeplanner.cli._common import (
    Ctx,
    _echo_json,
    _load,
    _map_html,
    _output_options,
    _outputs,
    _profile,
    _region_options,
    _runner_options,
    _status,
    _Writer,
    cli,
)
from routeplanner.cli._exports import add_route_files, export_settings
from routeplanner.errors import InputError

__all__ = [
    "TRAILS_ONLY_SHARE",
    "climbs",
    "descents",
    "loop_segment_args",
    "loop_segment_options",
    "parse_metres",
    "plan_segment_loop",
    "segment_request",
    "segment_table",
]

#: ``--trails-only``: the share of a segment's length that must be on trails.
TRAILS_ONLY_SHARE = 0.8

_METRES_RE = re.compile(r"\s*(?P<v>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(?P<u>m|km)?\s*")


def parse_metres(text: str, what: str = "elevation gain") -> float:
    """A height such as ``80``, ``80m`` or ``0.1km``, in metres (0..5000).

    Parameters
    ----------
    text
        The value; a bare number is metres.
    what
        What it is, for the error message.

    Returns
    -------
    float
        Metres.

    Raises
    ------
    InputError
        If malformed or out of range.
    """
    match = _METRES_RE.fullmatch(str(text).lower())
    if not match:
        raise InputError(f"invalid {what} {text!r}: expected e.g. '80m'")
    value = float(match["v"]) * (1000.0 if match["u"] == "km" else 1.0)
    if value > 5000.0:
        raise InputError(f"{what} {text!r} out of range: use 0 m to 5000 m")
    return value


def segment_request(
    kind: str,
    near: str,
    within: str,
    grade: str,
    min_rise: str,
    minutes: str | None,
    limit: int,
    trails_only: bool = False,
) -> Any:
    """Validate the command's options into a :class:`SegmentRequest` (before loading data).

    Parameters
    ----------
    kind
        ``"climb"`` or ``"descent"``.
    near, within, grade, min_rise, minutes, limit
        The options as typed.
    trails_only
        Ask for segments at least 80 % on trails.

    Returns
    -------
    routeplanner.search.segments.SegmentRequest

    Raises
    ------
    InputError
        If any option is invalid.
    """
    from routeplanner.search.segments import SegmentRequest, parse_minutes_window

    return SegmentRequest(
        kind=kind,
        grade=pace.parse_grade_window(grade),
        min_gain_m=parse_metres(min_rise, "minimum gain" if kind == "climb" else "minimum loss"),
        duration_s=parse_minutes_window(minutes) if minutes else None,
        near=pace.parse_latlon(near),
        within_m=pace.parse_distance(within),
        limit=limit,
        min_trail_share=TRAILS_ONLY_SHARE if trails_only else 0.0,
    )


def segment_table(segments: Sequence[Any]) -> list[str]:
    """Text rows for a list of segments, a header first."""
    rows = [
        f"{'#':>2}  {'id':<14} {'length':>8} {'height':>7} {'mean':>5} {'max':>5} "
        f"{'time':>9} {'away':>7}  way"
    ]
    for i, s in enumerate(segments, 1):
        sign = "+" if s.kind == "climb" else "-"
        away = f"{s.distance_m / 1000:.1f} km" if s.distance_m is not None else ""
        sac = f" (T{s.hardest_sac})" if s.hardest_sac else ""
        height = f"{sign}{s.rise_m:.0f} m"
        rows.append(
            f"{i:>2}  {s.id:<14} {s.length_m / 1000:>5.2f} km {height:>7} "
            f"{s.mean_grade:>5.0%} {s.max_grade:>5.0%} {pace.format_duration(s.duration_s):>9} "
            f"{away:>7}  {s.name}{sac}"
        )
    return rows


def _segment_options(kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    noun = "gain" if kind == "climb" else "loss"

    def deco(f: Callable[..., Any]) -> Callable[..., Any]:
        opts = [
            click.option("--near", required=True, help="Search around LAT,LON."),
            click.option(
                "--within", default="5km", show_default=True, help="Search radius, e.g. 5km."
            ),
            click.option(
                "--grade",
                default="8-50%",
                show_default=True,
                help="Mean-grade window: 15-30%, 9-17deg, or a preset "
                "(skin-track 15-30%, vk 20-100%, easy-climb 5-12%, steep 25-50%).",
            ),
            click.option(
                f"--min-{noun}",
                "min_rise",
                default="30m",
                show_default=True,
                help=f"Smallest elevation {noun}.",
            ),
            click.option(
                "--minutes",
                help=f"Window on the running time of the {kind} itself, e.g. 5-10.",
            ),
            click.option(
                "--trails-only",
                is_flag=True,
                help="Only segments at least 80% on trails (paths and tracks, not roads).",
            ),
            click.option(
                "--limit", default=10, show_default=True, type=int, help="How many to list."
            ),
            click.option(
                "--check-dem/--no-check-dem",
                default=True,
                show_default=True,
                help="Keep only segments whose grade measured on the raw DEM is in the window.",
            ),
        ]
        for opt in reversed(opts):
            f = opt(f)
        return _runner_options()(f)

    return deco


def _run(ctx: Ctx, kind: str, opts: dict[str, Any]) -> None:
    from routeplanner.search.segments import (
        find_segments,
        map_segment,
        segment_route,
        segments_geojson,
    )

    # A place name is resolved once the region is loaded; coordinates are checked now.
    named = _places.early_point(opts["near"]) is None
    req = segment_request(
        kind,
        "0,0" if named else opts["near"],
        opts["within"],
        opts["grade"],
        opts["min_rise"],
        opts["minutes"],
        opts["limit"],
        opts["trails_only"],
    )
    profile = _profile(opts["pace_text"], opts["model"], opts["max_difficulty"])
    outs = _outputs(out=opts["out"], gpx=opts["gpx"], geojson=opts["geojson"])
    loaded = _load(
        ctx,
        opts["region"],
        opts["osm"],
        opts["dem"],
        opts["bbox"],
        opts["place"],
        opts["data_dir"],
        opts["online"],
        opts["no_cache"],
    )
    here = _places.resolve(opts["near"], loaded)
    req = dataclasses.replace(req, near=(here.lon, here.lat))
    with _status(ctx, f"finding {kind}s"):
        dem = loaded.dem() if opts["check_dem"] else None
        segs = find_segments(loaded.net, req, profile, dem=dem)
    lo, hi = req.grade
    lon, lat = req.near if req.near is not None else (0.0, 0.0)
    title = f"{kind.title()}s of {lo * 100:.0f}-{hi * 100:.0f}% near {here.name}"
    w = _Writer()
    if "gpx" in outs or export_settings().fit is not None:
        routes = [segment_route(loaded.net, s, profile) for s in segs]
        add_route_files(w.add, routes, title=title, gpx=outs.get("gpx"))
    if "geojson" in outs:
        w.add(outs["geojson"], json.dumps(segments_geojson(segs), ensure_ascii=False))
    if "out" in outs:
        with _status(ctx, "drawing the map"):
            best = segment_route(loaded.net, segs[0], profile, name=f"1: {segs[0].name}")
            marks = [map_segment(s, str(i + 1)) for i, s in enumerate(segs)]
            w.add(
                outs["out"],
                _map_html([best], loaded, title, offline=opts["offline"], segments=marks),
            )
    written = w.commit()
    if opts["as_json"]:
        _echo_json(
            {
                "query": {
                    "kind": kind,
                    "near": [round(lat, 6), round(lon, 6)],
                    "within_m": req.within_m,
                    "grade": [lo, hi],
                    "min_rise_m": req.min_gain_m,
                    "duration_s": list(req.duration_s) if req.duration_s else None,
                    "pace_model": profile.model,
                    "flat_pace": pace.format_pace(profile.flat_pace_s_per_km),
                    "max_difficulty": profile.max_difficulty,
                    "min_trail_share": req.min_trail_share,
                    "dem_checked": dem is not None,
                },
                "segments": [{"rank": i + 1, **s.properties()} for i, s in enumerate(segs)],
                "outputs": [str(p) for p in written],
            }
        )
        return
    if not ctx.quiet:
        click.echo(title)
        for row in segment_table(segs):
            click.echo(row)
        for p in written:
            click.echo(f"wrote {p}")


@cli.command()
@_region_options
@_segment_options("climb")
@_output_options
@click.pass_obj
def climbs(ctx: Ctx, **opts: Any) -> None:
    """List steep climbs near a point: best fit to the grade window first, then nearest.

    A climb is a maximal continuous stretch uphill along a way (short flats and
    dips of under 10 m allowed); its mean grade is gain over horizontal length
    and its max grade is measured over 100 m.
    """
    _run(ctx, "climb", opts)


@cli.command()
@_region_options
@_segment_options("descent")
@_output_options
@click.pass_obj
def descents(ctx: Ctx, **opts: Any) -> None:
    """List descents for downhill practice near a point (--minutes: their running time).

    Descents are climbs run downhill; their time uses the downhill side of the
    pace model.
    """
    _run(ctx, "descent", opts)


# -- `loop --include-climbs N --climb-grade … --include-descent` -----------------------


def loop_segment_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options of ``loop`` that route it through climbs and a descent."""
    opts = [
        click.option(
            "--include-climbs",
            default=0,
            show_default=True,
            type=int,
            help="Run this many different climbs on the loop, uphill (0-4).",
        ),
        click.option(
            "--climb-grade",
            default="15-30%",
            show_default=True,
            help="Mean-grade window of those climbs (15-30%, 9-17deg, skin-track, vk …).",
        ),
        click.option(
            "--climb-min-gain", default="50m", show_default=True, help="Smallest gain of a climb."
        ),
        click.option("--include-descent", is_flag=True, help="Also run one descent, downhill."),
        click.option(
            "--descent-grade",
            default="8-25%",
            show_default=True,
            help="Mean-grade window of the descent.",
        ),
        click.option("--descent-minutes", help="Window on the descent's running time, e.g. 5-10."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def loop_segment_args(
    include_climbs: int,
    climb_grade: str,
    climb_min_gain: str,
    include_descent: bool,
    descent_grade: str,
    descent_minutes: str | None,
) -> dict[str, Any] | None:
    """Validate the loop's segment options (before loading data).

    Parameters
    ----------
    include_climbs, climb_grade, climb_min_gain, include_descent, descent_grade, descent_minutes
        The options as typed.

    Returns
    -------
    dict or None
        Keyword arguments for
        :func:`routeplanner.search.workouts.plan_loop_with_segments`, or None
        when no segment is asked for (a plain loop).

    Raises
    ------
    InputError
        If an option is invalid.
    """
    from routeplanner.search.segments import parse_minutes_window
    from routeplanner.search.workouts import MAX_SEGMENTS_IN_LOOP

    if not 0 <= include_climbs <= MAX_SEGMENTS_IN_LOOP:
        raise InputError(
            f"invalid --include-climbs {include_climbs}: must be 0 to {MAX_SEGMENTS_IN_LOOP}"
        )
    args = {
        "climbs": include_climbs,
        "climb_grade": pace.parse_grade_window(climb_grade),
        "climb_min_gain_m": parse_metres(climb_min_gain, "minimum climb gain"),
        "include_descent": include_descent,
        "descent_grade": pace.parse_grade_window(descent_grade),
        "descent_minutes": parse_minutes_window(descent_minutes) if descent_minutes else None,
    }
    if not include_climbs and not include_descent:
        return None
    return args


def plan_segment_loop(
    loaded: Any,
    start: tuple[float, float],
    profile: Any,
    request: Any,
    args: dict[str, Any],
) -> tuple[list[Any], list[dict[str, Any]], list[Any], dict[str, Any]]:
    """Plan ``loop --include-climbs/--include-descent`` and its outputs' extras.

    Parameters
    ----------
    loaded
        The loaded region (``_load``'s result).
    start
        ``(lon, lat)``.
    profile
        Runner profile.
    request
        The :class:`~routeplanner.search.loops.LoopRequest`.
    args
        From :func:`loop_segment_args`.

    Returns
    -------
    tuple
        ``(routes, extra_features, map_segments, extra_json)`` for ``_emit``:
        the segments of every route (once each) as GeoJSON features and map
        segments, and ``{"segments": [...]}`` for ``--json``.
    """
    from routeplanner.search.segments import map_segment
    from routeplanner.search.workouts import plan_loop_with_segments

    res = plan_loop_with_segments(loaded.net, start, profile, request, dem=loaded.dem(), **args)
    segs = list({s.id: s for group in res.segments for s in group}.values())
    features = [s.feature() for s in segs]
    marks = [map_segment(s, str(i + 1)) for i, s in enumerate(segs)]
    return res.routes, features, marks, {"segments": [s.properties() for s in segs]}
