"""Benchmark the training plan: a 6-week ``--goal ski`` block from La Massana.

Measures, on the 2025 Andorra extract with the network loaded from a warm cache:

* **plan**: :func:`routeplanner.plan.make_plan` (block rules + a route for every
  running session), median over ``--repeat`` runs. Target: under 20 s for 6 weeks x 4 runs.
* **files**: rendering plan.json, plan.ics, plan.html and the GPX files.
* **per session**: the plan time divided by the routed sessions, beside one plain
  ``find_loops`` query of the median session length from the same door (the baseline).

Nothing asserts; the targets are printed next to the results. ``--quick`` plans one week
on the 2013 extract, for CI.

Usage::

    .venv/bin/python scripts/bench_plan.py [--data-dir ../shared/data] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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

HOME = ("La Massana", 1.5148, 42.5450)


def run(data_dir: Path, repeat: int, *, quick: bool) -> dict[str, Any]:
    """Plan the block ``repeat`` times; return the timings and the plan's figures."""
    from routeplanner.network.build import load_network
    from routeplanner.output.plan_files import plan_files
    from routeplanner.pace import RunnerProfile
    from routeplanner.plan import BlockRequest, make_plan
    from routeplanner.search.loops import LoopRequest, find_loops

    osm = data_dir / "andorra" / ("andorra.osm.pbf" if quick else "andorra-2025.osm.pbf")
    with tempfile.TemporaryDirectory() as cache:
        load_network(osm, [data_dir / "andorra" / "N42E001.hgt.zip"], cache_dir=cache)
        t0 = time.perf_counter()
        net = load_network(osm, [data_dir / "andorra" / "N42E001.hgt.zip"], cache_dir=cache)
        load_s = time.perf_counter() - t0
    profile = RunnerProfile.from_strings("6:00")
    home = (HOME[1], HOME[2])
    request = BlockRequest(
        dt.date(2027, 5, 3),
        1 if quick else 6,
        (3 * 3600.0, 4.5 * 3600.0),
        (1, 3, 5, 6),
        goal="ski",
    )
    times, plan = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        plan = make_plan(net, home, profile, request)
        times.append(time.perf_counter() - t0)
    assert plan is not None
    t0 = time.perf_counter()
    plan_files(plan.block, plan.weeks, title="bench", start_time=dt.time(8), tz="Europe/Andorra")
    files_s = time.perf_counter() - t0
    runs = [rs for w in plan.weeks for rs in w if rs.session.is_run]
    median_s = statistics.median(rs.session.planned_s for rs in runs)
    t0 = time.perf_counter()
    find_loops(net, home, profile, LoopRequest(median_s))
    one_loop_s = time.perf_counter() - t0
    plan_s = statistics.median(times)
    return {
        "extract": osm.name,
        "weeks": request.weeks,
        "routed_sessions": len(runs),
        "meet_brief": sum(rs.meets_brief for rs in runs),
        "misses": plan.misses,
        "load_s": round(load_s, 3),
        "plan_s": round(plan_s, 2),
        "plan_runs_s": [round(t, 2) for t in times],
        "files_s": round(files_s, 2),
        "per_session_s": round(plan_s / max(len(runs), 1), 2),
        "baseline_one_loop_s": round(one_loop_s, 2),
        "ratio_per_session_to_one_loop": round(plan_s / max(len(runs), 1) / one_loop_s, 2),
        "target_s": 20.0,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table (and a JSON line)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="one week on the 2013 extract")
    ap.add_argument("--json", action="store_true", help="print only the JSON line")
    args = ap.parse_args(argv)
    res = run(find_data_dir(args.data_dir), 1 if args.quick else args.repeat, quick=args.quick)
    if not args.json:
        print(f"extract {res['extract']}: {res['weeks']} weeks, {res['routed_sessions']} runs")
        print(f"  network load (warm cache)  {res['load_s']:8.3f} s")
        print(f"  plan, median               {res['plan_s']:8.2f} s   (target < 20 s)")
        print(f"  files                      {res['files_s']:8.2f} s")
        print(f"  per session                {res['per_session_s']:8.2f} s")
        print(f"  one find_loops (baseline)  {res['baseline_one_loop_s']:8.2f} s")
        print(f"  sessions meeting the brief {res['meet_brief']}/{res['routed_sessions']}")
        for m in res["misses"]:
            print(f"    MISSED {m}")
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
