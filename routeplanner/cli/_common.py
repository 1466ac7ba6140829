"""Shared plumbing of the command-line interface: options, loading, output.

Every command validates its options before loading data, prints one line
``error: …`` and exits non-zero on bad input, and writes its output files
only once everything has been computed (each file atomically).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from routeplanner import __version__, pace
from routeplanner._io import atomic_write_text, check_writable
from routeplanner.errors import InputError, RoutePlannerError

__all__ = ["Ctx", "cli", "main"]

log = logging.getLogger("routeplanner")

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


# -- shared plumbing -------------------------------------------------------------


@dataclass
class Ctx:
    """Options shared by every command."""

    verbosity: int = 0
    quiet: bool = False
    progress: bool = True


@contextmanager
def _status(ctx: Ctx, what: str) -> Iterator[Callable[[str], None]]:
    """A progress display for a long step; yields a callback naming sub-steps."""
    if ctx.quiet or not ctx.progress:
        yield lambda _step: None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(what, total=None)
        yield lambda step: bar.update(task, description=f"{what}: {step}")


def _region_options(f: Callable[..., Any]) -> Callable[..., Any]:
    opts = [
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
        click.option("--bbox", help="W,S,E,N area to fetch when --online (instead of --region)."),
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
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


@dataclass
class Loaded:
    """A loaded region: its network and the files it came from."""

    net: Any
    files: Any
    dem_paths: tuple[Path, ...] = field(default_factory=tuple)

    def dem(self) -> Any:
        """Open the DEM over the network's area (for map overlays)."""
        from routeplanner.sources.dem import open_dem

        w, s, e, n = self.net.bbox
        pad = 0.005  # a network along one straight line has a flat bbox
        return open_dem(self.dem_paths, bbox=(w - pad, s - pad, e + pad, n + pad))


def _load(
    ctx: Ctx,
    region: str | None,
    osm: str | None,
    dem: Sequence[str],
    bbox: str | None,
    place: str | None,
    data_dir: str | None,
    online: bool,
    no_cache: bool,
) -> Loaded:
    from routeplanner.network.build import load_network
    from routeplanner.sources import regions

    if bbox or place:
        files = _fetch_area(bbox, place, data_dir, online)
    else:
        if region is None and osm is None and not dem:
            raise InputError("no region: give --region NAME, or --osm FILE --dem FILE")
        files = regions.resolve_region(
            region, osm=osm, dem=list(dem), data_dir=data_dir, online=online
        )
    cache = None if no_cache else regions.cache_dir(data_dir)
    with _status(ctx, f"loading {files.name}") as step:
        net = load_network(files.osm, files.dem, cache_dir=cache, name=files.name, progress=step)
    net.meta.setdefault("attribution", list(files.attribution))
    return Loaded(net, files, tuple(files.dem))


def _fetch_area(bbox: str | None, place: str | None, data_dir: str | None, online: bool) -> Any:
    from routeplanner.sources import download, regions

    if bbox and place:
        raise InputError("give either --bbox or --place, not both")
    if not online:
        raise InputError("--bbox and --place fetch data: add --online")
    area: Any = place
    if bbox:
        try:
            w, s, e, n = (float(x) for x in bbox.split(","))
        except ValueError:
            raise InputError(f"invalid --bbox {bbox!r}: expected W,S,E,N in degrees") from None
        area = (w, s, e, n)
    dest = regions.cache_dir(data_dir) / "downloads"
    dest.mkdir(parents=True, exist_ok=True)
    osm = download.fetch_osm(area, dest_dir=dest)
    from routeplanner.sources.osm import read_osm

    ways = read_osm(osm)
    from routeplanner.sources.copernicus import fetch_dem

    dem_files = fetch_dem(ways.bbox, dest_dir=dest)  # Copernicus GLO-30, else SRTM
    return regions.RegionFiles(
        osm=osm,
        dem=dem_files.paths,
        attribution=(regions.OSM_ATTRIBUTION, dem_files.attribution),
        name="custom",
        bbox=ways.bbox,
    )


def _profile(pace_text: str, model: str, max_difficulty: str) -> pace.RunnerProfile:
    return pace.RunnerProfile.from_strings(pace_text, model, max_difficulty)


def _parse_tolerance(text: str) -> float:
    t = text.strip()
    try:
        value = float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        raise InputError(f"invalid tolerance {text!r}: use e.g. 5% or 0.05") from None
    if not 0.005 <= value <= 0.5:
        raise InputError(f"tolerance {text!r} out of range: use 0.5% to 50%")
    return value


def _outputs(**paths: str | None) -> dict[str, Path]:
    """Check every requested output path up front."""
    return {k: check_writable(v) for k, v in paths.items() if v}


class _Writer:
    """Collects output files, then writes them all or none."""

    def __init__(self) -> None:
        self.files: list[tuple[Path, str]] = []

    def add(self, path: Path, text: str) -> None:
        self.files.append((path, text))

    def commit(self) -> list[Path]:
        done: list[Path] = []
        try:
            for path, text in self.files:
                atomic_write_text(path, text)
                done.append(path)
        except OSError:
            for p in done:
                p.unlink(missing_ok=True)
            raise
        return done


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _map_html(
    routes: Sequence[Any],
    loaded: Loaded,
    title: str,
    *,
    offline: bool,
    segments: Sequence[Any] = (),
    markers: Sequence[Any] = (),
    info_html: str | None = None,
) -> str:
    from routeplanner.output import maps

    m = maps.route_map(
        routes,
        title=title,
        network=loaded.net,
        dem=loaded.dem(),
        segments=segments,
        markers=markers,
        info_html=info_html,
        offline=offline,
        attribution=loaded.files.attribution,
    )
    return maps.map_html(m)


# -- the command group -------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="routeplanner")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors; no progress display.")
@click.pass_context
def cli(click_ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Plan trail-running routes by time from OpenStreetMap trails and DEM terrain."""
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr)
    logging.getLogger("routeplanner").setLevel(level)
    click_ctx.obj = Ctx(verbosity=verbose, quiet=quiet, progress=sys.stderr.isatty())


def _runner_options(
    pace_default: str = "6:00", model_default: str = "minetti"
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--pace``, ``--model`` and ``--max-difficulty``: the runner profile."""

    def deco(f: Callable[..., Any]) -> Callable[..., Any]:
        opts = [
            click.option(
                "--pace",
                "pace_text",
                default=pace_default,
                show_default=True,
                help="Flat pace, min/km.",
            ),
            click.option(
                "--model",
                default=model_default,
                show_default=True,
                help="Pace model: minetti (running) or tobler (hiking).",
            ),
            click.option(
                "--max-difficulty",
                default="T6",
                show_default=True,
                help="Hardest sac_scale allowed, T1..T6.",
            ),
        ]
        for opt in reversed(opts):
            f = opt(f)
        return f

    return deco


def _loop_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = _runner_options()(f)
    opts = [
        click.option("--start", required=True, help="Start as LAT,LON."),
        click.option("--duration", required=True, help="Target time, e.g. 75m, 1h15m, 1:15."),
        click.option(
            "--tolerance", default="5%", show_default=True, help="Accepted duration error."
        ),
        click.option(
            "--alternatives",
            default=1,
            show_default=True,
            type=int,
            help="Number of really different loops.",
        ),
        click.option(
            "--seed", default=0, show_default=True, type=int, help="Seed of the randomised search."
        ),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    opts = [
        click.option("--out", type=click.Path(dir_okay=False), help="HTML map."),
        click.option("--gpx", type=click.Path(dir_okay=False), help="GPX 1.1 track file."),
        click.option("--geojson", type=click.Path(dir_okay=False), help="GeoJSON file."),
        click.option("--json", "as_json", is_flag=True, help="Print stats as JSON."),
        click.option("--offline", is_flag=True, help="Make the map work with no network."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _emit(
    ctx: Ctx,
    routes: Sequence[Any],
    loaded: Loaded,
    outs: dict[str, Path],
    *,
    title: str,
    as_json: bool,
    offline: bool,
    extra_features: Sequence[dict[str, Any]] = (),
    segments: Sequence[Any] = (),
    extra: dict[str, Any] | None = None,
) -> None:
    from routeplanner.output import export

    w = _Writer()
    if "gpx" in outs:
        w.add(outs["gpx"], export.gpx_document(routes, name=title))
    if "geojson" in outs:
        w.add(outs["geojson"], json.dumps(export.feature_collection(routes, extra_features)))
    if "out" in outs:
        w.add(outs["out"], _map_html(routes, loaded, title, offline=offline, segments=segments))
    written = w.commit()
    if as_json:
        data = export.summary_json(routes)
        data.update(extra or {})
        data["outputs"] = [str(p) for p in written]
        _echo_json(data)
    elif not ctx.quiet:
        for r in routes:
            s = r.stats
            click.echo(
                f"{r.name}: {s.distance_m / 1000:.1f} km, "
                f"{pace.format_duration(s.duration_s)}, +{s.ascent_m:.0f}/-{s.descent_m:.0f} m, "
                f"trail {s.trail_share:.0%}, overlap {s.overlap_share:.0%}"
            )
            click.echo("  via " + " > ".join(r.names[:8]) + (" > …" if len(r.names) > 8 else ""))
        for p in written:
            click.echo(f"wrote {p}")


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the CLI, turning expected errors into one-line messages."""
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="routeplanner",
            standalone_mode=False,
        )
    except click.exceptions.Abort:
        click.echo("error: aborted", err=True)
        sys.exit(EXIT_FAILED)
    except click.ClickException as exc:
        # One line, like every other error; `--help` shows the usage.
        message = " ".join(exc.format_message().split())
        click.echo(f"error: {message} (see --help)", err=True)
        sys.exit(EXIT_BAD_INPUT if isinstance(exc, click.UsageError) else exc.exit_code)
    except (InputError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except RoutePlannerError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    except OSError as exc:
        click.echo(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        sys.exit(EXIT_FAILED)
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug: one line, the traceback only with -v
        if any(a in ("-v", "-vv", "--verbose") for a in (argv or sys.argv[1:])):
            raise
        click.echo(
            f"error: internal error ({type(exc).__name__}: {exc}); rerun with -v for details",
            err=True,
        )
        sys.exit(EXIT_FAILED)
