"""Benchmark the route catalogue on Dask: throughput on 1 and 2 workers, memory, projection.

In one run, on the 2025 Andorra extract:

* the same catalogue (the first ``--trailheads`` trailheads x ``--durations`` x
  ``--kinds``) is computed on a local cluster of 1 worker, then of 2 workers, each from
  scratch; routes per second and the speed-up ratio are reported, with the peak memory of
  every worker process;
* a dry-run estimate for a synthetic region 100x Andorra (10 x 10 copies of its
  trailheads side by side), partitioned into tiles: tiles, trailheads per tile, network
  area per tile, and the time at the measured rate.

Nothing asserts. ``--quick`` uses 2 trailheads, one duration and the 2013 extract, for CI.

Usage::

    .venv/bin/python scripts/bench_catalog.py [--data-dir ../shared/data] [--trailheads 8]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SCRIPTS = Path(__file__).resolve().parent
REPO = SCRIPTS.parent
if str(REPO) not in sys.path:
    sys.path.insert(1, str(REPO))  # routeplanner, even when not installed
if str(SCRIPTS) not in sys.path:
    sys.path.insert(1, str(SCRIPTS))

from _common import data_dir as find_data_dir  # noqa: E402


def _one(region: Any, request: Any, source: Any, workers: int, tmp: Path) -> dict[str, Any]:
    from routeplanner.catalog.runner import ClusterOptions, run_catalog

    t0 = time.perf_counter()
    run = run_catalog(
        [region],
        request,
        tmp / f"w{workers}",
        source=source,
        cluster=ClusterOptions(workers=workers, batch_size=1),
    )
    seconds = time.perf_counter() - t0
    routes = sum(len(r["routes"]) for r in run.results)
    return {
        "workers": run.workers,
        "seconds": round(seconds, 2),
        "routes": routes,
        "failures": sum(len(r["failures"]) for r in run.results),
        "routes_per_s": round(routes / seconds, 3),
        "worker_peak_mb": run.worker_peak_mb,
        "results": run.results,
    }


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
        "hours_on_2_workers": round(routes * per_route_s / 2 / 3600, 1),
        "hours_on_64_workers": round(routes * per_route_s / 64 / 3600, 2),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Measure 1 and 2 workers side by side and project to 100x."""
    from routeplanner.catalog.runner import RegionSource, TrailheadSource, select_trailheads
    from routeplanner.catalog.tasks import CatalogRequest
    from routeplanner.network.build import load_network

    data = find_data_dir(args.data_dir) / "andorra"
    osm = data / ("andorra.osm.pbf" if args.quick else "andorra-2025.osm.pbf")
    dem = data / "N42E001.hgt.zip"
    durations = (1800.0,) if args.quick else tuple(60.0 * int(m) for m in args.durations.split(","))
    request = CatalogRequest(durations_s=durations, kinds=tuple(args.kinds.split(",")))
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        cache = tmp / "cache"
        net = load_network(osm, [dem], cache_dir=cache, name="bench")
        region = RegionSource("bench", str(osm), (str(dem),), str(cache))
        every = select_trailheads(net, region, TrailheadSource())
        chosen = every[: 2 if args.quick else args.trailheads]
        ids = tmp / "trailheads.geojson"
        ids.write_text(
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "geometry": {"type": "Point", "coordinates": [t.lon, t.lat]},
                            "properties": {"id": t.id, "name": t.name},
                        }
                        for t in chosen
                    ],
                }
            )
        )
        source = TrailheadSource(file=str(ids))
        one = _one(region, request, source, 1, tmp)
        two = _one(region, request, source, 2, tmp)
    same = one.pop("results") == two.pop("results")
    per_route = one["seconds"] / max(one["routes"], 1)
    return {
        "extract": osm.name,
        "trailheads_in_region": len(every),
        "trailheads_measured": len(chosen),
        "durations_min": [round(d / 60) for d in durations],
        "kinds": list(request.kinds),
        "one_worker": one,
        "two_workers": two,
        "speed_up": round(two["routes_per_s"] / max(one["routes_per_s"], 1e-9), 2),
        "identical_results": same,
        "full_region_estimate_h_on_2": round(
            len(every) * len(durations) * len(request.kinds) * per_route / 2 / 3600, 2
        ),
        "projection_100x": _projection(list(every), per_route, len(durations) * len(request.kinds)),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print a table and a JSON line."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir")
    ap.add_argument("--trailheads", type=int, default=8)
    ap.add_argument("--durations", default="30,60,90,120")
    ap.add_argument("--kinds", default="easy,hilly")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true", help="print only the JSON line")
    args = ap.parse_args(argv)
    res = run(args)
    if not args.json:
        print(
            f"{res['extract']}: {res['trailheads_measured']} of {res['trailheads_in_region']} "
            f"trailheads x {res['durations_min']} min x {res['kinds']}"
        )
        for key in ("one_worker", "two_workers"):
            r = res[key]
            peaks = ", ".join(f"{v:.0f}" for v in r["worker_peak_mb"].values())
            print(
                f"  {r['workers']} worker(s): {r['routes']} routes in {r['seconds']:.1f} s = "
                f"{r['routes_per_s']:.3f} routes/s; peak MB per worker: {peaks}"
            )
        print(
            f"  speed-up 2 vs 1: {res['speed_up']:.2f}x; identical results: "
            f"{res['identical_results']}"
        )
        p = res["projection_100x"]
        print(
            f"  100x region: {p['trailheads']} trailheads, {p['routes']} routes, "
            f"{p['tiles']} tiles of 25 km (+12 km reach), <= {p['max_trailheads_per_tile']} "
            f"trailheads and {p['tile_network_km2']} km2 per tile; "
            f"{p['hours_on_2_workers']} h on 2 workers, {p['hours_on_64_workers']} h on 64"
        )
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
