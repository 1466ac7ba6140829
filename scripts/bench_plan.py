"""Benchmark the training plan: a 6-week ``--goal ski`` block from Ordino (``--home``).

Measures, on the 2025 Andorra extract with the network loaded from a warm cache:

* **plan**: :func:`routeplanner.plan.make_plan` (block rules + a route for every
  running session), median over ``--repeat`` runs. Target: under 20 s for 6 weeks x 4 runs.
* **files**: rendering plan.json, plan.ics, plan.html and the GPX files.
* **per session**: the plan time divided by the routed sessions, beside one plain
  ``find_loops`` query of the median session length from the same door (the baseline);
* **q**, the unit of the per-session cost: the median in-process loop query, cold
  (per-start caches cleared), from the door at every routed session's length, measured
  before and after the plans in this process. The per-session cost is printed as a
  multiple of q (target: at most 2 q), with the 1-minute load average.

Nothing asserts; the targets are printed next to the results. ``--quick`` plans one week
on the 2013 extract, for CI.

Usage::

    .venv/bin/python scripts/bench_plan.py [--data-dir ../shared/data] [--repeat 3]
        [--home ordino|la-massana] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
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

HOMES = {"ordino": ("Ordino", 1.5331, 42.5560), "la-massana": ("La Massana", 1.5148, 42.5450)}
#: Per-session cost the plan should stay within, in loop queries.
TARGET_Q = 2.0


def _q(net: Any, home: tuple[float, float], profile: Any, lengths_s: list[float]) -> float:
    """Median cold loop query from ``home`` at each session length."""
    from routeplanner.errors import RoutePlannerError
    from routeplanner.search.loops import LoopRequest, find_loops

    times = []
    for target in lengths_s:
        for key in [k for k in net._cache if isinstance(k, tuple) and k[:1] == ("loop_graph",)]:
            del net._cache[key]  # cold, as one CLI query
        t0 = time.perf_counter()
        try:
            find_loops(net, home, profile, LoopRequest(target))
        except RoutePlannerError:  # a length with no loop still costs its search
            pass
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run(data_dir: Path, repeat: int, *, quick: bool, home_key: str = "ordino") -> dict[str, Any]:
    """Plan the block ``repeat`` times; return the timings and the plan's figures."""
    from routeplanner.network.build import load_network
    from routeplanner.output.bundle import plan_text_files
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
    home = (HOMES[home_key][1], HOMES[home_key][2])
    load_start = round(os.getloadavg()[0], 1)
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
    plan_text_files(
        plan.block, plan.weeks, title="bench", start_time=dt.time(8), tz="Europe/Andorra"
    )
    files_s = time.perf_counter() - t0
    runs = [rs for w in plan.weeks for rs in w if rs.session.is_run]
    median_s = statistics.median(rs.session.planned_s for rs in runs)
    t0 = time.perf_counter()
    find_loops(net, home, profile, LoopRequest(median_s))
    one_loop_s = time.perf_counter() - t0
    plan_s = statistics.median(times)
    # q at every run's length, twice (the median of both is the unit)
    lengths = [rs.session.planned_s for rs in runs]
    qs = [_q(net, home, profile, lengths) for _ in range(2)]
    q_s = statistics.median(qs)
    per_session = plan_s / max(len(runs), 1)
    return {
        "home": HOMES[home_key][0],
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
        "q_s": round(q_s, 4),
        "q_runs_s": [round(q, 4) for q in qs],
        "per_session_q": round(per_session / q_s, 2),
        "target_per_session_q": TARGET_Q,
        "load_1min_start_end": [load_start, round(os.getloadavg()[0], 1)],
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table (and a JSON line)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="one week on the 2013 extract")
    ap.add_argument("--home", choices=sorted(HOMES), default="ordino")
    ap.add_argument("--json", action="store_true", help="print only the JSON line")
    args = ap.parse_args(argv)
    res = run(
        find_data_dir(args.data_dir),
        1 if args.quick else args.repeat,
        quick=args.quick,
        home_key=args.home,
    )
    if not args.json:
        print(
            f"extract {res['extract']}: {res['weeks']} weeks, {res['routed_sessions']} runs "
            f"from {res['home']}; load {res['load_1min_start_end']}"
        )
        print(f"  network load (warm cache)  {res['load_s']:8.3f} s")
        print(f"  plan, median               {res['plan_s']:8.2f} s   (target < 20 s)")
        print(f"  files                      {res['files_s']:8.2f} s")
        print(f"  per session                {res['per_session_s']:8.2f} s")
        print(f"  one find_loops (baseline)  {res['baseline_one_loop_s']:8.2f} s")
        print(f"  q (median cold loop query) {res['q_s']:8.3f} s   {res['q_runs_s']}")
        print(
            f"  per session / q            {res['per_session_q']:8.2f} q   "
            f"(target <= {res['target_per_session_q']:g} q)"
        )
        print(f"  sessions meeting the brief {res['meet_brief']}/{res['routed_sessions']}")
        for m in res["misses"]:
            print(f"    MISSED {m}")
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
