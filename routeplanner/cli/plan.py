"""`routeplanner plan`: a base-building block with a route for every run."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from routeplanner import units
from routeplanner.cli._common import Ctx, echo_json, load, status
from routeplanner.cli._outputs import check_inputs, force_option, output_plan, say
from routeplanner.cli._places import point_or_name, resolve
from routeplanner.cli.options import (
    EXIT_MISSED,
    BriefOptions,
    RegionOptions,
    RunnerOptions,
    brief_options,
    common_options,
    grouped,
    region_options,
    runner_options,
)
from routeplanner.errors import InputError

if TYPE_CHECKING:
    from routeplanner.plan import BlockRequest

__all__ = ["PlanFields", "PlanFolder", "plan_command"]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Keys of a plan.toml, each the same as its option (with ``-`` as ``_``).
PLAN_KEYS = (
    "home",
    "weeks",
    "start",
    "week_time",
    "days",
    "long_day",
    "goal",
    "ramp",
    "recovery_every",
    "recovery_factor",
    "cross",
    "start_time",
    "tz",
    "seed",
    "allow_roads",
    "easy_ascent_rate",
)


@dataclass(frozen=True)
class PlanFields:
    """The block's options as typed, on the command line or in PLAN.toml (see :data:`PLAN_KEYS`).

    ``allow_roads`` comes from the plan file only (the option is the brief's).
    """

    plan_file: str | None
    home: str | None
    weeks: str
    start: str | None
    week_time: str
    days: str
    long_day: str | None
    goal: str
    ramp: str
    recovery_every: str
    recovery_factor: str
    cross: str
    start_time: str
    tz: str | None
    seed: str
    easy_ascent_rate: str
    allow_roads: str | None = None


def _fields(**values: str | None) -> PlanFields:
    """Merge PLAN.toml into the options (the command line wins) and keep them together."""
    values.update(_from_file(click.get_current_context(), values["plan_file"]))
    return PlanFields(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class PlanFolder:
    """``--out-dir`` and how the block is shown: ``--json``, ``--offline``."""

    out_dir: str
    as_json: bool
    offline: bool


def _days(text: str) -> tuple[int, ...]:
    parts = [p.strip().lower()[:3] for p in str(text).split(",") if p.strip()]
    if not parts:
        raise InputError("no run days given: use e.g. --days tue,thu,sat,sun")
    bad = [p for p in parts if p not in _DAYS]
    if bad:
        raise InputError(f"unknown day {bad[0]!r}: use mon, tue, wed, thu, fri, sat, sun")
    twice = next((p for i, p in enumerate(parts) if p in parts[:i]), None)
    if twice is not None:
        raise InputError(f"day {twice!r} is given twice in {text!r}: name each run day once")
    return tuple(sorted({_DAYS.index(p) for p in parts}))


def _day(text: str) -> int:
    (day,) = _days(text)[:1]
    return day


def _week_time(text: str) -> tuple[float, float]:
    lo, sep, hi = str(text).partition("-")
    if not sep:
        one = units.parse_duration(lo)
        return one, one
    return units.parse_duration(lo), units.parse_duration(hi)


def _easy_rate(text: str) -> float:
    """Read the easy sessions' ascent-rate cap (250m/h)."""
    from routeplanner.brief import Constraints

    rate = Constraints.from_strings(max_ascent_rate=str(text)).max_ascent_rate_m_h
    assert rate is not None
    return rate


def _flag(text: str) -> bool:
    """Read a plan file's true or false."""
    value = str(text).strip().lower()
    if value not in ("true", "false"):
        raise InputError(f"invalid allow_roads {text!r}: use true or false")
    return value == "true"


def _clock(text: str) -> dt.time:
    try:
        return dt.time.fromisoformat(str(text).strip())
    except ValueError:
        raise InputError(f"invalid start time {text!r}: expected HH:MM, e.g. 07:30") from None


def _asked(brief: BriefOptions) -> bool:
    """Whether any hard constraint was asked for (else only the times are judged)."""
    return bool(
        brief.avoid_roads
        or brief.allow_roads
        or brief.min_trail
        or brief.max_ascent
        or brief.max_ascent_rate
        or brief.max_grade
    )


def _region_zone(name: str) -> str:
    """Time zone of a catalog region, else UTC."""
    from routeplanner.sources import regions

    try:
        return regions.load_region(name).timezone or "UTC"
    except InputError:  # files given directly, not a catalog region
        return "UTC"


def _next_monday() -> dt.date:
    today = dt.date.today()
    return today + dt.timedelta(days=7 - today.weekday())


def _from_file(click_ctx: click.Context, path: str | None) -> dict[str, str]:
    """Read plan.toml and return the values of the options not given on the command line."""
    if path is None:
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"plan file not found: {path}") from None
    except ValueError as exc:  # TOMLDecodeError, UTF-8, an int over the digit limit
        raise InputError(f"{path} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - set(PLAN_KEYS))
    if unknown:
        raise InputError(f"{path}: unknown key {unknown[0]!r}; keys: {', '.join(PLAN_KEYS)}")
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            raise InputError(f"{path}: {key} must be a value or a list, not a table")
        if click_ctx.get_parameter_source(key) != click.core.ParameterSource.COMMANDLINE:
            out[key] = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    return out


def _request(values: PlanFields) -> BlockRequest:
    from routeplanner.plan import BlockRequest

    lo_hi = _week_time(values.week_time)
    return BlockRequest(
        start=units.parse_date(values.start) if values.start else _next_monday(),
        weeks=units.parse_whole(values.weeks, what="--weeks"),
        week_time_s=lo_hi,
        run_days=_days(values.days),
        long_day=_day(values.long_day) if values.long_day else None,
        goal=str(values.goal).strip().lower(),
        ramp=units.parse_share(values.ramp, what="--ramp"),
        recovery_every=units.parse_whole(values.recovery_every, what="--recovery-every"),
        recovery_factor=units.parse_share(values.recovery_factor, what="--recovery-factor"),
        cross=str(values.cross),
    )


@click.command("plan")
@click.argument("plan_file", metavar="[PLAN.toml]", required=False, type=click.Path(dir_okay=False))
@click.option("--home", help="LAT,LON or a place name: the runner's door (every run starts there).")
@click.option("--weeks", default="6", show_default=True, help="Weeks in the block, 1 to 12.")
@click.option("--start", help="First day of the block, YYYY-MM-DD (default: next Monday).")
@click.option("--week-time", default="3h-4h30", show_default=True, help="Weekly running time.")
@click.option("--days", default="tue,thu,sat,sun", show_default=True, help="Run days.")
@click.option("--long-day", help="Day of the long run (default: the last run day).")
@click.option("--goal", default="trail", show_default=True, help="trail, or ski.")
@click.option("--ramp", default="10%", show_default=True, help="Largest weekly growth, ≤ 20%.")
@click.option("--recovery-every", default="4", show_default=True, help="3 or 4.")
@click.option("--recovery-factor", default="85%", show_default=True)
@click.option("--cross", default="cycling", show_default=True, help="Cross-training activity.")
@click.option("--start-time", default="08:00", show_default=True, help="Time of the sessions.")
@click.option("--tz", help="Time zone of the sessions (default: the region's, else UTC).")
@click.option("--seed", default="0", show_default=True)
@click.option(
    "--easy-ascent-rate",
    default="250m/h",
    show_default=True,
    help="Most ascent per hour of an easy session (gentlest terrain in reach, else MISSED).",
)
@click.option("--out-dir", required=True, type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print plan.json to stdout.")
@click.option("--offline", is_flag=True, help="Make the session maps work offline.")
@runner_options()
@brief_options
@region_options
@force_option
@common_options
@click.pass_context
@grouped("values", _fields, ("plan_file", *(k for k in PLAN_KEYS if k != "allow_roads")))
@grouped("folder", PlanFolder)
def plan_command(
    click_ctx: click.Context,
    /,
    src: RegionOptions,
    runner: RunnerOptions,
    brief: BriefOptions,
    values: PlanFields,
    folder: PlanFolder,
) -> None:
    """Plan a base-building block: weeks of sessions, each run with its route from home.

    Options can also come from PLAN.toml (keys as the options, with _ for -);
    options given on the command line win.  Every output goes into OUT_DIR at
    once: plan.html, plan.ics, plan.json, a GPX, a FIT course, a map and a
    safety sheet (safety/DATE-KIND.txt) per routed session.
    """
    from routeplanner.cli._safety import plan_sheets
    from routeplanner.output import bundle
    from routeplanner.plan import RoutingOptions, make_plan

    ctx: Ctx = click_ctx.find_object(Ctx) or Ctx()
    if values.allow_roads is not None:  # the plan file's key (the option arrives in brief)
        brief = dataclasses.replace(brief, allow_roads=_flag(values.allow_roads))
    if not values.home:
        raise InputError("no home: give --home LAT,LON or a place (or home in the plan file)")
    home = point_or_name(values.home)
    request = _request(values)
    seed = units.parse_whole(values.seed, what="--seed")
    constraints = brief.constraints() if _asked(brief) else None
    easy_rate = _easy_rate(values.easy_ascent_rate)
    tz_name = str(units.parse_time_zone(values.tz)) if values.tz else None
    start_time = _clock(values.start_time)
    outputs = output_plan()
    out = outputs.add_folder("--out-dir", folder.out_dir)
    if not src.given:
        raise InputError("no region: give --region NAME, or --osm FILE --dem FILE")
    check_inputs(values.plan_file)
    loaded = load(ctx, src)
    place = resolve(home, loaded)
    if tz_name is None:
        tz_name = _region_zone(loaded.files.name)
    with status(ctx, "routing the sessions") as step:
        plan = make_plan(
            loaded.net,
            (place.lon, place.lat),
            runner.profile(),
            request,
            options=RoutingOptions(
                seed=seed, constraints=constraints, easy_ascent_rate_m_h=easy_rate
            ),
            progress=lambda done, total: step(f"{done}/{total}"),
        )
    with status(ctx, "safety sheets"):
        sheets = plan_sheets(
            plan.weeks, loaded, start_time=start_time, tz=tz_name, where=place.name
        )
    files = bundle.plan_folder_files(
        plan.block,
        plan.weeks,
        where=place.name,
        start_time=start_time,
        tz=tz_name,
        sheets=sheets,
        maps={
            "offline": folder.offline,
            "basemap": bundle.basemap_for(loaded.net, loaded.sidecar),
        },
    )
    for name, text in files.items():
        outputs.put_in(out, name, text)
    outputs.commit()
    import json

    data = json.loads(files["plan.json"])
    if folder.as_json:
        echo_json(data)
    else:
        for week in data["weeks"]:
            click.echo(bundle.week_line(week))
        if not ctx.quiet:
            say(f"wrote {len(files)} files into {folder.out_dir}")
    if not plan.meets_brief:
        # with --json, stdout stays one JSON document (as `loop --json` does)
        for miss in plan.misses:
            click.echo(f"MISSED: {miss}", err=folder.as_json)
        if not brief.accept_closest:
            sys.exit(EXIT_MISSED)
