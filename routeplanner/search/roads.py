"""Trail-first in words: where a route runs on main roads, and why.

Trail-first (the default brief, :attr:`routeplanner.brief.Constraints.avoid_roads`)
keeps to trails and minor roads; a main road (trunk, primary, secondary) is
used only

* where no other way connects (:func:`~routeplanner.search.graph.main_roads_needed`),
* to leave a start that lies on one, by the shortest way to a network of other ways,
* as a short link, at most :data:`MAIN_LINK_SHARE` of the distance, that saves
  running the same way twice (where trails alone give only an out-and-back, a
  lollipop or a loop that overlaps itself).

:func:`road_notes` names each such stretch for the runner: how long, which
road, and which of the three reasons.
"""

from __future__ import annotations

from collections.abc import Sequence

from routeplanner._text import terminal_safe
from routeplanner.brief import MAIN_ROAD_CLASS, MAIN_ROAD_NOTE_M
from routeplanner.network.model import Network
from routeplanner.route import AnyStep, Step
from routeplanner.search.graph import main_roads_needed

__all__ = ["MAIN_LINK_SHARE", "bypassed_share", "main_road_m", "road_notes"]

#: Most main-road share a loop may add to close itself instead of being an out-and-back.
MAIN_LINK_SHARE = 0.10


def _stretches(net: Network, steps: Sequence[AnyStep]) -> list[tuple[int, int, float]]:
    """Return the runs of consecutive main-road steps: (first index, last index + 1, metres)."""
    out: list[tuple[int, int, float]] = []
    begin, metres = -1, 0.0
    for i, s in enumerate([*steps, None]):
        main = isinstance(s, Step) and int(net.edge_class[s.edge]) == MAIN_ROAD_CLASS
        if main and isinstance(s, Step):
            if begin < 0:
                begin, metres = i, 0.0
            metres += s.length_m
        elif begin >= 0:
            out.append((begin, i, metres))
            begin = -1
    return out


def _name(net: Network, steps: Sequence[AnyStep]) -> str:
    """Return the stretch's road name (its longest named edge), else "a main road"."""
    named = [s for s in steps if isinstance(s, Step) and str(net.edge_name[s.edge])]
    if not named:
        return "a main road"
    longest = max(named, key=lambda s: s.length_m)
    return terminal_safe(str(net.edge_name[longest.edge]))[:60]


def _start_edge(steps: Sequence[AnyStep]) -> int | None:
    """Return the edge a route starts on (its start's own ways count as a place)."""
    first = next((s for s in steps if isinstance(s, Step)), None)
    return None if first is None else first.edge


def main_road_m(net: Network, steps: Sequence[AnyStep], *, bypassed_only: bool = False) -> float:
    """Metres on main roads (only those other ways bypass with ``bypassed_only``)."""
    needed = main_roads_needed(net, _start_edge(steps))
    total = 0.0
    for s in steps:
        if isinstance(s, Step) and int(net.edge_class[s.edge]) == MAIN_ROAD_CLASS:
            if not (bypassed_only and needed[s.edge]):
                total += s.length_m
    return total


def road_notes(net: Network, steps: Sequence[AnyStep], *, loop: bool = True) -> list[str]:
    """Name every main-road stretch of a route, with its length and its reason.

    Parameters
    ----------
    net
        The network.
    steps
        The route's steps.
    loop
        Whether the route comes back to its start (a start on a main road then
        leaves it and comes back to it).

    Returns
    -------
    list of str
        One note per stretch of :data:`~routeplanner.brief.MAIN_ROAD_NOTE_M` or
        more, e.g. ``"starts on a main road: 0.1 km along CG-3 to the nearest
        other way"``.
    """
    runs = _stretches(net, steps)
    if not runs:
        return []
    needed = main_roads_needed(net, _start_edge(steps))
    total = sum(s.length_m for s in steps) or 1.0
    notes: list[str] = []
    first = runs[0]
    if first[0] == 0:
        # The start lies on a main road: the way off it (and, on a loop, back).
        back = runs[-1] if loop and len(runs) > 1 and runs[-1][1] == len(steps) else None
        name = _name(net, steps[first[0] : first[1]])
        text = (
            f"starts on a main road: {first[2] / 1000:.1f} km along {name} to the nearest other way"
        )
        if back is not None:
            text += f", {back[2] / 1000:.1f} km on it at the finish"
            runs = runs[:-1]
        notes.append(text)
        runs = runs[1:]
    for begin, end, metres in runs:
        if metres < MAIN_ROAD_NOTE_M:
            continue  # a crossing
        part = steps[begin:end]
        name = _name(net, part)
        share = f"{metres / 1000:.1f} km ({metres / total:.0%}) on {name}"
        if all(needed[s.edge] for s in part if isinstance(s, Step)):
            notes.append(f"{share}, a main road where no other way connects")
        else:
            notes.append(f"{share}, a main-road link that saves running the same way twice")
    return notes


def bypassed_share(net: Network, steps: Sequence[AnyStep]) -> float:
    """Share of the distance on main roads that other ways bypass."""
    total = sum(s.length_m for s in steps)
    return main_road_m(net, steps, bypassed_only=True) / total if total > 0 else 0.0
