"""Options shared by the commands, each declared once with its parsing callback.

A callback turns the text into a value (through :mod:`routeplanner.units`) and
raises :class:`click.BadParameter` on bad input, so every option is checked
before any data is loaded, and the error names the option.  Options that belong
together are handed to the command as one object (:class:`RegionOptions`,
:class:`RunnerOptions`, :class:`LoopOptions`, :class:`OutputOptions`), which keeps
each command's signature short.

``-v``, ``-q``, ``--units`` and the run's :class:`Ctx` live in
:mod:`routeplanner.cli._context` (imported by the group alone) and are
re-exported here.  Only click, the standard library and the unit parsers are
imported at module level.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from routeplanner import units
from routeplanner.cli._context import Ctx, F, common_options, parsed, parsed_option
from routeplanner.cli._outputs import force_option, no_verify_option
from routeplanner.cli._places import Point, point_or_name
from routeplanner.errors import InputError, RangeError

if TYPE_CHECKING:  # (the commands import these only when they run)
    from routeplanner.brief import Constraints
    from routeplanner.pace import RunnerProfile
    from routeplanner.search.graph import Preferences
    from routeplanner.search.loops import LoopRequest

__all__ = [
    "EXIT_MISSED",
    "BriefOptions",
    "Ctx",
    "LoopOptions",
    "OutputOptions",
    "RegionOptions",
    "RunnerOptions",
    "brief_options",
    "common_options",
    "exit_missed",
    "grouped",
    "line_files_option",
    "loop_options",
    "loop_segment_args",
    "loop_segment_options",
    "option_named",
    "output_options",
    "parsed",
    "parsed_option",
    "region_options",
    "report_missed",
    "runner_options",
    "slope_window_option",
]

T = TypeVar("T")


def _output_path(
    click_ctx: click.Context, param: click.Parameter, value: str | None
) -> Path | None:
    from routeplanner.cli._outputs import output_path  # see routeplanner.output.policy

    return output_path(click_ctx, param, value)


def _bbox(text: str) -> tuple[float, float, float, float]:
    try:
        w, s, e, n = (float(x) for x in text.split(","))
    except ValueError:
        raise InputError(f"invalid --bbox {text!r}: expected W,S,E,N in degrees") from None
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise InputError(f"invalid --bbox {text!r}: expected W,S,E,N with W < E and S < N")
    return (w, s, e, n)


def grouped(name: str, build: Callable[..., T], keys: Sequence[str] = ()) -> Callable[[F], F]:
    """Hand the options ``keys`` to the command as one object, ``name=build(**values)``.

    Parameters
    ----------
    name
        The command's parameter that receives the object.
    build
        Makes the object from the options' values (parsed by their callbacks);
        typically a frozen dataclass whose fields are the options.
    keys
        The options' parameter names; by default the fields of the dataclass `build`.

    Returns
    -------
    callable
        A decorator for a click command (the options are declared beside it).
    """
    names = tuple(keys) or tuple(fld.name for fld in dataclasses.fields(build))  # type: ignore[arg-type]

    def deco(f: F) -> F:
        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            values = {k: kwargs.pop(k) for k in names}
            kwargs[name] = build(**values)
            return f(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return deco


@contextlib.contextmanager
def option_named(flag: str) -> Iterator[None]:
    """Name the option ``flag`` in a range error of a library check run inside.

    The check lives in the library's request objects; the user typed an option.

    Examples
    --------
    >>> from routeplanner.errors import RangeError
    >>> try:
    ...     with option_named("--reps"):
    ...         raise RangeError("number of repeats", 0, 1, 30)
    ... except RangeError as exc:
    ...     print(exc)
    invalid --reps 0: must be 1 to 30
    """
    try:
        yield
    except RangeError as exc:
        raise exc.named(flag) from None


def _apply(f: F, opts: Sequence[Callable[[F], F]]) -> F:
    for opt in reversed(opts):
        f = opt(f)
    return f


# -- where the data comes from -----------------------------------------------------


@dataclass(frozen=True)
class RegionOptions:
    """Where the network comes from: ``--region``, ``--osm``/``--dem``, or a download."""

    region: str | None = None
    osm: str | None = None
    dem: tuple[str, ...] = ()
    bbox: tuple[float, float, float, float] | None = None
    place: str | None = None
    data_dir: str | None = None
    online: bool = False
    no_cache: bool = False

    @property
    def given(self) -> bool:
        """Whether any source of data was named on the command line."""
        return bool(self.region or self.osm or self.dem or self.bbox or self.place)


def region_options(f: F) -> F:
    """Add the region options, passed to the command as ``src: RegionOptions``."""
    opts: list[Callable[[F], F]] = [
        click.option("--region", help="Region name from the catalog (see `routeplanner regions`)."),
        click.option(
            "--osm",
            type=click.Path(dir_okay=False),
            help="OSM file (.osm.pbf, .osm, .osm.gz, .osm.bz2) instead of --region.",
        ),
        click.option(
            "--dem",
            multiple=True,
            type=click.Path(dir_okay=False),
            help="DEM file (SRTM .hgt/.hgt.zip or GeoTIFF); repeat for several tiles.",
        ),
        click.option(
            "--bbox",
            callback=parsed(_bbox),
            help="W,S,E,N area to fetch when --online (instead of --region).",
        ),
        click.option("--place", help="Place name to fetch when --online (geocoded by Nominatim)."),
        click.option(
            "--data-dir",
            type=click.Path(file_okay=False),
            help="Folder with region files (default: $ROUTEPLANNER_DATA_DIR, ./data).",
        ),
        click.option(
            "--online",
            is_flag=True,
            help="Download missing data (OSM via Overpass, SRTM tiles), cached on disk.",
        ),
        click.option("--no-cache", is_flag=True, help="Rebuild the network, ignoring the cache."),
        no_verify_option,
    ]
    keys = [fld.name for fld in dataclasses.fields(RegionOptions)]
    return _apply(grouped("src", _region, keys)(f), opts)


def _region(dem: Sequence[str], **values: Any) -> RegionOptions:
    return RegionOptions(dem=tuple(dem), **values)


# -- the runner ---------------------------------------------------------------------


@dataclass(frozen=True)
class RunnerOptions:
    """``--pace``, ``--model``, ``--max-difficulty`` and ``--profile``, parsed."""

    flat_pace_s_per_km: float
    model: str
    max_difficulty: int
    profile_file: str | None = None
    difficulty_given: bool = False

    def profile(self, duration_s: float | None = None) -> RunnerProfile:
        """Build the :class:`~routeplanner.pace.RunnerProfile` (imports the pace model).

        With ``--profile`` the file gives pace, model, corrections and fatigue (an
        explicit ``--max-difficulty`` still applies).  `duration_s` is accepted for
        existing callers and not used: searches fold fatigue into their edge times
        themselves and routes are clocked with it (``RunnerProfile.route_time_s``).

        Raises
        ------
        InputError
            If the model is unknown or the profile file is invalid.
        """
        from routeplanner.pace import RunnerProfile

        if self.profile_file is None:
            return RunnerProfile(self.flat_pace_s_per_km, self.model, self.max_difficulty)
        profile = RunnerProfile.from_toml(self.profile_file)
        if self.difficulty_given:
            profile = dataclasses.replace(profile, max_difficulty=self.max_difficulty)
        return profile


def _given(name: str) -> bool:
    source = click.get_current_context().get_parameter_source(name)
    return source not in (None, click.core.ParameterSource.DEFAULT)


def _runner(pace: float, model: str, max_difficulty: int, profile: str | None) -> RunnerOptions:
    if profile is not None:
        for name in ("pace", "model"):
            if _given(name):
                raise InputError(f"give either --profile or --{name}, not both")
    return RunnerOptions(
        flat_pace_s_per_km=pace,
        model=str(model).strip().lower(),
        max_difficulty=max_difficulty,
        profile_file=profile,
        difficulty_given=_given("max_difficulty"),
    )


def runner_options(pace_default: str = "6:00", model_default: str = "mountain") -> Callable[[F], F]:
    """Add ``--pace``, ``--model`` and ``--max-difficulty``, passed as ``runner: RunnerOptions``."""

    def deco(f: F) -> F:
        opts: list[Callable[[F], F]] = [
            click.option(
                "--pace",
                default=pace_default,
                show_default=True,
                callback=parsed(units.parse_pace),
                help="Flat pace or speed: 6:00, 6:00/km, 9:39/mi, 10km/h, 6mph.",
            ),
            click.option(
                "--model",
                default=model_default,
                show_default=True,
                help=(
                    "Pace model: mountain (fitted to steep runs and hikes), minetti "
                    "(energy cost of running) or tobler (hiking)."
                ),
            ),
            click.option(
                "--max-difficulty",
                default="T6",
                show_default=True,
                callback=parsed(units.parse_difficulty),
                help="Hardest sac_scale allowed, T1..T6.",
            ),
            click.option(
                "--profile",
                type=click.Path(dir_okay=False),
                help="Runner profile TOML from `routeplanner pace fit` (replaces --pace).",
            ),
        ]
        keys = ("pace", "model", "max_difficulty", "profile")
        return _apply(grouped("runner", _runner, keys)(f), opts)

    return deco


# -- loops --------------------------------------------------------------------------


@dataclass(frozen=True)
class LoopOptions:
    """A loop's start and target time, parsed."""

    start: tuple[float, float] | str  # (lon, lat), or a place name resolved once loaded
    duration_s: float
    tolerance: float
    alternatives: int
    seed: int

    def request(self) -> LoopRequest:
        """Build the :class:`~routeplanner.search.loops.LoopRequest`.

        Raises
        ------
        InputError
            If ``alternatives`` is out of range.
        """
        from routeplanner.search.loops import LoopRequest

        return LoopRequest(
            self.duration_s,
            tolerance=self.tolerance,
            alternatives=self.alternatives,
            seed=self.seed,
        )


def loop_options(f: F) -> F:
    """Add ``--start``, ``--duration``, ``--tolerance``, … passed as ``target: LoopOptions``."""
    opts: list[Callable[[F], F]] = [
        click.option(
            "--start",
            required=True,
            callback=parsed(point_or_name),
            help="Start as LAT,LON or a place name from the region (La Massana).",
        ),
        click.option(
            "--duration",
            required=True,
            callback=parsed(units.parse_duration),
            help="Target time: 75m, 75min, 1h15, 1h15m, 1:15.",
        ),
        click.option(
            "--tolerance",
            default="5%",
            show_default=True,
            callback=parsed(units.parse_tolerance),
            help="Accepted duration error: 5%, 3 (= 3%), 0.05.",
        ),
        click.option(
            "--alternatives",
            default=1,
            show_default=True,
            type=click.IntRange(1, 10),
            help="Number of really different loops (1 to 10).",
        ),
        click.option(
            "--seed",
            default=0,
            show_default=True,
            type=click.IntRange(min=0),
            help="Seed of the randomised search (0 or more).",
        ),
    ]
    keys = ("start", "duration", "tolerance", "alternatives", "seed")

    def build(
        start: Point, duration: float, tolerance: float, alternatives: int, seed: int
    ) -> LoopOptions:
        return LoopOptions(start, duration, tolerance, alternatives, seed)

    return _apply(grouped("target", build, keys)(f), opts)


def loop_segment_args(
    include_climbs: int,
    climb_grade: str,
    climb_min_gain: str,
    include_descent: bool,
    descent_grade: str,
    descent_minutes: str | None,
    segments_on_roads: bool = False,
) -> dict[str, Any] | None:
    """Validate the loop's segment options as typed (before loading data).

    Parameters
    ----------
    include_climbs, climb_grade, climb_min_gain, include_descent, descent_grade, descent_minutes
        The options as typed.
    segments_on_roads
        Accept climbs and descents on roads (by default they are at least half trail).

    Returns
    -------
    dict or None
        Fields of :class:`~routeplanner.search.segment_loops.SegmentLoopOptions`, or
        None when no segment is asked for (a plain loop).

    Raises
    ------
    InputError
        If an option is invalid.
    """
    if include_climbs:  # (the search, and its limit, are imported only when climbs are asked)
        from routeplanner.search.segment_loops import SegmentLoopOptions

        with option_named("--include-climbs"):  # the request checks its own range
            SegmentLoopOptions(climbs=include_climbs)
    args = {
        "climbs": include_climbs,
        "climb_grade": units.parse_grade_window(climb_grade),
        "climb_min_gain_m": units.parse_height(climb_min_gain, what="minimum climb gain"),
        "include_descent": include_descent,
        "descent_grade": units.parse_grade_window(descent_grade),
        "descent_minutes": units.parse_minutes_window(descent_minutes) if descent_minutes else None,
        "allow_roads": segments_on_roads,
    }
    if not include_climbs and not include_descent:
        return None
    return args


def loop_segment_options(f: F) -> F:
    """Add the options routing ``loop`` through climbs and a descent, passed as ``segs``."""
    opts: list[Callable[[F], F]] = [
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
            "--climb-min-gain",
            default="50m",
            show_default=True,
            help="Smallest gain of a climb (50m, 150ft).",
        ),
        click.option("--include-descent", is_flag=True, help="Also run one descent, downhill."),
        click.option(
            "--descent-grade",
            default="8-25%",
            show_default=True,
            help="Mean-grade window of the descent.",
        ),
        click.option(
            "--descent-minutes",
            default="5-10",
            show_default=True,
            help="Window on the descent's running time (a practice descent: 5-10).",
        ),
        click.option(
            "--segments-on-roads",
            is_flag=True,
            help="Accept climbs and descents on roads (by default at least half on trails).",
        ),
    ]
    keys = (
        "include_climbs",
        "climb_grade",
        "climb_min_gain",
        "include_descent",
        "descent_grade",
        "descent_minutes",
        "segments_on_roads",
    )
    return _apply(grouped("segs", loop_segment_args, keys)(f), opts)


# -- ski lines ------------------------------------------------------------------------


def line_files_option(help: str) -> Callable[[F], F]:
    """Add ``--file``: GPX or GeoJSON files of ski lines, passed as ``files``."""
    return click.option(
        "--file", "files", multiple=True, type=click.Path(dir_okay=False), help=help
    )


def slope_window_option(help: str) -> Callable[[F], F]:
    """Add ``--slope-window``: the slope window of DEM fall lines, in degrees."""
    return parsed_option(
        "--slope-window", parse=units.parse_slope_window, default="30-45", help=help
    )


# -- outputs ------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputOptions:
    """Output files (checked writable up front) and how to print the result."""

    out: Path | None = None
    gpx: Path | None = None
    geojson: Path | None = None
    as_json: bool = False
    offline: bool = False
    #: The safety sheet's options (:class:`routeplanner.cli._safety.SafetyOptions`),
    #: on commands that offer one.
    safety: Any = None

    def paths(self) -> dict[str, Path]:
        """Return the requested files by kind (``out``, ``gpx``, ``geojson``)."""
        found = {"out": self.out, "gpx": self.gpx, "geojson": self.geojson}
        return {k: v for k, v in found.items() if v is not None}


_OUTPUT_HELP = {
    "out": "HTML map.",
    "gpx": "GPX 1.1 track file.",
    "geojson": "GeoJSON file.",
}


def output_options(
    kinds: Sequence[str] = ("out", "gpx", "geojson"),
    *,
    json_help: str = "Print stats as JSON.",
    map_help: str | None = None,
) -> Callable[[F], F]:
    """Add output options (``--out``, ``--gpx``, ``--geojson``, ``--json``, ``--offline``).

    Parameters
    ----------
    kinds
        Which files the command can write.
    json_help
        Help text of ``--json``.
    map_help
        Help text of ``--out`` if not the default.

    Returns
    -------
    callable
        The decorator; the command receives ``output: OutputOptions``.
    """

    def deco(f: F) -> F:
        opts: list[Callable[[F], F]] = []
        for kind in kinds:
            text = map_help if kind == "out" and map_help else _OUTPUT_HELP[kind]
            opts.append(
                click.option(
                    f"--{kind}",
                    type=click.Path(dir_okay=False),
                    callback=_output_path,
                    help=text,
                )
            )
        opts.append(click.option("--json", "as_json", is_flag=True, help=json_help))
        opts.append(click.option("--offline", is_flag=True, help="Make the map work offline."))
        if kinds:
            opts.append(force_option)
        keys = (*kinds, "as_json", "offline")
        return _apply(grouped("output", OutputOptions, keys)(f), opts)

    return deco


# -- the brief: hard constraints and exit 3 ----------------------------------------

#: Exit code of a plan that was written but missed the brief.
EXIT_MISSED = 3


@dataclass(frozen=True)
class BriefOptions:
    """The brief's hard constraints as typed, and whether a miss still exits 0.

    Trail-first is the default; ``allow_roads`` takes main roads like any way
    (``avoid_roads``, the old flag, states the default).
    """

    avoid_roads: bool = False
    min_trail: str | None = None
    max_ascent: str | None = None
    max_ascent_rate: str | None = None
    max_grade: str | None = None
    accept_closest: bool = False
    allow_roads: bool = False

    def constraints(self) -> Constraints:
        """Build the :class:`~routeplanner.brief.Constraints` (InputError on a bad value)."""
        from routeplanner.brief import Constraints

        if self.allow_roads and self.avoid_roads:
            raise InputError(
                "--allow-roads and --avoid-roads contradict each other: give one "
                "(trail-first, --avoid-roads, is the default)"
            )
        return Constraints.from_strings(
            avoid_roads=not self.allow_roads,
            min_trail=self.min_trail,
            max_ascent=self.max_ascent,
            max_ascent_rate=self.max_ascent_rate,
            max_grade=self.max_grade,
        )

    def preferences(self) -> Preferences:
        """Search preferences: trail-first, or with ``allow_roads`` the plain ones."""
        from routeplanner.search.graph import TRAIL_FIRST, Preferences

        return Preferences() if self.allow_roads else TRAIL_FIRST


def brief_options(f: F) -> F:
    """Add the brief's options, passed as ``brief: BriefOptions``."""
    opts = [
        click.option(
            "--allow-roads",
            is_flag=True,
            help="Take main roads like any other way (by default, trail-first: main "
            "roads only where no other way connects, minor roads after trails).",
        ),
        click.option(
            "--avoid-roads",
            is_flag=True,
            help="Trail-first, the default (kept for existing scripts).",
        ),
        click.option("--min-trail", help="Least trail share, e.g. 60%."),
        click.option("--max-ascent", help="Most total ascent, e.g. 300m."),
        click.option("--max-ascent-rate", help="Most ascent per hour, e.g. 250m/h."),
        click.option("--max-grade", help="Steepest grade allowed, e.g. 25%."),
        click.option(
            "--accept-closest",
            is_flag=True,
            help="Exit 0 even when the closest plan misses the brief.",
        ),
    ]
    keys = (
        "avoid_roads",
        "min_trail",
        "max_ascent",
        "max_ascent_rate",
        "max_grade",
        "accept_closest",
        "allow_roads",
    )
    return _apply(grouped("brief", BriefOptions, keys)(f), opts)


def report_missed(routes: Sequence[Any], *, as_json: bool, accept_closest: bool) -> None:
    """Print ``MISSED: …`` and exit 3 when the best route misses the brief.

    The line goes to stdout (to stderr with ``--json``, whose stdout is the
    JSON); ``accept_closest`` keeps the exit code 0.
    """
    outcome = getattr(routes[0], "outcome", None) if routes else None
    if outcome is None or outcome.meets_brief:
        return
    exit_missed(outcome.misses, as_json=as_json, accept_closest=accept_closest)


def exit_missed(misses: Sequence[str], *, as_json: bool, accept_closest: bool) -> None:
    """Print ``MISSED: …`` (stderr with ``--json``) and exit 3 unless ``accept_closest``."""
    if not misses:
        return
    from routeplanner._text import terminal_safe  # names in misses come from OSM

    click.echo(terminal_safe("MISSED: " + "; ".join(misses)), err=as_json)
    if not accept_closest:
        sys.exit(EXIT_MISSED)
