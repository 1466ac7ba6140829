"""`routeplanner catalog`: a club's route library for whole regions, computed on Dask."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from routeplanner import units
from routeplanner.cli._common import Ctx, counting, echo_json, status
from routeplanner.cli.options import common_options, grouped, parsed
from routeplanner.errors import InputError

if TYPE_CHECKING:
    from routeplanner.catalog.runner import CatalogRun, RegionSource
    from routeplanner.catalog.tasks import CatalogRequest
    from routeplanner.network.model import Network
    from routeplanner.output.policy import OutputPlan

__all__ = ["CatalogRoutes", "CatalogScope", "CatalogSite", "Cluster", "catalog_command"]

_KINDS = ("easy", "hilly", "descent")


@dataclass(frozen=True)
class CatalogScope:
    """Where the routes start: ``--region``, ``--from``, ``--bbox``, ``--tile``, the data."""

    regions: tuple[str, ...]
    origin: str
    bbox: tuple[float, float, float, float] | None
    tile: float | None
    data_dir: str | None
    no_cache: bool

    @property
    def trailhead_file(self) -> str | None:
        """The GeoJSON file of ``--from`` (None: the regions' own trailheads)."""
        return None if self.origin == "trailheads" else self.origin


@dataclass(frozen=True)
class CatalogRoutes:
    """What every trailhead gets: ``--durations``, ``--kinds``, the runner and the brief."""

    durations: tuple[float, ...]
    kinds: tuple[str, ...]
    pace: str
    easy_ascent_rate: str
    allow_roads: bool

    def request(self, flat_pace_s_per_km: float) -> CatalogRequest:
        """Build the :class:`~routeplanner.catalog.tasks.CatalogRequest` (``--pace`` parsed).

        Raises
        ------
        InputError
            If ``--easy-ascent-rate`` is invalid.
        """
        from routeplanner.brief import Constraints
        from routeplanner.catalog.tasks import CatalogRequest

        rate = Constraints.from_strings(max_ascent_rate=self.easy_ascent_rate).max_ascent_rate_m_h
        return CatalogRequest(
            durations_s=self.durations,
            kinds=self.kinds,
            flat_pace_s_per_km=flat_pace_s_per_km,
            easy_ascent_rate_m_h=float(rate or 250.0),
            allow_roads=self.allow_roads,
        )


@dataclass(frozen=True)
class Cluster:
    """Where the searches run: ``--workers`` local processes, or ``--scheduler``."""

    workers: int | None
    scheduler: str | None


@dataclass(frozen=True)
class CatalogSite:
    """The site: ``--events``, ``--out-dir``, ``--force``, ``--offline`` and ``--json``."""

    events: str | None
    out_dir: str
    force: bool
    offline: bool
    as_json: bool


def _durations(text: str) -> tuple[float, ...]:
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    if not parts:
        raise InputError("no durations: use e.g. --durations 30,60,90,120 (minutes)")
    return tuple(sorted({units.parse_duration(p) for p in parts}))


def _kinds(text: str) -> tuple[str, ...]:
    parts = [p.strip().lower() for p in str(text).split(",") if p.strip()]
    bad = [p for p in parts if p not in _KINDS]
    if bad or not parts:
        raise InputError(f"unknown route kind {bad[0] if bad else ''!r}: use {', '.join(_KINDS)}")
    return tuple(dict.fromkeys(parts))


def _bbox(text: str) -> tuple[float, float, float, float]:
    try:
        w, s, e, n = (float(x) for x in str(text).split(","))
    except ValueError:
        raise InputError(f"invalid --bbox {text!r}: expected W,S,E,N in degrees") from None
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise InputError(f"invalid --bbox {text!r}: expected W,S,E,N with W < E and S < N")
    return (w, s, e, n)


def _scheduler(text: str) -> str:
    """Check a Dask scheduler address (``tcp://HOST:PORT``) before any connection."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(str(text).strip())
        port = parse_host_port(location)[1] if scheme in ("tcp", "tls") else 1
    except ValueError as exc:
        raise InputError(f"invalid --scheduler {text!r}: {exc}; use tcp://HOST:PORT") from None
    if not 0 < port < 65536:
        raise InputError(f"invalid --scheduler {text!r}: port {port} is not 1 to 65535")
    return str(text).strip()


def _sources(names: tuple[str, ...], data_dir: str | None, no_cache: bool) -> list[Any]:
    from routeplanner.catalog.runner import RegionSource
    from routeplanner.sources import regions

    folder = None if no_cache else regions.usable_cache_dir(data_dir)
    cache = None if folder is None else str(folder)
    out = []
    for name in names:
        files = regions.resolve_region(name, data_dir=data_dir)
        region = regions.load_region(name)
        out.append(
            RegionSource(
                files.name,
                str(files.osm),
                tuple(str(d) for d in files.dem),
                cache,
                timezone=region.timezone,
                emergency_number=region.emergency_number,
            )
        )
    return out


@click.command("catalog")
@click.option("--region", "regions", multiple=True, required=True, help="Region; repeatable.")
@click.option(
    "--from",
    "origin",
    default="trailheads",
    show_default=True,
    help="trailheads (car parks, stops, huts, villages from OSM) or a GeoJSON file of points.",
)
@click.option("--durations", default="30,60,90,120", show_default=True, callback=parsed(_durations))
@click.option("--kinds", default="easy,hilly", show_default=True, callback=parsed(_kinds))
@click.option("--events", type=click.Path(file_okay=False), help="Folder of group-run event files.")
@click.option("--workers", type=click.IntRange(1, 256), help="Local worker processes (default 2).")
@click.option(
    "--scheduler",
    callback=parsed(_scheduler),
    help="Address of a running Dask scheduler, tcp://HOST:PORT.",
)
@click.option("--bbox", callback=parsed(_bbox), help="W,S,E,N: only trailheads inside.")
@click.option("--tile", callback=parsed(units.parse_distance), help="Split regions into tiles.")
@click.option("--pace", default="6:00", show_default=True, help="Reference runner's flat pace.")
@click.option(
    "--easy-ascent-rate",
    default="250m/h",
    show_default=True,
    help="Most ascent per hour of an easy route (steeper ones are marked as missing it).",
)
@click.option(
    "--allow-roads",
    is_flag=True,
    help="Take main roads like any way (by default trail-first).",
)
@click.option("--data-dir", type=click.Path(file_okay=False), help="Folder with region files.")
@click.option("--no-cache", is_flag=True, help="Build the networks in memory.")
@click.option("--out-dir", required=True, type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Write into an existing folder.")
@click.option("--offline", is_flag=True, help="Make the event maps work offline.")
@click.option("--json", "as_json", is_flag=True, help="Print a summary as JSON.")
@common_options
@click.pass_obj
@grouped("scope", CatalogScope)
@grouped("routes", CatalogRoutes)
@grouped("cluster", Cluster)
@grouped("site", CatalogSite)
def catalog_command(
    ctx: Ctx, /, scope: CatalogScope, routes: CatalogRoutes, cluster: Cluster, site: CatalogSite
) -> None:
    """Build a route library: every trailhead x durations x kinds, as a static site.

    The searches run on Dask: a local cluster of --workers processes, or the
    cluster behind --scheduler (whose workers must read the same region files
    and cache folder).  Finished tasks are kept in the cache, so an interrupted
    run resumes where it stopped.
    """
    from routeplanner.catalog.runner import ClusterOptions, TrailheadSource, run_catalog
    from routeplanner.output import bundle
    from routeplanner.output.policy import OutputPlan
    from routeplanner.sources import regions

    if cluster.workers and cluster.scheduler:
        raise InputError("give either --workers or --scheduler, not both")
    _quiet_dask(ctx)
    flat_pace = units.parse_pace(routes.pace)  # parsed once, handed on as seconds per km
    events, event_regions = _events(site.events)  # bad files fail before the work
    outputs = OutputPlan("catalog", force=site.force)
    folder = outputs.add_folder("--out-dir", site.out_dir)
    sources = _checked_sources(scope, events, event_regions, outputs)
    t0 = time.perf_counter()
    with counting(ctx, "computing routes", "routes") as step:
        run = run_catalog(
            sources,
            routes.request(flat_pace),
            regions.cache_dir(scope.data_dir) / "catalog",
            source=TrailheadSource(file=scope.trailhead_file, bbox=scope.bbox),
            cluster=ClusterOptions(
                workers=cluster.workers or 2, scheduler=cluster.scheduler, tile_m=scope.tile
            ),
            progress=step,
        )
    found = [r for res in run.results for r in res["routes"]]
    trailheads = [t for ths in run.trailheads.values() for t in ths]
    title = "Routes: " + ", ".join(s.name for s in sources)
    files: dict[str, str | bytes] = {}
    listed: list[dict[str, Any]] = []
    if events:
        with status(ctx, "planning the group runs"):
            event_pages, listed = _event_pages(events, sources, title, site.offline)
            files.update(event_pages)
    files.update(
        bundle.catalog_site(title, trailheads, found, listed, basemap=_basemap(sources[0]))
    )
    with outputs:
        for name, text in files.items():
            outputs.put_in(folder, name, text)
        outputs.commit()
    summary = _summary(run, found, trailheads, time.perf_counter() - t0, len(events))
    if site.as_json:
        echo_json(summary)
    else:
        click.echo(
            f"{summary['routes']} routes from {summary['trailheads']} trailheads "
            f"({summary['meet_brief']} meet their brief) on {summary['workers']} workers in "
            f"{summary['seconds']:.0f} s; wrote {len(files)} files into {site.out_dir}"
        )


def _quiet_dask(ctx: Ctx) -> None:
    """Silence Dask's own logs unless ``-vv``: they are not about what the user asked for."""
    if ctx.verbosity >= 2:
        return
    # Dask's own connection chatter is not about anything the user asked for
    for name in ("distributed", "tornado"):
        logging.getLogger(name).setLevel(logging.ERROR)
    # ... nor in the local workers, which log to the same stderr (a worker reads
    # this when it starts; an interrupted task would print a warning there).
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")


def _events(folder: str | None) -> tuple[list[Path], set[str | None]]:
    """Read the event files of ``--events`` (none without it); give them and their regions."""
    from routeplanner.catalog.events import event_files
    from routeplanner.events.event import load_event

    events = event_files(folder) if folder else []
    return events, {load_event(p).region for p in events}


def _checked_sources(
    scope: CatalogScope,
    events: Sequence[Path],
    event_regions: set[str | None],
    outputs: OutputPlan,
) -> list[RegionSource]:
    """Resolve the regions and read every input once, so bad input fails before any work.

    The inputs are added to ``outputs`` (an input is never an output, whatever its name).
    """
    from routeplanner.catalog.trailheads import read_trailhead_file

    origin = scope.trailhead_file
    outputs.add_inputs(origin)  # an input is never an output, whatever its name
    sources = _sources(scope.regions, scope.data_dir, scope.no_cache)
    outputs.add_inputs(*[s.osm for s in sources], *[d for s in sources for d in s.dem], *events)
    if origin is not None:
        read_trailhead_file(origin)  # read again on the workers; a bad file fails here
    unknown = event_regions - {None, *(s.name for s in sources)}
    if unknown:
        name = sorted(str(u) for u in unknown)[0]
        raise InputError(f"event region {name!r} is not one of the catalogue's regions")
    return sources


def _event_pages(
    events: Sequence[Path], sources: Sequence[RegionSource], title: str, offline: bool
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Plan the group runs of ``events`` on their regions' networks: pages and listing."""
    from routeplanner.catalog.events import events_site_files
    from routeplanner.network.build import load_network

    by_name = {s.name: s for s in sources}

    def network_for(name: str | None) -> Network:
        s = by_name.get(name or sources[0].name)
        if s is None:
            raise InputError(f"event region {name!r} is not one of the catalogue's regions")
        return load_network(s.osm, list(s.dem), cache_dir=s.cache_dir, name=s.name)

    return events_site_files(
        events,
        network_for,
        title=title,
        offline=offline,
        osm_for=lambda name: str(by_name[name or sources[0].name].osm),
    )


def _summary(
    run: CatalogRun,
    routes: Sequence[dict[str, Any]],
    trailheads: Sequence[Any],
    seconds: float,
    events: int,
) -> dict[str, Any]:
    """Give the run in figures, as ``--json`` prints it."""
    return {
        "routes": len(routes),
        "trailheads": len(trailheads),
        "workers": run.workers,
        "seconds": round(seconds, 1),
        "tasks": run.tasks,
        "resumed_tasks": run.resumed,
        "meet_brief": sum(r["meets_brief"] for r in routes),
        "failures": sum(len(res["failures"]) for res in run.results),
        "events": events,
        "worker_peak_mb": run.worker_peak_mb,
    }


def _basemap(source: Any) -> Any:
    """Return the offline basemap of the first region, cached beside its network."""
    from routeplanner.network.build import load_network
    from routeplanner.network.sidecar import Sidecar
    from routeplanner.output.bundle import basemap_for

    net = load_network(source.osm, list(source.dem), cache_dir=source.cache_dir, name=source.name)
    return basemap_for(net, Sidecar.of(net, source.cache_dir))
