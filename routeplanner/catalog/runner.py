"""Run catalogue tasks on Dask: a local cluster by default, any scheduler by address.

- Each region's network is loaded on a worker (from the shared cache, or built), then
  replicated once to every worker; tasks receive it by reference, so a worker holds one
  copy however many tasks it runs. Several regions load in parallel.
- One task per (region, trailhead batch). Each finished task's result is written at once,
  atomically, as ``<results_dir>/<task key>.json`` with a schema version and a digest
  (:mod:`routeplanner.catalog.results`); a rerun skips tasks whose file checks out, so an
  interrupted catalogue resumes where it stopped, and recomputes (with a warning) those
  whose file is damaged.
- Results are gathered in task order, never in completion order, so the catalogue is the
  same for any number of workers.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

from distributed import wait
from distributed.scheduler import KilledWorker

from routeplanner._io import file_safe
from routeplanner.catalog.results import read_result, write_result
from routeplanner.catalog.tasks import (
    CatalogRequest,
    SafetyContext,
    run_batch,
    task_key,
)
from routeplanner.catalog.tiles import plan_tiles, reach_m
from routeplanner.catalog.trailheads import (
    Trailhead,
    keep_near_trails,
    merge_close,
    name_unnamed,
    read_trailhead_file,
    trailheads_from_osm,
)
from routeplanner.errors import DataError, InputError, RoutePlannerError
from routeplanner.network.build import load_network
from routeplanner.network.clip import clip
from routeplanner.network.model import Network
from routeplanner.units.settings import env_positive

__all__ = [
    "BATCH_SIZE",
    "CatalogError",
    "CatalogRun",
    "ClusterOptions",
    "RegionSource",
    "TrailheadSource",
    "run_catalog",
    "select_trailheads",
]

log = logging.getLogger(__name__)

#: Trailheads per task: one, so that workers stay balanced to the last trailhead and the
#: progress moves with every trailhead (a task's overhead is small beside its searches).
BATCH_SIZE = 1
#: Longest wait for the client and the local cluster to close, seconds.
CLOSE_TIMEOUT_S = 10.0
#: Environment variable: how long a cluster may have no worker before the run fails, s.
NO_WORKER_ENV = "ROUTEPLANNER_CATALOG_NO_WORKER_S"
# How often the client looks at the cluster while it waits, seconds.
_POLL_S = 1.0


def _no_worker_s() -> float:
    return env_positive(NO_WORKER_ENV, 120.0)


@dataclass(frozen=True)
class RegionSource:
    """Where one region's data is: files readable by every worker.

    Attributes
    ----------
    name : str
        Region name (names task results and the cached network).
    osm : str
        OSM file.
    dem : tuple of str
        DEM files.
    cache_dir : str or None
        Network cache folder shared by the workers (None: build in memory).
    timezone : str or None
        IANA time zone of the safety sheets and FIT times (None: looked up).
    emergency_number : str
        Number the safety sheets give.
    """

    name: str
    osm: str
    dem: tuple[str, ...]
    cache_dir: str | None = None
    timezone: str | None = None
    emergency_number: str = "112"

    def safety(self) -> SafetyContext:
        """Return what the region's tasks need for safety sheets."""
        return SafetyContext(self.osm, self.timezone, self.emergency_number, self.cache_dir)


@dataclass(frozen=True)
class TrailheadSource:
    """Which trailheads: from the region's OSM (default) or a GeoJSON file, in a bbox."""

    file: str | None = None
    bbox: tuple[float, float, float, float] | None = None


def _load(region: RegionSource) -> Network:
    """Load a region's network on a worker (from the shared cache when there)."""
    return load_network(region.osm, list(region.dem), cache_dir=region.cache_dir, name=region.name)


def select_trailheads(
    net: Network, region: RegionSource, source: TrailheadSource
) -> tuple[Trailhead, ...]:
    """Pick the region's trailheads: read, merged within 300 m, kept near trails, in a bbox.

    Unnamed ones are named by kind and nearest place of the region ("Parking, Ordino").
    """
    found = trailheads_from_osm(region.osm)
    points = found if source.file is None else read_trailhead_file(source.file)
    if source.bbox is not None:
        w, s, e, n = source.bbox
        points = [p for p in points if w <= p.lon <= e and s <= p.lat <= n]
    kept = keep_near_trails(merge_close(points), net)
    return tuple(name_unnamed(kept, [p for p in found if p.kind == "village"]))


def _peak_rss_mb() -> float:
    """Peak resident memory of this process, in MB (Linux reports kB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _batches(trailheads: Sequence[Trailhead], size: int) -> list[tuple[Trailhead, ...]]:
    return [tuple(trailheads[i : i + size]) for i in range(0, len(trailheads), size)]


def _task(
    net: Network,
    batch: tuple[Trailhead, ...],
    request: CatalogRequest,
    safety: SafetyContext,
    path: str,
) -> str:
    """Run one batch on a worker and write its result file; return the path."""
    result = run_batch(net, batch, request, safety=safety)
    write_result(Path(path), Path(path).stem, result)
    return path


def _client(workers: int, scheduler: str | None) -> tuple[Any, Any]:
    """Connect a Dask client (and start the local cluster it owns, or None)."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        return Client(scheduler, timeout="30s"), None
    n = workers
    # one thread per worker process: the searches are Python- and numpy-bound
    cluster = LocalCluster(
        n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    return Client(cluster), cluster


@dataclass(frozen=True)
class ClusterOptions:
    """Where and how a catalogue is computed.

    Attributes
    ----------
    workers : int
        Local worker processes; ignored with ``scheduler``.
    scheduler : str or None
        Address of a running Dask scheduler (``tcp://HOST:PORT``).
    batch_size : int
        Trailheads per task.
    tile_m : float or None
        When given, each region is split into tiles of this side (see
        :mod:`routeplanner.catalog.tiles`); a tile's network is the region's network cut
        to the tile grown by the reach of the longest route, and only tiles are copied
        to the workers.
    no_worker_s : float
        How long the cluster may have no worker at all before the run fails (default
        ``$ROUTEPLANNER_CATALOG_NO_WORKER_S`` or 120 s); tasks of a worker that dies
        are run again on the others or on one that joins meanwhile.
    """

    workers: int = 1
    scheduler: str | None = None
    batch_size: int = BATCH_SIZE
    tile_m: float | None = None
    no_worker_s: float = field(default_factory=_no_worker_s)

    def __post_init__(self) -> None:
        if not 1 <= self.workers <= 256:
            raise InputError(f"workers must be between 1 and 256, got {self.workers}")
        if not 1 <= self.batch_size <= 1000:
            raise InputError(f"batch size must be between 1 and 1000, got {self.batch_size}")
        if self.tile_m is not None and not self.tile_m >= 1000:
            raise InputError(f"tile side must be at least 1 km, got {self.tile_m} m")


@dataclass(frozen=True)
class CatalogRun:
    """What a run computed.

    Attributes
    ----------
    trailheads : dict of str to tuple of Trailhead
        Per region, its trailheads.
    results : list of dict
        Task results in task order (region order, then batch order).
    workers : int
        Workers the cluster had.
    worker_peak_mb : dict of str to float
        Peak resident memory of each worker process at the end of the run.
    tiles : int
        Networks the routes were computed on (one per region, or one per tile).
    tasks : int
        Tasks in all; ``resumed`` of them were already done.
    resumed : int
        Tasks whose results were there from an earlier run.
    """

    trailheads: dict[str, tuple[Trailhead, ...]]
    results: list[dict[str, Any]]
    workers: int
    worker_peak_mb: dict[str, float]
    tiles: int
    tasks: int
    resumed: int


def run_catalog(
    regions: Sequence[RegionSource],
    request: CatalogRequest,
    results_dir: str | os.PathLike[str],
    *,
    source: TrailheadSource | None = None,
    cluster: ClusterOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CatalogRun:
    """Compute a catalogue on Dask, resuming from earlier results.

    Regions are loaded in parallel on the workers; each network is then copied to every
    worker once and the tasks refer to it.

    Parameters
    ----------
    regions
        Regions whose files every worker can read.
    request
        Durations, kinds and runner of every route.
    results_dir
        Folder of per-task result files (kept between runs).
    source
        Where the trailheads come from (default: the regions' OSM files).
    cluster
        Where and how to compute (default: one local worker, no tiles).
    progress
        Called with (routes done, routes in all) as tasks finish: a route planned or
        found impossible counts as done, as do those of resumed tasks.

    Returns
    -------
    CatalogRun
    """
    opt = cluster or ClusterOptions()
    if len({r.name for r in regions}) != len(regions):
        raise InputError("the same region is given twice")
    out = Path(results_dir)
    out.mkdir(parents=True, exist_ok=True)
    client, local = _client(opt.workers, opt.scheduler)
    try:
        nets, chosen = _load_regions(client, regions, source or TrailheadSource())
        plan: list[_Task] = []
        for r, net in zip(regions, nets, strict=True):
            for net_part, part in _parts(client, net, chosen[r.name], request, opt.tile_m):
                for i, batch in enumerate(_batches(part, opt.batch_size)):
                    key = task_key(r.name, len(plan) + i, batch, request)
                    plan.append(_Task(net_part, batch, out / f"{key}.json", r.safety()))
        todo = [p for p in plan if not _usable(p.path)]
        _run_tasks(client, plan, todo, request, opt.no_worker_s, progress)
        peaks = client.run(_peak_rss_mb)
        n_tiles = len({id(p.net) for p in plan})
    finally:
        _close(client, local)
    results = [_stored(p.path) for p in plan]
    return CatalogRun(
        chosen,
        results,
        len(peaks),
        {k: round(v, 1) for k, v in sorted(peaks.items())},
        n_tiles,
        len(plan),
        len(plan) - len(todo),
    )


class _Task(NamedTuple):
    """One task: a network (future), its trailheads, its result file and safety context."""

    net: Any
    batch: tuple[Trailhead, ...]
    path: Path
    safety: SafetyContext


def _load_regions(
    client: Any, regions: Sequence[RegionSource], src: TrailheadSource
) -> tuple[list[Any], dict[str, Any]]:
    """Load every region's network on the workers and choose its trailheads there.

    Returns the networks (futures) and the trailheads by region name.
    """
    nets = [client.submit(_load, r, key=f"network-{r.name}", pure=False) for r in regions]
    picks = [
        client.submit(select_trailheads, n, r, src, key=f"trailheads-{r.name}", pure=False)
        for n, r in zip(nets, regions, strict=True)
    ]
    chosen = dict(zip([r.name for r in regions], client.gather(picks), strict=True))
    if len(regions) > 1:
        # OSM ids repeat across overlapping extracts: a route's id (and its files'
        # names) must not, so each region's trailheads carry its name.
        chosen = {
            name: [replace(t, id=f"{file_safe(name)}-{t.id}") for t in ths]
            for name, ths in chosen.items()
        }
    return nets, chosen


def _run_tasks(
    client: Any,
    plan: Sequence[_Task],
    todo: Sequence[_Task],
    request: CatalogRequest,
    no_worker_s: float,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Run the tasks ``todo`` of ``plan``, counting routes done (those resumed too)."""
    if todo:
        # one copy of each network per worker, not one per task
        client.replicate(list({id(p.net): p.net for p in todo}.values()))
    per_th = len(request.kinds) * len(request.durations_s)
    total = per_th * sum(len(p.batch) for p in plan)
    waiting = {p.path for p in todo}
    done = per_th * sum(len(p.batch) for p in plan if p.path not in waiting)
    if progress is not None:
        progress(done, total)
    futures = [
        client.submit(_task, net, batch, request, ctx, str(path), key=path.stem, pure=False)
        for net, batch, path, ctx in todo
    ]
    sizes = {f.key: per_th * len(p.batch) for f, p in zip(futures, todo, strict=True)}
    _wait_for(
        client,
        futures,
        no_worker_s,
        lambda n: progress and progress(done + n, total),
        sizes,
    )
    try:
        client.gather(futures)  # re-raises a task's error here
    except KilledWorker as exc:
        raise CatalogError(
            f"catalogue task {exc.task} was lost with its worker again and again "
            "(each worker that ran it died): finished tasks are kept for a rerun"
        ) from None


class CatalogError(RoutePlannerError):
    """The cluster could not finish the catalogue (no worker left, tasks lost)."""


def _workers(client: Any) -> int:
    try:
        return len(client.scheduler_info(n_workers=-1).get("workers", {}))
    except TypeError:  # distributed before n_workers
        return len(client.scheduler_info().get("workers", {}))


def _wait_for(
    client: Any,
    futures: list[Any],
    no_worker_s: float,
    progress: Callable[[int], object],
    sizes: dict[str, int] | None = None,
) -> None:
    """Wait for every task; raise if the cluster has had no worker for ``no_worker_s``.

    ``progress`` is called with the sum of ``sizes`` (by task key; default 1 a task) of
    the tasks finished so far.

    Tasks of a worker that dies are run again by the scheduler on the others, or on a
    worker that joins later; a cluster left without any worker is an error in bounded
    time instead of a wait forever.
    """
    pending, finished, alone_since = set(futures), 0, None
    while pending:
        try:
            done, pending = wait(pending, timeout=_POLL_S, return_when="FIRST_COMPLETED")
        except TimeoutError:
            done = set()
        if done:
            finished += sum((sizes or {}).get(f.key, 1) for f in done)
            progress(finished)
        if not pending or _workers(client):
            alone_since = None
            continue
        alone_since = alone_since or time.monotonic()
        if time.monotonic() - alone_since > no_worker_s:
            raise CatalogError(
                f"the cluster has had no worker for {no_worker_s:g} s with {len(pending)} "
                f"task(s) left: finished tasks are kept; start workers and run again "
                f"({NO_WORKER_ENV} sets the wait)"
            )


def _close(client: Any, local: Any) -> None:
    """Close the client and the local cluster within seconds, even after an interruption."""
    try:
        client.close(timeout=CLOSE_TIMEOUT_S)
    except Exception as exc:  # a scheduler already gone
        log.debug("closing the Dask client: %s", exc)
    if local is not None:
        try:
            local.close(timeout=CLOSE_TIMEOUT_S)
        except Exception as exc:
            log.debug("closing the local cluster: %s", exc)


def _usable(path: Path) -> bool:
    """Whether a finished task's stored result can be used (a damaged one is warned about)."""
    result, problem = read_result(path, path.stem)
    if problem is not None:
        log.warning("recomputing catalogue task %s: its stored result is %s", path.stem, problem)
    return result is not None


def _stored(path: Path) -> dict[str, Any]:
    result, problem = read_result(path, path.stem)
    if result is None:
        raise DataError(f"catalogue task {path.stem} left no usable result ({problem})")
    return result


def _parts(
    client: Any,
    net: Any,
    trailheads: Sequence[Trailhead],
    request: CatalogRequest,
    tile_m: float | None,
) -> list[tuple[Any, tuple[Trailhead, ...]]]:
    """Pair the region's network with its trailheads, or each tile's cut with its own."""
    if tile_m is None:
        return [(net, tuple(trailheads))]
    reach = reach_m(max(request.durations_s))
    return [
        (client.submit(clip, net, t.bbox, pure=False), t.trailheads)
        for t in plan_tiles(trailheads, tile_m=tile_m, reach=reach)
    ]
