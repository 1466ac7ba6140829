"""Blocks for ``bench_loops.py --blocks``: what a default 6-week block's runs look like.

For each home (Ordino and La Massana by default), a default block (6 weeks,
3 h-4 h 30 a week, tue/thu/sat/sun, trail goal, 6:00/km, the bench's pace model, seed 0) is
planned with :func:`routeplanner.plan.make_plan` and measured:

* the ascent rate of every easy session (ascent / running time, m/h), against
  the easy cap (:data:`routeplanner.plan.routing.EASY_ASCENT_RATE_M_H`);
* the largest geometric share between two runs of one week
  (:func:`routeplanner.plan.variety.shared_share`: distance of the shorter run
  whose track lies within 15 m of the other's, the way from home included);
* main-road and trail share of the routed sessions, and how many meet their brief.

It also holds the per-query lines of ``bench_loops.py --details`` (:func:`format_details`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from routeplanner import pace
from routeplanner.network.model import Network

if TYPE_CHECKING:
    from bench_loops import QueryResult

__all__ = ["HOMES", "BlockResult", "format_blocks", "format_details", "run_blocks"]

#: Homes of the block benchmark: (key, name, lon, lat).
HOMES: tuple[tuple[str, str, float, float], ...] = (
    ("ordino", "Ordino", 1.5331, 42.5560),
    ("la-massana", "La Massana", 1.5148, 42.5450),
)


@dataclass(frozen=True)
class BlockResult:
    """Numbers of one home's block."""

    home: str
    sessions: int
    meets: int
    easy_rates_m_h: tuple[float, ...]
    easy_cap_m_h: float
    week_max_shared: tuple[float, ...]
    main_road_median: float
    trail_median: float
    misses: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready numbers."""
        rates = np.asarray(self.easy_rates_m_h)
        return {
            "home": self.home,
            "sessions": self.sessions,
            "meets_brief": self.meets,
            "easy_sessions": len(rates),
            "easy_rate_median_m_h": round(float(np.median(rates)), 1) if len(rates) else None,
            "easy_rate_max_m_h": round(float(rates.max()), 1) if len(rates) else None,
            "easy_over_cap": int(np.sum(rates > self.easy_cap_m_h + 0.5)),
            "week_max_shared": [round(s, 3) for s in self.week_max_shared],
            "main_road_median": round(self.main_road_median, 4),
            "trail_median": round(self.trail_median, 4),
            "misses": list(self.misses),
        }


def _block(net: Network, home: tuple[float, float], profile: pace.RunnerProfile) -> Any:
    from routeplanner.plan import BlockRequest, make_plan

    request = BlockRequest(
        start=date(2027, 5, 3),
        weeks=6,
        week_time_s=(3 * 3600.0, 4.5 * 3600.0),
        run_days=(1, 3, 5, 6),
        long_day=None,
        goal="trail",
    )
    return make_plan(net, home, profile, request)


def run_blocks(
    net: Network, profile: pace.RunnerProfile, homes: tuple[tuple[str, str, float, float], ...]
) -> list[BlockResult]:
    """Plan and measure a default block from every home."""
    from routeplanner.plan.routing import EASY_ASCENT_RATE_M_H
    from routeplanner.plan.variety import shared_share

    out = []
    for key, _name, lon, lat in homes:
        plan = _block(net, (lon, lat), profile)
        runs = [rs for week in plan.weeks for rs in week if rs.session.is_run]
        routed = [rs.route for rs in runs if rs.route is not None]
        rates = tuple(
            rs.route.stats.ascent_m / (rs.route.stats.duration_s / 3600.0)
            for rs in runs
            if rs.session.kind == "easy" and rs.route is not None
        )
        shared = []
        for week in plan.weeks:
            rts = [rs.route for rs in week if rs.session.is_run and rs.route is not None]
            pairs = [shared_share(a, b) for i, a in enumerate(rts) for b in rts[:i]]
            shared.append(max(pairs, default=0.0))
        out.append(
            BlockResult(
                home=key,
                sessions=len(runs),
                meets=sum(rs.meets_brief for rs in runs),
                easy_rates_m_h=rates,
                easy_cap_m_h=EASY_ASCENT_RATE_M_H,
                week_max_shared=tuple(shared),
                main_road_median=float(np.median([r.stats.main_road_share for r in routed])),
                trail_median=float(np.median([r.stats.trail_share for r in routed])),
                misses=tuple(plan.misses),
            )
        )
    return out


def format_blocks(results: list[BlockResult]) -> str:
    """The block table as text."""
    lines = [
        "6-week default blocks (3 h-4 h 30/week, tue/thu/sat/sun, trail): easy sessions' "
        "ascent rate against the cap, largest share of two runs of one week (15 m, "
        "way from home included)",
        f"{'home':<12} {'meets':>7} {'easy m/h med/max':>17} {'over cap':>8} "
        f"{'week max shared (1..6)':<36} {'main med':>8} {'trail med':>9}",
    ]
    for r in results:
        d = r.as_dict()
        weeks = " ".join(f"{s:.0%}" for s in r.week_max_shared)
        lines.append(
            f"{r.home:<12} {r.meets:>3}/{r.sessions:<3} "
            f"{d['easy_rate_median_m_h']:>8}/{d['easy_rate_max_m_h']:<8} "
            f"{d['easy_over_cap']:>8} {weeks:<36} {r.main_road_median:>8.1%} "
            f"{r.trail_median:>9.1%}"
        )
    for r in results:
        for m in r.misses:
            lines.append(f"  {r.home}: MISSED {m}")
    return "\n".join(lines)


def format_details(results: Sequence[QueryResult]) -> str:
    """Per-query lines: duration, error, overlap, trail share and latency of each method.

    Parameters
    ----------
    results
        Results as returned by :func:`run_bench`.

    Returns
    -------
    str
    """
    by_query: dict[tuple[str, float], dict[str, QueryResult]] = {}
    for r in results:
        by_query.setdefault((r.start, r.duration_s), {})[r.method] = r

    def cell(r: QueryResult | None) -> str:
        if r is None:
            return ""
        if not r.has_route:
            return f"{'no route':>34} {r.latency_s:6.3f}s"
        mark = "ok" if r.success else "--"
        return (
            f"{r.route_duration_s / 60:6.1f}min {r.error:+6.1%} {mark} "
            f"ov {max(r.overlap_share, 0.0):5.1%} tr {r.trail_share:5.1%} {r.latency_s:6.3f}s"
        )

    lines = [f"{'start':<17} {'min':>4} feas  {'routeplanner':<48}  baseline"]
    for (start, T), rs in by_query.items():
        feas = "yes" if next(iter(rs.values())).feasible else "no"
        lines.append(
            f"{start:<17} {T / 60:4.0f} {feas:<4}  {cell(rs.get('routeplanner')):<48}  "
            f"{cell(rs.get('baseline'))}"
        )
    return "\n".join(lines)
