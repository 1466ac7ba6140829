"""`routeplanner catalog`: a club's route library for whole regions, computed on Dask."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import click

from routeplanner import units
from routeplanner.cli._common import Ctx, counting, echo_json, status
from routeplanner.cli.options import common_options, parsed
from routeplanner.errors import InputError

__all__ = ["catalog_command"]

_KINDS = ("easy", "hilly", "descent")


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
def catalog_command(ctx: Ctx, /, **o: Any) -> None:
    """Build a route library: every trailhead x durations x kinds, as a static site.

    The searches run on Dask: a local cluster of --workers processes, or the
    cluster behind --scheduler (whose workers must read the same region files
    and cache folder).  Finished tasks are kept in the cache, so an interrupted
    run resumes where it stopped.
    """
    from routeplanner.brief import Constraints
    from routeplanner.catalog.events import event_files, events_site_files
    from routeplanner.catalog.runner import ClusterOptions, TrailheadSource, run_catalog
    from routeplanner.catalog.tasks import CatalogRequest
    from routeplanner.catalog.trailheads import read_trailhead_file
    from routeplanner.events.event import load_event
    from routeplanner.network.build import load_network
    from routeplanner.output import bundle
    from routeplanner.output.policy import OutputPlan
    from routeplanner.sources import regions

    if o["workers"] and o["scheduler"]:
        raise InputError("give either --workers or --scheduler, not both")
    if ctx.verbosity < 2:
        # Dask's own connection chatter is not about anything the user asked for
        for name in ("distributed", "tornado"):
            logging.getLogger(name).setLevel(logging.ERROR)
        # ... nor in the local workers, which log to the same stderr (a worker reads
        # this when it starts; an interrupted task would print a warning there).
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")
    units.parse_pace(o["pace"])
    events = event_files(o["events"]) if o["events"] else []
    event_regions = {load_event(p).region for p in events}  # bad files fail before the work
    outputs = OutputPlan("catalog", force=o["force"])
    folder = outputs.add_folder("--out-dir", o["out_dir"])
    origin = None if o["origin"] == "trailheads" else o["origin"]
    outputs.add_inputs(origin)  # an input is never an output, whatever its name
    sources = _sources(o["regions"], o["data_dir"], o["no_cache"])
    outputs.add_inputs(*[s.osm for s in sources], *[d for s in sources for d in s.dem], *events)
    if origin is not None:
        read_trailhead_file(origin)  # read again on the workers; a bad file fails here
    unknown = event_regions - {None, *(s.name for s in sources)}
    if unknown:
        name = sorted(str(u) for u in unknown)[0]
        raise InputError(f"event region {name!r} is not one of the catalogue's regions")
    easy_rate = Constraints.from_strings(max_ascent_rate=o["easy_ascent_rate"]).max_ascent_rate_m_h
    request = CatalogRequest(
        durations_s=o["durations"],
        kinds=o["kinds"],
        flat_pace=o["pace"],
        easy_ascent_rate_m_h=float(easy_rate or 250.0),
        allow_roads=o["allow_roads"],
    )
    cluster = ClusterOptions(workers=o["workers"] or 2, scheduler=o["scheduler"], tile_m=o["tile"])
    t0 = time.perf_counter()
    with counting(ctx, "computing routes", "routes") as step:
        run = run_catalog(
            sources,
            request,
            regions.cache_dir(o["data_dir"]) / "catalog",
            source=TrailheadSource(file=origin, bbox=o["bbox"]),
            cluster=cluster,
            progress=step,
        )
    routes = [r for res in run.results for r in res["routes"]]
    trailheads = [t for ths in run.trailheads.values() for t in ths]
    title = "Routes: " + ", ".join(s.name for s in sources)
    files: dict[str, str | bytes] = {}
    listed: list[dict[str, Any]] = []
    if events:
        by_name = {s.name: s for s in sources}

        def network_for(name: str | None) -> Any:
            s = by_name.get(name or sources[0].name)
            if s is None:
                raise InputError(f"event region {name!r} is not one of the catalogue's regions")
            return load_network(s.osm, list(s.dem), cache_dir=s.cache_dir, name=s.name)

        with status(ctx, "planning the group runs"):
            event_pages, listed = events_site_files(
                events,
                network_for,
                title=title,
                offline=o["offline"],
                osm_for=lambda name: str(by_name[name or sources[0].name].osm),
            )
            files.update(event_pages)
    files.update(
        bundle.catalog_site(title, trailheads, routes, listed, basemap=_basemap(sources[0]))
    )
    with outputs:
        for name, text in files.items():
            outputs.put_in(folder, name, text)
        outputs.commit()
    summary = {
        "routes": len(routes),
        "trailheads": len(trailheads),
        "workers": run.workers,
        "seconds": round(time.perf_counter() - t0, 1),
        "tasks": run.tasks,
        "resumed_tasks": run.resumed,
        "meet_brief": sum(r["meets_brief"] for r in routes),
        "failures": sum(len(res["failures"]) for res in run.results),
        "events": len(events),
        "worker_peak_mb": run.worker_peak_mb,
    }
    if o["as_json"]:
        echo_json(summary)
    else:
        click.echo(
            f"{summary['routes']} routes from {summary['trailheads']} trailheads "
            f"({summary['meet_brief']} meet their brief) on {summary['workers']} workers in "
            f"{summary['seconds']:.0f} s; wrote {len(files)} files into {o['out_dir']}"
        )


def _basemap(source: Any) -> Any:
    """Return the offline basemap of the first region, cached beside its network."""
    from routeplanner.network.build import load_network
    from routeplanner.network.sidecar import Sidecar
    from routeplanner.output.bundle import basemap_for

    net = load_network(source.osm, list(source.dem), cache_dir=source.cache_dir, name=source.name)
    return basemap_for(net, Sidecar.of(net, source.cache_dir))
