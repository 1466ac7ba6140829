"""How much a runner's days differ, and the range of times that follows.

The grade model and the runner's corrections say how time is shared between the
grades of a line; how fast the runner is *that day* is something no line can say.
On the sample walks (one club, thirteen days) the day-to-day level moves the whole
time by about 11 % (one standard deviation), more than any grade correction.  So a
fitted profile carries that spread, measured on its own recordings, and a
prediction comes with the range of times that covers most days.

The spread is the standard deviation (``ddof=1``) over the fitting recordings of
``log(recorded / predicted)`` moving time, each recording predicted whole by the
fitted profile without a level of its own.  It needs :data:`MIN_RECORDINGS`
recordings: with fewer, stretches of one outing would only measure how the level
drifts within a day.  The range for a new day is the usual prediction interval of a
normal sample, ``exp(+-t * s * sqrt(1 + 1/n))`` with Student's ``t`` at ``n - 1``
degrees of freedom, covering :data:`DAY_SHARE` of days.

One runner's days on one kind of ground differ by about 5-15 %.  A spread over
:data:`WIDE_SPREAD` says more about the recordings than about the runner: they are
most likely of different people, or of different terrain or kinds of outing (walks
and runs, roads and mountains), so the range is too wide to plan by and
:func:`spread_warning` says so wherever it is shown.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from routeplanner.pace import RunnerProfile

__all__ = [
    "DAY_SHARE",
    "MIN_RECORDINGS",
    "WIDE_SPREAD",
    "day_spread",
    "spread_warning",
    "time_range_s",
]

DAY_SHARE = 0.8
MIN_RECORDINGS = 3
#: A day-to-day spread above this (a log ratio: 0.2 is about 20 %) is flagged as wide.
WIDE_SPREAD = 0.2


def day_spread(recorded_s: Sequence[float], predicted_s: Sequence[float]) -> float | None:
    """Measure how much the days differ: the spread of recorded over predicted times.

    Parameters
    ----------
    recorded_s, predicted_s : sequence of float
        Moving time of each fitting recording, recorded and predicted by the fitted
        profile (paired).

    Returns
    -------
    float or None
        The spread (a log ratio: 0.1 is about 10 %), or None with fewer than
        :data:`MIN_RECORDINGS` recordings.

    Examples
    --------
    >>> round(day_spread([90.0, 110.0, 100.0], [100.0, 100.0, 100.0]), 3)
    0.1
    """
    rec = np.asarray(recorded_s, dtype=float)
    pred = np.asarray(predicted_s, dtype=float)
    if len(rec) < MIN_RECORDINGS:
        return None
    return float(np.std(np.log(rec / pred), ddof=1))


def time_range_s(
    profile: RunnerProfile, moving_s: float, *, share: float = DAY_SHARE
) -> tuple[float, float] | None:
    """Range of moving times that covers `share` of the runner's days.

    Parameters
    ----------
    profile : RunnerProfile
        A profile with a fitted ``day_spread`` and ``spread_recordings``.
    moving_s : float
        The predicted moving time.
    share : float
        Share of days the range covers, between 0 and 1.

    Returns
    -------
    tuple of float or None
        ``(low, high)`` in seconds, or None when the profile has no spread (fitted
        on fewer than :data:`MIN_RECORDINGS` recordings, or written by hand).

    Examples
    --------
    >>> p = RunnerProfile(600.0, day_spread=0.1, spread_recordings=13)
    >>> low, high = time_range_s(p, 3600.0)
    >>> round(low), round(high)
    (3127, 4144)
    """
    spread, n = profile.day_spread, profile.spread_recordings
    if spread is None or n is None:
        return None
    from scipy.stats import t as student_t

    k = float(student_t.ppf((1.0 + share) / 2.0, n - 1)) * spread * math.sqrt(1.0 + 1.0 / n)
    return moving_s * math.exp(-k), moving_s * math.exp(k)


def spread_warning(profile: RunnerProfile) -> str | None:
    """Say when a profile's day-to-day spread is too wide to trust, and its likely cause.

    Parameters
    ----------
    profile : RunnerProfile
        A profile, fitted or not.

    Returns
    -------
    str or None
        One line for people when the spread is over :data:`WIDE_SPREAD`, else None.

    Examples
    --------
    >>> w = RunnerProfile(600.0, day_spread=0.38, spread_recordings=6)
    >>> print(spread_warning(w))  # doctest: +NORMALIZE_WHITESPACE
    wide range: the recordings differ by 38 % from day to day (over 20 %), likely
    recordings of different people or terrain; fit one runner's runs on similar ground
    >>> spread_warning(RunnerProfile(600.0, day_spread=0.11, spread_recordings=11)) is None
    True
    """
    spread = profile.day_spread
    if spread is None or spread <= WIDE_SPREAD:
        return None
    return (
        f"wide range: the recordings differ by {spread * 100:.0f} % from day to day "
        f"(over {WIDE_SPREAD * 100:.0f} %), likely recordings of different people or "
        "terrain; fit one runner's runs on similar ground"
    )
