"""`routeplanner climbs` and `routeplanner descents`: steep segments near a point."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from routeplanner import units
from routeplanner.cli import _places
from routeplanner.cli._common import (
    Ctx,
    Writer,
    echo_json,
    echo_written,
    load,
    map_html,
    status,
)
from routeplanner.cli._context import F
from routeplanner.cli._exports import export_options
from routeplanner.cli._outputs import say
from routeplanner.cli._places import point_or_name
from routeplanner.cli.options import (
    OutputOptions,
    RegionOptions,
    RunnerOptions,
    common_options,
    grouped,
    output_options,
    parsed,
    region_options,
    runner_options,
)
from routeplanner.errors import InputError

if TYPE_CHECKING:
    from routeplanner.cli._common import Loaded
    from routeplanner.search.segments import SegmentRequest
    from routeplanner.sources.places import Place

__all__ = [
    "TRAILS_ONLY_SHARE",
    "Listing",
    "SegmentOptions",
    "climbs",
    "descents",
    "segment_options",
    "segment_request",
    "segment_table",
]

#: ``--trails-only``: the share of a segment's length that must be on trails.
TRAILS_ONLY_SHARE = 0.8


@dataclass(frozen=True)
class SegmentOptions:
    """The climb or descent to look for, as the options gave it (parsed).

    Attributes
    ----------
    near : (lon, lat), str or None
        ``--near``: a point, or a place name resolved once the region is loaded.
    within_m : float
        ``--within``: search radius.
    grade : (float, float)
        ``--grade``: mean-grade window.
    min_rise_m : float
        ``--min-gain`` / ``--min-loss``.
    minutes : (float, float) or None
        ``--minutes``: window on the segment's running time, in seconds.
    trails_only : bool
        ``--trails-only``.
    """

    near: tuple[float, float] | str | None
    within_m: float
    grade: tuple[float, float]
    min_rise_m: float
    minutes: tuple[float, float] | None = None
    trails_only: bool = False


def segment_request(kind: str, opts: SegmentOptions, *, limit: int = 10) -> SegmentRequest:
    """Build a :class:`~routeplanner.search.segments.SegmentRequest` from parsed options.

    Parameters
    ----------
    kind
        ``"climb"`` or ``"descent"``.
    opts
        The segment options, parsed by their callbacks.
    limit
        How many segments to find.

    Returns
    -------
    routeplanner.search.segments.SegmentRequest

    Raises
    ------
    InputError
        If the request is inconsistent.
    """
    from routeplanner.search.segments import SegmentRequest

    return SegmentRequest(
        kind=kind,
        grade=opts.grade,
        min_gain_m=opts.min_rise_m,
        duration_s=opts.minutes,
        # A place name is resolved once the region is loaded (see with_near).
        near=(0.0, 0.0) if isinstance(opts.near, str) or opts.near is None else opts.near,
        within_m=opts.within_m,
        limit=limit,
        min_trail_share=TRAILS_ONLY_SHARE if opts.trails_only else 0.0,
    )


def with_near(
    req: SegmentRequest, near: _places.Point | None, loaded: Loaded
) -> tuple[SegmentRequest, Place]:
    """Resolve ``--near`` (coordinates or a place name) in the loaded region.

    Returns
    -------
    tuple
        The request with the resolved point, and the place (for titles).

    Raises
    ------
    InputError
        If ``near`` is missing, unknown or outside the region.
    """
    if near is None:
        raise InputError("give --near LAT,LON or a place name")
    here = _places.resolve(near, loaded)
    return dataclasses.replace(req, near=(here.lon, here.lat)), here


def segment_table(segments: Sequence[Any], system: units.UnitSystem = "metric") -> list[str]:
    """Return text rows for a list of segments, a header first."""
    rows = [
        f"{'#':>2}  {'id':<14} {'length':>8} {'height':>7} {'mean':>5} {'max':>5} "
        f"{'time':>9} {'away':>7}  way"
    ]
    for i, s in enumerate(segments, 1):
        sign = "+" if s.kind == "climb" else "-"
        away = units.format_distance(s.distance_m, system) if s.distance_m is not None else ""
        sac = f" (T{s.hardest_sac})" if s.hardest_sac else ""
        height = f"{sign}{units.format_height(s.rise_m, system)}"
        length = units.format_distance(s.length_m, system, digits=2)
        rows.append(
            f"{i:>2}  {s.id:<14} {length:>8} {height:>7} "
            f"{s.mean_grade:>5.0%} {s.max_grade:>5.0%} {units.format_duration(s.duration_s):>9} "
            f"{away:>7}  {s.name}{sac}"
        )
    return rows


def segment_options(
    kind: str,
    *,
    near_required: bool = True,
    within: str = "5km",
    minutes: str | None = None,
    help_prefix: str = "",
) -> Callable[[F], F]:
    """Add the options that describe a climb or descent to look for.

    Parameters
    ----------
    kind
        ``"climb"`` or ``"descent"`` (names ``--min-gain`` or ``--min-loss``).
    near_required
        Whether ``--near`` must be given.
    within, minutes
        Defaults of ``--within`` and ``--minutes``.
    help_prefix
        Prepended to each help text (e.g. ``"With --near: "``).

    Returns
    -------
    callable
        Decorator; the command receives ``segment: SegmentOptions``.
    """
    noun = "gain" if kind == "climb" else "loss"
    p = help_prefix

    def deco(f: F) -> F:
        opts = [
            click.option(
                "--near",
                required=near_required,
                callback=parsed(point_or_name),
                help=f"{p}Search around LAT,LON.",
            ),
            click.option(
                "--within",
                "within_m",
                default=within,
                show_default=True,
                callback=parsed(units.parse_distance),
                help=f"{p}Search radius: 800m, 5km, 3mi.",
            ),
            click.option(
                "--grade",
                default="8-50%",
                show_default=True,
                callback=parsed(units.parse_grade_window),
                help=f"{p}Mean-grade window: 15-30%, 9-17deg, or a preset "
                "(skin-track 15-30%, vk 20-100%, easy-climb 5-12%, steep 25-50%).",
            ),
            click.option(
                f"--min-{noun}",
                "min_rise_m",
                default="30m",
                show_default=True,
                callback=parsed(_height_parser(f"minimum {noun}")),
                help=f"{p}Smallest elevation {noun}: 30m, 100ft.",
            ),
            click.option(
                "--minutes",
                default=minutes,
                show_default=minutes is not None,
                callback=parsed(units.parse_minutes_window),
                help=f"{p}Window on the running time of the {kind} itself, e.g. 5-10.",
            ),
            click.option(
                "--trails-only",
                is_flag=True,
                help=f"{p}Only segments at least 80% on trails (paths and tracks, not roads).",
            ),
        ]
        f = grouped("segment", SegmentOptions, _SEGMENT_KEYS)(f)
        for opt in reversed(opts):
            f = opt(f)
        return f

    return deco


def _height_parser(what: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        return units.parse_height(text, what=what)

    return parse


_SEGMENT_KEYS = ("near", "within_m", "grade", "min_rise_m", "minutes", "trails_only")


@dataclass(frozen=True)
class Listing:
    """How ``climbs``/``descents`` list: how many, and whether the raw DEM checks grades."""

    limit: int = 10
    check_dem: bool = True


def _write_segments(
    ctx: Ctx, segs: Sequence[Any], loaded: Any, profile: Any, output: OutputOptions, title: str
) -> list[Any]:
    from routeplanner.cli._exports import route_set, route_targets
    from routeplanner.output import bundle
    from routeplanner.search.segments import segment_route

    w = Writer()
    devices = route_targets(output.gpx)
    if any(p is not None for p in devices.values()):
        routes = [segment_route(loaded.net, s, profile) for s in segs]
        w.add_routes(route_set(routes, title=title), devices)
    if output.geojson is not None:
        w.add(output.geojson, json.dumps(bundle.segments_geojson(segs), ensure_ascii=False))
    if output.out is not None:
        with status(ctx, "drawing the map"):
            best = segment_route(loaded.net, segs[0], profile, name=f"1: {segs[0].name}")
            marks = [bundle.map_segment(s, str(i + 1)) for i, s in enumerate(segs)]
            w.add(
                output.out, map_html([best], loaded, title, offline=output.offline, segments=marks)
            )
    return w.commit()


def _segment_command(kind: str) -> Callable[[F], F]:
    """Add every option of ``climbs``/``descents``."""

    def deco(f: F) -> F:
        f = common_options(f)
        f = export_options(f)
        f = output_options()(f)
        f = click.option(
            "--check-dem/--no-check-dem",
            default=True,
            show_default=True,
            help="Keep only segments whose grade measured on the raw DEM is in the window.",
        )(f)
        f = click.option(
            "--limit", default=10, show_default=True, type=int, help="How many to list."
        )(grouped("listing", Listing, ("limit", "check_dem"))(f))
        f = runner_options()(f)
        f = segment_options(kind)(f)
        return region_options(f)

    return deco


def _listing_command(kind: str, doc: str) -> click.Command:
    """Make ``climbs`` or ``descents``: the same options and listing, for one kind."""

    def command(
        ctx: Ctx,
        /,
        src: RegionOptions,
        runner: RunnerOptions,
        segment: SegmentOptions,
        output: OutputOptions,
        listing: Listing,
    ) -> None:
        from routeplanner.search.segments import find_segments

        req = segment_request(kind, segment, limit=listing.limit)
        profile = runner.profile()
        loaded = load(ctx, src)
        req, here = with_near(req, segment.near, loaded)
        with status(ctx, f"finding {kind}s"):
            dem = loaded.dem() if listing.check_dem else None
            segs = find_segments(loaded.net, req, profile, dem=dem)
        lo, hi = req.grade
        lon, lat = here.lon, here.lat
        title = f"{kind.title()}s of {lo * 100:.0f}-{hi * 100:.0f}% near {here.name}"
        written = _write_segments(ctx, segs, loaded, profile, output, title)
        if output.as_json:
            query = {
                "kind": kind,
                "near": [round(lat, 6), round(lon, 6)],
                "within_m": req.within_m,
                "grade": [lo, hi],
                "min_rise_m": req.min_gain_m,
                "duration_s": list(req.duration_s) if req.duration_s else None,
                "pace_model": profile.model,
                "flat_pace": units.format_pace(profile.flat_pace_s_per_km),
                "max_difficulty": profile.max_difficulty,
                "min_trail_share": req.min_trail_share,
                "dem_checked": dem is not None,
            }
            echo_json(
                {
                    "query": query,
                    "segments": [{"rank": i + 1, **s.properties()} for i, s in enumerate(segs)],
                    "outputs": [str(p) for p in written],
                }
            )
            return
        say(title)
        for row in segment_table(segs, ctx.units):
            say(row)
        echo_written(ctx, written)

    command.__doc__ = doc
    return click.command(f"{kind}s")(_segment_command(kind)(click.pass_obj(command)))


climbs = _listing_command(
    "climb",
    """List steep climbs near a point: best fit to the grade window first, then nearest.

    A climb is a maximal continuous stretch uphill along a way (short flats and
    dips of under 10 m allowed); its mean grade is gain over horizontal length
    and its max grade is measured over 100 m.
    """,
)
descents = _listing_command(
    "descent",
    """List descents for downhill practice near a point (--minutes: their running time).

    Descents are climbs run downhill; their time uses the downhill side of the
    pace model.
    """,
)
