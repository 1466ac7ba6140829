"""Ground: how much a way's tags slow a runner (the terrain time factor of every edge).

The build bakes :func:`terrain_factor` into ``Network.edge_terrain``, so these
tables are part of what a cached network depends on: :func:`tables_digest`
hashes them into the network cache key, and a changed table never reuses stale
cached factors.  The pace model (:mod:`routeplanner.pace`) re-exports them; the
time of an edge is computed in one place, :class:`routeplanner.pace.timer.EdgeTimer`.
"""

from __future__ import annotations

import hashlib
import json
import numbers

from routeplanner.errors import InputError
from routeplanner.units import SAC_SCALE

__all__ = [
    "SAC_FACTORS",
    "STEPS_FACTOR",
    "SURFACE_FACTORS",
    "VISIBILITY_FACTORS",
    "tables_digest",
    "terrain_factor",
]

# OSM sac_scale values -> SAC T-grade: SAC_SCALE in routeplanner.units.

# Time factors indexed by T-grade; index 0 = no sac_scale tag.  Same values as
# Valhalla's pedestrian costing (kSacScaleSpeedFactor): about 90, 80, 65, 40, 25 and
# 15 % of normal speed for T1..T6.
SAC_FACTORS: tuple[float, ...] = (1.0, 1.11, 1.25, 1.54, 2.5, 4.0, 6.67)

# highway=steps: the elevation gain is already charged by the grade model, this covers
# the broken stride (fixed step height, no flow on descents); stair-running speeds are
# around 60 % of the equivalent ramp for non-specialists.
STEPS_FACTOR = 1.6

# OSM surface -> time factor for a trail runner.  Unknown or missing surfaces are 1.0
# (most untagged mountain paths are dirt, and SAC/visibility already flag the rough ones).
SURFACE_FACTORS: dict[str, float] = {
    # sealed or hard-packed: no slow-down
    "paved": 1.0,
    "asphalt": 1.0,
    "concrete": 1.0,
    "concrete:plates": 1.0,
    "concrete:lanes": 1.0,
    "paving_stones": 1.0,
    "compacted": 1.0,
    "wood": 1.0,
    "metal": 1.0,
    "tartan": 1.0,
    # slightly irregular
    "sett": 1.02,
    "cobblestone": 1.05,
    "gravel": 1.05,
    "fine_gravel": 1.05,
    "woodchips": 1.05,
    "dirt": 1.08,
    "ground": 1.08,
    "earth": 1.08,
    "unpaved": 1.08,
    "unhewn_cobblestone": 1.1,
    "grass": 1.12,
    "pebblestone": 1.15,
    # rough or soft
    "rock": 1.2,
    "stone": 1.2,
    "bare_rock": 1.2,
    "mud": 1.25,
    "sand": 1.3,
    "scree": 1.4,
    "snow": 1.4,
    "ice": 1.5,
}

# OSM trail_visibility -> time factor (route finding and uncertain footing).
VISIBILITY_FACTORS: dict[str, float] = {
    "excellent": 1.0,
    "good": 1.0,
    "intermediate": 1.0,
    "bad": 1.1,
    "horrible": 1.2,
    "no": 1.3,
}


def _tag_factor(value: str | None, table: dict[str, float]) -> float:
    """Factor of an OSM tag value; ``a;b`` multi-values take the worst part."""
    if value is None:
        return 1.0
    parts = [p.strip().lower() for p in str(value).split(";")]
    return max(table.get(p, 1.0) for p in parts)


def terrain_factor(
    *,
    sac: int = 0,
    highway: str | None = None,
    surface: str | None = None,
    trail_visibility: str | None = None,
) -> float:
    """Multiplicative slow-down for technical ground.

    The product of ``SAC_FACTORS[sac]``, :data:`STEPS_FACTOR` for ``highway=steps``,
    :data:`SURFACE_FACTORS` and :data:`VISIBILITY_FACTORS`.  Unknown tag values count
    as 1.0; ``;``-separated values take the slowest part.

    Parameters
    ----------
    sac : int
        T-grade 1..6, or 0 when the way has no ``sac_scale`` tag.
    highway : str or None
        OSM ``highway`` value.
    surface : str or None
        OSM ``surface`` value.
    trail_visibility : str or None
        OSM ``trail_visibility`` value.

    Returns
    -------
    float
        Factor >= 1 to multiply the time by.

    Raises
    ------
    InputError
        If `sac` is not an integer between 0 and 6.

    Examples
    --------
    >>> terrain_factor(sac=3)
    1.54
    >>> round(terrain_factor(highway="steps", surface="rock"), 2)
    1.92
    >>> terrain_factor(surface="bouncy_castle")
    1.0
    """
    if isinstance(sac, bool) or not isinstance(sac, numbers.Integral) or not 0 <= sac <= 6:
        raise InputError(f"invalid sac grade {sac!r}: must be an integer between 0 and 6")
    factor = SAC_FACTORS[int(sac)]
    if highway is not None and highway.strip().lower() == "steps":
        factor *= STEPS_FACTOR
    factor *= _tag_factor(surface, SURFACE_FACTORS)
    factor *= _tag_factor(trail_visibility, VISIBILITY_FACTORS)
    return float(factor)


def tables_digest() -> str:
    """SHA-256 of every table :func:`terrain_factor` and the SAC parse read.

    Returns
    -------
    str
        64 hex digits; changes whenever a factor or a tag value changes.
    """
    tables = {
        "sac_scale": SAC_SCALE,
        "sac": SAC_FACTORS,
        "steps": STEPS_FACTOR,
        "surface": SURFACE_FACTORS,
        "visibility": VISIBILITY_FACTORS,
    }
    return hashlib.sha256(json.dumps(tables, sort_keys=True).encode()).hexdigest()
