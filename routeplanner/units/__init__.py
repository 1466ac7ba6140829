"""Every quantity a person types or reads: parsers and formatters in one place.

Parsers take the text as typed (on the command line or in an event file) and
return SI values (seconds, metres, seconds per km, rise over run, degrees);
they raise one :class:`~routeplanner.errors.InputError` naming the value and
the accepted forms.  Formatters turn SI values back into text, in metric or
imperial units (:data:`UNIT_SYSTEMS`).

This module imports only the standard library, so the command line can parse
and check every option before loading numpy or any data.

Accepted forms
--------------
========== ===================================================== ===========================
quantity   forms                                                 refused
========== ===================================================== ===========================
duration   ``75m``, ``75min``, ``1h15``, ``1h15m``, ``1:15``,     ``0``, above 24 h
           ``1:15:00``, ``1.5h``, ``4500s``, ``90`` (minutes)
pace       ``6:00``, ``6:00/km``, ``5:30 min/km``, ``9:39/mi``,  outside 2:00-30:00 /km
           ``10km/h``, ``6mph``, ``6.5`` (minutes per km)
distance   ``5km``, ``800m``, ``3mi``, ``2000ft``                a bare number (``500``)
height     ``300m``, ``1000ft``, ``0.3km``, ``300`` (metres)     above 5000 m
tolerance  ``5%``, ``0.05``, ``3`` (= 3 %)                       outside 0.5-50 %
========== ===================================================== ===========================
"""

from __future__ import annotations

from routeplanner.units.quantities import (
    FT_M,
    GRADE_PRESETS,
    MAX_DURATION_S,
    MI_M,
    MIN_DURATION_S,
    SAC_SCALE,
    UNIT_SYSTEMS,
    UnitSystem,
    format_distance,
    format_duration,
    format_height,
    format_pace,
    format_speed,
    parse_distance,
    parse_duration,
    parse_height,
    parse_minutes_window,
    parse_pace,
    parse_unit_system,
)
from routeplanner.units.settings import (
    FIRST_DAY,
    LAST_DAY,
    check_day,
    check_degrees,
    parse_clock,
    parse_date,
    parse_difficulty,
    parse_grade_window,
    parse_latlon,
    parse_share,
    parse_slope_window,
    parse_time_zone,
    parse_tolerance,
    parse_whole,
)

__all__ = [
    "FIRST_DAY",
    "FT_M",
    "GRADE_PRESETS",
    "LAST_DAY",
    "MAX_DURATION_S",
    "MIN_DURATION_S",
    "MI_M",
    "SAC_SCALE",
    "UNIT_SYSTEMS",
    "UnitSystem",
    "check_day",
    "check_degrees",
    "format_distance",
    "format_duration",
    "format_height",
    "format_pace",
    "format_speed",
    "parse_clock",
    "parse_date",
    "parse_difficulty",
    "parse_distance",
    "parse_duration",
    "parse_grade_window",
    "parse_height",
    "parse_latlon",
    "parse_minutes_window",
    "parse_pace",
    "parse_share",
    "parse_slope_window",
    "parse_time_zone",
    "parse_tolerance",
    "parse_unit_system",
    "parse_whole",
]
