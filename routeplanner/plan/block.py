"""The training block: weeks of sessions with their planned times, before any routing.

The rules (all parameters of :class:`BlockRequest`):

- Weekly running time starts at the lower bound of ``--week-time`` and grows toward the
  upper bound by at most ``ramp`` a week (default +10 %). Buist et al. (2008) found no
  difference in injuries between a 10 % and a 23 % weekly progression in novice runners;
  Nielsen et al. (2014) found more injuries when the running distance rose by over 30 %
  in two weeks. The default stays at the conservative end; ``ramp`` may be raised to 20 %.
- Every ``recovery_every``-th week (3 or 4, default 4) is a recovery week at
  ``recovery_factor`` (default 85 %) of the week before it; the week after continues the
  ramp from the last build week.
- Each week has one long run, at most ``long_cap`` (30 %) of the week's running time, on
  ``long_day``; the other run days share the rest.
- About 80 % of the running time is easy (``easy_share``). With ``goal="ski"`` one session
  a week from week 2 is a climb session and, from week 3, another is a descent-practice
  session. Their *work* (the climbs, the descents) is the hard time and is counted as a
  third of the session; the sessions are sized so that hard time stays within
  ``1 - easy_share`` of the week, and are at least ``workout_min_s`` long.
- Days that are neither run days nor rest: the first free day of the week is cross-training;
  at least one day a week is a rest day. Two 5-minute strength or core slots a week go on
  easy-run days.

Everything here is pure and deterministic: dates in, a :class:`Block` out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from routeplanner.errors import InputError

__all__ = [
    "DAY_NAMES",
    "HARD_SHARE_OF_WORKOUT",
    "MAX_WEEKS",
    "MIN_RUN_S",
    "Block",
    "BlockRequest",
    "PlannedSession",
    "PlannedWeek",
    "build_block",
]

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_WEEKS = 12
#: Shortest run worth planning a route for.
MIN_RUN_S = 20 * 60.0
#: Share of a climb or descent session that is hard work: the efforts are about a third of
#: it; the way there, the easy jogs between efforts and the way home are easy.
HARD_SHARE_OF_WORKOUT = 0.35
#: Length of a strength or core slot.
STRENGTH_S = 5 * 60.0
#: Cross-training session length, as a share of the week's running time.
CROSS_SHARE = 0.15
#: A recovery week drops the hard sessions' share to this factor of a build week's.
RUN_KINDS = ("easy", "long", "climbs", "descent")


@dataclass(frozen=True)
class BlockRequest:
    """What the runner asks for.

    Attributes
    ----------
    start : datetime.date
        First day of the block; the weeks start on this weekday.
    weeks : int
        Number of weeks, 1 to 12.
    week_time_s : tuple of float
        Lower and upper bound of the weekly running time, in seconds.
    run_days : tuple of int
        Weekdays with a run (0 = Monday).
    long_day : int or None
        Weekday of the long run; default the last run day of the week.
    goal : str
        ``"trail"`` or ``"ski"`` (adds climb and descent-practice sessions).
    ramp : float
        Largest weekly growth of the running time (0.10 = +10 %), at most 0.20.
    recovery_every : int
        Every n-th week is a recovery week (3 or 4).
    recovery_factor : float
        Running time of a recovery week relative to the week before.
    easy_share : float
        Share of the running time that is easy.
    long_cap : float
        Largest share of the week's running time in the long run.
    cross : str
        Cross-training activity (``cycling``, ``swimming``, ``ski touring`` …).
    workout_min_s : float
        Shortest climb or descent session (e.g. the time it takes to reach the practice
        descent, run it once and come home); taken from the easy runs of the week.
    """

    start: dt.date
    weeks: int
    week_time_s: tuple[float, float]
    run_days: tuple[int, ...]
    long_day: int | None = None
    goal: str = "trail"
    ramp: float = 0.10
    recovery_every: int = 4
    recovery_factor: float = 0.85
    easy_share: float = 0.80
    long_cap: float = 0.30
    cross: str = "cycling"
    workout_min_s: float = 0.0

    def __post_init__(self) -> None:
        _check_request(self)

    @property
    def long_weekday(self) -> int:
        """Weekday of the long run."""
        return self.long_day if self.long_day is not None else _week_order(self)[-1]


def _week_order(req: BlockRequest) -> list[int]:
    """Run weekdays in the order they fall in a week starting on ``req.start``."""
    first = req.start.weekday()
    return sorted(set(req.run_days), key=lambda d: (d - first) % 7)


def _check_request(req: BlockRequest) -> None:
    """Raise :class:`InputError` naming what is wrong with a request."""
    if not 1 <= req.weeks <= MAX_WEEKS:
        raise InputError(f"weeks must be between 1 and {MAX_WEEKS}, got {req.weeks}")
    lo, hi = req.week_time_s
    if not 0 < lo <= hi:
        raise InputError(
            f"week time lower bound {lo / 3600:.1f} h is above the upper bound "
            f"{hi / 3600:.1f} h: give LOW-HIGH, e.g. 3h-4h30"
        )
    days = set(req.run_days)
    if not days:
        raise InputError("no run days given: use e.g. --days tue,thu,sat,sun")
    if not days <= set(range(7)):
        raise InputError(f"run days must be weekdays 0-6, got {sorted(days)}")
    if len(days) > 6:
        raise InputError("seven run days leave no rest day: give at most six")
    if req.long_day is not None and req.long_day not in days:
        raise InputError(f"long-run day {DAY_NAMES[req.long_day]} is not one of the run days")
    if lo < len(days) * MIN_RUN_S:
        raise InputError(
            f"week time {lo / 3600:.1f} h is too small for {len(days)} run days: "
            f"each run needs at least {MIN_RUN_S / 60:.0f} min "
            f"(at least {len(days) * MIN_RUN_S / 3600:.1f} h a week)"
        )
    if not 0 < req.ramp <= 0.20:
        raise InputError(f"ramp {req.ramp:.0%} out of range: use up to 20 % a week")
    if req.recovery_every not in (3, 4):
        raise InputError(f"recovery week every {req.recovery_every} weeks: use 3 or 4")
    if not 0.5 <= req.recovery_factor <= 1.0:
        raise InputError(f"recovery factor {req.recovery_factor:.0%} out of range: 50-100 %")
    if not 0.5 <= req.easy_share < 1.0:
        raise InputError(f"easy share {req.easy_share:.0%} out of range: 50-99 %")
    if not 0.1 <= req.long_cap <= 0.5:
        raise InputError(f"long-run cap {req.long_cap:.0%} out of range: 10-50 %")
    if req.goal not in ("trail", "ski"):
        raise InputError(f"unknown goal {req.goal!r}: use trail or ski")


@dataclass(frozen=True)
class PlannedSession:
    """One session of the block, before routing.

    Attributes
    ----------
    date : datetime.date
        Day of the session.
    kind : str
        ``easy``, ``long``, ``climbs``, ``descent``, ``cross``, ``strength`` or ``rest``.
    planned_s : float
        Planned duration (0 for rest).
    hard_s : float
        Planned hard time within the session.
    note : str
        What to do, in words.
    """

    date: dt.date
    kind: str
    planned_s: float
    hard_s: float = 0.0
    note: str = ""

    @property
    def is_run(self) -> bool:
        """Whether the session is a run (and gets a route)."""
        return self.kind in RUN_KINDS


@dataclass(frozen=True)
class PlannedWeek:
    """One week of the block."""

    index: int
    start: dt.date
    recovery: bool
    planned_run_s: float
    sessions: tuple[PlannedSession, ...] = field(default_factory=tuple)

    @property
    def run_s(self) -> float:
        """Sum of the running sessions' planned time."""
        return sum(s.planned_s for s in self.sessions if s.is_run)

    @property
    def hard_s(self) -> float:
        """Sum of the planned hard time."""
        return sum(s.hard_s for s in self.sessions)


@dataclass(frozen=True)
class Block:
    """The whole block of weeks."""

    request: BlockRequest
    weeks: tuple[PlannedWeek, ...]

    @property
    def sessions(self) -> list[PlannedSession]:
        """Every session, in date order."""
        return [s for w in self.weeks for s in w.sessions]


def weekly_run_times(req: BlockRequest) -> list[tuple[float, bool]]:
    """Planned running time of each week and whether it is a recovery week.

    Examples
    --------
    >>> import datetime as dt
    >>> req = BlockRequest(dt.date(2027, 5, 3), 6, (3 * 3600.0, 4.5 * 3600.0), (1, 3, 5, 6))
    >>> [(round(t / 60), r) for t, r in weekly_run_times(req)]
    [(180, False), (198, False), (218, False), (185, True), (240, False), (264, False)]
    """
    lo, hi = req.week_time_s
    out: list[tuple[float, bool]] = []
    build = lo
    for i in range(req.weeks):
        if i > 0 and (i + 1) % req.recovery_every == 0:
            out.append((build * req.recovery_factor, True))
            continue
        if i > 0:
            build = min(build * (1.0 + req.ramp), hi)
        out.append((build, False))
    return out


def _run_sessions(
    req: BlockRequest, week_index: int, run_s: float, recovery: bool
) -> dict[int, tuple[str, float, float]]:
    """Kind, planned and hard time of each run weekday of one week."""
    order = _week_order(req)
    long_day = req.long_weekday
    others = [d for d in order if d != long_day]
    long_s = req.long_cap * run_s if others else run_s
    kinds: dict[int, str] = dict.fromkeys(others, "easy")
    if req.goal == "ski" and not recovery:
        # hard sessions away from the long run: the first other day climbs, the next
        # descent practice (from week 3), so they are spread over the week
        if week_index >= 1 and others:
            kinds[others[0]] = "climbs"
        if week_index >= 2 and len(others) >= 2:
            kinds[others[1]] = "descent"
    hard_budget = (1.0 - req.easy_share) * run_s
    workouts = [d for d in others if kinds[d] != "easy"]
    rest_s = run_s - long_s
    out: dict[int, tuple[str, float, float]] = {long_day: ("long", long_s, 0.0)}
    if workouts:
        # a workout's hard half must fit the week's hard budget
        workout_s = min(rest_s / len(others), hard_budget / HARD_SHARE_OF_WORKOUT / len(workouts))
        workout_s = max(workout_s, MIN_RUN_S, req.workout_min_s)
        for d in workouts:
            out[d] = (kinds[d], workout_s, workout_s * HARD_SHARE_OF_WORKOUT)
        rest_s -= workout_s * len(workouts)
    easy = [d for d in others if kinds[d] == "easy"]
    for d in easy:
        out[d] = ("easy", rest_s / len(easy), 0.0)
    if not easy and rest_s > 1.0:
        # no easy day to take the remainder: the long run takes it, within its cap
        kind, s, h = out[long_day]
        out[long_day] = (kind, s + rest_s, h)
    return out


_NOTES = {
    "easy": "easy running, conversational pace",
    "long": "long easy run, the week's longest",
    "climbs": "climbs at ski-slope angles: steady uphill efforts, easy between",
    "descent": "descent practice: repeat the same familiar descent, pushing the pace",
    "rest": "rest day",
    "strength": "5 min strength or core: squats, lunges, planks",
}


def _week(req: BlockRequest, index: int, run_s: float, recovery: bool) -> PlannedWeek:
    """Lay out one week's sessions day by day."""
    start = req.start + dt.timedelta(days=7 * index)
    runs = _run_sessions(req, index, run_s, recovery)
    free = [(start + dt.timedelta(days=k)).weekday() for k in range(7)]
    free = [d for d in free if d not in runs]
    cross_day = free[0] if len(free) >= 2 else None
    easy_days = [d for d, (kind, _, _) in runs.items() if kind == "easy"]
    strength_days = (easy_days or list(runs))[:2]
    if len(strength_days) < 2 and cross_day is not None:
        strength_days.append(cross_day)
    sessions: list[PlannedSession] = []
    for k in range(7):
        day = start + dt.timedelta(days=k)
        wd = day.weekday()
        if wd in runs:
            kind, s, hard = runs[wd]
            sessions.append(PlannedSession(day, kind, s, hard, _NOTES[kind]))
        elif wd == cross_day:
            cross_s = max(30 * 60.0, CROSS_SHARE * run_s)
            sessions.append(PlannedSession(day, "cross", cross_s, 0.0, f"{req.cross}, easy"))
        else:
            sessions.append(PlannedSession(day, "rest", 0.0, 0.0, _NOTES["rest"]))
        if wd in strength_days:
            sessions.append(PlannedSession(day, "strength", STRENGTH_S, 0.0, _NOTES["strength"]))
    return PlannedWeek(index + 1, start, recovery, run_s, tuple(sessions))


def build_block(req: BlockRequest) -> Block:
    """Lay out the block's weeks and sessions.

    Parameters
    ----------
    req
        The runner's request.

    Returns
    -------
    Block
        Weeks with their sessions, every day of the block listed (rest days included).

    Examples
    --------
    >>> import datetime as dt
    >>> req = BlockRequest(
    ...     dt.date(2027, 5, 3), 6, (3 * 3600.0, 4.5 * 3600.0), (1, 3, 5, 6), goal="ski"
    ... )
    >>> block = build_block(req)
    >>> [s.kind for s in block.weeks[2].sessions if s.is_run]
    ['climbs', 'descent', 'easy', 'long']
    """
    weeks = [_week(req, i, t, rec) for i, (t, rec) in enumerate(weekly_run_times(req))]
    return Block(req, tuple(weeks))
