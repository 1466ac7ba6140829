"""The ``routeplanner`` command group, where every command is registered, and the entry point.

Exit codes: 0 done, 2 bad input (a click usage error, or an
:class:`~routeplanner.errors.InputError`, :class:`~routeplanner.errors.DataError`
or :class:`~routeplanner.errors.CoverageError`), 1 any other failure.  Every
error is one line ``error: …`` on stderr; an unexpected exception (a bug) is
reported as an internal error, with its traceback only under ``-v``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from routeplanner.cli import (
    catalog,
    climbs,
    demo,
    group,
    lines,
    loop,
    network,
    pace,
    plan,
    regions,
    scout,
    workout,
)
from routeplanner.cli.options import Ctx, common_options
from routeplanner.errors import CoverageError, DataError, InputError, RoutePlannerError

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "cli", "main"]

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
#: Errors that mean the user gave something wrong: a value, a file, a point off the map.
BAD_INPUT_ERRORS: tuple[type[RoutePlannerError], ...] = (InputError, DataError, CoverageError)


def _version(click_ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or click_ctx.resilient_parsing:
        return
    from routeplanner import __version__

    click.echo(f"routeplanner, version {__version__}")
    click_ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


for _command in (
    regions.regions,
    network.network,
    loop.loop,
    climbs.climbs,
    climbs.descents,
    workout.workout,
    lines.lines_command,
    scout.scout_command,
    group.group_command,
    plan.plan_command,
    catalog.catalog_command,
    pace.pace_group,
    demo.demo,
):
    cli.add_command(_command)


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
        cli.main(args=args, prog_name="routeplanner", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("error: aborted", err=True)
        sys.exit(EXIT_FAILED)
    except click.ClickException as exc:
        # One line, like every other error; `--help` shows the usage.
        message = " ".join(exc.format_message().split())
        click.echo(f"error: {message} (see --help)", err=True)
        sys.exit(EXIT_BAD_INPUT if isinstance(exc, click.UsageError) else exc.exit_code)
    except RoutePlannerError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_BAD_INPUT if isinstance(exc, BAD_INPUT_ERRORS) else EXIT_FAILED)
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if _verbose(args):
            raise
        if isinstance(exc, OSError):  # a file system failure (disk full, permissions)
            text = f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
            click.echo(f"error: {text} (rerun with -v for details)", err=True)
        else:  # a bug: one line, the traceback only with -v
            click.echo(
                f"error: internal error ({type(exc).__name__}: {exc}); rerun with -v for details",
                err=True,
            )
        sys.exit(EXIT_FAILED)
