"""The runner profile file: a small, commented TOML document.

Written by ``routeplanner pace fit`` and read by ``--profile`` on every
route-making command.  Only ``[pace]`` is required, so a hand-written profile can
be as short as::

    [pace]
    flat_pace = "5:30"

A fitted profile looks like this (comments included in the file)::

    [pace]
    flat_pace = "5:32"          # min:sec per km on flat, easy ground
    flat_pace_s_per_km = 332.1  # the same in seconds; this one wins when both are given
    model = "mountain"          # grade model: mountain (default), minetti or tobler
    max_difficulty = 6          # hardest SAC grade accepted, 1..6

    [grade]
    grades = [-0.3, -0.18, -0.1, -0.04, 0.0, 0.04, 0.1, 0.18, 0.3]
    correction = [1.0, 1.05, 1.1, 1.02, 1.0, 0.97, 0.93, 0.95, 1.0]
    data_m = [120.0, 900.0, ...]  # metres of recordings near each grade

    [terrain]
    trail_factor = 1.0          # time on trails / time on roads

    [fatigue]
    per_hour = 0.01             # pace grows by 1 % per hour of moving
    until_h = 2.5               # ... up to the longest fitted moving time, then stays

    [spread]                    # from 3 or more recordings only
    day_to_day = 0.107          # how much your days differ (sd of log time ratio)
    recordings = 13             # ... measured on this many recordings

    [fit]                       # what the profile was fitted on (informative only)
    tracks = ["run1.gpx", "run2.fit"]
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Any

from routeplanner import pace, units
from routeplanner._docstrings import fill
from routeplanner.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = ["profile_toml", "read_profile"]

_SECTIONS = {"pace", "grade", "terrain", "fatigue", "spread", "fit"}


def _toml_value(value: Any) -> str:
    """Format a TOML scalar or list of scalars (JSON is valid TOML for these)."""
    if isinstance(value, float) and not math.isfinite(value):
        return '"nan"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def profile_toml(
    profile: pace.RunnerProfile,
    *,
    fit: dict[str, Any] | None = None,
    band_m: dict[float, float] | None = None,
    notes: tuple[str, ...] = (),
) -> str:
    """Write a profile as a commented TOML document.

    Parameters
    ----------
    profile : RunnerProfile
        The profile.
    fit : dict or None
        Scalars or lists describing what it was fitted on (``[fit]`` table).
    band_m : dict or None
        Metres of data near each non-zero grade knot.
    notes : tuple of str
        Lines added as comments (e.g. what was not fitted).

    Returns
    -------
    str
        The document; :func:`read_profile` reads it back to an equal profile.
    """
    corr = profile.grade_correction or tuple(1.0 for _ in pace.GRADE_KNOTS)
    data = [float((band_m or {}).get(k, 0.0)) for k in pace.GRADE_KNOTS]
    lines = [
        "# routeplanner runner profile (use it with --profile FILE).",
        "# Time per metre = flat pace x grade model(grade) x correction(grade)",
        "#   x trail_factor (on trails) x (1 + fatigue per_hour x hours moving).",
        *[f"# Note: {n}" for n in notes],
        "",
        "[pace]",
        f"flat_pace = {_toml_value(units.format_pace(profile.flat_pace_s_per_km))}"
        "  # min:sec per km on flat, easy ground",
        f"flat_pace_s_per_km = {_toml_value(float(profile.flat_pace_s_per_km))}"
        "  # the same in seconds; wins over flat_pace",
        f"model = {_toml_value(profile.model)}"
        "  # grade model: mountain (default), minetti or tobler",
        f"max_difficulty = {int(profile.max_difficulty)}  # hardest SAC grade accepted, 1..6",
        "",
        "[grade]",
        "# Factor on the model's time at each grade (rise/run, + uphill); 1.0 = as the",
        "# model says.  Linear between grades, constant beyond the outer ones; the",
        "# factor at 0 is 1 by definition.  Thin data is shrunk toward 1, by an amount",
        "# chosen by cross-validation on the recordings (grade_prior_m in [fit]).",
        f"grades = {_toml_value(list(pace.GRADE_KNOTS))}",
        f"correction = {_toml_value([float(c) for c in corr])}",
        f"data_m = {_toml_value(data)}  # metres of recordings near each grade",
        "",
        "[terrain]",
        f"trail_factor = {_toml_value(float(profile.trail_factor))}"
        "  # time on trails / time on roads (1.0: not fitted)",
        "",
        "[fatigue]",
        f"per_hour = {_toml_value(float(profile.fatigue_per_h))}"
        "  # pace grows by this fraction per hour of moving",
    ]
    if profile.fatigue_until_h is not None:
        lines.append(
            f"until_h = {_toml_value(float(profile.fatigue_until_h))}"
            "  # ... up to this many hours moving (the longest fitted), then stays"
        )
    if profile.day_spread is not None:
        lines += [
            "",
            "[spread]",
            "# How much your days differ: standard deviation of log(recorded / predicted)",
            "# moving time over the recordings; predictions give the range of most days.",
            f"day_to_day = {_toml_value(float(profile.day_spread))}",
            f"recordings = {int(profile.spread_recordings or 0)}",
        ]
        from routeplanner.pace.spread import spread_warning

        wide = spread_warning(profile)
        if wide:
            lines.insert(-2, f"# {wide}.")
    if fit:
        lines += ["", "[fit]  # what the profile was fitted on (informative only)"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in fit.items()]
    return "\n".join(lines) + "\n"


def _table(doc: dict[str, Any], name: str) -> dict[str, Any]:
    value = doc.get(name, {})
    if not isinstance(value, dict):
        raise InputError(f"[{name}] must be a table")
    return value


def _grade_correction(grade: dict[str, Any]) -> tuple[float, ...] | None:
    if "correction" not in grade:
        return None
    grades = grade.get("grades", list(pace.GRADE_KNOTS))
    corr = grade["correction"]
    if not isinstance(corr, list) or not isinstance(grades, list):
        raise InputError("[grade] grades and correction must be lists")
    try:
        same = len(grades) == len(pace.GRADE_KNOTS) and all(
            abs(float(a) - b) < 1e-9 for a, b in zip(grades, pace.GRADE_KNOTS, strict=True)
        )
        values = tuple(float(c) for c in corr)
    except (TypeError, ValueError):
        raise InputError("[grade] values must be numbers") from None
    if not same:
        raise InputError(
            f"[grade] grades must be {list(pace.GRADE_KNOTS)} (the grades this version fits)"
        )
    return values


@fill(**pace.model.PROFILE_DOCS)
def read_profile(path: str | os.PathLike[str]) -> pace.RunnerProfile:
    """Read a profile file.

    %(read_profile)s
    """
    p = Path(path)
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"profile {str(path)!r}: no such file") from None
    except (OSError, ValueError) as exc:  # ValueError: also TOML, UTF-8, int digit limit
        raise InputError(
            f"profile {p.name}: not a TOML profile ({exc}): expected a file written by "
            "`routeplanner pace fit`"
        ) from None
    unknown = set(doc) - _SECTIONS
    if unknown:
        raise InputError(
            f"profile {p.name}: unknown section(s) {', '.join(sorted(unknown))}: "
            f"expected {', '.join(sorted(_SECTIONS))}"
        )
    try:
        return _profile(doc, p)
    except InputError as exc:
        raise InputError(f"profile {p.name}: {exc}") from None


def _profile(doc: dict[str, Any], p: Path) -> pace.RunnerProfile:
    section = _table(doc, "pace")
    if "flat_pace_s_per_km" in section:
        flat = section["flat_pace_s_per_km"]
    elif "flat_pace" in section:
        flat = units.parse_pace(str(section["flat_pace"]))
    else:
        raise InputError('[pace] needs flat_pace (e.g. "5:30")')
    return pace.RunnerProfile(
        flat_pace_s_per_km=flat,
        model=str(section.get("model", pace.DEFAULT_MODEL)).strip().lower(),
        max_difficulty=units.parse_difficulty(section.get("max_difficulty", 6)),
        grade_correction=_grade_correction(_table(doc, "grade")),
        trail_factor=_table(doc, "terrain").get("trail_factor", 1.0),
        fatigue_per_h=_table(doc, "fatigue").get("per_hour", 0.0),
        fatigue_until_h=_table(doc, "fatigue").get("until_h"),
        day_spread=_table(doc, "spread").get("day_to_day"),
        spread_recordings=_table(doc, "spread").get("recordings"),
    )
