"""`routeplanner serve`: the interactive planner on a map, on 127.0.0.1."""

from __future__ import annotations

import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import click

from routeplanner.cli._common import Loaded, load, status
from routeplanner.cli._outputs import say
from routeplanner.cli.options import Ctx, RegionOptions, common_options, region_options
from routeplanner.errors import InputError

__all__ = ["load_quietly", "serve_command"]

#: The sample region, when no region is named (as the demo does).
DEFAULT_REGION = "andorra"


def load_quietly(src: RegionOptions) -> Loaded:
    """Load the region with no progress display (what each worker process runs)."""
    return load(Ctx(quiet=True, progress=False), src)


def _bind(host: str, port: int) -> socket.socket:
    """Open the listening socket now, so the address printed is the one that answers."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise InputError(f"invalid --host {host!r}: {exc.strerror}") from None
    family, _, _, _, addr = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(addr)
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(128)
    return sock


@contextmanager
def _stop_quietly() -> Iterator[None]:
    """Let SIGTERM and Ctrl-C end the server, then the workers, then exit 0.

    uvicorn stops on these signals and then raises them again once it has stopped;
    here they are only noted, so the workers are stopped and the command ends cleanly.
    """
    caught: list[int] = []
    signals = (signal.SIGINT, signal.SIGTERM)
    before = {sig: signal.signal(sig, lambda sig, _frame: caught.append(sig)) for sig in signals}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


@click.command()
@region_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Worker processes for the searches (default: one per core).",
)
@click.option(
    "--profile",
    type=click.Path(dir_okay=False, exists=True),
    help="Runner profile TOML from `routeplanner pace fit`, offered on the page.",
)
@common_options
@click.pass_obj
def serve_command(
    ctx: Ctx, src: RegionOptions, host: str, port: int, workers: int | None, profile: str | None
) -> None:
    """Serve the interactive planner: plan loops on a map, by time, trail-first, offline."""
    import dataclasses

    import uvicorn

    from routeplanner.serve.app import Region, create_app
    from routeplanner.serve.engine import ProcessEngine

    if not src.given:
        src = dataclasses.replace(src, region=DEFAULT_REGION)
    if profile is not None:
        from routeplanner.pace import RunnerProfile

        RunnerProfile.from_toml(profile)  # a bad file fails now, not in every query
    sock = _bind(host, port)
    loaded = load(ctx, src)  # builds the network cache the workers load from
    engine = ProcessEngine(load_quietly, (src,), profile, workers)
    try:
        with status(ctx, f"starting {engine.workers} worker(s)"):
            engine.warm()
        app = create_app(engine, Region(loaded, profile=profile is not None))
        config = uvicorn.Config(
            app,
            log_level="info" if ctx.verbosity else "warning",
            access_log=ctx.verbosity > 0,
            timeout_graceful_shutdown=5,
        )
        server = uvicorn.Server(config)
        say(f"routeplanner: planner for {loaded.files.name} at {_url(sock)} (Ctrl-C stops it)")
        with _stop_quietly():
            server.run(sockets=[sock])
    finally:
        engine.close()
        sock.close()
    if not ctx.quiet:
        say("routeplanner: stopped")
