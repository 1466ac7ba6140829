"""Benchmark loop-query speed against one bare scipy Dijkstra, before and after, in one run.

For each start of the loop benchmark (12 places in Andorra) and each target
duration, it measures in process, on a loaded network:

bare Dijkstra
    One unbounded :func:`scipy.sparse.csgraph.dijkstra` with predecessors from
    the start on the whole network's CSR matrix (built beforehand), median of
    several runs: the unit the query times are expressed in.
after (cold)
    :func:`routeplanner.find_loops` with every per-start cache cleared before
    the query: what a single CLI query costs.
after (plan)
    The same queries with the caches kept, per start from the longest
    duration to the shortest, as a training plan or a route catalogue asks
    them: the reach subgraph of the longest serves the shorter ones.
before
    The loop search as it was at ``--before-rev`` (loaded from git history
    into a private module; the route assembly is today's for both), on a
    subset of the queries (``--before-queries``) because it is slow.

Dijkstra calls are counted by wrapping scipy's function in the search
modules.  Timings are reported, never asserted; ``--quick`` runs a tiny set
for CI.  The last line is one JSON object with every number.

Usage::

    .venv/bin/python scripts/bench_speed.py [--region andorra] [--quick]
        [--durations 30,60,90,120] [--before-rev deb4a83] [--before-queries 8]
        [--osm synthetic-x100.osm.pbf --dem synthetic-x100.tif]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import resource
import subprocess
import sys
import time
import types
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse.csgraph import dijkstra

import routeplanner
from routeplanner.network.model import Network
from routeplanner.pace.timer import EdgeTimer
from routeplanner.route import Route, make_route

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO.parent / "shared" / "data"

#: The last revision whose loop search rebuilt the CSR per call (issue 18's "before").
BEFORE_REV = "deb4a83"

_spec = importlib.util.spec_from_file_location("bench_loops", REPO / "scripts" / "bench_loops.py")
assert _spec is not None and _spec.loader is not None
bench_loops = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("bench_loops", bench_loops)
_spec.loader.exec_module(bench_loops)
STARTS = bench_loops.STARTS
if str(REPO / "scripts") not in sys.path:
    sys.path.insert(0, str(REPO / "scripts"))
import bench_cli  # noqa: E402
import bench_network  # noqa: E402
import bench_reach  # noqa: E402

#: The parts of issue 18 this benchmark measures, in the order they run.
SECTIONS = ("build", "cli", "loop", "reach")

#: One row of the targets table: what, measured, target, met (None: only reported).
Target = tuple[str, str, str, bool | None]

#: How the network build's targets read in the summary table.
_BUILD_TARGETS = {
    "speedup_2025": ("cold build of 2025 vs osmnx", "{:.0f}x faster", ">= 50x"),
    "growth_10x": ("build time, synthetic 10x / 1x", "{:.1f}x", "<= 11x"),
    "seconds_100x": ("build time, synthetic 100x", "{:.1f} s", "< 60 s"),
    "peak_mb_100x": ("peak RSS of the 100x build", "{:.0f} MB", "< 3 GB"),
    "cached_s": ("cached network load, 2025", "{:.3f} s", "< 0.3 s"),
}


class _Counter:
    """Wraps scipy's dijkstra in the given modules and counts the calls."""

    def __init__(self, modules: Sequence[types.ModuleType]) -> None:
        self.calls = 0
        self.modules = list(modules)

    def __enter__(self) -> _Counter:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return dijkstra(*args, **kwargs)

        for mod in self.modules:
            mod.dijkstra = counted  # type: ignore[attr-defined]
        return self

    def __exit__(self, *exc: object) -> None:
        for mod in self.modules:
            mod.dijkstra = dijkstra  # type: ignore[attr-defined]


def load_before(rev: str) -> types.ModuleType | None:
    """The loop search module as of git revision ``rev``, or None without git history."""
    try:
        graph_src, loops_src = (
            subprocess.run(
                ["git", "-C", str(REPO), "show", f"{rev}:routeplanner/search/{name}.py"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            for name in ("graph", "loops")
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    graph = types.ModuleType("_before_graph")
    sys.modules["_before_graph"] = graph
    exec(compile(graph_src, f"{rev}:graph.py", "exec"), graph.__dict__)
    loops = types.ModuleType("_before_loops")
    sys.modules["_before_loops"] = loops
    src = loops_src.replace("from routeplanner.search.graph import", "from _before_graph import")
    exec(compile(src, f"{rev}:loops.py", "exec"), loops.__dict__)
    loops.make_route = _renamable_route  # type: ignore[attr-defined]
    return loops


class _RenamableRoute(Route):
    """A route the old search may rename in place (today's :class:`Route` is frozen)."""

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)


def _renamable_route(*args: Any, **kwargs: Any) -> Route:
    route = make_route(*args, **kwargs)
    old = object.__new__(_RenamableRoute)
    old.__dict__.update(route.__dict__)
    return old


class _TimedNetwork(Network):
    """The network as old revisions saw it: it timed its own edges (now EdgeTimer's job)."""

    def edge_times(self, profile: Any) -> tuple[Any, Any]:
        return EdgeTimer(self, profile).edge_times()

    def partial_time_s(self, e: int, start_m: float, end_m: float, profile: Any) -> float:
        return EdgeTimer(self, profile).partial_s(e, start_m, end_m)


def _old_network(net: Network) -> Network:
    old = object.__new__(_TimedNetwork)
    old.__dict__.update(net.__dict__)
    return old


def bare_dijkstra_s(net: Network, xy: tuple[float, float], profile: Any, repeat: int) -> float:
    """Median time of one unbounded Dijkstra with predecessors from the start."""
    from routeplanner.search.graph import SearchGraph

    g = SearchGraph(net, profile, net.snap(*xy, max_distance_m=500.0))
    mat = g.matrix(g.arc_time)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        dijkstra(mat, indices=g.start_node, return_predecessors=True)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _clear_loop_caches(net: Network) -> None:
    for key in [k for k in net._cache if isinstance(k, tuple) and k and k[0] == "loop_graph"]:
        del net._cache[key]


def _timed(fn: Callable[[], Any], counter: _Counter) -> tuple[float, int, bool]:
    before = counter.calls
    t0 = time.perf_counter()
    try:
        fn()
        ok = True
    except routeplanner.RoutePlannerError:
        ok = False
    return time.perf_counter() - t0, counter.calls - before, ok


def run(
    net: Network,
    starts: Sequence[Any],
    durations_s: Sequence[float],
    *,
    repeat: int,
    before: types.ModuleType | None,
    before_queries: int,
) -> dict[str, Any]:
    """Measure every query; returns per-query rows and summaries."""
    import routeplanner.search.graph as graph_mod
    import routeplanner.search.loops as loops_mod

    profile = routeplanner.RunnerProfile.from_strings("6:00", model="minetti")
    EdgeTimer(net, profile).edge_times()
    net.snap(starts[0].lon, starts[0].lat, max_distance_m=500.0)
    rows: list[dict[str, Any]] = []
    counter = _Counter([loops_mod, graph_mod])
    with counter:
        for st in starts:
            xy = (st.lon, st.lat)
            bare = bare_dijkstra_s(net, xy, profile, repeat)
            for T in durations_s:
                req = routeplanner.LoopRequest(T, tolerance=0.05, alternatives=1, seed=0)
                _clear_loop_caches(net)
                t, calls, ok = _timed(
                    partial(routeplanner.find_loops, net, xy, profile, req), counter
                )
                rows.append(
                    {"start": st.key, "duration_min": T / 60, "bare_s": bare, "cold_s": t}
                    | {"calls": calls, "ok": ok}
                )
            _clear_loop_caches(net)
            for T in sorted(durations_s, reverse=True):
                req = routeplanner.LoopRequest(T, tolerance=0.05, alternatives=1, seed=0)
                t, _, _ = _timed(partial(routeplanner.find_loops, net, xy, profile, req), counter)
                row = next(r for r in rows if r["start"] == st.key and r["duration_min"] == T / 60)
                row["plan_s"] = t
    if before is not None:
        step = max(1, len(rows) // max(before_queries, 1))
        old_counter = _Counter([before, sys.modules["_before_graph"]])
        old_net = _old_network(net)
        with old_counter:
            for row in rows[::step][:before_queries]:
                st = next(s for s in starts if s.key == row["start"])
                req = before.LoopRequest(row["duration_min"] * 60, tolerance=0.05, seed=0)
                net._cache.clear()
                EdgeTimer(net, profile).edge_times()
                t, calls, _ = _timed(
                    partial(before.find_loops, old_net, (st.lon, st.lat), profile, req),
                    old_counter,
                )
                row["before_s"], row["before_calls"] = t, calls
    return {"rows": rows, "summary": summarize(rows)}


def _stats(values: Sequence[float]) -> tuple[float, float]:
    if not values:
        return math.nan, math.nan
    return float(np.median(values)), float(np.percentile(values, 90))


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Medians and p90s of times, ratios to the bare Dijkstra and call counts."""
    out: dict[str, float] = {}
    for key in ("cold", "plan", "before"):
        sub = [r for r in rows if f"{key}_s" in r]
        t = [r[f"{key}_s"] for r in sub]
        x = [r[f"{key}_s"] / r["bare_s"] for r in sub]
        out[f"{key}_n"] = len(sub)
        out[f"{key}_median_ms"], out[f"{key}_p90_ms"] = (1000 * v for v in _stats(t))
        out[f"{key}_median_x"], out[f"{key}_p90_x"] = _stats(x)
        calls = [r["calls" if key != "before" else "before_calls"] for r in sub if key != "plan"]
        out[f"{key}_calls_median"] = float(np.median(calls)) if calls else math.nan
    out["bare_median_ms"] = 1000 * float(np.median([r["bare_s"] for r in rows]))
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def format_table(s: dict[str, float], header: str) -> str:
    """The summary as a text table."""

    def f(v: float, unit: str) -> str:
        return "n/a" if math.isnan(v) else f"{v:.0f}{unit}" if unit != "x" else f"{v:.0f}x"

    lines = [
        header,
        f"{'':34} {'before':>10} {'after cold':>11} {'after plan':>11}  target",
        f"{'queries measured':34} {s['before_n']:>10.0f} {s['cold_n']:>11.0f} {s['plan_n']:>11.0f}",
    ]
    for label, key, unit, target in (
        ("median query time", "median_ms", " ms", ""),
        ("p90 query time", "p90_ms", " ms", ""),
        ("median / bare Dijkstra", "median_x", "x", "<= 60x"),
        ("p90 / bare Dijkstra", "p90_x", "x", "<= 200x"),
        ("median Dijkstra calls per query", "calls_median", "", "a few tens"),
    ):
        cells = [f(s.get(f"{k}_{key}", math.nan), unit) for k in ("before", "cold", "plan")]
        lines.append(f"{label:34} {cells[0]:>10} {cells[1]:>11} {cells[2]:>11}  {target}")
    lines.append(f"{'bare Dijkstra from the start (median)':34} {s['bare_median_ms']:.2f} ms")
    lines.append(f"{'peak RSS of this process':34} {s['peak_rss_mb']:.0f} MB")
    return "\n".join(lines)


def _targets_loop(s: dict[str, float]) -> list[Target]:
    return [
        (
            "loop query median / bare Dijkstra",
            f"{s['cold_median_x']:.0f}x",
            "<= 60x",
            s["cold_median_x"] <= 60,
        ),
        (
            "loop query p90 / bare Dijkstra",
            f"{s['cold_p90_x']:.0f}x",
            "<= 200x",
            s["cold_p90_x"] <= 200,
        ),
        (
            "Dijkstra calls per query (median)",
            f"{s['cold_calls_median']:.0f}",
            "a few tens",
            s["cold_calls_median"] < 100,
        ),
    ]


def _targets_reach(r: dict[str, Any]) -> list[Target]:
    big = r["scales"][-1]
    name = f"{big['scale']}x region"
    return [
        (
            f"75-min query on {name} / 1x",
            f"{big['median_ratio']:.2f}x",
            "<= 2x",
            big["median_ratio"] <= bench_reach.TARGET_RATIO,
        ),
        (
            f"extra memory of the queries on {name}",
            f"{big['extra_mb']:.0f} MB",
            "< 100 MB",
            big["extra_mb"] < bench_reach.TARGET_EXTRA_MB,
        ),
    ]


def _targets_build(res: dict[str, Any]) -> list[Target]:
    out: list[Target] = []
    for name, (what, fmt, target) in _BUILD_TARGETS.items():
        got = res["targets"].get(name)
        if got is not None:
            out.append((what, fmt.format(got["value"]), target, bool(got["met"])))
    return out


def _targets_cli(res: dict[str, Any]) -> list[Target]:
    after = res["results"]["after"]
    out: list[Target] = []
    if "help_x" in after:
        x = after["help_x"]
        out.append(("routeplanner --help / python -c pass", f"{x:.1f}x", "<= 3x", x <= 3.0))
    if "loop-json" in after:
        s = after["loop-json"]["median_s"]
        out.append(("loop --json, warm cache", f"{s:.2f} s", "<= 0.8 s", s <= 0.8))
        rss = after["loop-json"]["rss_mb"]
        out.append(("peak RSS of loop --json", f"{rss:.0f} MB", "reported", None))
    if "out_extra_s" in after:
        s = after["out_extra_s"]
        out.append(("what --out adds", f"{s:.2f} s", "<= 0.4 s", s <= 0.4))
    return out


def format_targets(rows: Sequence[Target]) -> str:
    """Every target measured in this run, with the result and whether it is met."""
    lines = ["Targets (issue 18)", f"{'':44} {'measured':>10}  {'target':<12} met"]
    for what, got, target, ok in rows:
        met = "-" if ok is None else "yes" if ok else "NO"
        lines.append(f"{what:44} {got:>10}  {target:<12} {met}")
    return "\n".join(lines)


def _clean(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_clean(x) for x in v]
    return v


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--region", default="andorra", help="catalog region (default andorra)")
    ap.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    ap.add_argument("--cache-dir", default=None, help="network cache folder")
    ap.add_argument(
        "--osm",
        default=None,
        help="OSM file instead of --region (e.g. make_synthetic_region.py's), with --dem",
    )
    ap.add_argument("--dem", default=None, help="DEM file for --osm")
    ap.add_argument("--durations", default="30,60,90,120", help="minutes, comma-separated")
    ap.add_argument("--before-rev", default=BEFORE_REV, help="git revision of 'before'")
    ap.add_argument("--before-queries", type=int, default=8, help="queries run by 'before'")
    ap.add_argument("--no-before", action="store_true", help="skip the 'before' search")
    ap.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated, of {', '.join(SECTIONS)} (default all)",
    )
    ap.add_argument("--synth-dir", default=str(bench_reach.DEFAULT_SYNTH_DIR))
    ap.add_argument("--cli-repeat", type=int, default=7, help="runs per CLI case (7)")
    ap.add_argument(
        "--cli-before", default=None, help="another checkout with its .venv, for CLI 'before'"
    )
    ap.add_argument("--quick", action="store_true", help="a tiny run of every section (CI)")
    return ap.parse_args(argv)


def _loop_section(args: argparse.Namespace, net: Network | None) -> dict[str, Any] | None:
    """Run the loop-query section; None (after an error line) on bad input."""
    try:
        durations = [float(x) * 60 for x in args.durations.split(",") if x.strip()]
    except ValueError:
        print(f"error: invalid --durations {args.durations!r}: use minutes like 30,60")
        return None
    starts = list(STARTS)
    repeat = 15
    if args.quick:
        starts, durations, repeat = starts[:2], durations[:2], 3
        args.before_queries = min(args.before_queries, 1)
    if net is None and args.osm:
        if not args.dem:
            print("error: --osm needs --dem")
            return None
        net = routeplanner.load_network(args.osm, [args.dem], cache_dir=args.cache_dir)
        net.meta["region"] = Path(args.osm).name
    if net is None:
        net = bench_loops._load(args.data_dir, args.cache_dir, args.region)
    before = None if args.no_before else load_before(args.before_rev)
    result = run(
        net, starts, durations, repeat=repeat, before=before, before_queries=args.before_queries
    )
    header = (
        f"Loop query speed on {net.meta.get('region', args.region)} "
        f"({net.n_nodes} nodes, {net.n_edges} edges): {len(starts)} starts x "
        f"{len(durations)} durations; before = {args.before_rev if before else 'unavailable'}"
    )
    print(format_table(result["summary"], header))
    return {
        "region": net.meta.get("region", args.region),
        "n_nodes": net.n_nodes,
        "n_edges": net.n_edges,
        "before_rev": args.before_rev if before else None,
        **result["summary"],
    }


def _reach_section(args: argparse.Namespace) -> dict[str, Any]:
    reach = bench_reach.run_reach_bench(
        scales=(1, 2) if args.quick else (1, 100),
        repeat=1 if args.quick else 3,
        starts=STARTS[:2] if args.quick else STARTS,
        synth_dir=args.synth_dir,
        data_dir=args.data_dir,
    )
    print(bench_reach.format_table(reach))
    return reach | {"scales": [{**r, "times_s": None} for r in reach["scales"]]}


def _build_section(args: argparse.Namespace) -> dict[str, Any]:
    build = bench_network.run_build_bench(
        args.data_dir, quick=args.quick, options={"synth_dir": args.synth_dir, "quiet": True}
    )
    print(bench_network.report(build))
    return build


def _cli_section(args: argparse.Namespace) -> dict[str, Any]:
    res = bench_cli.run_cli_bench(
        args.data_dir,
        repeat=2 if args.quick else args.cli_repeat,
        quick=args.quick,
        before=args.cli_before,
    )
    print(bench_cli.format_table(res))
    return res


def main(argv: Sequence[str] | None = None, *, net: Network | None = None) -> int:
    """Run the benchmark; print the tables and a JSON line.  Returns 0, or 2 on bad input."""
    args = _parse(argv)
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        print(f"error: unknown --sections {', '.join(unknown)}: use {', '.join(SECTIONS)}")
        return 2
    doc: dict[str, Any] = {"load_average": os.getloadavg()[0]}
    targets: list[Target] = []
    # In SECTIONS' order: the ones that time fresh processes run while this one is
    # small (Linux carries a parent's peak RSS into a child's ru_maxrss).
    for name in (s for s in SECTIONS if s in sections):
        if len(doc) > 1:
            print()
        if name == "loop":
            loop = _loop_section(args, net)
            if loop is None:
                return 2
            doc["loop"] = loop
            targets += _targets_loop(loop)
        elif name == "reach":
            doc["reach"] = _reach_section(args)
            targets += _targets_reach(doc["reach"])
        elif name == "cli":
            doc["cli"] = _cli_section(args)
            targets += _targets_cli(doc["cli"])
        elif name == "build":
            doc["build"] = _build_section(args)
            targets += _targets_build(doc["build"])
    doc["load_average_end"] = os.getloadavg()[0]
    print()
    print(format_targets(targets))
    print(f"load average: {doc['load_average']:.2f} at start, {doc['load_average_end']:.2f} at end")
    print(json.dumps(_clean(doc)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
