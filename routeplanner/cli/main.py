"""The ``routeplanner`` command group, where every command is registered, and the entry point.

Commands are loaded lazily: the group knows each command's module and summary
(:data:`COMMANDS`) and imports a command's module only when that command runs
(or its own ``--help`` is asked for), so ``routeplanner --help`` and each command
import only what they use.

Exit codes: 0 done, 2 bad input (a click usage error, or an
:class:`~routeplanner.errors.InputError`, :class:`~routeplanner.errors.DataError`
or :class:`~routeplanner.errors.CoverageError`), 1 any other failure, 130 and 143
when interrupted by Ctrl-C or SIGTERM (:mod:`routeplanner.cli._signals`).  Every
error is one line ``error: …`` on stderr; an unexpected exception (a bug) is
reported as an internal error, with its traceback only under ``-v``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import click

from routeplanner.cli._context import Ctx, common_options
from routeplanner.cli._signals import Interrupted, interruptible
from routeplanner.errors import CoverageError, DataError, InputError, RoutePlannerError

__all__ = ["COMMANDS", "EXIT_BAD_INPUT", "EXIT_FAILED", "LazyCommand", "LazyGroup", "cli", "main"]

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
#: Errors that mean the user gave something wrong: a value, a file, a point off the map.
BAD_INPUT_ERRORS: tuple[type[RoutePlannerError], ...] = (InputError, DataError, CoverageError)


class LazyCommand(NamedTuple):
    """Where a command lives, and its one-line summary for the group's ``--help``.

    Attributes
    ----------
    target : str
        ``"package.module:attribute"`` of the :class:`click.Command`.
    summary : str
        The first paragraph of the command's help (a test checks they agree).
    """

    target: str
    summary: str


#: Every command of the group, by name; imported on first use.
COMMANDS: dict[str, LazyCommand] = {
    "regions": LazyCommand("routeplanner.cli.regions:regions", "List the regions of the catalog."),
    "network": LazyCommand(
        "routeplanner.cli.network:network",
        "Build (or load from cache) the trail network and print its statistics.",
    ),
    "loop": LazyCommand("routeplanner.cli.loop:loop", "Plan a loop that takes a target time."),
    "climbs": LazyCommand(
        "routeplanner.cli.climbs:climbs",
        "List steep climbs near a point: best fit to the grade window first, then nearest.",
    ),
    "descents": LazyCommand(
        "routeplanner.cli.climbs:descents",
        "List descents for downhill practice near a point (--minutes: their running time).",
    ),
    "workout": LazyCommand("routeplanner.cli.workout:workout", "Workouts on climbs and descents."),
    "lines": LazyCommand(
        "routeplanner.cli.lines:lines_command",
        "List ski lines (OSM pistes, your GPX/GeoJSON lines, DEM fall lines) with slope stats.",
    ),
    "scout": LazyCommand(
        "routeplanner.cli.scout:scout_command",
        "Plan a summer trip on foot from a trailhead to ski lines and back.",
    ),
    "group": LazyCommand(
        "routeplanner.cli.group:group_command",
        "Plan a group run: a loop of the same duration for every pace group in EVENT.toml.",
    ),
    "plan": LazyCommand(
        "routeplanner.cli.plan:plan_command",
        "Plan a base-building block: weeks of sessions, each run with its route from home.",
    ),
    "catalog": LazyCommand(
        "routeplanner.cli.catalog:catalog_command",
        "Build a route library: every trailhead x durations x kinds, as a static site.",
    ),
    "pace": LazyCommand(
        "routeplanner.cli.pace:pace_group",
        "Fit your own pace profile from recordings, and predict times with it.",
    ),
    "serve": LazyCommand(
        "routeplanner.cli.serve:serve_command",
        "Serve the interactive planner: plan loops on a map, by time, trail-first, offline.",
    ),
    "demo": LazyCommand(
        "routeplanner.cli.demo:demo",
        "Run the main job on the Andorra sample region and write maps into OUT_DIR.",
    ),
}


def load_command(target: str) -> click.Command:
    """Import the command named by ``"package.module:attribute"``."""
    module, _, attr = target.partition(":")
    command = getattr(importlib.import_module(module), attr)
    if not isinstance(command, click.Command):
        raise TypeError(f"{target} is not a click command")
    return command


class LazyGroup(click.Group):
    """A command group that imports a command's module only when the command is used.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`click.Group`.
    lazy
        Commands by name, each a :class:`LazyCommand`.
    """

    def __init__(
        self, *args: Any, lazy: Mapping[str, LazyCommand] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, LazyCommand] = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Return the names of every command, loaded or not, sorted."""
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Return the command, importing its module on first use."""
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.add_command(load_command(self.lazy[cmd_name].target), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands with their summaries, without importing them.

        The rows are those of :meth:`click.Group.format_commands`: a command not
        loaded yet stands in as a :class:`click.Command` holding its summary.
        """
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.commands.get(name)
            if cmd is None:
                cmd = click.Command(name, help=self.lazy[name].summary)
            if not cmd.hidden:
                rows.append((name, cmd))
        if not rows:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in rows)
        with formatter.section("Commands"):
            formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])


def _version(click_ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or click_ctx.resilient_parsing:
        return
    from routeplanner import __version__

    click.echo(f"routeplanner, version {__version__}")
    click_ctx.exit()


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_version,
    help="Show the version and exit.",
)
@common_options
@click.pass_context
def cli(click_ctx: click.Context) -> None:
    """Plan trail-running routes by time from OpenStreetMap trails and DEM terrain."""
    click_ctx.ensure_object(Ctx)


def _verbose(argv: Sequence[str]) -> bool:
    """Whether ``-v`` was given anywhere (to show an internal error's traceback)."""
    for arg in argv:
        if arg == "--verbose" or (arg.startswith("-v") and set(arg[1:]) == {"v"}):
            return True
    return False


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI, turning every error into one line on stderr and an exit code."""
    args = list(argv) if argv is not None else sys.argv[1:]
    try:
        with interruptible():
            cli.main(args=args, prog_name="routeplanner", standalone_mode=False)
    except Interrupted as exc:
        _error(f"interrupted by {exc.what}; nothing half-written was kept")
        sys.exit(exc.exit_code)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            _error("interrupted; nothing half-written was kept")
            sys.exit(130)
        click.echo("error: aborted", err=True)
        sys.exit(EXIT_FAILED)
    except click.ClickException as exc:
        # One line, like every other error; `--help` shows the usage.
        _error(f"{exc.format_message()} (see --help)")
        sys.exit(EXIT_BAD_INPUT if isinstance(exc, click.UsageError) else exc.exit_code)
    except RoutePlannerError as exc:
        _error(exc)
        sys.exit(EXIT_BAD_INPUT if isinstance(exc, BAD_INPUT_ERRORS) else EXIT_FAILED)
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if _verbose(args):
            raise
        if isinstance(exc, OSError):  # a file system failure (disk full, permissions)
            text = f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
            _error(f"{text} (rerun with -v for details)")
        else:  # a bug: one line, the traceback only with -v
            _error(f"internal error ({type(exc).__name__}: {exc}); rerun with -v for details")
        sys.exit(EXIT_FAILED)


def _error(message: object) -> None:
    """Print an error as one line on stderr: values from users or OSM are untrusted."""
    from routeplanner._text import one_line

    click.echo(f"error: {one_line(message)}", err=True)
