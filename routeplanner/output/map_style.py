"""Colours and classes of the maps: grade, pace and slope bands, difficulty styles."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routeplanner.terrain import BANDS

__all__ = [
    "BAND_COLORS",
    "DIFFICULTY_STYLES",
    "GRADE_CLASSES",
    "PACE_CLASSES",
    "PISTE_COLOURS",
    "ROUTE_COLOURS",
    "SAC_NAMES",
    "SEGMENT_COLOURS",
    "SLOPE_BANDS",
    "ColourClass",
    "classify",
    "rgb",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ColourClass:
    """One step of a discrete colour ramp: values below ``upper`` (and above the previous)."""

    label: str
    color: str
    upper: float


#: Grade (rise/run) classes, steep descent to steep climb.
GRADE_CLASSES: tuple[ColourClass, ...] = (
    ColourClass("below −15 %", "#08306b", -0.15),
    ColourClass("−15 to −8 %", "#2166ac", -0.08),
    ColourClass("−8 to −3 %", "#67a9cf", -0.03),
    ColourClass("−3 to 3 %", "#1a9850", 0.03),
    ColourClass("3 to 8 %", "#f2d024", 0.08),
    ColourClass("8 to 15 %", "#fc8d59", 0.15),
    ColourClass("15 to 25 %", "#d73027", 0.25),
    ColourClass("above 25 %", "#67001f", math.inf),
)


#: Pace classes in seconds per km, fast to slow.
PACE_CLASSES: tuple[ColourClass, ...] = (
    ColourClass("faster than 5:00 /km", "#006837", 300.0),
    ColourClass("5:00–6:00 /km", "#1a9850", 360.0),
    ColourClass("6:00–7:00 /km", "#66bd63", 420.0),
    ColourClass("7:00–8:00 /km", "#d9ef8b", 480.0),
    ColourClass("8:00–10:00 /km", "#fee08b", 600.0),
    ColourClass("10:00–12:00 /km", "#fdae61", 720.0),
    ColourClass("12:00–15:00 /km", "#f46d43", 900.0),
    ColourClass("15:00–20:00 /km", "#d73027", 1200.0),
    ColourClass("slower than 20:00 /km", "#7f0000", math.inf),
)


#: Colour of each of :data:`routeplanner.terrain.BANDS`: blue-grey below 27° (ski
#: lines only: the slope overlay leaves it clear), then CalTopo's colours.
BAND_COLORS: tuple[str, ...] = (
    "#78909c",
    "#b8e62e",
    "#ffe600",
    "#ff9900",
    "#e8001c",
    "#b000d6",
    "#2b2bd4",
)


def _band_label(label: str) -> str:
    return label[:-1] + "°+" if label.endswith("+") else label.replace("-", "–") + "°"


#: The slope overlay's classes: CalTopo's bands from 27° (``upper`` is the next band's start).
SLOPE_BANDS: tuple[ColourClass, ...] = tuple(
    ColourClass(_band_label(label), colour, hi if k < len(BANDS) - 1 else math.inf)
    for k, ((label, _lo, hi), colour) in enumerate(zip(BANDS, BAND_COLORS, strict=True))
    if k > 0
)


#: Trail network styles: (label, colour, weight) by key ``"sac0"``…``"sac6"``,
#: ``"minor_road"``, ``"major_road"``.
DIFFICULTY_STYLES: dict[str, tuple[str, str, float]] = {
    "sac0": ("trail (no difficulty tag)", "#8d6e63", 2.0),
    "sac1": ("T1 hiking", "#2e7d32", 2.5),
    "sac2": ("T2 mountain hiking", "#9e9d24", 2.5),
    "sac3": ("T3 demanding mountain hiking", "#f57c00", 2.5),
    "sac4": ("T4 alpine hiking", "#d32f2f", 2.5),
    "sac5": ("T5 demanding alpine hiking", "#7b1fa2", 2.5),
    "sac6": ("T6 difficult alpine hiking", "#000000", 2.5),
    "minor_road": ("minor road", "#9e9e9e", 2.0),
    "major_road": ("major road", "#6d6d6d", 3.0),
}


SAC_NAMES = ("no SAC grade tagged", *(DIFFICULTY_STYLES[f"sac{i}"][0] for i in range(1, 7)))


# Identity colours of routes when several share a map (line casing and profile tabs).
ROUTE_COLOURS = (
    "#1565c0",
    "#ad1457",
    "#ef6c00",
    "#00838f",
    "#6a1b9a",
    "#4e342e",
    "#37474f",
    "#2e7d32",
)


SEGMENT_COLOURS = {
    "climb": "#c62828",
    "descent": "#1565c0",
    "ski": "#6a1b9a",
    "ski line": "#6a1b9a",
    "ski_line": "#6a1b9a",
}


PISTE_COLOURS = {
    "novice": "#43a047",
    "easy": "#1e88e5",
    "intermediate": "#e53935",
    "advanced": "#212121",
    "expert": "#212121",
    "freeride": "#fb8c00",
    "extreme": "#fb8c00",
}


def classify(values: np.ndarray, classes: Sequence[ColourClass]) -> np.ndarray:
    """Index of the class of each value (``upper`` bounds are exclusive).

    Examples
    --------
    >>> classify(np.array([-0.2, 0.0, 0.03, 0.3]), GRADE_CLASSES).tolist()
    [0, 3, 4, 7]
    """
    uppers = np.array([c.upper for c in classes[:-1]])
    return np.searchsorted(uppers, np.asarray(values, dtype=np.float64), side="right")


def rgb(color: str) -> tuple[int, int, int]:
    """Return the ``(r, g, b)`` of a ``#rrggbb`` colour."""
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)
