"""The commands' side of the output policy (:mod:`routeplanner.output.policy`).

Output options are checked by their parsing callback, before any work: each one
is added to the run's :class:`~routeplanner.output.policy.OutputPlan`, kept in
the click context.  ``--force`` is eager, so it is known by then.  Only click
and the standard library are imported at module level, so ``--help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from routeplanner.cli._context import F

if TYPE_CHECKING:
    from routeplanner.output.policy import OutputPlan

__all__ = [
    "force_option",
    "no_verify_option",
    "output_path",
    "output_plan",
    "say",
    "verify_catalog",
]


_PLAN_KEY = "routeplanner.outputs"
_FORCE_KEY = "routeplanner.force"
_NO_VERIFY_KEY = "routeplanner.no_verify"
#: Options naming outputs (not inputs of the run).
OUTPUT_PARAMS = frozenset({"out", "gpx", "geojson", "out_dir"})


def _store(key: str) -> Callable[[click.Context, click.Parameter, bool], bool]:
    def store(click_ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
        if value:
            click_ctx.meta[key] = True
            plan = click_ctx.meta.get(_PLAN_KEY)
            if plan is not None and key == _FORCE_KEY:
                plan.force = True
        return value

    return store


def force_option(f: F) -> F:
    """Add ``--force``: replace existing files this command did not write."""
    return click.option(
        "--force",
        is_flag=True,
        is_eager=True,
        expose_value=False,
        callback=_store(_FORCE_KEY),
        help="Replace existing files that this command did not write (others are kept).",
    )(f)


def no_verify_option(f: F) -> F:
    """Add ``--no-verify``: use catalog files whose SHA-256 differs from the catalog's."""
    return click.option(
        "--no-verify",
        is_flag=True,
        expose_value=False,
        callback=_store(_NO_VERIFY_KEY),
        help="Use catalog files even if their SHA-256 differs from the catalog's.",
    )(f)


def verify_catalog() -> bool:
    """Return whether catalog files are to be checked (no ``--no-verify``)."""
    click_ctx = click.get_current_context(silent=True)
    return not (click_ctx is not None and click_ctx.meta.get(_NO_VERIFY_KEY))


def output_plan(click_ctx: click.Context | None = None) -> OutputPlan:
    """Return the output plan of the running command (made on first use)."""
    from routeplanner.output.policy import OutputPlan

    click_ctx = click_ctx or click.get_current_context()
    plan = click_ctx.meta.get(_PLAN_KEY)
    if plan is None:
        command = click_ctx.command_path.split(" ", 1)[-1]
        force = bool(click_ctx.meta.get(_FORCE_KEY) or click_ctx.params.get("force"))
        plan = OutputPlan(command, force=force)
        click_ctx.meta[_PLAN_KEY] = plan
        click_ctx.call_on_close(plan.discard)
    return plan


def current_plan() -> OutputPlan | None:
    """Return the running command's output plan, if it has one."""
    click_ctx = click.get_current_context(silent=True)
    return None if click_ctx is None else click_ctx.meta.get(_PLAN_KEY)


def output_path(click_ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """Check an output option now, before any work (a click callback)."""
    if value is None:
        return None
    from routeplanner.errors import InputError

    name = param.name or "out"
    try:
        output_plan(click_ctx).add_file(f"--{name}", value, stdout=name != "out")
    except InputError as exc:
        raise click.BadParameter(str(exc), ctx=click_ctx, param=param) from None
    return Path(value)


def check_inputs(*extra: Any) -> None:
    """Refuse outputs that are inputs of the run (every path option, and ``extra``).

    Also refuses ``--json`` when an output goes to standard output.
    """
    from routeplanner.errors import InputError

    click_ctx = click.get_current_context(silent=True)
    plan = current_plan()
    if click_ctx is None or plan is None:
        return
    found: list[Any] = list(extra)
    for param in click_ctx.command.params:
        if isinstance(param.type, click.Path) and param.name not in OUTPUT_PARAMS:
            value = click_ctx.params.get(param.name or "")
            found += list(value) if isinstance(value, (tuple, list)) else [value]
    plan.add_inputs(*[v for v in found if v])
    if plan.uses_stdout and click_ctx.params.get("as_json"):
        raise InputError("--json prints to stdout, and so does an output named -: choose one")


def say(text: object = "") -> None:
    """Print lines for the reader, without control characters; to stderr if stdout is an output."""
    from routeplanner._text import terminal_safe

    plan = current_plan()
    for line in str(text).split("\n"):
        click.echo(terminal_safe(line), err=plan is not None and plan.uses_stdout)
