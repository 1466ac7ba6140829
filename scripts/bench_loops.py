"""Benchmark routeplanner's loops against a GraphHopper-style round trip, on Andorra.

Runs a fixed set of queries — 18 starts in different valleys and villages of
Andorra × 30, 60, 90 and 120 minutes — through :func:`routeplanner.search.loops.find_loops`
and, in the same run, through a baseline built the way GraphHopper builds a
``round_trip`` (``RoundTripRouting`` + ``MultiPointTour`` + ``AvoidEdgesWeighting``):

* the target *distance* is set from the target time at flat pace
  (``distance = duration / flat pace``), because GraphHopper only takes a distance;
* with ``points`` = 2 (GraphHopper's ``round_trip.points`` default below 50 km),
  ``points - 1`` waypoints are projected, each ``distance / (points + 1)`` ±10 %
  (seeded) from the previous snapped waypoint, the first on a random heading
  (seeded, whole degrees) and the next ones turned by ``360° / points``; a waypoint
  that does not snap within 1 km is retried at 0.95× the distance (3 tries);
* the start is its snapped point; each waypoint is the base node of its snapped edge;
* legs are shortest paths between consecutive points on the same search arcs
  routeplanner uses, with cost = distance (GraphHopper's foot profile, which
  ignores ascent), and every edge used by an earlier leg costs ×5 on later legs.

Both results become :class:`~routeplanner.route.Route` objects through
:func:`~routeplanner.route.make_route`, so duration (the product's default model at 6:00/km by
default), overlap share and trail share come from the same code.

Definitions
-----------
success
    The query returned a loop whose duration is within the tolerance (±5 %) of
    the target.
meets the brief
    :func:`routeplanner.brief.assess` says so: duration within tolerance and,
    trail-first, main roads only where no other way connects (the
    same assessment is applied to the baseline's routes).
geometric overlap
    :attr:`routeplanner.route.RouteStats.overlap_share`: distance whose track
    runs within 10 m of an earlier part of the route, either direction.
feasible
    The start's network allows a loop within tolerance: the longest
    out-and-back from the start (out to a node on the fastest path, home on the
    fastest path) takes at least ``(1 - tolerance) × target``.  An
    out-and-back that turns part-way then hits the target exactly, so this is a
    sufficient condition, computed independently of both searches.  Queries
    that fail it are counted as infeasible.
duration error
    ``|duration / target - 1|``; a query without a route counts as an infinite
    error (it ranks worst in the percentiles).  Overlap and trail share are
    medians over the queries that returned a route.
latency
    ``time.perf_counter`` around the query call only (snap, search, route
    materialisation), after the network is loaded and its per-profile caches
    are warmed once.  Latencies are reported, never asserted.

Usage::

    .venv/bin/python scripts/bench_loops.py [--region andorra|andorra-2013] [--allow-roads]
        [--seed 0] [--json] [--details] [--data-dir ../shared/data]
        [--starts ordino,canillo] [--durations 30,60] [--blocks]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from routeplanner import pace
from routeplanner.brief import Constraints, assess
from routeplanner.errors import InputError, RoutePlannerError
from routeplanner.network.model import Network
from routeplanner.pace.timer import EdgeTimer
from routeplanner.route import Route
from routeplanner.search.loops import LoopRequest, find_loops

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from loop_baselines import (
    START_SNAP_M,
    BaselineParams,
    baseline_round_trip,
    max_out_and_back_s,
    project_coordinate,
)
from loop_blocks import HOMES, format_blocks, format_details, run_blocks

__all__ = [
    "DURATIONS_MIN",
    "METHODS",
    "STARTS",
    "BaselineParams",
    "QueryResult",
    "Start",
    "Summary",
    "baseline_round_trip",
    "comparison",
    "format_details",
    "format_table",
    "main",
    "max_out_and_back_s",
    "percentile",
    "project_coordinate",
    "run_bench",
    "summarize",
]

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO.parent / "shared" / "data"


@dataclass(frozen=True)
class Start:
    """A benchmark start: short key, display name and ``(lon, lat)``."""

    key: str
    name: str
    lon: float
    lat: float


STARTS: tuple[Start, ...] = (
    Start("andorra-la-vella", "Andorra la Vella", 1.5218, 42.5063),
    Start("escaldes", "Escaldes-Engordany", 1.5389, 42.5097),
    Start("encamp", "Encamp", 1.5800, 42.5347),
    Start("canillo", "Canillo", 1.5975, 42.5667),
    Start("soldeu", "Soldeu", 1.6675, 42.5765),
    Start("el-tarter", "El Tarter", 1.6510, 42.5793),
    Start("ordino", "Ordino", 1.5331, 42.5560),
    Start("la-massana", "La Massana", 1.5148, 42.5450),
    Start("arinsal", "Arinsal", 1.4844, 42.5722),
    Start("sant-julia", "Sant Julià de Lòria", 1.4913, 42.4637),
    Start("pas-de-la-casa", "Pas de la Casa", 1.7336, 42.5427),
    Start("llorts", "Llorts", 1.5276, 42.5961),
    # villages whose nearest ways are main roads (issue 30's new-user tries)
    Start("pal", "Pal", 1.4760, 42.5458),
    Start("el-serrat", "El Serrat", 1.5389, 42.6196),
    Start("erts", "Erts", 1.4966, 42.5615),
    Start("ransol", "Ransol", 1.6375, 42.5817),
    Start("sispony", "Sispony", 1.5156, 42.5339),
    Start("santa-coloma", "Santa Coloma", 1.4997, 42.4950),
)

DURATIONS_MIN: tuple[int, ...] = (30, 60, 90, 120)

METHODS: tuple[str, ...] = ("routeplanner", "baseline")


# --- running and summarising --------------------------------------------------------------


@dataclass(frozen=True)
class QueryResult:
    """Outcome of one query by one method.

    ``error`` is the signed relative duration error (NaN without a route);
    ``failure`` says why there is no route.
    """

    method: str
    start: str
    duration_s: float
    feasible: bool
    has_route: bool
    success: bool
    warned: bool
    route_duration_s: float
    error: float
    distance_m: float
    overlap_share: float
    trail_share: float
    latency_s: float
    failure: str | None = None
    meets_brief: bool = False
    main_road_share: float = float("nan")
    shape: str | None = None


@dataclass(frozen=True)
class Summary:
    """Aggregate numbers of one method over all queries."""

    method: str
    n: int
    routes: int
    successes: int
    success_rate: float
    feasible: int
    successes_feasible: int
    success_rate_feasible: float
    warned: int
    err_median: float
    err_p90: float
    overlap_median: float
    trail_median: float
    latency_median_s: float
    latency_p90_s: float
    meets_brief: int = 0
    meets_rate: float = float("nan")
    overlap_p90: float = float("nan")
    main_road_median: float = float("nan")
    main_road_p90: float = float("nan")


def _query(fn: Any) -> tuple[Route | None, float, str | None]:
    t0 = time.perf_counter()
    try:
        route = fn()
        failure = None
    except (RoutePlannerError, ValueError) as exc:
        route, failure = None, f"{type(exc).__name__}: {exc}"
    return route, time.perf_counter() - t0, failure


def _result(
    method: str,
    start: Start,
    duration_s: float,
    feasible: bool,
    tolerance: float,
    route: Route | None,
    latency_s: float,
    failure: str | None,
    constraints: Constraints | None = None,
) -> QueryResult:
    if route is None:
        nan = float("nan")
        return QueryResult(
            method, start.key, duration_s, feasible, False, False, False,
            nan, nan, nan, nan, nan, latency_s, failure,
        )  # fmt: skip
    st = route.stats
    err = st.duration_s / duration_s - 1
    # Both methods are measured against the same brief by the same code.
    outcome = assess(
        route,
        constraints or Constraints(),
        target_duration_s=duration_s,
        tolerance=tolerance,
        max_difficulty=route.profile.max_difficulty,
    )
    return QueryResult(
        method=method,
        start=start.key,
        duration_s=duration_s,
        feasible=feasible,
        has_route=True,
        success=abs(err) <= tolerance,
        warned=bool(route.warnings),
        route_duration_s=st.duration_s,
        error=err,
        distance_m=st.distance_m,
        overlap_share=st.overlap_share,
        trail_share=st.trail_share,
        latency_s=latency_s,
        failure=None,
        meets_brief=outcome.meets_brief,
        main_road_share=st.main_road_share,
        shape=outcome.shape,
    )


def run_bench(
    net: Network,
    starts: Sequence[Start],
    durations_s: Sequence[float],
    *,
    profile: pace.RunnerProfile,
    tolerance: float = 0.05,
    seed: int = 0,
    baseline: BaselineParams | None = None,
    constraints: Constraints | None = None,
) -> list[QueryResult]:
    """Run every start × duration through both methods.

    Parameters
    ----------
    net
        The network, already loaded.
    starts
        Start points.
    durations_s
        Target durations.
    profile
        Runner profile for both methods and for the stats.
    tolerance
        Accepted relative duration error.
    seed
        Seed for routeplanner's search and (mixed with the query) the baseline.
    baseline
        Baseline parameters.
    constraints
        The brief's constraints for routeplanner (the baseline has none) and
        for measuring both.

    Returns
    -------
    list of QueryResult
        Two per query (routeplanner, then baseline), in query order.
    """
    # Warm the per-profile caches (edge times, spatial index, components) so
    # the first query is not charged for them.
    EdgeTimer(net, profile).edge_times()
    net.component_length_m()
    net.snap(starts[0].lon, starts[0].lat, max_distance_m=START_SNAP_M)
    out: list[QueryResult] = []
    for i, st in enumerate(starts):
        reach_s = max_out_and_back_s(net, (st.lon, st.lat), profile)
        for T in durations_s:
            feasible = reach_s >= (1 - tolerance) * T
            req = LoopRequest(
                T,
                tolerance=tolerance,
                alternatives=1,
                seed=seed,
                constraints=constraints or Constraints(),
            )
            xy = (st.lon, st.lat)
            route, lat_s, fail = _query(
                lambda xy=xy, req=req: find_loops(net, xy, profile, req, max_snap_m=START_SNAP_M)[
                    0
                ],
            )
            out.append(
                _result("routeplanner", st, T, feasible, tolerance, route, lat_s, fail, constraints)
            )
            bseed = (seed, i, round(T))
            route, lat_s, fail = _query(
                lambda xy=xy, T=T, bseed=bseed: baseline_round_trip(
                    net, xy, profile, T, seed=bseed, params=baseline
                ),
            )
            out.append(
                _result("baseline", st, T, feasible, tolerance, route, lat_s, fail, constraints)
            )
    return out


def percentile(values: Sequence[float] | np.ndarray, q: float) -> float:
    """Linear-interpolated percentile where ``inf`` ranks worst; NaN when empty.

    Parameters
    ----------
    values
        Values; ``inf`` stands for a missing result.
    q
        Percentile, 0-100.

    Returns
    -------
    float
        ``inf`` when the percentile falls among the infinite values.
    """
    x = np.asarray(values, dtype=np.float64)
    if len(x) == 0:
        return float("nan")
    big = 1e300
    r = float(np.percentile(np.where(np.isinf(x), big, x), q))
    return float("inf") if r > 1e150 else r


def summarize(results: Sequence[QueryResult], method: str) -> Summary:
    """Aggregate one method's results.

    Parameters
    ----------
    results
        Results of any methods; only ``method``'s are used.
    method
        Method name.

    Returns
    -------
    Summary
    """
    rs = [r for r in results if r.method == method]
    n = len(rs)
    routed = [r for r in rs if r.has_route]
    feas = [r for r in rs if r.feasible]
    err = [abs(r.error) if r.has_route else float("inf") for r in rs]
    lat = [r.latency_s for r in rs]
    succ = sum(r.success for r in rs)
    succ_f = sum(r.success for r in feas)
    meets = sum(r.meets_brief for r in rs)
    return Summary(
        method=method,
        n=n,
        routes=len(routed),
        successes=succ,
        success_rate=succ / n if n else float("nan"),
        feasible=len(feas),
        successes_feasible=succ_f,
        success_rate_feasible=succ_f / len(feas) if feas else float("nan"),
        warned=sum(r.warned for r in rs),
        err_median=percentile(err, 50),
        err_p90=percentile(err, 90),
        overlap_median=percentile([r.overlap_share for r in routed], 50),
        trail_median=percentile([r.trail_share for r in routed], 50),
        latency_median_s=percentile(lat, 50),
        latency_p90_s=percentile(lat, 90),
        meets_brief=meets,
        meets_rate=meets / n if n else float("nan"),
        overlap_p90=percentile([r.overlap_share for r in routed], 90),
        main_road_median=percentile([r.main_road_share for r in routed], 50),
        main_road_p90=percentile([r.main_road_share for r in routed], 90),
    )


# --- output -------------------------------------------------------------------------------

# (summary field, label, kind, better direction or None, target)
_ROWS: tuple[tuple[str, str, str, str | None, tuple[str, float] | None], ...] = (
    ("success_rate", "success (loop within tolerance)", "count", "higher", None),
    ("success_rate_feasible", "success among feasible", "count_f", "higher", None),
    ("meets_rate", "meets the brief", "count_m", "higher", (">=", 0.95)),
    ("err_median", "median |duration error|", "pct", "lower", ("<=", 0.02)),
    ("err_p90", "p90 |duration error|", "pct", "lower", ("<=", 0.05)),
    ("overlap_median", "median geometric overlap", "pct", "lower", ("<=", 0.05)),
    ("overlap_p90", "p90 geometric overlap", "pct", "lower", ("<=", 0.15)),
    ("trail_median", "median trail share", "pct", "higher", (">=", 0.80)),
    ("main_road_median", "median main-road share", "pct", "lower", None),
    ("main_road_p90", "p90 main-road share", "pct", "lower", None),
    ("latency_median_s", "median latency per query", "sec", None, None),
    ("latency_p90_s", "p90 latency per query", "sec", None, None),
)

#: Targets of trail-first, the default (issues 17 and 30): trail and main-road share.
_AVOID_ROADS_TARGETS: dict[str, tuple[str, float]] = {
    "trail_median": (">=", 0.90),
    "main_road_median": ("<=", 0.02),
    "main_road_p90": ("<=", 0.08),
}


def _ratio(a: float, b: float) -> float:
    if math.isnan(a) or math.isnan(b) or (math.isinf(a) and math.isinf(b)):
        return float("nan")
    if math.isinf(b):
        return 0.0
    if math.isinf(a):
        return float("inf")
    if b == 0:
        return float("nan") if a == 0 else float("inf")
    return a / b


def _better(a: float, b: float, direction: str | None) -> str | None:
    if direction is None:
        return None
    if a == b or (math.isnan(a) and math.isnan(b)):
        return "tie"
    if math.isnan(a):
        return "no"
    if math.isnan(b):
        return "yes"
    return "yes" if (a > b) == (direction == "higher") else "no"


def _met(value: float, target: tuple[str, float] | None) -> str | None:
    if target is None:
        return None
    op, limit = target
    if math.isnan(value):
        return "n/a"
    return "yes" if (value >= limit if op == ">=" else value <= limit) else "no"


def _fmt(s: Summary, field: str, kind: str) -> str:
    v = getattr(s, field)
    if kind == "count":
        return f"{s.successes}/{s.n} {v:.1%}"
    if kind == "count_f":
        return f"{s.successes_feasible}/{s.feasible} {v:.1%}" if s.feasible else "n/a"
    if kind == "count_m":
        return f"{s.meets_brief}/{s.n} {v:.1%}"
    if math.isnan(v):
        return "n/a"
    if math.isinf(v):
        return "no route"
    if kind == "pct":
        return f"{max(v, 0.0):.1%}"  # overlap can come out as -1e-17
    return f"{v:.3f} s"


def _fmt_target(target: tuple[str, float] | None, kind: str) -> str:
    if target is None:
        return ""
    op, limit = target
    sym = "≥" if op == ">=" else "≤"
    return f"{sym} {limit:.0%}" if kind != "sec" else f"{sym} {limit:g} s"


def comparison(rp: Summary, bl: Summary, *, avoid_roads: bool = False) -> list[dict[str, Any]]:
    """One row per metric: both values, ratio, better-than-baseline and target.

    Parameters
    ----------
    rp, bl
        Summaries of routeplanner and of the baseline.
    avoid_roads
        Whether the run asked for avoid-roads (stricter trail and road targets).

    Returns
    -------
    list of dict
        Keys ``metric``, ``label``, ``routeplanner``, ``baseline``,
        ``ratio`` (routeplanner / baseline), ``better`` ("yes"/"no"/"tie" or
        None for latency), ``target`` (text or None) and ``target_met``.
    """
    rows = []
    for field, label, kind, direction, row_target in _ROWS:
        target = _AVOID_ROADS_TARGETS.get(field, row_target) if avoid_roads else row_target
        a, b = getattr(rp, field), getattr(bl, field)
        rows.append(
            {
                "metric": field,
                "label": label,
                "routeplanner": a,
                "baseline": b,
                "ratio": _ratio(a, b),
                "better": _better(a, b, direction),
                "target": _fmt_target(target, kind) or None,
                "target_met": _met(a, target),
                "_kind": kind,
            }
        )
    return rows


def format_table(rp: Summary, bl: Summary, header: str = "", *, avoid_roads: bool = False) -> str:
    """The comparison table as text.

    Parameters
    ----------
    rp, bl
        Summaries of routeplanner and of the baseline.
    header
        Lines printed above the table.
    avoid_roads
        Whether the run asked for avoid-roads (stricter targets).

    Returns
    -------
    str
    """
    cols = ("metric", "routeplanner", "baseline", "ratio", "better", "target", "met")
    lines = []
    for row in comparison(rp, bl, avoid_roads=avoid_roads):
        ratio = row["ratio"]
        lines.append(
            (
                row["label"],
                _fmt(rp, row["metric"], row["_kind"]),
                _fmt(bl, row["metric"], row["_kind"]),
                "n/a" if math.isnan(ratio) else ("inf" if math.isinf(ratio) else f"{ratio:.2f}x"),
                row["better"] or "",
                row["target"] or "",
                row["target_met"] or "",
            )
        )
    widths = [max(len(c), *(len(r[i]) for r in lines)) for i, c in enumerate(cols)]

    def fmt_line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    rule = "-" * len(fmt_line([w * "-" for w in widths]))
    out = [header] if header else []
    out += [fmt_line(cols), rule, *(fmt_line(r) for r in lines), rule]
    out.append(
        "ratio = routeplanner / baseline; better = routeplanner beats the baseline on that "
        "column; targets are issue 17's, for routeplanner (informational, never asserted)."
    )
    return "\n".join(out)


def _json_value(v: Any) -> Any:
    if isinstance(v, float):
        return None if not math.isfinite(v) else round(v, 6)
    return v


def _json_safe(d: dict[str, Any]) -> dict[str, Any]:
    return {k: _json_value(v) for k, v in d.items() if not k.startswith("_")}


# --- command line -------------------------------------------------------------------------


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description="Benchmark routeplanner loops against a GraphHopper-style round trip."
    )
    ap.add_argument("--seed", type=int, default=0, help="seed of both searches (default 0)")
    ap.add_argument(
        "--region",
        default="andorra",
        help="catalog region: andorra (2025 extract, default) or andorra-2013",
    )
    ap.add_argument(
        "--allow-roads",
        action="store_true",
        help="ask routeplanner to take main roads like any way (default: trail-first)",
    )
    ap.add_argument(
        "--avoid-roads",
        action="store_true",
        help="trail-first, the default (kept for existing scripts)",
    )
    ap.add_argument(
        "--blocks",
        action="store_true",
        help="also plan a default 6-week block from Ordino and La Massana (loop_blocks.py)",
    )
    ap.add_argument("--json", action="store_true", help="print machine-readable JSON")
    ap.add_argument("--details", action="store_true", help="also print one line per query")
    ap.add_argument(
        "--data-dir",
        default=str(DEFAULT_DATA_DIR),
        help="folder holding andorra/ (default ../shared/data beside the repository)",
    )
    ap.add_argument(
        "--cache-dir", default=None, help="network cache folder (default: routeplanner's)"
    )
    ap.add_argument(
        "--starts",
        default=None,
        help="comma-separated start keys (default all): " + ",".join(s.key for s in STARTS),
    )
    ap.add_argument(
        "--durations",
        default=",".join(str(d) for d in DURATIONS_MIN),
        help="comma-separated target durations in minutes (default 30,60,90,120)",
    )
    ap.add_argument("--pace", default="6:00", help="flat pace, m:ss per km (default 6:00)")
    ap.add_argument(
        "--model",
        default=pace.DEFAULT_MODEL,
        help=f"pace model (default the product's, {pace.DEFAULT_MODEL})",
    )
    ap.add_argument("--tolerance", type=float, default=0.05, help="fraction (default 0.05)")
    ap.add_argument(
        "--baseline-points",
        type=int,
        default=2,
        help="GraphHopper round_trip.points for the baseline (default 2)",
    )
    return ap.parse_args(argv)


def _select_starts(text: str | None) -> list[Start]:
    if text is None:
        return list(STARTS)
    by_key = {s.key: s for s in STARTS}
    keys = [k.strip().lower() for k in text.split(",") if k.strip()]
    bad = [k for k in keys if k not in by_key]
    if bad or not keys:
        raise InputError(f"unknown start {bad[0] if bad else text!r}: use {', '.join(by_key)}")
    return [by_key[k] for k in keys]


def _parse_durations(text: str) -> list[float]:
    try:
        mins = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(f"invalid --durations {text!r}: expected minutes like 30,60") from None
    if not mins or any(not 0 < m <= 24 * 60 for m in mins):
        raise InputError(f"invalid --durations {text!r}: each must be in (0, 1440] minutes")
    return [m * 60.0 for m in mins]


def _load(data_dir: str, cache_dir: str | None, region: str = "andorra") -> Network:
    from routeplanner.network.build import load_network
    from routeplanner.sources import regions

    files = regions.resolve_region(region, data_dir=data_dir)
    cache = cache_dir if cache_dir is not None else regions.cache_dir(data_dir)
    return load_network(files.osm, files.dem, cache_dir=cache, name=files.name)


def main(argv: Sequence[str] | None = None, *, net: Network | None = None) -> int:
    """Run the benchmark and print the table (or JSON).

    Parameters
    ----------
    argv
        Command-line arguments (default ``sys.argv[1:]``).
    net
        An already loaded Andorra network; loaded from ``--data-dir`` if None.

    Returns
    -------
    int
        0 on success, 2 for bad arguments, 1 when the data cannot be loaded.
        Never depends on the measured numbers.
    """
    args = _parse_args(argv)
    args.avoid_roads = not args.allow_roads
    try:
        starts = _select_starts(args.starts)
        durations = _parse_durations(args.durations)
        profile = pace.RunnerProfile.from_strings(args.pace, args.model)
        if not 0.005 <= args.tolerance <= 0.5:
            raise InputError(f"tolerance {args.tolerance!r} out of range: use 0.005 to 0.5")
        if not 2 <= args.baseline_points <= 20:
            raise InputError(f"invalid --baseline-points {args.baseline_points}: use 2..20")
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        if net is None:
            net = _load(args.data_dir, args.cache_dir, args.region)
    except RoutePlannerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    results = run_bench(
        net,
        starts,
        durations,
        profile=profile,
        tolerance=args.tolerance,
        seed=args.seed,
        baseline=BaselineParams(points=args.baseline_points),
        constraints=Constraints(avoid_roads=args.avoid_roads),
    )
    rp, bl = summarize(results, "routeplanner"), summarize(results, "baseline")
    config = {
        "region": net.meta.get("region", "andorra"),
        "starts": [s.key for s in starts],
        "durations_min": [round(d / 60, 3) for d in durations],
        "queries": len(starts) * len(durations),
        "seed": args.seed,
        "flat_pace": pace.format_pace(profile.flat_pace_s_per_km),
        "model": profile.model,
        "tolerance": args.tolerance,
        "avoid_roads": args.avoid_roads,
        "baseline": asdict(BaselineParams(points=args.baseline_points)),
        "feasible_rule": "longest out-and-back from the start >= (1 - tolerance) * target",
    }
    blocks = run_blocks(net, profile, HOMES) if args.blocks else []
    if args.json:
        doc = {
            "blocks": [b.as_dict() for b in blocks],
            "config": config,
            "summary": {
                m: _json_safe(asdict(s)) for m, s in (("routeplanner", rp), ("baseline", bl))
            },
            "comparison": [_json_safe(r) for r in comparison(rp, bl, avoid_roads=args.avoid_roads)],
            "queries": [_json_safe(asdict(r)) for r in results],
        }
        print(json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False))
        return 0
    header = (
        f"Loop benchmark on {config['region']}: {len(starts)} starts x {len(durations)} "
        f"durations ({', '.join(f'{d / 60:g}' for d in durations)} min) = "
        f"{config['queries']} queries; pace {config['flat_pace']}/km {profile.model}, "
        f"tolerance ±{args.tolerance:.0%}, seed {args.seed}, "
        f"{'trail-first' if args.avoid_roads else 'roads allowed'}\n"
        f"baseline: GraphHopper-style round trip, points={args.baseline_points}, "
        f"reuse penalty x5, distance = target time / flat pace\n"
        f"feasible: {rp.feasible}/{rp.n} queries (longest out-and-back from the start "
        f">= {1 - args.tolerance:.0%} of the target); routeplanner warnings: {rp.warned}; "
        f"routes returned: routeplanner {rp.routes}/{rp.n}, baseline {bl.routes}/{bl.n}\n"
    )
    print(format_table(rp, bl, header, avoid_roads=args.avoid_roads))
    if blocks:
        print()
        print(format_blocks(blocks))
    if args.details:
        print()
        print(format_details(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
