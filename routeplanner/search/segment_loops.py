"""Loops through climbs and a descent: ``loop --include-climbs N --include-descent``.

The options of :func:`routeplanner.search.workouts.plan_loop_with_segments` as one
validated object, and a thin layer over it that returns the distinct segments run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from routeplanner._docstrings import fill
from routeplanner.errors import RangeError
from routeplanner.network.model import Network
from routeplanner.pace import RunnerProfile
from routeplanner.route import Route
from routeplanner.search.loops import LoopRequest
from routeplanner.search.segments import Segment
from routeplanner.search.workouts import (
    MAX_SEGMENTS_IN_LOOP,
    SEGMENT_LOOP_DOC,
    plan_loop_with_segments,
)

__all__ = ["SegmentLoopOptions", "SegmentLoopPlan", "plan_segment_loop"]


@dataclass(frozen=True)
class SegmentLoopOptions:
    """Which climbs and descent a loop runs, and how many candidates are combined.

    Attributes
    ----------
    climbs : int
        Number of different climbs run uphill (0 to ``MAX_SEGMENTS_IN_LOOP``).
    climb_grade : tuple of float
        Mean-grade window of the climbs (rise over run).
    climb_min_gain_m : float
        Smallest gain of a climb.
    include_descent : bool
        Also run one descent downhill.
    descent_grade : tuple of float
        Mean-grade window of the descent.
    descent_minutes : tuple of float or None
        Window on the descent's running time, in seconds.
    descent_min_loss_m : float
        Smallest loss of the descent.
    pool_size : int
        How many of the best segments of each kind are combined.
    allow_roads : bool
        Accept climbs and descents mostly on roads; by default a segment must
        run at least half on trails (``SEGMENT_MIN_TRAIL``).

    Raises
    ------
    InputError
        If ``climbs`` is out of range.
    """

    climbs: int = 0
    climb_grade: tuple[float, float] = (0.15, 0.30)
    climb_min_gain_m: float = 50.0
    include_descent: bool = False
    descent_grade: tuple[float, float] = (0.08, 0.25)
    descent_minutes: tuple[float, float] | None = None
    descent_min_loss_m: float = 50.0
    pool_size: int = 6
    allow_roads: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.climbs, bool) or not 0 <= self.climbs <= MAX_SEGMENTS_IN_LOOP:
            raise RangeError("number of climbs", self.climbs, 0, MAX_SEGMENTS_IN_LOOP)

    @property
    def wanted(self) -> bool:
        """Whether any segment is asked for (else the loop is a plain one)."""
        return bool(self.climbs or self.include_descent)


@dataclass(frozen=True)
class SegmentLoopPlan:
    """Loops through segments, and the distinct segments they run (in first-run order)."""

    routes: tuple[Route, ...]
    segments: tuple[Segment, ...]


@fill(segment_loop=SEGMENT_LOOP_DOC)
def plan_segment_loop(
    net: Network,
    start: tuple[float, float],
    profile: RunnerProfile,
    request: LoopRequest,
    options: SegmentLoopOptions,
    *,
    dem: Any = None,
) -> SegmentLoopPlan:
    """Plan loops of the target time that run the asked climbs and descent.

    Parameters
    ----------
    %(segment_loop)s

    Returns
    -------
    SegmentLoopPlan

    Raises
    ------
    NoRouteError
        If no loop can run the asked segments.
    """
    res = plan_loop_with_segments(net, start, profile, request, options, dem=dem)
    distinct = {s.id: s for group in res.segments for s in group}
    return SegmentLoopPlan(routes=tuple(res.routes), segments=tuple(distinct.values()))
