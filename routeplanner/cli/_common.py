"""Shared plumbing of the commands: progress display, loading a region, writing outputs.

Every command validates its options before loading data (see
:mod:`routeplanner.cli.options`), and writes its output files only once
everything has been computed (each file atomically, all or none).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from routeplanner import units
from routeplanner.cli._outputs import check_inputs, output_plan, say, verify_catalog
from routeplanner.cli.options import Ctx, OutputOptions, RegionOptions
from routeplanner.errors import InputError

__all__ = [
    "Ctx",
    "Loaded",
    "Writer",
    "echo_json",
    "emit",
    "load",
    "log",
    "map_html",
    "route_lines",
    "status",
]

log = logging.getLogger("routeplanner")


@contextmanager
def status(ctx: Ctx, what: str) -> Iterator[Callable[[str], None]]:
    """Show a progress display for a long step; yield a callback naming sub-steps."""
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


@contextmanager
def counting(ctx: Ctx, what: str, unit: str) -> Iterator[Callable[[int, int], None]]:
    """Show a progress bar counting ``unit`` with the time left; yield ``update(done, total)``."""
    if ctx.quiet or not ctx.progress:
        yield lambda _done, _total: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("left"),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        tasks: list[Any] = []

        def update(done: int, total: int) -> None:
            if not tasks:
                # work done before (a resumed run) starts the bar without counting
                # towards the speed the time left is estimated from
                tasks.append(bar.add_task(what, total=total, completed=done))
            bar.update(tasks[0], completed=done, total=total)

        yield update


@dataclass
class Loaded:
    """A loaded region: its network, the files it came from, and its derived-data cache.

    ``sidecar`` (a :class:`~routeplanner.network.sidecar.Sidecar`, None without
    the cache) is where data derived from the same files is cached.
    """

    net: Any
    files: Any
    dem_paths: tuple[Path, ...] = field(default_factory=tuple)
    sidecar: Any = None

    def dem(self) -> Any:
        """Open the DEM over the network's area (for map overlays)."""
        return self.lazy_dem().open()

    def lazy_dem(self) -> Any:
        """Return the DEM over the network's area, opened only if a map overlay is not cached."""
        from routeplanner.sources.lazy_dem import LazyDem

        w, s, e, n = self.net.bbox
        pad = 0.005  # a network along one straight line has a flat bbox
        return LazyDem.over(self.dem_paths, (w - pad, s - pad, e + pad, n + pad))


def _region_files(src: RegionOptions) -> Any:
    from routeplanner.sources import regions

    if src.bbox or src.place:
        if src.bbox and src.place:
            raise InputError("give either --bbox or --place, not both")
        if src.region is not None or src.osm is not None or src.dem:
            given = "--region" if src.region is not None else "--osm/--dem"
            area = "--bbox" if src.bbox else "--place"
            raise InputError(f"give either {given} or {area} --online, not both")
        if not src.online:
            raise InputError("--bbox and --place fetch data: add --online")
        from routeplanner.sources.area import fetch_area

        return fetch_area(src.bbox or src.place or "", data_dir=src.data_dir)
    if src.region is None and src.osm is None and not src.dem:
        raise InputError("no region: give --region NAME, or --osm FILE --dem FILE")
    return regions.resolve_region(
        src.region,
        osm=src.osm,
        dem=list(src.dem),
        data_dir=src.data_dir,
        online=src.online,
        verify=verify_catalog(),
    )


def load(ctx: Ctx, src: RegionOptions) -> Loaded:
    """Load (or build and cache) the network of the region the options name.

    Raises
    ------
    InputError
        If no region is named, or the options contradict each other.
    DataError
        If a file is missing or unreadable.
    """
    from routeplanner.network.build import load_network
    from routeplanner.sources import regions

    check_inputs(src.osm, *src.dem)  # before any download or reading
    files = _region_files(src)
    check_inputs(files.osm, *files.dem)  # the region's files are inputs too
    cache = None if src.no_cache else regions.usable_cache_dir(src.data_dir)
    with status(ctx, f"loading {files.name}") as step:
        net = load_network(files.osm, files.dem, cache_dir=cache, name=files.name, progress=step)
    net.meta.setdefault("attribution", list(files.attribution))
    from routeplanner.network.sidecar import Sidecar

    return Loaded(net, files, tuple(files.dem), Sidecar.of(net, cache))


class Writer:
    """Stages output files, then installs them all or none (see `output.policy`)."""

    def __init__(self) -> None:
        self.plan = output_plan()
        self.files: dict[Any, str | bytes] = {}

    def add(self, path: Path, text: str | bytes) -> None:
        """Stage ``text`` (or bytes) for the output checked as ``path`` (``-``: stdout)."""
        self.files[self.plan.target_for(path)] = text

    def add_routes(self, rs: Any, targets: Mapping[str, Path | None]) -> None:
        """Stage the asked formats (by name, path or None) of a route set (`output.bundle`)."""
        from routeplanner.output import bundle

        asked = {name: path for name, path in targets.items() if path is not None}
        self.files.update(bundle.route_files(self.plan, rs, asked))

    def commit(self) -> list[Path]:
        """Rename every staged file into place (stdout last); on failure change nothing."""
        from routeplanner.output import bundle

        return bundle.commit(self.plan, self.files)


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def echo_written(ctx: Ctx, written: Sequence[Path]) -> None:
    """Name the files written (not with ``-q``)."""
    if not ctx.quiet:
        for p in written:
            say(f"wrote {p}")


def map_html(
    routes: Sequence[Any],
    loaded: Loaded,
    title: str,
    *,
    offline: bool,
    segments: Sequence[Any] = (),
    markers: Sequence[Any] = (),
    info_html: str | None = None,
    sheets: Sequence[Any] = (),
) -> str:
    """Render the HTML map of ``routes`` over the loaded region (``sheets``: their safety)."""
    from routeplanner.output import bundle

    return bundle.route_map_html(
        routes,
        title=title,
        network=loaded.net,
        dem=loaded.lazy_dem(),
        segments=segments,
        markers=markers,
        info_html=info_html,
        offline=offline,
        attribution=loaded.files.attribution,
        overlay_cache=loaded.sidecar,
        safety=tuple(sheets),
    )


@dataclass(frozen=True)
class SegmentsShown:
    """Segments shown with the routes: their GeoJSON features and map markers."""

    features: Sequence[dict[str, Any]] = ()
    markers: Sequence[Any] = ()


def route_lines(
    routes: Sequence[Any],
    system: units.UnitSystem = "metric",
    spans: Sequence[tuple[float, float] | None] = (),
) -> list[str]:
    """Return two text lines per route: its stats, and the ways it follows.

    `spans` gives, per route, the range of times for most of the runner's days
    (:func:`routeplanner.pace.spread.time_range_s`), shown after the time when known.
    """
    per_m, unit = (1.0 / units.FT_M, "ft") if system == "imperial" else (1.0, "m")
    rows = []
    for i, r in enumerate(routes):
        s = r.stats
        span = spans[i] if i < len(spans) else None
        most = (
            ""
            if span is None
            else f" ({units.format_duration(span[0])} to {units.format_duration(span[1])} "
            "on 80% of days)"
        )
        rows.append(
            f"{r.name}: {units.format_distance(s.distance_m, system)}, "
            f"{units.format_duration(s.duration_s)}{most}, "
            f"+{s.ascent_m * per_m:.0f}/-{s.descent_m * per_m:.0f} {unit}, "
            f"trail {s.trail_share:.0%}, overlap {s.overlap_share:.0%}"
        )
        rows.append("  via " + " > ".join(r.names[:8]) + (" > …" if len(r.names) > 8 else ""))
    return rows


def emit(
    ctx: Ctx,
    routes: Sequence[Any],
    loaded: Loaded,
    output: OutputOptions,
    *,
    title: str,
    with_segments: SegmentsShown | None = None,
    extra: dict[str, Any] | None = None,
    names: Sequence[str] = (),
) -> None:
    """Write the requested files of ``routes``, then print their stats (text or JSON).

    `names` name each route's GPX and FIT course (where and how long: "Arinsal loop
    75 min"); by default the title, then the route's name.

    Named points a route carries in its ``points`` (water, bail-outs …, when set)
    become GPX waypoints and FIT course points; `with_segments` go into the
    GeoJSON and the map.  Each route also gets the range of times for most of
    its runner's days when their profile knows how much their days differ
    (``duration_range_s`` in JSON, null otherwise).
    """
    spans = [_span(r.profile, r.stats.duration_s) for r in routes]
    _warn_wide_range(routes, spans)
    sheets, shown = _safety(ctx, routes, loaded, output, title)
    w = Writer()
    w.add_routes(
        _route_set(ctx, routes, loaded, output, title, shown, with_segments, names),
        _targets(output),
    )
    if shown and output.safety.path is not None:
        w.add(output.safety.path, "\n".join(s.to_text(units=ctx.units) for s in shown))
    written = w.commit()
    if output.as_json:
        echo_json(_json(routes, sheets, spans, extra, written))
        return
    for row in route_lines(routes, ctx.units, spans):
        say(row)
    for sheet in shown:
        say(sheet.to_text(units=ctx.units))
    echo_written(ctx, written)


def _warn_wide_range(routes: Sequence[Any], spans: Sequence[Any]) -> None:
    """Warn (once) when the range shown comes from recordings that disagree."""
    from routeplanner.pace.spread import spread_warning

    shown = [r for r, span in zip(routes, spans, strict=True) if span is not None]
    note = spread_warning(shown[0].profile) if shown else None
    if note:
        log.warning("%s", note)


def _targets(output: OutputOptions) -> dict[str, Path | None]:
    """Give the asked files by format name, in the order they are written."""
    from routeplanner.cli._exports import route_targets

    outs = output.paths()
    return {
        **route_targets(outs.get("gpx")),
        "geojson": outs.get("geojson"),
        "html": outs.get("out"),
    }


def _route_set(
    ctx: Ctx,
    routes: Sequence[Any],
    loaded: Loaded,
    output: OutputOptions,
    title: str,
    shown: Sequence[Any],
    with_segments: SegmentsShown | None,
    names: Sequence[str],
) -> Any:
    """Give the routes as their files carry them: course names, start, safety points, map."""
    from routeplanner.cli._exports import export_settings, plan_start, route_set
    from routeplanner.output import bundle

    settings = export_settings()
    safety = getattr(output, "safety", None)
    if settings.start is None and safety is not None and routes:
        settings.start = plan_start(safety, loaded, routes)  # --date/--start-time, region zone
    info = "".join(s.to_html(units=ctx.units) for s in shown) or None
    rs = route_set(
        routes,
        title=names or title,
        waypoints={i: s.waypoints() for i, s in enumerate(shown)},  # each route its own
        course_points=bundle.sheet_points(routes, shown),
        settings=settings,
    )
    return dataclasses.replace(
        rs,
        features=with_segments.features if with_segments else (),
        map_html=lambda: map_html(
            routes,
            loaded,
            title,
            offline=output.offline,
            segments=with_segments.markers if with_segments else (),
            info_html=info,
            sheets=shown,
        ),
    )


def _json(
    routes: Sequence[Any],
    sheets: Sequence[Any],
    spans: Sequence[tuple[float, float] | None],
    extra: dict[str, Any] | None,
    written: Sequence[Path],
) -> dict[str, Any]:
    """Give the ``--json`` document: route summaries, safety sheets, time ranges, outputs."""
    from routeplanner.output import bundle

    data: dict[str, Any] = {
        "routes": [
            bundle.route_json(
                r, sheet=sheets[i] if i < len(sheets) else None, span=spans[i], with_range=True
            )
            for i, r in enumerate(routes)
        ]
    }
    data.update(extra or {})
    data["outputs"] = [str(p) for p in written]
    return data


def _span(runner: Any, duration_s: float) -> tuple[float, float] | None:
    """Range of times for most of the runner's days, if their profile knows it."""
    from routeplanner.pace.spread import time_range_s

    return time_range_s(runner, duration_s)


def _safety(
    ctx: Ctx, routes: Sequence[Any], loaded: Loaded, output: OutputOptions, title: str
) -> tuple[list[Any], list[Any]]:
    """Safety sheets of the routes (for ``--json`` or ``--safety``), and those to show."""
    opts = output.safety
    if opts is None or not routes or not (opts.enabled or output.as_json):
        return [], []
    from routeplanner.cli._exports import route_files
    from routeplanner.cli._safety import safety_sheets

    files = route_files(output.paths(), len(routes))
    with status(ctx, "safety sheet"):
        sheets = safety_sheets(routes, loaded, opts, title=title, outputs=files)
    return sheets, (sheets if opts.enabled else [])
