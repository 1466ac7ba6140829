"""Benchmark the route catalogue on Dask: cost per route in loop queries, 1 and 2 workers.

In one run, on the 2025 Andorra extract with the network cache warm:

* **q**, the unit: the median in-process loop query (:func:`routeplanner.find_loops`, the
  plain loop of each measured trailhead and duration, per-start caches cleared before
  each), measured in this process before and after the catalogues;
* the same catalogue (the trailheads in ``--bbox``, at most ``--trailheads`` of them, x
  ``--durations`` x ``--kinds``, with safety sheets, GPX and FIT courses) computed from
  scratch on a local cluster of 1 worker, of 2 workers, and (``--scheduler``, default on)
  on a ``dask scheduler`` with 2 separately started ``dask worker`` processes on
  127.0.0.1 (started here, stopped at the end); for each: wall time of
  :func:`~routeplanner.catalog.runner.run_catalog` (cluster start and network loading
  included), routes per second, **per-route cost = wall time / routes, as a multiple of
  q**, and every worker's peak memory;
* whether the results are byte-identical on 1 worker, 2 workers, the separate cluster,
  and after a resume (one task's result removed, the 2-worker catalogue run again);
* a projection for a region 100x Andorra (10 x 10 copies of its trailheads, in tiles)
  from the measured per-route cost.

The 1-minute load average is printed with every figure: on a shared machine the ratios
to q (measured side by side in this process) are what to compare. Nothing asserts.
``--quick`` uses 2 trailheads, one duration and the 2013 extract, for CI.

Usage::

    .venv/bin/python scripts/bench_catalog.py [--data-dir ../shared/data] [--trailheads 43]
        [--bbox 1.48,42.53,1.56,42.59] [--durations 30,60,90] [--kinds easy,hilly]
        [--no-scheduler] [--json]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCRIPTS = Path(__file__).resolve().parent
REPO = SCRIPTS.parent
if str(REPO) not in sys.path:
    sys.path.insert(1, str(REPO))  # routeplanner, even when not installed
if str(SCRIPTS) not in sys.path:
    sys.path.insert(1, str(SCRIPTS))

from _common import data_dir as find_data_dir  # noqa: E402

#: Longest wait for a separately started scheduler or worker to come up, seconds.
START_TIMEOUT_S = 60.0


def _load() -> float:
    return round(os.getloadavg()[0], 1)


def _one(
    region: Any, request: Any, source: Any, where: Path, q_s: float, **cluster: Any
) -> dict[str, Any]:
    from routeplanner.catalog.runner import ClusterOptions, run_catalog

    load = _load()
    t0 = time.perf_counter()
    run = run_catalog([region], request, where, source=source, cluster=ClusterOptions(**cluster))
    seconds = time.perf_counter() - t0
    routes = sum(len(r["routes"]) for r in run.results)
    per_route = seconds / max(routes, 1)
    return {
        "workers": run.workers,
        "tasks": run.tasks,
        "seconds": round(seconds, 2),
        "routes": routes,
        "failures": sum(len(r["failures"]) for r in run.results),
        "routes_per_s": round(routes / seconds, 3),
        "per_route_s": round(per_route, 3),
        "per_route_q": round(per_route / q_s, 2),
        "worker_peak_mb": run.worker_peak_mb,
        "load_1min": load,
        "results_dir": str(where),
        "results": run.results,
    }


def _q(net: Any, trailheads: Any, request: Any, most: int = 12) -> float:
    """Median cold loop query from the measured trailheads at the catalogue's durations.

    At most ``most`` queries, spread evenly over the (trailhead, duration) pairs.
    """
    from routeplanner.errors import RoutePlannerError
    from routeplanner.search.loops import LoopRequest, find_loops

    profile = request.profile()
    pairs = [(th, target) for th in trailheads for target in request.durations_s]
    times = []
    for th, target in pairs[:: max(1, len(pairs) // most)][:most]:
        for key in [k for k in net._cache if isinstance(k, tuple) and k[:1] == ("loop_graph",)]:
            del net._cache[key]  # a cold query, as one CLI query
        loop = LoopRequest(target, tolerance=request.tolerance, seed=request.seed)
        t0 = time.perf_counter()
        try:
            find_loops(net, (th.lon, th.lat), profile, loop)
        except RoutePlannerError:  # a start with no loop still costs its search
            pass
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _dask() -> str:
    dask = Path(sys.executable).with_name("dask")
    return str(dask) if dask.exists() else shutil.which("dask") or "dask"


@contextmanager
def separate_cluster(tmp: Path, workers: int) -> Iterator[str]:
    """Start a scheduler and ``workers`` single-thread workers on 127.0.0.1; stop them after."""
    info = tmp / "scheduler.json"
    cmd = [_dask(), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
    env = {**os.environ, "DASK_LOGGING__DISTRIBUTED": "error"}
    log = (tmp / "cluster.log").open("wb")
    procs = [
        subprocess.Popen([*cmd, "--scheduler-file", str(info)], stdout=log, stderr=log, env=env)
    ]
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not info.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        worker = [_dask(), "worker", address, "--nthreads", "1", "--no-dashboard"]
        for _ in range(workers):
            procs.append(
                subprocess.Popen([*worker, "--host", "127.0.0.1"], stdout=log, stderr=log, env=env)
            )
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(workers, timeout=START_TIMEOUT_S)
        yield address
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        log.close()


def _projection(trailheads: list[Any], per_route_s: float, n_routes_each: int) -> dict[str, Any]:
    """Tiles and time for 10 x 10 copies of the region's trailheads."""
    from routeplanner.catalog.tiles import plan_tiles, reach_m
    from routeplanner.catalog.trailheads import Trailhead

    w = min(t.lon for t in trailheads)
    e = max(t.lon for t in trailheads)
    s = min(t.lat for t in trailheads)
    n = max(t.lat for t in trailheads)
    copies = [
        Trailhead(f"{t.id}-{i}-{j}", t.name, t.kind, t.lon + i * (e - w), t.lat + j * (n - s))
        for i in range(10)
        for j in range(10)
        for t in trailheads
    ]
    tiles = plan_tiles(copies, tile_m=25_000.0, reach=reach_m(7200.0))
    routes = len(copies) * n_routes_each
    return {
        "trailheads": len(copies),
        "routes": routes,
        "tiles": len(tiles),
        "max_trailheads_per_tile": max(len(t.trailheads) for t in tiles),
        "tile_network_km2": round(max(t.area_km2 for t in tiles)),
        "per_route_s_on_2_workers": round(per_route_s, 3),
        "hours_on_2_workers": round(routes * per_route_s / 3600, 1),
        "hours_on_64_workers": round(routes * per_route_s * 2 / 64 / 3600, 2),
    }


def _resumed(region: Any, request: Any, source: Any, tmp: Path, two: dict[str, Any]) -> bool:
    """Remove one task's result of the 2-worker run, run again: the same results?"""
    from routeplanner.catalog.runner import ClusterOptions, run_catalog

    files = sorted(Path(two["results_dir"]).glob("*.json"))
    files[len(files) // 2].unlink()
    run = run_catalog(
        [region], request, two["results_dir"], source=source, cluster=ClusterOptions(workers=2)
    )
    return run.resumed == len(files) - 1 and run.results == two["results"]


def _trailhead_file(path: Path, chosen: Any) -> None:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [t.lon, t.lat]},
            "properties": {"id": t.id, "name": t.name},
        }
        for t in chosen
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Measure q, then 1 worker, 2 workers and a separate cluster side by side; project."""
    from routeplanner.catalog.runner import RegionSource, TrailheadSource, select_trailheads
    from routeplanner.catalog.tasks import CatalogRequest
    from routeplanner.network.build import load_network

    # Dask's own lines (a nanny killing a worker that is slow to stop) are not results
    logging.getLogger("distributed").setLevel(logging.ERROR)
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")
    data = find_data_dir(args.data_dir) / "andorra"
    osm = data / ("andorra.osm.pbf" if args.quick else "andorra-2025.osm.pbf")
    dem = data / "N42E001.hgt.zip"
    durations = (1800.0,) if args.quick else tuple(60.0 * int(m) for m in args.durations.split(","))
    request = CatalogRequest(durations_s=durations, kinds=tuple(args.kinds.split(",")))
    bbox = None if args.quick else tuple(float(v) for v in args.bbox.split(","))
    load_start = _load()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        cache = tmp / "cache"
        net = load_network(osm, [dem], cache_dir=cache, name="bench")  # the cache is warm after
        region = RegionSource("bench", str(osm), (str(dem),), str(cache))
        every = select_trailheads(net, region, TrailheadSource())
        inside = select_trailheads(net, region, TrailheadSource(bbox=bbox))  # type: ignore[arg-type]
        chosen = inside[: 2 if args.quick else args.trailheads]
        _trailhead_file(tmp / "trailheads.geojson", chosen)
        source = TrailheadSource(file=str(tmp / "trailheads.geojson"))
        # q is measured before and after every run: each run's cost is read against the
        # mean of the two q beside it (the machine's load changes within minutes)
        qs = [_q(net, chosen, request)]
        one = _one(region, request, source, tmp / "w1", qs[-1], workers=1)
        qs.append(_q(net, chosen, request))
        two = _one(region, request, source, tmp / "w2", qs[-1], workers=2)
        qs.append(_q(net, chosen, request))
        resumed_same = _resumed(region, request, source, tmp, two)
        runs = [one, two]
        if args.scheduler:
            with separate_cluster(tmp, 2) as address:
                qs.append(_q(net, chosen, request))
                runs.append(_one(region, request, source, tmp / "s2", qs[-1], scheduler=address))
                qs.append(_q(net, chosen, request))
    pairs = [(qs[0], qs[1]), (qs[1], qs[2]), (qs[3], qs[4]) if len(qs) > 3 else None]
    for r, pair in zip(runs, pairs, strict=False):
        assert pair is not None
        r["q_beside_s"] = [round(v, 4) for v in pair]
        r["per_route_q"] = round(r["per_route_s"] / statistics.mean(pair), 2)
    q_s = statistics.median(qs)
    remote = runs[2] if len(runs) > 2 else None
    same = all(r["results"] == one["results"] for r in runs) and resumed_same
    for r in runs:
        del r["results"], r["results_dir"]
    n_each = len(durations) * len(request.kinds)
    return {
        "extract": osm.name,
        "bbox": bbox,
        "trailheads_in_region": len(every),
        "trailheads_measured": len(chosen),
        "durations_min": [round(d / 60) for d in durations],
        "kinds": list(request.kinds),
        "q_s": round(q_s, 4),
        "q_runs_s": [round(v, 4) for v in qs],
        "one_worker": one,
        "two_workers": two,
        "separate_cluster": remote,
        "speed_up": round(two["routes_per_s"] / max(one["routes_per_s"], 1e-9), 2),
        "identical_results": same,
        "identical_after_resume": resumed_same,
        "target_per_route_q_on_2_workers": 1.5,
        "load_1min_start_end": [load_start, _load()],
        "full_region_estimate_h_on_2": round(len(every) * n_each * two["per_route_s"] / 3600, 2),
        "projection_100x": _projection(list(every), two["per_route_s"], n_each),
    }


def _report(res: dict[str, Any]) -> None:
    print(
        f"{res['extract']}: {res['trailheads_measured']} trailheads (bbox {res['bbox']}) x "
        f"{res['durations_min']} min x {res['kinds']}; q = {res['q_s'] * 1000:.0f} ms "
        f"(median loop query; measured {res['q_runs_s']} s); "
        f"load {res['load_1min_start_end']}"
    )
    for key in ("one_worker", "two_workers", "separate_cluster"):
        r = res[key]
        if r is None:
            continue
        peaks = ", ".join(f"{v:.0f}" for v in r["worker_peak_mb"].values())
        label = "separate scheduler" if key == "separate_cluster" else "local"
        print(
            f"  {label}, {r['workers']} worker(s): {r['routes']} routes in {r['seconds']:.1f} s "
            f"= {r['routes_per_s']:.3f} routes/s = {r['per_route_q']:.2f} q a route "
            f"(q beside it {r['q_beside_s']} s) "
            f"(load {r['load_1min']}); peak MB per worker: {peaks}"
        )
    print(
        f"  speed-up 2 vs 1: {res['speed_up']:.2f}x; target on 2 workers <= "
        f"{res['target_per_route_q_on_2_workers']} q a route: "
        f"{res['two_workers']['per_route_q']:.2f} q; identical results (1, 2, separate, "
        f"resumed): {res['identical_results']}"
    )
    p = res["projection_100x"]
    print(
        f"  100x region: {p['trailheads']} trailheads, {p['routes']} routes, "
        f"{p['tiles']} tiles of 25 km (+12 km reach), <= {p['max_trailheads_per_tile']} "
        f"trailheads and {p['tile_network_km2']} km2 per tile; at "
        f"{p['per_route_s_on_2_workers']} s a route on 2 workers: {p['hours_on_2_workers']} h, "
        f"{p['hours_on_64_workers']} h on 64"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print a table and a JSON line."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir")
    ap.add_argument("--trailheads", type=int, default=1000)
    ap.add_argument("--bbox", default="1.48,42.53,1.56,42.59")
    ap.add_argument("--durations", default="30,60,90")
    ap.add_argument("--kinds", default="easy,hilly")
    ap.add_argument("--no-scheduler", dest="scheduler", action="store_false")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true", help="print only the JSON line")
    args = ap.parse_args(argv)
    res = run(args)
    if not args.json:
        _report(res)
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
