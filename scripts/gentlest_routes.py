"""The least ascent per hour a run of a given time can climb from a start: a known answer.

Easy sessions climb at most 250 m/h (:data:`routeplanner.plan.routing.EASY_ASCENT_RATE_M_H`).
Where a plan's easy runs miss it, is there a gentler route, or does the area have none?
This script answers for one start and a list of durations, on the product's network,
trail-first rules and pace model:

* ``exact, N turns``: the gentlest route by exact search
  (:mod:`routeplanner.search.gentle`) among the routes that go out and come back, every
  step out leading farther from the start and every step back nearer, but for at most
  N steps each way (0: a plain out-and-back, loop or lollipop; 1 and 2: bends and short
  spurs; any may turn mid-way along a way).  Also how many of the 40 gentlest walks
  are gentle routes (at most the cap) sharing at most 30 % of their distance with one
  another: a week's easy runs must share at most 30 % (a lower bound: the plan also
  looks off a week's earlier ways).
* ``loop search``: the gentlest of the loop search's alternatives under the cap
  (:func:`routeplanner.search.loops.find_loops`, 10 alternatives).

The rate is the built route's ``ascent_m`` over its ``duration_s``, the definition the
easy cap, ``plan.json`` and ``bench_loops.py --blocks`` use.  Laps of a flat street
block would climb almost nothing (an exact search without the limit on steps back
finds 12-16 m/h from Ordino); such walks are not counted as routes.

Usage::

    .venv/bin/python scripts/gentlest_routes.py [--home ordino|la-massana|LAT,LON]
        [--durations 42,43.2,46.2,50.8,55.9,61.5] [--turns 0,1,2] [--allow-roads]
        [--json] [--data-dir ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

from routeplanner import pace
from routeplanner.brief import Constraints
from routeplanner.errors import InputError, RoutePlannerError
from routeplanner.network.model import Network
from routeplanner.plan.routing import EASY_ASCENT_RATE_M_H
from routeplanner.plan.variety import MAX_SHARED, shared_share
from routeplanner.route import Route
from routeplanner.search import gentle
from routeplanner.search.loops import LoopRequest, find_loops

#: Default durations: the easy sessions of the ``bench_loops --blocks`` block, in minutes.
DURATIONS_MIN = (42.0, 43.2, 46.2, 50.8, 55.9, 61.5)
#: Homes by key: (lon, lat), as in ``scripts/loop_blocks.py``.
HOMES = {"ordino": (1.5331, 42.5560), "la-massana": (1.5148, 42.5450)}


@dataclass(frozen=True)
class Gentlest:
    """The gentlest route of one kind for one duration, as built and measured."""

    kind: str
    target_min: float
    duration_min: float
    distance_km: float
    ascent_m: float
    rate_m_h: float
    overlap_share: float
    trail_share: float
    main_road_share: float
    gentle_apart: int  # gentle routes (<= cap) sharing <= 30 % with one another


def rate_m_h(route: Route) -> float:
    """Ascent per hour of a route: its ``ascent_m`` over its ``duration_s``."""
    return route.stats.ascent_m / (route.stats.duration_s / 3600.0)


def _apart(routes: Sequence[Route], cap: float) -> int:
    """Gentle routes taken gentlest first, each sharing at most 30 % with those taken."""
    taken: list[Route] = []
    for r in sorted(routes, key=rate_m_h):
        if rate_m_h(r) <= cap + 0.5 and all(shared_share(r, t) <= MAX_SHARED for t in taken):
            taken.append(r)
    return len(taken)


def _row(kind: str, target_s: float, routes: Sequence[Route], cap: float) -> Gentlest | None:
    if not routes:
        return None
    r = min(routes, key=rate_m_h)
    st = r.stats
    return Gentlest(
        kind=kind,
        target_min=round(target_s / 60, 1),
        duration_min=round(st.duration_s / 60, 1),
        distance_km=round(st.distance_m / 1000, 2),
        ascent_m=round(st.ascent_m, 1),
        rate_m_h=round(rate_m_h(r), 1),
        overlap_share=round(st.overlap_share, 3),
        trail_share=round(st.trail_share, 3),
        main_road_share=round(st.main_road_share, 3),
        gentle_apart=_apart(routes, cap),
    )


def gentlest_routes(
    net: Network,
    home: tuple[float, float],
    profile: pace.RunnerProfile,
    durations_s: Sequence[float],
    *,
    constraints: Constraints | None = None,
    turns: Sequence[int] = (0, 1, 2),
    cap: float = EASY_ASCENT_RATE_M_H,
) -> list[Gentlest]:
    """The gentlest routes of every duration: by exact search per turn limit, and looped.

    Parameters
    ----------
    net
        The network.
    home
        ``(lon, lat)`` of the start.
    profile
        Runner profile.
    durations_s
        Target durations (tolerance ±5 %).
    constraints
        Which ways are open (trail-first by default); the cap is added.
    turns
        Turn limits of the exact search.
    cap
        The easy cap (m/h).

    Returns
    -------
    list of Gentlest
    """
    easy = replace(constraints or Constraints(), max_ascent_rate_m_h=cap)
    limit = max(durations_s) * 1.1
    snap = net.snap(*home, max_distance_m=500.0)
    rows: dict[tuple[float, str], Gentlest] = {}
    for n in turns:  # (one start's tables are kept at a time: each limit once)
        timing = profile.for_duration(limit / 1.1)
        tables = gentle.gentle_tables(net, snap, timing, limit, easy, turns=n)
        for target in durations_s:
            req = LoopRequest(target, tolerance=0.05, alternatives=10, constraints=easy)
            found = gentle.gentle_routes(net, tables, profile, req)
            row = _row(f"exact, {n} turns", target, found, cap)
            if row:
                rows[target, row.kind] = row
    for target in durations_s:
        req = LoopRequest(target, tolerance=0.05, alternatives=10, constraints=easy)
        row = _row("loop search", target, find_loops(net, home, profile, req), cap)
        if row:
            rows[target, row.kind] = row
    out = [rows[k] for k in sorted(rows, key=lambda k: (k[0], k[1] == "loop search", k[1]))]
    return out


def format_table(rows: list[Gentlest], title: str) -> str:
    """The results as a text table."""
    lines = [
        title,
        f"{'target':>6} {'kind':<15} {'min':>5} {'km':>5} {'ascent':>6} {'m/h':>5} "
        f"{'overlap':>7} {'trail':>5} {'main':>5} {'gentle, apart':>13}",
    ]
    for r in rows:
        lines.append(
            f"{r.target_min:6.1f} {r.kind:<15} {r.duration_min:5.1f} {r.distance_km:5.2f} "
            f"{r.ascent_m:6.0f} {r.rate_m_h:5.0f} {r.overlap_share:7.0%} "
            f"{r.trail_share:5.0%} {r.main_road_share:5.0%} {r.gentle_apart:13d}"
        )
    return "\n".join(lines)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="The gentlest routes of each duration from a home.")
    ap.add_argument("--region", default="andorra", help="catalog region (default andorra)")
    ap.add_argument("--home", default="ordino", help="ordino, la-massana or LAT,LON")
    ap.add_argument(
        "--durations",
        default=",".join(f"{d:g}" for d in DURATIONS_MIN),
        help="minutes, comma-separated (default: the easy sessions of the bench block)",
    )
    ap.add_argument("--turns", default="0,1,2", help="turn limits of the exact search")
    ap.add_argument("--allow-roads", action="store_true", help="open every way")
    ap.add_argument("--pace", default="6:00", help="flat pace, m:ss per km (default 6:00)")
    ap.add_argument("--json", action="store_true", help="print JSON")
    ap.add_argument("--data-dir", default=None, help="folder holding andorra/")
    return ap.parse_args(argv)


def _home(text: str) -> tuple[float, float]:
    if text.lower() in HOMES:
        return HOMES[text.lower()]
    try:
        lat, lon = (float(x) for x in text.split(","))
    except ValueError:
        raise InputError(f"invalid --home {text!r}: use {', '.join(HOMES)} or LAT,LON") from None
    return lon, lat


def main(argv: Sequence[str] | None = None) -> int:
    """Print the gentlest routes of every duration from the home."""
    from _common import data_dir
    from bench_loops import _load

    args = _parse_args(argv)
    try:
        home = _home(args.home)
        mins = [float(x) for x in args.durations.split(",") if x.strip()]
        turns = [int(x) for x in args.turns.split(",") if x.strip()]
        profile = pace.RunnerProfile.from_strings(args.pace, pace.DEFAULT_MODEL)
    except (InputError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        net = _load(str(data_dir(args.data_dir)), None, args.region)
    except RoutePlannerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    c = Constraints(avoid_roads=not args.allow_roads)
    rows = gentlest_routes(net, home, profile, [m * 60 for m in mins], constraints=c, turns=turns)
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=2))
        return 0
    rules = "roads allowed" if args.allow_roads else "trail-first"
    title = (
        f"Gentlest routes from {args.home} ({rules}, {args.pace}/km {profile.model}, ±5 %); "
        f"'gentle, apart': routes <= {EASY_ASCENT_RATE_M_H:.0f} m/h sharing <= 30 % pairwise"
    )
    print(format_table(rows, title))
    return 0


if __name__ == "__main__":
    sys.exit(main())
