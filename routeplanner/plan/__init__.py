"""A base-building block: weeks of sessions, each run with its route.

:func:`make_plan` is the front door: the block's rules (:mod:`routeplanner.plan.block`)
lay out the weeks, the searches route every running session
(:mod:`routeplanner.plan.routing`), and :mod:`routeplanner.output.plan_files` renders the
files.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from routeplanner import pace
from routeplanner.network.model import Network
from routeplanner.plan.block import Block, BlockRequest, build_block
from routeplanner.plan.routing import (
    RoutedSession,
    RoutingOptions,
    route_block,
    shortest_descent_session_s,
)
from routeplanner.search.point_router import PointRouters

__all__ = ["Block", "BlockRequest", "Plan", "RoutingOptions", "make_plan"]


@dataclass(frozen=True)
class Plan:
    """A block with its routed sessions.

    Attributes
    ----------
    block : Block
        Weeks and sessions as planned.
    weeks : tuple of tuple of RoutedSession
        Per week, every session with its route (or what it missed).
    """

    block: Block
    weeks: tuple[tuple[RoutedSession, ...], ...]

    @property
    def meets_brief(self) -> bool:
        """Whether every running session's route meets its brief."""
        return all(rs.meets_brief for w in self.weeks for rs in w if rs.session.is_run)

    @property
    def misses(self) -> list[str]:
        """What the plan misses, one line per miss."""
        return [
            f"{rs.session.date} {rs.session.kind}: {m}"
            for w in self.weeks
            for rs in w
            for m in rs.misses
        ]


def make_plan(
    net: Network,
    home: tuple[float, float],
    profile: pace.RunnerProfile,
    request: BlockRequest,
    *,
    options: RoutingOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Plan:
    """Lay out a block and route every running session from home.

    Parameters
    ----------
    net
        Network around home.
    home
        ``(lon, lat)`` of the runner's door.
    profile
        Runner profile.
    request
        The block asked for.
    options
        Routing options (tolerance, alternatives, seed, climb and descent windows).
    progress
        Called with (sessions routed, sessions to route).

    Returns
    -------
    Plan
    """
    block = build_block(request)
    routers = PointRouters()  # the workouts from home share its trees
    descent = next((s for s in block.sessions if s.kind == "descent"), None)
    if descent is not None:
        # a descent session must at least reach the practice descent, run it and come home
        shortest = shortest_descent_session_s(
            net, home, profile, options, descent.planned_s, routers
        )
        if shortest is not None and shortest > descent.planned_s:
            block = build_block(dataclasses.replace(request, workout_min_s=shortest))
    weeks = route_block(
        block, net, home, profile, options=options, progress=progress, routers=routers
    )
    return Plan(block, tuple(tuple(w) for w in weeks))
