"""Candidate loops of a loop search: whole search arcs, scored before they are built.

A search scores thousands of candidate loops from array sums and builds a few
(:mod:`routeplanner.search.loops`).  A candidate keeps its numbers and either its
arcs or how to walk them: a tree cycle's path is walked only when asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

__all__: list[str] = []

#: A candidate's arcs and the search edges they run.
_Found = tuple[list[int], frozenset[int]]


@dataclass
class _Cand:
    """A candidate loop made of whole search arcs, scored before padding.

    ``found`` is its arcs and search edges, or how to walk them: a tree cycle's
    path is walked only when asked for (most candidates are scored, never built).
    """

    time_s: float
    length_m: float
    trail_m: float
    overlap_m: float
    ascent_m: float
    score: float
    found: _Found | Callable[[], _Found]

    @property
    def arcs(self) -> list[int]:
        """The loop's arcs, in running order."""
        return self._found()[0]

    @property
    def edges(self) -> frozenset[int]:
        """The search edges the loop runs."""
        return self._found()[1]

    def _found(self) -> _Found:
        if callable(self.found):
            self.found = self.found()
        return self.found


def _cand_at(values: Sequence[np.ndarray], i: int, found: _Found | Callable[[], _Found]) -> _Cand:
    """Candidate ``i`` of arrays of (time, length, trail, overlap, ascent, score)."""
    t, length, trail, overlap, up, score = (float(v[i]) for v in values)
    return _Cand(t, length, trail, overlap, up, score, found)


def _joined(first: _Cand, second: _Cand) -> _Found:
    """Join two loops into a cloverleaf's arcs and edges (when they are asked for)."""
    return first.arcs + second.arcs, first.edges | second.edges
