"""What every command shares: the run's settings (:class:`Ctx`) and ``-v``/``-q``/``--units``.

The command group imports only this module (with click, logging and
:mod:`routeplanner.units`), so ``routeplanner --help`` stays fast; the
commands' own options are in :mod:`routeplanner.cli.options`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from routeplanner import units
from routeplanner.errors import InputError

__all__ = ["Ctx", "common_options", "parsed", "parsed_option"]

F = TypeVar("F", bound=Callable[..., Any])
V = TypeVar("V")
T = TypeVar("T")


# -- the context shared by every command ------------------------------------------


@dataclass
class Ctx:
    """Settings shared by every command: verbosity, progress display, units."""

    verbosity: int = 0
    quiet: bool = False
    progress: bool = True
    units: units.UnitSystem = "metric"


def _ctx(click_ctx: click.Context) -> Ctx:
    obj = click_ctx.find_object(Ctx)
    if obj is None:
        obj = click_ctx.ensure_object(Ctx)
        obj.progress = sys.stderr.isatty()
    return obj


def _configure_logging(obj: Ctx) -> None:
    if obj.quiet:
        level = logging.ERROR
    else:
        level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(obj.verbosity, 2)]
    logging.basicConfig(format="%(levelname)s: %(message)s", stream=sys.stderr)
    logging.getLogger("routeplanner").setLevel(level)


def _verbose_cb(click_ctx: click.Context, _param: click.Parameter, value: int) -> None:
    obj = _ctx(click_ctx)
    obj.verbosity += value or 0
    _configure_logging(obj)


def _quiet_cb(click_ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    obj = _ctx(click_ctx)
    if value:
        obj.quiet = True
        obj.progress = False
    _configure_logging(obj)


def _units_cb(click_ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    system = parsed(units.parse_unit_system)(click_ctx, param, value)
    if system is not None:
        _ctx(click_ctx).units = system


def _setting(*decls: str, callback: Callable[..., None], help: str, **attrs: Any) -> Any:
    """Declare an option that sets the run's :class:`Ctx` as soon as it is read."""
    return click.option(
        *decls, expose_value=False, is_eager=True, callback=callback, help=help, **attrs
    )


def common_options(f: F) -> F:
    """Add ``-v``, ``-q`` and ``--units``, accepted before or after the subcommand."""
    opts = [
        _setting(
            "-v",
            "--verbose",
            count=True,
            callback=_verbose_cb,
            help="More log output (-vv for debug); shows the traceback of an internal error.",
        ),
        _setting(
            "-q",
            "--quiet",
            is_flag=True,
            callback=_quiet_cb,
            help="No progress display or log messages; the result is still printed.",
        ),
        _setting(
            "--units",
            type=click.Choice(units.UNIT_SYSTEMS, case_sensitive=False),
            callback=_units_cb,
            help="Units of printed distances, heights and paces (default metric).",
        ),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


# -- parsing callbacks -------------------------------------------------------------


def parsed(
    parse: Callable[[V], T],
) -> Callable[[click.Context, click.Parameter, V | None], T | None]:
    """Make a click callback from a parser: None passes, InputError becomes BadParameter.

    Parameters
    ----------
    parse
        A parser from :mod:`routeplanner.units` (or any function raising InputError).

    Returns
    -------
    callable
        ``callback(ctx, param, value)`` for :func:`click.option`.
    """

    def callback(click_ctx: click.Context, param: click.Parameter, value: V | None) -> T | None:
        if value is None:
            return None
        try:
            return parse(value)
        except InputError as exc:
            raise click.BadParameter(str(exc), ctx=click_ctx, param=param) from None

    return callback


def parsed_option(
    *decls: str, parse: Callable[[V], T], help: str, **attrs: Any
) -> Callable[[F], F]:
    """Declare a click option whose value ``parse`` reads (see :func:`parsed`).

    A ``default`` is shown in the help; the other ``attrs`` go to :func:`click.option`.
    """
    if "default" in attrs:
        attrs["show_default"] = True
    return click.option(*decls, callback=parsed(parse), help=help, **attrs)
