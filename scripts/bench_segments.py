"""Benchmark the segment finder and loops through climbs on the Andorra sample.

Times, after the network is loaded (medians over ``--repeat`` runs):

* **scan**: :func:`routeplanner.search.segments.scan_segments` on the whole
  network from nothing (chains, maximal climbs); its cache is cleared before
  every run.  Target: under 1 s.
* **whole network, every segment**: the scan plus fitting and measuring every
  climb and every descent of the network (grade 8-50 %, no distance limit), as
  a full listing would.
* **climbs near a village**: one ``climbs --near … --within 5km --grade
  15-30%`` query (scan cached, as in a long-running process).
* **loop --include-climbs 2 --include-descent, 90 min**: one
  :func:`routeplanner.search.workouts.plan_loop_with_segments` query per
  village, with every network cache cleared first (so it pays for the scan,
  the search graph and the snapping index, as a fresh CLI run does).
  Target: under 2 s.

Nothing asserts; the targets are printed next to the results.

Usage::

    .venv/bin/python scripts/bench_segments.py [--data-dir ../shared/data] [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
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

__all__ = ["VILLAGES", "main", "run"]

#: Start points: (name, lon, lat).
VILLAGES = (
    ("La Massana", 1.5148, 42.5450),
    ("Ordino", 1.5331, 42.5560),
    ("Soldeu", 1.6675, 42.5765),
    ("Encamp", 1.5800, 42.5347),
)


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def run(data_dir: Path, repeat: int) -> dict[str, Any]:
    """Run every timing; returns the numbers (seconds)."""
    from routeplanner.network.build import load_network
    from routeplanner.pace import RunnerProfile
    from routeplanner.search import segments as S
    from routeplanner.search.loops import LoopRequest
    from routeplanner.search.segment_loops import SegmentLoopOptions
    from routeplanner.search.workouts import plan_loop_with_segments

    andorra = data_dir / "andorra"
    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        net = load_network(
            andorra / "andorra.osm.pbf",
            [andorra / "N42E001.hgt.zip"],
            cache_dir=cache,
            name="andorra",
        )
        load_s = time.perf_counter() - t0
    profile = RunnerProfile(360.0, max_difficulty=3)
    out: dict[str, Any] = {
        "load_s": load_s,
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "profile_points": len(net.prof_lon),
    }

    def clear_scan() -> None:
        for key in [k for k in net._cache if isinstance(k, tuple) and k[0] == "segment_scan"]:
            del net._cache[key]

    scan_t = []
    for _ in range(repeat):
        clear_scan()
        t0 = time.perf_counter()
        scan = S.scan_segments(net)
        scan_t.append(time.perf_counter() - t0)
    out["scan_s"] = _median(scan_t)
    out["chains"] = scan.n_chains
    out["maximal_climbs"] = scan.n_climbs

    full_t, counts = [], {}
    for _ in range(repeat):
        clear_scan()
        t0 = time.perf_counter()
        for kind in ("climb", "descent"):
            segs = S.find_segments(
                net, S.SegmentRequest(kind, S.DEFAULT_GRADE, 30.0, limit=1000), profile
            )
            counts[kind] = len(segs)
        full_t.append(time.perf_counter() - t0)
    out["whole_network_s"] = _median(full_t)
    out["whole_network_counts"] = counts

    near_t = []
    for _ in range(repeat):
        for _name, lon, lat in VILLAGES:
            t0 = time.perf_counter()
            S.find_segments(
                net,
                S.SegmentRequest("climb", (0.15, 0.30), 80.0, near=(lon, lat), within_m=5000.0),
                profile,
            )
            near_t.append(time.perf_counter() - t0)
    out["climbs_near_s"] = _median(near_t)

    loop_t: list[float] = []
    per_village: dict[str, Any] = {}
    for name, lon, lat in VILLAGES:
        times = []
        for _ in range(repeat):
            net._cache.clear()  # a fresh process: scan, search graph and snapping index
            t0 = time.perf_counter()
            res = plan_loop_with_segments(
                net,
                (lon, lat),
                profile,
                LoopRequest(90 * 60.0),
                SegmentLoopOptions(climbs=2, include_descent=True),
            )
            times.append(time.perf_counter() - t0)
        r = res.routes[0]
        per_village[name] = {
            "median_s": _median(times),
            "duration_min": round(r.stats.duration_s / 60.0, 1),
            "segments": list(r.segment_ids),
            "warnings": r.warnings,
        }
        loop_t.extend(times)
    out["loop_with_climbs_s"] = _median(loop_t)
    out["loop_with_climbs_p90_s"] = float(sorted(loop_t)[int(0.9 * (len(loop_t) - 1))])
    out["loop_by_village"] = per_village
    return out


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", help="Folder holding andorra/ (default: ../shared/data)")
    ap.add_argument("--repeat", type=int, default=5, help="Runs per timing (median).")
    ap.add_argument("--json", action="store_true", help="Print the numbers as JSON.")
    args = ap.parse_args(argv)
    res = run(find_data_dir(args.data_dir, sample="andorra.osm.pbf"), max(1, args.repeat))
    if args.json:
        print(json.dumps(res, indent=2))
        return 0
    print(
        f"Andorra: {res['nodes']} nodes, {res['edges']} edges, "
        f"{res['profile_points']} profile points (load {res['load_s']:.2f} s)"
    )
    print(f"medians over {args.repeat} runs, after load:")
    print(
        f"  scan (chains + maximal climbs)      {res['scan_s'] * 1000:8.1f} ms   target < 1000 ms"
        f"   ({res['chains']} chains, {res['maximal_climbs']} maximal climbs)"
    )
    c = res["whole_network_counts"]
    print(
        f"  whole network, every segment        {res['whole_network_s'] * 1000:8.1f} ms"
        f"   ({c['climb']} climbs, {c['descent']} descents, 8-50%, >= 30 m)"
    )
    print(f"  climbs near a village (5 km)        {res['climbs_near_s'] * 1000:8.1f} ms")
    print(
        f"  loop --include-climbs 2 --include-descent, 90 min (cold caches)"
        f"\n                                      {res['loop_with_climbs_s'] * 1000:8.1f} ms"
        f"   target < 2000 ms (p90 {res['loop_with_climbs_p90_s'] * 1000:.0f} ms)"
    )
    for name, v in res["loop_by_village"].items():
        warn = f"  warning: {v['warnings'][0]}" if v["warnings"] else ""
        print(
            f"    {name:<11} {v['median_s'] * 1000:7.0f} ms  {v['duration_min']:5.1f} min  "
            f"{', '.join(v['segments'] or [])}{warn}"
        )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"1-minute load average: {load:.2f} (other work on the machine skews timings)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
